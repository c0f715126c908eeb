/* pages.c — the portal's server-rendered HTML: public incident pages, the verification form
 * and its answers, the agent console. No script; every value is HTML-escaped; German and
 * English. The chart is the report's SVG writer (src/report/report_int.h). */
#include "notify/notice.h"
#include "serve/serve_int.h"
#include "util/i18n.h"
#include "register/incident.h"
#include "register/scans.h"
#include "register/statement.h"
#include "report/report_int.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T(de, en) (de_ ? (de) : (en))

void html_esc(struct buf *b, const char *s)
{
    if (!s) return;
    const char *p = s, *start = s;
    for (; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_add(b, start, (size_t)(p - start));
        buf_adds(b, rep);
        start = p + 1;
    }
    buf_add(b, start, (size_t)(p - start));
}

/* Incident references and language codes go into URLs and attributes unescaped; the register
   makes them, but the pages do not rely on it: anything else is shown as "-" / "und". */
static const char *ref_s(const char *ref)
{
    size_t n = strlen(ref);
    if (!n || n > 15 || strspn(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n) return "-";
    return ref;
}

static const char *lang_s(const char *lang)
{
    return !strcmp(lang, "de") ? "de" : !strcmp(lang, "en") ? "en" : "und";
}

static const char *org(reg *r, const char *key)
{
    const char *v = reg_org_get(r, key);
    return v ? v : "";
}

static void fmt_t(int de_, int64_t t, const char *zone, char *out, size_t n)
{
    char err[128];
    if (i18n_format_utc(de_ ? I18N_DE : I18N_EN, t, zone, I18N_DATE | I18N_TIME | I18N_ZONE, out, n, err, sizeof err) &&
        i18n_format_utc(de_ ? I18N_DE : I18N_EN, t, "UTC", I18N_DATE | I18N_TIME | I18N_ZONE, out, n, err, sizeof err))
        kt_time_iso(t, out);
}

static void fmt_n(int de_, int64_t v, char *out, size_t n)
{
    if (i18n_format_int(de_ ? I18N_DE : I18N_EN, v, out, n)) snprintf(out, n, "%lld", (long long)v);
}

void html_begin(struct buf *b, reg *r, int de_, const char *title, const char *self)
{
    buf_addf(b,
             "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
             de_ ? "de" : "en");
    html_esc(b, title);
    buf_adds(b, " – ");
    html_esc(b, org(r, "organisation.name"));
    buf_adds(b, "</title>\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n");
    buf_addf(b, "<a class=\"skip\" href=\"#main\">%s</a>\n", T("Zum Inhalt springen", "Skip to content"));
    buf_adds(b, "<header class=\"top\">\n<div class=\"wrap bar\">\n<a class=\"org\" href=\"/\">");
    html_esc(b, org(r, "organisation.name"));
    buf_addf(b, "</a>\n<nav aria-label=\"%s\" class=\"nav\">\n<ul>\n", T("Hauptnavigation", "Main navigation"));
    buf_addf(b, "<li><a href=\"/?lang=%s\">%s</a></li>\n", de_ ? "de" : "en", T("Vorfälle", "Incidents"));
    buf_addf(b, "<li><a href=\"/verify?lang=%s\">%s</a></li>\n", de_ ? "de" : "en",
             T("Nachricht prüfen", "Check a message"));
    buf_addf(b, "<li class=\"lang\"><a href=\"%s?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></li>\n", self,
             de_ ? "en" : "de", de_ ? "en" : "de", de_ ? "en" : "de", de_ ? "English" : "Deutsch");
    buf_adds(b, "</ul>\n</nav>\n</div>\n</header>\n<main id=\"main\" class=\"wrap\">\n");
}

void html_end(struct buf *b, reg *r, int de_)
{
    buf_adds(b, "</main>\n<footer class=\"foot\">\n<div class=\"wrap\">\n<p>");
    html_esc(b, org(r, "organisation.name"));
    const char *addr = org(r, "organisation.address");
    if (*addr) {
        buf_adds(b, " · ");
        html_esc(b, addr);
    }
    buf_addf(b,
             "</p>\n<p><a href=\"/log/checkpoint\">%s</a> · <a href=\"/.well-known/klartext/minisign.pub\">%s</a> · "
             "<a href=\"/api/v1/incidents\">API</a></p>\n</div>\n</footer>\n</body>\n</html>\n",
             T("Transparenz-Log", "Transparency log"), T("Öffentlicher Schlüssel", "Public key"));
}

static void contact_box(struct buf *b, reg *r, int de_)
{
    buf_addf(b, "<section aria-labelledby=\"contact\" class=\"box\">\n<h2 id=\"contact\">%s</h2>\n<dl>\n",
             T("Kontakt", "Contact"));
    buf_addf(b, "<dt>%s</dt><dd>", T("Datenschutzbeauftragte(r)", "Data protection officer"));
    html_esc(b, org(r, "dpo.name"));
    const char *mail = org(r, "dpo.email"), *ph = org(r, "dpo.phone");
    if (*mail) {
        buf_adds(b, "<br><a href=\"mailto:");
        html_esc(b, mail);
        buf_adds(b, "\">");
        html_esc(b, mail);
        buf_adds(b, "</a>");
    }
    if (*ph) {
        buf_adds(b, "<br>");
        html_esc(b, ph);
    }
    buf_adds(b, "</dd>\n");
    const char *sp = org(r, "service.phone"), *sh = org(r, "service.hours");
    if (*sp) {
        buf_addf(b, "<dt>%s</dt><dd>", T("Kundenservice", "Customer service"));
        html_esc(b, sp);
        if (*sh) {
            buf_adds(b, " (");
            html_esc(b, sh);
            buf_adds(b, ")");
        }
        buf_adds(b, "</dd>\n");
    }
    buf_adds(b, "</dl>\n</section>\n");
}

/* statement text: paragraphs at blank lines, line breaks kept */
static void statement_html(struct buf *b, const char *text)
{
    const char *p = text;
    while (*p) {
        while (*p == '\n') p++;
        if (!*p) break;
        const char *end = strstr(p, "\n\n");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *para = xstrndup(p, n);
        /* a short first line without a full stop followed by more lines reads as a heading */
        char *nl = strchr(para, '\n');
        buf_adds(b, "<p>");
        if (nl && nl - para < 60 && nl > para && strchr(".:!?", nl[-1]) == NULL) {
            *nl = 0;
            buf_adds(b, "<strong>");
            html_esc(b, para);
            buf_adds(b, "</strong><br>\n");
            memmove(para, nl + 1, strlen(nl + 1) + 1);
        }
        for (char *q = para, *line; (line = strsep(&q, "\n"));) {
            html_esc(b, line);
            if (q) buf_adds(b, "<br>\n");
        }
        buf_adds(b, "</p>\n");
        free(para);
        p += n;
    }
}

/* pick the statement of incident I in the reader's language, else the other one */
static const struct statement *pick(const struct statement *st, size_t n, const char *ref, int de_)
{
    const struct statement *other = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(st[i].incident, ref)) continue;
        if (!strcmp(st[i].lang, de_ ? "de" : "en")) return &st[i];
        other = &st[i];
    }
    return other;
}

