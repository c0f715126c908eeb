/* plan.c — who needs which notice after a scan (notify.h): a first notice, a follow-up because
 * their exposure changed in substance since the notice they have, or nothing. Reads only: make.c
 * acts on the plan, --status shows it. */
#include "notify/notify.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* does the ';'-list A hold an item B lacks? (fields: sorted keywords without ';' inside) */
static int fields_grew(const char *a, const char *b)
{
    const char *p = a ? a : "";
    while (*p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int found = 0;
        for (const char *q = b ? b : ""; *q && !found;) {
            const char *qe = strchr(q, ';');
            size_t qn = qe ? (size_t)(qe - q) : strlen(q);
            found = qn == n && !memcmp(p, q, n);
            q += qn + (qe ? 1 : 0);
        }
        if (n && !found) return 1;
        p += n + (e ? 1 : 0);
    }
    return 0;
}

static int pages_differ(const struct exposure_row *a, const struct exposure_row *b)
{
    if (a->npages != b->npages) return 1;
    for (size_t i = 0; i < a->npages; i++)
        if (strcmp(a->pages[i], b->pages[i])) return 1;
    return 0;
}

unsigned notify_changed(const struct exposure_row *old, const struct exposure_row *now)
{
    unsigned c = 0;
    if (now->views > old->views) c |= NOTIFY_CH_VIEWS;
    if (now->viewers > old->viewers) c |= NOTIFY_CH_VIEWERS;
    if (now->first_seen < old->first_seen) c |= NOTIFY_CH_FIRST;
    if (now->last_seen > old->last_seen) c |= NOTIFY_CH_LAST;
    if (fields_grew(now->fields, old->fields) || fields_grew(old->fields, now->fields)) c |= NOTIFY_CH_FIELDS;
    if (pages_differ(old, now)) c |= NOTIFY_CH_PAGES;
    return c;
}

/* ---------------------------------------------------------------- earlier scans */

