/* sha256.c — SHA-256 (FIPS 180-4): portable C plus an x86-64 SHA-NI path. */
#include "util/sha256.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define SHA256_HAVE_SHANI 0
#endif

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* ---- portable compression ---------------------------------------------------------- */

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* One round; W_ is the schedule word for round i. The caller rotates the variable names. */
#define RND(a, b, c, d, e, f, g, h, i, W_) \
    do { \
        uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + K256[i] + (W_); \
        uint32_t t2_ = BSIG0(a) + MAJ(a, b, c); \
        (d) += t1_; \
        (h) = t1_ + t2_; \
    } while (0)
#define WLOAD(i) (w[(i)] = load_be32(p + 4 * (i)))
#define WNEXT(i) (w[(i)&15] += SSIG1(w[((i)-2) & 15]) + w[((i)-7) & 15] + SSIG0(w[((i)-15) & 15]))
#define EIGHT(i, WF) \
    do { \
        RND(a, b, c, d, e, f, g, h, (i) + 0, WF((i) + 0)); \
        RND(h, a, b, c, d, e, f, g, (i) + 1, WF((i) + 1)); \
        RND(g, h, a, b, c, d, e, f, (i) + 2, WF((i) + 2)); \
        RND(f, g, h, a, b, c, d, e, (i) + 3, WF((i) + 3)); \
        RND(e, f, g, h, a, b, c, d, (i) + 4, WF((i) + 4)); \
        RND(d, e, f, g, h, a, b, c, (i) + 5, WF((i) + 5)); \
        RND(c, d, e, f, g, h, a, b, (i) + 6, WF((i) + 6)); \
        RND(b, c, d, e, f, g, h, a, (i) + 7, WF((i) + 7)); \
    } while (0)

static void blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[16];
    while (nblocks--) {
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
        EIGHT(0, WLOAD);
        EIGHT(8, WLOAD);
        for (int i = 16; i < 64; i += 8) EIGHT(i, WNEXT);
        st[0] += a;
        st[1] += b;
        st[2] += c;
        st[3] += d;
        st[4] += e;
        st[5] += f;
        st[6] += g;
        st[7] += h;
        p += SHA256_BLOCK_LEN;
    }
}

/* ---- x86-64 SHA extensions ------------------------------------------------------------ */

#if SHA256_HAVE_SHANI
#define SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* Four rounds with schedule vector Wg (words 4g..4g+3). */
#define QR(g, Wg) \
    do { \
        msg = _mm_add_epi32((Wg), _mm_loadu_si128((const __m128i *)&K256[4 * (g)])); \
        st1 = _mm_sha256rnds2_epu32(st1, st0, msg); \
        msg = _mm_shuffle_epi32(msg, 0x0E); \
        st0 = _mm_sha256rnds2_epu32(st0, st1, msg); \
    } while (0)
/* W0 := next schedule vector from the previous four (W0 oldest, W3 newest). */
#define SCHED(W0, W1, W2, W3) \
    (W0) = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((W0), (W1)), _mm_alignr_epi8((W3), (W2), 4)), (W3))

SHANI_TARGET
static void blocks_shani(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i st0, st1, msg, tmp, m0, m1, m2, m3, save0, save1;

    tmp = _mm_loadu_si128((const __m128i *)&st[0]);
    st1 = _mm_loadu_si128((const __m128i *)&st[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1); /* CDAB */
    st1 = _mm_shuffle_epi32(st1, 0x1B); /* EFGH */
    st0 = _mm_alignr_epi8(tmp, st1, 8); /* ABEF */
    st1 = _mm_blend_epi16(st1, tmp, 0xF0); /* CDGH */

    while (nblocks--) {
        save0 = st0;
        save1 = st1;
        m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
        m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
        QR(0, m0);
        QR(1, m1);
        QR(2, m2);
        QR(3, m3);
        SCHED(m0, m1, m2, m3);
        QR(4, m0);
        SCHED(m1, m2, m3, m0);
        QR(5, m1);
        SCHED(m2, m3, m0, m1);
        QR(6, m2);
        SCHED(m3, m0, m1, m2);
        QR(7, m3);
        SCHED(m0, m1, m2, m3);
        QR(8, m0);
        SCHED(m1, m2, m3, m0);
        QR(9, m1);
        SCHED(m2, m3, m0, m1);
        QR(10, m2);
        SCHED(m3, m0, m1, m2);
        QR(11, m3);
        SCHED(m0, m1, m2, m3);
        QR(12, m0);
        SCHED(m1, m2, m3, m0);
        QR(13, m1);
        SCHED(m2, m3, m0, m1);
        QR(14, m2);
        SCHED(m3, m0, m1, m2);
        QR(15, m3);
        st0 = _mm_add_epi32(st0, save0);
        st1 = _mm_add_epi32(st1, save1);
        p += SHA256_BLOCK_LEN;
    }

    tmp = _mm_shuffle_epi32(st0, 0x1B); /* FEBA */
    st1 = _mm_shuffle_epi32(st1, 0xB1); /* DCHG */
    st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
    st1 = _mm_alignr_epi8(st1, tmp, 8); /* HGFE */
    _mm_storeu_si128((__m128i *)&st[0], st0);
    _mm_storeu_si128((__m128i *)&st[4], st1);
}

static int cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) /* SSSE3, SSE4.1 */
        return 0;
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (int)((b >> 29) & 1u); /* SHA */
}
#endif

