/* test_merkle.c — RFC 6962 / 9162 Merkle trees.
 *   test_merkle               unit tests (TAP)
 *   test_merkle emit N        JSON lines for tests/tlog/verify.py: leaves 0..N-1, roots of
 *                             sizes 0..N, inclusion proofs for every (index, size <= N),
 *                             consistency proofs for every (size1 <= size2 <= N)
 *   test_merkle batch FILE    verify each case of a batch file written by
 *                             `verify.py tamper` and compare with its expected outcome
 *                             (exit 0 when every case matches) */
#include "check.h"
#include "tlog/merkle.h"
#include "util/sha256.h"

#include <sodium.h>
#include <stdlib.h>

#define HL MERKLE_HASH_LEN

/* ---- helpers ------------------------------------------------------------------------------- */

static void unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static const char *hex32(const uint8_t h[HL])
{
    static char buf[4][SHA256_HEX_LEN + 1];
    static int k;
    k = (k + 1) % 4;
    sha256_to_hex(h, buf[k]);
    return buf[k];
}

/* The transparency-dev / certificate-transparency test leaves. */
static const char *ct_leaves[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};
static const char *ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Entry i of the test log: the CT leaves first, then "klartext entry <i>". */
static size_t test_entry(uint64_t i, uint8_t *buf, size_t cap)
{
    if (i < 8) {
        size_t n = strlen(ct_leaves[i]) / 2;
        unhex(ct_leaves[i], buf, n);
        return n;
    }
    int n = snprintf((char *)buf, cap, "klartext entry %llu", (unsigned long long)i);
    return (size_t)n;
}

static uint8_t *test_leaves(uint64_t n)
{
    uint8_t *l = malloc((size_t)(n ? n : 1) * HL), e[64];
    if (!l) return NULL;
    for (uint64_t i = 0; i < n; i++) merkle_hash_leaf(e, test_entry(i, e, sizeof e), l + i * HL);
    return l;
}

/* ---- an independent, naive reference: the recursive definitions of RFC 6962 §2.1 ---------- */

static uint64_t ref_k(uint64_t n)
{
    uint64_t k = 1;
    while (2 * k < n) k *= 2;
    return k;
}

static void ref_mth(const uint8_t *l, uint64_t n, uint8_t out[HL])
{
    if (n == 0) {
        sha256_hash("", 0, out);
    } else if (n == 1) {
        memcpy(out, l, HL);
    } else {
        uint8_t a[HL], b[HL];
        uint64_t k = ref_k(n);
        ref_mth(l, k, a);
        ref_mth(l + k * HL, n - k, b);
        merkle_hash_children(a, b, out);
    }
}

static size_t ref_path(uint64_t m, const uint8_t *l, uint64_t n, uint8_t *out)
{
    if (n <= 1) return 0;
    uint64_t k = ref_k(n);
    size_t len;
    if (m < k) {
        len = ref_path(m, l, k, out);
        ref_mth(l + k * HL, n - k, out + len * HL);
    } else {
        len = ref_path(m - k, l + k * HL, n - k, out);
        ref_mth(l, k, out + len * HL);
    }
    return len + 1;
}

static size_t ref_subproof(uint64_t m, const uint8_t *l, uint64_t n, int b, uint8_t *out)
{
    if (m == n) {
        if (b) return 0;
        ref_mth(l, n, out);
        return 1;
    }
    uint64_t k = ref_k(n);
    size_t len;
    if (m <= k) {
        len = ref_subproof(m, l, k, b, out);
        ref_mth(l + k * HL, n - k, out + len * HL);
    } else {
        len = ref_subproof(m - k, l + k * HL, n - k, 0, out);
        ref_mth(l, k, out + len * HL);
    }
    return len + 1;
}

/* ---- unit tests ------------------------------------------------------------------------------ */

