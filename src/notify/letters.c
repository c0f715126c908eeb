/* letters.c — printed letters for the people e-mail did not reach (notify.h, `notify
 * --letters`; docs/notify.md "Letters").
 *
 * Who: the exposed people of the current scan without an e-mail address, and/or those whose
 * latest e-mail notice failed for good (refused, out of attempts, returned by a mail server), or
 * everyone. A person needs a postal address (street, postcode, city; country optional) from the
 * subject directory: without any address they are listed as not reachable, with an incomplete one
 * as incomplete; neither gets a letter.
 *
 * A letter is a notice of kind 'letter' (register/outbox.h): its own notice id and code (the
 * keyed lookup hash), the signed text (letter.{de,en}.txt.mustache), a transparency-log
 * commitment over "NOTICE-ID SHA-256(text)\n" as for every notice, outbox state `written`. Its
 * stored form (codec "letter1") is the record the PDF is typeset from — the address, the head's
 * facts, the subject, the signature and the text — zstd-compressed, so that a PDF lost after the
 * commit is typeset again byte for byte. One letter per person and scan: a re-run makes none for
 * people who have one from the current scan, and writes only the PDFs missing in DIR.
 *
 * Pipeline: worker threads render, sign, pack and typeset a batch while this thread stores the
 * previous batch in one transaction, writes its PDFs (after the commit) and adds its letters to
 * the combined PDF and the manifest. */
#include "notify/letter_pdf.h"
#include "notify/notify.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "sign/minisig.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/i18n.h"
#include "util/output.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define LETTER_MAGIC "klartext letter 1\n"
#define LETTER_REC_MAX ((size_t)1 << 20)

/* ---------------------------------------------------------------- the stored record */

/* head keys, in the order they are written */
enum {
    LK_LANG,
    LK_DATE,
    LK_CREATED,
    LK_NOTICE,
    LK_INCIDENT,
    LK_CODE,
    LK_PORTAL,
    LK_ORG,
    LK_ORGADDR,
    LK_RETURN,
    LK_SUBJECT,
    LK_TO,
    LK_N
};
static const char *const lkeys[LK_N] = {"lang",   "date", "created",     "notice", "incident", "code",
                                        "portal", "org",  "org_address", "return", "subject",  "to"};

/* one head line "key\tvalue\n"; line breaks and tabs in the value become spaces */
static void rec_line(struct buf *b, int k, const char *v)
{
    buf_adds(b, lkeys[k]);
    buf_addc(b, '\t');
    for (const char *p = v ? v : ""; *p; p++) buf_addc(b, *p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p);
    buf_addc(b, '\n');
}

/* the record of letter D with its signature SIG */
static void rec_build(struct buf *b, const struct letter_doc *d, const char *sig, size_t siglen)
{
    char n[32];
    buf_reset(b);
    buf_adds(b, LETTER_MAGIC);
    rec_line(b, LK_LANG, d->german ? "de" : "en");
    rec_line(b, LK_DATE, d->date);
    snprintf(n, sizeof n, "%lld", (long long)d->created);
    rec_line(b, LK_CREATED, n);
    rec_line(b, LK_NOTICE, d->notice_id);
    rec_line(b, LK_INCIDENT, d->incident_ref);
    rec_line(b, LK_CODE, d->code);
    rec_line(b, LK_PORTAL, d->portal);
    rec_line(b, LK_ORG, d->org_name);
    rec_line(b, LK_ORGADDR, d->org_address);
    rec_line(b, LK_RETURN, d->return_line);
    rec_line(b, LK_SUBJECT, d->subject);
    for (int i = 0; i < LETTER_ADDR_LINES && d->to[i]; i++) rec_line(b, LK_TO, d->to[i]);
    buf_addf(b, "\n%zu\n", siglen);
    buf_add(b, sig, siglen);
    buf_add(b, d->text, d->text_len);
}

/* Parse a record (NUL-terminated, len bytes; modified: the head's line ends become NULs) into d,
 * pointing into it: 0, or -1 when it is not one. */
