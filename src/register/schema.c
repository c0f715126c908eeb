/* schema.c — the register's schema as a list of forward migrations.
 *
 * Version N's step turns a version N-1 file into version N. A register is migrated step by
 * step inside one transaction when a newer klartext opens it; a file with a version above
 * REG_SCHEMA_VERSION is refused. Never edit a released step: add a new one.
 * Append-only tables (event, audit) are guarded by triggers, so not even a bug in klartext
 * can edit or delete a timeline entry. */
#include "register/schema.h"
#include <stddef.h>

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

const struct schema_step schema_steps[] = {
    {1, "incidents, timeline, audit trail, organisation", v1},
};
const size_t schema_nsteps = sizeof schema_steps / sizeof schema_steps[0];
