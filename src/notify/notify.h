/* notify.h — making and sending the personal notices of an incident: the library behind
 * `klartext notify` (docs/notify.md).
 *
 * A run works on one incident of an open register:
 *   notify_people_load   who: the current scan's exposures joined with the current subject
 *                        directory (people without an e-mail address are counted, never dropped)
 *   notify_facts         what the letters say about the organisation and the incident
 *   notify_make          renders, signs, packs and stores every notice that is missing or stale
 *                        (make.c: worker threads render and sign, the calling thread stores each
 *                        batch in one transaction while the workers make the next one); for --out
 *                        it also writes DIR/NOTICE-ID.eml
 *   notify_plan_load     who needs a first notice or a follow-up after a new scan (plan.c)
 *   notify_write_stored  --out: writes the notices made earlier from their stored messages
 *   notify_send          hands what is due to an SMTP relay over N connections at once, exactly
 *                        as register/outbox.h says (send.c: claim, deliver, settle; back-off,
 *                        rate, limit, relays that take fewer connections)
 *   notify_bounces       reads returned mail into the register (bounce.c, dsn.h)
 *   notify_letters       --letters: a printed letter (PDF) for each person e-mail did not reach
 *                        (letters.c, letter_pdf.h)
 *
 * The library never prints and never exits. Progress goes to a callback; results to the stats
 * structs. Functions that take a register return 0, or an exit code (1 failure, 2 bad input)
 * with the message in reg_err(r), as the register's own functions do. Only one process may make
 * or send the notices of a register at a time: the caller holds notify_lock around notify_make,
 * notify_write_stored and notify_send.
 *
 * Ownership: the structs passed in are borrowed for the call; notify_people owns its rows. */
#ifndef KT_NOTIFY_H
#define KT_NOTIFY_H
#include <stddef.h>
#include <stdint.h>
#include "notify/letter_pdf.h"
#include "notify/notice.h"
#include "notify/smtp.h"
#include "register/incident.h"
#include "register/outbox.h"
#include "register/register.h"
#include "register/scans.h"
#include "register/subjects.h"
#include "sign/keys.h"

#define NOTIFY_MAX_THREADS 64
#define NOTIFY_BATCH_MAKE 512 /* notices made and stored per transaction */
#define NOTIFY_CONNECTIONS_DEFAULT 4 /* connections to the relay at once (--connections) */
#define NOTIFY_CONNECTIONS_MAX 100
#define NOTIFY_STOP_AFTER 3 /* failed connections in a row that stop a run */
#define NOTIFY_CONNECT_GRACE_MS \
    5000 /* a connection not through to MAIL FROM by then, while others deliver, is given up */

/* ---- the clock: KLARTEXT_NOW fixes it, else the time of each call ---- */
struct notify_clock {
    int fixed;
    int64_t at; /* when fixed */
};
int64_t notify_now(const struct notify_clock *c);

/* ---- progress ----
 * fn(arg, what, 0, total, NOTIFY_START) when a phase starts ("making", "sending"), then
 * fn(…, done, total, NOTIFY_STEP) as it goes (after each notice or batch: the callback throttles
 * its display) and fn(…, done, total, NOTIFY_END) when it ends. fn may be NULL. */
enum notify_step { NOTIFY_START, NOTIFY_STEP, NOTIFY_END };
struct notify_progress {
    void (*fn)(void *arg, const char *what, int64_t done, int64_t total, enum notify_step step);
    void *arg;
};

/* ---- the people ---- */
struct notify_people {
    int64_t scan_id, import_id; /* the current scan and subject import (0: none) */
    struct exposure_row *ex;
    size_t nex; /* the exposed, sorted by subject */
    struct subject_rec *subj;
    size_t nsubj; /* their contact data, sorted by subject */
};
/* Load the current scan's exposures and the current subject directory of INC. Returns 0, or an
 * exit code with reg_err(r) ("incident 2026-0001 has no exposure scan yet: run …"). */
int notify_people_load(reg *r, const struct incident *inc, struct notify_people *pp);
void notify_people_release(struct notify_people *pp);
/* the contact row of SUBJECT (binary search), or NULL */
const struct subject_rec *notify_contact(const struct notify_people *pp, const char *subject);
/* the same for people asked for in pp->ex's order (subjects ascending bytewise): a walk forward
 * from *K (0 at the start) instead of a search from the middle for each person — at millions of
 * people each step of a binary search is a cache miss */
