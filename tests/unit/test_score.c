/* test_score.c — the scoring rules of DESIGN §3 (common/score.c).
 * Each test name states the rule it checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "score.h"

static int64_t leaf(score_kind kind, score_direction dir, double start, double target,
                    bool has_current, double current)
{
    score_kr_input in = {
        .kind = kind,
        .direction = dir,
        .start = start,
        .target = target,
        .current = current,
        .has_current = has_current,
    };
    return score_leaf_kr(&in);
}

static int64_t metric_kr(double start, double target, double current)
{
    return leaf(SCORE_KIND_METRIC, SCORE_AT_LEAST, start, target, true, current);
}

/* ------------------------------------------------------------ metric */

static void test_increasing_metric_half_way_scores_half(void **state)
{
    (void)state;
    assert_int_equal(score_metric(0, 10, 5), 500000);
    assert_int_equal(score_metric(100, 200, 150), 500000);
}

static void test_decreasing_metric_half_way_scores_half(void **state)
{
    (void)state;
    /* DESIGN: refund rate 0.5 % -> 0.2 %, now 0.35 %. */
    assert_int_equal(score_metric(0.5, 0.2, 0.35), 500000);
    assert_int_equal(score_metric(10, 0, 5), 500000);
}

static void test_metric_at_start_scores_zero(void **state)
{
    (void)state;
    assert_int_equal(score_metric(5, 15, 5), 0);
    assert_int_equal(score_metric(0.5, 0.2, 0.5), 0);
}

static void test_metric_at_target_scores_one(void **state)
{
    (void)state;
    assert_int_equal(score_metric(5, 15, 15), OKR_SCORE_ONE);
    assert_int_equal(score_metric(0.5, 0.2, 0.2), OKR_SCORE_ONE);
}

static void test_metric_on_wrong_side_of_start_clamps_to_zero(void **state)
{
    (void)state;
    assert_int_equal(score_metric(0, 10, -5), 0);
    assert_int_equal(score_metric(0.5, 0.2, 0.6), 0);     /* refunds got worse */
    assert_int_equal(score_metric(0, 10, -1e15), 0);
}

static void test_metric_past_target_clamps_to_one(void **state)
{
    (void)state;
    assert_int_equal(score_metric(0, 10, 15), OKR_SCORE_ONE);
    assert_int_equal(score_metric(0.5, 0.2, 0.05), OKR_SCORE_ONE);
    assert_int_equal(score_metric(0, 10, 1e15), OKR_SCORE_ONE);
}

static void test_metric_rounds_to_nearest_millionth(void **state)
{
    (void)state;
    assert_int_equal(score_metric(0, 3, 1), 333333);
    assert_int_equal(score_metric(0, 3, 2), 666667);
    assert_int_equal(score_metric(0, 7, 1), 142857);     /* 0.1428571... */
    assert_int_equal(score_metric(0, 7, 4), 571429);     /* 0.5714285... */
}

static void test_metric_with_target_equal_start_scores_zero(void **state)
{
    (void)state;
    assert_int_equal(score_metric(5, 5, 5), 0);
    assert_int_equal(score_metric(5, 5, 7), 0);
    assert_int_equal(score_attainment(5, 5, 7), 0);
}

static void test_metric_with_nan_value_scores_zero(void **state)
{
    (void)state;
    assert_int_equal(score_metric(0, 10, NAN), 0);
    assert_int_equal(score_attainment(0, 10, NAN), 0);
}

static void test_overshoot_attainment_is_kept_unclamped(void **state)
{
    (void)state;
    assert_int_equal(score_attainment(0, 10, 15), 1500000);
    assert_int_equal(score_attainment(0, 10, 5), 500000);
    assert_int_equal(score_attainment(0, 10, -5), -500000);
    assert_int_equal(score_attainment(0.5, 0.2, 0.05), 1500000);
    /* and the score of the same KR stays clamped */
    assert_int_equal(score_metric(0, 10, 15), OKR_SCORE_ONE);
}

