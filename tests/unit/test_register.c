/* Unit tests: the incident field table, the status machine, rows from memory (db_insert_rows). */
#include "check.h"
#include "register/db.h"
#include "register/incident.h"
#include "register/schema.h"
#include <stdlib.h>
#include <unistd.h>

static void test_field_table(void)
{
    CHECK_INT(inc_nfields, IF_COUNT);
    CHECK_STR(inc_fields[IF_TITLE].name, "title");
    CHECK_STR(inc_fields[IF_AWARE_AT].name, "aware_at");
    CHECK_STR(inc_fields[IF_NOTIFIED_AT].name, "notified_at");
    CHECK_STR(inc_fields[IF_NIS2_FINAL_AT].name, "nis2_final_at");
    CHECK_STR(inc_fields[IF_DELAY_REASON].name, "delay_reason");
    CHECK(inc_field_find("aware-at") == &inc_fields[IF_AWARE_AT]);
    CHECK(inc_field_find("nope") == NULL);
}

static void test_canon(void)
{
    char *out, err[300];
    CHECK_INT(
        inc_value_canon(&inc_fields[IF_BREACH_TYPES], "integrity, Confidentiality,integrity", &out, err, sizeof err),
        0);
    CHECK_STR(out, "confidentiality,integrity");
    free(out);
    CHECK_INT(inc_value_canon(&inc_fields[IF_BREACH_TYPES], "secrecy", &out, err, sizeof err), 2);
    CHECK(strstr(err, "'secrecy' is not one of") != NULL);
    CHECK_INT(inc_value_canon(&inc_fields[IF_AWARE_AT], "2026-11-20T09:17:00+01:00", &out, err, sizeof err), 0);
    CHECK_STR(out, "2026-11-20T08:17:00Z");
    free(out);
    CHECK_INT(inc_value_canon(&inc_fields[IF_AWARE_AT], "2026-11-20T09:17:00", &out, err, sizeof err), 2);
    CHECK_INT(inc_value_canon(&inc_fields[IF_APPROX_SUBJECTS], "12a", &out, err, sizeof err), 2);
    CHECK_INT(inc_value_canon(&inc_fields[IF_APPROX_SUBJECTS], "-3", &out, err, sizeof err), 2);
    CHECK_INT(inc_value_canon(&inc_fields[IF_CROSS_BORDER], "maybe", &out, err, sizeof err), 2);
    CHECK_INT(inc_value_canon(&inc_fields[IF_DATA_CATEGORIES], "name,e mail", &out, err, sizeof err), 2);
    CHECK_INT(inc_value_canon(&inc_fields[IF_CAUSE], "bug", &out, err, sizeof err), 2);
}

static void test_status_machine(void)
{
    CHECK(inc_status_allowed("suspected", "confirmed"));
    CHECK(inc_status_allowed("suspected", "not-a-breach"));
    CHECK(inc_status_allowed("confirmed", "notified"));
    CHECK(inc_status_allowed("notified", "closed"));
    CHECK(!inc_status_allowed("suspected", "notified"));
    CHECK(!inc_status_allowed("notified", "suspected"));
    CHECK(!inc_status_allowed("closed", "notified"));
    CHECK_STR(inc_status_label("not-a-breach"), "not a breach");
}

/* every schema step has its PostgreSQL text (schema_pg.c) with the same version, in the same order */
static void test_schema_backends(void)
{
    CHECK(schema_pg_nsteps == schema_nsteps);
    for (size_t i = 0; i < schema_nsteps && i < schema_pg_nsteps; i++) {
        CHECK(schema_pg_steps[i].version == schema_steps[i].version);
        CHECK(schema_pg_steps[i].sql != NULL);
    }
}

/* rows for db_insert_rows: row i is (i, "t<i>", 3 bytes, NULL every third row); FAIL_AT repeats
   row 0's key there (0: never) */
struct src_rows {
    int i, n, fail_at;
    char text[32], blob[3];
};
static int src_row(void *arg, struct db_value *v)
{
    struct src_rows *x = arg;
    if (x->i == x->n) return 0;
    int k = x->fail_at && x->i == x->fail_at ? 0 : x->i;
    snprintf(x->text, sizeof x->text, "t%d", k);
    memcpy(x->blob, (char[3]){(char)k, 0, (char)(k >> 8)}, 3);
    v[0] = (struct db_value){.type = DB_V_INT, .i = k};
    v[1] = (struct db_value){.type = DB_V_TEXT, .p = x->text, .n = strlen(x->text)};
    v[2] = (struct db_value){.type = DB_V_BLOB, .p = x->blob, .n = 3};
    v[3] = (struct db_value){.type = k % 3 ? DB_V_INT : DB_V_NULL, .i = -k};
    x->i++;
    return 1;
}

static void test_insert_rows(void)
{
    char dir[] = "/tmp/kt-rows-XXXXXX", path[64], err[256];
    const char *t = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/kt-rows-XXXXXX", t && *t ? t : "/tmp");
    char *d = mkdtemp(tmpl);
    CHECK(d != NULL);
    if (!d) d = dir;
    snprintf(path, sizeof path, "%.50s/r.db", d);
    int kind;
    db *h = db_open(path, DB_OPEN_CREATE, err, sizeof err, &kind);
    CHECK(h != NULL);
    if (!h) return;
    CHECK(db_can_rows(h));
    CHECK_INT(db_exec(h, "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL, c BLOB NOT NULL, d INTEGER) STRICT"),
              DB_OK);
    const char *ins = "INSERT INTO t(a, b, c, d) SELECT c0, c1, c2, c3 FROM kt_rows";
    struct src_rows x = {.n = 300};
    CHECK_INT(db_begin(h), DB_OK);
    CHECK_INT(db_insert_rows(h, ins, src_row, &x), DB_OK);
    /* a key repeated at row 150: the statement fails whole, the rows before stay out too */
    struct src_rows y = {.i = 0, .n = 200, .fail_at = 150};
    CHECK_INT(db_exec(h, "DELETE FROM t WHERE a >= 100"), DB_OK);
    y.i = 100;
    CHECK_INT(db_insert_rows(h, ins, src_row, &y), DB_ERR);
    CHECK_INT(db_errkind(h), DB_ECONSTRAINT);
    CHECK_INT(db_commit(h), DB_OK);
    int64_t n = -1;
    int found = 0;
    CHECK_INT(db_query_int(h, "SELECT count(*) FROM t", NULL, &n, &found), DB_OK);
    CHECK_INT(n, 100);
    CHECK_INT(
        db_query_int(h,
                     "SELECT count(*) FROM t WHERE b = 't' || a AND hex(c) = printf('%02X00%02X', a % 256, a / 256)"
                     " AND d IS (CASE WHEN a % 3 THEN -a END)",
                     NULL, &n, &found),
        DB_OK);
    CHECK_INT(n, 100);
    /* outside db_insert_rows the table is empty */
    CHECK_INT(db_query_int(h, "SELECT count(*) FROM kt_rows", NULL, &n, &found), DB_OK);
    CHECK_INT(n, 0);
    db_close(h);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    rmdir(d);
}

int main(void)
{
    RUN(test_field_table);
    RUN(test_canon);
    RUN(test_status_machine);
    RUN(test_schema_backends);
    RUN(test_insert_rows);
    return check_done();
}
