/* report_model.c — loading the report's model from the register, and what the writers ask of it
 * (the latest assessment and decision, the next filing). Calls nothing else in src/report/. */
#include "report/report_int.h"
#include "register/report_data.h"
#include "register/subjects.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *org(reg *r, const char *key)
{
    const char *v = reg_org_get(r, key);
    return v && *v ? xstrdup(v) : NULL;
}

/* the [exposure "NAME"] sections of a rule, with their request (or where) pattern */
static void parse_rules(const char *text, struct report *m)
{
    size_t cap = 0;
    const char *p = text;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *line = xstrndup(p, len);
        char *s = line;
        while (*s == ' ' || *s == '\t') s++;
        size_t l = strlen(s);
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r')) s[--l] = 0;
        if (!strncmp(s, "[exposure", 9)) {
            char *q1 = strchr(s, '"'), *q2 = q1 ? strrchr(s, '"') : NULL;
            m->rules = xgrow(m->rules, m->nrules, &cap, sizeof *m->rules, 4);
            struct report_rule *ru = &m->rules[m->nrules++];
            ru->name = q1 && q2 > q1 ? xstrndup(q1 + 1, (size_t)(q2 - q1 - 1)) : xstrdup("?");
            ru->where = NULL;
        } else if (m->nrules && !m->rules[m->nrules - 1].where &&
                   (!strncmp(s, "request", 7) || !strncmp(s, "where", 5))) {
            char *eq = strchr(s, '=');
            const char *k = s;
            size_t kl = strcspn(k, " \t=");
            if (eq && (kl == 7 || kl == 5)) {
                eq++;
                while (*eq == ' ' || *eq == '\t') eq++;
                m->rules[m->nrules - 1].where = xstrdup(eq);
            }
        }
        free(line);
        p = e ? e + 1 : NULL;
    }
}


/* ---- keeping personal data out: free text from people (descriptions, reasons, timeline
 * entries) may name an affected person or a viewer by accident; every token that equals an
 * exposed subject id, an imported e-mail address or a kept viewer identity is replaced. ---- */

#define REDACTED "[…]"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* keeps the words of at least 3 bytes (shorter ones cannot be told from ordinary words), sorted */
static void redact_prepare(struct report_words *x)
{
    size_t k = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (strlen(x->v[i]) < 3) free(x->v[i]);
        else x->v[k++] = x->v[i];
    }
    x->n = k;
    if (x->n) qsort(x->v, x->n, sizeof *x->v, cmp_str);
}

static int redact_has(const struct report_words *x, const char *tok, size_t len)
{
    char buf[300];
    if (!len || len >= sizeof buf) return 0;
    memcpy(buf, tok, len);
    buf[len] = 0;
    const char *k = buf;
    return bsearch(&k, x->v, x->n, sizeof *x->v, cmp_str) != NULL;
}

static int tok_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80 ||
           strchr("_.@+-:", c);
}

/* HITS collects the tokens replaced (for report_redacted_words) */
static void hit_add(struct report_words *hits, const char *t, size_t len)
{
    hits->v = xgrow(hits->v, hits->n, &hits->cap, sizeof *hits->v, 16);
    hits->v[hits->n++] = xstrndup(t, len);
}

/* the text with every listed token replaced (a new string), or NULL when nothing matched */
static char *redact_text(const struct report_words *x, const char *text, struct report_words *hits)
{
    if (!text || !x->n) return NULL;
    struct buf b;
    int hit = 0;
    buf_init(&b, 0);
    const char *p = text;
    while (*p) {
        if (!tok_char((unsigned char)*p)) {
            buf_addc(&b, *p++);
            continue;
        }
        const char *t = p;
        while (*p && tok_char((unsigned char)*p)) p++;
        size_t len = (size_t)(p - t), core = len;
        while (core && strchr(".:-", t[core - 1])) core--; /* sentence punctuation after a token */
        if (redact_has(x, t, core)) {
            hit_add(hits, t, core);
            buf_adds(&b, REDACTED);
            buf_add(&b, t + core, len - core);
            hit = 1;
        } else {
            buf_add(&b, t, len);
        }
    }
    if (!hit) {
        buf_release(&b);
        return NULL;
    }
    return buf_detach(&b);
}