static void test_attainment_saturates_instead_of_overflowing(void **state)
{
    (void)state;
    assert_int_equal(score_attainment(0, 1e-9, 1e15), 1000000000000LL);
    assert_int_equal(score_attainment(0, 1e-9, -1e15), -1000000000000LL);
    assert_int_equal(score_attainment(0, 1e-9, INFINITY), 1000000000000LL);
}

static void test_metric_before_first_checkin_scores_as_at_start(void **state)
{
    (void)state;
    /* current is garbage when has_current is false: it must be ignored */
    assert_int_equal(leaf(SCORE_KIND_METRIC, SCORE_AT_LEAST, 0, 10, false, 9), 0);
    assert_int_equal(leaf(SCORE_KIND_METRIC, SCORE_AT_LEAST, 0.5, 0.2, false, 0.2), 0);
    assert_int_equal(leaf(SCORE_KIND_METRIC, SCORE_AT_LEAST, 0, 10, true, 9), 900000);
}

static void test_design_example_kr_scores(void **state)
{
    (void)state;
    assert_int_equal(metric_kr(0.5, 0.2, 0.35), 500000);   /* refund */
    assert_int_equal(metric_kr(5, 15, 9), 400000);         /* repeat buyers */
    assert_int_equal(metric_kr(10, 25, 16), 400000);       /* awareness */
}

static void test_design_example_objective_scores_433333(void **state)
{
    (void)state;
    int64_t sum_ws = metric_kr(0.5, 0.2, 0.35) + metric_kr(5, 15, 9) +
                     metric_kr(10, 25, 16);
    assert_int_equal(sum_ws, 1300000);
    assert_int_equal(score_weighted_mean(sum_ws, 3), 433333);
}

/* ------------------------------------------------------------ threshold */

static void test_threshold_at_least_bound_is_inclusive(void **state)
{
    (void)state;
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_LEAST, 0, 100, true, 100),
                     OKR_SCORE_ONE);
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_LEAST, 0, 100, true, 150),
                     OKR_SCORE_ONE);
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_LEAST, 0, 100, true, 99.999), 0);
}

static void test_threshold_at_most_bound_is_inclusive(void **state)
{
    (void)state;
    /* "keep churn at or below 2 %" */
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_MOST, 3, 2, true, 2), OKR_SCORE_ONE);
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_MOST, 3, 2, true, 1.5),
                     OKR_SCORE_ONE);
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_MOST, 3, 2, true, 2.01), 0);
}

static void test_threshold_is_all_or_nothing(void **state)
{
    (void)state;
    for (double v = 0; v < 100; v += 7.5)
        assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_LEAST, 0, 100, true, v), 0);
}

static void test_threshold_before_first_checkin_scores_zero(void **state)
{
    (void)state;
    /* score.h: "A threshold KR without a value scores 0", whatever current holds */
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_MOST, 1, 2, false, 1), 0);
    assert_int_equal(leaf(SCORE_KIND_THRESHOLD, SCORE_AT_LEAST, 5, 2, false, 5), 0);
}

/* ------------------------------------------------------------ milestone, roll-up */

static void test_milestone_scores_one_only_when_done(void **state)
{
    (void)state;
    assert_int_equal(leaf(SCORE_KIND_MILESTONE, SCORE_AT_LEAST, 0, 1, true, 1), OKR_SCORE_ONE);
    assert_int_equal(leaf(SCORE_KIND_MILESTONE, SCORE_AT_LEAST, 0, 1, true, 0), 0);
    assert_int_equal(leaf(SCORE_KIND_MILESTONE, SCORE_AT_LEAST, 0, 1, true, 0.99), 0);
    assert_int_equal(leaf(SCORE_KIND_MILESTONE, SCORE_AT_LEAST, 0, 1, false, 1), 0);
}

static void test_rollup_kr_is_not_a_leaf_and_scores_zero_here(void **state)
{
    (void)state;
    assert_int_equal(leaf(SCORE_KIND_ROLLUP, SCORE_AT_LEAST, 0, 10, true, 10), 0);
}

/* ------------------------------------------------------------ weighted mean */

