/* send.c — the exactly-once sending loop of the outbox (notify.h, register/outbox.h).
 *
 * A run keeps up to N messages on their way to the relay at once, over at most N connections
 * that each carry one message after another (smtp.h's pool). It goes round:
 *   collect   take the messages that finished: their results; or, when a connection failed
 *             before its message was handed over, the message back to the hand-out queue
 *   commit    one transaction: settle every result (sent; failed, retried after a back-off or
 *             permanently; unknown: stays `sending`, held) and claim as many due notices as
 *             connections are free (`sending` under the run's claim token)
 *   hand out  give the claimed notices to free connections, paced to the run's total rate
 * Every notice is marked `sending` and committed before a connection takes it, and is claimed
 * only for a free connection, so at any moment at most N notices are in flight: after a crash
 * those are the ones in doubt, and they are held.
 *
 * Connections (conn_failed): a failure before the message was handed over (no connection, a
 * 421 or another refusal of the session, the connection lost before "354") is the
 * connection's, not the notice's:
 *   - a connection that had carried messages before and was closed by the relay (after K
 *     messages, say) is replaced by a new one, and the message goes out on it;
 *   - a new connection that fails while others work means the relay takes fewer than N: the
 *     run goes on with the open ones (for the rest of the run; a new connection is made only
 *     when no open one is free) and the message waits for one of them;
 *   - otherwise the notice failed for now (retried after its back-off) and after
 *     NOTIFY_STOP_AFTER such failures in a row the run stops; a 5xx refusal of the session
 *     itself (authentication failed) stops it at once, the notice not attempted.
 * A connection that is still not through to MAIL FROM after the grace period while others
 * deliver (a relay that leaves connections over its limit waiting in its accept queue) is
 * given up and counts as a new connection that failed.
 *
 * The register's server gone (PostgreSQL restarted, notify_db_back): a round whose transaction
 * failed because the connection was lost was rolled back by the server; the run keeps the
 * connections to the relay going and runs the round again on a new connection, for up to
 * NOTIFY_DB_WAIT_S seconds, so that what went out is recorded once the server is back (and no
 * notice is left `sending`, in doubt). After that the run stops with the register's error. The
 * results of a round that was not committed stay in memory (the run knows the relay took those
 * messages) and go into every later round until one commits — also after the run stopped, while
 * the messages still on their way come back; only those the register never took again are left
 * `sending`, in doubt. */
#include "notify/notify.h"
#include "notify/pack.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mono.h"
#include "util/xalloc.h"
#include <math.h>
#include <sodium.h>
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

/* at most RATE messages a second over the whole run, all connections together (0: no limit):
   message k (from 0) starts k / RATE seconds after the first at the earliest */
struct pace {
    double rate, t0;
    int64_t started; /* messages handed over so far */
};

/* how many messages may start now */
static int64_t pace_allow(const struct pace *p)
{
    if (p->rate <= 0) return INT64_MAX / 2;
    return (int64_t)floor((mono_now() - p->t0) * p->rate) + 1 - p->started;
}

/* milliseconds until the next message may start (0: now) */
static int pace_wait_ms(const struct pace *p)
{
    if (p->rate <= 0) return 0;
    double w = (double)p->started / p->rate - (mono_now() - p->t0);
    return w > 0 ? (int)ceil(w * 1000) : 0;
}

/* ---------------------------------------------------------------- the run */

/* one claimed notice on its way to the relay */
struct delivery {
    struct outbox_item it;
    const char *mail_from; /* its envelope sender: o->from, or its own bounce address (verp) */
    char verp[NOTIFY_VERP_MAX];
    int retried; /* times handed to a new connection after the relay closed the one it was on */
    int given_up; /* its connection was given up (give_up_stalled) */
    int res; /* enum smtp_result */
    struct smtp_reply rep;
};

/* a connection slot of the pool */
struct slot {
    struct delivery *d; /* the message it carries, or NULL */
    struct buf msg;
    double started;
    int open; /* its last message went out: its connection is open (libcurl closes it after a failure) */
    int given_up; /* give_up_stalled asked its connection to be given up */
};

