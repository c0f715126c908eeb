/* report_form.c — answer sheets: the report's content in the order and wording of an authority's
 * breach-notification form, question by question, so that the DPO can copy each answer into the
 * form. Each form names its version and where its questions were read; a question klartext has
 * no answer for is listed as missing, never filled in. The forms and the parts that could not be
 * read are described in docs/report.md ("Answer sheets"). */
#include "report/report_int.h"
#include "util/err.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* an answer: 1 when klartext has one (in b), 0 when not (b may say what to do) */
typedef int (*answer_fn)(const struct report *m, const char *zone, struct buf *b);

struct question {
    const char *number; /* as the form numbers it, or "" */
    const char *text; /* the form's words */
    const char *read; /* "verbatim" or where the words come from */
    answer_fn answer;
};

struct form {
    const char *id, *name, *version, *where, *partial;
    enum report_lang lang;
    const struct question *q;
    size_t n;
};

/* ---- helpers ---- */

static const char *data_categories(const struct report *m)
{
    const char *c = m->inc.v[IF_DATA_CATEGORIES];
    return c ? c : m->has_scan ? m->facts.fields : NULL;
}

static int text_or_missing(struct buf *b, const char *text)
{
    if (!text || !*text) return 0;
    buf_adds(b, text);
    return 1;
}

static void time_in(enum report_lang L, const char *zone, int64_t t, struct buf *b)
{
    char s[128];
    report_time(L, zone, t, s, sizeof s);
    buf_adds(b, s);
}

/* people and records: counted by the scan, or estimated; -1 when not known */
static long long people_count(const struct report *m, int *estimate)
{
    *estimate = !m->has_scan;
    if (m->has_scan) return m->scan.people;
    return m->inc.v[IF_APPROX_SUBJECTS] ? strtoll(m->inc.v[IF_APPROX_SUBJECTS], NULL, 10) : -1;
}

static long long records_count(const struct report *m, int *estimate)
{
    *estimate = !m->has_scan;
    if (m->has_scan) return m->scan.records;
    return m->inc.v[IF_APPROX_RECORDS] ? strtoll(m->inc.v[IF_APPROX_RECORDS], NULL, 10) : -1;
}

/* ---- the ICO's form ---- */

static int ico_report_type(const struct report *m, const char *zone, struct buf *b)
{
    const char *case_ref;
    (void)zone;
    int64_t fu = report_next_follow_up(m, &case_ref);
    if (!fu) buf_adds(b, "Initial report");
    else buf_addf(b, "Follow-up report (no. %lld); ICO case reference: %s", (long long)fu, case_ref);
    return 1;
}

static int ico_what(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->inc.v[IF_DESCRIPTION]) return 0;
    buf_adds(b, m->inc.v[IF_DESCRIPTION]);
    if (m->inc.v[IF_CAUSE]) buf_addf(b, "\nCause: %s.", i18n_term_or(I18N_EN, "cause", m->inc.v[IF_CAUSE]));
    return 1;
}

static int ico_cyber(const struct report *m, const char *zone, struct buf *b)
{
    static const char *const cyber[] = {"hacking", "malware", "social-engineering", NULL};
    const char *c = m->inc.v[IF_CAUSE];
    (void)zone;
    if (!c || !strcmp(c, "unknown")) {
        buf_adds(b, "Don't know (the cause is not recorded yet)");
        return 1;
    }
    int yes = 0;
    for (int i = 0; cyber[i]; i++) yes |= !strcmp(c, cyber[i]);
    buf_addf(b, "%s (the cause is recorded as %s)", yes ? "Yes" : "No", i18n_term_or(I18N_EN, "cause", c));
    return 1;
}

static int ico_how(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    return text_or_missing(b, m->inc.v[IF_AWARE_HOW]);
}

static int ico_discovered(const struct report *m, const char *zone, struct buf *b)
{
    time_in(REPORT_EN, zone, inc_time(&m->inc, IF_AWARE_AT), b);
    return 1;
}

