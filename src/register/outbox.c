/* outbox.c — approvals, notices and their outbox in the register (see outbox.h). */
#include "register/outbox.h"
#include "register/outbox_row.h"
#include "register/reg_int.h"
#include "register/copyrow.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[OB_NSTATES] = {
    "queued", "sending", "sent", "failed", "written", "cancelled", "superseded",
};

const char *outbox_state_name(enum outbox_state s)
{
    return (unsigned)s < OB_NSTATES ? state_names[s] : "?";
}

int outbox_state_parse(const char *s)
{
    for (int i = 0; s && i < OB_NSTATES; i++)
        if (!strcmp(state_names[i], s)) return i;
    return -1;
}

static char *dup_col(db_stmt *s, int i)
{
    const char *t = db_col_text(s, i);
    return t ? xstrdup(t) : NULL;
}

/* a state column ("queued" for anything unknown) */
static enum outbox_state col_state(db_stmt *s, int i)
{
    int st = outbox_state_parse(db_col_text(s, i));
    return st < 0 ? OB_QUEUED : (enum outbox_state)st;
}

/* ---------------------------------------------------------------- approvals */

void notice_approval_release(struct notice_approval *a)
{
    free(a->actor);
    free(a->by);
    free(a->sha256);
    free(a->templates);
    free(a->manifest);
    memset(a, 0, sizeof *a);
}

int outbox_approve(reg *r, const struct incident *inc, const char *by, const char *sha256, int64_t model_version,
                   const char *templates, const char *manifest, int64_t *seq)
{
    db *d = reg_db(r);
    int64_t n = 0;
    int found, rc;
    db_stmt *s = db_prepare(d, "SELECT coalesce(max(seq), 0) + 1 FROM notice_approval WHERE incident_id = ?");
    if (!s || db_bind_int(s, 1, inc->id) || db_step(s) != DB_ROW) return reg_dberr(r);
    n = db_col_int(s, 0);
    db_reset(s);
    (void)found;
    s = db_prepare(d, "INSERT INTO notice_approval(incident_id, seq, created_at, actor, approved_by, content_sha256, "
                      "model_version, templates, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, inc->id) || db_bind_int(s, 2, n) || db_bind_int(s, 3, reg_now(r)) ||
        db_bind_text(s, 4, reg_actor(r)) || db_bind_text(s, 5, by) || db_bind_text(s, 6, sha256) ||
        db_bind_int(s, 7, model_version) || db_bind_text(s, 8, templates) || db_bind_text(s, 9, manifest) ||
        db_step(s) != DB_DONE)
        return reg_dberr(r);
    char text[400];
    snprintf(text, sizeof text,
             "Notice content approved by %s (approval #%lld): SHA-256 %.16s…, data model %lld, %s templates", by,
             (long long)n, sha256, (long long)model_version, templates);
    if ((rc = incident_event_add(r, inc, reg_now(r), "communication", text, 0, NULL))) return rc;
    char nv[160];
    snprintf(nv, sizeof nv, "#%lld %s by %s", (long long)n, sha256, by);
    if ((rc = reg_audit(r, inc->ref, "notify.approve", "notice_content", NULL, nv))) return rc;
    if (seq) *seq = n;
    return 0;
}

int outbox_approval_latest(reg *r, const struct incident *inc, struct notice_approval *a, int *found)
{
    memset(a, 0, sizeof *a);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT id, seq, created_at, model_version, actor, approved_by, content_sha256, "
                                       "templates, manifest FROM notice_approval WHERE incident_id = ? "
                                       "ORDER BY seq DESC LIMIT 1");
    if (!s || db_bind_int(s, 1, inc->id)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        a->id = db_col_int(s, 0);
        a->seq = db_col_int(s, 1);
        a->created_at = db_col_int(s, 2);
        a->model_version = db_col_int(s, 3);
        a->actor = dup_col(s, 4);
        a->by = dup_col(s, 5);
        a->sha256 = dup_col(s, 6);
        a->templates = dup_col(s, 7);
        a->manifest = dup_col(s, 8);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

/* ---------------------------------------------------------------- notices */

int outbox_current_import(reg *r, const struct incident *inc, int64_t *import_id)
{
    int found = 0;
    if (db_query_int(reg_db(r),
                     "SELECT id FROM subject_import WHERE current = 1 AND incident_id = "
                     "(SELECT id FROM incident WHERE ref = ?)",
                     inc->ref, import_id, &found))
        return reg_dberr(r);
    if (!found) *import_id = 0;
    return 0;
}

void outbox_live_free(struct outbox_live *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) {
        free(l[i].subject);
        free(l[i].rcpt);
    }
    free(l);
}

