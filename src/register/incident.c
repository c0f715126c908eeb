/* incident.c — the incident record (table-driven), status machine, timeline. */
#include "register/incident.h"
#include "register/reg_int.h"
#include "util/buf.h"
#include "util/deadline.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const breach_types[] = {"confidentiality", "integrity", "availability", NULL};
static const char *const causes[] = {"programming-error",
                                     "misconfiguration",
                                     "publishing-error",
                                     "misdelivery",
                                     "lost-device",
                                     "theft",
                                     "hacking",
                                     "malware",
                                     "social-engineering",
                                     "insider-misuse",
                                     "processor",
                                     "physical",
                                     "other",
                                     "unknown",
                                     NULL};
static const char *const statuses[] = {"suspected", "confirmed", "not-a-breach", "notified", "closed", NULL};
static const char *const subject_cats[] = {"customers", "users",    "subscribers", "employees",
                                           "students",  "patients", "children",    "vulnerable-adults",
                                           "prospects", "members",  "other",       NULL};

/* Order must match the IF_* enum in incident.h (checked by tests/unit/test_register.c). */
const struct inc_field inc_fields[] = {
    {"title", F_TEXT, NULL, F_REQUIRED, "title", "short title, e.g. 'Customer names visible on profile pages'"},
    {"description", F_TEXT, NULL, F_LONG, "what happened", "what happened, in plain words"},
    {"breach_types", F_SET, breach_types, 0, "breach types",
     "confidentiality, integrity, availability (any combination)"},
    {"cause", F_ENUM, causes, 0, "cause",
     "programming-error, misconfiguration, publishing-error, misdelivery, lost-device, theft, hacking, malware, social-engineering, insider-misuse, processor, physical, other, unknown"},
    {"status", F_ENUM, statuses, 0, "status", "suspected, confirmed, not-a-breach, notified, closed"},
    {"aware_at", F_TIME, NULL, F_REQUIRED, "became aware", "when the organisation became aware (ISO 8601 with zone)"},
    {"aware_how", F_TEXT, NULL, F_REQUIRED, "how it became known",
     "how it became known, e.g. 'a customer reported it to support'"},
    {"occurred_from", F_TIME, NULL, 0, "occurred from", "when the breach began"},
    {"occurred_until", F_TIME, NULL, 0, "occurred until", "when the breach ended"},
    {"contained_at", F_TIME, NULL, 0, "contained at", "when it was contained"},
    {"data_categories", F_SET, NULL, 0, "data affected", "categories of personal data affected, e.g. name,email"},
    {"data_not_affected", F_SET, NULL, 0, "data not affected",
     "categories known NOT to be affected, e.g. password,payment-card"},
    {"subject_categories", F_SET, subject_cats, 0, "people affected",
     "customers, users, subscribers, employees, students, patients, children, vulnerable-adults, prospects, members, other"},
    {"approx_subjects", F_INT, NULL, 0, "approx. number of people", "approximate number of people affected"},
    {"approx_records", F_INT, NULL, 0, "approx. number of records", "approximate number of records affected"},
    {"consequences", F_TEXT, NULL, F_LONG, "likely consequences", "likely consequences for the people"},
    {"measures_taken", F_TEXT, NULL, F_LONG, "measures taken",
     "measures taken to address the breach and mitigate its effects"},
    {"measures_proposed", F_TEXT, NULL, F_LONG, "measures proposed", "measures proposed"},
    {"cross_border", F_BOOL, NULL, 0, "cross-border", "people in more than one EU/EEA member state (yes/no)"},
    {"lead_authority", F_TEXT, NULL, 0, "lead authority",
     "lead supervisory authority for this incident (default: the organisation's)"},
    {"delay_reason", F_TEXT, NULL, F_LONG, "reason for delay", "why the authority was notified after 72 hours"},
    {"nis2_significant", F_BOOL, NULL, 0, "NIS2 significant incident",
     "a significant incident under NIS2 Art. 23(3) (yes/no)"},
    {"notified_at", F_TIME, NULL, 0, "authority notified", "when the supervisory authority was notified"},
    {"nis2_warning_at", F_TIME, NULL, 0, "NIS2 early warning sent", "when the NIS2 early warning went to the CSIRT"},
    {"nis2_notified_at", F_TIME, NULL, 0, "NIS2 notification sent",
     "when the NIS2 incident notification went to the CSIRT"},
    {"nis2_final_at", F_TIME, NULL, 0, "NIS2 final report sent", "when the NIS2 final report went to the CSIRT"},
};
const size_t inc_nfields = sizeof inc_fields / sizeof inc_fields[0];

