/* db_impl.h — what a storage backend provides behind db.h (db.c dispatches to it).
 * Private to db.c and the backends (db_sqlite.c, db_pg.c).
 *
 * Every backend's `struct db` starts with a `struct db_head` and every `struct db_stmt` with
 * its owner, so that db.c finds the backend of a handle without knowing its insides. */
#ifndef KT_DB_IMPL_H
#define KT_DB_IMPL_H
#include "register/db.h"

struct db_ops {
    const char *name; /* "sqlite", "postgresql" */
    db *(*open)(const char *target, int flags, char *err, size_t errlen, int *kind);
    void (*close)(db *d);
    const char *(*target)(const db *d);
    int (*exec)(db *d, const char *sql);
    int (*begin)(db *d);
    int (*commit)(db *d);
    int (*rollback)(db *d);
    int (*in_tx)(const db *d);
    db_stmt *(*prepare)(db *d, const char *sql);
    int (*bind_int)(db_stmt *s, int idx, int64_t v);
    int (*bind_text)(db_stmt *s, int idx, const char *v);
    int (*bind_blob)(db_stmt *s, int idx, const void *v, size_t n);
    int (*bind_text_ref)(db_stmt *s, int idx, const char *v, size_t n);
    int (*bind_blob_ref)(db_stmt *s, int idx, const void *v, size_t n);
    int (*bind_null)(db_stmt *s, int idx);
    int (*step)(db_stmt *s);
    int (*reset)(db_stmt *s);
    int64_t (*col_int)(db_stmt *s, int i);
    const char *(*col_text)(db_stmt *s, int i);
    const void *(*col_blob)(db_stmt *s, int i, size_t *n);
    int (*col_is_null)(db_stmt *s, int i);
    int (*changes)(db *d);
    const char *(*errmsg)(const db *d);
    int (*errkind)(const db *d);
    int (*has_table)(db *d, const char *table, int *has);
    int (*has_column)(db *d, const char *table, const char *column, int *has);
    int (*data_version)(db *d, int64_t *v, int *found);
    int (*unavailable)(const db *d);
    const char *(*login)(const db *d); /* NULL: the backend knows no logins */
    const char *(*login_roles)(const db *d);
    int (*copy_begin)(db *d, const char *sql); /* optional (db_can_copy) */
    int (*copy_data)(db *d, const void *p, size_t n);
    int (*copy_end)(db *d);
    int (*session_lock)(db *d, int64_t key, int *got); /* NULL: the backend has none */
    int (*insert_rows)(db *d, const char *sql, db_rows_fn fn, void *arg); /* optional (db_can_rows) */
    int (*stream)(db_stmt *s); /* NULL: rows come as they are stepped anyway */
};

struct db_head {
    const struct db_ops *ops;
};
struct db_stmt_head {
    db *owner;
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;
#endif
