/* proposal.c — from severity and context to a proposed Art. 33 / Art. 34 outcome. */
#include "assess/proposal.h"
#include "util/err.h"
#include "util/i18n.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

void proposal_config_default(struct proposal_config *cfg)
{
    cfg->risk_se_q = 8;
    cfg->high_risk_se_q = 12;
    cfg->many_subjects = 1000;
    cfg->special_raises = 1;
    cfg->vulnerable_raises = 1;
    cfg->permanent_raises = 1;
    cfg->many_raises = 1;
    cfg->voluntary_notice = 1;
    cfg->very_many_subjects = 100000;
    cfg->very_many_raises = 1;
    cfg->long_outage_minutes = 24 * 60;
    cfg->outage_raises = 1;
    cfg->identifiers_raise = 1;
    cfg->regime = NULL;
}

int proposal_config_set_regime(struct proposal_config *cfg, const char *id, char *err, size_t errlen)
{
    const struct regime *g = regime_find(id);
    if (!g) return err_set(err, errlen, "unknown regime '%.60s' (known: gdpr, omnibus-2025-837)", id);
    cfg->regime = g;
    return 0;
}

const struct regime *proposal_regime(const struct proposal_config *cfg)
{
    return cfg && cfg->regime ? cfg->regime : regime_find("gdpr");
}

int proposal_config_validate(const struct proposal_config *cfg, char *err, size_t errlen)
{
    if (cfg->risk_se_q < 1 || cfg->risk_se_q > 24)
        return err_set(err, errlen, "risk threshold out of range (expected 0.25..6.0)");
    if (cfg->high_risk_se_q < cfg->risk_se_q || cfg->high_risk_se_q > 24)
        return err_set(err, errlen,
                       "high-risk threshold must lie between the risk threshold "
                       "and 6.0");
    if (cfg->many_subjects < 1) return err_set(err, errlen, "many_subjects must be at least 1");
    if (cfg->long_outage_minutes < 60) return err_set(err, errlen, "long_outage_hours must be at least 1");
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1")) {
        *out = 1;
        return 0;
    }
    if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int proposal_config_set(struct proposal_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        size_t off;
    } bools[] = {
        {"special_categories_raise", offsetof(struct proposal_config, special_raises)},
        {"vulnerable_raise", offsetof(struct proposal_config, vulnerable_raises)},
        {"permanence_raise", offsetof(struct proposal_config, permanent_raises)},
        {"many_subjects_raise", offsetof(struct proposal_config, many_raises)},
        {"voluntary_notice", offsetof(struct proposal_config, voluntary_notice)},
        {"very_many_subjects_raise", offsetof(struct proposal_config, very_many_raises)},
        {"outage_raise", offsetof(struct proposal_config, outage_raises)},
        {"identifiers_raise", offsetof(struct proposal_config, identifiers_raise)},
    };
    if (!strcmp(key, "risk_threshold") || !strcmp(key, "high_risk_threshold")) {
        int q;
        if (enisa_parse_quarters(value, &q) || q < 1 || q > 24)
            return err_set(err, errlen,
                           "invalid value '%.60s' for '%s' (expected an ENISA "
                           "score 0.25..6.0 in steps of 0.25)",
                           value, key);
        if (key[0] == 'r') cfg->risk_se_q = q;
        else cfg->high_risk_se_q = q;
        return 0;
    }
    if (!strcmp(key, "many_subjects") || !strcmp(key, "very_many_subjects") || !strcmp(key, "long_outage_hours")) {
        long long n = 0;
        int hours = key[0] == 'l';
        const char *q = value;
        if (!*q) goto bad_count;
        for (; *q; q++) {
            if (*q < '0' || *q > '9') goto bad_count;
            n = n * 10 + (*q - '0');
            if (n > ENISA_SUBJECTS_MAX) goto bad_count;
        }
        if (n < 1 || (hours && n > ENISA_DURATION_MAX / 60)) goto bad_count;
        if (hours) cfg->long_outage_minutes = n * 60;
        else if (key[0] == 'm') cfg->many_subjects = n;
        else cfg->very_many_subjects = n;
        return 0;
    bad_count:
        return err_set(err, errlen, "invalid value '%.60s' for '%s' (expected %s, at least 1)", value, key,
                       hours ? "a number of hours" : "a number of people");
    }
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        if (strcmp(key, bools[i].name)) continue;
        int b;
        if (parse_bool(value, &b))
            return err_set(err, errlen, "invalid value '%.60s' for '%s' (expected yes or no)", value, key);
        *(int *)((char *)cfg + bools[i].off) = b;
        return 0;
    }
    return err_set(err, errlen, "unknown key '%.60s'", key);
}

const char *proposal_level_name(enum proposal_level l)
{
    static const char *const n[] = {"no risk", "risk", "high risk"};
    return (int)l >= 0 && l <= PROPOSAL_HIGH_RISK ? n[l] : "?";
}

const char *proposal_level_name_de(enum proposal_level l)
{
    static const char *const n[] = {"kein Risiko", "Risiko", "hohes Risiko"};
    return (int)l >= 0 && l <= PROPOSAL_HIGH_RISK ? n[l] : "?";
}

const char *proposal_people_name(enum proposal_people pp)
{
    switch (pp) {
    case PROPOSAL_PEOPLE_NO: return "no";
    case PROPOSAL_PEOPLE_YES: return "yes";
    case PROPOSAL_PEOPLE_PUBLIC: return "public";
    }
    return "?";
}

const char *proposal_rule_name(enum proposal_rule r)
{
    static const char *const n[PROPOSAL_R_COUNT] = {"severity",
                                                    "no-effect",
                                                    "unintelligible",
                                                    "unintelligible-partial",
                                                    "trusted-recipient",
                                                    "special-categories",
                                                    "vulnerable",
                                                    "permanent",
                                                    "many-subjects",
                                                    "unknown-count",
                                                    "authority",
                                                    "people",
                                                    "risk-no-longer-likely",
                                                    "disproportionate-effort",
                                                    "unreachable",
                                                    "voluntary-notice",
                                                    "special-categories-minor",
                                                    "no-backup",
                                                    "long-outage",
                                                    "recipient-outside-control",
                                                    "fraud-identifiers",
                                                    "credentials",
                                                    "very-many-subjects",
                                                    "partly-unintelligible"};
    return (int)r >= 0 && r < PROPOSAL_R_COUNT ? n[r] : "?";
}

/* Where each rule comes from (docs/assessment.md, "The rules and their sources", says what was
 * read verbatim and what only in a summary). */
