/* Unit tests: the ENISA suggestion policy (src/assess/suggest.c) on plain facts, without a
 * register — what the register's scan, record and subject directory would hand it. */
#include "check.h"
#include "assess/suggest.h"
#include <stdlib.h>

#define V(k) (in.v[ENISA_K_##k])

/* a scan that disclosed name, email and an unknown field, seen by signed-in and anonymous viewers */
static void test_from_scan(void)
{
    struct suggest_facts f = {.have_scan = 1,
                              .scan_version = 2,
                              .scan_fields = "email,name,shoe-size",
                              .people = 321,
                              .viewers = 260,
                              .anonymous_viewers = 173,
                              .subjects_version = 1,
                              .exposed = 321,
                              .unreachable = 2,
                              .breach_types = "confidentiality",
                              .cause = "programming-error",
                              .data_categories = "health",
                              .approx_subjects = "5"};
    struct enisa_input in;
    char err[256] = "";
    enisa_input_init(&in);
    CHECK_INT(suggest_inputs(&f, &in, err, sizeof err), 0);
    CHECK_INT(V(CATEGORY).value, ENISA_CAT_SIMPLE); /* the scan's fields, not the record's "health" */
    CHECK_INT(V(CATEGORY).source, ENISA_SRC_SUGGESTED);
    CHECK_STR(V(CATEGORY).reason,
              "scan version 2 disclosed email, name, shoe-size: identity and contact data (simple); "
              "shoe-size is not a field name klartext knows and was counted as simple: check it");
    CHECK_INT(V(EI).value, ENISA_EI_MAXIMUM);
    CHECK_STR(V(EI).reason, "email, name identify the person directly, with no research");
    CHECK_INT(V(SPECIAL).source, ENISA_SRC_UNSET);
    CHECK_INT(V(CONFIDENTIALITY).value, ENISA_C_UNKNOWN);
    CHECK(strncmp(V(CONFIDENTIALITY).reason, "scan version 2: ", 16) == 0);
    CHECK_INT(V(INTEGRITY).value, ENISA_I_NONE);
    CHECK_INT(V(AVAILABILITY).value, ENISA_A_NONE);
    CHECK_INT(V(MALICIOUS).value, 0);
    CHECK_STR(V(MALICIOUS).reason, "the cause is recorded as programming-error: an error, not an attack");
    CHECK_INT(V(SUBJECTS).value, 321); /* the scan's people, not the record's 5 */
    CHECK_INT(V(CONTACTS_KNOWN).value, 0);
    CHECK_STR(V(CONTACTS_KNOWN).reason, "2 of the 321 affected people have no e-mail address in the subject directory "
                                        "(import version 1)");
}

/* no scan: the record's data categories, breach types and numbers */
static void test_from_record(void)
{
    struct suggest_facts f = {.breach_types = "confidentiality,availability",
                              .cause = "hacking",
                              .data_categories = "name,health,iban",
                              .approx_subjects = "1200"};
    struct enisa_input in;
    char err[256] = "";
    enisa_input_init(&in);
    CHECK_INT(suggest_inputs(&f, &in, err, sizeof err), 0);
    CHECK_INT(V(CATEGORY).value, ENISA_CAT_SENSITIVE);
    CHECK_STR(V(CATEGORY).reason,
              "the incident record lists name, health, iban; the most sensitive, health, is special "
              "categories of data (sensitive)");
    CHECK_INT(V(SPECIAL).value, 1);
    CHECK_INT(V(CONFIDENTIALITY).value, ENISA_C_UNKNOWN);
    CHECK_STR(V(CONFIDENTIALITY).reason,
              "recorded as a confidentiality breach, and no scan has established who saw the data");
    CHECK_INT(V(AVAILABILITY).value, ENISA_A_TEMPORARY);
    CHECK_INT(V(MALICIOUS).value, 1);
    CHECK_INT(V(SUBJECTS).value, 1200);
    CHECK_STR(V(SUBJECTS).reason, "the incident record gives about 1200 people");
    CHECK_INT(V(CONTACTS_KNOWN).source, ENISA_SRC_UNSET); /* no scan: the directory is not consulted */
}

/* many signed-in viewers are not "a few known recipients"; a value a person gave stays */
static void test_many_known_and_person(void)
{
    struct suggest_facts f = {.have_scan = 1,
                              .scan_version = 1,
                              .scan_fields = "password",
                              .people = 3,
                              .viewers = 101};
    struct enisa_input in;
    char err[256] = "";
    enisa_input_init(&in);
    CHECK_INT(enisa_set(&in, ENISA_K_SUBJECTS, 7, ENISA_SRC_PERSON, "counted by hand", err, sizeof err), 0);
    CHECK_INT(suggest_inputs(&f, &in, err, sizeof err), 0);
    CHECK_INT(V(CONFIDENTIALITY).value, ENISA_C_UNKNOWN);
    CHECK_STR(V(CONFIDENTIALITY).reason,
              "all 101 viewers were signed-in accounts, but more than 100 are not a few known recipients");
    CHECK(strstr(V(CATEGORY).reason, "password: credentials are scored by the data they unlock") != NULL);
    CHECK_INT(V(SUBJECTS).value, 7);
    CHECK_INT(V(SUBJECTS).source, ENISA_SRC_PERSON);
    CHECK_STR(V(SUBJECTS).reason, "counted by hand");
    CHECK_INT(V(INTEGRITY).source, ENISA_SRC_UNSET); /* no breach types recorded */
    CHECK_INT(V(MALICIOUS).source, ENISA_SRC_UNSET);
}

/* nothing known: nothing suggested */
static void test_nothing(void)
{
    struct suggest_facts f = {0};
    struct enisa_input in, before;
    char err[256] = "";
    enisa_input_init(&in);
    before = in;
    CHECK_INT(suggest_inputs(&f, &in, err, sizeof err), 0);
    CHECK(memcmp(&in, &before, sizeof in) == 0);
}

static void test_field_category(void)
{
    int known, special;
    CHECK_INT(assessment_field_category("Order_History", &known, &special), ENISA_CAT_BEHAVIOURAL);
    CHECK(known && !special);
    CHECK_INT(assessment_field_category("religion", &known, &special), ENISA_CAT_SENSITIVE);
    CHECK(special);
    CHECK(assessment_field_identifies("E-Mail") && !assessment_field_identifies("iban"));
}

int main(void)
{
    RUN(test_from_scan);
    RUN(test_from_record);
    RUN(test_many_known_and_person);
    RUN(test_nothing);
    RUN(test_field_category);
    return check_done();
}
