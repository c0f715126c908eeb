/* agg.c — aggregation of views per person and per (person, viewer), the canonical result,
 * its associative merge and its serialisation.
 *
 * A worker thread owns one `struct agg` (hash tables, no locks). agg_finish turns it into a
 * canonical scan_result: every list sorted bytewise, so that results merge with a linear
 * merge-join and serialise identically whatever the thread count or merge order. */
#include "scan/scan_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- huge pages ----
 * At millions of people the hash tables, the permutation into id order and the strings written
 * out are read at random, and with 4 KiB pages nearly every such read is a TLB miss as well as
 * a cache miss (on a virtual machine a TLB miss walks two sets of page tables). Transparent huge
 * pages are usually in "madvise" mode: the kernel gives 2 MiB pages only where asked, and we ask
 * only for memory that is written all over anyway, so that no more is touched than with small
 * pages. KLARTEXT_NO_HUGE_PAGES=1 asks for none (to compare). */
#define HUGE_PAGE ((size_t)2 << 20)

/* bytes of zeroed memory at a 2 MiB boundary, huge pages asked for; munmap(p, bytes) frees */
static void *huge_map(size_t bytes)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    bytes = (bytes + pg - 1) & ~(pg - 1);
    char *m = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        fputs("klartext: out of memory\n", stderr); /* as xalloc does */
        exit(1);
    }
    char *t = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (t > m) munmap(m, (size_t)(t - m));
    munmap(t + bytes, HUGE_PAGE - (size_t)(t - m));
    madvise(t, bytes, MADV_HUGEPAGE);
    return t;
}

/* ---- string arena (stable pointers) ---- */
struct ablk {
    struct ablk *next;
    size_t used, cap;
    int mapped; /* huge_map'd */
    char data[];
};
struct arena {
    struct ablk *head;
    struct ablk *spare; /* blocks made ready to be filled before any new one is made */
    int huge; /* large blocks on huge pages once the arena is large */
    unsigned nfull; /* blocks of 1 MiB made */
};

/* blocks of 64 KiB, doubling to 1 MiB: a small result (a partial of a few people, read by
 * `scan merge` or the fuzzer) does not touch a mebibyte per result. An aggregate's arena that
 * has made 16 blocks of 1 MiB goes on in blocks of 8 MiB on huge pages: its strings are read
 * at random when the people are written out in id order (and with 4 KiB pages each such
 * read is a TLB miss too). Blocks are filled from the front: a huge page is touched only
 * when a string is put in it. */