static const struct proposal_source sources[PROPOSAL_R_COUNT] = {
    [PROPOSAL_R_SEVERITY] = {"guideline",
                             "ENISA, Recommendations for a methodology of the assessment of severity of personal data "
                             "breaches (2013): SE = DPC x EI + CB; the thresholds that map the score to risk and high "
                             "risk are klartext's convention"},
    [PROPOSAL_R_NO_EFFECT] = {"guideline", "EDPB Guidelines 01/2021, case 01, paras. 21-25"},
    [PROPOSAL_R_UNINTELLIGIBLE] = {"guideline", "Art. 34(3)(a) GDPR; EDPB Guidelines 01/2021, case 01, para. 20"},
    [PROPOSAL_R_UNINTELLIGIBLE_PARTIAL] = {"guideline",
                                           "Art. 34(3)(a) GDPR; EDPB Guidelines 9/2022, para. 19 (no restore from "
                                           "a backup is a permanent loss of availability)"},
    [PROPOSAL_R_TRUSTED] = {"guideline, secondary",
                            "EDPB Guidelines 01/2021, case 09 (the title read; the outcome from a summary, ije.be)"},
    [PROPOSAL_R_SPECIAL] = {"guideline",
                            "EDPB Guidelines 9/2022, para. 102 (damage likely); high risk for more than a minor item "
                            "is klartext's reading"},
    [PROPOSAL_R_VULNERABLE] = {"klartext",
                               "Recital 75 GDPR; ENISA 2013 (special characteristics of the individuals raise the "
                               "DPC); one level up is klartext's convention"},
    [PROPOSAL_R_PERMANENT] = {"guideline",
                              "EDPB Guidelines 9/2022, para. 19; EDPB Guidelines 01/2021, para. 23; at least a risk "
                              "is klartext's reading"},
    [PROPOSAL_R_MANY] = {"klartext",
                         "EDPB Guidelines 9/2022, Annex B (\"a large number\", quoted by a third party); the "
                         "threshold many_subjects (1000) is klartext's convention"},
    [PROPOSAL_R_UNKNOWN_COUNT] = {"law", "Art. 33(4) GDPR; EDPB Guidelines 01/2021, para. 8"},
    [PROPOSAL_R_AUTHORITY] = {"law", "Art. 33(1), Art. 33(5) GDPR (the regime's threshold and deadline)"},
    [PROPOSAL_R_PEOPLE] = {"law", "Art. 34(1), Art. 34(2) GDPR"},
    [PROPOSAL_R_NO_LONGER_LIKELY] = {"law", "Art. 34(3)(b), Art. 34(4) GDPR"},
    [PROPOSAL_R_DISPROPORTIONATE] = {"law", "Art. 34(3)(c) GDPR"},
    [PROPOSAL_R_UNREACHABLE] = {"law", "Art. 34(3)(c) GDPR; telling the others publicly is klartext's reading"},
    [PROPOSAL_R_VOLUNTARY] = {"klartext",
                              "EDPB Guidelines 01/2021 (informing people can be good practice below high risk, from "
                              "a summary, WSGR 2021); the Amazon disclosure of November 2018; the conditions are "
                              "klartext's own"},
    [PROPOSAL_R_SPECIAL_MINOR] = {"guideline",
                                  "EDPB Guidelines 9/2022, para. 102; that a minor item is not by itself a high risk "
                                  "is klartext's reading"},
    [PROPOSAL_R_NO_BACKUP] = {"guideline", "EDPB Guidelines 01/2021, para. 23"},
    [PROPOSAL_R_LONG_OUTAGE] = {"guideline",
                                "EDPB Guidelines 01/2021, paras. 22 and 24; EDPB Guidelines 9/2022, para. 19; the "
                                "threshold long_outage_hours (24) is klartext's convention"},
    [PROPOSAL_R_RECIPIENT] = {"guideline, secondary",
                              "EDPB Guidelines 01/2021, case 08 (its words quoted by a third party, hrlaw.pl 2024)"},
    [PROPOSAL_R_FRAUD_IDS] = {"guideline",
                              "EDPB Guidelines 9/2022, para. 102 and Recital 85 GDPR (identity theft or fraud); the "
                              "levels are klartext's convention"},
    [PROPOSAL_R_CREDENTIALS] = {"klartext",
                                "ENISA 2013 (credentials are assessed by the data they unlock); EDPB Guidelines "
                                "9/2022, Annex B ex. 6 (from a summary); the levels are klartext's convention"},
    [PROPOSAL_R_VERY_MANY] = {"klartext",
                              "EDPB Guidelines 01/2021, case 11 (its words quoted by a third party, hrlaw.pl 2024); "
                              "the threshold very_many_subjects (100000) is klartext's convention, taken from that "
                              "case"},
    [PROPOSAL_R_PARTLY_UNINTELLIGIBLE] = {"law", "Art. 34(3)(a) GDPR (\"rendered the personal data unintelligible\")"},
};

const struct proposal_source *proposal_rule_source(enum proposal_rule r)
{
    static const struct proposal_source unknown = {"?", "?"};
    return (int)r >= 0 && r < PROPOSAL_R_COUNT && sources[r].cite ? &sources[r] : &unknown;
}

/* Adds an empty reason for rule r; NULL when the list is full. */
static struct proposal_reason *add(struct proposal *p, enum proposal_rule r)
{
    if (p->nreasons >= PROPOSAL_MAX_REASONS) return NULL;
    struct proposal_reason *x = &p->reasons[p->nreasons++];
    x->rule = r;
    x->en[0] = x->de[0] = 0;
    return x;
}

static void say(struct proposal *p, enum proposal_rule r, const char *en, const char *de)
{
    struct proposal_reason *x = add(p, r);
    if (!x) return;
    snprintf(x->en, sizeof x->en, "%s", en);
    snprintf(x->de, sizeof x->de, "%s", de);
}

static void quarters(int q, char sep, char *buf, size_t n)
{
    enisa_format_quarters(q, sep, buf, n);
}

