/* analyze.h — the database's statistics after a bulk write (issue 16: the 100,000-people cliff).
 *
 * PostgreSQL plans every statement from statistics of the tables (pg_class.reltuples, pg_statistic)
 * that only ANALYZE makes; autovacuum runs it in the background, but up to a minute late
 * (autovacuum_naptime), and never for rows a database got from its template. A statement that
 * joins per person over tables written a moment ago in bulk (a scan's exposure, a subjects
 * import, the notices of a notify run) was planned for tables of a few hundred rows: the count
 * of people not yet reached at the end of `notify --out` for 100,000 people took 4 min 40 s
 * instead of a fraction of a second. reg_analyze does at once what autovacuum would do later.
 *
 * reg_analyze(r, what, rows), called after the transaction that wrote ROWS rows of WHAT has
 * committed: on PostgreSQL, ANALYZE — of the columns analyze.c names, never a person's name,
 * address, identifier or message: ANALYZE copies sample values into pg_statistic, where a purge
 * does not reach them — of those of WHAT's tables that were never analyzed or whose
 * ROWS reach autovacuum's own rule (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor
 * × the rows the table had at its last ANALYZE; 50 + 10 % by default), and that the login may
 * analyze (PostgreSQL 15: the table's owner or the database's; for any other login the tables
 * are left to autovacuum, and the statements that count per person are written to stay linear
 * without statistics, docs/team.md). On SQLite nothing: its planner uses the indexes without
 * statistics, and klartext never runs ANALYZE there (the sqlite_stat tables would change its
 * plans, not its output).
 *
 * Statistics are a help, never data: a failed ANALYZE (the server gone, a lock) is not an error
 * of the command; reg_analyze returns 0 always, and the next statement meets whatever happened
 * to the connection. It must not be called inside a transaction (it returns 0 doing nothing). */
#ifndef KT_ANALYZE_H
#define KT_ANALYZE_H
#include <stdint.h>
#include "register/register.h"

enum reg_bulk {
    REG_BULK_SCAN, /* a scan version stored: exposure */
    REG_BULK_SUBJECTS, /* a subjects import: subject */
    REG_BULK_NOTICES, /* notices made: notice, outbox, tlog_entry */
    REG_BULK_STATES /* outbox states changed (notices sent, requeued, cancelled): outbox, notice_event */
};
int reg_analyze(reg *r, enum reg_bulk what, int64_t rows);
/* "ANALYZE t (columns), …" of every table above with only its columns (never a person's data),
   into OUT: for a whole register written at once (db copy to PostgreSQL); 0, or -1 when LEN is
   too small */
int reg_analyze_sql(char *out, size_t len);

#endif