const struct subject_rec *notify_contact_next(const struct notify_people *pp, size_t *k, const char *subject);
/* has an e-mail address */
int notify_reachable(const struct subject_rec *s);
/* the person of a notice: exposure E and contact S (strings borrowed from both) */
void notify_person(const struct exposure_row *e, const struct subject_rec *s, struct notice_person *p);

/* ---- what the letters say ----
 * Fill org and ni from the register's organisation details and incident INC (strings borrowed
 * from r and inc): KEY_ID is the signing key's id ("0123456789ABCDEF"), VOLUNTARY marks a notice
 * the law does not require. */
void notify_facts(reg *r, const struct incident *inc, const char *key_id, int voluntary, struct notice_org *org,
                  struct notice_incident *ni);

/* ---- what an approval covers (approval.c) ---- */
/* the organisation details a notice shows (NULL-terminated): notify refuses to make real notices
 * while one of them is still init's placeholder */
extern const char *const notify_org_keys[];
/* The content an approval covers, one "key=value" line each: the data model version, the
 * templates (name, source, SHA-256), the key id, the organisation details, the incident's facts
 * (its free texts only when a template shows them), voluntary, and the version of the current
 * scan (a re-scan makes follow-ups and first notices that need a new approval). Malloc'd. */
char *notify_manifest(reg *r, const struct incident *inc, const struct notice_templates *tm,
                      const struct notice_org *org, const struct notice_incident *ni);
/* the SHA-256 (hex) of a manifest: what an approval records */
void notify_manifest_sha(const char *manifest, char hex[65]);
/* the keys whose lines differ between two manifests, ", "-separated (malloc'd, "" when none) */
char *notify_manifest_diff(const char *a, const char *b);

/* ---- who needs which notice (plan.c) ----
 * After a new scan, a person whose exposure changed in substance since the notice they have
 * (more views or viewers, other fields or pages, an earlier first or a later last view) needs a
 * follow-up; a person with no notice needs a first one; anyone else nothing. "The notice they
 * have" is their latest notice a server accepted, that was written with --out, or whose delivery
 * is unknown (their base); a notice made after it and never accepted is pending. */
#define NOTIFY_CH_VIEWS 1u /* more views */
#define NOTIFY_CH_VIEWERS 2u /* more viewers */
#define NOTIFY_CH_FIRST 4u /* an earlier first view */
#define NOTIFY_CH_LAST 8u /* a later last view */
#define NOTIFY_CH_FIELDS 16u /* other fields */
#define NOTIFY_CH_PAGES 32u /* other pages */
/* the changes in substance from OLD to NOW (NOTIFY_CH_*; 0: none) */
unsigned notify_changed(const struct exposure_row *old, const struct exposure_row *now);

enum notify_need { NOTIFY_NEED_NONE, NOTIFY_NEED_FIRST, NOTIFY_NEED_FOLLOWUP };
struct notify_verdict {
    size_t ex; /* the person: pp->ex[ex] */
    int reachable; /* has an e-mail address */
    enum notify_need need; /* what to make (for reachable people) */
    unsigned changes; /* NOTIFY_CH_* since base */
    const struct outbox_live *base; /* the notice they have, or NULL */
    const struct outbox_live *pend; /* a later notice never accepted, or NULL */
    const struct exposure_row *old; /* what base stated (its scan's row), or NULL */
    int keep_pend; /* pend stands; otherwise it is superseded */
};
/* a follow-up's earlier notice: what V's base notice stated (V->base and V->old set), with its
   notice id written into ID; OUT's strings point into ID and V's rows */
void notify_verdict_earlier(const char *incident_ref, const struct notify_verdict *v, char id[NOTICE_ID_MAX],
                            struct notice_earlier *out);
struct notify_old_scan {
    int64_t scan_id;
    struct exposure_row *ex;
    size_t n;
};
struct notify_plan {
    struct outbox_live *live; /* the incident's live notices (owned) */
    size_t nlive;
    struct notify_verdict *v; /* one per exposed person, in pp's order */
    size_t nv;
    const struct outbox_live **gone; /* live notices of people no longer exposed */
    size_t ngone;
    struct notify_old_scan *old; /* the earlier scans' exposures the bases were made from */
    size_t nold;
    int64_t unreachable, changed, no_notice, firsts, followups; /* counts of people */
};
/* Judge every person of PP against the incident's live notices (reads only). APPROVAL_ID: notices
 * made under another approval are stale (-1: any approval will do, for --status). 0 with *pl
 * (notify_plan_release), or an exit code with reg_err(r). */
