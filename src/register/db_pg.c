/* db_pg.c — the PostgreSQL backend of db.h (libpq): a register in a database named by a libpq
 * URI (libpq's environment variables, ~/.pgpass and sslmode apply as in psql).
 *
 * SQL is the register's portable text: '?' and '?N' become $n, `COLLATE BINARY` becomes
 * `COLLATE "C"` (the tables' text columns are "C" already, so that order and comparison are
 * byte-wise as in SQLite). Statements are prepared once per connection (named "k1", "k2", …)
 * and cached by their text; parameters go as text (blobs as binary bytea), results come as
 * text and are read through the column API: integers parsed, booleans 't'/'f' as 1/0, bytea
 * decoded. A result is held whole, so a caller may run other statements while it steps.
 *
 * Writers are serialised like SQLite's BEGIN IMMEDIATE: db_begin takes one transaction-level
 * advisory lock (DB_PG_WRITE_LOCK) before anything else, so two writers never interleave and
 * the transparency log and the audit chain stay one sequence. Errors: SQLSTATE class 23 and
 * the append-only triggers' exceptions are DB_ECONSTRAINT, 40001/40P01/55P03 DB_EBUSY, a lost
 * connection DB_EIO with a message that says so.
 *
 * Faults (issue 16 item 6): a transaction is READ COMMITTED whatever the database's
 * default_transaction_isolation says (its snapshot is taken after the write lock, so a writer
 * sees what the writer before it committed: no serialization failure between writers); a
 * serialization failure or deadlock (40001/40P01) of the write lock or of a statement outside a
 * transaction is tried again (DB_PG_RETRIES times), not reported. A connection found lost
 * outside a transaction (a server restart) is made again and the statement run once more; one
 * lost inside a transaction fails the transaction (the server rolls it back). A session lock
 * (db_session_lock: notify's) is taken again on the new connection, or the handle refuses to go
 * on.
 *
 * A connection is lost when libpq says so (CONNECTION_BAD) or when a call failed with an error of
 * libpq's own (no SQLSTATE: "server closed the connection unexpectedly"): libpq marks the
 * connection bad only once it reads the end of the stream, so after a failed write (the server
 * killed while the client was between statements) it may still say CONNECTION_OK — such a
 * connection is made again all the same (a run of notify took that for an error of the statement
 * and stopped with notices in doubt). */
#include "register/db_impl.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef KLARTEXT_TEST_HOOKS
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#endif

#define BYTEA_OID 17
#define BOOL_OID 16
#define TEXT_OID 25
#define DB_PG_MAX_PARAMS 1024 /* the batched INSERTs of scans.c bind 64 rows of 11 values and one */
/* pg_advisory_xact_lock's key: "klartext" in ASCII, the one write lock of a register */
#define DB_PG_WRITE_LOCK "7741853290462722164"
#define DB_PG_RETRIES 10 /* serialization failures / deadlocks tried again */
#define DB_PG_COMMIT_WAIT_S 30.0 /* how long a lost COMMIT waits for the server to learn its outcome */
/* how long a new connection tries to take the session lock again: the old connection's server
   process may not have ended yet (a network cut, pg_terminate_backend) and still hold it */
#define DB_PG_RELOCK_WAIT_S 5.0
/* every commit notifies this channel; data_version listens on it (below) */
#define DB_PG_CHANNEL "klartext_changes"
#define DB_PG_DV_MAX_AGE 1.0 /* seconds data_version trusts its last answer without a notification */

struct db_stmt {
    db *owner; /* first: struct db_stmt_head */
    char *sql;
    char name[24];
    int nparams;
    char **vals; /* nparams values (NULL: SQL NULL) */
    int *lens, *fmts;
    PGresult *res;
    int row, nrows, nfields, executed;
    char *pgsql; /* the text as prepared, and which parameters it names: to prepare it again */
    unsigned char *used;
    int epoch; /* the connection it was prepared on (db.epoch) */
    unsigned char **dec; /* decoded bytea of the current row, per column */
    size_t *declen;
    int stream, broken; /* db_stream: rows one at a time; broken: another statement cut them short */
    struct db_stmt *next;
};

struct db {
    struct db_head head; /* first */
    PGconn *c;
    char *target; /* the URI without its password */
    char err[512];
    char state[6]; /* the SQLSTATE of the last error ("" when none was given) */
    int kind, in_tx, changes, nstmt;
    int broken; /* a call failed with an error of libpq's own: the connection is lost (lost()) */
    int64_t slock; /* a session lock to take again after a reconnect (0: none) */
    int slock_lost; /* it could not be taken again: the handle refuses to go on */
    char holder[200]; /* who held it then (relock), for the refusal's message */
    int pid; /* the connection's server process (PQbackendPID when it was made; 0: none) */
    int oldpid[8], noldpid; /* this handle's earlier server processes (reconnect), newest last */
    int readonly, epoch; /* epoch: one more for every new connection (reconnect) */
    char xid[24]; /* the open write transaction's id (txid_current), to learn a lost COMMIT's outcome */
    int commit_lost; /* the last COMMIT was lost and did not commit: unavailable() until the next BEGIN */
    int listen_epoch; /* the connection (epoch + 1) that LISTENs on DB_PG_CHANNEL; -1: it cannot */
    int64_t dv; /* data_version's count of changes heard of (pg_data_version) */
    double dv_at; /* when the snapshot was last asked for (monotonic seconds) */
    uint64_t dv_snap; /* a hash of that snapshot's text */
    int dv_epoch; /* the connection (epoch + 1) it was asked on */
    struct db_stmt *cache;
    struct db_stmt *streaming; /* the statement whose rows are still coming (db_stream), or NULL */
    char *login, *login_roles; /* session_user and its klartext group roles (pg_identity) */
};

static void pg_close(db *d);
static int reconnect(db *d);
static void stream_interrupt(db *d);

/* the URI as it may be shown: "postgresql://user:secret@host/db" → "postgresql://user@host/db" */
static char *shown_uri(const char *uri)
{
    const char *scheme = strstr(uri, "://");
    char *out = xstrdup(uri);
    if (!scheme) return out;
    const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < end; p++)
        if (*p == '@') at = p;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) return out;
    size_t head = (size_t)(colon - uri);
    memmove(out + head, out + (at - uri), strlen(at) + 1);
    return out;
}