static int ico_happened(const struct report *m, const char *zone, struct buf *b)
{
    int64_t from = inc_time(&m->inc, IF_OCCURRED_FROM), until = inc_time(&m->inc, IF_OCCURRED_UNTIL);
    if (!from) return 0;
    time_in(REPORT_EN, zone, from, b);
    if (until) {
        buf_adds(b, " (until ");
        time_in(REPORT_EN, zone, until, b);
        buf_adds(b, ")");
    }
    return 1;
}

/* the ICO's tick list for one klartext field name */
static const char *ico_category(const char *field)
{
    static const struct {
        const char *prefix, *box;
    } map[] = {
        {"health", "Health data"},
        {"medical", "Health data"},
        {"diagnosis", "Health data"},
        {"medication", "Health data"},
        {"prescription", "Health data"},
        {"disability", "Health data"},
        {"religio", "Religious or philosophical beliefs"},
        {"belief", "Religious or philosophical beliefs"},
        {"politic", "Political opinions"},
        {"party", "Political opinions"},
        {"union", "Trade union membership"},
        {"trade-union", "Trade union membership"},
        {"ethnic", "Data revealing racial or ethnic origin"},
        {"race", "Data revealing racial or ethnic origin"},
        {"sexual-orientation", "Sexual orientation data"},
        {"sex", "Sex life data"},
        {"genetic", "Genetic or biometric data"},
        {"biometric", "Genetic or biometric data"},
        {"criminal", "Criminal convictions, offences"},
        {"conviction", "Criminal convictions, offences"},
        {"offences", "Criminal convictions, offences"},
        {"location", "Location data"},
        {"geo", "Location data"},
        {"gps", "Location data"},
        {"password", "Identification data, eg usernames, passwords"},
        {"credentials", "Identification data, eg usernames, passwords"},
        {"token", "Identification data, eg usernames, passwords"},
        {"username", "Identification data, eg usernames, passwords"},
        {"login", "Identification data, eg usernames, passwords"},
        {"passport", "Official documents, eg driving licences"},
        {"driving-licence", "Official documents, eg driving licences"},
        {"id-card", "Official documents, eg driving licences"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strncmp(field, map[i].prefix, strlen(map[i].prefix))) return map[i].box;
    int known = 0, special = 0;
    enum enisa_category c = assessment_field_category(field, &known, &special);
    if (!known) return NULL;
    if (c == ENISA_CAT_FINANCIAL) return "Economic and financial data, eg credit card numbers, bank details";
    if (c == ENISA_CAT_SIMPLE) return "Basic personal identifiers, eg name, contact details";
    return NULL; /* behavioural data: "Other" */
}

/* ticks the boxes of a ','-separated list: box_of gives a value's box, NULL for "Other" (whose
   details are the values' words in domain) */
static void tick(struct buf *b, const char *list, const char *(*box_of)(const char *), const char *domain)
{
    const char *boxes[64];
    size_t nb = 0;
    struct buf other;
    buf_init(&other, 0);
    char *t = xstrdup(list);
    for (char *sv, *tok = strtok_r(t, ",;", &sv); tok; tok = strtok_r(NULL, ",;", &sv)) {
        const char *box = box_of(tok);
        if (!box) {
            buf_addf(&other, "%s%s", other.len ? ", " : "", i18n_term_or(I18N_EN, domain, tok));
            continue;
        }
        int dup = 0;
        for (size_t i = 0; i < nb; i++) dup |= !strcmp(boxes[i], box);
        if (!dup && nb < sizeof boxes / sizeof boxes[0]) boxes[nb++] = box;
    }
    free(t);
    for (size_t i = 0; i < nb; i++) buf_addf(b, "%s[x] %s", i ? "\n" : "", boxes[i]);
    if (other.len) buf_addf(b, "%s[x] Other (please give details below): %s", nb ? "\n" : "", buf_str(&other));
    buf_release(&other);
}

static int ico_categories(const struct report *m, const char *zone, struct buf *b)
{
    const char *cats = data_categories(m);
    (void)zone;
    if (!cats || !*cats) buf_adds(b, "[x] Not yet known");
    else tick(b, cats, ico_category, "field");
    return 1;
}

static int count_answer(struct buf *b, long long n, int estimate, const char *what)
{
    char t[I18N_TEXT_MAX];
    if (n < 0) return 0;
    i18n_format_int(I18N_EN, n, t, sizeof t);
    buf_addf(b, "%s%s%s", estimate ? "about " : "", t, estimate ? " (an estimate)" : "");
    if (!estimate) buf_addf(b, " (%s counted from the access logs)", what);
    return 1;
}

static int ico_records(const struct report *m, const char *zone, struct buf *b)
{
    int est;
    (void)zone;
    long long n = records_count(m, &est);
    return count_answer(b, n, est, "records");
}

static int ico_subjects(const struct report *m, const char *zone, struct buf *b)
{
    int est;
    (void)zone;
    long long n = people_count(m, &est);
    return count_answer(b, n, est, "people");
}

/* the ICO's box for one of klartext's categories of people, NULL for "Other" */
static const char *ico_subject_box(const char *cat)
{
    static const char *const map[][2] = {
        {"employees", "Employees"},
        {"users", "Users"},
        {"subscribers", "Subscribers"},
        {"students", "Students"},
        {"customers", "Customers or prospective customers"},
        {"prospects", "Customers or prospective customers"},
        {"patients", "Patients"},
        {"children", "Children"},
        {"vulnerable-adults", "Vulnerable adults"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], cat)) return map[i][1];
    return NULL;
}

