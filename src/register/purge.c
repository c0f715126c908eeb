/* purge.c — the retention policy applied: the plan (what is due, what blocks it), the purge in
 * the caller's transaction, the compaction of the file afterwards, and the purge records the
 * readers show. See purge.h and docs/retention.md. */
#include "register/purge.h"
#include "register/incident.h"
#include "register/reg_int.h"
#include "register/viewlist.h"
#include "register/tlog_store.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[PK_COUNT] = {"contact_data", "notices", "exposures", "viewer_identities"};

const char *purge_kind_name(enum purge_kind k)
{
    return (unsigned)k < PK_COUNT ? kind_names[k] : "?";
}

static int kind_parse(const char *s)
{
    for (int k = 0; k < PK_COUNT; k++)
        if (s && !strcmp(s, kind_names[k])) return k;
    return -1;
}

/* ---------------------------------------------------------------- small queries */

/* the first N columns of the first row of SQL with the int argument A (and B when B >= 0) */
static int q_ints(reg *r, const char *sql, int64_t a, int64_t b, int64_t *out, int n)
{
    db_stmt *s = db_prepare(r->d, sql);
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, a);
    if (b >= 0) db_bind_int(s, 2, b);
    int rc = db_step(s);
    for (int i = 0; i < n; i++) out[i] = rc == DB_ROW ? db_col_int(s, i) : 0;
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

static int q_int(reg *r, const char *sql, int64_t a, int64_t b, int64_t *out)
{
    return q_ints(r, sql, a, b, out, 1);
}

/* the incident was closed at *AT (the latest change of its status to closed in the audit trail) */
static int closed_at(reg *r, const char *ref, int64_t *at)
{
    db_stmt *s = db_prepare(r->d, "SELECT coalesce(max(at), 0) FROM audit WHERE incident_ref = ? AND field = 'status'"
                                  " AND new_value = 'closed' AND action IN ('incident.create', 'incident.update')");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, ref);
    int rc = db_step(s);
    *at = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

/* why nothing of the incident may be purged yet, into B (empty: nothing blocks) */
static int blockers(reg *r, struct purge_item *it, struct buf *b)
{
    if (strcmp(it->status, "closed")) buf_addf(b, "not closed (status %s)", it->status);
    int64_t unfiled = 0, waiting = 0;
    int rc = q_int(r,
                   "SELECT count(*) FROM decision d WHERE d.incident_id = ?1 AND d.notify_authority = 1"
                   " AND d.seq = (SELECT max(seq) FROM decision WHERE incident_id = ?1)"
                   " AND NOT EXISTS (SELECT 1 FROM filing f WHERE f.incident_id = ?1"
                   " AND (f.decision_id = d.id OR f.recorded_at >= d.created_at))",
                   it->incident_id, -1, &unfiled);
    if (!rc)
        rc = q_int(r,
                   "SELECT count(*) FROM outbox WHERE incident_id = ? AND (state IN ('queued', 'sending')"
                   " OR (state = 'failed' AND permanent = 0 AND attempts < ?))",
                   it->incident_id, 5, &waiting);
    if (rc) return rc;
    if (unfiled) buf_addf(b, "%sthe decision to notify the authority has not been filed yet", b->len ? "; " : "");
    if (waiting)
        buf_addf(b, "%s%lld notice%s still in the outbox (queued, being sent or to be retried)", b->len ? "; " : "",
                 (long long)waiting, waiting == 1 ? "" : "s");
    return 0;
}

/* the policy's period of kind K: its text into the item, parsed into P */
static int policy(reg *r, struct purge_item *it, int k, struct kt_period *p)
{
    char key[64], err[256];
    snprintf(key, sizeof key, "retention.%s", kind_names[k]);
    const char *v = reg_org_value(r, key, NULL);
    snprintf(it->k[k].period, sizeof it->k[k].period, "%s", v ? v : "");
    if (!v || kt_period_parse(v, p, err, sizeof err)) return reg_fail(r, 1, "%s: %s", key, v ? err : "not set");
    return 0;
}

