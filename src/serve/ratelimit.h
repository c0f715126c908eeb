/* ratelimit.h — per-client token buckets and failure back-off (thread-safe, fixed memory). */
#ifndef KT_SERVE_RATELIMIT_H
#define KT_SERVE_RATELIMIT_H
#include <stddef.h>

struct ratelimit;
/* PER_MIN tokens a minute, bursts of up to PER_MIN; at most SLOTS clients are tracked. Slots
 * are found by a keyed hash (SipHash with a random key per table, so clients cannot aim at each
 * other's slots); when a small probe window is full, the slot whose bucket is fullest (then the
 * least recently seen) is reused, so forgetting a client gives back as few tokens as possible.
 * NULL if out of memory. */
struct ratelimit *ratelimit_new(int per_min, size_t slots);
void ratelimit_free(struct ratelimit *rl);
/* Take one token for CLIENT at time NOW (seconds, monotonic). Returns 0 when allowed, else the
 * number of seconds (≥ 1) until the next token. */
int ratelimit_take(struct ratelimit *rl, const char *client, double now);

/* Back-off after failures (wrong agent tokens): a client's first FREE failures cost nothing;
 * each further one locks the client out for twice as long as the one before (1 s, 2 s, 4 s …,
 * at most MAX_LOCK seconds). Failures are forgotten FORGET seconds after the last one. */
struct backoff;
struct backoff *backoff_new(int free_failures, int max_lock, int forget, size_t slots);
void backoff_free(struct backoff *b);
/* 0 when CLIENT may try now, else the seconds (≥ 1) it is still locked out */
int backoff_check(struct backoff *b, const char *client, double now);
/* record a failure; returns the lock-out it starts (0: none yet) */
int backoff_fail(struct backoff *b, const char *client, double now);
/* a success: forget CLIENT's failures */
void backoff_ok(struct backoff *b, const char *client);
#endif
