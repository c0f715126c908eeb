/* logfmt.c — parsers for one log line: combined, common, nginx log_format, jsonl events.
 * Hand-written, no allocation per line (unescaped strings go to a per-thread scratch
 * buffer), timestamps parsed by hand with a cache of the last minute prefix. */
#include "scan/scan_int.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lf_state_init(struct lf_state *st)
{
    memset(st, 0, sizeof *st);
    st->tbase = INT64_MIN;
    st->ibase = INT64_MIN;
}

void lf_state_release(struct lf_state *st)
{
    free(st->scratch);
    st->scratch = NULL;
    st->scratch_cap = 0;
}

static inline int dig(char c)
{
    return (unsigned)(c - '0') < 10;
}
static inline int d2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int month_of(const char *p)
{
    /* a quick switch on the three letters */
    for (int i = 0; i < 12; i++)
        if (p[0] == months[i][0] && p[1] == months[i][1] && p[2] == months[i][2]) return i + 1;
    return 0;
}

static int reasonf(struct lf_state *st, const char **reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reasonf(struct lf_state *st, const char **reason, const char *fmt, ...)
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
        if (sec > 59) return reasonf(st, reason, "impossible time %.8s", p + 12);
        *t = st->tbase + sec;
        return 0;
    }
    if (!dig(p[0]) || !dig(p[1]) || !dig(p[7]) || !dig(p[8]) || !dig(p[9]) || !dig(p[10]) || !dig(p[12]) ||
        !dig(p[13]) || !dig(p[15]) || !dig(p[16]) || !dig(p[22]) || !dig(p[23]) || !dig(p[24]) || !dig(p[25])) {
        *reason = "bad timestamp";
        return -1;
    }
    int mon = month_of(p + 3);
    if (!mon) {
        if (printable3(p + 3)) return reasonf(st, reason, "unknown month '%.3s'", p + 3);
        *reason = "unknown month";
        return -1;
    }
    int day = d2(p), year = (p[7] - '0') * 1000 + (p[8] - '0') * 100 + d2(p + 9);
    int hh = d2(p + 12), mm = d2(p + 15), oh = d2(p + 22), om = d2(p + 24);
    if (day < 1 || day > kt_days_in_month(year, (unsigned)mon)) return reasonf(st, reason, "impossible date %.6s", p);
    if (hh > 23 || mm > 59 || sec > 59) return reasonf(st, reason, "impossible time %.8s", p + 12);
    if (oh > 23 || om > 59) return reasonf(st, reason, "bad time zone offset %.5s", p + 21);
    int64_t off = (int64_t)(oh * 3600 + om * 60) * (p[21] == '-' ? -1 : 1);
    int64_t base = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 - off;
    memcpy(st->tkey, p, 17);
    memcpy(st->tkey + 17, p + 20, 6);
    st->tkey_len = 23;
    st->tbase = base;
    *t = base + sec;
    return 0;
}