int page_index(reg *r, int de_, struct buf *b)
{
    struct statement *st = NULL;
    size_t n = 0;
    if (statement_list(r, NULL, 1, &st, &n)) return 500;
    html_begin(b, r, de_, T("Sicherheitsvorfälle", "Security incidents"), "/");
    buf_addf(b, "<h1>%s</h1>\n", T("Sicherheitsvorfälle", "Security incidents"));
    buf_addf(
        b, "<p class=\"lead\">%s</p>\n",
        T("Hier informieren wir über Vorfälle, bei denen personenbezogene Daten betroffen waren: was passiert ist, "
          "wen es betrifft und was wir getan haben.",
          "Here we report incidents that affected personal data: what happened, whom it affects and what we have done."));
    buf_addf(b, "<p><a class=\"button\" href=\"/verify?lang=%s\">%s</a></p>\n", de_ ? "de" : "en",
             T("Haben Sie eine Nachricht von uns erhalten? Prüfen Sie, ob sie echt ist",
               "Did you get a message from us? Check whether it is genuine"));
    int shown = 0;
    buf_adds(b, "<ul class=\"incidents\">\n");
    for (size_t i = n; i-- > 0;) { /* newest incident first */
        if (i + 1 < n && !strcmp(st[i].incident, st[i + 1].incident)) continue;
        const struct statement *s = pick(st, n, st[i].incident, de_);
        char when[I18N_TEXT_MAX];
        fmt_t(de_, s->published_at, reg_org_zone(r), when, sizeof when);
        buf_addf(b, "<li><a href=\"/incident/%s?lang=%s\"", ref_s(s->incident), de_ ? "de" : "en");
        if (strcmp(s->lang, de_ ? "de" : "en")) buf_addf(b, " lang=\"%s\"", lang_s(s->lang));
        buf_adds(b, ">");
        html_esc(b, s->title);
        buf_addf(b, "</a><br><span class=\"meta\">%s %s · %s</span></li>\n", T("Vorfall", "Incident"),
                 ref_s(s->incident), when);
        shown++;
    }
    buf_adds(b, "</ul>\n");
    if (!shown)
        buf_addf(b, "<p>%s</p>\n",
                 T("Derzeit gibt es keine veröffentlichten Vorfälle.", "There are no published incidents."));
    html_end(b, r, de_);
    statements_free(st, n);
    return 200;
}

static void chart_section(struct buf *b, reg *r, const struct incident *inc, int de_)
{
    struct scan_info si;
    if (scans_get(r, inc, 0, &si)) return;
    int64_t *hours = NULL, *views = NULL;
    size_t n = 0;
    if (scans_hours(r, si.id, &hours, &views, &n) || !n) {
        free(hours);
        free(views);
        return;
    }
    struct chart c;
    const char *zone = reg_org_zone(r);
    if (chart_bin(hours, views, n, zone, 24 * 14, &c) == 0) {
        buf_addf(
            b, "<section aria-labelledby=\"views\">\n<h2 id=\"views\">%s</h2>\n<p>%s</p>\n<figure class=\"chart\">\n",
            T("Abrufe im Zeitverlauf", "Views over time"),
            T("Wie oft die offengelegten Daten von anderen abgerufen wurden, ermittelt aus unseren Server-Protokollen.",
              "How often other people viewed the exposed data, counted from our server logs."));
        chart_svg(&c, de_ ? REPORT_DE : REPORT_EN, zone, b);
        buf_addf(
            b,
            "</figure>\n<details>\n<summary>%s</summary>\n<table>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
            T("Die Zahlen als Tabelle", "The numbers as a table"),
            c.per_day ? T("Tag", "Day") : T("Stunde ab", "Hour from"), T("Abrufe", "Views"));
        for (size_t i = 0; i < c.n; i++) {
            if (!c.value[i]) continue;
            char when[I18N_TEXT_MAX], num[I18N_TEXT_MAX], err[64];
            if (c.per_day)
                i18n_format_utc(de_ ? I18N_DE : I18N_EN, c.start[i], "UTC", I18N_DATE, when, sizeof when, err,
                                sizeof err);
            else fmt_t(de_, c.start[i], zone, when, sizeof when);
            fmt_n(de_, c.value[i], num, sizeof num);
            buf_addf(b, "<tr><td>%s</td><td class=\"num\">%s</td></tr>\n", when, num);
        }
        buf_adds(b, "</tbody>\n</table>\n</details>\n</section>\n");
        chart_release(&c);
    }
    free(hours);
    free(views);
}

static const char *breach_label(int de_, const char *t)
{
    if (!strcmp(t, "confidentiality"))
        return T("Vertraulichkeit (Unbefugte konnten Daten sehen)",
                 "confidentiality (data seen by people who should not)");
    if (!strcmp(t, "integrity")) return T("Integrität (Daten wurden verändert)", "integrity (data altered)");
    if (!strcmp(t, "availability"))
        return T("Verfügbarkeit (Daten waren nicht erreichbar oder gingen verloren)",
                 "availability (data unreachable or lost)");
    return t;
}

