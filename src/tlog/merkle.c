/* merkle.c — RFC 6962 / RFC 9162 Merkle trees: roots, proofs, verification. */
#include "tlog/merkle.h"
#include "util/err.h"

#include "util/sha256.h"

#include <stdio.h>
#include <string.h>

#define HL MERKLE_HASH_LEN

/* Short hex prefix of a hash for messages. */
static const char *short_hex(const uint8_t h[HL], char buf[17])
{
    char full[SHA256_HEX_LEN + 1];
    sha256_to_hex(h, full);
    memcpy(buf, full, 16);
    buf[16] = '\0';
    return buf;
}

static int popcount64(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k <= (n - 1) / 2) k <<= 1;
    return k;
}

/* ---- hashing ----------------------------------------------------------------------------- */

void merkle_hash_leaf(const void *entry, size_t len, uint8_t out[HL])
{
    static const uint8_t zero = 0x00;
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, &zero, 1);
    sha256_update(&c, entry, len);
    sha256_final(&c, out);
}

void merkle_hash_children(const uint8_t left[HL], const uint8_t right[HL], uint8_t out[HL])
{
    uint8_t buf[1 + 2 * HL];
    buf[0] = 0x01;
    memcpy(buf + 1, left, HL);
    memcpy(buf + 1 + HL, right, HL);
    sha256_hash(buf, sizeof buf, out);
}

void merkle_empty_root(uint8_t out[HL])
{
    sha256_hash(NULL, 0, out);
}

/* Root of the count leaves starting at leaf begin. The shape of a subtree depends only on
 * its size, so a left-to-right stack of perfect subtrees gives MTH directly: O(count)
 * hashes, 64 * 32 bytes of stack. */
static void subtree_root(const uint8_t *leaves, uint64_t begin, uint64_t count, uint8_t out[HL])
{
    uint8_t stack[64][HL];
    int top = 0;
    if (count == 0) {
        merkle_empty_root(out);
        return;
    }
    const uint8_t *p = leaves + (size_t)begin * HL;
    for (uint64_t i = 0; i < count; i++, p += HL) {
        memcpy(stack[top++], p, HL);
        for (uint64_t j = i + 1; (j & 1) == 0; j >>= 1) {
            merkle_hash_children(stack[top - 2], stack[top - 1], stack[top - 2]);
            top--;
        }
    }
    memcpy(out, stack[top - 1], HL);
    for (int t = top - 2; t >= 0; t--) merkle_hash_children(stack[t], out, out);
}

static int check_addressable(uint64_t n, char *err, size_t errlen)
{
    if (n > SIZE_MAX / HL)
        return err_set(err, errlen, "tree size %llu too large for this machine", (unsigned long long)n);
    return 0;
}

int merkle_root(const uint8_t *leaf_hashes, uint64_t n, uint8_t root[HL], char *err, size_t errlen)
{
    if (check_addressable(n, err, errlen) < 0) return -1;
    if (n == 0) {
        merkle_empty_root(root);
        return 0;
    }
    if (!leaf_hashes) return err_set(err, errlen, "no leaf hashes for tree size %llu", (unsigned long long)n);
    subtree_root(leaf_hashes, 0, n, root);
    return 0;
}

/* ---- proof shapes --------------------------------------------------------------------------- */

size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size)
{
    size_t len = 0;
    if (index >= size) return 0;
    while (size > 1) {
        uint64_t k = split_point(size);
        if (index < k) {
            size = k;
        } else {
            index -= k;
            size -= k;
        }
        len++;
    }
    return len;
}

size_t merkle_consistency_proof_len(uint64_t size1, uint64_t size2)
{
    size_t len = 0;
    int complete = 1; /* "b" of RFC 9162 SUBPROOF: still on the left edge of the tree */
    if (size1 == 0 || size1 >= size2) return 0;
    while (size1 != size2) {
        uint64_t k = split_point(size2);
        if (size1 <= k) {
            size2 = k;
        } else {
            size1 -= k;
            size2 -= k;
            complete = 0;
        }
        len++;
    }
    return len + (complete ? 0 : 1);
}

/* ---- proof construction ---------------------------------------------------------------------- */

