/* server.c — `klartext serve` on libmicrohttpd: the thread pool, routing, HTTP hygiene
 * (limits, status codes, security headers), rate limiting, agent sessions, the page cache,
 * the access log and graceful shutdown. docs/serve.md describes the operation. */
#include "serve/serve_int.h"
#include "serve/ratelimit.h"
#include "serve/wire.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "sign/keys.h"
#include "sign/portalkeys.h"
#include "util/file.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (16 * 1024) /* request bodies */
#define CONN_MEMORY (64 * 1024) /* MHD_OPTION_CONNECTION_MEMORY_LIMIT: headers + buffers */
#define CONN_TIMEOUT 15 /* seconds a connection may be idle */
#define CONN_MAX 4096 /* open connections (--max-connections) */
#define CONN_PER_IP 128 /* open connections per client address (--max-connections-per-ip) */
#define REQ_TIMEOUT 20 /* seconds a whole request may take to arrive (--request-timeout) */
#define AUTH_FREE 5 /* wrong agent tokens per client before the back-off starts */
#define AUTH_MAX_LOCK 900 /* longest lock-out, seconds */
#define AUTH_FORGET 3600 /* failures are forgotten after an hour without one */
#define AUDIT_FAIL_MIN 60 /* failed sign-ins written to the audit trail per minute, in all */
#define CACHE_SLOTS 32 /* rendered public pages per worker thread */
#define LOG_ENTRIES_MAX 1000 /* entries per /log/entries request */
#define SHUTDOWN_WAIT 5 /* seconds in-flight requests get to finish */

static const char CSP[] = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

/* ---------------------------------------------------------------- per-thread state */

struct cache_ent {
    char key[96];
    int64_t version;
    int status;
    char *body;
    size_t len;
};
struct tstate {
    reg *r;
    int64_t org_version; /* data_version when the org cache was last cleared */
    struct cache_ent cache[CACHE_SLOTS];
    size_t next;
};
static __thread struct tstate *t_state;
static pthread_mutex_t states_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tstate **states;
static size_t nstates, capstates;

static int64_t clock_now(void)
{
    int64_t t;
    char err[128];
    if (kt_now(&t, err, sizeof err)) t = (int64_t)time(NULL);
    return t;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tstate *tstate(void)
{
    if (t_state) return t_state;
    struct tstate *t = xcalloc(1, sizeof *t);
    pthread_mutex_lock(&states_mu);
    if (nstates == capstates) {
        capstates = capstates ? capstates * 2 : 16;
        states = xrealloc(states, capstates * sizeof *states);
    }
    states[nstates++] = t;
    pthread_mutex_unlock(&states_mu);
    t_state = t;
    return t;
}

static int64_t data_version(reg *r);

reg *srv_reg(void)
{
    struct tstate *t = tstate();
    if (!t->r) {
        char err[REG_ERRLEN];
        if (reg_open(srv_g.o->db_path, REG_OPEN_READONLY, "portal", "klartext serve", clock_now(), &t->r, err,
                     sizeof err)) {
            fprintf(stderr, "klartext: serve: cannot open the register: %s\n", err);
            t->r = NULL;
        }
    }
    return t->r;
}

/* At the start of a request (never in the middle of one, while pages may hold the values):
   read the data_version for the request (srv_data_version), and forget the organisation values
   this thread cached when another connection has committed since (`klartext org set`; PRAGMA
   data_version counts other connections' commits). */
static void org_refresh_if_changed(void)
{
    struct tstate *t = tstate();
    srv_request_version(NULL, 0);
    if (!t->r) return;
    int64_t v = data_version(t->r);
    if (v >= 0) srv_request_version(t->r, v);
    if (v != t->org_version) {
        reg_org_refresh(t->r);
        t->org_version = v;
    }
}

reg *srv_reg_write(const char *actor, const char *command)
{
    reg *r = NULL;
    char err[REG_ERRLEN];
    srv_request_version(NULL, 0); /* what the request reads after its write sees the write */
    if (reg_open(srv_g.o->db_path, 0, actor, command, clock_now(), &r, err, sizeof err)) {
        fprintf(stderr, "klartext: serve: cannot open the register for writing: %s\n", err);
        return NULL;
    }
    return r;
}

static void states_free(void)
{
    for (size_t i = 0; i < nstates; i++) {
        if (states[i]->r) reg_close(states[i]->r);
        for (size_t k = 0; k < CACHE_SLOTS; k++) free(states[i]->cache[k].body);
        free(states[i]);
    }
    free(states);
    states = NULL;
    nstates = capstates = 0;
    codeset_release();
    proofcache_release();
}

/* the register's change counter as seen by this thread's connection */
static int64_t data_version(reg *r)
{
    int64_t v;
    return srv_data_version(r, &v) ? -1 : v;
}

/* ---------------------------------------------------------------- process-wide pieces */

static struct ratelimit *limiter;
static struct backoff *auth_fail; /* wrong agent tokens per client */
static struct ratelimit *audit_limiter; /* failed sign-ins written to the audit trail, in all */
static _Atomic long audit_suppressed; /* ... and those beyond it, counted for the next entry */
static FILE *access_log; /* swapped under log_mu by a SIGHUP (reopen_log) */
static int log_on; /* an access log is written (set before the daemon starts, never changed) */
static const char *access_log_path; /* --access-log FILE, reopened on SIGHUP (log rotation) */
static int log_stamps = 1; /* 0 when standard error is the journal, which stamps every line */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- requests */

struct req {
    struct buf body;
    int too_big;
    int status;
    size_t sent;
    double t0;
    int close; /* answer with Connection: close (a framing error, a chunked body) */
    int via_proxy; /* the peer is a trusted proxy (--trust-proxy): X-Forwarded-* count */
    int https; /* the client used HTTPS: to us (--tls-cert), or to the trusted proxy, whose
                  X-Forwarded-Proto says https (its last element); cookies are then Secure */
    char method[40]; /* as sent (cut), escaped only when logged */
    char path[128]; /* the path as sent (cut; see handler), escaped only when logged */
    char client[INET6_ADDRSTRLEN + 8]; /* the client's address (access log, audit) */
    char rkey[INET6_ADDRSTRLEN + 8]; /* its rate-limit key: the address; for IPv6 its /64 */
};

/* ---- who the client is ---- */

static struct http_addr *proxies; /* --trusted-proxy; NULL: loopback */
static size_t nproxies;

/* the address in SA (IPv4-mapped IPv6 as IPv4); 0 or -1 */
static int sa_addr(const struct sockaddr *sa, struct http_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(b, mapped, 12)) {
            out->family = AF_INET;
            memcpy(out->a, b + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->a, b, 16);
        }
        return 0;
    }
    return -1;
}

static int proxy_trusted(const struct http_addr *p)
{
    if (!proxies) {
        static const unsigned char lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return (p->family == AF_INET && p->a[0] == 127) || (p->family == AF_INET6 && !memcmp(p->a, lo6, 16));
    }
    for (size_t i = 0; i < nproxies; i++)
        if (proxies[i].family == p->family && !memcmp(proxies[i].a, p->a, p->family == AF_INET ? 4 : 16)) return 1;
    return 0;
}

/* the last X-Forwarded-For field line: several lines are one list (RFC 9110 §5.3), and a
   proxy that adds a line of its own (HAProxy's "option forwardfor") adds it after the client's —
   the first line, which MHD_lookup_connection_value gives, would be the client's to choose */
static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    if (key && value && !strcasecmp(key, "X-Forwarded-For")) *(const char **)cls = value;
    return MHD_YES;
}

static int last_element(const char *v, char *out, size_t outsz);

/* the client: the peer, or with --trust-proxy and a trusted peer the last address of
   X-Forwarded-For (the one the proxy appended, port and brackets taken off; anything before it
   is the client's to choose: see http_xff_last). A last element that is not an address is
   ignored. IPv6 clients are rate-limited per /64. */
