/* session.h — the agent console's sessions and form tokens (in memory only; a restart signs
 * everyone out). Internal to src/serve/. docs/agent.md describes both. */
#ifndef KT_SERVE_SESSION_H
#define KT_SERVE_SESSION_H
#include "register/agents.h"

#define SESSION_HEX 65 /* 64 lower-case hex digits + NUL: a session id or a form cookie */
#define FORM_TOKEN_HEX 33 /* 32 hex digits + NUL: a form's token */

/* Set up (a fresh random key for the form tokens) and wipe everything (at shutdown).
 * session_init returns 0, or -1 when no guarded memory could be had. */
int session_init(void);
void session_wipe(void);

/* A new session for WHO (agent_check's answer) lasting MINUTES; its id as 64 lower-case hex
 * digits in HEX. When all slots are taken, the session closest to its end is replaced. */
void session_new(const struct agent_ident *who, int minutes, char hex[SESSION_HEX]);
/* 1 and WHO when HEX (a cookie value) is exactly the id of a live session; 0 otherwise. The
 * caller still checks WHO against the register (agent_ident_valid). */
int session_get(const char *hex, struct agent_ident *who);
/* End the session HEX names (nothing when it names none). */
void session_drop(const char *hex);

/* A fresh form cookie value (64 hex digits) in HEX. */
void form_cookie_new(char hex[SESSION_HEX]);
/* The token a form posting to ACTION carries for the form cookie COOKIE (64 hex digits):
 * a keyed BLAKE2b of both, in hex. Returns 0, or -1 (OUT "") when COOKIE is not a form cookie. */
int form_token(const char *cookie, const char *action, char out[FORM_TOKEN_HEX]);
/* 1 when TOKEN is form_token(COOKIE, ACTION) (compared in constant time), else 0. */
int form_token_ok(const char *cookie, const char *action, const char *token);
#endif
