/* bounce.c — reading returned mail from a Maildir or an mbox into the register (notify.h, dsn.h,
 * register/bounces.h); the bounce addresses themselves are verp.c's. */
#include "notify/dsn.h"
#include "notify/notify.h"
#include "register/bounces.h"
#include "util/file.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MBOX_MAX ((size_t)1 << 31) /* an mbox read whole, at most */

/* ---------------------------------------------------------------- one returned mail */

struct bctx {
    reg *r;
    const struct incident *inc;
    const char *local; /* the bounce address's local part, or NULL */
    int64_t at;
    struct notify_bounce_stats *st;
};

static void list_item(struct bctx *b, enum notify_bounce_what what, const char *source, const char *notice_id,
                      const char *detail)
{
    struct notify_bounce_stats *st = b->st;
    st->items = xrealloc(st->items, (st->nitems + 1) * sizeof *st->items);
    struct notify_bounce_item *it = &st->items[st->nitems++];
    memset(it, 0, sizeof *it);
    it->what = what;
    snprintf(it->source, sizeof it->source, "%s", source);
    snprintf(it->notice_id, sizeof it->notice_id, "%s", notice_id ? notice_id : "");
    snprintf(it->detail, sizeof it->detail, "%s", detail ? detail : "");
    notify_mask_reply(it->detail, sizeof it->detail);
}

/* record a failed or delayed report D about the notice it names */
static int record(struct bctx *b, const struct dsn_result *d, const char *msg, size_t n, const char *source)
{
    struct notice_info ni;
    int found = 0, rc, added = 0;
    if ((rc = outbox_find_id(b->r, d->notice_id, &ni, &found))) return rc;
    if (!found || ni.incident_id != b->inc->id) {
        list_item(b, found ? NB_OTHER_INCIDENT : NB_UNKNOWN_NOTICE, source, d->notice_id,
                  found ? "a notice of another incident" : "no notice has this id");
        b->st->unmatched++;
        if (found) notice_info_release(&ni);
        return 0;
    }
    uint8_t h[32];
    char hex[65], diag[sizeof d->diagnostic];
    sha256_hash(msg, n, h);
    sha256_to_hex(h, hex);
    snprintf(diag, sizeof diag, "%s", d->diagnostic);
    notify_mask_reply(diag, sizeof diag);
    struct bounce_new bn = {.notice = ni.row,
                            .incident_id = b->inc->id,
                            .at = b->at,
                            .failed = d->kind == DSN_FAILED,
                            .status = d->status,
                            .action = d->action,
                            .diagnostic = diag,
                            .source = source,
                            .sha256 = hex};
    notice_info_release(&ni);
    if ((rc = bounce_add(b->r, &bn, &added))) return rc;
    if (!added) b->st->again++;
    else if (d->kind == DSN_FAILED) b->st->failed++;
    else b->st->delayed++;
    return 0;
}

static int one_mail(struct bctx *b, const char *msg, size_t n, const char *source)
{
    struct dsn_result d;
    b->st->mails++;
    enum dsn_kind k = dsn_read(msg, n, b->local, &d);
    if (k == DSN_MALFORMED) {
        b->st->malformed++;
        list_item(b, NB_MALFORMED, source, d.notice_id, d.why);
        return 0;
    }
    if (k == DSN_NOT_BOUNCE) {
        b->st->not_bounce++;
        list_item(b, NB_NOT_BOUNCE, source, d.notice_id, d.why);
        return 0;
    }
    if (d.by == DSN_BY_NONE) {
        b->st->unmatched++;
        list_item(b, NB_UNMATCHED, source, "",
                  *d.diagnostic ? d.diagnostic : "names no notice (no bounce address, no Message-ID of a notice)");
        return 0;
    }
    return record(b, &d, msg, n, source);
}

/* ---------------------------------------------------------------- mbox and Maildir */

static int read_mbox(struct bctx *b, const char *path, const char *buf, size_t n)
{
    size_t pos = 0, len, line = 1, lpos = 0;
    const char *msg;
    int stray, rc = 0;
    int64_t k = 0;
    for (size_t at = 0; !rc && dsn_mbox_next(buf, n, &pos, &msg, &len, &stray) == 0; at = pos) {
        for (; lpos < at; lpos++) line += buf[lpos] == '\n'; /* the line of its "From " line */
        char source[400];
        snprintf(source, sizeof source, "%s, message %lld (line %zu)", path, (long long)++k, line);
        if (stray) {
            b->st->mails++;
            b->st->malformed++;
            list_item(b, NB_MALFORMED, source, "", "text before the first 'From ' line of the mbox");
            continue;
        }
        rc = one_mail(b, msg, len, source);
    }
    return rc;
}

