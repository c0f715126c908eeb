/* report_register.c — the register of breaches (Art. 33(5) GDPR): every incident, notified or
 * not, with its facts, effects, remedial action and the reasoning of every decision; as text,
 * CSV (one row per incident) and JSON (everything, every assessment and decision). */
#include "report/report_int.h"
#include "util/csv.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(en, de) (L ? (de) : (en))

static void iso(int64_t t, char out[KT_ISO_LEN])
{
    if (t) kt_time_iso(t, out);
    else out[0] = 0;
}

static void line(struct buf *b, const char *label, const char *text)
{
    size_t w = utf8_width(label);
    buf_addf(b, "  %s", label);
    if (w + 2 > 24) buf_adds(b, "\n                          ");
    else
        for (size_t i = w; i < 24; i++) buf_addc(b, ' ');
    wrap_text(b, text, 26, 26, 100);
    buf_addc(b, '\n');
}

/* a line whose text is built with printf */
static void linef(struct buf *b, const char *label, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void linef(struct buf *b, const char *label, const char *fmt, ...)
{
    struct buf v;
    buf_init(&v, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&v, fmt, ap);
    va_end(ap);
    line(b, label, buf_str(&v));
    buf_release(&v);
}

/* the word for a canonical value (util/i18n_terms.c); a value klartext does not know stays as typed */
static const char *word(const char *domain, const char *key, int L)
{
    return i18n_term_or(L ? I18N_DE : I18N_EN, domain, key);
}

/* a line listing the words of a list */
static void words_line(struct buf *b, const char *label, const char *list, const char *domain, int L)
{
    struct buf v;
    buf_init(&v, 0);
    report_terms(&v, list, domain, L);
    line(b, label, buf_str(&v));
    buf_release(&v);
}

/* when the organisation became aware, and when the breach happened */
static void text_when(const struct incident *inc, int L, const char *zone, struct buf *b)
{
    char t[128], t2[128];
    report_time((enum report_lang)L, zone, inc_time(inc, IF_AWARE_AT), t, sizeof t);
    linef(b, T("became aware", "Kenntnis"), "%s — %s", t, inc->v[IF_AWARE_HOW]);
    if (!inc->v[IF_OCCURRED_FROM]) return;
    report_time((enum report_lang)L, zone, inc_time(inc, IF_OCCURRED_FROM), t, sizeof t);
    if (inc->v[IF_OCCURRED_UNTIL])
        report_time((enum report_lang)L, zone, inc_time(inc, IF_OCCURRED_UNTIL), t2, sizeof t2);
    else snprintf(t2, sizeof t2, "…");
    linef(b, T("occurred", "Zeitraum"), "%s – %s", t, t2);
}

/* how many people: counted by the scan, estimated, or not known */
static void text_people(const struct report *m, int L, struct buf *b)
{
    const struct incident *inc = &m->inc;
    char n1[I18N_TEXT_MAX], n2[I18N_TEXT_MAX];
    if (m->has_scan) {
        i18n_format_int(L ? I18N_DE : I18N_EN, m->scan.people, n1, sizeof n1);
        i18n_format_int(L ? I18N_DE : I18N_EN, m->scan.records, n2, sizeof n2);
        linef(b, T("people affected", "Betroffene"),
              L ? "%s Personen, %s Datensätze (Protokollauswertung, Version %lld)"
                : "%s people, %s records (log analysis, version %lld)",
              n1, n2, (long long)m->scan.version);
    } else if (inc->v[IF_APPROX_SUBJECTS]) {
        linef(b, T("people affected", "Betroffene"), L ? "etwa %s Personen (Schätzung)" : "about %s people (estimate)",
              inc->v[IF_APPROX_SUBJECTS]);
    } else {
        line(b, T("people affected", "Betroffene"), T("not known yet", "noch nicht bekannt"));
    }
}

/* the facts, effects and remedial action the register must document (Art. 33(5)) */
static void text_facts(const struct report *m, int L, const char *zone, struct buf *b)
{
    const struct incident *inc = &m->inc;
    line(b, T("status", "Status"), word("status", inc->v[IF_STATUS], L));
    line(b, T("facts", "Sachverhalt"),
         inc->v[IF_DESCRIPTION] ? inc->v[IF_DESCRIPTION] : T("(not described)", "(nicht beschrieben)"));
    if (inc->v[IF_BREACH_TYPES])
        words_line(b, T("breach types", "Art der Verletzung"), inc->v[IF_BREACH_TYPES], "breach_type", L);
    if (inc->v[IF_CAUSE]) line(b, T("cause", "Ursache"), word("cause", inc->v[IF_CAUSE], L));
    text_when(inc, L, zone, b);
    const char *cats = inc->v[IF_DATA_CATEGORIES] ? inc->v[IF_DATA_CATEGORIES] : m->has_scan ? m->facts.fields : NULL;
    if (cats) words_line(b, T("data affected", "betroffene Daten"), cats, "field", L);
    text_people(m, L, b);
    line(b, T("effects", "Folgen"),
         inc->v[IF_CONSEQUENCES] ? inc->v[IF_CONSEQUENCES] : T("(not described)", "(nicht beschrieben)"));
    struct buf v;
    buf_init(&v, 0);
    buf_adds(&v, inc->v[IF_MEASURES_TAKEN] ? inc->v[IF_MEASURES_TAKEN] : T("(none recorded)", "(keine erfasst)"));
    if (inc->v[IF_MEASURES_PROPOSED])
        buf_addf(&v, L ? "\nVorgeschlagen: %s" : "\nProposed: %s", inc->v[IF_MEASURES_PROPOSED]);
    line(b, T("remedial action", "Abhilfemaßnahmen"), buf_str(&v));
    buf_release(&v);
}

/* whether and when the authority was notified (and why late), and every filing */
static void text_authority(const struct report *m, int L, const char *zone, struct buf *b)
{
    const struct incident *inc = &m->inc;
    char t[128];
    int64_t notified = inc_time(inc, IF_NOTIFIED_AT);
    struct buf v;
    buf_init(&v, 0);
    if (notified) {
        report_time((enum report_lang)L, zone, notified, t, sizeof t);
        buf_adds(&v, t);
        if (notified > m->dl.authority)
            buf_addf(&v, L ? " (nach Ablauf der %d Stunden)" : " (after the %d hours)", m->regime->hours);
    } else {
        buf_adds(&v, T("not notified", "nicht gemeldet"));
    }
    if (inc->v[IF_DELAY_REASON])
        buf_addf(&v, L ? "\nGründe für die Verzögerung: %s" : "\nreasons for the delay: %s", inc->v[IF_DELAY_REASON]);
    line(b, T("authority", "Aufsichtsbehörde"), buf_str(&v));
    for (size_t i = 0; i < m->nfilings; i++) {
        const struct filing *fl = &m->filings[i];
        report_time((enum report_lang)L, zone, fl->filed_at, t, sizeof t);
        buf_reset(&v);
        if (fl->follow_up) buf_addf(&v, L ? "Folgemeldung Nr. %lld" : "follow-up no. %lld", (long long)fl->follow_up);
        else buf_adds(&v, T("initial notification", "Erstmeldung"));
        buf_addf(&v, L ? " am %s, Aktenzeichen %s, SHA-256 %s" : " on %s, case reference %s, SHA-256 %s", t,
                 fl->case_ref, fl->sha256);
        line(b, T("filing", "Meldung"), buf_str(&v));
    }
    buf_release(&v);
}

/* one assessment: when, by whom, the score, the proposal, the inputs people gave, the reasons */
static void text_assessment(const struct assessment *a, int L, const char *zone, struct buf *b)
{
    char t[128], f[128], lbl[64];
    report_time((enum report_lang)L, zone, a->created_at, t, sizeof t);
    assessment_formula(&a->in, &a->p.severity, L ? ',' : '.', f, sizeof f);
    snprintf(lbl, sizeof lbl, L ? "Bewertung Nr. %lld" : "assessment no. %lld", (long long)a->seq);
    struct buf v;
    buf_init(&v, 0);
    buf_addf(&v,
             L ? "%s, %s: SE = %s (%s); Vorschlag: Aufsichtsbehörde %s, Betroffene %s%s"
               : "%s, %s: SE = %s (%s); proposal: authority %s, people %s%s",
             t, a->actor, f, word("band", enisa_band_name(a->p.severity.band), L),
             word("bool", a->p.notify_authority ? "yes" : "no", L),
             word("people", proposal_people_name(a->p.people), L),
             a->p.voluntary ? T(" (voluntary notice recommended)", " (freiwillige Benachrichtigung empfohlen)") : "");
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *iv = &a->in.v[k];
        if (iv->source != ENISA_SRC_PERSON) continue;
        char nb[32];
        enum enisa_key key = (enum enisa_key)k;
        if (L)
            buf_addf(&v, "\nangegeben: %s = %s%s%s", assessment_key_label(key, 1),
                     assessment_value_label(key, iv->value, 1, nb, sizeof nb), iv->reason[0] ? ": " : "", iv->reason);
        else
            buf_addf(&v, "\ngiven: %s = %s%s%s", enisa_key_name(key), enisa_value_text(key, iv->value, nb, sizeof nb),
                     iv->reason[0] ? ": " : "", iv->reason);
    }
    for (size_t k = 0; k < a->p.nreasons; k++) buf_addf(&v, "\n– %s", L ? a->p.reasons[k].de : a->p.reasons[k].en);
    line(b, lbl, buf_str(&v));
    buf_release(&v);
}

