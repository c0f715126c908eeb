/* rule.c — the exposure rule file: a small strict INI reader, checks, regex compilation and
 * the literal prefilter derived from the regexes (see docs/rules.md "The rule file"). */
#include "scan/scan_int.h"
#include "util/err.h"
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
    int seen_format, seen_from, seen_until, seen_client;
    int top_client_xff;
    int from_line, until_line;
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

/* ---- regex literal analysis ------------------------------------------------------------ */

/* bytes that access logs escape (\" \\ \xHH): a prefilter literal must not contain them */
static int loggable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* skip a character class starting at re[i] == '['; returns the index after ']' or 0 if
 * unterminated */
static size_t skip_class(const char *re, size_t i, size_t n)
{
    i++;
    if (i < n && re[i] == '^') i++;
    if (i < n && re[i] == ']') i++;
    while (i < n) {
        if (re[i] == '\\') {
            i += 2;
            continue;
        }
        if (re[i] == '[' && i + 1 < n && re[i + 1] == ':') {
            const char *e = strstr(re + i + 2, ":]");
            if (e) {
                i = (size_t)(e - re) + 2;
                continue;
            }
        }
        if (re[i] == ']') return i + 1;
        i++;
    }
    return 0;
}

/* skip a group starting at re[i] == '('; returns index after ')' or 0 */
static size_t skip_group(const char *re, size_t i, size_t n)
{
    int depth = 0;
    while (i < n) {
        char c = re[i];
        if (c == '\\') {
            i += 2;
            continue;
        }
        if (c == '[') {
            size_t j = skip_class(re, i, n);
            if (!j) return 0;
            i = j;
            continue;
        }
        if (c == '(') depth++;
        else if (c == ')') {
            if (--depth == 0) return i + 1;
        }
        i++;
    }
    return 0;
}

struct litrun {
    char run[512];
    size_t rl, best;
    int anchored, first_run;
};

/* a literal run ended: 1 when the answer is known (anchored prefix, in st->rl) */
static int end_run(struct litrun *st, char *out, size_t cap, int *is_anchored)
{
    if (st->anchored && st->first_run) {
        if (st->rl > cap) st->rl = cap;
        memcpy(out, st->run, st->rl);
        *is_anchored = 1;
        return 1;
    }
    if (st->rl > st->best && st->rl <= cap) {
        st->best = st->rl;
        memcpy(out, st->run, st->rl);
    }
    st->rl = 0;
    st->first_run = 0;
    return 0;
}

/* Required literal runs of a regex at the top level. anchored: only the run that starts
 * right after a leading '^' (its literal prefix). Otherwise the longest required run.
 * Returns its length (copied to out, cap bytes) or 0 when there is none; sets *is_anchored. */
