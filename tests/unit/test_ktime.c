/* Unit tests: time parsing/formatting, local time across DST, deadlines, INI. */
#include "check.h"
#include "util/deadline.h"
#include "util/ini.h"
#include "util/ktime.h"
#include <stdlib.h>

static int64_t T(const char *s)
{
    int64_t t = -1;
    char err[256];
    if (kt_time_parse(s, &t, err, sizeof err)) printf("#   parse '%s': %s\n", s, err);
    return t;
}

static int bad(const char *s)
{
    int64_t t;
    char err[256];
    return kt_time_parse(s, &t, err, sizeof err) != 0;
}

static void test_parse_forms(void)
{
    CHECK_INT(T("1970-01-01T00:00:00Z"), 0);
    CHECK_INT(T("2026-11-20T09:17:00+01:00"), 1795162620);
    CHECK_INT(T("2026-11-20T08:17:00Z"), 1795162620);
    CHECK_INT(T("2026-11-20T09:17:00+0100"), 1795162620);
    CHECK_INT(T("2026-11-20T09:17+01"), 1795162620);
    CHECK_INT(T("2026-11-20 08:17:00.999Z"), 1795162620);
    CHECK_INT(T("2026-11-20T02:47:00-05:30"), 1795162620);
    CHECK_INT(T("2024-02-29T12:00:00Z"), 1709208000);
    CHECK_INT(T("1969-12-31T23:59:59Z"), -1);
}

static void test_parse_rejects(void)
{
    CHECK(bad("2026-11-20T09:17:00")); /* no zone: an error, not a guess */
    CHECK(bad("2026-11-20"));
    CHECK(bad("2026-11-31T10:00:00Z")); /* 31 November */
    CHECK(bad("2025-02-29T10:00:00Z")); /* not a leap year */
    CHECK(bad("2026-11-20T24:00:00Z"));
    CHECK(bad("2026-11-20T23:60:00Z"));
    CHECK(bad("2026-13-01T10:00:00Z"));
    CHECK(bad("2026-11-20T10:00:00+25:00"));
    CHECK(bad("2026-11-20T10:00:00Zjunk"));
    CHECK(bad("20/Nov/2026:10:00:00 +0100"));
    CHECK(bad(""));
    int64_t t;
    char err[256];
    kt_time_parse("2026-11-20T09:17", &t, err, sizeof err);
    CHECK(strstr(err, "no time zone") != NULL);
}

static void test_format_iso(void)
{
    char b[KT_ISO_LEN];
    kt_time_iso(1795162620, b);
    CHECK_STR(b, "2026-11-20T08:17:00Z");
    kt_time_iso(-1, b);
    CHECK_STR(b, "1969-12-31T23:59:59Z");
    kt_time_iso(951782400, b); /* 2000-02-29 */
    CHECK_STR(b, "2000-02-29T00:00:00Z");
}

static void test_civil_roundtrip(void)
{
    for (int64_t d = -800000; d < 800000; d += 37) {
        int64_t y;
        unsigned m, dd;
        kt_civil_from_days(d, &y, &m, &dd);
        if (kt_days_from_civil(y, m, dd) != d) {
            CHECK(0);
            break;
        }
    }
}

static void test_local_dst(void)
{
    struct tm tm;
    long off;
    char abbr[16];
    /* Europe/Berlin: CET → CEST at 2026-03-29 01:00 UTC, back at 2026-10-25 01:00 UTC */
    CHECK_INT(kt_time_local(T("2026-03-29T00:59:59Z"), "Europe/Berlin", &tm, &off, abbr, sizeof abbr), 0);
    CHECK_INT(off, 3600);
    CHECK_STR(abbr, "CET");
    CHECK_INT(tm.tm_hour, 1);
    kt_time_local(T("2026-03-29T01:00:00Z"), "Europe/Berlin", &tm, &off, abbr, sizeof abbr);
    CHECK_INT(off, 7200);
    CHECK_STR(abbr, "CEST");
    CHECK_INT(tm.tm_hour, 3);
    kt_time_local(T("2026-10-25T00:59:59Z"), "Europe/Berlin", &tm, &off, abbr, sizeof abbr);
    CHECK_INT(off, 7200);
    CHECK_INT(tm.tm_hour, 2);
    kt_time_local(T("2026-10-25T01:00:00Z"), "Europe/Berlin", &tm, &off, abbr, sizeof abbr);
    CHECK_INT(off, 3600);
    CHECK_INT(tm.tm_hour, 2);
    CHECK_STR(abbr, "CET");
    kt_time_local(T("2026-11-20T08:17:00Z"), "Asia/Kolkata", &tm, &off, abbr, sizeof abbr);
    CHECK_INT(off, 19800);
    CHECK_INT(tm.tm_hour, 13);
    CHECK_INT(tm.tm_min, 47);
    kt_time_local(T("2026-11-20T08:17:00Z"), "UTC", &tm, &off, abbr, sizeof abbr);
    CHECK_INT(off, 0);
    CHECK_STR(abbr, "UTC");
    CHECK(kt_time_local(0, "Mars/Olympus", &tm, &off, abbr, sizeof abbr) != 0);
    CHECK(kt_time_local(0, "../../etc/passwd", &tm, &off, abbr, sizeof abbr) != 0);
    CHECK(!kt_zone_valid("/etc/passwd"));
    CHECK(kt_zone_valid("America/New_York"));
}

