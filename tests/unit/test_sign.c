/* test_sign.c — unit tests for src/sign/keys.c and src/sign/minisig.c, with interop checks
 * against the real /usr/bin/minisign (skipped with a "# ..." note if it is not installed).
 *
 * Run from the repository root (tests/run does): golden files are read from tests/data/sign/.
 *
 * With arguments it is also a small tool for tests/cli/t4000-minisign-interop.sh (the product
 * has no signing subcommand yet):
 *   test_sign keygen SECRET PUBLIC [COMMENT]      sign_keypair_create_comment; exit 0/1
 *   test_sign load SECRET                         sign_key_load; prints the key id; exit 0/1
 *   test_sign sign [-l] SECRET FILE TRUSTED [SIG] minisig_sign → SIG (default FILE.minisig)
 *   test_sign verify PUBLIC FILE [SIG]            minisig_verify; exit 0 ok, 1 wrong key or bad
 *                                                 signature, 2 malformed (like minisign -V)
 *   test_sign golden DIR                          write the golden files into DIR (new files) */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sign/keys.h"
#include "sign/minisig.h"

#define DATA_DIR "tests/data/sign"
#define MINISIGN "/usr/bin/minisign"

/* The fixed test key: seed 00 01 02 .. 1f, key id 0123456789ABCDEF. TEST KEY — NOT SECRET. */
static const unsigned char test_keyid[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
#define TEST_KEY_COMMENT "TEST KEY - NOT SECRET - klartext unit tests only, never use it to sign"
#define GOLDEN_UNTRUSTED "klartext notice signature; verify: minisign -Vm notice.txt -p klartext.pub"
#define GOLDEN_TRUSTED "klartext notice\tincident:INC-2026-0001\tcustomer:C-10042\ttime:2026-11-21T10:00:00Z"

static char tmpdir[256];

static sign_key *test_key(void)
{
    unsigned char seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)i;
    return sign_key_from_seed(seed, test_keyid);
}

