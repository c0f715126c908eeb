/* cmd_scan_merge.c — `klartext scan merge`: partial results (scan --partial) into the CSV, the
 * incident's next scan version or one partial again; `klartext scan viewer-key`: the register's
 * viewer-hash key into a file, for the machines that make partials (klartext-dask). */
#include "cli/scan_cli.h"
#include "util/file.h"
#include "util/mono.h"
#include "util/xalloc.h"
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char merge_usage[] =
    "klartext scan merge --rule RULE [--incident ID] [--csv FILE|-] [--partial FILE] [--viewer-key KEY] PART...";
static const char merge_desc[] =
    "Merge partial results of 'klartext scan --partial' (any number, order and grouping): the CSV,\n"
    "the stored scan version and the summary are those of one scan over all their inputs. Refused\n"
    "(exit 2, naming the file): a partial of another rule, viewer key or format version, a\n"
    "truncated or corrupted one, the same input in two partials, and (without --partial) a file\n"
    "whose bytes are not all in some partial. --partial writes the merge as one partial again.";

#define PART_MAX ((size_t)1 << 40)

/* Partials are read, checksummed and parsed by reader threads ahead of the merge, in argument
 * order, at most READ_AHEAD bytes of files ahead of it. The merge takes them in batches: a batch
 * grows until it holds as many bytes as the merged result so far (at least BATCH_MIN), and is
 * merged with the result in one k-way merge. So each pair is copied about twice at most, and
 * memory holds about twice the result (people and pairs) plus BATCH_MIN and READ_AHEAD,
 * whatever the number of partials. When only the CSV is made, the last batch is not merged
 * into one result: its people are merged range by range as the CSV is written
 * (scan_partial_finish_csv), so that batch may be twice as large in the same memory, and the
 * pairs' statistics are not kept at all. KLARTEXT_MERGE_BATCH=N (bytes) sets BATCH_MIN, for tests of
 * many small batches. */
#define BATCH_MIN ((size_t)512 << 20)
#define READ_AHEAD ((size_t)256 << 20)
#define READERS_MAX 4

/* what every partial must agree on: the first's key id and flags, the rule, the given key */
struct expect {
    const unsigned char *digest;
    int have_key, have_first;
    unsigned char key_id[SCAN_KEY_ID_LEN];
    uint32_t flags;
};

/* one partial as a reader left it */
struct slot {
    scan_partial *p;
    size_t len; /* the file's bytes */
    int frc; /* file_read's result, or -1: not a readable partial (err) */
    int done;
    char err[1024];
};

struct feed {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char **pos;
    int npos, next; /* next: the first partial no reader has taken */
    int stop, nthreads;
    int counts_only; /* the CSV alone is made: the pairs' statistics are not kept */
    size_t ahead; /* bytes read and not yet taken by the merge */
    struct slot *slot;
};

/* partial i read and parsed into its slot */
static void read_one(struct feed *f, int i)
{
    struct slot *s = &f->slot[i];
    char *data = NULL;
    size_t len = 0;
    s->frc = file_read(f->pos[i], PART_MAX, &data, &len, s->err, sizeof s->err);
    if (!s->frc && !(s->p = scan_partial_read_opt(data, len, (uint32_t)i, f->counts_only, s->err, sizeof s->err)))
        s->frc = -1;
    free(data);
    pthread_mutex_lock(&f->mu);
    s->len = len;
    s->done = 1;
    f->ahead += len;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static void *reader(void *arg)
{
    struct feed *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        while (!f->stop && f->next < f->npos && f->ahead >= READ_AHEAD) pthread_cond_wait(&f->cv, &f->mu);
        int i = f->stop ? f->npos : f->next;
        if (i < f->npos) f->next++;
        pthread_mutex_unlock(&f->mu);
        if (i >= f->npos) return NULL;
        read_one(f, i);
    }
}

/* partial i as its reader left it (waits for it) */
static struct slot *take(struct feed *f, int i)
{
    if (!f->nthreads) read_one(f, i); /* no reader thread could start: read it here */
    pthread_mutex_lock(&f->mu);
    while (!f->slot[i].done) pthread_cond_wait(&f->cv, &f->mu);
    f->ahead -= f->slot[i].len;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return &f->slot[i];
}

