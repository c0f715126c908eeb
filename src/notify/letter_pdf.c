/* letter_pdf.c — a letter as A4 PDF, DIN 5008 form B (letter_pdf.h): cairo draws, pango lays
 * out the text (any UTF-8 name, shaped and wrapped by pango), fontconfig finds the font. */
#include "notify/letter_pdf.h"
#include "util/err.h"
#include "util/ktime.h"
#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM(x) ((x)*72.0 / 25.4)
#define PAGE_W MM(210.0)
#define PAGE_H MM(297.0)
#define MARGIN_L MM(25.0) /* the text's left edge (DIN 5008) */
#define MARGIN_R MM(20.0)
#define TEXT_W (PAGE_W - MARGIN_L - MARGIN_R)
#define ADDR_Y MM(45.0) /* the address field: 20 mm from the left, 45 mm from the top, 85 x 45 mm */
#define ZONE_END MM(62.7) /* the Zusatz- und Vermerkzone ends, the Anschriftzone begins */
#define INFO_X MM(125.0)
#define INFO_Y MM(50.0)
#define BODY_Y1 MM(98.46) /* the subject line on the first page */
#define BODY_YN MM(22.0) /* the text on the next pages */
#define BODY_END MM(297.0 - 22.0)
#define FOOT_Y MM(297.0 - 14.0)

#define FONT_BODY LETTER_FONT " 10"
#define FONT_BOLD LETTER_FONT " Bold 10"
#define FONT_ADDR LETTER_FONT " 10"
#define FONT_SMALL LETTER_FONT " 6.5"
#define FONT_INFO LETTER_FONT " 8.5"
#define FONT_HEAD LETTER_FONT " Bold 13"

struct letter_typesetter {
    PangoFontMap *fm;
    PangoContext *pc;
};

/* ---------------------------------------------------------------- fonts */

