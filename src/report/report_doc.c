/* report_doc.c — what the notification says, in English and German: the document that the
 * text and HTML writers lay out. Every sentence here is written for the caseworker at the
 * supervisory authority and the DPO; the structure follows Art. 33(3) GDPR (a)–(d), then the
 * time limits, the assessment and decision, the communication to the people, the exposure over
 * time, the timeline and the earlier filings under the same reference. */
#include "report/report_int.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(en, de) (L ? (de) : (en))

static void add(struct doc *d, enum doc_kind k, const char *label, const char *text)
{
    d->items = xgrow(d->items, d->n, &d->cap, sizeof *d->items, 64);
    struct doc_item *it = &d->items[d->n++];
    it->kind = k;
    it->label = label ? xstrdup(label) : NULL;
    it->text = xstrdup(text ? text : "");
}

static void addf(struct doc *d, enum doc_kind k, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void addf(struct doc *d, enum doc_kind k, const char *label, const char *fmt, ...)
{
    struct buf b;
    buf_init(&b, 0);
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    add(d, k, label, buf_str(&b));
    buf_release(&b);
}

void report_doc_release(struct doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].label);
        free(d->items[i].text);
    }
    free(d->items);
    free(d->title);
    free(d->subtitle);
    memset(d, 0, sizeof *d);
}

/* ---- words: every enumeration value through the translation tables (util/i18n_terms.c) ---- */

static enum i18n_lang lang_of(int L)
{
    return L ? I18N_DE : I18N_EN;
}

/* the word for a canonical value; a value klartext does not know (a data category someone typed)
   stays as typed */
static const char *word(const char *domain, const char *key, int L)
{
    return i18n_term_or(lang_of(L), domain, key);
}

static void num(int L, long long v, char *out, size_t len)
{
    i18n_format_int(L ? I18N_DE : I18N_EN, v, out, len);
}

static void dur(int L, int64_t secs, char *out, size_t len)
{
    if (i18n_format_duration(L ? I18N_DE : I18N_EN, secs < 0 ? 0 : secs, out, len)) snprintf(out, len, "?");
}

static const char *people_decided(enum proposal_people p, int L)
{
    switch (p) {
    case PROPOSAL_PEOPLE_YES:
        return T("each person is told directly (Art. 34(1) GDPR)",
                 "jede Person wird direkt benachrichtigt (Art. 34 Abs. 1 DSGVO)");
    case PROPOSAL_PEOPLE_PUBLIC:
        return T("a public communication instead of individual messages (Art. 34(3)(c) GDPR)",
                 "öffentliche Bekanntmachung statt einzelner Nachrichten (Art. 34 Abs. 3 lit. c DSGVO)");
    default: return T("no communication to the people", "keine Benachrichtigung der betroffenen Personen");
    }
}

static const char *people_proposed(const struct proposal *p, int L)
{
    switch (p->people) {
    case PROPOSAL_PEOPLE_YES:
        return p->also_public
                   ? T("tell each person directly, and those without contact data by a public communication "
                       "(Art. 34(1), 34(3)(c) GDPR)",
                       "jede Person direkt benachrichtigen, Personen ohne Kontaktdaten durch eine öffentliche "
                       "Bekanntmachung (Art. 34 Abs. 1, Abs. 3 lit. c DSGVO)")
                   : T("tell each person directly, without undue delay (Art. 34(1) GDPR)",
                       "jede Person unverzüglich direkt benachrichtigen (Art. 34 Abs. 1 DSGVO)");
    case PROPOSAL_PEOPLE_PUBLIC:
        return T("a public communication instead (Art. 34(3)(c) GDPR)",
                 "stattdessen eine öffentliche Bekanntmachung (Art. 34 Abs. 3 lit. c DSGVO)");
    default:
        return p->voluntary ? T("not required by law; a voluntary notice is recommended",
                                "gesetzlich nicht vorgeschrieben; eine freiwillige Benachrichtigung wird empfohlen")
                            : T("not required (Art. 34(1) GDPR)", "nicht erforderlich (Art. 34 Abs. 1 DSGVO)");
    }
}

static const char *level_name(enum proposal_level l, int L)
{
    return word("level", proposal_level_name(l), L);
}

static const char *band_name(enum enisa_band b, int L)
{
    return word("band", enisa_band_name(b), L);
}

/* the first line of an event text, at most max bytes (cut at a character boundary) */
static char *event_excerpt(const char *text, size_t max)
{
    size_t n = strcspn(text, "\n");
    int cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && text[n] != ' ') n--; /* at a word boundary */
        if (n < max / 2) { /* one very long word: at a character boundary */
            n = max;
            while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
        }
    }
    char *s = xstrndup(text, n);
    if (cut || text[strcspn(text, "\n")]) {
        char *t = xasprintf("%s …", s);
        free(s);
        return t;
    }
    return s;
}

/* ---- sections ---- */

