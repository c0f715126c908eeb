/* copy.h — copying a register into another database, SQLite or PostgreSQL (`klartext db copy`,
 * docs/team.md "Moving a register").
 *
 * The copy is generic: the tables, their columns, types, primary keys and foreign keys are read
 * from the source's catalogue, so a table or column a later schema step adds is copied without a
 * change here. The target's schema is made by the target backend's own migration steps up to the
 * source's version (schema.c, schema_pg.c), then every row of every table is copied in the order
 * of the foreign keys, each table in its primary key's order, in one transaction on the target;
 * PostgreSQL's identity counters are set after the highest id copied. The target's triggers (the
 * append-only guards, the audit login of PostgreSQL) are off while the rows go in, so that no
 * trigger rewrites a copied value, and on again in the same transaction, before the copy's own
 * audit entry: nobody sees the tables without them. */
#ifndef KT_COPY_H
#define KT_COPY_H
#include <stdint.h>
#include <stddef.h>
#include "register/register.h"

struct reg_copy_table {
    char *name;
    int64_t rows;
};
struct reg_copy_result {
    int64_t schema_version;
    struct reg_copy_table *tables; /* in the order they were copied */
    size_t ntables;
    int64_t rows; /* all tables */
    char *to; /* the target as it may be shown (a URI without its password) */
};
/* called after every batch of rows: TABLE, its rows copied so far, its rows in all */
typedef void (*reg_copy_progress)(void *arg, const char *table, int64_t done, int64_t total);

/* Copy the open register SRC into TO: a SQLite path that must not exist, or a libpq URI of a
 * database that holds none of the register's tables. The source is read in one snapshot; the
 * target is written in one transaction and gets one audit entry at the end ("register.copy",
 * where from). Returns 0, 1 (a failure; nothing is left at TO: a new file is removed) or 2 (TO
 * holds a register or tables of one already, or does not parse), with the message in
 * reg_err(SRC). FN may be NULL. */
int reg_copy(reg *src, const char *to, reg_copy_progress fn, void *arg, struct reg_copy_result *out);
void reg_copy_result_free(struct reg_copy_result *res);
#endif