static int ico_subject_categories(const struct report *m, const char *zone, struct buf *b)
{
    const char *cats = m->inc.v[IF_SUBJECT_CATEGORIES];
    (void)zone;
    if (!cats) buf_adds(b, "[x] Not yet known");
    else tick(b, cats, ico_subject_box, "subject");
    return 1;
}

static int ico_consequences(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    return text_or_missing(b, m->inc.v[IF_CONSEQUENCES]);
}

/* the ICO's five-point scale is the DPO's judgment: klartext gives its assessment as a basis */
static int ico_likelihood(const struct report *m, const char *zone, struct buf *b)
{
    const struct assessment *a = report_latest_assessment(m);
    (void)zone;
    if (a)
        buf_addf(b,
                 "klartext's assessment no. %lld: %s (ENISA SE %s, %s). klartext does not map its level onto this "
                 "scale: choose the option yourself.",
                 (long long)a->seq, proposal_level_name(a->p.level), a->p.severity.se_text,
                 enisa_band_name(a->p.severity.band));
    return 0;
}

static int ico_cia(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->inc.v[IF_BREACH_TYPES]) return 0;
    buf_adds(b, "Yes: ");
    report_terms(b, m->inc.v[IF_BREACH_TYPES], "breach_type", 0);
    return 1;
}

static int ico_late(const struct report *m, const char *zone, struct buf *b)
{
    int64_t notified = inc_time(&m->inc, IF_NOTIFIED_AT);
    (void)zone;
    if (m->inc.v[IF_DELAY_REASON]) return text_or_missing(b, m->inc.v[IF_DELAY_REASON]);
    if (notified && notified <= m->dl.authority) {
        buf_addf(b, "Not late: reported within %d hours of becoming aware.", m->regime->hours);
        return 1;
    }
    return 0;
}

static int ico_containment(const struct report *m, const char *zone, struct buf *b)
{
    if (!m->inc.v[IF_MEASURES_TAKEN] && !m->inc.v[IF_CONTAINED_AT]) return 0;
    if (m->inc.v[IF_CONTAINED_AT]) {
        buf_adds(b, "Contained on ");
        time_in(REPORT_EN, zone, inc_time(&m->inc, IF_CONTAINED_AT), b);
        buf_adds(b, m->inc.v[IF_MEASURES_TAKEN] ? ". " : ".");
    }
    if (m->inc.v[IF_MEASURES_TAKEN]) buf_adds(b, m->inc.v[IF_MEASURES_TAKEN]);
    return 1;
}

