/* bench/gen.c — a seeded generator of realistic access logs with a known answer. It writes
 * the log and the exposure CSV that `klartext scan` must produce for bench/profile.rule (the
 * example rule of docs/rules.md) or, with --format, for bench/rules/FORMAT.rule, computed
 * independently of the scanner.
 *
 *   cc -O2 -o bench/out/gen bench/gen.c
 *   bench/out/gen --size 2G --seed 1 --out bench/out/access.log --truth bench/out/truth.csv
 *   bench/out/gen --format alb --size 2G --seed 1 --out … --truth …
 *
 * --format: combined (default), alb, elb, w3c (IIS, a header block now and then), cloudfront,
 * caddy, traefik, haproxy (local time in Europe/Berlin: UTC+1 in November 2018). The same
 * traffic in every format; where a format logs no user (alb, elb, cloudfront, haproxy) every
 * viewer is an address and a customer's own view counts like anybody's.
 *
 * Traffic: about 1 M customers, a shop's pages, static assets, search, bots; about 3 % of the
 * lines are GET /gp/profile/<ID> (the leaking endpoint) with 200/304 and some 404/302/500;
 * near misses (/gp/profile/<ID>/edit, /gp/profiles/, POST, the path in the referer only,
 * customers looking at their own profile); lines outside the window on both sides; times
 * jittered by a few seconds and now and then by minutes (out of order); IPv6 clients; quotes
 * in user agents; and a few malformed lines (impossible dates, lines cut short).
 * Deterministic for a given seed and size.
 *
 * --pairs N (combined only): N lines, every one a counted view by a viewer seen nowhere else
 * (about 0.79 N people, N (person, viewer) pairs): the breach that touches millions. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rs;
static uint64_t rnd(void)
{ /* splitmix64 */
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint32_t rn(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}
static double rf(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

#define NCUST 1000000u
static char ids[NCUST][11]; /* 10 characters [A-Z0-9] */

static void make_ids(void)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (uint32_t i = 0; i < NCUST; i++) {
        uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull + 0x1234567ull;
        ids[i][0] = 'A' + (char)(i % 26);
        for (int k = 1; k < 10; k++) {
            ids[i][k] = a[x % 36];
            x /= 36;
            x ^= x << 7;
        }
        ids[i][10] = 0;
    }
}

static const char *uas[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:63.0) Gecko/20100101 Firefox/63.0",
    "Mozilla/5.0 (Linux; Android 9; SM-G960F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.80 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/7.61.1",
    "Mozilla/5.0 (compatible; \\\"Shop Monitor\\\" 1.2; +https://monitor.example/)",
    "python-requests/2.20.0",
};
#define NUA (sizeof uas / sizeof uas[0])
static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *words[] = {"shoes", "lamp",   "coffee+grinder", "usb-c", "tent",
                              "book",  "kettle", "jacket",         "desk",  "phone+case"};

/* the window of bench/profile.rule */
static const int64_t FROM = 1542031200; /* 2018-11-12T14:00:00Z */
static const int64_t UNTIL = 1542791520; /* 2018-11-21T09:12:00Z */
static const int64_t START = 1541808000; /* 2018-11-10T00:00:00Z */
static const int64_t END = 1542931200; /* 2018-11-23T00:00:00Z */

struct hit {
    uint32_t subj;
    uint32_t viewer;
    int64_t t;
}; /* viewer: bit 31 = user */
static struct hit *hits;
static size_t nhits, caphits;

static void add_hit(uint32_t subj, uint32_t viewer, int64_t t)
{
    if (nhits == caphits) {
        caphits = caphits ? caphits * 2 : 1 << 16;
        hits = realloc(hits, caphits * sizeof *hits);
    }
    hits[nhits].subj = subj;
    hits[nhits].viewer = viewer;
    hits[nhits].t = t;
    nhits++;
}

