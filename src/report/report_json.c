/* report_json.c — the notification as JSON (the facts, times in UTC) and as VERIS 1.4. */
#include "report/report_int.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *time_or_null(int64_t t)
{
    if (!t) return json_null();
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    return json_string(iso);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *list(const char *s)
{
    json_t *a = json_array();
    if (!s) return a;
    char *t = xstrdup(s);
    for (char *sv, *tok = strtok_r(t, ",;", &sv); tok; tok = strtok_r(NULL, ",;", &sv))
        json_array_append_new(a, json_string(tok));
    free(t);
    return a;
}

static int dump(json_t *j, struct buf *out)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (!s) return -1;
    int rc = buf_adds(out, s) || buf_addc(out, '\n');
    free(s);
    return rc ? -1 : 0;
}

json_t *report_regime_json(const struct regime *g)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(g->id));
    json_object_set_new(j, "name", json_string(g->name_en));
    json_object_set_new(j, "source", json_string(g->source));
    json_object_set_new(j, "in_force", json_boolean(g->in_force));
    json_object_set_new(j, "authority_threshold",
                        json_string(g->authority_threshold == REGIME_HIGH_RISK ? "high risk" : "risk"));
    json_object_set_new(j, "deadline_hours", json_integer(g->hours));
    json_object_set_new(j, "reg_1182_71", json_boolean(g->reg_1182_71));
    json_object_set_new(j, "form", json_string(g->form_en));
    return j;
}

json_t *report_assessment_json(const struct assessment *a)
{
    json_t *j = json_object(), *in = json_object(), *rs = json_array();
    char num[32], f[128];
    json_object_set_new(j, "number", json_integer(a->seq));
    json_object_set_new(j, "at", time_or_null(a->created_at));
    json_object_set_new(j, "by", json_string(a->actor));
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &a->in.v[k];
        json_t *e = json_object();
        enum enisa_key key = (enum enisa_key)k;
        if (key == ENISA_K_DPC || key == ENISA_K_SUBJECTS || key == ENISA_K_SUBJECTS_MAX)
            json_object_set_new(
                e, "value", (key == ENISA_K_DPC && !v->value) || v->value < 0 ? json_null() : json_integer(v->value));
        else if (key == ENISA_K_UNAVAILABLE && v->value < 0) json_object_set_new(e, "value", json_null());
        else json_object_set_new(e, "value", json_string(enisa_value_text(key, v->value, num, sizeof num)));
        json_object_set_new(e, "source", json_string(enisa_source_name(v->source)));
        json_object_set_new(e, "reason", v->reason[0] ? json_string(v->reason) : json_null());
        json_object_set_new(in, enisa_key_name(key), e);
    }
    json_object_set_new(j, "inputs", in);
    assessment_formula(&a->in, &a->p.severity, '.', f, sizeof f);
    json_object_set_new(j, "calculation", json_string(f));
    json_object_set_new(j, "se", json_string(a->p.severity.se_text));
    json_object_set_new(j, "band", json_string(enisa_band_name(a->p.severity.band)));
    json_object_set_new(j, "level", json_string(proposal_level_name(a->p.level)));
    json_object_set_new(j, "score_level", json_string(proposal_level_name(a->p.enisa_level)));
    json_object_set_new(j, "proposed_notify_authority", json_boolean(a->p.notify_authority));
    json_object_set_new(j, "proposed_people", json_string(proposal_people_name(a->p.people)));
    json_object_set_new(j, "also_public", json_boolean(a->p.also_public));
    json_object_set_new(j, "voluntary_notice", json_boolean(a->p.voluntary));
    for (size_t i = 0; i < a->p.nreasons; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "rule", json_string(proposal_rule_name(a->p.reasons[i].rule)));
        json_object_set_new(x, "en", json_string(a->p.reasons[i].en));
        json_object_set_new(x, "de", json_string(a->p.reasons[i].de));
        json_array_append_new(rs, x);
    }
    json_object_set_new(j, "reasons", rs);
    char cfg[512];
    assessment_config_text(&a->cfg, cfg, sizeof cfg);
    json_object_set_new(j, "thresholds", json_string(cfg));
    return j;
}

