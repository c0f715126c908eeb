/* cmd_publish.c — `klartext incident publish ID (--statement FILE|TEXT | --draft) [--lang de|en]`:
 * the public statement on an incident. Each publication is a new revision (append-only), goes
 * into the transparency log in full, onto the incident's timeline and into the audit trail —
 * all in one transaction. --draft writes a first version from the record, to edit. */
#include "cli/cli.h"
#include "register/incident.h"
#include "register/statement.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATEMENT_MAX (64 * 1024)

static const char usage[] =
    "klartext incident publish ID (--statement FILE|TEXT | --draft) [--lang de|en] [--title TEXT]";

/* read at most STATEMENT_MAX bytes; 0, or an exit code with the message printed */
static int read_all(FILE *f, const char *name, struct buf *b)
{
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(b, chunk, n))
            return kt_error(2, "'%s' is too long (a statement has at most %d bytes)", name, STATEMENT_MAX);
    if (ferror(f)) return kt_error(1, "cannot read '%s': %s", name, strerror(errno));
    if (memchr(b->p ? b->p : "", 0, b->len)) return kt_error(2, "'%s' holds a NUL byte: not a text", name);
    return 0;
}

/* the statement: "-" (stdin), an existing file, or the text itself */
static int statement_source(const char *arg, char **out)
{
    struct buf b;
    struct stat st;
    int rc = 0;
    buf_init(&b, STATEMENT_MAX);
    *out = NULL;
    if (!strcmp(arg, "-")) {
        rc = read_all(stdin, "standard input", &b);
    } else if (stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)) {
        FILE *f = fopen(arg, "rb");
        if (!f) rc = kt_error(2, "cannot open '%s': %s", arg, strerror(errno));
        else {
            rc = read_all(f, arg, &b);
            fclose(f);
        }
    } else {
        size_t n = strlen(arg);
        int spaced = strpbrk(arg, " \n\t") != NULL;
        int pathlike = strchr(arg, '/') || (n > 4 && (!strcmp(arg + n - 4, ".txt") || !strcmp(arg + n - 3, ".md")));
        if (!spaced && pathlike)
            rc = kt_error(2, "--statement: no such file '%s' (give a file or the statement's text)", arg);
        else if (buf_adds(&b, arg)) rc = kt_error(2, "--statement is too long (at most %d bytes)", STATEMENT_MAX);
    }
    if (rc) {
        buf_release(&b);
        return rc;
    }
    /* normalise: no BOM, LF line ends, no white space around the text */
    char *s = buf_detach(&b), *w = s;
    const char *p = s;
    if (!strncmp(p, "\xef\xbb\xbf", 3)) p += 3;
    for (; *p; p++) {
        if (*p == '\r') {
            *w++ = '\n';
            if (p[1] == '\n') p++;
        } else *w++ = *p;
    }
    *w = 0;
    size_t n = strlen(s);
    while (n && strchr(" \t\n", s[n - 1])) s[--n] = 0;
    size_t lead = strspn(s, " \t\n");
    while (lead && s[lead - 1] != '\n') lead--; /* keep the first line's indent */
    memmove(s, s + lead, n - lead + 1);
    *out = s;
    return 0;
}

/* ---------------------------------------------------------------- --draft */

