/* sha256.h — SHA-256 (FIPS 180-4), streaming and one-shot. libc only.
 *
 * On x86-64 the SHA extensions (SHA-NI) are used when the CPU has them (checked once at
 * run time); everywhere else a portable unrolled C implementation runs. Both give the same
 * digests; sha256_use_accel() switches between them for tests and benchmarks.
 *
 *   struct sha256_ctx c;
 *   sha256_init(&c);
 *   sha256_update(&c, buf, n);          // as often as needed, any lengths
 *   sha256_final(&c, digest);           // digest: uint8_t[SHA256_DIGEST_LEN]
 *
 * Thread safety: a context belongs to one thread at a time; the functions share no
 * mutable state except the accelerator switch (an atomic). */
#ifndef KT_SHA256_H
#define KT_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64
#define SHA256_HEX_LEN 64 /* hex digits of a digest, without the terminating NUL */

/* Streaming state. Plain data: may be copied to fork a computation (hash a common
 * prefix once, then copy the context and finish it with different suffixes). */
struct sha256_ctx {
    uint32_t state[8];
    uint64_t nbytes; /* message bytes so far */
    uint8_t buf[SHA256_BLOCK_LEN]; /* partial block */
    size_t buflen; /* bytes used in buf, < SHA256_BLOCK_LEN */
};

/* Start a new digest in c. Never fails. */
void sha256_init(struct sha256_ctx *c);

/* Feed len bytes at data (data may be NULL when len is 0). Never fails; messages of up to
 * 2^61-1 bytes are supported. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);

/* Finish: write the 32-byte digest to out and wipe c (re-init it to reuse it). */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

/* One-shot digest of len bytes at data into out. */
void sha256_hash(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

/* Write the lowercase hex form of a digest (64 digits and a NUL) to out. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN + 1]);

/* Enable (1) or disable (0) the hardware-accelerated path. Returns 1 when the accelerated
 * path is now in use, 0 when the portable one is (always 0 without CPU support). The
 * default is enabled when available. Meant for tests and benchmarks. */
int sha256_use_accel(int enable);

/* Name of the implementation in use: "sha-ni" or "portable". Static string. */
const char *sha256_backend(void);

#endif
