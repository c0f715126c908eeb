/* fuzz_lbline.c — libFuzzer target for the AWS load balancer readers (src/scan/fmt_aws.c:
 * `alb`, `elb`; docs/rules.md).
 *
 * Byte 0: bit 0 picks alb or elb, bit 1 the mode.
 *   raw: the rest is lines; each is parsed with a warm and a fresh parser state and with a
 *        CR appended, and the three parses must agree (fuzz_lf.h).
 *   round trip: a line is written from fields taken from the input, as AWS writes it (the
 *        client as ip:port with an unbracketed or bracketed IPv6 address, a time with 0..9
 *        fractional digits, the status or "-", an absolute URI whose path holds `\x22` and
 *        `\"`, a user agent with `\"`, the fields AWS appended over the years and some it may
 *        append later); the parser must give back exactly the client address, the UTC
 *        second, the method, the path and query, and the status. */
#include "fuzz_lf.h"
#include "util/ktime.h"

static scan_rule *rules[2];
static struct lf_state warm[2];

static void init(void)
{
    static const char *const text[2] = {
        "format = alb\n[exposure \"p\"]\nrequest = ^/(\\w+)\nstatus = 200\nfields = n\n",
        "format = elb\n[exposure \"p\"]\nrequest = ^/(\\w+)\nstatus = 200\nfields = n\n"};
    char err[256];
    for (int i = 0; i < 2; i++) {
        if (!(rules[i] = scan_rule_parse(text[i], strlen(text[i]), NULL, err, sizeof err))) abort();
        lf_state_init(&warm[i]);
    }
}

/* the client: IPv4, or IPv6 written in full (unbracketed as AWS does, or bracketed) */
static void client(struct src *s, char *ip, char *field)
{
    unsigned kind = src_byte(s) % 3, port = src_u16(s);
    if (kind == 0) sprintf(ip, "%u.%u.%u.%u", src_byte(s), src_byte(s), src_byte(s), src_byte(s));
    else sprintf(ip, "2001:db8:%x:%x::%x", src_u16(s), src_u16(s), src_u16(s));
    sprintf(field, kind == 2 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void round_trip(int k, struct src *s)
{
    char ip[64], cl[80], path[400], ua[100], method[20], line[2048], frac[12];
    client(s, ip, cl);
    int64_t t = 946684800 + (int64_t)(src_u16(s) << 16 | src_u16(s)) % 3155760000LL;
    struct tm tm;
    kt_gmtime(t, &tm);
    unsigned nf = src_byte(s) % 10, status = src_byte(s) % 4 ? 100 + src_u16(s) % 900 : 0;
    for (unsigned i = 0; i < nf; i++) frac[i] = (char)('0' + src_byte(s) % 10);
    frac[nf] = 0;
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PROPFIND", "x-y_1"};
    snprintf(method, sizeof method, "%s", methods[src_byte(s) % 6]);
    /* the path: printable, no space; a `"` is written \x22 (as AWS does) or \" */
    char raw_path[100];
    size_t pn = src_text(s, raw_path, 60, " \"\\"), q = 0;
    path[q++] = '/';
    for (size_t i = 0; i < pn; i++) {
        unsigned x = src_byte(s) % 8;
        if (x == 0) q += (size_t)sprintf(path + q, "\\x22");
        path[q++] = raw_path[i];
    }
    path[q] = 0;
    src_text(s, ua, 40, "\"\\");
    char ts[64];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d%s%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, nf ? "." : "", frac);
    char st[8];
    if (status) snprintf(st, sizeof st, "%u", status);
    else snprintf(st, sizeof st, "-");
    int n = snprintf(
        line, sizeof line,
        "%s%s %s %s 10.0.0.1:80 0.000 -1 0.000 %s %s 34 366 \"%s https://shop.example:%u%s HTTP/2.0\" \"%s \\\"q\\\"\"",
        k == 0 ? "h2 " : "", ts, k == 0 ? "app/lb/50dc6c" : "lb", cl, st, st, method, src_u16(s), path, ua);
    if (k == 0)
        n += snprintf(line + n, sizeof line - (size_t)n,
                      " TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:x \"Root=1-6\" \"shop.example\" \"arn:aws:acm:x\" 1 %s "
                      "\"forward\" \"-\" \"-\" \"10.0.0.1:80\" \"200\" \"-\" \"-\"%s",
                      ts, src_byte(s) & 1 ? " TID_37acbe06 \"-\" \"-\" \"-\" \"a field from 2030\"" : "");
    struct lf_line o;
    const char *why = "";
    int rc = lf_parse(rules[k], &warm[k], line, (size_t)n, &o, &why);
    if (rc != LF_OK || o.odd || !lf_str_is(o.host, ip) || o.t != t || !lf_str_is(o.method, method) ||
        !lf_str_is(o.target, path) || o.status != (status ? (int)status : -1)) {
        fprintf(stderr, "round trip of '%s': rc %d (%s) host '%.*s' target '%.*s' status %d t %lld (want %lld)\n", line,
                rc, why, (int)o.host.n, o.host.p ? o.host.p : "", (int)o.target.n, o.target.p ? o.target.p : "",
                o.status, (long long)o.t, (long long)t);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules[0]) init();
    if (!size) return 0;
    int k = data[0] & 1;
    if (data[0] & 2) {
        struct src s = {data + 1, size - 1, 0};
        round_trip(k, &s);
    } else lf_raw_lines(rules[k], &warm[k], data + 1, size - 1);
    return 0;
}