static void fmt_when(reg *r, int de, int64_t t, char *out, size_t len)
{
    static const char *en_mo[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
    static const char *de_mo[] = {"Januar", "Februar", "März",      "April",   "Mai",      "Juni",
                                  "Juli",   "August",  "September", "Oktober", "November", "Dezember"};
    struct tm tm;
    long off;
    char abbr[16];
    if (kt_time_local(t, reg_org_zone(r), &tm, &off, abbr, sizeof abbr)) {
        kt_gmtime(t, &tm);
        snprintf(abbr, sizeof abbr, "UTC");
    }
    if (abbr[0] == '+' || abbr[0] == '-' || !abbr[0])
        snprintf(abbr, sizeof abbr, "UTC%+03d:%02d", (int)(off / 3600 % 100), (int)(labs(off) / 60 % 60));
    if (de)
        snprintf(out, len, "%d. %s %d, %02d:%02d Uhr (%s)", tm.tm_mday, de_mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                 tm.tm_min, abbr);
    else
        snprintf(out, len, "%d %s %d, %02d:%02d %s", tm.tm_mday, en_mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                 tm.tm_min, abbr);
}

static void list_text(struct buf *b, const char *v, int de)
{
    for (const char *c = v; *c; c++) {
        if (*c == ',') buf_adds(b, c[1] && !strchr(c + 1, ',') ? (de ? " und " : " and ") : ", ");
        else buf_addc(b, *c == '-' ? ' ' : *c);
    }
}

static char *draft(reg *r, const struct incident *inc, int de)
{
    struct buf b;
    char t1[96], t2[96];
    const char *v;
    buf_init(&b, 0);
    buf_addf(&b, "%s\n", inc->v[IF_TITLE]);
    if ((v = inc->v[IF_DESCRIPTION])) buf_addf(&b, "\n%s\n%s\n", de ? "Was ist passiert?" : "What happened", v);
    buf_addf(&b, "\n%s\n", de ? "Wann?" : "When");
    int64_t from = inc_time(inc, IF_OCCURRED_FROM), until = inc_time(inc, IF_OCCURRED_UNTIL);
    if (from && until) {
        fmt_when(r, de, from, t1, sizeof t1);
        fmt_when(r, de, until, t2, sizeof t2);
        buf_addf(&b, de ? "Der Fehler bestand vom %s bis zum %s. " : "The problem existed from %s until %s. ", t1, t2);
    }
    fmt_when(r, de, inc_time(inc, IF_AWARE_AT), t1, sizeof t1);
    buf_addf(&b, de ? "Wir haben am %s davon erfahren" : "We became aware of it on %s", t1);
    if (inc_time(inc, IF_CONTAINED_AT)) {
        fmt_when(r, de, inc_time(inc, IF_CONTAINED_AT), t2, sizeof t2);
        buf_addf(&b, de ? " und ihn am %s behoben.\n" : " and stopped it on %s.\n", t2);
    } else buf_adds(&b, ".\n");
    buf_addf(&b, "\n%s\n", de ? "Wer ist betroffen, welche Daten?" : "Who is affected, which data");
    if ((v = inc->v[IF_APPROX_SUBJECTS]))
        buf_addf(&b, de ? "Betroffen sind etwa %s Personen. " : "About %s people are affected. ", v);
    if ((v = inc->v[IF_DATA_CATEGORIES])) {
        buf_adds(&b, de ? "Betroffene Daten: " : "Data affected: ");
        list_text(&b, v, de);
        buf_adds(&b, ". ");
    }
    if ((v = inc->v[IF_DATA_NOT_AFFECTED])) {
        buf_adds(&b, de ? "Nicht betroffen: " : "Not affected: ");
        list_text(&b, v, de);
        buf_adds(&b, ".");
    }
    buf_adds(&b, "\n");
    if (inc->v[IF_MEASURES_TAKEN] || inc->v[IF_MEASURES_PROPOSED]) {
        buf_addf(&b, "\n%s\n", de ? "Was wir getan haben" : "What we have done");
        if ((v = inc->v[IF_MEASURES_TAKEN])) buf_addf(&b, "%s\n", v);
        if ((v = inc->v[IF_MEASURES_PROPOSED])) buf_addf(&b, "%s\n", v);
    }
    buf_addf(&b, "\n%s\n", de ? "Was Sie tun können" : "What you can do");
    if ((v = inc->v[IF_CONSEQUENCES])) buf_addf(&b, "%s ", v);
    buf_adds(
        &b,
        de ? "Seien Sie vorsichtig bei unerwarteten Nachrichten, die sich auf diesen Vorfall beziehen: Wir fragen nie nach "
             "Ihrem Passwort.\n"
           : "Be careful with unexpected messages that refer to this incident: we never ask for your password.\n");
    buf_addf(&b, "\n%s\n", de ? "Kontakt" : "Contact");
    const char *dpo = reg_org_get(r, "dpo.name"), *mail = reg_org_get(r, "dpo.email"),
               *phone = reg_org_get(r, "service.phone");
    const char *hours = reg_org_get(r, "service.hours"), *portal = reg_org_get(r, "portal.url");
    buf_addf(&b, de ? "Datenschutzbeauftragte(r): %s, %s.\n" : "Our data protection officer: %s, %s.\n", dpo ? dpo : "",
             mail ? mail : "");
    if (phone)
        buf_addf(&b, de ? "Kundenservice: %s (%s).\n" : "Customer service: %s (%s).\n", phone, hours ? hours : "");
    if (portal)
        buf_addf(&b,
                 de ? "Ob eine Nachricht von uns echt ist, können Sie auf %s prüfen.\n"
                    : "You can check whether a message from us is genuine at %s.\n",
                 portal);
    return buf_detach(&b);
}

/* ---------------------------------------------------------------- the command */

/* --draft: the statement written from the record, printed (stores nothing) */
static void print_draft(struct kt_ctx *ctx, reg *r, const struct incident *inc, const char *lang, const char *title)
{
    char *d = draft(r, inc, !strcmp(lang, "de"));
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(inc->ref));
        json_object_set_new(j, "lang", json_string(lang));
        json_object_set_new(j, "title", json_string(title ? title : inc->v[IF_TITLE]));
        json_object_set_new(j, "statement", json_string(d));
        kt_json_print(j);
    } else fputs(d, stdout);
    free(d);
}

