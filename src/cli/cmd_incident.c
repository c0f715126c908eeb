/* cmd_incident.c — `klartext incident new|list|show|update|event`. */
#include "cli/cli.h"
#include "register/incident.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char group_usage[] = "klartext incident (new|list|show|update|event|publish) [ARGS]";

int incident_publish(struct kt_ctx *ctx, int argc, char **argv); /* cmd_publish.c */

/* options for every record field, plus extras; returned array ends with {0} */
static struct opt *field_opts(const struct opt *extra, size_t nextra)
{
    struct opt *o = xcalloc(inc_nfields + nextra + 1, sizeof *o);
    size_t n = 0;
    for (size_t i = 0; i < inc_nfields; i++) {
        static char names[IF_COUNT][40];
        snprintf(names[i], sizeof names[i], "%s", inc_fields[i].name);
        for (char *c = names[i]; *c; c++)
            if (*c == '_') *c = '-';
        o[n].name = names[i];
        o[n].arg = inc_fields[i].type == F_TIME   ? "TIME"
                   : inc_fields[i].type == F_BOOL ? "yes|no"
                   : inc_fields[i].type == F_INT  ? "N"
                   : inc_fields[i].type == F_SET  ? "A,B"
                                                  : "TEXT";
        o[n].help = inc_fields[i].help;
        n++;
    }
    for (size_t i = 0; i < nextra; i++) o[n++] = extra[i];
    return o;
}

/* canonicalise the given field options into vals[]; returns 0 or 2 */
static int collect(struct opt *o, char *vals[IF_COUNT], int allow_empty)
{
    for (size_t i = 0; i < inc_nfields; i++) {
        vals[i] = NULL;
        if (!o[i].given) continue;
        if (o[i].given > 1) return kt_error(2, "--%s given more than once", o[i].name);
        if (!*o[i].value && allow_empty) {
            vals[i] = xstrdup("");
            continue;
        }
        char err[600];
        if (inc_value_canon(&inc_fields[i], o[i].value, &vals[i], err, sizeof err)) return kt_error(2, "%s", err);
    }
    return 0;
}

static void free_vals(char *vals[IF_COUNT])
{
    for (int i = 0; i < IF_COUNT; i++) {
        free(vals[i]);
        vals[i] = NULL;
    }
}