static size_t regex_literal(const char *re, int *is_anchored, char *out, size_t cap)
{
    size_t n = strlen(re), i = 0;
    struct litrun st;
    int anchored = 0;
    memset(&st, 0, sizeof st);
    st.first_run = 1;
    *is_anchored = 0;
    if (strstr(re, "\\Q")) return 0;
    /* inline option settings such as (?i), (?x), (?-s), (?^) change the meaning of literals;
     * other "(?" groups ((?:, (?=, (?<name>, (?P<, (?|, (?#, (?R, (?1, (?+1, (?(…) do not */
    for (const char *q = strstr(re, "(?"); q; q = strstr(q + 2, "(?"))
        if (!strchr(":=!<>|P#'&R+(", q[2]) || !q[2]) {
            if (!isdigit((unsigned char)q[2])) return 0;
        }
    if (n && re[0] == '^') {
        anchored = 1;
        i = 1;
    }
    st.anchored = anchored;
    /* a top-level alternation makes no literal required */
    {
        size_t j = 0;
        while (j < n) {
            if (re[j] == '\\') {
                j += 2;
                continue;
            }
            if (re[j] == '[') {
                size_t k = skip_class(re, j, n);
                if (!k) return 0;
                j = k;
                continue;
            }
            if (re[j] == '(') {
                size_t k = skip_group(re, j, n);
                if (!k) return 0;
                j = k;
                continue;
            }
            if (re[j] == '|') return 0;
            j++;
        }
    }
    while (i < n) {
        unsigned char c = (unsigned char)re[i];
        if (c == '\\') {
            if (i + 1 >= n) break;
            unsigned char e = (unsigned char)re[i + 1];
            if (isalnum(e)) {
                if (end_run(&st, out, cap, is_anchored)) return st.rl;
                /* an escape with an argument (\x2F, \x{2F}, \o{57}, \057, \1, \cA, \p{Lu},
                 * \N{U+2F}, \g{1}, \k<n>): its argument is not literal text; keep what was found */
                if (strchr("xocpPNgk", e) || isdigit(e)) return st.best;
                i += 2;
                continue;
            }
            c = e;
            i += 2;
            goto literal;
        }
        if (c == '[') {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            size_t k = skip_class(re, i, n);
            if (!k) return 0;
            i = k;
            continue;
        }
        if (c == '(') {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            size_t k = skip_group(re, i, n);
            if (!k) return 0;
            i = k;
            continue;
        }
        if (c == '*' || c == '?') {
            if (st.rl) st.rl--;
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            i++;
            continue;
        }
        if (c == '+') {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            i++;
            continue;
        }
        if (c == '{') {
            /* a quantifier {m}, {m,}, {m,n}; else a literal '{' */
            size_t k = i + 1;
            unsigned m = 0;
            int digits = 0;
            while (k < n && isdigit((unsigned char)re[k])) {
                m = m * 10 + (unsigned)(re[k] - '0');
                k++;
                digits++;
                if (m > 100000) m = 100000;
            }
            if (digits && k < n && (re[k] == '}' || re[k] == ',')) {
                if (re[k] == ',') {
                    k++;
                    while (k < n && isdigit((unsigned char)re[k])) k++;
                }
                if (k < n && re[k] == '}') {
                    if (m == 0 && st.rl) st.rl--;
                    if (end_run(&st, out, cap, is_anchored)) return st.rl;
                    i = k + 1;
                    continue;
                }
            }
            i++;
            goto literal;
        }
        if (c == '.' || c == '^' || c == '$' || c == ')') {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            i++;
            continue;
        }
        i++;
    literal:
        if (!loggable(c)) {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
            continue;
        }
        if (st.rl < sizeof st.run) st.run[st.rl++] = (char)c;
        else {
            if (end_run(&st, out, cap, is_anchored)) return st.rl;
        }
        continue;
    }
    if (end_run(&st, out, cap, is_anchored)) return st.rl;
    return st.best;
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
    if (!strcmp(v, "combined")) {
        r->kind = LF_COMBINED;
        r->logs_status = 1;
        return 0;
    }
    if (!strcmp(v, "common")) {
        r->kind = LF_COMMON;
        r->logs_status = 1;
        return 0;
    }
    if (!strcmp(v, "jsonl")) {
        r->kind = LF_JSONL;
        return 0;
    }
    if (!strncmp(v, "nginx:", 6)) {
        char *f = trim(v + 6);
        size_t n = strlen(f);
        if (n < 2 || (f[0] != '\'' && f[0] != '"') || f[n - 1] != f[0])
            return fail(ps, ps->line, "nginx format must be quoted: nginx:'$remote_addr - …'");
        r->kind = LF_NGINX;
        return parse_nginx(ps, f + 1, n - 2);
    }
    return fail(ps, ps->line, "unknown format '%.60s' (expected combined, common, nginx:'<log_format>' or jsonl)", v);
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

static int parse_client(struct pstate *ps, const char *v, int *xff)
{
    if (!strcmp(v, "$http_x_forwarded_for")) {
        *xff = 1;
        return 0;
    }
    if (!strcmp(v, "$remote_addr")) {
        *xff = 0;
        return 0;
    }
    return fail(ps, ps->line, "bad client '%.60s' (expected $remote_addr or $http_x_forwarded_for)", v);
}

static const char *const sec_keys[] = {"method", "request", "where", "status", "viewer", "self", "fields", "client"};

static int section_kv(struct pstate *ps, const char *key, char *v)
{
    int si = ps->cur;
    struct rule_section *s = &ps->r->sec[si];
    unsigned k;
    for (k = 0; k < sizeof sec_keys / sizeof sec_keys[0]; k++)
        if (!strcmp(key, sec_keys[k])) break;
    if (k == sizeof sec_keys / sizeof sec_keys[0]) {
        if (!strcmp(key, "format") || !strcmp(key, "from") || !strcmp(key, "until"))
            return fail(ps, ps->line, "'%s' belongs at the top, before the first [exposure] section", key);
        return fail(ps, ps->line,
                    "unknown key '%.60s' in section '%s' (expected method, request, status, viewer, self, fields%s)",
                    key, s->name, ps->r->kind == LF_JSONL ? ", where" : ", client");
    }
    if (ps->seen_keys[si] & (1u << k)) return fail(ps, ps->line, "duplicate key '%s' in section '%s'", key, s->name);
    ps->seen_keys[si] |= 1u << k;
    int jsonl = ps->r->kind == LF_JSONL;
    switch (k) {
    case 0: /* method */
        if (jsonl) return fail(ps, ps->line, "'method' does not apply to format jsonl");
        if (!*v || strlen(v) > 32) goto badmethod;
        for (const char *p = v; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-')) goto badmethod;
        s->method = xstrdup(v);
        s->method_len = strlen(v);
        return 0;
    badmethod:
        return fail(ps, ps->line, "bad method '%.40s'", v);
    case 1:
    case 2: { /* request / where */
        if (k == 1 && jsonl) return fail(ps, ps->line, "format jsonl selects events with 'where', not 'request'");
        if (k == 2 && !jsonl) return fail(ps, ps->line, "'where' is for format jsonl; use 'request'");
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
        if (k == 1 && caps < 1)
            return fail(ps, ps->line, "regex has no capture group (group 1 must capture the subject id)");
        if ((int)caps > ps->r->max_capture) ps->r->max_capture = (int)caps;
        /* JIT when the platform has it; KLARTEXT_SCAN_NOJIT=1 forces the interpreter (tests of
         * its limits, or a system where JIT memory is not allowed) */
        const char *nojit = getenv("KLARTEXT_SCAN_NOJIT");
        s->jit = !(nojit && *nojit == '1') && pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE) == 0;
        s->regex = xstrdup(v);
        return 0;
    }
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
        if (jsonl) return fail(ps, ps->line, "'client' does not apply to format jsonl");
        ps->sec_client_set[si] = 1;
        return parse_client(ps, v, &s->client_xff);
    }
    return 0;
}

static int top_kv(struct pstate *ps, const char *key, char *v)
{
    scan_rule *r = ps->r;
    char e2[300];
    if (!strcmp(key, "format")) {
        if (ps->seen_format) return fail(ps, ps->line, "duplicate key 'format'");
        ps->seen_format = 1;
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
        if (r->kind == LF_JSONL) return fail(ps, ps->line, "'client' does not apply to format jsonl");
        return parse_client(ps, v, &ps->top_client_xff);
    }
    for (unsigned k = 0; k < sizeof sec_keys / sizeof sec_keys[0]; k++)
        if (!strcmp(key, sec_keys[k]))
            return fail(ps, ps->line, "key '%s' belongs in an [exposure \"NAME\"] section", key);
    return fail(ps, ps->line, "unknown key '%.60s' (expected format, from, until)", key);
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

/* the prefilter needle for one section, or 0 when none can be derived */
static size_t section_needle(const scan_rule *r, const struct rule_section *s, char *out, size_t cap)
{
    char lit[300];
    int anchored;
    if (r->kind == LF_JSONL || !s->regex) return 0;
    size_t ln = regex_literal(s->regex, &anchored, lit, sizeof lit);
    size_t n = 0;
    if (!anchored) {
        if (ln < 3 || ln > cap) return 0;
        memcpy(out, lit, ln);
        return ln;
    }
    /* anchored on the request target: add what precedes it in the line */
    char before = 0;
    int via_request = 1;
    if (r->kind == LF_COMBINED || r->kind == LF_COMMON) before = '"';
    else {
        size_t k;
        for (k = 0; k < r->nnx; k++)
            if (r->nx[k].is_var && (r->nx[k].var == NX_REQUEST || r->nx[k].var == NX_REQUEST_URI)) break;
        if (k == r->nnx) return 0;
        via_request = r->nx[k].var == NX_REQUEST;
        /* with both $request and $request_uri logged, use the first; both hold the target */
        if (k > 0 && !r->nx[k - 1].is_var && r->nx[k - 1].len) {
            char c = r->nx[k - 1].text[r->nx[k - 1].len - 1];
            if (loggable((unsigned char)c) || c == '"') before = c;
        }
    }
    if (ln + s->method_len + 3 > cap) return 0;
    if (via_request) {
        if (s->method) {
            if (before) out[n++] = before;
            memcpy(out + n, s->method, s->method_len);
            n += s->method_len;
            out[n++] = ' ';
        } else {
            if (!ln) return 0;
            out[n++] = ' ';
        }
    } else {
        if (before) out[n++] = before;
        else if (!ln) return 0;
    }
    memcpy(out + n, lit, ln);
    n += ln;
    return n >= 2 ? n : 0;
}

static void derive_prefilter(scan_rule *r)
{
    char buf[400];
    r->nneedles = 0;
    for (int i = 0; i < r->nsec; i++) {
        size_t n = section_needle(r, &r->sec[i], buf, sizeof buf);
        if (!n) { /* one section without a literal: every line must be parsed */
            for (int k = 0; k < r->nneedles; k++) free(r->needles[k]);
            r->nneedles = 0;
            return;
        }
        r->needles[r->nneedles] = xstrndup(buf, n);
        r->needle_len[r->nneedles++] = n;
    }
    /* drop needles that contain another needle (the shorter one finds their lines too) */
    for (int i = 0; i < r->nneedles; i++) {
        for (int k = 0; k < r->nneedles; k++) {
            if (i == k || !r->needles[i] || !r->needles[k]) continue;
            if (r->needle_len[k] <= r->needle_len[i] &&
                memmem(r->needles[i], r->needle_len[i], r->needles[k], r->needle_len[k]) &&
                (r->needle_len[k] < r->needle_len[i] || k < i)) {
                free(r->needles[i]);
                r->needles[i] = NULL;
                break;
            }
        }
    }
    int m = 0;
    for (int i = 0; i < r->nneedles; i++)
        if (r->needles[i]) {
            r->needles[m] = r->needles[i];
            r->needle_len[m++] = r->needle_len[i];
        }
    r->nneedles = m;
}

static int finish(struct pstate *ps)
{
    scan_rule *r = ps->r;
    if (!ps->seen_format) return fail(ps, 0, "no 'format' line (e.g. format = combined)");
    if (!r->nsec) return fail(ps, 0, "no [exposure \"NAME\"] section");
    if (r->has_from && r->has_until && r->from >= r->until)
        return fail(ps, ps->until_line, "'until' must be later than 'from'");
    /* field names: sorted union */
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
    unsigned h = r->nx_has;
    for (int i = 0; i < r->nsec; i++) {
        struct rule_section *s = &r->sec[i];
        for (int k = 0; k < ps->nsecfields[i]; k++)
            for (int j = 0; j < r->nfields; j++)
                if (!strcmp(r->fieldnames[j], ps->secfields[i][k])) s->fields |= (uint64_t)1 << j;
        s->has_fields = ps->nsecfields[i] > 0;
        if (!ps->sec_client_set[i]) s->client_xff = ps->top_client_xff;
        if (r->kind == LF_JSONL) continue;
        if (!s->regex) return fail(ps, s->line, "section '%s' has no 'request' regex", s->name);
        if (r->logs_status && !s->nst)
            return fail(ps, s->line, "section '%s' has no 'status' (the format logs one; e.g. status = 200,304)",
                        s->name);
        if (!s->has_fields)
            return fail(ps, s->line,
                        "section '%s' has no 'fields' (the personal data disclosed, e.g. fields = name,email)",
                        s->name);
        if (s->client_xff && r->kind != LF_NGINX)
            return fail(ps, s->line, "format %s does not log $http_x_forwarded_for (section '%s')",
                        r->kind == LF_COMBINED ? "combined" : "common", s->name);
        if (r->kind == LF_NGINX) {
            if (s->client_xff && !(h & 1u << NX_XFF))
                return fail(ps, s->line, "format has no $http_x_forwarded_for (section '%s' uses it as client)",
                            s->name);
            if (s->viewer != VIEW_USER && !(h & 1u << NX_REMOTE_ADDR) && !s->client_xff)
                return fail(ps, s->line, "format has no $remote_addr (section '%s' identifies viewers by address)",
                            s->name);
            if ((s->viewer != VIEW_IP || s->self_user) && !(h & 1u << NX_REMOTE_USER))
                return fail(ps, s->line, "format has no $remote_user (section '%s'; use viewer = ip and no 'self')",
                            s->name);
            if (s->method && !(h & (1u << NX_REQUEST | 1u << NX_REQUEST_METHOD)))
                return fail(ps, s->line, "format has no $request or $request_method (section '%s' has a method)",
                            s->name);
        }
    }
    derive_prefilter(r);
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
    for (int i = 0; i < r->nfields; i++) free(r->fieldnames[i]);
    for (int i = 0; i < r->nneedles; i++) free(r->needles[i]);
    free(r->text);
    free(r);
}