/* the published facts of a statement (FACTS_JSON: its canonical JSON) */
static void facts_section(struct buf *b, const char *facts_json, const char *zone, int de_)
{
    char when[I18N_TEXT_MAX], w2[I18N_TEXT_MAX], num[I18N_TEXT_MAX];
    json_t *facts = json_loads(facts_json, 0, NULL);
    buf_addf(b, "<section aria-labelledby=\"facts\" class=\"box\">\n<h2 id=\"facts\">%s</h2>\n<dl class=\"facts\">\n",
             T("Das Wichtigste in Kürze", "Key facts"));
    const char *from = facts ? json_string_value(json_object_get(facts, "exposure_from")) : NULL;
    const char *until = facts ? json_string_value(json_object_get(facts, "exposure_until")) : NULL;
    int64_t tf = 0, tu = 0;
    char err[128];
    if (from && until && !kt_time_parse(from, &tf, err, sizeof err) && !kt_time_parse(until, &tu, err, sizeof err)) {
        fmt_t(de_, tf, zone, when, sizeof when);
        fmt_t(de_, tu, zone, w2, sizeof w2);
        char dur[I18N_TEXT_MAX] = "";
        i18n_format_duration(de_ ? I18N_DE : I18N_EN, tu - tf, dur, sizeof dur);
        buf_addf(b, "<dt>%s</dt><dd>%s %s %s %s (%s)</dd>\n", T("Zeitraum", "Period"), T("vom", "from"), when,
                 T("bis", "until"), w2, dur);
    }
    json_t *v = facts ? json_object_get(facts, "approx_people") : NULL;
    if (json_is_integer(v)) {
        fmt_n(de_, json_integer_value(v), num, sizeof num);
        buf_addf(b, "<dt>%s</dt><dd>%s</dd>\n", T("Betroffene Personen", "People affected"), num);
    }
    v = facts ? json_object_get(facts, "approx_records") : NULL;
    if (json_is_integer(v)) {
        fmt_n(de_, json_integer_value(v), num, sizeof num);
        buf_addf(b, "<dt>%s</dt><dd>%s</dd>\n", T("Betroffene Datensätze", "Records affected"), num);
    }
    v = facts ? json_object_get(facts, "breach_types") : NULL;
    if (json_array_size(v)) {
        buf_addf(b, "<dt>%s</dt><dd><ul class=\"plain\">", T("Art der Verletzung", "Type of breach"));
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *t = json_string_value(json_array_get(v, i));
            if (!t) continue;
            buf_adds(b, "<li>");
            html_esc(b, breach_label(de_, t));
            buf_adds(b, "</li>");
        }
        buf_adds(b, "</ul></dd>\n");
    }
    buf_adds(b, "</dl>\n</section>\n");
    json_decref(facts);
}

/* the public timeline: the record's dates and every published revision, by time */
static void timeline_section(struct buf *b, const struct incident *inc, const struct statement *st, size_t n,
                             const char *zone, int de_)
{
    char when[I18N_TEXT_MAX];
    buf_addf(b, "<section aria-labelledby=\"timeline\">\n<h2 id=\"timeline\">%s</h2>\n<ol class=\"timeline\">\n",
             T("Zeitlinie", "Timeline"));
    struct {
        int f;
        const char *de, *en;
    } dates[] = {
        {IF_AWARE_AT, "Wir haben von dem Vorfall erfahren", "We became aware of the incident"},
        {IF_CONTAINED_AT, "Der Fehler wurde behoben", "The problem was stopped"},
        {IF_NOTIFIED_AT, "Die Aufsichtsbehörde wurde informiert", "The supervisory authority was notified"},
    };
    struct {
        int64_t t;
        const char *text;
        int64_t rev;
        const char *lang;
        int64_t idx;
    } items[64];
    size_t ni = 0;
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        int64_t t = inc_time(inc, dates[i].f);
        if (t) {
            items[ni].t = t;
            items[ni].text = T(dates[i].de, dates[i].en);
            items[ni].rev = 0;
            items[ni].lang = NULL;
            items[ni].idx = -1;
            ni++;
        }
    }
    for (size_t i = 0; i < n && ni < sizeof items / sizeof items[0]; i++) {
        items[ni].t = st[i].published_at;
        items[ni].text = NULL;
        items[ni].rev = st[i].revision;
        items[ni].lang = st[i].lang;
        items[ni].idx = st[i].log_index;
        ni++;
    }
    for (size_t i = 1; i < ni; i++) /* insertion sort by time */
        for (size_t j = i; j > 0 && items[j].t < items[j - 1].t; j--) {
            __typeof__(items[0]) tmp = items[j];
            items[j] = items[j - 1];
            items[j - 1] = tmp;
        }
    for (size_t i = 0; i < ni; i++) {
        fmt_t(de_, items[i].t, zone, when, sizeof when);
        buf_addf(b, "<li><span class=\"when\">%s</span> ", when);
        if (items[i].text) html_esc(b, items[i].text);
        else
            buf_addf(b, "%s %lld (%s) %s — <a href=\"/log/entries?start=%lld&amp;end=%lld\">%s %lld</a>",
                     T("Erklärung veröffentlicht, Fassung", "Statement published, revision"), (long long)items[i].rev,
                     !strcmp(items[i].lang, "de") ? T("deutsch", "German") : T("englisch", "English"), T("", ""),
                     (long long)items[i].idx, (long long)items[i].idx + 1,
                     T("Eintrag im Transparenz-Log", "transparency-log entry"), (long long)items[i].idx);
        buf_adds(b, "</li>\n");
    }
    buf_adds(b, "</ol>\n</section>\n");
}

/* the statement itself: title, revision line, the text (S in a FOREIGN language: marked so) */
static void statement_article(struct buf *b, const struct incident *inc, const struct statement *s, int foreign,
                              const char *zone, int de_)
{
    char when[I18N_TEXT_MAX];
    buf_addf(b, "<article%s%s%s>\n", foreign ? " lang=\"" : "", foreign ? lang_s(s->lang) : "", foreign ? "\"" : "");
    buf_adds(b, "<h1>");
    html_esc(b, s->title);
    buf_adds(b, "</h1>\n");
    fmt_t(de_, s->published_at, zone, when, sizeof when);
    buf_addf(b, "<p class=\"meta\" lang=\"%s\">%s %s · %s %lld · %s %s</p>\n", de_ ? "de" : "en",
             T("Vorfall", "Incident"), ref_s(inc->ref), T("Fassung", "Revision"), (long long)s->revision,
             T("veröffentlicht am", "published"), when);
    if (foreign)
        buf_addf(b, "<p class=\"note\" lang=\"%s\">%s</p>\n", de_ ? "de" : "en",
                 T("Diese Erklärung liegt nur auf Englisch vor.", "This statement is only available in German."));
    statement_html(b, s->text);
    buf_adds(b, "</article>\n");
}

