/* fuzz_jsonlog.c — libFuzzer target for the JSON access log readers (src/scan/fmt_json.c:
 * `caddy`, `traefik`; docs/rules.md) and their key tree (src/scan/rule_fields.c).
 *
 * Byte 0 picks the mode:
 *   0, 1  raw caddy / traefik: the rest is lines, each parsed with a warm and a fresh parser
 *         state and with a CR appended; they must agree (fuzz_lf.h).
 *   2, 3  round trip caddy / traefik: an access log object is written with jansson from
 *         values taken from the input — the keys the reader uses, in any order, among keys it
 *         does not know holding nested objects and arrays; strings with any bytes (\u
 *         escapes, surrogate pairs), '/' written as "\/" when the input says so, Go's
 *         \u0026 for '&'; the time as epoch seconds, milliseconds or nanoseconds or as an
 *         RFC 3339 string with an offset; a response header (an array) named by the rule's
 *         `subject`. The reader must give back the time, method, target (an absolute URI cut
 *         to its path), status, user, client and the subject FIELD exactly. */
#include "fuzz_lf.h"
#include "util/ktime.h"
#include <jansson.h>

static scan_rule *rules[2];
static struct lf_state warm[2];

static void init(void)
{
    static const char *const text[2] = {
        "format = caddy\n[exposure \"p\"]\nrequest = ^/\nsubject = resp_headers.X-Account-Id\nstatus = 200\n"
        "fields = n\n",
        "format = traefik\n[exposure \"p\"]\nrequest = ^/\nsubject = downstream_X-Account-Id\nstatus = 200\n"
        "fields = n\n"};
    char err[256];
    for (int i = 0; i < 2; i++) {
        if (!(rules[i] = scan_rule_parse(text[i], strlen(text[i]), NULL, err, sizeof err))) {
            fprintf(stderr, "%s\n", err);
            abort();
        }
        lf_state_init(&warm[i]);
    }
}

