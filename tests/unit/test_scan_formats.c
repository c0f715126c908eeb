/* test_scan_formats.c — the formats of issue 14 (alb, elb, w3c, cloudfront, caddy, traefik,
 * haproxy): their fields and malformed reasons, `subject/user/client = FIELD`, `zone`, the rule
 * errors they bring, the prefilter needle per format, local times at DST changes, and the
 * format guard's messages (src/scan/fmt_*.c, rule_fields.c, prefilter.c, guard.c). */
#include "check.h"
#include "scan/guard.h"
#include "scan/scan_int.h"
#include "util/i18n.h"
#include "rule_check.h"
#include <stdlib.h>

#define SEC "[exposure \"p\"]\n"
#define REQ "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n"

static void test_rule_errors(void)
{
    /* a field the format does not have */
    expect_error("format = alb\n" SEC "request = ^/a\nsubject = trace_id\n",
                 "line 4: format alb does not log trace_id");
    expect_error("format = elb\n" SEC REQ "client = x-forwarded-for\n",
                 "line 6: format elb does not log x-forwarded-for");
    expect_error("format = cloudfront\n" SEC REQ "client = cs(X-Forwarded-For)\n",
                 "line 6: format cloudfront has no field 'cs(X-Forwarded-For)'");
    expect_error("format = nginx:'$remote_addr [$time_local] \"$request\" $status'\n" SEC
                 "request = ^/a\nsubject = $upstream_http_x_account_id\n",
                 "line 4: format has no $upstream_http_x_account_id");
    expect_error("format = combined\n" SEC "request = ^/a\nsubject = $http_x_account\n",
                 "line 4: format combined does not log $http_x_account");
    expect_error("format = w3c\n" SEC "request = ^/a\nsubject = cs(X Account)\n",
                 "line 4: bad subject 'cs(X Account)'");
    expect_error("format = caddy\n" SEC "request = ^/a\nsubject = resp_headers..X\n", "bad subject 'resp_headers..X'");
    expect_error("format = haproxy\nzone = UTC\n" SEC "request = ^/a\nsubject = hdr(1)\n",
                 "line 5: bad subject 'hdr(1)' (expected capture(N)");
    expect_error("format = haproxy\nzone = UTC\n" SEC "request = ^/a\nsubject = capture(0)\n",
                 "bad subject 'capture(0)'");
    expect_error("format = jsonl\n" SEC "subject = who\n", "'subject' does not apply to format jsonl");
    /* user = … for a format without users */
    expect_error("format = alb\n" SEC REQ "user = x\n", "line 6: format alb does not log x");
    expect_error("format = cloudfront\n" SEC REQ "user = cs-username\n", "line 6: format cloudfront logs no user");
    expect_error("format = elb\n" SEC REQ "viewer = user\n",
                 "format elb logs no user, so 'viewer = user' would count nothing");
    expect_error("format = alb\n" SEC REQ "self = user\n",
                 "format alb logs no user, so 'self = user' would count nothing");
    expect_error("format = haproxy\nzone = UTC\n" SEC REQ "self = user\n", "user = capture(N)");
    /* zone */
    expect_error("format = haproxy\nzone = Mars/Olympus\n", "line 2: unknown time zone 'Mars/Olympus'");
    expect_error("format = haproxy\nzone = ../../etc/passwd\n", "line 2: unknown time zone");
    expect_error("format = haproxy\n" SEC REQ, "line 1: format haproxy logs local times without an offset: add 'zone");
    expect_error("format = alb\nzone = Europe/Berlin\n", "line 2: format alb writes times in UTC or with an offset");
    expect_error("zone = UTC\nformat = haproxy\n", "line 1: 'format' must come before 'zone'");
    expect_error("format = haproxy\nzone = UTC\nzone = UTC\n", "line 3: duplicate key 'zone'");
    expect_error("format = haproxy\nzone = UTC\n" SEC "zone = UTC\n", "'zone' belongs at the top");
    /* subject = FIELD with a capturing request, and neither */
    expect_error("format = caddy\n" SEC "request = ^/account(\\?|$)\nsubject = resp_headers.X-Account-Id\n"
                 "status = 200\nfields = n\n",
                 "line 3: section 'p' takes the subject id from 'subject = resp_headers.X-Account-Id', so 'request' "
                 "only selects requests and must not capture: write (?:…) for its groups");
    expect_error("format = caddy\n" SEC "subject = resp_headers.X-Account-Id\nrequest = ^/account(?<q>\\?|$)\n"
                 "status = 200\nfields = n\n",
                 "line 4: section 'p' takes the subject id");
    expect_error("format = caddy\n" SEC "request = ^/account(?:\\?|$)\nstatus = 200\nfields = n\n",
                 "line 3: regex has no capture group (group 1 must capture the subject id)");
    expect_error("format = traefik\n" SEC REQ "subject = a\nsubject = b\n", "line 7: duplicate key 'subject'");
    expect_error("format = caddy\n" SEC REQ "colour = red\n",
                 "(expected method, request, status, viewer, self, fields, client, subject, user)");
    expect_error("format = apache\n",
                 "(expected combined, common, nginx:'<log_format>', jsonl, alb, elb, w3c, cloudfront, "
                 "caddy, traefik or haproxy)");
}

