/* report_data.h — what the Art. 33 report (src/report/) reads from the register besides the
 * incident, scans, subjects, assessments, decisions and filings, which have their own headers:
 * the rule text a scan ran with, the words that identify the people of an incident (which the
 * report removes from free text), and what became of the incident's personal notices.
 *
 * Functions return 0, or an exit code (1) with the message in reg_err(). Read-only: no
 * transaction needed. */
#ifndef KT_REPORT_DATA_H
#define KT_REPORT_DATA_H
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

/* The rule text (INI) scan scan_id ran with: *text a new string (caller frees), or NULL when
 * there is no such scan. */
int report_data_rule_text(reg *r, int64_t scan_id, char **text);

/* A list of strings; every string and the array are owned by the list (report_words_free). */
struct report_words {
    char **v;
    size_t n, cap;
};
void report_words_free(struct report_words *w);

/* Appends to *w every word that identifies a person of the incident: the subject ids exposed in
 * scan scan_id, the viewer identities that scan kept, the e-mail addresses and subject ids
 * of the incident's imported contact data (every import), and the words a purge kept because they
 * stand in the incident's free text (purge.h). Unsorted; a word may appear more than
 * once; NULL values are left out. */
int report_data_personal_words(reg *r, int64_t incident_id, int64_t scan_id, struct report_words *w);

/* What became of the incident's personal notices, as the outbox says now. made: every notice
 * made and signed, except those superseded by a newer version; sent: accepted by the mail
 * server; written: written to files for the organisation to deliver; pending: queued, or failed
 * and to be tried again (fewer than REPORT_NOTICE_MAX_ATTEMPTS attempts, not refused for good);
 * unknown: interrupted while sending (held for review); failed: failed for good; cancelled.
 * followups: of made, follow-ups after a new scan; returned_failed / returned_delayed: notices
 * a mail server gave back as undeliverable (5.x.x) / delayed (4.x.x) (notify --bounces);
 * letters and not_reached: below. */
struct report_notices {
    int64_t made, sent, written, pending, unknown, failed, cancelled;
    int64_t followups, returned_failed, returned_delayed;
    int64_t letters; /* printed letters (notify --letters), not among the counts above */
    int64_t not_reached; /* people exposed in the current scan with neither an e-mail notice that a mail
                            server accepted (and did not return as failed), nor one written to a file,
                            nor a letter: the people not told individually (yet); -1 after a purge */
};
#define REPORT_NOTICE_MAX_ATTEMPTS 5 /* notify's default --max-attempts (OUTBOX_MAX_ATTEMPTS) */
int report_data_notices(reg *r, int64_t incident_id, struct report_notices *out);
/* The people exposed in the incident's current scan who were not told individually: no e-mail
 * notice accepted by a mail server (sent, or of unknown delivery) and not returned as failed, none
 * written to a file, no letter. -1 when a retention purge deleted the scan's per-person rows
 * (docs/retention.md): then it cannot be counted any more. */
int report_data_not_reached(reg *r, int64_t incident_id, int64_t *n);
#endif
