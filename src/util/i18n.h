/* i18n.h — German and English dates, durations and numbers, and IANA time zones, without
 * setlocale or TZ (libc and src/util/ only, thread-safe).
 *
 * Formats (the idiomatic letter style of each language, 24-hour clock):
 *   en  "Thursday, 12 November 2018, 15:03 CET"    de  "Donnerstag, 12. November 2018, 15:03 Uhr MEZ"
 *   en  "8 days 8 hours", "1 hour 5 minutes", "less than a minute"
 *   de  "8 Tage 8 Stunden", "1 Stunde 5 Minuten", "weniger als eine Minute"
 *   en  "1,234"                                    de  "1.234"
 * German shows CET/CEST as MEZ/MESZ; other abbreviations stay as tzdata spells them, and
 * numeric ones ("+0530", "-03") are shown as "UTC+5:30", "UTC-3".
 *
 * Time zones are read from TZif files under /usr/share/zoneinfo (64-bit data of version 2+
 * files, 32-bit for version 1, and the POSIX TZ footer for times after the last transition).
 * Loaded zones are cached for the life of the process (a mutex guards the cache). */
#ifndef KT_I18N_H
#define KT_I18N_H
#include <stddef.h>
#include <stdint.h>

enum i18n_lang { I18N_EN = 0, I18N_DE = 1 };
/* grammatical gender of the counted noun (German "ein Tag", "eine Person") */
enum i18n_gender { I18N_MASC = 0, I18N_FEM = 1, I18N_NEUT = 2 };

#define I18N_ABBR_MAX 16 /* zone abbreviation incl. NUL */
#define I18N_TEXT_MAX 96 /* enough for every formatted date, duration or number */
#define I18N_ZONE_DIR "/usr/share/zoneinfo"

/* a local time: broken down, with the UTC offset in effect and the zone's abbreviation */
struct i18n_time {
    int64_t year;
    int month; /* 1..12 */
    int day; /* 1..31 */
    int hour, minute, second;
    int wday; /* 0 = Sunday */
    int yday; /* 0..365 */
    int32_t utoff; /* seconds east of UTC (+3600 for CET) */
    int isdst;
    char abbr[I18N_ABBR_MAX]; /* "CET", "CEST", "+0530", "UTC" */
};

struct i18n_zone; /* a loaded zone: immutable, shared, owned by the cache */

/* ---- languages and names ---- */

/* "de" or "en" → *out; -1 with err ("unknown language 'fr' (use de or en)") otherwise */
int i18n_lang_parse(const char *s, enum i18n_lang *out, char *err, size_t errlen);
/* "de" / "en" (static) */
const char *i18n_lang_code(enum i18n_lang lang);
/* month 1..12 → "November" / "November", "März"; weekday 0..6 (0 = Sunday) → "Thursday" /
 * "Donnerstag". Static strings; "" when out of range. */
const char *i18n_month_name(enum i18n_lang lang, int month);
const char *i18n_weekday_name(enum i18n_lang lang, int wday);
/* 1 when n takes the singular ("one") form in lang, else 0 ("other"); de and en: n == 1 */
int i18n_plural_is_one(enum i18n_lang lang, int64_t n);

/* ---- formatting ----
 * Each writes a NUL-terminated string into out[len] and returns 0, or -1 when it does not
 * fit (out then holds ""). I18N_TEXT_MAX bytes always suffice. */

enum {
    I18N_DATE = 1, /* "12 November 2018" / "12. November 2018" */
    I18N_WEEKDAY = 2, /* "Thursday, " before the date (implies I18N_DATE) */
    I18N_TIME = 4, /* "15:03" / "15:03 Uhr" (after ", " when with a date) */
    I18N_ZONE = 8, /* " CET" / " MEZ" after the time (or after the date without a time) */
    I18N_FULL = 15
};
int i18n_format_time(enum i18n_lang lang, const struct i18n_time *t, unsigned what, char *out, size_t len);
/* the abbreviation as shown to a reader of lang (see above) */
int i18n_format_zone(enum i18n_lang lang, const struct i18n_time *t, char *out, size_t len);
/* Convert `utc` (seconds since the epoch) to local time in `zone` and format it:
 * i18n_localtime + i18n_format_time. -1 with err for an unknown zone or too small out. */
