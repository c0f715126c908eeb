/* db.h — the one narrow storage interface of the register, private to src/register/.
 *
 * Only the register's own files include it (`make check-style` refuses it anywhere else); they
 * speak only this API and portable SQL: '?' placeholders, INTEGER/BIGINT/TEXT/BLOB values, INSERT … RETURNING, ON CONFLICT.
 * Backends: SQLite (db_sqlite.c, the embedded default) and PostgreSQL (db_pg.c, libpq; '?' and
 * '?N' are rewritten to $n there, `COLLATE BINARY` to `COLLATE "C"`). db.c picks the backend by
 * the target. Backend-specific DDL lives in the backend's migration list (schema.c, schema_pg.c);
 * the few statements that cannot be one text choose by db_backend().
 *
 * Errors: every call that can fail returns DB_ERR (or NULL) and leaves a message for
 * db_errmsg(); db_errkind() tells whether the cause was a lock (DB_EBUSY), a damaged file
 * (DB_ECORRUPT), a constraint (DB_ECONSTRAINT) or anything else (DB_EIO).
 * Statements are cached per connection by SQL text: db_prepare returns the same handle for
 * the same text, already reset and with bindings cleared; do not finalize it yourself. */
#ifndef KT_DB_H
#define KT_DB_H
#include <stdint.h>
#include <stddef.h>

typedef struct db db;
typedef struct db_stmt db_stmt;

enum { DB_OK = 0, DB_ROW = 1, DB_DONE = 2, DB_ERR = -1 };
enum {
    DB_EIO = 1,
    DB_EBUSY,
    DB_ECORRUPT,
    DB_ECONSTRAINT,
    DB_ENOTFOUND,
    DB_EINVAL, /* a target that does not parse */
    DB_EPERM /* PostgreSQL: the login lacks a privilege (SQLSTATE 42501) */
};
enum { DB_OPEN_CREATE = 1, DB_OPEN_READONLY = 2 };

/* Open a register. target: a file path (SQLite) or a libpq URI "postgresql://…"/"postgres://…"
 * (db_is_url). With DB_OPEN_CREATE the file must not exist (PostgreSQL: the database must not
 * hold a register's tables). Returns NULL on failure with the message in err and the kind in
 * *kind (DB_ENOTFOUND: no register there). */
db *db_open(const char *target, int flags, char *err, size_t errlen, int *kind);
void db_close(db *d);
int db_is_url(const char *target); /* 1 for a PostgreSQL URI */
const char *db_backend(const db *d); /* "sqlite" or "postgresql" */
const char *db_target(const db *d); /* path as given; a URI without its password */

int db_exec(db *d, const char *sql); /* one or more statements, no parameters */
int db_begin(db *d); /* a write transaction (BEGIN IMMEDIATE) */
int db_commit(db *d);
int db_rollback(db *d); /* safe to call when no transaction is open */
int db_in_tx(const db *d);

db_stmt *db_prepare(db *d, const char *sql); /* NULL on error; cached, see above */
int db_bind_int(db_stmt *s, int idx, int64_t v); /* idx from 1 */
int db_bind_text(db_stmt *s, int idx, const char *v); /* NULL binds NULL; copied */
int db_bind_blob(db_stmt *s, int idx, const void *v, size_t n);
int db_bind_null(db_stmt *s, int idx);
/* the same without a copy, for bulk inserts: V[0..N) must stay unchanged until the statement
 * has been stepped (or reset); a backend that cannot bind without copying copies */
int db_bind_text_ref(db_stmt *s, int idx, const char *v, size_t n);
int db_bind_blob_ref(db_stmt *s, int idx, const void *v, size_t n);
int db_step(db_stmt *s); /* DB_ROW, DB_DONE or DB_ERR */
/* after db_prepare (and the binds), before the first step: S's rows may come from the server one
 * at a time as they are stepped instead of all at once (PostgreSQL: one row in memory, not the
 * whole result; SQLite steps that way anyway). Until its last row or db_reset no other statement
 * may run on the connection: one that does makes S's next step fail (DB_ERR), never end early.
 * For big reads whose loop runs nothing else. */
