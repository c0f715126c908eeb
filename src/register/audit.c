/* audit.c — the audit trail: appending a hash-chained row (reg_audit), its head, listing it,
 * and the migration step that chained the rows of older registers. See audit.h. */
#include "register/audit.h"
#include "register/reg_int.h"
#include "register/schema.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define HL MERKLE_HASH_LEN

/* ---------------------------------------------------------------- the hash chain */

static void put_int(struct sha256_ctx *c, int64_t v)
{
    uint8_t b[9];
    b[0] = 2;
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    sha256_update(c, b, sizeof b);
}

static void put_text(struct sha256_ctx *c, const char *s)
{
    if (!s) {
        uint8_t z = 0;
        sha256_update(c, &z, 1);
        return;
    }
    uint64_t n = strlen(s);
    uint8_t b[9];
    b[0] = 1;
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(n >> (56 - 8 * i));
    sha256_update(c, b, sizeof b);
    sha256_update(c, s, (size_t)n);
}

void audit_hash(const uint8_t prev[HL], int64_t id, int64_t at, const char *actor, const char *command,
                const char *incident_ref, const char *action, const char *field, const char *old_value,
                const char *new_value, const char *login, uint8_t out[HL])
{
    static const char domain[] = "klartext audit v1"; /* with its NUL: 18 bytes */
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, domain, sizeof domain);
    sha256_update(&c, prev, HL);
    put_int(&c, id);
    put_int(&c, at);
    put_text(&c, actor);
    put_text(&c, command);
    put_text(&c, incident_ref);
    put_text(&c, action);
    put_text(&c, field);
    put_text(&c, old_value);
    put_text(&c, new_value);
    if (login) put_text(&c, login); /* from schema step SCHEMA_AUDIT_LOGIN, on PostgreSQL */
    sha256_final(&c, out);
}

int audit_chain_migrate(db *d)
{
    db_stmt *s = db_prepare(d, "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value "
                               "FROM audit ORDER BY id");
    if (!s) return -1;
    size_t n = 0, cap = 64;
    int64_t *ids = xmalloc(cap * sizeof *ids);
    uint8_t(*h)[HL] = xmalloc(cap * sizeof *h);
    uint8_t prev[HL] = {0};
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap *= 2;
            ids = xrealloc(ids, cap * sizeof *ids);
            h = xrealloc(h, cap * sizeof *h);
        }
        ids[n] = db_col_int(s, 0);
        audit_hash(prev, ids[n], db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                   db_col_text(s, 5), db_col_text(s, 6), db_col_text(s, 7), db_col_text(s, 8), NULL, h[n]);
        memcpy(prev, h[n], HL);
        n++;
    }
    db_reset(s);
    int ret = rc == DB_DONE ? 0 : -1;
    for (size_t i = 0; i < n && !ret; i++) {
        db_stmt *u = db_prepare(d, "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?");
        static const uint8_t zero[HL];
        if (!u || db_bind_blob(u, 1, i ? h[i - 1] : zero, HL) || db_bind_blob(u, 2, h[i], HL) ||
            db_bind_int(u, 3, ids[i]) || db_step(u) != DB_DONE)
            ret = -1;
    }
    free(ids);
    free(h);
    const char *guard = strcmp(db_backend(d), "sqlite")
                            ? "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit FOR EACH ROW "
                              "EXECUTE FUNCTION kt_refuse('the audit trail is append-only')"
                            : "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit BEGIN "
                              "SELECT RAISE(ABORT, 'the audit trail is append-only'); END;";
    if (!ret && db_exec(d, guard)) ret = -1;
    return ret;
}

int audit_head(reg *r, int64_t *id, uint8_t hash[HL], int *has_hash, int *found)
{
    *found = *has_hash = 0;
    *id = 0;
    memset(hash, 0, HL);
    db_stmt *s = db_prepare(r->d, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!s) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ERR) return reg_dberr(r);
    if (st == DB_ROW) {
        size_t n = 0;
        const void *h = db_col_blob(s, 1, &n);
        *id = db_col_int(s, 0);
        *found = 1;
        if (h && n == HL) {
            memcpy(hash, h, HL);
            *has_hash = 1;
        }
    }
    db_reset(s);
    return 0;
}

/* ---------------------------------------------------------------- appending */

/* at, actor, command, incident_ref, action, field, old_value, new_value from parameter I on */
static void bind_row(db_stmt *s, int i, const reg *r, const char *incident_ref, const char *action, const char *field,
                     const char *old_value, const char *new_value)
{
    db_bind_int(s, i, r->now);
    const char *const v[] = {r->actor, r->command, incident_ref, action, field, old_value, new_value};
    for (int k = 0; k < 7; k++) db_bind_text(s, i + 1 + k, v[k]);
}

