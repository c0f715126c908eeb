/* portal_codes.c — the notices' code lookup hashes in id order, the log's leaf hashes in index
 * order, the rest of the portal's whole answer in one statement (portal_codes.h). */
#include "register/portal_codes.h"
#include "register/outbox_row.h"
#include "register/reg_int.h"
#include "sign/code.h"
#include "util/semilist.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the rows of S (its parameters: the id to start after, the page size) to FN, page after page */
static int codes_walk(reg *r, db_stmt *s, int64_t after, portal_codes_fn fn, void *ctx, int64_t *last)
{
    *last = after;
    for (;;) {
        int64_t rows = 0;
        if (db_bind_int(s, 1, *last) || db_bind_int(s, 2, PORTAL_CODES_PAGE)) return reg_dberr(r);
        int st;
        while ((st = db_step(s)) == DB_ROW) {
            size_t n = 0;
            const uint8_t *h = db_col_blob(s, 1, &n);
            uint8_t prefix[PORTAL_CODES_PREFIX] = {0};
            if (h) memcpy(prefix, h, n < sizeof prefix ? n : sizeof prefix);
            int64_t id = db_col_int(s, 0);
            const char *rcpt = db_col_text(s, 2);
            int rc = fn(ctx, id, prefix, rcpt ? rcpt : "", db_col_int(s, 3) != 0);
            if (rc) {
                db_reset(s);
                return rc;
            }
            *last = id;
            rows++;
        }
        db_reset(s);
        if (st == DB_ERR) return reg_dberr(r);
        if (rows < PORTAL_CODES_PAGE) return 0;
    }
}

/* substr of a blob/bytea is the same text in SQLite and PostgreSQL: 8 bytes a row, not 32 */
#define CODES_SQL \
    "SELECT id, substr(code_hash, 1, 8), rcpt, CASE WHEN message_codec = 'purged' THEN 1 ELSE 0 END FROM notice "

int portal_codes_after(reg *r, int64_t after, portal_codes_fn fn, void *ctx, int64_t *last)
{
    db_stmt *s = db_prepare(reg_db(r), CODES_SQL "WHERE id > ? ORDER BY id LIMIT ?");
    if (!s) return reg_dberr(r);
    return codes_walk(r, s, after, fn, ctx, last);
}

int portal_purge_mark(reg *r, int64_t *mark)
{
    *mark = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT coalesce(max(id), 0) FROM purge");
    if (!s) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) *mark = db_col_int(s, 0);
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

int portal_purged(reg *r, portal_codes_fn fn, void *ctx)
{
    db_stmt *s = db_prepare(reg_db(r), CODES_SQL "WHERE message_codec = 'purged' AND id > ? ORDER BY id LIMIT ?");
    if (!s) return reg_dberr(r);
    int64_t last = 0;
    return codes_walk(r, s, 0, fn, ctx, &last);
}

/* the newest log entry of kind 'notice' with the notice's id as ref, as tlog_find finds it, by
   the index (kind, ref). On PostgreSQL ordered by "idx + 0": the column ref has no statistics
   (analyze.c keeps identifiers out of them), so the planner guesses 10 rows of (kind, ref) and
   would rather walk the primary key backward from the end of the log until it meets one — every
   entry after the notice's read and filtered, hundreds of microseconds at 2,000 entries and
   more with each one written. "+ 0" takes that order away from the primary key: the (kind, ref)
   index and a sort of the one or two entries found. SQLite reads (kind, ref, rowid) in order.
   Two subqueries (index, salt), not one lateral join: PostgreSQL's generic plan put a Memoize
   node (a hash table set up at every call) above the join, and the whole answer cost more server
   CPU that way (pgbench, docs/performance.md, pg-portal4). */
#define DETAIL_LOG_SQL(order, col) \
    "(SELECT l." col " FROM tlog_entry l WHERE l.kind = 'notice' AND l.ref = n.notice_id ORDER BY " order \
    " DESC LIMIT 1), "
#define DETAIL_LOG(order) DETAIL_LOG_SQL(order, "idx") DETAIL_LOG_SQL(order, "salt")
/* the detail's columns (DETAIL_NCOLS), from notice n, outbox o and the joins of DETAIL_JOINS: the
   log's columns as LOG gives them; whether the person has other notices of the incident (any
   state: the list is then read, outbox_person_notices) — an EXISTS on the index notice_subject,
   not a count with each notice's outbox state, whose aggregate and nested subquery PostgreSQL
   set up at every call */