/* partial i checked against e; NULL and *rc */
static scan_partial *check_part(struct feed *f, int i, struct expect *e, int *rc)
{
    struct slot *s = take(f, i);
    const char *path = f->pos[i];
    scan_partial *p = s->p;
    s->p = NULL;
    if (s->frc > 0) {
        *rc = kt_error(file_exit_code(s->frc), "%s", s->err);
        return NULL;
    }
    if (!p) {
        *rc = kt_error(2, "'%s': %s", path, s->err);
        return NULL;
    }
    const char *why = NULL;
    if (memcmp(scan_partial_digest(p), e->digest, 32)) why = "is a partial of another rule";
    else if (e->have_key && memcmp(scan_partial_key_id(p), e->key_id, SCAN_KEY_ID_LEN))
        why = e->have_first ? "was made with another viewer key than the partials before it"
                            : "was made with another viewer key than the register's (or --viewer-key)";
    else if (e->have_first && ((scan_partial_flags(p) ^ e->flags) & SCAN_PARTIAL_KEEP_VIEWERS))
        why = "differs in --keep-viewers from the partials before it";
    else if (e->have_first && ((scan_partial_flags(p) ^ e->flags) & SCAN_PARTIAL_CHECK_ALL))
        why = "differs in --check-all from the partials before it";
    if (why) {
        scan_partial_free(p);
        *rc = kt_error(2, "'%s' %s", path, why);
        return NULL;
    }
    if (!e->have_key) memcpy(e->key_id, scan_partial_key_id(p), SCAN_KEY_ID_LEN);
    e->have_key = 1;
    e->flags = scan_partial_flags(p);
    e->have_first = 1;
    return p;
}

/* the batch merged into *acc; 0 or the exit code (names the batch's first and last) */
static int merge_batch(scan_partial **acc, scan_partial **batch, int nb, char **pos, int last)
{
    char err[1024];
    if (!scan_partial_merge_many(acc, batch, (size_t)nb, err, sizeof err)) return 0;
    return kt_error(2, "cannot merge '%s' to '%s': %s", pos[last - nb + 1], pos[last], err);
}

static int readers_start(struct feed *f, pthread_t *th)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus < 1 ? 1 : cpus > READERS_MAX ? READERS_MAX : (int)cpus, started = 0;
    if (n > f->npos) n = f->npos;
    for (int t = 0; t < n; t++)
        if (!pthread_create(&th[t], NULL, reader, f)) started++;
    f->nthreads = started;
    return started;
}

static void readers_stop(struct feed *f, pthread_t *th, int n)
{
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    for (int t = 0; t < n; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < f->npos; i++) scan_partial_free(f->slot[i].p);
}

/* every PART read and merged into out[0] (*nout = 1); with keep_last the last batch is not
 * merged: out holds the merge so far (if any) and the last batch's partials; 0 or the exit code */
static int read_all(char **pos, int npos, struct expect *e, int keep_last, scan_partial **out, int *nout)
{
    struct feed f = {.mu = PTHREAD_MUTEX_INITIALIZER,
                     .cv = PTHREAD_COND_INITIALIZER,
                     .pos = pos,
                     .npos = npos,
                     .counts_only = keep_last};
    f.slot = xcalloc((size_t)npos + 1, sizeof *f.slot);
    scan_partial **batch = xcalloc((size_t)npos + 1, sizeof *batch), *acc = NULL;
    pthread_t th[READERS_MAX];
    int nth = readers_start(&f, th), nb = 0, rc = 0;
    const char *env = getenv("KLARTEXT_MERGE_BATCH");
    /* with keep_last the last batch is never merged into a copy: it may hold twice as much */
    size_t bytes = 0, least = env && *env ? (size_t)strtoull(env, NULL, 10) : BATCH_MIN << keep_last, budget = least;
    for (int i = 0; i < npos && !rc; i++) {
        scan_partial *p = check_part(&f, i, e, &rc);
        if (!p) break;
        batch[nb++] = p;
        bytes += scan_partial_bytes(p);
        if (bytes < budget && i + 1 < npos) continue;
        if (keep_last && i + 1 == npos) break;
        rc = merge_batch(&acc, batch, nb, pos, i);
        nb = 0;
        bytes = 0;
        size_t held = acc ? scan_partial_bytes(acc) : 0;
        budget = held > least ? held : least;
    }
    readers_stop(&f, th, nth);
    *nout = 0;
    if (!rc && acc) out[(*nout)++] = acc;
    else scan_partial_free(acc);
    for (int k = 0; k < nb; k++) {
        if (!rc) out[(*nout)++] = batch[k];
        else scan_partial_free(batch[k]);
    }
    free(batch);
    free(f.slot);
    return rc;
}

/* the message for a duplicate or a gap, naming the partials to blame */
static int blame(char **pos, uint32_t ta, uint32_t tb, const char *err)
{
    if (ta != UINT32_MAX && ta == tb) return kt_error(2, "'%s' %s", pos[ta], err);
    if (ta != UINT32_MAX) return kt_error(2, "'%s' and '%s' %s", pos[ta < tb ? ta : tb], pos[ta < tb ? tb : ta], err);
    return kt_error(2, "%s", err);
}