int notify_plan_load(reg *r, const struct incident *inc, const struct notify_people *pp, int64_t approval_id,
                     struct notify_plan *pl);
void notify_plan_release(struct notify_plan *pl);

/* ---- making ---- */
struct notify_content { /* what every notice of a run is made from (borrowed) */
    const struct notice_templates *tm;
    const struct notice_org *org;
    const struct notice_incident *ni;
    const sign_key *key;
    const unsigned char *code_key; /* CODE_KEY_BYTES: the keyed lookup hash of each code */
    const unsigned char *test_seed; /* 32 bytes: predictable codes (tests only), or NULL */
};
/* the code of notice number SEQ: random, or derived from the test seed */
void notify_code(const struct notify_content *nc, int64_t seq, char out[CODE_DISPLAY_SIZE]);

struct notify_make_opts {
    int64_t approval_id; /* the approval the notices are made under */
    enum outbox_state state; /* OB_QUEUED (to be sent) or OB_WRITTEN (--out) */
    const char *outdir; /* --out: write DIR/NOTICE-ID.eml for each notice made; NULL */
    int threads; /* 1 .. NOTIFY_MAX_THREADS */
    int64_t at; /* the time the notices are made (their Date) */
    struct notify_progress progress;
};
struct notify_make_stats {
    int64_t exposed, reachable, unreachable, created, superseded, kept;
    int64_t followups; /* of created: follow-ups */
    int64_t first_seq; /* notices from this number on were made in this run */
};
/* Make and store the notices that are missing (or stale: made from other content, scan or
 * contact data and never accepted by a server, which become superseded): first notices, and
 * follow-ups for people whose exposure changed in substance since their notice (plan.c). The decision who is
 * told and the approval of the content are the caller's to check first. */
int notify_make(reg *r, const struct incident *inc, const struct notify_people *pp, const struct notify_content *nc,
                const struct notify_make_opts *o, struct notify_make_stats *ms);
/* Count the people of PP into ms (exposed, reachable, unreachable) when ms->exposed is 0. */
void notify_count_people(const struct notify_people *pp, struct notify_make_stats *ms);
/* --out: write the live notices of INC not in DIR yet (those made before FIRST_SEQ, or written
 * by an earlier --out into another directory) from their stored messages, byte for byte; queued
 * and failed ones become `written` (the organisation delivers them). *written: the notices that
 * DIR holds for INC afterwards (cancelled ones are not written). */
int notify_write_stored(reg *r, const struct incident *inc, const char *dir, int64_t first_seq, int64_t at,
                        int64_t *written);

/* ---- sending ---- */
struct notify_send_opts {
    struct smtp_conf smtp; /* the relay */
    const char *from; /* the envelope sender (MAIL FROM): notices.from */
    const char *bounce; /* notices.bounce_address: each notice's MAIL FROM is its VERP address; NULL: from */
    int connections; /* to the relay at once, 1 .. NOTIFY_CONNECTIONS_MAX; 0: NOTIFY_CONNECTIONS_DEFAULT */
    int connect_grace_ms; /* 0: NOTIFY_CONNECT_GRACE_MS */
    double rate; /* notices per second over the whole run, all connections together; 0: no limit */
    int max_attempts; /* per notice, transient failures included */
    int64_t limit; /* notices attempted in this run at most; 0: no limit */
    struct notify_clock clock;
    struct notify_progress progress;
};
struct notify_send_stats {
    int64_t sent, failed, unknown; /* in this run */
    int stopped; /* NOTIFY_STOP_AFTER connections failed in a row, or the relay refused the session */
    int refused; /* the relay refused the session (a 5xx before MAIL FROM: e.g. authentication) */
    int connections; /* connections in use at the end: fewer than asked when the relay took fewer */
    char reason[SMTP_REPLY_MAX + 48]; /* why it stopped (addresses masked); "" */
};
/* Send the notices of INCIDENT_ID that are due (outbox_claim) over up to o->connections
 * connections at once, each carrying one message after another. Each notice is claimed
 * (`sending`, committed) just before a free connection takes it, so at most o->connections
 * notices are in flight; messages start at most o->rate a second in all. The results are
 * committed as they come (with the next claims, one transaction a round): sent; failed with a
 * back-off (4xx or no connection; 5 minutes doubling up to 6 hours); failed permanently (5xx);
 * or, when the connection broke after the message was handed over, still `sending` (unknown:
 * held for an operator, never resent by itself). A relay that takes fewer connections, or
 * closes one after some messages, costs no notice (send.c). Notices claimed but not attempted
 * (a stop) go back to where they were. Stops early after NOTIFY_STOP_AFTER failed connections
 * in a row, or when the relay refuses the session (st->stopped, st->reason). Server replies are
 * stored with addresses masked. */
