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
 *   - a number written in decimal parses back to itself. */
#include "serve/http_parse.h"
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
        else if (!all && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_' || c == '~' || c == '@'))
            o[(*k)++] = (char)c;
        else { o[(*k)++] = '%'; o[(*k)++] = hx[c >> 4]; o[(*k)++] = hx[c & 15]; }
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
        for (int i = 0; i < 2; i++) if (strlen(vals[i]) >= HTTP_FIELD_MAX) abort();
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