/* raw viewer identities: per scan, due PERIOD after the scan but never before the closing */
static int plan_viewers(reg *r, struct purge_item *it, const struct kt_period *p, int64_t now, int all)
{
    db_stmt *s = db_prepare(r->d, "SELECT id, created_at FROM scan WHERE incident_id = ? ORDER BY id");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, it->incident_id);
    int64_t(*sc)[2] = NULL; /* id, created_at */
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        sc = xgrow(sc, n, &cap, sizeof *sc, 16);
        sc[n][0] = db_col_int(s, 0);
        sc[n++][1] = db_col_int(s, 1);
    }
    db_reset(s);
    for (size_t i = 0; rc != DB_ERR && i < n; i++) {
        int64_t due = kt_period_add(sc[i][1], p), kept;
        if (viewlist_scan_identities(r, sc[i][0], &kept, NULL, NULL)) {
            free(sc);
            return 1;
        }
        if (due < it->closed_at) due = it->closed_at;
        if (due > it->k[PK_VIEWERS].due_at) it->k[PK_VIEWERS].due_at = due;
        if (all || due <= now) it->k[PK_VIEWERS].count += kept;
        else it->k[PK_VIEWERS].later += kept;
    }
    free(sc);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

static const char *const count_sql[PK_COUNT] = {
    "SELECT count(*) FROM subject WHERE import_id IN (SELECT id FROM subject_import WHERE incident_id = ?)",
    "SELECT count(*) FROM notice WHERE incident_id = ? AND message_codec <> 'purged'",
    "SELECT count(*) FROM exposure WHERE scan_id IN (SELECT id FROM scan WHERE incident_id = ?)",
    NULL,
};

static int plan_item(reg *r, struct purge_item *it, int64_t now)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = closed_at(r, it->ref, &it->closed_at);
    if (!rc) rc = blockers(r, it, &b);
    if (!rc && b.len) it->blocked = buf_detach(&b);
    buf_release(&b);
    struct kt_period p[PK_COUNT];
    for (int k = 0; k < PK_COUNT && !rc; k++) rc = policy(r, it, k, &p[k]);
    if (rc || strcmp(it->status, "closed")) return rc; /* blocked: nothing is due */
    for (int k = 0; k < PK_VIEWERS && !rc; k++) {
        int64_t n = 0;
        it->k[k].due_at = kt_period_add(it->closed_at, &p[k]);
        rc = q_int(r, count_sql[k], it->incident_id, -1, &n);
        if (it->k[k].due_at <= now) it->k[k].count = n;
        else it->k[k].later = n;
    }
    /* with the exposures go their viewers and every identity they kept */
    if (!rc) rc = plan_viewers(r, it, &p[PK_VIEWERS], now, it->k[PK_EXPOSURES].count > 0);
    if (it->blocked)
        for (int k = 0; k < PK_COUNT; k++) {
            it->k[k].later += it->k[k].count;
            it->k[k].count = 0;
        }
    return rc;
}

int purge_plan_make(reg *r, const char *ref, struct purge_plan *p)
{
    memset(p, 0, sizeof *p);
    p->now = reg_now(r);
    struct incident *all = NULL;
    size_t n = 0;
    int rc = incident_list(r, 1, &all, &n);
    if (!rc && ref) {
        size_t i = 0;
        while (i < n && strcmp(all[i].ref, ref)) i++;
        if (i == n) rc = reg_fail(r, 2, "no incident '%s'", ref);
    }
    if (!rc) p->items = xcalloc(n ? n : 1, sizeof *p->items);
    for (size_t i = 0; i < n && !rc; i++) {
        if (ref && strcmp(all[i].ref, ref)) continue;
        struct purge_item *it = &p->items[p->n++];
        it->incident_id = all[i].id;
        snprintf(it->ref, sizeof it->ref, "%s", all[i].ref);
        snprintf(it->status, sizeof it->status, "%s", all[i].v[IF_STATUS] ? all[i].v[IF_STATUS] : "");
        rc = plan_item(r, it, p->now);
    }
    for (size_t i = 0; i < n; i++) incident_release(&all[i]);
    free(all);
    if (rc) purge_plan_release(p);
    return rc;
}

