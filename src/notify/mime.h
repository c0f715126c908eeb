/* mime.h — RFC 5322 / 2045–2047 message writer for notices, and the strict reader that
 * `klartext verify FILE.eml` needs (a leaf: libc and util/buf, util/err, util/memo).
 *
 * Writer: every byte is decided here and depends only on the input (no clock, no
 * randomness): CRLF line ends; header lines ≤ 78 characters (folded; RFC 2047 encoded-words
 * "=?UTF-8?B?…?=" ≤ 75 characters, split only between UTF-8 characters, for non-ASCII text);
 * bodies quoted-printable (lines ≤ 76, soft breaks never inside a UTF-8 character) or base64
 * (76-character lines). Boundaries derive from the Message-ID and contain "=_", which can
 * occur in neither quoted-printable nor base64 text, so they never collide with content.
 *
 * Notice layout (mime_build_notice):
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=UTF-8   quoted-printable
 *       text/html; charset=UTF-8    quoted-printable
 *     text/plain; charset=UTF-8; name="notice.txt"          attachment, base64
 *     application/octet-stream; name="notice.txt.minisig"   attachment, base64
 * The signed text and its signature are base64: base64 is plain ASCII in short lines, so no
 * transport can change the decoded bytes (quoted-printable text would have its line ends
 * canonicalised to CRLF and trailing white space at risk), and minisign verifies exactly the
 * bytes that were signed, LF line ends included.
 *
 * Reader (mime_extract_notice): accepts CRLF or LF input, any extra headers and parts,
 * nested multiparts (depth ≤ 4); finds the parts whose filename (Content-Disposition) or name
 * (Content-Type) is notice.txt and notice.txt.minisig, decodes base64, quoted-printable (hard
 * line breaks decode to CRLF, RFC 2045's canonical form), 7bit, 8bit or binary, and fails
 * on anything malformed. */
#ifndef KT_MIME_H
#define KT_MIME_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

#define MIME_MSG_MAX ((size_t)16 << 20) /* a message given to mime_extract_notice */
#define MIME_PART_MAX ((size_t)1 << 20) /* a decoded attachment */
#define MIME_DATE_LEN 32 /* "Thu, 12 Nov 2018 15:03:00 +0000" + NUL */
#define MIME_LINE_MAX 78 /* header lines we write */
#define MIME_DISPLAY_MAX 256 /* a display name, bytes */

/* Output goes to a struct buf (util/buf.h): an append that would make len exceed the buffer's
 * max fails with -1 and leaves len as it was (running out of memory aborts, as everywhere in
 * klartext). */

/* ---- encoders (append to out; 0, or -1 when out->max is exceeded) ---- */

enum {
    MIME_QP_TEXT = 0, /* LF and CRLF are line breaks, written as CRLF */
    MIME_QP_BINARY = 1 /* every byte is data: CR and LF become =0D =0A */
};
/* quoted-printable (RFC 2045 6.7): lines ≤ 76 including the soft-break '='; '=', controls,
 * bytes ≥ 0x7F, white space before a line end, and a '.' or "From " at a line start are
 * encoded; a UTF-8 character's bytes stay on one line. Ends without a line break unless the
 * input ends with one. */
int mime_qp_encode(struct buf *out, const void *data, size_t n, unsigned mode);
/* base64, 76-character lines, each ended by CRLF (also the last) */
int mime_b64_encode(struct buf *out, const void *data, size_t n);

/* Write one header field "Name: value" + CRLF, folded to MIME_LINE_MAX.
 * value: UTF-8 text (unstructured, like Subject). Plain printable ASCII words separated by
 * single spaces are written as they are; anything else (non-ASCII, tabs, runs of spaces,
 * leading/trailing space, "=?", a word too long for a line) is written as B encoded-words.
 * Fails (-1, err) on invalid UTF-8, control characters (CR, LF, NUL, …) or a bad name. */
