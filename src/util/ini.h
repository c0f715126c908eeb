/* ini.h — a strict INI reader (libc only).
 *
 * Grammar, one item per line:
 *   # comment            ; comment          (whole lines only: values may contain '#')
 *   [section]            [section "subsection"]
 *   key = value          (key: letters, digits, '_', '-', '.'; value trimmed, may be empty)
 * Blank lines are ignored; CRLF and a missing final newline are accepted; a UTF-8 BOM is
 * skipped. Lines longer than INI_MAX_LINE, NUL bytes and anything else are errors.
 *
 * ini_parse calls cb for every section header (key == NULL, value == NULL) and every
 * key/value pair (section "" before the first header, subsection NULL when absent).
 * The callback returns 0 to go on, or -1 after writing a message (without line number)
 * into err; ini_parse then returns -1 with err prefixed by "line N: ".
 * The strings passed to cb are valid only during the call. */
#ifndef KT_INI_H
#define KT_INI_H
#include <stddef.h>

#define INI_MAX_LINE 65536

typedef int (*ini_cb)(void *ctx, const char *section, const char *subsection, const char *key, const char *value,
                      int line, char *err, size_t errlen);

int ini_parse(const char *text, size_t len, ini_cb cb, void *ctx, char *err, size_t errlen);
#endif