static void test_weighted_mean_rounds_half_up(void **state)
{
    (void)state;
    assert_int_equal(score_weighted_mean(1, 2), 1);             /* 0.5 -> 1 */
    assert_int_equal(score_weighted_mean(3, 2), 2);             /* 1.5 -> 2 */
    assert_int_equal(score_weighted_mean(933333, 2), 466667);   /* x.5 -> up */
    assert_int_equal(score_weighted_mean(1, 3), 0);             /* 0.33 -> 0 */
    assert_int_equal(score_weighted_mean(2, 3), 1);             /* 0.67 -> 1 */
    assert_int_equal(score_weighted_mean(1300000, 3), 433333);
    assert_int_equal(score_weighted_mean(1300001, 3), 433334);  /* .667 -> up */
}

static void test_weighted_mean_matches_formula(void **state)
{
    (void)state;
    for (int64_t w = 1; w <= 50; w++)
        for (int64_t ws = 0; ws <= 50 * OKR_SCORE_ONE; ws += 999983)
            assert_int_equal(score_weighted_mean(ws, w), (ws + w / 2) / w);
}

static void test_weighted_mean_respects_weights(void **state)
{
    (void)state;
    /* scores 1.0 (weight 3) and 0.0 (weight 1) */
    assert_int_equal(score_weighted_mean(3 * OKR_SCORE_ONE + 1 * 0, 4), 750000);
    /* 0.4 (weight 1000) and 1.0 (weight 1) */
    assert_int_equal(score_weighted_mean(1000 * 400000LL + OKR_SCORE_ONE, 1001), 400599);
}

static void test_weighted_mean_of_equal_scores_is_that_score(void **state)
{
    (void)state;
    assert_int_equal(score_weighted_mean(3 * OKR_SCORE_ONE, 3), OKR_SCORE_ONE);
    assert_int_equal(score_weighted_mean(7 * 123457LL, 7), 123457);
}

static void test_weighted_mean_of_nothing_is_zero(void **state)
{
    (void)state;
    assert_int_equal(score_weighted_mean(0, 0), 0);
}

static void test_weighted_mean_handles_largest_sums(void **state)
{
    (void)state;
    /* OKR_MAX_LIST children of weight 1000, all at 1.0 */
    int64_t w = 10000LL * 1000;
    assert_int_equal(score_weighted_mean(w * OKR_SCORE_ONE, w), OKR_SCORE_ONE);
}

/* ------------------------------------------------------------ expected, health */

#define DAY_US 86400000000LL

static void test_expected_before_period_start_is_zero(void **state)
{
    (void)state;
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 5 * DAY_US, false), 0);
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 10 * DAY_US, true), 0);
}

static void test_expected_half_way_is_half_the_goal(void **state)
{
    (void)state;
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 15 * DAY_US, false), 350000);
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 15 * DAY_US, true), 500000);
}

static void test_expected_at_period_end_is_the_goal(void **state)
{
    (void)state;
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 20 * DAY_US, false), 700000);
    assert_int_equal(score_expected(10 * DAY_US, 20 * DAY_US, 99 * DAY_US, true),
                     OKR_SCORE_ONE);
}

static void test_expected_of_empty_period_is_the_goal(void **state)
{
    (void)state;
    assert_int_equal(score_expected(10 * DAY_US, 10 * DAY_US, 0, false), 700000);
}

static score_health health(int64_t score, int64_t expected)
{
    return score_health_of(score, expected, false, 0, &score_default_health);
}

static void test_on_track_from_85_percent_of_expected_inclusive(void **state)
{
    (void)state;
    assert_int_equal(health(850000, 1000000), SCORE_ON_TRACK);
    assert_int_equal(health(849999, 1000000), SCORE_AT_RISK);
    assert_int_equal(health(595000, 700000), SCORE_ON_TRACK);
    assert_int_equal(health(594999, 700000), SCORE_AT_RISK);
    assert_int_equal(health(1000000, 1000000), SCORE_ON_TRACK);
}

static void test_at_risk_from_60_percent_of_expected_inclusive(void **state)
{
    (void)state;
    assert_int_equal(health(600000, 1000000), SCORE_AT_RISK);
    assert_int_equal(health(599999, 1000000), SCORE_OFF_TRACK);
    assert_int_equal(health(420000, 700000), SCORE_AT_RISK);
    assert_int_equal(health(419999, 700000), SCORE_OFF_TRACK);
}

