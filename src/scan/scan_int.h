/* scan_int.h — internals shared by the src/scan/ sources (not part of the API; fuzzers and unit tests
 * may use it). Module prefixes: rule_ (rule.c), lf_ (logfmt.c: line parsers), in_ (input.c:
 * readers and decompressors), agg_ / res_ (agg.c: aggregation, canonical results, merge,
 * serialisation), scan_ (scan.c, csvout.c). */
#ifndef KT_SCAN_INT_H
#define KT_SCAN_INT_H
#include "scan/scan.h"
#include <stdint.h>
#include <stddef.h>
#include <stdatomic.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- rule ---- */
enum lf_kind {
    LF_COMBINED = 1,
    LF_COMMON,
    LF_NGINX,
    LF_JSONL,
    LF_ALB,
    LF_ELB,
    LF_W3C,
    LF_CLOUDFRONT,
    LF_CADDY,
    LF_TRAEFIK,
    LF_HAPROXY
};
#define LF_NKIND 12 /* kinds are 1..LF_NKIND-1 */

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
    int slot; /* index into lf_line.xf when a section names this variable, else -1 */
};

/* A logged field that a section names with `subject = FIELD`, `user = FIELD` or
 * `client = FIELD` (docs/rules.md): its value on each line goes to lf_line.xf[slot]. */
#define SCAN_MAX_XF 16
struct rule_xf {
    char *name; /* as written in the rule: "$upstream_http_x_account_id", "cs(X-Account-Id)",
                   "resp_headers.X-Account-Id", "capture(2)", "x-forwarded-for" */
    int col; /* alb/elb: the field's position (0-based); haproxy: the capture number (1-based) */
};

/* JSON formats (caddy, traefik): the paths the parser looks at, as a tree of keys */
enum jrole {
    JR_NONE = 0,
    JR_TS,
    JR_TS2,
    JR_METHOD,
    JR_URI,
    JR_STATUS,
    JR_USER,
    JR_CLIENT,
    JR_REMOTE,
    JR_ADDR,
    JR_LOGGER
};
struct jnode {
    char *key;
    size_t klen;
    int child, next; /* first child and next sibling (index into scan_rule.jn), -1: none */
    int role; /* enum jrole */
    uint32_t xfmask; /* bit k: the value goes to lf_line.xf[k] */
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
    int re_line, re_caps; /* the regex's line and capture groups (checked at the end) */
    uint32_t st_lo[64], st_hi[64];
    int nst; /* status ranges; nst 0: not checked */
    int viewer; /* enum viewer_mode */
    int self_user;
    int subj_xf, user_xf, client_xf; /* slots of subject/user/client = FIELD, -1: none */
    int subj_line, user_line, client_line;
    uint64_t fields; /* bits into rule->fieldnames */
    int has_fields;
};

struct i18n_zone;

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
    const struct i18n_zone *zone; /* `zone = NAME`: local times without an offset; NULL: none */
    char *zone_name;
    struct rule_section sec[SCAN_MAX_SECTIONS];
    int nsec;
    char *fieldnames[SCAN_MAX_FIELDS];
    int nfields; /* sorted bytewise */
    struct rule_xf xf[SCAN_MAX_XF];
    int nxf;
    struct jnode *jn; /* caddy, traefik: jn[0] is the root object */
    int njn;
    int needs_method; /* a section names a method */
    char *needles[2 * SCAN_MAX_SECTIONS + 1];
    size_t needle_len[2 * SCAN_MAX_SECTIONS + 1];
    int nneedles;
    int logs_status; /* the format logs a status */
    int max_capture; /* largest capture count of any regex */
};

/* the format's name in rules and messages ("combined", "alb", ...; "nginx" for nginx:'…') */
const char *lf_kind_name(int kind);
/* A rule that only names a built-in format (no sections; haproxy in UTC), for the format
 * guard's tries of the other formats. NULL for LF_NGINX or an unknown kind. Free with
 * scan_rule_free. */
scan_rule *rule_for_format(int kind);
/* rule_fields.c: FIELD for the rule's format into a slot (0), or -1 with msg; role is
 * "subject", "user" or "client" */
