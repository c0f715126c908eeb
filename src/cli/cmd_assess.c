/* cmd_assess.c — `klartext assess`: ENISA severity, the proposed Art. 33/34 duties, the decision.
 *
 *   klartext assess ID [--input FILE] [--config FILE] [--KEY VALUE [--KEY-reason TEXT]]... [--dry-run]
 *   klartext assess ID --decide authority=yes|no,subjects=yes|no|public --by NAME [--reason TEXT]
 *   klartext assess --input FILE [--json]          compute only, no register
 *   klartext assess [ID] --template                 an assessment file (with the suggestions)
 *
 * Inputs are layered: defaults < suggestions from the register (with ID) < the --input file <
 * command-line options. Thresholds: defaults < --config FILE < [thresholds] in the input file.
 * The method lives in src/assess (enisa.h, proposal.h); the record in register/assessments.h. */
#include "assess/assess_file.h"
#include "cli/cli.h"
#include "register/assessments.h"
#include "report/report.h"
#include "util/deadline.h"
#include "util/file.h"
#include "util/xalloc.h"
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "klartext assess [ID] [--input FILE] [--config FILE] [--KEY VALUE [--KEY-reason TEXT]]... [--template] [--dry-run]\n"
    "       klartext assess ID --decide authority=yes|no,subjects=yes|no|public --by NAME [--reason TEXT]";

#define MAX_FILE (1 << 20)

/* ---- reading the files ---- */

static int parse_file(const char *path, struct enisa_input *in, struct proposal_config *cfg, int only_thresholds)
{
    char *text = NULL, err[600];
    size_t len = 0;
    int rc = file_read(path, MAX_FILE, &text, &len, err, sizeof err);
    if (rc) return kt_error(file_exit_code(rc), "%s", err);
    if (assess_file_parse(text, len, in, cfg, only_thresholds, err, sizeof err)) rc = kt_error(2, "%s %s", path, err);
    free(text);
    return rc;
}

/* ---- output ---- */

static const char *people_text(enum proposal_people pp, int also_public, int voluntary)
{
    switch (pp) {
    case PROPOSAL_PEOPLE_YES:
        return also_public ? "tell each person directly (Art. 34(1) GDPR), and those without contact data by a public "
                             "communication (Art. 34(3)(c))"
                           : "tell each person directly, without undue delay (Art. 34(1) GDPR)";
    case PROPOSAL_PEOPLE_PUBLIC: return "a public communication instead of individual messages (Art. 34(3)(c) GDPR)";
    default:
        return voluntary ? "no legal duty (Art. 34(1) GDPR), but a voluntary notice is recommended"
                         : "no duty to tell them (Art. 34(1) GDPR)";
    }
}