/* ISO 8601 with a zone: YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm|±hhmm|±hh) */
int lf_parse_iso_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason)
{
    if (n == 19 && p[4] == '-' && p[7] == '-' && (p[10] == 'T' || p[10] == ' ') && p[13] == ':' && p[16] == ':') {
        *reason = "timestamp without time zone";
        return -1;
    }
    if (n < 20 || n > 40 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' ||
        p[16] != ':' || !dig(p[17]) || !dig(p[18])) {
        *reason = "bad timestamp";
        return -1;
    }
    size_t z = 19;
    if (p[z] == '.' || p[z] == ',') {
        z++;
        if (z >= n || !dig(p[z])) {
            *reason = "bad timestamp";
            return -1;
        }
        while (z < n && dig(p[z])) z++;
    }
    if (z >= n) {
        *reason = "timestamp without time zone";
        return -1;
    }
    const char *zp = p + z;
    size_t zn = n - z;
    int sec = d2(p + 17);
    if (st->ikey_len == 16 + zn && !memcmp(st->ikey, p, 16) && !memcmp(st->ikey + 16, zp, zn)) {
        if (sec > 59) return reasonf(st, reason, "impossible time %.8s", p + 11);
        *t = st->ibase + sec;
        return 0;
    }
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 7 || i == 10 || i == 13) continue;
        if (!dig(p[i])) {
            *reason = "bad timestamp";
            return -1;
        }
    }
    int year = d2(p) * 100 + d2(p + 2), mon = d2(p + 5), day = d2(p + 8), hh = d2(p + 11), mm = d2(p + 14);
    int64_t off = 0;
    if (zn == 1 && (zp[0] == 'Z' || zp[0] == 'z')) off = 0;
    else if (zp[0] == '+' || zp[0] == '-') {
        int oh, om = 0;
        if (zn == 3 && dig(zp[1]) && dig(zp[2])) oh = d2(zp + 1);
        else if (zn == 5 && dig(zp[1]) && dig(zp[2]) && dig(zp[3]) && dig(zp[4])) {
            oh = d2(zp + 1);
            om = d2(zp + 3);
        } else if (zn == 6 && dig(zp[1]) && dig(zp[2]) && zp[3] == ':' && dig(zp[4]) && dig(zp[5])) {
            oh = d2(zp + 1);
            om = d2(zp + 4);
        } else {
            *reason = "bad time zone offset";
            return -1;
        }
        if (oh > 23 || om > 59) {
            *reason = "bad time zone offset";
            return -1;
        }
        off = (int64_t)(oh * 3600 + om * 60) * (zp[0] == '-' ? -1 : 1);
    } else {
        *reason = "bad timestamp";
        return -1;
    }
    if (mon < 1 || mon > 12) return reasonf(st, reason, "impossible date %.10s", p);
    if (day < 1 || day > kt_days_in_month(year, (unsigned)mon)) return reasonf(st, reason, "impossible date %.10s", p);
    if (hh > 23 || mm > 59 || sec > 59) return reasonf(st, reason, "impossible time %.8s", p + 11);
    int64_t base = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 - off;
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

/* ---- quoted strings ---- */

/* p points after an opening quote; returns the closing quote or NULL. *esc set when the span
 * contains a backslash. */
static const char *quote_end(const char *p, const char *e, int *esc)
{
    *esc = 0;
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) return NULL;
        /* odd number of backslashes right before it: escaped */
        const char *b = q;
        while (b > p && b[-1] == '\\') b--;
        if ((q - b) & 1) {
            *esc = 1;
            p = q + 1;
            continue;
        }
        if (!*esc && memchr(p, '\\', (size_t)(q - p))) *esc = 1;
        return q;
    }
}

static char *scratch_take(struct lf_state *st, size_t n)
{
    if (st->scratch_len + n > st->scratch_cap) return NULL; /* cannot happen: sized per line */
    char *p = st->scratch + st->scratch_len;
    st->scratch_len += n;
    return p;
}

/* unescape \" and \\ (other escapes such as \x16 stay as logged) */
static struct lf_str unescape_q(struct lf_state *st, const char *p, size_t n)
{
    struct lf_str s = {p, n};
    char *o = scratch_take(st, n);
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

static int method_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || dig(c) || c == '_' || c == '-';
}

/* REQUEST = METHOD SP TARGET SP PROTOCOL; anything else is an odd request */
static void split_request(struct lf_line *o, const char *p, size_t n)
{
    o->has_request = 1;
    o->odd = 1;
    const char *e = p + n, *s1 = memchr(p, ' ', n);
    if (!s1 || s1 == p) return;
    const char *s2 = memchr(s1 + 1, ' ', (size_t)(e - s1 - 1));
    if (!s2 || s2 == s1 + 1 || s2 + 1 >= e) return;
    if (memchr(s2 + 1, ' ', (size_t)(e - s2 - 1))) return;
    if (e - s2 - 1 < 5 || memcmp(s2 + 1, "HTTP/", 5)) return;
    for (const char *q = p; q < s1; q++)
        if (!method_char(*q)) return;
    o->method.p = p;
    o->method.n = (size_t)(s1 - p);
    o->target.p = s1 + 1;
    o->target.n = (size_t)(s2 - s1 - 1);
    o->odd = 0;
}

