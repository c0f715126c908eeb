/* assessments.h — the evidence of Art. 33(5) GDPR: risk assessments, the decisions taken on
 * them, and the filings of the report with the supervisory authority.
 *
 * All three are append-only (SQLite triggers refuse UPDATE and DELETE): a re-assessment is
 * a new assessment with the next number, a changed mind is a new decision, a follow-up report
 * (Art. 33(4)) is a new filing. Each add writes a timeline event and audit entries and must
 * run in a transaction (reg_begin … reg_commit).
 *
 * An assessment keeps every input of the ENISA method with its value, its source (person,
 * suggested, default) and its reason; the thresholds it used; the severity; the proposal and
 * its reasons in English and German — so that it reads the same later, whatever the
 * configuration or the code does then.
 *
 * Ownership: structs filled here own their strings; free them with the _release / _free
 * function of their type. */
#ifndef KT_ASSESSMENTS_H
#define KT_ASSESSMENTS_H
#include <stddef.h>
#include <stdint.h>
#include "assess/enisa.h"
#include "assess/proposal.h"
#include "assess/suggest.h"
#include "register/incident.h"

struct assessment {
    int64_t id, seq, created_at;
    int64_t scan_id, scan_version; /* the scan it drew suggestions from; 0 = none */
    char *actor;
    struct enisa_input in;
    struct proposal_config cfg;
    struct proposal p; /* severity, levels, duties and reasons as stored */
};
void assessment_release(struct assessment *a);
void assessments_free(struct assessment *a, size_t n);

/* Stores a new assessment of inc (number = previous + 1). Must run in a transaction.
 * Returns 0 and *seq, or an exit code with reg_err. */
int assessments_add(reg *r, const struct incident *inc, int64_t scan_id, const struct enisa_input *in,
                    const struct proposal_config *cfg, const struct proposal *p, int64_t *seq);
/* Every assessment of inc, oldest first. On error *a may hold rows: free them anyway. */
int assessments_list(reg *r, const struct incident *inc, struct assessment **a, size_t *n);
/* The latest assessment: 0 and *found 1/0, or an exit code. */
int assessments_latest(reg *r, const struct incident *inc, struct assessment *a, int *found);
/* 1 if `a` was made from exactly these inputs (values, sources, reasons), thresholds and scan. */
int assessment_same(const struct assessment *a, const struct enisa_input *in, const struct proposal_config *cfg,
                    int64_t scan_id);

/* The thresholds as one line "risk_threshold=2.0,high_risk_threshold=3.0,many_subjects=1000,
 * special_categories_raise=yes,…,regime=gdpr" (proposal_config_set keys, and the regime the
 * assessment applied); and back (a line stored before a key existed gives that key's default;
 * before the regime was stored, "gdpr"). Needs at most 512 bytes. */
void assessment_config_text(const struct proposal_config *cfg, char *out, size_t len);
int assessment_config_parse(const char *text, struct proposal_config *cfg, char *err, size_t errlen);

/* The arithmetic of the score, e.g. "1 × 1 + 0.5 = 1.5" or "4 × 1 + 0.5 + 0.5 = 5.0"
 * (DPC × EI + each circumstance that adds something; "+ 0" when none does), with `sep` as the
 * decimal mark ('.' or ','). */
void assessment_formula(const struct enisa_input *in, const struct enisa_result *res, char sep, char *out, size_t len);
/* A quarter count without a needless ".0" for factors: 4 → "1", 2 → "0.5", 3 → "0.75". */
void assessment_quarters_short(int q, char sep, char *out, size_t len);

/* ---- labels for people (English, or German with de = 1); static strings ---- */
const char *assessment_key_label(enum enisa_key k, int de); /* "ease of identification (EI)" */
const char *assessment_source_label(enum enisa_source s, int de); /* "given", "suggested", "default" */
/* the value in words ("maximum" / "maximal", "unknown recipients", "1,200"?: numbers as digits) */
const char *assessment_value_label(enum enisa_key k, long long value, int de, char *buf, size_t len);
const char *assessment_band_meaning(enum enisa_band b, int de); /* "minor inconveniences" */

/* ---- what the register knows for the suggestions (the policy: assess/suggest.h) ---- */

/* Facts of a stored scan that suggestions and reports need. */
struct scan_facts {
    char *fields; /* union of disclosed fields, ','-separated, sorted */
    long long viewers; /* distinct viewer identities over all people */
    long long anonymous_viewers; /* ... known only by an IP address */
};
int scan_facts_get(reg *r, int64_t scan_id, struct scan_facts *out);
void scan_facts_release(struct scan_facts *f);

/* The facts suggest_inputs needs about INC: its record, its current scan (*scan_id, 0 = none)
 * and the subject directory. F borrows from INC and from SF (filled here); release both with
 * suggest_facts_release. Returns 0 or an exit code with reg_err. */
int suggest_facts_get(reg *r, const struct incident *inc, struct suggest_facts *f, struct scan_facts *sf,
                      int64_t *scan_id);
void suggest_facts_release(struct suggest_facts *f, struct scan_facts *sf);

/* suggest_facts_get, then suggest_inputs (assess/suggest.h) into IN: fills suggestions from what
 * the register knows of INC (values a person gave stay), each with its reason. *scan_id: the
 * scan used (0 = none). Returns 0 or an exit code with reg_err. */
int assessment_suggest(reg *r, const struct incident *inc, struct enisa_input *in, int64_t *scan_id);

/* ---- decisions ---- */
struct decision {
    int64_t id, seq, assessment_id, assessment_seq, created_at;
    char *actor; /* who ran the command (--actor) */
    char *by; /* the person who decided (--by) */
    int notify_authority;
    enum proposal_people people;
    int differs; /* differs from the proposal */
    char *difference; /* proposal_check's message */
    char *reason; /* NULL when none given */
};
void decision_release(struct decision *d);
void decisions_free(struct decision *d, size_t n);
/* Records a decision on assessment `a`. `difference` is proposal_check's message, `differs`
 * its verdict (a differing decision must have a reason: checked by the caller). Must run in a
 * transaction. Returns 0 and *seq, or an exit code. */
int decisions_add(reg *r, const struct incident *inc, const struct assessment *a, const char *by,
                  const struct proposal_decision *d, int differs, const char *difference, int64_t *seq);
int decisions_list(reg *r, const struct incident *inc, struct decision **d, size_t *n);
int decisions_latest(reg *r, const struct incident *inc, struct decision *d, int *found);

/* "yes"/"no"/"public" ↔ enum; -1 for an unknown word */
int decision_people_parse(const char *s);

/* ---- filings with the supervisory authority ---- */
struct filing {
    int64_t id, seq;
    int64_t follow_up; /* 0 = the initial notification, N = follow-up no. N */
    int64_t filed_at, recorded_at;
    char *actor, *case_ref, *lang, *format;
    char sha256[65]; /* of the report's exact bytes */
    int64_t bytes;
    int64_t assessment_id, decision_id, scan_id; /* what the report rested on; 0 = none */
};
void filings_free(struct filing *f, size_t n);
/* Records a filing (f: every field but id, seq, recorded_at, actor). Writes the timeline
 * event and audit entries; does not touch the incident record (the caller sets notified_at
 * through incident_update). Must run in a transaction. Returns 0 and fills f->id/seq. */
int filings_add(reg *r, const struct incident *inc, struct filing *f);
int filings_list(reg *r, const struct incident *inc, struct filing **f, size_t *n);
#endif
