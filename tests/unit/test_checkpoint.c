/* test_checkpoint.c — C2SP signed-note checkpoints.
 *   test_checkpoint                                      unit tests (TAP)
 *   test_checkpoint sign ORIGIN SIZE ROOTHEX NAME SEEDHEX  print a signed checkpoint
 *   test_checkpoint pubkey SEEDHEX                       print the Ed25519 public key (hex)
 *   test_checkpoint verify FILE NAME PUBHEX [ORIGIN]     exit 0 when genuine, 1 if not
 *   test_checkpoint vkey NAME PUBHEX                     print the note verifier key */
#include "check.h"
#include "tlog/checkpoint.h"

#include <sodium.h>
#include <stdlib.h>

static const char *ROOT8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

/* Produced by tests/tlog/verify.py sign-checkpoint with seed 00 01 .. 1f: Ed25519 is
 * deterministic, so both implementations must write exactly these bytes. */
static const char *GOLDEN =
    "example.org/log\n"
    "42\n"
    "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    "\n"
    "\xe2\x80\x94 example.org/log mK8COzwc/OGo3j4SoCijneCrGDmVr5R2Mj6GHPHVynffilU3f2p6kPrtRGYFyb"
    "gaULNq5AbrvtDG8whyUNRYofGIaws=\n";
static const char *GOLDEN_PK = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";

static int unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void test_key(uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)i;
    crypto_sign_seed_keypair(pk, sk, seed);
}