void purge_plan_release(struct purge_plan *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->items[i].blocked);
    free(p->items);
    memset(p, 0, sizeof *p);
}

int64_t purge_plan_total(const struct purge_plan *p)
{
    int64_t t = 0;
    for (size_t i = 0; i < p->n; i++)
        for (int k = 0; k < PK_COUNT; k++) t += p->items[i].k[k].count;
    return t;
}

/* ---------------------------------------------------------------- keeping the counts */

struct field_count {
    char *name;
    int64_t people, views;
};

/* people and views per disclosed field of SCAN_ID, and their names sorted into FIELDS */
static int count_fields(reg *r, int64_t scan_id, struct field_count **out, size_t *n, struct buf *fields)
{
    db_stmt *s = db_prepare(r->d, "SELECT fields, views FROM exposure WHERE scan_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, scan_id);
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        char *t = xstrdup(db_col_text(s, 0) ? db_col_text(s, 0) : "");
        int64_t views = db_col_int(s, 1);
        for (char *sv, *tok = strtok_r(t, ";,", &sv); tok; tok = strtok_r(NULL, ";,", &sv)) {
            size_t i = 0;
            while (i < *n && strcmp((*out)[i].name, tok)) i++;
            if (i == *n) {
                *out = xgrow(*out, *n, &cap, sizeof **out, 8);
                (*out)[(*n)++] = (struct field_count){xstrdup(tok), 0, 0};
            }
            (*out)[i].people++;
            (*out)[i].views += views;
        }
        free(t);
    }
    db_reset(s);
    for (size_t i = 1; i < *n; i++) /* a handful of fields: insertion sort */
        for (size_t j = i; j > 0 && strcmp((*out)[j - 1].name, (*out)[j].name) > 0; j--) {
            struct field_count x = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = x;
        }
    for (size_t i = 0; i < *n; i++) buf_addf(fields, "%s%s", i ? "," : "", (*out)[i].name);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

static int store_fields(reg *r, int64_t scan_id, const struct field_count *f, size_t n)
{
    db_stmt *s = db_prepare(r->d, "INSERT INTO purge_field(scan_id, field, people, views) VALUES (?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < n; i++) {
        db_bind_int(s, 1, scan_id);
        db_bind_text(s, 2, f[i].name);
        db_bind_int(s, 3, f[i].people);
        db_bind_int(s, 4, f[i].views);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
        db_reset(s);
    }
    return 0;
}

/* the counts of one scan the report reads, before its per-person rows go */
static int keep_scan(reg *r, int64_t scan_id, int64_t import_id)
{
    struct field_count *f = NULL;
    size_t nf = 0;
    struct buf fields;
    buf_init(&fields, 0);
    int64_t v[5] = {0};
    int rc = count_fields(r, scan_id, &f, &nf, &fields);
    if (!rc) rc = store_fields(r, scan_id, f, nf);
    if (!rc) rc = viewlist_scan_viewers(r, scan_id, &v[0], &v[1]);
    if (!rc)
        rc = q_ints(r,
                    "SELECT count(*), count(s.subject) FROM exposure e LEFT JOIN subject s"
                    " ON s.import_id = ?2 AND s.subject = e.subject AND s.email <> '' WHERE e.scan_id = ?1",
                    scan_id, import_id, &v[2], 2);
    db_stmt *s = rc ? NULL
                    : db_prepare(r->d, "INSERT INTO purge_scan(scan_id, stored_at, fields, viewers,"
                                       " anonymous_viewers, import_id, exposed, reachable, unreachable)"
                                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!rc && !s) rc = reg_dberr(r);
    if (!rc) {
        int64_t exposed = v[2], reachable = v[3];
        db_bind_int(s, 1, scan_id);
        db_bind_int(s, 2, reg_now(r));
        db_bind_text(s, 3, buf_str(&fields));
        db_bind_int(s, 4, v[0]);
        db_bind_int(s, 5, v[1]);
        if (import_id) db_bind_int(s, 6, import_id);
        else db_bind_null(s, 6);
        db_bind_int(s, 7, exposed);
        db_bind_int(s, 8, reachable);
        db_bind_int(s, 9, exposed - reachable);
        if (db_step(s) != DB_DONE) rc = reg_dberr(r);
    }
    for (size_t i = 0; i < nf; i++) free(f[i].name);
    free(f);
    buf_release(&fields);
    return rc;
}

/* keep the counts of every scan of the incident that has none kept yet */
static int keep_counts(reg *r, int64_t incident_id)
{
    int64_t import_id = 0;
    int rc = q_int(r, "SELECT coalesce(max(id), 0) FROM subject_import WHERE incident_id = ? AND current = 1",
                   incident_id, -1, &import_id);
    db_stmt *s = rc ? NULL
                    : db_prepare(r->d, "SELECT id FROM scan WHERE incident_id = ? AND id NOT IN"
                                       " (SELECT scan_id FROM purge_scan) ORDER BY id");
    if (rc) return rc;
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, incident_id);
    int64_t ids[256];
    size_t n = 0;
    int st = DB_DONE;
    while (n < 256 && (st = db_step(s)) == DB_ROW) ids[n++] = db_col_int(s, 0);
    db_reset(s);
    if (st == DB_ERR) return reg_dberr(r);
    for (size_t i = 0; i < n && !rc; i++) rc = keep_scan(r, ids[i], import_id);
    if (!rc && n == 256) rc = keep_counts(r, incident_id); /* more scans than one batch */
    return rc;
}

