/* proofcache.c — inclusion proofs of the transparency log without reading the whole log
 * (serve_int.h, docs/serve.md "The code cache").
 *
 * tlog_prove_inclusion reads every leaf hash of the tree and hashes them all: O(size) per
 * answer, 32 MB and a million SHA-256 for a log of a million entries. The portal instead keeps
 * the roots of the complete, aligned subtrees of BLOCK leaves and up (level j: the root of
 * leaves [i·2^j, (i+1)·2^j) for every i with (i+1)·2^j <= the log's size; 2/BLOCK hashes per
 * entry in all: 2 MiB for a million entries). The log is append-only, so such a root never
 * changes: the table is extended when a proof needs a larger tree, never rebuilt.
 *
 * RFC 9162's PATH(m, D[a:b]) splits a range at the largest power of two below its length, so
 * every range it visits starts at a multiple of a power of two at least as long as itself. A
 * range longer than BLOCK is a complete aligned subtree (in the table) or the right edge of the
 * tree, split again; a range of BLOCK leaves or fewer lies inside one aligned block: the one of
 * leaf m (the path) or the tree's last, incomplete block (its right edge). A proof thus reads
 * the leaves of at most two blocks, and hashes at most 2·BLOCK leaves plus O(log size) nodes. */
#include "serve/serve_int.h"
#include "register/portal_codes.h"
#include "register/tlog_store.h"
#include "tlog/merkle.h"
#include "util/xalloc.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HL MERKLE_HASH_LEN
#define BLOCK_BITS 5
#define BLOCK (1 << BLOCK_BITS) /* leaves under the lowest level kept */
#define LEVELS 64

typedef uint8_t hash_t[HL];
static pthread_mutex_t tree_mu = PTHREAD_MUTEX_INITIALIZER; /* extending the table */
static pthread_rwlock_t tree_rw = PTHREAD_RWLOCK_INITIALIZER; /* reading it / swapping its arrays */
static hash_t *level[LEVELS]; /* level[j], j >= BLOCK_BITS: roots of the complete aligned 2^j-leaf subtrees */
static size_t have[LEVELS], room[LEVELS];

/* ---- extending the table to the first NBLOCKS complete blocks ---- */

struct fill {
    hash_t leaves[BLOCK];
    int64_t first; /* index of leaves[0] */
    hash_t *roots; /* the new blocks' roots */
    size_t n;
};

static int fill_leaf(void *ctx, int64_t idx, const uint8_t leaf[HL])
{
    struct fill *f = ctx;
    memcpy(f->leaves[idx - f->first], leaf, HL);
    if (idx - f->first == BLOCK - 1) {
        merkle_root(&f->leaves[0][0], BLOCK, f->roots[f->n++], NULL, 0);
        f->first += BLOCK;
    }
    return 0;
}

static void push(int j, const uint8_t h[HL])
{
    if (have[j] == room[j]) {
        room[j] = room[j] ? room[j] * 2 : 64;
        level[j] = xrealloc(level[j], room[j] * sizeof *level[j]);
    }
    memcpy(level[j][have[j]++], h, HL);
}

/* 0, or 1 (register error) */
static int extend(reg *r, size_t nblocks)
{
    pthread_mutex_lock(&tree_mu);
    pthread_rwlock_rdlock(&tree_rw);
    size_t from = have[BLOCK_BITS];
    pthread_rwlock_unlock(&tree_rw);
    int rc = 0;
    if (from < nblocks) {
        struct fill f = {.first = (int64_t)from * BLOCK};
        f.roots = xmalloc((nblocks - from) * sizeof *f.roots);
        rc = portal_leaves(r, (int64_t)from * BLOCK, (int64_t)nblocks * BLOCK, 0, 0, fill_leaf, &f);
        if (!rc) {
            pthread_rwlock_wrlock(&tree_rw);
            for (size_t i = 0; i < f.n; i++) {
                push(BLOCK_BITS, f.roots[i]);
                /* each completed pair makes one root a level up */
                for (int j = BLOCK_BITS; j + 1 < LEVELS && have[j] % 2 == 0; j++) {
                    hash_t up;
                    merkle_hash_children(level[j][have[j] - 2], level[j][have[j] - 1], up);
                    push(j + 1, up);
                }
            }
            pthread_rwlock_unlock(&tree_rw);
        }
        free(f.roots);
    }
    pthread_mutex_unlock(&tree_mu);
    return rc ? 1 : 0;
}

