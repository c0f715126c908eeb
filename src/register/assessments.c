/* assessments.c — append-only assessments, decisions and filings. */
#include "register/assessments.h"
#include "register/reg_int.h"
#include "register/viewlist.h"
#include "register/scans.h"
#include "register/subjects.h"
#include "register/tlog_store.h"
#include "util/buf.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- helpers ---------------- */

void assessment_quarters_short(int q, char sep, char *out, size_t len)
{
    if (q % 4 == 0) {
        snprintf(out, len, "%d", q / 4);
        return;
    }
    enisa_format_quarters(q, sep, out, len);
}

void assessment_formula(const struct enisa_input *in, const struct enisa_result *res, char sep, char *out, size_t len)
{
    char ei[16], se[16], part[16];
    struct buf b;
    buf_init(&b, 256);
    assessment_quarters_short(res->ei_q, sep, ei, sizeof ei);
    buf_addf(&b, "%d × %s", res->dpc, ei);
    int parts[4] = {
        (int)in->v[ENISA_K_CONFIDENTIALITY].value,
        (int)in->v[ENISA_K_INTEGRITY].value,
        (int)in->v[ENISA_K_AVAILABILITY].value,
        in->v[ENISA_K_MALICIOUS].value ? 2 : 0,
    };
    int any = 0;
    for (int i = 0; i < 4; i++) {
        if (!parts[i]) continue;
        enisa_format_quarters(parts[i], sep, part, sizeof part);
        buf_addf(&b, " + %s", part);
        any = 1;
    }
    if (!any) buf_adds(&b, " + 0");
    enisa_format_quarters(res->se_q, sep, se, sizeof se);
    buf_addf(&b, " = %s", se);
    snprintf(out, len, "%s", buf_str(&b));
    buf_release(&b);
}

void assessment_config_text(const struct proposal_config *cfg, char *out, size_t len)
{
    char a[16], b[16];
    enisa_format_quarters(cfg->risk_se_q, '.', a, sizeof a);
    enisa_format_quarters(cfg->high_risk_se_q, '.', b, sizeof b);
    snprintf(out, len,
             "risk_threshold=%s,high_risk_threshold=%s,many_subjects=%lld,special_categories_raise=%s,"
             "vulnerable_raise=%s,permanence_raise=%s,many_subjects_raise=%s,voluntary_notice=%s,"
             "very_many_subjects=%lld,very_many_subjects_raise=%s,long_outage_hours=%lld,outage_raise=%s,"
             "identifiers_raise=%s,regime=%s",
             a, b, cfg->many_subjects, cfg->special_raises ? "yes" : "no", cfg->vulnerable_raises ? "yes" : "no",
             cfg->permanent_raises ? "yes" : "no", cfg->many_raises ? "yes" : "no",
             cfg->voluntary_notice ? "yes" : "no", cfg->very_many_subjects, cfg->very_many_raises ? "yes" : "no",
             cfg->long_outage_minutes / 60, cfg->outage_raises ? "yes" : "no", cfg->identifiers_raise ? "yes" : "no",
             proposal_regime(cfg)->id);
}

int assessment_config_parse(const char *text, struct proposal_config *cfg, char *err, size_t errlen)
{
    proposal_config_default(cfg);
    char *t = xstrdup(text);
    int rc = 0;
    for (char *save, *tok = strtok_r(t, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "bad configuration item '%.60s'", tok);
            rc = -1;
            break;
        }
        *eq = 0;
        rc = !strcmp(tok, "regime") ? proposal_config_set_regime(cfg, eq + 1, err, errlen)
                                    : proposal_config_set(cfg, tok, eq + 1, err, errlen);
    }
    free(t);
    return rc;
}

static const char *src_name(enum enisa_source s)
{
    return enisa_source_name(s);
}

static enum enisa_source src_parse(const char *s)
{
    for (int i = ENISA_SRC_UNSET; i <= ENISA_SRC_PERSON; i++)
        if (!strcmp(s, enisa_source_name((enum enisa_source)i))) return (enum enisa_source)i;
    return ENISA_SRC_UNSET;
}

