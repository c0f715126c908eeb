/* tmpl.c — Mustache subset: compile to an op list, render from a context tree.
 *
 * Ops form a flat array. A section is [SECTION end=j] body… [END at j]; a plural is
 * [PLURAL sep=k end=j] one… [SEP at k] other… [END at j]. Names are stored as runs of
 * segments (offset/length into the template's copy of the source, plus an FNV-1a hash that
 * map lookups compare first). Rendering walks the ops recursively (depth ≤ TMPL_MAX_DEPTH)
 * with a context stack on the C stack. */
#include "notify/tmpl.h"
#include "util/err.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OP_TEXT, OP_VAR, OP_RAW, OP_SECTION, OP_INVERTED, OP_PLURAL, OP_SEP, OP_END };
enum { N_STR, N_BOOL, N_LIST, N_MAP };

#define TMPL_MAX_PATH 512 /* a section scope while checking names (compile time only) */

struct seg {
    uint32_t off, len, hash;
};

struct op {
    uint8_t kind;
    uint16_t nseg; /* name: segment count (0 = ".") */
    uint32_t line;
    uint32_t a; /* TEXT: source offset; named ops: first segment */
    uint32_t b; /* TEXT: length; SECTION/INVERTED/PLURAL: index of the END op */
    uint32_t c; /* PLURAL: index of the SEP op */
};

struct tmpl {
    char *name;
    char *src;
    size_t srclen;
    unsigned flags;
    struct op *ops;
    size_t nops, capops;
    struct seg *segs;
    size_t nsegs, capsegs;
};

struct tmpl_node {
    struct tmpl_ctx *ctx;
    const char *key;
    uint32_t keylen, hash;
    uint8_t kind, is_num, bval;
    const char *s;
    size_t slen;
    int64_t num;
    struct tmpl_node *first, *last, *next;
    size_t count;
    struct tmpl_node **tab; /* a map's open-addressing index once it has MAP_INDEX_MIN keys */
    uint32_t tabmask;
};
#define MAP_INDEX_MIN 8

struct chunk {
    struct chunk *next;
    size_t cap, used;
    max_align_t data[];
};
#define CHUNK_STD 16384

struct tmpl_ctx {
    struct chunk *head, *spare;
    int failed;
    char errmsg[160];
    struct tmpl_node root;
};

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* ======================================================================== compile */

struct open {
    uint32_t op, line, seg_a, seg_n;
    uint8_t kind; /* OP_SECTION, OP_INVERTED, OP_PLURAL */
    uint8_t seps;
    char scope[TMPL_MAX_PATH]; /* SECTION with a schema: the resolved full name */
};

struct parser {
    struct tmpl *t;
    const char *s;
    size_t n;
    uint32_t line; /* line number at position `at` */
    size_t at;
    const char *const *known;
    struct open stack[TMPL_MAX_DEPTH];
    int depth;
    char *err;
    size_t errlen;
};

static int perr(struct parser *p, uint32_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, uint32_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(p->err, p->errlen, "%s line %u: %s", p->t->name, (unsigned)line, msg);
    return -1;
}

/* advance the line counter to position `to` */
static void advance(struct parser *p, size_t to)
{
    const char *q = p->s + p->at, *e = p->s + to;
    while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
        p->line++;
        q++;
    }
    p->at = to;
}

static int push_op(struct parser *p, struct op o)
{
    struct tmpl *t = p->t;
    if (t->nops == t->capops) {
        size_t nc = t->capops ? t->capops * 2 : 64;
        struct op *n = realloc(t->ops, nc * sizeof *n);
        if (!n) return perr(p, p->line, "out of memory");
        t->ops = n;
        t->capops = nc;
    }
    if (t->nops >= UINT32_MAX / 2) return perr(p, p->line, "template too large");
    t->ops[t->nops++] = o;
    return 0;
}

static int emit_text_raw(struct parser *p, size_t a, size_t b)
{
    if (a >= b) return 0;
    struct tmpl *t = p->t;
    if (t->nops && t->ops[t->nops - 1].kind == OP_TEXT && t->ops[t->nops - 1].a + t->ops[t->nops - 1].b == a) {
        t->ops[t->nops - 1].b += (uint32_t)(b - a);
        return 0;
    }
    struct op o = {.kind = OP_TEXT, .line = p->line, .a = (uint32_t)a, .b = (uint32_t)(b - a)};
    return push_op(p, o);
}

