/* test_send.c — the outbox's sending loop (notify_send, src/notify/send.c) against a real SMTP
 * server on loopback that answers as a script says, per recipient and attempt
 * (tests/notify/smtpd.py --script): 2xx, 4xx at RCPT and after the message (retried after the
 * back-off, then sent), 5xx at RCPT and after the message (refused, never retried), the
 * connection lost after the message was handed over (unknown: held, resent with the same
 * Message-ID only once resolved), attempts running out, no server at all (the run stops, nobody
 * is lost), --limit and --rate. Every one of these runs twice: over one connection and over four
 * at once (the four notices then are all in flight together). After each run the outbox states,
 * attempts, back-off times and the notice_event rows are checked in the register file itself.
 * Then the per-notice claims (outbox_claim, outbox_settle) on their own: two claims never take
 * the same notice, a claim is settled only under its own token; and a slow relay (--delay) with
 * four connections takes the four notices at once.
 *
 * The register comes from tests/fixtures.sh (the five people of the 2018 case, four with an
 * e-mail address) made with $KLARTEXT (tests/run sets it); the notices are made with notify_make.
 * Needs /usr/bin/python3 with aiosmtpd, like the t50* scripts. */
#include "check.h"
#include "notify/notify.h"
#include "sign/subkey.h"
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 1542880800 /* 2018-11-22T10:00:00Z, the fixtures' KLARTEXT_NOW */
#define ERIKA "erika@example.org"
#define KIM "kim@example.net"
#define LEA "lea@example.de"
#define JOHN "john@example.com"

static char dir[256], src[4096];
static int setup_ok;
static int conns = 1; /* connections of every send_run */

/* ---------------------------------------------------------------- helpers */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc) printf("#   command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* the rows of SQL (one column) in register DB, ","-joined; "" when none (static buffer) */
static const char *q(const char *file, const char *sql)
{
    static char out[4096];
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    out[0] = 0;
    if (sqlite3_open_v2(file, &h, SQLITE_OPEN_READONLY, NULL) || sqlite3_prepare_v2(h, sql, -1, &s, NULL)) {
        snprintf(out, sizeof out, "(sqlite: %s)", h ? sqlite3_errmsg(h) : "?");
    } else {
        size_t n = 0;
        while (sqlite3_step(s) == SQLITE_ROW && n < sizeof out - 1) {
            const unsigned char *t = sqlite3_column_text(s, 0);
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? "," : "", t ? (const char *)t : "NULL");
        }
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    return out;
}

/* "state attempts permanent next_at-T0" of the notice to RCPT */
static const char *row_of(const char *file, const char *rcpt)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT o.state || ' ' || o.attempts || ' ' || o.permanent || ' ' || "
             "CASE o.next_at WHEN 0 THEN 0 ELSE o.next_at - %d END FROM outbox o "
             "JOIN notice n ON n.id = o.notice WHERE n.rcpt = '%s'",
             T0, rcpt);
    return q(file, sql);
}

/* the states of the notice_event rows of the notice to RCPT, in order */
static const char *events_of(const char *file, const char *rcpt)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT e.state FROM notice_event e JOIN notice n ON n.id = e.notice "
             "WHERE n.rcpt = '%s' ORDER BY e.id",
             rcpt);
    return q(file, sql);
}

/* lines of FILE that contain NEEDLE (0 when the file is missing) */
static int count_lines(const char *file, const char *needle)
{
    FILE *f = fopen(file, "r");
    char line[4096];
    int n = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle)) n++;
    fclose(f);
    return n;
}

/* ---------------------------------------------------------------- the SMTP server */

struct server {
    pid_t pid;
    int port;
    char spool[512];
};

/* tests/notify/smtpd.py with ARGS (e.g. "--script a@b=rcpt:451,ok") in DIR/NAME-CONNS */
static int server_start(struct server *sv, const char *name, const char *args)
{
    char portfile[600];
    snprintf(sv->spool, sizeof sv->spool, "%s/%s-%d", dir, name, conns);
    snprintf(portfile, sizeof portfile, "%s.port", sv->spool);
    unlink(portfile);
    sv->pid = fork();
    if (sv->pid == 0) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "exec /usr/bin/python3 %s/tests/notify/smtpd.py --dir %s --port-file %s %s 2>%s.err",
                 src, sv->spool, portfile, args, sv->spool);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%d", &sv->port) == 1;
            fclose(f);
            if (ok) return 0;
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    printf("#   smtpd %s did not start\n", name);
    return -1;
}

