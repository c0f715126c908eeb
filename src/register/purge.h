/* purge.h — the retention policy applied (docs/retention.md): what of an incident's personal data
 * is past its period, deleting it in one transaction, and what the readers (report, exposure,
 * verify, the portal) learn about a purge afterwards.
 *
 * Four kinds, each with its period in the organisation's [retention] section (org.c), counted
 * from the incident's closing (viewer identities: from their scan, but never before the closing):
 *   contact_data       the subject directory's rows (names, e-mail addresses, languages, zones)
 *   notices            the stored notices' personal columns (person, address, masked address, the
 *                      message's parts) and the server replies of their sending
 *   exposures          the per-person exposures and the (hashed) viewers of each person
 *   viewer_identities  the raw viewer identities a scan kept with --keep-viewers
 * Kept: the incident record, timeline, assessments, decisions, filings, scans with their totals,
 * hourly histogram and the counts purge_scan/purge_field store first, the notices' ids, dates,
 * states, text hashes and code look-up hashes (so that a code still finds "sent on …, details
 * deleted"), the transparency log and the audit trail.
 *
 * Never purged: an incident that is not closed, one whose latest decision says to notify the
 * authority but has no filing since, one with notices still in the outbox (queued, in flight,
 * or failed and to be retried). The plan says why.
 *
 * Conventions as in register.h: 0, or an exit code with reg_err(r). */
#ifndef KT_PURGE_H
#define KT_PURGE_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

enum purge_kind { PK_CONTACT, PK_NOTICES, PK_EXPOSURES, PK_VIEWERS, PK_COUNT };
/* "contact_data", "notices", "exposures", "viewer_identities" (static) */
const char *purge_kind_name(enum purge_kind k);

/* One incident in a plan. */
struct purge_item {
    int64_t incident_id;
    char ref[16];
    char status[24];
    int64_t closed_at; /* 0 when not closed */
    char *blocked; /* NULL, or why nothing of it may be purged ("not closed (status confirmed)"; "; "-joined) */
    struct {
        char period[32]; /* the policy's ISO 8601 duration */
        int64_t due_at; /* when the period ends (viewer identities: the latest of its scans; 0: nothing) */
        int64_t count; /* rows that go now (0 when none or not yet due) */
        int64_t later; /* rows that are not due yet */
    } k[PK_COUNT];
};
struct purge_plan {
    struct purge_item *items;
    size_t n;
    int64_t now;
};
/* What a purge at the register's clock would delete: every incident, or only REF (NULL = all;
 * 2 "no incident 'X'" when unknown). Reads only. The policy comes from reg_org_value. */
int purge_plan_make(reg *r, const char *ref, struct purge_plan *p);
void purge_plan_release(struct purge_plan *p);
/* rows that go now in the whole plan */
int64_t purge_plan_total(const struct purge_plan *p);

/* Carry out PLAN (made in the same transaction): per incident with something due, store the kept
 * counts, the purge rows, delete, and write an audit entry with the counts, a transparency-log
 * commitment (kind "purge") to the same record and a timeline event. In the caller's
 * transaction. */
int purge_apply(reg *r, const struct purge_plan *plan);

/* Keep the N WORDS (personal words found in the incident's free text: report_redacted_words), so
 * that the report still hides them after the purge. In the caller's transaction, before
 * purge_apply; a word kept already is skipped. */
int purge_keep_words(reg *r, int64_t incident_id, char *const *words, size_t n);

/* SQLite: overwrite deleted content with zeros (PRAGMA secure_delete) from now on in this
 * connection; call before reg_begin. Other backends: nothing. Returns 0 or 1. */
int purge_secure_delete(reg *r);
/* After the commit: the journal written into the file and emptied (wal_checkpoint(TRUNCATE)),
 * the file rebuilt without free pages (VACUUM) and the journal emptied again, so that deleted
 * bytes are neither in the file nor in its -wal. Returns 0, or 1 when another connection (e.g.
 * a running serve) keeps the journal from being emptied ("…: run purge again when it has
 * stopped"). On PostgreSQL: VACUUM FULL of every table the purge changed (1 naming the table
 * when this login does not own it), after waiting up to 30 s until no snapshot older than the
 * purge is left (1 naming what still held one: the rewrite had to keep the rows it may see).
 * Outside a transaction. */
int purge_compact(reg *r);

/* ---- what readers learn ---- */
/* When KIND of the incident was last purged: 0 and *at (0 = never). */
int purge_when(reg *r, int64_t incident_id, enum purge_kind kind, int64_t *at);
struct purge_rec {
    int64_t at, due_at, count;
    enum purge_kind kind;
    char period[32];
};
/* The incident's purge records, oldest first (*out malloc'd, free()). */
int purge_list(reg *r, int64_t incident_id, struct purge_rec **out, size_t *n);
#endif
