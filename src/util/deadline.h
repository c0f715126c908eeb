/* deadline.h — the notification clocks (libc only). All times UTC seconds.
 *
 * GDPR Art. 33(1): the authority deadline is awareness + 72 h.
 * Reg. (EEC, Euratom) 1182/71 Art. 3(1)/(2)(a): the hour in which awareness falls is not
 * counted, so the period starts at the next full UTC hour after awareness and ends 72 h later
 * (weekends and holidays count; no extension to a working day for hour-based periods).
 * NIS2 Art. 23(4): early warning awareness + 24 h, incident notification awareness + 72 h,
 * final report one month after the incident notification was filed. */
#ifndef KT_DEADLINE_H
#define KT_DEADLINE_H
#include <stdint.h>

#define DL_GDPR_HOURS 72
#define DL_NIS2_WARNING_HOURS 24
#define DL_NIS2_NOTIFY_HOURS 72

struct deadlines {
    int64_t authority; /* aware + 72 h */
    int64_t fristen_start; /* next full hour after awareness */
    int64_t fristen_end; /* fristen_start + 72 h */
    int64_t nis2_warning; /* aware + 24 h */
    int64_t nis2_notification; /* aware + 72 h */
    int64_t nis2_final; /* nis2 notification filed + 1 month, or 0 when not filed yet */
};

/* hours: the GDPR period (72, or e.g. 96 if the law changes); nis2_notified_at 0 = not filed */
void deadlines_compute(int64_t aware_at, int hours, int64_t nis2_notified_at, struct deadlines *out);
#endif
