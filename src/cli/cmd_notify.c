/* cmd_notify.c — `klartext notify ID …`: personal, signed notices (Art. 34 GDPR) and the
 * outbox that sends them (docs/notify.md).
 *
 * Modes (exactly one): --preview SUBJECT, --test-to ADDR, --approve, --out DIR, --smtp URL,
 * --cancel, --requeue, --resolve sent|resend, --status.
 *
 * Making notices: the people come from the current scan joined with the current subject
 * directory; a notice is rendered, signed, packed into its MIME message and stored (with the
 * keyed hash of its code, never the code) once per person. Rendering and signing run on
 * worker threads (one renderer each); the main thread stores each batch of notices in one
 * transaction while the workers make the next batch. */
#include "cli/cli.h"
#include "util/i18n.h"
#include "notify/notice.h"
#include "notify/outbox.h"
#include "notify/smtp.h"
#include "register/assessments.h"
#include "register/scans.h"
#include "register/subjects.h"
#include "register/tlog_store.h"
#include "sign/code.h"
#include "sign/keys.h"
#include "sign/subkey.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include "register/db.h"   /* transitional: until this file's SQL moves into src/register/ (issue 13) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAKE   512       /* notices made and stored per transaction */
#define BATCH_SEND   50        /* notices marked `sending` per transaction (at most in flight) */
#define MAX_THREADS  64
#define STOP_AFTER_CONN_FAILURES 3
#define TEST_SEED_ENV "KLARTEXT_TEST_CODE_SEED"

static const char usage[] =
    "klartext notify ID (--preview SUBJECT [--html] | --test-to ADDR --smtp URL | --approve --by NAME |\n"
    "                    --out DIR | --smtp URL | --status | --cancel | --requeue | --resolve sent|resend) [OPTIONS]";

/* the organisation fields a notice shows; notify refuses to make real notices while one of them is
   still init's placeholder */
static const char *const org_used[] = {
    "organisation.name", "organisation.address", "organisation.languages", "dpo.name", "dpo.email", "dpo.phone",
    "service.phone", "service.hours", "notices.from", "notices.reply_to", "authority.lead", "portal.url", NULL,
};

static void mask_reply(char *text, size_t cap);

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
    unsigned char *code_key;   /* CODE_KEY_BYTES in sodium_malloc'd (guarded) memory, wiped when freed */
    int have_seed;
    unsigned char seed[32];
    /* people */
    int64_t scan_id, import_id;
    struct exposure_row *ex;
    size_t nex;
    struct subject_rec *subj;
    size_t nsubj;
    int64_t decision_seq;
    int decision_people;       /* -1: no decision */
    int voluntary;
};

static int64_t now_live(struct nctx *c)
{
    const char *e = getenv("KLARTEXT_NOW");
    if (e && *e) return c->ctx->now;
    return (int64_t)time(NULL);
}

static void nctx_release(struct nctx *c)
{
    exposure_rows_free(c->ex, c->nex);
    subject_recs_free(c->subj, c->nsubj);
    notice_templates_free(c->tm);
    sign_key_free(c->key);
    sodium_free(c->code_key);            /* wipes it; NULL is fine */
    c->code_key = NULL;
    sodium_memzero(c->seed, sizeof c->seed);
    if (c->inc_loaded) incident_release(&c->inc);
    reg_close(c->r);
}

static const char *org_get(reg *r, const char *k) { const char *v = reg_org_get(r, k); return v ? v : ""; }

static void fill_org(struct nctx *c)
{
    reg *r = c->r;
    struct notice_org *o = &c->org;
    o->name = org_get(r, "organisation.name");
    o->address = org_get(r, "organisation.address");
    o->dpo_name = org_get(r, "dpo.name");
    o->dpo_email = org_get(r, "dpo.email");
    o->dpo_phone = org_get(r, "dpo.phone");
    o->service_phone = org_get(r, "service.phone");
    o->service_hours = org_get(r, "service.hours");
    o->portal_url = org_get(r, "portal.url");
    o->authority = c->inc.v[IF_LEAD_AUTHORITY] ? c->inc.v[IF_LEAD_AUTHORITY] : org_get(r, "authority.lead");
    o->from = org_get(r, "notices.from");
    o->reply_to = org_get(r, "notices.reply_to");
    o->key_id = c->keyid_hex;
    struct notice_incident *n = &c->ni;
    const struct incident *i = &c->inc;
    n->ref = i->ref;
    n->title = i->v[IF_TITLE];
    n->description = i->v[IF_DESCRIPTION];
    n->consequences = i->v[IF_CONSEQUENCES];
    n->measures_taken = i->v[IF_MEASURES_TAKEN];
    n->measures_proposed = i->v[IF_MEASURES_PROPOSED];
    n->cause = i->v[IF_CAUSE];
    n->data_not_affected = i->v[IF_DATA_NOT_AFFECTED];
    n->occurred_from = inc_time(i, IF_OCCURRED_FROM);
    n->occurred_until = inc_time(i, IF_OCCURRED_UNTIL);
    n->contained_at = inc_time(i, IF_CONTAINED_AT);
    n->notified_at = inc_time(i, IF_NOTIFIED_AT);
    n->voluntary = c->voluntary;
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
    const char *seed = getenv(TEST_SEED_ENV);
    int test_key = is_test_key(c->key);
    if (seed && *seed) {
        if (!test_key)
            return kt_error(2, "%s is set, but the signing key is not klartext's public test key: "
                               "refusing to make predictable notice codes (unset it)", TEST_SEED_ENV);
        size_t bl = 0;
        if (strlen(seed) != 64 || sodium_hex2bin(c->seed, sizeof c->seed, seed, 64, NULL, &bl, NULL) || bl != 32)
            return kt_error(2, "%s must be 64 hexadecimal digits", TEST_SEED_ENV);
        c->have_seed = 1;
    }
    if (test_key)
        kt_warn("the signing key is klartext's public TEST key (key id 0123456789ABCDEF): these notices prove nothing");
    return 0;
}

/* the people: the current scan's exposures and the current subject directory */
static int load_people(struct nctx *c)
{
    struct scan_info si;
    int rc;
    if ((rc = scans_get(c->r, &c->inc, 0, &si)))
        return kt_error(rc, "incident %s has no exposure scan yet: run 'klartext scan --rule RULE --incident %s LOG...'",
                        c->inc.ref, c->inc.ref);
    c->scan_id = si.id;
    if ((rc = scans_exposures(c->r, si.id, NULL, &c->ex, &c->nex))) return kt_error(rc, "%s", reg_err(c->r));
    if ((rc = subjects_list(c->r, &c->inc, &c->subj, &c->nsubj))) return kt_error(rc, "%s", reg_err(c->r));
    int found = 0;
    if (db_query_int(reg_db(c->r), "SELECT id FROM subject_import WHERE current = 1 AND incident_id = "
                                   "(SELECT id FROM incident WHERE ref = ?)", c->inc.ref, &c->import_id, &found))
        return kt_error(reg_dberr(c->r), "%s", reg_err(c->r));
    if (!found) c->import_id = 0;
    return 0;
}

/* the contact row of exposure i (both lists are sorted by subject), or NULL */
static const struct subject_rec *contact_of(struct nctx *c, const char *subject)
{
    size_t lo = 0, hi = c->nsubj;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(c->subj[mid].subject, subject);
        if (!cmp) return &c->subj[mid];
        if (cmp < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

static int reachable(const struct subject_rec *s) { return s && s->email && *s->email; }

static void person_of(const struct exposure_row *e, const struct subject_rec *s, struct notice_person *p)
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
    p->pages = e->pages;
    p->fields = e->fields;
}

/* the latest decision decides who is told */
static int check_decision(struct nctx *c, int want_voluntary, int required)
{
    struct decision d;
    int found = 0, rc;
    c->decision_people = -1;
    if ((rc = decisions_latest(c->r, &c->inc, &d, &found))) return kt_error(rc, "%s", reg_err(c->r));
    if (!found) {
        if (!required) return 0;
        return kt_error(1, "incident %s has no decision yet: record who must be told with "
                           "'klartext assess %s --decide authority=…,subjects=… --by NAME' first", c->inc.ref, c->inc.ref);
    }
    c->decision_seq = d.seq;
    c->decision_people = (int)d.people;
    int people = (int)d.people;
    int64_t aid = d.assessment_id;
    decision_release(&d);
    if (people == PROPOSAL_PEOPLE_YES) return 0;
    if (people == PROPOSAL_PEOPLE_PUBLIC) {
        if (!required) return 0;
        return kt_error(1, "decision #%lld is to inform the people by a public communication (Art. 34(3)(c) GDPR): "
                           "no individual notices are made; publish the statement with 'klartext incident publish %s'",
                        (long long)c->decision_seq, c->inc.ref);
    }
    /* people = no: only a voluntary notice the assessment recommended */
    int recommended = 0;
    struct assessment *as = NULL;
    size_t na = 0;
    if ((rc = assessments_list(c->r, &c->inc, &as, &na))) { assessments_free(as, na); return kt_error(rc, "%s", reg_err(c->r)); }
    for (size_t i = 0; i < na; i++) if (as[i].id == aid) recommended = as[i].p.voluntary;
    assessments_free(as, na);
    if (want_voluntary && recommended) { c->voluntary = 1; return 0; }
    if (!required) return 0;
    if (want_voluntary)
        return kt_error(1, "decision #%lld is not to tell the people, and its assessment does not recommend a voluntary "
                           "notice: refusing --voluntary", (long long)c->decision_seq);
    return kt_error(1, "decision #%lld is not to tell the people (Art. 34 GDPR)%s", (long long)c->decision_seq,
                    recommended ? "; the assessment recommends a voluntary notice: add --voluntary to send one" : "");
}

static int check_placeholders(struct nctx *c, int fatal)
{
    struct buf b;
    buf_init(&b, 4096);
    for (int i = 0; org_used[i]; i++)
        if (reg_org_is_placeholder(c->r, org_used[i]) || !reg_org_get(c->r, org_used[i]))
            buf_addf(&b, "%s%s", b.len ? ", " : "", org_used[i]);
    int rc = 0;
    if (b.len) {
        if (fatal)
            rc = kt_error(1, "the organisation's details are incomplete (%s): a notice must name a real sender, DPO and "
                             "portal; fix them with 'klartext org set KEY=VALUE'", buf_str(&b));
        else kt_warn("the organisation's details are still placeholders: %s", buf_str(&b));
    }
    buf_release(&b);
    return rc;
}

/* ---------------------------------------------------------------- content and approval */

static void man_line(struct buf *b, const char *key, const char *v)
{
    buf_addf(b, "%s=", key);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\n') buf_adds(b, "\\n");
        else if (*p == '\\') buf_adds(b, "\\\\");
        else buf_addc(b, *p);
    }
    buf_addc(b, '\n');
}