const struct inc_field *inc_field_find(const char *name)
{
    char n[64];
    size_t i;
    for (i = 0; name[i] && i < sizeof n - 1; i++) n[i] = name[i] == '-' ? '_' : name[i];
    n[i] = 0;
    for (i = 0; i < inc_nfields; i++)
        if (!strcmp(inc_fields[i].name, n)) return &inc_fields[i];
    return NULL;
}

static int in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (!strcmp(*l, s)) return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "FIELD: 'V' is not one of: A, B, C" into err; returns 2 */
static int not_one_of(const struct inc_field *f, const char *v, char *err, size_t errlen)
{
    struct buf b;
    buf_init(&b, 0);
    for (const char *const *c = f->choices; *c; c++) buf_addf(&b, "%s%s", c == f->choices ? "" : ", ", *c);
    snprintf(err, errlen, "%s: '%s' is not one of: %s", f->name, v, buf_str(&b));
    buf_release(&b);
    return 2;
}

static int canon_time(const struct inc_field *f, const char *in, char **out, char *err, size_t errlen)
{
    int64_t t;
    char e[256];
    if (kt_time_parse(in, &t, e, sizeof e)) {
        snprintf(err, errlen, "%s: %s", f->name, e);
        return 2;
    }
    char iso[KT_ISO_LEN];
    kt_time_iso(t, iso);
    *out = xstrdup(iso);
    return 0;
}

static int canon_int(const struct inc_field *f, const char *in, char **out, char *err, size_t errlen)
{
    char *end = NULL;
    long long v = isdigit((unsigned char)in[0]) ? strtoll(in, &end, 10) : -1;
    if (!end || *end || v < 0 || v > 100000000000LL) {
        snprintf(err, errlen, "%s: '%s' is not a whole number", f->name, in);
        return 2;
    }
    *out = xasprintf("%lld", v);
    return 0;
}

/* One item of a set, trimmed of spaces and lower-cased in place: 0 (empty items are
 * skipped by the caller), or 2 with err set. */
static int canon_set_item(const struct inc_field *f, char *tok, char *err, size_t errlen)
{
    for (char *c = tok; *c; c++) {
        if (isupper((unsigned char)*c)) *c = (char)tolower((unsigned char)*c);
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-' || *c == '_')) {
            snprintf(err, errlen, "%s: '%s' is not a category name (letters, digits, '-')", f->name, tok);
            return 2;
        }
    }
    if (f->choices && !in_list(f->choices, tok)) return not_one_of(f, tok, err, errlen);
    return 0;
}

/* "b, A;a" -> "a,b": items split at ',' or ';', checked, sorted, without duplicates */
static int canon_set(const struct inc_field *f, const char *in, char **out, char *err, size_t errlen)
{
    char *tmp = xstrdup(in), *items[64];
    size_t n = 0;
    for (char *save, *tok = strtok_r(tmp, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) {
        while (*tok == ' ') tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ') *--e = 0;
        if (!*tok) continue;
        int rc = canon_set_item(f, tok, err, errlen);
        if (!rc && n == 64) {
            snprintf(err, errlen, "%s: too many items", f->name);
            rc = 2;
        }
        if (rc) {
            free(tmp);
            return rc;
        }
        items[n++] = tok;
    }
    qsort(items, n, sizeof *items, cmp_str);
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(items[i], items[i - 1])) continue;
        buf_addf(&b, "%s%s", b.len ? "," : "", items[i]);
    }
    free(tmp);
    *out = buf_detach(&b);
    return 0;
}

