/* org.c — the organisation's details (table org): the fields, their validation, a per-handle
 * cache of the values, and setting them (audited). */
#include "register/reg_int.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct org_key org_keys[] = {
    {"organisation.name", "organisation", ORG_TEXT, 1, "Example Organisation (placeholder)"},
    {"organisation.address", "postal address", ORG_TEXT, 1, "Street 1, 00000 City, Country (placeholder)"},
    {"organisation.timezone", "time zone", ORG_ZONE, 1, "UTC"},
    {"organisation.languages", "languages of notices", ORG_LANGS, 1, "en"},
    {"organisation.records_language", "language the register's free text is written in", ORG_LANG, 0, "en"},
    {"organisation.nis2", "in scope of NIS2", ORG_BOOL, 1, "no"},
    {"dpo.name", "data protection officer", ORG_TEXT, 1, "Data Protection Officer (placeholder)"},
    {"dpo.email", "DPO e-mail", ORG_EMAIL, 1, "dpo@example.invalid"},
    {"dpo.phone", "DPO phone", ORG_PHONE, 1, "+00 000 000000"},
    {"service.phone", "customer-service phone", ORG_PHONE, 1, "+00 000 000000"},
    {"service.hours", "customer-service hours", ORG_TEXT, 1, "Mon-Fri 09:00-17:00 (placeholder)"},
    {"notices.from", "sender of notices", ORG_EMAIL, 1, "privacy@example.invalid"},
    {"notices.reply_to", "reply-to of notices", ORG_EMAIL, 1, "dpo@example.invalid"},
    /* optional: each notice's envelope sender is LOCAL+NOTICE-ID@DOMAIN (VERP), so that returned
       mail names its notice (docs/notify.md "Bounces"); unset, it is notices.from */
    {"notices.bounce_address", "bounce address of notices (VERP)", ORG_EMAIL, 0, NULL},
    {"authority.lead", "lead supervisory authority", ORG_TEXT, 1, "Lead supervisory authority (placeholder)"},
    {"portal.url", "verification portal address", ORG_URL, 1, "https://portal.example.invalid"},
    /* the retention policy (docs/retention.md): the "placeholder" is the default, which applies
       until the organisation sets its own; counted from the incident's closing (viewer identities:
       from the scan, but never before the closing) */
    {"retention.contact_data", "keep names and addresses for", ORG_DURATION, 0, "P6M"},
    {"retention.notices", "keep notices for", ORG_DURATION, 0, "P4Y"},
    {"retention.exposures", "keep per-person exposures for", ORG_DURATION, 0, "P12M"},
    {"retention.viewer_identities", "keep raw viewer identities for", ORG_DURATION, 0, "P30D"},
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
    if (!strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' || dom[strlen(dom) - 1] == '.' || strstr(dom, ".."))
        return 0;
    for (const char *c = dom; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '.')) return 0;
    return 1;
}

/* the languages of notices, in the order given (the first is the default): "de", "en", "de,en" or "en,de" */
static int langs_canon(const char *key, const char *value, char *canon, size_t canonlen, char *err, size_t errlen)
{
    int de = 0, en = 0;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%s", value);
    for (char *save, *tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(tok, "de")) de = 1;
        else if (!strcmp(tok, "en")) en = 1;
        else {
            snprintf(err, errlen, "%s: language '%s' is not supported (de, en)", key, tok);
            return -1;
        }
    }
    if (!de && !en) {
        snprintf(err, errlen, "%s: no language given", key);
        return -1;
    }
    /* keep the order given: the first language is the default */
    const char *first = strstr(value, "de") && (!strstr(value, "en") || strstr(value, "de") < strstr(value, "en"))
                            ? "de"
                            : "en";
    if (de && en) snprintf(canon, canonlen, "%s,%s", first, strcmp(first, "de") ? "de" : "en");
    else snprintf(canon, canonlen, "%s", de ? "de" : "en");
    return 0;
}

/* the bounce address (an e-mail address): each notice adds "+NOTICE-ID" to its local part */
static int bounce_ok(const char *key, const char *value, char *err, size_t errlen)
{
    if (!strchr(value, '+') && strrchr(value, '@') - value <= 40) return 0;
    snprintf(err, errlen,
             "%s: '%s': each notice adds '+NOTICE-ID' to the local part (bounces+2026-0001-000042@…), so it must hold "
             "no '+' and be at most 40 characters long",
             key, value);
    return 2;
}

