/* csvout.c — the exposure CSV (docs/rules.md "The exposure CSV") and the closing summary. */
#include "scan/scan_int.h"
#include "util/csv.h"
#include "util/ktime.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

/* The rows are formatted by up to CSV_THREADS threads, CSV_ROWS rows each per round, into
 * buffers of their own, and each round goes out in one writev: the CSV of millions of people
 * costs the formatting divided by the threads plus one system call per round. */
#define CSV_THREADS 8
#define CSV_ROWS 16384

/* the dates of the last days seen, by day (rows in id order jump between days) */
#define ISO_DAYS 64
struct isoday {
    int64_t day;
    char date[11];
};
struct isocache {
    struct isoday e[ISO_DAYS];
};

/* one thread's rows [from, to) */
struct csvpart {
    const scan_result *r;
    size_t from, to;
    struct buf b;
    int fail;
    struct isocache ic;
    size_t *len; /* the cells' parts' lengths */
    size_t cap;
};

/* One cell: the parts joined with ';' — as a list (util/semilist.h: '\' and ';' inside a part
 * written "\\" and "\;") when the cell is a list, so that a page with a ';' stays one page.
 * RFC 4180: quote only when the cell holds a comma, a quote or a line break. The formula guard
 * of util/csv.h: a leading ' when a spreadsheet would run the cell as a formula; a cell of
 * several parts holds a ';', so it is never a plain number or the lone "-" and only its first
 * byte decides. q: quoted; x: a part holds a list's special byte. Writes at *o, which has room
 * for 2 * the parts' length + n + 3 bytes (cell_bound). */
static char *put_cell(char *o, const char *const *parts, const size_t *len, size_t n, int q, int x)
{
    int g = 0;
    if (n && csv_formula_char((unsigned char)parts[0][0])) g = n > 1 || csv_needs_guard(parts[0], len[0]);
    if (q) *o++ = '"';
    if (g) *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        if (i) *o++ = ';';
        if (!q && !x) {
            memcpy(o, parts[i], len[i]);
            o += len[i];
            continue;
        }
        for (const char *p = parts[i]; *p; p++) {
            if (q && *p == '"') *o++ = '"';
            else if (x && (*p == ';' || *p == '\\')) *o++ = '\\';
            *o++ = *p;
        }
    }
    if (q) *o++ = '"';
    return o;
}

/* the parts' lengths into len; *q: a part needs quotes; *x (list: the cell is a list): a part
 * holds ';' or '\'; returns the room put_cell needs */
static size_t cell_bound(const char *const *parts, size_t n, size_t *len, int *q, int list, int *x)
{
    static const unsigned char stop[2][256] = {
        {[0] = 1, [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1},
        {[0] = 1, [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1, [';'] = 1, ['\\'] = 1}};
    const unsigned char *t = stop[list != 0];
    size_t room = n + 3;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];
        size_t k = 0;
        for (;;) {
            while (!t[p[k]]) k++;
            if (!p[k]) break;
            if (p[k] == ';' || p[k] == '\\') *x = 1;
            else *q = 1;
            k++;
        }
        len[i] = k;
        room += 2 * k;
    }
    return room;
}

static char *put_u64(char *o, uint64_t v)
{
    char b[24];
    int n = 24;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(o, b + n, (size_t)(24 - n));
    return o + (24 - n);
}

static inline char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* "YYYY-MM-DDTHH:MM:SSZ" without printf; the date part is cached */
static char *put_time(char *o, struct isocache *ic, int64_t t)
{
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t s = t - day * 86400;
    struct isoday *c = &ic->e[(uint64_t)day % ISO_DAYS];
    if (day != c->day || !c->date[0]) {
        int64_t y;
        unsigned mo, d;
        kt_civil_from_days(day, &y, &mo, &d);
        if (y < 0 || y > 9999) { /* not from a log; keep kt_time_iso's form */
            char b[KT_ISO_LEN];
            kt_time_iso(day * 86400, b);
            memcpy(c->date, b, 10);
        } else {
            char *q = c->date;
            q = put2(q, (int)(y / 100));
            q = put2(q, (int)(y % 100));
            *q++ = '-';
            q = put2(q, (int)mo);
            *q++ = '-';
            put2(q, (int)d);
        }
        c->date[10] = 0;
        c->day = day;
    }
    memcpy(o, c->date, 10);
    o[10] = 'T';
    put2(o + 11, (int)(s / 3600));
    o[13] = ':';
    put2(o + 14, (int)(s / 60 % 60));
    o[16] = ':';
    put2(o + 17, (int)(s % 60));
    o[19] = 'Z';
    return o + 20;
}

