/* copy.c — `klartext db copy`: a register copied into another database (see copy.h).
 *
 * The catalogue is asked the backend's way (sqlite_schema and pragma_table_info on SQLite,
 * pg_class, pg_attribute, pg_index and pg_constraint on PostgreSQL); everything else is the
 * register's portable SQL. Rows are read in pages of COPY_PAGE in primary-key order (keyset
 * pagination: a PostgreSQL result is held whole, so a page bounds the memory) and written as
 * multi-row INSERTs of at most COPY_PARAMS values.
 *
 * A SQLite target is made under a temporary name beside it (DIR/.NAME.copy-PID-N) and gets its
 * name only once the copy has committed, is one file (journal_mode DELETE: no -wal beside it)
 * and is on disk (fsync of the file, then of the directory, after the link): a copy that fails
 * removes the temporary file, one that is killed leaves it (never a file at NAME, which a re-run
 * would refuse as existing). */
#include "register/analyze.h"
#include "register/copy.h"
#include "register/reg_int.h"
#include "register/roles.h"
#include "register/schema.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COPY_PAGE 4096 /* rows; KLARTEXT_TEST_COPY_PAGE makes it smaller, so that a test crosses pages */
#define COPY_PARAMS 1000 /* values per INSERT (PostgreSQL's backend takes up to 1024) */
#define COPY_ROWS 128 /* rows per INSERT at most */

enum { CT_INT = 1, CT_TEXT, CT_BLOB };

struct col {
    char *name;
    int type; /* CT_* */
    int pk; /* position in the primary key from 1, 0 when not in it */
    int identity; /* a PostgreSQL identity column */
};
struct table {
    char *name;
    struct col *cols;
    int ncols;
    int *pk; /* indexes into cols, in the key's order */
    int npk;
    char **deps; /* tables its foreign keys refer to */
    int ndeps;
    int done;
};
struct cat {
    struct table *t;
    size_t n;
};
struct val {
    int null;
    int64_t i;
    char *p; /* text and blob: owned, NUL-terminated */
    size_t n;
};

/* one copy: both databases, the messages go to the source's handle */
struct copy {
    reg *src;
    db *s, *t;
    const char *to;
    char *tmp; /* a SQLite target's temporary name, NULL for PostgreSQL */
    reg_copy_progress fn;
    void *arg;
    struct reg_copy_result *res;
};

static int page_rows(void)
{
    const char *e = getenv("KLARTEXT_TEST_COPY_PAGE");
    int n = e && *e ? atoi(e) : 0;
    return n >= 1 && n < COPY_PAGE ? n : COPY_PAGE;
}

static int is_pg(db *d)
{
    return strcmp(db_backend(d), "sqlite") != 0;
}

/* a name klartext's schema uses: letters, digits, '_' (so it may be quoted as it is) */
static int ident_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static void cat_free(struct cat *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct table *t = &c->t[i];
        for (int j = 0; j < t->ncols; j++) free(t->cols[j].name);
        for (int j = 0; j < t->ndeps; j++) free(t->deps[j]);
        free(t->cols);
        free(t->pk);
        free(t->deps);
        free(t->name);
    }
    free(c->t);
    c->t = NULL;
    c->n = 0;
}

static struct table *cat_find(struct cat *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->t[i].name, name)) return &c->t[i];
    return NULL;
}

static int dberr(struct copy *c, db *d, const char *what)
{
    return reg_fail(c->src, 1, "db copy: %s: %s", what, db_errmsg(d));
}

/* a column's type in the catalogue's words as CT_*, 0 when the copy does not know it */
static int col_type(int pg, const char *t)
{
    if (!t) return 0;
    if (pg) {
        if (!strcmp(t, "int8") || !strcmp(t, "int4") || !strcmp(t, "int2") || !strcmp(t, "bool")) return CT_INT;
        if (!strcmp(t, "text") || !strcmp(t, "varchar") || !strcmp(t, "bpchar")) return CT_TEXT;
        if (!strcmp(t, "bytea")) return CT_BLOB;
        return 0;
    }
    if (strstr(t, "INT")) return CT_INT;
    if (!strcmp(t, "TEXT")) return CT_TEXT;
    if (!strcmp(t, "BLOB")) return CT_BLOB;
    return 0;
}

