/* i18n.c — dates, durations and numbers in German and English; TZif zones (RFC 8536). */
#include "util/i18n.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ZONE_FILE_MAX ((size_t)1 << 20)
#define ZONE_CACHE_MAX 4096

/* ================================================================ names, calendar */

static const char *const month_names[2][12] = {
    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"},
    {"Januar", "Februar", "M\xc3\xa4rz", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
     "Dezember"},
};
static const char *const wday_names[2][7] = {
    {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
    {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
};

int i18n_lang_parse(const char *s, enum i18n_lang *out, char *err, size_t errlen)
{
    if (s && strcmp(s, "en") == 0) {
        *out = I18N_EN;
        return 0;
    }
    if (s && strcmp(s, "de") == 0) {
        *out = I18N_DE;
        return 0;
    }
    return err_set(err, errlen, "unknown language '%.40s' (use de or en)", s ? s : "");
}

const char *i18n_lang_code(enum i18n_lang lang)
{
    return lang == I18N_DE ? "de" : "en";
}

const char *i18n_month_name(enum i18n_lang lang, int month)
{
    unsigned m = (unsigned)month - 1u;
    return m < 12 ? month_names[lang == I18N_DE][m] : "";
}

const char *i18n_weekday_name(enum i18n_lang lang, int wday)
{
    unsigned w = (unsigned)wday;
    return w < 7 ? wday_names[lang == I18N_DE][w] : "";
}

int i18n_plural_is_one(enum i18n_lang lang, int64_t n)
{
    (void)lang; /* German and English: "one" is exactly 1 */
    return n == 1;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) && ((a < 0) != (b < 0))) q--;
    return q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
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

/* the year of a (local) time in seconds since the epoch */
static int64_t year_of(int64_t t)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(floordiv(t, 86400), &y, &m, &d);
    return y;
}

/* =========================================================================== zones */

struct ttype {
    int32_t utoff;
    uint8_t isdst;
    char abbr[I18N_ABBR_MAX];
};

struct rule {
    char kind; /* 'M' month.week.day, 'J' Julian 1..365 without Feb 29, 'N' 0..365 */
    int m, w, d, n;
    int32_t time; /* seconds after local midnight, may be negative or > 24 h */
};

struct footer {
    int present, has_dst;
    struct ttype std, dst;
    struct rule start, end;
};

struct i18n_zone {
    char *name;
    int64_t *trans;
    uint8_t *idx;
    size_t ntrans;
    struct ttype *types;
    size_t ntypes;
    struct footer f;
};

static struct ttype utc_type = {0, 0, "UTC"};
static struct i18n_zone utc_zone = {(char *)"UTC", NULL, NULL, 0, &utc_type, 1, {0}};

int i18n_zone_name_ok(const char *name)
{
    if (!name) return 0;
    size_t n = strlen(name);
    if (n == 0 || n > 255 || name[0] == '/' || name[n - 1] == '/') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
                 c == '-' || c == '/';
        if (!ok) return 0;
        if (c == '/' && name[i + 1] == '/') return 0;
    }
    return 1;
}

/* ---- POSIX TZ strings (RFC 8536 section 3.3) ---- */

static int tz_abbr(const char **pp, char *out)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '<') {
        p++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' ||
               *p == '-') {
            if (n + 1 >= I18N_ABBR_MAX) return -1;
            out[n++] = *p++;
        }
        if (*p != '>') return -1;
        p++;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (n + 1 >= I18N_ABBR_MAX) return -1;
            out[n++] = *p++;
        }
    }
    if (n < 3) return -1;
    out[n] = 0;
    *pp = p;
    return 0;
}

/* [+-]hh[:mm[:ss]] with hh ≤ maxh → seconds */
static int tz_hms(const char **pp, int maxh, int32_t *out)
{
    const char *p = *pp;
    int sign = 1, h = 0, m = 0, s = 0, nd = 0;
    if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
    while (*p >= '0' && *p <= '9' && nd < 3) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
    if (!nd || h > maxh) return -1;
    if (*p == ':') {
        p++;
        if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9')) return -1;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            p++;
            if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9')) return -1;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    *pp = p;
    return 0;
}

static int tz_num(const char **pp, int lo, int hi, int *out)
{
    const char *p = *pp;
    int v = 0, nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 4) {
        v = v * 10 + (*p++ - '0');
        nd++;
    }
    if (!nd || v < lo || v > hi) return -1;
    *out = v;
    *pp = p;
    return 0;
}

