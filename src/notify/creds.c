/* creds.c — SMTP credentials (see creds.h). */
#include "notify/creds.h"
#include "util/err.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CREDS_MAX 4096

void creds_free(struct creds *cr)
{
    if (cr->user) {
        sodium_memzero(cr->user, strlen(cr->user));
        sodium_free(cr->user);
    }
    if (cr->password) {
        sodium_memzero(cr->password, strlen(cr->password));
        sodium_free(cr->password);
    }
    cr->user = cr->password = NULL;
}

static char *secure_dup(const char *s, size_t n)
{
    if (sodium_init() < 0) return NULL;
    char *p = sodium_malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* one line "KEY = VALUE" (P, NUL-terminated, comments and blank lines already skipped) */
static int creds_line(const char *path, int line, char *q, struct creds *cr, char *err, size_t errlen)
{
    char *eq = strchr(q, '=');
    if (!eq) {
        err_set(err, errlen, "%s line %d: expected 'user = NAME' or 'password = SECRET'", path, line);
        return 2;
    }
    char *k = q, *ke = eq;
    while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
    char *v = eq + 1;
    while (*v == ' ' || *v == '\t') v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r')) vl--;
    size_t kl = (size_t)(ke - k);
    char **dst = kl == 4 && !memcmp(k, "user", 4)       ? &cr->user
                 : kl == 8 && !memcmp(k, "password", 8) ? &cr->password
                                                        : NULL;
    if (!dst) {
        err_set(err, errlen, "%s line %d: unknown key '%.*s' (use user and password)", path, line, (int)kl, k);
        return 2;
    }
    if (*dst) sodium_free(*dst);
    *dst = secure_dup(v, vl);
    return 0;
}

/* the lines of B (NUL-terminated, changed in place) */
static int creds_parse(const char *path, char *b, struct creds *cr, char *err, size_t errlen)
{
    int rc = 0, line = 0;
    for (char *p = b; *p && !rc;) {
        char *e = strchr(p, '\n');
        if (e) *e = 0;
        line++;
        char *q = p;
        while (*q == ' ' || *q == '\t') q++;
        if (*q && *q != '#' && *q != ';') rc = creds_line(path, line, q, cr, err, errlen);
        if (!e) break;
        p = e + 1;
    }
    return rc;
}

/* open PATH: a regular file that only its owner may read or write, at most CREDS_MAX bytes */
static int creds_open(const char *path, int *fd, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO or device given by mistake must not block before the type check */
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (*fd < 0) {
        err_set(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) err_set(err, errlen, "'%s' is not a regular file", path);
    else if (st.st_mode & 077)
        err_set(err, errlen, "'%s' is %s by others (mode %04o): it holds a password; run chmod 600 '%s'", path,
                (st.st_mode & 044)   ? "readable"
                : (st.st_mode & 022) ? "writable"
                                     : "accessible",
                (unsigned)(st.st_mode & 07777), path);
    else if (st.st_size > CREDS_MAX) err_set(err, errlen, "'%s' is larger than %d bytes", path, CREDS_MAX);
    else return 0;
    close(*fd);
    *fd = -1;
    return 2;
}

int creds_load(const char *path, struct creds *cr, char *err, size_t errlen)
{
    int fd, rc;
    if ((rc = creds_open(path, &fd, err, errlen))) return rc;
    char *b = sodium_init() < 0 ? NULL : sodium_malloc(CREDS_MAX + 1);
    if (!b) {
        close(fd);
        err_set(err, errlen, "out of memory");
        return 1;
    }
    ssize_t n = read(fd, b, CREDS_MAX);
    close(fd);
    if (n < 0) {
        err_set(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        sodium_free(b);
        return 1;
    }
    b[n] = 0;
    rc = creds_parse(path, b, cr, err, errlen);
    sodium_memzero(b, CREDS_MAX + 1);
    sodium_free(b);
    if (!rc && (!cr->user || !cr->password)) {
        err_set(err, errlen, "%s: needs both 'user' and 'password'", path);
        rc = 2;
    }
    if (rc) creds_free(cr);
    return rc;
}

int creds_env(struct creds *cr, char *err, size_t errlen)
{
    char *u = getenv("KLARTEXT_SMTP_USER"), *p = getenv("KLARTEXT_SMTP_PASSWORD");
    if (!u && !p) return 0;
    if (!u || !p || !*u) {
        err_set(err, errlen, "set both KLARTEXT_SMTP_USER and KLARTEXT_SMTP_PASSWORD, or neither");
        return 2;
    }
    cr->user = secure_dup(u, strlen(u));
    cr->password = secure_dup(p, strlen(p));
    sodium_memzero(p, strlen(p)); /* wipe the copy in the environment */
    unsetenv("KLARTEXT_SMTP_PASSWORD");
    if (!cr->user || !cr->password) {
        creds_free(cr);
        err_set(err, errlen, "out of memory");
        return 1;
    }
    return 0;
}