static void test_nothing_expected_yet_is_on_track(void **state)
{
    (void)state;
    assert_int_equal(health(0, 0), SCORE_ON_TRACK);
}

static void test_low_confidence_caps_on_track_at_at_risk(void **state)
{
    (void)state;
    const score_health_settings *s = &score_default_health;
    assert_int_equal(score_health_of(900000, 500000, true, 0.4, s), SCORE_AT_RISK);
    assert_int_equal(score_health_of(999999, 500000, true, 0.49, s), SCORE_AT_RISK);
}

/* DESIGN §3: a done milestone or a KR at its target is not capped by a stale
 * confidence — a score of 1.0 has nothing left to doubt. */
static void test_score_of_one_is_not_capped_by_low_confidence(void **state)
{
    (void)state;
    const score_health_settings *s = &score_default_health;
    assert_int_equal(score_health_of(OKR_SCORE_ONE, 500000, true, 0.1, s), SCORE_ON_TRACK);
    assert_int_equal(score_health_of(OKR_SCORE_ONE, 1000000, true, 0.0, s), SCORE_ON_TRACK);
}

static void test_confidence_at_the_limit_does_not_cap(void **state)
{
    (void)state;
    const score_health_settings *s = &score_default_health;
    assert_int_equal(score_health_of(900000, 500000, true, 0.5, s), SCORE_ON_TRACK);
    assert_int_equal(score_health_of(900000, 500000, true, 0.9, s), SCORE_ON_TRACK);
}

static void test_missing_confidence_does_not_cap(void **state)
{
    (void)state;
    assert_int_equal(score_health_of(1000000, 500000, false, 0.0, &score_default_health),
                     SCORE_ON_TRACK);
}

static void test_low_confidence_never_improves_health(void **state)
{
    (void)state;
    const score_health_settings *s = &score_default_health;
    assert_int_equal(score_health_of(0, 1000000, true, 0.1, s), SCORE_OFF_TRACK);
    assert_int_equal(score_health_of(700000, 1000000, true, 0.1, s), SCORE_AT_RISK);
}

static void test_health_thresholds_are_settings(void **state)
{
    (void)state;
    score_health_settings strict = {.on_track = 1.0, .at_risk = 0.9, .low_confidence = 0.8};
    assert_int_equal(score_health_of(950000, 1000000, false, 0, &strict), SCORE_AT_RISK);
    assert_int_equal(score_health_of(990000, 990000, true, 0.7, &strict), SCORE_AT_RISK);
    assert_int_equal(score_health_of(899999, 1000000, false, 0, &strict), SCORE_OFF_TRACK);
}

/* ------------------------------------------------------------ grade, names */

static void test_aspirational_grade_boundaries_are_0_4_and_0_7(void **state)
{
    (void)state;
    assert_int_equal(score_grade_of(0, false), SCORE_RED);
    assert_int_equal(score_grade_of(399999, false), SCORE_RED);
    assert_int_equal(score_grade_of(400000, false), SCORE_YELLOW);
    assert_int_equal(score_grade_of(699999, false), SCORE_YELLOW);
    assert_int_equal(score_grade_of(700000, false), SCORE_GREEN);
    assert_int_equal(score_grade_of(OKR_SCORE_ONE, false), SCORE_GREEN);
}

/* Committed objectives are graded against 1.0: green only when delivered in
 * full, yellow from 0.7 (docs/scoring.md). */
static void test_committed_grade_is_green_only_at_one(void **state)
{
    (void)state;
    assert_int_equal(score_grade_of(0, true), SCORE_RED);
    assert_int_equal(score_grade_of(699999, true), SCORE_RED);
    assert_int_equal(score_grade_of(700000, true), SCORE_YELLOW);
    assert_int_equal(score_grade_of(999999, true), SCORE_YELLOW);
    assert_int_equal(score_grade_of(OKR_SCORE_ONE, true), SCORE_GREEN);
}

