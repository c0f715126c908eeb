/* http_parse.c — bounded parsers for the portal's input (see http_parse.h). */
#include "serve/http_parse.h"
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long http_urldecode(const char *in, size_t n, int plus_space, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz) return -1;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)in[i];
        if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval((unsigned char)in[i + 1]), l = hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == 0 || o + 1 >= outsz) return -1;
        out[o++] = (char)c;
    }
    out[o] = 0;
    return (long)o;
}

int http_form_get(const char *body, size_t len, const char *key, char *out, size_t outsz)
{
    size_t klen = strlen(key), i = 0;
    if (outsz) out[0] = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        const char *eq = memchr(body + i, '=', end - i);
        size_t nlen = eq ? (size_t)(eq - (body + i)) : end - i;
        char name[64];
        long dn = nlen < sizeof name * 3 ? http_urldecode(body + i, nlen, 1, name, sizeof name) : -1;
        if (dn >= 0 && (size_t)dn == klen && !memcmp(name, key, klen)) {
            if (!eq) {
                if (outsz) out[0] = 0;
                return 1;
            }
            size_t vstart = (size_t)(eq + 1 - body);
            return http_urldecode(body + vstart, end - vstart, 1, out, outsz) < 0 ? -1 : 1;
        }
        i = end + 1;
    }
    return 0;
}

int http_json_fields(const char *body, size_t len, const char *const *fields, size_t nfields,
                     char out[][HTTP_FIELD_MAX], char *err, size_t errlen)
{
    json_error_t je;
    for (size_t i = 0; i < nfields; i++) out[i][0] = 0;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        snprintf(err, errlen, "body is not valid JSON: %s", je.text);
        return -1;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(err, errlen, "body is not a JSON object");
        return -1;
    }
    for (size_t i = 0; i < nfields; i++) {
        json_t *v = json_object_get(j, fields[i]);
        if (!v || json_is_null(v)) continue;
        if (!json_is_string(v)) {
            json_decref(j);
            snprintf(err, errlen, "'%s' is not a string", fields[i]);
            return -1;
        }
        size_t n = json_string_length(v);
        const char *s = json_string_value(v);
        if (n >= HTTP_FIELD_MAX || memchr(s, 0, n)) {
            json_decref(j);
            snprintf(err, errlen, "'%s' is too long or holds a NUL", fields[i]);
            return -1;
        }
        memcpy(out[i], s, n);
        out[i][n] = 0;
    }
    json_decref(j);
    return 0;
}

/* q-value "q=0.5" → thousandths; -1 when malformed */
static int qvalue(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n < 3 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '=') return -1;
    s += 2;
    n -= 2;
    int v = 0, digits = 0;
    if (*s == '1') v = 1000;
    else if (*s != '0') return -1;
    s++;
    n--;
    if (n && *s == '.') {
        s++;
        n--;
        int scale = 100;
        while (n && *s >= '0' && *s <= '9' && digits < 3) {
            v += (*s - '0') * scale;
            scale /= 10;
            s++;
            n--;
            digits++;
        }
    }
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n || v > 1000 ? -1 : v;
}

int http_accept_lang(const char *h)
{
    int best = -1, bestq = 0;
    if (!h) return -1;
    const char *p = h;
    for (int items = 0; *p && items < 64; items++) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *semi = memchr(p, ';', n);
        size_t tn = semi ? (size_t)(semi - p) : n;
        const char *t = p;
        while (tn && (*t == ' ' || *t == '\t')) {
            t++;
            tn--;
        }
        while (tn && (t[tn - 1] == ' ' || t[tn - 1] == '\t')) tn--;
        int q = 1000;
        if (semi) q = qvalue(semi + 1, (size_t)(p + n - semi - 1));
        int lang = -1;
        if (tn >= 2 && (tn == 2 || t[2] == '-' || t[2] == '_')) {
            if ((t[0] | 32) == 'd' && (t[1] | 32) == 'e') lang = 1;
            else if ((t[0] | 32) == 'e' && (t[1] | 32) == 'n') lang = 0;
        }
        if (lang >= 0 && q > bestq) {
            best = lang;
            bestq = q;
        }
        if (!end) break;
        p = end + 1;
    }
    return best;
}

