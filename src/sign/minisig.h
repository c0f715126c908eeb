/* minisig.h — minisign-compatible signature files (".minisig") for a byte string.
 *
 * A .minisig text has exactly 4 lines (see docs/signatures.md):
 *   untrusted comment: <text, not signed>
 *   b64(alg[2] | key_id[8] | sig[64])           alg "ED": sig = Ed25519(BLAKE2b-512(data))
 *                                                alg "Ed": sig = Ed25519(data)   (legacy)
 *   trusted comment: <one printable line, signed by the global signature>
 *   b64(global_sig[64])                          global_sig = Ed25519(sig | trusted comment)
 * `minisign -V` verifies what minisig_sign writes; minisig_verify accepts what `minisign -S`
 * writes. Signing is deterministic (same key, data and comments give the same bytes), does
 * no heap allocation and is thread-safe. */
#ifndef KT_SIGN_MINISIG_H
#define KT_SIGN_MINISIG_H
#include <stddef.h>
#include "sign/keys.h"

enum minisig_alg {
    MINISIG_PREHASHED = 0, /* "ED": minisign's default */
    MINISIG_LEGACY = 1 /* "Ed": also verifiable with signify */
};

/* Limits, as minisign reads lines (fgets into 1024- and 8192-byte buffers). */
#define MINISIG_UNTRUSTED_MAX 1003 /* bytes of the untrusted comment text */
#define MINISIG_TRUSTED_MAX 8173 /* bytes of the trusted comment text */
/* Exact length of a signature text with comments of ULEN and TLEN bytes (LF line ends). */
#define MINISIG_TEXT_LEN(ulen, tlen) (19 + (ulen) + 1 + 100 + 1 + 17 + (tlen) + 1 + 88 + 1)
/* An output buffer of this size always suffices (NUL included). */
#define MINISIG_TEXT_MAX (MINISIG_TEXT_LEN(MINISIG_UNTRUSTED_MAX, MINISIG_TRUSTED_MAX) + 1)

#define MINISIG_DEFAULT_UNTRUSTED "signature from klartext secret key"

/* Sign DATA (LEN bytes) with K and write the 4-line .minisig text into OUT (capacity OUTCAP,
 * NUL-terminated; *OUTLEN, if not NULL, gets its length without the NUL).
 * UNTRUSTED: the untrusted comment text (NULL: MINISIG_DEFAULT_UNTRUSTED); TRUSTED: the
 * trusted comment text (must not be NULL; may be ""). Both must be one line of printable
 * UTF-8 (tabs allowed; no CR, LF or other control characters) within the limits above.
 * Returns 0, or -1 with err filled (bad comment, OUT too small). No heap allocation. */
int minisig_sign(const sign_key *k, const void *data, size_t len, enum minisig_alg alg, const char *untrusted,
                 const char *trusted, char *out, size_t outcap, size_t *outlen, char *err, size_t errlen);

/* A parsed signature file. The comment pointers point into the parsed text (not copied,
 * not NUL-terminated) and are valid as long as that text is. */
struct minisig {
    enum minisig_alg alg;
    unsigned char keyid[8];
    unsigned char sig[64];
    unsigned char global_sig[64];
    const char *untrusted; /* after "untrusted comment: " */
    size_t untrusted_len;
    const char *trusted; /* after "trusted comment: "; signed, but may hold */
    size_t trusted_len; /* any bytes except NUL/CR/LF: escape before display */
};

/* Results of verification; distinct so that callers can map them to exit codes
 * (malformed → 2, wrong key / bad signature → 1, as minisign does). */
enum minisig_status {
    MINISIG_OK = 0,
    MINISIG_MALFORMED = 1, /* not a well-formed minisign signature */
    MINISIG_WRONG_KEY = 2, /* made by another key (key id differs) */
    MINISIG_BAD_SIGNATURE = 3 /* data or trusted comment do not match */
};

/* Parse a .minisig text strictly: exactly 4 lines (LF or CRLF ends, the last newline
 * optional, nothing after it), the comment prefixes, base64 lines of exactly 100 and 88
 * characters in canonical encoding, algorithm "ED" or "Ed", no NUL bytes, line lengths
 * minisign can read. Returns MINISIG_OK with M filled, or MINISIG_MALFORMED with err
 * ("signature line 2: ..."). */
int minisig_parse(const char *text, size_t len, struct minisig *m, char *err, size_t errlen);

/* Check a parsed signature M against DATA and the public key PK with key id KEYID: key id
 * first, then the signature over the data, then the global signature over the trusted
 * comment. Returns a minisig_status; on failure err says why. */
int minisig_verify_parsed(const unsigned char pk[32], const unsigned char keyid[8], const void *data, size_t len,
                          const struct minisig *m, char *err, size_t errlen);

/* minisig_parse + minisig_verify_parsed. M may be NULL; if not, it receives the parsed
 * signature (also on WRONG_KEY / BAD_SIGNATURE). Returns a minisig_status. */
int minisig_verify(const unsigned char pk[32], const unsigned char keyid[8], const void *data, size_t len,
                   const char *sigtext, size_t siglen, struct minisig *m, char *err, size_t errlen);

/* A short English name of a status: "ok", "malformed signature", "wrong key",
 * "bad signature". Static string. */
const char *minisig_status_str(int status);
#endif