/* literal text [a, b); directly inside a plural a '|' separates the two forms */
static int emit_text(struct parser *p, size_t a, size_t b)
{
    if (p->depth == 0 || p->stack[p->depth - 1].kind != OP_PLURAL) return emit_text_raw(p, a, b);
    struct open *o = &p->stack[p->depth - 1];
    while (a < b) {
        const char *bar = memchr(p->s + a, '|', b - a);
        size_t e = bar ? (size_t)(bar - p->s) : b;
        if (emit_text_raw(p, a, e)) return -1;
        if (!bar) break;
        if (o->seps) return perr(p, o->line, "plural has more than one '|'");
        o->seps = 1;
        p->t->ops[o->op].c = (uint32_t)p->t->nops;
        struct op sep = {.kind = OP_SEP, .line = p->line};
        if (push_op(p, sep)) return -1;
        a = e + 1;
    }
    return 0;
}

/* parse a dotted name in s[a, b) (already trimmed) into segments */
static int parse_name(struct parser *p, uint32_t line, size_t a, size_t b, uint32_t *seg_a, uint32_t *seg_n)
{
    struct tmpl *t = p->t;
    if (a == b) return perr(p, line, "empty tag");
    if (b - a > TMPL_MAX_NAME) return perr(p, line, "name too long");
    *seg_a = (uint32_t)t->nsegs;
    *seg_n = 0;
    if (b - a == 1 && p->s[a] == '.') return 0;
    size_t i = a;
    while (1) {
        size_t st = i;
        while (i < b && is_name_char((unsigned char)p->s[i])) i++;
        if (i == st || (i < b && p->s[i] != '.') || (i + 1 == b && p->s[i] == '.'))
            return perr(p, line, "invalid name '%.*s'", (int)(b - a), p->s + a);
        if (t->nsegs == t->capsegs) {
            size_t nc = t->capsegs ? t->capsegs * 2 : 32;
            struct seg *ns = realloc(t->segs, nc * sizeof *ns);
            if (!ns) return perr(p, line, "out of memory");
            t->segs = ns;
            t->capsegs = nc;
        }
        t->segs[t->nsegs++] = (struct seg){(uint32_t)st, (uint32_t)(i - st), fnv1a(p->s + st, i - st)};
        (*seg_n)++;
        if (i == b) return 0;
        i++; /* the dot */
    }
}

/* is the full dotted name `full` in the schema (itself, as a prefix of an entry, or under
 * an "x.*" entry)? */
static int schema_has(const char *const *known, const char *full, size_t n)
{
    for (const char *const *k = known; *k; k++) {
        size_t kl = strlen(*k);
        if (kl == n && memcmp(*k, full, n) == 0) return 1;
        if (kl > n && memcmp(*k, full, n) == 0 && (*k)[n] == '.') return 1;
        if (kl >= 2 && (*k)[kl - 1] == '*' && (*k)[kl - 2] == '.') {
            size_t pl = kl - 2; /* "a.*": "a" and "a.anything" */
            if (n >= pl && memcmp(*k, full, pl) == 0 && (n == pl || full[pl] == '.')) return 1;
        }
    }
    return 0;
}

/* check a name against the schema; on success write the resolved full name to `resolved`
 * (when not NULL) */
static int check_known(struct parser *p, uint32_t line, size_t a, size_t b, char *resolved)
{
    if (!p->known) return 0;
    size_t n = b - a;
    char full[TMPL_MAX_PATH + TMPL_MAX_NAME + 2];
    for (int d = p->depth - 1; d >= 0; d--) {
        const struct open *o = &p->stack[d];
        if (o->kind != OP_SECTION || !o->scope[0]) continue;
        size_t sl = strlen(o->scope);
        memcpy(full, o->scope, sl);
        full[sl] = '.';
        memcpy(full + sl + 1, p->s + a, n);
        if (schema_has(p->known, full, sl + 1 + n)) {
            if (resolved) {
                if (sl + 1 + n >= TMPL_MAX_PATH) return perr(p, line, "sections nested too deeply");
                memcpy(resolved, full, sl + 1 + n);
                resolved[sl + 1 + n] = 0;
            }
            return 0;
        }
    }
    if (schema_has(p->known, p->s + a, n)) {
        if (resolved) {
            memcpy(resolved, p->s + a, n);
            resolved[n] = 0;
        }
        return 0;
    }
    return perr(p, line, "unknown placeholder '%.*s'", (int)n, p->s + a);
}