static int ico_prevention(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    return text_or_missing(b, m->inc.v[IF_MEASURES_PROPOSED]);
}

static int ico_told(const struct report *m, const char *zone, struct buf *b)
{
    const struct decision *d = report_latest_decision(m);
    (void)zone;
    if (!d) return 0;
    if (d->people == PROPOSAL_PEOPLE_NO) buf_adds(b, "No, decided not to");
    else if (m->notices.sent || m->notices.written)
        buf_addf(b, "Yes (%lld personal notices sent or delivered, %lld made)",
                 (long long)(m->notices.sent + m->notices.written), (long long)m->notices.made);
    else buf_adds(b, "No, planning to");
    if (d->people == PROPOSAL_PEOPLE_PUBLIC) buf_adds(b, "; by a public communication (Art. 34(3)(c))");
    return 1;
}

static int ico_contact(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->org_name && !m->dpo_name) return 0;
    buf_addf(b, "%s%s%s", m->org_name ? m->org_name : "", m->org_address ? ", " : "",
             m->org_address ? m->org_address : "");
    if (m->dpo_name)
        buf_addf(b, "\nData protection officer: %s%s%s%s%s", m->dpo_name, m->dpo_email ? ", " : "",
                 m->dpo_email ? m->dpo_email : "", m->dpo_phone ? ", " : "", m->dpo_phone ? m->dpo_phone : "");
    return 1;
}

static int none(const struct report *m, const char *zone, struct buf *b)
{
    (void)m;
    (void)zone;
    (void)b;
    return 0;
}

#define V "verbatim, Word form p. 1-2"
#define G "a third party's adaptation of the ICO form (gydeline.com)"
#define R "klartext's notes on the online form; not confirmed"
static const struct question ico_questions[] = {
    {"", "If you have already spoken to a member of ICO staff about this breach, please give their name:", V, none},
    {"1", "Report type: Initial report / Follow-up report. (Follow-up reports only) ICO case reference:", V,
     ico_report_type},
    {"2", "What has happened? Tell us as much as you can about what happened, what went wrong and how it happened.", V,
     ico_what},
    {"3", "Was the breach caused by a cyber incident? Yes / No / Don't know", V, ico_cyber},
    {"4", "How did you find out about the breach?", V, ico_how},
    {"5", "When did you discover the breach? Date / Time", V, ico_discovered},
    {"6", "When did the breach happen? Date / Time", V, ico_happened},
    {"7", "Categories of personal data included in the breach (tick all that apply)", V, ico_categories},
    {"8", "Number of personal data records concerned?", V, ico_records},
    {"9", "How many data subjects could be affected?", V, ico_subjects},
    {"10", "Categories of data subjects affected (tick all that apply)", V, ico_subject_categories},
    {"", "Potential consequences of the breach?", G, ico_consequences},
    {"",
     "What is the likelihood that data subjects will experience significant consequences? Very Likely / Likely / "
     "Neutral / Unlikely / Very unlikely",
     G, ico_likelihood},
    {"",
     "Has confidentiality, integrity or availability of your information systems been affected? Yes / No / Don't "
     "know",
     G, ico_cia},
    {"", "What is the impact to your organisation? High / Medium / Low / Not yet known", G, none},
    {"",
     "What recovery time do you estimate? Regular / Supplemented / Extended / Not recoverable / Already "
     "recovered / Not yet known",
     G, none},
    {"", "Reasons for reporting after 72 hours", R, ico_late},
    {"", "Containment: what have you done to contain the breach?", R, ico_containment},
    {"", "Has the data been recovered?", R, none},
    {"", "What steps will you take to prevent it happening again?", R, ico_prevention},
    {"", "Has the staff member involved had data protection training in the last two years?", R, none},
    {"", "Have you had earlier breaches?", R, none},
    {"", "Have you told the data subjects? Yes / No, decided not to / No, planning to", R, ico_told},
    {"", "Have you told other bodies (police, other regulators, the NCSC)?", R, none},
    {"", "Your organisation, data protection officer and contact", R, ico_contact},
};
#undef V
#undef G
#undef R