static void test_rule_ok(void)
{
    char err[512];
    scan_rule *r = parse("format = caddy\nzone = Europe/Berlin\nclient = request.headers.X-Forwarded-For\n" SEC
                         "request = ^/account(?:\\?|$)\nsubject = resp_headers.X-Account-Id\nuser = user_id\n"
                         "self = user\nstatus = 200\nfields = n\n"
                         "[exposure \"q\"]\nrequest = ^/u/(\\d+)\nstatus = 200\nfields = n\nclient = $remote_addr\n",
                         err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        printf("#   %s\n", err);
        return;
    }
    CHECK_INT(r->kind, LF_CADDY);
    CHECK_INT(r->nxf, 3);
    CHECK_STR(r->xf[r->sec[0].subj_xf].name, "resp_headers.X-Account-Id");
    CHECK_STR(r->xf[r->sec[0].user_xf].name, "user_id");
    CHECK_STR(r->xf[r->sec[0].client_xf].name, "request.headers.X-Forwarded-For");
    CHECK_INT(r->sec[1].client_xf, -1); /* $remote_addr: the format's own client */
    CHECK_INT(r->sec[1].subj_xf, -1);
    CHECK_STR(i18n_zone_name(r->zone), "Europe/Berlin");
    scan_rule_free(r);
}

static const char *needles(const char *top, const char *sec)
{
    static char out[700];
    char text[1024], err[512];
    snprintf(text, sizeof text, "%s\n[exposure \"p\"]\n%s\nstatus = 200\nfields = n\n", top, sec);
    scan_rule *r = parse(text, err, sizeof err);
    if (!r) {
        snprintf(out, sizeof out, "ERROR %s", err);
        return out;
    }
    const char *const *nd;
    size_t n = scan_rule_prefilters(r, &nd), k = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) k += (size_t)snprintf(out + k, sizeof out - k, "%s[%s]", i ? " " : "", nd[i]);
    if (!n) snprintf(out, sizeof out, "(none)");
    scan_rule_free(r);
    return out;
}

static void test_needles(void)
{
    /* the path alone: the URI is absolute in the load balancers' lines */
    CHECK_STR(needles("format = alb", "method = GET\nrequest = ^/gp/profile/(\\w+)"), "[/gp/profile/]");
    CHECK_STR(needles("format = elb", "request = ^/gp/profile/(\\w+)"), "[/gp/profile/]");
    /* too short to be worth it: every line is parsed */
    CHECK_STR(needles("format = alb", "request = ^/a(\\w+)"), "(none)");
    /* w3c: the query is a field of its own, IIS writes + for a space */
    CHECK_STR(needles("format = w3c", "request = ^/shop/item\\?id=(\\d+)"), "[/shop/item]");
    CHECK_STR(needles("format = w3c", "request = ^/my docs/(\\d+)"), "[/my]");
    /* cloudfront: after the TAB that ends the field before cs-uri-stem; %-encoded bytes end it */
    CHECK_STR(needles("format = cloudfront", "request = ^/invoices/([0-9]+)\\.pdf"), "[\t/invoices/]");
    CHECK_STR(needles("format = cloudfront", "request = ^/my~dir/(\\d+)"), "[\t/my]");
    CHECK_STR(needles("format = cloudfront", "request = ^/a~b/c/(\\d+)"), "(none)");
    /* JSON formats: the longest piece without '/', which some shippers write as "\/"; traefik
     * writes & as \u0026 */
    CHECK_STR(needles("format = caddy", "request = ^/account/(\\w+)"), "[account]");
    CHECK_STR(needles("format = traefik", "request = ^/search\\?q=x&user=(\\w+)"), "[search?q=x]");
    CHECK_STR(needles("format = caddy", "request = ^/a/bc/d/(\\w+)"), "(none)");
    /* haproxy: '#' is its escape */
    CHECK_STR(needles("format = haproxy\nzone = UTC", "request = ^/a#b/c/(\\w+)"), "(none)");
    CHECK_STR(needles("format = haproxy\nzone = UTC", "request = ^/profile/(\\w+)"), "[/profile/]");
}