static void trim(const char *s, size_t *a, size_t *b)
{
    while (*a < *b && (s[*a] == ' ' || s[*a] == '\t')) (*a)++;
    while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t')) (*b)--;
}

/* {{#name}}, {{^name}} or {{#plural name}}: open a section (the name inside [ca, cb)) */
static int open_section(struct parser *p, uint32_t line, char kind, size_t ca, size_t cb)
{
    const char *s = p->s;
    uint32_t sa, sn;
    if (p->depth == TMPL_MAX_DEPTH) return perr(p, line, "sections nested deeper than %d", TMPL_MAX_DEPTH);
    struct open *o = &p->stack[p->depth];
    memset(o, 0, sizeof *o);
    uint8_t okind = kind == '#' ? OP_SECTION : OP_INVERTED;
    if (kind == '#' && cb - ca > 7 && memcmp(s + ca, "plural", 6) == 0 && (s[ca + 6] == ' ' || s[ca + 6] == '\t')) {
        okind = OP_PLURAL;
        ca += 7;
        trim(s, &ca, &cb);
    }
    if (parse_name(p, line, ca, cb, &sa, &sn)) return -1;
    if (sn == 0) return perr(p, line, "'.' cannot open a section");
    if (check_known(p, line, ca, cb, okind == OP_SECTION ? o->scope : NULL)) return -1;
    o->op = (uint32_t)p->t->nops;
    o->line = line;
    o->seg_a = sa;
    o->seg_n = sn;
    o->kind = okind;
    struct op op = {.kind = okind, .nseg = (uint16_t)sn, .line = line, .a = sa};
    if (push_op(p, op)) return -1;
    p->depth++;
    return 0;
}

/* {{/name}}: close the innermost section, which must have that name */
static int close_section(struct parser *p, uint32_t line, size_t ca, size_t cb)
{
    const char *s = p->s;
    if (p->depth == 0) return perr(p, line, "'{{/%.*s}}' closes no section", (int)(cb - ca), s + ca);
    struct open *o = &p->stack[p->depth - 1];
    const struct seg *f = &p->t->segs[o->seg_a], *l = f + o->seg_n - 1;
    size_t oa = f->off, on = l->off + l->len - f->off;
    int match = o->kind == OP_PLURAL ? (cb - ca == 6 && memcmp(s + ca, "plural", 6) == 0)
                                     : (cb - ca == on && memcmp(s + ca, s + oa, on) == 0);
    if (!match)
        return perr(p, line, "'{{/%.*s}}' does not close %s '%.*s' (line %u)", (int)(cb - ca), s + ca,
                    o->kind == OP_PLURAL ? "plural" : "section", (int)on, s + oa, (unsigned)o->line);
    if (o->kind == OP_PLURAL && !o->seps)
        return perr(p, o->line, "plural '%.*s' needs two forms: 'one|other'", (int)on, s + oa);
    p->t->ops[o->op].b = (uint32_t)p->t->nops;
    struct op op = {.kind = OP_END, .line = line};
    if (push_op(p, op)) return -1;
    p->depth--;
    return 0;
}

/* a tag from TS: its kind ('#', '^', '/', '!', '&' or 0), the name [*ca, *cb) and its end *te */
static int read_tag(struct parser *p, uint32_t line, size_t ts, char *kind, int *triple, size_t *ca, size_t *cb,
                    size_t *te)
{
    const char *s = p->s;
    size_t n = p->n, c = ts + 2;
    *kind = 0;
    *triple = 0;
    if (c < n && s[c] == '{') {
        *triple = 1;
        const char *e = memmem(s + c + 1, n - c - 1, "}}}", 3);
        if (!e) return perr(p, line, "unclosed tag '{{{'");
        *ca = c + 1;
        *cb = (size_t)(e - s);
        *te = *cb + 3;
    } else {
        const char *e = memmem(s + c, n - c, "}}", 2);
        if (!e) return perr(p, line, "unclosed tag '{{'");
        if (c < (size_t)(e - s) && s[c] && strchr("#^/!&>=", s[c])) *kind = s[c++];
        *ca = c;
        *cb = (size_t)(e - s);
        *te = *cb + 2;
    }
    if (*kind == '>') return perr(p, line, "partials ('{{>') are not supported");
    if (*kind == '=') return perr(p, line, "delimiter changes ('{{=') are not supported");
    trim(s, ca, cb);
    return 0;
}