#define DETAIL_COLS(log) \
    "e.subject, e.first_seen, e.last_seen, e.views, e.viewers, e.signed_in_viewers, e.anonymous_viewers, " \
    "e.pages, e.fields, s.timezone, " log "CASE WHEN EXISTS (SELECT 1 FROM notice p WHERE p.incident_id = " \
    "n.incident_id AND p.subject = n.subject AND p.id <> n.id) THEN 1 ELSE 0 END, " \
    "CASE WHEN o.state = 'superseded' THEN 1 ELSE 0 END "
#define DETAIL_JOINS \
    "LEFT JOIN exposure e ON e.scan_id = n.scan_id AND e.subject = n.subject " \
    "LEFT JOIN subject s ON s.import_id = n.import_id AND s.subject = n.subject "
#define DETAIL_SQL(order) \
    "SELECT " DETAIL_COLS(DETAIL_LOG(order)) "FROM notice n LEFT JOIN outbox o ON o.notice = n.id " DETAIL_JOINS \
                                             "WHERE n.id = ?"
/* the portal's notice row: outbox_find_code's, but with -1 for "purged" instead of when, which
   portal_purged_at reads then: a subquery in the statement, though never run for a notice that
   was not purged, costs PostgreSQL its set-up at every call (an aggregate and an index scan:
   about 8 % of the row's server CPU, perf) */
#define PORTAL_ROW_COLS OUTBOX_ROW_COLS_WITH("CASE WHEN n.message_codec = 'purged' THEN -1 ELSE 0 END")
#define PORTAL_ROW_SQL "SELECT " PORTAL_ROW_COLS OUTBOX_ROW_FROM "WHERE n.code_hash = ?"
/* the notice's row as portal_find_code reads it, then the detail's columns */
#define CODE_DETAIL_SQL(order) \
    "SELECT " PORTAL_ROW_COLS ", " DETAIL_COLS(DETAIL_LOG(order)) OUTBOX_ROW_FROM DETAIL_JOINS "WHERE n.code_hash = ?"

/* NI's purged_at when the row said -1 (purged), as OUTBOX_ROW_PURGED_AT gives it: 0, or 1 */
static int portal_purged_at(reg *r, struct notice_info *ni)
{
    if (ni->purged_at != -1) return 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT coalesce(max(p.at), 1) FROM purge p WHERE p.incident_id = ? AND "
                                       "p.kind = 'notices'");
    if (!s || db_bind_int(s, 1, ni->incident_id)) return reg_dberr(r);
    int st = db_step(s);
    ni->purged_at = st == DB_ROW ? db_col_int(s, 0) : 1;
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

/* the detail's columns of S's row, from column C on, into D */
static void detail_fill(db_stmt *s, int c, struct portal_detail *d)
{
    if (!db_col_is_null(s, c)) {
        const char *subject = db_col_text(s, c), *fields = db_col_text(s, c + 8);
        subject = subject ? subject : "";
        fields = fields ? fields : "";
        size_t ls = strlen(subject) + 1, lf = strlen(fields) + 1;
        char *tail;
        const char *pages = db_col_text(s, c + 7);
        semilist_split_extra(pages ? pages : "", &d->ex.pages, &d->ex.npages, ls + lf, &tail);
        d->ex.subject = memcpy(tail, subject, ls);
        d->ex.fields = memcpy(tail + ls, fields, lf);
        d->ex.first_seen = db_col_int(s, c + 1);
        d->ex.last_seen = db_col_int(s, c + 2);
        d->ex.views = db_col_int(s, c + 3);
        d->ex.viewers = db_col_int(s, c + 4);
        d->ex.signed_in_viewers = db_col_int(s, c + 5);
        d->ex.anonymous_viewers = db_col_int(s, c + 6);
        d->have_exposure = 1;
    }
    if (!db_col_is_null(s, c + 9)) {
        const char *z = db_col_text(s, c + 9);
        snprintf(d->zone, sizeof d->zone, "%s", z ? z : "");
        d->have_zone = 1;
    }
    if (!db_col_is_null(s, c + 10)) {
        d->have_log = 1;
        d->log_idx = db_col_int(s, c + 10);
        size_t n = 0;
        const void *salt = db_col_blob(s, c + 11, &n);
        if (salt && n == TLOG_SALT_LEN) {
            memcpy(d->salt, salt, TLOG_SALT_LEN);
            d->have_salt = 1;
        }
    }
    d->others = db_col_int(s, c + 12) != 0;
    d->superseded = db_col_int(s, c + 13) != 0;
}

