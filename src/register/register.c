/* register.c — opening, migrating, the audit trail and the organisation's details. */
#include "register/register.h"
#include "register/schema.h"
#include "register/tlog_store.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reg {
    db *d;
    char *path, *actor, *command;
    int64_t now;
    char err[REG_ERRLEN];
    char *org_cache_key[64], *org_cache_val[64];
    int org_ncache;
};

db *reg_db(reg *r) { return r->d; }
const char *reg_path(const reg *r) { return r->path; }
const char *reg_err(const reg *r) { return r->err; }
int64_t reg_now(const reg *r) { return r->now; }
const char *reg_actor(const reg *r) { return r->actor; }

int reg_fail(reg *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return code;
}

int reg_dberr(reg *r)
{
    snprintf(r->err, sizeof r->err, "%s", db_errmsg(r->d));
    return 1;
}

int reg_begin(reg *r) { return db_begin(r->d) ? reg_dberr(r) : 0; }
int reg_commit(reg *r) { return db_commit(r->d) ? reg_dberr(r) : 0; }
void reg_rollback(reg *r) { if (r && r->d) db_rollback(r->d); }

static void org_cache_clear(reg *r)
{
    for (int i = 0; i < r->org_ncache; i++) { free(r->org_cache_key[i]); free(r->org_cache_val[i]); }
    r->org_ncache = 0;
}

void reg_org_refresh(reg *r) { if (r) org_cache_clear(r); }

void reg_close(reg *r)
{
    if (!r) return;
    org_cache_clear(r);
    db_close(r->d);
    free(r->path); free(r->actor); free(r->command);
    free(r);
}

int reg_schema_version(reg *r, int64_t *v)
{
    int found;
    int64_t n;
    if (db_query_int(r->d, "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='meta'", NULL, &n, &found))
        return reg_dberr(r);
    if (!n) { *v = 0; return 0; }
    db_stmt *s = db_prepare(r->d, "SELECT value FROM meta WHERE key='schema_version'");
    if (!s) return reg_dberr(r);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    *v = rc == DB_ROW ? strtoll(db_col_text(s, 0), NULL, 10) : 0;
    db_reset(s);
    return 0;
}

int reg_migrate_to(reg *r, int64_t target)
{
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) return rc;
    if (v >= target) return 0;
    if ((rc = reg_begin(r))) return rc;
    for (size_t i = 0; i < schema_nsteps; i++) {
        const struct schema_step *st = &schema_steps[i];
        if (st->version <= v || st->version > target) continue;
        if (db_exec(r->d, st->sql)) goto dberr;
        if (st->fn && st->fn(r->d)) goto dberr;
        char ver[32];
        snprintf(ver, sizeof ver, "%lld", (long long)st->version);
        db_stmt *s = db_prepare(r->d, "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        if (!s || db_bind_text(s, 1, ver) || db_step(s) != DB_DONE) goto dberr;
        char old[32];
        snprintf(old, sizeof old, "%lld", (long long)v);
        if ((rc = reg_audit(r, NULL, v == 0 ? "register.create" : "register.migrate", "schema_version",
                            v == 0 ? NULL : old, ver))) { reg_rollback(r); return rc; }
        v = st->version;
    }
    if (v == 1 || target >= 1) {
        db_stmt *s = db_prepare(r->d, "INSERT OR IGNORE INTO meta(key, value) VALUES ('application', 'klartext')");
        if (!s || db_step(s) != DB_DONE) goto dberr;
    }
    return reg_commit(r);
dberr:
    rc = reg_dberr(r);
    reg_rollback(r);
    return rc;
}

