/* test_enisa.c — ENISA severity: test vectors, formatting, the assessment-file keys. */
#include "check.h"
#include "assess/enisa.h"
#include "util/ini.h"
#include <stdlib.h>

/* A minimal line splitter standing in for ini_parse: "[section]", "key = value", comments. */
static int split_ini(const char *text, struct enisa_parser *p, char *err, size_t errlen)
{
    char line[2048], section[64] = "";
    int lineno = 0;
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        lineno++;
        if (n >= sizeof line) n = sizeof line - 1;
        memcpy(line, s, n);
        line[n] = 0;
        s += n + (nl ? 1 : 0);
        char *b = line, *e = line + strlen(line);
        while (*b == ' ') b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\r')) *--e = 0;
        if (!*b || *b == '#' || *b == ';') continue;
        char cberr[512] = "";
        int rc;
        if (*b == '[') {
            snprintf(section, sizeof section, "%.*s", (int)(e - b - 2), b + 1);
            rc = enisa_ini_cb(p, section, NULL, NULL, NULL, lineno, cberr, sizeof cberr);
        } else {
            char *eq = strchr(b, '=');
            if (!eq) {
                snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
                return -1;
            }
            char *ke = eq;
            *eq = 0;
            while (ke > b && ke[-1] == ' ') *--ke = 0;
            char *v = eq + 1;
            while (*v == ' ') v++;
            rc = enisa_ini_cb(p, section, NULL, b, v, lineno, cberr, sizeof cberr);
        }
        if (rc) {
            snprintf(err, errlen, "line %d: %s", lineno, cberr);
            return -1;
        }
    }
    return 0;
}

static int parse(const char *text, struct enisa_input *in, char *err, size_t errlen)
{
    struct enisa_parser p;
    enisa_parser_init(&p, in);
    return split_ini(text, &p, err, errlen);
}

/* computes SE from an assessment text; returns se_q or -1 */
static int se_of(const char *text, char *se_text, enum enisa_band *band)
{
    struct enisa_input in;
    struct enisa_result r;
    char err[256];
    enisa_input_init(&in);
    if (parse(text, &in, err, sizeof err)) {
        printf("# parse: %s\n", err);
        return -1;
    }
    if (enisa_compute(&in, &r, err, sizeof err)) {
        printf("# compute: %s\n", err);
        return -1;
    }
    strcpy(se_text, r.se_text);
    *band = r.band;
    return r.se_q;
}

static void test_vectors(void)
{
    static const struct {
        const char *name, *text, *se;
        int q;
        enum enisa_band band;
    } v[] = {
        {"names and e-mails visible to anyone",
         "[data]\ncategory = simple\nei = maximum\n[circumstances]\nconfidentiality = unknown\n", "1.5", 6, ENISA_LOW},
        {"same, plus scraping",
         "[data]\ncategory = simple\nei = maximum\n[circumstances]\nconfidentiality = unknown\n"
         "malicious = yes\n",
         "2.0", 8, ENISA_MEDIUM},
        {"full card data from a hacked shop",
         "[data]\ncategory = financial\ndpc = 4\ndpc_reason = full card data enabling fraud\n"
         "ei = maximum\n[circumstances]\nconfidentiality = unknown\nmalicious = yes\n",
         "5.0", 20, ENISA_VERY_HIGH},
        {"test results to known wrong recipients",
         "[data]\ncategory = sensitive\nei = maximum\n[circumstances]\nconfidentiality = known\n", "4.25", 17,
         ENISA_VERY_HIGH},
        {"pseudonymised behaviour log to a known partner",
         "[data]\ncategory = behavioural\nei = negligible\n[circumstances]\n"
         "confidentiality = known\n",
         "0.75", 3, ENISA_LOW},
        /* availability total (+0.5: no backup, nobody can recover it) and malicious (+0.5) */
        {"ransomware without backup, customer list",
         "[data]\ncategory = simple\nei = maximum\n[circumstances]\navailability = total\n"
         "malicious = yes\n",
         "2.0", 8, ENISA_MEDIUM},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char se[16] = "";
        enum enisa_band band = ENISA_LOW;
        int q = se_of(v[i].text, se, &band);
        if (q != v[i].q) printf("# vector: %s\n", v[i].name);
        CHECK_INT(q, v[i].q);
        CHECK_STR(se, v[i].se);
        CHECK_INT(band, v[i].band);
    }
}

