/* mono.h — a monotonic clock in seconds, for durations inside one process (libc only).
 *
 * mono_now: seconds as a double since an arbitrary origin (CLOCK_MONOTONIC: never set back or
 * forward with the system's time of day). Only the difference of two readings means anything:
 * a progress bar's rate, a pause between retries, a timeout. Times that are stored or shown as
 * dates come from time(2) (util/ktime.h). */
#ifndef KT_MONO_H
#define KT_MONO_H

double mono_now(void);

#endif
