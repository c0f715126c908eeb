/* run.c — what a run of notify works on: the people, the facts the letters state, the clock
 * and the lock (notify.h). */
#include "notify/notify.h"
#include "util/mono.h"
#include "util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int64_t notify_now(const struct notify_clock *c)
{
    return c->fixed ? c->at : (int64_t)time(NULL);
}

int notify_people_load(reg *r, const struct incident *inc, struct notify_people *pp)
{
    struct scan_info si;
    int rc;
    memset(pp, 0, sizeof *pp);
    if ((rc = scans_get(r, inc, 0, &si)))
        return reg_fail(r, rc,
                        "incident %s has no exposure scan yet: run 'klartext scan --rule RULE --incident %s LOG...'",
                        inc->ref, inc->ref);
    pp->scan_id = si.id;
    if ((rc = scans_exposures(r, si.id, NULL, &pp->ex, &pp->nex)) ||
        (rc = subjects_list(r, inc, &pp->subj, &pp->nsubj)) || (rc = outbox_current_import(r, inc, &pp->import_id)))
        return rc;
    return 0;
}

void notify_people_release(struct notify_people *pp)
{
    exposure_rows_free(pp->ex, pp->nex);
    subject_recs_free(pp->subj, pp->nsubj);
    memset(pp, 0, sizeof *pp);
}

const struct subject_rec *notify_contact(const struct notify_people *pp, const char *subject)
{
    size_t lo = 0, hi = pp->nsubj;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(pp->subj[mid].subject, subject);
        if (!cmp) return &pp->subj[mid];
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const struct subject_rec *notify_contact_next(const struct notify_people *pp, size_t *k, const char *subject)
{
    int cmp = 1;
    while (*k < pp->nsubj && (cmp = strcmp(pp->subj[*k].subject, subject)) < 0) ++*k;
    return *k < pp->nsubj && !cmp ? &pp->subj[*k] : NULL;
}

int notify_reachable(const struct subject_rec *s)
{
    return s && s->email && *s->email;
}

void notify_person(const struct exposure_row *e, const struct subject_rec *s, struct notice_person *p)
{
    memset(p, 0, sizeof *p);
    p->subject = e->subject;
    p->name = s->name;
    p->salutation = s->salutation;
    p->email = s->email;
    int l = notice_lang_parse(s->language);
    p->lang = l < 0 ? NOTICE_EN : (enum notice_lang)l;
    p->timezone = s->timezone;
    p->first_seen = e->first_seen;
    p->last_seen = e->last_seen;
    p->views = e->views;
    p->viewers = e->viewers;
    p->signed_in = e->signed_in_viewers;
    p->anonymous = e->anonymous_viewers;
    p->pages = (const char *const *)e->pages;
    p->npages = e->npages;
    p->fields = e->fields;
}

void notify_count_people(const struct notify_people *pp, struct notify_make_stats *ms)
{
    if (ms->exposed) return;
    size_t k = 0;
    for (size_t i = 0; i < pp->nex; i++) {
        ms->exposed++;
        if (notify_reachable(notify_contact_next(pp, &k, pp->ex[i].subject))) ms->reachable++;
        else ms->unreachable++;
    }
}

static const char *org_get(reg *r, const char *k)
{
    const char *v = reg_org_get(r, k);
    return v ? v : "";
}

void notify_facts(reg *r, const struct incident *inc, const char *key_id, int voluntary, struct notice_org *o,
                  struct notice_incident *n)
{
    o->name = org_get(r, "organisation.name");
    o->address = org_get(r, "organisation.address");
    o->dpo_name = org_get(r, "dpo.name");
    o->dpo_email = org_get(r, "dpo.email");
    o->dpo_phone = org_get(r, "dpo.phone");
    o->service_phone = org_get(r, "service.phone");
    o->service_hours = org_get(r, "service.hours");
    o->portal_url = org_get(r, "portal.url");
    o->authority = inc->v[IF_LEAD_AUTHORITY] ? inc->v[IF_LEAD_AUTHORITY] : org_get(r, "authority.lead");
    o->from = org_get(r, "notices.from");
    o->reply_to = org_get(r, "notices.reply_to");
    o->key_id = key_id;
    n->ref = inc->ref;
    n->title = inc->v[IF_TITLE];
    n->description = inc->v[IF_DESCRIPTION];
    n->consequences = inc->v[IF_CONSEQUENCES];
    n->measures_taken = inc->v[IF_MEASURES_TAKEN];
    n->measures_proposed = inc->v[IF_MEASURES_PROPOSED];
    n->cause = inc->v[IF_CAUSE];
    n->data_not_affected = inc->v[IF_DATA_NOT_AFFECTED];
    n->occurred_from = inc_time(inc, IF_OCCURRED_FROM);
    n->occurred_until = inc_time(inc, IF_OCCURRED_UNTIL);
    n->contained_at = inc_time(inc, IF_CONTAINED_AT);
    n->notified_at = inc_time(inc, IF_NOTIFIED_AT);
    n->voluntary = voluntary;
}

int notify_db_back(reg *r, double *down)
{
    if (!reg_unavailable(r)) return 0;
    double now = mono_now();
    if (*down == 0) *down = now;
    if (now - *down > NOTIFY_DB_WAIT_S) return 0;
    struct timespec t = {0, 200 * 1000000L};
    nanosleep(&t, NULL);
    return 1;
}

/* BODY(r, BARG) until it succeeds or its failure stands, AGAIN(AARG) before each new try (notify.h) */
static int retry(reg *r, double *down, int (*body)(reg *r, void *arg), void *barg, void (*again)(void *arg), void *aarg)
{
    double own = 0;
    int rc;
    while ((rc = body(r, barg)) && notify_db_back(r, down ? down : &own))
        if (again) again(aarg);
    return rc;
}

int notify_again(reg *r, double *down, int (*body)(reg *r, void *arg), void *arg, void (*again)(void *arg))
{
    return retry(r, down, body, arg, again, arg);
}

struct tx_body {
    int (*body)(reg *r, void *arg);
    void *arg;
};

/* begin, the body, commit: 0, or the error (rolled back) */
static int in_tx(reg *r, void *arg)
{
    const struct tx_body *t = arg;
    int rc;
    if ((rc = reg_begin(r)) || (rc = t->body(r, t->arg)) || (rc = reg_commit(r))) reg_rollback(r);
    return rc;
}

int notify_in_tx(reg *r, double *down, int (*body)(reg *r, void *arg), void *arg, void (*again)(void *arg))
{
    struct tx_body t = {body, arg};
    return retry(r, down, in_tx, &t, again, arg);
}

int notify_lock(reg *r, int *fd)
{
    if (reg_is_pg(r)) { /* no file to lock: the database's own lock, until the handle is closed */
        *fd = -1;
        return reg_pg_notify_lock(r);
    }
    char *p = xasprintf("%s.notify-lock", reg_path(r));
    int rc = 0;
    *fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600); /* output-ok: a lock, nothing is written */
    if (*fd < 0) rc = reg_fail(r, 1, "cannot open '%s': %s", p, strerror(errno));
    else if (flock(*fd, LOCK_EX | LOCK_NB)) {
        close(*fd);
        *fd = -1;
        rc = reg_fail(r, 1, "another 'klartext notify' is working on this register ('%s' is locked)", p);
    }
    free(p);
    return rc;
}