static int rec_parse(char *rec, size_t len, struct letter_doc *d, const char **sig, size_t *siglen)
{
    size_t ml = strlen(LETTER_MAGIC);
    memset(d, 0, sizeof *d);
    if (len < ml || memcmp(rec, LETTER_MAGIC, ml)) return -1;
    char *p = rec + ml, *end = rec + len;
    int nto = 0;
    while (p < end && *p != '\n') {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *tab = memchr(p, '\t', (size_t)(end - p));
        if (!nl || !tab || tab > nl) return -1;
        *nl = *tab = 0;
        const char *v = tab + 1;
        int k = 0;
        while (k < LK_N && strcmp(p, lkeys[k])) k++;
        const char **slot[LK_N] = {NULL,        &d->date,   NULL,         &d->notice_id,   &d->incident_ref,
                                   &d->code,    &d->portal, &d->org_name, &d->org_address, &d->return_line,
                                   &d->subject, NULL};
        if (k == LK_LANG) d->german = !strcmp(v, "de");
        else if (k == LK_CREATED) d->created = strtoll(v, NULL, 10);
        else if (k == LK_TO && nto < LETTER_ADDR_LINES) d->to[nto++] = v;
        else if (k < LK_N && slot[k]) *slot[k] = v;
        p = nl + 1;
    }
    if (p >= end) return -1;
    char *q = NULL;
    unsigned long long sl = strtoull(p + 1, &q, 10);
    if (!q || *q != '\n' || sl > (unsigned long long)(end - q - 1)) return -1;
    *sig = q + 1;
    *siglen = (size_t)sl;
    d->text = q + 1 + sl;
    d->text_len = (size_t)(end - d->text);
    return d->notice_id && d->code ? 0 : -1;
}

static int rec_pack(const struct buf *rec, char **out, size_t *outlen)
{
    size_t cap = ZSTD_compressBound(rec->len);
    *out = xmalloc(cap);
    size_t n = ZSTD_compress(*out, cap, rec->p, rec->len, 3);
    if (ZSTD_isError(n)) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *outlen = n;
    return 0;
}

int notify_letter_get(reg *r, int64_t row, struct notify_letter *l)
{
    struct outbox_stored st;
    int rc;
    memset(l, 0, sizeof *l);
    if ((rc = outbox_stored_get(r, row, &st))) return rc;
    rc = 1;
    unsigned long long n = ZSTD_getFrameContentSize(st.packed, st.packed_len);
    if (strcmp(st.codec, "letter1"))
        reg_fail(r, 1, "notice %lld is not a letter (codec '%s')", (long long)row, st.codec);
    else if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > LETTER_REC_MAX ||
             n != (unsigned long long)st.message_len)
        reg_fail(r, 1, "the stored letter %lld is damaged", (long long)row);
    else {
        l->rec = xmalloc((size_t)n + 1);
        size_t got = ZSTD_decompress(l->rec, (size_t)n, st.packed, st.packed_len);
        if (ZSTD_isError(got) || got != n) reg_fail(r, 1, "the stored letter %lld is damaged", (long long)row);
        else {
            l->rec[n] = 0;
            l->rec_len = (size_t)n;
            if (rec_parse(l->rec, l->rec_len, &l->doc, &l->sig, &l->sig_len))
                reg_fail(r, 1, "the stored letter %lld cannot be read", (long long)row);
            else rc = 0;
        }
    }
    outbox_stored_release(&st);
    if (rc) notify_letter_release(l);
    return rc;
}

void notify_letter_release(struct notify_letter *l)
{
    if (l->rec) sodium_memzero(l->rec, l->rec_len); /* it holds the code */
    free(l->rec);
    memset(l, 0, sizeof *l);
}

/* ---------------------------------------------------------------- who gets a letter */

void notify_letter_stats_release(struct notify_letter_stats *st)
{
    free(st->unreachable);
    free(st->incomplete);
    st->unreachable = st->incomplete = NULL;
    st->nunreachable = st->nincomplete = 0;
}

static int has(const char *s)
{
    return s && *s;
}

static void miss_add(struct notify_letter_miss **v, size_t *n, const char *subject, const char *why)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].subject = subject;
    snprintf((*v)[*n].why, sizeof(*v)[*n].why, "%s", why);
    (*n)++;
}

