/* fuzz_http.c — libFuzzer target for the portal's input parsers (src/serve/http_parse.c):
 * percent-decoding, form bodies (POST /verify, /agent/…), the JSON verify body, Accept-Language,
 * decimal query parameters (?first=&second= of the log endpoints), addresses.
 * Properties: no crash, leak or undefined behaviour; outputs NUL-terminated within their
 * buffers; a decoded form value never holds a NUL; normalising an address is idempotent.
 * Round trips on the same input taken as a value (up to its first NUL):
 *   - percent-encoded (every byte, or only the reserved ones, '+' for space) and decoded:
 *     the value comes back; inside a form body between other fields, http_form_get finds it
 *     under its key (also a percent-encoded key) and decodes it;
 *   - as a JSON string member (written by jansson, with other members around it):
 *     http_json_fields gives it back, or refuses it with a message when it is too long;
 *   - a number written in decimal parses back to itself.
 * The first byte selects (the rest of the input is the value):
 *   0x01  X-Forwarded-For (http_xff_last): the host part is bounded, NUL-terminated, visible
 *         ASCII without ',', the same whatever buffer it fits in (and -1 when it does not); the
 *         last element decides alone: "A, B" and "X,Y,B" give what "B" gives; an address it
 *         yields, written back (with a port, in brackets) as the last element, gives it again;
 *   0x02  IP addresses (http_addr_parse, on an unterminated copy): exactly what inet_pton takes
 *         (brackets for IPv6 only), IPv4-mapped IPv6 as IPv4; printed with inet_ntop and parsed
 *         again it is the same address;
 *   0x03  hex tokens (http_hex_token, the session cookie): accepted exactly when the value is
 *         2*N lower-case hex digits; decoded and written in hex again it is the value;
 *   0x04  the path/query unescaping (http_unescape): never longer, no NUL inside, what
 *         http_urldecode gives where both apply, and every byte of its output percent-encoded
 *         unescapes to that output;
 *   0x05  the request bytes on the wire (http_wire_feed): the same verdict however the bytes
 *         are cut into reads; a run of well-formed requests built from the input (GETs with
 *         field values of any allowed bytes, POSTs with Content-Length bodies of any bytes,
 *         empty lines between them, CRLF or LF) has no bad head and as many heads as requests,
 *         and the same run with one forbidden byte (NUL, bare CR, a control character, DEL,
 *         obs-fold, white space before a colon) put into request K's head is bad from head K on,
 *         never before;
 *   0x06  the access-log escape (http_log_escape: only visible ASCII without '"', bounded, and
 *         unescaped it is a prefix of the input), tokens (http_token against a plain reference),
 *         origins (http_origin / http_host_origin: bounded, lower-case, no path, and a fixed
 *         point: the origin of an origin is itself), and framing (http_framing_check on the
 *         input's "name: value" lines: refuses exactly two Content-Length, both framings, a
 *         Transfer-Encoding that is not "chunked", chunked in HTTP/1.0, two Host).
 * Any other first byte: the whole input goes to the parsers above. */
#include "serve/http_parse.h"
#include "util/buf.h"
#include <ctype.h>
#include <strings.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void enc(char *o, size_t *k, const uint8_t *v, size_t n, int all)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned c = v[i];
        if (c == ' ' && !all) o[(*k)++] = '+';
        else if (!all && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~' || c == '@'))
            o[(*k)++] = (char)c;
        else {
            o[(*k)++] = '%';
            o[(*k)++] = hx[c >> 4];
            o[(*k)++] = hx[c & 15];
        }
    }
}

