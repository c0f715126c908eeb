/* report_chart.c — views per hour (or per day) as an inline SVG bar chart.
 *
 * Black bars on white with grey grid lines and text labels on both axes: readable printed in
 * black and white and without colour vision. No script, no fonts, no external references. */
#include "report/report_int.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHART_MAX_DAYS 3700

void chart_release(struct chart *c)
{
    free(c->start);
    free(c->value);
    memset(c, 0, sizeof *c);
}

static int local_day(const char *zone, int64_t t, int64_t *day)
{
    struct i18n_time lt;
    char err[128];
    if (i18n_localtime(zone, t, &lt, err, sizeof err)) return -1;
    *day = kt_days_from_civil(lt.year, (unsigned)lt.month, (unsigned)lt.day);
    return 0;
}

int chart_bin(const int64_t *hours, const int64_t *views, size_t n, const char *zone, size_t max_hours, struct chart *c)
{
    memset(c, 0, sizeof *c);
    if (!n) return 0;
    int64_t first = hours[0], last = hours[n - 1];
    int64_t range = (last - first) / 3600 + 1;
    if (range < 1) return -1;
    if ((size_t)range <= max_hours) {
        c->n = (size_t)range;
        c->start = xcalloc(c->n, sizeof *c->start);
        c->value = xcalloc(c->n, sizeof *c->value);
        for (size_t i = 0; i < c->n; i++) c->start[i] = first + (int64_t)i * 3600;
        for (size_t k = 0; k < n; k++) {
            int64_t i = (hours[k] - first) / 3600;
            if (i >= 0 && i < range) c->value[i] += views[k];
        }
    } else {
        int64_t d0, d1;
        if (local_day(zone, first, &d0) || local_day(zone, last, &d1)) return -1;
        if (d1 < d0 || d1 - d0 + 1 > CHART_MAX_DAYS) return -1;
        c->per_day = 1;
        c->n = (size_t)(d1 - d0 + 1);
        c->start = xcalloc(c->n, sizeof *c->start);
        c->value = xcalloc(c->n, sizeof *c->value);
        for (size_t i = 0; i < c->n; i++) c->start[i] = (d0 + (int64_t)i) * 86400;   /* the civil date, as UTC midnight */
        for (size_t k = 0; k < n; k++) {
            int64_t d;
            if (local_day(zone, hours[k], &d)) { chart_release(c); return -1; }
            if (d >= d0 && d <= d1) c->value[d - d0] += views[k];
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->value[i] > c->max) c->max = c->value[i];
        c->total += c->value[i];
    }
    return 0;
}

void chart_axis(int64_t max, int64_t *top, int64_t *step)
{
    if (max <= 0) { *top = 1; *step = 1; return; }
    static const int m[] = {1, 2, 5};
    for (int64_t p = 1;; p *= 10)
        for (int i = 0; i < 3; i++) {
            int64_t s = m[i] * p;
            int64_t ticks = (max + s - 1) / s;
            if (ticks <= 5) { *step = s; *top = ticks * s; return; }
        }
}

/* "12 Nov" / "12.11." for a time in zone (civil dates: zone "UTC") */
static void short_date(enum report_lang lang, const struct i18n_time *t, char *out, size_t len)
{
    if (lang == REPORT_DE) snprintf(out, len, "%d.%d.", t->day, t->month);
    else snprintf(out, len, "%d %.3s", t->day, i18n_month_name(I18N_EN, t->month));
}

static void bin_local(const struct chart *c, const char *zone, size_t i, struct i18n_time *t)
{
    char err[128];
    if (i18n_localtime(c->per_day ? "UTC" : zone, c->start[i], t, err, sizeof err)) memset(t, 0, sizeof *t);
}

