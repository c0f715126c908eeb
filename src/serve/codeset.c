/* codeset.c — the set of known codes (serve_int.h, docs/serve.md "The code cache"): the first
 * 8 bytes of the keyed lookup hash of every notice's code, in one open-addressing table shared
 * by the worker threads, so that a code no notice has is answered without asking the register.
 *
 * Fresh for every request: before each look-up a thread compares its connection's data_version
 * (SQLite: PRAGMA data_version; PostgreSQL: the notifications every commit sends) with the one
 * it saw when it last brought the set up to date; when another connection has committed since,
 * it reads the notices added after the set's highest id (portal_codes.h: ids come in commit
 * order) before it looks. Notices are never deleted and their codes never change, so the set
 * only grows: what one thread added is right for all. A hit is only a "maybe" (8 bytes of 32,
 * and the notice's row holds what the answer needs): the caller then looks the code up. */
#include "serve/serve_int.h"
#include "register/portal_codes.h"
#include "util/xalloc.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_rwlock_t set_rw = PTHREAD_RWLOCK_INITIALIZER; /* lookups read, additions write */
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER; /* one thread reads the register at a time */
static uint64_t *slots; /* cap slots, 0 = empty; a power of two, at most half full */
static size_t cap, count;
static int64_t last_id; /* every notice up to this id is in the set (under set_rw) */
static _Atomic int failing; /* the last catch-up failed (said once, on standard error) */
static _Atomic int64_t generation = 1; /* one more at every codeset_release: the threads start over */

static __thread reg *t_reg; /* the connection t_version was read on */
static __thread int64_t t_version; /* its data_version when this thread last brought the set up to date */
static __thread int64_t t_generation; /* the set's generation then */

static uint64_t key_of(const uint8_t p[PORTAL_CODES_PREFIX])
{
    uint64_t k;
    memcpy(&k, p, sizeof k);
    return k ? k : 1; /* 0 marks an empty slot; a 1 that stands for 0 only costs a look-up */
}

/* 1 when K was added, 0 when it was there */
static int put(uint64_t *t, size_t tcap, uint64_t k)
{
    size_t i = (size_t)k & (tcap - 1); /* the hash is keyed and uniform: its low bits will do */
    while (t[i] && t[i] != k) i = (i + 1) & (tcap - 1);
    if (t[i]) return 0;
    t[i] = k;
    return 1;
}

/* room for N keys in all (under the write lock) */
static void reserve(size_t n)
{
    if (n <= cap / 2) return;
    size_t ncap = cap ? cap : 1024;
    while (n > ncap / 2) ncap *= 2;
    uint64_t *t = xcalloc(ncap, sizeof *t);
    for (size_t i = 0; i < cap; i++)
        if (slots[i]) put(t, ncap, slots[i]);
    free(slots);
    slots = t;
    cap = ncap;
}

struct batch {
    uint64_t *k;
    size_t n, capk;
};

static int collect(void *ctx, int64_t id, const uint8_t prefix[PORTAL_CODES_PREFIX])
{
    (void)id;
    struct batch *b = ctx;
    if (b->n == b->capk) {
        b->capk = b->capk ? b->capk * 2 : 256;
        b->k = xrealloc(b->k, b->capk * sizeof *b->k);
    }
    b->k[b->n++] = key_of(prefix);
    return 0;
}

/* add the notices after the set's highest id, read on R: 0, or 1 (register error) */
static int catch_up(reg *r)
{
    pthread_mutex_lock(&load_mu);
    pthread_rwlock_rdlock(&set_rw);
    int64_t after = last_id;
    pthread_rwlock_unlock(&set_rw);
    struct batch b = {0};
    int64_t last = after;
    int rc = portal_codes_after(r, after, collect, &b, &last);
    if (!rc && last > after) {
        pthread_rwlock_wrlock(&set_rw);
        reserve(count + b.n);
        for (size_t i = 0; i < b.n; i++) count += (size_t)put(slots, cap, b.k[i]);
        last_id = last;
        pthread_rwlock_unlock(&set_rw);
    }
    free(b.k);
    if (rc && !failing)
        fprintf(stderr,
                "klartext: serve: the set of known codes could not be brought up to date (%s); until it can, "
                "every code is looked up in the register\n",
                reg_err(r));
    failing = rc != 0;
    pthread_mutex_unlock(&load_mu);
    return rc ? 1 : 0;
}

int codeset_maybe(reg *r, const unsigned char *hash)
{
    int64_t v;
    /* the version first: a commit after it is seen at the next request, never lost */
    if (reg_data_version(r, &v)) return -1;
    int64_t g = generation;
    if (t_reg != r || v != t_version || t_generation != g) {
        t_reg = NULL;
        if (catch_up(r)) return -1;
        t_reg = r;
        t_version = v;
        t_generation = g;
    }
    uint64_t k = key_of(hash);
    int hit = 0;
    pthread_rwlock_rdlock(&set_rw);
    if (cap) {
        size_t i = (size_t)k & (cap - 1);
        while (slots[i] && slots[i] != k) i = (i + 1) & (cap - 1);
        hit = slots[i] == k;
    }
    pthread_rwlock_unlock(&set_rw);
    return hit;
}

void codeset_stats(size_t *notices, size_t *bytes)
{
    pthread_rwlock_rdlock(&set_rw);
    *notices = count;
    *bytes = cap * sizeof *slots;
    pthread_rwlock_unlock(&set_rw);
}

void codeset_release(void)
{
    pthread_rwlock_wrlock(&set_rw);
    free(slots);
    slots = NULL;
    cap = count = 0;
    last_id = 0;
    generation++;
    pthread_rwlock_unlock(&set_rw);
}
