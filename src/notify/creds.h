/* creds.h — the SMTP relay's user and password, from a file of mode 0600 or from the
 * environment, never from the command line (docs/notify.md "Sending").
 *
 * Both strings live in sodium_malloc'd memory (guarded, not swapped) and are wiped by
 * creds_free. Errors: 0, or an exit code (1 failure, 2 bad input) with the message in err. */
#ifndef KT_CREDS_H
#define KT_CREDS_H
#include <stddef.h>

struct creds {
    char *user, *password; /* NULL when none were given */
};
/* FILE: "user = NAME" and "password = SECRET" lines (# and ; comments), a regular file of at
 * most 4096 bytes that only its owner may read or write ("'relay.cred' is readable by others
 * (mode 0644): it holds a password; run chmod 600 'relay.cred'"). */
int creds_load(const char *path, struct creds *cr, char *err, size_t errlen);
/* KLARTEXT_SMTP_USER and KLARTEXT_SMTP_PASSWORD, both or neither; the password is wiped from
 * the environment once copied. */
int creds_env(struct creds *cr, char *err, size_t errlen);
void creds_free(struct creds *cr);
#endif
