/* bounces.c — returned mail in the register (bounces.h). */
#include "register/bounces.h"
#include "register/reg_int.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

int bounce_add(reg *r, const struct bounce_new *b, int *added)
{
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d, "INSERT INTO notice_bounce(notice, incident_id, at, kind, status, action, diagnostic, "
                               "source, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                               "ON CONFLICT(notice, sha256) DO NOTHING");
    if (!s || db_bind_int(s, 1, b->notice) || db_bind_int(s, 2, b->incident_id) || db_bind_int(s, 3, b->at) ||
        db_bind_text(s, 4, b->failed ? "failed" : "delayed") || db_bind_text(s, 5, b->status) ||
        db_bind_text(s, 6, b->action) || db_bind_text(s, 7, b->diagnostic) || db_bind_text(s, 8, b->source) ||
        db_bind_text(s, 9, b->sha256) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    *added = db_changes(d) > 0;
    return 0;
}

int bounce_counts(reg *r, int64_t incident_id, int64_t *failed, int64_t *delayed)
{
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT coalesce(sum(f), 0), coalesce(sum(1 - f), 0) FROM "
        "(SELECT max(CASE WHEN kind = 'failed' THEN 1 ELSE 0 END) AS f FROM notice_bounce WHERE incident_id = ? "
        "GROUP BY notice) AS t");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    *failed = db_col_int(s, 0);
    *delayed = db_col_int(s, 1);
    db_reset(s);
    return 0;
}

static char *dup_col(db_stmt *s, int i)
{
    const char *t = db_col_text(s, i);
    return xstrdup(t ? t : "");
}

int bounce_list(reg *r, int64_t incident_id, size_t limit, struct bounce_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* per notice its worst report, the latest of that kind */
    db_stmt *s = db_prepare(reg_db(r),
                            "SELECT n.notice_id, n.rcpt_masked, b.status, b.diagnostic, b.kind = 'failed', n.subject "
                            "FROM notice_bounce b JOIN notice n ON n.id = b.notice WHERE b.incident_id = ? AND b.id = "
                            "(SELECT b2.id FROM notice_bounce b2 WHERE b2.notice = b.notice "
                            "ORDER BY b2.kind = 'failed' DESC, b2.id DESC LIMIT 1) "
                            "ORDER BY b.kind = 'failed' DESC, n.seq LIMIT ?");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit))
        return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 16);
        struct bounce_row *b = &(*out)[(*n)++];
        b->notice_id = dup_col(s, 0);
        b->rcpt_masked = dup_col(s, 1);
        b->status = dup_col(s, 2);
        b->diagnostic = dup_col(s, 3);
        b->failed = (int)db_col_int(s, 4);
        b->subject = dup_col(s, 5);
    }
    db_reset(s);
    if (rc == DB_ERR) {
        bounce_rows_free(*out, *n);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    return 0;
}

void bounce_rows_free(struct bounce_row *b, size_t n)
{
    for (size_t i = 0; b && i < n; i++) {
        free(b[i].notice_id);
        free(b[i].rcpt_masked);
        free(b[i].status);
        free(b[i].diagnostic);
        free(b[i].subject);
    }
    free(b);
}