static void man_time(struct buf *b, const char *key, int64_t t)
{
    char iso[KT_ISO_LEN] = "";
    if (t) kt_time_iso(t, iso);
    man_line(b, key, iso);
}

/* what an approval covers, one "key=value" line each (templates: name, source, SHA-256) */
static char *content_manifest(struct nctx *c)
{
    struct buf b;
    buf_init(&b, 1 << 22);
    buf_addf(&b, "klartext notice content\nmodel=%d\n", NOTICE_MODEL_VERSION);
    buf_adds(&b, notice_templates_manifest(c->tm));
    man_line(&b, "key_id", c->keyid_hex);
    for (int i = 0; org_used[i]; i++) man_line(&b, org_used[i], reg_org_get(c->r, org_used[i]));
    man_line(&b, "incident.lead_authority", c->inc.v[IF_LEAD_AUTHORITY]);
    /* the register's free texts only when a template shows them (the built-in ones do not): the
       incident record may evolve for the authority while notices are being sent */
    const char *const ft[][2] = {
        {"incident.title", c->ni.title}, {"incident.description", c->ni.description},
        {"incident.consequences", c->ni.consequences}, {"incident.measures_taken", c->ni.measures_taken},
        {"incident.measures_proposed", c->ni.measures_proposed},
    };
    for (size_t i = 0; i < sizeof ft / sizeof ft[0]; i++)
        if (notice_templates_use(c->tm, ft[i][0])) man_line(&b, ft[i][0], ft[i][1]);
    man_line(&b, "incident.cause", c->ni.cause);
    man_line(&b, "incident.data_not_affected", c->ni.data_not_affected);
    man_time(&b, "incident.occurred_from", c->ni.occurred_from);
    man_time(&b, "incident.occurred_until", c->ni.occurred_until);
    man_time(&b, "incident.contained_at", c->ni.contained_at);
    man_time(&b, "incident.notified_at", c->ni.notified_at);
    man_line(&b, "voluntary", c->voluntary ? "yes" : "no");
    return buf_detach(&b);
}

static void sha_hex(const char *s, char out[65])
{
    uint8_t d[32];
    sha256_hash(s, strlen(s), d);
    sha256_to_hex(d, out);
}

/* the keys whose lines differ between two manifests, ", "-separated (malloc'd) */
static char *manifest_diff(const char *a, const char *b)
{
    struct buf o;
    buf_init(&o, 1 << 16);
    const char *ms[2] = {a, b};
    for (int pass = 0; pass < 2; pass++) {
        const char *p = ms[pass], *other = ms[1 - pass];
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            /* is this exact line in the other manifest? */
            int same = 0;
            for (const char *q = other; *q;) {
                const char *qe = strchr(q, '\n');
                size_t qn = qe ? (size_t)(qe - q) : strlen(q);
                if (qn == n && !memcmp(p, q, n)) { same = 1; break; }
                q += qn + (qe ? 1 : 0);
            }
            if (!same) {
                size_t k = 0;
                while (k < n && p[k] != '=' && p[k] != ' ') k++;
                char key[128];
                snprintf(key, sizeof key, "%.*s", (int)(k < 127 ? k : 127), p);
                if (!strstr(buf_str(&o), key)) buf_addf(&o, "%s%s", o.len ? ", " : "", key);
            }
            p += n + (e ? 1 : 0);
        }
    }
    return buf_detach(&o);
}

/* 0 when the latest approval covers exactly the current content; else 1 with the message */
static int check_approval(struct nctx *c, int64_t *approval_id)
{
    struct notice_approval a;
    int found, rc;
    if ((rc = outbox_approval_latest(c->r, &c->inc, &a, &found))) return kt_error(rc, "%s", reg_err(c->r));
    if (!found)
        return kt_error(1, "the notices of incident %s are not approved yet: read one with 'klartext notify %s --preview "
                           "SUBJECT', then approve the content with 'klartext notify %s --approve --by NAME'%s",
                        c->inc.ref, c->inc.ref, c->inc.ref, c->opt_templates ? " (with the same --templates)" : "");
    char *man = content_manifest(c), hex[65];
    sha_hex(man, hex);
    rc = 0;
    if (strcmp(hex, a.sha256)) {
        char *d = manifest_diff(a.manifest, man);
        rc = kt_error(1, "the notice content changed since approval #%lld by %s (%s): check it with --preview and approve "
                         "it again with --approve --by NAME", (long long)a.seq, a.by, *d ? d : "templates");
        free(d);
    } else *approval_id = a.id;
    free(man);
    notice_approval_release(&a);
    return rc;
}

/* ---------------------------------------------------------------- making notices (threads) */

struct job {
    const struct exposure_row *e;
    const struct subject_rec *s;
    int64_t seq;
    char notice_id[NOTICE_ID_MAX];
    char code[CODE_DISPLAY_SIZE];
    /* results */
    int rc;
    char err[300];
    char *packed;
    size_t packed_len, msg_len;
    int file;                      /* --out: FILE_NONE, FILE_TEMP (DIR/.NOTICE-ID.eml.tmp, to be
                                      renamed) or FILE_UNNAMED (fd, to be linked) */
    int fd;
    char *text;                    /* the signed text (for the log commitment) */
    size_t text_len;
    uint8_t code_hash[32];
    char text_sha[65];
    char message_id[320];
    char masked[NOTICE_MASK_MAX];
};

struct pool {
    struct nctx *c;
    const struct outbox_dict *dict;
    const char *outdir;
    int unnamed;                   /* --out writes unnamed files (see write_file) */
    int64_t date;
    pthread_mutex_t mu;
    pthread_cond_t cv, done_cv;
    struct job *jobs;
    size_t njobs, next, done;
    unsigned gen;
    int quit;
    int nth;
    pthread_t th[MAX_THREADS];
};

static void job_clear(struct job *j)
{
    free(j->packed);
    free(j->text);
    j->packed = j->text = NULL;
}

/* ---- the .eml files of --out
 * A file appears whole, and only for a stored notice: a worker writes it before its batch is
 * stored, as an unnamed file in DIR (O_TMPFILE) where the file system and /proc allow, else as
 * DIR/.NOTICE-ID.eml.tmp; after the commit the main thread names it DIR/NOTICE-ID.eml (linkat /
 * rename). No fsync: a crash before the commit leaves no file (an unnamed one vanishes with the
 * process; at worst a temporary name), and the next run makes the notice again; a crash after
 * it leaves the stored notice without its file, which the next --out writes from the register. */
enum { FILE_NONE, FILE_TEMP, FILE_UNNAMED };

static int write_all(int fd, const char *data, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(fd, data + off, n - off);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)k;
    }
    return 0;
}

/* Can --out use unnamed files in DIR? Each batch in flight holds one descriptor per notice. */
static int unnamed_files_work(const char *dir)
{
    struct rlimit rl;
    rlim_t need = 2 * BATCH_MAKE + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl)) return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) return 0;
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl)) return 0;
    }
    char proc[64];
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int ok = access(proc, F_OK) == 0;
    close(fd);
    return ok;
}

/* write the message of J before its batch is stored; 0, or -1 with J->err */
static int write_file(const char *dir, int unnamed, struct job *j, const char *data, size_t n)
{
    char tmp[4200];
    if (unnamed) {
        int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0 && write_all(fd, data, n) == 0) {
            j->fd = fd;
            j->file = FILE_UNNAMED;
            return 0;
        }
        snprintf(j->err, sizeof j->err, "cannot write '%.200s/%s.eml': %s", dir, j->notice_id, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, j->notice_id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) { snprintf(j->err, sizeof j->err, "cannot write '%.200s': %s", tmp, strerror(errno)); return -1; }
    int bad = write_all(fd, data, n);
    if (close(fd)) bad = -1;
    if (bad) {
        snprintf(j->err, sizeof j->err, "cannot write '%.200s': %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    j->file = FILE_TEMP;
    return 0;
}

/* drop the file of J that was not stored */
static void drop_file(const char *dir, struct job *j)
{
    if (j->file == FILE_UNNAMED) close(j->fd);
    else if (j->file == FILE_TEMP) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, j->notice_id);
        unlink(tmp);
    }
    j->file = FILE_NONE;
    j->fd = -1;
}

