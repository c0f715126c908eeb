/* checkpoint.c — C2SP tlog-checkpoint / signed-note: format, sign, parse, verify. */
#include "tlog/checkpoint.h"
#include "util/err.h"

#include "util/sha256.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define EM_DASH "\xe2\x80\x94" /* U+2014 */
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4
#define SIG_TYPE_ED25519 0x01

/* ---- UTF-8 ------------------------------------------------------------------------------- */

/* Decode one UTF-8 sequence at p (n bytes available): code point in *cp, returns its length,
 * or 0 when the bytes are not valid UTF-8 (overlong forms, surrogates, > U+10FFFF). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return len;
}

/* Unicode White_Space (what Go's unicode.IsSpace reports). */
static int is_unicode_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Validate a key name of len bytes. */
static int check_name_n(const char *name, size_t len, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)name;
    if (len == 0) return err_set(err, errlen, "key name is empty");
    if (len > CKPT_MAX_NAME) return err_set(err, errlen, "key name is %zu bytes, more than %d", len, CKPT_MAX_NAME);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_next(p + i, len - i, &cp);
        if (k == 0) return err_set(err, errlen, "key name '%.*s' is not valid utf-8", (int)len, name);
        if (is_unicode_space(cp)) return err_set(err, errlen, "key name '%.*s' contains a space", (int)len, name);
        if (cp < 0x20) return err_set(err, errlen, "key name contains control character 0x%02x", (unsigned)cp);
        if (cp == '+') return err_set(err, errlen, "key name '%.*s' contains '+'", (int)len, name);
        i += k;
    }
    return 0;
}

int ckpt_check_name(const char *name, char *err, size_t errlen)
{
    if (!name) return err_set(err, errlen, "key name is empty");
    return check_name_n(name, strnlen(name, CKPT_MAX_NAME + 1), err, errlen);
}

uint32_t ckpt_key_id(const char *name, const uint8_t pk[CKPT_PK_LEN])
{
    static const uint8_t sep[2] = {0x0a, SIG_TYPE_ED25519};
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_LEN];
    sha256_init(&c);
    sha256_update(&c, name, strlen(name));
    sha256_update(&c, sep, sizeof sep);
    sha256_update(&c, pk, CKPT_PK_LEN);
    sha256_final(&c, d);
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* ---- base64 (standard alphabet, padded, canonical) ------------------------------------- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode exactly len characters at s; the first cap bytes go to bin, *out = the decoded
 * length (which may exceed cap). Strict and canonical: length a multiple of 4, only the standard alphabet, '=' padding only at
 * the end and only as needed, unused bits zero. (Not sodium_base642bin: libsodium 1.0.18
 * accepts some bytes >= 0x80 inside the input.) Returns 0 or -1. */
