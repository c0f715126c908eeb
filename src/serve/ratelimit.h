/* ratelimit.h — per-client token buckets (thread-safe, fixed memory). */
#ifndef KT_SERVE_RATELIMIT_H
#define KT_SERVE_RATELIMIT_H
#include <stddef.h>

struct ratelimit;
/* PER_MIN tokens a minute, bursts of up to PER_MIN; at most SLOTS clients are tracked (the
 * least recently seen of a small probe window is forgotten first). NULL if out of memory. */
struct ratelimit *ratelimit_new(int per_min, size_t slots);
void ratelimit_free(struct ratelimit *rl);
/* Take one token for CLIENT at time NOW (seconds, monotonic). Returns 0 when allowed, else the
 * number of seconds (≥ 1) until the next token. */
int ratelimit_take(struct ratelimit *rl, const char *client, double now);
#endif
