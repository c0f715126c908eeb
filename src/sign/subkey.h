/* subkey.h — purpose-bound secret keys derived from the organisation's signing key.
 *
 * klartext needs a few secret keys besides the signing key: the key of the viewer-identity
 * hashes (so that the register alone cannot be used to test whether an IP address or an
 * account saw something), and the key of the notice-code lookup hash. They are derived from
 * the signing key's seed with keyed BLAKE2b-256 and a purpose label, so there is one secret
 * to protect and back up (klartext.key), and the register file itself holds no key.
 * Replacing the signing key changes the derived keys: hashes stored earlier stay valid as
 * records but cannot be matched against new ones. */
#ifndef KT_SIGN_SUBKEY_H
#define KT_SIGN_SUBKEY_H
#include "sign/keys.h"

#define SUBKEY_VIEWER "viewer-hash-v1"
#define SUBKEY_CODE "notice-code-v1"

/* out = BLAKE2b-256(key = seed, "klartext subkey " || purpose). The hash state is wiped here;
 * out is a secret key too: the caller keeps it in sodium_malloc'd memory (guarded, not swapped,
 * not in core dumps) or wipes it with sodium_memzero as soon as it is no longer needed. */
void sign_subkey(const sign_key *k, const char *purpose, unsigned char out[32]);
#endif