static void head(const struct report *m, struct doc *d, int L, const char *zone)
{
    const struct incident *inc = &m->inc;
    char t[128];
    add(d, DOC_HEAD, T("To", "An"),
        m->authority ? m->authority : T("the competent supervisory authority", "die zuständige Aufsichtsbehörde"));
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, m->org_name ? m->org_name : T("(organisation not set)", "(Organisation nicht angegeben)"));
    if (m->org_address) buf_addf(&b, ", %s", m->org_address);
    add(d, DOC_HEAD, T("Controller", "Verantwortlicher"), buf_str(&b));
    buf_release(&b);
    add(d, DOC_HEAD, T("Our reference", "Unser Zeichen"), inc->ref);
    const char *case_ref;
    int64_t fu = report_next_follow_up(m, &case_ref);
    if (!fu) {
        add(d, DOC_HEAD, T("Type of notification", "Art der Meldung"), T("initial notification", "Erstmeldung"));
    } else {
        report_time((enum report_lang)L, zone, m->filings[0].filed_at, t, sizeof t);
        addf(d, DOC_HEAD, T("Type of notification", "Art der Meldung"),
             L ? "Folgemeldung Nr. %lld (Art. 33 Abs. 4 DSGVO) zu unserer Meldung vom %s, Ihr Aktenzeichen %s"
               : "follow-up notification no. %lld (Art. 33(4) GDPR) to our notification of %s, your reference %s",
             (long long)fu, t, case_ref);
    }
    report_time((enum report_lang)L, zone, m->as_of, t, sizeof t);
    add(d, DOC_HEAD, T("Status as of", "Stand"), t);
    const char *note = report_free_text_note(m->records_lang, L);
    if (note) add(d, DOC_HEAD, T("Free text", "Freitext"), note);
}

/* the types of breach (confidentiality, integrity, availability), one paragraph each */
static void nature_types(const struct incident *inc, struct doc *d, int L)
{
    struct buf b;
    buf_init(&b, 0);
    if (inc->v[IF_BREACH_TYPES]) {
        char *t = xstrdup(inc->v[IF_BREACH_TYPES]);
        for (char *sv, *tok = strtok_r(t, ",", &sv); tok; tok = strtok_r(NULL, ",", &sv))
            buf_addf(&b, "%s%s", b.len ? "\n" : "", word("breach_type.long", tok, L));
        free(t);
    } else {
        buf_adds(&b, T("not recorded yet", "noch nicht erfasst"));
    }
    add(d, DOC_ROW, T("Type of breach", "Art der Verletzung"), buf_str(&b));
    buf_release(&b);
}

/* when it happened (from, until, how long) and when it was contained */
static void nature_period(const struct incident *inc, struct doc *d, int L, const char *zone)
{
    char t1[128], t2[128], du[I18N_TEXT_MAX];
    int64_t from = inc_time(inc, IF_OCCURRED_FROM), until = inc_time(inc, IF_OCCURRED_UNTIL);
    if (from && until) {
        report_time((enum report_lang)L, zone, from, t1, sizeof t1);
        report_time((enum report_lang)L, zone, until, t2, sizeof t2);
        dur(L, until - from, du, sizeof du);
        addf(d, DOC_ROW, T("Period", "Zeitraum"), L ? "vom %s bis %s (Dauer: %s)" : "from %s to %s (%s)", t1, t2, du);
    } else if (from) {
        report_time((enum report_lang)L, zone, from, t1, sizeof t1);
        addf(d, DOC_ROW, T("Period", "Zeitraum"),
             L ? "seit %s; das Ende ist noch nicht erfasst" : "since %s; the end is not recorded yet", t1);
    }
    if (inc->v[IF_CONTAINED_AT]) {
        report_time((enum report_lang)L, zone, inc_time(inc, IF_CONTAINED_AT), t1, sizeof t1);
        add(d, DOC_ROW, T("Contained", "Eingedämmt"), t1);
    }
}

/* where: the exposure rule's sections with their request patterns */
static void nature_where(const struct report *m, struct doc *d, int L)
{
    if (!m->nrules) return;
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < m->nrules; i++) {
        if (i) buf_addc(&b, '\n');
        if (m->rules[i].where)
            buf_addf(&b, L ? "%s: Anfragen, die auf %s passen" : "%s: requests matching %s", m->rules[i].name,
                     m->rules[i].where);
        else buf_adds(&b, m->rules[i].name);
    }
    add(d, DOC_ROW, T("Where", "Wo"), buf_str(&b));
    buf_release(&b);
}

/* a row listing the words of a ','-separated list (nothing when the list is NULL) */
static void words_row(struct doc *d, const char *label, const char *list, const char *domain, int L)
{
    if (!list) return;
    struct buf b;
    buf_init(&b, 0);
    report_terms(&b, list, domain, L);
    add(d, DOC_ROW, label, buf_str(&b));
    buf_release(&b);
}

