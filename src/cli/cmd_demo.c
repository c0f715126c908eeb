/* cmd_demo.c — `klartext demo [--dir DIR]`: the whole flow on bundled sample data.
 *
 * The story is modelled on November 2018, when a website error made customers' names and
 * e-mail addresses visible to other visitors. Everything is written into DIR and left there,
 * so every command can be tried afterwards with --db DIR/klartext.db. Times are relative to
 * now (KLARTEXT_NOW fixes them). DIR is replaced on a re-run only if it holds the demo marker. */
#include "cli/cli.h"
#include "cli/demo_data.h"
#include "register/outbox.h"
#include "register/scans.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/output.h"
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


/* the demo's register: DIR/klartext.db, or the PostgreSQL database --db (or KLARTEXT_DB) names,
   whose key files then go into DIR too (KLARTEXT_KEYS). malloc'd. */
static char *demo_db(const struct kt_ctx *ctx, const char *dir)
{
    if (ctx->db_path && reg_target_is_url(ctx->db_path)) {
        setenv("KLARTEXT_KEYS", dir, 1);
        return xstrdup(ctx->db_path);
    }
    return xasprintf("%s/klartext.db", dir);
}

static const char demo_org[] =
#include "demo_org.ini.inc"
    ;
static const char demo_assessment[] =
#include "demo_assessment.ini.inc"
    ;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* a new file of DIR (util/output; never replacing anything): 0 or the exit code, printed */
static int write_file(const char *path, const char *text, int mode)
{
    char err[1024];
    int rc = out_write_file(path, text, strlen(text), OUT_EXCL, mode, err, sizeof err);
    return rc ? kt_error(rc, "%s", err) : 0;
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
    char *shown = demo_db(base, dir);
    printf("\n$ %s --db %s", base->prog ? base->prog : "klartext", shown);
    free(shown);
    for (int i = 0; i < argc; i++) {
        if (argc > 8 && argv[i][0] == '-' && argv[i][1] == '-') printf(" \\\n   ");
        printf(strchr(argv[i], ' ') || strchr(argv[i], '\'') ? " \"%s\"" : " %s", argv[i]);
    }
    printf("\n");
    fflush(stdout);
    struct kt_ctx ctx = *base;
    ctx.json = 0;
    char *dbp = demo_db(base, dir);
    ctx.db_path = dbp;
    struct buf cl;
    buf_init(&cl, 4096);
    buf_adds(&cl, "klartext demo:");
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (buf_addf(&cl, " %.*s%s", n > 200 ? 200 : (int)n, argv[i], n > 200 ? "…" : "")) break;
    }
    ctx.cmdline = buf_detach(&cl);
    int rc = ctx.dispatch ? ctx.dispatch(&ctx, argc, argv) : 2;
    fflush(stdout);
    free(ctx.cmdline);
    free(dbp);
    return rc < 0 ? 0 : rc;
}

static void iso(int64_t t, char *out)
{
    kt_time_iso(t, out);
}


/* find the notice code (XXXX-XXXX-XXXX-XXXX) and the recipient in the first notice */
static void first_notice(const char *dir, const char *ref, char code[20], char to[256])
{
    char *path = xasprintf("%s/notices/%s-000001.eml", dir, ref);
    FILE *f = fopen(path, "rb");
    char line[1024];
    code[0] = to[0] = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!to[0] && !strncmp(line, "To:", 3)) {
            char *lt = strchr(line, '<'), *gt = lt ? strchr(lt, '>') : NULL;
            if (lt && gt) snprintf(to, 256, "%.*s", (int)(gt - lt - 1), lt + 1);
        }
        for (char *p = line; !code[0] && *p && strlen(p) >= 19; p++) {
            int ok = 1;
            for (int i = 0; i < 19 && ok; i++)
                ok = (i % 5 == 4) ? p[i] == '-' : (strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", p[i]) && p[i]);
            if (ok && (p == line || p[-1] == ' ' || p[-1] == ':')) snprintf(code, 20, "%.19s", p);
        }
    }
    if (f) fclose(f);
    free(path);
}