/* give the file of J (stored) its name DIR/NOTICE-ID.eml; 0, or an exit code with the message */
static int name_file(const char *dir, struct job *j)
{
    char path[4200], from[4200];
    snprintf(path, sizeof path, "%s/%s.eml", dir, j->notice_id);
    int rc = 0;
    if (j->file == FILE_UNNAMED) {
        snprintf(from, sizeof from, "/proc/self/fd/%d", j->fd);
        /* a file of that name from an earlier run into this directory is replaced, as rename would */
        if (linkat(AT_FDCWD, from, AT_FDCWD, path, AT_SYMLINK_FOLLOW) &&
            (errno != EEXIST || unlink(path) || linkat(AT_FDCWD, from, AT_FDCWD, path, AT_SYMLINK_FOLLOW)))
            rc = kt_error(1, "cannot write '%s': %s", path, strerror(errno));
    } else if (j->file == FILE_TEMP) {
        snprintf(from, sizeof from, "%s/.%s.eml.tmp", dir, j->notice_id);
        if (rename(from, path)) rc = kt_error(1, "cannot write '%s': %s", path, strerror(errno));
    }
    drop_file(dir, j);
    return rc;
}

static void make_one(struct pool *pl, struct notice_renderer *rr, struct notice_result *res, struct outbox_packer *pk,
                     struct job *j)
{
    struct nctx *c = pl->c;
    struct notice_person p;
    person_of(j->e, j->s, &p);
    struct notice_meta m = {.notice_id = j->notice_id, .code = j->code, .date = pl->date};
    j->rc = -1;
    if (notice_render(rr, &c->org, &c->ni, &p, &m, res, j->err, sizeof j->err) ||
        notice_package(c->key, &c->org, &c->ni, &p, &m, res, j->err, sizeof j->err) ||
        outbox_pack_notice(pk, &res->mn, &j->packed, &j->packed_len, j->err, sizeof j->err))
        return;
    if (code_lookup_hash(c->code_key, j->code, j->code_hash)) { snprintf(j->err, sizeof j->err, "bad code"); return; }
    j->msg_len = res->eml.len;
    sha256_to_hex(res->text_sha256, j->text_sha);
    snprintf(j->message_id, sizeof j->message_id, "%s", res->message_id);
    notice_mask_address(j->s->email, j->masked, sizeof j->masked);
    if (pl->outdir && write_file(pl->outdir, pl->unnamed, j, res->eml.p, res->eml.len)) return;
    j->rc = 0;
}

static void *worker(void *arg)
{
    struct pool *pl = arg;
    struct notice_renderer *rr = notice_renderer_new(pl->c->tm);
    struct outbox_packer *pk = outbox_packer_new(pl->dict);
    struct notice_result res = {0};
    unsigned seen = 0;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->quit && (pl->gen == seen || pl->next >= pl->njobs)) pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->quit) break;
        seen = pl->gen;
        while (pl->next < pl->njobs) {
            struct job *j = &pl->jobs[pl->next++];
            pthread_mutex_unlock(&pl->mu);
            if (rr && pk) make_one(pl, rr, &res, pk, j);
            else { j->rc = -1; snprintf(j->err, sizeof j->err, "out of memory"); }
            pthread_mutex_lock(&pl->mu);
            if (++pl->done == pl->njobs) pthread_cond_broadcast(&pl->done_cv);
        }
    }
    pthread_mutex_unlock(&pl->mu);
    notice_result_release(&res);
    outbox_packer_free(pk);
    notice_renderer_free(rr);
    return NULL;
}

static int pool_start(struct pool *pl, struct nctx *c, const struct outbox_dict *dict, int nth, const char *outdir,
                      int64_t date)
{
    memset(pl, 0, sizeof *pl);
    pl->c = c;
    pl->dict = dict;
    pl->outdir = outdir;
    pl->unnamed = outdir && unnamed_files_work(outdir);
    pl->date = date;
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    pthread_cond_init(&pl->done_cv, NULL);
    for (int i = 0; i < nth; i++) {
        if (pthread_create(&pl->th[i], NULL, worker, pl)) break;
        pl->nth++;
    }
    return pl->nth ? 0 : -1;
}

static void pool_submit(struct pool *pl, struct job *jobs, size_t n)
{
    pthread_mutex_lock(&pl->mu);
    pl->jobs = jobs;
    pl->njobs = n;
    pl->next = 0;
    pl->done = 0;
    pl->gen++;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
}

static void pool_wait(struct pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    while (pl->done < pl->njobs) pthread_cond_wait(&pl->done_cv, &pl->mu);
    pthread_mutex_unlock(&pl->mu);
}

static void pool_stop(struct pool *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->quit = 1;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (int i = 0; i < pl->nth; i++) pthread_join(pl->th[i], NULL);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->cv);
    pthread_cond_destroy(&pl->done_cv);
}

/* ---------------------------------------------------------------- progress */

struct progress {
    int on;
    const char *what;
    int64_t total;
    struct timespec t0, last;
};

static double secs_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_init(struct progress *p, struct kt_ctx *ctx, const char *what, int64_t total)
{
    memset(p, 0, sizeof *p);
    p->on = !ctx->json && isatty(2) && total > 0;
    p->what = what;
    p->total = total;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    p->last = p->t0;
}

static void progress_show(struct progress *p, int64_t done, int force)
{
    if (!p->on) return;
    if (!force && secs_since(&p->last) < 0.2) return;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    int width = 30, fill = p->total ? (int)(done * width / p->total) : width;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double s = secs_since(&p->t0);
    fprintf(stderr, "\r  %-8s [%s] %lld/%lld  %.0f/s   ", p->what, bar, (long long)done, (long long)p->total,
            s > 0 ? (double)done / s : 0.0);
    if (force) fputc('\n', stderr);
    fflush(stderr);
}

/* ---------------------------------------------------------------- files */

static int write_eml(const char *dir, const char *notice_id, const char *data, size_t n)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s.eml", dir, notice_id);
    snprintf(tmp, sizeof tmp, "%s/.%s.eml.tmp", dir, notice_id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return kt_error(1, "cannot write '%s': %s", tmp, strerror(errno));
    if (write_all(fd, data, n)) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return kt_error(1, "cannot write '%s': %s", tmp, strerror(e));
    }
    if (close(fd) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        return kt_error(1, "cannot write '%s': %s", path, strerror(e));
    }
    return 0;
}

/* ---------------------------------------------------------------- making and storing */

struct make_stats {
    int64_t exposed, reachable, unreachable, created, superseded, kept;
    int64_t first_seq;           /* notices from this number on were made (and written) in this run */
};

/* code for notice number seq: random, or from the test seed */
static void new_code(struct nctx *c, int64_t seq, char out[CODE_DISPLAY_SIZE])
{
    if (c->have_seed) code_test_generate_from_seed(c->seed, (uint64_t)seq, out);
    else code_generate(out);
}

/* drop the files of a batch that was not stored */
static void unlink_tmps(struct job *jobs, size_t n, const char *outdir)
{
    for (size_t i = 0; outdir && i < n; i++) drop_file(outdir, &jobs[i]);
}

/* Store one batch of made notices in one transaction: the notices, their outbox rows, and for
 * each notice a transparency-log commitment to the line "NOTICE-ID SHA-256-OF-TEXT\n" (salted:
 * the log shows only the commitment; the person, given the salt on the portal, can recompute it
 * and prove that their notice is in the log); then, for --out, move the files into place. */
static int store_batch(struct nctx *c, struct job *jobs, size_t n, int64_t approval_id, int64_t dict_id,
                       enum outbox_state st, int64_t at, const char *outdir)
{
    int rc;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].rc) {
            unlink_tmps(jobs, n, outdir);
            mask_reply(jobs[i].err, sizeof jobs[i].err);   /* a MIME error may quote the address */
            return kt_error(1, "notice %s: %s", jobs[i].notice_id, jobs[i].err);
        }
    struct tlog_commit_item *items = xcalloc(n + 1, sizeof *items);
    char (*lines)[NOTICE_ID_MAX + 80] = xcalloc(n + 1, sizeof *lines);
    if ((rc = reg_begin(c->r))) { free(items); free(lines); unlink_tmps(jobs, n, outdir); return kt_error(rc, "%s", reg_err(c->r)); }
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        struct outbox_new nn = {
            .seq = j->seq, .subject = j->e->subject, .notice_id = j->notice_id, .lang = j->s->language,
            .rcpt = j->s->email, .rcpt_masked = j->masked, .message_id = j->message_id,
            .packed = j->packed, .packed_len = j->packed_len, .message_len = j->msg_len, .dict_id = dict_id,
        };
        memcpy(nn.code_hash, j->code_hash, 32);
        memcpy(nn.text_sha256, j->text_sha, 65);
        if ((rc = outbox_add(c->r, c->inc.id, approval_id, c->scan_id, c->import_id, at, &nn, st, NULL))) break;
        int k = snprintf(lines[i], sizeof lines[i], "%s %s\n", j->notice_id, j->text_sha);
        items[i] = (struct tlog_commit_item){.content = lines[i], .len = (size_t)k, .ref = j->notice_id};
    }
    if (!rc) rc = tlog_append_commitments(c->r, "notice", items, n, NULL);
    free(items);
    free(lines);
    if (rc || (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        unlink_tmps(jobs, n, outdir);
        return rc;
    }
    for (size_t i = 0; outdir && i < n; i++)
        if ((rc = name_file(outdir, &jobs[i]))) { unlink_tmps(jobs + i + 1, n - i - 1, outdir); return rc; }
    return 0;
}

/* The storage dictionary of this run (outbox.h): the parts of a sample notice in each language,
 * made for a fictional person ("Alex Muster", an example.invalid address, code 0000-…) with the
 * exposure E (pages, times, counts: rows the register holds anyway) of the first person to be
 * told and a placeholder instead of a signature: it holds no one's name, address or code and no
 * signed text. Stored once per content. */
