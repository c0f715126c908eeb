/* rule.c — the exposure rule file: a small strict INI reader, checks and regex compilation
 * (see docs/rules.md "The rule file"); FIELDs per format are rule_fields.c's, the literal
 * prefilter prefilter.c's. */
#include "scan/scan_int.h"
#include "util/err.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_MAX_TEXT (1u << 20)
#define RULE_MAX_LINE 65536

struct pstate {
    scan_rule *r;
    const char *filename;
    char *err;
    size_t errlen;
    int line;
    int cur; /* current section index, -1 at top level */
    int seen_format, seen_from, seen_until, seen_client, seen_zone;
    int top_client_xf, top_client_line;
    int from_line, until_line, zone_line, format_line;
    /* per-section temporaries */
    char *secfields[SCAN_MAX_SECTIONS][SCAN_MAX_FIELDS];
    int nsecfields[SCAN_MAX_SECTIONS];
    unsigned seen_keys[SCAN_MAX_SECTIONS];
    int sec_client_set[SCAN_MAX_SECTIONS];
};

static int fail(struct pstate *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct pstate *ps, int line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        return err_set(ps->err, ps->errlen, "%s%sline %d: %s", ps->filename ? ps->filename : "",
                       ps->filename ? " " : "", line, msg);
    if (ps->filename) return err_set(ps->err, ps->errlen, "%s: %s", ps->filename, msg);
    return err_set(ps->err, ps->errlen, "%s", msg);
}

/* ---- values ------------------------------------------------------------------------------ */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = 0;
    return s;
}

static const struct {
    const char *name;
    enum nx_var var;
} nx_vars[] = {
    {"remote_addr", NX_REMOTE_ADDR},
    {"remote_user", NX_REMOTE_USER},
    {"time_local", NX_TIME_LOCAL},
    {"time_iso8601", NX_TIME_ISO},
    {"msec", NX_MSEC},
    {"request", NX_REQUEST},
    {"request_method", NX_REQUEST_METHOD},
    {"request_uri", NX_REQUEST_URI},
    {"status", NX_STATUS},
    {"http_x_forwarded_for", NX_XFF},
};

static int parse_nginx(struct pstate *ps, const char *f, size_t n)
{
    scan_rule *r = ps->r;
    size_t cap = 16;
    r->nx = xcalloc(cap, sizeof *r->nx);
    size_t i = 0;
    while (i < n) {
        if (r->nnx + 1 >= cap) {
            cap *= 2;
            r->nx = xrealloc(r->nx, cap * sizeof *r->nx);
        }
        struct nx_item *it = &r->nx[r->nnx];
        memset(it, 0, sizeof *it);
        if (f[i] == '$') {
            size_t s = i + 1, e;
            int brace = s < n && f[s] == '{';
            if (brace) s++;
            e = s;
            while (e < n && (isalnum((unsigned char)f[e]) || f[e] == '_')) e++;
            if (e == s) return fail(ps, ps->line, "format has '$' without a variable name at offset %zu", i);
            if (brace) {
                if (e >= n || f[e] != '}') return fail(ps, ps->line, "format has an unclosed '${' at offset %zu", i);
            }
            if (r->nnx && r->nx[r->nnx - 1].is_var)
                return fail(ps, ps->line, "format variables $%s and $%.*s must be separated by text",
                            r->nx[r->nnx - 1].text, (int)(e - s), f + s);
            it->is_var = 1;
            it->slot = -1;
            it->text = xstrndup(f + s, e - s);
            it->len = e - s;
            it->var = NX_OPAQUE;
            for (size_t k = 0; k < sizeof nx_vars / sizeof nx_vars[0]; k++)
                if (!strcmp(nx_vars[k].name, it->text)) it->var = nx_vars[k].var;
            r->nx_has |= 1u << it->var;
            i = e + (brace ? 1 : 0);
        } else {
            size_t e = i;
            while (e < n && f[e] != '$') e++;
            it->slot = -1;
            it->text = xstrndup(f + i, e - i);
            it->len = e - i;
            i = e;
        }
        r->nnx++;
    }
    if (!r->nnx) return fail(ps, ps->line, "empty nginx log_format");
    unsigned h = r->nx_has;
    if (!(h & (1u << NX_TIME_LOCAL | 1u << NX_TIME_ISO | 1u << NX_MSEC)))
        return fail(ps, ps->line, "format has no $time_local, $time_iso8601 or $msec");
    if (!(h & (1u << NX_REQUEST | 1u << NX_REQUEST_URI)))
        return fail(ps, ps->line, "format has no $request or $request_uri");
    r->logs_status = (h >> NX_STATUS) & 1;
    return 0;
}