static char *arena_alloc(struct arena *a, size_t n)
{
    struct ablk *b = a->head;
    if ((!b || b->cap - b->used < n) && a->spare && a->spare->cap >= n) {
        b = a->spare;
        a->spare = b->next;
        b->next = a->head;
        a->head = b;
    }
    if (!b || b->cap - b->used < n) {
        size_t want = !b ? (64u << 10) : b->cap >= (1u << 20) ? (1u << 20) : b->cap * 2;
        int big = a->huge && a->nfull >= 16 && n <= (1u << 20);
        if (!big && want == (1u << 20)) a->nfull++;
        size_t cap = big ? 4 * HUGE_PAGE - sizeof *b : n > want ? n : want;
        b = big ? huge_map(sizeof *b + cap) : xmalloc(sizeof *b + cap);
        b->cap = cap;
        b->used = 0;
        b->mapped = big;
        b->next = a->head;
        a->head = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

/* a block of n bytes (on huge pages from 8 MiB, as an arena's large blocks) for the arena to
 * fill after the spare blocks it has */
static void arena_spare_new(struct arena *a, size_t n)
{
    int big = a->huge && n >= 4 * HUGE_PAGE;
    struct ablk *b = big ? huge_map(sizeof *b + n) : xmalloc(sizeof *b + n);
    b->cap = n;
    b->used = 0;
    b->mapped = big;
    struct ablk **e = &a->spare;
    while (*e) e = &(*e)->next;
    b->next = NULL;
    *e = b;
}

static void blocks_free(struct ablk *b)
{
    for (struct ablk *n; b; b = n) {
        n = b->next;
        if (b->mapped) munmap(b, sizeof *b + b->cap);
        else free(b);
    }
}

static char *arena_dup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* moves all of src's blocks into dst (strings keep their addresses) */
static void arena_adopt(struct arena *dst, struct arena *src)
{
    blocks_free(src->spare); /* never filled: nothing points into them */
    src->spare = NULL;
    if (!src->head) return;
    struct ablk *b = src->head;
    while (b->next) b = b->next;
    b->next = dst->head;
    dst->head = src->head;
    src->head = NULL;
}

static void arena_free(struct arena *a)
{
    blocks_free(a->head);
    blocks_free(a->spare);
    a->head = a->spare = NULL;
}

/* ---- giving memory back behind a front-to-back read ----
 * An array that is read once from its start and then freed (a consumed result in the merge,
 * an aggregate's pairs when they are sorted) gives its pages back to the kernel every MiB
 * behind the reader: at the peak a phase holds about one copy of what it moves, not two. The
 * pages must never be read again; free() of the array stays valid (glibc's chunk headers lie
 * outside the whole pages given back). */
struct behind {
    const char *base;
    size_t done; /* bytes from base given back (page-aligned end) */
};

static void give_back(struct behind *g, const void *base, size_t upto)
{
    static size_t pg;
    if (!pg) pg = (size_t)sysconf(_SC_PAGESIZE);
    if (!base) return;
    if (g->base != base) {
        g->base = base;
        g->done = 0;
    }
    uintptr_t lo = ((uintptr_t)g->base + g->done + pg - 1) & ~(uintptr_t)(pg - 1);
    uintptr_t hi = ((uintptr_t)g->base + upto) & ~(uintptr_t)(pg - 1);
    if (hi <= lo || hi - lo < ((size_t)1 << 20)) return;
    madvise((void *)lo, hi - lo, MADV_DONTNEED);
    g->done = hi - (uintptr_t)g->base;
}

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    /* FNV-1a 64 with a final mix; only for table placement, never for output order */
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* ---- working aggregation ---- */
struct asubj {
    const char *id;
    const char *page1; /* the first page seen (most people have one): NULL = none */
    uint32_t len, page1_len;
    uint32_t page_head; /* the other pages: index+1 into pages, 0 = none */
    int64_t first, last;
    uint64_t views, fields;
};
struct apage {
    const char *p;
    uint32_t len;
    uint32_t next;
};
/* A (person, viewer) pair, in the aggregate and in the result: what distinct viewers are
 * counted by (24 bytes). What the register keeps of each pair besides is in a pstat at the
 * same index, kept only when the scan's caller wants it (not for a CSV alone). */
struct apair {
    uint32_t subj;
    uint8_t kind;
    uint8_t h[SCAN_HASH_LEN];
};
struct pstat {
    uint64_t views;
    int64_t first, last;
    const char *raw; /* the identity, with keep_viewers */
};
struct ahour {
    int64_t hour;
    uint64_t views;
};

/* A view waiting in the agg's batch: hashed, not yet counted. Its strings are copied into the
 * batch (the caller's may live in a per-line scratch buffer). While the tables are small (they
 * live in the cache) a batch is AGG_BATCH views, their slots prefetched as they come; once a
 * table is AGG_SORTED_SLOTS slots or more, a batch is AGG_BATCH_MAX views, counted in the order
 * of their slots in the person table and then in the order of their slots in the pair table
 * (see agg_flush). */
#define AGG_BATCH 16
#define AGG_BATCH_MAX 2048
#define AGG_BATCH_BYTES (192u << 10)
#define AGG_SORTED_SLOTS ((uint32_t)1 << 17) /* 1 MiB of slots */
#define AGG_SORT_BITS 10 /* the batch is sorted by the top 10 bits of a slot's place */
struct pending {
    uint64_t sh, ph, fields;
    int64_t t;
    uint32_t subj, subj_len, page, page_len, ident, ident_len; /* offsets into qbuf */
    uint32_t si; /* the person's index, once counted */
    int kind;
    uint8_t h[SCAN_HASH_LEN];
};

struct agg {
    int keep_viewers;
    int huge; /* tables of 2 MiB and more on huge pages (KLARTEXT_NO_HUGE_PAGES: not) */
    int stats; /* keep a pstat per pair */
    struct agg_mem *mem; /* NULL: not counted */
    unsigned char *key; /* SCAN_KEY_LEN bytes, sodium_malloc'd (guarded, wiped on free) */
    unsigned char key_fp[8];
    unsigned char digest[32];
    struct arena ar;
    char *fname[SCAN_MAX_FIELDS];
    size_t fname_len[SCAN_MAX_FIELDS];
    int nf;
    struct asubj *subj;
    uint32_t nsubj, capsubj;
    uint64_t *stab; /* slots (see slot_make) of subj */
    uint32_t smask;
    struct apage *pages;
    uint32_t npages, cappages;
    size_t strbytes; /* bytes of the people's ids and pages in ar (with their NULs) */
    struct apair *pairs;
    struct pstat *pst; /* NULL: counts only */
    uint32_t npairs, cappairs;
    uint64_t *ptab; /* slots of pairs */
    uint32_t pmask;
    struct ahour *hours;
    uint32_t nhours, caphours;
    /* viewer hash cache: the same viewer often makes many requests in a row */
    int ckind;
    size_t clen;
    char cident[256];
    uint8_t ch[SCAN_HASH_LEN];
    int cvalid;
    int64_t lasthour;
    uint32_t lasthour_i;
    /* the batch (agg_add): views hashed, their slots prefetched, counted by agg_flush */
    struct pending q[AGG_BATCH_MAX];
    uint32_t nq, qmax; /* views in the batch; the batch's size now */
    int sorted_always; /* KLARTEXT_SORTED_BATCHES=1 (tests): large sorted batches from the start */
    uint32_t qlen; /* bytes of qbuf in use */
    uint16_t qorder[AGG_BATCH_MAX]; /* the batch in the order of its slots (agg_flush) */
    uint32_t qcount[(1u << AGG_SORT_BITS) + 1];
    char qbuf[AGG_BATCH_BYTES];
};

/* What the aggregates hold is counted as capacity (arrays and tables double, arena blocks go
 * from 64 KiB to 1 MiB), more than they touch. The canonical copies are made in the same memory or while the
 * tables go, and the merge gives back what it has read, so the peak of the whole scan stays
 * near what the aggregates held: measured peak RSS / held at the end of the aggregation, 0.85
 * (6.3 M people) to 0.97 (1.57 M), plus the readers' buffers (docs/performance.md, "Memory").
 * The estimate: held + 1/16 + 16 MiB. */
uint64_t agg_mem_peak(uint64_t held)
{
    return held + held / 16 + ((uint64_t)16 << 20);
}

/* n more bytes held (as capacity: what is allocated, touched or not) */
static void charge(struct agg *a, size_t n)
{
    struct agg_mem *m = a->mem;
    if (!m) return;
    uint64_t now = atomic_fetch_add_explicit(&m->bytes, n, memory_order_relaxed) + n;
    if (m->limit && agg_mem_peak(now) > m->limit && !atomic_exchange(&m->over, 1) && m->stop) atomic_store(m->stop, 1);
}

/* a string in the agg's arena, a new block counted */
static char *agg_dup(struct agg *a, const char *s, size_t n)
{
    const struct ablk *h = a->ar.head;
    char *p = arena_dup(&a->ar, s, n);
    if (a->ar.head != h) charge(a, sizeof *a->ar.head + a->ar.head->cap);
    return p;
}

/* A table of mask + 1 zeroed slots. From 2 MiB on it is mapped at a 2 MiB boundary and the
 * kernel is asked for huge pages: every probe is a random access, and with 4 KiB pages nearly
 * each one is a TLB miss too. A table is touched all over soon after it is made, so a huge
 * page holds nothing that would not be touched anyway. */
/* huge pages for a new array of malloc's that is about to be written all over at random (the
 * whole 2 MiB pages inside it; nothing is touched that the writes would not touch) */
static void huge_advise(int huge, void *p, size_t bytes)
{
    if (!huge || bytes < 2 * HUGE_PAGE) return;
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

static uint64_t *table_new(const struct agg *a, uint32_t mask)
{
    size_t bytes = ((size_t)mask + 1) * sizeof(uint64_t);
    if (bytes < HUGE_PAGE || !a->huge) return xcalloc((size_t)mask + 1, sizeof(uint64_t));
    return huge_map(bytes);
}

static void table_free(const struct agg *a, uint64_t *t, uint32_t mask)
{
    size_t bytes = ((size_t)mask + 1) * sizeof(uint64_t);
    if (!t) return;
    if (bytes < HUGE_PAGE || !a->huge) free(t);
    else munmap(t, bytes);
}

static void key_fingerprint(const unsigned char key[SCAN_KEY_LEN], unsigned char fp[8])
{
    static const char msg[] = "klartext scan viewer key check";
    crypto_generichash(fp, 8, (const unsigned char *)msg, sizeof msg - 1, key, SCAN_KEY_LEN);
}

struct agg *agg_new(const scan_rule *r, const unsigned char key[SCAN_KEY_LEN], int keep_viewers, int counts_only,
                    struct agg_mem *mem)
{
    struct agg *a = xcalloc(1, sizeof *a);
    a->keep_viewers = keep_viewers;
    a->stats = !counts_only;
    a->huge = !getenv("KLARTEXT_NO_HUGE_PAGES");
    a->ar.huge = a->huge;
    a->mem = mem;
    if (sodium_init() < 0 || !(a->key = sodium_malloc(SCAN_KEY_LEN))) { /* as xalloc does */
        fputs("klartext: out of memory\n", stderr);
        exit(1);
    }
    memcpy(a->key, key, SCAN_KEY_LEN);
    key_fingerprint(key, a->key_fp);
    memcpy(a->digest, r->digest, 32);
    for (int i = 0; i < r->nfields; i++) {
        a->fname_len[i] = strlen(r->fieldnames[i]);
        a->fname[i] = arena_dup(&a->ar, r->fieldnames[i], a->fname_len[i]);
    }
    a->nf = r->nfields;
    a->smask = 4095;
    a->stab = table_new(a, a->smask);
    a->pmask = 4095;
    a->ptab = table_new(a, a->pmask);
    a->lasthour = INT64_MIN;
    const char *sb = getenv("KLARTEXT_SORTED_BATCHES");
    a->sorted_always = sb && !strcmp(sb, "1");
    a->qmax = a->sorted_always ? AGG_BATCH_MAX : AGG_BATCH;
    return a;
}

void agg_free(struct agg *a)
{
    if (!a) return;
    sodium_free(a->key); /* wipes */
    arena_free(&a->ar);
    free(a->subj);
    table_free(a, a->stab, a->smask);
    free(a->pages);
    free(a->pairs);
    free(a->pst);
    table_free(a, a->ptab, a->pmask);
    free(a->hours);
    free(a);
}

uint64_t agg_people(const struct agg *a)
{
    return a->nsubj;
}

int agg_field(struct agg *a, const char *name, size_t len)
{
    for (int i = 0; i < a->nf; i++)
        if (a->fname_len[i] == len && !memcmp(a->fname[i], name, len)) return i;
    if (a->nf >= SCAN_MAX_FIELDS) return -1;
    a->fname[a->nf] = arena_dup(&a->ar, name, len);
    a->fname_len[a->nf] = len;
    return a->nf++;
}

/* A table slot: 0 is empty, else the upper 32 bits of the entry's 64-bit hash (its position
 * in the table and a fingerprint) and its index + 1. Probing and growing touch only the table:
 * an entry's record is read when the fingerprint matches, and a new entry's never. */
static inline uint64_t slot_make(uint64_t h, uint32_t idx1)
{
    return (h >> 32) << 32 | idx1;
}

/* a table twice the size of t[0..mask], every slot placed again; the old one is freed */
static uint64_t *table_grow(struct agg *a, uint64_t *t, uint32_t *mask)
{
    uint32_t nm = *mask * 2 + 1;
    charge(a, ((size_t)*mask + 1) * sizeof *t);
    uint64_t *n = table_new(a, nm);
    for (uint32_t i = 0; i <= *mask; i++) {
        uint64_t v = t[i];
        if (!v) continue;
        uint32_t j = (uint32_t)(v >> 32) & nm;
        while (n[j]) j = (j + 1) & nm;
        n[j] = v;
    }
    table_free(a, t, *mask);
    *mask = nm;
    return n;
}

/* grow at three quarters full */
static inline int table_full(uint32_t n, uint32_t mask)
{
    return (uint64_t)n * 4 > ((uint64_t)mask + 1) * 3;
}

static uint32_t subj_get(struct agg *a, const char *s, size_t n, uint64_t h)
{
    uint32_t f = (uint32_t)(h >> 32), j = f & a->smask;
    for (;;) {
        uint64_t v = a->stab[j];
        if (!v) break;
        if ((uint32_t)(v >> 32) == f) {
            struct asubj *x = &a->subj[(uint32_t)v - 1];
            if (x->len == n && !memcmp(x->id, s, n)) return (uint32_t)v - 1;
        }
        j = (j + 1) & a->smask;
    }
    if (a->nsubj == a->capsubj) {
        charge(a, (a->capsubj ? a->capsubj : 1024) * sizeof *a->subj);
        a->capsubj = a->capsubj ? a->capsubj * 2 : 1024;
        a->subj = xrealloc(a->subj, (size_t)a->capsubj * sizeof *a->subj);
    }
    struct asubj *x = &a->subj[a->nsubj];
    memset(x, 0, sizeof *x);
    x->id = agg_dup(a, s, n);
    x->len = (uint32_t)n;
    a->strbytes += n + 1;
    x->first = INT64_MAX;
    x->last = INT64_MIN;
    a->stab[j] = slot_make(h, ++a->nsubj);
    if (table_full(a->nsubj, a->smask)) a->stab = table_grow(a, a->stab, &a->smask);
    return a->nsubj - 1;
}

/* table position of a (person, viewer) pair: from the person's string hash (known before
 * the person's index, so that the slot can be prefetched) and the viewer hash */
static uint64_t pair_hash(uint64_t subj_hash, const uint8_t h[SCAN_HASH_LEN])
{
    uint64_t x;
    memcpy(&x, h, 8);
    return x ^ (subj_hash * 0x9E3779B97F4A7C15ull);
}

/* viewer hash: BLAKE2b-128 keyed, over kind byte || identity; a one-entry cache for the same
 * viewer in a row. -1 if hashing fails (never in practice). */
static inline __attribute__((always_inline)) int viewer_hash(struct agg *a, int kind, const char *ident,
                                                             size_t ident_len, uint8_t h[SCAN_HASH_LEN])
{
    if (a->cvalid && a->ckind == kind && a->clen == ident_len && !memcmp(a->cident, ident, ident_len)) {
        memcpy(h, a->ch, SCAN_HASH_LEN);
        return 0;
    }
    crypto_generichash_state st;
    unsigned char kb = kind == SCAN_VIEWER_USER ? 'u' : 'a';
    if (crypto_generichash_init(&st, a->key, SCAN_KEY_LEN, SCAN_HASH_LEN) || crypto_generichash_update(&st, &kb, 1) ||
        crypto_generichash_update(&st, (const unsigned char *)ident, ident_len) ||
        crypto_generichash_final(&st, h, SCAN_HASH_LEN))
        return -1;
    if (ident_len <= sizeof a->cident) {
        a->cvalid = 1;
        a->ckind = kind;
        a->clen = ident_len;
        memcpy(a->cident, ident, ident_len);
        memcpy(a->ch, h, SCAN_HASH_LEN);
    }
    return 0;
}

/* the page into the person's list of distinct pages */
static inline void page_add(struct agg *a, struct asubj *s, const char *page, size_t page_len)
{
    if (!s->page1) { /* in the record itself: no page record to read or write */
        s->page1 = agg_dup(a, page, page_len);
        s->page1_len = (uint32_t)page_len;
        a->strbytes += page_len + 1;
        return;
    }
    if (s->page1_len == page_len && !memcmp(s->page1, page, page_len)) return;
    uint32_t pi = s->page_head;
    while (pi) {
        struct apage *pg = &a->pages[pi - 1];
        if (pg->len == page_len && !memcmp(pg->p, page, page_len)) return;
        pi = pg->next;
    }
    if (a->npages == a->cappages) {
        charge(a, (a->cappages ? a->cappages : 1024) * sizeof *a->pages);
        a->cappages = a->cappages ? a->cappages * 2 : 1024;
        a->pages = xrealloc(a->pages, (size_t)a->cappages * sizeof *a->pages);
    }
    struct apage *pg = &a->pages[a->npages++];
    pg->p = agg_dup(a, page, page_len);
    pg->len = (uint32_t)page_len;
    a->strbytes += page_len + 1;
    pg->next = s->page_head;
    s->page_head = a->npages;
}

/* the index of the (person, viewer) pair, made when new */
static inline uint32_t pair_get(struct agg *a, uint32_t si, const uint8_t h[SCAN_HASH_LEN], uint64_t ph, int kind,
                                const char *ident, size_t ident_len)
{
    uint32_t f = (uint32_t)(ph >> 32), j = f & a->pmask;
    for (;;) {
        uint64_t v = a->ptab[j];
        if (!v) break;
        if ((uint32_t)(v >> 32) == f) {
            struct apair *x = &a->pairs[(uint32_t)v - 1];
            if (x->subj == si && !memcmp(x->h, h, SCAN_HASH_LEN)) return (uint32_t)v - 1;
        }
        j = (j + 1) & a->pmask;
    }
    if (a->npairs == a->cappairs) {
        size_t more = a->cappairs ? a->cappairs : 1024;
        charge(a, more * (sizeof *a->pairs + (a->stats ? sizeof *a->pst : 0)));
        a->cappairs = a->cappairs ? a->cappairs * 2 : 1024;
        a->pairs = xrealloc(a->pairs, (size_t)a->cappairs * sizeof *a->pairs);
        if (a->stats) a->pst = xrealloc(a->pst, (size_t)a->cappairs * sizeof *a->pst);
    }
    struct apair *p = &a->pairs[a->npairs];
    memset(p, 0, sizeof *p);
    p->subj = si;
    p->kind = (uint8_t)kind;
    memcpy(p->h, h, SCAN_HASH_LEN);
    if (a->stats) {
        struct pstat *st = &a->pst[a->npairs];
        st->views = 0;
        st->first = INT64_MAX;
        st->last = INT64_MIN;
        st->raw = a->keep_viewers ? agg_dup(a, ident, ident_len) : NULL;
    }
    a->ptab[j] = slot_make(ph, ++a->npairs);
    if (table_full(a->npairs, a->pmask)) a->ptab = table_grow(a, a->ptab, &a->pmask);
    return a->npairs - 1;
}

/* hourly histogram (times are nearly ordered: remember the last hour) */
static inline void hour_add(struct agg *a, int64_t t)
{
    int64_t hr = t >= 0 ? t - t % 3600 : t - ((t % 3600) + 3600) % 3600;
    if (hr == a->lasthour) {
        a->hours[a->lasthour_i].views++;
        return;
    }
    uint32_t i;
    for (i = 0; i < a->nhours; i++)
        if (a->hours[i].hour == hr) break;
    if (i == a->nhours) {
        if (a->nhours == a->caphours) {
            a->caphours = a->caphours ? a->caphours * 2 : 256;
            a->hours = xrealloc(a->hours, (size_t)a->caphours * sizeof *a->hours);
        }
        a->hours[i].hour = hr;
        a->hours[i].views = 0;
        a->nhours++;
    }
    a->hours[i].views++;
    a->lasthour = hr;
    a->lasthour_i = i;
}

/* a view's person into the tables: its index */
static inline uint32_t view_subject(struct agg *a, const char *subj, size_t subj_len, uint64_t sh, int64_t t,
                                    const char *page, size_t page_len, uint64_t fields)
{
    uint32_t si = subj_get(a, subj, subj_len, sh);
    struct asubj *s = &a->subj[si];
    if (t < s->first) s->first = t;
    if (t > s->last) s->last = t;
    s->views++;
    s->fields |= fields;
    if (page_len) page_add(a, s, page, page_len);
    return si;
}

/* a view's (person, viewer) pair into the tables */
static inline void view_pair(struct agg *a, uint32_t si, int64_t t, int kind, const char *ident, size_t ident_len,
                             const uint8_t h[SCAN_HASH_LEN], uint64_t ph)
{
    uint32_t pi = pair_get(a, si, h, ph, kind, ident, ident_len);
    if (a->stats) {
        struct pstat *p = &a->pst[pi];
        p->views++;
        if (t < p->first) p->first = t;
        if (t > p->last) p->last = t;
    }
}

/* one view into the tables (its hashes known) */
static void view_count(struct agg *a, const char *subj, size_t subj_len, uint64_t sh, int64_t t, const char *page,
                       size_t page_len, uint64_t fields, int kind, const char *ident, size_t ident_len,
                       const uint8_t h[SCAN_HASH_LEN], uint64_t ph)
{
    uint32_t si = view_subject(a, subj, subj_len, sh, t, page, page_len, fields);
    view_pair(a, si, t, kind, ident, ident_len, h, ph);
    hour_add(a, t);
}

/* the batch's views in a->qorder by the place of their slot in a table of mask + 1 slots (hash:
 * the person's or the pair's): a counting sort by the place's top AGG_SORT_BITS bits */
static void batch_order(struct agg *a, uint32_t mask, int pairs)
{
    unsigned bits = 32 - (unsigned)__builtin_clz(mask); /* mask + 1 = 2^bits */
    unsigned shift = bits > AGG_SORT_BITS ? bits - AGG_SORT_BITS : 0;
    uint32_t *c = a->qcount;
    memset(c, 0, sizeof a->qcount);
    for (uint32_t i = 0; i < a->nq; i++) {
        uint64_t hv = pairs ? a->q[i].ph : a->q[i].sh;
        c[((uint32_t)(hv >> 32) & mask) >> shift]++;
    }
    uint32_t sum = 0;
    for (uint32_t k = 0; k <= (1u << AGG_SORT_BITS); k++) {
        uint32_t n = c[k];
        c[k] = sum;
        sum += n;
    }
    for (uint32_t i = 0; i < a->nq; i++) {
        uint64_t hv = pairs ? a->q[i].ph : a->q[i].sh;
        a->qorder[c[((uint32_t)(hv >> 32) & mask) >> shift]++] = (uint16_t)i;
    }
}

/* A large batch against large tables. With millions of people every probe of a table is a cache
 * miss and, with 4 KiB pages, a TLB miss whose page walk is itself a cache miss (a software
 * prefetch that misses the TLB waits for the walk). Counted in the order of their slots, the
 * batch's probes sweep each table from its start to its end: the page-table entries of
 * neighbouring probes share cache lines and the walks hit the cache. The persons first (their
 * indexes kept), then the pairs, each in its table's order. The result does not depend on the
 * order in which views are counted (agg_finish sorts everything). */
static void agg_flush_sorted(struct agg *a)
{
    batch_order(a, a->smask, 0);
    for (uint32_t k = 0; k < a->nq; k++) {
        if (k + 16 < a->nq) __builtin_prefetch(&a->stab[(uint32_t)(a->q[a->qorder[k + 16]].sh >> 32) & a->smask]);
        if (k + 8 < a->nq) { /* a person seen before: its record, once its slot (asked for 8 views ago) is here */
            uint64_t sh = a->q[a->qorder[k + 8]].sh, e = a->stab[(uint32_t)(sh >> 32) & a->smask];
            if (e && (uint32_t)(e >> 32) == (uint32_t)(sh >> 32)) __builtin_prefetch(&a->subj[(uint32_t)e - 1]);
        }
        struct pending *v = &a->q[a->qorder[k]];
        v->si = view_subject(a, a->qbuf + v->subj, v->subj_len, v->sh, v->t, a->qbuf + v->page, v->page_len, v->fields);
    }
    batch_order(a, a->pmask, 1);
    for (uint32_t k = 0; k < a->nq; k++) {
        if (k + 8 < a->nq) __builtin_prefetch(&a->ptab[(uint32_t)(a->q[a->qorder[k + 8]].ph >> 32) & a->pmask]);
        const struct pending *v = &a->q[a->qorder[k]];
        view_pair(a, v->si, v->t, v->kind, a->qbuf + v->ident, v->ident_len, v->h, v->ph);
    }
    for (uint32_t i = 0; i < a->nq; i++) hour_add(a, a->q[i].t);
}

/* The batch counted, in the order the views came (the result does not depend on the order,
 * agg_finish sorts everything; keeping it keeps the tables as they were). Their slots were
 * prefetched when they came; a person seen before has its record prefetched here, before the
 * first of them is counted, so that the batch's misses overlap instead of following each other. */
static void agg_flush(struct agg *a)
{
    if (a->nq > AGG_BATCH) {
        agg_flush_sorted(a);
        a->nq = 0;
        a->qlen = 0;
        return;
    }
    for (uint32_t i = 0; i < a->nq; i++) {
        const struct pending *v = &a->q[i];
        uint64_t e = a->stab[(uint32_t)(v->sh >> 32) & a->smask];
        if (e && (uint32_t)(e >> 32) == (uint32_t)(v->sh >> 32)) __builtin_prefetch(&a->subj[(uint32_t)e - 1]);
    }
    for (uint32_t i = 0; i < a->nq; i++) {
        const struct pending *v = &a->q[i];
        view_count(a, a->qbuf + v->subj, v->subj_len, v->sh, v->t, a->qbuf + v->page, v->page_len, v->fields, v->kind,
                   a->qbuf + v->ident, v->ident_len, v->h, v->ph);
    }
    a->nq = 0;
    a->qlen = 0;
    /* the next batch's size: large once a table no longer fits in the cache */
    a->qmax = a->sorted_always || a->smask + 1 >= AGG_SORTED_SLOTS || a->pmask + 1 >= AGG_SORTED_SLOTS ? AGG_BATCH_MAX
                                                                                                       : AGG_BATCH;
}

static inline uint32_t q_put(struct agg *a, const char *s, size_t n)
{
    uint32_t off = a->qlen;
    if (n) memcpy(a->qbuf + off, s, n);
    a->qlen += (uint32_t)n;
    return off;
}

int agg_add(struct agg *a, const char *subj, size_t subj_len, int64_t t, const char *page, size_t page_len,
            uint64_t fields, int kind, const char *ident, size_t ident_len)
{
    /* memory latency first: the person's and the pair's slots are fetched while the batch fills */
    uint64_t sh = hash_bytes(subj, subj_len);
    int sorted = a->qmax > AGG_BATCH; /* a large batch: counted in slot order, no prefetch here */
    if (!sorted) __builtin_prefetch(&a->stab[(uint32_t)(sh >> 32) & a->smask]);
    uint8_t h[SCAN_HASH_LEN];
    if (viewer_hash(a, kind, ident, ident_len, h)) return -1;
    uint64_t ph = pair_hash(sh, h);
    if (!sorted) __builtin_prefetch(&a->ptab[(uint32_t)(ph >> 32) & a->pmask]);
    size_t keep = a->stats && a->keep_viewers ? ident_len : 0, need = subj_len + page_len + keep;
    if (need > AGG_BATCH_BYTES) { /* a view too large for the batch: counted at once, in order */
        agg_flush(a);
        view_count(a, subj, subj_len, sh, t, page, page_len, fields, kind, ident, ident_len, h, ph);
        return 0;
    }
    if (a->qlen + need > AGG_BATCH_BYTES) agg_flush(a);
    struct pending *v = &a->q[a->nq];
    v->sh = sh;
    v->ph = ph;
    v->fields = fields;
    v->t = t;
    v->kind = kind;
    memcpy(v->h, h, SCAN_HASH_LEN);
    v->subj = q_put(a, subj, subj_len);
    v->subj_len = (uint32_t)subj_len;
    v->page = q_put(a, page, page_len);
    v->page_len = (uint32_t)page_len;
    v->ident = q_put(a, ident, keep);
    v->ident_len = (uint32_t)keep;
    if (++a->nq >= a->qmax) agg_flush(a);
    return 0;
}

/* ---- canonical result ---- */
struct rsubj {
    const char *id;
    uint64_t pre; /* the id's first 8 bytes, big-endian (prefix_key): compared before the id */
    int64_t first, last;
    uint64_t views, fields;
    uint32_t page_off, npages, pair_off, npairs; /* npairs: the viewers */
    uint32_t signed_in; /* of the viewers; the others are anonymous */
};
struct rhour {
    int64_t hour;
    uint64_t views;
};

struct scan_result {
    struct arena ar;
    unsigned char digest[32];
    unsigned char key_fp[8];
    int keep_viewers;
    int nfields;
    const char *fieldnames[SCAN_MAX_FIELDS];
    size_t nsubj;
    struct rsubj *subj;
    size_t npages;
    const char **pages;
    size_t npairs;
    struct apair *pairs; /* subj: the index into subj */
    struct pstat *pst; /* NULL: counts only (the scan was asked for no per-pair statistics) */
    size_t nhours;
    struct rhour *hours;
    size_t nfiles;
    struct res_file *files;
    size_t nsamples;
    struct res_sample samples[SCAN_MAX_SAMPLES];
    double seconds;
    int threads;
    int streamed; /* the people went out as rows (res_merge_rows): their totals are these */
    uint64_t st_people, st_views, st_pairs, st_records;
};

static scan_result *res_new(void)
{
    return xcalloc(1, sizeof(scan_result));
}

void scan_result_free(scan_result *r)
{
    if (!r) return;
    arena_free(&r->ar);
    free(r->subj);
    free(r->pages);
    free(r->pairs);
    free(r->pst);
    free(r->hours);
    free(r->files);
    free(r);
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* per-subject pair ranges and viewer counts from the sorted pair list */
static void res_index_pairs(scan_result *r)
{
    for (size_t i = 0; i < r->nsubj; i++) {
        r->subj[i].pair_off = 0;
        r->subj[i].npairs = 0;
        r->subj[i].signed_in = 0;
    }
    for (size_t k = 0; k < r->npairs; k++) {
        struct rsubj *s = &r->subj[r->pairs[k].subj];
        if (!s->npairs) s->pair_off = (uint32_t)k;
        s->npairs++;
        if (r->pairs[k].kind == SCAN_VIEWER_USER) s->signed_in++;
    }
}

/* sort key: the first 8 bytes big-endian (zero-padded), then the whole id on ties */
struct skey {
    uint64_t pre;
    uint32_t idx;
};
static int cmp_skey(const void *x, const void *y, void *ctx)
{
    const struct skey *ka = x, *kb = y;
    if (ka->pre != kb->pre) return ka->pre < kb->pre ? -1 : 1;
    const struct agg *g = ctx;
    const struct asubj *a = &g->subj[ka->idx], *b = &g->subj[kb->idx];
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->id, b->id, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}
static uint64_t prefix_key(const char *s, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8; i++) k = k << 8 | (i < n ? (unsigned char)s[i] : 0);
    return k;
}

/* keys[0..n) by pre: least significant byte first, a pass skipped where every key has the same
 * byte (ids that share a prefix); tmp holds n keys. Stable. Digits of 8 bits: each pass writes
 * into 256 places at a time, which the TLB and the cache hold (with 16-bit digits nearly every
 * write of a large sort went to a page of its own: a TLB miss per key and pass). */
static void radix_skeys(struct skey *keys, struct skey *tmp, size_t n)
{
    size_t(*cnt)[256] = xcalloc(8, sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 8; d++) cnt[d][keys[i].pre >> (8 * d) & 0xff]++;
    struct skey *from = keys, *to = tmp;
    for (int d = 0; d < 8; d++) {
        int shift = 8 * d;
        if (cnt[d][keys[0].pre >> shift & 0xff] == n) continue;
        size_t sum = 0;
        for (int k = 0; k < 256; k++) {
            size_t c = cnt[d][k];
            cnt[d][k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) to[cnt[d][from[i].pre >> shift & 0xff]++] = from[i];
        struct skey *t = from;
        from = to;
        to = t;
    }
    if (from != keys) memcpy(keys, from, n * sizeof *keys);
    free(cnt);
}

/* the agg's subjects in bytewise order of their ids: a radix sort of the 8-byte prefixes, then
 * runs of equal prefixes by the whole id */
static struct skey *sorted_subjects(const struct agg *a)
{
    size_t n = a->nsubj;
    struct skey *keys = xmalloc((n + 1) * sizeof *keys);
    for (uint32_t i = 0; i < a->nsubj; i++) {
        keys[i].pre = prefix_key(a->subj[i].id, a->subj[i].len);
        keys[i].idx = i;
    }
    if (n < 4096) {
        qsort_r(keys, n, sizeof *keys, cmp_skey, (void *)a);
        return keys;
    }
    struct skey *tmp = xmalloc(n * sizeof *tmp);
    radix_skeys(keys, tmp, n);
    free(tmp);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && keys[e].pre == keys[i].pre) e++;
        if (e - i > 1) qsort_r(keys + i, e - i, sizeof *keys, cmp_skey, (void *)a);
        i = e;
    }
    return keys;
}
static int cmp_apair(const void *x, const void *y)
{
    const struct apair *a = x, *b = y;
    if (a->subj != b->subj) return a->subj < b->subj ? -1 : 1;
    return memcmp(a->h, b->h, SCAN_HASH_LEN);
}
static int cmp_rhour(const void *x, const void *y)
{
    const struct rhour *a = x, *b = y;
    return a->hour < b->hour ? -1 : a->hour > b->hour;
}

static uint64_t remap_bits(uint64_t bits, const int *map)
{
    uint64_t o = 0;
    for (int i = 0; bits; i++, bits >>= 1)
        if (bits & 1) o |= (uint64_t)1 << map[i];
    return o;
}

/* the field names sorted; map[old bit] = new bit */
static void finish_fields(scan_result *r, const struct agg *a, int *map)
{
    int order[SCAN_MAX_FIELDS];
    for (int i = 0; i < a->nf; i++) order[i] = i;
    for (int i = 1; i < a->nf; i++) /* insertion sort, at most 64 */
        for (int k = i; k > 0 && strcmp(a->fname[order[k - 1]], a->fname[order[k]]) > 0; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (int i = 0; i < a->nf; i++) {
        map[order[i]] = i;
        r->fieldnames[i] = a->fname[order[i]];
    }
    r->nfields = a->nf;
}

_Static_assert(sizeof(struct rsubj) >= sizeof(struct asubj), "finish_subjects widens the records in place");

/* a->subj[i] moved to a->subj[to[i]] for every i, in place (to is used up). A cycle is a linked
 * list through to[]: each step's record is a cache miss (and with 4 KiB pages a TLB miss) that
 * depends on the step before. to[] is small (4 bytes a person, on huge pages, just written: in
 * the cache), so a scout walks the cycle 16 steps ahead through to[] alone and asks for the
 * records it passes: the misses of 16 steps overlap instead of following each other. */
static void permute_subjects(struct agg *a, uint32_t *to)
{
    struct asubj *v = a->subj;
    for (uint32_t i = 0; i < a->nsubj; i++) {
        if (to[i] == i) continue;
        uint32_t sc = to[i]; /* the scout: a place of this cycle ahead of the one moved */
        for (int d = 0; d < 16 && sc != i; d++) {
            __builtin_prefetch(&v[sc]);
            sc = to[sc];
        }
        while (to[i] != i) {
            uint32_t j = to[i], nx = to[j];
            if (sc != i) { /* places not reached yet: their links are as they were */
                __builtin_prefetch(&v[sc]);
                sc = to[sc];
            }
            struct asubj t = v[j];
            v[j] = v[i];
            v[i] = t;
            to[i] = nx;
            to[j] = j;
        }
    }
}

/* each subject's pages into r->pages, sorted; the subject's page_head becomes the offset of
 * its pages there and its len their count. With `to`, the subject's id and pages are copied
 * into it as they come, i.e. in id order: the merge and the CSV then read the strings front to
 * back (in the agg's arena they lie in the order the people were first seen, and at millions
 * of people every such read was a cache miss). The reads here are at random too, but their
 * places are known ahead and fetched 8 people ahead (the page records 16 ahead). */
static void gather_pages(scan_result *r, struct agg *a, struct arena *to)
{
    r->pages = xmalloc(((size_t)a->npages + a->nsubj + 1) * sizeof *r->pages);
    size_t pg = 0;
    for (uint32_t k = 0; k < a->nsubj; k++) {
        if (to && k + 8 < a->nsubj) {
            const struct asubj *f = &a->subj[k + 8];
            __builtin_prefetch(f->id);
            if (f->page1) __builtin_prefetch(f->page1);
        }
        struct asubj *s = &a->subj[k];
        size_t off = pg;
        if (s->page1) r->pages[pg++] = s->page1;
        for (uint32_t p = s->page_head; p; p = a->pages[p - 1].next) r->pages[pg++] = a->pages[p - 1].p;
        if (pg - off > 1) qsort(r->pages + off, pg - off, sizeof *r->pages, cmp_cstr);
        if (to) { /* the pages as C strings: what every reader of a result takes them as */
            s->id = arena_dup(to, s->id, s->len);
            if (pg - off == 1 && s->page1) r->pages[off] = arena_dup(to, s->page1, s->page1_len);
            else
                for (size_t q = off; q < pg; q++) r->pages[q] = arena_dup(to, r->pages[q], strlen(r->pages[q]));
        }
        s->page_head = (uint32_t)off;
        s->len = (uint32_t)(pg - off);
    }
    r->npages = pg;
    free(a->pages);
    a->pages = NULL;
}

/* the subjects in id order with their sorted pages; returns newi[old index] = new index. The
 * agg's records are sorted in place and then widened into the result's in the same memory
 * (from the last: a result record is larger, so none is overwritten before it is read) */
static uint32_t *finish_subjects(scan_result *r, struct agg *a, const int *map, struct arena *strs, size_t bytes)
{
    size_t n = a->nsubj;
    struct skey *keys = sorted_subjects(a);
    uint32_t *newi = xmalloc((n + 1) * sizeof *newi);
    huge_advise(a->huge, newi, (n + 1) * sizeof *newi);
    size_t tob = (n + 1) * sizeof(uint32_t);
    int tohuge = a->huge && tob >= HUGE_PAGE; /* read at random: see table_new */
    uint32_t *to = tohuge ? huge_map(tob) : xmalloc(tob);
    uint64_t *pre = xmalloc((n + 1) * sizeof *pre);
    for (size_t k = 0; k < n; k++) {
        newi[keys[k].idx] = (uint32_t)k;
        pre[k] = keys[k].pre;
    }
    free(keys);
    memcpy(to, newi, n * sizeof *to);
    permute_subjects(a, to);
    if (tohuge) munmap(to, tob);
    else free(to);
    if (strs) arena_spare_new(strs, bytes); /* where the memory of the sort's arrays just went */
    gather_pages(r, a, strs);
    struct rsubj *rs = xrealloc(a->subj, (n + 1) * sizeof *rs);
    a->subj = NULL;
    for (size_t k = n; k-- > 0;) {
        struct asubj s; /* copied as bytes: the store into o below may not be moved before it */
        memcpy(&s, (const char *)rs + k * sizeof s, sizeof s);
        struct rsubj *o = &rs[k];
        memset(o, 0, sizeof *o);
        o->id = s.id;
        o->pre = pre[k];
        o->first = s.first;
        o->last = s.last;
        o->views = s.views;
        o->fields = remap_bits(s.fields, map);
        o->page_off = s.page_head;
        o->npages = s.len;
    }
    free(pre);
    r->nsubj = n;
    r->subj = rs;
    return newi;
}

/* one person's pairs [0, n) (with their statistics, if any) in hash order */
static void sort_group(struct apair *p, struct pstat *st, size_t n)
{
    struct both {
        struct apair p;
        struct pstat s;
    };
    if (n <= 8) { /* most people: a few viewers, sorted where they are */
        for (size_t i = 1; i < n; i++)
            for (size_t k = i; k > 0 && memcmp(p[k - 1].h, p[k].h, SCAN_HASH_LEN) > 0; k--) {
                struct apair tp = p[k];
                p[k] = p[k - 1];
                p[k - 1] = tp;
                if (!st) continue;
                struct pstat ts = st[k];
                st[k] = st[k - 1];
                st[k - 1] = ts;
            }
        return;
    }
    struct both *t = xmalloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        t[i].p = p[i];
        if (st) t[i].s = st[i];
    }
    qsort(t, n, sizeof *t, cmp_apair); /* the pair comes first in struct both */
    for (size_t i = 0; i < n; i++) {
        p[i] = t[i].p;
        if (st) st[i] = t[i].s;
    }
    free(t);
}

/* the pairs grouped by the new subject index (a counting sort), each person's by hash */
static void finish_pairs(scan_result *r, struct agg *a, const uint32_t *newi)
{
    r->npairs = a->npairs;
    /* not on huge pages: the merge gives these back behind its reader (MADV_DONTNEED of
     * 1 MiB ranges would split them) */
    r->pairs = xmalloc(((size_t)a->npairs + 1) * sizeof *r->pairs);
    if (a->pst) r->pst = xmalloc(((size_t)a->npairs + 1) * sizeof *r->pst);
    uint32_t *start = xcalloc((size_t)r->nsubj + 1, sizeof *start);
    huge_advise(a->huge, start, ((size_t)r->nsubj + 1) * sizeof *start);
    for (uint32_t k = 0; k < a->npairs; k++) start[newi[a->pairs[k].subj] + 1]++;
    for (size_t k = 0; k < r->nsubj; k++) start[k + 1] += start[k];
    struct behind g[2] = {{0}};
    for (uint32_t k = 0; k < a->npairs; k++) {
        if (!(k & 4095)) {
            give_back(&g[0], a->pairs, k * sizeof *a->pairs);
            give_back(&g[1], a->pst, k * sizeof *a->pst);
        }
        /* the places of later pairs towards the cache: their counters 16 ahead, their slots
         * 8 ahead (the pairs come in the order they were seen, their places are at random) */
        if (k + 16 < a->npairs) __builtin_prefetch(&start[newi[a->pairs[k + 16].subj]]);
        if (k + 8 < a->npairs) __builtin_prefetch(&r->pairs[start[newi[a->pairs[k + 8].subj]]]);
        uint32_t si = newi[a->pairs[k].subj], o = start[si]++;
        r->pairs[o] = a->pairs[k];
        r->pairs[o].subj = si;
        if (r->pst) r->pst[o] = a->pst[k];
    }
    free(start);
    free(a->pairs);
    free(a->pst);
    a->pairs = NULL;
    a->pst = NULL;
    for (size_t k = 0; k < r->npairs;) { /* each person's few viewers, by hash */
        size_t e = k + 1;
        while (e < r->npairs && r->pairs[e].subj == r->pairs[k].subj) e++;
        if (e - k > 1) sort_group(r->pairs + k, r->pst ? r->pst + k : NULL, e - k);
        k = e;
    }
    res_index_pairs(r);
}

scan_result *agg_finish(struct agg *a)
{
    agg_flush(a);
    scan_result *r = res_new();
    memcpy(r->digest, a->digest, 32);
    memcpy(r->key_fp, a->key_fp, 8);
    r->keep_viewers = a->keep_viewers;
    int map[SCAN_MAX_FIELDS];
    finish_fields(r, a, map);
    table_free(a, a->stab, a->smask); /* the tables are done with: less memory at the peak */
    table_free(a, a->ptab, a->pmask);
    a->stab = a->ptab = NULL;
    /* The people's ids and pages are copied in id order into one block (gather_pages, once the
     * sort's scratch arrays are freed) and the agg's arena is freed whole after. With
     * keep_viewers the viewers' identities live there too: it becomes the result's as it is
     * (every string stays where the agg put it). */
    struct arena old = a->ar;
    memset(&a->ar, 0, sizeof a->ar);
    int copy = !a->keep_viewers;
    size_t need = a->strbytes + 1;
    for (int i = 0; i < r->nfields; i++) need += strlen(r->fieldnames[i]) + 1;
    if (copy) r->ar.huge = old.huge;
    else arena_adopt(&r->ar, &old);
    uint32_t *newi = finish_subjects(r, a, map, copy ? &r->ar : NULL, need);
    if (copy) {
        for (int i = 0; i < r->nfields; i++)
            r->fieldnames[i] = arena_dup(&r->ar, r->fieldnames[i], strlen(r->fieldnames[i]));
        arena_free(&old);
    }
    finish_pairs(r, a, newi);
    free(newi);
    r->nhours = a->nhours;
    r->hours = xcalloc(a->nhours + 1, sizeof *r->hours);
    for (uint32_t k = 0; k < a->nhours; k++) {
        r->hours[k].hour = a->hours[k].hour;
        r->hours[k].views = a->hours[k].views;
    }
    qsort(r->hours, r->nhours, sizeof *r->hours, cmp_rhour);
    agg_free(a);
    return r;
}

/* ---- files, samples, run data ---- */
static int cmp_file_key(uint32_t ia, const char *na, uint32_t ib, const char *nb)
{
    if (ia != ib) return ia < ib ? -1 : 1;
    return strcmp(na, nb);
}

static void file_sum(struct res_file *d, const struct res_file *s)
{
    d->bytes_in += s->bytes_in;
    d->bytes_out += s->bytes_out;
    d->lines += s->lines;
    d->lines_parsed += s->lines_parsed;
    d->lines_matched += s->lines_matched;
    d->malformed += s->malformed;
    d->odd_requests += s->odd_requests;
    d->out_of_window += s->out_of_window;
    d->self_views += s->self_views;
    d->views += s->views;
    d->empty = d->empty && s->empty;
}

static void file_copy(scan_result *r, struct res_file *d, const struct res_file *s)
{
    *d = *s;
    d->name = arena_dup(&r->ar, s->name, strlen(s->name));
    d->compression = !strcmp(s->compression, "gzip") ? "gzip" : !strcmp(s->compression, "zstd") ? "zstd" : "none";
    d->error = s->error ? arena_dup(&r->ar, s->error, strlen(s->error)) : NULL;
}

void res_add_file(scan_result *r, const struct res_file *f)
{
    size_t i = 0;
    while (i < r->nfiles && cmp_file_key(r->files[i].index, r->files[i].name, f->index, f->name) < 0) i++;
    if (i < r->nfiles && !cmp_file_key(r->files[i].index, r->files[i].name, f->index, f->name)) {
        file_sum(&r->files[i], f);
        if (!r->files[i].error && f->error) r->files[i].error = arena_dup(&r->ar, f->error, strlen(f->error));
        return;
    }
    r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
    memmove(r->files + i + 1, r->files + i, (r->nfiles - i) * sizeof *r->files);
    file_copy(r, &r->files[i], f);
    r->nfiles++;
}

static int cmp_sample(uint32_t fa, const char *na, uint64_t la, const char *ra, uint32_t fb, const char *nb,
                      uint64_t lb, const char *rb)
{
    if (fa != fb) return fa < fb ? -1 : 1;
    int c = strcmp(na, nb);
    if (c) return c;
    if (la != lb) return la < lb ? -1 : 1;
    return strcmp(ra, rb);
}

void res_add_sample(scan_result *r, uint32_t file_index, const char *file, uint64_t line, const char *reason)
{
    size_t i = 0;
    while (i < r->nsamples && cmp_sample(r->samples[i].file_index, r->samples[i].file, r->samples[i].line,
                                         r->samples[i].reason, file_index, file, line, reason) <= 0)
        i++;
    if (i >= SCAN_MAX_SAMPLES) return;
    if (r->nsamples == SCAN_MAX_SAMPLES) r->nsamples--;
    memmove(r->samples + i + 1, r->samples + i, (r->nsamples - i) * sizeof *r->samples);
    r->samples[i].file_index = file_index;
    r->samples[i].file = arena_dup(&r->ar, file, strlen(file));
    r->samples[i].line = line;
    r->samples[i].reason = arena_dup(&r->ar, reason, strlen(reason));
    r->nsamples++;
}

void res_set_run(scan_result *r, double seconds, int threads)
{
    r->seconds = seconds;
    r->threads = threads;
}

void res_clear_samples(scan_result *r)
{
    r->nsamples = 0; /* their strings stay in the arena */
}

const unsigned char *res_key_id(const scan_result *r)
{
    return r->key_fp;
}

const unsigned char *res_digest(const scan_result *r)
{
    return r->digest;
}

int res_keep_viewers(const scan_result *r)
{
    return r->keep_viewers;
}

void scan_viewer_key_id(const unsigned char key[SCAN_KEY_LEN], unsigned char id[SCAN_KEY_ID_LEN])
{
    key_fingerprint(key, id);
}

/* ---- merge ----
 * One k-way merge of any number of results: a heap over the inputs' next subjects (each
 * input's subjects are in id order), so every subject, page and pair is copied once, and each
 * merged subject's range of pairs and viewer counts are known as it is written (no re-index).
 * M_STEAL: the inputs are about to be freed: their strings are adopted instead of copied, and
 * what the merge has read of their arrays is given back to the kernel as it goes. M_ROWS
 * (res_merge_rows): a range of the people for the CSV only, into a scratch result: strings
 * referenced (the inputs outlive it), no pairs kept. M_META: no people, only the rest. */
#define M_REF 1 /* strings referenced, not copied */
#define M_GIVE 2 /* the inputs' arrays given back behind the merge */
#define M_ADOPT 4 /* the inputs' arenas move to the result */
#define M_STEAL (M_REF | M_GIVE | M_ADOPT)
#define M_ROWS 8
#define M_META 16
struct mcur {
    scan_result *r;
    size_t s, end; /* the next subject, and one past the last to take */
    int ident; /* the field map is the identity */
    int map[SCAN_MAX_FIELDS]; /* the input's field bits -> the merged result's */
    struct behind g[4];
};

static scan_result *res_merge_many(scan_result **in, size_t n, int flags, char *err, size_t errlen);

scan_result *scan_result_merge(const scan_result *a, const scan_result *b, char *err, size_t errlen)
{
    scan_result *in[2] = {(scan_result *)a, (scan_result *)b};
    return res_merge_many(in, 2, 0, err, errlen);
}

scan_result *res_merge_all(scan_result **in, size_t n, char *err, size_t errlen)
{
    scan_result *c = res_merge_many(in, n, M_STEAL, err, errlen);
    for (size_t i = 0; i < n; i++) scan_result_free(in[i]);
    return c;
}

scan_result *res_merge_consume(scan_result *a, scan_result *b, char *err, size_t errlen)
{
    scan_result *in[2] = {a, b};
    return res_merge_all(in, 2, err, errlen);
}

/* a string of an input for the merged result c: adopted as it is when stealing, else copied */
static char *mdup(scan_result *c, int steal, const char *s)
{
    return steal ? (char *)s : arena_dup(&c->ar, s, strlen(s));
}

/* the union of the field names, each input's map to it; 0, or -1 + err over SCAN_MAX_FIELDS */
static int merge_fields(scan_result *c, struct mcur *cur, size_t n, char *err, size_t errlen)
{
    size_t total = 0, u = 0;
    for (size_t i = 0; i < n; i++) total += (size_t)cur[i].r->nfields;
    const char **all = xmalloc((total + 1) * sizeof *all);
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < cur[i].r->nfields; f++) all[u++] = cur[i].r->fieldnames[f];
    if (total > 1) qsort(all, total, sizeof *all, cmp_cstr);
    int nf = 0;
    for (size_t k = 0; k < total; k++) {
        if (nf && !strcmp(all[k], c->fieldnames[nf - 1])) continue;
        if (nf >= SCAN_MAX_FIELDS) {
            free(all);
            return err_set(err, errlen, "cannot merge: more than %d distinct field names", SCAN_MAX_FIELDS);
        }
        c->fieldnames[nf++] = all[k];
    }
    free(all);
    c->nfields = nf;
    for (size_t i = 0; i < n; i++) { /* both lists sorted: one walk */
        int k = 0;
        cur[i].ident = 1;
        for (int f = 0; f < cur[i].r->nfields; f++) {
            while (strcmp(c->fieldnames[k], cur[i].r->fieldnames[f])) k++;
            cur[i].map[f] = k;
            if (k != f) cur[i].ident = 0;
        }
    }
    for (int k = 0; k < nf; k++) c->fieldnames[k] = arena_dup(&c->ar, c->fieldnames[k], strlen(c->fieldnames[k]));
    return 0;
}

/* A heap node: an input and its next subject's prefix key, kept here so that most comparisons
 * read only the heap. Order: the next subject, then the input's place (so that equal subjects
 * come out in input order). */
struct hnode {
    uint64_t pre;
    struct mcur *c;
};

static inline const struct rsubj *cur_subj(const struct mcur *c)
{
    return &c->r->subj[c->s];
}

static inline int node_before(const struct hnode *x, const struct hnode *y)
{
    if (x->pre != y->pre) return x->pre < y->pre;
    int c = strcmp(cur_subj(x->c)->id, cur_subj(y->c)->id);
    return c ? c < 0 : x->c < y->c;
}

static void heap_down(struct hnode *h, size_t n, size_t i)
{
    struct hnode t = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n) break;
        if (l + 1 < n && node_before(&h[l + 1], &h[l])) l++;
        if (!node_before(&h[l], &t)) break;
        h[i] = h[l];
        i = l;
    }
    h[i] = t;
}