static int streq(struct lf_str s, const char *w)
{
    return s.p && s.n == strlen(w) && !memcmp(s.p, w, s.n);
}

/* one line of a rule's format: the return code; *why on a malformed line */
static int line_of(scan_rule *r, struct lf_state *st, const char *line, struct lf_line *o, const char **why)
{
    *why = "";
    return lf_parse(r, st, line, strlen(line), o, why);
}

static scan_rule *rule_text(const char *text)
{
    char err[512];
    scan_rule *r = parse(text, err, sizeof err);
    if (!r) {
        printf("#   %s\n", err);
        fflush(stdout);
        abort();
    }
    return r;
}

#define ALB_TAIL \
    " \"curl/7.46.0\" - - arn:aws:x \"Root=1-5\" \"-\" \"-\" 0 2018-07-02T22:22:48.364000Z \"forward\" \"-\" \"-\""

static void test_alb_lines(void)
{
    scan_rule *r = rule_text("format = alb\n" SEC "request = ^/(\\w+)\nstatus = 200\nfields = n\n");
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(line_of(r, &st,
                      "h2 2018-07-02T22:23:00.186641Z app/lb/50dc 2a02:a33c:4538:1:bcf4:5264:e01c:f215:50718 "
                      "10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET https://www.example.com:443/a/b?c=d "
                      "HTTP/2.0\"" ALB_TAIL " TID_1 \"-\" \"-\" \"-\" \"added-in-2030\"",
                      &o, &why),
              0);
    CHECK(streq(o.host, "2a02:a33c:4538:1:bcf4:5264:e01c:f215"));
    CHECK(streq(o.method, "GET"));
    CHECK(streq(o.target, "/a/b?c=d"));
    CHECK_INT(o.status, 200);
    CHECK_INT(o.t, 1530570180);
    CHECK(!o.user.n);
    CHECK_INT(line_of(r, &st,
                      "http 2018-07-02T22:23:00Z app/lb/1 [2001:db8::1]:80 - -1 -1 -1 - - 34 366 \"GET "
                      "http://h:80?x HTTP/1.1\"" ALB_TAIL,
                      &o, &why),
              0);
    CHECK(streq(o.host, "2001:db8::1"));
    CHECK_INT(o.status, -1);
    CHECK(streq(o.target, "?x"));
    CHECK_INT(line_of(r, &st,
                      "http 2018-07-02T22:23:00Z app/lb/1 1.2.3.4:80 - 0 0 0 460 - 0 0 \"- http://h:80- \"" ALB_TAIL,
                      &o, &why),
              0);
    CHECK(o.odd);
    CHECK_INT(line_of(r, &st, "HTTP 2018-07-02T22:23:00Z app/lb/1 1.2.3.4:80", &o, &why), -1);
    CHECK_STR(why, "bad type 'HTTP'");
    CHECK_INT(line_of(r, &st, "http 2018-07-02T22:23:00Z app/lb/1 1.2.3.4", &o, &why), -1);
    CHECK_STR(why, "bad client address");
    CHECK_INT(line_of(r, &st, "http 2018-07-02T22:23:00Z app/lb/1 1.2.3.4:80 - x 0 0 200", &o, &why), -1);
    CHECK_STR(why, "bad field before the request");
    CHECK_INT(line_of(r, &st, "http 2018-07-02T22:23:00Z app/lb/1 1.2.3.4:80 - 0 0 0 200 200 1 1 GET", &o, &why), -1);
    CHECK_STR(why, "missing request");
    CHECK_INT(line_of(r, &st, "http 2018-07-02T22:23:00 app/lb/1 1.2.3.4:80", &o, &why), -1);
    CHECK_STR(why, "timestamp without time zone");
    scan_rule_free(r);
    r = rule_text("format = elb\n" SEC "request = ^/(\\w+)\nstatus = 200\nfields = n\n");
    CHECK_INT(line_of(r, &st,
                      "2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 "
                      "200 200 0 29 \"GET http://www.example.com:80/ HTTP/1.1\" \"curl/7.38.0\" - -",
                      &o, &why),
              0);
    CHECK(streq(o.target, "/"));
    CHECK(streq(o.host, "192.168.131.39"));
    CHECK_INT(line_of(r, &st,
                      "2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - "
                      "- 82 305 \"- - - \" \"-\" - -",
                      &o, &why),
              0);
    CHECK(o.odd);
    CHECK_INT(o.status, -1);
    lf_state_release(&st);
    scan_rule_free(r);
}

