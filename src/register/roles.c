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
    "meta, org, incident, event, audit, scan, scan_input, scan_sample, exposure, scan_hour, " \
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
    "GRANT SELECT ON meta, org, incident, event, audit, scan, scan_input, scan_sample, exposure, "
    "scan_hour, subject_import, subject, assessment, assessment_input, assessment_reason, decision, filing, tlog_entry, "
    "tlog_checkpoint, incident_statement, notice_approval, outbox, notice_event, purge, purge_scan, purge_field, "
    "purge_word, notice_bounce TO klartext_engineer;\n"
    "GRANT SELECT (id, incident_id, seq, notice_id, subject, created_at, approval_id, scan_id, import_id, lang, rcpt, "
    "rcpt_masked, code_hash, message_id, text_sha256, message_len, message_codec, dict_id, kind, follows) ON notice TO "
    "klartext_engineer;\n"
    "GRANT INSERT, UPDATE ON incident, scan, subject_import TO klartext_engineer;\n"
    "GRANT INSERT ON event, audit, scan_input, scan_sample, exposure, scan_hour, subject, assessment, "
    "assessment_input, assessment_reason TO klartext_engineer;\n"
    "GRANT USAGE ON SEQUENCE incident_id_seq, event_id_seq, audit_id_seq, scan_id_seq, subject_import_id_seq, "
    "assessment_id_seq TO klartext_engineer;\n"
    /* a scan's exposures go into a partition of their own (schema step 15): the two functions
       that make and attach it run as exposure's owner, for the roles that store scans (a
       register made at an older step for a test has no such functions) */
    "DO $$ BEGIN IF to_regprocedure('kt_exposure_stage(bigint)') IS NOT NULL THEN\n"
    "  REVOKE ALL ON FUNCTION kt_exposure_stage(BIGINT), kt_exposure_attach(BIGINT) FROM PUBLIC;\n"
    "  GRANT EXECUTE ON FUNCTION kt_exposure_stage(BIGINT), kt_exposure_attach(BIGINT) TO klartext_dpo,\n"
    "    klartext_engineer;\n"
    "END IF; END $$;\n"
    /* agents: the portal's look-ups; notices without their texts; exposures without the viewers
       (schema step 14 packed them into the person's row: the table-level grant of step 13 goes,
       and with it any column grant, before the columns the portal reads are granted); audit rows
       of their own */
    "GRANT SELECT ON meta, org, incident, incident_statement, tlog_entry, tlog_checkpoint, scan, scan_hour, "
    "subject_import, subject, outbox, notice_event, notice_bounce, purge, agent TO klartext_agent;\n"
    "REVOKE SELECT ON exposure FROM klartext_agent;\n"
    "GRANT SELECT (scan_id, subject, first_seen, last_seen, views, viewers, signed_in_viewers, anonymous_viewers, pages, "
    "fields) ON exposure TO klartext_agent;\n"
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