static void server_stop(struct server *sv)
{
    if (sv->pid <= 0) return;
    kill(sv->pid, SIGTERM);
    waitpid(sv->pid, NULL, 0);
    sv->pid = 0;
}

/* attempts the server saw for RCPT (its attempts.jsonl) */
static int attempts_seen(const struct server *sv, const char *rcpt)
{
    char f[600], needle[300];
    snprintf(f, sizeof f, "%s/attempts.jsonl", sv->spool);
    snprintf(needle, sizeof needle, "\"rcpt\": \"%s\"", rcpt);
    return count_lines(f, needle);
}

/* messages the server accepted (its log.jsonl) */
static int accepted(const struct server *sv)
{
    char f[600];
    snprintf(f, sizeof f, "%s/log.jsonl", sv->spool);
    return count_lines(f, "\"n\": ");
}

/* ---------------------------------------------------------------- the register */

/* A register with incident 2018-0001 (tests/fixtures.sh), its content approved, and its four
 * notices made and queued by notify_make: DIR/base.db. */
static int make_base(void)
{
    const char *k = getenv("KLARTEXT");
    if (!k || !*k) {
        printf("#   KLARTEXT is not set (tests/run sets it)\n");
        return -1;
    }
    if (sh("cd %s && KLARTEXT_NOW=2018-11-22T10:00:00Z bash -c 'klartext() { \"$0\" \"$@\"; }; set -e; "
           ". %s/tests/fixtures.sh; fixture_register >/dev/null; \"$0\" notify 2018-0001 --approve --by T >/dev/null' %s",
           dir, src, k))
        return -1;
    char file[600], err[600], keyid[SIGN_KEYID_HEX], keypath[600];
    snprintf(file, sizeof file, "%s/klartext.db", dir);
    snprintf(keypath, sizeof keypath, "%s/klartext.key", dir);
    reg *r = NULL;
    struct incident inc;
    struct notify_people pp;
    struct notice_approval a;
    int found = 0, rc = -1;
    if (reg_open(file, 0, "test", "test_send", T0, &r, err, sizeof err)) {
        printf("#   %s\n", err);
        return -1;
    }
    struct notice_templates *tm = notice_templates_load(NULL, err, sizeof err);
    sign_key *key = sign_key_load(keypath, err, sizeof err);
    unsigned char code_key[CODE_KEY_BYTES], pk[32], id[8];
    if (!tm || !key || incident_load(r, "2018-0001", &inc)) {
        printf("#   %s %s\n", err, reg_err(r));
        goto out0;
    }
    if (notify_people_load(r, &inc, &pp) || outbox_approval_latest(r, &inc, &a, &found) || !found) goto out1;
    sign_subkey(key, SUBKEY_CODE, code_key);
    sign_key_public(key, pk, id);
    sign_keyid_hex(id, keyid);
    struct notice_org org;
    struct notice_incident ni;
    notify_facts(r, &inc, keyid, 0, &org, &ni);
    struct notify_content nc = {.tm = tm, .org = &org, .ni = &ni, .key = key, .code_key = code_key};
    struct notify_make_opts mo = {.approval_id = a.id, .state = OB_QUEUED, .threads = 2, .at = T0};
    struct notify_make_stats ms;
    if (notify_make(r, &inc, &pp, &nc, &mo, &ms)) printf("#   notify_make: %s\n", reg_err(r));
    else if (ms.created != 4 || ms.unreachable != 1) printf("#   made %lld notices\n", (long long)ms.created);
    else rc = 0;
    notice_approval_release(&a);
    notify_people_release(&pp);
out1:
    incident_release(&inc);
out0:
    sign_key_free(key);
    notice_templates_free(tm);
    reg_close(r);
    return rc ? rc
              : sh("cp %s %s/base.db && for x in wal shm; do [ ! -f %s-$x ] || cp %s-$x %s/base.db-$x; done", file, dir,
                   file, file, dir);
}

/* a fresh copy of the base register: DIR/NAME-CONNS.db */
static const char *fresh(const char *name)
{
    static char file[600];
    if (!setup_ok) return NULL;
    snprintf(file, sizeof file, "%s/%s-%d.db", dir, name, conns);
    if (sh("cp %s/base.db %s && rm -f %s-wal %s-shm && for x in wal shm; do [ ! -f %s/base.db-$x ] || cp %s/base.db-$x %s-$x; done",
           dir, file, file, file, dir, dir, file))
        return NULL;
    return file;
}