/* 1 when S has a whole postal address; else lists the person and returns 0 */
static int address_ok(const struct subject_rec *s, const char *subject, int email, struct notify_letter_stats *st)
{
    if (!s || (!has(s->street) && !has(s->postcode) && !has(s->city))) {
        miss_add(&st->unreachable, &st->nunreachable, subject,
                 email ? "no postal address" : "no e-mail address and no postal address");
        return 0;
    }
    if (has(s->street) && has(s->postcode) && has(s->city)) return 1;
    char why[120];
    snprintf(why, sizeof why, "the postal address has no %s%s%s%s%s", has(s->street) ? "" : "street",
             !has(s->street) && (!has(s->postcode) || !has(s->city)) ? ", " : "", has(s->postcode) ? "" : "postcode",
             !has(s->postcode) && !has(s->city) ? ", " : "", has(s->city) ? "" : "city");
    miss_add(&st->incomplete, &st->nincomplete, subject, why);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_letter(const void *a, const void *b)
{
    const struct outbox_letter *x = a, *y = b;
    int c = strcmp(x->subject, y->subject);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* the latest letter of SUBJECT (L sorted by cmp_letter), or NULL */
static const struct outbox_letter *letter_of(const struct outbox_letter *l, size_t n, const char *subject)
{
    size_t lo = 0, hi = n; /* the first letter after SUBJECT's */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(l[mid].subject, subject) <= 0) lo = mid + 1;
        else hi = mid;
    }
    return lo && !strcmp(l[lo - 1].subject, subject) ? &l[lo - 1] : NULL;
}

struct lplan {
    size_t *todo; /* indexes into pp->ex: new letters to make */
    size_t ntodo;
    int64_t *rewrite; /* rows of stored letters whose PDF is missing in DIR */
    size_t nrewrite;
};

/* a letter exists for the person from the current scan: kept; its PDF rewritten when missing */
static void keep_letter(const struct incident *inc, const char *dir, const struct outbox_letter *l, struct lplan *pl,
                        struct notify_letter_stats *st)
{
    char nid[NOTICE_ID_MAX], path[4200];
    st->kept++;
    notice_make_id(inc->ref, l->seq, nid, sizeof nid);
    snprintf(path, sizeof path, "%s/%s.pdf", dir, nid);
    if (access(path, F_OK) == 0) return;
    pl->rewrite = xrealloc(pl->rewrite, (pl->nrewrite + 1) * sizeof *pl->rewrite);
    pl->rewrite[pl->nrewrite++] = l->row;
}

static int plan_letters(reg *r, const struct incident *inc, const struct notify_people *pp,
                        const struct notify_letter_opts *o, struct lplan *pl, struct notify_letter_stats *st)
{
    char **failed = NULL;
    size_t nfailed = 0, nl = 0;
    struct outbox_letter *letters = NULL;
    int rc;
    if ((o->who & NOTIFY_FOR_FAILED) && (rc = outbox_failed_subjects(r, inc->id, o->max_attempts, &failed, &nfailed)))
        return rc;
    if ((rc = outbox_letters(r, inc->id, &letters, &nl))) goto out;
    if (nl) qsort(letters, nl, sizeof *letters, cmp_letter);
    pl->todo = xcalloc(pp->nex + 1, sizeof *pl->todo);
    for (size_t i = 0; i < pp->nex; i++) {
        const char *subj = pp->ex[i].subject;
        const struct subject_rec *s = notify_contact(pp, subj);
        int email = notify_reachable(s);
        int want = (o->who & NOTIFY_FOR_ALL) || (!email && (o->who & NOTIFY_FOR_NO_EMAIL)) ||
                   (email && nfailed && bsearch(&subj, failed, nfailed, sizeof *failed, cmp_str));
        if (!want) continue;
        st->eligible++;
        if (!address_ok(s, subj, email, st)) continue;
        const struct outbox_letter *l = letter_of(letters, nl, subj);
        if (l && l->scan_id == pp->scan_id) keep_letter(inc, o->dir, l, pl, st);
        else pl->todo[pl->ntodo++] = i;
    }
out:
    for (size_t i = 0; i < nfailed; i++) free(failed[i]);
    free(failed);
    outbox_letters_free(letters, nl);
    return rc;
}

/* ---------------------------------------------------------------- making one letter */

