/* test_i18n.c — names, date/duration/number formats in de and en, TZif zones across DST
 * changes, the footer rule, name validation, and a cross-check against glibc's localtime_r
 * (which needs setenv("TZ"): fine in a test, never in the product). */
#include "check.h"
#include "assess/proposal.h"
#include "assess/suggest.h"
#include "register/assessments.h"
#include "register/incident.h"
#include "util/i18n.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static char err[256];

/* seconds since the epoch for a UTC date-time (test helper, via timegm) */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    return (int64_t)timegm(&tm);
}

static char out[I18N_TEXT_MAX];

static const char *fmt_utc(enum i18n_lang l, int64_t t, const char *zone, unsigned what)
{
    if (i18n_format_utc(l, t, zone, what, out, sizeof out, err, sizeof err)) return err;
    return out;
}

static void test_names(void)
{
    enum i18n_lang l;
    CHECK_INT(i18n_lang_parse("de", &l, err, sizeof err), 0);
    CHECK_INT(l, I18N_DE);
    CHECK_INT(i18n_lang_parse("en", &l, err, sizeof err), 0);
    CHECK_INT(l, I18N_EN);
    CHECK_INT(i18n_lang_parse("fr", &l, err, sizeof err), -1);
    CHECK_STR(err, "unknown language 'fr' (use de or en)");
    CHECK_INT(i18n_lang_parse(NULL, &l, err, sizeof err), -1);
    CHECK_STR(i18n_lang_code(I18N_DE), "de");
    CHECK_STR(i18n_month_name(I18N_DE, 3), "März");
    CHECK_STR(i18n_month_name(I18N_EN, 12), "December");
    CHECK_STR(i18n_month_name(I18N_EN, 13), "");
    CHECK_STR(i18n_weekday_name(I18N_DE, 4), "Donnerstag");
    CHECK_STR(i18n_weekday_name(I18N_EN, 0), "Sunday");
    CHECK_STR(i18n_weekday_name(I18N_EN, 7), "");
    CHECK(i18n_plural_is_one(I18N_DE, 1) && !i18n_plural_is_one(I18N_EN, 0) && !i18n_plural_is_one(I18N_EN, 2) &&
          !i18n_plural_is_one(I18N_EN, 21));
}

