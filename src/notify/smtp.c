/* smtp.c — SMTP through libcurl, one thread and easy handle per slot (see smtp.h). */
#include "notify/smtp.h"
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* one slot: a thread that sends the messages it is given over its easy handle's connection */
struct xfer {
    struct smtp_pool *pool;
    CURL *h;
    pthread_t th;
    int th_started;
    pthread_cond_t go;
    /* under pool->mu */
    int busy; /* a message was given and its result not taken yet */
    int job; /* the thread has a message to send */
    int finished; /* its result is ready */
    int res; /* enum smtp_result */
    struct smtp_reply rep;
    /* the message: set by the pool's thread before job, read by the slot's thread */
    char from[512];
    struct curl_slist *rcpt;
    const char *msg;
    size_t len, pos;
    /* the slot's thread only, while it sends */
    int data_cmd; /* "DATA" was sent */
    int final_reply; /* a reply after the message body */
    int code;
    char last[SMTP_REPLY_MAX];
    int err_code; /* the first 4xx/5xx reply of this message, and its text */
    char err_text[SMTP_REPLY_MAX];
    atomic_int stage; /* enum smtp_stage: read by the pool's thread */
    atomic_int give_up; /* set by the pool's thread */
};

struct smtp_pool {
    pthread_mutex_t mu;
    pthread_cond_t done; /* a message finished */
    int closing;
    int global; /* curl_global_init succeeded */
    int n;
    struct xfer x[];
};

struct smtp {
    struct smtp_pool *p;
};

const char *smtp_result_str(int r)
{
    switch (r) {
    case SMTP_OK: return "sent";
    case SMTP_TRANSIENT: return "temporary failure";
    case SMTP_PERMANENT: return "refused";
    default: return "unknown";
    }
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nitems, left = x->len - x->pos;
    if (n > left) n = left;
    memcpy(buf, x->msg + x->pos, n);
    x->pos += n;
    return n;
}

/* keep one reply line: printable ASCII only, at most SMTP_REPLY_MAX - 1 bytes */
static void keep_line(struct xfer *x, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < sizeof x->last; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r' || c == '\n') break;
        x->last[o++] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    x->last[o] = 0;
}

static int command_is(const char *data, size_t size, const char *cmd)
{
    size_t n = strlen(cmd);
    return size >= n && !strncasecmp(data, cmd, n) && (size == n || strchr("\r\n :", data[n]));
}

/* the last line of a reply: its code, and what it means for the message */
static void reply_line(struct xfer *x, const char *line, size_t n, int code)
{
    keep_line(x, line, n);
    x->code = code;
    if (code >= 400 && !x->err_code) {
        x->err_code = code;
        memcpy(x->err_text, x->last, sizeof x->err_text);
    }
    if (x->data_cmd && code == 354) atomic_store(&x->stage, SMTP_STAGE_DATA);
    else if (atomic_load(&x->stage) == SMTP_STAGE_DATA) x->final_reply = 1;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)h;
    struct xfer *x = ud;
    if (type == CURLINFO_HEADER_OUT) {
        if (command_is(data, size, "MAIL") && atomic_load(&x->stage) < SMTP_STAGE_ENVELOPE)
            atomic_store(&x->stage, SMTP_STAGE_ENVELOPE);
        if (command_is(data, size, "DATA")) x->data_cmd = 1;
        return 0;
    }
    if (type != CURLINFO_HEADER_IN) return 0;
    /* one or more reply lines; the last complete one counts */
    size_t i = 0;
    while (i < size) {
        size_t e = i;
        while (e < size && data[e] != '\n') e++;
        if (e - i >= 3 && isdigit((unsigned char)data[i]) && isdigit((unsigned char)data[i + 1]) &&
            isdigit((unsigned char)data[i + 2])) {
            int code = (data[i] - '0') * 100 + (data[i + 1] - '0') * 10 + (data[i + 2] - '0');
            if (e - i == 3 || data[i + 3] != '-') reply_line(x, data + i, e - i, code);
        }
        i = e + 1;
    }
    return 0;
}

/* libcurl calls this at least once a second: a message given up before MAIL FROM ends here */
static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct xfer *x = ud;
    return atomic_load(&x->give_up) && atomic_load(&x->stage) == SMTP_STAGE_SESSION;
}

