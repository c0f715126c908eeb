/* logfmt.c — parsers for one log line: combined, common, nginx log_format, jsonl events, and
 * lf_parse, which dispatches to these and to the other formats (fmt_*.c). Hand-written, no
 * allocation per line (unescaped strings go to a per-thread scratch buffer), timestamps
 * parsed by hand with a cache of the last minute prefix (lfutil.c). */
#include "scan/lf_int.h"
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

/* ---- combined / common ---- */

/* HOST IDENT USER [TIME]: *pp is left after the ']' */
static inline int clf_head(struct lf_state *st, const char **pp, const char *e, struct lf_line *o, const char **reason)
{
    const char *p = *pp, *q;
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
    *pp = q + 1;
    return 0;
}

/* "REQUEST" STATUS BYTES: *pp is left at the byte count's end (a space or e) */
static inline int clf_request(struct lf_state *st, const char **pp, const char *e, struct lf_line *o,
                              const char **reason)
{
    const char *p = *pp, *q;
    int esc;
    if (e - p < 2 || p[0] != ' ' || p[1] != '"') {
        *reason = "missing request";
        return -1;
    }
    p += 2;
    q = lf_quote_end(p, e, &esc);
    if (!q) {
        *reason = "unterminated quote";
        return -1;
    }
    if (esc) {
        struct lf_str s = lf_unescape_q(st, p, (size_t)(q - p));
        lf_split_request(o, s.p, s.n);
    } else lf_split_request(o, p, (size_t)(q - p));
    p = q + 1;
    if (p >= e || *p != ' ' || p + 1 >= e) {
        *reason = "missing status";
        return -1;
    }
    p++;
    q = memchr(p, ' ', (size_t)(e - p));
    if (lf_status3(p, (size_t)((q ? q : e) - p), &o->status)) {
        *reason = "bad status";
        return -1;
    }
    if (!q || q + 1 >= e) {
        *reason = "missing byte count";
        return -1;
    }
    p = q + 1;
    q = memchr(p, ' ', (size_t)(e - p));
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
    *pp = be;
    return 0;
}

/* combined: "REFERER" "USER-AGENT" after the byte count (p at the space before them, or e) */
static inline int clf_tail(const char *p, const char *e, const char **reason)
{
    int esc;
    if (p >= e || p + 1 >= e || p[1] != '"') {
        *reason = "missing referer";
        return -1;
    }
    p += 2;
    const char *q = lf_quote_end(p, e, &esc);
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
    if (!lf_quote_end(p, e, &esc)) {
        *reason = "unterminated quote";
        return -1;
    }
    return 0;
}

static int parse_clf(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason)
{
    if (clf_head(st, &p, e, o, reason) || clf_request(st, &p, e, o, reason)) return -1;
    if (r->kind == LF_COMMON) return 0; /* trailing fields (e.g. combined) are allowed */
    return clf_tail(p, e, reason);
}

/* ---- nginx log_format ---- */

/* the values of the variables klartext understands, by enum nx_var */
struct nx_vals {
    struct lf_str v[NX_XFF + 1];
    unsigned have;
};

/* where the value of variable item k (at p) ends: at the next literal, or at the closing quote
 * of a quoted field (*esc: it holds a backslash); NULL + *reason */
static const char *nx_value_end(const scan_rule *r, struct lf_state *st, size_t k, const char *p, const char *e,
                                int *esc, const char **reason)
{
    const struct nx_item *it = &r->nx[k];
    const struct nx_item *next = k + 1 < r->nnx ? &r->nx[k + 1] : NULL;
    const struct nx_item *prev = k > 0 ? &r->nx[k - 1] : NULL;
    int quoted = prev && prev->len && prev->text[prev->len - 1] == '"' && next && next->text[0] == '"';
    const char *ve;
    *esc = 0;
    if (!next) return e;
    if (it->var == NX_TIME_LOCAL && e - p >= 26 && (size_t)(e - p - 26) >= next->len &&
        !memcmp(p + 26, next->text, next->len))
        return p + 26;
    if (quoted) {
        ve = lf_quote_end(p, e, esc);
        if (!ve) *reason = "unterminated quote";
        return ve;
    }
    ve = memmem(p, (size_t)(e - p), next->text, next->len);
    if (!ve) {
        if (it->var == NX_STATUS) *reason = "missing status";
        else lf_reasonf(st, reason, "missing $%.40s", it->text);
    }
    return ve;
}