static void test_extremes(void)
{
    char se[16];
    enum enisa_band band;
    CHECK_INT(se_of("[data]\ncategory = simple\nei = 0.25\n", se, &band), 1);
    CHECK_STR(se, "0.25");
    CHECK_INT(band, ENISA_LOW);
    CHECK_INT(se_of("[data]\ncategory = sensitive\nei = 1\n[circumstances]\nconfidentiality = "
                    "unknown\nintegrity = unrecoverable\navailability = total\nmalicious = yes\n",
                    se, &band),
              24);
    CHECK_STR(se, "6.0");
    CHECK_INT(band, ENISA_VERY_HIGH);
}

static void test_bands(void)
{
    CHECK_INT(enisa_band_of(7), ENISA_LOW);
    CHECK_INT(enisa_band_of(8), ENISA_MEDIUM);
    CHECK_INT(enisa_band_of(11), ENISA_MEDIUM);
    CHECK_INT(enisa_band_of(12), ENISA_HIGH);
    CHECK_INT(enisa_band_of(15), ENISA_HIGH);
    CHECK_INT(enisa_band_of(16), ENISA_VERY_HIGH);
    CHECK_STR(enisa_band_name(ENISA_VERY_HIGH), "very high");
    CHECK_STR(enisa_band_name_de(ENISA_MEDIUM), "mittel");
}