int http_parse_u64(const char *s, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;
    if (!s || !*s) return -1;
    for (; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 18) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

long http_email_norm(const char *s, char *out, size_t outsz)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    if (!n || n + 1 > outsz) return -1;
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c == 0x7f) return -1;
        if (c == '@') at = s + i;
    }
    if (!at || at == s || at == s + n - 1) return -1;
    size_t local = (size_t)(at - s);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = (i > local && c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[n] = 0;
    return (long)n;
}

void http_email_mask(const char *addr, char *out, size_t outsz)
{
    const char *at = strrchr(addr, '@');
    if (!outsz) return;
    if (!at || at == addr) {
        snprintf(out, outsz, "…");
        return;
    }
    snprintf(out, outsz, "%c…%s", addr[0], at);
}

size_t http_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        int h, l;
        if (*r == '%' && (h = hexval((unsigned char)r[1])) >= 0 && (l = hexval((unsigned char)r[2])) >= 0) {
            int v = h * 16 + l;
            *w++ = (char)(v ? v : 0x7f);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

/* a port: 1 to 5 decimal digits, at most 65535 */
static int port_ok(const char *p, const char *e)
{
    long v = 0;
    if (p == e || e - p > 5) return 0;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = v * 10 + (*p - '0');
    }
    return v <= 65535;
}

int http_xff_last(const char *xff, char *out, size_t outsz)
{
    if (outsz) out[0] = 0;
    if (!xff || !outsz) return -1;
    const char *e = xff + strlen(xff), *b = e;
    while (b > xff && b[-1] != ',') b--;
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (b == e) return -1;
    for (const char *p = b; p < e; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) return -1;
    const char *h = b, *he = e;
    if (*b == '[') {
        const char *rb = memchr(b, ']', (size_t)(e - b));
        if (!rb) return -1;
        h = b + 1;
        he = rb;
        if (!memchr(h, ':', (size_t)(he - h))) return -1; /* brackets hold IPv6 text only */
        if (rb + 1 < e && (rb[1] != ':' || !port_ok(rb + 2, e))) return -1;
    } else {
        const char *colon = memchr(b, ':', (size_t)(e - b));
        if (colon && !memchr(colon + 1, ':', (size_t)(e - colon - 1))) { /* one colon: HOST:PORT */
            if (!port_ok(colon + 1, e)) return -1;
            he = colon;
        }
    }
    size_t n = (size_t)(he - h);
    if (!n || n >= outsz || n > INT_MAX) return -1;
    memcpy(out, h, n);
    out[n] = 0;
    return (int)n;
}

int http_addr_parse(const char *s, size_t n, struct http_addr *out)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char tmp[HTTP_ADDR_TEXT_MAX];
    int bracketed = n >= 2 && s[0] == '[' && s[n - 1] == ']';
    memset(out, 0, sizeof *out);
    if (bracketed) {
        s++;
        n -= 2;
    }
    if (!n || n >= sizeof tmp || memchr(s, 0, n)) return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (!bracketed && inet_pton(AF_INET, tmp, out->a) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, out->a) == 1) {
        out->family = AF_INET6;
        if (!memcmp(out->a, mapped, 12)) {
            out->family = AF_INET;
            memmove(out->a, out->a + 12, 4);
            memset(out->a + 4, 0, 12);
        }
        return 0;
    }
    memset(out, 0, sizeof *out);
    return -1;
}

int http_hex_token(const char *s, unsigned char *out, size_t outlen)
{
    if (!s || !outlen || outlen > SIZE_MAX / 2) return -1;
    for (size_t i = 0; i < 2 * outlen; i++) /* stops at the NUL of a short value */
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return -1;
    if (s[2 * outlen]) return -1;
    for (size_t i = 0; i < outlen; i++)
        out[i] = (unsigned char)(hexval((unsigned char)s[2 * i]) << 4 | hexval((unsigned char)s[2 * i + 1]));
    return 0;
}

int http_token(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (!n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (c && strchr(extra, c))))
            return 0;
    }
    return 1;
}

size_t http_log_escape(const char *s, char *out, size_t outsz)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int esc = *p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\';
        size_t need = esc ? 4 : 1;
        if (o + need >= outsz) break;
        if (esc) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hx[*p >> 4];
            out[o++] = hx[*p & 15];
        } else {
            out[o++] = (char)*p;
        }
    }
    if (outsz) out[o] = 0;
    return o;
}

