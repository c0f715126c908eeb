/* fuzz_http.c — libFuzzer target for the portal's input parsers (src/serve/http_parse.c):
 * percent-decoding, form bodies, the JSON verify body, Accept-Language, numbers, addresses.
 * Properties: no crash, leak or undefined behaviour; outputs NUL-terminated within their
 * buffers; a decoded form value never holds a NUL; normalising an address is idempotent. */
#include "serve/http_parse.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    return 0;
}
