/* test_report.c — the pieces of the report and the register modules that need no register:
 * the ENISA arithmetic as printed, field categories, the subject directory parser, the chart
 * (bins, axis, SVG), escaping and wrapping. */
#include "check.h"
#include "register/assessments.h"
#include "register/subjects.h"
#include "report/report_int.h"
#include "assess/suggest.h"
#include "util/file.h"
#include "util/i18n.h"
#include "util/xalloc.h"
#include <stdlib.h>

static void set(struct enisa_input *in, enum enisa_key k, long long v)
{
    char err[128];
    enisa_set(in, k, v, ENISA_SRC_PERSON, "", err, sizeof err);
}

static void formula(long long cat, long long dpc, long long ei, long long c, long long i, long long a, long long m,
                    char sep, const char *want)
{
    struct enisa_input in;
    struct enisa_result res;
    char err[256], out[128];
    enisa_input_init(&in);
    set(&in, ENISA_K_CATEGORY, cat);
    if (dpc) {
        char r[] = "context";
        enisa_set(&in, ENISA_K_DPC, dpc, ENISA_SRC_PERSON, r, err, sizeof err);
    }
    set(&in, ENISA_K_EI, ei);
    set(&in, ENISA_K_CONFIDENTIALITY, c);
    set(&in, ENISA_K_INTEGRITY, i);
    set(&in, ENISA_K_AVAILABILITY, a);
    set(&in, ENISA_K_MALICIOUS, m);
    CHECK_INT(enisa_compute(&in, &res, err, sizeof err), 0);
    assessment_formula(&in, &res, sep, out, sizeof out);
    CHECK_STR(out, want);
}

static void test_formula(void)
{
    /* the ENISA test vectors of REGULATION.md §4, as the report prints them */
    formula(ENISA_CAT_SIMPLE, 0, ENISA_EI_MAXIMUM, ENISA_C_UNKNOWN, 0, 0, 0, '.', "1 × 1 + 0.5 = 1.5");
    formula(ENISA_CAT_SIMPLE, 0, ENISA_EI_MAXIMUM, ENISA_C_UNKNOWN, 0, 0, 1, '.', "1 × 1 + 0.5 + 0.5 = 2.0");
    formula(ENISA_CAT_FINANCIAL, 4, ENISA_EI_MAXIMUM, ENISA_C_UNKNOWN, 0, 0, 1, '.', "4 × 1 + 0.5 + 0.5 = 5.0");
    formula(ENISA_CAT_SENSITIVE, 0, ENISA_EI_MAXIMUM, ENISA_C_KNOWN, 0, 0, 0, '.', "4 × 1 + 0.25 = 4.25");
    formula(ENISA_CAT_BEHAVIOURAL, 0, ENISA_EI_NEGLIGIBLE, ENISA_C_KNOWN, 0, 0, 0, '.', "2 × 0.25 + 0.25 = 0.75");
    formula(ENISA_CAT_SIMPLE, 0, ENISA_EI_MAXIMUM, 0, 0, ENISA_A_TOTAL, 1, '.', "1 × 1 + 0.5 + 0.5 = 2.0");
    formula(ENISA_CAT_SIMPLE, 0, ENISA_EI_SIGNIFICANT, 0, 0, 0, 0, ',', "1 × 0,75 + 0 = 0,75");
    formula(ENISA_CAT_SIMPLE, 0, ENISA_EI_MAXIMUM, ENISA_C_UNKNOWN, 0, 0, 0, ',', "1 × 1 + 0,5 = 1,5");
    char q[16];
    assessment_quarters_short(4, '.', q, sizeof q);
    CHECK_STR(q, "1");
    assessment_quarters_short(2, ',', q, sizeof q);
    CHECK_STR(q, "0,5");
}

