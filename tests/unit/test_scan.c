/* test_scan.c — end-to-end tests of the scanner library, and a small driver.
 *
 *   build/tests/test_scan                 run the unit tests (TAP)
 *   build/tests/test_scan run --rule R [--csv FILE|-] [--threads N] [--check-all] [--strict]
 *        [--keep-going] [--keep-viewers] [--hash-inputs] [--quiet] [--pairs FILE]
 *        [--hours FILE] [--files FILE] [--partial FILE] LOG...
 *                                          scan like `klartext scan` (exit 0/1/2, summary on stderr)
 *   build/tests/test_scan merge [--csv FILE|-] [--partial OUT] PARTIAL...
 *                                          merge serialised partials
 * tests/cli/t30xx-scan-*.sh and bench/run.sh call it through $SCAN. */
#include "check.h"
#include "scan/scan.h"
#include "util/file.h"
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- driver ------------------------------------------------------------------------------ */
/* a whole file ("-": standard input); NULL after saying why on stderr */
static char *slurp(const char *path, size_t *len)
{
    char *b, err[512];
    if (file_read(strcmp(path, "-") ? path : "/dev/stdin", (size_t)1 << 30, &b, len, err, sizeof err)) {
        fprintf(stderr, "scan: %s\n", err);
        return NULL;
    }
    return b;
}

static FILE *open_out(const char *path)
{
    return strcmp(path, "-") ? fopen(path, "w") : stdout;
}
static void close_out(FILE *f)
{
    if (f != stdout) fclose(f);
    else fflush(f);
}

static void progress_cb(void *ctx, uint64_t done, uint64_t total, uint64_t matches)
{
    int *calls = ctx;
    (*calls)++;
    (void)done;
    (void)total;
    (void)matches;
}

static void write_extras(const scan_result *res, const char *pairs, const char *hours, const char *files)
{
    if (pairs) {
        FILE *f = open_out(pairs);
        for (size_t i = 0; i < scan_result_pairs(res); i++) {
            struct scan_pair p;
            scan_result_pair(res, i, &p);
            fprintf(f, "%s,", p.subject);
            for (int k = 0; k < SCAN_HASH_LEN; k++) fprintf(f, "%02x", p.hash[k]);
            fprintf(f, ",%s,%llu,%lld,%lld,%s\n", p.kind == SCAN_VIEWER_USER ? "user" : "ip",
                    (unsigned long long)p.views, (long long)p.first_seen, (long long)p.last_seen,
                    p.identity ? p.identity : "");
        }
        close_out(f);
    }
    if (hours) {
        FILE *f = open_out(hours);
        for (size_t i = 0; i < scan_result_hours(res); i++) {
            int64_t h;
            uint64_t v;
            scan_result_hour(res, i, &h, &v);
            fprintf(f, "%lld,%llu\n", (long long)h, (unsigned long long)v);
        }
        close_out(f);
    }
    if (files) {
        FILE *f = open_out(files);
        for (size_t i = 0; i < scan_result_files(res); i++) {
            struct scan_file sf;
            scan_result_file(res, i, &sf);
            fprintf(f, "%u,%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,", sf.index, sf.name, sf.compression,
                    (unsigned long long)sf.bytes_in, (unsigned long long)sf.bytes_out, (unsigned long long)sf.lines,
                    (unsigned long long)sf.lines_parsed, (unsigned long long)sf.lines_matched,
                    (unsigned long long)sf.malformed, (unsigned long long)sf.odd_requests);
            if (sf.has_sha256)
                for (int k = 0; k < 32; k++) fprintf(f, "%02x", sf.sha256[k]);
            fprintf(f, ",%s\n", sf.error ? sf.error : "");
        }
        close_out(f);
    }
}

static int write_partial(const scan_result *res, const char *path)
{
    unsigned char *buf;
    size_t n;
    char err[256];
    if (scan_result_serialize(res, &buf, &n, err, sizeof err)) {
        fprintf(stderr, "scan: %s\n", err);
        return 1;
    }
    FILE *f = open_out(path);
    fwrite(buf, 1, n, f);
    close_out(f);
    free(buf);
    return 0;
}

static int drv_run(int argc, char **argv)
{
    const char *rule_path = NULL, *csv = NULL, *pairs = NULL, *hours = NULL, *files = NULL, *partial = NULL;
    int quiet = 0, calls = 0, show_progress = 0;
    struct scan_opts o;
    scan_opts_init(&o);
    int i;
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--rule") && i + 1 < argc) rule_path = argv[++i];
        else if (!strcmp(a, "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(a, "--threads") && i + 1 < argc) o.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--check-all")) o.check_all = 1;
        else if (!strcmp(a, "--strict")) o.strict = 1;
        else if (!strcmp(a, "--keep-going")) o.keep_going = 1;
        else if (!strcmp(a, "--keep-viewers")) o.keep_viewers = 1;
        else if (!strcmp(a, "--hash-inputs")) o.hash_inputs = 1;
        else if (!strcmp(a, "--quiet")) quiet = 1;
        else if (!strcmp(a, "--progress")) show_progress = 1;
        else if (!strcmp(a, "--pairs") && i + 1 < argc) pairs = argv[++i];
        else if (!strcmp(a, "--hours") && i + 1 < argc) hours = argv[++i];
        else if (!strcmp(a, "--files") && i + 1 < argc) files = argv[++i];
        else if (!strcmp(a, "--partial") && i + 1 < argc) partial = argv[++i];
        else if (!strcmp(a, "--index-base") && i + 1 < argc) o.file_index_base = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "scan: unknown option '%s'\n", a);
            return 2;
        } else break;
    }
    if (!rule_path || i >= argc) {
        fprintf(stderr, "usage: test_scan run --rule RULE [--csv FILE|-] [--threads N] LOG...\n");
        return 2;
    }
    size_t rl;
    char *rt = slurp(rule_path, &rl), err[1024];
    if (!rt) return 1;
    scan_rule *r = scan_rule_parse(rt, rl, rule_path, err, sizeof err);
    free(rt);
    if (!r) {
        fprintf(stderr, "scan: %s\n", err);
        return 2;
    }
    if (show_progress) {
        o.progress = progress_cb;
        o.progress_ctx = &calls;
    }
    scan_result *res;
    int rc = scan_run(r, (const char *const *)argv + i, (size_t)(argc - i), &o, &res, err, sizeof err);
    scan_rule_free(r);
    if (rc) {
        fprintf(stderr, "scan: %s\n", err);
        return rc == SCAN_EINPUT ? 2 : 1;
    }
    if (csv) {
        FILE *f = open_out(csv);
        if (!f || scan_write_csv(res, f)) {
            fprintf(stderr, "scan: cannot write '%s'\n", csv);
            scan_result_free(res);
            return 1;
        }
        close_out(f);
    }
    write_extras(res, pairs, hours, files);
    if (partial && write_partial(res, partial)) {
        scan_result_free(res);
        return 1;
    }
    if (!quiet) {
        char sum[8192];
        scan_summary_format(res, sum, sizeof sum);
        fputs(sum, stderr);
        if (show_progress) fprintf(stderr, "progress calls %d\n", calls);
    }
    scan_result_free(res);
    return 0;
}

