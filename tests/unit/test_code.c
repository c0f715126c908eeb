/* test_code.c — unit tests for src/sign/code.c (notice codes). */
#include "check.h"

#include <sodium.h>

#include "sign/code.h"

static int is_display_form(const char *s)
{
    static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (strlen(s) != CODE_DISPLAY_LEN) return 0;
    for (int i = 0; i < CODE_DISPLAY_LEN; i++) {
        if (i % 5 == 4) {
            if (s[i] != '-') return 0;
        } else if (!strchr(alpha, s[i]) || s[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

static void test_generate(void)
{
    char a[CODE_DISPLAY_SIZE], b[CODE_DISPLAY_SIZE], canon[CODE_CANON_SIZE];
    int counts[32] = {0};
    code_generate(a);
    code_generate(b);
    CHECK(is_display_form(a));
    CHECK(is_display_form(b));
    CHECK(strcmp(a, b) != 0);
    /* every symbol shows up over many codes (the alphabet is used uniformly enough) */
    for (int i = 0; i < 2000; i++) {
        code_generate(a);
        CHECK_INT(code_parse(a, strlen(a), canon, NULL, 0), 0);
        for (int j = 0; j < CODE_CHARS; j++)
            counts[strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", canon[j]) - "0123456789ABCDEFGHJKMNPQRSTVWXYZ"]++;
    }
    for (int s = 0; s < 32; s++) CHECK(counts[s] > 600 && counts[s] < 1400); /* expected 1000 each */
}

static void test_encode_decode(void)
{
    unsigned char b[CODE_BYTES], back[CODE_BYTES];
    char canon[CODE_CANON_SIZE], disp[CODE_DISPLAY_SIZE];
    memset(b, 0, sizeof b);
    code_encode(b, canon);
    CHECK_STR(canon, "0000000000000000");
    memset(b, 0xff, sizeof b);
    code_encode(b, canon);
    CHECK_STR(canon, "ZZZZZZZZZZZZZZZZ");
    /* known vector: bytes 00 01 .. 09, 5 bits at a time, most significant first */
    for (int i = 0; i < CODE_BYTES; i++) b[i] = (unsigned char)i;
    code_encode(b, canon);
    CHECK_STR(canon, "000G40R40M30E209");
    code_format(canon, disp);
    CHECK_STR(disp, "000G-40R4-0M30-E209");
    CHECK_INT(code_decode(canon, back), 0);
    CHECK(memcmp(b, back, sizeof b) == 0);
    CHECK_INT(code_decode("000G40R40M30E20I", back), -1); /* not canonical: I */
    CHECK_INT(code_decode("000g40R40M30E209", back), -1); /* not canonical: lower case */
    char shortc[CODE_CANON_SIZE] = "000G40R40M30E20"; /* short */
    CHECK_INT(code_decode(shortc, back), -1);
    for (int r = 0; r < 200; r++) {
        randombytes_buf(b, sizeof b);
        code_encode(b, canon);
        CHECK_INT(code_decode(canon, back), 0);
        CHECK(memcmp(b, back, sizeof b) == 0);
    }
}

static void test_parse(void)
{
    char canon[CODE_CANON_SIZE], err[128];
    const char *ok[] = {
        "K7QM-2D9X-PH4T-W3RC",     "k7qm-2d9x-ph4t-w3rc",    "K7QM2D9XPH4TW3RC",   " K7QM 2D9X PH4T W3RC ",
        "K7-QM-2D-9X-PH-4T-W3-RC", "K7QM--2D9X--PH4T--W3RC", "k7qm2d9xph4tw3rc\t",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        err[0] = '\0';
        CHECK_INT(code_parse(ok[i], strlen(ok[i]), canon, err, sizeof err), 0);
        CHECK_STR(canon, "K7QM2D9XPH4TW3RC");
    }
    /* Crockford look-alikes */
    CHECK_INT(code_parse("IOLO-iolo-0000-1111", 19, canon, err, sizeof err), 0);
    CHECK_STR(canon, "1010101000001111");
    /* refusals */
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3RU", 19, canon, err, sizeof err), -1);
    CHECK_STR(err, "invalid character 'U' in code");
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3Ru", 19, canon, err, sizeof err), -1);
    CHECK_STR(err, "invalid character 'u' in code");
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3R", 18, canon, err, sizeof err), -1);
    CHECK_STR(err, "code has 15 symbols, expected 16");
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3RCC", 20, canon, err, sizeof err), -1);
    CHECK_STR(err, "code has 17 symbols, expected 16");
    CHECK_INT(code_parse("", 0, canon, err, sizeof err), -1);
    CHECK_INT(code_parse("K7QM_2D9X_PH4T_W3RC", 19, canon, err, sizeof err), -1);
    CHECK_STR(err, "invalid character '_' in code");
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3R\xc3\x9c", 20, canon, err, sizeof err), -1);
    CHECK_STR(err, "invalid byte 0xc3 in code");
    CHECK_INT(code_parse("K7QM\0"
                         "2D9XPH4TW3RC",
                         16, canon, err, sizeof err),
              -1);
    char longin[100];
    memset(longin, '-', sizeof longin);
    memcpy(longin, "K7QM2D9XPH4TW3RC", 16);
    CHECK_INT(code_parse(longin, sizeof longin, canon, err, sizeof err), -1);
    CHECK(strstr(err, "too long") != NULL);
    CHECK_INT(code_parse(longin, CODE_INPUT_MAX, canon, err, sizeof err), 0);
    CHECK_INT(code_parse("K7QM-2D9X-PH4T-W3RX", 19, canon, NULL, 0), 0); /* err may be NULL */
}

static void test_lookup_hash(void)
{
    unsigned char key[CODE_KEY_BYTES], key2[CODE_KEY_BYTES];
    unsigned char h1[CODE_HASH_BYTES], h2[CODE_HASH_BYTES], h3[CODE_HASH_BYTES], want[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
        key2[i] = (unsigned char)(i + 1);
    }
    CHECK_INT(code_lookup_hash(key, "K7QM-2D9X-PH4T-W3RC", h1), 0);
    CHECK_INT(code_lookup_hash(key, "k7qm 2d9x ph4t w3rc", h2), 0);
    CHECK(code_equal_ct(h1, h2, sizeof h1));
    CHECK_INT(code_lookup_hash(key, "K7QM-2D9X-PH4T-W3R0", h3), 0);
    CHECK(!code_equal_ct(h1, h3, sizeof h1));
    CHECK_INT(code_lookup_hash(key2, "K7QM-2D9X-PH4T-W3RC", h3), 0);
    CHECK(!code_equal_ct(h1, h3, sizeof h1));
    CHECK_INT(code_lookup_hash(key, "K7QM-2D9X-PH4T-W3RU", h3), -1);
    CHECK_INT(code_lookup_hash(key, "", h3), -1);
    /* it is BLAKE2b-256 keyed with the register secret over the 16 canonical symbols */
    crypto_generichash(want, sizeof want, (const unsigned char *)"K7QM2D9XPH4TW3RC", 16, key, 32);
    CHECK(memcmp(h1, want, 32) == 0);
    /* a fixed vector, so that a change of the construction is noticed */
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h1, 32);
    /* independently computed: hashlib.blake2b(b"K7QM2D9XPH4TW3RC", key=bytes(range(32)),
     * digest_size=32) */
    CHECK_STR(hex, "be17fb90bc7670b89a30123fc743ce3deb7382e2186afa33195f2b337fc0dc5c");
    CHECK(code_equal_ct("K7QM2D9XPH4TW3RC", "K7QM2D9XPH4TW3RC", 16));
    CHECK(!code_equal_ct("K7QM2D9XPH4TW3RC", "K7QM2D9XPH4TW3RD", 16));
    CHECK(code_equal_ct("", "", 0));
}

static void test_deterministic(void)
{
    unsigned char seed[32] = {1, 2, 3};
    char a[CODE_DISPLAY_SIZE], b[CODE_DISPLAY_SIZE], c[CODE_DISPLAY_SIZE];
    code_test_generate_from_seed(seed, 0, a);
    code_test_generate_from_seed(seed, 0, b);
    code_test_generate_from_seed(seed, 1, c);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK(is_display_form(a) && is_display_form(c));
    CHECK_STR(a, "B7A5-K0YY-2KKF-YP1R"); /* blake2b(8 zero bytes, key=seed, 10 bytes) */
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    RUN(test_generate);
    RUN(test_encode_decode);
    RUN(test_parse);
    RUN(test_lookup_hash);
    RUN(test_deterministic);
    return check_done();
}