/* claimed notices in order: waiting for a connection (ready), or finished (done) */
struct queue {
    struct delivery **d;
    size_t n;
};

struct sender {
    reg *r;
    int64_t incident_id;
    const struct notify_send_opts *o;
    struct notify_send_stats *st;
    char token[OUTBOX_TOKEN_MAX]; /* this run's claims */
    struct smtp_pool *pool;
    struct slot *slot;
    int nslot, limit, busy; /* slots; how many may be busy (fewer when the relay refuses more); busy */
    struct queue ready, done;
    struct pace pace;
    double grace, last_ok; /* seconds a connection may take to reach MAIL FROM; when a message last went out */
    int64_t claimed, settled, total;
    int conn_fail; /* connections failed in a row */
    /* when the register's server was first found gone (0: it is there): the clock of the run's
       retries (notify_db_back), over rounds and messages until one gets through. Their pause is
       notify_db_back's, not smtp_pool_wait: that returns at once while a finished message waits
       to be collected, and the run would try the server thousands of times a second. The
       messages on their way go on meanwhile (each connection has its own thread). */
    double db_down;
    int exhausted, stopping;
    int rc; /* the first register error */
};

static void push(struct queue *q, struct delivery *d, int front)
{
    if (front) {
        memmove(q->d + 1, q->d, q->n * sizeof *q->d);
        q->d[0] = d;
    } else q->d[q->n] = d;
    q->n++;
}

static struct delivery *pop(struct queue *q)
{
    struct delivery *d = q->d[0];
    memmove(q->d, q->d + 1, --q->n * sizeof *q->d);
    return d;
}

static void delivery_free(struct delivery *d)
{
    outbox_item_release(&d->it);
    free(d);
}

static void progress(const struct sender *s, enum notify_step step)
{
    const struct notify_progress *p = &s->o->progress;
    if (p->fn) p->fn(p->arg, "sending", s->settled, s->total, step);
}

static void stop(struct sender *s, const char *reason)
{
    s->stopping = 1;
    s->st->stopped = 1;
    if (reason) snprintf(s->st->reason, sizeof s->st->reason, "%s", reason);
}

/* ---------------------------------------------------------------- collect */

/* the relay takes fewer connections than the run has: go on with the open ones (or, before any
   has carried a message, with those still busy) */
static void fewer(struct sender *s)
{
    int n = 0;
    for (int i = 0; i < s->nslot; i++) n += s->slot[i].open;
    if (!n) n = s->busy;
    if (n >= 1 && n < s->limit) s->limit = n;
}

/* A connection failed before D was handed over: 1 when D waits for another connection, 0 when
   D failed for now (D->res, D->rep are set). */
static int conn_failed(struct sender *s, struct delivery *d)
{
    if (d->rep.reused && d->retried < NOTIFY_STOP_AFTER) { /* the relay closed a connection it had used: a new one */
        d->retried++;
        push(&s->ready, d, 1);
        return 1;
    }
    if (s->busy > 0 || d->given_up) { /* a new connection failed while others work: the relay takes fewer */
        fewer(s);
        push(&s->ready, d, 1);
        return 1;
    }
    if (d->rep.stage == SMTP_STAGE_SESSION && d->rep.code >= 500) {
        /* the relay refuses the session itself (e.g. 535 authentication failed): not this notice's fault */
        char why[SMTP_REPLY_MAX + 40];
        snprintf(why, sizeof why, "the mail server refused the session: %s", d->rep.text);
        stop(s, why);
        s->st->refused = 1;
        push(&s->ready, d, 1);
        return 1;
    }
    if (++s->conn_fail >= NOTIFY_STOP_AFTER) stop(s, d->rep.text);
    return 0;
}

