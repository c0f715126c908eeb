/* report_util.c — escaping, wrapping and times for the report writers. */
#include "report/report_int.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void html_escape(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_adds(b, "&amp;"); break;
        case '<': buf_adds(b, "&lt;"); break;
        case '>': buf_adds(b, "&gt;"); break;
        case '"': buf_adds(b, "&quot;"); break;
        case '\'': buf_adds(b, "&#39;"); break;
        default: buf_addc(b, *s);
        }
    }
}

size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) n++;
    return n;
}

static size_t utf8_width_n(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

void wrap_text(struct buf *b, const char *text, size_t first_col, size_t indent, size_t width)
{
    size_t col = first_col;
    int line_start = 1;
    const char *p = text ? text : "";
    while (*p) {
        if (*p == '\n') {
            buf_addc(b, '\n');
            for (size_t i = 0; i < indent; i++) buf_addc(b, ' ');
            col = indent;
            line_start = 1;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n') p++;
        size_t wl = (size_t)(p - w), ww = utf8_width_n(w, wl);
        if (!line_start && col + 1 + ww > width) {
            buf_addc(b, '\n');
            for (size_t i = 0; i < indent; i++) buf_addc(b, ' ');
            col = indent;
            line_start = 1;
        }
        if (!line_start) {
            buf_addc(b, ' ');
            col++;
        }
        buf_add(b, w, wl);
        col += ww;
        line_start = 0;
    }
}

void report_time(enum report_lang lang, const char *zone, int64_t t, char *out, size_t len)
{
    char err[128];
    if (i18n_format_utc(lang == REPORT_DE ? I18N_DE : I18N_EN, t, zone, I18N_DATE | I18N_TIME | I18N_ZONE, out, len,
                        err, sizeof err)) {
        char iso[KT_ISO_LEN];
        kt_time_iso(t, iso);
        snprintf(out, len, "%s", iso);
    }
}

const char *report_free_text_note(const char *records_lang, int L)
{
    if (!records_lang)
        return L ? "wie erfasst, nicht übersetzt; in welcher Sprache, ist nicht angegeben "
                   "(organisation.records_language)"
                 : "as entered, not translated; the language it was entered in is not recorded "
                   "(organisation.records_language)";
    if (!strcmp(records_lang, L ? "de" : "en")) return NULL;
    return L ? "wie erfasst, auf Englisch; klartext übersetzt ihn nicht"
             : "as entered, in German; klartext does not translate it";
}

void report_terms(struct buf *b, const char *list, const char *domain, int L)
{
    char *t = xstrdup(list ? list : "");
    int first = 1;
    for (char *sv, *tok = strtok_r(t, ",;", &sv); tok; tok = strtok_r(NULL, ",;", &sv)) {
        buf_addf(b, "%s%s", first ? "" : ", ", i18n_term_or(L ? I18N_DE : I18N_EN, domain, tok));
        first = 0;
    }
    free(t);
}

void report_decision_difference(const struct report *m, const struct decision *dc, int L, struct buf *b)
{
    const struct assessment *a = report_assessment_by_id(m, dc->assessment_id);
    enum i18n_lang lang = L ? I18N_DE : I18N_EN;
    if (!a || !dc->differs) return;
    int first = 1;
    if (!!dc->notify_authority != !!a->p.notify_authority) {
        buf_addf(b, L ? "Aufsichtsbehörde: vorgeschlagen %s, entschieden %s" : "authority: proposed %s, decided %s",
                 i18n_term_or(lang, "bool", a->p.notify_authority ? "yes" : "no"),
                 i18n_term_or(lang, "bool", dc->notify_authority ? "yes" : "no"));
        first = 0;
    }
    enum proposal_people want = proposal_recommended_people(&a->p);
    if (dc->people != want) {
        buf_addf(b, "%s%s", first ? "" : "; ", L ? "Betroffene: vorgeschlagen " : "people: proposed ");
        buf_adds(b, a->p.voluntary ? (L ? "freiwillige Benachrichtigung" : "a voluntary notice")
                                   : i18n_term_or(lang, "people", proposal_people_name(want)));
        buf_addf(b, L ? ", entschieden %s" : ", decided %s",
                 i18n_term_or(lang, "people", proposal_people_name(dc->people)));
    }
}