static int parse_format(struct pstate *ps, char *v)
{
    scan_rule *r = ps->r;
    if (!strncmp(v, "nginx:", 6)) {
        char *f = trim(v + 6);
        size_t n = strlen(f);
        if (n < 2 || (f[0] != '\'' && f[0] != '"') || f[n - 1] != f[0])
            return fail(ps, ps->line, "nginx format must be quoted: nginx:'$remote_addr - …'");
        r->kind = LF_NGINX;
        return parse_nginx(ps, f + 1, n - 2);
    }
    for (int k = 1; k < LF_NKIND; k++)
        if (k != LF_NGINX && !strcmp(v, lf_kind_name(k))) {
            r->kind = (enum lf_kind)k;
            r->logs_status = k != LF_JSONL;
            return 0;
        }
    return fail(ps, ps->line,
                "unknown format '%.60s' (expected combined, common, nginx:'<log_format>', jsonl, alb, elb, w3c, "
                "cloudfront, caddy, traefik or haproxy)",
                v);
}

static int parse_status(struct pstate *ps, struct rule_section *s, char *v)
{
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        char *dash = strchr(tok, '-'), *end;
        unsigned long lo, hi;
        if (!*tok) return fail(ps, ps->line, "empty item in status list");
        if (!isdigit((unsigned char)*tok)) goto bad;
        lo = strtoul(tok, &end, 10);
        if (dash) {
            if (end != dash || !isdigit((unsigned char)dash[1])) goto bad;
            hi = strtoul(dash + 1, &end, 10);
        } else hi = lo;
        if (*end || lo < 100 || hi > 999 || lo > hi) goto bad;
        if (s->nst >= 64) return fail(ps, ps->line, "too many status items (at most 64)");
        s->st_lo[s->nst] = (uint32_t)lo;
        s->st_hi[s->nst] = (uint32_t)hi;
        s->nst++;
        continue;
    bad:
        return fail(ps, ps->line, "bad status '%.40s' (expected codes and ranges such as 200,304 or 200-299)", tok);
    }
    if (!s->nst) return fail(ps, ps->line, "empty status list");
    return 0;
}

static int valid_field(const char *p, size_t n)
{
    if (!n || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.')) return 0;
    }
    return 1;
}

static int parse_fields(struct pstate *ps, int si, char *v)
{
    char *save = NULL;
    for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!valid_field(tok, strlen(tok)))
            return fail(ps, ps->line, "bad field name '%.64s' (letters, digits, '_', '-', '.')", tok);
        int dup = 0;
        for (int k = 0; k < ps->nsecfields[si]; k++)
            if (!strcmp(ps->secfields[si][k], tok)) dup = 1;
        if (dup) continue;
        if (ps->nsecfields[si] >= SCAN_MAX_FIELDS)
            return fail(ps, ps->line, "too many fields (at most %d)", SCAN_MAX_FIELDS);
        ps->secfields[si][ps->nsecfields[si]++] = xstrdup(tok);
    }
    if (!ps->nsecfields[si]) return fail(ps, ps->line, "empty fields list");
    return 0;
}

/* subject/user/client = FIELD: the slot for the format (client = $remote_addr: the format's
 * own client field, -1) */