static char *tpath(const char *name) /* path in the temp dir; static ring of buffers */
{
    static char bufs[8][512];
    static int n;
    char *b = bufs[n++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", tmpdir, name);
    return b;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    size_t r;
    while ((r = fread(p + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) p = realloc(p, (cap *= 2) + 1);
    }
    fclose(f);
    p[n] = '\0';
    if (len) *len = n;
    return p;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) return -1;
    int ok = write(fd, data, len) == (ssize_t)len;
    fchmod(fd, mode);
    close(fd);
    return ok ? 0 : -1;
}

static int have_minisign(void)
{
    return access(MINISIGN, X_OK) == 0;
}

static int run(const char *cmd) /* exit status of a shell command, -1 on signal */
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- keys ---------------------------------------------------------------------------- */

static void test_keypair_create(void)
{
    char err[256] = "";
    struct stat st;
    CHECK_INT(sign_keypair_create(tpath("a.key"), tpath("a.pub"), err, sizeof err), 0);
    CHECK_STR(err, "");
    CHECK(stat(tpath("a.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(tpath("a.pub"), &st) == 0 && (st.st_mode & 0777) == 0644);

    char *sk = read_file(tpath("a.key"), NULL), *pk = read_file(tpath("a.pub"), NULL);
    CHECK(sk && strncmp(sk, "untrusted comment: klartext secret key; keep private\n", 53) == 0);
    CHECK(sk && strlen(sk) == 53 + 212 + 1 && sk[strlen(sk) - 1] == '\n');
    CHECK(pk && strncmp(pk, "untrusted comment: minisign public key ", 39) == 0);
    CHECK(pk && strlen(pk) == 39 + 16 + 1 + 56 + 1);

    sign_key *k = sign_key_load(tpath("a.key"), err, sizeof err);
    CHECK(k != NULL);
    unsigned char pk1[32], id1[8], pk2[32], id2[8];
    char hex[SIGN_KEYID_HEX];
    if (k) {
        sign_key_public(k, pk1, id1);
        CHECK_INT(sign_pubkey_load(tpath("a.pub"), pk2, id2, err, sizeof err), 0);
        CHECK(memcmp(pk1, pk2, 32) == 0 && memcmp(id1, id2, 8) == 0);
        sign_keyid_hex(id1, hex);
        CHECK(pk && strncmp(pk + 39, hex, 16) == 0);
    }
    sign_key_free(k);

    /* never overwrites; nothing is left behind */
    err[0] = '\0';
    CHECK_INT(sign_keypair_create(tpath("a.key"), tpath("b.pub"), err, sizeof err), -1);
    CHECK(strstr(err, "a.key' already exists") != NULL);
    CHECK(access(tpath("b.pub"), F_OK) != 0);
    CHECK_INT(sign_keypair_create(tpath("b.key"), tpath("a.pub"), err, sizeof err), -1);
    CHECK(strstr(err, "a.pub' already exists") != NULL);
    CHECK(access(tpath("b.key"), F_OK) != 0);
    CHECK_INT(sign_keypair_create(tpath("c.key"), tpath("c.key"), err, sizeof err), -1);
    CHECK_INT(sign_keypair_create(tpath("nodir/x.key"), tpath("x.pub"), err, sizeof err), -1);
    CHECK(strstr(err, "nodir/x.key") != NULL);
    CHECK(access(tpath("x.pub"), F_OK) != 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q tmp", tmpdir);
    CHECK_INT(run(cmd), 1); /* no temp files left */

    /* a comment of our own; bad comments refused */
    CHECK_INT(sign_keypair_create_comment(tpath("d.key"), tpath("d.pub"),
                                          "klartext secret key for ACME Test GmbH; keep private", err, sizeof err),
              0);
    sk = (free(sk), read_file(tpath("d.key"), NULL));
    CHECK(sk && strncmp(sk,
                        "untrusted comment: klartext secret key for ACME Test GmbH; keep "
                        "private\n",
                        72) == 0);
    CHECK_INT(sign_keypair_create_comment(tpath("e.key"), tpath("e.pub"), "two\nlines", err, sizeof err), -1);
    CHECK(access(tpath("e.key"), F_OK) != 0);
    free(sk);
    free(pk);
}

static void test_key_load_refusals(void)
{
    char err[512];
    sign_key *k;
    CHECK_INT(sign_keypair_create(tpath("m.key"), tpath("m.pub"), err, sizeof err), 0);

    chmod(tpath("m.key"), 0644);
    k = sign_key_load(tpath("m.key"), err, sizeof err);
    CHECK(k == NULL);
    char want[1200];
    snprintf(want, sizeof want, "'%s' is readable by others (mode 0644); run chmod 600 '%s'", tpath("m.key"),
             tpath("m.key"));
    CHECK_STR(err, want);
    chmod(tpath("m.key"), 0640);
    CHECK(sign_key_load(tpath("m.key"), err, sizeof err) == NULL);
    CHECK(strstr(err, "readable by others (mode 0640)") != NULL);
    chmod(tpath("m.key"), 0620);
    CHECK(sign_key_load(tpath("m.key"), err, sizeof err) == NULL);
    CHECK(strstr(err, "writable by others (mode 0620)") != NULL);
    chmod(tpath("m.key"), 0400);
    k = sign_key_load(tpath("m.key"), err, sizeof err);
    CHECK(k != NULL);
    sign_key_free(k);
    sign_key_free(NULL);

    CHECK(sign_key_load(tmpdir, err, sizeof err) == NULL);
    CHECK(strstr(err, "is not a regular file") != NULL);
    CHECK(sign_key_load(tpath("missing.key"), err, sizeof err) == NULL);
    CHECK(strstr(err, "cannot open secret key") != NULL && strstr(err, "No such file") != NULL);

    /* tamper with the decoded record and write it back */
    size_t len;
    char *text = read_file(tpath("m.key"), &len);
    char *nl = strchr(text, '\n');
    unsigned char rec[158];
    size_t got;
    CHECK(sodium_base642bin(rec, sizeof rec, nl + 1, 212, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
          got == 158);
    struct {
        const char *name;
        size_t off;
        unsigned char val;
        const char *msg;
    } cases[] = {
        {"encrypted", 2, 'S', "encrypted keys are not supported yet"},
        {"alg", 0, 'X', "unsupported signature algorithm"},
        {"chkalg", 4, 'X', "unsupported checksum function"},
        {"chk", 130, 0x55, "checksum mismatch"},
        {"pkhalf", 100, 0x01, "public half does not match"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char r2[158];
        char line[300];
        memcpy(r2, rec, sizeof r2);
        if (cases[i].off == 2) r2[3] = 'c'; /* "Sc" */
        r2[cases[i].off] ^= cases[i].val;
        if (cases[i].off == 2) r2[2] = 'S';
        if (cases[i].off == 100) { /* keep the checksum consistent: zero it */
            memset(r2 + 126, 0, 32);
        }
        sodium_bin2base64(line, sizeof line, r2, sizeof r2, sodium_base64_VARIANT_ORIGINAL);
        char file[600];
        snprintf(file, sizeof file, "untrusted comment: x\n%s\n", line);
        char *p = tpath(cases[i].name);
        write_file(p, file, strlen(file), 0600);
        err[0] = '\0';
        k = sign_key_load(p, err, sizeof err);
        CHECK(k == NULL);
        if (!strstr(err, cases[i].msg)) printf("#   case %s: %s\n", cases[i].name, err);
        CHECK(strstr(err, cases[i].msg) != NULL);
        sign_key_free(k);
    }
    /* zero checksum (what minisign -G -W writes) is accepted */
    {
        unsigned char r2[158];
        char line[300], file[600];
        memcpy(r2, rec, sizeof r2);
        memset(r2 + 126, 0, 32);
        sodium_bin2base64(line, sizeof line, r2, sizeof r2, sodium_base64_VARIANT_ORIGINAL);
        snprintf(file, sizeof file, "untrusted comment: minisign encrypted secret key\n%s\n", line);
        write_file(tpath("zchk.key"), file, strlen(file), 0600);
        k = sign_key_load(tpath("zchk.key"), err, sizeof err);
        CHECK(k != NULL);
        sign_key_free(k);
        /* CRLF line ends, no final newline */
        snprintf(file, sizeof file, "untrusted comment: x\r\n%s", line);
        write_file(tpath("crlf.key"), file, strlen(file), 0600);
        k = sign_key_load(tpath("crlf.key"), err, sizeof err);
        CHECK(k != NULL);
        sign_key_free(k);
    }
    /* malformed texts */
    const char *bad[] = {
        "",
        "untrusted comment: x\n",
        "comment: x\nAAAA\n",
        "untrusted comment: x\nAAAA\n",
        "untrusted comment: x\n%s\nextra\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char file[700];
        if (strstr(bad[i], "%s")) {
            char line[300];
            sodium_bin2base64(line, sizeof line, rec, sizeof rec, sodium_base64_VARIANT_ORIGINAL);
            snprintf(file, sizeof file, "untrusted comment: x\n%s\nextra\n", line);
        } else {
            snprintf(file, sizeof file, "%s", bad[i]);
        }
        write_file(tpath("bad.key"), file, strlen(file), 0600);
        err[0] = '\0';
        k = sign_key_load(tpath("bad.key"), err, sizeof err);
        CHECK(k == NULL);
        CHECK(strncmp(err, "malformed secret key", 20) == 0);
        sign_key_free(k);
    }
    /* too large */
    {
        char *big = malloc(10000);
        memset(big, 'A', 10000);
        write_file(tpath("big.key"), big, 10000, 0600);
        CHECK(sign_key_load(tpath("big.key"), err, sizeof err) == NULL);
        CHECK(strstr(err, "too large") != NULL);
        free(big);
    }
    sodium_memzero(rec, sizeof rec);
    free(text);
}

static void test_pubkey_parse(void)
{
    char err[256];
    unsigned char pk[32], id[8], pk0[32], id0[8];
    char b64[SIGN_PUBKEY_B64 + 1], text[200];
    sign_key *k = test_key();
    sign_key_public(k, pk0, id0);
    sign_pubkey_b64(pk0, id0, b64);
    CHECK_INT(strlen(b64), 56);
    CHECK(strncmp(b64, "RWTvzauJZ0UjAQ", 14) == 0); /* "Ed" + key id ef cd ab 89 67 45 23 01 */

    CHECK_INT(sign_pubkey_parse(b64, strlen(b64), pk, id, err, sizeof err), 0);
    CHECK(memcmp(pk, pk0, 32) == 0 && memcmp(id, id0, 8) == 0);
    snprintf(text, sizeof text, "untrusted comment: minisign public key 0123456789ABCDEF\n%s\n", b64);
    CHECK_INT(sign_pubkey_parse(text, strlen(text), pk, id, err, sizeof err), 0);
    snprintf(text, sizeof text, "untrusted comment: x\r\n%s\r\n", b64);
    CHECK_INT(sign_pubkey_parse(text, strlen(text), pk, id, err, sizeof err), 0);
    snprintf(text, sizeof text, "  %s  \n", b64);
    CHECK_INT(sign_pubkey_parse(text, strlen(text), pk, id, err, sizeof err), 0);

    const char *bad[] = {
        "",
        "untrusted comment: x",
        "untrusted comment: x\n",
        "hello\nworld",
        "RWTvzauJZ0UjAQ",
        "untrusted comment: x\nA\nB\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(sign_pubkey_parse(bad[i], strlen(bad[i]), pk, id, err, sizeof err), -1);
    /* non-canonical base64 (last char changes unused bits) and wrong algorithm */
    snprintf(text, sizeof text, "%s", b64);
    text[55] = text[55] == 'A' ? 'B' : 'A';
    unsigned char raw[42];
    size_t got;
    sodium_base642bin(raw, sizeof raw, b64, 56, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL);
    raw[1] = 'D';
    sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    CHECK_INT(sign_pubkey_parse(text, strlen(text), pk, id, err, sizeof err), -1);
    CHECK(strstr(err, "unsupported signature algorithm") != NULL);
    /* a NUL byte */
    snprintf(text, sizeof text, "%s", b64);
    text[10] = '\0';
    CHECK_INT(sign_pubkey_parse(text, 56, pk, id, err, sizeof err), -1);

    CHECK_INT(sign_pubkey_load(tpath("nope.pub"), pk, id, err, sizeof err), -1);
    CHECK(strstr(err, "cannot open public key") != NULL);
    write_file(tpath("junk.pub"), "junk\n", 5, 0644);
    CHECK_INT(sign_pubkey_load(tpath("junk.pub"), pk, id, err, sizeof err), -1);
    CHECK(strncmp(err, "malformed public key '", 22) == 0);
    sign_key_free(k);
}

static void test_keyid_hex(void)
{
    char hex[SIGN_KEYID_HEX];
    sign_keyid_hex(test_keyid, hex);
    CHECK_STR(hex, "0123456789ABCDEF");
    const unsigned char id2[8] = {0x2d, 0x8b, 0x9f, 0xfe, 0x9b, 0x25, 0x59, 0x25};
    sign_keyid_hex(id2, hex);
    CHECK_STR(hex, "2559259BFE9F8B2D"); /* as minisign 0.11 printed for these bytes */
}

static void test_ed25519_raw(void)
{
    sign_key *k = test_key();
    unsigned char pk[32], sig[64], sig2[64];
    const unsigned char msg[] = "checkpoint\n42\n";
    sign_key_public(k, pk, NULL);
    sign_ed25519(k, msg, sizeof msg - 1, sig);
    sign_ed25519(k, msg, sizeof msg - 1, sig2);
    CHECK(memcmp(sig, sig2, 64) == 0); /* deterministic */
    CHECK_INT(sign_ed25519_verify(pk, msg, sizeof msg - 1, sig), 0);
    sig[0] ^= 1;
    CHECK_INT(sign_ed25519_verify(pk, msg, sizeof msg - 1, sig), -1);
    /* RFC 8032-compatible: libsodium's own verifier on the seed key pair */
    unsigned char seed[32], pk2[32], sk2[64];
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)i;
    crypto_sign_seed_keypair(pk2, sk2, seed);
    CHECK(memcmp(pk, pk2, 32) == 0);
    sign_key_free(k);
}

/* ---- minisig ------------------------------------------------------------------------- */

static void test_minisig_roundtrip(void)
{
    sign_key *k = test_key();
    unsigned char pk[32], id[8];
    char out[MINISIG_TEXT_MAX], err[256];
    size_t olen = 0;
    const char *data = "hello, world\n";
    struct minisig m;
    sign_key_public(k, pk, id);

    for (int alg = 0; alg < 2; alg++) {
        CHECK_INT(minisig_sign(k, data, strlen(data), (enum minisig_alg)alg, NULL, "tc\twith tab", out, sizeof out,
                               &olen, err, sizeof err),
                  0);
        CHECK_INT(olen, strlen(out));
        CHECK_INT(olen, MINISIG_TEXT_LEN(strlen(MINISIG_DEFAULT_UNTRUSTED), 11));
        CHECK(strncmp(out, "untrusted comment: signature from klartext secret key\n", 54) == 0);
        CHECK_INT(minisig_verify(pk, id, data, strlen(data), out, olen, &m, err, sizeof err), MINISIG_OK);
        CHECK_INT(m.alg, alg);
        CHECK(m.trusted_len == 11 && memcmp(m.trusted, "tc\twith tab", 11) == 0);
        CHECK(memcmp(m.keyid, id, 8) == 0);
        /* data changed */
        CHECK_INT(minisig_verify(pk, id, "hello, world!", 13, out, olen, NULL, err, sizeof err), MINISIG_BAD_SIGNATURE);
        CHECK(strstr(err, "data does not match") != NULL);
        /* empty data is fine */
        CHECK_INT(minisig_sign(k, "", 0, (enum minisig_alg)alg, "u", "", out, sizeof out, &olen, err, sizeof err), 0);
        CHECK_INT(minisig_verify(pk, id, "", 0, out, olen, NULL, err, sizeof err), MINISIG_OK);
    }
    /* deterministic */
    char out2[MINISIG_TEXT_MAX];
    minisig_sign(k, data, strlen(data), MINISIG_PREHASHED, "u", "t", out, sizeof out, NULL, err, sizeof err);
    minisig_sign(k, data, strlen(data), MINISIG_PREHASHED, "u", "t", out2, sizeof out2, NULL, err, sizeof err);
    CHECK_STR(out, out2);

    /* trusted comment changed: replace "t" by "T" on line 3 */
    char *tc = strstr(out, "trusted comment: t\n");
    CHECK(tc != NULL);
    if (tc) {
        tc[17] = 'T';
        CHECK_INT(minisig_verify(pk, id, data, strlen(data), out, strlen(out), NULL, err, sizeof err),
                  MINISIG_BAD_SIGNATURE);
        CHECK(strstr(err, "trusted comment does not match") != NULL);
        tc[17] = 't';
    }
    /* untrusted comment may change */
    out[19] = 'x';
    CHECK_INT(minisig_verify(pk, id, data, strlen(data), out, strlen(out), NULL, err, sizeof err), MINISIG_OK);

    /* wrong key: another key id; same key id but other key → bad signature */
    unsigned char seed[32] = {9}, id2[8] = {1, 2, 3, 4, 5, 6, 7, 8}, pk2[32];
    sign_key *k2 = sign_key_from_seed(seed, id2);
    sign_key_public(k2, pk2, NULL);
    CHECK_INT(minisig_verify(pk2, id2, data, strlen(data), out, strlen(out), NULL, err, sizeof err), MINISIG_WRONG_KEY);
    CHECK_STR(err, "wrong key: the signature was made with key 0123456789ABCDEF, the public key "
                   "is 0807060504030201");
    CHECK_INT(minisig_verify(pk2, id, data, strlen(data), out, strlen(out), NULL, err, sizeof err),
              MINISIG_BAD_SIGNATURE);
    CHECK_STR(minisig_status_str(MINISIG_WRONG_KEY), "wrong key");
    CHECK_STR(minisig_status_str(MINISIG_OK), "ok");
    sign_key_free(k2);
    sign_key_free(k);
}

static void test_minisig_comments(void)
{
    sign_key *k = test_key();
    char out[MINISIG_TEXT_MAX], err[256];
    size_t olen;
    char big[MINISIG_TRUSTED_MAX + 2];
    unsigned char pk[32], id[8];
    sign_key_public(k, pk, id);

    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", NULL, out, sizeof out, &olen, err, sizeof err), -1);
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "a\nb", out, sizeof out, &olen, err, sizeof err), -1);
    CHECK_STR(err, "trusted comment is not one line of printable UTF-8");
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "a\rb", out, sizeof out, &olen, err, sizeof err), -1);
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "esc\x1b[31m", out, sizeof out, &olen, err, sizeof err),
              -1);
    CHECK_INT(
        minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "bad \xc3\x28 utf8", out, sizeof out, &olen, err, sizeof err),
        -1);
    CHECK_INT(
        minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "overlong \xc0\xaf", out, sizeof out, &olen, err, sizeof err),
        -1);
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "surrogate \xed\xa0\x80", out, sizeof out, &olen, err,
                           sizeof err),
              -1);
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "two\nlines", "t", out, sizeof out, &olen, err, sizeof err),
              -1);
    CHECK_STR(err, "untrusted comment is not one line of printable UTF-8");
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "Grüße — 日本 🙂", out, sizeof out, &olen, err,
                           sizeof err),
              0);
    CHECK_INT(minisig_verify(pk, id, "x", 1, out, olen, NULL, err, sizeof err), MINISIG_OK);
    CHECK_INT(minisig_sign(k, "x", 1, (enum minisig_alg)7, "u", "t", out, sizeof out, &olen, err, sizeof err), -1);

    /* the longest trusted comment minisign can read, and one byte more */
    memset(big, 'a', sizeof big);
    big[MINISIG_TRUSTED_MAX] = '\0';
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, NULL, big, out, sizeof out, &olen, err, sizeof err), 0);
    CHECK_INT(minisig_verify(pk, id, "x", 1, out, olen, NULL, err, sizeof err), MINISIG_OK);
    big[MINISIG_TRUSTED_MAX] = 'a';
    big[MINISIG_TRUSTED_MAX + 1] = '\0';
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, NULL, big, out, sizeof out, &olen, err, sizeof err), -1);
    CHECK(strstr(err, "trusted comment too long") != NULL);
    memset(big, 'u', MINISIG_UNTRUSTED_MAX + 1);
    big[MINISIG_UNTRUSTED_MAX + 1] = '\0';
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, big, "t", out, sizeof out, &olen, err, sizeof err), -1);
    big[MINISIG_UNTRUSTED_MAX] = '\0';
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, big, "t", out, sizeof out, &olen, err, sizeof err), 0);
    /* output buffer too small: exact size + NUL is enough, one less is not */
    size_t need = MINISIG_TEXT_LEN(1, 1) + 1;
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "t", out, need, &olen, err, sizeof err), 0);
    CHECK_INT(minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "t", out, need - 1, &olen, err, sizeof err), -1);
    CHECK(strstr(err, "buffer too small") != NULL);
    sign_key_free(k);
}

