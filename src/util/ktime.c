#include "util/ktime.h"
#include "util/err.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t kt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void kt_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int kt_days_in_month(int64_t y, unsigned m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) && ((a < 0) != (b < 0))) q--;
    return q;
}

void kt_gmtime(int64_t t, struct tm *tm)
{
    int64_t days = floordiv(t, 86400), rem = t - days * 86400, y;
    unsigned m, d;
    kt_civil_from_days(days, &y, &m, &d);
    memset(tm, 0, sizeof *tm);
    tm->tm_year = (int)(y - 1900);
    tm->tm_mon = (int)m - 1;
    tm->tm_mday = (int)d;
    tm->tm_hour = (int)(rem / 3600);
    tm->tm_min = (int)(rem / 60 % 60);
    tm->tm_sec = (int)(rem % 60);
    tm->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    tm->tm_yday = (int)(days - kt_days_from_civil(y, 1, 1));
}

void kt_time_iso(int64_t t, char out[KT_ISO_LEN])
{
    struct tm tm;
    kt_gmtime(t, &tm);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(out, tmp, KT_ISO_LEN - 1);
    out[KT_ISO_LEN - 1] = 0;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int kt_time_parse(const char *s, int64_t *out, char *err, size_t errlen)
{
    const char *p = s;
    int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 1;
    if (!s || !*s) return err_set(err, errlen, "empty time");
    if (strlen(s) > 40) goto bad;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d)) goto bad;
    if (*p == 0) {
        return err_set(err, errlen, "'%s' is a date without a time and time zone (write e.g. %sT09:00:00+01:00)", s, s);
    }
    if (*p != 'T' && *p != 't' && *p != ' ') goto bad;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi)) goto bad;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec)) goto bad;
    }
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p)) goto bad;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 0) {
        return err_set(err, errlen, "'%s' has no time zone (add 'Z' for UTC or an offset such as '+01:00')", s);
    }
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (digits(&p, 2, &oh)) goto bad;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &om)) goto bad;
        } else if (isdigit((unsigned char)*p)) {
            if (digits(&p, 2, &om)) goto bad;
        }
        if (oh > 23 || om > 59) return err_set(err, errlen, "'%s' has an impossible UTC offset", s);
    } else goto bad;
    if (*p) goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > kt_days_in_month(y, (unsigned)mo) || h > 23 || mi > 59 || sec > 59) {
        return err_set(err, errlen, "'%s' is not a possible date and time", s);
    }
    *out = kt_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
           sign * (oh * 3600 + om * 60);
    return 0;
bad:
    return err_set(err, errlen,
                   "cannot read time '%.60s' (expected ISO 8601 with a zone, e.g. 2026-11-20T09:17:00+01:00)", s);
}

int64_t kt_add_months(int64_t t, int months)
{
    int64_t days = floordiv(t, 86400), rem = t - days * 86400, y;
    unsigned m, d;
    kt_civil_from_days(days, &y, &m, &d);
    int64_t mm = (int64_t)m - 1 + months;
    y += floordiv(mm, 12);
    m = (unsigned)(mm - floordiv(mm, 12) * 12) + 1;
    int dim = kt_days_in_month(y, m);
    if ((int)d > dim) d = (unsigned)dim;
    return kt_days_from_civil(y, m, d) * 86400 + rem;
}

static const char period_hint[] = "durations are written like P6M, P30D, P1Y6M, P2W, PT12H";

/* one "<number><unit>" of a duration at *S; the unit must be in UNITS. Returns the unit or 0 */
static char period_part(const char **s, const char *whole, const char *units, int *value, char *err, size_t errlen)
{
    const char *p = *s;
    long v = 0;
    if (!isdigit((unsigned char)*p)) {
        err_set(err, errlen, "'%s': expected a number at '%s' (%s)", whole, p, period_hint);
        return 0;
    }
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        if (v > KT_PERIOD_PART_MAX) {
            err_set(err, errlen, "'%s': a number above %d", whole, KT_PERIOD_PART_MAX);
            return 0;
        }
    }
    if (!*p || !strchr(units, *p)) {
        if (*p == '.' || *p == ',') err_set(err, errlen, "'%s': fractions are not supported (%s)", whole, period_hint);
        else if (*p) err_set(err, errlen, "'%s': unknown or misplaced unit '%c' (%s)", whole, *p, period_hint);
        else err_set(err, errlen, "'%s': a number without its unit (%s)", whole, period_hint);
        return 0;
    }
    *value = (int)v;
    *s = p + 1;
    return p[0];
}

