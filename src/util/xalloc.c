#include "util/xalloc.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void xalloc_fail(void)
{
    static const char msg[] = "klartext: out of memory\n";
    if (write(2, msg, sizeof msg - 1) < 0) { /* nothing more we can do */
    }
    _exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) xalloc_fail();
    return p;
}
void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s ? s : 1);
    if (!p) xalloc_fail();
    return p;
}
void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) xalloc_fail();
    return p;
}
void *xgrow(void *p, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap) return p;
    size_t c = *cap ? *cap * 2 : first;
    if (c < *cap || (size && c > SIZE_MAX / size)) xalloc_fail(); /* more than the address space */
    *cap = c;
    return xrealloc(p, c * size);
}
char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) xalloc_fail();
    return p;
}
char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p) xalloc_fail();
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) xalloc_fail();
    return s;
}
