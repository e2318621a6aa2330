/* test_cadence.c — how regularly an objective was checked in on
 * (retro_cadence_of, client/retro.c): weeks of the span without a
 * check-in, the longest gap with the span's edges, what lies outside the
 * span. Times are crafted, so no check-in needs backdating. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "retro.h"

#define DAY 86400000000LL
#define HOUR 3600000000LL
#define START (20000 * DAY)              /* a day in 2024, at midnight UTC */

static void test_no_checkin_leaves_every_week_empty_and_one_gap(void **state)
{
    (void)state;
    retro_cadence c;
    retro_cadence_of(NULL, 0, START, START + 28 * DAY, &c);
    assert_int_equal(c.weeks, 4);
    assert_int_equal(c.weeks_without, 4);
    assert_int_equal(c.checkins, 0);
    assert_int_equal(c.gap_us, 28 * DAY);
    assert_int_equal(c.gap_from_us, START);
    assert_int_equal(c.gap_to_us, START + 28 * DAY);
}

/* Two check-ins in week 1, one in week 3: weeks 2 and 4 had none; the
 * longest gap runs from the second to the third. */
static void test_weeks_without_and_the_longest_gap_between_checkins(void **state)
{
    (void)state;
    const int64_t t[] = {START + 1 * DAY, START + 2 * DAY, START + 20 * DAY};
    retro_cadence c;
    retro_cadence_of(t, 3, START, START + 28 * DAY, &c);
    assert_int_equal(c.weeks, 4);
    assert_int_equal(c.weeks_without, 2);
    assert_int_equal(c.checkins, 3);
    assert_int_equal(c.gap_us, 18 * DAY);
    assert_int_equal(c.gap_from_us, START + 2 * DAY);
    assert_int_equal(c.gap_to_us, START + 20 * DAY);
}

/* The span's edges count: silence from the start, or up to the end. */
static void test_the_gap_may_run_from_the_start_or_to_the_end(void **state)
{
    (void)state;
    retro_cadence c;
    const int64_t late[] = {START + 27 * DAY + 10 * HOUR};
    retro_cadence_of(late, 1, START, START + 28 * DAY, &c);
    assert_int_equal(c.weeks_without, 3);
    assert_int_equal(c.gap_us, 27 * DAY + 10 * HOUR);
    assert_int_equal(c.gap_from_us, START);
    const int64_t early[] = {START + 1 * DAY};
    retro_cadence_of(early, 1, START, START + 28 * DAY, &c);
    assert_int_equal(c.gap_us, 27 * DAY);
    assert_int_equal(c.gap_from_us, START + 1 * DAY);
    assert_int_equal(c.gap_to_us, START + 28 * DAY);
}

/* A 10-day span has two weeks, the second one short; a check-in on its
 * last microsecond is in it, one at the stop is not. */
static void test_a_short_last_week_is_a_week(void **state)
{
    (void)state;
    const int64_t t[] = {START + 10 * DAY - 1, START + 10 * DAY};
    retro_cadence c;
    retro_cadence_of(t, 2, START, START + 10 * DAY, &c);
    assert_int_equal(c.weeks, 2);
    assert_int_equal(c.weeks_without, 1);
    assert_int_equal(c.checkins, 1);
    assert_int_equal(c.gap_us, 10 * DAY - 1);
}

static void test_checkins_outside_the_span_do_not_count(void **state)
{
    (void)state;
    const int64_t t[] = {START - DAY, START + 3 * DAY, START + 40 * DAY};
    retro_cadence c;
    retro_cadence_of(t, 3, START, START + 14 * DAY, &c);
    assert_int_equal(c.weeks, 2);
    assert_int_equal(c.weeks_without, 1);
    assert_int_equal(c.checkins, 1);
    assert_int_equal(c.gap_us, 11 * DAY);
}

/* A period that has not started (or a stop before the start) has nothing
 * to count. */
static void test_an_empty_span_has_no_weeks(void **state)
{
    (void)state;
    const int64_t t[] = {START};
    retro_cadence c;
    retro_cadence_of(t, 1, START, START, &c);
    assert_int_equal(c.weeks, 0);
    assert_int_equal(c.weeks_without, 0);
    assert_int_equal(c.checkins, 0);
    assert_int_equal(c.gap_us, 0);
    retro_cadence_of(t, 1, START, START - DAY, &c);
    assert_int_equal(c.weeks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_checkin_leaves_every_week_empty_and_one_gap),
        cmocka_unit_test(test_weeks_without_and_the_longest_gap_between_checkins),
        cmocka_unit_test(test_the_gap_may_run_from_the_start_or_to_the_end),
        cmocka_unit_test(test_a_short_last_week_is_a_week),
        cmocka_unit_test(test_checkins_outside_the_span_do_not_count),
        cmocka_unit_test(test_an_empty_span_has_no_weeks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
