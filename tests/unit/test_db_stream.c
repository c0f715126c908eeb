/* Unit tests: streamed results on PostgreSQL (db.h db_stream; db_pg.c, libpq's single-row mode).
 * Needs a database: KLARTEXT_TEST_PG_URL, an empty one (tests/cli/t0066-pg-stream.sh makes it
 * and runs this binary); without it the tests are skipped. */
#include "check.h"
#include "register/db.h"
#include <stdlib.h>

static db *d;

static db_stmt *rows(const char *sql)
{
    db_stmt *s = db_prepare(d, sql);
    if (s) db_stream(s);
    return s;
}

/* every row, in order, then DB_DONE; the statement runs again from its first row */
static void test_all_rows(void)
{
    for (int pass = 0; pass < 2; pass++) {
        db_stmt *s = rows("SELECT i, repeat('x', i::int % 7) FROM t ORDER BY i");
        CHECK(s != NULL);
        int64_t n = 0, bad = 0;
        int rc;
        while ((rc = db_step(s)) == DB_ROW) {
            n++;
            if (db_col_int(s, 0) != n || (int64_t)strlen(db_col_text(s, 1)) != n % 7) bad++;
        }
        CHECK_INT(rc, DB_DONE);
        CHECK_INT(n, 5000);
        CHECK_INT(bad, 0);
    }
}

/* another statement while rows still come: the streamed one's next step fails, it does not end
   early as if it had no more rows; the connection works, and the statement runs again */
static void test_interrupted(void)
{
    db_stmt *s = rows("SELECT i FROM t ORDER BY i");
    for (int k = 0; k < 10; k++) CHECK_INT(db_step(s), DB_ROW);
    int64_t v = 0;
    int found = 0;
    CHECK_INT(db_query_int(d, "SELECT count(*) FROM t", NULL, &v, &found), DB_OK);
    CHECK_INT(v, 5000);
    CHECK_INT(db_step(s), DB_ERR);
    CHECK(strstr(db_errmsg(d), "another statement ran while a result was read") != NULL);
    s = rows("SELECT i FROM t ORDER BY i");
    int64_t n = 0;
    while (db_step(s) == DB_ROW) n++;
    CHECK_INT(n, 5000);
}

/* a reset in the middle frees the connection; an error in the middle (row 2500) is the step's */
static void test_reset_and_error(void)
{
    db_stmt *s = rows("SELECT i FROM t ORDER BY i");
    CHECK_INT(db_step(s), DB_ROW);
    CHECK_INT(db_reset(s), DB_OK);
    int64_t v = 0;
    int found = 0;
    CHECK_INT(db_query_int(d, "SELECT max(i) FROM t", NULL, &v, &found), DB_OK);
    CHECK_INT(v, 5000);
    s = rows("SELECT 1 / (i - 2500) FROM t ORDER BY i");
    int64_t n = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) n++;
    CHECK_INT(rc, DB_ERR);
    CHECK(n < 2500);
    CHECK(strstr(db_errmsg(d), "division by zero") != NULL);
    CHECK_INT(db_query_int(d, "SELECT count(*) FROM t", NULL, &v, &found), DB_OK);
    CHECK_INT(v, 5000);
}

/* inside a transaction: the rows it wrote, streamed, then a commit */
static void test_in_transaction(void)
{
    CHECK_INT(db_begin(d), DB_OK);
    CHECK_INT(db_exec(d, "INSERT INTO t SELECT generate_series(5001, 6000)"), DB_OK);
    db_stmt *s = rows("SELECT i FROM t WHERE i > 5000 ORDER BY i");
    int64_t n = 0;
    while (db_step(s) == DB_ROW) n++;
    CHECK_INT(n, 1000);
    CHECK_INT(db_commit(d), DB_OK);
}

int main(void)
{
    const char *url = getenv("KLARTEXT_TEST_PG_URL");
    if (!url || !*url) {
        printf("ok 1 - # SKIP no PostgreSQL database (tests/cli/t0066-pg-stream.sh runs these tests)\n1..1\n");
        return 0;
    }
    char err[512];
    int kind;
    d = db_open(url, DB_OPEN_CREATE, err, sizeof err, &kind);
    if (!d) {
        printf("not ok 1 - open %s: %s\n1..1\n", url, err);
        return 1;
    }
    if (db_exec(d, "CREATE TABLE t(i BIGINT PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 5000)")) {
        printf("not ok 1 - %s\n1..1\n", db_errmsg(d));
        return 1;
    }
    RUN(test_all_rows);
    RUN(test_interrupted);
    RUN(test_reset_and_error);
    RUN(test_in_transaction);
    db_close(d);
    return check_done();
}
