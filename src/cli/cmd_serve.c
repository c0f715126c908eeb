/* cmd_serve.c — `klartext serve`: the portal (src/serve, docs/serve.md). */
#include "cli/cli.h"
#include "serve/serve.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] = "klartext serve [--listen ADDR:PORT] [--rate-limit N/min] [--tls-cert PEM --tls-key PEM] "
                            "[--trust-proxy] [--access-log FILE|-|off] [--threads N]";

int cmd_serve(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"listen", "ADDR:PORT", "where to listen (default 127.0.0.1:8080; IPv6 as [::1]:8080; port 0: any free port)"},
        {"rate-limit", "N/min", "verification and sign-in attempts per client address and minute (default 20/min)"},
        {"tls-cert", "PEM", "serve HTTPS with this certificate (chain) file"},
        {"tls-key", "PEM", "... and this private key file"},
        {"trust-proxy", NULL, "take the client address from X-Forwarded-For (only behind your own reverse proxy)"},
        {"access-log", "FILE", "append the access log to FILE ('-': standard error, the default; 'off': none)"},
        {"threads", "N", "worker threads (default: the number of cores)"},
        {"session-minutes", "N", "how long an agent stays signed in (default 480)"},
        {0},
    };
    char *pos[1];
    int npos;
    int rc = opt_parse(usage, "Serve the public incident pages, the verification portal (/verify), the agent console (/agent),\n"
                              "the JSON API (/api/v1/) and the transparency log (/log/). Stops cleanly on SIGTERM or Ctrl-C.",
                       o, argc, argv, pos, 0, &npos);
    if (rc) { opt_free(o); return rc; }
    struct serve_opts so = {0};
    char *key = kt_key_path(ctx->db_path, ".key"), *pub = kt_key_path(ctx->db_path, ".pub");
    so.db_path = ctx->db_path;
    so.key_path = key;
    so.pub_path = pub;
    so.listen = opt_get(o, "listen")->value ? opt_get(o, "listen")->value : "127.0.0.1:8080";
    so.tls_cert = opt_get(o, "tls-cert")->value;
    so.tls_key = opt_get(o, "tls-key")->value;
    so.trust_proxy = opt_get(o, "trust-proxy")->given > 0;
    so.access_log = opt_get(o, "access-log")->value;
    so.rate_per_min = 20;
    so.session_minutes = 480;
    so.status = stderr;
    const char *v;
    if ((v = opt_get(o, "rate-limit")->value)) {
        char *end;
        long n = strtol(v, &end, 10);
        if (end == v || n < 1 || n > 100000000 || (*end && strcmp(end, "/min"))) {
            rc = kt_error(2, "--rate-limit: '%s' is not N/min (e.g. 20/min)", v);
            goto out;
        }
        so.rate_per_min = (int)n;
    }
    if ((v = opt_get(o, "threads")->value)) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 256) { rc = kt_error(2, "--threads: '%s' is not a number from 1 to 256", v); goto out; }
        so.threads = (int)n;
    }
    if ((v = opt_get(o, "session-minutes")->value)) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 7 * 24 * 60) { rc = kt_error(2, "--session-minutes: '%s' is not a number from 1 to 10080", v); goto out; }
        so.session_minutes = (int)n;
    }
    char err[512];
    rc = serve_run(&so, err, sizeof err);
    if (rc) kt_error(rc, "%s", err);
out:
    free(key);
    free(pub);
    opt_free(o);
    return rc;
}