int outbox_live_list(reg *r, int64_t incident_id, struct outbox_live **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT n.id, n.seq, n.approval_id, n.scan_id, n.import_id, o.attempts, o.state, o.permanent, n.subject, n.rcpt, "
        "n.created_at, coalesce(n.follows, 0) "
        "FROM notice n JOIN outbox o ON o.notice = n.id "
        "WHERE n.incident_id = ? AND o.state <> 'superseded' AND n.kind <> 'letter' ORDER BY n.subject, n.seq");
    if (!s || db_bind_int(s, 1, incident_id)) return reg_dberr(r);
    db_stream(s); /* every live notice, row by row: the loop runs no other statement */
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 256);
        struct outbox_live *l = &(*out)[(*n)++];
        l->row = db_col_int(s, 0);
        l->seq = db_col_int(s, 1);
        l->approval_id = db_col_int(s, 2);
        l->scan_id = db_col_int(s, 3);
        l->import_id = db_col_int(s, 4);
        l->attempts = db_col_int(s, 5);
        l->state = col_state(s, 6);
        l->permanent = (int)db_col_int(s, 7);
        l->subject = dup_col(s, 8);
        l->rcpt = dup_col(s, 9);
        l->created_at = db_col_int(s, 10);
        l->follows = db_col_int(s, 11);
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int outbox_max_seq(reg *r, int64_t incident_id, int64_t *seq)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT coalesce(max(seq), 0) FROM notice WHERE incident_id = ?");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    *seq = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

static int add_event(reg *r, int64_t row, int64_t at, const char *state, int64_t attempt, const char *reply)
{
    db_stmt *s = db_prepare(reg_db(r),
                            "INSERT INTO notice_event(notice, at, state, attempt, reply) VALUES (?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, row) || db_bind_int(s, 2, at) || db_bind_text(s, 3, state) ||
        db_bind_int(s, 4, attempt) || db_bind_text(s, 5, reply) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    return 0;
}

int outbox_add(reg *r, int64_t incident_id, int64_t approval_id, int64_t scan_id, int64_t import_id, int64_t at,
               const struct outbox_new *nn, enum outbox_state state, int64_t *row)
{
    db *d = reg_db(r);
    db_stmt *s = db_prepare(
        d,
        "INSERT INTO notice(incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, lang, rcpt, "
        "rcpt_masked, code_hash, message_id, text_sha256, message, message_len, message_codec, dict_id, kind, follows) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    const char *kind = nn->kind ? nn->kind : nn->follows ? "followup" : "first";
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, nn->seq) || db_bind_text(s, 3, nn->notice_id) ||
        db_bind_text(s, 4, nn->subject) || db_bind_int(s, 5, at) || db_bind_int(s, 6, approval_id) ||
        db_bind_int(s, 7, scan_id) || db_bind_int(s, 8, import_id) || db_bind_text(s, 9, nn->lang) ||
        db_bind_text(s, 10, nn->rcpt) || db_bind_text(s, 11, nn->rcpt_masked) ||
        db_bind_blob(s, 12, nn->code_hash, sizeof nn->code_hash) || db_bind_text(s, 13, nn->message_id) ||
        db_bind_text(s, 14, nn->text_sha256) || db_bind_blob(s, 15, nn->packed, nn->packed_len) ||
        db_bind_int(s, 16, (int64_t)nn->message_len) || db_bind_text(s, 17, nn->codec ? nn->codec : "parts1") ||
        (nn->dict_id ? db_bind_int(s, 18, nn->dict_id) : db_bind_null(s, 18)) || db_bind_text(s, 19, kind) ||
        (nn->follows ? db_bind_int(s, 20, nn->follows) : db_bind_null(s, 20)) || db_step(s) != DB_ROW)
        return reg_dberr(r);
    int64_t id = db_col_int(s, 0);
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    s = db_prepare(d, "INSERT INTO outbox(notice, incident_id, state, updated_at) VALUES (?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, id) || db_bind_int(s, 2, incident_id) || db_bind_text(s, 3, state_names[state]) ||
        db_bind_int(s, 4, at) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    if (row) *row = id;
    return 0;
}

/* ---- many notices at once (PostgreSQL): one COPY for the notices, one INSERT … SELECT for their
   outbox rows, instead of two statements (two round trips) per notice */

#define OUTBOX_COPY_FLUSH ((size_t)1 << 20) /* bytes sent to the server at a time */

static const char notice_cols[] = "incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, "
                                  "lang, rcpt, rcpt_masked, code_hash, message_id, text_sha256, message, message_len, "
                                  "message_codec, dict_id, kind, follows";
#define NOTICE_NCOLS 20

/* notice NN as one row of COPY notice(notice_cols) */
static void copy_notice(struct buf *b, const struct outbox_batch *bt, const struct outbox_new *nn)
{
    copyrow_fields(b, NOTICE_NCOLS);
    const int64_t head[] = {bt->incident_id, nn->seq};
    for (int i = 0; i < 2; i++) copyrow_int(b, head[i]);
    copyrow_text(b, nn->notice_id);
    copyrow_text(b, nn->subject);
    const int64_t ids[] = {bt->at, bt->approval_id, bt->scan_id, bt->import_id};
    for (int i = 0; i < 4; i++) copyrow_int(b, ids[i]);
    copyrow_text(b, nn->lang);
    copyrow_text(b, nn->rcpt);
    copyrow_text(b, nn->rcpt_masked);
    copyrow_bytes(b, nn->code_hash, sizeof nn->code_hash);
    copyrow_text(b, nn->message_id);
    copyrow_text(b, nn->text_sha256);
    copyrow_bytes(b, nn->packed, nn->packed_len);
    copyrow_int(b, (int64_t)nn->message_len);
    copyrow_text(b, nn->codec ? nn->codec : "parts1");
    if (nn->dict_id) copyrow_int(b, nn->dict_id);
    else copyrow_null(b);
    copyrow_text(b, nn->kind ? nn->kind : nn->follows ? "followup" : "first");
    if (nn->follows) copyrow_int(b, nn->follows);
    else copyrow_null(b);
}

/* the register's message for a failed store of NN[0..N): which notices, and which one when the
   server named the row of the COPY that it refused ("COPY notice, line 17") */
static int batch_err(reg *r, const struct outbox_new *nn, size_t n)
{
    char dbmsg[REG_ERRLEN];
    reg_dberr(r);
    snprintf(dbmsg, sizeof dbmsg, "%s", r->err);
    const char *line = strstr(dbmsg, "COPY notice, line ");
    long k = line ? strtol(line + 18, NULL, 10) : 0;
    if (k >= 1 && (size_t)k <= n)
        return reg_fail(r, 1, "storing notice %s (of %s … %s): %s", nn[k - 1].notice_id, nn[0].notice_id,
                        nn[n - 1].notice_id, dbmsg);
    return reg_fail(r, 1, "storing notices %s … %s: %s", nn[0].notice_id, nn[n - 1].notice_id, dbmsg);
}

static int copy_notices(reg *r, const struct outbox_batch *bt, const struct outbox_new *nn, size_t n)
{
    char sql[400];
    snprintf(sql, sizeof sql, "COPY notice(%s) FROM STDIN (FORMAT binary)", notice_cols);
    if (db_copy_begin(r->d, sql)) return batch_err(r, nn, n);
    struct buf b;
    buf_init(&b, 0);
    copyrow_start(&b);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        copy_notice(&b, bt, &nn[i]);
        if (b.len >= OUTBOX_COPY_FLUSH || i + 1 == n) {
            if (i + 1 == n) copyrow_finish(&b);
            rc = db_copy_data(r->d, b.p, b.len);
            buf_reset(&b);
        }
    }
    int end = db_copy_end(r->d); /* always: the connection leaves the COPY state */
    buf_release(&b);
    return rc || end ? batch_err(r, nn, n) : 0;
}