/* libpq's messages end with a newline and may have a second line ("DETAIL: …"): the first line */
static void first_line(char *dst, size_t n, const char *msg)
{
    size_t len = strcspn(msg ? msg : "", "\n");
    snprintf(dst, n, "%.*s", (int)len, msg ? msg : "");
}

static int lost(const db *d)
{
    return d->broken || PQstatus(d->c) == CONNECTION_BAD;
}

#ifdef KLARTEXT_TEST_HOOKS
/* Fault injection for the tests, compiled only into the test build (`make asan`; docs/HACKING.md):
   KLARTEXT_TEST_FAULT=POINT:N[,POINT:N...] ends the connection's server process the way
   `pg_ctl restart -m immediate` does (SIGQUIT: it sends a last warning and exits, the server
   restarts after a crash recovery; the client learns of it only when it next writes or reads)
   once, at POINT, and says so on stderr ("klartext: test fault: POINT N"); where it may not
   signal the server, the connection is cut (shutdown(2)) instead. N counts transactions, not
   statements (how many statements a command runs changes with every optimisation):
     commit-before  just before the Nth COMMIT is sent: the server rolls the transaction back
     commit-after   just after the Nth COMMIT was answered: committed, but its answer counts as lost
     in-tx          before the first statement inside a transaction, from the Nth one begun
     idle           before the first statement outside a transaction after the Nth COMMIT
     idle-stop      as idle, but the server process is stopped (SIGSTOP), not ended, and the
                    connection cut: it keeps its locks, as one that has not yet noticed its
                    client went (a network cut, a loaded server), until the test sends SIGCONT */
enum fault { FAULT_COMMIT_BEFORE, FAULT_COMMIT_AFTER, FAULT_IN_TX, FAULT_IDLE, FAULT_IDLE_STOP, FAULT_N };
static const char *const fault_name[FAULT_N] = {"commit-before", "commit-after", "in-tx", "idle", "idle-stop"};
static long fault_at[FAULT_N];
static atomic_long fault_begun, fault_commits; /* transactions begun, COMMITs sent, by the process */
static atomic_int fault_fired[FAULT_N], fault_parsed;

static void fault_parse(void)
{
    const char *e = getenv("KLARTEXT_TEST_FAULT");
    while (e && *e) {
        size_t n = strcspn(e, ":,");
        int f = 0;
        while (f < FAULT_N && (strlen(fault_name[f]) != n || strncmp(e, fault_name[f], n))) f++;
        if (f == FAULT_N || e[n] != ':' || (fault_at[f] = strtol(e + n + 1, NULL, 10)) < 1)
            fprintf(stderr, "klartext: KLARTEXT_TEST_FAULT: '%.*s' is not POINT:N (%s, %s, %s, %s, %s)\n", (int)n, e,
                    fault_name[0], fault_name[1], fault_name[2], fault_name[3], fault_name[4]);
        e += strcspn(e, ",");
        if (*e) e++;
    }
}

/* 1 when POINT is to fail now (once): the connection is cut */
static int fault(db *d, enum fault f)
{
    if (!atomic_exchange(&fault_parsed, 1)) fault_parse();
    long now = atomic_load(f == FAULT_IN_TX ? &fault_begun : &fault_commits);
    if (!fault_at[f] || now < fault_at[f] || atomic_exchange(&fault_fired[f], 1)) return 0;
    int pid = PQbackendPID(d->c), fd = PQsocket(d->c);
    fprintf(stderr, "klartext: test fault: %s %ld\n", fault_name[f], fault_at[f]);
    if (f == FAULT_IDLE_STOP) {
        if (pid > 0) kill(pid, SIGSTOP);
        shutdown(fd, SHUT_RDWR);
        return 1;
    }
    if (pid <= 0 || kill(pid, SIGQUIT)) {
        shutdown(fd, SHUT_RDWR);
        return 1;
    }
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    poll(&p, 1, 10000); /* until the server's end of the connection is gone */
    return 1;
}
#define FAULT(d, f) fault(d, f)
#define FAULT_TICK(counter) atomic_fetch_add(&(counter), 1)
#else
#define FAULT(d, f) 0
#define FAULT_TICK(counter) 0
#endif

/* SQLSTATE 42501: the login lacks a privilege. The message names the login and its klartext
   role; the register (roles.c, reg_dberr) says which command it was and which role it needs. */
static int set_err_perm(db *d, const char *m)
{
    d->kind = DB_EPERM;
    const char *roles = d->login_roles && *d->login_roles ? d->login_roles : "no klartext role";
    snprintf(d->err, sizeof d->err, "login '%s' (%s): %s", d->login ? d->login : "?", roles, m);
    return DB_ERR;
}

