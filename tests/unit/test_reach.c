/* test_reach.c — what decides a follow-up (notify_changed), each notice's bounce address
 * (notify_verp) and the returned-mail reader (dsn.h) on small hand-made inputs. */
#include "check.h"
#include "notify/dsn.h"
#include "notify/notify.h"

static struct exposure_row row(int64_t first, int64_t last, int64_t views, int64_t viewers, char *fields, char **pages,
                               size_t npages)
{
    return (struct exposure_row){.subject = "S1",
                                 .fields = fields,
                                 .pages = pages,
                                 .npages = npages,
                                 .first_seen = first,
                                 .last_seen = last,
                                 .views = views,
                                 .viewers = viewers};
}

static void test_changed(void)
{
    char *p1[] = {"/a", NULL}, *p2[] = {"/a", "/b", NULL}, *p3[] = {"/c", NULL};
    struct exposure_row old = row(100, 200, 1, 1, "email;name", p1, 1);
    struct exposure_row same = row(100, 200, 1, 1, "email;name", p1, 1);
    CHECK_INT(notify_changed(&old, &same), 0);
    struct exposure_row fewer = row(150, 150, 1, 1, "email;name", p1, 1); /* a narrower window: not more */
    CHECK_INT(notify_changed(&old, &fewer), 0);
    struct exposure_row more = row(90, 300, 3, 2, "email;name", p1, 1);
    CHECK_INT(notify_changed(&old, &more), NOTIFY_CH_VIEWS | NOTIFY_CH_VIEWERS | NOTIFY_CH_FIRST | NOTIFY_CH_LAST);
    struct exposure_row fields = row(100, 200, 1, 1, "email;name;phone", p1, 1);
    CHECK_INT(notify_changed(&old, &fields), NOTIFY_CH_FIELDS);
    struct exposure_row other = row(100, 200, 1, 1, "email", p1, 1); /* other fields, not only more */
    CHECK_INT(notify_changed(&old, &other), NOTIFY_CH_FIELDS);
    struct exposure_row pages = row(100, 200, 1, 1, "email;name", p2, 2);
    CHECK_INT(notify_changed(&old, &pages), NOTIFY_CH_PAGES);
    struct exposure_row moved = row(100, 200, 1, 1, "email;name", p3, 1);
    CHECK_INT(notify_changed(&old, &moved), NOTIFY_CH_PAGES);
}

static void test_verp(void)
{
    char out[NOTIFY_VERP_MAX];
    CHECK_INT(notify_verp("bounces@example.org", "2026-0001-000042", out, sizeof out), 0);
    CHECK_STR(out, "bounces+2026-0001-000042@example.org");
    CHECK_INT(notify_verp("no-at-sign", "2026-0001-000042", out, sizeof out), -1);
    CHECK_INT(notify_verp("bounces@example.org", "2026-0001-000042", out, 20), -1);
}

static void test_dsn(void)
{
    static const char dsn[] =
        "From: MAILER-DAEMON@mx.example\r\n"
        "To: Bounces+2026-0001-000007@example.org\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"x\"\r\n\r\n"
        "--x\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
        "--x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; a@b.example\r\nAction: delayed\r\nStatus: 4.2.2\r\n\r\n"
        "Final-Recipient: rfc822; c@b.example\r\nAction: failed\r\nStatus: 5.1.1 (no such user)\r\n"
        "Diagnostic-Code: smtp; 550 no\r\n  such user\r\n\r\n--x--\r\n";
    struct dsn_result r;
    CHECK_INT(dsn_read(dsn, sizeof dsn - 1, "bounces", &r), DSN_FAILED); /* failed wins over delayed */
    CHECK_INT(r.by, DSN_BY_VERP);
    CHECK_STR(r.notice_id, "2026-0001-000007");
    CHECK_STR(r.status, "5.1.1");
    CHECK_STR(r.recipient, "c@b.example");
    CHECK_STR(r.diagnostic, "smtp; 550 no such user");
    /* without a bounce local part, or another one: found by nothing here */
    CHECK_INT(dsn_read(dsn, sizeof dsn - 1, NULL, &r), DSN_FAILED);
    CHECK_INT(r.by, DSN_BY_NONE);
    static const char reply[] = "From: a@b.example\nSubject: Re: your notice\nIn-Reply-To: "
                                "<notice.2026-0001-000003@verify.example>\n\nthanks\n";
    CHECK_INT(dsn_read(reply, sizeof reply - 1, "bounces", &r), DSN_NOT_BOUNCE);
    CHECK_STR(r.notice_id, "2026-0001-000003");
    CHECK_INT(dsn_read("", 0, "bounces", &r), DSN_MALFORMED);
    CHECK_INT(dsn_read("no headers at all", 17, "bounces", &r), DSN_MALFORMED);
}

static void test_mbox(void)
{
    static const char mb[] =
        "From a Thu\nSubject: 1\n\n>From here is body text (mboxrd)\nFrom not after a blank line\n\nFrom b Fri\nSubject: 2\n\nx\n";
    size_t pos = 0, len;
    const char *m;
    int stray, k = 0;
    while (dsn_mbox_next(mb, sizeof mb - 1, &pos, &m, &len, &stray) == 0) {
        k++;
        CHECK(!stray);
        CHECK(!strncmp(m, "Subject: ", 9));
    }
    CHECK_INT(k, 2);
}

int main(void)
{
    RUN(test_changed);
    RUN(test_verp);
    RUN(test_dsn);
    RUN(test_mbox);
    return check_done();
}