/* the columns of table T: name, type, primary-key position, identity */
static int cat_columns(struct copy *c, db *d, struct table *t)
{
    int pg = is_pg(d);
    db_stmt *s = db_prepare(
        d, pg ? "SELECT a.attname, ty.typname,"
                " coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0),"
                " a.attidentity <> '' FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
                " LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary"
                " WHERE a.attrelid = to_regclass(quote_ident(?)) AND a.attnum > 0 AND NOT a.attisdropped"
                " ORDER BY a.attnum"
              : "SELECT name, upper(type), pk, 0 FROM pragma_table_info(?) ORDER BY cid");
    if (!s || db_bind_text(s, 1, t->name)) return dberr(c, d, "reading the catalogue");
    int rc, cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *name = db_col_text(s, 0), *type = db_col_text(s, 1);
        if (!ident_ok(name) || !col_type(pg, type)) {
            db_reset(s);
            return reg_fail(c->src, 1, "db copy: column %s.%s of '%s' has the type '%s', which db copy does not know",
                            t->name, name ? name : "?", db_target(d), type ? type : "?");
        }
        if (t->ncols == cap) t->cols = xrealloc(t->cols, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *t->cols);
        struct col *k = &t->cols[t->ncols++];
        k->name = xstrdup(name);
        k->type = col_type(pg, type);
        k->pk = (int)db_col_int(s, 2);
        k->identity = (int)db_col_int(s, 3);
        if (k->pk) t->npk++;
    }
    if (rc == DB_ERR) return dberr(c, d, "reading the catalogue");
    t->pk = xcalloc((size_t)(t->npk ? t->npk : 1), sizeof *t->pk);
    for (int j = 0; j < t->ncols; j++)
        if (t->cols[j].pk >= 1 && t->cols[j].pk <= t->npk) t->pk[t->cols[j].pk - 1] = j;
    return 0;
}

/* the tables T's foreign keys refer to */
static int cat_deps(struct copy *c, db *d, struct table *t)
{
    db_stmt *s = db_prepare(d, is_pg(d) ? "SELECT DISTINCT f.relname FROM pg_constraint k JOIN pg_class f"
                                          " ON f.oid = k.confrelid WHERE k.contype = 'f'"
                                          " AND k.conrelid = to_regclass(quote_ident(?)) ORDER BY 1"
                                        : "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?) ORDER BY 1");
    if (!s || db_bind_text(s, 1, t->name)) return dberr(c, d, "reading the catalogue");
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        t->deps = xrealloc(t->deps, (size_t)(t->ndeps + 1) * sizeof *t->deps);
        t->deps[t->ndeps++] = xstrdup(db_col_text(s, 0));
    }
    return rc == DB_ERR ? dberr(c, d, "reading the catalogue") : 0;
}

/* every table of the register in D, with its columns and foreign keys */
static int cat_read(struct copy *c, db *d, struct cat *out)
{
    db_stmt *s = db_prepare(d, is_pg(d) ? "SELECT c.relname FROM pg_class c JOIN pg_namespace n"
                                          " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                                          " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                                          " ORDER BY c.relname COLLATE \"C\""
                                        : "SELECT name FROM sqlite_schema WHERE type = 'table'"
                                          " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    if (!s) return dberr(c, d, "reading the catalogue");
    int rc;
    size_t cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *name = db_col_text(s, 0);
        if (!ident_ok(name)) {
            db_reset(s);
            return reg_fail(c->src, 1, "db copy: '%s' has a table named '%s', which db copy does not know",
                            db_target(d), name ? name : "");
        }
        if (out->n == cap) out->t = xrealloc(out->t, (cap = cap ? 2 * cap : 32) * sizeof *out->t);
        memset(&out->t[out->n], 0, sizeof *out->t);
        out->t[out->n++].name = xstrdup(name);
    }
    if (rc == DB_ERR) return dberr(c, d, "reading the catalogue");
    for (size_t i = 0; i < out->n; i++) {
        if ((rc = cat_columns(c, d, &out->t[i])) || (rc = cat_deps(c, d, &out->t[i]))) return rc;
    }
    return 0;
}

