/* code.h — notice codes: 80 random bits a person can read out, type and look up.
 *
 * A code is 10 random bytes written as 16 Crockford base32 symbols
 * (0123456789ABCDEFGHJKMNPQRSTVWXYZ: no I, L, O, U), most significant bit first, shown in four
 * groups: "K7QM-2D9X-PH4T-W3RC". The canonical form is the 16 upper-case symbols without
 * dashes ("K7QM2D9XPH4TW3RC"); lookup hashes are taken over it.
 *
 * Parsing is forgiving about how people type: lower case, missing, extra or other dashes and
 * spaces, and Crockford's look-alikes (I and L read as 1, O as 0) are accepted; U and any
 * other character are rejected with a message that names it.
 *
 * There is no check symbol (see docs/signatures.md): Crockford's mod-37 symbols "*~$=U" are
 * awkward to read out and type, and a mistyped code is already caught because a random
 * 80-bit code that was never issued is not found (the chance of hitting another issued code
 * is n / 2^80).
 *
 * The register stores only code_lookup_hash(register secret, code), never the code itself. */
#ifndef KT_SIGN_CODE_H
#define KT_SIGN_CODE_H
#include <stddef.h>
#include <stdint.h>

#define CODE_BYTES 10 /* random bytes in a code */
#define CODE_CHARS 16 /* canonical symbols */
#define CODE_CANON_SIZE (CODE_CHARS + 1) /* buffer for the canonical form + NUL */
#define CODE_DISPLAY_LEN 19 /* "XXXX-XXXX-XXXX-XXXX" */
#define CODE_DISPLAY_SIZE (CODE_DISPLAY_LEN + 1)
#define CODE_HASH_BYTES 32
#define CODE_KEY_BYTES 32
#define CODE_INPUT_MAX 64 /* longest input code_parse looks at */

/* Make a new random code (randombytes_buf) and write its display form ("K7QM-2D9X-PH4T-W3RC",
 * NUL-terminated) into OUT. */
void code_generate(char out[CODE_DISPLAY_SIZE]);

/* Parse a code as a person typed it (IN, LEN bytes; at most CODE_INPUT_MAX). Writes the
 * canonical form (16 symbols + NUL) into CANON. Returns 0, or -1 with err filled
 * ("invalid character 'U' in code", "code has 15 symbols, expected 16"). */
int code_parse(const char *in, size_t len, char canon[CODE_CANON_SIZE], char *err, size_t errlen);

/* Write the display form of a canonical code into OUT (NUL-terminated). */
void code_format(const char canon[CODE_CANON_SIZE], char out[CODE_DISPLAY_SIZE]);

/* Encode CODE_BYTES bytes as a canonical code (16 symbols + NUL), and back. code_decode
 * returns 0, or -1 if CANON is not a canonical code. */
void code_encode(const unsigned char bytes[CODE_BYTES], char canon[CODE_CANON_SIZE]);
int code_decode(const char canon[CODE_CANON_SIZE], unsigned char bytes[CODE_BYTES]);

/* The register's lookup key for a code: BLAKE2b-256 keyed with the 32-byte register secret
 * KEY over the 16 ASCII bytes of the canonical code. CODE may be in any form code_parse
 * accepts (NUL-terminated). Returns 0 with OUT filled, or -1 if CODE is not a valid code. */
int code_lookup_hash(const unsigned char key[CODE_KEY_BYTES], const char *code, unsigned char out[CODE_HASH_BYTES]);

/* Constant-time comparison of N bytes (codes, lookup hashes). Returns 1 if equal, else 0. */
int code_equal_ct(const void *a, const void *b, size_t n);

/* For tests only: a deterministic code number N derived from SEED (BLAKE2b keyed with SEED
 * over N as 8 little-endian bytes), display form into OUT. Never use it in production. */
void code_test_generate_from_seed(const unsigned char seed[32], uint64_t n, char out[CODE_DISPLAY_SIZE]);
#endif