static void severity_reason(struct proposal *p, const struct proposal_config *cfg)
{
    const struct enisa_result *s = &p->severity;
    char ei[16], cb[16], se[16], risk[16], high[16];
    char ei_de[16], cb_de[16], se_de[16], risk_de[16], high_de[16];
    quarters(s->ei_q, '.', ei, sizeof ei);
    quarters(s->cb_q, '.', cb, sizeof cb);
    quarters(s->se_q, '.', se, sizeof se);
    quarters(cfg->risk_se_q, '.', risk, sizeof risk);
    quarters(cfg->high_risk_se_q, '.', high, sizeof high);
    quarters(s->ei_q, ',', ei_de, sizeof ei_de);
    quarters(s->cb_q, ',', cb_de, sizeof cb_de);
    quarters(s->se_q, ',', se_de, sizeof se_de);
    quarters(cfg->risk_se_q, ',', risk_de, sizeof risk_de);
    quarters(cfg->high_risk_se_q, ',', high_de, sizeof high_de);
    struct proposal_reason *x = add(p, PROPOSAL_R_SEVERITY);
    if (!x) return;
    int n = snprintf(x->en, sizeof x->en, "ENISA severity: DPC %d × EI %s + CB %s = %s (%s); ", s->dpc, ei, cb, se,
                     enisa_band_name(s->band));
    int m = snprintf(x->de, sizeof x->de,
                     "ENISA-Schweregrad: DPC %d × EI %s + CB %s = %s "
                     "(%s); ",
                     s->dpc, ei_de, cb_de, se_de, enisa_band_name_de(s->band));
    if (n < 0 || m < 0 || (size_t)n >= sizeof x->en || (size_t)m >= sizeof x->de) return;
    switch (p->enisa_level) {
    case PROPOSAL_HIGH_RISK:
        snprintf(x->en + n, sizeof x->en - (size_t)n,
                 "at or above the high-risk threshold %s, "
                 "the breach is likely to result in a high risk (Art. 34(1) GDPR).",
                 high);
        snprintf(x->de + m, sizeof x->de - (size_t)m,
                 "ab der Schwelle %s für ein hohes "
                 "Risiko führt die Verletzung voraussichtlich zu einem hohen Risiko "
                 "(Art. 34 Abs. 1 DSGVO).",
                 high_de);
        break;
    case PROPOSAL_RISK:
        snprintf(x->en + n, sizeof x->en - (size_t)n,
                 "at or above the risk threshold %s and "
                 "below the high-risk threshold %s, the breach is likely to result in a risk "
                 "(Art. 33(1) GDPR).",
                 risk, high);
        snprintf(x->de + m, sizeof x->de - (size_t)m,
                 "ab der Risikoschwelle %s und unter der "
                 "Schwelle %s für ein hohes Risiko führt die Verletzung voraussichtlich zu "
                 "einem Risiko (Art. 33 Abs. 1 DSGVO).",
                 risk_de, high_de);
        break;
    case PROPOSAL_NO_RISK:
        snprintf(x->en + n, sizeof x->en - (size_t)n,
                 "below the risk threshold %s, the score "
                 "alone indicates that the breach is unlikely to result in a risk "
                 "(Art. 33(1) GDPR).",
                 risk);
        snprintf(x->de + m, sizeof x->de - (size_t)m,
                 "unter der Risikoschwelle %s spricht der "
                 "Wert allein dafür, dass die Verletzung voraussichtlich nicht zu einem Risiko "
                 "führt (Art. 33 Abs. 1 DSGVO).",
                 risk_de);
        break;
    }
}

/* The inputs the rules look at. */
struct facts {
    long long C, I, A, subjects, subjects_max, outage;
    int ei, vulnerable, special, minor_special, unintelligible, partly, no_longer_likely, disproportionate, trusted,
        contacts_known;
    int fraud, credentials, recipient, backup, malicious;
    int long_outage; /* unavailable at least long_outage_minutes */
    int no_backup; /* unavailable, and no backup restored it */
    int touched; /* disclosed, altered, lost for good, or unavailable for long or without a backup */
    int permanent; /* destroyed without backup or altered beyond recovery */
    int uncontrolled; /* an unknown number of recipients, the public, someone who means to misuse it, or a person
                         outside the controller's control who took it deliberately */
};

static void facts_of(const struct enisa_input *in, const struct proposal_config *cfg, struct facts *f)
{
    const struct enisa_value *v = in->v;
    f->C = v[ENISA_K_CONFIDENTIALITY].value;
    f->I = v[ENISA_K_INTEGRITY].value;
    f->A = v[ENISA_K_AVAILABILITY].value;
    f->subjects = v[ENISA_K_SUBJECTS].value;
    f->subjects_max = v[ENISA_K_SUBJECTS_MAX].value;
    f->outage = v[ENISA_K_UNAVAILABLE].value;
    f->ei = (int)v[ENISA_K_EI].value;
    f->vulnerable = v[ENISA_K_VULNERABLE].value == 1;
    f->special = v[ENISA_K_SPECIAL].value == ENISA_SPECIAL_YES;
    f->minor_special = v[ENISA_K_SPECIAL].value == ENISA_SPECIAL_MINOR;
    f->unintelligible = v[ENISA_K_UNINTELLIGIBLE].value == ENISA_UNINT_YES;
    f->partly = v[ENISA_K_UNINTELLIGIBLE].value == ENISA_UNINT_PARTLY;
    f->no_longer_likely = v[ENISA_K_NO_LONGER_LIKELY].value == 1;
    f->disproportionate = v[ENISA_K_DISPROPORTIONATE].value == 1;
    f->trusted = v[ENISA_K_TRUSTED].value == 1;
    f->contacts_known = v[ENISA_K_CONTACTS_KNOWN].value != 0;
    f->fraud = v[ENISA_K_FRAUD_IDS].value == 1;
    f->credentials = (int)v[ENISA_K_CREDENTIALS].value;
    f->recipient = (int)v[ENISA_K_RECIPIENT].value;
    f->backup = (int)v[ENISA_K_BACKUP].value;
    f->malicious = v[ENISA_K_MALICIOUS].value == 1;
    f->long_outage = f->A != ENISA_A_NONE && f->outage >= cfg->long_outage_minutes;
    f->no_backup = f->A != ENISA_A_NONE && f->backup == ENISA_B_NO;
    f->touched = f->C != ENISA_C_NONE || f->I != ENISA_I_NONE || f->A == ENISA_A_TOTAL ||
                 (cfg->outage_raises && (f->long_outage || f->no_backup));
    f->permanent = f->I == ENISA_I_UNRECOVERABLE || f->A == ENISA_A_TOTAL;
    f->uncontrolled = f->C == ENISA_C_UNKNOWN || f->recipient == ENISA_R_MALICIOUS || f->recipient == ENISA_R_PUBLIC ||
                      (f->recipient == ENISA_R_OUTSIDE && f->malicious);
}

/* Rule 2: the guideline exceptions that mean no risk whatever the score. Returns 1 (and says
 * which) when one applies. */