static void stamp(char *o, int64_t t, int off_min, int bad)
{
    int64_t lt = t + off_min * 60;
    struct tm tm;
    time_t tt = (time_t)lt;
    gmtime_r(&tt, &tm);
    int d = tm.tm_mday, m = tm.tm_mon;
    if (bad) {
        d = 31;
        m = 10;
    } /* 31/Nov */
    sprintf(o, "%02d/%s/%04d:%02d:%02d:%02d %c%02d%02d", d, mon[m], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
            off_min < 0 ? '-' : '+', abs(off_min) / 60, abs(off_min) % 60);
}

/* client k (< 2^19) -> its address; distinct clients get distinct addresses */
static void ip_of(char *o, uint32_t k)
{
    uint32_t s = (k * 0x9E3779B1u) & 0x7ffff; /* a bijection of [0, 2^19) */
    if (k % 17 == 0) sprintf(o, "2001:db8:%x::%x", s >> 16, s & 0xffff);
    else sprintf(o, "%u.%u.%u.%u", 11 + (s >> 16), (s >> 8) & 255, s & 255, 10 + k % 7);
}

/* ---- the other formats ---- */
enum fmt { F_COMBINED, F_ALB, F_ELB, F_W3C, F_CLOUDFRONT, F_CADDY, F_TRAEFIK, F_HAPROXY };
static const char *const fmt_names[] = {"combined", "alb", "elb", "w3c", "cloudfront", "caddy", "traefik", "haproxy"};
static int has_user(int f)
{
    return f == F_COMBINED || f == F_W3C || f == F_CADDY || f == F_TRAEFIK;
}

/* one request, whatever the format */
struct ev {
    int64_t t;
    unsigned frac; /* microseconds */
    const char *ip, *user, *method, *req, *ref, *ua;
    int status, bytes, bad_date;
    unsigned port;
};

/* "2018-11-12T14:03:00" (or the 31st of November), the UTC time t + add seconds */
static void civil(char *o, int64_t t, int bad, char sep)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    sprintf(o, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, bad ? 11 : tm.tm_mon + 1, bad ? 31 : tm.tm_mday,
            sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* s with each byte of `from` replaced: IIS writes spaces as '+'; CloudFront %-encodes */
static void w3c_value(char *o, const char *s, int cloudfront)
{
    size_t k = 0;
    if (!*s || !strcmp(s, "-")) {
        strcpy(o, "-");
        return;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!cloudfront && c == ' ') o[k++] = '+';
        else if (cloudfront && (c <= ' ' || c >= 127 || strchr("<>\"#%{}|\\^~[]`'", c)))
            k += (size_t)sprintf(o + k, "%%%02X", c);
        else o[k++] = (char)c;
    }
    o[k] = 0;
}

/* a user agent as logged in the combined format (\" for a quote) as it is: quotes */
static void plain_ua(char *o, const char *ua)
{
    size_t k = 0;
    for (; *ua; ua++) {
        if (ua[0] == '\\' && ua[1] == '"') continue;
        o[k++] = *ua;
    }
    o[k] = 0;
}

static int render_aws(char *line, size_t cap, int f, const struct ev *e)
{
    char ts[40];
    civil(ts, e->t, e->bad_date, 'T');
    if (f == F_ELB)
        return snprintf(line, cap,
                        "%s.%06uZ shop-lb %s:%u 10.0.0.1:80 0.000073 0.001048 0.000057 %d %d 0 %d \"%s "
                        "https://shop.example:443%s HTTP/1.1\" \"%s\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2\n",
                        ts, e->frac, e->ip, e->port, e->status, e->status, e->bytes, e->method, e->req, e->ua);
    return snprintf(
        line, cap,
        "https %s.%06uZ app/shop-lb/50dc6c495c0c9188 %s:%u 10.0.0.1:80 0.000 0.%03u 0.000 %d %d 412 %d \"%s "
        "https://shop.example:443%s HTTP/1.1\" \"%s\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 "
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 "
        "\"Root=1-%08x-%012x\" \"shop.example\" \"session-reused\" 0 %s.%06uZ \"forward\" \"-\" \"-\" "
        "\"10.0.0.1:80\" \"%d\" \"-\" \"-\"\n",
        ts, e->frac, e->ip, e->port, e->frac % 1000, e->status, e->status, e->bytes, e->method, e->req, e->ua,
        (unsigned)e->t, e->frac, ts, e->frac, e->status);
}

