/* fuzz_mime.c — the MIME writer and reader, without Python: byte 0 picks a mode.
 *   0  quoted-printable encode (text mode) → decode: same bytes (line ends as CRLF), lines
 *      ≤ 76, and no UTF-8 character split by a soft break
 *   1  quoted-printable encode (binary mode) → decode: same bytes
 *   2  RFC 2047 header text: encode → unfold → decode: same text; lines ≤ 78
 *   3  address header: display name round trip (white space collapsed as documented)
 *   4  the .eml attachment extractor on arbitrary bytes
 *   5  build a notice from NUL-separated fields → every line CRLF and ≤ 78 → extract:
 *      the attachments come back byte for byte
 *   6  base64 encode → decode, and decode of arbitrary bytes
 * Modes 0–3 also decode with independent decoders written here (not the module's): a strict
 * RFC 2045 quoted-printable reader (only "=XX" with upper-case hex, soft breaks "=CRLF",
 * printable ASCII, no white space before a line end, no '.' or "From " at a line start) and
 * an RFC 2047 reader (each encoded-word exactly "=?UTF-8?B?…?=", ≤ 75 characters, canonical
 * base64, whole UTF-8 characters; plain words printable ASCII without "=?"; white space
 * between adjacent encoded-words dropped). Both must give back the input as well. */
#include "notify/mime.h"
#include "util/buf.h"
#include "util/memo.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* an empty buffer with the limit mime's callers use */
static struct buf mbuf(void)
{
    struct buf b;
    buf_init(&b, MIME_MSG_MAX);
    return b;
}

static char err[256];

static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
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
        if (n - i < k || s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t j = 2; j < k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF) return 0;
        i += k;
    }
    return 1;
}


/* ---- independent decoders (not src/notify/mime.c) ---- */
static int hx(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1; /* lower case hex is not what RFC 2045 says an encoder writes */
}

/* strict quoted-printable as an RFC 2045 encoder must write it; aborts on anything else */
static unsigned char *my_qp_decode(const char *s, size_t n, size_t *outn)
{
    unsigned char *o = malloc(n + 1);
    size_t k = 0;
    int bol = 1;
    for (size_t i = 0; i < n;) {
        if (bol) {
            if (s[i] == '.') abort();
            if (n - i >= 5 && !memcmp(s + i, "From ", 5)) abort();
            bol = 0;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n') abort();
            o[k++] = '\r';
            o[k++] = '\n';
            i += 2;
            bol = 1;
        } else if (c == '=') {
            if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
                i += 3;
                bol = 1;
                continue;
            }
            if (i + 2 >= n) abort();
            int h = hx((unsigned char)s[i + 1]), l = hx((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) abort();
            o[k++] = (unsigned char)(h * 16 + l);
            i += 3;
        } else if (c == ' ' || c == '\t') {
            if (i + 1 >= n || s[i + 1] == '\r') abort(); /* white space before a line end */
            o[k++] = c;
            i++;
        } else if (c >= 33 && c <= 126) {
            o[k++] = c;
            i++;
        } else {
            abort();
        }
    }
    *outn = k;
    return o;
}

static int b64v(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* canonical padded base64 (no line breaks) → bytes appended to o; aborts when malformed */
static void my_b64(const char *s, size_t n, unsigned char *o, size_t *k)
{
    if (n % 4) abort();
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int j = 0; j < 4; j++) {
            if (s[i + j] == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
                continue;
            }
            if (pad || (v[j] = b64v((unsigned char)s[i + j])) < 0) abort();
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if ((pad == 1 && (x & 0xff)) || (pad == 2 && (x & 0xffff))) abort(); /* not canonical */
        o[(*k)++] = (unsigned char)(x >> 16);
        if (pad < 2) o[(*k)++] = (unsigned char)(x >> 8);
        if (pad < 1) o[(*k)++] = (unsigned char)x;
    }
}

/* an unfolded header value: words separated by single spaces */
static unsigned char *my_2047_decode(const char *s, size_t n, size_t *outn)
{
    unsigned char *o = malloc(n + 1);
    size_t k = 0, i = 0;
    int prev_ew = -1; /* -1: nothing yet, 0: plain word, 1: encoded-word */
    while (i <= n) {
        size_t e = i;
        while (e < n && s[e] != ' ') e++;
        const char *w = s + i;
        size_t wl = e - i;
        if (wl == 0 && i < n) abort(); /* two spaces in a row, or a leading space */
        if (wl >= 12 && !memcmp(w, "=?UTF-8?B?", 10) && !memcmp(w + wl - 2, "?=", 2)) {
            if (wl > 75) abort();
            if (prev_ew == 0) o[k++] = ' '; /* plain word, space, encoded-word: the space is data */
            size_t st = k;
            my_b64(w + 10, wl - 12, o, &k);
            if (!utf8_ok(o + st, k - st) || k == st) abort(); /* whole characters only */
            prev_ew = 1;
        } else {
            if (prev_ew >= 0) o[k++] = ' ';
            for (size_t j = 0; j < wl; j++) {
                if (w[j] < 33 || w[j] > 126) abort();
                if (w[j] == '=' && j + 1 < wl && w[j + 1] == '?') abort();
                o[k++] = (unsigned char)w[j];
            }
            prev_ew = 0;
        }
        if (e >= n) break;
        i = e + 1;
    }
    *outn = k;
    return o;
}