/* one row; -1 when the buffer cannot grow */
static int put_row(struct csvpart *c, const struct scan_exposure *e)
{
    size_t nl = 1 + e->nfields + e->npages;
    if (nl > c->cap) {
        c->cap = nl * 2;
        c->len = xrealloc(c->len, c->cap * sizeof *c->len);
    }
    size_t *ls = c->len, *lf = ls + 1, *lp = lf + e->nfields;
    int qs = 0, qp = 0, qf = 0, xs = 0, xp = 0, xf = 0;
    size_t room = cell_bound(&e->subject, 1, ls, &qs, 0, &xs) + cell_bound(e->fields, e->nfields, lf, &qf, 1, &xf) +
                  cell_bound(e->pages, e->npages, lp, &qp, 1, &xp) + 4 * 24 + 2 * 20 + 8;
    if (buf_reserve(&c->b, room)) return -1;
    char *o = c->b.p + c->b.len;
    o = put_cell(o, &e->subject, ls, 1, qs, 0);
    *o++ = ',';
    o = put_time(o, &c->ic, e->first_seen);
    *o++ = ',';
    o = put_time(o, &c->ic, e->last_seen);
    const uint64_t num[] = {e->views, e->viewers, e->signed_in_viewers, e->anonymous_viewers};
    for (int k = 0; k < 4; k++) {
        *o++ = ',';
        o = put_u64(o, num[k]);
    }
    *o++ = ',';
    o = put_cell(o, e->pages, lp, e->npages, qp, xp);
    *o++ = ',';
    o = put_cell(o, e->fields, lf, e->nfields, qf, xf);
    *o++ = '\n';
    c->b.len = (size_t)(o - c->b.p);
    return 0;
}

static void *format_rows(void *arg)
{
    struct csvpart *c = arg;
    buf_reset(&c->b);
    for (size_t i = c->from; i < c->to && !c->fail; i++) {
        struct scan_exposure e;
        res_prefetch_row(c->r, i + 8);
        scan_result_exposure(c->r, i, &e);
        if (put_row(c, &e)) c->fail = 1;
    }
    return NULL;
}

/* every byte of the n buffers to fd, in as few writev calls as the kernel allows */
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* one round: rows [from, ...) by nt threads (the first on this one), then written */
static int csv_round(struct csvpart *parts, int nt, size_t from, size_t n, FILE *f)
{
    pthread_t tid[CSV_THREADS];
    int started[CSV_THREADS] = {0}, used = 0;
    for (int t = 0; t < nt && from < n; t++, used++) {
        parts[t].from = from;
        parts[t].to = n - from > CSV_ROWS ? from + CSV_ROWS : n;
        from = parts[t].to;
        if (t && !pthread_create(&tid[t], NULL, format_rows, &parts[t])) started[t] = 1;
    }
    for (int t = 0; t < used; t++)
        if (!started[t]) format_rows(&parts[t]);
    for (int t = 1; t < used; t++)
        if (started[t]) pthread_join(tid[t], NULL);
    struct iovec iov[CSV_THREADS];
    for (int t = 0; t < used; t++) {
        if (parts[t].fail) {
            errno = ENOMEM;
            return -1;
        }
        iov[t].iov_base = parts[t].b.p;
        iov[t].iov_len = parts[t].b.len;
    }
    int fd = fileno(f);
    if (fd >= 0) return write_all(fd, iov, used);
    for (int t = 0; t < used; t++)
        if (fwrite(iov[t].iov_base, 1, iov[t].iov_len, f) != iov[t].iov_len) return -1;
    return 0;
}

int scan_write_csv(const scan_result *r, FILE *f)
{
    return scan_write_csv_threads(r, f, 0);
}

