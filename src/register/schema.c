/* schema.c — the register's schema as a list of forward migrations.
 *
 * Version N's step turns a version N-1 file into version N. A register is migrated step by
 * step inside one transaction when a newer klartext opens it; a file with a version above
 * the last step's version is refused. Never edit a released step: add a new one.
 * Append-only tables (event, audit) are guarded by triggers, so not even a bug in klartext
 * can edit or delete a timeline entry. */
#include "register/schema.h"
#include "register/reg_int.h"
#include "register/viewlist.h"
#include <stddef.h>
#include <stdio.h>

static const char v1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;\n"
    "CREATE TABLE org (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;\n"
    "CREATE TABLE incident (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  ref TEXT NOT NULL UNIQUE,\n"
    "  year INTEGER NOT NULL, seq INTEGER NOT NULL,\n"
    "  title TEXT NOT NULL,\n"
    "  description TEXT, breach_types TEXT, cause TEXT,\n"
    "  status TEXT NOT NULL DEFAULT 'suspected',\n"
    "  aware_at INTEGER NOT NULL, aware_how TEXT NOT NULL,\n"
    "  occurred_from INTEGER, occurred_until INTEGER, contained_at INTEGER,\n"
    "  data_categories TEXT, data_not_affected TEXT, subject_categories TEXT,\n"
    "  approx_subjects INTEGER, approx_records INTEGER,\n"
    "  consequences TEXT, measures_taken TEXT, measures_proposed TEXT,\n"
    "  cross_border INTEGER, lead_authority TEXT, delay_reason TEXT,\n"
    "  nis2_significant INTEGER,\n"
    "  notified_at INTEGER, nis2_warning_at INTEGER, nis2_notified_at INTEGER, nis2_final_at INTEGER,\n"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,\n"
    "  UNIQUE (year, seq)\n"
    ") STRICT;\n"
    "CREATE TABLE event (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL, text TEXT NOT NULL, actor TEXT NOT NULL,\n"
    "  corrects INTEGER,\n"
    "  UNIQUE (incident_id, seq)\n"
    ") STRICT;\n"
    "CREATE TRIGGER event_append_only_u BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;\n"
    "CREATE TRIGGER event_append_only_d BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END;\n"
    "CREATE TABLE audit (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at INTEGER NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL,\n"
    "  incident_ref TEXT, action TEXT NOT NULL, field TEXT, old_value TEXT, new_value TEXT\n"
    ") STRICT;\n"
    "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n"
    "CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n"
    "CREATE INDEX audit_incident ON audit(incident_ref);\n";


/* v2: exposure scans. A scan is a version; re-scans add versions, earlier ones stay because
   sent notices and filed reports refer to the version they used. */
static const char v2[] =
    "CREATE TABLE scan (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  version INTEGER NOT NULL,\n"
    "  current INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  rule_text TEXT NOT NULL, rule_sha256 TEXT NOT NULL,\n"
    "  keep_viewers INTEGER NOT NULL, check_all INTEGER NOT NULL,\n"
    "  lines INTEGER NOT NULL, lines_parsed INTEGER NOT NULL, lines_matched INTEGER NOT NULL,\n"
    "  malformed INTEGER NOT NULL, odd_requests INTEGER NOT NULL, out_of_window INTEGER NOT NULL,\n"
    "  self_views INTEGER NOT NULL, files_failed INTEGER NOT NULL,\n"
    "  people INTEGER NOT NULL, records INTEGER NOT NULL, views INTEGER NOT NULL,\n"
    "  viewers INTEGER NOT NULL,\n"
    "  bytes INTEGER NOT NULL,\n"
    "  first_seen INTEGER, last_seen INTEGER,\n"
    "  UNIQUE (incident_id, version)\n"
    ") STRICT;\n"
    "CREATE TABLE scan_input (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id), idx INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, compression TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,\n"
    "  sha256 TEXT, lines INTEGER NOT NULL, malformed INTEGER NOT NULL, error TEXT,\n"
    "  PRIMARY KEY (scan_id, idx)\n"
    ") STRICT;\n"
    "CREATE TABLE scan_sample (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id), seq INTEGER NOT NULL,\n"
    "  file TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL,\n"
    "  PRIMARY KEY (scan_id, seq)\n"
    ") STRICT;\n"
    "CREATE TABLE exposure (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  subject TEXT NOT NULL,\n"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  views INTEGER NOT NULL, viewers INTEGER NOT NULL,\n"
    "  signed_in_viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,\n"
    "  pages TEXT NOT NULL, fields TEXT NOT NULL,\n"
    "  PRIMARY KEY (scan_id, subject)\n"
    ") STRICT;\n"
    "CREATE TABLE exposure_viewer (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  subject TEXT NOT NULL,\n"
    "  viewer TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  identity TEXT,\n"
    "  views INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  PRIMARY KEY (scan_id, subject, viewer)\n"
    ") STRICT;\n"
    "CREATE TABLE scan_hour (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id), hour INTEGER NOT NULL, views INTEGER NOT NULL,\n"
    "  PRIMARY KEY (scan_id, hour)\n"
    ") STRICT;\n";