static void roundtrip(const uint8_t *data, size_t size)
{
    const uint8_t *z = memchr(data, 0, size);
    size_t n = z ? (size_t)(z - data) : size;
    if (n > 1000) n = 1000;
    char *body = malloc(3 * n + 200), out[HTTP_FIELD_MAX];
    size_t k = 0;
    int all = (int)(n & 1);
    enc(body, &k, data, n, all);
    long r = http_urldecode(body, k, 1, out, sizeof out);
    if (n < sizeof out) {
        if (r != (long)n || memcmp(out, data, n)) abort();
    } else if (r != -1) {
        abort();
    }
    /* in a form body: other fields first, the key percent-encoded when "all" */
    k = 0;
    const char *pre = all ? "lang=de&cod=x&%63ode=" : "lang=de&cod=x&code=";
    memcpy(body, pre, strlen(pre));
    k = strlen(pre);
    enc(body, &k, data, n, all);
    memcpy(body + k, "&code=second&email=a%40b", 24);
    k += 24;
    int g = http_form_get(body, k, "code", out, sizeof out);
    if (n < sizeof out) {
        if (g != 1 || strlen(out) != n || memcmp(out, data, n)) abort();
    } else if (g != -1) {
        abort();
    }
    free(body);
    /* JSON */
    json_t *o = json_pack("{s:s,s:i}", "lang", "de", "n", 1);
    json_t *v = json_stringn((const char *)data, n);
    if (o && v) {
        json_object_set_new(o, "code", v);
        json_object_set_new(o, "email", json_string("a@b.example"));
        char *t = json_dumps(o, (n & 2) ? JSON_ENSURE_ASCII : 0);
        if (t) {
            static const char *const fields[] = {"code", "email"};
            char vals[2][HTTP_FIELD_MAX], err[160];
            err[0] = 0;
            int rc = http_json_fields(t, strlen(t), fields, 2, vals, err, sizeof err);
            if (n < HTTP_FIELD_MAX) {
                if (rc || strlen(vals[0]) != n || memcmp(vals[0], data, n) || strcmp(vals[1], "a@b.example")) abort();
            } else if (rc == 0 || !err[0]) {
                abort();
            }
            free(t);
        }
    } else if (v) {
        json_decref(v);
    }
    json_decref(o);
    /* numbers */
    if (size >= 8) {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++) x = x << 8 | data[i];
        x %= 1000000000000000000ULL;
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)x);
        int64_t got;
        if (http_parse_u64(num, &got) || (uint64_t)got != x) abort();
    }
}

/* the input up to its first NUL as a string (malloc'd) */
static char *cstr(const uint8_t *data, size_t size)
{
    const uint8_t *z = memchr(data, 0, size);
    size_t n = z ? (size_t)(z - data) : size;
    char *s = malloc(n + 1);
    if (!s) abort();
    memcpy(s, data, n);
    s[n] = 0;
    return s;
}

static int xff(const char *v, char *out, size_t outsz)
{
    int r = http_xff_last(v, out, outsz);
    if (!outsz) return r;
    if (r < 0 ? r != -1 || out[0] : (size_t)r >= outsz || strlen(out) != (size_t)r) abort();
    return r;
}

static void check_xff(const uint8_t *data, size_t size)
{
    char *v = cstr(data, size);
    size_t n = strlen(v), catsz = 2 * n + 128;
    unsigned b0 = size ? data[0] : 0, b1 = size > 1 ? data[1] : 0, b2 = size > 2 ? data[2] : 0,
             bl = size ? data[size - 1] : 0;
    char out[HTTP_ADDR_TEXT_MAX], o2[HTTP_ADDR_TEXT_MAX];
    int r = xff(v, out, sizeof out);
    for (int i = 0; i < r; i++)
        if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f || out[i] == ',') abort();
    /* the same in any buffer it fits in (exact-size heap buffers: ASan sees a write past them) */
    size_t k = (b0 ^ bl) % (sizeof out + 1);
    char *small = k ? malloc(k) : NULL;
    int rs = xff(v, small, k);
    if (r >= 0 && (size_t)r < k ? rs != r || memcmp(small, out, (size_t)r + 1) : rs != -1) abort();
    free(small);
    if (http_xff_last(v, NULL, 0) != -1 || http_xff_last(NULL, o2, sizeof o2) != -1 || o2[0]) abort();
    /* the last element decides alone: the input cut into X, Y, B at two of its bytes */
    size_t i1 = b0 % (n + 1), i2 = i1 + b1 % (n - i1 + 1);
    const char *last = v + i2;
    int rb = xff(last, o2, sizeof o2);
    if (!i2 && (rb != r || (r >= 0 && strcmp(o2, out)))) abort();
    char *cat = malloc(catsz);
    if (!cat) abort();
    snprintf(cat, catsz, "%s, %s", v, last); /* "A, B", A the whole input */
    if (xff(cat, out, sizeof out) != rb || (rb >= 0 && strcmp(out, o2))) abort();
    size_t c = 0; /* "X,Y,B", commas in X and Y made ';' */
    if (!i1) cat[c++] = ',';
    for (size_t i = 0; i < i2; i++) {
        cat[c++] = v[i] == ',' ? ';' : v[i];
        if (i + 1 == i1) cat[c++] = ',';
    }
    cat[c++] = ',';
    memcpy(cat + c, last, strlen(last) + 1);
    if (xff(cat, out, sizeof out) != rb || (rb >= 0 && strcmp(out, o2))) abort();
    /* an address it yields, written back as a proxy would (with a port; IPv6 in brackets), comes back */
    struct http_addr a, a2;
    if (rb >= 0 && !http_addr_parse(o2, (size_t)rb, &a)) {
        char txt[INET6_ADDRSTRLEN];
        if (!inet_ntop(a.family, a.a, txt, sizeof txt)) abort();
        snprintf(cat, catsz, a.family == AF_INET6 ? "%s, [%s]:%u" : "%s, %s:%u", v, txt, b2 << 8 | b1);
        r = xff(cat, out, sizeof out);
        if (r < 0 || http_addr_parse(out, (size_t)r, &a2) || memcmp(&a, &a2, sizeof a)) abort();
        snprintf(cat, catsz, a.family == AF_INET6 ? " [%s]\t" : " %s\t", txt);
        r = xff(cat, out, sizeof out);
        if (r < 0 || http_addr_parse(out, (size_t)r, &a2) || memcmp(&a, &a2, sizeof a)) abort();
    }
    free(cat);
    free(v);
}

