/* output.c — see output.h. The only place in src/ that renames or links files into place. */
#include "util/output.h"
#include "util/err.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* how an output is written */
enum {
    K_NONE, /* holds nothing */
    K_STDOUT, /* "-" */
    K_DEV, /* a character or block device */
    K_FIFO,
    K_SOCK,
    K_FD, /* one of the process's open descriptors: /dev/stderr, /dev/fd/N, /proc/self/fd/N */
    K_UNNAMED, /* an O_TMPFILE file in the target's directory, linked into place at the commit */
    K_TEMP, /* a named temporary file in the target's directory, renamed into place */
    K_INPLACE, /* the existing file itself (its directory cannot take a temporary file) */
};

#define MAX_LINKS 40
#define STREAM_BUF ((size_t)1 << 16)

static int special(int kind)
{
    return kind == K_STDOUT || kind == K_DEV || kind == K_FIFO || kind == K_SOCK || kind == K_FD;
}

/* the directory part of PATH (caller frees): "." for "x", "/" for "/x" */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    if (slash == path) return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "cannot write 'PATH' (a link to 'TARGET'): WHY"; returns CODE */
static int fail(const struct out *o, int code, char *err, size_t errlen, const char *why)
{
    if (o->kind == K_STDOUT) err_set(err, errlen, "cannot write to standard output: %s", why);
    else if (o->target && strcmp(o->target, o->path))
        err_set(err, errlen, "cannot write '%s' (a link to '%s'): %s", o->path, o->target, why);
    else err_set(err, errlen, "cannot write '%s': %s", o->path, why);
    return code;
}

static int fail_errno(const struct out *o, int code, char *err, size_t errlen, int e)
{
    return fail(o, code, err, errlen, strerror(e ? e : EIO));
}

/* Release everything o holds: close, remove a named temporary file, free. */
static void release(struct out *o)
{
    if (o->stream && o->stream != stdout) {
        if (!o->werr) o->werr = ECANCELED; /* what is still buffered is dropped */
        fclose(o->stream);
    }
    if (o->fd >= 0) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    free(o->target);
    buf_release(&o->held);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

/* ---------------------------------------------------------------- writing */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* A FIFO or socket whose reader went away gives EPIPE, not a SIGPIPE that would end the
 * process without a word: SIGPIPE is blocked for the write and a SIGPIPE it raised is taken. */
static int write_nosigpipe(int fd, const char *p, size_t n)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int rc = write_all(fd, p, n), e = errno;
    if (rc && e == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return rc;
}

/* append to the output itself (the stream's buffer is not involved); 0 or -1 (o->werr set) */
static int put(struct out *o, const char *p, size_t n)
{
    if (o->werr) return -1;
    int rc;
    if ((o->flags & OUT_LATER) && special(o->kind)) rc = buf_add(&o->held, p, n) ? (errno = ENOMEM, -1) : 0;
    else if (o->kind == K_STDOUT) rc = fwrite(p, 1, n, stdout) == n ? 0 : -1;
    else if (o->kind == K_FIFO || o->kind == K_SOCK || o->kind == K_FD) rc = write_nosigpipe(o->fd, p, n);
    else if (o->fd >= 0) rc = write_all(o->fd, p, n);
    else rc = (errno = EBADF, -1); /* after out_ready */
    if (rc) o->werr = errno ? errno : EIO;
    else o->written += (off_t)n;
    return rc;
}

static ssize_t cookie_write(void *c, const char *p, size_t n)
{
    return put(c, p, n) ? -1 : (ssize_t)n;
}

/* flush and close the stream (stdout: flush); a failure is kept in o->werr */
static void close_stream(struct out *o)
{
    if (!o->stream) return;
    if (o->stream == stdout) {
        if (fflush(stdout) && !o->werr) o->werr = errno ? errno : EIO;
    } else if (fclose(o->stream) && !o->werr) {
        o->werr = errno ? errno : EIO;
    }
    o->stream = NULL;
}

int out_write(struct out *o, const void *data, size_t len)
{
    if (o->stream && o->stream != stdout && fflush(o->stream) && !o->werr) o->werr = errno ? errno : EIO;
    return put(o, data, len);
}

FILE *out_stream(struct out *o)
{
    if (o->stream) return o->stream;
    if (o->kind == K_STDOUT && !(o->flags & OUT_LATER)) return o->stream = stdout;
    cookie_io_functions_t io = {.write = cookie_write};
    o->stream = fopencookie(o, "w", io);
    if (!o->stream || setvbuf(o->stream, NULL, _IOFBF, STREAM_BUF)) xalloc_fail();
    return o->stream;
}

/* ---------------------------------------------------------------- opening */

/* 1 if PATH names one of the process's descriptors (*fd), as /dev/stdout leads to: written to
 * as it is open (at its offset, in its append mode), never replaced */
static int fd_name(const char *path, int *fd)
{
    static const char *const dirs[] = {"/proc/self/fd/", "/dev/fd/"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(path, dirs[i], n) || path[n] < '0' || path[n] > '9') continue;
        char *end;
        long v = strtol(path + n, &end, 10);
        if (*end || v > INT32_MAX) return 0;
        *fd = (int)v;
        return 1;
    }
    return 0;
}

