/* rule_check.h — rule-file helpers shared by the scan unit tests (test_scan_parse.c,
 * test_scan_formats.c); include after check.h and scan/scan_int.h. */
#ifndef KLARTEXT_TEST_RULE_CHECK_H
#define KLARTEXT_TEST_RULE_CHECK_H

#include <stdio.h>
#include <string.h>

/* the rule of TEXT, named rule.conf in messages; NULL with ERR set on a bad rule */
static scan_rule *parse(const char *text, char *err, size_t errlen)
{
    return scan_rule_parse(text, strlen(text), "rule.conf", err, errlen);
}

/* checks that TEXT is refused with a message containing WANT */
static void expect_error(const char *text, const char *want)
{
    char err[512];
    scan_rule *r = parse(text, err, sizeof err);
    CHECK(r == NULL);
    if (r) {
        scan_rule_free(r);
        printf("#   accepted: %s\n", text);
        return;
    }
    if (!strstr(err, want)) printf("#   error '%s' lacks '%s'\n", err, want);
    CHECK(strstr(err, want) != NULL);
}

#endif
