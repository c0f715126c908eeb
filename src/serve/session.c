/* session.c — agent sessions and the console's form tokens (session.h). A session remembers
 * the agent's row and token hash, not just the name, so that removing an agent ends it even
 * when an agent of the same name is added again (docs/agent.md). */
#include "serve/session.h"
#include "serve/http_parse.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SESSIONS_MAX 512

struct session {
    unsigned char id[32];
    struct agent_ident who;
    double expires;
    int used;
};
static struct session sessions[SESSIONS_MAX];
static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *form_key; /* sodium_malloc'd: 32 random bytes per process */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int session_init(void)
{
    if (!form_key && !(form_key = sodium_malloc(crypto_generichash_KEYBYTES))) return -1;
    randombytes_buf(form_key, crypto_generichash_KEYBYTES);
    return 0;
}

void session_wipe(void)
{
    pthread_mutex_lock(&sess_mu);
    sodium_memzero(sessions, sizeof sessions);
    pthread_mutex_unlock(&sess_mu);
    sodium_free(form_key);
    form_key = NULL;
}

void session_new(const struct agent_ident *who, int minutes, char hex[SESSION_HEX])
{
    unsigned char id[32];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(hex, SESSION_HEX, id, sizeof id);
    double now = mono();
    pthread_mutex_lock(&sess_mu);
    struct session *slot = NULL;
    for (size_t i = 0; i < SESSIONS_MAX; i++) {
        struct session *s = &sessions[i];
        if (!s->used || s->expires < now) {
            slot = s;
            break;
        }
        if (!slot || s->expires < slot->expires) slot = s; /* full: replace the oldest */
    }
    memcpy(slot->id, id, sizeof id);
    slot->who = *who;
    slot->expires = now + 60.0 * minutes;
    slot->used = 1;
    pthread_mutex_unlock(&sess_mu);
    sodium_memzero(id, sizeof id);
}

/* the slot of the session HEX names, or NULL (sess_mu held) */
static struct session *find(const unsigned char id[32])
{
    for (size_t i = 0; i < SESSIONS_MAX; i++)
        if (sessions[i].used && sodium_memcmp(sessions[i].id, id, 32) == 0) return &sessions[i];
    return NULL;
}

int session_get(const char *hex, struct agent_ident *who)
{
    unsigned char id[32];
    if (!hex || http_hex_token(hex, id, sizeof id)) return 0;
    int ok = 0;
    pthread_mutex_lock(&sess_mu);
    struct session *s = find(id);
    if (s && s->expires >= mono()) {
        *who = s->who;
        ok = 1;
    } else if (s) {
        sodium_memzero(s, sizeof *s);
    }
    pthread_mutex_unlock(&sess_mu);
    return ok;
}

void session_drop(const char *hex)
{
    unsigned char id[32];
    if (!hex || http_hex_token(hex, id, sizeof id)) return;
    pthread_mutex_lock(&sess_mu);
    struct session *s = find(id);
    if (s) sodium_memzero(s, sizeof *s);
    pthread_mutex_unlock(&sess_mu);
}

void form_cookie_new(char hex[SESSION_HEX])
{
    unsigned char v[32];
    randombytes_buf(v, sizeof v);
    sodium_bin2hex(hex, SESSION_HEX, v, sizeof v);
}

int form_token(const char *cookie, const char *action, char out[FORM_TOKEN_HEX])
{
    unsigned char c[32], h[16];
    out[0] = 0;
    if (!cookie || !form_key || http_hex_token(cookie, c, sizeof c)) return -1;
    crypto_generichash_state st;
    crypto_generichash_init(&st, form_key, crypto_generichash_KEYBYTES, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)"klartext-form-v1", 17);
    crypto_generichash_update(&st, (const unsigned char *)action, strlen(action) + 1);
    crypto_generichash_update(&st, c, sizeof c);
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, FORM_TOKEN_HEX, h, sizeof h);
    return 0;
}

int form_token_ok(const char *cookie, const char *action, const char *token)
{
    char want[FORM_TOKEN_HEX];
    if (!token || strlen(token) != FORM_TOKEN_HEX - 1 || form_token(cookie, action, want)) return 0;
    int ok = sodium_memcmp(want, token, FORM_TOKEN_HEX - 1) == 0;
    sodium_memzero(want, sizeof want);
    return ok;
}
