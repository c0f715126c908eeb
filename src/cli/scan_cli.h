/* scan_cli.h — what `klartext scan` (cmd_scan.c) and its verbs `scan merge` and
 * `scan viewer-key` (cmd_scan_merge.c) share. Messages go to stderr; every function returns 0
 * or the exit code. */
#ifndef KT_CLI_SCAN_CLI_H
#define KT_CLI_SCAN_CLI_H
#include "cli/cli.h"
#include "register/scans.h"
#include "scan/scan.h"
#include "util/output.h"

/* the rule file into *out (malloc'd) + *len: missing or too large is exit 2, unreadable 1 */
int scan_cli_read_rule(const char *path, char **out, size_t *len);
/* The viewer-hash key into key (the caller's guarded memory): path (--viewer-key FILE: exactly
 * 32 bytes, a regular file that only its owner may read), or NULL: derived from the signing key
 * next to the register ctx->db_path. */
int scan_cli_viewer_key(struct kt_ctx *ctx, const char *path, unsigned char key[SCAN_KEY_LEN]);
/* --incident: open the register, load the incident (*loaded = 1) and derive the viewer key */
int scan_cli_open_incident(struct kt_ctx *ctx, const char *incid, reg **r, struct incident *inc, int *loaded,
                           unsigned char key[SCAN_KEY_LEN]);
/* the result as the incident's next scan version, in one transaction */
int scan_cli_store(reg *r, struct incident *inc, const scan_rule *rule, const scan_result *res, int keep_viewers,
                   int check_all);
/* writes the CSV to an output opened before (committed; aborted on error) */
int scan_cli_write_csv(const scan_result *res, struct out *csv, const char *path);
/* a partial's bytes into an output opened before (committed; aborted on error) */
int scan_cli_write_partial(const scan_partial *p, struct out *o, const char *path);

/* `klartext scan merge …` and `klartext scan viewer-key --out FILE` (argv[0] is the verb) */
int cmd_scan_merge(struct kt_ctx *ctx, int argc, char **argv);
int cmd_scan_viewer_key(struct kt_ctx *ctx, int argc, char **argv);
#endif
