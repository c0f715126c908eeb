/* mime.c — notice messages: QP/base64/RFC 2047 encoders, header folding, the multipart
 * builder, and the strict attachment extractor for `verify FILE.eml`. */
#include "notify/mime.h"
#include "util/err.h"
#include "util/memo.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ========================================================================== UTF-8 */

/* length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t k;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (n < k || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return k;
}

static int utf8_valid(const char *s0, size_t n)
{
    const unsigned char *s = (const unsigned char *)s0;
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n) { /* eight ASCII bytes at a time */
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!(x & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len(s + i, n - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

/* ================================================================ quoted-printable */

static const char hexd[] = "0123456789ABCDEF";

/* printable ASCII that quoted-printable keeps as it is (not '=', not space) */
static const unsigned char qp_plain[256] = {
#define R4(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1
#define R16(c) R4(c), R4(c + 4), R4(c + 8), R4(c + 12)
    [33] = 1,
    [34] = 1,
    [35] = 1,
    R4(36),
    R4(40),
    R4(44),
    R4(48),
    R4(52),
    R4(56),
    [60] = 1,
    /* 61 is '=' */[62] = 1,
    [63] = 1,
    R16(64),
    R16(80),
    R16(96),
    R4(112),
    R4(116),
    R4(120),
    [124] = 1,
    [125] = 1,
    [126] = 1,
#undef R4
#undef R16
};

/* worst case output size of qp_core for n input bytes */
static size_t qp_worst(size_t n)
{
    if (n > (SIZE_MAX - 64) / 4) return SIZE_MAX;
    size_t enc = 3 * n;
    return enc + (enc / 60 + 1) * 3 + 16; /* soft breaks: "=\r\n" at most every 63 chars */
}

static int is_line_end(const unsigned char *s, size_t n, size_t i, unsigned mode)
{
    if (i >= n) return 1;
    if (mode == MIME_QP_BINARY) return 0;
    return s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
}

/* encode into d (room for qp_worst(n)); returns the length written */
static size_t qp_core(const unsigned char *s, size_t n, unsigned mode, char *d0)
{
    char *d = d0;
    size_t col = 0, i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (mode == MIME_QP_TEXT && (c == '\n' || (c == '\r' && i + 1 < n && s[i + 1] == '\n'))) {
            *d++ = '\r';
            *d++ = '\n';
            col = 0;
            i += c == '\r' ? 2 : 1;
            continue;
        }
        /* fast path: a run of plain characters (and spaces followed by one) inside a line;
         * only a line's first character may need more thought ('.' or "From ") */
        if (col < 75 && (col > 0 || (c != '.' && c != 'F'))) {
            size_t j = i, e = i + (75 - col) < n ? i + (75 - col) : n;
            /* eight at a time: all in 32..126, none '=', the last no space (so every space in
               the block is followed by a character that is not a line end) */
            while (j + 8 <= e) {
                uint64_t x;
                memcpy(&x, s + j, 8);
                const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
                uint64_t eq = x ^ (ones * '=');
                uint64_t bad = ((x - ones * 32) & ~x) | ((x + ones * (127 - 126)) | x) | ((eq - ones) & ~eq);
                if ((bad & high) || s[j + 7] == ' ') break;
                j += 8;
            }
            while (j < e && (qp_plain[s[j]] || (s[j] == ' ' && j + 1 < n && qp_plain[s[j + 1]]))) j++;
            if (j > i) {
                memcpy(d, s + i, j - i);
                d += j - i;
                col += j - i;
                i = j;
                continue;
            }
        }
        size_t ulen = c >= 0x80 ? utf8_len(s + i, n - i) : 1;
        if (ulen == 0) ulen = 1;
        int enc = 0; /* encode this unit? */
        for (int pass = 0; pass < 2; pass++) {
            if (c >= 0x80 || c == '=' || (c < 32 && c != '\t') || c == 127) enc = 1;
            else if (c == ' ' || c == '\t') enc = is_line_end(s, n, i + 1, mode);
            else if (col == 0 && c == '.') enc = 1;
            else if (col == 0 && c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0) enc = 1;
            else enc = 0;
            size_t width = enc ? 3 * ulen : 1;
            /* a line holds 75 characters plus the soft-break '='; the last line before a
             * line end may use the 76th */
            size_t limit = is_line_end(s, n, i + ulen, mode) ? 76 : 75;
            if (col + width <= limit || col == 0) break;
            *d++ = '=';
            *d++ = '\r';
            *d++ = '\n';
            col = 0;
        }
        if (enc) {
            for (size_t k = 0; k < ulen; k++) {
                unsigned char b = s[i + k];
                *d++ = '=';
                *d++ = hexd[b >> 4];
                *d++ = hexd[b & 15];
            }
            col += 3 * ulen;
        } else {
            *d++ = (char)c;
            col++;
        }
        i += ulen;
    }
    return (size_t)(d - d0);
}

int mime_qp_encode(struct buf *out, const void *data, size_t n, unsigned mode)
{
    size_t worst = qp_worst(n), max = out->max;
    if (worst == SIZE_MAX) return -1;
    if (out->len <= max && worst <= max - out->len) {
        if (buf_reserve(out, worst)) return -1;
        out->len += qp_core(data, n, mode, out->p + out->len);
        out->p[out->len] = 0;
        return 0;
    }
    char *tmp = malloc(worst);
    if (!tmp) return -1;
    int rc = buf_add(out, tmp, qp_core(data, n, mode, tmp));
    free(tmp);
    return rc;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int mime_qp_decode(struct buf *out, const char *s0, size_t n, char *err, size_t errlen)
{
    const unsigned char *s = (const unsigned char *)s0;
    size_t len0 = out->len, pos = 0, line = 1;
    while (pos < n) {
        const unsigned char *nl = memchr(s + pos, '\n', n - pos);
        size_t e = nl ? (size_t)(nl - s) : n, next = nl ? e + 1 : n;
        if (nl && e > pos && s[e - 1] == '\r') e--;
        while (e > pos && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
        int soft = e > pos && s[e - 1] == '='; /* a soft line break */
        size_t end = soft ? e - 1 : e;
        if (buf_reserve(out, end - pos + (nl && !soft ? 2 : 0))) goto toobig;
        char *d = out->p + out->len;
        for (size_t i = pos; i < end; i++) {
            unsigned char c = s[i];
            if (c == '=') {
                int h1 = i + 2 < end ? hexval(s[i + 1]) : -1, h2 = i + 2 < end ? hexval(s[i + 2]) : -1;
                if (h1 < 0 || h2 < 0) {
                    err_set(err, errlen, "line %zu: bad quoted-printable escape", line);
                    goto fail;
                }
                *d++ = (char)(h1 << 4 | h2);
                i += 2;
            } else if ((c >= 33 && c <= 126) || c == ' ' || c == '\t') {
                *d++ = (char)c;
            } else {
                err_set(err, errlen, "line %zu: byte 0x%02X not allowed in quoted-printable", line, c);
                goto fail;
            }
        }
        if (nl && !soft) {
            *d++ = '\r';
            *d++ = '\n';
        }
        out->len = (size_t)(d - out->p);
        out->p[out->len] = 0;
        pos = next;
        line++;
    }
    return 0;
toobig:
    err_set(err, errlen, "decoded data larger than %zu bytes", out->max);
fail:
    buf_truncate(out, len0);
    return -1;
}

/* ========================================================================== base64 */

static const char b64c[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_group(char *d, const unsigned char *s, size_t k)
{
    uint32_t v = (uint32_t)s[0] << 16 | (k > 1 ? (uint32_t)s[1] << 8 : 0) | (k > 2 ? s[2] : 0);
    *d++ = b64c[v >> 18];
    *d++ = b64c[v >> 12 & 63];
    *d++ = k > 1 ? b64c[v >> 6 & 63] : '=';
    *d++ = k > 2 ? b64c[v & 63] : '=';
    return d;
}

int mime_b64_encode(struct buf *out, const void *data, size_t n)
{
    const unsigned char *s = data;
    size_t lines = (n + 56) / 57;
    if (n > SIZE_MAX / 2 || buf_reserve(out, (n + 2) / 3 * 4 + lines * 2)) return -1;
    char *d = out->p + out->len;
    for (size_t i = 0; i < n; i += 57) {
        size_t e = i + 57 < n ? i + 57 : n, j = i;
        for (; j + 3 <= e; j += 3) { /* whole groups: no padding to think of */
            uint32_t v = (uint32_t)s[j] << 16 | (uint32_t)s[j + 1] << 8 | s[j + 2];
            d[0] = b64c[v >> 18];
            d[1] = b64c[v >> 12 & 63];
            d[2] = b64c[v >> 6 & 63];
            d[3] = b64c[v & 63];
            d += 4;
        }
        if (j < e) d = b64_group(d, s + j, e - j);
        *d++ = '\r';
        *d++ = '\n';
    }
    out->len = (size_t)(d - out->p);
    out->p[out->len] = 0;
    return 0;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* decode s[0..n) ignoring CR/LF (when skip_eol) into out */
static int b64_decode(struct buf *out, const char *s0, size_t n, int skip_eol, const char **why)
{
    const unsigned char *s = (const unsigned char *)s0;
    size_t len0 = out->len, data = n;
    if (skip_eol)
        for (size_t i = 0; i < n; i++) data -= s[i] == '\r' || s[i] == '\n';
    if (buf_reserve(out, data / 4 * 3 + 3)) {
        *why = "too large";
        return -1;
    }
    unsigned char *d = (unsigned char *)out->p + out->len;
    uint32_t acc = 0;
    int k = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (skip_eol && (c == '\r' || c == '\n')) continue;
        if (c == '=') {
            if (k < 2 || pad + k >= 4) {
                *why = "misplaced '='";
                goto bad;
            }
            pad++;
            if (k + pad == 4) {
                if (k == 2) {
                    if (acc & 0xF) {
                        *why = "bad padding";
                        goto bad;
                    }
                    *d++ = (unsigned char)(acc >> 4);
                } else {
                    if (acc & 0x3) {
                        *why = "bad padding";
                        goto bad;
                    }
                    *d++ = (unsigned char)(acc >> 10);
                    *d++ = (unsigned char)(acc >> 2);
                }
                k = 0;
                acc = 0;
                pad = 5; /* the end: only line breaks may follow */
            }
            continue;
        }
        if (pad) {
            *why = pad == 5 ? "data after the padding" : "misplaced '='";
            goto bad;
        }
        int v = b64val(c);
        if (v < 0) {
            *why = "character outside the alphabet";
            goto bad;
        }
        acc = acc << 6 | (uint32_t)v;
        if (++k == 4) {
            *d++ = (unsigned char)(acc >> 16);
            *d++ = (unsigned char)(acc >> 8);
            *d++ = (unsigned char)acc;
            k = 0;
            acc = 0;
        }
    }
    if (k || (pad && pad != 5)) {
        *why = "truncated";
        goto bad;
    }
    out->len = (size_t)((char *)d - out->p);
    out->p[out->len] = 0;
    return 0;
bad:
    buf_truncate(out, len0);
    return -1;
}

int mime_b64_decode(struct buf *out, const char *s, size_t n, char *err, size_t errlen)
{
    const char *why = "";
    if (b64_decode(out, s, n, 1, &why)) {
        err_set(err, errlen, "bad base64: %s", why);
        return -1;
    }
    return 0;
}

/* ========================================================================= headers */

/* a header being written: tracks the column to fold at MIME_LINE_MAX */
struct hw {
    struct buf *out;
    size_t col;
    int fail;
};

static void hw_raw(struct hw *h, const char *s, size_t n)
{
    if (!h->fail && buf_add(h->out, s, n)) h->fail = 1;
    h->col += n;
}

/* a token preceded by a space, or by CRLF + space when it would not fit */
static void hw_word(struct hw *h, const char *s, size_t n)
{
    if (h->col + 1 + n > MIME_LINE_MAX && h->col > 1) {
        hw_raw(h, "\r\n", 2);
        h->col = 0;
    }
    hw_raw(h, " ", 1);
    hw_raw(h, s, n);
}

/* text as B encoded-words, split between characters, each ≤ 75 and each line ≤ 78;
 * at_space: prefer to end an encoded-word after a space (the space stays inside it) */
static void hw_encoded(struct hw *h, const unsigned char *s, size_t n, int at_space)
{
    size_t i = 0;
    if (n == 0) return;
    do {
        size_t avail = MIME_LINE_MAX - 1 - (h->col < MIME_LINE_MAX - 1 ? h->col : MIME_LINE_MAX - 1);
        if (avail < 12 + 8) { /* room for at least one 4-byte character */
            hw_raw(h, "\r\n", 2);
            h->col = 0;
            avail = MIME_LINE_MAX - 1;
        }
        if (avail > 75) avail = 75;
        size_t k = 0, after_space = 0;
        for (int fresh = 0; fresh < 2; fresh++) {
            size_t maxbytes = (avail - 12) / 4 * 3;
            k = after_space = 0;
            while (i + k < n) {
                size_t cl = utf8_len(s + i + k, n - i - k);
                if (cl == 0) cl = 1; /* callers validate; never split a bad sequence */
                if (k + cl > maxbytes) break;
                k += cl;
                if (s[i + k - 1] == ' ') after_space = k;
            }
            if (!at_space || i + k == n || after_space || fresh || h->col <= 1) break;
            /* no space to split at on this line: would a new line have one, or hold the rest? */
            size_t kk = 0, sp = 0;
            while (i + kk < n) {
                size_t cl = utf8_len(s + i + kk, n - i - kk);
                if (cl == 0) cl = 1;
                if (kk + cl > 45) break;
                kk += cl;
                if (s[i + kk - 1] == ' ') sp = kk;
            }
            if (!sp && i + kk < n) break; /* neither a space nor the end: split here */
            hw_raw(h, "\r\n", 2);
            h->col = 0;
            avail = 75;
        }
        if (at_space && i + k < n && after_space) k = after_space;
        char word[80], *d = word;
        memcpy(d, "=?UTF-8?B?", 10);
        d += 10;
        for (size_t j = 0; j < k; j += 3) d = b64_group(d, s + i + j, k - j < 3 ? k - j : 3);
        *d++ = '?';
        *d++ = '=';
        hw_raw(h, " ", 1);
        hw_raw(h, word, (size_t)(d - word));
        i += k;
    } while (i < n);
}

static int check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 60) return -1;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 33 || name[i] > 126 || name[i] == ':') return -1;
    return 0;
}

/* 0 when s is valid UTF-8 without control characters (TAB allowed when tab_ok) */
static int check_text(const char *s0, size_t n, int tab_ok, const char **why)
{
    const unsigned char *s = (const unsigned char *)s0;
    for (size_t i = 0; i < n;) {
        if (s[i] < 32 || s[i] == 127) {
            if (s[i] == '\t' && tab_ok) {
                i++;
                continue;
            }
            *why = "a control character";
            return -1;
        }
        size_t k = utf8_len(s + i, n - i);
        if (!k) {
            *why = "invalid UTF-8";
            return -1;
        }
        i += k;
    }
    return 0;
}

/* can s go out as plain words: printable ASCII, single spaces, no "=?", words fit a line */
static int plain_words(const char *s, size_t n, size_t maxword)
{
    if (n && (s[0] == ' ' || s[n - 1] == ' ')) return 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 32 || c > 126) return 0;
        if (c == ' ') {
            if (s[i + 1] == ' ') return 0;
            w = 0;
            continue;
        }
        if (c == '=' && i + 1 < n && s[i + 1] == '?') return 0;
        if (++w > maxword) return 0;
    }
    return 1;
}

