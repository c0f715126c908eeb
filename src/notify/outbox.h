/* outbox.h — personal notices in the register: content approvals, the rendered and signed
 * messages, and the outbox that sends them exactly as DESIGN.md asks: nobody is skipped, and
 * after a crash at most the notices that were in flight can reach a person twice.
 *
 * Tables (schema step 5, docs/notify.md):
 *   notice_approval  who approved which content (SHA-256 of the templates, the data model
 *                    version and the incident's and organisation's texts); append-only
 *   notice           one row per notice: the person (subject id, address), the notice id, the
 *                    Message-ID, the keyed lookup hash of its code (never the code), the SHA-256
 *                    of the signed text, and the whole message, zstd-compressed, as evidence and
 *                    for resends with the same Message-ID; append-only
 *   outbox           the sending state of each notice (below); never deleted
 *   notice_event     every state change, with the server's reply; append-only
 *
 * States:  queued ──claim──▶ sending ──▶ sent
 *                    ▲          │  └───▶ failed (transient: retried after a back-off until
 *                    └──────────┘              --max-attempts; permanent 5xx: not retried)
 *          queued ──▶ written (exported with --out; the organisation delivers the file)
 *          queued / failed ──▶ cancelled (--cancel) ──▶ queued (--requeue)
 *          queued / failed / cancelled ──▶ superseded (the content, scan or contact data it was
 *                                          made from changed before it was ever accepted)
 * A row found in `sending` when no sender runs is *unknown*: the message may or may not have
 * reached the server. It is held until an operator resolves it (docs/notify.md).
 *
 * Conventions as in register.h: 0, or an exit code with reg_err(r); changing functions run in
 * the caller's transaction. Returned structs own their strings (the matching _release/_free). */
#ifndef KT_OUTBOX_H
#define KT_OUTBOX_H
#include <stddef.h>
#include <stdint.h>
#include "register/incident.h"
#include "notify/mime.h"
#include "register/register.h"
#include "util/buf.h"

enum outbox_state { OB_QUEUED, OB_SENDING, OB_SENT, OB_FAILED, OB_WRITTEN, OB_CANCELLED, OB_SUPERSEDED,
                    OB_NSTATES };
const char *outbox_state_name(enum outbox_state s);       /* "queued" … (static) */
int outbox_state_parse(const char *s);                      /* -1 when unknown */

/* ---- approvals ---- */
struct notice_approval {
    int64_t id, seq, created_at, model_version;
    char *actor, *by, *sha256, *templates, *manifest;
};
void notice_approval_release(struct notice_approval *a);
/* Record an approval of incident inc's notice content (next number). In a transaction; writes
 * an audit entry and a timeline event. Returns 0 and *seq. */
int outbox_approve(reg *r, const struct incident *inc, const char *by, const char *sha256,
                   int64_t model_version, const char *templates, const char *manifest, int64_t *seq);
/* The latest approval: 0 and *found 1/0. */
int outbox_approval_latest(reg *r, const struct incident *inc, struct notice_approval *a, int *found);

/* ---- notices ---- */

/* the live notice (not superseded) of each person of an incident, sorted by subject */
struct outbox_live {
    int64_t row, seq, approval_id, scan_id, import_id, attempts;
    enum outbox_state state;
    int permanent;
    char *subject, *rcpt;
};
int outbox_live_list(reg *r, int64_t incident_id, struct outbox_live **out, size_t *n);
void outbox_live_free(struct outbox_live *l, size_t n);
/* the highest notice number of the incident so far (0 when none) */
int outbox_max_seq(reg *r, int64_t incident_id, int64_t *seq);

struct outbox_new {
    int64_t seq;
    const char *subject, *notice_id, *lang, *rcpt, *rcpt_masked, *message_id;
    uint8_t code_hash[32];
    char text_sha256[65];
    const void *packed;  size_t packed_len;       /* outbox_pack_notice'd parts */
    size_t message_len;                           /* the message's size */
    int64_t dict_id;                              /* the dictionary it was packed with, 0 = none */
};
/* Store a new notice with its outbox row in STATE (queued or written) at time AT (the notice's
 * created_at; notice_event records the changes after that). Returns 0 and *row. */
int outbox_add(reg *r, int64_t incident_id, int64_t approval_id, int64_t scan_id, int64_t import_id,
               int64_t at, const struct outbox_new *nn, enum outbox_state state, int64_t *row);

/* Change the state of notice ROW (and append its event): ATTEMPT_INC adds to the attempt count
 * (1 when a sending attempt starts); REPLY (may be NULL) is the server's reply or the reason;
 * PERMANENT marks a failure that is not retried; NEXT_AT is when a transient failure may be
 * retried; SENT_AT is set for `sent`. FROM, if not -1, must be the current state (else 1). */