static void test_dates(void)
{
    int64_t t = utc(2018, 11, 15, 14, 3, 0); /* a Thursday */
    CHECK_STR(fmt_utc(I18N_EN, t, "Europe/Berlin", I18N_FULL), "Thursday, 15 November 2018, 15:03 CET");
    CHECK_STR(fmt_utc(I18N_DE, t, "Europe/Berlin", I18N_FULL), "Donnerstag, 15. November 2018, 15:03 Uhr MEZ");
    CHECK_STR(fmt_utc(I18N_DE, t, "Europe/Berlin", I18N_DATE), "15. November 2018");
    CHECK_STR(fmt_utc(I18N_EN, t, "Europe/Berlin", I18N_DATE), "15 November 2018");
    CHECK_STR(fmt_utc(I18N_EN, t, "Europe/Berlin", I18N_DATE | I18N_TIME), "15 November 2018, 15:03");
    CHECK_STR(fmt_utc(I18N_DE, t, "Europe/Berlin", I18N_TIME | I18N_ZONE), "15:03 Uhr MEZ");
    CHECK_STR(fmt_utc(I18N_DE, t, "Europe/Berlin", I18N_WEEKDAY), "Donnerstag, 15. November 2018");
    CHECK_STR(fmt_utc(I18N_DE, utc(2018, 7, 1, 10, 0, 0), "Europe/Berlin", I18N_FULL),
              "Sonntag, 1. Juli 2018, 12:00 Uhr MESZ");
    CHECK_STR(fmt_utc(I18N_EN, utc(2018, 7, 1, 10, 0, 0), "Europe/Berlin", I18N_TIME | I18N_ZONE), "12:00 CEST");
    CHECK_STR(fmt_utc(I18N_DE, t, NULL, I18N_FULL), "Donnerstag, 15. November 2018, 14:03 Uhr UTC");
    CHECK_STR(fmt_utc(I18N_EN, t, "America/New_York", I18N_FULL), "Thursday, 15 November 2018, 09:03 EST");
    CHECK_STR(fmt_utc(I18N_EN, t, "Asia/Kolkata", I18N_FULL), "Thursday, 15 November 2018, 19:33 IST");
    CHECK_STR(fmt_utc(I18N_EN, t, "Asia/Kathmandu", I18N_TIME | I18N_ZONE), "19:48 UTC+5:45");
    CHECK_STR(fmt_utc(I18N_DE, t, "America/Sao_Paulo", I18N_TIME | I18N_ZONE), "12:03 Uhr UTC-2");
    CHECK_STR(fmt_utc(I18N_DE, t, "Asia/Dubai", I18N_TIME | I18N_ZONE), "18:03 Uhr UTC+4");
    CHECK_STR(fmt_utc(I18N_DE, t, "Mars/Olympus", I18N_FULL), "unknown time zone 'Mars/Olympus'");
    /* midnight and the year boundary in local time */
    CHECK_STR(fmt_utc(I18N_DE, utc(2018, 12, 31, 23, 30, 0), "Europe/Berlin", I18N_FULL),
              "Dienstag, 1. Januar 2019, 00:30 Uhr MEZ");
    /* too small a buffer */
    struct i18n_time lt;
    CHECK_INT(i18n_localtime("Europe/Berlin", t, &lt, err, sizeof err), 0);
    char small[10];
    CHECK_INT(i18n_format_time(I18N_DE, &lt, I18N_FULL, small, sizeof small), -1);
    CHECK_STR(small, "");
    CHECK_INT(i18n_format_time(I18N_DE, &lt, 0, out, sizeof out), -1);
    CHECK_INT(i18n_format_zone(I18N_DE, &lt, out, sizeof out), 0);
    CHECK_STR(out, "MEZ");
    CHECK_INT(i18n_format_zone(I18N_EN, &lt, out, sizeof out), 0);
    CHECK_STR(out, "CET");
    /* a stored offset and abbreviation, no zone file */
    i18n_time_at(t, 19800, "IST", &lt);
    CHECK_INT(i18n_format_time(I18N_EN, &lt, I18N_FULL, out, sizeof out), 0);
    CHECK_STR(out, "Thursday, 15 November 2018, 19:33 IST");
    i18n_time_at(t, -3 * 3600, "-03", &lt);
    CHECK_INT(i18n_format_time(I18N_DE, &lt, I18N_TIME | I18N_ZONE, out, sizeof out), 0);
    CHECK_STR(out, "11:03 Uhr UTC-3");
    i18n_time_at(t, 0, NULL, &lt);
    CHECK_INT(i18n_format_time(I18N_EN, &lt, I18N_TIME | I18N_ZONE, out, sizeof out), 0);
    CHECK_STR(out, "14:03 UTC");
}

static const char *dur(enum i18n_lang l, int64_t s)
{
    if (i18n_format_duration(l, s, out, sizeof out)) return "(error)";
    return out;
}

static void test_durations(void)
{
    CHECK_STR(dur(I18N_EN, 8 * 86400 + 8 * 3600 + 59 * 60), "8 days 8 hours");
    CHECK_STR(dur(I18N_DE, 8 * 86400 + 8 * 3600), "8 Tage 8 Stunden");
    CHECK_STR(dur(I18N_EN, 3600 + 5 * 60 + 7), "1 hour 5 minutes");
    CHECK_STR(dur(I18N_DE, 3600 + 5 * 60), "1 Stunde 5 Minuten");
    CHECK_STR(dur(I18N_EN, 86400 + 3600), "1 day 1 hour");
    CHECK_STR(dur(I18N_DE, 86400 + 3600), "1 Tag 1 Stunde");
    CHECK_STR(dur(I18N_EN, 2 * 86400 + 5 * 60), "2 days");
    CHECK_STR(dur(I18N_DE, 2 * 3600), "2 Stunden");
    CHECK_STR(dur(I18N_EN, 60), "1 minute");
    CHECK_STR(dur(I18N_DE, 60), "1 Minute");
    CHECK_STR(dur(I18N_EN, 119), "1 minute");
    CHECK_STR(dur(I18N_DE, 45 * 60), "45 Minuten");
    CHECK_STR(dur(I18N_EN, 59), "less than a minute");
    CHECK_STR(dur(I18N_DE, 0), "weniger als eine Minute");
    CHECK_STR(dur(I18N_EN, (int64_t)1234 * 86400), "1,234 days");
    CHECK_STR(dur(I18N_DE, (int64_t)1234 * 86400 + 3600), "1.234 Tage 1 Stunde");
    CHECK_STR(dur(I18N_EN, -1), "(error)");
    char tiny[7]; /* "8 days" needs 7 bytes: it fits exactly, one byte less does not */
    CHECK_INT(i18n_format_duration(I18N_EN, 8 * 86400, tiny, sizeof tiny), 0);
    CHECK_STR(tiny, "8 days");
    CHECK_INT(i18n_format_duration(I18N_EN, 8 * 86400, tiny, sizeof tiny - 1), -1);
    CHECK_STR(tiny, "");
    CHECK_INT(i18n_format_duration(I18N_EN, 8 * 86400, tiny, 0), -1);
    CHECK_INT(i18n_format_int(I18N_DE, 1234567, tiny, sizeof tiny), -1); /* "1.234.567" */
    CHECK_STR(tiny, "");
    CHECK_INT(i18n_format_count(I18N_DE, 1, I18N_FEM, tiny, 5), 0);
    CHECK_STR(tiny, "eine");
    CHECK_INT(i18n_format_count(I18N_DE, 1, I18N_FEM, tiny, 4), -1);
}

