/* notice.h — one personal breach notice (Art. 34 GDPR): its data model, its templates, the
 * rendered text and HTML, the signed canonical text and the MIME message.
 *
 * A notice is made in two steps, both thread-safe (one notice_renderer per thread):
 *   notice_render   fills the data model from plain C structs (organisation, incident, person
 *                   with their exposure, notice meta) and renders the subject line, the text
 *                   and the HTML from the compiled templates of the person's language. Dates
 *                   and durations are written in the person's language and time zone.
 *   notice_package  signs the text (minisign "ED", the register's key) and builds the MIME
 *                   message (mime_build_notice): multipart/mixed { multipart/alternative
 *                   { text/plain; text/html }; notice.txt; notice.txt.minisig }.
 * The text/plain body and the attachment notice.txt are the same bytes: the canonical notice
 * (UTF-8, LF line ends, lines wrapped at NOTICE_WRAP characters), so what the person reads is
 * exactly what is signed.
 *
 * Templates (docs/templates.md, docs/notify.md): for each language L in de, en the files
 *   notice.L.subject.mustache   the subject line (white space collapsed to one line)
 *   notice.L.txt.mustache       the text (also the signed notice.txt)
 *   notice.L.html.mustache      the HTML part
 * and followup.L.{subject,txt,html}.mustache for a follow-up notice (notice_meta.earlier set),
 * are built into klartext (templates/ in the source tree) and may be replaced by files of the
 * same names in a directory (--templates DIR); a file missing there is taken from the built-in
 * set. Every template is compiled once against notice_placeholders, so an unknown placeholder is
 * an error when the templates are loaded, before any notice is made.
 *
 * Ownership: strings in the input structs belong to the caller and must outlive the call;
 * everything a notice_result holds belongs to it (notice_result_release). */
#ifndef KT_NOTICE_H
#define KT_NOTICE_H
#include <stddef.h>
#include <stdint.h>
#include "notify/mime.h"
#include "notify/tmpl.h"
#include "sign/code.h"
#include "sign/keys.h"
#include "sign/minisig.h"
#include "util/buf.h"

/* The version of the data model (the placeholder names and their meaning). It is part of
 * every approval: a klartext whose model differs asks for a new approval. */
#define NOTICE_MODEL_VERSION 2 /* 2: the follow-up notice and its placeholders */
#define NOTICE_WRAP 72 /* text lines are wrapped at this many characters */
#define NOTICE_SUBJECT_MAX ((size_t)4096) /* a rendered subject line */
#define NOTICE_TEXT_MAX ((size_t)256 << 10) /* a rendered text or HTML part */
#define NOTICE_MSG_MAX ((size_t)2 << 20) /* a whole message */
#define NOTICE_ID_MAX 48 /* "2026-0001-000042" + NUL, with room */
#define NOTICE_MASK_MAX 128 /* "k***@mail.example" + NUL */

/* The placeholder names of the data model, NULL-terminated (for tmpl_compile and for
 * `klartext notify --help`), and a one-line description of each (same order). */
extern const char *const notice_placeholders[];
extern const char *const notice_placeholder_help[];

enum notice_lang { NOTICE_EN = 0, NOTICE_DE = 1, NOTICE_NLANGS = 2 };
enum notice_part { NOTICE_SUBJECT = 0, NOTICE_TXT = 1, NOTICE_HTML = 2, NOTICE_NPARTS = 3 };
/* a first notice, a follow-up that says what changed since an earlier one, or a printed letter
 * (docs/notify.md; a letter has a subject and a text template, no HTML) */
enum notice_kind { NOTICE_FIRST = 0, NOTICE_FOLLOWUP = 1, NOTICE_LETTER = 2, NOTICE_NKINDS = 3 };

/* ---- templates ---- */

struct notice_templates;

/* The file name of a first notice's template: "notice.de.txt.mustache" (static). */
const char *notice_template_name(enum notice_lang lang, enum notice_part part);
/* The same for any kind: "followup.de.txt.mustache" (static; "" when out of range or the kind has
 * no such part: a letter's HTML). */
const char *notice_template_name_kind(enum notice_kind kind, enum notice_lang lang, enum notice_part part);
/* The built-in template of that name (static, NUL-terminated; *len its length), or NULL. */
const char *notice_builtin_template(const char *name, size_t *len);