json_t *report_decision_json(const struct decision *d)
{
    json_t *j = json_object();
    json_object_set_new(j, "number", json_integer(d->seq));
    json_object_set_new(j, "assessment", json_integer(d->assessment_seq));
    json_object_set_new(j, "at", time_or_null(d->created_at));
    json_object_set_new(j, "decided_by", json_string(d->by));
    json_object_set_new(j, "notify_authority", json_boolean(d->notify_authority));
    json_object_set_new(j, "people", json_string(proposal_people_name(d->people)));
    json_object_set_new(j, "differs_from_proposal", json_boolean(d->differs));
    json_object_set_new(j, "difference", d->differs ? json_string(d->difference) : json_null());
    json_object_set_new(j, "reason", str_or_null(d->reason));
    return j;
}

json_t *report_filing_json(const struct filing *f)
{
    json_t *j = json_object();
    json_object_set_new(j, "number", json_integer(f->seq));
    json_object_set_new(j, "type", json_string(f->follow_up ? "follow-up" : "initial"));
    json_object_set_new(j, "follow_up", f->follow_up ? json_integer(f->follow_up) : json_null());
    json_object_set_new(j, "filed_at", time_or_null(f->filed_at));
    json_object_set_new(j, "case_ref", json_string(f->case_ref));
    json_object_set_new(j, "lang", json_string(f->lang));
    json_object_set_new(j, "format", json_string(f->format));
    json_object_set_new(j, "sha256", json_string(f->sha256));
    json_object_set_new(j, "bytes", json_integer(f->bytes));
    return j;
}

/* "report": which filing this is */
static json_t *facts_report(const struct report *m)
{
    const char *case_ref;
    int64_t fu = report_next_follow_up(m, &case_ref);
    json_t *rp = json_object();
    json_object_set_new(rp, "reference", json_string(m->inc.ref));
    json_object_set_new(rp, "type", json_string(fu ? "follow-up" : "initial"));
    json_object_set_new(rp, "follow_up", fu ? json_integer(fu) : json_null());
    json_object_set_new(rp, "case_ref", str_or_null(case_ref));
    json_object_set_new(rp, "as_of", time_or_null(m->as_of));
    return rp;
}

/* "controller", "dpo" and "authority" into j */
static void facts_parties(const struct report *m, json_t *j)
{
    json_t *c = json_object();
    json_object_set_new(c, "name", str_or_null(m->org_name));
    json_object_set_new(c, "address", str_or_null(m->org_address));
    json_object_set_new(j, "controller", c);
    json_t *dpo = json_object();
    json_object_set_new(dpo, "name", str_or_null(m->dpo_name));
    json_object_set_new(dpo, "email", str_or_null(m->dpo_email));
    json_object_set_new(dpo, "phone", str_or_null(m->dpo_phone));
    json_object_set_new(j, "dpo", dpo);
    json_object_set_new(j, "authority", str_or_null(m->authority));
}

/* "incident": the recorded facts */
static json_t *facts_incident(const struct report *m)
{
    const struct incident *inc = &m->inc;
    json_t *i = json_object();
    json_object_set_new(i, "ref", json_string(inc->ref));
    json_object_set_new(i, "title", json_string(inc->v[IF_TITLE]));
    json_object_set_new(i, "status", json_string(inc->v[IF_STATUS]));
    json_object_set_new(i, "description", str_or_null(inc->v[IF_DESCRIPTION]));
    json_object_set_new(i, "breach_types", list(inc->v[IF_BREACH_TYPES]));
    json_object_set_new(i, "cause", str_or_null(inc->v[IF_CAUSE]));
    json_object_set_new(i, "occurred_from", time_or_null(inc_time(inc, IF_OCCURRED_FROM)));
    json_object_set_new(i, "occurred_until", time_or_null(inc_time(inc, IF_OCCURRED_UNTIL)));
    json_object_set_new(i, "contained_at", time_or_null(inc_time(inc, IF_CONTAINED_AT)));
    json_object_set_new(i, "data_categories",
                        list(inc->v[IF_DATA_CATEGORIES] ? inc->v[IF_DATA_CATEGORIES]
                             : m->has_scan              ? m->facts.fields
                                                        : NULL));
    json_object_set_new(i, "data_not_affected", list(inc->v[IF_DATA_NOT_AFFECTED]));
    json_object_set_new(i, "subject_categories", list(inc->v[IF_SUBJECT_CATEGORIES]));
    json_object_set_new(i, "cross_border",
                        inc->v[IF_CROSS_BORDER] ? json_boolean(inc_bool(inc, IF_CROSS_BORDER)) : json_null());
    json_object_set_new(i, "consequences", str_or_null(inc->v[IF_CONSEQUENCES]));
    json_object_set_new(i, "measures_taken", str_or_null(inc->v[IF_MEASURES_TAKEN]));
    json_object_set_new(i, "measures_proposed", str_or_null(inc->v[IF_MEASURES_PROPOSED]));
    return i;
}

