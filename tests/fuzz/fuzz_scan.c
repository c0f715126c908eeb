/* fuzz_scan.c — libFuzzer target for the whole scanner on a log file (src/scan: scan_run's
 * reader, line splitting, prefilter, line parsers, rule matching, aggregation, CSV writer,
 * partial results). The log is written to a memfd and scanned through /proc/self/fd/N (a
 * regular file, so the multi-threaded byte-range split is used too); no process per input.
 *
 * Byte 0 picks one of the rules below, byte 1 a split size; the rest is the log file.
 * Three scans of the same bytes must give byte-identical exposure CSVs and the same counts
 * of views, people and records (docs/rules.md: results are reproducible; the prefilter and the
 * threads only change the speed):
 *   A  1 thread, prefilter on;
 *   B  1 thread, --check-all (every line parsed in full; may find more malformed lines,
 *      never other exposures);
 *   C  2 threads, the file cut into byte ranges of 64..4144 bytes (lines that straddle a cut
 *      must be counted exactly once).
 * Byte 0 modulo the number of rules picks the rule: combined, common, two nginx formats, jsonl,
 * combined with viewer = user, then alb, elb, w3c (a section with subject/user = FIELD), cloudfront
 * (client = x-forwarded-for), caddy (subject = a response header), traefik, haproxy (Europe/Berlin,
 * captures) and nginx with subject/user = FIELD (the cache mix-up of docs/rules.md). A file in
 * another format is refused by the format guard in all three scans or in none.
 * Inputs whose byte 0 is 0xf0 or more are repeated to about 2.5 MiB first (lines over the
 * 1 MiB limit, lines across 512 KiB reads and 256–511 KiB ranges).
 * Inputs whose byte 0 is 0xe0..0xef are also scanned compressed (gzip when bit 1 is clear,
 * zstd when set), with 1 and 2 threads: the same CSV as the plain file; and the compressed
 * file cut short must be refused as bad input (SCAN_EINPUT), never scanned silently.
 * For the regex rules, a reference count written here from the line parser's fields (window,
 * method, status list, regex group 1, self, viewer kinds; docs/rules.md "How one log line is judged") must give
 * the same people, views and first/last times as scan A.
 * Also: lines read are the same in A, B and C; A's serialised partial result deserialises and
 * serialises to the same bytes; merging A with an empty scan of another file changes no
 * exposure. */
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>
#include <zstd.h>
#include <unistd.h>