int db_stream(db_stmt *s);
int db_reset(db_stmt *s);
int64_t db_col_int(db_stmt *s, int i); /* columns from 0 */
const char *db_col_text(db_stmt *s, int i); /* NULL for NULL; valid until next step/reset */
const void *db_col_blob(db_stmt *s, int i, size_t *n);
int db_col_is_null(db_stmt *s, int i);
int db_changes(db *d);
/* bulk loading, where the backend has it (PostgreSQL's COPY … FROM STDIN; db_can_copy 0 on
 * SQLite, whose callers insert): db_copy_begin with the COPY statement, the rows' bytes in the
 * format it names, in pieces of any size, then db_copy_end, which reports what the server
 * refused; inside the caller's transaction. DB_OK or DB_ERR. */
int db_can_copy(const db *d);
int db_copy_begin(db *d, const char *sql);
int db_copy_data(db *d, const void *p, size_t n);
int db_copy_end(db *d);
/* bulk rows from memory, where the backend reads them so (SQLite: db_can_rows 1): SQL is one
 * statement that reads the table kt_rows, whose columns c0 … c15 are the values FN gives, row
 * after row ("INSERT INTO t(a, b) SELECT c0, c1 FROM kt_rows"). FN fills ROW (ncol values) and
 * returns 1, or 0 when there are no more rows; the values it points at must stay unchanged until
 * FN is called again. No binding per value, no statement per batch: what SQLite spends per row
 * is the insert. Runs the statement to its end: DB_OK or DB_ERR. */
enum db_value_type { DB_V_NULL, DB_V_INT, DB_V_TEXT, DB_V_BLOB };
struct db_value {
    enum db_value_type type;
    int64_t i; /* DB_V_INT */
    const void *p; /* DB_V_TEXT, DB_V_BLOB: n bytes (a text without its terminating 0) */
    size_t n;
};
#define DB_ROWS_MAXCOL 16
typedef int (*db_rows_fn)(void *arg, struct db_value *row);
int db_can_rows(const db *d);
int db_insert_rows(db *d, const char *sql, db_rows_fn fn, void *arg);
/* the catalogue, asked the backend's way: does TABLE (in the register's schema) exist, does it
 * have COLUMN; DB_OK or DB_ERR */
int db_has_table(db *d, const char *table, int *has);
int db_has_column(db *d, const char *table, const char *column, int *has);
/* a number that changes when another connection commits a change (SQLite: PRAGMA data_version;
 * PostgreSQL: a count of the commits the connection heard of by LISTEN/NOTIFY, or saw in the
 * server's snapshot, db_pg.c); compare it only with the same connection's; *found 0 when there
 * is none */
int db_data_version(db *d, int64_t *v, int *found);
/* 1 when the last error was that the database server could not be reached (PostgreSQL: the
 * connection is lost and could not be made again); 0 for SQLite */
int db_unavailable(const db *d);
/* PostgreSQL: a session advisory lock KEY without waiting (*got 0 when another session holds
 * it), held until db_close and taken again after a reconnect (when that fails, every later call
 * fails); SQLite has none (DB_ERR) */
int db_session_lock(db *d, int64_t key, int *got);

/* the authenticated login of the connection (PostgreSQL: session_user, read when the
 * connection was made) and the klartext group roles it is a member of ("klartext_agent",
 * "klartext_dpo, klartext_engineer", "superuser", or "" for none); NULL for SQLite, which
 * knows no logins */
const char *db_login(const db *d);
const char *db_login_roles(const db *d);

const char *db_errmsg(const db *d);
int db_errkind(const db *d);

/* convenience: run SQL with printf-free binding of up to N int/text args and return the
 * first column of the first row as int64 (*found = 0 when no row). */
int db_query_int(db *d, const char *sql, const char *text_arg, int64_t *out, int *found);

/* the connection of a register handle (register.c), for the register's own files */
struct reg;
db *reg_db(struct reg *r);
#endif
