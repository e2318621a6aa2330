/* test_lint.c — the coach's rules (client/lint.c) on crafted data, no
 * server: a clean quarter raises nothing, and each rule fires on a case made
 * to break it (and only it), with its stable name and the ids at fault, and
 * stays quiet on the nearby case that is fine (a threshold not passed, a
 * closed period, a done milestone, a single-level organisation ...). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lint.h"

#define DAY (86400LL * 1000000)
#define NOV_15 (20772LL * DAY)          /* 2026-11-15 00:00 UTC */
#define MAX_NODES 24

/* One period's data, as TreeGet would answer it. */
typedef struct {
    Okr__Period period;
    Okr__Team team[4];
    Okr__Team *teams[4];
    size_t n_teams;
    Okr__Objective o[MAX_NODES];
    Okr__Objective *objectives[MAX_NODES];
    Okr__KeyResult k[MAX_NODES];
    Okr__KeyResult *krs[MAX_NODES];
    Okr__Alignment a[MAX_NODES];
    Okr__Alignment *alignments[MAX_NODES];
    Okr__Alignment *more[MAX_NODES];
    size_t n_more;
    Okr__Graph graph;
    char ids[2 * MAX_NODES][8];
    lint_findings found;
    const char *team_filter;
    int64_t now;
} world;

static world *W(void **state) { return *state; }

static Okr__Team *add_team(world *w, const char *name, const char *parent)
{
    Okr__Team *t = &w->team[w->n_teams];
    okr__team__init(t);
    t->name = (char *)name;
    t->parent = (char *)parent;
    w->teams[w->n_teams++] = t;
    return t;
}

/* An aspirational, on-track objective of the period, made at the start. */
static Okr__Objective *add_objective(world *w, const char *team)
{
    size_t i = w->graph.n_objectives;
    assert_true(i < MAX_NODES);
    Okr__Objective *o = &w->o[i];
    okr__objective__init(o);
    snprintf(w->ids[i], sizeof w->ids[i], "O%zu", i + 1);
    o->id = w->ids[i];
    o->title = "An objective";
    o->period = "2026-Q4";
    o->team = (char *)team;
    o->has_created_at = true;
    o->created_at = NOV_15 - 45 * DAY;
    o->has_score = o->has_health = true;
    o->score = 500000;
    o->health = OKR__HEALTH__ON_TRACK;
    w->objectives[i] = o;
    w->graph.n_objectives++;
    return o;
}

/* A metric KR in units, checked in yesterday with a confidence. */
static Okr__KeyResult *add_kr(world *w, const Okr__Objective *o)
{
    size_t i = w->graph.n_krs;
    assert_true(i < MAX_NODES);
    Okr__KeyResult *k = &w->k[i];
    okr__key_result__init(k);
    snprintf(w->ids[MAX_NODES + i], 8, "K%zu", i + 1);
    k->id = w->ids[MAX_NODES + i];
    k->objective = o->id;
    k->title = "A key result";
    k->unit = "USD";
    k->has_checkins = k->has_updated_at = k->has_confidence = true;
    k->checkins = 3;
    k->updated_at = NOV_15 - DAY;
    k->confidence = 0.8;
    k->score = 500000;
    w->krs[i] = k;
    w->graph.n_krs++;
    return k;
}

static Okr__Alignment *align(world *w, const char *child, const char *parent, bool counts)
{
    size_t i = w->graph.n_alignments;
    Okr__Alignment *a = &w->a[i];
    okr__alignment__init(a);
    a->child = (char *)child;
    a->parent = (char *)parent;
    a->has_weight = a->has_counts = true;
    a->weight = 1;
    a->counts = counts;
    w->alignments[i] = a;
    w->graph.n_alignments++;
    return a;
}

/* The clean quarter:
 *   Company                  Sales (parent Company)
 *   O1 Grow (Company)        K1 roll-up, K2 metric %
 *   O2 Sell (Sales) -> K1    K3 metric USD, K4 milestone (confidence 0.8) */
