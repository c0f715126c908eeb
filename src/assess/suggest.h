/* suggest.h — what klartext suggests for the ENISA inputs from what is known of an incident:
 * the policy that turns facts (disclosed fields, viewers, people, the incident record, the
 * subject directory) into suggested values with their reasons. Plain data in, no register:
 * the register gathers the facts (assessment_suggest in register/assessments.h).
 * Needs only libc, util/ and enisa.h. */
#ifndef KT_SUGGEST_H
#define KT_SUGGEST_H
#include <stddef.h>
#include <stdint.h>
#include "assess/enisa.h"

/* What is known of one incident. Strings are borrowed; NULL when not known. */
struct suggest_facts {
    /* the incident's current exposure scan */
    int have_scan;
    int64_t scan_version;
    const char *scan_fields; /* union of the disclosed fields, ','-separated */
    long long people; /* people whose data others saw */
    long long viewers; /* distinct viewer identities */
    long long anonymous_viewers; /* ... known only by an IP address */
    /* the subject directory's current import (with a scan); version 0: none */
    int64_t subjects_version;
    long long exposed; /* people of the scan */
    size_t unreachable; /* ... without an e-mail address */
    /* the incident record, canonical values (register/incident.h) */
    const char *breach_types; /* "confidentiality,integrity" */
    const char *cause; /* "hacking" */
    const char *data_categories; /* "name,email" (used when there is no scan) */
    const char *approx_subjects; /* "1200" (used when there is no scan) */
};

/* Fill suggestions into IN (enisa_suggest: values a person gave stay) from F: the category,
 * ease of identification and special categories from the scan's fields (or the record's data
 * categories without a scan); confidentiality from the viewers (or the breach types);
 * integrity and availability from the breach types; malicious intent from the cause; the
 * number of people from the scan (or the record); contacts_known from the subject directory.
 * Each suggestion carries its reason. Returns 0, or -1 with err ("cannot suggest ei: …"). */
int suggest_inputs(const struct suggest_facts *f, struct enisa_input *in, char *err, size_t errlen);

/* The ENISA data category of one disclosed field name (case-insensitive, '_' = '-'):
 * name, email, phone, address, account, … → simple; order-history, location, preferences, …
 * → behavioural; payment-card, bank, iban, income, … → financial; health, religion, … →
 * sensitive (*special = 1: Art. 9/10 data). Unknown names → simple with *known = 0. */
enum enisa_category assessment_field_category(const char *field, int *known, int *special);
/* The i-th field name klartext knows (its category lists above, in order), or NULL past the
 * end: for the tests that every known field has a word in every language. Static. */
const char *assessment_known_field(size_t i);
/* 1 if the field identifies the person directly (name, e-mail, phone, postal address). */
int assessment_field_identifies(const char *field);
#endif