/* Is the tag [ts, te) of KIND alone on its line (only white space before it since TEXT_START and
 * after it)? Then 1, with *ls where its line starts and *after past the line's end. */
static int standalone(const struct parser *p, char kind, size_t text_start, size_t ts, size_t te, size_t *ls,
                      size_t *after)
{
    const char *s = p->s;
    size_t n = p->n;
    *ls = ts;
    *after = te;
    if (kind != '#' && kind != '^' && kind != '/' && kind != '!') return 0;
    while (*ls > text_start && (s[*ls - 1] == ' ' || s[*ls - 1] == '\t')) (*ls)--;
    if (!(*ls == 0 || s[*ls - 1] == '\n')) return 0;
    size_t r = te;
    while (r < n && (s[r] == ' ' || s[r] == '\t')) r++;
    if (r == n) {
        *after = r;
        return 1;
    }
    if (s[r] == '\n') {
        *after = r + 1;
        return 1;
    }
    if (s[r] == '\r' && r + 1 < n && s[r + 1] == '\n') {
        *after = r + 2;
        return 1;
    }
    return 0;
}

static int compile(struct parser *p)
{
    const char *s = p->s;
    size_t n = p->n, text_start = 0, pos = 0;
    while (pos < n) {
        const char *q = memmem(s + pos, n - pos, "{{", 2);
        if (!q) break;
        size_t ts = (size_t)(q - s), ca = 0, cb = 0, te = 0, ls = 0, after = 0;
        advance(p, ts);
        uint32_t line = p->line, sa, sn;
        char kind;
        int triple;
        if (read_tag(p, line, ts, &kind, &triple, &ca, &cb, &te)) return -1;
        int alone = standalone(p, kind, text_start, ts, te, &ls, &after);
        if (emit_text(p, text_start, alone ? ls : ts)) return -1;
        if (kind == '!') {
            /* comment */
        } else if (kind == '#' || kind == '^') {
            if (open_section(p, line, kind, ca, cb)) return -1;
        } else if (kind == '/') {
            if (close_section(p, line, ca, cb)) return -1;
        } else {
            int raw = triple || kind == '&';
            if (parse_name(p, line, ca, cb, &sa, &sn)) return -1;
            if (sn && check_known(p, line, ca, cb, NULL)) return -1;
            struct op op = {.kind = raw ? OP_RAW : OP_VAR, .nseg = (uint16_t)sn, .line = line, .a = sa};
            if (push_op(p, op)) return -1;
        }
        advance(p, after);
        pos = text_start = after;
    }
    if (emit_text(p, text_start, n)) return -1;
    advance(p, n);
    if (p->depth) {
        const struct open *o = &p->stack[p->depth - 1];
        const struct seg *f = &p->t->segs[o->seg_a], *l = f + o->seg_n - 1;
        return perr(p, o->line, "unclosed %s '%.*s'", o->kind == OP_PLURAL ? "plural" : "section",
                    (int)(l->off + l->len - f->off), s + f->off);
    }
    return 0;
}

struct tmpl *tmpl_compile(const char *name, const char *src, size_t len, unsigned flags, const char *const *known,
                          char *err, size_t errlen)
{
    if (!name) name = "template";
    if (len > TMPL_MAX_SOURCE) {
        err_set(err, errlen, "%s: template larger than %zu bytes", name, TMPL_MAX_SOURCE);
        return NULL;
    }
    struct tmpl *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name)) || !(t->src = malloc(len + 1))) {
        err_set(err, errlen, "%s: out of memory", name);
        tmpl_free(t);
        return NULL;
    }
    if (len) memcpy(t->src, src, len);
    t->src[len] = 0;
    t->srclen = len;
    t->flags = flags;
    struct parser p = {.t = t, .s = t->src, .n = len, .line = 1, .known = known, .err = err, .errlen = errlen};
    if (compile(&p)) {
        tmpl_free(t);
        return NULL;
    }
    return t;
}

