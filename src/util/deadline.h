/* deadline.h — the law as data: the notification regimes and their clocks (libc only). All
 * times UTC seconds.
 *
 * A regime is one version of the notification duty: the risk from which the supervisory
 * authority must be told, the deadline in hours, whether the hours are counted under
 * Reg. (EEC, Euratom) 1182/71, the form the report goes on, and from when it applies.
 * The law in force at the moment of awareness is chosen (regime_select):
 *   gdpr               Art. 33 GDPR (Regulation (EU) 2016/679), applicable since 25 May 2018:
 *                      a risk, 72 hours, the competent authority's own form.
 *   omnibus-2025-837   the Commission's proposal COM(2025) 837, procedure 2025/0360(COD)
 *                      ("Digital Omnibus"): a high risk, 96 hours, the common template at a
 *                      single entry point run by ENISA. NOT IN FORCE: it has no date of
 *                      application, so it is never chosen by date; KLARTEXT_REGIME can switch
 *                      it on for testing (docs/deadlines.md). Once adopted, its row gets the
 *                      date of application and is chosen for awareness from that day on.
 *
 * Reg. (EEC, Euratom) 1182/71 Art. 3(1)/(2)(a): the hour in which awareness falls is not
 * counted, so the period starts at the next full UTC hour after awareness and ends `hours`
 * later (weekends and holidays count; no extension to a working day for hour-based periods).
 * NIS2 Art. 23(4): early warning awareness + 24 h, incident notification awareness + 72 h,
 * final report one month after the incident notification was filed. */
#ifndef KT_DEADLINE_H
#define KT_DEADLINE_H
#include <stddef.h>
#include <stdint.h>

#define DL_GDPR_HOURS 72
#define DL_NIS2_WARNING_HOURS 24
#define DL_NIS2_NOTIFY_HOURS 72

enum regime_threshold { REGIME_RISK = 1, REGIME_HIGH_RISK = 2 };

struct regime {
    const char *id; /* "gdpr" */
    const char *name_en, *name_de; /* "GDPR, Art. 33" */
    const char *source; /* the act or proposal, cited */
    int authority_threshold; /* enum regime_threshold: notify the authority from this level on */
    int hours; /* the deadline after awareness */
    int reg_1182_71; /* 1: the end of the period is counted under Reg. 1182/71 */
    const char *form_en, *form_de; /* where the notification goes */
    int64_t applies_from; /* UTC; 0 = no date of application */
    int in_force; /* 0: a proposal, never chosen by date */
};

/* The rows of the regime table, oldest first; *n their number. */
const struct regime *regime_table(size_t *n);
/* The regime with this id, or NULL. */
const struct regime *regime_find(const char *id);
/* The law in force at `aware_at`: the latest regime in force whose date of application is not
 * after it (today's GDPR for any time, also before 25 May 2018, which klartext does not model).
 * Never NULL. */
const struct regime *regime_in_force(int64_t aware_at);
/* The regime for an incident of which the controller became aware at `aware_at`: `override`
 * (the value of KLARTEXT_REGIME; NULL or "" = none) names a regime for testing, else
 * regime_in_force. Returns it, or NULL with err for an unknown override. */
const struct regime *regime_select(int64_t aware_at, const char *override, char *err, size_t errlen);

/* The value of KLARTEXT_REGIME (the testing switch), or NULL when unset or empty. */
const char *regime_override(void);
/* regime_select with regime_override(); an unknown override (main refuses it before any
 * command runs) gives the law in force. Never NULL. */
const struct regime *regime_for(int64_t aware_at);

struct deadlines {
    int64_t authority; /* aware + hours */
    int64_t fristen_start; /* next full hour after awareness */
    int64_t fristen_end; /* fristen_start + hours */
    int64_t nis2_warning; /* aware + 24 h */
    int64_t nis2_notification; /* aware + 72 h */
    int64_t nis2_final; /* nis2 notification filed + 1 month, or 0 when not filed yet */
};

/* hours: the regime's period (72 under the GDPR); nis2_notified_at 0 = not filed */
void deadlines_compute(int64_t aware_at, int hours, int64_t nis2_notified_at, struct deadlines *out);
#endif