static void heap_up(struct hnode *h, size_t i)
{
    struct hnode t = h[i];
    while (i) {
        size_t p = (i - 1) / 2;
        if (!node_before(&t, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = t;
}

/* node n holds the same subject as the top */
static inline int node_same(const struct hnode *n, const struct hnode *top)
{
    return n->pre == top->pre && !strcmp(cur_subj(n->c)->id, cur_subj(top->c)->id);
}

/* the merged subject's pages: the inputs' sorted lists, their union sorted */
static void merge_pages(scan_result *c, struct mcur **grp, size_t m, int steal)
{
    size_t at = c->npages;
    for (size_t j = 0; j < m; j++) {
        const scan_result *r = grp[j]->r;
        const struct rsubj *s = &r->subj[grp[j]->s];
        memcpy(c->pages + c->npages, r->pages + s->page_off, s->npages * sizeof *c->pages);
        c->npages += s->npages;
    }
    if (m > 1 && c->npages - at > 1) {
        qsort(c->pages + at, c->npages - at, sizeof *c->pages, cmp_cstr);
        size_t w = at + 1;
        for (size_t k = at + 1; k < c->npages; k++)
            if (strcmp(c->pages[k], c->pages[w - 1])) c->pages[w++] = c->pages[k];
        c->npages = w;
    }
    if (!steal)
        for (size_t k = at; k < c->npages; k++) c->pages[k] = mdup(c, 0, c->pages[k]);
}

/* one input's pairs of the subject, as they are */
static void copy_pairs(scan_result *c, const struct mcur *cur, uint32_t k, int steal)
{
    const scan_result *r = cur->r;
    const struct rsubj *s = &r->subj[cur->s];
    struct apair *o = c->pairs + c->npairs;
    memcpy(o, r->pairs + s->pair_off, s->npairs * sizeof *o);
    for (uint32_t i = 0; i < s->npairs; i++) o[i].subj = k;
    if (c->pst) {
        struct pstat *os = c->pst + c->npairs;
        memcpy(os, r->pst + s->pair_off, s->npairs * sizeof *os);
        if (!steal)
            for (uint32_t i = 0; i < s->npairs; i++)
                if (os[i].raw) os[i].raw = mdup(c, 0, os[i].raw);
    }
    c->npairs += s->npairs;
}

/* the merged subject k's pairs from m inputs: by hash, the statistics of equal ones combined
 * (the identity from the first input that has it) */
static void merge_pairs(scan_result *c, struct mcur **grp, size_t m, uint32_t k, int steal, size_t *u, size_t *e)
{
    for (size_t j = 0; j < m; j++) {
        const struct rsubj *s = &grp[j]->r->subj[grp[j]->s];
        u[j] = s->pair_off;
        e[j] = (size_t)s->pair_off + s->npairs;
    }
    for (;;) {
        const struct apair *best = NULL;
        for (size_t j = 0; j < m; j++)
            if (u[j] < e[j] && (!best || memcmp(grp[j]->r->pairs[u[j]].h, best->h, SCAN_HASH_LEN) < 0))
                best = &grp[j]->r->pairs[u[j]];
        if (!best) break;
        struct apair *o = &c->pairs[c->npairs];
        struct pstat *os = c->pst ? &c->pst[c->npairs] : NULL;
        *o = *best;
        o->subj = k;
        if (os) {
            os->views = 0;
            os->first = INT64_MAX;
            os->last = INT64_MIN;
            os->raw = NULL;
        }
        for (size_t j = 0; j < m; j++) {
            if (u[j] >= e[j] || memcmp(grp[j]->r->pairs[u[j]].h, o->h, SCAN_HASH_LEN)) continue;
            const struct pstat *p = os ? &grp[j]->r->pst[u[j]] : NULL;
            u[j]++;
            if (!p) continue;
            os->views += p->views;
            if (p->first < os->first) os->first = p->first;
            if (p->last > os->last) os->last = p->last;
            if (!os->raw && p->raw) os->raw = mdup(c, steal, p->raw);
        }
        c->npairs++;
    }
}

/* the merged subject from the m inputs whose next subject it is (in input order); rows: its
 * counts only, its pairs not kept */
static void merge_subject(scan_result *c, struct mcur **grp, size_t m, int steal, int rows, size_t *u, size_t *e)
{
    uint32_t k = (uint32_t)c->nsubj;
    struct rsubj *o = &c->subj[k];
    const struct rsubj *s0 = &grp[0]->r->subj[grp[0]->s];
    memset(o, 0, sizeof *o);
    o->id = mdup(c, steal, s0->id);
    o->pre = s0->pre;
    o->first = INT64_MAX;
    o->last = INT64_MIN;
    for (size_t j = 0; j < m; j++) {
        const struct rsubj *s = &grp[j]->r->subj[grp[j]->s];
        if (s->first < o->first) o->first = s->first;
        if (s->last > o->last) o->last = s->last;
        o->views += s->views;
        o->fields |= grp[j]->ident ? s->fields : remap_bits(s->fields, grp[j]->map);
    }
    o->page_off = (uint32_t)c->npages;
    merge_pages(c, grp, m, steal);
    o->npages = (uint32_t)(c->npages - o->page_off);
    size_t p0 = c->npairs;
    c->nsubj++;
    if (m == 1 && rows) {
        o->npairs = s0->npairs;
        o->signed_in = s0->signed_in;
        return;
    }
    if (m == 1) copy_pairs(c, grp[0], k, steal);
    else merge_pairs(c, grp, m, k, steal, u, e);
    o->pair_off = (uint32_t)p0;
    o->npairs = (uint32_t)(c->npairs - p0);
    if (m == 1) o->signed_in = s0->signed_in;
    else
        for (size_t i = p0; i < c->npairs; i++) o->signed_in += c->pairs[i].kind == SCAN_VIEWER_USER;
    if (rows) c->npairs = p0;
}

/* what the merge has read of an input's arrays, back to the kernel */
static void cur_give_back(struct mcur *cur)
{
    const scan_result *r = cur->r;
    int more = cur->s < r->nsubj;
    give_back(&cur->g[0], r->subj, cur->s * sizeof *r->subj);
    give_back(&cur->g[1], r->pages, (more ? r->subj[cur->s].page_off : r->npages) * sizeof *r->pages);
    size_t pairs = more ? r->subj[cur->s].pair_off : r->npairs;
    give_back(&cur->g[2], r->pairs, pairs * sizeof *r->pairs);
    give_back(&cur->g[3], r->pst, pairs * sizeof *r->pst);
}

/* the subjects, pages and pairs of an input's range [s, end) */
static void range_sizes(const struct mcur *cur, size_t *ns, size_t *np, size_t *npr)
{
    const scan_result *r = cur->r;
    *ns += cur->end - cur->s;
    if (!cur->s && cur->end == r->nsubj) {
        *np += r->npages;
        *npr += r->npairs;
        return;
    }
    for (size_t k = cur->s; k < cur->end; k++) {
        *np += r->subj[k].npages;
        *npr += r->subj[k].npairs;
    }
}

/* every input's subjects (of its range), pages and pairs into c, in one pass */
static void merge_people(scan_result *c, struct mcur *cur, size_t n, int flags)
{
    size_t ns = 0, np = 0, npr = 0, hn = 0;
    int steal = flags & M_REF, rows = (flags & M_ROWS) != 0;
    for (size_t i = 0; i < n; i++) range_sizes(&cur[i], &ns, &np, &npr);
    /* capacity for the worst case; pages never written are never touched */
    c->subj = xmalloc((ns + 1) * sizeof *c->subj);
    c->pages = xmalloc((np + 1) * sizeof *c->pages);
    c->pairs = xmalloc((npr + 1) * sizeof *c->pairs);
    int pst = !rows;
    for (size_t i = 0; i < n; i++)
        if (!cur[i].r->pst && cur[i].r->npairs) pst = 0;
    if (pst) c->pst = xmalloc((npr + 1) * sizeof *c->pst);
    struct hnode *h = xmalloc((n + 1) * sizeof *h);
    struct mcur **grp = xmalloc((n + 1) * sizeof *grp);
    size_t *u = xmalloc((n + 1) * sizeof *u), *e = xmalloc((n + 1) * sizeof *e);
    for (size_t i = 0; i < n; i++)
        if (cur[i].s < cur[i].end) {
            h[hn].c = &cur[i];
            h[hn].pre = cur_subj(&cur[i])->pre;
            heap_up(h, hn++);
        }
    while (hn) {
        /* is the top's subject in other inputs too? Then the second in heap order, one of the
         * top's children, has it */
        size_t m = 1, q = 0;
        grp[0] = h[0].c;
        for (size_t i = 1; i < hn && i <= 2; i++)
            if (node_same(&h[i], &h[0])) grp[m++] = h[i].c;
        if (m > 1) { /* pop them all, in input order */
            struct hnode top = h[0];
            m = 0;
            do {
                grp[m++] = h[0].c;
                h[0] = h[--hn];
                if (hn) heap_down(h, hn, 0);
            } while (hn && node_same(&h[0], &top));
            q = 1;
        }
        merge_subject(c, grp, m, steal, rows, u, e);
        for (size_t j = 0; j < m; j++) {
            struct mcur *t = grp[j];
            t->s++;
            if ((flags & M_GIVE) && !(t->s & 4095)) cur_give_back(t);
            int more = t->s < t->end;
            if (!q) { /* the top advances in place */
                if (more) {
                    h[0].pre = cur_subj(t)->pre;
                    heap_down(h, hn, 0);
                } else {
                    h[0] = h[--hn];
                    if (hn) heap_down(h, hn, 0);
                }
            } else if (more) {
                h[hn].c = t;
                h[hn].pre = cur_subj(t)->pre;
                heap_up(h, hn++);
            }
        }
    }
    free(h);
    free(grp);
    free(u);
    free(e);
    if (rows) return; /* a scratch result, freed soon */
    /* down to what was written (a large block shrinks in place) */
    c->subj = xrealloc(c->subj, (c->nsubj + 1) * sizeof *c->subj);
    c->pages = xrealloc(c->pages, (c->npages + 1) * sizeof *c->pages);
    c->pairs = xrealloc(c->pairs, (c->npairs + 1) * sizeof *c->pairs);
    if (c->pst) c->pst = xrealloc(c->pst, (c->npairs + 1) * sizeof *c->pst);
}

/* views per hour: the sum where several have the hour */
static void merge_hours(scan_result *c, struct mcur *cur, size_t n)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < n; i++) total += cur[i].r->nhours;
    c->hours = xcalloc(total + 1, sizeof *c->hours);
    for (size_t i = 0; i < n; i++) {
        memcpy(c->hours + k, cur[i].r->hours, cur[i].r->nhours * sizeof *c->hours);
        k += cur[i].r->nhours;
    }
    if (n > 1 && total > 1) qsort(c->hours, total, sizeof *c->hours, cmp_rhour);
    size_t w = 0;
    for (size_t i = 0; i < total; i++) {
        if (w && c->hours[w - 1].hour == c->hours[i].hour) c->hours[w - 1].views += c->hours[i].views;
        else c->hours[w++] = c->hours[i];
    }
    c->nhours = w;
}

/* files, samples and run data: the files' counts add up, the longest run and most threads count */
static void merge_files_and_run(scan_result *c, struct mcur *cur, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const scan_result *r = cur[i].r;
        for (size_t f = 0; f < r->nfiles; f++) res_add_file(c, &r->files[f]);
        for (size_t s = 0; s < r->nsamples; s++)
            res_add_sample(c, r->samples[s].file_index, r->samples[s].file, r->samples[s].line, r->samples[s].reason);
        if (!i || r->seconds > c->seconds) c->seconds = r->seconds;
        if (!i || r->threads > c->threads) c->threads = r->threads;
    }
}