static int set_err_msg(db *d, const char *sqlstate, const char *msg)
{
    char m[400];
    first_line(m, sizeof m, msg);
    snprintf(d->state, sizeof d->state, "%s", sqlstate ? sqlstate : "");
    d->kind = DB_EIO;
    if (!d->state[0]) d->broken = 1; /* the server said nothing: libpq lost it (see the top) */
    if (sqlstate && strncmp(sqlstate, "23", 2) == 0) d->kind = DB_ECONSTRAINT;
    else if (sqlstate && !strcmp(sqlstate, "42501")) return set_err_perm(d, m);
    else if (sqlstate && (!strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01") || !strcmp(sqlstate, "55P03")))
        d->kind = DB_EBUSY;
    if (lost(d))
        snprintf(d->err, sizeof d->err, "register '%s': lost the connection to the PostgreSQL server (%s)", d->target,
                 m[0] ? m : "no reply");
    else if (d->kind == DB_EBUSY)
        snprintf(d->err, sizeof d->err,
                 "register '%s' is busy with another klartext process (try again when it has finished): %s", d->target,
                 m);
    else snprintf(d->err, sizeof d->err, "register '%s': %s", d->target, m);
    return DB_ERR;
}

static int set_err_res(db *d, const PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    return set_err_msg(d, res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL, msg ? msg : PQerrorMessage(d->c));
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* the last error was a serialization failure or a deadlock: worth trying again */
static int retryable(const db *d)
{
    return !strcmp(d->state, "40001") || !strcmp(d->state, "40P01");
}

static void pause_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* before try TRIES + 1 of a retryable failure: 2, 4, 8 … ms, at most 200 ms */
static void retry_pause(int tries)
{
    long ms = 2L << (tries < 7 ? tries : 7);
    struct timespec t = {0, (ms > 200 ? 200 : ms) * 1000000L};
    nanosleep(&t, NULL);
}

/* after a failure outside a transaction: 1 when the connection was lost and is made again (run
   the statement once more), 0 when the failure stands */
static int again(db *d)
{
    return !d->in_tx && lost(d) && reconnect(d) == DB_OK;
}

/* the session lock could not be taken again after a reconnect: DB_ERR with the message */
static int refuse_lost_lock(db *d)
{
    d->kind = DB_EBUSY;
    snprintf(d->err, sizeof d->err,
             "register '%s': the connection to the PostgreSQL server was lost and, meanwhile, another klartext "
             "process took this command's lock (another 'klartext notify'%s%s): stopped",
             d->target, d->holder[0] ? ": " : "", d->holder);
    return DB_ERR;
}

/* run SQL without parameters once; DB_OK or DB_ERR */
static int exec_once(db *d, const char *sql)
{
    stream_interrupt(d);
    PGresult *res = PQexec(d->c, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? DB_OK : set_err_res(d, res);
    if (rc == DB_OK) d->changes = atoi(PQcmdTuples(res));
    PQclear(res);
    return rc;
}

/* run SQL without parameters (again on a new connection when the old one was found lost
   outside a transaction); DB_OK or DB_ERR */
static int pg_exec(db *d, const char *sql)
{
    if (d->slock_lost) return refuse_lost_lock(d);
    int rc = exec_once(d, sql);
    if (rc && again(d)) rc = exec_once(d, sql);
    return rc;
}

/* the first column of the first row of SQL (parameters V[0..N-1], text) as text into OUT */
static int pg_scalar(db *d, const char *sql, int n, const char *const *v, char *out, size_t outlen)
{
    stream_interrupt(d);
    PGresult *res = PQexecParams(d->c, sql, n, NULL, v, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK && (set_err_res(d, res), again(d))) {
        PQclear(res);
        res = PQexecParams(d->c, sql, n, NULL, v, NULL, NULL, 0);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (d->slock_lost) refuse_lost_lock(d);
        else set_err_res(d, res);
        PQclear(res);
        return DB_ERR;
    }
    snprintf(out, outlen, "%s", PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return DB_OK;
}

/* 1 when the database's schema holds a table of that name */
static int table_exists(db *d, const char *table, int *has)
{
    const char *v[1] = {table};
    char r[8];
    if (pg_scalar(d, "SELECT to_regclass($1) IS NOT NULL", 1, v, r, sizeof r)) return DB_ERR;
    *has = r[0] == 't';
    return DB_OK;
}

/* who the connection is: session_user (the login libpq authenticated, which SET ROLE does not
   change) and the klartext group roles it belongs to, for the audit trail's hash and the
   messages of missing grants. A superuser is a member of every role: it is shown as such. With
   the session's settings, in one round trip (PQexec returns the last statement's result). */
static int pg_identity(db *d)
{
    static const char q[] =
        "SET client_min_messages = warning; SET lock_timeout = '120s'; "
        "SELECT session_user, CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) "
        "THEN 'superuser' ELSE coalesce((SELECT string_agg(rolname, ', ' ORDER BY rolname) FROM pg_roles "
        "WHERE rolname IN ('klartext_dpo', 'klartext_engineer', 'klartext_agent', 'klartext_auditor') "
        "AND pg_has_role(session_user, oid, 'MEMBER')), '') END";
    PGresult *res = PQexec(d->c, q);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        set_err_res(d, res);
        PQclear(res);
        return DB_ERR;
    }
    free(d->login);
    free(d->login_roles);
    d->login = xstrdup(PQgetvalue(res, 0, 0));
    d->login_roles = xstrdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    return DB_OK;
}

static int open_check(db *d, int flags, char *err, size_t errlen, int *kind)
{
    int has = 0;
    if (pg_identity(d) || table_exists(d, "meta", &has)) {
        snprintf(err, errlen, "%s", d->err);
        *kind = d->kind;
        return 1;
    }
    if ((flags & DB_OPEN_CREATE) && has) {
        snprintf(err, errlen,
                 "'%s' already holds a klartext register (or a table 'meta'): klartext will not initialise over an "
                 "existing register",
                 d->target);
        return 1;
    }
    if (!(flags & DB_OPEN_CREATE) && !has) {
        *kind = DB_ENOTFOUND;
        snprintf(err, errlen,
                 "'%s' is not a klartext register: the database has no klartext tables (create them with "
                 "'klartext init --db URL')",
                 d->target);
        return 1;
    }
    d->readonly = (flags & DB_OPEN_READONLY) != 0;
    if (d->readonly && pg_exec(d, "SET default_transaction_read_only = on")) {
        snprintf(err, errlen, "%s", d->err);
        return 1;
    }
    return 0;
}

static db *pg_open(const char *target, int flags, char *err, size_t errlen, int *kind)
{
    /* an address libpq cannot read is the user's input, not a failure of the server */
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(target, &perr);
    if (!opts) {
        char *shown = shown_uri(target), m[400];
        first_line(m, sizeof m, perr ? perr : "out of memory");
        snprintf(err, errlen, "'%s' is not a PostgreSQL address (a libpq URI such as postgresql://user@host/db): %s",
                 shown, m);
        free(shown);
        PQfreemem(perr);
        *kind = DB_EINVAL;
        return NULL;
    }
    PQconninfoFree(opts);
    *kind = DB_EIO;
    db *d = xcalloc(1, sizeof *d);
    d->head.ops = &db_pg_ops;
    d->target = shown_uri(target);
    d->c = PQconnectdb(target);
    if (PQstatus(d->c) != CONNECTION_OK) {
        char m[400];
        first_line(m, sizeof m, PQerrorMessage(d->c));
        snprintf(err, errlen, "cannot connect to the PostgreSQL register '%s': %s", d->target, m);
        pg_close(d);
        return NULL;
    }
    PQsetNoticeProcessor(d->c, quiet, NULL);
    d->pid = PQbackendPID(d->c);
    if (open_check(d, flags, err, errlen, kind)) {
        pg_close(d);
        return NULL;
    }
    return d;
}

static void stmt_clear_result(struct db_stmt *s)
{
    if (s->owner->streaming == s) stream_interrupt(s->owner);
    s->broken = 0;
    for (int i = 0; s->dec && i < s->nfields; i++) {
        free(s->dec[i]);
        s->dec[i] = NULL;
    }
    free(s->dec);
    free(s->declen);
    s->dec = NULL;
    s->declen = NULL;
    PQclear(s->res);
    s->res = NULL;
    s->executed = 0;
    s->row = s->nrows = s->nfields = 0;
}

static void stmt_clear_bindings(struct db_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->lens[i] = 0;
        s->fmts[i] = 0;
    }
}

static void pg_close(db *d)
{
    for (struct db_stmt *s = d->cache, *n; s; s = n) {
        n = s->next;
        stmt_clear_result(s);
        stmt_clear_bindings(s);
        free(s->vals);
        free(s->lens);
        free(s->fmts);
        free(s->sql);
        free(s->pgsql);
        free(s->used);
        free(s);
    }
    if (d->in_tx && !lost(d)) pg_exec(d, "ROLLBACK");
    PQfinish(d->c);
    free(d->target);
    free(d->login);
    free(d->login_roles);
    free(d);
}

static const char *pg_target(const db *d)
{
    return d->target;
}
static const char *pg_errmsg(const db *d)
{
    return d->err;
}
static int pg_errkind(const db *d)
{
    return d->kind;
}
static int pg_in_tx(const db *d)
{
    return d->in_tx;
}
static int pg_changes(db *d)
{
    return d->changes;
}

/* the write lock, and the transaction's id in the same round trip (pg_commit asks for its
   status when the reply to COMMIT was lost) */
static int lock_and_xid(db *d)
{
    PGresult *res = PQexec(d->c, "SELECT pg_advisory_xact_lock(" DB_PG_WRITE_LOCK "), txid_current()");
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? DB_OK : set_err_res(d, res);
    if (rc == DB_OK) snprintf(d->xid, sizeof d->xid, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    return rc;
}

/* The connection was lost while COMMIT was on its way: the server may have committed before it
   went (its reply lost) or not. Connect again (waiting up to DB_PG_COMMIT_WAIT_S for a restarting
   server) and ask txid_status: DB_OK when the transaction committed; else DB_ERR with the error
   of the lost COMMIT (rolled back, or the outcome could not be learned: the message says so). */
static int commit_outcome(db *d)
{
    char keep[sizeof d->err];
    int kind = d->kind;
    memcpy(keep, d->err, sizeof keep);
    char status[24] = "";
    for (int tries = 0; tries * 0.2 < DB_PG_COMMIT_WAIT_S; tries++) {
        if (!lost(d) || reconnect(d) == DB_OK) {
            const char *v[1] = {d->xid};
            PGresult *res = PQexecParams(d->c, "SELECT txid_status($1::bigint)", 1, NULL, v, NULL, NULL, 0);
            const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
                snprintf(status, sizeof status, "%s", PQgetisnull(res, 0, 0) ? "unknown" : PQgetvalue(res, 0, 0));
            /* "transaction ID … is in the future": after a crash the server never logged it, so
               it did not commit */
            else if (st && !strcmp(st, "22023")) snprintf(status, sizeof status, "aborted");
            PQclear(res);
            if (status[0]) break;
        }
        if (d->slock_lost) return DB_ERR; /* refuse_lost_lock said why */
        pause_ms(200);
    }
    if (!strcmp(status, "committed")) {
        d->err[0] = d->state[0] = 0;
        return DB_OK;
    }
    d->kind = kind;
    d->commit_lost = 1; /* the caller may run the transaction again, as after a lost connection */
    if (strcmp(status, "aborted"))
        snprintf(d->err, sizeof d->err, "%.*s; whether its last transaction was committed is not known", 400, keep);
    else memcpy(d->err, keep, sizeof keep);
    return DB_ERR;
}

static int pg_begin(db *d)
{
    if (d->in_tx) {
        snprintf(d->err, sizeof d->err, "internal error: nested transaction");
        d->kind = DB_EIO;
        return DB_ERR;
    }
    for (int tries = 0;; tries++) {
        if (lost(d)) reconnect(d); /* between transactions a new connection is as good as the old */
        /* READ COMMITTED whatever the database's default: each statement sees what the writer
           before this one committed (a REPEATABLE READ snapshot would be taken before the lock) */
        if (pg_exec(d, "BEGIN ISOLATION LEVEL READ COMMITTED")) return DB_ERR;
        d->in_tx = 1;
        if (lock_and_xid(d) == DB_OK) {
            d->commit_lost = 0;
            (void)FAULT_TICK(fault_begun);
            return DB_OK;
        }
        char keep[sizeof d->err], state[sizeof d->state];
        int kind = d->kind, lostc = lost(d);
        memcpy(keep, d->err, sizeof keep);
        memcpy(state, d->state, sizeof state);
        if (!lostc) exec_once(d, "ROLLBACK");
        d->in_tx = 0;
        memcpy(d->err, keep, sizeof keep);
        memcpy(d->state, state, sizeof state);
        d->kind = kind;
        /* nothing was done yet: a lost connection (once) or a deadlock is tried again */
        if (!((lostc && tries == 0) || (retryable(d) && tries < DB_PG_RETRIES))) return DB_ERR;
        if (!lostc) retry_pause(tries);
    }
}

static int pg_commit(db *d)
{
    /* the listeners (a portal's data_version) learn of the change without asking; the NOTIFY
       goes in the COMMIT's round trip and is delivered only if the transaction commits */
    (void)FAULT_TICK(fault_commits);
    (void)FAULT(d, FAULT_COMMIT_BEFORE);
    int rc = pg_exec(d, "NOTIFY " DB_PG_CHANNEL "; COMMIT");
    if (rc == DB_OK && FAULT(d, FAULT_COMMIT_AFTER) && (rc = exec_once(d, "SELECT 1")) == DB_OK)
        rc = set_err_msg(d, NULL, "the test fault's cut went unnoticed");
    if (rc && !lost(d) && PQtransactionStatus(d->c) != PQTRANS_IDLE) { /* COMMIT not reached: end it */
        char keep[sizeof d->err];
        int kind = d->kind;
        memcpy(keep, d->err, sizeof keep);
        exec_once(d, "ROLLBACK");
        memcpy(d->err, keep, sizeof keep);
        d->kind = kind;
    }
    /* a failed COMMIT ends the transaction all the same (it is rolled back) — unless the
       connection went while it was on its way: then the server may have committed it */
    d->in_tx = 0;
    if (rc && lost(d) && d->xid[0]) rc = commit_outcome(d);
    d->xid[0] = 0;
    return rc;
}

static int pg_rollback(db *d)
{
    d->xid[0] = 0;
    if (!d->in_tx) return DB_OK;
    for (struct db_stmt *s = d->cache; s; s = s->next) stmt_clear_result(s);
    if (!lost(d)) {
        PGresult *res = PQexec(d->c, "ROLLBACK");
        PQclear(res);
    }
    d->in_tx = 0;
    return DB_OK;
}

/* the register's SQL in PostgreSQL's words ('?'/'?N' → $n, COLLATE BINARY → COLLATE "C");
   *nparams: the highest parameter number */
static char *translate(const char *sql, int *nparams, unsigned char used[DB_PG_MAX_PARAMS])
{
    memset(used, 0, DB_PG_MAX_PARAMS);
    struct buf b;
    buf_init(&b, BUF_MAX_DEFAULT);
    int maxp = 0;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            const char *e = strchr(p + 1, *p);
            size_t n = e ? (size_t)(e - p) + 1 : strlen(p);
            buf_add(&b, p, n);
            p += n;
        } else if (*p == '?') {
            p++;
            int n = 0;
            if (*p >= '0' && *p <= '9')
                while (*p >= '0' && *p <= '9') n = n * 10 + (*p++ - '0');
            else n = maxp + 1;
            if (n > maxp) maxp = n;
            if (n >= 1 && n <= DB_PG_MAX_PARAMS) used[n - 1] = 1;
            buf_addf(&b, "$%d", n);
        } else if (strncmp(p, "COLLATE BINARY", 14) == 0) {
            buf_adds(&b, "COLLATE \"C\"");
            p += 14;
        } else {
            buf_addc(&b, *p++);
        }
    }
    *nparams = maxp;
    return buf_detach(&b);
}

/* PQprepare with the parameters' types left to the server, but for those the text does not use
   (SQLite allows a gap in ?N) and those whose type the server cannot tell ("? IS NULL" alone):
   text, as SQLite would treat them (SQLSTATE 42P18 or 42P08). USED[n-1] is 1 for a parameter the text names. A failed
   prepare aborts an open transaction, so inside one it runs under a savepoint. */
static PGresult *prepare_typed(db *d, const char *name, const char *sql, int np, const unsigned char *used)
{
    stream_interrupt(d);
    Oid *types = xcalloc((size_t)(np ? np : 1), sizeof *types);
    for (int i = 0; i < np; i++)
        if (!used[i]) types[i] = TEXT_OID;
    int sp = d->in_tx && pg_exec(d, "SAVEPOINT kt_prepare") == DB_OK;
    PGresult *res;
    for (int tries = 0;; tries++) {
        res = PQprepare(d->c, name, sql, np, types);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) break;
        const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *dollar = msg ? strchr(msg, '$') : NULL;
        int n = dollar ? atoi(dollar + 1) : 0;
        if (tries >= np || !st || (strcmp(st, "42P18") && strcmp(st, "42P08")) || n < 1 || n > np || types[n - 1])
            break;
        if (sp && pg_exec(d, "ROLLBACK TO SAVEPOINT kt_prepare")) break;
        types[n - 1] = TEXT_OID;
        PQclear(res);
    }
    if (sp) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) pg_exec(d, "ROLLBACK TO SAVEPOINT kt_prepare");
        pg_exec(d, "RELEASE SAVEPOINT kt_prepare");
    }
    free(types);
    return res;
}