static void test_w3c_lines(void)
{
    scan_rule *r = rule_text("format = w3c\n" SEC "method = GET\nrequest = ^/\\w+\nsubject = X-Account-Id\n"
                             "status = 200\nfields = n\n");
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(line_of(r, &st, "2015-08-13 18:46:11 ::1 GET /a - 443 - ::1 200", &o, &why), -1);
    CHECK_STR(why, "data line before any #Fields directive");
    CHECK_INT(line_of(r, &st, "#Software: Microsoft Internet Information Services 10.0", &o, &why), LF_DIRECTIVE);
    CHECK_INT(
        line_of(r, &st, "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status X-ACCOUNT-ID", &o, &why),
        LF_DIRECTIVE);
    CHECK_INT(line_of(r, &st, "2015-08-13 18:46:11 ::1 GET /a b=1&c=2 304 C0001 extra", &o, &why), 0);
    CHECK(streq(o.target, "/a?b=1&c=2"));
    CHECK(streq(o.host, "::1"));
    CHECK(streq(o.xf[0], "C0001")); /* custom field names compare without case */
    CHECK_INT(o.status, 304);
    CHECK_INT(o.t, 1439491571);
    CHECK_INT(line_of(r, &st, "2015-08-13 18:46:11 ::1 GET /a - 200", &o, &why), -1);
    CHECK_STR(why, "missing fields (7 of the 8 in #Fields)");
    CHECK_INT(line_of(r, &st, "2015-02-29 18:46:11 ::1 GET /a - 200 -", &o, &why), -1);
    CHECK_STR(why, "impossible date 2015-02-29");
    CHECK_INT(line_of(r, &st, "2015-08-13 24:00:00 ::1 GET /a - 200 -", &o, &why), -1);
    CHECK_STR(why, "impossible time 24:00");
    CHECK_INT(line_of(r, &st, "#Fields: date time c-ip cs-uri-stem sc-status", &o, &why), LF_DIRECTIVE);
    CHECK_INT(line_of(r, &st, "2015-08-13 18:46:11 ::1 /a 200", &o, &why), -1);
    CHECK_STR(why, "the #Fields directive has no cs-method");
    CHECK_INT(line_of(r, &st, "#Fields: time cs-method cs-uri-stem sc-status c-ip", &o, &why), LF_DIRECTIVE);
    CHECK_INT(line_of(r, &st, "18:46:11 GET /a 200 ::1", &o, &why), -1);
    CHECK_STR(why, "the #Fields directive has no date");
    scan_rule_free(r);
    r = rule_text("format = cloudfront\n" SEC "request = ^/(\\w+)\nstatus = 200\nfields = n\n");
    lf_state_release(&st);
    lf_state_init(&st);
    CHECK_INT(
        line_of(r, &st, "#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status cs-username", &o, &why),
        LF_DIRECTIVE);
    /* TAB-separated: a space belongs to the value; cloudfront has no user */
    CHECK_INT(line_of(r, &st, "2019-12-04\t21:02:31\t2001:db8::1\tGET\t/a b\t-\t000\tjoe", &o, &why), 0);
    CHECK(streq(o.target, "/a b"));
    CHECK_INT(o.status, 0);
    CHECK(!o.user.n);
    lf_state_release(&st);
    scan_rule_free(r);
}

