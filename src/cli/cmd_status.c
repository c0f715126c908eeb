/* cmd_status.c — `klartext status`: every open incident and its clocks. */
#include "cli/cli.h"
#include "register/incident.h"
#include "report/report.h"
#include "util/deadline.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static int nis2_applies(reg *r, const struct incident *inc)
{
    const char *n = reg_org_get(r, "organisation.nis2");
    return n && !strcmp(n, "yes") && inc_bool(inc, IF_NIS2_SIGNIFICANT);
}

static int gdpr_clock_runs(const struct incident *inc)
{
    const char *s = inc->v[IF_STATUS];
    return !strcmp(s, "suspected") || !strcmp(s, "confirmed");
}

json_t *kt_deadlines_json(reg *r, const struct incident *inc)
{
    struct deadlines dl;
    int64_t now = reg_now(r), aware = inc_time(inc, IF_AWARE_AT), notified = inc_time(inc, IF_NOTIFIED_AT);
    const struct regime *g = regime_for(aware);
    deadlines_compute(aware, g->hours, inc_time(inc, IF_NIS2_NOTIFIED_AT), &dl);
    json_t *j = json_object();
    json_object_set_new(j, "regime", report_regime_json(g));
    json_object_set_new(j, "authority_deadline", kt_json_time(dl.authority));
    json_object_set_new(j, "reg_1182_71_start", kt_json_time(dl.fristen_start));
    json_object_set_new(j, "reg_1182_71_end", kt_json_time(dl.fristen_end));
    json_object_set_new(j, "authority_notified_at", kt_json_time(notified));
    json_object_set_new(j, "clock_running", json_boolean(gdpr_clock_runs(inc) && !notified));
    json_object_set_new(j, "seconds_left",
                        gdpr_clock_runs(inc) && !notified ? json_integer(dl.authority - now) : json_null());
    json_object_set_new(j, "overdue", json_boolean(gdpr_clock_runs(inc) && !notified && now > dl.authority));
    json_object_set_new(j, "notified_late", json_boolean(notified && notified > dl.authority));
    if (nis2_applies(r, inc)) {
        json_t *n = json_object();
        json_object_set_new(n, "early_warning_due", kt_json_time(dl.nis2_warning));
        json_object_set_new(n, "early_warning_sent", kt_json_time(inc_time(inc, IF_NIS2_WARNING_AT)));
        json_object_set_new(n, "notification_due", kt_json_time(dl.nis2_notification));
        json_object_set_new(n, "notification_sent", kt_json_time(inc_time(inc, IF_NIS2_NOTIFIED_AT)));
        json_object_set_new(n, "final_report_due", kt_json_time(dl.nis2_final));
        json_object_set_new(n, "final_report_sent", kt_json_time(inc_time(inc, IF_NIS2_FINAL_AT)));
        json_object_set_new(j, "nis2", n);
    } else {
        json_object_set_new(j, "nis2", json_null());
    }
    return j;
}

/* "47 h 12 min left" / "OVERDUE by 3 h 05 min" */
static void left_text(int64_t due, int64_t now, char *out, size_t len)
{
    char d[32];
    kt_duration_short(due - now, d, sizeof d);
    if (now > due) snprintf(out, len, "OVERDUE by %s", d);
    else snprintf(out, len, "%s left", d);
}

static void clock_line(struct kt_ctx *ctx, reg *r, const char *ind, const char *label, int64_t due, int64_t sent,
                       int64_t now, const char *nothing_yet)
{
    char t[64], t2[64], l[64];
    kt_fmt_time(ctx, r, due, t, sizeof t);
    if (sent) {
        kt_fmt_time(ctx, r, sent, t2, sizeof t2);
        printf("%s%-22s due %s — sent %s%s\n", ind, label, t, t2, sent > due ? " (late)" : "");
    } else {
        left_text(due, now, l, sizeof l);
        printf("%s%-22s due %s — %s%s%s\n", ind, label, t, l, now > due ? ", " : "", now > due ? nothing_yet : "");
    }
}

/* the law applied to an incident, one line: the deadline and threshold, and a warning when it
   is a proposal applied for testing */
static void regime_line(const struct regime *g, const char *ind)
{
    if (g->in_force)
        printf("%s%-22s %s: notify the authority from a %s, within %d hours\n", ind, "law applied", g->name_en,
               g->authority_threshold == REGIME_HIGH_RISK ? "high risk" : "risk", g->hours);
    else
        printf("%s%-22s %s: NOT IN FORCE, applied for testing (KLARTEXT_REGIME); notify from a %s, within %d hours\n",
               ind, "law applied", g->name_en, g->authority_threshold == REGIME_HIGH_RISK ? "high risk" : "risk",
               g->hours);
}

/* the authority deadline of an incident not yet notified */
static void open_deadline(struct kt_ctx *ctx, reg *r, const struct incident *inc, const struct deadlines *dl, int hours,
                          int64_t now, const char *ind)
{
    char t[64], l[64];
    kt_fmt_time(ctx, r, dl->authority, t, sizeof t);
    left_text(dl->authority, now, l, sizeof l);
    printf("%s%-22s %s — %s%s\n", ind, "authority deadline", t, l,
           now > dl->authority ? " — NO NOTIFICATION RECORDED" : "");
    kt_fmt_time(ctx, r, dl->fristen_end, t, sizeof t);
    printf("%s%-22s %s (Reg. 1182/71: %d h counted from the next full hour)\n", ind, "end of period", t, hours);
    if (now > dl->authority)
        printf("%s%-22s record the notification with 'klartext incident update %s --notified-at TIME --delay-reason "
               "TEXT'\n",
               ind, "", inc->ref);
}

