/* cmd_init.c — `klartext init [--org FILE]`: the register, the key pair, the controller. */
#include "cli/cli.h"
#include "cli/org_file.h"
#include "sign/keys.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] = "klartext init [--org FILE]";
static const char desc[] = "Create the register (./klartext.db or --db PATH; SQLite, WAL), the organisation's Ed25519\n"
                           "signing key pair next to it (klartext.key, mode 0600, never overwritten; klartext.pub in\n"
                           "minisign's format, to publish) and the controller's details from an INI file (see\n"
                           "docs/init.md). Without --org, placeholders are stored: fix them with 'klartext org set'.";

static void remove_register(const char *path)
{
    char *p;
    unlink(path);
    p = xasprintf("%s-wal", path);
    unlink(p);
    free(p);
    p = xasprintf("%s-shm", path);
    unlink(p);
    free(p);
}

int cmd_init(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt opts[] = {
        {"org", "FILE",
         "the organisation's details (INI: [organisation] [dpo] [service] [notices] [authority] [portal] "
         "[retention])"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage, desc, opts, argc, argv, pos, 0, &npos);
    if (rc) return rc;
    char *vals[64] = {0}, err[1024];
    const char *org = opt_get(opts, "org")->value;
    if (org && (rc = org_file_read(org, vals, err, sizeof err))) {
        opt_free(opts);
        return kt_error(rc, "%s", err);
    }
    opt_free(opts);

    char *keypath = kt_key_path(ctx->db_path, ".key"), *pubpath = kt_key_path(ctx->db_path, ".pub");
    struct stat st;
    reg *r = NULL;
    int created = 0;
    if (stat(ctx->db_path, &st) == 0) {
        rc = kt_error(1, "'%s' already exists: klartext will not initialise over an existing register", ctx->db_path);
        goto out;
    }
    if (reg_target_is_url(ctx->db_path)) { /* a database: is there a register in it already? */
        char e[REG_ERRLEN];
        if (!reg_open(ctx->db_path, REG_OPEN_READONLY, ctx->actor, ctx->cmdline, ctx->now, &r, e, sizeof e)) {
            reg_close(r);
            r = NULL;
            rc = kt_error(
                1, "'%s' already holds a klartext register: klartext will not initialise over an existing register",
                ctx->db_path);
            goto out;
        }
    }
    if (stat(keypath, &st) == 0 || stat(pubpath, &st) == 0) {
        rc = kt_error(1,
                      "'%s' already exists: klartext never overwrites a signing key (move it away or use another --db)",
                      stat(keypath, &st) == 0 ? keypath : pubpath);
        goto out;
    }
    if ((rc = kt_open(ctx, REG_OPEN_CREATE, &r))) goto out;
    created = 1;
    if ((rc = reg_begin(r))) goto fail;
    int missing = 0;
    for (size_t i = 0; i < org_nkeys; i++) {
        if (!vals[i] && org_keys[i].kind == ORG_DURATION) continue; /* the default applies until set */
        const char *v = vals[i] ? vals[i] : org_keys[i].placeholder;
        if (!v) continue; /* optional, no placeholder (notices.bounce_address) */
        if ((rc = reg_org_set(r, org_keys[i].key, v))) goto fail;
        if (!vals[i] && reg_org_is_placeholder(r, org_keys[i].key)) missing++; /* not: a default such as "en" */
    }
    const char *orgname = reg_org_get(r, "organisation.name");
    char *comment = xasprintf("klartext secret key for %.200s; keep private", orgname ? orgname : "this register");
    for (char *c = comment; *c; c++)
        if ((unsigned char)*c < ' ') *c = ' ';
    rc = sign_keypair_create_comment(keypath, pubpath, comment, err, sizeof err);
    free(comment);
    if (rc) {
        rc = kt_error(1, "cannot create the signing key: %s", err);
        goto rollback;
    }
    if ((rc = reg_audit(r, NULL, "key.create", "public_key", NULL, pubpath))) goto fail;
    if ((rc = reg_commit(r))) {
        unlink(keypath);
        unlink(pubpath);
        goto fail;
    }

    printf("Created the register %s\n", ctx->db_path);
    printf("Created the signing key %s (secret, mode 0600: back it up, never publish it)\n", keypath);
    printf("Created the public key  %s (publish it: anyone can verify notices with minisign)\n", pubpath);
    if (!org) {
        kt_warn("no --org file given: the organisation's details are placeholders");
        kt_note("  set them now, e.g.: klartext org set organisation.name='ACME GmbH' dpo.email=dpo@acme.example\n"
                "  'klartext org show' lists every detail; reports and notices need real ones.");
    } else if (missing) {
        kt_warn("%d detail%s missing from '%s' and hold%s a placeholder (see 'klartext org show')", missing,
                missing == 1 ? " is" : "s are", org, missing == 1 ? "s" : "");
    }
    rc = 0;
    goto out;
fail:
    kt_error(rc, "%s", reg_err(r));
rollback:
    reg_rollback(r);
out:
    reg_close(r);
    if (rc && created) {
        if (reg_target_is_url(ctx->db_path)) reg_pg_drop_new(ctx->db_path);
        else remove_register(ctx->db_path);
    }
    for (size_t i = 0; i < org_nkeys; i++) free(vals[i]);
    free(keypath);
    free(pubpath);
    return rc;
}