static void test_minisig_parse_strict(void)
{
    sign_key *k = test_key();
    char good[MINISIG_TEXT_MAX], buf[MINISIG_TEXT_MAX + 64], err[256];
    size_t glen;
    struct minisig m;
    unsigned char pk[32], id[8];
    sign_key_public(k, pk, id);
    minisig_sign(k, "x", 1, MINISIG_PREHASHED, "u", "t", good, sizeof good, &glen, err, sizeof err);
    CHECK_INT(minisig_parse(good, glen, &m, err, sizeof err), MINISIG_OK);
    CHECK(m.untrusted_len == 1 && m.untrusted[0] == 'u');

    /* without the final newline; with CRLF */
    CHECK_INT(minisig_parse(good, glen - 1, &m, err, sizeof err), MINISIG_OK);
    {
        size_t o = 0;
        for (size_t i = 0; i < glen; i++) {
            if (good[i] == '\n') buf[o++] = '\r';
            buf[o++] = good[i];
        }
        CHECK_INT(minisig_verify(pk, id, "x", 1, buf, o, NULL, err, sizeof err), MINISIG_OK);
    }
    /* each broken form */
#define MALFORMED(desc, expr_msg) \
    do { \
        CHECK_INT(minisig_parse(buf, blen, &m, err, sizeof err), MINISIG_MALFORMED); \
        if (!strstr(err, expr_msg)) printf("#   %s: got '%s'\n", desc, err); \
        CHECK(strstr(err, expr_msg) != NULL); \
        CHECK_INT(minisig_verify(pk, id, "x", 1, buf, blen, NULL, err, sizeof err), MINISIG_MALFORMED); \
    } while (0)
    size_t blen;
    /* extra line */
    blen = (size_t)snprintf(buf, sizeof buf, "%sextra\n", good);
    MALFORMED("extra line", "more than 4 lines");
    /* trailing empty line */
    blen = (size_t)snprintf(buf, sizeof buf, "%s\n", good);
    MALFORMED("empty line", "more than 4 lines");
    /* 3 lines */
    memcpy(buf, good, glen);
    blen = (size_t)(strstr(buf, "trusted comment: t\n") - buf) + 19;
    MALFORMED("3 lines", "has 3 lines");
    /* empty */
    blen = 0;
    MALFORMED("empty", "empty");
    /* bad prefixes */
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    buf[0] = 'U';
    MALFORMED("prefix 1", "line 1: must start with 'untrusted comment: '");
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    strstr(buf, "trusted comment: t")[0] = 'T';
    MALFORMED("prefix 3", "line 3: must start with 'trusted comment: '");
    /* base64 line 2: one char too short / long, bad char, non-canonical padding bits */
    char *l2 = strchr(good, '\n') + 1;
    size_t pre = (size_t)(l2 - good);
    blen = (size_t)snprintf(buf, sizeof buf, "%.*s%.*s%s", (int)pre, good, 99, l2, l2 + 100);
    MALFORMED("short line 2", "line 2: not a base64 minisign signature (expected 100 characters, got 99)");
    blen = (size_t)snprintf(buf, sizeof buf, "%.*s%.*s=%s", (int)pre, good, 100, l2, l2 + 100);
    MALFORMED("long line 2", "got 101");
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    buf[pre + 5] = '*';
    MALFORMED("bad char line 2", "line 2: not a base64");
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    buf[pre + 5] = ' ';
    MALFORMED("space in line 2", "line 2: not a base64");
    { /* 74 bytes → last group "xx=" encodes 2 bytes in 3 chars with 2 unused bits */
        blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
        char *c = &buf[pre + 98]; /* last data char before '=' */
        const char *b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        int v = (int)(strchr(b64, *c) - b64);
        *c = b64[v ^ 1]; /* set an unused low bit */
        MALFORMED("non-canonical", "line 2: not a base64");
    }
    /* unknown algorithm */
    {
        unsigned char rec[74];
        size_t got;
        char line[120];
        sodium_base642bin(rec, sizeof rec, l2, 100, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL);
        rec[1] = 'X';
        sodium_bin2base64(line, sizeof line, rec, sizeof rec, sodium_base64_VARIANT_ORIGINAL);
        blen = (size_t)snprintf(buf, sizeof buf, "%.*s%s%s", (int)pre, good, line, l2 + 100);
        MALFORMED("alg", "unsupported signature algorithm");
    }
    /* line 4 */
    blen = glen - 2; /* drop last char and newline */
    memcpy(buf, good, glen);
    MALFORMED("short line 4", "line 4: not a base64 global signature (expected 88 characters, got 87)");
    /* NUL byte, stray CR */
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    buf[20] = '\0';
    MALFORMED("nul", "NUL");
    blen = (size_t)snprintf(buf, sizeof buf, "%s", good);
    buf[18] = '\r';
    MALFORMED("cr", "stray carriage return");
    /* untrusted line too long for minisign's 1024-byte buffer */
    {
        char ulong[MINISIG_UNTRUSTED_MAX + 2];
        memset(ulong, 'u', sizeof ulong);
        ulong[MINISIG_UNTRUSTED_MAX + 1] = '\0';
        blen = (size_t)snprintf(buf, sizeof buf, "untrusted comment: %s%s", ulong, strchr(good, '\n'));
        MALFORMED("long untrusted", "line 1: too long");
        ulong[MINISIG_UNTRUSTED_MAX] = '\0';
        blen = (size_t)snprintf(buf, sizeof buf, "untrusted comment: %s%s", ulong, strchr(good, '\n'));
        CHECK_INT(minisig_verify(pk, id, "x", 1, buf, blen, NULL, err, sizeof err), MINISIG_OK);
    }
#undef MALFORMED
    sign_key_free(k);
}

