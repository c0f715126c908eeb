/* cmd_scan.c — `klartext scan`: find exposures in logs; write the CSV and/or store them. */
#include "cli/scan_cli.h"
#include "sign/keys.h"
#include "sign/subkey.h"
#include "util/file.h"
#include "util/mono.h"
#include "util/output.h"
#include "util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "klartext scan --rule RULE [--incident ID] [--csv FILE|-] [--threads N] [OPTIONS] LOG...\n"
    "       klartext scan --rule RULE --partial FILE [--range START:END] [OPTIONS] LOG...\n"
    "       klartext scan merge --rule RULE [--incident ID] [--csv FILE|-] [--partial FILE] PART...";
static const char desc[] =
    "Find, for every person, which data was visible, first and last time, pages, views and how\n"
    "many other people saw it, from access logs (plain, .gz, .zst, or - for stdin) and an\n"
    "exposure rule (docs/rules.md). --csv writes the exposure CSV; --incident stores the result in\n"
    "the register as the incident's next scan version. A summary always goes to stderr.\n"
    "--partial writes a mergeable partial result instead; 'klartext scan merge' combines partials\n"
    "into the CSV, the stored scan or a partial again (docs/scan.md, \"Partial scans\").";

struct progress {
    int on;
    double start; /* mono_now() */
    int drawn;
};

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
    double s = mono_now() - p->start;
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
    if (so->keep_viewers && !incid && !opt_get(o, "partial")->value)
        return kt_error(2,
                        "--keep-viewers only makes sense with --incident or --partial (the CSV holds no identities)");
    return 0;
}

/* --range START:END and --input-index N into so; 0 or the exit code */
static int partial_options(struct opt *o, struct scan_opts *so, const char *part, int npos)
{
    const char *rg = opt_get(o, "range")->value, *ix = opt_get(o, "input-index")->value;
    const char *nm = opt_get(o, "input-name")->value;
    if ((rg || ix || nm) && !part) return kt_error(2, "--range, --input-index and --input-name need --partial FILE");
    if (nm && (npos != 1 || !*nm)) return kt_error(2, "--input-name needs exactly one LOG and a name");
    so->input_name = nm;
    if (part && (opt_get(o, "incident")->value || opt_get(o, "csv")->value))
        return kt_error(2, "--partial writes a partial result: give --csv or --incident to 'scan merge'");
    if (ix) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(ix, &end, 10);
        if (errno || *end || end == ix || ix[0] == '-' || n > UINT32_MAX - 1000000u)
            return kt_error(2, "--input-index: '%s' is not a number", ix);
        so->file_index_base = (uint32_t)n;
    }
    if (rg) {
        unsigned long long a, b;
        int used = 0;
        if (sscanf(rg, "%llu:%llu%n", &a, &b, &used) != 2 || rg[used] || rg[0] == '-' || strchr(rg, '+') ||
            strstr(rg, ":-"))
            return kt_error(2, "--range: '%s' is not START:END (byte offsets)", rg);
        if (npos != 1) return kt_error(2, "--range needs exactly one LOG");
        so->has_range = 1;
        so->range_start = a;
        so->range_end = b;
    }
    if (part) so->counts_only = 0;
    return 0;
}

/* the scan with its progress bar; the viewer key is wiped after it; 0 or the exit code */
static int run_scan(struct opt *o, const scan_rule *rule, char **pos, int npos, struct scan_opts *so, scan_result **res)
{
    char err[1024];
    struct progress pr = {0};
    pr.on = !opt_get(o, "no-progress")->given && (opt_get(o, "progress")->given || isatty(2));
    pr.start = mono_now();
    so->progress = on_progress;
    so->progress_ctx = &pr;
    int rc = scan_run(rule, (const char *const *)pos, (size_t)npos, so, res, err, sizeof err);
    sodium_memzero(so->viewer_key, sizeof so->viewer_key);
    if (pr.drawn) fprintf(stderr, "\r%-100s\r", "");
    if (rc != SCAN_OK) return kt_error(rc == SCAN_EINPUT ? 2 : 1, "%s", err);
    return 0;
}

/* an output named by option opt (NULL: none), opened before the scan; 0 or the exit code */
static int open_output(struct out *o, const char *opt, const char *path, int mode)
{
    char err[1024];
    int rc;
    if (path && (rc = out_open(o, path, 0, mode, err, sizeof err))) return kt_error(rc, "%s: %s", opt, err);
    return 0;
}

