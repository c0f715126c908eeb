/* test_sha256.c — SHA-256: NIST vectors, streaming splits, both backends, libsodium.
 *   test_sha256          run the unit tests (TAP)
 *   test_sha256 bench    print MB/s of each backend on a 256 MiB buffer */
#include "check.h"
#include "util/sha256.h"

#include <sodium.h>
#include <stdlib.h>
#include <time.h>

static const char *hex(const uint8_t d[32])
{
    static char buf[SHA256_HEX_LEN + 1];
    sha256_to_hex(d, buf);
    return buf;
}

static const char *hash_hex(const void *p, size_t n)
{
    uint8_t d[32];
    sha256_hash(p, n, d);
    return hex(d);
}

static const char *million_a(void)
{
    struct sha256_ctx c;
    uint8_t d[32];
    char a[1000];
    memset(a, 'a', sizeof a);
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) sha256_update(&c, a, sizeof a);
    sha256_final(&c, d);
    return hex(d);
}

/* FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
static void check_nist(void)
{
    CHECK_STR(hash_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(hash_hex(NULL, 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(hash_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_STR(hash_hex(m448, strlen(m448)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    CHECK_STR(hash_hex(m896, strlen(m896)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK_STR(million_a(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_nist_vectors(void)
{
    check_nist();
}

static void test_nist_vectors_portable(void)
{
    int was = sha256_use_accel(0);
    CHECK_STR(sha256_backend(), "portable");
    check_nist();
    sha256_use_accel(1);
    (void)was;
}

/* Lengths around the padding boundaries (55, 56, 63, 64, 119, 120 ...), both backends,
 * against libsodium's independent implementation. */
static void test_boundaries_vs_libsodium(void)
{
    uint8_t buf[300], a[32], b[32];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 131 + 7);
    for (int accel = 0; accel <= 1; accel++) {
        sha256_use_accel(accel);
        for (size_t n = 0; n <= sizeof buf; n++) {
            sha256_hash(buf, n, a);
            crypto_hash_sha256(b, buf, n);
            if (memcmp(a, b, 32) != 0) {
                printf("# mismatch at length %zu (%s)\n", n, sha256_backend());
                CHECK(0);
                break;
            }
        }
    }
    sha256_use_accel(1);
}

/* Streaming: every split of a 200-byte message into two and three pieces. */
static void test_streaming_splits(void)
{
    uint8_t msg[200], want[32], got[32];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i ^ 0x5a);
    sha256_hash(msg, sizeof msg, want);
    int bad = 0;
    for (size_t i = 0; i <= sizeof msg && !bad; i++) {
        for (size_t j = i; j <= sizeof msg; j += 7) {
            struct sha256_ctx c;
            sha256_init(&c);
            sha256_update(&c, msg, i);
            sha256_update(&c, msg + i, j - i);
            sha256_update(&c, NULL, 0);
            sha256_update(&c, msg + j, sizeof msg - j);
            sha256_final(&c, got);
            if (memcmp(got, want, 32) != 0) {
                printf("# split %zu/%zu differs\n", i, j);
                bad = 1;
                break;
            }
        }
    }
    CHECK(!bad);
    /* byte by byte */
    struct sha256_ctx c;
    sha256_init(&c);
    for (size_t i = 0; i < sizeof msg; i++) sha256_update(&c, msg + i, 1);
    sha256_final(&c, got);
    CHECK(memcmp(got, want, 32) == 0);
}

/* Copying a context forks the computation. */
static void test_context_copy(void)
{
    struct sha256_ctx c, d;
    uint8_t x[32], y[32];
    sha256_init(&c);
    sha256_update(&c, "ab", 2);
    d = c;
    sha256_update(&c, "c", 1);
    sha256_final(&c, x);
    CHECK_STR(hex(x), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_update(&d, "d", 1);
    sha256_final(&d, y);
    sha256_hash("abd", 3, x);
    CHECK(memcmp(x, y, 32) == 0);
}

/* Random lengths and contents (fixed seed), accelerated vs portable vs libsodium, with
 * unaligned starting addresses. */
static void test_random_cross(void)
{
    size_t cap = 70000;
    uint8_t *buf = malloc(cap + 16);
    CHECK(buf != NULL);
    if (!buf) return;
    uint32_t s = 12345;
    for (size_t i = 0; i < cap + 16; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (uint8_t)(s >> 16);
    }
    int bad = 0;
    for (int iter = 0; iter < 200 && !bad; iter++) {
        s = s * 1103515245u + 12345u;
        size_t n = (s >> 8) % cap, off = s % 16;
        uint8_t a[32], b[32], c[32];
        sha256_use_accel(1);
        sha256_hash(buf + off, n, a);
        sha256_use_accel(0);
        sha256_hash(buf + off, n, b);
        crypto_hash_sha256(c, buf + off, n);
        if (memcmp(a, c, 32) != 0 || memcmp(b, c, 32) != 0) {
            printf("# random case %d (len %zu, offset %zu) differs\n", iter, n, off);
            bad = 1;
        }
    }
    sha256_use_accel(1);
    CHECK(!bad);
    free(buf);
}

static void test_final_wipes(void)
{
    struct sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, "secret", 6);
    sha256_final(&c, d);
    CHECK_INT(c.buflen, 0);
    CHECK_INT(c.nbytes, 0);
    CHECK_INT(c.buf[0], 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(void)
{
    size_t n = (size_t)256 << 20;
    uint8_t *buf = malloc(n), d[32];
    if (!buf) return 1;
    memset(buf, 0x61, n);
    for (int accel = 1; accel >= 0; accel--) {
        sha256_use_accel(accel);
        double t = now_s();
        sha256_hash(buf, n, d);
        t = now_s() - t;
        printf("%-9s %8.1f MB/s  %s\n", sha256_backend(), (double)n / t / 1e6, hex(d));
        /* small messages: Merkle node hashing (65 bytes) */
        t = now_s();
        for (int i = 0; i < 1000000; i++) sha256_hash(buf, 65, d);
        t = now_s() - t;
        printf("%-9s %8.2f M hashes/s of 65 bytes\n", sha256_backend(), 1.0 / t);
    }
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0) return bench();
    if (sodium_init() < 0) {
        printf("not ok 1 - sodium_init\n");
        return 1;
    }
    printf("# backend: %s\n", sha256_backend());
    RUN(test_nist_vectors);
    RUN(test_nist_vectors_portable);
    RUN(test_boundaries_vs_libsodium);
    RUN(test_streaming_splits);
    RUN(test_context_copy);
    RUN(test_random_cross);
    RUN(test_final_wipes);
    return check_done();
}
