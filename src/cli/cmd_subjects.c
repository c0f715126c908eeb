/* cmd_subjects.c — `klartext subjects import|list`: contact data of the affected people. */
#include "cli/cli.h"
#include "register/analyze.h"
#include "register/scans.h"
#include "register/subjects.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char group_usage[] = "klartext subjects (import ID FILE.csv | list ID)";

/* Streams PATH (or stdin for "-") through the subject parser in 64 KiB chunks, hashing it on
 * the way, so that no file is held whole (SUBJECTS_MAX_FILE is checked by the parser). Stops
 * reading at the first CSV syntax error. Returns 0 (parsed: *sf filled, or errs filled and
 * *bad = 1), or 1 with the message printed (cannot open or read). */
static int stream_file(const char *path, struct subjects_parser *sp, struct subjects_file *sf,
                       char hex[SHA256_HEX_LEN + 1], int *bad)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return kt_error(1, "cannot open '%s': %s", path, strerror(errno));
    enum { CHUNK = 1 << 16 };
    char *b = xmalloc(CHUNK);
    struct sha256_ctx h;
    sha256_init(&h);
    int stopped = 0;
    size_t k;
    while (!stopped && (k = fread(b, 1, CHUNK, f)) > 0) {
        sha256_update(&h, b, k);
        stopped = subjects_parser_feed(sp, b, k) != 0;
    }
    int rerr = !stopped && ferror(f);
    int e = errno;
    if (f != stdin) fclose(f);
    free(b);
    if (rerr) return kt_error(1, "cannot read '%s': %s", path, strerror(e));
    *bad = subjects_parser_finish(sp, sf) != 0;
    uint8_t dg[SHA256_DIGEST_LEN];
    sha256_final(&h, dg);
    sha256_to_hex(dg, hex);
    return 0;
}

static json_t *str_array(char **s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(s[i]));
    return a;
}

static json_t *summary_json(const struct incident *inc, const struct subjects_summary *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "incident", json_string(inc->ref));
    json_object_set_new(j, "version", s->version ? json_integer(s->version) : json_null());
    json_object_set_new(j, "imported_at", kt_json_time(s->created_at));
    json_object_set_new(j, "file", s->file_name ? json_string(s->file_name) : json_null());
    json_object_set_new(j, "file_sha256", s->file_sha256 ? json_string(s->file_sha256) : json_null());
    json_object_set_new(j, "rows", json_integer(s->rows));
    json_object_set_new(j, "scan_version", s->scan_version ? json_integer(s->scan_version) : json_null());
    json_object_set_new(j, "exposed", json_integer(s->exposed));
    json_object_set_new(j, "reachable", json_integer(s->reachable));
    json_object_set_new(j, "not_reachable", json_integer((json_int_t)s->not_reachable));
    json_object_set_new(j, "not_reachable_subjects", str_array(s->unreachable, s->nunreachable));
    json_object_set_new(j, "unknown_subjects", json_integer(s->unknown));
    return j;
}

static void print_summary(const struct subjects_summary *s)
{
    printf("  %-40s %lld\n", s->scan_version ? "people exposed (current scan)" : "people exposed (no scan yet)",
           s->exposed);
    printf("  %-40s %lld\n", "with an e-mail address", s->reachable);
    printf("  %-40s %lld\n", "not reachable individually", s->not_reachable);
    for (size_t i = 0; i < s->nunreachable; i++) printf("      %s\n", s->unreachable[i]);
    if (s->purged_at) {
        char at[KT_ISO_LEN];
        kt_time_iso(s->purged_at, at);
        printf("  (the per-person rows were deleted under the retention policy; these counts were kept on %s)\n", at);
    }
    if (s->nunreachable)
        printf("  (people without contact data are never dropped: the report counts them, and they are\n"
               "   told by a public communication, Art. 34(3)(c) GDPR)\n");
}

