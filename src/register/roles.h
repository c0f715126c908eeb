/* roles.h — the group roles of a PostgreSQL register (docs/team.md): klartext_dpo,
 * klartext_engineer, klartext_agent, klartext_auditor, and their grants (what a missing grant
 * means for the command that met it is register.c's reg_dberr). Internal to src/register/. */
#ifndef KT_ROLES_H
#define KT_ROLES_H
#include <stddef.h>
#include "register/db.h"

/* The SQL that creates the four group roles where they do not exist (it needs CREATEROLE) */
extern const char roles_pg_create[];
/* The SQL that gives each group role exactly its privileges on the register's tables (run by
 * the tables' owner; it revokes nothing a DBA granted by hand to other roles). Every table a
 * schema step adds gets its grants here. docs/team.md shows both texts. */
extern const char roles_pg_grant[];

/* On a PostgreSQL register, inside the transaction that creates or migrates its schema (open.c):
 * BEFORE (before the first step) checks that the group roles exist or that this login may create
 * them (CREATEROLE) — when CREATING, a login that may not is an error; AFTER (after the last
 * step) creates the missing roles it may create and, when all four exist, grants
 * roles_pg_grant. Returns 0, or -1 with the message in ERR (a missing privilege: what is missing
 * and how the DBA does it by hand) or in db_errmsg (DBERR set to 1). */
int roles_pg_setup(db *d, int creating, int after, int *dberr, char *err, size_t n);

#endif
