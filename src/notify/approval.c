/* approval.c — what an approval of the notice content covers (notify.h). */
#include "notify/notify.h"
#include "util/buf.h"
#include "util/ktime.h"
#include "util/sha256.h"
#include <stdio.h>
#include <string.h>

const char *const notify_org_keys[] = {
    "organisation.name",
    "organisation.address",
    "organisation.languages",
    "dpo.name",
    "dpo.email",
    "dpo.phone",
    "service.phone",
    "service.hours",
    "notices.from",
    "notices.reply_to",
    "authority.lead",
    "portal.url",
    NULL,
};

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

char *notify_manifest(reg *r, const struct incident *inc, const struct notice_templates *tm,
                      const struct notice_org *org, const struct notice_incident *ni)
{
    struct buf b;
    buf_init(&b, 1 << 22);
    buf_addf(&b, "klartext notice content\nmodel=%d\n", NOTICE_MODEL_VERSION);
    buf_adds(&b, notice_templates_manifest(tm));
    man_line(&b, "key_id", org->key_id);
    for (int i = 0; notify_org_keys[i]; i++) man_line(&b, notify_org_keys[i], reg_org_get(r, notify_org_keys[i]));
    man_line(&b, "incident.lead_authority", inc->v[IF_LEAD_AUTHORITY]);
    /* the register's free texts only when a template shows them (the built-in ones do not): the
       incident record may evolve for the authority while notices are being sent */
    const char *const ft[][2] = {
        {"incident.title", ni->title},
        {"incident.description", ni->description},
        {"incident.consequences", ni->consequences},
        {"incident.measures_taken", ni->measures_taken},
        {"incident.measures_proposed", ni->measures_proposed},
    };
    for (size_t i = 0; i < sizeof ft / sizeof ft[0]; i++)
        if (notice_templates_use(tm, ft[i][0])) man_line(&b, ft[i][0], ft[i][1]);
    man_line(&b, "incident.cause", ni->cause);
    man_line(&b, "incident.data_not_affected", ni->data_not_affected);
    man_time(&b, "incident.occurred_from", ni->occurred_from);
    man_time(&b, "incident.occurred_until", ni->occurred_until);
    man_time(&b, "incident.contained_at", ni->contained_at);
    man_time(&b, "incident.notified_at", ni->notified_at);
    man_line(&b, "voluntary", ni->voluntary ? "yes" : "no");
    /* the scan the notices state: a new scan means follow-ups and new people, approved again */
    struct scan_info si;
    char v[32] = "";
    if (!scans_get(r, inc, 0, &si)) snprintf(v, sizeof v, "%lld", (long long)si.version);
    man_line(&b, "scan", v);
    return buf_detach(&b);
}

void notify_manifest_sha(const char *manifest, char hex[65])
{
    uint8_t d[32];
    sha256_hash(manifest, strlen(manifest), d);
    sha256_to_hex(d, hex);
}

/* is line P (N bytes) one of the lines of M? */
static int has_line(const char *m, const char *p, size_t n)
{
    for (const char *q = m; *q;) {
        const char *qe = strchr(q, '\n');
        size_t qn = qe ? (size_t)(qe - q) : strlen(q);
        if (qn == n && !memcmp(p, q, n)) return 1;
        q += qn + (qe ? 1 : 0);
    }
    return 0;
}

char *notify_manifest_diff(const char *a, const char *b)
{
    struct buf o;
    buf_init(&o, 1 << 16);
    const char *ms[2] = {a, b};
    for (int pass = 0; pass < 2; pass++) {
        const char *p = ms[pass], *other = ms[1 - pass];
        while (*p) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (!has_line(other, p, n)) {
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