int scan_write_csv_threads(const scan_result *r, FILE *f, int threads)
{
    static const char head[] =
        "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n";
    if (fputs(head, f) == EOF || fflush(f)) return -1;
    struct scan_totals t;
    scan_result_totals(r, &t);
    if (threads < 1) threads = t.threads;
    int nt = threads < 1 ? 1 : threads > CSV_THREADS ? CSV_THREADS : threads;
    struct csvpart parts[CSV_THREADS];
    memset(parts, 0, sizeof parts);
    for (int k = 0; k < nt; k++) {
        parts[k].r = r;
        buf_init(&parts[k].b, SIZE_MAX / 2);
    }
    size_t n = scan_result_exposures(r);
    int rc = 0;
    for (size_t from = 0; from < n && !rc; from += (size_t)nt * CSV_ROWS) rc = csv_round(parts, nt, from, n, f);
    for (int k = 0; k < nt; k++) {
        buf_release(&parts[k].b);
        free(parts[k].len);
    }
    if (fflush(f) != 0) rc = -1;
    return rc;
}

/* ---- the CSV of a merge, by ranges of ids ----
 * The people of the inputs are cut into about MERGE_RANGE people per range at ids sampled
 * from every input; each thread takes the next range, merges it (res_merge_rows) and formats
 * its rows; whichever thread finds the next range to write ready writes it (and the ones
 * after it that are ready) while the others go on. At most MERGE_AHEAD ranges per thread
 * wait to be written, so memory holds a few ranges' rows, not the CSV. KLARTEXT_MERGE_RANGE=N
 * sets the people per range (tests: many ranges of a few people). */
#define MERGE_RANGE 16384
#define MERGE_AHEAD 4
#define MERGE_SAMPLES 4 /* ids sampled per range */

struct mslot {
    struct buf b;
    int ready;
};

struct mcsv {
    scan_result **in;
    size_t n;
    const char **piv; /* range j is [piv[j - 1], piv[j]); the first and the last are open */
    size_t npiv, nranges;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next, written, ahead;
    int writing, err; /* err: the first failure's errno */
    struct mslot *slot;
    FILE *f;
    struct scan_totals t;
};

static int cmp_str_ptr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* the pivots: every MERGE_SAMPLES-th of ids sampled evenly from every input, sorted, without repeats */
static void merge_pivots(struct mcsv *m)
{
    size_t total = 0;
    for (size_t i = 0; i < m->n; i++) total += scan_result_exposures(m->in[i]);
    const char *env = getenv("KLARTEXT_MERGE_RANGE"); /* people per range, for tests */
    size_t per = env && *env && strtoull(env, NULL, 10) ? (size_t)strtoull(env, NULL, 10) : MERGE_RANGE;
    size_t want = total / per; /* ranges */
    if (want < 2) return;
    size_t ns = 0, cap = want * MERGE_SAMPLES + m->n + 1;
    const char **smp = xmalloc(cap * sizeof *smp);
    for (size_t i = 0; i < m->n; i++) {
        size_t k = scan_result_exposures(m->in[i]), take = k * want * MERGE_SAMPLES / total;
        for (size_t j = 0; j < take && ns < cap; j++) smp[ns++] = res_subject_id(m->in[i], j * k / take);
    }
    qsort(smp, ns, sizeof *smp, cmp_str_ptr);
    m->piv = xmalloc((ns / MERGE_SAMPLES + 1) * sizeof *m->piv);
    for (size_t j = MERGE_SAMPLES; j < ns; j += MERGE_SAMPLES)
        if (!m->npiv || strcmp(m->piv[m->npiv - 1], smp[j])) m->piv[m->npiv++] = smp[j];
    free(smp);
}

/* range j's rows into c->b; -1 + errno */
static int merge_range(struct mcsv *m, size_t j, struct csvpart *c, size_t *lo, size_t *hi, struct scan_totals *t)
{
    for (size_t i = 0; i < m->n; i++) {
        lo[i] = j ? res_subject_lower(m->in[i], m->piv[j - 1]) : 0;
        hi[i] = j < m->npiv ? res_subject_lower(m->in[i], m->piv[j]) : scan_result_exposures(m->in[i]);
    }
    scan_result *r = res_merge_rows(m->in, m->n, lo, hi, t);
    if (!r) {
        errno = EINVAL;
        return -1;
    }
    c->r = r;
    c->from = 0;
    c->to = scan_result_exposures(r);
    c->fail = 0;
    format_rows(c);
    scan_result_free(r);
    if (c->fail) errno = ENOMEM;
    return c->fail ? -1 : 0;
}

