/* Unit tests: the incident field table and the status machine. */
#include "check.h"
#include "register/incident.h"
#include "register/schema.h"
#include <stdlib.h>

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

int main(void)
{
    RUN(test_field_table);
    RUN(test_canon);
    RUN(test_status_machine);
    RUN(test_schema_backends);
    return check_done();
}