static void redact_str(const struct report_words *x, char **s, struct report_words *hits)
{
    char *t = redact_text(x, *s, hits);
    if (t) {
        free(*s);
        *s = t;
    }
}

static void redact_arr(const struct report_words *x, char *s, size_t len, struct report_words *hits)
{
    char *t = redact_text(x, s, hits);
    if (t) {
        snprintf(s, len, "%s", t);
        free(t);
    }
}

static int redact_model(reg *r, struct report *m)
{
    struct report_words x = {0};
    int rc = m->has_scan ? report_data_personal_words(r, m->inc.id, m->scan.id, &x) : 0;
    redact_prepare(&x);
    if (rc || !x.n) goto out;
    for (int i = 0; i < IF_COUNT; i++)
        if (inc_fields[i].type == F_TEXT && i != IF_TITLE) redact_str(&x, &m->inc.v[i], &m->redacted);
    redact_str(&x, &m->inc.v[IF_TITLE], &m->redacted);
    for (size_t i = 0; i < m->nevents; i++) redact_str(&x, &m->events[i].text, &m->redacted);
    for (size_t i = 0; i < m->nassessments; i++) {
        struct assessment *a = &m->assessments[i];
        for (int k = 0; k < ENISA_K_COUNT; k++)
            redact_arr(&x, a->in.v[k].reason, sizeof a->in.v[k].reason, &m->redacted);
    }
    for (size_t i = 0; i < m->ndecisions; i++) {
        redact_str(&x, &m->decisions[i].reason, &m->redacted);
        redact_str(&x, &m->decisions[i].by, &m->redacted);
    }
out:
    report_words_free(&x);
    return rc;
}

void report_free(struct report *m)
{
    if (!m) return;
    free(m->org_name);
    free(m->org_address);
    free(m->dpo_name);
    free(m->dpo_email);
    free(m->dpo_phone);
    free(m->authority);
    free(m->records_lang);
    incident_release(&m->inc);
    if (m->events) inc_events_free(m->events, m->nevents);
    scan_facts_release(&m->facts);
    for (size_t i = 0; i < m->nrules; i++) {
        free(m->rules[i].name);
        free(m->rules[i].where);
    }
    free(m->rules);
    free(m->hours);
    free(m->views);
    assessments_free(m->assessments, m->nassessments);
    decisions_free(m->decisions, m->ndecisions);
    filings_free(m->filings, m->nfilings);
    free(m->purges);
    report_words_free(&m->redacted);
    free(m);
}

/* what the redaction reads: the record, the timeline, the current scan's id, assessments, decisions */
static int load_texts(reg *r, const struct incident *inc, struct report *m)
{
    m->inc = *inc;
    m->inc.id = inc->id;
    for (int i = 0; i < IF_COUNT; i++) m->inc.v[i] = inc->v[i] ? xstrdup(inc->v[i]) : NULL;
    int rc = incident_events(r, inc, &m->events, &m->nevents);
    if (!rc) {
        rc = scans_get(r, inc, 0, &m->scan);
        if (rc == 2) rc = 0;
        else if (!rc) m->has_scan = 1;
    }
    if (!rc) rc = assessments_list(r, inc, &m->assessments, &m->nassessments);
    if (!rc) rc = decisions_list(r, inc, &m->decisions, &m->ndecisions);
    return rc;
}

