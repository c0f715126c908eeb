/* demo_data.c — deterministic sample data for `klartext demo`.
 *
 * The story: customers' profile pages (/account/profile/<id>) are meant to answer 403 to
 * anyone but their owner. A deployment at t->live broke that check and the pages answered
 * 200 to everyone, signed in or not, until t->fixed. The logs also hold ordinary shop
 * traffic, the owners' own views, near misses (the owner's edit page, the profiles list,
 * the profile path in a referer), 304s, a few malformed lines and IPv6 clients. */
#include "cli/demo_data.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/ktime.h"
#include "util/output.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#define NCUST 5000

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static uint64_t below(uint64_t n)
{
    return rnd() % n;
}

static void cust_id(unsigned i, char out[16])
{
    snprintf(out, 16, "C%010u", 10000000u + i * 7919u % 90000000u);
}

static const char *const first_de[] = {"Anna", "Jonas",  "Lena",  "Lukas", "Marie",  "Felix",      "Sophie", "Paul",
                                       "Emma", "Jürgen", "Özlem", "Björn", "Hannah", "Maximilian", "Clara",  "Tobias"};
static const char *const last_de[] = {"Müller", "Schmidt", "Schneider", "Fischer",  "Weber", "Meyer",
                                      "Wagner", "Becker",  "Schulz",    "Hoffmann", "Koch",  "Yılmaz",
                                      "Weiß",   "Groß",    "Krüger",    "Lange"};
static const char *const first_en[] = {"Oliver", "Amelia", "Harry", "Isla", "George",
                                       "Ava",    "Noah",   "Mia",   "Liam", "Chloé"};
static const char *const last_en[] = {"Smith",  "Jones", "Taylor",  "Brown",  "Williams",
                                      "Wilson", "Evans", "O'Brien", "Davies", "Walsh"};
static const char *const zones_de[] = {"Europe/Berlin", "Europe/Berlin", "Europe/Berlin", "Europe/Vienna",
                                       "Europe/Zurich"};
static const char *const zones_en[] = {"Europe/London", "Europe/Dublin", "Europe/Berlin", "America/New_York"};
static const char *const agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "curl/8.4.0",
    "Mozilla/5.0 (compatible; \\\"Quoted\\\" Bot/1.0)"};
static const char *const pages[] = {
    "/",         "/search?q=kaffee", "/product/4711",  "/product/0815",  "/cart",
    "/checkout", "/account/orders",  "/help/shipping", "/static/app.js", "/static/style.css"};

