/* cmd_exposure.c — `klartext exposure ID`: what the register holds about exposed people. */
#include "cli/cli.h"
#include "notify/notice.h"
#include "register/purge.h"
#include "register/scans.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/ktime.h"
#include "util/semilist.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] = "klartext exposure ID [--subject S] [--format csv|json|text] [--scan VERSION]";

/* as scan's csvout.c: quoted only when the field holds a comma, a quote or a line break
   (docs/rules.md "The exposure CSV"; not csv_needs_quotes, which also quotes a leading U+FEFF), and the
   formula guard of util/csv.h */
static void csv_field(FILE *f, const char *s)
{
    size_t len = strlen(s);
    int q = strpbrk(s, ",\"\r\n") != NULL;
    if (q) fputc('"', f);
    if (csv_needs_guard(s, len)) fputc('\'', f);
    for (; *s; s++) {
        if (q && *s == '"') fputc('"', f);
        fputc(*s, f);
    }
    if (q) fputc('"', f);
}

static const char csv_header[] =
    "subject,first_seen,last_seen,views,viewers,signed_in_viewers,anonymous_viewers,pages,fields\n";

/* one row of the CSV; PAGES is scratch space (scans_exposures_each's callback: ARG is PAGES) */
static int csv_row(const struct exposure_row *e, void *pages)
{
    struct buf *pb = pages;
    char a[KT_ISO_LEN], b[KT_ISO_LEN];
    kt_time_iso(e->first_seen, a);
    kt_time_iso(e->last_seen, b);
    csv_field(stdout, e->subject);
    printf(",%s,%s,%lld,%lld,%lld,%lld,", a, b, (long long)e->views, (long long)e->viewers,
           (long long)e->signed_in_viewers, (long long)e->anonymous_viewers);
    buf_reset(pb);
    semilist_join(pb, (const char *const *)e->pages, e->npages); /* a ';' in a page as "\;" */
    csv_field(stdout, buf_str(pb));
    fputc(',', stdout);
    csv_field(stdout, e->fields);
    fputc('\n', stdout);
    return 0;
}

/* the same bytes as `scan --csv` (docs/rules.md "The exposure CSV") */
static void print_csv(const struct exposure_row *e, size_t n)
{
    struct buf pages;
    buf_init(&pages, 0);
    fputs(csv_header, stdout);
    for (size_t i = 0; i < n; i++) csv_row(&e[i], &pages);
    buf_release(&pages);
}

/* the CSV of a whole scan, a row at a time from the register (millions of people need not be
   held at once) */
static int stream_csv(reg *r, int64_t scan_id)
{
    struct buf pages;
    buf_init(&pages, 0);
    fputs(csv_header, stdout);
    int rc = scans_exposures_each(r, scan_id, NULL, csv_row, &pages);
    buf_release(&pages);
    return rc;
}

/* the words a notice uses for a field keyword (src/notify/notice.c), the keyword otherwise */
static const char *field_word(const char *f)
{
    const char *w = notice_field_word(f, strlen(f), 0);
    return w ? w : f;
}

static void words_duration(int64_t s, char *out, size_t len)
{
    int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
    if (d) snprintf(out, len, "%lld day%s %lld h", (long long)d, d == 1 ? "" : "s", (long long)h);
    else if (h) snprintf(out, len, "%lld h %lld min", (long long)h, (long long)m);
    else if (m) snprintf(out, len, "%lld min", (long long)m);
    else snprintf(out, len, "less than a minute");
}

static void short_time(struct kt_ctx *ctx, reg *r, int64_t t, char *out, size_t len, int with_zone)
{
    char full[64];
    kt_fmt_time(ctx, r, t, full, sizeof full); /* "Fri 20 Nov 2026 09:17 CET" */
    char wd[8], mon[8], hm[8], zone[24];
    int day, year;
    if (sscanf(full, "%7s %d %7s %d %7s %23s", wd, &day, mon, &year, hm, zone) == 6)
        snprintf(out, len, "%d %s %s%s%s", day, mon, hm, with_zone ? " " : "", with_zone ? zone : "");
    else snprintf(out, len, "%s", full);
}

