/* test_tmpl.c — the Mustache subset: syntax, escaping, standalone lines, plurals, schema
 * checks, errors with line numbers, context building, limits, and render speed. */
#include "check.h"
#include "notify/tmpl.h"
#include "util/buf.h"
#include <stdlib.h>
#include <time.h>

static char err[256];

/* compile + render with the given root; returns a malloc'd string or NULL (err filled) */
static char *render(const char *src, unsigned flags, const char *const *known, const struct tmpl_node *root)
{
    struct tmpl *t = tmpl_compile("t.txt", src, strlen(src), flags, known, err, sizeof err);
    if (!t) return NULL;
    struct buf b;
    buf_init(&b, 1 << 20);
    int rc = tmpl_render(t, root, &b, err, sizeof err);
    tmpl_free(t);
    if (rc) {
        buf_release(&b);
        return NULL;
    }
    return b.p;
}

static int compile_fails(const char *src, const char *const *known, const char *want)
{
    err[0] = 0;
    struct tmpl *t = tmpl_compile("notice.en.txt", src, strlen(src), 0, known, err, sizeof err);
    if (t) {
        tmpl_free(t);
        printf("#   compiled: %s\n", src);
        return 0;
    }
    if (!strstr(err, want)) {
        printf("#   err '%s', want '%s'\n", err, want);
        return 0;
    }
    return 1;
}

#define CHECK_RENDER(src, flags, root, want) \
    do { \
        char *out_ = render(src, flags, NULL, root); \
        if (!out_) { \
            printf("#   error: %s\n", err); \
        } \
        CHECK_STR(out_, want); \
        free(out_); \
    } while (0)

static void test_variables(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    tmpl_set_str(r, "name", "Jürgen <b>&\"'");
    struct tmpl_node *p = tmpl_set_map(r, "person");
    tmpl_set_str(p, "first", "Anna");
    tmpl_set_str(tmpl_set_map(p, "addr"), "city", "Köln");
    tmpl_set_int(r, "n", -42);
    CHECK_RENDER("Hi {{name}}!", 0, r, "Hi Jürgen <b>&\"'!");
    CHECK_RENDER("Hi {{name}}!", TMPL_HTML, r, "Hi Jürgen &lt;b&gt;&amp;&quot;&#39;!");
    CHECK_RENDER("{{{name}}}|{{&name}}|{{ name }}", TMPL_HTML, r,
                 "Jürgen <b>&\"'|Jürgen <b>&\"'|Jürgen &lt;b&gt;&amp;&quot;&#39;");
    CHECK_RENDER("{{person.first}} in {{person.addr.city}}, {{n}}", 0, r, "Anna in Köln, -42");
    CHECK_RENDER("", 0, r, "");
    CHECK_RENDER("no tags\n", 0, r, "no tags\n");
    CHECK_RENDER("a {{! a comment }}b{{!\nmulti\nline}}c", 0, r, "a bc");
    CHECK_RENDER("single { brace } and }} alone", 0, r, "single { brace } and }} alone");
    tmpl_ctx_free(c);
}

static void test_sections(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    tmpl_set_bool(r, "yes", 1);
    tmpl_set_bool(r, "no", 0);
    tmpl_set_str(r, "empty", "");
    tmpl_set_int(r, "zero", 0);
    tmpl_set_int(r, "three", 3);
    tmpl_set_str(r, "who", "outer");
    struct tmpl_node *l = tmpl_set_list(r, "items");
    struct tmpl_node *it = tmpl_add_map(l);
    tmpl_set_str(it, "page", "/a");
    it = tmpl_add_map(l);
    tmpl_set_str(it, "page", "/b");
    tmpl_set_str(it, "who", "inner");
    tmpl_set_list(r, "none");
    struct tmpl_node *f = tmpl_set_list(r, "fields");
    tmpl_add_str(f, "name");
    tmpl_add_str(f, "email");
    struct tmpl_node *m = tmpl_set_map(r, "m");
    tmpl_set_str(m, "x", "X");

    CHECK_RENDER("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}n{{/no}}{{^yes}}y{{/yes}}", 0, r, "Yn");
    CHECK_RENDER("{{#missing}}M{{/missing}}{{^missing}}m{{/missing}}", 0, r, "m");
    CHECK_RENDER("{{#empty}}E{{/empty}}{{^empty}}e{{/empty}}", 0, r, "e");
    CHECK_RENDER("{{#zero}}Z{{/zero}}{{^zero}}z{{/zero}}{{#three}}{{three}}{{/three}}", 0, r, "z3");
    CHECK_RENDER("{{#items}}[{{page}} {{who}}]{{/items}}", 0, r, "[/a outer][/b inner]");
    CHECK_RENDER("{{#none}}x{{/none}}{{^none}}nothing{{/none}}", 0, r, "nothing");
    CHECK_RENDER("{{#fields}}{{.}};{{/fields}}", 0, r, "name;email;");
    CHECK_RENDER("{{#m}}{{x}}{{who}}{{m.x}}{{/m}}", 0, r, "XouterX");
    CHECK_RENDER("{{#items}}{{#fields}}{{page}}:{{.}} {{/fields}}{{/items}}", 0, r,
                 "/a:name /a:email /b:name /b:email ");
    CHECK_RENDER("{{#who}}({{.}}){{/who}}", 0, r, "(outer)");
    tmpl_ctx_free(c);
}

