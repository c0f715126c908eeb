/* cmd_demo.c — `klartext demo [--dir DIR]`: the whole flow on bundled sample data.
 *
 * The story is modelled on November 2018, when a website error made customers' names and
 * e-mail addresses visible to other visitors. Everything is written into DIR and left there,
 * so every command can be tried afterwards with --db DIR/klartext.db. Times are relative to
 * now (KLARTEXT_NOW fixes them). DIR is replaced on a re-run only if it holds the demo marker. */
#include "cli/cli.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER ".klartext-demo"

static const char demo_org[] =
#include "demo_org.ini.inc"
    ;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "wx");
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    ok &= fclose(f) == 0;
    chmod(path, mode);
    return ok ? 0 : -1;
}

/* run a klartext command in-process, echoing it as the user would type it */
static int run(struct kt_ctx *base, const char *dir, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    va_start(ap, dir);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;) argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    printf("\n$ klartext --db %s/klartext.db", dir);
    for (int i = 0; i < argc; i++) {
        if (argc > 8 && argv[i][0] == '-' && argv[i][1] == '-') printf(" \\\n   ");
        printf(strchr(argv[i], ' ') || strchr(argv[i], '\'') ? " \"%s\"" : " %s", argv[i]);
    }
    printf("\n");
    fflush(stdout);
    struct kt_ctx ctx = *base;
    ctx.json = 0;
    char *dbp = xasprintf("%s/klartext.db", dir);
    ctx.db_path = dbp;
    ctx.cmdline = xasprintf("klartext demo: %s", argv[0]);
    int rc = 2;
    for (size_t i = 0; i < kt_ncommands; i++)
        if (!strcmp(kt_commands[i].name, argv[0])) rc = kt_commands[i].fn(&ctx, argc, argv);
    fflush(stdout);
    free(ctx.cmdline);
    free(dbp);
    return rc < 0 ? 0 : rc;
}

static void iso(int64_t t, char *out) { kt_time_iso(t, out); }

int cmd_demo(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext demo [--dir DIR]";
    struct opt o[] = {{"dir", "DIR", "where to put the demo (default ./klartext-demo; replaced on a re-run)"}, {0}};
    char *pos[1];
    int npos, rc = opt_parse(usage, "Walk through klartext on bundled sample data: an online shop whose website showed\n"
                                    "customers' names and e-mail addresses to other visitors. Everything is left in DIR.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) { opt_free(o); return rc; }
    char *dir = xstrdup(o[0].value ? o[0].value : "klartext-demo");
    opt_free(o);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = 0;

    struct stat st;
    if (stat(dir, &st) == 0) {
        char *m = xasprintf("%s/" MARKER, dir);
        int is_demo = S_ISDIR(st.st_mode) && access(m, F_OK) == 0;
        free(m);
        if (!is_demo) {
            rc = kt_error(1, "'%s' exists and is not a klartext demo directory: choose another --dir", dir);
            goto out;
        }
        if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS)) { rc = kt_error(1, "cannot replace '%s': %s", dir, strerror(errno)); goto out; }
    }
    if (mkdir(dir, 0700)) { rc = kt_error(1, "cannot create '%s': %s", dir, strerror(errno)); goto out; }
    char *p = xasprintf("%s/" MARKER, dir);
    write_file(p, "This directory was made by 'klartext demo' and is replaced when it runs again.\n", 0644);
    free(p);
    char *orgpath = xasprintf("%s/org.ini", dir);
    if (write_file(orgpath, demo_org, 0644)) { rc = kt_error(1, "cannot write '%s': %s", orgpath, strerror(errno)); free(orgpath); goto out; }

    /* the story, relative to now: the error went live 9 days ago, a customer reported it
       yesterday morning, it was fixed two hours later */
    int64_t now = ctx->now;
    int64_t day0 = now - now % 3600;
    int64_t live = day0 - 9 * 86400 + 3 * 60, aware = day0 - 22 * 3600 - 43 * 60, fixed = aware + 2 * 3600 + 11 * 60;
    char t_live[KT_ISO_LEN], t_aware[KT_ISO_LEN], t_fixed[KT_ISO_LEN];
    iso(live, t_live); iso(aware, t_aware); iso(fixed, t_fixed);

    printf("klartext demo — in %s/\n"
           "An online shop finds that its website showed customers' names and e-mail addresses\n"
           "to other visitors. klartext records it and starts the 72-hour clock.\n", dir);
    if ((rc = run(ctx, dir, "init", "--org", orgpath, NULL))) goto out2;
    if ((rc = run(ctx, dir, "incident", "new",
                  "--title", "Customer names and e-mail addresses visible on other customers' profile pages",
                  "--aware-at", t_aware,
                  "--aware-how", "A customer wrote to support that the profile page showed a stranger's name and e-mail address",
                  "--description", "After a deployment, a caching error in the profile page made the page of one customer "
                                   "visible to other visitors, signed in or not. The page showed the customer's name and e-mail address.",
                  "--breach-types", "confidentiality",
                  "--cause", "programming-error",
                  "--status", "confirmed",
                  "--occurred-from", t_live,
                  "--occurred-until", t_fixed,
                  "--contained-at", t_fixed,
                  "--data-categories", "name,email",
                  "--data-not-affected", "password,payment-card,bank-account,order-history,postal-address",
                  "--subject-categories", "customers",
                  "--consequences", "Other visitors may have seen a customer's name and e-mail address. Someone who collected them "
                                    "could send targeted phishing e-mails that greet the person by name.",
                  "--measures-taken", "The faulty cache rule was removed and the cache emptied; the access logs were secured and are being analysed to find every affected customer and every view.",
                  "--measures-proposed", "Tell every affected customer personally; add a test that profile pages are never cached across sessions.",
                  "--cross-border", "yes",
                  NULL))) goto out2;
    /* the register is new, so the incident is the first of its year (in the organisation's zone) */
    struct tm tm;
    long off;
    char abbr[16], ref[32];
    if (kt_time_local(aware, "Europe/Berlin", &tm, &off, abbr, sizeof abbr)) kt_gmtime(aware, &tm);
    snprintf(ref, sizeof ref, "%04d-0001", tm.tm_year + 1900);
    char t_note[KT_ISO_LEN];
    iso(aware + 47 * 60, t_note);
    if ((rc = run(ctx, dir, "incident", "event", ref, "--at", t_note, "--kind", "finding",
                  "--text", "Reproduced: the profile page was cached for all visitors since the deployment 9 days ago. "
                            "Access logs of the web servers are kept for 30 days and cover the whole period.", NULL))) goto out2;
    if ((rc = run(ctx, dir, "status", NULL))) goto out2;
    printf("\nWhat you can try next (the demo register stays in %s/):\n"
           "  klartext --db %s/klartext.db incident show %s      the record and its timeline\n"
           "  klartext --db %s/klartext.db incident update %s --notified-at <TIME> \\\n"
           "           (after 72 h also --delay-reason TEXT)       record the notification\n"
           "  klartext --db %s/klartext.db audit                 who changed what, and when\n"
           "  klartext --db %s/klartext.db org show              the organisation's details\n"
           "  klartext --db %s/klartext.db status --json         the same clocks for scripts\n",
           dir, dir, ref, dir, ref, dir, dir, dir);
out2:
    free(orgpath);
out:
    free(dir);
    return rc;
}
