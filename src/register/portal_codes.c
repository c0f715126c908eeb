/* portal_codes.c — the notices' code lookup hashes in id order (portal_codes.h). */
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