static void test_standalone(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    tmpl_set_bool(r, "t", 1);
    tmpl_set_int(r, "n", 2);
    struct tmpl_node *l = tmpl_set_list(r, "l");
    tmpl_add_str(l, "a");
    tmpl_add_str(l, "b");
    CHECK_RENDER("Dear X,\n{{#t}}\nline\n{{/t}}\nbye\n", 0, r, "Dear X,\nline\nbye\n");
    CHECK_RENDER("a\n  {{#t}}  \n  b\n  {{/t}}\t\nc", 0, r, "a\n  b\nc");
    CHECK_RENDER("a\r\n{{#t}}\r\nb\r\n{{/t}}\r\nc", 0, r, "a\r\nb\r\nc");
    CHECK_RENDER("{{! comment }}\nfirst\n{{^t}}\nno\n{{/t}}\n", 0, r, "first\n");
    CHECK_RENDER("list:\n{{#l}}\n- {{.}}\n{{/l}}\nend", 0, r, "list:\n- a\n- b\nend");
    CHECK_RENDER("x {{#t}}\ny\n{{/t}}", 0, r, "x \ny\n"); /* not alone on its line */
    CHECK_RENDER("{{#t}}\n{{/t}}", 0, r, ""); /* at start and at EOF */
    CHECK_RENDER("a\n{{#plural n}}\none\n|\nmany\n{{/plural}}\nz", 0, r, "a\n\nmany\nz");
    CHECK_RENDER("  {{n}}\n", 0, r, "  2\n"); /* variables never are */
    tmpl_ctx_free(c);
}

static void test_plural(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    tmpl_set_int(r, "one", 1);
    tmpl_set_int(r, "zero", 0);
    tmpl_set_num(r, "big", 1234, "1.234");
    tmpl_set_num(r, "eins", 1, "eine");
    tmpl_set_str(r, "s1", "1");
    tmpl_set_str(r, "s1000", "1,000");
    tmpl_set_str(r, "word", "many");
#define PL(x) "{{#plural " x "}}{{" x "}} Person|{{" x "}} Personen{{/plural}}"
    CHECK_RENDER(PL("one"), 0, r, "1 Person");
    CHECK_RENDER(PL("zero"), 0, r, "0 Personen");
    CHECK_RENDER(PL("big"), 0, r, "1.234 Personen");
    CHECK_RENDER(PL("eins"), 0, r, "eine Person");
    CHECK_RENDER("{{#plural s1}}day|days{{/plural}} {{#plural s1000}}day|days{{/plural}}", 0, r, "day days");
    CHECK_RENDER("{{#plural one}}|s{{/plural}}", 0, r, "");
    CHECK_RENDER("{{#plural zero}}x {{#one}}a|b{{/one}}|y{{/plural}}", 0, r, "y");
    CHECK_RENDER("{{#plural one}}x {{#one}}a|b{{/one}}|y{{/plural}}", 0, r, "x a|b");
    CHECK(render("{{#plural word}}a|b{{/plural}}", 0, NULL, r) == NULL);
    CHECK(strstr(err, "t.txt line 1: not a number: 'word'") != NULL);
    CHECK(render("x\n{{#plural nope}}a|b{{/plural}}", 0, NULL, r) == NULL);
    CHECK(strstr(err, "t.txt line 2: no value for 'nope'") != NULL);
    tmpl_ctx_free(c);
}

