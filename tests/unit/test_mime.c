/* test_mime.c — quoted-printable, base64, RFC 2047 headers, the notice builder and the
 * attachment extractor; round trips, limits, malformed input, speed.
 *
 * With KLARTEXT_MIME_OUT=DIR it also writes sample messages for the independent check with
 * Python's email package (tests/notify/check_mime.py, run by tests/cli/t5000-mime-python.sh):
 * DIR/N/message.eml and one file per expected value (subject, from_name, to_addr, text,
 * html, notice.txt, notice.txt.minisig, ...). */
#include "check.h"
#include "notify/mime.h"
#include "util/buf.h"
#include "util/memo.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

/* an empty buffer with the limit mime's callers use */
static struct buf mbuf(void)
{
    struct buf b;
    buf_init(&b, MIME_MSG_MAX);
    return b;
}

static char err[256];

static const char *qp(const char *s, unsigned mode)
{
    static struct buf b;
    if (!b.max) buf_init(&b, MIME_MSG_MAX);
    buf_reset(&b);
    if (mime_qp_encode(&b, s, strlen(s), mode)) return NULL;
    return b.p ? b.p : "";
}

/* every line ends in CRLF (except possibly the last), no bare CR or LF, none longer than max */
static int lines_ok(const char *s, size_t n, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n') {
                printf("#   bare CR at %zu\n", i);
                return 0;
            }
            i++;
            col = 0;
            continue;
        }
        if (s[i] == '\n') {
            printf("#   bare LF at %zu\n", i);
            return 0;
        }
        if (++col > max) {
            printf("#   line longer than %zu at %zu: %.80s\n", max, i, s + i - col + 1);
            return 0;
        }
    }
    return 1;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;

/* append for building expectations (a test: the limit is never reached) */
static void app(struct buf *b, const void *s, size_t n)
{
    if (buf_add(b, s, n)) abort();
}
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_qp_encode(void)
{
    CHECK_STR(qp("Hello", 0), "Hello");
    CHECK_STR(qp("a=b", 0), "a=3Db");
    CHECK_STR(qp("M\xc3\xbcller", 0), "M=C3=BCller");
    CHECK_STR(qp("trailing  \nspace\t\nend ", 0), "trailing =20\r\nspace=09\r\nend=20");
    CHECK_STR(qp("a\r\nb\n\nc\r", 0), "a\r\nb\r\n\r\nc=0D");
    CHECK_STR(qp(".dot\n.\nFrom me\nFrom\n", 0), "=2Edot\r\n=2E\r\n=46rom me\r\nFrom\r\n");
    CHECK_STR(qp("a\nb", MIME_QP_BINARY), "a=0Ab");
    CHECK_STR(qp("tab\there", 0), "tab\there");
    CHECK_STR(qp("", 0), "");
    /* exactly 76 characters then a line end: no soft break */
    char l76[100];
    memset(l76, 'x', 76);
    strcpy(l76 + 76, "\n");
    const char *o = qp(l76, 0);
    CHECK(o && strlen(o) == 78 && strstr(o, "=\r\n") == NULL);
    /* 77: a soft break after 75 */
    memset(l76, 'x', 77);
    l76[77] = 0;
    o = qp(l76, 0);
    CHECK(o && strncmp(o + 75, "=\r\nxx", 5) == 0);
    /* a long line of umlauts: soft breaks only between characters (=C3=A4 stays together) */
    char uml[400] = "";
    for (int i = 0; i < 60; i++) strcat(uml, "\xc3\xa4");
    o = qp(uml, 0);
    CHECK(o && lines_ok(o, strlen(o), 76));
    for (const char *p = o; p && (p = strstr(p, "=\r\n")) != NULL; p += 3) CHECK(strncmp(p + 3, "=C3", 3) == 0);
    /* 4-byte characters too */
    char emo[400] = "ab";
    for (int i = 0; i < 30; i++) strcat(emo, "\xf0\x9f\x98\x80");
    o = qp(emo, 0);
    CHECK(o && lines_ok(o, strlen(o), 76));
    for (const char *p = o; p && (p = strstr(p, "=\r\n")) != NULL; p += 3) CHECK(strncmp(p + 3, "=F0", 3) == 0);
    /* a space that lands before a soft break stays literal; one before a hard break is encoded */
    char sp[200];
    memset(sp, 'y', 74);
    strcpy(sp + 74, " z \n");
    o = qp(sp, 0);
    CHECK(o && lines_ok(o, strlen(o), 76) && strstr(o, "z=20\r\n") != NULL);
}

static void test_qp_decode(void)
{
    struct buf b = mbuf();
    CHECK_INT(mime_qp_decode(&b, "a=3Db=\r\nc \t\r\nd=c3=a4\nend=\n", 26, err, sizeof err), 0);
    CHECK_STR(b.p, "a=bc\r\nd\xc3\xa4\r\nend");
    b.len = 0;
    CHECK_INT(mime_qp_decode(&b, "x=G1", 4, err, sizeof err), -1);
    CHECK_STR(err, "line 1: bad quoted-printable escape");
    CHECK_INT(mime_qp_decode(&b, "ok\nx=4\n", 7, err, sizeof err), -1);
    CHECK_STR(err, "line 2: bad quoted-printable escape");
    CHECK_INT(mime_qp_decode(&b, "a\x01", 2, err, sizeof err), -1);
    CHECK_INT(mime_qp_decode(&b, "\xc3\xa4", 2, err, sizeof err), -1);
    CHECK(strstr(err, "0xC3") != NULL);
    CHECK_INT(b.len, 0);
    /* the size limit */
    struct buf s;
    buf_init(&s, 4);
    CHECK_INT(mime_qp_decode(&s, "abcd", 4, err, sizeof err), 0);
    CHECK_INT(mime_qp_decode(&s, "e", 1, err, sizeof err), -1);
    CHECK_INT(s.len, 4);
    buf_release(&s);
    buf_release(&b);
}

