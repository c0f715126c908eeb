/* http_parse.h — the portal's parsers for outside input (libc + jansson): percent-decoding
 * (request paths and query strings, form bodies), application/x-www-form-urlencoded bodies,
 * the JSON body of POST /api/v1/verify, Accept-Language, decimal query parameters, e-mail
 * address comparison and masking, X-Forwarded-For, IP addresses, the agent session cookie.
 * Every function bounds its output and keeps no state; none allocates except http_json_fields
 * (jansson). Fuzzed by tests/fuzz/fuzz_http.c. */
#ifndef KT_SERVE_HTTP_PARSE_H
#define KT_SERVE_HTTP_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#define HTTP_FIELD_MAX 320 /* longest form / JSON field value we accept, bytes */

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

/* libmicrohttpd's unescape callback for the request path and query (MHD_OPTION_UNESCAPE_CALLBACK),
 * in place: "%XX" (two hex digits, either case) becomes its byte, except that "%00" becomes DEL
 * (0x7f, which the server refuses in a path) instead of cutting the string short — "/verify%00.html"
 * must not be "/verify"; anything else, a '%' without two hex digits included, stays as it is.
 * Returns the new length (never more than the old; the result holds no NUL before it). */
size_t http_unescape(char *s);

/* An IP address: FAMILY is AF_INET (A[0..4), the rest of A zero) or AF_INET6 (A[0..16)). */
struct http_addr {
    int family;
    unsigned char a[16];
};
#define HTTP_ADDR_TEXT_MAX 48 /* longest address text + brackets + NUL: a buffer for http_xff_last */

/* The client named by an X-Forwarded-For value (its field lines joined with ",", or just the
 * last line: the last element is the same): its LAST element, the one the trusted proxy
 * appended — everything before it is the client's own to invent, so it is never used in its
 * place. The element is trimmed of spaces and tabs; a port is taken off ("192.0.2.1:8080" ->
 * "192.0.2.1", "[2001:db8::1]:443" -> "2001:db8::1"; a port is 1 to 5 digits up to 65535) and
 * so are the brackets of IPv6 ("[2001:db8::1]"); an element with two or more colons and no
 * brackets is IPv6 and kept whole ("2001:db8::1:80").
 * Writes that host part to OUT (at most OUTSZ-1 bytes + NUL) and returns its length (>= 1).
 * Returns -1 with OUT "" when XFF is NULL or the last element is empty ("", "a, ", " "), holds
 * anything but visible ASCII (interior white space, control characters, bytes >= 0x7f), has a
 * '[' without its ']', brackets around text without a ':' ("[192.0.2.1]") or anything but ":PORT"
 * after the ']', a port that is not a decimal number (RFC 7239's obfuscated "_x"), or a host
 * part that does not fit OUT (HTTP_ADDR_TEXT_MAX holds every address).
 * Not checked here: that the host part is an address. "unknown" and RFC 7239's obfuscated
 * identifiers ("_hidden") come back as they are, and so do quotes (X-Forwarded-For has no
 * quoted strings; those belong to the Forwarded header, which klartext does not read):
 * http_addr_parse refuses all of them. */
int http_xff_last(const char *xff, char *out, size_t outsz);

/* Parse the IP address S[0..N) (no NUL inside, nothing around it): dotted-quad IPv4 (four
 * decimal parts, no leading zeros), IPv6 in any RFC 4291 text form, optionally in brackets
 * ("[::1]"; brackets around IPv4 text are refused). An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is taken as the IPv4 address. Returns 0, or -1 with OUT all zero. */
int http_addr_parse(const char *s, size_t n, struct http_addr *out);

/* The agent session cookie's token (and any other hex token): S must be exactly 2*OUTLEN
 * lower-case hex digits and nothing else — no upper case, prefix, white space or shorter or
 * longer value. Decodes it into OUT[0..OUTLEN) and returns 0; -1 (OUT untouched) otherwise. */
int http_hex_token(const char *s, unsigned char *out, size_t outlen);
/* 1 when S[0..N) is an RFC 9110 token (N >= 1, only "!#$%&'*+-.^_`|~", digits and letters):
 * what a method and a field name must be. */
int http_token(const char *s, size_t n);