/* --partial: the scan's result as a partial file (res consumed) */
static int write_partial_result(scan_result *res, const struct scan_opts *so, struct out *po, const char *path)
{
    char err[1024];
    scan_partial *p = scan_partial_from_result(res, so, so->check_all, err, sizeof err);
    if (!p) {
        out_abort(po);
        return kt_error(1, "%s", err);
    }
    int rc = scan_cli_write_partial(p, po, path);
    scan_partial_free(p);
    return rc;
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
        {"partial", "FILE", "write a partial result for 'klartext scan merge' instead of the CSV"},
        {"viewer-key", "KEY",
         "with --partial: the viewer-hash key file (32 bytes, mode 0600; default: the register's)"},
        {"range", "START:END", "with --partial: only the lines that start in these bytes of the one LOG"},
        {"input-index", "N", "with --partial: the position of the first LOG among all inputs (default 0)"},
        {"input-name", "NAME", "with --partial: the name recorded for the one LOG (default: as given)"},
        {"progress", NULL, "draw the progress bar even when stderr is not a terminal"},
        {"no-progress", NULL, "never draw the progress bar"},
        {0},
    };
    if (argc > 1 && !strcmp(argv[1], "merge")) return cmd_scan_merge(ctx, argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "viewer-key")) return cmd_scan_viewer_key(ctx, argc - 1, argv + 1);
    int maxpos = argc;
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos, rc = opt_parse(usage, desc, o, argc, argv, pos, maxpos, &npos);
    reg *r = NULL;
    scan_rule *rule = NULL;
    scan_result *res = NULL;
    char *ruletext = NULL;
    struct scan_opts *so = NULL; /* holds the viewer key: guarded memory, wiped by sodium_free */
    struct incident inc = {0};
    struct out csv_out = {0}, part_out = {0};
    int have_inc = 0;
    char err[1024];
    if (rc) goto out;
    const char *rulepath = opt_get(o, "rule")->value, *incid = opt_get(o, "incident")->value;
    const char *csv = opt_get(o, "csv")->value, *part = opt_get(o, "partial")->value;
    if (!rulepath || !npos) {
        rc = kt_error(2, !rulepath ? "missing --rule FILE" : "no log files given (use - for stdin)");
        usage_line(usage);
        goto out;
    }
    if (sodium_init() < 0 || !(so = sodium_malloc(sizeof *so))) {
        rc = kt_error(1, "cannot allocate secure memory");
        goto out;
    }
    if ((rc = scan_options(o, so, incid)) || (rc = partial_options(o, so, part, npos))) goto out;

    /* the rule first: a bad rule is rejected before any log is read */
    size_t rlen;
    if ((rc = scan_cli_read_rule(rulepath, &ruletext, &rlen))) goto out;
    if (!(rule = scan_rule_parse(ruletext, rlen, rulepath, err, sizeof err))) {
        rc = kt_error(2, "%s", err);
        goto out;
    }

    if ((rc = open_output(&csv_out, "--csv", csv, OUT_MODE_KEEP)) ||
        (rc = open_output(&part_out, "--partial", part, 0600)))
        goto out;
    if (incid) {
        if ((rc = scan_cli_open_incident(ctx, incid, &r, &inc, &have_inc, so->viewer_key))) goto out;
    } else if (part) {
        if ((rc = scan_cli_viewer_key(ctx, opt_get(o, "viewer-key")->value, so->viewer_key))) goto out;
    } else {
        /* no register: a one-off key; the counts do not depend on it */
        randombytes_buf(so->viewer_key, sizeof so->viewer_key);
    }
    if ((rc = run_scan(o, rule, pos, npos, so, &res))) goto out;

    char summary[8192];
    scan_summary_format(res, summary, sizeof summary);
    fputs(summary, stderr);
    if (part) {
        rc = write_partial_result(res, so, &part_out, part);
        res = NULL;
        goto out;
    }
    if (csv && (rc = scan_cli_write_csv(res, &csv_out, csv))) goto out;
    if (have_inc && (rc = scan_cli_store(r, &inc, rule, res, so->keep_viewers, so->check_all))) goto out;
    if (!csv && !have_inc) {
        if (scan_write_csv(res, stdout)) rc = kt_error(1, "cannot write the CSV");
    }
out:
    out_abort(&csv_out); /* nothing to drop once written */
    out_abort(&part_out);
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