/* golang.org/x/mod/sumdb/note: key id, key encoding and signature of the PeterNeumann note. */
static void test_go_note_vector(void)
{
    char name[CKPT_MAX_NAME + 1], err[200], vk[CKPT_VKEY_MAX];
    uint8_t pk[32], pk2[32], sk[64], raw[33], blob[68];
    char b64[sodium_base64_ENCODED_LEN(68, sodium_base64_VARIANT_ORIGINAL)];
    size_t n;
    const char *vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const char *skey_b64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const char *text = "If you think cryptography is the answer to your problem,\n"
                       "then you don't know what your problem is.\n";

    CHECK_INT(ckpt_vkey_parse(vkey, name, pk, err, sizeof err), 0);
    CHECK_STR(name, "PeterNeumann");
    CHECK_INT(ckpt_key_id("PeterNeumann", pk), 0xc74f20a3u);
    CHECK_INT(ckpt_vkey_format(name, pk, vk, sizeof vk, err, sizeof err), 0);
    CHECK_STR(vk, vkey);
    CHECK_INT(
        sodium_base642bin(raw, sizeof raw, skey_b64, strlen(skey_b64), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL),
        0);
    CHECK_INT(n, 33);
    CHECK_INT(raw[0], 1);
    crypto_sign_seed_keypair(pk2, sk, raw + 1);
    CHECK(memcmp(pk, pk2, 32) == 0);
    uint32_t id = ckpt_key_id("PeterNeumann", pk);
    blob[0] = (uint8_t)(id >> 24);
    blob[1] = (uint8_t)(id >> 16);
    blob[2] = (uint8_t)(id >> 8);
    blob[3] = (uint8_t)id;
    crypto_sign_detached(blob + 4, NULL, (const unsigned char *)text, strlen(text), sk);
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    CHECK_STR(b64, "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
    /* the note itself is no checkpoint (two text lines) */
    char note[400];
    snprintf(note, sizeof note, "%s\n\xe2\x80\x94 PeterNeumann %s\n", text, b64);
    struct ckpt cp;
    CHECK_INT(ckpt_parse(note, strlen(note), &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 2: tree size 'then you don't know what your ' is not a canonical decimal number");
}

static void test_sign_golden(void)
{
    uint8_t pk[32], sk[64], root[32], want_pk[32];
    char out[CKPT_SIGNED_MAX], err[200];
    size_t n = 0;
    test_key(pk, sk);
    unhex(GOLDEN_PK, want_pk, 32);
    CHECK(memcmp(pk, want_pk, 32) == 0);
    unhex(ROOT8, root, 32);
    CHECK_INT(ckpt_sign("example.org/log", 42, root, "example.org/log", sk, out, sizeof out, &n, err, sizeof err), 0);
    CHECK_STR(out, GOLDEN);
    CHECK_INT(n, strlen(GOLDEN));
    /* exactly-sized buffer works, one byte less does not */
    char small[400];
    CHECK_INT(ckpt_sign("example.org/log", 42, root, "example.org/log", sk, small, n + 1, NULL, err, sizeof err), 0);
    CHECK_INT(ckpt_sign("example.org/log", 42, root, "example.org/log", sk, small, n, NULL, err, sizeof err), -1);
    CHECK(strncmp(err, "output buffer too small", 23) == 0);
    /* ckpt_format gives the text part */
    CHECK_INT(ckpt_format("example.org/log", 42, root, out, sizeof out, &n, err, sizeof err), 0);
    CHECK_STR(out, "example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n");
}

static void test_verify_roundtrip(void)
{
    uint8_t pk[32], sk[64], root[32];
    char out[CKPT_SIGNED_MAX], err[200];
    struct ckpt cp;
    size_t n;
    test_key(pk, sk);
    unhex(ROOT8, root, 32);
    static const uint64_t sizes[] = {0, 1, 9, 10, 42, 1000000, UINT64_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK_INT(ckpt_sign("klartext.example/log", sizes[i], root, "klartext.example/log", sk, out, sizeof out, &n,
                            err, sizeof err),
                  0);
        CHECK_INT(ckpt_verify(out, n, "klartext.example/log", pk, "klartext.example/log", &cp, err, sizeof err), 0);
        CHECK(cp.size == sizes[i]);
    }
    CHECK_STR(cp.origin, "klartext.example/log");
    CHECK(memcmp(cp.root, root, 32) == 0);
    CHECK_INT(cp.n_sigs, 1);
    CHECK_INT(cp.n_ext, 0);
    CHECK_INT(cp.sigs[0].sig_len, 64);
    CHECK_INT(cp.sigs[0].key_id, ckpt_key_id("klartext.example/log", pk));
    CHECK_INT(cp.text_len, strlen("klartext.example/log\n18446744073709551615\n") + 45);
    CHECK_INT(ckpt_verify(GOLDEN, strlen(GOLDEN), "example.org/log", pk, NULL, NULL, err, sizeof err), 0);
}

static void test_verify_tampered(void)
{
    uint8_t pk[32], sk[64], pk2[32], sk2[64], root[32];
    char note[CKPT_SIGNED_MAX], err[200];
    size_t n;
    test_key(pk, sk);
    crypto_sign_keypair(pk2, sk2);
    unhex(ROOT8, root, 32);
    ckpt_sign("example.org/log", 42, root, "example.org/log", sk, note, sizeof note, &n, err, sizeof err);

    /* wrong key, same name */
    CHECK_INT(ckpt_verify(note, n, "example.org/log", pk2, NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "another key") != NULL);
    /* wrong name */
    CHECK_INT(ckpt_verify(note, n, "example.org/other", pk, NULL, NULL, err, sizeof err), -1);
    CHECK(strncmp(err, "no signature by key 'example.org/other' (key id ", 48) == 0);
    /* wrong origin */
    CHECK_INT(ckpt_verify(note, n, "example.org/log", pk, "example.org/x", NULL, err, sizeof err), -1);
    CHECK_STR(err, "origin mismatch: checkpoint is for 'example.org/log', expected 'example.org/x'");
    /* changed size: 42 -> 43 */
    char t[CKPT_SIGNED_MAX];
    memcpy(t, note, n + 1);
    t[17] = '3';
    CHECK_INT(ckpt_verify(t, n, "example.org/log", pk, NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "does not verify") != NULL);
    /* a flipped bit in every base64 character of the signature */
    int accepted = 0;
    size_t sig_start = n - 93; /* 92 base64 characters and the newline */
    for (size_t i = sig_start; i < n - 3; i++) { /* the last ones are padding / zero bits */
        memcpy(t, note, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        accepted += ckpt_verify(t, n, "example.org/log", pk, NULL, NULL, err, sizeof err) == 0;
    }
    CHECK_INT(accepted, 0);
    /* a good signature plus a bad one by the same key: the whole note is rejected */
    char two[2 * CKPT_SIGNED_MAX];
    memcpy(t, note, n + 1);
    t[n - 10] = t[n - 10] == 'A' ? 'B' : 'A';
    snprintf(two, sizeof two, "%s%s", note, t + sig_start - strlen("\xe2\x80\x94 example.org/log "));
    CHECK_INT(ckpt_parse(two, strlen(two), &(struct ckpt){0}, err, sizeof err), 0);
    CHECK_INT(ckpt_verify(two, strlen(two), "example.org/log", pk, NULL, NULL, err, sizeof err), -1);
    CHECK(strstr(err, "does not verify") != NULL);
}

/* Signatures from other keys (witnesses, other types) are ignored; extension lines allowed. */
static void test_other_signatures_and_extensions(void)
{
    uint8_t pk[32], sk[64], root[32];
    char text[400], note[2000], err[200], b64[200];
    uint8_t blob[68], cosig[4 + 72];
    struct ckpt cp;
    test_key(pk, sk);
    unhex(ROOT8, root, 32);
    size_t tl = (size_t)snprintf(text, sizeof text,
                                 "example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                                 "ext one\nsecond \xc3\xa9xtension\n");
    uint32_t id = ckpt_key_id("example.org/log", pk);
    blob[0] = (uint8_t)(id >> 24);
    blob[1] = (uint8_t)(id >> 16);
    blob[2] = (uint8_t)(id >> 8);
    blob[3] = (uint8_t)id;
    crypto_sign_detached(blob + 4, NULL, (const unsigned char *)text, tl, sk);
    memset(cosig, 0x77, sizeof cosig);
    size_t n = (size_t)snprintf(note, sizeof note, "%s\n", text);
    sodium_bin2base64(b64, sizeof b64, cosig, sizeof cosig, sodium_base64_VARIANT_ORIGINAL);
    n += (size_t)snprintf(note + n, sizeof note - n, "\xe2\x80\x94 witness.example/w1 %s\n", b64);
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    n += (size_t)snprintf(note + n, sizeof note - n, "\xe2\x80\x94 example.org/log %s\n", b64);
    CHECK_INT(ckpt_verify(note, n, "example.org/log", pk, "example.org/log", &cp, err, sizeof err), 0);
    CHECK_INT(cp.n_sigs, 2);
    CHECK_STR(cp.sigs[0].name, "witness.example/w1");
    CHECK_INT(cp.sigs[0].sig_len, 72);
    CHECK_INT(cp.sigs[0].key_id, 0x77777777);
    CHECK_INT(cp.n_ext, 2);
    CHECK_INT(cp.ext_len, strlen("ext one\nsecond \xc3\xa9xtension\n"));
    CHECK(memcmp(note + cp.ext_off, "ext one\n", 8) == 0);
    CHECK_INT(cp.text_len, tl);
}

struct bad {
    const char *note;
    const char *err;
};

static void test_parse_rejects(void)
{
    /* a valid signature line to append */
#define SIG \
    "\xe2\x80\x94 example.org/log mK8COzwc/OGo3j4SoCijneCrGDmVr5R2Mj6GHPHVynffilU3f2p6kPrtRGYFybgaULNq5AbrvtDG8whyUNRYofGIaws=\n"
#define ROOTB64 "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
#define HDR "example.org/log\n42\n" ROOTB64 "\n"
    static const struct bad bad[] = {
        {"", "note is empty"},
        {HDR "\n" SIG "x", "note does not end in a newline"},
        {HDR SIG, "note has no blank line between text and signatures"},
        {HDR "\n", "note has no signature lines"},
        {HDR "\n" SIG "\n", "note has no signature lines"},
        {"example.org/log\n42\n\n" SIG, "checkpoint text has 2 lines, needs origin, tree size and root hash"},
        {"\n42\n" ROOTB64 "\n\n" SIG, "line 1: empty line in the checkpoint text"},
        {HDR "\n\n" SIG, "line 4: empty line in the checkpoint text"},
        {"example.org/log\n042\n" ROOTB64 "\n\n" SIG, "line 2: tree size '042' is not a canonical decimal number"},
        {"example.org/log\n+42\n" ROOTB64 "\n\n" SIG, "line 2: tree size '+42' is not a canonical decimal number"},
        {"example.org/log\n-1\n" ROOTB64 "\n\n" SIG, "line 2: tree size '-1' is not a canonical decimal number"},
        {"example.org/log\n 42\n" ROOTB64 "\n\n" SIG, "line 2: tree size ' 42' is not a canonical decimal number"},
        {"example.org/log\n4a\n" ROOTB64 "\n\n" SIG, "line 2: tree size '4a' is not a canonical decimal number"},
        {"example.org/log\n18446744073709551616\n" ROOTB64 "\n\n" SIG,
         "line 2: tree size '18446744073709551616' is not a canonical decimal number"},
        {"example.org/log\n00\n" ROOTB64 "\n\n" SIG, "line 2: tree size '00' is not a canonical decimal number"},
        {"example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {"example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {"example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {"example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=AAAA\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {"example.org/log\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {"example.org/log\r\n42\n" ROOTB64 "\n\n" SIG, "line 1: control character 0x0d"},
        {"example.org/log\n42\t\n" ROOTB64 "\n\n" SIG, "line 2: control character 0x09"},
        {"example.org/\xff\n42\n" ROOTB64 "\n\n" SIG, "line 1: invalid utf-8"},
        {"example.org/\xc0\xaf\n42\n" ROOTB64 "\n\n" SIG, "line 1: invalid utf-8"},
        {"example.org/\xed\xa0\x80\n42\n" ROOTB64 "\n\n" SIG, "line 1: invalid utf-8"},
        {"example.org/\xf4\x90\x80\x80\n42\n" ROOTB64 "\n\n" SIG, "line 1: invalid utf-8"},
        {"example.org/\xe2\x80\n42\n" ROOTB64 "\n\n" SIG, "line 1: invalid utf-8"},
        {HDR "\n- example.org/log AAAA\n", "line 5: signature line does not start with an em dash and a space"},
        {HDR "\n\xe2\x80\x93 example.org/log AAAA\n",
         "line 5: signature line does not start with an em dash and a space"},
        {HDR "\n\xe2\x80\x94"
             "example.org/log AAAA\n",
         "line 5: signature line does not start with an em dash and a space"},
        {HDR "\n\xe2\x80\x94 example.org/log\n", "line 5: signature line has no signature after the key name"},
        {HDR "\n\xe2\x80\x94  AAAAAAAA\n", "line 5: key name is empty"},
        {HDR "\n\xe2\x80\x94 a+b AAAAAAAA\n", "line 5: key name 'a+b' contains '+'"},
        {HDR "\n\xe2\x80\x94 a\xc2\xa0"
             "b AAAAAAAA\n",
         "line 5: key name 'a\xc2\xa0"
         "b' contains a space"},
        {HDR "\n\xe2\x80\x94 a\xe3\x80\x80"
             "b AAAAAAAA\n",
         "line 5: key name 'a\xe3\x80\x80"
         "b' contains a space"},
        {HDR "\n\xe2\x80\x94 a AAAAAAA\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAAAAB=\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAAAA-_\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAA AAAA\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAAAA==\n", "line 5: signature is 4 bytes, too short for a key id and a signature"},
        {HDR "\n" SIG "\xe2\x80\x94 a AAAAAAA\n", "line 6: signature is not canonical standard base64"},
        /* found by fuzz_checkpoint: libsodium's decoder lets some bytes >= 0x80 through */
        {"example.org/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm\xca\xb1MpJWZG3hSuFU=\n\n" SIG,
         "line 3: root hash is not base64 of 32 bytes"},
        {HDR "\n\xe2\x80\x94 a AAAA\xc3\xa9"
             "AA\n",
         "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAA====\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a AAAAAA=A\n", "line 5: signature is not canonical standard base64"},
        {HDR "\n\xe2\x80\x94 a =AAAAAAA\n", "line 5: signature is not canonical standard base64"},
    };
    char err[300];
    struct ckpt cp;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = ckpt_parse(bad[i].note, strlen(bad[i].note), &cp, err, sizeof err);
        if (rc != -1 || strncmp(err, bad[i].err, strlen(bad[i].err)) != 0) {
            printf("#   case %zu: rc %d, err \"%s\", expected \"%s\"\n", i, rc, rc ? err : "", bad[i].err);
            CHECK(0);
        }
    }
    /* "AAAAAAA=" decodes to 5 bytes: one signature byte is enough for the parser */
    const char *five = HDR "\n\xe2\x80\x94 a AAAAAAA=\n";
    CHECK_INT(ckpt_parse(five, strlen(five), &cp, err, sizeof err), 0);
    CHECK_INT(cp.sigs[0].sig_len, 1);
    /* a NUL byte inside */
    char nul[] = HDR "\n" SIG;
    nul[3] = '\0';
    CHECK_INT(ckpt_parse(nul, sizeof nul - 1, &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 1: control character 0x00");
}

static void test_parse_accepts(void)
{
    char err[300];
    struct ckpt cp;
    const char *five = HDR "\n\xe2\x80\x94 a AAAAAAAA\n"; /* 6 bytes: id + 2 bytes */
    CHECK_INT(ckpt_parse(five, strlen(five), &cp, err, sizeof err), 0);
    CHECK_INT(cp.sigs[0].sig_len, 2);
    const char *zero = "o\n0\n" ROOTB64 "\n\n" SIG;
    CHECK_INT(ckpt_parse(zero, strlen(zero), &cp, err, sizeof err), 0);
    CHECK_INT(cp.size, 0);
    CHECK_STR(cp.origin, "o");
    const char *max = "o\n18446744073709551615\n" ROOTB64 "\n\n" SIG;
    CHECK_INT(ckpt_parse(max, strlen(max), &cp, err, sizeof err), 0);
    CHECK(cp.size == UINT64_MAX);
    /* origins are not key names: spaces and '+' are allowed there (SHOULD, not MUST) */
    const char *sp = "Example Log+1 \xc3\xa9\n1\n" ROOTB64 "\n\n" SIG;
    CHECK_INT(ckpt_parse(sp, strlen(sp), &cp, err, sizeof err), 0);
    CHECK_STR(cp.origin, "Example Log+1 \xc3\xa9");
    /* a name with non-ASCII letters */
    const char *u = HDR "\n\xe2\x80\x94 b\xc3\xbcro.example/log AAAAAAAA\n";
    CHECK_INT(ckpt_parse(u, strlen(u), &cp, err, sizeof err), 0);
    CHECK_STR(cp.sigs[0].name, "b\xc3\xbcro.example/log");
}

/* Size limits: 16 KiB note, 1024-byte lines, 255-byte origin and names, 32 signatures. */
static void test_limits(void)
{
    static char note[CKPT_MAX_NOTE + 200];
    char err[300], name[300];
    struct ckpt cp;
    size_t n;

    /* 32 signatures parse, 33 do not */
    n = (size_t)snprintf(note, sizeof note, HDR "\n");
    for (int i = 0; i < 32; i++) n += (size_t)snprintf(note + n, sizeof note - n, "\xe2\x80\x94 w%d AAAAAAAA\n", i);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), 0);
    CHECK_INT(cp.n_sigs, 32);
    n += (size_t)snprintf(note + n, sizeof note - n, "\xe2\x80\x94 w32 AAAAAAAA\n");
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 37: more than 32 signatures");

    /* origin of 255 bytes ok, 256 not */
    memset(name, 'o', 256);
    name[255] = '\0';
    n = (size_t)snprintf(note, sizeof note, "%s\n1\n" ROOTB64 "\n\n" SIG, name);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), 0);
    name[255] = 'o';
    name[256] = '\0';
    n = (size_t)snprintf(note, sizeof note, "%s\n1\n" ROOTB64 "\n\n" SIG, name);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 1: origin is 256 bytes, more than 255");
    /* key name of 256 bytes */
    n = (size_t)snprintf(note, sizeof note, HDR "\n\xe2\x80\x94 %s AAAAAAAA\n", name);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 5: key name is 256 bytes, more than 255");
    CHECK_INT(ckpt_check_name(name, err, sizeof err), -1);
    name[255] = '\0';
    CHECK_INT(ckpt_check_name(name, err, sizeof err), 0);

    /* extension line of 1024 bytes ok, 1025 not */
    static char ext[1100];
    memset(ext, 'x', 1024);
    ext[1024] = '\0';
    n = (size_t)snprintf(note, sizeof note, HDR "%s\n\n" SIG, ext);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), 0);
    ext[1024] = 'x';
    ext[1025] = '\0';
    n = (size_t)snprintf(note, sizeof note, HDR "%s\n\n" SIG, ext);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), -1);
    CHECK_STR(err, "line 4: 1025 bytes, more than 1024");

    /* whole note: exactly 16384 bytes parse (one long unknown signature), 16385 do not */
    size_t fixed = strlen(HDR "\n\xe2\x80\x94  \n"); /* all but name and base64 */
    size_t b64len = (CKPT_MAX_NOTE - fixed - 1) / 4 * 4, nlen = CKPT_MAX_NOTE - fixed - b64len;
    n = (size_t)snprintf(note, sizeof note, HDR "\n\xe2\x80\x94 ");
    memset(note + n, 'g', nlen);
    n += nlen;
    note[n++] = ' ';
    memset(note + n, 'A', b64len);
    n += b64len;
    note[n++] = '\n';
    CHECK_INT(n, CKPT_MAX_NOTE);
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), 0);
    CHECK(cp.sigs[0].sig_len > 12000);
    note[n++] = '\n';
    CHECK_INT(ckpt_parse(note, n, &cp, err, sizeof err), -1);
    CHECK_STR(err, "note is 16385 bytes, more than the limit of 16384");
}

