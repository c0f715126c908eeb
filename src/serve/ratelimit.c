/* ratelimit.c — token buckets and failure back-off in open-addressed tables under one mutex
 * each (see ratelimit.h). */
#include "serve/ratelimit.h"
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RL_KEY 48
#define RL_PROBE 8

struct rl_slot {
    char key[RL_KEY];
    double tokens, last; /* buckets: tokens at LAST; back-off: failures, time of the last */
    double until; /* back-off: locked until */
};
struct table {
    pthread_mutex_t mu;
    unsigned char hkey[crypto_shorthash_KEYBYTES];
    size_t n;
    struct rl_slot *s;
};
struct ratelimit {
    struct table t;
    double rate, burst; /* tokens per second, bucket size */
};
struct backoff {
    struct table t;
    int free_failures, max_lock, forget;
};

static int table_init(struct table *t, size_t slots)
{
    t->n = slots ? slots : 1;
    t->s = calloc(t->n, sizeof *t->s);
    if (!t->s) return -1;
    if (sodium_init() < 0) {
        free(t->s);
        return -1;
    }
    randombytes_buf(t->hkey, sizeof t->hkey);
    pthread_mutex_init(&t->mu, NULL);
    return 0;
}

static void table_release(struct table *t)
{
    pthread_mutex_destroy(&t->mu);
    free(t->s);
}

static void make_key(const char *client, char key[RL_KEY], size_t *kl)
{
    size_t n = strlen(client);
    if (n >= RL_KEY) n = RL_KEY - 1;
    memcpy(key, client, n);
    key[n] = 0;
    *kl = n;
}

static uint64_t slot_hash(const struct table *t, const char *key, size_t kl)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v;
    crypto_shorthash(h, (const unsigned char *)key, kl, t->hkey);
    memcpy(&v, h, sizeof v);
    return v;
}

/* the slot of KEY in its probe window, or NULL (the caller holds the mutex) */
static struct rl_slot *find(struct table *t, const char *key, uint64_t h)
{
    for (size_t i = 0; i < RL_PROBE; i++) {
        struct rl_slot *s = &t->s[(h + i) % t->n];
        if (s->key[0] && !strcmp(s->key, key)) return s;
    }
    return NULL;
}

struct ratelimit *ratelimit_new(int per_min, size_t slots)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    if (table_init(&rl->t, slots)) {
        free(rl);
        return NULL;
    }
    rl->rate = per_min / 60.0;
    rl->burst = per_min;
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl) return;
    table_release(&rl->t);
    free(rl);
}

int ratelimit_take(struct ratelimit *rl, const char *client, double now)
{
    char key[RL_KEY];
    size_t kl;
    make_key(client, key, &kl);
    struct table *t = &rl->t;
    uint64_t h = slot_hash(t, key, kl);
    pthread_mutex_lock(&t->mu);
    struct rl_slot *hit = find(t, key, h);
    if (!hit) {
        /* an empty slot, else the one whose bucket has refilled the most (forgetting it hands
           out the fewest extra tokens), else the least recently seen */
        struct rl_slot *victim = NULL;
        double vfill = -1;
        for (size_t i = 0; i < RL_PROBE; i++) {
            struct rl_slot *s = &t->s[(h + i) % t->n];
            if (!s->key[0]) {
                victim = s;
                break;
            }
            double fill = s->tokens + (now - s->last) * rl->rate;
            if (fill > rl->burst) fill = rl->burst;
            if (!victim || fill > vfill || (fill == vfill && s->last < victim->last)) {
                victim = s;
                vfill = fill;
            }
        }
        hit = victim;
        memcpy(hit->key, key, kl + 1);
        hit->tokens = rl->burst;
        hit->last = now;
    }
    double tk = hit->tokens + (now - hit->last) * rl->rate;
    if (tk > rl->burst) tk = rl->burst;
    hit->last = now;
    int wait = 0;
    if (tk >= 1.0) tk -= 1.0;
    else wait = (int)ceil((1.0 - tk) / (rl->rate > 0 ? rl->rate : 1e-9));
    hit->tokens = tk;
    pthread_mutex_unlock(&t->mu);
    return wait ? (wait < 1 ? 1 : wait) : 0;
}

/* ---------------------------------------------------------------- back-off */

struct backoff *backoff_new(int free_failures, int max_lock, int forget, size_t slots)
{
    struct backoff *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    if (table_init(&b->t, slots)) {
        free(b);
        return NULL;
    }
    b->free_failures = free_failures;
    b->max_lock = max_lock;
    b->forget = forget;
    return b;
}

void backoff_free(struct backoff *b)
{
    if (!b) return;
    table_release(&b->t);
    free(b);
}

int backoff_check(struct backoff *b, const char *client, double now)
{
    char key[RL_KEY];
    size_t kl;
    make_key(client, key, &kl);
    uint64_t h = slot_hash(&b->t, key, kl);
    int wait = 0;
    pthread_mutex_lock(&b->t.mu);
    struct rl_slot *s = find(&b->t, key, h);
    if (s && s->until > now) wait = (int)ceil(s->until - now);
    pthread_mutex_unlock(&b->t.mu);
    return wait < 0 ? 0 : wait;
}

int backoff_fail(struct backoff *b, const char *client, double now)
{
    char key[RL_KEY];
    size_t kl;
    make_key(client, key, &kl);
    struct table *t = &b->t;
    uint64_t h = slot_hash(t, key, kl);
    pthread_mutex_lock(&t->mu);
    struct rl_slot *s = find(t, key, h);
    if (!s) {
        /* an empty or forgotten slot, else the one with the fewest failures, else the oldest */
        struct rl_slot *victim = NULL;
        for (size_t i = 0; i < RL_PROBE; i++) {
            struct rl_slot *c = &t->s[(h + i) % t->n];
            if (!c->key[0] || now - c->last > b->forget) {
                victim = c;
                break;
            }
            if (!victim || c->tokens < victim->tokens || (c->tokens == victim->tokens && c->last < victim->last))
                victim = c;
        }
        s = victim;
        memcpy(s->key, key, kl + 1);
        s->tokens = 0;
        s->until = 0;
        s->last = now;
    }
    if (now - s->last > b->forget) {
        s->tokens = 0;
        s->until = 0;
    }
    s->tokens += 1;
    s->last = now;
    int lock = 0;
    if (s->tokens > b->free_failures) {
        double over = s->tokens - b->free_failures - 1;
        double l = over >= 30 ? b->max_lock : pow(2.0, over);
        if (l > b->max_lock) l = b->max_lock;
        lock = (int)l;
        s->until = now + l;
    }
    pthread_mutex_unlock(&t->mu);
    return lock;
}

void backoff_ok(struct backoff *b, const char *client)
{
    char key[RL_KEY];
    size_t kl;
    make_key(client, key, &kl);
    uint64_t h = slot_hash(&b->t, key, kl);
    pthread_mutex_lock(&b->t.mu);
    struct rl_slot *s = find(&b->t, key, h);
    if (s) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&b->t.mu);
}
