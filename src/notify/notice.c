/* notice.c — the personal notice: data model, templates, rendering, signing, MIME.
 *
 * The built-in templates are the files in templates/ of the source tree, embedded into the
 * binary with the assembler's .incbin (paths relative to the directory make runs in), so that
 * the klartext binary needs no data files. */
#include "notify/notice.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/file.h"
#include "util/i18n.h"
#include "util/ktime.h"
#include "util/memo.h"
#include "util/sha256.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- built-in templates */

#define KT_INCBIN(sym, file) \
    __asm__(".section .rodata\n" \
            ".global " #sym "\n.hidden " #sym "\n.type " #sym ", @object\n.balign 16\n" #sym ":\n.incbin \"" file \
            "\"\n.byte 0\n" \
            ".global " #sym "_end\n.hidden " #sym "_end\n" #sym "_end:\n.previous\n"); \
    extern const char sym[], sym##_end[]

KT_INCBIN(kt_tmpl_de_subject, "templates/notice.de.subject.mustache");
KT_INCBIN(kt_tmpl_de_txt, "templates/notice.de.txt.mustache");
KT_INCBIN(kt_tmpl_de_html, "templates/notice.de.html.mustache");
KT_INCBIN(kt_tmpl_en_subject, "templates/notice.en.subject.mustache");
KT_INCBIN(kt_tmpl_en_txt, "templates/notice.en.txt.mustache");
KT_INCBIN(kt_tmpl_en_html, "templates/notice.en.html.mustache");
KT_INCBIN(kt_tmpl_fde_subject, "templates/followup.de.subject.mustache");
KT_INCBIN(kt_tmpl_fde_txt, "templates/followup.de.txt.mustache");
KT_INCBIN(kt_tmpl_fde_html, "templates/followup.de.html.mustache");
KT_INCBIN(kt_tmpl_fen_subject, "templates/followup.en.subject.mustache");
KT_INCBIN(kt_tmpl_fen_txt, "templates/followup.en.txt.mustache");
KT_INCBIN(kt_tmpl_fen_html, "templates/followup.en.html.mustache");
KT_INCBIN(kt_tmpl_lde_subject, "templates/letter.de.subject.mustache");
KT_INCBIN(kt_tmpl_lde_txt, "templates/letter.de.txt.mustache");
KT_INCBIN(kt_tmpl_len_subject, "templates/letter.en.subject.mustache");
KT_INCBIN(kt_tmpl_len_txt, "templates/letter.en.txt.mustache");

static const char *const tmpl_names[NOTICE_NKINDS][NOTICE_NLANGS][NOTICE_NPARTS] = {
    [NOTICE_FIRST] =
        {
            [NOTICE_EN] = {"notice.en.subject.mustache", "notice.en.txt.mustache", "notice.en.html.mustache"},
            [NOTICE_DE] = {"notice.de.subject.mustache", "notice.de.txt.mustache", "notice.de.html.mustache"},
        },
    [NOTICE_FOLLOWUP] =
        {
            [NOTICE_EN] = {"followup.en.subject.mustache", "followup.en.txt.mustache", "followup.en.html.mustache"},
            [NOTICE_DE] = {"followup.de.subject.mustache", "followup.de.txt.mustache", "followup.de.html.mustache"},
        },
    [NOTICE_LETTER] =
        {
            [NOTICE_EN] = {"letter.en.subject.mustache", "letter.en.txt.mustache", NULL},
            [NOTICE_DE] = {"letter.de.subject.mustache", "letter.de.txt.mustache", NULL},
        },
};

/* the embedded copies: start and end of each, as tmpl_names */
static const char
    *const builtin_range[NOTICE_NKINDS][NOTICE_NLANGS][NOTICE_NPARTS][2] =
        {
            [NOTICE_FIRST] =
                {
                    [NOTICE_EN] = {{kt_tmpl_en_subject, kt_tmpl_en_subject_end},
                                   {kt_tmpl_en_txt, kt_tmpl_en_txt_end},
                                   {kt_tmpl_en_html, kt_tmpl_en_html_end}},
                    [NOTICE_DE] = {{kt_tmpl_de_subject, kt_tmpl_de_subject_end},
                                   {kt_tmpl_de_txt, kt_tmpl_de_txt_end},
                                   {kt_tmpl_de_html, kt_tmpl_de_html_end}},
                },
            [NOTICE_FOLLOWUP] =
                {
                    [NOTICE_EN] = {{kt_tmpl_fen_subject, kt_tmpl_fen_subject_end},
                                   {kt_tmpl_fen_txt, kt_tmpl_fen_txt_end},
                                   {kt_tmpl_fen_html, kt_tmpl_fen_html_end}},
                    [NOTICE_DE] = {{kt_tmpl_fde_subject, kt_tmpl_fde_subject_end},
                                   {kt_tmpl_fde_txt, kt_tmpl_fde_txt_end},
                                   {kt_tmpl_fde_html, kt_tmpl_fde_html_end}},
                },
            [NOTICE_LETTER] =
                {
                    [NOTICE_EN] = {{kt_tmpl_len_subject, kt_tmpl_len_subject_end},
                                   {kt_tmpl_len_txt, kt_tmpl_len_txt_end},
                                   {NULL, NULL}},
                    [NOTICE_DE] = {{kt_tmpl_lde_subject, kt_tmpl_lde_subject_end},
                                   {kt_tmpl_lde_txt, kt_tmpl_lde_txt_end},
                                   {NULL, NULL}},
                },
};

static const char *builtin_start(enum notice_kind k, enum notice_lang l, enum notice_part p, size_t *len)
{
    const char *s = builtin_range[k][l][p][0], *e = builtin_range[k][l][p][1];
    *len = (size_t)(e - s) - 1; /* without the NUL the assembler appended */
    return s;
}

const char *notice_template_name(enum notice_lang lang, enum notice_part part)
{
    return notice_template_name_kind(NOTICE_FIRST, lang, part);
}

const char *notice_template_name_kind(enum notice_kind kind, enum notice_lang lang, enum notice_part part)
{
    if ((unsigned)kind >= NOTICE_NKINDS || (unsigned)lang >= NOTICE_NLANGS || (unsigned)part >= NOTICE_NPARTS)
        return "";
    return tmpl_names[kind][lang][part] ? tmpl_names[kind][lang][part] : "";
}

const char *notice_builtin_template(const char *name, size_t *len)
{
    for (int k = 0; k < NOTICE_NKINDS; k++)
        for (int l = 0; l < NOTICE_NLANGS; l++)
            for (int p = 0; p < NOTICE_NPARTS; p++)
                if (tmpl_names[k][l][p] && !strcmp(tmpl_names[k][l][p], name))
                    return builtin_start((enum notice_kind)k, (enum notice_lang)l, (enum notice_part)p, len);
    return NULL;
}

/* ---------------------------------------------------------------- the data model */

const char *const notice_placeholders[] = {"lang",
                                           "test",
                                           "preview",
                                           "voluntary",
                                           "person.name",
                                           "person.salutation",
                                           "person.timezone",
                                           "org.name",
                                           "org.address",
                                           "org.dpo.name",
                                           "org.dpo.email",
                                           "org.dpo.phone",
                                           "org.service.phone",
                                           "org.service.hours",
                                           "org.portal.url",
                                           "org.portal.host",
                                           "org.authority",
                                           "org.key_id",
                                           "incident.ref",
                                           "incident.title",
                                           "incident.description",
                                           "incident.consequences",
                                           "incident.measures_taken",
                                           "incident.measures_proposed",
                                           "incident.cause",
                                           "incident.started",
                                           "incident.ended",
                                           "incident.duration",
                                           "incident.fixed",
                                           "incident.reported",
                                           "incident.not_affected",
                                           "incident.not_affected_text",
                                           "exposure.fields",
                                           "exposure.fields_text",
                                           "exposure.first",
                                           "exposure.last",
                                           "exposure.once",
                                           "exposure.span",
                                           "exposure.views",
                                           "exposure.viewers",
                                           "exposure.viewers_words",
                                           "exposure.signed_in",
                                           "exposure.signed_in_words",
                                           "exposure.anonymous",
                                           "exposure.anonymous_words",
                                           "exposure.both",
                                           "exposure.pages",
                                           "exposure.pages_text",
                                           "exposure.page_count",
                                           "consequences",
                                           "advice",
                                           "notice.id",
                                           "notice.code",
                                           "notice.date",
                                           "followup",
                                           "earlier.id",
                                           "earlier.date",
                                           "earlier.first",
                                           "earlier.last",
                                           "earlier.once",
                                           "earlier.views",
                                           "earlier.viewers",
                                           "earlier.viewers_words",
                                           "earlier.fields_text",
                                           "changes",
                                           NULL};

const char *const notice_placeholder_help[] = {
    "the notice's language: de or en",
    "yes for a TEST sample sent with --test-to",
    "yes for --preview (no code issued)",
    "yes for a voluntary notice (the law does not require it)",
    "the person's name (subject directory)",
    "the salutation (subject directory), absent when empty: use a section",
    "the person's time zone, an IANA name (Europe/Berlin)",
    "organisation.name",
    "organisation.address",
    "dpo.name",
    "dpo.email",
    "dpo.phone",
    "service.phone (where people call to check a notice)",
    "service.hours",
    "portal.url, written as text",
    "the host of portal.url",
    "the lead supervisory authority (the incident's, else authority.lead)",
    "the signing key's id, as minisign shows it",
    "the incident's id (2026-0001)",
    "the incident's title, as recorded (free text; not used by the built-in templates)",
    "what happened, as recorded (free text: check its language and audience before using it)",
    "likely consequences, as recorded (free text)",
    "measures taken, as recorded (free text)",
    "measures proposed, as recorded (free text)",
    "the cause in words (\"a programming error\"), absent when unknown",
    "when the error began (occurred_from), in the person's language and zone",
    "when it ended (occurred_until, else contained_at)",
    "how long it existed, in words (\"8 days 8 hours\")",
    "when it was fixed (contained_at)",
    "when the supervisory authority was notified (notified_at)",
    "list: data known NOT to be affected (data_not_affected), in words",
    "the same as one phrase (\"password and payment card data\"), absent when none",
    "list: this person's disclosed data, in words",
    "the same as one phrase (\"your name and your e-mail address\")",
    "first view of their data (date, time, zone)",
    "last view",
    "yes when first and last view are the same moment",
    "time from the first to the last view, in words",
    "number of views",
    "number of other people who saw it",
    "that number in words (0..12)",
    "of those, signed in (counted by account)",
    "in words",
    "of those, not signed in (counted by IP address)",
    "in words",
    "yes when there were both signed-in and anonymous viewers",
    "list: the pages (paths) that showed their data",
    "the pages as one phrase",
    "number of pages",
    "list: likely consequences, one sentence each, from the disclosed data",
    "list: concrete advice, one sentence each",
    "the notice's id (2026-0001-000042)",
    "the notice code (K7QM-2D9X-PH4T-W3RC)",
    "the date of the notice, in words",
    "yes in a follow-up notice (followup.*.mustache): the exposure changed since an earlier notice",
    "follow-up: the id of the earlier notice it corrects (2026-0001-000042)",
    "follow-up: the date of the earlier notice, in words",
    "follow-up: the first view the earlier notice stated",
    "follow-up: the last view the earlier notice stated",
    "follow-up: yes when the earlier notice stated a single view",
    "follow-up: the number of views the earlier notice stated",
    "follow-up: the number of other people the earlier notice stated",
    "that number in words",
    "follow-up: the disclosed data as the earlier notice stated it, as one phrase",
    "follow-up: list: what changed since the earlier notice, one sentence each",
    NULL};

/* field keyword -> category; the words ("e-mail address", "your e-mail address", "E-Mail-Adresse",
 * "Ihre E-Mail-Adresse") are in the translation tables (util/i18n_terms.c, domains field and
 * field.your), as are the causes (cause.letter) */
enum fcat {
    FC_NAME,
    FC_EMAIL,
    FC_PHONE,
    FC_ADDRESS,
    FC_DOB,
    FC_PAYMENT,
    FC_ACCOUNT,
    FC_SECRET,
    FC_ORDERS,
    FC_SENSITIVE,
    FC_OTHER,
    FC_N
};
static const struct fword {
    const char *key;
    enum fcat cat;
} field_words[] = {
    {"name", FC_NAME},
    {"first-name", FC_NAME},
    {"last-name", FC_NAME},
    {"email", FC_EMAIL},
    {"e-mail", FC_EMAIL},
    {"phone", FC_PHONE},
    {"mobile", FC_PHONE},
    {"address", FC_ADDRESS},
    {"postal-address", FC_ADDRESS},
    {"dob", FC_DOB},
    {"date-of-birth", FC_DOB},
    {"birthdate", FC_DOB},
    {"customer-number", FC_ACCOUNT},
    {"account", FC_ACCOUNT},
    {"username", FC_ACCOUNT},
    {"password", FC_SECRET},
    {"payment-card", FC_PAYMENT},
    {"payment", FC_PAYMENT},
    {"bank-account", FC_PAYMENT},
    {"iban", FC_PAYMENT},
    {"order-history", FC_ORDERS},
    {"orders", FC_ORDERS},
    {"preferences", FC_ORDERS},
    {"location", FC_SENSITIVE},
    {"health", FC_SENSITIVE},
    {"gender", FC_NAME},
    {"ip-address", FC_OTHER},
};
#define NFIELDS (sizeof field_words / sizeof field_words[0])

/* the plain word and the one with "your"/"Ihr" */
static const char *fw_word(const struct fword *f, int de)
{
    return i18n_term_or(de ? I18N_DE : I18N_EN, "field", f->key);
}

static const char *fw_your(const struct fword *f, int de)
{
    return i18n_term_or(de ? I18N_DE : I18N_EN, "field.your", f->key);
}

/* consequences and advice (en, de), chosen by the categories of the disclosed data */
enum { K_EMAIL, K_NAME, K_PHONE, K_ADDRESS, K_DOB, K_PAYMENT, K_ACCOUNT, K_ORDERS, K_SENSITIVE, K_GENERIC, K_N };
static const char *const conseq[K_N][2] = {
    [K_EMAIL] =
        {"You may receive more unwanted e-mail, including fraudulent messages (phishing) that pretend to come from us or from another company you know.",
         "Sie könnten mehr unerwünschte E-Mails erhalten, auch betrügerische Nachrichten (Phishing), die vorgeben, von uns oder einem anderen Ihnen bekannten Unternehmen zu stammen."},
    [K_NAME] =
        {"Fraudsters could address you by your name, which makes fake messages look more convincing (targeted phishing).",
         "Betrüger könnten Sie mit Ihrem Namen ansprechen; gefälschte Nachrichten wirken dadurch glaubwürdiger (gezieltes Phishing)."},
    [K_PHONE] = {"You could receive fraudulent calls or text messages.",
                 "Sie könnten betrügerische Anrufe oder SMS erhalten."},
    [K_ADDRESS] = {"Someone could misuse your postal address, for example to order goods in your name.",
                   "Jemand könnte Ihre Postanschrift missbrauchen, etwa um in Ihrem Namen Waren zu bestellen."},
    [K_DOB] =
        {"Together with other details, your date of birth could help someone pretend to be you (identity theft).",
         "Zusammen mit anderen Angaben könnte Ihr Geburtsdatum jemandem helfen, sich als Sie auszugeben (Identitätsdiebstahl)."},
    [K_PAYMENT] =
        {"Your payment details could be misused for payments or direct debits that you did not authorise.",
         "Ihre Zahlungsdaten könnten für Zahlungen oder Lastschriften missbraucht werden, die Sie nicht veranlasst haben."},
    [K_ACCOUNT] =
        {"Someone could try to sign in to your account or to pass themselves off as you to our customer service.",
         "Jemand könnte versuchen, sich in Ihr Konto einzuloggen oder sich bei unserem Kundenservice als Sie auszugeben."},
    [K_ORDERS] =
        {"Details of your orders could be quoted in fake messages to make them look genuine.",
         "Angaben zu Ihren Bestellungen könnten in gefälschten Nachrichten zitiert werden, damit diese echt wirken."},
    [K_SENSITIVE] =
        {"This data is particularly sensitive: others could draw conclusions about your private life from it.",
         "Diese Daten sind besonders schutzwürdig: Andere könnten daraus Schlüsse über Ihr Privatleben ziehen."},
    [K_GENERIC] =
        {"Someone who saw your data could use it to make fraudulent messages to you look genuine.",
         "Wer Ihre Daten gesehen hat, könnte sie nutzen, um betrügerische Nachrichten an Sie echt wirken zu lassen."},
};
enum { A_CAREFUL, A_LINKS, A_PHONE, A_PAYMENT, A_PASSWORD, A_PASSWORD_SAFE, A_GOODS, A_N };
static const char *const advice[A_N][2] = {
    [A_CAREFUL] =
        {"Be careful with e-mails, calls and letters that refer to this incident or ask for passwords, codes or payment details. We never ask for them.",
         "Seien Sie vorsichtig bei E-Mails, Anrufen und Briefen, die sich auf diesen Vorfall beziehen oder nach Passwörtern, Codes oder Zahlungsdaten fragen. Danach fragen wir nie."},
    [A_LINKS] =
        {"Do not open links or attachments in unexpected messages; type our web address into your browser yourself instead.",
         "Öffnen Sie keine Links oder Anhänge in unerwarteten Nachrichten; tippen Sie unsere Webadresse lieber selbst in den Browser ein."},
    [A_PHONE] =
        {"If someone calls you about this incident, hang up and call us back on the number in this letter.",
         "Ruft Sie jemand wegen dieses Vorfalls an, legen Sie auf und rufen Sie uns unter der Nummer in diesem Schreiben zurück."},
    [A_PAYMENT] =
        {"Check your account and card statements over the coming months, and tell your bank at once about any payment you do not recognise.",
         "Prüfen Sie in den nächsten Monaten Ihre Konto- und Kartenauszüge und melden Sie Ihrer Bank sofort jede Zahlung, die Sie nicht kennen."},
    [A_PASSWORD] = {"Change your password, and also everywhere else you use the same password.",
                    "Ändern Sie Ihr Passwort, auch überall dort, wo Sie dasselbe Passwort verwenden."},
    [A_PASSWORD_SAFE] = {"Your password was not affected: you do not need to change it because of this incident.",
                         "Ihr Passwort war nicht betroffen: Sie müssen es wegen dieses Vorfalls nicht ändern."},
    [A_GOODS] =
        {"If you receive goods, invoices or reminders for orders you did not place, tell the sender and us.",
         "Erhalten Sie Waren, Rechnungen oder Mahnungen zu Bestellungen, die Sie nicht aufgegeben haben, informieren Sie den Absender und uns."},
};

/* ---------------------------------------------------------------- templates */

struct notice_templates {
    struct tmpl *t[NOTICE_NKINDS][NOTICE_NLANGS][NOTICE_NPARTS];
    char *manifest;
    char *tags; /* the text of every tag of every template, '\n'-separated */
    size_t tags_len;
};

/* append the inside of every {{…}} tag of src to t->tags */
static int collect_tags(struct notice_templates *t, const char *src, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (src[i] != '{' || src[i + 1] != '{') continue;
        size_t j = i + 2;
        while (j + 1 < n && !(src[j] == '}' && src[j + 1] == '}')) j++;
        if (j + 1 >= n) break;
        char *nt = realloc(t->tags, t->tags_len + (j - i - 2) + 2);
        if (!nt) return -1;
        t->tags = nt;
        memcpy(t->tags + t->tags_len, src + i + 2, j - i - 2);
        t->tags_len += j - i - 2;
        t->tags[t->tags_len++] = '\n';
        t->tags[t->tags_len] = 0;
        i = j + 1;
    }
    return 0;
}

