/* agents.h — customer-service agents of the portal (docs/agent.md), kept in the register.
 *
 * An agent has a name and a token: "kta_" + base64url (no padding) of 32 random bytes. Only
 * BLAKE2b-256(token) is stored (table agent, schema step 6); the token is shown once by
 * `klartext agent add`. Removing an agent marks its row (rows are never deleted).
 * Conventions as in register.h: 0 or an exit code with reg_err(r); changing functions run in
 * the caller's transaction and write an audit entry. */
#ifndef KT_AGENTS_H
#define KT_AGENTS_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

#define AGENT_TOKEN_LEN 47 /* "kta_" + 43 */
#define AGENT_TOKEN_SIZE (AGENT_TOKEN_LEN + 1)
#define AGENT_NAME_MAX 64

/* 1 when NAME is 1..64 bytes of [A-Za-z0-9._-] */
int agent_name_ok(const char *name);
/* Create agent NAME with a fresh token (written to TOKEN). 2 when the name is invalid or an
 * active agent has it. */
int agent_add(reg *r, const char *name, char token[AGENT_TOKEN_SIZE]);
/* Mark agent NAME removed. 2 when there is no active agent of that name. */
int agent_remove(reg *r, const char *name);

struct agent_rec {
    int64_t id, created_at, removed_at; /* removed_at 0: active */
    char *name, *created_by;
};
/* Every agent (with ALL also removed ones), by name; free with agent_recs_free. */
int agent_list(reg *r, int all, struct agent_rec **out, size_t *n);
void agent_recs_free(struct agent_rec *a, size_t n);

/* Who an agent is for as long as their token is valid: the row (a removed and re-added agent
 * gets a new row) and the hash of the token it was created with. */
struct agent_ident {
    int64_t id;
    uint8_t token_hash[32];
    char name[AGENT_NAME_MAX + 1];
};
/* Look up an active agent by token (any string; hashed, then found by its hash). 0 and
 * *found 1 with WHO filled, or *found 0 (WHO zeroed). */
int agent_check(reg *r, const char *token, struct agent_ident *who, int *found);
/* *valid 1 when WHO (from agent_check) still stands: its row is not removed and holds the same
 * token hash. A session started with a token ends when the agent is removed, even if an agent
 * of the same name is added again. Returns 0 or 1 (reg_err). */
int agent_ident_valid(reg *r, const struct agent_ident *who, int *valid);
/* *active 1 when an agent named NAME exists and is not removed. Returns 0 or 1 (reg_err). */
int agent_active(reg *r, const char *name, int *active);
#endif