/* ---------------------------------------------------------------- deleting */

/* the statements of each kind, with the incident's id as ?1 */
static const char *const purge_sql[PK_COUNT][5] = {
    {"DELETE FROM subject WHERE import_id IN (SELECT id FROM subject_import WHERE incident_id = ?1)", NULL, NULL},
    {"UPDATE notice SET subject = '', rcpt = '', rcpt_masked = '', message = ?2, message_codec = 'purged'"
     " WHERE incident_id = ?1 AND message_codec <> 'purged'",
     "UPDATE notice_event SET reply = NULL WHERE reply IS NOT NULL AND notice IN"
     " (SELECT id FROM notice WHERE incident_id = ?1)",
     "UPDATE outbox SET reply = NULL WHERE incident_id = ?1 AND reply IS NOT NULL",
     "UPDATE notice_dict SET content = ?2 WHERE length(content) > 0 AND id IN (SELECT dict_id FROM notice WHERE"
     " incident_id = ?1) AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.dict_id = notice_dict.id"
     " AND n.message_codec <> 'purged')",
     "UPDATE notice_bounce SET diagnostic = '', source = '' WHERE incident_id = ?1"
     " AND (diagnostic <> '' OR source <> '')"},
    {"DELETE FROM exposure WHERE scan_id IN (SELECT id FROM scan WHERE incident_id = ?1)", NULL},
    {NULL, NULL, NULL},
};

static int run_kind(reg *r, const struct purge_item *it, int k)
{
    for (int i = 0; i < 5 && purge_sql[k][i]; i++) {
        db_stmt *s = db_prepare(r->d, purge_sql[k][i]);
        if (!s) return reg_dberr(r);
        db_bind_int(s, 1, it->incident_id);
        if (strstr(purge_sql[k][i], "?2")) db_bind_blob(s, 2, "", 0);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    return 0;
}

/* raw viewer identities of the scans whose period ended (the exposures stay) */
static int run_viewers(reg *r, const struct purge_item *it, int64_t now)
{
    char key[] = "retention.viewer_identities", err[256];
    struct kt_period p;
    const char *v = reg_org_value(r, key, NULL);
    if (!v || kt_period_parse(v, &p, err, sizeof err)) return reg_fail(r, 1, "%s: %s", key, v ? err : "not set");
    db_stmt *s = db_prepare(r->d, "SELECT id, created_at FROM scan WHERE incident_id = ? ORDER BY id");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, it->incident_id);
    int64_t ids[1024];
    size_t n = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t due = kt_period_add(db_col_int(s, 1), &p);
        if ((due <= now || due <= it->closed_at) && n < 1024) ids[n++] = db_col_int(s, 0);
    }
    db_reset(s);
    if (rc == DB_ERR) return reg_dberr(r);
    s = db_prepare(r->d,
                   "UPDATE exposure SET viewer_identities = NULL WHERE scan_id = ? AND viewer_identities IS NOT NULL");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < n; i++) {
        db_bind_int(s, 1, ids[i]);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
        db_reset(s);
    }
    return 0;
}

