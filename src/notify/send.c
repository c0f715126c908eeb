/* send.c — the exactly-once sending loop of the outbox (notify.h, register/outbox.h).
 *
 * A run takes the due notices NOTIFY_BATCH_SEND at a time through three steps:
 *   claim    mark them `sending` and commit, before any of them is handed to the relay
 *   deliver  hand each to the relay, paced to the run's rate (one connection today; parallel
 *            connections would share struct pace, which counts the run's total)
 *   record   commit each result: sent, failed (retried after a back-off, or permanently),
 *            unknown (still `sending`), or back to where it was when not attempted
 * so that after a crash at most the notices of one batch are in doubt, and those are held. */
#include "notify/notify.h"
#include "notify/pack.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void notify_mask_reply(char *text, size_t cap)
{
    static const char stop[] = " \t<>\"'(),;:[]";
    char out[SMTP_REPLY_MAX];
    size_t o = 0, n = strlen(text), i = 0;
    while (i < n && o + 1 < sizeof out) {
        size_t ts = i;
        while (i < n && !strchr(stop, text[i])) i++;
        const char *at = memchr(text + ts, '@', i - ts);
        if (at && at > text + ts && at + 1 < text + i) {
            char addr[SMTP_REPLY_MAX], m[SMTP_REPLY_MAX];
            snprintf(addr, sizeof addr, "%.*s", (int)(i - ts), text + ts);
            notice_mask_address(addr, m, sizeof m);
            o += (size_t)snprintf(out + o, sizeof out - o, "%s", m);
        } else o += (size_t)snprintf(out + o, sizeof out - o, "%.*s", (int)(i - ts), text + ts);
        if (o >= sizeof out) o = sizeof out - 1;
        if (i < n && o + 1 < sizeof out) out[o++] = text[i++];
        else if (i < n) i++;
    }
    out[o] = 0;
    snprintf(text, cap, "%s", out);
}

int notify_send_one(const struct smtp_conf *sc, const char *from, const char *to, const char *msg, size_t len,
                    struct smtp_reply *rep, char *err, size_t errlen)
{
    struct smtp *sm = smtp_open(sc, err, errlen);
    if (!sm) return -1;
    int r = smtp_send(sm, from, to, msg, len, rep);
    notify_mask_reply(rep->text, sizeof rep->text);
    smtp_close(sm);
    return r;
}

/* the wait before attempt ATTEMPTS + 1 of a notice: 5 minutes, doubling, at most 6 hours */
static int64_t backoff(int64_t attempts)
{
    int64_t d = 300;
    for (int64_t i = 1; i < attempts && d < 6 * 3600; i++) d *= 2;
    return d > 6 * 3600 ? 6 * 3600 : d;
}

/* ---------------------------------------------------------------- pace */

/* at most RATE messages a second over the whole run (0: no limit) */
struct pace {
    double rate;
    struct timespec t0;
    int64_t started; /* messages handed over so far */
};

