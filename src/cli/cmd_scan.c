/* cmd_scan.c — `klartext scan`: find exposures in logs; write the CSV and/or store them. */
#include "cli/cli.h"
#include "register/scans.h"
#include "scan/scan.h"
#include "sign/keys.h"
#include "sign/subkey.h"
#include "util/file.h"
#include "util/output.h"
#include "util/xalloc.h"
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] = "klartext scan --rule RULE [--incident ID] [--csv FILE|-] [--threads N] [OPTIONS] LOG...";
static const char desc[] =
    "Find, for every person, which data was visible, first and last time, pages, views and how\n"
    "many other people saw it, from access logs (plain, .gz, .zst, or - for stdin) and an\n"
    "exposure rule (docs/rules.md). --csv writes the exposure CSV; --incident stores the result in\n"
    "the register as the incident's next scan version. A summary always goes to stderr.";

struct progress {
    int on;
    struct timespec start;
    int drawn;
};

static double since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void human(double bytes, char *out, size_t len)
{
    if (bytes >= 1e9) snprintf(out, len, "%.2f GB", bytes / 1e9);
    else if (bytes >= 1e6) snprintf(out, len, "%.1f MB", bytes / 1e6);
    else snprintf(out, len, "%.0f kB", bytes / 1e3);
}

static void on_progress(void *vctx, uint64_t done, uint64_t total, uint64_t matches)
{
    struct progress *p = vctx;
    if (!p->on) return;
    double s = since(&p->start);
    double rate = s > 0 ? (double)done / s : 0;
    char d[32], t[32], line[160];
    human((double)done, d, sizeof d);
    if (total) {
        human((double)total, t, sizeof t);
        int pct = (int)(100.0 * (double)done / (double)total);
        if (pct > 100) pct = 100;
        char bar[31];
        int fill = pct * 30 / 100;
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        double eta = rate > 0 ? (double)(total - (done < total ? done : total)) / rate : 0;
        snprintf(line, sizeof line, "[%s] %3d%%  %s of %s  %.0f MB/s  ETA %d:%02d  %llu matches", bar, pct, d, t,
                 rate / 1e6, (int)eta / 60, (int)eta % 60, (unsigned long long)matches);
    } else {
        snprintf(line, sizeof line, "%s read  %.0f MB/s  %llu matches", d, rate / 1e6, (unsigned long long)matches);
    }
    fprintf(stderr, "\r%-100s", line);
    p->drawn = 1;
}

#define RULE_MAX ((size_t)1 << 20)

/* the rule file: missing or too large is bad input (exit 2), unreadable a failure (exit 1) */
static int read_rule(const char *path, char **out, size_t *len)
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
static int write_csv(const scan_result *res, struct out *csv, const char *path)
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

/* the default --memory-limit: three quarters of the physical memory, or of the control group's
 * memory.max when that is lower (a container) */
static uint64_t default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t m = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    char *t, e[256];
    size_t n;
    if (!file_read("/sys/fs/cgroup/memory.max", 64, &t, &n, e, sizeof e)) {
        char *end;
        unsigned long long c = strtoull(t, &end, 10);
        if (end != t && c && (!m || c < m)) m = c;
        free(t);
    }
    return m / 4 * 3;
}