int notice_templates_use(const struct notice_templates *t, const char *name)
{
    const char *last = strrchr(name, '.');
    last = last ? last + 1 : name;
    return t->tags && strstr(t->tags, last) != NULL;
}

static int utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            if (c == 0) goto fail;
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            min = 0x10000;
            c &= 0x07;
        } else goto fail;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) goto fail;
            c = (c << 6) | (s[i + j] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) goto fail;
        i += k + 1;
    }
    return 1;
fail:
    *bad = i;
    return 0;
}

static size_t line_of(const char *s, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n') line++;
    return line;
}

/* read DIR/NAME into a malloc'd buffer: 1 loaded, 0 not there, -1 error */
static int read_template(const char *dir, const char *name, char **out, size_t *len, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return err_set(err, errlen, "template directory name too long");
    struct stat st;
    if (stat(path, &st)) {
        if (errno == ENOENT) return 0;
        return err_set(err, errlen, "cannot open '%s': %s", path, strerror(errno));
    }
    /* checked before opening: a FIFO or a directory of that name must not block or be read */
    if (!S_ISREG(st.st_mode)) return err_set(err, errlen, "'%s' is not a regular file", path);
    int rc = file_read(path, TMPL_MAX_SOURCE, out, len, err, errlen);
    if (rc == FILE_ENOENT) return 0; /* removed since the stat */
    return rc ? -1 : 1;
}