void tmpl_free(struct tmpl *t)
{
    if (!t) return;
    free(t->name);
    free(t->src);
    free(t->ops);
    free(t->segs);
    free(t);
}

const char *tmpl_name(const struct tmpl *t)
{
    return t->name;
}

/* ========================================================================= render */

/* bytes an escape adds: &amp; &lt; &gt; &quot; &#39; */
static const unsigned char html_special[256] = {
    ['&'] = 4, ['<'] = 3, ['>'] = 3, ['"'] = 5, ['\''] = 4,
};

int tmpl_escape_html(struct buf *out, const char *s, size_t n)
{
    size_t extra = 0;
    for (size_t i = 0; i < n; i++) extra += html_special[(unsigned char)s[i]];
    if (buf_reserve(out, n + extra)) return -1;
    char *d = out->p + out->len;
    size_t i = 0;
    while (i < n) {
        size_t st = i;
        while (i < n && !html_special[(unsigned char)s[i]]) i++;
        memcpy(d, s + st, i - st);
        d += i - st;
        if (i == n) break;
        const char *rep;
        size_t rl;
        switch (s[i++]) {
        case '&':
            rep = "&amp;";
            rl = 5;
            break;
        case '<':
            rep = "&lt;";
            rl = 4;
            break;
        case '>':
            rep = "&gt;";
            rl = 4;
            break;
        case '"':
            rep = "&quot;";
            rl = 6;
            break;
        default:
            rep = "&#39;";
            rl = 5;
            break;
        }
        memcpy(d, rep, rl);
        d += rl;
    }
    size_t nl = (size_t)(d - out->p);
    out->len = nl;
    out->p[nl] = 0;
    return 0;
}

struct rstate {
    const struct tmpl *t;
    struct buf *out;
    uint64_t steps; /* ops left to execute (TMPL_MAX_STEPS) */
    const struct tmpl_node *stack[TMPL_MAX_DEPTH + 2];
    int depth;
    char *err;
    size_t errlen;
};

static const struct tmpl_node *map_find(const struct tmpl_node *m, const char *k, uint32_t kl, uint32_t h)
{
    if (m->tab) {
        for (uint32_t i = h & m->tabmask;; i = (i + 1) & m->tabmask) {
            const struct tmpl_node *c = m->tab[i];
            if (!c) return NULL;
            if (c->hash == h && c->keylen == kl && memcmp(c->key, k, kl) == 0) return c;
        }
    }
    for (const struct tmpl_node *c = m->first; c; c = c->next)
        if (c->hash == h && c->keylen == kl && memcmp(c->key, k, kl) == 0) return c;
    return NULL;
}

static const struct tmpl_node *lookup(const struct rstate *r, const struct op *o)
{
    if (o->nseg == 0) return r->stack[r->depth - 1];
    const struct seg *sg = &r->t->segs[o->a];
    const char *src = r->t->src;
    const struct tmpl_node *v = NULL;
    for (int d = r->depth - 1; d >= 0 && !v; d--)
        if (r->stack[d]->kind == N_MAP) v = map_find(r->stack[d], src + sg[0].off, sg[0].len, sg[0].hash);
    for (unsigned i = 1; v && i < o->nseg; i++)
        v = v->kind == N_MAP ? map_find(v, src + sg[i].off, sg[i].len, sg[i].hash) : NULL;
    return v;
}

static int rerr(struct rstate *r, const struct op *o, const char *what)
{
    if (o->nseg == 0) {
        err_set(r->err, r->errlen, "%s line %u: %s '.'", r->t->name, (unsigned)o->line, what);
        return -1;
    }
    const struct seg *f = &r->t->segs[o->a], *l = f + o->nseg - 1;
    err_set(r->err, r->errlen, "%s line %u: %s '%.*s'", r->t->name, (unsigned)o->line, what,
            (int)(l->off + l->len - f->off), r->t->src + f->off);
    return -1;
}

static int overflow(struct rstate *r)
{
    err_set(r->err, r->errlen, "%s: output exceeds %zu bytes", r->t->name, r->out->max);
    return -1;
}

static int truthy(const struct tmpl_node *v)
{
    if (!v) return 0;
    switch (v->kind) {
    case N_BOOL: return v->bval;
    case N_STR: return v->is_num ? v->num != 0 : v->slen > 0;
    case N_LIST: return v->count > 0;
    default: return 1;
    }
}

