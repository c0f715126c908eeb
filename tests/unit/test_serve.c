/* test_serve.c — the portal's parsers and rate limiter (src/serve/http_parse.c, ratelimit.c). */
#include "check.h"
#include <arpa/inet.h>
#include "serve/http_parse.h"
#include "serve/ratelimit.h"

static void test_urldecode(void)
{
    char o[16];
    CHECK_INT(http_urldecode("a%40b+c", 7, 1, o, sizeof o), 5);
    CHECK_STR(o, "a@b c");
    CHECK_INT(http_urldecode("a+b", 3, 0, o, sizeof o), 3);
    CHECK_STR(o, "a+b");
    CHECK_INT(http_urldecode("%zz", 3, 1, o, sizeof o), -1);
    CHECK_INT(http_urldecode("%4", 2, 1, o, sizeof o), -1);
    CHECK_INT(http_urldecode("%00", 3, 1, o, sizeof o), -1);
    CHECK_INT(http_urldecode("0123456789abcdefX", 17, 1, o, sizeof o), -1); /* too long */
}

static void test_form(void)
{
    const char *b = "lang=de&code=K7QM-2D9X&email=a%40B.de&empty=&flag";
    char o[64];
    CHECK_INT(http_form_get(b, strlen(b), "code", o, sizeof o), 1);
    CHECK_STR(o, "K7QM-2D9X");
    CHECK_INT(http_form_get(b, strlen(b), "email", o, sizeof o), 1);
    CHECK_STR(o, "a@B.de");
    CHECK_INT(http_form_get(b, strlen(b), "empty", o, sizeof o), 1);
    CHECK_STR(o, "");
    CHECK_INT(http_form_get(b, strlen(b), "flag", o, sizeof o), 1);
    CHECK_INT(http_form_get(b, strlen(b), "nope", o, sizeof o), 0);
    CHECK_INT(http_form_get("code=%G1", 8, "code", o, sizeof o), -1);
    CHECK_INT(http_form_get("co%64e=x", 8, "code", o, sizeof o), 1); /* encoded names too */
}

static void test_json(void)
{
    static const char *const f[] = {"code", "email"};
    char v[2][HTTP_FIELD_MAX], err[160];
    const char *j = "{\"code\":\"ABC\",\"other\":1}";
    CHECK_INT(http_json_fields(j, strlen(j), f, 2, v, err, sizeof err), 0);
    CHECK_STR(v[0], "ABC");
    CHECK_STR(v[1], "");
    CHECK_INT(http_json_fields("[1]", 3, f, 2, v, err, sizeof err), -1);
    CHECK_INT(http_json_fields("{\"code\":1}", 10, f, 2, v, err, sizeof err), -1);
    CHECK_STR(err, "'code' is not a string");
    CHECK_INT(http_json_fields("{\"code\":\"a\",\"code\":\"b\"}", 23, f, 2, v, err, sizeof err), -1);
}

static void test_lang(void)
{
    CHECK_INT(http_accept_lang("de-DE,de;q=0.9,en;q=0.8"), 1);
    CHECK_INT(http_accept_lang("en-US,en;q=0.9,de;q=0.8"), 0);
    CHECK_INT(http_accept_lang("fr, de;q=0.2, en;q=0.5"), 0);
    CHECK_INT(http_accept_lang("fr"), -1);
    CHECK_INT(http_accept_lang("de;q=0"), -1);
    CHECK_INT(http_accept_lang("dex, en"), 0);
    CHECK_INT(http_accept_lang(NULL), -1);
}

static void test_email(void)
{
    char o[64];
    CHECK_INT(http_email_norm("  Max.Muster@Example.ORG \n", o, sizeof o), 22);
    CHECK_STR(o, "Max.Muster@example.org"); /* local part exact, domain lower */
    CHECK_INT(http_email_norm("no-at", o, sizeof o), -1);
    CHECK_INT(http_email_norm("@x.de", o, sizeof o), -1);
    CHECK_INT(http_email_norm("a b@x.de", o, sizeof o), -1);
    http_email_mask("max@example.org", o, sizeof o);
    CHECK_STR(o, "m…@example.org");
    int64_t v;
    CHECK_INT(http_parse_u64("123", &v), 0);
    CHECK_INT(v, 123);
    CHECK_INT(http_parse_u64("-1", &v), -1);
    CHECK_INT(http_parse_u64("1e3", &v), -1);
    CHECK_INT(http_parse_u64("", &v), -1);
}

