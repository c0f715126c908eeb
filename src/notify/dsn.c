/* dsn.c — reading returned mail (dsn.h). */
#include "notify/dsn.h"
#include "notify/mime.h"
#include "util/buf.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DSN_DEPTH 8 /* nested multiparts read at most */
#define DSN_PARTS 64 /* parts of one multipart read at most */

/* ---------------------------------------------------------------- lines and headers */

/* the line at *pos of S (N bytes), without its CR LF: 0 with *l, *ll and *pos past it; -1 at the end */
static int next_line(const char *s, size_t n, size_t *pos, const char **l, size_t *ll)
{
    if (*pos >= n) return -1;
    const char *p = s + *pos, *e = memchr(p, '\n', n - *pos);
    size_t len = e ? (size_t)(e - p) : n - *pos;
    *pos += len + (e ? 1 : 0);
    if (len && p[len - 1] == '\r') len--;
    *l = p;
    *ll = len;
    return 0;
}

/* split S into its header block and body at the first empty line: the body's offset, or N when
   there is none (a message of headers only) */
static size_t body_start(const char *s, size_t n)
{
    size_t pos = 0, ll;
    const char *l;
    while (next_line(s, n, &pos, &l, &ll) == 0)
        if (!ll) return pos;
    return n;
}

/* the unfolded value of the first header NAME in the block H (HN bytes) into OUT (bounded,
   NUL-terminated; white space of folds collapses to one space): 1 found, 0 not */
static int header(const char *h, size_t hn, const char *name, char *out, size_t outsz)
{
    size_t pos = 0, ll, nl = strlen(name), o = 0;
    const char *l;
    int in = 0;
    out[0] = 0;
    while (next_line(h, hn, &pos, &l, &ll) == 0 && ll) {
        if (in && (l[0] == ' ' || l[0] == '\t')) {
            size_t i = 0;
            while (i < ll && (l[i] == ' ' || l[i] == '\t')) i++;
            if (o && o + 1 < outsz && out[o - 1] != ' ') out[o++] = ' ';
            for (; i < ll && o + 1 < outsz; i++) out[o++] = l[i] == '\t' ? ' ' : l[i];
            out[o] = 0;
            continue;
        }
        if (in) break;
        if (ll > nl && l[nl] == ':' && !strncasecmp(l, name, nl)) {
            in = 1;
            size_t i = nl + 1;
            while (i < ll && (l[i] == ' ' || l[i] == '\t')) i++;
            for (; i < ll && o + 1 < outsz; i++) out[o++] = l[i] == '\t' ? ' ' : l[i];
            out[o] = 0;
        }
    }
    while (o && out[o - 1] == ' ') out[--o] = 0;
    return in;
}

static int has_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (!strncasecmp(p, needle, n)) return 1;
    return 0;
}

/* Content-Type: the type in lower case into TYPE, the boundary parameter into BND ("" none) */
static void content_type(const char *h, size_t hn, char *type, size_t tsz, char *bnd, size_t bsz)
{
    char v[1024];
    type[0] = bnd[0] = 0;
    if (!header(h, hn, "Content-Type", v, sizeof v)) {
        snprintf(type, tsz, "text/plain");
        return;
    }
    size_t i = 0;
    for (; v[i] && v[i] != ';' && v[i] != ' ' && i + 1 < tsz; i++) type[i] = (char)tolower((unsigned char)v[i]);
    type[i] = 0;
    const char *b = v;
    while ((b = strchr(b, ';'))) {
        b++;
        while (*b == ' ') b++;
        if (strncasecmp(b, "boundary=", 9)) continue;
        b += 9;
        size_t o = 0;
        if (*b == '"')
            for (b++; *b && *b != '"' && o + 1 < bsz; b++) bnd[o++] = *b;
        else
            for (; *b && *b != ';' && *b != ' ' && o + 1 < bsz; b++) bnd[o++] = *b;
        bnd[o] = 0;
        return;
    }
}

/* ---------------------------------------------------------------- the notice it is about */

static int id_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* copy the notice id at P (up to END, ended by '@') into OUT: 1, or 0 when it is none */
static int take_id(const char *p, const char *end, char *out)
{
    size_t k = 0;
    while (p + k < end && id_char(p[k]) && k + 1 < DSN_ID_MAX) k++;
    if (!k || p + k >= end || p[k] != '@') return 0;
    memcpy(out, p, k);
    out[k] = 0;
    return 1;
}