int rule_field(scan_rule *r, const char *role, const char *name, int *slot, char *msg, size_t len);
/* rule_fields.c: caddy, traefik: builds r->jn from the built-in keys and the FIELDs */
void rule_json_tree(scan_rule *r);
/* prefilter.c: the needles of a finished rule (r->needles) */
void rule_derive_prefilter(scan_rule *r);

/* ---- line parser (logfmt.c and the fmt_*.c files) ---- */
struct lf_str {
    const char *p;
    size_t n;
};

struct lf_line {
    int64_t t; /* UTC seconds */
    struct lf_str host, user, xff; /* user.n == 0 or "-": none; xff: nginx $http_x_forwarded_for */
    struct lf_str method, target; /* target: path and query, as logged (see docs/rules.md per format) */
    int odd; /* request is not METHOD SP TARGET SP PROTOCOL */
    int has_request;
    int status; /* -1: not logged, or none sent */
    struct lf_str xf[SCAN_MAX_XF]; /* the rule's FIELDs; p NULL: absent */
    /* jsonl */
    struct lf_str subject, where, viewer, ip;
    int has_where;
    int nfields;
    struct lf_str fields[SCAN_MAX_FIELDS];
    int has_fields;
};

/* w3c / cloudfront: what the last #Fields: directive said (compared with memcmp: always
 * built from a zeroed struct) */
#define W3C_MAX_COLS 128
struct w3c_layout {
    int seen; /* a #Fields: directive was read */
    const char *bad; /* static: why data lines under this directive are malformed, or NULL */
    int ncols;
    int16_t c_date, c_time, c_method, c_stem, c_query, c_uri, c_status, c_user, c_ip; /* -1: absent */
    int16_t c_xf[SCAN_MAX_XF];
    int16_t maxcol; /* the highest column that is read */
};

struct lf_state {
    /* time caches: last minute prefix -> epoch of that minute */
    char tkey[32];
    size_t tkey_len;
    int64_t tbase;
    char ikey[40];
    size_t ikey_len;
    int64_t ibase;
    char lkey[24]; /* haproxy local hour "dd/Mon/yyyy:HH" -> UTC of its first second */
    int64_t lbase;
    int lvalid;
    const struct i18n_zone *lzone; /* the zone lbase was computed in */
    char dkey[16]; /* w3c "YYYY-MM-DD HH:MM" */
    int64_t dbase;
    int dvalid;
    const struct i18n_zone *zone; /* the rule's zone, set by lf_parse */
    struct w3c_layout w3c; /* w3c / cloudfront: the layout in force */
    int w3c_data; /* a data line was parsed with the layout the item started with */
    int w3c_dirs; /* #Fields: directives read since the item started */
    char *scratch;
    size_t scratch_cap; /* unescaped strings live here until the next line */
    size_t scratch_len;
    char reason[96]; /* for formatted reasons */
};
void lf_state_init(struct lf_state *st);
void lf_state_release(struct lf_state *st);
/* lf_parse's results */
#define LF_OK 0
#define LF_MALFORMED (-1)
#define LF_DIRECTIVE 1 /* a w3c/cloudfront directive line (#Fields:, #Version: …): not a request */
/* Parses one line (without its '\n'; a trailing '\r' is ignored). Returns LF_OK, LF_DIRECTIVE
 * or LF_MALFORMED with *reason (static or in st->reason). Strings point into the line or
 * into st->scratch. */
int lf_parse(const scan_rule *r, struct lf_state *st, const char *line, size_t len, struct lf_line *out,
             const char **reason);
/* helpers exposed for rule.c and tests */
int lf_parse_clf_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason);
int lf_parse_iso_time(struct lf_state *st, const char *p, size_t n, int64_t *t, const char **reason);
int lf_parse_msec(const char *p, size_t n, int64_t *t);
/* UTC of a local time (seconds since the epoch as if the local time were UTC) in zone z:
 * 0 and *utc, -1 when that local time does not exist (a DST gap), -2 when it occurs twice */
int lf_local_to_utc(const struct i18n_zone *z, int64_t local, int64_t *utc);
/* w3c / cloudfront: the layout a "#Fields: …" line (without "#Fields:") gives, for the rule's
 * format and FIELDs; -1 + *reason when it lacks a field the rule needs or is too long */
