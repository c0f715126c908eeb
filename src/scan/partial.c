/* partial.c — partial scan files (scan.h, "partial files"): a scan's result with the pieces of
 * input it covers, self-checking; their merge, the duplicate and coverage checks, and the final
 * result with the malformed-line samples numbered in the whole file. */
#include "scan/scan_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PART_MAGIC "KTPARTIA"
#define PART_MAX (SIZE_MAX / 4)

struct psample {
    uint64_t line;
    char *reason;
};
struct piece {
    uint32_t index, tag;
    char *name;
    uint64_t size, start, end, lines;
    int has_sha;
    unsigned char sha[32];
    uint32_t nsamples;
    struct psample s[SCAN_MAX_SAMPLES];
};
struct scan_partial {
    scan_result *res;
    unsigned char digest[32], key_id[SCAN_KEY_ID_LEN];
    uint32_t flags;
    struct piece *pc;
    size_t npc, cap;
};

static struct piece *piece_new(scan_partial *p)
{
    if (p->npc == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->pc = xrealloc(p->pc, p->cap * sizeof *p->pc);
    }
    struct piece *q = &p->pc[p->npc++];
    memset(q, 0, sizeof *q);
    return q;
}

static void piece_release(struct piece *q)
{
    free(q->name);
    for (uint32_t i = 0; i < q->nsamples; i++) free(q->s[i].reason);
}

void scan_partial_free(scan_partial *p)
{
    if (!p) return;
    scan_result_free(p->res);
    for (size_t i = 0; i < p->npc; i++) piece_release(&p->pc[i]);
    free(p->pc);
    free(p);
}

const unsigned char *scan_partial_digest(const scan_partial *p)
{
    return p->digest;
}
const unsigned char *scan_partial_key_id(const scan_partial *p)
{
    return p->key_id;
}
uint32_t scan_partial_flags(const scan_partial *p)
{
    return p->flags;
}

scan_partial *scan_partial_from_result(scan_result *res, const struct scan_opts *range, int check_all, char *err,
                                       size_t errlen)
{
    scan_partial *p = xcalloc(1, sizeof *p);
    p->res = res;
    memcpy(p->digest, res_digest(res), 32);
    memcpy(p->key_id, res_key_id(res), SCAN_KEY_ID_LEN);
    p->flags = (res_keep_viewers(res) ? SCAN_PARTIAL_KEEP_VIEWERS : 0) | (check_all ? SCAN_PARTIAL_CHECK_ALL : 0);
    size_t nf = scan_result_files(res);
    if (range && range->has_range && nf != 1) {
        scan_partial_free(p);
        err_set(err, errlen, "a byte range needs exactly one input file");
        return NULL;
    }
    for (size_t i = 0; i < nf; i++) {
        struct scan_file f;
        scan_result_file(res, i, &f);
        struct piece *q = piece_new(p);
        q->index = f.index;
        q->name = xstrdup(f.name);
        q->size = f.size;
        q->start = range && range->has_range ? range->range_start : 0;
        q->end = range && range->has_range ? range->range_end : f.size;
        q->lines = f.lines;
        q->has_sha = f.has_sha256;
        memcpy(q->sha, f.sha256, 32);
        for (size_t k = 0; k < scan_result_samples(res); k++) {
            struct scan_sample sm;
            scan_result_sample(res, k, &sm);
            if (sm.file_index != f.index || strcmp(sm.file, f.name) || q->nsamples >= SCAN_MAX_SAMPLES) continue;
            q->s[q->nsamples].line = sm.line;
            q->s[q->nsamples].reason = xstrdup(sm.reason);
            q->nsamples++;
        }
    }
    res_clear_samples(res);
    return p;
}

/* ---- writing ---- */
struct pw {
    struct buf b;
    int failed;
};
static void pw_put(struct pw *w, const void *d, size_t n)
{
    if (buf_add(&w->b, d, n)) w->failed = 1;
}
static void pw_u64(struct pw *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    pw_put(w, b, 8);
}
static void pw_u32(struct pw *w, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
    pw_put(w, b, 4);
}
static void pw_str(struct pw *w, const char *s)
{
    size_t n = strlen(s);
    pw_u32(w, (uint32_t)n);
    pw_put(w, s, n);
}

