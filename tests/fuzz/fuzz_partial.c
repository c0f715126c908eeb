/* fuzz_partial.c — libFuzzer target for the partial scan reader (scan_partial_read: what
 * `klartext scan merge` reads from other machines). Seeds: tests/fuzz/corpus/partial/.
 *
 * The input's first byte chooses the mode: odd, the rest is a partial without its checksum
 * and the target appends the right one (so mutations reach the parser behind the checksum);
 * even, the rest is read as it is (the checksum must refuse nearly all of it).
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *  - a partial that reads writes without error, and what it writes reads again and writes
 *    the same bytes (the writer is canonical);
 *  - merged with two copies of itself in one k-way merge (the same rule and key: the merge
 *    succeeds), the duplicate check runs;
 *  - finishing it either fails with a message or gives a result whose CSV can be written;
 *  - read without the pairs' statistics (scan_partial_read_opt, counts_only) it is accepted
 *    exactly when it is accepted in full, and the CSV streamed from it by ranges of one person
 *    (scan_partial_finish_csv, KLARTEXT_MERGE_RANGE=1) is the same bytes, with the same
 *    summary, or fails as finishing does. */
#include "scan/scan.h"
#include "util/sha256.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("KLARTEXT_MERGE_RANGE", "1", 1);
    return 0;
}

/* p finished, its CSV and summary into *csv (NULL: finishing failed) */
static void finish_it(scan_partial *p, char **csv, size_t *len, char *summary, size_t slen)
{
    char err[300];
    uint32_t ta, tb;
    *csv = NULL;
    scan_result *r = scan_partial_finish(p, &ta, &tb, err, sizeof err);
    if (!r) {
        if (!err[0]) abort();
        return;
    }
    FILE *f = open_memstream(csv, len);
    if (!f || scan_write_csv(r, f)) abort();
    fclose(f);
    scan_summary_format(r, summary, slen);
    scan_result_free(r);
}

/* c (read counts only) finished as a stream: the same as finish_it gave */
static void finish_stream(scan_partial *c, const char *csv, size_t len, const char *summary)
{
    char err[300], sum2[4096];
    uint32_t ta, tb;
    char *csv2 = NULL;
    size_t len2 = 0;
    scan_result *r = NULL;
    FILE *f = open_memstream(&csv2, &len2);
    if (!f) abort();
    int rc = scan_partial_finish_csv(&c, 1, f, 2, &r, &ta, &tb, err, sizeof err);
    fclose(f);
    if ((rc != 0) != !csv || rc == -2) abort();
    if (!rc) {
        scan_summary_format(r, sum2, sizeof sum2);
        if (len2 != len || memcmp(csv, csv2, len) || strcmp(summary, sum2)) abort();
        scan_result_free(r);
    } else if (!err[0]) abort();
    free(csv2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[300];
    if (size < 1) return 0;
    size_t n = size - 1;
    uint8_t *b = malloc(n + 32);
    if (!b) return 0;
    memcpy(b, data + 1, n);
    if (data[0] & 1) {
        sha256_hash(b, n, b + n);
        n += 32;
    }
    scan_partial *p = scan_partial_read(b, n, 0, err, sizeof err);
    scan_partial *c = scan_partial_read_opt(b, n, 0, 1, err, sizeof err);
    if (!p != !c) abort();
    if (!p) {
        if (!err[0]) abort();
        free(b);
        return 0;
    }
    unsigned char *w1 = NULL, *w2 = NULL;
    size_t n1 = 0, n2 = 0;
    if (scan_partial_write(p, &w1, &n1, err, sizeof err)) abort();
    scan_partial *q = scan_partial_read(w1, n1, 1, err, sizeof err);
    if (!q) abort();
    if (scan_partial_write(q, &w2, &n2, err, sizeof err) || n1 != n2 || memcmp(w1, w2, n1)) abort();
    scan_partial *twins[2] = {scan_partial_read(w1, n1, 2, err, sizeof err),
                              scan_partial_read(w1, n1, 3, err, sizeof err)};
    if (!twins[0] || !twins[1]) abort();
    if (!scan_partial_merge_many(&q, twins, 2, err, sizeof err)) {
        uint32_t ta, tb;
        if (scan_partial_check(q, &ta, &tb, err, sizeof err) && !err[0]) abort();
        scan_partial_free(q);
    }
    char *csv, summary[4096];
    size_t len = 0;
    finish_it(p, &csv, &len, summary, sizeof summary);
    finish_stream(c, csv, len, summary);
    free(csv);
    free(w1);
    free(w2);
    free(b);
    return 0;
}