static int parse_status3(const char *p, size_t n, int *out)
{
    if (n != 3 || !dig(p[0]) || !dig(p[1]) || !dig(p[2]) || p[0] == '0') return -1;
    *out = (p[0] - '0') * 100 + d2(p + 1);
    return 0;
}

/* ---- combined / common ---- */
static int parse_clf(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason)
{
    const char *q;
    int esc;
    /* HOST IDENT USER */
    q = memchr(p, ' ', (size_t)(e - p));
    if (!q || q == p) {
        *reason = "missing fields";
        return -1;
    }
    o->host.p = p;
    o->host.n = (size_t)(q - p);
    p = q + 1;
    q = memchr(p, ' ', (size_t)(e - p));
    if (!q) {
        *reason = "missing fields";
        return -1;
    }
    p = q + 1;
    q = memchr(p, ' ', (size_t)(e - p));
    if (!q) {
        *reason = "missing fields";
        return -1;
    }
    o->user.p = p;
    o->user.n = (size_t)(q - p);
    p = q + 1;
    /* [TIME] */
    if (p >= e || *p != '[') {
        *reason = p >= e ? "missing timestamp" : "bad timestamp";
        return -1;
    }
    p++;
    q = e - p > 40 ? memchr(p, ']', 40) : memchr(p, ']', (size_t)(e - p));
    if (!q) {
        *reason = "bad timestamp";
        return -1;
    }
    if (lf_parse_clf_time(st, p, (size_t)(q - p), &o->t, reason)) return -1;
    p = q + 1;
    /* "REQUEST" */
    if (e - p < 2 || p[0] != ' ' || p[1] != '"') {
        *reason = "missing request";
        return -1;
    }
    p += 2;
    q = quote_end(p, e, &esc);
    if (!q) {
        *reason = "unterminated quote";
        return -1;
    }
    if (esc) {
        struct lf_str s = unescape_q(st, p, (size_t)(q - p));
        split_request(o, s.p, s.n);
    } else split_request(o, p, (size_t)(q - p));
    p = q + 1;
    /* STATUS BYTES */
    if (p >= e || *p != ' ' || p + 1 >= e) {
        *reason = "missing status";
        return -1;
    }
    p++;
    q = memchr(p, ' ', (size_t)(e - p));
    if (parse_status3(p, (size_t)((q ? q : e) - p), &o->status)) {
        *reason = "bad status";
        return -1;
    }
    if (!q || q + 1 >= e) {
        *reason = "missing byte count";
        return -1;
    }
    p = q + 1;
    q = memchr(p, ' ', (size_t)(e - p));
    {
        const char *be = q ? q : e;
        if (be == p) {
            *reason = "missing byte count";
            return -1;
        }
        if (!(be - p == 1 && *p == '-'))
            for (const char *b = p; b < be; b++)
                if (!dig(*b)) {
                    *reason = "bad byte count";
                    return -1;
                }
    }
    if (r->kind == LF_COMMON) return 0; /* trailing fields (e.g. combined) are allowed */
    /* "REFERER" "USER-AGENT" */
    if (!q || q + 1 >= e || q[1] != '"') {
        *reason = "missing referer";
        return -1;
    }
    p = q + 2;
    q = quote_end(p, e, &esc);
    if (!q) {
        *reason = "unterminated quote";
        return -1;
    }
    p = q + 1;
    if (e - p < 2 || p[0] != ' ' || p[1] != '"') {
        *reason = "missing user agent";
        return -1;
    }
    p += 2;
    q = quote_end(p, e, &esc);
    if (!q) {
        *reason = "unterminated quote";
        return -1;
    }
    return 0;
}