/* the number a plural selects on: a number node, or a string of digits (with , . ' or
 * space as group separators, an optional leading '-') */
static int plural_value(const struct tmpl_node *v, int64_t *out)
{
    if (!v || v->kind != N_STR) return -1;
    if (v->is_num) {
        *out = v->num;
        return 0;
    }
    size_t i = 0, digits = 0;
    int neg = 0;
    int64_t x = 0;
    if (i < v->slen && v->s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < v->slen; i++) {
        char ch = v->s[i];
        if (ch >= '0' && ch <= '9') {
            if (x < INT64_MAX / 10) x = x * 10 + (ch - '0');
            digits++;
        } else if (!(digits && (ch == ',' || ch == '.' || ch == '\'' || ch == ' '))) {
            return -1;
        }
    }
    if (!digits) return -1;
    *out = neg ? -x : x;
    return 0;
}

static int render_range(struct rstate *r, uint32_t i, uint32_t end)
{
    const struct op *ops = r->t->ops;
    while (i < end) {
        const struct op *o = &ops[i];
        if (r->steps-- == 0) {
            err_set(r->err, r->errlen,
                    "%s line %u: template needs more than %llu steps "
                    "(sections nested over long lists?)",
                    r->t->name, (unsigned)o->line, (unsigned long long)TMPL_MAX_STEPS);
            return -1;
        }
        switch (o->kind) {
        case OP_TEXT:
            if (buf_reserve(r->out, o->b)) return overflow(r);
            memcpy(r->out->p + r->out->len, r->t->src + o->a, o->b);
            r->out->len += o->b;
            i++;
            break;
        case OP_VAR:
        case OP_RAW: {
            const struct tmpl_node *v = lookup(r, o);
            if (!v) return rerr(r, o, "no value for");
            if (v->kind != N_STR) return rerr(r, o, "not text:");
            if (o->kind == OP_VAR && (r->t->flags & TMPL_HTML)) {
                if (tmpl_escape_html(r->out, v->s, v->slen)) return overflow(r);
            } else {
                if (buf_reserve(r->out, v->slen)) return overflow(r);
                memcpy(r->out->p + r->out->len, v->s, v->slen);
                r->out->len += v->slen;
            }
            i++;
            break;
        }
        case OP_SECTION: {
            const struct tmpl_node *v = lookup(r, o);
            if (v && v->kind == N_LIST) {
                for (const struct tmpl_node *it = v->first; it; it = it->next) {
                    r->stack[r->depth++] = it;
                    int rc = render_range(r, i + 1, o->b);
                    r->depth--;
                    if (rc) return rc;
                }
            } else if (truthy(v)) {
                r->stack[r->depth++] = v;
                int rc = render_range(r, i + 1, o->b);
                r->depth--;
                if (rc) return rc;
            }
            i = o->b + 1;
            break;
        }
        case OP_INVERTED:
            if (!truthy(lookup(r, o)) && render_range(r, i + 1, o->b)) return -1;
            i = o->b + 1;
            break;
        case OP_PLURAL: {
            int64_t x;
            const struct tmpl_node *v = lookup(r, o);
            if (!v) return rerr(r, o, "no value for");
            if (plural_value(v, &x)) return rerr(r, o, "not a number:");
            if (x == 1 ? render_range(r, i + 1, o->c) : render_range(r, o->c + 1, o->b)) return -1;
            i = o->b + 1;
            break;
        }
        default: i++; break;
        }
    }
    return 0;
}

int tmpl_render(const struct tmpl *t, const struct tmpl_node *root, struct buf *out, char *err, size_t errlen)
{
    if (!root) {
        err_set(err, errlen, "%s: no context", t->name);
        return -1;
    }
    if (root->ctx && root->ctx->failed) {
        err_set(err, errlen, "%s: bad context: %s", t->name, root->ctx->errmsg);
        return -1;
    }
    struct rstate r = {.t = t, .out = out, .steps = TMPL_MAX_STEPS, .depth = 1, .err = err, .errlen = errlen};
    r.stack[0] = root;
    size_t len0 = out->len;
    if (buf_reserve(out, 0)) {
        err_set(err, errlen, "%s: output exceeds %zu bytes", t->name, out->max);
        return -1;
    }
    if (render_range(&r, 0, (uint32_t)t->nops)) {
        out->len = len0;
        if (out->p) out->p[len0] = 0;
        return -1;
    }
    out->p[out->len] = 0;
    return 0;
}

