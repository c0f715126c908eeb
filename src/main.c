/* main.c — klartext's entry point: global options, then the subcommand (src/cli/commands.c). */
#include "cli/cli.h"
#include "util/buf.h"
#include "util/deadline.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *default_actor(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name) return xstrdup(pw->pw_name);
    const char *u = getenv("USER");
    return xstrdup(u && *u ? u : "unknown");
}

/* The global options (--db, --actor, --keys, --json, --utc, before or after the command; "--" ends
 * option scanning) into ctx and *actor; the other arguments into args[*nargs]. 0, or 2 after
 * the message. */
static int global_options(int argc, char **argv, struct kt_ctx *ctx, char **args, int *nargs, char **actor)
{
    int after_dashdash = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int takes = 0;
        if (after_dashdash) {
            args[(*nargs)++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            after_dashdash = 1;
            args[(*nargs)++] = argv[i];
            continue;
        }
        if (!strncmp(a, "--db", 4) && (a[4] == 0 || a[4] == '=')) takes = 1;
        else if (!strncmp(a, "--actor", 7) && (a[7] == 0 || a[7] == '=')) takes = 2;
        else if (!strncmp(a, "--keys", 6) && (a[6] == 0 || a[6] == '=')) takes = 3;
        if (takes) {
            const char *eq = strchr(a, '=');
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else {
                kt_error(2, "option '%s' needs a value", a);
                kt_usage(stderr);
                return 2;
            }
            if (!*val) return kt_error(2, "option '%.7s' needs a non-empty value", a);
            if (takes == 1) ctx->db_path = val;
            else if (takes == 3) setenv("KLARTEXT_KEYS", val, 1); /* kt_key_path reads it */
            else {
                free(*actor);
                *actor = xstrdup(val);
            }
            continue;
        }
        if (!strcmp(a, "--json")) ctx->json = 1;
        else if (!strcmp(a, "--utc")) ctx->utc = 1;
        else args[(*nargs)++] = argv[i];
    }
    return 0;
}

/* KLARTEXT_REGIME (testing only): refuse an unknown regime, warn that a proposal is not law */
static int check_regime(int64_t now)
{
    char err[256];
    const struct regime *law = regime_select(now, regime_override(), err, sizeof err);
    if (!law) return kt_error(2, "%s", err);
    if (regime_override() && !law->in_force)
        kt_warn("KLARTEXT_REGIME=%s applies the %s: it is not law, for testing only (docs/deadlines.md)", law->id,
                law->name_en);
    return 0;
}

/* the command line as the audit trail records it (bounded; caller frees) */
static char *audit_cmdline(char **args, int nargs)
{
    struct buf cl;
    buf_init(&cl, 4096);
    buf_adds(&cl, "klartext");
    for (int i = 0; i < nargs; i++) {
        const char *a = args[i];
        size_t n = strlen(a);
        if (buf_addf(&cl, " %.*s%s", n > 200 ? 200 : (int)n, a, n > 200 ? "…" : "")) break;
    }
    return buf_detach(&cl);
}

/* --version, --help, an unknown option or command: handled here (*rc set, returns NULL);
 * otherwise the command to run. */
static const struct kt_cmd *find_command(struct kt_ctx *ctx, char **args, int nargs, int *rc)
{
    const struct kt_cmd *c = NULL;
    if (nargs == 0) {
        kt_usage(stderr);
        fprintf(stderr, "try 'klartext help' for the list of commands\n");
        *rc = 2;
    } else if (!strcmp(args[0], "--version") || !strcmp(args[0], "-V")) {
        *rc = cmd_version(ctx, 0, NULL);
    } else if (!strcmp(args[0], "--help") || !strcmp(args[0], "-h")) {
        *rc = cmd_help(ctx, 1, args);
    } else if (args[0][0] == '-') {
        *rc = kt_error(2, "unknown option '%s'", args[0]);
        kt_usage(stderr);
    } else if (!(c = kt_command_find(args[0]))) {
        *rc = kt_error(2, "'%s' is not a klartext command (see 'klartext help')", args[0]);
        kt_usage(stderr);
    }
    return c;
}

int main(int argc, char **argv)
{
    struct kt_ctx ctx = {0};
    ctx.dispatch = kt_dispatch;
    ctx.prog = argc > 0 && argv[0] && strchr(argv[0], '/') ? argv[0] : "klartext";
    char **args = xcalloc((size_t)argc + 1, sizeof *args);
    int nargs = 0, rc;
    char *actor = NULL;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if ((rc = global_options(argc, argv, &ctx, args, &nargs, &actor))) {
        free(actor);
        free(args);
        return rc;
    }
    if (!ctx.db_path)
        ctx.db_path = getenv("KLARTEXT_DB") && *getenv("KLARTEXT_DB") ? getenv("KLARTEXT_DB") : "klartext.db";
    ctx.actor = actor ? actor : (actor = default_actor());
    char err[256];
    const struct kt_cmd *c;
    if (kt_now(&ctx.now, err, sizeof err)) rc = kt_error(2, "%s", err);
    else if ((rc = check_regime(ctx.now))) {
        /* the message is printed */
    } else if ((c = find_command(&ctx, args, nargs, &rc))) {
        ctx.cmdline = audit_cmdline(args, nargs);
        rc = c->fn(&ctx, nargs, args);
        if (rc < 0) rc = 0; /* --help */
    }
    if (fflush(stdout) != 0 && rc == 0) rc = kt_error(1, "cannot write output");
    free(ctx.cmdline);
    free(actor);
    free(args);
    return rc;
}