static enum proposal_rule rule_parse(const char *s)
{
    for (int i = 0; i < PROPOSAL_R_COUNT; i++)
        if (!strcmp(s, proposal_rule_name((enum proposal_rule)i))) return (enum proposal_rule)i;
    return PROPOSAL_R_SEVERITY;
}

static const char *people_word(enum proposal_people p)
{
    return p == PROPOSAL_PEOPLE_YES ? "yes" : p == PROPOSAL_PEOPLE_PUBLIC ? "public" : "no";
}

int decision_people_parse(const char *s)
{
    if (!strcmp(s, "yes")) return PROPOSAL_PEOPLE_YES;
    if (!strcmp(s, "no")) return PROPOSAL_PEOPLE_NO;
    if (!strcmp(s, "public")) return PROPOSAL_PEOPLE_PUBLIC;
    return -1;
}

static void proposal_summary(const struct proposal *p, struct buf *b)
{
    buf_addf(b, "notify the supervisory authority: %s; tell the people: ", p->notify_authority ? "yes" : "no");
    if (p->people == PROPOSAL_PEOPLE_YES)
        buf_adds(b, p->also_public ? "yes, and a public communication for those "
                                     "without contact data"
                                   : "yes");
    else if (p->people == PROPOSAL_PEOPLE_PUBLIC) buf_adds(b, "by a public communication");
    else buf_adds(b, p->voluntary ? "not required, a voluntary notice is recommended" : "no");
}

/* ---------------- assessments ---------------- */

void assessment_release(struct assessment *a)
{
    free(a->actor);
    a->actor = NULL;
}

void assessments_free(struct assessment *a, size_t n)
{
    for (size_t i = 0; i < n; i++) assessment_release(&a[i]);
    free(a);
}

int assessments_add(reg *r, const struct incident *inc, int64_t scan_id, const struct enisa_input *in,
                    const struct proposal_config *cfg, const struct proposal *p, int64_t *seq)
{
    db *d = reg_db(r);
    char conf[512];
    assessment_config_text(cfg, conf, sizeof conf);
    db_stmt *s = db_prepare(
        d,
        "INSERT INTO assessment(incident_id, seq, created_at, actor, scan_id, config, dpc, dpc_base, ei_q, cb_q, se_q,"
        " band, score_level, level, notify_authority, people, also_public, voluntary)"
        " VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM assessment WHERE incident_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7,"
        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) RETURNING id, seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, reg_now(r));
    db_bind_text(s, 3, reg_actor(r));
    if (scan_id) db_bind_int(s, 4, scan_id);
    else db_bind_null(s, 4);
    db_bind_text(s, 5, conf);
    db_bind_int(s, 6, p->severity.dpc);
    db_bind_int(s, 7, p->severity.dpc_base);
    db_bind_int(s, 8, p->severity.ei_q);
    db_bind_int(s, 9, p->severity.cb_q);
    db_bind_int(s, 10, p->severity.se_q);
    db_bind_int(s, 11, p->severity.band);
    db_bind_int(s, 12, p->enisa_level);
    db_bind_int(s, 13, p->level);
    db_bind_int(s, 14, p->notify_authority);
    db_bind_int(s, 15, p->people);
    db_bind_int(s, 16, p->also_public);
    db_bind_int(s, 17, p->voluntary);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    int64_t id = db_col_int(s, 0);
    *seq = db_col_int(s, 1);
    db_reset(s);
    s = db_prepare(d,
                   "INSERT INTO assessment_input(assessment_id, name, value, source, reason) VALUES (?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        db_bind_int(s, 1, id);
        db_bind_text(s, 2, enisa_key_name((enum enisa_key)k));
        db_bind_int(s, 3, in->v[k].value);
        db_bind_text(s, 4, src_name(in->v[k].source));
        db_bind_text(s, 5, in->v[k].reason);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    s = db_prepare(d,
                   "INSERT INTO assessment_reason(assessment_id, idx, rule, text_en, text_de) VALUES (?, ?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    for (size_t i = 0; i < p->nreasons; i++) {
        db_bind_int(s, 1, id);
        db_bind_int(s, 2, (int64_t)i + 1);
        db_bind_text(s, 3, proposal_rule_name(p->reasons[i].rule));
        db_bind_text(s, 4, p->reasons[i].en);
        db_bind_text(s, 5, p->reasons[i].de);
        if (db_step(s) != DB_DONE) return reg_dberr(r);
    }
    char f[128];
    assessment_formula(in, &p->severity, '.', f, sizeof f);
    struct buf b;
    buf_init(&b, 4096);
    buf_addf(&b, "Risk assessed (assessment #%lld, ENISA 2013): SE = %s, %s; level: %s. Proposal: ", (long long)*seq, f,
             enisa_band_name(p->severity.band), proposal_level_name(p->level));
    proposal_summary(p, &b);
    buf_adds(&b, ".");
    int rc = incident_event_add(r, inc, reg_now(r), "assessment", buf_str(&b), 0, NULL);
    buf_release(&b);
    if (rc) return rc;
    char v[64], se[16];
    snprintf(v, sizeof v, "%lld", (long long)*seq);
    if ((rc = reg_audit(r, inc->ref, "assessment.add", "number", NULL, v))) return rc;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        char num[32];
        const char *val = enisa_value_text((enum enisa_key)k, in->v[k].value, num, sizeof num);
        char *t = xasprintf("%s (%s)%s%s", val, src_name(in->v[k].source), in->v[k].reason[0] ? ": " : "",
                            in->v[k].reason);
        rc = reg_audit(r, inc->ref, "assessment.add", enisa_key_name((enum enisa_key)k), NULL, t);
        free(t);
        if (rc) return rc;
    }
    if ((rc = reg_audit(r, inc->ref, "assessment.add", "config", NULL, conf))) return rc;
    enisa_format_quarters(p->severity.se_q, '.', se, sizeof se);
    snprintf(v, sizeof v, "%s (%s)", se, enisa_band_name(p->severity.band));
    if ((rc = reg_audit(r, inc->ref, "assessment.add", "severity", NULL, v))) return rc;
    buf_init(&b, 1024);
    proposal_summary(p, &b);
    rc = reg_audit(r, inc->ref, "assessment.add", "proposal", NULL, buf_str(&b));
    buf_release(&b);
    return rc;
}

