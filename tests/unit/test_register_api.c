/* Unit tests: the register's functions that replaced SQL in the commands and the portal
 * (audit_list, incident_event_exists, agent_active, scans_most_viewed, reg_data_version), on
 * a real SQLite register in a fresh temporary directory. */
#include "check.h"
#include "register/agents.h"
#include "register/audit.h"
#include "register/incident.h"
#include "register/scans.h"
#include <stdlib.h>
#include <unistd.h>

#define NOW 1795255200 /* 2026-11-21T10:00:00Z */

static char dir[256], path[300];

static reg *open_reg(int flags, const char *actor)
{
    reg *r = NULL;
    char err[REG_ERRLEN];
    if (reg_open(path, flags, actor, "test_register_api", NOW, &r, err, sizeof err)) printf("#   reg_open: %s\n", err);
    return r;
}

static int new_incident(reg *r, struct incident *inc)
{
    char *vals[IF_COUNT] = {0};
    vals[IF_TITLE] = "Profile pages visible";
    vals[IF_AWARE_AT] = "2026-11-20T08:17:00Z";
    vals[IF_AWARE_HOW] = "a customer wrote";
    int rc = reg_begin(r);
    if (!rc) rc = incident_create(r, vals, inc);
    if (!rc) rc = reg_commit(r);
    if (rc) {
        printf("#   incident_create: %s\n", reg_err(r));
        reg_rollback(r);
    }
    return rc;
}