static void test_config_text(void)
{
    struct proposal_config c, d;
    char t[512], u[512], err[256];
    proposal_config_default(&c);
    assessment_config_text(&c, t, sizeof t);
    CHECK_STR(t, "risk_threshold=2.0,high_risk_threshold=3.0,many_subjects=1000,special_categories_raise=yes,"
                 "vulnerable_raise=yes,permanence_raise=yes,many_subjects_raise=yes,voluntary_notice=yes,"
                 "very_many_subjects=100000,very_many_subjects_raise=yes,long_outage_hours=24,outage_raise=yes,"
                 "identifiers_raise=yes,regime=gdpr");
    c.risk_se_q = 6;
    c.many_subjects = 250;
    c.voluntary_notice = 0;
    c.long_outage_minutes = 48 * 60;
    CHECK_INT(proposal_config_set_regime(&c, "omnibus-2025-837", err, sizeof err), 0);
    assessment_config_text(&c, t, sizeof t);
    CHECK_INT(assessment_config_parse(t, &d, err, sizeof err), 0);
    assessment_config_text(&d, u, sizeof u);
    CHECK_STR(u, t);
    CHECK(strstr(u, ",long_outage_hours=48,") && strstr(u, ",regime=omnibus-2025-837"));
    CHECK(assessment_config_parse("risk_threshold=9", &d, err, sizeof err) != 0);
    CHECK(assessment_config_parse("regime=ccpa", &d, err, sizeof err) != 0);
    /* a line stored before issue 24: the new keys take their defaults, the regime is the GDPR */
    CHECK_INT(
        assessment_config_parse("risk_threshold=2.0,high_risk_threshold=3.0,many_subjects=1000", &d, err, sizeof err),
        0);
    CHECK_STR(proposal_regime(&d)->id, "gdpr");
    CHECK_INT(d.very_many_subjects, 100000);
    CHECK_INT(d.long_outage_minutes, 24 * 60);
}

static void test_field_category(void)
{
    int known, special;
    CHECK_INT(assessment_field_category("email", &known, &special), ENISA_CAT_SIMPLE);
    CHECK(known && !special);
    CHECK_INT(assessment_field_category("Order_History", &known, &special), ENISA_CAT_BEHAVIOURAL);
    CHECK(known);
    CHECK_INT(assessment_field_category("iban", &known, &special), ENISA_CAT_FINANCIAL);
    CHECK_INT(assessment_field_category("payment-card", &known, &special), ENISA_CAT_FINANCIAL);
    CHECK_INT(assessment_field_category("health", &known, &special), ENISA_CAT_SENSITIVE);
    CHECK(special);
    CHECK_INT(assessment_field_category("shoe-size", &known, &special), ENISA_CAT_SIMPLE);
    CHECK(!known);
    CHECK(assessment_field_identifies("name") && assessment_field_identifies("E-Mail") &&
          !assessment_field_identifies("orders"));
}