static void test_hash_vectors(void)
{
    uint8_t h[HL];
    merkle_empty_root(h);
    CHECK_STR(hex32(h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    merkle_hash_leaf(NULL, 0, h); /* transparency-dev rfc6962_test.go */
    CHECK_STR(hex32(h), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    merkle_hash_leaf("L123456", 7, h);
    CHECK_STR(hex32(h), "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    /* node = SHA-256(0x01 || l || r), checked against libsodium */
    uint8_t l[HL], r[HL], buf[1 + 2 * HL], want[HL];
    memset(l, 0xaa, HL);
    memset(r, 0x55, HL);
    buf[0] = 1;
    memcpy(buf + 1, l, HL);
    memcpy(buf + 1 + HL, r, HL);
    crypto_hash_sha256(want, buf, sizeof buf);
    merkle_hash_children(l, r, h);
    CHECK(memcmp(h, want, HL) == 0);
    merkle_hash_children(l, r, l); /* aliasing the output */
    CHECK(memcmp(l, want, HL) == 0);
}

static void test_ct_roots(void)
{
    uint8_t *l = test_leaves(8), root[HL];
    char err[200];
    for (int n = 0; n <= 8; n++) {
        CHECK_INT(merkle_root(l, (uint64_t)n, root, err, sizeof err), 0);
        CHECK_STR(hex32(root), ct_roots[n]);
    }
    CHECK_INT(merkle_root(NULL, 0, root, err, sizeof err), 0);
    CHECK_STR(hex32(root), ct_roots[0]);
    free(l);
}

struct proof_vec {
    uint64_t a, n;
    size_t len;
    const char *h[3];
};

static void test_ct_inclusion_vectors(void)
{
    /* transparency-dev/merkle proof/verify_test.go, indices made 0-based */
    static const struct proof_vec v[] = {
        {0, 1, 0, {0}},
        {0,
         8,
         3,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {5,
         8,
         3,
         {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
        {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
        {1,
         5,
         3,
         {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    };
    uint8_t *l = test_leaves(8), proof[MERKLE_MAX_PROOF * HL], want[3 * HL], root[HL];
    char err[200];
    for (size_t t = 0; t < sizeof v / sizeof v[0]; t++) {
        size_t len = 99;
        for (size_t j = 0; j < v[t].len; j++) unhex(v[t].h[j], want + j * HL, HL);
        CHECK_INT(merkle_inclusion_proof(l, v[t].n, v[t].a, proof, &len, err, sizeof err), 0);
        CHECK_INT(len, v[t].len);
        CHECK(memcmp(proof, want, v[t].len * HL) == 0);
        unhex(ct_roots[v[t].n], root, HL);
        CHECK_INT(merkle_verify_inclusion(l + v[t].a * HL, v[t].a, v[t].n, want, v[t].len, root, err, sizeof err), 0);
    }
    free(l);
}

static void test_ct_consistency_vectors(void)
{
    static const struct proof_vec v[] = {
        {1, 1, 0, {0}},
        {1,
         8,
         3,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {6,
         8,
         3,
         {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
        {2,
         5,
         2,
         {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
        {6,
         7,
         3,
         {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    };
    uint8_t *l = test_leaves(8), proof[MERKLE_MAX_PROOF * HL], want[3 * HL], r1[HL], r2[HL];
    char err[200];
    for (size_t t = 0; t < sizeof v / sizeof v[0]; t++) {
        size_t len = 99;
        for (size_t j = 0; j < v[t].len; j++) unhex(v[t].h[j], want + j * HL, HL);
        CHECK_INT(merkle_consistency_proof(l, v[t].a, v[t].n, proof, &len, err, sizeof err), 0);
        CHECK_INT(len, v[t].len);
        CHECK(memcmp(proof, want, v[t].len * HL) == 0);
        unhex(ct_roots[v[t].a], r1, HL);
        unhex(ct_roots[v[t].n], r2, HL);
        CHECK_INT(merkle_verify_consistency(v[t].a, v[t].n, r1, r2, want, v[t].len, err, sizeof err), 0);
    }
    free(l);
}

/* Every proof for sizes up to 70 equals the naive recursive definition and verifies. */
static void test_against_reference(void)
{
    enum { N = 70 };
    uint8_t *l = test_leaves(N), roots[N + 1][HL];
    uint8_t proof[MERKLE_MAX_PROOF * HL], ref[MERKLE_MAX_PROOF * HL];
    char err[200];
    int bad = 0;
    for (uint64_t n = 0; n <= N; n++) {
        uint8_t r[HL];
        merkle_root(l, n, roots[n], err, sizeof err);
        ref_mth(l, n, r);
        if (memcmp(r, roots[n], HL) != 0) bad++;
    }
    for (uint64_t n = 1; n <= N && !bad; n++) {
        for (uint64_t i = 0; i < n; i++) {
            size_t len, rlen = ref_path(i, l, n, ref);
            if (merkle_inclusion_proof(l, n, i, proof, &len, err, sizeof err) < 0 || len != rlen ||
                len != merkle_inclusion_proof_len(i, n) || memcmp(proof, ref, len * HL) != 0 ||
                merkle_verify_inclusion(l + i * HL, i, n, proof, len, roots[n], err, sizeof err) < 0) {
                printf("# inclusion %llu/%llu: %s\n", (unsigned long long)i, (unsigned long long)n, err);
                bad++;
            }
        }
    }
    for (uint64_t n = 0; n <= N && !bad; n++) {
        for (uint64_t m = 0; m <= n; m++) {
            size_t len, rlen = (m == 0 || m == n) ? 0 : ref_subproof(m, l, n, 1, ref);
            if (merkle_consistency_proof(l, m, n, proof, &len, err, sizeof err) < 0 || len != rlen ||
                len != merkle_consistency_proof_len(m, n) || memcmp(proof, ref, len * HL) != 0 ||
                merkle_verify_consistency(m, n, roots[m], roots[n], proof, len, err, sizeof err) < 0) {
                printf("# consistency %llu->%llu: %s\n", (unsigned long long)m, (unsigned long long)n, err);
                bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
    free(l);
}

/* Flipped bits, wrong index, wrong size, extra and missing hashes all fail. */
static void test_tampering(void)
{
    enum { N = 40 };
    uint8_t *l = test_leaves(N), roots[N + 1][HL], proof[MERKLE_MAX_PROOF * HL];
    char err[200];
    int accepted = 0;
    for (uint64_t n = 0; n <= N; n++) merkle_root(l, n, roots[n], err, sizeof err);
    for (uint64_t n = 1; n <= N; n++) {
        for (uint64_t i = 0; i < n; i++) {
            size_t len;
            merkle_inclusion_proof(l, n, i, proof, &len, err, sizeof err);
            for (size_t bit = 0; bit < len * HL * 8; bit += 37) {
                proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                accepted += merkle_verify_inclusion(l + i * HL, i, n, proof, len, roots[n], err, sizeof err) == 0;
                proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            for (uint64_t j = 0; j <= n; j++) /* every other index, and index == size */
                if (j != i)
                    accepted += merkle_verify_inclusion(l + i * HL, j, n, proof, len, roots[n], err, sizeof err) == 0;
            if (len > 0)
                accepted += merkle_verify_inclusion(l + i * HL, i, n, proof, len - 1, roots[n], err, sizeof err) == 0;
            memcpy(proof + len * HL, roots[n], HL);
            accepted += merkle_verify_inclusion(l + i * HL, i, n, proof, len + 1, roots[n], err, sizeof err) == 0;
            /* the right proof against another size's root */
            accepted += merkle_verify_inclusion(l + i * HL, i, n, proof, len, roots[n - 1], err, sizeof err) == 0;
        }
        for (uint64_t m = 1; m < n; m++) {
            size_t len;
            merkle_consistency_proof(l, m, n, proof, &len, err, sizeof err);
            for (size_t bit = 0; bit < len * HL * 8; bit += 41) {
                proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                accepted += merkle_verify_consistency(m, n, roots[m], roots[n], proof, len, err, sizeof err) == 0;
                proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            accepted += merkle_verify_consistency(m, n, roots[m - 1], roots[n], proof, len, err, sizeof err) == 0;
            accepted += merkle_verify_consistency(m, n, roots[m], roots[n - 1], proof, len, err, sizeof err) == 0;
            accepted += merkle_verify_consistency(m, n, roots[m], roots[n], proof, len - 1, err, sizeof err) == 0;
            accepted += merkle_verify_consistency(n, m, roots[n], roots[m], proof, len, err, sizeof err) == 0;
        }
    }
    CHECK_INT(accepted, 0);
    free(l);
}

static void test_errors(void)
{
    uint8_t *l = test_leaves(8), proof[MERKLE_MAX_PROOF * HL], r[HL], r2[HL];
    char err[200];
    size_t len = 7;
    CHECK_INT(merkle_inclusion_proof(l, 0, 0, proof, &len, err, sizeof err), -1);
    CHECK_STR(err, "leaf index 0 out of range for tree size 0");
    CHECK_INT(len, 0);
    CHECK_INT(merkle_inclusion_proof(l, 3, 3, proof, &len, err, sizeof err), -1);
    CHECK_INT(merkle_inclusion_proof(NULL, 3, 1, proof, &len, err, sizeof err), -1);
    CHECK_STR(err, "no leaf hashes for tree size 3");
    CHECK_INT(merkle_consistency_proof(l, 5, 4, proof, &len, err, sizeof err), -1);
    CHECK_STR(err, "first tree size 5 is larger than second tree size 4");
    CHECK_INT(merkle_consistency_proof(l, 0, 8, proof, &len, err, sizeof err), 0);
    CHECK_INT(len, 0);
    CHECK_INT(merkle_consistency_proof(l, 8, 8, proof, &len, err, sizeof err), 0);
    CHECK_INT(len, 0);

    unhex(ct_roots[8], r, HL);
    unhex(ct_roots[7], r2, HL);
    merkle_inclusion_proof(l, 8, 5, proof, &len, err, sizeof err);
    CHECK_INT(merkle_verify_inclusion(l + 5 * HL, 8, 8, proof, len, r, err, sizeof err), -1);
    CHECK_STR(err, "leaf index 8 out of range for tree size 8");
    CHECK_INT(merkle_verify_inclusion(l + 5 * HL, 5, 8, proof, 2, r, err, sizeof err), -1);
    CHECK_STR(err, "inclusion proof has 2 hashes, expected 3 for index 5 in tree size 8");
    CHECK_INT(merkle_verify_inclusion(l + 4 * HL, 5, 8, proof, len, r, err, sizeof err), -1);
    CHECK(strncmp(err, "root mismatch: inclusion proof gives ", 37) == 0);
    CHECK(strstr(err, "expected 5dc9da79a70659a9...") != NULL);

    /* consistency edge cases */
    CHECK_INT(merkle_verify_consistency(8, 8, r, r, NULL, 0, err, sizeof err), 0);
    CHECK_INT(merkle_verify_consistency(8, 8, r, r2, NULL, 0, err, sizeof err), -1);
    CHECK(strncmp(err, "root mismatch: trees of equal size 8", 36) == 0);
    CHECK_INT(merkle_verify_consistency(8, 8, r, r, r, 1, err, sizeof err), -1);
    CHECK_STR(err, "consistency proof between equal sizes must be empty, has 1 hashes");
    CHECK_INT(merkle_verify_consistency(0, 8, r2, r, NULL, 0, err, sizeof err), 0);
    CHECK_INT(merkle_verify_consistency(0, 8, r2, r, r, 1, err, sizeof err), -1);
    CHECK_INT(merkle_verify_consistency(7, 8, r2, r, NULL, 0, err, sizeof err), -1);
    CHECK_STR(err, "consistency proof has 0 hashes, expected 4 from size 7 to size 8");
    CHECK_INT(merkle_verify_consistency(9, 8, r2, r, NULL, 0, err, sizeof err), -1);
    merkle_consistency_proof(l, 7, 8, proof, &len, err, sizeof err);
    CHECK_INT(merkle_verify_consistency(7, 8, r, r, proof, len, err, sizeof err), -1);
    CHECK(strstr(err, "for size 7, expected 5dc9da79a70659a9...") != NULL);
    CHECK_INT(merkle_verify_consistency(7, 8, r2, r2, proof, len, err, sizeof err), -1);
    CHECK(strstr(err, "for size 8, expected ddb89be403809e32...") != NULL);

    /* NULL err is allowed */
    CHECK_INT(merkle_verify_consistency(9, 8, r2, r, NULL, 0, NULL, 0), -1);
    free(l);
}

/* Proof lengths for sizes near 2^64 stay within MERKLE_MAX_PROOF. */
static void test_proof_len_bounds(void)
{
    uint64_t big = UINT64_MAX;
    size_t mx = 0;
    CHECK_INT(merkle_inclusion_proof_len(0, big), 64);
    CHECK_INT(merkle_inclusion_proof_len(big - 1, big), 63); /* last leaf: right spine */
    CHECK_INT(merkle_inclusion_proof_len(0, (uint64_t)1 << 63), 63);
    CHECK_INT(merkle_inclusion_proof_len(5, 5), 0);
    for (int a = 0; a < 64; a++)
        for (int b = 0; b < 64; b++) {
            uint64_t m = ((uint64_t)1 << a) + (uint64_t)b, n = big - (uint64_t)b * 977;
            size_t len = merkle_consistency_proof_len(m, n);
            if (len > mx) mx = len;
            len = merkle_inclusion_proof_len(m, n);
            if (len > mx) mx = len;
        }
    CHECK(mx <= MERKLE_MAX_PROOF);
    CHECK_INT(merkle_consistency_proof_len(3, (uint64_t)1 << 63), 64);
    CHECK_INT(merkle_consistency_proof_len(big - 1, big), 64);
    CHECK_INT(merkle_consistency_proof_len(((uint64_t)1 << 63) + 1, big), 65); /* the maximum */
    CHECK_INT(merkle_consistency_proof_len(0, 5), 0);
    CHECK_INT(merkle_consistency_proof_len(5, 5), 0);
    CHECK_INT(merkle_consistency_proof_len(6, 5), 0);
}

/* The RFC 9162 verifiers on huge sizes: no overflow; a proof built by hand verifies. */
static void test_huge_tree_verify(void)
{
    /* Tree of size 2^64-1 whose leaves are unknown: take the proof for index 0 as 64 arbitrary
     * hashes; the root is then determined, and the verifier must accept exactly that. */
    uint64_t size = UINT64_MAX;
    uint8_t proof[64 * HL], leaf[HL], root[HL], got[HL];
    char err[200];
    for (int i = 0; i < 64 * HL; i++) proof[i] = (uint8_t)(i * 7);
    memset(leaf, 0x42, HL);
    /* index 0: the leaf is always on the left */
    memcpy(root, leaf, HL);
    for (int i = 0; i < 64; i++) merkle_hash_children(root, proof + i * HL, root);
    CHECK_INT(merkle_root_from_inclusion(leaf, 0, size, proof, 64, got, err, sizeof err), 0);
    CHECK(memcmp(got, root, HL) == 0);
    CHECK_INT(merkle_verify_inclusion(leaf, 1, size, proof, 64, root, err, sizeof err), -1);
}

static void test_compact_range(void)
{
    enum { N = 300 };
    uint8_t *l = test_leaves(N), a[HL], b[HL];
    char err[200];
    struct merkle_compact c;
    int bad = 0;
    merkle_compact_init(&c);
    merkle_compact_root(&c, a);
    CHECK_STR(hex32(a), ct_roots[0]);
    for (uint64_t n = 1; n <= N; n++) {
        CHECK_INT(merkle_compact_append(&c, l + (n - 1) * HL, err, sizeof err), 0);
        merkle_compact_root(&c, a);
        merkle_root(l, n, b, err, sizeof err);
        bad += memcmp(a, b, HL) != 0;
        if (n <= 8 && strcmp(hex32(a), ct_roots[n]) != 0) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(c.size, N);
    c.size = UINT64_MAX;
    CHECK_INT(merkle_compact_append(&c, l, err, sizeof err), -1);
    CHECK_STR(err, "tree is full at size 18446744073709551615");
    free(l);
}

/* transparency-dev/merkle compact/range_test.go TestGetRootHashGolden: leaf i is the two
 * bytes (i & 0xff, i >> 8), roots in base64. Checks merkle_root and the compact range on
 * large, irregular sizes, and inclusion / consistency proofs against them. */
static void test_golden_large(void)
{
    static const struct {
        uint64_t size;
        const char *root;
    } g[] = {
        {10, "VjWMPSYNtCuCNlF/RLnQy6HcwSk6CIipfxm+hettA+4="},
        {15, "j4SulYmocFuxdeyp12xXCIgK6PekBcxzAIj4zbQzNEI="},
        {16, "c+4Uc6BCMOZf/v3NZK1kqTUJe+bBoFtOhP+P3SayKRE="},
        {100, "dUh9hYH88p0CMoHkdr1wC2szbhcLAXOejWpINIooKUY="},
        {255, "SmdsuKUqiod3RX2jyF2M6JnbdE4QuTwwipfAowI4/i0="},
        {256, "qFI0t/tZ1MdOYgyPpPzHFiZVw86koScXy9q3FU5casA="},
        {1000, "RXrgb8xHd55Y48FbfotJwCbV82Kx22LZfEbmBGAvwlQ="},
        {4095, "cWRFdQhPcjn9WyBXE/r1f04ejxIm5lvg40DEpRBVS0w="},
        {4096, "6uU/phfHg1n/GksYT6TO9aN8EauMCCJRl3dIK0HDs2M="},
        {10000, "VZcav65F9haHVRk3wre2axFoBXRNeUh/1d9d5FQfxIg="},
        {65535, "iPuVYJhP6SEE4gUFp8qbafd2rYv9YTCDYqAxCj8HdLM="},
    };
    enum { N = 65535 };
    uint8_t *l = malloc((size_t)N * HL), want[HL], got[HL];
    uint8_t proof[MERKLE_MAX_PROOF * HL];
    char err[200];
    struct merkle_compact c;
    size_t k = 0;
    CHECK(l != NULL);
    if (!l) return;
    merkle_compact_init(&c);
    for (uint64_t i = 0; i < N; i++) {
        uint8_t e[2] = {(uint8_t)(i & 0xff), (uint8_t)((i >> 8) & 0xff)};
        merkle_hash_leaf(e, 2, l + i * HL);
        merkle_compact_append(&c, l + i * HL, err, sizeof err);
        if (k < sizeof g / sizeof g[0] && c.size == g[k].size) {
            size_t n;
            CHECK_INT(sodium_base642bin(want, HL, g[k].root, strlen(g[k].root), NULL, &n, NULL,
                                        sodium_base64_VARIANT_ORIGINAL),
                      0);
            merkle_compact_root(&c, got);
            CHECK(memcmp(got, want, HL) == 0);
            CHECK_INT(merkle_root(l, c.size, got, err, sizeof err), 0);
            if (memcmp(got, want, HL) != 0) printf("# golden root of size %llu differs\n", (unsigned long long)c.size);
            CHECK(memcmp(got, want, HL) == 0);
            k++;
        }
    }
    CHECK_INT(k, sizeof g / sizeof g[0]);
    /* proofs in the big tree against the golden roots */
    uint8_t r1000[HL], r65535[HL];
    size_t n, len;
    sodium_base642bin(r1000, HL, g[6].root, strlen(g[6].root), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL);
    sodium_base642bin(r65535, HL, g[10].root, strlen(g[10].root), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL);
    static const uint64_t idx[] = {0, 1, 999, 32767, 32768, 65533, 65534};
    for (size_t t = 0; t < sizeof idx / sizeof idx[0]; t++) {
        CHECK_INT(merkle_inclusion_proof(l, N, idx[t], proof, &len, err, sizeof err), 0);
        CHECK_INT(merkle_verify_inclusion(l + idx[t] * HL, idx[t], N, proof, len, r65535, err, sizeof err), 0);
    }
    CHECK_INT(merkle_consistency_proof(l, 1000, N, proof, &len, err, sizeof err), 0);
    CHECK_INT(merkle_verify_consistency(1000, N, r1000, r65535, proof, len, err, sizeof err), 0);
    CHECK_INT(merkle_verify_consistency(1000, N, r65535, r1000, proof, len, err, sizeof err), -1);
    free(l);
}

/* ---- emit / batch modes for tests/cli/t7000-tlog-proofs.sh ------------------------------------ */

static void print_proof(const uint8_t *p, size_t len)
{
    putchar('[');
    for (size_t j = 0; j < len; j++) printf("%s\"%s\"", j ? "," : "", hex32(p + j * HL));
    putchar(']');
}

static int emit(uint64_t n)
{
    uint8_t *l = test_leaves(n), proof[MERKLE_MAX_PROOF * HL], e[64];
    uint8_t(*roots)[HL] = malloc((size_t)(n + 1) * HL);
    char err[200];
    if (!l || !roots) return 1;
    for (uint64_t i = 0; i < n; i++) {
        size_t el = test_entry(i, e, sizeof e);
        printf("{\"type\":\"leaf\",\"index\":%llu,\"entry\":\"", (unsigned long long)i);
        for (size_t j = 0; j < el; j++) printf("%02x", e[j]);
        printf("\",\"leaf_hash\":\"%s\"}\n", hex32(l + i * HL));
    }
    for (uint64_t s = 0; s <= n; s++) {
        if (merkle_root(l, s, roots[s], err, sizeof err) < 0) return fprintf(stderr, "test_merkle: %s\n", err), 1;
        printf("{\"type\":\"root\",\"size\":%llu,\"root\":\"%s\"}\n", (unsigned long long)s, hex32(roots[s]));
    }
    for (uint64_t s = 1; s <= n; s++)
        for (uint64_t i = 0; i < s; i++) {
            size_t len;
            if (merkle_inclusion_proof(l, s, i, proof, &len, err, sizeof err) < 0)
                return fprintf(stderr, "test_merkle: %s\n", err), 1;
            printf("{\"type\":\"inclusion\",\"index\":%llu,\"size\":%llu,\"leaf_hash\":\"%s\","
                   "\"root\":\"%s\",\"proof\":",
                   (unsigned long long)i, (unsigned long long)s, hex32(l + i * HL), hex32(roots[s]));
            print_proof(proof, len);
            printf("}\n");
        }
    for (uint64_t s2 = 0; s2 <= n; s2++)
        for (uint64_t s1 = 0; s1 <= s2; s1++) {
            size_t len;
            if (merkle_consistency_proof(l, s1, s2, proof, &len, err, sizeof err) < 0)
                return fprintf(stderr, "test_merkle: %s\n", err), 1;
            printf("{\"type\":\"consistency\",\"size1\":%llu,\"size2\":%llu,\"root1\":\"%s\","
                   "\"root2\":\"%s\",\"proof\":",
                   (unsigned long long)s1, (unsigned long long)s2, hex32(roots[s1]), hex32(roots[s2]));
            print_proof(proof, len);
            printf("}\n");
        }
    free(l);
    free(roots);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    size_t len = strlen(s);
    if (strcmp(s, "-") == 0) {
        *n = 0;
        return 0;
    }
    if (len % 2 || len / 2 > cap) return -1;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", s[i])) return -1;
    unhex(s, out, len / 2);
    *n = len / 2;
    return 0;
}

static int batch(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, kind[16], h1[80], h2[80], pf[(MERKLE_MAX_PROOF + 2) * 64 + 2], want[8];
    size_t cap = 0;
    unsigned long long a, b;
    long cases = 0, mismatches = 0, rejected = 0;
    if (!f) {
        fprintf(stderr, "test_merkle: cannot open '%s'\n", path);
        return 2;
    }
    while (getline(&line, &cap, f) > 0) {
        uint8_t x[HL], y[HL], proof[(MERKLE_MAX_PROOF + 2) * HL];
        size_t xn, yn, plen;
        char err[200] = "";
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "%15s %llu %llu %79s %79s %4225s %7s", kind, &a, &b, h1, h2, pf, want) != 7 ||
            parse_hex(h1, x, HL, &xn) < 0 || xn != HL || parse_hex(h2, y, HL, &yn) < 0 || yn != HL ||
            parse_hex(pf, proof, sizeof proof, &plen) < 0 || plen % HL) {
            fprintf(stderr, "test_merkle: bad batch line: %.80s\n", line);
            free(line);
            fclose(f);
            return 2;
        }
        int rc;
        if (strcmp(kind, "inclusion") == 0) rc = merkle_verify_inclusion(x, a, b, proof, plen / HL, y, err, sizeof err);
        else rc = merkle_verify_consistency(a, b, x, y, proof, plen / HL, err, sizeof err);
        cases++;
        rejected += rc < 0;
        if ((rc == 0) != (strcmp(want, "ok") == 0)) {
            if (++mismatches <= 20) printf("MISMATCH (got %s%s): %.160s\n", rc ? "fail: " : "ok", err, line);
        }
    }
    free(line);
    fclose(f);
    printf("checked %ld cases (%ld valid, %ld rejected): %ld mismatches\n", cases, cases - rejected, rejected,
           mismatches);
    return mismatches ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "emit") == 0) return emit(strtoull(argv[2], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "batch") == 0) return batch(argv[2]);
    if (argc > 1) {
        fprintf(stderr, "usage: test_merkle [emit N | batch FILE]\n");
        return 2;
    }
    if (sodium_init() < 0) return 1;
    RUN(test_hash_vectors);
    RUN(test_ct_roots);
    RUN(test_ct_inclusion_vectors);
    RUN(test_ct_consistency_vectors);
    RUN(test_against_reference);
    RUN(test_tampering);
    RUN(test_errors);
    RUN(test_proof_len_bounds);
    RUN(test_huge_tree_verify);
    RUN(test_compact_range);
    RUN(test_golden_large);
    return check_done();
}