static void print_portal_hint(struct kt_ctx *ctx, const char *dir, const char *ref)
{
    char code[20], to[256];
    first_notice(dir, ref, code, to);
    printf("\nEach customer's letter is in %s/notices/ (open one in a mail program). To check a letter\n"
           "without klartext: save its attachments notice.txt and notice.txt.minisig, then\n"
           "  minisign -Vm notice.txt -p %s/klartext.pub\n",
           dir, dir);
    char *db = demo_db(ctx, dir);
    printf("\nThe portal: public incident page, verification, agent console (Ctrl-C stops it):\n"
           "  %s --db %s serve\n"
           "  then open http://127.0.0.1:8080/incident/%s and http://127.0.0.1:8080/verify\n",
           ctx->prog ? ctx->prog : "klartext", db, ref);
    if (code[0])
        printf("  and enter the code %s%s%s%s to see that this letter is genuine%s.\n", code,
               to[0] ? " (with the address " : "", to, to[0] ? ")" : "",
               to[0] ? " and that person's own exposure" : "");
    printf("  Agents: %s --db %s agent add alice, then sign in at http://127.0.0.1:8080/agent\n",
           ctx->prog ? ctx->prog : "klartext", db);
    free(db);
}

/* DIR made anew (an earlier demo there is replaced; anything else is refused), with the marker
   and org.ini (*orgpath, malloc'd). 0 or an exit code, printed. */
static int prepare_dir(const char *dir, char **orgpath)
{
    *orgpath = NULL;
    struct stat st;
    if (stat(dir, &st) == 0) {
        char *m = xasprintf("%s/" MARKER, dir);
        int is_demo = S_ISDIR(st.st_mode) && access(m, F_OK) == 0;
        free(m);
        if (!is_demo) return kt_error(1, "'%s' exists and is not a klartext demo directory: choose another --dir", dir);
        if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS))
            return kt_error(1, "cannot replace '%s': %s", dir, strerror(errno));
    }
    if (mkdir(dir, 0700)) return kt_error(1, "cannot create '%s': %s", dir, strerror(errno));
    char *p = xasprintf("%s/" MARKER, dir);
    int rc = write_file(p, "This directory was made by 'klartext demo' and is replaced when it runs again.\n", 0644);
    free(p);
    *orgpath = xasprintf("%s/org.ini", dir);
    return rc ? rc : write_file(*orgpath, demo_org, 0644);
}

/* the story's times, relative to now: the error went live 9 days ago, a customer reported it
   yesterday morning, it was fixed two hours later */
#define NOTICE_ID_MAX_DEMO 48

struct story {
    int64_t now, live, aware, fixed;
    char ref[32];
};

static void story_times(int64_t now, struct story *s)
{
    int64_t day0 = now - now % 3600;
    s->now = now;
    s->live = day0 - 9 * 86400 + 3 * 60;
    s->aware = day0 - 22 * 3600 - 43 * 60;
    s->fixed = s->aware + 2 * 3600 + 11 * 60;
    /* the register is new, so the incident is the first of its year (in the organisation's zone) */
    struct tm tm;
    long off;
    char abbr[16];
    if (kt_time_local(s->aware, "Europe/Berlin", &tm, &off, abbr, sizeof abbr)) kt_gmtime(s->aware, &tm);
    snprintf(s->ref, sizeof s->ref, "%04d-0001", tm.tm_year + 1900);
}

/* init, the incident record and a first timeline entry */
static int story_record(struct kt_ctx *ctx, const char *dir, const char *orgpath, const struct story *s)
{
    char t_live[KT_ISO_LEN], t_aware[KT_ISO_LEN], t_fixed[KT_ISO_LEN], t_note[KT_ISO_LEN];
    iso(s->live, t_live);
    iso(s->aware, t_aware);
    iso(s->fixed, t_fixed);
    iso(s->aware + 47 * 60, t_note);
    int rc;
    if ((rc = run(ctx, dir, "init", "--org", orgpath, NULL))) return rc;
    if ((rc = run(
             ctx, dir, "incident", "new", "--title",
             "Customer names and e-mail addresses visible on other customers' profile pages", "--aware-at", t_aware,
             "--aware-how",
             "A customer wrote to support that the profile page showed a stranger's name and e-mail address",
             "--description",
             "After a deployment, a caching error in the profile page made the page of one customer "
             "visible to other visitors, signed in or not. The page showed the customer's name and e-mail address.",
             "--breach-types", "confidentiality", "--cause", "programming-error", "--status", "confirmed",
             "--occurred-from", t_live, "--occurred-until", t_fixed, "--contained-at", t_fixed, "--data-categories",
             "name,email", "--data-not-affected", "password,payment-card,bank-account,order-history,postal-address",
             "--subject-categories", "customers", "--consequences",
             "Other visitors may have seen a customer's name and e-mail address. Someone who collected them "
             "could send targeted phishing e-mails that greet the person by name.",
             "--measures-taken",
             "The faulty cache rule was removed and the cache emptied; the access logs were secured and are being analysed to find every affected customer and every view.",
             "--measures-proposed",
             "Tell every affected customer personally; add a test that profile pages are never cached across sessions.",
             "--cross-border", "yes", NULL)))
        return rc;
    return run(ctx, dir, "incident", "event", s->ref, "--at", t_note, "--kind", "finding", "--text",
               "Reproduced: the profile page was cached for all visitors since the deployment 9 days ago. "
               "Access logs of the web servers are kept for 30 days and cover the whole period.",
               NULL);
}