/* ---- golden files ------------------------------------------------------------------- */

static int make_golden(const char *dir, char *err, size_t errlen)
{
    char p1[600], p2[600], p3[600];
    size_t nlen, olen;
    char out[MINISIG_TEXT_MAX];
    sign_key *k = test_key();
    int rc = -1;
    snprintf(p1, sizeof p1, "%s/test.key", dir);
    snprintf(p2, sizeof p2, "%s/test.pub", dir);
    if (sign_key_write(k, p1, p2, TEST_KEY_COMMENT, err, errlen) != 0) goto out;
    snprintf(p3, sizeof p3, "%s/notice.txt", DATA_DIR);
    char *notice = read_file(p3, &nlen);
    if (!notice) {
        snprintf(err, errlen, "cannot read '%.200s'", p3);
        goto out;
    }
    for (int alg = 0; alg < 2; alg++) {
        if (minisig_sign(k, notice, nlen, (enum minisig_alg)alg, GOLDEN_UNTRUSTED, GOLDEN_TRUSTED, out, sizeof out,
                         &olen, err, errlen) != 0)
            break;
        snprintf(p3, sizeof p3, "%s/notice.txt%s.minisig", dir, alg ? ".legacy" : "");
        if (write_file(p3, out, olen, 0644) != 0) {
            snprintf(err, errlen, "cannot write '%.200s'", p3);
            break;
        }
        if (alg == 1) rc = 0;
    }
    free(notice);
out:
    sign_key_free(k);
    return rc;
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = read_file(a, &la), *y = read_file(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    if (!same) printf("#   %s differs from %s\n", a, b);
    free(x);
    free(y);
    return same;
}

static void test_golden(void)
{
    char err[256], dir[600], a[700], b[700];
    snprintf(dir, sizeof dir, "%s/golden", tmpdir);
    mkdir(dir, 0700);
    CHECK_INT(make_golden(dir, err, sizeof err), 0);
    const char *files[] = {"test.key", "test.pub", "notice.txt.minisig", "notice.txt.legacy.minisig"};
    for (int i = 0; i < 4; i++) {
        snprintf(a, sizeof a, "%s/%s", dir, files[i]);
        snprintf(b, sizeof b, "%s/%s", DATA_DIR, files[i]);
        CHECK(same_file(a, b));
    }
    /* the committed public key parses to the seed's key and id */
    unsigned char pk[32], id[8], pk0[32], id0[8];
    sign_key *k = test_key();
    sign_key_public(k, pk0, id0);
    CHECK_INT(sign_pubkey_load(DATA_DIR "/test.pub", pk, id, err, sizeof err), 0);
    CHECK(memcmp(pk, pk0, 32) == 0 && memcmp(id, id0, 8) == 0);
    /* and the committed key file, copied with mode 0600, loads to the same key */
    snprintf(a, sizeof a, "%s/test.key", dir);
    sign_key *k2 = sign_key_load(a, err, sizeof err);
    CHECK(k2 != NULL);
    if (k2) {
        sign_key_public(k2, pk, id);
        CHECK(memcmp(pk, pk0, 32) == 0 && memcmp(id, id0, 8) == 0);
    }
    /* the golden signatures verify */
    size_t nlen, slen;
    char *notice = read_file(DATA_DIR "/notice.txt", &nlen);
    char *sig = read_file(DATA_DIR "/notice.txt.minisig", &slen);
    struct minisig m;
    CHECK(notice && sig);
    if (notice && sig) {
        CHECK_INT(minisig_verify(pk0, id0, notice, nlen, sig, slen, &m, err, sizeof err), MINISIG_OK);
        CHECK(m.alg == MINISIG_PREHASHED);
        CHECK(m.trusted_len == strlen(GOLDEN_TRUSTED) && memcmp(m.trusted, GOLDEN_TRUSTED, m.trusted_len) == 0);
        notice[100] ^= 1; /* one flipped bit */
        CHECK_INT(minisig_verify(pk0, id0, notice, nlen, sig, slen, &m, err, sizeof err), MINISIG_BAD_SIGNATURE);
    }
    free(notice);
    free(sig);
    sign_key_free(k2);
    sign_key_free(k);
}

/* ---- interop with the real minisign -------------------------------------------------- */

static void test_minisign_interop(void)
{
    char cmd[2048], err[256], out[MINISIG_TEXT_MAX];
    size_t olen, slen;
    unsigned char pk[32], id[8];
    if (!have_minisign()) {
        printf("# minisign not installed: interop checks skipped\n");
        return;
    }
    /* a key made by minisign -G -W loads; our signature verifies with minisign, and the
     * other way round */
    snprintf(cmd, sizeof cmd, "cd '%s' && " MINISIGN " -G -W -p ms.pub -s ms.key >/dev/null 2>&1", tmpdir);
    CHECK_INT(run(cmd), 0);
    sign_key *k = sign_key_load(tpath("ms.key"), err, sizeof err);
    CHECK(k != NULL);
    CHECK_INT(sign_pubkey_load(tpath("ms.pub"), pk, id, err, sizeof err), 0);
    if (k) {
        unsigned char pk2[32], id2[8];
        sign_key_public(k, pk2, id2);
        CHECK(memcmp(pk, pk2, 32) == 0 && memcmp(id, id2, 8) == 0);
        const char *data = "data signed by klartext\n";
        write_file(tpath("d.txt"), data, strlen(data), 0644);
        for (int alg = 0; alg < 2; alg++) {
            CHECK_INT(minisig_sign(k, data, strlen(data), (enum minisig_alg)alg, NULL, "trusted: ü", out, sizeof out,
                                   &olen, err, sizeof err),
                      0);
            write_file(tpath("d.txt.minisig"), out, olen, 0644);
            snprintf(cmd, sizeof cmd, MINISIGN " -V -q -p '%s' -m '%s'", tpath("ms.pub"), tpath("d.txt"));
            CHECK_INT(run(cmd), 0);
        }
    }
    sign_key_free(k);

    /* our key file works with minisign -S; minisign's signature verifies with ours */
    CHECK_INT(sign_keypair_create(tpath("our.key"), tpath("our.pub"), err, sizeof err), 0);
    CHECK_INT(sign_pubkey_load(tpath("our.pub"), pk, id, err, sizeof err), 0);
    const char *data2 = "data signed by minisign\n";
    write_file(tpath("e.txt"), data2, strlen(data2), 0644);
    for (int legacy = 0; legacy < 2; legacy++) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && " MINISIGN " -S %s -s our.key -m e.txt "
                 "-t 'made by minisign' </dev/null >/dev/null 2>&1",
                 tmpdir, legacy ? "-l" : "");
        CHECK_INT(run(cmd), 0);
        char *sig = read_file(tpath("e.txt.minisig"), &slen);
        struct minisig m;
        CHECK(sig != NULL);
        if (sig) {
            CHECK_INT(minisig_verify(pk, id, data2, strlen(data2), sig, slen, &m, err, sizeof err), MINISIG_OK);
            CHECK_INT(m.alg, legacy ? MINISIG_LEGACY : MINISIG_PREHASHED);
            CHECK_INT(minisig_verify(pk, id, "other", 5, sig, slen, &m, err, sizeof err), MINISIG_BAD_SIGNATURE);
        }
        free(sig);
    }
    snprintf(cmd, sizeof cmd, MINISIGN " -V -q -p '%s' -m '%s'", tpath("our.pub"), tpath("e.txt"));
    CHECK_INT(run(cmd), 0);
}