static int tz_rule(const char **pp, struct rule *r)
{
    const char *p = *pp;
    memset(r, 0, sizeof *r);
    if (*p == 'M') {
        p++;
        r->kind = 'M';
        if (tz_num(&p, 1, 12, &r->m) || *p++ != '.' || tz_num(&p, 1, 5, &r->w) || *p++ != '.' ||
            tz_num(&p, 0, 6, &r->d))
            return -1;
    } else if (*p == 'J') {
        p++;
        r->kind = 'J';
        if (tz_num(&p, 1, 365, &r->n)) return -1;
    } else {
        r->kind = 'N';
        if (tz_num(&p, 0, 365, &r->n)) return -1;
    }
    r->time = 7200;
    if (*p == '/' && (p++, tz_hms(&p, 167, &r->time))) return -1;
    *pp = p;
    return 0;
}

static int tz_parse(const char *s, struct footer *f)
{
    memset(f, 0, sizeof *f);
    if (!*s) return 0;
    const char *p = s;
    int32_t off;
    if (tz_abbr(&p, f->std.abbr) || tz_hms(&p, 24, &off)) return -1;
    f->std.utoff = -off;
    f->present = 1;
    if (!*p) return 0;
    if (tz_abbr(&p, f->dst.abbr)) return -1;
    f->has_dst = 1;
    f->dst.isdst = 1;
    f->dst.utoff = f->std.utoff + 3600;
    if (*p && *p != ',') {
        if (tz_hms(&p, 24, &off)) return -1;
        f->dst.utoff = -off;
    }
    if (!*p) { /* no rule: POSIX leaves it open; use the US rule like glibc */
        const char *d = "M3.2.0,M11.1.0";
        return tz_rule(&d, &f->start) || *d++ != ',' || tz_rule(&d, &f->end) ? -1 : 0;
    }
    if (*p++ != ',' || tz_rule(&p, &f->start) || *p++ != ',' || tz_rule(&p, &f->end) || *p) return -1;
    return 0;
}

/* local seconds since the epoch at which rule r fires in year y */
static int64_t rule_local(const struct rule *r, int64_t y)
{
    int64_t day; /* days since the epoch */
    if (r->kind == 'M') {
        int64_t first = days_from_civil(y, (unsigned)r->m, 1);
        int wd1 = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
        int dom = 1 + (r->d - wd1 + 7) % 7 + (r->w - 1) * 7;
        static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int dim = dm[r->m - 1] + (r->m == 2 && is_leap(y));
        while (dom > dim) dom -= 7;
        day = first + dom - 1;
    } else if (r->kind == 'J') {
        day = days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    } else {
        day = days_from_civil(y, 1, 1) + r->n;
    }
    return day * 86400 + r->time;
}

static const struct ttype *footer_type(const struct footer *f, int64_t t)
{
    if (!f->has_dst) return &f->std;
    int64_t y = year_of(t + f->std.utoff);
    int64_t s = rule_local(&f->start, y) - f->std.utoff;
    int64_t e = rule_local(&f->end, y) - f->dst.utoff;
    if (s < e) return (t >= s && t < e) ? &f->dst : &f->std;
    return (t >= e && t < s) ? &f->std : &f->dst;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

void i18n_zone_free(struct i18n_zone *z)
{
    if (!z || z == &utc_zone) return;
    free(z->name);
    free(z->trans);
    free(z->idx);
    free(z->types);
    free(z);
}

/* The header whose counts describe the data to read: the first (version 1) or the 64-bit one
 * after the 32-bit data (version 2 and later). *h, *tsize (4 or 8 bytes a time) and cnt[6]
 * (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) are set; NULL, or what is wrong. */
static const char *tzif_header(const unsigned char *d, const unsigned char *end, int version, const unsigned char **h,
                               int *tsize, uint32_t cnt[6])
{
    *h = d;
    *tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if (end - *h < 44 || memcmp(*h, "TZif", 4) != 0) return "bad header";
        for (int i = 0; i < 6; i++) cnt[i] = be32(*h + 20 + 4 * i);
        uint64_t blk = (uint64_t)cnt[3] * (uint64_t)*tsize + cnt[3] + (uint64_t)cnt[4] * 6 + cnt[5] +
                       (uint64_t)cnt[2] * (uint64_t)(*tsize + 4) + cnt[1] + cnt[0];
        if (blk > (uint64_t)(end - *h - 44)) return "truncated";
        if (version == 1 || pass == 1) break;
        *h += 44 + blk; /* skip the 32-bit data to the 64-bit header */
        *tsize = 8;
    }
    return NULL;
}