static void client_addr(struct MHD_Connection *c, struct req *q)
{
    struct http_addr a;
    snprintf(q->client, sizeof q->client, "-");
    snprintf(q->rkey, sizeof q->rkey, "-");
    q->https = srv_g.tls;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || sa_addr(ci->client_addr, &a)) return;
    if (srv_g.o->trust_proxy && proxy_trusted(&a)) {
        q->via_proxy = 1;
        const char *xff = NULL;
        char host[HTTP_ADDR_TEXT_MAX];
        struct http_addr f;
        MHD_get_connection_values(c, MHD_HEADER_KIND, last_xff, &xff);
        int n = http_xff_last(xff, host, sizeof host);
        if (n > 0 && !http_addr_parse(host, (size_t)n, &f)) a = f;
        char proto[8];
        if (!last_element(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto"), proto, sizeof proto))
            q->https |= !strcasecmp(proto, "https");
    }
    inet_ntop(a.family, a.a, q->client, sizeof q->client);
    if (a.family == AF_INET6) {
        char p64[INET6_ADDRSTRLEN];
        memset(a.a + 8, 0, 8);
        inet_ntop(AF_INET6, a.a, p64, sizeof p64);
        snprintf(q->rkey, sizeof q->rkey, "%s/64", p64);
    } else {
        snprintf(q->rkey, sizeof q->rkey, "%s", q->client);
    }
}

/* ---- slow clients: every request (headers and body) must arrive within the request timeout.
   libmicrohttpd's own timeout only counts idle time, so a client sending a byte now and then
   would hold its connection for ever; a reaper thread shuts such connections down. ---- */

struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int reaped;
    _Atomic int64_t since_ms; /* accepted, or the previous request finished */
    _Atomic int waiting; /* 1 while a request is being received (until it is answered) */
    uint32_t requests; /* requests whose first handler call has come */
    struct http_wire wire; /* the raw bytes received (plain HTTP only; wire.c) */
};
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reaper_cv = PTHREAD_COND_INITIALIZER;
static struct conn_track conns = {&conns, &conns, -1, 0, 0, 0};
static int reaper_stop;
static _Atomic long reaped_total;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_track *t = xcalloc(1, sizeof *t);
        t->fd = ci ? ci->connect_fd : -1;
        atomic_store(&t->since_ms, mono_ms());
        atomic_store(&t->waiting, 1);
        pthread_mutex_lock(&conn_mu);
        t->next = conns.next;
        t->prev = &conns;
        conns.next->prev = t;
        conns.next = t;
        pthread_mutex_unlock(&conn_mu);
        if (!srv_g.tls) wire_attach(t->fd, &t->wire);
        *socket_context = t;
    } else if (*socket_context) {
        struct conn_track *t = *socket_context;
        /* libmicrohttpd tells us before it closes the socket: once unlinked here, the reaper can
           never touch a descriptor number that was closed and reused */
        wire_detach(t->fd);
        pthread_mutex_lock(&conn_mu);
        t->prev->next = t->next;
        t->next->prev = t->prev;
        pthread_mutex_unlock(&conn_mu);
        free(t);
        *socket_context = NULL;
    }
}

static struct conn_track *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void *reaper(void *arg)
{
    int64_t limit = (int64_t)(intptr_t)arg * 1000;
    pthread_mutex_lock(&conn_mu);
    while (!reaper_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&reaper_cv, &conn_mu, &ts);
        int64_t now = mono_ms();
        for (struct conn_track *t = conns.next; t != &conns; t = t->next)
            if (!t->reaped && t->fd >= 0 && atomic_load(&t->waiting) && now - atomic_load(&t->since_ms) > limit) {
                shutdown(t->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
                t->reaped = 1;
                atomic_fetch_add(&reaped_total, 1);
            }
    }
    pthread_mutex_unlock(&conn_mu);
    return NULL;
}

/* libmicrohttpd's unescaping of the path and query, except that an encoded NUL becomes DEL
   (which the handler refuses) instead of cutting the path short: see http_unescape */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return http_unescape(s);
}

/* which language: ?lang= / form field, else Accept-Language, else the organisation's first */
static int pick_lang(struct MHD_Connection *c, const char *explicit_lang)
{
    if (explicit_lang && !strcmp(explicit_lang, "de")) return 1;
    if (explicit_lang && !strcmp(explicit_lang, "en")) return 0;
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (q && !strcmp(q, "de")) return 1;
    if (q && !strcmp(q, "en")) return 0;
    int a = http_accept_lang(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
    return a >= 0 ? a : srv_g.default_de;
}

enum { R_NOSTORE = 1, R_HTML = 2, R_VARY_LANG = 4, R_CACHE_PUBLIC = 8 };
struct hdr {
    const char *k, *v;
};

static enum MHD_Result reply(struct MHD_Connection *c, struct req *q, int status, const char *ctype, const void *body,
                             size_t len, enum MHD_ResponseMemoryMode mode, unsigned flags, int de,
                             const struct hdr *extra)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!resp) {
        if (mode == MHD_RESPMEM_MUST_FREE) free((void *)body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
    if (srv_g.tls) MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            (flags & R_NOSTORE) || status >= 400 ? "no-store"
                            : (flags & R_CACHE_PUBLIC)           ? "public, max-age=300"
                                                                 : "no-cache");
    if (flags & R_HTML) MHD_add_response_header(resp, "Content-Language", de ? "de" : "en");
    if (flags & R_VARY_LANG) MHD_add_response_header(resp, "Vary", "Accept-Language");
    for (; extra && extra->k; extra++) MHD_add_response_header(resp, extra->k, extra->v);
    if (q && q->close) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (q) {
        q->status = status;
        q->sent = len;
    }
    struct conn_track *t = conn_of(c);
    if (t) atomic_store(&t->waiting, 0); /* answered: the request timeout no longer applies */
    return ret;
}

static enum MHD_Result reply_buf(struct MHD_Connection *c, struct req *q, int status, const char *ctype, struct buf *b,
                                 unsigned flags, int de, const struct hdr *extra)
{
    size_t len = b->len;
    char *p = buf_detach(b);
    return reply(c, q, status, ctype, p, len, MHD_RESPMEM_MUST_FREE, flags, de, extra);
}

static enum MHD_Result reply_json(struct MHD_Connection *c, struct req *q, int status, json_t *j, unsigned flags)
{
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(1));
    json_decref(j);
    if (!s) return MHD_NO;
    size_t n = strlen(s);
    char *p = xrealloc(s, n + 2);
    p[n] = '\n';
    p[n + 1] = 0;
    return reply(c, q, status, "application/json; charset=utf-8", p, n + 1, MHD_RESPMEM_MUST_FREE, flags, 0, NULL);
}

/* a PostgreSQL register's server cannot be reached just now (a 500 becomes 503: try again) */
static int db_away(void)
{
    struct tstate *t = tstate();
    return t->r ? reg_unavailable(t->r) : reg_target_is_url(srv_g.o->db_path);
}

static enum MHD_Result json_error(struct MHD_Connection *c, struct req *q, int status, const char *msg,
                                  const struct hdr *extra)
{
    if (status == 500 && db_away()) { /* the database is away: try again later */
        status = 503;
        msg = "service unavailable";
    }
    char *s = NULL;
    json_t *j = json_pack("{s:s}", "error", msg);
    s = json_dumps(j, JSON_SORT_KEYS);
    json_decref(j);
    char *body = xasprintf("%s\n", s ? s : "{}");
    free(s);
    return reply(c, q, status, "application/json; charset=utf-8", body, strlen(body), MHD_RESPMEM_MUST_FREE, R_NOSTORE,
                 0, extra);
}

static int is_api(const char *url)
{
    return !strncmp(url, "/api/", 5) || !strncmp(url, "/log/", 5);
}

static enum MHD_Result html_error(struct MHD_Connection *c, struct req *q, const char *url, int status, int de,
                                  const struct hdr *extra)
{
    if (is_api(url)) {
        const char *m = status == 404   ? "not found"
                        : status == 405 ? "method not allowed"
                        : status == 413 ? "request body too large"
                        : status == 400 ? "bad request"
                        : status == 403 ? "forbidden"
                                        : "internal error";
        return json_error(c, q, status, m, extra);
    }
    struct buf b;
    buf_init(&b, 0);
    reg *r = srv_reg();
    if (status == 500 && db_away()) status = 503; /* the database is away: try again later */
    if (status == 404 && r) page_not_found(r, de, &b);
    else page_error(r, de, status, &b);
    return reply_buf(c, q, status, "text/html; charset=utf-8", &b, R_HTML | R_NOSTORE, de, extra);
}

static enum MHD_Result not_allowed(struct MHD_Connection *c, struct req *q, const char *url, const char *allow, int de)
{
    struct hdr h[] = {{"Allow", allow}, {0}};
    return html_error(c, q, url, 405, de, h);
}

static enum MHD_Result too_many(struct MHD_Connection *c, struct req *q, const char *url, int wait, int de)
{
    char ra[24];
    snprintf(ra, sizeof ra, "%d", wait);
    struct hdr h[] = {{"Retry-After", ra}, {0}};
    if (is_api(url)) return json_error(c, q, 429, "too many requests", h);
    struct buf b;
    buf_init(&b, 0);
    reg *r = srv_reg();
    if (r) page_rate_limited(r, de, wait, &b);
    return reply_buf(c, q, 429, "text/html; charset=utf-8", &b, R_HTML | R_NOSTORE, de, h);
}

