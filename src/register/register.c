/* register.c — the register handle: its connection, the context of the command that uses it
 * (actor, command line, clock), its error message, transactions and the schema version.
 * Opening and migrating are in open.c, the audit trail in audit.c, the organisation in org.c.
 * This file calls nothing of the register but db.h and roles.c (the message of a missing grant):
 * every other file may build on it. */
#include "register/reg_int.h"
#include "register/roles.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

db *reg_db(reg *r)
{
    return r->d;
}
const char *reg_path(const reg *r)
{
    return r->path;
}
const char *reg_err(const reg *r)
{
    return r->err;
}
int64_t reg_now(const reg *r)
{
    return r->now;
}
const char *reg_actor(const reg *r)
{
    return r->actor;
}

int reg_fail(reg *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return code;
}

int reg_dberr(reg *r)
{
    /* a missing grant (PostgreSQL): which command, which login and role, which role may */
    if (db_errkind(r->d) == DB_EPERM) roles_explain(r->command, db_errmsg(r->d), r->err, sizeof r->err);
    else snprintf(r->err, sizeof r->err, "%s", db_errmsg(r->d));
    return 1;
}

int reg_begin(reg *r)
{
    return db_begin(r->d) ? reg_dberr(r) : 0;
}
int reg_commit(reg *r)
{
    return db_commit(r->d) ? reg_dberr(r) : 0;
}
void reg_rollback(reg *r)
{
    if (r && r->d) db_rollback(r->d);
}

void reg_org_cache_clear(reg *r)
{
    for (int i = 0; i < r->org_ncache; i++) {
        free(r->org_cache_key[i]);
        free(r->org_cache_val[i]);
    }
    r->org_ncache = 0;
}

void reg_close(reg *r)
{
    if (!r) return;
    reg_org_cache_clear(r);
    db_close(r->d);
    free(r->path);
    free(r->actor);
    free(r->command);
    free(r);
}

int reg_is_pg(const reg *r)
{
    return strcmp(db_backend(r->d), "sqlite") != 0;
}

int reg_pg_notify_lock(reg *r)
{
    int64_t got = 0;
    int found = 0;
    /* the key: "klartext" in ASCII + 1 (db_pg.c's write lock is + 0) */
    if (db_query_int(r->d, "SELECT pg_try_advisory_lock(7741853290462722165)", NULL, &got, &found)) return reg_dberr(r);
    if (!found || !got)
        return reg_fail(r, 1, "another 'klartext notify' is working on this register (register '%s')", r->path);
    return 0;
}

int reg_unavailable(const reg *r)
{
    return r && r->d && db_unavailable(r->d);
}

int reg_target_is_url(const char *target)
{
    return db_is_url(target);
}

int reg_schema_version(reg *r, int64_t *v)
{
    int has;
    if (db_has_table(r->d, "meta", &has)) return reg_dberr(r);
    if (!has) {
        *v = 0;
        return 0;
    }
    db_stmt *s = db_prepare(r->d, "SELECT value FROM meta WHERE key='schema_version'");
    if (!s) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    *v = rc == DB_ROW ? strtoll(db_col_text(s, 0), NULL, 10) : 0;
    db_reset(s);
    return 0;
}

int reg_data_version(reg *r, int64_t *v)
{
    int found = 0;
    *v = -1;
    if (db_data_version(r->d, v, &found)) return reg_dberr(r);
    return found ? 0 : reg_fail(r, 1, "register '%s': no data version", r->path);
}
