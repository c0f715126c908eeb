/* ktime.h — times as int64 seconds since the epoch, UTC (libc only).
 *
 * Parsing is strict ISO 8601 with a zone: "2026-11-20T09:17:00+01:00", "…Z", "…+0100",
 * "…+01", seconds optional, fractions accepted and truncated, ' ' allowed instead of 'T'.
 * A time without a zone is an error, never a guess; impossible dates (31 Nov, 24:00, 25:00)
 * are errors. Formatting never depends on the locale. */
#ifndef KT_KTIME_H
#define KT_KTIME_H
#include <stdint.h>
#include <stddef.h>
#include <time.h>

#define KT_ISO_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/* 0 and *out set, or -1 with err: "'2026-11-20T09:17' has no time zone (add Z or +01:00)" */
int kt_time_parse(const char *s, int64_t *out, char *err, size_t errlen);
/* "YYYY-MM-DDTHH:MM:SSZ" */
void kt_time_iso(int64_t t, char out[KT_ISO_LEN]);
/* days since 1970-01-01 for a proleptic Gregorian date, and back */
int64_t kt_days_from_civil(int64_t y, unsigned m, unsigned d);
void kt_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int kt_days_in_month(int64_t y, unsigned m);
/* UTC broken-down time (tm_year etc. as in struct tm; tm_wday set) */
void kt_gmtime(int64_t t, struct tm *tm);
/* t plus N calendar months in UTC; the day is clamped to the month's last day */
int64_t kt_add_months(int64_t t, int months);
/* An ISO 8601 duration ("P6M", "P30D", "P1Y6M", "P2W", "PT12H", "P1DT12H"): calendar parts (years,
 * months) and exact parts (weeks, days, hours, minutes, seconds), whole numbers only. */
struct kt_period {
    int years, months, weeks, days, hours, minutes, seconds;
};
#define KT_PERIOD_PART_MAX 9999 /* largest number one part may hold */
/* Parse S (upper case, as ISO 8601 writes it). Returns 0, or -1 with err ("'P6X': unknown unit 'X'
 * (durations are written P6M, P30D, P1Y6M, PT12H)"). */
int kt_period_parse(const char *s, struct kt_period *p, char *err, size_t errlen);
/* T plus P: the years and months in calendar months of UTC (the day clamped to the month's last
 * day, as kt_add_months), then the exact parts in seconds */
int64_t kt_period_add(int64_t t, const struct kt_period *p);
/* "3 d 4 h", "71 h 12 min", "12 min", "40 s" — compact, for status lines */
void kt_duration_short(int64_t secs, char *out, size_t len);
/* the clock: KLARTEXT_NOW (an ISO time) when set, else time(NULL). -1 + err if KLARTEXT_NOW is bad */
int kt_now(int64_t *out, char *err, size_t errlen);
/* Local time in an IANA zone ("Europe/Berlin"; NULL or "UTC" = UTC): broken-down time, UTC
 * offset in seconds and abbreviation ("CET"). Uses TZ + localtime_r: not thread-safe.
 * Returns -1 if the zone is unknown. */
int kt_time_local(int64_t t, const char *zone, struct tm *tm, long *gmtoff, char *abbr, size_t abbrlen);
/* does /usr/share/zoneinfo hold a valid TZif file of that (safe) name? */
int kt_zone_valid(const char *zone);
#endif
