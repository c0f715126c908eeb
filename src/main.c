/* main.c — klartext's entry point: global options and the subcommand table. */
#include "cli/cli.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(struct kt_ctx *ctx, int argc, char **argv);
static int cmd_version(struct kt_ctx *ctx, int argc, char **argv);

const struct kt_cmd kt_commands[] = {
    {"init",     cmd_init,     "create the register, the signing key pair and the organisation's details"},
    {"org",      cmd_org,      "show or change the organisation's details (controller, DPO, portal)"},
    {"incident", cmd_incident, "record incidents: new, list, show, update, event, publish"},
    {"scan",     cmd_scan,     "find who saw whose data, when and where, in access logs"},
    {"exposure", cmd_exposure, "show the stored exposures of an incident (csv, json, text)"},
    {"subjects", cmd_subjects, "import and check the contact data of the affected people"},
    {"assess",   cmd_assess,   "ENISA severity, the proposed Art. 33/34 duties with reasons, the decision"},
    {"report",   cmd_report,   "the notification to the authority (Art. 33), its filing, the register of breaches"},
    {"log",      cmd_log,      "the transparency log: checkpoints, proofs, verification, entries"},
    {"notify",   cmd_notify,   "make, sign and send the personal notices (Art. 34): preview, approve, --out, --smtp"},
    {"verify",   cmd_verify,   "is this notice genuine? by its code or from the .eml file"},
    {"serve",    cmd_serve,    "the portal: public incident pages, verification, agent console, JSON API, log endpoints"},
    {"agent",    cmd_agent,    "the customer-service agents of the portal: add, list, remove"},
    {"status",   cmd_status,   "open incidents and their deadlines (72 h, Reg. 1182/71, NIS2)"},
    {"audit",    cmd_audit,    "the audit trail: every change to the register, who and when"},
    {"demo",     cmd_demo,     "walk through the whole flow on bundled sample data"},
    {"help",     cmd_help,     "show help for klartext or for a command"},
    {"version",  cmd_version,  "print the version"},
};
const size_t kt_ncommands = sizeof kt_commands / sizeof kt_commands[0];

static const struct kt_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; i < kt_ncommands; i++)
        if (!strcmp(kt_commands[i].name, name)) return &kt_commands[i];
    return NULL;
}

static void main_usage(FILE *f)
{
    fprintf(f, "usage: klartext [--db PATH] [--json] [--utc] [--actor NAME] COMMAND [ARGS]\n");
}

static int cmd_help(struct kt_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc > 1) {
        const struct kt_cmd *c = find_cmd(argv[1]);
        if (!c) { kt_error(2, "'%s' is not a klartext command (see 'klartext help')", argv[1]); return 2; }
        char *a[] = {(char *)c->name, "--help", NULL};
        return c->fn(ctx, 2, a);
    }
    printf("klartext — handle a personal-data breach the way GDPR Art. 33/34 asks:\n"
           "find out from your own logs who was exposed, keep the register, decide, report,\n"
           "and tell every affected person in a notice they can verify.\n\n");
    main_usage(stdout);
    printf("\ncommands:\n");
    for (size_t i = 0; i < kt_ncommands; i++) printf("  %-10s %s\n", kt_commands[i].name, kt_commands[i].summary);
    printf("\nglobal options (before or after the command):\n"
           "  --db PATH      the register (default: $KLARTEXT_DB, else ./klartext.db)\n"
           "  --json         machine-readable output on commands that show data\n"
           "  --utc          show times in UTC instead of the organisation's time zone\n"
           "  --actor NAME   who is acting, for the audit trail (default: the OS user)\n"
           "\nexit codes: 0 ok, 1 failure (I/O, register, a check said no), 2 bad usage or input\n"
           "'klartext COMMAND --help' shows a command's options; docs/ has a page per command.\n");
    return 0;
}

static int cmd_version(struct kt_ctx *ctx, int argc, char **argv)
{
    (void)ctx; (void)argc; (void)argv;
    printf("klartext %s\n", KLARTEXT_VERSION);
    return 0;
}

static char *default_actor(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name) return xstrdup(pw->pw_name);
    const char *u = getenv("USER");
    return xstrdup(u && *u ? u : "unknown");
}

int main(int argc, char **argv)
{
    struct kt_ctx ctx = {0};
    ctx.prog = argc > 0 && argv[0] && strchr(argv[0], '/') ? argv[0] : "klartext";
    char **args = xcalloc((size_t)argc + 1, sizeof *args);
    int nargs = 0, rc;
    char *actor = NULL;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    /* global options may stand before or after the command; "--" ends option scanning */
    int after_dashdash = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int takes = 0;
        if (after_dashdash) { args[nargs++] = argv[i]; continue; }
        if (!strcmp(a, "--")) { after_dashdash = 1; args[nargs++] = argv[i]; continue; }
        if (!strncmp(a, "--db", 4) && (a[4] == 0 || a[4] == '=')) takes = 1;
        else if (!strncmp(a, "--actor", 7) && (a[7] == 0 || a[7] == '=')) takes = 2;
        if (takes) {
            const char *eq = strchr(a, '=');
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else { kt_error(2, "option '%s' needs a value", a); main_usage(stderr); return 2; }
            if (!*val) { kt_error(2, "option '%.7s' needs a non-empty value", a); return 2; }
            if (takes == 1) ctx.db_path = val; else actor = xstrdup(val);
            continue;
        }
        if (!strcmp(a, "--json")) { ctx.json = 1; continue; }
        if (!strcmp(a, "--utc")) { ctx.utc = 1; continue; }
        args[nargs++] = argv[i];
    }
    if (!ctx.db_path) ctx.db_path = getenv("KLARTEXT_DB") && *getenv("KLARTEXT_DB") ? getenv("KLARTEXT_DB") : "klartext.db";
    ctx.actor = actor ? actor : (actor = default_actor());
    char err[256];
    if (kt_now(&ctx.now, err, sizeof err)) { rc = kt_error(2, "%s", err); goto out; }

    if (nargs == 0) {
        main_usage(stderr);
        fprintf(stderr, "try 'klartext help' for the list of commands\n");
        rc = 2;
        goto out;
    }
    if (!strcmp(args[0], "--version") || !strcmp(args[0], "-V")) { rc = cmd_version(&ctx, 0, NULL); goto out; }
    if (!strcmp(args[0], "--help") || !strcmp(args[0], "-h")) { rc = cmd_help(&ctx, 1, args); goto out; }
    if (args[0][0] == '-') {
        rc = kt_error(2, "unknown option '%s'", args[0]);
        main_usage(stderr);
        goto out;
    }
    const struct kt_cmd *c = find_cmd(args[0]);
    if (!c) {
        rc = kt_error(2, "'%s' is not a klartext command (see 'klartext help')", args[0]);
        main_usage(stderr);
        goto out;
    }
    /* the command line as the audit trail records it (bounded) */
    struct buf cl;
    buf_init(&cl, 4096);
    buf_adds(&cl, "klartext");
    for (int i = 0; i < nargs; i++) {
        const char *a = args[i];
        size_t n = strlen(a);
        if (buf_addf(&cl, " %.*s%s", n > 200 ? 200 : (int)n, a, n > 200 ? "…" : "")) break;
    }
    ctx.cmdline = buf_detach(&cl);
    rc = c->fn(&ctx, nargs, args);
    if (rc < 0) rc = 0;   /* --help */
out:
    if (fflush(stdout) != 0 && rc == 0) rc = kt_error(1, "cannot write output");
    free(ctx.cmdline);
    free(actor);
    free(args);
    return rc;
}