static void check_addr(const uint8_t *data, size_t size)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zero[16];
    struct http_addr a, b;
    char *s = malloc(size ? size : 1); /* unterminated: reading past SIZE is a finding */
    if (!s) abort();
    memcpy(s, data, size);
    int r = http_addr_parse(s, size, &a);
    /* the reference: inet_pton on a terminated copy (no NUL inside), brackets for IPv6 only */
    int want = -1;
    struct http_addr ref;
    memset(&ref, 0, sizeof ref);
    if (size && !memchr(data, 0, size) && size < 64) {
        char t[64];
        int br = size >= 2 && data[0] == '[' && data[size - 1] == ']';
        memcpy(t, data + br, size - 2 * (size_t)br);
        t[size - 2 * (size_t)br] = 0;
        if (!br && inet_pton(AF_INET, t, ref.a) == 1) {
            ref.family = AF_INET;
            want = 0;
        } else if (inet_pton(AF_INET6, t, ref.a) == 1) {
            ref.family = AF_INET6;
            want = 0;
            if (!memcmp(ref.a, mapped, 12)) {
                ref.family = AF_INET;
                memmove(ref.a, ref.a + 12, 4);
                memset(ref.a + 4, 0, 12);
            }
        } else {
            memset(&ref, 0, sizeof ref);
        }
    }
    if (r != want || memcmp(&a, &ref, sizeof a)) abort();
    if (r == 0) {
        if (a.family == AF_INET ? memcmp(a.a + 4, zero, 12) : a.family != AF_INET6 || !memcmp(a.a, mapped, 12)) abort();
        char txt[INET6_ADDRSTRLEN + 2];
        if (!inet_ntop(a.family, a.a, txt + 1, INET6_ADDRSTRLEN)) abort();
        if (http_addr_parse(txt + 1, strlen(txt + 1), &b) || memcmp(&a, &b, sizeof a)) abort();
        if (a.family == AF_INET6) {
            size_t t = strlen(txt + 1);
            txt[0] = '[';
            txt[t + 1] = ']';
            if (http_addr_parse(txt, t + 2, &b) || memcmp(&a, &b, sizeof a)) abort();
        }
    }
    free(s);
}

static void check_hex(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size);
    size_t n = strlen(s), outlen = 32;
    if (size > 1 && (data[size - 1] & 1)) outlen = n / 2 ? n / 2 : 1; /* often the value's own length */
    int want = n == 2 * outlen;
    for (size_t i = 0; i < n && want; i++) want = strchr("0123456789abcdef", s[i]) && s[i];
    unsigned char *out = malloc(outlen), *keep = malloc(outlen);
    if (!out || !keep) abort();
    memset(out, 0x5a, outlen);
    memcpy(keep, out, outlen);
    int r = http_hex_token(s, out, outlen);
    if (want ? r != 0 : r != -1 || memcmp(out, keep, outlen)) abort();
    if (!r) {
        char *hex = malloc(2 * outlen + 1);
        if (!hex) abort();
        for (size_t i = 0; i < outlen; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
        if (strcmp(hex, s)) abort();
        free(hex);
    }
    free(out);
    free(keep);
    free(s);
}

