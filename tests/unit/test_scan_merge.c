/* test_scan_merge.c — partial results: serialise, deserialise, merge. The merge must be
 * associative and commutative in its serialised bytes, and merging the partials of shards
 * must give what one scan over all the inputs gives. */
#include "check.h"
#include "scan/scan.h"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

static const char *RULE = "format = combined\n"
                          "from   = 2018-11-12T14:00:00Z\n"
                          "until  = 2018-11-21T09:12:00Z\n"
                          "[exposure \"profile\"]\n"
                          "method  = GET\n"
                          "request = ^/p/([A-Z0-9]+)(\\?|$)\n"
                          "status  = 200,304\n"
                          "self    = user\n"
                          "fields  = name,email\n"
                          "[exposure \"orders\"]\n"
                          "request = ^/o/([A-Z0-9]+)/\n"
                          "status  = 200\n"
                          "fields  = address\n";

static const char *path_of(int k)
{
    static char b[4][128];
    snprintf(b[k], sizeof b[k], "%s/part%d.log", tmpdir, k);
    return b[k];
}

/* shard k: overlapping subjects and viewers, a malformed line, different hours */
static void write_shard(int k, int lines)
{
    FILE *f = fopen(path_of(k), "w");
    unsigned x = 1234u + (unsigned)k * 77u;
    for (int i = 0; i < lines; i++) {
        x = x * 1103515245u + 12345u;
        unsigned s = (x >> 9) % 23, v = (x >> 17) % 9, h = (x >> 5) % 5;
        if (i % 53 == 17) {
            fprintf(f, "garbage \"GET /p/X line\n");
            continue;
        }
        const char *path = (x >> 3) % 3 == 0 ? "/o/" : "/p/";
        if (v < 3)
            fprintf(f,
                    "10.%d.0.%u - U%u [1%u/Nov/2018:1%u:%02d:00 +0000] \"GET %sS%u%s HTTP/1.1\" 200 1 \"-\" \"UA\"\n",
                    k, v, v, 3 + k, h, i % 60, path, s, *path == '/' && path[1] == 'o' ? "/list" : "?v=1");
        else
            fprintf(f, "10.%d.0.%u - - [1%u/Nov/2018:1%u:%02d:00 +0000] \"GET %sS%u%s HTTP/1.1\" 304 1 \"-\" \"UA\"\n",
                    v % 2, v, 3 + k, h, i % 60, path, s, path[1] == 'o' ? "/x" : "");
    }
    fclose(f);
}

static scan_result *scan_paths(scan_rule *r, const char **paths, size_t n, uint32_t base, int kv)
{
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    o.file_index_base = base;
    o.keep_viewers = kv;
    memset(o.viewer_key, 7, sizeof o.viewer_key);
    scan_result *res = NULL;
    char err[512];
    if (scan_run(r, paths, n, &o, &res, err, sizeof err)) printf("#   %s\n", err);
    return res;
}

static unsigned char *ser(const scan_result *r, size_t *n)
{
    unsigned char *b = NULL;
    char err[256];
    if (scan_result_serialize(r, &b, n, err, sizeof err)) return NULL;
    return b;
}

/* serialised bytes without the run data (seconds, threads: the last 12 bytes) */
static int same_data(const scan_result *a, const scan_result *b)
{
    size_t na, nb;
    unsigned char *sa = ser(a, &na), *sb = ser(b, &nb);
    int ok = na == nb && !memcmp(sa, sb, na - 12);
    free(sa);
    free(sb);
    return ok;
}
static int same_bytes(const scan_result *a, const scan_result *b)
{
    size_t na, nb;
    unsigned char *sa = ser(a, &na), *sb = ser(b, &nb);
    int ok = na == nb && !memcmp(sa, sb, na);
    free(sa);
    free(sb);
    return ok;
}

static char *csv_of(const scan_result *r)
{
    char *b = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&b, &n);
    scan_write_csv(r, f);
    fclose(f);
    return b;
}

static scan_result *M(const scan_result *a, const scan_result *b)
{
    char err[256];
    scan_result *m = scan_result_merge(a, b, err, sizeof err);
    if (!m) printf("#   merge: %s\n", err);
    return m;
}

static scan_rule *rule;
static scan_result *pa, *pb, *pc, *all;