static void test_sign_errors(void)
{
    uint8_t pk[32], sk[64], root[32] = {0};
    char out[CKPT_SIGNED_MAX], err[300];
    test_key(pk, sk);
    CHECK_INT(ckpt_sign("o", 1, root, "a b", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "key name 'a b' contains a space");
    CHECK_INT(ckpt_sign("o", 1, root, "a+b", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "key name 'a+b' contains '+'");
    CHECK_INT(ckpt_sign("o", 1, root, "", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "key name is empty");
    CHECK_INT(ckpt_sign("o\n2", 1, root, "o", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "invalid origin: key name 'o\n2' contains a space");
    CHECK_INT(ckpt_sign("", 1, root, "o", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "invalid origin: key name is empty");
    CHECK_INT(ckpt_sign(NULL, 1, root, "o", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "invalid origin: none given");
    sk[40] ^= 1;
    CHECK_INT(ckpt_sign("o", 1, root, "o", sk, out, sizeof out, NULL, err, sizeof err), -1);
    CHECK_STR(err, "secret key is corrupt: its public half does not match the seed");
    sk[40] ^= 1;
    CHECK_INT(ckpt_sign("o", 1, root, "o", sk, out, sizeof out, NULL, NULL, 0), 0);
    CHECK_INT(ckpt_verify(out, strlen(out), "o", pk, "o", NULL, err, sizeof err), 0);
    CHECK_INT(ckpt_verify(out, strlen(out), "o o", pk, "o", NULL, err, sizeof err), -1);
    CHECK_STR(err, "key name 'o o' contains a space");
}

static void test_vkey(void)
{
    uint8_t pk[32], sk[64], pk2[32];
    char vk[CKPT_VKEY_MAX], name[CKPT_MAX_NAME + 1], err[300];
    test_key(pk, sk);
    CHECK_INT(ckpt_vkey_format("example.org/log", pk, vk, sizeof vk, err, sizeof err), 0);
    CHECK_INT(ckpt_vkey_parse(vk, name, pk2, err, sizeof err), 0);
    CHECK_STR(name, "example.org/log");
    CHECK(memcmp(pk, pk2, 32) == 0);
    static const struct bad bad[] = {
        {"PeterNeumann", "verifier key is not of the form name+keyid+key"},
        {"PeterNeumann+c74f20a3", "verifier key is not of the form name+keyid+key"},
        {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "verifier key: key id c74f20a4 does not match the key (c74f20a3)"},
        {"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "verifier key: key id is not 8 lowercase hex digits"},
        {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "verifier key: key id is not 8 hex digits"},
        {"PeterNeumann+c74f20a3+Arpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "verifier key: key type 0x02 is not ed25519 (0x01)"},
        {"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
         "verifier key: key is not base64 of 33 bytes"},
        {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
         "verifier key: key name 'Peter Neumann' contains a space"},
        {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "verifier key: key name is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = ckpt_vkey_parse(bad[i].note, name, pk2, err, sizeof err);
        if (rc != -1 || strcmp(err, bad[i].err) != 0) {
            printf("#   vkey case %zu: rc %d, err \"%s\"\n", i, rc, rc ? err : "");
            CHECK(0);
        }
    }
    CHECK_INT(ckpt_vkey_format("a b", pk, vk, sizeof vk, err, sizeof err), -1);
    CHECK_INT(ckpt_vkey_format("ab", pk, vk, 10, err, sizeof err), -1);
}

/* ---- command-line helper modes for tests/cli/t7000-tlog-proofs.sh ------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: test_checkpoint [sign ORIGIN SIZE ROOTHEX NAME SEEDHEX | pubkey SEEDHEX |"
                    " verify FILE NAME PUBHEX [ORIGIN] | vkey NAME PUBHEX]\n");
    return 2;
}

static int cli(int argc, char **argv)
{
    char err[300];
    uint8_t seed[32], pk[32], sk[64], root[32];
    if (strcmp(argv[1], "sign") == 0 && argc == 7) {
        char out[CKPT_SIGNED_MAX], *end;
        unsigned long long size = strtoull(argv[3], &end, 10);
        if (*end || unhex(argv[4], root, 32) < 0 || unhex(argv[6], seed, 32) < 0) return usage();
        crypto_sign_seed_keypair(pk, sk, seed);
        if (ckpt_sign(argv[2], size, root, argv[5], sk, out, sizeof out, NULL, err, sizeof err) < 0) {
            fprintf(stderr, "test_checkpoint: %s\n", err);
            return 1;
        }
        fputs(out, stdout);
        return 0;
    }
    if (strcmp(argv[1], "pubkey") == 0 && argc == 3) {
        if (unhex(argv[2], seed, 32) < 0) return usage();
        crypto_sign_seed_keypair(pk, sk, seed);
        for (int i = 0; i < 32; i++) printf("%02x", pk[i]);
        printf("\n");
        return 0;
    }
    if (strcmp(argv[1], "vkey") == 0 && argc == 4) {
        char vk[CKPT_VKEY_MAX];
        if (unhex(argv[3], pk, 32) < 0) return usage();
        if (ckpt_vkey_format(argv[2], pk, vk, sizeof vk, err, sizeof err) < 0) {
            fprintf(stderr, "test_checkpoint: %s\n", err);
            return 1;
        }
        printf("%s\n", vk);
        return 0;
    }
    if (strcmp(argv[1], "verify") == 0 && (argc == 5 || argc == 6)) {
        static char note[CKPT_MAX_NOTE + 2];
        struct ckpt cp;
        if (unhex(argv[4], pk, 32) < 0) return usage();
        FILE *f = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "rb");
        if (!f) {
            fprintf(stderr, "test_checkpoint: cannot open '%s'\n", argv[2]);
            return 2;
        }
        size_t n = fread(note, 1, sizeof note, f);
        if (f != stdin) fclose(f);
        if (ckpt_verify(note, n, argv[3], pk, argc == 6 ? argv[5] : NULL, &cp, err, sizeof err) < 0) {
            fprintf(stderr, "test_checkpoint: %s\n", err);
            return 1;
        }
        printf("checkpoint verified: %s size %llu root ", cp.origin, (unsigned long long)cp.size);
        for (int i = 0; i < 32; i++) printf("%02x", cp.root[i]);
        printf("\n");
        return 0;
    }
    return usage();
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) return 1;
    if (argc > 1) return cli(argc, argv);
    RUN(test_go_note_vector);
    RUN(test_sign_golden);
    RUN(test_verify_roundtrip);
    RUN(test_verify_tampered);
    RUN(test_other_signatures_and_extensions);
    RUN(test_parse_rejects);
    RUN(test_parse_accepts);
    RUN(test_limits);
    RUN(test_sign_errors);
    RUN(test_vkey);
    return check_done();
}
