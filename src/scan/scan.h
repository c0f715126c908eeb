/* scan.h — the exposure scanner: rule file + access logs -> exposures per person.
 *
 * The contract (rule file, log formats, counting, CSV) is docs/rules.md; docs/scan.md
 * explains the design and the speed work.
 *
 *   char err[512];
 *   scan_rule *r = scan_rule_parse(text, len, "rule.conf", err, sizeof err);   // exit 2 if NULL
 *   struct scan_opts o; scan_opts_init(&o); o.threads = 4; memcpy(o.viewer_key, key, 32);
 *   scan_result *res;
 *   int rc = scan_run(r, paths, npaths, &o, &res, err, sizeof err);  // 0 | SCAN_EFAIL | SCAN_EINPUT
 *   scan_write_csv(res, stdout); scan_summary_format(res, buf, sizeof buf);
 *   scan_result_free(res); scan_rule_free(r);
 *
 * Threads: scan_run starts and joins its own threads; the progress callback is always
 * called on the thread that called scan_run. A scan_rule is immutable after parsing and may
 * be shared by concurrent scans. A scan_result is immutable; every pointer an accessor hands
 * out points into the result and stays valid until scan_result_free.
 *
 * Determinism: the CSV, the accessors' order and scan_result_serialize are byte-identical
 * for the same inputs, whatever the thread count and the order of merges. Only
 * scan_totals.seconds (wall clock) and .threads differ between runs. */
#ifndef KT_SCAN_H
#define KT_SCAN_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* scan_run return codes; the CLI maps them to exit codes */
#define SCAN_OK 0
#define SCAN_EFAIL (-1) /* exit 1: cannot open/read a file, out of resources            */
#define SCAN_EINPUT \
    (-2) /* exit 2: bad input: corrupt/truncated/unsupported compressed file,
                              a malformed line with strict, "-" given twice, bad options    */

#define SCAN_MAX_LINE (1u << 20) /* longer lines are malformed ("line longer than 1 MiB") */
#define SCAN_MAX_FIELDS 64 /* distinct field names in one scan */
#define SCAN_MAX_SECTIONS 32 /* [exposure "…"] sections in one rule */
#define SCAN_MAX_SAMPLES 10 /* malformed lines kept with file:line and reason */
#define SCAN_HASH_LEN 16 /* viewer identity hash: BLAKE2b-128, keyed */
#define SCAN_KEY_LEN 32
#define SCAN_KEY_ID_LEN 8 /* the viewer-key id a partial records: keyed BLAKE2b-64 of a fixed text */
/* A regex that exceeds these gives up: the line is malformed "regex match failed (limit)".
 * KLARTEXT_SCAN_NOJIT=1 in the environment makes scan_rule_parse skip JIT (tests, or systems
 * that forbid JIT memory). */
#define SCAN_MATCH_LIMIT 10000000u /* PCRE2 match and depth limit per request target */
#define SCAN_HEAP_LIMIT 32768u /* PCRE2 heap limit (KiB) without JIT; JIT stack: 1 MiB */

/* ---- rule ---------------------------------------------------------------------------- */
typedef struct scan_rule scan_rule;

/* Parses and checks a whole rule file (regexes are compiled, JIT if available).
 * filename is only used in messages (NULL: "line 7: …").
 * Returns a new rule (free with scan_rule_free), or NULL with err set, e.g.
 * "rule.conf line 7: regex has no capture group (group 1 must capture the subject id)". */
scan_rule *scan_rule_parse(const char *text, size_t len, const char *filename, char *err, size_t errlen);
/* the rule text exactly as given (NUL-terminated, owned by the rule) */
const char *scan_rule_text(const scan_rule *r);
/* SHA-256 of the rule text; a partial result records it, merge refuses different rules */
const unsigned char *scan_rule_digest(const scan_rule *r);
/* The literal prefilter(s) derived from the rule: a line is parsed in full only when it
 * contains one of them. Returns how many (0 = every line is parsed); *out[i] is NUL-free,
 * owned by the rule. Exposed for docs, tests and the CLI's --explain. */
