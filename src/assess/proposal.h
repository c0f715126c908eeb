/* proposal.h — what klartext proposes to do about a breach (libc and util/deadline.h only).
 *
 * From the ENISA severity (assess/enisa.h) and the other factors of EDPB Guidelines 9/2022
 * and 01/2021 (number of people, vulnerable people, special categories, identifiers that
 * enable fraud, credentials, who received the data, permanence, how long data was unavailable
 * and whether a backup existed, Art. 34(3) exemptions, whether contact data is known),
 * klartext proposes:
 *   - notify the supervisory authority or not (Art. 33(1): "likely to result in a risk"; the
 *     threshold and the deadline come from the regime, util/deadline.h),
 *   - tell the people: no, yes, or by public communication (Art. 34(1), 34(3)(c)),
 *   - a voluntary notice where the law does not require one but the data invites harm,
 * each with reasons in plain English and German that cite what they rest on. Every rule has a
 * source (proposal_rule_source): the law, a guideline paragraph or case (read verbatim, or
 * known only from a secondary summary), or klartext's own convention where guidance is silent.
 * A named person decides; proposal_check compares that decision with the proposal.
 *
 * The rules, in order (docs/assessment.md explains each and the EDPB cases behind it):
 *   1. severity: SE ≥ risk threshold → risk; SE ≥ high-risk threshold → high risk.
 *   2. guideline exceptions that set "no risk" whatever the score:
 *      no effect (C, I, A all none), unintelligible (confidentiality only),
 *      trusted recipient (confidentiality known only).
 *   3. raises (only if 2 did not apply; "touched" = disclosed, altered, lost for good, or
 *      unavailable for long or without a backup), each raising, never lowering:
 *      special categories → high risk (minor: at least risk); permanent loss, no backup, a long
 *      outage, a recipient outside the controller's control, identifiers that enable fraud,
 *      usable credentials → at least risk (fraud identifiers and credentials out of control:
 *      high risk); subjects ≥ many_subjects → at least risk, ≥ very_many_subjects and out of
 *      control → high risk; vulnerable people → one level up (last).
 *   4. authority = level ≥ the regime's threshold; people = level is high risk, unless
 *      Art. 34(3)(b) applies (→ no) or 34(3)(c) (→ public); contacts unknown → also public.
 *   5. voluntary notice: people not required, confidentiality unknown, EI maximum, data not
 *      unintelligible and no rule of 2 applied. */
#ifndef KT_PROPOSAL_H
#define KT_PROPOSAL_H
#include <stddef.h>
#include "assess/enisa.h"
#include "util/deadline.h"

enum proposal_level { PROPOSAL_NO_RISK = 0, PROPOSAL_RISK = 1, PROPOSAL_HIGH_RISK = 2 };

enum proposal_people {
    PROPOSAL_PEOPLE_NO = 0, /* no communication to the people */
    PROPOSAL_PEOPLE_YES = 1, /* a dedicated message to each person (Art. 34(1)) */
    PROPOSAL_PEOPLE_PUBLIC = 2 /* public communication instead (Art. 34(3)(c)) */
};