/* "numbers": counted by the scan, or estimated */
static json_t *facts_numbers(const struct report *m)
{
    const struct incident *inc = &m->inc;
    json_t *n = json_object();
    if (m->has_scan) {
        json_object_set_new(n, "method", json_string("log analysis"));
        json_object_set_new(n, "scan_version", json_integer(m->scan.version));
        json_object_set_new(n, "people", json_integer(m->scan.people));
        json_object_set_new(n, "records", json_integer(m->scan.records));
        json_object_set_new(n, "views", json_integer(m->scan.views));
        json_object_set_new(n, "viewers", json_integer(m->facts.viewers));
        json_object_set_new(n, "signed_in_viewers", json_integer(m->facts.viewers - m->facts.anonymous_viewers));
        json_object_set_new(n, "anonymous_viewers", json_integer(m->facts.anonymous_viewers));
        json_object_set_new(n, "first_seen", time_or_null(m->scan.first_seen));
        json_object_set_new(n, "last_seen", time_or_null(m->scan.last_seen));
    } else {
        json_object_set_new(n, "method", inc->v[IF_APPROX_SUBJECTS] ? json_string("estimate") : json_null());
        json_object_set_new(n, "people",
                            inc->v[IF_APPROX_SUBJECTS] ? json_integer(strtoll(inc->v[IF_APPROX_SUBJECTS], NULL, 10))
                                                       : json_null());
        json_object_set_new(n, "records",
                            inc->v[IF_APPROX_RECORDS] ? json_integer(strtoll(inc->v[IF_APPROX_RECORDS], NULL, 10))
                                                      : json_null());
    }
    return n;
}

/* "where": the exposure rule's sections and patterns */
static json_t *facts_where(const struct report *m)
{
    json_t *w = json_array();
    for (size_t k = 0; k < m->nrules; k++) {
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(m->rules[k].name));
        json_object_set_new(x, "pattern", str_or_null(m->rules[k].where));
        json_array_append_new(w, x);
    }
    return w;
}

/* "time_limits": awareness, the law applied, its deadline, the notification and any delay */
static json_t *facts_time_limits(const struct report *m)
{
    const struct incident *inc = &m->inc;
    json_t *tl = json_object();
    int64_t notified = inc_time(inc, IF_NOTIFIED_AT);
    json_object_set_new(tl, "aware_at", time_or_null(inc_time(inc, IF_AWARE_AT)));
    json_object_set_new(tl, "aware_how", json_string(inc->v[IF_AWARE_HOW]));
    json_object_set_new(tl, "regime", report_regime_json(m->regime));
    json_object_set_new(tl, "deadline", time_or_null(m->dl.authority));
    json_object_set_new(tl, "reg_1182_71_end", time_or_null(m->dl.fristen_end));
    json_object_set_new(tl, "notified_at", time_or_null(notified));
    json_object_set_new(tl, "notified_late", notified ? json_boolean(notified > m->dl.authority) : json_null());
    json_object_set_new(tl, "delay_reason", str_or_null(inc->v[IF_DELAY_REASON]));
    return tl;
}

