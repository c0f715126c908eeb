/* fmt_w3c.c — the W3C Extended Log File Format: `w3c` as Microsoft IIS writes it (space
 * separated) and `cloudfront`, Amazon CloudFront's standard logs (TAB separated). A
 * "#Fields: date time c-ip …" directive names the columns of the lines after it, until the
 * next one; other directives (#Version, #Software, #Date, #Remark) are skipped. Times are
 * UTC (`date` + `time`); the request target is cs-uri-stem, plus '?' and cs-uri-query unless
 * that is '-' (or cs-uri). Values are as logged: IIS writes '+' for a space, CloudFront
 * URL-encodes (docs/rules.md). */
#include "scan/lf_int.h"
#include "util/ktime.h"
#include <ctype.h>
#include <string.h>

static int name_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && !strncasecmp(p, name, n);
}

/* the column of one name in the layout */
static void w3c_column(const scan_rule *r, struct w3c_layout *L, int col, const char *p, size_t n)
{
    static const struct {
        const char *name;
        size_t off;
    } known[] = {
        {"date", offsetof(struct w3c_layout, c_date)},          {"time", offsetof(struct w3c_layout, c_time)},
        {"cs-method", offsetof(struct w3c_layout, c_method)},   {"cs-uri-stem", offsetof(struct w3c_layout, c_stem)},
        {"cs-uri-query", offsetof(struct w3c_layout, c_query)}, {"cs-uri", offsetof(struct w3c_layout, c_uri)},
        {"sc-status", offsetof(struct w3c_layout, c_status)},   {"c-ip", offsetof(struct w3c_layout, c_ip)},
        {"cs-username", offsetof(struct w3c_layout, c_user)},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (!name_is(p, n, known[i].name)) continue;
        if (known[i].off == offsetof(struct w3c_layout, c_user) && r->kind == LF_CLOUDFRONT) continue;
        int16_t *c = (int16_t *)((char *)L + known[i].off);
        if (*c < 0) *c = (int16_t)col;
    }
    for (int k = 0; k < r->nxf; k++)
        if (L->c_xf[k] < 0 && name_is(p, n, r->xf[k].name)) L->c_xf[k] = (int16_t)col;
}

/* why the lines under L cannot be read, or NULL */
static const char *w3c_lacks(const scan_rule *r, const struct w3c_layout *L)
{
    if (L->ncols > W3C_MAX_COLS) return "more than 128 fields in the #Fields directive";
    if (L->c_date < 0) return "the #Fields directive has no date";
    if (L->c_time < 0) return "the #Fields directive has no time";
    if (L->c_stem < 0 && L->c_uri < 0) return "the #Fields directive has no cs-uri-stem";
    if (L->c_status < 0) return "the #Fields directive has no sc-status";
    if (L->c_ip < 0) return "the #Fields directive has no c-ip";
    if (r->needs_method && L->c_method < 0) return "the #Fields directive has no cs-method";
    return NULL;
}

int lf_w3c_layout(const scan_rule *r, const char *p, size_t n, struct w3c_layout *L, const char **reason)
{
    const char *e = p + n;
    memset(L, 0, sizeof *L);
    L->c_date = L->c_time = L->c_method = L->c_stem = L->c_query = L->c_uri = L->c_status = L->c_user = L->c_ip = -1;
    for (int k = 0; k < SCAN_MAX_XF; k++) L->c_xf[k] = -1;
    L->seen = 1;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t')) p++;
        if (p >= e) break;
        const char *s = p;
        while (p < e && *p != ' ' && *p != '\t') p++;
        if (L->ncols < W3C_MAX_COLS) w3c_column(r, L, L->ncols, s, (size_t)(p - s));
        L->ncols++;
    }
    if (!L->ncols) {
        *reason = "empty #Fields directive";
        L->bad = *reason;
        return -1;
    }
    L->bad = w3c_lacks(r, L);
    int16_t m = 0;
    const int16_t cols[] = {L->c_date, L->c_time,   L->c_method, L->c_stem, L->c_query,
                            L->c_uri,  L->c_status, L->c_user,   L->c_ip};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (cols[i] > m) m = cols[i];
    for (int k = 0; k < r->nxf; k++)
        if (L->c_xf[k] > m) m = L->c_xf[k];
    L->maxcol = m;
    return 0;
}

/* a directive line (it starts with '#'): #Fields: sets the layout, the others are skipped */
static int w3c_directive(const scan_rule *r, struct lf_state *st, const char *p, const char *e)
{
    const char *why;
    if (e - p >= 8 && !memcmp(p, "#Fields:", 8)) {
        lf_w3c_layout(r, p + 8, (size_t)(e - p - 8), &st->w3c, &why);
        st->w3c_dirs++;
    }
    return LF_DIRECTIVE;
}

