/* guard.c — the format guard (docs/rules.md, "Never a silent zero"): the first 1,000
 * non-empty lines of every input are parsed in the rule's format, whether or not the
 * prefilter would pick them; a file none of whose first lines parse stops the scan with a
 * message that names the format(s) they do parse as. scan.c feeds each work item's first
 * lines through guard_line and judges each file from its items' guards. */
#include "scan/guard.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void guard_rules_new(const scan_rule *r, scan_rule *alt[LF_NKIND])
{
    for (int k = 0; k < LF_NKIND; k++) alt[k] = k == (int)r->kind ? NULL : rule_for_format(k);
}

void guard_rules_free(scan_rule *alt[LF_NKIND])
{
    for (int k = 0; k < LF_NKIND; k++) {
        scan_rule_free(alt[k]);
        alt[k] = NULL;
    }
}

void guard_ctx_init(struct guard_ctx *c, scan_rule *const alt[LF_NKIND])
{
    memset(c, 0, sizeof *c);
    lf_state_init(&c->own);
    for (int k = 0; k < LF_NKIND; k++) {
        lf_state_init(&c->alt[k]);
        c->alt_rule[k] = alt[k];
    }
}

void guard_ctx_release(struct guard_ctx *c)
{
    lf_state_release(&c->own);
    for (int k = 0; k < LF_NKIND; k++) lf_state_release(&c->alt[k]);
}

void guard_begin(struct guard *g, struct guard_ctx *c, int try_alts, const struct w3c_layout *start)
{
    memset(g, 0, sizeof *g);
    g->first_ok = -1;
    for (int k = 0; k < LF_NKIND; k++) g->alt_first[k] = -1;
    g->try_alts = try_alts;
    c->own.w3c = *start;
    c->own.w3c_dirs = c->own.w3c_data = 0;
    for (int k = 0; k < LF_NKIND; k++) {
        memset(&c->alt[k].w3c, 0, sizeof c->alt[k].w3c);
        c->alt[k].w3c_dirs = c->alt[k].w3c_data = 0;
    }
}

static void examined(struct guard *g)
{
    if (++g->seen >= GUARD_LINES) g->done = 1;
}

/* the other formats on one line (directives only update the w3c-like states) */
static void try_alts(struct guard *g, struct guard_ctx *c, const char *line, size_t len, int count)
{
    struct lf_line L;
    const char *why;
    for (int k = 1; k < LF_NKIND; k++) {
        if (!c->alt_rule[k] || (count && g->alt_first[k] >= 0)) continue;
        int rc = lf_parse(c->alt_rule[k], &c->alt[k], line, len, &L, &why);
        if (count && rc == LF_OK) g->alt_first[k] = (int32_t)g->seen;
    }
}

void guard_line(struct guard *g, struct guard_ctx *c, const scan_rule *r, const char *line, size_t len)
{
    struct lf_line L;
    const char *why;
    if (g->done) return;
    if (len && line[len - 1] == '\r') len--;
    if (!len) return;
    int rc = lf_parse(r, &c->own, line, len, &L, &why);
    if (rc == LF_DIRECTIVE) { /* w3c, cloudfront: not a line of the log; the others see it too */
        if (g->try_alts) try_alts(g, c, line, len, 0);
        return;
    }
    if (rc == LF_OK) {
        g->first_ok = (int32_t)g->seen;
        g->done = 1;
        g->seen++;
        return;
    }
    if (g->try_alts) try_alts(g, c, line, len, 1);
    examined(g);
}

void guard_long_line(struct guard *g)
{
    if (!g->done) examined(g);
}

/* the order in which formats are named; common only when combined does not parse too */
static const int name_order[] = {LF_COMBINED, LF_COMMON,     LF_JSONL, LF_ALB,     LF_ELB,
                                 LF_W3C,      LF_CLOUDFRONT, LF_CADDY, LF_TRAEFIK, LF_HAPROXY};

static const char *article(int kind)
{
    return kind == LF_ALB || kind == LF_ELB ? "an" : "a";
}

void guard_message(char *out, size_t len, const char *file, const scan_rule *r, uint32_t nlines, unsigned alts)
{
    char what[80], count[64], as[300];
    if (r->kind == LF_NGINX) snprintf(what, sizeof what, "a line of the rule's nginx log_format");
    else if (r->kind == LF_JSONL) snprintf(what, sizeof what, "a jsonl event");
    else snprintf(what, sizeof what, "%s %s log line", article(r->kind), lf_kind_name(r->kind));
    if (nlines >= GUARD_LINES) snprintf(count, sizeof count, "none of the first %u lines is", nlines);
    else if (nlines == 1) snprintf(count, sizeof count, "its only line is not");
    else snprintf(count, sizeof count, "none of its %u lines is", nlines);
    if (alts & 1u << LF_COMBINED) alts &= ~(1u << LF_COMMON);
    size_t n = 0;
    as[0] = 0;
    for (size_t i = 0; i < sizeof name_order / sizeof name_order[0]; i++) {
        int k = name_order[i];
        if (!(alts & 1u << k)) continue;
        const char *nm = lf_kind_name(k);
        int w = snprintf(as + n, sizeof as - n, "%s%s (format = %s)", n ? " or " : "", nm, nm);
        if (w > 0 && (size_t)w < sizeof as - n) n += (size_t)w;
    }
    if (n) snprintf(out, len, "%s: %s %s; they parse as %s", file, count, what, as);
    else
        snprintf(out, len, "%s: %s %s, nor of any other format klartext reads (docs/rules.md lists them)", file, count,
                 what);
}