/* the categories of data affected and not affected, special categories, categories of people */
static void nature_data(const struct report *m, struct doc *d, int L)
{
    const struct incident *inc = &m->inc;
    const char *cats = inc->v[IF_DATA_CATEGORIES] ? inc->v[IF_DATA_CATEGORIES] : m->has_scan ? m->facts.fields : NULL;
    if (cats && *cats) words_row(d, T("Personal data affected", "Betroffene Daten"), cats, "field", L);
    else add(d, DOC_ROW, T("Personal data affected", "Betroffene Daten"), T("not recorded yet", "noch nicht erfasst"));
    words_row(d, T("Not affected", "Nicht betroffen"), inc->v[IF_DATA_NOT_AFFECTED], "field", L);
    const struct assessment *a = report_latest_assessment(m);
    if (a)
        add(d, DOC_ROW, T("Special categories (Art. 9, 10 GDPR)", "Besondere Kategorien (Art. 9, 10 DSGVO)"),
            assessment_value_label(ENISA_K_SPECIAL, a->in.v[ENISA_K_SPECIAL].value, L, NULL, 0));
    words_row(d, T("Categories of people", "Kategorien betroffener Personen"), inc->v[IF_SUBJECT_CATEGORIES], "subject",
              L);
}

/* the numbers the scan counted: people, records, and the views (how many, by whom, when) */
static void nature_scan_numbers(const struct report *m, struct doc *d, int L, const char *zone)
{
    char n1[I18N_TEXT_MAX], t1[128], t2[128];
    num(L, m->scan.people, n1, sizeof n1);
    addf(
        d, DOC_ROW, T("Number of people", "Zahl der Betroffenen"),
        L ? "%s (aus den Zugriffsprotokollen gezählt: jede Person, deren Daten jemand anderes als sie selbst abgerufen hat; "
            "Auswertung Version %lld)"
          : "%s (counted from the access logs: every person whose data someone other than themselves viewed; "
            "analysis version %lld)",
        n1, (long long)m->scan.version);
    num(L, m->scan.records, n1, sizeof n1);
    addf(
        d, DOC_ROW, T("Number of records", "Zahl der Datensätze"),
        L ? "%s (ein Datensatz ist eine Angabe zu einer Person, die offengelegt wurde, etwa die E-Mail-Adresse einer Person)"
          : "%s (a record is one item of one person's data that was disclosed, such as one person's e-mail address)",
        n1);
    char v1[I18N_TEXT_MAX], v2[I18N_TEXT_MAX], v3[I18N_TEXT_MAX], v4[I18N_TEXT_MAX];
    num(L, m->scan.views, v1, sizeof v1);
    num(L, m->facts.viewers, v2, sizeof v2);
    num(L, m->facts.viewers - m->facts.anonymous_viewers, v3, sizeof v3);
    num(L, m->facts.anonymous_viewers, v4, sizeof v4);
    struct buf b;
    buf_init(&b, 0);
    buf_addf(
        &b,
        L ? "%s Abrufe durch %s andere Personen oder Geräte: %s angemeldete Konten und %s nur über eine IP-Adresse "
            "erkennbare Besucher"
          : "%s views by %s other people or devices: %s signed-in accounts and %s visitors known only by an "
            "IP address",
        v1, v2, v3, v4);
    if (m->scan.first_seen) {
        report_time((enum report_lang)L, zone, m->scan.first_seen, t1, sizeof t1);
        report_time((enum report_lang)L, zone, m->scan.last_seen, t2, sizeof t2);
        buf_addf(&b, L ? "; erster Abruf am %s, letzter am %s" : "; the first on %s, the last on %s", t1, t2);
    }
    if (m->scan.keep_viewers)
        buf_adds(&b, L ? ". Die Kennungen der Abrufenden wurden für die Untersuchung aufbewahrt."
                       : ". The identities of the viewers were kept for the investigation.");
    else
        buf_adds(&b, L ? ". Wer die Daten abrief, speichert klartext nur als Hash mit geheimem Schlüssel."
                       : ". klartext keeps who viewed the data only as keyed hashes.");
    add(d, DOC_ROW, T("Views", "Abrufe"), buf_str(&b));
    buf_release(&b);
}

/* without a scan: the estimated numbers of people and records, if any */
static void nature_estimates(const struct incident *inc, struct doc *d, int L)
{
    char n[I18N_TEXT_MAX];
    if (inc->v[IF_APPROX_SUBJECTS]) {
        num(L, strtoll(inc->v[IF_APPROX_SUBJECTS], NULL, 10), n, sizeof n);
        addf(d, DOC_ROW, T("Number of people", "Zahl der Betroffenen"),
             L ? "etwa %s (Schätzung)" : "about %s (estimate)", n);
    } else {
        add(d, DOC_ROW, T("Number of people", "Zahl der Betroffenen"), T("not known yet", "noch nicht bekannt"));
    }
    if (inc->v[IF_APPROX_RECORDS]) {
        num(L, strtoll(inc->v[IF_APPROX_RECORDS], NULL, 10), n, sizeof n);
        addf(d, DOC_ROW, T("Number of records", "Zahl der Datensätze"),
             L ? "etwa %s (Schätzung)" : "about %s (estimate)", n);
    }
}

