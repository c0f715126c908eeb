/* fuzz_tmpl.c — compile and render arbitrary templates.
 * Byte 0 chooses the mode: bit 0 HTML escaping, bit 1 check names against a schema,
 * bit 2 a tiny output limit. The rest is the template. Compile either fails with a message
 * or succeeds; a successful compile renders against a fixed context (strings, numbers,
 * bools, lists, maps) without crashing, within the output limit and the step budget. */
#include "notify/tmpl.h"
#include "util/buf.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const known[] = {"name", "n",     "one", "b",     "l",     "l.x", "l.y",
                                    "m.a",  "m.b.c", "s",   "empty", "org.*", NULL};

static struct tmpl_ctx *ctx;

static void build(void)
{
    ctx = tmpl_ctx_new();
    struct tmpl_node *r = tmpl_ctx_root(ctx);
    tmpl_set_str(r, "name", "J\xc3\xbcrgen <&\"'>");
    tmpl_set_int(r, "n", 3);
    tmpl_set_num(r, "one", 1, "eine");
    tmpl_set_bool(r, "b", 1);
    tmpl_set_str(r, "empty", "");
    struct tmpl_node *l = tmpl_set_list(r, "l");
    for (int i = 0; i < 4; i++) {
        struct tmpl_node *it = tmpl_add_map(l);
        tmpl_set_int(it, "x", i);
        if (i % 2) tmpl_set_str(it, "y", "odd");
    }
    struct tmpl_node *s = tmpl_set_list(r, "s");
    tmpl_add_str(s, "a");
    tmpl_add_str(s, "b");
    struct tmpl_node *m = tmpl_set_map(r, "m");
    tmpl_set_str(m, "a", "A");
    tmpl_set_str(tmpl_set_map(m, "b"), "c", "C");
    tmpl_set_str(tmpl_set_map(r, "org"), "dpo", "dpo@example.org");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) build();
    if (size < 1) return 0;
    unsigned mode = data[0];
    char err[256];
    struct tmpl *t = tmpl_compile("fuzz.txt", (const char *)data + 1, size - 1, mode & 1 ? TMPL_HTML : 0,
                                  mode & 2 ? known : NULL, err, sizeof err);
    if (!t) {
        if (!err[0] || strlen(err) >= sizeof err) abort();
        return 0;
    }
    size_t max = mode & 4 ? 64 : (size_t)1 << 20;
    struct buf b;
    buf_init(&b, max);
    err[0] = 0;
    int rc = tmpl_render(t, tmpl_ctx_root(ctx), &b, err, sizeof err);
    if (rc == 0 && (b.len > max || (b.p && b.p[b.len] != 0))) abort();
    if (rc != 0 && !err[0]) abort();
    /* rendering twice gives the same bytes */
    if (rc == 0) {
        struct buf b2;
        buf_init(&b2, max);
        if (tmpl_render(t, tmpl_ctx_root(ctx), &b2, err, sizeof err) != 0 || b2.len != b.len ||
            (b.len && memcmp(b.p, b2.p, b.len) != 0))
            abort();
        buf_release(&b2);
    }
    buf_release(&b);
    tmpl_free(t);
    return 0;
}
