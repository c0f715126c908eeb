/* fmt_json.c — JSON access logs, one object a line: `caddy` (Caddy 2's access log) and
 * `traefik` (Traefik's JSON access log). The object is walked once along the rule's key tree
 * (rule_fields.c: the keys each format reads, and the rule's dotted FIELD paths); every other
 * value is skipped. Keys may come in any order; unknown keys are fine. */
#include "scan/lf_int.h"
#include <string.h>

#define JR_N (JR_LOGGER + 1)

struct jwalk {
    const scan_rule *r;
    struct lf_state *st;
    struct lf_line *o;
    struct lf_str v[JR_N]; /* the built-in roles' values */
    unsigned num; /* bit per role: the value was a JSON number */
    unsigned have; /* bit per role: present (not null) */
    const char **reason;
};

/* a leaf's value at p: a string (decoded), a number (as written), the first element of an
 * array; null, true, false and objects give none (v->p NULL). Returns the end or NULL. */
static const char *leaf_value(struct jwalk *w, const char *p, const char *e, struct lf_str *v, int *is_num)
{
    v->p = NULL;
    v->n = 0;
    *is_num = 0;
    if (*p == '"') return lf_json_string(w->st, p, e, v, w->reason);
    if (*p == '-' || dig(*p)) {
        const char *q = lf_json_number(p, e);
        if (!q) {
            *w->reason = "bad JSON";
            return NULL;
        }
        v->p = p;
        v->n = (size_t)(q - p);
        *is_num = 1;
        return q;
    }
    if (*p != '[') return lf_json_skip(w->st, p, e, 1, w->reason);
    const char *q = lf_json_ws(p + 1, e);
    if (q < e && (*q == '"' || *q == '-' || dig(*q))) {
        int n2;
        if (!leaf_value(w, q, e, v, &n2)) return NULL;
    }
    return lf_json_skip(w->st, p, e, 1, w->reason); /* the whole array (strings re-read) */
}

static void assign(struct jwalk *w, const struct jnode *n, struct lf_str v, int is_num)
{
    if (n->role && v.p) {
        w->v[n->role] = v;
        w->have |= 1u << n->role;
        if (is_num) w->num |= 1u << n->role;
        else w->num &= ~(1u << n->role);
    }
    for (uint32_t m = n->xfmask; m; m &= m - 1) w->o->xf[__builtin_ctz(m)] = v;
}

static int child_of(const scan_rule *r, int node, struct lf_str key)
{
    for (int c = r->jn[node].child; c >= 0; c = r->jn[c].next)
        if (r->jn[c].klen == key.n && !memcmp(r->jn[c].key, key.p, key.n)) return c;
    return -1;
}

/* the object at p (its '{') under tree node `node`; returns the end or NULL */
static const char *walk_object(struct jwalk *w, int node, const char *p, const char *e, int depth)
{
    if (depth > 64) {
        *w->reason = "JSON nested too deeply";
        return NULL;
    }
    p = lf_json_ws(p + 1, e);
    if (p < e && *p == '}') return p + 1;
    for (;;) {
        struct lf_str key;
        if (p >= e || *p != '"') goto bad;
        size_t mark = w->st->scratch_len;
        if (!(p = lf_json_string(w->st, p, e, &key, w->reason))) return NULL;
        p = lf_json_ws(p, e);
        if (p >= e || *p != ':') goto bad;
        p = lf_json_ws(p + 1, e);
        if (p >= e) goto bad;
        int c = child_of(w->r, node, key);
        w->st->scratch_len = mark; /* the key is not needed any more */
        const struct jnode *cn = c >= 0 ? &w->r->jn[c] : NULL;
        if (cn && *p == '{' && cn->child >= 0) p = walk_object(w, c, p, e, depth + 1);
        else if (cn && (cn->role || cn->xfmask)) {
            struct lf_str v;
            int is_num;
            p = leaf_value(w, p, e, &v, &is_num);
            if (p) assign(w, cn, v, is_num);
        } else p = lf_json_skip(w->st, p, e, depth + 1, w->reason);
        if (!p) return NULL;
        p = lf_json_ws(p, e);
        if (p < e && *p == ',') {
            p = lf_json_ws(p + 1, e);
            continue;
        }
        if (p < e && *p == '}') return p + 1;
        goto bad;
    }
bad:
    *w->reason = "bad JSON";
    return NULL;
}

/* epoch as a JSON number: seconds, milli-, micro- or nanoseconds by its size (Caddy's
 * time_format unix_seconds_float, unix_milli_float, unix_nano); the fraction is dropped */