/* the target made by the same klartext must have the source's tables and columns, with the same
   types: anything else is a schema step whose two texts differ */
static int cat_match(struct copy *c, struct cat *src, struct cat *dst)
{
    for (size_t i = 0; i < src->n; i++) {
        struct table *a = &src->t[i], *b = cat_find(dst, a->name);
        if (!b)
            return reg_fail(c->src, 1,
                            "db copy: the source has a table '%s' that the new register '%s' lacks at the same schema "
                            "version (a klartext bug: the SQLite and PostgreSQL schema steps differ)",
                            a->name, c->res->to);
        for (int j = 0; j < a->ncols; j++) {
            int found = 0;
            for (int k = 0; k < b->ncols && !found; k++)
                if (!strcmp(a->cols[j].name, b->cols[k].name)) found = a->cols[j].type == b->cols[k].type ? 1 : -1;
            if (found != 1)
                return reg_fail(c->src, 1,
                                "db copy: column %s.%s %s in the new register '%s' at the same schema version (a "
                                "klartext bug: the SQLite and PostgreSQL schema steps differ)",
                                a->name, a->cols[j].name, found ? "has another type" : "is missing", c->res->to);
        }
    }
    for (size_t i = 0; i < dst->n; i++)
        if (!cat_find(src, dst->t[i].name))
            return reg_fail(c->src, 1,
                            "db copy: the new register '%s' has a table '%s' that the source lacks at the same schema "
                            "version (a klartext bug: the SQLite and PostgreSQL schema steps differ)",
                            c->res->to, dst->t[i].name);
    return 0;
}

/* the next table whose foreign keys refer only to tables already copied (or to itself), by name */
static struct table *next_table(struct cat *cat)
{
    for (size_t i = 0; i < cat->n; i++) {
        struct table *t = &cat->t[i];
        if (t->done) continue;
        int ready = 1;
        for (int j = 0; j < t->ndeps && ready; j++) {
            struct table *d = cat_find(cat, t->deps[j]);
            if (d && d != t && !d->done) ready = 0;
        }
        if (ready) return t;
    }
    return NULL;
}

/* ---------------------------------------------------------------- rows */

static void vals_clear(struct val *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].p);
        memset(&v[i], 0, sizeof v[i]);
    }
}

/* column J of the current row of S as a value of type TYPE */
static void val_read(db_stmt *s, int j, int type, struct val *v)
{
    free(v->p);
    memset(v, 0, sizeof *v);
    if (db_col_is_null(s, j)) {
        v->null = 1;
    } else if (type == CT_INT) {
        v->i = db_col_int(s, j);
    } else {
        size_t n = 0;
        const void *p = db_col_blob(s, j, &n);
        v->p = xmalloc(n + 1);
        if (n) memcpy(v->p, p, n);
        v->p[n] = 0;
        v->n = n;
    }
}

static int val_bind(db_stmt *s, int idx, int type, const struct val *v)
{
    if (v->null) return db_bind_null(s, idx);
    if (type == CT_INT) return db_bind_int(s, idx, v->i);
    if (type == CT_TEXT) return db_bind_text_ref(s, idx, v->p, v->n);
    return db_bind_blob_ref(s, idx, v->p, v->n);
}

/* "SELECT "a", "b" FROM "t" [WHERE (pk) > (?, …)] ORDER BY pk LIMIT n" (no key: every column, no pages) */
static char *select_sql(const struct table *t, int after)
{
    struct buf b;
    buf_init(&b, BUF_MAX_DEFAULT);
    buf_adds(&b, "SELECT ");
    for (int j = 0; j < t->ncols; j++) buf_addf(&b, "%s\"%s\"", j ? ", " : "", t->cols[j].name);
    buf_addf(&b, " FROM \"%s\"", t->name);
    if (after && t->npk) {
        buf_adds(&b, " WHERE (");
        for (int k = 0; k < t->npk; k++) buf_addf(&b, "%s\"%s\"", k ? ", " : "", t->cols[t->pk[k]].name);
        buf_adds(&b, ") > (");
        for (int k = 0; k < t->npk; k++) buf_adds(&b, k ? ", ?" : "?");
        buf_adds(&b, ")");
    }
    buf_adds(&b, " ORDER BY ");
    int nk = t->npk ? t->npk : t->ncols;
    for (int k = 0; k < nk; k++) buf_addf(&b, "%s\"%s\"", k ? ", " : "", t->cols[t->npk ? t->pk[k] : k].name);
    if (t->npk) buf_addf(&b, " LIMIT %d", page_rows());
    return buf_detach(&b);
}

