/* portalkeys.h — the portal's key file: what `klartext serve` needs of the organisation's keys,
 * without the signing key (issue 16, item 4; docs/serve.md "A portal without the signing key").
 *
 * The portal signs nothing. It needs three keys derived from the signing key (subkey.h) — the
 * notice-code look-up key, the key of the address hashes it compares, the key of the hashes of
 * what agents look up — and the public key, which it publishes. `klartext keys portal --out
 * FILE` writes them into one file; `klartext serve --portal-keys FILE` runs with it, so that a
 * portal machine never holds klartext.key: whoever takes the portal cannot sign a notice or a
 * checkpoint, nor derive the viewer-hash key.
 *
 * The file (text, mode 0600, refused when group or others may access it):
 *   klartext portal keys v1
 *   code-lookup <64 hex digits>
 *   address <64 hex digits>
 *   audit <64 hex digits>
 *   untrusted comment: minisign public key <KEYID>      (the public key file, as it is)
 *   <base64 of the public key>
 * It is not a minisign secret key (minisign and klartext refuse to sign with it). */
#ifndef KT_SIGN_PORTALKEYS_H
#define KT_SIGN_PORTALKEYS_H
#include <stddef.h>
#include "sign/keys.h"

#define SUBKEY_PORTAL_ADDRESS "portal-address-v1"
#define SUBKEY_PORTAL_AUDIT "portal-audit-v1"
#define PORTAL_KEYS_MAX 8192 /* bytes of a portal key file at most */

struct portal_keys {
    unsigned char code[32]; /* sign_subkey(SUBKEY_CODE) */
    unsigned char address[32]; /* sign_subkey(SUBKEY_PORTAL_ADDRESS) */
    unsigned char audit[32]; /* sign_subkey(SUBKEY_PORTAL_AUDIT) */
};

/* the three keys of K into PK (keep PK in sodium_malloc'd memory, as every secret) */
void portal_keys_derive(const sign_key *k, struct portal_keys *pk);

/* Write PATH: PK and PUBTEXT (the public key file's text, checked to parse), mode 0600, never
 * replacing a file (util/output: OUT_SECRET | OUT_EXCL). Returns 0, or 1 / 2 (PATH cannot be
 * an output) with err. */
int portal_keys_write(const char *path, const struct portal_keys *pk, const char *pubtext, char *err, size_t errlen);

/* Read PATH into PK and *PUBTEXT (malloc'd: the public key file's two lines). Refuses a file
 * that is missing, not a regular file, that group or others may access ("run chmod 600"), or
 * that is not a portal key file (naming the line): 2 (bad input); 1 when it cannot be read
 * (permissions, I/O, memory); 0 on success; err filled unless 0. */
int portal_keys_load(const char *path, struct portal_keys *pk, char **pubtext, char *err, size_t errlen);
#endif