struct line {
    int64_t t;
    char *text;
};
static int cmp_line(const void *a, const void *b)
{
    const struct line *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

static void fmt_time(int64_t t, char *out, size_t len)
{
    static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    kt_gmtime(t + 3600, &tm); /* the servers log in +0100 */
    snprintf(out, len, "%02d/%s/%04d:%02d:%02d:%02d +0100", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

static void client_ip(unsigned who, char *out, size_t len)
{
    if (who % 11 == 0) snprintf(out, len, "2001:db8:%x::%x", 0x100 + who % 200, who);
    else snprintf(out, len, "%u.%u.%u.%u", 81 + who % 90, (who * 7) % 250 + 1, (who * 13) % 250 + 1, who % 250 + 2);
}

static char *mkline(int64_t t, const char *ip, const char *user, const char *method, const char *target, int status,
                    int bytes, const char *ref, const char *ua)
{
    char ts[40];
    fmt_time(t, ts, sizeof ts);
    char b[16];
    if (bytes < 0) snprintf(b, sizeof b, "-");
    else snprintf(b, sizeof b, "%d", bytes);
    return xasprintf("%s - %s [%s] \"%s %s HTTP/1.1\" %d %s \"%s\" \"%s\"\n", ip, user, ts, method, target, status, b,
                     ref, ua);
}

/* the log lines, in the order they were made (sorted later) */
struct lines {
    struct line *L;
    size_t n, cap;
};

static void add(struct lines *ls, int64_t t, char *text)
{
    ls->L = xgrow(ls->L, ls->n, &ls->cap, sizeof *ls->L, 80000);
    ls->L[ls->n].t = t;
    ls->L[ls->n].text = text;
    ls->n++;
}

/* ordinary shop traffic; owners looking at their own profile (not an exposure) and at their
   edit page (a near miss) */
static void shop_traffic(struct lines *ls, const struct demo_times *t)
{
    int64_t span = t->logs_until - t->logs_from;
    char ip[64], cid[16], tgt[96];
    for (int i = 0; i < 52000; i++) {
        int64_t tt = t->logs_from + (int64_t)below((uint64_t)span);
        unsigned who = (unsigned)below(9000);
        client_ip(who, ip, sizeof ip);
        const char *user = "-";
        if (who < NCUST && below(3) == 0) {
            cust_id(who, cid);
            user = cid;
        }
        const char *pg = pages[below(sizeof pages / sizeof pages[0])];
        add(ls, tt,
            mkline(tt, ip, user, below(20) ? "GET" : "POST", pg, below(30) ? 200 : 304, (int)below(40000) + 300,
                   below(2) ? "-" : "https://shop.example/", agents[below(6)]));
    }
    for (int i = 0; i < 3000; i++) {
        int64_t tt = t->logs_from + (int64_t)below((uint64_t)span);
        unsigned c = (unsigned)below(NCUST);
        cust_id(c, cid);
        client_ip(c, ip, sizeof ip);
        snprintf(tgt, sizeof tgt, below(5) ? "/account/profile/%s" : "/account/profile/%s/edit", cid);
        add(ls, tt, mkline(tt, ip, cid, "GET", tgt, 200, 5120, "https://shop.example/account", agents[c % 4]));
    }
}

/* other people's profiles: 403 before and after the bug, 200/304 while it lasted */
/* the one customer with a postal address and no e-mail address: an exposed one seen only a few
   times (the demo writes them a letter) */
static unsigned no_email = NCUST;

static void profile_views(struct lines *ls, const struct demo_times *t)
{
    int64_t span = t->logs_until - t->logs_from;
    char ip[64], cid[16], cid2[16], tgt[96];
    unsigned exposed[420], seen[420] = {0};
    for (unsigned i = 0; i < 420; i++) exposed[i] = (unsigned)below(NCUST);
    for (int i = 0; i < 2600; i++) {
        int64_t tt = t->logs_from + (int64_t)below((uint64_t)span);
        unsigned k = (unsigned)below(420), victim = exposed[k];
        unsigned who = 6000 + (unsigned)below(260); /* 260 distinct viewers */
        cust_id(victim, cid);
        client_ip(who, ip, sizeof ip);
        const char *user = "-";
        if (who % 3 == 0) {
            cust_id(who % NCUST, cid2);
            user = cid2;
        } /* a third are signed in */
        int during = tt >= t->live && tt < t->fixed;
        seen[k] += during;
        snprintf(tgt, sizeof tgt, below(10) ? "/account/profile/%s" : "/account/profile/%s?tab=overview", cid);
        int status = during ? (below(8) ? 200 : 304) : 403;
        add(ls, tt, mkline(tt, ip, user, "GET", tgt, status, status == 200 ? 5120 : 0, "-", agents[who % 6]));
        if (below(6) == 0) { /* the next click carries the profile in its referer: not an exposure */
            char ref[96];
            snprintf(ref, sizeof ref, "https://shop.example/account/profile/%s", cid);
            add(ls, tt + 7, mkline(tt + 7, ip, user, "GET", "/product/4711", 200, 9000, ref, agents[who % 6]));
        }
    }
    unsigned best = 0;
    for (unsigned k = 1; k < 420; k++)
        if (seen[k] >= 2 && (seen[best] < 2 || seen[k] < seen[best])) best = k;
    no_email = exposed[best];
}

static const char *const streets_de[] = {"Lindenstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Am Markt"};
static const char *const cities_de[][2] = {
    {"10115", "Berlin"}, {"20095", "Hamburg"}, {"80331", "München"}, {"50667", "Köln"}, {"04109", "Leipzig"}};
static const char *const streets_en[] = {"High Street", "Station Road", "Church Lane", "Victoria Road"};
static const char *const cities_en[][2] = {{"SW1A 2AA", "London"}, {"M1 1AE", "Manchester"}, {"BS1 4DJ", "Bristol"}};

/* the postal address of customer I: street, postcode, city, country (empty for Germany) */
static void write_address(FILE *f, unsigned i, int de)
{
    if (de) {
        const char *const *c = cities_de[i % 5];
        fprintf(f, ",%s %u,%s,%s,", streets_de[(i / 5) % 5], 1 + i % 97, c[0], c[1]);
    } else {
        const char *const *c = cities_en[i % 3];
        fprintf(f, ",%u %s,%s,%s,United Kingdom", 1 + i % 89, streets_en[(i / 3) % 4], c[0], c[1]);
    }
}

/* near misses, odd requests and a few malformed lines */
static void odd_requests(struct lines *ls, const struct demo_times *t)
{
    int64_t span = t->logs_until - t->logs_from;
    char ip[64];
    for (int i = 0; i < 300; i++) {
        int64_t tt = t->logs_from + (int64_t)below((uint64_t)span);
        client_ip((unsigned)below(9000), ip, sizeof ip);
        add(ls, tt, mkline(tt, ip, "-", "GET", "/account/profiles/", 404, 230, "-", agents[4]));
    }
    int64_t tt = t->live + 4000;
    char ts[40];
    fmt_time(tt, ts, sizeof ts);
    add(ls, tt, xasprintf("203.0.113.9 - - [%s] \"\\x16\\x03\\x01\\x02\\x00\\x01\" 400 157 \"-\" \"-\"\n", ts));
    add(ls, tt + 1, xasprintf("203.0.113.9 - - [31/Nov/2026:10:00:00 +0100] \"GET / HTTP/1.1\" 200 10 \"-\" \"-\"\n"));
    add(ls, tt + 2, xasprintf("203.0.113.9 - - [%s] \"GET /account/profile/C0010000000 HTTP/1.1\" 200\n", ts));
    add(ls, tt + 3, xasprintf("198.51.100.4 - - [%.11s\n", ts));
}

/* TEXT gzip-compressed into OUT as zlib writes it for gzopen with mode wb9 (deflate level 9 in the gzip
   wrapper, no name, no time): 0 or -1 */
static int gzip_buf(const struct buf *text, struct buf *out)
{
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t bound = deflateBound(&z, (uLong)text->len);
    int rc = buf_reserve(out, bound);
    if (!rc) {
        z.next_in = (Bytef *)(text->p ? text->p : "");
        z.avail_in = (uInt)text->len;
        z.next_out = (Bytef *)out->p;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
        out->len = bound - z.avail_out;
    }
    deflateEnd(&z);
    return rc;
}

/* PATH written whole (util/output), then given the mtime T (the demo stays byte-for-byte
   reproducible, mtimes included) */
static int write_dated(const char *path, const struct buf *b, int64_t t, char *err, size_t errlen)
{
    struct timespec ts[2] = {{(time_t)t, 0}, {(time_t)t, 0}};
    if (out_write_file(path, buf_str(b), b->len, 0, OUT_MODE_KEEP, err, errlen)) return -1;
    if (utimensat(AT_FDCWD, path, ts, 0)) return err_set(err, errlen, "cannot date '%s': %s", path, strerror(errno));
    return 0;
}

/* logs/access.log.1.gz (everything before the fix's day, rotated) and logs/access.log, with
   the mtimes the servers would have left */
static int write_logs(const char *dir, const struct demo_times *t, const struct lines *ls, char *err, size_t errlen)
{
    char *p = xasprintf("%s/logs", dir);
    if (mkdir(p, 0700) && errno != EEXIST) {
        err_set(err, errlen, "cannot create '%s': %s", p, strerror(errno));
        free(p);
        return -1;
    }
    free(p);
    int64_t rot = t->fixed - t->fixed % 86400;
    struct buf old, cur, gz;
    buf_init(&old, 0);
    buf_init(&cur, 0);
    buf_init(&gz, 0);
    for (size_t i = 0; i < ls->n; i++) buf_adds(ls->L[i].t < rot ? &old : &cur, ls->L[i].text);
    char *p1 = xasprintf("%s/logs/access.log.1.gz", dir), *p2 = xasprintf("%s/logs/access.log", dir);
    int rc = gzip_buf(&old, &gz) ? err_set(err, errlen, "cannot compress the demo logs") : 0;
    /* the files look as the servers left them: modified when their last line was written */
    if (!rc) rc = write_dated(p1, &gz, rot, err, errlen);
    if (!rc) rc = write_dated(p2, &cur, t->logs_until, err, errlen);
    free(p1);
    free(p2);
    buf_release(&old);
    buf_release(&cur);
    buf_release(&gz);
    return rc;
}

static int write_rule(const char *dir, const struct demo_times *t, char *err, size_t errlen)
{
    char a[KT_ISO_LEN], b[KT_ISO_LEN];
    kt_time_iso(t->live - 3600, a);
    kt_time_iso(t->fixed + 3600, b);
    char *p = xasprintf("%s/rule.conf", dir);
    struct out o;
    int rc = out_open(&o, p, 0, OUT_MODE_KEEP, err, errlen);
    free(p);
    if (rc) return -1;
    fprintf(out_stream(&o),
            "# Which requests showed whose data: a profile page shows its owner's name and e-mail address.\n"
            "# The window starts an hour before the faulty deployment and ends an hour after the fix.\n"
            "format = combined\nfrom   = %s\nuntil  = %s\n\n"
            "[exposure \"profile-page\"]\n"
            "method  = GET\n"
            "# group 1 is the customer number; the query string may follow\n"
            "request = ^/account/profile/(C[0-9]{10})(\\?|$)\n"
            "# 403 is the correct answer; 200 and 304 mean the page was shown\n"
            "status  = 200,304\n"
            "viewer  = user|ip\n"
            "self    = user\n"
            "fields  = name,email\n",
            a, b);
    return out_commit(&o, err, errlen) ? -1 : 0;
}

/* the customer directory: everyone but a few whose contact data is unknown */
static int write_subjects(const char *dir, char *err, size_t errlen)
{
    char *p = xasprintf("%s/subjects.csv", dir), cid[16];
    struct out o;
    int rc = out_open(&o, p, 0, OUT_MODE_KEEP, err, errlen);
    free(p);
    if (rc) return -1;
    FILE *f = out_stream(&o);
    fprintf(f, "subject,name,email,language,timezone,salutation,street,postcode,city,country\n");
    for (unsigned i = 0; i < NCUST; i++) {
        if (i % 997 == 13) continue; /* no contact data: never dropped, listed as unreachable */
        cust_id(i, cid);
        int de = i % 4 != 0;
        const char *fn = de ? first_de[i % 16] : first_en[i % 10],
                   *ln = de ? last_de[(i / 16) % 16] : last_en[(i / 10) % 10];
        char email[128];
        snprintf(email, sizeof email, "kunde%u@mail.example", i);
        if (i == no_email) email[0] = 0; /* a letter by post (notify --letters) */
        const char *zone = de ? zones_de[i % 5] : zones_en[i % 4];
        /* the first names alternate: German lists start with a woman's name, English with a man's */
        const char *sal = de ? (i % 2 ? "Sehr geehrter Herr" : "Sehr geehrte Frau") : (i % 2 ? "Dear Ms" : "Dear Mr");
        if (strchr(ln, '\'')) fprintf(f, "%s,%s %s,%s,%s,%s,%s", cid, fn, ln, email, de ? "de" : "en", zone, sal);
        else fprintf(f, "%s,\"%s %s\",%s,%s,%s,%s", cid, fn, ln, email, de ? "de" : "en", zone, sal);
        write_address(f, i, de);
        fputc('\n', f);
    }
    return out_commit(&o, err, errlen) ? -1 : 0;
}

int demo_write_data(const char *dir, const struct demo_times *t, char *err, size_t errlen)
{
    rng_state = 0x6b6c61727465787full;
    struct lines ls = {0};
    shop_traffic(&ls, t);
    profile_views(&ls, t);
    odd_requests(&ls, t);
    qsort(ls.L, ls.n, sizeof *ls.L, cmp_line);
    /* a little jitter, as several workers write one log */
    for (size_t i = 1; i + 1 < ls.n; i += 97) {
        struct line x = ls.L[i];
        ls.L[i] = ls.L[i + 1];
        ls.L[i + 1] = x;
    }
    int rc = write_logs(dir, t, &ls, err, errlen);
    if (!rc) rc = write_rule(dir, t, err, errlen);
    if (!rc) rc = write_subjects(dir, err, errlen);
    for (size_t i = 0; i < ls.n; i++) free(ls.L[i].text);
    free(ls.L);
    return rc;
}

int demo_write_late(const char *dir, const char *subject, const struct demo_times *t, char *err, size_t errlen)
{
    char tgt[96], ip[64];
    struct buf b;
    buf_init(&b, 0);
    snprintf(tgt, sizeof tgt, "/account/profile/%s", subject);
    /* two more visitors on the second day of the error, from a server the first scan missed */
    for (unsigned k = 0; k < 2; k++) {
        int64_t tt = t->live + 86400 + 3600 * (k + 2);
        client_ip(9000 + k, ip, sizeof ip);
        char *line = mkline(tt, ip, "-", "GET", tgt, 200, 5120, "-", agents[k]);
        buf_adds(&b, line);
        free(line);
    }
    char *p = xasprintf("%s/logs/web2-access.log", dir);
    int rc = out_write_file(p, b.p, b.len, 0, OUT_MODE_KEEP, err, errlen);
    free(p);
    buf_release(&b);
    return rc ? -1 : 0;
}

int demo_write_bounce(const char *dir, const char *notice_id, const char *rcpt, char *err, size_t errlen)
{
    char *text = xasprintf("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                           "To: bounces+%s@beispiel-versand.example\n"
                           "Subject: Undelivered Mail Returned to Sender\n"
                           "Auto-Submitted: auto-replied\n"
                           "MIME-Version: 1.0\n"
                           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"demo-bounce\"\n\n"
                           "--demo-bounce\nContent-Type: text/plain\n\n"
                           "This is the mail system at host mx.example.net. Your message could not be delivered.\n\n"
                           "--demo-bounce\nContent-Type: message/delivery-status\n\n"
                           "Reporting-MTA: dns; mx.example.net\n\n"
                           "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"
                           "Diagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\n\n"
                           "--demo-bounce--\n",
                           notice_id, rcpt, rcpt);
    char *d = xasprintf("%s/returned", dir), *p = xasprintf("%s/returned/1.eml", dir);
    int rc = mkdir(d, 0700) && errno != EEXIST ? err_set(err, errlen, "cannot create '%s': %s", d, strerror(errno))
                                               : out_write_file(p, text, strlen(text), 0, 0600, err, errlen);
    free(text);
    free(d);
    free(p);
    return rc ? -1 : 0;
}
