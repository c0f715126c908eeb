/* analyze.c — PostgreSQL's ANALYZE after a bulk write (analyze.h). */
#include "register/analyze.h"
#include "register/reg_int.h"
#include <stdio.h>
#include <string.h>

static const char *const bulk_tables[] = {
    [REG_BULK_SCAN] = "{exposure}",
    [REG_BULK_SUBJECTS] = "{subject}",
    [REG_BULK_NOTICES] = "{notice,outbox,tlog_entry}",
    [REG_BULK_STATES] = "{outbox,notice_event}",
};

/* The columns ANALYZE may read, table by table: the ones the register's statements select, join
 * and group on, never a person's name, e-mail or postal address, subject identifier, viewer,
 * recipient, message, code hash or a server's reply. ANALYZE copies sample values of the columns
 * it reads (most common values, histogram bounds) into pg_statistic, where a purge would not
 * delete them (t2071: a purged name must be in none of the database's files). Without
 * statistics of the left-out columns the planner assumes many distinct values: joins on them are
 * estimated large, which leads to hash and merge joins, not to loops. */
static const struct {
    const char *table, *columns;
} analyze_columns[] = {
    {"exposure", "scan_id"},
    {"subject", "import_id"},
    {"notice", "incident_id, seq, kind, scan_id, import_id, approval_id, follows, dict_id, message_codec, lang, "
               "created_at"},
    {"outbox", "notice, incident_id, state, attempts, permanent, next_at"},
    {"tlog_entry", "idx, kind, created_at"},
    {"notice_event", "notice, at, state, attempt"},
};

#define NCOLUMNS (sizeof analyze_columns / sizeof analyze_columns[0])
#define ANALYZE "ANALYZE " /* then the list */
#define LIST_MAX 512 /* reg_analyze's list: the newest partitions that fit (tables_due) */

static const char *columns_of(const char *table)
{
    for (size_t i = 0; i < NCOLUMNS; i++)
        if (!strcmp(analyze_columns[i].table, table)) return analyze_columns[i].columns;
    return NULL;
}

/* "TABLE (COLUMNS)" added to the list in LIST (", " after an entry before it): 0, or -1 with the
   list as it was when the entry does not fit into LEN */
static int list_add(char *list, size_t len, const char *table, const char *columns)
{
    size_t n = strlen(list);
    int k = snprintf(list + n, len - n, "%s%s (%s)", n ? ", " : "", table, columns);
    if (k >= 0 && (size_t)k < len - n) return 0;
    list[n] = 0;
    return -1;
}

/* WHAT's tables (in the register's schema) that need it after ROWS rows and that this login may
 * analyze, each with its columns, as "a (x, y), b (z)" into LIST; 0 or -1. A partitioned table
 * (exposure, one partition per scan version: schema step 15) is not analyzed itself — PostgreSQL
 * 15 would sample every partition again, a cost that grows with each version (0.6, 0.8, 0.9 s
 * after the 2nd, 3rd, 4th store of the 2 GB scan, more than the store) — but its partitions that
 * were never analyzed, the one a store has just written among them, as autovacuum analyzes
 * partitions and never their parent; a partition with its parent's columns */
static int tables_due(db *d, enum reg_bulk what, int64_t rows, char *list, size_t len)
{
    db_stmt *s = db_prepare(
        d, "SELECT c.relname, CASE WHEN c.relispartition THEN (SELECT p.relname FROM pg_inherits i JOIN pg_class p "
           "ON p.oid = i.inhparent WHERE i.inhrelid = c.oid LIMIT 1) ELSE c.relname END "
           "FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace "
           "WHERE ns.nspname = current_schema() AND c.relkind = 'r' AND (c.relname = ANY(?1::text[]) "
           "OR (c.relispartition AND pg_stat_get_last_analyze_time(c.oid) IS NULL "
           "AND pg_stat_get_last_autoanalyze_time(c.oid) IS NULL AND EXISTS (SELECT 1 FROM pg_inherits i "
           "JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid AND p.relname = ANY(?1::text[])))) "
           "AND (c.reltuples < 0 OR ?2 >= current_setting('autovacuum_analyze_threshold')::float8 "
           "+ current_setting('autovacuum_analyze_scale_factor')::float8 * c.reltuples) "
           "AND (pg_has_role(c.relowner, 'USAGE') OR pg_has_role((SELECT datdba FROM pg_database "
           "WHERE datname = current_database()), 'USAGE')) ORDER BY c.oid DESC");
    if (!s || db_bind_text(s, 1, bulk_tables[what]) || db_bind_int(s, 2, rows)) return -1;
    int rc;
    *list = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *cols = columns_of(db_col_text(s, 1));
        if (!cols) continue; /* cannot happen: bulk_tables names only tables of analyze_columns */
        if (list_add(list, len, db_col_text(s, 0), cols))
            break; /* the newest partitions first; the rest are autovacuum's */
    }
    db_reset(s);
    return rc == DB_ERR ? -1 : 0;
}

int reg_analyze(reg *r, enum reg_bulk what, int64_t rows)
{
    db *d = reg_db(r);
    if (!reg_is_pg(r) || db_in_tx(d) || rows <= 0) return 0;
    char sql[sizeof ANALYZE + LIST_MAX] = ANALYZE, *list = sql + strlen(ANALYZE);
    if (tables_due(d, what, rows, list, LIST_MAX) || !*list) return 0;
    db_exec(d, sql); /* statistics only: a failure is not the command's (analyze.h) */
    return 0;
}

int reg_analyze_sql(char *out, size_t len)
{
    if (len < sizeof ANALYZE) return -1;
    memcpy(out, ANALYZE, sizeof ANALYZE);
    for (size_t i = 0; i < NCOLUMNS; i++)
        if (list_add(out + strlen(ANALYZE), len - strlen(ANALYZE), analyze_columns[i].table,
                     analyze_columns[i].columns))
            return -1;
    return 0;
}
