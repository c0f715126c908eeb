/* report_int.h — inside the report module: the model, the document the text and HTML writers
 * share, and the exposure chart. Not for use outside src/report/ (and its unit tests). */
#ifndef KT_REPORT_INT_H
#define KT_REPORT_INT_H
#include <stdint.h>
#include <jansson.h>
#include "register/assessments.h"
#include "register/incident.h"
#include "register/purge.h"
#include "register/report_data.h"
#include "register/scans.h"
#include "report/report.h"
#include "util/buf.h"
#include "util/deadline.h"

struct report_rule { /* one [exposure "NAME"] section of the scan's rule */
    char *name, *where; /* where: the request or where pattern, or NULL */
};

struct report {
    /* the organisation (NULL when unset) */
    char *org_name, *org_address, *dpo_name, *dpo_email, *dpo_phone, *authority;
    char *records_lang; /* the language the free text was entered in ("de", "en"), NULL = not recorded */
    const struct regime *regime; /* the law applied: in force at awareness (util/deadline.h) */
    /* the incident and its timeline */
    struct incident inc;
    struct inc_event *events;
    size_t nevents;
    int64_t as_of; /* the last change to the incident */
    struct deadlines dl;
    /* the current scan */
    int has_scan;
    struct scan_info scan;
    struct scan_facts facts;
    struct report_rule *rules;
    size_t nrules;
    int64_t *hours, *views; /* views per hour (UTC hour starts), sparse */
    size_t nhours;
    /* the subject directory: counts only */
    int64_t subj_version;
    long long exposed, reachable, unreachable;
    /* the personal notices made so far (superseded ones are not counted) */
    struct report_notices notices;
    /* assessments, decisions, filings (oldest first) */
    struct assessment *assessments;
    size_t nassessments;
    struct decision *decisions;
    size_t ndecisions;
    struct filing *filings;
    size_t nfilings;
    /* what purges deleted under the retention policy (oldest first; none = never purged) */
    struct purge_rec *purges;
    size_t npurges;
    /* the personal words the redaction replaced in the free text (report_redacted_words) */
    struct report_words redacted;
};

/* the latest assessment / decision, or NULL; the assessment a decision refers to */
const struct assessment *report_latest_assessment(const struct report *m);
const struct decision *report_latest_decision(const struct report *m);
const struct assessment *report_assessment_by_id(const struct report *m, int64_t id);

/* ---- the document of the text and HTML forms ---- */
enum doc_kind {
    DOC_HEAD, /* a header row above the sections: label, text */
    DOC_SECTION, /* a numbered section: text = its title */
    DOC_ROW, /* label: text (text may hold '\n' between paragraphs) */
    DOC_PARA, /* a paragraph */
    DOC_ITEM, /* a numbered list item (label = optional prefix such as a time) */
    DOC_EVENT, /* a timeline entry: label = time, text */
    DOC_CHART, /* the exposure chart */
    DOC_FOOT /* a closing paragraph */
};
struct doc_item {
    enum doc_kind kind;
    char *label, *text;
};
struct doc {
    char *title, *subtitle;
    char lang[3];
    struct doc_item *items;
    size_t n, cap;
};
/* builds the document of m in lang (zone for times). Returns 0 or -1 with err. */
int report_doc_build(const struct report *m, enum report_lang lang, const char *zone, struct doc *d, char *err,
                     size_t errlen);
void report_doc_release(struct doc *d);

void report_write_text(const struct report *m, const struct doc *d, enum report_lang lang, const char *zone,
                       struct buf *out);
void report_write_html(const struct report *m, const struct doc *d, enum report_lang lang, const char *zone,
                       struct buf *out);
int report_write_json(const struct report *m, struct buf *out);
/* the JSON objects of the facts (report, controller, incident, numbers, time limits, latest
   assessment and decision, communication, filings), of one assessment, decision, filing */
json_t *report_facts_json(const struct report *m);
json_t *report_assessment_json(const struct assessment *a);
json_t *report_decision_json(const struct decision *d);
json_t *report_filing_json(const struct filing *f);
int report_write_veris(const struct report *m, struct buf *out);

/* ---- the exposure chart ---- */
struct chart {
    int per_day; /* 0: one bar per hour; 1: per local day */
    int64_t *start; /* start of each bin (UTC) */
    int64_t *value; /* views in the bin */
    size_t n;
    int64_t max, total;
};
/* Bins the sparse hourly views (hours ascending) over the whole range, zero-filled; per hour
 * when the range is at most max_hours hours, else per local day in zone. Returns 0 or -1
 * (unknown zone, range too long). */
int chart_bin(const int64_t *hours, const int64_t *views, size_t n, const char *zone, size_t max_hours,
              struct chart *c);
void chart_release(struct chart *c);
/* a "nice" axis maximum ≥ max and its tick step (1, 2, 5 × 10^k; at most 5 ticks) */
void chart_axis(int64_t max, int64_t *top, int64_t *step);
/* appends an inline SVG (no script, no external reference; every text escaped) */
void chart_svg(const struct chart *c, enum report_lang lang, const char *zone, struct buf *out);

/* ---- escaping and text helpers ---- */
void html_escape(struct buf *b, const char *s);
/* number of characters (UTF-8 code points) */
size_t utf8_width(const char *s);
/* appends text wrapped at width, every line after the first indented by indent spaces
   ('\n' in text starts a new paragraph line) */
void wrap_text(struct buf *b, const char *text, size_t first_col, size_t indent, size_t width);
/* "12 November 2018, 15:03 CET" / "12. November 2018, 15:03 Uhr MEZ" */
void report_time(enum report_lang lang, const char *zone, int64_t t, char *out, size_t len);
/* What a reader of a report in lang needs to know about the free text (descriptions, reasons,
 * timeline entries): "as entered, in English; klartext does not translate it", or NULL when it
 * was entered in lang. records_lang: "de", "en" or NULL (not recorded). Static. */
const char *report_free_text_note(const char *records_lang, int L);
/* Appends the words (util/i18n_terms.c, domain) of a ','/';'-separated list of canonical values,
 * joined by ", "; a value the table does not have stays as typed. L: 1 German, 0 English. */
void report_terms(struct buf *b, const char *list, const char *domain, int L);
/* How decision dc differs from the proposal of the assessment it was made on, in words of lang
 * ("authority: proposed no, decided yes; people: …"); appends nothing when it does not differ
 * or the assessment is not in m. */
void report_decision_difference(const struct report *m, const struct decision *dc, int L, struct buf *b);
#endif