size_t scan_rule_prefilters(const scan_rule *r, const char *const **out);
void scan_rule_free(scan_rule *r);

/* ---- running a scan --------------------------------------------------------------------- */
typedef void (*scan_progress_fn)(void *ctx, uint64_t done, uint64_t total, uint64_t matches);

struct scan_opts {
    int threads; /* worker threads; <= 0: all online cores */
    int strict; /* a malformed line is an error (SCAN_EINPUT) naming file:line */
    int check_all; /* parse every line in full, not only prefilter candidates */
    int keep_going; /* a corrupt/unreadable file is recorded (scan_file.error) and the
                           scan goes on; scan_run returns 0 */
    int keep_viewers; /* also keep the raw viewer identities (scan_pair.identity) */
    int counts_only; /* the caller wants the exposures and the pairs' identity only: each pair's
                        views, first_seen and last_seen are 0 and its identity NULL, the result
                        cannot be serialised; 24 bytes a pair instead of 56 (the CSV alone) */
    int hash_inputs; /* SHA-256 of each input file's bytes as read (one reader per file) */
    uint32_t file_index_base; /* scan_file.index of paths[0] (for sharded runs; default 0) */
    int has_range; /* scan only the lines that start in bytes [range_start, range_end) of the one
                      path given, a plain regular file (not w3c or cloudfront, not hash_inputs);
                      samples' line numbers then count from the range's first line */
    uint64_t range_start, range_end;
    const char *input_name; /* NULL, or the name recorded (and used in messages) for the one path given,
                               e.g. "web1:/var/log/access.log" for a file read on host web1 */
    uint64_t split_bytes; /* 0: automatic (plain files over 32 MiB are cut into byte ranges
                                 for the threads; env KLARTEXT_SCAN_SPLIT=N overrides, for
                                 tests); else cut plain files into ranges of about N bytes */
    uint64_t memory_limit; /* 0: none; else the scan stops with SCAN_EFAIL ("memory limit") as
                              soon as the people and pairs it holds imply a peak above this
                              many bytes (agg_mem_peak), before any result exists */
    unsigned char viewer_key[SCAN_KEY_LEN]; /* BLAKE2b key for viewer hashes (all zero: a
                           fixed public key; the CLI must pass the register's secret key) */
    scan_progress_fn progress; /* NULL, or called now and then (about 5x a second, never per
                           line) and once at the end; done/total in input bytes (total 0 when
                           unknown, e.g. stdin), matches = lines matched so far */
    void *progress_ctx;
};
/* defaults: threads 0 (all cores), everything off, key all zero */
void scan_opts_init(struct scan_opts *o);

typedef struct scan_result scan_result;

/* Scans paths (plain, .gz or .zst, detected by magic bytes; "-" = stdin, at most once) in
 * any order. On SCAN_OK *out is a new result (scan_result_free). On error *out is NULL and
 * err says what and where:
 *   SCAN_EFAIL  "cannot open 'x.log': No such file or directory"
 *   SCAN_EINPUT "cannot decompress 'x.gz' at byte 81234: unexpected end of data (truncated file?)"
 *   SCAN_EINPUT "cannot parse 'access.log' line 8899: unterminated quote" (strict)
 * With keep_going, file errors are recorded in scan_file.error and the scan succeeds. */
int scan_run(const scan_rule *rule, const char *const *paths, size_t npaths, const struct scan_opts *opts,
             scan_result **out, char *err, size_t errlen);
void scan_result_free(scan_result *r);

/* ---- output -------------------------------------------------------------------------------- */
/* The exposure CSV of docs/rules.md (header + one row per person, sorted). 0, or -1 on a write
 * error (errno set). */