static scan_result *res_merge_many(scan_result **in, size_t n, int flags, char *err, size_t errlen)
{
    for (size_t i = 1; i < n; i++) {
        if (memcmp(in[0]->digest, in[i]->digest, 32)) {
            err_set(err, errlen, "cannot merge partial results of different rules");
            return NULL;
        }
        if (memcmp(in[0]->key_fp, in[i]->key_fp, 8)) {
            err_set(err, errlen, "cannot merge partial results made with different viewer keys");
            return NULL;
        }
    }
    scan_result *c = res_new();
    struct mcur *cur = xcalloc(n + 1, sizeof *cur);
    for (size_t i = 0; i < n; i++) {
        cur[i].r = in[i];
        cur[i].end = in[i]->nsubj;
    }
    if (n) {
        memcpy(c->digest, in[0]->digest, 32);
        memcpy(c->key_fp, in[0]->key_fp, 8);
    }
    if (merge_fields(c, cur, n, err, errlen)) {
        free(cur);
        scan_result_free(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        c->keep_viewers = c->keep_viewers || in[i]->keep_viewers;
        if (flags & M_ADOPT) arena_adopt(&c->ar, &in[i]->ar);
    }
    if (!(flags & M_META)) merge_people(c, cur, n, flags);
    merge_hours(c, cur, n);
    merge_files_and_run(c, cur, n);
    free(cur);
    return c;
}

scan_result *res_merge_meta(scan_result **in, size_t n, char *err, size_t errlen)
{
    return res_merge_many(in, n, M_META, err, errlen);
}

scan_result *res_merge_rows(scan_result **in, size_t n, const size_t *lo, const size_t *hi, struct scan_totals *t)
{
    char err[200];
    scan_result *c = res_new();
    struct mcur *cur = xcalloc(n + 1, sizeof *cur);
    for (size_t i = 0; i < n; i++) {
        cur[i].r = in[i];
        cur[i].s = lo[i];
        cur[i].end = hi[i];
    }
    if (merge_fields(c, cur, n, err, sizeof err)) { /* not after res_merge_meta of the same inputs */
        free(cur);
        scan_result_free(c);
        return NULL;
    }
    merge_people(c, cur, n, M_REF | M_ROWS);
    free(cur);
    t->people += c->nsubj;
    for (size_t i = 0; i < c->nsubj; i++) {
        t->views += c->subj[i].views;
        t->viewer_pairs += c->subj[i].npairs;
        t->records += (uint64_t)__builtin_popcountll(c->subj[i].fields);
    }
    return c;
}

void res_set_people_totals(scan_result *r, const struct scan_totals *t)
{
    r->streamed = 1;
    r->st_people = t->people;
    r->st_views = t->views;
    r->st_pairs = t->viewer_pairs;
    r->st_records = t->records;
}

const char *res_subject_id(const scan_result *r, size_t i)
{
    return r->subj[i].id;
}

size_t res_subject_lower(const scan_result *r, const char *id)
{
    size_t a = 0, b = r->nsubj;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (strcmp(r->subj[m].id, id) < 0) a = m + 1;
        else b = m;
    }
    return a;
}