static int parse_xf(struct pstate *ps, const char *role, const char *v, int *slot)
{
    char msg[300];
    *slot = -1;
    if (!strcmp(role, "client") && !strcmp(v, "$remote_addr")) {
        if (ps->r->kind == LF_JSONL) return fail(ps, ps->line, "'client' does not apply to format jsonl");
        return 0;
    }
    if (rule_field(ps->r, role, v, slot, msg, sizeof msg)) return fail(ps, ps->line, "%s", msg);
    return 0;
}

static const char *const sec_keys[] = {"method", "request", "where",  "status",  "viewer",
                                       "self",   "fields",  "client", "subject", "user"};

static int parse_method(struct pstate *ps, struct rule_section *s, const char *v)
{
    if (ps->r->kind == LF_JSONL) return fail(ps, ps->line, "'method' does not apply to format jsonl");
    if (!*v || strlen(v) > 32) goto bad;
    for (const char *p = v; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) goto bad;
    s->method = xstrdup(v);
    s->method_len = strlen(v);
    ps->r->needs_method = 1;
    return 0;
bad:
    return fail(ps, ps->line, "bad method '%.40s'", v);
}

/* request / where: compiled (JIT when the platform has it); whether group 1 must capture the
 * subject is checked at the end, when `subject` is known */
static int parse_regex(struct pstate *ps, struct rule_section *s, int is_where, const char *v)
{
    int jsonl = ps->r->kind == LF_JSONL;
    if (!is_where && jsonl) return fail(ps, ps->line, "format jsonl selects events with 'where', not 'request'");
    if (is_where && !jsonl) return fail(ps, ps->line, "'where' is for format jsonl; use 'request'");
    if (s->regex) return fail(ps, ps->line, "duplicate regex in section '%s'", s->name);
    if (!*v) return fail(ps, ps->line, "empty regex");
    int ec;
    PCRE2_SIZE eo;
    s->re = pcre2_compile((PCRE2_SPTR)v, PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
    if (!s->re) {
        PCRE2_UCHAR m[160];
        pcre2_get_error_message(ec, m, sizeof m);
        return fail(ps, ps->line, "bad regex: %s at offset %zu", (char *)m, (size_t)eo);
    }
    uint32_t caps = 0;
    pcre2_pattern_info(s->re, PCRE2_INFO_CAPTURECOUNT, &caps);
    s->re_caps = (int)caps;
    s->re_line = ps->line;
    if ((int)caps > ps->r->max_capture) ps->r->max_capture = (int)caps;
    /* KLARTEXT_SCAN_NOJIT=1 forces the interpreter (tests of its limits, or a system where
     * JIT memory is not allowed) */
    const char *nojit = getenv("KLARTEXT_SCAN_NOJIT");
    s->jit = !(nojit && *nojit == '1') && pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE) == 0;
    s->regex = xstrdup(v);
    return 0;
}

