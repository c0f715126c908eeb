/* lfutil.c — what the line parsers share: timestamps (Apache, ISO 8601, epoch seconds, local
 * times through the rule's zone), quoted strings, request lines, status codes, client
 * addresses, and a JSON reader without allocation. */
#include "scan/lf_int.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int lf_month(const char *p)
{
    for (int i = 0; i < 12; i++)
        if (p[0] == months[i][0] && p[1] == months[i][1] && p[2] == months[i][2]) return i + 1;
    return 0;
}

int lf_reasonf(struct lf_state *st, const char **reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->reason, sizeof st->reason, fmt, ap);
    va_end(ap);
    *reason = st->reason;
    return -1;
}

static int printable3(const char *p)
{
    for (int i = 0; i < 3; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f) return 0;
    return 1;
}

/* "dd/Mon/yyyy:HH:MM:SS +hhmm" exactly (n == 26) */
int lf_parse_clf_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason)
{
    if (n != 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':' || p[20] != ' ' ||
        (p[21] != '+' && p[21] != '-')) {
        *reason = "bad timestamp";
        return -1;
    }
    if (!dig(p[18]) || !dig(p[19])) {
        *reason = "bad timestamp";
        return -1;
    }
    int sec = d2(p + 18);
    if (st->tkey_len == 23 && !memcmp(st->tkey, p, 17) && !memcmp(st->tkey + 17, p + 20, 6)) {
        if (sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 12);
        *t = st->tbase + sec;
        return 0;
    }
    if (!dig(p[0]) || !dig(p[1]) || !dig(p[7]) || !dig(p[8]) || !dig(p[9]) || !dig(p[10]) || !dig(p[12]) ||
        !dig(p[13]) || !dig(p[15]) || !dig(p[16]) || !dig(p[22]) || !dig(p[23]) || !dig(p[24]) || !dig(p[25])) {
        *reason = "bad timestamp";
        return -1;
    }
    int mon = lf_month(p + 3);
    if (!mon) {
        if (printable3(p + 3)) return lf_reasonf(st, reason, "unknown month '%.3s'", p + 3);
        *reason = "unknown month";
        return -1;
    }
    int day = d2(p), year = (p[7] - '0') * 1000 + (p[8] - '0') * 100 + d2(p + 9);
    int hh = d2(p + 12), mm = d2(p + 15), oh = d2(p + 22), om = d2(p + 24);
    if (day < 1 || day > kt_days_in_month(year, (unsigned)mon))
        return lf_reasonf(st, reason, "impossible date %.6s", p);
    if (hh > 23 || mm > 59 || sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 12);
    if (oh > 23 || om > 59) return lf_reasonf(st, reason, "bad time zone offset %.5s", p + 21);
    int64_t off = (int64_t)(oh * 3600 + om * 60) * (p[21] == '-' ? -1 : 1);
    int64_t base = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 - off;
    memcpy(st->tkey, p, 17);
    memcpy(st->tkey + 17, p + 20, 6);
    st->tkey_len = 23;
    st->tbase = base;
    *t = base + sec;
    return 0;
}

/* an ISO 8601 zone designator: Z, ±hh:mm, ±hhmm or ±hh -> seconds east; -1 if bad */
static int iso_offset(const char *zp, size_t zn, int64_t *off)
{
    int oh, om = 0;
    if (zn == 1 && (zp[0] == 'Z' || zp[0] == 'z')) {
        *off = 0;
        return 0;
    }
    if (zp[0] != '+' && zp[0] != '-') return -1;
    if (zn == 3 && dig(zp[1]) && dig(zp[2])) oh = d2(zp + 1);
    else if (zn == 5 && dig(zp[1]) && dig(zp[2]) && dig(zp[3]) && dig(zp[4])) {
        oh = d2(zp + 1);
        om = d2(zp + 3);
    } else if (zn == 6 && dig(zp[1]) && dig(zp[2]) && zp[3] == ':' && dig(zp[4]) && dig(zp[5])) {
        oh = d2(zp + 1);
        om = d2(zp + 4);
    } else return -1;
    if (oh > 23 || om > 59) return -1;
    *off = (int64_t)(oh * 3600 + om * 60) * (zp[0] == '-' ? -1 : 1);
    return 0;
}

