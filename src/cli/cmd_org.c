/* cmd_org.c — `klartext org show|set` and the organisation file (INI) reader used by init. */
#include "cli/cli.h"
#include "cli/org_file.h"
#include "util/file.h"
#include "util/ini.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct org_ctx {
    char *vals[64]; /* index = position in org_keys */
    int lines[64];
};

static int org_cb(void *vctx, const char *section, const char *sub, const char *key, const char *value, int line,
                  char *err, size_t errlen)
{
    struct org_ctx *c = vctx;
    if (!key) {
        static const char *const sections[] = {"organisation", "dpo",    "service",   "notices",
                                               "authority",    "portal", "retention", NULL};
        for (const char *const *s = sections; *s; s++)
            if (!strcmp(*s, section) && !sub) return 0;
        snprintf(err, errlen,
                 "unknown section [%s%s%s%s] (expected organisation, dpo, service, notices, authority, portal, "
                 "retention)",
                 section, sub ? " \"" : "", sub ? sub : "", sub ? "\"" : "");
        return -1;
    }
    if (!*section) {
        snprintf(err, errlen, "'%s' stands outside a section (e.g. put it under [organisation])", key);
        return -1;
    }
    char full[160];
    snprintf(full, sizeof full, "%s.%s", section, key);
    const struct org_key *k = org_key_find(full);
    if (!k) {
        snprintf(err, errlen, "unknown key '%s' in [%s]", key, section);
        return -1;
    }
    size_t idx = (size_t)(k - org_keys);
    if (c->vals[idx]) {
        snprintf(err, errlen, "'%s' given twice (first on line %d)", full, c->lines[idx]);
        return -1;
    }
    char canon[2048], e[512];
    if (org_validate(full, value, canon, sizeof canon, e, sizeof e)) {
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    c->vals[idx] = xstrdup(canon);
    c->lines[idx] = line;
    return 0;
}

int org_file_read(const char *path, char *vals[], char *err, size_t errlen)
{
    /* a file of exactly 1 MiB is fine, one more byte is not */
    enum { ORG_FILE_MAX = 1 << 20 };
    char *text;
    size_t n;
    int frc = file_read(path, ORG_FILE_MAX, &text, &n, err, errlen);
    if (frc == FILE_ETOOBIG) {
        snprintf(err, errlen, "'%s' is larger than %d bytes: too large for an organisation file", path, ORG_FILE_MAX);
        return 2;
    }
    if (frc) return frc == FILE_ENOENT ? 2 : 1;
    struct org_ctx c = {0};
    char e[800];
    int rc = ini_parse(text, n, org_cb, &c, e, sizeof e);
    free(text);
    if (rc) {
        for (size_t i = 0; i < org_nkeys; i++) free(c.vals[i]);
        snprintf(err, errlen, "%s %s", path, e);
        return 2;
    }
    for (size_t i = 0; i < org_nkeys; i++) vals[i] = c.vals[i];
    return 0;
}

static const char org_usage[] = "klartext org show | klartext org set KEY=VALUE...";
static const char org_desc[] =
    "The controller's details that reports and notices carry: organisation, DPO, customer service,\n"
    "sender addresses, lead supervisory authority, portal address, languages, NIS2 scope, and the\n"
    "retention policy (ISO 8601 durations after the incident's closing, docs/retention.md).\n"
    "Keys: organisation.name organisation.address organisation.timezone organisation.languages\n"
    "      organisation.nis2 dpo.name dpo.email dpo.phone service.phone service.hours notices.from\n"
    "      notices.reply_to notices.bounce_address authority.lead portal.url retention.contact_data retention.notices\n"
    "      retention.exposures retention.viewer_identities";

static int org_show(struct kt_ctx *ctx, reg *r)
{
    if (ctx->json) {
        json_t *o = json_object();
        for (size_t i = 0; i < org_nkeys; i++) {
            const char *v = reg_org_value(r, org_keys[i].key, NULL);
            json_object_set_new(o, org_keys[i].key, v ? json_string(v) : json_null());
        }
        return kt_json_print(o);
    }
    int placeholders = 0;
    for (size_t i = 0; i < org_nkeys; i++) {
        int dflt = 0;
        const char *v = reg_org_value(r, org_keys[i].key, &dflt);
        int ph = reg_org_is_placeholder(r, org_keys[i].key);
        placeholders += ph;
        printf("%-29s %s%s%s\n", org_keys[i].key, v ? v : "(not set)", ph ? "   <- placeholder" : "",
               dflt ? "   (default)" : "");
    }
    if (placeholders)
        printf("\n%d detail%s still hold%s a placeholder: set %s with 'klartext org set KEY=VALUE'.\n"
               "Reports and notices need real details.\n",
               placeholders, placeholders == 1 ? "" : "s", placeholders == 1 ? "s" : "",
               placeholders == 1 ? "it" : "them");
    return 0;
}

int cmd_org(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt opts[] = {{0}};
    char *pos[64];
    int npos, rc = opt_parse(org_usage, org_desc, opts, argc, argv, pos, 64, &npos);
    if (rc) return rc;
    if (npos == 0) {
        kt_error(2, "org needs 'show' or 'set'");
        usage_line(org_usage);
        return 2;
    }
    reg *r;
    if (!strcmp(pos[0], "show")) {
        if (npos > 1) {
            kt_error(2, "unexpected argument '%s'", pos[1]);
            usage_line(org_usage);
            return 2;
        }
        if ((rc = kt_open(ctx, 0, &r))) return rc;
        rc = org_show(ctx, r);
        reg_close(r);
        return rc;
    }
    if (strcmp(pos[0], "set")) {
        kt_error(2, "unknown org command '%s'", pos[0]);
        usage_line(org_usage);
        return 2;
    }
    if (npos < 2) {
        kt_error(2, "org set needs KEY=VALUE");
        usage_line(org_usage);
        return 2;
    }
    /* validate everything before opening the register */
    for (int i = 1; i < npos; i++) {
        char *eq = strchr(pos[i], '=');
        if (!eq) return kt_error(2, "'%s' is not KEY=VALUE", pos[i]);
        char key[128], canon[2048], err[512];
        snprintf(key, sizeof key, "%.*s", (int)(eq - pos[i]), pos[i]);
        if ((rc = org_validate(key, eq + 1, canon, sizeof canon, err, sizeof err))) return kt_error(rc, "%s", err);
    }
    if ((rc = kt_open(ctx, 0, &r))) return rc;
    if ((rc = reg_begin(r))) goto fail;
    for (int i = 1; i < npos; i++) {
        char *eq = strchr(pos[i], '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - pos[i]), pos[i]);
        if ((rc = reg_org_set(r, key, eq + 1))) goto fail;
    }
    if ((rc = reg_commit(r))) goto fail;
    for (int i = 1; i < npos; i++) {
        char *eq = strchr(pos[i], '=');
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)(eq - pos[i]), pos[i]);
        printf("%s = %s\n", key, reg_org_get(r, key));
    }
    reg_close(r);
    return 0;
fail:
    kt_error(rc, "%s", reg_err(r));
    reg_rollback(r);
    reg_close(r);
    return rc;
}