/* S as one field of the access log: every byte outside '!'..'~', and '"' and '\', written as
 * "\xHH" (so a line never holds a control character, a space or a quote that is not the log's
 * own). Cut on a whole escape to fit OUT (OUTSZ >= 1); NUL-terminated. Returns the length. */
size_t http_log_escape(const char *s, char *out, size_t outsz);

/* The origin "scheme://host[:port]" of SCHEME ("http" or "https") and a Host header value
 * HOST[0..N) (a name, an IPv4 address or an IPv6 address in brackets, an optional ":PORT"):
 * scheme and host lower-cased, the scheme's default port (80, 443) left out, so that two
 * spellings of one origin give the same text. Returns the length, or -1 (OUT "") for a host
 * that is empty or holds anything but letters, digits, '-', '.', '_' (and ':' inside
 * brackets), a bad port, another scheme, or a result longer than OUTSZ-1. */
long http_host_origin(const char *scheme, const char *host, size_t n, char *out, size_t outsz);
/* The origin of an Origin header value or of an absolute http(s) URL ("https://Portal.example:443/x"
 * gives "https://portal.example") as http_host_origin writes it; -1 for "null", user info
 * ('@'), a missing "//" or anything http_host_origin refuses. */
long http_origin(const char *s, char *out, size_t outsz);

/* What a request's header fields say about its framing (RFC 9112 §6): fed field by field
 * with http_framing_add, judged by http_framing_check. */
struct http_framing {
    int content_length; /* Content-Length fields */
    int transfer_encoding; /* Transfer-Encoding fields */
    int te_chunked; /* ... of which exactly "chunked" (any case) */
    int host; /* Host fields */
    int bad_name; /* a field name that is not a token */
    int bad_value; /* a field value with a control character (CR, NUL, ...; HTAB is fine) */
};
/* Count the field KEY[0..KN): VALUE[0..VN). F starts zeroed. */
void http_framing_add(struct http_framing *f, const char *key, size_t kn, const char *value, size_t vn);
/* NULL when a request with fields F (HTTP/1.1 when HTTP11, else 1.0) is framed the one way
 * RFC 9112 allows; otherwise why not, for a 400 that closes the connection: "more than one
 * Content-Length", "Content-Length and Transfer-Encoding", "Transfer-Encoding other than
 * chunked", "Transfer-Encoding in HTTP/1.0", "more than one Host", "a field name that is not
 * a token", "a control character in a field value". */
const char *http_framing_check(const struct http_framing *f, int http11);
/* The bytes of a connection's requests exactly as they arrive, checked where libmicrohttpd 0.9.75
 * cannot show them: it cuts a field value at a NUL and silently joins an obs-fold line onto the
 * field name before, so neither is visible in the fields it hands over. Fed with every chunk a
 * plain-HTTP connection receives (src/serve/wire.c), it finds where each request's head (request
 * line, field lines, empty line) lies — after a body of the Content-Length the head gave — and
 * marks a head that holds a byte RFC 9112 forbids there: a NUL, a CR not followed by LF, any other
 * control character or DEL (HTAB is allowed in field values), a field line that starts with white
 * space (obs-fold), a field name that is not a token (white space before the colon included), a
 * line without a colon. Empty lines before a request line are skipped, LF alone ends a line (both
 * as RFC 9112 §2.2 allows and libmicrohttpd does). After a head with Transfer-Encoding, or with a
 * Content-Length that is not one plain number, it stops looking (such a request is refused, or
 * its connection closed after the answer, by the server). Bounded state, no allocation. */
struct http_wire {
    unsigned char state, after_cr, cl_state;
    unsigned char field; /* the current field: 1 Content-Length, 2 Transfer-Encoding, 0 other */
    unsigned char head_bad; /* the current head holds a forbidden byte */
    unsigned char nlen; /* bytes of the field name seen (at most sizeof name + 1) */
    char name[18]; /* the field name so far, lower-cased */
    int cl_count, cl_bad, te;
    uint64_t cl, skip;
    uint32_t heads; /* request heads begun */
    uint32_t first_bad; /* 1 + the index of the first head with a forbidden byte; 0: none */
};
/* Feed the N bytes at P (W starts zeroed). */
void http_wire_feed(struct http_wire *w, const void *p, size_t n);
/* 1 when head number I (0-based, in the order the heads arrived) or one before it held a
 * forbidden byte. */
int http_wire_bad(const struct http_wire *w, uint32_t i);
#endif
