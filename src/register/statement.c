/* statement.c — public incident statements: publishing a revision (stored, logged in full,
 * on the timeline, audited) and listing them. See statement.h. */
#include "register/statement.h"
#include "register/incident.h"
#include "register/reg_int.h"
#include "register/tlog_store.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATEMENT_MAX (64 * 1024)
#define TITLE_MAX 300

void statement_release(struct statement *s)
{
    if (!s) return;
    free(s->title);
    free(s->text);
    free(s->facts);
    free(s->actor);
    memset(s, 0, sizeof *s);
}

void statements_free(struct statement *s, size_t n)
{
    for (size_t i = 0; i < n; i++) statement_release(&s[i]);
    free(s);
}

/* the public facts of an incident, as in a statement entry */
static json_t *statement_facts(const struct incident *inc)
{
    json_t *f = json_object(), *bt = json_array();
    if (inc->v[IF_BREACH_TYPES] && *inc->v[IF_BREACH_TYPES]) {
        char *t = xstrdup(inc->v[IF_BREACH_TYPES]);
        for (char *save, *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            json_array_append_new(bt, json_string(tok));
        free(t);
    }
    json_object_set_new(f, "breach_types", bt);
    const char *v;
    v = inc->v[IF_APPROX_SUBJECTS];
    json_object_set_new(f, "approx_people", v && *v ? json_integer(strtoll(v, NULL, 10)) : json_null());
    v = inc->v[IF_APPROX_RECORDS];
    json_object_set_new(f, "approx_records", v && *v ? json_integer(strtoll(v, NULL, 10)) : json_null());
    int64_t t = inc_time(inc, IF_OCCURRED_FROM);
    json_object_set_new(f, "exposure_from", t ? tlog_iso_json(t) : json_null());
    t = inc_time(inc, IF_OCCURRED_UNTIL);
    json_object_set_new(f, "exposure_until", t ? tlog_iso_json(t) : json_null());
    return f;
}

json_t *statement_entry(const char *ref, int64_t rev, const char *lang, const char *title, const char *text,
                        json_t *facts, int64_t published_at, int64_t prev_entry)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident", json_string(ref));
    json_object_set_new(o, "revision", json_integer(rev));
    json_object_set_new(o, "lang", json_string(lang));
    json_object_set_new(o, "title", json_string(title));
    json_object_set_new(o, "statement", json_string(text));
    json_object_set_new(o, "facts", json_incref(facts));
    json_object_set_new(o, "published_at", tlog_iso_json(published_at));
    json_object_set_new(o, "previous_entry", prev_entry >= 0 ? json_integer(prev_entry) : json_null());
    return o;
}

static int text_ok(reg *r, const char *what, const char *s, size_t max, int multiline)
{
    size_t n = strlen(s);
    if (!n) return reg_fail(r, 2, "%s is empty", what);
    if (n > max) return reg_fail(r, 2, "%s is too long (%zu bytes, at most %zu)", what, n, max);
    json_t *probe = json_string(s);
    if (!probe) return reg_fail(r, 2, "%s is not valid UTF-8", what);
    json_decref(probe);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < 0x20 && *c != '\t' && !(multiline && *c == '\n')) || *c == 0x7f)
            return reg_fail(r, 2, "%s holds a control character (byte %zu)", what,
                            (size_t)(c - (const unsigned char *)s) + 1);
    return 0;
}