/* time, status and request from the variables' values */
static int nx_finish(struct lf_state *st, const struct nx_vals *x, struct lf_line *o, const char **reason)
{
    const struct lf_str *v = x->v;
    if (x->have & 1u << NX_TIME_LOCAL) {
        if (lf_parse_clf_time(st, v[NX_TIME_LOCAL].p, v[NX_TIME_LOCAL].n, &o->t, reason)) return -1;
    } else if (x->have & 1u << NX_TIME_ISO) {
        if (lf_parse_iso_time(st, v[NX_TIME_ISO].p, v[NX_TIME_ISO].n, &o->t, reason)) return -1;
    } else if (x->have & 1u << NX_MSEC) {
        if (lf_parse_msec(v[NX_MSEC].p, v[NX_MSEC].n, &o->t)) {
            *reason = "bad timestamp";
            return -1;
        }
    }
    o->status = -1;
    if (x->have & 1u << NX_STATUS) {
        struct lf_str s = v[NX_STATUS];
        if (!s.n || (s.n == 1 && s.p[0] == '-')) {
            *reason = "missing status";
            return -1;
        }
        if (lf_status3(s.p, s.n, &o->status)) {
            *reason = "bad status";
            return -1;
        }
    }
    if (x->have & 1u << NX_REQUEST) lf_split_request(o, v[NX_REQUEST].p, v[NX_REQUEST].n);
    else if (x->have & 1u << NX_REQUEST_URI) {
        struct lf_str u = v[NX_REQUEST_URI];
        o->has_request = 1;
        o->odd = !u.n || (u.n == 1 && u.p[0] == '-') || memchr(u.p, ' ', u.n);
        if (!o->odd) o->target = u;
        if (x->have & 1u << NX_REQUEST_METHOD) {
            /* both logged: the request line's method is kept */
            if (!lf_method_ok(v[NX_REQUEST_METHOD].p, v[NX_REQUEST_METHOD].n)) o->odd = 1;
            o->method = v[NX_REQUEST_METHOD];
        }
    }
    return 0;
}

static int parse_nginx_line(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                            const char **reason)
{
    struct nx_vals x;
    x.have = 0;
    for (size_t k = 0; k < r->nnx; k++) {
        const struct nx_item *it = &r->nx[k];
        if (!it->is_var) {
            if ((size_t)(e - p) < it->len || memcmp(p, it->text, it->len)) {
                if (k == 0) {
                    *reason = "line does not match the log_format";
                    return -1;
                }
                return lf_reasonf(st, reason, "line does not match the log_format after $%s", r->nx[k - 1].text);
            }
            p += it->len;
            continue;
        }
        int esc;
        const char *ve = nx_value_end(r, st, k, p, e, &esc, reason);
        if (!ve) return -1;
        struct lf_str v = {p, (size_t)(ve - p)};
        if (esc && (it->var == NX_REQUEST || it->var == NX_REQUEST_URI || it->var == NX_REMOTE_USER || it->slot >= 0))
            v = lf_unescape_q(st, v.p, v.n);
        if (it->slot >= 0) o->xf[it->slot] = v;
        switch (it->var) {
        case NX_REMOTE_ADDR: o->host = v; break;
        case NX_REMOTE_USER: o->user = v; break;
        case NX_XFF: o->xff = v; break;
        case NX_OPAQUE: break;
        default:
            x.v[it->var] = v;
            x.have |= 1u << it->var;
            break;
        }
        p = ve;
    }
    if (p != e) {
        *reason = "trailing data after the log_format";
        return -1;
    }
    return nx_finish(st, &x, o, reason);
}

/* ---- jsonl ---- */
static int valid_event_field(const char *p, size_t n)
{
    if (!n || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == ';' || c == ',' || c == '"' || c == 0x7f) return 0;
    }
    return 1;
}

/* "fields": an array of names (duplicates dropped); p at '[' */
static const char *jsonl_fields(struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                                const char **reason)
{
    if (*p != '[') {
        *reason = "bad fields";
        return NULL;
    }
    o->nfields = 0;
    o->has_fields = 1;
    p = lf_json_ws(p + 1, e);
    if (p < e && *p == ']') return p + 1;
    for (;;) {
        struct lf_str v;
        p = lf_json_ws(p, e);
        if (p >= e || *p != '"') {
            *reason = "bad fields";
            return NULL;
        }
        if (!(p = lf_json_string(st, p, e, &v, reason))) return NULL;
        if (!valid_event_field(v.p, v.n)) {
            *reason = "bad field name";
            return NULL;
        }
        int dup = 0;
        for (int i = 0; i < o->nfields; i++)
            if (o->fields[i].n == v.n && !memcmp(o->fields[i].p, v.p, v.n)) dup = 1;
        if (!dup) {
            if (o->nfields >= SCAN_MAX_FIELDS) {
                *reason = "too many fields";
                return NULL;
            }
            o->fields[o->nfields++] = v;
        }
        p = lf_json_ws(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == ']') return p + 1;
        *reason = "bad fields";
        return NULL;
    }
}

enum { JL_TS = 1, JL_SUBJECT = 2, JL_VIEWER = 4, JL_IP = 8 };