static int rule_exceptions(struct proposal *p, const struct facts *f)
{
    long long C = f->C, I = f->I, A = f->A;
    int neutral = 1;
    if (C == ENISA_C_NONE && I == ENISA_I_NONE && A == ENISA_A_NONE) {
        say(p, PROPOSAL_R_NO_EFFECT,
            "No data was disclosed or altered and the data was recovered without difficulty, "
            "so there was no lasting loss of confidentiality, integrity or availability: the "
            "breach is unlikely to result in a risk, whatever the score (Art. 33(1) GDPR; EDPB "
            "Guidelines 01/2021, case 01, paras. 21-25).",
            "Es wurden keine Daten offengelegt oder verändert und die Daten ließen sich ohne "
            "Schwierigkeiten wiederherstellen, Vertraulichkeit, Integrität und Verfügbarkeit "
            "sind also nicht dauerhaft beeinträchtigt: Die Verletzung führt unabhängig vom Wert "
            "voraussichtlich nicht zu einem Risiko (Art. 33 Abs. 1 DSGVO; EDSA-Leitlinien "
            "01/2021, Fall 01, Rn. 21-25).");
    } else if (f->unintelligible && I == ENISA_I_NONE && A == ENISA_A_NONE) {
        say(p, PROPOSAL_R_UNINTELLIGIBLE,
            "The data was unintelligible to anyone not authorised to see it (for example "
            "state-of-the-art encryption with the key not compromised) and only its "
            "confidentiality was affected: the breach is unlikely to result in a risk, so "
            "neither the authority nor the people need to be told (Art. 33(1), Art. 34(3)(a) "
            "GDPR; EDPB Guidelines 01/2021, case 01, para. 20).",
            "Die Daten waren für Unbefugte unverständlich (zum Beispiel Verschlüsselung nach "
            "dem Stand der Technik, Schlüssel nicht kompromittiert) und nur ihre "
            "Vertraulichkeit war betroffen: Die Verletzung führt voraussichtlich nicht zu "
            "einem Risiko, weder die Aufsichtsbehörde noch die Betroffenen müssen informiert "
            "werden (Art. 33 Abs. 1, Art. 34 Abs. 3 lit. a DSGVO; EDSA-Leitlinien 01/2021, "
            "Fall 01, Rn. 20).");
    } else if (f->trusted && C == ENISA_C_KNOWN && I == ENISA_I_NONE && A == ENISA_A_NONE) {
        say(p, PROPOSAL_R_TRUSTED,
            "The data reached only known, trusted recipients who are bound to confidentiality "
            "and did not keep or use it: the breach is unlikely to result in a risk (Art. 33(1) "
            "GDPR; EDPB Guidelines 01/2021, case 09).",
            "Die Daten erreichten nur bekannte, vertrauenswürdige und zur Verschwiegenheit "
            "verpflichtete Empfänger, die sie weder behalten noch verwendet haben: Die "
            "Verletzung führt voraussichtlich nicht zu einem Risiko (Art. 33 Abs. 1 DSGVO; "
            "EDSA-Leitlinien 01/2021, Fall 09).");
    } else {
        neutral = 0;
    }
    return neutral;
}

/* Rule 3, many people: at least a risk. */
static void say_many(struct proposal *p, const struct facts *f, const struct proposal_config *cfg)
{
    struct proposal_reason *x = add(p, PROPOSAL_R_MANY);
    if (x) {
        snprintf(x->en, sizeof x->en,
                 "%lld people are affected, at least the %lld that klartext counts as a "
                 "large number: the breach is likely to result in at least a risk "
                 "(Art. 33(1) GDPR; EDPB Guidelines 9/2022, section IV.B and Annex B "
                 "ex. 9 and 10).",
                 f->subjects, cfg->many_subjects);
        snprintf(x->de, sizeof x->de,
                 "Es sind %lld Personen betroffen, mindestens %lld, die klartext als "
                 "große Zahl wertet: Die Verletzung führt voraussichtlich mindestens zu "
                 "einem Risiko (Art. 33 Abs. 1 DSGVO; EDSA-Leitlinien 9/2022, Abschnitt "
                 "IV.B und Anhang B Bsp. 9 und 10).",
                 f->subjects, cfg->many_subjects);
    }
}

/* Rule 3, a very large number of people whose data is out of control: a high risk. */
static void say_very_many(struct proposal *p, const struct facts *f, const struct proposal_config *cfg)
{
    struct proposal_reason *x = add(p, PROPOSAL_R_VERY_MANY);
    if (x) {
        snprintf(x->en, sizeof x->en,
                 "%lld people are affected, at least the %lld that klartext counts as a very large number, "
                 "and the data is out of the controller's control: klartext treats this as a high risk "
                 "(Art. 34(1) GDPR; EDPB Guidelines 01/2021, case 11: non-sensitive data of more than 100,000 "
                 "customers on a stolen notebook without encryption, a high risk).",
                 f->subjects, cfg->very_many_subjects);
        snprintf(x->de, sizeof x->de,
                 "Es sind %lld Personen betroffen, mindestens %lld, die klartext als sehr große Zahl wertet, "
                 "und die Daten sind der Kontrolle des Verantwortlichen entzogen: klartext wertet das als hohes "
                 "Risiko (Art. 34 Abs. 1 DSGVO; EDSA-Leitlinien 01/2021, Fall 11: nicht sensible Daten von mehr "
                 "als 100.000 Kunden auf einem gestohlenen, unverschlüsselten Notebook, ein hohes Risiko).",
                 f->subjects, cfg->very_many_subjects);
    }
}

/* Rule 3, vulnerable people: one level up, from `from` to `to`. */
static void say_vulnerable(struct proposal *p, enum proposal_level from, enum proposal_level to)
{
    struct proposal_reason *x = add(p, PROPOSAL_R_VULNERABLE);
    if (x) {
        snprintf(x->en, sizeof x->en,
                 "Vulnerable people (for example children or patients) are affected: "
                 "klartext raises the assessment by one level, from %s to %s "
                 "(Art. 33(1), Art. 34(1) GDPR, Recital 75; EDPB Guidelines 9/2022, "
                 "section IV.B).",
                 proposal_level_name(from), proposal_level_name(to));
        snprintf(x->de, sizeof x->de,
                 "Schutzbedürftige Personen (zum Beispiel Kinder oder Patienten) sind "
                 "betroffen: klartext hebt die Einschätzung um eine Stufe an, von %s auf "
                 "%s (Art. 33 Abs. 1, Art. 34 Abs. 1 DSGVO, Erwägungsgrund 75; "
                 "EDSA-Leitlinien 9/2022, Abschnitt IV.B).",
                 proposal_level_name_de(from), proposal_level_name_de(to));
    }
}

