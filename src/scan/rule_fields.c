/* rule_fields.c — what a FIELD in `subject = FIELD`, `user = FIELD` and `client = FIELD` means
 * in each log format (docs/rules.md, "Whose data and who saw it"), the key tree the JSON
 * formats are read with, and the field lists the vendors document. */
#include "scan/scan_int.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CloudFront standard logs, in the order of the vendor's documentation (standard-logs-reference) */
static const char *const cloudfront_fields[] = {"date",
                                                "time",
                                                "x-edge-location",
                                                "sc-bytes",
                                                "c-ip",
                                                "cs-method",
                                                "cs(Host)",
                                                "cs-uri-stem",
                                                "sc-status",
                                                "cs(Referer)",
                                                "cs(User-Agent)",
                                                "cs-uri-query",
                                                "cs(Cookie)",
                                                "x-edge-result-type",
                                                "x-edge-request-id",
                                                "x-host-header",
                                                "cs-protocol",
                                                "cs-bytes",
                                                "time-taken",
                                                "x-forwarded-for",
                                                "ssl-protocol",
                                                "ssl-cipher",
                                                "x-edge-response-result-type",
                                                "cs-protocol-version",
                                                "fle-status",
                                                "fle-encrypted-fields",
                                                "c-port",
                                                "time-to-first-byte",
                                                "x-edge-detailed-result-type",
                                                "sc-content-type",
                                                "sc-content-len",
                                                "sc-range-start",
                                                "sc-range-end"};

const char *lf_kind_name(int kind)
{
    static const char *const names[LF_NKIND] = {"",    "combined", "common",     "nginx", "jsonl",   "alb",
                                                "elb", "w3c",      "cloudfront", "caddy", "traefik", "haproxy"};
    return kind > 0 && kind < LF_NKIND ? names[kind] : "?";
}

/* a slot for FIELD (the same name twice shares one); -1 when SCAN_MAX_XF are in use */
int rule_xf_add(scan_rule *r, const char *name)
{
    for (int i = 0; i < r->nxf; i++)
        if (!strcmp(r->xf[i].name, name)) return i;
    if (r->nxf >= SCAN_MAX_XF) return -1;
    r->xf[r->nxf].name = xstrdup(name);
    r->xf[r->nxf].col = -1;
    return r->nxf++;
}

/* w3c field identifiers: cs-username, cs(X-Account-Id), an IIS custom field X-Account-Id */
static int w3c_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 128) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("-_().", s[i]))) return 0;
    return 1;
}

/* a dotted path into a JSON object: non-empty keys of printable bytes without '"' '\' */
static int json_path_ok(const char *s)
{
    size_t n = strlen(s), comp = 0;
    if (!n || n > 256) return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!comp) return 0;
            comp = 0;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return 0;
        comp++;
    }
    return 1;
}

/* "capture(N)", N = 1..64: the N-th value of HAProxy's captured headers */
static int haproxy_capture(const char *s)
{
    unsigned n = 0;
    if (strncmp(s, "capture(", 8)) return 0;
    const char *p = s + 8;
    if (!isdigit((unsigned char)*p) || *p == '0') return 0;
    while (isdigit((unsigned char)*p) && n <= 64) n = n * 10 + (unsigned)(*p++ - '0');
    if (*p != ')' || p[1] || n < 1 || n > 64) return 0;
    return (int)n;
}

static int nginx_field(scan_rule *r, const char *role, const char *name, int slot, char *msg, size_t len)
{
    const char *v = name[0] == '$' ? name + 1 : NULL;
    int found = 0;
    if (v && *v) {
        for (size_t k = 0; k < r->nnx; k++)
            if (r->nx[k].is_var && !strcmp(r->nx[k].text, v)) {
                r->nx[k].slot = slot;
                found = 1;
            }
    }
    if (!v || !*v) {
        snprintf(msg, len,
                 "bad %s '%.60s' (expected an nginx variable of the format, e.g. $upstream_http_x_account_id)", role,
                 name);
        return -1;
    }
    if (!found) {
        snprintf(msg, len, "format has no %.60s (the %s field must be a variable of the log_format)", name, role);
        return -1;
    }
    return 0;
}

/* Resolves FIELD for the rule's format into a slot: 0 and *slot, -1 with msg ("format alb
 * has fixed fields…"). role is "subject", "user" or "client". */