/* the logs and the rule written, the scan, and the customer whose profile was seen most often
   (SUBJECT, "" when none) */
static int story_scan(struct kt_ctx *ctx, const char *dir, const struct story *s, char subject[64])
{
    char err[512];
    struct demo_times dt = {s->live - 5 * 86400, s->live, s->fixed, s->aware + 20 * 3600};
    if (dt.logs_until > s->now - 60) dt.logs_until = s->now - 60;
    if (demo_write_data(dir, &dt, err, sizeof err)) return kt_error(1, "%s", err);
    printf("\nThe shop's web servers kept access logs: %s/logs/access.log.1.gz (rotated) and\n"
           "%s/logs/access.log. The rule %s/rule.conf says which requests showed whose data.\n",
           dir, dir, dir);
    char *rule = xasprintf("%s/rule.conf", dir), *log1 = xasprintf("%s/logs/access.log.1.gz", dir),
         *log2 = xasprintf("%s/logs/access.log", dir), *csv = xasprintf("%s/exposures.csv", dir);
    int rc = run(ctx, dir, "scan", "--rule", rule, "--incident", s->ref, "--hash-inputs", "--csv", csv, log1, log2,
                 NULL);
    free(rule);
    free(log1);
    free(log2);
    free(csv);
    if (rc) return rc;
    reg *r;
    struct kt_ctx c2 = *ctx;
    char *dbp = demo_db(ctx, dir);
    c2.db_path = dbp;
    subject[0] = 0;
    if (!kt_open(&c2, REG_OPEN_READONLY, &r)) {
        if (scans_most_viewed(r, subject, 64)) subject[0] = 0;
        reg_close(r);
    }
    free(dbp);
    return *subject ? run(ctx, dir, "exposure", s->ref, "--subject", subject, NULL) : 0;
}

/* who can be told, how bad it is, what must be done, and the report to the authority */
static int story_assess_report(struct kt_ctx *ctx, const char *dir, const struct story *s)
{
    const char *ref = s->ref;
    char *subj = xasprintf("%s/subjects.csv", dir), *ain = xasprintf("%s/assessment.ini", dir),
         *rep_en = xasprintf("%s/report.en.txt", dir), *rep_de = xasprintf("%s/meldung.de.html", dir);
    char t_filed[KT_ISO_LEN];
    iso(s->now - 10 * 60, t_filed);
    printf("\nThe customer directory %s/subjects.csv holds names, e-mail addresses, languages and time zones.\n"
           "The DPO's assessment inputs are in %s/assessment.ini.\n",
           dir, dir);
    int rc = 0;
    rc = write_file(ain, demo_assessment, 0644);
    if (!rc) rc = run(ctx, dir, "subjects", "import", ref, subj, NULL);
    if (!rc) rc = run(ctx, dir, "assess", ref, "--input", ain, NULL);
    if (!rc)
        rc = run(ctx, dir, "assess", ref, "--decide", "authority=yes,subjects=yes", "--by", "Dr. Jana Schreiber (DPO)",
                 "--reason",
                 "As in the Amazon case of November 2018, names with e-mail addresses invite targeted phishing; "
                 "we inform the authority and every customer.",
                 NULL);
    if (!rc) rc = run(ctx, dir, "report", ref, "--lang", "en", "--out", rep_en, NULL);
    if (!rc) rc = run(ctx, dir, "report", ref, "--lang", "en", NULL);
    if (!rc) rc = run(ctx, dir, "report", ref, "--lang", "de", "--format", "html", "--out", rep_de, NULL);
    if (!rc)
        rc = run(ctx, dir, "report", ref, "--lang", "de", "--format", "html", "--filed", "--at", t_filed, "--ref",
                 "BlnBDI-511/2026-0815", NULL);
    free(subj);
    free(ain);
    free(rep_en);
    free(rep_de);
    return rc;
}

/* the personal notices (one previewed, the content approved, all written as .eml), the public
   statement, a checkpoint, and what customer service and the person can check */
