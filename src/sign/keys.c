/* keys.c — the organisation's key pair in minisign's file formats (see keys.h). */
#include "sign/keys.h"
#include "util/err.h"
#include "util/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define COMMENT_PREFIX "untrusted comment: "
#define COMMENT_PREFIX_LEN (sizeof COMMENT_PREFIX - 1)
#define DEFAULT_COMMENT "klartext secret key; keep private"

/* minisign's secret key record: 158 bytes, no padding (all members are char arrays). */
struct seckey_rec {
    unsigned char sig_alg[2]; /* "Ed" */
    unsigned char kdf_alg[2]; /* "\0\0" (none) or "Sc" (scrypt) */
    unsigned char chk_alg[2]; /* "B2" */
    unsigned char kdf_salt[32];
    unsigned char kdf_opslimit_le[8];
    unsigned char kdf_memlimit_le[8];
    unsigned char keyid[8];
    unsigned char sk[64];
    unsigned char chk[32];
};
#define SECKEY_REC_BYTES 158
#define SECKEY_B64_LEN 212 /* 4 * ceil(158 / 3) */
#define SECKEY_FILE_MAX 4096

struct pubkey_rec {
    unsigned char sig_alg[2]; /* "Ed" */
    unsigned char keyid[8];
    unsigned char pk[32];
};
#define PUBKEY_REC_BYTES 42

_Static_assert(sizeof(struct seckey_rec) == SECKEY_REC_BYTES, "seckey record layout");
_Static_assert(sizeof(struct pubkey_rec) == PUBKEY_REC_BYTES, "pubkey record layout");

struct sign_key {
    unsigned char sk[64]; /* libsodium secret key: seed | pk */
    unsigned char keyid[8];
};

static int sodium_ready(char *err, size_t errlen)
{
    if (sodium_init() < 0) return err_set(err, errlen, "cannot initialise libsodium");
    return 0;
}

/* ---- small shared helpers ---------------------------------------------------------- */