/* "LOCAL+ID@" in the envelope headers of the top-level block */
static int find_verp(const char *h, size_t hn, const char *local, char *out)
{
    static const char *const names[] = {"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To"};
    char v[1024];
    size_t ln = strlen(local);
    for (size_t k = 0; ln && k < sizeof names / sizeof names[0]; k++) {
        if (!header(h, hn, names[k], v, sizeof v)) continue;
        for (const char *p = v; *p; p++)
            if (!strncasecmp(p, local, ln) && p[ln] == '+' && (p == v || !id_char(p[-1]) || p[-1] == '<') &&
                take_id(p + ln + 1, v + strlen(v), out))
                return 1;
    }
    return 0;
}

/* the first "<notice.ID@" in S (N bytes) */
static int find_message_id(const char *s, size_t n, char *out)
{
    static const char pat[] = "<notice.";
    for (const char *p = s; p && (size_t)(p - s) + sizeof pat - 1 < n;) {
        p = memchr(p, '<', n - (size_t)(p - s));
        if (!p) break;
        if ((size_t)(s + n - p) > sizeof pat - 1 && !strncasecmp(p, pat, sizeof pat - 1) &&
            take_id(p + sizeof pat - 1, s + n, out))
            return 1;
        p++;
    }
    return 0;
}

/* ---------------------------------------------------------------- the delivery-status part */

/* "5.1.1": class 2, 4 or 5, then two numbers of 1 to 3 digits */
static int status_ok(const char *s, size_t n)
{
    if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
    size_t i = 2, d = 0;
    while (i < n && isdigit((unsigned char)s[i]) && d < 4) i++, d++;
    if (!d || d > 3 || i >= n || s[i] != '.') return 0;
    i++, d = 0;
    while (i < n && isdigit((unsigned char)s[i]) && d < 4) i++, d++;
    return d && d <= 3 && i == n;
}

/* one per-recipient group G (GN bytes) into R, if it reports more than the one kept so far */
static void recipient_group(const char *g, size_t gn, struct dsn_result *r, int *best)
{
    char action[64], status[64], rcpt[512], diag[1024];
    if (!header(g, gn, "Action", action, sizeof action)) action[0] = 0;
    if (!header(g, gn, "Status", status, sizeof status)) status[0] = 0;
    char *sp = strchr(status, ' '); /* "5.1.1 (comment)" */
    if (sp) *sp = 0;
    int rank = !strcasecmp(action, "failed") ? 3 : !strcasecmp(action, "delayed") ? 2 : 1;
    if (!*action && status_ok(status, strlen(status))) rank = status[0] == '5' ? 3 : status[0] == '4' ? 2 : 1;
    if (rank <= *best) return;
    *best = rank;
    snprintf(r->action, sizeof r->action, "%.*s", (int)sizeof r->action - 1, action);
    snprintf(r->status, sizeof r->status, "%.*s", (int)sizeof r->status - 1,
             status_ok(status, strlen(status)) ? status : "");
    r->recipient[0] = r->diagnostic[0] = 0;
    if (header(g, gn, "Final-Recipient", rcpt, sizeof rcpt) || header(g, gn, "Original-Recipient", rcpt, sizeof rcpt)) {
        const char *semi = strchr(rcpt, ';');
        const char *a = semi ? semi + 1 : rcpt;
        while (*a == ' ') a++;
        snprintf(r->recipient, sizeof r->recipient, "%.*s", (int)sizeof r->recipient - 1, a);
    }
    if (header(g, gn, "Diagnostic-Code", diag, sizeof diag))
        snprintf(r->diagnostic, sizeof r->diagnostic, "%.*s", (int)sizeof r->diagnostic - 1, diag);
}