/* load, check and compile template NAME (kind K, language L, part P) into t, and append its
   manifest line to *man: 0 or -1 with err */
static int load_one(struct notice_templates *t, const char *dir, enum notice_kind k, enum notice_lang l,
                    enum notice_part p, char **man, size_t *manlen, char *err, size_t errlen)
{
    const char *name = tmpl_names[k][l][p];
    if (!name) return 0; /* a part this kind does not have */
    char *own = NULL;
    size_t len = 0, bad;
    const char *src;
    int got = dir ? read_template(dir, name, &own, &len, err, errlen) : 0;
    if (got < 0) return -1;
    src = got ? own : builtin_start(k, l, p, &len);
    if (!utf8_valid((const unsigned char *)src, len, &bad)) {
        err_set(err, errlen, "%s line %zu: not valid UTF-8", name, line_of(src, bad));
        free(own);
        return -1;
    }
    t->t[k][l][p] = tmpl_compile(name, src, len, p == NOTICE_HTML ? TMPL_HTML : 0, notice_placeholders, err, errlen);
    if (t->t[k][l][p] && collect_tags(t, src, len)) {
        err_set(err, errlen, "out of memory");
        tmpl_free(t->t[k][l][p]);
        t->t[k][l][p] = NULL;
    }
    uint8_t dg[SHA256_DIGEST_LEN];
    char hex[SHA256_HEX_LEN + 1];
    sha256_hash(src, len, dg);
    sha256_to_hex(dg, hex);
    free(own);
    if (!t->t[k][l][p]) return -1;
    char line[4096 + 200];
    int n = snprintf(line, sizeof line, "%s %s%s%s %s\n", name, got ? dir : "built-in", got ? "/" : "", got ? name : "",
                     hex);
    if (n < 0 || (size_t)n >= sizeof line) return err_set(err, errlen, "template directory name too long");
    char *nm = realloc(*man, *manlen + (size_t)n + 1);
    if (!nm) return err_set(err, errlen, "out of memory");
    *man = nm;
    memcpy(*man + *manlen, line, (size_t)n + 1);
    *manlen += (size_t)n;
    return 0;
}

struct notice_templates *notice_templates_load(const char *dir, char *err, size_t errlen)
{
    struct notice_templates *t = calloc(1, sizeof *t);
    char *man = NULL;
    size_t manlen = 0;
    if (!t) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    if (dir) {
        struct stat st;
        if (stat(dir, &st)) {
            err_set(err, errlen, "template directory '%s': %s", dir, strerror(errno));
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
            err_set(err, errlen, "template directory '%s': not a directory", dir);
            goto fail;
        }
    }
    /* manifest lines: the first notice's templates, then the follow-up's, then the letter's; each
       kind sorted by name: de before en, html < subject < txt */
    static const enum notice_part order[NOTICE_NPARTS] = {NOTICE_HTML, NOTICE_SUBJECT, NOTICE_TXT};
    static const enum notice_lang lorder[NOTICE_NLANGS] = {NOTICE_DE, NOTICE_EN};
    for (int k = 0; k < NOTICE_NKINDS; k++)
        for (int li = 0; li < NOTICE_NLANGS; li++)
            for (int pi = 0; pi < NOTICE_NPARTS; pi++)
                if (load_one(t, dir, (enum notice_kind)k, lorder[li], order[pi], &man, &manlen, err, errlen)) goto fail;
    t->manifest = man;
    return t;
fail:
    free(man);
    notice_templates_free(t);
    return NULL;
}