struct ljob {
    const struct exposure_row *e;
    const struct subject_rec *s;
    int64_t seq;
    char notice_id[NOTICE_ID_MAX];
    char code[CODE_DISPLAY_SIZE];
    int rc;
    char err[300];
    struct buf rec; /* the record; the combined PDF is typeset from it too */
    char *packed;
    size_t packed_len;
    struct buf pdf;
    int pages;
    struct letter_pages *laid; /* its pages as laid out: replayed into the combined PDF */
    uint8_t code_hash[32];
    char text_sha[65];
};

struct lworker { /* what one thread keeps between letters */
    struct notice_renderer *rr;
    struct letter_typesetter *ts;
    struct notice_result res;
    struct buf tmp;
};

struct lrun {
    reg *r;
    const struct incident *inc;
    const struct notify_people *pp;
    const struct notify_content *nc;
    const struct notify_letter_opts *o;
    struct notify_letter_stats *st;
    struct lworker w[NOTIFY_MAX_THREADS];
    int nth;
    struct ljob *jobs;
    size_t njobs;
    atomic_size_t next;
    /* the outputs of the run */
    struct out book_out, csv_out;
    struct letter_book *book;
    int64_t book_pages;
    struct letter_typesetter *ts; /* this thread's, for PDFs typeset again */
};

/* "Beispiel GmbH · Hauptstraße 1 · 10115 Berlin" */
static void return_line(const struct notice_org *org, char *out, size_t len)
{
    struct buf b;
    buf_init(&b, len - 1);
    buf_adds(&b, org->name);
    const char *a = org->address ? org->address : "";
    if (*a) buf_adds(&b, " · ");
    for (; *a; a++) {
        if ((*a == ',' && a[1] == ' ') || *a == '\n') {
            buf_adds(&b, " ·");
            if (*a == ',') continue;
            buf_addc(&b, ' ');
        } else buf_addc(&b, *a);
    }
    snprintf(out, len, "%s", buf_str(&b));
    buf_release(&b);
}

/* the form of address before the name, from the salutation: "Sehr geehrte Frau" -> "Frau",
   "Sehr geehrter Herr" -> "Herrn", "Dear Ms" -> "Ms"; "" when there is none */
static const char *address_form(const char *sal)
{
    if (!has(sal)) return "";
    if (!strcmp(sal, "Sehr geehrte Frau")) return "Frau";
    if (!strcmp(sal, "Sehr geehrter Herr")) return "Herrn";
    if (!strncmp(sal, "Dear ", 5) && !strchr(sal + 5, ' ')) return sal + 5;
    return "";
}

/* the address lines of S: the name (with Frau/Herrn, Ms/Mr from the salutation), street, postcode
   and city, the country in capitals */
static void address_of(const struct subject_rec *s, struct letter_doc *d, char *name, size_t namelen, char *pc,
                       size_t pclen, char *cty, size_t ctylen)
{
    int n = 0;
    const char *form = address_form(s->salutation);
    snprintf(name, namelen, "%s%s%s", form, *form ? " " : "", s->name);
    d->to[n++] = name;
    d->to[n++] = s->street;
    snprintf(pc, pclen, "%s %s", s->postcode, s->city);
    d->to[n++] = pc;
    if (has(s->country)) {
        snprintf(cty, ctylen, "%s", s->country);
        for (char *c = cty; *c; c++)
            if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
        d->to[n++] = cty;
    }
}