/* ---- the LfDI Baden-Württemberg's online form ---- */

static int bw_org(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    return text_or_missing(b, m->org_name);
}

static int bw_address(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->org_address) return 0;
    buf_addf(b, "%s (so erfasst, in einer Zeile; Internetseite nicht erfasst)", m->org_address);
    return 1;
}

static int bw_reporter(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->dpo_name) return 0;
    buf_addf(b, "%s%s%s%s%s (Datenschutzbeauftragte/r; die Funktion der meldenden Person erfasst klartext nicht)",
             m->dpo_name, m->dpo_email ? ", " : "", m->dpo_email ? m->dpo_email : "", m->dpo_phone ? ", " : "",
             m->dpo_phone ? m->dpo_phone : "");
    return 1;
}

/* the form's kinds of "Datenpanne" for klartext's causes (the mapping is klartext's) */
static const char *bw_kind(const char *cause)
{
    static const char *const map[][2] = {
        {"misdelivery", "Fehlversendung/Sendung an falschen Adressaten"},
        {"programming-error", "Unberechtigte Weitergabe/unberechtigter Zugriff Dritter"},
        {"misconfiguration", "Unberechtigte Weitergabe/unberechtigter Zugriff Dritter"},
        {"publishing-error", "Unberechtigte Weitergabe/unberechtigter Zugriff Dritter"},
        {"insider-misuse", "Unberechtigte Weitergabe/unberechtigter Zugriff Dritter"},
        {"processor", "Unberechtigte Weitergabe/unberechtigter Zugriff Dritter"},
        {"lost-device", "Datenverlust durch verloren gegangenes Medium"},
        {"hacking", "Datenverlust durch Hacking"},
        {"malware", "Datenverlust durch Hacking"},
        {"theft", "Datenverlust durch Diebstahl"},
    };
    for (size_t i = 0; cause && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], cause)) return map[i][1];
    return "Datenverlust durch sonstige Umstände (bitte erläutern)";
}

static int bw_what(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->inc.v[IF_DESCRIPTION]) return 0;
    buf_adds(b, m->inc.v[IF_DESCRIPTION]);
    if (m->inc.v[IF_CAUSE])
        buf_addf(b, "\nArt der Datenpanne: %s (Ursache: %s)", bw_kind(m->inc.v[IF_CAUSE]),
                 i18n_term_or(I18N_DE, "cause", m->inc.v[IF_CAUSE]));
    buf_addf(b, "\nWie Sie davon erfahren haben: %s", m->inc.v[IF_AWARE_HOW]);
    return 1;
}

static int bw_when(const struct report *m, const char *zone, struct buf *b)
{
    int64_t from = inc_time(&m->inc, IF_OCCURRED_FROM), until = inc_time(&m->inc, IF_OCCURRED_UNTIL);
    if (!from) return 0;
    buf_adds(b, "vom ");
    time_in(REPORT_DE, zone, from, b);
    if (until) {
        buf_adds(b, " bis ");
        time_in(REPORT_DE, zone, until, b);
    }
    return 1;
}

static int bw_aware(const struct report *m, const char *zone, struct buf *b)
{
    time_in(REPORT_DE, zone, inc_time(&m->inc, IF_AWARE_AT), b);
    return 1;
}