static void test_compile_errors(void)
{
    CHECK(compile_fails("a\n\n{{#foo}}x", NULL, "notice.en.txt line 3: unclosed section 'foo'"));
    CHECK(compile_fails("{{#a}}{{#b}}{{/a}}{{/b}}", NULL, "line 1: '{{/a}}' does not close section 'b' (line 1)"));
    CHECK(compile_fails("x\n{{/a}}", NULL, "line 2: '{{/a}}' closes no section"));
    CHECK(compile_fails("x {{name", NULL, "line 1: unclosed tag '{{'"));
    CHECK(compile_fails("x {{{name}}", NULL, "unclosed tag '{{{'"));
    CHECK(compile_fails("{{}}", NULL, "empty tag"));
    CHECK(compile_fails("{{a..b}}", NULL, "invalid name 'a..b'"));
    CHECK(compile_fails("{{.a}}", NULL, "invalid name"));
    CHECK(compile_fails("{{a.}}", NULL, "invalid name"));
    CHECK(compile_fails("{{a b}}", NULL, "invalid name 'a b'"));
    CHECK(compile_fails("{{>partial}}", NULL, "partials"));
    CHECK(compile_fails("{{=<% %>=}}", NULL, "delimiter"));
    CHECK(compile_fails("{{#.}}x{{/.}}", NULL, "'.' cannot open a section"));
    CHECK(compile_fails("{{#plural n}}no bar{{/plural}}", NULL, "plural 'n' needs two forms"));
    CHECK(compile_fails("\n{{#plural n}}a|b|c{{/plural}}", NULL, "line 2: plural has more than one '|'"));
    CHECK(compile_fails("{{#plural n}}a|b{{/n}}", NULL, "does not close plural 'n'"));
    char deep[600] = "";
    for (int i = 0; i < 33; i++) strcat(deep, "{{#a}}");
    CHECK(compile_fails(deep, NULL, "nested deeper than 32"));
    char *big = malloc(TMPL_MAX_SOURCE + 2);
    memset(big, 'x', TMPL_MAX_SOURCE + 1);
    big[TMPL_MAX_SOURCE + 1] = 0;
    CHECK(tmpl_compile("big", big, TMPL_MAX_SOURCE + 1, 0, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "larger than") != NULL);
    free(big);
    CHECK(compile_fails("{{a\0b}}", NULL, "unclosed tag") || 1); /* strlen stops at NUL */
    struct tmpl *t = tmpl_compile("nul", "{{a}}\0{{", 8, 0, NULL, err, sizeof err);
    CHECK(t == NULL);
    tmpl_free(t);
}

static void test_schema(void)
{
    static const char *const known[] = {
        "person.name", "person.salutation", "exposures.page", "exposures.first", "fields", "count", "org.*", NULL,
    };
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    struct tmpl_node *p = tmpl_set_map(r, "person");
    tmpl_set_str(p, "name", "Anna");
    struct tmpl_node *e = tmpl_add_map(tmpl_set_list(r, "exposures"));
    tmpl_set_str(e, "page", "/p");
    tmpl_set_str(e, "first", "12. November");
    tmpl_add_str(tmpl_set_list(r, "fields"), "name");
    tmpl_set_int(r, "count", 2);
    tmpl_set_str(tmpl_set_map(r, "org"), "dpo", "dpo@example.org");
    const char *ok = "{{#person}}{{#salutation}}{{salutation}} {{/salutation}}{{name}}{{/person}}\n"
                     "{{#exposures}}{{page}} {{first}} {{person.name}} {{count}}\n{{/exposures}}"
                     "{{#fields}}{{.}}{{/fields}} {{org.dpo}} {{#plural count}}a|b{{/plural}}";
    char *out = render(ok, 0, known, r);
    if (!out) printf("#   %s\n", err);
    CHECK_STR(out, "Anna\n/p 12. November Anna 2\nname dpo@example.org b");
    free(out);
    CHECK(compile_fails("Hi\n{{persn.name}}", known, "notice.en.txt line 2: unknown placeholder 'persn.name'"));
    CHECK(compile_fails("{{#exposures}}{{nme}}{{/exposures}}", known, "unknown placeholder 'nme'"));
    CHECK(compile_fails("{{page}}", known, "unknown placeholder 'page'"));
    CHECK(compile_fails("{{#plural cnt}}a|b{{/plural}}", known, "unknown placeholder 'cnt'"));
    CHECK(compile_fails("{{^nothing}}x{{/nothing}}", known, "unknown placeholder 'nothing'"));
    CHECK(compile_fails("{{orgx}}", known, "unknown placeholder 'orgx'"));
    /* an inverted section does not change the scope */
    CHECK(compile_fails("{{^person}}{{name}}{{/person}}", known, "unknown placeholder 'name'"));
    tmpl_ctx_free(c);
}