static void test_subjects_parse(void)
{
    struct subjects_file f;
    struct subjects_errors *e = calloc(1, sizeof *e);
    const char ok[] = "subject,name,email,language,timezone,salutation\n"
                      "B2,\"Doe, John\",john@example.com,EN,Europe/London,Dear Mr\n"
                      "A1,Erika,,de,Europe/Berlin,\n";
    CHECK_INT(subjects_parse(ok, sizeof ok - 1, &f, e), 0);
    CHECK_INT(f.n, 2);
    if (f.n == 2) {
        CHECK_STR(f.rows[0].subject, "A1"); /* sorted */
        CHECK_STR(f.rows[0].email, "");
        CHECK(f.rows[0].salutation == NULL);
        CHECK_INT(f.rows[0].line, 3);
        CHECK_STR(f.rows[1].name, "Doe, John");
        CHECK_STR(f.rows[1].language, "en");
        CHECK_STR(f.rows[1].salutation, "Dear Mr");
    }
    subjects_file_release(&f);
    const char bad[] = "subject,name,email,language,timezone\nA,x,bad@,de,UTC\nA,y,y@example.org,xx,Mars/Olympus\n";
    CHECK_INT(subjects_parse(bad, sizeof bad - 1, &f, e), 2);
    CHECK_INT(e->total, 4);
    CHECK_STR(e->msg[0], "line 2, field 'email': 'bad@' is not an e-mail address");
    CHECK_STR(e->msg[1], "line 3, field 'language': 'xx' is not a supported language (de, en)");
    CHECK_STR(e->msg[2], "line 3, field 'timezone': 'Mars/Olympus' is not an IANA time zone (e.g. Europe/Berlin)");
    CHECK_STR(e->msg[3], "line 3, field 'subject': 'A' is already on line 2 (subject ids must be distinct)");
    CHECK(f.rows == NULL && f.n == 0);
    const char quote[] = "subject,name,email,language,timezone\nA,\"x,e@example.org,de,UTC\n";
    CHECK_INT(subjects_parse(quote, sizeof quote - 1, &f, e), 2);
    CHECK_STR(e->msg[0], "line 2: unterminated quote");
    const char col[] = "subject,name,email,language,tz\n";
    CHECK_INT(subjects_parse(col, sizeof col - 1, &f, e), 2);
    CHECK(strstr(e->msg[0], "line 1: unknown column 'tz'") == e->msg[0]);
    /* many errors: all counted, the first SUBJECTS_MAX_ERRORS kept */
    char many[4096] = "subject,name,email,language,timezone\n";
    for (int i = 0; i < 30; i++) snprintf(many + strlen(many), sizeof many - strlen(many), "S%d,n,x,de,UTC\n", i);
    CHECK_INT(subjects_parse(many, strlen(many), &f, e), 2);
    CHECK_INT(e->total, 30);
    CHECK_INT(e->n, SUBJECTS_MAX_ERRORS);
    free(e);
}

static void test_email(void)
{
    CHECK(subjects_email_ok("a.b+c@mail.example.org"));
    CHECK(!subjects_email_ok("a@b"));
    CHECK(!subjects_email_ok("a b@example.org"));
    CHECK(!subjects_email_ok("@example.org"));
    CHECK(!subjects_email_ok("a@.example.org"));
    CHECK(!subjects_email_ok("a..b@example.org"));
    CHECK(!subjects_email_ok("a@example..org"));
    CHECK(!subjects_email_ok("a@exa_mple.org"));
}

static void test_axis(void)
{
    int64_t top, step;
    chart_axis(0, &top, &step);
    CHECK_INT(top, 1);
    CHECK_INT(step, 1);
    chart_axis(2, &top, &step);
    CHECK_INT(top, 2);
    CHECK_INT(step, 1);
    chart_axis(7, &top, &step);
    CHECK_INT(top, 8);
    CHECK_INT(step, 2);
    chart_axis(57, &top, &step);
    CHECK_INT(top, 60);
    CHECK_INT(step, 20);
    chart_axis(202, &top, &step);
    CHECK_INT(top, 250);
    CHECK_INT(step, 50);
    chart_axis(1000, &top, &step);
    CHECK_INT(top, 1000);
    CHECK_INT(step, 200);
}

static void test_chart_bins(void)
{
    /* 2018-11-12 14:00Z (15:00 CET) .. 2018-11-14 22:00Z, sparse */
    int64_t h0 = 1542031200;
    int64_t hours[] = {h0, h0 + 3600, h0 + 10 * 3600, h0 + 56 * 3600};
    int64_t views[] = {2, 1, 5, 3};
    struct chart c;
    CHECK_INT(chart_bin(hours, views, 4, "Europe/Berlin", 744, &c), 0);
    CHECK_INT(c.per_day, 0);
    CHECK_INT(c.n, 57);
    CHECK_INT(c.max, 5);
    CHECK_INT(c.total, 11);
    CHECK_INT(c.value[10], 5);
    CHECK_INT(c.value[2], 0);
    chart_release(&c);
    /* per local day: 12 Nov 15:00, 16:00, 13 Nov 00:00 CET (= 12 Nov 23:00Z), 14 Nov 23:00 CET */
    CHECK_INT(chart_bin(hours, views, 4, "Europe/Berlin", 0, &c), 0);
    CHECK_INT(c.per_day, 1);
    CHECK_INT(c.n, 3);
    CHECK_INT(c.value[0], 3);
    CHECK_INT(c.value[1], 5); /* 00:00 CET on the 13th */
    CHECK_INT(c.value[2], 3);
    CHECK_INT(c.start[0], 1541980800); /* 2018-11-12 as a civil date */
    chart_release(&c);
    CHECK_INT(chart_bin(hours, views, 0, "UTC", 10, &c), 0);
    CHECK_INT(c.n, 0);
}

