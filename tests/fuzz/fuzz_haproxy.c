/* fuzz_haproxy.c — libFuzzer target for the HAProxy `option httplog` reader
 * (src/scan/fmt_haproxy.c; docs/rules.md) and local times through the rule's zone
 * (lf_local_to_utc in src/scan/lfutil.c, over the TZif reader of src/util/i18n.c).
 *
 * Byte 0 picks the mode:
 *   0  raw: the rest is lines, read in Europe/Berlin with a warm and a fresh parser state and
 *      with a CR appended; they must agree (fuzz_lf.h).
 *   1+ round trip: a UTC instant from the input is turned into local time in one of several
 *      zones (Europe/Berlin, America/New_York, Australia/Lord_Howe with its half-hour DST,
 *      Asia/Kolkata, UTC) with the TZif reader, and written as HAProxy does — with or without
 *      a syslog prefix, milliseconds or none, an IPv4 or unbracketed IPv6 client, 0..2 capture
 *      blocks, a request whose bytes outside 32..126 and '#', '"' are #XX, an HTTP/2 absolute
 *      URI, fields after the request. The reader must give back the client, target, status
 *      and capture values, and the instant — or "ambiguous local time" exactly when that local
 *      time also belongs to another instant (checked here from the zone's offsets). */
#include "fuzz_lf.h"
#include "util/i18n.h"

#define NZ 5
static const char *const zones[NZ] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                                      "UTC"};
static scan_rule *rules[NZ];
static struct lf_state warm[NZ];

static void init(void)
{
    char err[256], text[400];
    for (int i = 0; i < NZ; i++) {
        snprintf(
            text, sizeof text,
            "format = haproxy\nzone = %s\n[exposure \"p\"]\nrequest = ^/\nsubject = capture(2)\nclient = capture(1)\n"
            "status = 200\nfields = n\n",
            zones[i]);
        if (!(rules[i] = scan_rule_parse(text, strlen(text), NULL, err, sizeof err))) {
            fprintf(stderr, "%s\n", err);
            abort();
        }
        lf_state_init(&warm[i]);
    }
}

/* does the local time of u also belong to another instant? (the offsets a day around it) */
static int twice(const struct i18n_zone *z, int64_t u)
{
    struct i18n_time a, b, x, y;
    i18n_zone_local(z, u, &x);
    int64_t local = u + x.utoff;
    i18n_zone_local(z, u - 2 * 86400, &a);
    i18n_zone_local(z, u + 2 * 86400, &b);
    int32_t offs[2] = {a.utoff, b.utoff};
    for (int i = 0; i < 2; i++) {
        int64_t v = local - offs[i];
        if (v == u) continue;
        i18n_zone_local(z, v, &y);
        if (v + y.utoff == local) return 1;
    }
    return 0;
}

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* the request target from the input: any bytes, and how HAProxy writes them (#XX) */
static void target(struct src *s, char *want, char *logged)
{
    size_t n = src_byte(s) % 40, k = 0, w = 0;
    want[w++] = '/';
    logged[k++] = '/';
    for (size_t i = 0; i < n; i++) {
        unsigned c = src_byte(s);
        if (c == ' ' || c == 0) c = '_'; /* a space ends the target in the request line */
        want[w++] = (char)c;
        if (c < 32 || c > 126 || c == '#' || c == '"') k += (size_t)sprintf(logged + k, "#%02X", c);
        else logged[k++] = (char)c;
    }
    want[w] = 0;
    logged[k] = 0;
}

static void round_trip(struct src *s)
{
    int zi = (int)(src_byte(s) % NZ);
    char err[200];
    const struct i18n_zone *z = i18n_zone_get(zones[zi], err, sizeof err);
    if (!z) abort();
    int64_t u = 946684800 + (int64_t)(src_u16(s) << 16 | src_u16(s)) % 3155760000LL;
    if (src_byte(s) & 1) u -= u % 900; /* near a change of offset more often */
    struct i18n_time lt;
    i18n_zone_local(z, u, &lt);
    char ip[48], cl[64], want[64], logged[200], c1[32], c2[32], line[1024], ms[8] = "";
    unsigned kind = src_byte(s);
    if (kind & 1) snprintf(ip, sizeof ip, "2001:db8::%x", src_u16(s));
    else snprintf(ip, sizeof ip, "10.%u.%u.%u", src_byte(s), src_byte(s), src_byte(s));
    snprintf(cl, sizeof cl, "%s:%u", ip, src_u16(s));
    if (kind & 2) snprintf(ms, sizeof ms, ".%03u", src_u16(s) % 1000);
    target(s, want, logged);
    src_text(s, c1, 20, "|{} ");
    src_text(s, c2, 20, "|{} ");
    int ncap = (int)(src_byte(s) % 3), status = 100 + (int)(src_u16(s) % 900);
    int k = 0;
    if (kind & 4) k += snprintf(line + k, sizeof line - (size_t)k, "Feb  6 12:14:14 lb haproxy[14389]: ");
    k += snprintf(line + k, sizeof line - (size_t)k,
                  "%s [%02d/%s/%04lld:%02d:%02d:%02d%s] https~ be/s 0/0/1/2/3 %d +%u - - ---- 1/1/1/1/+0 0/0 ", cl,
                  lt.day, months[lt.month - 1], (long long)lt.year, lt.hour, lt.minute, lt.second, ms, status,
                  src_u16(s));
    if (ncap >= 1) k += snprintf(line + k, sizeof line - (size_t)k, "{%s|x} ", c1);
    if (ncap >= 2) k += snprintf(line + k, sizeof line - (size_t)k, "{%s} ", c2);
    k += snprintf(line + k, sizeof line - (size_t)k, "\"GET %s%s HTTP/%s\"%s", kind & 8 ? "https://shop.example" : "",
                  logged, kind & 8 ? "2.0" : "1.1",
                  kind & 16 ? " 0/0/0/0/0 shop.example/TLSv1.3/TLS_AES_256_GCM_SHA384" : "");
    struct lf_line o;
    const char *why = "";
    int rc = lf_parse(rules[zi], &warm[zi], line, (size_t)k, &o, &why);
    int amb = twice(z, u);
    if (amb) {
        if (rc != LF_MALFORMED || strncmp(why, "ambiguous local time", 20)) {
            fprintf(stderr, "'%s' (%s, %lld) should be ambiguous: rc %d %s\n", line, zones[zi], (long long)u, rc, why);
            abort();
        }
        return;
    }
    /* xf[0] is subject = capture(2), xf[1] client = capture(1): the first block is "c1|x" */
    int capok = ncap == 0 ? !o.xf[0].p && !o.xf[1].p : lf_str_is(o.xf[0], "x") && lf_str_is(o.xf[1], c1);
    if (rc != LF_OK || o.t != u || !lf_str_is(o.host, ip) || !lf_str_is(o.target, want) || o.status != status ||
        !capok) {
        fprintf(stderr, "round trip of '%s' (%s): rc %d (%s) t %lld want %lld target '%.*s' want '%s'\n", line,
                zones[zi], rc, why, (long long)o.t, (long long)u, (int)o.target.n, o.target.p ? o.target.p : "", want);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules[0]) init();
    if (!size) return 0;
    if (data[0] == 0) lf_raw_lines(rules[0], &warm[0], data + 1, size - 1);
    else {
        struct src s = {data + 1, size - 1, 0};
        round_trip(&s);
    }
    return 0;
}