static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -1;
    okr__period__init(&w->period);
    w->period.name = "2026-Q4";
    w->period.start = "2026-10-01";
    w->period.end = "2026-12-31";
    okr__graph__init(&w->graph);
    w->graph.objectives = w->objectives;
    w->graph.krs = w->krs;
    w->graph.alignments = w->alignments;
    add_team(w, "Company", NULL);
    add_team(w, "Sales", "Company");
    Okr__Objective *o1 = add_objective(w, "Company");
    Okr__KeyResult *k1 = add_kr(w, o1);
    k1->kind = OKR__KR_KIND__ROLLUP;
    k1->has_checkins = k1->has_updated_at = k1->has_confidence = false;
    k1->checkins = 0;
    add_kr(w, o1)->unit = "%";
    Okr__Objective *o2 = add_objective(w, "Sales");
    add_kr(w, o2);
    add_kr(w, o2)->kind = OKR__KR_KIND__MILESTONE;
    align(w, "O2", "K1", true);
    w->now = NOV_15;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    lint_findings_free(&W(state)->found);
    free(*state);
    return 0;
}

static size_t run_with(world *w, const lint_thresholds *t)
{
    lint_findings_free(&w->found);
    lint_input in = {.period = &w->period, .team = w->team_filter, .graph = &w->graph,
                     .more = w->more, .n_more = w->n_more, .teams = w->teams,
                     .n_teams = w->n_teams, .now_us = w->now};
    size_t n = lint_run(&in, t, &w->found);
    assert_int_equal(n, w->found.n);
    return n;
}

static size_t run(world *w)
{
    lint_thresholds t;
    lint_thresholds_default(&t);
    return run_with(w, &t);
}

/* Exactly one finding, of `rule`, naming these ids (NULL-terminated). */
static void expect_one(world *w, lint_rule rule, ...)
{
    if (w->found.n != 1) {
        for (size_t i = 0; i < w->found.n; i++)
            print_message("finding: %s %s\n", lint_rule_name(w->found.items[i].rule),
                          w->found.items[i].message);
    }
    assert_int_equal(w->found.n, 1);
    const lint_finding *f = &w->found.items[0];
    assert_string_equal(lint_rule_name(f->rule), lint_rule_name(rule));
    va_list ap;
    va_start(ap, rule);
    size_t n = 0;
    for (const char *id = va_arg(ap, const char *); id; id = va_arg(ap, const char *), n++) {
        assert_true(n < f->n_ids);
        assert_string_equal(f->ids[n], id);
    }
    va_end(ap);
    assert_int_equal(n, f->n_ids);
    assert_non_null(f->message);
    assert_true(strlen(f->message) > 20);
}

/* ------------------------------------------------------------ the tests */

static void test_a_clean_quarter_has_no_findings(void **state)
{
    assert_int_equal(run(W(state)), 0);
}

static void test_rule_names_are_stable_and_kebab_case(void **state)
{
    (void)state;
    static const char *const want[LINT__RULES] = {
        "too-many-objectives", "too-few-krs", "too-many-krs", "stale-kr",
        "metric-without-unit", "milestone-without-confidence", "isolated-objective",
        "committed-off-track", "uncounted-alignment"};
    for (int i = 0; i < LINT__RULES; i++)
        assert_string_equal(lint_rule_name((lint_rule)i), want[i]);
    assert_string_equal(lint_rule_name(LINT__RULES), "unknown");
}

/* Six Sales objectives, each fine on its own: the team has too many. */
static void add_good_sales_objectives(world *w, int n)
{
    for (int i = 0; i < n; i++) {
        Okr__Objective *o = add_objective(w, "Sales");
        add_kr(w, o);
        add_kr(w, o);
        align(w, o->id, "K1", true);
    }
}

static void test_a_team_with_six_objectives_has_too_many(void **state)
{
    world *w = W(state);
    add_good_sales_objectives(w, 5);
    run(w);
    expect_one(w, LINT_TOO_MANY_OBJECTIVES, "O2", "O3", "O4", "O5", "O6", "O7", NULL);
    assert_string_equal(w->found.items[0].team, "Sales");
    assert_non_null(strstr(w->found.items[0].message, "6 active objectives"));
}

static void test_five_objectives_or_a_higher_threshold_is_fine(void **state)
{
    world *w = W(state);
    add_good_sales_objectives(w, 4);
    assert_int_equal(run(w), 0);
    add_good_sales_objectives(w, 1);
    lint_thresholds t;
    lint_thresholds_default(&t);
    t.limit[LINT_MAX_OBJECTIVES] = 6;
    assert_int_equal(run_with(w, &t), 0);
}

static void test_archived_and_other_period_objectives_do_not_count(void **state)
{
    world *w = W(state);
    add_good_sales_objectives(w, 5);
    w->o[6].archived = true;          /* O7 */
    assert_int_equal(run(w), 0);
    w->o[6].archived = false;
    w->o[6].period = "2027-Q1";
    assert_int_equal(run(w), 0);
}