static int epoch_number(struct lf_str v, int64_t *t)
{
    size_t i = 0;
    int64_t x = 0;
    while (i < v.n && dig(v.p[i])) {
        if (i >= 19 || x > (INT64_MAX - (v.p[i] - '0')) / 10) return -1; /* past 2^63-1: bad ts */
        x = x * 10 + (v.p[i] - '0');
        i++;
    }
    if (!i || (i < v.n && v.p[i] != '.')) return -1;
    for (size_t k = i + 1; k < v.n; k++)
        if (!dig(v.p[k])) return -1;
    static const int64_t div[] = {1, 1000, 1000000, 1000000000};
    int scale = i <= 11 ? 0 : i <= 14 ? 1 : i <= 17 ? 2 : 3;
    *t = x / div[scale];
    return 0;
}

static int json_time(struct jwalk *w, int role, int64_t *t)
{
    struct lf_str v = w->v[role];
    if (w->num & 1u << role) {
        if (epoch_number(v, t)) {
            *w->reason = "bad ts";
            return -1;
        }
        return 0;
    }
    if (v.n == 26 && v.p[2] == '/') return lf_parse_clf_time(w->st, v.p, v.n, t, w->reason);
    return lf_parse_iso_time(w->st, v.p, v.n, t, w->reason);
}

/* the first address of a comma-separated list (Traefik writes X-Forwarded-For into ClientHost) */
static struct lf_str first_address(struct lf_str v)
{
    const char *c = memchr(v.p, ',', v.n);
    if (c) v.n = (size_t)(c - v.p);
    while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t')) v.n--;
    return v;
}

static int json_status(struct jwalk *w, struct lf_line *o)
{
    struct lf_str s = w->v[JR_STATUS];
    int x = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!dig(s.p[i]) || i >= 3) {
            *w->reason = "bad status";
            return -1;
        }
        x = x * 10 + (s.p[i] - '0');
    }
    if (!s.n || (x != 0 && (x < 100 || x > 999))) {
        *w->reason = "bad status";
        return -1;
    }
    o->status = x ? x : -1; /* Caddy: 0 when the handler wrote nothing */
    return 0;
}

/* what is missing, named as the vendor names it */
static const char *missing(int kind, int role)
{
    static const char *const caddy[JR_N] = {"",
                                            "missing ts",
                                            "",
                                            "missing request.method",
                                            "missing request.uri",
                                            "missing status",
                                            "",
                                            "missing request.remote_ip"};
    static const char *const traefik[JR_N] = {
        "", "missing StartUTC",  "", "missing RequestMethod", "missing RequestPath", "missing DownstreamStatus",
        "", "missing ClientHost"};
    return kind == LF_CADDY ? caddy[role] : traefik[role];
}

static int json_finish(struct jwalk *w, struct lf_line *o)
{
    int kind = w->r->kind;
    if (w->have & 1u << JR_LOGGER) {
        struct lf_str l = w->v[JR_LOGGER];
        if (l.n < 15 || memcmp(l.p, "http.log.access", 15))
            return lf_reasonf(w->st, w->reason, "not an access log entry (logger '%.*s')", (int)(l.n > 40 ? 40 : l.n),
                              l.p);
    }
    int ts = w->have & 1u << JR_TS ? JR_TS : w->have & 1u << JR_TS2 ? JR_TS2 : 0;
    static const int need[] = {JR_METHOD, JR_URI, JR_STATUS};
    if (!ts) return *w->reason = missing(kind, JR_TS), -1;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!(w->have & 1u << need[i])) return *w->reason = missing(kind, need[i]), -1;
    if (json_time(w, ts, &o->t) || json_status(w, o)) return -1;
    if (w->have & 1u << JR_CLIENT) o->host = first_address(w->v[JR_CLIENT]);
    else if (w->have & 1u << JR_REMOTE) o->host = w->v[JR_REMOTE];
    else if (!(w->have & 1u << JR_ADDR) || lf_client_port(w->v[JR_ADDR].p, w->v[JR_ADDR].n, &o->host))
        return *w->reason = missing(kind, JR_CLIENT), -1;
    if (w->have & 1u << JR_USER) o->user = w->v[JR_USER];
    struct lf_str m = w->v[JR_METHOD], u = lf_origin_form(w->v[JR_URI]);
    o->has_request = 1;
    o->odd = (w->num >> JR_METHOD & 1) || !lf_method_ok(m.p, m.n) || !u.n || memchr(u.p, ' ', u.n);
    if (!o->odd) {
        o->method = m;
        o->target = u;
    }
    return 0;
}

int lf_parse_jsonfmt(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason)
{
    struct jwalk w;
    w.r = r;
    w.st = st;
    w.o = o;
    w.num = w.have = 0;
    w.reason = reason;
    p = lf_json_ws(p, e);
    if (p >= e || *p != '{') {
        *reason = "not a JSON object";
        return -1;
    }
    if (!(p = walk_object(&w, 0, p, e, 1))) return -1;
    if (lf_json_ws(p, e) != e) {
        *reason = "trailing data after the JSON object";
        return -1;
    }
    return json_finish(&w, o);
}
