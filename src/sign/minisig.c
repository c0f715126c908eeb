/* minisig.c — minisign-compatible signature files (see minisig.h). */
#include "sign/minisig.h"
#include "util/err.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define UPREFIX "untrusted comment: "
#define UPREFIX_LEN (sizeof UPREFIX - 1)
#define TPREFIX "trusted comment: "
#define TPREFIX_LEN (sizeof TPREFIX - 1)
#define SIGLINE_B64 100 /* b64 of 74 bytes */
#define GSIG_B64 88 /* b64 of 64 bytes */
/* minisign reads each line with fgets into a 1024 / 8192 byte buffer: the line, its end and
 * the NUL must fit. */
#define ULINE_MAX 1022 /* bytes of line 1 without "\n" (a "\r" counts) */
#define TLINE_MAX 8190 /* bytes of line 3 without "\n" */

_Static_assert(UPREFIX_LEN + MINISIG_UNTRUSTED_MAX == ULINE_MAX, "untrusted limit");
_Static_assert(TPREFIX_LEN + MINISIG_TRUSTED_MAX == TLINE_MAX, "trusted limit");

struct sig_rec { /* 74 bytes */
    unsigned char alg[2];
    unsigned char keyid[8];
    unsigned char sig[64];
};
_Static_assert(sizeof(struct sig_rec) == 74, "signature record layout");

/* ---- signing ------------------------------------------------------------------------ */

