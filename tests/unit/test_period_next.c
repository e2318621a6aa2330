/* test_period_next.c — the period after another (common/period_next.c):
 * the name that follows each recognised pattern, the names that are not
 * recognised (the caller then asks for --name), and the dates: whole
 * calendar months stay whole months (February as long as it is that year),
 * anything else keeps its number of days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "period_next.h"

/* ------------------------------------------------------------ names */

static const struct {
    const char *name, *next;
} next_names[] = {
    {"2026", "2027"},
    {"1999", "2000"},
    {"2026-Q1", "2026-Q2"},
    {"2026-Q3", "2026-Q4"},
    {"2026-Q4", "2027-Q1"},
    {"2026Q4", "2027Q1"},
    {"2026 Q2", "2026 Q3"},
    {"2026/Q4", "2027/Q1"},
    {"2026_q4", "2027_q1"},
    {"2026-H1", "2026-H2"},
    {"2026-H2", "2027-H1"},
    {"2026-T2", "2026-T3"},
    {"2026-T3", "2027-T1"},
    {"Q4 2026", "Q1 2027"},
    {"Q1 2026", "Q2 2026"},
    {"Q4-2026", "Q1-2027"},
    {"H2 2026", "H1 2027"},
    {"FY26", "FY27"},
    {"FY2026", "FY2027"},
    {"FY26-Q4", "FY27-Q1"},
    {"FY26 Q2", "FY26 Q3"},
    {"fy26-q4", "fy27-q1"},
    {"Q4 FY26", "Q1 FY27"},
    {"FY99-Q4", "FY00-Q1"},
    {"2026-11", "2026-12"},
    {"2026-12", "2027-01"},
    {"2026-01", "2026-02"},
};

static void test_each_pattern_gives_the_next_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof next_names / sizeof next_names[0]; i++) {
        char buf[64] = "";
        if (!period_next_name(next_names[i].name, buf, sizeof buf) ||
            strcmp(buf, next_names[i].next) != 0)
            fail_msg("after \"%s\": want \"%s\", got \"%s\"", next_names[i].name,
                     next_names[i].next, buf);
    }
}

static const char *const unrecognised[] = {
    "", "Autumn push", "2026-Q5", "2026-Q0", "2026-H3", "2026-T4", "Q5 2026", "Q42026",
    "26", "202", "20261", "2026-13", "2026-00", "2026-1", "2026 11", "2026-Q4 sales",
    "sales 2026", "2026-Q44", "Q4  2026", "FY2026-11", "9999", "9999-Q4", "Sprint 12",
    "2026-", "-2026", "Q4",
};

static void test_unrecognised_names_are_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof unrecognised / sizeof unrecognised[0]; i++) {
        char buf[64] = "";
        if (period_next_name(unrecognised[i], buf, sizeof buf))
            fail_msg("\"%s\" should not be recognised, got \"%s\"", unrecognised[i], buf);
    }
    char buf[8];
    assert_false(period_next_name(NULL, buf, sizeof buf));
}

static void test_a_buffer_too_small_is_refused(void **state)
{
    (void)state;
    char buf[7];
    assert_false(period_next_name("2026-Q4", buf, sizeof buf));    /* "2027-Q1" + NUL: 8 */
    char fits[8];
    assert_true(period_next_name("2026-Q4", fits, sizeof fits));
    assert_string_equal(fits, "2027-Q1");
}

/* ------------------------------------------------------------ dates */

static void expect_dates(const char *start, const char *end, const char *want_start,
                         const char *want_end)
{
    char s[11] = "", e[11] = "";
    if (!period_next_dates_text(start, end, s, e) || strcmp(s, want_start) != 0 ||
        strcmp(e, want_end) != 0)
        fail_msg("after %s..%s: want %s..%s, got %s..%s", start, end, want_start, want_end,
                 s, e);
}

