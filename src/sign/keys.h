/* keys.h — the organisation's Ed25519 key pair, stored in minisign's file formats.
 *
 * Files (see docs/signatures.md):
 *   secret key  "untrusted comment: <COMMENT>\n" + b64(158 bytes)\n, mode 0600, unencrypted
 *               ("Ed" | kdf "\0\0" | "B2" | salt[32] | opslimit[8] | memlimit[8] | key_id[8] |
 *                sk[64] | chk[32]) — the layout `minisign -G -W` writes; minisign -S uses it as is.
 *   public key  "untrusted comment: minisign public key <KEYID>\n" + b64("Ed" | key_id[8] | pk[32])\n
 * The key id is 8 random bytes; it is shown as %016X of their little-endian uint64 value,
 * exactly as minisign prints it (so the hex looks byte-reversed).
 *
 * A loaded secret key lives in sodium_malloc'd guarded memory and is wiped on free.
 * Every entry point calls sodium_init(). Thread safety: a loaded sign_key is read-only
 * after loading, so several threads may sign with one key at the same time. */
#ifndef KT_SIGN_KEYS_H
#define KT_SIGN_KEYS_H
#include <stddef.h>

typedef struct sign_key sign_key; /* secret key: lives in sodium_malloc'd guarded memory */

#define SIGN_PK_BYTES 32
#define SIGN_KEYID_BYTES 8
#define SIGN_SIG_BYTES 64
#define SIGN_KEYID_HEX 17 /* "%016X" + NUL */
#define SIGN_PUBKEY_B64 56 /* length of the public key's base64 line */
#define SIGN_COMMENT_MAX 1000 /* max bytes of a key file's untrusted comment */

/* Create a new key pair: writes SECRET_PATH (mode 0600, never overwrites an existing file) in
 * minisign's unencrypted secret-key format (what `minisign -G -W` writes), and PUBLIC_PATH
 * (mode 0644) in minisign's public-key format. Both go through util/output with OUT_EXCL (the
 * secret also OUT_SECRET): written to a temporary file in the same directory, fsync'ed and
 * linked into place, so a crash leaves no half file and nothing that exists (not even a
 * dangling link) is ever replaced; the secret is refused through a symbolic link and in a
 * directory everyone may write without the sticky bit. The secret key's untrusted comment is "klartext secret key; keep
 * private". Refuses when either file exists ("'klartext.key' already exists"); if the public
 * key cannot be placed, the new secret key file is removed again.
 * Returns 0, or -1 with err filled. */
int sign_keypair_create(const char *secret_path, const char *public_path, char *err, size_t errlen);

/* As sign_keypair_create, with COMMENT (one line of printable UTF-8, at most SIGN_COMMENT_MAX
 * bytes, e.g. "klartext secret key for ACME GmbH; keep private") as the secret key file's
 * untrusted comment. COMMENT NULL means the default above. Returns 0 or -1 with err. */
int sign_keypair_create_comment(const char *secret_path, const char *public_path, const char *comment, char *err,
                                size_t errlen);

/* Write the key pair of an already loaded key K to SECRET_PATH and PUBLIC_PATH, with the same
 * guarantees as sign_keypair_create (0600/0644, no overwrite, atomic). Used by
 * sign_keypair_create and by tests that make fixed key files. Returns 0 or -1 with err. */
int sign_key_write(const sign_key *k, const char *secret_path, const char *public_path, const char *comment, char *err,
                   size_t errlen);

/* Load a secret key. Refuses a file that is not a regular file, that group or others may
 * access ("'x' is readable by others (mode 0644); run chmod 600 'x'"), that is malformed
 * (wrong length, base64, algorithm, checksum, or a public half that does not match the seed),
 * or that is encrypted (kdf "Sc": "encrypted secret keys are not supported yet"). A zero
 * checksum (what `minisign -G -W` writes) is accepted; a non-zero one must match.
 * Returns a new key (free with sign_key_free), or NULL with err filled. */
sign_key *sign_key_load(const char *secret_path, char *err, size_t errlen);

/* Wipe and free a key; NULL is ok. */
void sign_key_free(sign_key *k);

/* Copy out the public key of a loaded secret key, and its 8-byte minisign key id. */
void sign_key_public(const sign_key *k, unsigned char pk[32], unsigned char keyid[8]);

/* Parse a minisign public key file's text (2 lines: comment + base64) or just its base64 line
 * (as given to `minisign -P`). Surrounding whitespace and CRLF line ends are accepted.
 * Returns 0 with PK and KEYID filled, or -1 with err ("public key: ..."). */
int sign_pubkey_parse(const char *text, size_t len, unsigned char pk[32], unsigned char keyid[8], char *err,
                      size_t errlen);

/* Read and parse a public key file (at most 4096 bytes). Returns 0 or -1 with err. */
int sign_pubkey_load(const char *path, unsigned char pk[32], unsigned char keyid[8], char *err, size_t errlen);

/* Format a public key as its base64 line (56 chars + NUL) into OUT. */
void sign_pubkey_b64(const unsigned char pk[32], const unsigned char keyid[8], char out[SIGN_PUBKEY_B64 + 1]);

/* Format a key id as minisign shows it: %016X of the little-endian uint64, into OUT. */
void sign_keyid_hex(const unsigned char keyid[8], char out[SIGN_KEYID_HEX]);

/* Raw Ed25519 (RFC 8032) detached signature of MSG with the key (for checkpoints etc.).
 * Deterministic; no allocation. */
void sign_ed25519(const sign_key *k, const unsigned char *msg, size_t len, unsigned char sig[64]);

/* Verify a raw Ed25519 signature. Returns 0 if valid, -1 if not. */
int sign_ed25519_verify(const unsigned char pk[32], const unsigned char *msg, size_t len, const unsigned char sig[64]);

/* For tests only: create a key from a 32-byte seed (deterministic); production code never
 * calls it. Returns a new key (free with sign_key_free), or NULL if memory is exhausted. */
sign_key *sign_key_from_seed(const unsigned char seed[32], const unsigned char keyid[8]);

/* Internal to src/sign: the libsodium 64-byte secret key (seed | pk) and the key id. */
const unsigned char *sign_key_sk_(const sign_key *k);
const unsigned char *sign_key_id_(const sign_key *k);
/* Internal to src/sign: 1 if S (LEN bytes) is one line of printable UTF-8 (tabs allowed, no
 * control characters, no NUL), else 0. */
int sign_utf8_line_ok_(const char *s, size_t len);
/* Internal to src/sign: decode exactly BIN_LEN bytes from canonical padded base64 B64 (LEN
 * chars); SCRATCH holds LEN + 1 bytes. Returns 0 or -1. */
int sign_b64_decode_exact_(unsigned char *bin, size_t bin_len, const char *b64, size_t len, char *scratch);
#endif