/* section 1, Art. 33(3)(a): what happened, to which data, of how many people */
static void nature(const struct report *m, struct doc *d, int L, const char *zone)
{
    const struct incident *inc = &m->inc;
    add(d, DOC_SECTION, NULL,
        T("Nature of the breach (Art. 33(3)(a) GDPR)", "Art der Verletzung (Art. 33 Abs. 3 lit. a DSGVO)"));
    add(d, DOC_ROW, T("What happened", "Was geschehen ist"),
        inc->v[IF_DESCRIPTION] ? inc->v[IF_DESCRIPTION] : T("not described yet", "noch nicht beschrieben"));
    nature_types(inc, d, L);
    if (inc->v[IF_CAUSE]) add(d, DOC_ROW, T("Cause", "Ursache"), word("cause", inc->v[IF_CAUSE], L));
    nature_period(inc, d, L, zone);
    nature_where(m, d, L);
    nature_data(m, d, L);
    if (m->has_scan) nature_scan_numbers(m, d, L, zone);
    else nature_estimates(inc, d, L);
    if (inc->v[IF_CROSS_BORDER])
        add(d, DOC_ROW, T("Cross-border", "Grenzüberschreitend"),
            inc_bool(inc, IF_CROSS_BORDER) ? T("yes: people in more than one EU/EEA member state are affected",
                                               "ja: Betroffene in mehr als einem Mitgliedstaat der EU bzw. des EWR")
                                           : T("no", "nein"));
}

static void contact(const struct report *m, struct doc *d, int L)
{
    add(d, DOC_SECTION, NULL, T("Contact point (Art. 33(3)(b) GDPR)", "Kontaktstelle (Art. 33 Abs. 3 lit. b DSGVO)"));
    add(d, DOC_ROW, T("Data protection officer", "Datenschutzbeauftragte/r"),
        m->dpo_name ? m->dpo_name : T("not set", "nicht angegeben"));
    if (m->dpo_email) add(d, DOC_ROW, T("E-mail", "E-Mail"), m->dpo_email);
    if (m->dpo_phone) add(d, DOC_ROW, T("Phone", "Telefon"), m->dpo_phone);
}

static void consequences(const struct report *m, struct doc *d, int L)
{
    add(d, DOC_SECTION, NULL,
        T("Likely consequences (Art. 33(3)(c) GDPR)", "Wahrscheinliche Folgen (Art. 33 Abs. 3 lit. c DSGVO)"));
    add(d, DOC_PARA, NULL,
        m->inc.v[IF_CONSEQUENCES] ? m->inc.v[IF_CONSEQUENCES]
                                  : T("The likely consequences have not been described yet.",
                                      "Die wahrscheinlichen Folgen sind noch nicht beschrieben."));
    const struct assessment *a = report_latest_assessment(m);
    if (a) {
        char f[128];
        assessment_formula(&a->in, &a->p.severity, L ? ',' : '.', f, sizeof f);
        addf(d, DOC_PARA, NULL,
             L ? "Schwere nach der ENISA-Methode: SE = %s, %s (%s); Einzelheiten in Abschnitt 6."
               : "Severity by the ENISA method: SE = %s, %s (%s); see section 6 for the details.",
             f, band_name(a->p.severity.band, L), assessment_band_meaning(a->p.severity.band, L));
    }
}

static void measures(const struct report *m, struct doc *d, int L)
{
    add(d, DOC_SECTION, NULL,
        T("Measures taken and proposed (Art. 33(3)(d) GDPR)",
          "Ergriffene und vorgeschlagene Maßnahmen (Art. 33 Abs. 3 lit. d DSGVO)"));
    add(d, DOC_ROW, T("Measures taken", "Ergriffene Maßnahmen"),
        m->inc.v[IF_MEASURES_TAKEN] ? m->inc.v[IF_MEASURES_TAKEN] : T("not recorded yet", "noch nicht erfasst"));
    add(d, DOC_ROW, T("Measures proposed", "Vorgeschlagene Maßnahmen"),
        m->inc.v[IF_MEASURES_PROPOSED] ? m->inc.v[IF_MEASURES_PROPOSED] : T("not recorded yet", "noch nicht erfasst"));
}

/* the law applied: which regime, from when; a proposal not in force is said to be one */
static void regime_row(const struct report *m, struct doc *d, int L)
{
    const struct regime *g = m->regime;
    if (g->in_force)
        addf(d, DOC_ROW, T("Law applied", "Angewandtes Recht"),
             L ? "%s, in Kraft bei Kenntniserlangung: Meldung ab einem Risiko, binnen %d Stunden"
               : "%s, in force when the organisation became aware: notify from a risk, within %d hours",
             L ? g->name_de : g->name_en, g->hours);
    else
        addf(d, DOC_ROW, T("Law applied", "Angewandtes Recht"),
             L ? "%s: NICHT IN KRAFT, nur zu Testzwecken angewandt (KLARTEXT_REGIME); Meldung ab einem %s, binnen %d "
                 "Stunden, über %s"
               : "%s: NOT IN FORCE, applied for testing only (KLARTEXT_REGIME); notify from a %s, within %d hours, "
                 "through %s",
             L ? g->name_de : g->name_en,
             g->authority_threshold == REGIME_HIGH_RISK ? T("high risk", "hohen Risiko") : T("risk", "Risiko"),
             g->hours, L ? g->form_de : g->form_en);
}