static void test_json_lines(void)
{
    scan_rule *r = rule_text("format = caddy\n" SEC "request = ^/(\\w+)\nstatus = 200\nfields = n\n"
                             "client = request.headers.X-Forwarded-For\n");
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(
        line_of(r, &st,
                "{\"ts\":1726651920.9,\"logger\":\"http.log.access.log0\",\"request\":{\"remote_ip\":\"10.0.0.1\","
                "\"client_ip\":\"2001:db8::1\",\"method\":\"GET\",\"uri\":\"/a\\u0026b?x=\\\"1\\\"\",\"headers\":{"
                "\"X-Forwarded-For\":[\"198.51.100.7, 10.0.0.2\",\"x\"],\"A\":[{\"deep\":[1,2,{}]}]}},"
                "\"user_id\":\"\",\"status\":200,\"size\":5}",
                &o, &why),
        0);
    CHECK(streq(o.host, "2001:db8::1"));
    CHECK(streq(o.target, "/a&b?x=\"1\""));
    CHECK(streq(o.xf[0], "198.51.100.7, 10.0.0.2"));
    CHECK_INT(o.t, 1726651920);
    CHECK(!o.user.n);
    /* key order does not matter; remote_addr of Caddy before 2.5; ts in milliseconds and nanoseconds */
    CHECK_INT(
        line_of(r, &st,
                "{\"status\":304,\"request\":{\"uri\":\"http://h/p?q\",\"method\":\"GET\",\"remote_addr\":\"[::1]:5\"},"
                "\"ts\":1726651920123.5}",
                &o, &why),
        0);
    CHECK(streq(o.host, "::1"));
    CHECK(streq(o.target, "/p?q"));
    CHECK_INT(o.t, 1726651920);
    CHECK_INT(
        line_of(
            r, &st,
            "{\"ts\":1726651920123456789,\"request\":{\"uri\":\"/\",\"method\":\"GET\",\"remote_ip\":\"a\"},\"status\":0}",
            &o, &why),
        0);
    CHECK_INT(o.t, 1726651920);
    CHECK_INT(o.status, -1);
    /* 19 digits past 2^63-1 (finding F7 of fuzz_jsonlog: signed overflow): bad ts; 2^63-1 itself is read */
    CHECK_INT(line_of(r, &st,
                      "{\"ts\":9999999999999999999,\"request\":{\"uri\":\"/\",\"method\":\"GET\",\"remote_ip\":\"a\"},"
                      "\"status\":200}",
                      &o, &why),
              -1);
    CHECK_STR(why, "bad ts");
    CHECK_INT(line_of(r, &st,
                      "{\"ts\":9223372036854775807,\"request\":{\"uri\":\"/\",\"method\":\"GET\",\"remote_ip\":\"a\"},"
                      "\"status\":200}",
                      &o, &why),
              0);
    CHECK_INT(o.t, 9223372036);
    CHECK_INT(line_of(r, &st,
                      "{\"ts\":\"2024-09-18T11:32:00.5+02:00\",\"request\":{\"uri\":\"/\",\"method\":\"GET\","
                      "\"remote_ip\":\"a\"},\"status\":200}",
                      &o, &why),
              0);
    CHECK_INT(o.t, 1726651920);
    CHECK_INT(
        line_of(r, &st, "{\"ts\":1,\"request\":{\"method\":\"GET\",\"remote_ip\":\"a\"},\"status\":200}", &o, &why),
        -1);
    CHECK_STR(why, "missing request.uri");
    CHECK_INT(line_of(r, &st, "{\"ts\":1,\"request\":{\"uri\":\"/\",\"method\":\"GET\"},\"status\":200}", &o, &why),
              -1);
    CHECK_STR(why, "missing request.remote_ip");
    CHECK_INT(line_of(r, &st,
                      "{\"ts\":1,\"request\":{\"uri\":\"/\",\"method\":\"GET\",\"remote_ip\":\"a\"},\"status\":2000}",
                      &o, &why),
              -1);
    CHECK_STR(why, "bad status");
    CHECK_INT(line_of(r, &st, "{\"level\":\"info\",\"ts\":1,\"logger\":\"tls\",\"msg\":\"x\"}", &o, &why), -1);
    CHECK_STR(why, "not an access log entry (logger 'tls')");
    CHECK_INT(line_of(r, &st, "2024/09/18 09:32:00.000 INFO http.log.access handled request", &o, &why), -1);
    CHECK_STR(why, "not a JSON object");
    CHECK_INT(line_of(r, &st, "{\"ts\":1} x", &o, &why), -1);
    CHECK_STR(why, "trailing data after the JSON object");
    scan_rule_free(r);
    r = rule_text("format = traefik\n" SEC "request = ^/(\\w+)\nstatus = 200\nfields = n\n");
    CHECK_INT(
        line_of(
            r, &st,
            "{\"ClientAddr\":\"[::1]:2\",\"ClientHost\":\"203.0.113.5, 10.0.0.1\",\"ClientUsername\":\"bob\","
            "\"DownstreamStatus\":404,\"OriginStatus\":200,\"RequestMethod\":\"GET\",\"RequestPath\":\"/a?b=1\\u0026c=2\","
            "\"StartUTC\":\"2024-12-29T11:42:47.503803974Z\"}",
            &o, &why),
        0);
    CHECK(streq(o.host, "203.0.113.5"));
    CHECK(streq(o.user, "bob"));
    CHECK(streq(o.target, "/a?b=1&c=2"));
    CHECK_INT(o.status, 404);
    CHECK_INT(o.t, 1735472567);
    CHECK_INT(line_of(r, &st,
                      "{\"RequestMethod\":\"GET\",\"RequestPath\":\"/\",\"DownstreamStatus\":200,\"ClientHost\":\"a\"}",
                      &o, &why),
              -1);
    CHECK_STR(why, "missing StartUTC");
    lf_state_release(&st);
    scan_rule_free(r);
}