/* Follow PATH's symbolic links to the final target (*target, caller frees); *st is its lstat
 * and *exists 0 when it does not exist. OUT_OK or an exit code with err. */
static int resolve(struct out *o, struct stat *st, int *exists, char *err, size_t errlen)
{
    char *cur = xstrdup(o->path);
    for (int n = 0;; n++) {
        if (fd_name(cur, &o->fdnum)) {
            o->target = cur;
            o->kind = o->fdnum == 1 ? K_STDOUT : K_FD;
            return OUT_OK;
        }
        if (lstat(cur, st)) {
            int e = errno;
            o->target = cur;
            if (e == ENOENT) {
                *exists = 0;
                return OUT_OK;
            }
            return fail_errno(o, e == ENOTDIR || e == ENAMETOOLONG || e == ELOOP ? OUT_EARG : OUT_EIO, err, errlen, e);
        }
        if (!S_ISLNK(st->st_mode)) {
            o->target = cur;
            *exists = 1;
            return OUT_OK;
        }
        size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 4096;
        char *link = xmalloc(cap + 1);
        ssize_t k = n < MAX_LINKS ? readlink(cur, link, cap) : (errno = ELOOP, -1);
        if (k < 0 || (size_t)k >= cap) {
            int e = k < 0 ? errno : ENAMETOOLONG;
            free(link);
            o->target = cur;
            return fail_errno(o, e == ELOOP ? OUT_EARG : OUT_EIO, err, errlen, e);
        }
        link[k] = 0;
        char *dir = dir_of(cur),
             *next = link[0] == '/' || !strchr(cur, '/') ? xstrdup(link) : xasprintf("%s/%s", dir, link);
        free(dir);
        free(link);
        free(cur);
        cur = next;
    }
}

/* Open a device, FIFO or socket named by o->target (a FIFO waits for a reader). 0 or -1. */
static int open_special(struct out *o)
{
    if (o->kind == K_STDOUT) return 0;
    if (o->kind == K_FD) {
        o->fd = fcntl(o->fdnum, F_DUPFD_CLOEXEC, 3);
        return o->fd < 0 ? -1 : 0;
    }
    if (o->kind != K_SOCK) {
        o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        return o->fd < 0 ? -1 : 0;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(o->target) >= sizeof sa.sun_path) return (errno = ENAMETOOLONG, -1);
    strcpy(sa.sun_path, o->target);
    o->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (o->fd < 0) return -1;
    if (connect(o->fd, (struct sockaddr *)&sa, sizeof sa)) {
        int e = errno;
        close(o->fd);
        o->fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

/* the mode of a new file when the caller gives none: 0666 without the process's umask, read
 * from /proc (umask(2) cannot be read without changing it, which other threads would see) */
static int new_file_mode(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    unsigned mask = 022;
    char line[256];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) found = sscanf(line, "Umask: %o", &mask) == 1;
    if (f) fclose(f);
    if (!found) {
        mode_t m = umask(022);
        umask(m);
        mask = m;
    }
    return 0666 & ~(int)mask;
}

/* Where the target's directory stands: OUT_OK, or an exit code with err (missing, not a
 * directory; for a secret, writable by everyone without the sticky bit). */
static int check_dir(struct out *o, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    char why[600];
    if (stat(dir, &st)) {
        int e = errno;
        if (e != ENOENT && e != ENOTDIR) return fail_errno(o, OUT_EIO, err, errlen, e);
        snprintf(why, sizeof why, "there is no directory '%.500s'", dir);
        return fail(o, OUT_EARG, err, errlen, why);
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, sizeof why, "'%.500s' is not a directory", dir);
        return fail(o, OUT_EARG, err, errlen, why);
    }
    if ((o->flags & OUT_SECRET) && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        snprintf(why, sizeof why,
                 "a secret is not written into '%.400s': everyone may write there (mode %04o, no sticky bit); use a "
                 "private directory",
                 dir, (unsigned)(st.st_mode & 07777));
        return fail(o, OUT_EIO, err, errlen, why);
    }
    return OUT_OK;
}