int kt_period_parse(const char *s, struct kt_period *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (s[0] != 'P') return err_set(err, errlen, "'%s' is not an ISO 8601 duration (%s)", s, period_hint);
    const char *c = s + 1, *date_units = "YMWD", *time_units = "HMS";
    int parts = 0, in_time = 0;
    while (*c) {
        if (*c == 'T' && !in_time) {
            in_time = 1;
            c++;
            if (!*c) return err_set(err, errlen, "'%s': nothing after 'T' (%s)", s, period_hint);
            continue;
        }
        const char *units = in_time ? time_units : date_units;
        int v = 0;
        char u = period_part(&c, s, units, &v, err, errlen);
        if (!u) return -1;
        int *slot = in_time ? (u == 'H'   ? &p->hours
                               : u == 'M' ? &p->minutes
                                          : &p->seconds)
                            : (u == 'Y'   ? &p->years
                               : u == 'M' ? &p->months
                               : u == 'W' ? &p->weeks
                                          : &p->days);
        *slot = v;
        /* each unit once and in order: what follows may use only the units after this one */
        if (in_time) time_units = strchr(time_units, u) + 1;
        else date_units = strchr(date_units, u) + 1;
        parts++;
    }
    if (!parts) return err_set(err, errlen, "'%s': a duration needs at least one part (%s)", s, period_hint);
    return 0;
}

int64_t kt_period_add(int64_t t, const struct kt_period *p)
{
    int64_t r = kt_add_months(t, p->years * 12 + p->months);
    return r + ((((int64_t)p->weeks * 7 + p->days) * 24 + p->hours) * 60 + p->minutes) * 60 + p->seconds;
}

void kt_duration_short(int64_t s, char *out, size_t len)
{
    if (s < 0) s = -s;
    int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
    if (s < 60) snprintf(out, len, "%lld s", (long long)s);
    else if (s < 3600) snprintf(out, len, "%lld min", (long long)m);
    else if (s < 96 * 3600) snprintf(out, len, "%lld h %02lld min", (long long)(s / 3600), (long long)m);
    else snprintf(out, len, "%lld d %lld h %02lld min", (long long)d, (long long)h, (long long)m);
}

int kt_now(int64_t *out, char *err, size_t errlen)
{
    const char *e = getenv("KLARTEXT_NOW");
    if (e && *e) {
        char e2[200];
        if (kt_time_parse(e, out, e2, sizeof e2)) {
            return err_set(err, errlen, "KLARTEXT_NOW: %s", e2);
        }
        return 0;
    }
    *out = (int64_t)time(NULL);
    return 0;
}

int kt_zone_valid(const char *zone)
{
    if (!zone || !*zone || zone[0] == '/' || strlen(zone) > 100 || strstr(zone, "..")) return 0;
    for (const char *c = zone; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '/' || *c == '_' || *c == '-' || *c == '+')) return 0;
    char path[256], magic[4];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, magic, 4);
    close(fd);
    return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

int kt_time_local(int64_t t, const char *zone, struct tm *tm, long *gmtoff, char *abbr, size_t abbrlen)
{
    if (!zone || !*zone || strcmp(zone, "UTC") == 0) {
        kt_gmtime(t, tm);
        *gmtoff = 0;
        snprintf(abbr, abbrlen, "UTC");
        return 0;
    }
    if (!kt_zone_valid(zone)) return -1;
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    char tzv[128];
    snprintf(tzv, sizeof tzv, ":%s", zone);
    setenv("TZ", tzv, 1);
    tzset();
    time_t tt = (time_t)t;
    int rc = localtime_r(&tt, tm) ? 0 : -1;
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else unsetenv("TZ");
    tzset();
    if (rc) return -1;
    *gmtoff = tm->tm_gmtoff;
    snprintf(abbr, abbrlen, "%s", tm->tm_zone ? tm->tm_zone : "");
    /* zones without an abbreviation show a numeric one such as "+0530" */
    return 0;
}