/* the local minute "YYYY-MM-DDTHH:MM" of p (digits checked) -> seconds as if UTC; -1 + reason */
static int iso_minute(struct lf_state *st, const char *p, int64_t *local, const char **reason)
{
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 7 || i == 10 || i == 13) continue;
        if (!dig(p[i])) {
            *reason = "bad timestamp";
            return -1;
        }
    }
    int year = d2(p) * 100 + d2(p + 2), mon = d2(p + 5), day = d2(p + 8), hh = d2(p + 11), mm = d2(p + 14);
    if (mon < 1 || mon > 12) return lf_reasonf(st, reason, "impossible date %.10s", p);
    if (day < 1 || day > kt_days_in_month(year, (unsigned)mon))
        return lf_reasonf(st, reason, "impossible date %.10s", p);
    if (hh > 23 || mm > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 11);
    *local = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60;
    return 0;
}

/* ISO 8601: YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm|±hhmm|±hh); without a zone only with the
 * rule's zone (st->zone) */
int lf_parse_iso_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason)
{
    if (n < 19 || n > 40 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' ||
        p[16] != ':' || !dig(p[17]) || !dig(p[18])) {
        *reason = "bad timestamp";
        return -1;
    }
    size_t z = 19;
    if (z < n && (p[z] == '.' || p[z] == ',')) {
        z++;
        if (z >= n || !dig(p[z])) {
            *reason = "bad timestamp";
            return -1;
        }
        while (z < n && dig(p[z])) z++;
    }
    const char *zp = p + z;
    size_t zn = n - z;
    int sec = d2(p + 17);
    int64_t local = 0, off = 0;
    if (zn && st->ikey_len == 16 + zn && !memcmp(st->ikey, p, 16) && !memcmp(st->ikey + 16, zp, zn)) {
        if (sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 11);
        *t = st->ibase + sec;
        return 0;
    }
    if (!zn && !st->zone) {
        *reason = "timestamp without time zone";
        return -1;
    }
    if (zn && iso_offset(zp, zn, &off)) {
        *reason = zp[0] == '+' || zp[0] == '-' ? "bad time zone offset" : "bad timestamp";
        return -1;
    }
    if (iso_minute(st, p, &local, reason)) return -1;
    if (sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 11);
    if (!zn) return lf_zone_utc(st, local + sec, p, 19, t, reason);
    int64_t base = local - off;
    if (zn <= sizeof st->ikey - 16) {
        memcpy(st->ikey, p, 16);
        memcpy(st->ikey + 16, zp, zn);
        st->ikey_len = 16 + zn;
        st->ibase = base;
    }
    *t = base + sec;
    return 0;
}

/* "1542031200.123" (seconds since the epoch, optional fraction) */
int lf_parse_msec(const char *p, size_t n, int64_t *t)
{
    size_t i = 0;
    int64_t v = 0;
    if (!n || n > 24) return -1;
    while (i < n && dig(p[i])) {
        if (i >= 12) return -1;
        v = v * 10 + (p[i] - '0');
        i++;
    }
    if (!i) return -1;
    if (i < n) {
        if (p[i] != '.') return -1;
        i++;
        if (i == n) return -1;
        while (i < n)
            if (!dig(p[i++])) return -1;
    }
    *t = v;
    return 0;
}

/* ---- local times ---- */

int lf_local_to_utc(const struct i18n_zone *z, int64_t local, int64_t *utc)
{
    /* the offsets in force a day before and a day after; each gives a candidate that is
     * right when the zone has that offset at the candidate itself */
    struct i18n_time a, b, c;
    i18n_zone_local(z, local - 86400, &a);
    i18n_zone_local(z, local + 86400, &b);
    int64_t u1 = local - a.utoff, u2 = local - b.utoff;
    i18n_zone_local(z, u1, &c);
    int ok1 = c.utoff == a.utoff;
    int ok2 = 0;
    if (u2 != u1) {
        i18n_zone_local(z, u2, &c);
        ok2 = c.utoff == b.utoff;
    }
    if (ok1 && ok2) return -2;
    if (!ok1 && !ok2) return -1;
    *utc = ok1 ? u1 : u2;
    return 0;
}

int lf_zone_utc(struct lf_state *st, int64_t local, const char *shown, size_t shown_n, int64_t *t, const char **reason)
{
    int rc = lf_local_to_utc(st->zone, local, t);
    if (rc == 0) return 0;
    return lf_reasonf(st, reason, "ambiguous local time %.*s (%s in %s)", (int)(shown_n > 24 ? 24 : shown_n), shown,
                      rc == -1 ? "does not exist" : "occurs twice", i18n_zone_name(st->zone));
}