void kt_print_deadlines(struct kt_ctx *ctx, reg *r, const struct incident *inc, const char *ind)
{
    struct deadlines dl;
    int64_t now = reg_now(r), aware = inc_time(inc, IF_AWARE_AT), notified = inc_time(inc, IF_NOTIFIED_AT);
    const struct regime *g = regime_for(aware);
    char t[64], d[32];
    deadlines_compute(aware, g->hours, inc_time(inc, IF_NIS2_NOTIFIED_AT), &dl);
    kt_fmt_time(ctx, r, aware, t, sizeof t);
    printf("%s%-22s %s\n", ind, "became aware", t);
    regime_line(g, ind);
    if (notified) {
        kt_fmt_time(ctx, r, notified, t, sizeof t);
        kt_duration_short(notified - aware, d, sizeof d);
        printf("%s%-22s %s (%s after awareness", ind, "authority notified", t, d);
        if (notified > dl.authority) {
            kt_duration_short(notified - dl.authority, d, sizeof d);
            printf("; %s after the %d-hour deadline)\n", d, g->hours);
            if (inc->v[IF_DELAY_REASON]) {
                printf("%s%-22s ", ind, "reason for the delay");
                kt_print_wrapped(stdout, inc->v[IF_DELAY_REASON], (int)strlen(ind) + 23, 100);
            }
        } else {
            printf(", within %d hours)\n", g->hours);
        }
    } else if (!strcmp(inc->v[IF_STATUS], "not-a-breach")) {
        printf("%s%-22s none: recorded as not a breach (the record stays in the register)\n", ind,
               "authority deadline");
    } else if (!strcmp(inc->v[IF_STATUS], "closed")) {
        printf("%s%-22s none: closed without a notification being recorded\n", ind, "authority deadline");
    } else {
        open_deadline(ctx, r, inc, &dl, g->hours, now, ind);
    }
    if (nis2_applies(r, inc)) {
        printf("%sNIS2 (to the CSIRT):\n", ind);
        char ind2[32];
        snprintf(ind2, sizeof ind2, "%s  ", ind);
        clock_line(ctx, r, ind2, "early warning", dl.nis2_warning, inc_time(inc, IF_NIS2_WARNING_AT), now,
                   "none recorded");
        clock_line(ctx, r, ind2, "incident notification", dl.nis2_notification, inc_time(inc, IF_NIS2_NOTIFIED_AT), now,
                   "none recorded");
        if (dl.nis2_final)
            clock_line(ctx, r, ind2, "final report", dl.nis2_final, inc_time(inc, IF_NIS2_FINAL_AT), now,
                       "none recorded");
        else printf("%s%-22s due one month after the incident notification\n", ind2, "final report");
    }
}

int cmd_status(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext status";
    struct opt o[] = {{0}};
    char *pos[1];
    int npos, rc = opt_parse(
                  usage,
                  "Open incidents and their deadlines: the authority deadline (awareness + 72 h, Art. 33(1) GDPR,\n"
                  "or the hours of the law in force at awareness: docs/deadlines.md), the end of the period under\n"
                  "Reg. 1182/71, and NIS2's clocks where they apply.",
                  o, argc, argv, pos, 0, &npos);
    if (rc) return rc;
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct incident *l;
    size_t n;
    if ((rc = incident_list(r, 0, &l, &n))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *j = json_object();
            json_object_set_new(j, "ref", json_string(l[i].ref));
            json_object_set_new(j, "title", json_string(l[i].v[IF_TITLE]));
            json_object_set_new(j, "status", json_string(l[i].v[IF_STATUS]));
            json_object_set_new(j, "aware_at", kt_json_time(inc_time(&l[i], IF_AWARE_AT)));
            json_object_set_new(j, "deadlines", kt_deadlines_json(r, &l[i]));
            json_array_append_new(a, j);
        }
        json_t *top = json_object();
        json_object_set_new(top, "now", kt_json_time(ctx->now));
        json_object_set_new(top, "incidents", a);
        kt_json_print(top);
    } else {
        char t[64];
        const char *org = reg_org_get(r, "organisation.name");
        kt_fmt_time(ctx, r, ctx->now, t, sizeof t);
        int overdue = 0;
        for (size_t i = 0; i < n; i++) {
            struct deadlines dl;
            deadlines_compute(inc_time(&l[i], IF_AWARE_AT), regime_for(inc_time(&l[i], IF_AWARE_AT))->hours, 0, &dl);
            if (gdpr_clock_runs(&l[i]) && !inc_time(&l[i], IF_NOTIFIED_AT) && ctx->now > dl.authority) overdue++;
        }
        printf("%s — %zu open incident%s — now %s%s\n", org ? org : "klartext", n, n == 1 ? "" : "s", t,
               ctx->utc ? "" : "");
        if (overdue)
            printf("!! %d incident%s OVERDUE: the deadline has passed with no notification recorded\n", overdue,
                   overdue == 1 ? " is" : "s are");
        for (size_t i = 0; i < n; i++) {
            printf("\n%s  %s\n", l[i].ref, l[i].v[IF_TITLE]);
            printf("  %-22s %s\n", "status", inc_status_label(l[i].v[IF_STATUS]));
            kt_print_deadlines(ctx, r, &l[i], "  ");
        }
        if (!n) printf("\nNo open incidents. Record one with 'klartext incident new'.\n");
    }
    for (size_t i = 0; i < n; i++) incident_release(&l[i]);
    free(l);
    reg_close(r);
    return 0;
}
