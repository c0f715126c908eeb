/* fuzz_csv.c — libFuzzer target for the CSV reader and writer (src/util/csv.c).
 *
 * Input: byte 0 selects options (header or not, small or default limits), byte 1 a chunk
 * size; the rest is the CSV text. Checked properties:
 *   1. no crash, no leak, no undefined behaviour, bounded memory;
 *   2. feeding the text in chunks gives exactly the records and error of one buffer;
 *   3. every field's length matches its NUL terminator and is within the field limit;
 *   4. records that parsed, written back with csv_write_record and read again, are the same
 *      records (the writer's quoting is what the reader expects), except that each field the
 *      formula guard applies to (csv_needs_guard) comes back with exactly one leading '. */
#include "util/csv.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    unsigned char *p;
    size_t len, cap;
    size_t max_field, max_columns;
    int guard; /* serialise what the writer's formula guard makes of a field */
};

static void put(struct out *o, const void *d, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + n) cap *= 2;
        unsigned char *q = realloc(o->p, cap);
        if (!q) abort();
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->len, d, n);
    o->len += n;
}

static int sink(void *ctx, const char *data, size_t len)
{
    put(ctx, data, len);
    return 0;
}

/* serialises records: nfields, then each length and bytes */
static int record_cb(void *ctx, const struct csv_record *rec, char *err, size_t errlen)
{
    struct out *o = ctx;
    (void)err;
    (void)errlen;
    if (rec->nfields == 0 || rec->nfields > o->max_columns) abort();
    put(o, &rec->nfields, sizeof rec->nfields);
    for (size_t i = 0; i < rec->nfields; i++) {
        if (strlen(rec->field[i]) != rec->len[i]) abort();
        if (rec->len[i] > o->max_field) abort();
        int g = o->guard && csv_needs_guard(rec->field[i], rec->len[i]);
        size_t len = rec->len[i] + (size_t)g;
        put(o, &len, sizeof len);
        if (g) put(o, "'", 1);
        put(o, rec->field[i], rec->len[i]);
    }
    return 0;
}

static int write_cb(void *ctx, const struct csv_record *rec, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return csv_write_record(sink, ctx, rec->field, rec->len, rec->nfields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    struct csv_options opt;
    csv_options_default(&opt);
    opt.header = data[0] & 1;
    if (data[0] & 2) {
        opt.max_field = 1 + (data[0] >> 4);
        opt.max_columns = 1 + ((data[0] >> 2) & 3) * 3;
        opt.max_record = 64;
    }
    size_t chunk = 1 + data[1];
    const char *text = (const char *)data + 2;
    size_t len = size - 2;

    struct out whole = {NULL, 0, 0, opt.max_field, opt.max_columns, 0};
    struct out parts = whole;
    char err1[512] = "", err2[512] = "";
    int rc1 = csv_parse(text, len, &opt, record_cb, &whole, err1, sizeof err1);

    struct csv_parser *p = csv_parser_new(&opt, record_cb, &parts);
    if (!p) abort();
    int rc2 = 0;
    for (size_t off = 0; off < len && !rc2; off += chunk)
        rc2 = csv_parser_feed(p, text + off, len - off < chunk ? len - off : chunk, err2, sizeof err2);
    if (!rc2) rc2 = csv_parser_finish(p, err2, sizeof err2);
    csv_parser_free(p);

    if (rc1 != rc2 || whole.len != parts.len || (whole.len && memcmp(whole.p, parts.p, whole.len))) abort();
    if (rc1 && strcmp(err1, err2)) abort();
    if (rc1 && strncmp(err1, "line ", 5) && strcmp(err1, "empty input: no header row")) abort();

    if (!rc1) {
        struct out written = {NULL, 0, 0, 0, 0, 0};
        if (csv_parse(text, len, &opt, write_cb, &written, err1, sizeof err1)) abort();
        struct out want = {NULL, 0, 0, opt.max_field, opt.max_columns, 1};
        if (csv_parse(text, len, &opt, record_cb, &want, err1, sizeof err1)) abort();
        struct csv_options opt2 = opt;
        opt2.max_record = 4 * opt.max_record + 16; /* quoting makes records longer */
        opt2.max_field = opt.max_field + 1; /* the formula guard's apostrophe */
        opt2.header = 0; /* the guard may make two names equal: "@" and "'@" */
        struct out again = {NULL, 0, 0, opt2.max_field, opt.max_columns, 0};
        if (written.len) {
            if (csv_parse((const char *)written.p, written.len, &opt2, record_cb, &again, err1, sizeof err1)) {
                fprintf(stderr, "re-read failed: %s\n", err1);
                abort();
            }
        }
        if (again.len != want.len || (want.len && memcmp(again.p, want.p, want.len))) abort();
        free(want.p);
        free(written.p);
        free(again.p);
    }
    free(whole.p);
    free(parts.p);
    return 0;
}
