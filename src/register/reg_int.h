/* reg_int.h — what the register's own files share (never included outside src/register/).
 *
 * The storage interface (db.h) and the register handle's insides are private to the register:
 * everything above it calls the functions of register.h, incident.h, scans.h, … instead.
 *
 * The register's files call each other in one direction only (docs/register.md draws it):
 *   register.c (the handle)  <- audit.c <- incident.c, org.c, schema.c <- open.c …
 * register.c calls nothing but db.h; audit.c calls only register.c. */
#ifndef KT_REG_INT_H
#define KT_REG_INT_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "register/db.h"
#include "register/register.h"
#include "tlog/merkle.h"

#define REG_ORG_CACHE 64

/* the handle (register.c); open.c fills it, org.c keeps its cache in it */
struct reg {
    db *d;
    char *path, *actor, *command;
    int64_t now;
    char err[REG_ERRLEN];
    char *org_cache_key[REG_ORG_CACHE], *org_cache_val[REG_ORG_CACHE];
    int org_ncache;
};
/* forget the cached organisation values (register.c) */
void reg_org_cache_clear(reg *r);

/* ---- audit.c ---- */
/* The newest audit row: 0 with *found 1, its id and chain hash (all zero when the row has no
 * hash: a broken chain, which `log verify` reports), or *found 0 when the trail is empty.
 * Returns 0 or 1 (reg_err). */
int audit_head(reg *r, int64_t *id, uint8_t hash[MERKLE_HASH_LEN], int *has_hash, int *found);
/* Schema hook (schema.c, step SCHEMA_AUDIT_CHAIN): fill prev_hash/hash of every existing audit
 * row, then restore the audit table's update guard. Returns 0 or -1 (db_errmsg). */
int audit_chain_migrate(db *d);

/* ---- tlog_store.c: pieces tlog_verify.c and statement.c build on ---- */
/* 1 when KIND is a valid entry kind (a-z, 0-9, '-', 1..TLOG_KIND_MAX bytes) */
int tlog_kind_ok(const char *kind);
/* 0, or 1 when no transaction is open ("appends must run inside the register transaction") */
int tlog_need_tx(reg *r);
/* T as a JSON string "YYYY-MM-DDTHH:MM:SSZ" (new reference) */
json_t *tlog_iso_json(int64_t t);
/* the stored leaf hashes of entries 0..N-1 (malloc'd, N * 32 bytes), checked to be numbered
 * without gaps; 0 or 1 ("the transparency log is damaged at entry 5") */
int tlog_load_leaves(reg *r, int64_t n, uint8_t **out);
/* append the "audit-head" commitment to CONTENT (reserved for checkpoints; no kind check) */
int tlog_append_audit_head(reg *r, const char *content, size_t len, const char *ref, int64_t *idx);
/* store a checkpoint row */
int tlog_checkpoint_insert(reg *r, int64_t size, const uint8_t root[MERKLE_HASH_LEN], const char *note);
#endif
