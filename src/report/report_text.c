/* report_text.c — the notification as plain text: 78 columns, UTF-8, for e-mail or a web form. */
#include "report/report_int.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include <stdio.h>
#include <string.h>

#define WIDTH 78
#define LABEL_W 26

static void spaces(struct buf *b, size_t n)
{
    while (n--) buf_addc(b, ' ');
}

static void rule(struct buf *b, char c)
{
    for (int i = 0; i < WIDTH; i++) buf_addc(b, c);
    buf_addc(b, '\n');
}

static void row(struct buf *b, const char *label, const char *text)
{
    size_t w = utf8_width(label);
    buf_adds(b, label);
    if (w + 2 > LABEL_W) {
        buf_addc(b, '\n');
        spaces(b, LABEL_W);
    } else spaces(b, LABEL_W - w);
    wrap_text(b, text, LABEL_W, LABEL_W, WIDTH);
    buf_addc(b, '\n');
}

/* views per local day, as a bar of '#' */
static void chart_text(const struct report *m, enum report_lang lang, const char *zone, struct buf *b)
{
    struct chart c;
    if (chart_bin(m->hours, m->views, m->nhours, zone, 0, &c)) return;
    int de = lang == REPORT_DE;
    buf_addf(b, de ? "Abrufe je Tag (Zeitzone %s):\n" : "Views per day (time zone %s):\n", zone);
    for (size_t i = 0; i < c.n; i++) {
        struct i18n_time t;
        char err[64], d[32], n[I18N_TEXT_MAX];
        if (i18n_localtime("UTC", c.start[i], &t, err, sizeof err)) continue;
        if (de)
            snprintf(d, sizeof d, "%.2s %02d.%02d.%04lld", i18n_weekday_name(I18N_DE, t.wday), t.day, t.month,
                     (long long)t.year);
        else
            snprintf(d, sizeof d, "%.3s %2d %.3s %04lld", i18n_weekday_name(I18N_EN, t.wday), t.day,
                     i18n_month_name(I18N_EN, t.month), (long long)t.year);
        int bar = c.max ? (int)((c.value[i] * 40 + c.max - 1) / c.max) : 0;
        i18n_format_int(de ? I18N_DE : I18N_EN, c.value[i], n, sizeof n);
        buf_addf(b, "  %s  ", d);
        for (int k = 0; k < 40; k++) buf_addc(b, k < bar ? '#' : ' ');
        buf_addf(b, " %8s\n", n);
    }
    chart_release(&c);
}

void report_write_text(const struct report *m, const struct doc *d, enum report_lang lang, const char *zone,
                       struct buf *out)
{
    buf_addf(out, "%s\n", d->title);
    wrap_text(out, d->subtitle, 0, 0, WIDTH);
    buf_addc(out, '\n');
    rule(out, '=');
    buf_addc(out, '\n');
    int section = 0;
    enum doc_kind prev = DOC_HEAD;
    int item = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct doc_item *it = &d->items[i];
        if (it->kind != DOC_ITEM) item = 0;
        switch (it->kind) {
        case DOC_HEAD: row(out, it->label, it->text); break;
        case DOC_SECTION:
            buf_addf(out, "\n%d. ", ++section);
            wrap_text(out, it->text, 3, 3, WIDTH);
            buf_addc(out, '\n');
            rule(out, '-');
            break;
        case DOC_ROW: row(out, it->label, it->text); break;
        case DOC_PARA:
            if (prev == DOC_ROW || prev == DOC_ITEM) buf_addc(out, '\n');
            wrap_text(out, it->text, 0, 0, WIDTH);
            buf_adds(out, "\n");
            break;
        case DOC_ITEM: {
            char n[16];
            snprintf(n, sizeof n, "%2d. ", ++item);
            buf_addf(out, "  %s", n);
            wrap_text(out, it->text, 6, 6, WIDTH);
            buf_addc(out, '\n');
            break;
        }
        case DOC_EVENT:
            buf_addf(out, "%s\n    ", it->label);
            wrap_text(out, it->text, 4, 4, WIDTH);
            buf_addc(out, '\n');
            break;
        case DOC_CHART: chart_text(m, lang, zone, out); break;
        case DOC_FOOT:
            buf_addc(out, '\n');
            rule(out, '-');
            wrap_text(out, it->text, 0, 0, WIDTH);
            buf_addc(out, '\n');
            break;
        }
        prev = it->kind;
    }
}
