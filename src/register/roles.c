/* roles.c — the group roles of a PostgreSQL register and their grants (see roles.h and
 * docs/team.md, which shows these texts and the table of what each role may do).
 *
 * What each role needs, from the register's statements (the files of src/register/):
 *   klartext_dpo       every command: reads and writes every table (DELETE: purge), never the schema
 *   klartext_engineer  incident new/update/close, timeline, scan, subjects import, assess (the
 *                      proposal, not --decide): writes incident, event, scan*, exposure*,
 *                      subject_import, subject, assessment*, audit; reads everything but the
 *                      agents' token hashes and the notices' texts (notice_dict, notice.message)
 *   klartext_agent     serve (the portal, the agent console and API) and agent list: reads what a
 *                      look-up shows — incidents, statements, the log, scans and exposures,
 *                      subjects, notices without their texts (column grants), outbox states —
 *                      and writes only audit rows (agent.login, agent.lookup); of the audit trail
 *                      it sees only id and hash (to chain its rows), of the agents only the active
 *                      ones (row-level security: a removed agent's token hash is not there for it)
 *   klartext_auditor   reads every table (status, incident show, exposure, report, audit, log
 *                      verify); writes nothing
 * UPDATE or DELETE on an append-only table is refused by its trigger whoever asks. */
#include "register/roles.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* roles are the cluster's, not the database's: two inits at once on one cluster may both find a
   role missing, and the second CREATE ROLE then fails; it is there all the same */
#define CREATE_ROLE(name) \
    "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" name "') THEN BEGIN CREATE ROLE " name " NOLOGIN;\n" \
    "    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF;\n"
const char roles_pg_create[] = "DO $$ BEGIN\n" CREATE_ROLE("klartext_dpo") CREATE_ROLE("klartext_engineer")
    CREATE_ROLE("klartext_agent") CREATE_ROLE("klartext_auditor") "END $$;\n";

#define ALL_TABLES \
    "meta, org, incident, event, audit, scan, scan_input, scan_sample, exposure, exposure_viewer, scan_hour, " \
    "subject_import, subject, assessment, assessment_input, assessment_reason, decision, filing, tlog_entry, " \
    "tlog_checkpoint, incident_statement, notice_approval, notice, outbox, notice_event, agent, notice_dict, purge, " \
    "purge_scan, purge_field, purge_word, notice_bounce"
#define ALL_SEQUENCES \
    "incident_id_seq, event_id_seq, audit_id_seq, scan_id_seq, subject_import_id_seq, assessment_id_seq, " \
    "decision_id_seq, filing_id_seq, incident_statement_id_seq, notice_approval_id_seq, notice_id_seq, " \
    "notice_event_id_seq, agent_id_seq, notice_dict_id_seq, purge_id_seq, notice_bounce_id_seq"