/* the new revision of the statement, stored in one transaction and reported */
static int publish_statement(struct kt_ctx *ctx, reg *r, const struct incident *inc, const char *lang,
                             const char *title, const char *text)
{
    struct statement st = {0};
    int rc;
    if ((rc = reg_begin(r)) || (rc = statement_add(r, inc, lang, title ? title : inc->v[IF_TITLE], text, &st)) ||
        (rc = reg_commit(r))) {
        kt_error(rc, "%s", reg_err(r));
        reg_rollback(r);
        statement_release(&st); /* filled before a failed commit (e.g. a full disk) */
        return rc;
    }
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(st.incident));
        json_object_set_new(j, "revision", json_integer(st.revision));
        json_object_set_new(j, "lang", json_string(st.lang));
        json_object_set_new(j, "title", json_string(st.title));
        json_object_set_new(j, "published_at", kt_json_time(st.published_at));
        json_object_set_new(j, "log_index", json_integer(st.log_index));
        kt_json_print(j);
    } else {
        printf("Published revision %lld of the %s statement on %s: log entry %lld.\n", (long long)st.revision,
               !strcmp(st.lang, "de") ? "German" : "English", st.incident, (long long)st.log_index);
        printf("It can be proven once the log is signed again: klartext log checkpoint\n");
    }
    statement_release(&st);
    return 0;
}

int incident_publish(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"statement", "FILE|TEXT", "the statement: a file, - for standard input, or the text itself"},
        {"lang", "de|en", "its language (default: the organisation's first language)"},
        {"title", "TEXT", "its title (default: the incident's title)"},
        {"draft", NULL, "print a draft written from the record instead (stores nothing)"},
        {0},
    };
    char *pos[1];
    int npos,
        rc = opt_parse(usage,
                       "Publish the public statement on an incident: what happened, when, how many people, what\n"
                       "was done, what people can do, whom to contact — in the DPO's words. Every publication is\n"
                       "a new revision; it is kept for good, goes into the transparency log in full (with the\n"
                       "incident's public facts: breach types, approximate numbers, exposure window), onto the\n"
                       "timeline and into the audit trail. Nothing else of the record is published.",
                       o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    const char *stmt_arg = opt_get(o, "statement")->value, *lang = opt_get(o, "lang")->value;
    const char *title = opt_get(o, "title")->value;
    int want_draft = opt_get(o, "draft")->given;
    char *text = NULL;
    reg *r = NULL;
    struct incident inc;
    int loaded = 0;
    if (npos != 1) {
        rc = kt_error(2, "incident publish needs the incident's ID (e.g. 2026-0001)");
        usage_line(usage);
        goto out;
    }
    if (!!stmt_arg == !!want_draft) {
        rc = kt_error(2, "give either --statement FILE|TEXT or --draft");
        usage_line(usage);
        goto out;
    }
    if (lang && strcmp(lang, "de") && strcmp(lang, "en")) {
        rc = kt_error(2, "--lang: '%s' is not supported (de, en)", lang);
        goto out;
    }
    if (title && !*title) {
        rc = kt_error(2, "--title is empty");
        goto out;
    }
    if (stmt_arg && (rc = statement_source(stmt_arg, &text))) goto out;
    if (text && !*text) {
        rc = kt_error(2, "the statement is empty");
        goto out;
    }
    if ((rc = kt_open(ctx, want_draft ? REG_OPEN_READONLY : 0, &r))) goto out;
    if ((rc = incident_load(r, pos[0], &inc))) {
        kt_error(rc, "%s", reg_err(r));
        goto out;
    }
    loaded = 1;
    if (!lang) {
        const char *langs = reg_org_get(r, "organisation.languages");
        lang = langs && !strncmp(langs, "de", 2) ? "de" : "en";
    }
    if (want_draft) print_draft(ctx, r, &inc, lang, title);
    else rc = publish_statement(ctx, r, &inc, lang, title, text);
out:
    if (loaded) incident_release(&inc);
    reg_close(r);
    free(text);
    opt_free(o);
    return rc;
}