static const char *const rules[] = {
    "format = combined\nfrom = 2018-11-12T14:00:00Z\nuntil = 2018-11-21T09:12:00Z\n"
    "[exposure \"profile\"]\nmethod = GET\nrequest = ^/gp/profile/([A-Z0-9]{4,14})(\\?|$)\nstatus = 200,304\n"
    "viewer = user|ip\nself = user\nfields = name,email\n"
    "[exposure \"orders\"]\nrequest = ^/orders/(\\w+)/\nstatus = 200-299\nfields = orders\n",
    "format = common\n[exposure \"p\"]\nrequest = ^/u/(\\d+)\nstatus = 200\nviewer = ip\nfields = name\n",
    "format = nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\"'\n"
    "[exposure \"p\"]\nrequest = ^/account/(\\w+)\nstatus = 200\nclient = $http_x_forwarded_for\nviewer = user|ip\nself = user\nfields = address\n",
    "format = nginx:'$time_iso8601|$remote_addr|$remote_user|$request_method|$request_uri|$status'\n"
    "[exposure \"p\"]\nmethod = GET\nrequest = ^/u/(\\d+)\nstatus = 200\nfields = n\n",
    "format = jsonl\nfrom = 2018-01-01T00:00:00Z\n[exposure \"acct\"]\nwhere = ^/account/\n[exposure \"all\"]\n",
    "format = combined\n[exposure \"x\"]\nrequest = ^/(?:a|b)/([^/?]+)\nstatus = 100-599\nviewer = user\nfields = f1,f2\n",
    /* the formats of issue 14, with FIELDs and zones */
    "format = alb\nfrom = 2024-05-28T08:00:00Z\n[exposure \"a\"]\nmethod = GET\nrequest = ^/account/(C[0-9]{4})(\\?|$)\n"
    "status = 200,304\nfields = name,email\n",
    "format = elb\n[exposure \"o\"]\nrequest = ^/orders/(\\d+)(\\?|$)\nstatus = 200-299\nfields = address\n",
    "format = w3c\n[exposure \"p\"]\nmethod = GET\nrequest = ^/profile/(\\d{5})(\\?|$)\nstatus = 200,304\nself = user\n"
    "fields = name,phone\n[exposure \"q\"]\nrequest = ^/q\nsubject = X-Account-Id\nuser = X-User\nstatus = 200\nfields = q\n",
    "format = cloudfront\nclient = x-forwarded-for\n[exposure \"i\"]\nrequest = ^/invoices/([0-9]+)\\.pdf(\\?|$)\n"
    "status = 200,206\nfields = invoice\n",
    "format = caddy\n[exposure \"a\"]\nmethod = GET\nrequest = ^/account(?:/|\\?|$)\nsubject = resp_headers.X-Account-Id\n"
    "status = 200\nself = user\nfields = name,address\n[exposure \"u\"]\nrequest = ^/u/(\\w+)\nstatus = 200\n"
    "client = request.headers.X-Forwarded-For\nfields = u\n",
    "format = traefik\n[exposure \"u\"]\nmethod = GET\nrequest = ^/api/users/(\\d+)(/|\\?|$)\nstatus = 200\nself = user\n"
    "fields = email\n",
    "format = haproxy\nzone = Europe/Berlin\nclient = capture(1)\n[exposure \"p\"]\nmethod = GET\n"
    "request = ^/p/([a-z0-9]+)(\\?|$)\nstatus = 200,304\nfields = name\n[exposure \"c\"]\nrequest = ^/c\n"
    "subject = capture(2)\nstatus = 200\nfields = c\n",
    "format = nginx:'$remote_addr - $cookie_uid [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" "
    "\"$http_user_agent\" $upstream_cache_status $sent_http_x_account_id'\n[exposure \"a\"]\nmethod = GET\n"
    "request = ^/account(?:\\?|$)\nsubject = $sent_http_x_account_id\nuser = $cookie_uid\nself = user\nstatus = 200\n"
    "fields = name\n",
};
#define NR (sizeof rules / sizeof rules[0])
static scan_rule *parsed[NR];
static int fd = -1, fd_empty = -1;
static char path[64], path_empty[64];

static char *csv_of(const scan_result *r, size_t *len)
{
    char *p = NULL;
    FILE *f = open_memstream(&p, len);
    if (!f || scan_write_csv(r, f)) abort();
    fclose(f);
    return p;
}

static scan_result *run(const scan_rule *rule, int threads, int check_all, uint64_t split)
{
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = threads;
    o.check_all = check_all;
    o.split_bytes = split;
    memset(o.viewer_key, 7, sizeof o.viewer_key);
    const char *paths[1] = {path};
    scan_result *res = NULL;
    char err[512];
    int rc = scan_run(rule, paths, 1, &o, &res, err, sizeof err);
    if (rc != SCAN_OK) {
        /* plain bytes are never "bad input" without strict mode; only a magic number of an
           unsupported or corrupt compressed format may be */
        if (rc != SCAN_EINPUT || !err[0]) {
            fprintf(stderr, "scan failed (%d): %s\n", rc, err);
            abort();
        }
        return NULL;
    }
    return res;
}

/* ---- a reference count of views per subject (not the scanner's code) ---- */
struct refsub {
    char *s;
    size_t n;
    uint64_t views;
    int64_t first, last;
};
static int dash(struct lf_str x)
{
    return x.n == 0 || (x.n == 1 && x.p[0] == '-');
}