/* the URL: smtp:// or smtps://, a host, no spaces; 0 or -1 with err */
static int check_url(const char *u, int *tls, char *err, size_t errlen)
{
    *tls = 0;
    if (!strncasecmp(u, "smtps://", 8)) *tls = 1;
    else if (strncasecmp(u, "smtp://", 7)) {
        snprintf(err, errlen, "--smtp '%.200s': use smtp://HOST[:PORT] or smtps://HOST[:PORT]", u);
        return -1;
    }
    const char *host = u + (*tls ? 8 : 7);
    if (!*host || *host == '/' || *host == ':') {
        snprintf(err, errlen, "--smtp '%.200s': no host", u);
        return -1;
    }
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127) {
            snprintf(err, errlen, "--smtp: the address contains spaces or control characters");
            return -1;
        }
    return 0;
}

/* one easy handle with the relay's settings; 0, or -1 when libcurl lacks something */
static int xfer_setup(struct xfer *x, const struct smtp_conf *c, int tls)
{
    CURL *h = x->h = curl_easy_init();
    if (!h) return -1;
    long timeout = c->timeout > 0 ? c->timeout : 120;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, c->url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) != CURLE_OK; /* feeds debug_cb; nothing is printed */
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK; /* progress_cb: giving up */
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USE_SSL, tls || c->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY) !=
           CURLE_OK;
    if (c->ca_file) bad |= curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file) != CURLE_OK;
    if (c->user) {
        bad |= curl_easy_setopt(h, CURLOPT_USERNAME, c->user) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "") != CURLE_OK;
    }
    return bad ? -1 : 0;
}

/* the result of a finished transfer */
static int classify(struct xfer *x, CURLcode rc, struct smtp_reply *rep)
{
    rep->code = x->code;
    rep->stage = atomic_load(&x->stage);
    if (rc == CURLE_OK && x->final_reply && x->code >= 200 && x->code < 300) {
        snprintf(rep->text, sizeof rep->text, "%s", x->last);
        return SMTP_OK;
    }
    if (rc == CURLE_OK) {
        /* curl says done, but we did not see the final reply: treat as unknown */
        snprintf(rep->text, sizeof rep->text, "no reply after the message%s%.200s", x->last[0] ? "; last: " : "",
                 x->last);
        return SMTP_UNKNOWN;
    }
    if (rep->stage == SMTP_STAGE_DATA && !x->final_reply) {
        snprintf(rep->text, sizeof rep->text, "connection lost after the message was handed over (%s)",
                 curl_easy_strerror(rc));
        return SMTP_UNKNOWN;
    }
    if (x->err_code >= 400) {
        snprintf(rep->text, sizeof rep->text, "%s", x->err_text);
        rep->code = x->err_code;
        return x->err_code >= 500 ? SMTP_PERMANENT : SMTP_TRANSIENT;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        snprintf(rep->text, sizeof rep->text, "gave up waiting for the server to take the connection");
    else
        snprintf(rep->text, sizeof rep->text, "%s%s%.200s", curl_easy_strerror(rc), x->last[0] ? "; last reply: " : "",
                 x->last);
    rep->code = 0;
    return SMTP_TRANSIENT;
}

/* send the slot's message (the slot's thread) */
static void xfer_send(struct xfer *x)
{
    x->pos = 0;
    x->data_cmd = x->final_reply = x->code = x->err_code = 0;
    x->last[0] = x->err_text[0] = 0;
    atomic_store(&x->stage, SMTP_STAGE_SESSION);
    curl_easy_setopt(x->h, CURLOPT_MAIL_FROM, x->from);
    curl_easy_setopt(x->h, CURLOPT_MAIL_RCPT, x->rcpt);
    curl_easy_setopt(x->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
    CURLcode rc = curl_easy_perform(x->h);
    long conns = 1;
    curl_easy_getinfo(x->h, CURLINFO_NUM_CONNECTS, &conns);
    curl_easy_setopt(x->h, CURLOPT_MAIL_RCPT, NULL);
    memset(&x->rep, 0, sizeof x->rep);
    x->res = classify(x, rc, &x->rep);
    x->rep.reused = conns == 0;
}

static void *xfer_thread(void *arg)
{
    struct xfer *x = arg;
    struct smtp_pool *p = x->pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!x->job && !p->closing) pthread_cond_wait(&x->go, &p->mu);
        if (!x->job) break;
        pthread_mutex_unlock(&p->mu);
        xfer_send(x);
        pthread_mutex_lock(&p->mu);
        x->job = 0;
        x->finished = 1;
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    curl_easy_setopt(x->h, CURLOPT_PASSWORD, "");
    curl_easy_cleanup(x->h); /* QUIT */
    x->h = NULL;
    return NULL;
}

struct smtp_pool *smtp_pool_open(const struct smtp_conf *c, int slots, char *err, size_t errlen)
{
    const char *u = c->url ? c->url : "";
    int tls;
    if (check_url(u, &tls, err, errlen)) return NULL;
    if (slots < 1 || slots > SMTP_POOL_MAX) {
        snprintf(err, errlen, "%d connections: use 1 to %d", slots, SMTP_POOL_MAX);
        return NULL;
    }
    struct smtp_pool *p = calloc(1, sizeof *p + (size_t)slots * sizeof p->x[0]);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->done, NULL);
    p->n = slots;
    p->global = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    struct smtp_conf cc = *c;
    cc.url = u;
    for (int i = 0; i < slots; i++) {
        struct xfer *x = &p->x[i];
        x->pool = p;
        pthread_cond_init(&x->go, NULL);
        if (!p->global || xfer_setup(x, &cc, tls)) {
            snprintf(err, errlen, x->h ? "libcurl lacks SMTP support" : "cannot initialise libcurl");
            smtp_pool_close(p);
            return NULL;
        }
        if (pthread_create(&x->th, NULL, xfer_thread, x)) {
            snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
            smtp_pool_close(p);
            return NULL;
        }
        x->th_started = 1;
    }
    return p;
}

