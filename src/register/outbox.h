/* outbox.h — personal notices in the register: content approvals, the stored messages, and the
 * outbox that sends them exactly as docs/notify.md says: nobody is skipped, and after a crash at
 * most the notices that were in flight can reach a person twice. Every SQL statement about
 * notices is here; src/notify/ makes and sends them through these functions, src/serve/ and
 * `klartext verify` look them up.
 *
 * Tables (schema steps 5, 7 and 8, docs/notify.md):
 *   notice_approval  who approved which content (SHA-256 of the templates, the data model
 *                    version and the incident's and organisation's texts); append-only
 *   notice           one row per notice: the person (subject id, address), the notice id, the
 *                    Message-ID, the keyed lookup hash of its code (never the code), the SHA-256
 *                    of the signed text, and the message's parts, zstd-compressed (notify/pack.h),
 *                    as evidence and for resends with the same Message-ID; append-only
 *   notice_dict      the compression dictionaries the parts were packed with; append-only
 *   outbox           the sending state of each notice (below), and the claim token of the run
 *                    that last marked it `sending` (claimed_by); never deleted
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
#include "register/register.h"

enum outbox_state { OB_QUEUED, OB_SENDING, OB_SENT, OB_FAILED, OB_WRITTEN, OB_CANCELLED, OB_SUPERSEDED, OB_NSTATES };
const char *outbox_state_name(enum outbox_state s); /* "queued" … (static) */
int outbox_state_parse(const char *s); /* -1 when unknown */

/* ---- approvals ---- */
struct notice_approval {
    int64_t id, seq, created_at, model_version;
    char *actor, *by, *sha256, *templates, *manifest;
};
void notice_approval_release(struct notice_approval *a);
/* Record an approval of incident inc's notice content (next number). In a transaction; writes
 * an audit entry and a timeline event. Returns 0 and *seq. */
int outbox_approve(reg *r, const struct incident *inc, const char *by, const char *sha256, int64_t model_version,
                   const char *templates, const char *manifest, int64_t *seq);
/* The latest approval: 0 and *found 1/0. */
int outbox_approval_latest(reg *r, const struct incident *inc, struct notice_approval *a, int *found);

/* ---- making notices ---- */

/* The current subject import of the incident (the contact data notices are made from): 0 and
 * *import_id, 0 when there is none. */
int outbox_current_import(reg *r, const struct incident *inc, int64_t *import_id);

/* the live notice (not superseded) of each person of an incident, sorted by subject */
struct outbox_live {
    int64_t row, seq, approval_id, scan_id, import_id, attempts, created_at;
    int64_t follows; /* a follow-up: the notice (row) it follows; 0 for a first notice */
    enum outbox_state state;
    int permanent;
    char *subject, *rcpt;
};
/* (several per person once follow-ups were made: sorted by subject, then in the order they were made;
 * letters are not listed: they are never sent and never superseded by an e-mail) */
int outbox_live_list(reg *r, int64_t incident_id, struct outbox_live **out, size_t *n);
void outbox_live_free(struct outbox_live *l, size_t n);
/* the highest notice number of the incident so far (0 when none) */
int outbox_max_seq(reg *r, int64_t incident_id, int64_t *seq);

struct outbox_new {
    int64_t seq;
    const char *subject, *notice_id, *lang, *rcpt, *rcpt_masked, *message_id;
    uint8_t code_hash[32];
    char text_sha256[65];
    const void *packed;
    size_t packed_len; /* the parts, packed (codec "parts1", notify/pack.h) */
    size_t message_len; /* the message's size */
    int64_t dict_id; /* the dictionary it was packed with, 0 = none */
    int64_t follows; /* a follow-up: the row of the notice it follows (schema step 11); 0: a first notice */
    const char *kind; /* notice.kind: NULL = "followup" when follows, else "first"; "letter" for a letter */
    const char *codec; /* how packed is stored: NULL = "parts1" (notify/pack.h); "letter1" (notify/letters.c) */
};
/* Store a new notice with its outbox row in STATE (queued or written) at time AT (the notice's
 * created_at; notice_event records the changes after that). Returns 0 and *row. */
int outbox_add(reg *r, int64_t incident_id, int64_t approval_id, int64_t scan_id, int64_t import_id, int64_t at,
               const struct outbox_new *nn, enum outbox_state state, int64_t *row);

/* what the notices of one outbox_add_many have in common */
struct outbox_batch {
    int64_t incident_id, approval_id, scan_id, import_id, at;
    enum outbox_state state;
};
/* Store the notices NN[0..N) with their outbox rows, as outbox_add each, in the caller's
 * transaction: on PostgreSQL in two statements for all of them (COPY), not two per notice. On
 * failure the message names the notices (and the one the server refused, when it says); the
 * caller rolls the transaction back. Returns 0 or 1. */
int outbox_add_many(reg *r, const struct outbox_batch *bt, const struct outbox_new *nn, size_t n);

