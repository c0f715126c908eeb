/* portal_codes.h — what the portal keeps in memory, read from the register in order: the keyed
 * lookup hashes of the notices' codes (its set of known codes, src/serve/codeset.c) and the
 * transparency log's leaf hashes (its Merkle tree cache, src/serve/proofcache.c); docs/serve.md
 * "The code cache".
 *
 * Notices are append-only and their code_hash never changes (schema step 5's triggers), and
 * every writer holds the register's one write lock (PostgreSQL: an advisory lock taken at
 * BEGIN; SQLite: one writer), so a notice's id is handed out in commit order: a reader that has
 * seen every notice up to id N and asks again for the rows after N misses none.
 *
 * Conventions as in register.h: 0, or an exit code with reg_err(r). */
#ifndef KT_PORTAL_CODES_H
#define KT_PORTAL_CODES_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

#define PORTAL_CODES_PREFIX 8 /* bytes of each lookup hash handed out */
#define PORTAL_CODES_PAGE 65536 /* rows per query: memory stays bounded at any register size */

/* FN is called with each notice's id and the first PORTAL_CODES_PREFIX bytes of its code's
 * lookup hash; a non-zero return stops the walk (and is returned) */
typedef int (*portal_codes_fn)(void *ctx, int64_t id, const uint8_t prefix[PORTAL_CODES_PREFIX]);
/* Every notice with an id above AFTER, in id order, in queries of PORTAL_CODES_PAGE rows
 * (autocommit reads: a page sees what was committed when it ran). Returns 0 (or FN's value)
 * with *last the highest id passed to FN (AFTER when none), or 1 (register error). */
int portal_codes_after(reg *r, int64_t after, portal_codes_fn fn, void *ctx, int64_t *last);

/* FN is called with each log entry's index and leaf hash (32 bytes); non-zero stops the walk */
typedef int (*portal_leaves_fn)(void *ctx, int64_t idx, const uint8_t leaf[32]);
/* The leaf hashes of the log entries FROM <= idx < TO and, when FROM2 < TO2, FROM2 <= idx < TO2,
 * in index order, in queries of PORTAL_CODES_PAGE rows. Returns 0 (or FN's value), or 1
 * (register error; also when an entry is missing or its hash is not 32 bytes: "the transparency
 * log is damaged at entry N"). The log is append-only: an entry's hash never changes. */
int portal_leaves(reg *r, int64_t from, int64_t to, int64_t from2, int64_t to2, portal_leaves_fn fn, void *ctx);
#endif