static void print_assessment(const struct enisa_input *in, const struct proposal_config *cfg, const struct proposal *p)
{
    char num[32], f[128], a[16], b[16];
    printf("Inputs (given = by you; suggested = derived from the register; default = nobody said):\n");
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &in->v[k];
        if (enisa_key_optional((enum enisa_key)k) && enisa_is_default(in, (enum enisa_key)k)) continue;
        printf("  %-42s %-22s %s\n", assessment_key_label((enum enisa_key)k, 0),
               assessment_value_label((enum enisa_key)k, v->value, 0, num, sizeof num),
               assessment_source_label(v->source, 0));
        if (v->reason[0]) {
            printf("      ");
            kt_print_wrapped(stdout, v->reason, 6, 100);
        }
    }
    assessment_formula(in, &p->severity, '.', f, sizeof f);
    printf("\nSeverity (ENISA 2013: SE = DPC × EI + CB)\n");
    printf("  SE = %s: %s — %s\n", f, enisa_band_name(p->severity.band), assessment_band_meaning(p->severity.band, 0));
    assessment_quarters_short(p->severity.ei_q, '.', a, sizeof a);
    enisa_format_quarters(p->severity.cb_q, '.', b, sizeof b);
    printf("  DPC %d (%s%s), EI %s (%s), CB %s\n", p->severity.dpc,
           assessment_value_label(ENISA_K_CATEGORY, in->v[ENISA_K_CATEGORY].value, 0, num, sizeof num),
           p->severity.dpc == p->severity.dpc_base ? ", the category's base score" : ", adjusted", a,
           assessment_value_label(ENISA_K_EI, in->v[ENISA_K_EI].value, 0, num, sizeof num), b);
    printf("\nProposal (klartext proposes; a named person decides)\n");
    printf("  %-24s %s (the score alone: %s)\n", "level", proposal_level_name(p->level),
           proposal_level_name(p->enisa_level));
    const struct regime *g = proposal_regime(cfg);
    if (!g->in_force) printf("  %-24s %s: NOT IN FORCE, applied for testing only\n", "law applied", g->name_en);
    if (p->notify_authority)
        printf("  %-24s notify without undue delay, where feasible within %d hours (Art. 33(1) GDPR%s)\n",
               "supervisory authority", g->hours, g->in_force ? "" : ", as proposed");
    else
        printf("  %-24s %s\n", "supervisory authority",
               "no notification; document the breach and the reasoning (Art. 33(5) GDPR)");
    printf("  %-24s ", "the people");
    kt_print_wrapped(stdout, people_text(p->people, p->also_public, p->voluntary), 27, 100);
    printf("  reasons:\n");
    for (size_t i = 0; i < p->nreasons; i++) {
        printf("  %2zu. ", i + 1);
        kt_print_wrapped(stdout, p->reasons[i].en, 6, 100);
    }
    enisa_format_quarters(cfg->risk_se_q, '.', a, sizeof a);
    enisa_format_quarters(cfg->high_risk_se_q, '.', b, sizeof b);
    printf("  thresholds: risk from SE %s, high risk from SE %s, many people from %lld\n", a, b, cfg->many_subjects);
}

/* the value of one input for --json: numbers as numbers (null when not given), the rest as the
 * assessment file writes it */
static json_t *input_value_json(enum enisa_key key, long long value)
{
    char num[32];
    if (key == ENISA_K_DPC) return value ? json_integer(value) : json_null();
    if (key == ENISA_K_SUBJECTS || key == ENISA_K_SUBJECTS_MAX) return value < 0 ? json_null() : json_integer(value);
    if (key == ENISA_K_UNAVAILABLE && value < 0) return json_null();
    return json_string(enisa_value_text(key, value, num, sizeof num));
}

static json_t *reasons_json(const struct proposal *p)
{
    json_t *rs = json_array();
    for (size_t i = 0; i < p->nreasons; i++) {
        const struct proposal_source *src = proposal_rule_source(p->reasons[i].rule);
        json_t *x = json_object();
        json_object_set_new(x, "rule", json_string(proposal_rule_name(p->reasons[i].rule)));
        json_object_set_new(x, "source", json_string(src->cite));
        json_object_set_new(x, "basis", json_string(src->basis));
        json_object_set_new(x, "en", json_string(p->reasons[i].en));
        json_object_set_new(x, "de", json_string(p->reasons[i].de));
        json_array_append_new(rs, x);
    }
    return rs;
}