/* when the authority was notified, measured against the regime's deadline */
static void notified_row(const struct report *m, struct doc *d, int L, const char *zone)
{
    const struct incident *inc = &m->inc;
    char t1[128], du[I18N_TEXT_MAX];
    int64_t aware = inc_time(inc, IF_AWARE_AT), notified = inc_time(inc, IF_NOTIFIED_AT);
    int h = m->regime->hours;
    report_time((enum report_lang)L, zone, notified, t1, sizeof t1);
    dur(L, notified - aware, du, sizeof du);
    if (notified > m->dl.authority) {
        char late[I18N_TEXT_MAX];
        dur(L, notified - m->dl.authority, late, sizeof late);
        addf(d, DOC_ROW, T("Authority notified", "Behörde benachrichtigt"),
             L ? "%s, %s nach Kenntniserlangung und %s nach Ablauf der %d Stunden"
               : "%s, %s after becoming aware and %s after the %d hours had passed",
             t1, du, late, h);
    } else {
        addf(d, DOC_ROW, T("Authority notified", "Behörde benachrichtigt"),
             L ? "%s, %s nach Kenntniserlangung (innerhalb von %d Stunden)"
               : "%s, %s after becoming aware (within %d hours)",
             t1, du, h);
    }
}

static void limits(const struct report *m, struct doc *d, int L, const char *zone)
{
    const struct incident *inc = &m->inc;
    char t1[128], t2[128], lbl[64];
    add(d, DOC_SECTION, NULL, T("Time limits (Art. 33(1) GDPR)", "Fristen (Art. 33 Abs. 1 DSGVO)"));
    regime_row(m, d, L);
    int64_t aware = inc_time(inc, IF_AWARE_AT);
    report_time((enum report_lang)L, zone, aware, t1, sizeof t1);
    add(d, DOC_ROW, T("Became aware", "Kenntnis erlangt"), t1);
    add(d, DOC_ROW, T("How", "Wie"), inc->v[IF_AWARE_HOW]);
    report_time((enum report_lang)L, zone, m->dl.authority, t1, sizeof t1);
    report_time((enum report_lang)L, zone, m->dl.fristen_end, t2, sizeof t2);
    snprintf(lbl, sizeof lbl, L ? "%d-Stunden-Frist" : "%d-hour deadline", m->regime->hours);
    addf(d, DOC_ROW, lbl,
         L ? "%s (Fristende nach der Verordnung (EWG, Euratom) Nr. 1182/71, ab der nächsten vollen Stunde gezählt: %s)"
           : "%s (end of the period counted under Regulation (EEC, Euratom) No 1182/71, from the next full hour: %s)",
         t1, t2);
    if (inc_time(inc, IF_NOTIFIED_AT)) notified_row(m, d, L, zone);
    if (inc->v[IF_DELAY_REASON])
        add(d, DOC_ROW, T("Reasons for the delay", "Gründe für die Verzögerung"), inc->v[IF_DELAY_REASON]);
}

static void decision_rows(const struct report *m, struct doc *d, int L, const char *zone)
{
    const struct decision *dc = report_latest_decision(m);
    if (!dc) {
        add(d, DOC_ROW, T("Decision", "Entscheidung"),
            T("No decision has been recorded yet.", "Eine Entscheidung ist noch nicht erfasst."));
        return;
    }
    char t[128];
    report_time((enum report_lang)L, zone, dc->created_at, t, sizeof t);
    struct buf b;
    buf_init(&b, 0);
    buf_addf(&b,
             L ? "Nr. %lld vom %s durch %s, zu Bewertung Nr. %lld:\n"
               : "no. %lld of %s by %s, on assessment no. %lld:\n",
             (long long)dc->seq, t, dc->by, (long long)dc->assessment_seq);
    buf_addf(&b,
             L ? "Meldung an die Aufsichtsbehörde: %s; Betroffene: %s."
               : "notify the supervisory authority: %s; the people: %s.",
             word("bool", dc->notify_authority ? "yes" : "no", L), people_decided(dc->people, L));
    if (!dc->differs) {
        buf_adds(&b, T("\nThe decision follows the proposal.", "\nDie Entscheidung folgt dem Vorschlag."));
    } else {
        buf_adds(&b, T("\nThe decision differs from the proposal", "\nDie Entscheidung weicht vom Vorschlag ab"));
        size_t mark = b.len;
        buf_adds(&b, " (");
        report_decision_difference(m, dc, L, &b);
        if (b.len == mark + 2) buf_truncate(&b, mark);
        else buf_addc(&b, ')');
        buf_adds(&b, ".");
    }
    if (dc->reason) buf_addf(&b, L ? "\nBegründung: %s" : "\nReason: %s", dc->reason);
    add(d, DOC_ROW, T("Decision", "Entscheidung"), buf_str(&b));
    buf_release(&b);
}

