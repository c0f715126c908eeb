#include "util/ini.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_keych(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
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

static int fail(char *err, size_t errlen, int line, const char *msg)
{
    snprintf(err, errlen, "line %d: %s", line, msg);
    return -1;
}

int ini_parse(const char *text, size_t len, ini_cb cb, void *ctx, char *err, size_t errlen)
{
    char *line = malloc(INI_MAX_LINE + 1);
    char section[256] = "", subsection[256] = "";
    int has_sub = 0, lineno = 0, rc = 0;
    char cberr[512];
    size_t pos = 0;

    if (!line) return fail(err, errlen, 0, "out of memory");
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (n > INI_MAX_LINE) {
            char m[64];
            snprintf(m, sizeof m, "line longer than %d bytes", INI_MAX_LINE);
            rc = fail(err, errlen, lineno, m);
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = 0;
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r') line[--n] = 0;
        if (memchr(line, 0, n)) { rc = fail(err, errlen, lineno, "NUL byte in line"); break; }
        char *end = line + n;
        char *s = trim(line, &end);
        if (!*s || *s == '#' || *s == ';') continue;
        cberr[0] = 0;
        if (*s == '[') {
            if (end[-1] != ']') { rc = fail(err, errlen, lineno, "section header lacks ']'"); break; }
            end[-1] = 0; end--;
            char *h = trim(s + 1, &end);
            char *q = strchr(h, '"');
            has_sub = 0;
            if (q) {
                char *qe = strrchr(h, '"');
                if (qe == q || qe[1] != 0) { rc = fail(err, errlen, lineno, "bad section header (expected [name \"subname\"])"); break; }
                *qe = 0;
                char *ne = q;
                *q = 0;
                trim(h, &ne);
                if (strlen(q + 1) >= sizeof subsection) { rc = fail(err, errlen, lineno, "section name too long"); break; }
                strcpy(subsection, q + 1);
                has_sub = 1;
            }
            if (!*h) { rc = fail(err, errlen, lineno, "empty section name"); break; }
            for (char *c = h; *c; c++)
                if (!is_keych((unsigned char)*c)) { rc = fail(err, errlen, lineno, "bad character in section name"); goto out; }
            if (strlen(h) >= sizeof section) { rc = fail(err, errlen, lineno, "section name too long"); break; }
            strcpy(section, h);
            if (cb(ctx, section, has_sub ? subsection : NULL, NULL, NULL, lineno, cberr, sizeof cberr)) {
                rc = fail(err, errlen, lineno, cberr[0] ? cberr : "rejected"); break;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) { rc = fail(err, errlen, lineno, "expected 'key = value'"); break; }
        char *kend = eq;
        *eq = 0;
        char *key = trim(s, &kend);
        char *vend = end;
        char *val = trim(eq + 1, &vend);
        if (!*key) { rc = fail(err, errlen, lineno, "missing key before '='"); break; }
        for (char *c = key; *c; c++)
            if (!is_keych((unsigned char)*c)) {
                char m[128];
                snprintf(m, sizeof m, "bad character in key '%.60s'", key);
                rc = fail(err, errlen, lineno, m); goto out;
            }
        if (cb(ctx, section, has_sub ? subsection : NULL, key, val, lineno, cberr, sizeof cberr)) {
            rc = fail(err, errlen, lineno, cberr[0] ? cberr : "rejected"); break;
        }
    }
out:
    free(line);
    return rc;
}