size_t res_bytes(const scan_result *r)
{
    if (!r) return 0;
    size_t n = r->nsubj * sizeof *r->subj + r->npages * sizeof *r->pages + r->npairs * sizeof *r->pairs +
               (r->pst ? r->npairs * sizeof *r->pst : 0) + r->nhours * sizeof *r->hours + r->nfiles * sizeof *r->files;
    for (const struct ablk *b = r->ar.head; b; b = b->next) n += sizeof *b + b->cap;
    return n;
}

/* ---- accessors ---- */
size_t scan_result_exposures(const scan_result *r)
{
    return r->nsubj;
}

/* the strings of row i (its id and first page) towards the cache: a reader in row order calls
 * it some rows ahead (the strings lie in the order the people were first seen, not in id order) */
void res_prefetch_row(const scan_result *r, size_t i)
{
    if (i >= r->nsubj) return;
    const struct rsubj *s = &r->subj[i];
    __builtin_prefetch(s->id);
    if (s->npages) __builtin_prefetch(r->pages[s->page_off]);
}

void scan_result_exposure(const scan_result *r, size_t i, struct scan_exposure *o)
{
    const struct rsubj *s = &r->subj[i];
    /* every member set, fields[] only up to nfields: clearing the whole 600-byte struct cost
       about 130 instructions per person and call (the store and the CSV call this per person) */
    o->subject = s->id;
    o->first_seen = s->first;
    o->last_seen = s->last;
    o->views = s->views;
    o->viewers = s->npairs;
    o->signed_in_viewers = s->signed_in;
    o->anonymous_viewers = s->npairs - s->signed_in;
    o->npages = s->npages;
    o->pages = r->pages + s->page_off;
    o->nfields = 0;
    uint64_t m = r->nfields >= 64 ? s->fields : s->fields & ((UINT64_C(1) << r->nfields) - 1);
    for (; m; m &= m - 1) o->fields[o->nfields++] = r->fieldnames[__builtin_ctzll(m)];
    o->pair_first = s->pair_off;
    o->npairs = s->npairs;
}

