/* serve.h — `klartext serve`: the public incident pages, the verification portal, the agent
 * console, the JSON API and the transparency-log endpoints over HTTP (libmicrohttpd).
 * docs/serve.md (operation), docs/api.md (routes), docs/agent.md (agents). */
#ifndef KT_SERVE_H
#define KT_SERVE_H
#include <stdint.h>
#include <stdio.h>

struct serve_opts {
    const char *db_path; /* the register */
    const char *key_path; /* klartext.key: the code-lookup and address keys are derived from it */
    const char *pub_path; /* klartext.pub: served at /api/v1/pubkey */
    const char *portal_keys_path; /* instead of both: the portal key file (sign/portalkeys.h), or NULL */
    const char *listen; /* "127.0.0.1:8080", "[::1]:8080"; port 0 = any free port */
    const char *tls_cert, *tls_key; /* PEM files, both or neither */
    const char *access_log; /* file to append to; NULL = stderr; "-" = stderr; "off" = none */
    int rate_per_min; /* verify / log-in attempts per client and minute */
    int trust_proxy; /* take the client address from X-Forwarded-For ... */
    const char *trusted_proxies; /* ... when the peer is one of these (comma-separated addresses;
                                      NULL: loopback only) */
    int max_conns; /* open connections in all (0 = 4096) */
    int max_conns_per_ip; /* open connections per client address (0 = 128; -1 = no limit) */
    int request_timeout; /* seconds a request (headers and body) may take to arrive (0 = 20) */
    int threads; /* worker threads (0 = number of cores) */
    int session_minutes; /* agent session lifetime */
    FILE *status; /* where "serving on …" is printed (stderr) */
};

/* Run the server until SIGTERM or SIGINT; then stop accepting, let in-flight requests finish
 * (at most 5 s) and return. Returns 0, or 1 (cannot start: err filled), 2 (bad option). */
int serve_run(const struct serve_opts *o, char *err, size_t errlen);
#endif