enum proposal_rule {
    PROPOSAL_R_SEVERITY, /* ENISA score against the thresholds */
    PROPOSAL_R_NO_EFFECT, /* nothing disclosed or altered, recovered without difficulty */
    PROPOSAL_R_UNINTELLIGIBLE, /* Art. 34(3)(a) on a confidentiality-only breach */
    PROPOSAL_R_UNINTELLIGIBLE_PARTIAL, /* unintelligible, but integrity/availability hit */
    PROPOSAL_R_TRUSTED, /* known trusted recipient */
    PROPOSAL_R_SPECIAL, /* Art. 9/10 data → high risk */
    PROPOSAL_R_VULNERABLE, /* vulnerable people → one level up */
    PROPOSAL_R_PERMANENT, /* permanent loss → at least risk */
    PROPOSAL_R_MANY, /* many people → at least risk */
    PROPOSAL_R_UNKNOWN_COUNT, /* note: number of people unknown */
    PROPOSAL_R_AUTHORITY, /* conclusion on Art. 33 */
    PROPOSAL_R_PEOPLE, /* conclusion on Art. 34 */
    PROPOSAL_R_NO_LONGER_LIKELY, /* Art. 34(3)(b) */
    PROPOSAL_R_DISPROPORTIONATE, /* Art. 34(3)(c) */
    PROPOSAL_R_UNREACHABLE, /* contacts not known for all → public communication too */
    PROPOSAL_R_VOLUNTARY, /* voluntary notice recommended */
    /* issue 24 (appended: stored rule names and their order stay as they were) */
    PROPOSAL_R_SPECIAL_MINOR, /* a minor Art. 9 item → at least risk */
    PROPOSAL_R_NO_BACKUP, /* data unavailable without a backup → at least risk */
    PROPOSAL_R_LONG_OUTAGE, /* unavailable for long → at least risk */
    PROPOSAL_R_RECIPIENT, /* a recipient outside the controller's control → at least risk */
    PROPOSAL_R_FRAUD_IDS, /* identifiers that enable fraud → at least risk (out of control: high) */
    PROPOSAL_R_CREDENTIALS, /* usable credentials → at least risk (out of control: high) */
    PROPOSAL_R_VERY_MANY, /* a very large number out of control → high risk */
    PROPOSAL_R_PARTLY_UNINTELLIGIBLE, /* only part of the data unintelligible: no exemption */
    PROPOSAL_R_COUNT
};

/* Where a rule comes from. basis: "law" (the GDPR's text), "guideline" (an EDPB paragraph or
 * case read in the primary text), "guideline, secondary" (known only from a summary by a third
 * party, not read in the primary text), "klartext" (klartext's own convention: the guidance is
 * silent). cite: what it rests on, e.g. "EDPB Guidelines 9/2022, para. 102 (section IV.A)". */
struct proposal_source {
    const char *basis;
    const char *cite;
};

/* Thresholds and switches. Start from proposal_config_default and change what the
 * jurisdiction profile says. */
struct proposal_config {
    int risk_se_q; /* 4·SE at or above which there is a risk (default 8: SE 2.0) */
    int high_risk_se_q; /* 4·SE at or above which there is a high risk (default 12: 3.0) */
    long long many_subjects; /* this many people or more is a large number (default 1000) */
    int special_raises; /* rule SPECIAL on (default 1) */
    int vulnerable_raises; /* rule VULNERABLE on (default 1) */
    int permanent_raises; /* rule PERMANENT on (default 1) */
    int many_raises; /* rule MANY on (default 1) */
    int voluntary_notice; /* rule VOLUNTARY on (default 1) */
    long long very_many_subjects; /* this many people out of control is a high risk (default 100000) */
    int very_many_raises; /* rule VERY_MANY on (default 1) */
    long long long_outage_minutes; /* unavailable this long is at least a risk (default 24 hours) */
    int outage_raises; /* rules LONG_OUTAGE and NO_BACKUP on (default 1) */
    int identifiers_raise; /* rules FRAUD_IDS and CREDENTIALS on (default 1) */
    const struct regime *regime; /* the law applied (util/deadline.h); NULL = today's GDPR */
};

#define PROPOSAL_MAX_REASONS 24
#define PROPOSAL_REASON_MAX 600

struct proposal_reason {
    enum proposal_rule rule;
    char en[PROPOSAL_REASON_MAX]; /* one sentence (or two), citing the article */
    char de[PROPOSAL_REASON_MAX];
};

struct proposal {
    struct enisa_result severity;
    enum proposal_level enisa_level; /* the level from the score alone (rule 1) */
    enum proposal_level level; /* after rules 2 and 3 */
    int notify_authority; /* 0/1 */
    enum proposal_people people; /* the legal duty under Art. 34 */
    int also_public; /* 1: public communication for people without contact data */
    int voluntary; /* 1: people = NO but a voluntary notice is recommended */
    size_t nreasons;
    struct proposal_reason reasons[PROPOSAL_MAX_REASONS]; /* in rule order */
};