int mime_header_text(struct buf *out, const char *name, const char *value, char *err, size_t errlen)
{
    const char *why = "";
    if (check_name(name)) {
        err_set(err, errlen, "bad header name '%.60s'", name ? name : "");
        return -1;
    }
    if (!value) value = "";
    size_t n = strlen(value), len0 = out->len;
    if (check_text(value, n, 1, &why)) {
        err_set(err, errlen, "header '%s' contains %s", name, why);
        return -1;
    }
    struct hw h = {out, 0, 0};
    hw_raw(&h, name, strlen(name));
    hw_raw(&h, ":", 1);
    if (plain_words(value, n, MIME_LINE_MAX - 1)) {
        for (size_t i = 0; i < n;) {
            const char *sp = memchr(value + i, ' ', n - i);
            size_t e = sp ? (size_t)(sp - value) : n;
            hw_word(&h, value + i, e - i);
            i = e + 1;
        }
    } else {
        hw_encoded(&h, (const unsigned char *)value, n, 0);
    }
    hw_raw(&h, "\r\n", 2);
    if (h.fail) {
        buf_truncate(out, len0);
        err_set(err, errlen, "message larger than %zu bytes", out->max);
        return -1;
    }
    return 0;
}

static int atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* may s[a, e) go out as a plain atom: atext only, and nothing a reader could take for an
 * encoded-word ("=?") */