/* ---- public pages, cached per thread by (path, lang) until the register changes ---- */
static enum MHD_Result public_page(struct MHD_Connection *c, struct req *q, const char *url, int de)
{
    reg *r = srv_reg();
    if (!r) return html_error(c, q, url, 500, de, NULL);
    struct tstate *t = tstate();
    int64_t ver = data_version(r);
    char key[96];
    /* only answers worth keeping are cached: a found page under a short path (refs have at
       most 15 characters), so that requests for made-up paths cannot push real pages out */
    int cacheable = strlen(url) < 64;
    snprintf(key, sizeof key, "%s|%d", url, de);
    for (size_t i = 0; cacheable && i < CACHE_SLOTS; i++) {
        struct cache_ent *e = &t->cache[i];
        if (e->body && ver >= 0 && e->version == ver && !strcmp(e->key, key))
            return reply(c, q, e->status, "text/html; charset=utf-8", e->body, e->len, MHD_RESPMEM_MUST_COPY,
                         R_HTML | R_VARY_LANG, de, NULL);
    }
    struct buf b;
    buf_init(&b, 4 << 20);
    int status = !strcmp(url, "/") ? page_index(r, de, &b) : page_incident(r, url + strlen("/incident/"), de, &b);
    if (status == 500) {
        buf_release(&b);
        return html_error(c, q, url, 500, de, NULL);
    }
    if (status != 200 || !cacheable)
        return reply_buf(c, q, status, "text/html; charset=utf-8", &b, R_HTML | R_VARY_LANG, de, NULL);
    struct cache_ent *e = &t->cache[t->next++ % CACHE_SLOTS];
    free(e->body);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->version = ver;
    e->status = status;
    e->len = b.len;
    e->body = buf_detach(&b);
    return reply(c, q, status, "text/html; charset=utf-8", e->body, e->len, MHD_RESPMEM_MUST_COPY, R_HTML | R_VARY_LANG,
                 de, NULL);
}

/* ---- /verify and /api/v1/verify ---- */
static enum MHD_Result verify(struct MHD_Connection *c, struct req *q, const char *url, int api)
{
    char code[HTTP_FIELD_MAX] = "", email[HTTP_FIELD_MAX] = "", lang[8] = "";
    const char *b = q->body.p ? q->body.p : "";
    int de = 0;
    if (!api) {
        if (http_form_get(b, q->body.len, "lang", lang, sizeof lang) < 0) lang[0] = 0;
        de = pick_lang(c, lang);
    }
    /* every attempt counts, readable or not */
    int wait = ratelimit_take(limiter, q->rkey, mono());
    if (wait) return too_many(c, q, url, wait, de);
    /* a body that cannot be read at all is a 400 — the same whatever the register holds; any
       readable code, well-formed or not, known or not, gets the one "not confirmed" answer */
    if (api) {
        static const char *const fields[] = {"code", "email"};
        char vals[2][HTTP_FIELD_MAX], err[160];
        if (http_json_fields(b, q->body.len, fields, 2, vals, err, sizeof err)) return json_error(c, q, 400, err, NULL);
        memcpy(code, vals[0], sizeof code);
        memcpy(email, vals[1], sizeof email);
        sodium_memzero(vals, sizeof vals);
    } else if (http_form_get(b, q->body.len, "code", code, sizeof code) < 0 ||
               http_form_get(b, q->body.len, "email", email, sizeof email) < 0) {
        return html_error(c, q, url, 400, de, NULL);
    }
    reg *r = srv_reg();
    if (!r) return html_error(c, q, url, 500, de, NULL);
    struct verify_res v;
    struct person_exposure e;
    memset(&e, 0, sizeof e);
    e.log_index = -1;
    if (lookup_verify(r, code, email, &v)) return html_error(c, q, url, 500, de, NULL);
    if (v.matched && v.with_email && !v.h.purged_at && lookup_exposure(r, &v, &e)) {
        person_exposure_release(&e);
        verify_res_release(&v);
        return html_error(c, q, url, 500, de, NULL);
    }
    verify_res_release(&v);
    sodium_memzero(code, sizeof code);
    sodium_memzero(email, sizeof email);
    enum MHD_Result ret;
    if (api) {
        ret = reply_json(c, q, 200, api_verify(&v, &e), R_NOSTORE);
    } else {
        struct buf page;
        buf_init(&page, 4 << 20);
        page_verify_result(r, de, &v, &e, &page);
        ret = reply_buf(c, q, 200, "text/html; charset=utf-8", &page, R_HTML | R_NOSTORE, de, NULL);
    }
    person_exposure_release(&e);
    return ret;
}

/* ---- agents ---- */

/* hex of a keyed hash of what was looked up, for the audit trail (never the value itself) */
static void audit_tag(const char *kind, const char *value, char out[33])
{
    unsigned char h[16];
    crypto_generichash_state st;
    crypto_generichash_init(&st, srv_g.keys->audit_key, sizeof srv_g.keys->audit_key, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
    crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 33, h, sizeof h);
}

/* A wrong agent token from Q's client: one more failure for its back-off, and an audit entry
   (at most AUDIT_FAIL_MIN a minute in all; the rest are counted into the next one) with the
   client's address and a keyed hash of what was tried — never the token itself. Returns the
   lock-out the failure started (0: none). */
static int auth_failed(struct req *q, const char *token, const char *via)
{
    double now = mono();
    int lock = backoff_fail(auth_fail, q->rkey, now);
    if (ratelimit_take(audit_limiter, "*", now)) {
        atomic_fetch_add(&audit_suppressed, 1);
        return lock;
    }
    char tag[33], what[300], more[64] = "";
    audit_tag("token", token, tag);
    long sup = atomic_exchange(&audit_suppressed, 0);
    if (sup) snprintf(more, sizeof more, "; %ld more not recorded", sup);
    snprintf(what, sizeof what, "wrong agent token (%s) from %s, token #%s%s%s", via, q->client, tag,
             lock ? "; locked out" : "", more);
    reg *w = srv_reg_write("portal", "klartext serve: agent sign-in");
    if (w) {
        if (reg_audit(w, NULL, "agent.login_failed", "token", NULL, what))
            fprintf(stderr, "klartext: serve: cannot write the audit entry: %s\n", reg_err(w));
        reg_close(w);
    }
    return lock;
}

/* look up Q (a code or an address) for AGENT; writes the audit entry. Returns 0 or 1. */
static int agent_lookup(reg *r, const char *agent, const char *query, int *by_code, struct notice_hit *hits, size_t max,
                        size_t *n, char *shown, size_t shownlen)
{
    char norm[HTTP_FIELD_MAX], tag[33], what[200];
    *n = 0;
    *by_code = strchr(query, '@') == NULL;
    if (*by_code) {
        struct verify_res v;
        char canon[CODE_CANON_SIZE], err[96], disp[CODE_DISPLAY_SIZE];
        if (lookup_verify(r, query, NULL, &v)) return 1;
        verify_res_release(&v);
        if (v.matched) hits[(*n)++] = v.h;
        if (!code_parse(query, strlen(query) > CODE_INPUT_MAX ? CODE_INPUT_MAX : strlen(query), canon, err,
                        sizeof err)) {
            code_format(canon, disp);
            snprintf(shown, shownlen, "%.4s-…", disp); /* enough for the agent to match, never the whole code */
            audit_tag("code", canon, tag);
        } else {
            snprintf(shown, shownlen, "(%s)", err);
            audit_tag("code", query, tag);
        }
        snprintf(what, sizeof what, "code #%s: %zu notice(s)", tag, *n);
    } else {
        if (http_email_norm(query, norm, sizeof norm) < 0) snprintf(norm, sizeof norm, "%s", query);
        if (lookup_by_email(r, norm, hits, max, n)) return 1;
        http_email_mask(norm, shown, shownlen);
        audit_tag("email", norm, tag);
        snprintf(what, sizeof what, "address %s #%s: %zu notice(s)", shown, tag, *n);
    }
    char actor[AGENT_NAME_MAX + 8];
    snprintf(actor, sizeof actor, "agent:%s", agent);
    reg *w = srv_reg_write(actor, *by_code ? "klartext serve: agent lookup by code"
                                           : "klartext serve: agent lookup by address");
    if (!w) return 1;
    int rc = reg_audit(w, *n ? hits[0].incident_ref : NULL, "agent.lookup", *by_code ? "code" : "email", NULL, what);
    if (rc) fprintf(stderr, "klartext: serve: cannot write the audit entry: %s\n", reg_err(w));
    reg_close(w);
    return rc ? 1 : 0;
}