static int drv_merge(int argc, char **argv)
{
    const char *csv = NULL, *partial = NULL;
    int i;
    for (i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--partial") && i + 1 < argc) partial = argv[++i];
        else break;
    }
    scan_result *acc = NULL;
    char err[512];
    for (; i < argc; i++) {
        size_t n;
        char *d = slurp(argv[i], &n);
        if (!d) return 1;
        scan_result *p = scan_result_deserialize(d, n, err, sizeof err);
        free(d);
        if (!p) {
            fprintf(stderr, "scan: '%s': %s\n", argv[i], err);
            scan_result_free(acc);
            return 2;
        }
        if (!acc) {
            acc = p;
            continue;
        }
        scan_result *m = scan_result_merge(acc, p, err, sizeof err);
        scan_result_free(acc);
        scan_result_free(p);
        if (!m) {
            fprintf(stderr, "scan: %s\n", err);
            return 2;
        }
        acc = m;
    }
    if (!acc) {
        fprintf(stderr, "usage: test_scan merge [--csv F] [--partial F] PARTIAL...\n");
        return 2;
    }
    if (csv) {
        FILE *f = open_out(csv);
        scan_write_csv(acc, f);
        close_out(f);
    }
    if (partial) write_partial(acc, partial);
    scan_result_free(acc);
    return 0;
}

/* ---- test helpers ------------------------------------------------------------------------ */
static char tmpdir[64];

static const char *tpath(const char *name)
{
    static char b[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(b[k], sizeof b[k], "%s/%s", tmpdir, name);
    return b[k];
}

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(tpath(name), "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}
static void write_str(const char *name, const char *s)
{
    write_file(name, s, strlen(s));
}

static const char *RULE = "# which requests disclosed whose data\n"
                          "format = combined\n"
                          "from   = 2018-11-12T14:00:00Z\n"
                          "until  = 2018-11-21T09:12:00Z\n"
                          "\n"
                          "[exposure \"profile-page\"]\n"
                          "method  = GET\n"
                          "request = ^/gp/profile/([A-Z0-9]{10,14})(\\?|$)\n"
                          "status  = 200,304\n"
                          "viewer  = user|ip\n"
                          "self    = user\n"
                          "fields  = name,email\n";

static scan_rule *mkrule(const char *text)
{
    char err[512];
    scan_rule *r = scan_rule_parse(text, strlen(text), "rule.conf", err, sizeof err);
    if (!r) printf("#   rule error: %s\n", err);
    return r;
}

/* scans files (names in tmpdir), returns the CSV (malloc'd) or NULL; *rc and err set */
static char *scan_files(const char *rule_text, const char **names, size_t n, struct scan_opts *o, int *rc, char *err,
                        size_t errlen, scan_result **keep)
{
    scan_rule *r = mkrule(rule_text);
    if (!r) {
        *rc = 99;
        return NULL;
    }
    const char *paths[16];
    char pb[16][256];
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(names[i], "-")) {
            paths[i] = "-";
            continue;
        }
        snprintf(pb[i], sizeof pb[i], "%s/%s", tmpdir, names[i]);
        paths[i] = pb[i];
    }
    struct scan_opts def;
    if (!o) {
        scan_opts_init(&def);
        def.threads = 1;
        o = &def;
    }
    scan_result *res = NULL;
    *rc = scan_run(r, paths, n, o, &res, err, errlen);
    scan_rule_free(r);
    if (*rc) return NULL;
    char *buf = NULL;
    size_t bl = 0;
    FILE *f = open_memstream(&buf, &bl);
    scan_write_csv(res, f);
    fclose(f);
    if (keep) *keep = res;
    else scan_result_free(res);
    return buf;
}

static char *scan1(const char *rule_text, const char *log, int *rc, char *err, size_t errlen, scan_result **keep)
{
    write_str("one.log", log);
    const char *names[] = {"one.log"};
    return scan_files(rule_text, names, 1, NULL, rc, err, errlen, keep);
}

#define HDR "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n"
#define UA "\"-\" \"Mozilla/5.0 (X11)\""