static int story_notify_publish(struct kt_ctx *ctx, const char *dir, const struct story *s, const char *subject)
{
    const char *ref = s->ref;
    char *outdir = xasprintf("%s/notices", dir), *eml = xasprintf("%s/notices/%s-000001.eml", dir, ref);
    int rc = 0;
    if (*subject) rc = run(ctx, dir, "notify", ref, "--preview", subject, NULL);
    if (!rc) rc = run(ctx, dir, "notify", ref, "--approve", "--by", "Dr. Jana Schreiber (DPO)", NULL);
    if (!rc) rc = run(ctx, dir, "notify", ref, "--out", outdir, NULL);
    if (!rc) rc = run(ctx, dir, "verify", eml, NULL);
    free(outdir);
    free(eml);
    if (!rc)
        rc = run(
            ctx, dir, "incident", "publish", ref, "--lang", "de", "--statement",
            "Durch einen Fehler im Zwischenspeicher (Cache) unserer Website waren acht Tage lang die Profilseiten "
            "von Kundinnen und Kunden für andere Besucher sichtbar. Sichtbar waren Name und E-Mail-Adresse, keine "
            "Passwörter, Zahlungs- oder Bestelldaten. Der Fehler ist behoben. Jede betroffene Person erhält eine "
            "persönliche, signierte Nachricht; ihre Echtheit lässt sich unter verify.beispiel-versand.example prüfen.",
            NULL);
    if (!rc) rc = run(ctx, dir, "log", "checkpoint", NULL);
    if (!rc) { /* what customer service and the person can check: genuine, and in the log */
        char code[20], to[256];
        first_notice(dir, ref, code, to);
        if (code[0]) rc = run(ctx, dir, "verify", "--code", code, "--proof", NULL);
    }
    if (!rc) rc = run(ctx, dir, "log", "verify", NULL);
    return rc;
}

/* the newest notice's id and the address notice number 2 went to (for the demo's bounce) */
static void reach_ids(struct kt_ctx *ctx, const char *dir, const char *ref, char newest[NOTICE_ID_MAX_DEMO],
                      char second[NOTICE_ID_MAX_DEMO], char rcpt[256])
{
    reg *r;
    struct kt_ctx c2 = *ctx;
    char *dbp = demo_db(ctx, dir);
    struct incident inc;
    struct notice_info ni;
    int64_t seq = 0;
    int found = 0;
    newest[0] = second[0] = rcpt[0] = 0;
    c2.db_path = dbp;
    if (!kt_open(&c2, REG_OPEN_READONLY, &r)) {
        if (!incident_load(r, ref, &inc)) {
            if (!outbox_max_seq(r, inc.id, &seq) && seq)
                snprintf(newest, NOTICE_ID_MAX_DEMO, "%s-%06lld", ref, (long long)seq);
            snprintf(second, NOTICE_ID_MAX_DEMO, "%s-%06d", ref, 2);
            if (!outbox_find_id(r, second, &ni, &found) && found) {
                snprintf(rcpt, 256, "%s", ni.rcpt ? ni.rcpt : "");
                notice_info_release(&ni);
            }
            incident_release(&inc);
        }
        reg_close(r);
    }
    free(dbp);
}

/* what happens after the notices: a log found late gives one customer a follow-up; one notice
   comes back from the customer's mail server */