/* Rule 3, a note: the number of people is not known yet, or only up to a bound. */
static void say_unknown_count(struct proposal *p, const struct facts *f, const struct proposal_config *cfg)
{
    struct proposal_reason *x = add(p, PROPOSAL_R_UNKNOWN_COUNT);
    if (!x) return;
    if (f->subjects < 0 && f->subjects_max < 0) {
        snprintf(x->en, sizeof x->en,
                 "The number of people is not known yet; if it reaches %lld, the breach "
                 "counts as a risk and must be notified, in phases if need be "
                 "(Art. 33(1), Art. 33(4) GDPR).",
                 cfg->many_subjects);
        snprintf(x->de, sizeof x->de,
                 "Die Zahl der Betroffenen ist noch nicht bekannt; erreicht sie %lld, "
                 "gilt die Verletzung als Risiko und ist zu melden, nötigenfalls "
                 "schrittweise (Art. 33 Abs. 1, Art. 33 Abs. 4 DSGVO).",
                 cfg->many_subjects);
        return;
    }
    snprintf(x->en, sizeof x->en,
             "The number of people is known only as a range up to %lld; if it reaches %lld, the breach "
             "counts as a risk and must be notified, in phases if need be (Art. 33(1), Art. 33(4) GDPR).",
             f->subjects_max, cfg->many_subjects);
    snprintf(x->de, sizeof x->de,
             "Die Zahl der Betroffenen ist nur als Spanne bis %lld bekannt; erreicht sie %lld, gilt die "
             "Verletzung als Risiko und ist zu melden, nötigenfalls schrittweise (Art. 33 Abs. 1, Art. 33 "
             "Abs. 4 DSGVO).",
             f->subjects_max, cfg->many_subjects);
}

static enum proposal_level at_least(enum proposal_level level, enum proposal_level floor)
{
    return level < floor ? floor : level;
}

/* Rule 3, the data: special categories, identifiers that enable fraud, credentials. */
static enum proposal_level raise_data(struct proposal *p, const struct facts *f, const struct proposal_config *cfg,
                                      enum proposal_level level)
{
    if (cfg->special_raises && f->special && f->touched && level < PROPOSAL_HIGH_RISK) {
        level = PROPOSAL_HIGH_RISK;
        say(p, PROPOSAL_R_SPECIAL,
            "Special categories of personal data (Art. 9 or Art. 10 GDPR) were disclosed, "
            "altered or lost: damage is considered likely, so klartext treats the breach "
            "as a high risk (Art. 34(1) GDPR; EDPB Guidelines 9/2022, para. 102).",
            "Besondere Kategorien personenbezogener Daten (Art. 9 oder Art. 10 DSGVO) "
            "wurden offengelegt, verändert oder gingen verloren: Ein Schaden gilt als "
            "wahrscheinlich, klartext behandelt die Verletzung daher als hohes Risiko "
            "(Art. 34 Abs. 1 DSGVO; EDSA-Leitlinien 9/2022, Rn. 102).");
    }
    if (f->minor_special && f->touched && level < PROPOSAL_RISK) {
        level = PROPOSAL_RISK;
        say(p, PROPOSAL_R_SPECIAL_MINOR,
            "A single item of a special category (Art. 9 GDPR) that reveals little was disclosed, altered or "
            "lost: for such data the EDPB considers damage likely, so the breach is at least a risk; klartext does "
            "not treat a minor item by itself as a high risk (Art. 33(1) GDPR; EDPB Guidelines 9/2022, para. 102).",
            "Eine einzelne, wenig aussagekräftige Angabe einer besonderen Kategorie (Art. 9 DSGVO) wurde "
            "offengelegt, verändert oder ging verloren: Bei solchen Daten hält der EDSA einen Schaden für "
            "wahrscheinlich, die Verletzung ist daher mindestens ein Risiko; eine einzelne geringfügige Angabe "
            "wertet klartext nicht allein als hohes Risiko (Art. 33 Abs. 1 DSGVO; EDSA-Leitlinien 9/2022, Rn. 102).");
    }
    int high = f->uncontrolled && f->ei >= ENISA_EI_SIGNIFICANT;
    if (cfg->identifiers_raise && f->fraud && f->C != ENISA_C_NONE) {
        enum proposal_level to = at_least(level, high ? PROPOSAL_HIGH_RISK : PROPOSAL_RISK);
        if (to > level)
            say(p, PROPOSAL_R_FRAUD_IDS,
                high ? "Identifiers that enable identity fraud (national ID, social security, passport or tax "
                       "numbers) reached recipients outside the controller's control: identity theft and fraud are "
                       "the damage the EDPB names, and such numbers cannot simply be changed, so klartext treats "
                       "this as a high risk (Art. 34(1) GDPR, Recital 85; EDPB Guidelines 9/2022, para. 102)."
                     : "Identifiers that enable identity fraud (national ID, social security, passport or tax "
                       "numbers) were disclosed: identity theft and fraud are the damage the EDPB names, so the "
                       "breach is at least a risk (Art. 33(1) GDPR, Recital 85; EDPB Guidelines 9/2022, para. 102).",
                high ? "Kennnummern, die einen Identitätsbetrug ermöglichen (Personalausweis-, Sozialversicherungs-, "
                       "Pass- oder Steuernummern), erreichten Empfänger außerhalb der Kontrolle des "
                       "Verantwortlichen: Identitätsdiebstahl und Betrug sind die Schäden, die der EDSA nennt, und "
                       "solche Nummern lassen sich nicht einfach ändern; klartext wertet das als hohes Risiko "
                       "(Art. 34 Abs. 1 DSGVO, Erwägungsgrund 85; EDSA-Leitlinien 9/2022, Rn. 102)."
                     : "Kennnummern, die einen Identitätsbetrug ermöglichen (Personalausweis-, Sozialversicherungs-, "
                       "Pass- oder Steuernummern), wurden offengelegt: Identitätsdiebstahl und Betrug sind die "
                       "Schäden, die der EDSA nennt; die Verletzung ist mindestens ein Risiko (Art. 33 Abs. 1 DSGVO, "
                       "Erwägungsgrund 85; EDSA-Leitlinien 9/2022, Rn. 102).");
        level = to;
    }
    if (cfg->identifiers_raise && f->credentials == ENISA_CRED_USABLE && f->C != ENISA_C_NONE) {
        enum proposal_level to = at_least(level, f->uncontrolled ? PROPOSAL_HIGH_RISK : PROPOSAL_RISK);
        if (to > level)
            say(p, PROPOSAL_R_CREDENTIALS,
                "Usable credentials (passwords or tokens) were disclosed: they open the accounts they protect "
                "(ENISA 2013 assesses credentials by the data they give access to). klartext treats this as at "
                "least a risk, and as a high risk when the recipients are out of the controller's control; have "
                "the people change them and force a reset where you can (Art. 33(1), Art. 34(1) GDPR; EDPB "
                "Guidelines 9/2022, Annex B ex. 6).",
                "Verwendbare Zugangsdaten (Passwörter oder Token) wurden offengelegt: Sie öffnen die Konten, die sie "
                "schützen (ENISA 2013 bewertet Zugangsdaten nach den Daten, zu denen sie Zugang geben). klartext "
                "wertet das mindestens als Risiko und als hohes Risiko, wenn die Empfänger der Kontrolle des "
                "Verantwortlichen entzogen sind; lassen Sie die Personen sie ändern und erzwingen Sie, wo möglich, "
                "ein Zurücksetzen (Art. 33 Abs. 1, Art. 34 Abs. 1 DSGVO; EDSA-Leitlinien 9/2022, Anhang B Bsp. 6).");
        level = to;
    }
    return level;
}

