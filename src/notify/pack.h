/* pack.h — the stored form of a notice (codec "parts1"): the parts a message was built from,
 * packed small, and the message made again from them byte for byte.
 *
 * A notice is stored as the mime_notice handed to mime_build_notice (addresses, subject, date,
 * Message-ID, extra headers, text, HTML, signature), serialised (pack_record) and
 * zstd-compressed against a dictionary (register table notice_dict) made once per run from a
 * sample notice of a fictional person. pack_message rebuilds the message with
 * mime_build_notice — the writer is deterministic, so the bytes are those that were made — and
 * checks its length and the SHA-256 of its signed text against the register's row. Rows written
 * by klartext before schema step 7 hold the whole message (codec "zstd") and read as before.
 * The rows themselves are the register's (register/outbox.h). */
#ifndef KT_PACK_H
#define KT_PACK_H
#include <stddef.h>
#include <stdint.h>
#include "notify/mime.h"
#include "register/register.h"
#include "util/buf.h"

struct pack_dict; /* read-only after creation; shared by threads */
struct pack_dict *pack_dict_new(const void *content, size_t len); /* NULL: no memory */
void pack_dict_free(struct pack_dict *d);
/* The uncompressed record of m into out (replacing its content; used as dictionary content
 * for a sample notice). 0, or -1 when m has too many extra headers or out->max is too small. */
int pack_record(const struct mime_notice *m, struct buf *out);
/* A packer (one per thread) keeps the compressor's memory between notices; D may be NULL. */
struct packer;
struct packer *pack_new(const struct pack_dict *d); /* NULL: no memory */
void pack_free(struct packer *p);
/* Pack the parts of one notice: *out is malloc'd. 0, or -1 with err. */
int pack_notice(struct packer *pk, const struct mime_notice *m, char **out, size_t *outlen, char *err, size_t errlen);
/* Unpack a stored notice (codec "parts1" or "zstd", DICT/DICTLEN the dictionary of its row or
   NULL) into out, exactly as made; WANT is the message length stored with it. 0, or -1 with
   err ("stored message is damaged", "unknown codec 'x'"). */
int pack_unpack(const char *codec, const void *packed, size_t len, const void *dict, size_t dictlen, size_t want,
                struct buf *out, char *err, size_t errlen);
/* The stored message of notice ROW, unpacked (CRLF, exactly as made) into out, its signed text
 * checked against the row's SHA-256. Returns 0, or 1 with reg_err(r) ("the stored message of
 * notice 7 cannot be read: stored message is damaged"). */
int pack_message(reg *r, int64_t row, struct buf *out);
#endif