static void test_deadlines(void)
{
    struct deadlines d;
    /* aware 20 Nov 2026 09:17 CET: deadline 23 Nov 09:17 CET; Reg. 1182/71 end 23 Nov 10:00 CET */
    deadlines_compute(T("2026-11-20T09:17:00+01:00"), 72, 0, &d);
    CHECK_INT(d.authority, T("2026-11-23T09:17:00+01:00"));
    CHECK_INT(d.fristen_start, T("2026-11-20T10:00:00+01:00"));
    CHECK_INT(d.fristen_end, T("2026-11-23T10:00:00+01:00"));
    CHECK_INT(d.nis2_warning, T("2026-11-21T09:17:00+01:00"));
    CHECK_INT(d.nis2_final, 0);
    /* the mkm.legal example: aware 22.12.2020 12:17 → end 25.12.2020 13:00 (a holiday: no extension) */
    deadlines_compute(T("2020-12-22T12:17:00+01:00"), 72, 0, &d);
    CHECK_INT(d.fristen_end, T("2020-12-25T13:00:00+01:00"));
    /* awareness exactly on the hour: that hour is not counted either */
    deadlines_compute(T("2026-11-20T09:00:00Z"), 72, 0, &d);
    CHECK_INT(d.fristen_start, T("2026-11-20T10:00:00Z"));
    /* across the DST change: 72 h are 72 real hours, whatever the clock on the wall says */
    deadlines_compute(T("2026-10-23T09:30:00+02:00"), 72, 0, &d);
    CHECK_INT(d.authority, T("2026-10-26T08:30:00+01:00"));
    /* India: the next full UTC hour is at :30 local */
    deadlines_compute(T("2026-11-20T10:10:00+05:30"), 72, 0, &d);
    CHECK_INT(d.fristen_start, T("2026-11-20T05:00:00Z"));
    /* NIS2 final report: one month after the notification, clamped to the month's end */
    deadlines_compute(T("2027-01-30T10:00:00Z"), 72, T("2027-01-31T10:00:00Z"), &d);
    CHECK_INT(d.nis2_final, T("2027-02-28T10:00:00Z"));
    deadlines_compute(T("2028-01-30T10:00:00Z"), 72, T("2028-01-31T10:00:00Z"), &d);
    CHECK_INT(d.nis2_final, T("2028-02-29T10:00:00Z"));
    CHECK_INT(kt_add_months(T("2026-12-15T00:00:00Z"), 1), T("2027-01-15T00:00:00Z"));
}

struct seen {
    char log[2048];
};
static int cb(void *ctx, const char *sec, const char *sub, const char *key, const char *val, int line, char *err,
              size_t errlen)
{
    struct seen *s = ctx;
    size_t n = strlen(s->log);
    if (key && !strcmp(key, "reject")) {
        snprintf(err, errlen, "unknown key 'reject'");
        return -1;
    }
    snprintf(s->log + n, sizeof s->log - n, "%d:%s|%s|%s=%s;", line, sec, sub ? sub : "-", key ? key : "*",
             val ? val : "*");
    return 0;
}