/* --memory-limit: N with K, M, G or T (powers of 1024), or "none"; 0 or the exit code */
static int memory_limit(const char *v, uint64_t *out)
{
    if (!v) {
        *out = default_memory_limit();
        return 0;
    }
    if (!strcmp(v, "none")) {
        *out = 0;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : *end == 'T' ? 40 : 0;
    if (shift) end++;
    if (errno || end == v || *end || !n || !(v[0] >= '0' && v[0] <= '9') || n > (UINT64_MAX >> shift))
        return kt_error(2, "--memory-limit: '%s' is not a size such as 512M, 8G or none", v);
    *out = (uint64_t)n << shift;
    return 0;
}

/* the scan options given on the command line into so; 0 or the exit code */
static int scan_options(struct opt *o, struct scan_opts *so, const char *incid)
{
    const char *thr = opt_get(o, "threads")->value;
    scan_opts_init(so);
    if (thr) {
        char *end;
        long n = strtol(thr, &end, 10);
        if (*end || n < 1 || n > 256) return kt_error(2, "--threads: '%s' is not a number from 1 to 256", thr);
        so->threads = (int)n;
    }
    so->strict = opt_get(o, "strict")->given > 0;
    so->check_all = opt_get(o, "check-all")->given > 0;
    so->keep_going = opt_get(o, "keep-going")->given > 0;
    so->keep_viewers = opt_get(o, "keep-viewers")->given > 0;
    so->counts_only = !incid; /* the CSV needs no per-pair views or times */
    so->hash_inputs = opt_get(o, "hash-inputs")->given > 0;
    int rc = memory_limit(opt_get(o, "memory-limit")->value, &so->memory_limit);
    if (rc) return rc;
    if (so->keep_viewers && !incid)
        return kt_error(2, "--keep-viewers only makes sense with --incident (the CSV holds no identities)");
    return 0;
}

/* --incident: open the register, load the incident (*loaded = 1) and derive the viewer key
 * from the register's signing key; 0 or the exit code */
static int open_incident(struct kt_ctx *ctx, const char *incid, reg **r, struct incident *inc, int *loaded,
                         struct scan_opts *so)
{
    char err[1024];
    int rc;
    if ((rc = kt_open(ctx, 0, r))) return rc;
    if ((rc = incident_load(*r, incid, inc))) return kt_error(rc, "%s", reg_err(*r));
    *loaded = 1;
    char *kp = kt_key_path(ctx->db_path, ".key");
    sign_key *k = sign_key_load(kp, err, sizeof err);
    free(kp);
    if (!k) return kt_error(1, "%s", err);
    sign_subkey(k, SUBKEY_VIEWER, so->viewer_key);
    sign_key_free(k);
    return 0;
}

/* the result as the incident's next scan version, in one transaction (with a timeline entry
 * when more than 1 % of the lines parsed in a file were malformed); 0 or the exit code */
static int store_scan(reg *r, struct incident *inc, const scan_rule *rule, const scan_result *res,
                      const struct scan_opts *so)
{
    int64_t version;
    int rc;
    char share[2048];
    scan_malformed_share(res, share, sizeof share);
    size_t sl = strlen(share);
    if (sl && share[sl - 1] == '\n') share[sl - 1] = 0;
    if ((rc = reg_begin(r)) || (rc = scans_store(r, inc, rule, res, so->keep_viewers, so->check_all, &version)) ||
        (sl && (rc = incident_event_add(r, inc, reg_now(r), "scan", share, 0, NULL))) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        return rc;
    }
    struct scan_totals t;
    scan_result_totals(res, &t);
    fprintf(stderr,
            "Stored as scan version %lld of incident %s: %llu people, %llu records.\n"
            "See them with 'klartext exposure %s' (--format csv|json|text).\n",
            (long long)version, inc->ref, (unsigned long long)t.people, (unsigned long long)t.records, inc->ref);
    return 0;
}

int cmd_scan(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"rule", "FILE", "the exposure rule (required)"},
        {"incident", "ID", "store the result in the register as the incident's next scan version"},
        {"csv", "FILE|-", "write the exposure CSV (docs/rules.md) to FILE or stdout"},
        {"threads", "N", "worker threads (default: all cores)"},
        {"strict", NULL, "a malformed line is an error (exit 2) instead of being counted"},
        {"check-all", NULL, "parse every line in full, not only lines with the rule's prefilter"},
        {"keep-going", NULL, "go on after a corrupt or unreadable file, reporting the loss"},
        {"keep-viewers", NULL, "also store raw viewer identities (default: keyed hashes only)"},
        {"hash-inputs", NULL, "record each input file's SHA-256 (computed in the same pass)"},
        {"memory-limit", "SIZE", "stop (exit 1) before the scan needs more (512M, 8G, none; default: 3/4 of RAM)"},
        {"progress", NULL, "draw the progress bar even when stderr is not a terminal"},
        {"no-progress", NULL, "never draw the progress bar"},
        {0},
    };
    int maxpos = argc;
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos, rc = opt_parse(usage, desc, o, argc, argv, pos, maxpos, &npos);
    reg *r = NULL;
    scan_rule *rule = NULL;
    scan_result *res = NULL;
    char *ruletext = NULL;
    struct scan_opts *so = NULL; /* holds the viewer key: guarded memory, wiped by sodium_free */
    struct incident inc = {0};
    struct out csv_out = {0};
    int have_inc = 0;
    char err[1024];
    if (rc) goto out;
    const char *rulepath = opt_get(o, "rule")->value, *incid = opt_get(o, "incident")->value;
    const char *csv = opt_get(o, "csv")->value;
    if (!rulepath) {
        rc = kt_error(2, "missing --rule FILE");
        usage_line(usage);
        goto out;
    }
    if (npos == 0) {
        rc = kt_error(2, "no log files given (use - for stdin)");
        usage_line(usage);
        goto out;
    }
    if (sodium_init() < 0 || !(so = sodium_malloc(sizeof *so))) {
        rc = kt_error(1, "cannot allocate secure memory");
        goto out;
    }
    if ((rc = scan_options(o, so, incid))) goto out;

    /* the rule first: a bad rule is rejected before any log is read */
    size_t rlen;
    if ((rc = read_rule(rulepath, &ruletext, &rlen))) goto out;
    if (!(rule = scan_rule_parse(ruletext, rlen, rulepath, err, sizeof err))) {
        rc = kt_error(2, "%s", err);
        goto out;
    }

    if (csv && (rc = out_open(&csv_out, csv, 0, OUT_MODE_KEEP, err, sizeof err))) {
        rc = kt_error(rc, "--csv: %s", err);
        goto out;
    }
    if (incid) {
        if ((rc = open_incident(ctx, incid, &r, &inc, &have_inc, so))) goto out;
    } else {
        /* no register: a one-off key; the counts do not depend on it */
        randombytes_buf(so->viewer_key, sizeof so->viewer_key);
    }
    struct progress pr = {0};
    pr.on = !opt_get(o, "no-progress")->given && (opt_get(o, "progress")->given || isatty(2));
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    so->progress = on_progress;
    so->progress_ctx = &pr;
    rc = scan_run(rule, (const char *const *)pos, (size_t)npos, so, &res, err, sizeof err);
    sodium_memzero(so->viewer_key, sizeof so->viewer_key);
    if (pr.drawn) fprintf(stderr, "\r%-100s\r", "");
    if (rc != SCAN_OK) {
        rc = kt_error(rc == SCAN_EINPUT ? 2 : 1, "%s", err);
        goto out;
    }

    char summary[8192];
    scan_summary_format(res, summary, sizeof summary);
    fputs(summary, stderr);
    if (csv && (rc = write_csv(res, &csv_out, csv))) goto out;
    if (have_inc && (rc = store_scan(r, &inc, rule, res, so))) goto out;
    if (!csv && !have_inc) {
        if (scan_write_csv(res, stdout)) rc = kt_error(1, "cannot write the CSV");
    }
out:
    out_abort(&csv_out); /* nothing to drop once written */
    if (have_inc) incident_release(&inc);
    scan_result_free(res);
    scan_rule_free(rule);
    free(ruletext);
    sodium_free(so); /* wipes the viewer key; NULL is fine */
    reg_close(r);
    opt_free(o);
    free(pos);
    return rc;
}