/* one decision: when, by whom, on which assessment, what, how it differs, why */
static void text_decision(const struct report *m, const struct decision *d, int L, const char *zone, struct buf *b)
{
    char t[128], lbl[64];
    report_time((enum report_lang)L, zone, d->created_at, t, sizeof t);
    snprintf(lbl, sizeof lbl, L ? "Entscheidung Nr. %lld" : "decision no. %lld", (long long)d->seq);
    struct buf v;
    buf_init(&v, 0);
    buf_addf(&v,
             L ? "%s, %s (zu Bewertung Nr. %lld): Aufsichtsbehörde %s, Betroffene %s; "
               : "%s, %s (on assessment no. %lld): authority %s, people %s; ",
             t, d->by, (long long)d->assessment_seq, word("bool", d->notify_authority ? "yes" : "no", L),
             word("people", proposal_people_name(d->people), L));
    size_t mark = v.len;
    if (d->differs) report_decision_difference(m, d, L, &v);
    if (d->differs && v.len == mark) buf_adds(&v, L ? "weicht vom Vorschlag ab" : d->difference);
    if (!d->differs) buf_adds(&v, T("as proposed", "wie vorgeschlagen"));
    if (d->reason) buf_addf(&v, L ? "\nBegründung: %s" : "\nreason: %s", d->reason);
    line(b, lbl, buf_str(&v));
    buf_release(&v);
}