/* ---- request lines, status, addresses ---- */

struct lf_str lf_unescape_q(struct lf_state *st, const char *p, size_t n)
{
    struct lf_str s = {p, n};
    char *o = lf_scratch(st, n);
    if (!o) return s;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\')) {
            o[k++] = p[++i];
            continue;
        }
        o[k++] = p[i];
    }
    s.p = o;
    s.n = k;
    return s;
}

int lf_method_ok(const char *p, size_t n)
{
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!lf_method_char(p[i])) return 0;
    return 1;
}

struct lf_str lf_origin_form(struct lf_str t)
{
    /* scheme "://" authority, then the path (or '?' query, or nothing) */
    size_t i = 0;
    while (i < t.n && ((t.p[i] >= 'a' && t.p[i] <= 'z') || (t.p[i] >= 'A' && t.p[i] <= 'Z') || dig(t.p[i]) ||
                       t.p[i] == '+' || t.p[i] == '-' || t.p[i] == '.'))
        i++;
    if (!i || t.n - i < 3 || memcmp(t.p + i, "://", 3)) return t;
    i += 3;
    while (i < t.n && t.p[i] != '/' && t.p[i] != '?') i++;
    struct lf_str r = {t.p + i, t.n - i};
    return r;
}

void lf_split_request_lb(struct lf_line *o, const char *p, size_t n)
{
    o->has_request = 1;
    o->odd = 1;
    const char *e = p + n, *s1 = memchr(p, ' ', n), *s2 = memrchr(p, ' ', n);
    if (!s1 || s1 == p || s2 == s1 || s2 == s1 + 1 || s2 + 1 >= e) return;
    if (e - s2 - 1 < 5 || memcmp(s2 + 1, "HTTP/", 5)) return;
    if (!lf_method_ok(p, (size_t)(s1 - p))) return;
    struct lf_str t = {s1 + 1, (size_t)(s2 - s1 - 1)};
    o->method.p = p;
    o->method.n = (size_t)(s1 - p);
    o->target = lf_origin_form(t);
    o->odd = 0;
}

int lf_status_lb(const char *p, size_t n, int *out)
{
    if ((n == 1 && p[0] == '-') || (n == 2 && p[0] == '-' && p[1] == '1')) {
        *out = -1;
        return 0;
    }
    if (n != 3 || !dig(p[0]) || !dig(p[1]) || !dig(p[2])) return -1;
    *out = (p[0] - '0') * 100 + d2(p + 1);
    return 0;
}

int lf_client_port(const char *p, size_t n, struct lf_str *ip)
{
    if (n && p[0] == '[') {
        const char *rb = memchr(p, ']', n);
        if (!rb || rb == p + 1) return -1;
        size_t rest = n - (size_t)(rb + 1 - p);
        if (rest && (rb[1] != ':' || rest < 2)) return -1;
        for (size_t i = 2; i < rest; i++)
            if (!dig(rb[i])) return -1;
        ip->p = p + 1;
        ip->n = (size_t)(rb - p - 1);
        return 0;
    }
    const char *c = memrchr(p, ':', n);
    if (!c) {
        ip->p = p;
        ip->n = n;
        return n ? 0 : -1;
    }
    if (c == p || c + 1 == p + n) return -1;
    for (const char *q = c + 1; q < p + n; q++)
        if (!dig(*q)) return -1;
    ip->p = p;
    ip->n = (size_t)(c - p);
    return 0;
}

/* ---- JSON ---- */
const char *lf_json_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int hex4(const char *p, unsigned *v)
{
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv(p[i]);
        if (h < 0) return -1;
        x = x << 4 | (unsigned)h;
    }
    *v = x;
    return 0;
}

/* p at the opening quote; sets *out, returns the position after the closing quote or NULL */
/* 1 for the bytes a JSON string holds as they are: not '"' (34), '\\' (92) or a control byte */
static const unsigned char json_plain[256] = {[32 ... 33] = 1, [35 ... 91] = 1, [93 ... 255] = 1};