/* all lines end in CRLF (the last may be unterminated) and have at most max characters */
static void check_lines(const char *s, size_t n, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n') abort();
            i++;
            col = 0;
        } else if (s[i] == '\n' || ++col > max) {
            abort();
        }
    }
}

static void qp_roundtrip(const uint8_t *d, size_t n, unsigned mode)
{
    struct buf e = mbuf(), o = mbuf(), want = mbuf();
    if (mime_qp_encode(&e, d, n, mode)) abort();
    const char *ep = e.p ? e.p : "";
    check_lines(ep, e.len, 76);
    if (mime_qp_decode(&o, ep, e.len, err, sizeof err)) abort();
    for (size_t i = 0; i < n; i++) {
        if (mode == MIME_QP_TEXT && d[i] == '\r' && i + 1 < n && d[i + 1] == '\n') continue;
        if (mode == MIME_QP_TEXT && d[i] == '\n') {
            want.len += 2;
            continue;
        }
        want.len++;
    }
    if (o.len != want.len) abort();
    size_t mn = 0;
    unsigned char *mine = my_qp_decode(ep, e.len, &mn);
    if (mn != o.len || (mn && memcmp(mine, o.p, mn))) abort();
    free(mine);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (mode == MIME_QP_TEXT && d[i] == '\r' && i + 1 < n && d[i + 1] == '\n') continue;
        if (mode == MIME_QP_TEXT && d[i] == '\n') {
            if (o.p[k] != '\r' || o.p[k + 1] != '\n') abort();
            k += 2;
            continue;
        }
        if ((uint8_t)o.p[k++] != d[i]) abort();
    }
    /* UTF-8 input: each soft-broken piece decodes to whole characters */
    if (mode == MIME_QP_TEXT && utf8_ok(d, n)) {
        const char *p = ep, *end = ep + e.len;
        while (p < end) {
            const char *sb = memmem(p, (size_t)(end - p), "=\r\n", 3);
            const char *pe = sb ? sb : end;
            struct buf seg = mbuf();
            if (mime_qp_decode(&seg, p, (size_t)(pe - p), err, sizeof err)) abort();
            if (!utf8_ok((const unsigned char *)(seg.p ? seg.p : ""), seg.len)) abort();
            buf_release(&seg);
            p = sb ? sb + 3 : end;
        }
    }
    buf_release(&e);
    buf_release(&o);
}

/* unfold a header field, drop the final CRLF and "Name:" plus one space */
static size_t unfold_value(const char *h, size_t n, const char *name, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '\r' && i + 1 < n && h[i + 1] == '\n') {
            i++;
            continue;
        }
        out[k++] = h[i];
    }
    size_t nl = strlen(name);
    if (k < nl + 1 || memcmp(out, name, nl) != 0 || out[nl] != ':') abort();
    size_t st = nl + 1 + (k > nl + 1 && out[nl + 1] == ' ');
    memmove(out, out + st, k - st);
    return k - st;
}

static void header_roundtrip(const uint8_t *d, size_t n)
{
    if (n > 2000) return;
    char v[2001];
    memcpy(v, d, n);
    v[n] = 0;
    if (strlen(v) != n) return; /* NUL inside: not a C string */
    struct buf h = mbuf(), o = mbuf();
    if (mime_header_text(&h, "Subject", v, err, sizeof err) == 0) {
        check_lines(h.p, h.len, 78);
        char *u = malloc(h.len + 1);
        size_t ul = unfold_value(h.p, h.len, "Subject", u);
        if (mime_header_decode(&o, u, ul, err, sizeof err)) abort();
        if (o.len != n || (n && memcmp(o.p, v, n) != 0)) abort();
        size_t mn = 0;
        unsigned char *mine = my_2047_decode(u, ul, &mn);
        if (mn != n || (n && memcmp(mine, v, n) != 0)) abort();
        free(mine);
        free(u);
    }
    buf_release(&h);
    buf_release(&o);
}