static void test_haproxy_lines(void)
{
    scan_rule *r = rule_text("format = haproxy\nzone = Europe/Berlin\n" SEC "request = ^/\\w+\nsubject = capture(3)\n"
                             "status = 200\nfields = n\n");
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(line_of(r, &st,
                      "Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in "
                      "static/srv1 10/0/30/69/109 200 +2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu|a b} {C1|x} "
                      "\"GET /index.html?q=#23#22 HTTP/1.1\"",
                      &o, &why),
              0);
    CHECK(streq(o.host, "10.0.1.2"));
    CHECK(streq(o.target, "/index.html?q=#\""));
    CHECK(streq(o.xf[0], "C1"));
    CHECK_INT(o.t, 1233918854); /* 12:14:14 CET = 11:14:14Z */
    CHECK_INT(o.status, 200);
    CHECK_INT(line_of(r, &st, "10.0.1.2:1 [06/Feb/2009:12:14:14] fe be/s 0/0/0/0/0 -1 0 - - CR-- 1/1/1/1/0 0/0 \"\"",
                      &o, &why),
              0);
    CHECK(o.odd);
    CHECK_INT(o.status, -1);
    CHECK(!o.xf[0].p); /* no capture blocks on this line */
    CHECK_INT(line_of(r, &st,
                      "10.0.1.2:1 [06/Feb/2009:12:14:14 +0100] fe be/s 0/0/0/0/0 200 0 - - ---- 1/1/1/1/0 0/0 \"\"", &o,
                      &why),
              -1);
    CHECK_STR(why, "bad timestamp");
    CHECK_INT(line_of(r, &st, "10.0.1.2:1 [06/Feb/2009:12:14:14] fe be 0/0/0/0/0 200 0 - - ---- 1/1/1/1/0 0/0 \"\"", &o,
                      &why),
              -1);
    CHECK_STR(why, "bad fields after the date");
    CHECK_INT(line_of(r, &st, "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326", &o, &why), -1);
    CHECK_STR(why, "bad client address");
    CHECK_INT(line_of(r, &st,
                      "10.0.1.2:1 [27/Oct/2024:02:00:00.000] fe be/s 0/0/0/0/0 200 0 - - ---- 1/1/1/1/0 0/0 \"\"", &o,
                      &why),
              -1);
    CHECK_STR(why, "ambiguous local time 27/Oct/2024:02:00:00 (occurs twice in Europe/Berlin)");
    CHECK_INT(line_of(r, &st,
                      "10.0.1.2:1 [27/Oct/2024:03:00:00.000] fe be/s 0/0/0/0/0 200 0 - - ---- 1/1/1/1/0 0/0 \"\"", &o,
                      &why),
              0);
    CHECK_INT(o.t, 1729994400); /* 03:00 CET = 02:00Z */
    CHECK_INT(line_of(r, &st,
                      "10.0.1.2:1 [27/Oct/2024:01:59:59.999] fe be/s 0/0/0/0/0 200 0 - - ---- 1/1/1/1/0 0/0 \"\"", &o,
                      &why),
              0);
    CHECK_INT(o.t, 1729987199); /* 01:59:59 CEST = 23:59:59Z */
    lf_state_release(&st);
    scan_rule_free(r);
}

