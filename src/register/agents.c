/* agents.c — the portal's customer-service agents (table agent; see agents.h). */
#include "register/agents.h"
#include "register/reg_int.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (!n || n > AGENT_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
    return 1;
}

static void token_hash(const char *token, uint8_t h[32])
{
    crypto_generichash(h, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int agent_add(reg *r, const char *name, char token[AGENT_TOKEN_SIZE])
{
    if (!agent_name_ok(name))
        return reg_fail(r, 2, "'%.80s' is not a valid agent name (1-64 of A-Z a-z 0-9 . _ -)", name);
    db *d = r->d;
    db_stmt *s = db_prepare(d, "SELECT count(*) FROM agent WHERE name = ? AND removed_at IS NULL");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, name);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    int64_t exists = db_col_int(s, 0);
    db_reset(s);
    if (exists)
        return reg_fail(r, 2, "an agent named '%s' already exists (remove it first to issue a new token)", name);
    unsigned char raw[32];
    if (sodium_init() < 0) return reg_fail(r, 1, "cannot initialise libsodium");
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "kta_", 4);
    sodium_bin2base64(token + 4, AGENT_TOKEN_SIZE - 4, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    uint8_t h[32];
    token_hash(token, h);
    s = db_prepare(d, "INSERT INTO agent(name, token_hash, created_at, created_by) VALUES (?, ?, ?, ?)");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, name);
    db_bind_blob(s, 2, h, sizeof h);
    db_bind_int(s, 3, reg_now(r));
    db_bind_text(s, 4, reg_actor(r));
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    return reg_audit(r, NULL, "agent.add", "name", NULL, name);
}

int agent_remove(reg *r, const char *name)
{
    db *d = r->d;
    db_stmt *s = db_prepare(d, "UPDATE agent SET removed_at = ?, removed_by = ? WHERE name = ? AND removed_at IS NULL");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, reg_now(r));
    db_bind_text(s, 2, reg_actor(r));
    db_bind_text(s, 3, name);
    if (db_step(s) != DB_DONE) return reg_dberr(r);
    if (db_changes(d) == 0) return reg_fail(r, 2, "no agent named '%.80s'", name);
    return reg_audit(r, NULL, "agent.remove", "name", name, NULL);
}

int agent_list(reg *r, int all, struct agent_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_stmt *s = db_prepare(
        r->d, all ? "SELECT id, name, created_at, created_by, coalesce(removed_at, 0) FROM agent ORDER BY name, id"
                  : "SELECT id, name, created_at, created_by, 0 FROM agent WHERE removed_at IS NULL ORDER BY name, id");
    if (!s) return reg_dberr(r);
    size_t cap = 0;
    int st;
    while ((st = db_step(s)) == DB_ROW) {
        *out = xgrow(*out, *n, &cap, sizeof **out, 8);
        struct agent_rec *a = &(*out)[(*n)++];
        a->id = db_col_int(s, 0);
        a->name = xstrdup(db_col_text(s, 1));
        a->created_at = db_col_int(s, 2);
        a->created_by = xstrdup(db_col_text(s, 3));
        a->removed_at = db_col_int(s, 4);
    }
    db_reset(s);
    if (st == DB_ERR) {
        agent_recs_free(*out, *n);
        *out = NULL;
        *n = 0;
        return reg_dberr(r);
    }
    return 0;
}

void agent_recs_free(struct agent_rec *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].name);
        free(a[i].created_by);
    }
    free(a);
}

int agent_check(reg *r, const char *token, struct agent_ident *who, int *found)
{
    uint8_t h[32];
    *found = 0;
    memset(who, 0, sizeof *who);
    token_hash(token, h);
    db_stmt *s = db_prepare(r->d, "SELECT id, name, token_hash FROM agent WHERE token_hash = ? AND removed_at IS NULL");
    if (!s) return reg_dberr(r);
    db_bind_blob(s, 1, h, sizeof h);
    int st = db_step(s);
    if (st == DB_ROW) {
        size_t n = 0;
        const void *b = db_col_blob(s, 2, &n);
        if (b && n == sizeof h && sodium_memcmp(b, h, sizeof h) == 0) {
            who->id = db_col_int(s, 0);
            snprintf(who->name, sizeof who->name, "%s", db_col_text(s, 1));
            memcpy(who->token_hash, h, sizeof h);
            *found = 1;
        }
    }
    db_reset(s);
    sodium_memzero(h, sizeof h);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

int agent_ident_valid(reg *r, const struct agent_ident *who, int *valid)
{
    *valid = 0;
    db_stmt *s = db_prepare(r->d, "SELECT token_hash FROM agent WHERE id = ? AND removed_at IS NULL");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, who->id);
    int st = db_step(s);
    if (st == DB_ROW) {
        size_t n = 0;
        const void *b = db_col_blob(s, 0, &n);
        *valid = b && n == sizeof who->token_hash && sodium_memcmp(b, who->token_hash, n) == 0;
    }
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

int agent_active(reg *r, const char *name, int *active)
{
    *active = 0;
    db_stmt *s = db_prepare(r->d, "SELECT count(*) FROM agent WHERE name = ? AND removed_at IS NULL");
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, name);
    int st = db_step(s);
    if (st == DB_ROW) *active = db_col_int(s, 0) > 0;
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}
