/* cmd_report.c — `klartext report`: the notification to the supervisory authority (Art. 33(3)),
 * recording its filing, and the register of breaches (Art. 33(5)).
 *
 *   klartext report ID [--lang de|en] [--format text|html|json|veris] [--out FILE]
 *   klartext report ID --form ico|lfdi-bw [--out FILE]
 *   klartext report ID --filed --at TIME --ref CASE-REF [--follow-up] [--delay-reason TEXT] [--lang] [--format]
 *   klartext report --register [--format text|csv|json] [--lang de|en] */
#include "cli/cli.h"
#include "register/assessments.h"
#include "report/report.h"
#include "util/ktime.h"
#include "util/output.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "klartext report ID [--lang de|en] [--format text|html|json|veris] [--out FILE]\n"
    "       klartext report ID --form ico|lfdi-bw [--out FILE]\n"
    "       klartext report ID --filed --at TIME --ref CASE-REF [--follow-up] [--delay-reason TEXT]\n"
    "       klartext report --register [--format text|csv|json]";

#define REPORT_MAX ((size_t)256 << 20)

/* the report to PATH (util/output: a file is replaced atomically, a device or FIFO written as
   it is) or, without --out, to standard output */
static int write_out(const char *path, const struct buf *b)
{
    char err[1024];
    int rc = out_write_file(path ? path : "-", buf_str(b), b->len, 0, OUT_MODE_KEEP, err, sizeof err);
    return rc ? kt_error(rc, "%s", err) : 0;
}

static int one_line(const char *s, size_t max)
{
    if (!*s || strlen(s) > max) return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < ' ' || *c == 0x7f) return 0;
    return 1;
}

