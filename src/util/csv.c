/* csv.c — strict, bounded, streaming RFC 4180 reader; minimal-quoting writer with the
 * spreadsheet formula guard (csv.h). */
#include "util/csv.h"
#include "util/buf.h"
#include "util/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum state { ST_RECORD_START, ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN, ST_CR };

struct csv_parser {
    struct csv_options opt;
    csv_record_cb cb;
    void *ctx;

    struct buf rec; /* field bytes of the current record, each NUL-terminated */
    size_t *off, *flen; /* per stored field */
    const char **ptrs;
    size_t fcap; /* capacity of off/flen/ptrs */
    size_t nstored; /* fields stored */
    size_t count; /* fields seen in this record (may exceed nstored) */
    size_t field_start, cur_len, record_bytes;
    size_t ncols; /* fields per record, from the first record; 0 = not yet */
    int first_quoted; /* the record's first field was quoted */

    enum state state;
    long line, col, record_line, quote_line, cr_line, cr_col;
    long long records;

    int u_need; /* UTF-8 continuation bytes still expected */
    unsigned char u_lo, u_hi; /* range of the next continuation byte */

    int bom_n; /* bytes held while checking for a BOM; -1 = done */
    unsigned char bom[3];

    int failed;
    char errmsg[320];
};

static int perr(struct csv_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct csv_parser *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->errmsg, sizeof p->errmsg, fmt, ap);
        va_end(ap);
        p->failed = 1;
    }
    return -1;
}

void csv_options_default(struct csv_options *opt)
{
    opt->max_field = CSV_MAX_FIELD_DEFAULT;
    opt->max_record = CSV_MAX_RECORD_DEFAULT;
    opt->max_columns = CSV_MAX_COLUMNS_DEFAULT;
    opt->header = 1;
}

struct csv_parser *csv_parser_new(const struct csv_options *opt, csv_record_cb cb, void *ctx)
{
    struct csv_parser *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    csv_options_default(&p->opt);
    if (opt) {
        p->opt.header = opt->header;
        if (opt->max_field) p->opt.max_field = opt->max_field;
        if (opt->max_record) p->opt.max_record = opt->max_record;
        if (opt->max_columns) p->opt.max_columns = opt->max_columns;
    }
    /* stored bytes and their NULs: at most two for each byte of the record, and one more */
    size_t m = p->opt.max_record;
    buf_init(&p->rec, m < BUF_MAX_DEFAULT / 2 ? 2 * m + 1 : BUF_MAX_DEFAULT);
    p->cb = cb;
    p->ctx = ctx;
    p->state = ST_RECORD_START;
    p->line = 1;
    p->record_line = 1;
    p->u_lo = 0x80;
    p->u_hi = 0xBF;
    return p;
}

void csv_parser_free(struct csv_parser *p)
{
    if (!p) return;
    buf_release(&p->rec);
    free(p->off);
    free(p->flen);
    free(p->ptrs);
    free(p);
}

long long csv_parser_records(const struct csv_parser *p)
{
    return p->records;
}

static int grow_fields(struct csv_parser *p, size_t need)
{
    if (need <= p->fcap) return 0;
    size_t cap = p->fcap ? p->fcap : 16;
    while (cap < need) cap *= 2;
    if (cap > p->opt.max_columns) cap = p->opt.max_columns;
    size_t *o = realloc(p->off, cap * sizeof *o);
    if (!o) return perr(p, "out of memory");
    p->off = o;
    size_t *l = realloc(p->flen, cap * sizeof *l);
    if (!l) return perr(p, "out of memory");
    p->flen = l;
    const char **q = realloc(p->ptrs, cap * sizeof *q);
    if (!q) return perr(p, "out of memory");
    p->ptrs = q;
    p->fcap = cap;
    return 0;
}

/* the current field lies beyond the expected column count: count it, do not store it */
static int discarding(const struct csv_parser *p)
{
    return p->ncols && p->count >= p->ncols;
}