static int load_details(reg *r, struct assessment *a)
{
    db *d = reg_db(r);
    enisa_input_init(&a->in);
    db_stmt *s = db_prepare(d, "SELECT name, value, source, reason FROM assessment_input WHERE assessment_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, a->id);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int k = -1;
        for (int i = 0; i < ENISA_K_COUNT; i++)
            if (!strcmp(db_col_text(s, 0), enisa_key_name((enum enisa_key)i))) k = i;
        if (k < 0) continue;
        struct enisa_value *v = &a->in.v[k];
        v->value = db_col_int(s, 1);
        v->source = src_parse(db_col_text(s, 2));
        snprintf(v->reason, sizeof v->reason, "%s", db_col_text(s, 3));
    }
    if (rc == DB_ERR) return reg_dberr(r);
    s = db_prepare(d, "SELECT rule, text_en, text_de FROM assessment_reason WHERE assessment_id = ? ORDER BY idx");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, a->id);
    a->p.nreasons = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (a->p.nreasons >= PROPOSAL_MAX_REASONS) continue;
        struct proposal_reason *x = &a->p.reasons[a->p.nreasons++];
        x->rule = rule_parse(db_col_text(s, 0));
        snprintf(x->en, sizeof x->en, "%s", db_col_text(s, 1));
        snprintf(x->de, sizeof x->de, "%s", db_col_text(s, 2));
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

#define ASSESSMENT_COLS \
    "a.id, a.seq, a.created_at, a.actor, coalesce(a.scan_id, 0), coalesce(sc.version, 0), a.config, a.dpc, a.dpc_base," \
    " a.ei_q, a.cb_q, a.se_q, a.band, a.score_level, a.level, a.notify_authority, a.people, a.also_public, a.voluntary" \
    " FROM assessment a LEFT JOIN scan sc ON sc.id = a.scan_id"