int scan_write_csv(const scan_result *r, FILE *f);
/* the same with the rows formatted by that many threads (< 1: the scan's threads) */
int scan_write_csv_threads(const scan_result *r, FILE *f, int threads);
/* The closing summary (several lines, each ending in '\n'; truncated to len). Lines read,
 * parsed in full, matched, malformed (+ the first ten with file:line and reason), odd
 * requests, people, views, records, bytes, seconds, MB/s, and lost files (keep_going). */
void scan_summary_format(const scan_result *r, char *buf, size_t len);
/* When more than 1 % of the lines parsed in full in a file are malformed: one line naming
 * those files ("warning: more than 1 % of the lines parsed in full are malformed: access.log
 * 12 of 300 (4.0 %) (is the rule's format the log's?)\n"), which the summary also shows and
 * `scan --incident` records on the timeline; "" otherwise. Truncated to len. */
void scan_malformed_share(const scan_result *r, char *buf, size_t len);

/* ---- accessors (all in canonical order; pointers owned by the result) ------------------- */
struct scan_exposure {
    const char *subject;
    int64_t first_seen, last_seen; /* UTC seconds */
    uint64_t views;
    uint64_t viewers, signed_in_viewers, anonymous_viewers;
    size_t npages;
    const char *const *pages; /* sorted bytewise */
    size_t nfields;
    const char *fields[SCAN_MAX_FIELDS]; /* sorted bytewise */
    size_t pair_first, npairs; /* this person's viewers: scan_result_pair(r, pair_first + k) */
};
size_t scan_result_exposures(const scan_result *r); /* people (rows) */
void scan_result_exposure(const scan_result *r, size_t i, struct scan_exposure *out);
/* the earliest first_seen and the latest last_seen of all people (0 and 0 without people) */
void scan_result_span(const scan_result *r, int64_t *first, int64_t *last);

enum scan_viewer_kind { SCAN_VIEWER_USER = 1, SCAN_VIEWER_IP = 2 };
/* one distinct (person, viewer): sorted by subject, then hash */
struct scan_pair {
    const char *subject;
    size_t exposure; /* index for scan_result_exposure */
    unsigned char hash[SCAN_HASH_LEN]; /* BLAKE2b-128(key, kind byte 'u'|'a' || identity) */
    enum scan_viewer_kind kind;
    uint64_t views;
    int64_t first_seen, last_seen;
    const char *identity; /* raw user name or address with keep_viewers, else NULL */
};
size_t scan_result_pairs(const scan_result *r);
void scan_result_pair(const scan_result *r, size_t i, struct scan_pair *out);

/* hourly histogram of views: hour start (UTC seconds, multiple of 3600) -> views, ascending */
size_t scan_result_hours(const scan_result *r);
void scan_result_hour(const scan_result *r, size_t i, int64_t *hour_start, uint64_t *views);

struct scan_file {
    uint32_t index; /* position in the paths given (+ file_index_base) */
    const char *name; /* as given; "-" for stdin */
    const char *compression; /* "none", "gzip" or "zstd" */
    uint64_t size; /* bytes on disk (0 for stdin / pipes) */
    int64_t mtime; /* UTC seconds (0 for stdin) */
    int has_sha256;
    unsigned char sha256[32]; /* with hash_inputs, of the bytes as stored */
    uint64_t bytes_in; /* bytes read from the file */
    uint64_t bytes_out; /* log bytes after decompression */
    uint64_t lines, lines_parsed, lines_matched, malformed, odd_requests, out_of_window, self_views, views;
    const char *error; /* keep_going: what went wrong (data after it was lost), else NULL */
    int empty; /* the file holds no line but empty ones (w3c: directives): reported, not an error */
};
size_t scan_result_files(const scan_result *r);
void scan_result_file(const scan_result *r, size_t i, struct scan_file *out);

