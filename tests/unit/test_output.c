/* test_output.c — util/output: every kind of target (a private null and full device, a FIFO
 * with a reader thread, a socket, links, a directory, a read-only directory holding a writable
 * file, the process's own descriptors), replacement keeping mode and owner, a failed write
 * (RLIMIT_FSIZE) leaving the old content and no temporary file, secrets, OUT_EXCL, OUT_LATER
 * and OUT_NO_FD. Some cases need root (mknod, another user): without it they say so and pass. */
#include "check.h"
#include "util/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/kt-output-XXXXXX";
static char e[1024];

/* DIR/NAME in a static buffer (two at a time) */
static const char *P(const char *name)
{
    static char b[2][512];
    static int i;
    i ^= 1;
    snprintf(b[i], sizeof b[i], "%s/%s", dir, name);
    return b[i];
}

static void put(const char *name, const char *s, mode_t mode)
{
    int fd = open(P(name), O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) printf("# cannot make %s\n", name);
    if (fd >= 0) close(fd);
    chmod(P(name), mode);
}

/* the content of DIR/NAME (static buffer; "(missing)" if it cannot be read) */
static const char *get(const char *name)
{
    static char b[1 << 17];
    int fd = open(P(name), O_RDONLY);
    if (fd < 0) return "(missing)";
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    b[n < 0 ? 0 : n] = 0;
    return b;
}

/* entries of DIR (and of DIR/SUB) whose name contains ".tmp" */
static int temps_in(const char *sub)
{
    DIR *d = opendir(sub ? P(sub) : dir);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));) n += strstr(de->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    return n;
}

static mode_t mode_of(const char *name)
{
    struct stat st;
    return lstat(P(name), &st) ? 0 : st.st_mode;
}

static ino_t ino_of(const char *name)
{
    struct stat st;
    return lstat(P(name), &st) ? 0 : st.st_ino;
}