static void test_format_quarters(void)
{
    char b[16];
    static const struct {
        int q;
        const char *s;
    } f[] = {
        {0, "0.0"}, {1, "0.25"},  {2, "0.5"},  {3, "0.75"},  {4, "1.0"},  {6, "1.5"},
        {8, "2.0"}, {17, "4.25"}, {20, "5.0"}, {23, "5.75"}, {24, "6.0"}, {-3, "-0.75"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        enisa_format_quarters(f[i].q, '.', b, sizeof b);
        CHECK_STR(b, f[i].s);
    }
    enisa_format_quarters(6, ',', b, sizeof b);
    CHECK_STR(b, "1,5");
    CHECK_INT(enisa_format_quarters(17, '.', b, 3), 4); /* truncated, length reported */
    CHECK_STR(b, "4.");
}

static void test_parse_quarters(void)
{
    int q = -1;
    CHECK(!enisa_parse_quarters("2", &q) && q == 8);
    CHECK(!enisa_parse_quarters("2.0", &q) && q == 8);
    CHECK(!enisa_parse_quarters("2.25", &q) && q == 9);
    CHECK(!enisa_parse_quarters("0.5", &q) && q == 2);
    CHECK(!enisa_parse_quarters("0.50", &q) && q == 2);
    CHECK(!enisa_parse_quarters("4.75", &q) && q == 19);
    CHECK(!enisa_parse_quarters("1.2500", &q) && q == 5);
    q = 77;
    CHECK(enisa_parse_quarters("2.3", &q) == -1);
    CHECK(enisa_parse_quarters("", &q) == -1);
    CHECK(enisa_parse_quarters(".5", &q) == -1);
    CHECK(enisa_parse_quarters("2.", &q) == -1);
    CHECK(enisa_parse_quarters("-1", &q) == -1);
    CHECK(enisa_parse_quarters("1.25000", &q) == -1);
    CHECK(enisa_parse_quarters("99999999999", &q) == -1);
    CHECK(enisa_parse_quarters("2 ", &q) == -1);
    CHECK_INT(q, 77);
}

static void expect_error(const char *text, const char *want)
{
    struct enisa_input in;
    struct enisa_result r;
    char err[512] = "";
    enisa_input_init(&in);
    int rc = parse(text, &in, err, sizeof err);
    if (!rc) rc = enisa_compute(&in, &r, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK_STR(err, want);
}

static void test_errors(void)
{
    expect_error("[data]\ncategory = simple\nfoo = 1\n", "line 3: unknown key 'foo' in [data]");
    expect_error("[data]\nei = maximum\n[context]\ncategory = simple\n", "line 4: unknown key 'category' in [context]");
    expect_error("[data]\ncategory = simple\ndpc = 5\n", "line 3: invalid value '5' for 'dpc' (expected 1..4)");
    expect_error("[data]\ncategory = simple\ndpc = 0\n", "line 3: invalid value '0' for 'dpc' (expected 1..4)");
    expect_error("[data]\ncategory = secret\n", "line 2: invalid value 'secret' for 'category' "
                                                "(expected simple, behavioural, financial or sensitive)");
    expect_error("[data]\nei = 0.3\n", "line 2: invalid value '0.3' for 'ei' (expected "
                                       "negligible, limited, significant, maximum or 0.25..1)");
    expect_error("[data]\nei = 1.25\n", "line 2: invalid value '1.25' for 'ei' (expected "
                                        "negligible, limited, significant, maximum or 0.25..1)");
    expect_error("[circumstances]\nconfidentiality = some\n",
                 "line 2: invalid value 'some' "
                 "for 'confidentiality' (expected none, known or unknown)");
    expect_error("[circumstances]\nmalicious = maybe\n",
                 "line 2: invalid value 'maybe' for 'malicious' (expected yes or no)");
    expect_error("[context]\nsubjects = -5\n", "line 2: invalid value '-5' for 'subjects' "
                                               "(expected a number of people or unknown)");
    expect_error("[context]\nsubjects = 1e6\n", "line 2: invalid value '1e6' for 'subjects' "
                                                "(expected a number of people or unknown)");
    expect_error("[context]\nsubjects = 999999999999999999999\n",
                 "line 2: invalid value "
                 "'999999999999999999999' for 'subjects' (expected a number of people or unknown)");
    expect_error("[data]\nei = maximum\nei = limited\n", "line 3: duplicate key 'ei'");
    expect_error("[data]\nei_reason = a\nei_reason = b\n", "line 3: duplicate key 'ei_reason'");
    expect_error("[data]\nei = maximum\n[data]\nei = limited\n", "line 4: duplicate key 'ei'");
    expect_error("[risk]\n", "line 1: unknown section [risk] (expected [data], [circumstances] "
                             "or [context])");
    expect_error("ei = maximum\n", "line 1: key 'ei' outside a section");
    expect_error("[data]\nfoo_reason = x\n", "line 2: unknown key 'foo_reason' in [data]");
    expect_error("[data]\n_reason = x\n", "line 2: unknown key '_reason' in [data]");
    /* completeness and consistency */
    expect_error("[data]\nei = maximum\n", "missing 'category' in [data] (expected simple, "
                                           "behavioural, financial or sensitive)");
    expect_error("[data]\ncategory = simple\n", "missing 'ei' in [data] (expected negligible, "
                                                "limited, significant, maximum or 0.25..1)");
    expect_error("[data]\ncategory = simple\ndpc = 3\nei = maximum\n",
                 "'dpc' 3 differs from the base score 1 of category 'simple': give 'dpc_reason'");
    expect_error("[data]\ncategory = simple\nei = maximum\n[context]\nunintelligible = yes\n",
                 "'unintelligible' = yes needs evidence: give 'unintelligible_reason'");
    expect_error("[data]\ncategory = simple\nei = maximum\n[context]\n"
                 "disproportionate_effort = yes\n",
                 "'disproportionate_effort' = yes needs "
                 "evidence: give 'disproportionate_effort_reason'");
    expect_error("[data]\ncategory = simple\nei = maximum\n[context]\n"
                 "risk_no_longer_likely = yes\n",
                 "'risk_no_longer_likely' = yes needs evidence: "
                 "give 'risk_no_longer_likely_reason'");
    expect_error("[data]\ncategory = simple\nei = maximum\n[circumstances]\nconfidentiality = "
                 "unknown\n[context]\ntrusted_recipient = yes\ntrusted_recipient_reason = x\n",
                 "'trusted_recipient' = yes needs 'confidentiality' = known");
    expect_error("[data]\ncategory = simple\nei = maximum\ndpc_reason = tab\x01here\n",
                 "line 4: reason for 'dpc' must be one line of UTF-8 text");
    expect_error("[data]\ncategory = simple\nei = maximum\ndpc_reason = bad \xC3\x28\n",
                 "line 4: reason for 'dpc' must be one line of UTF-8 text");
}

static void test_dpc_adjusted(void)
{
    struct enisa_input in;
    struct enisa_result r;
    char err[256];
    enisa_input_init(&in);
    CHECK_INT(parse("[data]\ncategory = financial\ndpc = 1\ndpc_reason = card data older than "
                    "ten years\nei = maximum\n[circumstances]\nconfidentiality = known\n",
                    &in, err, sizeof err),
              0);
    CHECK_INT(enisa_compute(&in, &r, err, sizeof err), 0);
    CHECK_INT(r.dpc_base, 3);
    CHECK_INT(r.dpc, 1);
    CHECK_INT(r.ei_q, 4);
    CHECK_INT(r.cb_q, 1);
    CHECK_STR(r.se_text, "1.25");
    CHECK_STR(in.v[ENISA_K_DPC].reason, "card data older than ten years");
    CHECK_INT(in.v[ENISA_K_DPC].source, ENISA_SRC_PERSON);
    /* dpc equal to the base needs no reason */
    enisa_input_init(&in);
    CHECK_INT(parse("[data]\ncategory = financial\ndpc = 3\nei = 0.75\n", &in, err, sizeof err), 0);
    CHECK_INT(enisa_compute(&in, &r, err, sizeof err), 0);
    CHECK_INT(r.se_q, 9);
    CHECK_STR(r.se_text, "2.25");
}

static void test_reasons_and_sources(void)
{
    struct enisa_input in;
    struct enisa_result r;
    char err[256];
    enisa_input_init(&in);
    /* the CLI fills suggestions from the register ... */
    CHECK_INT(enisa_suggest(&in, ENISA_K_CATEGORY, ENISA_CAT_SIMPLE,
                            "disclosed fields: "
                            "email, name",
                            err, sizeof err),
              0);
    CHECK_INT(enisa_suggest_confidentiality(&in, 40, 12, err, sizeof err), 0);
    CHECK_INT(enisa_suggest(&in, ENISA_K_SUBJECTS, 1234, "people in the current scan", err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].value, ENISA_C_UNKNOWN);
    CHECK_STR(in.v[ENISA_K_CONFIDENTIALITY].reason, "12 of 40 viewers are known only by an IP "
                                                    "address: an unknown number of unknown recipients");
    /* ... then reads the person's file over them */
    CHECK_INT(parse("[data]\nei = maximum\nei_reason = names and e-mail addresses\n"
                    "[circumstances]\nconfidentiality = known\n[context]\n"
                    "subjects_reason = confirmed by the scan of 21 Nov\n",
                    &in, err, sizeof err),
              0);
    CHECK_INT(enisa_compute(&in, &r, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CATEGORY].source, ENISA_SRC_SUGGESTED);
    CHECK_STR(in.v[ENISA_K_CATEGORY].reason, "disclosed fields: email, name");
    CHECK_INT(in.v[ENISA_K_EI].source, ENISA_SRC_PERSON);
    CHECK_STR(in.v[ENISA_K_EI].reason, "names and e-mail addresses");
    /* a person overriding a suggestion without a reason drops the suggestion's reason */
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].source, ENISA_SRC_PERSON);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].value, ENISA_C_KNOWN);
    CHECK_STR(in.v[ENISA_K_CONFIDENTIALITY].reason, "");
    /* a reason alone keeps the suggested value and its source */
    CHECK_INT(in.v[ENISA_K_SUBJECTS].value, 1234);
    CHECK_INT(in.v[ENISA_K_SUBJECTS].source, ENISA_SRC_SUGGESTED);
    CHECK_STR(in.v[ENISA_K_SUBJECTS].reason, "confirmed by the scan of 21 Nov");
    /* defaults */
    CHECK_INT(in.v[ENISA_K_CONTACTS_KNOWN].value, 1);
    CHECK_INT(in.v[ENISA_K_CONTACTS_KNOWN].source, ENISA_SRC_UNSET);
    /* a suggestion never overwrites what a person said */
    CHECK_INT(enisa_suggest(&in, ENISA_K_EI, ENISA_EI_LIMITED, "x", err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_EI].value, ENISA_EI_MAXIMUM);
    /* reason given before the value is kept */
    enisa_input_init(&in);
    CHECK_INT(parse("[data]\ndpc_reason = pharmacy customers\ndpc = 2\ncategory = simple\n"
                    "ei = 1\n",
                    &in, err, sizeof err),
              0);
    CHECK_STR(in.v[ENISA_K_DPC].reason, "pharmacy customers");
    CHECK_INT(enisa_compute(&in, &r, err, sizeof err), 0);
    CHECK_STR(r.se_text, "2.0");
}

