/* cli.c — shared command-line machinery: messages, option parsing, time display, JSON. */
#include "cli/cli.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int kt_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("klartext: ", fmt, ap);
    va_end(ap);
    return code;
}

void kt_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("klartext: warning: ", fmt, ap);
    va_end(ap);
}

void kt_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void usage_line(const char *usage)
{
    fprintf(stderr, "usage: %s\n", usage);
}

int opt_parse_sub(const char *usage, const char *description, struct opt *opts, int argc, char **argv, const char *cmd,
                  const char *sub, const char *name, const char *missing, char **value)
{
    char *pos[1];
    int npos, rc = opt_parse(usage, description, opts, argc, argv, pos, 1, &npos);
    const char *v = rc ? NULL : opt_get(opts, name)->value;
    *value = v && *v ? xstrdup(v) : NULL;
    opt_free(opts);
    if (rc) return rc;
    if (!npos) rc = kt_error(2, "%s needs a command (%s)", cmd, sub);
    else if (strcmp(pos[0], sub)) rc = kt_error(2, "'%s' is not a %s command (%s)", pos[0], cmd, sub);
    else if (!*value) rc = kt_error(2, "%s", missing);
    if (rc) {
        usage_line(usage);
        free(*value);
        *value = NULL;
    }
    return rc;
}

struct opt *opt_get(struct opt *opts, const char *name)
{
    for (struct opt *o = opts; o->name; o++)
        if (!strcmp(o->name, name)) return o;
    return NULL;
}

void opt_free(struct opt *opts)
{
    for (struct opt *o = opts; o->name; o++) {
        free(o->values);
        o->values = NULL;
    }
}

static void print_help(const char *usage, const char *description, const struct opt *opts)
{
    printf("usage: %s\n", usage);
    if (description) printf("\n%s\n", description);
    int any = 0;
    for (const struct opt *o = opts; o->name; o++) {
        if (!any++) printf("\noptions:\n");
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        for (char *c = left + 2; *c && *c != ' '; c++)
            if (*c == '_') *c = '-';
        printf("  %-26s %s\n", left, o->help ? o->help : "");
    }
    printf("\nglobal options: --db PATH, --keys DIR, --json, --utc, --actor NAME (see 'klartext help')\n");
}

int opt_parse(const char *usage, const char *description, struct opt *opts, int argc, char **argv, char **pos,
              int max_pos, int *npos)
{
    int only_pos = 0;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!only_pos && !strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            print_help(usage, description, opts);
            return -1;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-' && a[2]) {
            char name[64];
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
            if (n >= sizeof name) n = sizeof name - 1;
            for (size_t k = 0; k < n; k++) name[k] = a[2 + k] == '-' ? '_' : a[2 + k];
            name[n] = 0;
            struct opt *o = NULL;
            for (struct opt *p = opts; p->name; p++) {
                char pn[64];
                size_t k;
                for (k = 0; p->name[k] && k < sizeof pn - 1; k++) pn[k] = p->name[k] == '-' ? '_' : p->name[k];
                pn[k] = 0;
                if (!strcmp(pn, name)) {
                    o = p;
                    break;
                }
            }
            if (!o) {
                kt_error(2, "unknown option '%.*s'", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
                usage_line(usage);
                return 2;
            }
            const char *val;
            if (o->arg) {
                if (eq) val = eq + 1;
                else if (i + 1 < argc) val = argv[++i];
                else {
                    kt_error(2, "option '--%s' needs a value (%s)", o->name, o->arg);
                    usage_line(usage);
                    return 2;
                }
            } else {
                if (eq) {
                    kt_error(2, "option '--%s' takes no value", o->name);
                    usage_line(usage);
                    return 2;
                }
                val = "1";
            }
            o->value = val;
            o->values = xrealloc(o->values, sizeof *o->values * (size_t)(o->given + 2));
            o->values[o->given++] = val;
            o->values[o->given] = NULL;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] && a[1] != '-') {
            kt_error(2, "unknown option '%s'", a);
            usage_line(usage);
            return 2;
        }
        if (*npos >= max_pos) {
            kt_error(2, "unexpected argument '%s'", a);
            usage_line(usage);
            return 2;
        }
        pos[(*npos)++] = a;
    }
    return 0;
}

char *kt_key_path(const char *db_path, const char *ext)
{
    /* KLARTEXT_KEYS names the directory of the key files; a register in a database has no
       file to put them next to: without KLARTEXT_KEYS they are in the current directory */
    const char *dir = getenv("KLARTEXT_KEYS");
    if ((dir && *dir) || reg_target_is_url(db_path)) return xasprintf("%s/klartext%s", dir && *dir ? dir : ".", ext);
    size_t n = strlen(db_path);
    if (n > 3 && !strcmp(db_path + n - 3, ".db")) n -= 3;
    return xasprintf("%.*s%s", (int)n, db_path, ext);
}

int kt_open(struct kt_ctx *ctx, int flags, reg **out)
{
    char err[REG_ERRLEN];
    int rc = reg_open(ctx->db_path, flags, ctx->actor, ctx->cmdline, ctx->now, out, err, sizeof err);
    if (rc) return kt_error(rc, "%s", err);
    return 0;
}

const char *kt_zone(struct kt_ctx *ctx, reg *r)
{
    return ctx->utc || !r ? "UTC" : reg_org_zone(r);
}

void kt_fmt_time(struct kt_ctx *ctx, reg *r, int64_t t, char *out, size_t len)
{
    static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    long off;
    char abbr[16];
    if (kt_time_local(t, kt_zone(ctx, r), &tm, &off, abbr, sizeof abbr)) {
        kt_gmtime(t, &tm);
        snprintf(abbr, sizeof abbr, "UTC");
    }
    if (abbr[0] == '+' || abbr[0] == '-' || !abbr[0])
        snprintf(abbr, sizeof abbr, "UTC%+03d:%02d", (int)(off / 3600 % 100), (int)(labs(off) / 60 % 60));
    snprintf(out, len, "%s %d %s %d %02d:%02d %s", wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, abbr);
}

int kt_json_print(json_t *j)
{
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII * 0);
    fputc('\n', stdout);
    json_decref(j);
    return rc ? 1 : 0;
}

json_t *kt_json_time(int64_t t)
{
    if (!t) return json_null();
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    return json_string(iso);
}

void kt_print_wrapped(FILE *f, const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fputc('\n', f);
            fprintf(f, "%*s", indent, "");
            col = indent;
            p++;
            continue;
        }
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n') p++;
        int wl = (int)(p - w);
        if (col > indent && col + 1 + wl > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(w, 1, (size_t)wl, f);
        col += wl;
        while (*p == ' ') p++;
    }
    fputc('\n', f);
}