int org_validate(const char *key, const char *value, char *canon, size_t canonlen, char *err, size_t errlen)
{
    const struct org_key *k = org_key_find(key);
    if (!k) {
        snprintf(err, errlen, "unknown organisation field '%s' (see 'klartext org show' for the fields)", key);
        return 2;
    }
    if (!*value) {
        snprintf(err, errlen, "%s: empty value", key);
        return 2;
    }
    if (strlen(value) > 2000) {
        snprintf(err, errlen, "%s: value too long", key);
        return 2;
    }
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        if (*c < ' ' && *c != '\t') {
            snprintf(err, errlen, "%s: control character in value", key);
            return 2;
        }
    snprintf(canon, canonlen, "%s", value);
    switch (k->kind) {
    case ORG_EMAIL:
        if (!email_ok(value)) {
            snprintf(err, errlen, "%s: '%s' is not an e-mail address", key, value);
            return 2;
        }
        if (!strcmp(key, "notices.bounce_address")) return bounce_ok(key, value, err, errlen);
        break;
    case ORG_ZONE:
        if (!kt_zone_valid(value)) {
            snprintf(err, errlen, "%s: '%s' is not an IANA time zone (e.g. Europe/Berlin)", key, value);
            return 2;
        }
        break;
    case ORG_BOOL:
        if (!strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1")) snprintf(canon, canonlen, "yes");
        else if (!strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0"))
            snprintf(canon, canonlen, "no");
        else {
            snprintf(err, errlen, "%s: '%s' is not yes or no", key, value);
            return 2;
        }
        break;
    case ORG_LANGS:
        if (langs_canon(key, value, canon, canonlen, err, errlen)) return 2;
        break;
    case ORG_LANG:
        if (strcmp(value, "de") && strcmp(value, "en")) {
            snprintf(err, errlen, "%s: language '%s' is not supported (de or en)", key, value);
            return 2;
        }
        break;
    case ORG_URL:
        if (strncmp(value, "https://", 8) && strncmp(value, "http://", 7)) {
            snprintf(err, errlen, "%s: '%s' is not an http(s):// address", key, value);
            return 2;
        }
        if (strpbrk(value, " \t\"<>")) {
            snprintf(err, errlen, "%s: '%s' is not a valid address", key, value);
            return 2;
        }
        { /* no trailing slash: paths are appended */
            size_t n = strlen(canon);
            while (n > 8 && canon[n - 1] == '/') canon[--n] = 0;
        }
        break;
    case ORG_DURATION: {
        struct kt_period p;
        char e[256];
        if (kt_period_parse(value, &p, e, sizeof e)) {
            snprintf(err, errlen, "%s: %s", key, e);
            return 2;
        }
        break;
    }
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
    if (db_step(s) == DB_ROW && r->org_ncache < REG_ORG_CACHE) {
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
    if (k && k->kind == ORG_DURATION) return 0; /* a default, not a placeholder */
    const char *v = reg_org_get(r, key);
    if (k && !k->placeholder) return 0; /* optional, nothing stands in for it */
    return !v || (k && !strcmp(v, k->placeholder) && strcmp(key, "organisation.timezone") &&
                  strcmp(key, "organisation.languages") && strcmp(key, "organisation.nis2") &&
                  strcmp(key, "organisation.records_language"));
}

const char *reg_org_value(reg *r, const char *key, int *is_default)
{
    const struct org_key *k = org_key_find(key);
    const char *v = reg_org_get(r, key);
    if (is_default) *is_default = !v && k && k->kind == ORG_DURATION;
    return v || !k || k->kind != ORG_DURATION ? v : k->placeholder;
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
    if (oldcopy && !strcmp(oldcopy, canon)) {
        free(oldcopy);
        return 0;
    }
    db_stmt *s = db_prepare(
        r->d, "INSERT INTO org(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s) {
        free(oldcopy);
        return reg_dberr(r);
    }
    db_bind_text(s, 1, key);
    db_bind_text(s, 2, canon);
    if (db_step(s) != DB_DONE) {
        free(oldcopy);
        return reg_dberr(r);
    }
    reg_org_cache_clear(r);
    rc = reg_audit(r, NULL, "org.set", key, oldcopy, canon);
    free(oldcopy);
    return rc;
}

void reg_org_refresh(reg *r)
{
    if (r) reg_org_cache_clear(r);
}