static const struct exposure_row *find_row(const struct exposure_row *ex, size_t n, const char *subject)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(ex[mid].subject, subject);
        if (!cmp) return &ex[mid];
        if (cmp < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* the exposure of SUBJECT in scan SCAN_ID, loading that scan once: 0 and *row (NULL when the scan
   has none) */
static int old_row(reg *r, struct notify_plan *pl, int64_t scan_id, const char *subject,
                   const struct exposure_row **row)
{
    size_t k = 0;
    while (k < pl->nold && pl->old[k].scan_id != scan_id) k++;
    if (k == pl->nold) {
        pl->old = xrealloc(pl->old, (pl->nold + 1) * sizeof *pl->old);
        memset(&pl->old[k], 0, sizeof pl->old[k]);
        pl->old[k].scan_id = scan_id;
        pl->nold++;
        int rc = scans_exposures(r, scan_id, NULL, &pl->old[k].ex, &pl->old[k].n);
        if (rc) return rc;
    }
    *row = find_row(pl->old[k].ex, pl->old[k].n, subject);
    return 0;
}

/* ---------------------------------------------------------------- the plan */

static int accepted(enum outbox_state s)
{
    return s == OB_SENT || s == OB_WRITTEN || s == OB_SENDING;
}

/* is notice L made from other content, scan or contact data than this run's? (APPROVAL_ID < 0:
   any approval) */
static int stale(const struct outbox_live *l, const struct notify_people *pp, int64_t approval_id)
{
    return (approval_id >= 0 && l->approval_id != approval_id) || l->scan_id != pp->scan_id ||
           l->import_id != pp->import_id;
}

/* the verdict on one exposed person E, whose live notices are live[0 .. n) (in the order made) */
static int judge(reg *r, struct notify_plan *pl, const struct notify_people *pp, int64_t approval_id,
                 const struct outbox_live *live, size_t n, struct notify_verdict *v)
{
    const struct exposure_row *e = &pp->ex[v->ex];
    for (size_t i = 0; i < n; i++)
        if (accepted(live[i].state)) v->base = &live[i];
    for (size_t i = 0; i < n; i++)
        if (!accepted(live[i].state) && (!v->base || live[i].seq > v->base->seq)) v->pend = &live[i];
    if (!v->base) {
        v->keep_pend = v->pend && !stale(v->pend, pp, approval_id);
        v->need = v->keep_pend ? NOTIFY_NEED_NONE : NOTIFY_NEED_FIRST;
        return 0;
    }
    int rc = 0;
    if (v->base->scan_id != pp->scan_id && (rc = old_row(r, pl, v->base->scan_id, e->subject, &v->old))) return rc;
    v->changes = v->old ? notify_changed(v->old, e) : 0;
    if (!v->changes) return 0; /* the notice they have still states the facts: nothing to send */
    v->keep_pend = v->pend && v->pend->follows == v->base->row && !stale(v->pend, pp, approval_id);
    v->need = v->keep_pend ? NOTIFY_NEED_NONE : NOTIFY_NEED_FOLLOWUP;
    return 0;
}

/* count V into pl */
static void tally(struct notify_plan *pl, const struct notify_verdict *v)
{
    if (!v->reachable) pl->unreachable++;
    if (v->changes) pl->changed++;
    if (!v->base && !v->pend) pl->no_notice++;
    if (v->need == NOTIFY_NEED_FIRST && v->reachable) pl->firsts++;
    if (v->need == NOTIFY_NEED_FOLLOWUP && v->reachable) pl->followups++;
}

int notify_plan_load(reg *r, const struct incident *inc, const struct notify_people *pp, int64_t approval_id,
                     struct notify_plan *pl)
{
    int rc;
    memset(pl, 0, sizeof *pl);
    if ((rc = outbox_live_list(r, inc->id, &pl->live, &pl->nlive))) return rc;
    pl->v = xcalloc(pp->nex + 1, sizeof *pl->v);
    pl->gone = xcalloc(pl->nlive + 1, sizeof *pl->gone);
    size_t li = 0, ci = 0;
    for (size_t i = 0; i < pp->nex; i++) {
        const struct exposure_row *e = &pp->ex[i];
        /* live notices of subjects before this one: no longer exposed */
        while (li < pl->nlive && strcmp(pl->live[li].subject, e->subject) < 0) pl->gone[pl->ngone++] = &pl->live[li++];
        size_t first = li;
        while (li < pl->nlive && !strcmp(pl->live[li].subject, e->subject)) li++;
        struct notify_verdict *v = &pl->v[pl->nv++];
        v->ex = i;
        v->reachable = notify_reachable(notify_contact_next(pp, &ci, e->subject));
        if ((rc = judge(r, pl, pp, approval_id, pl->live + first, li - first, v))) return rc;
        tally(pl, v);
    }
    while (li < pl->nlive) pl->gone[pl->ngone++] = &pl->live[li++];
    return 0;
}

void notify_plan_release(struct notify_plan *pl)
{
    for (size_t k = 0; k < pl->nold; k++) exposure_rows_free(pl->old[k].ex, pl->old[k].n);
    free(pl->old);
    free(pl->v);
    free(pl->gone);
    outbox_live_free(pl->live, pl->nlive);
    memset(pl, 0, sizeof *pl);
}

void notify_verdict_earlier(const char *incident_ref, const struct notify_verdict *v, char id[NOTICE_ID_MAX],
                            struct notice_earlier *out)
{
    notice_make_id(incident_ref, v->base->seq, id, NOTICE_ID_MAX);
    *out = (struct notice_earlier){.notice_id = id,
                                   .date = v->base->created_at,
                                   .first_seen = v->old->first_seen,
                                   .last_seen = v->old->last_seen,
                                   .views = v->old->views,
                                   .viewers = v->old->viewers,
                                   .fields = v->old->fields,
                                   .pages = (const char *const *)v->old->pages,
                                   .npages = v->old->npages};
}