static int add_byte(struct csv_parser *p, unsigned char c)
{
    if (p->cur_len >= p->opt.max_field)
        return perr(p, "line %ld, column %ld: field longer than %zu bytes", p->line, p->col, p->opt.max_field);
    p->cur_len++;
    if (discarding(p)) return 0;
    if (buf_addc(&p->rec, (char)c)) return perr(p, "out of memory");
    return 0;
}

static int end_field(struct csv_parser *p)
{
    if (p->count >= p->opt.max_columns)
        return perr(p, "line %ld: more than %zu columns", p->record_line, p->opt.max_columns);
    if (!discarding(p)) {
        if (grow_fields(p, p->nstored + 1)) return -1;
        if (buf_addc(&p->rec, 0)) return perr(p, "out of memory");
        p->off[p->nstored] = p->field_start;
        p->flen[p->nstored] = p->cur_len;
        p->nstored++;
    }
    p->count++;
    p->field_start = p->rec.len;
    p->cur_len = 0;
    return 0;
}

static int check_header(struct csv_parser *p)
{
    for (size_t i = 0; i < p->nstored; i++) {
        const char *name = p->rec.p + p->off[i];
        if (!p->flen[i]) return perr(p, "line %ld: column %zu has an empty name", p->record_line, i + 1);
        for (size_t j = 0; j < i; j++)
            if (p->flen[j] == p->flen[i] && !memcmp(p->rec.p + p->off[j], name, p->flen[i]))
                return perr(p, "line %ld: duplicate column name '%.60s'", p->record_line, name);
    }
    return 0;
}

static int end_record(struct csv_parser *p)
{
    if (p->count == 1 && p->nstored == 1 && p->flen[0] == 0 && !p->first_quoted && p->ncols != 1)
        return perr(p, "line %ld: empty line", p->record_line);
    if (!p->ncols) {
        p->ncols = p->count;
        if (p->opt.header && check_header(p)) return -1;
    } else if (p->count != p->ncols) {
        return perr(p, "line %ld: %zu field%s, %s has %zu", p->record_line, p->count, p->count == 1 ? "" : "s",
                    p->opt.header ? "header" : "first record", p->ncols);
    }
    for (size_t i = 0; i < p->nstored; i++) p->ptrs[i] = p->rec.p + p->off[i];
    struct csv_record rec = {p->nstored, p->ptrs, p->flen, p->records, p->record_line};
    if (p->cb) {
        char cberr[256];
        cberr[0] = 0;
        if (p->cb(p->ctx, &rec, cberr, sizeof cberr))
            return perr(p, "line %ld: %s", p->record_line, cberr[0] ? cberr : "rejected");
    }
    p->records++;
    buf_reset(&p->rec);
    p->nstored = p->count = p->field_start = p->cur_len = p->record_bytes = 0;
    p->first_quoted = 0;
    return 0;
}

static int end_field_record(struct csv_parser *p)
{
    if (end_field(p)) return -1;
    return end_record(p);
}

/* UTF-8 validation of one byte (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF) */
static int utf8_step(struct csv_parser *p, unsigned char c)
{
    if (p->u_need) {
        if (c < p->u_lo || c > p->u_hi) return -1;
        p->u_need--;
        p->u_lo = 0x80;
        p->u_hi = 0xBF;
        return 0;
    }
    if (c < 0x80) return 0;
    p->u_lo = 0x80;
    p->u_hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) p->u_need = 1;
    else if (c == 0xE0) {
        p->u_need = 2;
        p->u_lo = 0xA0;
    } else if (c >= 0xE1 && c <= 0xEF) {
        p->u_need = 2;
        if (c == 0xED) p->u_hi = 0x9F;
    } else if (c == 0xF0) {
        p->u_need = 3;
        p->u_lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) p->u_need = 3;
    else if (c == 0xF4) {
        p->u_need = 3;
        p->u_hi = 0x8F;
    } else return -1;
    return 0;
}

