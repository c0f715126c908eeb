/* db_sqlite.c — the SQLite backend of db.h: WAL, foreign keys, busy timeout, a cache of
 * prepared statements keyed by SQL text. */
#include "register/db_impl.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include <sqlite3.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct db_stmt {
    db *owner; /* first: struct db_stmt_head */
    sqlite3_stmt *st;
    char *sql;
    struct db_stmt *next;
};

struct db {
    struct db_head head; /* first */
    sqlite3 *h;
    char *target;
    char err[512];
    int kind;
    int in_tx;
    struct db_stmt *cache;
    db_rows_fn rows_fn; /* during sq_insert_rows: what the table kt_rows reads */
    void *rows_arg;
};

static void sq_close(db *d);
static int sq_reset(db_stmt *s);
static const sqlite3_module rows_module; /* kt_rows, below */

static int kind_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DB_ECORRUPT;
    case SQLITE_CONSTRAINT: return DB_ECONSTRAINT;
    default: return DB_EIO;
    }
}

/* the cause in the operating system's words for the failures a user can fix (a full disk, a
   read-only file system, missing permissions), or NULL: SQLite's own messages ("disk I/O error",
   "unable to open database file") do not say why. Only errno values that explain the failure
   are used: SQLite probes files that may not exist, so another errno may be stale. */
static const char *os_cause(db *d, int rc)
{
    int prim = rc & 0xff, e = d->h ? sqlite3_system_errno(d->h) : 0;
    if (prim == SQLITE_FULL) return "cannot write: the disk is full";
    if (prim != SQLITE_IOERR && prim != SQLITE_CANTOPEN && prim != SQLITE_READONLY && prim != SQLITE_PERM) return NULL;
    if (e == ENOSPC || e == EDQUOT) return "cannot write: the disk is full";
    struct statvfs fs;
    if (e == EROFS || (statvfs(d->target, &fs) == 0 && (fs.f_flag & ST_RDONLY)))
        return "cannot write: it is on a read-only file system";
    if (e == EACCES || e == EPERM || (access(d->target, R_OK) != 0 && errno == EACCES))
        return prim == SQLITE_READONLY ? "cannot write: permission denied for this user"
                                       : "cannot open: permission denied for this user";
    if (prim == SQLITE_READONLY || prim == SQLITE_CANTOPEN) {
        /* SQLite needs to write the file and, for its -wal and -shm files, the directory */
        char *dir = xstrdup(d->target), *slash = strrchr(dir, '/');
        if (slash) *(slash == dir ? slash + 1 : slash) = 0;
        int w = access(d->target, W_OK) == 0 && access(slash ? dir : ".", W_OK) == 0;
        free(dir);
        if (!w) return "cannot write: the file or its directory is not writable for this user";
    }
    if (e == EIO) return "input/output error";
    return NULL;
}

static int set_err(db *d, int rc)
{
    d->kind = kind_of(rc);
    const char *m = sqlite3_errmsg(d->h), *cause = d->kind == DB_EIO ? os_cause(d, rc) : NULL;
    if (d->kind == DB_EBUSY)
        snprintf(d->err, sizeof d->err,
                 "register '%s' is locked by another klartext process (try again when it has finished)", d->target);
    else if (d->kind == DB_ECORRUPT)
        snprintf(d->err, sizeof d->err, "register '%s' is damaged or not a klartext register (%s)", d->target, m);
    else if (cause) snprintf(d->err, sizeof d->err, "register '%s': %s (%s)", d->target, cause, m);
    else snprintf(d->err, sizeof d->err, "register '%s': %s", d->target, m);
    return DB_ERR;
}

/* Reading a register needs its -shm file (WAL mode), which SQLite cannot make on a read-only
 * file system or in a directory the user may not write: an auditor's copy on read-only media,
 * another user's register. When there is no write-ahead log with changes not yet in the file
 * (a -wal file of any size), the file alone is the whole register and is opened as immutable:
 * no -shm, no locks. With such a -wal file the failure stands (its changes would be missed). */
