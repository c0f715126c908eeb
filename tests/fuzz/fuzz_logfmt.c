/* fuzz_logfmt.c — libFuzzer target for the scanner's log formats (src/scan/logfmt.c and the
 * log_format compiler in src/scan/rule.c), beyond fuzz_logline's "does not crash":
 *
 * Byte 0 picks the mode:
 *   0  nginx log_format compile: the rest is "FORMAT\nLINE\nLINE…". The format goes into a
 *      rule (`format = nginx:'FORMAT'`); if the rule compiles, every line is parsed.
 *   1  combined / common round trip: a log line is written from fields taken from the input
 *      (host, user, a valid time with any offset, method, a target with quotes and
 *      backslashes escaped as Apache does, protocol, status, bytes, referer, user agent);
 *      the parser must give back exactly those fields and the UTC time computed here with an
 *      independent calendar.
 *   2  jsonl round trip: an event object is written with jansson (keys in any order, unknown
 *      keys with nested values, \u escapes, surrogate pairs); the parser must give back
 *      subject, viewer, ip, where, the fields (duplicates dropped) and the time.
 *   3  the fixed rules of fuzz_logline (combined, common, two nginx formats, jsonl) on many
 *      lines at once.
 * In modes 0 and 3 every line is parsed twice: with the long-lived parser state (its time
 * caches warmed by earlier lines and inputs, as in a real scan) and with a fresh one, and
 * the line with a CR appended is parsed too. All three must agree exactly (result, reason,
 * time, every field): the time caches and CRLF handling may never change a result. */
#include "scan/scan_int.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_rules.h"
static scan_rule *fixed[NR];
static struct lf_state warm; /* lives across inputs, like a worker's state across lines */

static void init(void)
{
    char err[256];
    if (fixed[0]) return;
    for (size_t i = 0; i < NR; i++)
        if (!(fixed[i] = scan_rule_parse(rules[i], strlen(rules[i]), NULL, err, sizeof err))) abort();
    lf_state_init(&warm);
}

/* ---- comparing two parses ---- */
static int str_eq(struct lf_str a, struct lf_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static void same(const scan_rule *r, int rc1, const char *why1, const struct lf_line *a, int rc2, const char *why2,
                 const struct lf_line *b, const char *line, size_t len)
{
    int ok = rc1 == rc2;
    if (ok && rc1) ok = strcmp(why1, why2) == 0;
    if (ok && !rc1) {
        ok = a->t == b->t && str_eq(a->host, b->host) && str_eq(a->user, b->user) && str_eq(a->method, b->method) &&
             str_eq(a->target, b->target) && a->odd == b->odd && a->has_request == b->has_request &&
             a->status == b->status;
        if (r->kind == LF_NGINX) ok = ok && str_eq(a->xff, b->xff);
        if (ok && r->kind == LF_JSONL) {
            ok = str_eq(a->subject, b->subject) && str_eq(a->where, b->where) && str_eq(a->viewer, b->viewer) &&
                 str_eq(a->ip, b->ip) && a->has_where == b->has_where && a->nfields == b->nfields &&
                 a->has_fields == b->has_fields;
            for (int i = 0; ok && i < a->nfields; i++) ok = str_eq(a->fields[i], b->fields[i]);
        }
    }
    if (!ok) {
        fprintf(stderr, "parses differ on '%.*s': %d %s / %d %s, t %lld / %lld\n", (int)len, line, rc1, rc1 ? why1 : "",
                rc2, rc2 ? why2 : "", (long long)a->t, (long long)b->t);
        abort();
    }
}

static void parse3(const scan_rule *r, const char *line0, size_t len)
{
    /* a private copy with room for a CR, so that reads past the end are caught */
    char *line = malloc(len + 1);
    memcpy(line, line0, len);
    struct lf_line o1, o2, o3;
    const char *w1 = NULL, *w2 = NULL, *w3 = NULL;
    int rc1 = lf_parse(r, &warm, line, len, &o1, &w1);
    if (rc1 && (!w1 || !*w1)) abort();
    if (!rc1 && o1.has_request && !o1.odd && (!o1.target.p || !o1.method.p) && r->kind != LF_NGINX) abort();
    struct lf_state fresh;
    lf_state_init(&fresh);
    int rc2 = lf_parse(r, &fresh, line, len, &o2, &w2);
    same(r, rc1, w1, &o1, rc2, w2, &o2, line, len);
    if (!(len && line[len - 1] == '\r')) {
        struct lf_state fresh2;
        lf_state_init(&fresh2);
        char *cr = malloc(len + 1);
        memcpy(cr, line, len);
        cr[len] = '\r';
        int rc3 = lf_parse(r, &fresh2, cr, len + 1, &o3, &w3);
        same(r, rc1, w1, &o1, rc3, w3, &o3, line, len);
        lf_state_release(&fresh2);
        free(cr);
    }
    lf_state_release(&fresh);
    free(line);
}

static void lines(const scan_rule *r, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t l = nl ? (size_t)(nl - p) : n;
        parse3(r, p, l);
        if (!nl) break;
        n -= l + 1;
        p = nl + 1;
    }
}