int reg_open(const char *path, int flags, const char *actor, const char *command, int64_t now,
             reg **out, char *err, size_t errlen)
{
    int kind;
    *out = NULL;
    /* a reading command gets a read-only connection: it cannot change the register by mistake,
       and it works where the register cannot be written (read-only media, another user's) */
    int ro = !(flags & REG_OPEN_CREATE) && (flags & REG_OPEN_READONLY);
    db *d = db_open(path, (flags & REG_OPEN_CREATE) ? DB_OPEN_CREATE : ro ? DB_OPEN_READONLY : 0, err, errlen, &kind);
    if (!d) return (flags & REG_OPEN_CREATE) && strstr(err, "already exists") ? 1 : 1;
    reg *r = xcalloc(1, sizeof *r);
    r->d = d;
    r->path = xstrdup(path);
    r->actor = xstrdup(actor && *actor ? actor : "unknown");
    r->command = xstrdup(command ? command : "");
    r->now = now;
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) goto fail;
    if (!(flags & REG_OPEN_CREATE)) {
        int found;
        int64_t app = 0;
        if (v == 0 || db_query_int(d, "SELECT count(*) FROM meta WHERE key='application' AND value='klartext'", NULL, &app, &found) || !app) {
            rc = reg_fail(r, 1, "'%s' is not a klartext register", path);
            goto fail;
        }
        if (v > REG_SCHEMA_VERSION) {
            rc = reg_fail(r, 1, "register '%s' has schema version %lld, but this klartext (%s) knows only up to %lld: use a newer klartext",
                          path, (long long)v, KLARTEXT_VERSION, (long long)REG_SCHEMA_VERSION);
            goto fail;
        }
    }
    int64_t target = REG_SCHEMA_VERSION;
    const char *t = getenv("KLARTEXT_TEST_SCHEMA");
    if ((flags & REG_OPEN_CREATE) && t && *t) target = strtoll(t, NULL, 10);
    if (v < target && ro) {
        /* an older register is brought up to date first, by whatever command opens it */
        db_close(r->d);
        r->d = d = db_open(path, 0, err, errlen, &kind);
        if (!d) { reg_close(r); return 1; }
    }
    if (v < target && (rc = reg_migrate_to(r, target))) goto fail;
    *out = r;
    return 0;
fail:
    snprintf(err, errlen, "%s", r->err);
    reg_close(r);
    return rc;
}