static json_t *assessment_json(const struct enisa_input *in, const struct proposal_config *cfg,
                               const struct proposal *p)
{
    json_t *j = json_object(), *inputs = json_object();
    char num[32], f[128], buf[512];
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &in->v[k];
        json_t *e = json_object();
        enum enisa_key key = (enum enisa_key)k;
        json_object_set_new(e, "value", input_value_json(key, v->value));
        json_object_set_new(e, "source", json_string(enisa_source_name(v->source)));
        json_object_set_new(e, "reason", v->reason[0] ? json_string(v->reason) : json_null());
        json_object_set_new(inputs, enisa_key_name(key), e);
    }
    json_object_set_new(j, "inputs", inputs);
    json_t *sv = json_object();
    assessment_formula(in, &p->severity, '.', f, sizeof f);
    json_object_set_new(sv, "dpc", json_integer(p->severity.dpc));
    json_object_set_new(sv, "dpc_base", json_integer(p->severity.dpc_base));
    assessment_quarters_short(p->severity.ei_q, '.', num, sizeof num);
    json_object_set_new(sv, "ei", json_string(num));
    enisa_format_quarters(p->severity.cb_q, '.', num, sizeof num);
    json_object_set_new(sv, "cb", json_string(num));
    json_object_set_new(sv, "se", json_string(p->severity.se_text));
    json_object_set_new(sv, "se_quarters", json_integer(p->severity.se_q));
    json_object_set_new(sv, "band", json_string(enisa_band_name(p->severity.band)));
    json_object_set_new(sv, "calculation", json_string(f));
    json_object_set_new(j, "severity", sv);
    json_t *pr = json_object();
    json_object_set_new(pr, "level", json_string(proposal_level_name(p->level)));
    json_object_set_new(pr, "score_level", json_string(proposal_level_name(p->enisa_level)));
    json_object_set_new(pr, "notify_authority", json_boolean(p->notify_authority));
    json_object_set_new(pr, "people", json_string(proposal_people_name(p->people)));
    json_object_set_new(pr, "also_public", json_boolean(p->also_public));
    json_object_set_new(pr, "voluntary_notice", json_boolean(p->voluntary));
    json_object_set_new(pr, "reasons", reasons_json(p));
    json_object_set_new(j, "proposal", pr);
    json_object_set_new(j, "regime", report_regime_json(proposal_regime(cfg)));
    assessment_config_text(cfg, buf, sizeof buf);
    json_object_set_new(j, "thresholds", json_string(buf));
    return j;
}

static json_t *decision_json(const struct decision *d)
{
    json_t *j = json_object();
    json_object_set_new(j, "number", json_integer(d->seq));
    json_object_set_new(j, "assessment", json_integer(d->assessment_seq));
    json_object_set_new(j, "decided_by", json_string(d->by));
    json_object_set_new(j, "recorded_by", json_string(d->actor));
    json_object_set_new(j, "at", kt_json_time(d->created_at));
    json_object_set_new(j, "notify_authority", json_boolean(d->notify_authority));
    json_object_set_new(j, "people", json_string(proposal_people_name(d->people)));
    /* the name the report uses; "differs" is the old name, kept for one release (docs/assessment.md) */
    json_object_set_new(j, "differs_from_proposal", json_boolean(d->differs));
    json_object_set_new(j, "differs", json_boolean(d->differs));
    json_object_set_new(j, "difference", d->differs ? json_string(d->difference) : json_null());
    json_object_set_new(j, "reason", d->reason ? json_string(d->reason) : json_null());
    return j;
}

static void print_template_thresholds(const struct proposal_config *cfg)
{
    char a[16], b[16];
    enisa_format_quarters(cfg->risk_se_q, '.', a, sizeof a);
    enisa_format_quarters(cfg->high_risk_se_q, '.', b, sizeof b);
    printf("\n# Thresholds of the proposal (docs/assessment.md, section 4); uncomment to change them.\n"
           "# [thresholds]\n# risk_threshold = %s\n# high_risk_threshold = %s\n# many_subjects = %lld\n"
           "# special_categories_raise = %s\n# vulnerable_raise = %s\n# permanence_raise = %s\n"
           "# many_subjects_raise = %s\n# voluntary_notice = %s\n",
           a, b, cfg->many_subjects, cfg->special_raises ? "yes" : "no", cfg->vulnerable_raises ? "yes" : "no",
           cfg->permanent_raises ? "yes" : "no", cfg->many_raises ? "yes" : "no", cfg->voluntary_notice ? "yes" : "no");
    printf("# very_many_subjects = %lld\n# very_many_subjects_raise = %s\n# long_outage_hours = %lld\n"
           "# outage_raise = %s\n# identifiers_raise = %s\n",
           cfg->very_many_subjects, cfg->very_many_raises ? "yes" : "no", cfg->long_outage_minutes / 60,
           cfg->outage_raises ? "yes" : "no", cfg->identifiers_raise ? "yes" : "no");
}

