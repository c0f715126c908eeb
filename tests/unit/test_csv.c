/* test_csv.c — the RFC 4180 reader (strictness, limits, streaming) and the writer. */
#include "check.h"
#include "util/csv.h"
#include <stdio.h>
#include <stdlib.h>

/* Collects records as "[f1][f2]\n" (fields must not hold brackets in these tests). */
struct collect {
    char out[8192];
    size_t len;
    long lines[64];
    size_t nrec;
    int stop_at; /* fail in the callback at this record index (-1 never) */
};

static int collect_cb(void *ctx, const struct csv_record *rec, char *err, size_t errlen)
{
    struct collect *c = ctx;
    if (rec->index == c->stop_at) {
        snprintf(err, errlen, "column 'email' is empty");
        return -1;
    }
    if (c->nrec < 64) c->lines[c->nrec] = rec->line;
    c->nrec++;
    for (size_t i = 0; i < rec->nfields; i++) {
        if (strlen(rec->field[i]) != rec->len[i]) printf("#   length mismatch\n");
        c->len += (size_t)snprintf(c->out + c->len, sizeof c->out - c->len, "[%s]", rec->field[i]);
    }
    c->len += (size_t)snprintf(c->out + c->len, sizeof c->out - c->len, "\n");
    return 0;
}

static int parse_opt(const char *text, size_t len, const struct csv_options *opt, struct collect *c, char *err,
                     size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->stop_at = -1;
    err[0] = 0;
    return csv_parse(text, len, opt, collect_cb, c, err, errlen);
}

static int parse(const char *text, struct collect *c, char *err, size_t errlen)
{
    return parse_opt(text, strlen(text), NULL, c, err, errlen);
}

static void expect_ok(const char *text, const char *want)
{
    struct collect c;
    char err[256];
    int rc = parse(text, &c, err, sizeof err);
    if (rc) printf("#   unexpected error: %s\n", err);
    CHECK_INT(rc, 0);
    CHECK_STR(c.out, want);
}

static void expect_err(const char *text, size_t len, const char *want)
{
    struct collect c;
    char err[256];
    CHECK_INT(parse_opt(text, len, NULL, &c, err, sizeof err), -1);
    CHECK_STR(err, want);
}
#define EXPECT_ERR(text, want) expect_err(text, sizeof(text) - 1, want)

static void test_basic(void)
{
    expect_ok("subject,name,email\nA1,Anna,a@x.de\nB2,Bob,b@x.de\n",
              "[subject][name][email]\n[A1][Anna][a@x.de]\n[B2][Bob][b@x.de]\n");
    expect_ok("a,b\r\n1,2\r\n", "[a][b]\n[1][2]\n");
    expect_ok("a,b\n1,2", "[a][b]\n[1][2]\n"); /* no final newline */
    expect_ok("a,b\r\n1,2\r", "[a][b]\n[1][2]\n"); /* CR at the very end */
    expect_ok("a,b,c\n,,\n1,,3\n4,5,\n", "[a][b][c]\n[][][]\n[1][][3]\n[4][5][]\n");
    expect_ok("a,b\n 1 , 2 \n", "[a][b]\n[ 1 ][ 2 ]\n"); /* spaces are data */
    expect_ok("a\n", "[a]\n");
    expect_ok("a,b\n", "[a][b]\n"); /* header only */
}

static void test_quoted(void)
{
    expect_ok("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", "[a][b]\n[x,y][say \"hi\"]\n");
    expect_ok("a,b\n\"line1\nline2\",z\n", "[a][b]\n[line1\nline2][z]\n");
    expect_ok("a,b\n\"crlf\r\ninside\",z\r\n", "[a][b]\n[crlf\r\ninside][z]\n");
    expect_ok("a,b\n\"\",\"\"\n", "[a][b]\n[][]\n");
    expect_ok("a,b\n\"\"\"\",x\n", "[a][b]\n[\"][x]\n");
    expect_ok("\"a\",\"b\"\n\"1\",\"2\"", "[a][b]\n[1][2]\n");
    expect_ok("a,b\n1,\"\"\n", "[a][b]\n[1][]\n");
}