static void test_an_objective_with_one_kr_has_too_few(void **state)
{
    world *w = W(state);
    Okr__Objective *o = add_objective(w, "Sales");
    add_kr(w, o);
    align(w, o->id, "K1", true);
    run(w);
    expect_one(w, LINT_TOO_FEW_KRS, "O3", NULL);
    assert_non_null(strstr(w->found.items[0].message, "1 KR "));
}

static void test_an_objective_scored_from_aligned_needs_no_krs(void **state)
{
    world *w = W(state);
    Okr__Objective *o = add_objective(w, "Company");
    o->progress = OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED;
    align(w, "O2", o->id, true);
    assert_int_equal(run(w), 0);
}

static void test_an_objective_with_six_krs_has_too_many(void **state)
{
    world *w = W(state);
    for (int i = 0; i < 4; i++)
        add_kr(w, &w->o[1]);
    run(w);
    expect_one(w, LINT_TOO_MANY_KRS, "O2", NULL);
    w->graph.n_krs--;                 /* five is fine */
    assert_int_equal(run(w), 0);
}

static void test_kr_count_thresholds_are_settings(void **state)
{
    world *w = W(state);
    lint_thresholds t;
    lint_thresholds_default(&t);
    t.limit[LINT_MIN_KRS] = 3;
    run_with(w, &t);
    assert_int_equal(w->found.n, 2);
    assert_int_equal(w->found.items[0].rule, LINT_TOO_FEW_KRS);
    assert_string_equal(w->found.items[0].ids[0], "O1");
    assert_string_equal(w->found.items[1].ids[0], "O2");
    lint_thresholds_default(&t);
    t.limit[LINT_MAX_KRS] = 1;
    t.limit[LINT_MIN_KRS] = 1;
    assert_int_equal(run_with(w, &t), 2);
    assert_int_equal(w->found.items[0].rule, LINT_TOO_MANY_KRS);
}