static int insert_rec(reg *r, const struct purge_item *it, int k)
{
    db_stmt *s = db_prepare(r->d, "INSERT INTO purge(incident_id, at, actor, kind, period, due_at, count)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, it->incident_id);
    db_bind_int(s, 2, reg_now(r));
    db_bind_text(s, 3, reg_actor(r));
    db_bind_text(s, 4, kind_names[k]);
    db_bind_text(s, 5, it->k[k].period);
    db_bind_int(s, 6, it->k[k].due_at);
    db_bind_int(s, 7, it->k[k].count);
    return db_step(s) == DB_DONE ? 0 : reg_dberr(r);
}

/* the record of one incident's purge: audit entry, log commitment and timeline event say it */
static void describe(const struct purge_item *it, struct buf *counts, struct buf *text)
{
    static const char *const what[PK_COUNT] = {"contact records (names, addresses)", "notices (addressees and texts)",
                                               "per-person exposures", "raw viewer identities"};
    buf_adds(text, "Personal data deleted under the retention policy:");
    int first = 1;
    for (int k = 0; k < PK_COUNT; k++) {
        buf_addf(counts, "%s%s=%lld", k ? " " : "", kind_names[k], (long long)it->k[k].count);
        if (!it->k[k].count) continue;
        char due[KT_ISO_LEN];
        kt_time_iso(it->k[k].due_at, due);
        buf_addf(text, "%s %lld %s (%s, due %s)", first ? "" : ";", (long long)it->k[k].count, what[k], it->k[k].period,
                 due);
        first = 0;
    }
    buf_adds(text, ". Kept: the record, timeline, assessments, decisions, filings and counts.");
}

static int apply_item(reg *r, const struct purge_item *it, int64_t now)
{
    struct incident inc;
    int rc = incident_load(r, it->ref, &inc);
    if (rc) return rc;
    if (it->k[PK_CONTACT].count || it->k[PK_EXPOSURES].count) rc = keep_counts(r, it->incident_id);
    for (int k = 0; k < PK_COUNT && !rc; k++)
        if (it->k[k].count) rc = insert_rec(r, it, k);
    for (int k = 0; k < PK_VIEWERS && !rc; k++)
        if (it->k[k].count) rc = run_kind(r, it, k);
    if (!rc && it->k[PK_VIEWERS].count && !it->k[PK_EXPOSURES].count) rc = run_viewers(r, it, now);
    struct buf counts, text;
    buf_init(&counts, 0);
    buf_init(&text, 0);
    describe(it, &counts, &text);
    if (!rc) rc = reg_audit(r, it->ref, "purge", "counts", NULL, buf_str(&counts));
    if (!rc) {
        char *rec = xasprintf("klartext purge v1\nincident %s\n%s\n", it->ref, buf_str(&text));
        rc = tlog_append_commitment(r, "purge", rec, strlen(rec), it->ref, NULL);
        free(rec);
    }
    if (!rc) rc = incident_event_add(r, &inc, now, "purge", buf_str(&text), 0, NULL);
    buf_release(&counts);
    buf_release(&text);
    incident_release(&inc);
    return rc;
}

int purge_apply(reg *r, const struct purge_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        const struct purge_item *it = &plan->items[i];
        int64_t n = 0;
        for (int k = 0; k < PK_COUNT; k++) n += it->k[k].count;
        if (!n || it->blocked) continue;
        int rc = apply_item(r, it, plan->now);
        if (rc) return rc;
    }
    return 0;
}