static const char w3c_fields[] = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                                 "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n";
static const char cf_fields[] =
    "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
    "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes "
    "time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
    "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end\n";

static int render_w3c(char *line, size_t cap, int f, const struct ev *e)
{
    char d[40], stem[600], query[600], ua[300], ref[600], pu[300];
    civil(d, e->t, e->bad_date, f == F_CLOUDFRONT ? '\t' : ' ');
    const char *q = strchr(e->req, '?');
    size_t sn = q ? (size_t)(q - e->req) : strlen(e->req);
    memcpy(stem, e->req, sn);
    stem[sn] = 0;
    w3c_value(query, q ? q + 1 : "", f == F_CLOUDFRONT);
    plain_ua(pu, e->ua);
    w3c_value(ua, pu, f == F_CLOUDFRONT);
    w3c_value(ref, e->ref, f == F_CLOUDFRONT);
    if (f == F_W3C)
        return snprintf(line, cap, "%s 10.0.0.1 %s %s %s 443 %s %s %s %s %d 0 0 %u\n", d, e->method, stem, query,
                        e->user, e->ip, ua, ref, e->status, 1 + e->frac % 900);
    return snprintf(
        line, cap,
        "%s\tFRA56-C1\t%d\t%s\t%s\td111111abcdef8.cloudfront.net\t%s\t%d\t%s\t%s\t%s\t-\tMiss\t"
        "SOX4xwn4XV6Q4rgb7XiVGOH%08xms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\tshop.example\thttps\t412\t0.%03u\t-\t"
        "TLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t%u\t0.%03u\tMiss\ttext/html\t%d\t-\t-\n",
        d, e->bytes + 400, e->ip, e->method, stem, e->status, ref, ua, query, (unsigned)e->t, e->frac % 1000, e->port,
        e->frac % 1000, e->bytes);
}