/* 1 if the unnamed file FD can be linked by its /proc name (once it could, it always can) */
static int proc_ok(int fd)
{
    static int ok;
    if (__atomic_load_n(&ok, __ATOMIC_RELAXED)) return 1;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    if (access(p, F_OK)) return 0;
    __atomic_store_n(&ok, 1, __ATOMIC_RELAXED);
    return 1;
}

/* The temporary file in DIR (unnamed where possible, mode 0600 until the commit), or, when DIR
 * takes none, the existing file itself. OUT_OK or an exit code with err. */
static int open_temp(struct out *o, const char *dir, int mode, char *err, size_t errlen)
{
    if (!(o->flags & OUT_NO_FD)) {
        o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (o->fd >= 0 && proc_ok(o->fd)) {
            o->kind = K_UNNAMED;
            return OUT_OK;
        }
        if (o->fd >= 0) close(o->fd);
        o->fd = -1;
    }
    o->tmp = xasprintf("%s/.%.200s.tmp.XXXXXX", dir, base_of(o->target));
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd >= 0) {
        o->kind = K_TEMP;
        return OUT_OK;
    }
    int e = errno, rc;
    free(o->tmp);
    o->tmp = NULL;
    if ((e == ENOENT || e == ENOTDIR) && (rc = check_dir(o, dir, err, errlen))) return rc;
    char why[900];
    if ((e == EACCES || e == EPERM) && o->replace && !(o->flags & (OUT_SECRET | OUT_EXCL))) {
        o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (o->fd >= 0) {
            o->kind = K_INPLACE;
            o->mode = mode >= 0 ? mode & 07777 : -1; /* it keeps its mode and owner unless told */
            o->fix_owner = 0;
            return OUT_OK;
        }
        snprintf(why, sizeof why, "cannot create a temporary file in '%.400s' (%s), nor write the file itself (%s)",
                 dir, strerror(e), strerror(errno));
        return fail(o, OUT_EIO, err, errlen, why);
    }
    snprintf(why, sizeof why, "cannot create a temporary file in '%.400s': %s", dir, strerror(e));
    return fail(o, OUT_EIO, err, errlen, why);
}

/* the regular (or missing) target: its mode and owner, its directory, the temporary file */
static int open_file(struct out *o, const struct stat *st, int exists, int mode, char *err, size_t errlen)
{
    o->replace = exists;
    if (o->flags & OUT_SECRET) o->mode = 0600;
    else if (mode >= 0) o->mode = mode & 07777;
    else o->mode = exists ? (int)(st->st_mode & 07777) : new_file_mode();
    if (exists && !(o->flags & OUT_SECRET) && (st->st_uid != geteuid() || st->st_gid != getegid())) {
        o->fix_owner = 1;
        o->uid = st->st_uid;
        o->gid = st->st_gid;
    }
    char *dir = dir_of(o->target); /* checked up front for a secret, else when no file can be made */
    int rc = (o->flags & OUT_SECRET) ? check_dir(o, dir, err, errlen) : OUT_OK;
    if (!rc) rc = open_temp(o, dir, mode, err, errlen);
    free(dir);
    return rc;
}