/* "communication": the decision on telling the people, who can be reached, the notices */
static json_t *facts_communication(const struct report *m, const struct decision *d)
{
    json_t *cm = json_object();
    json_object_set_new(cm, "decision", d ? json_string(proposal_people_name(d->people)) : json_null());
    json_object_set_new(cm, "people", m->has_scan ? json_integer(m->exposed) : json_null());
    json_object_set_new(cm, "contact_data_version", m->subj_version ? json_integer(m->subj_version) : json_null());
    json_object_set_new(cm, "reachable", m->subj_version ? json_integer(m->reachable) : json_null());
    json_object_set_new(cm, "not_reachable", m->subj_version ? json_integer(m->unreachable) : json_null());
    const struct report_notices *oc = &m->notices;
    json_t *nt = json_object();
    json_object_set_new(nt, "made", json_integer(oc->made));
    json_object_set_new(nt, "sent", json_integer(oc->sent));
    json_object_set_new(nt, "written", json_integer(oc->written));
    json_object_set_new(nt, "pending", json_integer(oc->pending));
    json_object_set_new(nt, "unknown", json_integer(oc->unknown));
    json_object_set_new(nt, "failed", json_integer(oc->failed));
    json_object_set_new(nt, "cancelled", json_integer(oc->cancelled));
    json_object_set_new(nt, "followups", json_integer(oc->followups));
    json_object_set_new(nt, "returned_failed", json_integer(oc->returned_failed));
    json_object_set_new(nt, "returned_delayed", json_integer(oc->returned_delayed));
    json_object_set_new(nt, "letters", json_integer(oc->letters));
    json_object_set_new(nt, "not_reached", oc->not_reached >= 0 ? json_integer(oc->not_reached) : json_null());
    json_object_set_new(cm, "notices", nt);
    return cm;
}

/* the facts every JSON form shares (also the "plus.gdpr" of VERIS) */
json_t *report_facts_json(const struct report *m)
{
    json_t *j = json_object();
    json_object_set_new(j, "report", facts_report(m));
    facts_parties(m, j);
    json_object_set_new(j, "incident", facts_incident(m));
    json_object_set_new(j, "numbers", facts_numbers(m));
    json_object_set_new(j, "where", facts_where(m));
    json_object_set_new(j, "time_limits", facts_time_limits(m));
    const struct assessment *a = report_latest_assessment(m);
    json_object_set_new(j, "assessment", a ? report_assessment_json(a) : json_null());
    const struct decision *d = report_latest_decision(m);
    json_object_set_new(j, "decision", d ? report_decision_json(d) : json_null());
    json_object_set_new(j, "communication", facts_communication(m, d));
    json_t *fl = json_array();
    for (size_t k = 0; k < m->nfilings; k++) json_array_append_new(fl, report_filing_json(&m->filings[k]));
    json_object_set_new(j, "filings", fl);
    if (m->npurges) { /* only after a purge: older outputs stay as they were */
        json_t *pa = json_array();
        for (size_t k = 0; k < m->npurges; k++) {
            const struct purge_rec *p = &m->purges[k];
            json_t *o = json_object();
            json_object_set_new(o, "kind", json_string(purge_kind_name(p->kind)));
            json_object_set_new(o, "deleted_at", time_or_null(p->at));
            json_object_set_new(o, "records", json_integer(p->count));
            json_object_set_new(o, "period", json_string(p->period));
            json_array_append_new(pa, o);
        }
        json_object_set_new(j, "deleted_under_retention_policy", pa);
    }
    return j;
}

int report_write_json(const struct report *m, struct buf *out)
{
    json_t *j = report_facts_json(m);
    json_t *h = json_array();
    for (size_t k = 0; k < m->nhours; k++) {
        json_t *x = json_object();
        json_object_set_new(x, "hour", time_or_null(m->hours[k]));
        json_object_set_new(x, "views", json_integer(m->views[k]));
        json_array_append_new(h, x);
    }
    json_object_set_new(j, "views_per_hour", h);
    json_t *tl = json_array();
    for (size_t k = 0; k < m->nevents; k++) {
        const struct inc_event *e = &m->events[k];
        json_t *x = json_object();
        json_object_set_new(x, "seq", json_integer(e->seq));
        json_object_set_new(x, "at", time_or_null(e->at));
        json_object_set_new(x, "kind", json_string(e->kind));
        json_object_set_new(x, "text", json_string(e->text));
        json_object_set_new(x, "corrects", e->corrects ? json_integer(e->corrects) : json_null());
        json_array_append_new(tl, x);
    }
    json_object_set_new(j, "timeline", tl);
    return dump(j, out);
}

/* ---------------- VERIS 1.4 ---------------- */

static json_t *varieties(const char *v)
{
    json_t *a = json_array();
    json_array_append_new(a, json_string(v));
    return a;
}