static int bw_categories(const struct report *m, const char *zone, struct buf *b)
{
    const char *cats = data_categories(m);
    (void)zone;
    if (!cats || !*cats) return 0;
    report_terms(b, cats, "field", 1);
    if (m->inc.v[IF_SUBJECT_CATEGORIES]) {
        buf_adds(b, "\nBetroffene Personengruppen: ");
        report_terms(b, m->inc.v[IF_SUBJECT_CATEGORIES], "subject", 1);
    }
    return 1;
}

/* the number of people; the form asks for an estimated upper bound when the number is not known */
static int bw_people(const struct report *m, const char *zone, struct buf *b)
{
    int est;
    char t[I18N_TEXT_MAX];
    (void)zone;
    long long n = people_count(m, &est);
    const struct assessment *a = report_latest_assessment(m);
    long long hi = a ? a->in.v[ENISA_K_SUBJECTS_MAX].value : -1;
    if (n >= 0) {
        i18n_format_int(I18N_DE, n, t, sizeof t);
        buf_addf(b, est ? "etwa %s (Schätzung)" : "%s (aus den Zugriffsprotokollen gezählt)", t);
        return 1;
    }
    if (hi > 0) {
        i18n_format_int(I18N_DE, hi, t, sizeof t);
        buf_addf(b, "höchstens %s (geschätzte Obergrenze aus der Bewertung Nr. %lld)", t, (long long)a->seq);
        return 1;
    }
    buf_adds(b, "Die Zahl ist nicht bekannt; das Formular verlangt dann eine geschätzte Obergrenze.");
    return 0;
}

static int bw_risk(const struct report *m, const char *zone, struct buf *b)
{
    const struct assessment *a = report_latest_assessment(m);
    (void)zone;
    if (!m->inc.v[IF_CONSEQUENCES] && !a) return 0;
    if (m->inc.v[IF_CONSEQUENCES]) buf_adds(b, m->inc.v[IF_CONSEQUENCES]);
    if (a) {
        char se[16];
        enisa_format_quarters(a->p.severity.se_q, ',', se, sizeof se);
        buf_addf(b, "%sRisikobewertung Nr. %lld: %s (ENISA-Schweregrad %s, %s)", m->inc.v[IF_CONSEQUENCES] ? "\n" : "",
                 (long long)a->seq, i18n_term_or(I18N_DE, "level", proposal_level_name(a->p.level)), se,
                 i18n_term_or(I18N_DE, "band", enisa_band_name(a->p.severity.band)));
    }
    return 1;
}

static int bw_measures(const struct report *m, const char *zone, struct buf *b)
{
    (void)zone;
    if (!m->inc.v[IF_MEASURES_TAKEN] && !m->inc.v[IF_MEASURES_PROPOSED]) return 0;
    if (m->inc.v[IF_MEASURES_TAKEN]) buf_addf(b, "Ergriffen: %s", m->inc.v[IF_MEASURES_TAKEN]);
    if (m->inc.v[IF_MEASURES_PROPOSED])
        buf_addf(b, "%sGeplant: %s", m->inc.v[IF_MEASURES_TAKEN] ? "\n" : "", m->inc.v[IF_MEASURES_PROPOSED]);
    return 1;
}

static int bw_people_told(const struct report *m, const char *zone, struct buf *b)
{
    const struct decision *d = report_latest_decision(m);
    (void)zone;
    if (!d) return 0;
    if (d->people == PROPOSAL_PEOPLE_NO) {
        buf_adds(b, "Nein.");
        if (d->reason) buf_addf(b, " Begründung: %s", d->reason);
        else
            buf_adds(b,
                     " Die Entscheidung folgt dem Vorschlag von klartext (Risikobewertung, Abschnitt 6 der Meldung).");
        return 1;
    }
    buf_adds(b, d->people == PROPOSAL_PEOPLE_PUBLIC
                    ? "Ja, durch eine öffentliche Bekanntmachung (Art. 34 Abs. 3 lit. c "
                      "DSGVO)."
                    : "Ja, jede Person mit einer eigenen Nachricht.");
    if (m->notices.made)
        buf_addf(b, " %lld persönliche Mitteilungen erstellt und signiert, %lld versandt oder zugestellt.",
                 (long long)m->notices.made, (long long)(m->notices.sent + m->notices.written));
    buf_adds(b,
             " Die den Betroffenen empfohlenen Gegenmaßnahmen stehen in den Mitteilungen (klartext notify --preview).");
    return 1;
}