static void test_qp_roundtrip(void)
{
    struct buf e = mbuf(), d = mbuf(), want = mbuf();
    static const char alphabet[] = "ab =.\t\r\nF\xc3\xa4\xf0\x9f\x98\x80\xff";
    char in[600];
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rnd() % sizeof in;
        for (size_t i = 0; i < n; i++) in[i] = iter % 3 ? alphabet[rnd() % (sizeof alphabet - 1)] : (char)rnd();
        unsigned mode = iter % 2 ? MIME_QP_TEXT : MIME_QP_BINARY;
        e.len = d.len = want.len = 0;
        CHECK_INT(mime_qp_encode(&e, in, n, mode), 0);
        if (!lines_ok(e.p ? e.p : "", e.len, 76)) {
            CHECK(0);
            break;
        }
        CHECK_INT(mime_qp_decode(&d, e.p ? e.p : "", e.len, err, sizeof err), 0);
        /* text mode: LF and CRLF come back as CRLF */
        for (size_t i = 0; i < n; i++) {
            if (mode == MIME_QP_TEXT && in[i] == '\r' && i + 1 < n && in[i + 1] == '\n') continue;
            if (mode == MIME_QP_TEXT && in[i] == '\n') app(&want, "\r\n", 2);
            else app(&want, in + i, 1);
        }
        if (d.len != want.len || (d.len && memcmp(d.p, want.p, d.len) != 0)) {
            CHECK(0);
            printf("#   round trip failed, iteration %d, mode %u, n %zu\n", iter, mode, n);
            break;
        }
    }
    buf_release(&e);
    buf_release(&d);
    buf_release(&want);
}

static void test_base64(void)
{
    static const char *const v[][2] = {{"", ""},
                                       {"f", "Zg==\r\n"},
                                       {"fo", "Zm8=\r\n"},
                                       {"foo", "Zm9v\r\n"},
                                       {"foob", "Zm9vYg==\r\n"},
                                       {"fooba", "Zm9vYmE=\r\n"},
                                       {"foobar", "Zm9vYmFy\r\n"}};
    struct buf b = mbuf(), d = mbuf();
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        b.len = d.len = 0;
        CHECK_INT(mime_b64_encode(&b, v[i][0], strlen(v[i][0])), 0);
        CHECK_STR(b.p ? b.p : "", v[i][1]);
        CHECK_INT(mime_b64_decode(&d, b.p ? b.p : "", b.len, err, sizeof err), 0);
        CHECK_INT(d.len, strlen(v[i][0]));
    }
    unsigned char bin[1000];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)rnd();
    b.len = d.len = 0;
    CHECK_INT(mime_b64_encode(&b, bin, sizeof bin), 0);
    CHECK(lines_ok(b.p, b.len, 76));
    CHECK(b.len > 78 && b.p[76] == '\r' && b.p[77] == '\n');
    CHECK_INT(mime_b64_decode(&d, b.p, b.len, err, sizeof err), 0);
    CHECK(d.len == sizeof bin && memcmp(d.p, bin, sizeof bin) == 0);
    static const char *const bad[] = {
        "Zg=", "Zg", "Z===", "Zm9v=", "Zg==Zg==", "Zm 9v", "Zh==", "Zm9=", "Zm9v\x80", "=Zg="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d.len = 0;
        if (mime_b64_decode(&d, bad[i], strlen(bad[i]), err, sizeof err) != -1) {
            CHECK(0);
            printf("#   accepted bad base64 '%s'\n", bad[i]);
        }
    }
    CHECK(strncmp(err, "bad base64: ", 12) == 0);
    d.len = 0;
    CHECK_INT(mime_b64_decode(&d, "Zm9v\nYmFy\r\n", 11, err, sizeof err), 0);
    CHECK_STR(d.p, "foobar");
    buf_release(&b);
    buf_release(&d);
}

/* unfold a header, strip "Name: ", decode encoded-words */
static char *header_value(const char *h, size_t n)
{
    static char out[4096];
    char unf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof unf - 1; i++) {
        if (h[i] == '\r' && i + 2 < n && h[i + 1] == '\n' && (h[i + 2] == ' ' || h[i + 2] == '\t')) {
            i++;
            continue;
        }
        if (h[i] == '\r' && i + 1 < n && h[i + 1] == '\n' && i + 2 == n) break;
        unf[k++] = h[i];
    }
    unf[k] = 0;
    const char *colon = strchr(unf, ':');
    if (!colon) return NULL;
    const char *v = colon + 1;
    if (*v == ' ') v++;
    struct buf d = mbuf();
    if (mime_header_decode(&d, v, strlen(v), err, sizeof err)) return NULL;
    snprintf(out, sizeof out, "%s", d.p ? d.p : "");
    buf_release(&d);
    return out;
}

static void check_header_text(const char *name, const char *value, int expect_encoded)
{
    struct buf b = mbuf();
    CHECK_INT(mime_header_text(&b, name, value, err, sizeof err), 0);
    if (!b.p) return;
    CHECK(lines_ok(b.p, b.len, 78));
    CHECK(b.len >= 2 && b.p[b.len - 2] == '\r' && b.p[b.len - 1] == '\n');
    CHECK_INT(strstr(b.p, "=?UTF-8?B?") != NULL, expect_encoded);
    for (const char *w = b.p; (w = strstr(w, "=?UTF-8?B?")) != NULL; w++)
        CHECK(strstr(w, "?=") && strstr(w, "?=") - w + 2 <= 75);
    CHECK_STR(header_value(b.p, b.len), value);
    buf_release(&b);
}

