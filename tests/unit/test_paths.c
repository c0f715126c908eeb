/* test_paths.c — the data directory (util/paths.h): next to the binary (BIN/../share/klartext),
 * the source tree (BIN/..), KLARTEXT_DATA_DIR, and the error naming every place looked at. */
#include "check.h"
#include "util/paths.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

/* mkdir -p of root/REL, with the probe file inside it when probe */
static void make_dir(const char *rel, int probe)
{
    char p[PATH_MAX + 128], cmd[3 * PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s%s'", p, probe ? "/templates" : "");
    if (system(cmd) != 0 || !probe) return;
    snprintf(cmd, sizeof cmd, "%s/%s", p, PATHS_PROBE);
    FILE *f = fopen(cmd, "w");
    if (f) fclose(f);
}

static void exe(const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", root, rel);
    FILE *f = fopen(out, "w");
    if (f) fclose(f);
}

static void test_installed(void)
{
    char e[PATH_MAX + 64], want[PATH_MAX + 64], got[PATH_MAX], err[8192];
    unsetenv("KLARTEXT_DATA_DIR");
    make_dir("inst/bin", 0);
    make_dir("inst/share/klartext", 1);
    exe("inst/bin/klartext", e, sizeof e);
    snprintf(want, sizeof want, "%s/inst/share/klartext", root);
    CHECK_INT(paths_data_dir(e, got, sizeof got, err, sizeof err), 0);
    CHECK_STR(got, want);
}

static void test_source_tree(void)
{
    char e[PATH_MAX + 64], want[PATH_MAX + 64], got[PATH_MAX], err[8192];
    unsetenv("KLARTEXT_DATA_DIR");
    make_dir("src/build", 0);
    make_dir("src", 1);
    exe("src/build/klartext", e, sizeof e);
    snprintf(want, sizeof want, "%s/src", root);
    CHECK_INT(paths_data_dir(e, got, sizeof got, err, sizeof err), 0);
    CHECK_STR(got, want);
}

static void test_missing(void)
{
    char e[PATH_MAX + 64], a[3 * PATH_MAX], got[PATH_MAX], err[8192];
    unsetenv("KLARTEXT_DATA_DIR");
    make_dir("broken/bin", 0);
    make_dir("broken/share/klartext", 0);
    exe("broken/bin/klartext", e, sizeof e);
    CHECK_INT(paths_data_dir(e, got, sizeof got, err, sizeof err), -1);
    snprintf(a, sizeof a, "%s/broken/share/klartext, %s/broken (", root, root);
    CHECK(strstr(err, a) != NULL);
    CHECK(strstr(err, "KLARTEXT_DATA_DIR") != NULL);
    if (!strstr(err, a)) printf("#   %s\n", err);
}

static void test_env(void)
{
    char e[PATH_MAX + 64], d[PATH_MAX + 64], got[PATH_MAX], err[8192];
    exe("broken/bin/klartext", e, sizeof e);
    snprintf(d, sizeof d, "%s/inst/share/klartext", root);
    setenv("KLARTEXT_DATA_DIR", d, 1);
    CHECK_INT(paths_data_dir(e, got, sizeof got, err, sizeof err), 0);
    CHECK_STR(got, d);
    snprintf(d, sizeof d, "%s/broken/share/klartext", root);
    setenv("KLARTEXT_DATA_DIR", d, 1); /* only it: no fall-back to the installed one */
    exe("inst/bin/klartext", e, sizeof e);
    CHECK_INT(paths_data_dir(e, got, sizeof got, err, sizeof err), -1);
    CHECK(strstr(err, "KLARTEXT_DATA_DIR is '") != NULL && strstr(err, d) != NULL);
    CHECK_INT(paths_data_dir(e, got, 4, err, sizeof err), -1); /* too small for the answer */
    unsetenv("KLARTEXT_DATA_DIR");
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/kt-paths-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(root)) return 1;
    RUN(test_installed);
    RUN(test_source_tree);
    RUN(test_missing);
    RUN(test_env);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) return 1;
    return check_done();
}