static int render_json(char *line, size_t cap, int f, const struct ev *e)
{
    char ref[700];
    if (f == F_CADDY) {
        if (strcmp(e->ref, "-")) snprintf(ref, sizeof ref, ",\"Referer\":[\"%s\"]", e->ref);
        else ref[0] = 0;
        return snprintf(
            line, cap,
            "{\"level\":\"info\",\"ts\":%lld.%06u,\"logger\":\"http.log.access.log0\",\"msg\":\"handled request\","
            "\"request\":{\"remote_ip\":\"%s\",\"remote_port\":\"%u\",\"client_ip\":\"%s\",\"proto\":\"HTTP/2.0\","
            "\"method\":\"%s\",\"host\":\"shop.example\",\"uri\":\"%s\",\"headers\":{\"User-Agent\":[\"%s\"],"
            "\"Accept\":[\"*/*\"]%s}},\"bytes_read\":0,\"user_id\":\"%s\",\"duration\":0.00%04u,\"size\":%d,"
            "\"status\":%d,\"resp_headers\":{\"Server\":[\"Caddy\"],\"Content-Type\":[\"text/html; charset=utf-8\"]}}\n",
            (long long)e->t, e->frac, e->ip, e->port, e->ip, e->method, e->req, e->ua, ref,
            strcmp(e->user, "-") ? e->user : "", e->frac % 10000, e->bytes, e->status);
    }
    char ts[40], lt[40], path[1200], addr[80];
    size_t k = 0;
    for (const char *p = e->req; *p; p++) /* Go's encoding/json: & as \u0026 */
        if (*p == '&') k += (size_t)sprintf(path + k, "\\u0026");
        else path[k++] = *p;
    path[k] = 0;
    civil(ts, e->t, e->bad_date, 'T');
    civil(lt, e->t + 3600, e->bad_date, 'T');
    snprintf(addr, sizeof addr, strchr(e->ip, ':') ? "[%s]:%u" : "%s:%u", e->ip, e->port);
    return snprintf(
        line, cap,
        "{\"ClientAddr\":\"%s\",\"ClientHost\":\"%s\",\"ClientPort\":\"%u\",\"ClientUsername\":\"%s\","
        "\"DownstreamContentSize\":%d,\"DownstreamStatus\":%d,\"Duration\":%u,\"OriginContentSize\":%d,"
        "\"OriginDuration\":%u,\"OriginStatus\":%d,\"Overhead\":%u,\"RequestAddr\":\"shop.example\","
        "\"RequestContentSize\":0,\"RequestCount\":%u,\"RequestHost\":\"shop.example\",\"RequestMethod\":\"%s\","
        "\"RequestPath\":\"%s\",\"RequestPort\":\"-\",\"RequestProtocol\":\"HTTP/2.0\",\"RequestScheme\":\"https\","
        "\"RetryAttempts\":0,\"RouterName\":\"shop@docker\",\"ServiceAddr\":\"172.29.0.2:8080\","
        "\"ServiceName\":\"shop@docker\",\"ServiceURL\":\"http://172.29.0.2:8080\",\"StartLocal\":\"%s.%06u+01:00\","
        "\"StartUTC\":\"%s.%06uZ\",\"TLSCipher\":\"TLS_AES_128_GCM_SHA256\",\"TLSVersion\":\"1.3\","
        "\"entryPointName\":\"https\",\"level\":\"info\",\"msg\":\"\",\"time\":\"%s+01:00\"}\n",
        addr, e->ip, e->port, e->user, e->bytes, e->status, 100000 + e->frac * 7, e->bytes, 90000 + e->frac * 7,
        e->status, 10000 + e->frac, (unsigned)e->t & 0xfffff, e->method, path, lt, e->frac, ts, e->frac, lt);
}

static int render_haproxy(char *line, size_t cap, const struct ev *e)
{
    char ts[40];
    stamp(ts, e->t, 60, e->bad_date); /* local time in Berlin: UTC+1 in November 2018 */
    ts[20] = 0; /* without the offset */
    return snprintf(line, cap,
                    "%s:%u [%s.%03u] https~ shop/srv%u 0/0/1/%u/%u %d %d - - ---- 12/12/3/1/0 0/0 \"%s %s HTTP/1.1\"\n",
                    e->ip, e->port, ts, e->frac / 1000, 1 + e->frac % 4, 5 + e->frac % 50, 6 + e->frac % 50, e->status,
                    e->bytes + 350, e->method, e->req);
}

static int render(char *line, size_t cap, int f, const struct ev *e)
{
    switch (f) {
    case F_ALB:
    case F_ELB: return render_aws(line, cap, f, e);
    case F_W3C:
    case F_CLOUDFRONT: return render_w3c(line, cap, f, e);
    case F_CADDY:
    case F_TRAEFIK: return render_json(line, cap, f, e);
    case F_HAPROXY: return render_haproxy(line, cap, e);
    }
    char ts[40];
    stamp(ts, e->t, 60, e->bad_date);
    return snprintf(line, cap, "%s - %s [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", e->ip, e->user, ts, e->method,
                    e->req, e->status, e->bytes, e->ref, e->ua);
}

