/* test_file.c — util/file (file_read) and util/err (err_set). */
#include "check.h"
#include "util/err.h"
#include "util/file.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

static char dir[] = "/tmp/kt-file-XXXXXX";

static void put(const char *name, const char *s, size_t n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    fwrite(s, 1, n, f);
    fclose(f);
}

static void test_err_set(void)
{
    char e[8];
    CHECK_INT(err_set(e, sizeof e, "line %d: %s", 12, "unknown"), -1);
    CHECK_STR(e, "line 12"); /* truncated, NUL-terminated */
    CHECK_INT(err_set(NULL, 0, "x"), -1);
}

static void test_read(void)
{
    char p[256], e[256], *out;
    size_t n;
    put("a", "hello\0world", 11);
    snprintf(p, sizeof p, "%s/a", dir);
    CHECK_INT(file_read(p, 100, &out, &n, e, sizeof e), FILE_OK);
    CHECK_INT(n, 11);
    CHECK(memcmp(out, "hello\0world", 12) == 0);
    free(out);
    /* exactly max is accepted, one more is not */
    CHECK_INT(file_read(p, 11, &out, &n, e, sizeof e), FILE_OK);
    free(out);
    CHECK_INT(file_read(p, 10, &out, &n, e, sizeof e), FILE_ETOOBIG);
    CHECK(out == NULL);
    CHECK(strstr(e, "larger than 10 bytes") != NULL);
    put("empty", "", 0);
    snprintf(p, sizeof p, "%s/empty", dir);
    CHECK_INT(file_read(p, 10, &out, &n, e, sizeof e), FILE_OK);
    CHECK_INT(n, 0);
    CHECK_STR(out, "");
    free(out);
}

static void test_errors(void)
{
    char p[256], e[256], *out;
    snprintf(p, sizeof p, "%s/missing", dir);
    CHECK_INT(file_read(p, 10, &out, NULL, e, sizeof e), FILE_ENOENT);
    CHECK(strstr(e, "cannot open") && strstr(e, "No such file"));
    CHECK_INT(file_read(dir, 10, &out, NULL, e, sizeof e), FILE_EIO);
    CHECK(strstr(e, "Is a directory") != NULL);
    /* a stream without a size: /dev/zero stops at max + 1 and is too big */
    CHECK_INT(file_read("/dev/zero", 5000, &out, NULL, e, sizeof e), FILE_ETOOBIG);
    /* what a command exits with: missing or too big is bad input, unreadable a failure */
    CHECK_INT(file_exit_code(FILE_OK), 0);
    CHECK_INT(file_exit_code(FILE_ENOENT), 2);
    CHECK_INT(file_exit_code(FILE_ETOOBIG), 2);
    CHECK_INT(file_exit_code(FILE_EIO), 1);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    RUN(test_err_set);
    RUN(test_read);
    RUN(test_errors);
    int rc = check_done();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) rc = 1;
    return rc;
}