int purge_keep_words(reg *r, int64_t incident_id, char *const *words, size_t n)
{
    db_stmt *s = db_prepare(r->d, "INSERT INTO purge_word(incident_id, word) VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < n; i++) {
        db_bind_int(s, 1, incident_id);
        db_bind_text(s, 2, words[i]);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
        db_reset(s);
    }
    return 0;
}

/* ---------------------------------------------------------------- the file */

int purge_secure_delete(reg *r)
{
    if (strcmp(db_backend(r->d), "sqlite")) return 0;
    return db_exec(r->d, "PRAGMA secure_delete = ON") == DB_ERR ? reg_dberr(r) : 0;
}

static int checkpoint(reg *r)
{
    db_stmt *s = db_prepare(r->d, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (!s) return reg_dberr(r);
    int rc = db_step(s);
    int64_t busy = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (busy)
        return reg_fail(r, 1,
                        "register '%s': the purge is committed, but another connection (a running 'klartext serve'?)"
                        " keeps the journal from being emptied, so deleted bytes may remain in '%s-wal': run"
                        " 'klartext purge' again when it has stopped",
                        r->path, r->path);
    return 0;
}

/* PostgreSQL: the deleted and emptied rows stay in the tables' pages as dead tuples until a
   VACUUM, and plain VACUUM does not overwrite them: VACUUM FULL rewrites each table the purge
   changed into new files and removes the old ones (docs/retention.md "PostgreSQL"; the WAL and
   backups are the administrator's). Only a table's owner may; for another login PostgreSQL would
   skip the table with a warning, so the ownership is checked first and a table it cannot
   rewrite is named. */
/* A deleted row stays in the new files VACUUM FULL writes while any snapshot that may still see it
   exists: a session of this database whose snapshot or transaction began before the purge's
   COMMIT (a long report, psql left in an open transaction, pg_dump, autovacuum's ANALYZE), a
   prepared transaction, a replication slot (a standby's feedback). MARK is the first transaction
   id not yet given out when the purge had committed (its low 32 bits, as xid compares): whatever
   holds an older one is named, "" when nothing does. Conservative: a snapshot taken after the
   COMMIT while an older transaction ran counts too (that transaction is named as well). */
#define PG_OLD_SNAPSHOTS_SQL \
    "WITH m AS (SELECT ?::text::xid AS x) SELECT coalesce(string_agg(w, '; ' ORDER BY w), '') FROM (" \
    "SELECT format('server process %s (login %s%s, %s since %s)', pid, usename, " \
    "coalesce(' by ' || nullif(application_name, ''), ''), coalesce(state, backend_type), " \
    "to_char(coalesce(xact_start, backend_start), 'YYYY-MM-DD HH24:MI:SS TZ')) AS w " \
    "FROM m, pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() " \
    "AND (age(backend_xmin) > age(m.x) OR age(backend_xid) > age(m.x)) " \
    "UNION ALL SELECT format('prepared transaction %s (owner %s, since %s)', gid, owner, " \
    "to_char(prepared, 'YYYY-MM-DD HH24:MI:SS TZ')) FROM m, pg_prepared_xacts " \
    "WHERE database = current_database() AND age(transaction) > age(m.x) " \
    "UNION ALL SELECT format('replication slot %s', slot_name) FROM m, pg_replication_slots " \
    "WHERE (database IS NULL OR database = current_database()) AND age(xmin) > age(m.x)) o"
#define PG_COMPACT_WAIT_S 30

static int pg_old_snapshots(reg *r, const char *mark, char *out, size_t n)
{
    db_stmt *s = db_prepare(r->d, PG_OLD_SNAPSHOTS_SQL);
    if (!s || db_bind_text(s, 1, mark)) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) snprintf(out, n, "%s", db_col_text(s, 0) ? db_col_text(s, 0) : "");
    db_reset(s);
    return st == DB_ROW ? 0 : reg_dberr(r);
}