/* The transitions, their type indices and the time types from p (the header checked them to
 * be within the data) into z; *next is the byte after the abbreviations. NULL, or what is wrong. */
static const char *tzif_data(struct i18n_zone *z, const unsigned char *p, int tsize, const uint32_t cnt[6],
                             const unsigned char **next)
{
    uint32_t timecnt = cnt[3], typecnt = cnt[4], charcnt = cnt[5];
    z->ntrans = timecnt;
    z->ntypes = typecnt;
    if ((timecnt && (!(z->trans = malloc(timecnt * sizeof *z->trans)) || !(z->idx = malloc(timecnt)))) ||
        !(z->types = calloc(typecnt, sizeof *z->types)))
        return "out of memory";
    for (uint32_t i = 0; i < timecnt; i++, p += tsize) {
        z->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
        if (i && z->trans[i] <= z->trans[i - 1]) return "transitions out of order";
    }
    for (uint32_t i = 0; i < timecnt; i++, p++) {
        if (*p >= typecnt) return "bad type index";
        z->idx[i] = *p;
    }
    const unsigned char *chars = p + typecnt * 6;
    for (uint32_t i = 0; i < typecnt; i++, p += 6) {
        int32_t off = (int32_t)be32(p);
        if (off < -89999 || off > 93599 || p[4] > 1 || p[5] >= charcnt) return "bad time type";
        z->types[i].utoff = off;
        z->types[i].isdst = p[4];
        const unsigned char *a = chars + p[5], *nul = memchr(a, 0, charcnt - p[5]);
        if (!nul) return "bad abbreviation";
        size_t al = (size_t)(nul - a);
        if (al >= I18N_ABBR_MAX) al = I18N_ABBR_MAX - 1;
        memcpy(z->types[i].abbr, a, al);
        z->types[i].abbr[al] = 0;
    }
    *next = chars + charcnt;
    return NULL;
}

/* The footer "\n" TZ-string "\n" at p into tz; NULL, or what is wrong. */
static const char *tzif_footer(const unsigned char *p, const unsigned char *end, char tz[256])
{
    if (p >= end || *p != '\n') return "missing footer";
    const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
    if (!nl || nl - p - 1 > 255) return "bad footer";
    memcpy(tz, p + 1, (size_t)(nl - p - 1));
    tz[nl - p - 1] = 0;
    return NULL;
}

struct i18n_zone *i18n_zone_parse(const char *name, const void *data, size_t n, char *err, size_t errlen)
{
    const unsigned char *d = data, *end = d + n;
    const char *why = "truncated";
    if (!name) name = "zone";
    struct i18n_zone *z = calloc(1, sizeof *z);
    if (!z || !(z->name = strdup(name))) {
        why = "out of memory";
        goto bad;
    }
    if (n < 44 || memcmp(d, "TZif", 4) != 0) {
        why = "not a TZif file";
        goto bad;
    }
    int version = d[4] ? d[4] - '0' : 1;
    if (version < 1 || version > 9) {
        why = "unknown version";
        goto bad;
    }
    const unsigned char *h, *p;
    int tsize;
    uint32_t cnt[6];
    if ((why = tzif_header(d, end, version, &h, &tsize, cnt))) goto bad;
    uint32_t isutcnt = cnt[0], isstdcnt = cnt[1], leapcnt = cnt[2], typecnt = cnt[4], charcnt = cnt[5];
    if (typecnt == 0 || typecnt > 256 || charcnt == 0 || (isutcnt && isutcnt != typecnt) ||
        (isstdcnt && isstdcnt != typecnt)) {
        why = "bad counts";
        goto bad;
    }
    if (leapcnt) {
        why = "leap-second zones are not supported";
        goto bad;
    }
    if ((why = tzif_data(z, h + 44, tsize, cnt, &p))) goto bad;
    p += isstdcnt + isutcnt;
    if (version >= 2) {
        char tz[256];
        if ((why = tzif_footer(p, end, tz))) goto bad;
        if (tz_parse(tz, &z->f)) {
            err_set(err, errlen, "bad zone file '%s': bad TZ string '%s'", name, tz);
            i18n_zone_free(z);
            return NULL;
        }
    }
    return z;
bad:
    err_set(err, errlen, "bad zone file '%s': %s", name, why);
    i18n_zone_free(z);
    return NULL;
}