/* ---- options ---- */

enum { O_INPUT, O_CONFIG, O_TEMPLATE, O_DRY_RUN, O_DECIDE, O_BY, O_REASON, O_FIXED };

static struct opt *make_opts(void)
{
    static char names[ENISA_K_COUNT][2][48], helps[ENISA_K_COUNT][2][96];
    struct opt *o = xcalloc(O_FIXED + 2 * ENISA_K_COUNT + 1, sizeof *o);
    o[O_INPUT] = (struct opt){"input", "FILE", "the assessment file (INI; docs/assessment.md)"};
    o[O_CONFIG] = (struct opt){"config", "FILE", "thresholds: an INI file with a [thresholds] section"};
    o[O_TEMPLATE] = (struct opt){"template", NULL, "print an assessment file (with ID: with the suggestions) and stop"};
    o[O_DRY_RUN] = (struct opt){"dry-run", NULL, "compute and show, store nothing"};
    o[O_DECIDE] = (struct opt){"decide", "SPEC", "record the decision: authority=yes|no,subjects=yes|no|public"};
    o[O_BY] = (struct opt){"by", "NAME", "who decides (required with --decide)"};
    o[O_REASON] = (struct opt){"reason", "TEXT", "why the decision differs from the proposal (required then)"};
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const char *n = enisa_key_name((enum enisa_key)k);
        snprintf(names[k][0], sizeof names[k][0], "%s", n);
        snprintf(names[k][1], sizeof names[k][1], "%s-reason", n);
        for (int i = 0; i < 2; i++)
            for (char *c = names[k][i]; *c; c++)
                if (*c == '_') *c = '-';
        snprintf(helps[k][0], sizeof helps[k][0], "[%s] %s", enisa_key_section((enum enisa_key)k),
                 assessment_key_label((enum enisa_key)k, 0));
        snprintf(helps[k][1], sizeof helps[k][1], "why (one line)");
        o[O_FIXED + 2 * k] = (struct opt){names[k][0], "VALUE", helps[k][0]};
        o[O_FIXED + 2 * k + 1] = (struct opt){names[k][1], "TEXT", helps[k][1]};
    }
    return o;
}

static int apply_options(struct opt *o, struct enisa_input *in, int *any)
{
    char err[600];
    *any = 0;
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        struct opt *v = &o[O_FIXED + 2 * k], *rsn = &o[O_FIXED + 2 * k + 1];
        if (v->given > 1) return kt_error(2, "--%s given more than once", v->name);
        if (rsn->given > 1) return kt_error(2, "--%s given more than once", rsn->name);
        if (rsn->given && !v->given)
            return kt_error(2, "--%s needs --%s (give the value you mean, even if it is the suggested one)", rsn->name,
                            v->name);
        if (!v->given) continue;
        *any = 1;
        if (enisa_set_text(in, (enum enisa_key)k, v->value, ENISA_SRC_PERSON, err, sizeof err))
            return kt_error(2, "--%s: %s", v->name, err);
        if (enisa_set(in, (enum enisa_key)k, in->v[k].value, ENISA_SRC_PERSON, rsn->given ? rsn->value : "", err,
                      sizeof err))
            return kt_error(2, "--%s: %s", rsn->name, err);
    }
    return 0;
}

struct decide_spec {
    int given;
    struct proposal_decision d;
    const char *by;
};

static int text_ok(const char *s, size_t max, int multiline)
{
    if (strlen(s) > max) return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if ((*c < ' ' && !(multiline && (*c == '\n' || *c == '\t'))) || *c == 0x7f) return 0;
    return 1;
}

