/* cmd_report.c — `klartext report`: the notification to the supervisory authority (Art. 33(3)),
 * recording its filing, and the register of breaches (Art. 33(5)).
 *
 *   klartext report ID [--lang de|en] [--format text|html|json|veris] [--out FILE]
 *   klartext report ID --filed --at TIME --ref CASE-REF [--follow-up] [--delay-reason TEXT] [--lang] [--format]
 *   klartext report --register [--format text|csv|json] [--lang de|en] */
#include "cli/cli.h"
#include "register/assessments.h"
#include "report/report.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "klartext report ID [--lang de|en] [--format text|html|json|veris] [--out FILE]\n"
    "       klartext report ID --filed --at TIME --ref CASE-REF [--follow-up] [--delay-reason TEXT]\n"
    "       klartext report --register [--format text|csv|json]";

#define REPORT_MAX ((size_t)256 << 20)

static int write_out(const char *path, const struct buf *b)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) return kt_error(1, "cannot write '%s': %s", path, strerror(errno));
    int bad = fwrite(buf_str(b), 1, b->len, f) != b->len;
    if (path) bad |= fclose(f) != 0;
    if (bad) return kt_error(1, "cannot write '%s'", path ? path : "standard output");
    return 0;
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
    static const char *const keys[] = {"organisation.name", "organisation.address", "dpo.name", "dpo.email", "authority.lead"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (reg_org_is_placeholder(r, keys[i]))
            kt_warn("the organisation's %s is still a placeholder: set it with 'klartext org set %s=…'", keys[i], keys[i]);
    struct decision d;
    int found = 0;
    if (!decisions_latest(r, inc, &d, &found) && !found)
        kt_warn("no decision recorded for %s yet: 'klartext assess %s' and then --decide", inc->ref, inc->ref);
    if (found) decision_release(&d);
}

