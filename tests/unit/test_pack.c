/* test_pack.c — the stored form of a notice (notify/pack.h): packing the parts
 * against a dictionary and rebuilding gives the message byte for byte; a damaged record, a
 * wrong dictionary or an unknown codec is an error, never a different message; rows of the old
 * codec ("zstd", the whole message) still read. */
#include "check.h"
#include "notify/mime.h"
#include "notify/pack.h"
#include "util/buf.h"
#include <stdlib.h>
#include <zstd.h>

static const struct mime_header extra[] = {{"Auto-Submitted", "auto-generated"}};

static struct mime_notice sample(const char *name, const char *addr, const char *text)
{
    static const char html[] = "<!DOCTYPE html>\n<p style=\"margin:0\">Guten Tag, dies ist ein Test = HTML.</p>\n";
    static const char sig[] = "untrusted comment: x\nRUQAAAA=\ntrusted comment: y\nAAAA\n";
    return (struct mime_notice){
        .from = {"Beispiel Versand GmbH", "datenschutz@beispiel.example"},
        .reply_to = {"Beispiel Versand GmbH", "datenschutz@beispiel.example"},
        .to = {name, addr},
        .subject = "Ihre Daten waren sichtbar — persönliche Mitteilung",
        .date = 1542880800,
        .message_id = "<notice.2018-0001-000042@verify.example>",
        .text = text,
        .text_len = strlen(text),
        .html = html,
        .html_len = sizeof html - 1,
        .notice_txt = text,
        .notice_txt_len = strlen(text),
        .minisig = sig,
        .minisig_len = sizeof sig - 1,
        .extra = extra,
        .n_extra = 1,
    };
}

static void build(const struct mime_notice *m, struct buf *mb)
{
    buf_init(mb, MIME_MSG_MAX);
    char err[200];
    CHECK(mime_build_notice(m, mb, err, sizeof err) == 0);
}

static void test_roundtrip_with_dictionary(void)
{
    struct mime_notice d = sample("Alex Muster", "alex.muster@example.invalid",
                                  "Guten Tag Alex Muster,\nwir schreiben Ihnen persönlich.\n");
    struct buf dict;
    buf_init(&dict, 1 << 20);
    CHECK(pack_record(&d, &dict) == 0);
    struct pack_dict *od = pack_dict_new(dict.p, dict.len);
    CHECK(od != NULL);
    struct packer *pk = pack_new(od);
    struct mime_notice m = sample("Jörg Müller-Lüdenscheidt", "joerg@mail.example",
                                  "Guten Tag Jörg Müller-Lüdenscheidt,\nwir schreiben Ihnen persönlich.\n"
                                  "Eine Zeile mit = und Leerzeichen am Ende \n.punkt\nFrom here\n");
    struct buf mb;
    build(&m, &mb);
    char *packed = NULL, err[200];
    size_t plen = 0;
    CHECK(pack_notice(pk, &m, &packed, &plen, err, sizeof err) == 0);
    CHECK(plen > 0 && plen < mb.len / 2);
    struct buf out;
    buf_init(&out, MIME_MSG_MAX);
    CHECK(pack_unpack("parts1", packed, plen, dict.p, dict.len, mb.len, &out, err, sizeof err) == 0);
    CHECK(out.len == mb.len && !memcmp(out.p, mb.p, mb.len));
    /* the length stored with the row must match */
    CHECK(pack_unpack("parts1", packed, plen, dict.p, dict.len, mb.len + 1, &out, err, sizeof err) == -1);
    /* without its dictionary, or with another, it does not read */
    CHECK(pack_unpack("parts1", packed, plen, NULL, 0, mb.len, &out, err, sizeof err) == -1);
    CHECK(pack_unpack("parts1", packed, plen, "other dictionary content, long enough to matter", 47, mb.len, &out, err,
                      sizeof err) == -1);
    CHECK(pack_unpack("lz4", packed, plen, dict.p, dict.len, mb.len, &out, err, sizeof err) == -1);
    /* every single damaged byte is an error or gives exactly the message (never another) */
    for (size_t i = 0; i < plen; i++) {
        packed[i] ^= 0x20;
        if (pack_unpack("parts1", packed, plen, dict.p, dict.len, mb.len, &out, err, sizeof err) == 0)
            CHECK(out.len == mb.len);
        packed[i] ^= 0x20;
    }
    free(packed);
    buf_release(&out);
    buf_release(&mb);
    pack_free(pk);
    pack_dict_free(od);
    buf_release(&dict);
}

static void test_without_dictionary_and_html(void)
{
    struct mime_notice m = sample("Ann", "ann@mail.example", "Hello Ann,\nthis is it.\n");
    m.html = NULL;
    m.html_len = 0;
    m.reply_to = (struct mime_addr){NULL, NULL};
    struct buf mb;
    build(&m, &mb);
    struct packer *pk = pack_new(NULL);
    char *packed = NULL, err[200];
    size_t plen = 0;
    CHECK(pack_notice(pk, &m, &packed, &plen, err, sizeof err) == 0);
    struct buf out;
    buf_init(&out, MIME_MSG_MAX);
    CHECK(pack_unpack("parts1", packed, plen, NULL, 0, mb.len, &out, err, sizeof err) == 0);
    CHECK(out.len == mb.len && !memcmp(out.p, mb.p, mb.len));
    free(packed);
    buf_release(&out);
    buf_release(&mb);
    pack_free(pk);
}

static void test_old_codec(void)
{
    static const char msg[] = "From: a@b.example\r\nTo: c@d.example\r\n\r\nbody\r\n";
    char z[256], err[200];
    size_t zn = ZSTD_compress(z, sizeof z, msg, sizeof msg - 1, 1);
    CHECK(!ZSTD_isError(zn));
    struct buf out;
    buf_init(&out, 1 << 20);
    CHECK(pack_unpack("zstd", z, zn, NULL, 0, sizeof msg - 1, &out, err, sizeof err) == 0);
    CHECK(out.len == sizeof msg - 1 && !memcmp(out.p, msg, out.len));
    CHECK(pack_unpack("zstd", z, zn, NULL, 0, sizeof msg, &out, err, sizeof err) == -1);
    buf_release(&out);
}

int main(void)
{
    RUN(test_roundtrip_with_dictionary);
    RUN(test_without_dictionary_and_html);
    RUN(test_old_codec);
    return check_done();
}