/* the outbox rows of the notices just copied, found by their notice ids (unique, indexed) */
static int outbox_rows(reg *r, const struct outbox_batch *bt, const struct outbox_new *nn, size_t n)
{
    struct buf ids; /* a PostgreSQL array literal: {"2018-0001-000001","2018-0001-000002",…} */
    buf_init(&ids, 0);
    buf_addc(&ids, '{');
    for (size_t i = 0; i < n; i++) {
        buf_adds(&ids, i ? ",\"" : "\"");
        for (const char *c = nn[i].notice_id; *c; c++) {
            if (*c == '"' || *c == '\\') buf_addc(&ids, '\\');
            buf_addc(&ids, *c);
        }
        buf_addc(&ids, '"');
    }
    buf_addc(&ids, '}');
    db_stmt *s = db_prepare(r->d, "INSERT INTO outbox(notice, incident_id, state, updated_at) "
                                  "SELECT id, incident_id, ?, ? FROM notice WHERE notice_id = ANY(?::text[]) "
                                  "AND incident_id = ? ORDER BY id");
    int rc = !s || db_bind_text(s, 1, state_names[bt->state]) || db_bind_int(s, 2, bt->at) ||
             db_bind_text_ref(s, 3, ids.p, ids.len) || db_bind_int(s, 4, bt->incident_id) || db_step(s) != DB_DONE;
    buf_release(&ids);
    if (rc) return batch_err(r, nn, n);
    if ((size_t)db_changes(r->d) != n)
        return reg_fail(r, 1, "storing notices %s … %s: %d outbox rows made for %zu notices", nn[0].notice_id,
                        nn[n - 1].notice_id, db_changes(r->d), n);
    return 0;
}

