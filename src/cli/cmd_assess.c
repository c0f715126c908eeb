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
        printf("  %-42s %-22s %s\n", assessment_key_label((enum enisa_key)k, 0),
               assessment_value_label((enum enisa_key)k, v->value, 0, num, sizeof num), assessment_source_label(v->source, 0));
        if (v->reason[0]) { printf("      "); kt_print_wrapped(stdout, v->reason, 6, 100); }
    }
    assessment_formula(in, &p->severity, '.', f, sizeof f);
    printf("\nSeverity (ENISA 2013: SE = DPC × EI + CB)\n");
    printf("  SE = %s: %s — %s\n", f, enisa_band_name(p->severity.band), assessment_band_meaning(p->severity.band, 0));
    assessment_quarters_short(p->severity.ei_q, '.', a, sizeof a);
    enisa_format_quarters(p->severity.cb_q, '.', b, sizeof b);
    printf("  DPC %d (%s%s), EI %s (%s), CB %s\n", p->severity.dpc,
           assessment_value_label(ENISA_K_CATEGORY, in->v[ENISA_K_CATEGORY].value, 0, num, sizeof num),
           p->severity.dpc == p->severity.dpc_base ? ", the category's base score" : ", adjusted",
           a, assessment_value_label(ENISA_K_EI, in->v[ENISA_K_EI].value, 0, num, sizeof num), b);
    printf("\nProposal (klartext proposes; a named person decides)\n");
    printf("  %-24s %s (the score alone: %s)\n", "level", proposal_level_name(p->level), proposal_level_name(p->enisa_level));
    printf("  %-24s %s\n", "supervisory authority", p->notify_authority
           ? "notify without undue delay, where feasible within 72 hours (Art. 33(1) GDPR)"
           : "no notification; document the breach and the reasoning (Art. 33(5) GDPR)");
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

static json_t *assessment_json(const struct enisa_input *in, const struct proposal_config *cfg, const struct proposal *p)
{
    json_t *j = json_object(), *inputs = json_object();
    char num[32], f[128], buf[512];
    for (int k = 0; k < ENISA_K_COUNT; k++) {
        const struct enisa_value *v = &in->v[k];
        json_t *e = json_object();
        enum enisa_key key = (enum enisa_key)k;
        if (key == ENISA_K_DPC || key == ENISA_K_SUBJECTS)
            json_object_set_new(e, "value", (key == ENISA_K_DPC && !v->value) || (key == ENISA_K_SUBJECTS && v->value < 0)
                                            ? json_null() : json_integer(v->value));
        else
            json_object_set_new(e, "value", json_string(enisa_value_text(key, v->value, num, sizeof num)));
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
    json_t *pr = json_object(), *rs = json_array();
    json_object_set_new(pr, "level", json_string(proposal_level_name(p->level)));
    json_object_set_new(pr, "score_level", json_string(proposal_level_name(p->enisa_level)));
    json_object_set_new(pr, "notify_authority", json_boolean(p->notify_authority));
    json_object_set_new(pr, "people", json_string(proposal_people_name(p->people)));
    json_object_set_new(pr, "also_public", json_boolean(p->also_public));
    json_object_set_new(pr, "voluntary_notice", json_boolean(p->voluntary));
    for (size_t i = 0; i < p->nreasons; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "rule", json_string(proposal_rule_name(p->reasons[i].rule)));
        json_object_set_new(x, "en", json_string(p->reasons[i].en));
        json_object_set_new(x, "de", json_string(p->reasons[i].de));
        json_array_append_new(rs, x);
    }
    json_object_set_new(pr, "reasons", rs);
    json_object_set_new(j, "proposal", pr);
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
    /* the name the report uses; "differs" is the old name, kept for one release (docs/assess.md) */
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
            for (char *c = names[k][i]; *c; c++) if (*c == '_') *c = '-';
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
            return kt_error(2, "--%s needs --%s (give the value you mean, even if it is the suggested one)", rsn->name, v->name);
        if (!v->given) continue;
        *any = 1;
        if (enisa_set_text(in, (enum enisa_key)k, v->value, ENISA_SRC_PERSON, err, sizeof err))
            return kt_error(2, "--%s: %s", v->name, err);
        if (enisa_set(in, (enum enisa_key)k, in->v[k].value, ENISA_SRC_PERSON, rsn->given ? rsn->value : "", err, sizeof err))
            return kt_error(2, "--%s: %s", rsn->name, err);
    }
    return 0;
}

struct decide_spec { int given; struct proposal_decision d; const char *by; };

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
        if (!eq) { rc = kt_error(2, "--decide: '%s' is not KEY=VALUE (authority=yes|no,subjects=yes|no|public)", tok); break; }
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
    if (auth < 0 || people < 0)
        return kt_error(2, "--decide needs both authority=yes|no and subjects=yes|no|public");
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