/* v3: contact data of affected people (subject directory imports), risk assessments, the
   decisions taken on them and the filings with the supervisory authority. Assessments,
   their inputs and reasons, decisions and filings are evidence (Art. 33(5)): append-only. */
static const char v3[] =
    "CREATE TABLE subject_import (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  version INTEGER NOT NULL,\n"
    "  current INTEGER NOT NULL DEFAULT 0,\n"
    "  created_at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL, nrows INTEGER NOT NULL,\n"
    "  scan_id INTEGER REFERENCES scan(id),\n"
    "  exposed INTEGER NOT NULL, reachable INTEGER NOT NULL, unknown INTEGER NOT NULL,\n"
    "  UNIQUE (incident_id, version)\n"
    ") STRICT;\n"
    "CREATE TABLE subject (\n"
    "  import_id INTEGER NOT NULL REFERENCES subject_import(id),\n"
    "  subject TEXT NOT NULL, line INTEGER NOT NULL,\n"
    "  name TEXT NOT NULL, email TEXT NOT NULL, language TEXT NOT NULL, timezone TEXT NOT NULL,\n"
    "  salutation TEXT,\n"
    "  PRIMARY KEY (import_id, subject)\n"
    ") STRICT;\n"
    "CREATE TABLE assessment (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  created_at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  scan_id INTEGER REFERENCES scan(id),\n"
    "  config TEXT NOT NULL,\n"
    "  dpc INTEGER NOT NULL, dpc_base INTEGER NOT NULL, ei_q INTEGER NOT NULL, cb_q INTEGER NOT NULL,\n"
    "  se_q INTEGER NOT NULL, band INTEGER NOT NULL, score_level INTEGER NOT NULL, level INTEGER NOT NULL,\n"
    "  notify_authority INTEGER NOT NULL, people INTEGER NOT NULL, also_public INTEGER NOT NULL,\n"
    "  voluntary INTEGER NOT NULL,\n"
    "  UNIQUE (incident_id, seq)\n"
    ") STRICT;\n"
    "CREATE TABLE assessment_input (\n"
    "  assessment_id INTEGER NOT NULL REFERENCES assessment(id),\n"
    "  name TEXT NOT NULL, value INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,\n"
    "  PRIMARY KEY (assessment_id, name)\n"
    ") STRICT;\n"
    "CREATE TABLE assessment_reason (\n"
    "  assessment_id INTEGER NOT NULL REFERENCES assessment(id),\n"
    "  idx INTEGER NOT NULL, rule TEXT NOT NULL, text_en TEXT NOT NULL, text_de TEXT NOT NULL,\n"
    "  PRIMARY KEY (assessment_id, idx)\n"
    ") STRICT;\n"
    "CREATE TABLE decision (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  assessment_id INTEGER NOT NULL REFERENCES assessment(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  created_at INTEGER NOT NULL, actor TEXT NOT NULL, decided_by TEXT NOT NULL,\n"
    "  notify_authority INTEGER NOT NULL, people INTEGER NOT NULL,\n"
    "  differs INTEGER NOT NULL, difference TEXT NOT NULL, reason TEXT,\n"
    "  UNIQUE (incident_id, seq)\n"
    ") STRICT;\n"
    "CREATE TABLE filing (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  follow_up INTEGER NOT NULL,\n"
    "  filed_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  case_ref TEXT NOT NULL, lang TEXT NOT NULL, format TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,\n"
    "  assessment_id INTEGER REFERENCES assessment(id), decision_id INTEGER REFERENCES decision(id),\n"
    "  scan_id INTEGER REFERENCES scan(id),\n"
    "  UNIQUE (incident_id, seq)\n"
    ") STRICT;\n"
    "CREATE TRIGGER assessment_append_only_u BEFORE UPDATE ON assessment BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER assessment_append_only_d BEFORE DELETE ON assessment BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER assessment_input_append_only_u BEFORE UPDATE ON assessment_input BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER assessment_input_append_only_d BEFORE DELETE ON assessment_input BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER assessment_reason_append_only_u BEFORE UPDATE ON assessment_reason BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER assessment_reason_append_only_d BEFORE DELETE ON assessment_reason BEGIN SELECT RAISE(ABORT, 'assessments are append-only'); END;\n"
    "CREATE TRIGGER decision_append_only_u BEFORE UPDATE ON decision BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n"
    "CREATE TRIGGER decision_append_only_d BEFORE DELETE ON decision BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;\n"
    "CREATE TRIGGER filing_append_only_u BEFORE UPDATE ON filing BEGIN SELECT RAISE(ABORT, 'filings are append-only'); END;\n"
    "CREATE TRIGGER filing_append_only_d BEFORE DELETE ON filing BEGIN SELECT RAISE(ABORT, 'filings are append-only'); END;\n";

