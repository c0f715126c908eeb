/* statement.h — public incident statements (table incident_statement, append-only): what the
 * organisation tells the public about an incident, revision by revision and per language. Each
 * revision is written IN FULL to the transparency log (kind "statement", docs/tlog.md); the
 * portal shows them (docs/serve.md).
 *
 * Conventions as in register.h: 0, or an exit code with the message in reg_err(r). Memory in
 * the structs belongs to the caller: statement_release / statements_free. */
#ifndef KT_STATEMENT_H
#define KT_STATEMENT_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "register/register.h"

struct incident;
struct statement {
    char incident[16]; /* incident ref "2026-0001" */
    int64_t revision; /* 1, 2, … per incident and language */
    char lang[3]; /* "de" | "en" */
    char *title, *text;
    char *facts; /* canonical JSON of the public facts */
    int64_t published_at, log_index;
    char *actor;
};
void statement_release(struct statement *s);
void statements_free(struct statement *s, size_t n);

/* Publish a new revision of INC's public statement in LANG ("de"/"en"), in a transaction:
 * stores the revision, appends it IN FULL to the log (kind "statement": incident, revision,
 * lang, title, published_at, statement, facts {breach_types, approx_people, approx_records,
 * exposure_from, exposure_until}, previous_entry), adds a timeline event and an audit entry.
 * TITLE and TEXT: valid UTF-8, no control characters but newline (TEXT) and tab; TEXT at most
 * 64 KiB. Refuses (2) a revision identical in title, text and facts to the latest one in that
 * language. OUT (may be NULL) receives the stored revision. */
int statement_add(reg *r, const struct incident *inc, const char *lang, const char *title, const char *text,
                  struct statement *out);

/* Statements of the incident with ref INCIDENT_REF (NULL: of every incident), ordered by
 * incident, language, revision; with LATEST_ONLY only the newest revision per incident and
 * language. *out malloc'd (statements_free), NULL when *n is 0. For the portal. */
int statement_list(reg *r, const char *incident_ref, int latest_only, struct statement **out, size_t *n);

/* The log entry of a revision without "kind" and "logged_at" (the append adds them): incident
 * REF, REV, LANG, TITLE, TEXT, FACTS (borrowed; JSON null when unreadable), PUBLISHED_AT and
 * PREV_ENTRY (the log index of the revision before, -1: none, written as null). New reference.
 * `log verify` rebuilds each stored revision's entry with it. */
json_t *statement_entry(const char *ref, int64_t rev, const char *lang, const char *title, const char *text,
                        json_t *facts, int64_t published_at, int64_t prev_entry);
#endif