/* the stream's bytes so far go into the checksum and out */
struct pstream {
    struct sha256_ctx sha;
    int (*put)(void *ctx, const void *d, size_t n);
    void *ctx;
};
static int ps_put(void *ctx, const void *d, size_t n)
{
    struct pstream *s = ctx;
    sha256_update(&s->sha, d, n);
    return s->put(s->ctx, d, n);
}

/* everything before the body, whose length is blen */
static int write_head(const scan_partial *p, uint64_t blen, struct pstream *s)
{
    struct pw w = {{0}, 0};
    buf_init(&w.b, PART_MAX);
    pw_put(&w, PART_MAGIC, 8);
    pw_u32(&w, SCAN_PARTIAL_VERSION);
    pw_put(&w, p->digest, 32);
    pw_put(&w, p->key_id, SCAN_KEY_ID_LEN);
    pw_u32(&w, p->flags);
    pw_u32(&w, (uint32_t)p->npc);
    for (size_t i = 0; i < p->npc; i++) {
        const struct piece *q = &p->pc[i];
        pw_u32(&w, q->index);
        pw_str(&w, q->name);
        pw_u64(&w, q->size);
        pw_u64(&w, q->start);
        pw_u64(&w, q->end);
        pw_u64(&w, q->lines);
        unsigned char hs = (unsigned char)(q->has_sha != 0);
        pw_put(&w, &hs, 1);
        pw_put(&w, q->sha, 32);
        pw_u32(&w, q->nsamples);
        for (uint32_t k = 0; k < q->nsamples; k++) {
            pw_u64(&w, q->s[k].line);
            pw_str(&w, q->s[k].reason);
        }
    }
    pw_u64(&w, blen);
    int rc = w.failed ? (errno = ENOMEM, -1) : ps_put(s, w.b.p, w.b.len);
    buf_release(&w.b);
    return rc;
}

int scan_partial_write_to(const scan_partial *p, int (*put)(void *ctx, const void *d, size_t n), void *ctx, char *err,
                          size_t errlen)
{
    struct pstream s = {.put = put, .ctx = ctx};
    sha256_init(&s.sha);
    if (write_head(p, res_serialized_len(p->res), &s)) return err_set(err, errlen, "%s", strerror(errno ? errno : EIO));
    if (res_serialize_to(p->res, ps_put, &s, err, errlen)) return -1;
    unsigned char sum[32];
    sha256_final(&s.sha, sum);
    if (put(ctx, sum, 32)) return err_set(err, errlen, "%s", strerror(errno ? errno : EIO));
    return 0;
}

static int to_buf(void *ctx, const void *d, size_t n)
{
    if (!buf_add(ctx, d, n)) return 0;
    errno = EFBIG;
    return -1;
}

int scan_partial_write(const scan_partial *p, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
    struct buf b;
    buf_init(&b, PART_MAX);
    if (scan_partial_write_to(p, to_buf, &b, err, errlen)) {
        buf_release(&b);
        return -1;
    }
    *outlen = b.len;
    *out = (unsigned char *)buf_detach(&b);
    return 0;
}

/* ---- reading ---- */
struct pr {
    const unsigned char *p;
    size_t n, off;
    int bad;
};
static void pr_get(struct pr *r, void *d, size_t n)
{
    if (r->bad || r->n - r->off < n) {
        r->bad = 1;
        memset(d, 0, n);
        return;
    }
    memcpy(d, r->p + r->off, n);
    r->off += n;
}
static uint64_t pr_u64(struct pr *r)
{
    unsigned char x[8];
    uint64_t v = 0;
    pr_get(r, x, 8);
    for (int i = 7; i >= 0; i--) v = v << 8 | x[i];
    return v;
}
static uint32_t pr_u32(struct pr *r)
{
    unsigned char x[4];
    uint32_t v = 0;
    pr_get(r, x, 4);
    for (int i = 3; i >= 0; i--) v = v << 8 | x[i];
    return v;
}
/* a NUL-free string (malloc'd), or NULL when it is not there */
static char *pr_str(struct pr *r)
{
    uint32_t n = pr_u32(r);
    if (r->bad || r->n - r->off < n || memchr(r->p + r->off, 0, n)) {
        r->bad = 1;
        return NULL;
    }
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, r->p + r->off, n);
    s[n] = 0;
    r->off += n;
    return s;
}

