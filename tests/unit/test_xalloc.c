/* test_xalloc.c — growing an array by doubling (xgrow, src/util/xalloc.c). */
#include "check.h"
#include "util/xalloc.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* FIRST elements at the first call, then twice as many each time it is full; the elements kept */
static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0, n = 0, grown = 0, caps[8] = {0};
    for (int i = 0; i < 100; i++) {
        size_t before = cap;
        int *w = xgrow(v, n, &cap, sizeof *v, 5);
        if (cap == before) CHECK(w == v); /* room left: the same array */
        else if (grown < 8) caps[grown++] = cap;
        v = w;
        v[n++] = i * 7;
    }
    /* 100 elements: room for 5, 10, 20, 40, 80, then 160 */
    CHECK_INT(grown, 6);
    CHECK_INT(caps[0], 5);
    CHECK_INT(caps[1], 10);
    CHECK_INT(caps[5], 160);
    CHECK_INT(cap, 160);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] != (int)i * 7) bad++;
    CHECK_INT(bad, 0);
    free(v);
}

/* a size beyond the address space ends the process as any exhausted allocation does: exit 1 */
static void test_overflow(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        size_t cap = SIZE_MAX / 8 + 1;
        char *p = xmalloc(1);
        xgrow(p, cap, &cap, 4, 1);
        _exit(0);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

int main(void)
{
    RUN(test_grow);
    RUN(test_overflow);
    return check_done();
}