static int section_kv(struct pstate *ps, const char *key, char *v)
{
    int si = ps->cur;
    struct rule_section *s = &ps->r->sec[si];
    unsigned k;
    for (k = 0; k < sizeof sec_keys / sizeof sec_keys[0]; k++)
        if (!strcmp(key, sec_keys[k])) break;
    if (k == sizeof sec_keys / sizeof sec_keys[0]) {
        if (!strcmp(key, "format") || !strcmp(key, "from") || !strcmp(key, "until") || !strcmp(key, "zone"))
            return fail(ps, ps->line, "'%s' belongs at the top, before the first [exposure] section", key);
        return fail(ps, ps->line,
                    "unknown key '%.60s' in section '%s' (expected method, request, status, viewer, self, fields%s)",
                    key, s->name, ps->r->kind == LF_JSONL ? ", where" : ", client, subject, user");
    }
    if (ps->seen_keys[si] & (1u << k)) return fail(ps, ps->line, "duplicate key '%s' in section '%s'", key, s->name);
    ps->seen_keys[si] |= 1u << k;
    switch (k) {
    case 0: return parse_method(ps, s, v);
    case 1:
    case 2: return parse_regex(ps, s, k == 2, v);
    case 3: /* status */
        if (!ps->r->logs_status) return fail(ps, ps->line, "the format logs no status; remove 'status'");
        return parse_status(ps, s, v);
    case 4: /* viewer */
        if (!strcmp(v, "user|ip")) s->viewer = VIEW_USER_IP;
        else if (!strcmp(v, "ip")) s->viewer = VIEW_IP;
        else if (!strcmp(v, "user")) s->viewer = VIEW_USER;
        else return fail(ps, ps->line, "bad viewer '%.40s' (expected user|ip, user or ip)", v);
        return 0;
    case 5: /* self */
        if (strcmp(v, "user")) return fail(ps, ps->line, "bad self '%.40s' (expected user)", v);
        s->self_user = 1;
        return 0;
    case 6: /* fields */ return parse_fields(ps, si, v);
    case 7: /* client */
        ps->sec_client_set[si] = 1;
        s->client_line = ps->line;
        return parse_xf(ps, "client", v, &s->client_xf);
    case 8: /* subject */ s->subj_line = ps->line; return parse_xf(ps, "subject", v, &s->subj_xf);
    case 9: /* user */ s->user_line = ps->line; return parse_xf(ps, "user", v, &s->user_xf);
    }
    return 0;
}

/* zone = NAME: an IANA time zone for local times without an offset */
static int parse_zone(struct pstate *ps, const char *v)
{
    scan_rule *r = ps->r;
    char e2[300];
    if (ps->seen_zone) return fail(ps, ps->line, "duplicate key 'zone'");
    ps->seen_zone = 1;
    ps->zone_line = ps->line;
    if (!ps->seen_format) return fail(ps, ps->line, "'format' must come before 'zone'");
    if (r->kind != LF_HAPROXY && r->kind != LF_JSONL && r->kind != LF_CADDY)
        return fail(ps, ps->line, "format %s writes times in UTC or with an offset; 'zone' does not apply",
                    r->kind == LF_NGINX ? "nginx" : lf_kind_name(r->kind));
    if (!i18n_zone_name_ok(v) || !(r->zone = i18n_zone_get(v, e2, sizeof e2)))
        return fail(ps, ps->line, "unknown time zone '%.60s' (expected an IANA name such as Europe/Berlin)", v);
    r->zone_name = xstrdup(v);
    return 0;
}

static int top_kv(struct pstate *ps, const char *key, char *v)
{
    scan_rule *r = ps->r;
    char e2[300];
    if (!strcmp(key, "format")) {
        if (ps->seen_format) return fail(ps, ps->line, "duplicate key 'format'");
        ps->seen_format = 1;
        ps->format_line = ps->line;
        return parse_format(ps, v);
    }
    if (!strcmp(key, "from") || !strcmp(key, "until")) {
        int isfrom = key[0] == 'f';
        int64_t t;
        if (isfrom ? ps->seen_from : ps->seen_until) return fail(ps, ps->line, "duplicate key '%s'", key);
        if (kt_time_parse(v, &t, e2, sizeof e2)) return fail(ps, ps->line, "%s: %s", key, e2);
        if (isfrom) {
            ps->seen_from = 1;
            r->has_from = 1;
            r->from = t;
            ps->from_line = ps->line;
        } else {
            ps->seen_until = 1;
            r->has_until = 1;
            r->until = t;
            ps->until_line = ps->line;
        }
        return 0;
    }
    if (!strcmp(key, "client")) {
        if (ps->seen_client) return fail(ps, ps->line, "duplicate key 'client'");
        ps->seen_client = 1;
        ps->top_client_line = ps->line;
        if (!ps->seen_format) return fail(ps, ps->line, "'format' must come before 'client'");
        return parse_xf(ps, "client", v, &ps->top_client_xf);
    }
    if (!strcmp(key, "zone")) return parse_zone(ps, v);
    for (unsigned k = 0; k < sizeof sec_keys / sizeof sec_keys[0]; k++)
        if (!strcmp(key, sec_keys[k]))
            return fail(ps, ps->line, "key '%s' belongs in an [exposure \"NAME\"] section", key);
    return fail(ps, ps->line, "unknown key '%.60s' (expected format, from, until, client, zone)", key);
}

