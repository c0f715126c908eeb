/* copyrow.h — rows for PostgreSQL's COPY … FROM STDIN (FORMAT binary), built in a buffer (db.h:
 * db_copy_begin / db_copy_data / db_copy_end): a header, then per row the number of fields and
 * each field as its length (4 bytes) and bytes, -1 for NULL, integers as 8 bytes, big-endian
 * (BIGINT), text and bytea as their bytes; a trailer of -1. Private to src/register/. */
#ifndef KT_COPYROW_H
#define KT_COPYROW_H
#include "util/buf.h"
#include <stddef.h>
#include <stdint.h>

void copyrow_start(struct buf *b); /* the header: once, before the first row */
void copyrow_fields(struct buf *b, int n); /* a row of N fields follows */
void copyrow_int(struct buf *b, int64_t v); /* a BIGINT */
void copyrow_bytes(struct buf *b, const void *p, size_t n); /* a TEXT or BYTEA value */
void copyrow_text(struct buf *b, const char *s); /* a TEXT value; NULL: SQL NULL */
void copyrow_null(struct buf *b);
void copyrow_finish(struct buf *b); /* the trailer: once, after the last row */
#endif