int cmd_assess(struct kt_ctx *ctx, int argc, char **argv)
{
    struct opt *o = make_opts();
    char *pos[1];
    int npos, rc = opt_parse(usage,
        "Assess the severity of a breach with the ENISA 2013 method and propose what the GDPR requires:\n"
        "notify the supervisory authority (Art. 33), tell the people (Art. 34), or a voluntary notice.\n"
        "With ID, klartext suggests inputs from the register (disclosed fields, viewers, people, breach\n"
        "types, cause, contact data); an --input file and --KEY options override them, each with a reason.\n"
        "Every assessment and decision is kept. Without ID it only computes (no register).\n"
        "KEY is one of: category dpc ei confidentiality integrity availability malicious subjects vulnerable\n"
        "special-categories unintelligible risk-no-longer-likely disproportionate-effort trusted-recipient\n"
        "contacts-known (see docs/assessment.md and docs/assess.md).",
        o, argc, argv, pos, 1, &npos);
    reg *r = NULL;
    struct incident inc;
    int loaded = 0;
    struct assessment *latest = xcalloc(1, sizeof *latest), *cur = NULL;
    struct enisa_input *in = xcalloc(1, sizeof *in);
    struct proposal *p = xcalloc(1, sizeof *p);
    struct proposal_config cfg;
    struct decision dec = {0};
    int have_latest = 0, any_opt = 0;
    if (rc) goto out;
    struct decide_spec ds;
    if ((rc = parse_decide(o, &ds))) goto out;
    const char *id = npos ? pos[0] : NULL;
    int template = o[O_TEMPLATE].given, dry = o[O_DRY_RUN].given;
    const char *input = o[O_INPUT].value, *config = o[O_CONFIG].value;
    if (o[O_INPUT].given > 1 || o[O_CONFIG].given > 1) { rc = kt_error(2, "--input and --config may each be given once"); goto out; }
    if (!id && ds.given) { rc = kt_error(2, "--decide needs the incident's ID"); usage_line(usage); goto out; }
    if (template && ds.given) { rc = kt_error(2, "--template and --decide do not go together"); goto out; }
    enisa_input_init(in);
    proposal_config_default(&cfg);
    if (config && (rc = parse_file(config, NULL, &cfg, 1))) goto out;
    int64_t scan_id = 0;
    if (id) {
        if ((rc = kt_open(ctx, template || dry ? REG_OPEN_READONLY : 0, &r))) goto out;
        if ((rc = incident_load(r, id, &inc))) { kt_error(rc, "%s", reg_err(r)); goto out; }
        loaded = 1;
        if ((rc = assessment_suggest(r, &inc, in, &scan_id))) { kt_error(rc, "%s", reg_err(r)); goto out; }
        if ((rc = assessments_latest(r, &inc, latest, &have_latest))) { kt_error(rc, "%s", reg_err(r)); goto out; }
    } else if (!input && !template) {
        int dummy;
        struct enisa_input probe;
        enisa_input_init(&probe);
        if ((rc = apply_options(o, &probe, &dummy))) goto out;
        if (!dummy) { rc = kt_error(2, "assess needs an incident ID or an --input FILE"); usage_line(usage); goto out; }
    }
    if (input && (rc = parse_file(input, in, &cfg, 0))) goto out;
    if ((rc = apply_options(o, in, &any_opt))) goto out;
    char err[600];
    if (proposal_config_validate(&cfg, err, sizeof err)) {
        rc = kt_error(2, "%s: %s", input ? input : config ? config : "thresholds", err);
        goto out;
    }
    if (template) {
        size_t need = enisa_format_ini(in, NULL, 0);
        char *t = xmalloc(need + 1);
        enisa_format_ini(in, t, need + 1);
        if (id) printf("# for incident %s: suggestions are derived from the register; confirm or overrule them\n", inc.ref);
        fputs(t, stdout);
        free(t);
        print_template_thresholds(&cfg);
        goto out;
    }
    /* --decide alone: decide on the latest stored assessment */
    int decide_only = ds.given && !input && !any_opt && !config;
    if (decide_only) {
        if (!have_latest) {
            rc = kt_error(2, "incident %s has no assessment yet: run 'klartext assess %s' (with --input FILE or options) first",
                          inc.ref, inc.ref);
            goto out;
        }
        cur = latest;
    } else {
        if (proposal_make(in, &cfg, p, err, sizeof err)) {
            if (input) rc = kt_error(2, "%s: %s", input, err);
            else rc = kt_error(2, "cannot assess: %s; give it with an option such as --ei VALUE or in an --input FILE%s%s%s",
                               err, id ? " ('klartext assess " : "", id ? id : "", id ? " --template' writes one)" : "");
            goto out;
        }
    }
    if (!id) {
        if (ctx->json) rc = kt_json_print(assessment_json(in, &cfg, p));
        else { printf("Assessment (computed only; no register)\n\n"); print_assessment(in, &cfg, p); }
        goto out;
    }
    /* the decision is checked before anything is stored */
    char diff[512] = "";
    int differs = 0;
    const struct proposal *against = cur ? &cur->p : p;
    if (ds.given) {
        int c = proposal_check(against, &ds.d, diff, sizeof diff);
        char *semi = strstr(diff, "; the decision differs");
        if (semi) *semi = 0;
        if (c < 0) {
            rc = kt_error(2, "the decision differs from the proposal (%.300s): give the reason with --reason TEXT", diff);
            goto out;
        }
        differs = c == 1;
    }
    int unchanged = !cur && have_latest && assessment_same(latest, in, &cfg, scan_id);
    int64_t seq = cur ? cur->seq : unchanged ? latest->seq : 0, dseq = 0;
    int stored = 0;
    if (!dry && ((!cur && !unchanged) || ds.given)) {
        if ((rc = reg_begin(r))) { kt_error(rc, "%s", reg_err(r)); goto out; }
        if (!cur && !unchanged) {
            if ((rc = assessments_add(r, &inc, scan_id, in, &cfg, p, &seq))) goto fail;
            stored = 1;
        }
        if (ds.given) {
            /* decide against the assessment just stored, or the latest one */
            struct assessment *target = cur ? cur : latest;
            int found = 1;
            if (stored) {
                assessment_release(latest);
                if ((rc = assessments_latest(r, &inc, latest, &found))) goto fail;
                have_latest = found;
                target = latest;
            }
            if ((rc = decisions_add(r, &inc, target, ds.by, &ds.d, differs, differs ? diff : "decision matches the proposal", &dseq)))
                goto fail;
            if ((rc = decisions_latest(r, &inc, &dec, &found))) goto fail;
        }
        if ((rc = reg_commit(r))) goto fail;
    }
    const struct enisa_input *shown_in = cur ? &cur->in : in;
    const struct proposal_config *shown_cfg = cur ? &cur->cfg : &cfg;
    const struct proposal *shown_p = cur ? &cur->p : p;
    if (ctx->json) {
        json_t *j = json_object();
        json_object_set_new(j, "incident", json_string(inc.ref));
        json_object_set_new(j, "number", seq ? json_integer(seq) : json_null());
        json_object_set_new(j, "stored", json_boolean(stored));
        json_object_set_new(j, "unchanged", json_boolean(unchanged));
        json_object_set_new(j, "assessment", assessment_json(shown_in, shown_cfg, shown_p));
        json_object_set_new(j, "decision", dseq ? decision_json(&dec) : json_null());
        rc = kt_json_print(j);
        goto out;
    }
    if (dry) printf("Assessment of incident %s (dry run: nothing stored)\n\n", inc.ref);
    else if (stored) printf("Assessment #%lld of incident %s (stored)\n\n", (long long)seq, inc.ref);
    else if (unchanged) printf("Assessment #%lld of incident %s (unchanged: the same inputs as last time; nothing new stored)\n\n",
                               (long long)seq, inc.ref);
    else if (!decide_only) printf("Assessment #%lld of incident %s\n\n", (long long)seq, inc.ref);
    if (!ds.given || !decide_only) print_assessment(shown_in, shown_cfg, shown_p);
    if (dseq) {
        printf("%sDecision #%lld by %s on assessment #%lld (recorded): notify the authority: %s; tell the people: %s.\n",
               decide_only ? "" : "\n", (long long)dec.seq, dec.by, (long long)dec.assessment_seq,
               dec.notify_authority ? "yes" : "no",
               dec.people == PROPOSAL_PEOPLE_YES ? "yes" : dec.people == PROPOSAL_PEOPLE_PUBLIC ? "by a public communication" : "no");
        if (dec.differs) {
            printf("  It differs from the proposal: %s.\n  Reason: ", dec.difference);
            kt_print_wrapped(stdout, dec.reason ? dec.reason : "", 10, 100);
        } else {
            printf("  It follows the proposal.\n");
        }
    } else if (dry && ds.given) {
        printf("\nDecision (dry run, not recorded): %s\n", differs ? diff : "matches the proposal");
    } else if (!dry) {
        printf("\nA named person decides: klartext assess %s --decide authority=%s,subjects=%s --by NAME%s\n", inc.ref,
               shown_p->notify_authority ? "yes" : "no", proposal_people_name(proposal_recommended_people(shown_p)),
               "  (a different decision needs --reason TEXT)");
    }
    goto out;
fail:
    kt_error(rc, "%s", reg_err(r));
    reg_rollback(r);
out:
    decision_release(&dec);
    assessment_release(latest);
    free(latest);
    free(in);
    free(p);
    if (loaded) incident_release(&inc);
    reg_close(r);
    opt_free(o);
    free(o);
    return rc;
}