/* ---- nginx log_format ---- */
static int parse_nginx_line(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                            const char **reason)
{
    struct lf_str req = {0}, ruri = {0}, rmeth = {0}, tloc = {0}, tiso = {0}, tmsec = {0}, status = {0};
    int have_req = 0, have_ruri = 0, have_meth = 0, have_tl = 0, have_ti = 0, have_tm = 0, have_st = 0;
    for (size_t k = 0; k < r->nnx; k++) {
        const struct nx_item *it = &r->nx[k];
        if (!it->is_var) {
            if ((size_t)(e - p) < it->len || memcmp(p, it->text, it->len)) {
                if (k == 0) {
                    *reason = "line does not match the log_format";
                    return -1;
                }
                return reasonf(st, reason, "line does not match the log_format after $%s", r->nx[k - 1].text);
            }
            p += it->len;
            continue;
        }
        const struct nx_item *next = k + 1 < r->nnx ? &r->nx[k + 1] : NULL;
        const struct nx_item *prev = k > 0 ? &r->nx[k - 1] : NULL;
        int quoted = prev && prev->len && prev->text[prev->len - 1] == '"' && next && next->text[0] == '"';
        const char *ve;
        int esc = 0;
        if (!next) ve = e;
        else if (it->var == NX_TIME_LOCAL && e - p >= 26 && (size_t)(e - p - 26) >= next->len &&
                 !memcmp(p + 26, next->text, next->len))
            ve = p + 26;
        else if (quoted) {
            ve = quote_end(p, e, &esc);
            if (!ve) {
                *reason = "unterminated quote";
                return -1;
            }
        } else {
            ve = memmem(p, (size_t)(e - p), next->text, next->len);
            if (!ve) {
                if (it->var == NX_STATUS) {
                    *reason = "missing status";
                    return -1;
                }
                return reasonf(st, reason, "missing $%.40s", it->text);
            }
        }
        struct lf_str v = {p, (size_t)(ve - p)};
        if (esc && (it->var == NX_REQUEST || it->var == NX_REQUEST_URI || it->var == NX_REMOTE_USER))
            v = unescape_q(st, v.p, v.n);
        switch (it->var) {
        case NX_REMOTE_ADDR: o->host = v; break;
        case NX_REMOTE_USER: o->user = v; break;
        case NX_XFF: o->xff = v; break;
        case NX_TIME_LOCAL:
            tloc = v;
            have_tl = 1;
            break;
        case NX_TIME_ISO:
            tiso = v;
            have_ti = 1;
            break;
        case NX_MSEC:
            tmsec = v;
            have_tm = 1;
            break;
        case NX_REQUEST:
            req = v;
            have_req = 1;
            break;
        case NX_REQUEST_URI:
            ruri = v;
            have_ruri = 1;
            break;
        case NX_REQUEST_METHOD:
            rmeth = v;
            have_meth = 1;
            break;
        case NX_STATUS:
            status = v;
            have_st = 1;
            break;
        default: break;
        }
        p = ve;
    }
    if (p != e) {
        *reason = "trailing data after the log_format";
        return -1;
    }
    if (have_tl) {
        if (lf_parse_clf_time(st, tloc.p, tloc.n, &o->t, reason)) return -1;
    } else if (have_ti) {
        if (lf_parse_iso_time(st, tiso.p, tiso.n, &o->t, reason)) return -1;
    } else if (have_tm) {
        if (lf_parse_msec(tmsec.p, tmsec.n, &o->t)) {
            *reason = "bad timestamp";
            return -1;
        }
    }
    o->status = -1;
    if (have_st) {
        if (!status.n || (status.n == 1 && status.p[0] == '-')) {
            *reason = "missing status";
            return -1;
        }
        if (parse_status3(status.p, status.n, &o->status)) {
            *reason = "bad status";
            return -1;
        }
    }
    if (have_req) split_request(o, req.p, req.n);
    else if (have_ruri) {
        o->has_request = 1;
        o->odd = !ruri.n || (ruri.n == 1 && ruri.p[0] == '-') || memchr(ruri.p, ' ', ruri.n);
        if (!o->odd) o->target = ruri;
        if (have_meth) {
            for (size_t i = 0; i < rmeth.n; i++)
                if (!method_char(rmeth.p[i])) o->odd = 1;
            if (!rmeth.n) o->odd = 1;
            o->method = rmeth;
        }
    }
    if (have_meth && have_req && !o->odd) {
        /* both logged: $request_method must agree; keep the request line's */
    }
    return 0;
}

