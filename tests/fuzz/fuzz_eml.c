/* fuzz_eml.c — libFuzzer target for what `klartext verify FILE.eml` reads beyond the attachment
 * extractor (which fuzz_mime covers): the static header/body reader of src/cli/cmd_verify.c
 * (hdrs_parse, hdr_param, collect over nested multiparts, hdr_norm, same_message: "is the
 * e-mail around the signed text the one that was sent?"), the RFC 2047 and quoted-printable
 * decoders of src/notify/mime.c on arbitrary bytes (there they read a forwarded message, not
 * klartext's own output), the trusted-comment parser notice_trusted_parse, and escape_line.
 * cmd_verify.c is included here so that its static functions can be called directly.
 *
 * Byte 0 picks the mode:
 *   0  the rest is a received e-mail: compared with a notice built at start-up and with itself.
 *      Comparing a message with itself finds a difference only when its body is unreadable;
 *      the message built here compared with itself is the same.
 *   1  the rest is a header value: mime_header_decode either fails with a message or gives a
 *      NUL-terminated text no longer than the input; hdr_norm never leaves a leading, trailing
 *      or double space; hdr_param for boundary/name/filename gives a value inside the input.
 *   2  the rest is a quoted-printable or base64 body: the decoders fail with a message or give
 *      a bounded output.
 *   3  the rest is a trusted comment: notice_trusted_parse accepts only what
 *      notice_trusted_comment writes (round trip), escape_line keeps its output bounded and
 *      printable. */
#include "../../src/cli/cmd_verify.c"

#include <stdint.h>

static struct buf built;

static void build(void)
{
    if (built.p) return;
    static const char text[] = "Guten Tag Frau M\xc3\xbcller,\n\nIhre Daten waren sichtbar.\n";
    static const char html[] = "<p>Guten Tag Frau M\xc3\xbcller,</p>\n<p>Ihre Daten waren sichtbar.</p>\n";
    struct mime_notice m = {
        .from = {"Datenschutz Beispiel GmbH", "dpo@example.org"},
        .to = {"J\xc3\xbcrgen M\xc3\xbcller", "person@example.org"},
        .reply_to = {"Service", "service@example.org"},
        .subject = "Ihre Daten: Information nach Art. 34 DSGVO",
        .date = 1542035000,
        .message_id = "2018-0001-000001@example.org",
        .text = text,
        .text_len = sizeof text - 1,
        .html = html,
        .html_len = sizeof html - 1,
        .notice_txt = "signed\n",
        .notice_txt_len = 7,
        .minisig = "sig\n",
        .minisig_len = 4,
    };
    char err[300];
    buf_init(&built, MIME_MSG_MAX);
    if (mime_build_notice(&m, &built, err, sizeof err)) abort();
    char why[300];
    if (same_message(built.p, built.len, built.p, built.len, why, sizeof why)) abort();
}

static void check_norm(const char *v)
{
    struct buf o;
    buf_init(&o, 1 << 20);
    hdr_norm(v, &o);
    const char *s = buf_str(&o);
    size_t n = o.len;
    if (n && (s[0] == ' ' || s[n - 1] == ' ')) abort();
    if (n && memmem(s, n, "  ", 2)) abort();
    buf_release(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    build();
    if (!size) return 0;
    const char *d = (const char *)data + 1;
    size_t n = size - 1;
    char err[300], why[300];
    char *copy = malloc(n + 1); /* NUL-terminated copy, as read_file makes it */
    memcpy(copy, d, n);
    copy[n] = 0;
    switch (data[0] % 4) {
    case 0: {
        why[0] = 0;
        if (same_message(copy, n, built.p, built.len, why, sizeof why) && !why[0]) abort();
        why[0] = 0;
        if (same_message(copy, n, copy, n, why, sizeof why) && !strstr(why, "message body")) {
            fprintf(stderr, "a message differs from itself: %s\n", why);
            abort();
        }
        break;
    }
    case 1: {
        struct buf o;
        buf_init(&o, 1 << 16);
        err[0] = 0;
        if (mime_header_decode(&o, copy, n, err, sizeof err) == 0) {
            if (o.len > n || (o.p && o.p[o.len] != 0)) abort();
        } else if (!err[0]) {
            abort();
        }
        buf_release(&o);
        check_norm(copy);
        static const char *const params[] = {"boundary", "name", "filename", "charset"};
        for (int i = 0; i < 4; i++) {
            char *p = hdr_param(copy, params[i]);
            if (p) {
                if (strlen(p) > n || !strstr(copy, p)) abort();
                free(p);
            }
        }
        struct hdrs h;
        hdrs_parse(copy, n, &h);
        if (h.body < copy || h.body + h.body_len != copy + n) abort();
        for (size_t i = 0; i < h.n; i++) {
            for (const char *c = h.names[i]; *c; c++)
                if (*c >= 'A' && *c <= 'Z') abort();
            check_norm(h.vals[i]);
        }
        hdrs_free(&h);
        break;
    }
    case 2: {
        struct buf o;
        buf_init(&o, MIME_MSG_MAX);
        err[0] = 0;
        if (mime_qp_decode(&o, copy, n, err, sizeof err) == 0) {
            if (o.len > 2 * n + 2) abort();
        } else if (!err[0]) {
            abort();
        }
        o.len = 0;
        err[0] = 0;
        if (mime_b64_decode(&o, copy, n, err, sizeof err) == 0) {
            if (o.len > n) abort();
        } else if (!err[0]) {
            abort();
        }
        buf_release(&o);
        break;
    }
    default: {
        char ref[32], id[NOTICE_ID_MAX], out[600], again[600];
        int64_t t;
        int test;
        if (notice_trusted_parse(copy, n, ref, sizeof ref, id, sizeof id, &t, &test) == 0) {
            if (!memchr(ref, 0, sizeof ref) || !memchr(id, 0, sizeof id)) abort();
            notice_trusted_comment(ref, id, t, test, again, sizeof again);
            char r2[32], i2[NOTICE_ID_MAX];
            int64_t t2;
            int test2;
            if (notice_trusted_parse(again, strlen(again), r2, sizeof r2, i2, sizeof i2, &t2, &test2) ||
                strcmp(r2, ref) || strcmp(i2, id) || t2 != t || test2 != test) {
                fprintf(stderr, "trusted comment '%s' does not survive a round trip\n", again);
                abort();
            }
        }
        escape_line(copy, n, out, sizeof out);
        size_t ol = strlen(out);
        if (ol >= sizeof out) abort();
        for (size_t i = 0; i < ol; i++)
            if ((unsigned char)out[i] < 32 || out[i] == 127) abort();
        break;
    }
    }
    free(copy);
    return 0;
}
