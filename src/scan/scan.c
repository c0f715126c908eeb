/* scan.c — the scan driver: inputs are cut into work items (byte ranges of plain files, whole
 * compressed streams), worker threads read them into large buffers with read()/pread(),
 * find candidate lines with the rule's literal prefilter over whole buffers, parse only those
 * in full and aggregate into a per-thread struct agg. At the end the per-thread aggregates are
 * canonicalised and merged (the same merge that combines serialised partials). */
#include "scan/guard.h"
#include "scan/scan_int.h"
#include "util/err.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (512u << 10) /* bytes per read() into the line buffer */
#define CREAD_SIZE (256u << 10) /* compressed bytes per read() */
#define SPLIT_MIN (32ull << 20) /* plain files larger than this are split into ranges */
#define CHUNK_MIN (16ull << 20)

/* ---- SIMD helpers ---------------------------------------------------------------------- */
#if defined(__x86_64__)
__attribute__((target("avx2,popcnt"))) static size_t count_nl_avx2(const char *p, size_t n)
{
    size_t c = 0, i = 0;
    const __m256i nl = _mm256_set1_epi8('\n');
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 32));
        uint32_t ma = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nl));
        uint32_t mb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, nl));
        c += (size_t)_mm_popcnt_u64((uint64_t)mb << 32 | ma);
    }
    for (; i < n; i++) c += p[i] == '\n';
    return c;
}

static int have_avx2(void);

/* first/last-byte filter (W. Muła's "SIMD-friendly algorithms for substring searching") */
__attribute__((target("avx2,bmi"))) static const char *find_avx2(const char *h, size_t n, const char *nd, size_t m)
{
    if (m < 2 || n < m) return memmem(h, n, nd, m);
    const __m256i f = _mm256_set1_epi8(nd[0]), l = _mm256_set1_epi8(nd[m - 1]);
    size_t i = 0;
    for (; i + m - 1 + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(h + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(h + i + m - 1));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(a, f), _mm256_cmpeq_epi8(b, l)));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (!memcmp(h + i + bit + 1, nd + 1, m - 2)) return h + i + bit;
            mask = _blsr_u32(mask);
        }
    }
    return memmem(h + i, n - i, nd, m);
}
/* The fused pass: finds the first position where one of k <= 4 needles starts and counts
 * the newlines before it (adds to *nl), in one read of the data. NULL when none (then all
 * newlines of h[0..n) were counted). Each needle is tested first on two of its bytes (at
 * offsets o1 < o2), chosen per worker as the two rarest in the log (see fuse_tune). */
#define FUSE_MAX 4
struct fuse {
    int k;
    size_t maxm;
    const char *p[FUSE_MAX];
    size_t m[FUSE_MAX];
    size_t o1[FUSE_MAX], o2[FUSE_MAX];
};

static const char *find_count_scalar(const char *h, size_t n, const struct fuse *F, uint64_t *nl)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < F->k; k++)
            if (h[i] == F->p[k][0] && n - i >= F->m[k] && !memcmp(h + i, F->p[k], F->m[k])) {
                *nl += c;
                return h + i;
            }
        c += h[i] == '\n';
    }
    *nl += c;
    return NULL;
}

#if defined(__x86_64__)
/* 64 bytes per round (two AVX2 registers): newline bits and candidate bits as 64-bit masks */
__attribute__((target("avx2,popcnt,bmi"))) static const char *find_count_avx2(const char *h, size_t n,
                                                                              const struct fuse *F, uint64_t *nl)
{
    const __m256i nlv = _mm256_set1_epi8('\n');
    __m256i f[FUSE_MAX], l[FUSE_MAX];
    const int k = F->k;
    for (int j = 0; j < k; j++) {
        f[j] = _mm256_set1_epi8(F->p[j][F->o1[j]]);
        l[j] = _mm256_set1_epi8(F->p[j][F->o2[j]]);
    }
    uint64_t c = 0;
    size_t i = 0;
    if (n >= F->maxm + 63)
        for (; i + F->maxm - 1 + 64 <= n; i += 64) {
            const char *q = h + i;
            __m256i a0 = _mm256_loadu_si256((const __m256i *)q), a1 = _mm256_loadu_si256((const __m256i *)(q + 32));
            uint64_t nm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a0, nlv)) |
                          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a1, nlv)) << 32;
            __m256i x0 = _mm256_setzero_si256(), x1 = _mm256_setzero_si256();
            for (int j = 0; j < k; j++) {
                const char *q1 = q + F->o1[j], *q2 = q + F->o2[j];
                x0 = _mm256_or_si256(
                    x0, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)q1), f[j]),
                                         _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)q2), l[j])));
                x1 = _mm256_or_si256(
                    x1, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(q1 + 32)), f[j]),
                                         _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(q2 + 32)), l[j])));
            }
            uint64_t mask = (uint32_t)_mm256_movemask_epi8(x0) | (uint64_t)(uint32_t)_mm256_movemask_epi8(x1) << 32;
            while (mask) {
                unsigned bit = (unsigned)__builtin_ctzll(mask);
                for (int j = 0; j < k; j++)
                    if (!memcmp(q + bit, F->p[j], F->m[j])) {
                        c += (uint64_t)_mm_popcnt_u64(nm & ((1ull << bit) - 1));
                        *nl += c;
                        return q + bit;
                    }
                mask = _blsr_u64(mask);
            }
            c += (uint64_t)_mm_popcnt_u64(nm);
        }
    *nl += c;
    return find_count_scalar(h + i, n - i, F, nl);
}
#endif

/* pick, for each needle, the two byte positions whose bytes are rarest in a sample of the log
 * (a byte histogram; pairs assumed independent; ties: the wider pair). Speed only. */
static void fuse_tune(struct fuse *F, const char *sample, size_t n)
{
    uint32_t hist[256] = {0};
    if (n > (256u << 10)) n = 256u << 10;
    for (size_t i = 0; i < n; i++) hist[(unsigned char)sample[i]]++;
    for (int k = 0; k < F->k; k++) {
        size_t m = F->m[k], b1 = 0, b2 = m - 1;
        uint64_t best = UINT64_MAX;
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++) {
                uint64_t c = (uint64_t)(hist[(unsigned char)F->p[k][i]] + 1) * (hist[(unsigned char)F->p[k][j]] + 1);
                if (c < best || (c == best && j - i > b2 - b1)) {
                    best = c;
                    b1 = i;
                    b2 = j;
                }
            }
        F->o1[k] = b1;
        F->o2[k] = b2;
    }
}

static const char *find_count(const char *h, size_t n, const struct fuse *F, uint64_t *nl)
{
#if defined(__x86_64__)
    if (have_avx2()) return find_count_avx2(h, n, F, nl);
#endif
    return find_count_scalar(h, n, F, nl);
}

static int have_avx2(void)
{
    static int v = -1;
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi");
    }
    return v;
}
#endif

size_t scan_count_nl(const char *p, size_t n)
{
#if defined(__x86_64__)
    if (have_avx2()) return count_nl_avx2(p, n);
#endif
    size_t c = 0;
    for (const char *q = p, *e = p + n; (q = memchr(q, '\n', (size_t)(e - q))); q++) c++;
    return c;
}

const char *scan_find(const char *hay, size_t n, const char *needle, size_t m)
{
#if defined(__x86_64__)
    if (have_avx2()) return find_avx2(hay, n, needle, m);
#endif
    return memmem(hay, n, needle, m);
}

/* ---- job and workers -------------------------------------------------------------------- */
struct istats {
    uint64_t lines, parsed, matched, malformed, odd, oow, self, views, bytes_in, bytes_out;
    int nsamples;
    struct {
        uint64_t line;
        char reason[100];
    } samples[SCAN_MAX_SAMPLES];
    int fail; /* SCAN_EFAIL / SCAN_EINPUT when the item failed */
    char error[400];
    int has_sha;
    unsigned char sha[32];
};

enum { ITEM_RANGE = 1, ITEM_STREAM };

struct item {
    size_t file;
    int kind;
    uint64_t start, end;
    int last; /* the range ends at the file's size: never read past it */
    struct istats st;
    struct guard guard; /* what its first lines showed (guard.c) */
    /* w3c, cloudfront files cut into ranges: a range after the first starts with the layout
     * of the file's first #Fields directive; its results are kept apart (part) and the range
     * is read again when the directives before it said otherwise (job_check_layouts) */
    int own_agg;
    scan_result *part;
    struct w3c_layout w3c_start, w3c_last;
    int w3c_used, w3c_has_last;
};

