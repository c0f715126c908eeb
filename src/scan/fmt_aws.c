/* fmt_aws.c — AWS load balancer access logs: `alb` (Application Load Balancer) and `elb`
 * (Classic Load Balancer), as docs/rules.md describes them:
 *
 *   alb: type time elb client:port target:port t1 t2 t3 elb_status target_status rcvd sent
 *        "request" "user_agent" … (more fields; AWS appends new ones at the end)
 *   elb: time elb client:port backend:port t1 t2 t3 elb_status backend_status rcvd sent
 *        "request" "user_agent" …
 *
 * Fields are separated by single spaces; quoted fields may hold spaces and \" escapes. The
 * request is METHOD SP absolute-URI SP PROTOCOL; its target is the URI's path and query. */
#include "scan/lf_int.h"
#include <string.h>

/* the next field at *pp (quoted: its contents; *esc when they hold a backslash), *pp after the
 * space that ends it (or at e). 0, or -1 for an unterminated quote or a missing field. */
static int next_field(const char **pp, const char *e, struct lf_str *v, int *quoted, int *esc)
{
    const char *p = *pp, *q;
    *esc = 0;
    *quoted = p < e && *p == '"';
    if (p >= e) return -1;
    if (*quoted) {
        q = lf_quote_end(p + 1, e, esc);
        if (!q || (q + 1 < e && q[1] != ' ')) return -1;
        v->p = p + 1;
        v->n = (size_t)(q - p - 1);
        *pp = q + 1 < e ? q + 2 : e;
        return 0;
    }
    q = memchr(p, ' ', (size_t)(e - p));
    v->p = p;
    v->n = (size_t)((q ? q : e) - p);
    *pp = q ? q + 1 : e;
    return 0;
}

/* digits with an optional '-' and '.': a processing time ("0.001", "-1") or a byte count */
static int numeric(struct lf_str v)
{
    if (!v.n) return 0;
    for (size_t i = 0; i < v.n; i++)
        if (!dig(v.p[i]) && v.p[i] != '.' && v.p[i] != '-') return 0;
    return 1;
}

static int word(struct lf_str v)
{
    if (!v.n) return 0;
    for (size_t i = 0; i < v.n; i++)
        if (!((v.p[i] >= 'a' && v.p[i] <= 'z') || dig(v.p[i]))) return 0;
    return 1;
}

/* the positions of the fields that klartext reads */
struct aws_pos {
    int time, client, status, request, agent, last_needed;
};

static int aws_field(const scan_rule *r, struct lf_state *st, const struct aws_pos *ps, int i, struct lf_str v,
                     int quoted, int esc, struct lf_line *o, const char **reason)
{
    if (i == 0 && r->kind == LF_ALB && !word(v))
        return lf_reasonf(st, reason, "bad type '%.*s'", (int)(v.n > 20 ? 20 : v.n), v.p);
    if (i == ps->time) return lf_parse_iso_time(st, v.p, v.n, &o->t, reason);
    if (i == ps->client) {
        if (!memchr(v.p, ':', v.n) || lf_client_port(v.p, v.n, &o->host)) {
            *reason = "bad client address";
            return -1;
        }
        return 0;
    }
    if (i == ps->status) {
        if (lf_status_lb(v.p, v.n, &o->status)) {
            *reason = "bad status";
            return -1;
        }
        return 0;
    }
    if (i == ps->request || i == ps->agent) {
        if (!quoted) {
            *reason = i == ps->request ? "missing request" : "missing user agent";
            return -1;
        }
        if (i == ps->request) {
            if (esc) v = lf_unescape_q(st, v.p, v.n);
            lf_split_request_lb(o, v.p, v.n);
        }
        return 0;
    }
    /* times (3) and byte counts (2) before the request: numbers or '-' */
    if (i > ps->client + 1 && i < ps->request && i != ps->status && i != ps->status + 1 && !numeric(v)) {
        *reason = "bad field before the request";
        return -1;
    }
    return 0;
}

int lf_parse_alb(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                 const char **reason)
{
    static const struct aws_pos alb = {1, 3, 8, 12, 13, 13}, elb = {0, 2, 7, 11, 12, 12};
    const struct aws_pos *ps = r->kind == LF_ALB ? &alb : &elb;
    for (int i = 0; i <= ps->last_needed; i++) {
        struct lf_str v;
        int quoted, esc;
        if (next_field(&p, e, &v, &quoted, &esc)) {
            *reason = p < e ? "unterminated quote" : "missing fields";
            return -1;
        }
        if (aws_field(r, st, ps, i, v, quoted, esc, o, reason)) return -1;
    }
    return 0; /* fields after these (AWS appends new ones) are allowed, and not read */
}
