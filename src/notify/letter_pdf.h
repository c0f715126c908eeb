/* letter_pdf.h — typesetting a personal notice as a printed letter: A4 PDF with cairo and pango
 * (docs/notify.md "Letters").
 *
 * The layout is DIN 5008 form B, for a window envelope (DL or C5/6 with the window on the left):
 *   letterhead      the organisation's name and address, top left (0 to 45 mm)
 *   address field   20 mm from the left edge, 45 mm from the top, 85 x 45 mm: the return-address
 *                   line at the foot of its first 17.7 mm (the Zusatz- und Vermerkzone), then
 *                   up to 6 lines of the recipient's address (the Anschriftzone, 62.7 to 90 mm),
 *                   text from 25 mm
 *   information     125 mm from the left, from 50 mm: date, notice, incident, the notice code,
 *                   the portal
 *   subject, text   from 98.5 mm, 25 mm to 190 mm (left margin 25 mm, right 20 mm); the text is
 *                   the letter's canonical text as rendered from its template, line for line
 *                   (headings in capitals are set in bold); it flows on over as many pages as
 *                   it needs; every page has its page number and the notice id at the foot
 *   marks           fold marks at 105 and 210 mm, the hole mark at 148.5 mm
 * Fonts: DejaVu Sans (Debian package fonts-dejavu-core), embedded as subsets. The same letter
 * gives the same bytes: the PDF's dates are the letter's date, nothing else varies.
 *
 * Thread safety: one letter_typesetter per thread (it has its own pango font map). A
 * letter_book (the combined PDF) belongs to one thread.
 *
 * Ownership: the strings of a letter_doc are the caller's and must outlive the call. */
#ifndef KT_LETTER_PDF_H
#define KT_LETTER_PDF_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

#define LETTER_FONT "DejaVu Sans"
#define LETTER_FONT_PACKAGE "fonts-dejavu-core"
#define LETTER_ADDR_LINES 6 /* lines of the recipient's address at most (the Anschriftzone) */
#define LETTER_PDF_MAX ((size_t)16 << 20)

struct letter_doc {
    int german; /* labels in German, else English */
    const char *org_name;
    const char *org_address; /* lines separated by '\n' or ", " */
    const char *return_line; /* above the address, in small print: "Org · Street · Postcode City" */
    const char *to[LETTER_ADDR_LINES]; /* the recipient's address, NULL after the last line */
    const char *date; /* as written: "6. Dezember 2026" */
    const char *notice_id, *incident_ref, *code, *portal; /* portal: the address to type, as text */
    const char *subject; /* one line */
    const char *text; /* the letter's text, UTF-8, LF */
    size_t text_len;
    int64_t created; /* UTC seconds: the PDF's creation and modification date */
};

/* 0 when the font LETTER_FONT (regular and bold) is installed; -1 with err naming the Debian
 * package that brings it ("the font 'DejaVu Sans' is not installed: apt-get install
 * fonts-dejavu-core"). */
int letter_fonts_check(char *err, size_t errlen);
/* Release fontconfig's process-wide caches once no typesetter or book is left (a later
 * letter_fonts_check loads them again). */
void letter_fonts_release(void);

struct letter_typesetter;
struct letter_typesetter *letter_ts_new(void); /* NULL: out of memory */
void letter_ts_free(struct letter_typesetter *ts);

/* Typeset D as a PDF into out (replacing its content): 0 and *pages, or -1 with err. */
int letter_pdf(struct letter_typesetter *ts, const struct letter_doc *d, struct buf *out, int *pages, char *err,
               size_t errlen);

/* The same, keeping the letter's pages as laid out (*keep, NULL on failure) for
 * letter_book_add_pages, so that the combined PDF need not lay the letter out again. The pages
 * may be handed to another thread; letter_pages_free releases them. */
struct letter_pages;
int letter_pdf_keep(struct letter_typesetter *ts, const struct letter_doc *d, struct buf *out, int *pages,
                    struct letter_pages **keep, char *err, size_t errlen);
void letter_pages_free(struct letter_pages *lp);

/* ---- the combined PDF: every letter of a run, one after another ----
 * letter_book_open writes into STREAM (a FILE * the caller owns and closes after
 * letter_book_close); letter_book_add typesets one more letter after the others (a letter
 * starts on a new page); close finishes the PDF and frees b. 0 or -1 with err. */
struct letter_book;
struct letter_book *letter_book_open(void *stream, int64_t created, char *err, size_t errlen);
int letter_book_add(struct letter_book *b, const struct letter_doc *d, int *pages, char *err, size_t errlen);
/* add a letter typeset before (letter_pdf_keep) */
int letter_book_add_pages(struct letter_book *b, const struct letter_pages *lp, char *err, size_t errlen);
int letter_book_close(struct letter_book *b, char *err, size_t errlen); /* frees b */
#endif