static void test_setup(void)
{
    char err[512];
    rule = scan_rule_parse(RULE, strlen(RULE), "rule.conf", err, sizeof err);
    CHECK(rule != NULL);
    write_shard(0, 900);
    write_shard(1, 700);
    write_shard(2, 500);
    const char *p0[] = {path_of(0)}, *p1[] = {path_of(1)}, *p2[] = {path_of(2)};
    const char *p012[] = {path_of(0), path_of(1), path_of(2)};
    pa = scan_paths(rule, p0, 1, 0, 0);
    pb = scan_paths(rule, p1, 1, 1, 0);
    pc = scan_paths(rule, p2, 1, 2, 0);
    all = scan_paths(rule, p012, 3, 0, 0);
    CHECK(pa && pb && pc && all);
    CHECK(scan_result_exposures(pa) > 10);
    CHECK(scan_result_samples(pa) > 0);
}

static void test_associative(void)
{
    scan_result *bc = M(pb, pc), *ab = M(pa, pb);
    scan_result *l = M(pa, bc), *r = M(ab, pc);
    CHECK(same_bytes(l, r));
    scan_result *ba = M(pb, pa), *cab = M(pc, ab), *cb = M(pc, pb), *acb = M(pa, cb);
    CHECK(same_bytes(ab, ba)); /* commutative */
    CHECK(same_bytes(l, cab));
    CHECK(same_bytes(l, acb));
    /* the merged shards equal one scan over all files (apart from run data) */
    CHECK(same_data(l, all));
    char *c1 = csv_of(l), *c2 = csv_of(all);
    CHECK_STR(c1, c2);
    struct scan_totals t1, t2;
    scan_result_totals(l, &t1);
    scan_result_totals(all, &t2);
    CHECK_INT(t1.lines, t2.lines);
    CHECK_INT(t1.malformed, t2.malformed);
    CHECK_INT(t1.views, t2.views);
    CHECK_INT(t1.files, 3);
    CHECK_INT(scan_result_samples(l), SCAN_MAX_SAMPLES);
    struct scan_sample s0, s9;
    scan_result_sample(l, 0, &s0);
    scan_result_sample(l, 9, &s9);
    CHECK_INT(s0.file_index, 0);
    CHECK_INT(s0.line, 18);
    CHECK(s9.file_index >= s0.file_index);
    free(c1);
    free(c2);
    scan_result_free(bc);
    scan_result_free(ab);
    scan_result_free(l);
    scan_result_free(r);
    scan_result_free(ba);
    scan_result_free(cab);
    scan_result_free(cb);
    scan_result_free(acb);
}

static void test_roundtrip(void)
{
    size_t n;
    unsigned char *b = ser(all, &n);
    char err[256];
    scan_result *r = scan_result_deserialize(b, n, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        printf("#   %s\n", err);
        free(b);
        return;
    }
    CHECK(same_bytes(r, all));
    char *c1 = csv_of(r), *c2 = csv_of(all);
    CHECK_STR(c1, c2);
    /* accessors agree */
    CHECK_INT(scan_result_pairs(r), scan_result_pairs(all));
    CHECK_INT(scan_result_hours(r), scan_result_hours(all));
    for (size_t i = 0; i < scan_result_pairs(r); i++) {
        struct scan_pair p, q;
        scan_result_pair(r, i, &p);
        scan_result_pair(all, i, &q);
        CHECK(!strcmp(p.subject, q.subject) && !memcmp(p.hash, q.hash, SCAN_HASH_LEN) && p.views == q.views);
    }
    /* every truncation is refused cleanly */
    for (size_t k = 0; k < n; k += (k < 200 ? 1 : 97)) {
        scan_result *t = scan_result_deserialize(b, k, err, sizeof err);
        CHECK(t == NULL);
        scan_result_free(t);
    }
    /* bit flips never crash; the result, if any, is canonical enough to merge */
    for (size_t k = 0; k < n; k += 31) {
        b[k] ^= 0x5a;
        scan_result *t = scan_result_deserialize(b, n, err, sizeof err);
        if (t) {
            scan_result *m = scan_result_merge(t, t, err, sizeof err);
            scan_result_free(m);
        }
        scan_result_free(t);
        b[k] ^= 0x5a;
    }
    CHECK(scan_result_deserialize("KTSCANP0", 8, err, sizeof err) == NULL);
    CHECK_STR(err, "not a klartext partial scan result");
    free(c1);
    free(c2);
    free(b);
    scan_result_free(r);
}