struct scan_sample {
    uint32_t file_index;
    const char *file;
    uint64_t line;
    const char *reason;
};
size_t scan_result_samples(const scan_result *r); /* <= SCAN_MAX_SAMPLES, file then line order */
void scan_result_sample(const scan_result *r, size_t i, struct scan_sample *out);

struct scan_totals {
    uint64_t files, files_failed;
    uint64_t bytes_in, bytes_out;
    uint64_t lines; /* lines read */
    uint64_t lines_parsed; /* parsed in full (prefilter candidates, or all with check_all) */
    uint64_t lines_matched; /* requests that counted as a view of at least one person */
    uint64_t malformed, odd_requests;
    uint64_t out_of_window; /* parsed lines outside [from, until) */
    uint64_t self_views; /* matches dropped because the viewer was the person (self) */
    uint64_t views; /* sum over people (a request seen by 2 people counts 2) */
    uint64_t people, viewer_pairs;
    uint64_t records; /* (person, field) pairs: Art. 33(3)(a) records */
    double seconds; /* wall clock of scan_run (max over merged partials) */
    int threads;
};
void scan_result_totals(const scan_result *r, struct scan_totals *out);

/* ---- partial results: serialise, read back, merge ----------------------------------------
 * A scan_result is also a partial: shards of a job (different files, file_index_base set so
 * that indexes do not collide) are scanned separately and merged. merge is associative and
 * deterministic: merge(a, merge(b, c)) and merge(merge(a, b), c) serialise identically, and
 * so does any order of the same inputs. Files with the same (index, name) are summed. */

/* 0 and *out (malloc'd, caller frees) + *outlen, or -1 + err */
int scan_result_serialize(const scan_result *r, unsigned char **out, size_t *outlen, char *err, size_t errlen);
/* a new result, or NULL + err ("partial is truncated", "partial is not canonical") */
scan_result *scan_result_deserialize(const void *data, size_t len, char *err, size_t errlen);
/* a new result holding a ∪ b (inputs untouched), or NULL + err when they come from different
 * rules or viewer keys */
scan_result *scan_result_merge(const scan_result *a, const scan_result *b, char *err, size_t errlen);
/* the id of a viewer key, as partials record it (not secret: it does not reveal the key) */
void scan_viewer_key_id(const unsigned char key[SCAN_KEY_LEN], unsigned char id[SCAN_KEY_ID_LEN]);

/* ---- partial files: what `scan --partial` writes and `scan merge` reads (partial.c) ----------
 * A file holds a scan's result (scan_result_serialize, without its malformed-line samples) and
 * the pieces of input it covers: (index, name, size, byte range [start, end), lines, SHA-256,
 * the range's first malformed lines counted from its first line). Layout, little-endian,
 * strings as u32 length + bytes:
 *   "KTPARTIA"  u32 version (SCAN_PARTIAL_VERSION)  rule digest (32)  viewer-key id (8)
 *   u32 flags (1 keep_viewers, 2 check_all)  u32 pieces, each:
 *     u32 index, name, u64 size, u64 start, u64 end, u64 lines, u8 has_sha256, sha256 (32),
 *     u32 samples (<= SCAN_MAX_SAMPLES), each: u64 line, reason
 *   u64 body length, body   SHA-256 of every byte before it (32)
 * Merging partials merges their bodies (associative, commutative) and collects their pieces;
 * scan_partial_finish checks the pieces (no input twice, every file covered from its first to
 * its last byte) and puts the samples back with their line numbers in the whole file, so the
 * result equals one scan_run over all the inputs. */
#define SCAN_PARTIAL_VERSION 1
#define SCAN_PARTIAL_KEEP_VIEWERS 1u
#define SCAN_PARTIAL_CHECK_ALL 2u
typedef struct scan_partial scan_partial;

/* A partial from a finished scan (res is consumed, even on error; it must not be counts_only).
 * range: the scan's scan_opts with has_range, or NULL (each file whole). NULL + err. */
