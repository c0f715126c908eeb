/* fuzz_logline — the scanner's line parsers (combined, common, two nginx log_formats, jsonl)
 * and its buffer helpers. The first byte picks the format; the rest is one line. */
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log_rules.h"
static scan_rule *parsed[NR];
static struct lf_state st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    if (!parsed[0]) {
        for (size_t i = 0; i < NR; i++) {
            parsed[i] = scan_rule_parse(rules[i], strlen(rules[i]), NULL, err, sizeof err);
            if (!parsed[i]) abort();
        }
        lf_state_init(&st);
    }
    if (!size) return 0;
    const scan_rule *r = parsed[data[0] % NR];
    /* a private copy so that reads past the end are caught */
    char *line = malloc(size - 1 ? size - 1 : 1);
    memcpy(line, data + 1, size - 1);
    struct lf_line o;
    const char *why = NULL;
    if (lf_parse(r, &st, line, size - 1, &o, &why)) {
        if (!why || !*why) abort();
    } else {
        if (o.has_request && !o.odd && (!o.target.p || !o.method.p)) abort();
        if (o.host.n && !o.host.p) abort();
    }
    /* the SIMD helpers against plain loops */
    size_t nl = 0;
    for (size_t i = 0; i + 1 < size; i++) nl += line[i] == '\n';
    if (scan_count_nl(line, size - 1) != nl) abort();
    if (size > 4) {
        size_t m = 1 + data[1] % 6;
        if (m < size - 1) {
            const char *a = scan_find(line, size - 1, line + (size - 1 - m), m);
            const char *b = memmem(line, size - 1, line + (size - 1 - m), m);
            if (a != b) abort();
        }
    }
    free(line);
    return 0;
}