/* ---- jsonl ---- */
static const char *ws(const char *p, const char *e)
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
static const char *json_string(struct lf_state *st, const char *p, const char *e, struct lf_str *out,
                               const char **reason)
{
    const char *s = ++p;
    int esc = 0;
    while (p < e && *p != '"') {
        if ((unsigned char)*p < 0x20) {
            *reason = "bad JSON string";
            return NULL;
        }
        if (*p == '\\') {
            esc = 1;
            p++;
        }
        p++;
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
    char *o = scratch_take(st, (size_t)(p - s));
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

static const char *json_number(const char *p, const char *e)
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
static const char *json_skip(struct lf_state *st, const char *p, const char *e, int depth, const char **reason)
{
    struct lf_str dummy;
    p = ws(p, e);
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
        p = json_string(st, p, e, &dummy, reason);
        st->scratch_len = save;
        return p;
    }
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = ws(p + 1, e);
        if (p < e && *p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = ws(p, e);
                if (p >= e || *p != '"') {
                    *reason = "bad JSON";
                    return NULL;
                }
                if (!(p = json_skip(st, p, e, depth + 1, reason))) return NULL;
                p = ws(p, e);
                if (p >= e || *p != ':') {
                    *reason = "bad JSON";
                    return NULL;
                }
                p++;
            }
            if (!(p = json_skip(st, p, e, depth + 1, reason))) return NULL;
            p = ws(p, e);
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
        const char *q = json_number(p, e);
        if (q) return q;
    }
    }
    *reason = "bad JSON";
    return NULL;
}

static int valid_event_field(const char *p, size_t n)
{
    if (!n || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == ';' || c == ',' || c == '"' || c == 0x7f) return 0;
    }
    return 1;
}

static int parse_jsonl(struct lf_state *st, const char *p, const char *e, struct lf_line *o, const char **reason)
{
    int have_ts = 0, have_subject = 0, have_viewer = 0, have_ip = 0;
    p = ws(p, e);
    if (p >= e || *p != '{') {
        *reason = "not a JSON object";
        return -1;
    }
    p = ws(p + 1, e);
    if (p < e && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        struct lf_str key;
        p = ws(p, e);
        if (p >= e || *p != '"') {
            *reason = "bad JSON";
            return -1;
        }
        if (!(p = json_string(st, p, e, &key, reason))) return -1;
        p = ws(p, e);
        if (p >= e || *p != ':') {
            *reason = "bad JSON";
            return -1;
        }
        p = ws(p + 1, e);
        if (p >= e) {
            *reason = "bad JSON";
            return -1;
        }
#define KEY(s) (key.n == sizeof(s) - 1 && !memcmp(key.p, s, sizeof(s) - 1))
        if (KEY("ts")) {
            struct lf_str v;
            if (*p == '"') {
                if (!(p = json_string(st, p, e, &v, reason))) return -1;
                if (lf_parse_iso_time(st, v.p, v.n, &o->t, reason)) return -1;
            } else {
                const char *q = json_number(p, e);
                if (!q || lf_parse_msec(p, (size_t)(q - p), &o->t)) {
                    *reason = "bad ts";
                    return -1;
                }
                p = q;
            }
            have_ts = 1;
        } else if (KEY("subject")) {
            if (*p == '"') {
                if (!(p = json_string(st, p, e, &o->subject, reason))) return -1;
            } else {
                const char *q = json_number(p, e);
                if (!q) {
                    *reason = "bad subject";
                    return -1;
                }
                o->subject.p = p;
                o->subject.n = (size_t)(q - p);
                p = q;
            }
            have_subject = o->subject.n > 0;
        } else if (KEY("viewer") || KEY("ip") || KEY("where")) {
            struct lf_str v = {0};
            if (*p == '"') {
                if (!(p = json_string(st, p, e, &v, reason))) return -1;
            } else if (e - p >= 4 && !memcmp(p, "null", 4)) p += 4;
            else return reasonf(st, reason, "bad %.*s", (int)key.n, key.p);
            if (KEY("viewer")) {
                o->viewer = v;
                have_viewer = v.n > 0 && !(v.n == 1 && v.p[0] == '-');
            } else if (KEY("ip")) {
                o->ip = v;
                have_ip = v.n > 0 && !(v.n == 1 && v.p[0] == '-');
            } else {
                o->where = v;
                o->has_where = v.p != NULL;
            }
        } else if (KEY("fields")) {
            if (*p != '[') {
                *reason = "bad fields";
                return -1;
            }
            o->nfields = 0;
            p = ws(p + 1, e);
            if (p < e && *p == ']') p++;
            else
                for (;;) {
                    struct lf_str v;
                    p = ws(p, e);
                    if (p >= e || *p != '"') {
                        *reason = "bad fields";
                        return -1;
                    }
                    if (!(p = json_string(st, p, e, &v, reason))) return -1;
                    if (!valid_event_field(v.p, v.n)) {
                        *reason = "bad field name";
                        return -1;
                    }
                    int dup = 0;
                    for (int i = 0; i < o->nfields; i++)
                        if (o->fields[i].n == v.n && !memcmp(o->fields[i].p, v.p, v.n)) dup = 1;
                    if (!dup) {
                        if (o->nfields >= SCAN_MAX_FIELDS) {
                            *reason = "too many fields";
                            return -1;
                        }
                        o->fields[o->nfields++] = v;
                    }
                    p = ws(p, e);
                    if (p < e && *p == ',') {
                        p++;
                        continue;
                    }
                    if (p < e && *p == ']') {
                        p++;
                        break;
                    }
                    *reason = "bad fields";
                    return -1;
                }
            o->has_fields = 1;
        } else {
            if (!(p = json_skip(st, p, e, 1, reason))) return -1;
        }
#undef KEY
        p = ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}') {
            p++;
            break;
        }
        *reason = "bad JSON";
        return -1;
    }