/* Change the state of notice ROW (and append its event): ATTEMPT_INC adds to the attempt count
 * (1 when a sending attempt starts, -1 when a claimed notice was not attempted); REPLY (may be
 * NULL) is the server's reply or the reason; PERMANENT marks a failure that is not retried;
 * NEXT_AT is when a transient failure may be retried; SENT_AT is set for `sent`. FROM, if not
 * -1, must be the current state (else 1). */
int outbox_set_state(reg *r, int64_t row, int from, enum outbox_state to, int64_t at, int attempt_inc,
                     const char *reply, int permanent, int64_t next_at);

/* Store a compression dictionary (once per content, by SHA-256): 0 and *id. In the caller's
 * transaction. */
int outbox_dict_store(reg *r, int64_t incident_id, int64_t at, const void *content, size_t len, int64_t *id);

/* Storage settings while many notices are stored or sent (SQLite; no-ops for other backends):
 *   OUTBOX_TUNE_BULK     checkpoint the journal less often and keep the indexes in memory (code
 *                        hashes are random, so each insert touches another page of their index)
 *   OUTBOX_TUNE_NORMAL   back to the defaults after OUTBOX_TUNE_BULK
 *   OUTBOX_TUNE_DURABLE  every commit survives a power loss (synchronous = FULL): the `sending`
 *                        marks must, or a re-run would send what the server already has */
enum outbox_tuning { OUTBOX_TUNE_BULK, OUTBOX_TUNE_NORMAL, OUTBOX_TUNE_DURABLE };
void outbox_tune(reg *r, enum outbox_tuning t);

/* ---- letters (notify --letters) ----
 * A letter is a notice of kind 'letter' whose outbox row is `written` from the start (the
 * organisation has it printed and posted); its stored form is codec "letter1". Letters do not
 * appear in outbox_live_list, outbox_claim or the state counts of outbox_count (which counts them
 * apart). */
struct outbox_letter {
    int64_t row, seq, scan_id, created_at;
    char *subject;
};
/* the incident's letters (not superseded), in the order they were made: *out malloc'd */
int outbox_letters(reg *r, int64_t incident_id, struct outbox_letter **out, size_t *n);
void outbox_letters_free(struct outbox_letter *l, size_t n);
/* The people whose latest e-mail notice failed for good: refused (5xx), out of attempts (at least
 * MAX_ATTEMPTS), or returned as failed by a mail server (notify --bounces). Sorted subject ids,
 * *out and each string malloc'd. */
int outbox_failed_subjects(reg *r, int64_t incident_id, int max_attempts, char ***out, size_t *n);

/* ---- stored messages ---- */
/* The stored form of notice ROW as it is in the register (notify/pack.h turns it back into the
 * message): codec "parts1" or "zstd", the packed bytes, the message's length, the dictionary's
 * content (NULL when none) and the SHA-256 (hex) of the signed text. Returns 0, or 1 with "no
 * notice N". The buffers are malloc'd (outbox_stored_release). */
struct outbox_stored {
    char *codec;
    void *packed;
    size_t packed_len;
    void *dict;
    size_t dict_len;
    int64_t message_len;
    char *text_sha256;
};
int outbox_stored_get(reg *r, int64_t row, struct outbox_stored *st);
void outbox_stored_release(struct outbox_stored *st);

/* ---- sending: per-notice claims ----
 * A sending run has a claim token of its own (OUTBOX_TOKEN_MAX - 1 characters at most, e.g. 16
 * random hex digits). It claims notices just before it hands them to a connection and settles
 * each one with its result; both run in the caller's transaction, so that a run can settle what
 * finished and claim what comes next in one commit. */
#define OUTBOX_TOKEN_MAX 64
struct outbox_item {
    int64_t row, seq;
    int64_t attempts; /* before this attempt */
    enum outbox_state state; /* before the claim: OB_QUEUED or OB_FAILED */
    char *notice_id, *rcpt, *rcpt_masked, *message_id;
};
void outbox_item_release(struct outbox_item *it);
void outbox_items_free(struct outbox_item *it, size_t n);
/* Claim up to WANT notices of the incident that are due, in the order they were made: queued
 * ones first, then failed ones that are not permanent, have fewer than MAX_ATTEMPTS attempts and
 * whose back-off ended (next_at <= NOW). Each becomes `sending` under TOKEN (claimed_by), its
 * attempt is counted and a `sending` event recorded. Each kind is claimed with one UPDATE that
 * re-checks the state of every row it takes, so that two senders never claim the same notice
 * even without notify's lock (a backend with concurrent senders selects the rows FOR UPDATE SKIP
 * LOCKED). Notices in `sending` (unknown) are never due: resolve them first (outbox_resolve).
 * 0 with *out (malloc'd, outbox_items_free) and *n (fewer than WANT: nothing more is due, or,
 * with concurrent senders, the rest was taken by another). */