static void test_header_text(void)
{
    struct buf b = mbuf();
    CHECK_INT(mime_header_text(&b, "Subject", "Hello world", err, sizeof err), 0);
    CHECK_STR(b.p, "Subject: Hello world\r\n");
    b.len = 0;
    CHECK_INT(mime_header_text(&b, "Subject", "", err, sizeof err), 0);
    CHECK_STR(b.p, "Subject:\r\n");
    b.len = 0;
    CHECK_INT(mime_header_text(&b, "Subject", "F\xc3\xbcr Sie", err, sizeof err), 0);
    CHECK_STR(b.p, "Subject: =?UTF-8?B?RsO8ciBTaWU=?=\r\n");
    check_header_text("Subject", "Hello world", 0);
    check_header_text("Subject",
                      "Important information about your personal data at Example Shop: "
                      "what happened, what it means for you and what you can do now",
                      0);
    check_header_text("Subject",
                      "Wichtig: Ihre Daten waren f\xc3\xbcr andere sichtbar \xe2\x80\x93 "
                      "Vorfall 2018-11 bei M\xc3\xbcller & S\xc3\xb6hne GmbH (Beschwerde m\xc3\xb6glich)",
                      1);
    check_header_text("Subject",
                      "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
                      "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
                      "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac",
                      1);
    check_header_text("Subject", "looks like =?UTF-8?B?eA==?= an encoded word", 1);
    check_header_text("Subject", " leading space", 1);
    check_header_text("Subject", "two  spaces", 1);
    check_header_text("Subject", "tab\there", 1);
    char longword[200];
    memset(longword, 'w', 150);
    longword[150] = 0;
    check_header_text("Subject", longword, 1);
    check_header_text("X-A-Rather-Long-Header-Name-That-Leaves-Little-Room-For-Text",
                      "\xc3\xa4\xc3\xb6\xc3\xbc \xc3\xa4\xc3\xb6\xc3\xbc \xc3\xa4\xc3\xb6\xc3\xbc", 1);
    check_header_text("X-A-Rather-Long-Header-Name-That-Leaves-Little-Room-For-Text", "plain words here", 0);
    b.len = 0;
    CHECK_INT(mime_header_text(&b, "Subject", "a\r\nBcc: evil@example.org", err, sizeof err), -1);
    CHECK_STR(err, "header 'Subject' contains a control character");
    CHECK_INT(mime_header_text(&b, "Subject", "bad \xc3", err, sizeof err), -1);
    CHECK_STR(err, "header 'Subject' contains invalid UTF-8");
    CHECK_INT(mime_header_text(&b, "Bad Name", "x", err, sizeof err), -1);
    CHECK_INT(mime_header_text(&b, "Bad:Name", "x", err, sizeof err), -1);
    CHECK_STR(err, "bad header name 'Bad:Name'");
    CHECK_INT(b.len, 0);
    buf_release(&b);
}

static const char *addr_hdr(const char *name, const char *addr)
{
    static struct buf b;
    if (!b.max) buf_init(&b, MIME_MSG_MAX);
    buf_reset(&b);
    if (mime_header_address(&b, "To", name, addr, err, sizeof err)) return err;
    return b.p;
}

