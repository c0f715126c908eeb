/* fuzz_seckey.c — libFuzzer target for minisign secret key files (sign_key_load in
 * src/sign/keys.c, what klartext reads from klartext.key) and for the minisign signature
 * round trip (minisig_sign → minisig_parse / minisig_verify).
 *
 * Byte 0 picks the mode:
 *   even  the rest is a secret key file. It is written to a memfd (mode 0600) and loaded
 *         through /proc/self/fd/N, the path-based reader as the CLI uses it. A refused file
 *         has a message naming it; a loaded key signs: its minisign signature (both the
 *         prehashed "ED" and the legacy "Ed" algorithm) verifies with its own public key and
 *         key id, and its public key survives the base64 line round trip.
 *   odd   the rest is "trusted comment NUL data": signed with a fixed test key, the signature
 *         text parses and verifies; one bit flipped (chosen by the input) in the data, the
 *         trusted comment or anywhere in the signature text never verifies as OK. */
#include "sign/keys.h"
#include "sign/minisig.h"
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fd = -1;
static char path[64];
static sign_key *fixed;
static unsigned char fpk[32], fid[8];

static void init(void)
{
    if (fd >= 0) return;
    if (sodium_init() < 0) abort();
    fd = memfd_create("klartext.key", 0);
    if (fd < 0 || fchmod(fd, 0600)) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    unsigned char seed[32], id[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)i;
    fixed = sign_key_from_seed(seed, id);
    if (!fixed) abort();
    sign_key_public(fixed, fpk, fid);
}

static void sign_check(const sign_key *k, const unsigned char pk[32], const unsigned char id[8], const char *trusted,
                       const unsigned char *d, size_t n, uint32_t bit)
{
    static char sig[MINISIG_TEXT_MAX];
    char err[300];
    size_t sl = 0;
    for (int alg = 0; alg < 2; alg++) {
        enum minisig_alg a = alg ? MINISIG_LEGACY : MINISIG_PREHASHED;
        if (minisig_sign(k, d, n, a, NULL, trusted, sig, sizeof sig, &sl, err, sizeof err)) {
            /* only a comment that is not one line of printable UTF-8 may be refused */
            if (sign_utf8_line_ok_(trusted, strlen(trusted)) && strlen(trusted) <= MINISIG_TRUSTED_MAX) {
                fprintf(stderr, "cannot sign: %s\n", err);
                abort();
            }
            return;
        }
        struct minisig m;
        int rc = minisig_verify(pk, id, d, n, sig, sl, &m, err, sizeof err);
        if (rc != MINISIG_OK) {
            fprintf(stderr, "own signature: %s\n", err);
            abort();
        }
        if (m.trusted_len != strlen(trusted) || memcmp(m.trusted, trusted, m.trusted_len)) abort();
        if (!bit) continue;
        /* one bit flipped in the data, then in the signature text */
        if (n) {
            unsigned char *c = malloc(n);
            memcpy(c, d, n);
            c[(bit >> 3) % n] ^= (unsigned char)(1u << (bit & 7));
            if (minisig_verify(pk, id, c, n, sig, sl, NULL, err, sizeof err) == MINISIG_OK) abort();
            free(c);
        }
        size_t pos = (bit >> 3) % sl;
        char o = sig[pos];
        sig[pos] ^= (char)(1u << (bit & 7));
        /* a flip inside the untrusted comment is allowed to verify: it is not signed */
        const char *nl = memchr(sig, '\n', sl);
        rc = minisig_verify(pk, id, d, n, sig, sl, NULL, err, sizeof err);
        if (rc == MINISIG_OK && !(nl && pos >= 19 && pos < (size_t)(nl - sig))) {
            fprintf(stderr, "signature with bit %u of byte %zu flipped still verifies\n", bit & 7, pos);
            abort();
        }
        sig[pos] = o;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (!size) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    char err[600];
    if (!(data[0] & 1)) {
        if (ftruncate(fd, 0) || (n && pwrite(fd, d, n, 0) != (ssize_t)n)) abort();
        err[0] = 0;
        sign_key *k = sign_key_load(path, err, sizeof err);
        if (!k) {
            if (!err[0] || !strstr(err, path)) {
                fprintf(stderr, "message: %s\n", err);
                abort();
            }
            return 0;
        }
        unsigned char pk[32], id[8], pk2[32], id2[8];
        char b64[SIGN_PUBKEY_B64 + 1];
        sign_key_public(k, pk, id);
        sign_pubkey_b64(pk, id, b64);
        if (sign_pubkey_parse(b64, strlen(b64), pk2, id2, err, sizeof err) || memcmp(pk, pk2, 32) || memcmp(id, id2, 8))
            abort();
        sign_check(k, pk, id, "timestamp:1542035000", (const unsigned char *)"notice\n", 7, 0);
        sign_key_free(k);
        return 0;
    }
    /* trusted comment NUL data; the bit to flip from the first 4 bytes */
    if (n < 4) return 0;
    uint32_t bit = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    d += 4;
    n -= 4;
    const uint8_t *z = memchr(d, 0, n);
    size_t tl = z ? (size_t)(z - d) : n;
    if (tl > MINISIG_TRUSTED_MAX + 8) tl = MINISIG_TRUSTED_MAX + 8;
    char *trusted = malloc(tl + 1);
    memcpy(trusted, d, tl);
    trusted[tl] = 0;
    const uint8_t *msg = z ? z + 1 : d + n;
    size_t ml = (size_t)(d + n - msg);
    sign_check(fixed, fpk, fid, trusted, msg, ml, bit | 1);
    free(trusted);
    return 0;
}