/* "INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?), …" for N rows */
static char *insert_sql(const struct table *t, int n)
{
    struct buf b;
    buf_init(&b, BUF_MAX_DEFAULT);
    buf_addf(&b, "INSERT INTO \"%s\" (", t->name);
    for (int j = 0; j < t->ncols; j++) buf_addf(&b, "%s\"%s\"", j ? ", " : "", t->cols[j].name);
    buf_adds(&b, ") VALUES ");
    for (int r = 0; r < n; r++) {
        buf_adds(&b, r ? ", (" : "(");
        for (int j = 0; j < t->ncols; j++) buf_adds(&b, j ? ", ?" : "?");
        buf_adds(&b, ")");
    }
    return buf_detach(&b);
}

/* the state of one table's copy */
struct tcopy {
    const struct table *t;
    struct val *rows; /* nbuf rows of ncols values */
    int nbuf, cap;
    struct val *last; /* the primary key of the last row read */
    int64_t done, total;
};

/* write the buffered rows into the target */
static int flush(struct copy *c, struct tcopy *tc)
{
    if (!tc->nbuf) return 0;
    const struct table *t = tc->t;
    char *sql = insert_sql(t, tc->nbuf);
    db_stmt *s = db_prepare(c->t, sql);
    free(sql);
    int bad = !s;
    for (int r = 0; r < tc->nbuf && !bad; r++)
        for (int j = 0; j < t->ncols && !bad; j++)
            bad = val_bind(s, r * t->ncols + j + 1, t->cols[j].type, &tc->rows[r * t->ncols + j]) != DB_OK;
    if (bad || db_step(s) != DB_DONE) {
        char what[160];
        snprintf(what, sizeof what, "writing table '%s' into '%s'", t->name, c->res->to);
        return dberr(c, c->t, what);
    }
    tc->done += tc->nbuf;
    vals_clear(tc->rows, (size_t)tc->nbuf * (size_t)t->ncols);
    tc->nbuf = 0;
    if (c->fn) c->fn(c->arg, t->name, tc->done, tc->total);
    return 0;
}

/* one page of rows (after the key in tc->last unless FIRST); *n: rows read */
static int copy_page(struct copy *c, struct tcopy *tc, const char *sql, int first, int *n)
{
    const struct table *t = tc->t;
    db_stmt *s = db_prepare(c->s, sql);
    int bad = !s;
    /* bound as copies: tc->last changes while the statement runs */
    for (int k = 0; k < t->npk && !first && !bad; k++) {
        const struct val *v = &tc->last[k];
        int type = t->cols[t->pk[k]].type;
        bad = (type == CT_INT    ? db_bind_int(s, k + 1, v->i)
               : type == CT_TEXT ? db_bind_text(s, k + 1, v->p)
                                 : db_bind_blob(s, k + 1, v->p, v->n)) != DB_OK;
    }
    char what[160];
    snprintf(what, sizeof what, "reading table '%s' of '%s'", t->name, db_target(c->s));
    if (bad) return dberr(c, c->s, what);
    int rc;
    *n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        struct val *row = &tc->rows[(size_t)tc->nbuf * (size_t)t->ncols];
        for (int j = 0; j < t->ncols; j++) val_read(s, j, t->cols[j].type, &row[j]);
        for (int k = 0; k < t->npk; k++) val_read(s, t->pk[k], t->cols[t->pk[k]].type, &tc->last[k]);
        (*n)++;
        if (++tc->nbuf == tc->cap && (rc = flush(c, tc))) {
            db_reset(s);
            return rc;
        }
    }
    return rc == DB_ERR ? dberr(c, c->s, what) : 0;
}