static void check_unescape(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size), *orig = strdup(s);
    if (!orig) abort();
    size_t n = strlen(s), m = http_unescape(s);
    if (m > n || strlen(s) != m) abort();
    if (!strchr(orig, '%') && strcmp(s, orig)) abort();
    /* where http_urldecode applies (valid escapes only, no %00) both give the same */
    char *dec = malloc(n + 1);
    if (!dec) abort();
    long d = http_urldecode(orig, n, 0, dec, n + 1);
    if (d >= 0 && ((size_t)d != m || memcmp(dec, s, m))) abort();
    /* every byte of the result percent-encoded comes back as the result */
    char *enc3 = malloc(3 * m + 1);
    if (!enc3) abort();
    for (size_t i = 0; i < m; i++) snprintf(enc3 + 3 * i, 4, (i & 1) ? "%%%02x" : "%%%02X", (unsigned char)s[i]);
    enc3[3 * m] = 0;
    if (http_unescape(enc3) != m || memcmp(enc3, s, m)) abort();
    free(enc3);
    free(dec);
    free(orig);
    free(s);
}

/* DATA fed to a fresh scanner in reads whose sizes come from SEED (0: all at once) */
static struct http_wire wire_run(const uint8_t *data, size_t size, unsigned seed)
{
    struct http_wire w;
    memset(&w, 0, sizeof w);
    size_t i = 0;
    while (i < size) {
        size_t k = seed ? 1 + (seed = seed * 1103515245u + 12345u) % 17 : size - i;
        if (k > size - i) k = size - i;
        uint8_t *chunk = malloc(k); /* exact size: a read past it is a finding */
        if (!chunk) abort();
        memcpy(chunk, data + i, k);
        http_wire_feed(&w, chunk, k);
        free(chunk);
        i += k;
    }
    return w;
}

/* requests built from the input: well-formed, or with one forbidden byte in request BAD's head
   (BAD < 0: none); returns how many requests were written to B */
static size_t wire_requests(const uint8_t *data, size_t size, long bad, unsigned how, struct buf *b)
{
    static const char *const evil[] = {"\0", "\r", "\x01", "\x7f", "\r\n folded", " "};
    const char *eol = how & 1 ? "\n" : "\r\n";
    size_t nreq = 0, i = 0;
    while (i + 1 < size && nreq < 40) {
        size_t k = 1 + data[i] % 24;
        if (k > size - i - 1) k = size - i - 1;
        const uint8_t *v = data + i + 1;
        if ((how >> 1) & 1 && nreq) buf_adds(b, eol); /* an empty line before a request */
        int post = v[0] & 1 && k;
        buf_addf(b, "%s /x HTTP/1.1%sHost: h%sX-F: ", post ? "POST" : "GET", eol, eol);
        for (size_t j = 0; j < k; j++) { /* a field value: any byte but controls, DEL (HTAB is fine) */
            uint8_t c = v[j];
            if ((c < 0x20 && c != '\t') || c == 0x7f) c = 'a';
            buf_addc(b, (char)c);
        }
        if ((long)nreq == bad) {
            const char *e = evil[v[0] % 6];
            if (v[0] % 6 == 5) buf_addf(b, "%sX-G : y", eol); /* white space before a colon */
            else buf_add(b, e, v[0] % 6 == 0 ? 1 : strlen(e));
            buf_addc(b, 'x'); /* so that a CR is not the CR of a CRLF */
        }
        buf_adds(b, eol);
        if (post) {
            buf_addf(b, "Content-Length: %zu%s%s", k, eol, eol);
            buf_add(b, v, k); /* any bytes: a body is never a head */
        } else {
            buf_adds(b, eol);
        }
        nreq++;
        i += k + 1;
    }
    return nreq;
}

static void check_wire(const uint8_t *data, size_t size)
{
    unsigned seed = size ? data[0] | 1u : 1;
    struct http_wire a = wire_run(data, size, 0), b = wire_run(data, size, seed);
    if (a.heads != b.heads || a.first_bad != b.first_bad || a.state != b.state) abort();
    if (a.first_bad > a.heads) abort();
    struct buf r;
    buf_init(&r, 1 << 20);
    unsigned how = size ? data[size - 1] : 0;
    size_t n = wire_requests(data, size, -1, how, &r);
    struct http_wire w = wire_run((const uint8_t *)r.p, r.len, seed);
    if (w.first_bad || w.heads != n) abort();
    if (n) {
        long bad = (long)(how >> 2) % (long)n;
        buf_reset(&r);
        wire_requests(data, size, bad, how, &r);
        w = wire_run((const uint8_t *)r.p, r.len, seed);
        if (w.first_bad != (uint32_t)bad + 1 || !http_wire_bad(&w, (uint32_t)bad) ||
            (bad && http_wire_bad(&w, (uint32_t)bad - 1)))
            abort();
    }
    buf_release(&r);
}