int inc_value_canon(const struct inc_field *f, const char *in, char **out, char *err, size_t errlen)
{
    *out = NULL;
    if (strlen(in) > 20000) {
        snprintf(err, errlen, "%s: value too long (max 20000 bytes)", f->name);
        return 2;
    }
    for (const unsigned char *c = (const unsigned char *)in; *c; c++)
        if (*c < ' ' && *c != '\n' && *c != '\t') {
            snprintf(err, errlen, "%s: control character in value", f->name);
            return 2;
        }
    switch (f->type) {
    case F_TEXT:
        if (!*in && (f->flags & F_REQUIRED)) {
            snprintf(err, errlen, "%s: must not be empty", f->name);
            return 2;
        }
        *out = xstrdup(in);
        return 0;
    case F_TIME: return canon_time(f, in, out, err, errlen);
    case F_BOOL:
        if (!strcmp(in, "yes") || !strcmp(in, "true")) *out = xstrdup("yes");
        else if (!strcmp(in, "no") || !strcmp(in, "false")) *out = xstrdup("no");
        else {
            snprintf(err, errlen, "%s: '%s' is not yes or no", f->name, in);
            return 2;
        }
        return 0;
    case F_INT: return canon_int(f, in, out, err, errlen);
    case F_ENUM:
        if (!in_list(f->choices, in)) return not_one_of(f, in, err, errlen);
        *out = xstrdup(in);
        return 0;
    case F_SET: return canon_set(f, in, out, err, errlen);
    }
    return 2;
}

int64_t inc_time(const struct incident *inc, int field)
{
    int64_t t;
    char e[64];
    if (!inc->v[field] || kt_time_parse(inc->v[field], &t, e, sizeof e)) return 0;
    return t;
}

int inc_bool(const struct incident *inc, int field)
{
    return inc->v[field] && !strcmp(inc->v[field], "yes");
}

void incident_release(struct incident *inc)
{
    for (int i = 0; i < IF_COUNT; i++) {
        free(inc->v[i]);
        inc->v[i] = NULL;
    }
}

static const char *status_labels[][2] = {
    {"suspected", "suspected breach"},
    {"confirmed", "confirmed breach"},
    {"not-a-breach", "not a breach"},
    {"notified", "authority notified"},
    {"closed", "closed"},
};
const char *inc_status_label(const char *s)
{
    for (size_t i = 0; i < sizeof status_labels / sizeof status_labels[0]; i++)
        if (s && !strcmp(status_labels[i][0], s)) return status_labels[i][1];
    return s ? s : "?";
}

int inc_status_allowed(const char *from, const char *to)
{
    static const char *const ok[][2] = {
        {"suspected", "confirmed"},    {"suspected", "not-a-breach"}, {"confirmed", "notified"},
        {"confirmed", "not-a-breach"}, {"confirmed", "closed"},       {"not-a-breach", "suspected"},
        {"not-a-breach", "confirmed"}, {"not-a-breach", "closed"},    {"notified", "closed"},
        {"closed", "confirmed"},
    };
    if (!strcmp(from, to)) return 1;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(ok[i][0], from) && !strcmp(ok[i][1], to)) return 1;
    return 0;
}

/* ---- storage ---- */

static int bind_value(db_stmt *s, int idx, const struct inc_field *f, const char *v)
{
    if (!v || !*v) return db_bind_null(s, idx);
    if (f->type == F_TIME) {
        int64_t t;
        char e[64];
        kt_time_parse(v, &t, e, sizeof e);
        return db_bind_int(s, idx, t);
    }
    if (f->type == F_INT) return db_bind_int(s, idx, strtoll(v, NULL, 10));
    if (f->type == F_BOOL) return db_bind_int(s, idx, !strcmp(v, "yes"));
    return db_bind_text(s, idx, v);
}

static char *column_value(db_stmt *s, int col, const struct inc_field *f)
{
    if (db_col_is_null(s, col)) return NULL;
    if (f->type == F_TIME) {
        char iso[KT_ISO_LEN];
        kt_time_iso(db_col_int(s, col), iso);
        return xstrdup(iso);
    }
    if (f->type == F_INT) return xasprintf("%lld", (long long)db_col_int(s, col));
    if (f->type == F_BOOL) return xstrdup(db_col_int(s, col) ? "yes" : "no");
    return xstrdup(db_col_text(s, col));
}

static const char *select_sql(void)
{
    static char sql[2048];
    if (!sql[0]) {
        struct buf b;
        buf_init(&b, 0);
        buf_adds(&b, "SELECT id, ref, created_at, updated_at");
        for (size_t i = 0; i < inc_nfields; i++) buf_addf(&b, ", %s", inc_fields[i].name);
        buf_adds(&b, " FROM incident");
        snprintf(sql, sizeof sql, "%s", buf_str(&b));
        buf_release(&b);
    }
    return sql;
}