int page_incident(reg *r, const char *ref, int de_, struct buf *b)
{
    struct statement *st = NULL;
    size_t n = 0;
    if (strlen(ref) > 15) return page_not_found(r, de_, b);
    if (statement_list(r, ref, 0, &st, &n)) return 500;
    if (!n) {
        statements_free(st, n);
        return page_not_found(r, de_, b);
    }
    struct incident inc;
    if (incident_load(r, ref, &inc)) {
        statements_free(st, n);
        return page_not_found(r, de_, b);
    }
    /* the latest revision in the reader's language (rows are ordered by lang, revision) */
    const struct statement *s = NULL, *any = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(st[i].lang, de_ ? "de" : "en")) s = &st[i];
        any = &st[i];
    }
    int foreign = !s;
    if (!s) s = any;
    const char *zone = reg_org_zone(r);
    char self[64];
    snprintf(self, sizeof self, "/incident/%s", ref_s(inc.ref));
    html_begin(b, r, de_, s->title, self);
    statement_article(b, &inc, s, foreign, zone, de_);
    facts_section(b, s->facts, zone, de_);
    timeline_section(b, &inc, st, n, zone, de_);
    chart_section(b, r, &inc, de_);
    buf_addf(
        b,
        "<section aria-labelledby=\"check\" class=\"box\">\n<h2 id=\"check\">%s</h2>\n<p>%s</p>\n"
        "<p><a class=\"button\" href=\"/verify?lang=%s\">%s</a></p>\n</section>\n",
        T("Haben Sie eine Nachricht zu diesem Vorfall erhalten?", "Did you get a message about this incident?"),
        T("Geben Sie den Code aus der Nachricht auf unserer Prüfseite ein. Mit Ihrer E-Mail-Adresse sehen Sie dort auch, "
          "welche Ihrer Daten betroffen waren. Klicken Sie nicht auf Links in Nachrichten, denen Sie nicht trauen — "
          "tippen Sie die Adresse dieser Seite selbst ein.",
          "Enter the code from the message on our checking page. With your e-mail address you also see which of your "
          "data was affected. Do not click links in messages you do not trust — type this site's address yourself."),
        de_ ? "de" : "en", T("Nachricht prüfen", "Check a message"));
    contact_box(b, r, de_);
    html_end(b, r, de_);
    incident_release(&inc);
    statements_free(st, n);
    return 200;
}

int page_not_found(reg *r, int de_, struct buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = 0;
    html_begin(b, r, de_, T("Nicht gefunden", "Not found"), "/");
    buf_addf(
        b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/\">%s</a></p>\n",
        T("Diese Seite gibt es nicht", "This page does not exist"),
        T("Vielleicht hat sich ein Tippfehler in die Adresse eingeschlichen.", "The address may have a typing error."),
        T("Zur Übersicht der Vorfälle", "To the list of incidents"));
    html_end(b, r, de_);
    return 404;
}

void page_error(reg *r, int de_, int status, struct buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = 0;
    const char *h, *t;
    switch (status) {
    case 400:
        h = T("Ungültige Anfrage", "Bad request");
        t = T("Die Anfrage konnte nicht gelesen werden.", "The request could not be read.");
        break;
    case 403:
        h = T("Nicht angemeldet", "Not signed in");
        t = T("Bitte melden Sie sich erneut an.", "Please sign in again.");
        break;
    case 405:
        h = T("Methode nicht erlaubt", "Method not allowed");
        t = T("Diese Adresse unterstützt diese Anfrage nicht.", "This address does not support this request.");
        break;
    case 413:
        h = T("Anfrage zu groß", "Request too large");
        t = T("Die gesendeten Daten sind zu groß.", "The data sent is too large.");
        break;
    default:
        h = T("Ein Fehler ist aufgetreten", "Something went wrong");
        t = T("Bitte versuchen Sie es später noch einmal.", "Please try again later.");
        break;
    }
    if (r) html_begin(b, r, de_, h, "/");
    else
        buf_addf(
            b,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title></head><body><main>\n",
            de_ ? "de" : "en", h);
    buf_addf(b, "<h1>%s</h1>\n<p>%s</p>\n", h, t);
    if (r) html_end(b, r, de_);
    else buf_adds(b, "</main></body></html>\n");
}

static void verify_form(struct buf *b, int de_, int open_details)
{
    buf_addf(
        b,
        "<form method=\"post\" action=\"/verify\" class=\"form\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
        de_ ? "de" : "en");
    buf_addf(
        b,
        "<p><label for=\"code\">%s</label>\n<span class=\"hint\" id=\"code-hint\">%s</span>\n"
        "<input id=\"code\" name=\"code\" type=\"text\" required autocomplete=\"off\" autocapitalize=\"characters\" "
        "spellcheck=\"false\" inputmode=\"text\" maxlength=\"40\" aria-describedby=\"code-hint\" placeholder=\"XXXX-XXXX-XXXX-XXXX\"></p>\n",
        T("Code aus der Nachricht", "Code from the message"),
        T("16 Zeichen, meist in Vierergruppen, z. B. K7QM-2D9X-PH4T-W3RC. Groß- und Kleinschreibung und Bindestriche sind egal.",
          "16 characters, usually in groups of four, e.g. K7QM-2D9X-PH4T-W3RC. Upper or lower case and dashes do not matter."));
    buf_addf(
        b,
        "<p><label for=\"email\">%s</label>\n<span class=\"hint\" id=\"email-hint\">%s</span>\n"
        "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" maxlength=\"254\" aria-describedby=\"email-hint\"></p>\n",
        T("Ihre E-Mail-Adresse (freiwillig)", "Your e-mail address (optional)"),
        T("Die Adresse, an die die Nachricht ging. Dann zeigen wir Ihnen, welche Ihrer Daten betroffen waren.",
          "The address the message was sent to. We then show you which of your data was affected."));
    buf_addf(b, "<p><button type=\"submit\">%s</button></p>\n</form>\n", T("Prüfen", "Check"));
    (void)open_details;
}

void page_verify_form(reg *r, int de_, struct buf *b)
{
    html_begin(b, r, de_, T("Ist diese Nachricht echt?", "Is this message genuine?"), "/verify");
    buf_addf(
        b, "<h1>%s</h1>\n<p class=\"lead\">%s</p>\n", T("Ist diese Nachricht echt?", "Is this message really from us?"),
        T("Wenn Sie von uns eine Nachricht zu einem Datenschutzvorfall erhalten haben, können Sie hier prüfen, ob sie wirklich "
          "von uns stammt. Sie brauchen dafür nur den Code am Ende der Nachricht.",
          "If you received a message from us about a data breach, you can check here whether it really comes from us. "
          "All you need is the code at the end of the message."));
    verify_form(b, de_, 0);
    buf_addf(
        b, "<p class=\"note\">%s</p>\n",
        T("Wir fragen hier nie nach Passwörtern, Konto- oder Zahlungsdaten. Wenn eine Nachricht danach fragt, stammt sie nicht von uns.",
          "We never ask for passwords, account or payment details here. A message that asks for them is not from us."));
    contact_box(b, r, de_);
    html_end(b, r, de_);
}

/* the pages "a", "b" -> "a, b" (each escaped; a page may hold ';' or ',') */
static void list_plain(struct buf *b, char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) buf_adds(b, ", ");
        html_esc(b, items[i]);
    }
}

/* "name;email" -> "Name, E-Mail-Adresse" (the letters' words; unknown names as stored) */
static void list_words(struct buf *b, const char *semi, int de_)
{
    const char *c = semi;
    while (*c) {
        size_t n = strcspn(c, ";");
        const char *w = notice_field_word(c, n, de_);
        if (c != semi) buf_adds(b, ", ");
        if (w) html_esc(b, w);
        else {
            char *t = xstrndup(c, n);
            html_esc(b, t);
            free(t);
        }
        c += n;
        if (*c == ';') c++;
    }
}

