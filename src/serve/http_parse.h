/* http_parse.h — the portal's parsers for outside input (libc + jansson): percent-decoding,
 * application/x-www-form-urlencoded bodies, the JSON body of POST /api/v1/verify,
 * Accept-Language, decimal query parameters, e-mail address comparison and masking.
 * Every function bounds its output; none allocates except http_json_fields (jansson).
 * Fuzzed by tests/fuzz/fuzz_http.c. */
#ifndef KT_SERVE_HTTP_PARSE_H
#define KT_SERVE_HTTP_PARSE_H
#include <stddef.h>
#include <stdint.h>

#define HTTP_FIELD_MAX 320        /* longest form / JSON field value we accept, bytes */

/* Percent-decode IN[0..N) into OUT (at most OUTSZ-1 bytes + NUL); PLUS_SPACE turns '+' into
 * ' ' (forms). Returns the decoded length, or -1 for a bad escape, an embedded NUL or an
 * output that does not fit. */
long http_urldecode(const char *in, size_t n, int plus_space, char *out, size_t outsz);

/* Find KEY in a form body (k=v&k=v, percent-encoded) and decode its first value into OUT.
 * Returns 1 found, 0 absent, -1 malformed (bad escape, NUL, value too long). */
int http_form_get(const char *body, size_t len, const char *key, char *out, size_t outsz);

/* Parse a JSON object body with string members FIELDS[0..nfields) (others are ignored, a
 * non-string value for a named field is an error). OUT[i] (OUTSZ bytes each, "" when absent)
 * receive the values. Returns 0, or -1 with err ("body is not a JSON object", "'code' is not a
 * string", "'email' is too long"). */
int http_json_fields(const char *body, size_t len, const char *const *fields, size_t nfields,
                     char out[][HTTP_FIELD_MAX], char *err, size_t errlen);

/* The preferred of "de"/"en" in an Accept-Language header value (q-values honoured; the
 * first listed wins a tie). Returns 1 for de, 0 for en, -1 when neither is acceptable. */
int http_accept_lang(const char *h);

/* A non-negative decimal without sign or leading garbage, at most 18 digits. 0 and *out, or -1. */
int http_parse_u64(const char *s, int64_t *out);

/* Normalise an e-mail address for comparison: trimmed of surrounding white space; the domain
 * (after the last '@') lower-cased, the local part kept exactly (RFC 5321 §2.4: only the
 * receiving host may interpret it). Returns the length, or -1 when S is not an address
 * (no '@', empty part, control characters, longer than OUTSZ-1). */
long http_email_norm(const char *s, char *out, size_t outsz);

/* Mask an address for display: first character of the local part, "…", the domain
 * ("m…@example.org"). OUT at least 8 bytes; cut to fit. */
void http_email_mask(const char *addr, char *out, size_t outsz);
#endif