/* v4: the transparency log (docs/tlog.md) — its entries (the exact public bytes; salts and
   internal refs of commitments stay here), its signed checkpoints, the public statements of
   incidents, and the audit trail's hash chain (prev_hash/hash, filled for existing rows by
   audit_chain_migrate in audit.c, which then restores the audit table's update guard). */
static const char v4[] =
    "CREATE TABLE tlog_entry (\n"
    "  idx INTEGER PRIMARY KEY CHECK (idx >= 0),\n"
    "  kind TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  entry BLOB NOT NULL,\n"
    "  leaf_hash BLOB NOT NULL,\n"
    "  salt BLOB,\n"
    "  ref TEXT\n"
    ") STRICT;\n"
    "CREATE INDEX tlog_entry_ref ON tlog_entry(kind, ref);\n"
    "CREATE TABLE tlog_checkpoint (\n"
    "  size INTEGER PRIMARY KEY,\n"
    "  root BLOB NOT NULL, note TEXT NOT NULL, created_at INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE incident_statement (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  lang TEXT NOT NULL, revision INTEGER NOT NULL,\n"
    "  title TEXT NOT NULL, statement TEXT NOT NULL, facts TEXT NOT NULL,\n"
    "  published_at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  tlog_idx INTEGER NOT NULL UNIQUE REFERENCES tlog_entry(idx),\n"
    "  UNIQUE (incident_id, lang, revision)\n"
    ") STRICT;\n"
    "CREATE TRIGGER tlog_entry_append_only_u BEFORE UPDATE ON tlog_entry BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;\n"
    "CREATE TRIGGER tlog_entry_append_only_d BEFORE DELETE ON tlog_entry BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;\n"
    "CREATE TRIGGER tlog_checkpoint_append_only_u BEFORE UPDATE ON tlog_checkpoint BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n"
    "CREATE TRIGGER tlog_checkpoint_append_only_d BEFORE DELETE ON tlog_checkpoint BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;\n"
    "CREATE TRIGGER incident_statement_append_only_u BEFORE UPDATE ON incident_statement BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;\n"
    "CREATE TRIGGER incident_statement_append_only_d BEFORE DELETE ON incident_statement BEGIN SELECT RAISE(ABORT, 'statements are append-only'); END;\n"
    "DROP TRIGGER audit_append_only_u;\n"
    "ALTER TABLE audit ADD COLUMN prev_hash BLOB;\n"
    "ALTER TABLE audit ADD COLUMN hash BLOB;\n";

/* v5: personal notices (docs/notify.md). notice_approval: who approved which content (hash of
   the templates, the data model version and the incident's and organisation's texts), append-
   only. notice: one rendered, signed message per person and incident, kept as evidence and for
   resends with the same Message-ID (zstd-compressed; it holds the person's notice code, which
   is otherwise stored only as a keyed lookup hash), append-only. outbox: the sending state of
   each notice (queued, sending, sent, failed, written, cancelled, superseded); notice_event: every
   state change after the notice was made, with the server's reply, append-only. Notice ids
   ("2026-0001-000042") are unique and carry the incident and the number; the Message-ID is
   derived from the notice id. */