static void test_new_and_replace(void)
{
    umask(022);
    CHECK_INT(out_write_file(P("new.csv"), "a,b\n", 4, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK_STR(get("new.csv"), "a,b\n");
    CHECK_INT(mode_of("new.csv") & 07777, 0644); /* 0666 without the umask */
    put("old.csv", "old content\n", 0640);
    ino_t before = ino_of("old.csv");
    CHECK_INT(out_write_file(P("old.csv"), "new\n", 4, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK_STR(get("old.csv"), "new\n");
    CHECK_INT(mode_of("old.csv") & 07777, 0640); /* kept */
    CHECK(ino_of("old.csv") != before); /* replaced, not rewritten */
    CHECK_INT(out_write_file(P("old.csv"), "x", 1, 0, 0600, e, sizeof e), OUT_OK);
    CHECK_INT(mode_of("old.csv") & 07777, 0600); /* given */
    CHECK_INT(out_write_file(P("empty"), "", 0, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK_STR(get("empty"), "");
    CHECK_INT(temps_in(NULL), 0);
}

static void test_stream(void)
{
    struct out o;
    CHECK_INT(out_open(&o, P("big.txt"), 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    FILE *f = out_stream(&o);
    CHECK(f != NULL && out_stream(&o) == f);
    for (int i = 0; i < 10000; i++) fprintf(f, "%05d\n", i); /* 60,000 bytes: several flushes */
    out_write(&o, "end\n", 4); /* after what the stream holds */
    CHECK_INT(out_commit(&o, e, sizeof e), OUT_OK);
    const char *s = get("big.txt");
    CHECK_INT(strlen(s), 60004);
    CHECK(!strncmp(s, "00000\n00001\n", 12) && !strcmp(s + 60000 - 6, "09999\nend\n"));
    CHECK_INT(temps_in(NULL), 0);
}

/* a private null device (c 1 3) and full device (c 1 7), made here, not the real /dev */
static void test_devices(void)
{
    if (mknod(P("null"), S_IFCHR | 0666, makedev(1, 3)) || mknod(P("full"), S_IFCHR | 0666, makedev(1, 7))) {
        printf("# skipped: mknod needs root (%s)\n", strerror(errno));
        return;
    }
    CHECK_INT(out_write_file(P("null"), "discarded\n", 10, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    struct stat st;
    CHECK(lstat(P("null"), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    CHECK_INT(temps_in(NULL), 0);
    /* a device that fails the write: the error, and the device is still a device */
    CHECK_INT(out_write_file(P("full"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EIO);
    CHECK(strstr(e, "No space left on device") != NULL);
    CHECK(lstat(P("full"), &st) == 0 && S_ISCHR(st.st_mode));
    /* a link to the device is followed: the device is written, the link stays */
    CHECK(symlink("null", P("null-link")) == 0);
    CHECK_INT(out_write_file(P("null-link"), "y", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK(S_ISLNK(mode_of("null-link")) && S_ISCHR(mode_of("null")));
    unlink(P("null"));
    unlink(P("full"));
    unlink(P("null-link"));
}

struct reader {
    const char *path;
    int sock; /* a listening socket, or -1: open path */
    char got[1 << 17];
    size_t n;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;
    int fd = r->sock >= 0 ? accept(r->sock, NULL, NULL) : open(r->path, O_RDONLY);
    if (fd < 0) return NULL;
    ssize_t k;
    while ((k = read(fd, r->got + r->n, sizeof r->got - 1 - r->n)) > 0) r->n += (size_t)k;
    r->got[r->n] = 0;
    close(fd);
    return NULL;
}

static void test_fifo(void)
{
    CHECK(mkfifo(P("fifo"), 0600) == 0);
    static struct reader r;
    memset(&r, 0, sizeof r);
    r.path = P("fifo");
    r.sock = -1;
    pthread_t th;
    pthread_create(&th, NULL, read_all, &r);
    struct out o;
    CHECK_INT(out_open(&o, P("fifo"), 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK); /* waits for the reader */
    fprintf(out_stream(&o), "line %d\n", 1);
    CHECK_INT(out_commit(&o, e, sizeof e), OUT_OK);
    pthread_join(th, NULL);
    CHECK_STR(r.got, "line 1\n");
    CHECK(S_ISFIFO(mode_of("fifo")));
    CHECK_INT(temps_in(NULL), 0);

    /* a reader that went away: an error (EPIPE), not a SIGPIPE that ends the process */
    int rfd = open(P("fifo"), O_RDONLY | O_NONBLOCK);
    CHECK_INT(out_open(&o, P("fifo"), 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    close(rfd);
    out_write(&o, "x", 1);
    CHECK_INT(out_commit(&o, e, sizeof e), OUT_EIO);
    CHECK(strstr(e, "Broken pipe") != NULL);

    /* OUT_LATER: nothing is opened (no reader needed) until the commit; dropped, never opened */
    CHECK_INT(out_open(&o, P("fifo"), OUT_LATER, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    out_write(&o, "never", 5);
    out_abort(&o);
    CHECK_INT(out_open(&o, P("fifo"), OUT_LATER | OUT_NOSYNC, 0600, e, sizeof e), OUT_OK);
    out_write(&o, "later\n", 6);
    memset(&r, 0, sizeof r);
    r.path = P("fifo");
    r.sock = -1;
    pthread_create(&th, NULL, read_all, &r);
    CHECK_INT(out_commit(&o, e, sizeof e), OUT_OK);
    pthread_join(th, NULL);
    CHECK_STR(r.got, "later\n");
    CHECK(S_ISFIFO(mode_of("fifo")));
    unlink(P("fifo"));
}

static void test_socket(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", P("sock"));
    CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 1) == 0);
    static struct reader r;
    memset(&r, 0, sizeof r);
    r.sock = s;
    pthread_t th;
    pthread_create(&th, NULL, read_all, &r);
    CHECK_INT(out_write_file(P("sock"), "to a socket\n", 12, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    pthread_join(th, NULL);
    CHECK_STR(r.got, "to a socket\n");
    CHECK(S_ISSOCK(mode_of("sock")));
    close(s);
    unlink(P("sock"));
}

static void test_links(void)
{
    mkdir(P("reports"), 0755);
    put("reports/2026-0001.csv", "old\n", 0604);
    CHECK(symlink("reports/2026-0001.csv", P("latest.csv")) == 0);
    CHECK_INT(out_write_file(P("latest.csv"), "new\n", 4, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK(S_ISLNK(mode_of("latest.csv")));
    CHECK_STR(get("reports/2026-0001.csv"), "new\n");
    CHECK_INT(mode_of("reports/2026-0001.csv") & 07777, 0604);
    CHECK_INT(temps_in(NULL) + temps_in("reports"), 0);
    /* a chain of links, one of them absolute */
    CHECK(symlink(P("latest.csv"), P("chain")) == 0);
    CHECK_INT(out_write_file(P("chain"), "via chain\n", 10, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK(S_ISLNK(mode_of("chain")) && S_ISLNK(mode_of("latest.csv")));
    CHECK_STR(get("reports/2026-0001.csv"), "via chain\n");
    /* a link to a missing file creates that file (as cp does) */
    CHECK(symlink("reports/new.csv", P("dangling")) == 0);
    CHECK_INT(out_write_file(P("dangling"), "made\n", 5, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    CHECK(S_ISLNK(mode_of("dangling")));
    CHECK_STR(get("reports/new.csv"), "made\n");
    /* ... but not its directory */
    CHECK(symlink("nodir/x.csv", P("nowhere")) == 0);
    CHECK_INT(out_write_file(P("nowhere"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK(strstr(e, "(a link to '") && strstr(e, "nodir/x.csv'") && strstr(e, "there is no directory"));
    /* a loop */
    CHECK(symlink("loop-b", P("loop-a")) == 0);
    CHECK(symlink("loop-a", P("loop-b")) == 0);
    CHECK_INT(out_write_file(P("loop-a"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK(strstr(e, "Too many levels of symbolic links") != NULL);
    CHECK(S_ISLNK(mode_of("loop-a")) && S_ISLNK(mode_of("loop-b")));
}

static void test_bad_paths(void)
{
    mkdir(P("adir"), 0755);
    CHECK_INT(out_write_file(P("adir"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK(strstr(e, "cannot write '") && strstr(e, "/adir': it is a directory"));
    CHECK_INT(out_write_file(P("missing/x.csv"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK(strstr(e, "there is no directory '") != NULL);
    put("plain", "p", 0644);
    CHECK_INT(out_write_file(P("plain/x.csv"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK_INT(out_write_file("", "x", 1, 0, OUT_MODE_KEEP, e, sizeof e), OUT_EARG);
    CHECK_INT(temps_in(NULL) + temps_in("adir"), 0);
}

/* run FN in a child process as user nobody (65534); its exit status */
static int as_nobody(int (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) || setuid(65534)) _exit(99);
        _exit(fn());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

static int write_ro(void)
{
    return out_write_file(P("ro/out.csv"), "new content\n", 12, 0, OUT_MODE_KEEP, e, sizeof e);
}

static int write_ro_locked(void)
{
    int rc = out_write_file(P("ro/locked.csv"), "x", 1, 0, OUT_MODE_KEEP, e, sizeof e);
    return rc == OUT_EIO && strstr(e, "nor write the file itself") ? 0 : 1;
}

/* a read-only directory holding a writable file: written in place (no temporary file possible) */
static void test_readonly_dir(void)
{
    mkdir(P("ro"), 0755);
    put("ro/out.csv", "the old content, longer than the new\n", 0644);
    put("ro/locked.csv", "locked\n", 0444);
    ino_t before = ino_of("ro/out.csv");
    if (geteuid() == 0) {
        /* root ignores permissions: the directory and files belong to nobody, who runs the writes */
        CHECK(chown(P("ro"), 65534, 65534) == 0);
        CHECK(chown(P("ro/out.csv"), 65534, 65534) == 0);
        CHECK(chown(P("ro/locked.csv"), 65534, 65534) == 0);
        chmod(P("ro"), 0555);
        chmod(dir, 0755);
        CHECK_INT(as_nobody(write_ro), OUT_OK);
        CHECK_INT(as_nobody(write_ro_locked), 0);
    } else {
        chmod(P("ro"), 0555);
        CHECK_INT(write_ro(), OUT_OK);
        CHECK_INT(write_ro_locked(), 0);
    }
    CHECK_STR(get("ro/out.csv"), "new content\n"); /* cut to the new length */
    CHECK(ino_of("ro/out.csv") == before);
    CHECK_STR(get("ro/locked.csv"), "locked\n");
    CHECK_INT(temps_in("ro"), 0);
    chmod(P("ro"), 0755);
    chmod(dir, 0700);
}

/* replace DIR/fsize with 5000 bytes under a 1000-byte file size limit (EFBIG): the commit must
 * fail, the old content stay, no temporary file be left */
static int write_too_big(unsigned flags)
{
    static char big[5000];
    memset(big, 'x', sizeof big);
    struct rlimit rl = {1000, 1000};
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl)) return 97;
    struct out o;
    if (out_open(&o, P("fsize"), flags, OUT_MODE_KEEP, e, sizeof e)) return 96;
    out_write(&o, big, sizeof big);
    if (flags & OUT_NO_FD) out_ready(&o, e, sizeof e);
    int rc = out_commit(&o, e, sizeof e);
    return rc == OUT_EIO && strstr(e, "File too large") ? 0 : 1;
}

static void test_failed_write(void)
{
    static const unsigned variants[] = {0, OUT_NO_FD, OUT_NOSYNC};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        put("fsize", "the old content\n", 0644);
        pid_t pid = fork();
        if (pid == 0) _exit(write_too_big(variants[i]));
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK_STR(get("fsize"), "the old content\n");
        CHECK_INT(temps_in(NULL), 0);
    }
    /* the caller drops it */
    struct out o;
    CHECK_INT(out_open(&o, P("fsize"), 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    fprintf(out_stream(&o), "half of it");
    out_abort(&o);
    out_abort(&o); /* twice is harmless */
    CHECK_STR(get("fsize"), "the old content\n");
    CHECK_INT(temps_in(NULL), 0);
}

static void test_excl(void)
{
    CHECK_INT(out_write_file(P("key.pub"), "k\n", 2, OUT_EXCL, 0644, e, sizeof e), OUT_OK);
    CHECK_INT(mode_of("key.pub") & 07777, 0644);
    CHECK_INT(out_write_file(P("key.pub"), "other\n", 6, OUT_EXCL, 0644, e, sizeof e), OUT_EIO);
    CHECK(strstr(e, "key.pub': it already exists") != NULL);
    CHECK_STR(get("key.pub"), "k\n");
    CHECK(symlink("nothing-here", P("dangling.pub")) == 0);
    CHECK_INT(out_write_file(P("dangling.pub"), "x", 1, OUT_EXCL, 0644, e, sizeof e), OUT_EIO);
    CHECK(access(P("nothing-here"), F_OK) != 0);
    /* a file that appears between the open and the commit is not replaced */
    static const unsigned variants[] = {0, OUT_NO_FD};
    for (size_t i = 0; i < 2; i++) {
        struct out o;
        unlink(P("race"));
        CHECK_INT(out_open(&o, P("race"), OUT_EXCL | variants[i], 0644, e, sizeof e), OUT_OK);
        out_write(&o, "mine", 4);
        put("race", "theirs", 0644);
        CHECK_INT(out_commit(&o, e, sizeof e), OUT_EIO);
        CHECK(strstr(e, "it already exists") != NULL);
        CHECK_STR(get("race"), "theirs");
    }
    CHECK_INT(temps_in(NULL), 0);
}

static void test_secret(void)
{
    mkdir(P("keys"), 0700);
    CHECK_INT(out_write_file(P("keys/k.key"), "secret\n", 7, OUT_SECRET | OUT_EXCL, 0644, e, sizeof e), OUT_OK);
    CHECK_INT(mode_of("keys/k.key") & 07777, 0600); /* whatever the mode says */
    CHECK(symlink("k2.key", P("keys/link.key")) == 0);
    CHECK_INT(out_write_file(P("keys/link.key"), "s", 1, OUT_SECRET, 0600, e, sizeof e), OUT_EIO);
    CHECK(strstr(e, "symbolic link") != NULL);
    CHECK(access(P("keys/k2.key"), F_OK) != 0);
    mkdir(P("open"), 0777);
    chmod(P("open"), 0777);
    CHECK_INT(out_write_file(P("open/k.key"), "s", 1, OUT_SECRET | OUT_EXCL, 0600, e, sizeof e), OUT_EIO);
    CHECK(strstr(e, "everyone may write there (mode 0777, no sticky bit)") != NULL);
    CHECK(access(P("open/k.key"), F_OK) != 0);
    CHECK_INT(out_write_file(P("open/k.pub"), "p", 1, OUT_EXCL, 0644, e, sizeof e), OUT_OK); /* not a secret */
    chmod(P("open"), 01777); /* like /tmp: others cannot replace our file */
    CHECK_INT(out_write_file(P("open/k.key"), "s", 1, OUT_SECRET | OUT_EXCL, 0600, e, sizeof e), OUT_OK);
    CHECK_INT(mode_of("open/k.key") & 07777, 0600);
    CHECK_INT(temps_in("keys") + temps_in("open"), 0);
}

/* notify's way: many outputs written first, named after a commit elsewhere, some dropped */
static void test_later(void)
{
    mkdir(P("eml"), 0700);
    static const unsigned variants[] = {OUT_LATER | OUT_NOSYNC, OUT_LATER | OUT_NOSYNC | OUT_NO_FD};
    for (size_t v = 0; v < 2; v++) {
        struct out o[20];
        char name[64];
        for (int i = 0; i < 20; i++) {
            snprintf(name, sizeof name, "eml/%zu-%02d.eml", v, i);
            CHECK_INT(out_open(&o[i], P(name), variants[v], 0600, e, sizeof e), OUT_OK);
            out_write(&o[i], name, strlen(name));
            CHECK_INT(out_ready(&o[i], e, sizeof e), OUT_OK);
            CHECK(access(P(name), F_OK) != 0); /* not there before its commit */
        }
        /* the named temporary files are in the target's directory, the unnamed ones nowhere */
        CHECK_INT(temps_in("eml"), v == 1 ? 20 : 0);
        for (int i = 0; i < 20; i++) {
            if (i % 2) out_abort(&o[i]);
            else CHECK_INT(out_commit(&o[i], e, sizeof e), OUT_OK);
        }
        for (int i = 0; i < 20; i++) {
            snprintf(name, sizeof name, "eml/%zu-%02d.eml", v, i);
            CHECK(access(P(name), F_OK) == (i % 2 ? -1 : 0));
            if (!(i % 2)) CHECK_STR(get(name), name);
            if (!(i % 2)) CHECK_INT(mode_of(name) & 07777, 0600);
        }
        CHECK_INT(temps_in("eml"), 0);
    }
    /* replacing a file of the same name from an earlier run */
    struct out o;
    CHECK_INT(out_open(&o, P("eml/0-00.eml"), OUT_LATER | OUT_NOSYNC, 0600, e, sizeof e), OUT_OK);
    out_write(&o, "again", 5);
    CHECK_STR(get("eml/0-00.eml"), "eml/0-00.eml");
    CHECK_INT(out_commit(&o, e, sizeof e), OUT_OK);
    CHECK_STR(get("eml/0-00.eml"), "again");
    CHECK_INT(temps_in("eml"), 0);
}

/* the process's own descriptors: written as they are open (here: appending), never replaced */
static void test_own_fds(void)
{
    put("log", "first\n", 0644);
    ino_t before = ino_of("log");
    int fd = open(P("log"), O_WRONLY | O_APPEND);
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fd);
    CHECK_INT(out_write_file(path, "second\n", 7, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK_INT(out_write_file(path, "third\n", 6, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    close(fd);
    CHECK_STR(get("log"), "first\nsecond\nthird\n");
    CHECK(ino_of("log") == before);
    /* "-" and a link to /proc/self/fd/1 (as /dev/stdout is; not the machine's own, which a
       broken helper would replace) are standard output, through stdio */
    CHECK(symlink("/proc/self/fd/1", P("my-stdout")) == 0);
    fflush(stdout);
    int saved = dup(1);
    fd = open(P("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    close(fd);
    int rc1 = out_write_file("-", "dash\n", 5, 0, OUT_MODE_KEEP, e, sizeof e);
    int rc2 = out_write_file(P("my-stdout"), "dev\n", 4, 0, OUT_MODE_KEEP, e, sizeof e);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK_INT(rc1, OUT_OK);
    CHECK_INT(rc2, OUT_OK);
    CHECK_STR(get("stdout"), "dash\ndev\n");
    CHECK(S_ISLNK(mode_of("my-stdout")));
}

/* replacing another user's file keeps its owner (root may give a file away) */
static void test_owner(void)
{
    if (geteuid() != 0) {
        printf("# skipped: keeping another user's ownership needs root\n");
        return;
    }
    put("theirs.csv", "old\n", 0640);
    CHECK(chown(P("theirs.csv"), 65534, 65534) == 0);
    CHECK_INT(out_write_file(P("theirs.csv"), "new\n", 4, 0, OUT_MODE_KEEP, e, sizeof e), OUT_OK);
    struct stat st;
    CHECK(lstat(P("theirs.csv"), &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534 && (st.st_mode & 07777) == 0640);
    CHECK_STR(get("theirs.csv"), "new\n");
}

int main(void)
{
    alarm(120); /* a FIFO reader left waiting must not hang the suite */
    if (!mkdtemp(dir)) return 1;
    RUN(test_new_and_replace);
    RUN(test_stream);
    RUN(test_devices);
    RUN(test_fifo);
    RUN(test_socket);
    RUN(test_links);
    RUN(test_bad_paths);
    RUN(test_readonly_dir);
    RUN(test_failed_write);
    RUN(test_excl);
    RUN(test_secret);
    RUN(test_later);
    RUN(test_own_fds);
    RUN(test_owner);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwX %s && rm -rf %s", dir, dir);
    if (system(cmd)) printf("# cannot remove %s\n", dir);
    return check_done();
}