struct jfile {
    const char *name;
    int fd, is_stdin, regular, comp, opened;
    uint64_t size;
    int64_t mtime;
    uint32_t index;
    char error[400];
    int fail; /* could not even be opened (keep_going) */
    int empty; /* no line but empty ones (and w3c directives) */
    struct w3c_layout w3c_head; /* w3c, cloudfront ranges: the first #Fields directive */
};

struct job {
    const scan_rule *rule;
    const struct scan_opts *o;
    struct jfile *files;
    size_t nfiles;
    struct item *items;
    size_t nitems;
    size_t *order, norder; /* the items to run, biggest first */
    scan_rule *alt[LF_NKIND]; /* the other formats, for the guard */
    atomic_size_t next;
    atomic_int stop;
    struct agg_mem mem; /* what the aggregates hold, against o->memory_limit */
    atomic_uint_fast64_t bytes_done, matches;
    uint64_t total;
    int check_all;
    int inline_progress;
    atomic_int spare; /* threads not needed as workers: pipelines may borrow them */
    struct timespec last_progress;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running;
};

struct worker {
    struct job *job;
    struct agg *agg;
    struct lf_state lf;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    char *buf;
    size_t len, cap;
    unsigned char *cbuf;
    int skipping;
    struct item *it;
    scan_result *part; /* the canonical partial of this worker, made at its end */
    struct fuse fuse;
    int fuse_ready;
    int producer; /* this struct stands for a pipeline's decompressing thread */
    struct guard_ctx gc;
    struct agg *saved; /* the worker's aggregate while an item has its own */
    pthread_t tid;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void malformed(struct worker *w, uint64_t line, const char *reason)
{
    struct istats *s = &w->it->st;
    s->malformed++;
    if (s->nsamples < SCAN_MAX_SAMPLES) {
        s->samples[s->nsamples].line = line;
        snprintf(s->samples[s->nsamples].reason, sizeof s->samples[0].reason, "%s", reason);
        s->nsamples++;
    }
}

static int status_ok(const struct rule_section *s, int st)
{
    if (!s->nst) return 1;
    for (int i = 0; i < s->nst; i++)
        if ((uint32_t)st >= s->st_lo[i] && (uint32_t)st <= s->st_hi[i]) return 1;
    return 0;
}

static int is_dash(struct lf_str s)
{
    return s.n == 0 || (s.n == 1 && s.p[0] == '-');
}

struct match {
    const char *s;
    size_t n;
    uint64_t fields;
    int sec;
};

static inline int regex_run(struct worker *w, const struct rule_section *s, struct lf_str t)
{
    return s->jit ? pcre2_jit_match(s->re, (PCRE2_SPTR)t.p, t.n, 0, 0, w->md, w->mctx)
                  : pcre2_match(s->re, (PCRE2_SPTR)t.p, t.n, 0, 0, w->md, w->mctx);
}

/* jsonl: the event's own fields as bits (added to the agg's field table once per line) */
static inline int event_fields(struct worker *w, const struct lf_line *L, uint64_t *bits, int *done)
{
    if (*done) return 0;
    for (int k = 0; k < L->nfields; k++) {
        int b = agg_field(w->agg, L->fields[k].p, L->fields[k].n);
        if (b < 0) return -1;
        *bits |= (uint64_t)1 << b;
    }
    *done = 1;
    return 0;
}

/* Does section s match line L? 1 with the subject and fields in *cur, 0 when not, -1 when
 * the line turned out malformed (recorded). */
static inline int section_match(struct worker *w, const struct rule_section *s, const struct lf_line *L,
                                uint64_t lineno, struct match *cur, uint64_t *ev_fields, int *ev_done)
{
    if (w->job->rule->kind == LF_JSONL) {
        if (s->re) {
            if (!L->has_where) return 0;
            int rc = regex_run(w, s, L->where);
            if (rc == PCRE2_ERROR_NOMATCH) return 0;
            if (rc < 0) goto limit;
        }
        cur->s = L->subject.p;
        cur->n = L->subject.n;
        if (!L->has_fields) cur->fields = s->fields;
        else if (event_fields(w, L, ev_fields, ev_done)) {
            malformed(w, lineno, "more than 64 distinct field names");
            return -1;
        } else cur->fields = *ev_fields;
        return 1;
    }
    int rc = regex_run(w, s, L->target);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) goto limit;
    cur->fields = s->fields;
    if (s->subj_xf >= 0) { /* subject = FIELD: '-', empty or absent is no exposure */
        struct lf_str v = L->xf[s->subj_xf];
        if (is_dash(v)) return 0;
        cur->s = v.p;
        cur->n = v.n;
        return 1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
    if (rc < 2 || ov[2] == PCRE2_UNSET || ov[3] <= ov[2]) return 0;
    cur->s = L->target.p + ov[2];
    cur->n = ov[3] - ov[2];
    return 1;
limit:
    malformed(w, lineno, "regex match failed (limit)");
    return -1;
}

/* the signed-in user a section sees on the line: its `user` FIELD or the format's user */
static inline struct lf_str section_user(const struct rule_section *s, const struct lf_line *L)
{
    return s->user_xf >= 0 ? L->xf[s->user_xf] : L->user;
}

/* every section against the line: the distinct subjects (fields united) into m; returns how
 * many, or -1 when the line is malformed (recorded) */
static inline int match_sections(struct worker *w, const struct lf_line *L, uint64_t lineno, struct match *m)
{
    const scan_rule *r = w->job->rule;
    int nm = 0, self = 0, ev_done = 0;
    uint64_t ev_fields = 0;
    for (int i = 0; i < r->nsec; i++) {
        const struct rule_section *s = &r->sec[i];
        struct match cur;
        if (s->method && (L->method.n != s->method_len || memcmp(L->method.p, s->method, s->method_len))) continue;
        if (s->nst && !status_ok(s, L->status)) continue;
        int k = section_match(w, s, L, lineno, &cur, &ev_fields, &ev_done);
        if (k < 0) return -1;
        if (!k) continue;
        if (s->self_user) {
            struct lf_str u = section_user(s, L);
            if (!is_dash(u) && u.n == cur.n && !memcmp(u.p, cur.s, cur.n)) {
                self = 1;
                continue;
            }
        }
        cur.sec = i;
        for (k = 0; k < nm; k++)
            if (m[k].n == cur.n && !memcmp(m[k].s, cur.s, cur.n)) {
                m[k].fields |= cur.fields;
                break;
            }
        if (k == nm) m[nm++] = cur;
    }
    if (self) w->it->st.self++;
    return nm;
}

/* who saw it, as section s identifies viewers; 0, or -1 when the section does not count the
 * line (viewer = user and nobody signed in) */
static inline int viewer_of(const struct rule_section *s, const struct lf_line *L, int *kind, struct lf_str *id)
{
    struct lf_str u = section_user(s, L);
    if (!is_dash(u) && s->viewer != VIEW_IP) {
        *kind = SCAN_VIEWER_USER;
        *id = u;
        return 0;
    }
    if (s->viewer == VIEW_USER) return -1; /* only signed-in requests count */
    *kind = SCAN_VIEWER_IP;
    *id = L->host;
    if (s->client_xf >= 0 && !is_dash(L->xf[s->client_xf])) {
        struct lf_str x = L->xf[s->client_xf];
        const char *c = memchr(x.p, ',', x.n);
        size_t n = c ? (size_t)(c - x.p) : x.n;
        const char *p = x.p;
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (n) {
            id->p = p;
            id->n = n;
        }
    }
    if (!id->p) {
        id->p = "-";
        id->n = 1;
    }
    return 0;
}

/* the views of the matched subjects into the worker's aggregate */
static inline void count_views(struct worker *w, const struct lf_line *L, const struct match *m, int nm,
                               uint64_t lineno)
{
    const scan_rule *r = w->job->rule;
    struct istats *st = &w->it->st;
    /* the page: the target (jsonl: where) up to the first '?' */
    struct lf_str page = r->kind == LF_JSONL ? L->where : L->target;
    if (page.p) {
        const char *q = memchr(page.p, '?', page.n);
        if (q) page.n = (size_t)(q - page.p);
    } else page.n = 0;
    if (memchr(page.p ? page.p : "", 0, page.n)) {
        malformed(w, lineno, "NUL byte in the request");
        return;
    }
    int counted = 0;
    for (int k = 0; k < nm; k++) {
        int kind;
        struct lf_str id;
        if (viewer_of(&r->sec[m[k].sec], L, &kind, &id)) continue;
        if (memchr(m[k].s, 0, m[k].n) || memchr(id.p, 0, id.n)) {
            malformed(w, lineno, "NUL byte in a field");
            return;
        }
        if (agg_add(w->agg, m[k].s, m[k].n, L->t, page.p, page.n, m[k].fields, kind, id.p, id.n)) {
            malformed(w, lineno, "cannot hash the viewer");
            return;
        }
        st->views++;
        counted = 1;
    }
    if (counted) st->matched++;
}

static void process_line(struct worker *w, const char *line, size_t len, uint64_t lineno)
{
    const scan_rule *r = w->job->rule;
    struct istats *st = &w->it->st;
    struct lf_line L;
    const char *reason;
    if (len > SCAN_MAX_LINE) {
        malformed(w, lineno, "line longer than 1 MiB");
        return;
    }
    int rc = lf_parse(r, &w->lf, line, len, &L, &reason);
    if (rc == LF_DIRECTIVE) return; /* w3c, cloudfront: not a request */
    st->parsed++;
    if (rc) {
        malformed(w, lineno, reason);
        return;
    }
    if (L.has_request && L.odd) {
        st->odd++;
        return;
    }
    if ((r->has_from && L.t < r->from) || (r->has_until && L.t >= r->until)) {
        st->oow++;
        return;
    }
    struct match m[SCAN_MAX_SECTIONS];
    int nm = match_sections(w, &L, lineno, m);
    if (nm > 0) count_views(w, &L, m, nm, lineno);
}

/* the first lines of an item go through the format guard too */
static void guard_block(struct worker *w, const char *b, size_t n)
{
    struct guard *g = &w->it->guard;
    const char *p = b, *end = b + n;
    while (p < end && !g->done) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (!le) le = end;
        if ((size_t)(le - p) > SCAN_MAX_LINE) guard_long_line(g);
        else guard_line(g, &w->gc, w->job->rule, p, (size_t)(le - p));
        p = le + 1;
    }
}

