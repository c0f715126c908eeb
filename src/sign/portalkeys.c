/* portalkeys.c — the portal's key file (see portalkeys.h). */
#include "sign/portalkeys.h"
#include "sign/subkey.h"
#include "util/err.h"
#include "util/output.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#define MAGIC "klartext portal keys v1\n"

void portal_keys_derive(const sign_key *k, struct portal_keys *pk)
{
    sign_subkey(k, SUBKEY_CODE, pk->code);
    sign_subkey(k, SUBKEY_PORTAL_ADDRESS, pk->address);
    sign_subkey(k, SUBKEY_PORTAL_AUDIT, pk->audit);
}

static const char *const names[3] = {"code-lookup", "address", "audit"};

static unsigned char *key_of(struct portal_keys *pk, int i)
{
    return i == 0 ? pk->code : i == 1 ? pk->address : pk->audit;
}

int portal_keys_write(const char *path, const struct portal_keys *pk, const char *pubtext, char *err, size_t errlen)
{
    unsigned char id[SIGN_KEYID_BYTES], pub[SIGN_PK_BYTES];
    char perr[256];
    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return 1;
    }
    if (sign_pubkey_parse(pubtext, strlen(pubtext), pub, id, perr, sizeof perr)) {
        err_set(err, errlen, "the public key: %s", perr);
        return 1;
    }
    size_t publen = strlen(pubtext), cap = sizeof MAGIC + 3 * (16 + 64 + 2) + publen + 2;
    char *text = sodium_malloc(cap);
    if (!text) {
        err_set(err, errlen, "cannot allocate secure memory");
        return 1;
    }
    size_t n = strlen(MAGIC);
    memcpy(text, MAGIC, n);
    struct portal_keys copy = *pk;
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(names[i]);
        memcpy(text + n, names[i], k);
        text[n + k] = ' ';
        n += k + 1;
        sodium_bin2hex(text + n, 65, key_of(&copy, i), 32);
        n += 64;
        text[n++] = '\n';
    }
    sodium_memzero(&copy, sizeof copy);
    memcpy(text + n, pubtext, publen);
    n += publen;
    if (publen && pubtext[publen - 1] != '\n') text[n++] = '\n';
    int rc = out_write_file(path, text, n, OUT_SECRET | OUT_EXCL, 0600, err, errlen);
    sodium_free(text);
    return rc;
}

/* the file's bytes into sodium_malloc'd memory, after the checks of a secret key file; NULL with
   *rc 2 (the file is not what it must be: bad input) or 1 (it cannot be read) */
static char *read_secret(const char *path, size_t *len, int *rc, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    *rc = 2;
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG) *rc = 1;
        err_set(err, errlen, "cannot open the portal key file '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(err, errlen, "'%s' is not a regular file", path);
    } else if (st.st_mode & 077) {
        err_set(err, errlen, "'%s' is %s by others (mode %04o); run chmod 600 '%s'", path,
                (st.st_mode & 044)   ? "readable"
                : (st.st_mode & 022) ? "writable"
                                     : "accessible",
                (unsigned)(st.st_mode & 07777), path);
    } else if (!(text = sodium_malloc(PORTAL_KEYS_MAX + 1))) {
        err_set(err, errlen, "cannot allocate secure memory");
        *rc = 1;
    } else {
        size_t n = 0;
        int bad = 0;
        for (;;) {
            ssize_t r = read(fd, text + n, PORTAL_KEYS_MAX + 1 - n);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                bad = r < 0;
                break;
            }
            n += (size_t)r;
            if (n > PORTAL_KEYS_MAX) {
                bad = 2;
                break;
            }
        }
        if (bad) {
            if (bad == 1) *rc = 1;
            if (bad == 1) err_set(err, errlen, "cannot read '%s': %s", path, strerror(errno));
            else err_set(err, errlen, "'%s' is too large to be a portal key file", path);
            sodium_free(text);
            text = NULL;
        } else {
            text[n] = 0;
            *len = n;
        }
    }
    close(fd);
    return text;
}

int portal_keys_load(const char *path, struct portal_keys *pk, char **pubtext, char *err, size_t errlen)
{
    size_t len = 0;
    int rc;
    *pubtext = NULL;
    if (sodium_init() < 0) {
        err_set(err, errlen, "cannot initialise libsodium");
        return 1;
    }
    char *text = read_secret(path, &len, &rc, err, errlen);
    if (!text) return rc;
    rc = 2; /* until the file is read whole: not a portal key file */
    const char *p = text;
    if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC))) {
        err_set(err, errlen,
                "'%s' line 1: not a portal key file (it starts with 'klartext portal keys v1'; made by 'klartext keys "
                "portal')",
                path);
        goto out;
    }
    p += strlen(MAGIC);
    for (int i = 0; i < 3; i++) {
        size_t k = strlen(names[i]);
        const char *end = NULL;
        if (strncmp(p, names[i], k) || p[k] != ' ' ||
            sodium_hex2bin(key_of(pk, i), 32, p + k + 1, 64, NULL, NULL, &end) || end != p + k + 65 || *end != '\n') {
            err_set(err, errlen, "'%s' line %d: expected '%s' and 64 hex digits", path, i + 2, names[i]);
            goto out;
        }
        p = end + 1;
    }
    unsigned char id[SIGN_KEYID_BYTES], pub[SIGN_PK_BYTES];
    char perr[256];
    if (sign_pubkey_parse(p, len - (size_t)(p - text), pub, id, perr, sizeof perr)) {
        err_set(err, errlen, "'%s' line 5: the public key: %s", path, perr);
        goto out;
    }
    *pubtext = strdup(p);
    rc = 0;
    if (!*pubtext) {
        err_set(err, errlen, "out of memory");
        rc = 1;
    }
out:
    if (rc) sodium_memzero(pk, sizeof *pk);
    sodium_free(text);
    return rc;
}
