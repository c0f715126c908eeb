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
        for (size_t i = 0; i < c->n; i++) c->start[i] = (d0 + (int64_t)i) * 86400; /* the civil date, as UTC midnight */
        for (size_t k = 0; k < n; k++) {
            int64_t d;
            if (local_day(zone, hours[k], &d)) {
                chart_release(c);
                return -1;
            }
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
    if (max <= 0) {
        *top = 1;
        *step = 1;
        return;
    }
    static const int m[] = {1, 2, 5};
    for (int64_t p = 1;; p *= 10)
        for (int i = 0; i < 3; i++) {
            int64_t s = m[i] * p;
            int64_t ticks = (max + s - 1) / s;
            if (ticks <= 5) {
                *step = s;
                *top = ticks * s;
                return;
            }
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

/* the drawing area: viewBox W × H, plot from (x0, y0) to (x1, y1) */
enum { W = 720, H = 290, X0 = 64, X1 = W - 16, Y0 = 40, Y1 = H - 64 };

/* the time of bin i as the reader sees it: a date for a day bin, a date and hour for an hour */
static void bin_when(const struct chart *c, enum report_lang lang, const char *zone, size_t i, char *out, size_t len)
{
    report_time(lang, c->per_day ? "UTC" : zone, c->start[i], out, len);
    if (c->per_day) {
        char *comma = strrchr(out, ',');
        if (comma) *comma = 0;
    }
}

static void add_int(struct buf *out, enum report_lang lang, int64_t v)
{
    char num[I18N_TEXT_MAX];
    i18n_format_int(lang == REPORT_DE ? I18N_DE : I18N_EN, v, num, sizeof num);
    buf_adds(out, num);
}

/* the chart's title, and its description for screen readers: total, range and peak */
static void svg_title(const struct chart *c, enum report_lang lang, const char *zone, struct buf *out)
{
    int de = lang == REPORT_DE;
    const char *title = de ? (c->per_day ? "Abrufe der offengelegten Daten je Tag"
                                         : "Abrufe der offengelegten Daten je Stunde")
                           : (c->per_day ? "Views of the exposed data per day" : "Views of the exposed data per hour");
    char num[I18N_TEXT_MAX], a[96] = "", b[96] = "", pk[96] = "", pv[I18N_TEXT_MAX], desc[512];
    i18n_format_int(de ? I18N_DE : I18N_EN, c->total, num, sizeof num);
    size_t peak = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->value[i] > c->value[peak]) peak = i;
    if (c->n) {
        bin_when(c, lang, zone, 0, a, sizeof a);
        bin_when(c, lang, zone, c->n - 1, b, sizeof b);
        bin_when(c, lang, zone, peak, pk, sizeof pk);
    }
    i18n_format_int(de ? I18N_DE : I18N_EN, c->n ? c->value[peak] : 0, pv, sizeof pv);
    snprintf(desc, sizeof desc,
             de ? "%s Abrufe von %s bis %s (Zeitzone %s); am meisten %s %s: %s Abrufe."
                : "%s views from %s to %s (time zone %s); most %s %s: %s views.",
             num, a, b, zone,
             de ? (c->per_day ? "am Tag" : "in der Stunde ab") : (c->per_day ? "on" : "in the hour from"), pk, pv);
    buf_addf(out,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
             "aria-labelledby=\"chart-title chart-desc\" font-family=\"sans-serif\" font-size=\"12\">\n",
             W, H);
    buf_adds(out, "<title id=\"chart-title\">");
    html_escape(out, title);
    buf_adds(out, "</title>\n<desc id=\"chart-desc\">");
    html_escape(out, desc);
    buf_adds(out, "</desc>\n");
    buf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
    buf_addf(out, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">", X0);
    html_escape(out, title);
    buf_adds(out, "</text>\n");
}

/* the y axis: grid lines with their values up to top, and the axis label */
static void svg_y_axis(enum report_lang lang, int64_t top, int64_t step, struct buf *out)
{
    for (int64_t v = 0; v <= top; v += step) {
        double y = Y1 - (double)(Y1 - Y0) * (double)v / (double)top;
        buf_addf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\" stroke-width=\"0.5\"%s/>\n",
                 X0, y, X1, y, v ? " stroke-dasharray=\"3 3\"" : "");
        buf_addf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", X0 - 6, y + 4);
        add_int(out, lang, v);
        buf_adds(out, "</text>\n");
    }
    buf_addf(out, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", (Y0 + Y1) / 2,
             lang == REPORT_DE ? "Abrufe" : "views");
}

