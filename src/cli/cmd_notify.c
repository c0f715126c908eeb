/* cmd_notify.c — `klartext notify ID …`: personal, signed notices (Art. 34 GDPR) and the
 * outbox that sends them (docs/notify.md).
 *
 * Modes (exactly one): --preview SUBJECT, --test-to ADDR, --approve, --out DIR, --smtp URL,
 * --letters DIR, --cancel, --requeue, --resolve sent|resend, --status, --bounces PATH.
 *
 * This file parses the options, checks the gates (decision, organisation details, approval),
 * calls the notify library (src/notify/notify.h: making in make.c, sending in send.c) and
 * prints: the progress bar, the summaries, --status. */
#include "cli/cli.h"
#include "notify/creds.h"
#include "notify/notice.h"
#include "notify/notify.h"
#include "notify/smtp.h"
#include "register/assessments.h"
#include "register/analyze.h"
#include "register/bounces.h"
#include "register/outbox.h"
#include "register/report_data.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "sign/keys.h"
#include "sign/subkey.h"
#include "util/buf.h"
#include "util/i18n.h"
#include "util/mono.h"
#include "util/xalloc.h"
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_SEED_ENV "KLARTEXT_TEST_CODE_SEED"

static const char usage[] =
    "klartext notify ID (--preview SUBJECT [--html] | --test-to ADDR --smtp URL | --approve --by NAME |\n"
    "                    --out DIR | --smtp URL | --letters DIR [--for no-email,failed|all] | --status |\n"
    "                    --bounces PATH | --cancel | --requeue |\n"
    "                    --resolve sent|resend) [OPTIONS]";

/* ---------------------------------------------------------------- context */

struct nctx {
    struct kt_ctx *ctx;
    reg *r;
    struct incident inc;
    int inc_loaded;
    char *opt_templates;
    struct notice_templates *tm;
    struct notice_org org;
    char keyid_hex[SIGN_KEYID_HEX];
    struct notice_incident ni;
    sign_key *key;
    unsigned char *code_key; /* CODE_KEY_BYTES in sodium_malloc'd (guarded) memory, wiped when freed */
    int have_seed;
    unsigned char seed[32];
    struct notify_people pp;
    int64_t decision_seq;
    int decision_people; /* -1: no decision */
    int voluntary;
    struct notify_plan plan; /* --status: who needs which notice */
    int plan_loaded;
    int64_t returned_failed, returned_delayed; /* notices a server gave back (--bounces) */
    int64_t not_reached; /* exposed people told neither by an accepted e-mail nor by a letter */
};

static struct notify_clock clock_of(const struct nctx *c)
{
    const char *e = getenv("KLARTEXT_NOW");
    return (struct notify_clock){.fixed = e && *e, .at = c->ctx->now};
}

static int64_t now_live(const struct nctx *c)
{
    struct notify_clock k = clock_of(c);
    return notify_now(&k);
}

static struct notify_content content_of(const struct nctx *c)
{
    return (struct notify_content){.tm = c->tm,
                                   .org = &c->org,
                                   .ni = &c->ni,
                                   .key = c->key,
                                   .code_key = c->code_key,
                                   .test_seed = c->have_seed ? c->seed : NULL};
}

/* the register's message as the command's error; when its server stayed away (PostgreSQL, longer
   than notify waits for it: notify_db_back) with what a re-run does */
static int fail(struct nctx *c, int rc)
{
    if (reg_unavailable(c->r))
        return kt_error(rc,
                        "%s; what was stored before is kept: run the same command again when the server is back "
                        "to go on from there",
                        reg_err(c->r));
    return kt_error(rc, "%s", reg_err(c->r));
}

static void nctx_release(struct nctx *c)
{
    if (c->plan_loaded) notify_plan_release(&c->plan);
    notify_people_release(&c->pp);
    notice_templates_free(c->tm);
    sign_key_free(c->key);
    sodium_free(c->code_key); /* wipes it; NULL is fine */
    c->code_key = NULL;
    sodium_memzero(c->seed, sizeof c->seed);
    if (c->inc_loaded) incident_release(&c->inc);
    reg_close(c->r);
}

/* the public key id for the text; the secret key only when notices are made */
static int load_keyid(struct nctx *c)
{
    char *pub = kt_key_path(c->ctx->db_path, ".pub");
    unsigned char pk[32], id[8];
    char err[300];
    int rc = sign_pubkey_load(pub, pk, id, err, sizeof err);
    free(pub);
    if (rc) return kt_error(1, "cannot read the public key: %s", err);
    sign_keyid_hex(id, c->keyid_hex);
    return 0;
}

static int is_test_key(const sign_key *k)
{
    unsigned char seed[32], pk[32], sk[64], kpk[32], kid[8];
    static const unsigned char test_id[8] = {0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01};
    for (int i = 0; i < 32; i++) seed[i] = (unsigned char)i;
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(sk, sizeof sk);
    sign_key_public(k, kpk, kid);
    return !memcmp(pk, kpk, 32) && !memcmp(kid, test_id, 8);
}

/* KLARTEXT_TEST_CODE_SEED: predictable codes, only with klartext's public test key */
static int load_test_seed(struct nctx *c, int test_key)
{
    const char *seed = getenv(TEST_SEED_ENV);
    if (!seed || !*seed) return 0;
    if (!test_key)
        return kt_error(2,
                        "%s is set, but the signing key is not klartext's public test key: "
                        "refusing to make predictable notice codes (unset it)",
                        TEST_SEED_ENV);
    size_t bl = 0;
    if (strlen(seed) != 64 || sodium_hex2bin(c->seed, sizeof c->seed, seed, 64, NULL, &bl, NULL) || bl != 32)
        return kt_error(2, "%s must be 64 hexadecimal digits", TEST_SEED_ENV);
    c->have_seed = 1;
    return 0;
}

static int load_key(struct nctx *c)
{
    char err[400];
    char *path = kt_key_path(c->ctx->db_path, ".key");
    c->key = sign_key_load(path, err, sizeof err);
    free(path);
    if (!c->key) return kt_error(1, "cannot load the signing key: %s", err);
    unsigned char pk[32], id[8];
    sign_key_public(c->key, pk, id);
    sign_keyid_hex(id, c->keyid_hex);
    if (!c->code_key && !(c->code_key = sodium_malloc(CODE_KEY_BYTES)))
        return kt_error(1, "cannot allocate guarded memory for the code key");
    sign_subkey(c->key, SUBKEY_CODE, c->code_key);
    int test_key = is_test_key(c->key), rc;
    if ((rc = load_test_seed(c, test_key))) return rc;
    if (test_key)
        kt_warn("the signing key is klartext's public TEST key (key id 0123456789ABCDEF): these notices prove nothing");
    return 0;
}

/* the latest decision decides who is told */
static int check_decision(struct nctx *c, int want_voluntary, int required)
{
    struct decision d;
    int found = 0, rc;
    c->decision_people = -1;
    if ((rc = decisions_latest(c->r, &c->inc, &d, &found))) return fail(c, rc);
    if (!found) {
        if (!required) return 0;
        return kt_error(1,
                        "incident %s has no decision yet: record who must be told with "
                        "'klartext assess %s --decide authority=…,subjects=… --by NAME' first",
                        c->inc.ref, c->inc.ref);
    }
    c->decision_seq = d.seq;
    c->decision_people = (int)d.people;
    int people = (int)d.people;
    int64_t aid = d.assessment_id;
    decision_release(&d);
    if (people == PROPOSAL_PEOPLE_YES) return 0;
    if (people == PROPOSAL_PEOPLE_PUBLIC) {
        if (!required) return 0;
        return kt_error(1,
                        "decision #%lld is to inform the people by a public communication (Art. 34(3)(c) GDPR): "
                        "no individual notices are made; publish the statement with 'klartext incident publish %s'",
                        (long long)c->decision_seq, c->inc.ref);
    }
    /* people = no: only a voluntary notice the assessment recommended */
    int recommended = 0;
    struct assessment *as = NULL;
    size_t na = 0;
    if ((rc = assessments_list(c->r, &c->inc, &as, &na))) {
        assessments_free(as, na);
        return fail(c, rc);
    }
    for (size_t i = 0; i < na; i++)
        if (as[i].id == aid) recommended = as[i].p.voluntary;
    assessments_free(as, na);
    if (want_voluntary && recommended) {
        c->voluntary = 1;
        return 0;
    }
    if (!required) return 0;
    if (want_voluntary)
        return kt_error(1,
                        "decision #%lld is not to tell the people, and its assessment does not recommend a voluntary "
                        "notice: refusing --voluntary",
                        (long long)c->decision_seq);
    return kt_error(1, "decision #%lld is not to tell the people (Art. 34 GDPR)%s", (long long)c->decision_seq,
                    recommended ? "; the assessment recommends a voluntary notice: add --voluntary to send one" : "");
}