#define V "Hilfetext des Formulars, wörtlich"
#define S "Feldbezeichnung nach einer Liste Dritter (datenschutz-webinar.ms-computer.de), nicht bestätigt"
static const struct question bw_questions[] = {
    {"1", "Name des Verantwortlichen (verantwortliche Stelle z.B. Unternehmen, Praxis, Behörde, Verein)", S, bw_org},
    {"2", "Straße und Hausnummer; Postleitzahl; Ort; Internetseite (freiwillig)", S, bw_address},
    {"3", "Name der meldenden Person; Funktion der meldenden Person beim Verantwortlichen; E-Mail-Adresse; Telefon-Nr.",
     S, bw_reporter},
    {"4",
     "WAS IST PASSIERT? (Wo? Wer war beteiligt? Wie haben Sie davon erfahren? Wer wurde informiert?) — "
     "\"An dieser Stelle genügt eine kurze Zusammenfassung des Vorfalls.\"",
     V, bw_what},
    {"5", "Zeitpunkt des Vorfalls", S, bw_when},
    {"6", "Zeitpunkt der Kenntnisnahme des Vorfalls", S, bw_aware},
    {"7",
     "Welche Datenarten sind betroffen? — \"Nennung der Datenkategorien wie z.B. Beschäftigtendaten, Kundendaten, "
     "Bankverbindungsdaten, Gesundheitsdaten etc.\"",
     V, bw_categories},
    {"8",
     "Die Daten wie vieler Personen sind betroffen? — \"Falls die Zahl der Betroffenen nicht genau ermittelt "
     "werden kann oder konnte, geben Sie bitte eine geschätzte Obergrenze an.\"",
     V, bw_people},
    {"9", "Risikoeinschätzung: Welche Folgen … halten Sie für wahrscheinlich?", S, bw_risk},
    {"10", "Welche Gegenmaßnahmen haben Sie bereits eingeleitet, welche weiteren … sind geplant?", S, bw_measures},
    {"11",
     "Besteht nach Ihrer Einschätzung für Sie die Pflicht, die Betroffenen zu benachrichtigen (Art. 34 DS-GVO)? "
     "Falls nein: Bitte begründen Sie Ihre Entscheidung. Falls ja: Wie und wann wurden (werden) die Betroffenen "
     "benachrichtigt und welche Gegenmaßnahmen haben Sie ihnen empfohlen?",
     S, bw_people_told},
};
#undef V
#undef S

static const struct form forms[] = {
    {"ico", "UK Information Commissioner's Office (ICO): Report a personal data breach",
     "not stated on the copies read (the Word form \"personal-data-breach-report-ICO\", 7 pages; the online form)",
     "questions 1-10: the ICO's Word form as published on scribd (document 456704011), read verbatim; the later "
     "questions: a third party's adaptation (gydeline.com) and klartext's notes on the online form "
     "(ico.org.uk/for-organisations/report-a-breach/personal-data-breach/)",
     "Parts two to six of the ICO's online form could not be read: the later questions and their order are not "
     "confirmed, and the online form may ask more.",
     REPORT_EN, ico_questions, sizeof ico_questions / sizeof ico_questions[0]},
    {"lfdi-bw",
     "Landesbeauftragter für den Datenschutz und die Informationsfreiheit Baden-Württemberg (LfDI BW): "
     "Datenpanne melden",
     "nicht auf der gelesenen Seite angegeben",
     "die Hilfetexte: www.baden-wuerttemberg.datenschutz.de/datenpanne-melden/, wörtlich gelesen; die "
     "Feldbezeichnungen: eine Liste Dritter (datenschutz-webinar.ms-computer.de, ohne Datum)",
     "Die Feldbezeichnungen des Formulars selbst (Eingabefelder) konnten nicht gelesen werden; Reihenfolge und "
     "Wortlaut der Felder stammen aus einer Liste Dritter. Das Formular des BfDI konnte nicht gelesen werden.",
     REPORT_DE, bw_questions, sizeof bw_questions / sizeof bw_questions[0]},
};