static int plain_atom(const char *s, size_t a, size_t e)
{
    if (e - a > MIME_LINE_MAX - 1) return 0;
    for (size_t k = a; k < e; k++)
        if (!atext((unsigned char)s[k]) || (s[k] == '=' && k + 1 < e && s[k + 1] == '?')) return 0;
    return 1;
}

static int check_addr(const char *a)
{
    size_t n = a ? strlen(a) : 0, at = 0, nat = 0;
    if (n < 3 || n > 254) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c == '@') {
            nat++;
            at = i;
            continue;
        }
        if (!(atext(c) || c == '.' || c == '[' || c == ']')) return -1;
    }
    if (nat != 1 || at == 0 || at == n - 1) return -1;
    return 0;
}

int mime_header_address(struct buf *out, const char *name, const char *display, const char *addr, char *err,
                        size_t errlen)
{
    const char *why = "";
    if (check_name(name)) {
        err_set(err, errlen, "bad header name '%.60s'", name ? name : "");
        return -1;
    }
    if (check_addr(addr)) {
        err_set(err, errlen, "bad address in '%s': '%.80s'", name, addr ? addr : "");
        return -1;
    }
    if (!display) display = "";
    size_t an = strlen(addr), len0 = out->len, dn = 0;
    if (check_text(display, strlen(display), 0, &why)) {
        err_set(err, errlen, "display name in '%s' contains %s", name, why);
        return -1;
    }
    /* a phrase's white space is one space (RFC 5322 3.2.2): trim and collapse */
    char nm[MIME_DISPLAY_MAX + 1];
    for (const char *p = display; *p; p++) {
        if (*p == ' ' && (dn == 0 || nm[dn - 1] == ' ')) continue;
        if (dn == MIME_DISPLAY_MAX) {
            err_set(err, errlen, "display name in '%s' longer than %d bytes", name, MIME_DISPLAY_MAX);
            return -1;
        }
        nm[dn++] = *p;
    }
    if (dn && nm[dn - 1] == ' ') dn--;
    nm[dn] = 0;
    struct hw h = {out, 0, 0};
    hw_raw(&h, name, strlen(name));
    hw_raw(&h, ":", 1);
    if (dn == 0) {
        hw_word(&h, addr, an);
    } else {
        int ascii = 1, atoms = 1, ew = strstr(nm, "=?") != NULL;
        for (size_t i = 0; i < dn; i++) {
            unsigned char c = (unsigned char)nm[i];
            if (c > 126) ascii = 0;
            if (c != ' ' && !atext(c)) atoms = 0;
        }
        char q[2 * MIME_LINE_MAX + 4];
        size_t qn = 0;
        /* a quoted-string, unless it holds "=?" (some readers decode encoded-words there) */
        if (ascii && !atoms && !ew && dn <= MIME_LINE_MAX) {
            q[qn++] = '"';
            for (size_t i = 0; i < dn; i++) {
                if (nm[i] == '"' || nm[i] == '\\') q[qn++] = '\\';
                q[qn++] = nm[i];
            }
            q[qn++] = '"';
        }
        if (ascii && qn && h.col + 1 + qn <= MIME_LINE_MAX) {
            hw_word(&h, q, qn);
        } else {
            /* Words that are atoms stay plain; each run of other words becomes encoded-words.
             * Parsers disagree about the space between two adjacent encoded-words in a
             * phrase (RFC 2047 drops it; Python before 3.14, gh-128110, keeps it), so
             * adjacent ones occur only when a run is too long for one. */
            size_t i = 0;
            while (i < dn) {
                size_t e = i;
                while (e < dn && nm[e] != ' ') e++;
                if (plain_atom(nm, i, e)) {
                    hw_word(&h, nm + i, e - i);
                    i = e + 1;
                    continue;
                }
                size_t r = e; /* extend the run over following non-atom words */
                while (r < dn) {
                    size_t ws = r + 1, we = ws;
                    while (we < dn && nm[we] != ' ') we++;
                    if (plain_atom(nm, ws, we)) break;
                    r = we;
                }
                hw_encoded(&h, (const unsigned char *)nm + i, r - i, 1);
                i = r + 1;
            }
        }
        char angle[260];
        snprintf(angle, sizeof angle, "<%s>", addr);
        hw_word(&h, angle, an + 2);
    }
    hw_raw(&h, "\r\n", 2);
    if (h.fail) {
        buf_truncate(out, len0);
        err_set(err, errlen, "message larger than %zu bytes", out->max);
        return -1;
    }
    return 0;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) && ((a < 0) != (b < 0))) q--;
    return q;
}

