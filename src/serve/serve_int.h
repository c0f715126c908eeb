/* serve_int.h — what the parts of src/serve share (not for use outside src/serve). */
#ifndef KT_SERVE_INT_H
#define KT_SERVE_INT_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "register/register.h"
#include "register/subjects.h"
#include "register/agents.h"
#include "register/portal_codes.h"
#include "serve/http_parse.h"
#include "serve/serve.h"
#include "serve/session.h"
#include "util/buf.h"

/* ---- the server's process-wide state (set up once before the daemon starts) ---- */
struct srv_keys { /* in sodium_malloc'd memory: guarded, not swapped, wiped when freed */
    unsigned char code_key[32]; /* sign_subkey(SUBKEY_CODE): notice-code lookup hashes */
    unsigned char addr_key[32]; /* keyed hashes of e-mail addresses (constant-time compare) */
    unsigned char audit_key[32]; /* keyed hashes of what agents looked up, for the audit trail */
};
struct srv {
    const struct serve_opts *o;
    struct srv_keys *keys;
    char *pubkey; /* klartext.pub's text */
    int default_de; /* the organisation's first language is German */
    int tls;
};
extern struct srv srv_g; /* state.c */

/* the calling worker thread's read connection to the register (opened on first use, closed
 * by serve_run at shutdown); NULL when it cannot be opened */
reg *srv_reg(void);
/* a short-lived write connection acting as ACTOR (reg_close it); NULL on failure */
reg *srv_reg_write(const char *actor, const char *command);
/* reg_data_version of R, read once per request: at its start on the thread's read connection
 * (srv_reg), and that value again for R until the next request starts on this thread or a write
 * connection is opened (srv_reg_write); state.c. A value read at the request's start or later is always
 * right for the caches that use it (what they read after it is as new or newer); on PostgreSQL
 * each read is a read of the socket (db_pg.c), on SQLite a pragma — a request asked up to three. */
int srv_data_version(reg *r, int64_t *v);
/* what srv_data_version answers for R from now on (server.c, at a request's start; R NULL: read) */
void srv_request_version(reg *r, int64_t v);

/* ---- the set of known codes (codeset.c, docs/serve.md "The code cache") ---- */
/* Is the code whose lookup hash starts with HASH (8 bytes) perhaps a notice's — with the address
 * whose keyed hash (codeset_addr_hash) starts with ADDR, when ADDR is not NULL? 1 (perhaps: look
 * it up), 2 (perhaps, and with the address it went to: look it up with the whole answer), 0 (no
 * notice has it, or the notice that has it went to another address and was not purged — as of
 * R's view of the register at this call), or -1 (the set could not be brought up to date: look
 * it up). Brings the set up to date first when another connection has committed
 * since this thread last did (srv_data_version). */
int codeset_maybe(reg *r, const unsigned char *hash, const unsigned char *addr);
/* the keyed hash (portal-address key) of ADDR normalised as http_email_norm; an address that
   does not normalise ("" included) gets the hash of a text no address normalises to; 1 when ADDR
   was an address, 0 when not (two non-addresses hash alike and must not count as a match) */
int codeset_addr_hash(const char *addr, unsigned char out[32]);
/* notices in the set, and the bytes of its table */
void codeset_stats(size_t *notices, size_t *bytes);
/* free the set (serve_run's shutdown); the next codeset_maybe of every thread starts over */
void codeset_release(void);

/* ---- inclusion proofs from a cache of the log's subtree roots (proofcache.c) ---- */
struct tlog_proof;
/* As tlog_prove_inclusion (register/tlog_store.h), the same proof and root, from the leaf hashes
 * kept in memory (read from the register only when the log has grown; SIZE must not exceed the
 * log's size). Returns 0, 1 (register error) or 2 (INDEX not below SIZE). */
int proofcache_inclusion(reg *r, int64_t index, int64_t size, struct tlog_proof *p);
void proofcache_release(void); /* serve_run's shutdown */

/* ---- notices (lookup.c) ---- */
struct notice_hit {
    int64_t row, incident_id, scan_id, import_id, created_at, sent_at, updated_at;
    char incident_ref[16];
    char notice_id[80];
    char subject[SUBJECT_ID_MAX + 1];
    char lang[4];
    char rcpt_masked[HTTP_FIELD_MAX];
    char state[16];
    char kind[12]; /* "first", "followup" or "letter" */
    char text_sha256[65]; /* of the signed text, hex ("" when none) */
    char title[256]; /* the incident's published title in the notice's language, or "" */
    int64_t purged_at; /* its details were deleted under the retention policy then; 0 = never */
};
struct verify_res {
    int bad_code; /* the input is not a code at all */
    int known; /* a notice with this code exists */
    int with_email; /* an address was given */
    int matched; /* known, and (with_email) the address is the one it went to */
    struct notice_hit h; /* when matched */
    /* the rest of the whole answer, read with the notice's row when the code set said the address
       was the notice's (portal_find_code_detail); kept only when matched, with an address, and not
       purged — what lookup_exposure is asked for next, which takes it over */
    int have_detail;
    struct portal_detail detail;
};
/* Look up CODE (and EMAIL, may be "" or NULL). A code the set of known codes does not hold,
 * and a known one with an address it did not go to (codeset_maybe; malformed codes are hashed as
 * "0000…" and take the same way), is answered without a query; any other does one indexed lookup.
 * In every case: one keyed hash of the address given, one of the address compared with (the
 * notice's, else a stand-in) and a constant-time comparison. Returns 0 or 1 (register error). */