int minisig_sign(const sign_key *k, const void *data, size_t len, enum minisig_alg alg, const char *untrusted,
                 const char *trusted, char *out, size_t outcap, size_t *outlen, char *err, size_t errlen)
{
    struct sig_rec rec;
    unsigned char hash[crypto_generichash_BYTES_MAX];
    unsigned char gbuf[64 + MINISIG_TRUSTED_MAX];
    unsigned char gsig[64];
    size_t ulen, tlen, need, off = 0;

    if (sodium_init() < 0) return err_set(err, errlen, "cannot initialise libsodium");
    if (alg != MINISIG_PREHASHED && alg != MINISIG_LEGACY)
        return err_set(err, errlen, "unknown signature algorithm %d", (int)alg);
    if (!untrusted) untrusted = MINISIG_DEFAULT_UNTRUSTED;
    if (!trusted) return err_set(err, errlen, "missing trusted comment");
    ulen = strlen(untrusted);
    tlen = strlen(trusted);
    if (ulen > MINISIG_UNTRUSTED_MAX)
        return err_set(err, errlen, "untrusted comment too long (%zu bytes, at most %d)", ulen, MINISIG_UNTRUSTED_MAX);
    if (!sign_utf8_line_ok_(untrusted, ulen))
        return err_set(err, errlen, "untrusted comment is not one line of printable UTF-8");
    if (tlen > MINISIG_TRUSTED_MAX)
        return err_set(err, errlen, "trusted comment too long (%zu bytes, at most %d)", tlen, MINISIG_TRUSTED_MAX);
    if (!sign_utf8_line_ok_(trusted, tlen))
        return err_set(err, errlen, "trusted comment is not one line of printable UTF-8");
    need = MINISIG_TEXT_LEN(ulen, tlen);
    if (!out || outcap < need + 1)
        return err_set(err, errlen, "signature buffer too small (%zu bytes, need %zu)", outcap, need + 1);

    const unsigned char *sk = sign_key_sk_(k);
    memcpy(rec.keyid, sign_key_id_(k), 8);
    if (alg == MINISIG_PREHASHED) {
        memcpy(rec.alg, "ED", 2);
        crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
        crypto_sign_detached(rec.sig, NULL, hash, sizeof hash, sk);
    } else {
        memcpy(rec.alg, "Ed", 2);
        crypto_sign_detached(rec.sig, NULL, data, len, sk);
    }
    memcpy(gbuf, rec.sig, 64);
    memcpy(gbuf + 64, trusted, tlen);
    crypto_sign_detached(gsig, NULL, gbuf, 64 + tlen, sk);

    memcpy(out + off, UPREFIX, UPREFIX_LEN);
    off += UPREFIX_LEN;
    memcpy(out + off, untrusted, ulen);
    off += ulen;
    out[off++] = '\n';
    sodium_bin2base64(out + off, SIGLINE_B64 + 1, (const unsigned char *)&rec, sizeof rec,
                      sodium_base64_VARIANT_ORIGINAL);
    off += SIGLINE_B64;
    out[off++] = '\n';
    memcpy(out + off, TPREFIX, TPREFIX_LEN);
    off += TPREFIX_LEN;
    memcpy(out + off, trusted, tlen);
    off += tlen;
    out[off++] = '\n';
    sodium_bin2base64(out + off, GSIG_B64 + 1, gsig, sizeof gsig, sodium_base64_VARIANT_ORIGINAL);
    off += GSIG_B64;
    out[off++] = '\n';
    out[off] = '\0';
    if (outlen) *outlen = off;
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------ */

int minisig_parse(const char *text, size_t len, struct minisig *m, char *err, size_t errlen)
{
    const char *line[4];
    size_t llen[4];
    const char *p = text, *end = text + len;
    struct sig_rec rec;
    char scratch[SIGLINE_B64 + 1];

    memset(m, 0, sizeof *m);
    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return MINISIG_MALFORMED;
    }
    if (len > MINISIG_TEXT_MAX + 4) {
        err_set(err, errlen, "signature too large (%zu bytes)", len);
        return MINISIG_MALFORMED;
    }
    if (len == 0) {
        err_set(err, errlen, "signature is empty");
        return MINISIG_MALFORMED;
    }
    if (memchr(text, '\0', len)) {
        err_set(err, errlen, "signature contains a NUL byte");
        return MINISIG_MALFORMED;
    }
    for (int i = 0; i < 4; i++) {
        if (p >= end) {
            err_set(err, errlen, "signature has %d lines, expected 4", i);
            return MINISIG_MALFORMED;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if ((i == 0 && (size_t)(le - p) > ULINE_MAX) || (i == 2 && (size_t)(le - p) > TLINE_MAX)) {
            err_set(err, errlen, "signature line %d: too long (%zu bytes)", i + 1, (size_t)(le - p));
            return MINISIG_MALFORMED;
        }
        line[i] = p;
        llen[i] = (size_t)(le - p);
        if (llen[i] > 0 && p[llen[i] - 1] == '\r') llen[i]--;
        if (!nl && i < 3) {
            err_set(err, errlen, "signature has %d lines, expected 4", i + 1);
            return MINISIG_MALFORMED;
        }
        p = nl ? nl + 1 : end;
    }
    if (p != end) {
        err_set(err, errlen, "signature has more than 4 lines");
        return MINISIG_MALFORMED;
    }
    for (int i = 0; i < 4; i++) {
        if (memchr(line[i], '\r', llen[i])) {
            err_set(err, errlen, "signature line %d: stray carriage return", i + 1);
            return MINISIG_MALFORMED;
        }
    }
    if (llen[0] < UPREFIX_LEN || memcmp(line[0], UPREFIX, UPREFIX_LEN) != 0) {
        err_set(err, errlen, "signature line 1: must start with 'untrusted comment: '");
        return MINISIG_MALFORMED;
    }
    if (llen[1] != SIGLINE_B64 ||
        sign_b64_decode_exact_((unsigned char *)&rec, sizeof rec, line[1], llen[1], scratch) != 0) {
        err_set(err, errlen,
                "signature line 2: not a base64 minisign signature (expected %d "
                "characters, got %zu)",
                SIGLINE_B64, llen[1]);
        return MINISIG_MALFORMED;
    }
    if (memcmp(rec.alg, "ED", 2) == 0) {
        m->alg = MINISIG_PREHASHED;
    } else if (memcmp(rec.alg, "Ed", 2) == 0) {
        m->alg = MINISIG_LEGACY;
    } else {
        err_set(err, errlen, "signature line 2: unsupported signature algorithm");
        return MINISIG_MALFORMED;
    }
    if (llen[2] < TPREFIX_LEN || memcmp(line[2], TPREFIX, TPREFIX_LEN) != 0) {
        err_set(err, errlen, "signature line 3: must start with 'trusted comment: '");
        return MINISIG_MALFORMED;
    }
    if (llen[3] != GSIG_B64 || sign_b64_decode_exact_(m->global_sig, 64, line[3], llen[3], scratch) != 0) {
        err_set(err, errlen,
                "signature line 4: not a base64 global signature (expected %d "
                "characters, got %zu)",
                GSIG_B64, llen[3]);
        return MINISIG_MALFORMED;
    }
    memcpy(m->keyid, rec.keyid, 8);
    memcpy(m->sig, rec.sig, 64);
    m->untrusted = line[0] + UPREFIX_LEN;
    m->untrusted_len = llen[0] - UPREFIX_LEN;
    m->trusted = line[2] + TPREFIX_LEN;
    m->trusted_len = llen[2] - TPREFIX_LEN;
    return MINISIG_OK;
}

/* ---- verification ------------------------------------------------------------------- */

int minisig_verify_parsed(const unsigned char pk[32], const unsigned char keyid[8], const void *data, size_t len,
                          const struct minisig *m, char *err, size_t errlen)
{
    unsigned char hash[crypto_generichash_BYTES_MAX];
    unsigned char gbuf[64 + MINISIG_TRUSTED_MAX];
    int ok;

    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return MINISIG_MALFORMED;
    }
    if (m->trusted_len > MINISIG_TRUSTED_MAX) {
        err_set(err, errlen, "signature line 3: too long");
        return MINISIG_MALFORMED;
    }
    if (memcmp(m->keyid, keyid, 8) != 0) {
        char have[SIGN_KEYID_HEX], want[SIGN_KEYID_HEX];
        sign_keyid_hex(m->keyid, have);
        sign_keyid_hex(keyid, want);
        err_set(err, errlen, "wrong key: the signature was made with key %s, the public key is %s", have, want);
        return MINISIG_WRONG_KEY;
    }
    if (m->alg == MINISIG_PREHASHED) {
        crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
        ok = crypto_sign_verify_detached(m->sig, hash, sizeof hash, pk) == 0;
    } else {
        ok = crypto_sign_verify_detached(m->sig, data, len, pk) == 0;
    }
    if (!ok) {
        err_set(err, errlen, "bad signature: the data does not match the signature");
        return MINISIG_BAD_SIGNATURE;
    }
    memcpy(gbuf, m->sig, 64);
    memcpy(gbuf + 64, m->trusted, m->trusted_len);
    if (crypto_sign_verify_detached(m->global_sig, gbuf, 64 + m->trusted_len, pk) != 0) {
        err_set(err, errlen, "bad signature: the trusted comment does not match the signature");
        return MINISIG_BAD_SIGNATURE;
    }
    return MINISIG_OK;
}

int minisig_verify(const unsigned char pk[32], const unsigned char keyid[8], const void *data, size_t len,
                   const char *sigtext, size_t siglen, struct minisig *m, char *err, size_t errlen)
{
    struct minisig local;
    if (!m) m = &local;
    int rc = minisig_parse(sigtext, siglen, m, err, errlen);
    if (rc != MINISIG_OK) return rc;
    return minisig_verify_parsed(pk, keyid, data, len, m, err, errlen);
}

const char *minisig_status_str(int status)
{
    switch (status) {
    case MINISIG_OK: return "ok";
    case MINISIG_MALFORMED: return "malformed signature";
    case MINISIG_WRONG_KEY: return "wrong key";
    case MINISIG_BAD_SIGNATURE: return "bad signature";
    default: return "unknown status";
    }
}
