/* schema.h — forward migrations of the register (see schema.c). Internal to src/register/. */
#ifndef KT_SCHEMA_H
#define KT_SCHEMA_H
#include <stddef.h>
#include <stdint.h>
#include "register/db.h"

struct schema_step {
    int64_t version; /* the version this step produces */
    const char *what; /* one line, shown in the audit trail */
    const char *sql; /* the backend's DDL */
    int (*fn)(db *); /* optional: run after sql, in the same transaction; 0 or -1 (db_errmsg) */
};
/* the step that adds the audit trail's hash chain: rows from then on carry prev_hash/hash */
#define SCHEMA_AUDIT_CHAIN 4
/* the step that adds audit.login: on PostgreSQL session_user, written by the database itself */
#define SCHEMA_AUDIT_LOGIN 13
extern const struct schema_step schema_steps[]; /* SQLite (schema.c) */
extern const size_t schema_nsteps;
extern const struct schema_step schema_pg_steps[]; /* PostgreSQL (schema_pg.c): the same versions */
extern const size_t schema_pg_nsteps;
extern const char schema_pg_drop[]; /* drops every table and function of schema_pg_steps */
#endif