static void test_suggest_confidentiality(void)
{
    struct enisa_input in;
    char err[128];
    enisa_input_init(&in);
    CHECK_INT(enisa_suggest_confidentiality(&in, 0, 0, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].value, ENISA_C_NONE);
    CHECK_INT(enisa_suggest_confidentiality(&in, 3, 0, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].value, ENISA_C_KNOWN);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].source, ENISA_SRC_SUGGESTED);
    CHECK_INT(enisa_suggest_confidentiality(&in, 3, 1, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CONFIDENTIALITY].value, ENISA_C_UNKNOWN);
    CHECK_INT(enisa_suggest_confidentiality(&in, 3, 4, err, sizeof err), -1);
    CHECK_STR(err, "invalid viewer counts 3/4");
}

static void test_set(void)
{
    struct enisa_input in;
    char err[256], big[ENISA_REASON_MAX + 10];
    enisa_input_init(&in);
    CHECK_INT(enisa_set(&in, ENISA_K_DPC, 5, ENISA_SRC_PERSON, NULL, err, sizeof err), -1);
    CHECK_STR(err, "invalid value 5 for 'dpc' (expected 1..4)");
    CHECK_INT(enisa_set(&in, ENISA_K_SUBJECTS, -2, ENISA_SRC_PERSON, NULL, err, sizeof err), -1);
    CHECK_INT(enisa_set(&in, ENISA_K_COUNT, 1, ENISA_SRC_PERSON, NULL, err, sizeof err), -1);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_INT(enisa_set(&in, ENISA_K_EI, 2, ENISA_SRC_PERSON, big, err, sizeof err), -1);
    CHECK_STR(err, "reason for 'ei' too long (1033 bytes, at most 1023)");
    CHECK_INT(in.v[ENISA_K_EI].value, 0); /* unchanged after an error */
    CHECK_INT(enisa_set(&in, ENISA_K_EI, 2, ENISA_SRC_PERSON, "two\nlines", err, sizeof err), -1);
    CHECK_INT(enisa_set(&in, ENISA_K_EI, 2, ENISA_SRC_PERSON, "Größe ok", err, sizeof err), 0);
    CHECK_STR(in.v[ENISA_K_EI].reason, "Größe ok");
    CHECK_INT(enisa_set_text(&in, ENISA_K_EI, "Significant", ENISA_SRC_PERSON, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_EI].value, 3);
    CHECK_STR(in.v[ENISA_K_EI].reason, "Größe ok"); /* set_text keeps the reason */
    CHECK_INT(enisa_set_text(&in, ENISA_K_SUBJECTS, "unknown", ENISA_SRC_PERSON, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_SUBJECTS].value, -1);
    CHECK_INT(enisa_set_text(&in, ENISA_K_CATEGORY, "behavioral", ENISA_SRC_PERSON, err, sizeof err), 0);
    CHECK_INT(in.v[ENISA_K_CATEGORY].value, ENISA_CAT_BEHAVIOURAL);
}