/* render, sign and pack job J's letter, and typeset it from its record */
static void make_letter(struct lrun *run, struct lworker *w, struct ljob *j)
{
    const struct notify_content *nc = run->nc;
    struct notice_person p;
    notify_person(j->e, j->s, &p);
    struct notice_meta m = {.notice_id = j->notice_id, .code = j->code, .date = run->o->at, .letter = 1};
    char trusted[512], sig[MINISIG_TEXT_MAX], date[I18N_TEXT_MAX], ret[600], pc[1100], cty[600], name[600];
    size_t siglen = 0;
    j->rc = -1;
    if (notice_render(w->rr, nc->org, nc->ni, &p, &m, &w->res, j->err, sizeof j->err)) return;
    notice_trusted_comment(nc->ni->ref, j->notice_id, run->o->at, 0, trusted, sizeof trusted);
    if (minisig_sign(nc->key, w->res.text, w->res.text_len, MINISIG_PREHASHED,
                     "klartext letter signature; check: minisign -Vm letter.txt -p klartext.pub", trusted, sig,
                     sizeof sig, &siglen, j->err, sizeof j->err))
        return;
    if (i18n_format_utc((enum i18n_lang)p.lang, run->o->at, p.timezone, I18N_DATE, date, sizeof date, j->err,
                        sizeof j->err))
        return;
    return_line(nc->org, ret, sizeof ret);
    struct letter_doc d = {.german = p.lang == NOTICE_DE,
                           .org_name = nc->org->name,
                           .org_address = nc->org->address,
                           .return_line = ret,
                           .date = date,
                           .notice_id = j->notice_id,
                           .incident_ref = nc->ni->ref,
                           .code = j->code,
                           .portal = nc->org->portal_url,
                           .subject = w->res.subject,
                           .text = w->res.text,
                           .text_len = w->res.text_len,
                           .created = run->o->at};
    address_of(j->s, &d, name, sizeof name, pc, sizeof pc, cty, sizeof cty);
    rec_build(&j->rec, &d, sig, siglen);
    sha256_to_hex(w->res.text_sha256, j->text_sha);
    struct letter_doc pd;
    const char *ps;
    size_t psl;
    buf_reset(&w->tmp);
    if (buf_add(&w->tmp, j->rec.p, j->rec.len) || rec_parse(w->tmp.p, w->tmp.len, &pd, &ps, &psl) ||
        rec_pack(&j->rec, &j->packed, &j->packed_len)) {
        snprintf(j->err, sizeof j->err, "cannot store the letter");
        return;
    }
    if (code_lookup_hash(nc->code_key, j->code, j->code_hash)) {
        snprintf(j->err, sizeof j->err, "bad code");
        return;
    }
    if (letter_pdf_keep(w->ts, &pd, &j->pdf, &j->pages, &j->laid, j->err, sizeof j->err)) return;
    j->rc = 0;
}

struct lthread {
    struct lrun *run;
    struct lworker *w;
};

static void *lwork(void *arg)
{
    struct lthread *t = arg;
    size_t i;
    while ((i = atomic_fetch_add(&t->run->next, 1)) < t->run->njobs) make_letter(t->run, t->w, &t->run->jobs[i]);
    return NULL;
}

static int workers_new(struct lrun *run, int nth)
{
    for (int i = 0; i < nth && i < NOTIFY_MAX_THREADS; i++) {
        struct lworker *w = &run->w[i];
        w->rr = notice_renderer_new(run->nc->tm);
        w->ts = letter_ts_new();
        buf_init(&w->tmp, LETTER_REC_MAX);
        run->nth++;
        if (!w->rr || !w->ts) return -1;
    }
    return run->nth ? 0 : -1;
}

static void workers_free(struct lrun *run)
{
    for (int i = 0; i < run->nth; i++) {
        notice_renderer_free(run->w[i].rr);
        letter_ts_free(run->w[i].ts);
        notice_result_release(&run->w[i].res);
        buf_release(&run->w[i].tmp);
    }
    run->nth = 0;
}

/* start the threads on JOBS; *th gets how many started (0: make them here) */
static void batch_start(struct lrun *run, struct ljob *jobs, size_t n, pthread_t *th, struct lthread *ta, int *nth)
{
    run->jobs = jobs;
    run->njobs = n;
    atomic_store(&run->next, 0);
    *nth = 0;
    for (int i = 0; i < run->nth; i++) {
        ta[i] = (struct lthread){run, &run->w[i]};
        if (pthread_create(&th[i], NULL, lwork, &ta[i])) break;
        (*nth)++;
    }
    if (!*nth) { /* no thread: make them here */
        ta[0] = (struct lthread){run, &run->w[0]};
        lwork(&ta[0]);
    }
}

static void batch_join(pthread_t *th, int nth)
{
    for (int i = 0; i < nth; i++) pthread_join(th[i], NULL);
}

/* ---------------------------------------------------------------- the files */

static const char *const csv_head[] = {"file",           "notice",         "first_page",     "pages",
                                       "language",       "address_line_1", "address_line_2", "address_line_3",
                                       "address_line_4", "address_line_5", "address_line_6"};