static void test_header_address(void)
{
    CHECK_STR(addr_hdr("Anna Schmidt", "anna@example.org"), "To: Anna Schmidt <anna@example.org>\r\n");
    CHECK_STR(addr_hdr(NULL, "anna@example.org"), "To: anna@example.org\r\n");
    CHECK_STR(addr_hdr("", "anna@example.org"), "To: anna@example.org\r\n");
    CHECK_STR(addr_hdr("Doe, John \"JD\" \\", "j@example.org"),
              "To: \"Doe, John \\\"JD\\\" \\\\\" <j@example.org>\r\n");
    CHECK_STR(addr_hdr("John Q. Public", "j@example.org"), "To: \"John Q. Public\" <j@example.org>\r\n");
    CHECK_STR(addr_hdr("J\xc3\xbcrgen", "j@example.org"), "To: =?UTF-8?B?SsO8cmdlbg==?= <j@example.org>\r\n");
    CHECK_STR(addr_hdr("x", "no-at-sign"), "bad address in 'To': 'no-at-sign'");
    CHECK_STR(addr_hdr("x", "a@b@c"), "bad address in 'To': 'a@b@c'");
    CHECK_STR(addr_hdr("x", "a b@c"), "bad address in 'To': 'a b@c'");
    CHECK_STR(addr_hdr("x", "<a@c>"), "bad address in 'To': '<a@c>'");
    CHECK_STR(addr_hdr("x", "a@c\r\nBcc: e@f"), "bad address in 'To': 'a@c\r\nBcc: e@f'");
    CHECK_STR(addr_hdr("x", "j\xc3\xbc@example.org"), "bad address in 'To': 'j\xc3\xbc@example.org'");
    CHECK_STR(addr_hdr("a\nb", "a@example.org"), "display name in 'To' contains a control character");
    /* white space in a phrase is one space */
    CHECK_STR(addr_hdr("  Anna   Schmidt ", "a@example.org"), "To: Anna Schmidt <a@example.org>\r\n");
    CHECK_STR(addr_hdr("   ", "a@example.org"), "To: a@example.org\r\n");
    /* atoms stay plain, runs of other words become one encoded-word each */
    CHECK_STR(addr_hdr("Datenschutz M\xc3\xbcller & S\xc3\xb6hne GmbH", "d@example.org"),
              "To: Datenschutz =?UTF-8?B?TcO8bGxlcg==?= & =?UTF-8?B?U8O2aG5l?= GmbH\r\n <d@example.org>\r\n");
    CHECK_STR(addr_hdr("M\xc3\xbcller, Hans", "d@example.org"),
              "To: =?UTF-8?B?TcO8bGxlciw=?= Hans <d@example.org>\r\n");
    /* a word that looks like an encoded-word is encoded itself (found by fuzz_mime) */
    CHECK_STR(addr_hdr("=?UTF-8?B?eA==?=", "d@example.org"),
              "To: =?UTF-8?B?PT9VVEYtOD9CP2VBPT0/PQ==?= <d@example.org>\r\n");
    CHECK_STR(addr_hdr("a, =?x?q?y?=", "d@example.org"), "To: =?UTF-8?B?YSwgPT94P3E/eT89?= <d@example.org>\r\n");
    char longname[MIME_DISPLAY_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK_STR(addr_hdr(longname, "d@example.org"), "display name in 'To' longer than 256 bytes");
    longname[MIME_DISPLAY_MAX] = 0;
    const char *lh = addr_hdr(longname, "d@example.org"); /* one 256-byte atom: encoded */
    CHECK(lines_ok(lh, strlen(lh), 78));
    longname[MIME_DISPLAY_MAX] = 'a';
    /* long names fold; every line ≤ 78; the decoded display name is intact */
    const char *names[] = {
        "Hans-J\xc3\xbcrgen M\xc3\xbcller-L\xc3\xbc"
        "denscheidt von \xc3\x9c"
        "berlingen-Gro\xc3\x9f"
        "krotzenburg zu \xc3\x84hrenfeld-\xc3\x96stringen",
        "A very long plain ASCII display name that certainly does not fit on one header line",
        "A very long ASCII display name, with a comma, that certainly does not fit on one line",
        /* a run of non-ASCII words longer than one encoded-word: split after a space */
        "\xce\x97\xce\xbb\xce\xaf\xce\xb1\xcf\x82 \xce\xa0\xce\xb1\xcf\x80\xce\xb1\xce\xb4\xcf\x8c"
        "\xcf\x80\xce\xbf\xcf\x85\xce\xbb\xce\xbf\xcf\x82-\xce\x9a\xcf\x89\xce\xbd\xcf\x83\xcf\x84"
        "\xce\xb1\xce\xbd\xcf\x84\xce\xb9\xce\xbd\xce\xaf\xce\xb4\xce\xb7\xcf\x82 \xce\x91\xce\xbb"
        "\xce\xb5\xce\xbe\xce\xb1\xce\xbd\xce\xb4\xcf\x81\xce\xbf\xcf\x8d\xcf\x80\xce\xbf\xce\xbb\xce\xb7",
    };
    for (size_t i = 0; i < 4; i++) {
        const char *h = addr_hdr(names[i], "hj.mueller@example.de");
        CHECK(lines_ok(h, strlen(h), 78));
        char *v = header_value(h, strlen(h));
        char want[400];
        snprintf(want, sizeof want, "%s <hj.mueller@example.de>", names[i]);
        CHECK_STR(v, want);
    }
}

static void test_date(void)
{
    char d[MIME_DATE_LEN];
    mime_date(0, d);
    CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
    mime_date(1542035000, d);
    CHECK_STR(d, "Mon, 12 Nov 2018 15:03:20 +0000");
    mime_date(951782400, d); /* 2000-02-29 */
    CHECK_STR(d, "Tue, 29 Feb 2000 00:00:00 +0000");
    mime_date(-1, d);
    CHECK_STR(d, "Wed, 31 Dec 1969 23:59:59 +0000");
}

/* ------------------------------------------------------------------ notices */

static const char *sample_text =
    "Sehr geehrter Herr M\xc3\xbcller,\n\n"
    "wir m\xc3\xbcssen Ihnen mitteilen, dass Ihre Daten (Name, E-Mail-Adresse) zwischen dem 12. November 2018 "
    "und dem 21. November 2018 f\xc3\xbcr andere Kundinnen und Kunden sichtbar waren.   \n"
    ".Eine Zeile, die mit einem Punkt beginnt.\n"
    "From here on: a line starting with From.\n"
    "Gleichungen: a=b, 1+1=2; \xe2\x80\x9e"
    "Anf\xc3\xbchrungszeichen\xe2\x80\x9c und \xe2\x82\xac-Zeichen\t\n"
    "Ihr Code: K7QM-2XH4-PL9D-3F\n";
static const char *sample_html =
    "<!DOCTYPE html>\n<html lang=\"de\"><body><p>Sehr geehrter Herr M\xc3\xbcller,</p>\n"
    "<p style=\"font-family: sans-serif; margin: 0 0 1em 0\">wir m\xc3\xbcssen Ihnen mitteilen, dass Ihre "
    "Daten f\xc3\xbcr andere sichtbar waren &amp; das tut uns leid.</p></body></html>\n";
static const char *sample_notice =
    "Hinweis nach Art. 34 DSGVO\n\nEmpf\xc3\xa4nger: Hans-J\xc3\xbcrgen M\xc3\xbcller  \n"
    "Zeitraum: 12.11.2018 15:03 MEZ \xe2\x80\x93 21.11.2018 10:12 MEZ\n\n"
    "Diese Zeile endet mit Leerzeichen   \n\tund diese beginnt mit einem Tab.\n";
static const char *sample_sig =
    "untrusted comment: signature from minisign secret key\n"
    "RUQf6LRCGA9i59SLOFxz6NxvASXDJeRtuZykwQepbDEGt87ig1BNpWaVWuNrm73YiIiJbq71Wi+dP9eKL8OC351vwIasSSbXxwA=\n"
    "trusted comment: timestamp:1542035000\tfile:notice.txt\n"
    "E7xw7tWjJvgBSOpW1lH1L0Cgb5q4QRI/0mCPSXNT4b8G6kbhGTKLaQCK4gU6Rfr2BXXbhvzc9CqYkm7FqvGbDw==\n";

static struct mime_notice sample(void)
{
    struct mime_notice m = {
        .from = {"Datenschutz M\xc3\xbcller & S\xc3\xb6hne GmbH", "datenschutz@mueller.example"},
        .reply_to = {"Kundenservice", "service@mueller.example"},
        .to = {"Hans-J\xc3\xbcrgen M\xc3\xbcller-L\xc3\xbc"
               "denscheidt von \xc3\x9c"
               "berlingen-Gro\xc3\x9f"
               "krotzenburg",
               "hj.mueller@example.de"},
        .subject = "Wichtig: Ihre Daten waren f\xc3\xbcr andere sichtbar \xe2\x80\x93 Vorfall 2018-11 "
                   "bei M\xc3\xbcller & S\xc3\xb6hne GmbH (Beschwerde m\xc3\xb6glich)",
        .date = 1542035000,
        .message_id = "<n-2018-11-0001.K7QM2XH4@notices.mueller.example>",
        .text = sample_text,
        .text_len = strlen(sample_text),
        .html = sample_html,
        .html_len = strlen(sample_html),
        .notice_txt = sample_notice,
        .notice_txt_len = strlen(sample_notice),
        .minisig = sample_sig,
        .minisig_len = strlen(sample_sig),
    };
    return m;
}


/* The same message with a memo of encoded paragraphs (util/memo.h) as without one, for texts
 * made of paragraphs that repeat (hits), change (misses), CRLF and LF line ends, "From " and
 * '.' at line starts, trailing spaces, long HTML lines and 8-bit characters. */
static void test_build_memo(void)
{
    static const char *const pieces[] = {
        "Sehr geehrte Frau M\xc3\xbcller,\n",
        "\n",
        "\n\n",
        "From here on.\n",
        ".\n",
        "a line with a trailing space \n",
        "Ihre Daten waren f\xc3\xbcr andere sichtbar; wir haben den Fehler behoben und alles gepr\xc3\xbc"
        "ft.\n",
        "<p style=\"margin:0\">Ein langer HTML-Absatz, der weit \xc3\xbc"
        "ber sechsundsiebzig Zeichen hinausgeht und "
        "deshalb weich umbrochen werden muss = mit Gleichheitszeichen und Tabs\there.</p>\n",
        "- Welche Daten: Ihr Name und Ihre E-Mail-Adresse.\r\n",
        "x",
        " \t",
        "\xe2\x80\x93 Gedankenstrich\n",
    };
    struct memo *mm = memo_new();
    CHECK(mm != NULL);
    char text[8192], html[8192];
    for (int round = 0; round < 300 && mm; round++) {
        size_t tl = 0, hl = 0;
        int np = 1 + (int)(rnd() % 40);
        for (int k = 0; k < np; k++) {
            const char *pc = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(pc);
            if (tl + pl < sizeof text) {
                memcpy(text + tl, pc, pl);
                tl += pl;
            }
            pc = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
            pl = strlen(pc);
            if (hl + pl < sizeof html) {
                memcpy(html + hl, pc, pl);
                hl += pl;
            }
        }
        struct mime_notice m = sample();
        m.text = text;
        m.text_len = tl;
        m.html = html;
        m.html_len = hl;
        m.notice_txt = text;
        m.notice_txt_len = tl;
        struct buf a = mbuf(), b = mbuf();
        int ra = mime_build_notice(&m, &a, err, sizeof err);
        m.memo = mm;
        int rb = mime_build_notice(&m, &b, err, sizeof err);
        CHECK_INT(rb, ra);
        CHECK(a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0));
        buf_release(&a);
        buf_release(&b);
    }
    uint64_t lookups, hits;
    if (mm) {
        memo_stats(mm, &lookups, &hits);
        CHECK(lookups > 100 && hits > 10); /* the test went through the memo */
    }
    memo_free(mm);
}