/* ---- mode 0: nginx log_format ---- */
static void nginx_mode(const uint8_t *d, size_t n)
{
    const uint8_t *nl = memchr(d, '\n', n);
    size_t fl = nl ? (size_t)(nl - d) : n;
    if (fl > 2000) return;
    char *text = malloc(fl + 200);
    char err[512];
    for (int with_status = 1; with_status >= 0; with_status--) {
        int k = snprintf(text, 200, "format = nginx:'");
        memcpy(text + k, d, fl);
        k += (int)fl;
        k += snprintf(text + k, 200, "'\n[exposure \"p\"]\nrequest = ^/(\\w+)\n%sfields = n\n",
                      with_status ? "status = 200\n" : "");
        err[0] = 0;
        scan_rule *r = scan_rule_parse(text, (size_t)k, "fmt.conf", err, sizeof err);
        if (!r) {
            if (!err[0]) abort();
            continue;
        }
        if (r->kind != LF_NGINX || !r->nnx) abort();
        if (nl) lines(r, (const char *)nl + 1, n - fl - 1);
        scan_rule_free(r);
        break;
    }
    free(text);
}

/* ---- input reader for the round trips ---- */
struct rd {
    const uint8_t *p;
    size_t n;
};
static unsigned u8(struct rd *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static int64_t days_from_civil(int64_t y, int m, int d) /* H. Hinnant's algorithm */
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int dim(int y, int m)
{
    static const int t[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return t[m - 1];
}

struct when {
    int y, mo, d, h, mi, s, oh, om, neg;
    int64_t t;
};
static void pick_time(struct rd *r, struct when *w)
{
    w->y = 1970 + (int)((u8(r) << 8 | u8(r)) % 8030); /* 1970..9999 */
    w->mo = 1 + (int)(u8(r) % 12);
    w->d = 1 + (int)(u8(r) % (unsigned)dim(w->y, w->mo));
    w->h = (int)(u8(r) % 24);
    w->mi = (int)(u8(r) % 60);
    w->s = (int)(u8(r) % 60);
    w->oh = (int)(u8(r) % 24);
    w->om = (int)(u8(r) % 60);
    w->neg = (int)(u8(r) & 1);
    int64_t off = (w->oh * 3600 + w->om * 60) * (w->neg ? -1 : 1);
    w->t = days_from_civil(w->y, w->mo, w->d) * 86400 + w->h * 3600 + w->mi * 60 + w->s - off;
}

struct sbuf {
    char *p;
    size_t n, cap;
};
static void sput(struct sbuf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sputs(struct sbuf *b, const char *s)
{
    sput(b, s, strlen(s));
}

/* escaped as Apache's ap_escape_logitem: \" and \\ (control bytes: \xHH) */
static void sput_esc(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sput(b, e, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char e[5];
            snprintf(e, sizeof e, "\\x%02x", c);
            sput(b, e, 4);
        } else sput(b, &s[i], 1);
    }
}

/* n bytes from the input mapped into [lo, 0xff] */
static size_t take(struct rd *r, char *out, size_t max, unsigned lo, size_t minlen)
{
    size_t n = minlen + u8(r) % (max - minlen + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned c = u8(r);
        out[i] = (char)(c < lo ? lo + c % (0x7f - lo) : c);
    }
    return n;
}

static void expect(int cond, const char *what, const char *line)
{
    if (!cond) {
        fprintf(stderr, "round trip: %s wrong for line '%s'\n", what, line);
        abort();
    }
}

static void clf_mode(const uint8_t *d, size_t n)
{
    struct rd r = {d, n};
    int combined = (int)(u8(&r) & 1);
    const scan_rule *rule = fixed[combined ? 0 : 1];
    static const char hostc[] = "0123456789abcdef.:";
    char host[24], user[24], method[8], target[80], ref[40], ua[60];
    size_t hl = 1 + u8(&r) % 20, ul, ml, tl, rl, al;
    for (size_t i = 0; i < hl; i++) host[i] = hostc[u8(&r) % (sizeof hostc - 1)];
    ul = take(&r, user, 16, 0x21, 1);
    for (size_t i = 0; i < ul; i++)
        if (user[i] == ' ' || (unsigned char)user[i] == 0x7f) user[i] = '_';
    ml = 1 + u8(&r) % 7;
    for (size_t i = 0; i < ml; i++) method[i] = (char)('A' + u8(&r) % 26);
    tl = take(&r, target, 64, 0x21, 1);
    for (size_t i = 0; i < tl; i++)
        if ((unsigned char)target[i] == 0x7f) target[i] = '~';
    struct when w;
    pick_time(&r, &w);
    int status = 100 + (int)((u8(&r) << 8 | u8(&r)) % 900);
    unsigned bytes = u8(&r) << 8 | u8(&r);
    rl = take(&r, ref, 32, 0x20, 0);
    al = take(&r, ua, 48, 0x20, 0);
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const protos[] = {"HTTP/1.0", "HTTP/1.1", "HTTP/2.0"};
    struct sbuf b = {0};
    char tmp[128];
    sput(&b, host, hl);
    sputs(&b, " - ");
    sput(&b, user, ul);
    snprintf(tmp, sizeof tmp, " [%02d/%s/%04d:%02d:%02d:%02d %c%02d%02d] \"", w.d, months[w.mo - 1], w.y, w.h, w.mi,
             w.s, w.neg ? '-' : '+', w.oh, w.om);
    sputs(&b, tmp);
    sput(&b, method, ml);
    sputs(&b, " ");
    sput_esc(&b, target, tl);
    snprintf(tmp, sizeof tmp, " %s\" %d ", protos[u8(&r) % 3], status);
    sputs(&b, tmp);
    if (bytes & 1) sputs(&b, "-");
    else {
        snprintf(tmp, sizeof tmp, "%u", bytes >> 1);
        sputs(&b, tmp);
    }
    if (combined) {
        sputs(&b, " \"");
        sput_esc(&b, ref, rl);
        sputs(&b, "\" \"");
        sput_esc(&b, ua, al);
        sputs(&b, "\"");
    }
    if (u8(&r) & 1) sputs(&b, "\r");

    char *line = malloc(b.n);
    memcpy(line, b.p, b.n);
    struct lf_line o;
    const char *why = NULL;
    int rc = lf_parse(rule, &warm, line, b.n, &o, &why);
    if (rc) {
        fprintf(stderr, "round trip: '%s' refused: %s\n", b.p, why);
        abort();
    }
    expect(o.t == w.t, "time", b.p);
    expect(o.host.n == hl && !memcmp(o.host.p, host, hl), "host", b.p);
    expect(o.user.n == ul && !memcmp(o.user.p, user, ul), "user", b.p);
    expect(o.has_request && !o.odd, "request", b.p);
    expect(o.method.n == ml && !memcmp(o.method.p, method, ml), "method", b.p);
    /* control bytes stay escaped as logged (\xHH); quotes and backslashes come back */
    struct sbuf want = {0};
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c < 0x20 || c == 0x7f) {
            char e[5];
            snprintf(e, sizeof e, "\\x%02x", c);
            sput(&want, e, 4);
        } else sput(&want, &target[i], 1);
    }
    expect(o.target.n == want.n && !memcmp(o.target.p, want.p, want.n), "target", b.p);
    expect(o.status == status, "status", b.p);
    free(want.p);
    free(line);
    free(b.p);
}