/* w3c, cloudfront: the directive lines in [from, to) (whole lines of a block that starts at b),
 * so that a #Fields: change is in force for the candidate lines after it. The prefilter does
 * not look for them: a memchr for '#' is cheaper than a second needle in the fused pass. */
static void directives(struct worker *w, const char *b, const char *from, const char *to)
{
    for (const char *q = from; q < to && (q = memchr(q, '#', (size_t)(to - q))); q++) {
        if (q != b && q[-1] != '\n') continue;
        const char *le = memchr(q, '\n', (size_t)(to - q));
        if (!le) le = to;
        process_line(w, q, (size_t)(le - q), 0);
        q = le;
    }
}

/* every line parsed (check_all, or a rule without needles) */
static void process_all(struct worker *w, const char *b, const char *end)
{
    struct istats *st = &w->it->st;
    for (const char *p = b; p < end;) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (!le) le = end;
        st->lines++;
        process_line(w, p, (size_t)(le - p), st->lines);
        p = le + 1;
    }
}

/* up to FUSE_MAX needles: one pass finds candidates and counts newlines together */
static void process_fused(struct worker *w, const char *b, const char *end, int w3c)
{
    const scan_rule *r = w->job->rule;
    struct istats *st = &w->it->st;
    struct fuse *F = &w->fuse;
    if (!w->fuse_ready) {
        F->k = r->nneedles;
        F->maxm = 0;
        for (int k = 0; k < F->k; k++) {
            F->p[k] = r->needles[k];
            F->m[k] = r->needle_len[k];
            if (F->m[k] > F->maxm) F->maxm = F->m[k];
        }
        fuse_tune(F, b, (size_t)(end - b));
        w->fuse_ready = 1;
    }
    const char *p = b;
    uint64_t ln = st->lines;
    for (;;) {
        const char *hit = find_count(p, (size_t)(end - p), F, &ln);
        if (!hit) break;
        const char *ls = hit > p ? memrchr(p, '\n', (size_t)(hit - p)) : NULL;
        ls = ls ? ls + 1 : p;
        const char *le = memchr(hit, '\n', (size_t)(end - hit));
        if (!le) le = end;
        if (w3c) directives(w, b, p, ls);
        process_line(w, ls, (size_t)(le - ls), ln + 1);
        if (le == end) {
            p = end;
            break;
        }
        ln++;
        p = le + 1;
    }
    if (w3c) directives(w, b, p, end);
    if (end[-1] != '\n') ln++;
    st->lines = ln;
}

/* more needles: one search per needle, newlines counted between candidates */
static void process_multi(struct worker *w, const char *b, const char *end, int w3c)
{
    const scan_rule *r = w->job->rule;
    struct istats *st = &w->it->st;
    const char *nxt[2 * SCAN_MAX_SECTIONS + 1];
    int nn = r->nneedles;
    size_t n = (size_t)(end - b);
    for (int k = 0; k < nn; k++) nxt[k] = scan_find(b, n, r->needles[k], r->needle_len[k]);
    const char *p = b, *counted = b;
    uint64_t ln = st->lines;
    for (;;) {
        const char *hit = NULL;
        for (int k = 0; k < nn; k++)
            if (nxt[k] && (!hit || nxt[k] < hit)) hit = nxt[k];
        if (!hit) break;
        const char *ls = hit > p ? memrchr(p, '\n', (size_t)(hit - p)) : NULL;
        ls = ls ? ls + 1 : p;
        const char *le = memchr(hit, '\n', (size_t)(end - hit));
        if (!le) le = end;
        ln += scan_count_nl(counted, (size_t)(ls - counted));
        counted = ls;
        if (w3c) directives(w, b, p, ls);
        process_line(w, ls, (size_t)(le - ls), ln + 1);
        p = le < end ? le + 1 : end;
        for (int k = 0; k < nn; k++)
            if (nxt[k] && nxt[k] < p) nxt[k] = scan_find(p, (size_t)(end - p), r->needles[k], r->needle_len[k]);
    }
    if (w3c) directives(w, b, p, end);
    ln += scan_count_nl(counted, (size_t)(end - counted));
    if (end[-1] != '\n') ln++;
    st->lines = ln;
}

/* a block of whole lines (the last one may lack its '\n' only at the end of input) */
static void process_block(struct worker *w, const char *b, size_t n)
{
    const scan_rule *r = w->job->rule;
    if (!n) return;
    if (!w->it->guard.done) guard_block(w, b, n);
    int w3c = r->kind == LF_W3C || r->kind == LF_CLOUDFRONT;
    if (w->job->check_all || !r->nneedles) process_all(w, b, b + n);
    else if (r->nneedles <= FUSE_MAX) process_fused(w, b, b + n, w3c);
    else process_multi(w, b, b + n, w3c);
}

static void long_line(struct worker *w)
{
    struct istats *st = &w->it->st;
    guard_long_line(&w->it->guard);
    st->lines++;
    malformed(w, st->lines, "line longer than 1 MiB");
}

/* n new bytes were written at buf + len */
static void sink_commit(struct worker *w, size_t n)
{
    char *b = w->buf;
    size_t old = w->len;
    w->len += n;
    if (!n) return;
    if (w->skipping) {
        const char *nl = memchr(b + old, '\n', n);
        if (!nl) {
            w->len = old;
            return;
        }
        size_t drop = (size_t)(nl - b) + 1;
        memmove(b, b + drop, w->len - drop);
        w->len -= drop;
        w->skipping = 0;
        old = 0;
        if (!w->len) return;
    }
    const char *last = memrchr(b + old, '\n', w->len - old);
    if (!last) {
        if (w->len > SCAN_MAX_LINE) {
            long_line(w);
            w->skipping = 1;
            w->len = 0;
        }
        return;
    }
    size_t blk = (size_t)(last - b) + 1, s = 0;
    if (old) { /* only the line carried over can be longer than the limit */
        const char *first = memchr(b + old, '\n', w->len - old);
        if ((size_t)(first - b) > SCAN_MAX_LINE) {
            long_line(w);
            s = (size_t)(first - b) + 1;
        }
    }
    process_block(w, b + s, blk - s);
    memmove(b, b + blk, w->len - blk);
    w->len -= blk;
    if (w->len > SCAN_MAX_LINE) {
        long_line(w);
        w->skipping = 1;
        w->len = 0;
    }
}

/* n bytes at data (preceded by at least SCAN_MAX_LINE + 64 writable bytes of headroom, where
 * the carried partial line is put back in front): the pipeline's zero-copy variant */