/* one piece into q; NULL or what is wrong */
static const char *read_piece(struct pr *r, struct piece *q)
{
    q->index = pr_u32(r);
    q->name = pr_str(r);
    q->size = pr_u64(r);
    q->start = pr_u64(r);
    q->end = pr_u64(r);
    q->lines = pr_u64(r);
    unsigned char hs = 0;
    pr_get(r, &hs, 1);
    q->has_sha = hs;
    pr_get(r, q->sha, 32);
    uint32_t ns = pr_u32(r);
    if (r->bad) return "partial is not canonical (truncated piece)";
    if (hs > 1 || q->start > q->end || q->end > q->size || ns > SCAN_MAX_SAMPLES)
        return "partial is not canonical (bad piece)";
    for (uint32_t k = 0; k < ns; k++) {
        q->s[k].line = pr_u64(r);
        q->s[k].reason = pr_str(r);
        if (r->bad) return "partial is not canonical (truncated piece)";
        q->nsamples = k + 1;
        if (k && q->s[k - 1].line > q->s[k].line) return "partial is not canonical (samples out of order)";
    }
    return NULL;
}

/* the header and pieces after the magic and version; NULL or what is wrong */
static const char *read_pieces(struct pr *r, scan_partial *p)
{
    pr_get(r, p->digest, 32);
    pr_get(r, p->key_id, SCAN_KEY_ID_LEN);
    p->flags = pr_u32(r);
    uint32_t n = pr_u32(r);
    if (r->bad) return "partial is not canonical (truncated header)";
    if (p->flags & ~(SCAN_PARTIAL_KEEP_VIEWERS | SCAN_PARTIAL_CHECK_ALL)) return "partial has unknown flags";
    if (n > (r->n - r->off) / 77) return "partial is not canonical (too many pieces)"; /* >= 77 bytes each */
    for (uint32_t i = 0; i < n; i++) {
        const char *why = read_piece(r, piece_new(p));
        if (why) return why;
    }
    return NULL;
}

scan_partial *scan_partial_read(const void *data, size_t len, uint32_t tag, char *err, size_t errlen)
{
    return scan_partial_read_opt(data, len, tag, 0, err, errlen);
}

scan_partial *scan_partial_read_opt(const void *data, size_t len, uint32_t tag, int counts_only, char *err,
                                    size_t errlen)
{
    const unsigned char *d = data;
    if (len < 8 || memcmp(d, PART_MAGIC, 8)) {
        err_set(err, errlen, "not a klartext partial scan");
        return NULL;
    }
    struct pr r = {d, len, 8, 0};
    uint32_t version = pr_u32(&r);
    if (r.bad) {
        err_set(err, errlen, "truncated or corrupted (checksum mismatch)");
        return NULL;
    }
    if (version != SCAN_PARTIAL_VERSION) {
        err_set(err, errlen, "format version %u, this klartext reads version %u", version, SCAN_PARTIAL_VERSION);
        return NULL;
    }
    unsigned char sum[32];
    if (len < 8 + 4 + 32) {
        err_set(err, errlen, "truncated or corrupted (checksum mismatch)");
        return NULL;
    }
    sha256_hash(d, len - 32, sum);
    if (memcmp(sum, d + len - 32, 32)) {
        err_set(err, errlen, "truncated or corrupted (checksum mismatch)");
        return NULL;
    }
    r.n = len - 32;
    scan_partial *p = xcalloc(1, sizeof *p);
    const char *why = read_pieces(&r, p);
    uint64_t blen = why ? 0 : pr_u64(&r);
    if (!why && (r.bad || blen != r.n - r.off)) why = "partial is not canonical (body length)";
    char e2[200];
    if (!why && !(p->res = res_deserialize(d + r.off, (size_t)blen, counts_only, e2, sizeof e2))) why = e2;
    if (!why && (memcmp(res_digest(p->res), p->digest, 32) || memcmp(res_key_id(p->res), p->key_id, SCAN_KEY_ID_LEN) ||
                 !res_keep_viewers(p->res) != !(p->flags & SCAN_PARTIAL_KEEP_VIEWERS) || scan_result_samples(p->res)))
        why = "partial is not canonical (header and body differ)";
    if (why) {
        err_set(err, errlen, "%s", why);
        scan_partial_free(p);
        return NULL;
    }
    for (size_t i = 0; i < p->npc; i++) p->pc[i].tag = tag;
    return p;
}