/* 1 when fontconfig's best match for FAMILY with STYLE is a file of that family */
static int font_present(const char *family, int bold)
{
    FcPattern *p = FcPatternCreate(), *m = NULL;
    FcResult res;
    FcChar8 *fam = NULL;
    int ok = 0;
    if (!p) return 0;
    FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(p, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcConfigSubstitute(NULL, p, FcMatchPattern);
    FcDefaultSubstitute(p);
    m = FcFontMatch(NULL, p, &res);
    if (m && FcPatternGetString(m, FC_FAMILY, 0, &fam) == FcResultMatch && !strcmp((const char *)fam, family)) {
        int w = 0;
        ok = FcPatternGetInteger(m, FC_WEIGHT, 0, &w) == FcResultMatch &&
             (bold ? w >= FC_WEIGHT_BOLD : w < FC_WEIGHT_BOLD);
    }
    if (m) FcPatternDestroy(m);
    FcPatternDestroy(p);
    return ok;
}

int letter_fonts_check(char *err, size_t errlen)
{
    if (!FcInit()) return err_set(err, errlen, "fontconfig cannot be initialised (no font configuration?)");
    if (!font_present(LETTER_FONT, 0) || !font_present(LETTER_FONT, 1))
        return err_set(err, errlen, "the font '%s' (regular and bold) is not installed: apt-get install %s",
                       LETTER_FONT, LETTER_FONT_PACKAGE);
    return 0;
}

void letter_fonts_release(void)
{
    cairo_debug_reset_static_data(); /* cairo's font caches hold fontconfig patterns */
    FcFini();
}

struct letter_typesetter *letter_ts_new(void)
{
    struct letter_typesetter *ts = calloc(1, sizeof *ts);
    if (!ts) return NULL;
    ts->fm = pango_cairo_font_map_new();
    ts->pc = ts->fm ? pango_font_map_create_context(ts->fm) : NULL;
    if (!ts->pc) {
        letter_ts_free(ts);
        return NULL;
    }
    /* points are layout units; no hinting, so that the same text breaks the same way everywhere */
    pango_cairo_context_set_resolution(ts->pc, 72.0);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(ts->pc, fo);
    cairo_font_options_destroy(fo);
    return ts;
}

void letter_ts_free(struct letter_typesetter *ts)
{
    if (!ts) return;
    if (ts->pc) g_object_unref(ts->pc);
    if (ts->fm) g_object_unref(ts->fm);
    free(ts);
}

/* ---------------------------------------------------------------- small pieces */

static PangoLayout *layout_new(struct letter_typesetter *ts, const char *font, const char *text, int len, double width)
{
    PangoLayout *l = pango_layout_new(ts->pc);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(l, text, len);
    return l;
}

/* draw TEXT in FONT with its top at (x, y); returns the height it took */
static double draw_text(cairo_t *cr, struct letter_typesetter *ts, const char *font, const char *text, double x,
                        double y, double width)
{
    PangoLayout *l = layout_new(ts, font, text, -1, width);
    int w, h;
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

static void hline(cairo_t *cr, double x0, double x1, double y, double width)
{
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

/* the organisation's address on lines: "Str. 1, 12345 Ort" -> "Str. 1\n12345 Ort" */
static char *address_lines(const char *a)
{
    size_t n = strlen(a);
    char *o = malloc(n + 1), *w = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (a[i] == ',' && a[i + 1] == ' ') {
            *w++ = '\n';
            i++;
        } else *w++ = a[i];
    }
    *w = 0;
    return o;
}

/* ---------------------------------------------------------------- the first page's head */

static void draw_marks(cairo_t *cr)
{
    hline(cr, MM(3), MM(8), MM(105.0), 0.4); /* fold marks (form B) */
    hline(cr, MM(3), MM(8), MM(210.0), 0.4);
    hline(cr, MM(3), MM(10), MM(148.5), 0.4); /* hole mark */
}

static void draw_head(cairo_t *cr, struct letter_typesetter *ts, const struct letter_doc *d)
{
    double y = MM(15.0);
    y += draw_text(cr, ts, FONT_HEAD, d->org_name, MARGIN_L, y, TEXT_W);
    char *a = address_lines(d->org_address ? d->org_address : "");
    if (a) draw_text(cr, ts, FONT_INFO, a, MARGIN_L, y + MM(1.0), TEXT_W / 2);
    free(a);
    /* the return-address line at the foot of the Zusatz- und Vermerkzone, underlined */
    PangoLayout *l = layout_new(ts, FONT_SMALL, d->return_line ? d->return_line : "", -1, MM(80.0));
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    double ry = ZONE_END - MM(1.5) - (double)h / PANGO_SCALE;
    cairo_move_to(cr, MARGIN_L, ry);
    pango_cairo_show_layout(cr, l);
    hline(cr, MARGIN_L, MARGIN_L + (double)w / PANGO_SCALE, ry + (double)h / PANGO_SCALE + 0.8, 0.3);
    g_object_unref(l);
    /* the recipient: from the top of the Anschriftzone */
    y = ZONE_END + MM(1.0);
    for (int i = 0; i < LETTER_ADDR_LINES && d->to[i]; i++)
        y += draw_text(cr, ts, FONT_ADDR, d->to[i], MARGIN_L, y, MM(80.0));
}

static void draw_info(cairo_t *cr, struct letter_typesetter *ts, const struct letter_doc *d)
{
    const char *lab[5] = {d->german ? "Datum" : "Date", d->german ? "Mitteilung" : "Notice",
                          d->german ? "Vorfall" : "Incident", d->german ? "Ihr Code" : "Your code",
                          d->german ? "Prüfen unter" : "Check at"};
    const char *val[5] = {d->date, d->notice_id, d->incident_ref, d->code, d->portal};
    double y = INFO_Y;
    if (val[4] && !strncmp(val[4], "https://", 8)) val[4] += 8; /* the address to type, as on a poster */
    for (int i = 0; i < 5; i++) {
        if (!val[i] || !*val[i]) continue;
        draw_text(cr, ts, FONT_INFO, lab[i], INFO_X, y, MM(21.0));
        y += draw_text(cr, ts, i == 3 ? LETTER_FONT " Bold 8.5" : FONT_INFO, val[i], INFO_X + MM(21.0), y, MM(56.0));
    }
}

/* ---------------------------------------------------------------- the text over pages */

/* 1 when the line s[0..n) is a heading: letters, all of them capitals */
static int is_heading(const char *s, size_t n)
{
    int letters = 0;
    const char *p = s, *e = s + n;
    while (p < e) {
        gunichar c = g_utf8_get_char_validated(p, e - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) return 0;
        if (g_unichar_islower(c)) return 0;
        if (g_unichar_isalpha(c)) letters++;
        p = g_utf8_next_char(p);
    }
    return letters >= 3;
}

/* the text's layout: headings bold */
static PangoLayout *body_layout(struct letter_typesetter *ts, const struct letter_doc *d)
{
    PangoLayout *l = layout_new(ts, FONT_BODY, d->text, (int)d->text_len, TEXT_W);
    PangoAttrList *al = pango_attr_list_new();
    size_t i = 0;
    while (i < d->text_len) {
        const char *nl = memchr(d->text + i, '\n', d->text_len - i);
        size_t e = nl ? (size_t)(nl - d->text) : d->text_len;
        if (is_heading(d->text + i, e - i)) {
            PangoAttribute *a = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
            a->start_index = (guint)i;
            a->end_index = (guint)e;
            pango_attr_list_insert(al, a);
        }
        i = e + 1;
    }
    pango_layout_set_attributes(l, al);
    pango_attr_list_unref(al);
    pango_layout_set_spacing(l, (int)(1.6 * PANGO_SCALE));
    return l;
}

struct line_pos {
    double top, bottom, baseline; /* in the layout, points */
    int heading, blank;
};

/* where each line of L is; *n lines (malloc'd) */
static struct line_pos *line_positions(PangoLayout *l, const struct letter_doc *d, int *n)
{
    int cnt = pango_layout_get_line_count(l);
    struct line_pos *lp = calloc((size_t)cnt + 1, sizeof *lp);
    if (!lp) return NULL;
    PangoLayoutIter *it = pango_layout_get_iter(l);
    int i = 0;
    do {
        PangoRectangle lr;
        int y0, y1;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        PangoLayoutLine *ln = pango_layout_iter_get_line_readonly(it);
        lp[i].top = (double)y0 / PANGO_SCALE;
        lp[i].bottom = (double)y1 / PANGO_SCALE;
        lp[i].baseline = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        lp[i].blank = ln->length == 0;
        lp[i].heading = ln->length > 0 && is_heading(d->text + ln->start_index, (size_t)ln->length);
        i++;
    } while (i < cnt && pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    *n = i;
    return lp;
}

/* Page breaks: first[p] is the first line of page p (first[npages] = n). A heading never ends a
 * page (it goes over with the two lines after it); blank lines at the top of a page are skipped. */
static int paginate(const struct line_pos *lp, int n, double first_room, double room, int **first)
{
    int cap = 8, np = 0;
    int *f = malloc((size_t)cap * sizeof *f);
    if (!f) return -1;
    int i = 0;
    while (i < n) {
        while (i < n && lp[i].blank && np > 0) i++;
        if (i >= n) break;
        if (np + 2 > cap) {
            int *nf = realloc(f, (size_t)(cap *= 2) * sizeof *f);
            if (!nf) {
                free(f);
                return -1;
            }
            f = nf;
        }
        f[np++] = i;
        double top = lp[i].top, avail = np == 1 ? first_room : room;
        int j = i;
        while (j < n && lp[j].bottom - top <= avail) j++;
        if (j < n && j > i + 3) /* keep a heading with what follows it */
            for (int k = j - 1; k > j - 3 && k > i; k--)
                if (lp[k].heading) {
                    j = k;
                    break;
                }
        i = j > i ? j : i + 1;
    }
    f[np] = n;
    *first = f;
    return np;
}

static void draw_foot(cairo_t *cr, struct letter_typesetter *ts, const struct letter_doc *d, int page, int pages)
{
    char s[200];
    snprintf(s, sizeof s, d->german ? "Mitteilung %s · Seite %d von %d" : "Notice %s · page %d of %d", d->notice_id,
             page, pages);
    PangoLayout *l = layout_new(ts, FONT_SMALL, s, -1, TEXT_W);
    pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    cairo_move_to(cr, MARGIN_L, FOOT_Y);
    pango_cairo_show_layout(cr, l);
    g_object_unref(l);
}

/* the pages a letter is drawn on: each one a recording surface (cairo's list of drawing
   operations), so that the letter is laid out once and replayed into its own PDF and into the
   combined one */
struct letter_pages {
    cairo_surface_t **page;
    int n;
};

static cairo_t *page_begin(struct letter_pages *lp)
{
    cairo_surface_t **np = realloc(lp->page, (size_t)(lp->n + 1) * sizeof *np);
    if (!np) return NULL;
    lp->page = np;
    cairo_rectangle_t r = {0, 0, PAGE_W, PAGE_H};
    lp->page[lp->n++] = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &r);
    cairo_t *cr = cairo_create(lp->page[lp->n - 1]);
    cairo_set_source_rgb(cr, 0, 0, 0);
    return cr;
}

static void pages_free(struct letter_pages *lp)
{
    for (int i = 0; i < lp->n; i++) cairo_surface_destroy(lp->page[i]);
    free(lp->page);
    lp->page = NULL;
    lp->n = 0;
}

/* replay the recorded pages onto CR (a PDF surface), each ended with cairo_show_page */
static int pages_replay(cairo_t *cr, const struct letter_pages *lp, char *err, size_t errlen)
{
    for (int i = 0; i < lp->n; i++) {
        cairo_set_source_surface(cr, lp->page[i], 0, 0);
        cairo_paint(cr);
        cairo_show_page(cr);
    }
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return err_set(err, errlen, "cannot typeset the letter: %s", cairo_status_to_string(cairo_status(cr)));
    return 0;
}

/* lay D out and draw it onto recorded pages (*rec, released with pages_free) */
static int draw_letter(struct letter_pages *rec, struct letter_typesetter *ts, const struct letter_doc *d, int *pages,
                       char *err, size_t errlen)
{
    PangoLayout *body = body_layout(ts, d);
    PangoLayout *subj = layout_new(ts, FONT_BOLD, d->subject ? d->subject : "", -1, TEXT_W);
    int w, sh, n = 0, *first = NULL;
    pango_layout_get_size(subj, &w, &sh);
    double body_y1 = BODY_Y1 + (double)sh / PANGO_SCALE + MM(8.0);
    struct line_pos *lp = line_positions(body, d, &n);
    int np = lp ? paginate(lp, n, BODY_END - body_y1, BODY_END - BODY_YN, &first) : -1;
    if (np < 0) {
        free(lp);
        g_object_unref(subj);
        g_object_unref(body);
        return err_set(err, errlen, "out of memory");
    }
    int rc = 0;
    for (int p = 0; p < np && !rc; p++) {
        double y0 = p ? BODY_YN : body_y1;
        cairo_t *cr = page_begin(rec);
        if (!cr) {
            rc = err_set(err, errlen, "out of memory");
            break;
        }
        if (!p) {
            draw_marks(cr);
            draw_head(cr, ts, d);
            draw_info(cr, ts, d);
            cairo_move_to(cr, MARGIN_L, BODY_Y1);
            pango_cairo_show_layout(cr, subj);
        }
        double top = lp[first[p]].top;
        PangoLayoutIter *it = pango_layout_get_iter(body);
        for (int i = 0; i < first[p + 1]; i++) {
            if (i >= first[p]) {
                cairo_move_to(cr, MARGIN_L, y0 + lp[i].baseline - top);
                pango_cairo_show_layout_line(cr, pango_layout_iter_get_line_readonly(it));
            }
            if (!pango_layout_iter_next_line(it)) break;
        }
        pango_layout_iter_free(it);
        draw_foot(cr, ts, d, p + 1, np);
        if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
            rc = err_set(err, errlen, "cannot typeset the letter: %s", cairo_status_to_string(cairo_status(cr)));
        cairo_destroy(cr);
    }
    *pages = np;
    free(first);
    free(lp);
    g_object_unref(subj);
    g_object_unref(body);
    return rc;
}

/* ---------------------------------------------------------------- PDF surfaces */

static void pdf_metadata(cairo_surface_t *s, const struct letter_doc *d, int64_t created)
{
    char iso[KT_ISO_LEN];
    kt_time_iso(created, iso);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, iso);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, iso);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "klartext");
    if (d) {
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->subject ? d->subject : "");
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_AUTHOR, d->org_name ? d->org_name : "");
    }
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return buf_add(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

int letter_pdf(struct letter_typesetter *ts, const struct letter_doc *d, struct buf *out, int *pages, char *err,
               size_t errlen)
{
    return letter_pdf_keep(ts, d, out, pages, NULL, err, errlen);
}

void letter_pages_free(struct letter_pages *lp)
{
    if (!lp) return;
    pages_free(lp);
    free(lp);
}

int letter_pdf_keep(struct letter_typesetter *ts, const struct letter_doc *d, struct buf *out, int *pages,
                    struct letter_pages **keep, char *err, size_t errlen)
{
    struct letter_pages rec = {0};
    if (keep) *keep = NULL;
    buf_reset(out);
    int rc = draw_letter(&rec, ts, d, pages, err, errlen);
    if (rc) {
        pages_free(&rec);
        return rc;
    }
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_5);
    pdf_metadata(s, d, d->created);
    cairo_t *cr = cairo_create(s);
    rc = pages_replay(cr, &rec, err, errlen);
    cairo_destroy(cr);
    if (keep && !rc && (*keep = malloc(sizeof **keep))) **keep = rec;
    else pages_free(&rec);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (!rc && st != CAIRO_STATUS_SUCCESS)
        rc = err_set(err, errlen, "cannot write the PDF: %s", cairo_status_to_string(st));
    return rc;
}

