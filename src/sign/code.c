/* code.c — notice codes (see code.h). */
#include "sign/code.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Value of a typed symbol, or -1. Case-insensitive; I/L → 1, O → 0; U is invalid. */
static int symbol_value(unsigned char c)
{
    if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 'a' + 'A');
    if (c >= '0' && c <= '9') return c - '0';
    switch (c) {
    case 'O': return 0;
    case 'I':
    case 'L': return 1;
    case 'U': return -1;
    default: break;
    }
    const char *p = (c >= 'A' && c <= 'Z') ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

void code_encode(const unsigned char bytes[CODE_BYTES], char canon[CODE_CANON_SIZE])
{
    /* 80 bits = 16 x 5 bits, most significant first; two 40-bit halves */
    for (int h = 0; h < 2; h++) {
        uint64_t v = 0;
        for (int i = 0; i < 5; i++) v = (v << 8) | bytes[h * 5 + i];
        for (int i = 7; i >= 0; i--) {
            canon[h * 8 + i] = alphabet[v & 31];
            v >>= 5;
        }
    }
    canon[CODE_CHARS] = '\0';
}

int code_decode(const char canon[CODE_CANON_SIZE], unsigned char bytes[CODE_BYTES])
{
    for (int h = 0; h < 2; h++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            const char *p = canon[h * 8 + i] ? strchr(alphabet, canon[h * 8 + i]) : NULL;
            if (!p) return -1;
            v = (v << 5) | (uint64_t)(p - alphabet);
        }
        for (int i = 4; i >= 0; i--) {
            bytes[h * 5 + i] = (unsigned char)(v & 0xff);
            v >>= 8;
        }
    }
    return canon[CODE_CHARS] == '\0' ? 0 : -1;
}

void code_format(const char canon[CODE_CANON_SIZE], char out[CODE_DISPLAY_SIZE])
{
    size_t o = 0;
    for (int i = 0; i < CODE_CHARS; i++) {
        if (i > 0 && i % 4 == 0) out[o++] = '-';
        out[o++] = canon[i];
    }
    out[o] = '\0';
}

void code_generate(char out[CODE_DISPLAY_SIZE])
{
    unsigned char b[CODE_BYTES];
    char canon[CODE_CANON_SIZE];
    /* randombytes_buf never fails: libsodium aborts if the OS has no entropy source */
    int rc = sodium_init();
    (void)rc;
    randombytes_buf(b, sizeof b);
    code_encode(b, canon);
    code_format(canon, out);
    sodium_memzero(b, sizeof b);
    sodium_memzero(canon, sizeof canon);
}

int code_parse(const char *in, size_t len, char canon[CODE_CANON_SIZE], char *err, size_t errlen)
{
    size_t n = 0;
    if (len > CODE_INPUT_MAX) return err_set(err, errlen, "code too long (%zu characters)", len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '-' || c == ' ' || c == '\t') continue;
        int v = symbol_value(c);
        if (v < 0) {
            if (c >= 0x21 && c < 0x7f) err_set(err, errlen, "invalid character '%c' in code", c);
            else err_set(err, errlen, "invalid byte 0x%02x in code", c);
            return -1;
        }
        if (n < CODE_CHARS) canon[n] = alphabet[v];
        n++;
    }
    if (n != CODE_CHARS) return err_set(err, errlen, "code has %zu symbols, expected %d", n, CODE_CHARS);
    canon[CODE_CHARS] = '\0';
    return 0;
}

int code_lookup_hash(const unsigned char key[CODE_KEY_BYTES], const char *code, unsigned char out[CODE_HASH_BYTES])
{
    char canon[CODE_CANON_SIZE];
    size_t len = strnlen(code, CODE_INPUT_MAX + 1);
    if (sodium_init() < 0 || code_parse(code, len, canon, NULL, 0) != 0) return -1;
    crypto_generichash(out, CODE_HASH_BYTES, (const unsigned char *)canon, CODE_CHARS, key, CODE_KEY_BYTES);
    sodium_memzero(canon, sizeof canon);
    return 0;
}

int code_equal_ct(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void code_test_generate_from_seed(const unsigned char seed[32], uint64_t n, char out[CODE_DISPLAY_SIZE])
{
    unsigned char nle[8], b[CODE_BYTES];
    char canon[CODE_CANON_SIZE];
    for (int i = 0; i < 8; i++) nle[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash(b, sizeof b, nle, sizeof nle, seed, 32);
    code_encode(b, canon);
    code_format(canon, out);
}