static void assessment(const struct report *m, struct doc *d, int L, const char *zone)
{
    add(d, DOC_SECTION, NULL, T("Risk assessment and decision", "Risikobewertung und Entscheidung"));
    const struct assessment *a = report_latest_assessment(m);
    if (!a) {
        add(d, DOC_PARA, NULL,
            T("No risk assessment has been recorded yet.", "Eine Risikobewertung ist noch nicht erfasst."));
        decision_rows(m, d, L, zone);
        return;
    }
    char t[128], f[128], num_[32];
    add(d, DOC_ROW, T("Method", "Methode"),
        T("ENISA, Recommendations for a methodology of the assessment of severity of personal data breaches (2013), "
          "cited by the EDPB Guidelines 9/2022: SE = DPC × EI + CB (DPC: data processing context, EI: ease of identification, "
          "CB: circumstances of the breach)",
          "ENISA, Recommendations for a methodology of the assessment of severity of personal data breaches (2013), auf die "
          "die EDSA-Leitlinien 9/2022 verweisen: SE = DPC × EI + CB (DPC: Kontext der Datenverarbeitung, EI: Identifizierbarkeit, "
          "CB: Umstände der Verletzung)"));
    report_time((enum report_lang)L, zone, a->created_at, t, sizeof t);
    addf(d, DOC_ROW, T("Assessment", "Bewertung"), L ? "Nr. %lld vom %s" : "no. %lld of %s", (long long)a->seq, t);
    assessment_formula(&a->in, &a->p.severity, L ? ',' : '.', f, sizeof f);
    addf(d, DOC_ROW, T("Severity", "Schwere"), "SE = %s: %s (%s)", f, band_name(a->p.severity.band, L),
         assessment_band_meaning(a->p.severity.band, L));
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &a->in.v[k];
        if (v->source == ENISA_SRC_UNSET && !v->value && k != ENISA_K_CONFIDENTIALITY && k != ENISA_K_INTEGRITY &&
            k != ENISA_K_AVAILABILITY && k != ENISA_K_MALICIOUS)
            continue; /* flags nobody set: not worth a line */
        if (k == ENISA_K_DPC && !v->value) continue;
        if (enisa_key_optional((enum enisa_key)k) && enisa_is_default(&a->in, (enum enisa_key)k)) continue;
        struct buf b;
        buf_init(&b, 0);
        buf_addf(&b, "%s (%s)", assessment_value_label((enum enisa_key)k, v->value, L, num_, sizeof num_),
                 assessment_source_label(v->source, L));
        if (v->reason[0]) buf_addf(&b, ": %s", v->reason);
        char lbl[96];
        snprintf(lbl, sizeof lbl, "%s", assessment_key_label((enum enisa_key)k, L));
        if (lbl[0] >= 'a' && lbl[0] <= 'z') lbl[0] = (char)(lbl[0] - 'a' + 'A');
        add(d, DOC_ROW, lbl, buf_str(&b));
        buf_release(&b);
    }
    addf(d, DOC_ROW, T("Proposed level", "Vorgeschlagene Einstufung"),
         L ? "%s (nach dem Wert allein: %s)" : "%s (by the score alone: %s)", level_name(a->p.level, L),
         level_name(a->p.enisa_level, L));
    add(d, DOC_ROW, T("Proposal: authority", "Vorschlag: Aufsichtsbehörde"),
        a->p.notify_authority
            ? T("notify (Art. 33(1) GDPR)", "melden (Art. 33 Abs. 1 DSGVO)")
            : T("no notification; document (Art. 33(5) GDPR)", "keine Meldung; dokumentieren (Art. 33 Abs. 5 DSGVO)"));
    add(d, DOC_ROW, T("Proposal: the people", "Vorschlag: Betroffene"), people_proposed(&a->p, L));
    add(d, DOC_PARA, NULL, T("The reasons of the proposal:", "Die Gründe des Vorschlags:"));
    for (size_t i = 0; i < a->p.nreasons; i++) add(d, DOC_ITEM, NULL, L ? a->p.reasons[i].de : a->p.reasons[i].en);
    decision_rows(m, d, L, zone);
}