#define CSV_COLS (sizeof csv_head / sizeof csv_head[0])

/* open this run's combined PDF and manifest, named after its first letter */
static int book_open(struct lrun *run, const char *first_id)
{
    char err[4400];
    int rc;
    snprintf(run->st->combined, sizeof run->st->combined, "%s/letters-%s.pdf", run->o->dir, first_id);
    snprintf(run->st->manifest, sizeof run->st->manifest, "%s/letters-%s.csv", run->o->dir, first_id);
    if ((rc = out_open(&run->book_out, run->st->combined, 0, 0600, err, sizeof err)))
        return reg_fail(run->r, rc, "%s", err);
    if ((rc = out_open(&run->csv_out, run->st->manifest, 0, 0600, err, sizeof err))) {
        out_abort(&run->book_out);
        return reg_fail(run->r, rc, "%s", err);
    }
    run->book = letter_book_open(out_stream(&run->book_out), run->o->at, err, sizeof err);
    if (!run->book) return reg_fail(run->r, 1, "%s", err);
    csv_write_record(csv_sink_file, out_stream(&run->csv_out), csv_head, NULL, CSV_COLS);
    return 0;
}

/* write letter D (typeset as PDF, PAGES pages; LAID its pages as laid out, or NULL) into DIR, the
 * combined PDF and the manifest */
static int write_letter(struct lrun *run, const struct letter_doc *d, const struct buf *pdf, int pages,
                        const struct letter_pages *laid)
{
    char path[4200], err[4400], file[200], first[32], npages[32];
    int rc, bp = 0;
    if (!run->book && (rc = book_open(run, d->notice_id))) return rc;
    snprintf(file, sizeof file, "%s.pdf", d->notice_id);
    snprintf(path, sizeof path, "%s/%s", run->o->dir, file);
    if ((rc = out_write_file(path, pdf->p, pdf->len, OUT_NOSYNC, 0600, err, sizeof err)))
        return reg_fail(run->r, rc, "%s", err);
    if (laid ? letter_book_add_pages(run->book, laid, err, sizeof err)
             : letter_book_add(run->book, d, &bp, err, sizeof err))
        return reg_fail(run->r, 1, "%s", err);
    if (laid) bp = pages;
    snprintf(first, sizeof first, "%lld", (long long)run->book_pages + 1);
    snprintf(npages, sizeof npages, "%d", pages);
    run->book_pages += bp;
    const char *f[CSV_COLS] = {file, d->notice_id, first, npages, d->german ? "de" : "en"};
    for (size_t i = 0; i < LETTER_ADDR_LINES; i++) f[5 + i] = d->to[i] ? d->to[i] : "";
    csv_write_record(csv_sink_file, out_stream(&run->csv_out), f, NULL, CSV_COLS);
    run->st->written++;
    run->st->pages += pages;
    return 0;
}

static int book_finish(struct lrun *run, int ok)
{
    char err[4400];
    int rc = 0;
    if (!run->book) return 0;
    if (letter_book_close(run->book, err, sizeof err)) rc = reg_fail(run->r, 1, "%s", err);
    run->book = NULL;
    if (!ok || rc) {
        out_abort(&run->book_out);
        out_abort(&run->csv_out);
        run->st->combined[0] = run->st->manifest[0] = 0;
        return rc;
    }
    if ((rc = out_commit(&run->book_out, err, sizeof err))) {
        out_abort(&run->csv_out);
        return reg_fail(run->r, rc, "%s", err);
    }
    if ((rc = out_commit(&run->csv_out, err, sizeof err))) return reg_fail(run->r, rc, "%s", err);
    return 0;
}

/* the stored letters whose PDF is missing in DIR: typeset again from the register */
static int rewrite_missing(struct lrun *run, const struct lplan *pl)
{
    struct buf pdf;
    int rc = 0;
    buf_init(&pdf, LETTER_PDF_MAX);
    for (size_t i = 0; i < pl->nrewrite && !rc; i++) {
        struct notify_letter l;
        char err[400];
        int pages = 0;
        if ((rc = notify_letter_get(run->r, pl->rewrite[i], &l))) break;
        if (letter_pdf(run->ts, &l.doc, &pdf, &pages, err, sizeof err)) rc = reg_fail(run->r, 1, "%s", err);
        else rc = write_letter(run, &l.doc, &pdf, pages, NULL);
        notify_letter_release(&l);
    }
    buf_release(&pdf);
    return rc;
}