static void test_local_to_utc(void)
{
    char err[200];
    const struct i18n_zone *z = i18n_zone_get("Europe/Berlin", err, sizeof err);
    int64_t u = 0;
    /* 2024-03-31 02:30 does not exist, 2024-10-27 02:30 occurs twice; 01:59:59 and 03:00 are fine */
    CHECK_INT(lf_local_to_utc(z, 1711852200, &u), -1);
    CHECK_INT(lf_local_to_utc(z, 1729996200, &u), -2);
    CHECK_INT(lf_local_to_utc(z, 1711850399, &u), 0);
    CHECK_INT(u, 1711846799);
    CHECK_INT(lf_local_to_utc(z, 1711854000, &u), 0);
    CHECK_INT(u, 1711846800);
    /* Lord Howe Island moves by half an hour */
    z = i18n_zone_get("Australia/Lord_Howe", err, sizeof err);
    CHECK(z != NULL);
    CHECK_INT(lf_local_to_utc(z, 1712454300, &u), -2); /* 2024-04-07 01:45 local occurs twice */
    z = i18n_zone_get("UTC", err, sizeof err);
    CHECK_INT(lf_local_to_utc(z, 1712414700, &u), 0);
    CHECK_INT(u, 1712414700);
}

static void test_guard_messages(void)
{
    char out[600], err[512];
    scan_rule *r = parse("format = combined\n" SEC REQ, err, sizeof err);
    guard_message(out, sizeof out, "access.json", r, 1000, 1u << LF_CADDY);
    CHECK_STR(out,
              "access.json: none of the first 1000 lines is a combined log line; they parse as caddy (format = caddy)");
    guard_message(out, sizeof out, "x.log", r, 12, 1u << LF_ALB | 1u << LF_HAPROXY);
    CHECK_STR(out, "x.log: none of its 12 lines is a combined log line; they parse as alb (format = alb) or haproxy "
                   "(format = haproxy)");
    scan_rule_free(r);
    r = parse("format = alb\n" SEC REQ, err, sizeof err);
    guard_message(out, sizeof out, "b", r, 1, 1u << LF_COMBINED | 1u << LF_COMMON);
    CHECK_STR(out, "b: its only line is not an alb log line; they parse as combined (format = combined)");
    guard_message(out, sizeof out, "c", r, 3, 0);
    CHECK_STR(out, "c: none of its 3 lines is an alb log line, nor of any other format klartext reads (docs/rules.md "
                   "lists them)");
    scan_rule_free(r);
}

int main(void)
{
    RUN(test_rule_errors);
    RUN(test_rule_ok);
    RUN(test_needles);
    RUN(test_alb_lines);
    RUN(test_w3c_lines);
    RUN(test_json_lines);
    RUN(test_haproxy_lines);
    RUN(test_local_to_utc);
    RUN(test_guard_messages);
    return check_done();
}
