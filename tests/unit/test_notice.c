/* test_notice.c — the personal notice: built-in templates equal templates/ on disk, every
 * placeholder known, the content of a German and an English notice (salutation, times in the
 * person's zone, counts, plurals, data not affected, advice), the TEST marking, wrapping, the
 * signature over the canonical text, the MIME message, helpers, and bad templates refused at
 * load time with file and line.
 *
 * Run from the repository root (tests/run does). `test_notice dump DIR` writes sample notices
 * (subject, text, html, eml) into DIR for reading. */
#include "check.h"
#include "notify/notice.h"
#include "util/memo.h"
#include "util/i18n.h"
#include "sign/minisig.h"
#include "util/ktime.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char err[512];

static sign_key *test_key(void)
{
    unsigned char seed[32], id[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)i;
    return sign_key_from_seed(seed, id);
}

static int64_t T(const char *iso)
{
    int64_t t = 0;
    char e[128];
    if (kt_time_parse(iso, &t, e, sizeof e)) {
        printf("# bad time %s\n", iso);
        return 0;
    }
    return t;
}

static const struct notice_org org = {
    .name = "Beispiel Versand GmbH",
    .address = "Musterstraße 12, 10115 Berlin, Germany",
    .dpo_name = "Dr. Jana Schreiber",
    .dpo_email = "datenschutz@beispiel-versand.example",
    .dpo_phone = "+49 30 1234567-0",
    .service_phone = "+49 30 1234567-100",
    .service_hours = "Mon–Sat 8:00–20:00",
    .portal_url = "https://verify.beispiel-versand.example",
    .authority = "Berliner Beauftragte für Datenschutz und Informationsfreiheit",
    .from = "datenschutz@beispiel-versand.example",
    .reply_to = "datenschutz@beispiel-versand.example",
    .key_id = "0123456789ABCDEF",
};

static struct notice_incident incident(void)
{
    struct notice_incident inc = {
        .ref = "2018-0001",
        .title = "Namen auf Profilseiten sichtbar",
        .description = "Eine Änderung am Profil-Cache lieferte fremde Profile aus.",
        .measures_taken = "Wir haben den Cache geleert und die Änderung zurückgenommen.",
        .cause = "programming-error",
        .data_not_affected = "password,payment-card",
        .occurred_from = T("2018-11-12T14:00:00Z"),
        .occurred_until = T("2018-11-21T09:12:00Z"),
        .contained_at = T("2018-11-21T09:12:00Z"),
    };
    return inc;
}

static const char *const erika_pages[] = {"/gp/profile/C0012345678"};
/* the list keeps a page whole, whatever it holds (';' and ',' were separators once) */
static const char *const john_pages[] = {"/gp/profile/C0099999999", "/gp/orders;sort=new,asc"};

static struct notice_person erika(void)
{
    struct notice_person p = {
        .subject = "C0012345678",
        .name = "Erika Mustermann",
        .salutation = "Sehr geehrte Frau",
        .email = "erika@example.org",
        .lang = NOTICE_DE,
        .timezone = "Europe/Berlin",
        .first_seen = T("2018-11-12T14:03:00Z"),
        .last_seen = T("2018-11-20T22:41:00Z"),
        .views = 3,
        .viewers = 2,
        .signed_in = 1,
        .anonymous = 1,
        .pages = erika_pages,
        .npages = 1,
        .fields = "email;name",
    };
    return p;
}

static struct notice_person john(void)
{
    struct notice_person p = {
        .subject = "C0099999999",
        .name = "John Doe",
        .salutation = NULL,
        .email = "john@example.com",
        .lang = NOTICE_EN,
        .timezone = "America/New_York",
        .first_seen = T("2018-11-14T10:00:00Z"),
        .last_seen = T("2018-11-14T10:00:00Z"),
        .views = 1,
        .viewers = 1,
        .signed_in = 1,
        .anonymous = 0,
        .pages = john_pages,
        .npages = 2,
        .fields = "name;phone;password",
    };
    return p;
}

static const struct notice_meta meta = {
    .notice_id = "2018-0001-000001",
    .code = "K7QM-2D9X-PH4T-W3RC",
    .date = 1542880800 /* 2018-11-22T10:00Z */,
};

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *p = malloc(1 << 21);
    *n = fread(p, 1, (1 << 21) - 1, f);
    p[*n] = 0;
    fclose(f);
    return p;
}