static void assessment_from_row(db_stmt *s, struct assessment *a)
{
    memset(a, 0, sizeof *a);
    a->id = db_col_int(s, 0);
    a->seq = db_col_int(s, 1);
    a->created_at = db_col_int(s, 2);
    a->actor = xstrdup(db_col_text(s, 3));
    a->scan_id = db_col_int(s, 4);
    a->scan_version = db_col_int(s, 5);
    char e[256];
    if (assessment_config_parse(db_col_text(s, 6), &a->cfg, e, sizeof e)) proposal_config_default(&a->cfg);
    struct enisa_result *sv = &a->p.severity;
    sv->dpc = (int)db_col_int(s, 7);
    sv->dpc_base = (int)db_col_int(s, 8);
    sv->ei_q = (int)db_col_int(s, 9);
    sv->cb_q = (int)db_col_int(s, 10);
    sv->se_q = (int)db_col_int(s, 11);
    sv->band = (enum enisa_band)db_col_int(s, 12);
    enisa_format_quarters(sv->se_q, '.', sv->se_text, sizeof sv->se_text);
    a->p.enisa_level = (enum proposal_level)db_col_int(s, 13);
    a->p.level = (enum proposal_level)db_col_int(s, 14);
    a->p.notify_authority = (int)db_col_int(s, 15);
    a->p.people = (enum proposal_people)db_col_int(s, 16);
    a->p.also_public = (int)db_col_int(s, 17);
    a->p.voluntary = (int)db_col_int(s, 18);
}

int assessments_list(reg *r, const struct incident *inc, struct assessment **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT " ASSESSMENT_COLS " WHERE a.incident_id = ? ORDER BY a.seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 4);
        assessment_from_row(s, &(*out)[(*n)++]);
    }
    if (rc == DB_ERR) return reg_dberr(r);
    for (size_t i = 0; i < *n; i++)
        if ((rc = load_details(r, &(*out)[i]))) return rc;
    return 0;
}

int assessments_latest(reg *r, const struct incident *inc, struct assessment *a, int *found)
{
    memset(a, 0, sizeof *a);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r),
                            "SELECT " ASSESSMENT_COLS " WHERE a.incident_id = ? ORDER BY a.seq DESC LIMIT 1");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_DONE) return 0;
    assessment_from_row(s, a);
    db_reset(s);
    *found = 1;
    return load_details(r, a);
}

int assessment_same(const struct assessment *a, const struct enisa_input *in, const struct proposal_config *cfg,
                    int64_t scan_id)
{
    if (a->scan_id != scan_id) return 0;
    char x[512], y[512];
    assessment_config_text(&a->cfg, x, sizeof x);
    assessment_config_text(cfg, y, sizeof y);
    if (strcmp(x, y)) return 0;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *u = &a->in.v[k], *v = &in->v[k];
        if (u->value != v->value || u->source != v->source || strcmp(u->reason, v->reason)) return 0;
    }
    return 1;
}

/* ---------------- decisions ---------------- */

void decision_release(struct decision *d)
{
    free(d->actor);
    free(d->by);
    free(d->difference);
    free(d->reason);
    memset(d, 0, sizeof *d);
}

void decisions_free(struct decision *d, size_t n)
{
    for (size_t i = 0; i < n; i++) decision_release(&d[i]);
    free(d);
}