/* ---- mode 2: jsonl ---- */
static size_t utf8_put(char *o, unsigned c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* a UTF-8 string of up to max characters (printable mostly; control, NUL, non-BMP too) */
static size_t ustr(struct rd *r, char *o, size_t max, int minlen, int fieldname)
{
    size_t k = 0, n = (size_t)minlen + u8(r) % (max - (size_t)minlen + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned b = u8(r), c;
        if (b < 0xa0) c = 0x20 + b % 0x5f;
        else if (b < 0xc0) c = b - 0xa0; /* control, NUL */
        else if (b < 0xe0) c = 0xa0 + (b << 4) % 0x700;
        else if (b < 0xf0) {
            c = 0x800 + (b << 8 | u8(r)) % 0xF7FF;
            if (c >= 0xD800 && c <= 0xDFFF) c = 0xE000;
        } else c = 0x10000 + (b << 12 | u8(r) << 4) % 0x100000;
        if (fieldname && (c < 0x20 || c == ';' || c == ',' || c == '"' || c == 0x7f)) c = 'f';
        k += utf8_put(o + k, c);
    }
    return k;
}

static void jsonl_mode(const uint8_t *d, size_t n)
{
    struct rd r = {d, n};
    const scan_rule *rule = fixed[4];
    char subj[200], viewer[200], ip[200], where[200], fld[8][300], extra[200];
    size_t sl = ustr(&r, subj, 30, 1, 0), vl = ustr(&r, viewer, 30, 0, 0), il = ustr(&r, ip, 30, 0, 0);
    size_t wl = ustr(&r, where, 30, 0, 0), el = ustr(&r, extra, 20, 0, 0);
    unsigned flags = u8(&r);
    int nf = (int)(u8(&r) % 6);
    size_t fl[8];
    for (int i = 0; i < nf; i++) {
        fl[i] = ustr(&r, fld[i], 12, 1, 1);
        if (fl[i] > 64) fl[i] = 0;
    }
    int have_viewer = vl > 0 && !(vl == 1 && viewer[0] == '-');
    int have_ip = il > 0 && !(il == 1 && ip[0] == '-');
    if (!have_viewer && !have_ip) {
        viewer[0] = 'v';
        vl = 1;
        have_viewer = 1;
    }
    struct when w;
    pick_time(&r, &w);

    json_t *o = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < nf; i++)
        if (fl[i]) json_array_append_new(arr, json_stringn(fld[i], fl[i]));
    char iso[64];
    if (flags & 1) {
        char z[16];
        int zk = (flags >> 1) & 3;
        if (zk == 3 && w.om) {
            w.t += (w.neg ? -1 : 1) * w.om * 60;
            w.om = 0;
        } /* ±hh only */
        if (zk == 0) {
            w.t += (w.neg ? -1 : 1) * (w.oh * 3600 + w.om * 60);
            w.oh = w.om = 0;
        }
        char sg = w.neg ? '-' : '+';
        if (zk == 0) snprintf(z, sizeof z, "Z");
        else if (zk == 1) snprintf(z, sizeof z, "%c%02d:%02d", sg, w.oh, w.om);
        else if (zk == 2) snprintf(z, sizeof z, "%c%02d%02d", sg, w.oh, w.om);
        else snprintf(z, sizeof z, "%c%02d", sg, w.oh);
        snprintf(iso, sizeof iso, "%04d-%02d-%02d%c%02d:%02d:%02d%s%s", w.y, w.mo, w.d, flags & 8 ? ' ' : 'T', w.h,
                 w.mi, w.s, flags & 16 ? ".125" : "", z);
    }
    int64_t epoch = w.t < 0 ? 0 : w.t;
    if (!(flags & 1) && epoch > 999999999999LL) epoch = 999999999999LL;
    /* keys in an order chosen by the input */
    unsigned order = u8(&r);
    for (int k = 0; k < 7; k++) {
        switch ((k + order) % 7) {
        case 0: json_object_set_new(o, "ts", flags & 1 ? json_string(iso) : json_integer(epoch)); break;
        case 1: json_object_set_new(o, "subject", json_stringn(subj, sl)); break;
        case 2: json_object_set_new(o, "viewer", json_stringn(viewer, vl)); break;
        case 3: json_object_set_new(o, "ip", json_stringn(ip, il)); break;
        case 4:
            if (flags & 32) json_object_set_new(o, "where", json_stringn(where, wl));
            break;
        case 5: json_object_set_new(o, "fields", json_incref(arr)); break;
        case 6:
            if (flags & 64) {
                json_t *x = json_pack("{s:[i,f,b,n,{s:s#}],s:s#}", "nested", 1, 2.5, 1, "k", extra, (int)el, "extra",
                                      extra, (int)el);
                if (x) json_object_set_new(o, extra[0] && !strchr("tsvifw", extra[0]) ? "ext" : "zz", x);
            }
            break;
        }
    }
    size_t jflags = JSON_COMPACT | (flags & 128 ? JSON_ENSURE_ASCII : 0) | JSON_PRESERVE_ORDER;
    char *text = json_dumps(o, jflags);
    json_decref(arr);
    json_decref(o);
    if (!text) return;
    size_t len = strlen(text);
    char *line = malloc(len);
    memcpy(line, text, len);
    struct lf_line out;
    const char *why = NULL;
    int rc = lf_parse(rule, &warm, line, len, &out, &why);
    if (rc) {
        fprintf(stderr, "round trip: '%s' refused: %s\n", text, why);
        abort();
    }
    expect(out.t == (flags & 1 ? w.t : epoch), "time", text);
    expect(out.subject.n == sl && !memcmp(out.subject.p, subj, sl), "subject", text);
    expect(have_viewer ? (out.viewer.n == vl && !memcmp(out.viewer.p, viewer, vl)) : out.viewer.n == 0, "viewer", text);
    expect(have_ip ? (out.ip.n == il && !memcmp(out.ip.p, ip, il)) : out.ip.n == 0, "ip", text);
    expect((flags & 32) ? (out.has_where && out.where.n == wl && !memcmp(out.where.p, where, wl)) : !out.has_where,
           "where", text);
    int k = 0;
    for (int i = 0; i < nf; i++) {
        if (!fl[i]) continue;
        int dup = 0;
        for (int j = 0; j < i; j++) dup |= fl[j] == fl[i] && !memcmp(fld[j], fld[i], fl[i]);
        if (dup) continue;
        expect(k < out.nfields && out.fields[k].n == fl[i] && !memcmp(out.fields[k].p, fld[i], fl[i]), "fields", text);
        k++;
    }
    expect(k == out.nfields && out.has_fields, "number of fields", text);
    free(line);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 2) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0: nginx_mode(d, n); break;
    case 1: clf_mode(d, n); break;
    case 2: jsonl_mode(d, n); break;
    default: lines(fixed[d[0] % NR], (const char *)d + 1, n - 1); break;
    }
    return 0;
}
