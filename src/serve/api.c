/* api.c — the JSON bodies of /api/v1 (docs/api.md). */
#include "serve/serve_int.h"
#include "register/incident.h"
#include "register/scans.h"
#include "register/statement.h"
#include "util/ktime.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static json_t *iso(int64_t t)
{
    if (!t) return json_null();
    char s[KT_ISO_LEN];
    kt_time_iso(t, s);
    return json_string(s);
}

static json_t *statement_json(const struct statement *s, int with_text)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident", json_string(s->incident));
    json_object_set_new(o, "lang", json_string(s->lang));
    json_object_set_new(o, "revision", json_integer(s->revision));
    json_object_set_new(o, "title", json_string(s->title));
    json_object_set_new(o, "published_at", iso(s->published_at));
    json_object_set_new(o, "log_index", json_integer(s->log_index));
    if (with_text) {
        json_object_set_new(o, "statement", json_string(s->text));
        json_t *f = json_loads(s->facts, 0, NULL);
        json_object_set_new(o, "facts", f ? f : json_null());
    }
    return o;
}

json_t *api_incident_list(reg *r)
{
    struct statement *st = NULL;
    size_t n = 0;
    if (statement_list(r, NULL, 1, &st, &n)) return NULL;
    json_t *arr = json_array(), *cur = NULL;
    const char *cur_ref = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cur_ref, st[i].incident)) {
            cur = json_object();
            json_object_set_new(cur, "ref", json_string(st[i].incident));
            json_object_set_new(cur, "url", json_sprintf("/incident/%s", st[i].incident));
            json_object_set_new(cur, "statements", json_object());
            json_array_append_new(arr, cur);
            cur_ref = st[i].incident;
        }
        json_object_set_new(json_object_get(cur, "statements"), st[i].lang, statement_json(&st[i], 0));
    }
    statements_free(st, n);
    json_t *o = json_object();
    json_object_set_new(o, "incidents", arr);
    return o;
}

json_t *api_incident(reg *r, const char *ref)
{
    struct statement *st = NULL;
    size_t n = 0;
    if (strlen(ref) > 15 || statement_list(r, ref, 0, &st, &n) || !n) {
        statements_free(st, n);
        return NULL;
    }
    struct incident inc;
    if (incident_load(r, ref, &inc)) {
        statements_free(st, n);
        return NULL;
    }
    json_t *o = json_object(), *latest = json_object(), *revs = json_array();
    json_object_set_new(o, "ref", json_string(ref));
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(revs, statement_json(&st[i], 0));
        json_object_set_new(latest, st[i].lang, statement_json(&st[i], 1)); /* rows: lang, revision ascending */
    }
    json_object_set_new(o, "statements", latest);
    json_object_set_new(o, "revisions", revs);
    json_t *dates = json_object();
    json_object_set_new(dates, "aware_at", iso(inc_time(&inc, IF_AWARE_AT)));
    json_object_set_new(dates, "contained_at", iso(inc_time(&inc, IF_CONTAINED_AT)));
    json_object_set_new(dates, "authority_notified_at", iso(inc_time(&inc, IF_NOTIFIED_AT)));
    json_object_set_new(o, "dates", dates);
    struct scan_info si;
    json_t *hours = json_array();
    if (scans_get(r, &inc, 0, &si) == 0) {
        int64_t *h = NULL, *v = NULL;
        size_t nh = 0;
        if (scans_hours(r, si.id, &h, &v, &nh) == 0)
            for (size_t i = 0; i < nh; i++) {
                json_t *p = json_object();
                json_object_set_new(p, "hour", iso(h[i]));
                json_object_set_new(p, "views", json_integer(v[i]));
                json_array_append_new(hours, p);
            }
        free(h);
        free(v);
    }
    json_object_set_new(o, "views_per_hour", hours);
    json_t *c = json_object();
    const char *keys[] = {"dpo.name", "dpo.email", "dpo.phone", "service.phone", "service.hours"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *val = reg_org_get(r, keys[i]);
        json_object_set_new(c, keys[i], val ? json_string(val) : json_null());
    }
    json_object_set_new(o, "contact", c);
    incident_release(&inc);
    statements_free(st, n);
    return o;
}

