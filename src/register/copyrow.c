/* copyrow.c — rows in PostgreSQL's binary COPY format (copyrow.h). */
#include "register/copyrow.h"
#include <string.h>

static void put_be(struct buf *b, uint64_t v, int n)
{
    unsigned char x[8];
    for (int i = 0; i < n; i++) x[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    buf_add(b, x, (size_t)n);
}

void copyrow_start(struct buf *b)
{
    static const char head[19] = "PGCOPY\n\377\r\n"; /* signature, flags 0, no extension */
    buf_add(b, head, sizeof head);
}

void copyrow_fields(struct buf *b, int n)
{
    put_be(b, (uint64_t)n, 2);
}

void copyrow_int(struct buf *b, int64_t v)
{
    put_be(b, 8, 4);
    put_be(b, (uint64_t)v, 8);
}

void copyrow_bytes(struct buf *b, const void *p, size_t n)
{
    put_be(b, n, 4);
    buf_add(b, p, n);
}

void copyrow_text(struct buf *b, const char *s)
{
    if (s) copyrow_bytes(b, s, strlen(s));
    else copyrow_null(b);
}

void copyrow_null(struct buf *b)
{
    put_be(b, 0xffffffffu, 4);
}

void copyrow_finish(struct buf *b)
{
    put_be(b, 0xffff, 2);
}
