/* report_data.c — the register's queries for the report (report_data.h). */
#include "register/report_data.h"
#include "register/bounces.h"
#include "register/outbox.h"
#include "register/reg_int.h"
#include "register/viewlist.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

int report_data_rule_text(reg *r, int64_t scan_id, char **text)
{
    *text = NULL;
    db_stmt *s = db_prepare(reg_db(r), "SELECT rule_text FROM scan WHERE id = ?");
    if (!s || db_bind_int(s, 1, scan_id)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ROW && db_col_text(s, 0)) *text = xstrdup(db_col_text(s, 0));
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

void report_words_free(struct report_words *w)
{
    for (size_t i = 0; i < w->n; i++) free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

static void words_add(struct report_words *w, const char *s)
{
    if (!s) return;
    w->v = xgrow(w->v, w->n, &w->cap, sizeof *w->v, 256);
    w->v[w->n++] = xstrdup(s);
}

static void identity_word(void *w, const char *id)
{
    words_add(w, id);
}

/* every column of every row of SQL with one integer parameter */
static int words_query(reg *r, const char *sql, int64_t arg, int ncols, struct report_words *w)
{
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s || db_bind_int(s, 1, arg)) return reg_dberr(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        for (int c = 0; c < ncols; c++) words_add(w, db_col_text(s, c));
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int report_data_personal_words(reg *r, int64_t incident_id, int64_t scan_id, struct report_words *w)
{
    int rc = words_query(r, "SELECT subject FROM exposure WHERE scan_id = ?", scan_id, 1, w);
    int64_t kept;
    if (!rc) rc = viewlist_scan_identities(r, scan_id, &kept, identity_word, w);
    if (!rc)
        rc = words_query(r,
                         "SELECT s.email, s.subject FROM subject s JOIN subject_import i ON i.id = s.import_id"
                         " WHERE i.incident_id = ?",
                         incident_id, 2, w);
    if (!rc) /* the words a purge kept because they stand in the incident's free text */
        rc = words_query(r, "SELECT word FROM purge_word WHERE incident_id = ?", incident_id, 1, w);
    return rc;
}

int report_data_not_reached(reg *r, int64_t incident_id, int64_t *n)
{
    /* after a purge of the exposures the per-person rows are gone: unknown */
    db_stmt *s = db_prepare(reg_db(r), "SELECT count(*) FROM purge_scan p JOIN scan s ON s.id = p.scan_id "
                                       "WHERE s.incident_id = ? AND s.current = 1");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    int64_t purged = db_col_int(s, 0);
    db_reset(s);
    if (purged) {
        *n = -1;
        return 0;
    }
    /* the people of the current scan less those a notice reached, as a set difference: each side
       is read once, whatever the planner believes of the tables' sizes. As a NOT EXISTS per person,
       PostgreSQL without statistics of freshly written tables (analyze.h) planned it as a loop over
       all notices for each person: 4 min 40 s for 100,000 people instead of 0.4 s. A subject is
       one row per scan, so the count of the difference is the count of people. */
    s = db_prepare(reg_db(r),
                   "SELECT count(*) FROM (SELECT e.subject FROM exposure e JOIN scan s ON s.id = e.scan_id "
                   "WHERE s.incident_id = ?1 AND s.current = 1 EXCEPT SELECT n.subject FROM notice n "
                   "JOIN outbox o ON o.notice = n.id WHERE n.incident_id = ?1 AND ((n.kind = 'letter' "
                   "AND o.state = 'written') OR (n.kind <> 'letter' AND o.state IN ('sent', 'written', 'sending') "
                   "AND NOT EXISTS (SELECT 1 FROM notice_bounce b WHERE b.notice = n.id AND b.kind = 'failed')))) x");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    *n = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

int report_data_notices(reg *r, int64_t incident_id, struct report_notices *out)
{
    struct outbox_counts c;
    memset(out, 0, sizeof *out);
    int rc = outbox_count(r, incident_id, REPORT_NOTICE_MAX_ATTEMPTS, &c);
    if (rc) return rc;
    out->made = c.total; /* superseded ones are not counted */
    out->sent = c.sent;
    out->written = c.written;
    out->pending = c.queued + c.failed_retry;
    out->unknown = c.sending;
    out->failed = c.failed;
    out->cancelled = c.cancelled;
    out->followups = c.followups;
    out->letters = c.letters;
    int rc2 = bounce_counts(r, incident_id, &out->returned_failed, &out->returned_delayed);
    return rc2 ? rc2 : report_data_not_reached(r, incident_id, &out->not_reached);
}
