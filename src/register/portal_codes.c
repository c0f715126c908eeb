/* portal_codes.c — the notices' code lookup hashes in id order, the log's leaf hashes in index
 * order (portal_codes.h). */
#include "register/portal_codes.h"
#include "register/reg_int.h"
#include <string.h>

int portal_codes_after(reg *r, int64_t after, portal_codes_fn fn, void *ctx, int64_t *last)
{
    *last = after;
    /* substr of a blob/bytea is the same text in SQLite and PostgreSQL: 8 bytes a row, not 32 */
    db_stmt *s = db_prepare(reg_db(r),
                            "SELECT id, substr(code_hash, 1, 8) FROM notice WHERE id > ? ORDER BY id LIMIT ?");
    if (!s) return reg_dberr(r);
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
            int rc = fn(ctx, id, prefix);
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