static int section_header(struct pstate *ps, char *l)
{
    /* [exposure "NAME"] */
    size_t n = strlen(l);
    if (l[n - 1] != ']') return fail(ps, ps->line, "section header must end in ']'");
    l[n - 1] = 0;
    char *p = trim(l + 1);
    if (strncmp(p, "exposure", 8) || (p[8] != ' ' && p[8] != '\t'))
        return fail(ps, ps->line, "unknown section [%.60s] (expected [exposure \"NAME\"])", p);
    p = trim(p + 8);
    size_t m = strlen(p);
    if (m < 3 || p[0] != '"' || p[m - 1] != '"' || memchr(p + 1, '"', m - 2))
        return fail(ps, ps->line, "section name must be quoted: [exposure \"NAME\"]");
    if (!ps->seen_format) return fail(ps, ps->line, "'format' must come before the first section");
    p[m - 1] = 0;
    p++;
    scan_rule *r = ps->r;
    for (int i = 0; i < r->nsec; i++)
        if (!strcmp(r->sec[i].name, p)) return fail(ps, ps->line, "duplicate section '%s'", p);
    if (r->nsec >= SCAN_MAX_SECTIONS) return fail(ps, ps->line, "too many sections (at most %d)", SCAN_MAX_SECTIONS);
    struct rule_section *s = &r->sec[r->nsec];
    memset(s, 0, sizeof *s);
    s->name = xstrdup(p);
    s->line = ps->line;
    s->subj_xf = s->user_xf = s->client_xf = -1;
    ps->cur = r->nsec++;
    return 0;
}

static int parse_lines(struct pstate *ps, const char *text, size_t len)
{
    size_t i = 0;
    char *l = xmalloc(RULE_MAX_LINE + 1);
    int rc = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < len && !rc) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len, n = e - i;
        ps->line++;
        if (n && text[e - 1] == '\r') n--;
        if (n > RULE_MAX_LINE) {
            rc = fail(ps, ps->line, "line longer than %d bytes", RULE_MAX_LINE);
            break;
        }
        if (memchr(text + i, 0, n)) {
            rc = fail(ps, ps->line, "NUL byte");
            break;
        }
        memcpy(l, text + i, n);
        l[n] = 0;
        i = e + 1;
        char *t = trim(l);
        if (!*t || *t == '#' || *t == ';') continue;
        if (*t == '[') {
            rc = section_header(ps, t);
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) {
            rc = fail(ps, ps->line, "expected 'key = value' or [exposure \"NAME\"]");
            break;
        }
        *eq = 0;
        char *key = trim(t), *val = trim(eq + 1);
        if (!*key) {
            rc = fail(ps, ps->line, "missing key before '='");
            break;
        }
        for (char *p = key; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) {
                rc = fail(ps, ps->line, "bad key '%.60s'", key);
                break;
            }
        if (rc) break;
        if (!*val) {
            rc = fail(ps, ps->line, "empty value for '%s'", key);
            break;
        }
        rc = ps->cur < 0 ? top_kv(ps, key, val) : section_kv(ps, key, val);
    }
    free(l);
    return rc;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the fields of all sections: their sorted union, and each section's bits into it */