int report_load(reg *r, const struct incident *inc, struct report **out)
{
    struct report *m = xcalloc(1, sizeof *m);
    int rc;
    *out = NULL;
    m->org_name = org(r, "organisation.name");
    m->org_address = org(r, "organisation.address");
    m->dpo_name = org(r, "dpo.name");
    m->dpo_email = org(r, "dpo.email");
    m->dpo_phone = org(r, "dpo.phone");
    m->authority = inc->v[IF_LEAD_AUTHORITY] ? xstrdup(inc->v[IF_LEAD_AUTHORITY]) : org(r, "authority.lead");
    m->records_lang = org(r, "organisation.records_language");
    m->regime = regime_for(inc_time(inc, IF_AWARE_AT));
    if ((rc = load_texts(r, inc, m))) goto fail;
    m->as_of = inc->updated_at > inc->created_at ? inc->updated_at : inc->created_at;
    for (size_t i = 0; i < m->nevents; i++)
        if (m->events[i].recorded_at > m->as_of) m->as_of = m->events[i].recorded_at;
    deadlines_compute(inc_time(inc, IF_AWARE_AT), m->regime->hours, inc_time(inc, IF_NIS2_NOTIFIED_AT), &m->dl);
    if (m->has_scan) {
        if ((rc = scan_facts_get(r, m->scan.id, &m->facts))) goto fail;
        if ((rc = scans_hours(r, m->scan.id, &m->hours, &m->views, &m->nhours))) goto fail;
        char *rule;
        if ((rc = report_data_rule_text(r, m->scan.id, &rule))) goto fail;
        parse_rules(rule, m);
        free(rule);
    }
    struct subjects_summary sum;
    if ((rc = subjects_summary_get(r, inc, &sum))) goto fail;
    m->subj_version = sum.version;
    m->exposed = sum.exposed;
    m->reachable = sum.reachable;
    m->unreachable = sum.not_reachable;
    subjects_summary_release(&sum); /* the names of unreachable people never enter the model */
    if ((rc = report_data_notices(r, inc->id, &m->notices))) goto fail;
    if ((rc = filings_list(r, inc, &m->filings, &m->nfilings))) goto fail;
    if ((rc = purge_list(r, inc->id, &m->purges, &m->npurges))) goto fail;
    if ((rc = redact_model(r, m))) goto fail;
    *out = m;
    return 0;
fail:
    report_free(m);
    return rc;
}

const struct assessment *report_latest_assessment(const struct report *m)
{
    return m->nassessments ? &m->assessments[m->nassessments - 1] : NULL;
}

const struct decision *report_latest_decision(const struct report *m)
{
    return m->ndecisions ? &m->decisions[m->ndecisions - 1] : NULL;
}

const struct assessment *report_assessment_by_id(const struct report *m, int64_t id)
{
    for (size_t i = 0; i < m->nassessments; i++)
        if (m->assessments[i].id == id) return &m->assessments[i];
    return NULL;
}

int64_t report_next_follow_up(const struct report *m, const char **case_ref)
{
    *case_ref = m->nfilings ? m->filings[0].case_ref : NULL;
    int64_t n = 0;
    for (size_t i = 0; i < m->nfilings; i++)
        if (m->filings[i].follow_up >= n) n = m->filings[i].follow_up + 1;
    return n;
}

void report_basis(const struct report *m, int64_t *assessment_id, int64_t *decision_id, int64_t *scan_id)
{
    const struct assessment *a = report_latest_assessment(m);
    const struct decision *d = report_latest_decision(m);
    *assessment_id = a ? a->id : 0;
    *decision_id = d ? d->id : 0;
    *scan_id = m->has_scan ? m->scan.id : 0;
}

int report_redacted_words(reg *r, const struct incident *inc, struct report_words *out)
{
    struct report *m = xcalloc(1, sizeof *m);
    memset(out, 0, sizeof *out);
    int rc = load_texts(r, inc, m);
    if (!rc) rc = redact_model(r, m);
    if (rc) {
        report_free(m);
        return rc;
    }
    *out = m->redacted;
    memset(&m->redacted, 0, sizeof m->redacted);
    report_free(m);
    return 0;
}
