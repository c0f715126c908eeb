/* bench/gen.c — a seeded generator of realistic combined-format access logs with a known
 * answer. It writes the log and the exposure CSV that `klartext scan` must produce for
 * bench/profile.rule (the example rule of docs/rules.md), computed independently of the scanner.
 *
 *   cc -O2 -o bench/out/gen bench/gen.c
 *   bench/out/gen --size 2G --seed 1 --out bench/out/access.log --truth bench/out/truth.csv
 *
 * Traffic: about 1 M customers, a shop's pages, static assets, search, bots; about 3 % of the
 * lines are GET /gp/profile/<ID> (the leaking endpoint) with 200/304 and some 404/302/500;
 * near misses (/gp/profile/<ID>/edit, /gp/profiles/, POST, the path in the referer only,
 * customers looking at their own profile); lines outside the window on both sides; times
 * jittered by a few seconds and now and then by minutes (out of order); IPv6 clients; quotes
 * in user agents; and a few malformed lines (impossible dates, lines cut short).
 * Deterministic for a given seed and size. */
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
    uint64_t size = 2000000000ull, seed = 1, maxlines = 0;
    const char *out = NULL, *truth = NULL;
    double hit_rate = 0.03;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc) size = parse_size(argv[++i]);
        else if (!strcmp(argv[i], "--lines") && i + 1 < argc) maxlines = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--hit-rate") && i + 1 < argc) hit_rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--truth") && i + 1 < argc) truth = argv[++i];
        else {
            fprintf(stderr, "usage: gen [--size 2G | --lines N] [--seed S] [--hit-rate 0.03] --out LOG --truth CSV\n");
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
    /* lines are spread over [START, END); estimate the count from the size */
    uint64_t est = maxlines ? maxlines : size / 235 + 1;
    double step = (double)(END - START) / (double)est;
    uint64_t written = 0, lines = 0, nmal = 0, nself = 0;
    char line[2048], ts[40], ip[64], req[512], ref[300];
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
        stamp(ts, t, 60, bad_date);
        int n = snprintf(line, sizeof line, "%s - %s [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", ip, user, ts,
                         method, req, status, bytes, ref, uas[rn(NUA)]);
        if (cut == 1) {
            n = (int)(strstr(line, " HTTP/1.1\"") - line) + 10;
            line[n++] = '\n';
        } /* before the status */
        if (cut == 2) {
            n -= 12;
            line[n++] = '\n';
        } /* inside the user agent */
        if (rn(5000) == 0 && !hit) { /* a TLS handshake on the HTTP port */
            n = snprintf(
                line, sizeof line,
                "%s - - [%s] \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\" 400 226 \"-\" \"-\"\n", ip,
                ts);
        }
        fwrite(line, 1, (size_t)n, f);
        written += (uint64_t)n;
        lines++;
        if (hit && !bad_date && !cut && t >= FROM && t < UNTIL && (status == 200 || status == 304) &&
            strcmp(user, ids[subj])) {
            add_hit(subj, viewer_user ? 0x80000000u | vu : client, t);
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
