/* codeset.c — the set of known codes (serve_int.h, docs/serve.md "The code cache"): the first
 * 8 bytes of the keyed lookup hash of every notice's code, each with the first 8 bytes of the
 * keyed hash of the address the notice went to (or "look it up": purged), in one open-addressing
 * table shared by the worker threads, so that a code no notice has — or a notice's code with
 * another address — is answered without asking the register.
 *
 * Fresh for every request: before each look-up a thread compares its connection's data_version
 * (SQLite: PRAGMA data_version; PostgreSQL: the notifications every commit sends) with the one
 * it saw when it last brought the set up to date; when another connection has committed since,
 * it reads the notices added after the set's highest id (portal_codes.h: ids come in commit
 * order) and, when the register has a purge record it has not seen, the purged notices (a
 * purge deletes their addresses in place; their codes alone then answer) before it looks.
 * Notices are never deleted and their codes never change, so the set only grows and a slot only
 * goes from "this address" to "look it up": what one thread changed is right for all. A hit is
 * only a "maybe" (8 bytes of 32, and the notice's row holds what the answer needs): the caller
 * then looks the code up. */
#include "serve/serve_int.h"
#include "register/portal_codes.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t code; /* the code's key (key_of), 0 = empty */
    uint64_t addr; /* the address's key (key_of), 0 = none to compare: look the code up */
};
static pthread_rwlock_t set_rw = PTHREAD_RWLOCK_INITIALIZER; /* lookups read, changes write */
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER; /* one thread reads the register at a time */
static struct slot *slots; /* cap slots; a power of two, at most half full */
static size_t cap, count;
static int64_t last_id; /* every notice up to this id is in the set (under set_rw) */
static int64_t purge_mark; /* the purge records seen (portal_purge_mark; under load_mu) */
static _Atomic int failing; /* the last catch-up failed (said once, on standard error) */
static _Atomic int64_t generation = 1; /* one more at every codeset_release: the threads start over */

static __thread reg *t_reg; /* the connection t_version was read on */
static __thread int64_t t_version; /* its data_version when this thread last brought the set up to date */
static __thread int64_t t_generation; /* the set's generation then */

static uint64_t key_of(const uint8_t p[8])
{
    uint64_t k;
    memcpy(&k, p, sizeof k);
    return k ? k : 1; /* 0 marks an empty slot; a 1 that stands for 0 only costs a look-up */
}

int codeset_addr_hash(const char *addr, unsigned char out[32])
{
    char norm[HTTP_FIELD_MAX];
    long n = http_email_norm(addr, norm, sizeof norm);
    int real = n >= 0;
    if (!real) { /* no address: a text no address normalises to, hashed with the same work */
        memset(norm, 0, sizeof norm);
        n = (long)sizeof norm - 1;
        norm[0] = '\n';
    }
    crypto_generichash(out, 32, (const unsigned char *)norm, (size_t)n, srv_g.keys->addr_key,
                       sizeof srv_g.keys->addr_key);
    return real;
}

/* add K with address key A, or, when K is there: its address forgotten unless it is A (two
   notices whose codes share 8 bytes, one chance in 2^64: both are looked up); 1 when K was new */
static int put(struct slot *t, size_t tcap, uint64_t k, uint64_t a)
{
    size_t i = (size_t)k & (tcap - 1); /* the hash is keyed and uniform: its low bits will do */
    while (t[i].code && t[i].code != k) i = (i + 1) & (tcap - 1);
    if (t[i].code) {
        if (t[i].addr != a) t[i].addr = 0;
        return 0;
    }
    t[i].code = k;
    t[i].addr = a;
    return 1;
}

static struct slot *find(uint64_t k)
{
    if (!cap) return NULL;
    size_t i = (size_t)k & (cap - 1);
    while (slots[i].code && slots[i].code != k) i = (i + 1) & (cap - 1);
    return slots[i].code ? &slots[i] : NULL;
}

/* room for N keys in all (under the write lock) */
static void reserve(size_t n)
{
    if (n <= cap / 2) return;
    size_t ncap = cap ? cap : 1024;
    while (n > ncap / 2) ncap *= 2;
    struct slot *t = xcalloc(ncap, sizeof *t);
    for (size_t i = 0; i < cap; i++)
        if (slots[i].code) put(t, ncap, slots[i].code, slots[i].addr);
    free(slots);
    slots = t;
    cap = ncap;
}

struct batch {
    struct slot *k;
    size_t n, capk;
};

static int collect(void *ctx, int64_t id, const uint8_t prefix[PORTAL_CODES_PREFIX], const char *rcpt, int purged)
{
    (void)id;
    struct batch *b = ctx;
    if (b->n == b->capk) {
        b->capk = b->capk ? b->capk * 2 : 256;
        b->k = xrealloc(b->k, b->capk * sizeof *b->k);
    }
    unsigned char h[32];
    codeset_addr_hash(rcpt, h); /* the one lookup_verify compares with, as the register has it */
    b->k[b->n].code = key_of(prefix);
    b->k[b->n++].addr = purged ? 0 : key_of(h); /* purged: the code alone answers, looked up */
    return 0;
}

/* the purged notices' slots to "look it up" when a purge was recorded since the last time
   (under load_mu): 0, or 1 (register error) */
static int catch_up_purges(reg *r)
{
    int64_t mark = 0;
    int rc = portal_purge_mark(r, &mark);
    if (rc || mark == purge_mark) return rc ? 1 : 0;
    struct batch b = {0};
    rc = portal_purged(r, collect, &b);
    if (!rc) {
        pthread_rwlock_wrlock(&set_rw);
        for (size_t i = 0; i < b.n; i++) {
            struct slot *sl = find(b.k[i].code);
            if (sl) sl->addr = 0; /* a purged notice not yet in the set comes with its state */
        }
        pthread_rwlock_unlock(&set_rw);
        purge_mark = mark;
    }
    free(b.k);
    return rc ? 1 : 0;
}

/* add the notices after the set's highest id, read on R, and the purges since: 0, or 1 */
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
        for (size_t i = 0; i < b.n; i++) count += (size_t)put(slots, cap, b.k[i].code, b.k[i].addr);
        last_id = last;
        pthread_rwlock_unlock(&set_rw);
    }
    free(b.k);
    if (!rc) rc = catch_up_purges(r);
    if (rc && !failing)
        fprintf(stderr,
                "klartext: serve: the set of known codes could not be brought up to date (%s); until it can, "
                "every code is looked up in the register\n",
                reg_err(r));
    failing = rc != 0;
    pthread_mutex_unlock(&load_mu);
    return rc ? 1 : 0;
}

int codeset_maybe(reg *r, const unsigned char *hash, const unsigned char *addr)
{
    int64_t v;
    /* the version first: a commit after it is seen at the next request, never lost */
    if (srv_data_version(r, &v)) return -1;
    int64_t g = generation;
    if (t_reg != r || v != t_version || t_generation != g) {
        t_reg = NULL;
        if (catch_up(r)) return -1;
        t_reg = r;
        t_version = v;
        t_generation = g;
    }
    uint64_t k = key_of(hash), a = addr ? key_of(addr) : 0;
    pthread_rwlock_rdlock(&set_rw);
    const struct slot *sl = find(k);
    /* known: look it up, unless an address was given and the notice went to another one; with
       the whole answer when it went to this one */
    int hit = !sl ? 0 : addr && sl->addr && sl->addr == a ? 2 : !addr || !sl->addr;
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
    purge_mark = 0;
    generation++;
    pthread_rwlock_unlock(&set_rw);
}