static void test_names(void)
{
    char b[32];
    CHECK_STR(enisa_key_name(ENISA_K_SPECIAL), "special_categories");
    CHECK_STR(enisa_key_section(ENISA_K_SPECIAL), "context");
    CHECK_STR(enisa_key_name(ENISA_K_COUNT), "?");
    CHECK_STR(enisa_value_text(ENISA_K_CONFIDENTIALITY, 2, b, sizeof b), "unknown");
    CHECK_STR(enisa_value_text(ENISA_K_EI, 4, b, sizeof b), "maximum");
    CHECK_STR(enisa_value_text(ENISA_K_SUBJECTS, -1, b, sizeof b), "unknown");
    CHECK_STR(enisa_value_text(ENISA_K_SUBJECTS, 1200, b, sizeof b), "1200");
    CHECK_STR(enisa_value_text(ENISA_K_MALICIOUS, 1, b, sizeof b), "yes");
    CHECK_STR(enisa_source_name(ENISA_SRC_SUGGESTED), "suggested");
    CHECK_INT(enisa_key_lookup("data", "ei"), ENISA_K_EI);
    CHECK_INT(enisa_key_lookup("context", "ei"), -1);
    CHECK_INT(enisa_key_lookup(NULL, "contacts_known"), ENISA_K_CONTACTS_KNOWN);
    CHECK_INT(enisa_category_base(ENISA_CAT_FINANCIAL), 3);
}

