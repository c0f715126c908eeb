/* semilist.c — see semilist.h. */
#include "util/semilist.h"
#include "util/xalloc.h"
#include <string.h>

int semilist_join(struct buf *b, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && buf_addc(b, ';')) return -1;
        for (const char *p = items[i]; *p; p++) {
            size_t k = strcspn(p, ";\\");
            if (buf_add(b, p, k)) return -1;
            p += k;
            if (!*p) break;
            if (buf_addc(b, '\\') || buf_addc(b, *p)) return -1;
        }
    }
    return 0;
}

void semilist_split(const char *s, char ***out, size_t *n)
{
    char *extra;
    semilist_split_extra(s, out, n, 0, &extra);
}

void semilist_split_extra(const char *s, char ***out, size_t *n, size_t extra, char **extra_at)
{
    size_t len = strlen(s), items = *s ? 1 : 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) i++;
        else if (s[i] == ';') items++;
    }
    char **v = xmalloc((items + 1) * sizeof *v + len + 1 + extra);
    *extra_at = (char *)(v + items + 1) + len + 1;
    char *t = (char *)(v + items + 1);
    size_t k = 0;
    if (items) v[k++] = t;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            *t++ = s[++i];
        } else if (s[i] == ';') {
            *t++ = 0;
            v[k++] = t;
        } else {
            *t++ = s[i];
        }
    }
    *t = 0;
    v[k] = NULL;
    *out = v;
    *n = items;
}