static void test_ini(void)
{
    struct seen s = {""};
    char err[256];
    const char txt[] =
        "\xEF\xBB\xBF# comment\r\ntop = 1\n\n[exposure \"profile page\"]\n  request = ^/a/([0-9]+)#x \n; c\nempty =\n[dpo]\nname=Jana";
    CHECK_INT(ini_parse(txt, sizeof txt - 1, cb, &s, err, sizeof err), 0);
    CHECK_STR(
        s.log,
        "2:|-|top=1;4:exposure|profile page|*=*;5:exposure|profile page|request=^/a/([0-9]+)#x;7:exposure|profile page|empty=;8:dpo|-|*=*;9:dpo|-|name=Jana;");
    s.log[0] = 0;
    const char t2[] = "a = 1\nreject = 2\n";
    CHECK_INT(ini_parse(t2, sizeof t2 - 1, cb, &s, err, sizeof err), -1);
    CHECK_STR(err, "line 2: unknown key 'reject'");
    const char t3[] = "a = 1\njust words\n";
    CHECK_INT(ini_parse(t3, sizeof t3 - 1, cb, &s, err, sizeof err), -1);
    CHECK_STR(err, "line 2: expected 'key = value'");
    const char t4[] = "[open\n";
    CHECK_INT(ini_parse(t4, sizeof t4 - 1, cb, &s, err, sizeof err), -1);
    const char t5[] = "a b = 1\n";
    CHECK_INT(ini_parse(t5, sizeof t5 - 1, cb, &s, err, sizeof err), -1);
    const char t6[] = "a = 1\0b\n";
    CHECK_INT(ini_parse(t6, sizeof t6 - 1, cb, &s, err, sizeof err), -1);
}

static void test_period(void)
{
    struct kt_period p;
    char err[200];
    CHECK_INT(kt_period_parse("P6M", &p, err, sizeof err), 0);
    CHECK_INT(p.months, 6);
    CHECK_INT(kt_period_add(T("2026-08-31T10:00:00Z"), &p), T("2027-02-28T10:00:00Z"));
    CHECK_INT(kt_period_parse("P1Y2M3W4DT5H6M7S", &p, err, sizeof err), 0);
    CHECK_INT(p.years * 1000000 + p.months * 100000 + p.weeks * 10000 + p.days * 1000 + p.hours * 100 + p.minutes * 10 +
                  p.seconds,
              1234567);
    CHECK_INT(kt_period_parse("P30D", &p, err, sizeof err), 0);
    CHECK_INT(kt_period_add(T("2026-01-01T00:00:00Z"), &p), T("2026-01-31T00:00:00Z"));
    CHECK_INT(kt_period_parse("PT36H", &p, err, sizeof err), 0);
    CHECK_INT(kt_period_add(T("2026-01-01T00:00:00Z"), &p), T("2026-01-02T12:00:00Z"));
    CHECK_INT(kt_period_parse("P0D", &p, err, sizeof err), 0);
    CHECK_INT(kt_period_add(T("2026-01-01T00:00:00Z"), &p), T("2026-01-01T00:00:00Z"));
    CHECK_INT(kt_period_parse("P4Y", &p, err, sizeof err), 0);
    CHECK_INT(kt_period_add(T("2024-02-29T00:00:00Z"), &p), T("2028-02-29T00:00:00Z"));
    static const char *const bads[] = {"",    "6M",   "P",    "PT",   "P6",      "P6X",  "P1.5Y", "P1M2Y", "P6m",
                                       "P1H", "PT1D", "P1MM", "P-1D", "P99999D", "P1DT", " P6M",  NULL};
    for (int i = 0; bads[i]; i++) {
        err[0] = 0;
        CHECK_INT(kt_period_parse(bads[i], &p, err, sizeof err), -1);
        CHECK(err[0] != 0);
    }
    kt_period_parse("P6X", &p, err, sizeof err);
    CHECK_STR(err, "'P6X': unknown or misplaced unit 'X' (durations are written like P6M, P30D, P1Y6M, P2W, PT12H)");
    kt_period_parse("P1.5Y", &p, err, sizeof err);
    CHECK(strstr(err, "fractions are not supported") != NULL);
}

int main(void)
{
    RUN(test_period);
    RUN(test_parse_forms);
    RUN(test_parse_rejects);
    RUN(test_format_iso);
    RUN(test_civil_roundtrip);
    RUN(test_local_dst);
    RUN(test_deadlines);
    RUN(test_ini);
    return check_done();
}
