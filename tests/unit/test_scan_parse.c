/* test_scan_parse.c — the rule file (checks, error lines, prefilter derivation) and the log
 * line parsers (timestamps, combined/common, nginx, jsonl) of src/scan. */
#include "check.h"
#include "scan/scan_int.h"
#include "rule_check.h"
#include <stdlib.h>

#define TOP "format = combined\nfrom = 2018-11-12T14:00:00Z\nuntil = 2018-11-21T09:12:00Z\n"
#define SEC "[exposure \"p\"]\n"

static void test_rule_ok(void)
{
    char err[512];
    const char *text = "# which requests disclosed whose data\n"
                       "; another comment\n"
                       "format = combined\r\n"
                       "from   = 2018-11-12T15:00:00+01:00\n"
                       "until  = 2018-11-21T09:12:00Z\n"
                       "\n"
                       "[exposure \"profile-page\"]\n"
                       "method  = GET\n"
                       "request = ^/gp/profile/([A-Z0-9]{10,14})(\\?|$)\n"
                       "status  = 200,304\n"
                       "viewer  = user|ip\n"
                       "self    = user\n"
                       "fields  = name, email\n"
                       "[exposure \"orders\"]\n"
                       "request = ^/orders/(\\d+)#frag\n"
                       "status  = 200-299, 304\n"
                       "fields  = address\n";
    scan_rule *r = parse(text, err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        printf("#   %s\n", err);
        return;
    }
    CHECK_STR(scan_rule_text(r), text);
    CHECK_INT(r->from, 1542031200);
    CHECK_INT(r->until, 1542791520);
    CHECK_INT(r->nsec, 2);
    CHECK_INT(r->nfields, 3);
    CHECK_STR(r->fieldnames[0], "address");
    CHECK_STR(r->fieldnames[2], "name");
    CHECK_INT(r->sec[0].fields, 6);
    CHECK_INT(r->sec[1].fields, 1);
    CHECK_INT(r->sec[1].nst, 2);
    CHECK(r->sec[0].self_user);
    const char *const *nd;
    size_t n = scan_rule_prefilters(r, &nd);
    CHECK_INT(n, 2);
    CHECK_STR(nd[0], "\"GET /gp/profile/");
    CHECK_STR(nd[1], " /orders/");
    scan_rule_free(r);
}

