/* ratelimit.c — token buckets in an open-addressed table under one mutex (see ratelimit.h). */
#include "serve/ratelimit.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RL_KEY 48
#define RL_PROBE 8

struct rl_slot {
    char key[RL_KEY];
    double tokens, last;
};
struct ratelimit {
    pthread_mutex_t mu;
    double rate, burst;        /* tokens per second, bucket size */
    size_t n;
    struct rl_slot *s;
};

struct ratelimit *ratelimit_new(int per_min, size_t slots)
{
    struct ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl) return NULL;
    rl->s = calloc(slots ? slots : 1, sizeof *rl->s);
    if (!rl->s) { free(rl); return NULL; }
    rl->n = slots ? slots : 1;
    rl->rate = per_min / 60.0;
    rl->burst = per_min;
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (!rl) return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->s);
    free(rl);
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ULL; }
    return h;
}

int ratelimit_take(struct ratelimit *rl, const char *client, double now)
{
    char key[RL_KEY];
    size_t kl = strlen(client);
    if (kl >= RL_KEY) kl = RL_KEY - 1;
    memcpy(key, client, kl);
    key[kl] = 0;
    uint64_t h = fnv(key);
    pthread_mutex_lock(&rl->mu);
    struct rl_slot *hit = NULL, *victim = NULL;
    for (size_t i = 0; i < RL_PROBE; i++) {
        struct rl_slot *s = &rl->s[(h + i) % rl->n];
        if (s->key[0] && !strcmp(s->key, key)) { hit = s; break; }
        if (!s->key[0]) { if (!victim || victim->key[0]) victim = s; }
        else if (!victim || (victim->key[0] && s->last < victim->last)) victim = s;
    }
    if (!hit) {
        hit = victim;
        memcpy(hit->key, key, kl + 1);
        hit->tokens = rl->burst;
        hit->last = now;
    }
    double t = hit->tokens + (now - hit->last) * rl->rate;
    if (t > rl->burst) t = rl->burst;
    hit->last = now;
    int wait = 0;
    if (t >= 1.0) t -= 1.0;
    else wait = (int)ceil((1.0 - t) / (rl->rate > 0 ? rl->rate : 1e-9));
    if (wait < 0) wait = 1;
    hit->tokens = t;
    pthread_mutex_unlock(&rl->mu);
    return wait ? (wait < 1 ? 1 : wait) : 0;
}