/* what the target is decides how it is written (output.h) */
static int open_target(struct out *o, int mode, char *err, size_t errlen)
{
    struct stat st;
    int exists = 0, rc;
    if ((o->flags & (OUT_EXCL | OUT_SECRET)) && lstat(o->path, &st) == 0) {
        if ((o->flags & OUT_EXCL)) return fail(o, OUT_EIO, err, errlen, "it already exists");
        if ((o->flags & OUT_SECRET) && S_ISLNK(st.st_mode))
            return fail(o, OUT_EIO, err, errlen, "it is a symbolic link, and a secret is never written through one");
    }
    if ((rc = resolve(o, &st, &exists, err, errlen))) return rc;
    if (o->kind == K_STDOUT) return OUT_OK;
    if (o->kind == K_FD)
        return (o->flags & OUT_LATER) || !open_special(o) ? OUT_OK : fail_errno(o, OUT_EIO, err, errlen, errno);
    if (!exists || S_ISREG(st.st_mode)) return open_file(o, &st, exists, mode, err, errlen);
    if (S_ISDIR(st.st_mode)) return fail(o, OUT_EARG, err, errlen, "it is a directory");
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) o->kind = K_DEV;
    else if (S_ISFIFO(st.st_mode)) o->kind = K_FIFO;
    else if (S_ISSOCK(st.st_mode)) o->kind = K_SOCK;
    else return fail(o, OUT_EARG, err, errlen, "it is not a file, device, FIFO or socket");
    if (!(o->flags & OUT_LATER) && open_special(o)) return fail_errno(o, OUT_EIO, err, errlen, errno);
    return OUT_OK;
}

int out_open(struct out *o, const char *path, unsigned flags, int mode, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->mode = -1;
    o->flags = flags;
    o->path = xstrdup(path);
    buf_init(&o->held, BUF_MAX_DEFAULT);
    int rc;
    if (!strcmp(path, "-")) {
        o->kind = K_STDOUT;
        return OUT_OK;
    }
    if (!*path) rc = fail(o, OUT_EARG, err, errlen, "the name is empty");
    else rc = open_target(o, mode, err, errlen);
    if (rc) release(o);
    return rc;
}

/* ---------------------------------------------------------------- finishing */

/* the file's final mode and owner, and fsync (unless OUT_NOSYNC); 0 or -1 with errno */
static int finish_fd(struct out *o)
{
    if (o->mode >= 0 && fchmod(o->fd, (mode_t)o->mode)) return -1;
    if (o->fix_owner && fchown(o->fd, o->uid, o->gid)) {
        /* not allowed to give it away: it stays ours, with the group bits of the old file */
    }
    if (!(o->flags & OUT_NOSYNC) && fsync(o->fd)) return -1;
    return 0;
}

int out_ready(struct out *o, char *err, size_t errlen)
{
    close_stream(o);
    if (o->werr) return fail_errno(o, OUT_EIO, err, errlen, o->werr);
    if ((o->flags & OUT_NO_FD) && o->kind == K_TEMP && o->fd >= 0) {
        int bad = finish_fd(o), e = errno;
        bad |= close(o->fd) != 0;
        o->fd = -1;
        if (bad) return fail_errno(o, OUT_EIO, err, errlen, e ? e : errno);
    }
    return OUT_OK;
}

static int fsync_dir(const char *path)
{
    char *dir = dir_of(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;
    free(dir);
    if (fd < 0) return -1;
    rc = fsync(fd);
    if (rc && (errno == EINVAL || errno == EROFS)) rc = 0; /* some file systems cannot sync directories */
    close(fd);
    return rc;
}

/* Link the unnamed file under a fresh temporary name and rename that over the target. 0 or -1. */
static int link_and_rename(struct out *o, const char *proc)
{
    static unsigned seq;
    char *dir = dir_of(o->target);
    for (int i = 0; i < 1000; i++) {
        unsigned n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
        char *name = xasprintf("%s/.%.200s.tmp.%ld.%u", dir, base_of(o->target), (long)getpid(), n);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) {
            int rc = rename(name, o->target), e = errno;
            if (rc) unlink(name);
            free(name);
            free(dir);
            errno = e;
            return rc;
        }
        free(name);
        if (errno != EEXIST) break;
    }
    free(dir);
    return -1;
}