void mime_date(int64_t t, char out[MIME_DATE_LEN])
{
    static const char *const wd[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t days = floordiv(t, 86400), rem = t - days * 86400;
    /* civil from days (H. Hinnant) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    snprintf(out, MIME_DATE_LEN, "%s, %02u %s %04lld %02d:%02d:%02d +0000", wd[((days % 7) + 7) % 7], d, mon[m - 1],
             (long long)y, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ========================================================================= builder */

static uint64_t fnv64(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static const char *const reserved_headers[] = {"from", "reply-to",   "to",           "cc",     "bcc", "subject",
                                               "date", "message-id", "mime-version", "sender", NULL};

static int reserved(const char *name)
{
    if (strncasecmp(name, "content-", 8) == 0) return 1;
    for (const char *const *r = reserved_headers; *r; r++)
        if (strcasecmp(name, *r) == 0) return 1;
    return 0;
}

struct bw {
    struct buf *out;
    int fail;
    char *err;
    size_t errlen;
};

static void bw_add(struct bw *b, const char *s)
{
    if (!b->fail && buf_adds(b->out, s)) b->fail = -2;
}

static void bw_part_header(struct bw *b, const char *boundary, const char *ctype, const char *filename, const char *cte)
{
    bw_add(b, "--");
    bw_add(b, boundary);
    bw_add(b, "\r\nContent-Type: ");
    bw_add(b, ctype);
    if (filename) {
        bw_add(b, "; name=\"");
        bw_add(b, filename);
        bw_add(b, "\"\r\nContent-Disposition: attachment; filename=\"");
        bw_add(b, filename);
        bw_add(b, "\"");
    }
    bw_add(b, "\r\nContent-Transfer-Encoding: ");
    bw_add(b, cte);
    bw_add(b, "\r\n\r\n");
}

/* Quoted-printable of S in units that end after a LF: each unit starts a line, so its encoding
 * does not depend on what came before it (qp_core starts every line afresh and looks ahead at
 * most to the next LF), and the text's encoding is the units' encodings in order. A unit ends
 * at a blank line or once it holds QP_UNIT bytes: paragraphs, or single long lines of HTML.
 * Units seen before come from MM. */
#define QP_UNIT 256
#define QP_UNIT_MIN 48
static int qp_units(struct buf *out, const char *s, size_t n, struct memo *mm)
{
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        for (;;) {
            const char *nl = memchr(s + e, '\n', n - e);
            if (!nl) {
                e = n;
                break;
            }
            e = (size_t)(nl - s) + 1;
            if (e - i >= QP_UNIT || e >= n || s[e] == '\n') break;
        }
        size_t ul = e - i, vl;
        if (ul < QP_UNIT_MIN) {
            if (mime_qp_encode(out, s + i, ul, MIME_QP_TEXT)) return -1;
        } else {
            uint64_t h = memo_hash(s + i, ul);
            const char *v = memo_get(mm, s + i, ul, h, &vl);
            if (v) {
                if (buf_add(out, v, vl)) return -1;
            } else {
                size_t o0 = out->len;
                if (mime_qp_encode(out, s + i, ul, MIME_QP_TEXT)) return -1;
                memo_put(mm, s + i, ul, h, out->p + o0, out->len - o0);
            }
        }
        i = e;
    }
    return 0;
}

static void bw_qp(struct bw *b, const char *s, size_t n, struct memo *mm)
{
    if (!b->fail && (mm ? qp_units(b->out, s, n, mm) : mime_qp_encode(b->out, s, n, MIME_QP_TEXT))) b->fail = -2;
    bw_add(b, "\r\n"); /* the line break that belongs to the next delimiter */
}

static void bw_b64(struct bw *b, const char *s, size_t n)
{
    if (!b->fail && mime_b64_encode(b->out, s, n)) b->fail = -2;
    /* base64 output ends in CRLF, which serves as the next delimiter's line break */
}

static void bw_alternative(struct bw *b, const struct mime_notice *m, const char *alt)
{
    bw_part_header(b, alt, "text/plain; charset=UTF-8", NULL, "quoted-printable");
    bw_qp(b, m->text, m->text_len, m->memo);
    bw_part_header(b, alt, "text/html; charset=UTF-8", NULL, "quoted-printable");
    bw_qp(b, m->html, m->html_len, m->memo);
    bw_add(b, "--");
    bw_add(b, alt);
    bw_add(b, "--\r\n");
}

/* the Message-ID without its angle brackets into id (ASCII, no specials, with an '@', short
   enough for one line); 0, or -1 with err */
static int message_id(const struct mime_notice *m, char id[MIME_LINE_MAX + 1], char *err, size_t errlen)
{
    const char *mid = m->message_id ? m->message_id : "";
    size_t ml = strlen(mid);
    if (ml >= 2 && mid[0] == '<' && mid[ml - 1] == '>') {
        mid++;
        ml -= 2;
    }
    int ok = ml >= 3 && ml <= MIME_LINE_MAX - 3 && memchr(mid, '@', ml) != NULL;
    for (size_t i = 0; ok && i < ml; i++) ok = mid[i] > 32 && mid[i] < 127 && !strchr("<>()[]\\,;:\" ", mid[i]);
    if (!ok) return err_set(err, errlen, "bad Message-ID '%.80s'", m->message_id ? m->message_id : "");
    memcpy(id, mid, ml);
    id[ml] = 0;
    return 0;
}

/* From, Reply-To, To, Subject, Date, Message-ID (folded onto its own line when long),
   MIME-Version and the extra headers */
static int bw_headers(struct bw *b, const struct mime_notice *m, const char *id)
{
    struct buf *out = b->out;
    if (mime_header_address(out, "From", m->from.name, m->from.addr, b->err, b->errlen) ||
        (m->reply_to.addr &&
         mime_header_address(out, "Reply-To", m->reply_to.name, m->reply_to.addr, b->err, b->errlen)) ||
        mime_header_address(out, "To", m->to.name, m->to.addr, b->err, b->errlen) ||
        mime_header_text(out, "Subject", m->subject, b->err, b->errlen))
        return -1;
    char date[MIME_DATE_LEN], tmp[200];
    mime_date(m->date, date);
    snprintf(tmp, sizeof tmp, "Date: %s\r\n", date);
    bw_add(b, tmp);
    if (strlen(id) + 14 <= MIME_LINE_MAX) snprintf(tmp, sizeof tmp, "Message-ID: <%s>\r\n", id);
    else snprintf(tmp, sizeof tmp, "Message-ID:\r\n <%s>\r\n", id);
    bw_add(b, tmp);
    bw_add(b, "MIME-Version: 1.0\r\n");
    for (size_t i = 0; i < m->n_extra && !b->fail; i++) {
        const struct mime_header *x = &m->extra[i];
        if (x->name && reserved(x->name))
            return err_set(b->err, b->errlen, "extra header '%s' is written by the message itself", x->name);
        if (mime_header_text(out, x->name, x->value, b->err, b->errlen)) return -1;
    }
    return 0;
}

/* multipart/mixed: the text (or text and HTML), notice.txt and its signature */
static void bw_mixed(struct bw *b, const struct mime_notice *m, const char *mixed, const char *alt)
{
    char tmp[200];
    snprintf(tmp, sizeof tmp,
             "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
             "This is a message in MIME format.\r\n\r\n",
             mixed);
    bw_add(b, tmp);
    if (m->html) {
        snprintf(tmp, sizeof tmp,
                 "--%s\r\nContent-Type: multipart/alternative;\r\n"
                 " boundary=\"%s\"\r\n\r\n",
                 mixed, alt);
        bw_add(b, tmp);
        bw_alternative(b, m, alt);
    } else {
        bw_part_header(b, mixed, "text/plain; charset=UTF-8", NULL, "quoted-printable");
        bw_qp(b, m->text, m->text_len, m->memo);
    }
    if (m->notice_txt) {
        bw_part_header(b, mixed, "text/plain; charset=UTF-8", "notice.txt", "base64");
        bw_b64(b, m->notice_txt, m->notice_txt_len);
    }
    if (m->minisig) {
        bw_part_header(b, mixed, "application/octet-stream", "notice.txt.minisig", "base64");
        bw_b64(b, m->minisig, m->minisig_len);
    }
    bw_add(b, "--");
    bw_add(b, mixed);
    bw_add(b, "--\r\n");
}

/* the body: text/plain alone, multipart/alternative, or multipart/mixed with the attachments */
static void bw_body(struct bw *b, const struct mime_notice *m, const char *mixed, const char *alt)
{
    struct buf *out = b->out;
    if (m->notice_txt || m->minisig) {
        bw_mixed(b, m, mixed, alt);
        return;
    }
    if (m->html) {
        char tmp[200];
        snprintf(tmp, sizeof tmp, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", alt);
        bw_add(b, tmp);
        bw_alternative(b, m, alt);
        return;
    }
    bw_add(b, "Content-Type: text/plain; charset=UTF-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    if (!b->fail && mime_qp_encode(out, m->text, m->text_len, MIME_QP_TEXT)) b->fail = -2;
    /* the message ends with a line break; a soft one when the text has none */
    if (!b->fail && !(out->len >= 2 && out->p[out->len - 1] == '\n' && out->p[out->len - 2] == '\r'))
        bw_add(b, "=\r\n");
}

int mime_build_notice(const struct mime_notice *m, struct buf *out, char *err, size_t errlen)
{
    size_t len0 = out->len;
    struct bw b = {out, 0, err, errlen};
    char id[MIME_LINE_MAX + 1], mixed[40], alt[40];
    if (!m->text) return err_set(err, errlen, "notice has no text");
    if (!m->from.addr || !m->to.addr) return err_set(err, errlen, "notice needs a From and a To address");
    if (message_id(m, id, err, errlen)) return -1;
    if ((m->html && !utf8_valid(m->html, m->html_len)) || !utf8_valid(m->text, m->text_len))
        return err_set(err, errlen, "%s body is not valid UTF-8", utf8_valid(m->text, m->text_len) ? "HTML" : "text");
    uint64_t hsh = fnv64(id, 0xcbf29ce484222325ull);
    snprintf(mixed, sizeof mixed, "=_kt_m_%016llx", (unsigned long long)hsh);
    snprintf(alt, sizeof alt, "=_kt_a_%016llx", (unsigned long long)fnv64("alt", hsh));
    if (bw_headers(&b, m, id)) goto fail;
    bw_body(&b, m, mixed, alt);
    if (b.fail) {
        err_set(err, errlen, "message larger than %zu bytes", out->max);
        goto fail;
    }
    return 0;
fail:
    buf_truncate(out, len0);
    return -1;
}

/* ============================================================ header value decoding */

static int q_decode(struct buf *out, const char *s, size_t n)
{
    if (buf_reserve(out, n)) return -1;
    char *d = out->p + out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '_') *d++ = ' ';
        else if (c == '=') {
            if (i + 2 >= n) return -1;
            int h1 = hexval((unsigned char)s[i + 1]), h2 = hexval((unsigned char)s[i + 2]);
            if (h1 < 0 || h2 < 0) return -1;
            *d++ = (char)(h1 << 4 | h2);
            i += 2;
        } else if (c > 32 && c < 127 && c != '?') *d++ = (char)c;
        else return -1;
    }
    out->len = (size_t)(d - out->p);
    out->p[out->len] = 0;
    return 0;
}

/* an encoded-word at s[0..n): its length, 0 when s does not start with a syntactically
 * complete one, -1 when it is malformed (charset, encoding, text). Decodes into out unless
 * out is NULL. */
static long encoded_word(struct buf *out, const char *s, size_t n)
{
    if (n < 8 || s[0] != '=' || s[1] != '?') return 0;
    size_t i = 2;
    while (i < n && s[i] != '?' && s[i] > 32 && s[i] < 127) i++;
    if (i >= n || s[i] != '?') return 0;
    size_t cs = 2, ce = i;
    const char *star = memchr(s + cs, '*', ce - cs); /* RFC 2231 language suffix */
    if (star) ce = (size_t)(star - s);
    int utf8 = (ce - cs == 5 && strncasecmp(s + cs, "UTF-8", 5) == 0) ||
               (ce - cs == 8 && strncasecmp(s + cs, "US-ASCII", 8) == 0);
    if (i + 3 >= n || s[i + 2] != '?') return 0;
    char enc = s[i + 1];
    size_t ts = i + 3, te = ts;
    while (te + 1 < n && !(s[te] == '?' && s[te + 1] == '=')) {
        if (s[te] <= 32 || s[te] >= 127) return 0;
        te++;
    }
    if (te + 1 >= n) return 0;
    if (!utf8 || !strchr("BbQq", enc)) return -1;
    struct buf tmp;
    buf_init(&tmp, MIME_MSG_MAX);
    struct buf *d = out ? out : &tmp;
    size_t len0 = d->len;
    const char *why;
    int rc = enc == 'B' || enc == 'b' ? b64_decode(d, s + ts, te - ts, 0, &why) : q_decode(d, s + ts, te - ts);
    if (rc) buf_truncate(d, len0);
    buf_release(&tmp);
    return rc ? -1 : (long)(te + 2);
}

int mime_header_decode(struct buf *out, const char *s, size_t n, char *err, size_t errlen)
{
    size_t len0 = out->len, i = 0, ws_len = 0, ws_at = 0;
    int last_encoded = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            ws_at = i;
            while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
            ws_len = i - ws_at;
            continue;
        }
        long k = encoded_word(NULL, s + i, n - i);
        if (k < 0) {
            err_set(err, errlen, "malformed encoded-word at offset %zu", i);
            buf_truncate(out, len0);
            return -1;
        }
        /* white space between two encoded-words is dropped */
        if (ws_len && !(k > 0 && last_encoded) && buf_add(out, s + ws_at, ws_len)) goto toobig;
        ws_len = 0;
        if (k > 0) {
            if (encoded_word(out, s + i, n - i) < 0) goto toobig;
            i += (size_t)k;
            last_encoded = 1;
            continue;
        }
        size_t st = i;
        while (i < n && s[i] != ' ' && s[i] != '\t') i++;
        if (buf_add(out, s + st, i - st)) goto toobig;
        last_encoded = 0;
    }
    if (ws_len && buf_add(out, s + ws_at, ws_len)) goto toobig;
    return 0;
toobig:
    err_set(err, errlen, "decoded header larger than %zu bytes", out->max);
    buf_truncate(out, len0);
    return -1;
}