/* the page for a code (and address) that matched no notice */
static void verify_not_confirmed(reg *r, int de_, struct buf *b)
{
    html_begin(b, r, de_, T("Nicht bestätigt", "Not confirmed"), "/verify");
    buf_addf(b, "<div class=\"result bad\" role=\"status\">\n<h1>%s</h1>\n<p>%s</p>\n</div>\n",
             T("Wir konnten diese Nachricht nicht bestätigen", "We could not confirm this message"),
             T("Zu diesem Code haben wir keine Nachricht gefunden – oder nicht an die angegebene E-Mail-Adresse.",
               "We found no message with this code – or none sent to the e-mail address you entered."));
    buf_addf(
        b, "<h2>%s</h2>\n<ul>\n<li>%s</li>\n<li>%s</li>\n<li>%s</li>\n</ul>\n",
        T("Was Sie jetzt tun können", "What you can do now"),
        T("Prüfen Sie den Code auf Tippfehler und versuchen Sie es erneut.",
          "Check the code for typing errors and try again."),
        T("Wenn Sie eine E-Mail-Adresse angegeben haben: Es muss die Adresse sein, an die die Nachricht ging. Lassen Sie das Feld sonst leer.",
          "If you entered an e-mail address: it must be the address the message was sent to. Otherwise leave the field empty."),
        T("Lässt sich die Nachricht nicht bestätigen, stammt sie vielleicht nicht von uns: Klicken Sie auf keine Links darin, "
          "öffnen Sie keine Anhänge und rufen Sie unseren Kundenservice an.",
          "If the message cannot be confirmed, it may not be from us: do not click links in it, do not open attachments, "
          "and call our customer service."));
    verify_form(b, de_, 1);
    contact_box(b, r, de_);
    html_end(b, r, de_);
}

/* what happened to the person's data (E found) */
static void exposure_section(const struct person_exposure *e, int de_, struct buf *b)
{
    char when[I18N_TEXT_MAX], w2[I18N_TEXT_MAX], num[I18N_TEXT_MAX];
    const char *pz = e->timezone;
    fmt_t(de_, e->first_seen, pz, when, sizeof when);
    fmt_t(de_, e->last_seen, pz, w2, sizeof w2);
    buf_addf(b, "<section aria-labelledby=\"yours\" class=\"box\">\n<h2 id=\"yours\">%s</h2>\n<dl class=\"facts\">\n",
             T("Was mit Ihren Daten geschah", "What happened to your data"));
    buf_addf(b, "<dt>%s</dt><dd>", T("Welche Daten", "Which data"));
    list_words(b, e->fields, de_);
    buf_adds(b, "</dd>\n");
    buf_addf(b, "<dt>%s</dt><dd>%s %s<br>%s %s</dd>\n", T("Wann", "When"), T("zuerst abgerufen:", "first viewed:"),
             when, T("zuletzt abgerufen:", "last viewed:"), w2);
    char dur[I18N_TEXT_MAX] = "";
    i18n_format_duration(de_ ? I18N_DE : I18N_EN, e->last_seen - e->first_seen, dur, sizeof dur);
    buf_addf(b, "<dt>%s</dt><dd>%s</dd>\n", T("Wie lange", "For how long"), dur);
    fmt_n(de_, e->views, num, sizeof num);
    buf_addf(b, "<dt>%s</dt><dd>%s %s", T("Von wem", "By whom"), num,
             e->views == 1 ? T("Abruf", "view") : T("Abrufe", "views"));
    fmt_n(de_, e->viewers, num, sizeof num);
    buf_addf(b, T(" durch %s andere %s", " by %s other %s"), num,
             e->viewers == 1 ? T("Person", "person") : T("Personen", "people"));
    char a[I18N_TEXT_MAX], c2[I18N_TEXT_MAX];
    fmt_n(de_, e->signed_in, a, sizeof a);
    fmt_n(de_, e->anonymous, c2, sizeof c2);
    buf_addf(b,
             T(": %s %s, %s %s (%s). Wer das war, zeigen wir nicht.</dd>\n",
               ": %s %s, %s %s (%s). We do not show who they were.</dd>\n"),
             a,
             e->signed_in == 1 ? T("angemeldete Kundin oder angemeldeter Kunde", "signed-in customer")
                               : T("angemeldete Kundinnen und Kunden", "signed-in customers"),
             c2,
             e->anonymous == 1 ? T("nicht angemeldeter Besucher", "visitor who was not signed in")
                               : T("nicht angemeldete Besucher", "visitors who were not signed in"),
             T("nur über die IP-Adresse gezählt", "counted by IP address only"));
    buf_addf(b, "<dt>%s</dt><dd>", T("Wo", "Where"));
    list_plain(b, e->pages, e->npages);
    buf_adds(b, "</dd>\n");
    buf_addf(b, "</dl>\n<p class=\"meta\">%s ", T("Zeiten in Ihrer Zeitzone:", "Times in your time zone:"));
    html_esc(b, pz);
    buf_adds(b, ".</p>\n</section>\n");
}

/* the person's notices of this incident, newest first (shown once there is more than one): a
   follow-up states newer facts than the notice before it */
static void notices_section(const struct verify_res *v, const struct person_exposure *e, int de_, const char *zone,
                            struct buf *b)
{
    if (e->nnotices < 2) return;
    buf_addf(b, "<section aria-labelledby=\"notices\">\n<h2 id=\"notices\">%s</h2>\n<p>%s</p>\n<ol>\n",
             T("Ihre Mitteilungen zu diesem Vorfall", "Your notices about this incident"),
             T("Die neueste zuerst: Ein Nachtrag nennt den neueren Stand; seine Angaben ersetzen die der früheren.",
               "The newest first: a follow-up states what we know now; its facts replace those of the earlier one."));
    for (size_t i = 0; i < e->nnotices; i++) {
        const struct notice_hit *h = &e->notices[i];
        char when[I18N_TEXT_MAX];
        fmt_t(de_, lookup_sent_date(h), zone, when, sizeof when);
        buf_addf(b, "<li>%s%s <code>",
                 i == 0 ? T("<strong>Neuester Stand:</strong> ", "<strong>Newest facts:</strong> ") : "",
                 !strcmp(h->kind, "followup") ? T("Nachtrag", "Follow-up")
                 : !strcmp(h->kind, "letter") ? T("Brief", "Letter")
                                              : T("Mitteilung", "Notice"));
        html_esc(b, h->notice_id);
        buf_addf(b, "</code> %s %s%s</li>\n", T("vom", "of"), when,
                 !strcmp(h->notice_id, v->h.notice_id)
                     ? T(" (die Nachricht, die Sie prüfen)", " (the one you are checking)")
                     : "");
    }
    buf_adds(b, "</ol>\n</section>\n");
}