static void test_refuse_mismatch(void)
{
    char err[512];
    const char *other = "format = combined\n[exposure \"x\"]\nrequest = ^/p/(\\w+)\nstatus = 200\nfields = name\n";
    scan_rule *r2 = scan_rule_parse(other, strlen(other), NULL, err, sizeof err);
    const char *p0[] = {path_of(0)};
    scan_result *x = scan_paths(r2, p0, 1, 0, 0);
    CHECK(scan_result_merge(pa, x, err, sizeof err) == NULL);
    CHECK_STR(err, "cannot merge partial results of different rules");
    struct scan_opts o;
    scan_opts_init(&o);
    scan_result *y = NULL;
    CHECK_INT(scan_run(rule, p0, 1, &o, &y, err, sizeof err), 0);
    CHECK(scan_result_merge(pa, y, err, sizeof err) == NULL);
    CHECK_STR(err, "cannot merge partial results made with different viewer keys");
    scan_result_free(x);
    scan_result_free(y);
    scan_rule_free(r2);
}

static void test_keep_viewers_merge(void)
{
    const char *p0[] = {path_of(0)}, *p1[] = {path_of(1)};
    scan_result *a = scan_paths(rule, p0, 1, 0, 1), *b = scan_paths(rule, p1, 1, 1, 1);
    scan_result *m = M(a, b), *m2 = M(pa, pb);
    char *c1 = csv_of(m), *c2 = csv_of(m2);
    CHECK_STR(c1, c2);
    CHECK_INT(scan_result_pairs(m), scan_result_pairs(m2));
    size_t with = 0;
    for (size_t i = 0; i < scan_result_pairs(m); i++) {
        struct scan_pair p;
        scan_result_pair(m, i, &p);
        with += p.identity != NULL;
    }
    CHECK_INT(with, scan_result_pairs(m));
    free(c1);
    free(c2);
    scan_result_free(a);
    scan_result_free(b);
    scan_result_free(m);
    scan_result_free(m2);
}

/* counts_only (scan --csv alone): the same exposures, every pair with no statistics, and no
 * partial can be made of it */
static void test_counts_only(void)
{
    const char *p[] = {path_of(0), path_of(1), path_of(2)};
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    o.counts_only = 1;
    o.split_bytes = 4096; /* several ranges: the merge of results without statistics */
    memset(o.viewer_key, 7, sizeof o.viewer_key);
    scan_result *c = NULL;
    char err[256];
    CHECK_INT(scan_run(rule, p, 3, &o, &c, err, sizeof err), 0);
    char *a = csv_of(c), *b = csv_of(all);
    CHECK_STR(a, b);
    CHECK_INT(scan_result_pairs(c), scan_result_pairs(all));
    size_t stats = 0;
    for (size_t i = 0; i < scan_result_pairs(c); i++) {
        struct scan_pair q, r;
        scan_result_pair(c, i, &q);
        scan_result_pair(all, i, &r);
        CHECK(!strcmp(q.subject, r.subject) && !memcmp(q.hash, r.hash, SCAN_HASH_LEN) && q.kind == r.kind);
        stats += q.views || q.first_seen || q.identity;
    }
    CHECK_INT(stats, 0);
    unsigned char *bytes = NULL;
    size_t n = 0;
    CHECK_INT(scan_result_serialize(c, &bytes, &n, err, sizeof err), -1);
    CHECK_STR(err, "a scan made for its counts only cannot be a partial result");
    free(a);
    free(b);
    scan_result_free(c);
}

/* ---- partial files (partial.c) ---- */

/* a partial file's bytes: shard k's whole file (range NULL) or bytes [a, b) of it */
static unsigned char *part_file(int k, const uint64_t *range, size_t *n)
{
    struct scan_opts o;
    scan_opts_init(&o);
    o.threads = 2;
    o.file_index_base = (uint32_t)k;
    memset(o.viewer_key, 7, sizeof o.viewer_key);
    if (range) {
        o.has_range = 1;
        o.range_start = range[0];
        o.range_end = range[1];
    }
    const char *paths[] = {path_of(k)};
    scan_result *res = NULL;
    char err[512];
    unsigned char *b = NULL;
    if (scan_run(rule, paths, 1, &o, &res, err, sizeof err)) printf("#   %s\n", err);
    scan_partial *p = res ? scan_partial_from_result(res, &o, 0, err, sizeof err) : NULL;
    if (!p || scan_partial_write(p, &b, n, err, sizeof err)) printf("#   %s\n", err);
    scan_partial_free(p);
    return b;
}

