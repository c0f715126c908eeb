/* test_mono.c — the monotonic clock in seconds (src/util/mono.c). */
#include "check.h"
#include "util/mono.h"
#include <time.h>

static double raw(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* a reading lies between two readings of CLOCK_MONOTONIC taken around it: the same clock, in seconds */
static void test_same_clock(void)
{
    for (int i = 0; i < 1000; i++) {
        double a = raw(), m = mono_now(), b = raw();
        CHECK(a <= m && m <= b);
    }
}

/* never backwards, and finer than whole seconds: 100,000 readings in a row (well under a second
   apart) take many different values */
static void test_monotonic(void)
{
    double first = mono_now(), prev = first;
    int back = 0, changes = 0;
    for (int i = 0; i < 100000; i++) {
        double t = mono_now();
        if (t < prev) back++;
        if (t != prev) changes++;
        prev = t;
    }
    CHECK_INT(back, 0);
    CHECK(changes > 100);
}

/* a pause of 50 ms measures at least 50 ms, and not seconds more (a loaded machine may add some) */
static void test_pause(void)
{
    double a = mono_now();
    struct timespec p = {0, 50 * 1000000L};
    while (nanosleep(&p, &p)) continue;
    double d = mono_now() - a;
    CHECK(d >= 0.05);
    CHECK(d < 5.0);
}

int main(void)
{
    RUN(test_same_clock);
    RUN(test_monotonic);
    RUN(test_pause);
    return check_done();
}