/* ======================================================================= contexts */

static void ctx_fail(struct tmpl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctx_fail(struct tmpl_ctx *c, const char *fmt, ...)
{
    if (c->failed) return;
    c->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
    va_end(ap);
}

static void *ctx_alloc(struct tmpl_ctx *c, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *h = c->head;
    if (h && h->cap - h->used >= n) {
        void *p = (char *)h->data + h->used;
        h->used += n;
        return p;
    }
    struct chunk *nc;
    if (n <= CHUNK_STD / 4 && c->spare) {
        nc = c->spare;
        c->spare = nc->next;
    } else {
        size_t cap = n <= CHUNK_STD / 4 ? CHUNK_STD : n;
        if (cap > SIZE_MAX - sizeof *nc || !(nc = malloc(sizeof *nc + cap))) {
            ctx_fail(c, "out of memory");
            return NULL;
        }
        nc->cap = cap;
    }
    nc->used = 0;
    /* a big chunk goes behind the head so the head's free space stays usable */
    if (nc->cap != CHUNK_STD && h) {
        nc->next = h->next;
        h->next = nc;
    } else {
        nc->next = h;
        c->head = nc;
    }
    void *p = nc->data;
    nc->used = n;
    return p;
}

struct tmpl_ctx *tmpl_ctx_new(void)
{
    struct tmpl_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->root.ctx = c;
    c->root.kind = N_MAP;
    return c;
}

void tmpl_ctx_reset(struct tmpl_ctx *c)
{
    struct chunk *h = c->head;
    while (h) {
        struct chunk *nx = h->next;
        if (h->cap == CHUNK_STD) {
            h->next = c->spare;
            c->spare = h;
        } else free(h);
        h = nx;
    }
    c->head = NULL;
    c->failed = 0;
    c->errmsg[0] = 0;
    memset(&c->root, 0, sizeof c->root);
    c->root.ctx = c;
    c->root.kind = N_MAP;
}

void tmpl_ctx_free(struct tmpl_ctx *c)
{
    if (!c) return;
    tmpl_ctx_reset(c);
    for (struct chunk *h = c->spare, *nx; h; h = nx) {
        nx = h->next;
        free(h);
    }
    free(c);
}

struct tmpl_node *tmpl_ctx_root(struct tmpl_ctx *c)
{
    return &c->root;
}

const char *tmpl_ctx_error(const struct tmpl_ctx *c)
{
    return c->failed ? c->errmsg : NULL;
}

static char *ctx_strdup(struct tmpl_ctx *c, const char *s, size_t n)
{
    char *d = ctx_alloc(c, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static struct tmpl_node *new_node(struct tmpl_ctx *c, uint8_t kind)
{
    struct tmpl_node *v = ctx_alloc(c, sizeof *v);
    if (!v) return NULL;
    memset(v, 0, sizeof *v);
    v->ctx = c;
    v->kind = kind;
    return v;
}

static void tab_put(struct tmpl_node **tab, uint32_t mask, struct tmpl_node *v)
{
    uint32_t i = v->hash & mask;
    while (tab[i]) i = (i + 1) & mask;
    tab[i] = v;
}

/* add V (just appended to MAP) to MAP's index, building or growing it (kept at most half full,
   in the context's memory); 0, or -1 when out of memory */
static int map_index(struct tmpl_node *map, struct tmpl_node *v)
{
    if (map->tab && map->count * 2 <= (size_t)map->tabmask + 1) {
        tab_put(map->tab, map->tabmask, v);
        return 0;
    }
    uint32_t cap = 32;
    while ((size_t)cap < map->count * 4) cap *= 2;
    struct tmpl_node **tab = ctx_alloc(map->ctx, cap * sizeof *tab);
    if (!tab) return -1;
    memset(tab, 0, cap * sizeof *tab);
    for (struct tmpl_node *c = map->first; c; c = c->next) tab_put(tab, cap - 1, c);
    map->tab = tab;
    map->tabmask = cap - 1;
    return 0;
}

/* the node for map[key], created or emptied; NULL on failure */
static struct tmpl_node *slot(struct tmpl_node *map, const char *key, uint8_t kind)
{
    if (!map) return NULL;
    struct tmpl_ctx *c = map->ctx;
    if (c->failed) return NULL;
    if (map->kind != N_MAP) {
        ctx_fail(c, "cannot set '%.60s': parent is not a map", key ? key : "");
        return NULL;
    }
    size_t kl = key ? strlen(key) : 0;
    int ok = kl > 0 && kl <= TMPL_MAX_NAME;
    for (size_t i = 0; ok && i < kl; i++) ok = is_name_char((unsigned char)key[i]);
    if (!ok) {
        ctx_fail(c, "invalid key '%.60s'", key ? key : "");
        return NULL;
    }
    uint32_t h = fnv1a(key, kl);
    struct tmpl_node *v = (struct tmpl_node *)map_find(map, key, (uint32_t)kl, h);
    if (v) {
        struct tmpl_node *nx = v->next;
        const char *k = v->key;
        memset(v, 0, sizeof *v);
        v->ctx = c;
        v->key = k;
        v->keylen = (uint32_t)kl;
        v->hash = h;
        v->next = nx;
        v->kind = kind;
        return v;
    }
    if (!(v = new_node(c, kind)) || !(v->key = ctx_strdup(c, key, kl))) return NULL;
    v->keylen = (uint32_t)kl;
    v->hash = h;
    if (map->last) map->last->next = v;
    else map->first = v;
    map->last = v;
    map->count++;
    if (map->count >= MAP_INDEX_MIN && map_index(map, v)) return NULL;
    return v;
}

struct tmpl_node *tmpl_set_strn(struct tmpl_node *map, const char *key, const char *val, size_t n)
{
    struct tmpl_node *v = slot(map, key, N_STR);
    if (!v) return NULL;
    if (!val) n = 0;
    if (!(v->s = ctx_strdup(v->ctx, val ? val : "", n))) return NULL;
    v->slen = n;
    return v;
}

struct tmpl_node *tmpl_set_str(struct tmpl_node *map, const char *key, const char *val)
{
    return tmpl_set_strn(map, key, val, val ? strlen(val) : 0);
}

struct tmpl_node *tmpl_set_num(struct tmpl_node *map, const char *key, int64_t v, const char *text)
{
    struct tmpl_node *n = tmpl_set_str(map, key, text);
    if (n) {
        n->is_num = 1;
        n->num = v;
    }
    return n;
}

struct tmpl_node *tmpl_set_int(struct tmpl_node *map, const char *key, int64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    return tmpl_set_num(map, key, v, tmp);
}

struct tmpl_node *tmpl_set_bool(struct tmpl_node *map, const char *key, int b)
{
    struct tmpl_node *v = slot(map, key, N_BOOL);
    if (v) v->bval = b != 0;
    return v;
}

struct tmpl_node *tmpl_set_map(struct tmpl_node *map, const char *key)
{
    return slot(map, key, N_MAP);
}
struct tmpl_node *tmpl_set_list(struct tmpl_node *map, const char *key)
{
    return slot(map, key, N_LIST);
}

static struct tmpl_node *list_add(struct tmpl_node *list, uint8_t kind)
{
    if (!list) return NULL;
    struct tmpl_ctx *c = list->ctx;
    if (c->failed) return NULL;
    if (list->kind != N_LIST) {
        ctx_fail(c, "cannot add an item to '%.*s': not a list", (int)list->keylen, list->key ? list->key : "");
        return NULL;
    }
    struct tmpl_node *v = new_node(c, kind);
    if (!v) return NULL;
    if (list->last) list->last->next = v;
    else list->first = v;
    list->last = v;
    list->count++;
    return v;
}

struct tmpl_node *tmpl_add_map(struct tmpl_node *list)
{
    return list_add(list, N_MAP);
}

struct tmpl_node *tmpl_add_str(struct tmpl_node *list, const char *val)
{
    struct tmpl_node *v = list_add(list, N_STR);
    if (!v) return NULL;
    size_t n = val ? strlen(val) : 0;
    if (!(v->s = ctx_strdup(v->ctx, val ? val : "", n))) return NULL;
    v->slen = n;
    return v;
}
