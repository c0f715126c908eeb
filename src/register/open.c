/* open.c — opening a register (reg_open) and migrating its schema forward (reg_migrate_to). */
#include "register/reg_int.h"
#include "register/roles.h"
#include "register/schema.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* one migration step inside reg_migrate_to's transaction: DDL, hook, version, audit entry */
static int migrate_step(reg *r, const struct schema_step *st, int64_t from)
{
    if (db_exec(r->d, st->sql)) return reg_dberr(r);
    if (st->fn && st->fn(r->d)) return reg_dberr(r);
    char ver[32];
    snprintf(ver, sizeof ver, "%lld", (long long)st->version);
    db_stmt *s = db_prepare(r->d, "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s || db_bind_text(s, 1, ver) || db_step(s) != DB_DONE) return reg_dberr(r);
    char old[32];
    snprintf(old, sizeof old, "%lld", (long long)from);
    return reg_audit(r, NULL, from == 0 ? "register.create" : "register.migrate", "schema_version",
                     from == 0 ? NULL : old, ver);
}

/* the group roles and their grants (roles.c), in the schema's transaction */
static int pg_roles(reg *r, int creating, int after)
{
    int dberr;
    if (!roles_pg_setup(r->d, creating, after, &dberr, r->err, sizeof r->err)) return 0;
    return dberr ? reg_dberr(r) : 1;
}

int reg_migrate_to(reg *r, int64_t target)
{
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) return rc;
    if (v >= target) return 0;
    int pg = strcmp(db_backend(r->d), "sqlite") != 0;
    const struct schema_step *steps = pg ? schema_pg_steps : schema_steps;
    size_t nsteps = pg ? schema_pg_nsteps : schema_nsteps;
    if ((rc = reg_begin(r))) return rc;
    if (pg && (rc = pg_roles(r, v == 0, 0))) {
        reg_rollback(r);
        return rc;
    }
    for (size_t i = 0; i < nsteps; i++) {
        const struct schema_step *st = &steps[i];
        if (st->version <= v || st->version > target) continue;
        if ((rc = migrate_step(r, st, v))) {
            reg_rollback(r);
            return rc;
        }
        v = st->version;
    }
    if (pg && (rc = pg_roles(r, 0, 1))) {
        reg_rollback(r);
        return rc;
    }
    if (v == 1 || target >= 1) {
        db_stmt *s = db_prepare(
            r->d, "INSERT INTO meta(key, value) VALUES ('application', 'klartext') ON CONFLICT DO NOTHING");
        if (!s || db_step(s) != DB_DONE) {
            rc = reg_dberr(r);
            reg_rollback(r);
            return rc;
        }
    }
    return reg_commit(r);
}

/* an existing file must be a klartext register this klartext can read */
static int check_existing(reg *r, int64_t v)
{
    int found;
    int64_t app = 0;
    if (v == 0 ||
        db_query_int(r->d, "SELECT count(*) FROM meta WHERE key='application' AND value='klartext'", NULL, &app,
                     &found) ||
        !app)
        return reg_fail(r, 1, "'%s' is not a klartext register", r->path);
    if (v > REG_SCHEMA_VERSION)
        return reg_fail(
            r, 1,
            "register '%s' has schema version %lld, but this klartext (%s) knows only up to %lld: use a newer klartext",
            r->path, (long long)v, KLARTEXT_VERSION, (long long)REG_SCHEMA_VERSION);
    return 0;
}

int reg_open(const char *path, int flags, const char *actor, const char *command, int64_t now, reg **out, char *err,
             size_t errlen)
{
    int kind;
    *out = NULL;
    /* a reading command gets a read-only connection: it cannot change the register by mistake,
       and it works where the register cannot be written (read-only media, another user's) */
    int ro = !(flags & REG_OPEN_CREATE) && (flags & REG_OPEN_READONLY);
    db *d = db_open(path, (flags & REG_OPEN_CREATE) ? DB_OPEN_CREATE : ro ? DB_OPEN_READONLY : 0, err, errlen, &kind);
    if (!d) return kind == DB_EINVAL ? 2 : 1; /* a --db that does not parse is bad input */
    reg *r = xcalloc(1, sizeof *r);
    r->d = d;
    r->path = xstrdup(path);
    r->actor = xstrdup(actor && *actor ? actor : "unknown");
    r->command = xstrdup(command ? command : "");
    r->now = now;
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) goto fail;
    if (!(flags & REG_OPEN_CREATE) && (rc = check_existing(r, v))) goto fail;
    int64_t target = REG_SCHEMA_VERSION;
    const char *t = getenv("KLARTEXT_TEST_SCHEMA");
    if ((flags & REG_OPEN_CREATE) && t && *t) target = strtoll(t, NULL, 10);
    if (v < target && ro) {
        /* an older register is brought up to date first, by whatever command opens it */
        db_close(r->d);
        r->d = d = db_open(path, 0, err, errlen, &kind);
        if (!d) {
            reg_close(r);
            return 1;
        }
    }
    if (v < target && (rc = reg_migrate_to(r, target))) goto fail;
    *out = r;
    return 0;
fail:
    snprintf(err, errlen, "%s", r->err);
    reg_close(r);
    return rc;
}

void reg_pg_drop_new(const char *target)
{
    char err[REG_ERRLEN];
    int kind;
    db *d = db_is_url(target) ? db_open(target, 0, err, sizeof err, &kind) : NULL;
    if (!d) return;
    if (db_begin(d) == DB_OK) {
        if (db_exec(d, schema_pg_drop) == DB_OK) db_commit(d);
        else db_rollback(d);
    }
    db_close(d);
}
