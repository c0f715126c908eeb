/* test_proposal.c — proposed Art. 33/34 outcomes: regression scenarios for every rule, the
 * ENISA test vectors, the keys added by issue 24, the results of every old input (compat.tsv),
 * the sources of the rules, the regimes, thresholds and decision checks.
 *
 * The tables annex_b and edpb_01_2021 are the inputs klartext's documentation used for the
 * EDPB examples before issue 24. Several of them were read so that the answer fits; they stay
 * here only as regression scenarios of the rules. The EDPB cases themselves, encoded from their
 * published facts, are tests/assess/cases/ (run by tests/cli/t2050-assess-cases.sh). */
#include "check.h"
#include "assess/assess_file.h"
#include "assess/proposal.h"

enum { NO = PROPOSAL_PEOPLE_NO, YES = PROPOSAL_PEOPLE_YES, PUB = PROPOSAL_PEOPLE_PUBLIC };
#define SIMPLE ENISA_CAT_SIMPLE
#define BEHAV ENISA_CAT_BEHAVIOURAL
#define FIN ENISA_CAT_FINANCIAL
#define SENS ENISA_CAT_SENSITIVE
#define NONE_ -1 /* no rule expected */

/* One scenario: the inputs a DPO would give, and what klartext must propose. */
struct scenario {
    const char *name;
    int cat, dpc, ei; /* dpc 0 = the category's base score */
    int c, i, a, mal; /* ENISA circumstances: 0/1/2 each, malicious 0/1 */
    long long subjects; /* -1 unknown */
    int vulnerable, special, unintelligible, no_longer_likely, disproportionate, trusted;
    int contacts_known;
    /* expected */
    const char *se;
    int authority, people, voluntary;
    int rule; /* a rule that must have applied, or NONE_ */
};

static int build(const struct scenario *s, struct enisa_input *in, char *err, size_t errlen)
{
    enisa_input_init(in);
    const enum enisa_source P = ENISA_SRC_PERSON;
    int rc = 0;
    rc |= enisa_set(in, ENISA_K_CATEGORY, s->cat, P, NULL, err, errlen);
    if (s->dpc) rc |= enisa_set(in, ENISA_K_DPC, s->dpc, P, "context of the data", err, errlen);
    rc |= enisa_set(in, ENISA_K_EI, s->ei, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_CONFIDENTIALITY, s->c, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_INTEGRITY, s->i, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_AVAILABILITY, s->a, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_MALICIOUS, s->mal, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_SUBJECTS, s->subjects, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_VULNERABLE, s->vulnerable, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_SPECIAL, s->special, P, NULL, err, errlen);
    rc |= enisa_set(in, ENISA_K_UNINTELLIGIBLE, s->unintelligible, P, "evidence", err, errlen);
    rc |= enisa_set(in, ENISA_K_NO_LONGER_LIKELY, s->no_longer_likely, P, "evidence", err, errlen);
    rc |= enisa_set(in, ENISA_K_DISPROPORTIONATE, s->disproportionate, P, "evidence", err, errlen);
    rc |= enisa_set(in, ENISA_K_TRUSTED, s->trusted, P, "evidence", err, errlen);
    rc |= enisa_set(in, ENISA_K_CONTACTS_KNOWN, s->contacts_known, P, NULL, err, errlen);
    return rc ? -1 : 0;
}

static void run_table(const struct scenario *t, size_t n, const struct proposal_config *cfg)
{
    for (size_t k = 0; k < n; k++) {
        const struct scenario *s = &t[k];
        struct enisa_input in;
        struct proposal p;
        char err[256] = "";
        int before = check_cur_failed;
        check_cur_failed = 0;
        CHECK_INT(build(s, &in, err, sizeof err), 0);
        CHECK_INT(proposal_make(&in, cfg, &p, err, sizeof err), 0);
        CHECK_STR(p.severity.se_text, s->se);
        CHECK_INT(p.notify_authority, s->authority);
        CHECK_INT(p.people, s->people);
        CHECK_INT(p.voluntary, s->voluntary);
        if (s->rule != NONE_) CHECK(proposal_has_rule(&p, (enum proposal_rule)s->rule));
        if (check_cur_failed) {
            printf("#   ^ scenario: %s (%s)\n", s->name, err);
            for (size_t i = 0; i < p.nreasons; i++) printf("#     %s\n", p.reasons[i].en);
        }
        check_cur_failed |= before;
    }
}