/* what became of the personal notices, as the outbox says at the time of the report */
static void notices_row(const struct report *m, struct doc *d, int L)
{
    const struct report_notices *c = &m->notices;
    if (!c->made && !c->letters) {
        add(d, DOC_ROW, T("Personal notices", "Persönliche Mitteilungen"), T("none made yet", "noch keine erstellt"));
        return;
    }
    char n[I18N_TEXT_MAX];
    struct buf b;
    buf_init(&b, 0);
    num(L, c->made, n, sizeof n);
    buf_addf(&b, L ? "%s erstellt und signiert" : "%s made and signed", n);
    if (!c->made) buf_reset(&b);
    const struct {
        int64_t v;
        const char *en, *de;
    } parts[] = {
        {c->sent, "accepted by the mail server for delivery", "vom Mailserver zur Zustellung angenommen"},
        {c->written, "written to files, delivered by the organisation",
         "als Dateien geschrieben, vom Verantwortlichen zugestellt"},
        {c->pending, "waiting to be sent", "warten auf den Versand"},
        {c->unknown, "of unknown delivery after an interruption (held for review)",
         "nach einer Unterbrechung mit ungewisser Zustellung (zur Prüfung zurückgehalten)"},
        {c->failed, "could not be delivered", "konnten nicht zugestellt werden"},
        {c->cancelled, "held back (sending cancelled)", "zurückgehalten (Versand abgebrochen)"},
        {c->followups, "of the notices made, follow-ups after a new log analysis",
         "davon Nachträge nach einer neuen Protokollauswertung"},
        {c->returned_failed, "returned as undeliverable by the recipient's mail server",
         "vom Mailserver der Empfänger als unzustellbar zurückgegeben"},
        {c->returned_delayed, "reported as delayed by the recipient's mail server",
         "vom Mailserver der Empfänger als verzögert gemeldet"},
        {c->letters, "letters by post (printed, for people without e-mail or whose e-mail failed)",
         "Briefe per Post (gedruckt, für Personen ohne E-Mail oder deren E-Mail scheiterte)"},
    };
    int first = c->made > 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].v) continue;
        num(L, parts[i].v, n, sizeof n);
        buf_addf(&b, "%s%s %s", first ? ": " : b.len ? "; " : "", n, L ? parts[i].de : parts[i].en);
        first = 0;
    }
    add(d, DOC_ROW, T("Personal notices", "Persönliche Mitteilungen"), buf_str(&b));
    buf_release(&b);
    if (c->not_reached < 0) return; /* a retention purge deleted the per-person rows */
    num(L, c->not_reached, n, sizeof n);
    add(d, DOC_ROW, T("Not told individually (yet)", "(Noch) nicht direkt benachrichtigt"), n);
}

static void communication(const struct report *m, struct doc *d, int L)
{
    char n1[I18N_TEXT_MAX], n2[I18N_TEXT_MAX], n3[I18N_TEXT_MAX];
    add(d, DOC_SECTION, NULL,
        T("Communication to the people affected (Art. 34 GDPR)",
          "Benachrichtigung der betroffenen Personen (Art. 34 DSGVO)"));
    const struct decision *dc = report_latest_decision(m);
    add(d, DOC_ROW, T("Decision", "Entscheidung"),
        dc ? people_decided(dc->people, L) : T("not decided yet", "noch nicht entschieden"));
    if (!m->has_scan) {
        add(d, DOC_ROW, T("People affected", "Betroffene"),
            T("not counted yet (no log analysis)", "noch nicht gezählt (keine Protokollauswertung)"));
        return;
    }
    num(L, m->exposed, n1, sizeof n1);
    add(d, DOC_ROW, T("People affected", "Betroffene"), n1);
    if (!m->subj_version) {
        add(d, DOC_ROW, T("Contact data", "Kontaktdaten"),
            T("not imported yet: how many can be told individually is not known",
              "noch nicht eingelesen: wie viele direkt "
              "benachrichtigt werden können, ist noch nicht bekannt"));
        return;
    }
    num(L, m->reachable, n2, sizeof n2);
    num(L, m->unreachable, n3, sizeof n3);
    addf(d, DOC_ROW, T("Reachable individually", "Direkt erreichbar"), L ? "%s, per E-Mail" : "%s, by e-mail", n2);
    struct buf b;
    buf_init(&b, 0);
    buf_adds(&b, n3);
    if (m->unreachable) {
        int one = m->unreachable == 1, told = dc && dc->people != PROPOSAL_PEOPLE_NO;
        if (L)
            buf_adds(&b, one ? ": für diese Person sind keine Kontaktdaten bekannt"
                             : ": für diese Personen sind keine Kontaktdaten bekannt");
        else buf_adds(&b, one ? ": no contact data is known for this person" : ": no contact data is known for them");
        if (told && L)
            buf_adds(
                &b,
                one ? "; sie wird durch eine öffentliche Bekanntmachung informiert (Art. 34 Abs. 3 lit. c DSGVO)"
                    : "; sie werden durch eine öffentliche Bekanntmachung informiert (Art. 34 Abs. 3 lit. c DSGVO)");
        else if (told)
            buf_adds(&b, one ? ", who is informed by a public communication (Art. 34(3)(c) GDPR)"
                             : "; they are informed by a public communication (Art. 34(3)(c) GDPR)");
    }
    add(d, DOC_ROW, T("Not reachable individually", "Nicht direkt erreichbar"), buf_str(&b));
    buf_release(&b);
    notices_row(m, d, L);
}