/* an mbox: it starts with a "From " line, or with something that is no header field and holds a
   "From " line after a blank line (text before the first message, counted on its own) */
static int is_mbox(const char *buf, size_t n)
{
    if (n >= 5 && !memcmp(buf, "From ", 5)) return 1;
    size_t i = 0;
    while (i < n && buf[i] != ':' && buf[i] != ' ' && buf[i] != '\n') i++;
    if (i < n && buf[i] == ':' && i > 0) return 0; /* "Name: value": one message */
    for (size_t k = 0; k + 7 <= n; k++)
        if (buf[k] == '\n' && buf[k + 1] == '\n' && !memcmp(buf + k + 2, "From ", 5)) return 1;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the files of a Maildir: cur/ and new/ (or the directory itself when it has neither), sorted */
static int maildir_files(const char *dir, char ***out, size_t *n)
{
    static const char *const subs[] = {"cur", "new", ""};
    *out = NULL;
    *n = 0;
    int any = 0;
    for (int k = 0; k < 3; k++) {
        if (!*subs[k] && any) break;
        char d[4096];
        snprintf(d, sizeof d, "%s%s%s", dir, *subs[k] ? "/" : "", subs[k]);
        DIR *dh = opendir(d);
        if (!dh) continue;
        any = 1;
        struct dirent *de;
        while ((de = readdir(dh))) {
            if (de->d_name[0] == '.') continue;
            char *p = xasprintf("%s/%s", d, de->d_name);
            struct stat st;
            if (stat(p, &st) || !S_ISREG(st.st_mode)) {
                free(p);
                continue;
            }
            *out = xrealloc(*out, (*n + 1) * sizeof **out);
            (*out)[(*n)++] = p;
        }
        closedir(dh);
    }
    if (*n) qsort(*out, *n, sizeof **out, by_name);
    return any ? 0 : -1;
}

static int read_maildir(struct bctx *b, const char *dir)
{
    char **files = NULL;
    size_t n = 0;
    int rc = 0;
    if (maildir_files(dir, &files, &n)) return reg_fail(b->r, 2, "cannot read the directory '%s'", dir);
    for (size_t i = 0; i < n; i++) {
        char *msg = NULL, err[600];
        size_t len = 0;
        if (!rc && file_read(files[i], DSN_MSG_MAX, &msg, &len, err, sizeof err)) {
            b->st->mails++;
            b->st->malformed++;
            list_item(b, NB_MALFORMED, files[i], "", err);
        } else if (!rc) rc = one_mail(b, msg, len, files[i]);
        free(msg);
        free(files[i]);
    }
    free(files);
    return rc;
}

int notify_bounces(reg *r, const struct incident *inc, const char *path, int64_t at, struct notify_bounce_stats *st)
{
    memset(st, 0, sizeof *st);
    const char *bounce = reg_org_get(r, "notices.bounce_address");
    char local[128] = "";
    const char *atp = bounce ? strrchr(bounce, '@') : NULL;
    if (atp) snprintf(local, sizeof local, "%.*s", (int)(atp - bounce), bounce);
    struct bctx b = {.r = r, .inc = inc, .local = *local ? local : NULL, .at = at, .st = st};
    struct stat sb;
    if (stat(path, &sb)) return reg_fail(r, 2, "cannot read '%s': %s", path, strerror(errno));
    int rc;
    if ((rc = reg_begin(r))) return rc;
    if (S_ISDIR(sb.st_mode)) rc = read_maildir(&b, path);
    else {
        char *buf = NULL, err[600];
        size_t n = 0;
        int frc = file_read(path, MBOX_MAX, &buf, &n, err, sizeof err);
        if (frc) rc = reg_fail(r, file_exit_code(frc), "%s", err);
        else if (is_mbox(buf, n)) rc = read_mbox(&b, path, buf, n);
        else rc = one_mail(&b, buf, n, path); /* one saved message */
        free(buf);
    }
    if (!rc) rc = reg_commit(r);
    if (rc) reg_rollback(r);
    return rc;
}

void notify_bounce_stats_release(struct notify_bounce_stats *st)
{
    free(st->items);
    memset(st, 0, sizeof *st);
}