int rule_field(scan_rule *r, const char *role, const char *name, int *slot, char *msg, size_t len)
{
    const char *fmt = lf_kind_name(r->kind);
    int user = !strcmp(role, "user");
    *slot = -1;
    switch (r->kind) {
    case LF_COMBINED:
    case LF_COMMON:
        snprintf(msg, len, "format %s does not log %.60s; describe the line with nginx:'…' to name other fields", fmt,
                 name);
        return -1;
    case LF_JSONL:
        snprintf(msg, len, "'%s' does not apply to format jsonl (its events name subject, viewer and ip)", role);
        return -1;
    case LF_ALB:
    case LF_ELB:
        snprintf(msg, len,
                 "format %s does not log %.60s: its fields are fixed and none names a person or a "
                 "forwarded-for address (log them at the server behind the load balancer)",
                 fmt, name);
        return -1;
    case LF_CLOUDFRONT:
        if (user) {
            snprintf(msg, len, "format cloudfront logs no user; remove 'user'");
            return -1;
        }
        for (size_t i = 0; i < sizeof cloudfront_fields / sizeof cloudfront_fields[0]; i++)
            if (!strcmp(cloudfront_fields[i], name)) goto add;
        snprintf(msg, len, "format cloudfront has no field '%.60s' (its fields are fixed; e.g. x-forwarded-for)", name);
        return -1;
    case LF_W3C:
        if (!w3c_name_ok(name)) {
            snprintf(msg, len, "bad %s '%.60s' (expected a W3C field name such as cs(X-Account-Id) or cs-username)",
                     role, name);
            return -1;
        }
        goto add;
    case LF_CADDY:
    case LF_TRAEFIK:
        if (!json_path_ok(name)) {
            snprintf(msg, len, "bad %s '%.60s' (expected a dotted path such as %s)", role, name,
                     r->kind == LF_CADDY ? "resp_headers.X-Account-Id" : "downstream_X-Account-Id");
            return -1;
        }
        goto add;
    case LF_HAPROXY:
        if (!haproxy_capture(name)) {
            snprintf(msg, len,
                     "bad %s '%.60s' (expected capture(N): the N-th captured header value, counting through the "
                     "{…} blocks from the left)",
                     role, name);
            return -1;
        }
        goto add;
    case LF_NGINX: break;
    }
add:
    *slot = rule_xf_add(r, name);
    if (*slot < 0) {
        snprintf(msg, len, "too many distinct fields named in subject, user and client (at most %d)", SCAN_MAX_XF);
        return -1;
    }
    if (r->kind == LF_HAPROXY) r->xf[*slot].col = haproxy_capture(name);
    if (r->kind == LF_NGINX) return nginx_field(r, role, name, *slot, msg, len);
    return 0;
}

/* ---- the JSON key tree ---- */

static int jn_new(scan_rule *r, const char *key, size_t klen)
{
    r->jn = xrealloc(r->jn, (size_t)(r->njn + 1) * sizeof *r->jn);
    struct jnode *n = &r->jn[r->njn];
    memset(n, 0, sizeof *n);
    n->key = xstrndup(key, klen);
    n->klen = klen;
    n->child = n->next = -1;
    return r->njn++;
}

static int jn_child(scan_rule *r, int parent, const char *key, size_t klen)
{
    int c;
    for (c = r->jn[parent].child; c >= 0; c = r->jn[c].next)
        if (r->jn[c].klen == klen && !memcmp(r->jn[c].key, key, klen)) return c;
    c = jn_new(r, key, klen);
    r->jn[c].next = r->jn[parent].child;
    r->jn[parent].child = c;
    return c;
}

/* path "a.b.c" -> its leaf node (made when missing) */
static int jn_path(scan_rule *r, const char *path)
{
    int node = 0;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t kl = dot ? (size_t)(dot - p) : strlen(p);
        node = jn_child(r, node, p, kl);
        if (!dot) return node;
        p = dot + 1;
    }
}

static const struct {
    int kind;
    const char *path;
    int role;
} json_builtin[] = {
    {LF_CADDY, "ts", JR_TS},
    {LF_CADDY, "logger", JR_LOGGER},
    {LF_CADDY, "request.method", JR_METHOD},
    {LF_CADDY, "request.uri", JR_URI},
    {LF_CADDY, "request.client_ip", JR_CLIENT},
    {LF_CADDY, "request.remote_ip", JR_REMOTE},
    {LF_CADDY, "request.remote_addr", JR_ADDR},
    {LF_CADDY, "status", JR_STATUS},
    {LF_CADDY, "user_id", JR_USER},
    {LF_TRAEFIK, "StartUTC", JR_TS},
    {LF_TRAEFIK, "StartLocal", JR_TS2},
    {LF_TRAEFIK, "RequestMethod", JR_METHOD},
    {LF_TRAEFIK, "RequestPath", JR_URI},
    {LF_TRAEFIK, "DownstreamStatus", JR_STATUS},
    {LF_TRAEFIK, "ClientUsername", JR_USER},
    {LF_TRAEFIK, "ClientHost", JR_CLIENT},
    {LF_TRAEFIK, "ClientAddr", JR_ADDR},
};

/* caddy, traefik: the tree of the keys the parser reads (built-in ones and the rule's FIELDs) */
void rule_json_tree(scan_rule *r)
{
    if (r->kind != LF_CADDY && r->kind != LF_TRAEFIK) return;
    jn_new(r, "", 0);
    for (size_t i = 0; i < sizeof json_builtin / sizeof json_builtin[0]; i++)
        if (json_builtin[i].kind == (int)r->kind) {
            int n = jn_path(r, json_builtin[i].path); /* may move r->jn */
            r->jn[n].role = json_builtin[i].role;
        }
    for (int k = 0; k < r->nxf; k++) {
        int n = jn_path(r, r->xf[k].name);
        r->jn[n].xfmask |= 1u << k;
    }
}