static db_stmt *pg_prepare(db *d, const char *sql)
{
    for (struct db_stmt *s = d->cache; s; s = s->next)
        if (strcmp(s->sql, sql) == 0) {
            stmt_clear_result(s);
            stmt_clear_bindings(s);
            s->stream = 0;
            return s;
        }
    int np;
    unsigned char used[DB_PG_MAX_PARAMS];
    char *pgsql = translate(sql, &np, used);
    if (np > DB_PG_MAX_PARAMS) {
        free(pgsql);
        snprintf(d->err, sizeof d->err, "internal error: more than %d parameters", DB_PG_MAX_PARAMS);
        d->kind = DB_EIO;
        return NULL;
    }
    char name[24];
    snprintf(name, sizeof name, "k%d", d->nstmt + 1);
    if (d->slock_lost) {
        free(pgsql);
        refuse_lost_lock(d);
        return NULL;
    }
    if (lost(d) && !d->in_tx) reconnect(d);
    PGresult *res = prepare_typed(d, name, pgsql, np, used);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && (set_err_res(d, res), again(d))) {
        PQclear(res); /* the connection was found lost: prepared on the new one */
        res = prepare_typed(d, name, pgsql, np, used);
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        set_err_res(d, res);
        PQclear(res);
        free(pgsql);
        return NULL;
    }
    PQclear(res);
    d->nstmt++;
    struct db_stmt *s = xcalloc(1, sizeof *s);
    s->owner = d;
    s->sql = xstrdup(sql);
    memcpy(s->name, name, sizeof name);
    s->nparams = np;
    s->pgsql = pgsql;
    s->used = xmalloc(DB_PG_MAX_PARAMS);
    memcpy(s->used, used, DB_PG_MAX_PARAMS);
    s->epoch = d->epoch;
    s->vals = xcalloc((size_t)(np ? np : 1), sizeof *s->vals);
    s->lens = xcalloc((size_t)(np ? np : 1), sizeof *s->lens);
    s->fmts = xcalloc((size_t)(np ? np : 1), sizeof *s->fmts);
    s->next = d->cache;
    d->cache = s;
    return s;
}