int outbox_add_many(reg *r, const struct outbox_batch *bt, const struct outbox_new *nn, size_t n)
{
    int rc = 0;
    if (!n) return 0;
    if (!db_can_copy(r->d)) { /* SQLite: a statement costs no round trip */
        for (size_t i = 0; i < n && !rc; i++)
            rc = outbox_add(r, bt->incident_id, bt->approval_id, bt->scan_id, bt->import_id, bt->at, &nn[i], bt->state,
                            NULL);
        return rc;
    }
    if ((rc = copy_notices(r, bt, nn, n))) return rc;
    return outbox_rows(r, bt, nn, n);
}

/* the state change of outbox_set_state and outbox_settle: TOKEN, if not NULL, must be the claim
   the notice is under */
static int change_state(reg *r, int64_t row, int from, const char *token, enum outbox_state to, int64_t at,
                        int attempt_inc, const char *reply, int permanent, int64_t next_at)
{
    db *d = reg_db(r);
    db_stmt *s = db_prepare(
        d, "UPDATE outbox SET state = ?, attempts = attempts + ?, permanent = ?, next_at = ?, updated_at = ?, "
           "reply = coalesce(?, reply), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
           "WHERE notice = ? AND (? = '' OR state = ?) AND (? IS NULL OR claimed_by = ?) RETURNING attempts");
    const char *fs = from >= 0 && from < OB_NSTATES ? state_names[from] : "";
    if (!s || db_bind_text(s, 1, state_names[to]) || db_bind_int(s, 2, attempt_inc) || db_bind_int(s, 3, permanent) ||
        db_bind_int(s, 4, next_at) || db_bind_int(s, 5, at) || db_bind_text(s, 6, reply) ||
        db_bind_text(s, 7, state_names[to]) || db_bind_int(s, 8, at) || db_bind_int(s, 9, row) ||
        db_bind_text(s, 10, fs) || db_bind_text(s, 11, fs) || db_bind_text(s, 12, token) || db_bind_text(s, 13, token))
        return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc != DB_ROW) {
        db_reset(s);
        if (token) return reg_fail(r, 1, "notice %lld is no longer claimed by this run", (long long)row);
        return reg_fail(r, 1, "notice %lld is no longer '%s'", (long long)row, fs);
    }
    int64_t attempts = db_col_int(s, 0);
    db_reset(s);
    return add_event(r, row, at, state_names[to], attempts, reply);
}

int outbox_set_state(reg *r, int64_t row, int from, enum outbox_state to, int64_t at, int attempt_inc,
                     const char *reply, int permanent, int64_t next_at)
{
    return change_state(r, row, from, NULL, to, at, attempt_inc, reply, permanent, next_at);
}

int outbox_settle(reg *r, int64_t row, const char *token, enum outbox_state to, int64_t at, int attempt_inc,
                  const char *reply, int permanent, int64_t next_at)
{
    return change_state(r, row, OB_SENDING, token ? token : "", to, at, attempt_inc, reply, permanent, next_at);
}

/* ---------------------------------------------------------------- stored messages */

int outbox_dict_store(reg *r, int64_t incident_id, int64_t at, const void *content, size_t len, int64_t *id)
{
    uint8_t h[32];
    char hex[65];
    sha256_hash(content, len, h);
    sha256_to_hex(h, hex);
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d, "SELECT id FROM notice_dict WHERE sha256 = ?");
    if (!s || db_bind_text(s, 1, hex)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        *id = db_col_int(s, 0);
        db_reset(s);
        return 0;
    }
    s = db_prepare(d, "INSERT INTO notice_dict(incident_id, created_at, sha256, content) VALUES (?, ?, ?, ?) "
                      "RETURNING id");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, at) || db_bind_text(s, 3, hex) ||
        db_bind_blob(s, 4, content, len) || db_step(s) != DB_ROW)
        return reg_dberr(r);
    *id = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

void outbox_tune(reg *r, enum outbox_tuning t)
{
    db *d = reg_db(r);
    if (strcmp(db_backend(d), "sqlite")) return;
    switch (t) {
    case OUTBOX_TUNE_BULK: db_exec(d, "PRAGMA wal_autocheckpoint = 16384; PRAGMA cache_size = -131072"); break;
    case OUTBOX_TUNE_NORMAL: db_exec(d, "PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -2000"); break;
    case OUTBOX_TUNE_DURABLE: db_exec(d, "PRAGMA synchronous = FULL"); break;
    }
}

static void *dup_blob(db_stmt *s, int i, size_t *n)
{
    const void *b = db_col_blob(s, i, n);
    if (!b) {
        *n = 0;
        return NULL;
    }
    void *p = xmalloc(*n ? *n : 1);
    memcpy(p, b, *n);
    return p;
}