/* A person's decision. reason: why it differs from the proposal (NULL or "" = none). */
struct proposal_decision {
    int notify_authority;
    enum proposal_people people;
    const char *reason;
};

/* Fills *cfg with the defaults listed in struct proposal_config. */
void proposal_config_default(struct proposal_config *cfg);

/* Sets one configuration key from text, for a jurisdiction profile:
 *   risk_threshold, high_risk_threshold   SE as "2", "2.0", "2.25" (0.25 steps, 0.25..6)
 *   many_subjects, very_many_subjects     a count ≥ 1
 *   long_outage_hours                     hours ≥ 1
 *   special_categories_raise, vulnerable_raise, permanence_raise, many_subjects_raise,
 *   voluntary_notice, very_many_subjects_raise, outage_raise, identifiers_raise   yes / no
 * The regime is not a key: the law in force is chosen by the time of awareness
 * (regime_select in util/deadline.h), and an assessment stores it (proposal_config_set_regime).
 * Returns 0, or -1 with err ("unknown key 'x'", "invalid value 'y' for 'z' (expected ...)"). */
int proposal_config_set(struct proposal_config *cfg, const char *key, const char *value, char *err, size_t errlen);

/* Sets the regime by its id ("gdpr", "omnibus-2025-837"). Returns 0, or -1 with err for an
 * unknown id. */
int proposal_config_set_regime(struct proposal_config *cfg, const char *id, char *err, size_t errlen);
/* The regime of cfg (GDPR when none was set); never NULL. */
const struct regime *proposal_regime(const struct proposal_config *cfg);

/* Checks 1 ≤ risk ≤ high-risk ≤ 24 quarters, many_subjects ≥ 1, very_many_subjects ≥
 * many_subjects and long_outage ≥ 1 hour. Returns 0 or -1 with err. */
int proposal_config_validate(const struct proposal_config *cfg, char *err, size_t errlen);

/* Computes the proposal for `in` under `cfg` (NULL = defaults) into *out.
 * Returns 0, or -1 with err when the input is incomplete (enisa_validate) or the config is
 * invalid; *out is then zeroed. No allocation; *out holds everything. */
int proposal_make(const struct enisa_input *in, const struct proposal_config *cfg, struct proposal *out, char *err,
                  size_t errlen);

/* 1 if rule `r` contributed a reason to `p`, else 0. */
int proposal_has_rule(const struct proposal *p, enum proposal_rule r);

/* The people outcome the proposal recommends, counting a voluntary notice as YES. */
enum proposal_people proposal_recommended_people(const struct proposal *p);

/* Compares a person's decision with the proposal (authority; people, where a recommended
 * voluntary notice counts as YES). Writes into msg (may be NULL) what differs, e.g.
 * "authority: proposed yes, decided no; people: proposed a voluntary notice, decided no",
 * or "decision matches the proposal".
 * Returns 0 if the decision matches, 1 if it differs and d->reason is given, -1 if it
 * differs and no reason is given (the caller must ask for one). */
int proposal_check(const struct proposal *p, const struct proposal_decision *d, char *msg, size_t msglen);

/* Static names (never NULL). */
const char *proposal_level_name(enum proposal_level l); /* "no risk", "risk", "high risk" */
const char *proposal_level_name_de(enum proposal_level l); /* "kein Risiko", ... */
const char *proposal_people_name(enum proposal_people pp); /* "no", "yes", "public" */
const char *proposal_rule_name(enum proposal_rule r); /* "severity", "no-effect", ... */
/* The source of rule r (static, never NULL; basis "?" for an unknown rule). */
const struct proposal_source *proposal_rule_source(enum proposal_rule r);
#endif
