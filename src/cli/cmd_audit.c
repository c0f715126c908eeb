/* cmd_audit.c — `klartext audit [ID]`: the append-only audit trail. */
#include "cli/cli.h"
#include "register/audit.h"
#include "util/ktime.h"
#include <stdlib.h>
#include <string.h>

int cmd_audit(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext audit [ID] [--limit N]";
    struct opt o[] = {{"limit", "N", "show only the last N entries"}, {0}};
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Every change to the register: when, who, which command, what changed from what to what.\n"
                             "With ID, only the entries of that incident.",
                             o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    long long limit = -1;
    if (o[0].value) {
        char *end;
        limit = strtoll(o[0].value, &end, 10);
        if (*end || limit <= 0) {
            opt_free(o);
            return kt_error(2, "--limit: '%s' is not a positive number", o[0].value);
        }
    }
    opt_free(o);
    reg *r;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct audit_rec *a;
    size_t n;
    if (audit_list(r, npos ? pos[0] : NULL, limit, &a, &n)) {
        rc = kt_error(1, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    json_t *rows = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer(a[k].id));
        json_object_set_new(e, "at", kt_json_time(a[k].at));
        json_object_set_new(e, "at_unix", json_integer(a[k].at));
        json_object_set_new(e, "actor", json_string(a[k].actor));
        /* the database login (PostgreSQL): only there, so that a SQLite export stays as it was */
        if (a[k].login) json_object_set_new(e, "login", json_string(a[k].login));
        json_object_set_new(e, "command", json_string(a[k].command));
        const char *const names[] = {"incident", "action", "field", "old", "new"};
        const char *const vals[] = {a[k].incident_ref, a[k].action, a[k].field, a[k].old_value, a[k].new_value};
        for (int c = 0; c < 5; c++) json_object_set_new(e, names[c], vals[c] ? json_string(vals[c]) : json_null());
        json_array_append_new(rows, e);
    }
    audit_recs_free(a, n);
    if (ctx->json) {
        json_t *e;
        size_t i;
        json_array_foreach(rows, i, e) json_object_del(e, "at_unix");
        kt_json_print(rows);
    } else {
        if (!n) printf("No audit entries%s%s.\n", npos ? " for " : "", npos ? pos[0] : "");
        size_t i;
        json_t *e;
        const char *lastcmd = NULL;
        json_array_foreach(rows, i, e)
        {
            char t[64];
            kt_fmt_time(ctx, r, json_integer_value(json_object_get(e, "at_unix")), t, sizeof t);
            const char *cmd = json_string_value(json_object_get(e, "command"));
            if (!lastcmd || strcmp(lastcmd, cmd)) {
                const char *actor = json_string_value(json_object_get(e, "actor"));
                const char *login = json_string_value(json_object_get(e, "login"));
                /* PostgreSQL: the login the database authenticated, the --actor (or OS user) beside it */
                if (login && strcmp(login, actor)) printf("%s  %s (--actor '%s')  %s\n", t, login, actor, cmd);
                else printf("%s  %s  %s\n", t, login ? login : actor, cmd);
            }
            lastcmd = cmd;
            const char *inc = json_string_value(json_object_get(e, "incident"));
            const char *field = json_string_value(json_object_get(e, "field"));
            const char *old = json_string_value(json_object_get(e, "old"));
            const char *nw = json_string_value(json_object_get(e, "new"));
            printf("    #%-5lld %-16s %s%s%s", (long long)json_integer_value(json_object_get(e, "id")),
                   json_string_value(json_object_get(e, "action")), inc ? inc : "", inc && field ? " " : "",
                   field ? field : "");
            if (old || nw) {
                printf(": ");
                if (old) printf("'%.60s%s' -> ", old, strlen(old) > 60 ? "…" : "");
                printf("'%.60s%s'", nw ? nw : "", nw && strlen(nw) > 60 ? "…" : "");
            }
            printf("\n");
        }
    }
    if (ctx->json) rows = NULL;
    json_decref(rows);
    reg_close(r);
    return 0;
}