static void test_quoted_eof(void)
{
    EXPECT_ERR("a,b\n1,\"end", "line 2: unterminated quote");
    EXPECT_ERR("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n\"x,\n\n\n", "line 7: unterminated quote");
}

static void test_lines(void)
{
    struct collect c;
    char err[256];
    CHECK_INT(parse("a,b\n\"1\n2\n3\",x\ny,z\n", &c, err, sizeof err), 0);
    CHECK_INT(c.nrec, 3);
    CHECK_INT(c.lines[0], 1);
    CHECK_INT(c.lines[1], 2);
    CHECK_INT(c.lines[2], 5);
    EXPECT_ERR("a,b,c,d,e\n1,2,3,4,5\n\"multi\nline\",2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n"
               "1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5,6\n",
               "line 9: 6 fields, header has 5");
    EXPECT_ERR("a,b,c\n1,2\n", "line 2: 2 fields, header has 3");
    EXPECT_ERR("a,b,c\n1\n", "line 2: 1 field, header has 3");
}

static void test_strict_errors(void)
{
    EXPECT_ERR("a,b\n\"ab\"x,c\n", "line 2, column 5: text after closing quote");
    EXPECT_ERR("a,b\nab\"c,d\n", "line 2, column 3: quote in an unquoted field (quote the whole "
                                 "field and double the quote)");
    EXPECT_ERR("a,b\n1,2\r3,4\n", "line 2, column 4: carriage return without line feed");
    EXPECT_ERR("a,b\n1,\0\n", "line 2, column 3: NUL byte");
    EXPECT_ERR("a,b\n1,2\n\n3,4\n", "line 3: empty line");
    EXPECT_ERR("a,b\n1,2\n\n", "line 3: empty line");
    EXPECT_ERR("a,b\n1,2\r\n\r\n", "line 3: empty line");
    EXPECT_ERR("\na,b\n", "line 1: empty line");
    EXPECT_ERR("", "empty input: no header row");
    EXPECT_ERR("\xEF\xBB\xBF", "empty input: no header row");
    EXPECT_ERR("a,,c\n", "line 1: column 2 has an empty name");
    EXPECT_ERR("a,b,\n", "line 1: column 3 has an empty name");
    EXPECT_ERR("name,email,name\n", "line 1: duplicate column name 'name'");
}

static void test_utf8(void)
{
    expect_ok("name,city\nJürgen,Köln\n\"Zoë, 🎉\",東京\n", "[name][city]\n[Jürgen][Köln]\n[Zoë, 🎉][東京]\n");
    EXPECT_ERR("a,b\nä\xC0\x80,x\n", "line 2, column 2: invalid UTF-8"); /* overlong */
    EXPECT_ERR("a,b\nx,\xED\xA0\x80\n", "line 2, column 3: invalid UTF-8"); /* surrogate */
    EXPECT_ERR("a,b\nx,\xF5\x80\x80\x80\n", "line 2, column 3: invalid UTF-8"); /* > U+10FFFF */
    EXPECT_ERR("a,b\nx,\xF4\x90\x80\x80\n", "line 2, column 3: invalid UTF-8");
    EXPECT_ERR("a,b\nx,\xE0\x80\x80\n", "line 2, column 3: invalid UTF-8"); /* overlong */
    EXPECT_ERR("a,b\nx\xC3,y\n", "line 2, column 3: invalid UTF-8"); /* cut short */
    EXPECT_ERR("a,b\nx,\xC3", "line 2, column 3: invalid UTF-8 (truncated sequence)");
    EXPECT_ERR("a,b\nx,\x80\n", "line 2, column 3: invalid UTF-8"); /* stray */
    EXPECT_ERR("a,b\n\"äö\"\xFF\n", "line 2, column 5: invalid UTF-8");
    /* columns count characters, not bytes */
    EXPECT_ERR("a,b\nää\"x,y\n", "line 2, column 3: quote in an unquoted field (quote the "
                                 "whole field and double the quote)");
}

