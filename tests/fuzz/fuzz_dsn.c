/* fuzz_dsn.c — libFuzzer target for the returned-mail reader (src/notify/dsn.c), which reads
 * whatever arrives at the bounce address: RFC 3464 reports, other servers' bounces, replies,
 * spam. Byte 0 picks the mode:
 *   even  the rest is one returned mail: dsn_read never fails to fill its result; every string
 *         in it is NUL-terminated within its field; a notice id holds only [0-9A-Za-z-]; a status
 *         is "" or CLASS.N.N with class 2, 4 or 5; failed/delayed agree with the status class
 *         when the report gave no Action; the same bytes give the same result.
 *   odd   the rest is an mbox: dsn_mbox_next hands out messages that tile the input in order,
 *         each inside it, and always ends; every message is then read as above. */
#include "../../src/notify/dsn.h"
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_str(const char *s, size_t cap)
{
    if (!memchr(s, 0, cap)) abort();
}

static void check(const char *msg, size_t n)
{
    struct dsn_result r, again;
    enum dsn_kind k = dsn_read(msg, n, "bounces", &r);
    if (k != r.kind || (unsigned)k > DSN_MALFORMED) abort();
    check_str(r.notice_id, sizeof r.notice_id);
    check_str(r.status, sizeof r.status);
    check_str(r.action, sizeof r.action);
    check_str(r.recipient, sizeof r.recipient);
    check_str(r.diagnostic, sizeof r.diagnostic);
    check_str(r.why, sizeof r.why);
    for (const char *p = r.notice_id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-') abort();
    if ((r.by == DSN_BY_NONE) != !*r.notice_id) abort();
    if (*r.status) {
        if (r.status[0] != '2' && r.status[0] != '4' && r.status[0] != '5') abort();
        if (r.status[1] != '.' || !strchr(r.status + 2, '.')) abort();
    }
    if (r.has_report && !*r.action && *r.status) {
        if (k == DSN_FAILED && r.status[0] != '5') abort();
        if (k == DSN_DELAYED && r.status[0] != '4') abort();
    }
    dsn_read(msg, n, "bounces", &again);
    if (memcmp(&r, &again, sizeof r)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    if (!(data[0] & 1)) {
        check(s, n);
        return 0;
    }
    size_t pos = 0, len, last_end = 0, count = 0;
    const char *m;
    int stray;
    while (dsn_mbox_next(s, n, &pos, &m, &len, &stray) == 0) {
        if (m < s + last_end || m + len > s + n || pos <= last_end || pos > n) abort();
        last_end = pos;
        if (++count > n + 1) abort(); /* it always moves on */
        check(m, len);
    }
    if (pos < n && n) abort();
    return 0;
}