static void test_numbers(void)
{
    struct {
        int64_t n;
        const char *en, *de;
    } c[] = {
        {0, "0", "0"},
        {7, "7", "7"},
        {999, "999", "999"},
        {1000, "1,000", "1.000"},
        {1234, "1,234", "1.234"},
        {1234567, "1,234,567", "1.234.567"},
        {-1234, "-1,234", "-1.234"},
        {INT64_MAX, "9,223,372,036,854,775,807", "9.223.372.036.854.775.807"},
        {INT64_MIN, "-9,223,372,036,854,775,808", "-9.223.372.036.854.775.808"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        CHECK_INT(i18n_format_int(I18N_EN, c[i].n, out, sizeof out), 0);
        CHECK_STR(out, c[i].en);
        CHECK_INT(i18n_format_int(I18N_DE, c[i].n, out, sizeof out), 0);
        CHECK_STR(out, c[i].de);
    }
    CHECK_INT(i18n_format_int(I18N_EN, 1234, out, 5), -1);
    CHECK_INT(i18n_format_int(I18N_EN, 1234, out, 6), 0);
    CHECK_INT(i18n_format_count(I18N_EN, 3, I18N_FEM, out, sizeof out), 0);
    CHECK_STR(out, "three");
    CHECK_INT(i18n_format_count(I18N_DE, 1, I18N_FEM, out, sizeof out), 0);
    CHECK_STR(out, "eine");
    CHECK_INT(i18n_format_count(I18N_DE, 1, I18N_MASC, out, sizeof out), 0);
    CHECK_STR(out, "ein");
    CHECK_INT(i18n_format_count(I18N_DE, 12, I18N_FEM, out, sizeof out), 0);
    CHECK_STR(out, "zwölf");
    CHECK_INT(i18n_format_count(I18N_DE, 5, I18N_NEUT, out, sizeof out), 0);
    CHECK_STR(out, "fünf");
    CHECK_INT(i18n_format_count(I18N_EN, 13, I18N_NEUT, out, sizeof out), 0);
    CHECK_STR(out, "13");
    CHECK_INT(i18n_format_count(I18N_DE, 2500, I18N_FEM, out, sizeof out), 0);
    CHECK_STR(out, "2.500");
}

static void check_local(const char *zone, int64_t t, const char *want_iso, int utoff, const char *abbr, int isdst)
{
    struct i18n_time lt;
    if (i18n_localtime(zone, t, &lt, err, sizeof err)) {
        CHECK_STR(err, "(no error)");
        return;
    }
    char iso[40];
    snprintf(iso, sizeof iso, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)lt.year, lt.month, lt.day, lt.hour,
             lt.minute, lt.second);
    CHECK_STR(iso, want_iso);
    CHECK_INT(lt.utoff, utoff);
    CHECK_STR(lt.abbr, abbr);
    CHECK_INT(lt.isdst, isdst);
}