/* the CSV's rows are formatted on every core (the partials' scans may have used one) */
static int csv_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static int write_csv(const scan_result *res, struct out *csv, const char *path)
{
    char err[1024];
    if (scan_write_csv_threads(res, out_stream(csv), csv_threads())) {
        int e = errno;
        out_abort(csv);
        return kt_error(1, "cannot write '%s': %s", path, strerror(e));
    }
    if (out_commit(csv, err, sizeof err)) return kt_error(1, "%s", err);
    return 0;
}

struct merge_out {
    const char *csv, *part;
    struct out csv_out, part_out;
    reg *r;
    struct incident inc;
    int have_inc;
};

/* only the CSV: the last batch's people are merged as the CSV is written (ps consumed) */
static int finish_csv(scan_partial **ps, int n, char **pos, struct merge_out *m)
{
    char err[1024];
    uint32_t ta, tb;
    scan_result *res;
    FILE *f = m->csv ? out_stream(&m->csv_out) : stdout;
    int rc = scan_partial_finish_csv(ps, (size_t)n, f, csv_threads(), &res, &ta, &tb, err, sizeof err);
    if (rc == -1) return blame(pos, ta, tb, err);
    if (rc) {
        int e = errno;
        out_abort(&m->csv_out);
        return kt_error(1, "cannot write '%s': %s", m->csv ? m->csv : "the CSV to standard output", strerror(e));
    }
    char summary[8192];
    scan_summary_format(res, summary, sizeof summary);
    scan_result_free(res);
    fputs(summary, stderr);
    if (m->csv && out_commit(&m->csv_out, err, sizeof err)) return kt_error(1, "%s", err);
    return 0;
}

/* the merged partial into its outputs (p consumed); 0 or the exit code */
static int finish(scan_partial *p, char **pos, const scan_rule *rule, struct merge_out *m)
{
    char err[1024];
    uint32_t ta, tb;
    if (m->part) {
        int rc = scan_partial_check(p, &ta, &tb, err, sizeof err) ? blame(pos, ta, tb, err)
                                                                  : scan_cli_write_partial(p, &m->part_out, m->part);
        scan_partial_free(p);
        return rc;
    }
    uint32_t flags = scan_partial_flags(p);
    scan_result *res = scan_partial_finish(p, &ta, &tb, err, sizeof err);
    if (!res) return blame(pos, ta, tb, err);
    char summary[8192];
    scan_summary_format(res, summary, sizeof summary);
    fputs(summary, stderr);
    int rc = 0;
    if (m->csv) rc = write_csv(res, &m->csv_out, m->csv);
    if (!rc && m->have_inc)
        rc = scan_cli_store(m->r, &m->inc, rule, res, !!(flags & SCAN_PARTIAL_KEEP_VIEWERS),
                            !!(flags & SCAN_PARTIAL_CHECK_ALL));
    if (!rc && !m->csv && !m->have_inc && scan_write_csv_threads(res, stdout, csv_threads()))
        rc = kt_error(1, "cannot write the CSV");
    scan_result_free(res);
    return rc;
}

/* the outputs opened and the key to expect (from the register or --viewer-key); 0 or the exit code */
static int prepare(struct kt_ctx *ctx, struct opt *o, struct merge_out *m, struct expect *e)
{
    char err[1024];
    int rc;
    const char *incid = opt_get(o, "incident")->value, *vk = opt_get(o, "viewer-key")->value;
    m->csv = opt_get(o, "csv")->value;
    m->part = opt_get(o, "partial")->value;
    if (m->part && (m->csv || incid))
        return kt_error(2, "--partial writes a partial: it goes without --csv and --incident");
    if (m->csv && (rc = out_open(&m->csv_out, m->csv, 0, OUT_MODE_KEEP, err, sizeof err)))
        return kt_error(rc, "--csv: %s", err);
    if (m->part && (rc = out_open(&m->part_out, m->part, 0, 0600, err, sizeof err)))
        return kt_error(rc, "--partial: %s", err);
    if (!incid && !vk) return 0;
    unsigned char *key = sodium_init() < 0 ? NULL : sodium_malloc(SCAN_KEY_LEN);
    if (!key) return kt_error(1, "cannot allocate secure memory");
    if (incid) rc = scan_cli_open_incident(ctx, incid, &m->r, &m->inc, &m->have_inc, key);
    else rc = scan_cli_viewer_key(ctx, vk, key);
    if (!rc) {
        scan_viewer_key_id(key, e->key_id);
        e->have_key = 1;
    }
    sodium_free(key);
    return rc;
}

