/* smtp.h — sending messages through an SMTP relay with libcurl, one at a time or many at once.
 *
 * A pool (smtp_pool_*) has SLOTS that each carry one message at a time over a connection of
 * their own, kept open from one message to the next (a new one when the server closed it): with
 * N slots at most N connections are open and each carries many messages. Each slot is a thread
 * with its own libcurl easy handle: libcurl's multi interface cannot keep several SMTP messages
 * in flight at once, because it waits for the server's reply to the end of a message (blocking,
 * in smtp_done) before it serves any other transfer. The pool's functions are called from one
 * thread. struct smtp (smtp_open/smtp_send) is a pool of one slot.
 * smtps:// is TLS from the start; smtp:// uses STARTTLS when the server offers it, and with
 * require_tls refuses to go on without it. The server's replies are watched (curl's debug
 * callback), so that each attempt ends in one of four results:
 *   SMTP_OK         the server accepted the message after DATA (its reply, e.g.
 *                   "250 2.0.0 Ok: queued as 4F1C2", is kept as evidence)
 *   SMTP_PERMANENT  a 5xx reply (e.g. 550 for RCPT TO): do not try again
 *   SMTP_TRANSIENT  a 4xx reply, no connection, or a failure before DATA: try again later
 *   SMTP_UNKNOWN    the connection failed after the message was handed over (after "354")
 *                   but before the server's final reply: it may or may not have been accepted
 * and says how far it got (smtp_reply.stage): a failure before MAIL FROM is one of the session
 * (connection, greeting, EHLO, STARTTLS, AUTH), not of the message.
 * SMTP cannot deliver exactly once; the outbox (outbox.h) turns these results into at-least-
 * once delivery with at most the in-flight messages sent twice.
 *
 * Credentials: the caller keeps the password in sodium_malloc'd memory; libcurl makes its own
 * copy while the handle lives (closing wipes what it can: it resets the handles' options). */
#ifndef KT_SMTP_H
#define KT_SMTP_H
#include <stddef.h>

struct smtp_conf {
    const char *url; /* smtp://host[:port] or smtps://host[:port] */
    int require_tls; /* smtp://: STARTTLS required */
    const char *ca_file; /* trust these CA certificates (PEM) instead of the system's; NULL */
    const char *user; /* NULL: no authentication */
    const char *password;
    long timeout; /* seconds for one message (connect included); 0 = 120 */
};

enum smtp_result { SMTP_OK = 0, SMTP_TRANSIENT = 1, SMTP_PERMANENT = 2, SMTP_UNKNOWN = 3 };

/* how far an attempt got */
enum smtp_stage {
    SMTP_STAGE_SESSION = 0, /* connecting, greeting, EHLO, STARTTLS, AUTH: nothing of the message was sent */
    SMTP_STAGE_ENVELOPE = 1, /* MAIL FROM was sent: the envelope, not yet the message */
    SMTP_STAGE_DATA = 2, /* "354" came back: the message was being handed over */
};

#define SMTP_REPLY_MAX 400
#define SMTP_POOL_MAX 256 /* slots of one pool at most */

struct smtp_reply {
    int code; /* the last reply code seen (0 when none) */
    char text[SMTP_REPLY_MAX]; /* the last reply line, or what went wrong ("could not connect …") */
    int stage; /* enum smtp_stage */
    int reused; /* the attempt ran on a connection that had carried a message before */
};

/* ---- many messages at once ---- */
struct smtp_pool;
/* Check the URL (scheme smtp or smtps, a host) and set up SLOTS (1 .. SMTP_POOL_MAX) slots; no
 * connection yet. Returns NULL with err ("--smtp 'http://x': use smtp:// or smtps://"). */
struct smtp_pool *smtp_pool_open(const struct smtp_conf *c, int slots, char *err, size_t errlen);
/* Start sending MSG (LEN bytes, CRLF line ends; borrowed until the slot's result is taken) from
 * FROM to RCPT (bare addresses) on SLOT, which must be idle. 0, or -1 (the slot is busy, or no
 * memory): the slot stays as it was. */
int smtp_pool_start(struct smtp_pool *p, int slot, const char *from, const char *rcpt, const char *msg, size_t len);
/* Wait until a message has finished, at most TIMEOUT_MS. */
void smtp_pool_wait(struct smtp_pool *p, int timeout_ms);
/* Take one finished message: 1 with *slot, *result (enum smtp_result) and *rep (the slot is idle
 * again), or 0 when none has finished. */
int smtp_pool_done(struct smtp_pool *p, int *slot, int *result, struct smtp_reply *rep);
/* how far the message on busy SLOT has got so far (enum smtp_stage) */
int smtp_pool_stage(struct smtp_pool *p, int slot);
/* Give up the message on SLOT if it is still at SMTP_STAGE_SESSION when libcurl next looks
 * (within about a second): its connection is closed, nothing of the message was sent, and its
 * result (SMTP_TRANSIENT, stage SMTP_STAGE_SESSION, "gave up waiting …") comes as any other.
 * A message that got further carries on. */
void smtp_pool_give_up(struct smtp_pool *p, int slot);
/* Close the connections (QUIT; the slots' threads end) and free everything. NULL is fine. */
void smtp_pool_close(struct smtp_pool *p);

/* ---- one message at a time ---- */
struct smtp;
/* as smtp_pool_open with one slot */
struct smtp *smtp_open(const struct smtp_conf *c, char *err, size_t errlen);
/* Send MSG (LEN bytes, CRLF line ends) from FROM to RCPT (bare addresses). Never prints.
 * Returns an smtp_result; *rep says why. */
int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg, size_t len, struct smtp_reply *rep);
/* Close the connection (QUIT) and free everything. NULL is fine. */
void smtp_close(struct smtp *s);
/* "sent", "temporary failure", "refused", "unknown" (static) */
const char *smtp_result_str(int r);
#endif