static void test_svg(void)
{
    int64_t h0 = 1542031200;
    int64_t hours[] = {h0, h0 + 30 * 3600};
    int64_t views[] = {2, 7};
    struct chart c;
    struct buf b;
    buf_init(&b, 0);
    CHECK_INT(chart_bin(hours, views, 2, "Europe/Berlin", 744, &c), 0);
    chart_svg(&c, REPORT_EN, "Europe/Berlin", &b);
    const char *s = buf_str(&b);
    CHECK(strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"") == s);
    CHECK(strstr(s, "<title id=\"chart-title\">Views of the exposed data per hour</title>") != NULL);
    CHECK(strstr(s, "9 views from 12 November 2018, 15:00 CET") != NULL);
    CHECK(strstr(s, ">13 Nov</text>") != NULL); /* the midnight tick */
    CHECK(strstr(s, ">8</text>") != NULL); /* axis top for 7 */
    CHECK(strstr(s, ">views</text>") != NULL);
    CHECK(strstr(s, "<script") == NULL);
    CHECK(strstr(s, "</svg>\n") != NULL);
    buf_reset(&b);
    chart_svg(&c, REPORT_DE, "Europe/Berlin", &b);
    CHECK(strstr(buf_str(&b), ">13.11.</text>") != NULL);
    CHECK(strstr(buf_str(&b), "Abrufe der offengelegten Daten je Stunde") != NULL);
    chart_release(&c);
    /* more than max_hours: one bar per local day */
    CHECK_INT(chart_bin(hours, views, 2, "Europe/Berlin", 10, &c), 0);
    CHECK_INT(c.per_day, 1);
    buf_reset(&b);
    chart_svg(&c, REPORT_EN, "Europe/Berlin", &b);
    CHECK(strstr(buf_str(&b), "Views of the exposed data per day") != NULL);
    CHECK(strstr(buf_str(&b), "one bar per day") != NULL);
    CHECK(strstr(buf_str(&b), ">12 Nov</text>") != NULL);
    chart_release(&c);
    buf_release(&b);
}

/* one chart of the golden file: NAME, then the SVG */
static void svg_case(struct buf *all, const char *name, const int64_t *hours, const int64_t *views, size_t n,
                     const char *zone, size_t max_hours, enum report_lang lang)
{
    struct chart c;
    CHECK_INT(chart_bin(hours, views, n, zone, max_hours, &c), 0);
    buf_addf(all, "<!-- %s -->\n", name);
    chart_svg(&c, lang, zone, all);
    chart_release(&c);
}

/* Every kind of chart byte for byte as tests/data/report/golden/charts.svg (the unit tests run
 * in the source tree; KLARTEXT_UPDATE_GOLDEN=1 rewrites the file after an intended change). */