static void sink_external(struct worker *w, char *data, size_t n)
{
    if (!n) return;
    if (w->skipping) {
        const char *nl = memchr(data, '\n', n);
        if (!nl) return;
        size_t drop = (size_t)(nl - data) + 1;
        data += drop;
        n -= drop;
        w->skipping = 0;
        if (!n) return;
    }
    char *last = memrchr(data, '\n', n);
    if (!last) {
        if (w->len + n > SCAN_MAX_LINE) {
            long_line(w);
            w->skipping = 1;
            w->len = 0;
        } else {
            memcpy(w->buf + w->len, data, n);
            w->len += n;
        }
        return;
    }
    char *start = data - w->len;
    memcpy(start, w->buf, w->len);
    size_t s = 0;
    if (w->len) {
        const char *first = memchr(data, '\n', n);
        if ((size_t)(first - start) > SCAN_MAX_LINE) {
            long_line(w);
            s = (size_t)(first - start) + 1;
        }
    }
    process_block(w, start + s, (size_t)(last + 1 - start) - s);
    size_t tail = (size_t)(data + n - (last + 1));
    if (tail > SCAN_MAX_LINE) {
        long_line(w);
        w->skipping = 1;
        w->len = 0;
        return;
    }
    memcpy(w->buf, last + 1, tail);
    w->len = tail;
}

static void sink_end(struct worker *w)
{
    if (!w->skipping && w->len) {
        if (w->len > SCAN_MAX_LINE) long_line(w);
        else process_block(w, w->buf, w->len);
    }
    w->len = 0;
    w->skipping = 0;
}

/* bytes read so far (any thread); the callback runs only on the thread that called scan_run */
static void progress_tick(struct worker *w, uint64_t bytes)
{
    struct job *j = w->job;
    if (bytes) atomic_fetch_add_explicit(&j->bytes_done, bytes, memory_order_relaxed);
    if (j->inline_progress && j->o->progress && !w->producer) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double dt = (double)(ts.tv_sec - j->last_progress.tv_sec) +
                    (double)(ts.tv_nsec - j->last_progress.tv_nsec) / 1e9;
        if (dt >= 0.2) {
            j->last_progress = ts;
            j->o->progress(j->o->progress_ctx, atomic_load(&j->bytes_done), j->total,
                           atomic_load(&j->matches) + w->it->st.matched);
        }
    }
}

static void item_fail(struct worker *w, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void item_fail(struct worker *w, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->it->st.error, sizeof w->it->st.error, fmt, ap);
    va_end(ap);
    w->it->st.fail = code;
    if (!w->job->o->keep_going) atomic_store(&w->job->stop, 1);
}

static void run_range(struct worker *w, struct item *it)
{
    struct jfile *f = &w->job->files[it->file];
    uint64_t pos = it->start ? it->start - 1 : 0, end = it->end;
    int skip = it->start > 0;
    for (;;) {
        if (atomic_load_explicit(&w->job->stop, memory_order_relaxed)) break;
        size_t want = READ_SIZE;
        if (it->last) {
            if (pos >= end) break;
            if (end - pos < want) want = (size_t)(end - pos);
        }
        char *space = w->buf + w->len;
        ssize_t n = pread(f->fd, space, want, (off_t)pos);
        if (n < 0) {
            if (errno == EINTR) continue;
            item_fail(w, SCAN_EFAIL, "cannot read '%s': %s", f->name, strerror(errno));
            return;
        }
        if (n == 0) break;
        pos += (uint64_t)n;
        progress_tick(w, (uint64_t)n);
        size_t dn = (size_t)n;
        if (skip) {
            const char *nl = memchr(space, '\n', dn);
            if (!nl) {
                if (pos >= end) goto done;
                continue;
            }
            size_t drop = (size_t)(nl - space) + 1;
            if (pos - dn + drop >= end) goto done; /* no line starts in this range */
            memmove(space, space + drop, dn - drop);
            dn -= drop;
            skip = 0;
        }
        if (!it->last && pos >= end) {
            uint64_t off0 = pos - dn;
            size_t from = end - 1 >= off0 ? (size_t)(end - 1 - off0) : 0;
            const char *nl = from < dn ? memchr(space + from, '\n', dn - from) : NULL;
            if (nl) {
                sink_commit(w, (size_t)(nl - space) + 1);
                break;
            }
        }
        sink_commit(w, dn);
    }
    sink_end(w);
done:
    it->st.bytes_in = it->end - it->start;
    it->st.bytes_out = it->st.bytes_in;
}

/* stdin, pipes: the compression from the first bytes (read up to 8 of them into dst after
 * the *n there are); 0, or -1 when the item failed */
static int stream_detect(struct worker *w, struct jfile *f, unsigned char *dst, ssize_t *n, int *comp)
{
    char e2[200];
    size_t have = (size_t)*n;
    while (have < 8) {
        ssize_t m = read(f->fd, dst + have, 8 - have);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) break;
        have += (size_t)m;
    }
    *n = (ssize_t)have;
    if (in_detect(dst, have, comp, e2, sizeof e2)) {
        item_fail(w, SCAN_EINPUT, "cannot read '%s': %s", f->name, e2);
        return -1;
    }
    f->comp = *comp;
    if (*comp != IN_NONE) memcpy(w->cbuf, dst, have);
    return 0;
}

/* n compressed bytes in w->cbuf (the file's bytes up to *off) through the decoder into the
 * lines; *out counts the log bytes. 0, or -1 when the item failed. */
static int stream_decode(struct worker *w, struct jfile *f, struct in_dec *d, size_t n, uint64_t off, uint64_t *out)
{
    char e2[200];
    const unsigned char *in = w->cbuf;
    size_t inlen = n;
    for (;;) {
        size_t cap = w->cap - w->len;
        if (cap > READ_SIZE) cap = READ_SIZE;
        long m = in_dec_run(d, &in, &inlen, (unsigned char *)w->buf + w->len, cap, e2, sizeof e2);
        if (m < 0) {
            item_fail(w, SCAN_EINPUT, "cannot decompress '%s' at byte %llu: %s", f->name,
                      (unsigned long long)(off - (uint64_t)n + (uint64_t)(in - w->cbuf)), e2);
            return -1;
        }
        *out += (uint64_t)m;
        sink_commit(w, (size_t)m);
        if (!inlen && (size_t)m < cap) return 0;
    }
}

/* end of input: what the decoder still holds, then a clean end of the stream? */
static int stream_flush(struct worker *w, struct jfile *f, struct in_dec *d, uint64_t off, uint64_t *out)
{
    char e2[200];
    for (;;) {
        const unsigned char *in = w->cbuf;
        size_t inlen = 0, cap = w->cap - w->len;
        if (cap > READ_SIZE) cap = READ_SIZE;
        long m = in_dec_run(d, &in, &inlen, (unsigned char *)w->buf + w->len, cap, e2, sizeof e2);
        if (m <= 0) break;
        *out += (uint64_t)m;
        sink_commit(w, (size_t)m);
    }
    if (in_dec_finish(d, e2, sizeof e2)) {
        item_fail(w, SCAN_EINPUT, "cannot decompress '%s' at byte %llu: %s", f->name, (unsigned long long)off, e2);
        return -1;
    }
    return 0;
}

static void run_stream(struct worker *w, struct item *it)
{
    struct job *j = w->job;
    struct jfile *f = &j->files[it->file];
    int comp = f->comp, detected = !f->is_stdin && f->regular;
    struct in_dec *d = NULL;
    struct sha256_ctx sha;
    uint64_t off = 0, out = 0;
    if (j->o->hash_inputs) sha256_init(&sha);
    if (!detected) comp = IN_NONE;
    for (;;) {
        if (atomic_load_explicit(&j->stop, memory_order_relaxed)) goto out;
        unsigned char *dst = comp == IN_NONE ? (unsigned char *)w->buf + w->len : w->cbuf;
        size_t want = comp != IN_NONE || !detected ? CREAD_SIZE : READ_SIZE;
        ssize_t n = f->regular ? pread(f->fd, dst, want, (off_t)off) : read(f->fd, dst, want);
        if (n < 0) {
            if (errno == EINTR) continue;
            item_fail(w, SCAN_EFAIL, "cannot read '%s': %s", f->name, strerror(errno));
            goto out;
        }
        if (n == 0) break;
        if (!detected) {
            if (stream_detect(w, f, dst, &n, &comp)) goto out;
            detected = 1;
        }
        off += (uint64_t)n;
        progress_tick(w, (uint64_t)n);
        if (j->o->hash_inputs) sha256_update(&sha, comp == IN_NONE ? dst : w->cbuf, (size_t)n);
        if (comp == IN_NONE) {
            out += (uint64_t)n;
            sink_commit(w, (size_t)n);
            continue;
        }
        if (!d && !(d = in_dec_new(comp))) {
            item_fail(w, SCAN_EFAIL, "cannot start decompressing '%s'", f->name);
            goto out;
        }
        if (stream_decode(w, f, d, (size_t)n, off, &out)) goto out;
    }
    if (d && stream_flush(w, f, d, off, &out)) goto out;
    sink_end(w);
    if (j->o->hash_inputs) {
        sha256_final(&sha, it->st.sha);
        it->st.has_sha = 1;
    }
out:
    if (it->st.fail) {
        w->len = 0;
        w->skipping = 0;
    }
    it->st.bytes_in = off;
    it->st.bytes_out = out;
    in_dec_free(d);
}