const char *lf_json_string(struct lf_state *st, const char *p, const char *e, struct lf_str *out, const char **reason)
{
    const char *s = ++p;
    int esc = 0;
    for (;;) {
        while (p < e && json_plain[(unsigned char)*p]) p++;
        if (p >= e || *p == '"') break;
        if ((unsigned char)*p < 0x20) {
            *reason = "bad JSON string";
            return NULL;
        }
        esc = 1; /* a backslash: the byte after it is escaped */
        p += 2;
    }
    if (p >= e) {
        *reason = "unterminated quote";
        return NULL;
    }
    if (!esc) {
        out->p = s;
        out->n = (size_t)(p - s);
        return p + 1;
    }
    char *o = lf_scratch(st, (size_t)(p - s));
    if (!o) {
        *reason = "bad JSON string";
        return NULL;
    }
    size_t k = 0;
    for (const char *q = s; q < p; q++) {
        if (*q != '\\') {
            o[k++] = *q;
            continue;
        }
        q++;
        switch (*q) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned c;
            if (p - q < 5 || hex4(q + 1, &c)) {
                *reason = "bad JSON escape";
                return NULL;
            }
            q += 4;
            if (c >= 0xD800 && c <= 0xDBFF) {
                unsigned c2;
                if (p - q < 7 || q[1] != '\\' || q[2] != 'u' || hex4(q + 3, &c2) || c2 < 0xDC00 || c2 > 0xDFFF) {
                    *reason = "bad JSON escape";
                    return NULL;
                }
                q += 6;
                c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
            } else if (c >= 0xDC00 && c <= 0xDFFF) {
                *reason = "bad JSON escape";
                return NULL;
            }
            if (c < 0x80) o[k++] = (char)c;
            else if (c < 0x800) {
                o[k++] = (char)(0xC0 | c >> 6);
                o[k++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                o[k++] = (char)(0xE0 | c >> 12);
                o[k++] = (char)(0x80 | (c >> 6 & 0x3F));
                o[k++] = (char)(0x80 | (c & 0x3F));
            } else {
                o[k++] = (char)(0xF0 | c >> 18);
                o[k++] = (char)(0x80 | (c >> 12 & 0x3F));
                o[k++] = (char)(0x80 | (c >> 6 & 0x3F));
                o[k++] = (char)(0x80 | (c & 0x3F));
            }
            break;
        }
        default: *reason = "bad JSON escape"; return NULL;
        }
    }
    st->scratch_len -= (size_t)(p - s) - k; /* give back what the decoding saved */
    out->p = o;
    out->n = k;
    return p + 1;
}

const char *lf_json_number(const char *p, const char *e)
{
    const char *s = p;
    if (p < e && *p == '-') p++;
    if (p >= e || !dig(*p)) return NULL;
    while (p < e && dig(*p)) p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !dig(*p)) return NULL;
        while (p < e && dig(*p)) p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || !dig(*p)) return NULL;
        while (p < e && dig(*p)) p++;
    }
    return p > s ? p : NULL;
}

/* skip any JSON value; NULL if invalid */
const char *lf_json_skip(struct lf_state *st, const char *p, const char *e, int depth, const char **reason)
{
    struct lf_str dummy;
    p = lf_json_ws(p, e);
    if (p >= e) {
        *reason = "bad JSON";
        return NULL;
    }
    if (depth > 64) {
        *reason = "JSON nested too deeply";
        return NULL;
    }
    switch (*p) {
    case '"': {
        size_t save = st->scratch_len;
        p = lf_json_string(st, p, e, &dummy, reason);
        st->scratch_len = save;
        return p;
    }
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = lf_json_ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = lf_json_ws(p, e);
                if (p >= e || *p != '"') {
                    *reason = "bad JSON";
                    return NULL;
                }
                if (!(p = lf_json_skip(st, p, e, depth + 1, reason))) return NULL;
                p = lf_json_ws(p, e);
                if (p >= e || *p != ':') {
                    *reason = "bad JSON";
                    return NULL;
                }
                p++;
            }
            if (!(p = lf_json_skip(st, p, e, depth + 1, reason))) return NULL;
            p = lf_json_ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == close) return p + 1;
            *reason = "bad JSON";
            return NULL;
        }
    }
    case 't':
        if (e - p >= 4 && !memcmp(p, "true", 4)) return p + 4;
        break;
    case 'f':
        if (e - p >= 5 && !memcmp(p, "false", 5)) return p + 5;
        break;
    case 'n':
        if (e - p >= 4 && !memcmp(p, "null", 4)) return p + 4;
        break;
    default: {
        const char *q = lf_json_number(p, e);
        if (q) return q;
    }
    }
    *reason = "bad JSON";
    return NULL;
}