static void warn_gaps(reg *r, const struct incident *inc)
{
    static const char *const keys[] = {"organisation.name", "organisation.address", "dpo.name", "dpo.email",
                                       "authority.lead"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (reg_org_is_placeholder(r, keys[i]))
            kt_warn("the organisation's %s is still a placeholder: set it with 'klartext org set %s=…'", keys[i],
                    keys[i]);
    struct decision d;
    int found = 0;
    if (!decisions_latest(r, inc, &d, &found) && !found)
        kt_warn("no decision recorded for %s yet: 'klartext assess %s' and then --decide", inc->ref, inc->ref);
    if (found) decision_release(&d);
}

/* the report's language when --lang is not given: the organisation's first language */
static enum report_lang org_lang(reg *r)
{
    const char *l = reg_org_get(r, "organisation.languages");
    return l && !strncmp(l, "de", 2) ? REPORT_DE : REPORT_EN;
}

static int do_register(struct kt_ctx *ctx, const char *fmt, enum report_lang lang, int lang_given, const char *out)
{
    int f, rc;
    reg *r;
    if (!lang_given) {
        if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
        lang = org_lang(r);
        reg_close(r);
    }
    if (!strcmp(fmt, "text")) f = REPORT_REGISTER_TEXT;
    else if (!strcmp(fmt, "csv")) f = REPORT_REGISTER_CSV;
    else if (!strcmp(fmt, "json")) f = REPORT_REGISTER_JSON;
    else return kt_error(2, "--format: '%s' is not text, csv or json (for --register)", fmt);
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct buf b;
    buf_init(&b, REPORT_MAX);
    if ((rc = report_register(r, f, lang, kt_zone(ctx, r), &b))) kt_error(rc, "%s", reg_err(r));
    else rc = write_out(out, &b);
    buf_release(&b);
    reg_close(r);
    return rc;
}

/* what the command line asks for, checked before the register is opened */
struct report_args {
    const char *id; /* the incident (NULL with --register) */
    int register_; /* --register */
    const char *fmt_s; /* --format, or the default */
    enum report_format fmt; /* for a report */
    enum report_lang lang;
    int lang_given;
    const char *out; /* --out FILE, or NULL */
    const char *form; /* --form: the answer sheet of this form, or NULL */
    int filing, follow_up; /* --filed, --follow-up */
    int64_t at; /* --at, parsed */
    const char *at_s, *ref, *delay; /* --at, --ref, --delay-reason as given, or NULL */
};

static const char *given(struct opt *o, const char *name)
{
    struct opt *x = opt_get(o, name);
    return x->given ? x->value : NULL;
}

/* the filing options: --at (required, a time), --ref (one line), --delay-reason, not --out */
static int check_filing(struct report_args *a)
{
    char err[512];
    if (!a->at_s) return kt_error(2, "--filed needs --at TIME: when the report went to the authority");
    if (kt_time_parse(a->at_s, &a->at, err, sizeof err)) return kt_error(2, "--at: %s", err);
    if (a->ref && !one_line(a->ref, 200)) return kt_error(2, "--ref: one line of at most 200 bytes");
    if (a->delay && (!*a->delay || strlen(a->delay) > 20000))
        return kt_error(2, "--delay-reason: give the reasons (at most 20000 bytes)");
    if (a->out) return kt_error(2, "--out writes a report; --filed records one: run them separately");
    return 0;
}

/* fills *a from the parsed options; 0, or 2 with the message printed */
static int check_args(struct kt_ctx *ctx, struct opt *o, char **pos, int npos, struct report_args *a)
{
    memset(a, 0, sizeof *a);
    for (struct opt *x = o; x->name; x++)
        if (x->given > 1) return kt_error(2, "--%s given more than once", x->name);
    const char *fmt = given(o, "format"), *lang = given(o, "lang");
    a->fmt_s = fmt ? fmt : ctx->json ? "json" : "text";
    a->lang = REPORT_EN;
    if (lang) {
        if (!strcmp(lang, "de")) a->lang = REPORT_DE;
        else if (strcmp(lang, "en")) return kt_error(2, "--lang: '%s' is not de or en", lang);
        a->lang_given = 1;
    }
    a->out = given(o, "out");
    a->filing = opt_get(o, "filed")->given;
    a->follow_up = opt_get(o, "follow-up")->given;
    a->at_s = given(o, "at");
    a->ref = given(o, "ref");
    a->delay = given(o, "delay-reason");
    int filing_opts = a->at_s || a->ref || a->follow_up || a->delay;
    if ((a->register_ = opt_get(o, "register")->given)) {
        if (npos || a->filing || filing_opts)
            return kt_error(2, "--register takes no incident ID and no filing options");
        return 0;
    }
    if (npos != 1) {
        kt_error(2, "report needs the incident's ID (or --register)");
        usage_line(usage);
        return 2;
    }
    a->id = pos[0];
    const char *form = given(o, "form");
    if (form) {
        if (report_form_parse(form, &a->form))
            return kt_error(2, "--form: '%s' is not a form klartext knows (ico, lfdi-bw)", form);
        if (a->filing || filing_opts || fmt || lang)
            return kt_error(2, "--form prints an answer sheet in the form's own language: no --format, --lang or "
                               "filing options");
        return 0;
    }
    if (report_format_parse(a->fmt_s, &a->fmt))
        return kt_error(2, "--format: '%s' is not text, html, json or veris", a->fmt_s);
    if (!a->filing && filing_opts)
        return kt_error(2, "--at, --ref, --follow-up and --delay-reason record a filing: add --filed");
    return a->filing ? check_filing(a) : 0;
}

/* the report as it is now, to --out or standard output */
static int write_report(reg *r, const struct incident *inc, const struct report_args *a, const char *zone)
{
    struct report *m;
    char err[512];
    int rc = report_load(r, inc, &m);
    if (rc) return kt_error(rc, "%s", reg_err(r));
    struct buf b;
    buf_init(&b, REPORT_MAX);
    if (a->form ? report_render_form(m, a->form, zone, &b, err, sizeof err)
                : report_render(m, a->fmt, a->lang, zone, &b, err, sizeof err)) {
        rc = kt_error(1, "cannot write the report: %s", err);
    } else {
        warn_gaps(r, inc);
        rc = write_out(a->out, &b);
    }
    buf_release(&b);
    report_free(m);
    return rc;
}

/* the initial notification needs --ref; a follow-up needs --follow-up and keeps the reference */
static int check_follow_up(const struct incident *inc, const struct report_args *a, int64_t fu, const char *case_ref)
{
    if (!fu && a->follow_up)
        return kt_error(2, "incident %s has no initial notification on record: record it first, without --follow-up",
                        inc->ref);
    if (fu && !a->follow_up)
        return kt_error(2,
                        "incident %s was already notified (case reference '%s'): a further report is a follow-up "
                        "(Art. 33(4) GDPR): add --follow-up",
                        inc->ref, case_ref);
    if (!fu && !a->ref) return kt_error(2, "--filed needs --ref CASE-REF: the authority's case reference");
    if (fu && a->ref && strcmp(a->ref, case_ref))
        return kt_error(2, "--ref: follow-up reports carry the reference of the initial notification, '%s', not '%s'",
                        case_ref, a->ref);
    return 0;
}

/* Inside one transaction: the reasons for a delay (the report is loaded again with them), the
 * report's exact bytes in *b, the filing *f, the time of the initial notification. Returns 0,
 * or an exit code with the message printed and nothing stored. */
static int record_filing(reg *r, struct incident *inc, const struct report_args *a, const char *zone, int64_t fu,
                         struct report **m, struct buf *b, struct filing *f)
{
    char err[512];
    int rc;
    if ((rc = reg_begin(r))) return kt_error(rc, "%s", reg_err(r));
    if (a->delay && (!inc->v[IF_DELAY_REASON] || strcmp(inc->v[IF_DELAY_REASON], a->delay))) {
        char *vals[IF_COUNT] = {0};
        vals[IF_DELAY_REASON] = (char *)a->delay;
        if ((rc = incident_update(r, inc, vals))) goto fail;
        report_free(*m);
        *m = NULL;
        if ((rc = report_load(r, inc, m))) goto fail;
        kt_warn("the reasons for the delay are now part of the report: send the report as klartext renders it now");
    }
    if (report_render(*m, a->fmt, a->lang, zone, b, err, sizeof err)) {
        rc = reg_fail(r, 1, "cannot write the report: %s", err);
        goto fail;
    }
    uint8_t dg[SHA256_DIGEST_LEN];
    sha256_hash(buf_str(b), b->len, dg);
    sha256_to_hex(dg, f->sha256);
    f->follow_up = fu;
    f->filed_at = a->at;
    f->lang = a->lang == REPORT_DE ? "de" : "en";
    f->format = (char *)report_format_name(a->fmt);
    f->bytes = (int64_t)b->len;
    report_basis(*m, &f->assessment_id, &f->decision_id, &f->scan_id);
    if ((rc = filings_add(r, inc, f))) goto fail;
    if (!fu) {
        char iso[KT_ISO_LEN];
        kt_time_iso(a->at, iso);
        if (!inc->v[IF_NOTIFIED_AT] || strcmp(inc->v[IF_NOTIFIED_AT], iso)) {
            char *vals[IF_COUNT] = {0};
            vals[IF_NOTIFIED_AT] = iso;
            if ((rc = incident_update(r, inc, vals))) goto fail;
        }
    }
    if ((rc = reg_commit(r))) goto fail;
    return 0;
fail:
    kt_error(rc, "%s", reg_err(r));
    reg_rollback(r);
    return rc;
}

/* a warning when the recorded decision was not to notify the authority, or there is none */
static void warn_decision(reg *r, const struct incident *inc)
{
    struct decision d;
    int found = 0;
    if (!decisions_latest(r, inc, &d, &found) && found) {
        if (!d.notify_authority)
            kt_warn("the recorded decision (no. %lld) was not to notify the authority", (long long)d.seq);
        decision_release(&d);
    } else if (!found) {
        kt_warn("no decision on the notification is recorded for %s", inc->ref);
    }
}

static int print_filing(struct kt_ctx *ctx, reg *r, const struct incident *inc, const struct filing *f,
                        enum report_lang lang)
{
    char t[64];
    kt_fmt_time(ctx, r, f->filed_at, t, sizeof t);
    int64_t fu = f->follow_up;
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(inc->ref));
        json_object_set_new(j, "number", json_integer(f->seq));
        json_object_set_new(j, "type", json_string(fu ? "follow-up" : "initial"));
        json_object_set_new(j, "follow_up", fu ? json_integer(fu) : json_null());
        json_object_set_new(j, "filed_at", kt_json_time(f->filed_at));
        json_object_set_new(j, "case_ref", json_string(f->case_ref));
        json_object_set_new(j, "lang", json_string(f->lang));
        json_object_set_new(j, "format", json_string(f->format));
        json_object_set_new(j, "sha256", json_string(f->sha256));
        json_object_set_new(j, "bytes", json_integer(f->bytes));
        json_object_set_new(j, "status", json_string(inc->v[IF_STATUS]));
        return kt_json_print(j);
    }
    if (fu)
        printf(
            "Recorded follow-up report no. %lld of incident %s, filed with the supervisory authority on %s (case reference %s).\n",
            (long long)fu, inc->ref, t, f->case_ref);
    else
        printf(
            "Recorded the notification of incident %s, filed with the supervisory authority on %s (case reference %s).\n",
            inc->ref, t, f->case_ref);
    printf("  report    %s, %s, %lld bytes, SHA-256 %s\n", lang == REPORT_DE ? "German" : "English", f->format,
           (long long)f->bytes, f->sha256);
    printf("  status    %s\n", inc_status_label(inc->v[IF_STATUS]));
    printf("See the clocks with 'klartext status'; the register with 'klartext report --register'.\n");
    return 0;
}