static void test_render_errors(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    tmpl_set_bool(r, "b", 1);
    tmpl_set_map(r, "m");
    tmpl_set_list(r, "l");
    tmpl_set_str(r, "s", "0123456789");
    CHECK(render("a\nb {{missing}}", 0, NULL, r) == NULL);
    CHECK_STR(err, "t.txt line 2: no value for 'missing'");
    CHECK(render("{{b}}", 0, NULL, r) == NULL);
    CHECK_STR(err, "t.txt line 1: not text: 'b'");
    CHECK(render("{{m}}", 0, NULL, r) == NULL);
    CHECK(render("{{{l}}}", 0, NULL, r) == NULL);
    CHECK(render("{{.}}", 0, NULL, r) == NULL);
    CHECK_STR(err, "t.txt line 1: not text: '.'");
    CHECK(render("{{s.x}}", 0, NULL, r) == NULL);

    /* the output limit */
    struct tmpl *t = tmpl_compile("lim", "{{s}}{{s}}", 10, 0, NULL, err, sizeof err);
    struct buf b;
    buf_init(&b, 20);
    CHECK_INT(tmpl_render(t, r, &b, err, sizeof err), 0);
    CHECK_INT(b.len, 20);
    buf_reset(&b);
    b.max = 19;
    CHECK_INT(tmpl_render(t, r, &b, err, sizeof err), -1);
    CHECK_STR(err, "lim: output exceeds 19 bytes");
    CHECK_INT(b.len, 0);
    /* appending: a second render adds to the buffer */
    buf_reset(&b);
    b.max = 100;
    CHECK_INT(tmpl_render(t, r, &b, err, sizeof err), 0);
    CHECK_INT(tmpl_render(t, r, &b, err, sizeof err), 0);
    CHECK_INT(b.len, 40);
    CHECK_INT(strlen(b.p), 40);
    buf_release(&b);
    tmpl_free(t);
    /* nested sections over lists: time is bounded even when nothing is written */
    struct tmpl_node *l = tmpl_set_list(r, "l3");
    for (int i = 0; i < 3; i++) tmpl_add_map(l);
    char deep[512] = "";
    for (int i = 0; i < 30; i++) strcat(deep, "{{#l3}}");
    for (int i = 0; i < 30; i++) strcat(deep, "{{/l3}}");
    CHECK(render(deep, 0, NULL, r) == NULL);
    CHECK(strstr(err, "t.txt line 1: template needs more than 4000000 steps") != NULL);
    tmpl_ctx_free(c);
}

static void test_context(void)
{
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(c);
    CHECK(tmpl_ctx_error(c) == NULL);
    tmpl_set_str(r, "a", "1");
    tmpl_set_str(r, "a", "2"); /* replaces */
    tmpl_set_strn(r, "n", "abcdef", 3);
    tmpl_set_str(r, "null", NULL);
    CHECK_RENDER("{{a}}{{n}}[{{null}}]", 0, r, "2abc[]");
    /* a big string gets its own chunk; many small ones fill several */
    char *big = malloc(100000);
    memset(big, 'y', 99999);
    big[99999] = 0;
    tmpl_set_str(r, "big", big);
    struct tmpl_node *l = tmpl_set_list(r, "l");
    for (int i = 0; i < 5000; i++) tmpl_set_int(tmpl_add_map(l), "i", i);
    char *out = render("{{big}}", 0, NULL, r);
    CHECK(out && strcmp(out, big) == 0);
    free(out);
    out = render("{{#l}}{{i}},{{/l}}", 0, NULL, r);
    CHECK(out && strncmp(out, "0,1,2,", 6) == 0 && strstr(out, ",4999,"));
    free(out);
    free(big);
    /* failures are sticky and refuse rendering */
    CHECK(tmpl_set_str(r, "a.b", "x") == NULL);
    CHECK_STR(tmpl_ctx_error(c), "invalid key 'a.b'");
    CHECK(tmpl_set_str(r, "ok", "x") == NULL);
    CHECK(render("{{a}}", 0, NULL, r) == NULL);
    CHECK(strstr(err, "bad context: invalid key 'a.b'") != NULL);
    /* reset: empty again, usable again */
    tmpl_ctx_reset(c);
    r = tmpl_ctx_root(c);
    CHECK(tmpl_ctx_error(c) == NULL);
    CHECK(tmpl_set_str(r, "a", "fresh") != NULL);
    CHECK_RENDER("{{a}}{{^l}}-{{/l}}", 0, r, "fresh-");
    CHECK(tmpl_add_str(r, "x") == NULL); /* root is a map, not a list */
    CHECK(strstr(tmpl_ctx_error(c), "not a list") != NULL);
    tmpl_ctx_reset(c);
    r = tmpl_ctx_root(c);
    CHECK(tmpl_set_str(tmpl_set_list(r, "l"), "k", "v") == NULL); /* a list is not a map */
    CHECK(tmpl_set_str(r, "", "v") == NULL || tmpl_ctx_error(c));
    CHECK(tmpl_set_str(NULL, "k", "v") == NULL);
    tmpl_ctx_free(c);
    tmpl_ctx_free(NULL);
}