/* ---- merging ---- */
/* why a and p cannot be merged, or NULL */
static const char *mismatch(const scan_partial *a, const scan_partial *p)
{
    return memcmp(a->digest, p->digest, 32)                    ? "it was made with another rule"
           : memcmp(a->key_id, p->key_id, SCAN_KEY_ID_LEN)     ? "it was made with another viewer key"
           : (a->flags ^ p->flags) & SCAN_PARTIAL_KEEP_VIEWERS ? "one has raw viewers (--keep-viewers), the other not"
           : (a->flags ^ p->flags) & SCAN_PARTIAL_CHECK_ALL    ? "one was made with --check-all, the other not"
                                                               : NULL;
}

int scan_partial_merge_many(scan_partial **accp, scan_partial **ps, size_t n, char *err, size_t errlen)
{
    scan_partial *a = *accp;
    size_t i0 = 0;
    if (!a) {
        if (!n) return 0;
        a = ps[0];
        i0 = 1;
    }
    const char *why = NULL;
    for (size_t i = i0; i < n && !why; i++) why = mismatch(a, ps[i]);
    scan_result **rs = xmalloc((n + 1) * sizeof *rs);
    size_t nr = 0;
    rs[nr++] = a->res;
    for (size_t i = i0; i < n; i++) {
        rs[nr++] = ps[i]->res;
        ps[i]->res = NULL;
    }
    a->res = NULL;
    if (why) {
        for (size_t k = 0; k < nr; k++) scan_result_free(rs[k]);
        err_set(err, errlen, "%s", why);
    } else if (!(a->res = res_merge_all(rs, nr, err, errlen))) why = err;
    free(rs);
    for (size_t i = i0; i < n; i++) {
        if (!why) { /* the pieces move to a */
            for (size_t k = 0; k < ps[i]->npc; k++) *piece_new(a) = ps[i]->pc[k];
            ps[i]->npc = 0;
        }
        scan_partial_free(ps[i]);
    }
    if (why) {
        scan_partial_free(a);
        *accp = NULL;
        return -1;
    }
    *accp = a;
    return 0;
}

int scan_partial_merge(scan_partial **accp, scan_partial *p, char *err, size_t errlen)
{
    return scan_partial_merge_many(accp, &p, 1, err, errlen);
}

size_t scan_partial_bytes(const scan_partial *p)
{
    return res_bytes(p->res) + p->npc * sizeof *p->pc;
}

static int cmp_piece(const void *x, const void *y)
{
    const struct piece *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return a->tag < b->tag ? -1 : a->tag > b->tag;
}