/* a failure of the connection or session rather than of the message */
static int connection_level(int res, const struct smtp_reply *rep)
{
    if (res == SMTP_OK || res == SMTP_UNKNOWN || rep->stage == SMTP_STAGE_DATA) return 0;
    return rep->stage == SMTP_STAGE_SESSION || (res == SMTP_TRANSIENT && (rep->code == 0 || rep->code == 421));
}

/* Connections still not through to MAIL FROM after the grace period while others deliver are
   given up: their messages come back (conn_failed) and wait for the connections that work. */
static void give_up_stalled(struct sender *s)
{
    double now = mono_now();
    for (int i = 0; i < s->nslot && s->busy > 1; i++) {
        const struct slot *sl = &s->slot[i];
        if (sl->d && !sl->given_up && now - sl->started >= s->grace && s->last_ok > sl->started &&
            smtp_pool_stage(s->pool, i) == SMTP_STAGE_SESSION) {
            smtp_pool_give_up(s->pool, i);
            s->slot[i].given_up = 1;
        }
    }
}

/* take the finished messages */
static void collect(struct sender *s)
{
    int i, res;
    struct smtp_reply rep;
    while (smtp_pool_done(s->pool, &i, &res, &rep)) {
        struct delivery *d = s->slot[i].d;
        s->slot[i].d = NULL;
        s->slot[i].open = res == SMTP_OK;
        d->given_up = s->slot[i].given_up && rep.stage == SMTP_STAGE_SESSION;
        s->slot[i].given_up = 0;
        s->busy--;
        notify_mask_reply(rep.text, sizeof rep.text);
        d->res = res;
        d->rep = rep;
        if (connection_level(res, &rep)) {
            if (conn_failed(s, d)) continue;
        } else {
            s->conn_fail = 0;
            s->last_ok = mono_now();
        }
        push(&s->done, d, 0);
    }
    give_up_stalled(s);
}

/* ---------------------------------------------------------------- commit */

/* the new state of an attempted notice */
static int settle_one(struct sender *s, const struct delivery *d, int64_t at)
{
    int64_t row = d->it.row;
    const char *t = s->token, *reply = d->rep.text;
    switch (d->res) {
    case SMTP_OK: return outbox_settle(s->r, row, t, OB_SENT, at, 0, reply, 0, 0);
    case SMTP_PERMANENT: return outbox_settle(s->r, row, t, OB_FAILED, at, 0, reply, 1, 0);
    case SMTP_TRANSIENT:
        return outbox_settle(s->r, row, t, OB_FAILED, at, 0, reply, 0, at + backoff(d->it.attempts + 1));
    default: /* unknown: stays `sending`, held for an operator */
        return outbox_settle(s->r, row, t, OB_SENDING, at, 0, reply, 0, 0);
    }
}

/* how many notices to claim now: one for each free connection, within --limit and the rate */
static size_t claim_want(struct sender *s)
{
    if (s->stopping || s->exhausted) return 0;
    int64_t want = (int64_t)s->limit - s->busy - (int64_t)s->ready.n;
    int64_t pace = pace_allow(&s->pace) - (int64_t)s->ready.n;
    if (pace < want) want = pace;
    if (s->o->limit && s->o->limit - s->claimed < want) want = s->o->limit - s->claimed;
    return want > 0 ? (size_t)want : 0;
}

/* the results of the finished messages, counted once they are committed */
static void count_done(struct sender *s)
{
    for (size_t i = 0; i < s->done.n; i++) {
        int res = s->done.d[i]->res;
        if (res == SMTP_OK) s->st->sent++;
        else if (res == SMTP_UNKNOWN) s->st->unknown++;
        else s->st->failed++;
    }
}

/* a round: what finished is settled at AT, up to WANT notices claimed into IT, N */
struct round {
    struct sender *s;
    size_t want, n;
    int64_t at;
    struct outbox_item *it;
};