/* a page as a JSON string; one that is not UTF-8 (a log may hold any bytes) with its bytes
   outside printable ASCII written \xHH, so that it is shown rather than dropped */
static json_t *page_json(const char *page)
{
    json_t *j = json_string(page);
    if (j) return j;
    size_t n = 4 * strlen(page) + 1;
    char *t = xmalloc(n);
    http_log_escape(page, t, n);
    j = json_string(t);
    free(t);
    return j;
}

json_t *api_verify(const struct verify_res *v, const struct person_exposure *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "genuine", json_boolean(v->matched));
    if (!v->matched) return o;
    const struct notice_hit *h = &v->h;
    json_object_set_new(o, "incident", json_string(h->incident_ref));
    json_object_set_new(o, "incident_url", json_sprintf("/incident/%s", h->incident_ref));
    json_object_set_new(o, "title", json_string(h->title));
    json_object_set_new(o, "sent_at", iso(lookup_sent_date(h)));
    if (h->purged_at) { /* its details were deleted under the retention policy */
        json_object_set_new(o, "details_deleted_at", iso(h->purged_at));
        return o;
    }
    json_object_set_new(o, "recipient", json_string(h->rcpt_masked));
    if (v->with_email && e) {
        json_t *x = json_object();
        if (e->found) {
            json_t *f = json_array(), *p = json_array();
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s", e->fields);
            for (char *save, *t = strtok_r(tmp, ";", &save); t; t = strtok_r(NULL, ";", &save))
                json_array_append_new(f, json_string(t));
            for (size_t i = 0; i < e->npages; i++) json_array_append_new(p, page_json(e->pages[i]));
            json_object_set_new(x, "fields", f);
            json_object_set_new(x, "pages", p);
            json_object_set_new(x, "first_seen", iso(e->first_seen));
            json_object_set_new(x, "last_seen", iso(e->last_seen));
            json_object_set_new(x, "seconds", json_integer(e->last_seen - e->first_seen));
            json_object_set_new(x, "views", json_integer(e->views));
            json_object_set_new(x, "viewers", json_integer(e->viewers));
            json_object_set_new(x, "signed_in_viewers", json_integer(e->signed_in));
            json_object_set_new(x, "anonymous_viewers", json_integer(e->anonymous));
            json_object_set_new(x, "timezone", json_string(e->timezone));
        }
        json_object_set_new(o, "exposure", x);
        json_t *ns = json_array(); /* the person's notices of this incident, newest first */
        for (size_t i = 0; i < e->nnotices; i++) {
            json_t *ne = json_object();
            json_object_set_new(ne, "notice", json_string(e->notices[i].notice_id));
            json_object_set_new(ne, "kind", json_string(e->notices[i].kind));
            json_object_set_new(ne, "sent_at", iso(lookup_sent_date(&e->notices[i])));
            json_array_append_new(ns, ne);
        }
        json_object_set_new(o, "notices", ns);
        json_t *lg = json_object();
        json_object_set_new(lg, "index", e->log_index >= 0 ? json_integer(e->log_index) : json_null());
        json_object_set_new(lg, "in_checkpoint", json_boolean(e->in_checkpoint));
        json_object_set_new(lg, "inclusion_proof", e->proof ? json_incref(e->proof) : json_null());
        json_object_set_new(lg, "salt", e->salt_hex[0] ? json_string(e->salt_hex) : json_null());
        json_object_set_new(lg, "committed", e->salt_hex[0] ? json_string(e->committed) : json_null());
        json_object_set_new(o, "log", lg);
    }
    return o;
}

json_t *api_agent_hits(reg *r, const struct notice_hit *hits, size_t n)
{
    (void)r;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct notice_hit *h = &hits[i];
        json_t *o = json_object();
        json_object_set_new(o, "incident", json_string(h->incident_ref));
        json_object_set_new(o, "title", json_string(h->title));
        json_object_set_new(o, "notice_id", json_string(h->notice_id));
        json_object_set_new(o, "recipient", json_string(h->rcpt_masked));
        json_object_set_new(o, "state", json_string(h->state));
        json_object_set_new(o, "created_at", iso(h->created_at));
        json_object_set_new(o, "sent_at", iso(h->sent_at));
        json_array_append_new(arr, o);
    }
    json_t *o = json_object();
    json_object_set_new(o, "notices", arr);
    return o;
}