static void test_build(void)
{
    struct mime_notice m = sample();
    struct buf a = mbuf(), b = mbuf();
    CHECK_INT(mime_build_notice(&m, &a, err, sizeof err), 0);
    if (!a.p) {
        printf("#   %s\n", err);
        return;
    }
    CHECK(lines_ok(a.p, a.len, 78));
    CHECK(strncmp(a.p,
                  "From: Datenschutz =?UTF-8?B?TcO8bGxlcg==?= & =?UTF-8?B?U8O2aG5l?= GmbH\r\n"
                  " <datenschutz@mueller.example>\r\n",
                  94) == 0);
    CHECK(strstr(a.p, "\r\nReply-To: Kundenservice <service@mueller.example>\r\n") != NULL);
    CHECK(strstr(a.p, "\r\nDate: Mon, 12 Nov 2018 15:03:20 +0000\r\n") != NULL);
    CHECK(strstr(a.p, "\r\nMessage-ID: <n-2018-11-0001.K7QM2XH4@notices.mueller.example>\r\n") != NULL);
    CHECK(strstr(a.p, "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=\"=_kt_m_") != NULL);
    CHECK(strstr(a.p, "Content-Type: text/plain; charset=UTF-8; name=\"notice.txt\"\r\n"
                      "Content-Disposition: attachment; filename=\"notice.txt\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n") != NULL);
    CHECK(strstr(a.p, "Content-Type: application/octet-stream; name=\"notice.txt.minisig\"\r\n") != NULL);
    CHECK(strstr(a.p, "=2EEine Zeile") != NULL && strstr(a.p, "=46rom here") != NULL);
    /* the header order */
    const char *order[] = {
        "From:", "\nReply-To:", "\nTo:", "\nSubject:", "\nDate:", "\nMessage-ID:", "\nMIME-Version:"};
    const char *prev = a.p;
    for (size_t i = 0; i < 7; i++) {
        const char *p = strstr(prev, order[i]);
        CHECK(p != NULL && (i > 0 || p == a.p));
        if (p) prev = p;
    }
    /* deterministic; another Message-ID gives other boundaries */
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
    m.message_id = "other@notices.mueller.example";
    b.len = 0;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    const char *ba = strstr(a.p, "boundary=\""), *bb = strstr(b.p, "boundary=\"");
    CHECK(ba && bb && strncmp(ba, bb, 40) != 0);
    /* the extractor gets back exactly the signed bytes, from CRLF and from LF input */
    struct mime_parts parts;
    CHECK_INT(mime_extract_notice(a.p, a.len, &parts, err, sizeof err), 0);
    CHECK(parts.notice_txt && parts.notice_txt_len == strlen(sample_notice) &&
          memcmp(parts.notice_txt, sample_notice, parts.notice_txt_len) == 0);
    CHECK(parts.minisig && strcmp(parts.minisig, sample_sig) == 0);
    mime_parts_release(&parts);
    char *lf = malloc(a.len + 1);
    size_t k = 0;
    for (size_t i = 0; i < a.len; i++)
        if (a.p[i] != '\r') lf[k++] = a.p[i];
    CHECK_INT(mime_extract_notice(lf, k, &parts, err, sizeof err), 0);
    CHECK(parts.notice_txt && strcmp(parts.notice_txt, sample_notice) == 0);
    mime_parts_release(&parts);
    free(lf);
    buf_release(&a);
    buf_release(&b);
}