/* ---- pipeline: one thread reads (and decompresses, and hashes), the worker parses ---- */
#define PIPE_NB 4
#define PIPE_BLK (1u << 20)
#define PIPE_HEAD ((size_t)SCAN_MAX_LINE + 64)

struct pipe {
    struct worker *w, pw; /* the consumer, and a stand-in worker for the producer */
    struct item *it;
    struct jfile *f;
    char *mem[PIPE_NB];
    size_t len[PIPE_NB];
    int head, count, done, quit;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t off, out;
    unsigned char *cbuf;
};

static int pipe_slot(struct pipe *P)
{
    pthread_mutex_lock(&P->mu);
    while (P->count == PIPE_NB && !P->quit) pthread_cond_wait(&P->cv, &P->mu);
    int slot = P->quit ? -1 : (P->head + P->count) % PIPE_NB;
    pthread_mutex_unlock(&P->mu);
    return slot;
}

static void pipe_push(struct pipe *P, int slot, size_t n)
{
    pthread_mutex_lock(&P->mu);
    P->len[slot] = n;
    P->count++;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
}

static void *pipe_producer(void *arg)
{
    struct pipe *P = arg;
    struct worker *w = &P->pw;
    struct job *j = w->job;
    struct jfile *f = P->f;
    struct in_dec *d = NULL;
    struct sha256_ctx sha;
    const unsigned char *in = NULL;
    size_t inlen = 0, fill = 0;
    int slot = -1, hashing = j->o->hash_inputs;
    char e2[200];
    if (hashing) sha256_init(&sha);
    if (f->comp != IN_NONE && !(d = in_dec_new(f->comp))) {
        item_fail(w, SCAN_EFAIL, "cannot start decompressing '%s'", f->name);
        goto end;
    }
    for (;;) {
        if (atomic_load_explicit(&j->stop, memory_order_relaxed)) goto end;
        if (slot < 0 && (slot = pipe_slot(P)) < 0) goto end;
        char *dst = P->mem[slot] + PIPE_HEAD;
        if (!d || !inlen) {
            unsigned char *rd = d ? P->cbuf : (unsigned char *)dst + fill;
            size_t want = d ? CREAD_SIZE : PIPE_BLK - fill;
            ssize_t n = pread(f->fd, rd, want, (off_t)P->off);
            if (n < 0) {
                if (errno == EINTR) continue;
                item_fail(w, SCAN_EFAIL, "cannot read '%s': %s", f->name, strerror(errno));
                goto end;
            }
            if (n == 0) break;
            if (hashing) sha256_update(&sha, rd, (size_t)n);
            P->off += (uint64_t)n;
            progress_tick(w, (uint64_t)n);
            if (!d) {
                fill += (size_t)n;
                P->out += (uint64_t)n;
                if (fill == PIPE_BLK) {
                    pipe_push(P, slot, fill);
                    slot = -1;
                    fill = 0;
                }
                continue;
            }
            in = P->cbuf;
            inlen = (size_t)n;
        }
        long m = in_dec_run(d, &in, &inlen, (unsigned char *)dst + fill, PIPE_BLK - fill, e2, sizeof e2);
        if (m < 0) {
            item_fail(w, SCAN_EINPUT, "cannot decompress '%s' at byte %llu: %s", f->name,
                      (unsigned long long)(P->off - inlen), e2);
            goto end;
        }
        fill += (size_t)m;
        P->out += (uint64_t)m;
        if (fill == PIPE_BLK) {
            pipe_push(P, slot, fill);
            slot = -1;
            fill = 0;
        }
    }
    if (d) { /* end of input: what the decoder still holds, then a clean end? */
        for (;;) {
            if (slot < 0 && (slot = pipe_slot(P)) < 0) goto end;
            const unsigned char *e_in = P->cbuf;
            size_t e_len = 0;
            long m = in_dec_run(d, &e_in, &e_len, (unsigned char *)P->mem[slot] + PIPE_HEAD + fill, PIPE_BLK - fill, e2,
                                sizeof e2);
            if (m <= 0) break;
            fill += (size_t)m;
            P->out += (uint64_t)m;
            if (fill == PIPE_BLK) {
                pipe_push(P, slot, fill);
                slot = -1;
                fill = 0;
            }
        }
        if (in_dec_finish(d, e2, sizeof e2)) {
            item_fail(w, SCAN_EINPUT, "cannot decompress '%s' at byte %llu: %s", f->name, (unsigned long long)P->off,
                      e2);
            goto end;
        }
    }
    if (hashing) {
        sha256_final(&sha, P->it->st.sha);
        P->it->st.has_sha = 1;
    }
end:
    /* what was decoded (also before an error: those lines count, as on the plain path) */
    if (slot >= 0 && fill) pipe_push(P, slot, fill);
    in_dec_free(d);
    pthread_mutex_lock(&P->mu);
    P->done = 1;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
    return NULL;
}

/* 0 when the item was handled; -1 when no pipeline could be set up (run it plainly) */
static int run_stream_piped(struct worker *w, struct item *it)
{
    struct pipe *P = xcalloc(1, sizeof *P);
    P->w = w;
    P->it = it;
    P->f = &w->job->files[it->file];
    P->pw = *w;
    P->pw.producer = 1;
    P->pw.it = it;
    for (int i = 0; i < PIPE_NB; i++) P->mem[i] = xmalloc(PIPE_HEAD + PIPE_BLK);
    P->cbuf = xmalloc(CREAD_SIZE);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv, NULL);
    pthread_t tid;
    int rc = -1;
    if (pthread_create(&tid, NULL, pipe_producer, P)) goto out;
    rc = 0;
    for (;;) {
        pthread_mutex_lock(&P->mu);
        while (!P->count && !P->done) pthread_cond_wait(&P->cv, &P->mu);
        if (!P->count) {
            pthread_mutex_unlock(&P->mu);
            break;
        }
        int slot = P->head;
        size_t n = P->len[slot];
        pthread_mutex_unlock(&P->mu);
        sink_external(w, P->mem[slot] + PIPE_HEAD, n);
        progress_tick(w, 0);
        pthread_mutex_lock(&P->mu);
        P->head = (P->head + 1) % PIPE_NB;
        P->count--;
        if (atomic_load_explicit(&w->job->stop, memory_order_relaxed)) P->quit = 1;
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
    pthread_join(tid, NULL);
    if (it->st.fail) {
        w->len = 0;
        w->skipping = 0;
    } else sink_end(w);
    it->st.bytes_in = P->off;
    it->st.bytes_out = P->out;
out:
    for (int i = 0; i < PIPE_NB; i++) free(P->mem[i]);
    free(P->cbuf);
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->cv);
    free(P);
    return rc;
}

static int take_spare(struct job *j)
{
    int s = atomic_load(&j->spare);
    while (s > 0)
        if (atomic_compare_exchange_weak(&j->spare, &s, s - 1)) return 1;
    return 0;
}

/* an item starts: its parser and guard states; a range of its own gets its own aggregate */
static void item_begin(struct worker *w, struct item *it)
{
    struct job *j = w->job;
    w->it = it;
    w->len = 0;
    w->skipping = 0;
    w->lf.w3c = it->w3c_start;
    w->lf.w3c_dirs = w->lf.w3c_data = 0;
    guard_begin(&it->guard, &w->gc, it->start == 0, &it->w3c_start);
    if (it->own_agg) {
        w->saved = w->agg;
        w->agg = agg_new(j->rule, j->o->viewer_key, j->o->keep_viewers, j->o->counts_only, &j->mem);
    }
}