/* Rule 3, loss: permanent loss, no backup, a long outage. */
static enum proposal_level raise_loss(struct proposal *p, const struct facts *f, const struct proposal_config *cfg,
                                      enum proposal_level level)
{
    if (cfg->permanent_raises && f->permanent && level < PROPOSAL_RISK) {
        level = PROPOSAL_RISK;
        say(p, PROPOSAL_R_PERMANENT,
            "The loss is permanent (data destroyed without a usable backup, or altered "
            "beyond recovery): the breach is likely to result in at least a risk "
            "(Art. 33(1) GDPR; EDPB Guidelines 9/2022, para. 19; EDPB Guidelines 01/2021, para. 23).",
            "Der Verlust ist dauerhaft (Daten ohne brauchbare Sicherung zerstört oder nicht "
            "wiederherstellbar verändert): Die Verletzung führt voraussichtlich mindestens "
            "zu einem Risiko (Art. 33 Abs. 1 DSGVO; EDSA-Leitlinien 9/2022, Rn. 19; EDSA-Leitlinien "
            "01/2021, Rn. 23).");
    }
    if (cfg->outage_raises && f->no_backup && level < PROPOSAL_RISK) {
        level = PROPOSAL_RISK;
        say(p, PROPOSAL_R_NO_BACKUP,
            "The data was unavailable and no backup restored it: it had to be collected again, or was lost. "
            "Without a backup the severity may increase (EDPB Guidelines 01/2021, para. 23): the breach is at "
            "least a risk (Art. 33(1) GDPR).",
            "Die Daten waren nicht verfügbar und keine Sicherung stellte sie wieder her: Sie mussten neu erhoben "
            "werden oder gingen verloren. Ohne Sicherung kann die Schwere zunehmen (EDSA-Leitlinien 01/2021, "
            "Rn. 23): Die Verletzung ist mindestens ein Risiko (Art. 33 Abs. 1 DSGVO).");
    }
    if (cfg->outage_raises && f->long_outage && level < PROPOSAL_RISK) {
        char en[I18N_TEXT_MAX], de[I18N_TEXT_MAX], len_en[I18N_TEXT_MAX], len_de[I18N_TEXT_MAX];
        struct proposal_reason *x = add(p, PROPOSAL_R_LONG_OUTAGE);
        level = PROPOSAL_RISK;
        if (!x) return level;
        i18n_format_duration(I18N_EN, f->outage * 60, en, sizeof en);
        i18n_format_duration(I18N_DE, f->outage * 60, de, sizeof de);
        i18n_format_duration(I18N_EN, cfg->long_outage_minutes * 60, len_en, sizeof len_en);
        i18n_format_duration(I18N_DE, cfg->long_outage_minutes * 60, len_de, sizeof len_de);
        snprintf(x->en, sizeof x->en,
                 "The data was unavailable for %s, at least the %s from which klartext counts an outage as long: "
                 "how soon the data is restored is a key variable (EDPB Guidelines 01/2021, para. 24), and a "
                 "significant disruption of the normal service is a loss of availability (EDPB Guidelines 9/2022, "
                 "para. 19); the breach is at least a risk (Art. 33(1) GDPR).",
                 en, len_en);
        snprintf(x->de, sizeof x->de,
                 "Die Daten waren %s nicht verfügbar, mindestens %s, ab denen klartext einen Ausfall als lang "
                 "wertet: Wie schnell die Daten wiederhergestellt werden, ist eine Schlüsselgröße "
                 "(EDSA-Leitlinien 01/2021, Rn. 24), und eine erhebliche Störung des normalen Betriebs ist ein "
                 "Verlust der Verfügbarkeit (EDSA-Leitlinien 9/2022, Rn. 19); die Verletzung ist mindestens ein "
                 "Risiko (Art. 33 Abs. 1 DSGVO).",
                 de, len_de);
    }
    return level;
}

/* Rule 3, who received it: someone who means to misuse it, or who took it deliberately and is
 * outside the controller's control (not: a customer who received another's letter by mistake). */
static enum proposal_level raise_recipient(struct proposal *p, const struct facts *f, enum proposal_level level)
{
    int bad = f->recipient == ENISA_R_MALICIOUS, taken = f->recipient == ENISA_R_OUTSIDE && f->malicious;
    if ((!bad && !taken) || f->C == ENISA_C_NONE || level >= PROPOSAL_RISK) return level;
    struct proposal_reason *x = add(p, PROPOSAL_R_RECIPIENT);
    if (!x) return PROPOSAL_RISK;
    snprintf(x->en, sizeof x->en,
             "The data reached %s: the controller has no assurance about what the recipient will do with it and "
             "cannot consider the risk to be low, so the breach is at least a risk (Art. 33(1) GDPR; EDPB "
             "Guidelines 01/2021, case 08).",
             bad ? "someone who means to misuse it"
                 : "a known person outside the controller's control who took it deliberately");
    snprintf(
        x->de, sizeof x->de,
        "Die Daten erreichten %s: Der Verantwortliche hat keine Gewissheit, was der Empfänger mit ihnen tut, "
        "und kann das Risiko nicht als gering ansehen; die Verletzung ist daher mindestens ein Risiko (Art. 33 "
        "Abs. 1 DSGVO; EDSA-Leitlinien 01/2021, Fall 08).",
        bad ? "jemanden, der sie missbrauchen will"
            : "eine bekannte Person außerhalb der Kontrolle des Verantwortlichen, die sie vorsätzlich an sich nahm");
    return PROPOSAL_RISK;
}

/* Rule 3, the numbers: many people, a very large number out of control, a count not known. */
static enum proposal_level raise_numbers(struct proposal *p, const struct facts *f, const struct proposal_config *cfg,
                                         enum proposal_level level)
{
    int touched = f->touched;
    long long subjects = f->subjects;
    if (cfg->many_raises && touched && f->ei >= ENISA_EI_LIMITED && subjects >= cfg->many_subjects &&
        level < PROPOSAL_RISK) {
        level = PROPOSAL_RISK;
        say_many(p, f, cfg);
    }
    if (cfg->very_many_raises && touched && f->ei >= ENISA_EI_SIGNIFICANT && subjects >= cfg->very_many_subjects &&
        subjects >= cfg->many_subjects && (f->uncontrolled || f->permanent) && level < PROPOSAL_HIGH_RISK) {
        level = PROPOSAL_HIGH_RISK;
        say_very_many(p, f, cfg);
    }
    return level;
}

