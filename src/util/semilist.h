/* semilist.h — a list of strings kept in one text: the items joined with ';', and inside an
 * item every '\' written "\\" and every ';' written "\;". The register stores an exposure's
 * pages so and the exposure CSV writes them so (docs/rules.md "The exposure CSV"), so that a
 * page whose path holds a ';' stays one page. */
#ifndef KT_SEMILIST_H
#define KT_SEMILIST_H
#include <stddef.h>
#include "util/buf.h"

/* Append ITEMS[0..N) to B as one list text. Returns 0, or -1 when B is full (buf_add). */
int semilist_join(struct buf *b, const char *const *items, size_t n);

/* The items of the list text S: *OUT is one allocation (free it with free()) holding N+1
 * pointers — the last NULL — and the items' text; "" has no item. A '\' stands for the byte
 * after it ("\;" is ';', "\\" is '\', "\x" is 'x'); a '\' at the very end is kept as it is.
 * Never fails (xalloc). */
void semilist_split(const char *s, char ***out, size_t *n);
/* the same with EXTRA bytes more in the allocation, at *EXTRA_AT, for the caller's own use */
void semilist_split_extra(const char *s, char ***out, size_t *n, size_t extra, char **extra_at);
#endif