int report_form_parse(const char *s, const char **id)
{
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (!strcmp(forms[i].id, s)) {
            *id = forms[i].id;
            return 0;
        }
    return -1;
}

/* the header: which form, which version, where read, what is missing */
static void form_head(const struct form *f, const struct report *m, struct buf *out)
{
    int L = f->lang == REPORT_DE;
    buf_addf(out, L ? "Antwortbogen für: %s\n" : "Answer sheet for: %s\n", f->name);
    buf_addf(out, L ? "Version des Formulars: %s\n" : "Version of the form: %s\n", f->version);
    buf_addf(out, L ? "Gelesen: %s\n" : "Read: %s\n", f->where);
    buf_addf(out, L ? "Unvollständig: %s\n" : "Partial: %s\n", f->partial);
    buf_addf(out, L ? "Vorfall %s: %s\n" : "Incident %s: %s\n", m->inc.ref, m->inc.v[IF_TITLE]);
    const char *note = report_free_text_note(m->records_lang, L);
    if (note) buf_addf(out, L ? "Freitext: %s\n" : "Free text: %s\n", note);
    buf_adds(out, L ? "Keine personenbezogenen Daten der Betroffenen in diesem Bogen: nur Zahlen und Kategorien.\n"
                    : "No personal data of the people affected in this sheet: only numbers and categories.\n");
}

int report_render_form(const struct report *m, const char *id, const char *zone, struct buf *out, char *err,
                       size_t errlen)
{
    const struct form *f = NULL;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (!strcmp(forms[i].id, id)) f = &forms[i];
    if (!f) return err_set(err, errlen, "unknown form '%s' (ico, lfdi-bw)", id);
    if (!i18n_zone_get(zone, err, errlen)) return -1;
    int L = f->lang == REPORT_DE;
    struct buf a, missing;
    buf_init(&a, 0);
    buf_init(&missing, 0);
    form_head(f, m, out);
    for (size_t i = 0; i < f->n; i++) {
        const struct question *q = &f->q[i];
        buf_reset(&a);
        int ok = q->answer(m, zone, &a);
        buf_addf(out, "\n%s%s%s\n", q->number[0] ? q->number : "–", q->number[0] ? ". " : " ", q->text);
        buf_addf(out, L ? "   (Wortlaut: %s)\n" : "   (wording: %s)\n", q->read);
        if (ok) {
            buf_adds(out, "   ");
            wrap_text(out, buf_str(&a), 3, 3, 100);
            buf_addc(out, '\n');
        } else {
            buf_adds(out, L ? "   KEINE ANTWORT IM VERZEICHNIS" : "   NO ANSWER IN THE REGISTER");
            if (a.len) {
                buf_adds(out, ": ");
                wrap_text(out, buf_str(&a), 3, 3, 100);
            }
            buf_addc(out, '\n');
            buf_addf(&missing, "  - %s%s%s\n", q->number[0] ? q->number : "", q->number[0] ? ". " : "", q->text);
        }
    }
    buf_addf(out,
             L ? "\nOhne Antwort von klartext (selbst beantworten, nichts wurde erfunden):\n%s"
               : "\nNot answered by klartext (answer them yourself; nothing was made up):\n%s",
             missing.len ? buf_str(&missing) : (L ? "  (keine)\n" : "  (none)\n"));
    buf_release(&a);
    buf_release(&missing);
    return 0;
}