/* date YYYY-MM-DD and time HH:MM[:SS[.fff]], UTC */
static int w3c_time(struct lf_state *st, struct lf_str d, struct lf_str tm, int64_t *t, const char **reason)
{
    if (d.n != 10 || d.p[4] != '-' || d.p[7] != '-' || tm.n < 5 || tm.p[2] != ':' || !dig(tm.p[0]) || !dig(tm.p[1]) ||
        !dig(tm.p[3]) || !dig(tm.p[4])) {
        *reason = "bad timestamp";
        return -1;
    }
    int sec = 0;
    if (tm.n > 5) {
        if (tm.n < 8 || tm.p[5] != ':' || !dig(tm.p[6]) || !dig(tm.p[7]) || (tm.n > 8 && tm.p[8] != '.')) {
            *reason = "bad timestamp";
            return -1;
        }
        for (size_t i = 9; i < tm.n; i++)
            if (!dig(tm.p[i])) {
                *reason = "bad timestamp";
                return -1;
            }
        sec = d2(tm.p + 6);
        if (sec > 59) return lf_reasonf(st, reason, "impossible time %.8s", tm.p);
    }
    if (st->dvalid && !memcmp(st->dkey, d.p, 10) && !memcmp(st->dkey + 10, tm.p, 5)) {
        *t = st->dbase + sec;
        return 0;
    }
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !dig(d.p[i])) {
            *reason = "bad timestamp";
            return -1;
        }
    int year = d2(d.p) * 100 + d2(d.p + 2), mon = d2(d.p + 5), day = d2(d.p + 8), hh = d2(tm.p), mm = d2(tm.p + 3);
    if (mon < 1 || mon > 12 || day < 1 || day > kt_days_in_month(year, (unsigned)mon))
        return lf_reasonf(st, reason, "impossible date %.10s", d.p);
    if (hh > 23 || mm > 59) return lf_reasonf(st, reason, "impossible time %.5s", tm.p);
    st->dbase = kt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60;
    memcpy(st->dkey, d.p, 10);
    memcpy(st->dkey + 10, tm.p, 5);
    st->dvalid = 1;
    *t = st->dbase + sec;
    return 0;
}

static int dash(struct lf_str v)
{
    return v.n == 0 || (v.n == 1 && v.p[0] == '-');
}

/* the request: method, and the target from cs-uri-stem + '?' + cs-uri-query (or cs-uri) */
static void w3c_request(struct lf_state *st, const struct w3c_layout *L, const struct lf_str *col, struct lf_line *o)
{
    struct lf_str m = L->c_method >= 0 ? col[L->c_method] : (struct lf_str){"", 0};
    struct lf_str t;
    o->has_request = 1;
    o->odd = 1;
    if (L->c_method >= 0 && !lf_method_ok(m.p, m.n)) return;
    if (L->c_stem >= 0) {
        t = col[L->c_stem];
        struct lf_str q = L->c_query >= 0 ? col[L->c_query] : (struct lf_str){"-", 1};
        if (dash(t)) return;
        if (!dash(q)) {
            char *b = lf_scratch(st, t.n + 1 + q.n);
            if (!b) return;
            memcpy(b, t.p, t.n);
            b[t.n] = '?';
            memcpy(b + t.n + 1, q.p, q.n);
            t.p = b;
            t.n += 1 + q.n;
        }
    } else {
        t = col[L->c_uri];
        if (dash(t)) return;
        t = lf_origin_form(t);
    }
    o->method = m;
    o->target = t;
    o->odd = 0;
}

int lf_parse_w3c(const scan_rule *r, struct lf_state *st, const char *p, const char *e, struct lf_line *o,
                 const char **reason)
{
    if (*p == '#') return w3c_directive(r, st, p, e);
    const struct w3c_layout *L = &st->w3c;
    if (!st->w3c_dirs) st->w3c_data = 1; /* read with the layout the item started with */
    if (!L->seen) {
        *reason = "data line before any #Fields directive";
        return -1;
    }
    if (L->bad) {
        *reason = L->bad;
        return -1;
    }
    struct lf_str col[W3C_MAX_COLS];
    /* cloudfront: TABs; w3c: spaces (IIS), or TABs too (the W3C draft allows both) */
    char sep = r->kind == LF_CLOUDFRONT ? '\t' : ' ';
    int both = r->kind == LF_W3C && memchr(p, '\t', (size_t)(e - p));
    int n = 0;
    while (n <= L->maxcol || n < L->ncols) {
        const char *q = p;
        if (!both) q = memchr(p, sep, (size_t)(e - p));
        else
            while (q < e && *q != ' ' && *q != '\t') q++;
        if (q == e) q = NULL;
        if (n <= L->maxcol) {
            col[n].p = p;
            col[n].n = (size_t)((q ? q : e) - p);
        }
        n++;
        if (!q) break;
        p = q + 1;
    }
    if (n < L->ncols) return lf_reasonf(st, reason, "missing fields (%d of the %d in #Fields)", n, L->ncols);
    if (w3c_time(st, col[L->c_date], col[L->c_time], &o->t, reason)) return -1;
    if (lf_status_lb(col[L->c_status].p, col[L->c_status].n, &o->status)) {
        *reason = "bad status";
        return -1;
    }
    o->host = col[L->c_ip];
    if (L->c_user >= 0) o->user = col[L->c_user];
    for (int k = 0; k < r->nxf; k++)
        if (L->c_xf[k] >= 0) o->xf[k] = col[L->c_xf[k]];
    w3c_request(st, L, col, o);
    return 0;
}