/* ======================================================================= extractor */

#define HDR_VALUE_MAX 1024
#define MAX_DEPTH 4
#define MAX_PARTS 100

struct ex {
    const char *m;
    size_t n;
    struct mime_parts *out;
    int nparts;
    char *err;
    size_t errlen;
};

static size_t line_of(const struct ex *x, size_t off)
{
    size_t line = 1;
    for (const char *p = x->m, *e = x->m + off; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) line++;
    return line;
}

static int exerr(struct ex *x, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int exerr(struct ex *x, size_t off, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(x->err, x->errlen, "line %zu: %s", line_of(x, off), msg);
    return -1;
}

/* the line at `p` (< end): content [p, *ce), next line at *next */
static void line_at(const char *m, size_t p, size_t end, size_t *ce, size_t *next)
{
    const char *nl = memchr(m + p, '\n', end - p);
    size_t e = nl ? (size_t)(nl - m) : end;
    *next = nl ? e + 1 : end;
    if (nl && e > p && m[e - 1] == '\r') e--;
    *ce = e;
}

struct hvals {
    char ctype[HDR_VALUE_MAX], cte[HDR_VALUE_MAX], cdisp[HDR_VALUE_MAX];
    int has_ctype, has_cte, has_cdisp;
};

static int tspecial(unsigned char c)
{
    return c && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}
static int tokch(unsigned char c)
{
    return c > 32 && c < 127 && !tspecial(c);
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t') (*p)++;
}

static int read_token(const char **p, char *out, size_t outlen)
{
    size_t n = 0;
    while (tokch((unsigned char)**p)) {
        if (n + 1 >= outlen) return -1;
        out[n++] = *(*p)++;
    }
    out[n] = 0;
    return n ? 0 : -1;
}

/* "type/sub; a=b; c=\"d\"" (with_sub) or "attachment; filename=x": the (lowercased) type
 * into type, and the value of the parameter `want` into val ("" when absent) */
static int parse_params(const char *s, int with_sub, char *type, size_t tlen, const char *want, char *val, size_t vlen)
{
    const char *p = s;
    char tok[128];
    val[0] = 0;
    int have = 0;
    skip_ws(&p);
    if (read_token(&p, type, tlen)) return -1;
    if (with_sub) {
        size_t l = strlen(type);
        if (*p++ != '/' || read_token(&p, tok, sizeof tok) || l + 1 + strlen(tok) >= tlen) return -1;
        type[l] = '/';
        memcpy(type + l + 1, tok, strlen(tok) + 1);
    }
    for (char *c = type; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    while (1) {
        skip_ws(&p);
        if (!*p) return 0;
        if (*p++ != ';') return -1;
        skip_ws(&p);
        if (!*p) return 0;
        if (read_token(&p, tok, sizeof tok)) return -1;
        skip_ws(&p);
        if (*p++ != '=') return -1;
        skip_ws(&p);
        char v[HDR_VALUE_MAX];
        size_t n = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                if (n + 1 >= sizeof v) return -1;
                v[n++] = *p++;
            }
            if (*p++ != '"') return -1;
            v[n] = 0;
        } else if (read_token(&p, v, sizeof v)) {
            return -1;
        }
        if (strcasecmp(tok, want) == 0) {
            if (have++ || strlen(v) >= vlen) return -1;
            memcpy(val, v, strlen(v) + 1);
        }
    }
}

