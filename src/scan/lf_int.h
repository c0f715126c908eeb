/* lf_int.h — helpers shared by the line parsers (lfutil.c) and the per-format parsers
 * (logfmt.c: combined, common, nginx, jsonl and the dispatcher; fmt_aws.c: alb, elb;
 * fmt_w3c.c: w3c, cloudfront; fmt_json.c: caddy, traefik; fmt_haproxy.c: haproxy). Internal to
 * src/scan/. Every parser takes the line as [p, e) without its line end and fills an lf_line
 * that lf_parse has reset; strings point into the line or into st->scratch. */
#ifndef KT_SCAN_LF_INT_H
#define KT_SCAN_LF_INT_H
#include "scan/scan_int.h"
#include <string.h>

static inline int dig(char c)
{
    return (unsigned)(c - '0') < 10;
}
static inline int d2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* 1..12 for "Jan".."Dec", else 0 */
int lf_month(const char *p);
/* sets *reason to a formatted text in st->reason; returns -1 */
int lf_reasonf(struct lf_state *st, const char **reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* p points after an opening quote; returns the closing quote or NULL (a quote after an odd
 * number of backslashes is escaped); *esc is set when the span holds a backslash */
static inline const char *lf_quote_end(const char *p, const char *e, int *esc)
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

/* n bytes of st->scratch (sized per line by lf_parse: room for the line's length and 64) */
static inline char *lf_scratch(struct lf_state *st, size_t n)
{
    if (st->scratch_len + n > st->scratch_cap) return NULL; /* cannot happen: sized per line */
    char *p = st->scratch + st->scratch_len;
    st->scratch_len += n;
    return p;
}

/* \" and \\ unescaped (other escapes such as \x22 stay as logged), in scratch */
struct lf_str lf_unescape_q(struct lf_state *st, const char *p, size_t n);

static inline int lf_method_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || dig(c) || c == '_' || c == '-';
}

/* REQUEST = METHOD SP TARGET SP PROTOCOL; anything else is an odd request (o->odd) */
static inline void lf_split_request(struct lf_line *o, const char *p, size_t n)
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
        if (!lf_method_char(*q)) return;
    o->method.p = p;
    o->method.n = (size_t)(s1 - p);
    o->target.p = s1 + 1;
    o->target.n = (size_t)(s2 - s1 - 1);
    o->odd = 0;
}
/* the same with the target between the first and the last space (load balancers log a raw
 * space in the target as received), and an absolute URI cut to its path and query */
void lf_split_request_lb(struct lf_line *o, const char *p, size_t n);
/* an absolute URI (scheme://authority/path?query) -> its path and query; anything else as it is */
struct lf_str lf_origin_form(struct lf_str t);
/* a method token: letters, digits, '_', '-' (at least one) */
int lf_method_ok(const char *p, size_t n);
/* three digits 100..999 (combined, nginx) */
static inline int lf_status3(const char *p, size_t n, int *out)
{
    if (n != 3 || !dig(p[0]) || !dig(p[1]) || !dig(p[2]) || p[0] == '0') return -1;
    *out = (p[0] - '0') * 100 + d2(p + 1);
    return 0;
}
/* the load balancers' and proxies' status: three digits (000 allowed: nothing sent) or "-" /
 * "-1" (none sent): *out is the code, or -1 for none; -1 when neither */
int lf_status_lb(const char *p, size_t n, int *out);
/* "ip:port" -> ip: the port follows the last colon ("2001:db8::1:50718"); "[ip]:port" -> ip;
 * without a colon the whole text. -1 when the port is not digits or the address is empty. */
int lf_client_port(const char *p, size_t n, struct lf_str *ip);
/* local date and time fields -> UTC through the rule's zone (st->zone): 0, or -1 + *reason */
int lf_zone_utc(struct lf_state *st, int64_t local, const char *shown, size_t shown_n, int64_t *t, const char **reason);

/* ---- JSON (jsonl, caddy, traefik) ---- */
const char *lf_json_ws(const char *p, const char *e);
/* p at the opening quote; sets *out (decoded in scratch when it has escapes), returns the
 * position after the closing quote, or NULL + *reason */
const char *lf_json_string(struct lf_state *st, const char *p, const char *e, struct lf_str *out, const char **reason);
/* the end of a JSON number at p, or NULL */
const char *lf_json_number(const char *p, const char *e);
/* skips any JSON value (depth: nesting so far); NULL + *reason if invalid */
const char *lf_json_skip(struct lf_state *st, const char *p, const char *e, int depth, const char **reason);

/* ---- the per-format parsers ---- */
int lf_parse_alb(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                 const char **reason);
int lf_parse_w3c(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                 const char **reason);
int lf_parse_jsonfmt(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason);
int lf_parse_haproxy(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                     const char **reason);
#endif
