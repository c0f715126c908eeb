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
 *  - finishing it either fails with a message or gives a result whose CSV can be written. */
#include "scan/scan.h"
#include "util/sha256.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void finish_it(scan_partial *p)
{
    char err[300];
    uint32_t ta, tb;
    scan_result *r = scan_partial_finish(p, &ta, &tb, err, sizeof err);
    if (!r) {
        if (!err[0]) abort();
        return;
    }
    char *csv = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&csv, &len);
    if (f) {
        scan_write_csv(r, f);
        fclose(f);
    }
    free(csv);
    scan_result_free(r);
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
    finish_it(p);
    free(w1);
    free(w2);
    free(b);
    return 0;
}