static void item_end(struct worker *w, struct item *it)
{
    it->w3c_used = w->lf.w3c_data || w->gc.own.w3c_data;
    it->w3c_has_last = w->lf.w3c_dirs > 0;
    if (it->w3c_has_last) it->w3c_last = w->lf.w3c;
    if (it->own_agg) {
        it->part = agg_finish(w->agg);
        w->agg = w->saved;
        w->saved = NULL;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct job *j = w->job;
    for (;;) {
        size_t k = atomic_fetch_add(&j->next, 1);
        if (k >= j->norder || atomic_load(&j->stop)) break;
        struct item *it = &j->items[j->order[k]];
        item_begin(w, it);
        if (it->kind == ITEM_RANGE) run_range(w, it);
        else if (j->files[it->file].regular && take_spare(j)) {
            if (run_stream_piped(w, it)) run_stream(w, it);
            atomic_fetch_add(&j->spare, 1);
        } else run_stream(w, it);
        item_end(w, it);
        atomic_fetch_add(&j->matches, it->st.matched);
    }
    /* canonicalise here, in parallel with the other workers (once: a second round of items
     * has aggregates of its own) */
    if (w->agg && !atomic_load(&j->mem.over)) { /* over the memory limit: nothing to finish */
        w->part = agg_finish(w->agg);
        w->agg = NULL;
    }
    pthread_mutex_lock(&j->mu);
    j->running--;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

void scan_opts_init(struct scan_opts *o)
{
    memset(o, 0, sizeof *o);
}

static int cmp_order(const void *x, const void *y, void *ctx)
{
    const struct job *j = ctx;
    const struct item *a = &j->items[*(const size_t *)x], *b = &j->items[*(const size_t *)y];
    /* biggest work first (compressed streams weigh more), then input order */
    uint64_t wa = (a->end - a->start) * (j->files[a->file].comp != IN_NONE ? 4 : 1);
    uint64_t wb = (b->end - b->start) * (j->files[b->file].comp != IN_NONE ? 4 : 1);
    if (wa != wb) return wa > wb ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static void file_close_all(struct job *j)
{
    for (size_t i = 0; i < j->nfiles; i++)
        if (j->files[i].opened && !j->files[i].is_stdin) close(j->files[i].fd);
}

/* Opens one input: records in f why it cannot be read (f->fail), else its kind, size and
 * (for a regular file) its compression from the magic bytes. */
static void file_open(struct jfile *f, const char *path)
{
    struct stat sb;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        snprintf(f->error, sizeof f->error, "cannot open '%s': %s", path, strerror(errno));
        f->fail = SCAN_EFAIL;
        return;
    }
    f->opened = 1;
    if (fstat(f->fd, &sb)) {
        snprintf(f->error, sizeof f->error, "cannot read '%s': %s", path, strerror(errno));
        f->fail = SCAN_EFAIL;
        return;
    }
    if (S_ISDIR(sb.st_mode)) {
        snprintf(f->error, sizeof f->error, "cannot read '%s': is a directory", path);
        f->fail = SCAN_EFAIL;
        return;
    }
    f->regular = S_ISREG(sb.st_mode);
    f->size = f->regular ? (uint64_t)sb.st_size : 0;
    f->mtime = (int64_t)sb.st_mtime;
    if (!f->regular) return;
    unsigned char mg[8];
    ssize_t n = pread(f->fd, mg, sizeof mg, 0);
    char e2[200];
    if (n < 0) {
        snprintf(f->error, sizeof f->error, "cannot read '%s': %s", path, strerror(errno));
        f->fail = SCAN_EFAIL;
    } else if (in_detect(mg, (size_t)n, &f->comp, e2, sizeof e2)) {
        snprintf(f->error, sizeof f->error, "cannot read '%s': %s", path, e2);
        f->fail = SCAN_EINPUT;
    }
}

/* Opens every input ("-" is standard input, once). A file that cannot be read stops the scan
 * (its code and err), unless o->keep_going: then it is only recorded. SCAN_OK or the code. */
static int job_open_files(struct job *j, const char *const *paths, size_t npaths, const struct scan_opts *o, char *err,
                          size_t errlen)
{
    int nstdin = 0;
    for (size_t i = 0; i < npaths; i++) {
        struct jfile *f = &j->files[i];
        f->name = o->input_name && npaths == 1 ? o->input_name : paths[i];
        f->index = o->file_index_base + (uint32_t)i;
        f->fd = -1;
        if (!strcmp(paths[i], "-")) {
            if (nstdin++) {
                err_set(err, errlen, "'-' (standard input) given more than once");
                return SCAN_EINPUT;
            }
            f->is_stdin = 1;
            f->fd = 0;
            f->opened = 1;
            continue;
        }
        file_open(f, paths[i]);
        if (f->fail && f->name != paths[i]) { /* the message names the input as it is to be known */
            char why[sizeof f->error];
            snprintf(why, sizeof why, "%s", f->error);
            snprintf(f->error, sizeof f->error, "'%s': %.300s", f->name, why);
        }
        if (f->fail && !o->keep_going) {
            err_set(err, errlen, "%s", f->error);
            return f->fail;
        }
    }
    return SCAN_OK;
}

/* o->has_range: one plain regular file, a range inside it, a format without directives */
static int job_check_range(const struct job *j, const struct scan_opts *o, char *err, size_t errlen)
{
    if (!o->has_range) return SCAN_OK;
    const struct jfile *f = &j->files[0];
    const char *why = j->nfiles != 1                                              ? "needs exactly one input file"
                      : j->rule->kind == LF_W3C || j->rule->kind == LF_CLOUDFRONT ? "cannot cut w3c or cloudfront logs"
                      : o->hash_inputs                                            ? "cannot be used with --hash-inputs"
                      : f->fail                                                   ? NULL
                      : !f->regular || f->comp != IN_NONE ? "needs a plain (uncompressed) regular file"
                      : o->range_start > o->range_end || o->range_end > f->size   ? "lies outside the file"
                      : o->range_start == o->range_end && o->range_end != f->size ? "is empty"
                                                                                  : NULL;
    if (!why) return SCAN_OK;
    err_set(err, errlen, "byte range %llu-%llu of '%s' %s", (unsigned long long)o->range_start,
            (unsigned long long)o->range_end, f->name, why);
    return SCAN_EINPUT;
}

/* worker threads: o->threads, else one per core; 1 to 256 */
static int job_threads(const struct scan_opts *o)
{
    int T = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (T < 1) T = 1;
    if (T > 256) T = 256;
    return T;
}

/* how many byte ranges a file is cut into */
static uint64_t file_chunks(const struct jfile *f, const struct scan_opts *o, int T, uint64_t split)
{
    uint64_t nch = 1;
    if (f->regular && f->comp == IN_NONE && !o->hash_inputs && T > 1) {
        if (split) nch = (f->size + split - 1) / split;
        else if (f->size > SPLIT_MIN) {
            uint64_t cs = f->size / ((uint64_t)T * 4);
            if (cs < CHUNK_MIN) cs = CHUNK_MIN;
            nch = (f->size + cs - 1) / cs;
        }
        if (nch < 1) nch = 1;
        if (nch > 100000) nch = 100000;
    }
    return nch;
}

/* w3c, cloudfront: the layout of the file's first #Fields directive (in its first 64 KiB),
 * which the ranges after the first start with */
static void w3c_head(const scan_rule *r, struct jfile *f)
{
    enum { HEAD = 64 << 10 };
    char *b = xmalloc(HEAD);
    ssize_t n = pread(f->fd, b, HEAD, 0);
    const char *why;
    for (const char *p = b, *e = b + (n > 0 ? n : 0); p < e;) {
        const char *le = memchr(p, '\n', (size_t)(e - p));
        if (!le) break;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r') len--;
        if (len >= 8 && !memcmp(p, "#Fields:", 8)) {
            lf_w3c_layout(r, p + 8, len - 8, &f->w3c_head, &why);
            break;
        }
        p = le + 1;
    }
    free(b);
}

static struct item *new_item(struct job *j, size_t *cap)
{
    if (j->nitems == *cap) {
        *cap *= 2;
        j->items = xrealloc(j->items, *cap * sizeof *j->items);
    }
    struct item *it = &j->items[j->nitems++];
    memset(it, 0, sizeof *it);
    return it;
}

/* Cuts the inputs into work items: a plain regular file into byte ranges (more than one when
 * it is large and T > 1), anything else into one stream; then orders them biggest first. */
static void job_plan(struct job *j, const struct scan_opts *o, int T)
{
    uint64_t split = o->split_bytes;
    int w3c = j->rule->kind == LF_W3C || j->rule->kind == LF_CLOUDFRONT;
    if (!split) {
        const char *e = getenv("KLARTEXT_SCAN_SPLIT");
        if (e && *e) split = strtoull(e, NULL, 10);
    }
    size_t cap = 16;
    j->items = xcalloc(cap, sizeof *j->items);
    for (size_t i = 0; i < j->nfiles; i++) {
        struct jfile *f = &j->files[i];
        if (f->fail) continue;
        /* a range (o->has_range, checked by job_check_range) is cut as a file of its length */
        uint64_t r0 = o->has_range ? o->range_start : 0, span = o->has_range ? o->range_end - r0 : f->size;
        struct jfile sized = *f;
        sized.size = span;
        j->total += span;
        uint64_t nch = file_chunks(&sized, o, T, split);
        if (w3c && nch > 1) w3c_head(j->rule, f);
        for (uint64_t c = 0; c < nch; c++) {
            struct item *it = new_item(j, &cap);
            it->file = i;
            if (nch > 1 || (f->regular && f->comp == IN_NONE && !o->hash_inputs)) {
                it->kind = ITEM_RANGE;
                it->start = r0 + span * c / nch;
                it->end = r0 + span * (c + 1) / nch;
                it->last = c + 1 == nch && r0 + span == f->size;
            } else {
                it->kind = ITEM_STREAM;
                it->start = 0;
                it->end = f->size;
            }
            if (w3c && c > 0) {
                it->own_agg = 1;
                it->w3c_start = f->w3c_head;
            }
        }
    }
    j->order = xmalloc((j->nitems + 1) * sizeof *j->order);
    for (size_t i = 0; i < j->nitems; i++) j->order[i] = i;
    j->norder = j->nitems;
    qsort_r(j->order, j->nitems, sizeof *j->order, cmp_order, j);
}

/* nw workers, each with its aggregate, line parser state, PCRE2 match data and buffers */
static struct worker *workers_new(struct job *j, const scan_rule *rule, const struct scan_opts *o, int nw)
{
    struct worker *ws = xcalloc((size_t)nw, sizeof *ws);
    for (int i = 0; i < nw; i++) {
        struct worker *w = &ws[i];
        w->job = j;
        w->agg = agg_new(rule, o->viewer_key, o->keep_viewers, o->counts_only, &j->mem);
        lf_state_init(&w->lf);
        guard_ctx_init(&w->gc, j->alt);
        w->md = pcre2_match_data_create((uint32_t)rule->max_capture + 1, NULL);
        /* a private JIT stack (32 KiB, growing to 1 MiB) and bounded backtracking */
        w->mctx = pcre2_match_context_create(NULL);
        w->jstack = pcre2_jit_stack_create(32 << 10, 1 << 20, NULL);
        if (w->mctx) {
            if (w->jstack) pcre2_jit_stack_assign(w->mctx, NULL, w->jstack);
            /* a pathological regex (e.g. (a+)+$ on a long target) gives up, and the line is
             * counted as malformed "regex match failed (limit)": SCAN_MATCH_LIMIT steps of
             * backtracking; without JIT at most SCAN_HEAP_LIMIT KiB of backtracking frames */
            pcre2_set_match_limit(w->mctx, SCAN_MATCH_LIMIT);
            pcre2_set_depth_limit(w->mctx, SCAN_MATCH_LIMIT);
            pcre2_set_heap_limit(w->mctx, SCAN_HEAP_LIMIT);
        }
        w->cap = SCAN_MAX_LINE + READ_SIZE + 1;
        w->buf = xmalloc(w->cap);
        w->cbuf = xmalloc(CREAD_SIZE + 16);
    }
    return ws;
}

static void workers_free(struct worker *ws, int nw)
{
    for (int i = 0; i < nw; i++) {
        agg_free(ws[i].agg);
        scan_result_free(ws[i].part);
        lf_state_release(&ws[i].lf);
        guard_ctx_release(&ws[i].gc);
        pcre2_match_data_free(ws[i].md);
        pcre2_match_context_free(ws[i].mctx);
        pcre2_jit_stack_free(ws[i].jstack);
        free(ws[i].buf);
        free(ws[i].cbuf);
    }
    free(ws);
}

/* Runs the workers: one on this thread, or nw threads while this one reports progress every
 * 0.2 s; a thread that cannot be created has its share done here afterwards. */
static void job_run(struct job *j, struct worker *ws, int nw, const struct scan_opts *o)
{
    clock_gettime(CLOCK_MONOTONIC, &j->last_progress);
    if (nw == 1) {
        j->inline_progress = 1;
        j->running = 1;
        worker_main(&ws[0]);
        return;
    }
    j->running = nw;
    for (int i = 0; i < nw; i++)
        if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i])) {
            /* run what could not be started on this thread later: mark as not running */
            pthread_mutex_lock(&j->mu);
            j->running--;
            pthread_mutex_unlock(&j->mu);
            ws[i].tid = 0;
        }
    pthread_mutex_lock(&j->mu);
    while (j->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&j->cv, &j->mu, &ts);
        if (o->progress && j->running > 0) {
            pthread_mutex_unlock(&j->mu);
            o->progress(o->progress_ctx, atomic_load(&j->bytes_done), j->total, atomic_load(&j->matches));
            pthread_mutex_lock(&j->mu);
        }
    }
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; i < nw; i++)
        if (ws[i].tid) pthread_join(ws[i].tid, NULL);
    /* if a thread could not be created, finish its share here */
    for (int i = 0; i < nw; i++)
        if (!ws[i].tid && atomic_load(&j->next) < j->norder && !atomic_load(&j->stop)) {
            j->running = 1;
            worker_main(&ws[i]);
        }
}