static int parse_entity(struct ex *x, size_t a, size_t b, int depth);

/* the body [a, b) of a multipart whose headers start at `hdr` */
static int parse_multipart(struct ex *x, size_t hdr, size_t a, size_t b, const char *boundary, int depth)
{
    size_t bl = strlen(boundary), p = a, part_start = 0;
    int in_part = 0, nparts = 0;
    while (p < b) {
        size_t ce, next;
        line_at(x->m, p, b, &ce, &next);
        if (ce - p >= bl + 2 && x->m[p] == '-' && x->m[p + 1] == '-' && memcmp(x->m + p + 2, boundary, bl) == 0) {
            size_t r = p + 2 + bl;
            int close = ce - r >= 2 && x->m[r] == '-' && x->m[r + 1] == '-';
            if (close) r += 2;
            size_t t = r;
            while (t < ce && (x->m[t] == ' ' || x->m[t] == '\t')) t++;
            if (t == ce) { /* a delimiter line */
                if (in_part) {
                    size_t e = p;
                    if (e >= 2 && x->m[e - 2] == '\r' && x->m[e - 1] == '\n') e -= 2;
                    else if (e >= 1 && x->m[e - 1] == '\n') e -= 1;
                    if (e < part_start) e = part_start;
                    if (++x->nparts > MAX_PARTS) return exerr(x, p, "more than %d parts", MAX_PARTS);
                    if (parse_entity(x, part_start, e, depth)) return -1;
                    nparts++;
                }
                if (close) {
                    if (!nparts) return exerr(x, p, "multipart without parts");
                    return 0; /* the epilogue is ignored */
                }
                in_part = 1;
                part_start = next;
            }
        }
        p = next;
    }
    return exerr(x, hdr, "unterminated multipart (no closing '--%.70s--')", boundary);
}