/* "ts": an ISO 8601 string or epoch seconds */
static const char *jsonl_ts(struct lf_state *st, const char *p, const char *e, struct lf_line *o, const char **reason)
{
    if (*p == '"') {
        struct lf_str v;
        if (!(p = lf_json_string(st, p, e, &v, reason))) return NULL;
        return lf_parse_iso_time(st, v.p, v.n, &o->t, reason) ? NULL : p;
    }
    const char *q = lf_json_number(p, e);
    if (!q || lf_parse_msec(p, (size_t)(q - p), &o->t)) {
        *reason = "bad ts";
        return NULL;
    }
    return q;
}

/* the value of one key at p (after the ':'); *have gets JL_ bits; returns the end or NULL */
static const char *jsonl_value(struct lf_state *st, struct lf_str key, const char *p, const char *e, struct lf_line *o,
                               unsigned *have, const char **reason)
{
#define KEY(s) (key.n == sizeof(s) - 1 && !memcmp(key.p, s, sizeof(s) - 1))
    if (KEY("ts")) {
        *have |= JL_TS;
        return jsonl_ts(st, p, e, o, reason);
    }
    if (KEY("subject")) {
        if (*p == '"') {
            if (!(p = lf_json_string(st, p, e, &o->subject, reason))) return NULL;
        } else {
            const char *q = lf_json_number(p, e);
            if (!q) {
                *reason = "bad subject";
                return NULL;
            }
            o->subject.p = p;
            o->subject.n = (size_t)(q - p);
            p = q;
        }
        *have = o->subject.n > 0 ? *have | JL_SUBJECT : *have & ~(unsigned)JL_SUBJECT;
        return p;
    }
    if (KEY("fields")) return jsonl_fields(st, p, e, o, reason);
    if (!KEY("viewer") && !KEY("ip") && !KEY("where")) return lf_json_skip(st, p, e, 1, reason);
    struct lf_str v = {0};
    if (*p == '"') {
        if (!(p = lf_json_string(st, p, e, &v, reason))) return NULL;
    } else if (e - p >= 4 && !memcmp(p, "null", 4)) p += 4;
    else {
        lf_reasonf(st, reason, "bad %.*s", (int)key.n, key.p);
        return NULL;
    }
    int set = v.n > 0 && !(v.n == 1 && v.p[0] == '-');
    if (KEY("viewer")) {
        o->viewer = v;
        *have = set ? *have | JL_VIEWER : *have & ~(unsigned)JL_VIEWER;
    } else if (KEY("ip")) {
        o->ip = v;
        *have = set ? *have | JL_IP : *have & ~(unsigned)JL_IP;
    } else {
        o->where = v;
        o->has_where = v.p != NULL;
    }
    return p;
#undef KEY
}

static int parse_jsonl(struct lf_state *st, const char *p, const char *e, struct lf_line *o, const char **reason)
{
    unsigned have = 0;
    p = lf_json_ws(p, e);
    if (p >= e || *p != '{') {
        *reason = "not a JSON object";
        return -1;
    }
    p = lf_json_ws(p + 1, e);
    if (p < e && *p == '}') p++;
    else
        for (;;) {
            struct lf_str key;
            p = lf_json_ws(p, e);
            if (p >= e || *p != '"') goto bad;
            if (!(p = lf_json_string(st, p, e, &key, reason))) return -1;
            p = lf_json_ws(p, e);
            if (p >= e || *p != ':') goto bad;
            p = lf_json_ws(p + 1, e);
            if (p >= e) goto bad;
            if (!(p = jsonl_value(st, key, p, e, o, &have, reason))) return -1;
            p = lf_json_ws(p, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == '}') {
                p++;
                break;
            }
            goto bad;
        }
    p = lf_json_ws(p, e);
    if (p != e) {
        *reason = "trailing data after the JSON object";
        return -1;
    }
    if (!(have & JL_TS)) *reason = "missing ts";
    else if (!(have & JL_SUBJECT)) *reason = "missing subject";
    else if (!(have & (JL_VIEWER | JL_IP))) *reason = "missing viewer and ip";
    else {
        if (!(have & JL_VIEWER)) o->viewer.n = 0;
        if (!(have & JL_IP)) o->ip.n = 0;
        o->user = o->viewer;
        o->host = o->ip;
        o->status = -1;
        return 0;
    }
    return -1;
bad:
    *reason = "bad JSON";
    return -1;
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
    for (int k = 0; k < r->nxf; k++) {
        o->xf[k].p = NULL;
        o->xf[k].n = 0;
    }
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
    st->zone = r->zone;
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
    case LF_ALB:
    case LF_ELB: return lf_parse_alb(r, st, line, e, o, reason);
    case LF_W3C:
    case LF_CLOUDFRONT: return lf_parse_w3c(r, st, line, e, o, reason);
    case LF_CADDY:
    case LF_TRAEFIK: return lf_parse_jsonfmt(r, st, line, e, o, reason);
    case LF_HAPROXY: return lf_parse_haproxy(r, st, line, e, o, reason);
    }
    *reason = "unknown format";
    return -1;
}