static const char v5[] =
    "CREATE TABLE notice_approval (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  created_at INTEGER NOT NULL, actor TEXT NOT NULL, approved_by TEXT NOT NULL,\n"
    "  content_sha256 TEXT NOT NULL, model_version INTEGER NOT NULL,\n"
    "  templates TEXT NOT NULL, manifest TEXT NOT NULL,\n"
    "  UNIQUE (incident_id, seq)\n"
    ") STRICT;\n"
    "CREATE TABLE notice (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  seq INTEGER NOT NULL,\n"
    "  notice_id TEXT NOT NULL UNIQUE,\n"
    "  subject TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  approval_id INTEGER NOT NULL REFERENCES notice_approval(id),\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  import_id INTEGER NOT NULL REFERENCES subject_import(id),\n"
    "  lang TEXT NOT NULL, rcpt TEXT NOT NULL, rcpt_masked TEXT NOT NULL,\n"
    "  code_hash BLOB NOT NULL UNIQUE,\n"
    "  message_id TEXT NOT NULL,\n"
    "  text_sha256 TEXT NOT NULL,\n"
    "  message BLOB NOT NULL, message_len INTEGER NOT NULL, message_codec TEXT NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX notice_subject ON notice(incident_id, subject);\n"
    "CREATE TABLE outbox (\n"
    "  notice INTEGER PRIMARY KEY REFERENCES notice(id),\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed','written','cancelled','superseded')),\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,\n"
    "  permanent INTEGER NOT NULL DEFAULT 0,\n"
    "  next_at INTEGER NOT NULL DEFAULT 0,\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  sent_at INTEGER, reply TEXT\n"
    ") STRICT;\n"
    "CREATE INDEX outbox_state ON outbox(incident_id, state, notice);\n"
    "CREATE TABLE notice_event (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  notice INTEGER NOT NULL REFERENCES notice(id),\n"
    "  at INTEGER NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL, reply TEXT\n"
    ") STRICT;\n"
    "CREATE TRIGGER notice_approval_append_only_u BEFORE UPDATE ON notice_approval BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;\n"
    "CREATE TRIGGER notice_approval_append_only_d BEFORE DELETE ON notice_approval BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;\n"
    "CREATE TRIGGER notice_append_only_u BEFORE UPDATE ON notice BEGIN SELECT RAISE(ABORT, 'notices are append-only'); END;\n"
    "CREATE TRIGGER notice_append_only_d BEFORE DELETE ON notice BEGIN SELECT RAISE(ABORT, 'notices are append-only'); END;\n"
    "CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN SELECT RAISE(ABORT, 'outbox rows are never deleted'); END;\n"
    "CREATE TRIGGER notice_event_append_only_u BEFORE UPDATE ON notice_event BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END;\n"
    "CREATE TRIGGER notice_event_append_only_d BEFORE DELETE ON notice_event BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END;\n";

/* v6: customer-service agents of the portal (docs/agent.md): one row per agent with the
   BLAKE2b-256 hash of their 256-bit token (the token itself is shown once and never stored).
   Removing an agent marks the row; rows are never deleted, so the audit trail's names stay
   resolvable. */
static const char v6[] =
    "CREATE TABLE agent (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  token_hash BLOB NOT NULL UNIQUE,\n"
    "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL,\n"
    "  removed_at INTEGER, removed_by TEXT\n"
    ") STRICT;\n"
    "CREATE UNIQUE INDEX agent_active_name ON agent(name) WHERE removed_at IS NULL;\n"
    "CREATE TRIGGER agent_no_delete BEFORE DELETE ON agent BEGIN SELECT RAISE(ABORT, 'agents are never deleted, only removed'); END;\n";

/* v7: notices are stored as their rendered parts (headers, text, HTML, signature; codec
   "parts1": the MIME message is rebuilt from them byte for byte, docs/notify.md "Storage"),
   zstd-compressed against a dictionary made once per run from a sample notice of a fictional
   person (notice_dict; no one's name, address or code, no signature), so that a notice takes
   well under a kilobyte instead of thirteen. Old rows keep codec "zstd" (the whole message). */
static const char v7[] =
    "CREATE TABLE notice_dict (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  created_at INTEGER NOT NULL,\n"
    "  sha256 TEXT NOT NULL UNIQUE,\n"
    "  content BLOB NOT NULL\n"
    ") STRICT;\n"
    "ALTER TABLE notice ADD COLUMN dict_id INTEGER REFERENCES notice_dict(id);\n"
    "CREATE TRIGGER notice_dict_append_only_u BEFORE UPDATE ON notice_dict BEGIN SELECT RAISE(ABORT, 'notice dictionaries are append-only'); END;\n"
    "CREATE TRIGGER notice_dict_append_only_d BEFORE DELETE ON notice_dict BEGIN SELECT RAISE(ABORT, 'notice dictionaries are append-only'); END;\n";

/* v8: per-notice claims (docs/notify.md "The outbox"). A sending run marks each notice
   `sending` just before one of its connections takes it, under the run's random claim token
   (claimed_by), and records the result only where its own token still stands; a claim is one
   UPDATE that takes only rows still due, so that senders that do not share notify's lock file
   (a PostgreSQL register) cannot both take a notice. Rows claimed before this step have NULL. */
static const char v8[] = "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;\n";

/* v9: an exposure's pages as a list (util/semilist.h): inside a page '\' is written "\\" and ';'
   "\;" before the pages are joined with ';', so that a page with a ';' in its path stays one page.
   Old rows get their '\' doubled and read back exactly as before; a ';' inside an old page was
   stored as a separator and cannot be told from one (docs/scan.md "Pages with a ';'"). */