/* one incident of the text register */
static void text_incident(const struct report *m, int L, const char *zone, struct buf *b)
{
    buf_addf(b, "\n%s  %s\n", m->inc.ref, m->inc.v[IF_TITLE]);
    text_facts(m, L, zone, b);
    text_authority(m, L, zone, b);
    for (size_t i = 0; i < m->nassessments; i++) text_assessment(&m->assessments[i], L, zone, b);
    if (!m->nassessments) line(b, T("assessment", "Bewertung"), T("none recorded", "keine erfasst"));
    if (!m->ndecisions) line(b, T("decision", "Entscheidung"), T("none recorded", "keine erfasst"));
    for (size_t i = 0; i < m->ndecisions; i++) text_decision(m, &m->decisions[i], L, zone, b);
    if (m->subj_version)
        linef(b, T("communication", "Benachrichtigung"),
              L ? "%lld betroffen, %lld per E-Mail erreichbar, %lld nicht direkt erreichbar"
                : "%lld affected, %lld reachable by e-mail, %lld not reachable individually",
              m->exposed, m->reachable, m->unreachable);
    for (size_t i = 0; i < m->npurges; i++) {
        char t[128];
        report_time((enum report_lang)L, zone, m->purges[i].at, t, sizeof t);
        linef(b, T("deleted", "gelöscht"),
              L ? "%s: %s, %lld Datensätze (Aufbewahrungsfrist %s)" : "%s: %s, %lld records (retention period %s)", t,
              purge_kind_name(m->purges[i].kind), (long long)m->purges[i].count, m->purges[i].period);
    }
    const struct report_notices *c = &m->notices;
    char nr[48];
    if (c->not_reached >= 0) snprintf(nr, sizeof nr, "%lld", (long long)c->not_reached);
    else snprintf(nr, sizeof nr, "%s", T("unknown after the purge", "nach der Löschung unbekannt"));
    if (c->made || c->letters)
        linef(b, T("notices", "Mitteilungen"),
              L ? "%lld erstellt (davon %lld Nachträge): %lld versandt, %lld in Dateien; zurückgegeben: %lld "
                  "unzustellbar, %lld verzögert; %lld Briefe per Post; nicht direkt benachrichtigt: %s"
                : "%lld made (%lld follow-ups): %lld sent, %lld written to files; returned: %lld undeliverable, "
                  "%lld delayed; %lld letters by post; not told individually: %s",
              (long long)c->made, (long long)c->followups, (long long)c->sent, (long long)c->written,
              (long long)c->returned_failed, (long long)c->returned_delayed, (long long)c->letters, nr);
}