/* KLARTEXT_MERGE_TIMES=1: wall seconds since the first call and this (the merging) thread's CPU
 * seconds at each phase, on stderr (bench/dask.sh) */
static void times(const char *what)
{
    static double t0;
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("KLARTEXT_MERGE_TIMES");
        on = v && !strcmp(v, "1");
        t0 = mono_now();
    }
    if (!on || !what) return;
    struct timespec c;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    fprintf(stderr, "klartext: merge times: %.2f s wall, %.2f s CPU of the merging thread: %s\n", mono_now() - t0,
            (double)c.tv_sec + (double)c.tv_nsec / 1e9, what);
}

int cmd_scan_merge(struct kt_ctx *ctx, int argc, char **argv)
{
    times(NULL);
    struct opt o[] = {
        {"rule", "FILE", "the exposure rule the partials were made with (required)"},
        {"incident", "ID", "store the result in the register as the incident's next scan version"},
        {"csv", "FILE|-", "write the exposure CSV (docs/rules.md) to FILE or stdout"},
        {"partial", "FILE", "write the merge as one partial result"},
        {"viewer-key", "KEY", "refuse partials made with another viewer key than this file's"},
        {0},
    };
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos, rc = opt_parse(merge_usage, merge_desc, o, argc, argv, pos, argc, &npos);
    struct merge_out m = {0};
    struct expect e = {0};
    scan_rule *rule = NULL;
    char *ruletext = NULL, err[1024];
    size_t rlen;
    scan_partial **all = xcalloc((size_t)argc + 1, sizeof *all);
    int nall = 0;
    const char *rulepath = opt_get(o, "rule")->value;
    if (rc) goto out;
    if (!rulepath || !npos) {
        rc = kt_error(2, !rulepath ? "missing --rule FILE" : "no partials given");
        usage_line(merge_usage);
        goto out;
    }
    if ((rc = scan_cli_read_rule(rulepath, &ruletext, &rlen))) goto out;
    if (!(rule = scan_rule_parse(ruletext, rlen, rulepath, err, sizeof err))) {
        rc = kt_error(2, "%s", err);
        goto out;
    }
    e.digest = scan_rule_digest(rule);
    if ((rc = prepare(ctx, o, &m, &e))) goto out;
    int rows_only = !m.part && !m.have_inc; /* no merged result needed: the last batch streams */
    if ((rc = read_all(pos, npos, &e, rows_only, all, &nall))) goto out;
    times("read and merged");
    rc = rows_only ? finish_csv(all, nall, pos, &m) : finish(all[0], pos, rule, &m);
    times("written");
out:
    out_abort(&m.csv_out);
    out_abort(&m.part_out);
    if (m.have_inc) incident_release(&m.inc);
    reg_close(m.r);
    scan_rule_free(rule);
    free(ruletext);
    opt_free(o);
    free(pos);
    free(all);
    return rc;
}

static const char vk_usage[] = "klartext scan viewer-key --out FILE";
static const char vk_desc[] =
    "Write the register's viewer-hash key (32 bytes, mode 0600; derived from its signing key) to\n"
    "FILE, for 'klartext scan --partial --viewer-key FILE' on machines without the register\n"
    "(klartext-dask does this itself). The file is a secret: whoever holds it can test whether an\n"
    "account or address is among the viewers of a stored scan.";

int cmd_scan_viewer_key(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"out", "FILE", "the key file to create (never replaced)"},
        {0},
    };
    char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
    int npos, rc = opt_parse(vk_usage, vk_desc, o, argc, argv, pos, argc, &npos);
    const char *out = opt_get(o, "out")->value;
    unsigned char *key = NULL;
    char err[1024];
    if (rc) goto done;
    if (!out || npos) {
        rc = kt_error(2, !out ? "missing --out FILE" : "unexpected argument '%s'", npos ? pos[0] : "");
        usage_line(vk_usage);
        goto done;
    }
    if (sodium_init() < 0 || !(key = sodium_malloc(SCAN_KEY_LEN))) {
        rc = kt_error(1, "cannot allocate secure memory");
        goto done;
    }
    if ((rc = scan_cli_viewer_key(ctx, NULL, key))) goto done;
    if ((rc = out_write_file(out, key, SCAN_KEY_LEN, OUT_SECRET | OUT_EXCL, 0600, err, sizeof err)))
        rc = kt_error(rc, "%s", err);
done:
    sodium_free(key);
    opt_free(o);
    free(pos);
    return rc;
}