static int make_dict(struct nctx *c, const struct exposure_row *e, int64_t at, struct outbox_dict **dict,
                     int64_t *dict_id)
{
    struct notice_renderer *rr = notice_renderer_new(c->tm);
    struct notice_result res = {0};
    struct buf all, rec;
    char err[400], id[NOTICE_ID_MAX], trusted[512];
    int rc = 0;
    if (!rr) return kt_error(1, "out of memory");
    buf_init(&all, (size_t)1 << 24);
    buf_init(&rec, (size_t)1 << 24);
    notice_make_id(c->inc.ref, 0, id, sizeof id);
    for (int l = 0; l < NOTICE_NLANGS && !rc; l++) {
        struct subject_rec s = {.subject = e->subject, .name = "Alex Muster", .email = "alex.muster@example.invalid",
                                .language = l == NOTICE_DE ? "de" : "en",
                                .timezone = l == NOTICE_DE ? "Europe/Berlin" : "Europe/London"};
        struct notice_person p;
        person_of(e, &s, &p);
        struct notice_meta m = {.notice_id = id, .code = "0000-0000-0000-0000", .date = at};
        notice_trusted_comment(c->inc.ref, id, at, 0, trusted, sizeof trusted);
        res.minisig_len = (size_t)snprintf(res.minisig, sizeof res.minisig,
            "untrusted comment: klartext notice signature; check: minisign -Vm notice.txt -p klartext.pub\n"
            "RUQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"
            "trusted comment: %s\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", trusted);
        if (notice_render(rr, &c->org, &c->ni, &p, &m, &res, err, sizeof err) ||
            notice_envelope(&c->org, &p, &m, &res, err, sizeof err))
            rc = kt_error(2, "%s", err);
        else if (outbox_record(&res.mn, &rec) || buf_add(&all, rec.p, rec.len))
            rc = kt_error(1, "out of memory");
    }
    if (!rc && !(*dict = outbox_dict_new(all.p, all.len))) rc = kt_error(1, "out of memory");
    if (!rc) {
        if ((rc = reg_begin(c->r)) || (rc = outbox_dict_store(c->r, c->inc.id, at, all.p, all.len, dict_id)) ||
            (rc = reg_commit(c->r))) {
            rc = kt_error(rc, "%s", reg_err(c->r));
            reg_rollback(c->r);
            outbox_dict_free(*dict);
            *dict = NULL;
        }
    }
    buf_release(&all);
    buf_release(&rec);
    notice_result_release(&res);
    notice_renderer_free(rr);
    return rc;
}

/* Make and store the notices that are missing (or stale: made from other content, scan or contact
 * data and never accepted by a server). STATE: queued (--smtp) or written (--out). */
static int make_notices(struct nctx *c, int64_t approval_id, enum outbox_state st, const char *outdir, int nth,
                        struct make_stats *ms)
{
    struct outbox_live *live = NULL;
    size_t nlive = 0;
    int rc;
    memset(ms, 0, sizeof *ms);
    if ((rc = outbox_live_list(c->r, c->inc.id, &live, &nlive))) return kt_error(rc, "%s", reg_err(c->r));
    int64_t seq = 0;
    if ((rc = outbox_max_seq(c->r, c->inc.id, &seq))) { outbox_live_free(live, nlive); return kt_error(rc, "%s", reg_err(c->r)); }
    ms->first_seq = seq + 1;
    int64_t at = now_live(c);
    /* 1. decide, per person; supersede stale notices in one transaction */
    size_t *todo = xcalloc(c->nex + 1, sizeof *todo), ntodo = 0;
    if ((rc = reg_begin(c->r))) { free(todo); outbox_live_free(live, nlive); return kt_error(rc, "%s", reg_err(c->r)); }
    size_t li = 0;
    for (size_t i = 0; i < c->nex; i++) {
        const struct exposure_row *e = &c->ex[i];
        const struct subject_rec *s = contact_of(c, e->subject);
        ms->exposed++;
        int ok = reachable(s);
        if (ok) ms->reachable++; else ms->unreachable++;
        /* live notices of subjects before this one are no longer exposed */
        while (li < nlive && strcmp(live[li].subject, e->subject) < 0) {
            struct outbox_live *l = &live[li++];
            if ((l->state == OB_QUEUED || l->state == OB_CANCELLED || (l->state == OB_FAILED)) && l->scan_id != c->scan_id) {
                if ((rc = outbox_set_state(c->r, l->row, (int)l->state, OB_SUPERSEDED, at, 0,
                                           "no longer exposed in the current scan", 0, 0))) goto dberr;
                ms->superseded++;
            }
        }
        struct outbox_live *l = li < nlive && !strcmp(live[li].subject, e->subject) ? &live[li++] : NULL;
        if (l) {
            int never_accepted = l->state == OB_QUEUED || l->state == OB_CANCELLED || l->state == OB_FAILED;
            int stale = l->approval_id != approval_id || l->scan_id != c->scan_id || l->import_id != c->import_id;
            if (!(never_accepted && stale)) { ms->kept++; continue; }
            if ((rc = outbox_set_state(c->r, l->row, (int)l->state, OB_SUPERSEDED, at, 0,
                                       "made again from changed content, scan or contact data", 0, 0))) goto dberr;
            ms->superseded++;
        }
        if (ok) todo[ntodo++] = i;
    }
    while (li < nlive) {
        struct outbox_live *l = &live[li++];
        if ((l->state == OB_QUEUED || l->state == OB_CANCELLED || l->state == OB_FAILED) && l->scan_id != c->scan_id) {
            if ((rc = outbox_set_state(c->r, l->row, (int)l->state, OB_SUPERSEDED, at, 0,
                                       "no longer exposed in the current scan", 0, 0))) goto dberr;
            ms->superseded++;
        }
    }
    if ((rc = reg_commit(c->r))) goto dberr;
    outbox_live_free(live, nlive);
    live = NULL;

    /* 2. make the missing ones, BATCH_MAKE at a time, two batches in flight. Checkpoint the
       SQLite journal less often meanwhile (each checkpoint syncs the file). */
    if (ntodo) {
        int sqlite = !strcmp(db_backend(reg_db(c->r)), "sqlite");
        /* and keep the indexes in memory: code hashes are random, so each insert touches another
           page of their index, which a default-sized page cache (2 MB) would read again */
        if (sqlite) db_exec(reg_db(c->r), "PRAGMA wal_autocheckpoint = 16384; PRAGMA cache_size = -131072");
        struct outbox_dict *dict = NULL;
        int64_t dict_id = 0;
        if ((rc = make_dict(c, &c->ex[todo[0]], at, &dict, &dict_id))) { free(todo); return rc; }
        struct pool pl;
        if (pool_start(&pl, c, dict, nth, outdir, at)) {
            outbox_dict_free(dict);
            free(todo);
            return kt_error(1, "cannot start worker threads");
        }
        struct job *buf[2] = {xcalloc(BATCH_MAKE, sizeof(struct job)), xcalloc(BATCH_MAKE, sizeof(struct job))};
        size_t nb[2] = {0, 0};
        struct progress pr;
        progress_init(&pr, c->ctx, "making", (int64_t)ntodo);
        size_t pos = 0;
        int cur = 0, pending = -1;
        rc = 0;
        while (!rc && (pos < ntodo || pending >= 0)) {
            int submitted = -1;
            if (pos < ntodo) {
                struct job *jb = buf[cur];
                size_t n = 0;
                for (; n < BATCH_MAKE && pos < ntodo; n++, pos++) {
                    struct job *j = &jb[n];
                    job_clear(j);
                    memset(j, 0, sizeof *j);
                    j->fd = -1;
                    j->e = &c->ex[todo[pos]];
                    j->s = contact_of(c, j->e->subject);
                    j->seq = ++seq;
                    notice_make_id(c->inc.ref, j->seq, j->notice_id, sizeof j->notice_id);
                    new_code(c, j->seq, j->code);
                }
                nb[cur] = n;
                pool_submit(&pl, jb, n);
                submitted = cur;
            }
            if (pending >= 0) {
                rc = store_batch(c, buf[pending], nb[pending], approval_id, dict_id, st, at, outdir);
                if (!rc) ms->created += (int64_t)nb[pending];
                progress_show(&pr, ms->created, 0);
            }
            if (submitted >= 0) { pool_wait(&pl); pending = submitted; cur = 1 - cur; }
            else pending = -1;
        }
        progress_show(&pr, ms->created, 1);
        pool_stop(&pl);
        for (int k = 0; k < 2; k++) {
            unlink_tmps(buf[k], nb[k], outdir);
            for (size_t i = 0; i < BATCH_MAKE; i++) { job_clear(&buf[k][i]); sodium_memzero(buf[k][i].code, sizeof buf[k][i].code); }
            free(buf[k]);
        }
        if (sqlite) db_exec(reg_db(c->r), "PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -2000");
        outbox_dict_free(dict);
    }
    free(todo);
    return rc;
dberr:
    rc = kt_error(rc, "%s", reg_err(c->r));
    reg_rollback(c->r);
    free(todo);
    outbox_live_free(live, nlive);
    return rc;
}

/* ---------------------------------------------------------------- summary */

static void print_summary(struct nctx *c, const struct make_stats *ms, const struct outbox_counts *oc, const char *title)
{
    char n1[32];
    int64_t pending = oc->queued + oc->failed_retry + oc->sending;
    if (c->ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(c->inc.ref));
        json_object_set_new(j, "exposed", json_integer(ms->exposed));
        json_object_set_new(j, "reachable", json_integer(ms->reachable));
        json_object_set_new(j, "unreachable", json_integer(ms->unreachable));
        json_object_set_new(j, "made", json_integer(ms->created));
        json_object_set_new(j, "sent", json_integer(oc->sent));
        json_object_set_new(j, "failed", json_integer(oc->failed));
        json_object_set_new(j, "pending", json_integer(pending));
        json_object_set_new(j, "queued", json_integer(oc->queued));
        json_object_set_new(j, "retry_later", json_integer(oc->failed_retry));
        json_object_set_new(j, "unknown", json_integer(oc->sending));
        json_object_set_new(j, "written", json_integer(oc->written));
        json_object_set_new(j, "cancelled", json_integer(oc->cancelled));
        json_object_set_new(j, "superseded", json_integer(oc->superseded));
        kt_json_print(j);
        return;
    }
    printf("%s\n", title);
