/* viewlist.h — a person's viewers packed into their exposure row (schema step 14).
 *
 * One `exposure` row per person holds every (person, viewer) pair of that person in two BLOB
 * columns instead of one `exposure_viewer` row per pair (issue 19: a row costs the store about
 * 6,800 instructions in SQLite, a few bytes of BLOB almost nothing):
 *
 *   viewer_list        the pairs in the order of their keyed hash (bytewise), each
 *                      hash[16] | kind (1 signed-in, 2 anonymous) | varint views |
 *                      varint zigzag(first_seen) | varint zigzag(last_seen - first_seen);
 *                      empty for a person without pair rows.
 *   viewer_identities  NULL when no raw identity is kept (the default, and after a purge of
 *                      viewer_identities); else, for each pair of viewer_list in the same order,
 *                      varint 0 (no identity) or varint (length + 1) and the identity's bytes.
 *
 * Varints are unsigned LEB128 (7 bits a byte, low first, at most 10 bytes). docs/register.md
 * describes the layout for people who read the register without klartext. */
#ifndef KT_VIEWLIST_H
#define KT_VIEWLIST_H
#include <stddef.h>
#include <stdint.h>
#include "register/db.h"
#include "register/register.h"
#include "util/buf.h"

#define VIEWLIST_HASH 16
enum { VIEWLIST_SIGNED_IN = 1, VIEWLIST_ANONYMOUS = 2 };

struct viewlist_pair {
    unsigned char hash[VIEWLIST_HASH];
    int kind; /* VIEWLIST_SIGNED_IN or VIEWLIST_ANONYMOUS */
    uint64_t views;
    int64_t first_seen, last_seen;
};

/* append pair P to B (viewer_list) */
void viewlist_add(struct buf *b, const struct viewlist_pair *p);
/* append one identity entry to B (viewer_identities): ID[0..N), or none when ID is NULL */
void viewlist_add_identity(struct buf *b, const char *id, size_t n);

/* the next pair of the list at *P (before END) into OUT, *P advanced: 1, 0 at the end, or -1
   when the bytes are not a list this step wrote (damaged) */
int viewlist_next(const unsigned char **p, const unsigned char *end, struct viewlist_pair *out);
/* the next identity entry: 1 with *ID (not NUL-terminated; NULL for none) and *N, 0 at the end,
   -1 when damaged */
int viewlist_next_identity(const unsigned char **p, const unsigned char *end, const char **id, size_t *n);

/* the kind's name as the register wrote it before step 14 ("signed-in", "anonymous"), and back
   (0 for a name that is neither) */
const char *viewlist_kind_name(int kind);
int viewlist_kind_of(const char *name);

/* The reading side, for the register's own counts. Each returns 0, or 1 (reg_err) when the
   register cannot be read or a list is damaged (the person and scan named). */
/* the distinct viewers of scan SCAN_ID over all its people, and how many of them were seen
   anonymously (what count(DISTINCT viewer) over exposure_viewer gave before step 13) */
int viewlist_scan_viewers(reg *r, int64_t scan_id, int64_t *viewers, int64_t *anonymous);
/* the raw identities kept in scan SCAN_ID: *PAIRS the pairs that hold one; with FN, each
   distinct identity once, in bytewise order, NUL-terminated */
int viewlist_scan_identities(reg *r, int64_t scan_id, int64_t *pairs, void (*fn)(void *ctx, const char *id), void *ctx);

/* Schema hook (schema.c and schema_pg.c, step 13): pack the rows of exposure_viewer into the
   viewer_list and viewer_identities of their exposure rows, then drop exposure_viewer. Refuses
   (a constraint error naming the cause) pair rows without their person's row or of a kind
   klartext never wrote, rather than lose them. Returns 0 or -1 (db_errmsg). */
int viewlist_migrate(db *d);
#endif
