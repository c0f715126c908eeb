/* scan_cli.c — what `klartext scan` and `klartext scan merge` share (scan_cli.h). */
#include "cli/scan_cli.h"
#include "register/analyze.h"
#include "sign/keys.h"
#include "sign/subkey.h"
#include "util/file.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RULE_MAX ((size_t)1 << 20)

/* the rule file: missing or too large is bad input (exit 2), unreadable a failure (exit 1) */
int scan_cli_read_rule(const char *path, char **out, size_t *len)
{
    char err[1024];
    int rc = file_read(path, RULE_MAX, out, len, err, sizeof err);
    if (rc == FILE_ETOOBIG) return kt_error(2, "'%s' is larger than %zu bytes: not a rule file", path, RULE_MAX);
    if (rc) return kt_error(file_exit_code(rc), "%s", err);
    return 0;
}

/* write the CSV through util/output (opened before the scan, so that a path that cannot be
   written is refused before the logs are read): a regular file is replaced atomically, so a
   failed scan never leaves half a file; a device, FIFO or link is written as it is */
int scan_cli_write_csv(const scan_result *res, struct out *csv, const char *path)
{
    char err[1024];
    if (scan_write_csv(res, out_stream(csv))) {
        int e = errno;
        out_abort(csv);
        return kt_error(1, "cannot write '%s': %s", path, strerror(e));
    }
    if (out_commit(csv, err, sizeof err)) return kt_error(1, "%s", err);
    return 0;
}

/* the viewer key derived from the signing key next to the register */
static int register_viewer_key(struct kt_ctx *ctx, unsigned char key[SCAN_KEY_LEN], const char *hint)
{
    char err[1024];
    char *kp = kt_key_path(ctx->db_path, ".key");
    sign_key *k = sign_key_load(kp, err, sizeof err);
    free(kp);
    if (!k) return kt_error(1, "%s%s", err, hint);
    sign_subkey(k, SUBKEY_VIEWER, key);
    sign_key_free(k);
    return 0;
}

int scan_cli_viewer_key(struct kt_ctx *ctx, const char *path, unsigned char key[SCAN_KEY_LEN])
{
    if (!path) return register_viewer_key(ctx, key, " (a partial needs the viewer key: --db or --viewer-key FILE)");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return kt_error(errno == ENOENT ? 2 : 1, "--viewer-key: cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    int rc = 0;
    ssize_t n = -1;
    unsigned char extra;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) rc = kt_error(2, "--viewer-key: '%s' is not a regular file", path);
    else if (sb.st_mode & 0077)
        rc = kt_error(2, "--viewer-key: '%s' has mode %04o: a key must be readable by its owner only (chmod 600)", path,
                      (unsigned)(sb.st_mode & 07777));
    else if ((n = read(fd, key, SCAN_KEY_LEN)) < 0)
        rc = kt_error(1, "--viewer-key: cannot read '%s': %s", path, strerror(errno));
    else if (n != SCAN_KEY_LEN || read(fd, &extra, 1) != 0)
        rc = kt_error(2, "--viewer-key: '%s' is not a key (%d bytes expected)", path, SCAN_KEY_LEN);
    close(fd);
    if (rc) sodium_memzero(key, SCAN_KEY_LEN);
    return rc;
}

int scan_cli_open_incident(struct kt_ctx *ctx, const char *incid, reg **r, struct incident *inc, int *loaded,
                           unsigned char key[SCAN_KEY_LEN])
{
    int rc;
    if ((rc = kt_open(ctx, 0, r))) return rc;
    if ((rc = incident_load(*r, incid, inc))) return kt_error(rc, "%s", reg_err(*r));
    *loaded = 1;
    return register_viewer_key(ctx, key, "");
}

/* seconds of wall time (CLOCK_MONOTONIC) and of this process's CPU time (user + system) */
static void store_clock(double *wall, double *cpu)
{
    struct timespec t;
    struct rusage u;
    clock_gettime(CLOCK_MONOTONIC, &t);
    getrusage(RUSAGE_SELF, &u);
    *wall = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
    *cpu = (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* the result as the incident's next scan version, in one transaction (with a timeline entry
 * when more than 1 % of the lines parsed in a file were malformed); 0 or the exit code. The
 * message gives the store's own time, from the transaction's start to its commit (wall and
 * this process's CPU; a PostgreSQL server's CPU is not in it): bench/store.sh reads it. */
int scan_cli_store(reg *r, struct incident *inc, const scan_rule *rule, const scan_result *res, int keep_viewers,
                   int check_all)
{
    int64_t version;
    int rc;
    char share[2048];
    scan_malformed_share(res, share, sizeof share);
    size_t sl = strlen(share);
    if (sl && share[sl - 1] == '\n') share[sl - 1] = 0;
    double w0, c0, w1, c1;
    store_clock(&w0, &c0);
    if ((rc = reg_begin(r)) || (rc = scans_store(r, inc, rule, res, keep_viewers, check_all, &version)) ||
        (sl && (rc = incident_event_add(r, inc, reg_now(r), "scan", share, 0, NULL))) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        return rc;
    }
    store_clock(&w1, &c1);
    struct scan_totals t;
    scan_result_totals(res, &t);
    reg_analyze(r, REG_BULK_SCAN, (int64_t)t.people); /* PostgreSQL's statistics, at once */
    fprintf(stderr,
            "Stored as scan version %lld of incident %s: %llu people, %llu records (store %.2f s, CPU %.2f s).\n"
            "See them with 'klartext exposure %s' (--format csv|json|text).\n",
            (long long)version, inc->ref, (unsigned long long)t.people, (unsigned long long)t.records, w1 - w0, c1 - c0,
            inc->ref);
    return 0;
}

static int put_out(void *ctx, const void *d, size_t n)
{
    return out_write(ctx, d, n) ? -1 : 0;
}

int scan_cli_write_partial(const scan_partial *p, struct out *o, const char *path)
{
    char err[1024];
    if (scan_partial_write_to(p, put_out, o, err, sizeof err)) { /* streamed: never the whole file in memory */
        out_abort(o);
        return kt_error(1, "cannot write '%s': %s", path, err);
    }
    if (out_commit(o, err, sizeof err)) return kt_error(1, "%s", err);
    return 0;
}
