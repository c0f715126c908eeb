/* test_memo.c — the bounded cache of byte-string results (src/util/memo.c). */
#include "check.h"
#include "util/memo.h"
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *get(struct memo *m, const char *k, size_t *vl)
{
    return memo_get(m, k, strlen(k), memo_hash(k, strlen(k)), vl);
}

static void put(struct memo *m, const char *k, const char *v)
{
    CHECK_INT(memo_put(m, k, strlen(k), memo_hash(k, strlen(k)), v, strlen(v)), 0);
}

static void test_basic(void)
{
    struct memo *m = memo_new();
    size_t vl = 99;
    CHECK(get(m, "absatz", &vl) == NULL);
    put(m, "absatz", "ABSATZ");
    const char *v = get(m, "absatz", &vl);
    CHECK(v && vl == 6 && memcmp(v, "ABSATZ", 6) == 0);
    /* whole keys are compared: a prefix, a longer key, one changed byte, the empty key miss */
    CHECK(get(m, "absat", &vl) == NULL);
    CHECK(get(m, "absatz!", &vl) == NULL);
    CHECK(get(m, "absaty", &vl) == NULL);
    CHECK(get(m, "", &vl) == NULL);
    /* the empty key and an empty value are values like any other */
    put(m, "", "leer");
    put(m, "nichts", "");
    v = get(m, "", &vl);
    CHECK(v && vl == 4 && memcmp(v, "leer", 4) == 0);
    v = get(m, "nichts", &vl);
    CHECK(v && vl == 0);
    /* a new value replaces the old one */
    put(m, "absatz", "neu");
    v = get(m, "absatz", &vl);
    CHECK(v && vl == 3 && memcmp(v, "neu", 3) == 0);
    /* too large: not kept, no harm */
    size_t big = MEMO_MAX_ITEM + 1;
    char *b = calloc(1, big);
    CHECK_INT(memo_put(m, b, big, memo_hash(b, big), "x", 1), -1);
    CHECK(memo_get(m, b, big, memo_hash(b, big), &vl) == NULL);
    free(b);
    uint64_t lookups, hits;
    memo_stats(m, &lookups, &hits);
    CHECK_INT(lookups, 10);
    CHECK_INT(hits, 4);
    memo_free(m);
}

/* against a plain table: many keys, all sizes, colliding sets: every hit returns exactly the
 * value last put for that key; the most recently used keys of each set stay */
static void test_model(void)
{
    enum { NK = 5000 };
    struct memo *m = memo_new();
    static char keys[NK][40];
    static size_t klen[NK];
    static uint64_t ver[NK];
    for (int i = 0; i < NK; i++) {
        klen[i] = (size_t)snprintf(keys[i], sizeof keys[i], "k%d-%.*s", i, (int)(rnd() % 20), "ABCDEFGHIJKLMNOPQRST");
        ver[i] = 0;
    }
    int wrong = 0, hits = 0;
    for (int step = 0; step < 200000; step++) {
        int i = (int)(rnd() % (step % 3 ? 50 : NK)); /* a hot set of 50 keys and a cold rest */
        uint64_t h = memo_hash(keys[i], klen[i]);
        size_t vl;
        const char *v = memo_get(m, keys[i], klen[i], h, &vl);
        char want[64];
        int wl = snprintf(want, sizeof want, "%s=%llu", keys[i], (unsigned long long)ver[i]);
        if (v) {
            hits++;
            if (vl != (size_t)wl || memcmp(v, want, vl)) wrong++;
        }
        if (!v || rnd() % 10 == 0) {
            if (v) {
                ver[i]++;
                wl = snprintf(want, sizeof want, "%s=%llu", keys[i], (unsigned long long)ver[i]);
            }
            if (memo_put(m, keys[i], klen[i], h, want, (size_t)wl)) wrong++;
        }
    }
    CHECK_INT(wrong, 0);
    CHECK(hits > 100000); /* the hot keys stay */
    memo_free(m);
}

/* the hash spreads short keys that differ in one byte anywhere, and in length */
static void test_hash(void)
{
    char a[63];
    memset(a, 'x', sizeof a);
    uint64_t h0 = memo_hash(a, sizeof a);
    int same = 0;
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] ^= 1;
        same += memo_hash(a, sizeof a) == h0;
        a[i] ^= 1;
    }
    for (size_t n = 0; n < sizeof a; n++) same += memo_hash(a, n) == h0;
    CHECK_INT(same, 0);
    /* long keys: differing in length, first, last and sampled words; and keys that share the
       hash (differing between samples) are still told apart by the lookup */
    char b[1000];
    memset(b, 'y', sizeof b);
    uint64_t hb = memo_hash(b, sizeof b);
    same = 0;
    for (size_t i = 0; i < 16; i++) {
        b[i] ^= 1;
        same += memo_hash(b, sizeof b) == hb;
        b[i] ^= 1;
    }
    for (size_t i = sizeof b - 16; i < sizeof b; i++) {
        b[i] ^= 1;
        same += memo_hash(b, sizeof b) == hb;
        b[i] ^= 1;
    }
    for (size_t n = 64; n < sizeof b; n++) same += memo_hash(b, n) == hb;
    CHECK_INT(same, 0);
    struct memo *m = memo_new();
    CHECK_INT(memo_put(m, b, sizeof b, hb, "one", 3), 0);
    b[500] ^= 1;
    size_t vl;
    uint64_t h2 = memo_hash(b, sizeof b);
    const char *v = memo_get(m, b, sizeof b, h2, &vl);
    CHECK(v == NULL);
    CHECK_INT(memo_put(m, b, sizeof b, h2, "two", 3), 0);
    v = memo_get(m, b, sizeof b, h2, &vl);
    CHECK(v && vl == 3 && memcmp(v, "two", 3) == 0);
    b[500] ^= 1;
    v = memo_get(m, b, sizeof b, hb, &vl);
    CHECK(v && vl == 3 && memcmp(v, "one", 3) == 0);
    memo_free(m);
}

int main(void)
{
    RUN(test_basic);
    RUN(test_model);
    RUN(test_hash);
    return check_done();
}