static void test_builtin_equals_files(void)
{
    for (int k = 0; k < NOTICE_NKINDS * NOTICE_NLANGS; k++)
        for (int p = 0; p < NOTICE_NPARTS; p++) {
            const char *name = notice_template_name_kind((enum notice_kind)(k / NOTICE_NLANGS),
                                                         (enum notice_lang)(k % NOTICE_NLANGS), (enum notice_part)p);
            if (!*name) continue; /* a letter has no HTML part */
            char path[256];
            snprintf(path, sizeof path, "templates/%s", name);
            size_t n = 0, bl = 0;
            char *disk = slurp(path, &n);
            const char *b = notice_builtin_template(name, &bl);
            CHECK(disk != NULL);
            CHECK(b != NULL);
            if (disk && b && (n != bl || memcmp(disk, b, n)))
                printf("#   %s: the built-in copy differs from the file: rebuild (make clean)\n", name);
            CHECK(disk && b && n == bl && !memcmp(disk, b, n));
            free(disk);
        }
    size_t n;
    CHECK(notice_builtin_template("notice.fr.txt.mustache", &n) == NULL);
}

static void test_placeholders(void)
{
    size_t n = 0, h = 0;
    while (notice_placeholders[n]) n++;
    while (notice_placeholder_help[h]) h++;
    CHECK_INT(n, h);
    /* the built-in templates use only known names (load compiles them against the list) */
    struct notice_templates *t = notice_templates_load(NULL, err, sizeof err);
    if (!t) printf("#   %s\n", err);
    CHECK(t != NULL);
    const char *man = t ? notice_templates_manifest(t) : "";
    CHECK(strstr(man, "notice.de.html.mustache built-in ") == man);
    CHECK(strstr(man, "notice.en.txt.mustache built-in ") != NULL);
    notice_templates_free(t);
}

static struct notice_result render(const struct notice_person *p, const struct notice_incident *inc,
                                   const struct notice_meta *m)
{
    struct notice_result res = {0};
    struct notice_templates *t = notice_templates_load(NULL, err, sizeof err);
    struct notice_renderer *rr = t ? notice_renderer_new(t) : NULL;
    if (!rr || notice_render(rr, &org, inc, p, m, &res, err, sizeof err)) printf("#   render: %s\n", err);
    notice_renderer_free(rr);
    notice_templates_free(t);
    return res;
}

/* s contains want once the text's line breaks and indents are undone */
static int has(const char *s, const char *want)
{
    if (!s) return 0;
    size_t n = strlen(s);
    char *u = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (o && u[o - 1] != ' ') u[o++] = ' ';
            while (s[i + 1] == ' ') i++;
            continue;
        }
        u[o++] = s[i];
    }
    u[o] = 0;
    int ok = strstr(u, want) != NULL;
    if (!ok) printf("#   missing: %s\n", want);
    free(u);
    return ok;
}