static int copy_table(struct copy *c, const struct table *t)
{
    struct tcopy tc = {.t = t};
    char *count = xasprintf("SELECT count(*) FROM \"%s\"", t->name);
    int found, rc = db_query_int(c->s, count, NULL, &tc.total, &found) ? dberr(c, c->s, "counting rows") : 0;
    free(count);
    if (rc) return rc;
    tc.cap = COPY_PARAMS / (t->ncols ? t->ncols : 1);
    if (tc.cap > COPY_ROWS) tc.cap = COPY_ROWS;
    if (tc.cap < 1) tc.cap = 1;
    tc.rows = xcalloc((size_t)tc.cap * (size_t)(t->ncols ? t->ncols : 1), sizeof *tc.rows);
    tc.last = xcalloc((size_t)(t->npk ? t->npk : 1), sizeof *tc.last);
    char *first = select_sql(t, 0), *next = select_sql(t, 1);
    int page = 0, n = 0;
    do rc = copy_page(c, &tc, page ? next : first, page == 0, &n);
    while (!rc && t->npk && n == page_rows() && ++page);
    if (!rc) rc = flush(c, &tc);
    if (!rc && tc.done != tc.total)
        rc = reg_fail(c->src, 1, "db copy: table '%s' of '%s' has %lld rows, but %lld were read", t->name,
                      db_target(c->s), (long long)tc.total, (long long)tc.done);
    free(first);
    free(next);
    vals_clear(tc.rows, (size_t)tc.cap * (size_t)t->ncols);
    vals_clear(tc.last, (size_t)t->npk);
    free(tc.rows);
    free(tc.last);
    if (!rc) {
        struct reg_copy_result *res = c->res;
        res->tables = xrealloc(res->tables, (res->ntables + 1) * sizeof *res->tables);
        res->tables[res->ntables].name = xstrdup(t->name);
        res->tables[res->ntables++].rows = tc.done;
        res->rows += tc.done;
    }
    return rc;
}

/* PostgreSQL: every identity column's counter after the highest value copied */
static int set_identities(struct copy *c, struct cat *dst)
{
    if (!is_pg(c->t)) return 0;
    for (size_t i = 0; i < dst->n; i++)
        for (int j = 0; j < dst->t[i].ncols; j++) {
            if (!dst->t[i].cols[j].identity) continue;
            const char *tn = dst->t[i].name, *cn = dst->t[i].cols[j].name;
            char *sql = xasprintf("SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'),"
                                  " coalesce((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false)",
                                  tn, cn, cn, tn);
            db_stmt *s = db_prepare(c->t, sql);
            free(sql);
            if (!s || db_step(s) != DB_ROW) return dberr(c, c->t, "setting the identity counters");
            db_reset(s);
        }
    /* statistics of the columns klartext's statements need, and of no person's data: ANALYZE
       copies sample values into pg_statistic, where a later purge would not reach them (analyze.h) */
    char sql[1024];
    if (reg_analyze_sql(sql, sizeof sql)) return dberr(c, c->t, "ANALYZE");
    return db_exec(c->t, sql) ? dberr(c, c->t, "ANALYZE") : 0;
}

/* The target's own triggers are off while the rows go in, and on again before the commit: a
   BEFORE INSERT trigger may rewrite a copied value (the audit trail's login is set to the
   session's on PostgreSQL), which would change what the source's chain hashed. The guards
   against UPDATE and DELETE do not matter to inserts, but are off too. Nobody else sees the
   tables before the commit. PostgreSQL: ALTER TABLE … DISABLE/ENABLE TRIGGER USER, and the
   foreign keys dropped and added again after the rows (then each is checked by one query
   instead of one look-up per row: the copy is several times faster); SQLite has no switch: the
   triggers are dropped and made again from their text in sqlite_schema (its foreign-key checks
   are cheap and stay on). */
struct triggers {
    char **sql; /* what puts them back: CREATE TRIGGER texts (SQLite), ADD CONSTRAINT (PostgreSQL) */
    size_t n;
};

/* the objects QUERY lists (table, name, text), dropped, with the statements that make them
   again kept in TG: SQLite's triggers (PG 0), PostgreSQL's foreign keys (PG 1) */
