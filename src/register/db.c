/* db.c — db.h's entry points: db_open picks the backend by the target (a libpq URI
 * "postgresql://…" or "postgres://…" is PostgreSQL, anything else a SQLite file), every other
 * call goes to the backend of its handle (db_impl.h). */
#include "register/db_impl.h"
#include <string.h>

#define OPS(d) (((const struct db_head *)(const void *)(d))->ops)
#define SOPS(s) OPS(((struct db_stmt_head *)(void *)(s))->owner)

int db_is_url(const char *target)
{
    return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0;
}

db *db_open(const char *target, int flags, char *err, size_t errlen, int *kind)
{
    return (db_is_url(target) ? &db_pg_ops : &db_sqlite_ops)->open(target, flags, err, errlen, kind);
}
void db_close(db *d)
{
    if (d) OPS(d)->close(d);
}
const char *db_backend(const db *d)
{
    return OPS(d)->name;
}
const char *db_target(const db *d)
{
    return OPS(d)->target(d);
}
int db_exec(db *d, const char *sql)
{
    return OPS(d)->exec(d, sql);
}
int db_begin(db *d)
{
    return OPS(d)->begin(d);
}
int db_commit(db *d)
{
    return OPS(d)->commit(d);
}
int db_rollback(db *d)
{
    return d ? OPS(d)->rollback(d) : DB_OK;
}
int db_in_tx(const db *d)
{
    return OPS(d)->in_tx(d);
}
db_stmt *db_prepare(db *d, const char *sql)
{
    return OPS(d)->prepare(d, sql);
}
int db_bind_int(db_stmt *s, int idx, int64_t v)
{
    return SOPS(s)->bind_int(s, idx, v);
}
int db_bind_text(db_stmt *s, int idx, const char *v)
{
    return SOPS(s)->bind_text(s, idx, v);
}
int db_bind_blob(db_stmt *s, int idx, const void *v, size_t n)
{
    return SOPS(s)->bind_blob(s, idx, v, n);
}
int db_bind_text_ref(db_stmt *s, int idx, const char *v, size_t n)
{
    return SOPS(s)->bind_text_ref(s, idx, v, n);
}
int db_bind_blob_ref(db_stmt *s, int idx, const void *v, size_t n)
{
    return SOPS(s)->bind_blob_ref(s, idx, v, n);
}
int db_bind_null(db_stmt *s, int idx)
{
    return SOPS(s)->bind_null(s, idx);
}
int db_step(db_stmt *s)
{
    return SOPS(s)->step(s);
}
int db_reset(db_stmt *s)
{
    return SOPS(s)->reset(s);
}
int64_t db_col_int(db_stmt *s, int i)
{
    return SOPS(s)->col_int(s, i);
}
const char *db_col_text(db_stmt *s, int i)
{
    return SOPS(s)->col_text(s, i);
}
const void *db_col_blob(db_stmt *s, int i, size_t *n)
{
    return SOPS(s)->col_blob(s, i, n);
}
int db_col_is_null(db_stmt *s, int i)
{
    return SOPS(s)->col_is_null(s, i);
}
int db_changes(db *d)
{
    return OPS(d)->changes(d);
}
const char *db_errmsg(const db *d)
{
    return OPS(d)->errmsg(d);
}
int db_errkind(const db *d)
{
    return OPS(d)->errkind(d);
}
int db_has_table(db *d, const char *table, int *has)
{
    return OPS(d)->has_table(d, table, has);
}
int db_has_column(db *d, const char *table, const char *column, int *has)
{
    return OPS(d)->has_column(d, table, column, has);
}
int db_data_version(db *d, int64_t *v, int *found)
{
    return OPS(d)->data_version(d, v, found);
}

int db_unavailable(const db *d)
{
    return OPS(d)->unavailable ? OPS(d)->unavailable(d) : 0;
}

const char *db_login(const db *d)
{
    return OPS(d)->login ? OPS(d)->login(d) : NULL;
}
const char *db_login_roles(const db *d)
{
    return OPS(d)->login_roles ? OPS(d)->login_roles(d) : NULL;
}
int db_can_copy(const db *d)
{
    return OPS(d)->copy_begin != NULL;
}
int db_copy_begin(db *d, const char *sql)
{
    return OPS(d)->copy_begin(d, sql);
}
int db_copy_data(db *d, const void *p, size_t n)
{
    return OPS(d)->copy_data(d, p, n);
}
int db_copy_end(db *d)
{
    return OPS(d)->copy_end(d);
}

int db_can_rows(const db *d)
{
    return OPS(d)->insert_rows != NULL;
}
int db_insert_rows(db *d, const char *sql, db_rows_fn fn, void *arg)
{
    return OPS(d)->insert_rows(d, sql, fn, arg);
}

int db_stream(db_stmt *s)
{
    return SOPS(s)->stream ? SOPS(s)->stream(s) : DB_OK;
}

int db_session_lock(db *d, int64_t key, int *got)
{
    *got = 0;
    return OPS(d)->session_lock ? OPS(d)->session_lock(d, key, got) : DB_ERR;
}

int db_query_int(db *d, const char *sql, const char *text_arg, int64_t *out, int *found)
{
    db_stmt *s = db_prepare(d, sql);
    if (!s) return DB_ERR;
    if (text_arg && db_bind_text(s, 1, text_arg)) return DB_ERR;
    int rc = db_step(s);
    if (rc == DB_ERR) return DB_ERR;
    *found = rc == DB_ROW;
    *out = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return DB_OK;
}