static int bind_raw(db_stmt *s, int i, char *v, int len, int fmt)
{
    if (i < 1 || i > s->nparams) {
        free(v);
        snprintf(s->owner->err, sizeof s->owner->err, "internal error: parameter %d of %d", i, s->nparams);
        s->owner->kind = DB_EIO;
        return DB_ERR;
    }
    free(s->vals[i - 1]);
    s->vals[i - 1] = v;
    s->lens[i - 1] = len;
    s->fmts[i - 1] = fmt;
    return DB_OK;
}
static int pg_bind_int(db_stmt *s, int i, int64_t v)
{
    return bind_raw(s, i, xasprintf("%lld", (long long)v), 0, 0);
}
static int pg_bind_text(db_stmt *s, int i, const char *v)
{
    return bind_raw(s, i, v ? xstrdup(v) : NULL, 0, 0);
}
static int pg_bind_blob(db_stmt *s, int i, const void *v, size_t n)
{
    char *c = xmalloc(n ? n : 1);
    if (n) memcpy(c, v, n);
    return bind_raw(s, i, c, (int)n, 1);
}
/* libpq takes the values at PQexecPrepared: the "no copy" binds copy all the same */
static int pg_bind_text_ref(db_stmt *s, int i, const char *v, size_t n)
{
    return bind_raw(s, i, xstrndup(v, n), 0, 0);
}
static int pg_bind_blob_ref(db_stmt *s, int i, const void *v, size_t n)
{
    return pg_bind_blob(s, i, v, n);
}
static int pg_bind_null(db_stmt *s, int i)
{
    return bind_raw(s, i, NULL, 0, 0);
}