/* ---- one proof ---- */

struct pctx {
    int64_t size;
    int64_t blk[2]; /* first index of the two blocks read (-1: none) */
    hash_t leaves[2][BLOCK];
};

static int take_leaf(void *ctx, int64_t idx, const uint8_t leaf[HL])
{
    struct pctx *c = ctx;
    int k = idx >= c->blk[0] && idx < c->blk[0] + BLOCK ? 0 : 1;
    memcpy(c->leaves[k][idx - c->blk[k]], leaf, HL);
    return 0;
}

static int64_t split(int64_t n) /* the largest power of two below n (n >= 2) */
{
    int64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}

/* MTH(D[a:b]) under the table's read lock */
static void mth(const struct pctx *c, int64_t a, int64_t b, uint8_t out[HL])
{
    int64_t n = b - a;
    if (n >= BLOCK && (n & (n - 1)) == 0) { /* complete and aligned (PATH's ranges are): kept */
        int j = 0;
        while ((INT64_C(1) << j) < n) j++;
        memcpy(out, level[j][a >> j], HL);
        return;
    }
    if (n <= BLOCK) { /* inside the block of the leaf or the last block: read */
        int k = a >= c->blk[0] && a < c->blk[0] + BLOCK ? 0 : 1;
        merkle_root(&c->leaves[k][a - c->blk[k]][0], (uint64_t)n, out, NULL, 0);
        return;
    }
    int64_t k = split(n);
    hash_t l, r;
    mth(c, a, a + k, l);
    mth(c, a + k, b, r);
    merkle_hash_children(l, r, out);
}

static void path(const struct pctx *c, int64_t m, int64_t a, int64_t b, struct tlog_proof *p)
{
    if (b - a <= 1) return;
    int64_t k = split(b - a);
    if (m < a + k) {
        path(c, m, a, a + k, p);
        mth(c, a + k, b, p->hashes[p->n++]);
    } else {
        path(c, m, a + k, b, p);
        mth(c, a, a + k, p->hashes[p->n++]);
    }
}

int proofcache_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p)
{
    memset(p, 0, sizeof *p);
    if (size < 1 || index < 0 || index >= size)
        return reg_fail(r, 2, "entry %lld is not in the tree of %lld entries", (long long)index, (long long)size);
    if (extend(r, (size_t)(size / BLOCK))) return 1;
    struct pctx *c = xcalloc(1, sizeof *c);
    c->size = size;
    c->blk[0] = index / BLOCK * BLOCK;
    int64_t last = size % BLOCK ? size / BLOCK * BLOCK : -1; /* the incomplete last block */
    c->blk[1] = last != c->blk[0] ? last : -1;
    int64_t end0 = c->blk[0] + BLOCK < size ? c->blk[0] + BLOCK : size;
    int rc = portal_leaves(r, c->blk[0], end0, c->blk[1] >= 0 ? c->blk[1] : 0, c->blk[1] >= 0 ? size : 0, take_leaf, c);
    if (!rc) {
        p->type = TLOG_PROOF_INCLUSION;
        p->index = index;
        p->size = size;
        memcpy(p->leaf_hash, c->leaves[0][index - c->blk[0]], HL);
        pthread_rwlock_rdlock(&tree_rw);
        path(c, index, 0, size, p);
        mth(c, 0, size, p->root);
        pthread_rwlock_unlock(&tree_rw);
    }
    free(c);
    return rc;
}

void proofcache_release(void)
{
    pthread_rwlock_wrlock(&tree_rw);
    for (int j = 0; j < LEVELS; j++) {
        free(level[j]);
        level[j] = NULL;
        have[j] = room[j] = 0;
    }
    pthread_rwlock_unlock(&tree_rw);
}