static int subj_import(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext subjects import ID FILE.csv";
    struct opt o[] = {{0}};
    char *pos[2];
    int npos,
        rc = opt_parse(
            usage,
            "Import the contact data of the affected people from the subject directory (CSV with a header row:\n"
            "subject,name,email,language,timezone and optionally salutation; language de or en; timezone an IANA\n"
            "name such as Europe/Berlin). Every row is checked first; on any error nothing is imported.\n"
            "Only the rows of people whom the current scan found exposed are stored; the others are counted.\n"
            "People without contact data are listed: they are never dropped (Art. 34(3)(c) GDPR).",
            o, argc, argv, pos, 2, &npos);
    if (rc) return rc;
    if (npos != 2) {
        kt_error(2, "subjects import needs the incident's ID and the CSV file");
        usage_line(usage);
        return 2;
    }
    reg *r = NULL;
    struct incident inc;
    int loaded = 0;
    struct subjects_parser *sp = NULL;
    struct exposure_row *ex = NULL;
    size_t nex = 0;
    const char **keep = NULL;
    struct subjects_file sf = {0};
    struct subjects_errors *errs = xcalloc(1, sizeof *errs);
    struct subjects_summary sum = {0};
    if ((rc = kt_open(ctx, 0, &r))) goto out;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    loaded = 1;
    struct scan_info si;
    if ((rc = scans_get(r, &inc, 0, &si))) {
        kt_error(rc,
                 "incident %s has no exposure scan yet: run 'klartext scan --rule RULE --incident %s LOG...' first "
                 "(klartext keeps contact data only of people who were exposed)",
                 inc.ref, inc.ref);
        goto out;
    }
    /* only the rows of exposed people are kept in memory (and stored); the others are checked
     * and counted. subjects_store refuses the file if the scan changes before it is stored. */
    if ((rc = scans_exposures(r, si.id, NULL, &ex, &nex))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    keep = xcalloc(nex ? nex : 1, sizeof *keep);
    for (size_t i = 0; i < nex; i++) keep[i] = ex[i].subject; /* sorted bytewise */
    if (!(sp = subjects_parser_new(keep, nex, errs))) {
        rc = kt_error(1, "out of memory");
        goto out;
    }
    char hex[SHA256_HEX_LEN + 1];
    int bad = 0;
    if ((rc = stream_file(pos[1], sp, &sf, hex, &bad))) goto out;
    sf.keep_scan = si.id;
    if (bad) {
        for (size_t i = 0; i < errs->n; i++)
            kt_error(2, "%s%s%s", pos[1], strncmp(errs->msg[i], "line ", 5) ? ": " : " ", errs->msg[i]);
        if (errs->total > (long long)errs->n)
            kt_error(2, "%s: … and %lld more errors", pos[1], errs->total - (long long)errs->n);
        rc = kt_error(2, "%s: %lld error%s; nothing was imported", pos[1], errs->total, errs->total == 1 ? "" : "s");
        goto out;
    }
    if ((rc = reg_begin(r)) || (rc = subjects_store(r, &inc, pos[1], hex, &sf, &sum)) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        goto out;
    }
    reg_analyze(r, REG_BULK_SUBJECTS, sum.rows - sum.unknown); /* PostgreSQL's statistics, at once */
    if (ctx->json) rc = kt_json_print(summary_json(&inc, &sum));
    else {
        printf("Imported contact data for incident %s (version %lld) from %s: %lld row%s.\n", inc.ref,
               (long long)sum.version, pos[1], sum.rows, sum.rows == 1 ? "" : "s");
        print_summary(&sum);
        printf("  %-40s %lld  (not exposed; not stored)\n", "unknown subjects", sum.unknown);
    }
out:
    subjects_summary_release(&sum);
    subjects_file_release(&sf);
    free(errs);
    subjects_parser_free(sp);
    free(keep);
    exposure_rows_free(ex, nex);
    if (loaded) incident_release(&inc);
    reg_close(r);
    return rc;
}

static int subj_list(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext subjects list ID";
    struct opt o[] = {{0}};
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Show the imported contact data of an incident's affected people, and who cannot be\n"
                             "reached individually.",
                             o, argc, argv, pos, 1, &npos);
    if (rc) return rc;
    if (npos != 1) {
        kt_error(2, "subjects list needs the incident's ID");
        usage_line(usage);
        return 2;
    }
    reg *r = NULL;
    struct incident inc;
    int loaded = 0;
    struct subjects_summary sum = {0};
    struct subject_rec *rows = NULL;
    size_t n = 0;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) goto out;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    loaded = 1;
    if ((rc = subjects_summary_get(r, &inc, &sum)) || (rc = subjects_list(r, &inc, &rows, &n))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    if (ctx->json) {
        json_t *j = summary_json(&inc, &sum), *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "subject", json_string(rows[i].subject));
            json_object_set_new(e, "name", json_string(rows[i].name));
            json_object_set_new(e, "email", json_string(rows[i].email));
            json_object_set_new(e, "language", json_string(rows[i].language));
            json_object_set_new(e, "timezone", json_string(rows[i].timezone));
            json_object_set_new(e, "salutation", rows[i].salutation ? json_string(rows[i].salutation) : json_null());
            json_object_set_new(e, "line", json_integer(rows[i].line));
            json_array_append_new(a, e);
        }
        json_object_set_new(j, "subjects", a);
        rc = kt_json_print(j);
        goto out;
    }
    if (!sum.version) {
        printf("No contact data imported for incident %s yet: 'klartext subjects import %s FILE.csv'.\n", inc.ref,
               inc.ref);
        print_summary(&sum);
        goto out;
    }
    char t[64];
    kt_fmt_time(ctx, r, sum.created_at, t, sizeof t);
    printf("Contact data of incident %s: import version %lld from %s (%s, by %s; %lld rows, SHA-256 %.16s…)\n", inc.ref,
           (long long)sum.version, sum.file_name, t, sum.actor, sum.rows, sum.file_sha256);
    print_summary(&sum);
    printf("  %-40s %lld  (not exposed at import; not stored)\n\n", "unknown subjects", sum.unknown);
    printf("%-16s %-5s %-20s %-32s %s\n", "SUBJECT", "LANG", "TIME ZONE", "E-MAIL", "NAME");
    for (size_t i = 0; i < n; i++)
        printf("%-16s %-5s %-20s %-32s %s%s%s\n", rows[i].subject, rows[i].language, rows[i].timezone,
               *rows[i].email ? rows[i].email : "(none)", rows[i].salutation ? rows[i].salutation : "",
               rows[i].salutation ? " " : "", rows[i].name);
out:
    subject_recs_free(rows, n);
    subjects_summary_release(&sum);
    if (loaded) incident_release(&inc);
    reg_close(r);
    return rc;
}

int cmd_subjects(struct kt_ctx *ctx, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) {
            usage_line(group_usage);
            return 2;
        }
        printf("usage: %s\n\n"
               "  import ID FILE.csv   import and check the contact data of the affected people\n"
               "  list ID              show it (also: show), and who cannot be reached individually\n"
               "\nSee docs/subjects.md.\n",
               group_usage);
        return -1;
    }
    if (!strcmp(argv[1], "import")) return subj_import(ctx, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list") || !strcmp(argv[1], "show")) return subj_list(ctx, argc - 1, argv + 1);
    kt_error(2, "unknown subjects command '%s'", argv[1]);
    usage_line(group_usage);
    return 2;
}