static json_t *duration(int64_t secs)
{
    json_t *j = json_object();
    if (secs < 0) {
        json_object_set_new(j, "unit", json_string("Unknown"));
        return j;
    }
    const char *unit;
    int64_t v;
    if (secs < 60) {
        unit = "Seconds";
        v = secs;
    } else if (secs < 3600) {
        unit = "Minutes";
        v = secs / 60;
    } else if (secs < 2 * 86400) {
        unit = "Hours";
        v = secs / 3600;
    } else if (secs < 14 * 86400) {
        unit = "Days";
        v = secs / 86400;
    } else if (secs < 60 * 86400) {
        unit = "Weeks";
        v = secs / (7 * 86400);
    } else {
        unit = "Months";
        v = secs / (30 * 86400);
    }
    json_object_set_new(j, "unit", json_string(unit));
    json_object_set_new(j, "value", json_integer(v));
    return j;
}

/* actor and action from the recorded cause */
static void veris_actor_action(const char *cause, json_t *actor, json_t *action)
{
    static const struct {
        const char *cause, *error;
    } errors[] = {
        {"programming-error", "Programming error"},
        {"misconfiguration", "Misconfiguration"},
        {"publishing-error", "Publishing error"},
        {"misdelivery", "Misdelivery"},
        {"lost-device", "Loss"},
    };
    for (size_t i = 0; cause && i < sizeof errors / sizeof errors[0]; i++)
        if (!strcmp(cause, errors[i].cause)) {
            json_t *in = json_object(), *e = json_object();
            json_object_set_new(in, "variety",
                                varieties(!strcmp(cause, "programming-error")  ? "Developer"
                                          : !strcmp(cause, "misconfiguration") ? "System admin"
                                                                               : "Unknown"));
            json_object_set_new(in, "motive", varieties("NA"));
            json_object_set_new(actor, "internal", in);
            json_object_set_new(e, "variety", varieties(errors[i].error));
            json_object_set_new(e, "vector", varieties("Unknown"));
            json_object_set_new(action, "error", e);
            return;
        }
    json_t *x = json_object(), *a = json_object();
    if (cause && (!strcmp(cause, "hacking") || !strcmp(cause, "malware") || !strcmp(cause, "theft") ||
                  !strcmp(cause, "social-engineering"))) {
        json_object_set_new(x, "variety", varieties("Unknown"));
        json_object_set_new(x, "motive", varieties("Unknown"));
        json_object_set_new(actor, "external", x);
        const char *act = !strcmp(cause, "theft")                ? "physical"
                          : !strcmp(cause, "social-engineering") ? "social"
                                                                 : cause;
        json_object_set_new(a, "variety", varieties(!strcmp(cause, "theft") ? "Theft" : "Unknown"));
        json_object_set_new(a, "vector", varieties("Unknown"));
        if (!strcmp(act, "social")) json_object_set_new(a, "target", varieties("Unknown"));
        json_object_set_new(action, act, a);
    } else if (cause && !strcmp(cause, "insider-misuse")) {
        json_object_set_new(x, "variety", varieties("Unknown"));
        json_object_set_new(x, "motive", varieties("Unknown"));
        json_object_set_new(actor, "internal", x);
        json_object_set_new(a, "variety", varieties("Privilege abuse"));
        json_object_set_new(a, "vector", varieties("Unknown"));
        json_object_set_new(action, "misuse", a);
    } else if (cause && !strcmp(cause, "processor")) {
        json_object_set_new(x, "country", varieties("Unknown"));
        json_object_set_new(x, "motive", varieties("NA"));
        json_object_set_new(actor, "partner", x);
        json_object_set_new(action, "unknown", a);
    } else {
        json_object_set_new(actor, "unknown", x);
        json_object_set_new(action, "unknown", a);
    }
}