int smtp_pool_start(struct smtp_pool *p, int slot, const char *from, const char *rcpt, const char *msg, size_t len)
{
    struct xfer *x = &p->x[slot];
    char t[512];
    snprintf(t, sizeof t, "<%s>", rcpt);
    pthread_mutex_lock(&p->mu);
    int rc = -1;
    if (!x->busy) {
        curl_slist_free_all(x->rcpt);
        if ((x->rcpt = curl_slist_append(NULL, t))) {
            snprintf(x->from, sizeof x->from, "<%s>", from);
            x->msg = msg;
            x->len = len;
            atomic_store(&x->stage, SMTP_STAGE_SESSION);
            atomic_store(&x->give_up, 0);
            x->busy = x->job = 1;
            pthread_cond_signal(&x->go);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static int any_finished(const struct smtp_pool *p)
{
    for (int i = 0; i < p->n; i++)
        if (p->x[i].finished) return 1;
    return 0;
}

void smtp_pool_wait(struct smtp_pool *p, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long ms = timeout_ms < 0 ? 0 : timeout_ms;
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!any_finished(p))
        if (pthread_cond_timedwait(&p->done, &p->mu, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&p->mu);
}

int smtp_pool_done(struct smtp_pool *p, int *slot, int *result, struct smtp_reply *rep)
{
    int found = 0;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->n && !found; i++) {
        struct xfer *x = &p->x[i];
        if (!x->finished) continue;
        *slot = i;
        *result = x->res;
        *rep = x->rep;
        x->finished = x->busy = 0;
        found = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

int smtp_pool_stage(struct smtp_pool *p, int slot)
{
    return atomic_load(&p->x[slot].stage);
}

void smtp_pool_give_up(struct smtp_pool *p, int slot)
{
    atomic_store(&p->x[slot].give_up, 1);
}

void smtp_pool_close(struct smtp_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    for (int i = 0; i < p->n; i++) {
        atomic_store(&p->x[i].give_up, 1);
        pthread_cond_signal(&p->x[i].go);
    }
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++) {
        struct xfer *x = &p->x[i];
        if (!x->pool) break; /* not set up */
        if (x->th_started) pthread_join(x->th, NULL); /* the thread closed its connection */
        else if (x->h) curl_easy_cleanup(x->h);
        curl_slist_free_all(x->rcpt);
        pthread_cond_destroy(&x->go);
    }
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    if (p->global) curl_global_cleanup();
    free(p);
}

/* ---------------------------------------------------------------- one at a time */

struct smtp *smtp_open(const struct smtp_conf *c, char *err, size_t errlen)
{
    struct smtp *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(s->p = smtp_pool_open(c, 1, err, errlen))) {
        free(s);
        return NULL;
    }
    return s;
}

int smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg, size_t len, struct smtp_reply *rep)
{
    int slot, res;
    memset(rep, 0, sizeof *rep);
    if (smtp_pool_start(s->p, 0, from, rcpt, msg, len)) {
        snprintf(rep->text, sizeof rep->text, "out of memory");
        return SMTP_TRANSIENT;
    }
    while (!smtp_pool_done(s->p, &slot, &res, rep)) smtp_pool_wait(s->p, 1000);
    return res;
}

void smtp_close(struct smtp *s)
{
    if (!s) return;
    smtp_pool_close(s->p);
    free(s);
}
