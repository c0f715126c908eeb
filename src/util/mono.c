/* mono.c — a monotonic clock in seconds (mono.h). */
#include "util/mono.h"
#include <time.h>

double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