static const char v9[] = "UPDATE exposure SET pages = replace(pages, '\\', '\\\\') WHERE instr(pages, '\\') > 0;\n";

/* v10: retention (docs/retention.md). purge: one row per kind of personal data a purge deleted
   from an incident — when, by whom, under which period, how many rows; append-only. purge_scan and
   purge_field: what the report needs of a scan once its per-person rows are gone (the disclosed
   fields, viewers, reachable and unreachable people; people and views per field), stored in the
   purge's transaction before anything is deleted. purge_word: the personal words that stand in
   the incident's own free text (record, timeline, reasons), which the report keeps hiding. The append-only notices and notice events take
   exactly one update: a notice of an incident that has a 'notices' purge row may be emptied once
   (subject, address, masked address and message; codec 'purged'), every other column unchanged;
   an emptied notice's events may lose their server reply, and a compression dictionary no notice
   that is not emptied uses may be emptied (it was made from a sample notice, whose pages are real).
   Everything else stays refused. */
static const char v10[] =
    "CREATE TABLE purge (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  at INTEGER NOT NULL, actor TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('contact_data','notices','exposures','viewer_identities')),\n"
    "  period TEXT NOT NULL, due_at INTEGER NOT NULL, count INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX purge_incident ON purge(incident_id, kind);\n"
    "CREATE TABLE purge_scan (\n"
    "  scan_id INTEGER PRIMARY KEY REFERENCES scan(id),\n"
    "  stored_at INTEGER NOT NULL,\n"
    "  fields TEXT NOT NULL, viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,\n"
    "  import_id INTEGER REFERENCES subject_import(id),\n"
    "  exposed INTEGER NOT NULL, reachable INTEGER NOT NULL, unreachable INTEGER NOT NULL\n"
    ") STRICT;\n"
    "CREATE TABLE purge_field (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id), field TEXT NOT NULL,\n"
    "  people INTEGER NOT NULL, views INTEGER NOT NULL,\n"
    "  PRIMARY KEY (scan_id, field)\n"
    ") STRICT;\n"
    "CREATE TABLE purge_word (\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id), word TEXT NOT NULL,\n"
    "  PRIMARY KEY (incident_id, word)\n"
    ") STRICT;\n"
    "CREATE TRIGGER purge_word_append_only_u BEFORE UPDATE ON purge_word BEGIN SELECT RAISE(ABORT, 'kept words are append-only'); END;\n"
    "CREATE TRIGGER purge_word_append_only_d BEFORE DELETE ON purge_word BEGIN SELECT RAISE(ABORT, 'kept words are append-only'); END;\n"
    "CREATE TRIGGER purge_append_only_u BEFORE UPDATE ON purge BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;\n"
    "CREATE TRIGGER purge_append_only_d BEFORE DELETE ON purge BEGIN SELECT RAISE(ABORT, 'purge records are append-only'); END;\n"
    "CREATE TRIGGER purge_scan_append_only_u BEFORE UPDATE ON purge_scan BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;\n"
    "CREATE TRIGGER purge_scan_append_only_d BEFORE DELETE ON purge_scan BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;\n"
    "CREATE TRIGGER purge_field_append_only_u BEFORE UPDATE ON purge_field BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;\n"
    "CREATE TRIGGER purge_field_append_only_d BEFORE DELETE ON purge_field BEGIN SELECT RAISE(ABORT, 'kept counts are append-only'); END;\n"
    "DROP TRIGGER notice_append_only_u;\n"
    "CREATE TRIGGER notice_append_only_u BEFORE UPDATE ON notice WHEN NOT (\n"
    "  OLD.message_codec <> 'purged' AND NEW.message_codec = 'purged' AND NEW.subject = '' AND NEW.rcpt = ''\n"
    "  AND NEW.rcpt_masked = '' AND length(NEW.message) = 0\n"
    "  AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id AND NEW.seq = OLD.seq\n"
    "  AND NEW.notice_id = OLD.notice_id AND NEW.created_at = OLD.created_at AND NEW.approval_id = OLD.approval_id\n"
    "  AND NEW.scan_id = OLD.scan_id AND NEW.import_id = OLD.import_id AND NEW.lang = OLD.lang\n"
    "  AND NEW.code_hash = OLD.code_hash AND NEW.message_id = OLD.message_id AND NEW.text_sha256 = OLD.text_sha256\n"
    "  AND NEW.message_len = OLD.message_len AND NEW.dict_id IS OLD.dict_id\n"
    "  AND EXISTS (SELECT 1 FROM purge p WHERE p.incident_id = OLD.incident_id AND p.kind = 'notices'))\n"
    "BEGIN SELECT RAISE(ABORT, 'notices are append-only (a purge may only empty their personal columns)'); END;\n"
    "DROP TRIGGER notice_event_append_only_u;\n"
    "CREATE TRIGGER notice_event_append_only_u BEFORE UPDATE ON notice_event WHEN NOT (\n"
    "  NEW.reply IS NULL AND NEW.id = OLD.id AND NEW.notice = OLD.notice AND NEW.at = OLD.at\n"
    "  AND NEW.state = OLD.state AND NEW.attempt = OLD.attempt\n"
    "  AND EXISTS (SELECT 1 FROM notice n WHERE n.id = OLD.notice AND n.message_codec = 'purged'))\n"
    "BEGIN SELECT RAISE(ABORT, 'notice events are append-only (a purge may only drop their replies)'); END;\n"
    "DROP TRIGGER notice_dict_append_only_u;\n"
    "CREATE TRIGGER notice_dict_append_only_u BEFORE UPDATE ON notice_dict WHEN NOT (\n"
    "  length(NEW.content) = 0 AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id\n"
    "  AND NEW.created_at = OLD.created_at AND NEW.sha256 = OLD.sha256\n"
    "  AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.dict_id = OLD.id AND n.message_codec <> 'purged'))\n"
    "BEGIN SELECT RAISE(ABORT, 'notice dictionaries are append-only (a purge may only empty unused ones)'); END;\n";