struct letter_book {
    cairo_surface_t *s;
    cairo_t *cr;
    struct letter_typesetter *ts;
};

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

struct letter_book *letter_book_open(void *stream, int64_t created, char *err, size_t errlen)
{
    struct letter_book *b = calloc(1, sizeof *b);
    if (!b || !(b->ts = letter_ts_new())) {
        free(b);
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    b->s = cairo_pdf_surface_create_for_stream(to_file, stream, PAGE_W, PAGE_H);
    cairo_pdf_surface_restrict_to_version(b->s, CAIRO_PDF_VERSION_1_5);
    pdf_metadata(b->s, NULL, created);
    b->cr = cairo_create(b->s);
    return b;
}

int letter_book_add(struct letter_book *b, const struct letter_doc *d, int *pages, char *err, size_t errlen)
{
    struct letter_pages rec = {0};
    int rc = draw_letter(&rec, b->ts, d, pages, err, errlen);
    if (!rc) rc = pages_replay(b->cr, &rec, err, errlen);
    pages_free(&rec);
    return rc;
}

int letter_book_add_pages(struct letter_book *b, const struct letter_pages *lp, char *err, size_t errlen)
{
    return pages_replay(b->cr, lp, err, errlen);
}

int letter_book_close(struct letter_book *b, char *err, size_t errlen)
{
    if (!b) return 0;
    cairo_destroy(b->cr);
    cairo_surface_finish(b->s);
    cairo_status_t st = cairo_surface_status(b->s);
    cairo_surface_destroy(b->s);
    letter_ts_free(b->ts);
    free(b);
    if (st != CAIRO_STATUS_SUCCESS)
        return err_set(err, errlen, "cannot write the combined PDF: %s", cairo_status_to_string(st));
    return 0;
}