/* The agent signed in with the session COOKIE (1, WHO filled), or 0: no session, or the agent
   was removed meanwhile — even if one of the same name was added again — (the session is then
   dropped). */
static int session_agent(reg *r, const char *cookie, struct agent_ident *who)
{
    if (!session_get(cookie, who)) return 0;
    int valid = 0;
    if (agent_ident_valid(r, who, &valid)) valid = 0;
    if (valid) return 1;
    session_drop(cookie);
    memset(who, 0, sizeof *who);
    return 0;
}

/* the audit entry for AGENT's sign-in from CLIENT; 0, or -1 */
static int audit_login(const char *agent, const char *client)
{
    char actor[AGENT_NAME_MAX + 8], what[128];
    snprintf(actor, sizeof actor, "agent:%s", agent);
    snprintf(what, sizeof what, "signed in to the console from %s", client);
    reg *w = srv_reg_write(actor, "klartext serve: agent sign-in");
    if (!w) return -1;
    int rc = reg_audit(w, NULL, "agent.login", "session", NULL, what);
    if (rc) fprintf(stderr, "klartext: serve: cannot write the audit entry: %s\n", reg_err(w));
    reg_close(w);
    return rc ? -1 : 0;
}

/* what an agent page needs besides the register: the language, the form cookie (the request's,
   or a new one then sent with Set-Cookie) with the tokens of the console's forms */
struct console {
    int de;
    int new_cookie; /* form_cookie is new: send it */
    char form_cookie[SESSION_HEX];
    char set_cookie[160];
    struct agent_forms forms;
};

static void console_init(struct MHD_Connection *c, const struct req *q, struct console *k, int de)
{
    memset(k, 0, sizeof *k);
    k->de = de;
    const char *fc = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kt_form");
    if (fc && form_token(fc, "/agent/login", k->forms.login) == 0) {
        snprintf(k->form_cookie, sizeof k->form_cookie, "%s", fc);
    } else {
        form_cookie_new(k->form_cookie);
        k->new_cookie = 1;
        snprintf(k->set_cookie, sizeof k->set_cookie, "kt_form=%s; Path=/agent; HttpOnly; SameSite=Strict%s",
                 k->form_cookie, q->https ? "; Secure" : "");
    }
    form_token(k->form_cookie, "/agent/login", k->forms.login);
    form_token(k->form_cookie, "/agent/logout", k->forms.logout);
    form_token(k->form_cookie, "/agent/lookup", k->forms.lookup);
}

/* an HTML page of the console with STATUS (and the form cookie when it is new) */
static enum MHD_Result console_page(struct MHD_Connection *c, struct req *q, int status, const struct console *k,
                                    struct buf *out)
{
    struct hdr h[] = {{"Set-Cookie", k->set_cookie}, {0}};
    return reply_buf(c, q, status, "text/html; charset=utf-8", out, R_HTML | R_NOSTORE, k->de,
                     k->new_cookie ? h : NULL);
}

/* 1 when the POST to URL carries the token of the form the portal gave out with the request's
   form cookie (a form from the portal's own page, not one another site made up) */
static int form_ok(struct MHD_Connection *c, struct req *q, const char *url)
{
    char ft[FORM_TOKEN_HEX + 1];
    const char *fc = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kt_form");
    if (http_form_get(q->body.p ? q->body.p : "", q->body.len, "ft", ft, sizeof ft) != 1) return 0;
    return form_token_ok(fc, url, ft);
}

/* POST /agent/login: the token from the form starts a session (a cookie, then back to LOC) */
static enum MHD_Result agent_login(struct MHD_Connection *c, struct req *q, const char *url, reg *r,
                                   const struct console *k, const char *loc, struct buf *out)
{
    const char *b = q->body.p ? q->body.p : "";
    int de = k->de;
    /* a client that keeps trying wrong tokens is locked out for longer and longer */
    int wait = backoff_check(auth_fail, q->rkey, mono());
    if (!wait) wait = ratelimit_take(limiter, q->rkey, mono());
    if (wait) {
        buf_release(out);
        return too_many(c, q, url, wait, de);
    }
    char token[128];
    struct agent_ident who;
    int found = 0;
    if (http_form_get(b, q->body.len, "token", token, sizeof token) < 0) token[0] = 0;
    if (*token && agent_check(r, token, &who, &found)) {
        sodium_memzero(token, sizeof token);
        buf_release(out);
        return html_error(c, q, url, 500, de, NULL);
    }
    if (!found) {
        if (*token) auth_failed(q, token, "console");
        sodium_memzero(token, sizeof token);
        page_agent_login(r, de, de ? "Dieses Token ist nicht gültig." : "This token is not valid.", &k->forms, out);
        return console_page(c, q, 403, k, out);
    }
    sodium_memzero(token, sizeof token);
    backoff_ok(auth_fail, q->rkey);
    if (audit_login(who.name, q->client)) {
        buf_release(out);
        return html_error(c, q, url, 500, de, NULL);
    }
    char hex[SESSION_HEX], cookie_v[200];
    session_new(&who, srv_g.o->session_minutes, hex);
    sodium_memzero(&who, sizeof who);
    snprintf(cookie_v, sizeof cookie_v, "kt_agent=%s; Path=/agent; Max-Age=%d; HttpOnly; SameSite=Strict%s", hex,
             srv_g.o->session_minutes * 60, q->https ? "; Secure" : "");
    sodium_memzero(hex, sizeof hex);
    struct hdr h[] = {{"Set-Cookie", cookie_v}, {"Location", loc}, {0}};
    buf_adds(out, "see /agent\n");
    enum MHD_Result ret = reply_buf(c, q, 303, "text/plain; charset=utf-8", out, R_NOSTORE, de, h);
    sodium_memzero(cookie_v, sizeof cookie_v);
    return ret;
}

/* POST /agent/lookup for the signed-in AGENT */
static enum MHD_Result agent_lookup_page(struct MHD_Connection *c, struct req *q, const char *url, reg *r,
                                         const struct console *k, const char *agent, struct buf *out)
{
    const char *b = q->body.p ? q->body.p : "";
    char query[HTTP_FIELD_MAX], shown[HTTP_FIELD_MAX];
    if (http_form_get(b, q->body.len, "q", query, sizeof query) <= 0 || !*query) {
        page_agent_console(r, k->de, agent, &k->forms, out);
        return console_page(c, q, 200, k, out);
    }
    struct notice_hit hits[20];
    size_t n = 0;
    int by_code;
    if (agent_lookup(r, agent, query, &by_code, hits, 20, &n, shown, sizeof shown)) {
        buf_release(out);
        return html_error(c, q, url, 500, k->de, NULL);
    }
    sodium_memzero(query, sizeof query);
    page_agent_result(r, k->de, agent, &k->forms, shown, by_code, hits, n, out);
    return console_page(c, q, 200, k, out);
}

/* POST /agent/logout: ends the session (whichever form token or session it had) */
static enum MHD_Result agent_logout(struct MHD_Connection *c, struct req *q, const char *cookie, const char *loc,
                                    int de, struct buf *out)
{
    session_drop(cookie);
    struct hdr h[] = {{"Set-Cookie", "kt_agent=; Path=/agent; Max-Age=0; HttpOnly; SameSite=Strict"},
                      {"Location", loc},
                      {0}};
    buf_adds(out, "see /agent\n");
    return reply_buf(c, q, 303, "text/plain; charset=utf-8", out, R_NOSTORE, de, h);
}