/* ":PORT" at P[0..N): 1..5 digits up to 65535; the value, or -1 */
static long port_value(const char *p, size_t n)
{
    if (n < 1 || n > 5) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= 65535 ? v : -1;
}

long http_host_origin(const char *scheme, const char *host, size_t n, char *out, size_t outsz)
{
    int https = !strcmp(scheme, "https");
    if (outsz) out[0] = 0;
    if (!https && strcmp(scheme, "http")) return -1;
    size_t hn = n; /* the host part, without the port */
    long port = -1;
    if (n && host[0] == '[') {
        const char *e = memchr(host, ']', n);
        if (!e || e == host + 1) return -1;
        hn = (size_t)(e - host) + 1;
        for (const char *p = host + 1; p < e; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') || *p == ':' ||
                  *p == '.'))
                return -1;
    } else {
        const char *colon = memchr(host, ':', n);
        if (colon) hn = (size_t)(colon - host);
        if (!hn) return -1;
        for (size_t i = 0; i < hn; i++) {
            char c = host[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  c == '_'))
                return -1;
        }
    }
    if (hn < n) {
        if (host[hn] != ':' || (port = port_value(host + hn + 1, n - hn - 1)) < 0) return -1;
        if (port == (https ? 443 : 80)) port = -1;
    }
    char ps[8] = "";
    if (port >= 0) snprintf(ps, sizeof ps, ":%ld", port);
    int len = snprintf(out, outsz, "%s://%.*s%s", scheme, (int)hn, host, ps);
    if (len < 0 || (size_t)len >= outsz) {
        if (outsz) out[0] = 0;
        return -1;
    }
    for (char *p = out + strlen(scheme) + 3; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return len;
}

long http_origin(const char *s, char *out, size_t outsz)
{
    if (outsz) out[0] = 0;
    const char *sep = strstr(s, "://");
    if (!sep || sep - s > 5) return -1;
    char scheme[8];
    size_t sn = (size_t)(sep - s);
    for (size_t i = 0; i < sn; i++) scheme[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    scheme[sn] = 0;
    const char *a = sep + 3;
    size_t an = strcspn(a, "/?#");
    if (memchr(a, '@', an)) return -1;
    return http_host_origin(scheme, a, an, out, outsz);
}

static int caseless_eq(const char *a, size_t n, const char *lit)
{
    if (strlen(lit) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
        if (c != lit[i]) return 0;
    }
    return 1;
}

void http_framing_add(struct http_framing *f, const char *key, size_t kn, const char *value, size_t vn)
{
    if (!http_token(key, kn)) f->bad_name = 1;
    for (size_t i = 0; i < vn; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) f->bad_value = 1;
    }
    if (caseless_eq(key, kn, "content-length")) f->content_length++;
    if (caseless_eq(key, kn, "host")) f->host++;
    if (caseless_eq(key, kn, "transfer-encoding")) {
        f->transfer_encoding++;
        if (caseless_eq(value, vn, "chunked")) f->te_chunked++;
    }
}

const char *http_framing_check(const struct http_framing *f, int http11)
{
    if (f->bad_name) return "a field name that is not a token";
    if (f->bad_value) return "a control character in a field value";
    if (f->content_length > 1) return "more than one Content-Length";
    if (f->content_length && f->transfer_encoding) return "Content-Length and Transfer-Encoding";
    if (f->transfer_encoding && !http11) return "Transfer-Encoding in HTTP/1.0";
    if (f->transfer_encoding > 1 || f->transfer_encoding != f->te_chunked)
        return "Transfer-Encoding other than chunked";
    if (f->host > 1) return "more than one Host";
    return NULL;
}

/* ---- the bytes on the wire (struct http_wire) ---- */

enum { W_START, W_LINE, W_FIELD, W_NAME, W_VALUE, W_CR, W_BODY, W_OFF };
enum { F_OTHER, F_CL, F_TE };

static int tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* the end of the field line now ending: Content-Length's value, Transfer-Encoding's presence */
static void wire_field_end(struct http_wire *w)
{
    if (w->field == F_CL) {
        w->cl_count++;
        if (w->cl_state == 0) w->cl_bad = 1; /* empty */
    }
    if (w->field == F_TE) w->te = 1;
}

