/* cmd_agent.c — `klartext agent add|list|remove`: the customer-service agents who may use the
 * portal's agent console (docs/agent.md). */
#include "cli/cli.h"
#include "register/agents.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <string.h>

static const char usage[] = "klartext agent (add NAME | list [--all] | remove NAME)";

/* agent list [--all] */
static int agent_list_print(struct kt_ctx *ctx, int all)
{
    reg *r;
    int rc;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct agent_rec *a = NULL;
    size_t n = 0;
    if ((rc = agent_list(r, all, &a, &n))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    if (ctx->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *j = json_object();
            json_object_set_new(j, "name", json_string(a[i].name));
            json_object_set_new(j, "created_at", kt_json_time(a[i].created_at));
            json_object_set_new(j, "created_by", json_string(a[i].created_by));
            json_object_set_new(j, "removed_at", kt_json_time(a[i].removed_at));
            json_array_append_new(arr, j);
        }
        rc = kt_json_print(arr);
    } else if (!n) {
        printf("no agents (add one with 'klartext agent add NAME')\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            char when[96];
            kt_fmt_time(ctx, r, a[i].created_at, when, sizeof when);
            printf("%-24s added %s by %s%s\n", a[i].name, when, a[i].created_by, a[i].removed_at ? " (removed)" : "");
        }
    }
    agent_recs_free(a, n);
    reg_close(r);
    return rc;
}

/* agent add NAME (prints the token once) or agent remove NAME, in one transaction */
static int agent_change(struct kt_ctx *ctx, const char *verb, const char *name)
{
    reg *r;
    int rc;
    if ((rc = kt_open(ctx, 0, &r))) return rc;
    if ((rc = reg_begin(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_close(r);
        return rc;
    }
    char token[AGENT_TOKEN_SIZE];
    if (!strcmp(verb, "add")) rc = agent_add(r, name, token);
    else rc = agent_remove(r, name);
    if (!rc) rc = reg_commit(r);
    if (rc) {
        reg_rollback(r);
        kt_error(rc, "%s", reg_err(r));
    } else if (!strcmp(verb, "add")) {
        if (ctx->json) {
            rc = kt_json_print(json_pack("{s:s,s:s}", "name", name, "token", token));
        } else {
            printf("%s\n", token);
            kt_note("agent '%s' added; the token above is shown only this once: hand it to the agent "
                    "(they sign in at /agent with it)",
                    name);
        }
        sodium_memzero(token, sizeof token);
    } else {
        kt_note("agent '%s' removed; their open sessions end at their next request", name);
    }
    reg_close(r);
    return rc;
}

int cmd_agent(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"all", NULL, "list: also agents that were removed"},
        {0},
    };
    char *pos[2];
    int npos;
    int rc = opt_parse(usage,
                       "Manage the agents of the portal's console (/agent). 'add' prints the new agent's token once;\n"
                       "only its hash is stored. Each agent signs in with their own token; every lookup they make is\n"
                       "written to the audit trail under 'agent:NAME'.",
                       o, argc, argv, pos, 2, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    int all = opt_get(o, "all")->given > 0;
    opt_free(o);
    const char *verb = npos ? pos[0] : "";
    if (!strcmp(verb, "list")) {
        if (npos == 1) return agent_list_print(ctx, all);
        kt_error(2, "agent list takes no name");
        usage_line(usage);
        return 2;
    }
    if (strcmp(verb, "add") && strcmp(verb, "remove")) {
        kt_error(2,
                 npos ? "'%s' is not an agent command (add, list, remove)"
                      : "agent needs a command%s (add, list, remove)",
                 verb);
        usage_line(usage);
        return 2;
    }
    if (npos != 2) {
        kt_error(2, "agent %s needs the agent's NAME", verb);
        usage_line(usage);
        return 2;
    }
    if (!agent_name_ok(pos[1]))
        return kt_error(2, "'%s' is not a valid agent name (1-64 of A-Z a-z 0-9 . _ -)", pos[1]);
    return agent_change(ctx, verb, pos[1]);
}
