/* fuzz_merkle.c — libFuzzer target for the transparency log's proofs (src/tlog/merkle.c).
 *
 * Byte 0 picks the mode:
 *   even  arbitrary proofs: index, sizes, leaf hash, roots and up to 70 proof hashes straight
 *         from the input go to merkle_root_from_inclusion / merkle_verify_inclusion /
 *         merkle_verify_consistency and the *_proof_len helpers. They must never crash, must
 *         fail on a proof of the wrong length, and the root computed from an inclusion proof
 *         must be exactly what verification accepts.
 *   odd   a random tree: N ≤ 1000 distinct leaves (leaf i = H(i ‖ input)), an index and a
 *         second size from the input. The generated inclusion and consistency proofs must
 *         verify (and have the documented lengths); the tree root must equal the compact
 *         range root and the root of a rebuilt tree; flipping any one bit (chosen by the input)
 *         of a proof hash, the leaf hash or a root must make verification fail. */
#include "tlog/merkle.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define H MERKLE_HASH_LEN

static uint64_t rd64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v <<= 8;
        if (*n) {
            v |= **p;
            (*p)++;
            (*n)--;
        }
    }
    return v;
}

static void rdh(const uint8_t **p, size_t *n, uint8_t out[H])
{
    size_t k = *n < H ? *n : H;
    memset(out, 0, H);
    memcpy(out, *p, k);
    *p += k;
    *n -= k;
}

static void arbitrary(const uint8_t *d, size_t n)
{
    char err[200];
    uint8_t leaf[H], r1[H], r2[H], out[H];
    uint8_t proof[70 * H];
    uint8_t sel = n ? d[0] : 0;
    if (n) {
        d++;
        n--;
    }
    uint64_t a = rd64(&d, &n), b = rd64(&d, &n);
    /* small numbers often, so that proofs of the right length are reachable */
    if (sel & 1) a &= 0xffff;
    if (sel & 2) b &= 0xffff;
    rdh(&d, &n, leaf);
    rdh(&d, &n, r1);
    rdh(&d, &n, r2);
    size_t plen = n / H;
    if (plen > 70) plen = 70;
    memcpy(proof, d, plen * H);

    size_t want_i = merkle_inclusion_proof_len(a, b);
    if (want_i > MERKLE_MAX_PROOF || (a >= b && want_i != 0)) abort();
    int rc_root = merkle_root_from_inclusion(leaf, a, b, proof, plen, out, err, sizeof err);
    int rc_v = merkle_verify_inclusion(leaf, a, b, proof, plen, r1, err, sizeof err);
    if (a >= b && (rc_root == 0 || rc_v == 0)) abort();
    if (plen != want_i && (rc_root == 0 || rc_v == 0)) abort();
    if (rc_root != 0 && rc_v == 0) abort();
    if (rc_v == 0 && memcmp(out, r1, H) != 0) abort();
    if (rc_root == 0 && merkle_verify_inclusion(leaf, a, b, proof, plen, out, err, sizeof err) != 0) abort();
    if (rc_v != 0 && !err[0]) abort();

    size_t want_c = merkle_consistency_proof_len(a, b);
    if (want_c > MERKLE_MAX_PROOF) abort();
    err[0] = 0;
    int rc_c = merkle_verify_consistency(a, b, r1, r2, proof, plen, err, sizeof err);
    if (rc_c == 0) {
        if (a > b) abort();
        if ((a == 0 || a == b) && plen != 0) abort();
        if (a == b && memcmp(r1, r2, H) != 0) abort();
        if (a != 0 && a != b && plen != want_c) abort();
    } else if (!err[0]) {
        abort();
    }
    /* the same with a proof of exactly the expected length (if the input has the bytes) */
    if (want_c && want_c <= plen) (void)merkle_verify_consistency(a, b, r1, r2, proof, want_c, err, sizeof err);
}