static int parse_decide(struct opt *o, struct decide_spec *ds)
{
    memset(ds, 0, sizeof *ds);
    if (!o[O_DECIDE].given) {
        if (o[O_BY].given || o[O_REASON].given)
            return kt_error(2, "--%s belongs to a decision: add --decide authority=yes|no,subjects=yes|no|public",
                            o[O_BY].given ? "by" : "reason");
        return 0;
    }
    if (o[O_DECIDE].given > 1 || o[O_BY].given > 1 || o[O_REASON].given > 1)
        return kt_error(2, "--decide, --by and --reason may each be given once");
    int auth = -1, people = -1;
    char *t = xstrdup(o[O_DECIDE].value);
    int rc = 0;
    for (char *sv, *tok = strtok_r(t, ",", &sv); tok && !rc; tok = strtok_r(NULL, ",", &sv)) {
        while (*tok == ' ') tok++;
        char *eq = strchr(tok, '=');
        if (!eq) {
            rc = kt_error(2, "--decide: '%s' is not KEY=VALUE (authority=yes|no,subjects=yes|no|public)", tok);
            break;
        }
        *eq = 0;
        const char *val = eq + 1;
        if (!strcmp(tok, "authority")) {
            if (!strcmp(val, "yes")) auth = 1;
            else if (!strcmp(val, "no")) auth = 0;
            else rc = kt_error(2, "--decide: authority='%s' is not yes or no", val);
        } else if (!strcmp(tok, "subjects") || !strcmp(tok, "people")) {
            people = decision_people_parse(val);
            if (people < 0) rc = kt_error(2, "--decide: %s='%s' is not yes, no or public", tok, val);
        } else {
            rc = kt_error(2, "--decide: unknown key '%s' (authority, subjects)", tok);
        }
    }
    free(t);
    if (rc) return rc;
    if (auth < 0 || people < 0) return kt_error(2, "--decide needs both authority=yes|no and subjects=yes|no|public");
    if (!o[O_BY].given || !*o[O_BY].value) return kt_error(2, "--decide needs --by NAME: the person who decides");
    if (!text_ok(o[O_BY].value, 200, 0)) return kt_error(2, "--by: a name of one line, at most 200 bytes");
    if (o[O_REASON].given && !text_ok(o[O_REASON].value, 4000, 1))
        return kt_error(2, "--reason: at most 4000 bytes of text without control characters");
    ds->given = 1;
    ds->d.notify_authority = auth;
    ds->d.people = (enum proposal_people)people;
    ds->d.reason = o[O_REASON].given ? o[O_REASON].value : NULL;
    ds->by = o[O_BY].value;
    return 0;
}

/* ---- the command ---- */

static const char desc[] =
    "Assess the severity of a breach with the ENISA 2013 method and propose what the GDPR requires:\n"
    "notify the supervisory authority (Art. 33), tell the people (Art. 34), or a voluntary notice.\n"
    "With ID, klartext suggests inputs from the register (disclosed fields, viewers, people, breach\n"
    "types, cause, contact data); an --input file and --KEY options override them, each with a reason.\n"
    "Every assessment and decision is kept. Without ID it only computes (no register).\n"
    "KEY is one of: category dpc ei fraud-identifiers credentials confidentiality integrity availability\n"
    "malicious recipient unavailable-for backup subjects subjects-max vulnerable special-categories\n"
    "unintelligible risk-no-longer-likely disproportionate-effort trusted-recipient contacts-known\n"
    "(see docs/assessment.md). The law applied is the one in force when the organisation became aware\n"
    "(without ID: now); KLARTEXT_REGIME switches to a proposal for testing (docs/deadlines.md).";