/* the round ARG (a struct round), in the caller's transaction */
static int round_rows(reg *r, void *arg)
{
    struct round *x = arg;
    struct sender *s = x->s;
    int rc = 0;
    for (size_t i = 0; i < s->done.n && !rc; i++) rc = settle_one(s, s->done.d[i], x->at);
    if (!rc && x->want)
        rc = outbox_claim(r, s->incident_id, s->token, x->at, s->o->max_attempts, x->want, &x->it, &x->n);
    return rc;
}

/* a round that was not committed: the notices it claimed are not the run's */
static void round_undo(void *arg)
{
    struct round *x = arg;
    outbox_items_free(x->it, x->n);
    x->it = NULL;
    x->n = 0;
}

/* one transaction: settle what finished, claim what the free connections take next (again while
   the register's server restarts: notify_db_back) */
static int commit_round(struct sender *s)
{
    size_t want = claim_want(s);
    if (!s->done.n && !want) return 0;
    struct round x = {.s = s, .want = want, .at = notify_now(&s->o->clock)};
    int rc = notify_in_tx(s->r, &s->db_down, round_rows, &x, round_undo);
    if (rc) {
        round_undo(&x);
        return rc; /* the results wait in s->done for the next round */
    }
    struct outbox_item *it = x.it;
    size_t n = x.n;
    s->db_down = 0;
    count_done(s);
    s->settled += (int64_t)s->done.n;
    s->claimed += (int64_t)n;
    if (n < want || (s->o->limit && s->claimed >= s->o->limit)) s->exhausted = 1;
    for (size_t i = 0; i < n; i++) {
        struct delivery *d = xcalloc(1, sizeof *d);
        d->it = it[i]; /* its strings move with it */
        d->mail_from = s->o->bounce && *s->o->bounce &&
                               !notify_verp(s->o->bounce, d->it.notice_id, d->verp, sizeof d->verp)
                           ? d->verp
                           : s->o->from;
        push(&s->ready, d, 0);
    }
    free(it);
    if (s->done.n) progress(s, NOTIFY_STEP);
    for (size_t i = 0; i < s->done.n; i++) delivery_free(s->done.d[i]);
    s->done.n = 0;
    return 0;
}

/* ---------------------------------------------------------------- hand out */

/* a free slot, one with an open connection first: a new connection is made only when none is
   free, so that a relay that takes M connections does not see an (M+1)th while M are open */
static int idle_slot(const struct sender *s)
{
    int any = -1;
    for (int i = 0; i < s->nslot; i++)
        if (!s->slot[i].d) {
            if (s->slot[i].open) return i;
            if (any < 0) any = i;
        }
    return any;
}

/* give waiting notices to free connections */
static void hand_out(struct sender *s)
{
    while (s->ready.n && !s->stopping && s->busy < s->limit && pace_allow(&s->pace) > 0) {
        int i = idle_slot(s);
        if (i < 0) return;
        struct slot *sl = &s->slot[i];
        struct delivery *d = s->ready.d[0];
        int rc = pack_message(s->r, d->it.row, &sl->msg);
        if (rc && notify_db_back(s->r, &s->db_down)) return; /* the register's server is gone: the notice waits */
        if (!rc) s->db_down = 0;
        if (!rc && smtp_pool_start(s->pool, i, d->mail_from, d->it.rcpt, sl->msg.p, sl->msg.len))
            rc = reg_fail(s->r, 1, "cannot start sending a message: out of memory");
        if (rc) {
            if (!s->rc) s->rc = rc;
            stop(s, NULL);
            return;
        }
        pop(&s->ready);
        sl->d = d;
        sl->started = mono_now();
        s->busy++;
        s->pace.started++;
    }
}

/* the claimed notices that never went out, back to where they were at ARG's time (a struct
   round: s, at), in the caller's transaction */
static int put_back_rows(reg *r, void *arg)
{
    const struct round *x = arg;
    const struct sender *s = x->s;
    int rc = 0;
    for (size_t i = 0; i < s->ready.n && !rc; i++) {
        const struct outbox_item *it = &s->ready.d[i]->it;
        rc = outbox_settle(r, it->row, s->token, it->state == OB_FAILED ? OB_FAILED : OB_QUEUED, x->at, -1,
                           "not attempted (the run stopped)", 0, 0);
    }
    return rc;
}