static int check_placeholders(struct nctx *c, int fatal)
{
    struct buf b;
    buf_init(&b, 4096);
    for (int i = 0; notify_org_keys[i]; i++)
        if (reg_org_is_placeholder(c->r, notify_org_keys[i]) || !reg_org_get(c->r, notify_org_keys[i]))
            buf_addf(&b, "%s%s", b.len ? ", " : "", notify_org_keys[i]);
    int rc = 0;
    if (b.len) {
        if (fatal)
            rc = kt_error(1,
                          "the organisation's details are incomplete (%s): a notice must name a real sender, DPO and "
                          "portal; fix them with 'klartext org set KEY=VALUE'",
                          buf_str(&b));
        else kt_warn("the organisation's details are still placeholders: %s", buf_str(&b));
    }
    buf_release(&b);
    return rc;
}

/* 0 when the latest approval covers exactly the current content; else 1 with the message */
static int check_approval(struct nctx *c, int64_t *approval_id)
{
    struct notice_approval a;
    int found, rc;
    if ((rc = outbox_approval_latest(c->r, &c->inc, &a, &found))) return fail(c, rc);
    if (!found)
        return kt_error(1,
                        "the notices of incident %s are not approved yet: read one with 'klartext notify %s --preview "
                        "SUBJECT', then approve the content with 'klartext notify %s --approve --by NAME'%s",
                        c->inc.ref, c->inc.ref, c->inc.ref, c->opt_templates ? " (with the same --templates)" : "");
    char *man = notify_manifest(c->r, &c->inc, c->tm, &c->org, &c->ni), hex[65];
    notify_manifest_sha(man, hex);
    rc = 0;
    if (strcmp(hex, a.sha256)) {
        char *d = notify_manifest_diff(a.manifest, man);
        rc = kt_error(1,
                      "the notice content changed since approval #%lld by %s (%s): check it with --preview and approve "
                      "it again with --approve --by NAME",
                      (long long)a.seq, a.by, *d ? d : "templates");
        free(d);
    } else *approval_id = a.id;
    free(man);
    notice_approval_release(&a);
    return rc;
}

/* ---------------------------------------------------------------- progress */

struct progress {
    int on, json;
    int64_t total;
    double t0, last; /* mono_now() */
};

/* the library's progress callback: a bar on a terminal, at most five times a second */
static void progress_show(void *arg, const char *what, int64_t done, int64_t total, enum notify_step step)
{
    struct progress *p = arg;
    int final = step == NOTIFY_END;
    if (step == NOTIFY_START) {
        p->on = !p->json && isatty(2) && total > 0;
        p->total = total;
        p->t0 = p->last = mono_now();
        return;
    }
    if (!p->on) return;
    double now = mono_now();
    if (!final && now - p->last < 0.2) return;
    p->last = now;
    int width = 30, fill = p->total ? (int)(done * width / p->total) : width;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double s = now - p->t0;
    fprintf(stderr, "\r  %-8s [%s] %lld/%lld  %.0f/s   ", what, bar, (long long)done, (long long)p->total,
            s > 0 ? (double)done / s : 0.0);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* ---------------------------------------------------------------- summary */

/* the counts of a --json answer: KEY and its number, set in J (JSON_INTS: a list of pairs) */
struct json_int {
    const char *key;
    int64_t n;
};
static void json_ints(json_t *j, const struct json_int *v, size_t n)
{
    for (size_t i = 0; i < n; i++) json_object_set_new(j, v[i].key, json_integer(v[i].n));
}
#define JSON_INTS(j, ...) \
    json_ints(j, (const struct json_int[]){__VA_ARGS__}, \
              sizeof((const struct json_int[]){__VA_ARGS__}) / sizeof(struct json_int))

static void print_summary_json(struct nctx *c, const struct notify_make_stats *ms, const struct outbox_counts *oc)
{
    int64_t pending = oc->queued + oc->failed_retry + oc->sending;
    json_t *j = json_object();
    json_object_set_new(j, "incident", json_string(c->inc.ref));
    JSON_INTS(j, {"exposed", ms->exposed}, {"reachable", ms->reachable}, {"unreachable", ms->unreachable},
              {"made", ms->created}, {"sent", oc->sent}, {"failed", oc->failed}, {"pending", pending},
              {"queued", oc->queued}, {"retry_later", oc->failed_retry}, {"unknown", oc->sending},
              {"written", oc->written}, {"cancelled", oc->cancelled}, {"superseded", oc->superseded},
              {"followups", oc->followups}, {"letters", oc->letters}, {"returned_failed", c->returned_failed},
              {"returned_delayed", c->returned_delayed});
    json_object_set_new(j, "not_reached", c->not_reached >= 0 ? json_integer(c->not_reached) : json_null());
    if (c->plan_loaded)
        JSON_INTS(j, {"changed_since_notice", c->plan.changed}, {"followups_to_make", c->plan.followups},
                  {"first_notices_to_make", c->plan.firsts});
    kt_json_print(j);
}

static void print_summary(struct nctx *c, const struct notify_make_stats *ms, const struct outbox_counts *oc,
                          const char *title)
{
    char n1[32];
    int64_t pending = oc->queued + oc->failed_retry + oc->sending;
    if (c->ctx->json) {
        print_summary_json(c, ms, oc);
        return;
    }
    printf("%s\n", title);
#define ROW(label, v, note) \
    do { \
        i18n_format_int(I18N_EN, (v), n1, sizeof n1); \
        printf("  %-40s %9s%s%s\n", label, n1, (note) ? "  " : "", (note) ? (note) : ""); \
    } while (0)
    ROW("people exposed (current scan)", ms->exposed, NULL);
    ROW("with an e-mail address", ms->reachable, NULL);
    ROW("unreachable (no e-mail address)", ms->unreachable,
        ms->unreachable ? "never dropped: a letter (--letters DIR) or a public communication (Art. 34(3)(c))" : NULL);
    if (ms->created) ROW("notices made in this run", ms->created, NULL);
    if (ms->followups) ROW("of these, follow-ups", ms->followups, "the exposure changed since their notice");
    ROW("sent", oc->sent, NULL);
    if (c->returned_failed || c->returned_delayed) {
        ROW("of these, returned: failed (5.x.x)", c->returned_failed,
            "not delivered: tell them another way (letter, phone)");
        ROW("of these, returned: delayed (4.x.x)", c->returned_delayed, NULL);
    }
    ROW("failed", oc->failed, oc->failed ? "refused by the server or out of attempts: see --status" : NULL);
    ROW("pending", pending, NULL);
    if (pending) {
        char t[160];
        snprintf(t, sizeof t, "queued %lld, retry later %lld, unknown %lld", (long long)oc->queued,
                 (long long)oc->failed_retry, (long long)oc->sending);
        printf("  %-40s %9s  %s\n", "", "", t);
    }
    if (oc->followups) ROW("of these, follow-ups", oc->followups, NULL);
    if (oc->written) ROW("written to files (not sent by klartext)", oc->written, NULL);
    if (oc->letters) ROW("letters (by post, --letters)", oc->letters, NULL);
    if (c->not_reached >= 0) /* -1: a retention purge deleted the per-person rows */
        ROW("not told individually (yet)", c->not_reached,
            c->not_reached ? "no e-mail accepted, no letter: --letters DIR, or a public communication" : NULL);
    if (oc->cancelled) ROW("cancelled", oc->cancelled, "'--requeue' puts them back");
#undef ROW
}

struct counts_arg {
    struct nctx *c;
    int max_attempts;
    struct outbox_counts *oc;
};

static int read_counts(reg *r, void *arg)
{
    struct counts_arg *a = arg;
    struct nctx *c = a->c;
    int rc;
    if (!(rc = outbox_count(r, c->inc.id, a->max_attempts, a->oc)) &&
        !(rc = bounce_counts(r, c->inc.id, &c->returned_failed, &c->returned_delayed)))
        rc = report_data_not_reached(r, c->inc.id, &c->not_reached);
    return rc;
}

static int summary_counts(struct nctx *c, int max_attempts, struct notify_make_stats *ms, struct outbox_counts *oc)
{
    struct counts_arg a = {c, max_attempts, oc};
    int rc = notify_again(c->r, NULL, read_counts, &a, NULL);
    if (rc) return fail(c, rc);
    notify_count_people(&c->pp, ms);
    return 0;
}

/* ---------------------------------------------------------------- option values */

/* "N/s", "N/min", "N" (per second); 0 = unlimited */
static int parse_rate(const char *s, double *per_sec)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v <= 0 || v > 1e6) return -1;
    if (!*end || !strcmp(end, "/s")) *per_sec = v;
    else if (!strcmp(end, "/min") || !strcmp(end, "/m")) *per_sec = v / 60.0;
    else if (!strcmp(end, "/h")) *per_sec = v / 3600.0;
    else return -1;
    return 0;
}