/* ---- throughput ---------------------------------------------------------------------- */

struct bench_arg {
    const sign_key *k;
    const char *notice;
    size_t nlen;
    double seconds; /* in: wall time to run; out: wall time run */
    double cpu; /* out: this thread's CPU time */
    long done;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bench_thread(void *p)
{
    struct bench_arg *a = p;
    char out[MINISIG_TEXT_MAX], tc[200], err[128];
    double t0 = now_s(), c0 = cpu_s(), t;
    long n = 0;
    do {
        for (int i = 0; i < 100; i++, n++) {
            snprintf(tc, sizeof tc,
                     "klartext notice\tincident:INC-2026-0001\tcustomer:C-%ld\t"
                     "time:2026-11-21T10:00:00Z",
                     n);
            if (minisig_sign(a->k, a->notice, a->nlen, MINISIG_PREHASHED, NULL, tc, out, sizeof out, NULL, err,
                             sizeof err) != 0)
                return NULL;
        }
        t = now_s() - t0;
    } while (t < a->seconds);
    a->done = n;
    a->seconds = t;
    a->cpu = cpu_s() - c0;
    return NULL;
}

static void test_sign_throughput(void)
{
    size_t nlen;
    char *notice = read_file(DATA_DIR "/notice.txt", &nlen);
    sign_key *k = test_key();
    CHECK(notice != NULL && k != NULL);
    if (!notice || !k) goto out;
    /* a notice of realistic size: the test notice repeated to about 2 KB */
    char big[2200];
    size_t blen = 0;
    while (blen + nlen < sizeof big) {
        memcpy(big + blen, notice, nlen);
        blen += nlen;
    }
    { /* warm up (CPU clock, caches) */
        struct bench_arg w = {k, big, blen, 0.1, 0};
        bench_thread(&w);
    }
    for (int threads = 1; threads <= 2; threads++) {
        struct bench_arg a[2];
        pthread_t th[2];
        for (int i = 0; i < threads; i++) {
            a[i] = (struct bench_arg){k, big, blen, 0.4, 0};
            pthread_create(&th[i], NULL, bench_thread, &a[i]);
        }
        double rate = 0, cpurate = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(th[i], NULL);
            CHECK(a[i].done > 0);
            rate += (double)a[i].done / a[i].seconds;
            cpurate += (double)a[i].done / (a[i].cpu > 0 ? a[i].cpu : a[i].seconds);
        }
        /* wall-clock rate depends on what else runs on the machine; the CPU-time rate
         * (notices per CPU second, summed over threads) is what the code itself costs */
        printf("# minisig_sign throughput: %.0f notices/s wall, %.0f per CPU-second, %d thread%s "
               "(%zu-byte notice, alg ED, 2 Ed25519 signatures each)\n",
               rate, cpurate, threads, threads > 1 ? "s" : "", blen);
    }
out:
    free(notice);
    sign_key_free(k);
}