/* ---- tests ----------------------------------------------------------------------------- */
static void test_basic(void)
{
    int rc;
    char err[512];
    const char *log =
        "10.0.0.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /gp/profile/ABCDEFGHIJ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.2 - bob [12/Nov/2018:16:00:05 +0100] \"GET /gp/profile/ABCDEFGHIJ?tab=1 HTTP/1.1\" 304 - " UA "\n"
        "10.0.0.2 - bob [12/Nov/2018:16:00:06 +0100] \"GET /gp/profile/ABCDEFGHIJ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.3 - ABCDEFGHIJ [12/Nov/2018:16:00:07 +0100] \"GET /gp/profile/ABCDEFGHIJ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.3 - ZZZZZZZZZZ [12/Nov/2018:16:00:08 +0100] \"GET /gp/profile/ZZZZZZZZZZ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.4 - - [12/Nov/2018:16:00:09 +0100] \"GET /gp/profile/ABCDEFGHIJ/edit HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.4 - - [12/Nov/2018:16:00:10 +0100] \"GET /gp/profiles/ABCDEFGHIJ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.4 - - [12/Nov/2018:16:00:11 +0100] \"GET /x HTTP/1.1\" 200 512 \"/gp/profile/ABCDEFGHIJ\" \"UA\"\n"
        "10.0.0.4 - - [12/Nov/2018:16:00:12 +0100] \"POST /gp/profile/ABCDEFGHIJ HTTP/1.1\" 200 512 " UA "\n"
        "10.0.0.4 - - [12/Nov/2018:16:00:13 +0100] \"GET /gp/profile/ABCDEFGHIJ HTTP/1.1\" 404 512 " UA "\n";
    scan_result *res = NULL;
    char *csv = scan1(RULE, log, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK_STR(csv,
              HDR "ABCDEFGHIJ,2018-11-12T14:00:00Z,2018-11-12T15:00:06Z,3,2,1,1,/gp/profile/ABCDEFGHIJ,email;name\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.lines, 10);
    CHECK_INT(t.lines_parsed, 7); /* "GET /gp/profile/ candidates: 7 lines */
    CHECK_INT(t.lines_matched, 3);
    CHECK_INT(t.self_views, 2);
    CHECK_INT(t.people, 1);
    CHECK_INT(t.records, 2);
    CHECK_INT(t.views, 3);
    CHECK_INT(scan_result_pairs(res), 2);
    CHECK_INT(scan_result_hours(res), 2);
    int64_t h;
    uint64_t v;
    scan_result_hour(res, 1, &h, &v);
    CHECK_INT(h, 1542034800); /* 2018-11-12T15:00:00Z */
    CHECK_INT(v, 2);
    struct scan_pair p;
    scan_result_pair(res, 0, &p);
    CHECK(p.identity == NULL);
    free(csv);
    scan_result_free(res);
}

static void test_window(void)
{
    int rc;
    char err[512];
    /* from = 14:00:00Z counts, until = 09:12:00Z does not; offsets honoured */
    const char *log = "1.1.1.1 - - [12/Nov/2018:13:59:59 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.2 - - [12/Nov/2018:14:00:00 +0000] \"GET /gp/profile/BBBBBBBBBB HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.3 - - [12/Nov/2018:15:00:00 +0100] \"GET /gp/profile/CCCCCCCCCC HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.4 - - [12/Nov/2018:08:29:59 -0530] \"GET /gp/profile/DDDDDDDDDD HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.5 - - [21/Nov/2018:09:11:59 +0000] \"GET /gp/profile/EEEEEEEEEE HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.6 - - [21/Nov/2018:09:12:00 +0000] \"GET /gp/profile/FFFFFFFFFF HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.7 - - [21/Nov/2018:10:12:00 +0100] \"GET /gp/profile/GGGGGGGGGG HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.8 - - [21/Nov/2018:03:41:59 -0530] \"GET /gp/profile/HHHHHHHHHH HTTP/1.1\" 200 1 " UA "\n";
    scan_result *res;
    char *csv = scan1(RULE, log, &rc, err, sizeof err, &res);
    CHECK_STR(csv,
              HDR "BBBBBBBBBB,2018-11-12T14:00:00Z,2018-11-12T14:00:00Z,1,1,0,1,/gp/profile/BBBBBBBBBB,email;name\n"
                  "CCCCCCCCCC,2018-11-12T14:00:00Z,2018-11-12T14:00:00Z,1,1,0,1,/gp/profile/CCCCCCCCCC,email;name\n"
                  "EEEEEEEEEE,2018-11-21T09:11:59Z,2018-11-21T09:11:59Z,1,1,0,1,/gp/profile/EEEEEEEEEE,email;name\n"
                  "HHHHHHHHHH,2018-11-21T09:11:59Z,2018-11-21T09:11:59Z,1,1,0,1,/gp/profile/HHHHHHHHHH,email;name\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.out_of_window, 4);
    free(csv);
    scan_result_free(res);
}

static void test_sections_union(void)
{
    int rc;
    char err[512];
    const char *rule =
        "format = combined\nfrom = 2018-01-01T00:00:00Z\nuntil = 2019-01-01T00:00:00Z\n"
        "[exposure \"a\"]\nrequest = ^/p/(\\w+)\nstatus = 200-299\nfields = name\n"
        "[exposure \"b\"]\nmethod = GET\nrequest = ^/p/(\\w+)\\?full\nstatus = 200\nfields = address,email\n"
        "[exposure \"c\"]\nrequest = ^/pair/(\\w+)/(\\w+)\nstatus = 200\nfields = phone\n";
    const char *log = "1.1.1.1 - u1 [12/Nov/2018:15:00:00 +0000] \"GET /p/alice?full HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.1 - u1 [12/Nov/2018:15:00:01 +0000] \"HEAD /p/bob HTTP/1.1\" 204 1 " UA "\n"
                      "1.1.1.1 - u1 [12/Nov/2018:15:00:02 +0000] \"GET /pair/carol/x HTTP/1.1\" 200 1 " UA "\n";
    scan_result *res;
    char *csv = scan1(rule, log, &rc, err, sizeof err, &res);
    /* alice: sections a and b match once -> ONE view, union of fields; /pair/carol matches
       a (subject "air"? no: ^/p/(\w+) needs '/p/') and c */
    CHECK_STR(csv, HDR "alice,2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,1,1,1,0,/p/alice,address;email;name\n"
                       "bob,2018-11-12T15:00:01Z,2018-11-12T15:00:01Z,1,1,1,0,/p/bob,name\n"
                       "carol,2018-11-12T15:00:02Z,2018-11-12T15:00:02Z,1,1,1,0,/pair/carol/x,phone\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.views, 3);
    CHECK_INT(t.lines_matched, 3);
    CHECK_INT(t.records, 5);
    free(csv);
    scan_result_free(res);
}

static void test_identities_typed(void)
{
    int rc;
    char err[512];
    const char *log = "1.2.3.4 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n"
                      "9.9.9.9 - 1.2.3.4 [12/Nov/2018:15:00:01 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA
                      "\n"
                      "1.2.3.4 - - [12/Nov/2018:15:00:02 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n"
                      "2001:db8::1 - - [12/Nov/2018:15:00:03 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA
                      "\n";
    char *csv = scan1(RULE, log, &rc, err, sizeof err, NULL);
    CHECK_STR(csv,
              HDR "AAAAAAAAAA,2018-11-12T15:00:00Z,2018-11-12T15:00:03Z,4,3,1,2,/gp/profile/AAAAAAAAAA,email;name\n");
    free(csv);
}

static void test_keep_viewers(void)
{
    int rc;
    char err[512];
    const char *log = "1.2.3.4 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n"
                      "9.9.9.9 - carol [12/Nov/2018:15:00:01 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA
                      "\n";
    write_str("kv.log", log);
    const char *names[] = {"kv.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 1;
    scan_result *a, *b;
    char *c1 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &a);
    o.keep_viewers = 1;
    char *c2 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &b);
    CHECK_STR(c1, c2);
    CHECK_INT(scan_result_pairs(b), 2);
    struct scan_pair p0, p1, q0;
    scan_result_pair(b, 0, &p0);
    scan_result_pair(b, 1, &p1);
    scan_result_pair(a, 0, &q0);
    CHECK(!memcmp(p0.hash, q0.hash, SCAN_HASH_LEN));
    CHECK(p0.identity && p1.identity);
    CHECK((!strcmp(p0.identity, "carol") && p0.kind == SCAN_VIEWER_USER) ||
          (!strcmp(p0.identity, "1.2.3.4") && p0.kind == SCAN_VIEWER_IP));
    /* another key gives other hashes, same CSV */
    o.viewer_key[0] = 1;
    scan_result *c;
    char *c3 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &c);
    CHECK_STR(c1, c3);
    struct scan_pair r0;
    scan_result_pair(c, 0, &r0);
    CHECK(memcmp(r0.hash, q0.hash, SCAN_HASH_LEN) || memcmp(r0.hash, p1.hash, SCAN_HASH_LEN));
    free(c1);
    free(c2);
    free(c3);
    scan_result_free(a);
    scan_result_free(b);
    scan_result_free(c);
}

static void test_line_ends(void)
{
    int rc;
    char err[512];
    /* CRLF, no final newline, quotes and backslashes in the user agent */
    const char *log =
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 \"-\" \"a \\\"quoted\\\" agent \\\\\"\r\n"
        "1.1.1.2 - - [12/Nov/2018:15:00:01 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 \"-\" \"x\"";
    scan_result *res;
    char *csv = scan1(RULE, log, &rc, err, sizeof err, &res);
    CHECK_STR(csv,
              HDR "AAAAAAAAAA,2018-11-12T15:00:00Z,2018-11-12T15:00:01Z,2,2,0,2,/gp/profile/AAAAAAAAAA,email;name\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.lines, 2);
    CHECK_INT(t.malformed, 0);
    free(csv);
    scan_result_free(res);
    /* empty file */
    csv = scan1(RULE, "", &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR);
    scan_result_totals(res, &t);
    CHECK_INT(t.lines, 0);
    free(csv);
    scan_result_free(res);
}

static void test_malformed(void)
{
    int rc;
    char err[512];
    const char *log =
        "1.1.1.1 - - [31/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n" /* 1 */
        "1.1.1.1 - - [12/Nov/2018:24:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n" /* 2 */
        "1.1.1.1 - - [12/Foo/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n" /* 3 */
        "1.1.1.1 - - [12/Nov/2018:15:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n" /* 4 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\"\n" /* 5 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 \"-\" \"Mozi\n" /* 6 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 2x0 1 " UA "\n" /* 7 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1x " UA "\n" /* 8 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1\n" /* 9 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 \"-\"\n" /* 10 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n" /* 11 ok */
        "\"GET /gp/profile/AAAAAAAAAA\n" /* 12 */
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +2400] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA "\n"; /* 13 */
    scan_result *res;
    char *csv = scan1(RULE, log, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK_STR(csv,
              HDR "AAAAAAAAAA,2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,1,1,0,1,/gp/profile/AAAAAAAAAA,email;name\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.malformed, 12);
    CHECK_INT(scan_result_samples(res), 10);
    const char *want[] = {"impossible date 31/Nov", "impossible time 24:00:00", "unknown month 'Foo'", "bad timestamp",
                          "missing status",         "unterminated quote",       "bad status",          "bad byte count",
                          "missing referer",        "missing user agent"};
    for (size_t i = 0; i < 10; i++) {
        struct scan_sample s;
        scan_result_sample(res, i, &s);
        CHECK_INT(s.line, i + 1);
        CHECK_STR(s.reason, want[i]);
    }
    char sum[4096];
    scan_summary_format(res, sum, sizeof sum);
    CHECK(strstr(sum, "one.log line 6: unterminated quote") != NULL);
    CHECK(strstr(sum, "malformed 12") != NULL);
    free(csv);
    scan_result_free(res);
    /* strict: an error naming file and line */
    write_str("m.log", log);
    const char *names[] = {"m.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.strict = 1;
    csv = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, NULL);
    CHECK(csv == NULL);
    CHECK_INT(rc, SCAN_EINPUT);
    CHECK(strstr(err, "cannot parse '") && strstr(err, "m.log' line 1: impossible date 31/Nov"));
}

static void test_odd_and_prefilter(void)
{
    int rc;
    char err[512];
    const char *log =
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" 400 1 " UA
        "\n"
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA x HTTP/1.1\" 400 1 " UA "\n"
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"\" 400 1 " UA "\n"
        "1.1.1.1 - - [99/Nov/2018:15:00:00 +0000] \"GET /other HTTP/1.1\" 200 1 " UA "\n"
        "\n";
    scan_result *res;
    char *csv = scan1(RULE, log, &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR);
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.lines, 5);
    CHECK_INT(t.lines_parsed, 1);
    CHECK_INT(t.odd_requests, 1);
    CHECK_INT(t.malformed, 0);
    free(csv);
    scan_result_free(res);
    /* check_all: every line parsed, malformed anywhere found */
    write_str("odd.log", log);
    const char *names[] = {"odd.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.check_all = 1;
    csv = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &res);
    scan_result_totals(res, &t);
    CHECK_INT(t.lines_parsed, 5);
    CHECK_INT(t.odd_requests, 3);
    CHECK_INT(t.malformed, 2);
    struct scan_sample s;
    scan_result_sample(res, 0, &s);
    CHECK_INT(s.line, 4);
    CHECK_STR(s.reason, "impossible date 99/Nov");
    scan_result_sample(res, 1, &s);
    CHECK_STR(s.reason, "empty line");
    free(csv);
    scan_result_free(res);
}

/* a log of n lines with subjects spread, deterministic */
static char *gen_log(int n, unsigned seed, size_t *len)
{
    size_t cap = (size_t)n * 200 + 64, k = 0;
    char *b = malloc(cap);
    unsigned x = seed;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        unsigned subj = (x >> 8) % 37, v = (x >> 4) % 11, kind = (x >> 20) % 5, sec = (x >> 13) % 60;
        const char *path = kind == 0   ? "/gp/profile/"
                           : kind == 1 ? "/gp/profile/"
                           : kind == 2 ? "/index/"
                           : kind == 3 ? "/gp/profile/"
                                       : "/gp/profiles/";
        if (v < 4)
            k += (size_t)snprintf(
                b + k, cap - k,
                "10.0.%u.%u - user%u [13/Nov/2018:1%u:%02u:%02u +0100] \"GET %sS%09u%s HTTP/1.1\" %s 12 \"-\" \"UA %d\"\n",
                v, subj, v, i % 10, (i / 10) % 60, sec, path, subj, kind == 3 ? "?x=1" : "",
                (x >> 3) % 7 == 0 ? "404" : "200", i);
        else
            k += (size_t)snprintf(
                b + k, cap - k,
                "2001:db8::%x - - [13/Nov/2018:1%u:%02u:%02u +0100] \"GET %sS%09u HTTP/1.1\" 304 - \"-\" \"UA\"\n", v,
                i % 10, (i / 10) % 60, sec, path, subj);
    }
    *len = k;
    return b;
}

static void test_threads_identical(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(3000, 7, &n);
    write_file("t.log", log, n);
    free(log);
    const char *names[] = {"t.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 1;
    scan_result *r1, *r2, *r3;
    char *c1 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &r1);
    o.threads = 2;
    o.split_bytes = 1000; /* many ranges, boundaries inside lines */
    char *c2 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &r2);
    o.threads = 3;
    o.split_bytes = 4093;
    char *c3 = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &r3);
    CHECK(c1 && strlen(c1) > 200);
    CHECK_STR(c1, c2);
    CHECK_STR(c1, c3);
    unsigned char *s1, *s2;
    size_t l1, l2;
    struct scan_totals t1, t2;
    scan_result_totals(r1, &t1);
    scan_result_totals(r2, &t2);
    CHECK_INT(t1.lines, 3000);
    CHECK_INT(t2.lines, 3000);
    CHECK_INT(t1.lines_parsed, t2.lines_parsed);
    CHECK_INT(t2.threads, 2);
    CHECK_INT(t1.bytes_in, n);
    CHECK_INT(t2.bytes_in, n);
    CHECK_INT(t2.bytes_out, n);
    /* partials equal apart from run data */
    scan_result_serialize(r1, &s1, &l1, err, sizeof err);
    scan_result_serialize(r2, &s2, &l2, err, sizeof err);
    CHECK_INT(l1, l2);
    CHECK(l1 == l2 && !memcmp(s1, s2, l1 - 12));
    free(s1);
    free(s2);
    free(c1);
    free(c2);
    free(c3);
    scan_result_free(r1);
    scan_result_free(r2);
    scan_result_free(r3);
}

