/* tlog_store.h — the transparency log in the register: entries, signed checkpoints, proofs and
 * verification. Files: tlog_store.c (canonical JSON, appending, reading, proofs), tlog_verify.c
 * (tlog_verify, tlog_checkpoint). The public incident statements the log carries are in
 * statement.h, the audit trail whose head checkpoints commit to in audit.h.
 *
 * The log is an append-only list of entries 0, 1, 2, … (table tlog_entry). Every entry is
 * canonical JSON (sorted keys, no insignificant white space, integers only; the bytes Python's
 * json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes) and is
 * public by construction:
 *
 *   public entries      the full content, e.g. a published incident statement (kind
 *                       "statement"): {"kind":…,"logged_at":…, …caller's fields…}
 *   commitment entries  {"commitment":"<hex SHA-256(salt ‖ content)>","kind":…,"logged_at":…}
 *                       — the salt (32 random bytes) and an internal reference (ref) are kept
 *                       in the register, never published. Revealing salt and content later
 *                       proves what was committed, and when.
 *
 * Kinds: lowercase a-z, 0-9 and '-', 1..32 bytes. In use: "statement" (public, written by
 * statement_add), "filing", "decision", "notice" (commitments, by the report, assess and
 * notify modules), "purge" (commitment, by purge.c), "audit-head" (commitment to the audit trail's head, written by
 * tlog_checkpoint; reserved).
 *
 * Leaf hash = SHA-256(0x00 ‖ entry bytes); the tree and the proofs are RFC 9162's
 * (src/tlog/merkle.h); checkpoints are C2SP signed notes (src/tlog/checkpoint.h) whose origin
 * and key name is the portal address without its scheme + "/log".
 *
 * Conventions: like register.h — functions return 0, or an exit code (1 failure, 2 bad input)
 * with the message in reg_err(r). Functions that change the register must run inside the
 * caller's transaction (reg_begin … reg_commit): the register change and its log entry commit
 * together or not at all; they refuse to run outside one. Memory returned in structs belongs
 * to the caller and is freed with the matching _release/_free function. */
#ifndef KT_TLOG_STORE_H
#define KT_TLOG_STORE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"
#include "sign/keys.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle.h"

#define TLOG_SALT_LEN 32
#define TLOG_KIND_MAX 32 /* bytes in a kind */
#define TLOG_ENTRY_MAX (1024 * 1024) /* bytes in one entry */
#define TLOG_REF_MAX 200 /* bytes in a commitment's internal ref */

/* ---- appending (in the caller's transaction) ------------------------------------------ */

/* Append a public entry: ENTRY (a JSON object; not stolen, not modified) plus "kind": KIND and
 * "logged_at": the register's clock as ISO UTC, written as canonical JSON. ENTRY must not hold
 * "kind", "logged_at" or "commitment" itself, nor floating-point numbers. KIND must not be
 * "audit-head". Everything in ENTRY becomes public forever: never put personal data in it.
 * Returns 0 and the new entry's index in *idx (may be NULL), or an exit code (2: bad entry). */
int tlog_append_public(reg *r, const char *kind, const json_t *entry, int64_t *idx);

/* Append a commitment to CONTENT (LEN bytes; what you want to be able to prove later, e.g. the
 * filed report's bytes, the decision record, the signed notice text — keep it): a fresh random
 * 32-byte salt is stored with REF (an internal lookup key such as an incident ref or a notice
 * id, NULL for none; at most TLOG_REF_MAX bytes; never published), and the public entry is
 * {"commitment":"<hex SHA-256(salt ‖ content)>","kind":KIND,"logged_at":"<ISO UTC>"}.
 * KIND must not be "statement" or "audit-head". Returns 0 and *idx (may be NULL), or an exit
 * code. Example (in notify, inside the transaction that records a sent notice):
 *     if ((rc = tlog_append_commitment(r, "notice", text, len, notice_id, NULL))) goto fail; */