/* Load and compile all sixteen templates (notice.*, followup.* and letter.*): from DIR when it holds a file of that name (at most
 * TMPL_MAX_SOURCE bytes, valid UTF-8), else the built-in one. DIR NULL = built-in only; a DIR
 * that is not a readable directory is an error. Returns the set (notice_templates_free), or
 * NULL with err ("notice.de.txt.mustache line 12: unknown placeholder 'persn.name'"). */
struct notice_templates *notice_templates_load(const char *dir, char *err, size_t errlen);
void notice_templates_free(struct notice_templates *t);
/* What was loaded, one line per template, sorted by name:
 * "notice.de.html.mustache built-in <sha256 hex>\n" (or "DIR/notice.de.html.mustache").
 * Owned by t. Part of the approval manifest. */
const char *notice_templates_manifest(const struct notice_templates *t);
/* 1 when a tag of some loaded template mentions the last part of NAME ("incident.description":
 * any tag containing "description"), so that an approval need not cover texts no template shows */
int notice_templates_use(const struct notice_templates *t, const char *name);

/* ---- the data of a notice ---- */

struct notice_org {
    const char *name, *address;
    const char *dpo_name, *dpo_email, *dpo_phone;
    const char *service_phone, *service_hours;
    const char *portal_url;
    const char *authority; /* the lead supervisory authority */
    const char *from, *reply_to; /* e-mail addresses of the sender */
    const char *key_id; /* "0123456789ABCDEF" (sign_keyid_hex) */
};

struct notice_incident {
    const char *ref; /* "2026-0001" */
    const char *title; /* the register's free texts (NULL when unset): only
                                               own templates use them (docs/notify.md) */
    const char *description, *consequences, *measures_taken, *measures_proposed;
    const char *cause; /* the cause keyword ("programming-error") or NULL */
    const char *data_not_affected; /* comma-separated keywords or NULL */
    int64_t occurred_from, occurred_until; /* 0 = unknown */
    int64_t contained_at, notified_at; /* 0 = not (yet) */
    int voluntary; /* a voluntary notice (no duty under Art. 34) */
};

struct notice_person {
    const char *subject; /* the subject id (never printed in the notice) */
    const char *name, *salutation; /* salutation may be NULL */
    const char *email; /* addr-spec */
    enum notice_lang lang;
    const char *timezone; /* IANA name */
    /* the exposure (a row of the current scan) */
    int64_t first_seen, last_seen;
    int64_t views, viewers, signed_in, anonymous;
    const char *const *pages; /* the pages (a page may hold ';' or ','), NPAGES of them */
    size_t npages;
    const char *fields; /* ';'- or ','-separated keywords */
};

/* what an earlier notice of the same person stated: a follow-up names it and says what changed */
struct notice_earlier {
    const char *notice_id; /* "2026-0001-000042" */
    int64_t date; /* when it was made */
    int64_t first_seen, last_seen, views, viewers;
    const char *fields; /* ';'-separated, as the scan keeps them */
    const char *const *pages;
    size_t npages;
};

struct notice_meta {
    const struct notice_earlier *earlier; /* a follow-up to this notice; NULL: a first notice */
    const char *notice_id; /* "2026-0001-000042" */
    const char *code; /* display form "K7QM-2D9X-PH4T-W3RC" */
    int64_t date; /* when it is made (Date header, trusted comment) */
    int test; /* a TEST sample (marked in subject and text) */
    int preview; /* a preview (no code issued) */
    int letter; /* a printed letter (letter.* templates; no HTML part) */
};

/* ---- rendering ---- */

struct notice_renderer; /* per thread: a context arena and buffers */
struct notice_renderer *notice_renderer_new(const struct notice_templates *t);
void notice_renderer_free(struct notice_renderer *rr);