static int finish_fields(struct pstate *ps)
{
    scan_rule *r = ps->r;
    for (int i = 0; i < r->nsec; i++)
        for (int k = 0; k < ps->nsecfields[i]; k++) {
            int dup = 0;
            for (int j = 0; j < r->nfields; j++)
                if (!strcmp(r->fieldnames[j], ps->secfields[i][k])) dup = 1;
            if (dup) continue;
            if (r->nfields >= SCAN_MAX_FIELDS)
                return fail(ps, r->sec[i].line, "too many distinct fields (at most %d)", SCAN_MAX_FIELDS);
            r->fieldnames[r->nfields++] = xstrdup(ps->secfields[i][k]);
        }
    qsort(r->fieldnames, (size_t)r->nfields, sizeof r->fieldnames[0], cmpstr);
    for (int i = 0; i < r->nsec; i++) {
        struct rule_section *s = &r->sec[i];
        for (int k = 0; k < ps->nsecfields[i]; k++)
            for (int j = 0; j < r->nfields; j++)
                if (!strcmp(r->fieldnames[j], ps->secfields[i][k])) s->fields |= (uint64_t)1 << j;
        s->has_fields = ps->nsecfields[i] > 0;
    }
    return 0;
}

/* a section's regex against its `subject`: with subject = FIELD the regex only selects
 * requests and must not capture (a group 1 would look like the subject id but is not);
 * without it group 1 is the subject id */
static int check_capture(struct pstate *ps, const struct rule_section *s)
{
    if (s->subj_xf >= 0 && s->re_caps > 0)
        return fail(ps, s->re_line,
                    "section '%s' takes the subject id from 'subject = %s', so 'request' only selects requests "
                    "and must not capture: write (?:…) for its groups",
                    s->name, ps->r->xf[s->subj_xf].name);
    if (s->subj_xf < 0 && s->re_caps < 1)
        return fail(ps, s->re_line, "regex has no capture group (group 1 must capture the subject id)");
    return 0;
}

/* formats that log no user: viewer = user and self = user would count nothing */
static int check_user(struct pstate *ps, const struct rule_section *s)
{
    scan_rule *r = ps->r;
    int userless = r->kind == LF_ALB || r->kind == LF_ELB || r->kind == LF_CLOUDFRONT ||
                   (r->kind == LF_HAPROXY && s->user_xf < 0);
    if (!userless || (s->viewer != VIEW_USER && !s->self_user)) return 0;
    return fail(ps, s->line, "format %s logs no user, so %s would count nothing (section '%s'%s)",
                lf_kind_name(r->kind), s->viewer == VIEW_USER ? "'viewer = user'" : "'self = user'", s->name,
                r->kind == LF_HAPROXY ? "; name a captured header with user = capture(N)" : "");
}

static int check_nginx(struct pstate *ps, const struct rule_section *s)
{
    unsigned h = ps->r->nx_has;
    if (s->viewer != VIEW_USER && !(h & 1u << NX_REMOTE_ADDR) && s->client_xf < 0)
        return fail(ps, s->line, "format has no $remote_addr (section '%s' identifies viewers by address)", s->name);
    if ((s->viewer != VIEW_IP || s->self_user) && !(h & 1u << NX_REMOTE_USER) && s->user_xf < 0)
        return fail(ps, s->line,
                    "format has no $remote_user (section '%s'; use viewer = ip and no 'self', or name the user's "
                    "variable with 'user')",
                    s->name);
    if (s->method && !(h & (1u << NX_REQUEST | 1u << NX_REQUEST_METHOD)))
        return fail(ps, s->line, "format has no $request or $request_method (section '%s' has a method)", s->name);
    return 0;
}

static int check_section(struct pstate *ps, int i)
{
    scan_rule *r = ps->r;
    struct rule_section *s = &r->sec[i];
    if (!ps->sec_client_set[i]) s->client_xf = ps->top_client_xf;
    if (r->kind == LF_JSONL) return 0;
    if (!s->regex) return fail(ps, s->line, "section '%s' has no 'request' regex", s->name);
    if (check_capture(ps, s)) return -1;
    if (r->logs_status && !s->nst)
        return fail(ps, s->line, "section '%s' has no 'status' (the format logs one; e.g. status = 200,304)", s->name);
    if (!s->has_fields)
        return fail(ps, s->line, "section '%s' has no 'fields' (the personal data disclosed, e.g. fields = name,email)",
                    s->name);
    if (check_user(ps, s)) return -1;
    return r->kind == LF_NGINX ? check_nginx(ps, s) : 0;
}