int tlog_append_commitment(reg *r, const char *kind, const void *content, size_t len, const char *ref, int64_t *idx);

/* The same for N contents at once, as N calls in order would do them (one query for the next
 * index, one draw of random salts): item i is committed at index idx[i] (IDX may be NULL). */
struct tlog_commit_item {
    const void *content;
    size_t len;
    const char *ref;
};
int tlog_append_commitments(reg *r, const char *kind, const struct tlog_commit_item *items, size_t n, int64_t *idx);

/* ---- reading ----------------------------------------------------------------------------- */

/* Number of entries in the log. */
int tlog_size(reg *r, int64_t *size);

/* The newest entry of KIND with internal reference REF: 0 with *found 1 and *idx, or *found 0. */
int tlog_find(reg *r, const char *kind, const char *ref, int64_t *idx, int *found);

/* The salt of commitment entry IDX (to open it to someone: give them salt and content).
 * Internal: never publish a salt without its content's owner's consent. 0, or 2 when IDX is not
 * a commitment. */
int tlog_commitment_salt(reg *r, int64_t idx, uint8_t salt[TLOG_SALT_LEN]);

/* One entry in its public form (no salt, no ref). */
struct tlog_entry {
    int64_t idx, logged_at;
    char kind[TLOG_KIND_MAX + 1];
    int commitment; /* 1 for commitment entries */
    char *data; /* the exact entry bytes (canonical JSON), NUL-terminated */
    size_t len;
    uint8_t leaf_hash[MERKLE_HASH_LEN];
    char commit_hex[65]; /* commitments: the commitment hash in hex, else "" */
};
/* Entries START <= idx < END (END -1: to the end), oldest first, at most 100000 at a time.
 * *out is malloc'd (free with tlog_entries_free) and may be NULL when *n is 0. */
int tlog_entries(reg *r, int64_t start, int64_t end, struct tlog_entry **out, size_t *n);
void tlog_entries_free(struct tlog_entry *e, size_t n);
/* {"index","kind","logged_at","leaf_hash","entry" (the exact bytes as a string), and for
 * commitments "commitment"} — the public form the CLI and the portal print. New reference. */
json_t *tlog_entry_json(const struct tlog_entry *e);

/* ---- checkpoints ----------------------------------------------------------------------- */

struct tlog_ckpt {
    int64_t size, created_at;
    uint8_t root[MERKLE_HASH_LEN];
    char *note; /* the signed note, NUL-terminated */
};
void tlog_ckpt_release(struct tlog_ckpt *c);

/* The log's origin = key name: portal.url without scheme, query and trailing '/', + "/log"
 * ("https://verify.example.org" -> "verify.example.org/log"). *placeholder is set to 1 when
 * portal.url is still init's placeholder. Returns 0, or 1 when portal.url is unset or makes no
 * valid key name. */
int tlog_origin(reg *r, char origin[CKPT_MAX_NAME + 1], int *placeholder);

/* Make a checkpoint (in a transaction): verify the whole stored log first (tlog_verify with
 * K's public key; any problem: refuse with 1, "the log is inconsistent: …"); write an audit
 * entry "log.checkpoint"; append an "audit-head" commitment to the audit trail's newest entry
 * (its id and chain hash); sign the new tree head with K (origin and key name from
 * tlog_origin); check it verifies and is consistent with the previous checkpoint (RFC 9162
 * consistency proof); store it. OUT (may be NULL) receives it. Returns 0 or an exit code. */
int tlog_checkpoint(reg *r, const sign_key *k, struct tlog_ckpt *out);

/* The newest checkpoint: 0 with *found 1 and *out filled (release it), or *found 0. */
int tlog_checkpoint_latest(reg *r, struct tlog_ckpt *out, int *found);
/* The checkpoint of exactly SIZE entries, likewise. */
int tlog_checkpoint_at(reg *r, int64_t size, struct tlog_ckpt *out, int *found);
/* Every checkpoint, oldest first; free with tlog_ckpts_free. */
int tlog_checkpoints(reg *r, struct tlog_ckpt **out, size_t *n);
void tlog_ckpts_free(struct tlog_ckpt *c, size_t n);