static void drop_row_decoded(db_stmt *s)
{
    for (int i = 0; s->dec && i < s->nfields; i++) {
        free(s->dec[i]);
        s->dec[i] = NULL;
    }
}

/* The session lock taken again on a new connection. This handle's earlier server processes
   (d->oldpid: after several lost connections there are several) may still hold it for a moment,
   not yet aware that their client went (a network cut, a loaded server): then the lock is tried
   again for up to DB_PG_RELOCK_WAIT_S. Held by any other process, it was taken meanwhile: the
   handle refuses to go on. In one round trip: the lock, or who holds it. */
static int relock(db *d)
{
    char key[24], pids[8 * 12 + 3], r[16];
    snprintf(key, sizeof key, "%lld", (long long)d->slock);
    size_t n = (size_t)snprintf(pids, sizeof pids, "{");
    for (int i = 0; i < d->noldpid; i++)
        n += (size_t)snprintf(pids + n, sizeof pids - n, "%s%d", i ? "," : "", d->oldpid[i]);
    snprintf(pids + n, sizeof pids - n, "}");
    const char *v[2] = {key, pids};
    /* an advisory lock belongs to a database: the same key held in another database of the
       cluster (another register) is not this register's lock */
#define HELD_BY_OTHERS \
    "FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 " \
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) " \
    "AND l.pid <> ALL ($2::int[]) AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint"
    for (int tries = 0;; tries++) {
        PGresult *res = PQexecParams(d->c,
                                     "SELECT CASE WHEN pg_try_advisory_lock($1::bigint) THEN 'got' WHEN EXISTS "
                                     "(SELECT 1 " HELD_BY_OTHERS ") THEN 'taken' ELSE 'wait' END",
                                     2, NULL, v, NULL, NULL, 0);
        int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        snprintf(r, sizeof r, "%s", ok && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
        if (!ok) set_err_res(d, res);
        PQclear(res);
        if (!ok) return DB_ERR;
        if (!strcmp(r, "got")) return DB_OK;
        if (!strcmp(r, "taken") || tries * 0.1 >= DB_PG_RELOCK_WAIT_S) break;
        pause_ms(100);
    }
    /* who holds it, for the message: its server process, since when, from where */
    static const char holder_sql[] =
        "SELECT string_agg(format('server process %s of database %s, connected %s%s', l.pid, "
        "coalesce((SELECT datname FROM pg_database WHERE oid = l.database)::text, l.database::text), "
        "coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS.MS TZ'), 'at an unknown time'), "
        "coalesce(' by ' || nullif(a.application_name, ''), '')), '; ' ORDER BY l.pid) "
        "FROM (SELECT l.pid, l.database " HELD_BY_OTHERS ") l LEFT JOIN pg_stat_activity a ON a.pid = l.pid";
#undef HELD_BY_OTHERS
    PGresult *res = PQexecParams(d->c, holder_sql, 2, NULL, v, NULL, NULL, 0);
    snprintf(d->holder, sizeof d->holder, "%s",
             PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
#ifdef KLARTEXT_TEST_HOOKS
    fprintf(stderr,
            "klartext: test hooks: lock %s not taken again on server process %d (%s); earlier ones %s; held by %s\n",
            key, PQbackendPID(d->c), r, pids, d->holder[0] ? d->holder : "nobody now");
#endif
    d->slock_lost = 1;
    return refuse_lost_lock(d);
}

/* a new connection after the old one was lost (a server restart, a network cut) outside a
   transaction: the session set up again; statements are prepared again when next run */
static int reconnect(db *d)
{
    /* the old connection's server process, which may hold the session lock: remembered with the
       earlier ones (the oldest is forgotten after 8) */
    /* d->pid, not PQbackendPID: libpq answers 0 once it has marked the connection bad, the
       usual way a lost connection is found (the server process, ended by a crash, still held
       the lock in the lock table until the postmaster cleaned up: "taken meanwhile") */
    int pid = d->pid;
    int known = pid <= 0;
    for (int i = 0; i < d->noldpid; i++) known |= d->oldpid[i] == pid;
    if (!known && d->noldpid == 8) memmove(d->oldpid, d->oldpid + 1, 7 * sizeof d->oldpid[0]), d->noldpid = 7;
    if (!known) d->oldpid[d->noldpid++] = pid;
    d->pid = 0;
    PQreset(d->c);
    if (PQstatus(d->c) != CONNECTION_OK) return DB_ERR;
    d->pid = PQbackendPID(d->c);
    d->broken = 0;
    d->epoch++;
    if (exec_once(d, "SET client_min_messages = warning; SET lock_timeout = '120s'")) return DB_ERR;
    if (d->readonly && exec_once(d, "SET default_transaction_read_only = on")) return DB_ERR;
    if (d->slock) return relock(d);
    return DB_OK;
}

/* run S (prepared again first on a new connection); its result in s->res */
static ExecStatusType exec_stmt(db_stmt *s)
{
    db *d = s->owner;
    stream_interrupt(d);
    (void)(d->in_tx ? FAULT(d, FAULT_IN_TX) : (FAULT(d, FAULT_IDLE) || FAULT(d, FAULT_IDLE_STOP)));
    if (s->epoch != d->epoch) {
        PGresult *res = prepare_typed(d, s->name, s->pgsql, s->nparams, s->used);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            s->res = res;
            return PQresultStatus(res);
        }
        PQclear(res);
        s->epoch = d->epoch;
    }
    s->res = PQexecPrepared(d->c, s->name, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0);
    return PQresultStatus(s->res);
}