scan_partial *scan_partial_from_result(scan_result *res, const struct scan_opts *range, int check_all, char *err,
                                       size_t errlen);
/* the file's bytes: 0 and *out (malloc'd, caller frees) + *outlen, or -1 + err */
int scan_partial_write(const scan_partial *p, unsigned char **out, size_t *outlen, char *err, size_t errlen);
/* The same bytes handed to put in chunks of about 1 MiB as they are made (put returns 0, or -1
 * with errno): memory holds the result and one chunk, not the file. 0, or -1 + err. */
int scan_partial_write_to(const scan_partial *p, int (*put)(void *ctx, const void *d, size_t n), void *ctx, char *err,
                          size_t errlen);
/* Reads a partial file's bytes (checked: magic, version, checksum, then the contents). tag is
 * the caller's number for the file (scan_partial_check names pieces by it). NULL + err:
 * "not a klartext partial scan", "format version 7, this klartext reads version 1",
 * "truncated or corrupted (checksum mismatch)", "partial is not canonical". */
scan_partial *scan_partial_read(const void *data, size_t len, uint32_t tag, char *err, size_t errlen);
/* The same; counts_only: the pairs' statistics and identities are checked but not kept (for
 * scan_partial_finish_csv only: such a partial cannot be written or stored) */
scan_partial *scan_partial_read_opt(const void *data, size_t len, uint32_t tag, int counts_only, char *err,
                                    size_t errlen);
const unsigned char *scan_partial_digest(const scan_partial *p); /* 32 bytes */
const unsigned char *scan_partial_key_id(const scan_partial *p); /* SCAN_KEY_ID_LEN bytes */
uint32_t scan_partial_flags(const scan_partial *p);
/* *acc (or NULL) merged with p; both consumed; 0, or -1 + err (*acc freed and NULL) when they
 * come from different rules, viewer keys or flags */
int scan_partial_merge(scan_partial **acc, scan_partial *p, char *err, size_t errlen);
/* *acc (or NULL) and ps[0..n) in one k-way merge (each pair copied once); all consumed; 0, or
 * -1 + err (*acc freed and NULL) as scan_partial_merge */
int scan_partial_merge_many(scan_partial **acc, scan_partial **ps, size_t n, char *err, size_t errlen);
/* about the memory p holds, in bytes */
size_t scan_partial_bytes(const scan_partial *p);
/* Each input at most once: 0, or -1 with *tag_a / *tag_b the partials that both hold a piece
 * and err naming it ("'access.log' bytes 0-4096 (index 0) twice"); also refused: one name with
 * two indexes or sizes, one index with two names. Sorts the pieces. */
int scan_partial_check(scan_partial *p, uint32_t *tag_a, uint32_t *tag_b, char *err, size_t errlen);
/* The final result (p consumed): scan_partial_check, then every file covered, the samples in
 * place. NULL + err ("'access.log' bytes 4096-8192 are in no partial"); *tag_a and *tag_b as
 * scan_partial_check (UINT32_MAX when no partial is to blame). */
scan_result *scan_partial_finish(scan_partial *p, uint32_t *tag_a, uint32_t *tag_b, char *err, size_t errlen);
/* The final CSV of the merge of ps[0..n) (n >= 1, all consumed), without merging their people
 * into one result first: their pieces are checked as scan_partial_finish does, then the CSV
 * goes to f with the people merged by ranges of ids on `threads` threads. 0 and *out: the
 * result without its people (files, samples, hours) whose scan_result_totals give the people's
 * totals, for the summary; -1 + err (and *tag_a, *tag_b) as scan_partial_finish; -2 + errno:
 * the CSV could not be written (or memory ran out). */
int scan_partial_finish_csv(scan_partial **ps, size_t n, FILE *f, int threads, scan_result **out, uint32_t *tag_a,
                            uint32_t *tag_b, char *err, size_t errlen);
void scan_partial_free(scan_partial *p);
#endif