done:
    p = ws(p, e);
    if (p != e) {
        *reason = "trailing data after the JSON object";
        return -1;
    }
    if (!have_ts) {
        *reason = "missing ts";
        return -1;
    }
    if (!have_subject) {
        *reason = "missing subject";
        return -1;
    }
    if (!have_viewer && !have_ip) {
        *reason = "missing viewer and ip";
        return -1;
    }
    if (!have_viewer) o->viewer.n = 0;
    if (!have_ip) o->ip.n = 0;
    o->user = o->viewer;
    o->host = o->ip;
    o->status = -1;
    return 0;
}

int lf_parse(const scan_rule *r, struct lf_state *st, const char *line, size_t len, struct lf_line *o,
             const char **reason)
{
    if (len && line[len - 1] == '\r') len--;
    o->t = 0;
    o->host.n = o->user.n = o->xff.n = 0;
    o->host.p = o->user.p = o->xff.p = NULL;
    o->method.p = o->target.p = NULL;
    o->method.n = o->target.n = 0;
    o->odd = 0;
    o->has_request = 0;
    o->status = -1;
    if (!len) {
        *reason = "empty line";
        return -1;
    }
    if (st->scratch_cap < len + 64) {
        size_t cap = len + 64 > 4096 ? len + 64 : 4096;
        free(st->scratch);
        st->scratch = xmalloc(cap);
        st->scratch_cap = cap;
    }
    st->scratch_len = 0;
    const char *e = line + len;
    switch (r->kind) {
    case LF_COMBINED:
    case LF_COMMON: return parse_clf(r, st, line, e, o, reason);
    case LF_NGINX: return parse_nginx_line(r, st, line, e, o, reason);
    case LF_JSONL:
        o->subject.n = o->where.n = o->viewer.n = o->ip.n = 0;
        o->subject.p = o->where.p = o->viewer.p = o->ip.p = NULL;
        o->has_where = 0;
        o->nfields = 0;
        o->has_fields = 0;
        return parse_jsonl(st, line, e, o, reason);
    }
    *reason = "unknown format";
    return -1;
}