static void address_roundtrip(const uint8_t *d, size_t n)
{
    if (n > 400) return;
    char v[401], want[401];
    memcpy(v, d, n);
    v[n] = 0;
    if (strlen(v) != n) return;
    size_t wn = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ' ' && (wn == 0 || want[wn - 1] == ' ')) continue;
        want[wn++] = v[i];
    }
    if (wn && want[wn - 1] == ' ') wn--;
    want[wn] = 0;
    struct buf h = mbuf(), o = mbuf();
    const char *addr = "person@example.org";
    if (mime_header_address(&h, "To", v, addr, err, sizeof err) == 0) {
        check_lines(h.p, h.len, 78);
        char *u = malloc(h.len + 1);
        size_t ul = unfold_value(h.p, h.len, "To", u);
        u[ul] = 0;
        if (wn == 0) {
            if (strcmp(u, addr) != 0) abort();
        } else {
            const char *tail = " <person@example.org>";
            size_t tl = strlen(tail);
            if (ul < tl || strcmp(u + ul - tl, tail) != 0) abort();
            ul -= tl;
            u[ul] = 0;
            if (u[0] == '"') { /* quoted-string */
                size_t k = 0;
                if (ul < 2 || u[ul - 1] != '"') abort();
                for (size_t i = 1; i + 1 < ul; i++) {
                    if (u[i] == '\\') i++;
                    u[k++] = u[i];
                }
                if (k != wn || memcmp(u, want, wn) != 0) abort();
            } else {
                if (mime_header_decode(&o, u, ul, err, sizeof err)) abort();
                if (o.len != wn || memcmp(o.p, want, wn) != 0) abort();
                size_t mn = 0;
                unsigned char *mine = my_2047_decode(u, ul, &mn);
                if (mn != wn || memcmp(mine, want, wn) != 0) abort();
                free(mine);
            }
        }
        free(u);
    }
    buf_release(&h);
    buf_release(&o);
}

static void extract(const uint8_t *d, size_t n)
{
    struct mime_parts p;
    if (mime_extract_notice((const char *)d, n, &p, err, sizeof err) == 0) {
        if (!p.notice_txt || !p.minisig || p.notice_txt_len > MIME_PART_MAX || p.minisig_len > MIME_PART_MAX) abort();
        mime_parts_release(&p);
    } else if (p.notice_txt || p.minisig || !err[0]) {
        abort();
    }
}

static void build_extract(const uint8_t *d, size_t n)
{
    /* fields: subject, from name, to name, text, html, notice.txt, minisig */
    const char *f[7] = {"", "", "", "", "", "", ""};
    size_t fl[7] = {0};
    char *copy = malloc(n + 1);
    memcpy(copy, d, n);
    copy[n] = 0;
    size_t st = 0;
    int k = 0;
    for (size_t i = 0; i <= n && k < 7; i++) {
        if (i == n || copy[i] == 0) {
            copy[i] = 0;
            f[k] = copy + st;
            fl[k] = i - st;
            k++;
            st = i + 1;
        }
    }
    struct mime_notice m = {
        .from = {f[1], "dpo@example.org"},
        .to = {f[2], "person@example.org"},
        .reply_to = {"Service", "service@example.org"},
        .subject = f[0],
        .date = 1542035000,
        .message_id = "fuzz@example.org",
        .text = f[3],
        .text_len = fl[3],
        .html = f[4],
        .html_len = fl[4],
        .notice_txt = f[5],
        .notice_txt_len = fl[5],
        .minisig = f[6],
        .minisig_len = fl[6],
    };
    struct buf b = mbuf();
    int rc = mime_build_notice(&m, &b, err, sizeof err);
    /* with a memo of encoded paragraphs (kept across inputs, so earlier inputs' units hit):
       the same result, byte for byte, twice */
    static struct memo *mm;
    if (!mm && !(mm = memo_new())) abort();
    for (int round = 0; round < 2; round++) {
        struct buf c = mbuf();
        m.memo = mm;
        if (mime_build_notice(&m, &c, err, sizeof err) != rc || c.len != b.len || (b.len && memcmp(b.p, c.p, b.len)))
            abort();
        buf_release(&c);
    }
    if (rc == 0) {
        check_lines(b.p, b.len, 78);
        struct mime_parts p;
        if (mime_extract_notice(b.p, b.len, &p, err, sizeof err)) abort();
        if (p.notice_txt_len != fl[5] || memcmp(p.notice_txt, f[5], fl[5]) != 0) abort();
        if (p.minisig_len != fl[6] || memcmp(p.minisig, f[6], fl[6]) != 0) abort();
        mime_parts_release(&p);
    }
    buf_release(&b);
    free(copy);
}

static void b64(const uint8_t *d, size_t n)
{
    struct buf e = mbuf(), o = mbuf();
    if (mime_b64_encode(&e, d, n)) abort();
    check_lines(e.p ? e.p : "", e.len, 76);
    if (mime_b64_decode(&o, e.p ? e.p : "", e.len, err, sizeof err)) abort();
    if (o.len != n || (n && memcmp(o.p, d, n) != 0)) abort();
    o.len = 0;
    mime_b64_decode(&o, (const char *)d, n, err, sizeof err); /* arbitrary: must not crash */
    buf_release(&e);
    buf_release(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    switch (data[0] % 7) {
    case 0: qp_roundtrip(d, n, MIME_QP_TEXT); break;
    case 1: qp_roundtrip(d, n, MIME_QP_BINARY); break;
    case 2: header_roundtrip(d, n); break;
    case 3: address_roundtrip(d, n); break;
    case 4: extract(d, n); break;
    case 5: build_extract(d, n); break;
    default: b64(d, n); break;
    }
    return 0;
}