/* ---- proofs (RFC 9162 §2.1.3, §2.1.4) ------------------------------------------------------ */

enum { TLOG_PROOF_INCLUSION = 1, TLOG_PROOF_CONSISTENCY = 2 };
struct tlog_proof {
    int type;
    int64_t index, size; /* inclusion: leaf INDEX in the tree of SIZE entries */
    int64_t size1, size2; /* consistency: from SIZE1 to SIZE2 */
    uint8_t leaf_hash[MERKLE_HASH_LEN];
    uint8_t root[MERKLE_HASH_LEN]; /* inclusion: root of SIZE; consistency: root of SIZE2 */
    uint8_t root1[MERKLE_HASH_LEN]; /* consistency: root of SIZE1 */
    size_t n;
    uint8_t hashes[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
};
/* Inclusion proof of entry INDEX in the tree of the first SIZE entries (SIZE <= tlog_size).
 * Returns 0, or 2 when INDEX >= SIZE or SIZE is beyond the log ("the log has 12 entries"). */
int tlog_prove_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p);
/* Consistency proof between the trees of SIZE1 and SIZE2 entries (SIZE1 <= SIZE2 <= size). */
int tlog_prove_consistency(reg *r, int64_t size1, int64_t size2, struct tlog_proof *p);
/* The JSON form (docs/tlog.md): {"type":"inclusion","index","size","leaf_hash","root","proof"}
 * or {"type":"consistency","size1","size2","root1","root2","proof"}, hashes as lowercase hex.
 * New reference. */
json_t *tlog_proof_json(const struct tlog_proof *p);

/* ---- verification ---------------------------------------------------------------------- */

#define TLOG_VERIFY_MAX_PROBLEMS 20
struct tlog_verify_result {
    int64_t entries, checkpoints, latest_size;
    int64_t statements, commitments, audit_heads;
    int64_t audit_rows; /* rows in the audit trail */
    int64_t audit_committed; /* of those, covered by the newest audit-head entry */
    int64_t first_bad_entry; /* index of the first entry found bad, or -1 */
    size_t nproblems; /* 0: the log verified */
    size_t more_problems; /* problems beyond the TLOG_VERIFY_MAX_PROBLEMS kept */
    char *problems[TLOG_VERIFY_MAX_PROBLEMS]; /* "entry 5: …", the first one first; malloc'd */
};
void tlog_verify_release(struct tlog_verify_result *res);

/* Check everything from the stored data: entries numbered 0..n-1 without gaps; each entry is
 * canonical JSON of its kind with its time, and its leaf hash is SHA-256(0x00 ‖ bytes); each
 * statement entry is byte-identical to its incident_statement row; each checkpoint is signed
 * by PK under its origin, states its stored size and root, and that root is the root of the
 * stored entries; each checkpoint is consistent with the next (RFC 9162 proof); each ends with
 * an audit-head entry; the audit trail's hash chain is unbroken and every audit-head
 * commitment opens to the chain hash of the row it names. Problems go to RES (the first bad
 * entry is named). Returns 0 when the check ran (RES->nproblems says the verdict), or 1 when
 * the register could not be read (reg_err). Read-only. */
int tlog_verify(reg *r, const uint8_t pk[CKPT_PK_LEN], struct tlog_verify_result *res);

/* ---- building blocks -------------------------------------------------------------------- */

/* Canonical JSON of J (see above) into *out (malloc'd, NUL-terminated) and *len. Returns 0,
 * or -1 with err for reals, nesting deeper than 32 or output beyond TLOG_ENTRY_MAX. */
int tlog_json_canonical(const json_t *j, char **out, size_t *len, char *err, size_t errlen);

#endif