static void test_rule_errors(void)
{
    expect_error(TOP SEC "method = GET\nrequest = ^/gp/profile/[A-Z0-9]+$\nstatus = 200\nfields = name\n",
                 "rule.conf line 6: regex has no capture group (group 1 must capture the subject id)");
    expect_error(TOP SEC "request = ^/a/(\\d+\nstatus = 200\nfields = name\n",
                 "rule.conf line 5: bad regex: missing closing parenthesis at offset");
    expect_error(TOP SEC "colour = red\n", "line 5: unknown key 'colour' in section 'p'");
    expect_error("format = combined\nfrom = 2018-11-21T09:12:00Z\nuntil = 2018-11-12T14:00:00Z\n" SEC
                 "request = ^/a/(\\d+)\nstatus = 200\nfields = name\n",
                 "line 3: 'until' must be later than 'from'");
    expect_error("format = combined\nfrom = 2018-11-12T14:00:00Z\nuntil = 2018-11-12T14:00:00Z\n" SEC
                 "request = ^/a/(\\d+)\nstatus = 200\nfields = name\n",
                 "line 3: 'until' must be later than 'from'");
    expect_error("format = combined\nfrom = 2018-11-12T14:00:00\n",
                 "line 2: from: '2018-11-12T14:00:00' has no time zone");
    expect_error(TOP SEC "request = ^/a/(\\d+)\nfields = name\n", "line 4: section 'p' has no 'status'");
    expect_error(TOP SEC "request = ^/a/(\\d+)\nstatus = 200\n", "section 'p' has no 'fields'");
    expect_error(TOP SEC "status = 200\nfields = name\n", "section 'p' has no 'request' regex");
    expect_error(TOP SEC "method = GET # only reads\n", "line 5: bad method 'GET # only reads'");
    expect_error(TOP SEC "format = common\n", "line 5: 'format' belongs at the top");
    expect_error(TOP SEC "status = 200\nstatus = 304\n", "line 6: duplicate key 'status'");
    expect_error(TOP SEC "status = 2000\n", "line 5: bad status '2000'");
    expect_error(TOP SEC "status = 300-200\n", "bad status '300-200'");
    expect_error(TOP SEC "viewer = somebody\n", "bad viewer 'somebody'");
    expect_error(TOP SEC "self = ip\n", "bad self 'ip'");
    expect_error(TOP SEC "fields = name;email\n", "bad field name 'name;email'");
    expect_error(TOP SEC "request =\n", "line 5: empty value for 'request'");
    expect_error(TOP "request = ^/a/(\\d+)\n", "line 4: key 'request' belongs in an [exposure \"NAME\"] section");
    expect_error(TOP "[exposure p]\n", "line 4: section name must be quoted");
    expect_error(TOP "[rule \"p\"]\n", "line 4: unknown section [rule \"p\"]");
    expect_error(TOP SEC SEC, "line 5: duplicate section 'p'");
    expect_error(TOP "just text\n", "line 4: expected 'key = value'");
    expect_error("format = apache\n", "line 1: unknown format 'apache'");
    expect_error("from = 2018-11-12T14:00:00Z\n" SEC, "line 2: 'format' must come before the first section");
    expect_error("format = combined\n", "rule.conf: no [exposure \"NAME\"] section");
    expect_error("# nothing\n", "rule.conf: no 'format' line");
    expect_error(TOP SEC "request = ^/a/(\\d+)\nstatus = 200\nfields = name\nclient = $http_x_forwarded_for\n",
                 "format combined does not log $http_x_forwarded_for");
    expect_error("format = nginx:'$remote_addr [$time_local] \"$request\"'\n" SEC
                 "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n",
                 "line 4: the format logs no status; remove 'status'");
    expect_error("format = nginx:'$remote_addr $request'\n",
                 "line 1: format has no $time_local, $time_iso8601 or $msec");
    expect_error("format = nginx:'$remote_addr$remote_user [$time_local]'\n", "must be separated by text");
    expect_error("format = nginx:'$msec $remote_addr'\n", "format has no $request or $request_uri");
    expect_error("format = nginx:$msec $request\n", "nginx format must be quoted");
    expect_error("format = nginx:'$msec $remote_addr \"$request\" $status'\n" SEC
                 "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n",
                 "format has no $remote_user");
    expect_error("format = nginx:'$msec \"$request\" $status'\n" SEC
                 "request = ^/a/(\\d+)\nstatus = 200\nfields = n\nviewer = ip\n",
                 "format has no $remote_addr");
    expect_error("format = jsonl\n" SEC "request = ^/a/(\\d+)\n", "format jsonl selects events with 'where'");
    expect_error("format = jsonl\n" SEC "status = 200\n", "the format logs no status");
    expect_error("format = jsonl\n" SEC "method = GET\n", "'method' does not apply to format jsonl");
    expect_error(TOP SEC "where = ^/a\n", "'where' is for format jsonl");
    expect_error("format = combined\nfrom = 2018-11-31T00:00:00Z\n", "not a possible date");
    /* a long rule and a NUL byte */
    char nul[] = "format = combined\n\0\n";
    char err[256];
    CHECK(scan_rule_parse(nul, sizeof nul - 1, NULL, err, sizeof err) == NULL);
    CHECK_STR(err, "line 2: NUL byte");
}

