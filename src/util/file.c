/* file.c — see file.h. libc only. */
#include "util/file.h"
#include "util/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

int file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    if (len) *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        err_set(err, errlen, "cannot open '%s': %s", path, strerror(e));
        return e == ENOENT ? FILE_ENOENT : FILE_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        err_set(err, errlen, "cannot read '%s': %s", path, strerror(EISDIR));
        return FILE_EIO;
    }
    size_t cap = 4096, n = 0;
    if (S_ISREG(st.st_mode) && st.st_size > 0) cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
    char *p = malloc(cap + 1);
    if (!p) {
        close(fd);
        err_set(err, errlen, "cannot read '%s': out of memory", path);
        return FILE_EIO;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) break;
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *q = realloc(p, ncap + 1);
            if (!q) {
                free(p);
                close(fd);
                err_set(err, errlen, "cannot read '%s': out of memory", path);
                return FILE_EIO;
            }
            p = q;
            cap = ncap;
        }
        ssize_t k = read(fd, p + n, cap - n);
        if (k < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(p);
            close(fd);
            err_set(err, errlen, "cannot read '%s': %s", path, strerror(e));
            return FILE_EIO;
        }
        if (k == 0) break;
        n += (size_t)k;
        if (n > max) break;
    }
    close(fd);
    if (n > max) {
        free(p);
        err_set(err, errlen, "'%s' is larger than %zu bytes", path, max);
        return FILE_ETOOBIG;
    }
    p[n] = 0;
    *out = p;
    if (len) *len = n;
    return FILE_OK;
}