static int drop_kept(struct copy *c, const char *query, int pg, struct triggers *tg)
{
    db_stmt *s = db_prepare(c->t, query);
    char **drops = NULL;
    size_t n = 0;
    int rc = DB_DONE, bad = !s;
    while (s && (rc = db_step(s)) == DB_ROW) {
        const char *t = db_col_text(s, 0), *name = db_col_text(s, 1), *text = db_col_text(s, 2);
        if (!ident_ok(t) || !ident_ok(name) || !text) bad = 1;
        if (bad) continue;
        drops = xrealloc(drops, (n + 1) * sizeof *drops);
        tg->sql = xrealloc(tg->sql, (tg->n + 1) * sizeof *tg->sql);
        if (pg) {
            drops[n++] = xasprintf("ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\"", t, name);
            tg->sql[tg->n++] = xasprintf("ALTER TABLE \"%s\" ADD CONSTRAINT \"%s\" %s", t, name, text);
        } else {
            drops[n++] = xasprintf("DROP TRIGGER \"%s\"", name);
            tg->sql[tg->n++] = xstrdup(text);
        }
    }
    bad = bad || rc == DB_ERR;
    for (size_t i = 0; i < n; i++) {
        if (!bad && db_exec(c->t, drops[i])) bad = 1;
        free(drops[i]);
    }
    free(drops);
    return bad ? dberr(c, c->t, "turning the triggers off for the copy") : 0;
}

static int triggers_off(struct copy *c, struct cat *dst, struct triggers *tg)
{
    if (!is_pg(c->t))
        return drop_kept(c, "SELECT tbl_name, name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name", 0,
                         tg);
    for (size_t i = 0; i < dst->n; i++) {
        char *sql = xasprintf("ALTER TABLE \"%s\" DISABLE TRIGGER USER", dst->t[i].name);
        int rc = db_exec(c->t, sql);
        free(sql);
        if (rc) return dberr(c, c->t, "turning the triggers off for the copy");
    }
    return drop_kept(c,
                     "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
                     " JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
                     " WHERE k.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2",
                     1, tg);
}

static int triggers_on(struct copy *c, struct cat *dst, struct triggers *tg)
{
    int bad = 0;
    for (size_t i = 0; is_pg(c->t) && i < dst->n && !bad; i++) {
        char *sql = xasprintf("ALTER TABLE \"%s\" ENABLE TRIGGER USER", dst->t[i].name);
        bad = db_exec(c->t, sql) != DB_OK;
        free(sql);
    }
    for (size_t i = 0; i < tg->n && !bad; i++) bad = db_exec(c->t, tg->sql[i]) != DB_OK;
    return bad ? dberr(c, c->t, "turning the triggers and foreign keys on again") : 0;
}

static void triggers_free(struct triggers *tg)
{
    for (size_t i = 0; i < tg->n; i++) free(tg->sql[i]);
    free(tg->sql);
}

/* ---------------------------------------------------------------- the copy */

/* PostgreSQL: the group roles and their grants (roles.c), as init makes them: BEFORE the steps
   the roles are checked (or this login may create them), AFTER them created and granted */
static int pg_roles(struct copy *c, int creating, int after)
{
    int isdb = 0;
    char err[REG_ERRLEN];
    if (!roles_pg_setup(c->t, creating, after, &isdb, err, sizeof err)) return 0;
    return isdb ? dberr(c, c->t, "the group roles") : reg_fail(c->src, 1, "db copy: %s", err);
}

/* the target's schema: its backend's steps up to VERSION, without their audit entries (the
   source's trail is copied), and on PostgreSQL the group roles' grants */
static int make_schema(struct copy *c, int64_t version)
{
    int pg = is_pg(c->t), rc;
    const struct schema_step *steps = pg ? schema_pg_steps : schema_steps;
    size_t n = pg ? schema_pg_nsteps : schema_nsteps;
    int64_t made = 0;
    if (pg && (rc = pg_roles(c, 1, 0))) return rc;
    for (size_t i = 0; i < n && steps[i].version <= version; i++) {
        if (db_exec(c->t, steps[i].sql) || (steps[i].fn && steps[i].fn(c->t)))
            return dberr(c, c->t, "creating the schema");
        made = steps[i].version;
    }
    if (pg && (rc = pg_roles(c, 0, 1))) return rc;
    if (made != version)
        return reg_fail(c->src, 1,
                        "db copy: the source '%s' has schema version %lld, but this klartext makes %s registers only "
                        "up to version %lld",
                        db_target(c->s), (long long)version, db_backend(c->t), (long long)made);
    return 0;
}

