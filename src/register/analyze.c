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

/* WHAT's tables (in the register's schema) that need it after ROWS rows and that this login may
 * analyze, as "a, b" into LIST; 0 or -1. A partitioned table (exposure, one partition per scan
 * version: schema step 15) is not analyzed itself — PostgreSQL 15 would sample every partition
 * again, a cost that grows with each version (0.6, 0.8, 0.9 s after the 2nd, 3rd, 4th store of
 * the 2 GB scan, more than the store) — but its partitions that were never analyzed, the one a
 * store has just written among them, as autovacuum analyzes partitions and never their parent */
static int tables_due(db *d, enum reg_bulk what, int64_t rows, char *list, size_t len)
{
    db_stmt *s = db_prepare(
        d, "SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace "
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
        const char *t = db_col_text(s, 0);
        size_t n = strlen(list), k = strlen(t);
        if (n + k + 3 > len) break; /* the newest partitions first; the rest are autovacuum's */
        if (n) {
            memcpy(list + n, ", ", 2);
            n += 2;
        }
        memcpy(list + n, t, k + 1);
    }
    db_reset(s);
    return rc == DB_ERR ? -1 : 0;
}

int reg_analyze(reg *r, enum reg_bulk what, int64_t rows)
{
    db *d = reg_db(r);
    if (!reg_is_pg(r) || db_in_tx(d) || rows <= 0) return 0;
    char list[128], sql[160];
    if (tables_due(d, what, rows, list, sizeof list) || !*list) return 0;
    snprintf(sql, sizeof sql, "ANALYZE %s", list);
    db_exec(d, sql); /* statistics only: a failure is not the command's (analyze.h) */
    return 0;
}