static void test_build_variants(void)
{
    struct mime_notice m = sample();
    struct buf b = mbuf();
    struct mime_parts parts;
    /* text only */
    m.html = NULL;
    m.notice_txt = m.minisig = NULL;
    m.reply_to.addr = NULL;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK(b.p && strstr(b.p, "Reply-To") == NULL && strstr(b.p, "multipart") == NULL);
    CHECK(b.p && strstr(b.p, "\r\nContent-Type: text/plain; charset=UTF-8\r\n") != NULL);
    CHECK(b.len > 4 && memcmp(b.p + b.len - 4, "3F\r\n", 4) == 0); /* "…3F\n" → "…3F\r\n" */
    CHECK_INT(mime_extract_notice(b.p, b.len, &parts, err, sizeof err), -1);
    CHECK_STR(err, "no 'notice.txt' attachment");
    m.text = "no final line break";
    m.text_len = strlen(m.text);
    b.len = 0;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK(b.len > 22 && strcmp(b.p + b.len - 22, "no final line break=\r\n") == 0);
    /* text + html, no attachments */
    m = sample();
    m.notice_txt = m.minisig = NULL;
    b.len = 0;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK(b.p && strstr(b.p, "Content-Type: multipart/alternative;\r\n boundary=\"=_kt_a_") != NULL &&
          strstr(b.p, "multipart/mixed") == NULL);
    /* text + attachments, empty notice */
    m = sample();
    m.html = NULL;
    m.notice_txt = "";
    m.notice_txt_len = 0;
    b.len = 0;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK_INT(mime_extract_notice(b.p, b.len, &parts, err, sizeof err), 0);
    CHECK(parts.notice_txt && parts.notice_txt_len == 0 && parts.minisig);
    mime_parts_release(&parts);
    /* extra headers */
    m = sample();
    struct mime_header x[] = {{"List-Id", "Datenschutzhinweise <notices.mueller.example>"}, {"X-Mailer", "klartext"}};
    m.extra = x;
    m.n_extra = 2;
    b.len = 0;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), 0);
    CHECK(b.p && strstr(b.p, "\r\nMIME-Version: 1.0\r\nList-Id: Datenschutzhinweise "
                             "<notices.mueller.example>\r\nX-Mailer: klartext\r\n") != NULL);
    struct mime_header bad[] = {{"content-type", "text/evil"}};
    m.extra = bad;
    m.n_extra = 1;
    size_t before = b.len;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), -1);
    CHECK_STR(err, "extra header 'content-type' is written by the message itself");
    CHECK_INT(b.len, before);
    /* bad input */
    m = sample();
    m.message_id = "no-at-sign";
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), -1);
    CHECK_STR(err, "bad Message-ID 'no-at-sign'");
    m = sample();
    m.to.addr = "bad address";
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), -1);
    CHECK_STR(err, "bad address in 'To': 'bad address'");
    m = sample();
    m.subject = "line\nbreak";
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), -1);
    m = sample();
    m.text = "\xff";
    m.text_len = 1;
    CHECK_INT(mime_build_notice(&m, &b, err, sizeof err), -1);
    CHECK_STR(err, "text body is not valid UTF-8");
    CHECK_INT(b.len, before);
    /* the size limit */
    struct buf small;
    buf_init(&small, 2000);
    m = sample();
    CHECK_INT(mime_build_notice(&m, &small, err, sizeof err), -1);
    CHECK_STR(err, "message larger than 2000 bytes");
    CHECK_INT(small.len, 0);
    buf_release(&small);
    buf_release(&b);
}

static char *build_sample(size_t *n)
{
    struct mime_notice m = sample();
    struct buf b = mbuf();
    if (mime_build_notice(&m, &b, err, sizeof err)) return NULL;
    *n = b.len;
    return b.p;
}

/* replace the first occurrence of `from` by `to` in a copy of msg */
static char *edit(const char *msg, size_t n, const char *from, const char *to, size_t *outn)
{
    const char *p = memmem(msg, n, from, strlen(from));
    if (!p) return NULL;
    size_t fl = strlen(from), tl = strlen(to), pre = (size_t)(p - msg);
    char *o = malloc(n - fl + tl + 1);
    memcpy(o, msg, pre);
    memcpy(o + pre, to, tl);
    memcpy(o + pre + tl, p + fl, n - pre - fl);
    *outn = n - fl + tl;
    o[*outn] = 0;
    return o;
}

static void expect_extract_error(const char *msg, size_t n, const char *want)
{
    struct mime_parts parts;
    err[0] = 0;
    if (!msg) {
        CHECK(0);
        printf("#   (edit failed for '%s')\n", want);
        return;
    }
    int rc = mime_extract_notice(msg, n, &parts, err, sizeof err);
    CHECK_INT(rc, -1);
    if (!strstr(err, want)) {
        CHECK(0);
        printf("#   err '%s', want '%s'\n", err, want);
    }
    CHECK(parts.notice_txt == NULL && parts.minisig == NULL);
}

