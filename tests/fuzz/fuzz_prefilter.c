/* fuzz_prefilter.c — libFuzzer target for the soundness of the scanner's literal prefilter
 * (src/scan/rule.c: the needles derived from each section's request regex). A line is parsed
 * in full only when it contains a needle, so a needle that a matching line lacks silently
 * drops exposures. Property: every log line whose request target the section's regex matches
 * (with its method, when the section names one) contains at least one needle.
 *
 * Input: byte 0 picks the format (combined, common, nginx with $request, nginx with
 * $request_uri) and whether the section has `method = GET`; then the regex up to the first
 * newline; then request targets, one a line. Each target is written into a log line of the
 * format (with `"` and `\` escaped as the server does), parsed with the scanner's own line
 * parser, and matched with the section's compiled regex, as the scanner does.
 * Finding F3 (docs/reliability.md): a regex written with \x2F (or \p{..}, \057, ...) gave the
 * needle "2Fprofile", and klartext missed every exposure. */
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const formats[] = {
    "combined",
    "common",
    "nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent'",
    "nginx:'$time_iso8601 $remote_addr $request_method $request_uri $status'",
};

static size_t logline(int fmt, int post, const char *t, size_t tn, char *out)
{
    size_t k = 0;
    const char *m = post ? "POST" : "GET";
    if (fmt == 3) {
        k += (size_t)sprintf(out + k, "2018-11-12T14:03:00+01:00 1.2.3.4 %s ", m);
        memcpy(out + k, t, tn);
        k += tn;
        k += (size_t)sprintf(out + k, " 200");
        return k;
    }
    k += (size_t)sprintf(out + k, "1.2.3.4 - - [12/Nov/2018:14:03:00 +0100] \"%s ", m);
    for (size_t i = 0; i < tn; i++) {
        if (t[i] == '"' || t[i] == '\\') out[k++] = '\\';
        out[k++] = t[i];
    }
    k += (size_t)sprintf(out + k, " HTTP/1.1\" 200 5%s", fmt == 0 ? " \"-\" \"agent\"" : "");
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int fmt = data[0] & 3, with_method = (data[0] >> 2) & 1, post = (data[0] >> 3) & 1;
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(d, '\n', n);
    size_t rl = nl ? (size_t)(nl - d) : n;
    if (rl > 1000 || memchr(d, 0, rl)) return 0;
    char *text = malloc(rl + 400);
    int k = snprintf(text, 400, "format = %s\n[exposure \"p\"]\n%srequest = ", formats[fmt],
                     with_method ? "method = GET\n" : "");
    memcpy(text + k, d, rl);
    k += (int)rl;
    k += snprintf(text + k, 400, "\nstatus = 200\nfields = name\n");
    char err[512];
    scan_rule *r = scan_rule_parse(text, (size_t)k, NULL, err, sizeof err);
    free(text);
    if (!r) return 0;
    const char *const *nd;
    size_t nn = scan_rule_prefilters(r, &nd);
    if (nn == 0 || !nl) {
        scan_rule_free(r);
        return 0;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->sec[0].re, NULL);
    struct lf_state st;
    lf_state_init(&st);
    const char *p = nl + 1, *end = d + n;
    char *line = malloc(2 * n + 200);
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        size_t tn = (size_t)(e - p);
        size_t ln = logline(fmt, post, p, tn, line);
        struct lf_line o;
        const char *why;
        if (lf_parse(r, &st, line, ln, &o, &why) == 0 && o.has_request && !o.odd && o.target.p &&
            (!r->sec[0].method ||
             (o.method.n == r->sec[0].method_len && !memcmp(o.method.p, r->sec[0].method, o.method.n)))) {
            int rc = pcre2_match(r->sec[0].re, (PCRE2_SPTR)o.target.p, o.target.n, 0, 0, md, NULL);
            if (rc > 0) {
                int found = 0;
                for (size_t i = 0; i < nn && !found; i++) found = memmem(line, ln, nd[i], strlen(nd[i])) != NULL;
                if (!found) {
                    fprintf(stderr, "regex '%.*s' matches the line '%.*s', which lacks the prefilter '%s'\n", (int)rl,
                            d, (int)ln, line, nd[0]);
                    abort();
                }
            }
        }
        p = e + 1;
    }
    free(line);
    lf_state_release(&st);
    pcre2_match_data_free(md);
    scan_rule_free(r);
    return 0;
}