static int store(struct ex *x, size_t off, const char *fname, char **dst, size_t *dlen, const struct hvals *h, size_t a,
                 size_t b)
{
    if (*dst) return exerr(x, off, "two '%s' attachments", fname);
    char cte[64] = "7bit";
    if (h->has_cte) {
        const char *p = h->cte;
        char ig[8];
        if (parse_params(p, 0, cte, sizeof cte, "-", ig, sizeof ig))
            return exerr(x, off, "malformed Content-Transfer-Encoding in '%s'", fname);
    }
    struct buf d;
    buf_init(&d, MIME_PART_MAX);
    char e2[160];
    int rc;
    if (strcmp(cte, "base64") == 0) rc = mime_b64_decode(&d, x->m + a, b - a, e2, sizeof e2);
    else if (strcmp(cte, "quoted-printable") == 0) rc = mime_qp_decode(&d, x->m + a, b - a, e2, sizeof e2);
    else if (strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 || strcmp(cte, "binary") == 0) {
        rc = buf_add(&d, x->m + a, b - a);
        if (rc) snprintf(e2, sizeof e2, "larger than %zu bytes", MIME_PART_MAX);
    } else {
        buf_release(&d);
        return exerr(x, off, "unknown Content-Transfer-Encoding '%s' in '%s'", cte, fname);
    }
    if (rc) {
        buf_release(&d);
        return exerr(x, off, "'%s': %s", fname, e2);
    }
    if (!d.p && buf_add(&d, "", 0)) {
        return exerr(x, off, "out of memory");
    }
    *dst = d.p;
    *dlen = d.len;
    return 0;
}