int sign_utf8_line_ok_(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f) return 0;
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else return 0;
        if (len - i <= n) return 0;
        for (size_t j = 1; j <= n; j++) {
            if ((p[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        /* C1 controls (U+0080..U+009F) are not printable either */
        if (cp >= 0x80 && cp <= 0x9f) return 0;
        i += n + 1;
    }
    return 1;
}

/* Decode exactly BIN_LEN bytes from B64 (LEN chars, standard alphabet with padding).
 * Only the canonical encoding is accepted (re-encoding must give the same text).
 * SCRATCH must hold LEN + 1 bytes. Returns 0 or -1. */
int sign_b64_decode_exact_(unsigned char *bin, size_t bin_len, const char *b64, size_t len, char *scratch)
{
    size_t got = 0;
    const char *end = NULL;
    if (len != sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL) - 1) return -1;
    if (sodium_base642bin(bin, bin_len, b64, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != bin_len || end != b64 + len)
        return -1;
    sodium_bin2base64(scratch, len + 1, bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
    if (memcmp(scratch, b64, len) != 0) return -1;
    return 0;
}

void sign_keyid_hex(const unsigned char keyid[8], char out[SIGN_KEYID_HEX])
{
    static const char hex[] = "0123456789ABCDEF";
    for (int i = 0; i < 8; i++) { /* little-endian uint64: most significant = keyid[7] */
        out[2 * i] = hex[keyid[7 - i] >> 4];
        out[2 * i + 1] = hex[keyid[7 - i] & 15];
    }
    out[16] = '\0';
}

void sign_pubkey_b64(const unsigned char pk[32], const unsigned char keyid[8], char out[SIGN_PUBKEY_B64 + 1])
{
    struct pubkey_rec r;
    memcpy(r.sig_alg, "Ed", 2);
    memcpy(r.keyid, keyid, 8);
    memcpy(r.pk, pk, 32);
    sodium_bin2base64(out, SIGN_PUBKEY_B64 + 1, (const unsigned char *)&r, sizeof r, sodium_base64_VARIANT_ORIGINAL);
}

static int comment_ok(const char *c, char *err, size_t errlen)
{
    size_t n = strlen(c);
    if (n > SIGN_COMMENT_MAX)
        return err_set(err, errlen, "key comment too long (%zu bytes, at most %d)", n, SIGN_COMMENT_MAX);
    if (!sign_utf8_line_ok_(c, n)) return err_set(err, errlen, "key comment is not one line of printable UTF-8");
    return 0;
}

/* The secret key file's text for k (unencrypted minisign format: the comment line, then the
 * base64 record with its BLAKE2b checksum) into sectext, built in the caller's guarded rec.
 * sectext holds COMMENT_PREFIX_LEN + strlen(comment) + SECKEY_B64_LEN + 3 bytes. Returns its length. */
static size_t seckey_text(const sign_key *k, const char *comment, struct seckey_rec *rec, char *sectext)
{
    memset(rec, 0, sizeof *rec);
    memcpy(rec->sig_alg, "Ed", 2);
    memcpy(rec->chk_alg, "B2", 2);
    memcpy(rec->keyid, k->keyid, 8);
    memcpy(rec->sk, k->sk, 64);
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, sizeof rec->chk);
    crypto_generichash_update(&hs, rec->sig_alg, 2);
    crypto_generichash_update(&hs, rec->keyid, 8);
    crypto_generichash_update(&hs, rec->sk, 64);
    crypto_generichash_final(&hs, rec->chk, sizeof rec->chk);
    sodium_memzero(&hs, sizeof hs);

    size_t off = 0, cl = strlen(comment);
    memcpy(sectext, COMMENT_PREFIX, COMMENT_PREFIX_LEN);
    off += COMMENT_PREFIX_LEN;
    memcpy(sectext + off, comment, cl);
    off += cl;
    sectext[off++] = '\n';
    sodium_bin2base64(sectext + off, SECKEY_B64_LEN + 1, (const unsigned char *)rec, sizeof *rec,
                      sodium_base64_VARIANT_ORIGINAL);
    off += SECKEY_B64_LEN;
    sectext[off++] = '\n';
    sectext[off] = '\0';
    return off;
}

int sign_key_write(const sign_key *k, const char *secret_path, const char *public_path, const char *comment, char *err,
                   size_t errlen)
{
    char keyhex[SIGN_KEYID_HEX], pubb64[SIGN_PUBKEY_B64 + 1];
    char pubtext[128];
    struct seckey_rec *rec = NULL;
    char *sectext = NULL;
    size_t seclen;
    struct out sec = {0}, pub = {0};
    int rc = -1;

    if (sodium_ready(err, errlen) != 0) return -1;
    if (!comment) comment = DEFAULT_COMMENT;
    if (comment_ok(comment, err, errlen) != 0) return -1;
    if (strcmp(secret_path, public_path) == 0)
        return err_set(err, errlen, "secret and public key paths are the same: '%s'", secret_path);
    struct stat st; /* the message users know; out_open and the commit check again (OUT_EXCL) */
    if (lstat(secret_path, &st) == 0) return err_set(err, errlen, "'%s' already exists", secret_path);
    if (lstat(public_path, &st) == 0) return err_set(err, errlen, "'%s' already exists", public_path);

    /* secret key text, built in guarded memory */
    rec = sodium_malloc(sizeof *rec);
    seclen = COMMENT_PREFIX_LEN + strlen(comment) + 1 + SECKEY_B64_LEN + 1;
    sectext = sodium_malloc(seclen + 1);
    if (!rec || !sectext) {
        err_set(err, errlen, "cannot allocate secure memory");
        goto out;
    }
    seclen = seckey_text(k, comment, rec, sectext);

    sign_keyid_hex(k->keyid, keyhex);
    sign_pubkey_b64(k->sk + 32, k->keyid, pubb64);
    int pl = snprintf(pubtext, sizeof pubtext, COMMENT_PREFIX "minisign public key %s\n%s\n", keyhex, pubb64);

    /* both written before either is put in place (out_write copies nothing; a write error
       shows at the commit) */
    if (out_open(&sec, secret_path, OUT_SECRET | OUT_EXCL, 0600, err, errlen)) goto out;
    out_write(&sec, sectext, seclen);
    if (out_open(&pub, public_path, OUT_EXCL, 0644, err, errlen)) goto out;
    out_write(&pub, pubtext, (size_t)pl);
    if (out_commit(&sec, err, errlen)) goto out;
    if (out_commit(&pub, err, errlen)) {
        unlink(secret_path); /* we created it just now */
        goto out;
    }
    rc = 0;
out:
    out_abort(&sec);
    out_abort(&pub);
    sodium_free(rec); /* sodium_free wipes; NULL ok */
    sodium_free(sectext);
    return rc;
}

int sign_keypair_create_comment(const char *secret_path, const char *public_path, const char *comment, char *err,
                                size_t errlen)
{
    if (sodium_ready(err, errlen) != 0) return -1;
    sign_key *k = sodium_malloc(sizeof *k);
    if (!k) return err_set(err, errlen, "cannot allocate secure memory");
    unsigned char pk[32];
    crypto_sign_keypair(pk, k->sk);
    randombytes_buf(k->keyid, sizeof k->keyid);
    int rc = sign_key_write(k, secret_path, public_path, comment, err, errlen);
    sign_key_free(k);
    return rc;
}

int sign_keypair_create(const char *secret_path, const char *public_path, char *err, size_t errlen)
{
    return sign_keypair_create_comment(secret_path, public_path, NULL, err, errlen);
}

/* ---- loading ------------------------------------------------------------------------- */

/* Read at most MAX bytes of PATH into BUF (size MAX + 1, NUL-terminated) from FD. */
static int read_fd(int fd, const char *path, char *buf, size_t max, size_t *len, char *err, size_t errlen)
{
    size_t n = 0;
    for (;;) {
        if (n > max) return err_set(err, errlen, "'%s' is too large to be a key file", path);
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return err_set(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        if (r == 0) break;
        n += (size_t)r;
        if (n == max + 1) return err_set(err, errlen, "'%s' is too large to be a key file", path);
    }
    buf[n] = '\0';
    *len = n;
    return 0;
}

/* Parse a secret key file's text into K. Returns 0 or -1 with err. */
static int parse_seckey(const char *path, const char *text, size_t len, sign_key *k, char *err, size_t errlen)
{
    struct seckey_rec *rec = NULL;
    char *scratch = NULL;
    int rc = -1;

    if (len < COMMENT_PREFIX_LEN || memcmp(text, COMMENT_PREFIX, COMMENT_PREFIX_LEN) != 0)
        return err_set(err, errlen,
                       "malformed secret key '%s': first line must start with "
                       "'untrusted comment: '",
                       path);
    const char *nl = memchr(text, '\n', len);
    if (!nl) return err_set(err, errlen, "malformed secret key '%s': missing key line", path);
    const char *b = nl + 1, *end = text + len;
    while (end > b && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) end--;
    size_t blen = (size_t)(end - b);
    if (memchr(b, '\n', blen)) return err_set(err, errlen, "malformed secret key '%s': more than 2 lines", path);
    rec = sodium_malloc(sizeof *rec);
    scratch = sodium_malloc(SECKEY_B64_LEN + 1);
    if (!rec || !scratch) {
        err_set(err, errlen, "cannot allocate secure memory");
        goto out;
    }
    if (blen != SECKEY_B64_LEN || sign_b64_decode_exact_((unsigned char *)rec, sizeof *rec, b, blen, scratch) != 0) {
        err_set(err, errlen,
                "malformed secret key '%s': line 2 is not a base64 minisign "
                "secret key",
                path);
        goto out;
    }
    if (memcmp(rec->sig_alg, "Ed", 2) != 0) {
        err_set(err, errlen, "unsupported signature algorithm in secret key '%s'", path);
        goto out;
    }
    if (memcmp(rec->kdf_alg, "Sc", 2) == 0) {
        err_set(err, errlen,
                "'%s' is an encrypted secret key; encrypted keys are not supported "
                "yet (create an unencrypted one with 'minisign -G -W' or 'klartext init')",
                path);
        goto out;
    }
    if (memcmp(rec->kdf_alg, "\0\0", 2) != 0) {
        err_set(err, errlen, "unsupported key derivation function in secret key '%s'", path);
        goto out;
    }
    if (memcmp(rec->chk_alg, "B2", 2) != 0) {
        err_set(err, errlen, "unsupported checksum function in secret key '%s'", path);
        goto out;
    }
    if (!sodium_is_zero(rec->chk, sizeof rec->chk)) {
        unsigned char chk[32];
        crypto_generichash_state hs;
        crypto_generichash_init(&hs, NULL, 0, sizeof chk);
        crypto_generichash_update(&hs, rec->sig_alg, 2);
        crypto_generichash_update(&hs, rec->keyid, 8);
        crypto_generichash_update(&hs, rec->sk, 64);
        crypto_generichash_final(&hs, chk, sizeof chk);
        sodium_memzero(&hs, sizeof hs);
        int bad = sodium_memcmp(chk, rec->chk, sizeof chk) != 0;
        sodium_memzero(chk, sizeof chk);
        if (bad) {
            err_set(err, errlen, "corrupt secret key '%s': checksum mismatch", path);
            goto out;
        }
    }
    /* the public half must belong to the seed */
    {
        unsigned char pk[32];
        crypto_sign_seed_keypair(pk, k->sk, rec->sk); /* rec->sk starts with the seed */
        if (sodium_memcmp(pk, rec->sk + 32, 32) != 0) {
            sodium_memzero(k->sk, sizeof k->sk);
            err_set(err, errlen, "corrupt secret key '%s': public half does not match", path);
            goto out;
        }
        memcpy(k->keyid, rec->keyid, 8);
    }
    rc = 0;
out:
    sodium_free(rec);
    sodium_free(scratch);
    return rc;
}

sign_key *sign_key_load(const char *secret_path, char *err, size_t errlen)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    sign_key *k = NULL;

    if (sodium_ready(err, errlen) != 0) return NULL;
    int fd = open(secret_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        err_set(err, errlen, "cannot open secret key '%s': %s", secret_path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        err_set(err, errlen, "cannot stat '%s': %s", secret_path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, errlen, "'%s' is not a regular file", secret_path);
        goto fail;
    }
    if (st.st_mode & 077) {
        unsigned m = (unsigned)(st.st_mode & 07777);
        err_set(err, errlen, "'%s' is %s by others (mode %04o); run chmod 600 '%s'", secret_path,
                (st.st_mode & 044)   ? "readable"
                : (st.st_mode & 022) ? "writable"
                                     : "accessible",
                m, secret_path);
        goto fail;
    }
    text = sodium_malloc(SECKEY_FILE_MAX + 1);
    k = sodium_malloc(sizeof *k);
    if (!text || !k) {
        err_set(err, errlen, "cannot allocate secure memory");
        goto fail;
    }
    if (read_fd(fd, secret_path, text, SECKEY_FILE_MAX, &len, err, errlen) != 0) goto fail;
    close(fd);
    fd = -1;
    if (parse_seckey(secret_path, text, len, k, err, errlen) != 0) goto fail;
    sodium_free(text);
    return k;
fail:
    if (fd >= 0) close(fd);
    sodium_free(text);
    sign_key_free(k);
    return NULL;
}

void sign_key_free(sign_key *k)
{
    if (k) sodium_free(k); /* wipes before freeing */
}

void sign_key_public(const sign_key *k, unsigned char pk[32], unsigned char keyid[8])
{
    if (pk) memcpy(pk, k->sk + 32, 32);
    if (keyid) memcpy(keyid, k->keyid, 8);
}

const unsigned char *sign_key_sk_(const sign_key *k)
{
    return k->sk;
}
const unsigned char *sign_key_id_(const sign_key *k)
{
    return k->keyid;
}

sign_key *sign_key_from_seed(const unsigned char seed[32], const unsigned char keyid[8])
{
    if (sodium_init() < 0) return NULL;
    sign_key *k = sodium_malloc(sizeof *k);
    if (!k) return NULL;
    unsigned char pk[32];
    crypto_sign_seed_keypair(pk, k->sk, seed);
    memcpy(k->keyid, keyid, 8);
    return k;
}

/* ---- public keys -------------------------------------------------------------------- */

int sign_pubkey_parse(const char *text, size_t len, unsigned char pk[32], unsigned char keyid[8], char *err,
                      size_t errlen)
{
    const char *p = text, *end = text + len;
    struct pubkey_rec r;
    char scratch[SIGN_PUBKEY_B64 + 1];

    if (sodium_ready(err, errlen) != 0) return -1;
    if (memchr(text, '\0', len)) return err_set(err, errlen, "public key: contains a NUL byte");
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) end--;
    if ((size_t)(end - p) >= COMMENT_PREFIX_LEN && memcmp(p, COMMENT_PREFIX, COMMENT_PREFIX_LEN) == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return err_set(err, errlen, "public key: missing the base64 line after the comment");
        if (nl - p > 1023) return err_set(err, errlen, "public key: comment line too long");
        p = nl + 1;
    } else if (memchr(p, '\n', (size_t)(end - p)))
        return err_set(err, errlen, "public key: first line must start with 'untrusted comment: '");
    size_t blen = (size_t)(end - p);
    if (memchr(p, '\n', blen)) return err_set(err, errlen, "public key: more than 2 lines");
    if (blen != SIGN_PUBKEY_B64 || sign_b64_decode_exact_((unsigned char *)&r, sizeof r, p, blen, scratch) != 0)
        return err_set(err, errlen,
                       "public key: not a base64 minisign public key (expected %d "
                       "characters, got %zu)",
                       SIGN_PUBKEY_B64, blen);
    if (memcmp(r.sig_alg, "Ed", 2) != 0) return err_set(err, errlen, "public key: unsupported signature algorithm");
    memcpy(pk, r.pk, 32);
    memcpy(keyid, r.keyid, 8);
    return 0;
}

int sign_pubkey_load(const char *path, unsigned char pk[32], unsigned char keyid[8], char *err, size_t errlen)
{
    char buf[4097];
    size_t len = 0;
    char e2[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return err_set(err, errlen, "cannot open public key '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, errlen, "'%s' is not a regular file", path);
        close(fd);
        return -1;
    }
    int rc = read_fd(fd, path, buf, sizeof buf - 1, &len, err, errlen);
    close(fd);
    if (rc != 0) return -1;
    if (sign_pubkey_parse(buf, len, pk, keyid, e2, sizeof e2) != 0)
        return err_set(err, errlen, "malformed public key '%s': %s", path,
                       e2 + (strncmp(e2, "public key: ", 12) == 0 ? 12 : 0));
    return 0;
}

/* ---- raw Ed25519 --------------------------------------------------------------------- */

void sign_ed25519(const sign_key *k, const unsigned char *msg, size_t len, unsigned char sig[64])
{
    crypto_sign_detached(sig, NULL, msg, len, k->sk);
}

int sign_ed25519_verify(const unsigned char pk[32], const unsigned char *msg, size_t len, const unsigned char sig[64])
{
    if (sodium_init() < 0) return -1;
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}