static void test_svg_golden(void)
{
    static const char path[] = "tests/data/report/golden/charts.svg";
    int64_t h0 = 1542031200; /* 2018-11-12 14:00Z */
    int64_t two[] = {h0, h0 + 30 * 3600}, two_v[] = {2, 7};
    int64_t short_h[] = {h0, h0 + 3 * 3600}, short_v[] = {1, 3};
    int64_t one[] = {h0}, one_v[] = {1234};
    int64_t many[40], many_v[40];
    for (int i = 0; i < 40; i++) {
        many[i] = h0 + (int64_t)i * 12 * 3600;
        many_v[i] = (i * 37) % 11;
    }
    struct buf all;
    buf_init(&all, 0);
    svg_case(&all, "per hour, en", two, two_v, 2, "Europe/Berlin", 744, REPORT_EN);
    svg_case(&all, "per hour, de", two, two_v, 2, "Europe/Berlin", 744, REPORT_DE);
    svg_case(&all, "per day, en", two, two_v, 2, "Europe/Berlin", 10, REPORT_EN);
    svg_case(&all, "per day, de", two, two_v, 2, "Europe/Berlin", 10, REPORT_DE);
    svg_case(&all, "under a day, en", short_h, short_v, 2, "Europe/Berlin", 744, REPORT_EN);
    svg_case(&all, "one hour, de", one, one_v, 1, "Asia/Kolkata", 744, REPORT_DE);
    svg_case(&all, "empty, en", one, one_v, 0, "UTC", 744, REPORT_EN);
    svg_case(&all, "20 days per hour, en", many, many_v, 40, "UTC", 744, REPORT_EN);
    svg_case(&all, "20 days per day, de", many, many_v, 40, "America/New_York", 24, REPORT_DE);
    const char *up = getenv("KLARTEXT_UPDATE_GOLDEN");
    if (up && !strcmp(up, "1")) {
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
            fwrite(all.p, 1, all.len, f);
            fclose(f);
        }
    }
    char *want = NULL, err[256];
    size_t len = 0;
    CHECK_INT(file_read(path, 1 << 20, &want, &len, err, sizeof err), 0);
    if (want) {
        CHECK_INT(len, all.len);
        size_t i = 0;
        while (i < len && i < all.len && want[i] == all.p[i]) i++;
        if (i < len || i < all.len) printf("#   %s differs at byte %zu\n", path, i);
        CHECK(len == all.len && !memcmp(want, all.p, len));
    }
    free(want);
    buf_release(&all);
}