static void list_words(struct buf *b, const char *semi, int fields)
{
    char *t = xstrdup(semi);
    int first = 1;
    for (char *save, *tok = strtok_r(t, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        buf_addf(b, "%s%s", first ? "" : ", ", fields ? field_word(tok) : tok);
        first = 0;
    }
    free(t);
}

/* "C0012345678: name, e-mail visible on /gp/profile/C0012345678 from 12 Nov 14:03 to
   20 Nov 22:41 UTC (8 days 8 h), 17 views by 4 other people: 3 signed-in customers,
   1 anonymous visitor" */
static void print_text(struct kt_ctx *ctx, reg *r, const struct exposure_row *e)
{
    struct buf b;
    char a[64], z[64], d[48];
    buf_init(&b, 0);
    buf_addf(&b, "%s: ", e->subject);
    list_words(&b, e->fields, 1);
    buf_adds(&b, " visible on ");
    for (size_t i = 0; i < e->npages; i++) buf_addf(&b, "%s%s", i ? ", " : "", e->pages[i]);
    short_time(ctx, r, e->first_seen, a, sizeof a, 0);
    short_time(ctx, r, e->last_seen, z, sizeof z, 1);
    words_duration(e->last_seen - e->first_seen, d, sizeof d);
    buf_addf(&b, " from %s to %s (%s), %lld view%s by ", a, z, d, (long long)e->views, e->views == 1 ? "" : "s");
    long long si = e->signed_in_viewers, an = e->anonymous_viewers;
    if (e->viewers == 1) buf_addf(&b, "1 other person (%s)", si ? "a signed-in customer" : "an anonymous visitor");
    else if (si && an)
        buf_addf(&b, "%lld other people: %lld signed-in customer%s, %lld anonymous visitor%s", (long long)e->viewers,
                 si, si == 1 ? "" : "s", an, an == 1 ? "" : "s");
    else
        buf_addf(&b, "%lld other people, all %s", (long long)e->viewers,
                 si ? "signed-in customers" : "anonymous visitors");
    kt_print_wrapped(stdout, buf_str(&b), 2, 100);
    buf_release(&b);
}

/* "a;b;c" as a JSON array of strings */
static json_t *json_list(const char *semi)
{
    json_t *a = json_array();
    char *t = xstrdup(semi);
    for (char *sv, *tok = strtok_r(t, ";", &sv); tok; tok = strtok_r(NULL, ";", &sv))
        json_array_append_new(a, json_string(tok));
    free(t);
    return a;
}

static json_t *scan_json(const struct scan_info *si)
{
    json_t *s = json_object();
    json_object_set_new(s, "version", json_integer(si->version));
    json_object_set_new(s, "created_at", kt_json_time(si->created_at));
    json_object_set_new(s, "rule_sha256", json_string(si->rule_sha256));
    json_object_set_new(s, "people", json_integer(si->people));
    json_object_set_new(s, "records", json_integer(si->records));
    json_object_set_new(s, "views", json_integer(si->views));
    json_object_set_new(s, "first_seen", kt_json_time(si->first_seen));
    json_object_set_new(s, "last_seen", kt_json_time(si->last_seen));
    return s;
}

static json_t *exposure_json(const struct exposure_row *r)
{
    json_t *e = json_object();
    json_object_set_new(e, "subject", json_string(r->subject));
    json_object_set_new(e, "first_seen", kt_json_time(r->first_seen));
    json_object_set_new(e, "last_seen", kt_json_time(r->last_seen));
    json_object_set_new(e, "views", json_integer(r->views));
    json_object_set_new(e, "viewers", json_integer(r->viewers));
    json_object_set_new(e, "signed_in_viewers", json_integer(r->signed_in_viewers));
    json_object_set_new(e, "anonymous_viewers", json_integer(r->anonymous_viewers));
    json_t *pages = json_array();
    for (size_t i = 0; i < r->npages; i++) json_array_append_new(pages, json_string(r->pages[i]));
    json_object_set_new(e, "pages", pages);
    json_object_set_new(e, "fields", json_list(r->fields));
    return e;
}

static void print_json(const char *ref, const struct scan_info *si, const struct exposure_row *rows, size_t n,
                       int64_t purged)
{
    json_t *j = json_object(), *a = json_array();
    json_object_set_new(j, "incident", json_string(ref));
    if (purged) json_object_set_new(j, "purged_at", kt_json_time(purged));
    json_object_set_new(j, "scan", scan_json(si));
    for (size_t i = 0; i < n; i++) json_array_append_new(a, exposure_json(&rows[i]));
    json_object_set_new(j, "exposures", a);
    kt_json_print(j);
}

/* "per-person data purged on …" (stdout for text, stderr with an error for one person) */
static int purged_note(reg *r, const struct incident *inc, int64_t *purged)
{
    if (purge_when(r, inc->id, PK_EXPOSURES, purged)) return kt_error(1, "%s", reg_err(r));
    return 0;
}

static void print_purged(struct kt_ctx *ctx, reg *r, const char *ref, int64_t purged, FILE *f)
{
    char t[64];
    kt_fmt_time(ctx, r, purged, t, sizeof t);
    fprintf(f,
            "The per-person data of incident %s was purged on %s under the retention policy\n"
            "(docs/retention.md); the totals above and the report's counts are kept.\n",
            ref, t);
}

int cmd_exposure(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"subject", "S", "only this person"},
        {"format", "FMT", "csv (as scan --csv), json, or text (default; --json = --format json)"},
        {"scan", "VERSION", "an earlier scan version (default: the current one)"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Show the exposures stored for an incident: per person, which data, when, where, how\n"
                             "many views and other people.",
                             o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *fmt = opt_get(o, "format")->value, *subject = opt_get(o, "subject")->value,
               *ver = opt_get(o, "scan")->value;
    if (!fmt) fmt = ctx->json ? "json" : "text";
    int64_t version = 0;
    reg *r = NULL;
    struct incident inc = {0};
    struct exposure_row *rows = NULL;
    size_t n = 0;
    int loaded = 0;
    if (npos != 1) {
        rc = kt_error(2, "exposure needs the incident's ID");
        usage_line(usage);
        goto out;
    }
    if (strcmp(fmt, "csv") && strcmp(fmt, "json") && strcmp(fmt, "text")) {
        rc = kt_error(2, "--format: '%s' is not csv, json or text", fmt);
        goto out;
    }
    if (ver) {
        char *end;
        version = strtoll(ver, &end, 10);
        if (*end || version < 1) {
            rc = kt_error(2, "--scan: '%s' is not a scan version", ver);
            goto out;
        }
    }
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) goto out;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    loaded = 1;
    struct scan_info si;
    if ((rc = scans_get(r, &inc, version, &si))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    int64_t purged = 0;
    if (!subject && !strcmp(fmt, "csv")) {
        if ((rc = purged_note(r, &inc, &purged)) || !(rc = stream_csv(r, si.id))) goto out;
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    if ((rc = scans_exposures(r, si.id, subject, &rows, &n))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    if ((rc = purged_note(r, &inc, &purged))) goto out;
    if (subject && !n) {
        rc = kt_error(1, "no exposure of '%s' in scan version %lld of %s", subject, (long long)si.version, inc.ref);
        if (purged) print_purged(ctx, r, inc.ref, purged, stderr);
        goto out;
    }
    if (!strcmp(fmt, "csv")) print_csv(rows, n);
    else if (!strcmp(fmt, "json")) print_json(inc.ref, &si, rows, n, purged);
    else {
        char t[64];
        kt_fmt_time(ctx, r, si.created_at, t, sizeof t);
        if (!subject)
            printf(
                "Incident %s, scan version %lld (%s; rule SHA-256 %.16s…): %lld people, %lld records, %lld views\n\n",
                inc.ref, (long long)si.version, t, si.rule_sha256, (long long)si.people, (long long)si.records,
                (long long)si.views);
        for (size_t i = 0; i < n; i++) print_text(ctx, r, &rows[i]);
        if (purged && !n) print_purged(ctx, r, inc.ref, purged, stdout);
    }
out:
    exposure_rows_free(rows, n);
    if (loaded) incident_release(&inc);
    reg_close(r);
    opt_free(o);
    return rc;
}
