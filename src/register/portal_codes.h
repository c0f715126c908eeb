/* portal_codes.h — the keyed lookup hashes of the notices' codes, read in id order, for the
 * portal's in-memory set of known codes (src/serve/codeset.c, docs/serve.md "The code cache").
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
#endif