static void test_german_notice(void)
{
    struct notice_incident inc = incident();
    struct notice_person p = erika();
    struct notice_result r = render(&p, &inc, &meta);
    CHECK(r.text != NULL);
    CHECK_STR(
        r.subject,
        "Persönliche Mitteilung von Beispiel Versand GmbH: Ihre Daten waren für andere sichtbar (Vorfall 2018-0001)");
    CHECK(strncmp(r.text ? r.text : "", "Sehr geehrte Frau Erika Mustermann,\n", 36) == 0);
    CHECK(has(r.text, "Ihr Prüfcode: K7QM-2D9X-PH4T-W3RC"));
    CHECK(has(r.text, "Welche Daten: Ihr Name und Ihre E-Mail-Adresse."));
    CHECK(has(r.text, "Nicht betroffen: Ihr Passwort und Ihre Zahlungskartendaten."));
    CHECK(has(
        r.text,
        "zuerst am Montag, 12. November 2018, 15:03 Uhr MEZ, zuletzt am Dienstag, 20. November 2018, 23:41 Uhr MEZ; dazwischen liegen 8 Tage 8 Stunden."));
    CHECK(has(
        r.text,
        "3-mal aufgerufen von zwei anderen Personen: einer Person, die mit einem Kundenkonto angemeldet war, und einer Person, die nicht angemeldet war."));
    CHECK(has(r.text, "Alle Zeiten sind in Ihrer Zeitzone (Europe/Berlin) angegeben."));
    CHECK(has(
        r.text,
        "Der Fehler bestand vom Montag, 12. November 2018, 15:00 Uhr MEZ bis zum Mittwoch, 21. November 2018, 10:12 Uhr MEZ"));
    CHECK(has(r.text, "Die Ursache war ein Programmierfehler."));
    /* the register's free texts are not in the built-in templates (language, audience) */
    CHECK(strstr(r.text ? r.text : "", "Profil-Cache") == NULL);
    CHECK(strstr(r.text ? r.text : "", "Cache geleert") == NULL);
    CHECK(has(r.text, "Ihr Passwort war nicht betroffen"));
    CHECK(has(r.text, "gezieltes Phishing"));
    CHECK(has(r.text, "Berliner Beauftragte für Datenschutz und Informationsfreiheit"));
    CHECK(has(r.text, "Tippen Sie die Adresse https://verify.beispiel-versand.example selbst in Ihren Browser ein"));
    CHECK(has(r.text, "+49 30 1234567-100 (Mon–Sat 8:00–20:00)"));
    CHECK(has(r.text, "Mitteilung 2018-0001-000001, Vorfall 2018-0001, 22. November 2018"));
    CHECK(!strstr(r.text ? r.text : "", "C0012345678,"));
    CHECK(!strstr(r.text ? r.text : "", "TEST"));
    /* canonical: LF only, one final LF, no line over 72 characters, no trailing spaces */
    const char *s = r.text ? r.text : "";
    CHECK(!strchr(s, '\r'));
    CHECK(r.text_len > 0 && s[r.text_len - 1] == '\n' && s[r.text_len - 2] != '\n');
    size_t col = 0, maxcol = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '\n') {
            CHECK(c == s || c[-1] != ' ');
            col = 0;
            continue;
        }
        if (((unsigned char)*c & 0xC0) != 0x80) col++;
        if (col > maxcol) maxcol = col;
    }
    CHECK(maxcol <= NOTICE_WRAP);
    /* HTML: escaped, lang, no links, no images */
    CHECK(strstr(r.html, "<html lang=\"de\">") != NULL);
    CHECK(strstr(r.html, "Musterstraße 12") != NULL);
    CHECK(!strstr(r.html, "<a ") && !strstr(r.html, "<img") && !strstr(r.html, "href"));
    notice_result_release(&r);
}

static void test_english_notice(void)
{
    struct notice_incident inc = incident();
    struct notice_person p = john();
    struct notice_result r = render(&p, &inc, &meta);
    CHECK(r.text != NULL);
    CHECK(strncmp(r.text ? r.text : "", "Dear John Doe,\n", 15) == 0);
    CHECK(has(r.text, "Which data: your name, your phone number and your password."));
    CHECK(has(r.text, "When: on Wednesday, 14 November 2018, 05:00 EST."));
    CHECK(has(r.text, "viewed once by one other person: one person signed in to a customer account."));
    CHECK(has(r.text, "on these pages of our website: /gp/profile/C0099999999 and /gp/orders;sort=new,asc."));
    CHECK(has(r.text, "All times are in your time zone (America/New_York)."));
    CHECK(has(r.text, "Change your password"));
    CHECK(strstr(r.text ? r.text : "", "Your password was not affected") == NULL);
    CHECK(has(r.text, "call us back on the number in this letter"));
    CHECK(strstr(r.html ? r.html : "", "Profil-Cache") == NULL);
    notice_result_release(&r);
}

static void test_test_and_voluntary(void)
{
    struct notice_incident inc = incident();
    inc.voluntary = 1;
    struct notice_person p = john();
    struct notice_meta m = meta;
    m.test = 1;
    struct notice_result r = render(&p, &inc, &m);
    CHECK(r.subject && !strncmp(r.subject, "[TEST] ", 7));
    CHECK(r.text && !strncmp(r.text, "*** TEST ***", 12));
    CHECK(has(r.html, "TEST: This is a sample"));
    CHECK(has(r.text, "The law does not require us to send this letter"));
    notice_result_release(&r);
}