static enum MHD_Result agent_routes(struct MHD_Connection *c, struct req *q, const char *url, int post)
{
    char lang[8] = "";
    const char *b = q->body.p ? q->body.p : "";
    if (post && http_form_get(b, q->body.len, "lang", lang, sizeof lang) < 0) lang[0] = 0;
    struct console k;
    console_init(c, q, &k, pick_lang(c, lang));
    reg *r = srv_reg();
    if (!r) return html_error(c, q, url, 500, k.de, NULL);
    const char *cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "kt_agent");
    struct agent_ident who;
    int have = session_agent(r, cookie, &who);
    struct buf out;
    buf_init(&out, 4 << 20);
    char loc[32];
    snprintf(loc, sizeof loc, "/agent?lang=%s", k.de ? "de" : "en");
    if (!strcmp(url, "/agent")) {
        if (have) page_agent_console(r, k.de, who.name, &k.forms, &out);
        else page_agent_login(r, k.de, NULL, &k.forms, &out);
        return console_page(c, q, 200, &k, &out);
    }
    /* a form that another site made up (or one from before a restart) does nothing and does not
       count as a sign-in attempt; the answer is a fresh form */
    if (!form_ok(c, q, url)) {
        const char *m = k.de ? "Das Formular war abgelaufen. Bitte versuchen Sie es noch einmal."
                             : "The form had expired. Please try again.";
        if (have && strcmp(url, "/agent/login")) page_agent_console(r, k.de, who.name, &k.forms, &out);
        else page_agent_login(r, k.de, m, &k.forms, &out);
        return console_page(c, q, 403, &k, &out);
    }
    if (!strcmp(url, "/agent/login")) return agent_login(c, q, url, r, &k, loc, &out);
    if (!strcmp(url, "/agent/logout")) return agent_logout(c, q, cookie, loc, k.de, &out);
    /* /agent/lookup */
    if (!have) {
        page_agent_login(r, k.de, k.de ? "Bitte melden Sie sich an." : "Please sign in.", &k.forms, &out);
        return console_page(c, q, 403, &k, &out);
    }
    return agent_lookup_page(c, q, url, r, &k, who.name, &out);
}

static enum MHD_Result api_agent_lookup(struct MHD_Connection *c, struct req *q, const char *url)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    struct agent_ident who;
    int found = 0;
    struct hdr wa[] = {{"WWW-Authenticate", "Bearer realm=\"klartext agents\""}, {0}};
    int wait = backoff_check(auth_fail, q->rkey, mono());
    if (!wait) wait = ratelimit_take(limiter, q->rkey, mono());
    if (wait) return too_many(c, q, url, wait, 0);
    reg *r = srv_reg();
    if (!r) return json_error(c, q, 500, "internal error", NULL);
    /* RFC 9110 §11.1, §11.4: the scheme is case-insensitive, then one or more spaces */
    const char *tok = auth && !strncasecmp(auth, "Bearer", 6) && auth[6] == ' ' ? auth + 6 : NULL;
    while (tok && *tok == ' ') tok++;
    int given = tok && *tok;
    if (given && agent_check(r, tok, &who, &found)) return json_error(c, q, 500, "internal error", NULL);
    if (!found) {
        if (given) auth_failed(q, tok, "API");
        return json_error(c, q, 401, "a valid agent token is needed (Authorization: Bearer …)", wa);
    }
    backoff_ok(auth_fail, q->rkey);
    static const char *const fields[] = {"code", "email"};
    char vals[2][HTTP_FIELD_MAX], err[160], shown[HTTP_FIELD_MAX];
    if (http_json_fields(q->body.p ? q->body.p : "", q->body.len, fields, 2, vals, err, sizeof err))
        return json_error(c, q, 400, err, NULL);
    if (!!*vals[0] == !!*vals[1]) return json_error(c, q, 400, "give either \"code\" or \"email\"", NULL);
    if (*vals[0] && strchr(vals[0], '@')) return json_error(c, q, 400, "\"code\" is not a code", NULL);
    if (*vals[1] && !strchr(vals[1], '@')) return json_error(c, q, 400, "\"email\" is not an e-mail address", NULL);
    struct notice_hit hits[20];
    size_t n = 0;
    int by_code;
    if (agent_lookup(r, who.name, *vals[0] ? vals[0] : vals[1], &by_code, hits, 20, &n, shown, sizeof shown))
        return json_error(c, q, 500, "internal error", NULL);
    sodium_memzero(vals, sizeof vals);
    return reply_json(c, q, 200, api_agent_hits(r, hits, n), R_NOSTORE);
}

/* ---- transparency log ---- */
static int q_int(struct MHD_Connection *c, const char *name, int64_t *out)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (!v) return 0;
    return http_parse_u64(v, out) ? -1 : 1;
}

static enum MHD_Result log_routes(struct MHD_Connection *c, struct req *q, const char *url)
{
    reg *r = srv_reg();
    if (!r) return json_error(c, q, 500, "internal error", NULL);
    int64_t size = 0;
    if (tlog_size(r, &size)) return json_error(c, q, 500, "internal error", NULL);
    if (!strcmp(url, "/log/checkpoint")) {
        struct tlog_ckpt ck;
        int found = 0;
        if (tlog_checkpoint_latest(r, &ck, &found)) return json_error(c, q, 500, "internal error", NULL);
        if (!found) return json_error(c, q, 404, "no checkpoint yet", NULL);
        char *note = ck.note;
        ck.note = NULL;
        size_t len = strlen(note);
        tlog_ckpt_release(&ck);
        return reply(c, q, 200, "text/plain; charset=utf-8", note, len, MHD_RESPMEM_MUST_FREE, 0, 0, NULL);
    }
    if (!strcmp(url, "/log/entries")) {
        int64_t start = 0, end = -1;
        int a = q_int(c, "start", &start), b = q_int(c, "end", &end);
        if (a < 0 || b < 0) return json_error(c, q, 400, "start and end are entry numbers", NULL);
        if (b == 0 || end > size) end = size;
        if (start > end) return json_error(c, q, 400, "start is after end", NULL);
        if (end - start > LOG_ENTRIES_MAX) end = start + LOG_ENTRIES_MAX;
        struct tlog_entry *e = NULL;
        size_t n = 0;
        if (start < end && tlog_entries(r, start, end, &e, &n)) return json_error(c, q, 500, "internal error", NULL);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(arr, tlog_entry_json(&e[i]));
        tlog_entries_free(e, n);
        json_t *o = json_object();
        json_object_set_new(o, "size", json_integer(size));
        json_object_set_new(o, "start", json_integer(start));
        json_object_set_new(o, "end", json_integer(end));
        json_object_set_new(o, "entries", arr);
        return reply_json(c, q, 200, o, 0);
    }
    struct tlog_proof p;
    int rc;
    if (!strcmp(url, "/log/proof/inclusion")) {
        int64_t index = 0, psize = 0;
        int a = q_int(c, "index", &index), b = q_int(c, "size", &psize);
        if (a <= 0 || b < 0) return json_error(c, q, 400, "index (and optionally size) are needed as numbers", NULL);
        if (b == 0) {
            struct tlog_ckpt ck;
            int found = 0;
            if (tlog_checkpoint_latest(r, &ck, &found)) return json_error(c, q, 500, "internal error", NULL);
            psize = found ? ck.size : size;
            if (found) tlog_ckpt_release(&ck);
        }
        rc = tlog_prove_inclusion(r, index, psize, &p);
    } else {
        int64_t o1 = 0, o2 = 0;
        int a = q_int(c, "old", &o1), b = q_int(c, "new", &o2);
        if (a <= 0 || b <= 0) return json_error(c, q, 400, "old and new are needed as tree sizes", NULL);
        rc = tlog_prove_consistency(r, o1, o2, &p);
    }
    if (rc == 2) return json_error(c, q, 400, reg_err(r), NULL);
    if (rc) return json_error(c, q, 500, "internal error", NULL);
    return reply_json(c, q, 200, tlog_proof_json(&p), 0);
}

/* ---- cross-site requests ---- */

/* the last element of a list-valued header (X-Forwarded-Host, -Proto: the one the proxy
   added), trimmed, into OUT; 0, or -1 when absent or empty */
static int last_element(const char *v, char *out, size_t outsz)
{
    if (!v) return -1;
    const char *b = strrchr(v, ',');
    b = b ? b + 1 : v;
    while (*b == ' ' || *b == '\t') b++;
    size_t n = strlen(b);
    while (n && (b[n - 1] == ' ' || b[n - 1] == '\t')) n--;
    if (!n || n >= outsz) return -1;
    memcpy(out, b, n);
    out[n] = 0;
    return 0;
}

/* 1 when the browser says a POST comes from another site. Sec-Fetch-Site decides when it is
   there (every current browser sends it): "same-origin" and "none" (typed by the user) are ours,
   anything else is not. Without it, an Origin must be the origin of `portal.url` or the one the
   request was sent to (scheme and Host; behind a trusted proxy X-Forwarded-Proto and
   X-Forwarded-Host when it sends them) — except "null", which the portal's own pages send too
   (their Referrer-Policy is no-referrer, and the Fetch standard then sends "null"). A client
   that sends neither header (curl, scripts) is not a browser on another site. The console's
   forms carry a token as well (form_ok). docs/serve.md "Cross-site requests". */