static void local_from(int64_t utc, const struct ttype *tt, struct i18n_time *out)
{
    int64_t lt = utc + tt->utoff, days = floordiv(lt, 86400), rem = lt - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    memset(out, 0, sizeof *out);
    out->year = y;
    out->month = (int)m;
    out->day = (int)d;
    out->hour = (int)(rem / 3600);
    out->minute = (int)(rem / 60 % 60);
    out->second = (int)(rem % 60);
    out->wday = (int)(((days % 7) + 11) % 7);
    out->yday = (int)(days - days_from_civil(y, 1, 1));
    out->utoff = tt->utoff;
    out->isdst = tt->isdst;
    memcpy(out->abbr, tt->abbr, sizeof out->abbr);
}

void i18n_zone_local(const struct i18n_zone *z, int64_t utc, struct i18n_time *out)
{
    const struct ttype *tt;
    if (z->ntrans == 0 || utc < z->trans[0]) {
        tt = z->ntrans == 0 && z->f.present ? footer_type(&z->f, utc) : &z->types[0];
    } else if (utc >= z->trans[z->ntrans - 1] && z->f.present) {
        tt = footer_type(&z->f, utc);
    } else {
        size_t lo = 0, hi = z->ntrans; /* last i with trans[i] <= utc */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (z->trans[mid] <= utc) lo = mid;
            else hi = mid;
        }
        tt = &z->types[z->idx[lo]];
    }
    local_from(utc, tt, out);
}

const char *i18n_zone_name(const struct i18n_zone *z)
{
    return z->name;
}

void i18n_time_at(int64_t utc, int32_t utoff, const char *abbr, struct i18n_time *out)
{
    struct ttype tt = {utoff, 0, ""};
    if (abbr) snprintf(tt.abbr, sizeof tt.abbr, "%s", abbr);
    local_from(utc, &tt, out);
}

/* ---- the cache ---- */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct i18n_zone **cache;
static size_t ncache, capcache;

/* the zone file NAME under the zone directory: a regular file of at most ZONE_FILE_MAX bytes */
static struct i18n_zone *zone_load(const char *name, char *err, size_t errlen)
{
    char path[sizeof I18N_ZONE_DIR + 260], why[512];
    snprintf(path, sizeof path, "%s/%s", I18N_ZONE_DIR, name);
    struct stat st;
    if (stat(path, &st)) {
        if (errno == ENOENT || errno == ENOTDIR) err_set(err, errlen, "unknown time zone '%s'", name);
        else err_set(err, errlen, "cannot read time zone '%s': %s", name, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, errlen, "unknown time zone '%s'", name);
        return NULL;
    }
    char *data;
    size_t n;
    int rc = file_read(path, ZONE_FILE_MAX, &data, &n, why, sizeof why);
    if (rc == FILE_ETOOBIG) {
        err_set(err, errlen, "bad zone file '%s': too large", name);
        return NULL;
    }
    if (rc) {
        err_set(err, errlen, "cannot read time zone '%s': %s", name, why);
        return NULL;
    }
    struct i18n_zone *z = i18n_zone_parse(name, data, n, err, errlen);
    free(data);
    return z;
}

