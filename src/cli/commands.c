/* commands.c — the subcommand table, `klartext help` and `klartext version`. */
#include "cli/cli.h"
#include "util/paths.h"
#include <stdio.h>
#include <string.h>

const struct kt_cmd kt_commands[] = {
    {"init", cmd_init, "create the register, the signing key pair and the organisation's details"},
    {"org", cmd_org, "show or change the organisation's details (controller, DPO, portal)"},
    {"incident", cmd_incident, "record incidents: new, list, show, update, event, publish"},
    {"scan", cmd_scan, "find who saw whose data, when and where, in access logs"},
    {"exposure", cmd_exposure, "show the stored exposures of an incident (csv, json, text)"},
    {"subjects", cmd_subjects, "import and check the contact data of the affected people"},
    {"assess", cmd_assess, "ENISA severity, the proposed Art. 33/34 duties with reasons, the decision"},
    {"report", cmd_report, "the notification to the authority (Art. 33), its filing, the register of breaches"},
    {"log", cmd_log, "the transparency log: checkpoints, proofs, verification, entries"},
    {"notify", cmd_notify, "make, sign and send the personal notices (Art. 34): preview, approve, --out, --smtp"},
    {"verify", cmd_verify, "is this notice genuine? by its code or from the .eml file"},
    {"serve", cmd_serve, "the portal: public incident pages, verification, agent console, JSON API, log endpoints"},
    {"agent", cmd_agent, "the customer-service agents of the portal: add, list, remove"},
    {"status", cmd_status, "open incidents and their deadlines (72 h, Reg. 1182/71, NIS2)"},
    {"purge", cmd_purge, "delete the personal data whose retention period has ended (--dry-run first)"},
    {"audit", cmd_audit, "the audit trail: every change to the register, who and when"},
    {"keys", cmd_keys, "the portal key file: serve without the signing key (keys portal --out FILE)"},
    {"db", cmd_db, "copy the register into another database: SQLite and PostgreSQL, either way (db copy --to)"},
    {"demo", cmd_demo, "walk through the whole flow on bundled sample data"},
    {"help", cmd_help, "show help for klartext or for a command"},
    {"version", cmd_version, "print the version (--data-dir: where the template copies are)"},
};
const size_t kt_ncommands = sizeof kt_commands / sizeof kt_commands[0];

const struct kt_cmd *kt_command_find(const char *name)
{
    for (size_t i = 0; i < kt_ncommands; i++)
        if (!strcmp(kt_commands[i].name, name)) return &kt_commands[i];
    return NULL;
}

int kt_dispatch(struct kt_ctx *ctx, int argc, char **argv)
{
    const struct kt_cmd *c = argc > 0 ? kt_command_find(argv[0]) : NULL;
    return c ? c->fn(ctx, argc, argv) : 2;
}

void kt_usage(FILE *f)
{
    fprintf(f, "usage: klartext [--db PATH] [--keys DIR] [--json] [--utc] [--actor NAME] COMMAND [ARGS]\n");
}

int cmd_help(struct kt_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc > 1) {
        const struct kt_cmd *c = kt_command_find(argv[1]);
        if (!c) {
            kt_error(2, "'%s' is not a klartext command (see 'klartext help')", argv[1]);
            return 2;
        }
        char *a[] = {(char *)c->name, "--help", NULL};
        return c->fn(ctx, 2, a);
    }
    printf("klartext — handle a personal-data breach the way GDPR Art. 33/34 asks:\n"
           "find out from your own logs who was exposed, keep the register, decide, report,\n"
           "and tell every affected person in a notice they can verify.\n\n");
    kt_usage(stdout);
    printf("\ncommands:\n");
    for (size_t i = 0; i < kt_ncommands; i++) printf("  %-10s %s\n", kt_commands[i].name, kt_commands[i].summary);
    printf("\nglobal options (before or after the command):\n"
           "  --db PATH      the register, a file or a postgresql:// URI (default: $KLARTEXT_DB, else ./klartext.db)\n"
           "  --keys DIR     where klartext.key and .pub are (default: $KLARTEXT_KEYS, else beside the file)\n"
           "  --json         machine-readable output on commands that show data\n"
           "  --utc          show times in UTC instead of the organisation's time zone\n"
           "  --actor NAME   who is acting, for the audit trail (default: the OS user)\n"
           "\nexit codes: 0 ok, 1 failure (I/O, register, a check said no), 2 bad usage or input\n"
           "'klartext COMMAND --help' shows a command's options; docs/ has a page per command.\n");
    return 0;
}

int cmd_version(struct kt_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc == 0) { /* klartext --version */
        printf("klartext %s\n", KLARTEXT_VERSION);
        return 0;
    }
    struct opt o[] = {
        {"data-dir", NULL,
         "print the data directory (copies of the notice templates) instead; exit 1 when it is missing"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(
                  "klartext version [--data-dir]",
                  "Print klartext's version. With --data-dir, print the directory that holds the copies of the\n"
                  "built-in notice templates (to start your own for notify --templates): $KLARTEXT_DATA_DIR, else\n"
                  "BIN/../share/klartext next to the binary (docs/install.md).",
                  o, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(o);
        return rc < 0 ? 0 : rc;
    }
    if (opt_get(o, "data-dir")->given) {
        char dir[4096], err[8192];
        rc = paths_data_dir(NULL, dir, sizeof dir, err, sizeof err) ? kt_error(1, "%s", err) : 0;
        if (!rc) printf("%s\n", dir);
    } else {
        printf("klartext %s\n", KLARTEXT_VERSION);
    }
    opt_free(o);
    return rc;
}