static void check_misc(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size), out[64], o1[128], o2[128];
    size_t n = strlen(s), m = http_log_escape(s, out, sizeof out);
    if (m != strlen(out) || m >= sizeof out) abort();
    size_t k = 0; /* unescaped, a prefix of S */
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x21 || c > 0x7e || c == '"') abort();
        int v = c;
        if (c == '\\') {
            if (i + 3 >= m || out[i + 1] != 'x') abort();
            v = (int)strtol((char[]){out[i + 2], out[i + 3], 0}, NULL, 16);
            i += 3;
        }
        if (k >= n || (unsigned char)s[k++] != v) abort();
    }
    int tok = n > 0;
    for (size_t i = 0; i < n; i++) tok &= isalnum((unsigned char)s[i]) || (s[i] && strchr("!#$%&'*+-.^_`|~", s[i]));
    if (http_token(s, n) != tok) abort();
    long o = http_origin(s, o1, sizeof o1);
    if (o >= 0) {
        if ((size_t)o != strlen(o1) || strchr(o1 + 8, '/') || http_origin(o1, o2, sizeof o2) != o || strcmp(o1, o2))
            abort();
        for (const char *p = o1; *p; p++)
            if (*p >= 'A' && *p <= 'Z') abort();
    } else if (o1[0]) {
        abort();
    }
    http_host_origin(n & 1 ? "https" : "http", s, n, o1, sizeof o1);
    /* framing: the input's lines as "name: value" fields */
    struct http_framing f;
    memset(&f, 0, sizeof f);
    int cl = 0, te = 0, chunked = 0, host = 0;
    for (char *save, *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        const char *v = colon + 1;
        http_framing_add(&f, line, (size_t)(colon - line), v, strlen(v));
        size_t kn = (size_t)(colon - line);
        cl += kn == 14 && !strncasecmp(line, "content-length", 14);
        host += kn == 4 && !strncasecmp(line, "host", 4);
        if (kn == 17 && !strncasecmp(line, "transfer-encoding", 17)) te++, chunked += !strcasecmp(v, "chunked");
    }
    const char *why = http_framing_check(&f, size & 1);
    if (!f.bad_name && !f.bad_value) {
        int refuse = cl > 1 || (cl && te) || (te && !(size & 1)) || te != chunked || te > 1 || host > 1;
        if (!!why != refuse) abort();
    } else if (!why) {
        abort();
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1 && data[0] >= 0x01 && data[0] <= 0x06) {
        switch (data[0]) {
        case 0x01: check_xff(data + 1, size - 1); break;
        case 0x02: check_addr(data + 1, size - 1); break;
        case 0x03: check_hex(data + 1, size - 1); break;
        case 0x04: check_unescape(data + 1, size - 1); break;
        case 0x05: check_wire(data + 1, size - 1); break;
        default: check_misc(data + 1, size - 1); break;
        }
        return 0;
    }
    const char *in = (const char *)data;
    char out[HTTP_FIELD_MAX], out2[HTTP_FIELD_MAX];
    long n = http_urldecode(in, size, size & 1, out, sizeof out);
    if (n >= 0 && (strlen(out) != (size_t)n || (size_t)n >= sizeof out)) abort();
    static const char *const keys[] = {"code", "email", "lang", "token", "q"};
    for (size_t i = 0; i < 5; i++) {
        int r = http_form_get(in, size, keys[i], out, sizeof out);
        if (r == 1 && strlen(out) >= sizeof out) abort();
    }
    char vals[2][HTTP_FIELD_MAX], err[160];
    static const char *const fields[] = {"code", "email"};
    if (http_json_fields(in, size, fields, 2, vals, err, sizeof err) == 0)
        for (int i = 0; i < 2; i++)
            if (strlen(vals[i]) >= HTTP_FIELD_MAX) abort();
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    int l = http_accept_lang(s);
    if (l < -1 || l > 1) abort();
    int64_t v;
    if (http_parse_u64(s, &v) == 0 && v < 0) abort();
    n = http_email_norm(s, out, sizeof out);
    if (n >= 0) {
        long n2 = http_email_norm(out, out2, sizeof out2);
        if (n2 != n || strcmp(out, out2)) abort();
        http_email_mask(out, out2, sizeof out2);
        if (strlen(out2) >= sizeof out2) abort();
    }
    free(s);
    roundtrip(data, size);
    return 0;
}