static int sink(void *ctx, const char *data, size_t len)
{
    return buf_add(ctx, data, len);
}

static const char *const csv_cols[] = {"ref",
                                       "title",
                                       "status",
                                       "breach_types",
                                       "cause",
                                       "aware_at",
                                       "aware_how",
                                       "occurred_from",
                                       "occurred_until",
                                       "contained_at",
                                       "description",
                                       "data_categories",
                                       "subject_categories",
                                       "people",
                                       "records",
                                       "count_method",
                                       "consequences",
                                       "measures_taken",
                                       "measures_proposed",
                                       "notified_at",
                                       "notified_late",
                                       "delay_reason",
                                       "case_ref",
                                       "filings",
                                       "assessments",
                                       "se",
                                       "band",
                                       "proposed_authority",
                                       "proposed_people",
                                       "voluntary_notice",
                                       "decisions",
                                       "decided_at",
                                       "decided_by",
                                       "decided_authority",
                                       "decided_people",
                                       "decision_differs",
                                       "decision_reason",
                                       "reachable",
                                       "not_reachable"};
#define NCOLS (sizeof csv_cols / sizeof csv_cols[0])

static void csv_incident(const struct report *m, struct buf *b)
{
    const struct incident *inc = &m->inc;
    char *v[NCOLS] = {0};
    char tmp[NCOLS][KT_ISO_LEN + 40];
    memset(tmp, 0, sizeof tmp);
    size_t c = 0;
#define S(x) (v[c++] = (char *)((x) ? (x) : ""))
#define I(x) (snprintf(tmp[c], sizeof tmp[c], "%lld", (long long)(x)), v[c] = tmp[c], c++)
#define TM(x) (iso((x), tmp[c]), v[c] = tmp[c], c++)
    S(inc->ref);
    S(inc->v[IF_TITLE]);
    S(inc->v[IF_STATUS]);
    S(inc->v[IF_BREACH_TYPES]);
    S(inc->v[IF_CAUSE]);
    TM(inc_time(inc, IF_AWARE_AT));
    S(inc->v[IF_AWARE_HOW]);
    TM(inc_time(inc, IF_OCCURRED_FROM));
    TM(inc_time(inc, IF_OCCURRED_UNTIL));
    TM(inc_time(inc, IF_CONTAINED_AT));
    S(inc->v[IF_DESCRIPTION]);
    S(inc->v[IF_DATA_CATEGORIES] ? inc->v[IF_DATA_CATEGORIES] : m->has_scan ? m->facts.fields : NULL);
    S(inc->v[IF_SUBJECT_CATEGORIES]);
    if (m->has_scan) {
        I(m->scan.people);
        I(m->scan.records);
        S("log analysis");
    } else {
        S(inc->v[IF_APPROX_SUBJECTS]);
        S(inc->v[IF_APPROX_RECORDS]);
        S(inc->v[IF_APPROX_SUBJECTS] ? "estimate" : NULL);
    }
    S(inc->v[IF_CONSEQUENCES]);
    S(inc->v[IF_MEASURES_TAKEN]);
    S(inc->v[IF_MEASURES_PROPOSED]);
    int64_t notified = inc_time(inc, IF_NOTIFIED_AT);
    TM(notified);
    S(notified ? (notified > m->dl.authority ? "yes" : "no") : NULL);
    S(inc->v[IF_DELAY_REASON]);
    S(m->nfilings ? m->filings[0].case_ref : NULL);
    I(m->nfilings);
    I(m->nassessments);
    const struct assessment *a = report_latest_assessment(m);
    if (a) {
        S(a->p.severity.se_text);
        S(enisa_band_name(a->p.severity.band));
        S(a->p.notify_authority ? "yes" : "no");
        S(proposal_people_name(a->p.people));
        S(a->p.voluntary ? "yes" : "no");
    } else {
        S(NULL);
        S(NULL);
        S(NULL);
        S(NULL);
        S(NULL);
    }
    I(m->ndecisions);
    const struct decision *d = report_latest_decision(m);
    if (d) {
        TM(d->created_at);
        S(d->by);
        S(d->notify_authority ? "yes" : "no");
        S(proposal_people_name(d->people));
        S(d->differs ? "yes" : "no");
        S(d->reason);
    } else {
        S(NULL);
        S(NULL);
        S(NULL);
        S(NULL);
        S(NULL);
        S(NULL);
    }
    if (m->subj_version) {
        I(m->reachable);
        I(m->unreachable);
    } else {
        S(NULL);
        S(NULL);
    }
#undef S
#undef I
#undef TM
    csv_write_record(sink, b, (const char *const *)v, NULL, c);
}

