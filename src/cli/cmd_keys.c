/* cmd_keys.c — `klartext keys portal --out FILE`: the portal key file, so that a portal runs
 * without the signing key (sign/portalkeys.h; docs/serve.md "A portal without the signing key"). */
#include "cli/cli.h"
#include "sign/portalkeys.h"
#include "util/file.h"
#include "util/xalloc.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] = "klartext keys portal --out FILE";
static const char desc[] =
    "Write the portal key file: the keys 'klartext serve' needs (the notice-code look-up key, the\n"
    "keys of its address and audit hashes, derived from the signing key) and the public key, but not\n"
    "the signing key (mode 0600, never replaced). 'klartext serve --portal-keys FILE' runs with it on\n"
    "a machine that holds no klartext.key: whoever takes the portal cannot sign notices or log\n"
    "checkpoints. Recorded in the audit trail ('key.portal').";

/* the three keys of the register's signing key and its public key file's text */
static int derive(struct kt_ctx *ctx, struct portal_keys *pk, char **pubtext)
{
    char *keypath = kt_key_path(ctx->db_path, ".key"), *pubpath = kt_key_path(ctx->db_path, ".pub"), err[1024];
    int rc = 0;
    sign_key *k = sign_key_load(keypath, err, sizeof err);
    if (!k) rc = kt_error(1, "%s", err);
    else if (file_read(pubpath, 4096, pubtext, NULL, err, sizeof err))
        rc = kt_error(1, "cannot read the public key: %s", err);
    if (k) portal_keys_derive(k, pk);
    sign_key_free(k);
    free(keypath);
    free(pubpath);
    return rc;
}

/* the file and the audit entry, in the register's transaction: the file goes when it fails */
static int write_keys(struct kt_ctx *ctx, const char *out)
{
    reg *r = NULL;
    char *pubtext = NULL, err[1024];
    struct stat st;
    /* never replaced (util/output's OUT_EXCL says so too, but as a failure, after the work) */
    if (lstat(out, &st) == 0)
        return kt_error(2,
                        "--out '%s': the file already exists; a portal key file is never replaced (remove it, or "
                        "name a new file)",
                        out);
    struct portal_keys *pk = sodium_init() < 0 ? NULL : sodium_malloc(sizeof *pk);
    if (!pk) return kt_error(1, "cannot allocate secure memory");
    int rc = derive(ctx, pk, &pubtext), written = 0;
    if (!rc) rc = kt_open(ctx, 0, &r);
    if (!rc && (rc = reg_begin(r))) kt_error(rc, "%s", reg_err(r));
    if (!rc && (rc = portal_keys_write(out, pk, pubtext, err, sizeof err))) kt_error(rc, "%s", err);
    written = !rc;
    if (!rc && ((rc = reg_audit(r, NULL, "key.portal", "file", NULL, out)) || (rc = reg_commit(r))))
        kt_error(rc, "%s", reg_err(r));
    if (rc) {
        reg_rollback(r);
        if (written) unlink(out);
    } else {
        kt_note("wrote the portal key file %s (mode 0600): copy it to the portal machine and run\n"
                "  klartext serve --portal-keys FILE; it holds no signing key, but it is a secret: with it one can\n"
                "  test whether a code or an address belongs to a notice of this register",
                out);
    }
    reg_close(r);
    free(pubtext);
    sodium_free(pk);
    return rc;
}

int cmd_keys(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"out", "FILE", "portal: the portal key file to create (mode 0600, never replaced)"},
        {0},
    };
    char *out;
    int rc = opt_parse_sub(usage, desc, o, argc, argv, "keys", "portal", "out",
                           "keys portal needs --out FILE: the portal key file to create", &out);
    if (rc) return rc;
    rc = write_keys(ctx, out);
    free(out);
    return rc;
}