#define ROW(label, v, note) do { i18n_format_int(I18N_EN, (v), n1, sizeof n1); \
        printf("  %-40s %9s%s%s\n", label, n1, (note) ? "  " : "", (note) ? (note) : ""); } while (0)
    ROW("people exposed (current scan)", ms->exposed, NULL);
    ROW("with an e-mail address", ms->reachable, NULL);
    ROW("unreachable (no e-mail address)", ms->unreachable,
        ms->unreachable ? "never dropped: tell them by a public communication (Art. 34(3)(c))" : NULL);
    if (ms->created) ROW("notices made in this run", ms->created, NULL);
    ROW("sent", oc->sent, NULL);
    ROW("failed", oc->failed, oc->failed ? "refused by the server or out of attempts: see --status" : NULL);
    ROW("pending", pending, NULL);
    if (pending) {
        char t[160];
        snprintf(t, sizeof t, "queued %lld, retry later %lld, unknown %lld", (long long)oc->queued,
                 (long long)oc->failed_retry, (long long)oc->sending);
        printf("  %-40s %9s  %s\n", "", "", t);
    }
    if (oc->written) ROW("written to files (not sent by klartext)", oc->written, NULL);
    if (oc->cancelled) ROW("cancelled", oc->cancelled, "'--requeue' puts them back");
#undef ROW
}

