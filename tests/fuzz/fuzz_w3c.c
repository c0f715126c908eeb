/* fuzz_w3c.c — libFuzzer target for the W3C Extended Log File Format readers
 * (src/scan/fmt_w3c.c: `w3c` as IIS writes it, `cloudfront`; docs/rules.md), and a
 * differential test between the two where they share a model.
 *
 * Byte 0 picks the mode:
 *   0  raw, w3c: the rest is lines (directives and entries), each parsed with a warm parser
 *      state, a fresh one given the same #Fields layout, and with a CR appended: they agree.
 *   1  raw, cloudfront: the same.
 *   2+ differential: a log is written from a model taken from the input — one or two
 *      #Fields directives naming date, time, c-ip, cs-method, cs-uri-stem, cs-uri-query,
 *      sc-status, x-forwarded-for and fields klartext does not read, in an order taken from
 *      the input, and entries with values for them. The log is written twice: separated by
 *      TABs and by spaces. The w3c reader on both and the cloudfront reader on the TAB one
 *      must give the same lines (time, client, method, target, status, the x-forwarded-for
 *      FIELD), and those must be the model's: the same model, read by either reader. */
#include "fuzz_lf.h"
#include "util/ktime.h"

static scan_rule *w3c, *cf;
static struct lf_state warm_w, warm_c;

static void init(void)
{
    char err[256];
    const char *a = "format = w3c\nclient = x-forwarded-for\n[exposure \"p\"]\nmethod = GET\nrequest = ^/(\\w+)\n"
                    "status = 200\nfields = n\n";
    const char *b = "format = cloudfront\nclient = x-forwarded-for\n[exposure \"p\"]\nmethod = GET\n"
                    "request = ^/(\\w+)\nstatus = 200\nfields = n\n";
    if (!(w3c = scan_rule_parse(a, strlen(a), NULL, err, sizeof err))) abort();
    if (!(cf = scan_rule_parse(b, strlen(b), NULL, err, sizeof err))) abort();
    lf_state_init(&warm_w);
    lf_state_init(&warm_c);
}

/* ---- the model ---- */
enum { C_DATE, C_TIME, C_IP, C_METHOD, C_STEM, C_QUERY, C_STATUS, C_XFF, C_X1, C_X2, NCOL };
static const char *const names[NCOL] = {"date",
                                        "time",
                                        "c-ip",
                                        "cs-method",
                                        "cs-uri-stem",
                                        "cs-uri-query",
                                        "sc-status",
                                        "x-forwarded-for",
                                        "x-edge-location",
                                        "cs(User-Agent)"};

struct entry {
    char v[NCOL][80];
    int64_t t;
    char target[200];
};

/* one entry's values; its time and target as the readers should give them */
static void make_entry(struct src *s, struct entry *en)
{
    int64_t t = 946684800 + (int64_t)(src_u16(s) << 16 | src_u16(s)) % 3155760000LL;
    int64_t y;
    unsigned mo, d;
    kt_civil_from_days(t / 86400, &y, &mo, &d);
    int sec = (int)(t % 86400);
    snprintf(en->v[C_DATE], 80, "%04lld-%02u-%02u", (long long)y, mo, d);
    snprintf(en->v[C_TIME], 80, "%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60);
    en->t = t;
    if (src_byte(s) & 1) snprintf(en->v[C_IP], 80, "2001:db8::%x", src_u16(s));
    else snprintf(en->v[C_IP], 80, "192.0.2.%u", src_byte(s));
    snprintf(en->v[C_METHOD], 80, "%s", src_byte(s) & 3 ? "GET" : "POST");
    char stem[70], q[70];
    src_text(s, stem, 60, " \t?");
    en->v[C_STEM][0] = '/';
    snprintf(en->v[C_STEM] + 1, 79, "%s", stem);
    if (!src_text(s, q, 60, " \t#") || (q[0] == '-' && !q[1])) snprintf(en->v[C_QUERY], 80, "-");
    else snprintf(en->v[C_QUERY], 80, "%s", q);
    snprintf(en->v[C_STATUS], 80, "%03u", src_u16(s) % 1000);
    if (src_byte(s) & 1) snprintf(en->v[C_XFF], 80, "198.51.100.%u,%%20203.0.113.1", src_byte(s));
    else snprintf(en->v[C_XFF], 80, "-");
    src_text(s, en->v[C_X1], 20, " \t#"); /* a line that starts with # is a directive */
    if (!en->v[C_X1][0]) snprintf(en->v[C_X1], 80, "-");
    snprintf(en->v[C_X2], 80, "Mozilla/5.0+(X11)");
    if (!strcmp(en->v[C_QUERY], "-")) snprintf(en->target, sizeof en->target, "%s", en->v[C_STEM]);
    else snprintf(en->target, sizeof en->target, "%s?%s", en->v[C_STEM], en->v[C_QUERY]);
}

/* a permutation of the columns from the input (date..x2, some left out of x1, x2) */
static int order(struct src *s, int *col)
{
    int n = 0;
    for (int i = 0; i < NCOL; i++)
        if (i < C_X1 || src_byte(s) & 1) col[n++] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(src_byte(s) % (unsigned)(i + 1)), x = col[i];
        col[i] = col[j];
        col[j] = x;
    }
    return n;
}