int lf_w3c_layout(const scan_rule *r, const char *p, size_t n, struct w3c_layout *out, const char **reason);

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
/* What a scan's aggregates hold, shared by its threads: bytes counts every table, array and
 * string block they allocate; when the peak that holding them implies (agg_mem_peak) passes
 * limit (0: none), over is set and so is *stop. */
struct agg_mem {
    atomic_uint_fast64_t bytes;
    uint64_t limit;
    atomic_int over;
    atomic_int *stop;
};
/* the peak memory a scan reaches (the aggregates, their canonical copies and the merge) when
 * its aggregates hold `held` bytes */
uint64_t agg_mem_peak(uint64_t held);
/* counts_only: no per-pair views, times or identities (scan_opts.counts_only); mem: NULL, or
 * the scan's accounting (must outlive the agg) */
struct agg *agg_new(const scan_rule *r, const unsigned char key[SCAN_KEY_LEN], int keep_viewers, int counts_only,
                    struct agg_mem *mem);
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
    int empty; /* the file has no line but empty ones */
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
/* the same for in[0..n) (n >= 1) in one k-way merge: each pair is copied once; every input is
 * freed either way */
scan_result *res_merge_all(scan_result **in, size_t n, char *err, size_t errlen);
/* in[0..n)'s fields, hours, files and run merged, without their people (the inputs are kept);
 * NULL + err as res_merge_all */
scan_result *res_merge_meta(scan_result **in, size_t n, char *err, size_t errlen);
/* the people of in[0..n) whose places lie in [lo[i], hi[i]) of each input (the same range of
 * ids in each) merged into a new scratch result for the CSV only: its strings are the inputs'
 * (free it before them), its pairs not kept (each person's counts are); the people, views,
 * viewer pairs and records added to *t. NULL: more than SCAN_MAX_FIELDS field names. */
scan_result *res_merge_rows(scan_result **in, size_t n, const size_t *lo, const size_t *hi, struct scan_totals *t);
/* the people's totals of a result whose people went out as rows (scan_result_totals gives them) */
void res_set_people_totals(scan_result *r, const struct scan_totals *t);
/* subject i's id; the place of the first subject whose id is not below id */
const char *res_subject_id(const scan_result *r, size_t i);
/* row i's id and first page towards the cache (nothing past the end) */
void res_prefetch_row(const scan_result *r, size_t i);
size_t res_subject_lower(const scan_result *r, const char *id);
/* the CSV of the merge of in[0..n) (not merged before: the people are merged by ranges of ids
 * on `threads` threads, each range's rows written in order as they are ready); the people's
 * totals into *t. -1 + errno (ENOMEM, or the write's). */
int scan_write_csv_merged(scan_result **in, size_t n, FILE *f, int threads, struct scan_totals *t);
/* the length of r serialised; r serialised in chunks of about 1 MiB to put (returns 0, or -1
 * with errno); -1 + err (the callback's errno, or a result for its counts only) */
uint64_t res_serialized_len(const scan_result *r);
int res_serialize_to(const scan_result *r, int (*put)(void *ctx, const void *d, size_t n), void *ctx, char *err,
                     size_t errlen);
/* scan_result_deserialize; counts: the pairs' statistics and identities are checked, not kept
 * (a result for the CSV only, as of a scan made for its counts) */
scan_result *res_deserialize(const void *data, size_t len, int counts, char *err, size_t errlen);
/* about the memory r holds (its arrays and strings), in bytes */
size_t res_bytes(const scan_result *r);
/* adds file stats, samples and run data to a result (copies strings) */
void res_add_file(scan_result *r, const struct res_file *f);
void res_add_sample(scan_result *r, uint32_t file_index, const char *file, uint64_t line, const char *reason);
void res_set_run(scan_result *r, double seconds, int threads);
/* drops the result's malformed-line samples (partial.c keeps them with its pieces) */
void res_clear_samples(scan_result *r);
/* the viewer-key id (SCAN_KEY_ID_LEN bytes), the rule digest (32), keep_viewers; owned by r */
const unsigned char *res_key_id(const scan_result *r);
const unsigned char *res_digest(const scan_result *r);
int res_keep_viewers(const scan_result *r);
#endif