int statement_add(reg *r, const struct incident *inc, const char *lang, const char *title, const char *text,
                  struct statement *out)
{
    int rc;
    if (out) memset(out, 0, sizeof *out);
    if ((rc = tlog_need_tx(r))) return rc;
    if (!lang || (strcmp(lang, "de") && strcmp(lang, "en")))
        return reg_fail(r, 2, "language '%s' is not supported (de, en)", lang ? lang : "");
    if ((rc = text_ok(r, "the title", title, TITLE_MAX, 0)) ||
        (rc = text_ok(r, "the statement", text, STATEMENT_MAX, 1)))
        return rc;
    db *d = r->d;
    json_t *facts = statement_facts(inc);
    char *facts_s = NULL, err[200];
    size_t facts_len;
    if (tlog_json_canonical(facts, &facts_s, &facts_len, err, sizeof err)) {
        json_decref(facts);
        return reg_fail(r, 1, "%s", err);
    }
    int64_t rev = 1, prev_entry = -1;
    db_stmt *s = db_prepare(d, "SELECT revision, title, statement, facts, tlog_idx FROM incident_statement "
                               "WHERE incident_id = ? AND lang = ? ORDER BY revision DESC LIMIT 1");
    if (!s) {
        rc = reg_dberr(r);
        goto out;
    }
    db_bind_int(s, 1, inc->id);
    db_bind_text(s, 2, lang);
    int st = db_step(s);
    if (st == DB_ERR) {
        rc = reg_dberr(r);
        goto out;
    }
    if (st == DB_ROW) {
        int same = !strcmp(db_col_text(s, 1), title) && !strcmp(db_col_text(s, 2), text) &&
                   !strcmp(db_col_text(s, 3), facts_s);
        rev = db_col_int(s, 0) + 1;
        prev_entry = db_col_int(s, 4);
        db_reset(s);
        if (same) {
            rc = reg_fail(r, 2, "revision %lld of the %s statement on %s already says exactly this: nothing to publish",
                          (long long)(rev - 1), lang, inc->ref);
            goto out;
        }
    } else db_reset(s);
    int64_t now = reg_now(r), idx;
    json_t *e = statement_entry(inc->ref, rev, lang, title, text, facts, now, prev_entry);
    rc = tlog_append_public(r, "statement", e, &idx);
    json_decref(e);
    if (rc) goto out;
    s = db_prepare(
        d,
        "INSERT INTO incident_statement(incident_id, lang, revision, title, statement, facts, published_at, actor, tlog_idx) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s || db_bind_int(s, 1, inc->id) || db_bind_text(s, 2, lang) || db_bind_int(s, 3, rev) ||
        db_bind_text(s, 4, title) || db_bind_text(s, 5, text) || db_bind_text(s, 6, facts_s) ||
        db_bind_int(s, 7, now) || db_bind_text(s, 8, reg_actor(r)) || db_bind_int(s, 9, idx) || db_step(s) != DB_DONE) {
        rc = reg_dberr(r);
        goto out;
    }
    char *ev = xasprintf("Public statement published (%s, revision %lld, log entry %lld): %s", lang, (long long)rev,
                         (long long)idx, title);
    rc = incident_event_add(r, inc, now, "published", ev, 0, NULL);
    free(ev);
    if (rc) goto out;
    char oldv[32], newv[96];
    snprintf(oldv, sizeof oldv, "revision %lld", (long long)(rev - 1));
    snprintf(newv, sizeof newv, "revision %lld (%s), log entry %lld", (long long)rev, lang, (long long)idx);
    if ((rc = reg_audit(r, inc->ref, "incident.publish", "statement", rev > 1 ? oldv : NULL, newv))) goto out;
    if (out) {
        snprintf(out->incident, sizeof out->incident, "%s", inc->ref);
        out->revision = rev;
        snprintf(out->lang, sizeof out->lang, "%s", lang);
        out->title = xstrdup(title);
        out->text = xstrdup(text);
        out->facts = facts_s;
        facts_s = NULL;
        out->published_at = now;
        out->log_index = idx;
        out->actor = xstrdup(reg_actor(r));
    }
out:
    json_decref(facts);
    free(facts_s);
    return rc;
}

int statement_list(reg *r, const char *incident_ref, int latest_only, struct statement **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        r->d,
        "SELECT i.ref, s.revision, s.lang, s.title, s.statement, s.facts, s.published_at, s.tlog_idx, s.actor "
        "FROM incident_statement s JOIN incident i ON i.id = s.incident_id "
        "WHERE (?1 IS NULL OR i.ref = ?1) AND (?2 = 0 OR s.revision = (SELECT max(t.revision) FROM incident_statement t "
        "  WHERE t.incident_id = s.incident_id AND t.lang = s.lang)) "
        "ORDER BY i.ref, s.lang, s.revision");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, incident_ref);
    db_bind_int(s, 2, latest_only ? 1 : 0);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 8);
        struct statement *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        snprintf(t->incident, sizeof t->incident, "%s", db_col_text(s, 0));
        t->revision = db_col_int(s, 1);
        snprintf(t->lang, sizeof t->lang, "%s", db_col_text(s, 2));
        t->title = xstrdup(db_col_text(s, 3));
        t->text = xstrdup(db_col_text(s, 4));
        t->facts = xstrdup(db_col_text(s, 5));
        t->published_at = db_col_int(s, 6);
        t->log_index = db_col_int(s, 7);
        t->actor = xstrdup(db_col_text(s, 8));
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : reg_dberr(r);
}