/* One run of the command: what was asked, what was read, what was stored. */
struct assess_run {
    struct kt_ctx *ctx;
    struct opt *o;
    struct decide_spec ds;
    const char *id, *input, *config; /* id NULL: compute only, no register */
    int template, dry, any_opt;
    int decide_only; /* --decide alone: on the latest stored assessment */
    reg *r;
    struct incident inc;
    int loaded;
    struct assessment *latest, *cur; /* cur: the stored assessment decided on, or NULL */
    int have_latest;
    struct enisa_input *in;
    struct proposal *p;
    struct proposal_config cfg;
    int64_t scan_id;
    char diff[512]; /* how the decision differs from the proposal */
    int differs, unchanged, stored;
    int64_t seq, dseq; /* the assessment's and the recorded decision's numbers */
    struct decision dec;
};

static int check_options(struct assess_run *a, char **pos, int npos)
{
    struct opt *o = a->o;
    int rc;
    if ((rc = parse_decide(o, &a->ds))) return rc;
    a->id = npos ? pos[0] : NULL;
    a->template = o[O_TEMPLATE].given;
    a->dry = o[O_DRY_RUN].given;
    a->input = o[O_INPUT].value;
    a->config = o[O_CONFIG].value;
    if (o[O_INPUT].given > 1 || o[O_CONFIG].given > 1)
        return kt_error(2, "--input and --config may each be given once");
    if (!a->id && a->ds.given) {
        rc = kt_error(2, "--decide needs the incident's ID");
        usage_line(usage);
        return rc;
    }
    if (a->template && a->ds.given) return kt_error(2, "--template and --decide do not go together");
    return 0;
}

/* the incident, the register's suggestions for it and its latest assessment */
static int load_incident(struct assess_run *a)
{
    int rc;
    if ((rc = kt_open(a->ctx, a->template || a->dry ? REG_OPEN_READONLY : 0, &a->r))) return rc;
    if ((rc = incident_load(a->r, a->id, &a->inc))) return kt_error(rc, "%s", reg_err(a->r));
    a->loaded = 1;
    if ((rc = assessment_suggest(a->r, &a->inc, a->in, &a->scan_id))) return kt_error(rc, "%s", reg_err(a->r));
    if ((rc = assessments_latest(a->r, &a->inc, a->latest, &a->have_latest))) return kt_error(rc, "%s", reg_err(a->r));
    return 0;
}

/* the inputs, layered: defaults < suggestions < --input < options; thresholds: defaults <
 * --config < [thresholds] of the input file */
static int gather_inputs(struct assess_run *a)
{
    int rc;
    enisa_input_init(a->in);
    proposal_config_default(&a->cfg);
    a->cfg.regime = regime_for(a->ctx->now);
    if (a->config && (rc = parse_file(a->config, NULL, &a->cfg, 1))) return rc;
    if (a->id) {
        if ((rc = load_incident(a))) return rc;
        a->cfg.regime = regime_for(inc_time(&a->inc, IF_AWARE_AT));
    } else if (!a->input && !a->template) {
        int given;
        struct enisa_input probe;
        enisa_input_init(&probe);
        if ((rc = apply_options(a->o, &probe, &given))) return rc;
        if (!given) {
            rc = kt_error(2, "assess needs an incident ID or an --input FILE");
            usage_line(usage);
            return rc;
        }
    }
    if (a->input && (rc = parse_file(a->input, a->in, &a->cfg, 0))) return rc;
    if ((rc = apply_options(a->o, a->in, &a->any_opt))) return rc;
    char err[600];
    if (proposal_config_validate(&a->cfg, err, sizeof err))
        return kt_error(2, "%s: %s", a->input ? a->input : a->config ? a->config : "thresholds", err);
    return 0;
}

static void print_template(const struct assess_run *a)
{
    size_t need = enisa_format_ini(a->in, NULL, 0);
    char *t = xmalloc(need + 1);
    enisa_format_ini(a->in, t, need + 1);
    if (a->id)
        printf("# for incident %s: suggestions are derived from the register; confirm or overrule them\n", a->inc.ref);
    fputs(t, stdout);
    free(t);
    print_template_thresholds(&a->cfg);
}