static void reference(const scan_rule *r, const uint8_t *d, size_t n, const scan_result *res)
{
    struct refsub subs[512];
    size_t ns = 0;
    struct lf_state st;
    lf_state_init(&st);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    const char *p = (const char *)d, *end = p + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        struct lf_line L;
        const char *why;
        size_t len = (size_t)(e - p);
        char *line = malloc(len ? len : 1);
        memcpy(line, p, len);
        p = e + 1;
        if (lf_parse(r, &st, line, len, &L, &why) != LF_OK || (L.has_request && L.odd) ||
            (r->has_from && L.t < r->from) || (r->has_until && L.t >= r->until)) {
            free(line);
            continue;
        }
        struct lf_str subj[SCAN_MAX_SECTIONS];
        int sec[SCAN_MAX_SECTIONS], nm = 0;
        for (int i = 0; i < r->nsec; i++) {
            const struct rule_section *s = &r->sec[i];
            if (s->method && (L.method.n != s->method_len || memcmp(L.method.p, s->method, L.method.n))) continue;
            int ok = !s->nst;
            for (int k = 0; k < s->nst; k++) ok |= L.status >= (int)s->st_lo[k] && L.status <= (int)s->st_hi[k];
            if (!ok || !L.target.p) continue;
            int rc = pcre2_match(s->re, (PCRE2_SPTR)L.target.p, L.target.n, 0, 0, md, NULL);
            struct lf_str c;
            if (s->subj_xf >= 0) { /* subject = FIELD: the regex only selects */
                if (rc < 1 || dash(L.xf[s->subj_xf])) continue;
                c = L.xf[s->subj_xf];
            } else {
                if (rc < 2) continue;
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                if (ov[2] == PCRE2_UNSET || ov[3] <= ov[2]) continue;
                c.p = L.target.p + ov[2];
                c.n = ov[3] - ov[2];
            }
            struct lf_str u = s->user_xf >= 0 ? L.xf[s->user_xf] : L.user;
            if (s->self_user && !dash(u) && u.n == c.n && !memcmp(u.p, c.p, c.n)) continue;
            int dup = 0;
            for (int k = 0; k < nm; k++) dup |= subj[k].n == c.n && !memcmp(subj[k].p, c.p, c.n);
            if (!dup) {
                subj[nm] = c;
                sec[nm++] = i;
            }
        }
        size_t pl = L.target.p ? L.target.n : 0;
        const char *q = pl ? memchr(L.target.p, '?', pl) : NULL;
        if (q) pl = (size_t)(q - L.target.p);
        if (nm && pl && memchr(L.target.p, 0, pl)) {
            free(line);
            continue;
        }
        for (int k = 0; k < nm; k++) {
            const struct rule_section *s = &r->sec[sec[k]];
            struct lf_str id = L.host, u = s->user_xf >= 0 ? L.xf[s->user_xf] : L.user;
            struct lf_str x = s->client_xf >= 0 ? L.xf[s->client_xf] : (struct lf_str){NULL, 0};
            if (!dash(u) && s->viewer != VIEW_IP) id = u;
            else if (s->viewer == VIEW_USER) continue;
            else if (!dash(x)) {
                const char *c = memchr(x.p, ',', x.n);
                size_t xn = c ? (size_t)(c - x.p) : x.n;
                const char *xp = x.p;
                while (xn && (*xp == ' ' || *xp == '\t')) {
                    xp++;
                    xn--;
                }
                while (xn && (xp[xn - 1] == ' ' || xp[xn - 1] == '\t')) xn--;
                if (xn) {
                    id.p = xp;
                    id.n = xn;
                }
            }
            if (memchr(subj[k].p, 0, subj[k].n) || (id.p && memchr(id.p, 0, id.n))) break;
            size_t j;
            for (j = 0; j < ns; j++)
                if (subs[j].n == subj[k].n && !memcmp(subs[j].s, subj[k].p, subj[k].n)) break;
            if (j == ns) {
                if (ns == 512) goto out; /* too many people for this check */
                subs[ns].s = malloc(subj[k].n);
                memcpy(subs[ns].s, subj[k].p, subj[k].n);
                subs[ns].n = subj[k].n;
                subs[ns].views = 0;
                subs[ns].first = subs[ns].last = L.t;
                ns++;
            }
            subs[j].views++;
            if (L.t < subs[j].first) subs[j].first = L.t;
            if (L.t > subs[j].last) subs[j].last = L.t;
        }
        free(line);
    }
    if (scan_result_exposures(res) != ns) {
        fprintf(stderr, "reference: %zu people, scan: %zu\n", ns, scan_result_exposures(res));
        abort();
    }
    for (size_t i = 0; i < scan_result_exposures(res); i++) {
        struct scan_exposure x;
        scan_result_exposure(res, i, &x);
        size_t xl = strlen(x.subject), j;
        for (j = 0; j < ns; j++)
            if (subs[j].n == xl && !memcmp(subs[j].s, x.subject, xl)) break;
        if (j == ns || subs[j].views != x.views || subs[j].first != x.first_seen || subs[j].last != x.last_seen) {
            fprintf(stderr, "reference and scan differ for '%s': views %llu/%llu\n", x.subject,
                    j < ns ? (unsigned long long)subs[j].views : 0ULL, (unsigned long long)x.views);
            abort();
        }
    }
