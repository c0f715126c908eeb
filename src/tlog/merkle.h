/* merkle.h — RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
 * libc + util/sha256 only; no storage, no allocation, no output.
 *
 *   leaf hash  = SHA-256(0x00 || entry)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH({})    = SHA-256("")
 *   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k = largest power of two < n
 *
 * The caller owns the leaves: functions that build roots or proofs take a flat array of
 * leaf hashes, leaf i at leaf_hashes + i * MERKLE_HASH_LEN. Proofs are flat arrays of
 * proof_len hashes in RFC 9162 order (the hash nearest the leaf first). Root and proof
 * construction hash every leaf of the tree once: O(n) hashes, no allocation; appending
 * through struct merkle_compact costs O(log n) per leaf.
 *
 * Errors: functions returning int give 0 on success and -1 on failure, with a lowercase
 * message in err (when err is not NULL and errlen > 0). */
#ifndef KT_MERKLE_H
#define KT_MERKLE_H
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
/* Most hashes in an inclusion proof (64) or a consistency proof (65) for tree sizes below
 * 2^64. A buffer of MERKLE_MAX_PROOF * MERKLE_HASH_LEN bytes holds any proof. */
#define MERKLE_MAX_PROOF 65

/* ---- hashing ---------------------------------------------------------------------------- */

/* out = SHA-256(0x00 || entry[0..len)). entry may be NULL when len is 0. */
void merkle_hash_leaf(const void *entry, size_t len, uint8_t out[MERKLE_HASH_LEN]);

/* out = SHA-256(0x01 || left || right). out may alias left or right. */
void merkle_hash_children(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                          uint8_t out[MERKLE_HASH_LEN]);

/* out = root of the empty tree = SHA-256(""). */
void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/* ---- roots and proofs over caller-supplied leaf hashes ---------------------------------- */

/* Root of the tree of the first n leaves of leaf_hashes (n * 32 bytes, may be NULL when
 * n is 0) into root. Returns 0, or -1 when n is too large to address. */
int merkle_root(const uint8_t *leaf_hashes, uint64_t n, uint8_t root[MERKLE_HASH_LEN], char *err, size_t errlen);

/* Inclusion proof (RFC 9162 §2.1.3.1, PATH) for leaf index in the tree of the first size
 * leaves of leaf_hashes. Writes *proof_len hashes to proof, which must have room for
 * MERKLE_MAX_PROOF hashes. Returns 0, or -1 when index >= size. */
int merkle_inclusion_proof(const uint8_t *leaf_hashes, uint64_t size, uint64_t index, uint8_t *proof, size_t *proof_len,
                           char *err, size_t errlen);

/* Consistency proof (RFC 9162 §2.1.4.1, PROOF) between the trees of the first size1 and
 * the first size2 leaves of leaf_hashes. Writes *proof_len hashes to proof (room for
 * MERKLE_MAX_PROOF hashes). The proof is empty when size1 is 0 or size1 == size2.
 * Returns 0, or -1 when size1 > size2. */
int merkle_consistency_proof(const uint8_t *leaf_hashes, uint64_t size1, uint64_t size2, uint8_t *proof,
                             size_t *proof_len, char *err, size_t errlen);

/* Number of hashes in a well-formed inclusion proof for index in a tree of size leaves
 * (0 when index >= size). */
size_t merkle_inclusion_proof_len(uint64_t index, uint64_t size);

/* Number of hashes in a well-formed consistency proof from size1 to size2 (0 when
 * size1 is 0, size1 == size2 or size1 > size2). */
size_t merkle_consistency_proof_len(uint64_t size1, uint64_t size2);

/* ---- verification (needs no leaves) ------------------------------------------------------ */

/* RFC 9162 §2.1.3.2: compute the root that the inclusion proof (proof_len hashes) leads to
 * from leaf_hash at index in a tree of size leaves, into root_out. Returns 0, or -1 when
 * index >= size or the proof has the wrong number of hashes. */
int merkle_root_from_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index, uint64_t size,
                               const uint8_t *proof, size_t proof_len, uint8_t root_out[MERKLE_HASH_LEN], char *err,
                               size_t errlen);

/* RFC 9162 §2.1.3.2: 0 when the proof shows that leaf_hash is leaf number index of the tree
 * of size leaves with the given root; -1 with the reason otherwise. */
int merkle_verify_inclusion(const uint8_t leaf_hash[MERKLE_HASH_LEN], uint64_t index, uint64_t size,
                            const uint8_t *proof, size_t proof_len, const uint8_t root[MERKLE_HASH_LEN], char *err,
                            size_t errlen);

/* RFC 9162 §2.1.4.2: 0 when the proof shows that the tree of size2 leaves with root2
 * extends the tree of size1 leaves with root1; -1 with the reason otherwise.
 * Edge cases (as transparency-dev/merkle): size1 == size2 needs an empty proof and
 * root1 == root2; size1 == 0 needs an empty proof (any tree extends the empty one);
 * size1 > size2 fails. */
int merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[MERKLE_HASH_LEN],
                              const uint8_t root2[MERKLE_HASH_LEN], const uint8_t *proof, size_t proof_len, char *err,
                              size_t errlen);

/* ---- compact range: append-only root in O(log n) per leaf -------------------------------- */

/* The roots of the perfect subtrees that make up a tree of size leaves, largest (leftmost)
 * first: one per set bit of size. Plain data; may be copied or stored. */
struct merkle_compact {
    uint64_t size;
    uint8_t nodes[64][MERKLE_HASH_LEN]; /* nodes[0 .. popcount(size)) are in use */
};

/* Start an empty range (size 0). */
void merkle_compact_init(struct merkle_compact *c);

/* Append one leaf hash. Returns 0, or -1 when the tree is full (size 2^64-1). */
int merkle_compact_append(struct merkle_compact *c, const uint8_t leaf_hash[MERKLE_HASH_LEN], char *err, size_t errlen);

/* Root of the tree the range covers (the empty root for size 0). Does not modify c. */
void merkle_compact_root(const struct merkle_compact *c, uint8_t root[MERKLE_HASH_LEN]);

#endif
