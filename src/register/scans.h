/* scans.h — exposure scans in the register: store a scan_result as a new scan version,
 * read exposures back. */
#ifndef KT_SCANS_H
#define KT_SCANS_H
#include <stdint.h>
#include "register/incident.h"
#include "scan/scan.h"

/* Store RES as the incident's next scan version and make it current; update the incident's
 * approximate numbers of people and records (audited) and append a timeline event with the
 * rule (text and SHA-256), each input file, and the line counts. Must run in a transaction.
 * Returns 0 (and *version) or an exit code with reg_err. */
int scans_store(reg *r, struct incident *inc, const scan_rule *rule, const scan_result *res, int keep_viewers,
                int check_all, int64_t *version);

struct scan_info {
    int64_t id, version, created_at, people, records, views, viewers, lines, lines_parsed, lines_matched, malformed,
        odd_requests, first_seen, last_seen;
    int keep_viewers;
    char rule_sha256[65];
};
/* the current scan of the incident (or version V when V > 0). Returns 0, or 2 when there is
 * none ("incident 2026-0001 has no scan yet: run 'klartext scan --incident …'") */
int scans_get(reg *r, const struct incident *inc, int64_t version, struct scan_info *out);

struct exposure_row {
    char *subject, *fields; /* fields ';'-separated (field names hold no ';'), sorted */
    char **pages; /* the pages, sorted bytewise, NULL-terminated (one allocation, see semilist.h) */
    size_t npages;
    int64_t first_seen, last_seen;
    int64_t views, viewers, signed_in_viewers, anonymous_viewers;
};
/* rows of a scan, sorted by subject bytewise (only SUBJECT when non-NULL) */
int scans_exposures(reg *r, int64_t scan_id, const char *subject, struct exposure_row **out, size_t *n);
void exposure_rows_free(struct exposure_row *rows, size_t n);
/* The same rows one at a time, in the same order, without holding them all (the CSV of millions of
 * people): FN gets each row, valid during the call only; a non-zero return stops the walk and is
 * returned. Returns 0, FN's value, or 1 (reg_err). */
int scans_exposures_each(reg *r, int64_t scan_id, const char *subject,
                         int (*fn)(const struct exposure_row *e, void *arg), void *arg);
/* The subject seen by the most viewers (then views, then name) in any incident's current scan,
 * into SUBJECT ("" when there is none). Returns 0 or 1 (reg_err). For the demo. */
int scans_most_viewed(reg *r, char *subject, size_t len);
/* The counts a purge stored for SCAN_ID before it deleted the scan's per-person rows (purge.h):
 * 0 and *found 1, or *found 0 when its rows were never purged. FIELDS is malloc'd (the disclosed
 * fields, ','-separated, sorted; scans_kept_release). */
struct scans_kept {
    char *fields;
    int64_t viewers, anonymous_viewers, exposed, reachable, unreachable, stored_at;
};
int scans_kept_get(reg *r, int64_t scan_id, struct scans_kept *k, int *found);
void scans_kept_release(struct scans_kept *k);
/* hourly histogram of a scan: hour start -> views */
int scans_hours(reg *r, int64_t scan_id, int64_t **hours, int64_t **views, size_t *n);
#endif