static void test_package(void)
{
    struct notice_incident inc = incident();
    struct notice_person p = erika();
    struct notice_result r = render(&p, &inc, &meta);
    sign_key *k = test_key();
    int prc = notice_package(k, &org, &inc, &p, &meta, &r, err, sizeof err);
    if (prc) printf("#   package: %s\n", err);
    CHECK_INT(prc, 0);
    CHECK_STR(r.message_id, "<notice.2018-0001-000001@verify.beispiel-versand.example>");
    unsigned char pk[32], id[8];
    sign_key_public(k, pk, id);
    struct minisig ms;
    CHECK_INT(minisig_verify(pk, id, r.text, r.text_len, r.minisig, r.minisig_len, &ms, err, sizeof err), MINISIG_OK);
    char ref[32], nid[64];
    int64_t t = 0;
    int test = 1;
    CHECK_INT(notice_trusted_parse(ms.trusted, ms.trusted_len, ref, sizeof ref, nid, sizeof nid, &t, &test), 0);
    CHECK_STR(ref, "2018-0001");
    CHECK_STR(nid, "2018-0001-000001");
    CHECK_INT(t, meta.date);
    CHECK_INT(test, 0);
    /* the message carries both attachments; they decode to the signed bytes */
    struct mime_parts parts = {0};
    CHECK_INT(mime_extract_notice(r.eml.p, r.eml.len, &parts, err, sizeof err), 0);
    CHECK(parts.notice_txt_len == r.text_len && !memcmp(parts.notice_txt, r.text, r.text_len));
    CHECK(parts.minisig_len == r.minisig_len && !memcmp(parts.minisig, r.minisig, r.minisig_len));
    mime_parts_release(&parts);
    CHECK(strstr(r.eml.p, "\r\nMessage-ID: <notice.2018-0001-000001@verify.beispiel-versand.example>\r\n") != NULL);
    CHECK(strstr(r.eml.p, "\r\nAuto-Submitted: auto-generated\r\n") != NULL);
    /* deterministic */
    struct notice_result r2 = render(&p, &inc, &meta);
    CHECK_INT(notice_package(k, &org, &inc, &p, &meta, &r2, err, sizeof err), 0);
    CHECK(r2.eml.len == r.eml.len && !memcmp(r2.eml.p, r.eml.p, r.eml.len));
    /* a forged text fails */
    r.text[10] ^= 1;
    CHECK_INT(minisig_verify(pk, id, r.text, r.text_len, r.minisig, r.minisig_len, NULL, err, sizeof err),
              MINISIG_BAD_SIGNATURE);
    notice_result_release(&r);
    notice_result_release(&r2);
    sign_key_free(k);
}

static void test_bad_templates(void)
{
    char dir[] = "/tmp/kt-notice-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/notice.en.txt.mustache", dir);
    FILE *f = fopen(path, "w");
    fputs("Dear {{person.name}},\n\n{{persn.name}}\n", f);
    fclose(f);
    struct notice_templates *t = notice_templates_load(dir, err, sizeof err);
    CHECK(t == NULL);
    CHECK(strstr(err, "notice.en.txt.mustache line 3: unknown placeholder 'persn.name'") != NULL);
    f = fopen(path, "w");
    fputs("Hallo {{person.name}} \xff\n", f);
    fclose(f);
    t = notice_templates_load(dir, err, sizeof err);
    CHECK(t == NULL && strstr(err, "line 1: not valid UTF-8"));
    f = fopen(path, "w");
    fputs(
        "Custom {{person.name}} {{notice.code}}\n{{#incident.description}}{{incident.description}}\n{{/incident.description}}",
        f);
    fclose(f);
    t = notice_templates_load(dir, err, sizeof err);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(notice_templates_manifest(t), "notice.en.txt.mustache /tmp/kt-notice-") != NULL);
        CHECK(strstr(notice_templates_manifest(t), "notice.en.html.mustache built-in") != NULL);
        struct notice_renderer *rr = notice_renderer_new(t);
        struct notice_result r = {0};
        struct notice_incident inc = incident();
        struct notice_person p = john();
        CHECK_INT(notice_render(rr, &org, &inc, &p, &meta, &r, err, sizeof err), 0);
        CHECK_STR(r.text,
                  "Custom John Doe K7QM-2D9X-PH4T-W3RC\nEine Änderung am Profil-Cache lieferte fremde Profile aus.\n");
        notice_result_release(&r);
        notice_renderer_free(rr);
    }
    notice_templates_free(t);
    unlink(path);
    rmdir(dir);
    CHECK(notice_templates_load("/nonexistent/dir", err, sizeof err) == NULL);
    CHECK(strstr(err, "template directory '/nonexistent/dir'") != NULL);
}

