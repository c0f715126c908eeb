/* test_serve.c — the portal's parsers and rate limiter (src/serve/http_parse.c, ratelimit.c). */
#include "check.h"
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
    CHECK_INT(http_urldecode("0123456789abcdefX", 17, 1, o, sizeof o), -1);   /* too long */
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
    CHECK_INT(http_form_get("co%64e=x", 8, "code", o, sizeof o), 1);   /* encoded names too */
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
    CHECK_STR(o, "Max.Muster@example.org");                 /* local part exact, domain lower */
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

static void test_ratelimit(void)
{
    struct ratelimit *rl = ratelimit_new(3, 64);
    CHECK(rl != NULL);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 100.0), 0);
    int w = ratelimit_take(rl, "1.2.3.4", 100.0);
    CHECK(w >= 1 && w <= 20);                                   /* 3/min: a token every 20 s */
    CHECK_INT(ratelimit_take(rl, "5.6.7.8", 100.0), 0);         /* others are not affected */
    CHECK_INT(ratelimit_take(rl, "1.2.3.4", 121.0), 0);         /* refilled */
    for (int i = 0; i < 1000; i++) {                            /* a full table forgets the oldest */
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
    RUN(test_ratelimit);
    return check_done();
}
