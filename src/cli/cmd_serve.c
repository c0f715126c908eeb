/* cmd_serve.c — `klartext serve`: the portal (src/serve, docs/serve.md). */
#include "cli/cli.h"
#include "serve/serve.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] = "klartext serve [--listen ADDR:PORT] [--rate-limit N/min] [--tls-cert PEM --tls-key PEM] "
                            "[--trust-proxy [--trusted-proxy ADDR]...] [--access-log FILE|-|off] [--threads N] "
                            "[--max-connections N] [--max-connections-per-ip N] [--request-timeout SECONDS] "
                            "[--portal-keys FILE]";

/* The --trusted-proxy values joined with commas (caller frees). */
static char *join_proxies(const char **pv)
{
    size_t len = 1;
    for (size_t i = 0; pv && pv[i]; i++) len += strlen(pv[i]) + 1;
    char *proxies = xcalloc(1, len);
    for (size_t i = 0; pv && pv[i]; i++) {
        if (i) strcat(proxies, ",");
        strcat(proxies, pv[i]);
    }
    if (!pv) snprintf(proxies, len, "%s", "");
    return proxies;
}

/* --rate-limit N/min and the numeric options into so; 0, or 2 after the message. */
static int serve_numbers(struct opt *o, struct serve_opts *so)
{
    const char *v;
    so->rate_per_min = 20;
    so->session_minutes = 480;
    if ((v = opt_get(o, "rate-limit")->value)) {
        char *end;
        long n = strtol(v, &end, 10);
        if (end == v || n < 1 || n > 100000000 || (*end && strcmp(end, "/min")))
            return kt_error(2, "--rate-limit: '%s' is not N/min (e.g. 20/min)", v);
        so->rate_per_min = (int)n;
    }
    struct {
        const char *name;
        long lo, hi;
        int *dst;
    } nums[] = {
        {"threads", 1, 256, &so->threads},
        {"session-minutes", 1, 7 * 24 * 60, &so->session_minutes},
        {"max-connections", 1, 1000000, &so->max_conns},
        {"max-connections-per-ip", 0, 1000000, &so->max_conns_per_ip},
        {"request-timeout", 1, 3600, &so->request_timeout},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (!(v = opt_get(o, nums[i].name)->value)) continue;
        char *end;
        long n = strtol(v, &end, 10);
        if (end == v || *end || n < nums[i].lo || n > nums[i].hi)
            return kt_error(2, "--%s: '%s' is not a number from %ld to %ld", nums[i].name, v, nums[i].lo, nums[i].hi);
        *nums[i].dst = (int)n;
    }
    if (opt_get(o, "max-connections-per-ip")->value && so->max_conns_per_ip == 0) so->max_conns_per_ip = -1;
    return 0;
}

int cmd_serve(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"listen", "ADDR:PORT",
         "where to listen (default 127.0.0.1:8080; IPv6 as [::1]:8080; port 0: any free port; a socket passed by systemd takes its place)"},
        {"rate-limit", "N/min", "verification and sign-in attempts per client address and minute (default 20/min)"},
        {"tls-cert", "PEM", "serve HTTPS with this certificate (chain) file"},
        {"tls-key", "PEM", "... and this private key file"},
        {"trust-proxy", NULL,
         "take the client address from X-Forwarded-For and https from X-Forwarded-Proto (only behind your own reverse proxy)"},
        {"trusted-proxy", "ADDR",
         "... when the request comes from this proxy address (repeatable; default: loopback only)"},
        {"access-log", "FILE",
         "append the access log to FILE, opened again on SIGHUP ('-': standard error, the default; 'off': none)"},
        {"threads", "N", "worker threads (default: the number of cores)"},
        {"session-minutes", "N", "how long an agent stays signed in (default 480)"},
        {"max-connections", "N", "open connections in all (default 4096)"},
        {"max-connections-per-ip", "N",
         "open connections per client address (default 128; 0: no limit; with --trust-proxy: none)"},
        {"request-timeout", "SECONDS", "time a client has to send a whole request, headers and body (default 20)"},
        {"portal-keys", "FILE",
         "the portal key file of 'klartext keys portal' instead of klartext.key and .pub: no signing key on this machine"},
        {0},
    };
    char *pos[1];
    int npos;
    int rc = opt_parse(
        usage,
        "Serve the public incident pages, the verification portal (/verify), the agent console (/agent),\n"
        "the JSON API (/api/v1/) and the transparency log (/log/). Stops cleanly on SIGTERM or Ctrl-C.",
        o, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    struct serve_opts so = {0};
    char *key = kt_key_path(ctx->db_path, ".key"), *pub = kt_key_path(ctx->db_path, ".pub");
    so.db_path = ctx->db_path;
    so.key_path = key;
    so.pub_path = pub;
    so.portal_keys_path = opt_get(o, "portal-keys")->value;
    so.listen = opt_get(o, "listen")->value ? opt_get(o, "listen")->value : "127.0.0.1:8080";
    so.tls_cert = opt_get(o, "tls-cert")->value;
    so.tls_key = opt_get(o, "tls-key")->value;
    so.trust_proxy = opt_get(o, "trust-proxy")->given > 0;
    char *proxies = NULL;
    if (opt_get(o, "trusted-proxy")->given) {
        proxies = join_proxies(opt_get(o, "trusted-proxy")->values);
        if (!so.trust_proxy) {
            rc = kt_error(2, "--trusted-proxy goes with --trust-proxy");
            goto out;
        }
        so.trusted_proxies = proxies;
    }
    so.access_log = opt_get(o, "access-log")->value;
    so.status = stderr;
    if ((rc = serve_numbers(o, &so))) goto out;
    char err[512];
    rc = serve_run(&so, err, sizeof err);
    if (rc) kt_error(rc, "%s", err);
out:
    free(proxies);
    free(key);
    free(pub);
    opt_free(o);
    return rc;
}