static int inc_new(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext incident new --title TEXT --aware-at TIME --aware-how TEXT [FIELD OPTIONS]";
    struct opt *o = field_opts(NULL, 0);
    char *pos[1], *vals[IF_COUNT] = {0};
    int npos, rc = opt_parse(usage,
                             "Record a new incident. Times are ISO 8601 with a zone, e.g. 2026-11-20T09:17:00+01:00.\n"
                             "Lists (breach types, categories) are comma-separated.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) goto done;
    if ((rc = collect(o, vals, 0))) goto done;
    for (size_t i = 0; i < inc_nfields; i++)
        if ((inc_fields[i].flags & F_REQUIRED) && !vals[i]) {
            rc = kt_error(2, "missing --%s (%s)", o[i].name, inc_fields[i].help);
            usage_line(usage);
            goto done;
        }
    reg *r;
    if ((rc = kt_open(ctx, 0, &r))) goto done;
    struct incident inc = {0};
    if ((rc = reg_begin(r)) || (rc = incident_create(r, vals, &inc)) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        incident_release(&inc); /* the record made before a failed commit (e.g. a full disk) */
    } else {
        if (ctx->json) {
            json_t *j = json_object();
            json_object_set_new(j, "ref", json_string(inc.ref));
            kt_json_print(j);
        } else {
            printf("Recorded incident %s: %s\n", inc.ref, inc.v[IF_TITLE]);
            printf("See its deadlines with 'klartext status', its record with 'klartext incident show %s'.\n", inc.ref);
        }
        incident_release(&inc);
    }
    reg_close(r);
done:
    free_vals(vals);
    opt_free(o);
    free(o);
    return rc;
}

static int inc_update(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext incident update ID [FIELD OPTIONS]";
    struct opt *o = field_opts(NULL, 0);
    char *pos[1], *vals[IF_COUNT] = {0};
    int npos, rc = opt_parse(
                  usage,
                  "Change fields of an incident; every change is audited. An empty value clears an optional field.\n"
                  "Record the authority notification with --notified-at TIME (after 72 h also --delay-reason).",
                  o, argc, argv, pos, 1, &npos);
    if (rc) goto done;
    if (npos != 1) {
        rc = kt_error(2, "incident update needs the incident's ID (e.g. 2026-0001)");
        usage_line(usage);
        goto done;
    }
    if ((rc = collect(o, vals, 1))) goto done;
    int any = 0;
    for (int i = 0; i < IF_COUNT; i++) any |= vals[i] != NULL;
    if (!any) {
        rc = kt_error(2, "nothing to change: give at least one field option");
        usage_line(usage);
        goto done;
    }
    reg *r;
    if ((rc = kt_open(ctx, 0, &r))) goto done;
    struct incident inc;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        goto done;
    }
    if ((rc = reg_begin(r)) || (rc = incident_update(r, &inc, vals)) || (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
    } else {
        printf("Updated incident %s (status: %s)\n", inc.ref, inc_status_label(inc.v[IF_STATUS]));
    }
    incident_release(&inc);
    reg_close(r);
done:
    free_vals(vals);
    opt_free(o);
    free(o);
    return rc;
}

static json_t *incident_json(reg *r, const struct incident *inc, int with_events)
{
    json_t *j = json_object();
    json_object_set_new(j, "ref", json_string(inc->ref));
    json_object_set_new(j, "created_at", kt_json_time(inc->created_at));
    json_object_set_new(j, "updated_at", kt_json_time(inc->updated_at));
    for (size_t i = 0; i < inc_nfields; i++) {
        const struct inc_field *f = &inc_fields[i];
        const char *v = inc->v[i];
        json_t *val;
        if (!v) val = json_null();
        else if (f->type == F_INT) val = json_integer(strtoll(v, NULL, 10));
        else if (f->type == F_BOOL) val = json_boolean(!strcmp(v, "yes"));
        else if (f->type == F_SET) {
            val = json_array();
            char *t = xstrdup(v);
            for (char *save, *tok = strtok_r(t, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                json_array_append_new(val, json_string(tok));
            free(t);
        } else val = json_string(v);
        json_object_set_new(j, f->name, val);
    }
    json_object_set_new(j, "deadlines", kt_deadlines_json(r, inc));
    if (with_events) {
        struct inc_event *ev;
        size_t n;
        json_t *a = json_array();
        if (!incident_events(r, inc, &ev, &n)) {
            for (size_t i = 0; i < n; i++) {
                json_t *e = json_object();
                json_object_set_new(e, "seq", json_integer(ev[i].seq));
                json_object_set_new(e, "at", kt_json_time(ev[i].at));
                json_object_set_new(e, "recorded_at", kt_json_time(ev[i].recorded_at));
                json_object_set_new(e, "kind", json_string(ev[i].kind));
                json_object_set_new(e, "text", json_string(ev[i].text));
                json_object_set_new(e, "actor", json_string(ev[i].actor));
                json_object_set_new(e, "corrects", ev[i].corrects ? json_integer(ev[i].corrects) : json_null());
                json_array_append_new(a, e);
            }
            inc_events_free(ev, n);
        }
        json_object_set_new(j, "timeline", a);
    }
    return j;
}

static void show_text(struct kt_ctx *ctx, reg *r, const struct incident *inc)
{
    char t[64];
    printf("%s  %s\n\n", inc->ref, inc->v[IF_TITLE]);
    for (size_t i = 1; i < inc_nfields; i++) {
        const struct inc_field *f = &inc_fields[i];
        const char *v = inc->v[i];
        if (!v || (int)i == IF_AWARE_AT || (int)i == IF_NOTIFIED_AT) continue; /* shown with the deadlines */
        printf("  %-22s ", f->label);
        if (f->type == F_TIME) {
            kt_fmt_time(ctx, r, inc_time(inc, (int)i), t, sizeof t);
            printf("%s\n", t);
        } else if ((int)i == IF_STATUS) printf("%s\n", inc_status_label(v));
        else if (f->type == F_SET) {
            for (const char *c = v; *c; c++) {
                if (*c == ',') fputs(", ", stdout);
                else putchar(*c);
            }
            putchar('\n');
        } else kt_print_wrapped(stdout, v, 25, 96);
    }
    int unset = 0;
    for (size_t i = 0; i < inc_nfields; i++)
        if (!inc->v[i] && i != IF_DELAY_REASON && i < IF_NOTIFIED_AT) unset++;
    printf("\n");
    kt_print_deadlines(ctx, r, inc, "  ");
    struct inc_event *ev;
    size_t n;
    if (!incident_events(r, inc, &ev, &n)) {
        printf("\ntimeline (append-only; times %s)\n", kt_zone(ctx, r));
        for (size_t i = 0; i < n; i++) {
            kt_fmt_time(ctx, r, ev[i].at, t, sizeof t);
            printf("  #%-3lld %-27s %-10s ", (long long)ev[i].seq, t, ev[i].kind);
            struct buf b;
            buf_init(&b, 0);
            buf_adds(&b, ev[i].text);
            if (ev[i].corrects) buf_addf(&b, " [corrects #%lld]", (long long)ev[i].corrects);
            buf_addf(&b, " (%s)", ev[i].actor);
            kt_print_wrapped(stdout, buf_str(&b), 46, 110);
            buf_release(&b);
        }
        inc_events_free(ev, n);
    }
    if (unset)
        printf("\n%d field%s not filled in yet; see 'klartext incident update --help'.\n", unset,
               unset == 1 ? " is" : "s are");
}

static int inc_show(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext incident show ID";
    struct opt o[] = {{0}};
    char *pos[1];
    int npos, rc = opt_parse(usage, "Show an incident's record, deadlines and timeline.", o, argc, argv, pos, 1, &npos);
    if (rc) return rc;
    if (npos != 1) {
        kt_error(2, "incident show needs the incident's ID");
        usage_line(usage);
        return 2;
    }
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct incident inc;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) rc = kt_json_print(incident_json(r, &inc, 1));
    else show_text(ctx, r, &inc);
    incident_release(&inc);
    reg_close(r);
    return rc;
}

static int inc_list(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext incident list [--all] [--ids]";
    struct opt o[] = {{"all", NULL, "include closed incidents"},
                      {"ids", NULL, "print only the IDs, one a line (for scripts and shell completion)"},
                      {0}};
    char *pos[1];
    int npos,
        rc = opt_parse(usage, "List incidents (open ones; --all for every incident).", o, argc, argv, pos, 0, &npos);
    int all = o[0].given, ids = o[1].given;
    opt_free(o);
    if (rc) return rc;
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct incident *l;
    size_t n;
    if ((rc = incident_list(r, all, &l, &n))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ids) {
        for (size_t i = 0; i < n; i++) printf("%s\n", l[i].ref);
    } else if (ctx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(a, incident_json(r, &l[i], 0));
        kt_json_print(a);
    } else if (!n) {
        printf("No %sincidents in the register.\n", all ? "" : "open ");
    } else {
        printf("%-10s %-19s %-22s %s\n", "ID", "STATUS", "AWARE", "TITLE");
        for (size_t i = 0; i < n; i++) {
            char t[64];
            kt_fmt_time(ctx, r, inc_time(&l[i], IF_AWARE_AT), t, sizeof t);
            printf("%-10s %-19s %-22.22s %s\n", l[i].ref, inc_status_label(l[i].v[IF_STATUS]), t + 4, l[i].v[IF_TITLE]);
        }
    }
    for (size_t i = 0; i < n; i++) incident_release(&l[i]);
    free(l);
    reg_close(r);
    return 0;
}

/* --text's length, --at (not in the future), --kind and --corrects N into *at and *corrects;
   0, or 2 after the message */
static int event_args(struct kt_ctx *ctx, const char *text, const char *at_s, const char *kind, const char *corr_s,
                      int64_t *at, int64_t *corrects)
{
    static const char *const kinds[] = {"note",     "finding",  "containment", "communication",
                                        "evidence", "decision", NULL};
    char err[300];
    if (strlen(text) > 20000) return kt_error(2, "--text is too long (max 20000 bytes)");
    if (at_s && kt_time_parse(at_s, at, err, sizeof err)) return kt_error(2, "--at: %s", err);
    if (*at > ctx->now + 300) return kt_error(2, "--at: %s is in the future", at_s);
    if (kind) {
        int ok = 0;
        for (const char *const *k = kinds; *k; k++) ok |= !strcmp(*k, kind);
        if (!ok)
            return kt_error(
                2, "--kind: '%s' is not one of note, finding, containment, communication, evidence, decision", kind);
    }
    if (corr_s) {
        char *end;
        *corrects = strtoll(corr_s, &end, 10);
        if (*end || *corrects <= 0) return kt_error(2, "--corrects: '%s' is not a timeline entry number", corr_s);
    }
    return 0;
}

/* the timeline entry, in one transaction, after checking that the entry it corrects exists */
static int event_add(reg *r, struct incident *inc, int64_t at, const char *kind, const char *text, int64_t corrects)
{
    int rc;
    if (corrects) {
        int found;
        if ((rc = incident_event_exists(r, inc, corrects, &found))) return kt_error(rc, "%s", reg_err(r));
        if (!found) return kt_error(2, "incident %s has no timeline entry #%lld", inc->ref, (long long)corrects);
    }
    int64_t seq;
    if ((rc = reg_begin(r)) ||
        (rc = incident_event_add(r, inc, at,
                                 corrects ? "correction"
                                 : kind   ? kind
                                          : "note",
                                 text, corrects, &seq)) ||
        (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        return rc;
    }
    printf("Added timeline entry #%lld to %s\n", (long long)seq, inc->ref);
    return 0;
}

static int inc_event(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext incident event ID --text TEXT [--at TIME] [--kind KIND] [--corrects N]";
    struct opt o[] = {
        {"text", "TEXT", "what happened (required)"},
        {"at", "TIME", "when it happened (default: now)"},
        {"kind", "KIND", "note, finding, containment, communication, evidence, decision (default note)"},
        {"corrects", "N", "this event corrects timeline entry #N (entries are never edited)"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Append an entry to an incident's timeline. Entries are never edited or deleted:\n"
                             "to correct one, append a new entry with --corrects N.",
                             o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *text = opt_get(o, "text")->value, *at_s = opt_get(o, "at")->value;
    const char *kind = opt_get(o, "kind")->value, *corr_s = opt_get(o, "corrects")->value;
    int64_t at = ctx->now, corrects = 0;
    if (npos != 1) {
        rc = kt_error(2, "incident event needs the incident's ID");
        usage_line(usage);
        goto out;
    }
    if (!text || !*text) {
        rc = kt_error(2, "missing --text");
        usage_line(usage);
        goto out;
    }
    if ((rc = event_args(ctx, text, at_s, kind, corr_s, &at, &corrects))) goto out;
    reg *r;
    if ((rc = kt_open(ctx, 0, &r))) goto out;
    struct incident inc;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        goto out;
    }
    rc = event_add(r, &inc, at, kind, text, corrects);
    incident_release(&inc);
    reg_close(r);
out:
    opt_free(o);
    return rc;
}

int cmd_incident(struct kt_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct kt_ctx *, int, char **);
        const char *what;
    } sub[] = {
        {"new", inc_new, "record a new incident"},
        {"list", inc_list, "list incidents"},
        {"show", inc_show, "show an incident's record, deadlines and timeline"},
        {"update", inc_update, "change an incident's fields (audited)"},
        {"event", inc_event, "append an entry to the timeline"},
        {"publish", incident_publish, "publish the public statement (a new revision, in the transparency log)"},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: %s\n\n", group_usage);
        for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) fprintf(f, "  %-8s %s\n", sub[i].name, sub[i].what);
        fprintf(f, "\n'klartext incident SUBCOMMAND --help' shows its options.\n");
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
        if (!strcmp(argv[1], sub[i].name)) return sub[i].fn(ctx, argc - 1, argv + 1);
    kt_error(2, "'%s' is not an incident command (new, list, show, update, event, publish)", argv[1]);
    usage_line(group_usage);
    return 2;
}
