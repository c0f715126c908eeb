/* fuzz_code.c — libFuzzer target for the notice code parser (src/sign/code.c), which reads
 * what a person types into the verify portal, tells an agent on the phone, or passes to
 * `klartext verify --code`.
 *
 * Byte 0 picks the mode:
 *   even  the rest is typed text: code_parse either refuses it with a message or gives a
 *         canonical code (16 symbols of the Crockford alphabet) that decodes, re-encodes to
 *         itself, formats as XXXX-XXXX-XXXX-XXXX, parses back from that display form, and
 *         has the same lookup hash as the typed text;
 *   odd   round trip: bytes 1..10 are a code's random bytes, the rest are "typing" choices:
 *         the display form, typed in lower case, with dashes and spaces removed or added and
 *         0/1 written as O/I/L, must parse to the canonical code of those bytes. */
#include "sign/code.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const unsigned char key[CODE_KEY_BYTES] = {7, 1, 2, 3};

static void check_canon(const char *canon)
{
    if (strlen(canon) != CODE_CHARS) abort();
    for (int i = 0; i < CODE_CHARS; i++)
        if (!strchr(alphabet, canon[i]) || !canon[i]) abort();
    unsigned char b[CODE_BYTES];
    char again[CODE_CANON_SIZE], disp[CODE_DISPLAY_SIZE], c2[CODE_CANON_SIZE], err[200];
    if (code_decode(canon, b)) abort();
    code_encode(b, again);
    if (strcmp(again, canon)) abort();
    code_format(canon, disp);
    if (strlen(disp) != CODE_DISPLAY_LEN || disp[4] != '-' || disp[9] != '-' || disp[14] != '-') abort();
    if (code_parse(disp, strlen(disp), c2, err, sizeof err) || strcmp(c2, canon)) abort();
}

static void typed(const uint8_t *d, size_t n)
{
    char canon[CODE_CANON_SIZE], err[200];
    err[0] = 0;
    /* a private copy so that a read past the end is caught */
    char *in = malloc(n ? n : 1);
    memcpy(in, d, n);
    if (code_parse(in, n, canon, err, sizeof err) == 0) {
        check_canon(canon);
        if (!memchr(in, 0, n) && n < 200) {
            char s[201];
            unsigned char h1[CODE_HASH_BYTES], h2[CODE_HASH_BYTES];
            memcpy(s, in, n);
            s[n] = 0;
            if (code_lookup_hash(key, s, h1) || code_lookup_hash(key, canon, h2) || memcmp(h1, h2, sizeof h1)) abort();
        }
    } else if (!err[0]) {
        abort();
    } else if (!memchr(in, 0, n) && n < 200) {
        char s[201];
        unsigned char h[CODE_HASH_BYTES];
        memcpy(s, in, n);
        s[n] = 0;
        if (code_lookup_hash(key, s, h) == 0) abort(); /* refused by parse: no hash either */
    }
    free(in);
}

static void roundtrip(const uint8_t *d, size_t n)
{
    unsigned char b[CODE_BYTES] = {0};
    memcpy(b, d, n < CODE_BYTES ? n : CODE_BYTES);
    const uint8_t *ch = n > CODE_BYTES ? d + CODE_BYTES : NULL;
    size_t nch = n > CODE_BYTES ? n - CODE_BYTES : 0;
    char canon[CODE_CANON_SIZE], disp[CODE_DISPLAY_SIZE], got[CODE_CANON_SIZE], err[200];
    code_encode(b, canon);
    check_canon(canon);
    code_format(canon, disp);
    /* type it: per symbol one choice byte */
    char t[CODE_INPUT_MAX + 8];
    size_t k = 0, sym = 0;
    unsigned lead = nch ? ch[0] % 3 : 0;
    for (unsigned i = 0; i < lead; i++) t[k++] = ' ';
    for (size_t i = 0; i < CODE_DISPLAY_LEN; i++) {
        char c = disp[i];
        uint8_t x = sym + 1 < nch ? ch[sym + 1] : 0;
        if (c == '-') {
            switch (x % 4) {
            case 0: t[k++] = '-'; break;
            case 1: break;
            case 2: t[k++] = ' '; break;
            default:
                t[k++] = ' ';
                t[k++] = '-';
                t[k++] = ' ';
                break;
            }
            continue;
        }
        sym++;
        if (c == '0' && (x & 16)) c = x & 32 ? 'O' : 'o';
        else if (c == '1' && (x & 16)) c = "ILil"[(x >> 5) & 3];
        else if (c >= 'A' && c <= 'Z' && (x & 1)) c = (char)(c - 'A' + 'a');
        t[k++] = c;
    }
    if (k > CODE_INPUT_MAX) return;
    if (code_parse(t, k, got, err, sizeof err)) {
        fprintf(stderr, "typed '%.*s' (for %s) refused: %s\n", (int)k, t, canon, err);
        abort();
    }
    if (strcmp(got, canon)) {
        fprintf(stderr, "typed '%.*s' parsed as %s, want %s\n", (int)k, t, got, canon);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    if (data[0] & 1) roundtrip(data + 1, size - 1);
    else typed(data + 1, size - 1);
    return 0;
}