/* ---- tool mode for the CLI test ------------------------------------------------------ */

static int tool(int argc, char **argv)
{
    char err[512];
    if (argc >= 4 && strcmp(argv[1], "keygen") == 0) {
        if (sign_keypair_create_comment(argv[2], argv[3], argc > 4 ? argv[4] : NULL, err, sizeof err) != 0) {
            fprintf(stderr, "test_sign: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "load") == 0) {
        sign_key *k = sign_key_load(argv[2], err, sizeof err);
        if (!k) {
            fprintf(stderr, "test_sign: %s\n", err);
            return 1;
        }
        unsigned char pk[32], id[8];
        char hex[SIGN_KEYID_HEX];
        sign_key_public(k, pk, id);
        sign_keyid_hex(id, hex);
        printf("%s\n", hex);
        sign_key_free(k);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "sign") == 0) {
        int legacy = strcmp(argv[2], "-l") == 0;
        if (argc < 5 + legacy) return 2;
        const char *skp = argv[2 + legacy], *file = argv[3 + legacy], *tc = argv[4 + legacy];
        char sigp[1024], out[MINISIG_TEXT_MAX];
        snprintf(sigp, sizeof sigp, "%s.minisig", file);
        if (argc > 5 + legacy) snprintf(sigp, sizeof sigp, "%s", argv[5 + legacy]);
        size_t len, olen;
        char *data = read_file(file, &len);
        sign_key *k = sign_key_load(skp, err, sizeof err);
        int rc = 1;
        if (!data) fprintf(stderr, "test_sign: cannot read '%s'\n", file);
        else if (!k) fprintf(stderr, "test_sign: %s\n", err);
        else if (minisig_sign(k, data, len, legacy ? MINISIG_LEGACY : MINISIG_PREHASHED, NULL, tc, out, sizeof out,
                              &olen, err, sizeof err) != 0)
            fprintf(stderr, "test_sign: %s\n", err);
        else if (write_file(sigp, out, olen, 0644) != 0) fprintf(stderr, "test_sign: cannot write '%s'\n", sigp);
        else rc = 0;
        free(data);
        sign_key_free(k);
        return rc;
    }
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "verify") == 0) {
        unsigned char pk[32], id[8];
        char sigp[1024];
        size_t len, slen;
        struct minisig m;
        if (sign_pubkey_load(argv[2], pk, id, err, sizeof err) != 0) {
            fprintf(stderr, "test_sign: %s\n", err);
            return 2;
        }
        snprintf(sigp, sizeof sigp, "%s.minisig", argv[3]);
        if (argc == 5) snprintf(sigp, sizeof sigp, "%s", argv[4]);
        char *data = read_file(argv[3], &len), *sig = read_file(sigp, &slen);
        int rc = 2;
        if (!data || !sig) {
            fprintf(stderr, "test_sign: cannot read '%s'\n", data ? sigp : argv[3]);
        } else {
            int st = minisig_verify(pk, id, data, len, sig, slen, &m, err, sizeof err);
            if (st == MINISIG_OK) {
                printf("signature verified (%s)\ntrusted comment: %.*s\n", m.alg == MINISIG_LEGACY ? "Ed" : "ED",
                       (int)m.trusted_len, m.trusted);
                rc = 0;
            } else {
                fprintf(stderr, "test_sign: %s: %s\n", minisig_status_str(st), err);
                rc = st == MINISIG_MALFORMED ? 2 : 1;
            }
        }
        free(data);
        free(sig);
        return rc;
    }
    if (argc == 3 && strcmp(argv[1], "golden") == 0) {
        if (make_golden(argv[2], err, sizeof err) != 0) {
            fprintf(stderr, "test_sign: %s\n", err);
            return 1;
        }
        return 0;
    }
    fprintf(stderr, "usage: test_sign [keygen S P [C] | load S | sign [-l] S FILE TC [SIG] | "
                    "verify P FILE [SIG] | golden DIR]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) return 1;
    if (argc > 1) return tool(argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "%s/klartext-test-sign.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        printf("Bail out! cannot create a temp dir: %s\n", strerror(errno));
        return 1;
    }
    RUN(test_keypair_create);
    RUN(test_key_load_refusals);
    RUN(test_pubkey_parse);
    RUN(test_keyid_hex);
    RUN(test_ed25519_raw);
    RUN(test_minisig_roundtrip);
    RUN(test_minisig_comments);
    RUN(test_minisig_parse_strict);
    RUN(test_golden);
    RUN(test_minisign_interop);
    RUN(test_sign_throughput);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", tmpdir, tmpdir);
    if (run(cmd) != 0) printf("# could not remove %s\n", tmpdir);
    return check_done();
}