static void timeline(const struct report *m, struct doc *d, int L, const char *zone)
{
    add(d, DOC_SECTION, NULL, T("Timeline", "Chronologie"));
    add(d, DOC_PARA, NULL,
        T("Entries of the incident's append-only timeline, as recorded.",
          "Einträge der nur fortschreibbaren Chronologie des Vorfalls, im erfassten Wortlaut (englisch)."));
    for (size_t i = 0; i < m->nevents; i++) {
        const struct inc_event *e = &m->events[i];
        char t[128];
        report_time((enum report_lang)L, zone, e->at, t, sizeof t);
        char *x = event_excerpt(e->text, 700);
        char *lbl = xasprintf("#%lld  %s — %s", (long long)e->seq, t, word("event", e->kind, L));
        if (e->corrects)
            addf(d, DOC_EVENT, lbl, L ? "%s (Berichtigung von Eintrag %lld)" : "%s (corrects entry %lld)", x,
                 (long long)e->corrects);
        else add(d, DOC_EVENT, lbl, x);
        free(lbl);
        free(x);
    }
}

static void filings(const struct report *m, struct doc *d, int L, const char *zone)
{
    if (!m->nfilings) return;
    add(d, DOC_SECTION, NULL, T("Notifications filed under this reference", "Bisherige Meldungen zu diesem Vorgang"));
    for (size_t i = 0; i < m->nfilings; i++) {
        const struct filing *f = &m->filings[i];
        char t[128];
        report_time((enum report_lang)L, zone, f->filed_at, t, sizeof t);
        struct buf b;
        buf_init(&b, 0);
        if (f->follow_up)
            buf_addf(&b, L ? "Folgemeldung Nr. %lld" : "follow-up notification no. %lld", (long long)f->follow_up);
        else buf_adds(&b, T("initial notification", "Erstmeldung"));
        buf_addf(&b,
                 L ? ", Aktenzeichen %s; %s, Format %s, SHA-256 %s" : ", case reference %s; %s, format %s, SHA-256 %s",
                 f->case_ref, !strcmp(f->lang, "de") ? T("in German", "deutsch") : T("in English", "englisch"),
                 f->format, f->sha256);
        add(d, DOC_EVENT, t, buf_str(&b));
        buf_release(&b);
    }
}

/* what purges deleted under the retention policy, and when */
static void retention(const struct report *m, struct doc *d, int L, const char *zone)
{
    static const char *const what[PK_COUNT][2] = {
        {"names and addresses of the people affected", "Namen und Adressen der betroffenen Personen"},
        {"the stored notices' addressees and texts", "Empfänger und Texte der gespeicherten Benachrichtigungen"},
        {"the per-person exposures", "die Einzeldaten je Person"},
        {"the raw identities of the viewers", "die Kennungen der Abrufenden"}};
    if (!m->npurges) return;
    add(d, DOC_SECTION, NULL,
        T("Personal data deleted under the retention policy", "Nach der Aufbewahrungsfrist gelöschte Daten"));
    for (size_t i = 0; i < m->npurges; i++) {
        const struct purge_rec *p = &m->purges[i];
        char t[128];
        report_time((enum report_lang)L, zone, p->at, t, sizeof t);
        addf(d, DOC_EVENT, t,
             L ? "%s: %lld Datensätze (Frist %s nach Abschluss des Vorfalls); die Zahlen dieser Meldung sind erhalten"
               : "%s: %lld records (period %s after the incident was closed); the numbers in this notification "
                 "were kept",
             what[p->kind][L], (long long)p->count, p->period);
    }
}

int report_doc_build(const struct report *m, enum report_lang lang, const char *zone, struct doc *d, char *err,
                     size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!i18n_zone_get(zone, err, errlen)) return -1;
    int L = lang == REPORT_DE;
    snprintf(d->lang, sizeof d->lang, "%s", L ? "de" : "en");
    d->title = xstrdup(
        T("Notification of a personal data breach", "Meldung einer Verletzung des Schutzes personenbezogener Daten"));
    d->subtitle = xstrdup(
        T("to the supervisory authority under Article 33 of the General Data Protection Regulation (GDPR)",
          "an die Aufsichtsbehörde gemäß Art. 33 der Datenschutz-Grundverordnung (DSGVO)"));
    head(m, d, L, zone);
    add(d, DOC_HEAD, T("Incident", "Vorfall"), m->inc.v[IF_TITLE]);
    nature(m, d, L, zone);
    contact(m, d, L);
    consequences(m, d, L);
    measures(m, d, L);
    limits(m, d, L, zone);
    assessment(m, d, L, zone);
    communication(m, d, L);
    if (m->has_scan && m->nhours) {
        add(d, DOC_SECTION, NULL, T("Views of the exposed data over time", "Zeitlicher Verlauf der Abrufe"));
        add(d, DOC_CHART, NULL, NULL);
    }
    timeline(m, d, L, zone);
    filings(m, d, L, zone);
    retention(m, d, L, zone);
    add(d, DOC_FOOT, NULL,
        T("This notification contains no personal data of the people affected: only numbers and categories. "
          "Prepared with klartext from the register of breaches.",
          "Diese Meldung enthält keine personenbezogenen Daten der betroffenen Personen, nur Zahlen und "
          "Kategorien. Erstellt mit klartext aus dem Verzeichnis der Datenschutzverletzungen."));
    return 0;
}
