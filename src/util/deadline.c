#include "util/deadline.h"
#include "util/ktime.h"

static int64_t next_full_hour(int64_t t)
{
    int64_t h = t / 3600;
    if (t < 0 && t % 3600) h--;
    return (h + 1) * 3600;
}

void deadlines_compute(int64_t aware_at, int hours, int64_t nis2_notified_at, struct deadlines *out)
{
    out->authority = aware_at + (int64_t)hours * 3600;
    out->fristen_start = next_full_hour(aware_at);
    out->fristen_end = out->fristen_start + (int64_t)hours * 3600;
    out->nis2_warning = aware_at + DL_NIS2_WARNING_HOURS * 3600;
    out->nis2_notification = aware_at + DL_NIS2_NOTIFY_HOURS * 3600;
    out->nis2_final = nis2_notified_at ? kt_add_months(nis2_notified_at, 1) : 0;
}
