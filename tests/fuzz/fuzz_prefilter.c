/* fuzz_prefilter.c — libFuzzer target for the soundness of the scanner's literal prefilter
 * (src/scan/rule.c: the needles derived from each section's request regex). A line is parsed
 * in full only when it contains a needle, so a needle that a matching line lacks silently
 * drops exposures. Property: every log line whose request target the section's regex matches
 * (with its method, when the section names one) contains at least one needle.
 *
 * Input: byte 0 picks the format (bits 0-1 and 4-7: combined, common, nginx with $request,
 * nginx with $request_uri, alb, elb, w3c, cloudfront, caddy, traefik, haproxy), whether the
 * section has `method = GET` (bit 2) and the method of the lines (bit 3); then the regex up to
 * the first newline; then request targets, one a line. Each target is written into a log line
 * of the format as its vendor writes it (Apache's \" and \\, ALB's \x22, IIS's '+' for a space,
 * CloudFront's %XX, JSON's escapes — also with '/' as "\/", as some shippers write it — Go's
 * \u0026, HAProxy's #XX; absolute URIs for the load balancers and HTTP/2), parsed with the
 * scanner's own line parser, and matched with the section's compiled regex, as the scanner does.
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
    "alb",
    "elb",
    "w3c",
    "cloudfront",
    "caddy",
    "traefik",
    "haproxy\nzone = UTC",
};
#define NF (sizeof formats / sizeof formats[0])

/* the directive line a w3c / cloudfront log starts with */
static const char *const w3c_fields = "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status";

static size_t put(char *out, size_t k, const char *s)
{
    size_t n = strlen(s);
    memcpy(out + k, s, n);
    return k + n;
}

/* t as a JSON string body: '"', '\', controls escaped; slash: '/' as "\/" (some shippers);
 * go: '<' '>' '&' as \u003c … (Go's encoding/json, Traefik) */
static size_t json_body(const char *t, size_t tn, int slash, int go, char *out, size_t k)
{
    for (size_t i = 0; i < tn; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c < 0x20 || (go && (c == '<' || c == '>' || c == '&'))) k += (size_t)sprintf(out + k, "\\u%04x", c);
        else if (slash && c == '/') k = put(out, k, "\\/");
        else out[k++] = (char)c;
    }
    return k;
}

/* the target the way each format's log writes it */
static size_t escaped(int fmt, const char *t, size_t tn, int variant, char *out, size_t k)
{
    for (size_t i = 0; i < tn; i++) {
        unsigned char c = (unsigned char)t[i];
        if (fmt == 6 && (c == ' ' || c == '\t')) out[k++] = '+'; /* IIS */
        else if (fmt == 7 && (c <= 32 || c >= 127 || strchr("<>\"#%{}|\\^~[]`'", c)))
            k += (size_t)sprintf(out + k, "%%%02X", c); /* CloudFront: RFC 1738 */
        else if (fmt == 10 && (c < 32 || c > 126 || c == '#' || c == '"'))
            k += (size_t)sprintf(out + k, "#%02X", c); /* HAProxy */
        else if ((fmt == 4 || fmt == 5) && c == '"') k = put(out, k, variant ? "\\x22" : "\\\""); /* ALB, ELB */
        else if ((fmt == 4 || fmt == 5) && c == '\\') k = put(out, k, "\\\\");
        else out[k++] = (char)c;
    }
    return k;
}

/* w3c, cloudfront: stem and query are separate fields ('-' when there is none) */
static size_t w3c_line(int fmt, const char *m, const char *t, size_t tn, char *out)
{
    const char *q = memchr(t, '?', tn);
    size_t sn = q ? (size_t)(q - t) : tn, k = 0;
    char sep = fmt == 7 ? '\t' : ' ';
    k += (size_t)sprintf(out + k, "2018-11-12%c14:03:00%c1.2.3.4%c%s%c", sep, sep, sep, m, sep);
    k = sn ? escaped(fmt, t, sn, 0, out, k) : put(out, k, "-");
    out[k++] = sep;
    k = q && tn - sn > 1 ? escaped(fmt, q + 1, tn - sn - 1, 0, out, k) : put(out, k, "-");
    k += (size_t)sprintf(out + k, "%c200", sep);
    return k;
}

static size_t logline(int fmt, int post, int variant, const char *t, size_t tn, char *out)
{
    size_t k = 0;
    const char *m = post ? "POST" : "GET";
    switch (fmt) {
    case 3:
        k += (size_t)sprintf(out + k, "2018-11-12T14:03:00+01:00 1.2.3.4 %s ", m);
        memcpy(out + k, t, tn);
        k += tn;
        return k + (size_t)sprintf(out + k, " 200");
    case 4:
    case 5:
        k += (size_t)sprintf(
            out + k, "%s2018-07-02T22:23:00.186641Z app/lb/1 1.2.3.4:5 10.0.0.1:80 0.0 0.0 0.0 200 200 1 1 \"%s ",
            fmt == 4 ? "h2 " : "", m);
        if (tn && t[0] == '/' && variant) k = put(out, k, "https://shop.example:443");
        k = escaped(fmt, t, tn, variant, out, k);
        return k + (size_t)sprintf(out + k, " HTTP/1.1\" \"agent\" - -");
    case 6:
    case 7: return w3c_line(fmt, m, t, tn, out);
    case 8:
    case 9:
        if (fmt == 8)
            k += (size_t)sprintf(
                out + k, "{\"ts\":1542031380,\"request\":{\"remote_ip\":\"1.2.3.4\",\"method\":\"%s\",\"uri\":\"", m);
        else
            k += (size_t)sprintf(
                out + k,
                "{\"ClientHost\":\"1.2.3.4\",\"DownstreamStatus\":200,\"RequestMethod\":\"%s\",\"RequestPath\":\"", m);
        k = json_body(t, tn, variant & 1, fmt == 9, out, k);
        if (fmt == 8) return k + (size_t)sprintf(out + k, "\"},\"status\":200}");
        return k + (size_t)sprintf(out + k, "\",\"StartUTC\":\"2018-11-12T13:03:00Z\"}");
    case 10:
        k += (size_t)sprintf(
            out + k, "1.2.3.4:5 [12/Nov/2018:14:03:00.000] fe be/s 0/0/0/0/0 200 5 - - ---- 1/1/1/1/0 0/0 \"%s ", m);
        if (tn && t[0] == '/' && variant) k = put(out, k, "https://shop.example");
        k = escaped(fmt, t, tn, 0, out, k);
        return k + (size_t)sprintf(out + k, " HTTP/2.0\"");
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
    int fmt = (int)(((data[0] >> 4) << 2 | (data[0] & 3)) % NF), with_method = (data[0] >> 2) & 1,
        post = (data[0] >> 3) & 1;
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
    char *line = malloc(6 * n + 300);
    struct lf_line o;
    const char *why;
    if (fmt == 6 || fmt == 7) lf_parse(r, &st, w3c_fields, strlen(w3c_fields), &o, &why);
    int variant = 0;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        size_t tn = (size_t)(e - p);
        size_t ln = logline(fmt, post, variant++ & 1, p, tn, line);
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