/* Rule 3: the raises (only when no exception of rule 2 applied). Returns the level after them. */
static enum proposal_level rule_raises(struct proposal *p, const struct facts *f, const struct proposal_config *cfg,
                                       enum proposal_level level)
{
    if (f->unintelligible)
        say(p, PROPOSAL_R_UNINTELLIGIBLE_PARTIAL,
            "The data was unintelligible to others, but the breach also affected its "
            "integrity or availability, which encryption does not protect: the exemption "
            "of Art. 34(3)(a) GDPR covers the disclosure only, so it is not applied.",
            "Die Daten waren für Unbefugte unverständlich, die Verletzung betraf aber auch "
            "ihre Integrität oder Verfügbarkeit, die eine Verschlüsselung nicht schützt: "
            "Die Ausnahme des Art. 34 Abs. 3 lit. a DSGVO deckt nur die Offenlegung ab und "
            "wird daher nicht angewandt.");
    if (f->partly)
        say(p, PROPOSAL_R_PARTLY_UNINTELLIGIBLE,
            "Only part of the data was unintelligible to others: the exemption of Art. 34(3)(a) GDPR covers only "
            "data rendered unintelligible, so it is not applied, and the assessment rests on the part that was "
            "intelligible.",
            "Nur ein Teil der Daten war für Unbefugte unverständlich: Die Ausnahme des Art. 34 Abs. 3 lit. a DSGVO "
            "gilt nur für unverständlich gemachte Daten und wird daher nicht angewandt; die Bewertung beruht auf "
            "dem verständlichen Teil.");
    level = raise_data(p, f, cfg, level);
    level = raise_loss(p, f, cfg, level);
    level = raise_recipient(p, f, level);
    level = raise_numbers(p, f, cfg, level);
    if (cfg->vulnerable_raises && f->vulnerable && f->touched && level < PROPOSAL_HIGH_RISK) {
        enum proposal_level from = level;
        level = (enum proposal_level)(level + 1);
        say_vulnerable(p, from, level);
    }
    int bounded_below = f->subjects >= 0 && f->subjects < cfg->many_subjects && f->subjects_max >= cfg->many_subjects;
    if (cfg->many_raises && f->touched && f->ei >= ENISA_EI_LIMITED && (f->subjects < 0 || bounded_below) &&
        level == PROPOSAL_NO_RISK)
        say_unknown_count(p, f, cfg);
    return level;
}

/* Rule 4: the authority is notified from the regime's threshold on (a risk under the GDPR). */
static void rule_authority(struct proposal *p, enum proposal_level level, const struct regime *g)
{
    int gdpr = !strcmp(g->id, "gdpr");
    enum proposal_level from = g->authority_threshold == REGIME_HIGH_RISK ? PROPOSAL_HIGH_RISK : PROPOSAL_RISK;
    p->notify_authority = level >= from;
    if (p->notify_authority && gdpr)
        say(p, PROPOSAL_R_AUTHORITY,
            "Notify the supervisory authority without undue delay and, where feasible, within "
            "72 hours of becoming aware of the breach (Art. 33(1) GDPR).",
            "Melden Sie die Verletzung unverzüglich und möglichst binnen 72 Stunden, nachdem "
            "sie Ihnen bekannt wurde, der zuständigen Aufsichtsbehörde (Art. 33 Abs. 1 DSGVO).");
    else if (!p->notify_authority && (gdpr || level < PROPOSAL_RISK))
        say(p, PROPOSAL_R_AUTHORITY,
            "The supervisory authority need not be notified; document the breach and this "
            "reasoning in the register of breaches (Art. 33(1), Art. 33(5) GDPR).",
            "Eine Meldung an die Aufsichtsbehörde ist nicht erforderlich; dokumentieren Sie "
            "die Verletzung und diese Begründung (Art. 33 Abs. 1, Art. 33 Abs. 5 DSGVO).");
    else {
        struct proposal_reason *x = add(p, PROPOSAL_R_AUTHORITY);
        if (!x) return;
        if (p->notify_authority) {
            snprintf(x->en, sizeof x->en,
                     "Notify the supervisory authority without undue delay and, where feasible, within %d hours of "
                     "becoming aware of the breach, through %s (Art. 33(1) GDPR as the %s would amend it; applied "
                     "for testing).",
                     g->hours, g->form_en, g->name_en);
            snprintf(x->de, sizeof x->de,
                     "Melden Sie die Verletzung unverzüglich und möglichst binnen %d Stunden, nachdem sie Ihnen "
                     "bekannt wurde, über %s (Art. 33 Abs. 1 DSGVO nach dem %s; zu Testzwecken "
                     "angewandt).",
                     g->hours, g->form_de, g->name_de);
        } else {
            snprintf(x->en, sizeof x->en,
                     "The breach is likely to result in a risk but not a high risk: under the %s only a high risk "
                     "is notified to the supervisory authority; document the breach and this reasoning (Art. 33(5) "
                     "GDPR; applied for testing).",
                     g->name_en);
            snprintf(x->de, sizeof x->de,
                     "Die Verletzung führt voraussichtlich zu einem Risiko, aber nicht zu einem hohen Risiko: Nach "
                     "dem %s ist nur ein hohes Risiko der Aufsichtsbehörde zu melden; dokumentieren Sie die "
                     "Verletzung und diese Begründung (Art. 33 Abs. 5 DSGVO; zu Testzwecken angewandt).",
                     g->name_de);
        }
    }
}

