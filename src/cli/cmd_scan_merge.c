/* cmd_scan_merge.c — `klartext scan merge`: partial results (scan --partial) into the CSV, the
 * incident's next scan version or one partial again; `klartext scan viewer-key`: the register's
 * viewer-hash key into a file, for the machines that make partials (klartext-dask). */
#include "cli/scan_cli.h"
#include "util/file.h"
#include "util/xalloc.h"
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
    "klartext scan merge --rule RULE [--incident ID] [--csv FILE|-] [--partial FILE] [--viewer-key KEY] PART...";
static const char merge_desc[] =
    "Merge partial results of 'klartext scan --partial' (any number, order and grouping): the CSV,\n"
    "the stored scan version and the summary are those of one scan over all their inputs. Refused\n"
    "(exit 2, naming the file): a partial of another rule, viewer key or format version, a\n"
    "truncated or corrupted one, the same input in two partials, and (without --partial) a file\n"
    "whose bytes are not all in some partial. --partial writes the merge as one partial again.";

#define PART_MAX ((size_t)1 << 40)

/* Partials are merged as they are read, like a binary counter: a merged pair of the same
 * weight is merged again, so each pair is copied about log2(partials) times and memory holds
 * about what the results hold, whatever the number of partials. */
struct stack {
    scan_partial *p[64];
    unsigned w[64];
    int n;
};

/* what every partial must agree on: the first's key id and flags, the rule, the given key */
struct expect {
    const unsigned char *digest;
    int have_key, have_first;
    unsigned char key_id[SCAN_KEY_ID_LEN];
    uint32_t flags;
};

static int push(struct stack *s, scan_partial *p, const char *name)
{
    char err[1024];
    s->p[s->n] = p;
    s->w[s->n++] = 1;
    while (s->n >= 2 && s->w[s->n - 1] == s->w[s->n - 2]) {
        scan_partial *acc = s->p[s->n - 2];
        if (scan_partial_merge(&acc, s->p[s->n - 1], err, sizeof err)) {
            s->n -= 2;
            return kt_error(2, "cannot merge '%s': %s", name, err);
        }
        s->n--;
        s->p[s->n - 1] = acc;
        s->w[s->n - 1] *= 2;
    }
    return 0;
}

/* everything on the stack merged into one (NULL when empty); 0 or the exit code */
static int collapse(struct stack *s, scan_partial **out)
{
    char err[1024];
    scan_partial *acc = NULL;
    while (s->n > 0) {
        scan_partial *top = s->p[--s->n];
        if (!acc) acc = top;
        else if (scan_partial_merge(&top, acc, err, sizeof err)) return kt_error(2, "cannot merge: %s", err);
        else acc = top;
    }
    *out = acc;
    return 0;
}

static void stack_free(struct stack *s)
{
    while (s->n > 0) scan_partial_free(s->p[--s->n]);
}

/* one PART read and checked against e; NULL and *rc */
static scan_partial *read_part(const char *path, uint32_t tag, struct expect *e, int *rc)
{
    char err[1024], *data;
    size_t len;
    int frc = file_read(path, PART_MAX, &data, &len, err, sizeof err);
    if (frc) {
        *rc = kt_error(file_exit_code(frc), "%s", err);
        return NULL;
    }
    scan_partial *p = scan_partial_read(data, len, tag, err, sizeof err);
    free(data);
    const char *why = NULL;
    if (!p) {
        *rc = kt_error(2, "'%s': %s", path, err);
        return NULL;
    }
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

/* every PART read and merged into *out; 0 or the exit code */
static int read_all(char **pos, int npos, struct expect *e, scan_partial **out)
{
    struct stack s = {0};
    int rc = 0;
    for (int i = 0; i < npos && !rc; i++) {
        scan_partial *p = read_part(pos[i], (uint32_t)i, e, &rc);
        if (p) rc = push(&s, p, pos[i]);
    }
    if (!rc) rc = collapse(&s, out);
    stack_free(&s);
    return rc;
}

/* the message for a duplicate or a gap, naming the partials to blame */
static int blame(char **pos, uint32_t ta, uint32_t tb, const char *err)
{
    if (ta != UINT32_MAX && ta == tb) return kt_error(2, "'%s' %s", pos[ta], err);
    if (ta != UINT32_MAX) return kt_error(2, "'%s' and '%s' %s", pos[ta < tb ? ta : tb], pos[ta < tb ? tb : ta], err);
    return kt_error(2, "%s", err);
}

struct merge_out {
    const char *csv, *part;
    struct out csv_out, part_out;
    reg *r;
    struct incident inc;
    int have_inc;
};

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
    if (m->csv) rc = scan_cli_write_csv(res, &m->csv_out, m->csv);
    if (!rc && m->have_inc)
        rc = scan_cli_store(m->r, &m->inc, rule, res, !!(flags & SCAN_PARTIAL_KEEP_VIEWERS),
                            !!(flags & SCAN_PARTIAL_CHECK_ALL));
    if (!rc && !m->csv && !m->have_inc && scan_write_csv(res, stdout)) rc = kt_error(1, "cannot write the CSV");
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

int cmd_scan_merge(struct kt_ctx *ctx, int argc, char **argv)
{
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
    scan_partial *all = NULL;
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
    if ((rc = prepare(ctx, o, &m, &e)) || (rc = read_all(pos, npos, &e, &all))) goto out;
    rc = finish(all, pos, rule, &m);
out:
    out_abort(&m.csv_out);
    out_abort(&m.part_out);
    if (m.have_inc) incident_release(&m.inc);
    reg_close(m.r);
    scan_rule_free(rule);
    free(ruletext);
    opt_free(o);
    free(pos);
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
