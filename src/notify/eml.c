/* eml.c — notices as .eml files in a directory (see eml.h), through util/output. */
#include "notify/eml.h"
#include "util/err.h"
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

int eml_fds_ok(size_t files)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)files + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) return 0;
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl)) return 0;
    }
    return 1;
}

static int eml_path(const char *dir, const char *notice_id, char *path, size_t len, char *err, size_t errlen)
{
    int k = snprintf(path, len, "%s/%s.eml", dir, notice_id);
    if (k < 0 || (size_t)k >= len)
        return err_set(err, errlen, "cannot write '%.200s/%s.eml': name too long", dir, notice_id);
    return 0;
}

int eml_write_pending(const char *dir, int unnamed, const char *notice_id, const char *data, size_t n,
                      struct eml_file *f, char *err, size_t errlen)
{
    char path[4200];
    unsigned flags = OUT_LATER | OUT_NOSYNC | (unnamed ? 0 : OUT_NO_FD);
    memset(f, 0, sizeof *f);
    if (eml_path(dir, notice_id, path, sizeof path, err, errlen) || out_open(&f->o, path, flags, 0600, err, errlen))
        return -1;
    out_write(&f->o, data, n);
    if (out_ready(&f->o, err, errlen)) {
        out_abort(&f->o);
        return -1;
    }
    return 0;
}

void eml_drop(struct eml_file *f)
{
    out_abort(&f->o);
}

int eml_name(struct eml_file *f, char *err, size_t errlen)
{
    return out_commit(&f->o, err, errlen) ? -1 : 0;
}

int eml_write(const char *dir, const char *notice_id, const char *data, size_t n, char *err, size_t errlen)
{
    char path[4200];
    if (eml_path(dir, notice_id, path, sizeof path, err, errlen)) return -1;
    return out_write_file(path, data, n, OUT_NOSYNC, 0600, err, errlen) ? -1 : 0;
}