/* ---------------------------------------------------------------- storing a batch */

struct batch {
    struct lrun *run;
    struct ljob *jobs;
    size_t n;
};

/* the rows of batch ARG (a struct batch), in the caller's transaction */
static int store_rows(reg *r, void *arg)
{
    const struct batch *b = arg;
    struct lrun *run = b->run;
    struct ljob *jobs = b->jobs;
    size_t n = b->n;
    int rc = 0;
    struct tlog_commit_item *items = xcalloc(n + 1, sizeof *items);
    char(*lines)[NOTICE_ID_MAX + 80] = xcalloc(n + 1, sizeof *lines);
    for (size_t i = 0; i < n && !rc; i++) {
        struct ljob *j = &jobs[i];
        struct outbox_new nn = {.seq = j->seq,
                                .subject = j->e->subject,
                                .notice_id = j->notice_id,
                                .lang = j->s->language,
                                .rcpt = "",
                                .rcpt_masked = "by post",
                                .message_id = "",
                                .packed = j->packed,
                                .packed_len = j->packed_len,
                                .message_len = j->rec.len,
                                .kind = "letter",
                                .codec = "letter1"};
        memcpy(nn.code_hash, j->code_hash, 32);
        memcpy(nn.text_sha256, j->text_sha, 65);
        rc = outbox_add(r, run->inc->id, run->o->approval_id, run->pp->scan_id, run->pp->import_id, run->o->at, &nn,
                        OB_WRITTEN, NULL);
        int k = snprintf(lines[i], sizeof lines[i], "%s %s\n", j->notice_id, j->text_sha);
        items[i] = (struct tlog_commit_item){.content = lines[i], .len = (size_t)k, .ref = j->notice_id};
    }
    if (!rc) rc = tlog_append_commitments(r, "notice", items, n, NULL);
    free(items);
    free(lines);
    return rc;
}

/* store a made batch in one transaction (again, the same rows, while the register's server
   restarts: notify_db_back), then write its files */
static int store_batch(struct lrun *run, struct ljob *jobs, size_t n)
{
    int rc;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc) return reg_fail(run->r, 1, "letter %s: %s", jobs[i].notice_id, jobs[i].err);
    struct batch b = {run, jobs, n};
    if ((rc = notify_in_tx(run->r, NULL, store_rows, &b, NULL))) return rc;
    run->st->made += (int64_t)n;
    for (size_t i = 0; i < n && !rc; i++) {
        struct letter_doc d;
        const char *sig;
        size_t sl;
        char *copy = xmalloc(jobs[i].rec.len + 1);
        memcpy(copy, jobs[i].rec.p, jobs[i].rec.len + 1);
        if (rec_parse(copy, jobs[i].rec.len, &d, &sig, &sl))
            rc = reg_fail(run->r, 1, "letter %s: bad record", jobs[i].notice_id);
        else rc = write_letter(run, &d, &jobs[i].pdf, jobs[i].pages, jobs[i].laid);
        sodium_memzero(copy, jobs[i].rec.len);
        free(copy);
    }
    return rc;
}

/* ---------------------------------------------------------------- the run */

static void progress(const struct notify_progress *p, int64_t done, int64_t total, enum notify_step step)
{
    if (p->fn) p->fn(p->arg, "typesetting", done, total, step);
}

static void jobs_clear(struct ljob *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].packed);
        jobs[i].packed = NULL;
        letter_pages_free(jobs[i].laid);
        jobs[i].laid = NULL;
        if (jobs[i].rec.p) sodium_memzero(jobs[i].rec.p, jobs[i].rec.len);
        sodium_memzero(jobs[i].code, sizeof jobs[i].code);
    }
}