int reg_audit(reg *r, const char *incident_ref, const char *action, const char *field,
              const char *old_value, const char *new_value)
{
    /* from the schema version of tlog_audit_chain_migrate on, every row is hash-chained to the
       one before it (tlog_audit_hash; `klartext log verify` checks the chain) */
    int64_t v;
    int rc;
    if ((rc = reg_schema_version(r, &v))) return rc;
    if (v < tlog_audit_chain_version()) {
        db_stmt *s = db_prepare(r->d, "INSERT INTO audit(at, actor, command, incident_ref, action, field, old_value, new_value) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        if (!s) return reg_dberr(r);
        db_bind_int(s, 1, r->now);
        db_bind_text(s, 2, r->actor);
        db_bind_text(s, 3, r->command);
        db_bind_text(s, 4, incident_ref);
        db_bind_text(s, 5, action);
        db_bind_text(s, 6, field);
        db_bind_text(s, 7, old_value);
        db_bind_text(s, 8, new_value);
        return db_step(s) == DB_DONE ? 0 : reg_dberr(r);
    }
    int own_tx = !db_in_tx(r->d);
    if (own_tx && (rc = reg_begin(r))) return rc;
    uint8_t prev[MERKLE_HASH_LEN] = {0}, hash[MERKLE_HASH_LEN];
    int64_t id = 1;
    db_stmt *s = db_prepare(r->d, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!s) goto dberr;
    int st = db_step(s);
    if (st == DB_ERR) goto dberr;
    if (st == DB_ROW) {
        size_t n = 0;
        const void *h = db_col_blob(s, 1, &n);
        id = db_col_int(s, 0) + 1;
        if (h && n == sizeof prev) memcpy(prev, h, sizeof prev);   /* else a broken chain: log verify reports it */
    }
    db_reset(s);
    tlog_audit_hash(prev, id, r->now, r->actor, r->command, incident_ref, action, field, old_value, new_value, hash);
    s = db_prepare(r->d, "INSERT INTO audit(id, at, actor, command, incident_ref, action, field, old_value, new_value, prev_hash, hash) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) goto dberr;
    db_bind_int(s, 1, id);
    db_bind_int(s, 2, r->now);
    db_bind_text(s, 3, r->actor);
    db_bind_text(s, 4, r->command);
    db_bind_text(s, 5, incident_ref);
    db_bind_text(s, 6, action);
    db_bind_text(s, 7, field);
    db_bind_text(s, 8, old_value);
    db_bind_text(s, 9, new_value);
    db_bind_blob(s, 10, prev, sizeof prev);
    db_bind_blob(s, 11, hash, sizeof hash);
    if (db_step(s) != DB_DONE) goto dberr;
    return own_tx ? reg_commit(r) : 0;
dberr:
    rc = reg_dberr(r);
    if (own_tx) reg_rollback(r);
    return rc;
}

/* ---------------- organisation ---------------- */

const struct org_key org_keys[] = {
    {"organisation.name",      "organisation",                  ORG_TEXT,  1, "Example Organisation (placeholder)"},
    {"organisation.address",   "postal address",                ORG_TEXT,  1, "Street 1, 00000 City, Country (placeholder)"},
    {"organisation.timezone",  "time zone",                     ORG_ZONE,  1, "UTC"},
    {"organisation.languages", "languages of notices",          ORG_LANGS, 1, "en"},
    {"organisation.nis2",      "in scope of NIS2",              ORG_BOOL,  1, "no"},
    {"dpo.name",               "data protection officer",       ORG_TEXT,  1, "Data Protection Officer (placeholder)"},
    {"dpo.email",              "DPO e-mail",                    ORG_EMAIL, 1, "dpo@example.invalid"},
    {"dpo.phone",              "DPO phone",                     ORG_PHONE, 1, "+00 000 000000"},
    {"service.phone",          "customer-service phone",        ORG_PHONE, 1, "+00 000 000000"},
    {"service.hours",          "customer-service hours",        ORG_TEXT,  1, "Mon-Fri 09:00-17:00 (placeholder)"},
    {"notices.from",           "sender of notices",             ORG_EMAIL, 1, "privacy@example.invalid"},
    {"notices.reply_to",       "reply-to of notices",           ORG_EMAIL, 1, "dpo@example.invalid"},
    {"authority.lead",         "lead supervisory authority",    ORG_TEXT,  1, "Lead supervisory authority (placeholder)"},
    {"portal.url",             "verification portal address",   ORG_URL,   1, "https://portal.example.invalid"},
};
const size_t org_nkeys = sizeof org_keys / sizeof org_keys[0];

const struct org_key *org_key_find(const char *key)
{
    for (size_t i = 0; i < org_nkeys; i++)
        if (strcmp(org_keys[i].key, key) == 0) return &org_keys[i];
    return NULL;
}

static int email_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s || !at[1] || strlen(s) > 254 || at - s > 64) return 0;
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u <= ' ' || u >= 0x7f || strchr("\"(),:;<>[\\]", u)) return 0;
    }
    const char *dom = at + 1;
    if (!strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' || dom[strlen(dom) - 1] == '.' || strstr(dom, "..")) return 0;
    for (const char *c = dom; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '.')) return 0;
    return 1;
}