static int summary_counts(struct nctx *c, int max_attempts, struct make_stats *ms, struct outbox_counts *oc)
{
    int rc;
    if ((rc = outbox_count(c->r, c->inc.id, max_attempts, oc))) return kt_error(rc, "%s", reg_err(c->r));
    if (!ms->exposed) {
        for (size_t i = 0; i < c->nex; i++) {
            ms->exposed++;
            if (reachable(contact_of(c, c->ex[i].subject))) ms->reachable++; else ms->unreachable++;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- credentials */

struct creds {
    char *user, *password;     /* sodium_malloc'd */
};

static void creds_free(struct creds *cr)
{
    if (cr->user) { sodium_memzero(cr->user, strlen(cr->user)); sodium_free(cr->user); }
    if (cr->password) { sodium_memzero(cr->password, strlen(cr->password)); sodium_free(cr->password); }
    cr->user = cr->password = NULL;
}

static char *secure_dup(const char *s, size_t n)
{
    if (sodium_init() < 0) return NULL;
    char *p = sodium_malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* FILE: "user = NAME" and "password = SECRET" lines (# comments), mode 0600 or stricter */
static int creds_load(const char *path, struct creds *cr)
{
    /* O_NONBLOCK: a FIFO or device given by mistake must not block before the type check */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return kt_error(1, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { close(fd); return kt_error(2, "'%s' is not a regular file", path); }
    if (st.st_mode & 077) {
        close(fd);
        return kt_error(2, "'%s' is %s by others (mode %04o): it holds a password; run chmod 600 '%s'", path,
                        (st.st_mode & 044) ? "readable" : (st.st_mode & 022) ? "writable" : "accessible",
                        (unsigned)(st.st_mode & 07777), path);
    }
    if (st.st_size > 4096) { close(fd); return kt_error(2, "'%s' is larger than 4096 bytes", path); }
    char *b = sodium_init() < 0 ? NULL : sodium_malloc(4097);
    if (!b) { close(fd); return kt_error(1, "out of memory"); }
    ssize_t n = read(fd, b, 4096);
    close(fd);
    if (n < 0) { sodium_free(b); return kt_error(1, "cannot read '%s': %s", path, strerror(errno)); }
    b[n] = 0;
    int rc = 0, line = 0;
    for (char *p = b; *p && !rc;) {
        char *e = strchr(p, '\n');
        if (e) *e = 0;
        line++;
        char *q = p;
        while (*q == ' ' || *q == '\t') q++;
        if (*q && *q != '#' && *q != ';') {
            char *eq = strchr(q, '=');
            if (!eq) { rc = kt_error(2, "%s line %d: expected 'user = NAME' or 'password = SECRET'", path, line); break; }
            char *k = q, *ke = eq;
            while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
            char *v = eq + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = strlen(v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r')) vl--;
            size_t kl = (size_t)(ke - k);
            if (kl == 4 && !memcmp(k, "user", 4)) { if (cr->user) sodium_free(cr->user); cr->user = secure_dup(v, vl); }
            else if (kl == 8 && !memcmp(k, "password", 8)) { if (cr->password) sodium_free(cr->password); cr->password = secure_dup(v, vl); }
            else rc = kt_error(2, "%s line %d: unknown key '%.*s' (use user and password)", path, line, (int)kl, k);
        }
        if (!e) break;
        p = e + 1;
    }
    sodium_memzero(b, 4097);
    sodium_free(b);
    if (!rc && (!cr->user || !cr->password)) rc = kt_error(2, "%s: needs both 'user' and 'password'", path);
    if (rc) creds_free(cr);
    return rc;
}

static int creds_env(struct creds *cr)
{
    char *u = getenv("KLARTEXT_SMTP_USER"), *p = getenv("KLARTEXT_SMTP_PASSWORD");
    if (!u && !p) return 0;
    if (!u || !p || !*u) return kt_error(2, "set both KLARTEXT_SMTP_USER and KLARTEXT_SMTP_PASSWORD, or neither");
    cr->user = secure_dup(u, strlen(u));
    cr->password = secure_dup(p, strlen(p));
    sodium_memzero(p, strlen(p));   /* wipe the copy in the environment */
    unsetenv("KLARTEXT_SMTP_PASSWORD");
    if (!cr->user || !cr->password) { creds_free(cr); return kt_error(1, "out of memory"); }
    return 0;
}

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
    if (errno || *end || end == s || v < lo || v > hi) return kt_error(2, "--%s '%s': expected a number from %ld to %ld", name, s, lo, hi);
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- sending */

struct send_opts {
    struct smtp_conf sc;
    double rate;
    long max_attempts, limit;
    int resend_unknown;
};

static int64_t backoff(int64_t attempts)
{
    int64_t d = 300;
    for (int64_t i = 1; i < attempts && d < 6 * 3600; i++) d *= 2;
    return d > 6 * 3600 ? 6 * 3600 : d;
}

struct result {
    int res;
    struct smtp_reply rep;
};

/* a server reply with every e-mail address in it masked ("550 <k***@mail.example>: …"), so that
   neither the register's reply column nor --status shows an address */
static void mask_reply(char *text, size_t cap)
{
    static const char stop[] = " \t<>\"'(),;:[]";
    char out[SMTP_REPLY_MAX];
    size_t o = 0, n = strlen(text), i = 0;
    while (i < n && o + 1 < sizeof out) {
        size_t ts = i;
        while (i < n && !strchr(stop, text[i])) i++;
        const char *at = memchr(text + ts, '@', i - ts);
        if (at && at > text + ts && at + 1 < text + i) {
            char addr[SMTP_REPLY_MAX], m[SMTP_REPLY_MAX];
            snprintf(addr, sizeof addr, "%.*s", (int)(i - ts), text + ts);
            notice_mask_address(addr, m, sizeof m);
            o += (size_t)snprintf(out + o, sizeof out - o, "%s", m);
        } else o += (size_t)snprintf(out + o, sizeof out - o, "%.*s", (int)(i - ts), text + ts);
        if (o >= sizeof out) o = sizeof out - 1;
        if (i < n && o + 1 < sizeof out) out[o++] = text[i++];
        else if (i < n) i++;
    }
    out[o] = 0;
    snprintf(text, cap, "%s", out);
}

static int lock_register(struct nctx *c, int *fd)
{
    char *p = xasprintf("%s.notify-lock", c->ctx->db_path);
    *fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) { int e = errno; int rc = kt_error(1, "cannot open '%s': %s", p, strerror(e)); free(p); return rc; }
    if (flock(*fd, LOCK_EX | LOCK_NB)) {
        close(*fd);
        *fd = -1;
        int rc = kt_error(1, "another 'klartext notify' is working on this register ('%s' is locked)", p);
        free(p);
        return rc;
    }
    free(p);
    return 0;
}

static int send_all(struct nctx *c, struct send_opts *so, int64_t *n_sent, int64_t *n_failed, int64_t *n_unknown,
                    int *stopped)
{
    char err[400];
    int rc = 0;
    *stopped = 0;
    struct smtp *sm = smtp_open(&so->sc, err, sizeof err);
    if (!sm) return kt_error(2, "%s", err);
    struct outbox_counts oc;
    if ((rc = outbox_count(c->r, c->inc.id, (int)so->max_attempts, &oc))) { smtp_close(sm); return kt_error(rc, "%s", reg_err(c->r)); }
    int64_t total = oc.queued + oc.failed_retry;
    struct progress pr;
    progress_init(&pr, c->ctx, "sending", total);
    struct buf msg;
    buf_init(&msg, NOTICE_MSG_MAX * 2);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t attempted = 0;
    int conn_fail = 0;
    const char *from = reg_org_get(c->r, "notices.from");
    /* the `sending` marks must survive a power loss, not only a crash of this process: with
       SQLite's default (synchronous = NORMAL in WAL mode) the last commits may be undone, and
       the next run would send notices the server already has as if they were new. One fsync
       per batch of BATCH_SEND is nothing beside an SMTP round trip per notice. */
    if (!strcmp(db_backend(reg_db(c->r)), "sqlite")) db_exec(reg_db(c->r), "PRAGMA synchronous = FULL");
    for (;;) {
        size_t want = BATCH_SEND;
        if (so->limit && so->limit - attempted < (long)want) want = (size_t)(so->limit - attempted);
        if (!want) break;
        struct outbox_item *it = NULL;
        size_t n = 0;
        int64_t now = now_live(c);
        if ((rc = outbox_due(c->r, c->inc.id, now, (int)so->max_attempts, want, &it, &n))) { kt_error(rc, "%s", reg_err(c->r)); break; }
        if (!n) { outbox_items_free(it, n); break; }
        /* mark them `sending` and commit before any of them is handed to the server */
        if ((rc = reg_begin(c->r))) { outbox_items_free(it, n); kt_error(rc, "%s", reg_err(c->r)); break; }
        for (size_t i = 0; i < n && !rc; i++)
            rc = outbox_set_state(c->r, it[i].row, (int)it[i].state, OB_SENDING, now, 1, NULL, 0, 0);
        if (rc || (rc = reg_commit(c->r))) { kt_error(rc, "%s", reg_err(c->r)); reg_rollback(c->r); outbox_items_free(it, n); break; }
        struct result *res = xcalloc(n, sizeof *res);
        size_t done = 0;
        for (; done < n; done++) {
            if ((rc = outbox_message(c->r, it[done].row, &msg))) { kt_error(rc, "%s", reg_err(c->r)); break; }
            if (so->rate > 0) {
                double due = (double)attempted / so->rate, el = secs_since(&t0);
                if (due > el) {
                    double w = due - el;
                    struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
                    nanosleep(&ts, NULL);
                }
            }
            res[done].res = smtp_send(sm, from, it[done].rcpt, msg.p, msg.len, &res[done].rep);
            mask_reply(res[done].rep.text, sizeof res[done].rep.text);
            attempted++;
            if (res[done].res == SMTP_TRANSIENT && res[done].rep.code == 0) conn_fail++;
            else conn_fail = 0;
            progress_show(&pr, attempted, 0);
            if (conn_fail >= STOP_AFTER_CONN_FAILURES) { done++; *stopped = 1; break; }
        }
        /* record the results; rows not attempted go back to where they were */
        int64_t at = now_live(c);
        int rc2;
        if ((rc2 = reg_begin(c->r))) { kt_error(rc2, "%s", reg_err(c->r)); free(res); outbox_items_free(it, n); rc = rc2; break; }
        for (size_t i = 0; i < n && !rc2; i++) {
            if (i >= done) {
                rc2 = outbox_set_state(c->r, it[i].row, OB_SENDING, it[i].state == OB_FAILED ? OB_FAILED : OB_QUEUED, at, -1,
                                       "not attempted (the run stopped)", 0, 0);
                continue;
            }
            int64_t attempts = it[i].attempts + 1;
            switch (res[i].res) {
            case SMTP_OK:
                rc2 = outbox_set_state(c->r, it[i].row, OB_SENDING, OB_SENT, at, 0, res[i].rep.text, 0, 0);
                (*n_sent)++;
                break;
            case SMTP_PERMANENT:
                rc2 = outbox_set_state(c->r, it[i].row, OB_SENDING, OB_FAILED, at, 0, res[i].rep.text, 1, 0);
                (*n_failed)++;
                break;
            case SMTP_TRANSIENT:
                rc2 = outbox_set_state(c->r, it[i].row, OB_SENDING, OB_FAILED, at, 0, res[i].rep.text, 0,
                                       at + backoff(attempts));
                (*n_failed)++;
                break;
            default:   /* unknown: stays `sending`, held for an operator */
                rc2 = outbox_set_state(c->r, it[i].row, OB_SENDING, OB_SENDING, at, 0, res[i].rep.text, 0, 0);
                (*n_unknown)++;
                break;
            }
        }
        if (rc2 || (rc2 = reg_commit(c->r))) { kt_error(rc2, "%s", reg_err(c->r)); reg_rollback(c->r); rc = rc2; }
        free(res);
        outbox_items_free(it, n);
        if (rc || *stopped) break;
    }
    progress_show(&pr, attempted, 1);
    buf_release(&msg);
    smtp_close(sm);
    return rc;
}

/* ---------------------------------------------------------------- the modes */

static int find_person(struct nctx *c, const char *subject, const struct exposure_row **e, const struct subject_rec **s)
{
    *e = NULL;
    *s = NULL;
    for (size_t i = 0; i < c->nex; i++)
        if (!strcmp(c->ex[i].subject, subject)) *e = &c->ex[i];
    if (!*e) return kt_error(2, "'%s' was not exposed in the current scan of incident %s", subject, c->inc.ref);
    *s = contact_of(c, subject);
    if (!reachable(*s)) return kt_error(2, "no contact data for '%s' (no e-mail address in the subject directory)", subject);
    return 0;
}

static int mode_preview(struct nctx *c, const char *subject, int html)
{
    const struct exposure_row *e;
    const struct subject_rec *s;
    int rc;
    if ((rc = find_person(c, subject, &e, &s))) return rc;
    struct notice_person p;
    person_of(e, s, &p);
    char id[NOTICE_ID_MAX];
    snprintf(id, sizeof id, "%s-preview", c->inc.ref);
    struct notice_meta m = {.notice_id = id, .code = "XXXX-XXXX-XXXX-XXXX", .date = c->ctx->now, .preview = 1};
    struct notice_renderer *rr = notice_renderer_new(c->tm);
    struct notice_result res = {0};
    char err[400];
    if (!rr) return kt_error(1, "out of memory");
    if (notice_render(rr, &c->org, &c->ni, &p, &m, &res, err, sizeof err)) rc = kt_error(2, "%s", err);
    else if (html) fwrite(res.html, 1, res.html_len, stdout);
    else printf("Subject: %s\n\n%s", res.subject, res.text);
    notice_result_release(&res);
    notice_renderer_free(rr);
    return rc;
}

static int mode_test(struct nctx *c, const char *to, const char *subject, struct send_opts *so)
{
    const struct exposure_row *e = NULL;
    const struct subject_rec *s = NULL;
    int rc;
    if (subject) { if ((rc = find_person(c, subject, &e, &s))) return rc; }
    else
        for (size_t i = 0; i < c->nex && !e; i++)
            if (reachable(contact_of(c, c->ex[i].subject))) { e = &c->ex[i]; s = contact_of(c, e->subject); }
    if (!e) return kt_error(1, "incident %s has no exposed person with contact data to make a sample from", c->inc.ref);
    if (!subjects_email_ok(to)) return kt_error(2, "--test-to: not an e-mail address");
    struct notice_person p;
    person_of(e, s, &p);
    p.email = to;
    char id[NOTICE_ID_MAX], code[CODE_DISPLAY_SIZE], rnd[17];
    unsigned char rb[8];
    if (c->have_seed) memcpy(rb, c->seed, 8); else randombytes_buf(rb, sizeof rb);
    sodium_bin2hex(rnd, sizeof rnd, rb, sizeof rb);
    snprintf(id, sizeof id, "%s-test-%.8s", c->inc.ref, rnd);
    new_code(c, 0, code);
    struct notice_meta m = {.notice_id = id, .code = code, .date = now_live(c), .test = 1};
    struct notice_renderer *rr = notice_renderer_new(c->tm);
    struct notice_result res = {0};
    char err[400], masked[NOTICE_MASK_MAX];
    notice_mask_address(to, masked, sizeof masked);
    if (!rr) return kt_error(1, "out of memory");
    if (notice_render(rr, &c->org, &c->ni, &p, &m, &res, err, sizeof err) ||
        notice_package(c->key, &c->org, &c->ni, &p, &m, &res, err, sizeof err)) {
        mask_reply(err, sizeof err);
        rc = kt_error(1, "%s", err);
        goto out;
    }
    struct smtp *sm = smtp_open(&so->sc, err, sizeof err);
    if (!sm) { rc = kt_error(2, "%s", err); goto out; }
    struct smtp_reply rep;
    int r = smtp_send(sm, reg_org_get(c->r, "notices.from"), to, res.eml.p, res.eml.len, &rep);
    mask_reply(rep.text, sizeof rep.text);
    smtp_close(sm);
    if (r != SMTP_OK) { rc = kt_error(1, "the TEST notice to %s was not sent (%s): %s", masked, smtp_result_str(r), rep.text); goto out; }
    char text[300];
    snprintf(text, sizeof text, "TEST notice (sample made from one person's data) sent to %s", masked);
    if ((rc = reg_begin(c->r)) || (rc = reg_audit(c->r, c->inc.ref, "notify.test", "to", NULL, masked)) ||
        (rc = incident_event_add(c->r, &c->inc, reg_now(c->r), "communication", text, 0, NULL)) || (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        goto out;
    }
    printf("TEST notice sent to %s (server: %s). Its code is not valid; it is marked TEST in the subject and text.\n", masked,
           rep.text);
out:
    notice_result_release(&res);
    notice_renderer_free(rr);
    return rc;
}

static int mode_approve(struct nctx *c, const char *by)
{
    char *man = content_manifest(c), hex[65];
    sha_hex(man, hex);
    struct notice_approval a;
    int found, rc;
    if ((rc = outbox_approval_latest(c->r, &c->inc, &a, &found))) { free(man); return kt_error(rc, "%s", reg_err(c->r)); }
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
    if ((rc = reg_begin(c->r)) ||
        (rc = outbox_approve(c->r, &c->inc, by, hex, NOTICE_MODEL_VERSION, src, man, &seq)) || (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        free(man);
        return rc;
    }
    if (c->ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(c->inc.ref));
        json_object_set_new(j, "approval", json_integer(seq));
        json_object_set_new(j, "by", json_string(by));
        json_object_set_new(j, "sha256", json_string(hex));
        json_object_set_new(j, "model_version", json_integer(NOTICE_MODEL_VERSION));
        json_object_set_new(j, "templates", json_string(src));
        rc = kt_json_print(j);
    } else
        printf("Approved the notice content of incident %s as approval #%lld by %s.\n"
               "  SHA-256 %s over the data model (version %d), the %s templates, the signing key id,\n"
               "  and the incident's and organisation's texts. Changing any of them needs a new approval.\n",
               c->inc.ref, (long long)seq, by, hex, NOTICE_MODEL_VERSION, src);
    free(man);
    return rc;
}

static int record_run(struct nctx *c, const char *action, const char *text)
{
    int rc;
    if ((rc = reg_begin(c->r)) || (rc = reg_audit(c->r, c->inc.ref, action, NULL, NULL, text)) ||
        (rc = incident_event_add(c->r, &c->inc, reg_now(c->r), "communication", text, 0, NULL)) || (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
    }
    return rc;
}

static int mode_out(struct nctx *c, const char *dir, int nth, int64_t approval_id)
{
    struct stat st;
    if (stat(dir, &st)) {
        if (errno != ENOENT || mkdir(dir, 0700)) return kt_error(1, "cannot create '%s': %s", dir, strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) return kt_error(2, "--out '%s' is not a directory", dir);
    struct make_stats ms;
    int lfd = -1, rc;
    if ((rc = lock_register(c, &lfd))) return rc;
    rc = make_notices(c, approval_id, OB_WRITTEN, dir, nth, &ms);
    if (rc) { close(lfd); return rc; }
    /* notices made earlier: write them too (from the stored messages, byte for byte); queued and
       failed ones are now the organisation's to deliver */
    struct outbox_live *live = NULL;
    size_t nlive = 0;
    if ((rc = outbox_live_list(c->r, c->inc.id, &live, &nlive))) { close(lfd); return kt_error(rc, "%s", reg_err(c->r)); }
    struct buf msg;
    buf_init(&msg, NOTICE_MSG_MAX * 2);
    int64_t at = now_live(c), moved = 0, written = 0;
    (void)moved;
    if ((rc = reg_begin(c->r))) { kt_error(rc, "%s", reg_err(c->r)); goto out; }
    for (size_t i = 0; i < nlive && !rc; i++) {
        struct outbox_live *l = &live[i];
        if (l->state == OB_CANCELLED) continue;
        char nid[NOTICE_ID_MAX], path[4096];
        notice_make_id(c->inc.ref, l->seq, nid, sizeof nid);
        snprintf(path, sizeof path, "%s/%s.eml", dir, nid);
        written++;
        /* written already (in this run, or by an earlier --out into this directory) */
        if (l->state == OB_WRITTEN && (l->seq >= ms.first_seq || access(path, F_OK) == 0)) continue;
        if ((rc = outbox_message(c->r, l->row, &msg))) { kt_error(rc, "%s", reg_err(c->r)); break; }
        if ((rc = write_eml(dir, nid, msg.p, msg.len))) break;
        if (l->state == OB_QUEUED || l->state == OB_FAILED) {
            if ((rc = outbox_set_state(c->r, l->row, (int)l->state, OB_WRITTEN, at, 0, "written to a file with --out", 0, 0))) {
                kt_error(rc, "%s", reg_err(c->r));
                break;
            }
            moved++;
        }
    }
    if (!rc && (rc = reg_commit(c->r))) kt_error(rc, "%s", reg_err(c->r));
    if (rc) reg_rollback(c->r);
out:
    buf_release(&msg);
    outbox_live_free(live, nlive);
    close(lfd);
    if (rc) return rc;
    char text[300];
    snprintf(text, sizeof text, "Notices written to files: %lld (%lld made in this run); %lld people without an e-mail address",
             (long long)written, (long long)ms.created, (long long)ms.unreachable);
    if ((rc = record_run(c, "notify.out", text))) return rc;
    struct outbox_counts oc;
    if ((rc = summary_counts(c, 5, &ms, &oc))) return rc;
    char title[400];
    snprintf(title, sizeof title, "Notices of incident %s written to %s/ (one NOTICE-ID.eml each; the organisation delivers them):",
             c->inc.ref, dir);
    print_summary(c, &ms, &oc, title);
    if (!c->ctx->json && written) {
        char nid[NOTICE_ID_MAX];
        notice_make_id(c->inc.ref, 1, nid, sizeof nid);
        printf("\nOpen one in a mail program, e.g. %s/%s.eml; check its signature with\n"
               "  minisign -Vm notice.txt -p %s   (after saving the two attachments)\n"
               "or 'klartext verify %s/%s.eml'.\n", dir, nid, "klartext.pub", dir, nid);
    }
    return 0;
}

static int mode_status(struct nctx *c, int max_attempts)
{
    struct make_stats ms = {0};
    struct outbox_counts oc;
    int rc;
    if ((rc = summary_counts(c, max_attempts, &ms, &oc))) return rc;
    char title[200];
    snprintf(title, sizeof title, "Notices of incident %s:", c->inc.ref);
    print_summary(c, &ms, &oc, title);
    if (c->ctx->json) return 0;
    /* failed and unknown ones, with the server's reply (addresses masked) */
    db_stmt *s = db_prepare(reg_db(c->r),
        "SELECT n.notice_id, n.rcpt_masked, o.state, o.attempts, o.permanent, coalesce(o.reply, '') FROM outbox o "
        "JOIN notice n ON n.id = o.notice WHERE o.incident_id = ? AND o.state IN ('failed', 'sending') ORDER BY n.seq LIMIT 200");
    if (!s || db_bind_int(s, 1, c->inc.id)) return kt_error(reg_dberr(c->r), "%s", reg_err(c->r));
    int first = 1;
    while ((rc = db_step(s)) == DB_ROW) {
        if (first) { printf("\n%-18s %-28s %-9s %s\n", "NOTICE", "TO", "STATE", "LAST REPLY"); first = 0; }
        const char *st = db_col_text(s, 2);
        printf("%-18s %-28s %-9s %s\n", db_col_text(s, 0), db_col_text(s, 1),
               !strcmp(st, "sending") ? "unknown" : db_col_int(s, 4) ? "refused" : "retry", db_col_text(s, 5));
    }
    db_reset(s);
    return rc == DB_ERR ? kt_error(reg_dberr(c->r), "%s", reg_err(c->r)) : 0;
}

static int mode_bulk(struct nctx *c, const char *what, const char *resolve)
{
    int64_t n = 0, at = now_live(c);
    int rc, lfd = -1;
    if ((rc = lock_register(c, &lfd))) return rc;
    if ((rc = reg_begin(c->r))) { kt_error(rc, "%s", reg_err(c->r)); close(lfd); return rc; }
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
                            sent ? "resolved as sent by the operator" : "queued again by the operator (resent with the same Message-ID)", &n);
        action = "notify.resolve";
        snprintf(text, sizeof text, "Notices of unknown delivery resolved as %s: %lld", sent ? "sent" : "to be resent", (long long)n);
    }
    if (rc || (rc = reg_audit(c->r, c->inc.ref, action, NULL, NULL, text)) ||
        (n && (rc = incident_event_add(c->r, &c->inc, reg_now(c->r), "communication", text, 0, NULL))) ||
        (rc = reg_commit(c->r))) {
        kt_error(rc, "%s", reg_err(c->r));
        reg_rollback(c->r);
        close(lfd);
        return rc;
    }
    close(lfd);
    printf("%s.\n", text);
    return 0;
}

static int mode_smtp(struct nctx *c, struct send_opts *so, int nth, int64_t approval_id)
{
    int lfd = -1, rc;
    if ((rc = lock_register(c, &lfd))) return rc;
    struct make_stats ms;
    if ((rc = make_notices(c, approval_id, OB_QUEUED, NULL, nth, &ms))) { close(lfd); return rc; }
    struct outbox_counts oc;
    if ((rc = outbox_count(c->r, c->inc.id, (int)so->max_attempts, &oc))) { close(lfd); return kt_error(rc, "%s", reg_err(c->r)); }
    if (oc.sending) {
        if (so->resend_unknown) {
            int64_t n = 0;
            if ((rc = reg_begin(c->r)) ||
                (rc = outbox_resolve(c->r, c->inc.id, now_live(c), 0, "resent with the same Message-ID (--resend-unknown)", &n)) ||
                (rc = reg_commit(c->r))) {
                kt_error(rc, "%s", reg_err(c->r));
                reg_rollback(c->r);
                close(lfd);
                return rc;
            }
            kt_note("klartext: resending %lld notice%s whose delivery was unknown, with the same Message-ID", (long long)n,
                    n == 1 ? "" : "s");
        } else
            kt_warn("%lld notice%s %s being sent when an earlier run stopped: %s may or may not have arrived, so %s held. "
                    "Resend %s with the same Message-ID (--resend-unknown or --resolve resend), or mark %s sent "
                    "(--resolve sent) after checking the relay's log",
                    (long long)oc.sending, oc.sending == 1 ? "" : "s", oc.sending == 1 ? "was" : "were",
                    oc.sending == 1 ? "it" : "they", oc.sending == 1 ? "it is" : "they are", oc.sending == 1 ? "it" : "them",
                    oc.sending == 1 ? "it" : "them");
    }
    int64_t sent = 0, failed = 0, unknown = 0;
    int stopped = 0;
    rc = send_all(c, so, &sent, &failed, &unknown, &stopped);
    char text[400];
    snprintf(text, sizeof text, "Notices sent in this run: %lld; failed: %lld; unknown: %lld%s", (long long)sent,
             (long long)failed, (long long)unknown, stopped ? " (stopped: the server could not be reached)" : "");
    int rc2 = record_run(c, "notify.send", text);
    close(lfd);
    if (rc) return rc;
    if (rc2) return rc2;
    struct make_stats ms2 = ms;
    if ((rc = summary_counts(c, (int)so->max_attempts, &ms2, &oc))) return rc;
    char title[300];
    snprintf(title, sizeof title, "Notices of incident %s (this run: %lld sent, %lld failed, %lld unknown):", c->inc.ref,
             (long long)sent, (long long)failed, (long long)unknown);
    print_summary(c, &ms2, &oc, title);
    if (stopped) return kt_error(1, "stopped after %d failed connections to the mail server; run again later", STOP_AFTER_CONN_FAILURES);
    if (oc.sending && !c->ctx->json)
        printf("\n%lld notice%s of unknown delivery %s held: see 'klartext notify %s --status'.\n", (long long)oc.sending,
               oc.sending == 1 ? "" : "s", oc.sending == 1 ? "is" : "are", c->inc.ref);
    if (oc.failed_retry && !c->ctx->json) {
        char t[64];
        kt_fmt_time(c->ctx, c->r, oc.next_retry, t, sizeof t);
        printf("\n%lld notice%s will be tried again: run the same command from %s.\n", (long long)oc.failed_retry,
               oc.failed_retry == 1 ? "" : "s", t);
    }
    return failed || unknown || oc.sending ? 1 : 0;
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
    "--requeue queues cancelled notices again.\n"
    "\n"
    "SMTP credentials come from --smtp-credentials FILE (mode 0600; lines 'user = NAME', 'password = SECRET') or\n"
    "KLARTEXT_SMTP_USER / KLARTEXT_SMTP_PASSWORD, never from the command line.\n"
    "Templates (--templates DIR): notice.{de,en}.{subject,txt,html}.mustache; --placeholders lists the data model.\n"
    "See docs/notify.md and docs/templates.md.";

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
        {"smtp", "URL", "send through this relay: smtp://HOST[:PORT] or smtps://HOST[:PORT]"},
        {"require-tls", NULL, "with smtp://: refuse to send without STARTTLS"},
        {"smtp-ca", "FILE", "trust these CA certificates (PEM) for the relay"},
        {"smtp-credentials", "FILE", "user and password for the relay (file mode 0600)"},
        {"rate", "N/s", "send at most N notices per second (also N/min)"},
        {"max-attempts", "N", "attempts per notice on temporary failures (default 5)"},
        {"limit", "N", "send at most N notices in this run"},
        {"resend-unknown", NULL, "resend notices whose delivery is unknown after a crash, with the same Message-ID"},
        {"resolve", "sent|resend", "resolve notices of unknown delivery: mark them sent, or queue them again"},
        {"cancel", NULL, "cancel the notices that are still queued or waiting for a retry"},
        {"requeue", NULL, "queue cancelled notices again"},
        {"status", NULL, "show the outbox: sent, failed, pending, unreachable"},
        {"voluntary", NULL, "send a voluntary notice (decision subjects=no, assessment recommends one)"},
        {"templates", "DIR", "use the templates in DIR instead of the built-in ones"},
        {"threads", "N", "threads that render and sign (default: the number of CPUs)"},
        {"placeholders", NULL, "list the placeholders of the notice templates and exit"},
        {0},
    };
    char *pos[1];
    int npos, rc = opt_parse(usage, description, o, argc, argv, pos, 1, &npos);
    if (rc) { opt_free(o); return rc; }
    struct opt *preview = opt_get(o, "preview"), *test_to = opt_get(o, "test-to"), *approve = opt_get(o, "approve"),
               *out = opt_get(o, "out"), *smtp = opt_get(o, "smtp"), *cancel = opt_get(o, "cancel"),
               *requeue = opt_get(o, "requeue"), *resolve = opt_get(o, "resolve"), *status = opt_get(o, "status");
    if (opt_get(o, "placeholders")->given) {
        for (int i = 0; notice_placeholders[i]; i++) printf("%-28s %s\n", notice_placeholders[i], notice_placeholder_help[i]);
        opt_free(o);
        return 0;
    }
    struct nctx c = {.ctx = ctx, .decision_people = -1};
    struct send_opts so = {.max_attempts = OUTBOX_MAX_ATTEMPTS};
    struct creds cr = {0};
    long nth = 0;
    int modes = preview->given + test_to->given + approve->given + out->given + (smtp->given && !test_to->given) +
                cancel->given + requeue->given + resolve->given + status->given;
    rc = 2;
    if (npos != 1) { kt_error(2, "notify needs the incident's ID"); usage_line(usage); goto done; }
    if (modes != 1) {
        kt_error(2, modes ? "choose one of --preview, --test-to, --approve, --out, --smtp, --status, --cancel, --requeue, --resolve"
                          : "what should notify do? give --preview, --test-to, --approve, --out, --smtp or --status");
        usage_line(usage);
        goto done;
    }
    if (opt_get(o, "html")->given && !preview->given) { kt_error(2, "--html goes with --preview"); goto done; }
    if (approve->given && !opt_get(o, "by")->given) { kt_error(2, "--approve needs --by NAME (who approves)"); goto done; }
    if (opt_get(o, "by")->given && !*opt_get(o, "by")->value) { kt_error(2, "--by needs a name"); goto done; }
    if (test_to->given && !smtp->given) { kt_error(2, "--test-to needs --smtp URL"); goto done; }
    if (opt_get(o, "subject")->given && !test_to->given) { kt_error(2, "--subject goes with --test-to"); goto done; }
    if (resolve->given && strcmp(resolve->value, "sent") && strcmp(resolve->value, "resend")) {
        kt_error(2, "--resolve '%s': use sent or resend", resolve->value);
        goto done;
    }
    if (opt_get(o, "rate")->given && parse_rate(opt_get(o, "rate")->value, &so.rate)) {
        kt_error(2, "--rate '%s': expected N/s or N/min, e.g. 20/s", opt_get(o, "rate")->value);
        goto done;
    }
    if (opt_get(o, "max-attempts")->given && parse_pos("max-attempts", opt_get(o, "max-attempts")->value, 1, 100, &so.max_attempts)) goto done;
    if (opt_get(o, "limit")->given && parse_pos("limit", opt_get(o, "limit")->value, 1, 1000000000, &so.limit)) goto done;
    if (opt_get(o, "threads")->given && parse_pos("threads", opt_get(o, "threads")->value, 1, MAX_THREADS, &nth)) goto done;
    if (!nth) { long cpus = sysconf(_SC_NPROCESSORS_ONLN); nth = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : cpus; }
    so.resend_unknown = opt_get(o, "resend-unknown")->given;
    if (smtp->given) {
        so.sc.url = smtp->value;
        so.sc.require_tls = opt_get(o, "require-tls")->given;
        so.sc.ca_file = opt_get(o, "smtp-ca")->value;
        if (opt_get(o, "smtp-credentials")->given) { if ((rc = creds_load(opt_get(o, "smtp-credentials")->value, &cr))) goto done; }
        else if ((rc = creds_env(&cr))) goto done;
        rc = 2;
        if (cr.user && !so.sc.require_tls && strncasecmp(smtp->value, "smtps://", 8)) {
            kt_error(2, "refusing to send the SMTP password over a connection that may be unencrypted: add --require-tls "
                        "(STARTTLS) or use smtps://");
            goto done;
        }
        so.sc.user = cr.user;
        so.sc.password = cr.password;
        char err[300];
        struct smtp *probe = smtp_open(&so.sc, err, sizeof err);   /* validates the URL before anything else */
        if (!probe) { kt_error(2, "%s", err); goto done; }
        smtp_close(probe);
    } else if (opt_get(o, "require-tls")->given || opt_get(o, "smtp-credentials")->given || opt_get(o, "rate")->given ||
               opt_get(o, "resend-unknown")->given || opt_get(o, "limit")->given || opt_get(o, "smtp-ca")->given) {
        kt_error(2, "--require-tls, --smtp-ca, --smtp-credentials, --rate, --limit and --resend-unknown go with --smtp");
        goto done;
    }
    c.opt_templates = opt_get(o, "templates")->value ? xstrdup(opt_get(o, "templates")->value) : NULL;

    int readonly = preview->given || status->given;
    if ((rc = kt_open(ctx, readonly ? REG_OPEN_READONLY : 0, &c.r))) goto done;
    if ((rc = incident_load(c.r, pos[0], &c.inc))) { kt_error(rc, "%s", reg_err(c.r)); goto done; }
    c.inc_loaded = 1;

    if (cancel->given || requeue->given || resolve->given) {
        rc = mode_bulk(&c, cancel->given ? "cancel" : requeue->given ? "requeue" : "resolve", resolve->value);
        goto done;
    }
    if ((rc = load_people(&c))) goto done;
    if (status->given) { rc = mode_status(&c, (int)so.max_attempts); goto done; }

    char err[600];
    c.tm = notice_templates_load(c.opt_templates, err, sizeof err);
    if (!c.tm) { rc = kt_error(2, "%s", err); goto done; }
    int sending = out->given || (smtp->given && !test_to->given);
    if ((rc = check_decision(&c, opt_get(o, "voluntary")->given, sending))) goto done;
    if (preview->given) {
        if ((rc = load_keyid(&c))) goto done;
        fill_org(&c);
        check_placeholders(&c, 0);
        rc = mode_preview(&c, preview->value, opt_get(o, "html")->given);
        goto done;
    }
    if ((rc = check_placeholders(&c, 1))) goto done;
    if (approve->given) {
        if ((rc = load_keyid(&c))) goto done;
        fill_org(&c);
        rc = mode_approve(&c, opt_get(o, "by")->value);
        goto done;
    }
    if ((rc = load_key(&c))) goto done;
    fill_org(&c);
    if (test_to->given) { rc = mode_test(&c, test_to->value, opt_get(o, "subject")->value, &so); goto done; }
    int64_t approval_id = 0;
    if ((rc = check_approval(&c, &approval_id))) goto done;
    if (out->given) rc = mode_out(&c, out->value, (int)nth, approval_id);
    else rc = mode_smtp(&c, &so, (int)nth, approval_id);
done:
    creds_free(&cr);
    nctx_release(&c);
    free(c.opt_templates);
    opt_free(o);
    i18n_zone_cache_clear();
    return rc;
}