struct memo;
struct notice_result {
    char *subject;
    size_t subject_len; /* one line, UTF-8 */
    char *text;
    size_t text_len; /* the canonical text = notice.txt */
    char *html;
    size_t html_len;
    char minisig[MINISIG_TEXT_MAX];
    size_t minisig_len; /* after notice_package */
    struct buf eml; /* after notice_package: the message, CRLF */
    struct mime_notice mn; /* after notice_envelope: what eml is built from
                                              (points into this result and the org/person) */
    char message_id[320]; /* "<notice.2026-0001-000042@verify.example.org>" */
    uint8_t text_sha256[32]; /* SHA-256 of text */
    size_t subject_cap, text_cap, html_cap; /* the buffers' sizes (reused) */
    struct memo *memo; /* paragraphs encoded for earlier notices (made by
                                              notice_package, freed by release) */
};
/* zero-initialise; reusable across notices (buffers are kept); release frees them */
void notice_result_release(struct notice_result *res);

/* Render subject, text and HTML into res (replacing earlier content). Returns 0, or -1 with
 * err ("notice.de.txt.mustache line 3: no value for 'person.name'", "unknown time zone …"). */
int notice_render(struct notice_renderer *rr, const struct notice_org *org, const struct notice_incident *inc,
                  const struct notice_person *p, const struct notice_meta *m, struct notice_result *res, char *err,
                  size_t errlen);

/* The trusted comment signed with a notice:
 * "klartext notice\tincident:2026-0001\tnotice:2026-0001-000042\ttime:2026-11-21T10:00:00Z"
 * (+ "\ttest:yes" for a TEST sample). No personal data: the notice id leads to the person
 * only inside the register. Writes into out (NUL-terminated). */
void notice_trusted_comment(const char *incident_ref, const char *notice_id, int64_t t, int test, char *out,
                            size_t len);
/* Parse a trusted comment written by notice_trusted_comment (as minisig_parse hands it over):
 * 0 with the incident ref, notice id and time filled, or -1 when it is not one. */
int notice_trusted_parse(const char *s, size_t n, char *incident_ref, size_t reflen, char *notice_id, size_t idlen,
                         int64_t *t, int *test);

/* Sign res->text with k (after notice_render) and build the MIME message into res->eml with
 * From/Reply-To from org, To from the person, the subject and date, Message-ID
 * "<notice.NOTICE-ID@PORTAL-HOST>". Returns 0 or -1 with err. Thread-safe. */
int notice_package(const sign_key *k, const struct notice_org *org, const struct notice_incident *inc,
                   const struct notice_person *p, const struct notice_meta *m, struct notice_result *res, char *err,
                   size_t errlen);

/* Fill res->message_id and res->mn (headers from org and person, the rendered parts, and
 * res->minisig as it is) without signing or building: notice_package calls it after signing;
 * a sample for the storage dictionary calls it with a placeholder signature. 0 or -1 with err. */
int notice_envelope(const struct notice_org *org, const struct notice_person *p, const struct notice_meta *m,
                    struct notice_result *res, char *err, size_t errlen);

/* ---- small helpers ---- */

/* The host of a portal URL ("https://Verify.Example.org:8443/x" -> "verify.example.org");
 * 0, or -1 when there is none. */
int notice_url_host(const char *url, char *out, size_t len);
/* "klara.meier@mail.example" -> "k***@mail.example" (first character of the local part, the
 * domain as it is); never more of the address. Writes "" for something that is no address. */
void notice_mask_address(const char *addr, char *out, size_t len);
/* Wrap the text in b (UTF-8, LF) in place to lines of at most `width` characters where
 * spaces allow: a line that starts with "- ", "* " or "N. " continues indented under its
 * text; leading spaces are kept; words longer than a line are not broken. Trailing spaces
 * are removed. WIDTH >= 1. Returns 0, or -1 when memory ran out (or WIDTH < 1). */
int notice_wrap(struct buf *b, int width);
/* The same, taking lines wrapped before from MM (util/memo.h; NULL: none) and keeping new ones
 * there; the result is byte for byte that of notice_wrap. The renderer keeps one per thread. */
int notice_wrap_memo(struct buf *b, int width, struct memo *mm);
/* "2026-0001" + 42 -> "2026-0001-000042" */
void notice_make_id(const char *incident_ref, int64_t seq, char *out, size_t len);
/* de / en from "de" / "en" (case-insensitive); -1 otherwise */
int notice_lang_parse(const char *s);
const char *notice_lang_code(enum notice_lang l);
/* The word for a disclosed field name in a sentence ("e-mail address" / "E-Mail-Adresse"),
 * from the same table the letters use; NULL for a name klartext has no word for. */
const char *notice_field_word(const char *key, size_t n, int german);
#endif
