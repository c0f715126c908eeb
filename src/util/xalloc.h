/* xalloc.h — allocation that never returns NULL: on exhaustion the process prints
 * "klartext: out of memory" and exits 1. For the application layer; leaf modules that must
 * stay libc-only use malloc directly and report failure. */
#ifndef KT_XALLOC_H
#define KT_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Room for element N of the array P of *CAP elements of SIZE bytes (N ≤ *CAP): P itself while
   N < *CAP, else P grown (xrealloc) to twice *CAP elements, or to FIRST when it had none, with
   *CAP set to that. The new elements are not initialised. */
void *xgrow(void *p, size_t n, size_t *cap, size_t size, size_t first);
/* print "klartext: out of memory" and exit 1: for allocations made elsewhere (fopencookie) */
void xalloc_fail(void) __attribute__((noreturn));
/* printf into a new string (caller frees) */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