void scan_result_span(const scan_result *r, int64_t *first, int64_t *last)
{
    int64_t f = 0, l = 0;
    for (size_t i = 0; i < r->nsubj; i++) {
        if (!f || r->subj[i].first < f) f = r->subj[i].first;
        if (r->subj[i].last > l) l = r->subj[i].last;
    }
    *first = f;
    *last = l;
}

size_t scan_result_pairs(const scan_result *r)
{
    return r->npairs;
}

void scan_result_pair(const scan_result *r, size_t i, struct scan_pair *o)
{
    const struct apair *p = &r->pairs[i];
    const struct pstat *st = r->pst ? &r->pst[i] : NULL;
    o->subject = r->subj[p->subj].id;
    o->exposure = p->subj;
    memcpy(o->hash, p->h, SCAN_HASH_LEN);
    o->kind = p->kind == SCAN_VIEWER_USER ? SCAN_VIEWER_USER : SCAN_VIEWER_IP;
    o->views = st ? st->views : 0;
    o->first_seen = st ? st->first : 0;
    o->last_seen = st ? st->last : 0;
    o->identity = st ? st->raw : NULL;
}

size_t scan_result_hours(const scan_result *r)
{
    return r->nhours;
}
void scan_result_hour(const scan_result *r, size_t i, int64_t *hour_start, uint64_t *views)
{
    *hour_start = r->hours[i].hour;
    *views = r->hours[i].views;
}

