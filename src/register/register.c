/* register.c — the register handle: its connection, the context of the command that uses it
 * (actor, command line, clock), its error message, transactions and the schema version.
 * Opening and migrating are in open.c, the audit trail in audit.c, the organisation in org.c.
 * This file calls nothing of the register but db.h: every other file may build on it. */
#include "register/reg_int.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

db *reg_db(reg *r)
{
    return r->d;
}
const char *reg_path(const reg *r)
{
    return r->path;
}
const char *reg_err(const reg *r)
{
    return r->err;
}
int64_t reg_now(const reg *r)
{
    return r->now;
}
const char *reg_actor(const reg *r)
{
    return r->actor;
}

int reg_fail(reg *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- a missing grant (docs/team.md: which role may do what, as roles.c grants it) */

/* what a command does, for the message of a missing grant, and the least role that may */
struct cmd_need {
    const char *words; /* the command's words after "klartext ", then an option it must have ("" none) */
    const char *opt;
    const char *what, *role;
};
static const struct cmd_need needs[] = {
    {"assess", "--decide", "decide on an incident", "klartext_dpo"},
    {"assess", "", "record an assessment", "klartext_engineer"},
    {"incident publish", "", "publish a statement", "klartext_dpo"},
    {"incident", "", "change an incident", "klartext_engineer"},
    {"scan", "", "store a scan", "klartext_engineer"},
    {"subjects", "", "import the subject directory", "klartext_engineer"},
    {"notify", "--approve", "approve notices", "klartext_dpo"},
    {"notify", "", "make or send notices", "klartext_dpo"},
    {"report", "--filed", "record a filing", "klartext_dpo"},
    {"report", "", "read the register", "klartext_auditor"},
    {"org", "", "change the organisation's details", "klartext_dpo"},
    {"agent list", "", "list the portal's agents", "klartext_agent"},
    {"agent", "", "manage the portal's agents", "klartext_dpo"},
    {"log checkpoint", "", "sign a checkpoint of the transparency log", "klartext_dpo"},
    {"log", "", "read the transparency log", "klartext_auditor"},
    {"purge", "", "purge personal data", "klartext_dpo"},
    {"serve", "", "answer look-ups on the portal", "klartext_agent"},
    {"init", "", "create a register", "klartext_dpo"},
    {"status", "", "read the register", "klartext_auditor"},
    {"audit", "", "read the audit trail", "klartext_auditor"},
    {"exposure", "", "read the exposures", "klartext_auditor"},
    {"verify", "", "check a notice's signed text", "klartext_auditor"},
};

/* 1 when COMMAND ("klartext WORDS …") starts with WORDS and, if OPT is set, has OPT as a word */
static int cmd_matches(const char *command, const char *words, const char *opt)
{
    const char *p = strncmp(command, "klartext ", 9) ? command : command + 9;
    size_t n = strlen(words);
    if (strncmp(p, words, n) || (p[n] && p[n] != ' ')) return 0;
    if (!*opt) return 1;
    size_t on = strlen(opt);
    for (const char *q = strstr(p, opt); q; q = strstr(q + 1, opt))
        if (q[-1] == ' ' && (q[on] == 0 || q[on] == ' ' || q[on] == '=')) return 1;
    return 0;
}

/* reg_dberr's message for a permission error (db.h's DB_EPERM, PostgreSQL; DBMSG "login 'eve'
 * (klartext_agent): permission denied for table decision") as the user should read it: which
 * command it was and which role may do it — "login 'eve' (klartext_agent) may not decide on an
 * incident: permission denied for table decision (ask the DBA for klartext_dpo)". COMMAND is the
 * audit trail's command line. */
static void perm_message(const char *command, const char *dbmsg, char *out, size_t n)
{
    const char *what = "change the register", *role = "klartext_dpo";
    for (size_t i = 0; command && i < sizeof needs / sizeof needs[0]; i++)
        if (cmd_matches(command, needs[i].words, needs[i].opt)) {
            what = needs[i].what;
            role = needs[i].role;
            break;
        }
    /* DDL of a migration by a login that does not own the tables: not a role's grant */
    if (strstr(dbmsg, "must be owner of")) {
        what = "bring the register's schema up to this klartext's version";
        role = NULL;
    }
    const char *sep = strstr(dbmsg, "): ");
    if (!sep || strncmp(dbmsg, "login '", 7)) {
        if (role) snprintf(out, n, "%s (ask the DBA for %s)", dbmsg, role);
        else snprintf(out, n, "%s (run one klartext command as the tables' owner, docs/team.md)", dbmsg);
        return;
    }
    if (!role) {
        snprintf(out, n, "%.*s) may not %s: %s (run one klartext command as the tables' owner, docs/team.md)",
                 (int)(sep - dbmsg), dbmsg, what, sep + 3);
        return;
    }
    snprintf(out, n, "%.*s) may not %s: %s (ask the DBA for %s)", (int)(sep - dbmsg), dbmsg, what, sep + 3, role);
}

int reg_dberr(reg *r)
{
    /* a missing grant (PostgreSQL): which command, which login and role, which role may */
    if (db_errkind(r->d) == DB_EPERM) perm_message(r->command, db_errmsg(r->d), r->err, sizeof r->err);
    else snprintf(r->err, sizeof r->err, "%s", db_errmsg(r->d));
    return 1;
}

int reg_begin(reg *r)
{
    return db_begin(r->d) ? reg_dberr(r) : 0;
}
int reg_commit(reg *r)
{
    return db_commit(r->d) ? reg_dberr(r) : 0;
}
void reg_rollback(reg *r)
{
    if (r && r->d) db_rollback(r->d);
}

void reg_org_cache_clear(reg *r)
{
    for (int i = 0; i < r->org_ncache; i++) {
        free(r->org_cache_key[i]);
        free(r->org_cache_val[i]);
    }
    r->org_ncache = 0;
}

void reg_close(reg *r)
{
    if (!r) return;
    reg_org_cache_clear(r);
    db_close(r->d);
    free(r->path);
    free(r->actor);
    free(r->command);
    free(r);
}

int reg_is_pg(const reg *r)
{
    return strcmp(db_backend(r->d), "sqlite") != 0;
}

int reg_pg_notify_lock(reg *r)
{
    int got = 0;
    /* the key: "klartext" in ASCII + 1 (db_pg.c's write lock is + 0) */
    if (db_session_lock(r->d, INT64_C(7741853290462722165), &got)) return reg_dberr(r);
    if (!got) return reg_fail(r, 1, "another 'klartext notify' is working on this register (register '%s')", r->path);
    return 0;
}

int reg_unavailable(const reg *r)
{
    return r && r->d && db_unavailable(r->d);
}

int reg_target_is_url(const char *target)
{
    return db_is_url(target);
}

int reg_schema_version(reg *r, int64_t *v)
{
    int has;
    if (db_has_table(r->d, "meta", &has)) return reg_dberr(r);
    if (!has) {
        *v = 0;
        return 0;
    }
    db_stmt *s = db_prepare(r->d, "SELECT value FROM meta WHERE key='schema_version'");
    if (!s) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    *v = rc == DB_ROW ? strtoll(db_col_text(s, 0), NULL, 10) : 0;
    db_reset(s);
    return 0;
}

int reg_data_version(reg *r, int64_t *v)
{
    int found = 0;
    *v = -1;
    if (db_data_version(r->d, v, &found)) return reg_dberr(r);
    return found ? 0 : reg_fail(r, 1, "register '%s': no data version", r->path);
}
