/* checkpoint.h — C2SP tlog-checkpoint in C2SP signed-note form, Ed25519 (libsodium).
 *
 *   example.org/log                      <- origin
 *   42                                   <- tree size, canonical decimal
 *   Xs1n...base64 of the 32-byte root=   <- RFC 6962 root hash, standard base64
 *                                        <- blank line
 *   — example.org/log AbCd...            <- em dash, space, key name, space,
 *                                           base64(key id[4] || Ed25519 signature[64])
 *
 * The signature covers the note text: everything up to and including the newline before
 * the blank line. key id = SHA-256(name || 0x0A || 0x01 || public key)[0:4], big-endian.
 * Specs: https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint.
 *
 * Errors: int functions return 0 or -1 with a lowercase message in err (when err is not
 * NULL and errlen > 0), naming the line for parse errors ("line 2: ..."). No output, no
 * exit, no allocation; every input is bounded by the limits below. */
#ifndef KT_CHECKPOINT_H
#define KT_CHECKPOINT_H
#include <stddef.h>
#include <stdint.h>

#define CKPT_MAX_NOTE 16384 /* bytes in a whole signed note */
#define CKPT_MAX_NAME 255 /* bytes in a key name or an origin */
#define CKPT_MAX_LINE 1024 /* bytes in a line of the note text (without the newline) */
#define CKPT_MAX_SIGS 32 /* signature lines in a note (signed-note: accept >= 16) */
#define CKPT_HASH_LEN 32
#define CKPT_PK_LEN 32 /* Ed25519 public key */
#define CKPT_SK_LEN 64 /* libsodium Ed25519 secret key: seed[32] || public key[32] */
#define CKPT_SIG_LEN 64 /* Ed25519 signature */
/* ckpt_sign output never exceeds this many bytes (with the terminating NUL). */
#define CKPT_SIGNED_MAX ((CKPT_MAX_NAME + 1 + 20 + 1 + 44 + 1) + 1 + (4 + CKPT_MAX_NAME + 1 + 92 + 1) + 1)
/* ckpt_vkey_format output never exceeds this many bytes (with the terminating NUL). */
#define CKPT_VKEY_MAX (CKPT_MAX_NAME + 1 + 8 + 1 + 44 + 1)

struct ckpt_sig {
    char name[CKPT_MAX_NAME + 1]; /* key name, NUL-terminated */
    uint32_t key_id; /* first four bytes, big-endian */
    size_t sig_len; /* signature bytes after the key id */
    uint8_t sig[CKPT_SIG_LEN]; /* the signature when sig_len == 64, else zeros */
};

struct ckpt {
    char origin[CKPT_MAX_NAME + 1]; /* NUL-terminated */
    uint64_t size;
    uint8_t root[CKPT_HASH_LEN];
    size_t text_len; /* the signed note text is note[0 .. text_len) */
    size_t ext_off; /* extension lines (each ending in '\n') are               */
    size_t ext_len; /*   note[ext_off .. ext_off + ext_len); ext_len 0: none   */
    size_t n_ext; /* number of extension lines */
    size_t n_sigs;
    struct ckpt_sig sigs[CKPT_MAX_SIGS]; /* in note order */
};

/* 0 when name is a valid key name: 1..255 bytes of UTF-8, no Unicode space, no '+', no
 * control character; -1 with the reason otherwise. */
int ckpt_check_name(const char *name, char *err, size_t errlen);

/* Key id of an Ed25519 key: the first four bytes of SHA-256(name || 0x0A || 0x01 || pk),
 * big-endian. Does not validate name. */
uint32_t ckpt_key_id(const char *name, const uint8_t pk[CKPT_PK_LEN]);

/* Write the note text "<origin>\n<size>\n<base64 root>\n" to out (outlen bytes, NUL-
 * terminated); *out_len (may be NULL) gets its length without the NUL. The origin must
 * follow the key-name rules (ckpt_check_name). Returns 0, or -1 when the origin is invalid
 * or out is too small. */
int ckpt_format(const char *origin, uint64_t size, const uint8_t root[CKPT_HASH_LEN], char *out, size_t outlen,
                size_t *out_len, char *err, size_t errlen);

/* Format the checkpoint and sign it: writes the whole signed note (text, blank line, one
 * signature line by name) to out, NUL-terminated; *out_len (may be NULL) gets its length.
 * sk is libsodium's 64-byte secret key (seed || public key); its public half must match
 * the seed. An out of CKPT_SIGNED_MAX bytes is always large enough. Returns 0 or -1. */
int ckpt_sign(const char *origin, uint64_t size, const uint8_t root[CKPT_HASH_LEN], const char *name,
              const uint8_t sk[CKPT_SK_LEN], char *out, size_t outlen, size_t *out_len, char *err, size_t errlen);

/* Strict parse of a signed checkpoint note of len bytes (need not be NUL-terminated) into
 * *cp. Checks: at most CKPT_MAX_NOTE bytes, valid UTF-8, no control characters but
 * newline, ends in a newline, the last blank line separates text and signatures, at least
 * origin / size / root lines, no empty lines in the text, lines at most CKPT_MAX_LINE,
 * canonical decimal size, root = canonical base64 of 32 bytes, 1..CKPT_MAX_SIGS signature
 * lines "— <name> <base64>" with valid names and canonical base64 of at least 5 bytes.
 * Does not check any signature. Returns 0 or -1 (then *cp is unspecified). */
int ckpt_parse(const char *note, size_t len, struct ckpt *cp, char *err, size_t errlen);

/* Parse the note and verify it against the Ed25519 key (name, pk): at least one signature
 * line must carry that name and key id, and every such line must verify over the note
 * text. Signatures by other keys are ignored (signed-note). When origin is not NULL the
 * checkpoint's origin must equal it. When cp is not NULL it receives the parsed note.
 * Returns 0 when genuine, -1 with the reason otherwise. */
int ckpt_verify(const char *note, size_t len, const char *name, const uint8_t pk[CKPT_PK_LEN], const char *origin,
                struct ckpt *cp, char *err, size_t errlen);

/* Verifier key in the signed-note text form "<name>+<key id hex>+<base64(0x01 || pk)>"
 * (as golang.org/x/mod/sumdb/note), written NUL-terminated to out (CKPT_VKEY_MAX bytes
 * suffice). Returns 0, or -1 when name is invalid or out too small. */
int ckpt_vkey_format(const char *name, const uint8_t pk[CKPT_PK_LEN], char *out, size_t outlen, char *err,
                     size_t errlen);

/* Parse a verifier key of that form (NUL-terminated) into name and pk, checking the key
 * type (Ed25519) and that the key id matches. Returns 0 or -1. */
int ckpt_vkey_parse(const char *vkey, char name[CKPT_MAX_NAME + 1], uint8_t pk[CKPT_PK_LEN], char *err, size_t errlen);

#endif