int mime_header_text(struct buf *out, const char *name, const char *value, char *err, size_t errlen);
/* "Name: display <addr>" + CRLF. display (UTF-8, ≤ MIME_DISPLAY_MAX bytes, no control
 * characters) may be NULL/"" (then just the address). Its white space is trimmed and runs
 * collapse to one space (a phrase means that anyway). An ASCII name is written as atoms or
 * as a quoted-string (with \" and \\); otherwise atom words stay plain and each run of
 * other words becomes one encoded-word (several only when the run is too long: parsers
 * disagree on the space between adjacent encoded-words in a phrase, so they are avoided).
 * addr must be a plain ASCII addr-spec (local@domain, no spaces, no <>). */
int mime_header_address(struct buf *out, const char *name, const char *display, const char *addr, char *err,
                        size_t errlen);
/* RFC 5322 date of a UTC time: "Thu, 12 Nov 2018 15:03:00 +0000" */
void mime_date(int64_t t, char out[MIME_DATE_LEN]);

/* ---- the notice message ---- */

struct mime_addr {
    const char *name; /* display name, UTF-8, may be NULL */
    const char *addr; /* addr-spec; NULL = no such header (Reply-To only) */
};

struct mime_header {
    const char *name; /* e.g. "List-Id"; not one of the headers written anyway */
    const char *value; /* unstructured UTF-8 text, encoded as mime_header_text does */
};

struct memo;
struct mime_notice {
    struct mime_addr from, reply_to, to;
    const char *subject;
    int64_t date; /* UTC seconds */
    const char *message_id; /* "id@domain" or "<id@domain>" */
    const char *text;
    size_t text_len; /* text/plain body, UTF-8, LF or CRLF */
    const char *html;
    size_t html_len; /* text/html body; NULL = text/plain only */
    const char *notice_txt;
    size_t notice_txt_len; /* the signed bytes; NULL = no attachments */
    const char *minisig;
    size_t minisig_len; /* its signature file; NULL = none */
    const struct mime_header *extra; /* n_extra more headers, after MIME-Version */
    size_t n_extra;
    struct memo *memo; /* optional (util/memo.h): paragraphs encoded before are
                                           taken from it; the bytes are the same without it */
};

/* Append the whole message to out (out->max bounds it). The same input gives the same
 * bytes. Returns 0, or -1 with err ("bad address in 'To': 'x'", "message larger than N
 * bytes"). On failure out->len is unchanged. */
int mime_build_notice(const struct mime_notice *m, struct buf *out, char *err, size_t errlen);

/* ---- decoders ---- */

/* quoted-printable → bytes. Soft breaks ("=" at a line end) vanish, hard line breaks (CRLF
 * or LF) become CRLF, white space at line ends is dropped (RFC 2045 rule 3). Fails on a bad
 * escape, a control character or an 8-bit byte. */
int mime_qp_decode(struct buf *out, const char *s, size_t n, char *err, size_t errlen);
/* base64 → bytes; CR and LF are skipped, anything else outside the alphabet, bad padding or
 * data after the padding fail */
int mime_b64_decode(struct buf *out, const char *s, size_t n, char *err, size_t errlen);
/* Decode an unfolded header value that may hold RFC 2047 encoded-words (UTF-8 or US-ASCII
 * charset, B or Q); white space between adjacent encoded-words is dropped. Malformed
 * encoded-words are an error (this reader is for checking our own output). */
int mime_header_decode(struct buf *out, const char *s, size_t n, char *err, size_t errlen);

/* the two attachments of a notice, each malloc'd (NUL-terminated for convenience) */
struct mime_parts {
    char *notice_txt;
    size_t notice_txt_len;
    char *minisig;
    size_t minisig_len;
};
/* Find and decode notice.txt and notice.txt.minisig in a message of n ≤ MIME_MSG_MAX
 * bytes. Returns 0 with *out filled (free with mime_parts_release), or -1 with err
 * ("line 14: malformed header", "no 'notice.txt.minisig' attachment", "two 'notice.txt'
 * attachments", "line 80: bad base64 in 'notice.txt'"); then *out is empty. */
int mime_extract_notice(const char *msg, size_t n, struct mime_parts *out, char *err, size_t errlen);
void mime_parts_release(struct mime_parts *p);
#endif