static int step(struct csv_parser *p, unsigned char c)
{
    if ((c & 0xC0) != 0x80 || !p->u_need) p->col++; /* characters, and stray bytes */
    if (c == 0) return perr(p, "line %ld, column %ld: NUL byte", p->line, p->col);
    if (utf8_step(p, c)) return perr(p, "line %ld, column %ld: invalid UTF-8", p->line, p->col);
    if (p->state == ST_RECORD_START) {
        p->record_line = p->line;
        p->state = ST_FIELD_START;
    }
    if (++p->record_bytes > p->opt.max_record)
        return perr(p, "line %ld: record longer than %zu bytes", p->record_line, p->opt.max_record);
    int rc = 0;
    switch (p->state) {
    case ST_RECORD_START: /* handled above */
    case ST_FIELD_START:
        if (c == '"') {
            p->state = ST_QUOTED;
            p->quote_line = p->line;
            if (p->count == 0) p->first_quoted = 1;
        } else if (c == ',') {
            rc = end_field(p);
        } else if (c == '\r') {
            p->state = ST_CR;
            p->cr_line = p->line;
            p->cr_col = p->col;
        } else if (c == '\n') {
            rc = end_field_record(p);
            p->state = ST_RECORD_START;
        } else {
            rc = add_byte(p, c);
            p->state = ST_UNQUOTED;
        }
        break;
    case ST_UNQUOTED:
        if (c == ',') {
            rc = end_field(p);
            p->state = ST_FIELD_START;
        } else if (c == '\r') {
            p->state = ST_CR;
            p->cr_line = p->line;
            p->cr_col = p->col;
        } else if (c == '\n') {
            rc = end_field_record(p);
            p->state = ST_RECORD_START;
        } else if (c == '"') {
            rc = perr(p,
                      "line %ld, column %ld: quote in an unquoted field (quote the whole "
                      "field and double the quote)",
                      p->line, p->col);
        } else {
            rc = add_byte(p, c);
        }
        break;
    case ST_QUOTED:
        if (c == '"') p->state = ST_QUOTE_SEEN;
        else rc = add_byte(p, c);
        break;
    case ST_QUOTE_SEEN:
        if (c == '"') {
            rc = add_byte(p, c);
            p->state = ST_QUOTED;
        } else if (c == ',') {
            rc = end_field(p);
            p->state = ST_FIELD_START;
        } else if (c == '\r') {
            p->state = ST_CR;
            p->cr_line = p->line;
            p->cr_col = p->col;
        } else if (c == '\n') {
            rc = end_field_record(p);
            p->state = ST_RECORD_START;
        } else {
            rc = perr(p, "line %ld, column %ld: text after closing quote", p->line, p->col);
        }
        break;
    case ST_CR:
        if (c == '\n') {
            rc = end_field_record(p);
            p->state = ST_RECORD_START;
        } else {
            rc = perr(p, "line %ld, column %ld: carriage return without line feed", p->cr_line, p->cr_col);
        }
        break;
    }
    if (c == '\n') {
        p->line++;
        p->col = 0;
    }
    return rc;
}

static int copy_err(const struct csv_parser *p, char *err, size_t errlen)
{
    return err_set(err, errlen, "%s", p->errmsg);
}

/* Replays bytes held back by the BOM check. */
static int bom_flush(struct csv_parser *p)
{
    int n = p->bom_n;
    p->bom_n = -1;
    for (int i = 0; i < n; i++)
        if (step(p, p->bom[i])) return -1;
    return 0;
}

int csv_parser_feed(struct csv_parser *p, const char *data, size_t len, char *err, size_t errlen)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i = 0;
    if (p->failed) return copy_err(p, err, errlen);
    while (i < len && p->bom_n >= 0) {
        static const unsigned char utf8bom[3] = {0xEF, 0xBB, 0xBF};
        p->bom[p->bom_n++] = d[i++];
        if (p->bom_n == 2 && ((p->bom[0] == 0xFF && p->bom[1] == 0xFE) || (p->bom[0] == 0xFE && p->bom[1] == 0xFF))) {
            perr(p, "line 1: UTF-16 byte order mark: save the file as UTF-8");
            return copy_err(p, err, errlen);
        }
        int fe_ff = p->bom_n == 1 && (p->bom[0] == 0xFF || p->bom[0] == 0xFE);
        if (memcmp(p->bom, utf8bom, (size_t)p->bom_n) != 0 && !fe_ff) {
            if (bom_flush(p)) return copy_err(p, err, errlen);
        } else if (p->bom_n == 3) {
            p->bom_n = -1; /* a UTF-8 BOM: skipped */
        }
    }
    for (; i < len; i++)
        if (step(p, d[i])) return copy_err(p, err, errlen);
    return 0;
}

