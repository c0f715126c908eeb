/* assess_file.c — the assessment and thresholds files (see assess_file.h). */
#include "assess/assess_file.h"
#include "util/err.h"
#include "util/ini.h"
#include <stdio.h>
#include <string.h>

struct file_ctx {
    struct enisa_parser ep;
    struct proposal_config *cfg;
    int thresholds; /* inside [thresholds] */
    int only_thresholds; /* the --config file */
    char seen[16][32];
    int nseen;
};

static int thresholds_set(struct file_ctx *x, const char *key, const char *value, char *err, size_t errlen)
{
    for (int i = 0; i < x->nseen; i++)
        if (!strcmp(x->seen[i], key)) return err_set(err, errlen, "duplicate key '%.40s'", key);
    if (proposal_config_set(x->cfg, key, value, err, errlen)) return -1;
    if (x->nseen < 16) snprintf(x->seen[x->nseen++], sizeof x->seen[0], "%s", key);
    return 0;
}

static int file_cb(void *ctx, const char *section, const char *subsection, const char *key, const char *value, int line,
                   char *err, size_t errlen)
{
    struct file_ctx *x = ctx;
    if (!key) {
        x->thresholds = !strcmp(section, "thresholds");
        if (x->thresholds) {
            if (subsection) return err_set(err, errlen, "unexpected subsection \"%.60s\" in [thresholds]", subsection);
            return 0;
        }
        if (x->only_thresholds) return err_set(err, errlen, "unknown section [%.60s] (expected [thresholds])", section);
        return enisa_ini_cb(&x->ep, section, subsection, key, value, line, err, errlen);
    }
    if (x->thresholds) return thresholds_set(x, key, value, err, errlen);
    if (x->only_thresholds) return err_set(err, errlen, "key '%.60s' outside a section (expected [thresholds])", key);
    return enisa_ini_cb(&x->ep, section, subsection, key, value, line, err, errlen);
}

int assess_file_parse(const char *text, size_t len, struct enisa_input *in, struct proposal_config *cfg,
                      int only_thresholds, char *err, size_t errlen)
{
    struct file_ctx x;
    memset(&x, 0, sizeof x);
    struct enisa_input dummy;
    enisa_input_init(&dummy);
    enisa_parser_init(&x.ep, in ? in : &dummy);
    x.cfg = cfg;
    x.only_thresholds = only_thresholds;
    return ini_parse(text, len, file_cb, &x, err, errlen) ? -1 : 0;
}