size_t scan_result_files(const scan_result *r)
{
    return r->nfiles;
}
void scan_result_file(const scan_result *r, size_t i, struct scan_file *o)
{
    const struct res_file *f = &r->files[i];
    memset(o, 0, sizeof *o);
    o->index = f->index;
    o->name = f->name;
    o->compression = f->compression;
    o->size = f->size;
    o->mtime = f->mtime;
    o->has_sha256 = f->has_sha256;
    memcpy(o->sha256, f->sha256, 32);
    o->bytes_in = f->bytes_in;
    o->bytes_out = f->bytes_out;
    o->lines = f->lines;
    o->lines_parsed = f->lines_parsed;
    o->lines_matched = f->lines_matched;
    o->malformed = f->malformed;
    o->odd_requests = f->odd_requests;
    o->out_of_window = f->out_of_window;
    o->self_views = f->self_views;
    o->views = f->views;
    o->error = f->error;
    o->empty = f->empty;
}

size_t scan_result_samples(const scan_result *r)
{
    return r->nsamples;
}
void scan_result_sample(const scan_result *r, size_t i, struct scan_sample *o)
{
    o->file_index = r->samples[i].file_index;
    o->file = r->samples[i].file;
    o->line = r->samples[i].line;
    o->reason = r->samples[i].reason;
}

void scan_result_totals(const scan_result *r, struct scan_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct res_file *f = &r->files[i];
        t->files++;
        if (f->error) t->files_failed++;
        t->bytes_in += f->bytes_in;
        t->bytes_out += f->bytes_out;
        t->lines += f->lines;
        t->lines_parsed += f->lines_parsed;
        t->lines_matched += f->lines_matched;
        t->malformed += f->malformed;
        t->odd_requests += f->odd_requests;
        t->out_of_window += f->out_of_window;
        t->self_views += f->self_views;
    }
    for (size_t i = 0; i < r->nsubj; i++) {
        t->views += r->subj[i].views;
        t->records += (uint64_t)__builtin_popcountll(r->subj[i].fields);
    }
    t->people = r->nsubj;
    t->viewer_pairs = r->npairs;
    if (r->streamed) {
        t->people = r->st_people;
        t->views = r->st_views;
        t->viewer_pairs = r->st_pairs;
        t->records = r->st_records;
    }
    t->seconds = r->seconds;
    t->threads = r->threads;
}

/* ---- serialisation ----
 * "KTSCANP2", then little-endian fields; strings as u32 length + bytes. Everything that
 * merge needs, in canonical order; read back with full bounds and order checks. Version 2
 * adds the "empty" bit to each file's flags byte; version 1 partials are still read. */
/* The writer: into one buffer (scan_result_serialize), counting only (res_serialized_len), or
 * in chunks of about WB_CHUNK bytes handed to a callback (res_serialize_to). */
#define WB_CHUNK ((size_t)1 << 20)
struct wbuf {
    struct buf b;
    int failed;
    int count; /* only count: n grows, nothing is kept */
    uint64_t n;
    int (*put)(void *ctx, const void *d, size_t n); /* set: b goes out in chunks */
    void *ctx;
};
static void wb_flush(struct wbuf *w)
{
    if (!w->failed && w->b.len && w->put(w->ctx, w->b.p, w->b.len)) w->failed = 1;
    buf_reset(&w->b);
}
static void wb_put(struct wbuf *w, const void *d, size_t n)
{
    if (w->count) {
        w->n += n;
        return;
    }
    if (buf_add(&w->b, d, n)) w->failed = 1;
    if (w->put && w->b.len >= WB_CHUNK) wb_flush(w);
}
static void wb_u64(struct wbuf *w, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    wb_put(w, b, 8);
}
static void wb_u32(struct wbuf *w, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
    wb_put(w, b, 4);
}
static void wb_str(struct wbuf *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    wb_u32(w, (uint32_t)n);
    wb_put(w, s, n);
}

#define SER_MAGIC "KTSCANP2"
#define SER_MAGIC1 "KTSCANP1"
#define SER_MAX (SIZE_MAX / 4) /* no limit of its own: as much as memory holds */
#define SER_MAX_US ((uint64_t)1 << 46) /* 2.2 years of run time: a double holds it to the microsecond */

/* the whole serialised result into w */
static void ser_all(const scan_result *r, struct wbuf *wp)
{
    struct wbuf w = *wp; /* given back at the end */
    wb_put(&w, SER_MAGIC, 8);
    wb_put(&w, r->digest, 32);
    wb_put(&w, r->key_fp, 8);
    wb_u32(&w, (uint32_t)r->keep_viewers);
    wb_u32(&w, (uint32_t)r->nfields);
    for (int i = 0; i < r->nfields; i++) wb_str(&w, r->fieldnames[i]);
    wb_u64(&w, r->nsubj);
    for (size_t i = 0; i < r->nsubj; i++) {
        const struct rsubj *s = &r->subj[i];
        wb_str(&w, s->id);
        wb_u64(&w, (uint64_t)s->first);
        wb_u64(&w, (uint64_t)s->last);
        wb_u64(&w, s->views);
        wb_u64(&w, s->fields);
        wb_u32(&w, s->npages);
        for (uint32_t p = 0; p < s->npages; p++) wb_str(&w, r->pages[s->page_off + p]);
    }
    wb_u64(&w, r->npairs);
    for (size_t i = 0; i < r->npairs; i++) {
        const struct apair *p = &r->pairs[i];
        const struct pstat *st = &r->pst[i];
        wb_u32(&w, p->subj);
        wb_put(&w, &p->kind, 1);
        wb_put(&w, p->h, SCAN_HASH_LEN);
        wb_u64(&w, st->views);
        wb_u64(&w, (uint64_t)st->first);
        wb_u64(&w, (uint64_t)st->last);
        unsigned char has = st->raw != NULL;
        wb_put(&w, &has, 1);
        if (has) wb_str(&w, st->raw);
    }
    wb_u64(&w, r->nhours);
    for (size_t i = 0; i < r->nhours; i++) {
        wb_u64(&w, (uint64_t)r->hours[i].hour);
        wb_u64(&w, r->hours[i].views);
    }
    wb_u32(&w, (uint32_t)r->nfiles);
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct res_file *f = &r->files[i];
        wb_u32(&w, f->index);
        wb_str(&w, f->name);
        wb_str(&w, f->compression);
        wb_u64(&w, f->size);
        wb_u64(&w, (uint64_t)f->mtime);
        unsigned char hs = (unsigned char)f->has_sha256;
        wb_put(&w, &hs, 1);
        wb_put(&w, f->sha256, 32);
        uint64_t c[10] = {f->bytes_in,  f->bytes_out,    f->lines,         f->lines_parsed, f->lines_matched,
                          f->malformed, f->odd_requests, f->out_of_window, f->self_views,   f->views};
        for (int k = 0; k < 10; k++) wb_u64(&w, c[k]);
        unsigned char he = (unsigned char)((f->error != NULL) | (f->empty ? 2 : 0));
        wb_put(&w, &he, 1);
        if (f->error) wb_str(&w, f->error);
    }
    wb_u32(&w, (uint32_t)r->nsamples);
    for (size_t i = 0; i < r->nsamples; i++) {
        wb_u32(&w, r->samples[i].file_index);
        wb_str(&w, r->samples[i].file);
        wb_u64(&w, r->samples[i].line);
        wb_str(&w, r->samples[i].reason);
    }
    /* the run's seconds as microseconds, at most SER_MAX_US (which reads back exactly) */
    double us = r->seconds * 1e6 + 0.5;
    uint64_t secs_us = us >= (double)SER_MAX_US ? SER_MAX_US : us > 0 ? (uint64_t)us : 0;
    wb_u64(&w, secs_us);
    wb_u32(&w, (uint32_t)r->threads);
    *wp = w;
}

#define SER_COUNTS_ONLY "a scan made for its counts only cannot be a partial result"

int scan_result_serialize(const scan_result *r, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
    if (r->npairs && !r->pst) return err_set(err, errlen, SER_COUNTS_ONLY);
    struct wbuf w = {.failed = 0};
    buf_init(&w.b, SER_MAX);
    ser_all(r, &w);
    if (w.failed) {
        buf_release(&w.b);
        return err_set(err, errlen, "partial result larger than %zu bytes", (size_t)SER_MAX);
    }
    *outlen = w.b.len;
    *out = (unsigned char *)buf_detach(&w.b);
    return 0;
}

struct rbuf {
    const unsigned char *p;
    size_t n, off;
    int bad;
    int version; /* 1 or 2 */
};
static int rb_get(struct rbuf *b, void *d, size_t n)
{
    if (b->bad || b->n - b->off < n) {
        b->bad = 1;
        if (n) memset(d, 0, n);
        return -1;
    }
    memcpy(d, b->p + b->off, n);
    b->off += n;
    return 0;
}
static uint64_t rb_u64(struct rbuf *b)
{
    unsigned char x[8];
    uint64_t v = 0;
    if (rb_get(b, x, 8)) return 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | x[i];
    return v;
}
static uint32_t rb_u32(struct rbuf *b)
{
    unsigned char x[4];
    uint32_t v = 0;
    if (rb_get(b, x, 4)) return 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | x[i];
    return v;
}
static char *rb_str(struct rbuf *b, struct arena *ar)
{
    uint32_t n = rb_u32(b);
    if (b->bad || b->n - b->off < n) {
        b->bad = 1;
        return arena_dup(ar, "", 0);
    }
    if (memchr(b->p + b->off, 0, n)) {
        b->bad = 1;
        return arena_dup(ar, "", 0);
    }
    char *s = arena_dup(ar, (const char *)b->p + b->off, n);
    b->off += n;
    return s;
}

