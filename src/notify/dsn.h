/* dsn.h — reading returned mail: RFC 3464 delivery status notifications (multipart/report with a
 * message/delivery-status part) and bounces without one, from an mbox or one message at a time
 * (docs/notify.md "Bounces"). A leaf of notify: libc, util/ and mime.h only; never trusts its
 * input (fuzzed by tests/fuzz/fuzz_dsn.c).
 *
 * Which notice a returned mail is about, in this order:
 *   1. the VERP address it was sent back to ("bounces+2026-0001-000042@example.org" in To,
 *      Delivered-To, X-Original-To, Envelope-To or X-Envelope-To), when a bounce local part is
 *      given: the notice's own envelope sender, so no guessing;
 *   2. the notice's Message-ID ("<notice.2026-0001-000042@host>") in the returned headers or
 *      message, for servers that send the bounce to another address.
 * What happened: the first per-recipient group of the delivery-status part whose Action is
 * failed or delayed (failed first), with its Status and Diagnostic-Code; without such a part,
 * an enhanced status code (RFC 3463, "5.1.1") in the text. 5.x.x is failed, 4.x.x delayed. */
#ifndef KT_DSN_H
#define KT_DSN_H
#include <stddef.h>

#define DSN_MSG_MAX ((size_t)16 << 20) /* one returned mail, at most */
#define DSN_ID_MAX 64

enum dsn_kind {
    DSN_FAILED, /* 5.x.x, or Action: failed */
    DSN_DELAYED, /* 4.x.x, or Action: delayed */
    DSN_NOT_BOUNCE, /* names a notice but reports no failure (a reply, a delivered/relayed report) */
    DSN_MALFORMED, /* not a readable message, or a delivery-status part that is not one */
};
enum dsn_by { DSN_BY_NONE, DSN_BY_VERP, DSN_BY_MESSAGE_ID };

struct dsn_result {
    enum dsn_kind kind;
    enum dsn_by by; /* how the notice was found; DSN_BY_NONE: notice_id is "" (unmatched) */
    int has_report; /* a message/delivery-status part was read */
    char notice_id[DSN_ID_MAX]; /* "2026-0001-000042" */
    char status[16]; /* "5.1.1"; "" when none was given */
    char action[16]; /* "failed", "delayed"; "" */
    char recipient[256]; /* Final-Recipient's address, "" */
    char diagnostic[400]; /* Diagnostic-Code (unfolded), or the text's line with the status; "" */
    char why[200]; /* DSN_MALFORMED / DSN_NOT_BOUNCE: what is wrong or what it is */
};

/* Read one returned mail MSG (N bytes, any line ends). BOUNCE_LOCAL: the local part of the
 * organisation's bounce address ("bounces"), or NULL. Always fills *out; returns out->kind. */
enum dsn_kind dsn_read(const char *msg, size_t n, const char *bounce_local, struct dsn_result *out);

/* mbox: the next message of BUF (N bytes) from *POS, without its "From " line: 0 with *msg,
 * *len and *pos moved past it, or -1 at the end. A "From " line starts a message only at the
 * start of BUF or after a blank line (mboxo/mboxrd; ">From " lines are left as they are). Text
 * before the first "From " line is handed out as a message of its own (*stray 1), so that it is
 * counted, not dropped. */
int dsn_mbox_next(const char *buf, size_t n, size_t *pos, const char **msg, size_t *len, int *stray);
#endif