out:
    for (size_t j = 0; j < ns; j++) free(subs[j].s);
    pcre2_match_data_free(md);
    lf_state_release(&st);
}

static void compressed(const scan_rule *rule, const uint8_t *d, size_t n, int zstd, const char *want, size_t wl)
{
    size_t cap = (zstd ? ZSTD_compressBound(n) : compressBound(n)) + 64;
    unsigned char *z = malloc(cap);
    size_t zl;
    if (zstd) {
        zl = ZSTD_compress(z, cap, d, n, 3);
        if (ZSTD_isError(zl)) abort();
    } else {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
        s.next_in = (Bytef *)d;
        s.avail_in = (uInt)n;
        s.next_out = z;
        s.avail_out = (uInt)cap;
        if (deflate(&s, Z_FINISH) != Z_STREAM_END) abort();
        zl = cap - s.avail_out;
        deflateEnd(&s);
    }
    for (int cut = 0; cut < 2; cut++) {
        /* cut: at least the magic number stays, else it is a (short) plain log */
        size_t minl = zstd ? 4 : 2, len = cut ? minl + n % (zl - minl) : zl;
        if (ftruncate(fd, 0) || pwrite(fd, z, len, 0) != (ssize_t)len) abort();
        for (int threads = 1; threads <= 2; threads++) {
            scan_result *r = run(rule, threads, 0, 0);
            if (cut) {
                if (r) {
                    fprintf(stderr, "%s cut to %zu of %zu bytes scanned without an error\n", zstd ? "zstd" : "gzip",
                            len, zl);
                    abort();
                }
                continue;
            }
            if (!r) abort();
            size_t l;
            char *c = csv_of(r, &l);
            if (l != wl || memcmp(c, want, l)) {
                fprintf(stderr, "compressed scan gives another CSV\n");
                abort();
            }
            free(c);
            scan_result_free(r);
        }
    }
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (fd < 0) {
        for (size_t i = 0; i < NR; i++)
            if (!(parsed[i] = scan_rule_parse(rules[i], strlen(rules[i]), NULL, err, sizeof err))) {
                fprintf(stderr, "rule %zu: %s\n", i, err);
                abort();
            }
        fd = memfd_create("access.log", 0);
        fd_empty = memfd_create("empty.log", 0);
        if (fd < 0 || fd_empty < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        snprintf(path_empty, sizeof path_empty, "/proc/self/fd/%d", fd_empty);
    }
    if (size < 2) return 0;
    const scan_rule *rule = parsed[data[0] % NR];
    uint64_t split = 64 + (uint64_t)data[1] * 16;
    if (ftruncate(fd, 0) || (size > 2 && pwrite(fd, data + 2, size - 2, 0) != (ssize_t)(size - 2))) abort();
    if (data[0] >= 0xf0 && size > 2) {
        /* long lines: the input repeated to a bit over SCAN_MAX_LINE + the read size, so that
           lines longer than 1 MiB, and lines across read and range boundaries, happen */
        size_t want = ((size_t)5 << 19) + (size_t)data[1] * 4099, off = size - 2;
        while (off < want) {
            size_t k = size - 2 < want - off ? size - 2 : want - off;
            if (pwrite(fd, data + 2, k, (off_t)off) != (ssize_t)k) abort();
            off += k;
        }
        split = (size_t)1 << 18 | (size_t)data[1] << 10;
    }

    scan_result *a = run(rule, 1, 0, 0);
    scan_result *b = run(rule, 1, 1, 0);
    scan_result *c = run(rule, 2, 0, split);
    if (!a || !b || !c) {
        if (a || b || c) abort(); /* all or none refuse the file */
        return 0;
    }
    size_t la, lb, lc;
    char *ca = csv_of(a, &la), *cb = csv_of(b, &lb), *cc = csv_of(c, &lc);
    if (la != lb || memcmp(ca, cb, la)) {
        fprintf(stderr, "--check-all changes the CSV:\n%s---\n%s", ca, cb);
        abort();
    }
    if (la != lc || memcmp(ca, cc, la)) {
        fprintf(stderr, "split scan changes the CSV:\n%s---\n%s", ca, cc);
        abort();
    }
    struct scan_totals ta, tb, tc;
    scan_result_totals(a, &ta);
    scan_result_totals(b, &tb);
    scan_result_totals(c, &tc);
    if (ta.lines != tb.lines || ta.lines != tc.lines) {
        fprintf(stderr, "lines read: %llu / %llu / %llu\n", (unsigned long long)ta.lines, (unsigned long long)tb.lines,
                (unsigned long long)tc.lines);
        abort();
    }
    if (ta.views != tb.views || ta.views != tc.views || ta.people != tb.people || ta.people != tc.people ||
        ta.records != tb.records || ta.records != tc.records || ta.lines_matched != tc.lines_matched ||
        ta.lines_matched != tb.lines_matched || ta.viewer_pairs != tc.viewer_pairs || ta.malformed != tc.malformed ||
        ta.odd_requests != tc.odd_requests || tb.malformed < ta.malformed || ta.lines_parsed != tc.lines_parsed ||
        tb.lines_parsed < ta.lines_parsed) {
        const struct scan_totals *t3[3] = {&ta, &tb, &tc};
        for (int i = 0; i < 3; i++)
            fprintf(stderr,
                    "%c: lines %llu parsed %llu matched %llu malformed %llu odd %llu views %llu people %llu "
                    "records %llu pairs %llu\n",
                    'A' + i, (unsigned long long)t3[i]->lines, (unsigned long long)t3[i]->lines_parsed,
                    (unsigned long long)t3[i]->lines_matched, (unsigned long long)t3[i]->malformed,
                    (unsigned long long)t3[i]->odd_requests, (unsigned long long)t3[i]->views,
                    (unsigned long long)t3[i]->people, (unsigned long long)t3[i]->records,
                    (unsigned long long)t3[i]->viewer_pairs);
        abort();
    }
    if (scan_result_exposures(a) != ta.people) abort();
    /* partial result round trip */
    unsigned char *s1 = NULL, *s2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (scan_result_serialize(a, &s1, &n1, err, sizeof err)) abort();
    scan_result *d = scan_result_deserialize(s1, n1, err, sizeof err);
    if (!d) {
        fprintf(stderr, "own partial refused: %s\n", err);
        abort();
    }
    if (scan_result_serialize(d, &s2, &n2, err, sizeof err) || n1 != n2 || memcmp(s1, s2, n1)) abort();
    free(s1);
    free(s2);
    scan_result_free(d);
    /* merge with an empty scan of another file: same exposures */
    {
        struct scan_opts o;
        scan_opts_init(&o);
        o.threads = 1;
        o.file_index_base = 1;
        memset(o.viewer_key, 7, sizeof o.viewer_key);
        const char *pe[1] = {path_empty};
        scan_result *e = NULL;
        if (scan_run(rule, pe, 1, &o, &e, err, sizeof err) != SCAN_OK) abort();
        scan_result *m = scan_result_merge(a, e, err, sizeof err);
        if (!m) {
            fprintf(stderr, "merge: %s\n", err);
            abort();
        }
        size_t lm;
        char *cm = csv_of(m, &lm);
        if (lm != la || memcmp(cm, ca, la)) abort();
        free(cm);
        scan_result_free(m);
        scan_result_free(e);
    }
    if (data[0] < 0xf0 && rule != parsed[4]) reference(rule, data + 2, size - 2, a);
    if ((data[0] & 0xf0) == 0xe0) compressed(rule, data + 2, size - 2, (data[0] >> 1) & 1, ca, la);
    free(ca);
    free(cb);
    free(cc);
    scan_result_free(a);
    scan_result_free(b);
    scan_result_free(c);
    return 0;
}
