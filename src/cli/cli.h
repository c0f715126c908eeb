/* cli.h — what every subcommand shares: the context, option parsing, messages, output.
 *
 * A command is `int cmd_NAME(struct kt_ctx *ctx, int argc, char **argv)`; argv[0] is the
 * command's name (or its sub-verb for grouped commands); it returns the exit code:
 * 0 ok, 1 failure, 2 bad usage or input (docs/rules.md, "Exit codes"). Messages go to stderr through
 * kt_error/kt_warn/kt_note; results to stdout. */
#ifndef KT_CLI_H
#define KT_CLI_H
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "register/register.h"

struct kt_ctx {
    const char *db_path; /* --db, KLARTEXT_DB, ./klartext.db */
    int json; /* --json */
    int utc; /* --utc */
    const char *actor; /* --actor, else the OS user */
    char *cmdline; /* for the audit trail */
    int64_t now; /* KLARTEXT_NOW or the clock */
    const char *prog; /* how the binary was invoked (argv[0]), for hints */
    /* runs the command argv[0] as main does (kt_dispatch; set by main), for commands that run
       others, like demo */
    int (*dispatch)(struct kt_ctx *ctx, int argc, char **argv);
};

struct kt_cmd {
    const char *name;
    int (*fn)(struct kt_ctx *ctx, int argc, char **argv);
    const char *summary; /* one line for `klartext help` */
};
/* the subcommands (commands.c), in the order `klartext help` lists them */
extern const struct kt_cmd kt_commands[];
extern const size_t kt_ncommands;
/* the command named NAME, or NULL */
const struct kt_cmd *kt_command_find(const char *name);
/* run the command argv[0] with ARGV; its exit code (-1 after --help), 2 when there is none */
int kt_dispatch(struct kt_ctx *ctx, int argc, char **argv);
/* "usage: klartext [--db PATH] … COMMAND [ARGS]" to F */
void kt_usage(FILE *f);
int cmd_help(struct kt_ctx *ctx, int argc, char **argv); /* help [COMMAND] */
int cmd_version(struct kt_ctx *ctx, int argc, char **argv); /* version */

/* ---- messages ---- */
int kt_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* "klartext: …", returns code */
void kt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* "klartext: warning: …" */
void kt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* "…" on stderr */

/* ---- options ----
 * A command declares its options in a table ending with {0}. opt_parse accepts
 * `--name VALUE`, `--name=VALUE`, flags, `--` to end options, and `-h`/`--help` (prints the
 * usage and the option table, and returns -1: the command then returns 0). Unknown options
 * and missing values print a one-line error plus the usage line and return 2. Positional
 * arguments are gathered in pos[] (at most max_pos; more is an error). */
struct opt {
    const char *name; /* "title" → --title */
    const char *arg; /* "TEXT" for options with a value; NULL for flags */
    const char *help;
    /* filled by opt_parse */
    const char *value; /* last value given (flags: "1") */
    int given; /* how often */
    const char **values; /* all values (for repeatable options); malloc'd, NULL-terminated */
};
int opt_parse(const char *usage, const char *description, struct opt *opts, int argc, char **argv, char **pos,
              int max_pos, int *npos);
struct opt *opt_get(struct opt *opts, const char *name);
void opt_free(struct opt *opts);
void usage_line(const char *usage); /* "usage: klartext …" to stderr */
/* A command of one sub-command that needs one option (`keys portal --out FILE`, `db copy --to
 * URL`): opt_parse with one positional, the sub-command, which must be SUB; *VALUE a copy of
 * option NAME's value (malloc'd). Returns 0; -1 after --help; 2 (the message and the usage line
 * printed, *VALUE NULL) without a sub-command ("CMD needs a command (SUB)"), with another ("'X'
 * is not a CMD command (SUB)"), or without NAME or with it empty (the message MISSING). OPTS is
 * freed (opt_free) in every case. */
int opt_parse_sub(const char *usage, const char *description, struct opt *opts, int argc, char **argv, const char *cmd,
                  const char *sub, const char *name, const char *missing, char **value);

/* ---- the register ---- */
/* open the register of ctx; on failure prints the error and returns its exit code */
int kt_open(struct kt_ctx *ctx, int flags, reg **out);
/* key file paths next to the register: "<db without .db>.key" / ".pub" (malloc'd) */
char *kt_key_path(const char *db_path, const char *ext);

/* ---- output ---- */
/* a time for a person: "Fri 20 Nov 2026 09:17 CET" in the organisation's zone (UTC with --utc) */
void kt_fmt_time(struct kt_ctx *ctx, reg *r, int64_t t, char *out, size_t len);
const char *kt_zone(struct kt_ctx *ctx, reg *r);
int kt_json_print(json_t *j); /* prints, sorted keys, 2-space indent; steals the reference */
json_t *kt_json_time(int64_t t); /* ISO UTC string, or null for 0 */
/* Print wrapped text with an indent (for long fields) */
void kt_print_wrapped(FILE *f, const char *text, int indent, int width);

/* ---- deadlines (cmd_status.c) ---- */
struct incident;
/* print the clocks of one incident: authority deadline, Reg. 1182/71 end, NIS2, OVERDUE */
void kt_print_deadlines(struct kt_ctx *ctx, reg *r, const struct incident *inc, const char *indent);
json_t *kt_deadlines_json(reg *r, const struct incident *inc);

/* ---- commands ---- */
int cmd_init(struct kt_ctx *, int, char **);
int cmd_org(struct kt_ctx *, int, char **);
int cmd_incident(struct kt_ctx *, int, char **);
int cmd_status(struct kt_ctx *, int, char **);
int cmd_audit(struct kt_ctx *, int, char **);
int cmd_demo(struct kt_ctx *, int, char **);
int cmd_scan(struct kt_ctx *, int, char **);
int cmd_exposure(struct kt_ctx *, int, char **);
int cmd_subjects(struct kt_ctx *, int, char **);
int cmd_assess(struct kt_ctx *, int, char **);
int cmd_report(struct kt_ctx *, int, char **);
int cmd_log(struct kt_ctx *, int, char **);
int cmd_notify(struct kt_ctx *, int, char **);
int cmd_verify(struct kt_ctx *, int, char **);
int cmd_serve(struct kt_ctx *, int, char **);
int cmd_agent(struct kt_ctx *, int, char **);
int cmd_purge(struct kt_ctx *, int, char **);
int cmd_db(struct kt_ctx *, int, char **);
int cmd_keys(struct kt_ctx *, int, char **);
#endif