static void test_malformed_lines_with_ranges(void)
{
    /* line numbers of malformed lines stay right when a file is cut into ranges */
    int rc;
    char err[512];
    char log[200000];
    size_t k = 0;
    for (int i = 1; i <= 1000; i++) {
        if (i % 97 == 0)
            k += (size_t)snprintf(log + k, sizeof log - k, "bad \"GET /gp/profile/AAAAAAAAAA line %d\n", i);
        else
            k += (size_t)snprintf(
                log + k, sizeof log - k,
                "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 %d " UA "\n", i);
    }
    write_file("r.log", log, k);
    const char *names[] = {"r.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    o.split_bytes = 777;
    scan_result *res;
    char *csv = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &res);
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.malformed, 10);
    CHECK_INT(t.lines, 1000);
    for (size_t i = 0; i < scan_result_samples(res); i++) {
        struct scan_sample s;
        scan_result_sample(res, i, &s);
        CHECK_INT(s.line, 97 * (i + 1));
    }
    free(csv);
    scan_result_free(res);
}

static unsigned char *gz(const char *s, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, n) + 64;
    unsigned char *o = malloc(cap);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

static void test_compressed(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(2000, 11, &n);
    write_file("plain.log", log, n);
    const char *pn[] = {"plain.log"};
    char *want = scan_files(RULE, pn, 1, NULL, &rc, err, sizeof err, NULL);
    /* multi-member gzip: three members */
    size_t a = n / 3, b = 2 * n / 3, l1, l2, l3;
    unsigned char *g1 = gz(log, a, &l1), *g2 = gz(log + a, b - a, &l2), *g3 = gz(log + b, n - b, &l3);
    FILE *f = fopen(tpath("multi.log.gz"), "wb");
    fwrite(g1, 1, l1, f);
    fwrite(g2, 1, l2, f);
    fwrite(g3, 1, l3, f);
    fclose(f);
    const char *gn[] = {"multi.log.gz"};
    scan_result *res;
    char *got = scan_files(RULE, gn, 1, NULL, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK_STR(got, want);
    struct scan_file sf;
    scan_result_file(res, 0, &sf);
    CHECK_STR(sf.compression, "gzip");
    CHECK_INT(sf.bytes_out, n);
    CHECK_INT(sf.bytes_in, l1 + l2 + l3);
    free(got);
    scan_result_free(res);
    /* magic bytes, not the name: a gzip file called .log */
    write_file("gz-named.log", g1, l1);
    /* truncated gzip: error naming the file and the offset */
    write_file("trunc.gz", g2, l2 - 20);
    const char *tn[] = {"trunc.gz"};
    got = scan_files(RULE, tn, 1, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL);
    CHECK_INT(rc, SCAN_EINPUT);
    char exp[300];
    snprintf(exp, sizeof exp, "trunc.gz' at byte %zu: unexpected end of data (truncated file?)", l2 - 20);
    CHECK(strstr(err, exp) != NULL);
    if (!strstr(err, exp)) printf("#   err: %s\n", err);
    /* corrupt gzip */
    unsigned char *bad = malloc(l2);
    memcpy(bad, g2, l2);
    for (size_t i = 20; i < 60 && i < l2; i++) bad[i] ^= 0x55;
    write_file("bad.gz", bad, l2);
    const char *bn[] = {"bad.gz"};
    got = scan_files(RULE, bn, 1, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL);
    CHECK_INT(rc, SCAN_EINPUT);
    CHECK(strstr(err, "cannot decompress '") && strstr(err, "bad.gz' at byte "));
    /* keep_going: the loss is recorded, the rest is scanned */
    const char *kn[] = {"plain.log", "trunc.gz"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.keep_going = 1;
    o.threads = 2;
    got = scan_files(RULE, kn, 2, &o, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK(got && strlen(got) >= strlen(want)); /* lines before the damage still count */
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.files_failed, 1);
    scan_result_file(res, 1, &sf);
    CHECK(sf.error && strstr(sf.error, "trunc.gz' at byte"));
    char sum[4096];
    scan_summary_format(res, sum, sizeof sum);
    CHECK(strstr(sum, "incomplete: 1 file") != NULL);
    free(got);
    scan_result_free(res);
    /* zstd, also made with a long window */
    size_t zc = ZSTD_compressBound(n);
    unsigned char *zb = malloc(zc);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 27);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_enableLongDistanceMatching, 1);
    size_t zl = ZSTD_compress2(cc, zb, zc, log, n);
    ZSTD_freeCCtx(cc);
    write_file("z.log.zst", zb, zl);
    const char *zn[] = {"z.log.zst"};
    got = scan_files(RULE, zn, 1, NULL, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    if (rc) printf("#   %s\n", err);
    CHECK_STR(got, want);
    if (!rc) {
        scan_result_file(res, 0, &sf);
        CHECK_STR(sf.compression, "zstd");
        scan_result_free(res);
    }
    free(got);
    write_file("ztrunc.zst", zb, zl / 2);
    const char *ztn[] = {"ztrunc.zst"};
    got = scan_files(RULE, ztn, 1, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EINPUT && strstr(err, "ztrunc.zst' at byte"));
    /* unsupported compression */
    write_file("x.xz",
               "\xfd"
               "7zXZ\0\0",
               7);
    const char *xn[] = {"x.xz"};
    got = scan_files(RULE, xn, 1, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EINPUT && strstr(err, "xz compression is not supported"));
    /* missing file */
    const char *mn[] = {"missing.log"};
    got = scan_files(RULE, mn, 1, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EFAIL && strstr(err, "cannot open '") && strstr(err, "No such file"));
    free(zb);
    free(g1);
    free(g2);
    free(g3);
    free(bad);
    free(log);
    free(want);
}

static void test_many_files_hash(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(1500, 3, &n);
    size_t h = n / 2;
    while (log[h - 1] != '\n') h++;
    write_file("all.log", log, n);
    write_file("second.log", log + h, n - h); /* later lines first: order does not matter */
    write_file("first.log", log, h);
    const char *an[] = {"all.log"};
    const char *sn[] = {"second.log", "first.log"};
    struct scan_opts o;
    scan_opts_init(&o);
    o.hash_inputs = 1;
    scan_result *res;
    char *c1 = scan_files(RULE, an, 1, &o, &rc, err, sizeof err, NULL);
    char *c2 = scan_files(RULE, sn, 2, &o, &rc, err, sizeof err, &res);
    CHECK_STR(c1, c2);
    struct scan_file f0;
    scan_result_file(res, 1, &f0);
    CHECK_STR(f0.name + strlen(f0.name) - 9, "first.log");
    CHECK(f0.has_sha256);
    unsigned char sha[32];
    crypto_hash_sha256(sha, (const unsigned char *)log, h);
    CHECK(!memcmp(sha, f0.sha256, 32));
    CHECK_INT(f0.size, h);
    free(c1);
    free(c2);
    free(log);
    scan_result_free(res);
}

static void test_long_line(void)
{
    int rc;
    char err[512];
    /* a 3 MiB line and a 1.5 MiB line between good lines: counted malformed, bounded memory */
    const char *good = "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA
                       "\n";
    size_t gl = strlen(good), big = 3u << 20, mid = 1536u << 10;
    size_t n = gl * 3 + big + mid + 2;
    char *b = malloc(n), *p = b;
    memcpy(p, good, gl);
    p += gl;
    memset(p, 'x', big);
    memcpy(p, "\"GET /gp/profile/", 17);
    p += big;
    *p++ = '\n';
    memcpy(p, good, gl);
    p += gl;
    memset(p, 'y', mid);
    memcpy(p + 100, "\"GET /gp/profile/", 17);
    p += mid;
    *p++ = '\n';
    memcpy(p, good, gl);
    p += gl;
    write_file("long.log", b, (size_t)(p - b));
    const char *names[] = {"long.log"};
    for (int check_all = 0; check_all < 2; check_all++) {
        struct scan_opts o;
        scan_opts_init(&o);
        o.check_all = check_all;
        scan_result *res;
        char *csv = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, &res);
        struct scan_totals t;
        scan_result_totals(res, &t);
        CHECK_INT(t.lines, 5);
        CHECK_INT(t.malformed, 2);
        CHECK_INT(scan_result_samples(res), 2);
        struct scan_sample s;
        scan_result_sample(res, 0, &s);
        CHECK_INT(s.line, 2);
        CHECK_STR(s.reason, "line longer than 1 MiB");
        scan_result_sample(res, 1, &s);
        CHECK_INT(s.line, 4);
        CHECK(strstr(csv, "AAAAAAAAAA,2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,3,") != NULL);
        free(csv);
        scan_result_free(res);
    }
    free(b);
}

