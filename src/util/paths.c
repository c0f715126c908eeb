/* paths.c — the data directory (paths.h). */
#include "util/paths.h"
#include "util/buf.h"
#include "util/err.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when DIR holds the probe file */
static int has_probe(const char *dir)
{
    char p[PATH_MAX + 64];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, PATHS_PROBE) >= sizeof p) return 0;
    return access(p, R_OK) == 0;
}

/* copy DIR to out when it holds the probe: 0; else add it to the list of places looked at */
static int try_dir(const char *dir, char *out, size_t outlen, struct buf *looked)
{
    if (has_probe(dir) && strlen(dir) < outlen) {
        memcpy(out, dir, strlen(dir) + 1);
        return 0;
    }
    buf_addf(looked, "%s%s", looked->len ? ", " : "", dir);
    return -1;
}

int paths_data_dir(const char *exe, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *env = getenv("KLARTEXT_DATA_DIR");
    if (env && *env) {
        if (has_probe(env) && strlen(env) < outlen) {
            memcpy(out, env, strlen(env) + 1);
            return 0;
        }
        return err_set(err, errlen,
                       "KLARTEXT_DATA_DIR is '%s', which has no %s (unset it, or point it at "
                       "PREFIX/share/klartext)",
                       env, PATHS_PROBE);
    }
    char real[PATH_MAX], dir[PATH_MAX + 32];
    if (!realpath(exe ? exe : "/proc/self/exe", real))
        return err_set(err, errlen,
                       "cannot find the klartext binary's own path to look for its data directory; "
                       "set KLARTEXT_DATA_DIR");
    char *slash = strrchr(real, '/');
    if (slash) *slash = 0; /* BIN */
    struct buf looked;
    buf_init(&looked, 4 * PATH_MAX);
    snprintf(dir, sizeof dir, "%s/../share/klartext", real);
    char *canon = realpath(dir, NULL);
    int rc = try_dir(canon ? canon : dir, out, outlen, &looked);
    free(canon);
    if (rc) {
        snprintf(dir, sizeof dir, "%s/..", real);
        canon = realpath(dir, NULL);
        rc = try_dir(canon ? canon : dir, out, outlen, &looked);
        free(canon);
    }
    if (rc)
        err_set(err, errlen,
                "no data directory: looked for %s in %s (a broken install? run 'make install' "
                "again, or set KLARTEXT_DATA_DIR)",
                PATHS_PROBE, buf_str(&looked));
    buf_release(&looked);
    return rc;
}