/* one run of notify_send over DB through SV at time AT; 0 or the exit code */
static int send_run(const char *file, const struct server *sv, int64_t at, int max_attempts, int64_t limit, double rate,
                    struct notify_send_stats *st)
{
    char err[600], url[64];
    reg *r = NULL;
    struct incident inc;
    int rc;
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", sv->port);
    if ((rc = reg_open(file, 0, "test", "test_send", at, &r, err, sizeof err))) {
        printf("#   %s\n", err);
        return rc;
    }
    if (!(rc = incident_load(r, "2018-0001", &inc))) {
        struct notify_send_opts o = {
            .smtp = {.url = url, .timeout = 20},
            .from = reg_org_get(r, "notices.from"),
            .connections = conns,
            .rate = rate,
            .max_attempts = max_attempts,
            .limit = limit,
            .clock = {.fixed = 1, .at = at},
        };
        if ((rc = notify_send(r, inc.id, &o, st))) printf("#   notify_send: %s\n", reg_err(r));
        incident_release(&inc);
    }
    reg_close(r);
    return rc;
}

/* resolve the unknown notices of DB as to be resent (what --resend-unknown does) */
static int resolve_unknown(const char *file, int64_t at, int64_t *n)
{
    char err[600];
    reg *r = NULL;
    struct incident inc;
    int rc;
    if ((rc = reg_open(file, 0, "test", "test_send", at, &r, err, sizeof err))) return rc;
    if (!(rc = incident_load(r, "2018-0001", &inc))) {
        if ((rc = reg_begin(r)) || (rc = outbox_resolve(r, inc.id, at, 0, "resent", n)) || (rc = reg_commit(r)))
            reg_rollback(r);
        incident_release(&inc);
    }
    reg_close(r);
    return rc;
}

/* ---------------------------------------------------------------- the tests */