/* oldest first, the newest LIMIT of them, of one incident or of all */
static void test_audit_list(void)
{
    reg *r = open_reg(0, "jana");
    struct incident inc;
    if (!r || new_incident(r, &inc)) {
        CHECK(0);
        reg_close(r);
        return;
    }
    CHECK_INT(reg_org_set(r, "dpo.name", "Dr. Jana Schreiber"), 0);
    struct audit_rec *a;
    size_t n, all;
    CHECK_INT(audit_list(r, NULL, -1, &a, &all), 0);
    CHECK(all >= 4); /* register.create, incident.create (3 fields), org.set */
    for (size_t i = 1; i < all; i++) CHECK(a[i].id > a[i - 1].id);
    CHECK_STR(a[0].action, "register.create");
    CHECK_STR(a[all - 1].action, "org.set");
    CHECK_STR(a[all - 1].field, "dpo.name");
    CHECK_STR(a[all - 1].new_value, "Dr. Jana Schreiber");
    CHECK_STR(a[all - 1].actor, "jana");
    CHECK(a[all - 1].incident_ref == NULL);
    CHECK_INT(a[all - 1].at, NOW);
    int64_t last = a[all - 1].id;
    audit_recs_free(a, all);
    CHECK_INT(audit_list(r, NULL, 2, &a, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(a[1].id, last);
    CHECK_INT(a[0].id, last - 1);
    audit_recs_free(a, n);
    CHECK_INT(audit_list(r, inc.ref, -1, &a, &n), 0);
    CHECK(n >= 3 && n < all);
    for (size_t i = 0; i < n; i++) CHECK_STR(a[i].incident_ref, inc.ref);
    audit_recs_free(a, n);
    CHECK_INT(audit_list(r, "2026-0999", -1, &a, &n), 0);
    CHECK_INT(n, 0);
    CHECK(a == NULL);
    incident_release(&inc);
    reg_close(r);
}

static void test_event_exists(void)
{
    reg *r = open_reg(REG_OPEN_READONLY, "jana");
    struct incident inc;
    int found = -1;
    if (!r || incident_load(r, "2026-0001", &inc)) {
        CHECK(0);
        reg_close(r);
        return;
    }
    CHECK_INT(incident_event_exists(r, &inc, 1, &found), 0);
    CHECK_INT(found, 1); /* "created" */
    CHECK_INT(incident_event_exists(r, &inc, 99, &found), 0);
    CHECK_INT(found, 0);
    incident_release(&inc);
    reg_close(r);
}

static void test_agent_active(void)
{
    reg *r = open_reg(0, "jana");
    char token[AGENT_TOKEN_SIZE];
    int active = -1;
    if (!r) {
        CHECK(0);
        return;
    }
    CHECK_INT(agent_active(r, "alice", &active), 0);
    CHECK_INT(active, 0);
    CHECK_INT(reg_begin(r) || agent_add(r, "alice", token) || reg_commit(r), 0);
    CHECK_INT(agent_active(r, "alice", &active), 0);
    CHECK_INT(active, 1);
    CHECK_INT(reg_begin(r) || agent_remove(r, "alice") || reg_commit(r), 0);
    CHECK_INT(agent_active(r, "alice", &active), 0);
    CHECK_INT(active, 0);
    reg_close(r);
}

/* an agent's identity (row and token hash) does not come back when the name is re-added */
static void test_agent_ident(void)
{
    reg *r = open_reg(0, "jana");
    char t1[AGENT_TOKEN_SIZE], t2[AGENT_TOKEN_SIZE];
    struct agent_ident a, b;
    int found = 0, valid = -1;
    if (!r) {
        CHECK(0);
        return;
    }
    CHECK_INT(reg_begin(r) || agent_add(r, "bob", t1) || reg_commit(r), 0);
    CHECK_INT(agent_check(r, t1, &a, &found), 0);
    CHECK_INT(found, 1);
    CHECK_STR(a.name, "bob");
    CHECK_INT(agent_ident_valid(r, &a, &valid), 0);
    CHECK_INT(valid, 1);
    CHECK_INT(reg_begin(r) || agent_remove(r, "bob") || agent_add(r, "bob", t2) || reg_commit(r), 0);
    CHECK_INT(agent_ident_valid(r, &a, &valid), 0);
    CHECK_INT(valid, 0);
    CHECK_INT(agent_check(r, t1, &b, &found), 0);
    CHECK_INT(found, 0);
    CHECK_INT(agent_check(r, t2, &b, &found), 0);
    CHECK_INT(found, 1);
    CHECK(b.id != a.id);
    CHECK_INT(agent_ident_valid(r, &b, &valid), 0);
    CHECK_INT(valid, 1);
    a.id = b.id; /* the new row with the old token's hash: not valid either */
    CHECK_INT(agent_ident_valid(r, &a, &valid), 0);
    CHECK_INT(valid, 0);
    reg_close(r);
}

/* no scan yet: no subject */
static void test_most_viewed_empty(void)
{
    reg *r = open_reg(REG_OPEN_READONLY, "jana");
    char subject[64] = "x";
    if (!r) {
        CHECK(0);
        return;
    }
    CHECK_INT(scans_most_viewed(r, subject, sizeof subject), 0);
    CHECK_STR(subject, "");
    reg_close(r);
}

/* the counter a reader compares changes when another connection commits, not otherwise */
static void test_data_version(void)
{
    reg *rd = open_reg(REG_OPEN_READONLY, "portal"), *w = open_reg(0, "jana");
    int64_t v1, v2, v3;
    if (!rd || !w) {
        CHECK(0);
        reg_close(rd);
        reg_close(w);
        return;
    }
    CHECK_INT(reg_data_version(rd, &v1), 0);
    CHECK_INT(reg_data_version(rd, &v2), 0);
    CHECK_INT(v1, v2);
    CHECK_INT(reg_org_set(w, "service.hours", "Mon-Fri 08:00-18:00"), 0);
    CHECK_INT(reg_data_version(rd, &v3), 0);
    CHECK(v3 != v2);
    reg_close(w);
    reg_close(rd);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/kt-regapi.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/klartext.db", dir);
    reg *r = open_reg(REG_OPEN_CREATE, "jana");
    reg_close(r);
    RUN(test_audit_list);
    RUN(test_event_exists);
    RUN(test_agent_active);
    RUN(test_agent_ident);
    RUN(test_most_viewed_empty);
    RUN(test_data_version);
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && system(cmd)) printf("# could not remove %s\n", dir);
    free(cmd);
    return check_done();
}