static void test_bom(void)
{
    expect_ok("\xEF\xBB\xBFsubject,name\nA,B\n", "[subject][name]\n[A][B]\n");
    EXPECT_ERR("\xFF\xFEs\0u\0", "line 1: UTF-16 byte order mark: save the file as UTF-8");
    EXPECT_ERR("\xFE\xFF\0s\0u", "line 1: UTF-16 byte order mark: save the file as UTF-8");
    EXPECT_ERR("\xEF\xBBx\n", "line 1, column 2: invalid UTF-8");
    EXPECT_ERR("\xEF\xBB", "line 1, column 1: invalid UTF-8 (truncated sequence)");
    EXPECT_ERR("\xFFx\n", "line 1, column 1: invalid UTF-8");
}

static void test_bom_inside(void)
{
    /* a BOM after the start is an ordinary (valid) character U+FEFF */
    expect_ok("a\xEF\xBB\xBF,b\n", "[a\xEF\xBB\xBF][b]\n");
}

static void test_headerless(void)
{
    struct csv_options o;
    struct collect c;
    char err[256];
    csv_options_default(&o);
    o.header = 0;
    CHECK_INT(parse_opt("", 0, &o, &c, err, sizeof err), 0);
    CHECK_INT(c.nrec, 0);
    CHECK_INT(parse_opt("x,,\n1,2,3\n", 10, &o, &c, err, sizeof err), 0); /* names unchecked */
    CHECK_STR(c.out, "[x][][]\n[1][2][3]\n");
    CHECK_INT(parse_opt("1,2\n3\n", 6, &o, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 2: 1 field, first record has 2");
}

static void test_single_column(void)
{
    /* with one column an empty line is an empty field, as RFC 4180 reads it */
    expect_ok("name\n\nbob\n", "[name]\n[]\n[bob]\n");
    expect_ok("name\n\"\"\n", "[name]\n[]\n");
}

static void test_limits(void)
{
    struct csv_options o;
    struct collect c;
    char err[256];
    /* a million columns: a clear error, and little memory */
    size_t n = 2000001;
    char *wide = malloc(n + 1);
    CHECK(wide != NULL);
    if (!wide) return;
    for (size_t i = 0; i < n; i++) wide[i] = (i % 2) ? ',' : 'c';
    wide[n - 1] = '\n';
    CHECK_INT(parse_opt(wide, n, NULL, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 1: more than 1024 columns");
    /* one huge field: bounded by the field limit */
    memset(wide, 'x', n - 1);
    CHECK_INT(parse_opt(wide, n, NULL, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 1, column 65537: field longer than 65536 bytes");
    free(wide);

    csv_options_default(&o);
    o.max_columns = 3;
    CHECK_INT(parse_opt("a,b,c\n1,2,3\n", 12, &o, &c, err, sizeof err), 0);
    CHECK_INT(parse_opt("a,b,c,d\n", 8, &o, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 1: more than 3 columns");
    /* more fields than the header: counted, not stored */
    CHECK_INT(parse_opt("a,b,c\n1,2,3,4,5\n", 16, NULL, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 2: 5 fields, header has 3");

    csv_options_default(&o);
    o.max_field = 4;
    CHECK_INT(parse_opt("a,b\nabcd,\"wxyz\"\n", 16, &o, &c, err, sizeof err), 0);
    CHECK_INT(parse_opt("a,b\nabcd,\"wxyz\"\"\"\n", 18, &o, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 2, column 12: field longer than 4 bytes");
    o.max_field = 0; /* 0 = the default */
    o.max_record = 10;
    CHECK_INT(parse_opt("a,b\n1234,56789\n", 15, &o, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 2: record longer than 10 bytes");
    CHECK_INT(parse_opt("a,b\n1234,5678\n", 14, &o, &c, err, sizeof err), 0);
}

static void test_callback(void)
{
    struct collect c;
    char err[256];
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    CHECK_INT(csv_parse("a,email\nx,y\n\"z\nz\",\n", 19, NULL, collect_cb, &c, err, sizeof err), -1);
    CHECK_STR(err, "line 3: column 'email' is empty");
    CHECK_INT(c.nrec, 2);
    /* header lookup */
    struct csv_parser *p;
    struct hdr {
        int subject, email, missing;
    } h = {-2, -2, -2};
    struct csv_record rec;
    const char *f[] = {"subject", "name", "email"};
    size_t l[] = {7, 4, 5};
    rec.nfields = 3;
    rec.field = f;
    rec.len = l;
    rec.index = 0;
    rec.line = 1;
    h.subject = csv_header_find(&rec, "subject");
    h.email = csv_header_find(&rec, "email");
    h.missing = csv_header_find(&rec, "timezone");
    CHECK_INT(h.subject, 0);
    CHECK_INT(h.email, 2);
    CHECK_INT(h.missing, -1);
    /* no callback: just validates */
    p = csv_parser_new(NULL, NULL, NULL);
    CHECK(p != NULL);
    CHECK_INT(csv_parser_feed(p, "a,b\n1,2\n", 8, err, sizeof err), 0);
    CHECK_INT(csv_parser_finish(p, err, sizeof err), 0);
    CHECK_INT(csv_parser_records(p), 2);
    csv_parser_free(p);
    csv_parser_free(NULL);
}

static void test_sticky_error(void)
{
    char err[256];
    struct csv_parser *p = csv_parser_new(NULL, NULL, NULL);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_INT(csv_parser_feed(p, "a,b\nx\"", 6, err, sizeof err), -1);
    CHECK_STR(err, "line 2, column 2: quote in an unquoted field (quote the whole field and "
                   "double the quote)");
    err[0] = 0;
    CHECK_INT(csv_parser_feed(p, "1,2\n", 4, err, sizeof err), -1);
    CHECK_STR(err, "line 2, column 2: quote in an unquoted field (quote the whole field and "
                   "double the quote)");
    CHECK_INT(csv_parser_finish(p, err, sizeof err), -1);
    csv_parser_free(p);
}

/* Every split of the input into two or three chunks gives the result of one buffer. */
static void test_chunked(void)
{
    static const char *const inputs[] = {
        "\xEF\xBB\xBFsubject,name\r\n\"A\"\"1\",\"x\r\ny\"\r\nB,Jürgen 🎉\r\n",
        "a,b\n1,\"unterminated\n",
        "a,b\nx,\xE2\x82\n",
        "a,b\n1,2\r3\n",
    };
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        const char *in = inputs[k];
        size_t n = strlen(in);
        struct collect whole, part;
        char werr[256], perr[256];
        int wrc = parse_opt(in, n, NULL, &whole, werr, sizeof werr);
        for (size_t i = 0; i <= n; i++)
            for (size_t j = i; j <= n; j++) {
                memset(&part, 0, sizeof part);
                part.stop_at = -1;
                perr[0] = 0;
                struct csv_parser *p = csv_parser_new(NULL, collect_cb, &part);
                int rc = csv_parser_feed(p, in, i, perr, sizeof perr);
                if (!rc) rc = csv_parser_feed(p, in + i, j - i, perr, sizeof perr);
                if (!rc) rc = csv_parser_feed(p, in + j, n - j, perr, sizeof perr);
                if (!rc) rc = csv_parser_finish(p, perr, sizeof perr);
                csv_parser_free(p);
                if (rc != wrc || strcmp(part.out, whole.out) || (rc && strcmp(perr, werr))) {
                    printf("#   input %zu split at %zu/%zu: %d '%s' vs %d '%s'\n", k, i, j, rc, perr, wrc, werr);
                    CHECK(0);
                    return;
                }
            }
    }
}

/* writer */
struct sink {
    char buf[1024];
    size_t len;
    int fail_after;
};

static int sink_mem(void *ctx, const char *data, size_t len)
{
    struct sink *s = ctx;
    if (s->fail_after >= 0 && s->len + len > (size_t)s->fail_after) return -1;
    if (s->len + len >= sizeof s->buf) return -1;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->buf[s->len] = 0;
    return 0;
}

static const char *write1(const char *const *f, const size_t *l, size_t n)
{
    static struct sink s;
    memset(&s, 0, sizeof s);
    s.fail_after = -1;
    if (csv_write_record(sink_mem, &s, f, l, n)) return "(error)";
    return s.buf;
}

static void test_writer(void)
{
    const char *a[] = {"A1", "Anna Müller", "a@x.de"};
    CHECK_STR(write1(a, NULL, 3), "A1,Anna Müller,a@x.de\n");
    const char *b[] = {"x,y", "say \"hi\"", "two\nlines", "cr\rhere", "", " sp "};
    CHECK_STR(write1(b, NULL, 6), "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",, sp \n");
    const char *c[] = {""};
    CHECK_STR(write1(c, NULL, 1), "\"\"\n");
    const char *d[] = {"\"", "\"\""};
    CHECK_STR(write1(d, NULL, 2), "\"\"\"\",\"\"\"\"\"\"\n");
    const char *e[] = {"abc,def", NULL};
    size_t el[] = {3, 0};
    CHECK_STR(write1(e, el, 2), "abc,\n"); /* lens: only the first 3 bytes */
    CHECK_STR(write1(a, NULL, 0), "(error)");
    CHECK_INT(csv_needs_quotes("a;b", 3), 0);
    CHECK_INT(csv_needs_quotes("a\nb", 3), 1);
    CHECK_INT(csv_needs_quotes("a,b", 1), 0);
    CHECK_INT(csv_needs_quotes("\xEF\xBB\xBFx", 4), 1);
    CHECK_INT(csv_needs_quotes("x\xEF\xBB\xBF", 4), 0);
    /* a failing sink stops the writer */
    for (int k = 0; k < 30; k++) {
        struct sink s;
        memset(&s, 0, sizeof s);
        s.fail_after = k;
        int rc = csv_write_record(sink_mem, &s, b, NULL, 6);
        CHECK_INT(rc, -1);
    }
    /* stdio sink */
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    CHECK(f != NULL);
    if (!f) return;
    CHECK_INT(csv_write_record(csv_sink_file, f, a, NULL, 3), 0);
    fclose(f);
    CHECK_STR(mem, "A1,Anna Müller,a@x.de\n");
    free(mem);
}

static int write_back(void *ctx, const struct csv_record *rec, char *err, size_t errlen)
{
    return csv_write_record(sink_mem, ctx, rec->field, rec->len, rec->nfields);
}

static void test_roundtrip(void)
{
    const char *in = "subject,name,note\nA,\"Müller, Anna\",\"she said \"\"no\"\"\"\n"
                     "B,Bob,\"two\r\nlines\"\nC,,x\n";
    struct sink s;
    char err[256];
    memset(&s, 0, sizeof s);
    s.fail_after = -1;
    CHECK_INT(csv_parse(in, strlen(in), NULL, write_back, &s, err, sizeof err), 0);
    CHECK_STR(s.buf, in);
}

/* the formula guard (csv.h): one leading ' for = + - @ TAB CR, not for plain numbers or "-" */
static void test_formula_guard(void)
{
    /* each dangerous first byte; CR also forces quotes */
    const char *a[] = {"=1+1", "+SUM(A1)", "-2+3", "@SUM(1+1)", "\tx", "\rx"};
    CHECK_STR(write1(a, NULL, 6), "'=1+1,'+SUM(A1),'-2+3,'@SUM(1+1),'\tx,\"'\rx\"\n");
    /* one byte alone is dangerous too, except the lone "-" */
    const char *b[] = {"=", "+", "@", "\t", "-", "--"};
    CHECK_STR(write1(b, NULL, 6), "'=,'+,'@,'\t,-,'--\n");
    /* plain numbers stay numbers: [+-]?[0-9]+(.[0-9]+)? */
    const char *c[] = {"-5", "-0.25", "+3", "+0", "-007", "12", "3.5", "-1234567890.0123456789"};
    CHECK_STR(write1(c, NULL, 8), "-5,-0.25,+3,+0,-007,12,3.5,-1234567890.0123456789\n");
    /* almost numbers are not */
    const char *d[] = {"-5.", "-.5", "+-3", "-1e5", "-5 ", "-5;6", "- 5", "-0x1F", "+3,5"};
    CHECK_STR(write1(d, NULL, 9), "'-5.,'-.5,'+-3,'-1e5,'-5 ,'-5;6,'- 5,'-0x1F,\"'+3,5\"\n");
    /* quoting: the apostrophe goes inside the quotes, before the field's own bytes */
    const char *e[] = {"=HYPERLINK(\"http://x\",\"y\")", "=a,b", "-x\ny", "@\""};
    CHECK_STR(write1(e, NULL, 4), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'=a,b\",\"'-x\ny\",\"'@\"\"\"\n");
    /* untouched: the byte later in the field, a space first, ISO times, paths, ids, empty */
    const char *f[] = {"a=1", " =1", "2018-11-13T10:00:00Z", "/gp/profile/=x", "c-1", "", "'=x"};
    CHECK_STR(write1(f, NULL, 7), "a=1, =1,2018-11-13T10:00:00Z,/gp/profile/=x,c-1,,'=x\n");
    /* lens: only the given bytes count ("-5" of "-5x" is a number, "=" of "=" too) */
    const char *g[] = {"-5x", "-5x", "=1"};
    size_t gl[] = {2, 3, 0};
    CHECK_STR(write1(g, gl, 3), "-5,'-5x,\n");
    /* the predicates */
    CHECK_INT(csv_formula_char('='), 1);
    CHECK_INT(csv_formula_char('+'), 1);
    CHECK_INT(csv_formula_char('-'), 1);
    CHECK_INT(csv_formula_char('@'), 1);
    CHECK_INT(csv_formula_char('\t'), 1);
    CHECK_INT(csv_formula_char('\r'), 1);
    CHECK_INT(csv_formula_char('\n'), 0);
    CHECK_INT(csv_formula_char('/'), 0);
    CHECK_INT(csv_formula_char(0), 0);
    CHECK_INT(csv_formula_char(0xEF), 0);
    CHECK_INT(csv_needs_guard("=1", 2), 1);
    CHECK_INT(csv_needs_guard("-", 1), 0);
    CHECK_INT(csv_needs_guard("-5", 2), 0);
    CHECK_INT(csv_needs_guard("", 0), 0);
    CHECK_INT(csv_needs_guard("-5.", 3), 1);
    /* a failing sink stops the writer at every write, the apostrophes too */
    struct sink s;
    const char *h[] = {"=1+1", "=a,b"};
    const char *hw = "'=1+1,\"'=a,b\"\n";
    for (int k = 0; k <= (int)strlen(hw); k++) {
        memset(&s, 0, sizeof s);
        s.fail_after = k;
        CHECK_INT(csv_write_record(sink_mem, &s, h, NULL, 2), k < (int)strlen(hw) ? -1 : 0);
    }
    CHECK_STR(s.buf, hw);
    /* read back: the field with one leading apostrophe */
    const char *in = "a,b\n\"=x,y\",-3\n";
    struct collect col;
    char err[256];
    memset(&s, 0, sizeof s);
    s.fail_after = -1;
    CHECK_INT(csv_parse(in, strlen(in), NULL, write_back, &s, err, sizeof err), 0);
    CHECK_STR(s.buf, "a,b\n\"'=x,y\",-3\n");
    CHECK_INT(parse(s.buf, &col, err, sizeof err), 0);
    CHECK_STR(col.out, "[a][b]\n['=x,y][-3]\n");
}

int main(void)
{
    RUN(test_basic);
    RUN(test_quoted);
    RUN(test_quoted_eof);
    RUN(test_lines);
    RUN(test_strict_errors);
    RUN(test_utf8);
    RUN(test_bom);
    RUN(test_bom_inside);
    RUN(test_headerless);
    RUN(test_single_column);
    RUN(test_limits);
    RUN(test_callback);
    RUN(test_sticky_error);
    RUN(test_chunked);
    RUN(test_writer);
    RUN(test_formula_guard);
    RUN(test_roundtrip);
    return check_done();
}