/* --filed: checks the time and the reference, records the filing, says what was recorded */
static int file_report(struct kt_ctx *ctx, reg *r, struct incident *inc, const struct report_args *a, const char *zone)
{
    if (a->at > ctx->now + 300) return kt_error(2, "--at: %s is in the future", a->at_s);
    if (a->at < inc_time(inc, IF_AWARE_AT))
        return kt_error(2, "--at: the report cannot be filed before the organisation became aware (%s)",
                        inc->v[IF_AWARE_AT]);
    struct report *m;
    int rc = report_load(r, inc, &m);
    if (rc) return kt_error(rc, "%s", reg_err(r));
    const char *case_ref;
    int64_t fu = report_next_follow_up(m, &case_ref);
    if ((rc = check_follow_up(inc, a, fu, case_ref))) {
        report_free(m);
        return rc;
    }
    struct filing f;
    memset(&f, 0, sizeof f);
    f.case_ref = xstrdup(fu ? case_ref : a->ref);
    struct buf b;
    buf_init(&b, REPORT_MAX);
    rc = record_filing(r, inc, a, zone, fu, &m, &b, &f);
    if (!rc) {
        warn_decision(r, inc);
        rc = print_filing(ctx, r, inc, &f, a->lang);
    }
    free(f.case_ref);
    buf_release(&b);
    report_free(m);
    return rc;
}

