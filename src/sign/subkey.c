#include "sign/subkey.h"
#include <sodium.h>
#include <string.h>

void sign_subkey(const sign_key *k, const char *purpose, unsigned char out[32])
{
    static const char prefix[] = "klartext subkey ";
    crypto_generichash_state st;
    crypto_generichash_init(&st, sign_key_sk_(k), 32, 32); /* the 32-byte Ed25519 seed */
    crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof prefix - 1);
    crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof st);
}