int outbox_stored_get(reg *r, int64_t row, struct outbox_stored *st)
{
    memset(st, 0, sizeof *st);
    db_stmt *s = db_prepare(reg_db(r), "SELECT n.message, n.message_len, n.message_codec, d.content, n.text_sha256 "
                                       "FROM notice n LEFT JOIN notice_dict d ON d.id = n.dict_id WHERE n.id = ?");
    if (!s || db_bind_int(s, 1, row)) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc != DB_ROW) {
        db_reset(s);
        return reg_fail(r, 1, "no notice %lld", (long long)row);
    }
    st->packed = dup_blob(s, 0, &st->packed_len);
    st->message_len = db_col_int(s, 1);
    st->codec = dup_col(s, 2);
    st->dict = dup_blob(s, 3, &st->dict_len);
    st->text_sha256 = dup_col(s, 4);
    db_reset(s);
    return 0;
}

void outbox_stored_release(struct outbox_stored *st)
{
    free(st->codec);
    free(st->packed);
    free(st->dict);
    free(st->text_sha256);
    memset(st, 0, sizeof *st);
}

/* ---------------------------------------------------------------- sending */

void outbox_item_release(struct outbox_item *it)
{
    free(it->notice_id);
    free(it->rcpt);
    free(it->rcpt_masked);
    free(it->message_id);
    memset(it, 0, sizeof *it);
}

void outbox_items_free(struct outbox_item *it, size_t n)
{
    for (size_t i = 0; it && i < n; i++) outbox_item_release(&it[i]);
    free(it);
}

/* Claim the due notices of one kind (SQL: ?1 incident, ?2 max attempts, ?3 now, ?4 how many,
   ?5 token; returns notice and attempts) into out[*n ..], each in state FROM before the claim. */
static int claim_kind(reg *r, const char *sql, enum outbox_state from, int64_t incident_id, const char *token,
                      int64_t now, int max_attempts, size_t want, struct outbox_item *out, size_t *n)
{
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, max_attempts) || db_bind_int(s, 3, now) ||
        db_bind_int(s, 4, (int64_t)(want - *n)) || db_bind_text(s, 5, token))
        return reg_dberr(r);
    size_t first = *n;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && *n < want) {
        out[*n].row = db_col_int(s, 0);
        out[*n].attempts = db_col_int(s, 1) - 1;
        out[*n].state = from;
        (*n)++;
    }
    db_reset(s);
    if (rc == DB_ERR) return reg_dberr(r);
    /* RETURNING gives no order: the order the notices were made in */
    for (size_t i = first + 1; i < *n; i++)
        for (size_t j = i; j > first && out[j - 1].row > out[j].row; j--) {
            struct outbox_item t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return 0;
}

/* what a claimed notice is sent with, and its `sending` event */
static int claimed_detail(reg *r, int64_t now, struct outbox_item *it)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT seq, notice_id, rcpt, rcpt_masked, message_id FROM notice WHERE id = ?");
    if (!s || db_bind_int(s, 1, it->row) || db_step(s) != DB_ROW) return reg_dberr(r);
    it->seq = db_col_int(s, 0);
    it->notice_id = dup_col(s, 1);
    it->rcpt = dup_col(s, 2);
    it->rcpt_masked = dup_col(s, 3);
    it->message_id = dup_col(s, 4);
    db_reset(s);
    return add_event(r, it->row, now, "sending", it->attempts + 1, NULL);
}

int outbox_claim(reg *r, int64_t incident_id, const char *token, int64_t now, int max_attempts, size_t want,
                 struct outbox_item **out, size_t *n)
{
    /* queued ones first, in the order they were made (the index outbox_state finds them), then
       transient failures whose back-off has ended; the outer WHERE repeats the condition, so that
       a row another sender took meanwhile is skipped */
    static const char queued[] =
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, next_at = 0, updated_at = ?3, claimed_by = ?5 "
        "WHERE notice IN (SELECT notice FROM outbox WHERE incident_id = ?1 AND state = 'queued' "
        "ORDER BY notice LIMIT ?4) AND state = 'queued' RETURNING notice, attempts";
    static const char failed[] =
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, next_at = 0, updated_at = ?3, claimed_by = ?5 "
        "WHERE notice IN (SELECT notice FROM outbox WHERE incident_id = ?1 AND state = 'failed' AND permanent = 0 "
        "AND attempts < ?2 AND next_at <= ?3 ORDER BY notice LIMIT ?4) "
        "AND state = 'failed' AND permanent = 0 AND attempts < ?2 AND next_at <= ?3 RETURNING notice, attempts";
    *n = 0;
    *out = xcalloc(want ? want : 1, sizeof **out);
    int rc = 0;
    if (want) rc = claim_kind(r, queued, OB_QUEUED, incident_id, token, now, max_attempts, want, *out, n);
    if (!rc && *n < want) rc = claim_kind(r, failed, OB_FAILED, incident_id, token, now, max_attempts, want, *out, n);
    for (size_t i = 0; i < *n && !rc; i++) rc = claimed_detail(r, now, &(*out)[i]);
    return rc;
}