const struct i18n_zone *i18n_zone_get(const char *name, char *err, size_t errlen)
{
    if (!name || strcmp(name, "UTC") == 0) return &utc_zone;
    if (!i18n_zone_name_ok(name)) {
        err_set(err, errlen, "invalid time zone name '%.60s'", name);
        return NULL;
    }
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache; i++)
        if (strcmp(cache[i]->name, name) == 0) {
            struct i18n_zone *z = cache[i];
            pthread_mutex_unlock(&cache_lock);
            return z;
        }
    struct i18n_zone *z = NULL;
    if (ncache >= ZONE_CACHE_MAX) {
        err_set(err, errlen, "too many time zones");
    } else if ((z = zone_load(name, err, errlen)) != NULL) {
        if (ncache == capcache) {
            size_t nc = capcache ? capcache * 2 : 16;
            struct i18n_zone **n = realloc(cache, nc * sizeof *n);
            if (!n) {
                i18n_zone_free(z);
                z = NULL;
                err_set(err, errlen, "cannot load time zone '%s': out of memory", name);
            } else {
                cache = n;
                capcache = nc;
            }
        }
        if (z) cache[ncache++] = z;
    }
    pthread_mutex_unlock(&cache_lock);
    return z;
}

void i18n_zone_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache; i++) i18n_zone_free(cache[i]);
    free(cache);
    cache = NULL;
    ncache = capcache = 0;
    pthread_mutex_unlock(&cache_lock);
}

int i18n_localtime(const char *zone, int64_t utc, struct i18n_time *out, char *err, size_t errlen)
{
    const struct i18n_zone *z = i18n_zone_get(zone, err, errlen);
    if (!z) return -1;
    i18n_zone_local(z, utc, out);
    return 0;
}

/* ====================================================================== formatting */

/* Every formatter builds its text in a struct buf and copies it to the caller's out[len] at the
 * end: begin() clears out (0, or -1 when there is no room at all), finish() copies the text when
 * it fits with its NUL (0), else leaves out "" (-1); either way it releases the buffer. */
static int begin(struct buf *b, char *out, size_t len)
{
    buf_init(b, 0);
    if (!out || !len) return -1;
    out[0] = 0;
    return 0;
}

static int finish(struct buf *b, char *out, size_t len)
{
    int rc = b->len < len ? 0 : -1;
    if (!rc) memcpy(out, buf_str(b), b->len + 1);
    buf_release(b);
    return rc;
}

static void add_int(struct buf *b, enum i18n_lang lang, int64_t n)
{
    char digits[24], tmp[40];
    uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t k = 0;
    if (n < 0) tmp[k++] = '-';
    for (int i = nd - 1; i >= 0; i--) {
        tmp[k++] = digits[i];
        if (i && i % 3 == 0) tmp[k++] = lang == I18N_DE ? '.' : ',';
    }
    tmp[k] = 0;
    buf_adds(b, tmp);
}

int i18n_format_int(enum i18n_lang lang, int64_t n, char *out, size_t len)
{
    struct buf b;
    if (begin(&b, out, len)) return -1;
    add_int(&b, lang, n);
    return finish(&b, out, len);
}

int i18n_format_count(enum i18n_lang lang, int64_t n, enum i18n_gender g, char *out, size_t len)
{
    static const char *const en[13] = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                                       "seven", "eight", "nine", "ten",   "eleven", "twelve"};
    static const char *const de[13] = {"null",   "ein",  "zwei", "drei", "vier", "f\xc3\xbcnf", "sechs",
                                       "sieben", "acht", "neun", "zehn", "elf",  "zw\xc3\xb6lf"};
    struct buf b;
    if (begin(&b, out, len)) return -1;
    if (n >= 0 && n <= 12) {
        if (lang == I18N_DE && n == 1 && g == I18N_FEM) buf_adds(&b, "eine");
        else buf_adds(&b, (lang == I18N_DE ? de : en)[n]);
    } else {
        add_int(&b, lang, n);
    }
    return finish(&b, out, len);
}