/* v11: follow-up notices and returned mail (docs/notify.md "Follow-ups", "Bounces"); the subject
   directory's optional postal address (street, postcode, city, country). A notice is
   a first notice or a follow-up that says what changed since an earlier notice of the same person
   (follows: that notice's row), made when a new scan found more in substance than the earlier
   notice stated. notice_bounce: a mail server gave a notice back, failed (5.x.x) or delayed
   (4.x.x), with its status and diagnostic; one row per returned mail (sha256) and notice;
   append-only, but for one change: a purge of the incident's notices (a `notices` purge
   record, step 10) empties the diagnostic and the source once — a mail server's diagnostic
   usually quotes the address it refused (docs/retention.md). */
static const char v11[] =
    "CREATE TABLE IF NOT EXISTS notice_bounce (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  notice INTEGER NOT NULL REFERENCES notice(id),\n"
    "  incident_id INTEGER NOT NULL REFERENCES incident(id),\n"
    "  at INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('failed','delayed')),\n"
    "  status TEXT NOT NULL, action TEXT NOT NULL, diagnostic TEXT NOT NULL, source TEXT NOT NULL,\n"
    "  sha256 TEXT NOT NULL,\n"
    "  UNIQUE (notice, sha256)\n"
    ") STRICT;\n"
    "CREATE INDEX IF NOT EXISTS notice_bounce_incident ON notice_bounce(incident_id, notice);\n"
    "CREATE TRIGGER IF NOT EXISTS notice_bounce_append_only_u BEFORE UPDATE ON notice_bounce WHEN NOT (\n"
    "  (OLD.diagnostic <> '' OR OLD.source <> '') AND NEW.diagnostic = '' AND NEW.source = ''\n"
    "  AND NEW.id = OLD.id AND NEW.notice = OLD.notice AND NEW.incident_id = OLD.incident_id AND NEW.at = OLD.at\n"
    "  AND NEW.kind = OLD.kind AND NEW.status = OLD.status AND NEW.action = OLD.action AND NEW.sha256 = OLD.sha256\n"
    "  AND EXISTS (SELECT 1 FROM purge WHERE purge.incident_id = OLD.incident_id AND purge.kind = 'notices'))\n"
    "BEGIN SELECT RAISE(ABORT, 'returned mail is append-only'); END;\n"
    "CREATE TRIGGER IF NOT EXISTS notice_bounce_append_only_d BEFORE DELETE ON notice_bounce BEGIN SELECT RAISE(ABORT, 'returned mail is append-only'); END;\n";

/* step 11's new columns, each added unless the table has it already (a file marked with an
   older version than its tables, as a test makes one, is migrated all the same) */
static int v11_columns(db *d)
{
    static const char *const cols[][3] = {
        {"notice", "kind", "TEXT NOT NULL DEFAULT 'first'"},
        {"notice", "follows", "INTEGER REFERENCES notice(id)"},
        {"subject", "street", "TEXT"},
        {"subject", "postcode", "TEXT"},
        {"subject", "city", "TEXT"},
        {"subject", "country", "TEXT"},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char sql[200];
        int has = 0;
        if (db_has_column(d, cols[i][0], cols[i][1], &has)) return -1;
        if (has) continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", cols[i][0], cols[i][1], cols[i][2]);
        if (db_exec(d, sql)) return -1;
    }
    return 0;
}

