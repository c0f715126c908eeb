#include "util/ini.h"
#include "util/err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INI_NAME_MAX 256 /* a section or subsection name, with its NUL */

static int is_keych(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

static char *trim(char *s, char **end)
{
    while (*s == ' ' || *s == '\t') s++;
    char *e = *end;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    *e = 0;
    *end = e;
    return s;
}

/* A section header "[name]" or "[name \"sub\"]" (s..end trimmed, *s == '['): the name into
 * section, the subsection into subsection and *has_sub. Returns NULL, or what is wrong. */
static const char *parse_header(char *s, char *end, char section[INI_NAME_MAX], char subsection[INI_NAME_MAX],
                                int *has_sub)
{
    if (end[-1] != ']') return "section header lacks ']'";
    end[-1] = 0;
    end--;
    char *h = trim(s + 1, &end);
    char *q = strchr(h, '"');
    *has_sub = 0;
    if (q) {
        char *qe = strrchr(h, '"');
        if (qe == q || qe[1] != 0) return "bad section header (expected [name \"subname\"])";
        *qe = 0;
        char *ne = q;
        *q = 0;
        trim(h, &ne);
        if (strlen(q + 1) >= INI_NAME_MAX) return "section name too long";
        strcpy(subsection, q + 1);
        *has_sub = 1;
    }
    if (!*h) return "empty section name";
    for (char *c = h; *c; c++)
        if (!is_keych((unsigned char)*c)) return "bad character in section name";
    if (strlen(h) >= INI_NAME_MAX) return "section name too long";
    strcpy(section, h);
    return NULL;
}

/* A line "key = value" (s..end trimmed): *key and *val point into it. Returns 0, or -1 with
 * err set to "line N: what is wrong". */
static int parse_pair(char *s, char *end, int lineno, char **key, char **val, char *err, size_t errlen)
{
    char *eq = strchr(s, '=');
    if (!eq) return err_set(err, errlen, "line %d: expected 'key = value'", lineno);
    char *kend = eq;
    *eq = 0;
    *key = trim(s, &kend);
    char *vend = end;
    *val = trim(eq + 1, &vend);
    if (!**key) return err_set(err, errlen, "line %d: missing key before '='", lineno);
    for (char *c = *key; *c; c++)
        if (!is_keych((unsigned char)*c))
            return err_set(err, errlen, "line %d: bad character in key '%.60s'", lineno, *key);
    return 0;
}

int ini_parse(const char *text, size_t len, ini_cb cb, void *ctx, char *err, size_t errlen)
{
    char *line = malloc(INI_MAX_LINE + 1);
    char section[INI_NAME_MAX] = "", subsection[INI_NAME_MAX] = "";
    int has_sub = 0, lineno = 0, rc = 0;
    char cberr[512];
    size_t pos = 0;

    if (!line) return err_set(err, errlen, "line 0: out of memory");
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (n > INI_MAX_LINE) {
            rc = err_set(err, errlen, "line %d: line longer than %d bytes", lineno, INI_MAX_LINE);
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = 0;
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r') line[--n] = 0;
        if (memchr(line, 0, n)) {
            rc = err_set(err, errlen, "line %d: NUL byte in line", lineno);
            break;
        }
        char *end = line + n;
        char *s = trim(line, &end);
        if (!*s || *s == '#' || *s == ';') continue;
        char *key = NULL, *val = NULL;
        if (*s == '[') {
            const char *why = parse_header(s, end, section, subsection, &has_sub);
            if (why) {
                rc = err_set(err, errlen, "line %d: %s", lineno, why);
                break;
            }
        } else if ((rc = parse_pair(s, end, lineno, &key, &val, err, errlen))) {
            break;
        }
        cberr[0] = 0;
        if (cb(ctx, section, has_sub ? subsection : NULL, key, val, lineno, cberr, sizeof cberr)) {
            rc = err_set(err, errlen, "line %d: %s", lineno, cberr[0] ? cberr : "rejected");
            break;
        }
    }
    free(line);
    return rc;
}
