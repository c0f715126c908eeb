/* prefilter.c — the literal prefilter derived from a rule's regexes (docs/scan.md "How it is
 * fast", step 3): the text every matching line must contain, per log format. A needle that a
 * matching line lacks drops exposures silently, so every step here errs on the side of a
 * shorter needle or none (tests/fuzz/fuzz_prefilter.c checks the property). */
#include "scan/scan_int.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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
    char *out;
    size_t cap;
    int *is_anchored;
};

/* a literal run ended: 1 when the answer is known (anchored prefix, in st->rl) */
static int end_run(struct litrun *st)
{
    if (st->anchored && st->first_run) {
        if (st->rl > st->cap) st->rl = st->cap;
        memcpy(st->out, st->run, st->rl);
        *st->is_anchored = 1;
        return 1;
    }
    if (st->rl > st->best && st->rl <= st->cap) {
        st->best = st->rl;
        memcpy(st->out, st->run, st->rl);
    }
    st->rl = 0;
    st->first_run = 0;
    return 0;
}

/* 1 when the regex has something the analysis does not follow: \Q…\E, or an inline option
 * setting such as (?i), (?x), (?-s), (?^), which changes the meaning of literals (other "(?"
 * groups — (?:, (?=, (?<name>, (?P<, (?|, (?#, (?R, (?1, (?+1, (?(… — do not), or an
 * alternation at the top level (then no literal is required) */
static int regex_opaque(const char *re, size_t n)
{
    if (strstr(re, "\\Q")) return 1;
    for (const char *q = strstr(re, "(?"); q; q = strstr(q + 2, "(?"))
        if ((!strchr(":=!<>|P#'&R+(", q[2]) || !q[2]) && !isdigit((unsigned char)q[2])) return 1;
    size_t j = 0;
    while (j < n) {
        if (re[j] == '\\') {
            j += 2;
            continue;
        }
        if (re[j] == '[' || re[j] == '(') {
            size_t k = re[j] == '[' ? skip_class(re, j, n) : skip_group(re, j, n);
            if (!k) return 1;
            j = k;
            continue;
        }
        if (re[j] == '|') return 1;
        j++;
    }
    return 0;
}

/* re[i] == '{': the index after a quantifier {m}, {m,}, {m,n} (*m set), or 0 for a literal '{' */
static size_t quantifier_end(const char *re, size_t i, size_t n, unsigned *m)
{
    size_t k = i + 1;
    int digits = 0;
    *m = 0;
    while (k < n && isdigit((unsigned char)re[k])) {
        *m = *m * 10 + (unsigned)(re[k] - '0');
        k++;
        digits++;
        if (*m > 100000) *m = 100000;
    }
    if (!digits || k >= n || (re[k] != '}' && re[k] != ',')) return 0;
    if (re[k] == ',') {
        k++;
        while (k < n && isdigit((unsigned char)re[k])) k++;
    }
    return k < n && re[k] == '}' ? k + 1 : 0;
}

/* one step of the scan at re[*i]: returns 1 when the literal byte *c follows, 0 when the step
 * was something else (handled), -1 when the answer is known (st->rl, the anchored prefix),
 * -2 when the rest cannot be followed (the best run so far is the answer), -3 when the regex
 * cannot be analysed (no literal) and -4 at a trailing backslash (the regex ends here) */
static int regex_step(const char *re, size_t n, size_t *i, struct litrun *st, unsigned char *c)
{
    unsigned char ch = (unsigned char)re[*i];
    if (ch == '\\') {
        if (*i + 1 >= n) return -4;
        unsigned char e = (unsigned char)re[*i + 1];
        *i += 2;
        if (!isalnum(e)) {
            *c = e;
            return 1;
        }
        if (end_run(st)) return -1;
        /* an escape with an argument (\x2F, \x{2F}, \o{57}, \057, \1, \cA, \p{Lu}, \N{U+2F},
         * \g{1}, \k<n>): its argument is not literal text; keep what was found */
        return strchr("xocpPNgk", e) || isdigit(e) ? -2 : 0;
    }
    if (ch == '[' || ch == '(') {
        if (end_run(st)) return -1;
        size_t k = ch == '[' ? skip_class(re, *i, n) : skip_group(re, *i, n);
        if (!k) return -3;
        *i = k;
        return 0;
    }
    if (ch == '*' || ch == '?' || ch == '+') {
        if (ch != '+' && st->rl) st->rl--; /* the byte before is optional */
        (*i)++;
        return end_run(st) ? -1 : 0;
    }
    if (ch == '{') {
        unsigned m;
        size_t k = quantifier_end(re, *i, n, &m);
        if (k) {
            if (m == 0 && st->rl) st->rl--;
            *i = k;
            return end_run(st) ? -1 : 0;
        }
    } else if (ch == '.' || ch == '^' || ch == '$' || ch == ')') {
        (*i)++;
        return end_run(st) ? -1 : 0;
    }
    (*i)++;
    *c = ch;
    return 1;
}

/* Required literal runs of a regex at the top level. anchored: only the run that starts
 * right after a leading '^' (its literal prefix). Otherwise the longest required run.
 * Returns its length (copied to out, cap bytes) or 0 when there is none; sets *is_anchored. */