/* -1 not yet probed, 0 portable, 1 SHA-NI. */
static atomic_int accel_state = -1;

static int accel_probe(void)
{
#if SHA256_HAVE_SHANI
    return cpu_has_shani();
#else
    return 0;
#endif
}

static inline int accel_on(void)
{
    int s = atomic_load_explicit(&accel_state, memory_order_relaxed);
    if (s < 0) {
        s = accel_probe();
        atomic_store_explicit(&accel_state, s, memory_order_relaxed);
    }
    return s;
}

static void blocks(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
#if SHA256_HAVE_SHANI
    if (accel_on()) {
        blocks_shani(st, p, nblocks);
        return;
    }
#endif
    blocks_portable(st, p, nblocks);
}

int sha256_use_accel(int enable)
{
    int s = enable ? accel_probe() : 0;
    atomic_store_explicit(&accel_state, s, memory_order_relaxed);
    return s;
}

const char *sha256_backend(void)
{
    return accel_on() ? "sha-ni" : "portable";
}

/* ---- streaming interface --------------------------------------------------------------- */

void sha256_init(struct sha256_ctx *c)
{
    memcpy(c->state, H0, sizeof H0);
    c->nbytes = 0;
    c->buflen = 0;
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0) return;
    c->nbytes += len;
    if (c->buflen) {
        size_t take = SHA256_BLOCK_LEN - c->buflen;
        if (take > len) take = len;
        memcpy(c->buf + c->buflen, p, take);
        c->buflen += take;
        p += take;
        len -= take;
        if (c->buflen < SHA256_BLOCK_LEN) return;
        blocks(c->state, c->buf, 1);
        c->buflen = 0;
    }
    if (len >= SHA256_BLOCK_LEN) {
        size_t n = len / SHA256_BLOCK_LEN;
        blocks(c->state, p, n);
        p += n * SHA256_BLOCK_LEN;
        len -= n * SHA256_BLOCK_LEN;
    }
    if (len) {
        memcpy(c->buf, p, len);
        c->buflen = len;
    }
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN])
{
    uint64_t bits = c->nbytes << 3;
    size_t n = c->buflen;
    c->buf[n++] = 0x80;
    if (n > SHA256_BLOCK_LEN - 8) {
        memset(c->buf + n, 0, SHA256_BLOCK_LEN - n);
        blocks(c->state, c->buf, 1);
        n = 0;
    }
    memset(c->buf + n, 0, SHA256_BLOCK_LEN - 8 - n);
    store_be32(c->buf + 56, (uint32_t)(bits >> 32));
    store_be32(c->buf + 60, (uint32_t)bits);
    blocks(c->state, c->buf, 1);
    for (int i = 0; i < 8; i++) store_be32(out + 4 * i, c->state[i]);
    /* wipe: the buffer may hold the tail of a secret */
    volatile uint8_t *v = (volatile uint8_t *)c;
    for (size_t i = 0; i < sizeof *c; i++) v[i] = 0;
}

void sha256_hash(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, out);
}

void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN + 1])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_LEN; i++) {
        out[2 * i] = hx[digest[i] >> 4];
        out[2 * i + 1] = hx[digest[i] & 15];
    }
    out[SHA256_HEX_LEN] = '\0';
}
