/* tmpl.h — a small logic-less Mustache subset for notices (a leaf: libc and util/buf, util/err).
 *
 * Language (docs/templates.md has the user's view):
 *   {{name}}        the value; HTML-escaped (& < > " ') in HTML templates, verbatim in text ones
 *   {{{name}}}      the value, never escaped ({{&name}} is the same)
 *   {{#name}}…{{/name}}  section: shown when the value is truthy; once per item for a list
 *   {{^name}}…{{/name}}  inverted section: shown when the value is missing or falsy
 *   {{! comment }}  dropped
 *   {{#plural n}}one form|other form{{/plural}}  the one form when the number n is 1, else
 *                   the other form (German and English know only these two forms)
 *   person.name     dotted names; {{.}} is the current item of a section
 * Tags alone on a line (sections, inverted, plural, comments) remove the whole line, so
 * section markup leaves no blank lines (Mustache's "standalone" rule).
 *
 * Truthiness: missing = false; bool as set; a number is false when 0; a string when empty;
 * a list when it has no items; a map is always true (and becomes the current context).
 * A placeholder ({{x}}, {{{x}}}) whose value is missing, a bool, a list or a map is a render
 * error, never a blank in a letter. A name the caller's schema does not know is a compile
 * error.
 *
 * Performance: tmpl_compile parses once into an op list; tmpl_render does no parsing and no
 * allocation except growing the output buffer. A compiled template is immutable: one may be
 * rendered from many threads at once (each with its own context and buffer). */
#ifndef KT_TMPL_H
#define KT_TMPL_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

#define TMPL_MAX_SOURCE ((size_t)1 << 20) /* template size limit, bytes */
#define TMPL_MAX_DEPTH 32 /* nesting of sections */
#define TMPL_MAX_NAME 128 /* a dotted name, bytes */
#define TMPL_MAX_STEPS 4000000 /* ops one render may execute (nested lists) */

enum {
    TMPL_HTML = 1 /* {{x}} escapes & < > " ' (else a text template: verbatim) */
};

struct tmpl; /* compiled template */
struct tmpl_ctx; /* arena holding a context tree */
struct tmpl_node; /* a value: string (or number), bool, list or map */

/* ---- templates ---- */

/* Compile `len` bytes of `src` (UTF-8, at most TMPL_MAX_SOURCE). `name` is used in messages
 * ("notice.en.txt line 12: unclosed section 'foo'"). `flags`: 0 or TMPL_HTML.
 * `known`: NULL-terminated list of the names the caller's data model provides; a name used
 * in the template must resolve against it (see docs/templates.md: inside {{#a}} the name
 * `b` may mean `a.b` or `b`; an entry "a.b" makes `a` known too; "a.*" allows anything under
 * `a`). known == NULL disables the check.
 * Returns a new template (free with tmpl_free), or NULL with err filled. The template
 * keeps its own copy of src and name. */
struct tmpl *tmpl_compile(const char *name, const char *src, size_t len, unsigned flags, const char *const *known,
                          char *err, size_t errlen);
void tmpl_free(struct tmpl *t);
/* the name given to tmpl_compile (owned by t) */
const char *tmpl_name(const struct tmpl *t);

/* Render t with `root` (normally tmpl_ctx_root) as the outermost context and append the
 * result to out (a struct buf, util/buf.h; reuse it across renders with buf_reset). Fails when
 * out->len would exceed out->max, when the render would execute more than TMPL_MAX_STEPS ops
 * (sections nested over long lists), when a placeholder has no text value ("notice.en.txt
 * line 3: no value for 'person.name'"), when a plural's number is not a number, or when the
 * context tree failed to build (see tmpl_ctx_error). On failure out->len is unchanged (its
 * content past len is unspecified). Returns 0 or -1 with err. */
int tmpl_render(const struct tmpl *t, const struct tmpl_node *root, struct buf *out, char *err, size_t errlen);

/* Append s[0..n) HTML-escaped (& < > " ' → &amp; &lt; &gt; &quot; &#39;) to out.
 * Returns 0, or -1 when out->len would exceed out->max. */
int tmpl_escape_html(struct buf *out, const char *s, size_t n);

/* ---- context trees ----
 * All nodes live in one arena owned by the tmpl_ctx and are freed together with it.
 * Building never needs error checks in between: a failing call (out of memory, a bad key,
 * adding to a non-map) returns NULL, calls on a NULL parent return NULL, and the context
 * remembers the first failure (tmpl_ctx_error); tmpl_render refuses a failed context.
 * Keys are one name segment: [A-Za-z0-9_-], 1..TMPL_MAX_NAME bytes, no dots. Setting an
 * existing key replaces its value. Strings are copied. */

/* new empty context (root = empty map), NULL if out of memory */
struct tmpl_ctx *tmpl_ctx_new(void);
/* drop every node (keeps the arena's memory for the next notice); root is an empty map again */
void tmpl_ctx_reset(struct tmpl_ctx *c);
void tmpl_ctx_free(struct tmpl_ctx *c);
/* the root map (owned by c) */
struct tmpl_node *tmpl_ctx_root(struct tmpl_ctx *c);
/* NULL while all went well, else the first failure ("invalid key 'a.b'"), owned by c */
const char *tmpl_ctx_error(const struct tmpl_ctx *c);

/* map[key] = string (val NUL-terminated, or n bytes) */
struct tmpl_node *tmpl_set_str(struct tmpl_node *map, const char *key, const char *val);
struct tmpl_node *tmpl_set_strn(struct tmpl_node *map, const char *key, const char *val, size_t n);
/* map[key] = number v, shown as plain decimal digits ("1234") */
struct tmpl_node *tmpl_set_int(struct tmpl_node *map, const char *key, int64_t v);
/* map[key] = number v shown as `text` (e.g. "1.234" or "drei"); plurals and truthiness use v */
struct tmpl_node *tmpl_set_num(struct tmpl_node *map, const char *key, int64_t v, const char *text);
/* map[key] = true / false (v != 0) */
struct tmpl_node *tmpl_set_bool(struct tmpl_node *map, const char *key, int v);
/* map[key] = new empty map / list; returns it for filling */
struct tmpl_node *tmpl_set_map(struct tmpl_node *map, const char *key);
struct tmpl_node *tmpl_set_list(struct tmpl_node *map, const char *key);
/* append a new empty map / a string to a list; returns the new item */
struct tmpl_node *tmpl_add_map(struct tmpl_node *list);
struct tmpl_node *tmpl_add_str(struct tmpl_node *list, const char *val);
#endif