/* ---- streamed rows (db_stream): the statement is sent, libpq's single-row mode gives its rows one
   PGresult each as they are stepped, so a result of millions of rows is never held whole. While
   they come the connection is busy: a statement run meanwhile first reads and drops the rest
   (stream_interrupt), and the streamed statement's next step fails instead of ending early. */

static int pg_stream(db_stmt *s)
{
    s->stream = 1;
    return DB_OK;
}

static void stream_interrupt(db *d)
{
    struct db_stmt *s = d->streaming;
    if (!s) return;
    d->streaming = NULL;
    for (PGresult *r; (r = PQgetResult(d->c));) PQclear(r);
    stmt_clear_result(s);
    s->executed = s->broken = 1; /* after stmt_clear_result, which clears them */
}

/* send S in single-row mode (prepared again first on a new connection) */
static int stream_send(db_stmt *s)
{
    db *d = s->owner;
    for (int tries = 0;; tries++) {
        stream_interrupt(d);
        if (d->slock_lost) return refuse_lost_lock(d);
        if (s->epoch != d->epoch) {
            PGresult *res = prepare_typed(d, s->name, s->pgsql, s->nparams, s->used);
            int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            if (!ok) set_err_res(d, res);
            PQclear(res);
            if (ok) s->epoch = d->epoch;
            else if (tries == 0 && again(d)) continue;
            else return DB_ERR;
        }
        (void)(d->in_tx ? FAULT(d, FAULT_IN_TX) : (FAULT(d, FAULT_IDLE) || FAULT(d, FAULT_IDLE_STOP)));
        if (PQsendQueryPrepared(d->c, s->name, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0) &&
            PQsetSingleRowMode(d->c))
            break;
        set_err_msg(d, NULL, PQerrorMessage(d->c));
        if (tries > 0 || !again(d)) return DB_ERR; /* lost between two transactions: once more */
    }
    d->streaming = s;
    s->executed = 1;
    return DB_OK;
}

static int stream_step(db_stmt *s)
{
    db *d = s->owner;
    if (s->broken) {
        stmt_clear_result(s);
        snprintf(d->err, sizeof d->err, "internal error: register '%s': another statement ran while a result was read",
                 d->target);
        d->kind = DB_EIO;
        return DB_ERR;
    }
    int first = !s->executed;
    if (first && stream_send(s)) return DB_ERR;
    drop_row_decoded(s);
    PQclear(s->res);
    s->res = PQgetResult(d->c);
    ExecStatusType st = PQresultStatus(s->res);
    if (first && st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !d->in_tx && lost(d)) {
        /* the server went away between two transactions before the first row: once more, as
           pg_step does */
        set_err_res(d, s->res);
        d->streaming = NULL;
        stmt_clear_result(s);
        if (!again(d) || stream_send(s)) return DB_ERR;
        s->res = PQgetResult(d->c);
        st = PQresultStatus(s->res);
    }
    if (st == PGRES_SINGLE_TUPLE) {
        if (!s->dec) {
            s->nfields = PQnfields(s->res);
            s->dec = xcalloc((size_t)(s->nfields ? s->nfields : 1), sizeof *s->dec);
            s->declen = xcalloc((size_t)(s->nfields ? s->nfields : 1), sizeof *s->declen);
        }
        s->row = 0;
        s->nrows = 1;
        return DB_ROW;
    }
    int rc = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? DB_DONE : set_err_res(d, s->res);
    stmt_clear_result(s); /* reads what is left: the connection is free again */
    return rc;
}

static int pg_step(db_stmt *s)
{
    db *d = s->owner;
    if (s->stream) return stream_step(s);
    if (!s->executed) {
        stmt_clear_result(s);
        if (d->slock_lost) return refuse_lost_lock(d);
        ExecStatusType st = exec_stmt(s);
        for (int tries = 0; st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !d->in_tx; tries++) {
            set_err_res(d, s->res);
            if (tries == 0 && again(d)) { /* the server went away between two transactions: once more */
            } else if (retryable(d) && tries < DB_PG_RETRIES) { /* a statement of its own: tried again */
                retry_pause(tries);
            } else break;
            stmt_clear_result(s);
            st = exec_stmt(s);
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            if (d->slock_lost) { /* the reconnect found the session lock taken: that is the error */
                stmt_clear_result(s);
                return refuse_lost_lock(d);
            }
            set_err_res(d, s->res);
            stmt_clear_result(s);
            return DB_ERR;
        }
        s->executed = 1;
        s->row = -1;
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->nfields = PQnfields(s->res);
        const char *ct = PQcmdTuples(s->res);
        d->changes = *ct ? atoi(ct) : s->nrows;
        if (s->nfields) {
            s->dec = xcalloc((size_t)s->nfields, sizeof *s->dec);
            s->declen = xcalloc((size_t)s->nfields, sizeof *s->declen);
        }
    }
    drop_row_decoded(s);
    if (++s->row < s->nrows) return DB_ROW;
    stmt_clear_result(s); /* done: the next step runs the statement again, as in SQLite */
    return DB_DONE;
}

static int pg_reset(db_stmt *s)
{
    stmt_clear_result(s);
    return DB_OK;
}

static int col_ok(db_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < s->nfields;
}

static int pg_col_is_null(db_stmt *s, int i)
{
    return !col_ok(s, i) || PQgetisnull(s->res, s->row, i);
}

static int64_t pg_col_int(db_stmt *s, int i)
{
    if (pg_col_is_null(s, i)) return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (PQftype(s->res, i) == BOOL_OID) return v[0] == 't';
    return strtoll(v, NULL, 10);
}

/* the bytes of a bytea column, decoded once per row, with a NUL after them (a text read) */
static const unsigned char *bytea(db_stmt *s, int i, size_t *n)
{
    if (!s->dec[i]) {
        size_t len = 0;
        unsigned char *p = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i), &len);
        s->dec[i] = xmalloc(len + 1);
        if (p && len) memcpy(s->dec[i], p, len);
        s->dec[i][len] = 0;
        s->declen[i] = len;
        PQfreemem(p);
    }
    *n = s->declen[i];
    return s->dec[i];
}

static const char *pg_col_text(db_stmt *s, int i)
{
    if (pg_col_is_null(s, i)) return NULL;
    if (PQftype(s->res, i) != BYTEA_OID) return PQgetvalue(s->res, s->row, i);
    size_t n;
    return (const char *)bytea(s, i, &n);
}