static int cross_site(struct MHD_Connection *c, const struct req *q)
{
    const char *sfs = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (sfs) return strcasecmp(sfs, "same-origin") && strcasecmp(sfs, "none");
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!o || !strcmp(o, "null")) return 0;
    char got[300], want[300], proto[8], host[256];
    if (http_origin(o, got, sizeof got) < 0) return 1; /* junk */
    reg *r = srv_reg();
    const char *pu = r ? reg_org_get(r, "portal.url") : NULL;
    if (pu && http_origin(pu, want, sizeof want) > 0 && !strcmp(got, want)) return 0;
    snprintf(proto, sizeof proto, "%s", srv_g.tls ? "https" : "http");
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    snprintf(host, sizeof host, "%s", h ? h : "");
    if (q->via_proxy) {
        char v[256];
        if (!last_element(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto"), v, sizeof v) &&
            (!strcasecmp(v, "http") || !strcasecmp(v, "https")))
            snprintf(proto, sizeof proto, "%s", !strcasecmp(v, "https") ? "https" : "http");
        if (!last_element(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Host"), v, sizeof v))
            snprintf(host, sizeof host, "%s", v);
    }
    return !(http_host_origin(proto, host, strlen(host), want, sizeof want) > 0 && !strcmp(got, want));
}

/* 403 for a cross-site POST: it does nothing, and counts for no rate limit or lock-out */
static enum MHD_Result refuse_cross_site(struct MHD_Connection *c, struct req *q, const char *url, int de)
{
    if (is_api(url)) return json_error(c, q, 403, "cross-site request refused", NULL);
    struct buf b;
    buf_init(&b, 0);
    reg *r = srv_reg();
    if (r) page_refused(r, de, &b);
    else page_error(r, de, 403, &b);
    return reply_buf(c, q, 403, "text/html; charset=utf-8", &b, R_HTML | R_NOSTORE, de, NULL);
}

/* ---- the router ---- */
static enum MHD_Result route(struct MHD_Connection *c, struct req *q, const char *url, const char *method)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
    int de = pick_lang(c, NULL);
    if (q->too_big) return html_error(c, q, url, 413, de, NULL);
    if (post && cross_site(c, q)) return refuse_cross_site(c, q, url, de);
    if (!strcmp(url, "/") || (!strncmp(url, "/incident/", 10) && url[10])) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        return public_page(c, q, url, de);
    }
    if (!strcmp(url, "/verify")) {
        if (post) return verify(c, q, url, 0);
        if (!get) return not_allowed(c, q, url, "GET, HEAD, POST", de);
        reg *r = srv_reg();
        if (!r) return html_error(c, q, url, 500, de, NULL);
        struct buf b;
        buf_init(&b, 1 << 20);
        page_verify_form(r, de, &b);
        return reply_buf(c, q, 200, "text/html; charset=utf-8", &b, R_HTML | R_NOSTORE | R_VARY_LANG, de, NULL);
    }
    if (!strcmp(url, "/agent")) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        return agent_routes(c, q, url, 0);
    }
    if (!strcmp(url, "/agent/login") || !strcmp(url, "/agent/logout") || !strcmp(url, "/agent/lookup")) {
        if (!post) return not_allowed(c, q, url, "POST", de);
        return agent_routes(c, q, url, 1);
    }
    if (!strcmp(url, "/assets/style.css")) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        return reply(c, q, 200, "text/css; charset=utf-8", asset_style_css, asset_style_css_len, MHD_RESPMEM_PERSISTENT,
                     R_CACHE_PUBLIC, de, NULL);
    }
    if (!strcmp(url, "/.well-known/klartext/minisign.pub")) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        return reply(c, q, 200, "text/plain; charset=utf-8", srv_g.pubkey, strlen(srv_g.pubkey), MHD_RESPMEM_PERSISTENT,
                     0, de, NULL);
    }
    if (!strcmp(url, "/api/v1/pubkey")) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        unsigned char pk[32], id[8];
        char err[128], b64[SIGN_PUBKEY_B64 + 1], idhex[SIGN_KEYID_HEX];
        if (sign_pubkey_parse(srv_g.pubkey, strlen(srv_g.pubkey), pk, id, err, sizeof err))
            return json_error(c, q, 500, "no public key", NULL);
        sign_pubkey_b64(pk, id, b64);
        sign_keyid_hex(id, idhex);
        return reply_json(c, q, 200,
                          json_pack("{s:s,s:s,s:s,s:s}", "algorithm", "Ed25519 (minisign)", "key_id", idhex,
                                    "public_key", b64, "minisign_pub", srv_g.pubkey),
                          0);
    }
    if (!strcmp(url, "/api/v1/incidents") || (!strncmp(url, "/api/v1/incidents/", 18) && url[18])) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        reg *r = srv_reg();
        if (!r) return json_error(c, q, 500, "internal error", NULL);
        json_t *j = url[17] ? api_incident(r, url + 18) : api_incident_list(r);
        if (!j)
            return json_error(c, q, url[17] ? 404 : 500,
                              url[17] ? "no published incident with this reference" : "internal error", NULL);
        return reply_json(c, q, 200, j, 0);
    }
    if (!strcmp(url, "/api/v1/verify")) {
        if (!post) return not_allowed(c, q, url, "POST", de);
        return verify(c, q, url, 1);
    }
    if (!strcmp(url, "/api/v1/agent/lookup")) {
        if (!post) return not_allowed(c, q, url, "POST", de);
        return api_agent_lookup(c, q, url);
    }
    if (!strcmp(url, "/log/checkpoint") || !strcmp(url, "/log/entries") || !strcmp(url, "/log/proof/inclusion") ||
        !strcmp(url, "/log/proof/consistency")) {
        if (!get) return not_allowed(c, q, url, "GET, HEAD", de);
        return log_routes(c, q, url);
    }
    return html_error(c, q, url, 404, de, NULL);
}

/* header fields into a struct http_framing */
static enum MHD_Result count_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t kn, const char *value,
                                   size_t vn)
{
    (void)kind;
    http_framing_add(cls, key ? key : "", key ? kn : 0, value ? value : "", value ? vn : 0);
    return MHD_YES;
}

/* The checks of a request's first call, before any of its body is read. 1 with *RET when the
   request is answered here: 400 and close for a method that is not a token, a target that is
   not a clean path, framing that RFC 9112 does not allow (two Content-Length, Content-Length
   with Transfer-Encoding, a Transfer-Encoding other than chunked, two Host, control characters
   in fields; docs/serve.md "HTTP/1.1 framing"), HTTP/1.1 without Host; 413 for a body announced
   too large. 0: go on (a chunked body is read, then the connection closed). */