int outbox_claim(reg *r, int64_t incident_id, const char *token, int64_t now, int max_attempts, size_t want,
                 struct outbox_item **out, size_t *n);
/* Settle claimed notice ROW: as outbox_set_state from `sending`, but only while the notice is
 * still claimed under TOKEN (else 1: "notice N is no longer claimed by this run"). TO may be
 * OB_SENDING (the delivery is unknown: the notice stays claimed and is held). */
int outbox_settle(reg *r, int64_t row, const char *token, enum outbox_state to, int64_t at, int attempt_inc,
                  const char *reply, int permanent, int64_t next_at);

/* Counts of an incident's notices by state (superseded ones are not people). failed_retry
 * counts transient failures that will be retried (attempts < max_attempts); failed counts
 * permanent ones and those out of attempts. */
#define OUTBOX_MAX_ATTEMPTS 5 /* notify's default --max-attempts */
struct outbox_counts {
    int64_t queued, sending, sent, failed, failed_retry, written, cancelled, superseded, total;
    int64_t followups; /* of total: follow-up notices (notice.kind) */
    int64_t letters, letter_people; /* letters (kind 'letter', not counted above) and the people they went to */
    int64_t next_retry; /* earliest next_at of failed_retry rows, 0 if none */
};
int outbox_count(reg *r, int64_t incident_id, int max_attempts, struct outbox_counts *c);

/* The failed and unknown (`sending`) notices of an incident, in the order they were made, at
 * most LIMIT: for --status. *out is malloc'd (outbox_problems_free). */
struct outbox_problem {
    char *notice_id, *rcpt_masked, *reply; /* reply: "" when none */
    enum outbox_state state; /* OB_FAILED or OB_SENDING */
    int64_t attempts;
    int permanent;
};
int outbox_problems(reg *r, int64_t incident_id, size_t limit, struct outbox_problem **out, size_t *n);
void outbox_problems_free(struct outbox_problem *p, size_t n);

/* Bulk changes, each with its events; *n gets the number of notices changed. */
int outbox_cancel(reg *r, int64_t incident_id, int64_t at, int64_t *n); /* queued, failed → cancelled */
int outbox_requeue(reg *r, int64_t incident_id, int64_t at, int64_t *n); /* cancelled → queued */
int outbox_resolve(reg *r, int64_t incident_id, int64_t at, int sent, const char *why, int64_t *n);
/* sending → sent | queued */

/* ---- looking notices up (verify, the portal, the agent console) ---- */
struct notice_info {
    int64_t row, incident_id, seq, created_at, updated_at, sent_at, attempts, scan_id, import_id;
    enum outbox_state state;
    char *incident_ref, *notice_id, *subject, *lang, *rcpt_masked, *message_id, *text_sha256, *reply;
    char *kind; /* "first" or "followup" */
    char *rcpt; /* the full address: compare it, never show it (wiped by release) */
    uint8_t code_hash[32];
    int64_t purged_at; /* when a purge emptied it (docs/retention.md): subject, addresses and the
                          message are then "" and cannot be read; 0 = never */
};
void notice_info_release(struct notice_info *ni);
/* The one look-up by code: by the keyed lookup hash of a code, compared in constant time after
 * the index lookup (the same work whether a row is found or not). 0 and *found. */
int outbox_find_code(reg *r, const uint8_t hash[32], struct notice_info *ni, int *found);
/* by notice id ("2026-0001-000042") */
int outbox_find_id(reg *r, const char *notice_id, struct notice_info *ni, int *found);
/* The notices sent to an address, newest first, at most MAX: LOCAL_AT is the local part with its
 * '@' (compared exactly), DOMAIN the domain in lower case (compared case-insensitively, ASCII).
 * *out is malloc'd (outbox_infos_free). */
int outbox_find_email(reg *r, const char *local_at, const char *domain, size_t max, struct notice_info **out,
                      size_t *n);
void outbox_infos_free(struct notice_info *ni, size_t n);
/* The notices of SUBJECT in incident INCIDENT_ID that were not superseded, newest first, at most
 * MAX (a person's first notice and follow-ups). *out is malloc'd (outbox_infos_free). */
int outbox_person_notices(reg *r, int64_t incident_id, const char *subject, size_t max, struct notice_info **out,
                          size_t *n);
/* The time zone of SUBJECT in the subject import a notice was made from: 0 and *found; out is
 * "" when the row has none. */
int outbox_person_zone(reg *r, int64_t import_id, const char *subject, char *out, size_t outsz, int *found);
/* Where notice NOTICE_ID is in the transparency log: its own entry (a salted commitment to
 * "NOTICE-ID SHA-256-OF-TEXT\n"; *own 1) or, in registers made before that, the entry
 * "FIRST..LAST" of its batch (*own 0). 0 and *found, *idx. */
int outbox_log_entry(reg *r, const char *notice_id, int64_t *idx, int *own, int *found);
#endif