static int finish(struct pstate *ps)
{
    scan_rule *r = ps->r;
    if (!ps->seen_format) return fail(ps, 0, "no 'format' line (e.g. format = combined)");
    if (r->kind == LF_HAPROXY && !r->zone)
        return fail(ps, ps->format_line,
                    "format haproxy logs local times without an offset: add 'zone = <IANA name>', the zone HAProxy "
                    "ran in (e.g. zone = Europe/Berlin)");
    if (!r->nsec) return fail(ps, 0, "no [exposure \"NAME\"] section");
    if (r->has_from && r->has_until && r->from >= r->until)
        return fail(ps, ps->until_line, "'until' must be later than 'from'");
    if (finish_fields(ps)) return -1;
    for (int i = 0; i < r->nsec; i++)
        if (check_section(ps, i)) return -1;
    rule_json_tree(r);
    rule_derive_prefilter(r);
    return 0;
}

scan_rule *scan_rule_parse(const char *text, size_t len, const char *filename, char *err, size_t errlen)
{
    struct pstate ps;
    memset(&ps, 0, sizeof ps);
    ps.filename = filename;
    ps.err = err;
    ps.errlen = errlen;
    ps.cur = -1;
    ps.top_client_xf = -1;
    if (errlen) err[0] = 0;
    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return NULL;
    }
    if (len > RULE_MAX_TEXT) {
        fail(&ps, 0, "rule file larger than 1 MiB");
        return NULL;
    }
    scan_rule *r = xcalloc(1, sizeof *r);
    ps.r = r;
    r->text = xmalloc(len + 1);
    memcpy(r->text, text, len);
    r->text[len] = 0;
    r->len = len;
    crypto_hash_sha256(r->digest, (const unsigned char *)text, len);
    int rc = parse_lines(&ps, text, len);
    if (!rc) rc = finish(&ps);
    for (int i = 0; i < SCAN_MAX_SECTIONS; i++)
        for (int k = 0; k < ps.nsecfields[i]; k++) free(ps.secfields[i][k]);
    if (rc) {
        scan_rule_free(r);
        return NULL;
    }
    return r;
}

const char *scan_rule_text(const scan_rule *r)
{
    return r->text;
}
const unsigned char *scan_rule_digest(const scan_rule *r)
{
    return r->digest;
}

size_t scan_rule_prefilters(const scan_rule *r, const char *const **out)
{
    *out = (const char *const *)r->needles;
    return (size_t)r->nneedles;
}

void scan_rule_free(scan_rule *r)
{
    if (!r) return;
    for (int i = 0; i < r->nsec; i++) {
        free(r->sec[i].name);
        free(r->sec[i].method);
        free(r->sec[i].regex);
        if (r->sec[i].re) pcre2_code_free(r->sec[i].re);
    }
    for (size_t i = 0; i < r->nnx; i++) free(r->nx[i].text);
    free(r->nx);
    for (int i = 0; i < r->nxf; i++) free(r->xf[i].name);
    for (int i = 0; i < r->njn; i++) free(r->jn[i].key);
    free(r->jn);
    free(r->zone_name);
    for (int i = 0; i < r->nfields; i++) free(r->fieldnames[i]);
    for (int i = 0; i < r->nneedles; i++) free(r->needles[i]);
    free(r->text);
    free(r);
}

scan_rule *rule_for_format(int kind)
{
    if (kind <= 0 || kind >= LF_NKIND || kind == LF_NGINX) return NULL;
    scan_rule *r = xcalloc(1, sizeof *r);
    r->text = xstrdup("");
    r->kind = (enum lf_kind)kind;
    r->logs_status = kind != LF_JSONL;
    if (kind == LF_HAPROXY) {
        char e2[200];
        r->zone = i18n_zone_get("UTC", e2, sizeof e2);
    }
    rule_json_tree(r);
    return r;
}