static const char description[] =
    "The notification to the supervisory authority under Art. 33 GDPR, in English or German, as text, HTML\n"
    "(printable, with the exposure chart), JSON or VERIS 1.4 JSON. It holds no personal data of the people\n"
    "affected, only counts. --filed records the filing (the SHA-256 of the exact bytes of the report in the\n"
    "chosen language and format, and the authority's case reference) and sets the incident's notification\n"
    "time. --register prints the Art. 33(5) register (text, csv, json). --form prints an answer sheet: the\n"
    "report's content question by question in the order and wording of the UK ICO's or the LfDI\n"
    "Baden-Württemberg's form, with the questions klartext cannot answer listed (docs/report.md).";

int cmd_report(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"lang", "de|en", "language of the report (default: the organisation's first language)"},
        {"format", "FMT", "text (default), html, json or veris; with --register: text, csv or json"},
        {"out", "FILE", "write the report to FILE instead of standard output"},
        {"filed", NULL, "record that the report went to the supervisory authority (with --at and --ref)"},
        {"at", "TIME", "when it was filed (ISO 8601 with zone)"},
        {"ref", "CASE-REF", "the authority's case reference"},
        {"follow-up", NULL, "a follow-up report under the same reference (Art. 33(4) GDPR)"},
        {"delay-reason", "TEXT", "the reasons for a notification after 72 hours (Art. 33(1) GDPR)"},
        {"register", NULL, "the register of breaches (Art. 33(5) GDPR): every incident, notified or not"},
        {"form", "NAME", "an answer sheet in the order and wording of an authority's form: ico, lfdi-bw"},
        {0},
    };
    char *pos[1];
    struct report_args a;
    int npos, rc = opt_parse(usage, description, o, argc, argv, pos, 1, &npos);
    if (rc || (rc = check_args(ctx, o, pos, npos, &a))) {
        opt_free(o);
        return rc;
    }
    if (a.register_) {
        rc = do_register(ctx, a.fmt_s, a.lang, a.lang_given, a.out);
        opt_free(o);
        return rc;
    }
    reg *r = NULL;
    struct incident inc;
    if ((rc = kt_open(ctx, a.filing ? 0 : REG_OPEN_READONLY, &r))) goto out;
    if ((rc = incident_load(r, a.id, &inc))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    if (!a.lang_given) a.lang = org_lang(r);
    const char *zone = kt_zone(ctx, r);
    rc = a.filing ? file_report(ctx, r, &inc, &a, zone) : write_report(r, &inc, &a, zone);
    incident_release(&inc);
out:
    reg_close(r);
    opt_free(o);
    return rc;
}