static void test_a_quarter_is_followed_by_a_quarter(void **state)
{
    (void)state;
    expect_dates("2026-10-01", "2026-12-31", "2027-01-01", "2027-03-31");
    expect_dates("2026-01-01", "2026-03-31", "2026-04-01", "2026-06-30");
    expect_dates("2026-04-01", "2026-06-30", "2026-07-01", "2026-09-30");
    expect_dates("2026-07-01", "2026-09-30", "2026-10-01", "2026-12-31");
}

static void test_a_half_and_a_year_keep_their_months(void **state)
{
    (void)state;
    expect_dates("2026-07-01", "2026-12-31", "2027-01-01", "2027-06-30");
    expect_dates("2026-01-01", "2026-06-30", "2026-07-01", "2026-12-31");
    expect_dates("2026-01-01", "2026-12-31", "2027-01-01", "2027-12-31");
    /* a fiscal year from April */
    expect_dates("2026-04-01", "2027-03-31", "2027-04-01", "2028-03-31");
}

static void test_a_month_is_followed_by_the_next_month_whatever_its_length(void **state)
{
    (void)state;
    expect_dates("2026-11-01", "2026-11-30", "2026-12-01", "2026-12-31");
    expect_dates("2026-12-01", "2026-12-31", "2027-01-01", "2027-01-31");
    expect_dates("2027-01-01", "2027-01-31", "2027-02-01", "2027-02-28");
    expect_dates("2028-01-01", "2028-01-31", "2028-02-01", "2028-02-29");   /* leap */
    expect_dates("2028-02-01", "2028-02-29", "2028-03-01", "2028-03-31");
}

static void test_february_quarters_follow_the_calendar(void **state)
{
    (void)state;
    /* Dec..Feb of a leap year, then Mar..May */
    expect_dates("2027-12-01", "2028-02-29", "2028-03-01", "2028-05-31");
    /* Nov..Jan, then Feb..Apr of a common year and of a leap year */
    expect_dates("2026-11-01", "2027-01-31", "2027-02-01", "2027-04-30");
    expect_dates("2099-11-01", "2100-01-31", "2100-02-01", "2100-04-30");
}

static void test_other_lengths_keep_their_days(void **state)
{
    (void)state;
    /* two weeks, a sprint */
    expect_dates("2026-01-05", "2026-01-18", "2026-01-19", "2026-02-01");
    /* one day */
    expect_dates("2026-03-15", "2026-03-15", "2026-03-16", "2026-03-16");
    /* 13 weeks from a Monday, across a leap day */
    expect_dates("2027-12-06", "2028-03-05", "2028-03-06", "2028-06-04");
    /* starts on the 1st but ends mid-month: 45 days */
    expect_dates("2026-01-01", "2026-02-14", "2026-02-15", "2026-03-31");
    /* ends on a month's last day but starts mid-month: 17 days */
    expect_dates("2026-02-12", "2026-02-28", "2026-03-01", "2026-03-17");
}

static void test_impossible_dates_are_refused(void **state)
{
    (void)state;
    char s[11], e[11];
    assert_false(period_next_dates_text("2026-12-31", "2026-01-01", s, e));   /* end first */
    assert_false(period_next_dates_text("2026-02-30", "2026-03-31", s, e));
    assert_false(period_next_dates_text("9999-10-01", "9999-12-31", s, e));   /* year 10000 */
    assert_false(period_next_dates_text("9999-12-01", "9999-12-20", s, e));
    int64_t ns, ne;
    assert_false(period_next_dates(10, 9, &ns, &ne));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_pattern_gives_the_next_name),
        cmocka_unit_test(test_unrecognised_names_are_refused),
        cmocka_unit_test(test_a_buffer_too_small_is_refused),
        cmocka_unit_test(test_a_quarter_is_followed_by_a_quarter),
        cmocka_unit_test(test_a_half_and_a_year_keep_their_months),
        cmocka_unit_test(test_a_month_is_followed_by_the_next_month_whatever_its_length),
        cmocka_unit_test(test_february_quarters_follow_the_calendar),
        cmocka_unit_test(test_other_lengths_keep_their_days),
        cmocka_unit_test(test_impossible_dates_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