static int parse_pos(const char *name, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return kt_error(2, "--%s '%s': expected a number from %ld to %ld", name, s, lo, hi);
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- the modes */

static int find_person(struct nctx *c, const char *subject, const struct exposure_row **e, const struct subject_rec **s)
{
    *e = NULL;
    *s = NULL;
    for (size_t i = 0; i < c->pp.nex; i++)
        if (!strcmp(c->pp.ex[i].subject, subject)) *e = &c->pp.ex[i];
    if (!*e) return kt_error(2, "'%s' was not exposed in the current scan of incident %s", subject, c->inc.ref);
    *s = notify_contact(&c->pp, subject);
    if (!notify_reachable(*s))
        return kt_error(2, "no contact data for '%s' (no e-mail address in the subject directory)", subject);
    return 0;
}

/* A follow-up's earlier notice, when the plan says SUBJECT needs one: 0 with *out filled (NULL
   when a first notice is due); strings point into pl and c (pl stays loaded while out is used) */
static int earlier_of(struct nctx *c, const char *subject, struct notify_plan *pl, struct notice_earlier *ea,
                      char id[NOTICE_ID_MAX], const struct notice_earlier **out)
{
    int rc;
    *out = NULL;
    if ((rc = notify_plan_load(c->r, &c->inc, &c->pp, -1, pl))) return fail(c, rc);
    for (size_t i = 0; i < pl->nv; i++) {
        const struct notify_verdict *v = &pl->v[i];
        if (strcmp(c->pp.ex[v->ex].subject, subject) || !v->changes || !v->old) continue;
        notify_verdict_earlier(c->inc.ref, v, id, ea);
        *out = ea;
    }
    return 0;
}

static int mode_preview(struct nctx *c, const char *subject, int html)
{
    const struct exposure_row *e;
    const struct subject_rec *s;
    struct notify_plan pl;
    struct notice_earlier ea;
    const struct notice_earlier *earlier = NULL;
    char eid[NOTICE_ID_MAX];
    int rc;
    if ((rc = find_person(c, subject, &e, &s))) return rc;
    if ((rc = earlier_of(c, subject, &pl, &ea, eid, &earlier))) {
        notify_plan_release(&pl);
        return rc;
    }
    struct notice_person p;
    notify_person(e, s, &p);
    char id[NOTICE_ID_MAX];
    snprintf(id, sizeof id, "%s-preview", c->inc.ref);
    struct notice_meta m = {.earlier = earlier,
                            .notice_id = id,
                            .code = "XXXX-XXXX-XXXX-XXXX",
                            .date = c->ctx->now,
                            .preview = 1};
    struct notice_renderer *rr = notice_renderer_new(c->tm);
    struct notice_result res = {0};
    char err[400];
    if (!rr) rc = kt_error(1, "out of memory");
    else if (notice_render(rr, &c->org, &c->ni, &p, &m, &res, err, sizeof err)) rc = kt_error(2, "%s", err);
    else if (html) fwrite(res.html, 1, res.html_len, stdout);
    else printf("Subject: %s\n\n%s", res.subject, res.text);
    notice_result_release(&res);
    notice_renderer_free(rr);
    notify_plan_release(&pl);
    return rc;
}

/* the person a TEST sample is made from: SUBJECT, or the first reachable one */
static int sample_person(struct nctx *c, const char *subject, const struct exposure_row **e,
                         const struct subject_rec **s)
{
    *e = NULL;
    *s = NULL;
    if (subject) return find_person(c, subject, e, s);
    for (size_t i = 0; i < c->pp.nex && !*e; i++)
        if (notify_reachable(notify_contact(&c->pp, c->pp.ex[i].subject))) {
            *e = &c->pp.ex[i];
            *s = notify_contact(&c->pp, (*e)->subject);
        }
    if (!*e)
        return kt_error(1, "incident %s has no exposed person with contact data to make a sample from", c->inc.ref);
    return 0;
}

/* send the TEST sample RES to TO and record it */
static int send_test(struct nctx *c, const struct smtp_conf *sc, const char *to, const struct notice_result *res)
{
    char err[400], masked[NOTICE_MASK_MAX], text[300];
    struct smtp_reply rep;
    int rc;
    notice_mask_address(to, masked, sizeof masked);
    int r = notify_send_one(sc, reg_org_get(c->r, "notices.from"), to, res->eml.p, res->eml.len, &rep, err, sizeof err);
    if (r < 0) return kt_error(2, "%s", err);
    if (r != SMTP_OK)
        return kt_error(1, "the TEST notice to %s was not sent (%s): %s", masked, smtp_result_str(r), rep.text);
    snprintf(text, sizeof text, "TEST notice (sample made from one person's data) sent to %s", masked);
    if ((rc = reg_begin(c->r)) || (rc = reg_audit(c->r, c->inc.ref, "notify.test", "to", NULL, masked)) ||
        (rc = incident_event_add(c->r, &c->inc, reg_now(c->r), "communication", text, 0, NULL)) ||
        (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        return rc;
    }
    printf("TEST notice sent to %s (server: %s). Its code is not valid; it is marked TEST in the subject and text.\n",
           masked, rep.text);
    return 0;
}

static int mode_test(struct nctx *c, const char *to, const char *subject, const struct smtp_conf *sc)
{
    const struct exposure_row *e;
    const struct subject_rec *s;
    int rc;
    if ((rc = sample_person(c, subject, &e, &s))) return rc;
    if (!subjects_email_ok(to)) return kt_error(2, "--test-to: not an e-mail address");
    struct notice_person p;
    notify_person(e, s, &p);
    p.email = to;
    char id[NOTICE_ID_MAX], code[CODE_DISPLAY_SIZE], rnd[17], err[400];
    unsigned char rb[8];
    if (c->have_seed) memcpy(rb, c->seed, 8);
    else randombytes_buf(rb, sizeof rb);
    sodium_bin2hex(rnd, sizeof rnd, rb, sizeof rb);
    snprintf(id, sizeof id, "%s-test-%.8s", c->inc.ref, rnd);
    struct notify_content nc = content_of(c);
    notify_code(&nc, 0, code);
    struct notify_plan pl;
    struct notice_earlier ea;
    const struct notice_earlier *earlier = NULL;
    char eid[NOTICE_ID_MAX];
    if ((rc = earlier_of(c, e->subject, &pl, &ea, eid, &earlier))) {
        notify_plan_release(&pl);
        return rc;
    }
    struct notice_meta m = {.earlier = earlier, .notice_id = id, .code = code, .date = now_live(c), .test = 1};
    struct notice_renderer *rr = notice_renderer_new(c->tm);
    struct notice_result res = {0};
    if (!rr) {
        notify_plan_release(&pl);
        return kt_error(1, "out of memory");
    }
    if (notice_render(rr, &c->org, &c->ni, &p, &m, &res, err, sizeof err) ||
        notice_package(c->key, &c->org, &c->ni, &p, &m, &res, err, sizeof err)) {
        notify_mask_reply(err, sizeof err);
        rc = kt_error(1, "%s", err);
    } else rc = send_test(c, sc, to, &res);
    notice_result_release(&res);
    notice_renderer_free(rr);
    notify_plan_release(&pl);
    return rc;
}

static void print_approval(struct nctx *c, const char *by, int64_t seq, const char *hex, const char *src)
{
    if (c->ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(c->inc.ref));
        json_object_set_new(j, "approval", json_integer(seq));
        json_object_set_new(j, "by", json_string(by));
        json_object_set_new(j, "sha256", json_string(hex));
        json_object_set_new(j, "model_version", json_integer(NOTICE_MODEL_VERSION));
        json_object_set_new(j, "templates", json_string(src));
        kt_json_print(j);
    } else
        printf("Approved the notice content of incident %s as approval #%lld by %s.\n"
               "  SHA-256 %s over the data model (version %d), the %s templates, the signing key id,\n"
               "  and the incident's and organisation's texts. Changing any of them needs a new approval.\n",
               c->inc.ref, (long long)seq, by, hex, NOTICE_MODEL_VERSION, src);
}

static int mode_approve(struct nctx *c, const char *by)
{
    char *man = notify_manifest(c->r, &c->inc, c->tm, &c->org, &c->ni), hex[65];
    notify_manifest_sha(man, hex);
    struct notice_approval a;
    int found, rc;
    if ((rc = outbox_approval_latest(c->r, &c->inc, &a, &found))) {
        free(man);
        return fail(c, rc);
    }
    if (found && !strcmp(a.sha256, hex)) {
        printf("The notice content of incident %s is unchanged: approval #%lld by %s stands (SHA-256 %.16s…).\n",
               c->inc.ref, (long long)a.seq, a.by, hex);
        notice_approval_release(&a);
        free(man);
        return 0;
    }
    notice_approval_release(&a);
    int64_t seq = 0;
    const char *src = c->opt_templates ? c->opt_templates : "built-in";
    if ((rc = reg_begin(c->r)) || (rc = outbox_approve(c->r, &c->inc, by, hex, NOTICE_MODEL_VERSION, src, man, &seq)) ||
        (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        free(man);
        return rc;
    }
    print_approval(c, by, seq, hex, src);
    free(man);
    return 0;
}

struct run_entry {
    struct nctx *c;
    const char *action, *text;
};

static int add_run_entry(reg *r, void *arg)
{
    const struct run_entry *e = arg;
    int rc;
    if (!(rc = reg_audit(r, e->c->inc.ref, e->action, NULL, NULL, e->text)))
        rc = incident_event_add(r, &e->c->inc, reg_now(r), "communication", e->text, 0, NULL);
    return rc;
}

/* the run's audit entry and timeline event, the last write of a run: again while the register's
   server restarts (notify_db_back), as every write of the run before it */
static int record_run(struct nctx *c, const char *action, const char *text)
{
    struct run_entry e = {c, action, text};
    int rc = notify_in_tx(c->r, NULL, add_run_entry, &e, NULL);
    if (rc) kt_error(rc, "%s", reg_err(c->r));
    return rc;
}

/* make the missing notices (queued for --smtp, written into OUTDIR for --out), with a progress bar */
static int make(struct nctx *c, int64_t approval_id, enum outbox_state st, const char *outdir, int nth,
                struct notify_make_stats *ms)
{
    struct progress pr = {.json = c->ctx->json};
    struct notify_content nc = content_of(c);
    struct notify_make_opts mo = {.approval_id = approval_id,
                                  .state = st,
                                  .outdir = outdir,
                                  .threads = nth,
                                  .at = now_live(c),
                                  .progress = {progress_show, &pr}};
    int rc = notify_make(c->r, &c->inc, &c->pp, &nc, &mo, ms);
    return rc ? fail(c, rc) : 0;
}

static void print_out_summary(struct nctx *c, const char *dir, int64_t written, struct notify_make_stats *ms,
                              const struct outbox_counts *oc)
{
    char title[400];
    snprintf(title, sizeof title,
             "Notices of incident %s written to %s/ (one NOTICE-ID.eml each; the organisation delivers them):",
             c->inc.ref, dir);
    print_summary(c, ms, oc, title);
    if (!c->ctx->json && written) {
        char nid[NOTICE_ID_MAX];
        notice_make_id(c->inc.ref, 1, nid, sizeof nid);
        printf("\nOpen one in a mail program, e.g. %s/%s.eml; check its signature with\n"
               "  minisign -Vm notice.txt -p %s   (after saving the two attachments)\n"
               "or 'klartext verify %s/%s.eml'.\n",
               dir, nid, "klartext.pub", dir, nid);
    }
}

static int mode_out(struct nctx *c, const char *dir, int nth, int64_t approval_id)
{
    struct stat st;
    if (stat(dir, &st)) {
        if (errno != ENOENT || mkdir(dir, 0700)) return kt_error(1, "cannot create '%s': %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) return kt_error(2, "--out '%s' is not a directory", dir);
    struct notify_make_stats ms;
    int64_t written = 0;
    int lfd = -1, rc;
    if ((rc = notify_lock(c->r, &lfd))) return fail(c, rc);
    rc = make(c, approval_id, OB_WRITTEN, dir, nth, &ms);
    /* notices made earlier: write them too (from the stored messages, byte for byte); queued and
       failed ones are now the organisation's to deliver */
    if (!rc && (rc = notify_write_stored(c->r, &c->inc, dir, ms.first_seq, now_live(c), &written))) fail(c, rc);
    close(lfd);
    if (rc) return rc;
    char text[300];
    snprintf(text, sizeof text,
             "Notices written to files: %lld (%lld made in this run); %lld people without an e-mail address",
             (long long)written, (long long)ms.created, (long long)ms.unreachable);
    if ((rc = record_run(c, "notify.out", text))) return rc;
    struct outbox_counts oc;
    if ((rc = summary_counts(c, 5, &ms, &oc))) return rc;
    print_out_summary(c, dir, written, &ms, &oc);
    return 0;
}

/* ---------------------------------------------------------------- --letters */

static json_t *misses_json(const struct notify_letter_miss *m, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "subject", json_string(m[i].subject));
        json_object_set_new(o, "why", json_string(m[i].why));
        json_array_append_new(a, o);
    }
    return a;
}

static void print_letters_json(struct nctx *c, const char *dir, const struct notify_letter_stats *st)
{
    json_t *j = json_object();
    json_object_set_new(j, "incident", json_string(c->inc.ref));
    json_object_set_new(j, "dir", json_string(dir));
    JSON_INTS(j, {"for", st->eligible}, {"made", st->made}, {"kept", st->kept}, {"written", st->written},
              {"pages", st->pages});
    json_object_set_new(j, "combined", st->combined[0] ? json_string(st->combined) : json_null());
    json_object_set_new(j, "manifest", st->manifest[0] ? json_string(st->manifest) : json_null());
    json_object_set_new(j, "unreachable", misses_json(st->unreachable, st->nunreachable));
    json_object_set_new(j, "incomplete", misses_json(st->incomplete, st->nincomplete));
    kt_json_print(j);
}

static void print_letters(struct nctx *c, const char *dir, const char *who, const struct notify_letter_stats *st)
{
    if (c->ctx->json) {
        print_letters_json(c, dir, st);
        return;
    }
    printf("Letters of incident %s in %s/ (one NOTICE-ID.pdf each, for a print service):\n", c->inc.ref, dir);
    printf("  %-44s %9lld  (--for %s)\n", "people the letters are for", (long long)st->eligible, who);
    printf("  %-44s %9lld\n", "letters made in this run", (long long)st->made);
    printf("  %-44s %9lld\n", "had a letter from the current scan already", (long long)st->kept);
    printf("  %-44s %9lld  (%lld pages)\n", "PDFs written in this run", (long long)st->written, (long long)st->pages);
    printf("  %-44s %9zu%s\n", "not reachable (no postal address)", st->nunreachable,
           st->nunreachable ? "  never dropped: tell them by a public communication (Art. 34(3)(c))" : "");
    printf("  %-44s %9zu%s\n", "incomplete address (no letter)", st->nincomplete,
           st->nincomplete ? "  complete the subject directory and run again" : "");
    if (st->combined[0])
        printf("\nFor the print service: %s (all %lld letters of this run, %lld pages)\n  and its manifest %s\n"
               "Open one letter, e.g. %s/%s\n",
               st->combined, (long long)st->written, (long long)st->pages, st->manifest, dir,
               strrchr(st->combined, '/') ? strrchr(st->combined, '/') + 9 : "");
    for (size_t i = 0; i < st->nunreachable && i < 200; i++)
        printf("%s%-18s %s\n", i ? "" : "\nNOT REACHABLE      WHY\n", st->unreachable[i].subject,
               st->unreachable[i].why);
    for (size_t i = 0; i < st->nincomplete && i < 200; i++)
        printf("%s%-18s %s\n", i ? "" : "\nINCOMPLETE         WHY\n", st->incomplete[i].subject, st->incomplete[i].why);
}

/* --for: "no-email", "failed", "no-email,failed" or "all" */
static int parse_for(const char *s, unsigned *who)
{
    char buf[64];
    *who = 0;
    if (!s) s = "no-email,failed";
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "no-email")) *who |= NOTIFY_FOR_NO_EMAIL;
        else if (!strcmp(t, "failed")) *who |= NOTIFY_FOR_FAILED;
        else if (!strcmp(t, "all")) *who |= NOTIFY_FOR_ALL;
        else return -1;
    }
    return *who ? 0 : -1;
}