static void test_unescape(void)
{
    char s[64];
    snprintf(s, sizeof s, "/verify%%00.html");
    CHECK_INT(http_unescape(s), 13);
    CHECK_STR(s, "/verify\x7f.html"); /* an encoded NUL never cuts the path */
    snprintf(s, sizeof s, "/a%%2Fb%%2fc%%41+%%");
    CHECK_INT(http_unescape(s), 9);
    CHECK_STR(s, "/a/b/cA+%"); /* '+' stays; a lone '%' stays */
    snprintf(s, sizeof s, "%%zz%%4%%%%41");
    CHECK_INT(http_unescape(s), 7);
    CHECK_STR(s, "%zz%4%A");
}

/* http_xff_last's result, "-" for -1 */
static const char *xff(const char *v)
{
    static char o[HTTP_ADDR_TEXT_MAX];
    int r = http_xff_last(v, o, sizeof o);
    if (r < 0) return o[0] ? "(not emptied)" : "-";
    return strlen(o) == (size_t)r ? o : "(bad length)";
}

static void test_xff(void)
{
    CHECK_STR(xff("203.0.113.7"), "203.0.113.7");
    CHECK_STR(xff("10.9.9.1, 203.0.113.7"), "203.0.113.7"); /* the last element, the proxy's */
    CHECK_STR(xff("10.9.9.1,203.0.113.7"), "203.0.113.7");
    CHECK_STR(xff("a,b,c, \t 203.0.113.7 \t"), "203.0.113.7");
    CHECK_STR(xff("203.0.113.7:8080"), "203.0.113.7"); /* ports come off */
    CHECK_STR(xff("x, [2001:db8::1]:443"), "2001:db8::1");
    CHECK_STR(xff("[2001:db8::1]"), "2001:db8::1");
    CHECK_STR(xff("2001:db8::1:80"), "2001:db8::1:80"); /* no brackets: all of it is the address */
    CHECK_STR(xff("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
    CHECK_STR(xff("unknown"), "unknown"); /* not addresses: http_addr_parse says so */
    CHECK_STR(xff("_hidden"), "_hidden");
    CHECK_STR(xff("\"192.0.2.1\""), "\"192.0.2.1\"");
    CHECK_STR(xff("unknown:80"), "unknown");
    CHECK_STR(xff(NULL), "-");
    CHECK_STR(xff(""), "-");
    CHECK_STR(xff("   "), "-");
    CHECK_STR(xff("203.0.113.7,"), "-"); /* an empty last element: never the one before */
    CHECK_STR(xff("203.0.113.7, "), "-");
    CHECK_STR(xff("203.0.113.7 junk"), "-"); /* interior white space */
    CHECK_STR(xff("203.0.113.7\x01"), "-");
    CHECK_STR(xff("203.0.113.7\xc2\xa0"), "-");
    CHECK_STR(xff("203.0.113.7:"), "-"); /* ports: 1-5 digits, <= 65535 */
    CHECK_STR(xff("203.0.113.7:65536"), "-");
    CHECK_STR(xff("203.0.113.7:080080"), "-");
    CHECK_STR(xff("203.0.113.7:_obf"), "-");
    CHECK_STR(xff("203.0.113.7:65535"), "203.0.113.7");
    CHECK_STR(xff(":80"), "-");
    CHECK_STR(xff("[2001:db8::1"), "-"); /* brackets */
    CHECK_STR(xff("[2001:db8::1]x"), "-");
    CHECK_STR(xff("[2001:db8::1]:"), "-");
    CHECK_STR(xff("[2001:db8::1]]"), "-");
    CHECK_STR(xff("[192.0.2.1]:80"), "-");
    CHECK_STR(xff("[]"), "-");
    char longv[200];
    memset(longv, '1', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    CHECK_STR(xff(longv), "-"); /* does not fit: refused, not cut */
    CHECK_STR(xff("1:2:3:4:5:6:7:8, ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"),
              "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"); /* the longest address fits */
    char o[8];
    CHECK_INT(http_xff_last("203.0.113.7", o, sizeof o), -1);
    CHECK_STR(o, "");
    CHECK_INT(http_xff_last("1.2.3.4", o, sizeof o), 7);
    CHECK_INT(http_xff_last("1.2.3.4", o, 0), -1);
}

/* http_addr_parse's result printed, "-" for -1 */
static const char *addr(const char *s)
{
    static char o[INET6_ADDRSTRLEN + 8];
    struct http_addr a;
    if (http_addr_parse(s, strlen(s), &a)) {
        static const struct http_addr zero;
        return memcmp(&a, &zero, sizeof a) ? "(not zeroed)" : "-";
    }
    inet_ntop(a.family, a.a, o + 3, INET6_ADDRSTRLEN);
    memcpy(o, a.family == AF_INET ? "v4 " : "v6 ", 3);
    return o;
}

static void test_addr(void)
{
    CHECK_STR(addr("192.0.2.1"), "v4 192.0.2.1");
    CHECK_STR(addr("2001:db8::1"), "v6 2001:db8::1");
    CHECK_STR(addr("2001:DB8:0:0:0:0:0:1"), "v6 2001:db8::1");
    CHECK_STR(addr("[::1]"), "v6 ::1");
    CHECK_STR(addr("::ffff:192.0.2.1"), "v4 192.0.2.1"); /* IPv4-mapped: IPv4 */
    CHECK_STR(addr("[::ffff:c000:201]"), "v4 192.0.2.1");
    CHECK_STR(addr("::192.0.2.1"), "v6 ::192.0.2.1"); /* IPv4-compatible stays IPv6 */
    CHECK_STR(addr("[192.0.2.1]"), "-"); /* brackets: IPv6 only */
    CHECK_STR(addr(""), "-");
    CHECK_STR(addr("[]"), "-");
    CHECK_STR(addr("["), "-");
    CHECK_STR(addr("192.0.2.1 "), "-");
    CHECK_STR(addr("192.0.2.1x"), "-");
    CHECK_STR(addr("192.0.2"), "-");
    CHECK_STR(addr("192.0.2.01"), "-"); /* no octal look-alikes */
    CHECK_STR(addr("192.0.2.256"), "-");
    CHECK_STR(addr("0x7f.1"), "-");
    CHECK_STR(addr("fe80::1%eth0"), "-"); /* no zone */
    CHECK_STR(addr("unknown"), "-");
    CHECK_STR(addr("1:2:3:4:5:6:7:8:9"), "-");
    struct http_addr a;
    CHECK_INT(http_addr_parse("192.0.2.1\0junk", 14, &a), -1); /* nothing after a NUL either */
    CHECK_INT(http_addr_parse("192.0.2.1junk", 9, &a), 0); /* only S[0..N) is read */
    CHECK_INT(a.family, AF_INET);
}

static void test_hex_token(void)
{
    unsigned char id[32], two[2] = {9, 9};
    char t[80];
    for (int i = 0; i < 32; i++) snprintf(t + 2 * i, 3, "%02x", (unsigned)(i * 37 + 5) & 0xff);
    CHECK_INT(http_hex_token(t, id, sizeof id), 0);
    int same = 1;
    for (int i = 0; i < 32; i++) same &= id[i] == ((i * 37 + 5) & 0xff);
    CHECK(same);
    t[63] = 0;
    CHECK_INT(http_hex_token(t, id, sizeof id), -1); /* 63 digits */
    CHECK_INT(http_hex_token("", id, sizeof id), -1);
    CHECK_INT(http_hex_token(NULL, id, sizeof id), -1);
    CHECK_INT(http_hex_token("0a0B", two, 2), -1); /* no upper case */
    CHECK_INT(http_hex_token(" 0a0b", two, 2), -1);
    CHECK_INT(http_hex_token("0a0b ", two, 2), -1);
    CHECK_INT(http_hex_token("0a0b0", two, 2), -1);
    CHECK_INT(http_hex_token("0a0g", two, 2), -1);
    CHECK_INT(http_hex_token("0x0b", two, 2), -1);
    CHECK(two[0] == 9 && two[1] == 9); /* untouched on failure */
    CHECK_INT(http_hex_token("ff00", two, 2), 0);
    CHECK(two[0] == 0xff && two[1] == 0);
}

static void test_ratelimit(void)
{
    struct ratelimit *rl = ratelimit_new(3, 64);
    CHECK(rl != NULL);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    int w = ratelimit_take(rl, "1.2.3.4", 100.0);
    CHECK(w >= 1 && w <= 20); /* 3/min: a token every 20 s */
    CHECK_INT(ratelimit_take(rl, "5.6.7.8", 100.0), 0); /* others are not affected */
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 121.0), 0); /* refilled */
    for (int i = 0; i < 1000; i++) { /* a full table forgets the oldest */
        char k[32];
        snprintf(k, sizeof k, "10.0.%d.%d", i / 256, i % 256);
        ratelimit_take(rl, k, 200.0 + i);
    }
    ratelimit_free(rl);
}

int main(void)
{
    RUN(test_urldecode);
    RUN(test_form);
    RUN(test_json);
    RUN(test_lang);
    RUN(test_email);
    RUN(test_unescape);
    RUN(test_xff);
    RUN(test_addr);
    RUN(test_hex_token);
    RUN(test_ratelimit);
    return check_done();
}