static const char *needle_of(const char *fmt, const char *method, const char *re)
{
    static char out[700];
    char text[1024], err[512];
    snprintf(text, sizeof text, "format = %s\n[exposure \"p\"]\n%s%s%srequest = %s\n%sfields = n\n", fmt,
             method ? "method = " : "", method ? method : "", method ? "\n" : "", re,
             strstr(fmt, "status") || !strncmp(fmt, "com", 3) ? "status = 200\n" : "");
    scan_rule *r = parse(text, err, sizeof err);
    if (!r) {
        snprintf(out, sizeof out, "ERROR %s", err);
        return out;
    }
    const char *const *nd;
    size_t n = scan_rule_prefilters(r, &nd);
    snprintf(out, sizeof out, "%s", n ? nd[0] : "(none)");
    scan_rule_free(r);
    return out;
}

static void test_prefilter(void)
{
    CHECK_STR(needle_of("combined", "GET", "^/gp/profile/([A-Z0-9]{10,14})(\\?|$)"), "\"GET /gp/profile/");
    CHECK_STR(needle_of("combined", NULL, "^/gp/profile/([A-Z0-9]{10,14})"), " /gp/profile/");
    CHECK_STR(needle_of("common", "POST", "^/a/b?c/(\\d+)"), "\"POST /a/");
    CHECK_STR(needle_of("combined", "GET", "^/a/b*c/(\\d+)"), "\"GET /a/");
    CHECK_STR(needle_of("combined", "GET", "^/a/b{0,3}c/(\\d+)"), "\"GET /a/");
    CHECK_STR(needle_of("combined", "GET", "^/a/b{2}c/(\\d+)"), "\"GET /a/b");
    CHECK_STR(needle_of("combined", "GET", "^/a/b+c/(\\d+)"), "\"GET /a/b");
    CHECK_STR(needle_of("combined", "GET", "^/gp/pro\\/file\\.x/(\\d+)"), "\"GET /gp/pro/file.x/");
    CHECK_STR(needle_of("combined", "GET", "^/gp/\"q\"/(\\d+)"), "\"GET /gp/");
    CHECK_STR(needle_of("combined", "GET", "^/gp/a.b/(\\d+)"), "\"GET /gp/a");
    CHECK_STR(needle_of("combined", "GET", "^(/gp)/(\\d+)"), "\"GET ");
    CHECK_STR(needle_of("combined", NULL, "^(/gp)/(\\d+)"), "(none)");
    CHECK_STR(needle_of("combined", NULL, "/api/v1/users/(\\d+)"), "/api/v1/users/");
    CHECK_STR(needle_of("combined", NULL, "(\\d+)/avatar\\.png"), "/avatar.png");
    CHECK_STR(needle_of("combined", NULL, "x(\\d+)y"), "(none)");
    CHECK_STR(needle_of("combined", "GET", "^/x/(\\d+)|^/y/(\\d+)"), "(none)");
    CHECK_STR(needle_of("combined", "GET", "(?i)^/gp/(\\d+)"), "(none)");
    CHECK_STR(needle_of("combined", "GET", "^/gp/(?:a|b)/(\\d+)"), "\"GET /gp/");
    CHECK_STR(needle_of("combined", "GET", "^/gp/[ab]/(\\d+)"), "\"GET /gp/");
    CHECK_STR(needle_of("combined", "GET", "^\\Q/gp/\\E(\\d+)"), "(none)");
    CHECK_STR(needle_of("nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status'", "GET", "^/u/(\\d+)"),
              "\"GET /u/");
    CHECK_STR(
        needle_of("nginx:'$remote_addr $remote_user $msec $request_method $request_uri $status'", "GET", "^/u/(\\d+)"),
        " /u/");
    CHECK_STR(needle_of("nginx:'$remote_addr $remote_user $msec|$request|$status'", "GET", "^/u/(\\d+)"), "|GET /u/");
    /* two sections, one needle inside the other: only the shorter remains */
    char err[512];
    scan_rule *r = parse("format = combined\n[exposure \"a\"]\nrequest = ^/u/(\\d+)\nstatus = 200\nfields = n\n"
                         "[exposure \"b\"]\nmethod = GET\nrequest = ^/u/(\\d+)/x\nstatus = 200\nfields = n\n",
                         err, sizeof err);
    const char *const *nd;
    CHECK_INT(scan_rule_prefilters(r, &nd), 1);
    CHECK_STR(nd[0], " /u/");
    scan_rule_free(r);
    r = parse("format = jsonl\n[exposure \"a\"]\nwhere = ^/u/\n", err, sizeof err);
    CHECK_INT(scan_rule_prefilters(r, &nd), 0);
    scan_rule_free(r);
}