int notify_send(reg *r, int64_t incident_id, const struct notify_send_opts *o, struct notify_send_stats *st);
/* Send one message (a TEST sample) through the relay of SC: the smtp_result (SMTP_OK …) with
 * the reply, addresses masked, in *rep; -1 when SC cannot be used (err). */
int notify_send_one(const struct smtp_conf *sc, const char *from, const char *to, const char *msg, size_t len,
                    struct smtp_reply *rep, char *err, size_t errlen);
/* Mask every e-mail address in TEXT ("550 <k***@mail.example>: …") in place, so that neither
 * the register's reply column nor --status shows one. */
void notify_mask_reply(char *text, size_t cap);

/* ---- bounces (verp.c, bounce.c) ---- */
#define NOTIFY_VERP_MAX 128
/* The envelope sender of notice NOTICE_ID for bounce address BOUNCE (VERP):
 * "bounces@example.org" + "2026-0001-000042" -> "bounces+2026-0001-000042@example.org".
 * 0, or -1 when BOUNCE has no '@' or the result does not fit LEN. */
int notify_verp(const char *bounce, const char *notice_id, char *out, size_t len);

/* what --bounces lists: returned mail it could not record against a notice of the incident */
enum notify_bounce_what {
    NB_UNMATCHED, /* names no notice */
    NB_UNKNOWN_NOTICE, /* names a notice id the register does not have */
    NB_OTHER_INCIDENT, /* names a notice of another incident */
    NB_MALFORMED, /* not a readable mail or delivery report (why in detail) */
    NB_NOT_BOUNCE, /* reports no failure: a reply, a "delivered" report */
};
struct notify_bounce_item {
    enum notify_bounce_what what;
    char source[400]; /* "new/1733.host" or "PATH, message 3 (line 120)" */
    char notice_id[64];
    char detail[420]; /* addresses masked */
};
struct notify_bounce_stats {
    int64_t mails; /* read */
    int64_t failed, delayed; /* recorded now */
    int64_t again; /* recorded by an earlier run (the same mail) */
    int64_t unmatched, malformed, not_bounce; /* listed in items */
    struct notify_bounce_item *items;
    size_t nitems;
};
/* Read the returned mail at PATH — a Maildir (cur/ and new/, or a directory of message files),
 * an mbox, or one saved message — and record every failed or delayed report about a notice of
 * INC (one transaction). Unmatched, malformed and not-a-bounce mail is counted and listed in
 * st->items, never fatal. The notice is found by its VERP address (notices.bounce_address) or
 * its Message-ID (dsn.h). 0, or an exit code with reg_err(r) (PATH unreadable: 2).
 * st is released with notify_bounce_stats_release. */
int notify_bounces(reg *r, const struct incident *inc, const char *path, int64_t at, struct notify_bounce_stats *st);
void notify_bounce_stats_release(struct notify_bounce_stats *st);