static double secs_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void pace_init(struct pace *p, double rate)
{
    p->rate = rate;
    p->started = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

/* wait until the next message may start, and count it */
static void pace_next(struct pace *p)
{
    if (p->rate > 0) {
        double due = (double)p->started / p->rate, el = secs_since(&p->t0);
        if (due > el) {
            double w = due - el;
            struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    p->started++;
}

/* ---------------------------------------------------------------- the run */

/* one claimed notice on its way to the relay */
struct delivery {
    const struct outbox_item *it;
    const char *mail_from; /* its envelope sender: o->from (a per-notice bounce address would go here) */
    int res; /* enum smtp_result */
    struct smtp_reply rep;
};

struct sender {
    reg *r;
    int64_t incident_id;
    const struct notify_send_opts *o;
    struct notify_send_stats *st;
    struct smtp *sm; /* the connection */
    struct pace pace;
    struct buf msg; /* the message being handed over */
    int64_t attempted, total;
    int conn_fail; /* failed connections in a row */
};

static void progress(const struct sender *s, enum notify_step step)
{
    const struct notify_progress *p = &s->o->progress;
    if (p->fn) p->fn(p->arg, "sending", s->attempted, s->total, step);
}

/* Claim up to WANT due notices: mark them `sending` and commit. 0 with *it, *n (0 when none). */
static int claim(struct sender *s, size_t want, struct outbox_item **it, size_t *n)
{
    int64_t now = notify_now(&s->o->clock);
    int rc;
    if ((rc = outbox_due(s->r, s->incident_id, now, s->o->max_attempts, want, it, n))) return rc;
    if (!*n) return 0;
    if ((rc = reg_begin(s->r))) return rc;
    for (size_t i = 0; i < *n && !rc; i++)
        rc = outbox_set_state(s->r, (*it)[i].row, (int)(*it)[i].state, OB_SENDING, now, 1, NULL, 0, 0);
    if (rc || (rc = reg_commit(s->r))) reg_rollback(s->r);
    return rc;
}

/* Hand the claimed notices to the relay, one after another on the one connection: *done gets
 * the number attempted (fewer than n when the run stops, or a stored message cannot be read:
 * then the register's error code). */
static int deliver(struct sender *s, struct delivery *d, size_t n, size_t *done)
{
    int rc = 0;
    for (*done = 0; *done < n; (*done)++) {
        struct delivery *x = &d[*done];
        if ((rc = pack_message(s->r, x->it->row, &s->msg))) break;
        pace_next(&s->pace);
        x->res = smtp_send(s->sm, x->mail_from, x->it->rcpt, s->msg.p, s->msg.len, &x->rep);
        notify_mask_reply(x->rep.text, sizeof x->rep.text);
        s->attempted++;
        if (x->res == SMTP_TRANSIENT && x->rep.code == 0) s->conn_fail++;
        else s->conn_fail = 0;
        progress(s, NOTIFY_STEP);
        if (s->conn_fail >= NOTIFY_STOP_AFTER) {
            (*done)++;
            s->st->stopped = 1;
            break;
        }
    }
    return rc;
}

/* the new state of an attempted notice */
static int record_one(struct sender *s, const struct delivery *x, int64_t at)
{
    const struct outbox_item *it = x->it;
    switch (x->res) {
    case SMTP_OK: s->st->sent++; return outbox_set_state(s->r, it->row, OB_SENDING, OB_SENT, at, 0, x->rep.text, 0, 0);
    case SMTP_PERMANENT:
        s->st->failed++;
        return outbox_set_state(s->r, it->row, OB_SENDING, OB_FAILED, at, 0, x->rep.text, 1, 0);
    case SMTP_TRANSIENT:
        s->st->failed++;
        return outbox_set_state(s->r, it->row, OB_SENDING, OB_FAILED, at, 0, x->rep.text, 0,
                                at + backoff(it->attempts + 1));
    default: /* unknown: stays `sending`, held for an operator */
        s->st->unknown++;
        return outbox_set_state(s->r, it->row, OB_SENDING, OB_SENDING, at, 0, x->rep.text, 0, 0);
    }
}

/* Commit the results of a batch; the notices not attempted go back to where they were. */
static int record(struct sender *s, const struct delivery *d, size_t n, size_t done)
{
    int64_t at = notify_now(&s->o->clock);
    int rc;
    if ((rc = reg_begin(s->r))) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i < done) rc = record_one(s, &d[i], at);
        else
            rc = outbox_set_state(s->r, d[i].it->row, OB_SENDING, d[i].it->state == OB_FAILED ? OB_FAILED : OB_QUEUED,
                                  at, -1, "not attempted (the run stopped)", 0, 0);
    }
    if (rc || (rc = reg_commit(s->r))) reg_rollback(s->r);
    return rc;
}

/* one batch: claim, deliver, record; *more 0 when nothing was due */
static int send_batch(struct sender *s, int *more)
{
    size_t want = NOTIFY_BATCH_SEND, n = 0, done = 0;
    struct outbox_item *it = NULL;
    *more = 0;
    if (s->o->limit && s->o->limit - s->attempted < (int64_t)want) want = (size_t)(s->o->limit - s->attempted);
    if (!want) return 0;
    int rc = claim(s, want, &it, &n);
    if (rc || !n) {
        outbox_items_free(it, n);
        return rc;
    }
    struct delivery *d = xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = (struct delivery){.it = &it[i], .mail_from = s->o->from};
    rc = deliver(s, d, n, &done);
    int rc2 = record(s, d, n, done);
    free(d);
    outbox_items_free(it, n);
    *more = !s->st->stopped;
    return rc ? rc : rc2;
}

int notify_send(reg *r, int64_t incident_id, const struct notify_send_opts *o, struct notify_send_stats *st)
{
    char err[400];
    struct outbox_counts oc;
    struct sender s = {.r = r, .incident_id = incident_id, .o = o, .st = st};
    int rc, more = 1;
    memset(st, 0, sizeof *st);
    if (!(s.sm = smtp_open(&o->smtp, err, sizeof err))) return reg_fail(r, 2, "%s", err);
    if ((rc = outbox_count(r, incident_id, o->max_attempts, &oc))) {
        smtp_close(s.sm);
        return rc;
    }
    s.total = oc.queued + oc.failed_retry;
    progress(&s, NOTIFY_START);
    buf_init(&s.msg, NOTICE_MSG_MAX * 2);
    pace_init(&s.pace, o->rate);
    outbox_tune(r, OUTBOX_TUNE_DURABLE);
    while (!rc && more) rc = send_batch(&s, &more);
    progress(&s, NOTIFY_END);
    buf_release(&s.msg);
    smtp_close(s.sm);
    return rc;
}