static void add_unit(struct buf *b, enum i18n_lang lang, int64_t n, int unit)
{
    static const char *const names[2][3][2] = {
        {{"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}},
        {{"Tag", "Tage"}, {"Stunde", "Stunden"}, {"Minute", "Minuten"}},
    };
    add_int(b, lang, n);
    buf_adds(b, " ");
    buf_adds(b, names[lang == I18N_DE][unit][n != 1]);
}

int i18n_format_duration(enum i18n_lang lang, int64_t secs, char *out, size_t len)
{
    struct buf b;
    if (begin(&b, out, len) || secs < 0) return -1;
    int64_t d = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60;
    if (secs < 60) {
        buf_adds(&b, lang == I18N_DE ? "weniger als eine Minute" : "less than a minute");
    } else if (d) {
        add_unit(&b, lang, d, 0);
        if (h) {
            buf_adds(&b, " ");
            add_unit(&b, lang, h, 1);
        }
    } else if (h) {
        add_unit(&b, lang, h, 1);
        if (m) {
            buf_adds(&b, " ");
            add_unit(&b, lang, m, 2);
        }
    } else {
        add_unit(&b, lang, m, 2);
    }
    return finish(&b, out, len);
}

static void add_zone(struct buf *b, enum i18n_lang lang, const struct i18n_time *t)
{
    const char *a = t->abbr;
    if (lang == I18N_DE && strcmp(a, "CET") == 0) {
        buf_adds(b, "MEZ");
        return;
    }
    if (lang == I18N_DE && strcmp(a, "CEST") == 0) {
        buf_adds(b, "MESZ");
        return;
    }
    if (a[0] == '+' || a[0] == '-') {
        /* tzdata's numeric abbreviations: +hh, +hhmm, +hhmmss */
        size_t n = strlen(a + 1);
        int ok = n == 2 || n == 4 || n == 6;
        for (size_t i = 1; ok && a[i]; i++) ok = a[i] >= '0' && a[i] <= '9';
        if (ok) {
            int h = (a[1] - '0') * 10 + (a[2] - '0');
            int m = n >= 4 ? (a[3] - '0') * 10 + (a[4] - '0') : 0;
            if (h == 0 && m == 0) buf_adds(b, "UTC");
            else if (m) buf_addf(b, "UTC%c%d:%02d", a[0], h, m);
            else buf_addf(b, "UTC%c%d", a[0], h);
            return;
        }
    }
    buf_adds(b, a[0] ? a : "UTC");
}

int i18n_format_zone(enum i18n_lang lang, const struct i18n_time *t, char *out, size_t len)
{
    struct buf b;
    if (begin(&b, out, len)) return -1;
    add_zone(&b, lang, t);
    return finish(&b, out, len);
}

int i18n_format_time(enum i18n_lang lang, const struct i18n_time *t, unsigned what, char *out, size_t len)
{
    struct buf b;
    if (begin(&b, out, len) || !(what & I18N_FULL)) return -1;
    int de = lang == I18N_DE;
    if (what & I18N_WEEKDAY) {
        buf_adds(&b, i18n_weekday_name(lang, t->wday));
        buf_adds(&b, ", ");
    }
    if (what & (I18N_DATE | I18N_WEEKDAY))
        buf_addf(&b, de ? "%d. %s %lld" : "%d %s %lld", t->day, i18n_month_name(lang, t->month), (long long)t->year);
    if (what & I18N_TIME) {
        if (b.len) buf_adds(&b, ", ");
        buf_addf(&b, "%02d:%02d%s", t->hour, t->minute, de ? " Uhr" : "");
    }
    if (what & I18N_ZONE) {
        if (b.len) buf_adds(&b, " ");
        add_zone(&b, lang, t);
    }
    return finish(&b, out, len);
}

int i18n_format_utc(enum i18n_lang lang, int64_t utc, const char *zone, unsigned what, char *out, size_t len, char *err,
                    size_t errlen)
{
    struct i18n_time t;
    if (i18n_localtime(zone, utc, &t, err, errlen)) {
        if (out && len) out[0] = 0;
        return -1;
    }
    if (i18n_format_time(lang, &t, what, out, len)) {
        err_set(err, errlen, "formatted time does not fit in %zu bytes", len);
        return -1;
    }
    return 0;
}