void chart_svg(const struct chart *c, enum report_lang lang, const char *zone, struct buf *out)
{
    const int W = 720, H = 290, x0 = 64, x1 = W - 16, y0 = 40, y1 = H - 64;
    int de = lang == REPORT_DE;
    int64_t top, step;
    chart_axis(c->max, &top, &step);
    char title[160], desc[512], num[I18N_TEXT_MAX], a[96], b[96];
    snprintf(title, sizeof title, "%s", de ? (c->per_day ? "Abrufe der offengelegten Daten je Tag" : "Abrufe der offengelegten Daten je Stunde")
                                           : (c->per_day ? "Views of the exposed data per day" : "Views of the exposed data per hour"));
    i18n_format_int(de ? I18N_DE : I18N_EN, c->total, num, sizeof num);
    if (c->n) {
        report_time(lang, c->per_day ? "UTC" : zone, c->start[0], a, sizeof a);
        report_time(lang, c->per_day ? "UTC" : zone, c->start[c->n - 1], b, sizeof b);
        if (c->per_day) { char *comma = strrchr(a, ','); if (comma) *comma = 0; comma = strrchr(b, ','); if (comma) *comma = 0; }
    } else {
        a[0] = b[0] = 0;
    }
    size_t peak = 0;
    for (size_t i = 0; i < c->n; i++) if (c->value[i] > c->value[peak]) peak = i;
    char pk[96] = "", pv[I18N_TEXT_MAX];
    if (c->n) {
        report_time(lang, c->per_day ? "UTC" : zone, c->start[peak], pk, sizeof pk);
        if (c->per_day) { char *comma = strrchr(pk, ','); if (comma) *comma = 0; }
    }
    i18n_format_int(de ? I18N_DE : I18N_EN, c->n ? c->value[peak] : 0, pv, sizeof pv);
    snprintf(desc, sizeof desc, de ? "%s Abrufe von %s bis %s (Zeitzone %s); am meisten %s %s: %s Abrufe."
                                   : "%s views from %s to %s (time zone %s); most %s %s: %s views.",
             num, a, b, zone, de ? (c->per_day ? "am Tag" : "in der Stunde ab") : (c->per_day ? "on" : "in the hour from"), pk, pv);
    buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
                  "aria-labelledby=\"chart-title chart-desc\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    buf_adds(out, "<title id=\"chart-title\">");
    html_escape(out, title);
    buf_adds(out, "</title>\n<desc id=\"chart-desc\">");
    html_escape(out, desc);
    buf_adds(out, "</desc>\n");
    buf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
    buf_addf(out, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", x0);
    html_escape(out, title);
    buf_adds(out, "</text>\n");
    /* y grid and labels */
    for (int64_t v = 0; v <= top; v += step) {
        double y = y1 - (double)(y1 - y0) * (double)v / (double)top;
        buf_addf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\" stroke-width=\"0.5\"%s/>\n", x0, y, x1, y,
                 v ? " stroke-dasharray=\"3 3\"" : "");
        i18n_format_int(de ? I18N_DE : I18N_EN, v, num, sizeof num);
        buf_addf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0 - 6, y + 4, num);
    }
    buf_addf(out, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", (y0 + y1) / 2,
             de ? "Abrufe" : "views");
    /* bars */
    double bw = c->n ? (double)(x1 - x0) / (double)c->n : 0;
    double gap = bw >= 4 ? bw * 0.15 : 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->value[i]) continue;
        double h = (double)(y1 - y0) * (double)c->value[i] / (double)top;
        struct i18n_time lt;
        bin_local(c, zone, i, &lt);
        char when[96];
        report_time(lang, c->per_day ? "UTC" : zone, c->start[i], when, sizeof when);
        if (c->per_day) { char *comma = strrchr(when, ','); if (comma) *comma = 0; }
        i18n_format_int(de ? I18N_DE : I18N_EN, c->value[i], num, sizeof num);
        buf_addf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#000\"><title>", x0 + bw * (double)i + gap / 2,
                 (double)y1 - h, bw - gap > 0.5 ? bw - gap : 0.5, h);
        html_escape(out, when);
        buf_addf(out, ": %s</title></rect>\n", num);
    }
    /* x axis: a tick at every local midnight (per hour) or day; at most about 10 labels */
    buf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", x0, y1, x1, y1);
    size_t nticks = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct i18n_time lt;
        bin_local(c, zone, i, &lt);
        if (c->per_day || lt.hour == 0) nticks++;
    }
    size_t every = nticks > 10 ? (nticks + 9) / 10 : 1, k = 0;
    for (size_t i = 0; i < c->n; i++) {
        struct i18n_time lt;
        bin_local(c, zone, i, &lt);
        if (!(c->per_day || lt.hour == 0)) continue;
        if (k++ % every) continue;
        double x = x0 + bw * (double)i;
        char d[32];
        short_date(lang, &lt, d, sizeof d);
        buf_addf(out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#000\"/>\n", x, y1, x, y1 + 5);
        buf_addf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">", x, y1 + 18);
        html_escape(out, d);
        buf_adds(out, "</text>\n");
    }
    if (!nticks && c->n) {   /* less than a day: label the first and the last hour */
        for (int e = 0; e < 2; e++) {
            size_t i = e ? c->n - 1 : 0;
            struct i18n_time lt;
            bin_local(c, zone, i, &lt);
            double x = x0 + bw * (double)i + bw / 2;
            buf_addf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%02d:00</text>\n", x, y1 + 18, lt.hour);
            if (c->n == 1) break;
        }
    }
    buf_addf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (x0 + x1) / 2, H - 14);
    char xl[160];
    snprintf(xl, sizeof xl, de ? (c->per_day ? "Datum (%s), ein Balken je Tag" : "Datum und Uhrzeit (%s), ein Balken je Stunde")
                               : (c->per_day ? "date (%s), one bar per day" : "date and time (%s), one bar per hour"), zone);
    html_escape(out, xl);
    buf_adds(out, "</text>\n</svg>\n");
}
