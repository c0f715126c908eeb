/* fuzz_lf.h — what the line-parser fuzzers of issue 14 share (fuzz_lbline, fuzz_w3c,
 * fuzz_jsonlog, fuzz_haproxy): a byte reader over the input, and the check that two parses of
 * one line agree exactly (a parser state warmed by earlier lines against a fresh one, and
 * the line with a CR appended: the time caches and CRLF handling may never change a result). */
#ifndef KT_FUZZ_LF_H
#define KT_FUZZ_LF_H
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct src {
    const uint8_t *p;
    size_t n, i;
};
static inline unsigned src_byte(struct src *s)
{
    return s->i < s->n ? s->p[s->i++] : 0;
}
static inline unsigned src_u16(struct src *s)
{
    unsigned a = src_byte(s);
    return a << 8 | src_byte(s);
}
/* up to max bytes from the input, each mapped into the printable range without the bytes
 * in `bad` (for values that must not hold the separators) */
static inline size_t src_text(struct src *s, char *out, size_t max, const char *bad)
{
    size_t n = src_byte(s) % (max + 1), k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = (char)(0x21 + src_byte(s) % 94);
        if (strchr(bad, c)) c = 'x';
        out[k++] = c;
    }
    out[k] = 0;
    return k;
}

static inline int lf_str_eq(struct lf_str a, struct lf_str b)
{
    return a.n == b.n && (a.n == 0 || (a.p && b.p && memcmp(a.p, b.p, a.n) == 0));
}

static inline int lf_str_is(struct lf_str a, const char *s)
{
    return a.p && a.n == strlen(s) && !memcmp(a.p, s, a.n);
}

/* two parses must agree: result, reason, and every field the scanner reads */
static inline void lf_agree(const scan_rule *r, int rc1, const char *why1, const struct lf_line *a, int rc2,
                            const char *why2, const struct lf_line *b, const char *line, size_t len)
{
    int ok = rc1 == rc2;
    if (ok && rc1 == LF_MALFORMED) ok = strcmp(why1, why2) == 0;
    if (ok && rc1 == LF_OK) {
        ok = a->t == b->t && lf_str_eq(a->host, b->host) && lf_str_eq(a->user, b->user) &&
             lf_str_eq(a->method, b->method) && lf_str_eq(a->target, b->target) && a->odd == b->odd &&
             a->has_request == b->has_request && a->status == b->status;
        for (int k = 0; k < r->nxf; k++) ok = ok && lf_str_eq(a->xf[k], b->xf[k]);
    }
    if (!ok) {
        fprintf(stderr, "two parses of '%.*s' differ: %d '%s' / %d '%s'\n", (int)len, line, rc1, rc1 ? why1 : "", rc2,
                rc2 ? why2 : "");
        abort();
    }
}

/* a valid parse holds what the scanner relies on */
static inline void lf_sane(int rc, const char *why, const struct lf_line *o)
{
    if (rc == LF_MALFORMED && (!why || !*why)) abort();
    if (rc != LF_OK) return;
    if (o->has_request && !o->odd && (!o->target.p || !o->method.p)) abort();
    if (o->host.n && !o->host.p) abort();
    if (o->status != -1 && (o->status < 0 || o->status > 999)) abort();
}

/* st as lf_state_init leaves it, but with the scratch buffer it had: lf_parse allocates 4 KB of
 * scratch in a new state, and two of those per line (filled and quarantined by ASan) were a
 * third of the line fuzzers' time */
static inline void lf_state_fresh(struct lf_state *st)
{
    char *scratch = st->scratch;
    size_t cap = st->scratch_cap;
    lf_state_init(st);
    st->scratch = scratch;
    st->scratch_cap = cap;
}

/* line parsed with the warm state, a fresh one (given the layout of w3c directives the warm
 * one had before) and with a CR appended: all agree, and leave the same layout */
static inline void lf_three(const scan_rule *r, struct lf_state *warm, const char *line, size_t len)
{
    static struct lf_state f2, f3; /* fresh for every line (lf_state_fresh); never released */
    struct lf_line o1, o2, o3;
    const char *w1 = "", *w2 = "", *w3 = "";
    lf_state_fresh(&f2);
    lf_state_fresh(&f3);
    f2.w3c = f3.w3c = warm->w3c;
    char *cr = malloc(len + 1);
    memcpy(cr, line, len);
    cr[len] = '\r';
    int rc2 = lf_parse(r, &f2, line, len, &o2, &w2);
    lf_sane(rc2, w2, &o2);
    int rc1 = lf_parse(r, warm, line, len, &o1, &w1);
    lf_agree(r, rc1, w1, &o1, rc2, w2, &o2, line, len);
    if (!len || line[len - 1] != '\r') {
        int rc3 = lf_parse(r, &f3, cr, len + 1, &o3, &w3);
        lf_agree(r, rc2, w2, &o2, rc3, w3, &o3, line, len);
        if (memcmp(&f3.w3c, &f2.w3c, sizeof f2.w3c)) abort();
    }
    if (memcmp(&warm->w3c, &f2.w3c, sizeof f2.w3c)) abort();
    free(cr);
}
/* every line of d (split at '\n') through lf_three with one warm state */
static inline void lf_raw_lines(const scan_rule *r, struct lf_state *warm, const uint8_t *d, size_t n)
{
    const char *p = (const char *)d, *end = p + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        lf_three(r, warm, p, (size_t)(e - p));
        p = e + 1;
    }
}
#endif
