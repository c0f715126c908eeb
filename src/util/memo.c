/* memo.c — a small, bounded cache for the results of a pure function of a byte string. */
#include "util/memo.h"
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define SETS (MEMO_SLOTS / WAYS)

struct entry {
    uint64_t h;
    char *mem; /* key bytes, then value bytes; NULL = empty */
    size_t klen, vlen, cap;
    uint64_t used; /* when last used (the memo's clock) */
};

struct memo {
    struct entry e[MEMO_SLOTS];
    uint64_t clock, lookups, hits;
};

struct memo *memo_new(void)
{
    return calloc(1, sizeof(struct memo));
}

void memo_free(struct memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < MEMO_SLOTS; i++) free(m->e[i].mem);
    free(m);
}

/* A hash of the length and of eight words spread over the key (the first two, the last two,
 * four between): constant time, however long the key. Keys that differ elsewhere share a hash
 * and so a set; memo_get compares whole keys, so that costs a miss at most, never a wrong
 * value. */
static uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    return h ^ (h >> 29);
}

uint64_t memo_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
    if (n < 64) { /* short keys: all of it */
        for (; n >= 8; p += 8, n -= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            h = mix(h, w);
        }
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = mix(h, w);
    } else {
        static const unsigned at[4] = {1, 2, 3, 5}; /* quarters and eighths of the middle */
        uint64_t w[8];
        memcpy(&w[0], p, 8);
        memcpy(&w[1], p + 8, 8);
        memcpy(&w[2], p + n - 16, 8);
        memcpy(&w[3], p + n - 8, 8);
        for (int i = 0; i < 4; i++) memcpy(&w[4 + i], p + 16 + (n - 40) * at[i] / 8, 8);
        for (int i = 0; i < 8; i++) h = mix(h, w[i]);
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

static struct entry *set_of(struct memo *m, uint64_t h)
{
    return &m->e[(h % SETS) * WAYS];
}

const char *memo_get(struct memo *m, const void *key, size_t n, uint64_t h, size_t *vlen)
{
    m->lookups++;
    struct entry *s = set_of(m, h);
    for (int i = 0; i < WAYS; i++) {
        struct entry *e = &s[i];
        if (e->mem && e->h == h && e->klen == n && memcmp(e->mem, key, n) == 0) {
            e->used = ++m->clock;
            m->hits++;
            *vlen = e->vlen;
            return e->mem + n;
        }
    }
    return NULL;
}

int memo_put(struct memo *m, const void *key, size_t n, uint64_t h, const void *val, size_t vlen)
{
    if (n > MEMO_MAX_ITEM || vlen > MEMO_MAX_ITEM) return -1;
    struct entry *s = set_of(m, h), *v = NULL;
    for (int i = 0; i < WAYS && !v; i++) /* the key's own entry, if it has one */
        if (s[i].mem && s[i].h == h && s[i].klen == n && memcmp(s[i].mem, key, n) == 0) v = &s[i];
    for (int i = 0; i < WAYS && !v; i++) /* else an empty one */
        if (!s[i].mem) v = &s[i];
    if (!v) { /* else the least recently used */
        v = &s[0];
        for (int i = 1; i < WAYS; i++)
            if (s[i].used < v->used) v = &s[i];
    }
    if (v->cap < n + vlen + 1) {
        char *p = realloc(v->mem, n + vlen + 1);
        if (!p) return -1;
        v->mem = p;
        v->cap = n + vlen + 1;
    }
    memcpy(v->mem, key, n);
    if (vlen) memcpy(v->mem + n, val, vlen);
    v->mem[n + vlen] = 0;
    v->h = h;
    v->klen = n;
    v->vlen = vlen;
    v->used = ++m->clock;
    return 0;
}

void memo_stats(const struct memo *m, uint64_t *lookups, uint64_t *hits)
{
    *lookups = m->lookups;
    *hits = m->hits;
}