int csv_parser_finish(struct csv_parser *p, char *err, size_t errlen)
{
    if (p->failed) return copy_err(p, err, errlen);
    if (p->bom_n > 0 && bom_flush(p)) return copy_err(p, err, errlen);
    p->bom_n = -1;
    if (p->u_need) {
        perr(p, "line %ld, column %ld: invalid UTF-8 (truncated sequence)", p->line, p->col);
        return copy_err(p, err, errlen);
    }
    switch (p->state) {
    case ST_RECORD_START: break;
    case ST_QUOTED: perr(p, "line %ld: unterminated quote", p->quote_line); return copy_err(p, err, errlen);
    case ST_FIELD_START:
    case ST_UNQUOTED:
    case ST_QUOTE_SEEN:
    case ST_CR:
        if (end_field_record(p)) return copy_err(p, err, errlen);
        p->state = ST_RECORD_START;
        break;
    }
    if (p->opt.header && p->records == 0) {
        perr(p, "empty input: no header row");
        return copy_err(p, err, errlen);
    }
    return 0;
}

int csv_parse(const char *text, size_t len, const struct csv_options *opt, csv_record_cb cb, void *ctx, char *err,
              size_t errlen)
{
    struct csv_parser *p = csv_parser_new(opt, cb, ctx);
    if (!p) return err_set(err, errlen, "out of memory");
    int rc = csv_parser_feed(p, text, len, err, errlen);
    if (!rc) rc = csv_parser_finish(p, err, errlen);
    csv_parser_free(p);
    return rc;
}

int csv_header_find(const struct csv_record *header, const char *name)
{
    for (size_t i = 0; i < header->nfields; i++)
        if (!strcmp(header->field[i], name)) return (int)i;
    return -1;
}

int csv_sink_file(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ctx) == len ? 0 : -1;
}

int csv_needs_quotes(const char *s, size_t len)
{
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) return 1; /* else read back as a BOM */
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return 1;
    return 0;
}

int csv_formula_char(int c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* [+-]?[0-9]+(\.[0-9]+)? and nothing else */
static int plain_number(const char *s, size_t len)
{
    size_t i = 0, d;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {}
    if (i == d) return 0;
    if (i < len && s[i] == '.') {
        for (d = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == d) return 0;
    }
    return i == len;
}

int csv_needs_guard(const char *s, size_t len)
{
    if (!len || !csv_formula_char((unsigned char)s[0])) return 0;
    if (len == 1 && s[0] == '-') return 0; /* the lone "-": "none", not a formula */
    return !plain_number(s, len);
}

int csv_write_record(csv_sink sink, void *ctx, const char *const *fields, const size_t *lens, size_t n)
{
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const char *s = fields[i] ? fields[i] : "";
        size_t len = lens ? lens[i] : strlen(s);
        if (i && sink(ctx, ",", 1)) return -1;
        if (n == 1 && len == 0) {
            if (sink(ctx, "\"\"", 2)) return -1;
        } else if (csv_needs_quotes(s, len)) {
            if (sink(ctx, "\"", 1)) return -1;
            if (csv_needs_guard(s, len) && sink(ctx, "'", 1)) return -1;
            size_t start = 0;
            for (size_t j = 0; j < len; j++) {
                if (s[j] != '"') continue;
                if (sink(ctx, s + start, j + 1 - start)) return -1; /* up to and with the quote */
                start = j; /* the quote again */
            }
            if (sink(ctx, s + start, len - start) || sink(ctx, "\"", 1)) return -1;
        } else {
            if (csv_needs_guard(s, len) && sink(ctx, "'", 1)) return -1;
            if (len && sink(ctx, s, len)) return -1;
        }
    }
    return sink(ctx, "\n", 1);
}