static void test_extract_errors(void)
{
    size_t n, en;
    char *msg = build_sample(&n), *e;
    CHECK(msg != NULL);
    if (!msg) return;
    /* cut before the closing delimiter */
    expect_extract_error(msg, n - 30, "unterminated multipart");
    e = edit(msg, n, "Content-Transfer-Encoding: base64\r\n\r\n", "Content-Transfer-Encoding: base64\r\n\r\n!", &en);
    expect_extract_error(e, en, "'notice.txt': bad base64: character outside the alphabet");
    free(e);
    e = edit(msg, n, "filename=\"notice.txt.minisig\"", "filename=\"notice.txt\"", &en);
    expect_extract_error(e, en, "two 'notice.txt' attachments");
    free(e);
    e = edit(msg, n, "filename=\"notice.txt.minisig\"", "filename=\"other.sig\"", &en);
    /* the Content-Type name still says notice.txt.minisig: the filename wins */
    expect_extract_error(e, en, "no 'notice.txt.minisig' attachment");
    free(e);
    e = edit(msg, n, "MIME-Version: 1.0\r\n", "MIME-Version 1.0\r\n", &en);
    if (e) {
        size_t line = 1;
        for (const char *q = e; q < strstr(e, "MIME-Version 1.0"); q++) line += *q == '\n';
        char want[64];
        snprintf(want, sizeof want, "line %zu: malformed header", line);
        expect_extract_error(e, en, want);
    }
    free(e);
    e = edit(msg, n, "boundary=\"=_kt_m_", "charset=\"=_kt_m_", &en);
    expect_extract_error(e, en, "multipart without a boundary");
    free(e);
    e = edit(msg, n, "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: x-uuencode", &en);
    expect_extract_error(e, en, "unknown Content-Transfer-Encoding 'x-uuencode'");
    free(e);
    e = edit(msg, n, "multipart/mixed;", "multipart/mixed; ;; =", &en);
    expect_extract_error(e, en, "malformed Content-Type");
    free(e);
    e = edit(msg, n, "Content-Type: text/plain; charset=UTF-8; name=\"notice.txt\"\r\n",
             "Content-Type: text/plain; charset=UTF-8; name=\"notice.txt\"\r\nContent-Type: text/plain\r\n", &en);
    expect_extract_error(e, en, "two 'Content-Type' headers");
    free(e);
    expect_extract_error("", 0, "empty message");
#define EXPECT_ERR(s, want) expect_extract_error(s, strlen(s), want)
    EXPECT_ERR("Subject: x\r\n", "no 'notice.txt' attachment");
    EXPECT_ERR(" folded\r\n\r\n", "line 1: malformed header (continuation");
    EXPECT_ERR("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--b--\r\n", "no 'notice.txt' attachment");
    EXPECT_ERR("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n", "multipart without parts");
    EXPECT_ERR("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--c--\r\n",
               "line 1: unterminated multipart (no closing '--b--')");
    EXPECT_ERR("Content-Type: multipart/mixed; boundary=\"b\r\n\r\n", "malformed Content-Type");
    EXPECT_ERR("Content-Type: text/plain\r\nContent-Disposition: attachment; filename=notice.txt\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n\r\nbad=zz\r\n",
               "line 1: 'notice.txt': line 1: bad quoted-printable escape");
    /* nesting */
    char deep[2000] = "";
    for (int i = 0; i < 6; i++) {
        char tmp[100];
        snprintf(tmp, sizeof tmp, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i);
        strcat(deep, tmp);
    }
    strcat(deep, "\r\nleaf\r\n");
    for (int i = 5; i >= 0; i--) {
        char tmp[100];
        snprintf(tmp, sizeof tmp, "--b%d--\r\n", i);
        strcat(deep, tmp);
    }
    expect_extract_error(deep, strlen(deep), "nested deeper than 4");
    char *big = calloc(1, MIME_MSG_MAX + 1);
    expect_extract_error(big, MIME_MSG_MAX + 1, "message larger than");
    free(big);
    /* a quoted-printable notice.txt (re-encoded by some relay) decodes with CRLF line ends */
    const char *qpmsg =
        "From x\r\nContent-Type: multipart/mixed; boundary=\"xx\"\r\n\r\npreamble\r\n--xx\r\n"
        "Content-Type: text/plain; name=notice.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "M=C3=BCller=\r\n ok\r\nline2\r\n--xx\r\nContent-Disposition: attachment;\r\n filename=\"notice.txt.minisig\"\r\n"
        "\r\nsig\r\n--xx--\r\nepilogue\r\n";
    struct mime_parts p;
    CHECK_INT(mime_extract_notice(qpmsg, strlen(qpmsg), &p, err, sizeof err), 0);
    CHECK_STR(p.notice_txt, "M\xc3\xbcller ok\r\nline2");
    CHECK_STR(p.minisig, "sig");
    mime_parts_release(&p);
    free(msg);
}

static void test_speed(void)
{
    /* a notice-sized message: ~6 KB text, ~12 KB HTML, ~3 KB signed text */
    struct buf text = mbuf(), html = mbuf(), note = mbuf(), out = mbuf();
    const char *l = "Ihre Daten (Name, E-Mail-Adresse) waren f\xc3\xbcr andere Kundinnen sichtbar, 12.11.2018.\n";
    for (int i = 0; i < 70; i++) app(&text, l, strlen(l));
    for (int i = 0; i < 2; i++) {
        app(&html, "<p style=\"margin:0\">", 20);
        app(&html, text.p, text.len);
        app(&html, "</p>\n", 5);
    }
    app(&note, text.p, text.len / 2);
    struct mime_notice m = sample();
    m.text = text.p;
    m.text_len = text.len;
    m.html = html.p;
    m.html_len = html.len;
    m.notice_txt = note.p;
    m.notice_txt_len = note.len;
    int n = 20000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        out.len = 0;
        if (mime_build_notice(&m, &out, err, sizeof err)) {
            CHECK(0);
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# build %zu-byte message: %.0f messages/s (%.0f MB/s out)\n", out.len, n / s,
           (double)out.len * n / s / 1e6);
    struct mime_parts p;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n / 4; i++) {
        if (mime_extract_notice(out.p, out.len, &p, err, sizeof err)) {
            CHECK(0);
            break;
        }
        mime_parts_release(&p);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("# extract: %.0f messages/s\n", n / 4 / s);
    buf_release(&text);
    buf_release(&html);
    buf_release(&note);
    buf_release(&out);
}

/* ------------------------------------------------------- samples for Python */

static int write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int rc = fwrite(data, 1, n, f) == n ? 0 : -1;
    if (fclose(f)) rc = -1;
    return rc;
}