int i18n_format_utc(enum i18n_lang lang, int64_t utc, const char *zone, unsigned what, char *out, size_t len, char *err,
                    size_t errlen);
/* Duration in words, the two largest units among days, hours, minutes; the rest is cut
 * off, not rounded ("8 days 8 hours" for 8 d 8 h 59 min; "2 days" for 2 d 0 h 5 min);
 * under a minute: "less than a minute". secs < 0 → -1. */
int i18n_format_duration(enum i18n_lang lang, int64_t secs, char *out, size_t len);
/* integer with thousands separators: en "1,234,567", de "1.234.567"; "-1,234" */
int i18n_format_int(enum i18n_lang lang, int64_t n, char *out, size_t len);
/* A count as it stands before a noun: 0..12 in words ("three" / "drei"; German 1 is "ein"
 * or "eine" by the noun's gender, nominative), larger counts as with i18n_format_int. */
int i18n_format_count(enum i18n_lang lang, int64_t n, enum i18n_gender g, char *out, size_t len);

/* ---- the words for enumeration values (i18n_terms.c) ----
 * One table per language maps (domain, canonical value) to the word a reader of that language
 * sees: domain "cause", key "hacking" → "an attack on the systems (hacking)" / "ein Angriff auf
 * die Systeme (Hacking)". Domains: bool, lang, breach_type, breach_type.long, cause,
 * cause.letter (the personal notice's wording), status, subject, field, field.your, event,
 * level, band, band.meaning, source, people, assess.key, assess.<key> (the values of an
 * enumerated assessment key), assess.value. */
struct i18n_term {
    const char *domain, *key, *text;
};
/* The word for key in domain, or NULL when the table has none (static). */
const char *i18n_term(enum i18n_lang lang, const char *domain, const char *key);
/* The same, or key itself when the table has none: for values a person may have typed (a data
 * category klartext does not know stays as typed). Never NULL ("" for a NULL key). */
const char *i18n_term_or(enum i18n_lang lang, const char *domain, const char *key);
/* Entry i of lang's table, or NULL past its end (for tests and documentation). */
const struct i18n_term *i18n_term_at(enum i18n_lang lang, size_t i);

/* ---- time zones ---- */

/* 1 when `name` is a syntactically safe zone name: 1..255 bytes of [A-Za-z0-9_+-/], no
 * leading or trailing '/', no empty component ("//"), no component "." or ".." (dots are
 * not allowed at all), so it can never leave the zone directory. */
int i18n_zone_name_ok(const char *name);
/* The zone `name` (NULL or "UTC" = built-in UTC, no file needed), loaded from the zone
 * directory on first use and cached. Returns a pointer valid until i18n_zone_cache_clear,
 * or NULL with err ("unknown time zone 'Mars/Olympus'", "invalid time zone name '../x'",
 * "bad zone file 'X': …"). Thread-safe. */
const struct i18n_zone *i18n_zone_get(const char *name, char *err, size_t errlen);
/* the zone's name (owned by the zone) */
const char *i18n_zone_name(const struct i18n_zone *z);
/* local time of `utc` in zone z → *out (never fails for a loaded zone) */
void i18n_zone_local(const struct i18n_zone *z, int64_t utc, struct i18n_time *out);
/* the local time for a known UTC offset (seconds east) and abbreviation (copied, cut to
 * I18N_ABBR_MAX - 1 bytes; NULL = ""), e.g. for a time stored with its offset */
void i18n_time_at(int64_t utc, int32_t utoff, const char *abbr, struct i18n_time *out);
/* i18n_zone_get + i18n_zone_local. Returns 0 or -1 with err. */
int i18n_localtime(const char *zone, int64_t utc, struct i18n_time *out, char *err, size_t errlen);
/* Load zone data from memory (a TZif file's bytes) without the cache, e.g. for tests;
 * free with i18n_zone_free. NULL with err when the data is malformed. */
struct i18n_zone *i18n_zone_parse(const char *name, const void *data, size_t n, char *err, size_t errlen);
void i18n_zone_free(struct i18n_zone *z);
/* Free every cached zone. Only when no other thread uses zones (e.g. at exit, in tests). */
void i18n_zone_cache_clear(void);
#endif