static size_t render(const int *col, int n, const struct entry *en, char sep, char *out)
{
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(out + k, "%s%s", i ? (sep == '\t' ? "\t" : " ") : "", en->v[col[i]]);
    return k;
}

static void read_one(const scan_rule *r, struct lf_state *st, const char *line, size_t n, const struct entry *en,
                     struct lf_line *o)
{
    const char *why = "";
    int rc = lf_parse(r, st, line, n, o, &why);
    int status = atoi(en->v[C_STATUS]);
    struct lf_str x = o->xf[0];
    int xok = !strcmp(en->v[C_XFF], "-") ? lf_str_is(x, "-") : lf_str_is(x, en->v[C_XFF]);
    if (rc != LF_OK || o->t != en->t || !lf_str_is(o->host, en->v[C_IP]) || !lf_str_is(o->method, en->v[C_METHOD]) ||
        !lf_str_is(o->target, en->target) || o->status != status || !xok) {
        fprintf(stderr, "%s read '%.*s' as rc %d (%s), target '%.*s', status %d, t %lld (want %lld)\n",
                r->kind == LF_CLOUDFRONT ? "cloudfront" : "w3c", (int)n, line, rc, why, (int)o->target.n,
                o->target.p ? o->target.p : "", o->status, (long long)o->t, (long long)en->t);
        abort();
    }
}

static void differential(struct src *s)
{
    static struct lf_state a, b, c; /* fresh for every input (lf_state_fresh); never released */
    lf_state_fresh(&a);
    lf_state_fresh(&b);
    lf_state_fresh(&c);
    char line[2048];
    const char *why;
    struct lf_line o1, o2, o3;
    int blocks = 1 + (src_byte(s) & 1);
    for (int bl = 0; bl < blocks; bl++) {
        int col[NCOL], n = order(s, col);
        size_t k = (size_t)sprintf(line, "#Fields:");
        for (int i = 0; i < n; i++) k += (size_t)sprintf(line + k, " %s", names[col[i]]);
        if (lf_parse(w3c, &a, line, k, &o1, &why) != LF_DIRECTIVE ||
            lf_parse(w3c, &b, line, k, &o2, &why) != LF_DIRECTIVE ||
            lf_parse(cf, &c, line, k, &o3, &why) != LF_DIRECTIVE)
            abort();
        int entries = 1 + src_byte(s) % 4;
        for (int e = 0; e < entries; e++) {
            struct entry en;
            make_entry(s, &en);
            k = render(col, n, &en, ' ', line);
            read_one(w3c, &a, line, k, &en, &o1);
            k = render(col, n, &en, '\t', line);
            read_one(w3c, &b, line, k, &en, &o2);
            read_one(cf, &c, line, k, &en, &o3);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!w3c) init();
    if (!size) return 0;
    if (data[0] == 0 || data[0] == 1) {
        struct lf_state *st = data[0] ? &warm_c : &warm_w;
        memset(&st->w3c, 0, sizeof st->w3c); /* each input starts a file */
        lf_raw_lines(data[0] ? cf : w3c, st, data + 1, size - 1);
    } else {
        struct src s = {data + 1, size - 1, 0};
        differential(&s);
    }
    return 0;
}
