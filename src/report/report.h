/* report.h — the notification to the supervisory authority (Art. 33(3) GDPR) and the register
 * of breaches (Art. 33(5) GDPR).
 *
 * A report is rendered from a model that report_load fills from the register: the incident,
 * the organisation, the current scan (counts, viewers, views per hour), the subject directory
 * (counts only), the assessments, decisions and filings, and the timeline. The same model gives
 * every format:
 *   text   plain UTF-8, 80 columns, for e-mail or a web form;
 *   html   one self-contained printable page (print CSS, inline SVG chart, everything escaped);
 *   json   the facts for machines (times in UTC);
 *   veris  VERIS 1.4 JSON (the GDPR facts under "plus.gdpr").
 * Text and HTML exist in English and German.
 *
 * Privacy: a report holds no personal data of the affected people — no subject ids, names,
 * addresses or viewer identities; only counts and categories (ICO form; EDPB 9/2022).
 *
 * Determinism: the output depends only on the register (and lang, format, zone), never on the
 * clock: "status as of" is the time of the last change to the incident. So the bytes that were
 * sent can be rendered again and their SHA-256 recorded when the filing is recorded.
 *
 * Ownership: report_load allocates the model (report_free). Renderers append to a caller's
 * struct buf. */
#ifndef KT_REPORT_H
#define KT_REPORT_H
#include <stdint.h>
#include <jansson.h>
#include "register/incident.h"
#include "register/report_data.h"
#include "util/buf.h"

enum report_format { REPORT_TEXT, REPORT_HTML, REPORT_JSON, REPORT_VERIS };
enum report_lang { REPORT_EN = 0, REPORT_DE = 1 };

/* "text", "html", "json", "veris" → 0 and *out; -1 for anything else */
int report_format_parse(const char *s, enum report_format *out);
const char *report_format_name(enum report_format f);

struct report;

/* Loads everything the report of inc needs. Returns 0, or an exit code with reg_err. */
int report_load(reg *r, const struct incident *inc, struct report **out);
void report_free(struct report *m);
/* The words that identify a person of INC and stand in its free text (record, timeline, reasons,
 * decisions): what the report replaces there. A purge keeps them (purge_keep_words), so that the
 * report still hides them once the per-person rows they came from are gone. *OUT is filled
 * (report_words_free; a word may appear more than once). Returns 0 or an exit code. */
int report_redacted_words(reg *r, const struct incident *inc, struct report_words *out);

/* Appends the report in `fmt` and `lang`, times in `zone` (an IANA name, or "UTC").
 * Returns 0, or -1 with err (an unknown zone, output too large). */
int report_render(const struct report *m, enum report_format fmt, enum report_lang lang, const char *zone,
                  struct buf *out, char *err, size_t errlen);

/* What the next filing of this report is: 0 = the initial notification, N = follow-up no. N;
 * *case_ref: the authority's reference of the initial filing (NULL before it; owned by m). */
int64_t report_next_follow_up(const struct report *m, const char **case_ref);

/* The law applied (struct regime, util/deadline.h) as {id, name, source, in_force,
 * authority_threshold, deadline_hours, reg_1182_71, form}: a new object. */
struct regime;
json_t *report_regime_json(const struct regime *g);

/* An answer sheet: the report's content in the order and wording of an authority's
 * breach-notification form ("ico": the UK ICO's; "lfdi-bw": the LfDI Baden-Württemberg's), in
 * the form's language, question by question, each with the source of its wording; questions
 * klartext has no answer for are marked and listed at the end, never filled in. The header names
 * the form's version and where it was read, and what of it could not be read.
 * report_form_parse: 0 and *id (static) for a known form name, -1 otherwise.
 * report_render_form: appends the sheet; 0, or -1 with err (unknown form or zone). */
int report_form_parse(const char *s, const char **id);
int report_render_form(const struct report *m, const char *id, const char *zone, struct buf *out, char *err,
                       size_t errlen);

/* Ids the filing record refers to (0 = none). */
void report_basis(const struct report *m, int64_t *assessment_id, int64_t *decision_id, int64_t *scan_id);

/* The Art. 33(5) register: every incident, notified or not, with facts, effects, remedial
 * action and the reasoning of every decision (fmt: one of REPORT_REGISTER_*). Returns 0 or an
 * exit code with reg_err. */
enum { REPORT_REGISTER_TEXT, REPORT_REGISTER_CSV, REPORT_REGISTER_JSON };
int report_register(reg *r, int fmt, enum report_lang lang, const char *zone, struct buf *out);
#endif
