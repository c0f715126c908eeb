/* fuzz_rule — the exposure rule parser: any input is either a rule or an error with a
 * message; a derived prefilter is never empty and never contains a byte logs escape (but for
 * the TAB before a CloudFront cs-uri-stem, and "\/" in the variant of a JSON format's needle
 * that some shippers write). */
#include "scan/scan_int.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    err[0] = 0;
    scan_rule *r = scan_rule_parse((const char *)data, size, "rule.conf", err, sizeof err);
    if (!r) {
        if (!err[0]) abort();
        return 0;
    }
    if (strlen(scan_rule_text(r)) > size) abort();
    const char *const *nd;
    size_t n = scan_rule_prefilters(r, &nd);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(nd[i]);
        if (l < 2) abort();
        int json = r->kind == LF_CADDY || r->kind == LF_TRAEFIK;
        for (size_t k = 0; k < l; k++) {
            unsigned char c = (unsigned char)nd[i][k];
            if (c == '\t' && k == 0 && r->kind == LF_CLOUDFRONT) continue;
            if (c < 0x20 || c >= 0x7f || c == '\\' || (json && c == '/')) abort();
        }
    }
    scan_rule_free(r);
    return 0;
}
