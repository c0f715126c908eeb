/* buf.h — a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Invariant: p is NUL-terminated whenever p != NULL; len excludes the NUL.
 * Appends past `max` fail with -1 and leave the buffer unchanged, so input from outside
 * (a log line, an HTTP body) becomes a counted error, never unbounded memory.
 * Lifecycle: buf_init → appends → buf_release (frees p) or buf_detach (caller owns p).
 * Allocation failure aborts the process (xalloc). */
#ifndef KT_BUF_H
#define KT_BUF_H
#include <stddef.h>
#include <stdarg.h>

struct buf {
    char *p;
    size_t len, cap, max;
};
#define BUF_MAX_DEFAULT ((size_t)1 << 30)

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b); /* returns p ("" if empty), resets b */
void buf_reset(struct buf *b); /* len = 0, keeps memory */
int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
const char *buf_str(const struct buf *b); /* never NULL */
/* Make room for n more bytes and the NUL, so that a writer may fill p[len .. len + n) itself
 * and then set len (and p[len] = 0): 0, or -1 when len + n would exceed max (nothing changes).
 * After it p is never NULL. Inline: when there is room already it costs a few comparisons;
 * buf_grow is the rest. */
int buf_grow(struct buf *b, size_t n);
static inline int buf_reserve(struct buf *b, size_t n)
{
    if (n < b->cap - b->len && b->len <= b->max && n <= b->max - b->len) return 0;
    return buf_grow(b, n);
}
void buf_truncate(struct buf *b, size_t len); /* shorten to len; no-op when len >= b->len */
#endif