static const char *veris_data_variety(const char *field)
{
    char f[64];
    size_t i;
    for (i = 0; field[i] && i + 1 < sizeof f; i++)
        f[i] = field[i] == '_' ? '-' : (char)(field[i] | ((field[i] >= 'A' && field[i] <= 'Z') ? 0x20 : 0));
    f[i] = 0;
    static const struct {
        const char *f, *v;
    } map[] = {
        {"payment-card", "Payment"},
        {"card", "Payment"},
        {"credit-card", "Payment"},
        {"card-number", "Payment"},
        {"bank", "Bank"},
        {"bank-account", "Bank"},
        {"iban", "Bank"},
        {"bic", "Bank"},
        {"account-number", "Bank"},
        {"password", "Credentials"},
        {"passwords", "Credentials"},
        {"credentials", "Credentials"},
        {"token", "Credentials"},
        {"health", "Medical"},
        {"medical", "Medical"},
        {"diagnosis", "Medical"},
        {"medication", "Medical"},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (!strcmp(map[k].f, f)) return map[k].v;
    int known, special;
    assessment_field_category(f, &known, &special);
    return special ? "Sensitive Personal" : "Personal";
}

static const char *veris_victim(const char *cat)
{
    if (!strcmp(cat, "employees")) return "Employee";
    if (!strcmp(cat, "patients")) return "Patient";
    if (!strcmp(cat, "students")) return "Student";
    if (!strcmp(cat, "other") || !strcmp(cat, "children") || !strcmp(cat, "vulnerable-adults")) return "Other";
    return "Customer";
}

static void add_unique(json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!strcmp(json_string_value(v), s)) return;
    json_array_append_new(a, json_string(s));
}

/* a VERIS date: {"year", "month", "day"} of t in UTC */
static json_t *veris_date(int64_t t)
{
    struct tm tm;
    kt_gmtime(t, &tm);
    json_t *j = json_object();
    json_object_set_new(j, "year", json_integer(tm.tm_year + 1900));
    json_object_set_new(j, "month", json_integer(tm.tm_mon + 1));
    json_object_set_new(j, "day", json_integer(tm.tm_mday));
    return j;
}

/* the incident's identity: schema, ids, whether it is a confirmed incident, the summary */
static void veris_head(const struct report *m, json_t *j)
{
    const struct incident *inc = &m->inc;
    json_object_set_new(j, "schema_version", json_string("1.4.0"));
    json_object_set_new(j, "schema_name", json_string("verisc"));
    json_object_set_new(j, "incident_id", json_string(inc->ref));
    json_object_set_new(j, "source_id", json_string("klartext"));
    json_object_set_new(j, "reference", json_string(inc->ref));
    const char *st = inc->v[IF_STATUS];
    json_object_set_new(j, "security_incident",
                        json_string(!strcmp(st, "suspected")      ? "Suspected"
                                    : !strcmp(st, "not-a-breach") ? "False positive"
                                                                  : "Confirmed"));
    struct buf sb;
    buf_init(&sb, 0);
    buf_adds(&sb, inc->v[IF_TITLE]);
    if (inc->v[IF_DESCRIPTION]) buf_addf(&sb, ". %s", inc->v[IF_DESCRIPTION]);
    json_object_set_new(j, "summary", json_string(buf_str(&sb)));
    buf_release(&sb);
    json_object_set_new(j, "confidence", json_string(m->has_scan ? "High" : "Medium"));
}

/* "timeline": the incident's date, how long until discovery and until containment */
static json_t *veris_timeline(const struct incident *inc)
{
    json_t *tl = json_object();
    int64_t from = inc_time(inc, IF_OCCURRED_FROM), aware = inc_time(inc, IF_AWARE_AT),
            contained = inc_time(inc, IF_CONTAINED_AT);
    json_object_set_new(tl, "incident", veris_date(from ? from : aware));
    if (from && aware >= from) json_object_set_new(tl, "discovery", duration(aware - from));
    if (contained && contained >= aware) json_object_set_new(tl, "containment", duration(contained - aware));
    return tl;
}

/* "asset": a web application when the logs showed the exposure */
static json_t *veris_asset(const struct report *m)
{
    json_t *asset = json_object(), *assets = json_array(), *as = json_object();
    json_object_set_new(as, "variety", json_string(m->has_scan ? "S - Web application" : "S - Unknown"));
    json_array_append_new(assets, as);
    json_object_set_new(asset, "assets", assets);
    json_object_set_new(asset, "cloud", varieties("Unknown"));
    return asset;
}