/* the groups of a message/delivery-status body B: 0, or -1 (malformed, r->why) */
static int delivery_status(const char *b, size_t bn, struct dsn_result *r)
{
    size_t pos = 0, ll, gstart = 0;
    const char *l;
    int group = 0, best = 0, lines = 0;
    while (pos < bn) {
        while (pos < bn && (b[pos] == '\r' || b[pos] == '\n')) pos++; /* blank lines between groups */
        gstart = pos;
        lines = 0;
        while (next_line(b, bn, &pos, &l, &ll) == 0 && ll) lines++;
        if (!lines) break;
        if (group++) recipient_group(b + gstart, pos - gstart, r, &best);
    }
    r->has_report = 1;
    if (group < 2) {
        snprintf(r->why, sizeof r->why, "a delivery-status part without a per-recipient group");
        return -1;
    }
    if (best == 0 || (!*r->action && !*r->status)) {
        snprintf(r->why, sizeof r->why, "a delivery-status part with neither Action nor Status");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the MIME structure */

static int walk(const char *s, size_t n, int depth, struct dsn_result *r);

/* the parts of a multipart body B between "--BND" lines */
static int walk_multipart(const char *b, size_t bn, const char *bnd, int depth, struct dsn_result *r)
{
    size_t bl = strlen(bnd), pos = 0, ll, start = 0;
    const char *l;
    int parts = 0, open = 0;
    while (next_line(b, bn, &pos, &l, &ll) == 0) {
        if (ll < bl + 2 || l[0] != '-' || l[1] != '-' || memcmp(l + 2, bnd, bl)) continue;
        int last = ll >= bl + 4 && l[bl + 2] == '-' && l[bl + 3] == '-';
        if (open) {
            size_t end = (size_t)(l - b);
            if (end > start && b[end - 1] == '\n') end--;
            if (end > start && b[end - 1] == '\r') end--;
            if (walk(b + start, end - start, depth + 1, r)) return -1;
        }
        open = !last;
        start = pos;
        if (last || ++parts > DSN_PARTS) return 0;
    }
    if (!parts) {
        snprintf(r->why, sizeof r->why, "a multipart whose boundary never occurs");
        return -1;
    }
    return open ? walk(b + start, bn - start, depth + 1, r) : 0; /* unterminated: the rest is the last part */
}

/* one MIME entity S (headers, blank line, body); the delivery-status parts go into r */
static int walk(const char *s, size_t n, int depth, struct dsn_result *r)
{
    char type[128], bnd[256];
    if (depth > DSN_DEPTH) return 0;
    size_t bs = body_start(s, n);
    content_type(s, bs, type, sizeof type, bnd, sizeof bnd);
    if (!strncmp(type, "multipart/", 10)) {
        if (!*bnd) {
            snprintf(r->why, sizeof r->why, "a multipart without a boundary");
            return -1;
        }
        return walk_multipart(s + bs, n - bs, bnd, depth, r);
    }
    if (!strcmp(type, "message/delivery-status") || !strcmp(type, "message/global-delivery-status")) {
        char cte[64];
        if (header(s, bs, "Content-Transfer-Encoding", cte, sizeof cte) && !strcasecmp(cte, "base64")) {
            struct buf d;
            char e[120];
            buf_init(&d, DSN_MSG_MAX);
            int rc = mime_b64_decode(&d, s + bs, n - bs, e, sizeof e);
            if (rc) snprintf(r->why, sizeof r->why, "a delivery-status part in bad base64");
            else rc = delivery_status(d.p ? d.p : "", d.len, r);
            buf_release(&d);
            return rc;
        }
        return delivery_status(s + bs, n - bs, r);
    }
    return 0;
}

/* ---------------------------------------------------------------- without a report */

/* an enhanced status code in the text: its line into r->diagnostic, the code into r->status */
static int status_in_text(const char *s, size_t n, struct dsn_result *r)
{
    size_t pos = 0, ll;
    const char *l;
    while (next_line(s, n, &pos, &l, &ll) == 0)
        for (size_t i = 0; i + 5 <= ll; i++) {
            if ((l[i] != '4' && l[i] != '5') || (i && (isdigit((unsigned char)l[i - 1]) || l[i - 1] == '.'))) continue;
            size_t j = i + 1;
            while (j < ll && (isdigit((unsigned char)l[j]) || l[j] == '.')) j++;
            if (!status_ok(l + i, j - i)) continue;
            snprintf(r->status, sizeof r->status, "%.*s", (int)(j - i), l + i);
            while (ll && (l[0] == ' ' || l[0] == '\t')) l++, ll--;
            snprintf(r->diagnostic, sizeof r->diagnostic, "%.*s", (int)(ll < 399 ? ll : 399), l);
            return 1;
        }
    return 0;
}

/* does the top-level header block look like a mail server's report? */
static int from_mail_server(const char *h, size_t hn)
{
    char from[512], subj[512];
    if (!header(h, hn, "From", from, sizeof from)) from[0] = 0;
    if (!header(h, hn, "Subject", subj, sizeof subj)) subj[0] = 0;
    return has_ci(from, "mailer-daemon") || has_ci(from, "postmaster") || has_ci(subj, "undeliver") ||
           has_ci(subj, "delivery status") || has_ci(subj, "delivery failure") || has_ci(subj, "returned mail") ||
           has_ci(subj, "failure notice") || has_ci(subj, "unzustellbar") || has_ci(subj, "nicht zugestellt");
}

/* ---------------------------------------------------------------- one returned mail */

static void classify(const char *msg, size_t n, size_t bs, struct dsn_result *r)
{
    const char *st = r->status;
    if (r->has_report) {
        if (!strcasecmp(r->action, "failed") || (!*r->action && st[0] == '5')) r->kind = DSN_FAILED;
        else if (!strcasecmp(r->action, "delayed") || (!*r->action && st[0] == '4')) r->kind = DSN_DELAYED;
        else {
            r->kind = DSN_NOT_BOUNCE;
            snprintf(r->why, sizeof r->why, "a delivery report (Action: %s), not a failure", r->action);
        }
        return;
    }
    if (!from_mail_server(msg, bs)) {
        r->kind = DSN_NOT_BOUNCE;
        snprintf(r->why, sizeof r->why, "no delivery status, and not from a mail server (a reply?)");
        return;
    }
    if (status_in_text(msg + bs, n - bs, r) && st[0] == '4') r->kind = DSN_DELAYED;
    else r->kind = DSN_FAILED; /* returned by a mail server: not delivered, whatever the words */
}

enum dsn_kind dsn_read(const char *msg, size_t n, const char *bounce_local, struct dsn_result *r)
{
    memset(r, 0, sizeof *r);
    size_t bs = body_start(msg, n);
    char v[64];
    if (!n || bs >= n ||
        !(header(msg, bs, "From", v, sizeof v) || header(msg, bs, "Subject", v, sizeof v) ||
          header(msg, bs, "Content-Type", v, sizeof v))) {
        r->kind = DSN_MALFORMED;
        snprintf(r->why, sizeof r->why, "not a mail message (no headers, or no body)");
        return r->kind;
    }
    if (bounce_local && find_verp(msg, bs, bounce_local, r->notice_id)) r->by = DSN_BY_VERP;
    else if (find_message_id(msg, n, r->notice_id)) r->by = DSN_BY_MESSAGE_ID; /* returned headers, or a reply's */
    if (walk(msg, n, 0, r)) {
        r->kind = DSN_MALFORMED;
        return r->kind;
    }
    classify(msg, n, bs, r);
    return r->kind;
}

/* ---------------------------------------------------------------- mbox */

int dsn_mbox_next(const char *buf, size_t n, size_t *pos, const char **msg, size_t *len, int *stray)
{
    size_t p = *pos;
    *stray = 0;
    if (p >= n) return -1;
    if (n - p >= 5 && !memcmp(buf + p, "From ", 5)) {
        const char *e = memchr(buf + p, '\n', n - p);
        p = e ? (size_t)(e - buf) + 1 : n;
    } else *stray = 1;
    size_t start = p, q = p;
    /* the next "From " line after a blank line ends this message */
    while (q < n) {
        const char *e = memchr(buf + q, '\n', n - q);
        size_t next = e ? (size_t)(e - buf) + 1 : n;
        int from = next + 5 <= n && !memcmp(buf + next, "From ", 5) && next >= 2 &&
                   (buf[next - 2] == '\n' || (next >= 3 && buf[next - 2] == '\r' && buf[next - 3] == '\n'));
        q = next; /* the blank line before a "From " line is the mbox's, kept with this message */
        if (from) break;
    }
    *msg = buf + start;
    *len = q - start;
    *pos = q;
    return 0;
}