static int cmp_piece_index(const void *x, const void *y)
{
    const struct piece *a = *(const struct piece *const *)x, *b = *(const struct piece *const *)y;
    if (a->index != b->index) return a->index < b->index ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int blame(const struct piece *a, const struct piece *b, uint32_t *ta, uint32_t *tb)
{
    *ta = a->tag;
    *tb = b->tag;
    return -1;
}

/* one index with two names */
static int check_indexes(scan_partial *p, uint32_t *ta, uint32_t *tb, char *err, size_t errlen)
{
    const struct piece **v = xmalloc((p->npc + 1) * sizeof *v);
    int rc = 0;
    for (size_t i = 0; i < p->npc; i++) v[i] = &p->pc[i];
    if (p->npc > 1) qsort(v, p->npc, sizeof *v, cmp_piece_index);
    for (size_t i = 1; i < p->npc && !rc; i++)
        if (v[i]->index == v[i - 1]->index && strcmp(v[i]->name, v[i - 1]->name)) {
            err_set(err, errlen,
                    "input %u is '%s' in one partial and '%s' in another (give each input its own --input-index)",
                    v[i]->index, v[i - 1]->name, v[i]->name);
            rc = blame(v[i - 1], v[i], ta, tb);
        }
    free(v);
    return rc;
}

int scan_partial_check(scan_partial *p, uint32_t *ta, uint32_t *tb, char *err, size_t errlen)
{
    *ta = *tb = UINT32_MAX;
    if (p->npc > 1) qsort(p->pc, p->npc, sizeof *p->pc, cmp_piece); /* a partial may have no piece: pc is NULL then */
    for (size_t i = 1; i < p->npc; i++) {
        const struct piece *a = &p->pc[i - 1], *b = &p->pc[i];
        if (strcmp(a->name, b->name)) continue;
        if (a->index != b->index) {
            err_set(err, errlen, "'%s' is input %u in one partial and input %u in another (the same input twice)",
                    a->name, a->index, b->index);
            return blame(a, b, ta, tb);
        }
        if (a->size != b->size) {
            err_set(err, errlen, "'%s' has %llu bytes in one partial and %llu in another (did it change?)", a->name,
                    (unsigned long long)a->size, (unsigned long long)b->size);
            return blame(a, b, ta, tb);
        }
        if (b->start < a->end || a->start == b->start) {
            err_set(err, errlen, "both hold '%s' bytes %llu-%llu (the same input twice)", a->name,
                    (unsigned long long)b->start, (unsigned long long)(a->end < b->end ? a->end : b->end));
            return blame(a, b, ta, tb);
        }
    }
    return check_indexes(p, ta, tb, err, errlen);
}

/* every file covered from 0 to its size; the samples back into p->res with whole-file lines */
static int cover_and_number(scan_partial *p, char *err, size_t errlen)
{
    uint64_t base = 0, at = 0;
    for (size_t i = 0; i < p->npc; i++) {
        const struct piece *q = &p->pc[i];
        int first = !i || strcmp(p->pc[i - 1].name, q->name);
        if (first) base = at = 0;
        if (q->start != at)
            return err_set(err, errlen, "'%s' bytes %llu-%llu are in no partial", q->name, (unsigned long long)at,
                           (unsigned long long)q->start);
        for (uint32_t k = 0; k < q->nsamples; k++)
            res_add_sample(p->res, q->index, q->name, base + q->s[k].line, q->s[k].reason);
        base += q->lines;
        at = q->end;
        int last = i + 1 == p->npc || strcmp(p->pc[i + 1].name, q->name);
        if (last && at != q->size)
            return err_set(err, errlen, "'%s' bytes %llu-%llu are in no partial", q->name, (unsigned long long)at,
                           (unsigned long long)q->size);
    }
    return 0;
}

int scan_partial_finish_csv(scan_partial **ps, size_t n, FILE *f, int threads, scan_result **out, uint32_t *ta,
                            uint32_t *tb, char *err, size_t errlen)
{
    *ta = *tb = UINT32_MAX;
    *out = NULL;
    scan_partial *p = ps[0];
    const char *why = NULL;
    for (size_t i = 1; i < n && !why; i++) why = mismatch(p, ps[i]);
    scan_result **rs = xmalloc((n + 1) * sizeof *rs), *meta = NULL;
    for (size_t i = 0; i < n; i++) {
        rs[i] = ps[i]->res;
        ps[i]->res = NULL;
        if (i) { /* the pieces move to p */
            for (size_t k = 0; k < ps[i]->npc; k++) *piece_new(p) = ps[i]->pc[k];
            ps[i]->npc = 0;
            scan_partial_free(ps[i]);
        }
    }
    int rc = -1;
    if (why) err_set(err, errlen, "cannot merge: %s", why);
    else if ((meta = res_merge_meta(rs, n, err, errlen))) {
        p->res = meta;
        if (!scan_partial_check(p, ta, tb, err, errlen) && !cover_and_number(p, err, errlen)) rc = 0;
        p->res = NULL;
    }
    scan_partial_free(p);
    struct scan_totals t;
    if (!rc && scan_write_csv_merged(rs, n, f, threads, &t)) rc = -2;
    for (size_t i = 0; i < n; i++) scan_result_free(rs[i]);
    free(rs);
    if (rc) {
        scan_result_free(meta);
        return rc;
    }
    res_set_people_totals(meta, &t);
    *out = meta;
    return 0;
}

scan_result *scan_partial_finish(scan_partial *p, uint32_t *ta, uint32_t *tb, char *err, size_t errlen)
{
    scan_result *res = NULL;
    if (!scan_partial_check(p, ta, tb, err, errlen) && !cover_and_number(p, err, errlen)) {
        res = p->res;
        p->res = NULL;
    }
    scan_partial_free(p);
    return res;
}
