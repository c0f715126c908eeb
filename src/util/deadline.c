/* deadline.c — the regime table and the notification clocks (see deadline.h). */
#include "util/deadline.h"
#include "util/err.h"
#include "util/ktime.h"
#include <stdlib.h>
#include <string.h>

static const struct regime regimes[] = {
    {"gdpr", "GDPR, Art. 33", "DSGVO, Art. 33",
     "Regulation (EU) 2016/679 (GDPR), Art. 33(1), applicable since 25 May 2018", REGIME_RISK, 72, 1,
     "the competent supervisory authority's notification form", "das Meldeformular der zuständigen Aufsichtsbehörde",
     1527206400 /* 2018-05-25T00:00:00Z */, 1},
    {"omnibus-2025-837", "Digital Omnibus proposal (not in force)", "Vorschlag „Digital-Omnibus“ (nicht in Kraft)",
     "Commission proposal COM(2025) 837 final of 19 November 2025, procedure 2025/0360(COD), amending Art. 33 "
     "GDPR; not adopted, no date of application",
     REGIME_HIGH_RISK, 96, 1, "the common template at the single entry point run by ENISA (proposed)",
     "die gemeinsame Vorlage an der zentralen Meldestelle der ENISA (vorgeschlagen)", 0, 0},
};

const struct regime *regime_table(size_t *n)
{
    *n = sizeof regimes / sizeof regimes[0];
    return regimes;
}

const struct regime *regime_find(const char *id)
{
    for (size_t i = 0; id && i < sizeof regimes / sizeof regimes[0]; i++)
        if (!strcmp(regimes[i].id, id)) return &regimes[i];
    return NULL;
}

const struct regime *regime_in_force(int64_t aware_at)
{
    const struct regime *best = &regimes[0];
    for (size_t i = 0; i < sizeof regimes / sizeof regimes[0]; i++) {
        const struct regime *g = &regimes[i];
        if (g->in_force && g->applies_from && g->applies_from <= aware_at && g->applies_from >= best->applies_from)
            best = g;
    }
    return best;
}

const struct regime *regime_select(int64_t aware_at, const char *override, char *err, size_t errlen)
{
    if (!override || !*override) return regime_in_force(aware_at);
    const struct regime *g = regime_find(override);
    if (!g) {
        err_set(err, errlen, "unknown regime '%.60s' in KLARTEXT_REGIME (known: gdpr, omnibus-2025-837)", override);
        return NULL;
    }
    return g;
}

const char *regime_override(void)
{
    const char *e = getenv("KLARTEXT_REGIME");
    return e && *e ? e : NULL;
}

const struct regime *regime_for(int64_t aware_at)
{
    const struct regime *g = regime_select(aware_at, regime_override(), NULL, 0);
    return g ? g : regime_in_force(aware_at);
}

static int64_t next_full_hour(int64_t t)
{
    int64_t h = t / 3600;
    if (t < 0 && t % 3600) h--;
    return (h + 1) * 3600;
}

void deadlines_compute(int64_t aware_at, int hours, int64_t nis2_notified_at, struct deadlines *out)
{
    out->authority = aware_at + (int64_t)hours * 3600;
    out->fristen_start = next_full_hour(aware_at);
    out->fristen_end = out->fristen_start + (int64_t)hours * 3600;
    out->nis2_warning = aware_at + DL_NIS2_WARNING_HOURS * 3600;
    out->nis2_notification = aware_at + DL_NIS2_NOTIFY_HOURS * 3600;
    out->nis2_final = nis2_notified_at ? kt_add_months(nis2_notified_at, 1) : 0;
}
