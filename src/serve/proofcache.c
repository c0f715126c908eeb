/* proofcache.c — inclusion proofs of the transparency log without reading the log
 * (serve_int.h, docs/serve.md "The code cache").
 *
 * tlog_prove_inclusion reads every leaf hash of the tree and hashes them all: O(size) per
 * answer, 32 MB and a million SHA-256 for a log of a million entries. The portal instead keeps
 * every leaf hash (32 bytes an entry) and the roots of the complete, aligned subtrees of BLOCK
 * leaves and up (level j: the root of leaves [i·2^j, (i+1)·2^j) for every i with (i+1)·2^j <=
 * the log's size; 2/BLOCK hashes per entry in all). The log is append-only, so a leaf and such a
 * root never change: the tables are extended when a proof needs a larger tree, never rebuilt,
 * and a proof of a tree they cover asks the register nothing.
 *
 * RFC 9162's PATH(m, D[a:b]) splits a range at the largest power of two below its length, so
 * every range it visits starts at a multiple of a power of two at least as long as itself. A
 * range longer than BLOCK is a complete aligned subtree (in the table) or the right edge of the
 * tree, split again; a range of BLOCK leaves or fewer lies inside one aligned block: the one of
 * leaf m (the path) or the tree's last, incomplete block (its right edge), hashed from the
 * leaves. A proof thus hashes at most 2·BLOCK leaves plus O(log size) nodes. */
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
static pthread_mutex_t tree_mu = PTHREAD_MUTEX_INITIALIZER; /* extending the tables */
static pthread_rwlock_t tree_rw = PTHREAD_RWLOCK_INITIALIZER; /* reading them / swapping their arrays */
static hash_t *leaves; /* the first nleaves leaf hashes of the log */
static size_t nleaves, leaves_room;
static hash_t *level[LEVELS]; /* level[j], j >= BLOCK_BITS: roots of the complete aligned 2^j-leaf subtrees */
static size_t have[LEVELS], room[LEVELS];

/* ---- extending the tables to the first N leaves ---- */

struct fill {
    hash_t *leaves; /* the new leaves, from index first */
    int64_t first;
    size_t n;
};

static int fill_leaf(void *ctx, int64_t idx, const uint8_t leaf[HL])
{
    struct fill *f = ctx;
    memcpy(f->leaves[idx - f->first], leaf, HL);
    f->n++;
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

/* the leaves of F appended (under the write lock), and the roots of the blocks they complete */
static void append(const struct fill *f)
{
    if (!f->n) return;
    if (nleaves + f->n > leaves_room) {
        while (nleaves + f->n > leaves_room) leaves_room = leaves_room ? leaves_room * 2 : 1024;
        leaves = xrealloc(leaves, leaves_room * sizeof *leaves);
    }
    memcpy(leaves[nleaves], f->leaves, f->n * sizeof *leaves);
    nleaves += f->n;
    while ((have[BLOCK_BITS] + 1) * BLOCK <= nleaves) {
        hash_t root;
        merkle_root(&leaves[have[BLOCK_BITS] * BLOCK][0], BLOCK, root, NULL, 0);
        push(BLOCK_BITS, root);
        /* each completed pair makes one root a level up */
        for (int j = BLOCK_BITS; j + 1 < LEVELS && have[j] % 2 == 0; j++) {
            hash_t up;
            merkle_hash_children(level[j][have[j] - 2], level[j][have[j] - 1], up);
            push(j + 1, up);
        }
    }
}

/* 0, or 1 (register error) */
static int extend(reg *r, size_t n)
{
    pthread_mutex_lock(&tree_mu);
    pthread_rwlock_rdlock(&tree_rw);
    size_t from = nleaves;
    pthread_rwlock_unlock(&tree_rw);
    int rc = 0;
    if (from < n) {
        struct fill f = {.first = (int64_t)from};
        f.leaves = xmalloc((n - from) * sizeof *f.leaves);
        rc = portal_leaves(r, (int64_t)from, (int64_t)n, 0, 0, fill_leaf, &f);
        if (!rc) {
            pthread_rwlock_wrlock(&tree_rw);
            append(&f);
            pthread_rwlock_unlock(&tree_rw);
        }
        free(f.leaves);
    }
    pthread_mutex_unlock(&tree_mu);
    return rc ? 1 : 0;
}

/* ---- one proof (under the read lock) ---- */

static int64_t split(int64_t n) /* the largest power of two below n (n >= 2) */
{
    int64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}

/* MTH(D[a:b]) */
static void mth(int64_t a, int64_t b, uint8_t out[HL])
{
    int64_t n = b - a;
    if (n >= BLOCK && (n & (n - 1)) == 0) { /* complete and aligned (PATH's ranges are): kept */
        int j = 0;
        while ((INT64_C(1) << j) < n) j++;
        memcpy(out, level[j][a >> j], HL);
        return;
    }
    if (n <= BLOCK) { /* inside the block of the leaf or the last block: from the leaves */
        merkle_root(&leaves[a][0], (uint64_t)n, out, NULL, 0);
        return;
    }
    int64_t k = split(n);
    hash_t l, r;
    mth(a, a + k, l);
    mth(a + k, b, r);
    merkle_hash_children(l, r, out);
}

static void path(int64_t m, int64_t a, int64_t b, struct tlog_proof *p)
{
    if (b - a <= 1) return;
    int64_t k = split(b - a);
    if (m < a + k) {
        path(m, a, a + k, p);
        mth(a + k, b, p->hashes[p->n++]);
    } else {
        path(m, a + k, b, p);
        mth(a, a + k, p->hashes[p->n++]);
    }
}

int proofcache_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p)
{
    memset(p, 0, sizeof *p);
    if (size < 1 || index < 0 || index >= size)
        return reg_fail(r, 2, "entry %lld is not in the tree of %lld entries", (long long)index, (long long)size);
    if (extend(r, (size_t)size)) return 1;
    p->type = TLOG_PROOF_INCLUSION;
    p->index = index;
    p->size = size;
    pthread_rwlock_rdlock(&tree_rw);
    memcpy(p->leaf_hash, leaves[index], HL);
    path(index, 0, size, p);
    mth(0, size, p->root);
    pthread_rwlock_unlock(&tree_rw);
    return 0;
}

void proofcache_release(void)
{
    pthread_rwlock_wrlock(&tree_rw);
    free(leaves);
    leaves = NULL;
    nleaves = leaves_room = 0;
    for (int j = 0; j < LEVELS; j++) {
        free(level[j]);
        level[j] = NULL;
        have[j] = room[j] = 0;
    }
    pthread_rwlock_unlock(&tree_rw);
}