void notice_templates_free(struct notice_templates *t)
{
    if (!t) return;
    for (int k = 0; k < NOTICE_NKINDS; k++)
        for (int l = 0; l < NOTICE_NLANGS; l++)
            for (int p = 0; p < NOTICE_NPARTS; p++) tmpl_free(t->t[k][l][p]);
    free(t->manifest);
    free(t->tags);
    free(t);
}

const char *notice_templates_manifest(const struct notice_templates *t)
{
    return t->manifest ? t->manifest : "";
}

/* ---------------------------------------------------------------- helpers */

int notice_lang_parse(const char *s)
{
    if (!s) return -1;
    if (!strcasecmp(s, "de")) return NOTICE_DE;
    if (!strcasecmp(s, "en")) return NOTICE_EN;
    return -1;
}

const char *notice_lang_code(enum notice_lang l)
{
    return l == NOTICE_DE ? "de" : "en";
}

void notice_make_id(const char *incident_ref, int64_t seq, char *out, size_t len)
{
    snprintf(out, len, "%s-%06lld", incident_ref, (long long)seq);
}

int notice_url_host(const char *url, char *out, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = NULL;
    for (const char *q = p; *q && *q != '/' && *q != '?' && *q != '#'; q++)
        if (*q == '@') at = q;
    if (at) p = at + 1;
    size_t n = 0;
    while (p[n] && p[n] != '/' && p[n] != ':' && p[n] != '?' && p[n] != '#') n++;
    if (n == 0 || n >= len) {
        if (len) out[0] = 0;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!(isalnum(c) || c == '-' || c == '.')) {
            out[0] = 0;
            return -1;
        }
        out[i] = (char)tolower(c);
    }
    out[n] = 0;
    return 0;
}

void notice_mask_address(const char *addr, char *out, size_t len)
{
    if (!len) return;
    out[0] = 0;
    if (!addr) return;
    const char *at = strrchr(addr, '@');
    if (!at || at == addr || !at[1]) return;
    /* the first character of the local part (one UTF-8 character), "***@", the domain */
    size_t first = 1;
    while (addr + first < at && ((unsigned char)addr[first] & 0xC0) == 0x80) first++;
    snprintf(out, len, "%.*s***@%s", (int)first, addr, at + 1);
}

void notice_trusted_comment(const char *incident_ref, const char *notice_id, int64_t t, int test, char *out, size_t len)
{
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    snprintf(out, len, "klartext notice\tincident:%s\tnotice:%s\ttime:%s%s", incident_ref, notice_id, iso,
             test ? "\ttest:yes" : "");
}

static int field_copy(const char *v, size_t n, char *out, size_t len)
{
    if (n == 0 || n >= len) return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x21 || v[i] == 0x7f) return -1;
    memcpy(out, v, n);
    out[n] = 0;
    return 0;
}

int notice_trusted_parse(const char *s, size_t n, char *incident_ref, size_t reflen, char *notice_id, size_t idlen,
                         int64_t *t, int *test)
{
    static const char pre[] = "klartext notice\t";
    if (n < sizeof pre - 1 || memcmp(s, pre, sizeof pre - 1)) return -1;
    int have_i = 0, have_n = 0, have_t = 0;
    *test = 0;
    size_t i = sizeof pre - 1;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '\t') j++;
        const char *f = s + i;
        size_t fl = j - i;
        const char *colon = memchr(f, ':', fl);
        if (!colon) return -1;
        size_t kl = (size_t)(colon - f), vl = fl - kl - 1;
        const char *v = colon + 1;
        if (kl == 8 && !memcmp(f, "incident", 8)) {
            if (field_copy(v, vl, incident_ref, reflen)) return -1;
            have_i = 1;
        } else if (kl == 6 && !memcmp(f, "notice", 6)) {
            if (field_copy(v, vl, notice_id, idlen)) return -1;
            have_n = 1;
        } else if (kl == 4 && !memcmp(f, "time", 4)) {
            char tb[64], e[64];
            if (field_copy(v, vl, tb, sizeof tb) || kt_time_parse(tb, t, e, sizeof e)) return -1;
            have_t = 1;
        } else if (kl == 4 && !memcmp(f, "test", 4)) *test = vl == 3 && !memcmp(v, "yes", 3);
        i = j + 1;
    }
    return have_i && have_n && have_t ? 0 : -1;
}

/* ---- text wrapping ---- */

/* characters in s[0..n): the bytes that are not UTF-8 continuation bytes (10xxxxxx), eight at a
   time: a continuation byte has its top bit set and the next one clear */
static size_t u8_chars(const char *s, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        cont += (size_t)__builtin_popcountll(x & ~(x << 1) & 0x8080808080808080ull);
    }
    for (; i < n; i++) cont += ((unsigned char)s[i] & 0xC0) == 0x80;
    return n - cont;
}

/* hanging indent of a list line: "- ", "* ", "12. " (after leading spaces); 0 if none */
static size_t list_indent(const char *s, size_t n, size_t lead)
{
    size_t i = lead;
    if (i + 1 < n && (s[i] == '-' || s[i] == '*') && s[i + 1] == ' ') return lead + 2;
    size_t d = i;
    while (d < n && d - i < 3 && isdigit((unsigned char)s[d])) d++;
    if (d > i && d + 1 < n && s[d] == '.' && s[d + 1] == ' ') return d + 2;
    return 0;
}

/* wrap one line LN (LL bytes, no LF, longer than W characters) onto O at *OL (room for
   LL + (LL / 2 + 1) * (W / 2 + 1) bytes is there: every output line is a piece of the input
   line plus, after a break, a LF and the hanging indent of at most W / 2; a break replaces at
   least one space and follows at least one character) */
static void wrap_line(const char *ln, size_t ll, size_t w, char *o, size_t *olp)
{
    size_t ol = *olp;
    size_t lead = 0;
    while (lead < ll && ln[lead] == ' ') lead++;
    size_t hang = list_indent(ln, ll, lead);
    if (!hang) hang = lead;
    if (hang > w / 2) hang = lead > w / 2 ? 0 : lead;
    /* seg: start of the output line's text; last: end of the last word put on it */
    size_t seg = 0, last = lead, pos = lead, col = lead;
    int first = 1;
    while (pos < ll) {
        size_t ws = pos;
        while (ws < ll && ln[ws] == ' ') ws++;
        if (ws >= ll) break;
        size_t we = ws, wl = 0;
        for (; we < ll && ln[we] != ' '; we++) wl += ((unsigned char)ln[we] & 0xC0) != 0x80;
        size_t gap = ws - pos;
        if (!first && col + gap + wl > w && col > hang) {
            memcpy(o + ol, ln + seg, last - seg);
            ol += last - seg;
            o[ol++] = '\n';
            memset(o + ol, ' ', hang);
            ol += hang;
            seg = ws;
            col = hang;
            gap = 0;
        }
        col += gap + wl;
        first = 0;
        last = pos = we;
    }
    memcpy(o + ol, ln + seg, last - seg);
    ol += last - seg;
    *olp = ol;
}

/* wrap B into SCRATCH and swap their memory (each keeps its max); lines that need wrapping are
   looked up in MM first (may be NULL) */
