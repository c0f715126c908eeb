/* fuzz_subjects.c — libFuzzer target for the subject directory parser (src/register/subjects.c).
 *
 * Input: the bytes of a subject directory CSV. Checked properties:
 *   1. no crash, no leak, no undefined behaviour;
 *   2. on success: rows sorted by subject with distinct ids; every row valid by the rules of
 *      subjects.h (non-empty id without spaces, e-mail empty or an address, language de/en,
 *      a time zone name, one-line name and salutation); lines increasing from 2;
 *   3. on failure: no rows, at least one message, each naming a line (or the empty input),
 *      and total ≥ messages kept. */
#include "register/subjects.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_text(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < ' ' || *c == 0x7f) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct subjects_file f;
    struct subjects_errors *e = malloc(sizeof *e);
    if (!e) return 0;
    int rc = subjects_parse((const char *)data, size, &f, e);
    if (rc == 0) {
        if (e->total || e->n) abort();
        for (size_t i = 0; i < f.n; i++) {
            const struct subject_rec *r = &f.rows[i];
            if (!r->subject[0] || strlen(r->subject) > SUBJECT_ID_MAX) abort();
            for (const unsigned char *c = (const unsigned char *)r->subject; *c; c++)
                if (*c <= ' ') abort();
            if (i && strcmp(f.rows[i - 1].subject, r->subject) >= 0) abort();
            if (r->email[0] && !subjects_email_ok(r->email)) abort();
            if (strcmp(r->language, "de") && strcmp(r->language, "en")) abort();
            if (!r->timezone[0]) abort();
            check_text(r->name);
            if (r->salutation) {
                if (!r->salutation[0]) abort();
                check_text(r->salutation);
            }
            if (r->line < 2) abort();
        }
        subjects_file_release(&f);
    } else {
        if (rc != 2 || f.rows || f.n) abort();
        if (e->n == 0 || e->total < (long long)e->n || e->n > SUBJECTS_MAX_ERRORS) abort();
        for (size_t i = 0; i < e->n; i++) {
            if (!memchr(e->msg[i], 0, SUBJECTS_ERR_LEN)) abort();
            if (strncmp(e->msg[i], "line ", 5) && strncmp(e->msg[i], "empty input", 11) &&
                strncmp(e->msg[i], "out of memory", 13))
                abort();
        }
    }
    free(e);
    return 0;
}