/* one bar for every bin with views, its time and count as a tooltip */
static void svg_bars(const struct chart *c, enum report_lang lang, const char *zone, int64_t top, double bw,
                     struct buf *out)
{
    double gap = bw >= 4 ? bw * 0.15 : 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->value[i]) continue;
        double h = (double)(Y1 - Y0) * (double)c->value[i] / (double)top;
        char when[96];
        bin_when(c, lang, zone, i, when, sizeof when);
        buf_addf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#000\"><title>",
                 X0 + bw * (double)i + gap / 2, (double)Y1 - h, bw - gap > 0.5 ? bw - gap : 0.5, h);
        html_escape(out, when);
        buf_adds(out, ": ");
        add_int(out, lang, c->value[i]);
        buf_adds(out, "</title></rect>\n");
    }
}

/* bin i starts a day: every bin of a day chart, local midnight in an hour chart */
static int starts_day(const struct chart *c, const char *zone, size_t i, struct i18n_time *lt)
{
    bin_local(c, zone, i, lt);
    return c->per_day || lt->hour == 0;
}

/* the x axis: a tick and a short date at every day start, at most about 10 labelled; a chart
 * of less than a day labels its first and last hour instead */
static void svg_x_axis(const struct chart *c, enum report_lang lang, const char *zone, double bw, struct buf *out)
{
    struct i18n_time lt;
    buf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", X0, Y1, X1, Y1);
    size_t nticks = 0;
    for (size_t i = 0; i < c->n; i++) nticks += (size_t)starts_day(c, zone, i, &lt);
    size_t every = nticks > 10 ? (nticks + 9) / 10 : 1, k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!starts_day(c, zone, i, &lt) || k++ % every) continue;
        double x = X0 + bw * (double)i;
        char d[32];
        short_date(lang, &lt, d, sizeof d);
        buf_addf(out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#000\"/>\n", x, Y1, x, Y1 + 5);
        buf_addf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">", x, Y1 + 18);
        html_escape(out, d);
        buf_adds(out, "</text>\n");
    }
    for (int e = 0; !nticks && c->n && e < 2; e++) { /* less than a day: the first and the last hour */
        size_t i = e ? c->n - 1 : 0;
        bin_local(c, zone, i, &lt);
        double x = X0 + bw * (double)i + bw / 2;
        buf_addf(out, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%02d:00</text>\n", x, Y1 + 18, lt.hour);
        if (c->n == 1) break;
    }
    int de = lang == REPORT_DE;
    char xl[160];
    snprintf(xl, sizeof xl,
             de ? (c->per_day ? "Datum (%s), ein Balken je Tag" : "Datum und Uhrzeit (%s), ein Balken je Stunde")
                : (c->per_day ? "date (%s), one bar per day" : "date and time (%s), one bar per hour"),
             zone);
    buf_addf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (X0 + X1) / 2, H - 14);
    html_escape(out, xl);
    buf_adds(out, "</text>\n");
}

void chart_svg(const struct chart *c, enum report_lang lang, const char *zone, struct buf *out)
{
    int64_t top, step;
    chart_axis(c->max, &top, &step);
    double bw = c->n ? (double)(X1 - X0) / (double)c->n : 0;
    svg_title(c, lang, zone, out);
    svg_y_axis(lang, top, step, out);
    svg_bars(c, lang, zone, top, bw, out);
    svg_x_axis(c, lang, zone, bw, out);
    buf_adds(out, "</svg>\n");
}