static void test_text_helpers(void)
{
    struct buf b;
    buf_init(&b, 0);
    html_escape(&b, "<a href=\"x\">Tom & Jerry's</a>");
    CHECK_STR(buf_str(&b), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    CHECK_INT(utf8_width("Maßnahmen ×"), 11);
    buf_reset(&b);
    wrap_text(&b, "one two three four five", 0, 2, 11);
    CHECK_STR(buf_str(&b), "one two\n  three\n  four five");
    buf_reset(&b);
    wrap_text(&b, "Größe über\nneu", 4, 4, 12);
    CHECK_STR(buf_str(&b), "Größe\n    über\n    neu");
    buf_release(&b);
    char t[128];
    report_time(REPORT_DE, "Europe/Berlin", 1542031200, t, sizeof t);
    CHECK_STR(t, "12. November 2018, 15:00 Uhr MEZ");
    report_time(REPORT_EN, "UTC", 1542031200, t, sizeof t);
    CHECK_STR(t, "12 November 2018, 14:00 UTC");
    enum report_format f;
    CHECK(report_format_parse("veris", &f) == 0 && f == REPORT_VERIS);
    CHECK(report_format_parse("pdf", &f) != 0);
}


/* ---- the German report shows every enumeration value in German ---- */

static int missing_words; /* counted by render_check */

/* does txt hold w, or w with a capital first letter (a row's label)? */
static int has_word(const char *txt, const char *w)
{
    if (strstr(txt, w)) return 1;
    char cap[256];
    snprintf(cap, sizeof cap, "%s", w);
    if (cap[0] >= 'a' && cap[0] <= 'z') cap[0] = (char)(cap[0] - 'a' + 'A');
    else if (!strncmp(cap, "ü", 2) || !strncmp(cap, "ö", 2) || !strncmp(cap, "ä", 2)) cap[1] = (char)(cap[1] - 0x20);
    return strstr(txt, cap) != NULL;
}

/* renders m as German text and HTML; every (domain, key) in `want` must appear as its German
   word, and its English word (when it differs and is not part of the German one) must not */
static void render_check(const struct report *m, const char *const (*want)[2], size_t n)
{
    for (int fmt = 0; fmt < 2; fmt++) {
        struct doc d;
        struct buf out;
        char err[256];
        buf_init(&out, 0);
        CHECK_INT(report_doc_build(m, REPORT_DE, "Europe/Berlin", &d, err, sizeof err), 0);
        if (fmt == 0) report_write_text(m, &d, REPORT_DE, "Europe/Berlin", &out);
        else report_write_html(m, &d, REPORT_DE, "Europe/Berlin", &out);
        const char *txt = buf_str(&out);
        for (size_t i = 0; i < n; i++) {
            const char *de = i18n_term(I18N_DE, want[i][0], want[i][1]),
                       *en = i18n_term(I18N_EN, want[i][0], want[i][1]);
            int ok = de && en;
            if (ok && fmt == 0) { /* the text form wraps lines: compare without line breaks */
                struct buf flat;
                buf_init(&flat, 0);
                for (const char *c = txt; *c; c++)
                    if (*c == '\n') {
                        buf_addc(&flat, ' ');
                        while (c[1] == ' ') c++;
                    } else buf_addc(&flat, *c);
                ok = has_word(buf_str(&flat), de);
                buf_release(&flat);
            } else if (ok) {
                struct buf esc;
                buf_init(&esc, 0);
                html_escape(&esc, de);
                ok = has_word(txt, buf_str(&esc));
                buf_release(&esc);
            }
            /* "assessment" is also in the English title of ENISA's paper, which the report cites */
            if (ok && strcmp(en, de) && strlen(en) >= 6 && !strstr(de, en) && strcmp(en, "assessment") &&
                strstr(txt, en))
                ok = 0;
            if (!ok) {
                missing_words++;
                printf("#   German %s: %s/%s not shown as \"%s\"\n", fmt ? "HTML" : "text", want[i][0], want[i][1],
                       de ? de : "(no word)");
            }
        }
        report_doc_release(&d);
        buf_release(&out);
    }
}

/* a report model without a register: the incident's fields, a timeline, one assessment */
static struct report *word_model(void)
{
    struct report *m = xcalloc(1, sizeof *m);
    snprintf(m->inc.ref, sizeof m->inc.ref, "2026-0001");
    m->inc.v[IF_TITLE] = xstrdup("Titel");
    m->inc.v[IF_AWARE_AT] = xstrdup("2026-11-20T09:00:00Z");
    m->inc.v[IF_AWARE_HOW] = xstrdup("Meldung");
    m->inc.v[IF_STATUS] = xstrdup("confirmed");
    m->regime = regime_for(0);
    m->records_lang = xstrdup("de");
    deadlines_compute(inc_time(&m->inc, IF_AWARE_AT), m->regime->hours, 0, &m->dl);
    m->assessments = xcalloc(1, sizeof *m->assessments);
    m->nassessments = 1;
    m->assessments[0].actor = xstrdup("dpo");
    m->assessments[0].seq = 1;
    enisa_input_init(&m->assessments[0].in);
    proposal_config_default(&m->assessments[0].cfg);
    return m;
}

static void set_field(struct report *m, int f, const char *v)
{
    free(m->inc.v[f]);
    m->inc.v[f] = v ? xstrdup(v) : NULL;
}

/* every cause, breach type, category of people, known data field and timeline kind */
static void test_german_incident_words(void)
{
    struct report *m = word_model();
    const char *want[1][2];
    missing_words = 0;
    for (const char *const *c = inc_fields[IF_CAUSE].choices; *c; c++) {
        set_field(m, IF_CAUSE, *c);
        want[0][0] = "cause";
        want[0][1] = *c;
        render_check(m, want, 1);
    }
    set_field(m, IF_CAUSE, NULL);
    for (const char *const *c = inc_fields[IF_BREACH_TYPES].choices; *c; c++) {
        set_field(m, IF_BREACH_TYPES, *c);
        want[0][0] = "breach_type.long";
        want[0][1] = *c;
        render_check(m, want, 1);
    }
    for (const char *const *c = inc_fields[IF_SUBJECT_CATEGORIES].choices; *c; c++) {
        set_field(m, IF_SUBJECT_CATEGORIES, *c);
        want[0][0] = "subject";
        want[0][1] = *c;
        render_check(m, want, 1);
    }
    const char *f;
    for (size_t i = 0; (f = assessment_known_field(i)) != NULL; i++) {
        set_field(m, IF_DATA_CATEGORIES, f);
        want[0][0] = "field";
        want[0][1] = f;
        render_check(m, want, 1);
    }
    static const char *const events[] = {"aware",       "created",       "status",    "notified", "contained",
                                         "nis2",        "update",        "scan",      "evidence", "finding",
                                         "subjects",    "assessment",    "decision",  "filing",   "note",
                                         "containment", "communication", "published", NULL};
    m->events = xcalloc(1, sizeof *m->events);
    m->nevents = 1;
    m->events[0].seq = 1;
    m->events[0].at = m->events[0].recorded_at = 1795000000;
    m->events[0].text = xstrdup("Eintrag");
    m->events[0].actor = xstrdup("dpo");
    for (size_t i = 0; events[i]; i++) {
        free(m->events[0].kind);
        m->events[0].kind = xstrdup(events[i]);
        want[0][0] = "event";
        want[0][1] = events[i];
        render_check(m, want, 1);
    }
    CHECK_INT(missing_words, 0);
    report_free(m);
}

/* every value of every enumerated input of the assessment, and the level and band */
static void test_german_assessment_words(void)
{
    struct report *m = word_model();
    struct assessment *a = &m->assessments[0];
    char err[256], domain[64];
    missing_words = 0;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        enum enisa_key key = (enum enisa_key)k;
        for (long long v = 0; v <= 4; v++) {
            const char *name = enisa_value_name(key, v);
            if (!name || key == ENISA_K_CATEGORY || key == ENISA_K_EI) continue;
            enisa_input_init(&a->in);
            enisa_set(&a->in, ENISA_K_CATEGORY, ENISA_CAT_SIMPLE, ENISA_SRC_PERSON, NULL, err, sizeof err);
            enisa_set(&a->in, ENISA_K_EI, ENISA_EI_MAXIMUM, ENISA_SRC_PERSON, NULL, err, sizeof err);
            enisa_set(&a->in, key, v, ENISA_SRC_PERSON, "x", err, sizeof err);
            snprintf(domain, sizeof domain, "assess.%s", enisa_key_name(key));
            const char *want[2][2] = {{i18n_term(I18N_DE, domain, name) ? domain : "bool", name},
                                      {"assess.key", enisa_key_name(key)}};
            render_check(m, want, 2);
        }
    }
    for (int c = ENISA_CAT_SIMPLE; c <= ENISA_CAT_SENSITIVE; c++) {
        a->in.v[ENISA_K_CATEGORY].value = c;
        const char *want[1][2] = {{"assess.category", enisa_value_name(ENISA_K_CATEGORY, c)}};
        render_check(m, want, 1);
    }
    for (int l = 0; l <= PROPOSAL_HIGH_RISK; l++) {
        a->p.level = (enum proposal_level)l;
        a->p.severity.band = (enum enisa_band)l;
        const char *want[2][2] = {{"level", proposal_level_name((enum proposal_level)l)},
                                  {"band", enisa_band_name((enum enisa_band)l)}};
        render_check(m, want, 2);
    }
    CHECK_INT(missing_words, 0);
    report_free(m);
}

int main(void)
{
    RUN(test_formula);
    RUN(test_config_text);
    RUN(test_field_category);
    RUN(test_subjects_parse);
    RUN(test_email);
    RUN(test_axis);
    RUN(test_chart_bins);
    RUN(test_svg);
    RUN(test_svg_golden);
    RUN(test_text_helpers);
    RUN(test_german_incident_words);
    RUN(test_german_assessment_words);
    return check_done();
}