/* TO must not be a register, nor hold one's tables; on success *out is the new, empty database */
static int open_target(struct copy *c, const char *to, struct cat *src, db **out)
{
    char err[REG_ERRLEN];
    int kind;
    *out = NULL;
    if (!db_is_url(to)) {
        struct stat st;
        if (stat(to, &st) == 0)
            return reg_fail(c->src, 2, "'%s' already exists: db copy makes a new register and never writes over a file",
                            to);
    } else {
        db *probe = db_open(to, DB_OPEN_READONLY, err, sizeof err, &kind);
        if (probe) {
            int rc = reg_fail(c->src, 2,
                              "'%s' already holds a klartext register: db copy writes only into a database without one",
                              db_target(probe));
            db_close(probe);
            return rc;
        }
        if (kind != DB_ENOTFOUND) return reg_fail(c->src, kind == DB_EINVAL ? 2 : 1, "%s", err);
    }
    db *t = db_open(c->tmp ? c->tmp : to, DB_OPEN_CREATE, err, sizeof err, &kind);
    if (!t) return reg_fail(c->src, kind == DB_EINVAL ? 2 : 1, "%s", err);
    free(c->res->to);
    c->res->to = xstrdup(c->tmp ? to : db_target(t));
    for (size_t i = 0; i < src->n; i++) {
        int has = 0;
        if (db_has_table(t, src->t[i].name, &has) || has) {
            int rc = has ? reg_fail(c->src, 2,
                                    "'%s' already has a table '%s': db copy writes only into a database without a "
                                    "register's tables",
                                    c->res->to, src->t[i].name)
                         : dberr(c, t, "reading the catalogue");
            db_close(t);
            return rc;
        }
    }
    *out = t;
    return 0;
}

/* a PostgreSQL target from schema step 15 on: exposure is partitioned by scan version
   (schema_pg.c pv15), so every scan of the source gets its partition, made before the rows come
   (the copy's login made the schema and owns it) */
static int pg_partitions(struct copy *c, int64_t version)
{
    if (!is_pg(c->t) || version < 15) return 0;
    db_stmt *s = db_prepare(c->s, "SELECT id FROM scan UNION SELECT scan_id FROM exposure ORDER BY 1");
    if (!s) return dberr(c, c->s, "reading the scans");
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        char sql[160];
        long long id = (long long)db_col_int(s, 0);
        snprintf(sql, sizeof sql, "CREATE TABLE \"exposure_%lld\" PARTITION OF exposure FOR VALUES IN (%lld)", id, id);
        if (db_exec(c->t, sql)) {
            db_reset(s);
            return dberr(c, c->t, "making the partitions of table 'exposure'");
        }
    }
    return rc == DB_ERR ? dberr(c, c->s, "reading the scans") : 0;
}

/* the schema, every table, the counters and the audit entry, in the target's transaction */
static int copy_all(struct copy *c, struct cat *src, int64_t version)
{
    struct cat dst = {0};
    struct triggers tg = {0};
    int rc = make_schema(c, version);
    if (!rc) rc = cat_read(c, c->t, &dst);
    if (!rc) rc = cat_match(c, src, &dst);
    if (!rc) rc = triggers_off(c, &dst, &tg);
    if (!rc) rc = pg_partitions(c, version);
    for (struct table *t; !rc && (t = next_table(src));) {
        rc = copy_table(c, t);
        t->done = 1;
    }
    for (size_t i = 0; !rc && i < src->n; i++)
        if (!src->t[i].done)
            rc = reg_fail(c->src, 1, "db copy: the foreign keys of table '%s' form a circle", src->t[i].name);
    if (!rc) rc = triggers_on(c, &dst, &tg);
    if (!rc) rc = set_identities(c, &dst);
    triggers_free(&tg);
    cat_free(&dst);
    if (rc) return rc;
    /* the copy's own entry, chained after the source's last one, by this command's actor */
    reg tr = {.d = c->t, .path = c->res->to, .actor = c->src->actor, .command = c->src->command, .now = c->src->now};
    char what[400];
    snprintf(what, sizeof what, "%s (%s, schema version %lld, %lld rows)", db_target(c->s), db_backend(c->s),
             (long long)version, (long long)c->res->rows);
    if (reg_audit(&tr, NULL, "register.copy", "from", NULL, what)) return reg_fail(c->src, 1, "db copy: %s", tr.err);
    return 0;
}

