/* csv.h — a strict RFC 4180 reader and a writer (libc only).
 *
 * Reader: comma-separated fields; a field may be quoted ("...") and then holds commas, line
 * breaks and "" for a quote; records end in LF or CRLF; the last record may lack its line
 * end. Strict: every record has as many fields as the first (the header row, when
 * opt.header is set, whose names must be non-empty and distinct); a quote inside an
 * unquoted field, text after a closing quote, a bare CR, a NUL byte, invalid UTF-8 and an
 * empty line (when records have more than one field) are errors. A UTF-8 byte-order mark at
 * the start is skipped; a UTF-16 one is an error. Sizes are bounded (field bytes, record
 * bytes, columns), so no input can make the reader use unbounded memory.
 *
 * Errors name the physical line (1-based; a quoted line break starts a new line) and, where
 * it helps, the column (1-based, in characters):
 *   "line 7: unterminated quote"            (the line where the quoted field began)
 *   "line 9: 6 fields, header has 5"        (the line where the record began)
 *   "line 3, column 8: text after closing quote"
 *   "line 2, column 5: invalid UTF-8"
 *   "line 1: more than 1024 columns"
 *
 * Streaming: a parser takes input in chunks of any size (csv_parser_feed) and calls back
 * once per complete record; csv_parse does the same for one buffer.
 *
 * Writer: a field is quoted only when it holds a comma, a quote or a line break (CR or LF);
 * records end in LF. Two edge cases are quoted too, so that the reader gets back exactly
 * what was written: a record that is a single empty field (written as "", not as an empty
 * line) and a field that begins with U+FEFF (which at the start of a file would be read as
 * a byte-order mark).
 *
 * Formula guard (OWASP "CSV injection"): klartext's CSV files are opened in spreadsheets and
 * their cells come from untrusted text (log lines, typed titles), so a field that a
 * spreadsheet would run as a formula is written with one leading apostrophe ('): a field
 * whose first byte is = + - @ TAB or CR, unless it is a plain number
 * ([+-]?[0-9]+(\.[0-9]+)?, e.g. -5, +3, -0.25) or the lone "-". The apostrophe is part of
 * the field (inside the quotes when the field is quoted), so the reader gets back "'" plus
 * what was given; every other field round-trips unchanged. Every CSV writer in klartext
 * (this one, scan's csvout.c, `exposure --format csv`) applies this rule through
 * csv_needs_guard. */
#ifndef KT_CSV_H
#define KT_CSV_H
#include <stddef.h>

#define CSV_MAX_FIELD_DEFAULT ((size_t)1 << 16) /* 64 KiB per field */
#define CSV_MAX_RECORD_DEFAULT ((size_t)1 << 20) /* 1 MiB per record */
#define CSV_MAX_COLUMNS_DEFAULT 1024

struct csv_options {
    size_t max_field; /* bytes in one field (after unquoting) */
    size_t max_record; /* bytes in one record, as read (quotes, commas, line breaks) */
    size_t max_columns; /* fields in one record */
    int header; /* 1: the first record is a header row (names checked) */
};

/* One record, valid only during the callback. field[i] is NUL-terminated and len[i] bytes
 * long (a field never holds a NUL). index counts records from 0; with opt.header, record 0
 * is the header row. line is the physical line on which the record begins. */
struct csv_record {
    size_t nfields;
    const char *const *field;
    const size_t *len;
    long long index;
    long line;
};

/* Called once per record, in order. Return 0 to go on, or -1 after writing a message into
 * err (without line number); the parser then fails with "line N: <message>". */
typedef int (*csv_record_cb)(void *ctx, const struct csv_record *rec, char *err, size_t errlen);

struct csv_parser;

/* Fills *opt with the defaults above and header = 1. */
void csv_options_default(struct csv_options *opt);

/* Creates a parser (opt NULL = defaults; limits of 0 mean the default). Returns NULL when
 * out of memory. Free with csv_parser_free. */
struct csv_parser *csv_parser_new(const struct csv_options *opt, csv_record_cb cb, void *ctx);

/* Feeds len bytes (any split, even inside a UTF-8 sequence or a CRLF). Returns 0, or -1 with
 * err; after an error every later call fails with the same message. */
int csv_parser_feed(struct csv_parser *p, const char *data, size_t len, char *err, size_t errlen);

/* Ends the input: delivers a last record without a line end, reports an unterminated quote,
 * a truncated UTF-8 sequence, or (with opt.header) "empty input: no header row".
 * Returns 0 or -1 with err. */
int csv_parser_finish(struct csv_parser *p, char *err, size_t errlen);

/* Records delivered so far (including the header row). */
long long csv_parser_records(const struct csv_parser *p);

/* Frees the parser (NULL is fine). */
void csv_parser_free(struct csv_parser *p);

/* Parses one buffer: new + feed + finish + free. Returns 0 or -1 with err. */
int csv_parse(const char *text, size_t len, const struct csv_options *opt, csv_record_cb cb, void *ctx, char *err,
              size_t errlen);

/* The index of the column named `name` in a header record, or -1. */
int csv_header_find(const struct csv_record *header, const char *name);

/* Writer. A sink takes bytes and returns 0, or -1 to stop the writer. */
typedef int (*csv_sink)(void *ctx, const char *data, size_t len);

/* A sink for stdio: ctx is a FILE *. Returns -1 on a short write. */
int csv_sink_file(void *ctx, const char *data, size_t len);

/* 1 if the field must be quoted (holds ',', '"', CR or LF, or begins with U+FEFF), else 0. */
int csv_needs_quotes(const char *s, size_t len);

/* 1 if c is a byte that makes a spreadsheet read a cell beginning with it as a formula:
 * = + - @ TAB CR. */
int csv_formula_char(int c);

/* 1 if the field gets the formula guard (a leading '): it begins with a formula byte and is
 * neither a plain number ([+-]?[0-9]+(\.[0-9]+)?) nor the lone "-". */
int csv_needs_guard(const char *s, size_t len);

/* Writes one record of n fields (lens NULL: each field is a NUL-terminated string) and a LF,
 * each field with the formula guard where csv_needs_guard says so.
 * Returns 0, or -1 when the sink failed. */
int csv_write_record(csv_sink sink, void *ctx, const char *const *fields, const size_t *lens, size_t n);
#endif