static void test_a_kr_quiet_for_fifteen_days_is_stale(void **state)
{
    world *w = W(state);
    w->k[2].updated_at = NOV_15 - 15 * DAY;       /* K3 */
    run(w);
    expect_one(w, LINT_STALE_KR, "K3", "O2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "15 days (last 2026-10-31"));
}

static void test_a_kr_checked_in_thirteen_days_ago_is_fine(void **state)
{
    world *w = W(state);
    w->k[2].updated_at = NOV_15 - 13 * DAY;
    assert_int_equal(run(w), 0);
    lint_thresholds t;
    lint_thresholds_default(&t);
    t.limit[LINT_STALE_DAYS] = 7;
    run_with(w, &t);
    expect_one(w, LINT_STALE_KR, "K3", "O2", NULL);
}

/* Never checked in: counted from the later of the period's start and the
 * objective's creation. */
static void test_a_kr_never_checked_in_counts_from_its_objective_or_the_start(void **state)
{
    world *w = W(state);
    Okr__KeyResult *k3 = &w->k[2];
    k3->checkins = 0;
    k3->has_updated_at = false;
    run(w);                                        /* O2 made 45 days ago */
    expect_one(w, LINT_STALE_KR, "K3", "O2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "never been checked in (45 days"));
    w->o[1].created_at = NOV_15 - 5 * DAY;         /* a new objective: not yet */
    assert_int_equal(run(w), 0);
    w->o[1].created_at = 0;                        /* made before the period: its start */
    run(w);
    expect_one(w, LINT_STALE_KR, "K3", "O2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "since 2026-10-01"));
}

static void test_stale_checks_skip_closed_periods_rollups_and_done_milestones(void **state)
{
    world *w = W(state);
    w->k[1].updated_at = NOV_15 - 30 * DAY;        /* K2 */
    w->period.closed = true;
    assert_int_equal(run(w), 0);
    w->period.closed = false;
    w->k[1].kind = OKR__KR_KIND__MILESTONE;
    w->k[1].score = 1000000;                       /* done */
    assert_int_equal(run(w), 0);
    w->k[0].updated_at = NOV_15 - 30 * DAY;        /* K1 roll-up: never checked in */
    assert_int_equal(run(w), 0);
}

static void test_a_metric_without_a_unit(void **state)
{
    world *w = W(state);
    w->k[2].unit = "";
    run(w);
    expect_one(w, LINT_METRIC_WITHOUT_UNIT, "K3", "O2", NULL);
    w->k[2].unit = NULL;
    run(w);
    expect_one(w, LINT_METRIC_WITHOUT_UNIT, "K3", "O2", NULL);
    w->k[2].kind = OKR__KR_KIND__THRESHOLD;        /* only metrics */
    assert_int_equal(run(w), 0);
}

static void test_a_milestone_without_a_confidence(void **state)
{
    world *w = W(state);
    w->k[3].has_confidence = false;                /* K4 */
    run(w);
    expect_one(w, LINT_MILESTONE_WITHOUT_CONFIDENCE, "K4", "O2", NULL);
    w->k[3].score = 1000000;                       /* done: nothing to be confident of */
    assert_int_equal(run(w), 0);
}

static void test_an_objective_aligned_to_nothing_is_isolated(void **state)
{
    world *w = W(state);
    Okr__Objective *o = add_objective(w, "Sales");
    add_kr(w, o);
    add_kr(w, o);
    run(w);
    expect_one(w, LINT_ISOLATED_OBJECTIVE, "O3", NULL);
}

/* An objective something is aligned to (itself or one of its KRs) is
 * not isolated; nor is one aligned to a parent of another period. */
static void test_children_or_a_parent_elsewhere_keep_it_connected(void **state)
{
    world *w = W(state);
    Okr__Objective *o = add_objective(w, "Sales");
    add_kr(w, o);
    add_kr(w, o);
    static Okr__Alignment up;
    okr__alignment__init(&up);
    up.child = "O3";
    up.parent = "O40";                              /* a year objective: not in the graph */
    w->more[w->n_more++] = &up;
    assert_int_equal(run(w), 0);
    w->n_more = 0;
    Okr__Objective *kid = add_objective(w, "Sales");
    add_kr(w, kid);
    add_kr(w, kid);
    align(w, kid->id, "K5", true);                 /* O4 -> K5, a KR of O3 */
    assert_int_equal(run(w), 0);
}

static void test_a_single_level_organisation_has_no_isolated_objectives(void **state)
{
    world *w = W(state);
    w->team[1].parent = NULL;
    w->graph.n_alignments = 0;
    assert_int_equal(run(w), 0);
    w->team[1].parent = "Company";                 /* teams with parents: multi-level */
    run(w);
    assert_int_equal(w->found.n, 2);
    assert_int_equal(w->found.items[0].rule, LINT_ISOLATED_OBJECTIVE);
    assert_int_equal(w->found.items[1].rule, LINT_ISOLATED_OBJECTIVE);
}

static void test_a_committed_objective_off_track_or_at_risk(void **state)
{
    world *w = W(state);
    Okr__Objective *o2 = &w->o[1];
    o2->has_type = true;
    o2->type = OKR__OBJECTIVE_TYPE__COMMITTED;
    assert_int_equal(run(w), 0);                   /* on track */
    o2->health = OKR__HEALTH__OFF_TRACK;
    o2->score = 200000;
    o2->expected = 500000;
    run(w);
    expect_one(w, LINT_COMMITTED_OFF_TRACK, "O2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "off_track (score 0.200, expected 0.500"));
    o2->health = OKR__HEALTH__AT_RISK;
    run(w);
    expect_one(w, LINT_COMMITTED_OFF_TRACK, "O2", NULL);
    o2->type = OKR__OBJECTIVE_TYPE__ASPIRATIONAL;  /* aspirational may miss */
    assert_int_equal(run(w), 0);
}

static void test_a_committed_objective_closed_below_green(void **state)
{
    world *w = W(state);
    Okr__Objective *o2 = &w->o[1];
    w->period.closed = true;
    o2->type = OKR__OBJECTIVE_TYPE__COMMITTED;
    o2->health = OKR__HEALTH__HEALTH_NONE;
    o2->grade = OKR__GRADE__YELLOW;
    run(w);
    expect_one(w, LINT_COMMITTED_OFF_TRACK, "O2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "graded yellow"));
    o2->grade = OKR__GRADE__GREEN;
    assert_int_equal(run(w), 0);
}

static void test_an_aligned_child_that_counts_for_nothing(void **state)
{
    world *w = W(state);
    w->a[0].parent = "K2";                         /* a metric KR */
    w->a[0].counts = false;
    run(w);
    expect_one(w, LINT_UNCOUNTED_ALIGNMENT, "O2", "K2", NULL);
    assert_non_null(strstr(w->found.items[0].message, "K2 is not a roll-up KR"));
    /* the same edge again from ObjectiveGet: one finding */
    w->more[w->n_more++] = &w->a[0];
    run(w);
    expect_one(w, LINT_UNCOUNTED_ALIGNMENT, "O2", "K2", NULL);
    w->a[0].parent = "O1";                         /* O1 scores from its KRs */
    run(w);
    expect_one(w, LINT_UNCOUNTED_ALIGNMENT, "O2", "O1", NULL);
    assert_non_null(strstr(w->found.items[0].message, "O1 scores from its KRs"));
}

/* --team Sales: Sales' objectives (and its sub-teams'), not Company's; an
 * edge counts when either end is in scope. */
static void test_the_team_filter_takes_the_team_and_its_sub_teams(void **state)
{
    world *w = W(state);
    add_team(w, "Inside", "Sales");
    w->k[1].unit = "";                             /* K2 of O1 (Company) */
    w->team_filter = "Sales";
    assert_int_equal(run(w), 0);
    w->team_filter = "Company";
    run(w);
    expect_one(w, LINT_METRIC_WITHOUT_UNIT, "K2", "O1", NULL);
    w->k[1].unit = "%";
    w->o[1].team = "Inside";                       /* O2 moves below Sales */
    w->k[3].has_confidence = false;
    w->team_filter = "Sales";
    run(w);
    expect_one(w, LINT_MILESTONE_WITHOUT_CONFIDENCE, "K4", "O2", NULL);
    assert_string_equal(w->found.items[0].team, "Inside");
}

static void test_thresholds_have_keys_options_and_ranges(void **state)
{
    (void)state;
    char err[160];
    lint_thresholds t;
    lint_thresholds_default(&t);
    assert_int_equal(t.limit[LINT_MAX_OBJECTIVES], 5);
    assert_int_equal(t.limit[LINT_MIN_KRS], 2);
    assert_int_equal(t.limit[LINT_MAX_KRS], 5);
    assert_int_equal(t.limit[LINT_STALE_DAYS], 14);
    assert_string_equal(lint_limit_key(LINT_STALE_DAYS), "stale_days");
    assert_string_equal(lint_limit_option(LINT_MAX_OBJECTIVES), "max-objectives");
    assert_true(lint_thresholds_check(&t, err, sizeof err));
    assert_false(lint_limit_check(LINT_STALE_DAYS, 0, err, sizeof err));
    assert_string_equal(err, "stale_days must be a whole number from 1 to 3650, not 0");
    assert_true(lint_limit_check(LINT_MIN_KRS, 0, err, sizeof err));
    t.limit[LINT_MIN_KRS] = 6;
    assert_false(lint_thresholds_check(&t, err, sizeof err));
    assert_string_equal(err, "min_krs (6) is above max_krs (5)");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_clean_quarter_has_no_findings),
        T(test_rule_names_are_stable_and_kebab_case),
        T(test_a_team_with_six_objectives_has_too_many),
        T(test_five_objectives_or_a_higher_threshold_is_fine),
        T(test_archived_and_other_period_objectives_do_not_count),
        T(test_an_objective_with_one_kr_has_too_few),
        T(test_an_objective_scored_from_aligned_needs_no_krs),
        T(test_an_objective_with_six_krs_has_too_many),
        T(test_kr_count_thresholds_are_settings),
        T(test_a_kr_quiet_for_fifteen_days_is_stale),
        T(test_a_kr_checked_in_thirteen_days_ago_is_fine),
        T(test_a_kr_never_checked_in_counts_from_its_objective_or_the_start),
        T(test_stale_checks_skip_closed_periods_rollups_and_done_milestones),
        T(test_a_metric_without_a_unit),
        T(test_a_milestone_without_a_confidence),
        T(test_an_objective_aligned_to_nothing_is_isolated),
        T(test_children_or_a_parent_elsewhere_keep_it_connected),
        T(test_a_single_level_organisation_has_no_isolated_objectives),
        T(test_a_committed_objective_off_track_or_at_risk),
        T(test_a_committed_objective_closed_below_green),
        T(test_an_aligned_child_that_counts_for_nothing),
        T(test_the_team_filter_takes_the_team_and_its_sub_teams),
        T(test_thresholds_have_keys_options_and_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
