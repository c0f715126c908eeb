/* portal_codes.h — what the portal keeps in memory, read from the register in order: the keyed
 * lookup hashes of the notices' codes with their addresses and purge state (its set of known
 * codes, src/serve/codeset.c) and the transparency log's leaf hashes (its Merkle tree cache,
 * src/serve/proofcache.c); docs/serve.md "The code cache". And the part of the portal's whole
 * answer that is not the notice's row, in one statement (portal_notice_detail), or with it
 * (portal_find_code_detail).
 *
 * Notices are append-only and their code_hash never changes (schema step 5's triggers; a purge
 * deletes their address and texts in place and records itself in the table purge), and
 * every writer holds the register's one write lock (PostgreSQL: an advisory lock taken at
 * BEGIN; SQLite: one writer), so a notice's id is handed out in commit order: a reader that has
 * seen every notice up to id N and asks again for the rows after N misses none.
 *
 * Conventions as in register.h: 0, or an exit code with reg_err(r). */
#ifndef KT_PORTAL_CODES_H
#define KT_PORTAL_CODES_H
#include <stddef.h>
#include <stdint.h>
#include "register/outbox.h"
#include "register/register.h"
#include "register/scans.h"
#include "register/tlog_store.h"

#define PORTAL_CODES_PREFIX 8 /* bytes of each lookup hash handed out */
#define PORTAL_CODES_PAGE 65536 /* rows per query: memory stays bounded at any register size */

/* FN is called with each notice's id, the first PORTAL_CODES_PREFIX bytes of its code's lookup
 * hash, its address as stored (never NULL: "" when it has none, e.g. after a purge) and whether
 * it was purged; a non-zero return stops the walk (and is returned) */
typedef int (*portal_codes_fn)(void *ctx, int64_t id, const uint8_t prefix[PORTAL_CODES_PREFIX], const char *rcpt,
                               int purged);
/* Every notice with an id above AFTER, in id order, in queries of PORTAL_CODES_PAGE rows
 * (autocommit reads: a page sees what was committed when it ran). Returns 0 (or FN's value)
 * with *last the highest id passed to FN (AFTER when none), or 1 (register error). */
int portal_codes_after(reg *r, int64_t after, portal_codes_fn fn, void *ctx, int64_t *last);
/* A purge of notices changes them in place (their address deleted) and records itself in the
 * table purge: *mark is the highest id of that table (0: no purge yet), which only grows. */
int portal_purge_mark(reg *r, int64_t *mark);
/* FN for every purged notice (rcpt "", purged 1), in id order; returns as portal_codes_after */
int portal_purged(reg *r, portal_codes_fn fn, void *ctx);

/* What the whole answer of the portal needs besides the notice's row (src/serve/lookup.c), in
 * one statement, so in one round trip on PostgreSQL: the person's exposure as the notice's scan
 * recorded it (scans.h's row), the time zone of the subject directory the notice was written
 * from, the notice's own entry in the transparency log (kind 'notice', its id as ref) with the
 * commitment's salt, and how many notices the person has of the incident. */
struct portal_detail {
    int have_exposure; /* ex is the row of (notice's scan, notice's subject) */
    struct exposure_row ex; /* its pages, subject and fields owned: portal_detail_release */
    int have_zone;
    char zone[64];
    int have_log; /* the notice's own entry (not a batch's "FIRST..LAST" of older registers) */
    int64_t log_idx;
    int have_salt; /* the entry is a commitment with its salt */
    uint8_t salt[TLOG_SALT_LEN];
    /* whether the person has other notices of the incident (in any state), and whether this
       notice is superseded: 0 and 0 say that outbox_person_notices would list this one alone */
    int others;
    int superseded;
};
/* the detail of the notice with row id NOTICE_ROW: 0 (all have_ 0 when there is no such
   notice), or 1 (register error) */
int portal_notice_detail(reg *r, int64_t notice_row, struct portal_detail *d);
void portal_detail_release(struct portal_detail *d);
/* outbox_find_code for the portal: the same answer (*found, NI), by a statement PostgreSQL sets
   up more cheaply (the purge's date read by a second one only for a purged notice). 0, or 1. */
int portal_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found);
/* portal_find_code and portal_notice_detail in one statement, for a code given with the address
   its notice went to (the code set says so: the whole answer will be shown): *found and NI as
   portal_find_code (the whole hash compared in constant time), D as portal_notice_detail of that
   notice (all have_ 0 when none). 0, or 1 (register error). */
int portal_find_code_detail(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found,
                            struct portal_detail *d);

/* FN is called with each log entry's index and leaf hash (32 bytes); non-zero stops the walk */
typedef int (*portal_leaves_fn)(void *ctx, int64_t idx, const uint8_t leaf[32]);
/* The leaf hashes of the log entries FROM <= idx < TO and, when FROM2 < TO2, FROM2 <= idx < TO2,
 * in index order, in queries of PORTAL_CODES_PAGE rows. Returns 0 (or FN's value), or 1
 * (register error; also when an entry is missing or its hash is not 32 bytes: "the transparency
 * log is damaged at entry N"). The log is append-only: an entry's hash never changes. */
int portal_leaves(reg *r, int64_t from, int64_t to, int64_t from2, int64_t to2, portal_leaves_fn fn, void *ctx);
#endif
