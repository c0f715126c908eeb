/* guard.h — the format guard (guard.c): is a file in the rule's format at all? Internal to
 * src/scan/ (scan.c, the fuzzers and the unit tests). */
#ifndef KT_SCAN_GUARD_H
#define KT_SCAN_GUARD_H
#include "scan/scan_int.h"

#define GUARD_LINES 1000 /* the first non-empty lines of a file that are checked */

/* what the first lines of one work item showed */
struct guard {
    uint32_t seen; /* non-empty lines examined (w3c/cloudfront directives are not lines of the log) */
    int32_t first_ok; /* index (among them) of the first that parses in the rule's format, -1 */
    int32_t alt_first[LF_NKIND]; /* the same for each other format, while they are tried */
    int try_alts;
    int done; /* a line parsed, or GUARD_LINES were examined */
};

/* a worker's parser states for the guard: the rule's format and every other one */
struct guard_ctx {
    struct lf_state own;
    struct lf_state alt[LF_NKIND];
    scan_rule *alt_rule[LF_NKIND]; /* not owned */
};

/* rules of the other formats for the tries: alt[k] for every kind but the rule's own and
 * nginx (NULL); free with guard_rules_free */
void guard_rules_new(const scan_rule *r, scan_rule *alt[LF_NKIND]);
void guard_rules_free(scan_rule *alt[LF_NKIND]);
void guard_ctx_init(struct guard_ctx *c, scan_rule *const alt[LF_NKIND]);
void guard_ctx_release(struct guard_ctx *c);
/* a work item starts: g is reset; try_alts: also try the other formats (at the start of a
 * file); start: the w3c layout the item starts with (all zero: none) */
void guard_begin(struct guard *g, struct guard_ctx *c, int try_alts, const struct w3c_layout *start);
/* the item's next line (without '\n'), while !g->done */
void guard_line(struct guard *g, struct guard_ctx *c, const scan_rule *r, const char *line, size_t len);
/* a line longer than SCAN_MAX_LINE (it does not parse) */
void guard_long_line(struct guard *g);
/* The message for a file none of whose first nlines lines parse; alts: bit k when format k
 * parses one of them. "access.json: none of the first 1000 lines is a combined log line;
 * they parse as caddy (format = caddy)". */
void guard_message(char *out, size_t len, const char *file, const scan_rule *r, uint32_t nlines, unsigned alts);
#endif