int merkle_inclusion_proof(const uint8_t *leaf_hashes, uint64_t size, uint64_t index, uint8_t *proof, size_t *proof_len,
                           char *err, size_t errlen)
{
    *proof_len = 0;
    if (check_addressable(size, err, errlen) < 0) return -1;
    if (index >= size)
        return err_set(err, errlen, "leaf index %llu out of range for tree size %llu", (unsigned long long)index,
                       (unsigned long long)size);
    if (!leaf_hashes) return err_set(err, errlen, "no leaf hashes for tree size %llu", (unsigned long long)size);
    size_t len = merkle_inclusion_proof_len(index, size), pos = len;
    uint64_t lo = 0, n = size, i = index;
    /* Walk down from the root; the sibling met first is the last hash of the proof. */
    while (n > 1) {
        uint64_t k = split_point(n);
        pos--;
        if (i < k) {
            subtree_root(leaf_hashes, lo + k, n - k, proof + pos * HL);
            n = k;
        } else {
            subtree_root(leaf_hashes, lo, k, proof + pos * HL);
            lo += k;
            i -= k;
            n -= k;
        }
    }
    *proof_len = len;
    return 0;
}

int merkle_consistency_proof(const uint8_t *leaf_hashes, uint64_t size1, uint64_t size2, uint8_t *proof,
                             size_t *proof_len, char *err, size_t errlen)
{
    *proof_len = 0;
    if (check_addressable(size2, err, errlen) < 0) return -1;
    if (size1 > size2)
        return err_set(err, errlen, "first tree size %llu is larger than second tree size %llu",
                       (unsigned long long)size1, (unsigned long long)size2);
    if (size1 == 0 || size1 == size2) return 0;
    if (!leaf_hashes) return err_set(err, errlen, "no leaf hashes for tree size %llu", (unsigned long long)size2);
    size_t len = merkle_consistency_proof_len(size1, size2), pos = len;
    uint64_t lo = 0, m = size1, n = size2;
    int complete = 1;
    while (m != n) {
        uint64_t k = split_point(n);
        pos--;
        if (m <= k) {
            subtree_root(leaf_hashes, lo + k, n - k, proof + pos * HL);
            n = k;
        } else {
            subtree_root(leaf_hashes, lo, k, proof + pos * HL);
            lo += k;
            m -= k;
            n -= k;
            complete = 0;
        }
    }
    if (!complete) subtree_root(leaf_hashes, lo, m, proof + (--pos) * HL);
    *proof_len = len;
    return 0;
}

/* ---- verification -------------------------------------------------------------------------- */

