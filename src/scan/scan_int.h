/* scan_int.h — internals shared by the src/scan/ sources (not part of the API; fuzzers and unit tests
 * may use it). Module prefixes: rule_ (rule.c), lf_ (logfmt.c: line parsers), in_ (input.c:
 * readers and decompressors), agg_ / res_ (agg.c: aggregation, canonical results, merge,
 * serialisation), scan_ (scan.c, csvout.c). */
#ifndef KT_SCAN_INT_H
#define KT_SCAN_INT_H
#include "scan/scan.h"
#include <stdint.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- rule ---- */
enum lf_kind { LF_COMBINED = 1, LF_COMMON, LF_NGINX, LF_JSONL };

enum nx_var { /* nginx variables the parser understands; all others are opaque */
              NX_OPAQUE = 0,
              NX_REMOTE_ADDR,
              NX_REMOTE_USER,
              NX_TIME_LOCAL,
              NX_TIME_ISO,
              NX_MSEC,
              NX_REQUEST,
              NX_REQUEST_METHOD,
              NX_REQUEST_URI,
              NX_STATUS,
              NX_XFF
};
struct nx_item {
    int is_var;
    enum nx_var var;
    char *text;
    size_t len; /* literal text, or the variable name (without '$') */
};

enum viewer_mode { VIEW_USER_IP = 0, VIEW_IP, VIEW_USER };

struct rule_section {
    char *name;
    int line;
    char *method;
    size_t method_len; /* NULL: any */
    char *regex; /* request (or where for jsonl); NULL: none */
    pcre2_code *re;
    int jit;
    uint32_t st_lo[64], st_hi[64];
    int nst; /* status ranges; nst 0: not checked */
    int viewer; /* enum viewer_mode */
    int self_user;
    int client_xff;
    uint64_t fields; /* bits into rule->fieldnames */
    int has_fields;
};

struct scan_rule {
    char *text;
    size_t len;
    unsigned char digest[32];
    enum lf_kind kind;
    struct nx_item *nx;
    size_t nnx; /* nginx format, compiled */
    unsigned nx_has; /* bit (1 << nx_var) for each variable present */
    int has_from, has_until;
    int64_t from, until;
    struct rule_section sec[SCAN_MAX_SECTIONS];
    int nsec;
    char *fieldnames[SCAN_MAX_FIELDS];
    int nfields; /* sorted bytewise */
    char *needles[SCAN_MAX_SECTIONS];
    size_t needle_len[SCAN_MAX_SECTIONS];
    int nneedles;
    int logs_status; /* the format logs a status */
    int max_capture; /* largest capture count of any regex */
};

/* ---- line parser (logfmt.c) ---- */
struct lf_str {
    const char *p;
    size_t n;
};

struct lf_line {
    int64_t t; /* UTC seconds */
    struct lf_str host, user, xff; /* user.n == 0 or "-": none */
    struct lf_str method, target; /* target: as logged (\" \\ unescaped in Apache formats) */
    int odd; /* request is not METHOD SP TARGET SP PROTOCOL */
    int has_request;
    int status; /* -1: not logged */
    /* jsonl */
    struct lf_str subject, where, viewer, ip;
    int has_where;
    int nfields;
    struct lf_str fields[SCAN_MAX_FIELDS];
    int has_fields;
};

struct lf_state {
    /* time caches: last minute prefix -> epoch of that minute */
    char tkey[32];
    size_t tkey_len;
    int64_t tbase;
    char ikey[40];
    size_t ikey_len;
    int64_t ibase;
    char *scratch;
    size_t scratch_cap; /* unescaped strings live here until the next line */
    size_t scratch_len;
    char reason[96]; /* for formatted reasons */
};
void lf_state_init(struct lf_state *st);
void lf_state_release(struct lf_state *st);
/* Parses one line (without its '\n'; a trailing '\r' is ignored). Returns 0, or -1 with
 * *reason (static or in st->reason) for a malformed line. Strings point into the line or
 * into st->scratch. */
int lf_parse(const scan_rule *r, struct lf_state *st, const char *line, size_t len, struct lf_line *out,
             const char **reason);