/* the empty line that ends a head: where the next one starts */
static void wire_head_end(struct http_wire *w)
{
    if (w->head_bad && !w->first_bad) w->first_bad = w->heads;
    if (w->head_bad || w->te || w->cl_count > 1 || w->cl_bad) w->state = W_OFF; /* refused, or closed after */
    else if (w->cl_count && w->cl) {
        w->skip = w->cl;
        w->state = W_BODY;
    } else w->state = W_START;
}

static void wire_name_byte(struct http_wire *w, unsigned char c)
{
    if (c == ':') {
        if (!w->nlen) w->head_bad = 1;
        static const char *const names[] = {"content-length", "transfer-encoding"};
        w->field = F_OTHER;
        for (int i = 0; i < 2; i++)
            if (w->nlen == strlen(names[i]) && !memcmp(w->name, names[i], w->nlen))
                w->field = (unsigned char)(F_CL + i);
        w->cl_state = 0;
        w->state = W_VALUE;
        return;
    }
    if (!tchar(c)) w->head_bad = 1; /* white space before the colon, a control character, ... */
    if (w->nlen < sizeof w->name) w->name[w->nlen] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (w->nlen <= sizeof w->name) w->nlen++;
}

static void wire_value_byte(struct http_wire *w, unsigned char c)
{
    if ((c < 0x20 && c != '\t') || c == 0x7f) w->head_bad = 1;
    if (w->field != F_CL) return;
    int ows = c == ' ' || c == '\t', digit = c >= '0' && c <= '9';
    if (digit && w->cl_state <= 1) {
        w->cl_state = 1;
        if (w->cl > 100000000000000ULL) w->cl_bad = 1;
        else w->cl = w->cl * 10 + (uint64_t)(c - '0');
    } else if (ows && w->cl_state >= 1) {
        w->cl_state = 2;
    } else if (!ows) {
        w->cl_bad = 1;
    }
}

/* a line ends (LF, or CRLF) in state S */
static void wire_line_end(struct http_wire *w, unsigned char s)
{
    switch (s) {
    case W_START: w->state = W_START; break; /* an empty line before a request */
    case W_LINE: w->state = W_FIELD; break;
    case W_FIELD: wire_head_end(w); break;
    case W_NAME: /* a field line without a colon */
        w->head_bad = 1;
        w->state = W_FIELD;
        break;
    default: /* W_VALUE */
        wire_field_end(w);
        w->state = W_FIELD;
        break;
    }
}

/* a request line begins: a new head */
static void wire_head_begin(struct http_wire *w)
{
    w->heads++;
    w->head_bad = 0;
    w->cl_count = w->cl_bad = w->te = 0;
    w->cl = 0;
    w->state = W_LINE;
}

static void wire_byte(struct http_wire *w, unsigned char c)
{
    unsigned char s = w->state;
    if (s == W_CR) {
        s = w->state = w->after_cr;
        if (c == '\n') {
            wire_line_end(w, s);
            return;
        }
        if (s == W_START) { /* not an empty line after all: a request line with a bare CR */
            wire_head_begin(w);
            s = W_LINE;
        }
        w->head_bad = 1; /* a CR not followed by LF */
    }
    if (c == '\n') {
        wire_line_end(w, s);
        return;
    }
    if (c == '\r') {
        w->after_cr = s;
        w->state = W_CR;
        return;
    }
    switch (s) {
    case W_START:
        wire_head_begin(w);
        /* fall through */
    case W_LINE:
        if (c < 0x20 || c == 0x7f) w->head_bad = 1;
        break;
    case W_FIELD:
        w->nlen = 0;
        w->field = F_OTHER;
        if (c == ' ' || c == '\t') { /* obs-fold (or white space before the first field's name) */
            w->head_bad = 1;
            w->state = W_VALUE;
            break;
        }
        w->state = W_NAME;
        wire_name_byte(w, c);
        break;
    case W_NAME: wire_name_byte(w, c); break;
    default: wire_value_byte(w, c); break; /* W_VALUE */
    }
}

void http_wire_feed(struct http_wire *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (w->state == W_OFF) return;
        if (w->state == W_BODY) {
            uint64_t k = n - i < w->skip ? n - i : w->skip;
            w->skip -= k;
            i += (size_t)k - 1;
            if (!w->skip) w->state = W_START;
            continue;
        }
        wire_byte(w, b[i]);
    }
}

int http_wire_bad(const struct http_wire *w, uint32_t i)
{
    return w->first_bad && (uint64_t)i + 1 >= w->first_bad;
}
