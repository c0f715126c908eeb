/* audit.h — the register's audit trail (table audit): append-only, every row hash-chained to
 * the one before it. Rows are written by reg_audit (register.h) inside the changing command's
 * transaction; `klartext audit` lists them and `klartext log verify` checks the chain.
 *
 * Conventions as in register.h: 0, or an exit code with the message in reg_err(r). */
#ifndef KT_AUDIT_H
#define KT_AUDIT_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"
#include "tlog/merkle.h"

struct audit_rec {
    int64_t id, at;
    char *actor, *command;
    char *incident_ref, *action, *field, *old_value, *new_value; /* NULL when not set */
    char *login; /* the database login (PostgreSQL: session_user, set by the database); NULL on SQLite */
};
/* The newest LIMIT rows (LIMIT -1: all) of the incident with ref INCIDENT_REF (NULL: of every
 * incident and of none), oldest first. *out is malloc'd (audit_recs_free), NULL when *n is 0.
 * Read-only. */
int audit_list(reg *r, const char *incident_ref, int64_t limit, struct audit_rec **out, size_t *n);
void audit_recs_free(struct audit_rec *a, size_t n);

/* The chain: hash = SHA-256("klartext audit v1" 0x00 ‖ prev_hash ‖ id ‖ at ‖ actor ‖ command ‖
 * incident_ref ‖ action ‖ field ‖ old_value ‖ new_value [‖ login]), integers as 0x02 + 8 bytes
 * big-endian, text as 0x01 + 8-byte big-endian length + bytes, NULL as 0x00; prev_hash of the
 * first row is 32 zero bytes. Rows written before schema step SCHEMA_AUDIT_CHAIN were chained
 * by that step. LOGIN (schema step SCHEMA_AUDIT_LOGIN) is hashed only when it is not NULL: rows
 * without one (every SQLite row, PostgreSQL rows from before that step) hash as they always did,
 * and a login added to such a row, or removed from a row that had one, breaks its hash. */
void audit_hash(const uint8_t prev[MERKLE_HASH_LEN], int64_t id, int64_t at, const char *actor, const char *command,
                const char *incident_ref, const char *action, const char *field, const char *old_value,
                const char *new_value, const char *login, uint8_t out[MERKLE_HASH_LEN]);
#endif