static int pg_compact(reg *r)
{
    static const char *const tables[] = {"subject",       "notice",   "notice_event",   "notice_dict",
                                         "notice_bounce", "exposure", "exposure_viewer"};
    /* first wait (up to PG_COMPACT_WAIT_S) until nothing holds a snapshot from before the purge */
    char mark[24], held[1024] = "";
    int64_t m = 0;
    int mfound = 0;
    if (db_query_int(r->d, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296", NULL, &m,
                     &mfound))
        return reg_dberr(r);
    snprintf(mark, sizeof mark, "%lld", (long long)m);
    for (int i = 0; i <= PG_COMPACT_WAIT_S * 5; i++) {
        if (pg_old_snapshots(r, mark, held, sizeof held)) return 1;
        if (!*held) break;
        if (i < PG_COMPACT_WAIT_S * 5) nanosleep(&(struct timespec){0, 200 * 1000000L}, NULL);
    }
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int has = 0, found = 0;
        int64_t owner = 0;
        if (db_has_table(r->d, tables[i], &has)) return reg_dberr(r);
        if (!has) continue;
        if (db_query_int(r->d, "SELECT pg_has_role(relowner, 'MEMBER')::int FROM pg_class WHERE oid = to_regclass(?)",
                         tables[i], &owner, &found))
            return reg_dberr(r);
        if (!owner)
            return reg_fail(r, 1,
                            "register '%s': the purge is committed, but this login does not own the table '%s', so"
                            " the deleted rows stay in the database's files until its owner runs 'VACUUM FULL %s'"
                            " (docs/retention.md, \"PostgreSQL\")",
                            r->path, tables[i], tables[i]);
        char sql[64];
        snprintf(sql, sizeof sql, "VACUUM FULL %s", tables[i]);
        if (db_exec(r->d, sql) == DB_ERR) return reg_dberr(r);
    }
    if (*held) /* the rewrite ran while it was held: it had to copy the rows that snapshot may see */
        return reg_fail(r, 1,
                        "register '%s': the purge is committed, but PostgreSQL had to keep the deleted rows in the"
                        " database's files: %s still held a snapshot from before the purge after %d s. End it (or"
                        " let it finish) and run 'klartext purge' again: it rewrites the tables then"
                        " (docs/retention.md, \"PostgreSQL\")",
                        r->path, held, PG_COMPACT_WAIT_S);
    return 0;
}

int purge_compact(reg *r)
{
    if (strcmp(db_backend(r->d), "sqlite")) return pg_compact(r);
    int rc = checkpoint(r);
    if (!rc && db_exec(r->d, "VACUUM") == DB_ERR) rc = reg_dberr(r);
    if (!rc) rc = checkpoint(r);
    return rc;
}

/* ---------------------------------------------------------------- readers */

int purge_when(reg *r, int64_t incident_id, enum purge_kind kind, int64_t *at)
{
    db_stmt *s = db_prepare(r->d, "SELECT coalesce(max(at), 0) FROM purge WHERE incident_id = ? AND kind = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, incident_id);
    db_bind_text(s, 2, purge_kind_name(kind));
    int rc = db_step(s);
    *at = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int purge_list(reg *r, int64_t incident_id, struct purge_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(r->d,
                            "SELECT at, due_at, count, kind, period FROM purge WHERE incident_id = ? ORDER BY id");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, incident_id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 8);
        struct purge_rec *p = &(*out)[(*n)++];
        p->at = db_col_int(s, 0);
        p->due_at = db_col_int(s, 1);
        p->count = db_col_int(s, 2);
        int k = kind_parse(db_col_text(s, 3));
        p->kind = k < 0 ? PK_CONTACT : (enum purge_kind)k;
        snprintf(p->period, sizeof p->period, "%s", db_col_text(s, 4) ? db_col_text(s, 4) : "");
    }
    db_reset(s);
    if (rc == DB_ERR) {
        free(*out);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    return 0;
}