static const void *pg_col_blob(db_stmt *s, int i, size_t *n)
{
    *n = 0;
    if (pg_col_is_null(s, i)) return NULL;
    if (PQftype(s->res, i) != BYTEA_OID) {
        *n = (size_t)PQgetlength(s->res, s->row, i);
        return PQgetvalue(s->res, s->row, i);
    }
    const unsigned char *p = bytea(s, i, n);
    return *n ? p : NULL;
}

static int pg_has_table(db *d, const char *table, int *has)
{
    return table_exists(d, table, has);
}

static int pg_has_column(db *d, const char *table, const char *column, int *has)
{
    const char *v[2] = {table, column};
    char r[32];
    if (pg_scalar(d,
                  "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                  "AND table_name = $1 AND column_name = $2",
                  2, v, r, sizeof r))
        return DB_ERR;
    *has = atoi(r) > 0;
    return DB_OK;
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Asked at the start of every portal request, so without a round trip when it can be: a count,
   per connection, of the changes it has heard of. The connection LISTENs on DB_PG_CHANNEL,
   which every commit of klartext notifies (pg_commit): each batch of notifications is one more.
   While none has come, the count stands for DB_PG_DV_MAX_AGE seconds; then (and always on a
   server that refuses LISTEN, a hot standby) the server's snapshot is asked for, and one more
   is counted when it differs from the last one seen (any commit since, klartext's or psql's:
   a writer that does not notify is seen after at most that), or when the connection is new
   (a reconnect: what was notified meanwhile was not heard). */
static int pg_data_version(db *d, int64_t *v, int *found)
{
    *found = 1;
    double now = mono_s();
    if (!d->in_tx && d->listen_epoch == d->epoch + 1 && !lost(d)) {
        int failed = !PQconsumeInput(d->c); /* a failed read: ask, and the failure shows there */
        int heard = 0;
        for (PGnotify *n; (n = PQnotifies(d->c)); heard = 1) PQfreemem(n);
        d->dv += heard;
        if (!failed && now - d->dv_at < DB_PG_DV_MAX_AGE) {
            *v = d->dv;
            return DB_OK;
        }
    }
    if (!d->in_tx && d->listen_epoch >= 0 && d->listen_epoch != d->epoch + 1) {
        if (pg_exec(d, "LISTEN " DB_PG_CHANNEL) == DB_OK) d->listen_epoch = d->epoch + 1;
        else if (!lost(d)) d->listen_epoch = -1; /* refused: ask every time */
    }
    db_stmt *s = pg_prepare(d, "SELECT pg_current_snapshot()::text");
    if (!s) return DB_ERR;
    int rc = pg_step(s);
    if (rc == DB_ERR) return DB_ERR;
    const char *snap = rc == DB_ROW ? pg_col_text(s, 0) : NULL;
    uint64_t h = 1469598103934665603ull; /* FNV-1a of the snapshot's text */
    for (const char *p = snap ? snap : ""; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    pg_reset(s);
    if (h != d->dv_snap || d->dv_epoch != d->epoch + 1) d->dv++;
    d->dv_snap = h;
    d->dv_epoch = d->epoch + 1;
    d->dv_at = now;
    *v = d->dv;
    return DB_OK;
}

static int pg_unavailable(const db *d)
{
    return lost(d) || d->commit_lost;
}

static const char *pg_login(const db *d)
{
    return d->login;
}
static const char *pg_login_roles(const db *d)
{
    return d->login_roles;
}

/* COPY … FROM STDIN: the server waits for the data */
static int pg_copy_begin(db *d, const char *sql)
{
    stream_interrupt(d);
    PGresult *res = PQexec(d->c, sql);
    int rc = PQresultStatus(res) == PGRES_COPY_IN ? DB_OK : set_err_res(d, res);
    PQclear(res);
    return rc;
}

static int pg_copy_data(db *d, const void *p, size_t n)
{
    while (n) {
        int k = n > (1u << 30) ? 1 << 30 : (int)n;
        if (PQputCopyData(d->c, p, k) != 1) return set_err_msg(d, NULL, PQerrorMessage(d->c));
        p = (const char *)p + k;
        n -= (size_t)k;
    }
    return DB_OK;
}

/* a COPY's error, and the row the server refused when it says: "… (COPY notice, line 17)" */
static int set_err_copy(db *d, const PGresult *res)
{
    set_err_res(d, res);
    const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT), *at = ctx ? strstr(ctx, "COPY ") : NULL;
    size_t len = strlen(d->err);
    if (at && len + 4 < sizeof d->err)
        snprintf(d->err + len, sizeof d->err - len, " (%.*s)", (int)strcspn(at, ":\n"), at);
    return DB_ERR;
}

/* the end of the data, and the server's verdict on all of it */
static int pg_copy_end(db *d)
{
    int rc = PQputCopyEnd(d->c, NULL) == 1 ? DB_OK : set_err_msg(d, NULL, PQerrorMessage(d->c));
    PGresult *res;
    while ((res = PQgetResult(d->c))) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) d->changes = atoi(PQcmdTuples(res));
        else if (rc == DB_OK) rc = set_err_copy(d, res);
        PQclear(res);
    }
    return rc;
}

/* a session advisory lock KEY, without waiting (*got 0: another session holds it); kept until
   the handle is closed, and taken again on a new connection after a reconnect */
static int pg_session_lock(db *d, int64_t key, int *got)
{
    char k[24], r[8];
    snprintf(k, sizeof k, "%lld", (long long)key);
    const char *v[1] = {k};
    if (pg_scalar(d, "SELECT pg_try_advisory_lock($1::bigint)", 1, v, r, sizeof r)) return DB_ERR;
    *got = r[0] == 't';
    if (*got) d->slock = key;
    return DB_OK;
}

const struct db_ops db_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .target = pg_target,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_tx = pg_in_tx,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_text_ref = pg_bind_text_ref,
    .bind_blob_ref = pg_bind_blob_ref,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .col_int = pg_col_int,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_is_null = pg_col_is_null,
    .changes = pg_changes,
    .errmsg = pg_errmsg,
    .errkind = pg_errkind,
    .has_table = pg_has_table,
    .has_column = pg_has_column,
    .data_version = pg_data_version,
    .unavailable = pg_unavailable,
    .login = pg_login,
    .login_roles = pg_login_roles,
    .copy_begin = pg_copy_begin,
    .copy_data = pg_copy_data,
    .copy_end = pg_copy_end,
    .session_lock = pg_session_lock,
    .stream = pg_stream,
};