static void test_all_accepted(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("ok");
    CHECK(setup_ok && file && server_start(&sv, "ok", "") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 4);
    CHECK_INT(st.failed + st.unknown + st.stopped, 0);
    CHECK_INT(accepted(&sv), 4);
    CHECK_STR(row_of(file, ERIKA), "sent 1 0 0");
    CHECK_STR(events_of(file, KIM), "sending,sent");
    CHECK_STR(
        q(file, "SELECT count(*) FROM outbox WHERE sent_at = 1542880800 AND reply LIKE '250 2.0.0 Ok: queued as T%'"),
        "4");
    /* what went out is what is stored: the server saw each notice's Message-ID */
    char want[600];
    snprintf(want, sizeof want, "%s", q(file, "SELECT count(*) FROM notice"));
    CHECK_STR(want, "4");
    char log[600];
    snprintf(log, sizeof log, "%s/log.jsonl", sv.spool);
    CHECK_INT(count_lines(log, "\"message_id\": \"<notice.2018-0001-00000"), 4);
    /* a second run sends nothing */
    CHECK_INT(send_run(file, &sv, T0 + 86400, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent + st.failed + st.unknown, 0);
    CHECK_INT(accepted(&sv), 4);
    server_stop(&sv);
}

static void test_4xx_retried_after_backoff(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("t4xx");
    CHECK(setup_ok && file &&
          server_start(&sv, "t4xx", "--script " KIM "=rcpt:451,ok --script " LEA "=data:452,data:452,ok") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 2);
    CHECK_INT(st.failed, 2);
    CHECK_STR(row_of(file, KIM), "failed 1 0 300"); /* retried after 5 minutes */
    CHECK_STR(row_of(file, LEA), "failed 1 0 300");
    CHECK_STR(events_of(file, KIM), "sending,failed");
    /* the reply is kept, its address masked */
    CHECK_STR(q(file, "SELECT o.reply FROM outbox o JOIN notice n ON n.id = o.notice WHERE n.rcpt = 'kim@example.net'"),
              "451 4.0.0 <k***@example.net>: scripted reply");
    CHECK_STR(q(file, "SELECT e.reply FROM notice_event e JOIN notice n ON n.id = e.notice "
                      "WHERE n.rcpt = 'lea@example.de' AND e.state = 'failed'"),
              "452 4.0.0 scripted reply after the message");
    /* before the back-off ends nothing is tried */
    CHECK_INT(send_run(file, &sv, T0 + 299, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent + st.failed, 0);
    CHECK_INT(attempts_seen(&sv, KIM), 1);
    /* after it: KIM is sent; LEA fails again and waits twice as long */
    CHECK_INT(send_run(file, &sv, T0 + 300, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 1);
    CHECK_INT(st.failed, 1);
    CHECK_STR(row_of(file, KIM), "sent 2 0 0");
    CHECK_STR(events_of(file, KIM), "sending,failed,sending,sent");
    CHECK_STR(row_of(file, LEA), "failed 2 0 900"); /* 300 + 600 */
    CHECK_INT(send_run(file, &sv, T0 + 899, 5, 0, 0, &st), 0);
    CHECK_INT(attempts_seen(&sv, LEA), 2);
    CHECK_INT(send_run(file, &sv, T0 + 900, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 1);
    CHECK_STR(row_of(file, LEA), "sent 3 0 0");
    CHECK_STR(events_of(file, LEA), "sending,failed,sending,failed,sending,sent");
    CHECK_INT(accepted(&sv), 4);
    server_stop(&sv);
}

static void test_5xx_never_retried(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("t5xx");
    CHECK(setup_ok && file && server_start(&sv, "t5xx", "--script " JOHN "=rcpt:550 --script " ERIKA "=data:554") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 2);
    CHECK_INT(st.failed, 2);
    CHECK_STR(row_of(file, JOHN), "failed 1 1 0");
    CHECK_STR(row_of(file, ERIKA), "failed 1 1 0");
    CHECK_STR(events_of(file, ERIKA), "sending,failed");
    CHECK_STR(
        q(file, "SELECT o.reply FROM outbox o JOIN notice n ON n.id = o.notice WHERE n.rcpt = 'john@example.com'"),
        "550 5.0.0 <j***@example.com>: scripted reply");
    /* a day later: still refused, never tried again */
    CHECK_INT(send_run(file, &sv, T0 + 86400, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent + st.failed + st.unknown, 0);
    CHECK_INT(attempts_seen(&sv, JOHN), 1);
    CHECK_INT(attempts_seen(&sv, ERIKA), 1);
    CHECK_STR(events_of(file, JOHN), "sending,failed");
    server_stop(&sv);
}

static void test_lost_after_data_is_held(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("drop");
    int64_t n = 0;
    CHECK(setup_ok && file && server_start(&sv, "drop", "--script " LEA "=drop,ok") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 3);
    CHECK_INT(st.unknown, 1);
    CHECK_INT(st.failed, 0);
    CHECK_STR(row_of(file, LEA), "sending 1 0 0"); /* unknown: neither sent nor failed */
    CHECK_STR(events_of(file, LEA), "sending,sending");
    CHECK(
        strstr(q(file, "SELECT o.reply FROM outbox o JOIN notice n ON n.id = o.notice WHERE n.rcpt = 'lea@example.de'"),
               "connection lost after the message was handed over") != NULL);
    /* held: later runs do not resend it by themselves */
    CHECK_INT(send_run(file, &sv, T0 + 86400, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent + st.failed + st.unknown, 0);
    CHECK_INT(attempts_seen(&sv, LEA), 1);
    /* resolved as to be resent: it goes out again with the same Message-ID */
    CHECK_INT(resolve_unknown(file, T0 + 86400, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(send_run(file, &sv, T0 + 86400, 5, 0, 0, &st), 0);
    CHECK_INT(st.sent, 1);
    CHECK_STR(row_of(file, LEA), "sent 2 0 0");
    CHECK_STR(events_of(file, LEA), "sending,sending,queued,sending,sent");
    char f[600], mid[400];
    snprintf(f, sizeof f, "%s/attempts.jsonl", sv.spool);
    snprintf(mid, sizeof mid, "\"message_id\": \"%s\"",
             q(file, "SELECT message_id FROM notice WHERE rcpt = 'lea@example.de'"));
    CHECK_INT(count_lines(f, mid), 2); /* both attempts, one Message-ID */
    server_stop(&sv);
}

static void test_attempts_run_out(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    struct outbox_counts oc;
    const char *file = fresh("maxatt");
    CHECK(setup_ok && file && server_start(&sv, "maxatt", "--script " KIM "=rcpt:451") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 2, 0, 0, &st), 0);
    CHECK_INT(send_run(file, &sv, T0 + 300, 2, 0, 0, &st), 0);
    CHECK_INT(st.failed, 1);
    CHECK_STR(row_of(file, KIM), "failed 2 0 900");
    CHECK_INT(send_run(file, &sv, T0 + 86400, 2, 0, 0, &st), 0); /* out of attempts: not due */
    CHECK_INT(st.failed + st.sent, 0);
    CHECK_INT(attempts_seen(&sv, KIM), 2);
    char err[600];
    reg *r = NULL;
    if (reg_open(file, REG_OPEN_READONLY, "test", "test_send", T0, &r, err, sizeof err) == 0) {
        CHECK_INT(outbox_count(r, 1, 2, &oc), 0);
        CHECK_INT(oc.failed, 1); /* out of attempts counts as failed */
        CHECK_INT(oc.failed_retry, 0);
        CHECK_INT(outbox_count(r, 1, 5, &oc), 0);
        CHECK_INT(oc.failed_retry, 1); /* with more attempts allowed: due again */
        reg_close(r);
    }
    server_stop(&sv);
}

static void test_no_server_stops_the_run(void)
{
    struct server dead = {.port = 0};
    struct notify_send_stats st;
    const char *file = fresh("dead");
    CHECK(setup_ok && file);
    if (!setup_ok || !file) return;
    /* a port nobody listens on: the smtpd of a stopped server */
    struct server sv = {0};
    CHECK_INT(server_start(&sv, "deadport", ""), 0);
    dead.port = sv.port;
    server_stop(&sv);
    CHECK_INT(send_run(file, &dead, T0, 5, 0, 0, &st), 0);
    CHECK_INT(st.stopped, 1);
    CHECK_INT(st.failed, NOTIFY_STOP_AFTER);
    CHECK_INT(st.sent + st.unknown, 0);
    /* the three attempted wait for their back-off; the fourth: over one connection never
       claimed; over four claimed with the others but not attempted: back to queued, its
       attempt not counted */
    CHECK_STR(q(file, "SELECT o.state || ' ' || o.attempts FROM outbox o ORDER BY 1"),
              "failed 1,failed 1,failed 1,queued 0");
    const char *ev = conns == 1 ? "" : "sending,queued";
    CHECK_STR(q(file, "SELECT e.state FROM notice_event e JOIN outbox o ON o.notice = e.notice "
                      "WHERE o.state = 'queued' ORDER BY e.id"),
              ev);
    if (conns > 1)
        CHECK_STR(q(file, "SELECT e.reply FROM notice_event e JOIN outbox o ON o.notice = e.notice "
                          "WHERE o.state = 'queued' ORDER BY e.id DESC LIMIT 1"),
                  "not attempted (the run stopped)");
    CHECK_STR(q(file, "SELECT count(*) FROM outbox WHERE state = 'sending'"), "0");
}

static void test_limit_and_rate(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("limit");
    CHECK(setup_ok && file && server_start(&sv, "limit", "") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    CHECK_INT(send_run(file, &sv, T0, 5, 1, 0, &st), 0);
    CHECK_INT(st.sent, 1);
    CHECK_INT(accepted(&sv), 1);
    CHECK_STR(q(file, "SELECT group_concat(state) FROM (SELECT state FROM outbox ORDER BY notice)"),
              "sent,queued,queued,queued");
    /* 3 notices at 10/s, however many connections: the third starts 0.2 s after the first, at
       the earliest */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 10, &st), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK_INT(st.sent, 3);
    CHECK(s >= 0.2);
    server_stop(&sv);
}

/* the claims themselves: disjoint, in order, settled only under their own token */
static void test_claims(void)
{
    const char *file = fresh("claims");
    char err[600];
    reg *r = NULL;
    CHECK(setup_ok && file);
    if (!setup_ok || !file || reg_open(file, 0, "test", "test_send", T0, &r, err, sizeof err)) return;
    struct outbox_item *a = NULL, *b = NULL, *c = NULL;
    size_t na = 0, nb = 0, nc = 0;
    CHECK_INT(reg_begin(r), 0);
    CHECK_INT(outbox_claim(r, 1, "run-a", T0, 5, 3, &a, &na), 0);
    CHECK_INT(reg_commit(r), 0);
    CHECK_INT(reg_begin(r), 0);
    CHECK_INT(outbox_claim(r, 1, "run-b", T0, 5, 3, &b, &nb), 0);
    CHECK_INT(reg_commit(r), 0);
    /* three for a, in the order they were made; the one left for b; nothing for a third */
    CHECK_INT(na, 3);
    CHECK_INT(nb, 1);
    if (na == 3 && nb == 1) {
        CHECK(a[0].row < a[1].row && a[1].row < a[2].row && a[2].row < b[0].row);
        CHECK_INT(a[0].state, OB_QUEUED);
        CHECK_INT(a[0].attempts, 0);
        CHECK(a[0].rcpt && a[0].message_id && a[0].notice_id);
    }
    CHECK_INT(reg_begin(r), 0);
    CHECK_INT(outbox_claim(r, 1, "run-c", T0, 5, 3, &c, &nc), 0);
    CHECK_INT(nc, 0);
    /* b cannot settle a's notice; a can */
    if (na == 3) {
        CHECK_INT(outbox_settle(r, a[0].row, "run-b", OB_SENT, T0, 0, "250 ok", 0, 0), 1);
        CHECK(strstr(reg_err(r), "no longer claimed by this run") != NULL);
        CHECK_INT(outbox_settle(r, a[0].row, "run-a", OB_FAILED, T0, 0, "451 later", 0, T0 + 300), 0);
        CHECK_INT(outbox_settle(r, a[0].row, "run-a", OB_SENT, T0, 0, "250 ok", 0, 0), 1); /* settled already */
    }
    CHECK_INT(reg_commit(r), 0);
    CHECK_STR(
        q(file, "SELECT group_concat(coalesce(claimed_by, '-')) FROM (SELECT claimed_by FROM outbox ORDER BY notice)"),
        "run-a,run-a,run-a,run-b");
    CHECK_STR(q(file, "SELECT count(*) FROM notice_event WHERE state = 'sending' AND attempt = 1"), "4");
    /* the failed one is claimed again once its back-off has ended, not before */
    outbox_items_free(c, nc);
    CHECK_INT(reg_begin(r), 0);
    CHECK_INT(outbox_claim(r, 1, "run-c", T0 + 299, 5, 3, &c, &nc), 0);
    CHECK_INT(nc, 0);
    outbox_items_free(c, nc);
    CHECK_INT(outbox_claim(r, 1, "run-c", T0 + 300, 5, 3, &c, &nc), 0);
    CHECK_INT(nc, 1);
    if (nc == 1 && na == 3) {
        CHECK_INT(c[0].row, a[0].row);
        CHECK_INT(c[0].state, OB_FAILED);
        CHECK_INT(c[0].attempts, 1);
    }
    CHECK_INT(reg_commit(r), 0);
    outbox_items_free(a, na);
    outbox_items_free(b, nb);
    outbox_items_free(c, nc);
    reg_close(r);
}

/* a relay that takes 0.4 s for each message: four connections send the four notices at once */
static void test_parallel(void)
{
    struct server sv = {0};
    struct notify_send_stats st;
    const char *file = fresh("parallel");
    CHECK(setup_ok && file && server_start(&sv, "parallel", "--delay 400") == 0);
    if (!setup_ok || !file || !sv.pid) {
        server_stop(&sv);
        return;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(send_run(file, &sv, T0, 5, 0, 0, &st), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    CHECK_INT(st.sent, 4);
    CHECK_INT(st.connections, 4);
    CHECK_INT(accepted(&sv), 4);
    char f[600];
    snprintf(f, sizeof f, "%s/sessions.jsonl", sv.spool);
    CHECK_INT(count_lines(f, "\"active\": 4"), 1); /* four connections open at once */
    CHECK(secs < 1.2); /* one after another: 1.6 s at least */
    printf("#   4 notices at 0.4 s each over 4 connections: %.2f s\n", secs);
    server_stop(&sv);
}

int main(void)
{
    if (sodium_init() < 0) return 1;
    snprintf(dir, sizeof dir, "/tmp/kt-test-send.XXXXXX");
    if (!mkdtemp(dir) || !getcwd(src, sizeof src)) {
        printf("# cannot make a temporary directory\n");
        return 1;
    }
    setup_ok = make_base() == 0;
    for (conns = 1; conns <= 4; conns += 3) {
        printf("# over %d connection%s\n", conns, conns == 1 ? "" : "s");
        RUN(test_all_accepted);
        RUN(test_4xx_retried_after_backoff);
        RUN(test_5xx_never_retried);
        RUN(test_lost_after_data_is_held);
        RUN(test_attempts_run_out);
        RUN(test_no_server_stops_the_run);
        RUN(test_limit_and_rate);
    }
    conns = 4;
    RUN(test_claims);
    RUN(test_parallel);
    int rc = check_done();
    if (!rc || !getenv("KEEP_TRASH")) sh("rm -rf %s", dir);
    return rc;
}