static size_t regex_literal(const char *re, int *is_anchored, char *out, size_t cap)
{
    size_t n = strlen(re), i = 0;
    struct litrun st;
    memset(&st, 0, sizeof st);
    st.first_run = 1;
    st.out = out;
    st.cap = cap;
    st.is_anchored = is_anchored;
    *is_anchored = 0;
    if (regex_opaque(re, n)) return 0;
    if (n && re[0] == '^') {
        st.anchored = 1;
        i = 1;
    }
    while (i < n) {
        unsigned char c = 0;
        int k = regex_step(re, n, &i, &st, &c);
        if (k == -1) return st.rl;
        if (k == -2) return st.best;
        if (k == -3) return 0;
        if (k == -4) break;
        if (k == 0) continue;
        if (!loggable(c) || st.rl >= sizeof st.run) {
            if (end_run(&st)) return st.rl;
            if (!loggable(c)) continue;
        }
        st.run[st.rl++] = (char)c;
    }
    if (end_run(&st)) return st.rl;
    return st.best;
}

/* ---- needles per format ---- */

/* the literal cut at the first byte this format's log writes differently from the request:
 * '?' for w3c/cloudfront (stem and query are separate fields), a space for w3c (IIS writes
 * '+'), what CloudFront URL-encodes, '#' for haproxy (its escape), '&' '<' '>' for traefik
 * (written as \u0026 …). Returns the new length. */
static size_t cut_literal(int kind, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lit[i];
        int stop = 0;
        switch (kind) {
        case LF_W3C: stop = c == '?' || c == ' ' || c == '+'; break;
        case LF_CLOUDFRONT: stop = c == '?' || strchr(" <>\"#%{}|\\^~[]`'", c) != NULL; break;
        case LF_HAPROXY: stop = c == '#'; break;
        case LF_TRAEFIK:
        case LF_CADDY: stop = c == '&' || c == '<' || c == '>'; break;
        default: break;
        }
        if (stop) return i;
    }
    return n;
}

/* JSON formats: the longest piece of the literal without '/', since some log shippers write
 * '/' as "\/" (a needle with '/' would miss their lines); 0 when it is shorter than 3 bytes */
static size_t json_piece(char *lit, size_t n)
{
    size_t best = 0, bs = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && lit[j] != '/') j++;
        if (j - i > best) {
            best = j - i;
            bs = i;
        }
        i = j + 1;
    }
    memmove(lit, lit + bs, best);
    return best >= 3 ? best : 0;
}

/* combined, common, nginx: the byte before the request target in the line ('"' for the
 * quoted request) and whether the target follows the method (in $request) */
static int clf_context(const scan_rule *r, char *before, int *via_request)
{
    *before = 0;
    *via_request = 1;
    if (r->kind == LF_COMBINED || r->kind == LF_COMMON) {
        *before = '"';
        return 0;
    }
    size_t k;
    for (k = 0; k < r->nnx; k++)
        if (r->nx[k].is_var && (r->nx[k].var == NX_REQUEST || r->nx[k].var == NX_REQUEST_URI)) break;
    if (k == r->nnx) return -1;
    *via_request = r->nx[k].var == NX_REQUEST;
    /* with both $request and $request_uri logged, use the first; both hold the target */
    if (k > 0 && !r->nx[k - 1].is_var && r->nx[k - 1].len) {
        char c = r->nx[k - 1].text[r->nx[k - 1].len - 1];
        if (loggable((unsigned char)c) || c == '"') *before = c;
    }
    return 0;
}

/* combined, common, nginx: an anchored literal with what precedes the target in the line */
static size_t clf_needle(const scan_rule *r, const struct rule_section *s, const char *lit, size_t ln, char *out,
                         size_t cap)
{
    char before;
    int via_request;
    size_t n = 0;
    if (clf_context(r, &before, &via_request)) return 0;
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

/* the prefilter needle for one section, or 0 when none can be derived */
static size_t section_needle(const scan_rule *r, const struct rule_section *s, char *out, size_t cap)
{
    char lit[300];
    int anchored;
    if (r->kind == LF_JSONL || !s->regex) return 0;
    size_t ln = regex_literal(s->regex, &anchored, lit, sizeof lit);
    if (r->kind == LF_COMBINED || r->kind == LF_COMMON || r->kind == LF_NGINX) {
        if (!anchored) {
            if (ln < 3 || ln > cap) return 0;
            memcpy(out, lit, ln);
            return ln;
        }
        return clf_needle(r, s, lit, ln, out, cap);
    }
    /* the other formats: the literal alone, cut where the log writes it differently (an
     * absolute URI, a separate query field or an escape may stand around or inside it) */
    ln = cut_literal(r->kind, lit, ln);
    if (r->kind == LF_CADDY || r->kind == LF_TRAEFIK) {
        ln = json_piece(lit, ln);
        anchored = 0;
    }
    if (ln < 3 || ln + 1 > cap) return 0;
    size_t n = 0;
    if (anchored && r->kind == LF_CLOUDFRONT) out[n++] = '\t'; /* cs-uri-stem is its own field */
    memcpy(out + n, lit, ln);
    return n + ln;
}

static void add_needle(scan_rule *r, const char *p, size_t n)
{
    r->needles[r->nneedles] = xstrndup(p, n);
    r->needle_len[r->nneedles++] = n;
}

/* drop needles that contain another needle (the shorter one finds their lines too) */
static void drop_contained(scan_rule *r)
{
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

void rule_derive_prefilter(scan_rule *r)
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
        add_needle(r, buf, n);
    }
    drop_contained(r);
}