static int mode_letters(struct nctx *c, const char *dir, const char *who_s, int nth, int max_attempts,
                        int64_t approval_id)
{
    struct stat sb;
    unsigned who = 0;
    parse_for(who_s, &who);
    if (stat(dir, &sb)) {
        if (errno != ENOENT || mkdir(dir, 0700)) return kt_error(1, "cannot create '%s': %s", dir, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) return kt_error(2, "--letters '%s' is not a directory", dir);
    struct progress pr = {.json = c->ctx->json};
    struct notify_content nc = content_of(c);
    struct notify_letter_opts lo = {.approval_id = approval_id,
                                    .dir = dir,
                                    .who = who,
                                    .threads = nth,
                                    .max_attempts = max_attempts,
                                    .at = now_live(c),
                                    .progress = {progress_show, &pr}};
    struct notify_letter_stats st;
    int lfd = -1, rc;
    if ((rc = notify_lock(c->r, &lfd))) return fail(c, rc);
    rc = notify_letters(c->r, &c->inc, &c->pp, &nc, &lo, &st);
    close(lfd);
    if (rc) {
        notify_letter_stats_release(&st);
        return fail(c, rc);
    }
    char text[400];
    snprintf(text, sizeof text,
             "Letters: %lld made, %lld PDFs written to files; %zu people without a postal address, %zu with an "
             "incomplete one",
             (long long)st.made, (long long)st.written, st.nunreachable, st.nincomplete);
    if (!(rc = record_run(c, "notify.letters", text))) print_letters(c, dir, who_s ? who_s : "no-email,failed", &st);
    notify_letter_stats_release(&st);
    return rc;
}

/* "views 1 -> 3, viewers 1 -> 3, an earlier first view" */
static void changes_text(const struct notify_verdict *v, const struct exposure_row *e, char *out, size_t len)
{
    struct buf b;
    buf_init(&b, 512);
    if (v->changes & NOTIFY_CH_VIEWS) buf_addf(&b, "views %lld -> %lld", (long long)v->old->views, (long long)e->views);
    if (v->changes & NOTIFY_CH_VIEWERS)
        buf_addf(&b, "%sviewers %lld -> %lld", b.len ? ", " : "", (long long)v->old->viewers, (long long)e->viewers);
    if (v->changes & NOTIFY_CH_FIRST) buf_addf(&b, "%san earlier first view", b.len ? ", " : "");
    if (v->changes & NOTIFY_CH_LAST) buf_addf(&b, "%sa later last view", b.len ? ", " : "");
    if (v->changes & NOTIFY_CH_FIELDS) buf_addf(&b, "%sother fields", b.len ? ", " : "");
    if (v->changes & NOTIFY_CH_PAGES) buf_addf(&b, "%sother pages", b.len ? ", " : "");
    snprintf(out, len, "%s", buf_str(&b));
    buf_release(&b);
}

/* what a new scan asks for: follow-ups and first notices still to be made, the first 200 listed */
static void print_plan(struct nctx *c)
{
    const struct notify_plan *pl = &c->plan;
    printf("\nAgainst the current scan:\n");
    printf("  %-40s %9lld%s\n", "changed in substance since their notice", (long long)pl->changed,
           pl->followups ? "  follow-ups to make: --preview SUBJECT, --approve, then --out or --smtp" : "");
    printf("  %-40s %9lld%s\n", "without a notice yet (e.g. found only now)", (long long)pl->firsts,
           pl->firsts ? "  first notices to make" : "");
    size_t shown = 0;
    for (size_t i = 0; i < pl->nv && shown < 200; i++) {
        const struct notify_verdict *v = &pl->v[i];
        if (!v->changes) continue;
        char what[256], masked[NOTICE_MASK_MAX], nid[NOTICE_ID_MAX];
        if (!shown++) printf("\n%-18s %-28s %s\n", "EARLIER NOTICE", "TO", "WHAT CHANGED");
        changes_text(v, &c->pp.ex[v->ex], what, sizeof what);
        notice_mask_address(v->base->rcpt, masked, sizeof masked);
        notice_make_id(c->inc.ref, v->base->seq, nid, sizeof nid);
        printf("%-18s %-28s %s%s\n", nid, masked, what, v->keep_pend ? " (follow-up made)" : "");
    }
}

/* notices a mail server gave back (--bounces), the worst report of each */
static int print_returned(struct nctx *c)
{
    struct bounce_row *b = NULL;
    size_t n = 0;
    int rc;
    if ((rc = bounce_list(c->r, c->inc.id, 200, &b, &n))) return fail(c, rc);
    if (n) printf("\n%-18s %-28s %-8s %-7s %s\n", "RETURNED", "TO", "AS", "STATUS", "DIAGNOSTIC");
    for (size_t i = 0; i < n; i++)
        printf("%-18s %-28s %-8s %-7s %s\n", b[i].notice_id, b[i].rcpt_masked, b[i].failed ? "failed" : "delayed",
               *b[i].status ? b[i].status : "-", b[i].diagnostic);
    bounce_rows_free(b, n);
    return 0;
}

static int mode_status(struct nctx *c, int max_attempts)
{
    struct notify_make_stats ms = {0};
    struct outbox_counts oc;
    int rc;
    if ((rc = notify_plan_load(c->r, &c->inc, &c->pp, -1, &c->plan))) {
        notify_plan_release(&c->plan);
        return fail(c, rc);
    }
    c->plan_loaded = 1;
    if ((rc = summary_counts(c, max_attempts, &ms, &oc))) return rc;
    char title[200];
    snprintf(title, sizeof title, "Notices of incident %s:", c->inc.ref);
    print_summary(c, &ms, &oc, title);
    if (c->ctx->json) return 0;
    print_plan(c);
    if ((rc = print_returned(c))) return rc;
    /* failed and unknown ones, with the server's reply (addresses masked) */
    struct outbox_problem *p = NULL;
    size_t n = 0;
    if ((rc = outbox_problems(c->r, c->inc.id, 200, &p, &n))) return fail(c, rc);
    if (n) printf("\n%-18s %-28s %-9s %s\n", "NOTICE", "TO", "STATE", "LAST REPLY");
    for (size_t i = 0; i < n; i++)
        printf("%-18s %-28s %-9s %s\n", p[i].notice_id, p[i].rcpt_masked,
               p[i].state == OB_SENDING ? "unknown"
               : p[i].permanent         ? "refused"
                                        : "retry",
               p[i].reply);
    outbox_problems_free(p, n);
    return 0;
}

static int mode_bulk(struct nctx *c, const char *what, const char *resolve)
{
    int64_t n = 0, at = now_live(c);
    int rc, lfd = -1;
    if ((rc = notify_lock(c->r, &lfd))) return fail(c, rc);
    if ((rc = reg_begin(c->r))) {
        fail(c, rc);
        close(lfd);
        return rc;
    }
    const char *action;
    char text[300];
    if (!strcmp(what, "cancel")) {
        rc = outbox_cancel(c->r, c->inc.id, at, &n);
        action = "notify.cancel";
        snprintf(text, sizeof text, "Notices cancelled before sending: %lld", (long long)n);
    } else if (!strcmp(what, "requeue")) {
        rc = outbox_requeue(c->r, c->inc.id, at, &n);
        action = "notify.requeue";
        snprintf(text, sizeof text, "Cancelled notices queued again: %lld", (long long)n);
    } else {
        int sent = !strcmp(resolve, "sent");
        rc = outbox_resolve(c->r, c->inc.id, at, sent,
                            sent ? "resolved as sent by the operator"
                                 : "queued again by the operator (resent with the same Message-ID)",
                            &n);
        action = "notify.resolve";
        snprintf(text, sizeof text, "Notices of unknown delivery resolved as %s: %lld", sent ? "sent" : "to be resent",
                 (long long)n);
    }
    if (rc || (rc = reg_audit(c->r, c->inc.ref, action, NULL, NULL, text)) ||
        (n && (rc = incident_event_add(c->r, &c->inc, reg_now(c->r), "communication", text, 0, NULL))) ||
        (rc = reg_commit(c->r))) {
        fail(c, rc);
        reg_rollback(c->r);
        close(lfd);
        return rc;
    }
    close(lfd);
    reg_analyze(c->r, REG_BULK_STATES, n); /* PostgreSQL's statistics, at once */
    printf("%s.\n", text);
    return 0;
}

static const char *const bounce_what[] = {"unmatched", "unknown notice", "other incident", "malformed", "not a bounce"};

static void print_bounces(struct nctx *c, const char *path, const struct notify_bounce_stats *st)
{
    if (c->ctx->json) {
        json_t *j = json_object(), *items = json_array();
        json_object_set_new(j, "incident", json_string(c->inc.ref));
        JSON_INTS(j, {"read", st->mails}, {"failed", st->failed}, {"delayed", st->delayed},
                  {"recorded_before", st->again}, {"unmatched", st->unmatched}, {"malformed", st->malformed},
                  {"not_bounce", st->not_bounce});
        for (size_t i = 0; i < st->nitems; i++) {
            json_t *it = json_object();
            json_object_set_new(it, "what", json_string(bounce_what[st->items[i].what]));
            json_object_set_new(it, "source", json_string(st->items[i].source));
            json_object_set_new(it, "notice", json_string(st->items[i].notice_id));
            json_object_set_new(it, "detail", json_string(st->items[i].detail));
            json_array_append_new(items, it);
        }
        json_object_set_new(j, "listed", items);
        kt_json_print(j);
        return;
    }
    printf("Returned mail read from %s for incident %s:\n", path, c->inc.ref);
    printf("  %-40s %9lld\n", "mails read", (long long)st->mails);
    printf("  %-40s %9lld\n", "notices failed (5.x.x)", (long long)st->failed);
    printf("  %-40s %9lld\n", "notices delayed (4.x.x)", (long long)st->delayed);
    if (st->again) printf("  %-40s %9lld\n", "recorded by an earlier run", (long long)st->again);
    printf("  %-40s %9lld%s\n", "unmatched (listed below)", (long long)st->unmatched,
           st->unmatched ? "  never dropped: check them by hand" : "");
    printf("  %-40s %9lld\n", "malformed (listed below)", (long long)st->malformed);
    printf("  %-40s %9lld\n", "not a bounce (listed below)", (long long)st->not_bounce);
    for (size_t i = 0; i < st->nitems; i++) {
        const struct notify_bounce_item *it = &st->items[i];
        printf("%s%-15s %s%s%s: %s\n", i ? "" : "\n", bounce_what[it->what], it->source,
               *it->notice_id ? " notice " : "", it->notice_id, it->detail);
    }
    if (st->failed || st->delayed)
        printf(
            "\nSee them with 'klartext notify %s --status'; tell the people whose notice failed another way (a letter, a call).\n",
            c->inc.ref);
}

static int mode_bounces(struct nctx *c, const char *path)
{
    struct notify_bounce_stats st;
    int rc = notify_bounces(c->r, &c->inc, path, now_live(c), &st);
    if (rc) {
        notify_bounce_stats_release(&st);
        return fail(c, rc);
    }
    if (st.mails > 0 && st.malformed == st.mails) { /* a file of another kind, not "nothing came back" */
        const char *why = st.nitems ? st.items[0].detail : "";
        rc = kt_error(2, "%s: not a Maildir, an mbox or a saved mail: none of its %lld message%s could be read (%s)",
                      path, (long long)st.mails, st.mails == 1 ? "" : "s", why);
        notify_bounce_stats_release(&st);
        return rc;
    }
    char text[400];
    snprintf(text, sizeof text,
             "Returned mail read: %lld; notices failed: %lld, delayed: %lld; unmatched: %lld, malformed: %lld, not a "
             "bounce: %lld",
             (long long)st.mails, (long long)st.failed, (long long)st.delayed, (long long)st.unmatched,
             (long long)st.malformed, (long long)st.not_bounce);
    if (!(rc = record_run(c, "notify.bounces", text))) print_bounces(c, path, &st);
    notify_bounce_stats_release(&st);
    return rc;
}

/* notices left `sending` by an earlier run: resend them (--resend-unknown) or hold them */
static int handle_unknown(struct nctx *c, int64_t unknown, int resend)
{
    int rc;
    int64_t n = 0;
    if (!unknown) return 0;
    if (!resend) {
        kt_warn("%lld notice%s %s being sent when an earlier run stopped: %s may or may not have arrived, so %s held. "
                "Resend %s with the same Message-ID (--resend-unknown or --resolve resend), or mark %s sent "
                "(--resolve sent) after checking the relay's log",
                (long long)unknown, unknown == 1 ? "" : "s", unknown == 1 ? "was" : "were",
                unknown == 1 ? "it" : "they", unknown == 1 ? "it is" : "they are", unknown == 1 ? "it" : "them",
                unknown == 1 ? "it" : "them");
        return 0;
    }
    if ((rc = reg_begin(c->r)) ||
        (rc = outbox_resolve(c->r, c->inc.id, now_live(c), 0, "resent with the same Message-ID (--resend-unknown)",
                             &n)) ||
        (rc = reg_commit(c->r))) {
        fail(c, rc);
        reg_rollback(c->r);
        return rc;
    }
    kt_note("klartext: resending %lld notice%s whose delivery was unknown, with the same Message-ID", (long long)n,
            n == 1 ? "" : "s");
    return 0;
}

static int smtp_report(struct nctx *c, const struct notify_send_opts *so, const struct notify_send_stats *st,
                       struct notify_make_stats *ms)
{
    struct outbox_counts oc;
    int rc;
    if ((rc = summary_counts(c, so->max_attempts, ms, &oc))) return rc;
    char title[300];
    snprintf(title, sizeof title,
             "Notices of incident %s (this run: %lld sent, %lld failed, %lld unknown):", c->inc.ref,
             (long long)st->sent, (long long)st->failed, (long long)st->unknown);
    print_summary(c, ms, &oc, title);
    if (st->refused) return kt_error(1, "stopped: %s; nothing more was sent (check the relay's settings)", st->reason);
    if (st->stopped)
        return kt_error(1, "stopped after %d failed connections to the mail server (%s); run again later",
                        NOTIFY_STOP_AFTER, st->reason);
    if (oc.sending && !c->ctx->json)
        printf("\n%lld notice%s of unknown delivery %s held: see 'klartext notify %s --status'.\n",
               (long long)oc.sending, oc.sending == 1 ? "" : "s", oc.sending == 1 ? "is" : "are", c->inc.ref);
    if (oc.failed_retry && !c->ctx->json) {
        char t[64];
        kt_fmt_time(c->ctx, c->r, oc.next_retry, t, sizeof t);
        printf("\n%lld notice%s will be tried again: run the same command from %s.\n", (long long)oc.failed_retry,
               oc.failed_retry == 1 ? "" : "s", t);
    }
    return st->failed || st->unknown || oc.sending ? 1 : 0;
}

static int mode_smtp(struct nctx *c, struct notify_send_opts *so, int resend_unknown, int nth, int64_t approval_id)
{
    int lfd = -1, rc;
    if ((rc = notify_lock(c->r, &lfd))) return fail(c, rc);
    struct notify_make_stats ms;
    struct outbox_counts oc;
    if ((rc = make(c, approval_id, OB_QUEUED, NULL, nth, &ms))) {
        close(lfd);
        return rc;
    }
    if ((rc = outbox_count(c->r, c->inc.id, so->max_attempts, &oc))) {
        close(lfd);
        return fail(c, rc);
    }
    if ((rc = handle_unknown(c, oc.sending, resend_unknown))) {
        close(lfd);
        return rc;
    }
    struct progress pr = {.json = c->ctx->json};
    struct notify_send_stats st;
    so->from = reg_org_get(c->r, "notices.from");
    so->bounce = reg_org_get(c->r, "notices.bounce_address");
    so->clock = clock_of(c);
    so->progress = (struct notify_progress){progress_show, &pr};
    if ((rc = notify_send(c->r, c->inc.id, so, &st))) fail(c, rc);
    reg_analyze(c->r, REG_BULK_STATES, st.sent + st.failed + st.unknown); /* PostgreSQL's statistics, at once */
    if (!rc && !st.stopped && st.connections < so->connections)
        kt_note("klartext: the mail server took %d connection%s at once, not %d: the run went on with %s",
                st.connections, st.connections == 1 ? "" : "s", so->connections, st.connections == 1 ? "it" : "those");
    char text[400];
    snprintf(text, sizeof text, "Notices sent in this run: %lld; failed: %lld; unknown: %lld%s", (long long)st.sent,
             (long long)st.failed, (long long)st.unknown,
             st.refused   ? " (stopped: the server refused the session)"
             : st.stopped ? " (stopped: the server could not be reached)"
                          : "");
    int rc2 = record_run(c, "notify.send", text);
    close(lfd);
    if (rc) return rc;
    if (rc2) return rc2;
    return smtp_report(c, so, &st, &ms);
}

/* ---------------------------------------------------------------- the command */

static const char description[] =
    "Make, sign and send the personal notices of an incident (Art. 34 GDPR): one message to each person the\n"
    "latest decision says must be told (subjects=yes; subjects=no only with --voluntary when the assessment\n"
    "recommended a voluntary notice). Each notice greets the person by name, says what of their data was visible,\n"
    "when (in their time zone), where, how often and to how many others, what it may mean and what they can do,\n"
    "and carries a notice code and an Ed25519 (minisign) signature of its text. People without an e-mail address\n"
    "are counted as unreachable, never dropped.\n"
    "\n"
    "Modes: --preview SUBJECT prints one notice; --test-to ADDR sends one sample marked TEST through --smtp;\n"
    "--approve --by NAME records that the content was checked (needed before --out and --smtp, and again after\n"
    "any change to templates, texts or organisation details); --out DIR writes DIR/NOTICE-ID.eml; --smtp URL sends\n"
    "(a re-run sends what is queued or due for a retry; notices whose delivery is unknown after a crash are held:\n"
    "--resend-unknown or --resolve sent|resend); --status shows the outbox; --cancel stops what is still queued;\n"
    "--requeue queues cancelled notices again; --letters DIR writes a PDF letter for each person without an e-mail\n"
    "address or whose e-mail notice failed, with a combined PDF and a CSV manifest for a print service.\n"
    "\n"
    "SMTP credentials come from --smtp-credentials FILE (mode 0600; lines 'user = NAME', 'password = SECRET') or\n"
    "KLARTEXT_SMTP_USER / KLARTEXT_SMTP_PASSWORD, never from the command line.\n"
    "Templates (--templates DIR): notice.{de,en}.{subject,txt,html}.mustache; --placeholders lists the data model.\n"
    "See docs/notify.md and docs/templates.md.";

/* what the options ask for, checked */
struct nopts {
    struct opt *o;
    struct opt *preview, *test_to, *approve, *out, *smtp, *cancel, *requeue, *resolve, *status, *bounces, *letters;
    struct notify_send_opts so;
    int resend_unknown;
    long nth;
    struct creds cr;
};

static int given(struct nopts *n, const char *name)
{
    return opt_get(n->o, name)->given;
}
static const char *value(struct nopts *n, const char *name)
{
    return opt_get(n->o, name)->value;
}

/* exactly one mode, and the options that go with it; 0 or 2 with the message */
static int check_modes(struct nopts *n, int npos)
{
    int modes = n->preview->given + n->test_to->given + n->approve->given + n->out->given +
                (n->smtp->given && !n->test_to->given) + n->cancel->given + n->requeue->given + n->resolve->given +
                n->status->given + n->bounces->given + n->letters->given;
    if (npos != 1) {
        kt_error(2, "notify needs the incident's ID");
        usage_line(usage);
        return 2;
    }
    if (modes != 1) {
        kt_error(
            2,
            modes
                ? "choose one of --preview, --test-to, --approve, --out, --smtp, --letters, --status, --bounces, --cancel, "
                  "--requeue, --resolve"
                : "what should notify do? give --preview, --test-to, --approve, --out, --smtp, --letters, --status or "
                  "--bounces");
        usage_line(usage);
        return 2;
    }
    if (given(n, "html") && !n->preview->given) return kt_error(2, "--html goes with --preview");
    unsigned who;
    if (given(n, "for") && !n->letters->given) return kt_error(2, "--for goes with --letters");
    if (given(n, "for") && parse_for(value(n, "for"), &who))
        return kt_error(2, "--for '%s': use no-email, failed, no-email,failed or all", value(n, "for"));
    if (n->approve->given && !given(n, "by")) return kt_error(2, "--approve needs --by NAME (who approves)");
    if (given(n, "by") && !*value(n, "by")) return kt_error(2, "--by needs a name");
    if (n->test_to->given && !n->smtp->given) return kt_error(2, "--test-to needs --smtp URL");
    if (given(n, "subject") && !n->test_to->given) return kt_error(2, "--subject goes with --test-to");
    if (n->resolve->given && strcmp(n->resolve->value, "sent") && strcmp(n->resolve->value, "resend"))
        return kt_error(2, "--resolve '%s': use sent or resend", n->resolve->value);
    return 0;
}

/* --rate, --max-attempts, --limit, --connections, --threads */
static int check_numbers(struct nopts *n)
{
    long v = 0;
    if (given(n, "rate") && parse_rate(value(n, "rate"), &n->so.rate))
        return kt_error(2, "--rate '%s': expected N/s or N/min, e.g. 20/s", value(n, "rate"));
    if (given(n, "max-attempts")) {
        if (parse_pos("max-attempts", value(n, "max-attempts"), 1, 100, &v)) return 2;
        n->so.max_attempts = (int)v;
    }
    if (given(n, "limit")) {
        if (parse_pos("limit", value(n, "limit"), 1, 1000000000, &v)) return 2;
        n->so.limit = v;
    }
    if (given(n, "connections")) {
        if (parse_pos("connections", value(n, "connections"), 1, NOTIFY_CONNECTIONS_MAX, &v)) return 2;
        n->so.connections = (int)v;
    }
    if (given(n, "threads") && parse_pos("threads", value(n, "threads"), 1, NOTIFY_MAX_THREADS, &n->nth)) return 2;
    if (!n->nth) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n->nth = cpus < 1 ? 1 : cpus > NOTIFY_MAX_THREADS ? NOTIFY_MAX_THREADS : cpus;
    }
    n->resend_unknown = given(n, "resend-unknown");
    return 0;
}

