/* eml.c — notices as .eml files in a directory (see eml.h). */
#include "notify/eml.h"
#include "util/err.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(fd, data + off, n - off);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)k;
    }
    return 0;
}

int eml_unnamed_ok(const char *dir, size_t files)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)files + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) return 0;
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl)) return 0;
    }
    char proc[64];
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int ok = access(proc, F_OK) == 0;
    close(fd);
    return ok;
}

int eml_write_pending(const char *dir, int unnamed, const char *notice_id, const char *data, size_t n,
                      struct eml_file *f, char *err, size_t errlen)
{
    char tmp[4200];
    f->kind = EML_NONE;
    f->fd = -1;
    if (unnamed) {
        int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0 && write_all(fd, data, n) == 0) {
            f->fd = fd;
            f->kind = EML_UNNAMED;
            return 0;
        }
        err_set(err, errlen, "cannot write '%.200s/%s.eml': %s", dir, notice_id, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, notice_id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return err_set(err, errlen, "cannot write '%.200s': %s", tmp, strerror(errno));
    int bad = write_all(fd, data, n);
    if (close(fd)) bad = -1;
    if (bad) {
        err_set(err, errlen, "cannot write '%.200s': %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    f->kind = EML_TEMP;
    return 0;
}

void eml_drop(const char *dir, const char *notice_id, struct eml_file *f)
{
    if (f->kind == EML_UNNAMED) close(f->fd);
    else if (f->kind == EML_TEMP) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, notice_id);
        unlink(tmp);
    }
    f->kind = EML_NONE;
    f->fd = -1;
}

int eml_name(const char *dir, const char *notice_id, struct eml_file *f, char *err, size_t errlen)
{
    char path[4200], from[4200];
    snprintf(path, sizeof path, "%s/%s.eml", dir, notice_id);
    int rc = 0;
    if (f->kind == EML_UNNAMED) {
        snprintf(from, sizeof from, "/proc/self/fd/%d", f->fd);
        /* a file of that name from an earlier run into this directory is replaced, as rename would */
        if (linkat(AT_FDCWD, from, AT_FDCWD, path, AT_SYMLINK_FOLLOW) &&
            (errno != EEXIST || unlink(path) || linkat(AT_FDCWD, from, AT_FDCWD, path, AT_SYMLINK_FOLLOW)))
            rc = err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    } else if (f->kind == EML_TEMP) {
        snprintf(from, sizeof from, "%s/.%s.eml.tmp", dir, notice_id);
        if (rename(from, path)) rc = err_set(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    }
    eml_drop(dir, notice_id, f);
    return rc;
}

int eml_write(const char *dir, const char *notice_id, const char *data, size_t n, char *err, size_t errlen)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.eml", dir, notice_id);
    snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, notice_id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return err_set(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
    if (write_all(fd, data, n)) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return err_set(err, errlen, "cannot write '%s': %s", tmp, strerror(e));
    }
    if (close(fd) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return err_set(err, errlen, "cannot write '%s': %s", path, strerror(e));
    }
    return 0;
}