int outbox_set_state(reg *r, int64_t row, int from, enum outbox_state to, int64_t at, int attempt_inc,
                     const char *reply, int permanent, int64_t next_at);

/* ---- stored messages ----
 * A notice is stored as the rendered parts it was built from (codec "parts1"): the mime_notice
 * handed to mime_build_notice (addresses, subject, date, Message-ID, extra headers, text, HTML,
 * signature), serialised and zstd-compressed against a dictionary (notice_dict) made once per
 * run from a sample notice of a fictional person. outbox_message rebuilds the message with
 * mime_build_notice — the writer is deterministic, so the bytes are those that were made —
 * and checks its length and the SHA-256 of its signed text against the row. Rows written by
 * klartext before schema step 7 hold the whole message (codec "zstd") and read as before. */
struct outbox_dict;                         /* read-only after creation; shared by threads */
struct outbox_dict *outbox_dict_new(const void *content, size_t len);   /* NULL: no memory */
void outbox_dict_free(struct outbox_dict *d);
/* Store a dictionary (once per content, by SHA-256): 0 and *id. In the caller's transaction. */
int outbox_dict_store(reg *r, int64_t incident_id, int64_t at, const void *content, size_t len, int64_t *id);
/* The uncompressed record of m (used as dictionary content for a sample notice). */
int outbox_record(const struct mime_notice *m, struct buf *out);
/* A packer (one per thread) keeps the compressor's memory between notices; D may be NULL. */
struct outbox_packer;
struct outbox_packer *outbox_packer_new(const struct outbox_dict *d);
void outbox_packer_free(struct outbox_packer *p);
/* Pack the parts of one notice: *out is malloc'd. 0, or -1 with err. */
int outbox_pack_notice(struct outbox_packer *pk, const struct mime_notice *m, char **out, size_t *outlen,
                       char *err, size_t errlen);
/* Unpack a stored notice (codec "parts1" or "zstd", DICT/DICTLEN the dictionary of its row or
   NULL) into out, exactly as made; WANT is the message length stored with it. */
int outbox_unpack(const char *codec, const void *packed, size_t len, const void *dict, size_t dictlen,
                  size_t want, struct buf *out, char *err, size_t errlen);
/* The stored message of notice ROW, unpacked (CRLF, exactly as made) into out. */
int outbox_message(reg *r, int64_t row, struct buf *out);

/* ---- sending ---- */
struct outbox_item {
    int64_t row, seq, attempts;
    enum outbox_state state;
    char *notice_id, *rcpt, *rcpt_masked, *message_id;
};
void outbox_items_free(struct outbox_item *it, size_t n);
/* Up to LIMIT notices of the incident that are due, in the order they were made: queued ones
 * first, then failed ones that are not permanent, have fewer than MAX_ATTEMPTS attempts and whose
 * back-off ended (next_at <= NOW). Notices in `sending` (unknown) are never due: resolve them
 * first (outbox_resolve). Read only; *out is malloc'd (outbox_items_free). */
int outbox_due(reg *r, int64_t incident_id, int64_t now, int max_attempts, size_t limit,
               struct outbox_item **out, size_t *n);

/* Counts of an incident's notices by state (superseded ones are not people). failed_retry
 * counts transient failures that will be retried (attempts < max_attempts); failed counts
 * permanent ones and those out of attempts. */
#define OUTBOX_MAX_ATTEMPTS 5     /* notify's default --max-attempts */
struct outbox_counts {
    int64_t queued, sending, sent, failed, failed_retry, written, cancelled, superseded, total;
    int64_t next_retry;                 /* earliest next_at of failed_retry rows, 0 if none */
};
int outbox_count(reg *r, int64_t incident_id, int max_attempts, struct outbox_counts *c);

/* Bulk changes, each with its events; *n gets the number of notices changed. */
int outbox_cancel(reg *r, int64_t incident_id, int64_t at, int64_t *n);          /* queued, failed → cancelled */
int outbox_requeue(reg *r, int64_t incident_id, int64_t at, int64_t *n);         /* cancelled → queued */
int outbox_resolve(reg *r, int64_t incident_id, int64_t at, int sent, const char *why, int64_t *n);
                                                                      /* sending → sent | queued */

/* ---- looking notices up (verify) ---- */
struct notice_info {
    int64_t row, incident_id, seq, created_at, updated_at, sent_at, attempts;
    enum outbox_state state;
    char *incident_ref, *notice_id, *subject, *lang, *rcpt_masked, *message_id, *text_sha256, *reply;
    uint8_t code_hash[32];
};
void notice_info_release(struct notice_info *ni);
/* by the keyed lookup hash of a code (compared in constant time after the index lookup) */
int outbox_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found);
/* by notice id ("2026-0001-000042") */
int outbox_find_id(reg *r, const char *notice_id, struct notice_info *ni, int *found);
#endif