/*         name                                   cat  dpc ei  C  I  A  M  subj   vul sp un nl dp tr ck   SE      auth ppl vol rule */
static const struct scenario annex_b[] = {
    /* 1: encrypted backup stolen, key safe, backups exist → no / no. ENISA alone: 2.0 risk. */
    {"B1 encrypted backup stolen, key safe",
     SIMPLE,
     0,
     4,
     2,
     0,
     0,
     1,
     5000,
     0,
     0,
     1,
     0,
     0,
     0,
     1,
     "2.0",
     0,
     NO,
     0,
     PROPOSAL_R_UNINTELLIGIBLE},
    /* 1 (variant): the stolen medium was the only copy: availability lost for good */
    {"B1' encrypted, but the only copy", SIMPLE, 0, 4, 2, 0, 2, 1, 5000, 0, 0, 1, 0, 0, 0, 1, "2.5", 1, NO, 0,
     PROPOSAL_R_UNINTELLIGIBLE_PARTIAL},
    /* 2: exfiltration from an online service → yes if consequences / depends on the data */
    {"B2a exfiltration, contact data",
     SIMPLE,
     0,
     4,
     2,
     0,
     0,
     1,
     300,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.0",
     1,
     NO,
     1,
     PROPOSAL_R_VOLUNTARY},
    {"B2b exfiltration, full card data",
     FIN,
     4,
     4,
     2,
     0,
     0,
     1,
     300,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "5.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 3: power cut of a few minutes at a call centre → no / no (record only) */
    {"B3 power cut at a call centre",
     SIMPLE,
     0,
     4,
     0,
     0,
     1,
     0,
     20000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     0,
     NO,
     0,
     PROPOSAL_R_AUTHORITY},
    /* 4: ransomware without backup → yes / depends; with timely restore → no / no */
    {"B4a ransomware, no backup, customer list",
     SIMPLE,
     0,
     4,
     0,
     0,
     2,
     1,
     800,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.0",
     1,
     NO,
     0,
     PROPOSAL_R_SEVERITY},
    {"B4b ransomware, no backup, patient files",
     SENS,
     0,
     4,
     0,
     0,
     2,
     1,
     800,
     1,
     1,
     0,
     0,
     0,
     0,
     1,
     "5.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"B4c ransomware, restored from backup",
     BEHAV,
     0,
     4,
     0,
     0,
     0,
     1,
     800,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.5",
     0,
     NO,
     0,
     PROPOSAL_R_NO_EFFECT},
    /* 5: a customer gets another's bank statement → yes / the affected person if high risk */
    {"B5 bank statement to another customer",
     FIN,
     0,
     4,
     1,
     0,
     0,
     0,
     1,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 6: marketplace; credentials and purchase history published → yes / yes */
    {"B6 credentials + purchases published",
     FIN,
     0,
     4,
     2,
     0,
     0,
     1,
     200000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "4.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 7: processor's authorisation bug, any user saw others' account details
     *    → the controller notifies / people only if high risk */
    {"B7a authorisation bug, account details",
     SIMPLE,
     0,
     4,
     1,
     0,
     0,
     0,
     20000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     1,
     NO,
     0,
     PROPOSAL_R_MANY},
    {"B7b authorisation bug, payment details",
     FIN,
     0,
     4,
     1,
     0,
     0,
     0,
     20000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 8: hospital records unavailable for 30 hours → yes / yes */
    {"B8 hospital records unavailable 30 h",
     SENS,
     0,
     4,
     0,
     0,
     1,
     1,
     5000,
     1,
     1,
     0,
     0,
     0,
     0,
     1,
     "4.75",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 9: students' data to a 1000+ mailing list → yes / depends */
    {"B9a students, ordinary data",
     SIMPLE,
     0,
     4,
     1,
     0,
     0,
     0,
     1200,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     1,
     NO,
     0,
     PROPOSAL_R_MANY},
    {"B9b students, health data",
     SENS,
     0,
     4,
     1,
     0,
     0,
     0,
     1200,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "4.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    /* 10: addresses visible in To/CC → SA if many, a sensitive context or passwords */
    {"B10a To/CC, few people", SIMPLE, 0, 3, 1, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 1, "1.0", 0, NO, 0,
     PROPOSAL_R_AUTHORITY},
    {"B10b To/CC, many people", SIMPLE, 0, 3, 1, 0, 0, 0, 2500, 0, 0, 0, 0, 0, 0, 1, "1.0", 1, NO, 0, PROPOSAL_R_MANY},
    {"B10c To/CC, psychotherapist's patients",
     SIMPLE,
     3,
     4,
     1,
     0,
     0,
     0,
     40,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "3.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"B10d To/CC, mail holds initial passwords",
     SIMPLE,
     3,
     4,
     1,
     0,
     0,
     0,
     40,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
};

/* EDPB Guidelines 01/2021 (register always yes; SA / data subjects) */
static const struct scenario edpb_01_2021[] = {
    {"01 ransomware, proper backup",
     BEHAV,
     0,
     4,
     0,
     0,
     0,
     1,
     500,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.5",
     0,
     NO,
     0,
     PROPOSAL_R_NO_EFFECT},
    {"02 ransomware, no proper backup",
     BEHAV,
     0,
     4,
     0,
     0,
     1,
     1,
     500,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.75",
     1,
     NO,
     0,
     PROPOSAL_R_SEVERITY},
    {"03 hospital ransomware, restore took days",
     SENS,
     0,
     4,
     0,
     0,
     1,
     1,
     3000,
     1,
     1,
     0,
     0,
     0,
     0,
     1,
     "4.75",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"04 ransomware, no backup, exfiltration",
     BEHAV,
     0,
     4,
     2,
     0,
     2,
     1,
     5000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.5",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"05 job applications via malicious code",
     SIMPLE,
     2,
     4,
     2,
     0,
     0,
     1,
     200,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"06 salted state-of-the-art hashes (verify)",
     SIMPLE,
     0,
     4,
     2,
     0,
     0,
     1,
     1200,
     0,
     0,
     1,
     0,
     0,
     0,
     1,
     "2.0",
     0,
     NO,
     0,
     PROPOSAL_R_UNINTELLIGIBLE},
    {"07 credential stuffing at a bank",
     FIN,
     0,
     4,
     2,
     0,
     0,
     1,
     2000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "4.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"08 ex-employee takes customer data",
     BEHAV,
     0,
     4,
     1,
     0,
     0,
     1,
     800,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.75",
     1,
     NO,
     0,
     PROPOSAL_R_SEVERITY},
    {"09 sent to a trusted third party",
     BEHAV,
     0,
     4,
     1,
     0,
     0,
     0,
     300,
     0,
     0,
     0,
     0,
     0,
     1,
     1,
     "2.25",
     0,
     NO,
     0,
     PROPOSAL_R_TRUSTED},
    {"10 encrypted devices stolen", BEHAV, 0, 4, 2, 0, 0, 1, 3000, 0, 0, 1, 0, 0, 0, 1, "3.0", 0, NO, 0,
     PROPOSAL_R_UNINTELLIGIBLE},
    {"11 unencrypted notebook, 100000 customers",
     SIMPLE,
     2,
     4,
     2,
     0,
     0,
     1,
     100000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"12 paper files with sensitive data stolen",
     SENS,
     0,
     4,
     2,
     0,
     0,
     1,
     100,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "5.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"13 orders and invoices to wrong customer",
     FIN,
     1,
     4,
     1,
     0,
     0,
     0,
     1,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     0,
     NO,
     0,
     PROPOSAL_R_AUTHORITY},
    {"14 highly confidential data mailed",
     SENS,
     0,
     4,
     1,
     0,
     0,
     0,
     1,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "4.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"15 participant list to 15 wrong recipients (verify)",
     SIMPLE,
     0,
     4,
     1,
     0,
     0,
     0,
     20,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     0,
     NO,
     0,
     PROPOSAL_R_AUTHORITY},
    {"16 insurance mispostal", FIN, 2, 4, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, "2.25", 1, NO, 0, PROPOSAL_R_SEVERITY},
    {"17 identity theft via a contact centre",
     FIN,
     0,
     4,
     1,
     0,
     0,
     1,
     1,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "3.75",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"18 e-mail forwarding rules (verify)",
     FIN,
     0,
     4,
     2,
     1,
     0,
     1,
     50,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "4.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
};

/* The ENISA test vectors of REGULATION.md §4, and the Amazon case of November 2018. */
static const struct scenario vectors[] = {
    {"names and e-mails visible to anyone",
     SIMPLE,
     0,
     4,
     2,
     0,
     0,
     0,
     -1,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.5",
     0,
     NO,
     1,
     PROPOSAL_R_UNKNOWN_COUNT},
    /* since issue 24: 100000 people whose data anyone could see is a very large number out of
       control → high risk (rule very-many-subjects, EDPB 01/2021 case 11) */
    {"Amazon 2018, many customers", SIMPLE, 0, 4, 2, 0, 0, 0, 100000, 0, 0, 0, 0, 0, 0, 1, "1.5", 1, YES, 0,
     PROPOSAL_R_VERY_MANY},
    {"same, plus scraping", SIMPLE, 0, 4, 2, 0, 0, 1, -1, 0, 0, 0, 0, 0, 0, 1, "2.0", 1, NO, 1, PROPOSAL_R_VOLUNTARY},
    {"full card data from a hacked shop",
     FIN,
     4,
     4,
     2,
     0,
     0,
     1,
     -1,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "5.0",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"test results to known wrong recipients",
     SENS,
     0,
     4,
     1,
     0,
     0,
     0,
     3,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "4.25",
     1,
     YES,
     0,
     PROPOSAL_R_PEOPLE},
    {"pseudonymised log to a known partner", BEHAV, 0, 1, 1, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 1, "0.75", 0, NO, 0, NONE_},
    /* identification negligible: a large number does not raise (rule MANY needs EI ≥ limited) */
    {"  ... of 10000 people", BEHAV, 0, 1, 1, 0, 0, 0, 10000, 0, 0, 0, 0, 0, 0, 1, "0.75", 0, NO, 0, NONE_},
    {"  ... EI limited, 10000 people",
     BEHAV,
     0,
     2,
     1,
     0,
     0,
     0,
     10000,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.25",
     1,
     NO,
     0,
     PROPOSAL_R_MANY},
    {"ransomware without backup, customer list",
     SIMPLE,
     0,
     4,
     0,
     0,
     2,
     1,
     500,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.0",
     1,
     NO,
     0,
     PROPOSAL_R_SEVERITY},
};

/* The other rules, one at a time. */
static const struct scenario rules[] = {
    {"34(3)(b): high risk no longer likely",
     FIN,
     0,
     4,
     1,
     0,
     0,
     0,
     1,
     0,
     0,
     0,
     1,
     0,
     0,
     1,
     "3.25",
     1,
     NO,
     0,
     PROPOSAL_R_NO_LONGER_LIKELY},
    {"34(3)(c): disproportionate effort", FIN, 0, 4, 2, 0, 0, 1, 90000, 0, 0, 0, 0, 1, 0, 1, "4.0", 1, PUB, 0,
     PROPOSAL_R_DISPROPORTIONATE},
    {"34(3)(b) wins over (c)",   FIN, 0, 4, 2, 0, 0, 1, 90000, 0, 0, 0, 1, 1, 0, 1, "4.0", 1, NO, 1,
     PROPOSAL_R_NO_LONGER_LIKELY},
    {"contacts missing for some", FIN, 0, 4, 2, 0, 0, 1, 90000, 0, 0, 0, 0, 0, 0, 0, "4.0", 1, YES, 0,
     PROPOSAL_R_UNREACHABLE},
    {"exemptions below high risk change nothing",
     SIMPLE,
     0,
     4,
     1,
     0,
     0,
     0,
     5,
     0,
     0,
     0,
     1,
     1,
     0,
     0,
     "1.25",
     0,
     NO,
     0,
     NONE_},
    {"vulnerable: no risk to risk", SIMPLE, 0, 4, 1, 0, 0, 0, 30, 1, 0, 0, 0, 0, 0, 1, "1.25", 1, NO, 0,
     PROPOSAL_R_VULNERABLE},
    {"vulnerable: risk to high risk",
     SIMPLE,
     0,
     4,
     2,
     0,
     0,
     1,
     30,
     1,
     0,
     0,
     0,
     0,
     0,
     1,
     "2.0",
     1,
     YES,
     0,
     PROPOSAL_R_VULNERABLE},
    {"vulnerable, but only a brief outage", SIMPLE, 0, 4, 0, 0, 1, 0, 30, 1, 0, 0, 0, 0, 0, 1, "1.25", 0, NO, 0, NONE_},
    {"special categories, low score",
     SENS,
     1,
     2,
     1,
     0,
     0,
     0,
     3,
     0,
     1,
     0,
     0,
     0,
     0,
     1,
     "0.75",
     1,
     YES,
     0,
     PROPOSAL_R_SPECIAL},
    {"special categories, brief outage only", SENS, 1, 1, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 0, 1, "0.5", 0, NO, 0, NONE_},
    {"permanent: altered beyond recovery",
     SIMPLE,
     0,
     4,
     0,
     2,
     0,
     0,
     10,
     0,
     0,
     0,
     0,
     0,
     0,
     1,
     "1.5",
     1,
     NO,
     0,
     PROPOSAL_R_PERMANENT},
    {"recoverable alteration, few people", SIMPLE, 0, 4, 0, 1, 0, 0, 10, 0, 0, 0, 0, 0, 0, 1, "1.25", 0, NO, 0, NONE_},
    {"trusted recipient, but altered for good",
     SIMPLE,
     0,
     4,
     1,
     2,
     0,
     0,
     10,
     0,
     0,
     0,
     0,
     0,
     1,
     1,
     "1.75",
     1,
     NO,
     0,
     PROPOSAL_R_PERMANENT},
    {"unintelligible special data", SENS, 0, 4, 2, 0, 0, 1, 10, 0, 1, 1, 0, 0, 0, 1, "5.0", 0, NO, 0,
     PROPOSAL_R_UNINTELLIGIBLE},
    {"unknown count: a note", SIMPLE, 0, 4, 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 1, "1.25", 0, NO, 0,
     PROPOSAL_R_UNKNOWN_COUNT},
};

static void test_annex_b(void)
{
    run_table(annex_b, sizeof annex_b / sizeof annex_b[0], NULL);
}

static void test_edpb_01_2021(void)
{
    run_table(edpb_01_2021, sizeof edpb_01_2021 / sizeof edpb_01_2021[0], NULL);
}

static void test_vectors(void)
{
    run_table(vectors, sizeof vectors / sizeof vectors[0], NULL);
}

static void test_rules(void)
{
    run_table(rules, sizeof rules / sizeof rules[0], NULL);
}

static int make(const struct scenario *s, const struct proposal_config *cfg, struct proposal *p)
{
    struct enisa_input in;
    char err[256];
    if (build(s, &in, err, sizeof err)) return -1;
    return proposal_make(&in, cfg, p, err, sizeof err);
}

/* the guideline wins: where the score alone disagrees, the level differs from enisa_level */
static void test_guideline_overrides(void)
{
    struct proposal p;
    CHECK_INT(make(&annex_b[0], NULL, &p), 0); /* B1 */
    CHECK_INT(p.enisa_level, PROPOSAL_RISK);
    CHECK_INT(p.level, PROPOSAL_NO_RISK);
    CHECK_INT(make(&annex_b[7], NULL, &p), 0); /* B4c */
    CHECK_INT(p.enisa_level, PROPOSAL_RISK);
    CHECK_INT(p.level, PROPOSAL_NO_RISK);
    CHECK_INT(make(&annex_b[13], NULL, &p), 0); /* B9a */
    CHECK_INT(p.enisa_level, PROPOSAL_NO_RISK);
    CHECK_INT(p.level, PROPOSAL_RISK);
    CHECK_INT(make(&annex_b[16], NULL, &p), 0); /* B10b */
    CHECK_INT(p.enisa_level, PROPOSAL_NO_RISK);
    CHECK_INT(p.level, PROPOSAL_RISK);
}

static void test_config(void)
{
    struct proposal_config cfg;
    struct proposal p;
    char err[256];
    proposal_config_default(&cfg);
    CHECK_INT(cfg.risk_se_q, 8);
    CHECK_INT(cfg.high_risk_se_q, 12);
    CHECK_INT(cfg.many_subjects, 1000);
    /* a stricter profile: risk from 1.5 */
    CHECK_INT(proposal_config_set(&cfg, "risk_threshold", "1.5", err, sizeof err), 0);
    CHECK_INT(cfg.risk_se_q, 6);
    CHECK_INT(make(&vectors[0], &cfg, &p), 0);
    CHECK_INT(p.notify_authority, 1);
    CHECK(strstr(p.reasons[0].en, "at or above the risk threshold 1.5 and below the "
                                  "high-risk threshold 3.0") != NULL);
    CHECK(strstr(p.reasons[0].de, "ab der Risikoschwelle 1,5") != NULL);
    /* switching rules off */
    proposal_config_default(&cfg);
    CHECK_INT(proposal_config_set(&cfg, "many_subjects_raise", "no", err, sizeof err), 0);
    CHECK_INT(make(&annex_b[13], &cfg, &p), 0); /* B9a */
    CHECK_INT(p.notify_authority, 0);
    CHECK_INT(proposal_config_set(&cfg, "many_subjects_raise", "yes", err, sizeof err), 0);
    CHECK_INT(proposal_config_set(&cfg, "many_subjects", "5000", err, sizeof err), 0);
    CHECK_INT(make(&annex_b[13], &cfg, &p), 0);
    CHECK_INT(p.notify_authority, 0);
    CHECK_INT(proposal_config_set(&cfg, "voluntary_notice", "no", err, sizeof err), 0);
    CHECK_INT(make(&vectors[0], &cfg, &p), 0);
    CHECK_INT(p.voluntary, 0);
    CHECK_INT(proposal_config_set(&cfg, "special_categories_raise", "no", err, sizeof err), 0);
    CHECK_INT(make(&rules[8], &cfg, &p), 0);
    CHECK_INT(p.people, NO);
    CHECK_INT(proposal_config_set(&cfg, "vulnerable_raise", "false", err, sizeof err), 0);
    CHECK_INT(make(&rules[5], &cfg, &p), 0);
    CHECK_INT(p.notify_authority, 0);
    CHECK_INT(proposal_config_set(&cfg, "permanence_raise", "0", err, sizeof err), 0);
    CHECK_INT(make(&rules[10], &cfg, &p), 0);
    CHECK_INT(p.notify_authority, 0);
    /* errors */
    CHECK_INT(proposal_config_set(&cfg, "risk_threshold", "2.1", err, sizeof err), -1);
    CHECK_STR(err, "invalid value '2.1' for 'risk_threshold' (expected an ENISA score "
                   "0.25..6.0 in steps of 0.25)");
    CHECK_INT(proposal_config_set(&cfg, "high_risk_threshold", "7", err, sizeof err), -1);
    CHECK_INT(proposal_config_set(&cfg, "many_subjects", "0", err, sizeof err), -1);
    CHECK_STR(err, "invalid value '0' for 'many_subjects' (expected a number of people, at "
                   "least 1)");
    CHECK_INT(proposal_config_set(&cfg, "many_subjects", "", err, sizeof err), -1);
    CHECK_INT(proposal_config_set(&cfg, "voluntary_notice", "sometimes", err, sizeof err), -1);
    CHECK_STR(err, "invalid value 'sometimes' for 'voluntary_notice' (expected yes or no)");
    CHECK_INT(proposal_config_set(&cfg, "deadline", "72", err, sizeof err), -1);
    CHECK_STR(err, "unknown key 'deadline'");
    proposal_config_default(&cfg);
    CHECK_INT(proposal_config_set(&cfg, "risk_threshold", "3.5", err, sizeof err), 0);
    CHECK_INT(proposal_config_validate(&cfg, err, sizeof err), -1);
    CHECK_STR(err, "high-risk threshold must lie between the risk threshold and 6.0");
    CHECK_INT(make(&vectors[0], &cfg, &p), -1);
    CHECK_INT(proposal_config_set(&cfg, "high_risk_threshold", "3.5", err, sizeof err), 0);
    CHECK_INT(proposal_config_validate(&cfg, err, sizeof err), 0);
}

static void test_incomplete_input(void)
{
    struct enisa_input in;
    struct proposal p;
    char err[256];
    enisa_input_init(&in);
    CHECK_INT(proposal_make(&in, NULL, &p, err, sizeof err), -1);
    CHECK_STR(err, "missing 'category' in [data] (expected simple, behavioural, financial or "
                   "sensitive)");
    CHECK_INT(p.nreasons, 0);
}

/* ---- the keys added by issue 24, as assessment files ---- */
struct file_case {
    const char *name, *ini;
    int authority, people, level, rule; /* rule: one that must have applied, or NONE_ */
};

#define DATA(cat, ei) "[data]\ncategory = " cat "\nei = " ei "\n"
static const struct file_case new_keys[] = {
    {"recipient outside the controller's control who took it deliberately (a former employee)",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = outside\nmalicious = yes\n", 1,
     NO, PROPOSAL_RISK, PROPOSAL_R_RECIPIENT},
    {"another customer who received it by mistake: outside, not deliberate",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = outside\n", 0, NO,
     PROPOSAL_NO_RISK, NONE_},
    {"a malicious recipient",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = malicious\n", 1, NO,
     PROPOSAL_RISK, PROPOSAL_R_RECIPIENT},
    {"a trusted recipient bound to secrecy raises nothing",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = trusted\n", 0, NO,
     PROPOSAL_NO_RISK, NONE_},
    {"unavailable without a backup",
     DATA("simple", "maximum") "[circumstances]\navailability = temporary\nbackup = no\n", 1, NO, PROPOSAL_RISK,
     PROPOSAL_R_NO_BACKUP},
    {"unavailable for five days, restored from a backup",
     DATA("simple", "maximum") "[circumstances]\navailability = temporary\nunavailable_for = 5 days\nbackup = yes\n", 1,
     NO, PROPOSAL_RISK, PROPOSAL_R_LONG_OUTAGE},
    {"unavailable for three hours",
     DATA("simple", "maximum") "[circumstances]\navailability = temporary\nunavailable_for = 3 hours\n", 0, NO,
     PROPOSAL_NO_RISK, PROPOSAL_R_AUTHORITY},
    {"children's records unavailable for a week",
     DATA(
         "simple",
         "maximum") "[circumstances]\navailability = temporary\nunavailable_for = 1 week\n[context]\nvulnerable = yes\n",
     1, YES, PROPOSAL_HIGH_RISK, PROPOSAL_R_VULNERABLE},
    {"a minor Art. 9 item (one food intolerance)",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\n[context]\nspecial_categories = minor\n", 1,
     NO, PROPOSAL_RISK, PROPOSAL_R_SPECIAL_MINOR},
    {"fraud identifiers to a known recipient",
     DATA("simple", "maximum") "fraud_identifiers = yes\n[circumstances]\nconfidentiality = known\n", 1, NO,
     PROPOSAL_RISK, PROPOSAL_R_FRAUD_IDS},
    {"fraud identifiers to unknown recipients",
     DATA("simple", "maximum") "fraud_identifiers = yes\n[circumstances]\nconfidentiality = unknown\n", 1, YES,
     PROPOSAL_HIGH_RISK, PROPOSAL_R_FRAUD_IDS},
    {"usable credentials to a known recipient",
     DATA("simple", "maximum") "credentials = usable\n[circumstances]\nconfidentiality = known\n", 1, NO, PROPOSAL_RISK,
     PROPOSAL_R_CREDENTIALS},
    {"usable credentials published",
     DATA("simple", "maximum") "credentials = usable\n[circumstances]\nconfidentiality = unknown\nrecipient = public\n",
     1, YES, PROPOSAL_HIGH_RISK, PROPOSAL_R_CREDENTIALS},
    {"partly unintelligible: no exemption",
     DATA("simple",
          "maximum") "credentials = protected\n[circumstances]\nconfidentiality = unknown\nmalicious = yes\n"
                     "[context]\nunintelligible = partly\nunintelligible_reason = only the passwords were hashed\n",
     1, NO, PROPOSAL_RISK, PROPOSAL_R_PARTLY_UNINTELLIGIBLE},
    {"a range below the threshold: no note",
     DATA("simple",
          "maximum") "[circumstances]\nconfidentiality = known\n[context]\nsubjects = 24\nsubjects_max = 60\n",
     0, NO, PROPOSAL_NO_RISK, PROPOSAL_R_AUTHORITY},
    {"a range that may reach the threshold: the note",
     DATA("simple",
          "maximum") "[circumstances]\nconfidentiality = known\n[context]\nsubjects = 40\nsubjects_max = 5000\n",
     0, NO, PROPOSAL_NO_RISK, PROPOSAL_R_UNKNOWN_COUNT},
    {"a very large number to known recipients: only many",
     DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\n[context]\nsubjects = 200000\n", 1, NO,
     PROPOSAL_RISK, PROPOSAL_R_MANY},
    {"a very large number published",
     DATA("simple",
          "maximum") "[circumstances]\nconfidentiality = unknown\nrecipient = public\n[context]\nsubjects = 200000\n",
     1, YES, PROPOSAL_HIGH_RISK, PROPOSAL_R_VERY_MANY},
};

static int make_file(const char *ini, const struct proposal_config *cfg, struct proposal *p, char *err, size_t errlen)
{
    struct enisa_input in;
    struct proposal_config c;
    enisa_input_init(&in);
    if (cfg) c = *cfg;
    else proposal_config_default(&c);
    if (assess_file_parse(ini, strlen(ini), &in, &c, 0, err, errlen)) return -1;
    return proposal_make(&in, &c, p, err, errlen);
}

static void test_new_keys(void)
{
    for (size_t k = 0; k < sizeof new_keys / sizeof new_keys[0]; k++) {
        const struct file_case *c = &new_keys[k];
        struct proposal p;
        char err[256] = "";
        int before = check_cur_failed;
        check_cur_failed = 0;
        CHECK_INT(make_file(c->ini, NULL, &p, err, sizeof err), 0);
        CHECK_INT(p.notify_authority, c->authority);
        CHECK_INT(p.people, c->people);
        CHECK_INT(p.level, c->level);
        if (c->rule != NONE_) CHECK(proposal_has_rule(&p, (enum proposal_rule)c->rule));
        if (check_cur_failed) {
            printf("#   ^ case: %s (%s)\n", c->name, err);
            for (size_t i = 0; i < p.nreasons; i++) printf("#     %s\n", p.reasons[i].en);
        }
        check_cur_failed |= before;
    }
}

/* new keys that contradict each other or lack their evidence are refused, naming the key */
static void test_new_keys_invalid(void)
{
    static const struct {
        const char *ini, *err;
    } bad[] = {
        {DATA("simple", "maximum") "[circumstances]\nrecipient = outside\n",
         "'recipient' = outside needs 'confidentiality' = known or unknown (someone received the data)"},
        {DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = public\n",
         "'recipient' = public needs 'confidentiality' = unknown (an unknown number)"},
        {DATA("simple", "maximum") "[circumstances]\nconfidentiality = known\nrecipient = outside\n"
                                   "[context]\ntrusted_recipient = yes\ntrusted_recipient_reason = x\n",
         "'trusted_recipient' = yes contradicts 'recipient' = outside"},
        {DATA("simple", "maximum") "credentials = usable\n[circumstances]\nconfidentiality = unknown\n"
                                   "[context]\nunintelligible = yes\nunintelligible_reason = x\n",
         "'credentials' = usable contradicts 'unintelligible' = yes (say unintelligible = partly)"},
        {DATA("simple", "maximum") "[context]\nsubjects = 60\nsubjects_max = 24\n",
         "'subjects_max' 24 is below 'subjects' 60 (the lower bound)"},
        {DATA("simple", "maximum") "[context]\nunintelligible = partly\n",
         "'unintelligible' = partly needs evidence: give 'unintelligible_reason'"},
        {DATA("simple", "maximum") "[circumstances]\nunavailable_for = 5\n",
         "line 5: invalid value '5' for 'unavailable_for' (expected a duration such as 30 minutes, 4 hours, 5 days, "
         "or unknown)"},
        {DATA("simple", "maximum") "[circumstances]\nbackup = maybe\n",
         "line 5: invalid value 'maybe' for 'backup' (expected yes, no or unknown)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct proposal p;
        char err[256] = "";
        CHECK_INT(make_file(bad[i].ini, NULL, &p, err, sizeof err), -1);
        CHECK_STR(err, bad[i].err);
    }
}

static void test_durations(void)
{
    static const struct {
        const char *text;
        long long minutes;
    } ok[] = {{"30 minutes", 30}, {"30min", 30},      {"1 hour", 60}, {"4h", 240},     {"5 days", 7200},
              {"1 day", 1440},    {"2 weeks", 20160}, {"2W", 20160},  {"unknown", -1}, {"0 minutes", 0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        long long m = -2;
        CHECK_INT(enisa_parse_duration(ok[i].text, &m), 0);
        CHECK_INT(m, ok[i].minutes);
    }
    static const char *const bad[] = {"", "5", "five days", "5 lightyears", "-3 hours", "99999999999 days", NULL};
    for (size_t i = 0; bad[i]; i++) {
        long long m = -2;
        CHECK_INT(enisa_parse_duration(bad[i], &m), -1);
        CHECK_INT(m, -2);
    }
    char buf[32];
    CHECK_STR(enisa_value_text(ENISA_K_UNAVAILABLE, 7200, buf, sizeof buf), "5 days");
    CHECK_STR(enisa_value_text(ENISA_K_UNAVAILABLE, 90, buf, sizeof buf), "90 minutes");
    CHECK_STR(enisa_value_text(ENISA_K_UNAVAILABLE, 60, buf, sizeof buf), "1 hour");
    CHECK_STR(enisa_value_text(ENISA_K_UNAVAILABLE, -1, buf, sizeof buf), "unknown");
}

/* every rule names its source; the rules that rest on klartext's own convention say so */
static void test_sources(void)
{
    for (int r = 0; r < PROPOSAL_R_COUNT; r++) {
        const struct proposal_source *src = proposal_rule_source((enum proposal_rule)r);
        CHECK(strlen(src->cite) > 10);
        CHECK(!strcmp(src->basis, "law") || !strcmp(src->basis, "guideline") ||
              !strcmp(src->basis, "guideline, secondary") || !strcmp(src->basis, "klartext"));
    }
    CHECK_STR(proposal_rule_source(PROPOSAL_R_SPECIAL)->cite,
              "EDPB Guidelines 9/2022, para. 102 (damage likely); high risk for more than a minor item is "
              "klartext's reading");
    CHECK_STR(proposal_rule_source(PROPOSAL_R_MANY)->basis, "klartext");
    CHECK_STR(proposal_rule_source(PROPOSAL_R_COUNT)->basis, "?");
}

/* the regime decides the threshold of the authority and the hours in the reason */
static void test_regimes(void)
{
    struct proposal_config cfg;
    struct proposal p;
    char err[256];
    proposal_config_default(&cfg);
    CHECK_STR(proposal_regime(&cfg)->id, "gdpr");
    CHECK_INT(proposal_config_set_regime(&cfg, "omnibus-2025-837", err, sizeof err), 0);
    CHECK_INT(proposal_config_set_regime(&cfg, "ccpa", err, sizeof err), -1);
    CHECK_STR(err, "unknown regime 'ccpa' (known: gdpr, omnibus-2025-837)");
    /* a risk, not a high risk: notified under the GDPR, not under the proposal */
    CHECK_INT(make_file(new_keys[0].ini, NULL, &p, err, sizeof err), 0);
    CHECK_INT(p.notify_authority, 1);
    CHECK_INT(make_file(new_keys[0].ini, &cfg, &p, err, sizeof err), 0);
    CHECK_INT(p.level, PROPOSAL_RISK);
    CHECK_INT(p.notify_authority, 0);
    CHECK(strstr(p.reasons[p.nreasons - 2].en, "only a high risk is notified") != NULL);
    /* a high risk: notified under both, within 96 hours under the proposal */
    CHECK_INT(make_file(new_keys[10].ini, &cfg, &p, err, sizeof err), 0);
    CHECK_INT(p.notify_authority, 1);
    int found = 0;
    for (size_t i = 0; i < p.nreasons; i++)
        if (p.reasons[i].rule == PROPOSAL_R_AUTHORITY) {
            found = 1;
            CHECK(strstr(p.reasons[i].en, "within 96 hours") != NULL);
            CHECK(strstr(p.reasons[i].de, "binnen 96 Stunden") != NULL);
        }
    CHECK(found);
    /* the law in force by the time of awareness: the proposal never, as it has no date */
    CHECK_STR(regime_in_force(0)->id, "gdpr");
    CHECK_STR(regime_in_force(4102444800LL)->id, "gdpr");
    CHECK(regime_select(0, "omnibus-2025-837", err, sizeof err) == regime_find("omnibus-2025-837"));
    CHECK(regime_select(0, "72h", err, sizeof err) == NULL);
    CHECK_INT(regime_find("omnibus-2025-837")->in_force, 0);
    CHECK_INT(regime_find("omnibus-2025-837")->hours, 96);
}

/* every reason: English and German, one article cited, not truncated */
static void test_reason_texts(void)
{
    const struct scenario *tables[] = {annex_b, edpb_01_2021, vectors, rules};
    const size_t sizes[] = {sizeof annex_b / sizeof annex_b[0], sizeof edpb_01_2021 / sizeof edpb_01_2021[0],
                            sizeof vectors / sizeof vectors[0], sizeof rules / sizeof rules[0]};
    int seen[PROPOSAL_R_COUNT] = {0};
    for (size_t t = 0; t < 4; t++)
        for (size_t k = 0; k < sizes[t]; k++) {
            struct proposal p;
            CHECK_INT(make(&tables[t][k], NULL, &p), 0);
            CHECK(p.nreasons >= 3);
            CHECK_INT(p.reasons[0].rule, PROPOSAL_R_SEVERITY);
            for (size_t i = 0; i < p.nreasons; i++) {
                const struct proposal_reason *r = &p.reasons[i];
                size_t le = strlen(r->en), ld = strlen(r->de);
                seen[r->rule] = 1;
                CHECK(le > 40 && le < PROPOSAL_REASON_MAX - 1);
                CHECK(ld > 40 && ld < PROPOSAL_REASON_MAX - 1);
                CHECK(r->en[le - 1] == '.' && r->de[ld - 1] == '.');
                CHECK(strstr(r->en, "Art. ") && strstr(r->en, "GDPR"));
                CHECK(strstr(r->de, "Art. ") && strstr(r->de, "DSGVO"));
                if (!strstr(r->en, "GDPR") || r->en[le - 1] != '.') printf("#   bad reason: %s\n", r->en);
            }
        }
    for (size_t k = 0; k < sizeof new_keys / sizeof new_keys[0]; k++) {
        struct proposal p;
        char err[256];
        CHECK_INT(make_file(new_keys[k].ini, NULL, &p, err, sizeof err), 0);
        for (size_t i = 0; i < p.nreasons; i++) {
            const struct proposal_reason *r = &p.reasons[i];
            size_t le = strlen(r->en), ld = strlen(r->de);
            seen[r->rule] = 1;
            CHECK(le > 40 && le < PROPOSAL_REASON_MAX - 1 && ld > 40 && ld < PROPOSAL_REASON_MAX - 1);
            CHECK(r->en[le - 1] == '.' && r->de[ld - 1] == '.');
            CHECK(strstr(r->en, "Art. ") && strstr(r->en, "GDPR") && strstr(r->de, "DSGVO"));
            if (!strstr(r->en, "GDPR") || r->en[le - 1] != '.' || ld >= PROPOSAL_REASON_MAX - 1)
                printf("#   bad reason: %s\n", r->en);
        }
    }
    for (int r = 0; r < PROPOSAL_R_COUNT; r++) {
        if (!seen[r]) printf("#   rule never exercised: %s\n", proposal_rule_name((enum proposal_rule)r));
        CHECK(seen[r]);
    }
}

static void test_reason_wording(void)
{
    struct proposal p;
    CHECK_INT(make(&vectors[0], NULL, &p), 0);
    CHECK_STR(p.reasons[0].en, "ENISA severity: DPC 1 × EI 1.0 + CB 0.5 = 1.5 (low); below the "
                               "risk threshold 2.0, the score alone indicates that the breach is unlikely to "
                               "result in a risk (Art. 33(1) GDPR).");
    CHECK_STR(p.reasons[0].de, "ENISA-Schweregrad: DPC 1 × EI 1,0 + CB 0,5 = 1,5 (niedrig); "
                               "unter der Risikoschwelle 2,0 spricht der Wert allein dafür, dass die Verletzung "
                               "voraussichtlich nicht zu einem Risiko führt (Art. 33 Abs. 1 DSGVO).");
    CHECK_INT(make(&annex_b[16], NULL, &p), 0); /* B10b */
    CHECK_INT(p.reasons[1].rule, PROPOSAL_R_MANY);
    CHECK_STR(p.reasons[1].en, "2500 people are affected, at least the 1000 that klartext counts "
                               "as a large number: the breach is likely to result in at least a risk (Art. 33(1) "
                               "GDPR; EDPB Guidelines 9/2022, section IV.B and Annex B ex. 9 and 10).");
    CHECK_INT(make(&rules[6], NULL, &p), 0); /* vulnerable: risk to high risk */
    CHECK(proposal_has_rule(&p, PROPOSAL_R_VULNERABLE));
    for (size_t i = 0; i < p.nreasons; i++)
        if (p.reasons[i].rule == PROPOSAL_R_VULNERABLE) {
            CHECK(strstr(p.reasons[i].en, "from risk to high risk") != NULL);
            CHECK(strstr(p.reasons[i].de, "von Risiko auf hohes Risiko") != NULL);
        }
}

static void test_check_decision(void)
{
    struct proposal p;
    char msg[256];
    /* B9a: authority yes, people no */
    CHECK_INT(make(&annex_b[13], NULL, &p), 0);
    struct proposal_decision d = {1, PROPOSAL_PEOPLE_NO, NULL};
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), 0);
    CHECK_STR(msg, "decision matches the proposal");
    d.notify_authority = 0;
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), -1);
    CHECK_STR(msg, "authority: proposed yes, decided no; the decision differs from the "
                   "proposal: give a reason");
    d.reason = "  ";
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), -1);
    d.reason = "the recipients are all staff of the same school and deleted the mail";
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), 1);
    CHECK_STR(msg, "authority: proposed yes, decided no");
    d.notify_authority = 1;
    d.people = PROPOSAL_PEOPLE_YES;
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), 1);
    CHECK_STR(msg, "people: proposed no, decided yes");
    d.notify_authority = 0;
    d.reason = NULL;
    CHECK_INT(proposal_check(&p, &d, msg, sizeof msg), -1);
    CHECK_STR(msg, "authority: proposed yes, decided no; people: proposed no, decided yes; the "
                   "decision differs from the proposal: give a reason");
    /* a recommended voluntary notice counts as "tell the people" */
    CHECK_INT(make(&vectors[0], NULL, &p), 0);
    CHECK_INT(proposal_recommended_people(&p), PROPOSAL_PEOPLE_YES);
    struct proposal_decision v = {0, PROPOSAL_PEOPLE_YES, NULL};
    CHECK_INT(proposal_check(&p, &v, msg, sizeof msg), 0);
    v.people = PROPOSAL_PEOPLE_NO;
    CHECK_INT(proposal_check(&p, &v, msg, sizeof msg), -1);
    CHECK_STR(msg, "people: proposed a voluntary notice, decided no; the decision differs from "
                   "the proposal: give a reason");
    /* public communication */
    CHECK_INT(make(&rules[1], NULL, &p), 0);
    struct proposal_decision w = {1, PROPOSAL_PEOPLE_YES, NULL};
    CHECK_INT(proposal_check(&p, &w, NULL, 0), -1);
    CHECK_INT(proposal_check(&p, &w, msg, sizeof msg), -1);
    CHECK_STR(msg, "people: proposed a public communication, decided yes; the decision "
                   "differs from the proposal: give a reason");
    w.people = PROPOSAL_PEOPLE_PUBLIC;
    CHECK_INT(proposal_check(&p, &w, msg, sizeof msg), 0);
}