static int wrap_buf(struct buf *b, int width, struct memo *mm, struct buf *scratch)
{
    if (!b->p || !b->len) return 0;
    size_t n = b->len, i = 0, w = (size_t)width;
    if (width < 1 || w / 2 + 1 > (SIZE_MAX / 2 - n) / (n / 2 + 1)) return -1;
    size_t need = n + (n / 2 + 1) * (w / 2 + 1); /* see wrap_line */
    buf_reset(scratch);
    if (buf_reserve(scratch, need)) return -1;
    char *o = scratch->p;
    size_t ol = 0;
    const char *s = b->p;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        size_t end = e;
        while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r')) end--;
        const char *ln = s + i;
        size_t ll = end - i;
        if (ll <= w || (ll <= 4 * w && u8_chars(ln, ll) <= w)) { /* a character has at most 4 bytes */
            memcpy(o + ol, ln, ll);
            ol += ll;
        } else {
            uint64_t h = 0;
            size_t vl;
            const char *v = mm ? memo_get(mm, ln, ll, h = memo_hash(ln, ll), &vl) : NULL;
            if (v) {
                memcpy(o + ol, v, vl);
                ol += vl;
            } else {
                size_t o0 = ol;
                wrap_line(ln, ll, w, o, &ol);
                if (mm) memo_put(mm, ln, ll, h, o + o0, ol - o0);
            }
        }
        if (e < n) o[ol++] = '\n';
        i = e + 1;
    }
    o[ol] = 0;
    char *bp = b->p;
    size_t bcap = b->cap;
    b->p = scratch->p;
    b->cap = scratch->cap;
    b->len = ol;
    scratch->p = bp;
    scratch->cap = bcap;
    scratch->len = 0;
    bp[0] = 0;
    return 0;
}

int notice_wrap_memo(struct buf *b, int width, struct memo *mm)
{
    struct buf scratch;
    buf_init(&scratch, 0);
    int rc = wrap_buf(b, width, mm, &scratch);
    buf_release(&scratch);
    return rc;
}

int notice_wrap(struct buf *b, int width)
{
    return notice_wrap_memo(b, width, NULL);
}

/* ---------------------------------------------------------------- rendering */

#define JOIN_MAX 8191 /* a phrase joined from a list ("your name and your e-mail address") */

struct notice_renderer {
    const struct notice_templates *t;
    struct tmpl_ctx *c;
    struct buf sb, tb, hb, wrap; /* subject, text, HTML, the wrapper's scratch space */
    struct buf join; /* phrases joined from lists for the context */
    struct memo *wrapped; /* paragraphs wrapped before (the same in every letter) */
};

struct notice_renderer *notice_renderer_new(const struct notice_templates *t)
{
    struct notice_renderer *rr = calloc(1, sizeof *rr);
    if (!rr) return NULL;
    rr->t = t;
    rr->c = tmpl_ctx_new();
    rr->wrapped = memo_new();
    if (!rr->c || !rr->wrapped) {
        tmpl_ctx_free(rr->c);
        memo_free(rr->wrapped);
        free(rr);
        return NULL;
    }
    buf_init(&rr->sb, NOTICE_SUBJECT_MAX);
    buf_init(&rr->tb, NOTICE_TEXT_MAX);
    buf_init(&rr->hb, NOTICE_TEXT_MAX);
    buf_init(&rr->wrap, 0);
    buf_init(&rr->join, JOIN_MAX);
    return rr;
}

void notice_renderer_free(struct notice_renderer *rr)
{
    if (!rr) return;
    tmpl_ctx_free(rr->c);
    buf_release(&rr->sb);
    buf_release(&rr->tb);
    buf_release(&rr->hb);
    buf_release(&rr->wrap);
    buf_release(&rr->join);
    memo_free(rr->wrapped);
    free(rr);
}

void notice_result_release(struct notice_result *res)
{
    free(res->subject);
    free(res->text);
    free(res->html);
    buf_release(&res->eml);
    memo_free(res->memo);
    memset(res, 0, sizeof *res);
}

static const struct fword *field_find(const char *key, size_t n)
{
    char k[64];
    if (n >= sizeof k) return NULL;
    for (size_t i = 0; i < n; i++) k[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
    k[n] = 0;
    for (size_t i = 0; i < NFIELDS; i++)
        if (!strcmp(field_words[i].key, k)) return &field_words[i];
    return NULL;
}

/* the word of a field the notice has no category for but the translation tables know (e.g.
   "surname"), or NULL: domain "field" or "field.your" */
static const char *field_term(const char *key, size_t n, const char *domain, int de)
{
    char k[64];
    if (n >= sizeof k) return NULL;
    for (size_t i = 0; i < n; i++) k[i] = key[i] == '_' ? '-' : (char)tolower((unsigned char)key[i]);
    k[n] = 0;
    return i18n_term(de ? I18N_DE : I18N_EN, domain, k);
}

const char *notice_field_word(const char *key, size_t n, int german)
{
    const struct fword *w = field_find(key, n);
    return w ? fw_word(w, german) : NULL;
}

/* join items "a, b and c" / "a, b und c" into b (an item that does not fit is left out) */
static void join_items(struct buf *b, const char *const *items, size_t n, enum notice_lang l)
{
    for (size_t i = 0; i < n; i++) {
        if (i) buf_adds(b, i + 1 == n ? (l == NOTICE_DE ? " und " : " and ") : ", ");
        buf_adds(b, items[i]);
    }
}

#define MAXITEMS 64

/* split a ';' or ',' list into (pointer, length) tokens */
static size_t split_list(const char *s, const char **tok, size_t *tl, size_t max)
{
    size_t n = 0;
    if (!s) return 0;
    while (*s && n < max) {
        while (*s == ';' || *s == ',' || *s == ' ') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ';' && *e != ',') e++;
        const char *te = e;
        while (te > s && te[-1] == ' ') te--;
        if (te > s) {
            tok[n] = s;
            tl[n] = (size_t)(te - s);
            n++;
        }
        s = e;
    }
    return n;
}

static int fmt_time(enum notice_lang l, int64_t t, const char *zone, char *out, size_t len, char *err, size_t errlen)
{
    return i18n_format_utc(l == NOTICE_DE ? I18N_DE : I18N_EN, t, zone, I18N_FULL, out, len, err, errlen);
}

static void set_num(struct tmpl_node *m, const char *key, enum notice_lang l, int64_t v)
{
    char t[I18N_TEXT_MAX];
    i18n_format_int(l == NOTICE_DE ? I18N_DE : I18N_EN, v, t, sizeof t);
    tmpl_set_num(m, key, v, t);
}

static void set_words(struct tmpl_node *m, const char *key, enum notice_lang l, int64_t v)
{
    char t[I18N_TEXT_MAX];
    i18n_format_count(l == NOTICE_DE ? I18N_DE : I18N_EN, v, I18N_FEM, t, sizeof t);
    tmpl_set_num(m, key, v, t);
}

/* ---- the data model of one notice, part by part ---- */

static void ctx_person_org(struct tmpl_node *r, const struct notice_org *org, const struct notice_person *p)
{
    struct tmpl_node *pn = tmpl_set_map(r, "person");
    tmpl_set_str(pn, "name", p->name ? p->name : "");
    if (p->salutation && *p->salutation) tmpl_set_str(pn, "salutation", p->salutation);
    tmpl_set_str(pn, "timezone", p->timezone ? p->timezone : "UTC");

    struct tmpl_node *o = tmpl_set_map(r, "org");
    tmpl_set_str(o, "name", org->name ? org->name : "");
    tmpl_set_str(o, "address", org->address ? org->address : "");
    struct tmpl_node *dpo = tmpl_set_map(o, "dpo");
    tmpl_set_str(dpo, "name", org->dpo_name ? org->dpo_name : "");
    tmpl_set_str(dpo, "email", org->dpo_email ? org->dpo_email : "");
    tmpl_set_str(dpo, "phone", org->dpo_phone ? org->dpo_phone : "");
    struct tmpl_node *svc = tmpl_set_map(o, "service");
    tmpl_set_str(svc, "phone", org->service_phone ? org->service_phone : "");
    tmpl_set_str(svc, "hours", org->service_hours ? org->service_hours : "");
    struct tmpl_node *portal = tmpl_set_map(o, "portal");
    tmpl_set_str(portal, "url", org->portal_url ? org->portal_url : "");
    char host[256];
    if (org->portal_url && !notice_url_host(org->portal_url, host, sizeof host)) tmpl_set_str(portal, "host", host);
    else tmpl_set_str(portal, "host", "");
    tmpl_set_str(o, "authority", org->authority ? org->authority : "");
    tmpl_set_str(o, "key_id", org->key_id ? org->key_id : "");
}