static void test_stdin(void)
{
    /* stdin via a pipe, gzip-compressed, detected by magic */
    int rc;
    char err[512];
    size_t n, gl;
    char *log = gen_log(500, 5, &n);
    write_file("s.log", log, n);
    const char *pn[] = {"s.log"};
    char *want = scan_files(RULE, pn, 1, NULL, &rc, err, sizeof err, NULL);
    unsigned char *g = gz(log, n, &gl);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        size_t off = 0;
        while (off < gl) {
            ssize_t w = write(fds[1], g + off, gl - off);
            if (w <= 0) _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    const char *sn[] = {"-"};
    scan_result *res;
    char *got = scan_files(RULE, sn, 1, NULL, &rc, err, sizeof err, &res);
    dup2(saved, 0);
    close(saved);
    waitpid(pid, NULL, 0);
    CHECK_INT(rc, 0);
    CHECK_STR(got, want);
    struct scan_file sf;
    scan_result_file(res, 0, &sf);
    CHECK_STR(sf.name, "-");
    CHECK_STR(sf.compression, "gzip");
    free(got);
    free(want);
    free(log);
    free(g);
    scan_result_free(res);
    const char *twice[] = {"-", "-"};
    got = scan_files(RULE, twice, 2, NULL, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EINPUT);
}

static void test_csv_quoting(void)
{
    int rc;
    char err[512];
    const char *rule = "format = combined\n"
                       "[exposure \"q\"]\nrequest = ^/q/([^/?]+)\nstatus = 200\nfields = name\n";
    const char *log = "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /q/a,b HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /q/a\\\"b HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /q/plain?x=1 HTTP/1.1\" 200 1 " UA "\n"
                      "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /q/plain HTTP/1.1\" 200 1 " UA "\n";
    char *csv = scan1(rule, log, &rc, err, sizeof err, NULL);
    CHECK_STR(csv, HDR "\"a\"\"b\",2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,1,1,0,1,\"/q/a\"\"b\",name\n"
                       "\"a,b\",2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,1,1,0,1,\"/q/a,b\",name\n"
                       "plain,2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,2,1,0,1,/q/plain,name\n");
    free(csv);
}

static void test_nginx(void)
{
    int rc;
    char err[512];
    const char *rule =
        "format = nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" $host $request_time'\n"
        "from = 2018-11-12T14:00:00Z\nuntil = 2018-11-21T09:12:00Z\n"
        "[exposure \"p\"]\nmethod = GET\nrequest = ^/gp/profile/([A-Z0-9]{10,14})(\\?|$)\nstatus = 200,304\nself = user\nfields = name\n";
    const char *log =
        "10.0.0.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /gp/profile/AAAAAAAAAA HTTP/2.0\" 200 512 \"-\" \"a \\x22b\\x22 c\" shop.example 0.012\n"
        "10.0.0.2 - bob [12/Nov/2018:15:00:01 +0100] \"GET /gp/profile/AAAAAAAAAA?x HTTP/2.0\" 304 0 \"-\" \"UA\" shop.example 0.001\n"
        "10.0.0.3 - - [12/Nov/2018:15:00:02 +0100] \"GET /gp/profile/AAAAAAAAAA HTTP/2.0\" 200 512 \"-\" \"UA\"\n";
    scan_result *res;
    char *csv = scan1(rule, log, &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR "AAAAAAAAAA,2018-11-12T14:00:00Z,2018-11-12T14:00:01Z,2,2,1,1,/gp/profile/AAAAAAAAAA,name\n");
    struct scan_sample s;
    CHECK_INT(scan_result_samples(res), 1);
    scan_result_sample(res, 0, &s);
    CHECK_INT(s.line, 3);
    free(csv);
    scan_result_free(res);
    /* $time_iso8601, $msec, x-forwarded-for, unknown variables */
    const char *rule2 =
        "format = nginx:'$time_iso8601 $remote_addr \"$http_x_forwarded_for\" $request_method $request_uri $status $upstream_cache_status'\n"
        "client = $http_x_forwarded_for\n"
        "[exposure \"p\"]\nmethod = GET\nrequest = ^/u/(\\d+)\nstatus = 200\nviewer = ip\nfields = email\n";
    const char *log2 = "2018-11-12T15:00:00+01:00 10.0.0.1 \"203.0.113.9, 10.0.0.1\" GET /u/42 200 HIT\n"
                       "2018-11-12T14:30:00Z 10.0.0.1 \"-\" GET /u/42?a=b 200 MISS\n"
                       "2018-11-12T09:00:00-05:30 10.0.0.2 \"203.0.113.9\" GET /u/42 200 -\n"
                       "2018-11-12T14:30:00Z 10.0.0.1 \"-\" POST /u/42 200 MISS\n";
    csv = scan1(rule2, log2, &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR "42,2018-11-12T14:00:00Z,2018-11-12T14:30:00Z,3,2,0,2,/u/42,email\n");
    free(csv);
    scan_result_free(res);
    const char *rule3 = "format = nginx:'$msec|$remote_addr|$remote_user|$request|$status'\n"
                        "[exposure \"p\"]\nrequest = ^/u/(\\d+)\nstatus = 200-299\nfields = email\n";
    const char *log3 = "1542031200.123|10.0.0.1|-|GET /u/7 HTTP/1.1|200\n"
                       "1542031260.999|10.0.0.1|ann|GET /u/7 HTTP/1.1|204\n"
                       "15420x1260.999|10.0.0.1|ann|GET /u/7 HTTP/1.1|204\n";
    csv = scan1(rule3, log3, &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR "7,2018-11-12T14:00:00Z,2018-11-12T14:01:00Z,2,2,1,1,/u/7,email\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.malformed, 1);
    free(csv);
    scan_result_free(res);
}

static void test_jsonl(void)
{
    int rc;
    char err[512];
    const char *rule = "format = jsonl\nfrom = 2018-11-12T14:00:00Z\nuntil = 2018-11-21T09:12:00Z\n"
                       "[exposure \"orders\"]\nwhere = ^/account/orders\nself = user\n"
                       "[exposure \"any\"]\nfields = name\n";
    const char *log =
        "{\"ts\":\"2018-11-12T15:00:00+01:00\",\"subject\":\"c-17\",\"viewer\":\"c-99\",\"where\":\"/account/orders?id=1\",\"fields\":[\"name\",\"address\"],\"ip\":\"10.0.0.1\"}\n"
        "{\"ts\":\"2018-11-12T15:00:01Z\",\"subject\":\"c-17\",\"viewer\":null,\"where\":\"/account\\/orders\",\"ip\":\"10.0.0.2\",\"extra\":{\"a\":[1,2,{\"b\":null}]}}\n"
        "{\"ts\":\"2018-11-12T15:00:02Z\",\"subject\":\"c-17\",\"viewer\":\"c-17\",\"where\":\"/account/orders\",\"fields\":[\"email\"]}\n"
        "{\"ts\":\"2018-11-12T15:00:03Z\",\"subject\":\"c-\\u00e9\",\"viewer\":\"c-1\",\"fields\":[\"email\"]}\n"
        "{\"ts\":\"2018-11-12T15:00:03\",\"subject\":\"c-1\",\"viewer\":\"c-1\"}\n"
        "{\"ts\":\"2018-11-12T15:00:03Z\",\"viewer\":\"c-1\"}\n"
        "{\"ts\":\"2018-11-12T15:00:03Z\",\"subject\":\"x\",\"viewer\":\"c-1\"} trailing\n"
        "not json\n";
    scan_result *res;
    char *csv = scan1(rule, log, &rc, err, sizeof err, &res);
    CHECK_STR(csv, HDR "c-17,2018-11-12T14:00:00Z,2018-11-12T15:00:02Z,3,3,2,1,/account/orders,address;email;name\n"
                       "c-\xc3\xa9,2018-11-12T15:00:03Z,2018-11-12T15:00:03Z,1,1,1,0,,email\n");
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.malformed, 4);
    const char *want[] = {"timestamp without time zone", "missing subject", "trailing data after the JSON object",
                          "not a JSON object"};
    for (int i = 0; i < 4; i++) {
        struct scan_sample s;
        scan_result_sample(res, (size_t)i, &s);
        CHECK_STR(s.reason, want[i]);
    }
    free(csv);
    scan_result_free(res);
}

static void test_real_log(void)
{
    const char *path = "tests/scan/data/apache_logs_2015.log.gz";
    if (access(path, R_OK)) {
        printf("#   skipped: %s not found (run from the repo root)\n", path);
        return;
    }
    const char *rule =
        "format = combined\n"
        "[exposure \"presentations\"]\nmethod = GET\nrequest = ^/presentations/([^/]+)/\nstatus = 200,304\nfields = slides\n";
    char err[512];
    scan_rule *r = mkrule(rule);
    const char *paths[] = {path};
    for (int check_all = 0; check_all < 2; check_all++) {
        struct scan_opts o;
        scan_opts_init(&o);
        o.check_all = check_all;
        o.threads = 2;
        scan_result *res;
        int rc = scan_run(r, paths, 1, &o, &res, err, sizeof err);
        CHECK_INT(rc, 0);
        if (rc) {
            printf("#   %s\n", err);
            continue;
        }
        struct scan_totals t;
        scan_result_totals(res, &t);
        CHECK_INT(t.lines, 10000);
        if (check_all) {
            CHECK_INT(t.lines_parsed, 10000);
            CHECK_INT(t.malformed, 1);
            struct scan_sample s;
            scan_result_sample(res, 0, &s);
            CHECK_INT(s.line, 8899);
            CHECK_STR(s.reason, "unterminated quote");
        } else CHECK(t.lines_parsed < 10000);
        CHECK(t.people > 5);
        scan_result_free(res);
    }
    scan_rule_free(r);
}

static void test_progress(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(200, 9, &n);
    write_file("p.log", log, n);
    free(log);
    const char *names[] = {"p.log"};
    int calls = 0;
    struct scan_opts o;
    scan_opts_init(&o);
    o.progress = progress_cb;
    o.progress_ctx = &calls;
    char *csv = scan_files(RULE, names, 1, &o, &rc, err, sizeof err, NULL);
    CHECK(calls >= 1 && calls < 50);
    free(csv);
}

/* the prefilter never changes the answer: with and without --check-all, for rules with one,
 * two (fused pass), five (one search per needle) and no literal needles */
static void test_prefilter_equivalence(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(4000, 21, &n);
    write_file("eq.log", log, n);
    free(log);
    const char *rules[] = {
        RULE,
        "format = combined\n[exposure \"a\"]\nrequest = ^/gp/profile/(S\\d+)$\nstatus = 200\nfields = a\n"
        "[exposure \"b\"]\nmethod = GET\nrequest = ^/index/(S\\d+)\nstatus = 200-399\nfields = b\n",
        "format = combined\n"
        "[exposure \"a\"]\nrequest = ^/gp/profile/(S\\d+)$\nstatus = 200\nfields = a\n"
        "[exposure \"b\"]\nrequest = ^/index/(S\\d+)\nstatus = 200-399\nfields = b\n"
        "[exposure \"c\"]\nrequest = ^/gp/profiles/(S\\d+)\nstatus = 304\nfields = c\n"
        "[exposure \"d\"]\nrequest = (S00000000\\d)\\?x=1\nstatus = 200\nfields = d\n"
        "[exposure \"e\"]\nmethod = GET\nrequest = ^/gp/profile/(S0000000[12]\\d)\nstatus = 200,304\nfields = e\n"
        "[exposure \"f\"]\nrequest = ^/static/(\\w+)\nstatus = 200\nfields = f\n",
        "format = combined\n[exposure \"a\"]\nrequest = (?i)^/GP/(?:profile|profiles)/(s\\d+)\nstatus = 100-599\nfields = a\n",
    };
    const size_t want_needles[] = {1, 2, 5, 0};
    const char *names[] = {"eq.log"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        scan_rule *r = mkrule(rules[i]);
        const char *const *nd;
        CHECK_INT(scan_rule_prefilters(r, &nd), want_needles[i]);
        scan_rule_free(r);
        static const uint64_t splits[] = {0, 333, 4099, 9000};
        for (size_t sp = 0; sp < 4; sp++) {
            struct scan_opts o;
            scan_opts_init(&o);
            o.threads = sp ? 2 : 1;
            o.split_bytes = splits[sp];
            scan_result *a, *b;
            char *c1 = scan_files(rules[i], names, 1, &o, &rc, err, sizeof err, &a);
            o.check_all = 1;
            char *c2 = scan_files(rules[i], names, 1, &o, &rc, err, sizeof err, &b);
            CHECK(c1 && strlen(c1) > 100);
            CHECK_STR(c1, c2);
            struct scan_totals t1, t2;
            scan_result_totals(a, &t1);
            scan_result_totals(b, &t2);
            CHECK_INT(t1.lines, 4000);
            CHECK_INT(t2.lines, 4000);
            CHECK_INT(t2.lines_parsed, 4000);
            CHECK_INT(t1.views, t2.views);
            if (i < 2) CHECK(t1.lines_parsed < 4000);
            free(c1);
            free(c2);
            scan_result_free(a);
            scan_result_free(b);
        }
    }
}

static void test_progress_threads(void)
{
    int rc;
    char err[512];
    size_t n;
    char *log = gen_log(300, 4, &n);
    write_file("p1.log", log, n);
    write_file("p2.log", log, n);
    free(log);
    const char *names[] = {"p1.log", "p2.log"};
    int calls = 0;
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    o.progress = progress_cb;
    o.progress_ctx = &calls;
    scan_result *res;
    char *csv = scan_files(RULE, names, 2, &o, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK(calls >= 1);
    struct scan_totals t;
    scan_result_totals(res, &t);
    CHECK_INT(t.threads, 2);
    CHECK_INT(t.lines, 600);
    free(csv);
    scan_result_free(res);
}

/* one compressed (or hashed) file and two threads: a reading/decompressing thread feeds the
 * parsing one; results, errors and limits must be exactly those of the plain path */
static void test_pipeline(void)
{
    int rc;
    char err[512];
    size_t n, gl;
    char *log = gen_log(5000, 13, &n);
    write_file("pl.log", log, n);
    const char *pn[] = {"pl.log"};
    char *want = scan_files(RULE, pn, 1, NULL, &rc, err, sizeof err, NULL);
    unsigned char *g = gz(log, n, &gl);
    write_file("pl.gz", g, gl);
    write_file("pl-cut.gz", g, gl - 100);
    unsigned char *bad = malloc(gl);
    memcpy(bad, g, gl);
    for (size_t i = gl / 2; i < gl / 2 + 64; i++) bad[i] ^= 0xa5;
    write_file("pl-bad.gz", bad, gl);
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    const char *gn[] = {"pl.gz"};
    scan_result *res;
    char *got = scan_files(RULE, gn, 1, &o, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    CHECK_STR(got, want);
    struct scan_file sf;
    scan_result_file(res, 0, &sf);
    CHECK_INT(sf.bytes_in, gl);
    CHECK_INT(sf.bytes_out, n);
    CHECK_INT(sf.lines, 5000);
    free(got);
    scan_result_free(res);
    const char *cn[] = {"pl-cut.gz"};
    got = scan_files(RULE, cn, 1, &o, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EINPUT);
    char exp[200];
    snprintf(exp, sizeof exp, "pl-cut.gz' at byte %zu: unexpected end of data", gl - 100);
    CHECK(strstr(err, exp) != NULL);
    const char *bn[] = {"pl-bad.gz"};
    got = scan_files(RULE, bn, 1, &o, &rc, err, sizeof err, NULL);
    CHECK(got == NULL && rc == SCAN_EINPUT && strstr(err, "pl-bad.gz' at byte"));
    o.keep_going = 1;
    got = scan_files(RULE, cn, 1, &o, &rc, err, sizeof err, &res);
    CHECK_INT(rc, 0);
    scan_result_file(res, 0, &sf);
    CHECK(sf.error && strstr(sf.error, exp));
    CHECK(sf.lines > 100);
    free(got);
    scan_result_free(res);
    o.keep_going = 0;
    /* hash_inputs on one plain file: read + hash on one thread, parse on the other */
    o.hash_inputs = 1;
    got = scan_files(RULE, pn, 1, &o, &rc, err, sizeof err, &res);
    CHECK_STR(got, want);
    scan_result_file(res, 0, &sf);
    unsigned char sha[32];
    crypto_hash_sha256(sha, (const unsigned char *)log, n);
    CHECK(sf.has_sha256 && !memcmp(sha, sf.sha256, 32));
    free(got);
    scan_result_free(res);
    /* gz file: the hash is of the compressed bytes */
    got = scan_files(RULE, gn, 1, &o, &rc, err, sizeof err, &res);
    scan_result_file(res, 0, &sf);
    crypto_hash_sha256(sha, g, gl);
    CHECK(sf.has_sha256 && !memcmp(sha, sf.sha256, 32));
    free(got);
    scan_result_free(res);
    free(want);
    free(log);
    free(g);
    free(bad);
}

/* long lines through the pipeline (blocks of 1 MiB, carry in the headroom) */
static void test_pipeline_long_lines(void)
{
    int rc;
    char err[512];
    const char *good = "1.1.1.1 - - [12/Nov/2018:15:00:00 +0000] \"GET /gp/profile/AAAAAAAAAA HTTP/1.1\" 200 1 " UA
                       "\n";
    size_t gl = strlen(good), big = 5u << 20, mid = 1000u << 10, near = (1u << 20) - 10;
    size_t n = gl * 4 + big + mid + near + 3;
    char *b = malloc(n), *p = b;
    memcpy(p, good, gl);
    p += gl;
    memset(p, 'x', big);
    p += big;
    *p++ = '\n';
    memcpy(p, good, gl);
    p += gl;
    memset(p, 'y', mid);
    memcpy(p, good, gl - 1);
    p += mid;
    *p++ = '\n'; /* 1000 KiB: valid, trailing data */
    memcpy(p, good, gl);
    p += gl;
    memset(p, 'z', near);
    p += near;
    *p++ = '\n';
    memcpy(p, good, gl);
    p += gl;
    size_t zl;
    unsigned char *z = gz(b, (size_t)(p - b), &zl);
    write_file("ll.gz", z, zl);
    write_file("ll.log", b, (size_t)(p - b));
    const char *names[2][1] = {{"ll.gz"}, {"ll.log"}};
    for (int k = 0; k < 2; k++) {
        struct scan_opts o;
        scan_opts_init(&o);
        o.threads = 2;
        o.hash_inputs = 1;
        scan_result *res;
        char *csv = scan_files(RULE, names[k], 1, &o, &rc, err, sizeof err, &res);
        CHECK_INT(rc, 0);
        struct scan_totals t;
        scan_result_totals(res, &t);
        CHECK_INT(t.lines, 7);
        CHECK_INT(t.malformed, 1);
        struct scan_sample s;
        scan_result_sample(res, 0, &s);
        CHECK_INT(s.line, 2);
        CHECK_STR(s.reason, "line longer than 1 MiB");
        CHECK(strstr(csv, "AAAAAAAAAA,2018-11-12T15:00:00Z,2018-11-12T15:00:00Z,5,") != NULL);
        free(csv);
        scan_result_free(res);
    }
    free(b);
    free(z);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) { /* best effort */
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "run")) return drv_run(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "merge")) return drv_merge(argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kt-scan.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_basic);
    RUN(test_window);
    RUN(test_sections_union);
    RUN(test_identities_typed);
    RUN(test_keep_viewers);
    RUN(test_line_ends);
    RUN(test_malformed);
    RUN(test_odd_and_prefilter);
    RUN(test_threads_identical);
    RUN(test_malformed_lines_with_ranges);
    RUN(test_compressed);
    RUN(test_many_files_hash);
    RUN(test_long_line);
    RUN(test_stdin);
    RUN(test_csv_quoting);
    RUN(test_nginx);
    RUN(test_jsonl);
    RUN(test_real_log);
    RUN(test_progress);
    RUN(test_prefilter_equivalence);
    RUN(test_progress_threads);
    RUN(test_pipeline);
    RUN(test_pipeline_long_lines);
    cleanup();
    return check_done();
}
