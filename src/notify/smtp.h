/* smtp.h — sending one message at a time through an SMTP relay with libcurl.
 *
 * One struct smtp keeps one curl easy handle, so consecutive messages reuse the connection.
 * smtps:// is TLS from the start; smtp:// uses STARTTLS when the server offers it, and with
 * require_tls refuses to go on without it. The server's replies are watched (curl's debug
 * callback), so that each attempt ends in one of four results:
 *   SMTP_OK         the server accepted the message after DATA (its reply, e.g.
 *                   "250 2.0.0 Ok: queued as 4F1C2", is kept as evidence)
 *   SMTP_PERMANENT  a 5xx reply (e.g. 550 for RCPT TO): do not try again
 *   SMTP_TRANSIENT  a 4xx reply, no connection, or a failure before DATA: try again later
 *   SMTP_UNKNOWN    the connection failed after the message was handed over (after "354")
 *                   but before the server's final reply: it may or may not have been accepted
 * SMTP cannot deliver exactly once; the outbox (outbox.h) turns these results into at-least-
 * once delivery with at most the in-flight messages sent twice.
 *
 * Credentials: the caller keeps the password in sodium_malloc'd memory; libcurl makes its own
 * copy while the handle lives (smtp_close wipes what it can: it resets the handle's options). */
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

#define SMTP_REPLY_MAX 400

struct smtp_reply {
    int code; /* the last reply code seen (0 when none) */
    char text[SMTP_REPLY_MAX]; /* the last reply line, or what went wrong ("could not connect …") */
};

struct smtp;
/* Check the URL (scheme smtp or smtps, a host) and set up a handle; no connection yet.
 * Returns NULL with err ("--smtp 'http://x': use smtp:// or smtps://"). */
struct smtp *smtp_open(const struct smtp_conf *c, char *err, size_t errlen);
/* Send MSG (LEN bytes, CRLF line ends) from FROM to RCPT (bare addresses). Never prints.
 * Returns an smtp_result; *rep says why. */
int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg, size_t len, struct smtp_reply *rep);
/* Close the connection (QUIT) and free everything. NULL is fine. */
void smtp_close(struct smtp *s);
/* "sent", "temporary failure", "refused", "unknown" (static) */
const char *smtp_result_str(int r);
#endif