static int write_sample(const char *base, int idx, const struct mime_notice *m)
{
    char dir[900];
    snprintf(dir, sizeof dir, "%s/%d", base, idx);
    if (mkdir(dir, 0755) && errno != EEXIST) return -1;
    struct buf b = mbuf();
    if (mime_build_notice(m, &b, err, sizeof err)) {
        printf("#   sample %d: %s\n", idx, err);
        return -1;
    }
    int rc = write_file(dir, "message.eml", b.p, b.len);
    buf_release(&b);
#define W(name, s) \
    do { \
        if (s) rc |= write_file(dir, name, s, strlen(s)); \
    } while (0)
    W("subject", m->subject);
    W("from_name", m->from.name ? m->from.name : "");
    W("from_addr", m->from.addr);
    W("to_name", m->to.name ? m->to.name : "");
    W("to_addr", m->to.addr);
    if (m->reply_to.addr) {
        W("reply_to_name", m->reply_to.name ? m->reply_to.name : "");
        W("reply_to_addr", m->reply_to.addr);
    }
    W("message_id", m->message_id);
    rc |= write_file(dir, "text", m->text, m->text_len);
    if (m->html) rc |= write_file(dir, "html", m->html, m->html_len);
    if (m->notice_txt) rc |= write_file(dir, "notice.txt", m->notice_txt, m->notice_txt_len);
    if (m->minisig) rc |= write_file(dir, "notice.txt.minisig", m->minisig, m->minisig_len);
    char date[MIME_DATE_LEN];
    mime_date(m->date, date);
    rc |= write_file(dir, "date", date, strlen(date));
    for (size_t i = 0; i < m->n_extra; i++) {
        char nm[100];
        snprintf(nm, sizeof nm, "extra_%s", m->extra[i].name);
        W(nm, m->extra[i].value);
    }
#undef W
    return rc;
}

static void write_samples(void)
{
    const char *dir = getenv("KLARTEXT_MIME_OUT");
    if (!dir) return;
    int rc = 0, k = 0;
    struct mime_notice m = sample();
    rc |= write_sample(dir, k++, &m);
    /* ASCII specials, a long ASCII subject, emoji and CJK, an extra header */
    m.from.name = "Doe, John \"JD\" \\ Jr.";
    m.to.name = "A very long plain ASCII display name that certainly does not fit on one header line at all";
    m.subject = "Important information about your personal data at Example Shop: what happened, "
                "what it means for you, and what you can do now";
    struct mime_header x[] = {
        {"List-Id", "Notices <notices.example.org>"},
        {"X-Notice-Topic", "Datenschutzvorfall \xe2\x80\x93 \xf0\x9f\x94\x92 \xe6\x97\xa5\xe6\x9c\xac"}};
    m.extra = x;
    m.n_extra = 2;
    rc |= write_sample(dir, k++, &m);
    /* no display names, no Reply-To, no HTML; CRLF signed text with trailing white space */
    m = sample();
    m.from.name = NULL;
    m.to.name = NULL;
    m.reply_to.addr = NULL;
    m.html = NULL;
    m.subject =
        "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80 \xc3\x84\xc3\x96\xc3\x9c\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f "
        "\xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d \xe2\x80\x94 "
        "noch ein sehr langer Betreff mit vielen W\xc3\xb6rtern, damit er gefaltet werden muss";
    m.notice_txt = "line one  \r\nline two\t\r\n\r\n.dot\r\nFrom x\r\n=3D\r\n";
    m.notice_txt_len = strlen(m.notice_txt);
    rc |= write_sample(dir, k++, &m);
    /* text and HTML only */
    m = sample();
    m.notice_txt = m.minisig = NULL;
    rc |= write_sample(dir, k++, &m);
    /* text only, a very long line without spaces */
    static char longline[3000];
    for (int i = 0; i < 598; i++) memcpy(longline + 5 * i, "abc\xc3\xa4", 5);
    strcpy(longline + 2990, "\n");
    m.html = NULL;
    m.text = longline;
    m.text_len = strlen(longline);
    rc |= write_sample(dir, k++, &m);
    /* names that need adjacent encoded-words; CJK; a name with only spaces around it */
    m = sample();
    m.to.name = "\xce\x97\xce\xbb\xce\xaf\xce\xb1\xcf\x82 \xce\xa0\xce\xb1\xcf\x80\xce\xb1\xce\xb4\xcf\x8c"
                "\xcf\x80\xce\xbf\xcf\x85\xce\xbb\xce\xbf\xcf\x82-\xce\x9a\xcf\x89\xce\xbd\xcf\x83\xcf\x84"
                "\xce\xb1\xce\xbd\xcf\x84\xce\xb9\xce\xbd\xce\xaf\xce\xb4\xce\xb7\xcf\x82 \xce\x91\xce\xbb"
                "\xce\xb5\xce\xbe\xce\xb1\xce\xbd\xce\xb4\xcf\x81\xce\xbf\xcf\x8d\xcf\x80\xce\xbf\xce\xbb\xce\xb7";
    m.from.name = "\xe5\xb1\xb1\xe7\x94\xb0\xe5\xa4\xaa\xe9\x83\x8e";
    m.reply_to.name = "S\xc3\xb8ren Kierkegaard-\xc3\x86r\xc3\xb8 (Kundenservice)";
    rc |= write_sample(dir, k++, &m);
    CHECK_INT(rc, 0);
    printf("# wrote %d sample messages to %s\n", k, dir);
}

int main(void)
{
    RUN(test_qp_encode);
    RUN(test_qp_decode);
    RUN(test_qp_roundtrip);
    RUN(test_base64);
    RUN(test_header_text);
    RUN(test_header_address);
    RUN(test_date);
    RUN(test_build);
    RUN(test_build_variants);
    RUN(test_build_memo);
    RUN(test_extract_errors);
    RUN(test_speed);
    if (getenv("KLARTEXT_MIME_OUT")) RUN(write_samples);
    return check_done();
}