/* helpers exposed for rule.c and tests */
int lf_parse_clf_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason);
int lf_parse_iso_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason);
int lf_parse_msec(const char *p, size_t n, int64_t *t);

/* ---- inputs (input.c) ---- */
enum in_comp { IN_NONE = 0, IN_GZIP, IN_ZSTD };
const char *in_comp_name(int comp);
/* by magic bytes; -1 + err for known-but-unsupported formats (xz, bzip2, lz4, zip) */
int in_detect(const unsigned char *p, size_t n, int *comp, char *err, size_t errlen);

/* a stream decoder: feed compressed bytes, get log bytes out */
#define IN_ZSTD_WINDOW_LOG 27 /* largest zstd window accepted: 128 MiB (zstd's own default limit) */
struct in_dec;
struct in_dec *in_dec_new(int comp);
/* gzip backends: ISA-L (only with HAVE_ISAL; else in_dec_new_with returns NULL) or zlib.
 * DEFAULT, as in_dec_new: ISA-L when compiled in, unless the environment has KLARTEXT_GZIP=zlib.
 * Both accept and refuse the same streams (tests/fuzz/fuzz_decomp.c). Ignored for zstd. */
enum in_backend { IN_BACKEND_DEFAULT = 0, IN_BACKEND_ISAL, IN_BACKEND_ZLIB };
struct in_dec *in_dec_new_with(int comp, int backend);
void in_dec_free(struct in_dec *d);
/* Decompresses from *in (advancing *in / *inlen) into out[0..outcap), returns the bytes
 * written (>= 0) or -1 with err (message without file name). A gzip member end followed by
 * more input starts the next member. */
long in_dec_run(struct in_dec *d, const unsigned char **in, size_t *inlen, unsigned char *out, size_t outcap, char *err,
                size_t errlen);
/* at end of input: 0 if the stream ended cleanly, -1 + err if truncated */
int in_dec_finish(struct in_dec *d, char *err, size_t errlen);

/* ---- search helpers (scan.c) ---- */
size_t scan_count_nl(const char *p, size_t n);
const char *scan_find(const char *hay, size_t n, const char *needle, size_t m);

/* ---- aggregation (agg.c) ---- */
struct agg;
struct agg *agg_new(const scan_rule *r, const unsigned char key[SCAN_KEY_LEN], int keep_viewers);
void agg_free(struct agg *a);
/* one view of subject at t: page (the target up to '?'), fields as bits into the agg's field
 * table (rule fields first; agg_field adds jsonl names), viewer kind and identity.
 * Returns -1 if the viewer hash fails (never in practice). */
int agg_add(struct agg *a, const char *subj, size_t subj_len, int64_t t, const char *page, size_t page_len,
            uint64_t fields, int kind, const char *ident, size_t ident_len);
/* bit for a field name (adds it); -1 when SCAN_MAX_FIELDS names are in use */
int agg_field(struct agg *a, const char *name, size_t len);
uint64_t agg_people(const struct agg *a);

struct res_file {
    uint32_t index;
    char *name;
    const char *compression;
    uint64_t size;
    int64_t mtime;
    int has_sha256;
    unsigned char sha256[32];
    uint64_t bytes_in, bytes_out, lines, lines_parsed, lines_matched, malformed, odd_requests, out_of_window,
        self_views, views;
    char *error;
};
struct res_sample {
    uint32_t file_index;
    char *file;
    uint64_t line;
    char *reason;
};

/* turns a finished agg into a canonical result (agg is consumed/freed) */
scan_result *agg_finish(struct agg *a);
/* merge(a, b) that frees a and b and adopts their strings instead of copying; NULL + err as
 * scan_result_merge (a and b are freed either way) */
scan_result *res_merge_consume(scan_result *a, scan_result *b, char *err, size_t errlen);
/* adds file stats, samples and run data to a result (copies strings) */
void res_add_file(scan_result *r, const struct res_file *f);
void res_add_sample(scan_result *r, uint32_t file_index, const char *file, uint64_t line, const char *reason);
void res_set_run(scan_result *r, double seconds, int threads);
#endif