/* ---- letters (letters.c; the PDF: letter_pdf.h) ---- */
#define NOTIFY_FOR_NO_EMAIL 1u /* people without an e-mail address */
#define NOTIFY_FOR_FAILED 2u /* people whose latest e-mail notice failed for good */
#define NOTIFY_FOR_ALL 4u /* everyone exposed */
struct notify_letter_opts {
    int64_t approval_id; /* the approval the letters are made under */
    const char *dir; /* DIR/NOTICE-ID.pdf, DIR/letters-NOTICE-ID.{pdf,csv}; the directory exists */
    unsigned who; /* NOTIFY_FOR_* */
    int threads; /* 1 .. NOTIFY_MAX_THREADS */
    int max_attempts; /* a notice failed this often has failed for good (NOTIFY_FOR_FAILED) */
    int64_t at; /* the letters' date */
    struct notify_progress progress;
};
struct notify_letter_miss {
    const char *subject; /* borrowed from the people */
    char why[120]; /* "no e-mail address and no postal address", "no postcode" */
};
struct notify_letter_stats {
    int64_t eligible; /* people the letters are for (--for) */
    int64_t made, kept; /* letters made now; people who have one from the current scan */
    int64_t written, pages; /* PDFs written into DIR in this run (new ones and missing ones) */
    struct notify_letter_miss *unreachable, *incomplete; /* no address / an incomplete one: no letter */
    size_t nunreachable, nincomplete;
    char combined[4200], manifest[4200]; /* this run's combined PDF and CSV; "" when nothing was written */
};
/* Make, store and write the letters of INC for the people O->who selects (docs/notify.md
 * "Letters"): one letter per person and current scan; a re-run writes only the PDFs missing in
 * O->dir. The caller checked the decision and the approval and holds notify_lock. 0, or an exit
 * code with reg_err(r) (the font missing: 1, naming its Debian package). st is released with
 * notify_letter_stats_release. */
int notify_letters(reg *r, const struct incident *inc, const struct notify_people *pp, const struct notify_content *nc,
                   const struct notify_letter_opts *o, struct notify_letter_stats *st);
void notify_letter_stats_release(struct notify_letter_stats *st);

/* A stored letter (codec "letter1"): the record, and the letter and signature parsed from it
 * (pointing into rec). */
struct notify_letter {
    char *rec;
    size_t rec_len;
    struct letter_doc doc;
    const char *sig; /* the minisign signature file of doc.text */
    size_t sig_len;
};
/* Read the letter of notice ROW: 0, or 1 with reg_err(r). Release with notify_letter_release
 * (which wipes the record: it holds the code). */
int notify_letter_get(reg *r, int64_t row, struct notify_letter *l);
void notify_letter_release(struct notify_letter *l);

/* ---- one sender at a time ----
 * Take the lock file REGISTER.notify-lock (flock, not waiting): 0 and *fd (close it to
 * release; -1 on PostgreSQL, whose lock is the register handle's until it is closed), or 1 with reg_err(r) ("another 'klartext notify' is working on this register"). */
int notify_lock(reg *r, int *fd);

/* ---- the register's server gone (PostgreSQL restarted) ----
 * After a failed register call: 1 when the cause was that the register's server went away (the
 * connection lost: the server rolled the open transaction back, or a lost COMMIT did not commit)
 * and the caller should run that transaction again — after a pause of 200 ms, for up to
 * NOTIFY_DB_WAIT_S seconds from the first such failure (*down, 0 before it; the clock of the
 * caller's retries) — 0 when the failure stands. A transaction run again must be the same: what
 * it writes is made before (a batch's notices, with their numbers and codes), so nothing is
 * stored twice (and notice numbers and codes are unique in the register: a second copy would be
 * refused, never kept). SQLite: always 0. */
#define NOTIFY_DB_WAIT_S 60.0
int notify_db_back(reg *r, double *down);

/* Run BODY(r, arg) until it succeeds or its failure stands: while it fails because the register's
 * server went away (notify_db_back: every 200 ms, for up to NOTIFY_DB_WAIT_S s from the first
 * such failure; DOWN is notify_db_back's clock — NULL: one of its own, from this call), AGAIN(arg)
 * (when not NULL) undoes what the failed try changed outside the register — counters, lists —
 * and BODY runs again from the start. What a retry guarantees: the failed try left nothing in
 * the register (the server rolled its transaction back, or its lost COMMIT did not commit), so
 * a BODY that writes what was made before it — the same rows, numbers and codes — stores them
 * exactly once; a BODY that only reads reads again. Returns BODY's last code (reg_err(r)).
 * notify_in_tx: the same, with BODY in one transaction of its own (begin, BODY, commit; rolled
 * back when any of them fails). */
int notify_again(reg *r, double *down, int (*body)(reg *r, void *arg), void *arg, void (*again)(void *arg));
int notify_in_tx(reg *r, double *down, int (*body)(reg *r, void *arg), void *arg, void (*again)(void *arg));
#endif