int decisions_add(reg *r, const struct incident *inc, const struct assessment *a, const char *by,
                  const struct proposal_decision *dec, int differs, const char *difference, int64_t *seq)
{
    const char *reason = dec->reason && *dec->reason ? dec->reason : NULL;
    db_stmt *s = db_prepare(
        reg_db(r),
        "INSERT INTO decision(incident_id, assessment_id, seq, created_at, actor, decided_by, notify_authority, people,"
        " differs, difference, reason)"
        " VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM decision WHERE incident_id = ?1), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " RETURNING seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, a->id);
    db_bind_int(s, 3, reg_now(r));
    db_bind_text(s, 4, reg_actor(r));
    db_bind_text(s, 5, by);
    db_bind_int(s, 6, dec->notify_authority);
    db_bind_int(s, 7, dec->people);
    db_bind_int(s, 8, differs);
    db_bind_text(s, 9, difference);
    db_bind_text(s, 10, reason);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    *seq = db_col_int(s, 0);
    db_reset(s);
    struct buf b;
    buf_init(&b, 8192);
    buf_addf(&b, "Decision by %s on assessment #%lld: notify the supervisory authority: %s; tell the people: %s.", by,
             (long long)a->seq, dec->notify_authority ? "yes" : "no",
             dec->people == PROPOSAL_PEOPLE_YES      ? "yes, individually"
             : dec->people == PROPOSAL_PEOPLE_PUBLIC ? "by a public communication"
                                                     : "no");
    if (differs) buf_addf(&b, " It differs from the proposal (%s).", difference);
    else buf_adds(&b, " It follows the proposal.");
    if (reason) buf_addf(&b, " Reason: %s", reason);
    int rc = incident_event_add(r, inc, reg_now(r), "decision", buf_str(&b), 0, NULL);
    buf_release(&b);
    if (rc) return rc;
    char v[64];
    snprintf(v, sizeof v, "%lld", (long long)*seq);
    if ((rc = reg_audit(r, inc->ref, "decision.add", "number", NULL, v))) return rc;
    snprintf(v, sizeof v, "%lld", (long long)a->seq);
    if ((rc = reg_audit(r, inc->ref, "decision.add", "assessment", NULL, v))) return rc;
    if ((rc = reg_audit(r, inc->ref, "decision.add", "decided_by", NULL, by))) return rc;
    if ((rc = reg_audit(r, inc->ref, "decision.add", "authority", NULL, dec->notify_authority ? "yes" : "no")))
        return rc;
    if ((rc = reg_audit(r, inc->ref, "decision.add", "people", NULL, people_word(dec->people)))) return rc;
    if ((rc = reg_audit(r, inc->ref, "decision.add", "difference", NULL, differs ? difference : "none"))) return rc;
    if (reason && (rc = reg_audit(r, inc->ref, "decision.add", "reason", NULL, reason))) return rc;
    /* the transparency log gets a salted commitment to the decision: it proves later that
       this decision existed at this time without publishing who decided or why */
    json_t *c = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "incident", inc->ref, "decision",
                          (json_int_t)*seq, "assessment", (json_int_t)a->seq, "decided_by", by, "authority",
                          dec->notify_authority ? "yes" : "no", "people", people_word(dec->people), "difference",
                          differs ? difference : "none", "reason", reason ? reason : "", "at", (json_int_t)reg_now(r));
    char *canon = NULL, cerr[256];
    size_t clen = 0;
    char ref[64];
    snprintf(ref, sizeof ref, "%s/decision/%lld", inc->ref, (long long)*seq);
    if (!c || tlog_json_canonical(c, &canon, &clen, cerr, sizeof cerr))
        rc = reg_fail(r, 1, "cannot encode the decision for the log: %s", c ? cerr : "out of memory");
    else rc = tlog_append_commitment(r, "decision", canon, clen, ref, NULL);
    free(canon);
    json_decref(c);
    return rc;
}

#define DECISION_COLS \
    "d.id, d.seq, d.assessment_id, a.seq, d.created_at, d.actor, d.decided_by, d.notify_authority, d.people, d.differs," \
    " d.difference, d.reason FROM decision d JOIN assessment a ON a.id = d.assessment_id"

static void decision_from_row(db_stmt *s, struct decision *d)
{
    memset(d, 0, sizeof *d);
    d->id = db_col_int(s, 0);
    d->seq = db_col_int(s, 1);
    d->assessment_id = db_col_int(s, 2);
    d->assessment_seq = db_col_int(s, 3);
    d->created_at = db_col_int(s, 4);
    d->actor = xstrdup(db_col_text(s, 5));
    d->by = xstrdup(db_col_text(s, 6));
    d->notify_authority = (int)db_col_int(s, 7);
    d->people = (enum proposal_people)db_col_int(s, 8);
    d->differs = (int)db_col_int(s, 9);
    d->difference = xstrdup(db_col_text(s, 10));
    d->reason = db_col_is_null(s, 11) ? NULL : xstrdup(db_col_text(s, 11));
}