int org_validate(const char *key, const char *value, char *canon, size_t canonlen, char *err, size_t errlen)
{
    const struct org_key *k = org_key_find(key);
    if (!k) {
        snprintf(err, errlen, "unknown organisation field '%s' (see 'klartext org show' for the fields)", key);
        return 2;
    }
    if (!*value) { snprintf(err, errlen, "%s: empty value", key); return 2; }
    if (strlen(value) > 2000) { snprintf(err, errlen, "%s: value too long", key); return 2; }
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < ' ' && *c != '\t') { snprintf(err, errlen, "%s: control character in value", key); return 2; }
    snprintf(canon, canonlen, "%s", value);
    switch (k->kind) {
    case ORG_EMAIL:
        if (!email_ok(value)) { snprintf(err, errlen, "%s: '%s' is not an e-mail address", key, value); return 2; }
        break;
    case ORG_ZONE:
        if (!kt_zone_valid(value)) {
            snprintf(err, errlen, "%s: '%s' is not an IANA time zone (e.g. Europe/Berlin)", key, value);
            return 2;
        }
        break;
    case ORG_BOOL:
        if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) snprintf(canon, canonlen, "yes");
        else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0")) snprintf(canon, canonlen, "no");
        else { snprintf(err, errlen, "%s: '%s' is not yes or no", key, value); return 2; }
        break;
    case ORG_LANGS: {
        int de = 0, en = 0;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", value);
        for (char *save, *tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            if (!strcmp(tok, "de")) de = 1;
            else if (!strcmp(tok, "en")) en = 1;
            else { snprintf(err, errlen, "%s: language '%s' is not supported (de, en)", key, tok); return 2; }
        }
        if (!de && !en) { snprintf(err, errlen, "%s: no language given", key); return 2; }
        /* keep the order given: the first language is the default */
        const char *first = strstr(value, "de") && (!strstr(value, "en") || strstr(value, "de") < strstr(value, "en")) ? "de" : "en";
        if (de && en) snprintf(canon, canonlen, "%s,%s", first, strcmp(first, "de") ? "de" : "en");
        else snprintf(canon, canonlen, "%s", de ? "de" : "en");
        break;
    }
    case ORG_URL:
        if (strncmp(value, "https://", 8) && strncmp(value, "http://", 7)) {
            snprintf(err, errlen, "%s: '%s' is not an http(s):// address", key, value);
            return 2;
        }
        if (strpbrk(value, " \t\"<>")) { snprintf(err, errlen, "%s: '%s' is not a valid address", key, value); return 2; }
        {   /* no trailing slash: paths are appended */
            size_t n = strlen(canon);
            while (n > 8 && canon[n - 1] == '/') canon[--n] = 0;
        }
        break;
    case ORG_PHONE:
        for (const char *c = value; *c; c++)
            if (!(isdigit((unsigned char)*c) || strchr("+ -()/.", *c))) {
                snprintf(err, errlen, "%s: '%s' is not a phone number", key, value);
                return 2;
            }
        break;
    default: break;
    }
    return 0;
}

const char *reg_org_get(reg *r, const char *key)
{
    for (int i = 0; i < r->org_ncache; i++)
        if (!strcmp(r->org_cache_key[i], key)) return r->org_cache_val[i];
    db_stmt *s = db_prepare(r->d, "SELECT value FROM org WHERE key = ?");
    if (!s) return NULL;
    db_bind_text(s, 1, key);
    const char *v = NULL;
    if (db_step(s) == DB_ROW && r->org_ncache < 64) {
        r->org_cache_key[r->org_ncache] = xstrdup(key);
        r->org_cache_val[r->org_ncache] = xstrdup(db_col_text(s, 0));
        v = r->org_cache_val[r->org_ncache++];
    }
    db_reset(s);
    return v;
}

int reg_org_is_placeholder(reg *r, const char *key)
{
    const struct org_key *k = org_key_find(key);
    const char *v = reg_org_get(r, key);
    return !v || (k && !strcmp(v, k->placeholder) && strcmp(key, "organisation.timezone") &&
                  strcmp(key, "organisation.languages") && strcmp(key, "organisation.nis2"));
}

const char *reg_org_zone(reg *r)
{
    const char *z = reg_org_get(r, "organisation.timezone");
    return z && *z ? z : "UTC";
}

int reg_org_set(reg *r, const char *key, const char *value)
{
    char canon[2048], err[512];
    int rc = org_validate(key, value, canon, sizeof canon, err, sizeof err);
    if (rc) return reg_fail(r, rc, "%s", err);
    const char *old = reg_org_get(r, key);
    char *oldcopy = old ? xstrdup(old) : NULL;
    if (oldcopy && !strcmp(oldcopy, canon)) { free(oldcopy); return 0; }
    db_stmt *s = db_prepare(r->d, "INSERT INTO org(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s) { free(oldcopy); return reg_dberr(r); }
    db_bind_text(s, 1, key);
    db_bind_text(s, 2, canon);
    if (db_step(s) != DB_DONE) { free(oldcopy); return reg_dberr(r); }
    org_cache_clear(r);
    rc = reg_audit(r, NULL, "org.set", key, oldcopy, canon);
    free(oldcopy);
    return rc;
}