/* a register older than the chain's schema step: rows without hashes */
static int audit_unchained(reg *r, const char *incident_ref, const char *action, const char *field,
                           const char *old_value, const char *new_value)
{
    db_stmt *s = db_prepare(r->d,
                            "INSERT INTO audit(at, actor, command, incident_ref, action, field, old_value, new_value) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    bind_row(s, 1, r, incident_ref, action, field, old_value, new_value);
    return db_step(s) == DB_DONE ? 0 : reg_dberr(r);
}

/* LOGIN: the database login the row will get (PostgreSQL from step SCHEMA_AUDIT_LOGIN on: the
   column's trigger writes session_user whatever the INSERT says, so the hash is computed over
   the same value; NULL on SQLite and before that step) */
static int audit_chained(reg *r, const char *login, const char *incident_ref, const char *action, const char *field,
                         const char *old_value, const char *new_value)
{
    uint8_t prev[HL], hash[HL];
    int64_t id;
    int has, found, rc;
    if ((rc = audit_head(r, &id, prev, &has, &found))) return rc;
    id = found ? id + 1 : 1; /* a head without a hash: a broken chain, log verify reports it */
    audit_hash(prev, id, r->now, r->actor, r->command, incident_ref, action, field, old_value, new_value, login, hash);
    db_stmt *s = db_prepare(
        r->d,
        "INSERT INTO audit(id, at, actor, command, incident_ref, action, field, old_value, new_value, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, id);
    bind_row(s, 2, r, incident_ref, action, field, old_value, new_value);
    db_bind_blob(s, 10, prev, sizeof prev);
    db_bind_blob(s, 11, hash, sizeof hash);
    return db_step(s) == DB_DONE ? 0 : reg_dberr(r);
}

int reg_audit(reg *r, const char *incident_ref, const char *action, const char *field, const char *old_value,
              const char *new_value)
{
    /* from schema step SCHEMA_AUDIT_CHAIN on, every row is hash-chained to the one before it */
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) return rc;
    if (v < SCHEMA_AUDIT_CHAIN) return audit_unchained(r, incident_ref, action, field, old_value, new_value);
    int own_tx = !db_in_tx(r->d);
    if (own_tx && (rc = reg_begin(r))) return rc;
    rc = audit_chained(r, v >= SCHEMA_AUDIT_LOGIN ? db_login(r->d) : NULL, incident_ref, action, field, old_value,
                       new_value);
    if (own_tx) {
        if (!rc) return reg_commit(r);
        reg_rollback(r);
    }
    return rc;
}

/* ---------------------------------------------------------------- reading */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void audit_recs_free(struct audit_rec *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].actor);
        free(a[i].command);
        free(a[i].incident_ref);
        free(a[i].action);
        free(a[i].field);
        free(a[i].old_value);
        free(a[i].new_value);
        free(a[i].login);
    }
    free(a);
}

int audit_list(reg *r, const char *incident_ref, int64_t limit, struct audit_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        r->d,
        incident_ref
            ? "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value, login FROM audit "
              "WHERE incident_ref = ? ORDER BY id DESC LIMIT ?"
            : "SELECT id, at, actor, command, incident_ref, action, field, old_value, new_value, login FROM audit "
              "WHERE CAST(? AS TEXT) IS NULL ORDER BY id DESC LIMIT ?");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, incident_ref);
    db_bind_int(s, 2, limit < 0 ? INT64_MAX : limit); /* LIMIT -1 is SQLite's only */
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 64);
        struct audit_rec *a = &(*out)[(*n)++];
        a->id = db_col_int(s, 0);
        a->at = db_col_int(s, 1);
        a->actor = dup_or_null(db_col_text(s, 2));
        a->command = dup_or_null(db_col_text(s, 3));
        a->incident_ref = dup_or_null(db_col_text(s, 4));
        a->action = dup_or_null(db_col_text(s, 5));
        a->field = dup_or_null(db_col_text(s, 6));
        a->old_value = dup_or_null(db_col_text(s, 7));
        a->new_value = dup_or_null(db_col_text(s, 8));
        a->login = dup_or_null(db_col_text(s, 9));
    }
    db_reset(s);
    if (rc == DB_ERR) {
        audit_recs_free(*out, *n);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    /* newest first for LIMIT; the caller gets them oldest first */
    for (size_t i = 0, j = *n ? *n - 1 : 0; i < j; i++, j--) {
        struct audit_rec t = (*out)[i];
        (*out)[i] = (*out)[j];
        (*out)[j] = t;
    }
    return 0;
}