/* the proposal: computed from the inputs, or, for --decide alone, the latest stored one */
static int propose(struct assess_run *a)
{
    char err[600];
    a->decide_only = a->ds.given && !a->input && !a->any_opt && !a->config;
    if (a->decide_only) {
        if (!a->have_latest)
            return kt_error(
                2, "incident %s has no assessment yet: run 'klartext assess %s' (with --input FILE or options) first",
                a->inc.ref, a->inc.ref);
        a->cur = a->latest;
        return 0;
    }
    if (!proposal_make(a->in, &a->cfg, a->p, err, sizeof err)) return 0;
    if (a->input) return kt_error(2, "%s: %s", a->input, err);
    const char *id = a->id;
    return kt_error(2, "cannot assess: %s; give it with an option such as --ei VALUE or in an --input FILE%s%s%s", err,
                    id ? " ('klartext assess " : "", id ? id : "", id ? " --template' writes one)" : "");
}

/* the decision is checked against the proposal before anything is stored */
static int check_decision(struct assess_run *a)
{
    if (!a->ds.given) return 0;
    const struct proposal *against = a->cur ? &a->cur->p : a->p;
    int c = proposal_check(against, &a->ds.d, a->diff, sizeof a->diff);
    char *semi = strstr(a->diff, "; the decision differs");
    if (semi) *semi = 0;
    if (c < 0)
        return kt_error(2, "the decision differs from the proposal (%.300s): give the reason with --reason TEXT",
                        a->diff);
    a->differs = c == 1;
    return 0;
}

/* the decision, against the assessment just stored or the latest one (in the transaction) */
static int record_decision(struct assess_run *a)
{
    struct assessment *target = a->cur ? a->cur : a->latest;
    int found = 1, rc;
    if (a->stored) {
        assessment_release(a->latest);
        if ((rc = assessments_latest(a->r, &a->inc, a->latest, &found))) return rc;
        a->have_latest = found;
        target = a->latest;
    }
    if ((rc = decisions_add(a->r, &a->inc, target, a->ds.by, &a->ds.d, a->differs,
                            a->differs ? a->diff : "decision matches the proposal", &a->dseq)))
        return rc;
    return decisions_latest(a->r, &a->inc, &a->dec, &found);
}

/* a new assessment (unless the inputs are those of the latest) and the decision, in one
 * transaction; nothing on --dry-run */
static int store(struct assess_run *a)
{
    a->unchanged = !a->cur && a->have_latest && assessment_same(a->latest, a->in, &a->cfg, a->scan_id);
    a->seq = a->cur ? a->cur->seq : a->unchanged ? a->latest->seq : 0;
    if (a->dry || !((!a->cur && !a->unchanged) || a->ds.given)) return 0;
    int rc;
    if ((rc = reg_begin(a->r))) return kt_error(rc, "%s", reg_err(a->r));
    if (!a->cur && !a->unchanged) {
        if ((rc = assessments_add(a->r, &a->inc, a->scan_id, a->in, &a->cfg, a->p, &a->seq))) goto fail;
        a->stored = 1;
    }
    if (a->ds.given && (rc = record_decision(a))) goto fail;
    if ((rc = reg_commit(a->r))) goto fail;
    return 0;
fail:
    kt_error(rc, "%s", reg_err(a->r));
    reg_rollback(a->r);
    return rc;
}