static void test_wrap(void)
{
    struct buf b;
    buf_init(&b, 0);
    const char *src =
        "short line\n- a list item that is long enough to need wrapping at twenty\n  indented text that wraps too\n12. numbered item wraps here\nlongwordlongwordlongwordlongword x\ntrailing   \n";
    buf_adds(&b, src);
    CHECK_INT(notice_wrap(&b, 20), 0);
    CHECK_STR(
        b.p,
        "short line\n- a list item that\n  is long enough to\n  need wrapping at\n  twenty\n  indented text that\n  wraps too\n12. numbered item\n    wraps here\nlongwordlongwordlongwordlongword\nx\ntrailing\n");
    buf_reset(&b);
    /* UTF-8 counts characters, not bytes */
    buf_adds(&b, "äöü äöü äöü äöü");
    CHECK_INT(notice_wrap(&b, 15), 0);
    CHECK_STR(b.p, "äöü äöü äöü äöü");
    buf_release(&b);
}

/* wrapping with a memo of lines wrapped before gives the same bytes as without, for lines that
 * repeat, change, carry list markers, indents, long words, UTF-8 and trailing spaces */
static void test_wrap_memo(void)
{
    static const char *const words[] = {
        "Ihre",         "Daten", "waren", "f\xc3\xbcr", "andere",
        "sichtbar",     "- ",    "12. ",  "  ",         "Donaudampfschifffahrtsgesellschaftskapit\xc3\xa4n",
        "\xe2\x80\x93", "x"};
    static const char *const lines[] = {
        "- Welche Daten: Ihr Name und Ihre E-Mail-Adresse, die auf einer Seite unserer Website f\xc3\xbcr andere sichtbar waren.",
        "Wir haben die Zugriffsprotokolle unserer Webserver ausgewertet, die jeden Seitenaufruf verzeichnen.",
        "  3. ein eingeruecktes, nummeriertes Element, das lang genug ist, um umbrochen zu werden, und weiter geht",
    };
    uint64_t r = 12345;
    struct memo *mm = memo_new();
    CHECK(mm != NULL);
    for (int round = 0; round < 400 && mm; round++) {
        char src[4096];
        size_t n = 0;
        int nl = 1 + (int)(r % 6);
        for (int l = 0; l < nl; l++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            const char *fixed = lines[r % 3];
            if (r % 4) n += (size_t)snprintf(src + n, sizeof src - n, "%s", fixed);
            else
                for (int w = 0; w < 8 + (int)(r % 30); w++) {
                    r ^= r << 13;
                    r ^= r >> 7;
                    r ^= r << 17;
                    n += (size_t)snprintf(src + n, sizeof src - n, "%s%s", words[r % 12], r % 5 ? " " : "   ");
                }
            n += (size_t)snprintf(src + n, sizeof src - n, "\n");
        }
        int width = round % 3 ? 72 : 20 + round % 50;
        struct buf a, b;
        buf_init(&a, 0);
        buf_init(&b, 0);
        buf_add(&a, src, n);
        buf_add(&b, src, n);
        CHECK_INT(notice_wrap(&a, width), 0);
        CHECK_INT(notice_wrap_memo(&b, width, width == 72 ? mm : NULL), 0);
        CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
        buf_release(&a);
        buf_release(&b);
    }
    uint64_t lookups = 0, hits = 0;
    if (mm) memo_stats(mm, &lookups, &hits);
    CHECK(hits > 50);
    memo_free(mm);
}

