/* incident.h — the incident record, its append-only timeline and its deadlines.
 *
 * The record's fields are described once, in inc_fields[] (incident.c): name (also the
 * command-line option, with '_' written as '-'), column, type, allowed values, label. The
 * commands, the JSON output and the validation all walk that table, so adding a field is
 * one line plus a migration.
 *
 * Values travel as text in their canonical form: times as "YYYY-MM-DDTHH:MM:SSZ", booleans
 * "yes"/"no", lists comma-separated sorted without duplicates, integers in decimal. */
#ifndef KT_INCIDENT_H
#define KT_INCIDENT_H
#include <stdint.h>
#include "register/register.h"

enum inc_ftype { F_TEXT, F_TIME, F_BOOL, F_INT, F_ENUM, F_SET };
enum { F_REQUIRED = 1, F_READONLY = 2, F_LONG = 4 };

struct inc_field {
    const char *name; /* "aware_at" */
    enum inc_ftype type;
    const char *const *choices; /* F_ENUM / F_SET: NULL-terminated; F_SET with NULL = free tags */
    unsigned flags;
    const char *label; /* "became aware" */
    const char *help; /* one line for --help */
};
extern const struct inc_field inc_fields[];
extern const size_t inc_nfields;
const struct inc_field *inc_field_find(const char *name); /* accepts '-' for '_' */

/* index constants into inc_fields / incident.v (kept in sync by a unit test) */
enum {
    IF_TITLE,
    IF_DESCRIPTION,
    IF_BREACH_TYPES,
    IF_CAUSE,
    IF_STATUS,
    IF_AWARE_AT,
    IF_AWARE_HOW,
    IF_OCCURRED_FROM,
    IF_OCCURRED_UNTIL,
    IF_CONTAINED_AT,
    IF_DATA_CATEGORIES,
    IF_DATA_NOT_AFFECTED,
    IF_SUBJECT_CATEGORIES,
    IF_APPROX_SUBJECTS,
    IF_APPROX_RECORDS,
    IF_CONSEQUENCES,
    IF_MEASURES_TAKEN,
    IF_MEASURES_PROPOSED,
    IF_CROSS_BORDER,
    IF_LEAD_AUTHORITY,
    IF_DELAY_REASON,
    IF_NIS2_SIGNIFICANT,
    IF_NOTIFIED_AT,
    IF_NIS2_WARNING_AT,
    IF_NIS2_NOTIFIED_AT,
    IF_NIS2_FINAL_AT,
    IF_COUNT
};

struct incident {
    int64_t id;
    char ref[16]; /* "2026-0001" */
    int64_t created_at, updated_at;
    char *v[IF_COUNT]; /* canonical text or NULL when not set */
};
void incident_release(struct incident *inc);

/* Validate and canonicalise one value. Returns 0, or 2 with err. */
int inc_value_canon(const struct inc_field *f, const char *in, char **out, char *err, size_t errlen);
int64_t inc_time(const struct incident *inc, int field); /* 0 when unset */
int inc_bool(const struct incident *inc, int field);

/* Create: vals[i] canonical or NULL. Checks required fields, writes the record, a 'created'
 * timeline event and the audit entry. Fills inc (id, ref). In a transaction. */
int incident_create(reg *r, char *const vals[IF_COUNT], struct incident *inc);
/* Load by ref ("2026-0001"). Returns 0, or 2 "no incident '2026-0009'". */
int incident_load(reg *r, const char *ref, struct incident *inc);
/* Apply changes (vals[i] non-NULL = set; the string "" clears an optional field).
 * Enforces status transitions and the delay rule; audits each changed field; writes timeline
 * events for status, notification and containment. In a transaction. */
int incident_update(reg *r, struct incident *inc, char *const vals[IF_COUNT]);
/* all incidents, oldest first; *n set; caller releases each and frees the array */
int incident_list(reg *r, int include_closed, struct incident **out, size_t *n);

/* Status transitions: is from → to allowed? */
int inc_status_allowed(const char *from, const char *to);
const char *inc_status_label(const char *status); /* "confirmed breach" */

/* ---- timeline ---- */
struct inc_event {
    int64_t seq, at, recorded_at, corrects; /* corrects 0 = none */
    char *kind, *text, *actor;
};
int incident_event_add(reg *r, const struct incident *inc, int64_t at, const char *kind, const char *text,
                       int64_t corrects, int64_t *seq_out);
int incident_events(reg *r, const struct incident *inc, struct inc_event **out, size_t *n);
/* *found 1 when INC's timeline has entry number SEQ. Returns 0 or 1 (reg_err). */
int incident_event_exists(reg *r, const struct incident *inc, int64_t seq, int *found);
void inc_events_free(struct inc_event *ev, size_t n);
#endif