/* incident.started/ended/duration/fixed/reported in the person's language and zone */
static int ctx_incident_times(struct tmpl_node *in, const struct notice_incident *inc, enum notice_lang L,
                              const char *zone, char *err, size_t errlen)
{
    char tbuf[I18N_TEXT_MAX], tb2[I18N_TEXT_MAX];
    int64_t ended = inc->occurred_until ? inc->occurred_until : inc->contained_at;
    if (inc->occurred_from) {
        if (fmt_time(L, inc->occurred_from, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
        tmpl_set_str(in, "started", tbuf);
        if (ended && ended >= inc->occurred_from) {
            if (i18n_format_duration(L == NOTICE_DE ? I18N_DE : I18N_EN, ended - inc->occurred_from, tb2, sizeof tb2) ==
                0)
                tmpl_set_str(in, "duration", tb2);
        }
    }
    if (ended) {
        if (fmt_time(L, ended, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
        tmpl_set_str(in, "ended", tbuf);
    }
    if (inc->contained_at) {
        if (fmt_time(L, inc->contained_at, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
        tmpl_set_str(in, "fixed", tbuf);
    }
    if (inc->notified_at) {
        if (fmt_time(L, inc->notified_at, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
        tmpl_set_str(in, "reported", tbuf);
    }
    return 0;
}

/* incident.*; *password_safe when the password is known not to be affected */
static int ctx_incident(struct notice_renderer *rr, struct tmpl_node *r, const struct notice_incident *inc,
                        enum notice_lang L, const char *zone, int *password_safe, char *err, size_t errlen)
{
    int de = L == NOTICE_DE;
    struct tmpl_node *in = tmpl_set_map(r, "incident");
    tmpl_set_str(in, "ref", inc->ref ? inc->ref : "");
    /* the register's free texts, as recorded (in whatever language, for whatever reader they were
       written): only for templates that an organisation writes itself */
    if (inc->title && *inc->title) tmpl_set_str(in, "title", inc->title);
    if (inc->description && *inc->description) tmpl_set_str(in, "description", inc->description);
    if (inc->consequences && *inc->consequences) tmpl_set_str(in, "consequences", inc->consequences);
    if (inc->measures_taken && *inc->measures_taken) tmpl_set_str(in, "measures_taken", inc->measures_taken);
    if (inc->measures_proposed && *inc->measures_proposed)
        tmpl_set_str(in, "measures_proposed", inc->measures_proposed);
    if (inc->cause)
        if (i18n_term(L == NOTICE_DE ? I18N_DE : I18N_EN, "cause.letter", inc->cause))
            tmpl_set_str(in, "cause", i18n_term(L == NOTICE_DE ? I18N_DE : I18N_EN, "cause.letter", inc->cause));
    if (ctx_incident_times(in, inc, L, zone, err, errlen)) return -1;
    const char *tok[MAXITEMS], *items[MAXITEMS];
    size_t tl[MAXITEMS];
    char unk[MAXITEMS][96];
    *password_safe = 0;
    size_t nna = split_list(inc->data_not_affected, tok, tl, MAXITEMS);
    if (nna) {
        struct tmpl_node *lst = tmpl_set_list(in, "not_affected");
        for (size_t i = 0; i < nna; i++) {
            const struct fword *f = field_find(tok[i], tl[i]);
            if (f && f->cat == FC_SECRET) *password_safe = 1;
            if (f) {
                tmpl_add_str(lst, fw_word(f, de));
                items[i] = fw_your(f, de);
            } else if (field_term(tok[i], tl[i], "field", de)) {
                tmpl_add_str(lst, field_term(tok[i], tl[i], "field", de));
                items[i] = field_term(tok[i], tl[i], "field.your", de);
            } else {
                snprintf(unk[i], sizeof unk[i], "%.*s", (int)tl[i], tok[i]);
                tmpl_add_str(lst, unk[i]);
                items[i] = unk[i];
            }
        }
        buf_reset(&rr->join);
        join_items(&rr->join, items, nna, L);
        tmpl_set_str(in, "not_affected_text", buf_str(&rr->join));
    }
    return 0;
}

/* exposure.fields and exposure.fields_text (EX NULL: only the phrase, left in rr->join); cats[] gets the
   categories of the disclosed data */
static void ctx_fields(struct notice_renderer *rr, struct tmpl_node *ex, const char *fields, enum notice_lang L,
                       int cats[FC_N])
{
    int de = L == NOTICE_DE;
    const char *tok[MAXITEMS];
    size_t tl[MAXITEMS];
    char unk[MAXITEMS][96];
    size_t nf = split_list(fields, tok, tl, MAXITEMS);
    /* order: as in field_words (name before e-mail), unknown ones after, in their order */
    const struct fword *fw[MAXITEMS];
    size_t order[MAXITEMS], no = 0;
    for (size_t i = 0; i < nf; i++) fw[i] = field_find(tok[i], tl[i]);
    for (size_t k = 0; k < NFIELDS; k++)
        for (size_t i = 0; i < nf; i++)
            if (fw[i] == &field_words[k]) {
                int dup = 0;
                for (size_t j = 0; j < no; j++)
                    if (fw[order[j]] && !strcmp(fw_word(fw[order[j]], de), fw_word(fw[i], de))) dup = 1;
                if (!dup) order[no++] = i;
            }
    for (size_t i = 0; i < nf; i++)
        if (!fw[i]) order[no++] = i;
    struct tmpl_node *fl = ex ? tmpl_set_list(ex, "fields") : NULL;
    const char *your[MAXITEMS];
    for (size_t j = 0; j < no; j++) {
        size_t i = order[j];
        if (fw[i]) {
            if (fl) tmpl_add_str(fl, fw_word(fw[i], de));
            your[j] = fw_your(fw[i], de);
            cats[fw[i]->cat] = 1;
        } else if (field_term(tok[i], tl[i], "field", de)) {
            if (fl) tmpl_add_str(fl, field_term(tok[i], tl[i], "field", de));
            your[j] = field_term(tok[i], tl[i], "field.your", de);
            cats[FC_OTHER] = 1;
        } else {
            snprintf(unk[j], sizeof unk[j], de ? "Angaben „%.*s“" : "the data “%.*s”", (int)tl[i], tok[i]);
            if (fl) tmpl_add_str(fl, unk[j]);
            your[j] = unk[j];
            cats[FC_OTHER] = 1;
        }
    }
    buf_reset(&rr->join);
    if (no) join_items(&rr->join, your, no, L);
    else buf_adds(&rr->join, de ? "Ihre personenbezogenen Daten" : "your personal data");
    if (ex) tmpl_set_str(ex, "fields_text", buf_str(&rr->join));
}

/* exposure.*: what of the person's data was seen, when, how often, by how many, where */
static int ctx_exposure(struct notice_renderer *rr, struct tmpl_node *r, const struct notice_person *p,
                        enum notice_lang L, const char *zone, int cats[FC_N], char *err, size_t errlen)
{
    char tbuf[I18N_TEXT_MAX];
    struct tmpl_node *ex = tmpl_set_map(r, "exposure");
    ctx_fields(rr, ex, p->fields, L, cats);
    if (fmt_time(L, p->first_seen, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
    tmpl_set_str(ex, "first", tbuf);
    if (fmt_time(L, p->last_seen, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
    tmpl_set_str(ex, "last", tbuf);
    tmpl_set_bool(ex, "once", p->first_seen == p->last_seen);
    i18n_format_duration(L == NOTICE_DE ? I18N_DE : I18N_EN,
                         p->last_seen >= p->first_seen ? p->last_seen - p->first_seen : 0, tbuf, sizeof tbuf);
    tmpl_set_str(ex, "span", tbuf);
    set_num(ex, "views", L, p->views);
    set_num(ex, "viewers", L, p->viewers);
    set_words(ex, "viewers_words", L, p->viewers);
    set_num(ex, "signed_in", L, p->signed_in);
    set_words(ex, "signed_in_words", L, p->signed_in);
    set_num(ex, "anonymous", L, p->anonymous);
    set_words(ex, "anonymous_words", L, p->anonymous);
    tmpl_set_bool(ex, "both", p->signed_in > 0 && p->anonymous > 0);
    const char *items[MAXITEMS];
    size_t np = p->npages < MAXITEMS ? p->npages : MAXITEMS;
    struct tmpl_node *pl = tmpl_set_list(ex, "pages");
    for (size_t i = 0; i < np; i++) { /* each page whole, as the register keeps the list */
        items[i] = p->pages[i];
        tmpl_add_str(pl, p->pages[i]);
    }
    buf_reset(&rr->join);
    join_items(&rr->join, items, np, L);
    tmpl_set_str(ex, "pages_text", buf_str(&rr->join));
    tmpl_set_int(ex, "page_count", (int64_t)np);
    return 0;
}

/* consequences and advice, chosen by the categories of the disclosed data */
static void ctx_advice(struct tmpl_node *r, const int cats[FC_N], int password_safe, int de)
{
    int k[K_N] = {0}, a[A_N] = {0};
    if (cats[FC_EMAIL]) k[K_EMAIL] = 1;
    if (cats[FC_NAME]) k[K_NAME] = 1;
    if (cats[FC_PHONE]) k[K_PHONE] = 1;
    if (cats[FC_ADDRESS]) k[K_ADDRESS] = 1;
    if (cats[FC_DOB]) k[K_DOB] = 1;
    if (cats[FC_PAYMENT]) k[K_PAYMENT] = 1;
    if (cats[FC_ACCOUNT] || cats[FC_SECRET]) k[K_ACCOUNT] = 1;
    if (cats[FC_ORDERS]) k[K_ORDERS] = 1;
    if (cats[FC_SENSITIVE]) k[K_SENSITIVE] = 1;
    int any = 0;
    for (int i = 0; i < K_N; i++) any |= k[i];
    if (!any || cats[FC_OTHER]) k[K_GENERIC] = 1;
    a[A_CAREFUL] = 1;
    a[A_LINKS] = 1;
    if (cats[FC_PHONE]) a[A_PHONE] = 1;
    if (cats[FC_PAYMENT]) a[A_PAYMENT] = 1;
    if (cats[FC_SECRET]) a[A_PASSWORD] = 1;
    else if (password_safe) a[A_PASSWORD_SAFE] = 1;
    if (cats[FC_ADDRESS] || cats[FC_DOB]) a[A_GOODS] = 1;
    struct tmpl_node *cl = tmpl_set_list(r, "consequences");
    for (int i = 0; i < K_N; i++)
        if (k[i]) tmpl_add_str(cl, conseq[i][de]);
    struct tmpl_node *al = tmpl_set_list(r, "advice");
    for (int i = 0; i < A_N; i++)
        if (a[i]) tmpl_add_str(al, advice[i][de]);
}

/* does the ';'-list A hold an item that B lacks? */
static int list_grew(const char *a, const char *b)
{
    const char *tok[MAXITEMS], *tb[MAXITEMS];
    size_t tl[MAXITEMS], tbl[MAXITEMS];
    size_t na = split_list(a, tok, tl, MAXITEMS), nb = split_list(b, tb, tbl, MAXITEMS);
    for (size_t i = 0; i < na; i++) {
        int found = 0;
        for (size_t j = 0; j < nb && !found; j++) found = tl[i] == tbl[j] && !memcmp(tok[i], tb[j], tl[i]);
        if (!found) return 1;
    }
    return 0;
}

/* the pages of P that E did not list */
static size_t pages_new(const struct notice_person *p, const struct notice_earlier *e, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->npages && n < max; i++) {
        int found = 0;
        for (size_t j = 0; j < e->npages && !found; j++) found = !strcmp(p->pages[i], e->pages[j]);
        if (!found) out[n++] = p->pages[i];
    }
    return n;
}

/* changes: one sentence per kind of change since the earlier notice */
static int ctx_changes(struct notice_renderer *rr, struct tmpl_node *r, const struct notice_person *p,
                       const struct notice_earlier *e, enum notice_lang L, const char *zone, char *err, size_t errlen)
{
    int de = L == NOTICE_DE;
    char a[I18N_TEXT_MAX], b[I18N_TEXT_MAX], line[3 * I18N_TEXT_MAX];
    struct tmpl_node *cl = tmpl_set_list(r, "changes");
    if (p->views > e->views) {
        snprintf(line, sizeof line,
                 de ? "Ihre Daten wurden %lld-mal aufgerufen, nicht %lld-mal."
                    : "Your data was viewed %lld times, not %lld.",
                 (long long)p->views, (long long)e->views);
        tmpl_add_str(cl, line);
    }
    if (p->viewers > e->viewers) {
        snprintf(line, sizeof line,
                 de ? "%lld andere Personen haben sie gesehen, nicht %lld." : "%lld other people saw it, not %lld.",
                 (long long)p->viewers, (long long)e->viewers);
        tmpl_add_str(cl, line);
    }
    if (p->first_seen < e->first_seen || p->last_seen > e->last_seen) {
        if (fmt_time(L, p->first_seen < e->first_seen ? p->first_seen : p->last_seen, zone, a, sizeof a, err, errlen) ||
            fmt_time(L, p->first_seen < e->first_seen ? e->first_seen : e->last_seen, zone, b, sizeof b, err, errlen))
            return -1;
        if (p->first_seen < e->first_seen)
            snprintf(line, sizeof line,
                     de ? "Sie wurden zuerst am %s gesehen, früher als wir schrieben (%s)."
                        : "It was first seen on %s, earlier than we wrote (%s).",
                     a, b);
        else
            snprintf(line, sizeof line,
                     de ? "Sie wurden zuletzt am %s gesehen, später als wir schrieben (%s)."
                        : "It was last seen on %s, later than we wrote (%s).",
                     a, b);
        tmpl_add_str(cl, line);
    }
    if (list_grew(p->fields, e->fields) || list_grew(e->fields, p->fields)) {
        int cats[FC_N] = {0};
        ctx_fields(rr, NULL, p->fields, L, cats);
        snprintf(line, sizeof line, de ? "Sichtbar waren: %s." : "What was visible: %s.", buf_str(&rr->join));
        tmpl_add_str(cl, line);
    }
    const char *np[MAXITEMS];
    size_t nn = pages_new(p, e, np, MAXITEMS);
    if (nn) {
        buf_reset(&rr->join);
        join_items(&rr->join, np, nn, L);
        snprintf(line, sizeof line, de ? "Auch auf diesen Seiten: %s." : "Also on these pages: %s.",
                 buf_str(&rr->join));
        tmpl_add_str(cl, line);
    }
    return 0;
}

/* earlier.* and changes: what the earlier notice stated, for a follow-up */
static int ctx_earlier(struct notice_renderer *rr, struct tmpl_node *r, const struct notice_person *p,
                       const struct notice_earlier *e, enum notice_lang L, const char *zone, char *err, size_t errlen)
{
    char tbuf[I18N_TEXT_MAX];
    int cats[FC_N] = {0};
    tmpl_set_bool(r, "followup", 1);
    struct tmpl_node *en = tmpl_set_map(r, "earlier");
    tmpl_set_str(en, "id", e->notice_id ? e->notice_id : "");
    if (i18n_format_utc(L == NOTICE_DE ? I18N_DE : I18N_EN, e->date, zone, I18N_DATE, tbuf, sizeof tbuf, err, errlen))
        return -1;
    tmpl_set_str(en, "date", tbuf);
    if (fmt_time(L, e->first_seen, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
    tmpl_set_str(en, "first", tbuf);
    if (fmt_time(L, e->last_seen, zone, tbuf, sizeof tbuf, err, errlen)) return -1;
    tmpl_set_str(en, "last", tbuf);
    tmpl_set_bool(en, "once", e->first_seen == e->last_seen);
    set_num(en, "views", L, e->views);
    set_num(en, "viewers", L, e->viewers);
    set_words(en, "viewers_words", L, e->viewers);
    ctx_fields(rr, en, e->fields, L, cats);
    return ctx_changes(rr, r, p, e, L, zone, err, errlen);
}

static int build_context(struct notice_renderer *rr, const struct notice_org *org, const struct notice_incident *inc,
                         const struct notice_person *p, const struct notice_meta *m, char *err, size_t errlen)
{
    enum notice_lang L = p->lang == NOTICE_DE ? NOTICE_DE : NOTICE_EN;
    int de = L == NOTICE_DE;
    const char *zone = p->timezone && *p->timezone ? p->timezone : "UTC";
    char tbuf[I18N_TEXT_MAX];
    int cats[FC_N] = {0}, password_safe = 0;

    tmpl_ctx_reset(rr->c);
    struct tmpl_node *r = tmpl_ctx_root(rr->c);
    tmpl_set_str(r, "lang", notice_lang_code(L));
    tmpl_set_bool(r, "test", m->test);
    tmpl_set_bool(r, "preview", m->preview);
    tmpl_set_bool(r, "voluntary", inc->voluntary);
    ctx_person_org(r, org, p);
    if (ctx_incident(rr, r, inc, L, zone, &password_safe, err, errlen) ||
        ctx_exposure(rr, r, p, L, zone, cats, err, errlen))
        return -1;
    ctx_advice(r, cats, password_safe, de);
    if (m->earlier && ctx_earlier(rr, r, p, m->earlier, L, zone, err, errlen)) return -1;

    struct tmpl_node *nn = tmpl_set_map(r, "notice");
    tmpl_set_str(nn, "id", m->notice_id ? m->notice_id : "");
    tmpl_set_str(nn, "code", m->code ? m->code : "");
    if (i18n_format_utc(de ? I18N_DE : I18N_EN, m->date, zone, I18N_DATE, tbuf, sizeof tbuf, err, errlen)) return -1;
    tmpl_set_str(nn, "date", tbuf);

    if (tmpl_ctx_error(rr->c)) return err_set(err, errlen, "notice data: %s", tmpl_ctx_error(rr->c));
    return 0;
}

/* collapse white space to single spaces and trim */
static size_t one_line(char *s, size_t n)
{
    size_t o = 0;
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            sp = o > 0;
            continue;
        }
        if (sp) {
            s[o++] = ' ';
            sp = 0;
        }
        s[o++] = (char)c;
    }
    s[o] = 0;
    return o;
}

/* hand B's bytes (NUL-terminated) to *DST, giving B the memory *DST had */
static void take(struct buf *b, char **dst, size_t *dlen, size_t *dcap)
{
    char *old = *dst;
    size_t oldcap = *dcap;
    *dst = b->p;
    *dlen = b->len;
    *dcap = b->cap;
    b->p = old;
    b->cap = old ? oldcap : 0;
    b->len = 0;
    if (old) old[0] = 0;
}

/* the canonical text in B: no leading blank lines, exactly one LF at the end; -1 when empty */
static int canonical_text(struct buf *b)
{
    size_t s0 = 0;
    while (s0 < b->len && b->p[s0] == '\n') s0++;
    size_t e = b->len;
    while (e > s0 && b->p[e - 1] == '\n') e--;
    if (e == s0) return -1;
    memmove(b->p, b->p + s0, e - s0);
    b->len = e - s0;
    b->p[b->len++] = '\n';
    b->p[b->len] = 0;
    return 0;
}

int notice_render(struct notice_renderer *rr, const struct notice_org *org, const struct notice_incident *inc,
                  const struct notice_person *p, const struct notice_meta *m, struct notice_result *res, char *err,
                  size_t errlen)
{
    enum notice_lang L = p->lang == NOTICE_DE ? NOTICE_DE : NOTICE_EN;
    enum notice_kind K = m->letter ? NOTICE_LETTER : m->earlier ? NOTICE_FOLLOWUP : NOTICE_FIRST;
    if (build_context(rr, org, inc, p, m, err, errlen)) return -1;
    struct tmpl_node *root = tmpl_ctx_root(rr->c);
    buf_reset(&rr->sb);
    buf_reset(&rr->tb);
    buf_reset(&rr->hb);
    if (tmpl_render(rr->t->t[K][L][NOTICE_SUBJECT], root, &rr->sb, err, errlen) ||
        tmpl_render(rr->t->t[K][L][NOTICE_TXT], root, &rr->tb, err, errlen) ||
        (rr->t->t[K][L][NOTICE_HTML] && tmpl_render(rr->t->t[K][L][NOTICE_HTML], root, &rr->hb, err, errlen)))
        return -1;
    rr->sb.len = one_line(rr->sb.p, rr->sb.len);
    if (!rr->sb.len) return err_set(err, errlen, "%s: the subject line is empty", tmpl_names[K][L][NOTICE_SUBJECT]);
    if (wrap_buf(&rr->tb, NOTICE_WRAP, rr->wrapped, &rr->wrap)) return err_set(err, errlen, "out of memory");
    if (canonical_text(&rr->tb)) return err_set(err, errlen, "%s: the text is empty", tmpl_names[K][L][NOTICE_TXT]);
    take(&rr->sb, &res->subject, &res->subject_len, &res->subject_cap);
    take(&rr->tb, &res->text, &res->text_len, &res->text_cap);
    take(&rr->hb, &res->html, &res->html_len, &res->html_cap);
    sha256_hash(res->text, res->text_len, res->text_sha256);
    return 0;
}

int notice_package(const sign_key *k, const struct notice_org *org, const struct notice_incident *inc,
                   const struct notice_person *p, const struct notice_meta *m, struct notice_result *res, char *err,
                   size_t errlen)
{
    char trusted[512];
    if (!res->text) return err_set(err, errlen, "nothing rendered");
    notice_trusted_comment(inc->ref, m->notice_id, m->date, m->test, trusted, sizeof trusted);
    if (minisig_sign(k, res->text, res->text_len, MINISIG_PREHASHED,
                     "klartext notice signature; check: minisign -Vm notice.txt -p klartext.pub", trusted, res->minisig,
                     sizeof res->minisig, &res->minisig_len, err, errlen))
        return -1;
    if (notice_envelope(org, p, m, res, err, errlen)) return -1;
    if (!res->memo) res->memo = memo_new(); /* without one (out of memory) it only runs slower */
    res->mn.memo = res->memo;
    if (!res->eml.max) buf_init(&res->eml, NOTICE_MSG_MAX);
    buf_reset(&res->eml);
    return mime_build_notice(&res->mn, &res->eml, err, errlen);
}

static const struct mime_header notice_extra[] = {
    {"Auto-Submitted", "auto-generated"},
};

int notice_envelope(const struct notice_org *org, const struct notice_person *p, const struct notice_meta *m,
                    struct notice_result *res, char *err, size_t errlen)
{
    char host[256];
    if (!res->text) return err_set(err, errlen, "nothing rendered");
    if (!org->portal_url || notice_url_host(org->portal_url, host, sizeof host)) {
        err_set(err, errlen, "portal.url has no host name for the Message-ID");
        return -1;
    }
    if ((size_t)snprintf(res->message_id, sizeof res->message_id, "<notice.%s@%s>", m->notice_id, host) >=
        sizeof res->message_id) {
        err_set(err, errlen, "Message-ID too long");
        return -1;
    }
    res->mn = (struct mime_notice){
        .from = {org->name, org->from},
        .reply_to = {org->name, org->reply_to},
        .to = {p->name, p->email},
        .subject = res->subject,
        .date = m->date,
        .message_id = res->message_id,
        .text = res->text,
        .text_len = res->text_len,
        .html = res->html,
        .html_len = res->html_len,
        .notice_txt = res->text,
        .notice_txt_len = res->text_len,
        .minisig = res->minisig,
        .minisig_len = res->minisig_len,
        .extra = notice_extra,
        .n_extra = sizeof notice_extra / sizeof notice_extra[0],
    };
    return 0;
}
