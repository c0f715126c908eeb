/* subjects.h — the subject directory: contact data of the people an incident exposed.
 *
 * `klartext subjects import ID FILE.csv` reads the organisation's directory (docs/rules.md
 * "The subject CSV": header row; columns subject,name,email,language,timezone in any
 * order, optionally salutation and the postal address street, postcode, city, country), validates every row, and stores — in one transaction, as a
 * new import version of the incident — the rows of the people whom the incident's current
 * scan found exposed. Rows of people who were not exposed are counted ("unknown subjects")
 * and not stored: klartext keeps no contact data it does not need (Art. 5(1)(c) GDPR).
 *
 * Exposed people without a row, or whose row has no e-mail address, are "not reachable
 * individually": they are never dropped; the report counts them and the proposal sends them
 * to a public communication (Art. 34(3)(c) GDPR).
 *
 * Row rules: subject non-empty (at most SUBJECT_ID_MAX bytes, no spaces or control
 * characters), subject ids distinct; name and salutation one line each (may be empty);
 * email empty or an address; language de or en (any case; stored lower-case); timezone an
 * IANA zone present in /usr/share/zoneinfo.
 *
 * Ownership: structs filled here own their strings; release them with the matching
 * _release / _free. */
#ifndef KT_SUBJECTS_H
#define KT_SUBJECTS_H
#include <stddef.h>
#include <stdint.h>
#include "register/incident.h"

#define SUBJECTS_MAX_ERRORS 20 /* error messages kept (all are counted) */
#define SUBJECTS_ERR_LEN 320
#define SUBJECT_ID_MAX 128
#define SUBJECT_TEXT_MAX 512 /* name, salutation */
#define SUBJECTS_MAX_FILE ((size_t)1 << 30)

struct subject_rec {
    char *subject, *name, *email, *language, *timezone;
    char *salutation; /* NULL when the column is absent or empty */
    char *street, *postcode, *city, *country; /* the postal address (letters); each NULL when absent or empty */
    long line; /* line of the CSV file it came from */
};

struct subjects_file {
    struct subject_rec *rows; /* sorted by subject, bytewise */
    size_t n;
    long long total; /* data rows in the file (n < total when a keep list
                                           dropped the rows of people not in it) */
    int64_t keep_scan; /* set by the caller: the scan whose exposed people made
                                           the keep list (0 = none); subjects_store refuses the
                                           file when the incident's current scan is another */
};

struct subjects_errors {
    char msg[SUBJECTS_MAX_ERRORS][SUBJECTS_ERR_LEN]; /* "line 7, field 'email': ..." */
    size_t n; /* messages kept, in the order found */
    long long total; /* errors found */
};

/* Parses and validates a whole subject directory (len bytes, at most SUBJECTS_MAX_FILE).
 * Returns 0 with *out filled (caller releases), or 2 with errs filled and *out empty.
 * Every row is checked; a CSV syntax error (broken quote, wrong field count) ends the
 * parse at that line. Messages have no file name (the caller adds it):
 *   "line 1: unknown column 'mail' (expected ...)", "line 1: missing column 'timezone'",
 *   "line 7: unterminated quote", "line 9, field 'timezone': 'Europe/Berln' is not an IANA
 *   time zone", "line 12, field 'subject': 'C01' is already on line 4". */
int subjects_parse(const char *data, size_t len, struct subjects_file *out, struct subjects_errors *errs);
void subjects_file_release(struct subjects_file *f);

/* The same as a stream, so that a file is never held whole: memory is the current record
 * (bounded by the CSV limits: 64 columns, 4096 bytes a field, 64 KiB a record), every row's
 * subject id (for the duplicate check) and the rows that are kept.
 *   subjects_parser_new(keep, nkeep, errs): keep (sorted bytewise, NULL = keep every row)
 *     lists the subject ids whose rows are kept in full; the others are checked and counted
 *     (out->total) but not kept. errs is cleared and filled as rows are checked.
 *   subjects_parser_feed: any split of the input. Returns 0, or 2 once a CSV syntax error or
 *     the SUBJECTS_MAX_FILE limit ended the parse (later feeds do nothing; stop reading).
 *   subjects_parser_finish: 0 with *out filled (caller releases), or 2 (errs filled).
 * NULL from subjects_parser_new means out of memory. */
struct subjects_parser;
struct subjects_parser *subjects_parser_new(const char *const *keep, size_t nkeep, struct subjects_errors *errs);
int subjects_parser_feed(struct subjects_parser *sp, const char *data, size_t len);
int subjects_parser_finish(struct subjects_parser *sp, struct subjects_file *out);
void subjects_parser_free(struct subjects_parser *sp);

/* 1 if s looks like an e-mail address (ASCII local@domain.tld, no spaces or specials). */
int subjects_email_ok(const char *s);

/* How the contact data of an import covers the exposed people of a scan. */
struct subjects_summary {
    int64_t version; /* import version; 0 = no import yet */
    int64_t created_at;
    char *file_name, *file_sha256, *actor;
    int64_t scan_version; /* the current scan it is compared with; 0 = none */
    long long rows; /* rows in the imported file */
    long long exposed; /* people in the current scan */
    long long reachable; /* ... with an e-mail address in the import */
    long long unknown; /* rows of the file for people not exposed (at import) */
    char **unreachable; /* exposed people without one, sorted bytewise (none after a purge) */
    size_t nunreachable;
    long long not_reachable; /* how many: nunreachable, or the count a purge kept */
    int64_t purged_at; /* when the counts were kept before a purge deleted the rows; 0 = never */
};
void subjects_summary_release(struct subjects_summary *s);

/* Stores the file as the incident's next import version (made current), keeping only the
 * rows of people exposed in the current scan; fills *sum; writes a timeline event and audit
 * entries. Must run in a transaction. Returns 0, or an exit code with reg_err (2 when the
 * incident has no scan yet). */
int subjects_store(reg *r, struct incident *inc, const char *file_name, const char *file_sha256,
                   const struct subjects_file *f, struct subjects_summary *sum);

/* The current import compared with the current scan (sum->version 0 when nothing was
 * imported; every exposed person is then unreachable). Returns 0 or an exit code. */
int subjects_summary_get(reg *r, const struct incident *inc, struct subjects_summary *sum);

/* The rows of the current import, sorted by subject. Returns 0 or an exit code. */
int subjects_list(reg *r, const struct incident *inc, struct subject_rec **rows, size_t *n);
/* One person's row of the current import: 0 and *found = 1/0, or an exit code. */
int subjects_get(reg *r, const struct incident *inc, const char *subject, struct subject_rec *out, int *found);
void subject_rec_release(struct subject_rec *s);
void subject_recs_free(struct subject_rec *rows, size_t n);
#endif