int report_register(reg *r, int fmt, enum report_lang lang, const char *zone, struct buf *out)
{
    struct incident *l = NULL;
    size_t n = 0;
    int rc = incident_list(r, 1, &l, &n);
    int L = lang == REPORT_DE;
    json_t *arr = fmt == REPORT_REGISTER_JSON ? json_array() : NULL;
    if (rc) goto out;
    if (fmt == REPORT_REGISTER_CSV) csv_write_record(sink, out, csv_cols, NULL, NCOLS);
    if (fmt == REPORT_REGISTER_TEXT) {
        const char *org = reg_org_get(r, "organisation.name");
        buf_addf(out, L ? "Verzeichnis der Verletzungen des Schutzes personenbezogener Daten (Art. 33 Abs. 5 DSGVO)\n"
                        : "Register of personal data breaches (Art. 33(5) GDPR)\n");
        const char *note = report_free_text_note(reg_org_get(r, "organisation.records_language"), L);
        buf_addf(out,
                 L ? "%s — %zu Vorfälle, gemeldet oder nicht; Zeiten in %s\n"
                   : "%s — %zu incidents, notified or not; times in %s\n",
                 org ? org : "", n, zone);
        if (note) buf_addf(out, L ? "Freitext: %s\n" : "Free text: %s\n", note);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        struct report *m;
        if ((rc = report_load(r, &l[i], &m))) break;
        if (fmt == REPORT_REGISTER_TEXT) text_incident(m, L, zone, out);
        else if (fmt == REPORT_REGISTER_CSV) csv_incident(m, out);
        else {
            json_t *j = report_facts_json(m), *as = json_array(), *ds = json_array();
            for (size_t k = 0; k < m->nassessments; k++)
                json_array_append_new(as, report_assessment_json(&m->assessments[k]));
            for (size_t k = 0; k < m->ndecisions; k++)
                json_array_append_new(ds, report_decision_json(&m->decisions[k]));
            json_object_set_new(j, "assessments", as);
            json_object_set_new(j, "decisions", ds);
            json_array_append_new(arr, j);
        }
        report_free(m);
    }
    if (!rc && arr) {
        json_t *top = json_object();
        json_object_set_new(top, "register", arr);
        arr = NULL;
        char *s = json_dumps(top, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(top);
        if (!s) rc = reg_fail(r, 1, "cannot write the register as JSON");
        else {
            buf_adds(out, s);
            buf_addc(out, '\n');
            free(s);
        }
    }
out:
    if (arr) json_decref(arr);
    for (size_t i = 0; i < n; i++) incident_release(&l[i]);
    free(l);
    return rc;
}