int decisions_list(reg *r, const struct incident *inc, struct decision **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT " DECISION_COLS " WHERE d.incident_id = ? ORDER BY d.seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 4);
        decision_from_row(s, &(*out)[(*n)++]);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int decisions_latest(reg *r, const struct incident *inc, struct decision *d, int *found)
{
    memset(d, 0, sizeof *d);
    *found = 0;
    db_stmt *s = db_prepare(reg_db(r), "SELECT " DECISION_COLS " WHERE d.incident_id = ? ORDER BY d.seq DESC LIMIT 1");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_ROW) {
        decision_from_row(s, d);
        db_reset(s);
        *found = 1;
    }
    return 0;
}

/* ---------------- filings ---------------- */

void filings_free(struct filing *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].actor);
        free(f[i].case_ref);
        free(f[i].lang);
        free(f[i].format);
    }
    free(f);
}

static void bind_opt_id(db_stmt *s, int idx, int64_t v)
{
    if (v) db_bind_int(s, idx, v);
    else db_bind_null(s, idx);
}

int filings_add(reg *r, const struct incident *inc, struct filing *f)
{
    db_stmt *s = db_prepare(
        reg_db(r),
        "INSERT INTO filing(incident_id, seq, follow_up, filed_at, recorded_at, actor, case_ref, lang, format, sha256, bytes,"
        " assessment_id, decision_id, scan_id)"
        " VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM filing WHERE incident_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11, ?12, ?13) RETURNING id, seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, f->follow_up);
    db_bind_int(s, 3, f->filed_at);
    db_bind_int(s, 4, reg_now(r));
    db_bind_text(s, 5, reg_actor(r));
    db_bind_text(s, 6, f->case_ref);
    db_bind_text(s, 7, f->lang);
    db_bind_text(s, 8, f->format);
    db_bind_text(s, 9, f->sha256);
    db_bind_int(s, 10, f->bytes);
    bind_opt_id(s, 11, f->assessment_id);
    bind_opt_id(s, 12, f->decision_id);
    bind_opt_id(s, 13, f->scan_id);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    f->id = db_col_int(s, 0);
    f->seq = db_col_int(s, 1);
    db_reset(s);
    struct buf b;
    buf_init(&b, 2048);
    if (f->follow_up) buf_addf(&b, "Follow-up report no. %lld (Art. 33(4) GDPR)", (long long)f->follow_up);
    else buf_adds(&b, "Notification (initial report)");
    buf_addf(&b,
             " filed with the supervisory authority, case reference %s; report in %s as %s, %lld bytes, SHA-256 %s.",
             f->case_ref, !strcmp(f->lang, "de") ? "German" : "English", f->format, (long long)f->bytes, f->sha256);
    int rc = incident_event_add(r, inc, f->filed_at, "filing", buf_str(&b), 0, NULL);
    buf_release(&b);
    if (rc) return rc;
    char v[96];
    snprintf(v, sizeof v, "%lld", (long long)f->seq);
    if ((rc = reg_audit(r, inc->ref, "report.file", "number", NULL, v))) return rc;
    snprintf(v, sizeof v, "%s", f->follow_up ? "follow-up" : "initial");
    if (f->follow_up) snprintf(v, sizeof v, "follow-up %lld", (long long)f->follow_up);
    if ((rc = reg_audit(r, inc->ref, "report.file", "kind", NULL, v))) return rc;
    char iso[KT_ISO_LEN];
    kt_time_iso(f->filed_at, iso);
    if ((rc = reg_audit(r, inc->ref, "report.file", "filed_at", NULL, iso))) return rc;
    if ((rc = reg_audit(r, inc->ref, "report.file", "case_ref", NULL, f->case_ref))) return rc;
    snprintf(v, sizeof v, "%s/%s", f->lang, f->format);
    if ((rc = reg_audit(r, inc->ref, "report.file", "lang_format", NULL, v))) return rc;
    if ((rc = reg_audit(r, inc->ref, "report.file", "sha256", NULL, f->sha256))) return rc;
    /* a salted commitment in the transparency log: the filing existed, unaltered, at this time */
    json_t *c = json_pack("{s:s, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:I}", "incident", inc->ref, "filing",
                          (json_int_t)f->seq, "follow_up", (json_int_t)f->follow_up, "case_ref", f->case_ref,
                          "filed_at", (json_int_t)f->filed_at, "lang", f->lang, "format", f->format, "sha256",
                          f->sha256, "bytes", (json_int_t)f->bytes);
    char *canon = NULL, cerr[256];
    size_t clen = 0;
    char ref[64];
    snprintf(ref, sizeof ref, "%s/filing/%lld", inc->ref, (long long)f->seq);
    if (!c || tlog_json_canonical(c, &canon, &clen, cerr, sizeof cerr))
        rc = reg_fail(r, 1, "cannot encode the filing for the log: %s", c ? cerr : "out of memory");
    else rc = tlog_append_commitment(r, "filing", canon, clen, ref, NULL);
    free(canon);
    json_decref(c);
    return rc;
}

int filings_list(reg *r, const struct incident *inc, struct filing **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        reg_db(r),
        "SELECT id, seq, follow_up, filed_at, recorded_at, actor, case_ref, lang, format, sha256, bytes,"
        " coalesce(assessment_id, 0), coalesce(decision_id, 0), coalesce(scan_id, 0) FROM filing WHERE incident_id = ? ORDER BY seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 4);
        struct filing *f = &(*out)[(*n)++];
        memset(f, 0, sizeof *f);
        f->id = db_col_int(s, 0);
        f->seq = db_col_int(s, 1);
        f->follow_up = db_col_int(s, 2);
        f->filed_at = db_col_int(s, 3);
        f->recorded_at = db_col_int(s, 4);
        f->actor = xstrdup(db_col_text(s, 5));
        f->case_ref = xstrdup(db_col_text(s, 6));
        f->lang = xstrdup(db_col_text(s, 7));
        f->format = xstrdup(db_col_text(s, 8));
        snprintf(f->sha256, sizeof f->sha256, "%s", db_col_text(s, 9));
        f->bytes = db_col_int(s, 10);
        f->assessment_id = db_col_int(s, 11);
        f->decision_id = db_col_int(s, 12);
        f->scan_id = db_col_int(s, 13);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

/* ---------------- labels (the words are in util/i18n_terms.c) ---------------- */

static enum i18n_lang lang_of(int de)
{
    return de ? I18N_DE : I18N_EN;
}

const char *assessment_key_label(enum enisa_key k, int de)
{
    const char *w = i18n_term(lang_of(de), "assess.key", enisa_key_name(k));
    return w ? w : "?";
}

const char *assessment_source_label(enum enisa_source s, int de)
{
    return i18n_term_or(lang_of(de), "source", enisa_source_name(s));
}

const char *assessment_value_label(enum enisa_key k, long long v, int de, char *buf, size_t len)
{
    enum i18n_lang L = lang_of(de);
    char domain[64];
    switch (k) {
    case ENISA_K_DPC:
        if (v == 0) return i18n_term_or(L, "assess.value", "base score");
        snprintf(buf, len, "%lld", v);
        return buf;
    case ENISA_K_SUBJECTS:
    case ENISA_K_SUBJECTS_MAX:
        if (v < 0) return i18n_term_or(L, "assess.value", k == ENISA_K_SUBJECTS ? "unknown" : "not given");
        snprintf(buf, len, "%lld", v);
        return buf;
    case ENISA_K_UNAVAILABLE:
        if (v < 0 || i18n_format_duration(L, v * 60, buf, len)) return i18n_term_or(L, "assess.value", "unknown");
        return buf;
    case ENISA_K_CATEGORY:
    case ENISA_K_EI:
        if (v == 0) return i18n_term_or(L, "assess.value", "not given");
        break;
    default: break;
    }
    const char *name = enisa_value_name(k, v);
    if (!name) return "?";
    snprintf(domain, sizeof domain, "assess.%s", enisa_key_name(k));
    const char *w = i18n_term(L, domain, name);
    return w ? w : i18n_term_or(L, "bool", name);
}

const char *assessment_band_meaning(enum enisa_band b, int de)
{
    const char *w = i18n_term(lang_of(de), "band.meaning", enisa_band_name(b));
    return w ? w : "?";
}

/* ---------------- suggestions ---------------- */

void scan_facts_release(struct scan_facts *f)
{
    free(f->fields);
    memset(f, 0, sizeof *f);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scan_facts_get(reg *r, int64_t scan_id, struct scan_facts *out)
{
    memset(out, 0, sizeof *out);
    struct scans_kept kept;
    int found, krc = scans_kept_get(r, scan_id, &kept, &found);
    if (krc) return krc;
    if (found) { /* the per-person rows were purged: the counts kept before */
        out->fields = kept.fields;
        out->viewers = kept.viewers;
        out->anonymous_viewers = kept.anonymous_viewers;
        return 0;
    }
    db *d = reg_db(r);
    db_stmt *s = db_prepare(d, "SELECT DISTINCT fields FROM exposure WHERE scan_id = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, scan_id);
    char **items = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        char *t = xstrdup(db_col_text(s, 0));
        for (char *sv, *tok = strtok_r(t, ";,", &sv); tok; tok = strtok_r(NULL, ";,", &sv)) {
            items = xgrow(items, n, &cap, sizeof *items, 16);
            items[n++] = xstrdup(tok);
        }
        free(t);
    }
    if (rc != DB_ERR) {
        if (n) qsort(items, n, sizeof *items, cmp_cstr);
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < n; i++)
            if (!i || strcmp(items[i], items[i - 1])) buf_addf(&b, "%s%s", b.len ? "," : "", items[i]);
        out->fields = buf_detach(&b);
    }
    for (size_t i = 0; i < n; i++) free(items[i]);
    free(items);
    if (rc == DB_ERR) return reg_dberr(r);
    int64_t v, a;
    if (viewlist_scan_viewers(r, scan_id, &v, &a)) {
        scan_facts_release(out);
        return 1;
    }
    out->viewers = v;
    out->anonymous_viewers = a;
    return 0;
}

void suggest_facts_release(struct suggest_facts *f, struct scan_facts *sf)
{
    scan_facts_release(sf);
    memset(f, 0, sizeof *f);
}

int suggest_facts_get(reg *r, const struct incident *inc, struct suggest_facts *f, struct scan_facts *sf,
                      int64_t *scan_id)
{
    memset(f, 0, sizeof *f);
    memset(sf, 0, sizeof *sf);
    *scan_id = 0;
    f->breach_types = inc->v[IF_BREACH_TYPES];
    f->cause = inc->v[IF_CAUSE];
    f->data_categories = inc->v[IF_DATA_CATEGORIES];
    f->approx_subjects = inc->v[IF_APPROX_SUBJECTS];
    struct scan_info si;
    int rc = scans_get(r, inc, 0, &si);
    if (rc == 2) return 0;
    if (rc || (rc = scan_facts_get(r, si.id, sf))) return rc;
    *scan_id = si.id;
    f->have_scan = 1;
    f->scan_version = si.version;
    f->scan_fields = sf->fields;
    f->people = si.people;
    f->viewers = sf->viewers;
    f->anonymous_viewers = sf->anonymous_viewers;
    struct subjects_summary sum;
    if ((rc = subjects_summary_get(r, inc, &sum))) {
        suggest_facts_release(f, sf);
        return rc;
    }
    f->subjects_version = sum.version;
    f->exposed = sum.exposed;
    f->unreachable = sum.not_reachable;
    subjects_summary_release(&sum);
    return 0;
}

int assessment_suggest(reg *r, const struct incident *inc, struct enisa_input *in, int64_t *scan_id)
{
    struct suggest_facts f;
    struct scan_facts sf;
    char err[512];
    int rc = suggest_facts_get(r, inc, &f, &sf, scan_id);
    if (!rc && suggest_inputs(&f, in, err, sizeof err)) rc = reg_fail(r, 1, "%s", err);
    suggest_facts_release(&f, &sf);
    return rc;
}