static void print_decision(const struct assess_run *a, const struct proposal *shown)
{
    const struct decision *dec = &a->dec;
    if (a->dseq) {
        printf(
            "%sDecision #%lld by %s on assessment #%lld (recorded): notify the authority: %s; tell the people: %s.\n",
            a->decide_only ? "" : "\n", (long long)dec->seq, dec->by, (long long)dec->assessment_seq,
            dec->notify_authority ? "yes" : "no",
            dec->people == PROPOSAL_PEOPLE_YES      ? "yes"
            : dec->people == PROPOSAL_PEOPLE_PUBLIC ? "by a public communication"
                                                    : "no");
        if (dec->differs) {
            printf("  It differs from the proposal: %s.\n  Reason: ", dec->difference);
            kt_print_wrapped(stdout, dec->reason ? dec->reason : "", 10, 100);
        } else {
            printf("  It follows the proposal.\n");
        }
    } else if (a->dry && a->ds.given) {
        printf("\nDecision (dry run, not recorded): %s\n", a->differs ? a->diff : "matches the proposal");
    } else if (!a->dry) {
        printf("\nA named person decides: klartext assess %s --decide authority=%s,subjects=%s --by NAME%s\n",
               a->inc.ref, shown->notify_authority ? "yes" : "no",
               proposal_people_name(proposal_recommended_people(shown)),
               "  (a different decision needs --reason TEXT)");
    }
}

/* what was assessed and decided: the stored assessment decided on, or the one computed */
static int show(const struct assess_run *a)
{
    const struct enisa_input *in = a->cur ? &a->cur->in : a->in;
    const struct proposal_config *cfg = a->cur ? &a->cur->cfg : &a->cfg;
    const struct proposal *p = a->cur ? &a->cur->p : a->p;
    if (a->ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(a->inc.ref));
        json_object_set_new(j, "number", a->seq ? json_integer(a->seq) : json_null());
        json_object_set_new(j, "stored", json_boolean(a->stored));
        json_object_set_new(j, "unchanged", json_boolean(a->unchanged));
        json_object_set_new(j, "assessment", assessment_json(in, cfg, p));
        json_object_set_new(j, "decision", a->dseq ? decision_json(&a->dec) : json_null());
        return kt_json_print(j);
    }
    const char *ref = a->inc.ref;
    long long seq = (long long)a->seq;
    if (a->dry) printf("Assessment of incident %s (dry run: nothing stored)\n\n", ref);
    else if (a->stored) printf("Assessment #%lld of incident %s (stored)\n\n", seq, ref);
    else if (a->unchanged)
        printf("Assessment #%lld of incident %s (unchanged: the same inputs as last time; nothing new stored)\n\n", seq,
               ref);
    else if (!a->decide_only) printf("Assessment #%lld of incident %s\n\n", seq, ref);
    if (!a->ds.given || !a->decide_only) print_assessment(in, cfg, p);
    print_decision(a, p);
    return 0;
}

int cmd_assess(struct kt_ctx *ctx, int argc, char **argv)
{
    struct assess_run a = {.ctx = ctx};
    char *pos[1];
    int npos, rc;
    a.o = make_opts();
    a.latest = xcalloc(1, sizeof *a.latest);
    a.in = xcalloc(1, sizeof *a.in);
    a.p = xcalloc(1, sizeof *a.p);
    if ((rc = opt_parse(usage, desc, a.o, argc, argv, pos, 1, &npos))) goto out;
    if ((rc = check_options(&a, pos, npos)) || (rc = gather_inputs(&a))) goto out;
    if (a.template) {
        print_template(&a);
        goto out;
    }
    if ((rc = propose(&a))) goto out;
    if (!a.id) { /* computed only */
        if (ctx->json) rc = kt_json_print(assessment_json(a.in, &a.cfg, a.p));
        else {
            printf("Assessment (computed only; no register)\n\n");
            print_assessment(a.in, &a.cfg, a.p);
        }
        goto out;
    }
    if ((rc = check_decision(&a)) || (rc = store(&a))) goto out;
    rc = show(&a);
out:
    decision_release(&a.dec);
    assessment_release(a.latest);
    free(a.latest);
    free(a.in);
    free(a.p);
    if (a.loaded) incident_release(&a.inc);
    reg_close(a.r);
    opt_free(a.o);
    free(a.o);
    return rc;
}