/* --smtp and what goes with it: the relay, TLS, credentials; the URL is checked before anything is done */
static int check_smtp(struct nopts *n)
{
    char err[600];
    int rc;
    if (!n->smtp->given) {
        if (given(n, "require-tls") || given(n, "smtp-credentials") || given(n, "rate") || given(n, "resend-unknown") ||
            given(n, "limit") || given(n, "smtp-ca") || given(n, "connections"))
            return kt_error(2, "--require-tls, --smtp-ca, --smtp-credentials, --rate, --limit, --connections and "
                               "--resend-unknown go with --smtp");
        return 0;
    }
    struct smtp_conf *sc = &n->so.smtp;
    sc->url = n->smtp->value;
    sc->require_tls = given(n, "require-tls");
    sc->ca_file = value(n, "smtp-ca");
    rc = given(n, "smtp-credentials") ? creds_load(value(n, "smtp-credentials"), &n->cr, err, sizeof err)
                                      : creds_env(&n->cr, err, sizeof err);
    if (rc) return kt_error(rc, "%s", err);
    if (n->cr.user && !sc->require_tls && strncasecmp(sc->url, "smtps://", 8))
        return kt_error(
            2, "refusing to send the SMTP password over a connection that may be unencrypted: add --require-tls "
               "(STARTTLS) or use smtps://");
    sc->user = n->cr.user;
    sc->password = n->cr.password;
    struct smtp *probe = smtp_open(sc, err, sizeof err); /* validates the URL before anything else */
    if (!probe) return kt_error(2, "%s", err);
    smtp_close(probe);
    return 0;
}