static scan_partial *part_read(const unsigned char *b, size_t n, uint32_t tag)
{
    char err[256];
    scan_partial *p = scan_partial_read(b, n, tag, err, sizeof err);
    if (!p) printf("#   read: %s\n", err);
    return p;
}

static long file_size(int k)
{
    FILE *f = fopen(path_of(k), "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* shards 0 and 2 whole, shard 1 cut in three ranges: any order of merging gives the CSV and
 * the samples (numbered in the whole file) of one scan over the three files */
static void test_partial_files(void)
{
    uint64_t s1 = (uint64_t)file_size(1), r[3][2] = {{0, s1 / 3}, {s1 / 3, s1 / 3 * 2 + 5}, {s1 / 3 * 2 + 5, s1}};
    size_t n[5];
    unsigned char *b[5] = {part_file(0, NULL, &n[0]), part_file(1, r[0], &n[1]), part_file(1, r[1], &n[2]),
                           part_file(1, r[2], &n[3]), part_file(2, NULL, &n[4])};
    for (int i = 0; i < 5; i++) CHECK(b[i] != NULL);
    /* read back and written again: the same bytes */
    scan_partial *p = part_read(b[2], n[2], 0);
    unsigned char *again;
    size_t na;
    char err[256];
    CHECK(p && !scan_partial_write(p, &again, &na, err, sizeof err) && na == n[2] && !memcmp(again, b[2], na));
    free(again);
    scan_partial_free(p);
    static const int orders[3][5] = {{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 3, 1}};
    char *want = csv_of(all);
    for (int o = 0; o < 3; o++) {
        scan_partial *acc = NULL;
        for (int i = 0; i < 5; i++) {
            int k = orders[o][i];
            CHECK_INT(scan_partial_merge(&acc, part_read(b[k], n[k], (uint32_t)k), err, sizeof err), 0);
        }
        uint32_t ta, tb;
        scan_result *res = scan_partial_finish(acc, &ta, &tb, err, sizeof err);
        CHECK(res != NULL);
        if (!res) continue;
        char *got = csv_of(res);
        CHECK_STR(got, want);
        free(got);
        struct scan_totals t1, t2;
        scan_result_totals(res, &t1);
        scan_result_totals(all, &t2);
        CHECK(t1.lines == t2.lines && t1.malformed == t2.malformed && t1.bytes_in == t2.bytes_in);
        CHECK_INT((int)scan_result_samples(res), (int)scan_result_samples(all));
        for (size_t i = 0; i < scan_result_samples(res) && i < scan_result_samples(all); i++) {
            struct scan_sample x, y;
            scan_result_sample(res, i, &x);
            scan_result_sample(all, i, &y);
            CHECK(x.line == y.line && !strcmp(x.file, y.file) && !strcmp(x.reason, y.reason));
        }
        scan_result_free(res);
    }
    free(want);
    /* a range twice, and a gap */
    scan_partial *acc = NULL;
    uint32_t ta, tb;
    scan_partial_merge(&acc, part_read(b[1], n[1], 1), err, sizeof err);
    scan_partial_merge(&acc, part_read(b[1], n[1], 5), err, sizeof err);
    CHECK_INT(scan_partial_check(acc, &ta, &tb, err, sizeof err), -1);
    CHECK(ta == 1 && tb == 5 && strstr(err, "the same input twice"));
    scan_partial_free(acc);
    acc = NULL;
    scan_partial_merge(&acc, part_read(b[1], n[1], 1), err, sizeof err);
    scan_partial_merge(&acc, part_read(b[3], n[3], 3), err, sizeof err);
    CHECK(scan_partial_finish(acc, &ta, &tb, err, sizeof err) == NULL);
    CHECK(strstr(err, "are in no partial") != NULL);
    /* every truncation and every bit flip is refused */
    int refused = 1;
    for (size_t k = 0; k < n[4]; k++) {
        scan_partial *t = scan_partial_read(b[4], k, 0, err, sizeof err);
        if (t) refused = 0;
        scan_partial_free(t);
    }
    for (size_t k = 0; k < n[4] * 8; k += 7) {
        b[4][k / 8] ^= (unsigned char)(1u << (k % 8));
        scan_partial *t = scan_partial_read(b[4], n[4], 0, err, sizeof err);
        if (t) refused = 0;
        scan_partial_free(t);
        b[4][k / 8] ^= (unsigned char)(1u << (k % 8));
    }
    CHECK(refused);
    for (int i = 0; i < 5; i++) free(b[i]);
}

struct sink {
    struct {
        unsigned char *p;
        size_t len;
    } got;
    size_t calls, fail_after; /* fail_after: refuse once this many bytes are in (0: never) */
};

static int sink_put(void *ctx, const void *d, size_t n)
{
    struct sink *s = ctx;
    s->calls++;
    if (s->fail_after && s->got.len + n > s->fail_after) {
        errno = ENOSPC;
        return -1;
    }
    s->got.p = realloc(s->got.p, s->got.len + n);
    memcpy(s->got.p + s->got.len, d, n);
    s->got.len += n;
    return 0;
}

/* a partial written as a stream is the same bytes, a failing writer is reported; the CSV
 * streamed by ranges from partials read counts-only is the merged result's */
static void test_partial_stream(void)
{
    uint64_t s1 = (uint64_t)file_size(1), r[2][2] = {{0, s1 / 2}, {s1 / 2, s1}};
    size_t n[4];
    unsigned char *b[4] = {part_file(0, NULL, &n[0]), part_file(1, r[0], &n[1]), part_file(1, r[1], &n[2]),
                           part_file(2, NULL, &n[3])};
    char err[256];
    scan_partial *p = part_read(b[3], n[3], 0);
    struct sink s = {{NULL, 0}, 0, 0};
    CHECK(p && !scan_partial_write_to(p, sink_put, &s, err, sizeof err));
    CHECK(s.got.len == n[3] && !memcmp(s.got.p, b[3], n[3]) && s.calls >= 3);
    free(s.got.p);
    struct sink f = {{NULL, 0}, 0, n[3] / 2};
    CHECK_INT(p ? scan_partial_write_to(p, sink_put, &f, err, sizeof err) : 0, -1);
    CHECK(strstr(err, "No space left") != NULL);
    free(f.got.p);
    scan_partial_free(p);
    char *want = csv_of(all);
    static const char *const per[] = {"1", "2", "1000"};
    for (int k = 0; k < 3; k++) {
        setenv("KLARTEXT_MERGE_RANGE", per[k], 1);
        scan_partial *ps[4];
        for (int i = 0; i < 4; i++) ps[i] = scan_partial_read_opt(b[3 - i], n[3 - i], (uint32_t)i, 1, err, sizeof err);
        char *got = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&got, &len);
        scan_result *res = NULL;
        uint32_t ta, tb;
        CHECK_INT(scan_partial_finish_csv(ps, 4, m, 2, &res, &ta, &tb, err, sizeof err), 0);
        fclose(m);
        CHECK_STR(got, want);
        struct scan_totals t1, t2;
        if (res) scan_result_totals(res, &t1);
        scan_result_totals(all, &t2);
        CHECK(res && t1.people == t2.people && t1.views == t2.views && t1.viewer_pairs == t2.viewer_pairs &&
              t1.records == t2.records && t1.lines == t2.lines);
        scan_result_free(res);
        free(got);
    }
    unsetenv("KLARTEXT_MERGE_RANGE");
    free(want);
    for (int i = 0; i < 4; i++) free(b[i]);
}

static void test_teardown(void)
{
    scan_result_free(pa);
    scan_result_free(pb);
    scan_result_free(pc);
    scan_result_free(all);
    scan_rule_free(rule);
    for (int k = 0; k < 3; k++) unlink(path_of(k));
    rmdir(tmpdir);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kt-merge.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    RUN(test_setup);
    RUN(test_associative);
    RUN(test_roundtrip);
    RUN(test_refuse_mismatch);
    RUN(test_keep_viewers_merge);
    RUN(test_counts_only);
    RUN(test_partial_files);
    RUN(test_partial_stream);
    RUN(test_teardown);
    return check_done();
}