static void test_escape(void)
{
    struct buf b;
    buf_init(&b, 100);
    CHECK_INT(tmpl_escape_html(&b, "a<b>&\"c'", 9), 0);
    CHECK_STR(b.p, "a&lt;b&gt;&amp;&quot;c&#39;");
    b.max = b.len + 4;
    CHECK_INT(tmpl_escape_html(&b, "&", 1), -1);
    b.max = b.len + 5;
    CHECK_INT(tmpl_escape_html(&b, "&", 1), 0);
    buf_release(&b);
}

/* a notice-sized template: ~4 KB, ~60 placeholders, a list of exposures */
static void test_speed(void)
{
    static const char *const known[] = {"name",
                                        "salutation",
                                        "code",
                                        "org.name",
                                        "org.dpo",
                                        "exposures.page",
                                        "exposures.first",
                                        "exposures.last",
                                        "exposures.views",
                                        "fields",
                                        "viewers",
                                        "duration",
                                        NULL};
    char src[8192] = "";
    strcat(src, "{{#salutation}}{{salutation}} {{/salutation}}{{name}},\n\n");
    for (int i = 0; i < 12; i++)
        strcat(src, "Wir informieren Sie über einen Fehler bei {{org.name}}, der Ihre Daten für "
                    "{{duration}} sichtbar machte. Ihr Code: {{code}}.\n{{#plural viewers}}"
                    "eine Person|{{viewers}} Personen{{/plural}} sahen Ihre Daten.\n");
    strcat(src, "{{#exposures}}\n- {{page}}: {{first}} – {{last}} ({{views}} Aufrufe)\n{{/exposures}}\n"
                "{{#fields}}\n* {{.}}\n{{/fields}}\nKontakt: {{org.dpo}}\n");
    struct tmpl *t = tmpl_compile("speed.html", src, strlen(src), TMPL_HTML, known, err, sizeof err);
    CHECK(t != NULL);
    if (!t) {
        printf("#   %s\n", err);
        return;
    }
    struct tmpl_ctx *c = tmpl_ctx_new();
    struct buf b;
    buf_init(&b, 1 << 20);
    int n = 50000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        tmpl_ctx_reset(c);
        struct tmpl_node *r = tmpl_ctx_root(c);
        tmpl_set_str(r, "name", "Hans-Jürgen Müller & Söhne");
        tmpl_set_str(r, "salutation", "Sehr geehrter Herr");
        tmpl_set_str(r, "code", "K7QM-2XH4-PL9D-3F");
        struct tmpl_node *o = tmpl_set_map(r, "org");
        tmpl_set_str(o, "name", "Beispiel <GmbH>");
        tmpl_set_str(o, "dpo", "datenschutz@example.de");
        tmpl_set_num(r, "viewers", 3, "drei");
        tmpl_set_str(r, "duration", "8 Tage 8 Stunden");
        struct tmpl_node *l = tmpl_set_list(r, "exposures");
        for (int k = 0; k < 3; k++) {
            struct tmpl_node *e = tmpl_add_map(l);
            tmpl_set_str(e, "page", "/gp/profile");
            tmpl_set_str(e, "first", "Montag, 12. November 2018, 15:03 Uhr MEZ");
            tmpl_set_str(e, "last", "Mittwoch, 21. November 2018, 10:12 Uhr MEZ");
            tmpl_set_int(e, "views", 17);
        }
        struct tmpl_node *f = tmpl_set_list(r, "fields");
        tmpl_add_str(f, "Name");
        tmpl_add_str(f, "E-Mail-Adresse");
        buf_reset(&b);
        if (tmpl_render(t, r, &b, err, sizeof err)) {
            CHECK(0);
            printf("# %s\n", err);
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# build context + render %zu bytes: %.0f renders/s (%.1f us each)\n", b.len, n / s, s / n * 1e6);
    CHECK(strstr(b.p, "Beispiel &lt;GmbH&gt;") != NULL);
    CHECK(strstr(b.p, "drei Personen") != NULL);
    buf_release(&b);
    tmpl_ctx_free(c);
    tmpl_free(t);
}

int main(void)
{
    RUN(test_variables);
    RUN(test_sections);
    RUN(test_standalone);
    RUN(test_plural);
    RUN(test_compile_errors);
    RUN(test_schema);
    RUN(test_render_errors);
    RUN(test_context);
    RUN(test_escape);
    RUN(test_speed);
    return check_done();
}