static void test_zones(void)
{
    /* Europe/Berlin 2026: CEST from 2026-03-29 01:00 UTC, CET from 2026-10-25 01:00 UTC */
    int64_t spring = utc(2026, 3, 29, 1, 0, 0), autumn = utc(2026, 10, 25, 1, 0, 0);
    check_local("Europe/Berlin", spring - 1, "2026-03-29 01:59:59", 3600, "CET", 0);
    check_local("Europe/Berlin", spring, "2026-03-29 03:00:00", 7200, "CEST", 1);
    check_local("Europe/Berlin", autumn - 1, "2026-10-25 02:59:59", 7200, "CEST", 1);
    check_local("Europe/Berlin", autumn, "2026-10-25 02:00:00", 3600, "CET", 0);
    /* America/New_York 2026: EDT from 03-08 07:00 UTC, EST from 11-01 06:00 UTC */
    check_local("America/New_York", utc(2026, 3, 8, 6, 59, 59), "2026-03-08 01:59:59", -18000, "EST", 0);
    check_local("America/New_York", utc(2026, 3, 8, 7, 0, 0), "2026-03-08 03:00:00", -14400, "EDT", 1);
    check_local("America/New_York", utc(2026, 11, 1, 5, 59, 59), "2026-11-01 01:59:59", -14400, "EDT", 1);
    check_local("America/New_York", utc(2026, 11, 1, 6, 0, 0), "2026-11-01 01:00:00", -18000, "EST", 0);
    /* Asia/Kolkata: +05:30, no DST */
    check_local("Asia/Kolkata", utc(2026, 6, 1, 20, 0, 0), "2026-06-02 01:30:00", 19800, "IST", 0);
    /* Australia/Lord_Howe: +10:30, DST +11:00 (30 minutes); 2026-04-05 02:00 local → 01:30 */
    check_local("Australia/Lord_Howe", utc(2026, 4, 4, 14, 59, 59), "2026-04-05 01:59:59", 39600, "+11", 1);
    check_local("Australia/Lord_Howe", utc(2026, 4, 4, 15, 0, 0), "2026-04-05 01:30:00", 37800, "+1030", 0);
    check_local("Australia/Lord_Howe", utc(2026, 10, 3, 15, 29, 59), "2026-10-04 01:59:59", 37800, "+1030", 0);
    check_local("Australia/Lord_Howe", utc(2026, 10, 3, 15, 30, 0), "2026-10-04 02:30:00", 39600, "+11", 1);
    /* UTC: built in and from the file */
    check_local("UTC", 0, "1970-01-01 00:00:00", 0, "UTC", 0);
    check_local(NULL, utc(2026, 1, 1, 0, 0, 0), "2026-01-01 00:00:00", 0, "UTC", 0);
    check_local("Etc/UTC", utc(2026, 1, 1, 0, 0, 0), "2026-01-01 00:00:00", 0, "UTC", 0);
    /* far past the last transition (tzdata's files stop at 2037): the footer rule decides */
    check_local("Europe/Berlin", utc(2100, 7, 1, 12, 0, 0), "2100-07-01 14:00:00", 7200, "CEST", 1);
    check_local("Europe/Berlin", utc(2100, 3, 28, 0, 59, 59), "2100-03-28 01:59:59", 3600, "CET", 0);
    check_local("Europe/Berlin", utc(2100, 3, 28, 1, 0, 0), "2100-03-28 03:00:00", 7200, "CEST", 1);
    check_local("Europe/Berlin", utc(2100, 10, 31, 1, 0, 0), "2100-10-31 02:00:00", 3600, "CET", 0);
    check_local("Australia/Lord_Howe", utc(2200, 1, 1, 0, 0, 0), "2200-01-01 11:00:00", 39600, "+11", 1);
    check_local("America/New_York", utc(2500, 12, 25, 17, 0, 0), "2500-12-25 12:00:00", -18000, "EST", 0);
    /* errors */
    struct i18n_time lt;
    CHECK_INT(i18n_localtime("Mars/Olympus", 0, &lt, err, sizeof err), -1);
    CHECK_STR(err, "unknown time zone 'Mars/Olympus'");
    CHECK_INT(i18n_localtime("Europe", 0, &lt, err, sizeof err), -1); /* a directory */
    CHECK_STR(err, "unknown time zone 'Europe'");
    CHECK_INT(i18n_localtime("../../etc/passwd", 0, &lt, err, sizeof err), -1);
    CHECK_STR(err, "invalid time zone name '../../etc/passwd'");
    CHECK_INT(i18n_localtime("zone.tab", 0, &lt, err, sizeof err), -1);
    const struct i18n_zone *z = i18n_zone_get("Europe/Berlin", err, sizeof err);
    CHECK(z != NULL && z == i18n_zone_get("Europe/Berlin", err, sizeof err)); /* cached */
    CHECK_STR(i18n_zone_name(z), "Europe/Berlin");
    CHECK(i18n_zone_get("right/Europe/Berlin", err, sizeof err) == NULL);
    CHECK(strstr(err, "leap") != NULL || strstr(err, "unknown") != NULL);
}

