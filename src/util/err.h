/* err.h — the one way klartext fills a caller's error buffer.
 *
 * Convention (docs/HACKING.md, "Errors"): a function that can fail takes `char *err,
 * size_t errlen` last and, on failure, writes one lowercase line naming what failed and why
 * (`line 12: unknown key 'foo'`). err may be NULL or errlen 0: the message is then dropped.
 *
 *   if (bad) return err_set(err, errlen, "line %d: unknown key '%s'", n, key);   // -1
 *
 * Header-only and libc-only, so leaf modules can use it. */
#ifndef KT_ERR_H
#define KT_ERR_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* format into err (truncated to errlen, always NUL-terminated); returns -1 */
static inline int err_vset(char *err, size_t errlen, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static inline int err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    return -1;
}

static inline int err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int err_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
#endif