/* The value buffer for an interesting header of name [n, n + nl) and its seen-count, or NULL. */
static char *header_slot(struct hvals *h, const char *n, size_t nl, int **has)
{
    if (nl == 12 && strncasecmp(n, "Content-Type", 12) == 0) {
        *has = &h->has_ctype;
        return h->ctype;
    }
    if (nl == 25 && strncasecmp(n, "Content-Transfer-Encoding", 25) == 0) {
        *has = &h->has_cte;
        return h->cte;
    }
    if (nl == 19 && strncasecmp(n, "Content-Disposition", 19) == 0) {
        *has = &h->has_cdisp;
        return h->cdisp;
    }
    return NULL;
}

/* The header section of the entity [a, b) into h, unfolded; *body is where the body starts
 * (b when a part ends right after its headers, RFC 2046). 0, or -1 with x->err set. */
static int parse_headers(struct ex *x, size_t a, size_t b, struct hvals *h, size_t *body)
{
    char *cur = NULL; /* the value being unfolded (an interesting header), or NULL */
    int have_prev = 0;
    size_t p = a, hstart = a;
    *body = b;
    while (p < b) {
        size_t ce, next;
        line_at(x->m, p, b, &ce, &next);
        if (ce == p) {
            *body = next;
            break;
        }
        if (p - hstart > 256 * 1024) return exerr(x, p, "header section too large");
        if (x->m[p] == ' ' || x->m[p] == '\t') {
            if (!have_prev) return exerr(x, p, "malformed header (continuation without a header)");
            if (cur) {
                size_t cl = strlen(cur);
                if (cl + (ce - p) >= HDR_VALUE_MAX) return exerr(x, p, "header too long");
                memcpy(cur + cl, x->m + p, ce - p);
                cur[cl + ce - p] = 0;
            }
            p = next;
            continue;
        }
        size_t c = p;
        while (c < ce && x->m[c] > 32 && x->m[c] < 127 && x->m[c] != ':') c++;
        if (c == p || c >= ce || x->m[c] != ':') return exerr(x, p, "malformed header");
        for (size_t i = p; i < ce; i++)
            if (x->m[i] == 0) return exerr(x, p, "NUL byte in a header");
        size_t nl = c - p;
        int *has = NULL;
        cur = header_slot(h, x->m + p, nl, &has);
        if (cur) {
            if ((*has)++) return exerr(x, p, "two '%.*s' headers", (int)nl, x->m + p);
            if (ce - c - 1 >= HDR_VALUE_MAX) return exerr(x, p, "header too long");
            memcpy(cur, x->m + c + 1, ce - c - 1);
            cur[ce - c - 1] = 0;
        }
        have_prev = 1;
        p = next;
    }
    return 0;
}

/* The body [body, b) of the entity starting at a with headers h: a multipart's parts, or a
 * leaf kept when it is notice.txt or notice.txt.minisig. 0, or -1 with x->err set. */
static int parse_body(struct ex *x, size_t a, size_t body, size_t b, const struct hvals *h, int depth)
{
    char type[128] = "text/plain", param[256] = "";
    if (h->has_ctype && parse_params(h->ctype, 1, type, sizeof type, "boundary", param, sizeof param))
        return exerr(x, a, "malformed Content-Type '%.80s'", h->ctype);
    if (strncmp(type, "multipart/", 10) == 0) {
        if (!param[0]) return exerr(x, a, "multipart without a boundary");
        if (strlen(param) > 200) return exerr(x, a, "boundary too long");
        if (depth >= MAX_DEPTH) return exerr(x, a, "multiparts nested deeper than %d", MAX_DEPTH);
        return parse_multipart(x, a, body, b, param, depth + 1);
    }
    /* a leaf: is it one of ours? the filename, else the Content-Type name */
    char fname[256] = "", dtype[64];
    if (h->has_cdisp && parse_params(h->cdisp, 0, dtype, sizeof dtype, "filename", fname, sizeof fname))
        return exerr(x, a, "malformed Content-Disposition '%.80s'", h->cdisp);
    if (!fname[0] && h->has_ctype && parse_params(h->ctype, 1, type, sizeof type, "name", fname, sizeof fname))
        return exerr(x, a, "malformed Content-Type '%.80s'", h->ctype);
    if (strcmp(fname, "notice.txt") == 0)
        return store(x, a, fname, &x->out->notice_txt, &x->out->notice_txt_len, h, body, b);
    if (strcmp(fname, "notice.txt.minisig") == 0)
        return store(x, a, fname, &x->out->minisig, &x->out->minisig_len, h, body, b);
    return 0;
}

static int parse_entity(struct ex *x, size_t a, size_t b, int depth)
{
    struct hvals *h = calloc(1, sizeof *h);
    if (!h) return exerr(x, a, "out of memory");
    size_t body;
    int rc = parse_headers(x, a, b, h, &body);
    if (!rc) rc = parse_body(x, a, body, b, h, depth);
    free(h);
    return rc;
}

void mime_parts_release(struct mime_parts *p)
{
    free(p->notice_txt);
    free(p->minisig);
    memset(p, 0, sizeof *p);
}

int mime_extract_notice(const char *msg, size_t n, struct mime_parts *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n > MIME_MSG_MAX) {
        err_set(err, errlen, "message larger than %zu bytes", MIME_MSG_MAX);
        return -1;
    }
    struct ex x = {msg, n, out, 0, err, errlen};
    size_t start = 0;
    if (n >= 5 && memcmp(msg, "From ", 5) == 0) { /* an mbox "From " line */
        size_t ce;
        line_at(msg, 0, n, &ce, &start);
    }
    if (start >= n) {
        err_set(err, errlen, "empty message");
        return -1;
    }
    if (parse_entity(&x, start, n, 0)) {
        mime_parts_release(out);
        return -1;
    }
    const char *missing = !out->notice_txt ? "notice.txt" : !out->minisig ? "notice.txt.minisig" : NULL;
    if (missing) {
        err_set(err, errlen, "no '%s' attachment", missing);
        mime_parts_release(out);
        return -1;
    }
    return 0;
}