/* fill the next batch from pl->todo[*pos ..] */
static size_t next_batch(struct lrun *run, const struct lplan *pl, size_t *pos, int64_t *seq, struct ljob *jb)
{
    size_t n = 0;
    jobs_clear(jb, NOTIFY_BATCH_MAKE);
    for (; n < NOTIFY_BATCH_MAKE && *pos < pl->ntodo; n++, (*pos)++) {
        struct ljob *j = &jb[n];
        j->e = &run->pp->ex[pl->todo[*pos]];
        j->s = notify_contact(run->pp, j->e->subject);
        j->seq = ++*seq;
        j->rc = -1;
        notice_make_id(run->inc->ref, j->seq, j->notice_id, sizeof j->notice_id);
        notify_code(run->nc, j->seq, j->code);
    }
    return n;
}

/* make the new letters, two batches in flight: the workers make one while this thread stores and
 * writes the other */
static int make_all(struct lrun *run, const struct lplan *pl, int64_t seq)
{
    struct ljob *jobs[2] = {xcalloc(NOTIFY_BATCH_MAKE, sizeof(struct ljob)),
                            xcalloc(NOTIFY_BATCH_MAKE, sizeof(struct ljob))};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < NOTIFY_BATCH_MAKE; i++) {
            buf_init(&jobs[k][i].rec, LETTER_REC_MAX);
            buf_init(&jobs[k][i].pdf, LETTER_PDF_MAX);
        }
    size_t nb[2] = {0, 0}, pos = 0;
    int cur = 0, pending = -1, rc = 0, nth = 0;
    pthread_t th[NOTIFY_MAX_THREADS];
    struct lthread ta[NOTIFY_MAX_THREADS];
    progress(&run->o->progress, 0, (int64_t)pl->ntodo, NOTIFY_START);
    while (!rc && (pos < pl->ntodo || pending >= 0)) {
        int submitted = -1;
        if (pos < pl->ntodo) {
            nb[cur] = next_batch(run, pl, &pos, &seq, jobs[cur]);
            batch_start(run, jobs[cur], nb[cur], th, ta, &nth);
            submitted = cur;
        }
        if (pending >= 0) {
            rc = store_batch(run, jobs[pending], nb[pending]);
            progress(&run->o->progress, run->st->made, (int64_t)pl->ntodo, NOTIFY_STEP);
        }
        if (submitted >= 0) {
            batch_join(th, nth);
            pending = submitted;
            cur = 1 - cur;
        } else pending = -1;
    }
    progress(&run->o->progress, run->st->made, (int64_t)pl->ntodo, NOTIFY_END);
    for (int k = 0; k < 2; k++) {
        jobs_clear(jobs[k], NOTIFY_BATCH_MAKE);
        for (size_t i = 0; i < NOTIFY_BATCH_MAKE; i++) {
            buf_release(&jobs[k][i].rec);
            buf_release(&jobs[k][i].pdf);
        }
        free(jobs[k]);
    }
    return rc;
}

int notify_letters(reg *r, const struct incident *inc, const struct notify_people *pp, const struct notify_content *nc,
                   const struct notify_letter_opts *o, struct notify_letter_stats *st)
{
    struct lplan pl = {0};
    struct lrun run = {.r = r, .inc = inc, .pp = pp, .nc = nc, .o = o, .st = st};
    char err[400];
    int64_t seq = 0;
    int rc;
    memset(st, 0, sizeof *st);
    if (letter_fonts_check(err, sizeof err)) {
        letter_fonts_release();
        return reg_fail(r, 1, "%s", err);
    }
    if ((rc = plan_letters(r, inc, pp, o, &pl, st)) || (rc = outbox_max_seq(r, inc->id, &seq))) goto out;
    if (!(run.ts = letter_ts_new())) {
        rc = reg_fail(r, 1, "out of memory");
        goto out;
    }
    rc = rewrite_missing(&run, &pl);
    if (!rc && pl.ntodo) {
        outbox_tune(r, OUTBOX_TUNE_BULK);
        if (workers_new(&run, o->threads)) rc = reg_fail(r, 1, "out of memory");
        else rc = make_all(&run, &pl, seq);
        workers_free(&run);
        outbox_tune(r, OUTBOX_TUNE_NORMAL);
    }
    int brc = book_finish(&run, !rc);
    if (!rc) rc = brc;
out:
    letter_ts_free(run.ts);
    letter_fonts_release();
    free(pl.todo);
    free(pl.rewrite);
    return rc;
}
