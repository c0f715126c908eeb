/* register.h — the incident register (Art. 33(5) GDPR).
 *
 * The register is the only owner of storage: its files (src/register/) hold every SQL
 * statement, on top of the private storage interface db.h. Everything above calls functions.
 * This header: the handle (register.c), opening and migrating (open.c), the audit trail
 * (audit.c, more in audit.h) and the organisation's details (org.c).
 *
 * A reg handle is one open register plus the context of the command that uses it: the
 * actor (who), the command line (what) and the clock (when), which every audit entry
 * records. Functions return 0, or an exit code (1 failure, 2 bad input) with the message in
 * reg_err(). Changing functions must run inside reg_begin/reg_commit; on any error the
 * caller calls reg_rollback and nothing is stored.
 *
 * Ownership: strings returned by reg_* getters belong to the reg (or to the struct they
 * came in) and live until reg_close / the matching _release. */
#ifndef KT_REGISTER_H
#define KT_REGISTER_H
#include <stdint.h>
#include <stddef.h>

/* the newest schema version this klartext knows: the last step in schema.c */
int64_t schema_latest(void);
#define REG_SCHEMA_VERSION ((int64_t)schema_latest())
#define REG_ERRLEN 1024

typedef struct reg reg;

enum { REG_OPEN_CREATE = 1, REG_OPEN_READONLY = 2 };

/* Open (or with REG_OPEN_CREATE create) a register. Migrates an older schema forward in one
 * transaction; refuses a newer one. Returns 0 or an exit code with err filled. */
int reg_open(const char *path, int flags, const char *actor, const char *command, int64_t now, reg **out, char *err,
             size_t errlen);
void reg_close(reg *r);
const char *reg_path(const reg *r);
const char *reg_err(const reg *r);
int64_t reg_now(const reg *r);
const char *reg_actor(const reg *r);
/* set the message and return code (1 or 2) — for modules built on the register */
int reg_fail(reg *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* turn the last db error into a message, return 1 */
int reg_dberr(reg *r);

int reg_begin(reg *r);
int reg_commit(reg *r);
void reg_rollback(reg *r);

/* 1 when TARGET names a PostgreSQL register (a libpq URI "postgresql://…" or "postgres://…"),
 * 0 for a SQLite file */
int reg_target_is_url(const char *target);

/* 1 for a register in a PostgreSQL database, 0 for a SQLite file */
int reg_is_pg(const reg *r);
/* A PostgreSQL register's lock for one sender (what notify's lock file is for a SQLite file):
 * a session advisory lock, held until the handle is closed. 0 when taken, 1 with reg_err when
 * another connection holds it or the query fails. */
int reg_pg_notify_lock(reg *r);

/* Undo the register a failed `init` made in the PostgreSQL database TARGET (a SQLite file is
 * removed by init itself): drop its tables in one transaction. Best effort, no message. */
void reg_pg_drop_new(const char *target);

/* 1 when the register's database server cannot be reached just now (PostgreSQL; the next call
 * tries to connect again): a portal answers 503, not 500 */
int reg_unavailable(const reg *r);

/* schema version stored in the file */
int reg_schema_version(reg *r, int64_t *v);
/* A counter that changes whenever another connection commits a change to the register (a
 * long-running reader such as serve compares it between requests). Returns 0 or 1. */
int reg_data_version(reg *r, int64_t *v);
/* for tests of the migration path: create at an older version (KLARTEXT_TEST_SCHEMA) */
int reg_migrate_to(reg *r, int64_t target);

/* ---- audit trail: append-only (audit.c) ----
 * One row: who (the handle's actor), when (its clock), which command, the incident (may be
 * NULL), the action ("incident.update"), the field and its old and new value (may be NULL).
 * Runs in the caller's transaction, or in its own when none is open. */
int reg_audit(reg *r, const char *incident_ref, const char *action, const char *field, const char *old_value,
              const char *new_value);

/* ---- organisation (controller details; org.c) ---- */
struct org_key {
    const char *key; /* "dpo.email" */
    const char *label; /* "DPO e-mail" */
    int kind; /* ORG_TEXT, ORG_EMAIL, ORG_ZONE, ORG_LANGS, ORG_BOOL, ORG_URL, ORG_PHONE, ORG_LANG (one of de, en),
                 ORG_DURATION (ISO 8601, util/ktime.h: the retention policy) */
    int required; /* needed before reports and notices */
    const char *placeholder; /* ORG_DURATION: the default, used while the key is not set */
};
enum { ORG_TEXT, ORG_EMAIL, ORG_ZONE, ORG_LANGS, ORG_BOOL, ORG_URL, ORG_PHONE, ORG_LANG, ORG_DURATION };
extern const struct org_key org_keys[];
extern const size_t org_nkeys;
const struct org_key *org_key_find(const char *key);
/* validate a value for a key; returns 0 or 2 with err ("'x' is not an e-mail address") */
int org_validate(const char *key, const char *value, char *canon, size_t canonlen, char *err, size_t errlen);
/* value or NULL; never placeholder-substituted */
const char *reg_org_get(reg *r, const char *key);
/* forget the cached organisation values (a long-running reader, e.g. serve, calls it when
   another process changed the register); earlier reg_org_get results become invalid */
void reg_org_refresh(reg *r);
int reg_org_set(reg *r, const char *key, const char *value); /* validates, audits */
/* is the value still the placeholder written by init without --org? */
int reg_org_is_placeholder(reg *r, const char *key);
/* The value, or for a key with a default (the retention policy) the default while it is not set
 * (*is_default 1; IS_DEFAULT may be NULL). NULL when a key without a default is not set. Owned as
 * reg_org_get's. */
const char *reg_org_value(reg *r, const char *key, int *is_default);
/* the organisation's time zone (never NULL; "UTC" when unset) */
const char *reg_org_zone(reg *r);
#endif