int outbox_count(reg *r, int64_t incident_id, int max_attempts, struct outbox_counts *c)
{
    memset(c, 0, sizeof *c);
    db_stmt *s = db_prepare(
        reg_db(r), "SELECT state, (state = 'failed' AND permanent = 0 AND attempts < ?), count(*), min(next_at) "
                   "FROM outbox o WHERE incident_id = ? AND NOT EXISTS "
                   "(SELECT 1 FROM notice n WHERE n.id = o.notice AND n.kind = 'letter') GROUP BY 1, 2");
    if (!s || db_bind_int(s, 1, max_attempts) || db_bind_int(s, 2, incident_id)) return reg_dberr(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int st = outbox_state_parse(db_col_text(s, 0));
        int retry = (int)db_col_int(s, 1);
        int64_t k = db_col_int(s, 2);
        switch (st) {
        case OB_QUEUED: c->queued += k; break;
        case OB_SENDING: c->sending += k; break;
        case OB_SENT: c->sent += k; break;
        case OB_FAILED:
            if (retry) {
                c->failed_retry += k;
                c->next_retry = db_col_int(s, 3);
            } else c->failed += k;
            break;
        case OB_WRITTEN: c->written += k; break;
        case OB_CANCELLED: c->cancelled += k; break;
        case OB_SUPERSEDED: c->superseded += k; break;
        default: break;
        }
        if (st != OB_SUPERSEDED) c->total += k;
    }
    db_reset(s);
    if (rc == DB_ERR) return reg_dberr(r);
    s = db_prepare(reg_db(r), "SELECT count(*) FROM outbox o JOIN notice n ON n.id = o.notice "
                              "WHERE o.incident_id = ? AND o.state <> 'superseded' AND n.kind = 'followup'");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    c->followups = db_col_int(s, 0);
    db_reset(s);
    s = db_prepare(reg_db(r),
                   "SELECT count(*), count(DISTINCT n.subject) FROM outbox o JOIN notice n ON n.id = o.notice "
                   "WHERE o.incident_id = ? AND o.state <> 'superseded' AND n.kind = 'letter'");
    if (!s || db_bind_int(s, 1, incident_id) || db_step(s) != DB_ROW) return reg_dberr(r);
    c->letters = db_col_int(s, 0);
    c->letter_people = db_col_int(s, 1);
    db_reset(s);
    return 0;
}

/* ---------------------------------------------------------------- letters */

void outbox_letters_free(struct outbox_letter *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++) free(l[i].subject);
    free(l);
}

int outbox_letters(reg *r, int64_t incident_id, struct outbox_letter **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT n.id, n.seq, n.scan_id, n.created_at, n.subject FROM notice n "
                                       "JOIN outbox o ON o.notice = n.id WHERE n.incident_id = ? AND n.kind = 'letter' "
                                       "AND o.state <> 'superseded' ORDER BY n.seq");
    if (!s || db_bind_int(s, 1, incident_id)) return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 64);
        struct outbox_letter *l = &(*out)[(*n)++];
        l->row = db_col_int(s, 0);
        l->seq = db_col_int(s, 1);
        l->scan_id = db_col_int(s, 2);
        l->created_at = db_col_int(s, 3);
        l->subject = dup_col(s, 4);
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int outbox_failed_subjects(reg *r, int64_t incident_id, int max_attempts, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* each person's latest e-mail notice that was not superseded or cancelled (numbered per
       person in one pass: as a max(seq) subquery per notice, PostgreSQL without statistics of
       notice.subject, which analyze.c leaves out, read the outbox once per notice) */
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT subject FROM (SELECT n.id, n.subject, o.state, o.permanent, o.attempts, "
        "row_number() OVER (PARTITION BY n.subject ORDER BY n.seq DESC) AS k FROM notice n "
        "JOIN outbox o ON o.notice = n.id WHERE n.incident_id = ?1 AND n.kind <> 'letter' "
        "AND o.state NOT IN ('superseded', 'cancelled')) x WHERE k = 1 "
        "AND ((state = 'failed' AND (permanent = 1 OR attempts >= ?2)) "
        "OR EXISTS (SELECT 1 FROM notice_bounce b WHERE b.notice = x.id AND b.kind = 'failed')) ORDER BY subject");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, max_attempts)) return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 64);
        (*out)[(*n)++] = dup_col(s, 0);
    }
    db_reset(s);
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

void outbox_problems_free(struct outbox_problem *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].notice_id);
        free(p[i].rcpt_masked);
        free(p[i].reply);
    }
    free(p);
}