static int b64_decode(const char *s, size_t len, uint8_t *bin, size_t cap, size_t *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t pad = 0, n = 0;
    if (len == 0 || len % 4 != 0) return -1;
    if (p[len - 1] == '=') pad = p[len - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        size_t q = i + 4 == len ? 4 - pad : 4; /* data characters in this quad */
        for (size_t j = 0; j < 4; j++) {
            v[j] = j < q ? b64_value(p[i + j]) : 0;
            if (v[j] < 0) return -1;
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (q == 2 && (v[1] & 0x0f) != 0) return -1;
        if (q == 3 && (v[2] & 0x03) != 0) return -1;
        uint8_t b3[3] = {(uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
        for (size_t j = 0; j + 1 < q; j++, n++) /* q characters carry q - 1 bytes */
            if (n < cap) bin[n] = b3[j];
    }
    *out = n;
    return 0;
}

/* ---- formatting and signing ------------------------------------------------------------- */

int ckpt_format(const char *origin, uint64_t size, const uint8_t root[CKPT_HASH_LEN], char *out, size_t outlen,
                size_t *out_len, char *err, size_t errlen)
{
    char b64[sodium_base64_ENCODED_LEN(CKPT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
    char why[200];
    if (!origin || check_name_n(origin, strnlen(origin, CKPT_MAX_NAME + 1), why, sizeof why) < 0)
        return err_set(err, errlen, "invalid origin: %s", origin ? why : "none given");
    sodium_bin2base64(b64, sizeof b64, root, CKPT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, outlen, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
    if (n < 0 || (size_t)n >= outlen)
        return err_set(err, errlen, "output buffer too small for the checkpoint (%d bytes)", n);
    if (out_len) *out_len = (size_t)n;
    return 0;
}

int ckpt_sign(const char *origin, uint64_t size, const uint8_t root[CKPT_HASH_LEN], const char *name,
              const uint8_t sk[CKPT_SK_LEN], char *out, size_t outlen, size_t *out_len, char *err, size_t errlen)
{
    uint8_t pk[CKPT_PK_LEN], sk2[CKPT_SK_LEN], blob[4 + CKPT_SIG_LEN];
    char b64[sodium_base64_ENCODED_LEN(4 + CKPT_SIG_LEN, sodium_base64_VARIANT_ORIGINAL)];
    char text[CKPT_SIGNED_MAX];
    size_t tlen;

    if (sodium_init() < 0) return err_set(err, errlen, "cannot initialise libsodium");
    if (ckpt_check_name(name, err, errlen) < 0) return -1;
    if (ckpt_format(origin, size, root, text, sizeof text, &tlen, err, errlen) < 0) return -1;
    /* the public half of sk must belong to its seed, or the key id would name another key */
    crypto_sign_seed_keypair(pk, sk2, sk);
    sodium_memzero(sk2, sizeof sk2);
    if (sodium_memcmp(pk, sk + 32, CKPT_PK_LEN) != 0)
        return err_set(err, errlen, "secret key is corrupt: its public half does not match the seed");
    uint32_t id = ckpt_key_id(name, pk);
    blob[0] = (uint8_t)(id >> 24);
    blob[1] = (uint8_t)(id >> 16);
    blob[2] = (uint8_t)(id >> 8);
    blob[3] = (uint8_t)id;
    crypto_sign_detached(blob + 4, NULL, (const unsigned char *)text, tlen, sk);
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);

    int n = snprintf(out, outlen, "%s\n" SIG_PREFIX "%s %s\n", text, name, b64);
    if (n < 0 || (size_t)n >= outlen) {
        err_set(err, errlen, "output buffer too small for the signed checkpoint (%d bytes)", n);
        if (outlen) out[0] = '\0';
        return -1;
    }
    if (out_len) *out_len = (size_t)n;
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* Parse a canonical decimal uint64 ("0" or no leading zero). */
static int parse_size(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20 || (len > 1 && s[0] == '0')) return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_text(const char *note, size_t tlen, struct ckpt *cp, char *err, size_t errlen)
{
    size_t pos = 0;
    int line = 0;
    while (pos < tlen) {
        const char *s = note + pos;
        const char *nl = memchr(s, '\n', tlen - pos); /* text ends in '\n' */
        size_t len = (size_t)(nl - s);
        line++;
        if (len == 0) return err_set(err, errlen, "line %d: empty line in the checkpoint text", line);
        if (len > CKPT_MAX_LINE)
            return err_set(err, errlen, "line %d: %zu bytes, more than %d", line, len, CKPT_MAX_LINE);
        if (line == 1) {
            if (len > CKPT_MAX_NAME)
                return err_set(err, errlen, "line 1: origin is %zu bytes, more than %d", len, CKPT_MAX_NAME);
            memcpy(cp->origin, s, len);
            cp->origin[len] = '\0';
        } else if (line == 2) {
            if (parse_size(s, len, &cp->size) < 0)
                return err_set(err, errlen, "line 2: tree size '%.*s' is not a canonical decimal number",
                               len > 30 ? 30 : (int)len, s);
        } else if (line == 3) {
            uint8_t bin[48];
            size_t n;
            if (len != 44 || b64_decode(s, len, bin, sizeof bin, &n) < 0 || n != CKPT_HASH_LEN)
                return err_set(err, errlen, "line 3: root hash is not base64 of 32 bytes");
            memcpy(cp->root, bin, CKPT_HASH_LEN);
        } else {
            if (cp->n_ext == 0) cp->ext_off = pos;
            cp->n_ext++;
            cp->ext_len = pos + len + 1 - cp->ext_off;
        }
        pos += len + 1;
    }
    if (line < 3)
        return err_set(err, errlen, "checkpoint text has %d line%s, needs origin, tree size and root hash", line,
                       line == 1 ? "" : "s");
    return 0;
}

static int parse_sig_line(const char *s, size_t len, int line, struct ckpt_sig *sig, char *err, size_t errlen)
{
    uint8_t bin[4 + CKPT_SIG_LEN];
    size_t n;
    char why[200];
    if (len < SIG_PREFIX_LEN || memcmp(s, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return err_set(err, errlen, "line %d: signature line does not start with an em dash and a space", line);
    s += SIG_PREFIX_LEN;
    len -= SIG_PREFIX_LEN;
    const char *sp = memchr(s, ' ', len);
    if (!sp) return err_set(err, errlen, "line %d: signature line has no signature after the key name", line);
    size_t nlen = (size_t)(sp - s);
    if (check_name_n(s, nlen, why, sizeof why) < 0) return err_set(err, errlen, "line %d: %s", line, why);
    const char *b = sp + 1;
    size_t blen = len - nlen - 1;
    if (b64_decode(b, blen, bin, sizeof bin, &n) < 0)
        return err_set(err, errlen, "line %d: signature is not canonical standard base64", line);
    if (n < 5)
        return err_set(err, errlen, "line %d: signature is %zu bytes, too short for a key id and a signature", line, n);
    memcpy(sig->name, s, nlen);
    sig->name[nlen] = '\0';
    sig->key_id = (uint32_t)bin[0] << 24 | (uint32_t)bin[1] << 16 | (uint32_t)bin[2] << 8 | bin[3];
    sig->sig_len = n - 4;
    memset(sig->sig, 0, sizeof sig->sig);
    if (sig->sig_len == CKPT_SIG_LEN) memcpy(sig->sig, bin + 4, CKPT_SIG_LEN);
    return 0;
}

int ckpt_parse(const char *note, size_t len, struct ckpt *cp, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)note;
    memset(cp, 0, sizeof *cp);
    if (len > CKPT_MAX_NOTE)
        return err_set(err, errlen, "note is %zu bytes, more than the limit of %d", len, CKPT_MAX_NOTE);
    if (len == 0 || !note) return err_set(err, errlen, "note is empty");
    /* whole note: UTF-8, no control characters but newline */
    int line = 1;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t k = utf8_next(p + i, len - i, &c);
        if (k == 0) return err_set(err, errlen, "line %d: invalid utf-8", line);
        if (c == '\n') {
            line++;
        } else if (c < 0x20) return err_set(err, errlen, "line %d: control character 0x%02x", line, (unsigned)c);
        i += k;
    }
    if (note[len - 1] != '\n') return err_set(err, errlen, "note does not end in a newline");
    /* the last blank line separates the text from the signatures */
    size_t blank = 0;
    int found = 0;
    for (size_t i = len - 1; i > 0; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            blank = i; /* note[blank] is the blank line's newline */
            found = 1;
            break;
        }
    }
    if (!found) return err_set(err, errlen, "note has no blank line between text and signatures");
    cp->text_len = blank; /* text includes its final newline note[blank - 1] */
    if (blank + 1 == len) return err_set(err, errlen, "note has no signature lines");
    if (parse_text(note, cp->text_len, cp, err, errlen) < 0) return -1;

    int text_lines = 0;
    for (size_t i = 0; i < cp->text_len; i++) text_lines += note[i] == '\n';
    line = text_lines + 2; /* first signature line */
    for (size_t pos = blank + 1; pos < len; line++) {
        const char *s = note + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t llen = (size_t)(nl - s);
        if (cp->n_sigs == CKPT_MAX_SIGS)
            return err_set(err, errlen, "line %d: more than %d signatures", line, CKPT_MAX_SIGS);
        if (parse_sig_line(s, llen, line, &cp->sigs[cp->n_sigs], err, errlen) < 0) return -1;
        cp->n_sigs++;
        pos += llen + 1;
    }
    return 0;
}

/* ---- verification ------------------------------------------------------------------------- */

int ckpt_verify(const char *note, size_t len, const char *name, const uint8_t pk[CKPT_PK_LEN], const char *origin,
                struct ckpt *cp, char *err, size_t errlen)
{
    struct ckpt local;
    if (!cp) cp = &local;
    if (sodium_init() < 0) return err_set(err, errlen, "cannot initialise libsodium");
    if (ckpt_check_name(name, err, errlen) < 0) return -1;
    if (ckpt_parse(note, len, cp, err, errlen) < 0) return -1;
    uint32_t id = ckpt_key_id(name, pk);
    int good = 0, other_id = 0;
    uint32_t seen_id = 0;
    for (size_t i = 0; i < cp->n_sigs; i++) {
        const struct ckpt_sig *s = &cp->sigs[i];
        if (strcmp(s->name, name) != 0) continue;
        if (s->key_id != id) { /* same name, another key: ignored, but remembered */
            other_id = 1;
            seen_id = s->key_id;
            continue;
        }
        if (s->sig_len != CKPT_SIG_LEN)
            return err_set(err, errlen, "signature by '%s' is %zu bytes, not an ed25519 signature", name, s->sig_len);
        if (crypto_sign_verify_detached(s->sig, (const unsigned char *)note, cp->text_len, pk) != 0)
            return err_set(err, errlen, "signature by '%s' (key id %08x) does not verify", name, (unsigned)id);
        good++;
    }
    if (!good) {
        if (other_id)
            err_set(err, errlen,
                    "no signature by key '%s' with key id %08x (the note has key id "
                    "%08x: another key)",
                    name, (unsigned)id, (unsigned)seen_id);
        else err_set(err, errlen, "no signature by key '%s' (key id %08x)", name, (unsigned)id);
        return -1;
    }
    if (origin && strcmp(origin, cp->origin) != 0)
        return err_set(err, errlen, "origin mismatch: checkpoint is for '%s', expected '%s'", cp->origin, origin);
    return 0;
}

/* ---- verifier keys ------------------------------------------------------------------------ */

int ckpt_vkey_format(const char *name, const uint8_t pk[CKPT_PK_LEN], char *out, size_t outlen, char *err,
                     size_t errlen)
{
    uint8_t raw[1 + CKPT_PK_LEN];
    char b64[sodium_base64_ENCODED_LEN(1 + CKPT_PK_LEN, sodium_base64_VARIANT_ORIGINAL)];
    if (ckpt_check_name(name, err, errlen) < 0) return -1;
    raw[0] = SIG_TYPE_ED25519;
    memcpy(raw + 1, pk, CKPT_PK_LEN);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, outlen, "%s+%08x+%s", name, (unsigned)ckpt_key_id(name, pk), b64);
    if (n < 0 || (size_t)n >= outlen) return err_set(err, errlen, "output buffer too small for the verifier key");
    return 0;
}

int ckpt_vkey_parse(const char *vkey, char name[CKPT_MAX_NAME + 1], uint8_t pk[CKPT_PK_LEN], char *err, size_t errlen)
{
    char why[200];
    const char *plus1 = vkey ? strchr(vkey, '+') : NULL;
    const char *plus2 = plus1 ? strchr(plus1 + 1, '+') : NULL;
    if (!plus2) return err_set(err, errlen, "verifier key is not of the form name+keyid+key");
    size_t nlen = (size_t)(plus1 - vkey);
    if (check_name_n(vkey, nlen, why, sizeof why) < 0) return err_set(err, errlen, "verifier key: %s", why);
    uint32_t id = 0;
    if (plus2 - plus1 - 1 != 8) return err_set(err, errlen, "verifier key: key id is not 8 hex digits");
    for (const char *h = plus1 + 1; h < plus2; h++) {
        int d = (*h >= '0' && *h <= '9') ? *h - '0' : (*h >= 'a' && *h <= 'f') ? *h - 'a' + 10 : -1;
        if (d < 0) return err_set(err, errlen, "verifier key: key id is not 8 lowercase hex digits");
        id = id << 4 | (uint32_t)d;
    }
    uint8_t raw[48];
    size_t n;
    const char *b = plus2 + 1;
    size_t blen = strnlen(b, 64);
    if (b64_decode(b, blen, raw, sizeof raw, &n) < 0 || n != 1 + CKPT_PK_LEN)
        return err_set(err, errlen, "verifier key: key is not base64 of 33 bytes");
    if (raw[0] != SIG_TYPE_ED25519)
        return err_set(err, errlen, "verifier key: key type 0x%02x is not ed25519 (0x01)", raw[0]);
    memcpy(name, vkey, nlen);
    name[nlen] = '\0';
    if (ckpt_key_id(name, raw + 1) != id)
        return err_set(err, errlen, "verifier key: key id %08x does not match the key (%08x)", (unsigned)id,
                       (unsigned)ckpt_key_id(name, raw + 1));
    memcpy(pk, raw + 1, CKPT_PK_LEN);
    return 0;
}