/* Every input of the old keys gives the result it gave before issue 24 (tests/assess/compat.tsv,
 * generated from the engine as it was), except where the documented new rule very-many-subjects
 * raises a very large number of people whose data is out of control to a high risk. */
static void test_compat(void)
{
    FILE *f = fopen("tests/assess/compat.tsv", "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[512];
    int rows = 0, changed = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        int cat, dpc, ei, C, I, A, M, se, sl, lvl, auth, ppl, pub, vol;
        long long subj;
        char flags[16];
        unsigned long mask;
        if (sscanf(line, "%d %d %d %d %d %d %d %lld %15s | %d %d %d %d %d %d %d %lx", &cat, &dpc, &ei, &C, &I, &A, &M,
                   &subj, flags, &se, &sl, &lvl, &auth, &ppl, &pub, &vol, &mask) != 17 ||
            strlen(flags) != 7) {
            CHECK(!"a well-formed compat line");
            continue;
        }
        struct scenario sc = {"compat",
                              cat,
                              dpc,
                              ei,
                              C,
                              I,
                              A,
                              M,
                              subj,
                              flags[0] - '0',
                              flags[1] - '0',
                              flags[2] - '0',
                              flags[3] - '0',
                              flags[4] - '0',
                              flags[5] - '0',
                              flags[6] - '0',
                              "",
                              0,
                              0,
                              0,
                              NONE_};
        struct proposal p;
        rows++;
        if (make(&sc, NULL, &p)) {
            bad++;
            continue;
        }
        unsigned long now = 0;
        for (size_t i = 0; i < p.nreasons; i++) now |= 1UL << p.reasons[i].rule;
        int same = p.severity.se_q == se && (int)p.enisa_level == sl && (int)p.level == lvl &&
                   p.notify_authority == auth && (int)p.people == ppl && p.also_public == pub && p.voluntary == vol &&
                   now == mask;
        if (same) continue;
        if ((now & (1UL << PROPOSAL_R_VERY_MANY)) && p.level == PROPOSAL_HIGH_RISK && subj >= 100000) {
            changed++;
            continue;
        }
        if (bad++ < 5) printf("#   compat: %s", line);
    }
    fclose(f);
    printf("# compat: %d inputs, %d changed by very-many-subjects, %d otherwise different\n", rows, changed, bad);
    CHECK_INT(rows, 3456);
    CHECK_INT(bad, 0);
}

static void test_names(void)
{
    CHECK_STR(proposal_level_name(PROPOSAL_HIGH_RISK), "high risk");
    CHECK_STR(proposal_level_name_de(PROPOSAL_NO_RISK), "kein Risiko");
    CHECK_STR(proposal_people_name(PROPOSAL_PEOPLE_PUBLIC), "public");
    CHECK_STR(proposal_rule_name(PROPOSAL_R_VOLUNTARY), "voluntary-notice");
    CHECK_STR(proposal_rule_name(PROPOSAL_R_COUNT), "?");
}

int main(void)
{
    RUN(test_annex_b);
    RUN(test_edpb_01_2021);
    RUN(test_vectors);
    RUN(test_rules);
    RUN(test_guideline_overrides);
    RUN(test_config);
    RUN(test_incomplete_input);
    RUN(test_reason_texts);
    RUN(test_reason_wording);
    RUN(test_check_decision);
    RUN(test_names);
    RUN(test_compat);
    RUN(test_new_keys);
    RUN(test_new_keys_invalid);
    RUN(test_durations);
    RUN(test_sources);
    RUN(test_regimes);
    return check_done();
}