int lookup_verify(reg *r, const char *code, const char *email, struct verify_res *v);
void verify_res_release(struct verify_res *v); /* the detail, when lookup_exposure did not take it */
/* Notices sent to ADDRESS (normalised as http_email_norm), newest first, at most MAX. */
int lookup_by_email(reg *r, const char *address, struct notice_hit *out, size_t max, size_t *n);
/* The date a notice reached its recipient's hands: sent_at, else when it was written/created. */
int64_t lookup_sent_date(const struct notice_hit *h);
/* the incident's title in LANG from its latest published statement ("" when none) */
void lookup_title(reg *r, const char *ref, const char *lang, char *out, size_t outsz);

/* the person's exposure behind a matched notice */
struct person_exposure {
    int found;
    char fields[512], timezone[64];
    char **pages; /* the pages (scans.h's list, owned: person_exposure_release frees it) */
    size_t npages;
    int64_t first_seen, last_seen, views, viewers, signed_in, anonymous;
    int64_t log_index, log_size; /* -1 when the notice is not in the log */
    int have_proof;
    int in_checkpoint; /* the proof is against the latest signed checkpoint */
    json_t *proof; /* tlog_proof_json of the inclusion proof, or NULL */
    char salt_hex[65]; /* the commitment's salt ("" when not a per-notice entry) */
    char committed[256]; /* the committed line "NOTICE-ID SHA-256-OF-TEXT\n" */
    struct notice_hit *notices; /* the person's notices of this incident, newest first (owned) */
    size_t nnotices;
};
/* the whole answer for V's matched notice (V->h); the detail read with it, if any, is taken over */
int lookup_exposure(reg *r, struct verify_res *v, struct person_exposure *e);
/* whom each incident reached, for the agent console: the incidents with notices, newest first */
struct reach_counts {
    char ref[16];
    int64_t sent, written, followups, returned_failed, returned_delayed, not_reachable;
    int64_t letters, not_reached; /* letters by post; people told neither by e-mail nor by letter */
};
/* 0 with *out (malloc'd, free it) and *n, or 1 (register error) */
int lookup_reach(reg *r, struct reach_counts **out, size_t *n);
void person_exposure_release(struct person_exposure *e);

/* ---- HTML (pages.c) ---- */
void html_esc(struct buf *b, const char *s);
/* a page: head, header with the language switch (SELF: the path the switch links to), main
 * opening; html_end closes it */
void html_begin(struct buf *b, reg *r, int de, const char *title, const char *self);
void html_end(struct buf *b, reg *r, int de);
/* public pages: 200, or 404 (nothing published), 500 (register); OUT holds the page */
int page_index(reg *r, int de, struct buf *out);
int page_incident(reg *r, const char *ref, int de, struct buf *out);
int page_not_found(reg *r, int de, struct buf *out);
void page_error(reg *r, int de, int status, struct buf *out);
void page_verify_form(reg *r, int de, struct buf *out);
void page_verify_result(reg *r, int de, const struct verify_res *v, const struct person_exposure *e, struct buf *out);
void page_rate_limited(reg *r, int de, int retry_after, struct buf *out);
/* a POST refused because it came from another site (or without the page's form token) */
void page_refused(reg *r, int de, struct buf *out);
/* agent console: every form carries its token (hidden field "ft", session.h) */
struct agent_forms {
    char login[FORM_TOKEN_HEX], logout[FORM_TOKEN_HEX], lookup[FORM_TOKEN_HEX];
};
void page_agent_login(reg *r, int de, const char *msg, const struct agent_forms *f, struct buf *out);
void page_agent_console(reg *r, int de, const char *agent, const struct agent_forms *f, struct buf *out);
void page_agent_result(reg *r, int de, const char *agent, const struct agent_forms *f, const char *query_shown,
                       int by_code, const struct notice_hit *hits, size_t n, struct buf *out);

/* ---- JSON (api.c) ---- */
json_t *api_incident_list(reg *r);
json_t *api_incident(reg *r, const char *ref); /* NULL when not published */
json_t *api_verify(const struct verify_res *v, const struct person_exposure *e);
json_t *api_agent_hits(reg *r, const struct notice_hit *hits, size_t n);

/* ---- embedded assets (assets.c) ---- */
extern const char asset_style_css[];
extern const size_t asset_style_css_len;
#endif