/* v12: the per-person tables at millions of people (issue 19, docs/performance.md "Storing
   millions"): exposure and exposure_viewer become WITHOUT ROWID tables clustered on their
   primary keys, so that each row is stored once instead of once in the table and once more in
   the primary key's index, and rows are read back in key order without a sort; a viewer's keyed
   hash is its 16 bytes (a BLOB) instead of 32 hex digits. Old rows are copied over, the old
   viewer hex decoded (v12_viewers). Nothing else changes: columns, names and meanings stay. */
static const char v12[] =
    "CREATE TABLE exposure_v12 (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  subject TEXT NOT NULL,\n"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  views INTEGER NOT NULL, viewers INTEGER NOT NULL,\n"
    "  signed_in_viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,\n"
    "  pages TEXT NOT NULL, fields TEXT NOT NULL,\n"
    "  PRIMARY KEY (scan_id, subject)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "INSERT INTO exposure_v12 SELECT scan_id, subject, first_seen, last_seen, views, viewers, signed_in_viewers,\n"
    "  anonymous_viewers, pages, fields FROM exposure ORDER BY scan_id, subject;\n"
    "DROP TABLE exposure;\n"
    "ALTER TABLE exposure_v12 RENAME TO exposure;\n"
    "CREATE TABLE exposure_viewer_v12 (\n"
    "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
    "  subject TEXT NOT NULL,\n"
    "  viewer BLOB NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  identity TEXT,\n"
    "  views INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  PRIMARY KEY (scan_id, subject, viewer)\n"
    ") STRICT, WITHOUT ROWID;\n";

static int unhex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* the hash of an old row as bytes: HX (N chars) decoded into BIN when it is even-length hex, as
   klartext wrote it; *len 0 when it is not (then it is kept as it is) */