static void test_helpers(void)
{
    char out[128];
    notice_mask_address("klara.meier@mail.example", out, sizeof out);
    CHECK_STR(out, "k***@mail.example");
    notice_mask_address("ä@x.example", out, sizeof out);
    CHECK_STR(out, "ä***@x.example");
    notice_mask_address("nonsense", out, sizeof out);
    CHECK_STR(out, "");
    CHECK_INT(notice_url_host("https://Verify.Example.org:8443/x?y", out, sizeof out), 0);
    CHECK_STR(out, "verify.example.org");
    CHECK_INT(notice_url_host("https://", out, sizeof out), -1);
    notice_make_id("2026-0001", 42, out, sizeof out);
    CHECK_STR(out, "2026-0001-000042");
    notice_make_id("2026-0001", 1234567, out, sizeof out);
    CHECK_STR(out, "2026-0001-1234567");
    char tc[256], ref[32], nid[64];
    int64_t t;
    int test;
    notice_trusted_comment("2026-0001", "2026-0001-000042", 1795255200, 1, tc, sizeof tc);
    CHECK_STR(tc, "klartext notice\tincident:2026-0001\tnotice:2026-0001-000042\ttime:2026-11-21T10:00:00Z\ttest:yes");
    CHECK_INT(notice_trusted_parse(tc, strlen(tc), ref, sizeof ref, nid, sizeof nid, &t, &test), 0);
    CHECK_INT(test, 1);
    CHECK_INT(t, 1795255200);
    CHECK_INT(notice_trusted_parse("timestamp:1\tfile:x", 18, ref, sizeof ref, nid, sizeof nid, &t, &test), -1);
    const char *bad = "klartext notice\tincident:x";
    CHECK_INT(notice_trusted_parse(bad, strlen(bad), ref, sizeof ref, nid, sizeof nid, &t, &test), -1);
    CHECK_INT(notice_lang_parse("DE"), NOTICE_DE);
    CHECK_INT(notice_lang_parse("fr"), -1);
}

static void test_speed(void)
{
    /* render + sign + MIME: report the rate (informative; the benchmark is bench/notify.sh) */
    struct notice_templates *t = notice_templates_load(NULL, err, sizeof err);
    struct notice_renderer *rr = notice_renderer_new(t);
    sign_key *k = test_key();
    struct notice_incident inc = incident();
    struct notice_person p = erika();
    struct notice_result r = {0};
    struct timespec a, b;
    int n = 300, ok = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n && ok; i++)
        ok = !notice_render(rr, &org, &inc, &p, &meta, &r, err, sizeof err) &&
             !notice_package(k, &org, &inc, &p, &meta, &r, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(ok);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("# %d notices rendered, signed and packed in %.3f s (%.0f/s on one thread; %zu bytes each)\n", n, s, n / s,
           r.eml.len);
    notice_result_release(&r);
    sign_key_free(k);
    notice_renderer_free(rr);
    notice_templates_free(t);
}

static int write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    fwrite(data, 1, n, f);
    return fclose(f);
}

static int dump(const char *dir)
{
    struct notice_incident inc = incident();
    struct notice_person ps[2] = {erika(), john()};
    sign_key *k = test_key();
    mkdir(dir, 0755);
    for (int i = 0; i < 2; i++) {
        struct notice_result r = render(&ps[i], &inc, &meta);
        if (!r.text || notice_package(k, &org, &inc, &ps[i], &meta, &r, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        char n[64];
        const char *l = ps[i].lang == NOTICE_DE ? "de" : "en";
        snprintf(n, sizeof n, "%s.subject", l);
        write_file(dir, n, r.subject, r.subject_len);
        snprintf(n, sizeof n, "%s.txt", l);
        write_file(dir, n, r.text, r.text_len);
        snprintf(n, sizeof n, "%s.html", l);
        write_file(dir, n, r.html, r.html_len);
        snprintf(n, sizeof n, "%s.eml", l);
        write_file(dir, n, r.eml.p, r.eml.len);
        notice_result_release(&r);
    }
    sign_key_free(k);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "dump")) return dump(argv[2]);
    RUN(test_builtin_equals_files);
    RUN(test_placeholders);
    RUN(test_german_notice);
    RUN(test_english_notice);
    RUN(test_test_and_voluntary);
    RUN(test_package);
    RUN(test_bad_templates);
    RUN(test_wrap);
    RUN(test_wrap_memo);
    RUN(test_helpers);
    RUN(test_speed);
    i18n_zone_cache_clear();
    return check_done();
}
