/* check.h — a tiny TAP-emitting unit-test harness (header only, libc only).
 *
 *   #include "check.h"
 *   static void test_parse(void) { CHECK(x == 1); CHECK_STR(a, "b"); CHECK_INT(n, 3); }
 *   int main(void) { RUN(test_parse); return check_done(); }
 *
 * Each RUN prints "ok N - name" or "not ok N - name" (TAP); failed checks print
 * "#   file:line: ..." diagnostics. check_done() prints the plan and returns 0 or 1.
 * tests/run counts the ok / not ok lines of every test binary and script. */
#ifndef KT_CHECK_H
#define KT_CHECK_H
#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int check_n, check_failed_tests, check_cur_failed;

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            check_cur_failed = 1; \
            printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        } \
    } while (0)
#define CHECK_INT(a, b) \
    do { \
        long long a_ = (long long)(a), b_ = (long long)(b); \
        if (a_ != b_) { \
            check_cur_failed = 1; \
            printf("#   %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
        } \
    } while (0)
#define CHECK_STR(a, b) \
    do { \
        const char *a_ = (a), *b_ = (b); \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) { \
            check_cur_failed = 1; \
            printf("#   %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
                   b_ ? b_ : "(null)"); \
        } \
    } while (0)
#define RUN(fn) \
    do { \
        check_cur_failed = 0; \
        fn(); \
        check_n++; \
        if (check_cur_failed) check_failed_tests++; \
        printf("%s %d - %s\n", check_cur_failed ? "not ok" : "ok", check_n, #fn); \
        fflush(stdout); \
    } while (0)

static inline int check_done(void)
{
    printf("1..%d\n", check_n);
    return check_failed_tests ? 1 : 0;
}
#endif