static int do_register(struct kt_ctx *ctx, const char *fmt, enum report_lang lang, const char *out)
{
    int f;
    if (!strcmp(fmt, "text")) f = REPORT_REGISTER_TEXT;
    else if (!strcmp(fmt, "csv")) f = REPORT_REGISTER_CSV;
    else if (!strcmp(fmt, "json")) f = REPORT_REGISTER_JSON;
    else return kt_error(2, "--format: '%s' is not text, csv or json (for --register)", fmt);
    reg *r;
    int rc = kt_open(ctx, REG_OPEN_READONLY, &r);
    if (rc) return rc;
    struct buf b;
    buf_init(&b, REPORT_MAX);
    if ((rc = report_register(r, f, lang, kt_zone(ctx, r), &b))) kt_error(rc, "%s", reg_err(r));
    else rc = write_out(out, &b);
    buf_release(&b);
    reg_close(r);
    return rc;
}

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
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
        "The notification to the supervisory authority under Art. 33 GDPR, in English or German, as text, HTML\n"
        "(printable, with the exposure chart), JSON or VERIS 1.4 JSON. It holds no personal data of the people\n"
        "affected, only counts. --filed records the filing (the SHA-256 of the exact bytes of the report in the\n"
        "chosen language and format, and the authority's case reference) and sets the incident's notification\n"
        "time. --register prints the Art. 33(5) register (text, csv, json).",
        o, argc, argv, pos, 1, &npos);
    if (rc) { opt_free(o); return rc; }
    struct opt *o_lang = opt_get(o, "lang"), *o_fmt = opt_get(o, "format"), *o_out = opt_get(o, "out"),
               *o_filed = opt_get(o, "filed"), *o_at = opt_get(o, "at"), *o_ref = opt_get(o, "ref"),
               *o_fu = opt_get(o, "follow-up"), *o_delay = opt_get(o, "delay-reason"), *o_reg = opt_get(o, "register");
    reg *r = NULL;
    struct incident inc;
    int loaded = 0;
    struct report *m = NULL;
    struct buf b;
    buf_init(&b, REPORT_MAX);
    for (struct opt *x = o; x->name; x++)
        if (x->given > 1) { rc = kt_error(2, "--%s given more than once", x->name); goto out; }
    const char *fmt_s = o_fmt->value ? o_fmt->value : ctx->json ? "json" : "text";
    enum report_lang lang = REPORT_EN;
    int lang_given = 0;
    if (o_lang->value) {
        if (!strcmp(o_lang->value, "de")) lang = REPORT_DE;
        else if (strcmp(o_lang->value, "en")) { rc = kt_error(2, "--lang: '%s' is not de or en", o_lang->value); goto out; }
        lang_given = 1;
    }
    if (o_reg->given) {
        if (npos || o_filed->given || o_at->given || o_ref->given || o_fu->given || o_delay->given) {
            rc = kt_error(2, "--register takes no incident ID and no filing options");
            goto out;
        }
        if (!lang_given) {
            reg *r0;
            if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r0))) goto out;
            const char *l = reg_org_get(r0, "organisation.languages");
            if (l && !strncmp(l, "de", 2)) lang = REPORT_DE;
            reg_close(r0);
        }
        rc = do_register(ctx, fmt_s, lang, o_out->value);
        goto out;
    }
    if (npos != 1) { rc = kt_error(2, "report needs the incident's ID (or --register)"); usage_line(usage); goto out; }
    enum report_format fmt;
    if (report_format_parse(fmt_s, &fmt)) { rc = kt_error(2, "--format: '%s' is not text, html, json or veris", fmt_s); goto out; }
    int filing = o_filed->given;
    if (!filing && (o_at->given || o_ref->given || o_fu->given || o_delay->given)) {
        rc = kt_error(2, "--at, --ref, --follow-up and --delay-reason record a filing: add --filed");
        goto out;
    }
    int64_t at = 0;
    char err[512];
    if (filing) {
        if (!o_at->given) { rc = kt_error(2, "--filed needs --at TIME: when the report went to the authority"); goto out; }
        if (kt_time_parse(o_at->value, &at, err, sizeof err)) { rc = kt_error(2, "--at: %s", err); goto out; }
        if (o_ref->given && !one_line(o_ref->value, 200)) { rc = kt_error(2, "--ref: one line of at most 200 bytes"); goto out; }
        if (o_delay->given && (!*o_delay->value || strlen(o_delay->value) > 20000)) {
            rc = kt_error(2, "--delay-reason: give the reasons (at most 20000 bytes)");
            goto out;
        }
        if (o_out->given) { rc = kt_error(2, "--out writes a report; --filed records one: run them separately"); goto out; }
    }
    if ((rc = kt_open(ctx, filing ? 0 : REG_OPEN_READONLY, &r))) goto out;
    if ((rc = incident_load(r, pos[0], &inc))) { kt_error(rc, "%s", reg_err(r)); goto out; }
    loaded = 1;
    if (!lang_given) {
        const char *l = reg_org_get(r, "organisation.languages");
        if (l && !strncmp(l, "de", 2)) lang = REPORT_DE;
    }
    const char *zone = kt_zone(ctx, r);
    if (!filing) {
        if ((rc = report_load(r, &inc, &m))) { kt_error(rc, "%s", reg_err(r)); goto out; }
        if (report_render(m, fmt, lang, zone, &b, err, sizeof err)) { rc = kt_error(1, "cannot write the report: %s", err); goto out; }
        warn_gaps(r, &inc);
        rc = write_out(o_out->value, &b);
        goto out;
    }
    /* ---- recording a filing ---- */
    if (at > ctx->now + 300) { rc = kt_error(2, "--at: %s is in the future", o_at->value); goto out; }
    if (at < inc_time(&inc, IF_AWARE_AT)) { rc = kt_error(2, "--at: the report cannot be filed before the organisation became aware (%s)",
                                                          inc.v[IF_AWARE_AT]); goto out; }
    if ((rc = report_load(r, &inc, &m))) { kt_error(rc, "%s", reg_err(r)); goto out; }
    const char *case_ref;
    int64_t fu = report_next_follow_up(m, &case_ref);
    if (!fu && o_fu->given) {
        rc = kt_error(2, "incident %s has no initial notification on record: record it first, without --follow-up", inc.ref);
        goto out;
    }
    if (fu && !o_fu->given) {
        rc = kt_error(2, "incident %s was already notified (case reference '%s'): a further report is a follow-up "
                         "(Art. 33(4) GDPR): add --follow-up", inc.ref, case_ref);
        goto out;
    }
    if (!fu && !o_ref->given) { rc = kt_error(2, "--filed needs --ref CASE-REF: the authority's case reference"); goto out; }
    if (fu && o_ref->given && strcmp(o_ref->value, case_ref)) {
        rc = kt_error(2, "--ref: follow-up reports carry the reference of the initial notification, '%s', not '%s'", case_ref, o_ref->value);
        goto out;
    }
    const char *ref = fu ? case_ref : o_ref->value;
    char *ref_copy = xstrdup(ref);
    if ((rc = reg_begin(r))) { kt_error(rc, "%s", reg_err(r)); free(ref_copy); goto out; }
    if (o_delay->given && (!inc.v[IF_DELAY_REASON] || strcmp(inc.v[IF_DELAY_REASON], o_delay->value))) {
        char *vals[IF_COUNT] = {0};
        vals[IF_DELAY_REASON] = (char *)o_delay->value;
        if ((rc = incident_update(r, &inc, vals))) goto fail;
        report_free(m);
        m = NULL;
        if ((rc = report_load(r, &inc, &m))) goto fail;
        kt_warn("the reasons for the delay are now part of the report: send the report as klartext renders it now");
    }
    if (report_render(m, fmt, lang, zone, &b, err, sizeof err)) { rc = reg_fail(r, 1, "cannot write the report: %s", err); goto fail; }
    uint8_t dg[SHA256_DIGEST_LEN];
    struct filing f;
    memset(&f, 0, sizeof f);
    sha256_hash(buf_str(&b), b.len, dg);
    sha256_to_hex(dg, f.sha256);
    f.follow_up = fu;
    f.filed_at = at;
    f.case_ref = ref_copy;
    f.lang = lang == REPORT_DE ? "de" : "en";
    f.format = (char *)report_format_name(fmt);
    f.bytes = (int64_t)b.len;
    report_basis(m, &f.assessment_id, &f.decision_id, &f.scan_id);
    if ((rc = filings_add(r, &inc, &f))) goto fail;
    if (!fu) {
        char iso[KT_ISO_LEN];
        kt_time_iso(at, iso);
        if (!inc.v[IF_NOTIFIED_AT] || strcmp(inc.v[IF_NOTIFIED_AT], iso)) {
            char *vals[IF_COUNT] = {0};
            vals[IF_NOTIFIED_AT] = iso;
            if ((rc = incident_update(r, &inc, vals))) goto fail;
        }
    }
    if ((rc = reg_commit(r))) goto fail;
    {
        struct decision d;
        int found = 0;
        if (!decisions_latest(r, &inc, &d, &found) && found) {
            if (!d.notify_authority) kt_warn("the recorded decision (no. %lld) was not to notify the authority", (long long)d.seq);
            decision_release(&d);
        } else if (!found) {
            kt_warn("no decision on the notification is recorded for %s", inc.ref);
        }
    }
    char t[64];
    kt_fmt_time(ctx, r, at, t, sizeof t);
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(inc.ref));
        json_object_set_new(j, "number", json_integer(f.seq));
        json_object_set_new(j, "type", json_string(fu ? "follow-up" : "initial"));
        json_object_set_new(j, "follow_up", fu ? json_integer(fu) : json_null());
        json_object_set_new(j, "filed_at", kt_json_time(at));
        json_object_set_new(j, "case_ref", json_string(ref_copy));
        json_object_set_new(j, "lang", json_string(f.lang));
        json_object_set_new(j, "format", json_string(f.format));
        json_object_set_new(j, "sha256", json_string(f.sha256));
        json_object_set_new(j, "bytes", json_integer(f.bytes));
        json_object_set_new(j, "status", json_string(inc.v[IF_STATUS]));
        rc = kt_json_print(j);
    } else {
        if (fu) printf("Recorded follow-up report no. %lld of incident %s, filed with the supervisory authority on %s (case reference %s).\n",
                       (long long)fu, inc.ref, t, ref_copy);
        else printf("Recorded the notification of incident %s, filed with the supervisory authority on %s (case reference %s).\n",
                    inc.ref, t, ref_copy);
        printf("  report    %s, %s, %zu bytes, SHA-256 %s\n", lang == REPORT_DE ? "German" : "English", f.format, b.len, f.sha256);
        printf("  status    %s\n", inc_status_label(inc.v[IF_STATUS]));
        printf("See the clocks with 'klartext status'; the register with 'klartext report --register'.\n");
    }
    free(ref_copy);
    goto out;
fail:
    kt_error(rc, "%s", reg_err(r));
    reg_rollback(r);
    free(ref_copy);
out:
    buf_release(&b);
    report_free(m);
    if (loaded) incident_release(&inc);
    reg_close(r);
    opt_free(o);
    return rc;
}