/* put the finished file in place: its name, then the directory synced */
static int name_file(struct out *o, char *err, size_t errlen)
{
    int excl = (o->flags & OUT_EXCL) != 0, rc;
    if (o->kind == K_TEMP) {
        rc = excl ? link(o->tmp, o->target) : rename(o->tmp, o->target);
        if (rc == 0 && !excl) {
            free(o->tmp);
            o->tmp = NULL; /* renamed: nothing to remove */
        }
    } else {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
        rc = -1;
        if (excl || !o->replace) rc = linkat(AT_FDCWD, proc, AT_FDCWD, o->target, AT_SYMLINK_FOLLOW);
        if (rc && !excl && (o->replace || errno == EEXIST)) rc = link_and_rename(o, proc);
    }
    if (rc) {
        if (excl && errno == EEXIST) return fail(o, OUT_EIO, err, errlen, "it already exists");
        return fail_errno(o, OUT_EIO, err, errlen, errno);
    }
    if (!(o->flags & OUT_NOSYNC) && fsync_dir(o->target))
        return fail(o, OUT_EIO, err, errlen, "it is in place, but its directory cannot be synced to disk");
    return OUT_OK;
}

static int commit_file(struct out *o, char *err, size_t errlen)
{
    if (o->fd >= 0 && finish_fd(o)) return fail_errno(o, OUT_EIO, err, errlen, errno);
    if (o->kind == K_TEMP && o->fd >= 0) {
        int bad = close(o->fd);
        o->fd = -1;
        if (bad) return fail_errno(o, OUT_EIO, err, errlen, errno);
    }
    return name_file(o, err, errlen);
}

static int commit_inplace(struct out *o, char *err, size_t errlen)
{
    char why[300];
    int bad = ftruncate(o->fd, o->written) || finish_fd(o), e = errno;
    bad |= close(o->fd) != 0;
    o->fd = -1;
    if (!bad) return OUT_OK;
    snprintf(why, sizeof why, "%s (written in place: it may hold part of the new content)", strerror(e ? e : EIO));
    return fail(o, OUT_EIO, err, errlen, why);
}

static int commit_special(struct out *o, char *err, size_t errlen)
{
    if (o->flags & OUT_LATER) {
        o->flags &= ~(unsigned)OUT_LATER;
        if (open_special(o)) return fail_errno(o, OUT_EIO, err, errlen, errno);
        if (put(o, o->held.p ? o->held.p : "", o->held.len)) return fail_errno(o, OUT_EIO, err, errlen, o->werr);
    }
    if (o->kind == K_STDOUT) {
        if (fflush(stdout) || ferror(stdout)) return fail_errno(o, OUT_EIO, err, errlen, errno);
        return OUT_OK;
    }
    int bad = 0;
    if (o->kind == K_DEV && !(o->flags & OUT_NOSYNC) && fsync(o->fd) && errno != EINVAL && errno != EROFS) bad = 1;
    int e = errno;
    if (close(o->fd) && !bad) {
        bad = 1;
        e = errno;
    }
    o->fd = -1;
    return bad ? fail_errno(o, OUT_EIO, err, errlen, e) : OUT_OK;
}

int out_commit(struct out *o, char *err, size_t errlen)
{
    if (o->kind == K_NONE) return OUT_OK;
    close_stream(o);
    int rc;
    if (o->werr) {
        char why[300];
        snprintf(why, sizeof why, "%s%s", strerror(o->werr),
                 o->kind == K_INPLACE ? " (written in place: it may hold part of the new content)" : "");
        rc = fail(o, OUT_EIO, err, errlen, why);
    } else if (special(o->kind)) rc = commit_special(o, err, errlen);
    else if (o->kind == K_INPLACE) rc = commit_inplace(o, err, errlen);
    else rc = commit_file(o, err, errlen);
    release(o);
    return rc;
}

void out_abort(struct out *o)
{
    if (o->kind == K_NONE && !o->path) return;
    release(o);
}

int out_write_file(const char *path, const void *data, size_t len, unsigned flags, int mode, char *err, size_t errlen)
{
    struct out o;
    int rc = out_open(&o, path, flags, mode, err, errlen);
    if (rc) return rc;
    out_write(&o, data, len);
    return out_commit(&o, err, errlen);
}
