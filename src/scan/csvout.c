/* csvout.c — the exposure CSV (docs/rules.md "The exposure CSV") and the closing summary. */
#include "scan/scan_int.h"
#include "util/csv.h"
#include "util/ktime.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obuf {
    char b[1 << 16];
    size_t n;
    FILE *f;
    int err;
};

static void ob_flush(struct obuf *o)
{
    if (o->n && fwrite(o->b, 1, o->n, o->f) != o->n) o->err = 1;
    o->n = 0;
}
static void ob_put(struct obuf *o, const char *s, size_t n)
{
    while (n) {
        if (o->n == sizeof o->b) ob_flush(o);
        size_t k = sizeof o->b - o->n < n ? sizeof o->b - o->n : n;
        memcpy(o->b + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
    }
}
static void ob_s(struct obuf *o, const char *s)
{
    ob_put(o, s, strlen(s));
}

/* One cell: the parts joined with ';' — as a list (util/semilist.h: '\' and ';' inside a part
 * written "\\" and "\;") when LIST, so that a page with a ';' stays one page. RFC 4180: quote
 * only when the cell holds a comma, a quote or a line break. The formula guard of util/csv.h:
 * a leading ' when a spreadsheet would run the cell as a formula; a cell of several parts holds
 * a ';', so it is never a plain number or the lone "-" and only its first byte decides. */
static void ob_field(struct obuf *o, const char *const *parts, size_t n, int list)
{
    int q = 0, g = 0;
    for (size_t i = 0; i < n && !q; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
            if (*p == ',' || *p == '"' || *p == '\r' || *p == '\n') {
                q = 1;
                break;
            }
    if (n && csv_formula_char((unsigned char)parts[0][0])) g = n > 1 || csv_needs_guard(parts[0], strlen(parts[0]));
    if (q) ob_put(o, "\"", 1);
    if (g) ob_put(o, "'", 1);
    for (size_t i = 0; i < n; i++) {
        if (i) ob_put(o, ";", 1);
        if (!q && !(list && strpbrk(parts[i], ";\\"))) {
            ob_s(o, parts[i]);
            continue;
        }
        for (const char *p = parts[i]; *p; p++) {
            if (q && *p == '"') ob_put(o, "\"\"", 2);
            else if (list && (*p == ';' || *p == '\\')) {
                ob_put(o, "\\", 1);
                ob_put(o, p, 1);
            } else ob_put(o, p, 1);
        }
    }
    if (q) ob_put(o, "\"", 1);
}

static void ob_u64(struct obuf *o, uint64_t v)
{
    char b[24];
    int n = 24;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ob_put(o, b + n, (size_t)(24 - n));
}

/* "YYYY-MM-DDTHH:MM:SSZ" without printf; the date part is cached */
struct isocache {
    int64_t day;
    char date[11];
};
static void ob_time(struct obuf *o, struct isocache *c, int64_t t)
{
    int64_t day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t s = t - day * 86400;
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
            q[0] = (char)('0' + y / 1000);
            q[1] = (char)('0' + y / 100 % 10);
            q[2] = (char)('0' + y / 10 % 10);
            q[3] = (char)('0' + y % 10);
            q[4] = '-';
            q[5] = (char)('0' + mo / 10);
            q[6] = (char)('0' + mo % 10);
            q[7] = '-';
            q[8] = (char)('0' + d / 10);
            q[9] = (char)('0' + d % 10);
        }
        c->date[10] = 0;
        c->day = day;
    }
    char b[20];
    memcpy(b, c->date, 10);
    int h = (int)(s / 3600), m = (int)(s / 60 % 60), sec = (int)(s % 60);
    b[10] = 'T';
    b[11] = (char)('0' + h / 10);
    b[12] = (char)('0' + h % 10);
    b[13] = ':';
    b[14] = (char)('0' + m / 10);
    b[15] = (char)('0' + m % 10);
    b[16] = ':';
    b[17] = (char)('0' + sec / 10);
    b[18] = (char)('0' + sec % 10);
    b[19] = 'Z';
    ob_put(o, b, 20);
}

int scan_write_csv(const scan_result *r, FILE *f)
{
    struct obuf *o = calloc(1, sizeof *o);
    if (!o) return -1;
    o->f = f;
    ob_s(o, "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n");
    size_t n = scan_result_exposures(r);
    struct isocache c1 = {0, {0}}, c2 = {0, {0}};
    for (size_t i = 0; i < n; i++) {
        struct scan_exposure e;
        scan_result_exposure(r, i, &e);
        ob_field(o, &e.subject, 1, 0);
        ob_put(o, ",", 1);
        ob_time(o, &c1, e.first_seen);
        ob_put(o, ",", 1);
        ob_time(o, &c2, e.last_seen);
        ob_put(o, ",", 1);
        ob_u64(o, e.views);
        ob_put(o, ",", 1);
        ob_u64(o, e.viewers);
        ob_put(o, ",", 1);
        ob_u64(o, e.signed_in_viewers);
        ob_put(o, ",", 1);
        ob_u64(o, e.anonymous_viewers);
        ob_put(o, ",", 1);
        ob_field(o, e.pages, e.npages, 1);
        ob_put(o, ",", 1);
        ob_field(o, e.fields, e.nfields, 1);
        ob_put(o, "\n", 1);
    }
    ob_flush(o);
    int err = o->err;
    free(o);
    if (fflush(f) != 0) err = 1;
    return err ? -1 : 0;
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