/* "data": one entry per data variety of the categories (cats), each with the number of people */
static json_t *veris_data(const char *cats, long long people)
{
    json_t *vs = json_array(), *data = json_array();
    char *t = xstrdup(cats);
    for (char *sv, *tok = strtok_r(t, ",;", &sv); tok; tok = strtok_r(NULL, ",;", &sv))
        add_unique(vs, veris_data_variety(tok));
    free(t);
    size_t k;
    json_t *v;
    json_array_foreach(vs, k, v)
    {
        json_t *x = json_object();
        json_object_set_new(x, "variety", json_string(json_string_value(v)));
        if (people >= 0) json_object_set_new(x, "amount", json_integer(people));
        json_array_append_new(data, x);
    }
    json_decref(vs);
    return data;
}

/* "attribute.confidentiality": disclosure, total records, data varieties, victims */
static json_t *veris_confidentiality(const struct report *m)
{
    const struct incident *inc = &m->inc;
    json_t *c = json_object();
    json_object_set_new(c, "data_disclosure", json_string(m->has_scan && m->scan.views ? "Yes" : "Potentially"));
    long long records = m->has_scan                 ? m->scan.records
                        : inc->v[IF_APPROX_RECORDS] ? strtoll(inc->v[IF_APPROX_RECORDS], NULL, 10)
                                                    : -1;
    long long people = m->has_scan                  ? m->scan.people
                       : inc->v[IF_APPROX_SUBJECTS] ? strtoll(inc->v[IF_APPROX_SUBJECTS], NULL, 10)
                                                    : -1;
    if (records >= 0) json_object_set_new(c, "data_total", json_integer(records));
    const char *cats = inc->v[IF_DATA_CATEGORIES] ? inc->v[IF_DATA_CATEGORIES] : m->has_scan ? m->facts.fields : NULL;
    if (cats && *cats) json_object_set_new(c, "data", veris_data(cats, people));
    if (inc->v[IF_SUBJECT_CATEGORIES]) {
        json_t *dv = json_array();
        char *t = xstrdup(inc->v[IF_SUBJECT_CATEGORIES]);
        for (char *sv, *tok = strtok_r(t, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv))
            add_unique(dv, veris_victim(tok));
        free(t);
        json_object_set_new(c, "data_victim", dv);
    }
    return c;
}

/* "attribute": confidentiality (also when no type is recorded), integrity, availability */
static json_t *veris_attribute(const struct report *m)
{
    json_t *attr = json_object();
    const char *types = m->inc.v[IF_BREACH_TYPES];
    if (!types || strstr(types, "confidentiality"))
        json_object_set_new(attr, "confidentiality", veris_confidentiality(m));
    if (types && strstr(types, "integrity")) {
        json_t *x = json_object();
        json_object_set_new(x, "variety", varieties("Modify data"));
        json_object_set_new(attr, "integrity", x);
    }
    if (types && strstr(types, "availability")) {
        json_t *x = json_object();
        json_object_set_new(x, "variety", varieties("Unknown"));
        json_object_set_new(attr, "availability", x);
    }
    return attr;
}

/* "plus": the GDPR facts, and the date of the notification */
static json_t *veris_plus(const struct report *m)
{
    json_t *plus = json_object();
    json_object_set_new(plus, "gdpr", report_facts_json(m));
    int64_t notified = inc_time(&m->inc, IF_NOTIFIED_AT);
    if (notified) {
        json_t *pt = json_object();
        json_object_set_new(pt, "notification", veris_date(notified));
        json_object_set_new(plus, "timeline", pt);
    }
    return plus;
}

int report_write_veris(const struct report *m, struct buf *out)
{
    const struct incident *inc = &m->inc;
    json_t *j = json_object();
    veris_head(m, j);
    json_object_set_new(j, "timeline", veris_timeline(inc));
    json_t *dm = json_object();
    json_object_set_new(dm, "unknown", json_true());
    json_object_set_new(j, "discovery_method", dm);
    json_object_set_new(j, "discovery_notes", json_string(inc->v[IF_AWARE_HOW]));
    json_t *actor = json_object(), *action = json_object();
    veris_actor_action(inc->v[IF_CAUSE], actor, action);
    json_object_set_new(j, "actor", actor);
    json_object_set_new(j, "action", action);
    json_object_set_new(j, "asset", veris_asset(m));
    json_object_set_new(j, "attribute", veris_attribute(m));
    if (inc->v[IF_MEASURES_PROPOSED])
        json_object_set_new(j, "corrective_action", json_string(inc->v[IF_MEASURES_PROPOSED]));
    json_object_set_new(j, "plus", veris_plus(m));
    return dump(j, out);
}
