/* report_html.c — the notification as one printable, self-contained HTML page.
 *
 * No script, no external reference (fonts, images, styles are inline); every value from the
 * register is HTML-escaped; print CSS for A4; the exposure chart is inline SVG. */
#include "report/report_int.h"
#include <string.h>

static const char css[] =
    "body{font-family:Georgia,\"Times New Roman\",serif;line-height:1.45;color:#000;background:#fff;margin:0}\n"
    "main{max-width:54rem;margin:2rem auto;padding:0 1.5rem}\n"
    "h1{font-size:1.55rem;margin:0 0 .2rem}\n"
    ".subtitle{margin:0 0 1.2rem;font-style:italic}\n"
    "h2{font-size:1.12rem;border-bottom:1px solid #000;padding-bottom:.15rem;margin:1.8rem 0 .6rem;"
    "break-after:avoid;page-break-after:avoid}\n"
    "table{border-collapse:collapse;width:100%;margin:.3rem 0}\n"
    "th,td{text-align:left;vertical-align:top;padding:.28rem .6rem .28rem 0;border-bottom:1px solid #bbb}\n"
    "th{width:15rem;font-weight:bold}\n"
    "tr{break-inside:avoid;page-break-inside:avoid}\n"
    "table.timeline td.when{white-space:nowrap;width:15rem}\n"
    "ol li{margin:.3rem 0}\n"
    "figure{margin:.8rem 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figure svg{max-width:100%;height:auto;border:1px solid #bbb}\n"
    ".foot{margin-top:2rem;font-size:.9rem;border-top:1px solid #000;padding-top:.5rem}\n"
    "@media print{@page{size:A4;margin:18mm 16mm}body{font-size:10.5pt}main{max-width:none;margin:0;padding:0}"
    "h2{margin-top:1.2rem}}\n";

/* escaped, with line breaks as <br> */
static void text_html(struct buf *b, const char *s)
{
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, "\n");
        char tmp[4096];
        while (n) {
            size_t k = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
            memcpy(tmp, p, k);
            tmp[k] = 0;
            html_escape(b, tmp);
            p += k;
            n -= k;
        }
        if (*p == '\n') {
            buf_adds(b, "<br>\n");
            p++;
        }
    }
}

enum open { O_NONE, O_TABLE, O_LIST, O_EVENTS };

static void close_block(struct buf *b, enum open *o)
{
    if (*o == O_TABLE || *o == O_EVENTS) buf_adds(b, "</table>\n");
    else if (*o == O_LIST) buf_adds(b, "</ol>\n");
    *o = O_NONE;
}

void report_write_html(const struct report *m, const struct doc *d, enum report_lang lang, const char *zone,
                       struct buf *out)
{
    buf_addf(out,
             "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
             d->lang);
    html_escape(out, d->title);
    buf_adds(out, " — ");
    html_escape(out, m->inc.ref);
    buf_addf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>", css);
    html_escape(out, d->title);
    buf_adds(out, "</h1>\n<p class=\"subtitle\">");
    html_escape(out, d->subtitle);
    buf_adds(out, "</p>\n");
    enum open o = O_NONE;
    int section = 0, in_section = 0, in_header = 1;
    for (size_t i = 0; i < d->n; i++) {
        const struct doc_item *it = &d->items[i];
        enum open want = it->kind == DOC_HEAD || it->kind == DOC_ROW ? O_TABLE
                         : it->kind == DOC_ITEM                      ? O_LIST
                         : it->kind == DOC_EVENT                     ? O_EVENTS
                                                                     : O_NONE;
        if (o != want) close_block(out, &o);
        if (in_header && it->kind != DOC_HEAD) {
            buf_adds(out, "</header>\n");
            in_header = 0;
        }
        switch (it->kind) {
        case DOC_SECTION:
            if (in_section) buf_adds(out, "</section>\n");
            buf_addf(out, "<section>\n<h2>%d. ", ++section);
            html_escape(out, it->text);
            buf_adds(out, "</h2>\n");
            in_section = 1;
            break;
        case DOC_HEAD:
        case DOC_ROW:
            if (o == O_NONE) {
                buf_addf(out, "<table%s>\n", it->kind == DOC_HEAD ? " class=\"meta\"" : "");
                o = O_TABLE;
            }
            buf_adds(out, "<tr><th scope=\"row\">");
            html_escape(out, it->label);
            buf_adds(out, "</th><td>");
            text_html(out, it->text);
            buf_adds(out, "</td></tr>\n");
            break;
        case DOC_PARA:
            buf_adds(out, "<p>");
            text_html(out, it->text);
            buf_adds(out, "</p>\n");
            break;
        case DOC_ITEM:
            if (o == O_NONE) {
                buf_adds(out, "<ol>\n");
                o = O_LIST;
            }
            buf_adds(out, "<li>");
            text_html(out, it->text);
            buf_adds(out, "</li>\n");
            break;
        case DOC_EVENT:
            if (o == O_NONE) {
                buf_adds(out, "<table class=\"timeline\">\n");
                o = O_EVENTS;
            }
            buf_adds(out, "<tr><td class=\"when\">");
            html_escape(out, it->label);
            buf_adds(out, "</td><td>");
            text_html(out, it->text);
            buf_adds(out, "</td></tr>\n");
            break;
        case DOC_CHART: {
            struct chart c;
            if (!chart_bin(m->hours, m->views, m->nhours, zone, 31 * 24, &c)) {
                buf_adds(out, "<figure>\n");
                chart_svg(&c, lang, zone, out);
                buf_adds(out, "</figure>\n");
                chart_release(&c);
            }
            break;
        }
        case DOC_FOOT:
            if (in_section) {
                buf_adds(out, "</section>\n");
                in_section = 0;
            }
            buf_adds(out, "<footer class=\"foot\"><p>");
            text_html(out, it->text);
            buf_adds(out, "</p></footer>\n");
            break;
        }
    }
    close_block(out, &o);
    if (in_header) buf_adds(out, "</header>\n");
    if (in_section) buf_adds(out, "</section>\n");
    buf_adds(out, "</main>\n</body>\n</html>\n");
}