int outbox_problems(reg *r, int64_t incident_id, size_t limit, struct outbox_problem **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT n.notice_id, n.rcpt_masked, o.state, o.attempts, o.permanent, coalesce(o.reply, '') FROM outbox o "
        "JOIN notice n ON n.id = o.notice WHERE o.incident_id = ? AND o.state IN ('failed', 'sending') "
        "ORDER BY n.seq LIMIT ?");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_int(s, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit))
        return reg_dberr(r);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 16);
        struct outbox_problem *p = &(*out)[(*n)++];
        p->notice_id = dup_col(s, 0);
        p->rcpt_masked = dup_col(s, 1);
        p->state = !strcmp(db_col_text(s, 2), "sending") ? OB_SENDING : OB_FAILED;
        p->attempts = db_col_int(s, 3);
        p->permanent = (int)db_col_int(s, 4);
        p->reply = dup_col(s, 5);
    }
    db_reset(s);
    if (rc == DB_ERR) {
        outbox_problems_free(*out, *n);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    return 0;
}

static int bulk(reg *r, int64_t incident_id, int64_t at, const char *where, const char *to, const char *reply,
                int64_t *n)
{
    db *d = reg_db(r);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO notice_event(notice, at, state, attempt, reply) SELECT notice, ?, ?, attempts, ? FROM outbox "
             "WHERE incident_id = ? AND %s",
             where);
    db_stmt *s = db_prepare(d, sql);
    if (!s || db_bind_int(s, 1, at) || db_bind_text(s, 2, to) || db_bind_text(s, 3, reply) ||
        db_bind_int(s, 4, incident_id) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    snprintf(sql, sizeof sql,
             "UPDATE outbox SET state = ?, updated_at = ?, next_at = 0, "
             "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, reply = coalesce(?, reply) "
             "WHERE incident_id = ? AND %s",
             where);
    s = db_prepare(d, sql);
    if (!s || db_bind_text(s, 1, to) || db_bind_int(s, 2, at) || db_bind_text(s, 3, to) || db_bind_int(s, 4, at) ||
        db_bind_text(s, 5, reply) || db_bind_int(s, 6, incident_id) || db_step(s) != DB_DONE)
        return reg_dberr(r);
    *n = db_changes(d);
    return 0;
}

int outbox_cancel(reg *r, int64_t incident_id, int64_t at, int64_t *n)
{
    return bulk(r, incident_id, at, "state IN ('queued', 'failed')", "cancelled", "cancelled by the operator", n);
}

int outbox_requeue(reg *r, int64_t incident_id, int64_t at, int64_t *n)
{
    return bulk(r, incident_id, at, "state = 'cancelled'", "queued", NULL, n);
}

int outbox_resolve(reg *r, int64_t incident_id, int64_t at, int sent, const char *why, int64_t *n)
{
    return bulk(r, incident_id, at, "state = 'sending'", sent ? "sent" : "queued", why, n);
}

/* ---------------------------------------------------------------- lookups */

void notice_info_release(struct notice_info *ni)
{
    free(ni->incident_ref);
    free(ni->notice_id);
    free(ni->subject);
    free(ni->lang);
    free(ni->rcpt_masked);
    free(ni->message_id);
    free(ni->text_sha256);
    free(ni->reply);
    free(ni->kind);
    if (ni->rcpt) {
        sodium_memzero(ni->rcpt, strlen(ni->rcpt));
        free(ni->rcpt);
    }
    memset(ni, 0, sizeof *ni);
}

void outbox_infos_free(struct notice_info *ni, size_t n)
{
    for (size_t i = 0; ni && i < n; i++) notice_info_release(&ni[i]);
    free(ni);
}

#define INFO_SQL "SELECT " OUTBOX_ROW_COLS OUTBOX_ROW_FROM

void outbox_row_fill(db_stmt *s, struct notice_info *ni)
{
    memset(ni, 0, sizeof *ni);
    ni->row = db_col_int(s, 0);
    ni->incident_id = db_col_int(s, 1);
    ni->seq = db_col_int(s, 2);
    ni->created_at = db_col_int(s, 3);
    ni->updated_at = db_col_int(s, 4);
    ni->sent_at = db_col_int(s, 5);
    ni->attempts = db_col_int(s, 6);
    ni->state = col_state(s, 7);
    ni->incident_ref = dup_col(s, 8);
    ni->notice_id = dup_col(s, 9);
    ni->subject = dup_col(s, 10);
    ni->lang = dup_col(s, 11);
    ni->rcpt_masked = dup_col(s, 12);
    ni->message_id = dup_col(s, 13);
    ni->text_sha256 = dup_col(s, 14);
    ni->reply = dup_col(s, 15);
    size_t hn = 0;
    const void *h = db_col_blob(s, 16, &hn);
    if (h && hn == sizeof ni->code_hash) memcpy(ni->code_hash, h, hn);
    ni->rcpt = dup_col(s, 17);
    ni->scan_id = db_col_int(s, 18);
    ni->import_id = db_col_int(s, 19);
    ni->purged_at = db_col_int(s, 20);
    ni->kind = dup_col(s, 21);
}