/* where the notice stands in the transparency log, and how to check it */
static void log_section(const struct person_exposure *e, int de_, struct buf *b)
{
    buf_addf(b, "<section aria-labelledby=\"log\">\n<h2 id=\"log\">%s</h2>\n",
             T("Im Transparenz-Log", "In the transparency log"));
    if (e->log_index < 0) {
        buf_addf(
            b, "<p>%s</p>\n",
            T("Diese Nachricht ist noch nicht im Transparenz-Log verzeichnet.", "This message is not in the log yet."));
    } else {
        buf_addf(b, "<p>%s <a href=\"/log/entries?start=%lld&amp;end=%lld\">%lld</a>%s</p>\n",
                 T("Eine Prüfsumme dieser Nachricht steht im öffentlichen Transparenz-Log, Eintrag",
                   "A commitment to this message is in the public transparency log, entry"),
                 (long long)e->log_index, (long long)e->log_index + 1, (long long)e->log_index,
                 e->in_checkpoint
                     ? T(", enthalten im zuletzt signierten Prüfpunkt.", ", covered by the latest signed checkpoint.")
                     : T(" (noch in keinem signierten Prüfpunkt).", " (not yet in a signed checkpoint)."));
        if (e->salt_hex[0]) {
            buf_addf(
                b, "<p>%s</p>\n<dl class=\"facts\">\n<dt>%s</dt><dd><code>",
                T("So prüfen Sie es selbst: Der Eintrag enthält <code>commitment</code> = SHA-256(Salz ‖ Text). "
                  "Mit diesen beiden Werten können Sie ihn nachrechnen und mit dem Beweis unten zeigen, dass er im Log steht "
                  "(siehe die Seite „Transparenz-Log“).",
                  "Check it yourself: the entry holds <code>commitment</code> = SHA-256(salt ‖ text). With these two values "
                  "you can recompute it and, with the proof below, show that it is in the log (see the transparency log page)."),
                T("Salz (hex)", "Salt (hex)"));
            html_esc(b, e->salt_hex);
            buf_addf(b, "</code></dd>\n<dt>%s</dt><dd><code>", T("Text (mit Zeilenende)", "Text (with its line end)"));
            html_esc(b, e->committed);
            buf_adds(b, "</code></dd>\n</dl>\n");
        }
        if (e->have_proof) {
            char *pj = json_dumps(e->proof, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
            buf_addf(b, "<details>\n<summary>%s</summary>\n<pre>",
                     T("Inklusionsbeweis (RFC 9162)", "Inclusion proof (RFC 9162)"));
            html_esc(b, pj ? pj : "");
            buf_adds(b, "</pre>\n</details>\n");
            free(pj);
        }
    }
    buf_adds(b, "</section>\n");
}

/* a notice whose details a purge deleted: when it was sent and when its details went, nothing else */
static void verify_purged(reg *r, int de_, const struct notice_hit *h, struct buf *b)
{
    const char *zone = reg_org_zone(r);
    char when[I18N_TEXT_MAX], gone[I18N_TEXT_MAX];
    html_begin(b, r, de_, T("Die Nachricht ist echt", "The message is genuine"), "/verify");
    fmt_t(de_, lookup_sent_date(h), zone, when, sizeof when);
    fmt_t(de_, h->purged_at, zone, gone, sizeof gone);
    buf_addf(b, "<div class=\"result good\" role=\"status\">\n<h1>%s</h1>\n<p>%s %s%s</p>\n",
             T("Ja, diese Nachricht ist echt", "Yes, this message is genuine"), T("Wir haben sie am", "We sent it on"),
             when, T(" geschickt.", "."));
    buf_addf(b, "<p>%s <a href=\"/incident/%s?lang=%s\">", T("Sie betrifft den Vorfall", "It concerns the incident"),
             ref_s(h->incident_ref), de_ ? "de" : "en");
    html_esc(b, *h->title ? h->title : h->incident_ref);
    buf_addf(b, "</a> (%s).</p>\n</div>\n", ref_s(h->incident_ref));
    buf_addf(b, "<p>%s %s%s</p>\n",
             T("Die Einzelheiten (an wen sie ging, ihr Text, welche Ihrer Daten betroffen waren) haben wir nach "
               "unseren Aufbewahrungsfristen am",
               "Its details (whom it went to, its text, which of your data was affected) were deleted under our "
               "retention policy on"),
             gone, T(" gelöscht.", "."));
    contact_box(b, r, de_);
    html_end(b, r, de_);
}

void page_verify_result(reg *r, int de_, const struct verify_res *v, const struct person_exposure *e, struct buf *b)
{
    const char *zone = reg_org_zone(r);
    char when[I18N_TEXT_MAX];
    if (!v->matched) {
        verify_not_confirmed(r, de_, b);
        return;
    }
    const struct notice_hit *h = &v->h;
    if (h->purged_at) {
        verify_purged(r, de_, h, b);
        return;
    }
    html_begin(b, r, de_, T("Die Nachricht ist echt", "The message is genuine"), "/verify");
    fmt_t(de_, lookup_sent_date(h), zone, when, sizeof when);
    buf_addf(b, "<div class=\"result good\" role=\"status\">\n<h1>%s</h1>\n<p>%s ",
             T("Ja, diese Nachricht ist echt", "Yes, this message is genuine"), T("Wir haben sie am", "We sent it on"));
    buf_addf(b, "%s %s <strong>", when, T("an", "to"));
    html_esc(b, h->rcpt_masked);
    buf_addf(b, "</strong>%s</p>\n", T(" geschickt.", "."));
    buf_addf(b, "<p>%s <a href=\"/incident/%s?lang=%s\">", T("Sie betrifft den Vorfall", "It concerns the incident"),
             ref_s(h->incident_ref), de_ ? "de" : "en");
    html_esc(b, *h->title ? h->title : h->incident_ref);
    buf_addf(b, "</a> (%s).</p>\n</div>\n", ref_s(h->incident_ref));
    if (v->with_email && e && e->found) {
        notices_section(v, e, de_, zone, b);
        exposure_section(e, de_, b);
    } else if (v->with_email) {
        buf_addf(b, "<p>%s</p>\n",
                 T("Zu Ihrer Adresse sind keine Abrufe gespeichert.", "No views are recorded for your address."));
    } else if (!strcmp(h->kind, "letter")) {
        /* a letter went by post: there is no e-mail address to add, and the letter itself lists
           the person's data (lookup_verify matches no address against a letter) */
        buf_addf(b, "<p>%s</p>\n",
                 T("Welche Ihrer Daten betroffen waren, steht in dem Brief selbst. Bei Fragen helfen wir Ihnen gern "
                   "über die Kontaktangaben unten.",
                   "The letter itself lists which of your data was affected. If you have questions, please contact "
                   "us using the details below."));
    } else {
        buf_addf(
            b, "<p>%s</p>\n",
            T("Geben Sie zusätzlich die E-Mail-Adresse ein, an die die Nachricht ging, um zu sehen, welche Ihrer Daten betroffen waren.",
              "Also enter the e-mail address the message was sent to, to see which of your data was affected."));
        verify_form(b, de_, 0);
    }
    if (v->with_email && e) log_section(e, de_, b);
    contact_box(b, r, de_);
    html_end(b, r, de_);
}

void page_rate_limited(reg *r, int de_, int retry_after, struct buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = 0;
    html_begin(b, r, de_, T("Zu viele Versuche", "Too many attempts"), "/verify");
    buf_addf(b, "<h1>%s</h1>\n<p>", T("Zu viele Versuche", "Too many attempts"));
    buf_addf(
        b, T("Bitte warten Sie %d Sekunden und versuchen Sie es dann erneut.", "Please wait %d seconds and try again."),
        retry_after);
    buf_adds(b, "</p>\n");
    html_end(b, r, de_);
}

/* ---- agent console ---- */

void page_refused(reg *r, int de_, struct buf *b)
{
    b->len = 0;
    if (b->p) b->p[0] = 0;
    const char *h = T("Anfrage abgelehnt", "Request refused");
    html_begin(b, r, de_, h, "/");
    buf_addf(b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/?lang=%s\">%s</a></p>\n", h,
             T("Dieses Formular wurde nicht von einer Seite dieses Portals abgeschickt, oder die Seite war zu alt. "
               "Öffnen Sie das Portal selbst (geben Sie die Adresse ein) und versuchen Sie es noch einmal.",
               "This form was not sent from a page of this portal, or the page was too old. Open the portal "
               "yourself (type its address) and try again."),
             de_ ? "de" : "en", T("Zur Startseite", "To the start page"));
    html_end(b, r, de_);
}

/* the hidden field with a form's token */
static void form_token_field(struct buf *b, const char *token)
{
    buf_adds(b, "<input type=\"hidden\" name=\"ft\" value=\"");
    html_esc(b, token);
    buf_adds(b, "\">\n");
}

void page_agent_login(reg *r, int de_, const char *msg, const struct agent_forms *f, struct buf *b)
{
    html_begin(b, r, de_, T("Kundenservice: Anmeldung", "Customer service: sign in"), "/agent");
    buf_addf(b, "<h1>%s</h1>\n", T("Kundenservice: Anmeldung", "Customer service: sign in"));
    if (msg && *msg) {
        buf_adds(b, "<p class=\"result bad\" role=\"alert\">");
        html_esc(b, msg);
        buf_adds(b, "</p>\n");
    }
    buf_addf(b,
             "<form method=\"post\" action=\"/agent/login\" class=\"form\">\n<input type=\"hidden\" name=\"lang\" "
             "value=\"%s\">\n",
             de_ ? "de" : "en");
    form_token_field(b, f->login);
    buf_addf(
        b,
        "<p><label for=\"token\">%s</label>\n<input id=\"token\" name=\"token\" type=\"password\" required autocomplete=\"current-password\" maxlength=\"100\"></p>\n"
        "<p><button type=\"submit\">%s</button></p>\n</form>\n",
        T("Ihr Agenten-Token", "Your agent token"), T("Anmelden", "Sign in"));
    html_end(b, r, de_);
}

static void agent_search(struct buf *b, int de_, const struct agent_forms *f)
{
    buf_addf(b,
             "<form method=\"post\" action=\"/agent/lookup\" class=\"form\">\n<input type=\"hidden\" name=\"lang\" "
             "value=\"%s\">\n",
             de_ ? "de" : "en");
    form_token_field(b, f->lookup);
    buf_addf(
        b,
        "<p><label for=\"q\">%s</label>\n<span class=\"hint\" id=\"q-hint\">%s</span>\n"
        "<input id=\"q\" name=\"q\" type=\"text\" required autocomplete=\"off\" spellcheck=\"false\" maxlength=\"254\" aria-describedby=\"q-hint\"></p>\n"
        "<p><button type=\"submit\">%s</button></p>\n</form>\n",
        T("Code oder E-Mail-Adresse", "Code or e-mail address"),
        T("Lassen Sie sich den Code aus der Nachricht vorlesen, oder die E-Mail-Adresse, an die sie ging. Jede Suche wird protokolliert.",
          "Ask the caller to read out the code from the message, or the e-mail address it went to. Every search is logged."),
        T("Suchen", "Look up"));
}

static void agent_head(struct buf *b, int de_, const char *agent, const struct agent_forms *f)
{
    buf_adds(b, "<form method=\"post\" action=\"/agent/logout\" class=\"whoami\">\n");
    form_token_field(b, f->logout);
    buf_addf(b, "<p>%s <strong>", T("Angemeldet:", "Signed in:"));
    html_esc(b, agent);
    buf_addf(b, "</strong> <button type=\"submit\" class=\"link\">%s</button></p></form>\n", T("Abmelden", "Sign out"));
}

/* whom the notices of each incident reached (returned mail from notify --bounces) */
static void agent_reach(reg *r, int de_, struct buf *b)
{
    struct reach_counts *rc = NULL;
    size_t n = 0;
    if (lookup_reach(r, &rc, &n) || !n) {
        free(rc);
        return;
    }
    buf_addf(
        b,
        "<section aria-labelledby=\"reach\">\n<h2 id=\"reach\">%s</h2>\n<table>\n<tr><th scope=\"col\">%s</th>"
        "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
        "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>\n",
        T("Wen die Mitteilungen erreicht haben", "Whom the notices reached"), T("Vorfall", "Incident"),
        T("versandt", "sent"), T("als Datei", "as files"), T("unzustellbar", "returned failed"),
        T("verzögert", "delayed"), T("davon Nachträge", "follow-ups"), T("Briefe", "letters"),
        T("ohne E-Mail-Adresse", "no e-mail address"), T("nicht erreicht", "not reached"));
    for (size_t i = 0; i < n; i++) {
        char nr[24] = "–"; /* unknown after a retention purge */
        if (rc[i].not_reached >= 0) snprintf(nr, sizeof nr, "%lld", (long long)rc[i].not_reached);
        buf_addf(b,
                 "<tr><td>%s</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
                 "<td>%lld</td><td>%s</td></tr>\n",
                 ref_s(rc[i].ref), (long long)rc[i].sent, (long long)rc[i].written, (long long)rc[i].returned_failed,
                 (long long)rc[i].returned_delayed, (long long)rc[i].followups, (long long)rc[i].letters,
                 (long long)rc[i].not_reachable, nr);
    }
    buf_adds(b, "</table>\n</section>\n");
    free(rc);
}

void page_agent_console(reg *r, int de_, const char *agent, const struct agent_forms *f, struct buf *b)
{
    html_begin(b, r, de_, T("Kundenservice", "Customer service"), "/agent");
    agent_head(b, de_, agent, f);
    buf_addf(b, "<h1>%s</h1>\n", T("Ist die Nachricht echt?", "Is the message genuine?"));
    agent_search(b, de_, f);
    agent_reach(r, de_, b);
    html_end(b, r, de_);
}

static const char *state_text(int de_, const char *st)
{
    if (!strcmp(st, "sent")) return T("zugestellt an den Mailserver", "handed to the mail server");
    if (!strcmp(st, "written")) return T("als Datei zur Zustellung exportiert", "exported as a file for delivery");
    if (!strcmp(st, "queued")) return T("noch nicht versandt (in der Warteschlange)", "not sent yet (queued)");
    if (!strcmp(st, "sending")) return T("Versand unklar (wird geprüft)", "sending state unknown (being checked)");
    if (!strcmp(st, "failed")) return T("Zustellung fehlgeschlagen", "delivery failed");
    if (!strcmp(st, "cancelled")) return T("Versand abgebrochen", "sending cancelled");
    if (!strcmp(st, "superseded"))
        return T("ersetzt durch eine neuere Nachricht (nie versandt)", "replaced by a newer notice (never sent)");
    return T("unbekannt", "unknown"); /* never a raw value from the register */
}

void page_agent_result(reg *r, int de_, const char *agent, const struct agent_forms *f, const char *query_shown,
                       int by_code, const struct notice_hit *hits, size_t n, struct buf *b)
{
    const char *zone = reg_org_zone(r);
    char when[I18N_TEXT_MAX];
    html_begin(b, r, de_, T("Kundenservice", "Customer service"), "/agent");
    agent_head(b, de_, agent, f);
    buf_addf(b, "<h1>%s</h1>\n<p class=\"meta\">%s ", T("Ergebnis", "Result"),
             by_code ? T("Code", "Code") : T("Adresse", "Address"));
    html_esc(b, query_shown);
    buf_adds(b, "</p>\n");
    if (!n) {
        buf_addf(
            b, "<div class=\"result bad\" role=\"status\">\n<h2>%s</h2>\n<p><strong>%s</strong> %s</p>\n</div>\n",
            T("Keine Nachricht gefunden", "No notice found"), T("Sagen Sie:", "Say:"),
            by_code
                ? T("„Zu diesem Code finde ich keine Nachricht von uns. Bitte lesen Sie ihn mir noch einmal Zeichen für Zeichen vor. "
                    "Wenn er weiterhin nicht passt, stammt die Nachricht wahrscheinlich nicht von uns: Bitte klicken Sie auf keine Links darin "
                    "und geben Sie keine Daten ein. Löschen Sie sie am besten.“",
                    "“I cannot find a message from us with this code. Please read it to me once more, character by character. "
                    "If it still does not match, the message is probably not from us: please do not click any links in it and do not "
                    "enter any data. It is best to delete it.”")
                : T("„An diese Adresse haben wir keine Nachricht zu einem Datenschutzvorfall geschickt. Wenn Sie eine solche Nachricht "
                    "erhalten haben, stammt sie wahrscheinlich nicht von uns: Bitte klicken Sie auf keine Links darin.“",
                    "“We have not sent a message about a data breach to this address. If you received such a message, it is probably "
                    "not from us: please do not click any links in it.”"));
    }
    for (size_t i = 0; i < n; i++) {
        const struct notice_hit *h = &hits[i];
        int delivered = !strcmp(h->state, "sent") || !strcmp(h->state, "written") || !strcmp(h->state, "sending");
        fmt_t(de_, lookup_sent_date(h), zone, when, sizeof when);
        buf_addf(b, "<div class=\"result %s\" role=\"status\">\n<h2>%s</h2>\n<dl class=\"facts\">\n",
                 delivered ? "good" : "warn",
                 delivered ? T("Echte Nachricht", "Genuine notice")
                           : T("Nachricht erstellt, aber nicht zugestellt", "Notice made but not delivered"));
        buf_addf(b, "<dt>%s</dt><dd><a href=\"/incident/%s?lang=%s\">", T("Vorfall", "Incident"),
                 ref_s(h->incident_ref), de_ ? "de" : "en");
        html_esc(b, *h->title ? h->title : h->incident_ref);
        buf_addf(b, "</a> (%s)</dd>\n<dt>%s</dt><dd>", ref_s(h->incident_ref), T("Nachricht", "Notice"));
        html_esc(b, h->notice_id);
        buf_addf(b, "</dd>\n<dt>%s</dt><dd>", T("Empfänger", "Recipient"));
        if (h->purged_at) {
            char gone[I18N_TEXT_MAX];
            fmt_t(de_, h->purged_at, zone, gone, sizeof gone);
            buf_addf(b, T("nach der Aufbewahrungsfrist am %s gelöscht", "deleted under the retention policy on %s"),
                     gone);
        } else html_esc(b, h->rcpt_masked);
        buf_addf(b, "</dd>\n<dt>%s</dt><dd>%s, %s</dd>\n</dl>\n", T("Zustellung", "Delivery"),
                 state_text(de_, h->state), when);
        buf_addf(b, "<p><strong>%s</strong> ", T("Sagen Sie:", "Say:"));
        if (delivered) {
            buf_addf(
                b,
                T("„Ja, die Nachricht ist echt. Wir haben sie am %s an Ihre Adresse geschickt. Es geht um den Vorfall ",
                  "“Yes, the message is genuine. We sent it to your address on %s. It is about the incident "),
                when);
            html_esc(b, *h->title ? h->title : h->incident_ref);
            buf_adds(
                b,
                T(". Was passiert ist, lesen Sie auch auf unserer Seite unter „Vorfälle“. Mit dem Code und Ihrer E-Mail-Adresse "
                  "sehen Sie dort, welche Ihrer Daten betroffen waren. Wir fragen Sie nie nach Ihrem Passwort.“",
                  ". You can also read what happened on our website under “Incidents”. With the code and your e-mail address you "
                  "can see there which of your data was affected. We will never ask you for your password.”"));
        } else {
            buf_adds(
                b,
                T("„Diese Nachricht wurde bei uns erstellt, aber noch nicht zugestellt. Ich gebe das an das Datenschutzteam weiter.“",
                  "“This notice was prepared by us but has not been delivered yet. I will pass this on to our data protection team.”"));
        }
        buf_adds(b, "</p>\n</div>\n");
    }
    agent_search(b, de_, f);
    html_end(b, r, de_);
}