/* Rule 4: the people are told at a high risk, unless Art. 34(3)(b) or (c) applies. */
static void rule_people(struct proposal *p, const struct facts *f, enum proposal_level level)
{
    p->people = PROPOSAL_PEOPLE_NO;
    if (level == PROPOSAL_HIGH_RISK) {
        if (f->no_longer_likely) {
            say(p, PROPOSAL_R_NO_LONGER_LIKELY,
                "Measures taken after the breach ensure that the high risk is no longer likely "
                "to materialise, so the people need not be told; the authority may still "
                "require it (Art. 34(3)(b), Art. 34(4) GDPR).",
                "Nach der Verletzung getroffene Maßnahmen stellen sicher, dass das hohe Risiko "
                "aller Wahrscheinlichkeit nach nicht mehr besteht; eine Benachrichtigung ist "
                "daher nicht erforderlich, die Aufsichtsbehörde kann sie aber verlangen "
                "(Art. 34 Abs. 3 lit. b, Art. 34 Abs. 4 DSGVO).");
        } else if (f->disproportionate) {
            p->people = PROPOSAL_PEOPLE_PUBLIC;
            say(p, PROPOSAL_R_DISPROPORTIONATE,
                "Telling each person would involve disproportionate effort: make a public "
                "communication or a similar measure that informs the people in an equally "
                "effective manner instead (Art. 34(3)(c) GDPR).",
                "Eine Benachrichtigung jeder einzelnen Person wäre mit einem unverhältnismäßigen "
                "Aufwand verbunden: Informieren Sie stattdessen durch eine öffentliche "
                "Bekanntmachung oder eine ähnlich wirksame Maßnahme (Art. 34 Abs. 3 lit. c DSGVO).");
        } else {
            p->people = PROPOSAL_PEOPLE_YES;
            say(p, PROPOSAL_R_PEOPLE,
                "The breach is likely to result in a high risk: tell the people without undue "
                "delay, in clear and plain language and in a dedicated message (Art. 34(1), "
                "Art. 34(2) GDPR).",
                "Die Verletzung führt voraussichtlich zu einem hohen Risiko: Benachrichtigen Sie "
                "die betroffenen Personen unverzüglich in klarer und einfacher Sprache mit einer "
                "eigenen Nachricht (Art. 34 Abs. 1 und 2 DSGVO).");
            if (!f->contacts_known) {
                p->also_public = 1;
                say(p, PROPOSAL_R_UNREACHABLE,
                    "Contact data is not known for everyone affected: tell those you can reach "
                    "directly and the others by a public communication (Art. 34(3)(c) GDPR).",
                    "Nicht für alle Betroffenen sind Kontaktdaten bekannt: Benachrichtigen Sie "
                    "die Erreichbaren direkt und die übrigen durch eine öffentliche "
                    "Bekanntmachung (Art. 34 Abs. 3 lit. c DSGVO).");
            }
        }
    } else {
        say(p, PROPOSAL_R_PEOPLE,
            "The breach is not likely to result in a high risk, so the law does not require "
            "telling the people (Art. 34(1) GDPR).",
            "Die Verletzung führt voraussichtlich nicht zu einem hohen Risiko, eine "
            "Benachrichtigung der Betroffenen ist daher nicht vorgeschrieben (Art. 34 Abs. 1 "
            "DSGVO).");
    }
}

/* Rule 5: a voluntary notice where the law asks none but the data invites harm. */
static void rule_voluntary(struct proposal *p, const struct facts *f, const struct proposal_config *cfg, int neutral)
{
    if (cfg->voluntary_notice && p->people == PROPOSAL_PEOPLE_NO && !neutral && !f->unintelligible &&
        f->C == ENISA_C_UNKNOWN && f->ei == ENISA_EI_MAXIMUM) {
        p->voluntary = 1;
        say(p, PROPOSAL_R_VOLUNTARY,
            "Not required by law, but recommended: data that directly identifies the people "
            "reached an unknown number of others, which invites targeted phishing and fraud "
            "(as after the Amazon disclosure of November 2018); tell the people so that they "
            "can recognise such messages (Art. 34(1) GDPR; EDPB Guidelines 01/2021: informing "
            "people can be good practice below high risk).",
            "Nicht vorgeschrieben, aber empfohlen: Daten, die die Personen direkt "
            "identifizieren, erreichten eine unbekannte Zahl Dritter; das begünstigt gezieltes "
            "Phishing und Betrug (wie nach der Amazon-Offenlegung vom November 2018). "
            "Informieren Sie die Betroffenen, damit sie solche Nachrichten erkennen (Art. 34 "
            "Abs. 1 DSGVO; EDSA-Leitlinien 01/2021: eine Information kann auch unterhalb eines "
            "hohen Risikos gute Praxis sein).");
    }
}

int proposal_make(const struct enisa_input *in, const struct proposal_config *cfg, struct proposal *out, char *err,
                  size_t errlen)
{
    struct proposal_config defcfg;
    memset(out, 0, sizeof *out);
    if (!cfg) {
        proposal_config_default(&defcfg);
        cfg = &defcfg;
    }
    if (proposal_config_validate(cfg, err, errlen)) return -1;
    if (enisa_compute(in, &out->severity, err, errlen)) return -1;

    struct proposal *p = out;
    struct facts f;
    facts_of(in, cfg, &f);
    int se_q = p->severity.se_q;

    /* 1. the score against the thresholds */
    p->enisa_level = se_q >= cfg->high_risk_se_q ? PROPOSAL_HIGH_RISK
                     : se_q >= cfg->risk_se_q    ? PROPOSAL_RISK
                                                 : PROPOSAL_NO_RISK;
    severity_reason(p, cfg);
    /* 2. guideline exceptions, 3. raises */
    int neutral = rule_exceptions(p, &f);
    p->level = neutral ? PROPOSAL_NO_RISK : rule_raises(p, &f, cfg, p->enisa_level);
    /* 4. the authority and the people */
    rule_authority(p, p->level, proposal_regime(cfg));
    rule_people(p, &f, p->level);
    /* 5. a voluntary notice */
    rule_voluntary(p, &f, cfg, neutral);
    return 0;
}

int proposal_has_rule(const struct proposal *p, enum proposal_rule r)
{
    for (size_t i = 0; i < p->nreasons; i++)
        if (p->reasons[i].rule == r) return 1;
    return 0;
}

enum proposal_people proposal_recommended_people(const struct proposal *p)
{
    if (p->people == PROPOSAL_PEOPLE_NO && p->voluntary) return PROPOSAL_PEOPLE_YES;
    return p->people;
}

static const char *people_text(enum proposal_people pp)
{
    switch (pp) {
    case PROPOSAL_PEOPLE_NO: return "no";
    case PROPOSAL_PEOPLE_YES: return "yes";
    case PROPOSAL_PEOPLE_PUBLIC: return "a public communication";
    }
    return "?";
}

int proposal_check(const struct proposal *p, const struct proposal_decision *d, char *msg, size_t msglen)
{
    char buf[256];
    size_t n = 0;
    int differs = 0;
    buf[0] = 0;
    if (!!d->notify_authority != !!p->notify_authority) {
        differs = 1;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "authority: proposed %s, decided %s",
                              p->notify_authority ? "yes" : "no", d->notify_authority ? "yes" : "no");
    }
    enum proposal_people want = proposal_recommended_people(p);
    if (d->people != want && n < sizeof buf) {
        differs = 1;
        snprintf(buf + n, sizeof buf - n, "%speople: proposed %s, decided %s", n ? "; " : "",
                 p->voluntary ? "a voluntary notice" : people_text(want), people_text(d->people));
    }
    if (!differs) {
        if (msg && msglen) snprintf(msg, msglen, "decision matches the proposal");
        return 0;
    }
    int has_reason = d->reason && d->reason[strspn(d->reason, " \t\r\n")];
    if (msg && msglen)
        snprintf(msg, msglen, "%s%s", buf, has_reason ? "" : "; the decision differs from the proposal: give a reason");
    return has_reason ? 1 : -1;
}