static int cmp_hit(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    int c = strcmp(ids[a->subj], ids[b->subj]);
    if (c) return c;
    if (a->viewer != b->viewer) return a->viewer < b->viewer ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

static void iso(char *o, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(o, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- --pairs N: every matching request a new (person, viewer) pair ----
 * N lines, each a counted view (GET /gp/profile/<ID>, 200, inside the window) of a person
 * drawn uniformly from 2N (so about 0.79 N distinct people), by a viewer seen nowhere else:
 * 40 % signed in (a user outside the population of people), the rest one address each.
 * The breach that touches millions: a public bucket, a cache that served every account page. */
static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* person i (< 2^50) -> 10 characters; a bijection, so distinct people get distinct ids */
static void pid_of(char *o, uint64_t i)
{
    uint64_t x = (i * 0x9E3779B97F4A7C15ull) & ((1ull << 50) - 1);
    for (int k = 0; k < 10; k++) {
        o[k] = b36[x % 36];
        x /= 36;
    }
    o[10] = 0;
}

/* the id's bytewise order as a number (fixed length, '0'-'9' before 'A'-'Z') */
static uint64_t pid_key(const char *id)
{
    uint64_t k = 0;
    for (int i = 0; i < 10; i++) k = k * 36 + (uint64_t)(strchr(b36, id[i]) - b36);
    return k;
}

struct phit {
    uint64_t key; /* pid_key of the person */
    uint32_t subj;
    uint32_t t; /* seconds after FROM; bit 31: a signed-in viewer */
};
static int cmp_phit(const void *x, const void *y)
{
    const struct phit *a = x, *b = y;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int gen_pairs(uint64_t n, FILE *f, const char *truth)
{
    struct phit *h = malloc((n ? n : 1) * sizeof *h);
    if (!h) return 1;
    double step = (double)(UNTIL - FROM - 60) / (double)(n ? n : 1);
    char line[512], id[11], user[11], ip[32], ts[40];
    uint64_t written = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint32_t subj = (uint32_t)(rnd() % (2 * n));
        int64_t t = FROM + (int64_t)((double)k * step) + (int64_t)rn(30);
        int signed_in = rn(100) < 40;
        pid_of(id, subj);
        uint32_t s = ((uint32_t)k * 0x9E3779B1u) & 0xffffff; /* a bijection of [0, 2^24) */
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", 11 + (unsigned)(k >> 24 & 127), s >> 16, (s >> 8) & 255, s & 255);
        if (signed_in) pid_of(user, 2 * n + k);
        stamp(ts, t, 60, 0);
        int len = snprintf(line, sizeof line, "%s - %s [%s] \"GET /gp/profile/%s%s HTTP/1.1\" %d %u \"-\" \"%s\"\n", ip,
                           signed_in ? user : "-", ts, id, rn(4) ? "" : "?ref=cm_cr_arp_d_gw_btm", rn(8) ? 200 : 304,
                           200 + rn(40000), uas[rn(4) == 0 ? 7 : 3]);
        fwrite(line, 1, (size_t)len, f);
        written += (uint64_t)len;
        h[k].key = pid_key(id);
        h[k].subj = subj;
        h[k].t = (uint32_t)(t - FROM) | (signed_in ? 0x80000000u : 0);
    }
    qsort(h, n, sizeof *h, cmp_phit);
    FILE *tf = fopen(truth, "w");
    if (!tf) {
        perror(truth);
        return 1;
    }
    static char tbuf[1 << 20];
    setvbuf(tf, tbuf, _IOFBF, sizeof tbuf);
    fprintf(tf, "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n");
    uint64_t people = 0;
    for (uint64_t i = 0, j; i < n; i = j) {
        uint32_t first = UINT32_MAX, last = 0;
        uint64_t users = 0;
        for (j = i; j < n && h[j].key == h[i].key; j++) {
            uint32_t t = h[j].t & 0x7fffffff;
            users += h[j].t >> 31;
            if (t < first) first = t;
            if (t > last) last = t;
        }
        char a[32], b[32];
        iso(a, FROM + first);
        iso(b, FROM + last);
        pid_of(id, h[i].subj);
        fprintf(tf, "%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",/gp/profile/%s,email;name\n", id, a, b,
                j - i, j - i, users, j - i - users, id);
        people++;
    }
    fclose(tf);
    free(h);
    fprintf(stderr, "gen: %" PRIu64 " lines, %" PRIu64 " bytes, %" PRIu64 " counted views of %" PRIu64 " people\n", n,
            written, n, people);
    return 0;
}

static uint64_t parse_size(const char *s)
{
    char *e;
    double v = strtod(s, &e);
    if (*e == 'k' || *e == 'K') v *= 1e3;
    else if (*e == 'm' || *e == 'M') v *= 1e6;
    else if (*e == 'g' || *e == 'G') v *= 1e9;
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    uint64_t size = 2000000000ull, seed = 1, maxlines = 0, pairs = 0;
    const char *out = NULL, *truth = NULL;
    double hit_rate = 0.03;
    int fmt = F_COMBINED;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc) size = parse_size(argv[++i]);
        else if (!strcmp(argv[i], "--lines") && i + 1 < argc) maxlines = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--hit-rate") && i + 1 < argc) hit_rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--truth") && i + 1 < argc) truth = argv[++i];
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            const char *v = argv[++i];
            for (fmt = 0; fmt < 8 && strcmp(fmt_names[fmt], v); fmt++) continue;
            if (fmt == 8) {
                fprintf(stderr, "gen: unknown format '%s'\n", v);
                return 2;
            }
        } else {
            fprintf(
                stderr,
                "usage: gen [--format F] [--size 2G | --lines N | --pairs N] [--seed S] [--hit-rate 0.03] --out LOG --truth CSV\n");
            return 2;
        }
    }
    if (!out || !truth) {
        fprintf(stderr, "gen: --out and --truth are required\n");
        return 2;
    }
    rs = seed * 0x2545F4914F6CDD1Dull + 1;
    make_ids();
    FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
    if (!f) {
        perror(out);
        return 1;
    }
    static char iobuf[1 << 20];
    setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
    if (pairs && fmt != F_COMBINED) {
        fprintf(stderr, "gen: --pairs writes the combined format only\n");
        return 2;
    }
    if (pairs) {
        int rc = gen_pairs(pairs, f, truth);
        if (f != stdout && fclose(f)) rc = 1;
        return rc;
    }
    /* lines are spread over [START, END); estimate the count from the size */
    static const unsigned line_len[] = {235, 535, 290, 182, 403, 567, 878, 149}; /* bytes, measured */
    uint64_t est = maxlines ? maxlines : size / line_len[fmt] + 1;
    double step = (double)(END - START) / (double)est;
    uint64_t written = 0, lines = 0, nmal = 0, nself = 0;
    char line[4096], ip[64], req[512], ref[300];
    if (fmt == F_W3C)
        written += (uint64_t)fprintf(f,
                                     "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
                                     "#Date: 2018-11-10 00:00:00\n%s",
                                     w3c_fields);
    if (fmt == F_CLOUDFRONT) written += (uint64_t)fprintf(f, "#Version: 1.0\n%s", cf_fields);
    while (maxlines ? lines < maxlines : written < size) {
        int64_t t = START + (int64_t)((double)lines * step) + (int64_t)rn(11) - 5;
        if (rn(1000) == 0) t -= 60 + rn(600); /* a late line: minutes out of order */
        uint32_t r = rn(1000000);
        uint32_t client = rn(300000);
        ip_of(ip, client);
        const char *user = "-";
        uint32_t cust = rn(NCUST);
        char userbuf[16];
        const char *method = "GET";
        int status = 200, bytes = 200 + (int)rn(40000), bad_date = 0, cut = 0;
        int hit = 0, viewer_user = 0;
        uint32_t subj = 0, vu = 0;
        strcpy(ref, "-");
        double p = (double)r / 1e6;
        if (p < hit_rate) {
            /* the leaking endpoint: /gp/profile/<ID> */
            subj = (uint32_t)(rf() * rf() * NCUST); /* some people are viewed often */
            int q = (int)rn(100);
            if (q < 25) sprintf(req, "/gp/profile/%s?ref=cm_cr_arp_d_gw_btm", ids[subj]);
            else if (q < 28) sprintf(req, "/gp/profile/%s?", ids[subj]);
            else sprintf(req, "/gp/profile/%s", ids[subj]);
            int s = (int)rn(100);
            status = s < 80 ? 200 : s < 92 ? 304 : s < 96 ? 404 : s < 98 ? 302 : 500;
            if (status == 304) bytes = 0;
            int signed_in = rn(100) < 40;
            if (signed_in) {
                uint32_t v = rn(100) < 15 ? subj : rn(NCUST); /* some look at their own profile */
                user = ids[v];
                viewer_user = 1;
                vu = v;
                if (v == subj) nself++;
            }
            if (rn(3) == 0) sprintf(ref, "https://shop.example/dp/B0%08u", rn(100000000));
            hit = 1;
        } else if (p < hit_rate + 0.004) {
            /* near misses */
            uint32_t v = rn(NCUST);
            switch (rn(6)) {
            case 0: sprintf(req, "/gp/profile/%s/edit", ids[v]); break;
            case 1: sprintf(req, "/gp/profiles/%s", ids[v]); break;
            case 2:
                sprintf(req, "/gp/profile/%s", ids[v]);
                method = "POST";
                break;
            case 3: sprintf(req, "/gp/profile/%s/reviews?page=%u", ids[v], rn(9)); break;
            case 4: sprintf(req, "/gp/profile/%.8s", ids[v]); break; /* too short an id */
            default:
                sprintf(req, "/dp/B0%08u", rn(100000000));
                sprintf(ref, "https://shop.example/gp/profile/%s", ids[v]);
                break;
            }
        } else {
            uint32_t k = rn(100);
            if (k < 30)
                sprintf(req, "/static/%s/%08x.%s", k < 15 ? "js" : "css", (uint32_t)rnd(), k < 15 ? "js" : "css");
            else if (k < 50) sprintf(req, "/images/I/%08x%04x.jpg", (uint32_t)rnd(), rn(65536));
            else if (k < 65) sprintf(req, "/dp/B0%08u", rn(100000000));
            else if (k < 75) sprintf(req, "/s?k=%s&page=%u&ref=sr_pg_%u", words[rn(10)], 1 + rn(20), rn(20));
            else if (k < 80) sprintf(req, "/gp/cart/view.html?ref_=nav_cart");
            else if (k < 84) sprintf(req, "/gp/help/customer/display.html?nodeId=%u", 200000000 + rn(1000000));
            else if (k < 88) {
                sprintf(req, "/api/v2/recommendations?customer=%s", ids[cust]);
            } else if (k < 92) sprintf(req, "/");
            else if (k < 95) {
                sprintf(req, "/ap/signin");
                method = "POST";
                status = 302;
            } else if (k < 97) {
                sprintf(req, "/robots.txt");
            } else {
                sprintf(req, "/wp-login.php");
                status = 404;
            }
            if (rn(4) == 0) sprintf(ref, "https://shop.example/s?k=%s", words[rn(10)]);
            if (rn(3) == 0) {
                sprintf(userbuf, "%s", ids[cust]);
                user = userbuf;
            }
            if (rn(50) == 0) status = 304;
        }
        /* a few malformed lines: impossible dates and lines cut short */
        uint32_t m = rn(hit ? 5000 : 200000);
        if (m == 0) {
            bad_date = 1;
            nmal++;
        } else if (m == 1) {
            cut = 1;
            nmal++;
        } else if (m == 2 && !hit) {
            cut = 2;
            nmal++;
        } /* the other tools do not check user agents */
        const char *ua = uas[rn(NUA)];
        unsigned frac = 0, port = 0;
        if (fmt != F_COMBINED) { /* drawn only here: the combined log stays what it always was */
            frac = rn(1000000);
            port = 1024 + rn(60000);
        }
        if (fmt == F_CADDY && bad_date) { /* Caddy writes epoch seconds: no impossible date */
            bad_date = 0;
            cut = 1;
        }
        if (fmt != F_COMBINED && cut == 2) { /* only the combined log has a user agent to cut */
            cut = 0;
            nmal--;
        }
        struct ev e;
        e.t = t;
        e.frac = frac;
        e.ip = ip;
        e.user = user;
        e.method = method;
        e.req = req;
        e.ref = ref;
        e.ua = ua;
        e.status = status;
        e.bytes = bytes;
        e.bad_date = bad_date;
        e.port = port;
        int n = render(line, sizeof line, fmt, &e);
        if (cut == 1 && fmt == F_COMBINED) { /* before the status */
            n = (int)(strstr(line, " HTTP/1.1\"") - line) + 10;
            line[n++] = '\n';
        } else if (cut == 1) { /* right after the path: no format's line is complete */
            size_t pl = strcspn(req, "?");
            char path[512];
            memcpy(path, req, pl);
            path[pl] = 0;
            n = (int)(strstr(line, path) - line) + (int)pl;
            line[n++] = '\n';
        }
        if (cut == 2) {
            n -= 12;
            line[n++] = '\n';
        } /* inside the user agent */
        if (rn(5000) == 0 && !hit && fmt == F_COMBINED) { /* a TLS handshake on the HTTP port */
            char ts[40];
            stamp(ts, t, 60, bad_date);
            n = snprintf(
                line, sizeof line,
                "%s - - [%s] \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" 400 226 \"-\" \"-\"\n", ip,
                ts);
        }
        if (fmt == F_W3C && lines && lines % 4000000 == 0) /* IIS writes its header again after a restart */
            written += (uint64_t)fprintf(f,
                                         "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
                                         "#Date: 2018-11-1%d 03:00:00\n%s",
                                         (int)(lines / 4000000) % 10, w3c_fields);
        fwrite(line, 1, (size_t)n, f);
        written += (uint64_t)n;
        lines++;
        if (hit && !bad_date && !cut && t >= FROM && t < UNTIL && (status == 200 || status == 304) &&
            (!has_user(fmt) || strcmp(user, ids[subj]))) {
            add_hit(subj, viewer_user && has_user(fmt) ? 0x80000000u | vu : client, t);
        }
    }
    if (f != stdout) fclose(f);
    /* the answer */
    qsort(hits, nhits, sizeof *hits, cmp_hit);
    FILE *tf = fopen(truth, "w");
    if (!tf) {
        perror(truth);
        return 1;
    }
    fprintf(tf, "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n");
    uint64_t people = 0;
    for (size_t i = 0; i < nhits;) {
        size_t j = i;
        int64_t first = hits[i].t, last = hits[i].t;
        uint64_t viewers = 0, users = 0;
        while (j < nhits && hits[j].subj == hits[i].subj) {
            if (j == i || hits[j].viewer != hits[j - 1].viewer) {
                viewers++;
                if (hits[j].viewer & 0x80000000u) users++;
            }
            if (hits[j].t < first) first = hits[j].t;
            if (hits[j].t > last) last = hits[j].t;
            j++;
        }
        char a[32], b[32];
        iso(a, first);
        iso(b, last);
        fprintf(tf, "%s,%s,%s,%zu,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",/gp/profile/%s,email;name\n", ids[hits[i].subj],
                a, b, j - i, viewers, users, viewers - users, ids[hits[i].subj]);
        people++;
        i = j;
    }
    fclose(tf);
    fprintf(stderr,
            "gen: %" PRIu64 " lines, %" PRIu64 " bytes, %zu counted views of %" PRIu64 " people, %" PRIu64
            " malformed, %" PRIu64 " own views\n",
            lines, written, nhits, people, nmal, nself);
    return 0;
}