/* the modes that make or read notices: people, templates, decision, gates, key */
static int run_notices(struct nctx *c, struct nopts *n)
{
    int rc;
    if ((rc = notify_people_load(c->r, &c->inc, &c->pp))) return fail(c, rc);
    if (n->status->given) return mode_status(c, n->so.max_attempts);
    char err[600];
    c->tm = notice_templates_load(c->opt_templates, err, sizeof err);
    if (!c->tm) return kt_error(2, "%s", err);
    int sending = n->out->given || n->letters->given || (n->smtp->given && !n->test_to->given);
    if ((rc = check_decision(c, given(n, "voluntary"), sending))) return rc;
    if (n->preview->given || n->approve->given) {
        if (n->approve->given && (rc = check_placeholders(c, 1))) return rc;
        if ((rc = load_keyid(c))) return rc;
        notify_facts(c->r, &c->inc, c->keyid_hex, c->voluntary, &c->org, &c->ni);
        if (n->approve->given) return mode_approve(c, value(n, "by"));
        check_placeholders(c, 0);
        return mode_preview(c, n->preview->value, given(n, "html"));
    }
    if ((rc = check_placeholders(c, 1)) || (rc = load_key(c))) return rc;
    notify_facts(c->r, &c->inc, c->keyid_hex, c->voluntary, &c->org, &c->ni);
    if (n->test_to->given) return mode_test(c, n->test_to->value, value(n, "subject"), &n->so.smtp);
    int64_t approval_id = 0;
    if ((rc = check_approval(c, &approval_id))) return rc;
    if (n->out->given) return mode_out(c, n->out->value, (int)n->nth, approval_id);
    if (n->letters->given)
        return mode_letters(c, n->letters->value, value(n, "for"), (int)n->nth, n->so.max_attempts, approval_id);
    return mode_smtp(c, &n->so, n->resend_unknown, (int)n->nth, approval_id);
}

