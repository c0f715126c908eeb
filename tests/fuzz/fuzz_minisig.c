/* fuzz_minisig.c — libFuzzer target for the parsers of outside text in src/sign:
 * minisig_parse / minisig_verify (a .minisig file), sign_pubkey_parse (a public key file or
 * its base64 line) and code_parse (a notice code as a person typed it).
 * Seeds: tests/fuzz/corpus/minisig/. Build: make fuzz; run: tests/run fuzz. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign/code.h"
#include "sign/keys.h"
#include "sign/minisig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char pk[32] = {1}, keyid[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
    char err[256];
    struct minisig m;
    unsigned char pk2[32], id2[8];
    char canon[CODE_CANON_SIZE];

    /* copy so that ASan catches any read past the end */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);

    int rc = minisig_parse(text, size, &m, err, sizeof err);
    if (rc == MINISIG_OK) {
        /* the comments lie inside the input and hold no line end or NUL */
        if (m.untrusted < text || m.untrusted + m.untrusted_len > text + size || m.trusted < text ||
            m.trusted + m.trusted_len > text + size || memchr(m.trusted, '\n', m.trusted_len) ||
            memchr(m.trusted, '\r', m.trusted_len) || m.trusted_len > MINISIG_TRUSTED_MAX ||
            m.untrusted_len > MINISIG_UNTRUSTED_MAX)
            abort();
        rc = minisig_verify_parsed(pk, keyid, text, size, &m, err, sizeof err);
        if (rc == MINISIG_OK || rc == MINISIG_MALFORMED) /* pk {1} cannot have signed it */
            abort();
    } else if (rc != MINISIG_MALFORMED || err[0] == '\0') {
        abort();
    }
    if (sign_pubkey_parse(text, size, pk2, id2, err, sizeof err) == 0) {
        char b64[SIGN_PUBKEY_B64 + 1];
        sign_pubkey_b64(pk2, id2, b64); /* round trip: the base64 line is canonical */
        if (!memmem(text, size, b64, SIGN_PUBKEY_B64)) abort();
    }
    if (code_parse(text, size, canon, err, sizeof err) == 0) {
        unsigned char b[CODE_BYTES];
        char again[CODE_CANON_SIZE];
        if (code_decode(canon, b) != 0) abort();
        code_encode(b, again);
        if (strcmp(again, canon) != 0) abort();
    }
    free(text);
    return 0;
}