static void test_health_and_grade_names(void **state)
{
    (void)state;
    assert_string_equal(score_health_name(SCORE_ON_TRACK), "on_track");
    assert_string_equal(score_health_name(SCORE_AT_RISK), "at_risk");
    assert_string_equal(score_health_name(SCORE_OFF_TRACK), "off_track");
    assert_string_equal(score_health_name(SCORE_HEALTH_NONE), "none");
    assert_string_equal(score_grade_name(SCORE_RED), "red");
    assert_string_equal(score_grade_name(SCORE_YELLOW), "yellow");
    assert_string_equal(score_grade_name(SCORE_GREEN), "green");
    assert_string_equal(score_grade_name(SCORE_GRADE_NONE), "none");
}

static void test_default_health_settings_match_design(void **state)
{
    (void)state;
    assert_true(score_default_health.on_track == 0.85);
    assert_true(score_default_health.at_risk == 0.6);
    assert_true(score_default_health.low_confidence == 0.5);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_increasing_metric_half_way_scores_half),
        cmocka_unit_test(test_decreasing_metric_half_way_scores_half),
        cmocka_unit_test(test_metric_at_start_scores_zero),
        cmocka_unit_test(test_metric_at_target_scores_one),
        cmocka_unit_test(test_metric_on_wrong_side_of_start_clamps_to_zero),
        cmocka_unit_test(test_metric_past_target_clamps_to_one),
        cmocka_unit_test(test_metric_rounds_to_nearest_millionth),
        cmocka_unit_test(test_metric_with_target_equal_start_scores_zero),
        cmocka_unit_test(test_metric_with_nan_value_scores_zero),
        cmocka_unit_test(test_overshoot_attainment_is_kept_unclamped),
        cmocka_unit_test(test_attainment_saturates_instead_of_overflowing),
        cmocka_unit_test(test_metric_before_first_checkin_scores_as_at_start),
        cmocka_unit_test(test_design_example_kr_scores),
        cmocka_unit_test(test_design_example_objective_scores_433333),
        cmocka_unit_test(test_threshold_at_least_bound_is_inclusive),
        cmocka_unit_test(test_threshold_at_most_bound_is_inclusive),
        cmocka_unit_test(test_threshold_is_all_or_nothing),
        cmocka_unit_test(test_threshold_before_first_checkin_scores_zero),
        cmocka_unit_test(test_milestone_scores_one_only_when_done),
        cmocka_unit_test(test_rollup_kr_is_not_a_leaf_and_scores_zero_here),
        cmocka_unit_test(test_weighted_mean_rounds_half_up),
        cmocka_unit_test(test_weighted_mean_matches_formula),
        cmocka_unit_test(test_weighted_mean_respects_weights),
        cmocka_unit_test(test_weighted_mean_of_equal_scores_is_that_score),
        cmocka_unit_test(test_weighted_mean_of_nothing_is_zero),
        cmocka_unit_test(test_weighted_mean_handles_largest_sums),
        cmocka_unit_test(test_expected_before_period_start_is_zero),
        cmocka_unit_test(test_expected_half_way_is_half_the_goal),
        cmocka_unit_test(test_expected_at_period_end_is_the_goal),
        cmocka_unit_test(test_expected_of_empty_period_is_the_goal),
        cmocka_unit_test(test_on_track_from_85_percent_of_expected_inclusive),
        cmocka_unit_test(test_at_risk_from_60_percent_of_expected_inclusive),
        cmocka_unit_test(test_nothing_expected_yet_is_on_track),
        cmocka_unit_test(test_low_confidence_caps_on_track_at_at_risk),
        cmocka_unit_test(test_confidence_at_the_limit_does_not_cap),
        cmocka_unit_test(test_missing_confidence_does_not_cap),
        cmocka_unit_test(test_low_confidence_never_improves_health),
        cmocka_unit_test(test_health_thresholds_are_settings),
        cmocka_unit_test(test_aspirational_grade_boundaries_are_0_4_and_0_7),
        cmocka_unit_test(test_committed_grade_is_green_only_at_one),
        cmocka_unit_test(test_score_of_one_is_not_capped_by_low_confidence),
        cmocka_unit_test(test_health_and_grade_names),
        cmocka_unit_test(test_default_health_settings_match_design),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