static int run(struct kt_ctx *ctx, struct nctx *c, struct nopts *n, const char *ref)
{
    int rc;
    if ((rc = check_numbers(n)) || (rc = check_smtp(n))) return rc;
    c->opt_templates = value(n, "templates") ? xstrdup(value(n, "templates")) : NULL;
    int readonly = n->preview->given || n->status->given;
    if ((rc = kt_open(ctx, readonly ? REG_OPEN_READONLY : 0, &c->r))) return rc;
    if ((rc = incident_load(c->r, ref, &c->inc))) return fail(c, rc);
    c->inc_loaded = 1;
    if (n->bounces->given) return mode_bounces(c, n->bounces->value);
    if (n->cancel->given || n->requeue->given || n->resolve->given)
        return mode_bulk(c, n->cancel->given ? "cancel" : n->requeue->given ? "requeue" : "resolve", n->resolve->value);
    return run_notices(c, n);
}

int cmd_notify(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt o[] = {
        {"preview", "SUBJECT", "print the notice of one person (text; --html for the HTML part)"},
        {"html", NULL, "with --preview: print the HTML part"},
        {"test-to", "ADDR", "send one sample, marked TEST, to ADDR (e.g. the DPO) through --smtp"},
        {"subject", "SUBJECT", "with --test-to: make the sample from this person (default: the first)"},
        {"approve", NULL, "record that the notice content was checked and approved (--by NAME)"},
        {"by", "NAME", "who approves"},
        {"out", "DIR", "write each notice as DIR/NOTICE-ID.eml (mode 0600) instead of sending"},
        {"letters", "DIR",
         "write a printed letter (A4 PDF, DIN 5008 window envelope) for each person e-mail does not reach: "
         "DIR/NOTICE-ID.pdf, a combined PDF and a CSV manifest for a print service"},
        {"for", "no-email,failed|all",
         "with --letters: people without an e-mail address, people whose e-mail notice failed, both (the default), "
         "or everyone"},
        {"smtp", "URL", "send through this relay: smtp://HOST[:PORT] or smtps://HOST[:PORT]"},
        {"require-tls", NULL, "with smtp://: refuse to send without STARTTLS"},
        {"smtp-ca", "FILE", "trust these CA certificates (PEM) for the relay"},
        {"smtp-credentials", "FILE", "user and password for the relay (file mode 0600)"},
        {"connections", "N", "send over N connections to the relay at once (default 4; 1 = one after another)"},
        {"rate", "N/s", "send at most N notices per second over all connections (also N/min)"},
        {"max-attempts", "N", "attempts per notice on temporary failures (default 5)"},
        {"limit", "N", "send at most N notices in this run"},
        {"resend-unknown", NULL, "resend notices whose delivery is unknown after a crash, with the same Message-ID"},
        {"resolve", "sent|resend", "resolve notices of unknown delivery: mark them sent, or queue them again"},
        {"cancel", NULL, "cancel the notices that are still queued or waiting for a retry"},
        {"requeue", NULL, "queue cancelled notices again"},
        {"status", NULL, "show the outbox: sent, failed, pending, unreachable, returned, follow-ups to make"},
        {"bounces", "PATH", "read returned mail (a Maildir or an mbox): notices failed (5.x.x) or delayed (4.x.x)"},
        {"voluntary", NULL, "send a voluntary notice (decision subjects=no, assessment recommends one)"},
        {"templates", "DIR", "use the templates in DIR instead of the built-in ones"},
        {"threads", "N", "threads that render and sign (default: the number of CPUs)"},
        {"placeholders", NULL, "list the placeholders of the notice templates and exit"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage, description, o, argc, argv, pos, 1, &npos);
    if (rc) {
        opt_free(o);
        return rc;
    }
    if (opt_get(o, "placeholders")->given) {
        for (int i = 0; notice_placeholders[i]; i++)
            printf("%-28s %s\n", notice_placeholders[i], notice_placeholder_help[i]);
        opt_free(o);
        return 0;
    }
    struct nopts n = {
        .o = o,
        .preview = opt_get(o, "preview"),
        .test_to = opt_get(o, "test-to"),
        .approve = opt_get(o, "approve"),
        .out = opt_get(o, "out"),
        .smtp = opt_get(o, "smtp"),
        .cancel = opt_get(o, "cancel"),
        .requeue = opt_get(o, "requeue"),
        .resolve = opt_get(o, "resolve"),
        .status = opt_get(o, "status"),
        .bounces = opt_get(o, "bounces"),
        .letters = opt_get(o, "letters"),
        .so = {.max_attempts = OUTBOX_MAX_ATTEMPTS, .connections = NOTIFY_CONNECTIONS_DEFAULT},
    };
    struct nctx c = {.ctx = ctx, .decision_people = -1};
    if (!(rc = check_modes(&n, npos))) rc = run(ctx, &c, &n, pos[0]);
    creds_free(&n.cr);
    nctx_release(&c);
    free(c.opt_templates);
    opt_free(o);
    i18n_zone_cache_clear();
    return rc;
}