/* the ready ranges from the next to write on, written (called with mu held, returns with it) */
static void merge_write_ready(struct mcsv *m)
{
    m->writing = 1;
    while (!m->err && m->written < m->nranges && m->slot[m->written].ready) {
        struct mslot *s = &m->slot[m->written];
        pthread_mutex_unlock(&m->mu);
        struct iovec iov = {s->b.p, s->b.len};
        int fd = fileno(m->f), rc = 0;
        if (s->b.len) rc = fd >= 0 ? write_all(fd, &iov, 1) : fwrite(s->b.p, 1, s->b.len, m->f) == s->b.len ? 0 : -1;
        int e = errno;
        buf_release(&s->b);
        pthread_mutex_lock(&m->mu);
        if (rc && !m->err) m->err = e ? e : EIO;
        m->written++;
        pthread_cond_broadcast(&m->cv);
    }
    m->writing = 0;
}

static void *merge_worker(void *arg)
{
    struct mcsv *m = arg;
    struct csvpart c;
    memset(&c, 0, sizeof c);
    size_t *lo = xmalloc((m->n + 1) * sizeof *lo), *hi = xmalloc((m->n + 1) * sizeof *hi);
    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (!m->err && m->next < m->nranges && m->next >= m->written + m->ahead) pthread_cond_wait(&m->cv, &m->mu);
        if (m->err || m->next >= m->nranges) break;
        size_t j = m->next++;
        pthread_mutex_unlock(&m->mu);
        struct scan_totals t;
        memset(&t, 0, sizeof t);
        buf_init(&c.b, SIZE_MAX / 2);
        int rc = merge_range(m, j, &c, lo, hi, &t), e = errno;
        pthread_mutex_lock(&m->mu);
        if (rc) {
            buf_release(&c.b);
            if (!m->err) m->err = e;
            pthread_cond_broadcast(&m->cv);
            break;
        }
        m->t.people += t.people;
        m->t.views += t.views;
        m->t.viewer_pairs += t.viewer_pairs;
        m->t.records += t.records;
        m->slot[j].b = c.b;
        m->slot[j].ready = 1;
        if (!m->writing) merge_write_ready(m);
    }
    pthread_mutex_unlock(&m->mu);
    free(c.len);
    free(lo);
    free(hi);
    return NULL;
}

int scan_write_csv_merged(scan_result **in, size_t n, FILE *f, int threads, struct scan_totals *t)
{
    static const char head[] =
        "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n";
    memset(t, 0, sizeof *t);
    if (fputs(head, f) == EOF || fflush(f)) return -1;
    struct mcsv m;
    memset(&m, 0, sizeof m);
    pthread_mutex_init(&m.mu, NULL);
    pthread_cond_init(&m.cv, NULL);
    m.in = in;
    m.n = n;
    m.f = f;
    merge_pivots(&m);
    m.nranges = m.npiv + 1;
    int nt = threads < 1 ? 1 : threads > CSV_THREADS ? CSV_THREADS : threads;
    m.ahead = (size_t)nt * MERGE_AHEAD;
    m.slot = xcalloc(m.nranges, sizeof *m.slot);
    pthread_t tid[CSV_THREADS];
    int started = 0;
    for (int k = 1; k < nt; k++)
        if (!pthread_create(&tid[started], NULL, merge_worker, &m)) started++;
    merge_worker(&m);
    for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
    for (size_t j = 0; j < m.nranges; j++) buf_release(&m.slot[j].b);
    free(m.slot);
    free(m.piv);
    pthread_mutex_destroy(&m.mu);
    pthread_cond_destroy(&m.cv);
    *t = m.t;
    if (!m.err && fflush(f)) m.err = errno ? errno : EIO;
    if (m.err) errno = m.err;
    return m.err ? -1 : 0;
}

static void addf(char *buf, size_t len, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void addf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (*pos >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0) *pos += (size_t)n;
    if (*pos >= len) *pos = len;
}