static int story_reach(struct kt_ctx *ctx, const char *dir, const struct story *s, const char *subject)
{
    const char *ref = s->ref;
    char err[512], newest[NOTICE_ID_MAX_DEMO], second[NOTICE_ID_MAX_DEMO], rcpt[256];
    struct demo_times dt = {s->live - 5 * 86400, s->live, s->fixed, s->aware + 20 * 3600};
    if (!*subject) return 0;
    if (demo_write_late(dir, subject, &dt, err, sizeof err)) return kt_error(1, "%s", err);
    printf("\nA second web server's log turns up late: %s/logs/web2-access.log. Scanned with the others, it\n"
           "shows two more views of %s's profile, so that customer gets a follow-up notice.\n",
           dir, subject);
    char *rule = xasprintf("%s/rule.conf", dir), *log1 = xasprintf("%s/logs/access.log.1.gz", dir),
         *log2 = xasprintf("%s/logs/access.log", dir), *log3 = xasprintf("%s/logs/web2-access.log", dir),
         *outdir = xasprintf("%s/notices", dir), *ret = xasprintf("%s/returned", dir),
         *csv = xasprintf("%s/exposures.csv", dir), *letters = xasprintf("%s/letters", dir);
    int rc = run(ctx, dir, "scan", "--rule", rule, "--incident", ref, "--hash-inputs", "--csv", csv, log1, log2, log3,
                 NULL);
    if (!rc) rc = run(ctx, dir, "notify", ref, "--status", NULL);
    if (!rc) rc = run(ctx, dir, "notify", ref, "--approve", "--by", "Dr. Jana Schreiber (DPO)", NULL);
    if (!rc) rc = run(ctx, dir, "notify", ref, "--out", outdir, NULL);
    if (!rc) rc = run(ctx, dir, "org", "set", "notices.bounce_address=bounces@beispiel-versand.example", NULL);
    reach_ids(ctx, dir, ref, newest, second, rcpt);
    if (!rc && *rcpt && demo_write_bounce(dir, second, rcpt, err, sizeof err)) rc = kt_error(1, "%s", err);
    if (!rc && *rcpt) {
        printf("\nOne customer's mail server refused notice %s and sent a report back to its bounce\n"
               "address (bounces+%s@beispiel-versand.example): %s/returned/1.eml.\n",
               second, second, dir);
        rc = run(ctx, dir, "notify", ref, "--bounces", ret, NULL);
    }
    if (!rc) {
        printf("\nOne exposed customer has no e-mail address, only a postal address; the notice that came back\n"
               "failed. Both get a printed letter (A4 PDF for a window envelope), with a combined PDF and a\n"
               "manifest for a print service:\n");
        rc = run(ctx, dir, "notify", ref, "--letters", letters, NULL);
    }
    if (!rc) rc = run(ctx, dir, "notify", ref, "--status", NULL);
    if (!rc)
        printf("\nThe follow-up: %s/notices/%s.eml (it names the earlier notice and says what changed).\n"
               "The returned mail: %s/returned/1.eml; 'notify %s --status' lists the notice as failed.\n"
               "The letters: %s/letters/ (one PDF per person, NOTICE-ID.pdf; open one in a PDF viewer).\n",
               dir, newest, dir, ref, dir);
    free(rule);
    free(log1);
    free(log2);
    free(log3);
    free(outdir);
    free(ret);
    free(csv);
    free(letters);
    return rc;
}

static void print_next_steps(struct kt_ctx *ctx, const char *dir, const char *ref)
{
    static const struct {
        const char *cmd;
        int with_ref;
        const char *what;
    } steps[] = {
        {"incident show", 1, "the record, its deadlines and its timeline"},
        {"exposure", 1, "every affected customer (--format csv|json|text)"},
        {"report", 1, "the report to the supervisory authority (--lang de|en, --format text|html|json|veris)"},
        {"report --register", 0, "the Art. 33(5) register of every incident"},
        {"log entries --start 0 --end 3", 0,
         "the first entries of the transparency log (commitments only, no personal data)"},
        {"audit", 0, "who changed what, and when"},
        {"org show", 0, "the organisation's details"},
        {"status --json", 0, "the same clocks, for scripts"},
    };
    printf("\nWhat you can try next (the demo register stays in %s/):\n", dir);
    char *db = demo_db(ctx, dir);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        printf("  # %s\n  %s --db %s %s%s%s\n", steps[i].what, ctx->prog ? ctx->prog : "klartext", db, steps[i].cmd,
               steps[i].with_ref ? " " : "", steps[i].with_ref ? ref : "");
    free(db);
}

int cmd_demo(struct kt_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "klartext demo [--dir DIR]";
    struct opt o[] = {{"dir", "DIR", "where to put the demo (default ./klartext-demo; replaced on a re-run)"}, {0}};
    char *pos[1];
    int npos, rc = opt_parse(usage,
                             "Walk through klartext on bundled sample data: an online shop whose website showed\n"
                             "customers' names and e-mail addresses to other visitors. Everything is left in DIR.",
                             o, argc, argv, pos, 0, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    char *dir = xstrdup(o[0].value ? o[0].value : "klartext-demo"), *orgpath = NULL;
    opt_free(o);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = 0;
    if ((rc = prepare_dir(dir, &orgpath))) goto out;
    struct story s;
    story_times(ctx->now, &s);
    char subject[64] = "";
    printf("klartext demo — in %s/\n"
           "An online shop finds that its website showed customers' names and e-mail addresses\n"
           "to other visitors. klartext records it and starts the 72-hour clock.\n",
           dir);
    if ((rc = story_record(ctx, dir, orgpath, &s)) || (rc = story_scan(ctx, dir, &s, subject)) ||
        (rc = story_assess_report(ctx, dir, &s)) || (rc = story_notify_publish(ctx, dir, &s, subject)) ||
        (rc = story_reach(ctx, dir, &s, subject)) || (rc = run(ctx, dir, "status", NULL)))
        goto out;
    print_portal_hint(ctx, dir, s.ref);
    print_next_steps(ctx, dir, s.ref);
out:
    free(orgpath);
    free(dir);
    return rc;
}