static void flip(uint8_t *p, uint32_t bit)
{
    p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

static void tree(const uint8_t *d, size_t n)
{
    char err[200];
    uint8_t sel = n ? d[0] : 0;
    const uint8_t *p = d;
    size_t left = n;
    if (left) {
        p++;
        left--;
    }
    uint64_t x = rd64(&p, &left), y = rd64(&p, &left), z = rd64(&p, &left);
    uint64_t size = 1 + x % (sel & 0x80 ? 1000 : 70);
    uint64_t index = y % size;
    uint64_t size1 = z % (size + 1);
    uint32_t bit = (uint32_t)(z >> 32);

    /* distinct leaves: H(i ‖ rest of input) */
    uint8_t *leaves = malloc(size * H);
    uint8_t *buf = malloc(8 + left);
    memcpy(buf + 8, p, left);
    struct merkle_compact c;
    merkle_compact_init(&c);
    for (uint64_t i = 0; i < size; i++) {
        for (int k = 0; k < 8; k++) buf[k] = (uint8_t)(i >> (8 * k));
        merkle_hash_leaf(buf, 8 + left, leaves + i * H);
        if (merkle_compact_append(&c, leaves + i * H, err, sizeof err)) abort();
    }
    uint8_t root[H], croot[H], root1[H], tmp[H];
    if (merkle_root(leaves, size, root, err, sizeof err)) abort();
    merkle_compact_root(&c, croot);
    if (memcmp(root, croot, H)) abort();
    if (merkle_root(leaves, size1, root1, err, sizeof err)) abort();
    if (size1 == 0) {
        merkle_empty_root(tmp);
        if (memcmp(tmp, root1, H)) abort();
    }

    /* inclusion */
    uint8_t proof[MERKLE_MAX_PROOF * H];
    size_t plen = 0;
    if (merkle_inclusion_proof(leaves, size, index, proof, &plen, err, sizeof err)) abort();
    if (plen != merkle_inclusion_proof_len(index, size)) abort();
    const uint8_t *leaf = leaves + index * H;
    if (merkle_verify_inclusion(leaf, index, size, proof, plen, root, err, sizeof err)) abort();
    if (merkle_root_from_inclusion(leaf, index, size, proof, plen, tmp, err, sizeof err) || memcmp(tmp, root, H))
        abort();
    /* one bit flipped in the proof, the leaf or the root: must fail */
    uint8_t lf[H], rt[H];
    memcpy(lf, leaf, H);
    memcpy(rt, root, H);
    uint32_t total = (uint32_t)(plen + 2) * H * 8, b = bit % total;
    if (b < plen * H * 8) flip(proof, b);
    else if (b < (plen + 1) * H * 8) flip(lf, b - (uint32_t)plen * H * 8);
    else flip(rt, b - (uint32_t)(plen + 1) * H * 8);
    if (merkle_verify_inclusion(lf, index, size, proof, plen, rt, err, sizeof err) == 0) abort();
    /* a proof one hash too short or too long: must fail */
    if (plen && merkle_verify_inclusion(leaf, index, size, proof, plen - 1, root, err, sizeof err) == 0) abort();
    if (b < plen * H * 8) flip(proof, b); /* undo */
    memcpy(proof + plen * H, root, H);
    if (merkle_verify_inclusion(leaf, index, size, proof, plen + 1, root, err, sizeof err) == 0) abort();
    /* another leaf's hash at this index: must fail (leaves are distinct) */
    if (size > 1) {
        const uint8_t *other = leaves + ((index + 1) % size) * H;
        if (merkle_verify_inclusion(other, index, size, proof, plen, root, err, sizeof err) == 0) abort();
    }

    /* consistency size1 -> size */
    if (merkle_consistency_proof(leaves, size1, size, proof, &plen, err, sizeof err)) abort();
    if (plen != merkle_consistency_proof_len(size1, size)) abort();
    if (merkle_verify_consistency(size1, size, root1, root, proof, plen, err, sizeof err)) abort();
    if (size1 > 0 && size1 < size) {
        uint8_t r1[H], r2[H];
        memcpy(r1, root1, H);
        memcpy(r2, root, H);
        total = (uint32_t)(plen + 2) * H * 8;
        b = bit % total;
        if (b < plen * H * 8) flip(proof, b);
        else if (b < (plen + 1) * H * 8) flip(r1, b - (uint32_t)plen * H * 8);
        else flip(r2, b - (uint32_t)(plen + 1) * H * 8);
        if (merkle_verify_consistency(size1, size, r1, r2, proof, plen, err, sizeof err) == 0) abort();
        if (b < plen * H * 8) flip(proof, b);
        if (plen && merkle_verify_consistency(size1, size, root1, root, proof, plen - 1, err, sizeof err) == 0) abort();
    }
    /* the reverse direction is refused */
    if (size1 < size && merkle_consistency_proof(leaves, size, size1, proof, &plen, err, sizeof err) == 0) abort();
    if (merkle_inclusion_proof(leaves, size, size, proof, &plen, err, sizeof err) == 0) abort();
    free(leaves);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    if (data[0] & 1) tree(data + 1, size - 1);
    else arbitrary(data + 1, size - 1);
    return 0;
}
