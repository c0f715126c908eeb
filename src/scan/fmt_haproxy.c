/* fmt_haproxy.c — HAProxy's `option httplog` line, with or without a syslog prefix:
 *
 *   [prefix] client:port [dd/Mon/yyyy:HH:MM:SS.mmm] frontend backend/server TR/Tw/Tc/Tr/Ta
 *   status bytes cookie cookie termination act/fe/be/srv/retries srvq/beq [{captures}]
 *   [{captures}] "REQUEST" [fields that option httpslog or a custom format add]
 *
 * The time is local, without an offset: the rule's zone converts it, and a local time that
 * does not exist or occurs twice at a DST change is malformed. HAProxy writes '"', '#' and
 * bytes outside 32..126 in the request as #XX; they are decoded. HTTP/2 requests are logged
 * with an absolute URI: the target is its path and query. */
#include "scan/lf_int.h"
#include "util/ktime.h"
#include <string.h>

/* the '[' that opens the request date ("[dd/Mon/yyyy:"), preceded by the client token */
static const char *find_date(const char *p, const char *e)
{
    for (const char *q = p; (q = memchr(q, '[', (size_t)(e - q))); q++)
        if (e - q > 21 && q > p && q[-1] == ' ' && dig(q[1]) && dig(q[2]) && q[3] == '/' && q[7] == '/' && q[12] == ':')
            return q;
    return NULL;
}

/* the local hour "dd/Mon/yyyy:HH" (p, checked) -> seconds as if UTC; -1 + *reason */
static int local_hour(struct lf_state *st, const char *p, int64_t *local, const char **reason)
{
    if (!dig(p[0]) || !dig(p[1]) || !dig(p[7]) || !dig(p[8]) || !dig(p[9]) || !dig(p[10]) || !dig(p[12]) ||
        !dig(p[13])) {
        *reason = "bad timestamp";
        return -1;
    }
    int mon = lf_month(p + 3);
    if (!mon) return lf_reasonf(st, reason, "unknown month '%.3s'", p + 3);
    int day = d2(p), year = (p[7] - '0') * 1000 + (p[8] - '0') * 100 + d2(p + 9), hh = d2(p + 12);
    if (day < 1 || day > kt_days_in_month(year, (unsigned)mon))
        return lf_reasonf(st, reason, "impossible date %.6s", p);
    if (hh > 23) return lf_reasonf(st, reason, "impossible time %.8s", p + 12);
    *local = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600;
    return 0;
}

/* "dd/Mon/yyyy:HH:MM:SS[.fff]" (without the brackets), local in st->zone. The UTC of the local
 * hour is cached when the whole hour maps one to one to UTC (its first and last second have
 * the same offset: a change of offset inside would need two in one hour). */
