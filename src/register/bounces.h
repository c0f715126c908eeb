/* bounces.h — returned mail in the register (schema step 11): which notice a mail server gave
 * back, failed (5.x.x) or delayed (4.x.x), with its status and diagnostic (docs/notify.md
 * "Bounces"). A notice's outbox state is left as it is (`sent`: the relay accepted it); its
 * delivery is what these rows say.
 *
 * Table notice_bounce: one row per returned mail and notice (the SHA-256 of the mail keeps a
 * mailbox read twice from counting twice); append-only.
 *
 * Conventions as in register.h: 0, or an exit code with reg_err(r); changing functions run in
 * the caller's transaction. */
#ifndef KT_BOUNCES_H
#define KT_BOUNCES_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

struct bounce_new {
    int64_t notice; /* the notice's row */
    int64_t incident_id;
    int64_t at; /* when it was read */
    int failed; /* 1 failed, 0 delayed */
    const char *status, *action, *diagnostic, *source; /* "" when none; diagnostic masked */
    const char *sha256; /* of the returned mail (hex) */
};
/* Record a returned mail: 0 with *added 1, or *added 0 when this mail was recorded for that
 * notice before. */
int bounce_add(reg *r, const struct bounce_new *b, int *added);

/* Notices of the incident a server returned, by their worst report: failed, or delayed only. */
int bounce_counts(reg *r, int64_t incident_id, int64_t *failed, int64_t *delayed);

/* The returned notices of the incident (worst report first, then in the order they were made),
 * at most LIMIT. *out is malloc'd (bounce_rows_free). */
struct bounce_row {
    char *notice_id, *rcpt_masked, *status, *diagnostic, *subject;
    int failed;
};
int bounce_list(reg *r, int64_t incident_id, size_t limit, struct bounce_row **out, size_t *n);
void bounce_rows_free(struct bounce_row *b, size_t n);
#endif
