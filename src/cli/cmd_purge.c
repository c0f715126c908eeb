/* cmd_purge.c — `klartext purge [--dry-run] [--incident ID]`: delete the personal data whose
 * retention period has ended (register/purge.h, docs/retention.md). */
#include "cli/cli.h"
#include "register/purge.h"
#include "report/report.h"
#include "util/ktime.h"
#include <stdio.h>
#include <string.h>

static const char usage[] = "klartext purge [--dry-run] [--incident ID]";
static const char desc[] =
    "Delete the personal data whose retention period ([retention] in 'klartext org show') has ended:\n"
    "names and addresses, stored notices' addressees and texts, per-person exposures, raw viewer\n"
    "identities. Kept: the incident record, timeline, assessments, decisions, filings, the counts the\n"
    "report needs, the transparency log and the audit trail. One transaction, an audit entry with the\n"
    "counts, a log commitment and a timeline entry; then the file is compacted so that the deleted\n"
    "bytes are gone from it. Incidents not closed, with a decision not yet filed or with notices still\n"
    "in the outbox are never purged: the list says why. --dry-run lists what would go and changes\n"
    "nothing.";

static json_t *item_json(const struct purge_item *it)
{
    json_t *o = json_object(), *kinds = json_object();
    json_object_set_new(o, "incident", json_string(it->ref));
    json_object_set_new(o, "status", json_string(it->status));
    json_object_set_new(o, "closed_at", kt_json_time(it->closed_at));
    json_object_set_new(o, "blocked", it->blocked ? json_string(it->blocked) : json_null());
    for (int k = 0; k < PK_COUNT; k++) {
        json_t *x = json_object();
        json_object_set_new(x, "period", json_string(it->k[k].period));
        json_object_set_new(x, "due_at", kt_json_time(it->blocked ? 0 : it->k[k].due_at));
        json_object_set_new(x, "count", json_integer(it->k[k].count));
        json_object_set_new(x, "not_due", json_integer(it->k[k].later));
        json_object_set_new(kinds, purge_kind_name((enum purge_kind)k), x);
    }
    json_object_set_new(o, "kinds", kinds);
    return o;
}

static int print_json(const struct purge_plan *p, int dry)
{
    json_t *o = json_object(), *a = json_array(), *tot = json_object();
    int64_t t[PK_COUNT] = {0};
    for (size_t i = 0; i < p->n; i++) {
        json_array_append_new(a, item_json(&p->items[i]));
        for (int k = 0; k < PK_COUNT; k++) t[k] += p->items[i].k[k].count;
    }
    for (int k = 0; k < PK_COUNT; k++)
        json_object_set_new(tot, purge_kind_name((enum purge_kind)k), json_integer(t[k]));
    json_object_set_new(o, "dry_run", json_boolean(dry));
    json_object_set_new(o, "at", kt_json_time(p->now));
    json_object_set_new(o, "incidents", a);
    json_object_set_new(o, dry ? "would_delete" : "deleted", tot);
    return kt_json_print(o);
}

static void print_item(struct kt_ctx *ctx, reg *r, const struct purge_item *it, int dry)
{
    char when[64];
    if (it->blocked) {
        printf("%s  kept: %s\n", it->ref, it->blocked);
        return;
    }
    kt_fmt_time(ctx, r, it->closed_at, when, sizeof when);
    printf("%s  closed %s\n", it->ref, when);
    for (int k = 0; k < PK_COUNT; k++) {
        kt_fmt_time(ctx, r, it->k[k].due_at, when, sizeof when);
        const char *kind = purge_kind_name((enum purge_kind)k);
        if (it->k[k].count)
            printf("  %-18s %8lld %s (%s, due %s)\n", kind, (long long)it->k[k].count,
                   dry ? "would be deleted" : "deleted", it->k[k].period, when);
        else if (it->k[k].later)
            printf("  %-18s %8lld kept until %s (%s)\n", kind, (long long)it->k[k].later, when, it->k[k].period);
        else printf("  %-18s %8s nothing held\n", kind, "-");
    }
}

static void print_plan(struct kt_ctx *ctx, reg *r, const struct purge_plan *p, int dry)
{
    int64_t t[PK_COUNT] = {0}, all = 0;
    for (size_t i = 0; i < p->n; i++) {
        print_item(ctx, r, &p->items[i], dry);
        for (int k = 0; k < PK_COUNT; k++) t[k] += p->items[i].k[k].count, all += p->items[i].k[k].count;
    }
    if (!p->n) printf("No incidents in the register.\n");
    printf("%s: %lld row%s (", dry ? "Would delete" : "Deleted", (long long)all, all == 1 ? "" : "s");
    for (int k = 0; k < PK_COUNT; k++)
        printf("%s%s %lld", k ? ", " : "", purge_kind_name((enum purge_kind)k), (long long)t[k]);
    printf(")%s\n", dry ? ". Nothing was changed (--dry-run)." : ".");
}

/* the personal words in the free text of every incident the plan purges: the report keeps hiding them */
static int keep_words(reg *r, const struct purge_plan *p)
{
    int rc = 0;
    for (size_t i = 0; i < p->n && !rc; i++) {
        const struct purge_item *it = &p->items[i];
        if (it->blocked || !(it->k[PK_CONTACT].count || it->k[PK_EXPOSURES].count || it->k[PK_VIEWERS].count)) continue;
        struct incident inc;
        struct report_words w;
        if ((rc = incident_load(r, it->ref, &inc))) break;
        if (!(rc = report_redacted_words(r, &inc, &w))) rc = purge_keep_words(r, it->incident_id, w.v, w.n);
        report_words_free(&w);
        incident_release(&inc);
    }
    return rc;
}

/* the purge in one transaction, then the compaction of the file */
static int run(struct kt_ctx *ctx, reg *r, const char *ref)
{
    struct purge_plan p;
    int rc = purge_secure_delete(r);
    if (!rc) rc = reg_begin(r);
    if (rc) return kt_error(rc, "%s", reg_err(r));
    if ((rc = purge_plan_make(r, ref, &p)) || (rc = keep_words(r, &p)) || (rc = purge_apply(r, &p)) ||
        (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        if (p.items) purge_plan_release(&p);
        return rc;
    }
    if (ctx->json) print_json(&p, 0);
    else print_plan(ctx, r, &p, 0);
    purge_plan_release(&p);
    if ((rc = purge_compact(r))) return kt_error(rc, "%s", reg_err(r));
    return 0;
}

int cmd_purge(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt opts[] = {
        {"dry-run", NULL, "list what would be deleted and why the rest is kept; change nothing"},
        {"incident", "ID", "only this incident"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage, desc, opts, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(opts);
        return rc;
    }
    int dry = opt_get(opts, "dry-run")->given > 0;
    const char *ref = opt_get(opts, "incident")->value;
    reg *r;
    if ((rc = kt_open(ctx, dry ? REG_OPEN_READONLY : 0, &r))) goto out;
    if (dry) {
        struct purge_plan p;
        if ((rc = purge_plan_make(r, ref, &p))) {
            kt_error(rc, "%s", reg_err(r));
        } else {
            if (ctx->json) print_json(&p, 1);
            else print_plan(ctx, r, &p, 1);
            purge_plan_release(&p);
        }
    } else {
        rc = run(ctx, r, ref);
    }
    reg_close(r);
out:
    opt_free(opts);
    return rc;
}