static void test_clf_time(void)
{
    struct lf_state st;
    lf_state_init(&st);
    int64_t t;
    const char *why;
#define T(s) lf_parse_clf_time(&st, s, strlen(s), &t, &why)
    CHECK_INT(T("12/Nov/2018:15:00:00 +0100"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(T("12/Nov/2018:15:00:59 +0100"), 0);
    CHECK_INT(t, 1542031259); /* cached minute */
    CHECK_INT(T("12/Nov/2018:08:30:00 -0530"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(T("29/Feb/2016:00:00:00 +0000"), 0);
    CHECK_INT(t, 1456704000);
    CHECK_INT(T("31/Dec/1999:23:59:59 +0000"), 0);
    CHECK_INT(t, 946684799);
    CHECK_INT(T("29/Feb/2018:00:00:00 +0000"), -1);
    CHECK_STR(why, "impossible date 29/Feb");
    CHECK_INT(T("31/Apr/2018:00:00:00 +0000"), -1);
    CHECK_STR(why, "impossible date 31/Apr");
    CHECK_INT(T("00/Apr/2018:00:00:00 +0000"), -1);
    CHECK_STR(why, "impossible date 00/Apr");
    CHECK_INT(T("12/Nov/2018:24:00:00 +0000"), -1);
    CHECK_STR(why, "impossible time 24:00:00");
    CHECK_INT(T("12/Nov/2018:12:60:00 +0000"), -1);
    CHECK_STR(why, "impossible time 12:60:00");
    CHECK_INT(T("12/Nov/2018:15:00:60 +0100"), -1);
    CHECK_STR(why, "impossible time 15:00:60"); /* cached path */
    CHECK_INT(T("12/nov/2018:12:00:00 +0000"), -1);
    CHECK_STR(why, "unknown month 'nov'");
    CHECK_INT(T("12/Nov/2018:12:00:00 +2500"), -1);
    CHECK_STR(why, "bad time zone offset +2500");
    CHECK_INT(T("12/Nov/2018:12:00:00"), -1);
    CHECK_STR(why, "bad timestamp");
    CHECK_INT(T("12/Nov/2018 12:00:00 +0000"), -1);
    CHECK_STR(why, "bad timestamp");
    CHECK_INT(T("1x/Nov/2018:12:00:00 +0000"), -1);
    CHECK_STR(why, "bad timestamp");
#undef T
#define I(s) lf_parse_iso_time(&st, s, strlen(s), &t, &why)
    CHECK_INT(I("2018-11-12T15:00:00+01:00"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12T15:00:07+01:00"), 0);
    CHECK_INT(t, 1542031207);
    CHECK_INT(I("2018-11-12T14:00:00Z"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12T14:00:00.999Z"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12T08:30:00-0530"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12T16:00:00+02"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12 14:00:00Z"), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(I("2018-11-12T14:00:00"), -1);
    CHECK_STR(why, "timestamp without time zone");
    CHECK_INT(I("2018-11-12T14:00:00.5"), -1);
    CHECK_STR(why, "timestamp without time zone");
    CHECK_INT(I("2018-02-30T14:00:00Z"), -1);
    CHECK_STR(why, "impossible date 2018-02-30");
    CHECK_INT(I("2018-13-01T14:00:00Z"), -1);
    CHECK_STR(why, "impossible date 2018-13-01");
    CHECK_INT(I("2018-11-12T24:00:00Z"), -1);
    CHECK_STR(why, "impossible time 24:00:00");
    CHECK_INT(I("2018-11-12T14:00:00+1:00"), -1);
    CHECK_STR(why, "bad time zone offset");
    CHECK_INT(I("2018-11-12T14:00:00X"), -1);
    CHECK_STR(why, "bad timestamp");
#undef I
    CHECK_INT(lf_parse_msec("1542031200.123", 14, &t), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(lf_parse_msec("1542031200", 10, &t), 0);
    CHECK_INT(t, 1542031200);
    CHECK_INT(lf_parse_msec("1542031200.", 11, &t), -1);
    CHECK_INT(lf_parse_msec("-1", 2, &t), -1);
    lf_state_release(&st);
}

static int parse_line(scan_rule *r, struct lf_state *st, const char *line, struct lf_line *o, const char **why)
{
    return lf_parse(r, st, line, strlen(line), o, why);
}

static int streq(struct lf_str s, const char *w)
{
    return s.n == strlen(w) && !memcmp(s.p, w, s.n);
}

static void test_clf_lines(void)
{
    char err[512];
    scan_rule *r = parse(TOP SEC "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n", err, sizeof err);
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(
        parse_line(
            r, &st,
            "2001:db8::1 - alice [12/Nov/2018:15:00:00 +0100] \"GET /a/1?x=\\\"y\\\" HTTP/1.1\" 200 - \"http://r/\" \"UA \\\"q\\\" \\\\\"\r",
            &o, &why),
        0);
    CHECK(streq(o.host, "2001:db8::1"));
    CHECK(streq(o.user, "alice"));
    CHECK(streq(o.method, "GET"));
    CHECK(streq(o.target, "/a/1?x=\"y\""));
    CHECK_INT(o.status, 200);
    CHECK_INT(o.t, 1542031200);
    CHECK_INT(o.odd, 0);
    const char *odd[] = {
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"\\x16\\x03\\x01\\x00\\xa5\\x01\" 400 226 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a b HTTP/1.1\" 400 226 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"\" 400 226 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"-\" 408 0 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /\" 200 0 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"G{T / HTTP/1.1\" 200 0 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET  / HTTP/1.1\" 200 0 \"-\" \"-\"",
        "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / FTP\" 200 0 \"-\" \"-\"",
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        int rc = parse_line(r, &st, odd[i], &o, &why);
        CHECK_INT(rc, 0);
        CHECK_INT(o.odd, 1);
        if (rc || !o.odd) printf("#   line %zu\n", i);
    }
    struct {
        const char *line, *why;
    } bad[] = {
        {"", "empty line"},
        {"\r", "empty line"},
        {"1.1.1.1", "missing fields"},
        {"1.1.1.1 - -", "missing fields"},
        {"1.1.1.1 - - ", "missing timestamp"},
        {"1.1.1.1 - - 12/Nov/2018:15:00:00 +0100", "bad timestamp"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100", "bad timestamp"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100]", "missing request"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1", "unterminated quote"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\\\"", "unterminated quote"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" ", "missing status"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 099 1 \"-\" \"-\"", "bad status"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 2000 1 \"-\" \"-\"", "bad status"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200", "missing byte count"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 -", "missing referer"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - -", "missing referer"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - \"-", "unterminated quote"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - \"-\" -", "missing user agent"},
        {"1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - \"-\" \"x", "unterminated quote"},
        {"1.1.1.1 - - [31/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - \"-\" \"x\"", "impossible date 31/Nov"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_line(r, &st, bad[i].line, &o, &why);
        CHECK_INT(rc, -1);
        if (!rc) {
            printf("#   accepted %zu\n", i);
            continue;
        }
        CHECK_STR(why, bad[i].why);
    }
    /* trailing fields after the user agent are allowed (e.g. %D) */
    CHECK_INT(parse_line(r, &st, "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET / HTTP/1.1\" 200 - \"-\" \"x\" 1234",
                         &o, &why),
              0);
    scan_rule_free(r);
    /* common: no referer and user agent needed */
    r = parse("format = common\n" SEC "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n", err, sizeof err);
    CHECK_INT(parse_line(r, &st, "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.0\" 200 5", &o, &why), 0);
    CHECK(streq(o.target, "/a/1"));
    CHECK_INT(parse_line(r, &st, "1.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.0\" 200", &o, &why), -1);
    CHECK_STR(why, "missing byte count");
    scan_rule_free(r);
    lf_state_release(&st);
}

static void test_nginx_lines(void)
{
    char err[512];
    scan_rule *r = parse(
        "format = nginx:'$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" \"$http_x_forwarded_for\" ${host} $request_time'\n" SEC
        "request = ^/a/(\\d+)\nstatus = 200\nfields = n\n",
        err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        printf("#   %s\n", err);
        return;
    }
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(
        parse_line(
            r, &st,
            "10.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.1\" 200 5 \"-\" \"Mozilla \\x22x\\x22\" \"203.0.113.1, 10.0.0.1\" shop.example 0.003",
            &o, &why),
        0);
    CHECK(streq(o.host, "10.1.1.1"));
    CHECK(streq(o.xff, "203.0.113.1, 10.0.0.1"));
    CHECK(streq(o.target, "/a/1"));
    CHECK_INT(o.status, 200);
    CHECK_INT(o.t, 1542031200);
    CHECK_INT(
        parse_line(
            r, &st,
            "10.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.1\" 200 5 \"-\" \"UA\" \"-\" shop.example", &o,
            &why),
        -1);
    CHECK_STR(why, "missing $host");
    CHECK_INT(parse_line(r, &st,
                         "10.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.1\" - 5 \"-\" \"UA\" \"-\" h 1",
                         &o, &why),
              -1);
    CHECK_STR(why, "missing status");
    CHECK_INT(parse_line(r, &st, "10.1.1.1 - - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.1\" 200 5 \"-\" \"UA", &o,
                         &why),
              -1);
    CHECK_STR(why, "unterminated quote");
    CHECK_INT(parse_line(r, &st,
                         "10.1.1.1 + - [12/Nov/2018:15:00:00 +0100] \"GET /a/1 HTTP/1.1\" 200 5 \"-\" \"UA\" \"-\" h 1",
                         &o, &why),
              -1);
    CHECK_STR(why, "missing $remote_user");
    CHECK_INT(parse_line(r, &st,
                         "10.1.1.1 - - [12/Nov/2018:25:00:00 +0100] \"GET /a/1 HTTP/1.1\" 200 5 \"-\" \"UA\" \"-\" h 1",
                         &o, &why),
              -1);
    CHECK_STR(why, "impossible time 25:00:00");
    scan_rule_free(r);
    lf_state_release(&st);
}

static void test_jsonl_lines(void)
{
    char err[512];
    scan_rule *r = parse("format = jsonl\n" SEC, err, sizeof err);
    CHECK(r != NULL);
    struct lf_state st;
    struct lf_line o;
    const char *why;
    lf_state_init(&st);
    CHECK_INT(
        parse_line(
            r, &st,
            " { \"ts\" : \"2018-11-12T15:00:00+01:00\", \"subject\":\"a\\\"b\", \"viewer\":\"v\\u00fc\", "
            "\"where\":\"\\/x\", \"fields\":[\"name\",\"email\",\"name\"], \"ip\":\"::1\", \"n\":-1.5e3, \"z\":[true,false,null,{}] } ",
            &o, &why),
        0);
    CHECK(streq(o.subject, "a\"b"));
    CHECK(streq(o.viewer, "v\xc3\xbc"));
    CHECK(streq(o.where, "/x"));
    CHECK(streq(o.ip, "::1"));
    CHECK_INT(o.nfields, 2);
    CHECK_INT(o.t, 1542031200);
    CHECK_INT(parse_line(r, &st, "{\"ts\":1542031200.5,\"subject\":42,\"ip\":\"1.2.3.4\"}", &o, &why), 0);
    CHECK(streq(o.subject, "42"));
    CHECK_INT(o.t, 1542031200);
    CHECK_INT(
        parse_line(r, &st, "{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"\\ud83d\\ude00\",\"ip\":\"1\"}", &o, &why),
        0);
    CHECK(streq(o.subject, "\xf0\x9f\x98\x80"));
    struct {
        const char *line, *why;
    } bad[] = {
        {"[]", "not a JSON object"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\"}", "missing viewer and ip"},
        {"{\"subject\":\"a\",\"ip\":\"1\"}", "missing ts"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"ip\":\"1\"}", "missing subject"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"\",\"ip\":\"1\"}", "missing subject"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\",\"ip\":\"1\"", "bad JSON"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\\x\",\"ip\":\"1\"}", "bad JSON escape"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"\\ud800\",\"ip\":\"1\"}", "bad JSON escape"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\",\"ip\":\"1\",\"fields\":\"name\"}", "bad fields"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\",\"ip\":\"1\",\"fields\":[\"a;b\"]}", "bad field name"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":true,\"ip\":\"1\"}", "bad subject"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\",\"ip\":1}", "bad ip"},
        {"{\"ts\":\"yesterday\",\"subject\":\"a\",\"ip\":\"1\"}", "bad timestamp"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\",\"ip\":\"1\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
         "JSON nested too deeply"},
        {"{\"ts\":\"2018-11-12T15:00:00Z\",\"subject\":\"a\nb\",\"ip\":\"1\"}", "bad JSON string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_line(r, &st, bad[i].line, &o, &why);
        CHECK_INT(rc, -1);
        if (!rc) {
            printf("#   accepted %zu\n", i);
            continue;
        }
        CHECK_STR(why, bad[i].why);
    }
    scan_rule_free(r);
    lf_state_release(&st);
}

static void test_search_helpers(void)
{
    char b[300];
    memset(b, 'a', sizeof b);
    for (int i = 0; i < 300; i += 7) b[i] = '\n';
    size_t want = 0;
    for (int i = 0; i < 300; i++) want += b[i] == '\n';
    for (size_t off = 0; off < 70; off++)
        for (size_t n = 0; n + off <= 300; n += 13) {
            size_t w = 0;
            for (size_t i = off; i < off + n; i++) w += b[i] == '\n';
            CHECK_INT(scan_count_nl(b + off, n), w);
        }
    CHECK_INT(scan_count_nl(b, 300), want);
    memcpy(b + 250, "\"GET /x/", 8);
    memcpy(b + 100, "\"GET /y/", 8);
    CHECK(scan_find(b, 300, "\"GET /x/", 8) == b + 250);
    CHECK(scan_find(b, 257, "\"GET /x/", 8) == NULL);
    CHECK(scan_find(b, 258, "\"GET /x/", 8) == b + 250);
    CHECK(scan_find(b + 251, 49, "\"GET /x/", 8) == NULL);
    CHECK(scan_find(b, 300, "\"GET /y/", 8) == b + 100);
    CHECK(scan_find(b, 300, "\"GET /z/", 8) == NULL);
    CHECK(scan_find(b, 300, "a", 1) == b + 1);
}

int main(void)
{
    RUN(test_rule_ok);
    RUN(test_rule_errors);
    RUN(test_prefilter);
    RUN(test_clf_time);
    RUN(test_clf_lines);
    RUN(test_nginx_lines);
    RUN(test_jsonl_lines);
    RUN(test_search_helpers);
    return check_done();
}