static int info_row(reg *r, db_stmt *s, struct notice_info *ni, int *found)
{
    memset(ni, 0, sizeof *ni);
    *found = 0;
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        outbox_row_fill(s, ni);
        *found = 1;
    }
    db_reset(s);
    return 0;
}

int outbox_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found)
{
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE n.code_hash = ?");
    if (!s || db_bind_blob(s, 1, hash, 32)) return reg_dberr(r);
    int rc = info_row(r, s, ni, found);
    if (!rc && *found && !code_equal_ct(ni->code_hash, hash, 32)) {
        notice_info_release(ni);
        *found = 0;
    }
    return rc;
}

int outbox_find_id(reg *r, const char *notice_id, struct notice_info *ni, int *found)
{
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE n.notice_id = ?");
    if (!s || db_bind_text(s, 1, notice_id)) return reg_dberr(r);
    return info_row(r, s, ni, found);
}

/* the rows of statement S (bound), at most MAX, into *out */
static int info_rows(reg *r, db_stmt *s, size_t max, struct notice_info **out, size_t *n)
{
    *out = xcalloc(max ? max : 1, sizeof **out);
    int st = DB_DONE;
    while (*n < max && (st = db_step(s)) == DB_ROW) outbox_row_fill(s, &(*out)[(*n)++]);
    if (*n >= max) st = DB_DONE;
    db_reset(s);
    if (st == DB_ERR) {
        outbox_infos_free(*out, *n);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    return 0;
}

int outbox_find_email(reg *r, const char *local_at, const char *domain, size_t max, struct notice_info **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE substr(n.rcpt, 1, length(CAST(?1 AS TEXT))) = ?1 "
                                                "AND lower(substr(n.rcpt, length(CAST(?1 AS TEXT)) + 1)) = ?2 "
                                                "ORDER BY n.created_at DESC, n.id DESC");
    if (!s || db_bind_text(s, 1, local_at) || db_bind_text(s, 2, domain)) return reg_dberr(r);
    return info_rows(r, s, max, out, n);
}

int outbox_person_notices(reg *r, int64_t incident_id, const char *subject, size_t max, struct notice_info **out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), INFO_SQL "WHERE n.incident_id = ? AND n.subject = ? "
                                                "AND coalesce(o.state, '') <> 'superseded' ORDER BY n.seq DESC");
    if (!s || db_bind_int(s, 1, incident_id) || db_bind_text(s, 2, subject)) return reg_dberr(r);
    return info_rows(r, s, max, out, n);
}

int outbox_person_zone(reg *r, int64_t import_id, const char *subject, char *out, size_t outsz, int *found)
{
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT timezone FROM subject WHERE import_id = ? AND subject = ?");
    if (!s || db_bind_int(s, 1, import_id) || db_bind_text(s, 2, subject)) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) {
        snprintf(out, outsz, "%s", db_col_text(s, 0) ? db_col_text(s, 0) : "");
        *found = 1;
    }
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

int outbox_log_entry(reg *r, const char *notice_id, int64_t *idx, int *own, int *found)
{
    int rc;
    *own = 0;
    if ((rc = tlog_find(r, "notice", notice_id, idx, found))) return rc;
    if (*found) {
        *own = 1;
        return 0;
    }
    /* notify committed to a batch of notices at once before: ref "FIRST..LAST" */
    /* SQLite has instr(), PostgreSQL strpos(): the one statement here that needs a variant */
    db_stmt *s = db_prepare(reg_db(r),
                            strcmp(db_backend(reg_db(r)), "sqlite")
                                ? "SELECT idx FROM tlog_entry WHERE kind = 'notice' AND strpos(ref, '..') > 0 "
                                  "AND ?1 >= substr(ref, 1, strpos(ref, '..') - 1) "
                                  "AND ?1 <= substr(ref, strpos(ref, '..') + 2) ORDER BY idx DESC LIMIT 1"
                                : "SELECT idx FROM tlog_entry WHERE kind = 'notice' AND instr(ref, '..') > 0 "
                                  "AND ?1 >= substr(ref, 1, instr(ref, '..') - 1) "
                                  "AND ?1 <= substr(ref, instr(ref, '..') + 2) ORDER BY idx DESC LIMIT 1");
    if (!s || db_bind_text(s, 1, notice_id)) return reg_dberr(r);
    int st = db_step(s);
    if (st == DB_ROW) {
        *idx = db_col_int(s, 0);
        *found = 1;
    }
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}