static int refuse_early(struct MHD_Connection *c, struct req *q, const char *url, const char *method,
                        const char *version, enum MHD_Result *ret)
{
    int http11 = !strcmp(version, MHD_HTTP_VERSION_1_1);
    struct http_framing f;
    memset(&f, 0, sizeof f);
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, count_field, &f);
    /* a path must be absolute and free of control characters (an encoded NUL arrives as DEL,
       see unescape): anything else is not a request for one of our routes */
    int bad = url[0] != '/';
    for (const char *u = url; *u && !bad; u++) bad = (unsigned char)*u < 0x20 || *u == 0x7f;
    struct conn_track *t = conn_of(c);
    if (t && http_wire_bad(&t->wire, t->requests++)) bad = 1; /* bytes libmicrohttpd hid (wire.c) */
    if (bad || !http_token(method, strlen(method)) || http_framing_check(&f, http11) ||
        (http11 && !f.host)) { /* HTTP/1.1 requires Host (RFC 9112 §3.2) */
        q->close = 1;
        *ret = html_error(c, q, "/", 400, pick_lang(c, NULL), NULL);
        return 1;
    }
    if (f.te_chunked) q->close = 1; /* no second guess where the next request starts */
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > BODY_MAX)) {
        q->too_big = 1;
        *ret = route(c, q, url, method); /* 413 at once; MHD closes the connection */
        return 1;
    }
    return 0;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    struct req *q = *con_cls;
    if (!q) {
        q = xcalloc(1, sizeof *q);
        *con_cls = q;
        q->t0 = mono();
        org_refresh_if_changed();
        buf_init(&q->body, BODY_MAX);
        snprintf(q->method, sizeof q->method, "%s", method);
        /* the access log records the path only, never a query string; below /verify, /agent
           and the API's verify and agent routes not even the rest of the path */
        const char *lp = url;
        size_t n = strcspn(lp, "?");
        if (!strncmp(lp, "/agent/", 7) || !strncmp(lp, "/verify/", 8)) n = strchr(lp + 1, '/') - lp + 1;
        if (n > sizeof q->path - 1) n = sizeof q->path - 1;
        memcpy(q->path, lp, n);
        client_addr(c, q);
        enum MHD_Result ret;
        if (refuse_early(c, q, url, method, version, &ret)) return ret;
        /* answer on the next call, not this first one: libmicrohttpd closes the connection after
           an answer queued in the first call (it cannot know the request was read to its end),
           which would end keep-alive and pipelining for every GET */
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!q->too_big && buf_add(&q->body, upload_data, n)) q->too_big = 1;
        if (q->too_big) {
            /* a body without Content-Length (chunked) that outgrew the limit: close the connection
               now rather than read what may be gigabytes (libmicrohttpd cannot send an answer
               before the body has been read; the access log records it as 413, aborted) */
            q->status = 413;
            return MHD_NO;
        }
        return MHD_YES;
    }
    if (q->status) return MHD_YES; /* answered already */
    return route(c, q, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    struct req *q = *con_cls;
    struct conn_track *t = conn_of(c);
    if (t) {
        atomic_store(&t->since_ms, mono_ms());
        atomic_store(&t->waiting, 1);
    } /* the next request's clock */
    if (!q) return;
    if (log_on) {
        /* every field from the request through the one escape (no control character, space or
           quote of the client's reaches the log); no time stamp when the journal adds one */
        char iso[KT_ISO_LEN + 1], client[sizeof q->client * 4], method[sizeof q->method * 4], path[sizeof q->path * 4];
        kt_time_iso((int64_t)time(NULL), iso);
        if (log_stamps) strcat(iso, " ");
        else iso[0] = 0;
        http_log_escape(q->client, client, sizeof client);
        http_log_escape(q->method, method, sizeof method);
        http_log_escape(q->path, path, sizeof path);
        pthread_mutex_lock(&log_mu); /* access_log may be swapped by a SIGHUP (reopen_log) */
        if (access_log) {
            fprintf(access_log, "%s%s \"%s %s\" %d %zu %.2fms%s\n", iso, client, method, path, q->status, q->sent,
                    (mono() - q->t0) * 1000.0, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
            fflush(access_log);
        }
        pthread_mutex_unlock(&log_mu);
    }
    if (q->body.p) sodium_memzero(q->body.p, q->body.len);
    buf_release(&q->body);
    free(q);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = 0;
    fprintf(stderr, "klartext: serve: %s\n", msg);
}

/* ---------------------------------------------------------------- start and stop */

static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *v6, char *err, size_t errlen)
{
    char host[128];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (*s == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host) goto bad;
        memcpy(host, s + 1, (size_t)(e - s - 1));
        host[e - s - 1] = 0;
        port = e + 2;
    } else {
        const char *e = strrchr(s, ':');
        if (!e || (size_t)(e - s) >= sizeof host) goto bad;
        memcpy(host, s, (size_t)(e - s));
        host[e - s] = 0;
        port = e + 1;
        if (!*host) snprintf(host, sizeof host, "127.0.0.1");
        if (!strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    }
    int64_t p;
    if (http_parse_u64(port, &p) || p > 65535) goto bad;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *len = sizeof *a4;
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *len = sizeof *a6;
        *v6 = 1;
        return 0;
    }
bad:
    snprintf(err, errlen, "--listen: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)", s);
    return -1;
}

/* --trusted-proxy "ADDR,ADDR": the proxies whose X-Forwarded-For is believed. 0, or 2 with err. */
static int parse_proxies(const char *list, char *err, size_t errlen)
{
    const char *p = list;
    while (*p) {
        size_t k = strcspn(p, ", ");
        if (k) {
            struct http_addr a;
            if (http_addr_parse(p, k, &a)) {
                snprintf(err, errlen, "--trusted-proxy: '%.*s' is not an IP address", (int)(k > 60 ? 60 : k), p);
                free(proxies);
                proxies = NULL;
                nproxies = 0;
                return 2;
            }
            proxies = xrealloc(proxies, (nproxies + 1) * sizeof *proxies);
            proxies[nproxies++] = a;
        }
        p += k;
        while (*p == ',' || *p == ' ') p++;
    }
    return 0;
}

/* what the portal needs of the organisation's keys (sign/portalkeys.h): from the portal key file
   (--portal-keys), or derived from the signing key, which is dropped at once, and klartext.pub.
   The portal signs nothing. 0, or 1 / 2 (the portal key file is not one) with err. */
static int load_keys(const struct serve_opts *o, char *err, size_t errlen)
{
    struct portal_keys *pk = sodium_malloc(sizeof *pk);
    if (!pk || !(srv_g.keys = sodium_malloc(sizeof *srv_g.keys))) {
        sodium_free(pk);
        snprintf(err, errlen, "cannot allocate guarded memory for the portal's keys");
        return 1;
    }
    int rc = 0;
    if (o->portal_keys_path) {
        rc = portal_keys_load(o->portal_keys_path, pk, &srv_g.pubkey, err, errlen);
    } else {
        sign_key *k = sign_key_load(o->key_path, err, errlen);
        if (k) portal_keys_derive(k, pk);
        sign_key_free(k);
        rc = !k || file_read(o->pub_path, 4096, &srv_g.pubkey, NULL, err, errlen) ? 1 : 0;
    }
    memcpy(srv_g.keys->code_key, pk->code, 32);
    memcpy(srv_g.keys->addr_key, pk->address, 32);
    memcpy(srv_g.keys->audit_key, pk->audit, 32);
    sodium_free(pk); /* wipes it */
    return rc;
}

/* the register, opened once here (migrates it to this version's schema, e.g. the agent table);
   the organisation's first language. 0 or 1 with err. */
static int check_register(const struct serve_opts *o, char *err, size_t errlen)
{
    reg *r = NULL;
    char rerr[REG_ERRLEN];
    if (reg_open(o->db_path, 0, "portal", "klartext serve", clock_now(), &r, rerr, sizeof rerr)) {
        snprintf(err, errlen, "%s", rerr);
        return 1;
    }
    const char *langs = reg_org_get(r, "organisation.languages");
    srv_g.default_de = langs && !strncmp(langs, "de", 2);
    reg_close(r);
    return 0;
}

/* 1 when standard error is the journal's stream: systemd sets JOURNAL_STREAM to its
   "DEVICE:INODE" (systemd.exec(5)); INVOCATION_ID alone would also be set with
   StandardError=file:, where the time stamps are needed */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    if (!js || !*js || fstat(2, &st)) return 0;
    char *end;
    errno = 0;
    unsigned long long dev = strtoull(js, &end, 10);
    if (errno || *end != ':') return 0;
    unsigned long long ino = strtoull(end + 1, &end, 10);
    if (errno || *end) return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* SIGHUP: the access log file opened again under its name (after logrotate moved it); the old
   one is closed once no request writes to it. On failure the old file stays in use. */
static void reopen_log(const struct serve_opts *o)
{
    FILE *st = o->status ? o->status : stderr;
    if (!access_log_path) return;
    FILE *f = fopen(access_log_path, "a"); /* output-ok: appended to, never replaced */
    if (!f) {
        fprintf(st, "klartext: serve: cannot reopen '%s' (%s); still writing to the old file\n", access_log_path,
                strerror(errno));
        return;
    }
    pthread_mutex_lock(&log_mu);
    FILE *old = access_log;
    access_log = f;
    pthread_mutex_unlock(&log_mu);
    if (old) fclose(old);
    fprintf(st, "klartext: serve: access log '%s' reopened\n", access_log_path);
    fflush(st);
}

/* the access log, the rate limiters and the sign-in back-off. 0 or 1 with err. */
static int open_log_and_limits(const struct serve_opts *o, char *err, size_t errlen)
{
    log_stamps = 1;
    access_log_path = NULL;
    if (!o->access_log || !strcmp(o->access_log, "-")) {
        access_log = stderr;
        log_stamps = !stderr_is_journal();
    } else if (!strcmp(o->access_log, "off")) {
        access_log = NULL;
    } else if (!(access_log = fopen(o->access_log, "a"))) { /* output-ok: appended to, never replaced */
        snprintf(err, errlen, "cannot open '%s': %s", o->access_log, strerror(errno));
        return 1;
    } else {
        access_log_path = o->access_log;
    }
    log_on = access_log != NULL;
    if (!(limiter = ratelimit_new(o->rate_per_min, 1 << 14)) ||
        !(auth_fail = backoff_new(AUTH_FREE, AUTH_MAX_LOCK, AUTH_FORGET, 1 << 12)) ||
        !(audit_limiter = ratelimit_new(AUDIT_FAIL_MIN, 1))) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    return 0;
}

/* connections: each needs a descriptor; raise the soft limit if the hard one allows, else
   take fewer connections. Returns how many. */