const char roles_pg_grant[] =
    "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO klartext_dpo, klartext_engineer, klartext_agent, "
    "klartext_auditor', current_schema()); END $$;\n"
    /* the DPO: everything klartext does; the schema stays the owner's */
    "GRANT SELECT ON " ALL_TABLES " TO klartext_dpo, klartext_auditor;\n"
    "GRANT INSERT, UPDATE, DELETE ON " ALL_TABLES " TO klartext_dpo;\n"
    "REVOKE INSERT, UPDATE, DELETE ON meta FROM klartext_dpo;\n"
    "GRANT USAGE ON SEQUENCE " ALL_SEQUENCES " TO klartext_dpo;\n"
    /* engineers: incidents, scans, exposures, subjects, assessments (not decisions) */
    "GRANT SELECT ON meta, org, incident, event, audit, scan, scan_input, scan_sample, exposure, exposure_viewer, "
    "scan_hour, subject_import, subject, assessment, assessment_input, assessment_reason, decision, filing, tlog_entry, "
    "tlog_checkpoint, incident_statement, notice_approval, outbox, notice_event, purge, purge_scan, purge_field, "
    "purge_word, notice_bounce TO klartext_engineer;\n"
    "GRANT SELECT (id, incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, lang, rcpt, "
    "rcpt_masked, code_hash, message_id, text_sha256, message_len, message_codec, dict_id, kind, follows) ON notice TO "
    "klartext_engineer;\n"
    "GRANT INSERT, UPDATE ON incident, scan, subject_import TO klartext_engineer;\n"
    "GRANT INSERT ON event, audit, scan_input, scan_sample, exposure, exposure_viewer, scan_hour, subject, assessment, "
    "assessment_input, assessment_reason TO klartext_engineer;\n"
    "GRANT USAGE ON SEQUENCE incident_id_seq, event_id_seq, audit_id_seq, scan_id_seq, subject_import_id_seq, "
    "assessment_id_seq TO klartext_engineer;\n"
    /* agents: the portal's look-ups; notices without their texts; audit rows of their own */
    "GRANT SELECT ON meta, org, incident, incident_statement, tlog_entry, tlog_checkpoint, scan, scan_hour, exposure, "
    "subject_import, subject, outbox, notice_event, notice_bounce, purge, agent TO klartext_agent;\n"
    "GRANT SELECT (id, incident_id, seq, notice_id, subject, created_at, scan_id, import_id, lang, rcpt, rcpt_masked, "
    "code_hash, message_id, text_sha256, message_codec, kind, follows) ON notice TO klartext_agent;\n"
    "GRANT SELECT (id, hash) ON audit TO klartext_agent;\n"
    "GRANT INSERT ON audit TO klartext_agent;\n"
    /* the agents' token hashes: an agent login sees only the active ones */
    "ALTER TABLE agent ENABLE ROW LEVEL SECURITY;\n"
    "DROP POLICY IF EXISTS kt_agent_all ON agent;\n"
    "DROP POLICY IF EXISTS kt_agent_active ON agent;\n"
    "CREATE POLICY kt_agent_all ON agent TO klartext_dpo, klartext_auditor USING (true);\n"
    "CREATE POLICY kt_agent_active ON agent FOR SELECT TO klartext_agent USING (removed_at IS NULL);\n";

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
    {"verify", "", "look up a notice", "klartext_agent"},
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

void roles_explain(const char *command, const char *dbmsg, char *out, size_t n)
{
    const char *what = "change the register", *role = "klartext_dpo";
    for (size_t i = 0; command && i < sizeof needs / sizeof needs[0]; i++)
        if (cmd_matches(command, needs[i].words, needs[i].opt)) {
            what = needs[i].what;
            role = needs[i].role;
            break;
        }
    const char *sep = strstr(dbmsg, "): ");
    if (!sep || strncmp(dbmsg, "login '", 7)) {
        snprintf(out, n, "%s (ask the DBA for %s)", dbmsg, role);
        return;
    }
    snprintf(out, n, "%.*s) may not %s: %s (ask the DBA for %s)", (int)(sep - dbmsg), dbmsg, what, sep + 3, role);
}

#define ROLE_NAMES "('klartext_dpo', 'klartext_engineer', 'klartext_agent', 'klartext_auditor')"

int roles_pg_setup(db *d, int creating, int after, int *dberr, char *err, size_t n)
{
    int64_t have = 0, may = 0;
    int found;
    *dberr = 1;
    if (db_query_int(d, "SELECT count(*) FROM pg_roles WHERE rolname IN " ROLE_NAMES, NULL, &have, &found) ||
        db_query_int(d, "SELECT count(*) FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)",
                     NULL, &may, &found))
        return -1;
    if (!after) {
        if (have == 4 || may || !creating) return 0;
        *dberr = 0;
        const char *login = db_login(d);
        snprintf(err, n,
                 "login '%s' may not create the group roles klartext_dpo, klartext_engineer, klartext_agent and "
                 "klartext_auditor (%lld of them exist; creating them needs the CREATEROLE privilege): ask the DBA to "
                 "create them with the SQL in docs/team.md (\"Setting it up\"), or to run init with a login that has "
                 "CREATEROLE; nothing was written",
                 login ? login : "?", (long long)have);
        return -1;
    }
    if (have < 4 && may && db_exec(d, roles_pg_create)) return -1;
    if (have < 4 && !may) return 0; /* a migration by a login that cannot make them: docs/team.md */
    return db_exec(d, roles_pg_grant) ? -1 : 0;
}