/* Without keep_going, the first item that failed, in file order, is the scan's error. */
static int job_first_error(const struct job *j, const struct scan_opts *o, char *err, size_t errlen)
{
    for (size_t i = 0; i < j->nfiles; i++) {
        if (j->files[i].fail) continue; /* keep_going: recorded with the files */
        for (size_t k = 0; k < j->nitems; k++)
            if (j->items[k].file == i && j->items[k].st.fail && !o->keep_going) {
                err_set(err, errlen, "%s", j->items[k].st.error);
                return j->items[k].st.fail;
            }
    }
    return SCAN_OK;
}

/* The per-thread aggregates and the items' own merged (a left fold of the associative merge);
 * NULL + err. */
static scan_result *job_merge(struct job *j, struct worker *ws, int nw, char *err, size_t errlen)
{
    scan_result *res = NULL;
    for (size_t k = 0; k < j->nitems; k++) {
        scan_result *p = j->items[k].part;
        j->items[k].part = NULL;
        if (!p) continue;
        if (!res) res = p;
        else if (!(res = res_merge_consume(res, p, err, errlen))) return NULL;
    }
    for (int i = 0; i < nw; i++) {
        scan_result *p = ws[i].part;
        ws[i].part = NULL;
        if (!p) {
            p = agg_finish(ws[i].agg);
            ws[i].agg = NULL;
        }
        if (!res) {
            res = p;
            continue;
        }
        res = res_merge_consume(res, p, err, errlen);
        if (!res) return NULL;
    }
    return res;
}

/* Each input's counts (the sum of its items), malformed-line samples and error into res. */
static void job_add_files(struct job *j, scan_result *res)
{
    for (size_t i = 0; i < j->nfiles; i++) {
        struct jfile *f = &j->files[i];
        struct res_file rf;
        memset(&rf, 0, sizeof rf);
        rf.index = f->index;
        rf.name = (char *)f->name;
        rf.compression = in_comp_name(f->comp);
        rf.size = f->size;
        rf.mtime = f->mtime;
        rf.empty = f->empty;
        if (f->fail) {
            rf.error = f->error;
            res_add_file(res, &rf);
            continue;
        }
        uint64_t base = 0;
        for (size_t k = 0; k < j->nitems; k++) {
            struct item *it = &j->items[k];
            if (it->file != i) continue;
            struct istats *s = &it->st;
            rf.bytes_in += s->bytes_in;
            rf.bytes_out += s->bytes_out;
            rf.lines += s->lines;
            rf.lines_parsed += s->parsed;
            rf.lines_matched += s->matched;
            rf.malformed += s->malformed;
            rf.odd_requests += s->odd;
            rf.out_of_window += s->oow;
            rf.self_views += s->self;
            rf.views += s->views;
            if (s->has_sha) {
                rf.has_sha256 = 1;
                memcpy(rf.sha256, s->sha, 32);
            }
            if (s->fail && !rf.error) rf.error = s->error;
            for (int q = 0; q < s->nsamples; q++)
                res_add_sample(res, f->index, f->name, base + s->samples[q].line, s->samples[q].reason);
            base += s->lines;
        }
        res_add_file(res, &rf);
    }
}

/* ---- after the first round: w3c layouts, the format guard ---- */

/* w3c, cloudfront ranges that started with a layout other than the one the directives before
 * them leave in force, and read a line with it, are read again: their indexes go to
 * j->order; returns how many */