int merkle_root_from_inclusion(const uint8_t leaf_hash[HL], uint64_t index, uint64_t size, const uint8_t *proof,
                               size_t proof_len, uint8_t root_out[HL], char *err, size_t errlen)
{
    if (index >= size)
        return err_set(err, errlen, "leaf index %llu out of range for tree size %llu", (unsigned long long)index,
                       (unsigned long long)size);
    size_t want = merkle_inclusion_proof_len(index, size);
    if (proof_len != want)
        return err_set(err, errlen,
                       "inclusion proof has %zu hashes, expected %zu for index %llu "
                       "in tree size %llu",
                       proof_len, want, (unsigned long long)index, (unsigned long long)size);
    uint64_t fn = index, sn = size - 1;
    uint8_t r[HL];
    memcpy(r, leaf_hash, HL);
    for (size_t i = 0; i < proof_len; i++) {
        const uint8_t *p = proof + i * HL;
        if (sn == 0) return err_set(err, errlen, "inclusion proof is too long");
        if ((fn & 1) || fn == sn) {
            merkle_hash_children(p, r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_hash_children(r, p, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return err_set(err, errlen, "inclusion proof is too short");
    memcpy(root_out, r, HL);
    return 0;
}

int merkle_verify_inclusion(const uint8_t leaf_hash[HL], uint64_t index, uint64_t size, const uint8_t *proof,
                            size_t proof_len, const uint8_t root[HL], char *err, size_t errlen)
{
    uint8_t got[HL];
    char a[17], b[17];
    if (merkle_root_from_inclusion(leaf_hash, index, size, proof, proof_len, got, err, errlen) < 0) return -1;
    if (memcmp(got, root, HL) != 0)
        return err_set(err, errlen, "root mismatch: inclusion proof gives %s..., expected %s...", short_hex(got, a),
                       short_hex(root, b));
    return 0;
}

int merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[HL], const uint8_t root2[HL],
                              const uint8_t *proof, size_t proof_len, char *err, size_t errlen)
{
    char a[17], b[17];
    if (size1 > size2)
        return err_set(err, errlen, "first tree size %llu is larger than second tree size %llu",
                       (unsigned long long)size1, (unsigned long long)size2);
    if (size1 == size2) {
        if (proof_len != 0)
            return err_set(err, errlen, "consistency proof between equal sizes must be empty, has %zu hashes",
                           proof_len);
        if (memcmp(root1, root2, HL) != 0)
            return err_set(err, errlen,
                           "root mismatch: trees of equal size %llu have roots %s... "
                           "and %s...",
                           (unsigned long long)size1, short_hex(root1, a), short_hex(root2, b));
        return 0;
    }
    if (size1 == 0) {
        if (proof_len != 0)
            return err_set(err, errlen, "consistency proof from the empty tree must be empty, has %zu hashes",
                           proof_len);
        return 0;
    }
    size_t want = merkle_consistency_proof_len(size1, size2);
    if (proof_len != want)
        return err_set(err, errlen,
                       "consistency proof has %zu hashes, expected %zu from size %llu "
                       "to size %llu",
                       proof_len, want, (unsigned long long)size1, (unsigned long long)size2);

    /* RFC 9162 §2.1.4.2. When size1 is a power of two, root1 is the implicit first element. */
    int prepend = (size1 & (size1 - 1)) == 0;
    size_t total = proof_len + (prepend ? 1 : 0);
#define ELEM(i) (prepend ? ((i) == 0 ? root1 : proof + ((i)-1) * HL) : proof + (i)*HL)
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[HL], sr[HL];
    memcpy(fr, ELEM(0), HL);
    memcpy(sr, ELEM(0), HL);
    for (size_t i = 1; i < total; i++) {
        const uint8_t *c = ELEM(i);
        if (sn == 0) return err_set(err, errlen, "consistency proof is too long");
        if ((fn & 1) || fn == sn) {
            merkle_hash_children(c, fr, fr);
            merkle_hash_children(c, sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_hash_children(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
#undef ELEM
    if (sn != 0) return err_set(err, errlen, "consistency proof is too short");
    if (memcmp(fr, root1, HL) != 0)
        return err_set(err, errlen,
                       "root mismatch: consistency proof gives %s... for size %llu, "
                       "expected %s...",
                       short_hex(fr, a), (unsigned long long)size1, short_hex(root1, b));
    if (memcmp(sr, root2, HL) != 0)
        return err_set(err, errlen,
                       "root mismatch: consistency proof gives %s... for size %llu, "
                       "expected %s...",
                       short_hex(sr, a), (unsigned long long)size2, short_hex(root2, b));
    return 0;
}

/* ---- compact range -------------------------------------------------------------------------- */

void merkle_compact_init(struct merkle_compact *c)
{
    memset(c, 0, sizeof *c);
}

int merkle_compact_append(struct merkle_compact *c, const uint8_t leaf_hash[HL], char *err, size_t errlen)
{
    if (c->size == UINT64_MAX) return err_set(err, errlen, "tree is full at size %llu", (unsigned long long)c->size);
    uint8_t h[HL];
    int top = popcount64(c->size);
    memcpy(h, leaf_hash, HL);
    for (uint64_t s = c->size; s & 1; s >>= 1) merkle_hash_children(c->nodes[--top], h, h);
    memcpy(c->nodes[top], h, HL);
    c->size++;
    return 0;
}

void merkle_compact_root(const struct merkle_compact *c, uint8_t root[HL])
{
    int top = popcount64(c->size);
    if (top == 0) {
        merkle_empty_root(root);
        return;
    }
    uint8_t h[HL];
    memcpy(h, c->nodes[top - 1], HL);
    for (int t = top - 2; t >= 0; t--) merkle_hash_children(c->nodes[t], h, h);
    memcpy(root, h, HL);
}