static int haproxy_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason)
{
    if (n < 20 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':' || !dig(p[15]) ||
        !dig(p[16]) || !dig(p[18]) || !dig(p[19]) || (n > 20 && (p[20] != '.' || n == 21))) {
        *reason = "bad timestamp";
        return -1;
    }
    for (size_t i = 21; i < n; i++)
        if (!dig(p[i])) {
            *reason = "bad timestamp";
            return -1;
        }
    int mm = d2(p + 15), sec = d2(p + 18);
    if (mm > 59 || sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", p + 12);
    if (st->lvalid && st->lzone == st->zone && !memcmp(st->lkey, p, 14)) {
        *t = st->lbase + mm * 60 + sec;
        return 0;
    }
    int64_t local = 0, u0, u1;
    if (local_hour(st, p, &local, reason)) return -1;
    st->lvalid = 0;
    if (!lf_local_to_utc(st->zone, local, &u0) && !lf_local_to_utc(st->zone, local + 3599, &u1) && u1 - u0 == 3599) {
        memcpy(st->lkey, p, 14);
        st->lbase = u0;
        st->lzone = st->zone;
        st->lvalid = 1;
        *t = u0 + mm * 60 + sec;
        return 0;
    }
    return lf_zone_utc(st, local + mm * 60 + sec, p, 20, t, reason);
}

static int hexval(char c)
{
    if (dig(c)) return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* HAProxy's #XX escapes decoded (in scratch), syslog-ng's \" too */
static struct lf_str unescape_hash(struct lf_state *st, struct lf_str v)
{
    if (!memchr(v.p, '#', v.n) && !memchr(v.p, '\\', v.n)) return v;
    char *o = lf_scratch(st, v.n);
    if (!o) return v;
    size_t k = 0;
    for (size_t i = 0; i < v.n; i++) {
        int h1, h2;
        if (v.p[i] == '#' && i + 2 < v.n && (h1 = hexval(v.p[i + 1])) >= 0 && (h2 = hexval(v.p[i + 2])) >= 0) {
            o[k++] = (char)(h1 << 4 | h2);
            i += 2;
        } else if (v.p[i] == '\\' && i + 1 < v.n && v.p[i + 1] == '"') o[k++] = v.p[++i];
        else o[k++] = v.p[i];
    }
    struct lf_str r = {o, k};
    return r;
}

/* the next space-separated token at *pp (*pp after its space); -1 at the end of the line */
static int token(const char **pp, const char *e, struct lf_str *t)
{
    const char *p = *pp;
    if (p >= e) return -1;
    const char *q = memchr(p, ' ', (size_t)(e - p));
    t->p = p;
    t->n = (size_t)((q ? q : e) - p);
    *pp = q ? q + 1 : e;
    return t->n ? 0 : -1;
}

/* the {…} capture blocks: their values, '|'-separated, counted from the left, into the
 * rule's capture(N) slots; *pp after the blocks */
static int captures(const scan_rule *r, const char **pp, const char *e, struct lf_line *o, const char **reason)
{
    const char *p = *pp;
    int n = 0;
    while (p < e && *p == '{') {
        const char *end = memchr(p, '}', (size_t)(e - p));
        if (!end) {
            *reason = "unterminated capture block";
            return -1;
        }
        const char *v = p + 1;
        for (;;) {
            const char *bar = memchr(v, '|', (size_t)(end - v));
            const char *ve = bar ? bar : end;
            n++;
            for (int k = 0; k < r->nxf; k++)
                if (r->xf[k].col == n) {
                    o->xf[k].p = v;
                    o->xf[k].n = (size_t)(ve - v);
                }
            if (!bar) break;
            v = bar + 1;
        }
        p = end + 1;
        if (p < e && *p == ' ') p++;
    }
    *pp = p;
    return 0;
}

/* frontend backend/server timers status bytes cookie cookie termination conns queues */
static int haproxy_fields(const char **pp, const char *e, struct lf_line *o, const char **reason)
{
    struct lf_str t[10];
    for (int i = 0; i < 10; i++)
        if (token(pp, e, &t[i])) {
            *reason = "missing fields";
            return -1;
        }
    if (!memchr(t[1].p, '/', t[1].n) || !memchr(t[2].p, '/', t[2].n) || !memchr(t[8].p, '/', t[8].n) ||
        !memchr(t[9].p, '/', t[9].n)) {
        *reason = "bad fields after the date";
        return -1;
    }
    if (lf_status_lb(t[3].p, t[3].n, &o->status)) {
        *reason = "bad status";
        return -1;
    }
    struct lf_str b = t[4];
    if (b.n && b.p[0] == '+') b.p++, b.n--;
    if (!b.n) goto bytes;
    for (size_t i = 0; i < b.n; i++)
        if (!dig(b.p[i])) goto bytes;
    return 0;
bytes:
    *reason = "bad byte count";
    return -1;
}

int lf_parse_haproxy(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason)
{
    const char *d = find_date(p, e);
    if (!d) {
        *reason = "no [dd/Mon/yyyy:HH:MM:SS.mmm] date after a client address";
        return -1;
    }
    const char *c = d - 1;
    while (c > p && c[-1] != ' ') c--;
    if ((size_t)(d - 1 - c) == 4 && !memcmp(c, "unix", 4)) {
        o->host.p = c;
        o->host.n = 4;
    } else if (!memchr(c, ':', (size_t)(d - 1 - c)) || lf_client_port(c, (size_t)(d - 1 - c), &o->host)) {
        *reason = "bad client address";
        return -1;
    }
    const char *rb = memchr(d, ']', (size_t)(e - d) < 40 ? (size_t)(e - d) : 40);
    if (!rb) {
        *reason = "bad timestamp";
        return -1;
    }
    if (haproxy_time(st, d + 1, (size_t)(rb - d - 1), &o->t, reason)) return -1;
    p = rb + 1;
    if (p >= e || *p != ' ') {
        *reason = "missing fields";
        return -1;
    }
    p++;
    if (haproxy_fields(&p, e, o, reason) || captures(r, &p, e, o, reason)) return -1;
    int esc;
    const char *q = p < e && *p == '"' ? lf_quote_end(p + 1, e, &esc) : NULL;
    if (!q) {
        *reason = p < e && *p == '"' ? "unterminated quote" : "missing request";
        return -1;
    }
    struct lf_str req = {p + 1, (size_t)(q - p - 1)};
    req = unescape_hash(st, req);
    lf_split_request_lb(o, req.p, req.n);
    return 0; /* fields after the request (option httpslog) are allowed */
}