static void test_zone_names(void)
{
    CHECK(i18n_zone_name_ok("Europe/Berlin"));
    CHECK(i18n_zone_name_ok("America/Argentina/Buenos_Aires"));
    CHECK(i18n_zone_name_ok("Etc/GMT+5"));
    CHECK(i18n_zone_name_ok("Etc/GMT-14"));
    CHECK(!i18n_zone_name_ok(NULL));
    CHECK(!i18n_zone_name_ok(""));
    CHECK(!i18n_zone_name_ok("/etc/passwd"));
    CHECK(!i18n_zone_name_ok("../etc/passwd"));
    CHECK(!i18n_zone_name_ok("Europe/../../etc"));
    CHECK(!i18n_zone_name_ok("Europe/."));
    CHECK(!i18n_zone_name_ok("Europe//Berlin"));
    CHECK(!i18n_zone_name_ok("Europe/"));
    CHECK(!i18n_zone_name_ok("Europe/Berlin\n"));
    CHECK(!i18n_zone_name_ok("Europe Berlin"));
    CHECK(!i18n_zone_name_ok("Europe\\Berlin"));
    char longname[300];
    memset(longname, 'A', 299);
    longname[299] = 0;
    CHECK(!i18n_zone_name_ok(longname));
}

/* hand-made TZif data: footer only, v1, and malformed files */
static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t tzif_header(unsigned char *p, char version, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt)
{
    memset(p, 0, 44);
    memcpy(p, "TZif", 4);
    p[4] = (unsigned char)version;
    put32(p + 32, timecnt);
    put32(p + 36, typecnt);
    put32(p + 40, charcnt);
    return 44;
}