static size_t job_check_layouts(struct job *j)
{
    size_t n = 0;
    struct w3c_layout actual;
    for (size_t k = 0; k < j->nitems; k++) {
        struct item *it = &j->items[k];
        if (!k || it->file != j->items[k - 1].file) memset(&actual, 0, sizeof actual);
        if (it->own_agg && it->w3c_used && memcmp(&it->w3c_start, &actual, sizeof actual)) {
            scan_result_free(it->part);
            it->part = NULL;
            memset(&it->st, 0, sizeof it->st);
            it->w3c_start = actual;
            j->order[n++] = k;
        }
        if (it->w3c_has_last) actual = it->w3c_last;
    }
    return n;
}

/* a plain file read from its start again, when its first lines were cut into several items:
 * the other formats tried on them, as one item at the start of a file does */
static void guard_reread(struct job *j, struct jfile *f, struct guard *g)
{
    enum { CHUNK = 1 << 20, LIMIT = 256 << 20 };
    struct guard_ctx c;
    struct w3c_layout none;
    memset(&none, 0, sizeof none);
    guard_ctx_init(&c, j->alt);
    guard_begin(g, &c, 1, &none);
    char *b = xmalloc((size_t)SCAN_MAX_LINE + CHUNK + 1);
    size_t len = 0;
    uint64_t off = 0;
    int skipping = 0;
    while (!g->done && off < LIMIT) {
        ssize_t n = pread(f->fd, b + len, CHUNK, (off_t)off);
        if (n <= 0) break;
        off += (uint64_t)n;
        len += (size_t)n;
        char *p = b, *e = b + len, *le;
        while (!g->done && (le = memchr(p, '\n', (size_t)(e - p)))) {
            if (!skipping) guard_line(g, &c, j->rule, p, (size_t)(le - p));
            skipping = 0;
            p = le + 1;
        }
        len = (size_t)(e - p);
        memmove(b, p, len);
        if (len > SCAN_MAX_LINE) { /* a line too long: it does not parse; skip to its end */
            if (!skipping) guard_long_line(g);
            skipping = 1;
            len = 0;
        }
    }
    if (!g->done && len && !skipping) guard_line(g, &c, j->rule, b, len);
    free(b);
    guard_ctx_release(&c);
}

/* One file's verdict from its items' guards: 0 (its first lines parse, or it is empty: then
 * f->empty), or SCAN_EINPUT with the message in err */
static int file_guard(struct job *j, size_t fi, char *err, size_t errlen)
{
    struct jfile *f = &j->files[fi];
    uint32_t remaining = GUARD_LINES, total = 0;
    unsigned alts = 0;
    int exact = 1;
    for (size_t k = 0; k < j->nitems && remaining; k++) {
        const struct guard *g = &j->items[k].guard;
        if (j->items[k].file != fi || !g->seen) continue;
        if (g->first_ok >= 0 && (uint32_t)g->first_ok < remaining) return SCAN_OK;
        if (!g->try_alts) exact = 0; /* lines of the window were not tried in other formats */
        for (int a = 0; a < LF_NKIND; a++)
            if (g->alt_first[a] >= 0 && (uint32_t)g->alt_first[a] < remaining) alts |= 1u << a;
        uint32_t take = g->seen < remaining ? g->seen : remaining;
        total += take;
        remaining -= take;
    }
    if (!total) {
        f->empty = 1;
        return SCAN_OK;
    }
    if (!exact) {
        struct guard g;
        guard_reread(j, f, &g);
        alts = 0;
        for (int a = 0; a < LF_NKIND; a++)
            if (g.alt_first[a] >= 0) alts |= 1u << a;
    }
    char msg[600];
    guard_message(msg, sizeof msg, f->is_stdin ? "standard input" : f->name, j->rule, total, alts);
    err_set(err, errlen, "%s", msg);
    return SCAN_EINPUT;
}

/* every file's guard, in file order: the first that fails is the scan's error */
static int job_guard(struct job *j, char *err, size_t errlen)
{
    for (size_t i = 0; i < j->nfiles; i++) {
        if (j->files[i].fail) continue;
        int rc = file_guard(j, i, err, errlen);
        if (rc) return rc;
    }
    return SCAN_OK;
}

/* the merged result with its files and run data; strict: the first malformed line is an error */
static int job_result(struct job *j, struct worker *ws, int nw, double t0, scan_result **out, char *err, size_t errlen)
{
    const struct scan_opts *o = j->o;
    scan_result *res = NULL;
    int rc = job_first_error(j, o, err, errlen); /* errors first, in file order */
    if (rc == SCAN_OK) rc = job_guard(j, err, errlen);
    if (rc == SCAN_OK && !(res = job_merge(j, ws, nw, err, errlen))) rc = SCAN_EFAIL;
    if (rc == SCAN_OK) {
        job_add_files(j, res);
        res_set_run(res, now_s() - t0, nw);
        if (o->strict && scan_result_samples(res)) {
            struct scan_sample sm;
            scan_result_sample(res, 0, &sm);
            err_set(err, errlen, "cannot parse '%s' line %llu: %s", sm.file, (unsigned long long)sm.line, sm.reason);
            scan_result_free(res);
            res = NULL;
            rc = SCAN_EINPUT;
        }
    }
    *out = res;
    return rc;
}

static void mbytes(uint64_t n, char *out, size_t len)
{
    if (n >= (uint64_t)10 << 30) snprintf(out, len, "%.1f GiB", (double)n / (1 << 30));
    else snprintf(out, len, "%.0f MiB", (double)n / (1 << 20));
}

/* SCAN_EFAIL: the aggregates grew past what --memory-limit allows; the figures in err */
static int memory_error(struct job *j, char *err, size_t errlen)
{
    char held[32], peak[32], lim[32], done[32], total[32];
    uint64_t h = atomic_load(&j->mem.bytes);
    mbytes(h, held, sizeof held);
    mbytes(agg_mem_peak(h), peak, sizeof peak);
    mbytes(j->mem.limit, lim, sizeof lim);
    mbytes(atomic_load(&j->bytes_done), done, sizeof done);
    mbytes(j->total, total, sizeof total);
    err_set(err, errlen,
            "the scan stopped at the memory limit: after %s of %s of log the people and (person, viewer) "
            "pairs found hold %s, and finishing the scan would take about %s, more than --memory-limit %s; "
            "nothing was written or stored (give a higher --memory-limit on a machine that has the memory; "
            "docs/performance.md gives the bytes per person and per pair)",
            done, j->total ? total : "an unknown size", held, peak, lim);
    return SCAN_EFAIL;
}

int scan_run(const scan_rule *rule, const char *const *paths, size_t npaths, const struct scan_opts *o,
             scan_result **out, char *err, size_t errlen)
{
    struct job j;
    double t0 = now_s();
    *out = NULL;
    if (errlen) err[0] = 0;
    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return SCAN_EFAIL;
    }
    if (!npaths) {
        err_set(err, errlen, "no log files given");
        return SCAN_EINPUT;
    }
    memset(&j, 0, sizeof j);
    j.rule = rule;
    j.o = o;
    j.mem.limit = o->memory_limit;
    j.mem.stop = &j.stop;
    j.check_all = o->check_all;
    j.files = xcalloc(npaths, sizeof *j.files);
    j.nfiles = npaths;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    guard_rules_new(rule, j.alt);
    int rc = job_open_files(&j, paths, npaths, o, err, errlen);
    if (rc == SCAN_OK) rc = job_check_range(&j, o, err, errlen);
    if (rc != SCAN_OK) goto fail;
    int T = job_threads(o);
    job_plan(&j, o, T);
    int nw = (size_t)T < j.nitems ? T : (int)j.nitems;
    if (nw < 1) nw = 1;
    atomic_init(&j.spare, T - nw);
    struct worker *ws = workers_new(&j, rule, o, nw);
    job_run(&j, ws, nw, o);
    if ((rule->kind == LF_W3C || rule->kind == LF_CLOUDFRONT) && !atomic_load(&j.stop) &&
        (j.norder = job_check_layouts(&j))) {
        atomic_store(&j.next, 0);
        job_run(&j, ws, nw, o); /* the ranges whose layout was not the one assumed */
    }
    if (o->progress) o->progress(o->progress_ctx, atomic_load(&j.bytes_done), j.total, atomic_load(&j.matches));
    if (atomic_load(&j.mem.over)) rc = memory_error(&j, err, errlen);
    else rc = job_result(&j, ws, nw, t0, out, err, errlen);
    workers_free(ws, nw);
    free(j.order);
fail:
    for (size_t k = 0; k < j.nitems; k++) scan_result_free(j.items[k].part);
    file_close_all(&j);
    free(j.items);
    free(j.files);
    guard_rules_free(j.alt);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    return rc;
}