/* Claimed notices that never went out (the run stopped) go back to where they were (again while
   the register's server restarts: notify_db_back). */
static int put_back(struct sender *s)
{
    if (!s->ready.n) return 0;
    struct round x = {.s = s, .at = notify_now(&s->o->clock)};
    int rc = notify_in_tx(s->r, &s->db_down, put_back_rows, &x, NULL);
    while (s->ready.n) delivery_free(pop(&s->ready));
    return rc;
}

/* how long to wait for the connections before looking again */
static int wait_ms(const struct sender *s)
{
    int ms = 100; /* stalled connections are looked for this often */
    if (s->ready.n && s->busy < s->limit && !s->stopping) {
        int p = pace_wait_ms(&s->pace);
        if (p < ms) ms = p > 0 ? p : 1;
    }
    return ms;
}

static int sender_init(struct sender *s)
{
    const struct notify_send_opts *o = s->o;
    char err[400];
    struct outbox_counts oc;
    int rc;
    s->nslot = s->limit = o->connections > 0 ? o->connections : NOTIFY_CONNECTIONS_DEFAULT;
    s->grace = (o->connect_grace_ms > 0 ? o->connect_grace_ms : NOTIFY_CONNECT_GRACE_MS) / 1000.0;
    if (!(s->pool = smtp_pool_open(&o->smtp, s->nslot, err, sizeof err))) return reg_fail(s->r, 2, "%s", err);
    if ((rc = outbox_count(s->r, s->incident_id, o->max_attempts, &oc))) return rc;
    s->total = oc.queued + oc.failed_retry;
    s->slot = xcalloc((size_t)s->nslot, sizeof *s->slot);
    for (int i = 0; i < s->nslot; i++) buf_init(&s->slot[i].msg, NOTICE_MSG_MAX * 2);
    s->ready.d = xcalloc((size_t)s->nslot + 1, sizeof *s->ready.d);
    s->done.d = xcalloc((size_t)s->nslot + 1, sizeof *s->done.d);
    unsigned char t[8];
    randombytes_buf(t, sizeof t);
    sodium_bin2hex(s->token, sizeof s->token, t, sizeof t);
    s->pace = (struct pace){.rate = o->rate, .t0 = mono_now()};
    return 0;
}

static void sender_release(struct sender *s)
{
    for (int i = 0; s->slot && i < s->nslot; i++) {
        if (s->slot[i].d) delivery_free(s->slot[i].d);
        buf_release(&s->slot[i].msg);
    }
    while (s->ready.d && s->ready.n) delivery_free(pop(&s->ready));
    while (s->done.d && s->done.n) delivery_free(pop(&s->done)); /* never recorded: left `sending` */
    free(s->slot);
    free(s->ready.d);
    free(s->done.d);
    smtp_pool_close(s->pool);
}

int notify_send(reg *r, int64_t incident_id, const struct notify_send_opts *o, struct notify_send_stats *st)
{
    struct sender s = {.r = r, .incident_id = incident_id, .o = o, .st = st};
    memset(st, 0, sizeof *st);
    int rc = sender_init(&s);
    if (!rc) {
        progress(&s, NOTIFY_START);
        outbox_tune(r, OUTBOX_TUNE_DURABLE);
        for (;;) {
            collect(&s);
            if ((rc = commit_round(&s)) && !s.rc) {
                s.rc = rc;
                stop(&s, NULL);
            }
            hand_out(&s);
            if (!s.busy && (s.exhausted || s.stopping) && (!s.ready.n || s.stopping)) break;
            smtp_pool_wait(s.pool, wait_ms(&s));
        }
        rc = put_back(&s);
        if (s.rc) rc = s.rc;
        st->connections = s.limit;
        progress(&s, NOTIFY_END);
    }
    sender_release(&s);
    return rc;
}