/* a string of any code points from the input (valid UTF-8 for jansson) */
static size_t utf8_text(struct src *s, char *out, size_t max, int path)
{
    size_t n = src_byte(s) % 24, k = 0;
    if (path) out[k++] = '/';
    for (size_t i = 0; i < n && k + 4 < max; i++) {
        unsigned c = src_byte(s);
        if (c < 0xc0) out[k++] = (char)(c < 0x80 ? c : 0x20 + c % 0x5f);
        else if (c < 0xe0) {
            unsigned cp = 0x80 + src_u16(s) % 0x780;
            out[k++] = (char)(0xc0 | cp >> 6);
            out[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            unsigned cp = 0x10000 + (src_u16(s) << 4) % 0xfffff;
            out[k++] = (char)(0xf0 | cp >> 18);
            out[k++] = (char)(0x80 | (cp >> 12 & 0x3f));
            out[k++] = (char)(0x80 | (cp >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (cp & 0x3f));
        }
        if (!out[k - 1]) out[k - 1] = 'z'; /* no NUL: jansson strings end there */
        if (path && (out[k - 1] == ' ' || out[k - 1] == '\n')) out[k - 1] = '_';
    }
    out[k] = 0;
    return k;
}

/* an object with unknown keys and nested values */
static json_t *noise(struct src *s, int depth)
{
    json_t *o = json_object();
    int n = src_byte(s) % 3;
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%u", src_byte(s));
        unsigned kind = src_byte(s) % 5;
        if (kind == 0 && depth < 4) json_object_set_new(o, key, noise(s, depth + 1));
        else if (kind == 1) json_object_set_new(o, key, json_pack("[i,s,n,b]", (int)src_byte(s), "x\"y", 1));
        else if (kind == 2) json_object_set_new(o, key, json_real(src_u16(s) / 7.0));
        else json_object_set_new(o, key, json_string("v"));
    }
    return o;
}

struct want {
    int64_t t;
    char method[16], uri[128], target[128], user[64], client[64], subject[64];
    int status;
};

static json_t *caddy_object(struct src *s, struct want *w)
{
    json_t *req = json_object(), *rh = noise(s, 1), *o = noise(s, 0);
    json_object_set_new(req, "remote_ip", json_string("10.0.0.1"));
    json_object_set_new(req, "client_ip", json_string(w->client));
    json_object_set_new(req, "method", json_string(w->method));
    json_object_set_new(req, "uri", json_string(w->uri));
    json_object_set_new(req, "headers", noise(s, 2));
    json_object_set_new(rh, "X-Account-Id", json_pack("[s,s]", w->subject, "second"));
    json_object_set_new(o, "request", req);
    json_object_set_new(o, "resp_headers", rh);
    json_object_set_new(o, "user_id", json_string(w->user));
    json_object_set_new(o, "status", json_integer(w->status));
    json_object_set_new(o, "logger", json_string("http.log.access.log0"));
    unsigned tk = src_byte(s) % 4;
    if (tk == 0) json_object_set_new(o, "ts", json_real((double)w->t + 0.25));
    else if (tk == 1) json_object_set_new(o, "ts", json_integer((json_int_t)w->t * 1000 + 999));
    else if (tk == 2) json_object_set_new(o, "ts", json_integer((json_int_t)w->t * 1000000000 + 5));
    else {
        char ts[40];
        int64_t lt = w->t + 3600;
        struct tm tm;
        kt_gmtime(lt, &tm);
        snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.5+01:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        json_object_set_new(o, "ts", json_string(ts));
    }
    return o;
}

static json_t *traefik_object(struct src *s, struct want *w)
{
    json_t *o = noise(s, 0);
    char ts[40];
    struct tm tm;
    kt_gmtime(w->t, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, src_byte(s));
    json_object_set_new(o, "StartUTC", json_string(ts));
    json_object_set_new(o, "RequestMethod", json_string(w->method));
    json_object_set_new(o, "RequestPath", json_string(w->uri));
    json_object_set_new(o, "DownstreamStatus", json_integer(w->status));
    json_object_set_new(o, "OriginStatus", json_integer(502));
    json_object_set_new(o, "ClientUsername", json_string(w->user));
    json_object_set_new(o, "ClientHost", json_string(w->client));
    json_object_set_new(o, "ClientAddr", json_string("[::1]:5"));
    json_object_set_new(o, "downstream_X-Account-Id", json_string(w->subject));
    return o;
}

/* jansson's text with Go's escapes: & < > as \u0026 … (Traefik) */
static char *go_escape(const char *j)
{
    char *o = malloc(strlen(j) * 6 + 1);
    size_t k = 0;
    for (const char *p = j; *p; p++) {
        if (*p == '&' || *p == '<' || *p == '>') k += (size_t)sprintf(o + k, "\\u%04x", *p);
        else o[k++] = *p;
    }
    o[k] = 0;
    return o;
}

static void round_trip(int k, struct src *s)
{
    struct want w;
    memset(&w, 0, sizeof w);
    w.t = 946684800 + (int64_t)(src_u16(s) << 16 | src_u16(s)) % 3155760000LL;
    snprintf(w.method, sizeof w.method, "%s", src_byte(s) & 1 ? "GET" : "PATCH");
    char path[120];
    utf8_text(s, path, 100, 1);
    if (k == 0 && src_byte(s) % 4 == 0) snprintf(w.uri, sizeof w.uri, "https://shop.example:8443%s", path);
    else snprintf(w.uri, sizeof w.uri, "%s", path);
    snprintf(w.target, sizeof w.target, "%s", path);
    w.status = 100 + (int)(src_u16(s) % 900);
    utf8_text(s, w.user, 40, 0);
    snprintf(w.client, sizeof w.client, src_byte(s) & 1 ? "2001:db8::%x" : "192.0.2.%u", src_byte(s));
    utf8_text(s, w.subject, 40, 0);
    size_t flags = JSON_COMPACT | (k == 1 ? JSON_SORT_KEYS : 0) | (src_byte(s) & 1 ? JSON_ESCAPE_SLASH : 0);
    json_t *o = k == 0 ? caddy_object(s, &w) : traefik_object(s, &w);
    char *text = json_dumps(o, flags);
    json_decref(o);
    if (!text) return;
    char *line = k == 1 ? go_escape(text) : strdup(text);
    free(text);
    struct lf_line L;
    const char *why = "";
    size_t n = strlen(line);
    int rc = lf_parse(rules[k], &warm[k], line, n, &L, &why);
    const char *user = w.user;
    int status = w.status;
    if (rc != LF_OK || L.t != w.t || !lf_str_is(L.method, w.method) || L.odd || !lf_str_is(L.target, w.target) ||
        L.status != status || !(user[0] ? lf_str_is(L.user, user) : L.user.n == 0 || lf_str_is(L.user, "")) ||
        !lf_str_is(L.host, w.client) || !(w.subject[0] ? lf_str_is(L.xf[0], w.subject) : L.xf[0].n == 0)) {
        fprintf(stderr, "round trip of %s: rc %d (%s) t %lld/%lld target '%.*s' want '%s'\n", line, rc, why,
                (long long)L.t, (long long)w.t, (int)L.target.n, L.target.p ? L.target.p : "", w.target);
        abort();
    }
    free(line);
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