static unsigned connection_limit(const struct serve_opts *o)
{
    unsigned max_conns = (unsigned)(o->max_conns > 0 ? o->max_conns : CONN_MAX);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max_conns + 64) {
        rlim_t want = max_conns + 64;
        if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) want = rl.rlim_max;
        rl.rlim_cur = want;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < max_conns + 64) {
            max_conns = rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
            fprintf(o->status ? o->status : stderr, "klartext: serve: at most %u connections (open-file limit %llu)\n",
                    max_conns, (unsigned long long)rl.rlim_cur);
        }
    }
    return max_conns;
}

/* systemd socket activation (sd_listen_fds(3), without libsystemd): the listening socket that
   systemd passed as descriptor 3, when LISTEN_PID is this process. Its address goes into SS and
   *V6. Returns the descriptor, -1 when nothing was passed, -2 with err when it cannot be used. */
static int inherited_socket(struct sockaddr_storage *ss, int *v6, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
    char *end;
    if (!pid || !n) return -1;
    long p = strtol(pid, &end, 10);
    if (*end || p != (long)getpid()) return -1;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    socklen_t sl = sizeof *ss;
    int type = 0;
    socklen_t tl = sizeof type;
    if (strcmp(n, "1") || getsockname(3, (struct sockaddr *)ss, &sl) ||
        getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM ||
        (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)) {
        snprintf(err, errlen,
                 "socket activation: expected one TCP socket (LISTEN_FDS=1, ListenStream=ADDR:PORT), got LISTEN_FDS=%s",
                 n);
        return -2;
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    *v6 = ss->ss_family == AF_INET6;
    return 3;
}

/* start libmicrohttpd on SS with THREADS workers; NULL when it cannot listen */
static struct MHD_Daemon *start_daemon(const struct serve_opts *o, struct sockaddr_storage *ss, int v6, int lfd,
                                       unsigned threads, const char *cert, const char *key)
{
    unsigned max_conns = connection_limit(o);
    struct rlimit rl;
    rlim_t nfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 65536;
    if (wire_init(nfd == RLIM_INFINITY || nfd > (1u << 20) ? (1 << 20) : (int)nfd)) return NULL;
    unsigned per_ip = o->max_conns_per_ip < 0   ? 0
                      : o->max_conns_per_ip > 0 ? (unsigned)o->max_conns_per_ip
                      : o->trust_proxy          ? 0
                                                : CONN_PER_IP; /* behind a proxy every client has its address */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (v6) flags |= MHD_USE_IPv6;
    if (srv_g.tls) flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[] = {
        {lfd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR, lfd, ss}, /* systemd's socket, or --listen */
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)max_conns, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_ip, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_notify, NULL},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL},
        {srv_g.tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert},
        {srv_g.tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)key},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

/* "klartext: serving on http://127.0.0.1:8080 (…)" with the port the daemon got */
static void announce(const struct serve_opts *o, struct MHD_Daemon *d, struct sockaddr_storage *ss, int v6,
                     unsigned threads)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    char shown[160];
    if (v6) {
        char a[64];
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof a);
        snprintf(shown, sizeof shown, "%s://[%s]:%u", srv_g.tls ? "https" : "http", a, port);
    } else {
        char a[32];
        inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, a, sizeof a);
        snprintf(shown, sizeof shown, "%s://%s:%u", srv_g.tls ? "https" : "http", a, port);
    }
    fprintf(o->status ? o->status : stderr, "klartext: serving on %s (%u threads; stop with Ctrl-C or SIGTERM)\n",
            shown, threads);
    fflush(o->status ? o->status : stderr);
}

/* start the reaper and say where we listen; wait for SIGINT/SIGTERM (blocked in every thread,
   taken here; a SIGHUP reopens the access log); stop accepting, give open requests
   SHUTDOWN_WAIT seconds, stop the daemon and the reaper */
static void run_until_signal(const struct serve_opts *o, struct MHD_Daemon *d, struct sockaddr_storage *ss, int v6,
                             unsigned threads, sigset_t *sigs, int req_timeout)
{
    pthread_t reaper_t;
    reaper_stop = 0;
    int have_reaper = pthread_create(&reaper_t, NULL, reaper, (void *)(intptr_t)req_timeout) == 0;
    announce(o, d, ss, v6, threads);
    int sig = 0;
    while (sigwait(sigs, &sig) == 0 && sig == SIGHUP) reopen_log(o);
    fprintf(o->status ? o->status : stderr, "klartext: %s: finishing open requests and stopping\n",
            sig == SIGINT ? "interrupted" : "terminated");
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    for (int i = 0; i < SHUTDOWN_WAIT * 20; i++) {
        const union MHD_DaemonInfo *ci = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!ci || ci->num_connections == 0) break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (have_reaper) {
        pthread_mutex_lock(&conn_mu);
        reaper_stop = 1;
        pthread_cond_signal(&reaper_cv);
        pthread_mutex_unlock(&conn_mu);
        pthread_join(reaper_t, NULL);
    }
}

/* everything serve_run set up, freed and wiped */
static void teardown(char *cert, char *key)
{
    states_free();
    wire_free();
    ratelimit_free(limiter);
    limiter = NULL;
    backoff_free(auth_fail);
    auth_fail = NULL;
    ratelimit_free(audit_limiter);
    audit_limiter = NULL;
    free(proxies);
    proxies = NULL;
    nproxies = 0;
    if (access_log && access_log != stderr) fclose(access_log);
    access_log = NULL;
    access_log_path = NULL;
    log_on = 0;
    free(srv_g.pubkey);
    if (cert) free(cert);
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    sodium_free(srv_g.keys); /* wipes them */
    sodium_memzero(&srv_g, sizeof srv_g);
    session_wipe();
}

/* the options that need no resource: 0, or 2 with err */
static int check_opts(const struct serve_opts *o, char *err, size_t errlen)
{
    if (!!o->tls_cert != !!o->tls_key) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        return 2;
    }
    if (o->rate_per_min < 1) {
        snprintf(err, errlen, "--rate-limit must allow at least 1 request a minute");
        return 2;
    }
    if (o->trusted_proxies && parse_proxies(o->trusted_proxies, err, errlen)) return 2;
    return 0;
}

int serve_run(const struct serve_opts *o, char *err, size_t errlen)
{
    int rc = 1;
    char *cert = NULL, *key = NULL;
    struct sockaddr_storage ss;
    socklen_t sl;
    int v6;
    memset(&srv_g, 0, sizeof srv_g);
    srv_g.o = o;
    int lfd = inherited_socket(&ss, &v6, err, errlen);
    if (lfd == -2) return 2;
    if (lfd < 0 && parse_listen(o->listen, &ss, &sl, &v6, err, errlen)) return 2;
    if (check_opts(o, err, errlen)) return 2;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "cannot initialise libsodium");
        return 1;
    }
    if ((rc = load_keys(o, err, errlen))) {
        if (!srv_g.keys) return 1;
        goto out;
    }
    rc = 1;
    if (check_register(o, err, errlen)) goto out;
    if (session_init()) {
        snprintf(err, errlen, "cannot allocate guarded memory for the form key");
        goto out;
    }
    if (o->tls_cert) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            snprintf(err, errlen, "this libmicrohttpd has no TLS support");
            goto out;
        }
        if (file_read(o->tls_cert, 1 << 20, &cert, NULL, err, errlen) ||
            file_read(o->tls_key, 1 << 20, &key, NULL, err, errlen))
            goto out;
        srv_g.tls = 1;
    }
    if (open_log_and_limits(o, err, errlen)) goto out;
    int req_timeout = o->request_timeout > 0 ? o->request_timeout : REQ_TIMEOUT;

    /* SIGINT/SIGTERM/SIGHUP are taken by sigwait; the worker threads inherit the blocked mask */
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    signal(SIGPIPE, SIG_IGN);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    /* one per core on either backend: most answers come from memory (the code set), so a worker
       seldom waits for a PostgreSQL server, and more workers only cost the cores switching
       between them (docs/performance.md: 4 per core took 47-50 us of CPU per request, 1 per core
       36-42) */
    unsigned threads = (unsigned)(o->threads > 0 ? o->threads : (cores > 0 ? cores : 1));
    struct MHD_Daemon *d = start_daemon(o, &ss, v6, lfd, threads, cert, key);
    if (!d) {
        snprintf(err, errlen, "cannot listen on %s (in use, or not an address of this machine?)", o->listen);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        goto out;
    }
    run_until_signal(o, d, &ss, v6, threads, &sigs, req_timeout);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    fprintf(o->status ? o->status : stderr, "klartext: stopped\n");
    rc = 0;
out:
    teardown(cert, key);
    return rc;
}