static void test_tzif_parse(void)
{
    unsigned char d[512];
    size_t n = 0;
    /* v2, no transitions, one type, footer with a southern-hemisphere rule */
    n += tzif_header(d + n, '2', 0, 1, 4);
    n += put32(d + n, 0);
    d[n++] = 0;
    d[n++] = 0;
    memcpy(d + n, "LMT", 4);
    n += 4; /* v1 */
    n += tzif_header(d + n, '2', 0, 1, 4);
    n += put32(d + n, 0);
    d[n++] = 0;
    d[n++] = 0;
    memcpy(d + n, "LMT", 4);
    n += 4; /* v2 */
    const char *footer = "\n<+1030>-10:30<+11>-11,M10.1.0,M4.1.0\n";
    memcpy(d + n, footer, strlen(footer));
    n += strlen(footer);
    struct i18n_zone *z = i18n_zone_parse("test", d, n, err, sizeof err);
    CHECK(z != NULL);
    if (z) {
        struct i18n_time lt;
        i18n_zone_local(z, utc(2030, 1, 15, 0, 0, 0), &lt);
        CHECK_INT(lt.utoff, 39600);
        CHECK_STR(lt.abbr, "+11");
        i18n_zone_local(z, utc(2030, 6, 15, 0, 0, 0), &lt);
        CHECK_INT(lt.utoff, 37800);
        CHECK_STR(lt.abbr, "+1030");
        i18n_zone_free(z);
    }
    /* a truncated file, a bad magic, a bad footer */
    CHECK(i18n_zone_parse("t", d, 60, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad zone file 't'") != NULL);
    CHECK(i18n_zone_parse("t", "TZjf", 4, err, sizeof err) == NULL);
    unsigned char bad[512];
    memcpy(bad, d, n);
    memcpy(bad + n - strlen(footer), "\nXX-1\n", 6);
    CHECK(i18n_zone_parse("t", bad, n - strlen(footer) + 6, err, sizeof err) == NULL);
    CHECK(strstr(err, "bad TZ string 'XX-1'") != NULL);
    /* v1: 32-bit transitions, no footer */
    n = tzif_header(d, 0, 1, 2, 8);
    n += put32(d + n, 1000);
    d[n++] = 1;
    n += put32(d + n, 0);
    d[n++] = 0;
    d[n++] = 0;
    n += put32(d + n, 7200);
    d[n++] = 1;
    d[n++] = 4;
    memcpy(d + n, "AAA\0BBB", 8);
    n += 8;
    z = i18n_zone_parse("v1", d, n, err, sizeof err);
    CHECK(z != NULL);
    if (z) {
        struct i18n_time lt;
        i18n_zone_local(z, 999, &lt);
        CHECK_STR(lt.abbr, "AAA");
        i18n_zone_local(z, 1000, &lt);
        CHECK_STR(lt.abbr, "BBB");
        CHECK_INT(lt.hour, 2);
        i18n_zone_free(z);
    }
    d[44 + 4] = 5; /* type index out of range */
    CHECK(i18n_zone_parse("v1", d, n, err, sizeof err) == NULL);
}

/* random times in many zones, compared with glibc */
static void test_against_glibc(void)
{
    static const char *const zones[] = {
        "Europe/Berlin",      "America/New_York",  "Asia/Kolkata",      "Australia/Lord_Howe", "UTC",
        "Europe/London",      "America/Sao_Paulo", "Africa/Casablanca", "Pacific/Chatham",     "America/St_Johns",
        "Asia/Tehran",        "Europe/Dublin",     "Pacific/Apia",      "America/Santiago",    "Asia/Kathmandu",
        "Australia/Adelaide", "Europe/Moscow"};
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    long mismatches = 0, total = 0;
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        setenv("TZ", zones[zi], 1);
        tzset();
        for (int i = 0; i < 400; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            /* 1902 .. 2150, with extra weight on the years around now */
            int64_t lo = -2145916800LL, span = 7826284800LL;
            if (i % 2) {
                lo = 1577836800LL;
                span = 631152000LL;
            } /* 2020 .. 2040 */
            int64_t t = lo + (int64_t)(seed % (uint64_t)span);
            if (i % 7 == 0) t -= t % 1800; /* hit transition instants more often */
            time_t tt = (time_t)t;
            struct tm g;
            localtime_r(&tt, &g);
            struct i18n_time lt;
            if (i18n_localtime(zones[zi], t, &lt, err, sizeof err)) {
                mismatches++;
                continue;
            }
            total++;
            if (lt.year != g.tm_year + 1900 || lt.month != g.tm_mon + 1 || lt.day != g.tm_mday ||
                lt.hour != g.tm_hour || lt.minute != g.tm_min || lt.second != g.tm_sec || lt.wday != g.tm_wday ||
                lt.yday != g.tm_yday || lt.utoff != g.tm_gmtoff || lt.isdst != g.tm_isdst ||
                strcmp(lt.abbr, g.tm_zone) != 0) {
                if (mismatches++ < 10)
                    printf("#   %s t=%lld: ours %04lld-%02d-%02d %02d:%02d %d %s dst=%d, glibc "
                           "%04d-%02d-%02d %02d:%02d %ld %s dst=%d\n",
                           zones[zi], (long long)t, (long long)lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.utoff,
                           lt.abbr, lt.isdst, g.tm_year + 1900, g.tm_mon + 1, g.tm_mday, g.tm_hour, g.tm_min,
                           g.tm_gmtoff, g.tm_zone, g.tm_isdst);
            }
        }
    }
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else unsetenv("TZ");
    tzset();
    printf("# %ld times compared with glibc, %ld mismatches\n", total, mismatches);
    CHECK_INT(mismatches, 0);
    CHECK(total >= 6000);
}

/* many threads loading and using zones at once: the cache hands out one zone per name
 * and every thread gets the same answers */
struct thr {
    const char *zone;
    int64_t t;
    int bad;
    const struct i18n_zone *z;
};

static void *thread_main(void *arg)
{
    struct thr *a = arg;
    char e[128];
    a->z = i18n_zone_get(a->zone, e, sizeof e);
    for (int i = 0; i < 20000 && a->z; i++) {
        struct i18n_time lt, ref;
        if (i18n_localtime(a->zone, a->t + i * 3607, &lt, e, sizeof e)) {
            a->bad++;
            continue;
        }
        i18n_zone_local(a->z, a->t + i * 3607, &ref);
        if (lt.year != ref.year || lt.month != ref.month || lt.day != ref.day || lt.hour != ref.hour ||
            lt.minute != ref.minute || lt.utoff != ref.utoff || lt.isdst != ref.isdst || strcmp(lt.abbr, ref.abbr) != 0)
            a->bad++;
    }
    return NULL;
}

static void test_threads(void)
{
    static const char *const zones[] = {"America/Chicago", "Asia/Tokyo",   "Europe/Paris",     "America/Chicago",
                                        "Asia/Tokyo",      "Europe/Paris", "Pacific/Auckland", "Pacific/Auckland"};
    enum { N = sizeof zones / sizeof zones[0] };
    pthread_t th[N];
    struct thr a[N];
    for (int i = 0; i < N; i++) {
        a[i] = (struct thr){zones[i], utc(2020, 1, 1, 0, 0, 0), 0, NULL};
        CHECK_INT(pthread_create(&th[i], NULL, thread_main, &a[i]), 0);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        CHECK(a[i].z != NULL);
        CHECK_INT(a[i].bad, 0);
    }
    CHECK(a[0].z == a[3].z && a[1].z == a[4].z && a[2].z == a[5].z && a[6].z == a[7].z);
}

static void test_speed(void)
{
    struct timespec t0, t1;
    int n = 1000000;
    struct i18n_time lt;
    char buf[I18N_TEXT_MAX];
    int64_t t = utc(2018, 11, 12, 15, 3, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        i18n_localtime("Europe/Berlin", t + i * 61, &lt, err, sizeof err);
        i18n_format_time(I18N_DE, &lt, I18N_FULL, buf, sizeof buf);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# localtime + format: %.0f/s\n", n / s);
    CHECK(s < 30);
}


/* ---- the translation tables: one per language, every value the code knows in each ---- */

/* words that are the same in both languages on purpose */
static int same_on_purpose(const char *w)
{
    static const char *const same[] = {"IBAN", "BIC", "NIS2", NULL};
    for (int i = 0; same[i]; i++)
        if (!strcmp(w, same[i])) return 1;
    return 0;
}

/* both tables hold the same (domain, key) pairs once each, every text non-empty */
static void test_terms_tables(void)
{
    size_t n[2] = {0, 0};
    for (int l = 0; l < 2; l++) {
        const struct i18n_term *t;
        for (size_t i = 0; (t = i18n_term_at((enum i18n_lang)l, i)) != NULL; i++) {
            n[l]++;
            CHECK(t->text[0] != 0);
            const struct i18n_term *u;
            for (size_t j = 0; j < i && (u = i18n_term_at((enum i18n_lang)l, j)) != NULL; j++)
                if (!strcmp(u->domain, t->domain) && !strcmp(u->key, t->key)) {
                    printf("#   %s: %s/%s twice\n", i18n_lang_code((enum i18n_lang)l), t->domain, t->key);
                    CHECK(0);
                }
            const char *other = i18n_term(l ? I18N_EN : I18N_DE, t->domain, t->key);
            if (!other) printf("#   %s/%s: no word in %s\n", t->domain, t->key, l ? "en" : "de");
            CHECK(other != NULL);
        }
    }
    CHECK_INT(n[0], n[1]);
    CHECK(n[0] > 300);
    CHECK(i18n_term(I18N_DE, "cause", "no-such-cause") == NULL);
    CHECK_STR(i18n_term_or(I18N_DE, "field", "loyalty-points"), "loyalty-points"); /* typed: stays */
}

static int untranslated; /* counted by word_ok */

/* the value has a word in each language, and the German one is not the English one */
static void word_ok(const char *domain, const char *key)
{
    const char *en = i18n_term(I18N_EN, domain, key), *de = i18n_term(I18N_DE, domain, key);
    if (en && de && (strcmp(en, de) || same_on_purpose(de))) return;
    untranslated++;
    printf("#   untranslated: %s/%s (en \"%s\", de \"%s\")\n", domain, key, en ? en : "-", de ? de : "-");
}

/* every value of the register's enumerations, the timeline's kinds and the fields klartext knows */
static void test_terms_register_values(void)
{
    static const struct {
        int field;
        const char *domain;
    } sets[] = {{IF_BREACH_TYPES, "breach_type"},
                {IF_BREACH_TYPES, "breach_type.long"},
                {IF_CAUSE, "cause"},
                {IF_STATUS, "status"},
                {IF_SUBJECT_CATEGORIES, "subject"}};
    /* every kind incident_event_add is called with (src/), and the kinds of 'incident event' */
    static const char *const events[] = {"aware",       "created",       "status",    "notified", "contained",
                                         "nis2",        "update",        "scan",      "evidence", "finding",
                                         "subjects",    "assessment",    "decision",  "filing",   "note",
                                         "containment", "communication", "published", NULL};
    untranslated = 0;
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (const char *const *c = inc_fields[sets[s].field].choices; *c; c++) word_ok(sets[s].domain, *c);
    for (const char *const *c = inc_fields[IF_CAUSE].choices; *c; c++)
        if (strcmp(*c, "other") && strcmp(*c, "unknown")) word_ok("cause.letter", *c);
    for (size_t i = 0; events[i]; i++) word_ok("event", events[i]);
    const char *f;
    size_t nf = 0;
    for (size_t i = 0; (f = assessment_known_field(i)) != NULL; i++, nf++) {
        word_ok("field", f);
        word_ok("field.your", f);
    }
    CHECK(nf >= 150);
    word_ok("bool", "yes");
    word_ok("bool", "no");
    word_ok("lang", "de");
    word_ok("lang", "en");
    CHECK_INT(untranslated, 0);
}

/* every input of the assessment, its values, the levels, bands, sources and duties */
static void test_terms_assessment_values(void)
{
    untranslated = 0;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        enum enisa_key key = (enum enisa_key)k;
        word_ok("assess.key", enisa_key_name(key));
        for (long long v = 0; v <= 4; v++) {
            const char *name = enisa_value_name(key, v);
            if (!name) continue;
            char b1[64], b2[64];
            const char *en = assessment_value_label(key, v, 0, b1, sizeof b1);
            const char *de = assessment_value_label(key, v, 1, b2, sizeof b2);
            if (!strcmp(en, "?") || !strcmp(de, "?") || (!strcmp(en, de) && !same_on_purpose(de))) {
                untranslated++;
                printf("#   untranslated: %s = %s (en \"%s\", de \"%s\")\n", enisa_key_name(key), name, en, de);
            }
        }
    }
    for (int l = 0; l <= PROPOSAL_HIGH_RISK; l++) word_ok("level", proposal_level_name((enum proposal_level)l));
    for (int b = 0; b <= ENISA_VERY_HIGH; b++) {
        word_ok("band", enisa_band_name((enum enisa_band)b));
        word_ok("band.meaning", enisa_band_name((enum enisa_band)b));
    }
    for (int s = ENISA_SRC_UNSET; s <= ENISA_SRC_PERSON; s++)
        word_ok("source", enisa_source_name((enum enisa_source)s));
    for (int p = 0; p <= PROPOSAL_PEOPLE_PUBLIC; p++) word_ok("people", proposal_people_name((enum proposal_people)p));
    char b[64];
    CHECK_STR(assessment_value_label(ENISA_K_UNAVAILABLE, 7200, 1, b, sizeof b), "5 Tage");
    CHECK_STR(assessment_value_label(ENISA_K_SPECIAL, ENISA_SPECIAL_MINOR, 1, b, sizeof b), "eine geringfügige Angabe");
    CHECK_STR(assessment_value_label(ENISA_K_SUBJECTS_MAX, -1, 1, b, sizeof b), "nicht angegeben");
    CHECK_INT(untranslated, 0);
}

int main(void)
{
    RUN(test_names);
    RUN(test_dates);
    RUN(test_durations);
    RUN(test_numbers);
    RUN(test_zones);
    RUN(test_zone_names);
    RUN(test_tzif_parse);
    RUN(test_against_glibc);
    RUN(test_threads);
    RUN(test_speed);
    RUN(test_terms_tables);
    RUN(test_terms_register_values);
    RUN(test_terms_assessment_values);
    i18n_zone_cache_clear();
    return check_done();
}