static void row_to_incident(db_stmt *s, struct incident *inc)
{
    memset(inc, 0, sizeof *inc);
    inc->id = db_col_int(s, 0);
    snprintf(inc->ref, sizeof inc->ref, "%s", db_col_text(s, 1));
    inc->created_at = db_col_int(s, 2);
    inc->updated_at = db_col_int(s, 3);
    for (size_t i = 0; i < inc_nfields; i++) inc->v[i] = column_value(s, (int)i + 4, &inc_fields[i]);
}

int incident_load(reg *r, const char *ref, struct incident *inc)
{
    char sql[2200];
    snprintf(sql, sizeof sql, "%s WHERE ref = ?", select_sql());
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, ref);
    int rc = db_step(s);
    if (rc == DB_ERR) return reg_dberr(r);
    if (rc == DB_DONE) return reg_fail(r, 2, "no incident '%s' in the register (see 'klartext incident list')", ref);
    row_to_incident(s, inc);
    db_reset(s);
    return 0;
}

int incident_list(reg *r, int include_closed, struct incident **out, size_t *n)
{
    char sql[2200];
    snprintf(sql, sizeof sql, "%s %s ORDER BY aware_at, id", select_sql(),
             include_closed ? "" : "WHERE status NOT IN ('closed')");
    db_stmt *s = db_prepare(reg_db(r), sql);
    if (!s) return reg_dberr(r);
    size_t cap = 8;
    *n = 0;
    *out = xcalloc(cap, sizeof **out);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap *= 2;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        row_to_incident(s, &(*out)[(*n)++]);
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

/* consistency rules shared by create and update; vals = the record after the change */
static int check_rules(reg *r, struct incident *after, const struct incident *before)
{
    int64_t now = reg_now(r), aware = inc_time(after, IF_AWARE_AT);
    char a[KT_ISO_LEN], b[KT_ISO_LEN];
    for (int i = 0; i < IF_COUNT; i++)
        if (inc_fields[i].type == F_TIME && after->v[i] && inc_time(after, i) > now + 300 &&
            (!before || !before->v[i] || strcmp(before->v[i], after->v[i])))
            return reg_fail(r, 2, "%s: %s is in the future", inc_fields[i].name, after->v[i]);
    int64_t from = inc_time(after, IF_OCCURRED_FROM), until = inc_time(after, IF_OCCURRED_UNTIL);
    if (from && until && until < from)
        return reg_fail(r, 2, "occurred_until (%s) is before occurred_from (%s)", after->v[IF_OCCURRED_UNTIL],
                        after->v[IF_OCCURRED_FROM]);
    int64_t contained = inc_time(after, IF_CONTAINED_AT);
    if (contained && from && contained < from)
        return reg_fail(r, 2, "contained_at (%s) is before occurred_from (%s)", after->v[IF_CONTAINED_AT],
                        after->v[IF_OCCURRED_FROM]);
    int64_t notified = inc_time(after, IF_NOTIFIED_AT);
    if (notified) {
        if (notified < aware)
            return reg_fail(r, 2, "notified_at (%s) is before aware_at (%s)", after->v[IF_NOTIFIED_AT],
                            after->v[IF_AWARE_AT]);
        struct deadlines dl;
        deadlines_compute(aware, DL_GDPR_HOURS, 0, &dl);
        if (notified > dl.authority && (!after->v[IF_DELAY_REASON] || !*after->v[IF_DELAY_REASON])) {
            kt_time_iso(notified, a);
            kt_time_iso(dl.authority, b);
            char late[32];
            kt_duration_short(notified - dl.authority, late, sizeof late);
            return reg_fail(r, 2,
                            "the notification at %s is %s after the 72-hour deadline (%s): "
                            "Art. 33(1) GDPR requires the reasons for the delay; give them with --delay-reason",
                            a, late, b);
        }
    }
    if (after->v[IF_NIS2_NOTIFIED_AT] && inc_time(after, IF_NIS2_NOTIFIED_AT) < aware)
        return reg_fail(r, 2, "nis2_notified_at is before aware_at");
    return 0;
}

static int next_ref(reg *r, int64_t aware, char ref[16], int64_t *year, int64_t *seq)
{
    struct tm tm;
    long off;
    char abbr[16];
    if (kt_time_local(aware, reg_org_zone(r), &tm, &off, abbr, sizeof abbr)) kt_gmtime(aware, &tm);
    *year = tm.tm_year + 1900;
    db_stmt *s = db_prepare(reg_db(r), "SELECT coalesce(max(seq), 0) + 1 FROM incident WHERE year = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, *year);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    *seq = db_col_int(s, 0);
    db_reset(s);
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%04lld", (int)(*year % 10000), (long long)(*seq % 100000000));
    snprintf(ref, 16, "%.15s", tmp);
    return 0;
}

static int create_record(reg *r, char *const vals[IF_COUNT], struct incident *inc);

int incident_create(reg *r, char *const vals[IF_COUNT], struct incident *inc)
{
    int rc = create_record(r, vals, inc);
    if (rc) incident_release(inc);
    return rc;
}

static int create_record(reg *r, char *const vals[IF_COUNT], struct incident *inc)
{
    memset(inc, 0, sizeof *inc);
    for (int i = 0; i < IF_COUNT; i++) {
        if ((inc_fields[i].flags & F_REQUIRED) && (!vals[i] || !*vals[i]))
            return reg_fail(r, 2, "missing required field --%s (%s)", inc_fields[i].name, inc_fields[i].help);
        inc->v[i] = vals[i] && *vals[i] ? xstrdup(vals[i]) : NULL;
    }
    if (!inc->v[IF_STATUS]) inc->v[IF_STATUS] = xstrdup("suspected");
    if (strcmp(inc->v[IF_STATUS], "suspected") && strcmp(inc->v[IF_STATUS], "confirmed") &&
        strcmp(inc->v[IF_STATUS], "not-a-breach"))
        return reg_fail(
            r, 2, "a new incident starts as suspected, confirmed or not-a-breach (notified is set with --notified-at)");
    if (inc->v[IF_NOTIFIED_AT]) {
        free(inc->v[IF_STATUS]);
        inc->v[IF_STATUS] = xstrdup("notified");
    }
    int rc = check_rules(r, inc, NULL);
    if (rc) return rc;
    int64_t year = 0, seq = 0;
    if ((rc = next_ref(r, inc_time(inc, IF_AWARE_AT), inc->ref, &year, &seq))) return rc;
    struct buf sql;
    buf_init(&sql, 0);
    buf_adds(&sql, "INSERT INTO incident(ref, year, seq, created_at, updated_at");
    for (size_t i = 0; i < inc_nfields; i++) buf_addf(&sql, ", %s", inc_fields[i].name);
    buf_adds(&sql, ") VALUES (?, ?, ?, ?, ?");
    for (size_t i = 0; i < inc_nfields; i++) buf_adds(&sql, ", ?");
    buf_adds(&sql, ") RETURNING id");
    db_stmt *s = db_prepare(reg_db(r), buf_str(&sql));
    buf_release(&sql);
    if (!s) return reg_dberr(r);
    db_bind_text(s, 1, inc->ref);
    db_bind_int(s, 2, year);
    db_bind_int(s, 3, seq);
    db_bind_int(s, 4, reg_now(r));
    db_bind_int(s, 5, reg_now(r));
    for (size_t i = 0; i < inc_nfields; i++) bind_value(s, (int)i + 6, &inc_fields[i], inc->v[i]);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    inc->id = db_col_int(s, 0);
    db_reset(s);
    inc->created_at = inc->updated_at = reg_now(r);
    for (size_t i = 0; i < inc_nfields; i++)
        if (inc->v[i] && (rc = reg_audit(r, inc->ref, "incident.create", inc_fields[i].name, NULL, inc->v[i])))
            return rc;
    char *text = xasprintf("Became aware: %s", inc->v[IF_AWARE_HOW]);
    rc = incident_event_add(r, inc, inc_time(inc, IF_AWARE_AT), "aware", text, 0, NULL);
    free(text);
    if (!rc) {
        text = xasprintf("Incident recorded as %s: %s", inc_status_label(inc->v[IF_STATUS]), inc->v[IF_TITLE]);
        rc = incident_event_add(r, inc, reg_now(r), "created", text, 0, NULL);
        free(text);
    }
    if (!rc && inc->v[IF_NOTIFIED_AT])
        rc = incident_event_add(r, inc, inc_time(inc, IF_NOTIFIED_AT), "notified", "Supervisory authority notified", 0,
                                NULL);
    return rc;
}

static int same(const char *a, const char *b)
{
    if (a && !*a) a = NULL;
    if (b && !*b) b = NULL;
    return (!a && !b) || (a && b && !strcmp(a, b));
}

int incident_update(reg *r, struct incident *inc, char *const vals[IF_COUNT])
{
    struct incident after = *inc;
    int rc = 0, changed = 0;
    int auto_notified = 0;
    for (int i = 0; i < IF_COUNT; i++) after.v[i] = inc->v[i] ? xstrdup(inc->v[i]) : NULL;
    for (int i = 0; i < IF_COUNT; i++) {
        if (!vals[i]) continue;
        if (!*vals[i] && (inc_fields[i].flags & F_REQUIRED)) {
            rc = reg_fail(r, 2, "%s is required and cannot be cleared", inc_fields[i].name);
            goto out;
        }
        free(after.v[i]);
        after.v[i] = *vals[i] ? xstrdup(vals[i]) : NULL;
    }
    /* recording a notification moves the status to notified */
    if (!same(inc->v[IF_NOTIFIED_AT], after.v[IF_NOTIFIED_AT]) && after.v[IF_NOTIFIED_AT] && !vals[IF_STATUS] &&
        (!strcmp(after.v[IF_STATUS], "suspected") || !strcmp(after.v[IF_STATUS], "confirmed"))) {
        free(after.v[IF_STATUS]);
        after.v[IF_STATUS] = xstrdup("notified");
        auto_notified = 1;
    }
    if (!auto_notified && !inc_status_allowed(inc->v[IF_STATUS], after.v[IF_STATUS])) {
        if (!strcmp(after.v[IF_STATUS], "notified"))
            rc = reg_fail(
                r, 2,
                "status cannot change from %s to notified directly: record the notification with --notified-at TIME",
                inc->v[IF_STATUS]);
        else rc = reg_fail(r, 2, "status cannot change from %s to %s", inc->v[IF_STATUS], after.v[IF_STATUS]);
        goto out;
    }
    if (!strcmp(after.v[IF_STATUS], "notified") && !after.v[IF_NOTIFIED_AT]) {
        rc = reg_fail(r, 2, "status notified needs the time of the notification: give --notified-at TIME");
        goto out;
    }
    if ((rc = check_rules(r, &after, inc))) goto out;
    struct buf what;
    buf_init(&what, 0);
    for (size_t i = 0; i < inc_nfields && !rc; i++) {
        if (same(inc->v[i], after.v[i])) continue;
        const struct inc_field *f = &inc_fields[i];
        char sql[160];
        snprintf(sql, sizeof sql, "UPDATE incident SET %s = ?, updated_at = ? WHERE id = ?", f->name);
        db_stmt *s = db_prepare(reg_db(r), sql);
        if (!s) {
            rc = reg_dberr(r);
            break;
        }
        bind_value(s, 1, f, after.v[i]);
        db_bind_int(s, 2, reg_now(r));
        db_bind_int(s, 3, inc->id);
        if (db_step(s) != DB_DONE) {
            rc = reg_dberr(r);
            break;
        }
        if ((rc = reg_audit(r, inc->ref, "incident.update", f->name, inc->v[i], after.v[i]))) break;
        changed++;
        if ((int)i == IF_STATUS) {
            char *t = xasprintf("Status changed from %s to %s", inc_status_label(inc->v[i]),
                                inc_status_label(after.v[i]));
            rc = incident_event_add(r, inc, reg_now(r), "status", t, 0, NULL);
            free(t);
        } else if ((int)i == IF_NOTIFIED_AT && after.v[i]) {
            rc = incident_event_add(r, inc, inc_time(&after, IF_NOTIFIED_AT), "notified",
                                    "Supervisory authority notified", 0, NULL);
        } else if ((int)i == IF_CONTAINED_AT && after.v[i]) {
            rc = incident_event_add(r, inc, inc_time(&after, IF_CONTAINED_AT), "contained", "Breach contained", 0,
                                    NULL);
        } else if ((int)i == IF_NIS2_WARNING_AT && after.v[i]) {
            rc = incident_event_add(r, inc, inc_time(&after, (int)i), "nis2", "NIS2 early warning sent to the CSIRT", 0,
                                    NULL);
        } else if ((int)i == IF_NIS2_NOTIFIED_AT && after.v[i]) {
            rc = incident_event_add(r, inc, inc_time(&after, (int)i), "nis2",
                                    "NIS2 incident notification sent to the CSIRT", 0, NULL);
        } else if ((int)i == IF_NIS2_FINAL_AT && after.v[i]) {
            rc = incident_event_add(r, inc, inc_time(&after, (int)i), "nis2", "NIS2 final report sent to the CSIRT", 0,
                                    NULL);
        } else {
            buf_addf(&what, "%s%s", what.len ? ", " : "", f->label);
        }
    }
    if (!rc && what.len) {
        char *t = xasprintf("Record updated: %s", buf_str(&what));
        rc = incident_event_add(r, inc, reg_now(r), "update", t, 0, NULL);
        free(t);
    }
    buf_release(&what);
    if (!rc && !changed) rc = reg_fail(r, 2, "nothing to change: every value given is already stored");
out:
    if (rc) {
        incident_release(&after);
        return rc;
    }
    incident_release(inc);
    *inc = after;
    inc->updated_at = reg_now(r);
    return 0;
}

/* ---- timeline ---- */

int incident_event_add(reg *r, const struct incident *inc, int64_t at, const char *kind, const char *text,
                       int64_t corrects, int64_t *seq_out)
{
    db_stmt *s = db_prepare(
        reg_db(r),
        "INSERT INTO event(incident_id, seq, at, recorded_at, kind, text, actor, corrects) "
        "VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM event WHERE incident_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7) RETURNING seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, at);
    db_bind_int(s, 3, reg_now(r));
    db_bind_text(s, 4, kind);
    db_bind_text(s, 5, text);
    db_bind_text(s, 6, reg_actor(r));
    if (corrects) db_bind_int(s, 7, corrects);
    else db_bind_null(s, 7);
    if (db_step(s) != DB_ROW) return reg_dberr(r);
    int64_t seq = db_col_int(s, 0);
    db_reset(s);
    if (seq_out) *seq_out = seq;
    char n[32];
    snprintf(n, sizeof n, "%lld", (long long)seq);
    char *v = xasprintf("#%s %s: %s", n, kind, text);
    int rc = reg_audit(r, inc->ref, "timeline.add", "event", NULL, v);
    free(v);
    return rc;
}

int incident_events(reg *r, const struct incident *inc, struct inc_event **out, size_t *n)
{
    db_stmt *s = db_prepare(reg_db(r), "SELECT seq, at, recorded_at, coalesce(corrects, 0), kind, text, actor "
                                       "FROM event WHERE incident_id = ? ORDER BY at, seq");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    size_t cap = 16;
    *n = 0;
    *out = xcalloc(cap, sizeof **out);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            cap *= 2;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct inc_event *e = &(*out)[(*n)++];
        e->seq = db_col_int(s, 0);
        e->at = db_col_int(s, 1);
        e->recorded_at = db_col_int(s, 2);
        e->corrects = db_col_int(s, 3);
        e->kind = xstrdup(db_col_text(s, 4));
        e->text = xstrdup(db_col_text(s, 5));
        e->actor = xstrdup(db_col_text(s, 6));
    }
    return rc == DB_ERR ? reg_dberr(r) : 0;
}

int incident_event_exists(reg *r, const struct incident *inc, int64_t seq, int *found)
{
    *found = 0;
    db_stmt *s = db_prepare(r->d, "SELECT count(*) FROM event WHERE incident_id = ? AND seq = ?");
    if (!s) return reg_dberr(r);
    db_bind_int(s, 1, inc->id);
    db_bind_int(s, 2, seq);
    int st = db_step(s);
    if (st == DB_ROW) *found = db_col_int(s, 0) > 0;
    db_reset(s);
    return st == DB_ERR ? reg_dberr(r) : 0;
}

void inc_events_free(struct inc_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ev[i].kind);
        free(ev[i].text);
        free(ev[i].actor);
    }
    free(ev);
}
