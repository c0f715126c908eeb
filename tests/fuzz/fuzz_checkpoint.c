/* fuzz_checkpoint.c — libFuzzer target for the signed-note checkpoint parser.
 * Seeds: tests/fuzz/corpus/checkpoint/ (signed with the test key of seed 00 01 .. 1f, so
 * mutations near the signature reach the Ed25519 verification).
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *  - a parsed note is consistent: text inside the input, at least one signature, origin
 *    non-empty and NUL-terminated;
 *  - parsing is canonical: without extension lines and with a key-name origin, formatting
 *    the parsed origin / size / root gives back the note text byte for byte;
 *  - verification never succeeds on a note that does not parse, and a verified note's
 *    fields equal the parsed ones. */
#include "tlog/checkpoint.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint8_t pk[CKPT_PK_LEN];

static void init(void)
{
    static int done;
    uint8_t seed[32], sk[CKPT_SK_LEN];
    if (done) return;
    if (sodium_init() < 0) abort();
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ckpt cp, cv;
    char err[300], text[CKPT_SIGNED_MAX];
    const char *note = (const char *)data;
    init();

    int parsed = ckpt_parse(note, size, &cp, err, sizeof err) == 0;
    if (parsed) {
        if (cp.text_len == 0 || cp.text_len >= size || cp.n_sigs == 0 || cp.n_sigs > CKPT_MAX_SIGS ||
            cp.origin[0] == '\0' || memchr(cp.origin, '\0', sizeof cp.origin) == NULL)
            abort();
        if (note[cp.text_len - 1] != '\n' || note[cp.text_len] != '\n') abort();
        size_t tl;
        if (cp.n_ext == 0 && ckpt_check_name(cp.origin, NULL, 0) == 0) {
            if (ckpt_format(cp.origin, cp.size, cp.root, text, sizeof text, &tl, NULL, 0) != 0) abort();
            if (tl != cp.text_len || memcmp(text, note, tl) != 0) abort();
        }
        if (cp.n_ext > 0 && (cp.ext_off + cp.ext_len != cp.text_len || cp.ext_len == 0)) abort();
    }
    int verified = ckpt_verify(note, size, "example.org/log", pk, NULL, &cv, err, sizeof err) == 0;
    if (verified &&
        (!parsed || cv.size != cp.size || memcmp(cv.root, cp.root, 32) != 0 || strcmp(cv.origin, cp.origin) != 0))
        abort();

    /* the verifier-key parser on the same bytes, as a bounded C string */
    if (size < 512) {
        char vk[512], name[CKPT_MAX_NAME + 1];
        uint8_t k[CKPT_PK_LEN];
        memcpy(vk, data, size);
        vk[size] = '\0';
        if (ckpt_vkey_parse(vk, name, k, err, sizeof err) == 0 && ckpt_check_name(name, NULL, 0) != 0) abort();
    }
    return 0;
}