static void test_format_ini_roundtrip(void)
{
    struct enisa_input a, b, sugg;
    char err[256];
    enisa_input_init(&sugg);
    CHECK_INT(enisa_suggest(&sugg, ENISA_K_CATEGORY, ENISA_CAT_SIMPLE, "fields: email, name", err, sizeof err), 0);
    CHECK_INT(enisa_suggest(&sugg, ENISA_K_SUBJECTS, 5000, "scan 3", err, sizeof err), 0);
    a = sugg;
    CHECK_INT(parse("[data]\ndpc = 2\ndpc_reason = customers of a pharmacy\nei = maximum\n"
                    "[circumstances]\nconfidentiality = unknown\nmalicious = no\n"
                    "malicious_reason = a programming error\n[context]\nunintelligible = no\n",
                    &a, err, sizeof err),
              0);
    size_t need = enisa_format_ini(&a, NULL, 0);
    char *text = malloc(need + 1);
    CHECK(text != NULL);
    if (!text) return;
    CHECK_INT(enisa_format_ini(&a, text, need + 1), need);
    CHECK_INT(strlen(text), need);
    CHECK(strstr(text, "\n[data]\n") != NULL);
    CHECK(strstr(text, "\ndpc = 2\ndpc_reason = customers of a pharmacy\n") != NULL);
    CHECK(strstr(text, "\n# suggested: category = simple\n# suggested because: fields: email, "
                       "name\n") != NULL);
    CHECK(strstr(text, "\n# default: vulnerable = no\n") != NULL);
    /* read back over the same suggestions: identical input */
    b = sugg;
    CHECK_INT(parse(text, &b, err, sizeof err), 0);
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        CHECK_INT(b.v[k].value, a.v[k].value);
        CHECK_INT(b.v[k].source, a.v[k].source);
        CHECK_STR(b.v[k].reason, a.v[k].reason);
    }
    /* small buffers are truncated, never overrun */
    char small[10];
    CHECK_INT(enisa_format_ini(&a, small, sizeof small), need);
    CHECK_INT(strlen(small), 9);
    free(text);
}

/* the same callback driven by the project's INI reader */
static void test_with_ini_parse(void)
{
    const char *text = "\xEF\xBB\xBF# assessment\r\n[data]\r\ncategory = sensitive\r\n"
                       "ei = maximum\r\n[circumstances]\r\nconfidentiality = known\r\n";
    struct enisa_input in;
    struct enisa_parser p;
    struct enisa_result r;
    char err[256] = "";
    enisa_input_init(&in);
    enisa_parser_init(&p, &in);
    CHECK_INT(ini_parse(text, strlen(text), enisa_ini_cb, &p, err, sizeof err), 0);
    CHECK_INT(enisa_compute(&in, &r, err, sizeof err), 0);
    CHECK_STR(r.se_text, "4.25");
    const char *bad = "[data]\ncategory = simple\n\nwhat = 1\n";
    enisa_input_init(&in);
    enisa_parser_init(&p, &in);
    CHECK_INT(ini_parse(bad, strlen(bad), enisa_ini_cb, &p, err, sizeof err), -1);
    CHECK_STR(err, "line 4: unknown key 'what' in [data]");
    const char *sub = "[data \"x\"]\n";
    enisa_parser_init(&p, &in);
    CHECK_INT(ini_parse(sub, strlen(sub), enisa_ini_cb, &p, err, sizeof err), -1);
    CHECK_STR(err, "line 1: unexpected subsection \"x\" in [data]");
}

int main(void)
{
    RUN(test_vectors);
    RUN(test_extremes);
    RUN(test_bands);
    RUN(test_format_quarters);
    RUN(test_parse_quarters);
    RUN(test_errors);
    RUN(test_dpc_adjusted);
    RUN(test_reasons_and_sources);
    RUN(test_suggest_confidentiality);
    RUN(test_set);
    RUN(test_names);
    RUN(test_format_ini_roundtrip);
    RUN(test_with_ini_parse);
    return check_done();
}
