/* cmd_db.c — `klartext db copy --to URL`: the register copied into another database, SQLite or
 * PostgreSQL (register/copy.h; docs/team.md "Moving a register"). */
#include "cli/cli.h"
#include "register/copy.h"
#include "util/mono.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] = "klartext db copy --to URL";
static const char desc[] =
    "Copy the register (--db) into a new one: a SQLite file that does not exist yet, or a PostgreSQL\n"
    "database (postgresql://…) without a register, in either direction. Every table is copied whole:\n"
    "incidents, timelines, scan versions, exposures, subjects, assessments, decisions, filings,\n"
    "notices, the outbox, returned mail, agents, purge records, the transparency log and the audit\n"
    "trail, which get one entry more ('register.copy'). One transaction: on failure nothing is left\n"
    "at the target. The key files are not copied (they never go into a database): the message at the\n"
    "end says where the copy looks for them.";

struct progress {
    double last; /* mono_now() */
    const char *table;
};

/* a line on stderr at most every two seconds while a big table is copied, and at its end */
static void on_progress(void *arg, const char *table, int64_t done, int64_t total)
{
    struct progress *p = arg;
    double now = mono_now(), since = now - p->last;
    if (p->table != table) { /* a new table: its clock starts now */
        p->table = table;
        p->last = now;
        since = 0;
    }
    if (since < 2 && !(done == total && total >= 100000)) return;
    kt_note("db copy: %s: %lld of %lld rows", table, (long long)done, (long long)total);
    p->last = now;
}

static int print_result(struct kt_ctx *ctx, reg *r, const struct reg_copy_result *res)
{
    if (ctx->json) {
        json_t *o = json_object(), *t = json_object();
        for (size_t i = 0; i < res->ntables; i++)
            json_object_set_new(t, res->tables[i].name, json_integer(res->tables[i].rows));
        json_object_set_new(o, "from", json_string(reg_path(r)));
        json_object_set_new(o, "to", json_string(res->to));
        json_object_set_new(o, "schema_version", json_integer(res->schema_version));
        json_object_set_new(o, "rows", json_integer(res->rows));
        json_object_set_new(o, "tables", t);
        return kt_json_print(o);
    }
    printf("Copied the register %s to %s: %zu tables, %lld rows, schema version %lld\n", reg_path(r), res->to,
           res->ntables, (long long)res->rows, (long long)res->schema_version);
    return 0;
}

/* the key files stay where they are: say where the copy looks for them when that is elsewhere */
static void key_note(struct kt_ctx *ctx, const char *to)
{
    char *from = kt_key_path(ctx->db_path, ".key"), *copy = kt_key_path(to, ".key");
    if (strcmp(from, copy)) {
        char *from_pub = kt_key_path(ctx->db_path, ".pub"), *copy_pub = kt_key_path(to, ".pub");
        kt_note("the key files were not copied: the copy looks for them at %s and %s (now at %s and %s);\n"
                "  copy them there (the .key with mode 0600), or name their directory with --keys DIR",
                copy, copy_pub, from, from_pub);
        free(from_pub);
        free(copy_pub);
    }
    free(from);
    free(copy);
}

static int db_copy(struct kt_ctx *ctx, const char *to)
{
    reg *r;
    int rc;
    if ((rc = kt_open(ctx, REG_OPEN_READONLY, &r))) return rc;
    struct progress p = {0, NULL};
    struct reg_copy_result res;
    rc = reg_copy(r, to, on_progress, &p, &res);
    if (rc) kt_error(rc, "%s", reg_err(r));
    else {
        rc = print_result(ctx, r, &res);
        key_note(ctx, to);
    }
    reg_copy_result_free(&res);
    reg_close(r);
    return rc;
}

int cmd_db(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"to", "URL",
         "copy: the new register, a SQLite file (must not exist) or a postgresql:// URI (no register in it)"},
        {0},
    };
    char *to;
    int rc = opt_parse_sub(usage, desc, o, argc, argv, "db", "copy", "to",
                           "db copy needs --to: the new register (a file path or a postgresql:// URI)", &to);
    if (rc) return rc;
    rc = db_copy(ctx, to);
    free(to);
    return rc;
}