static int readonly_fallback(db *d, int rc)
{
    int prim = rc & 0xff;
    if (prim != SQLITE_CANTOPEN && prim != SQLITE_READONLY && prim != SQLITE_IOERR && prim != SQLITE_PERM) return 0;
    char *wal = xasprintf("%s-wal", d->target);
    struct stat st;
    int has_wal = stat(wal, &st) == 0 && st.st_size > 0;
    free(wal);
    if (has_wal) return 0;
    struct buf uri;
    buf_init(&uri, 0);
    buf_adds(&uri, "file:");
    for (const unsigned char *p = (const unsigned char *)d->target; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f) buf_addf(&uri, "%%%02X", *p);
        else buf_addc(&uri, (char)*p);
    }
    buf_adds(&uri, "?immutable=1");
    sqlite3 *h = NULL;
    int r2 = sqlite3_open_v2(buf_str(&uri), &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    buf_release(&uri);
    if (r2 == SQLITE_OK)
        r2 = sqlite3_exec(h, "PRAGMA foreign_keys=ON; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
    if (r2 != SQLITE_OK) {
        sqlite3_close(h);
        return 0;
    }
    sqlite3_close(d->h);
    d->h = h;
    sqlite3_extended_result_codes(d->h, 1);
    return 1;
}

/* SQLite's global settings, once per process before its first use: no memory statistics (they
   take a global mutex on every allocation and free; klartext never asks for them) */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static void config_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static db *sq_open(const char *target, int flags, char *err, size_t errlen, int *kind)
{
    pthread_once(&config_once, config_sqlite);
    struct stat st;
    int exists = stat(target, &st) == 0;
    *kind = DB_EIO;
    if ((flags & DB_OPEN_CREATE) && exists) {
        snprintf(err, errlen, "'%s' already exists: klartext will not initialise over an existing register", target);
        return NULL;
    }
    if (!(flags & DB_OPEN_CREATE) && !exists) {
        *kind = DB_ENOTFOUND;
        snprintf(err, errlen, "no register at '%s' (create one with 'klartext init', or name it with --db PATH)",
                 target);
        return NULL;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", target);
        return NULL;
    }
    db *d = xcalloc(1, sizeof *d);
    d->head.ops = &db_sqlite_ops;
    d->target = xstrdup(target);
    int oflags = (flags & DB_OPEN_READONLY)
                     ? SQLITE_OPEN_READONLY
                     : SQLITE_OPEN_READWRITE | ((flags & DB_OPEN_CREATE) ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(target, &d->h, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) goto fail;
    /* the register holds personal data: only its owner may read it (SQLite gives its
       -wal and -shm files the same mode) */
    if ((flags & DB_OPEN_CREATE) && chmod(target, 0600)) {
        snprintf(err, errlen, "cannot restrict the permissions of '%s': %s", target, strerror(errno));
        sq_close(d);
        unlink(target);
        return NULL;
    }
    sqlite3_extended_result_codes(d->h, 1);
    sqlite3_busy_timeout(d->h, 3000);
    /* a quick read forces SQLite to look at the file header: corrupt/not-a-db shows here */
    rc = sqlite3_exec(d->h, "PRAGMA foreign_keys=ON; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
    if (rc != SQLITE_OK && (flags & DB_OPEN_READONLY) && readonly_fallback(d, rc)) rc = SQLITE_OK;
    if (rc != SQLITE_OK) goto fail;
    /* a new register's pages are 16 KiB (SQLite's default: 4 KiB), set before its first table and
       before WAL, when the file is still empty: storing a scan of millions of people writes a
       quarter of the pages, WAL frames and write calls; its rows took about a fifth and its
       commit more than half less CPU (docs/performance.md, "The store on two threads, 16 KiB
       pages"); 64 KiB gained no more. A register that exists keeps the size it was made with. */
    if ((flags & DB_OPEN_CREATE) && (rc = sqlite3_exec(d->h, "PRAGMA page_size=16384", NULL, NULL, NULL)) != SQLITE_OK)
        goto fail;
    if (!(flags & DB_OPEN_READONLY)) {
        rc = sqlite3_exec(d->h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
        if (rc != SQLITE_OK) goto fail;
    }
    rc = sqlite3_create_module_v2(d->h, "kt_rows", &rows_module, d, NULL);
    if (rc != SQLITE_OK) goto fail;
    return d;
fail:
    set_err(d, rc);
    snprintf(err, errlen, "%s", d->err);
    *kind = d->kind;
    sq_close(d);
    if ((flags & DB_OPEN_CREATE)) unlink(target);
    return NULL;
}

static void sq_close(db *d)
{
    if (!d) return;
    for (struct db_stmt *s = d->cache, *n; s; s = n) {
        n = s->next;
        sqlite3_finalize(s->st);
        free(s->sql);
        free(s);
    }
    if (d->in_tx) sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(d->h);
    free(d->target);
    free(d);
}

static const char *sq_target(const db *d)
{
    return d->target;
}
static const char *sq_errmsg(const db *d)
{
    return d->err;
}
static int sq_errkind(const db *d)
{
    return d->kind;
}
static int sq_in_tx(const db *d)
{
    return d->in_tx;
}
static int sq_changes(db *d)
{
    return sqlite3_changes(d->h);
}

static int sq_exec(db *d, const char *sql)
{
    int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? DB_OK : set_err(d, rc);
}

static int sq_begin(db *d)
{
    if (d->in_tx) {
        snprintf(d->err, sizeof d->err, "internal error: nested transaction");
        d->kind = DB_EIO;
        return DB_ERR;
    }
    if (sq_exec(d, "BEGIN IMMEDIATE")) return DB_ERR;
    d->in_tx = 1;
    return DB_OK;
}

static int sq_commit(db *d)
{
    int rc = sq_exec(d, "COMMIT");
    if (rc == DB_OK) d->in_tx = 0;
    return rc;
}

static int sq_rollback(db *d)
{
    if (!d || !d->in_tx) return DB_OK;
    for (struct db_stmt *s = d->cache; s; s = s->next) sqlite3_reset(s->st);
    sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
    d->in_tx = 0;
    return DB_OK;
}

static db_stmt *sq_prepare(db *d, const char *sql)
{
    for (struct db_stmt *s = d->cache; s; s = s->next)
        if (strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            return s;
        }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        set_err(d, rc);
        return NULL;
    }
    struct db_stmt *s = xcalloc(1, sizeof *s);
    s->st = st;
    s->owner = d;
    s->sql = xstrdup(sql);
    s->next = d->cache;
    d->cache = s;
    return s;
}

static int bind_rc(db_stmt *s, int rc)
{
    return rc == SQLITE_OK ? DB_OK : set_err(s->owner, rc);
}
static int sq_bind_int(db_stmt *s, int i, int64_t v)
{
    return bind_rc(s, sqlite3_bind_int64(s->st, i, v));
}
static int sq_bind_text(db_stmt *s, int i, const char *v)
{
    return bind_rc(s, v ? sqlite3_bind_text(s->st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, i));
}
static int sq_bind_blob(db_stmt *s, int i, const void *v, size_t n)
{
    return bind_rc(s, sqlite3_bind_blob64(s->st, i, v, n, SQLITE_TRANSIENT));
}
static int sq_bind_text_ref(db_stmt *s, int i, const char *v, size_t n)
{
    return bind_rc(s, sqlite3_bind_text64(s->st, i, v, n, SQLITE_STATIC, SQLITE_UTF8));
}
static int sq_bind_blob_ref(db_stmt *s, int i, const void *v, size_t n)
{
    return bind_rc(s, sqlite3_bind_blob64(s->st, i, v, n, SQLITE_STATIC));
}
static int sq_bind_null(db_stmt *s, int i)
{
    return bind_rc(s, sqlite3_bind_null(s->st, i));
}

static int sq_step(db_stmt *s)
{
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s->st);
        return DB_DONE;
    }
    set_err(s->owner, rc);
    sqlite3_reset(s->st);
    return DB_ERR;
}

/* ---- kt_rows: rows from memory (db_insert_rows) ----
 * An eponymous virtual table of 16 untyped columns whose rows are what the connection's rows_fn
 * gives while sq_insert_rows runs (none otherwise). Its values reach SQLite without a copy
 * (SQLITE_STATIC): the statement reads a row's columns into registers and writes the record
 * before it asks for the next row, which is as long as rows_fn keeps them. Only the register's
 * own statements may name it (SQLITE_VTAB_DIRECTONLY: no trigger or view in a file). */
struct rows_vtab {
    sqlite3_vtab base; /* first */
    db *d;
};
struct rows_cur {
    sqlite3_vtab_cursor base; /* first */
    db *d;
    int eof;
    sqlite3_int64 n;
    struct db_value v[DB_ROWS_MAXCOL];
};

static int rows_connect(sqlite3 *h, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(h, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13,"
                                     " c14, c15)");
    if (rc != SQLITE_OK) return rc;
    sqlite3_vtab_config(h, SQLITE_VTAB_DIRECTONLY);
    struct rows_vtab *t = sqlite3_malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->d = aux;
    *out = &t->base;
    return SQLITE_OK;
}
static int rows_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}
static int rows_best_index(sqlite3_vtab *t, sqlite3_index_info *ii)
{
    (void)t;
    ii->estimatedCost = 1e6;
    return SQLITE_OK;
}
static int rows_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    struct rows_cur *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    c->d = ((struct rows_vtab *)t)->d;
    c->eof = 1;
    *out = &c->base;
    return SQLITE_OK;
}
static int rows_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}
static int rows_next(sqlite3_vtab_cursor *cur)
{
    struct rows_cur *c = (struct rows_cur *)cur;
    c->eof = !c->d->rows_fn || !c->d->rows_fn(c->d->rows_arg, c->v);
    c->n++;
    return SQLITE_OK;
}
static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
    (void)idx, (void)idxs, (void)argc, (void)argv;
    ((struct rows_cur *)cur)->n = 0;
    return rows_next(cur);
}
static int rows_eof(sqlite3_vtab_cursor *cur)
{
    return ((struct rows_cur *)cur)->eof;
}
static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    const struct db_value *v = &((struct rows_cur *)cur)->v[i];
    switch (v->type) {
    case DB_V_INT: sqlite3_result_int64(ctx, v->i); break;
    case DB_V_TEXT: sqlite3_result_text64(ctx, v->p, v->n, SQLITE_STATIC, SQLITE_UTF8); break;
    case DB_V_BLOB: sqlite3_result_blob64(ctx, v->p, v->n, SQLITE_STATIC); break;
    default: sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
}
static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *id)
{
    *id = ((struct rows_cur *)cur)->n;
    return SQLITE_OK;
}
static const sqlite3_module rows_module = {
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

static int sq_insert_rows(db *d, const char *sql, db_rows_fn fn, void *arg)
{
    db_stmt *s = sq_prepare(d, sql);
    if (!s) return DB_ERR;
    d->rows_fn = fn;
    d->rows_arg = arg;
    int rc = sq_step(s);
    d->rows_fn = NULL;
    d->rows_arg = NULL;
    return rc == DB_DONE ? DB_OK : rc == DB_ROW ? (sq_reset(s), DB_OK) : DB_ERR;
}

static int sq_reset(db_stmt *s)
{
    sqlite3_reset(s->st);
    return DB_OK;
}
static int64_t sq_col_int(db_stmt *s, int i)
{
    return sqlite3_column_int64(s->st, i);
}
static const char *sq_col_text(db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s->st, i);
}
static const void *sq_col_blob(db_stmt *s, int i, size_t *n)
{
    const void *p = sqlite3_column_blob(s->st, i);
    *n = (size_t)sqlite3_column_bytes(s->st, i);
    return p;
}
static int sq_col_is_null(db_stmt *s, int i)
{
    return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

/* the first column of SQL's first row with up to two text arguments (*found 0: no row) */
static int sq_query(db *d, const char *sql, const char *a, const char *b, int64_t *out, int *found)
{
    db_stmt *s = sq_prepare(d, sql);
    if (!s || (a && sq_bind_text(s, 1, a)) || (b && sq_bind_text(s, 2, b))) return DB_ERR;
    int rc = sq_step(s);
    if (rc == DB_ERR) return DB_ERR;
    *found = rc == DB_ROW;
    *out = rc == DB_ROW ? sq_col_int(s, 0) : 0;
    sq_reset(s);
    return DB_OK;
}

static int sq_has_table(db *d, const char *table, int *has)
{
    int64_t n;
    int found;
    if (sq_query(d, "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name=?", table, NULL, &n, &found))
        return DB_ERR;
    *has = n > 0;
    return DB_OK;
}

static int sq_has_column(db *d, const char *table, const char *column, int *has)
{
    int64_t n;
    int found;
    if (sq_query(d, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", table, column, &n, &found))
        return DB_ERR;
    *has = n > 0;
    return DB_OK;
}

static int sq_data_version(db *d, int64_t *v, int *found)
{
    return sq_query(d, "PRAGMA data_version", NULL, NULL, v, found);
}

const struct db_ops db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .target = sq_target,
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_tx = sq_in_tx,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_text_ref = sq_bind_text_ref,
    .bind_blob_ref = sq_bind_blob_ref,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .errkind = sq_errkind,
    .has_table = sq_has_table,
    .has_column = sq_has_column,
    .data_version = sq_data_version,
    .insert_rows = sq_insert_rows,
};