int portal_notice_detail(reg *r, int64_t notice_row, struct portal_detail *d)
{
    memset(d, 0, sizeof *d);
    /* the exposure and the directory's row by their keys; the log entry (DETAIL_LOG_SQL); whether
       the person has other notices (index notice_subject) */
    db_stmt *s = db_prepare(reg_db(r), reg_is_pg(r) ? DETAIL_SQL("l.idx + 0") : DETAIL_SQL("l.idx"));
    if (!s || db_bind_int(s, 1, notice_row)) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) detail_fill(s, 0, d);
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

/* the notice whose code has HASH, read by SQL (a notice row, then with D the detail's columns):
   the whole hash compared in constant time after the index lookup, as outbox_find_code does;
   a purged notice's date read then (portal_purged_at) */
static int find_by_code(reg *r, const char *sql, const uint8_t hash[32], struct notice_info *ni, int *found,
                        struct portal_detail *d)
{
    memset(ni, 0, sizeof *ni);
    if (d) memset(d, 0, sizeof *d);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s || db_bind_blob(s, 1, hash, 32)) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) {
        outbox_row_fill(s, ni);
        if (d) detail_fill(s, OUTBOX_ROW_NCOLS, d);
        *found = 1;
    }
    db_reset(s);
    if (st == DB_ERR) return reg_dberr(r);
    int rc = 0;
    if (*found && (!code_equal_ct(ni->code_hash, hash, 32) || (rc = portal_purged_at(r, ni)))) {
        notice_info_release(ni);
        if (d) portal_detail_release(d);
        *found = 0;
    }
    return rc;
}

int portal_find_code_detail(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found, struct portal_detail *d)
{
    return find_by_code(r, reg_is_pg(r) ? CODE_DETAIL_SQL("l.idx + 0") : CODE_DETAIL_SQL("l.idx"), hash, ni, found, d);
}

int portal_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found)
{
    return find_by_code(r, PORTAL_ROW_SQL, hash, ni, found, NULL);
}

void portal_detail_release(struct portal_detail *d)
{
    free(d->ex.pages);
    memset(d, 0, sizeof *d);
}

/* the entries FROM <= idx < TO, checked to be all there */
static int leaves_range(reg *r, int64_t from, int64_t to, portal_leaves_fn fn, void *ctx)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT idx, leaf_hash FROM tlog_entry WHERE idx >= ? AND idx < ? ORDER BY idx");
    if (!s) return reg_dberr(r);
    int64_t next = from;
    while (next < to) {
        int64_t stop = to - next > PORTAL_CODES_PAGE ? next + PORTAL_CODES_PAGE : to;
        if (db_bind_int(s, 1, next) || db_bind_int(s, 2, stop)) return reg_dberr(r);
        int st = DB_DONE, rc = 0;
        while (!rc && (st = db_step(s)) == DB_ROW) {
            size_t n = 0;
            const uint8_t *h = db_col_blob(s, 1, &n);
            if (db_col_int(s, 0) != next || !h || n != 32) {
                db_reset(s);
                return reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')",
                                (long long)next);
            }
            rc = fn(ctx, next++, h);
        }
        db_reset(s);
        if (rc) return rc;
        if (st == DB_ERR) return reg_dberr(r);
        if (next < stop)
            return reg_fail(r, 1, "the transparency log is damaged at entry %lld (run 'klartext log verify')",
                            (long long)next);
    }
    return 0;
}

int portal_leaves(reg *r, int64_t from, int64_t to, int64_t from2, int64_t to2, portal_leaves_fn fn, void *ctx)
{
    int rc = leaves_range(r, from, to, fn, ctx);
    return rc || from2 >= to2 ? rc : leaves_range(r, from2, to2, fn, ctx);
}