void scan_malformed_share(const scan_result *r, char *buf, size_t len)
{
    size_t pos = 0, shown = 0, more = 0;
    if (!len) return;
    buf[0] = 0;
    for (size_t i = 0; i < scan_result_files(r); i++) {
        struct scan_file f;
        scan_result_file(r, i, &f);
        if (!f.malformed || f.malformed * 100 <= f.lines_parsed) continue;
        if (shown == 10) {
            more++;
            continue;
        }
        uint64_t base = f.lines_parsed > f.malformed ? f.lines_parsed : f.malformed;
        addf(buf, len, &pos, "%s%s %llu of %llu (%.1f %%)",
             shown ? "; " : "warning: more than 1 % of the lines parsed in full are malformed: ", f.name,
             (unsigned long long)f.malformed, (unsigned long long)base, 100.0 * (double)f.malformed / (double)base);
        shown++;
    }
    if (more) addf(buf, len, &pos, "; and %zu more file%s", more, more == 1 ? "" : "s");
    if (shown) addf(buf, len, &pos, " (is the rule's format the log's?)\n");
}

/* "empty: 2 files hold no log lines: a.log, b.log" */
static void empty_files(const scan_result *r, char *buf, size_t len, size_t *pos)
{
    size_t n = 0, shown = 0;
    for (size_t i = 0; i < scan_result_files(r); i++) {
        struct scan_file f;
        scan_result_file(r, i, &f);
        n += f.empty != 0;
    }
    if (!n) return;
    addf(buf, len, pos, "empty: %zu file%s with no log lines:", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < scan_result_files(r); i++) {
        struct scan_file f;
        scan_result_file(r, i, &f);
        if (!f.empty) continue;
        if (shown++ == 10) {
            addf(buf, len, pos, " and %zu more", n - 10);
            break;
        }
        addf(buf, len, pos, "%s %s", shown > 1 ? "," : "", f.name);
    }
    addf(buf, len, pos, "\n");
}

void scan_summary_format(const scan_result *r, char *buf, size_t len)
{
    struct scan_totals t;
    size_t pos = 0;
    if (!len) return;
    buf[0] = 0;
    scan_result_totals(r, &t);
    double mbs = t.seconds > 0 ? (double)t.bytes_out / 1e6 / t.seconds : 0;
    addf(buf, len, &pos, "scan: %llu file%s, %llu bytes read, %llu bytes of log\n", (unsigned long long)t.files,
         t.files == 1 ? "" : "s", (unsigned long long)t.bytes_in, (unsigned long long)t.bytes_out);
    addf(buf, len, &pos, "lines read %llu, parsed in full %llu, matched %llu, malformed %llu, odd requests %llu\n",
         (unsigned long long)t.lines, (unsigned long long)t.lines_parsed, (unsigned long long)t.lines_matched,
         (unsigned long long)t.malformed, (unsigned long long)t.odd_requests);
    addf(buf, len, &pos, "outside the window %llu, own views excluded %llu\n", (unsigned long long)t.out_of_window,
         (unsigned long long)t.self_views);
    addf(buf, len, &pos, "people %llu, views %llu, distinct (person, viewer) pairs %llu, records %llu\n",
         (unsigned long long)t.people, (unsigned long long)t.views, (unsigned long long)t.viewer_pairs,
         (unsigned long long)t.records);
    addf(buf, len, &pos, "%.2f s, %.0f MB/s, %d thread%s\n", t.seconds, mbs, t.threads, t.threads == 1 ? "" : "s");
    empty_files(r, buf, len, &pos);
    if (pos < len) {
        scan_malformed_share(r, buf + pos, len - pos);
        pos += strlen(buf + pos);
    }
    size_t ns = scan_result_samples(r);
    if (ns) {
        addf(buf, len, &pos, "malformed lines (first %zu of %llu):\n", ns, (unsigned long long)t.malformed);
        for (size_t i = 0; i < ns; i++) {
            struct scan_sample s;
            scan_result_sample(r, i, &s);
            addf(buf, len, &pos, "  %s line %llu: %s\n", s.file, (unsigned long long)s.line, s.reason);
        }
    }
    if (t.files_failed) {
        addf(buf, len, &pos, "incomplete: %llu file%s could not be read to the end:\n",
             (unsigned long long)t.files_failed, t.files_failed == 1 ? "" : "s");
        for (size_t i = 0; i < scan_result_files(r); i++) {
            struct scan_file f;
            scan_result_file(r, i, &f);
            if (f.error) addf(buf, len, &pos, "  %s\n", f.error);
        }
    }
}