/* a string checked as rb_str checks it, not kept */
static void rb_skip_str(struct rbuf *b)
{
    uint32_t n = rb_u32(b);
    if (b->bad || b->n - b->off < n || memchr(b->p + b->off, 0, n)) {
        b->bad = 1;
        return;
    }
    b->off += n;
}

/* The readers of the sections below return NULL, or what is wrong with the partial. Each
 * count is checked against the bytes there are before anything is allocated for it. */
#define SER_TRUNCATED "partial is truncated"
#define SER_NONCANON "partial is not canonical"
#define SER_BADTIME "partial has a time outside the years 0000 to 9999"

/* a time a log can give: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z (the CSV writes 4 digits) */
static int ser_time_ok(int64_t t)
{
    return t >= -62167219200 && t <= 253402300799;
}

/* magic, rule digest, viewer-key fingerprint, keep_viewers, the field names (*nf of them) */
static const char *read_head(struct rbuf *b, scan_result *r, uint32_t *nf)
{
    char magic[8];
    if (rb_get(b, magic, 8) || (memcmp(magic, SER_MAGIC, 8) && memcmp(magic, SER_MAGIC1, 8)))
        return "not a klartext partial scan result";
    b->version = magic[7] - '0';
    rb_get(b, r->digest, 32);
    rb_get(b, r->key_fp, 8);
    r->keep_viewers = rb_u32(b) != 0;
    *nf = rb_u32(b);
    if (*nf > SCAN_MAX_FIELDS) return "partial has too many field names";
    for (uint32_t i = 0; i < *nf && !b->bad; i++) {
        r->fieldnames[i] = rb_str(b, &r->ar);
        r->nfields = (int)i + 1;
        if (i && strcmp(r->fieldnames[i - 1], r->fieldnames[i]) >= 0) return SER_NONCANON;
    }
    return NULL;
}

/* the subjects, each with its pages; field bits must lie below nf */
static const char *read_subjects(struct rbuf *b, scan_result *r, uint32_t nf)
{
    uint64_t ns = rb_u64(b);
    if (b->bad) return SER_TRUNCATED;
    if (ns > b->n / 36) return SER_TRUNCATED; /* each subject takes at least 36 bytes */
    r->subj = xcalloc(ns + 1, sizeof *r->subj);
    size_t capp = 16;
    r->pages = xmalloc(capp * sizeof *r->pages);
    for (uint64_t i = 0; i < ns && !b->bad; i++) {
        struct rsubj *s = &r->subj[i];
        s->id = rb_str(b, &r->ar);
        s->pre = prefix_key(s->id, strlen(s->id));
        s->first = (int64_t)rb_u64(b);
        s->last = (int64_t)rb_u64(b);
        s->views = rb_u64(b);
        s->fields = rb_u64(b);
        if (nf < 64 && s->fields >> nf) return "partial has an unknown field";
        if (!ser_time_ok(s->first) || !ser_time_ok(s->last)) return SER_BADTIME;
        uint32_t np = rb_u32(b);
        if (b->bad) return SER_TRUNCATED;
        if (np > b->n) return SER_TRUNCATED;
        s->page_off = (uint32_t)r->npages;
        for (uint32_t p = 0; p < np && !b->bad; p++) {
            if (r->npages == capp) {
                capp *= 2;
                r->pages = xrealloc(r->pages, capp * sizeof *r->pages);
            }
            r->pages[r->npages] = rb_str(b, &r->ar);
            if (p && strcmp(r->pages[r->npages - 1], r->pages[r->npages]) >= 0) return SER_NONCANON;
            r->npages++;
        }
        s->npages = np;
        r->nsubj = i + 1;
        if (i && strcmp(r->subj[i - 1].id, s->id) >= 0) return SER_NONCANON;
    }
    return NULL;
}

static inline uint64_t ld_u64(const unsigned char *q)
{
    uint64_t v;
    memcpy(&v, q, 8);
    return le64toh(v);
}

/* one pair's fixed 46 bytes (subject, kind, hash, views, first, last, has identity) */
#define PAIR_FIXED (4 + 1 + SCAN_HASH_LEN + 24 + 1)
static void read_pair(struct rbuf *b, struct apair *p, struct pstat *st, unsigned char *has)
{
    if (b->bad || b->n - b->off < PAIR_FIXED) {
        p->subj = rb_u32(b);
        rb_get(b, &p->kind, 1);
        rb_get(b, p->h, SCAN_HASH_LEN);
        st->views = rb_u64(b);
        st->first = (int64_t)rb_u64(b);
        st->last = (int64_t)rb_u64(b);
        rb_get(b, has, 1);
        return;
    }
    const unsigned char *q = b->p + b->off;
    uint32_t subj;
    memcpy(&subj, q, 4);
    p->subj = le32toh(subj);
    p->kind = q[4];
    memcpy(p->h, q + 5, SCAN_HASH_LEN);
    st->views = ld_u64(q + 5 + SCAN_HASH_LEN);
    st->first = (int64_t)ld_u64(q + 13 + SCAN_HASH_LEN);
    st->last = (int64_t)ld_u64(q + 21 + SCAN_HASH_LEN);
    *has = q[29 + SCAN_HASH_LEN];
    b->off += PAIR_FIXED;
}

/* the (person, viewer) pairs, in (subject, hash) order; counts: their statistics and
 * identities are checked, not kept */
static const char *read_pairs(struct rbuf *b, scan_result *r, int counts)
{
    uint64_t npairs = rb_u64(b);
    if (b->bad) return SER_TRUNCATED;
    if (npairs > b->n / 46) return SER_TRUNCATED;
    r->pairs = xcalloc(npairs + 1, sizeof *r->pairs);
    r->pst = counts ? NULL : xcalloc(npairs + 1, sizeof *r->pst);
    for (uint64_t i = 0; i < npairs && !b->bad; i++) {
        struct apair *p = &r->pairs[i];
        struct pstat one, *st = counts ? &one : &r->pst[i];
        unsigned char has = 0;
        read_pair(b, p, st, &has);
        st->raw = NULL;
        if (has && counts) rb_skip_str(b);
        else if (has) st->raw = rb_str(b, &r->ar);
        if (b->bad) return SER_TRUNCATED;
        if (!ser_time_ok(st->first) || !ser_time_ok(st->last)) return SER_BADTIME;
        r->npairs = i + 1;
        if (p->subj >= r->nsubj || (p->kind != SCAN_VIEWER_USER && p->kind != SCAN_VIEWER_IP)) return SER_NONCANON;
        if (i && cmp_apair(&r->pairs[i - 1], p) >= 0) return SER_NONCANON;
        struct rsubj *s = &r->subj[p->subj]; /* the index res_index_pairs makes, as the pairs go by */
        if (!s->npairs) s->pair_off = (uint32_t)i;
        s->npairs++;
        s->signed_in += p->kind == SCAN_VIEWER_USER;
    }
    return NULL;
}

/* views per hour, in hour order */
static const char *read_hours(struct rbuf *b, scan_result *r)
{
    uint64_t nh = rb_u64(b);
    if (b->bad) return SER_TRUNCATED;
    if (nh > b->n / 16) return SER_TRUNCATED;
    r->hours = xcalloc(nh + 1, sizeof *r->hours);
    for (uint64_t i = 0; i < nh && !b->bad; i++) {
        r->hours[i].hour = (int64_t)rb_u64(b);
        r->hours[i].views = rb_u64(b);
        if (!ser_time_ok(r->hours[i].hour)) return SER_BADTIME;
        r->nhours = i + 1;
        if (i && r->hours[i - 1].hour >= r->hours[i].hour) return SER_NONCANON;
    }
    return NULL;
}

/* the input files with their counts, in (index, name) order */
static const char *read_file_stats(struct rbuf *b, scan_result *r)
{
    uint32_t nfiles = rb_u32(b);
    if (b->bad) return SER_TRUNCATED;
    if (nfiles > b->n / 64) return SER_TRUNCATED;
    for (uint32_t i = 0; i < nfiles && !b->bad; i++) {
        struct res_file f;
        memset(&f, 0, sizeof f);
        f.index = rb_u32(b);
        f.name = rb_str(b, &r->ar);
        const char *comp = rb_str(b, &r->ar);
        f.compression = comp;
        f.size = rb_u64(b);
        f.mtime = (int64_t)rb_u64(b);
        unsigned char hs = 0;
        rb_get(b, &hs, 1);
        f.has_sha256 = hs != 0;
        rb_get(b, f.sha256, 32);
        uint64_t *c[10] = {&f.bytes_in,  &f.bytes_out,    &f.lines,         &f.lines_parsed, &f.lines_matched,
                           &f.malformed, &f.odd_requests, &f.out_of_window, &f.self_views,   &f.views};
        for (int k = 0; k < 10; k++) *c[k] = rb_u64(b);
        unsigned char he = 0;
        rb_get(b, &he, 1);
        if (he > (b->version >= 2 ? 3 : 1)) return SER_NONCANON;
        if (he & 1) f.error = rb_str(b, &r->ar);
        f.empty = (he & 2) != 0;
        if (b->bad) return SER_TRUNCATED;
        const struct res_file *prev = r->nfiles ? &r->files[r->nfiles - 1] : NULL;
        if (prev && cmp_file_key(prev->index, prev->name, f.index, f.name) >= 0) return SER_NONCANON;
        res_add_file(r, &f);
    }
    return NULL;
}

/* the malformed-line samples, then the run's seconds and threads, then the end */
static const char *read_samples_and_run(struct rbuf *b, scan_result *r)
{
    uint32_t nsm = rb_u32(b);
    if (nsm > SCAN_MAX_SAMPLES) return SER_TRUNCATED;
    for (uint32_t i = 0; i < nsm && !b->bad; i++) {
        uint32_t fi = rb_u32(b);
        const char *file = rb_str(b, &r->ar);
        uint64_t line = rb_u64(b);
        const char *reason = rb_str(b, &r->ar);
        if (b->bad) return SER_TRUNCATED;
        res_add_sample(r, fi, file, line, reason);
    }
    uint64_t us = rb_u64(b);
    if (us > SER_MAX_US) return SER_NONCANON;
    r->seconds = (double)us / 1e6;
    r->threads = (int)rb_u32(b);
    if (b->bad) return SER_TRUNCATED;
    if (b->off != b->n) return "partial has trailing data";
    return NULL;
}

uint64_t res_serialized_len(const scan_result *r)
{
    struct wbuf w = {.count = 1};
    ser_all(r, &w);
    return w.n;
}

int res_serialize_to(const scan_result *r, int (*put)(void *ctx, const void *d, size_t n), void *ctx, char *err,
                     size_t errlen)
{
    if (r->npairs && !r->pst) return err_set(err, errlen, SER_COUNTS_ONLY);
    struct wbuf w = {.put = put, .ctx = ctx};
    buf_init(&w.b, WB_CHUNK * 2);
    ser_all(r, &w);
    wb_flush(&w);
    buf_release(&w.b);
    return w.failed ? err_set(err, errlen, "%s", strerror(errno ? errno : EIO)) : 0;
}

scan_result *scan_result_deserialize(const void *data, size_t len, char *err, size_t errlen)
{
    return res_deserialize(data, len, 0, err, errlen);
}

scan_result *res_deserialize(const void *data, size_t len, int counts, char *err, size_t errlen)
{
    struct rbuf b = {data, len, 0, 0};
    scan_result *r = res_new();
    uint32_t nf = 0;
    const char *why = read_head(&b, r, &nf);
    if (!why) why = read_subjects(&b, r, nf);
    if (!why) why = read_pairs(&b, r, counts);
    if (!why) why = read_hours(&b, r);
    if (!why) why = read_file_stats(&b, r);
    if (!why) why = read_samples_and_run(&b, r);
    if (why) {
        err_set(err, errlen, "%s", why);
        scan_result_free(r);
        return NULL;
    }
    return r; /* read_pairs indexed the pairs */
}