static void remove_file(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char *p = xasprintf("%s%s", path, ext[i]);
        unlink(p);
        free(p);
    }
}

/* DIR/.NAME.copy-PID-N beside TO, a name nothing has */
static char *temp_name(const char *to)
{
    const char *slash = strrchr(to, '/');
    int dl = slash ? (int)(slash - to + 1) : 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (unsigned n = (unsigned)ts.tv_nsec;; n++) {
        struct stat st;
        char *p = xasprintf("%.*s.%s.copy-%ld-%u", dl, to, to + dl, (long)getpid(), n % 1000000);
        if (lstat(p, &st) && errno == ENOENT) return p;
        free(p);
    }
}

/* fsync PATH (a file or a directory); 0 or -1 with errno */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0) return -1;
    int rc = fsync(fd), e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* the committed and closed copy at C->tmp gets its name C->to, which it never takes from another
   file; then it and the directory are on disk */
static int publish(struct copy *c)
{
    const char *to = c->to;
    if (sync_path(c->tmp, 0))
        return reg_fail(c->src, 1, "db copy: cannot write '%s' to disk: %s", c->tmp, strerror(errno));
    if (link(c->tmp, to)) { /* output-ok: the new register takes its name once whole; link never replaces */
        if (errno == EEXIST)
            return reg_fail(c->src, 2,
                            "'%s' already exists (made while the copy ran): db copy never writes over a file", to);
        return reg_fail(c->src, 1, "db copy: cannot give the copy its name '%s': %s", to, strerror(errno));
    }
    unlink(c->tmp);
    const char *slash = strrchr(to, '/');
    char *dir = slash ? xstrndup(to, slash == to ? 1 : (size_t)(slash - to)) : xstrdup(".");
    int rc = sync_path(dir, O_DIRECTORY)
                 ? reg_fail(c->src, 1, "db copy: cannot write the directory '%s' to disk: %s", dir, strerror(errno))
                 : 0;
    free(dir);
    return rc;
}

int reg_copy(reg *src, const char *to, reg_copy_progress fn, void *arg, struct reg_copy_result *out)
{
    memset(out, 0, sizeof *out);
    struct copy c = {.src = src, .s = src->d, .to = to, .fn = fn, .arg = arg, .res = out};
    if (!db_is_url(to)) c.tmp = temp_name(to);
    out->to = xstrdup(to); /* a URI: without its password once it is open (open_target) */
    struct cat cat = {0};
    int rc = reg_schema_version(src, &out->schema_version);
    /* one snapshot of the source for the whole copy */
    if (!rc && db_exec(c.s, is_pg(c.s) ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"))
        rc = dberr(&c, c.s, "reading the source");
    int snap = !rc;
    if (!rc) rc = cat_read(&c, c.s, &cat);
    if (!rc) rc = open_target(&c, to, &cat, &c.t);
    int made = !rc;
    if (!rc && db_begin(c.t)) rc = dberr(&c, c.t, "starting the copy's transaction");
    if (!rc) rc = copy_all(&c, &cat, out->schema_version);
    if (!rc && db_commit(c.t)) rc = dberr(&c, c.t, "committing the copy");
    if (rc && c.t) db_rollback(c.t);
    /* one file, no -wal beside it, before it takes its name */
    if (!rc && c.tmp && db_exec(c.t, "PRAGMA journal_mode = DELETE")) rc = dberr(&c, c.t, "closing the copy");
    if (snap) db_exec(c.s, "COMMIT");
    db_close(c.t);
    cat_free(&cat);
    if (!rc && c.tmp) rc = publish(&c);
    if (rc && made && c.tmp) remove_file(c.tmp);
    free(c.tmp);
    return rc;
}

void reg_copy_result_free(struct reg_copy_result *res)
{
    for (size_t i = 0; i < res->ntables; i++) free(res->tables[i].name);
    free(res->tables);
    free(res->to);
    memset(res, 0, sizeof *res);
}