static void v12_unhex(const char *hx, size_t n, unsigned char *bin, size_t cap, size_t *len)
{
    *len = 0;
    if (n % 2 || n / 2 > cap) return;
    for (size_t k = 0; k < n / 2; k++) {
        int hi = unhex_digit(hx[2 * k]), lo = unhex_digit(hx[2 * k + 1]);
        if (hi < 0 || lo < 0) return;
        bin[k] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
}

/* step 12's copy of the viewers: hex text as its bytes (a BLOB, in a file whose tables are
   newer than its version mark, is copied as it is), then the old table replaced */
static int v12_viewers(db *d)
{
    db_stmt *in = db_prepare(d, "INSERT INTO exposure_viewer_v12(scan_id, subject, viewer, kind, identity, views,"
                                " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    db_stmt *s = db_prepare(d, "SELECT scan_id, subject, viewer, kind, identity, views, first_seen, last_seen,"
                               " typeof(viewer) = 'text' FROM exposure_viewer ORDER BY scan_id, subject, viewer");
    if (!in || !s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        size_t n, bn = 0;
        const void *v = db_col_blob(s, 2, &n);
        unsigned char bin[64];
        if (db_col_int(s, 8)) v12_unhex(v, n, bin, sizeof bin, &bn);
        db_bind_int(in, 1, db_col_int(s, 0));
        db_bind_text(in, 2, db_col_text(s, 1));
        if (bn) db_bind_blob(in, 3, bin, bn);
        else db_bind_blob(in, 3, v, n);
        db_bind_text(in, 4, db_col_text(s, 3));
        db_bind_text(in, 5, db_col_text(s, 4));
        for (int c = 5; c < 8; c++) db_bind_int(in, c + 1, db_col_int(s, c));
        if (db_step(in) != DB_DONE) {
            db_reset(s);
            return -1;
        }
    }
    if (rc == DB_ERR) return -1;
    return db_exec(d, "DROP TABLE exposure_viewer; ALTER TABLE exposure_viewer_v12 RENAME TO exposure_viewer;");
}

/* v13: the audit trail's database login (audit.login). SQLite knows no logins: anyone who can
   write the file can write any name into it, so a login there would claim an identity nothing
   checked. The column stays NULL on SQLite (the actor is --actor or the OS user, as before), and
   a row whose login is NULL hashes as rows always did, so a SQLite register's chain, exports and
   listings are unchanged byte for byte. On PostgreSQL (schema_pg.c) the database fills it with
   session_user. Added by v13_login unless the table has it (a file marked older than its tables). */
static const char v13[] = "";
static int v13_login(db *d)
{
    int has = 0;
    if (db_has_column(d, "audit", "login", &has)) return -1;
    return has ? 0 : db_exec(d, "ALTER TABLE audit ADD COLUMN login TEXT");
}

/* v14: the viewers packed into the exposure rows (issue 19, docs/performance.md "The register at
   this scale"): one row per person instead of one per person and one more per (person, viewer)
   pair. exposure gets viewer_list (the pairs, viewlist.h) and viewer_identities (the raw
   identities kept with --keep-viewers, NULL otherwise); viewlist_migrate packs the old rows and
   drops exposure_viewer. The same function runs on PostgreSQL (schema_pg.c). exposure.scan_id
   loses its REFERENCES scan(id): checking it cost about 9 % of the store's instructions here and
   65 % of PostgreSQL's time, and it guarded nothing that can happen — the store writes the rows
   in the transaction that inserts their scan, and scan rows are never deleted (a purge deletes
   exposures, not scans). SQLite cannot drop a constraint: the table is rebuilt, in key order. */
static const char v14[] =
    "CREATE TABLE exposure_v14 (\n"
    "  scan_id INTEGER NOT NULL,\n"
    "  subject TEXT NOT NULL,\n"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,\n"
    "  views INTEGER NOT NULL, viewers INTEGER NOT NULL,\n"
    "  signed_in_viewers INTEGER NOT NULL, anonymous_viewers INTEGER NOT NULL,\n"
    "  pages TEXT NOT NULL, fields TEXT NOT NULL,\n"
    "  viewer_list BLOB NOT NULL DEFAULT x'', viewer_identities BLOB,\n"
    "  PRIMARY KEY (scan_id, subject)\n"
    ") STRICT, WITHOUT ROWID;\n"
    "INSERT INTO exposure_v14(scan_id, subject, first_seen, last_seen, views, viewers, signed_in_viewers,\n"
    "  anonymous_viewers, pages, fields) SELECT scan_id, subject, first_seen, last_seen, views, viewers,\n"
    "  signed_in_viewers, anonymous_viewers, pages, fields FROM exposure ORDER BY scan_id, subject;\n"
    "DROP TABLE exposure;\n"
    "ALTER TABLE exposure_v14 RENAME TO exposure;\n";

/* v15: on PostgreSQL exposure becomes a table partitioned by scan version, each version's rows
   loaded into a table of its own whose primary key is built after the load (schema_pg.c pv15).
   SQLite has no partitions, and its store already appends each version's sorted rows at the end
   of the clustered WITHOUT ROWID table: nothing changes here, the step keeps both lists' versions
   equal. */
static const char v15[] = "";

/* v16: on PostgreSQL the columns that hold a person's data get a statistics target of 0, so that
   no ANALYZE (autovacuum's included) copies their values into pg_statistic, where a purge would
   not reach them (schema_pg.c pv16). SQLite has no background ANALYZE and klartext runs none
   there (analyze.h): nothing changes here, the step keeps both lists' versions equal. */
static const char v16[] = "";

const struct schema_step schema_steps[] = {
    {1, "incidents, timeline, audit trail, organisation", v1},
    {2, "exposure scans", v2},
    {3, "subject directory, assessments, decisions, filings", v3},
    {SCHEMA_AUDIT_CHAIN, "transparency log, public statements, audit hash chain", v4, audit_chain_migrate},
    {5, "personal notices: approvals, signed messages, outbox", v5},
    {6, "portal agents (token hashes)", v6},
    {7, "notices stored as parts against a shared dictionary", v7},
    {8, "per-notice claims of the outbox (claimed_by)", v8},
    {9, "exposure pages as a list (a ';' inside a page escaped)", v9},
    {10, "retention: purge records, kept counts, notices that a purge may empty", v10},
    {11, "follow-up notices (notice.kind, notice.follows), returned mail (notice_bounce), postal addresses of subjects",
     v11, v11_columns},
    {12, "exposure and exposure_viewer WITHOUT ROWID, viewer hashes as 16-byte BLOBs", v12, v12_viewers},
    {SCHEMA_AUDIT_LOGIN, "the audit trail's database login (PostgreSQL: session_user, set by the database)", v13,
     v13_login},
    {14, "viewers packed into the exposure rows (viewer_list, viewer_identities), exposure_viewer dropped", v14,
     viewlist_migrate},
    {15, "exposure partitioned by scan version (PostgreSQL; SQLite: no change)", v15},
    {16, "personal columns kept out of the statistics (PostgreSQL: SET STATISTICS 0; SQLite: no change)", v16},
};
const size_t schema_nsteps = sizeof schema_steps / sizeof schema_steps[0];

int64_t schema_latest(void)
{
    return schema_steps[schema_nsteps - 1].version;
}
