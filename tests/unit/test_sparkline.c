/* test_sparkline.c — scores as a row of glyphs (client/sparkline.c): the
 * fixed 0..1 scale, rounding, clamping, the ASCII style, a buffer too
 * small, and the style the locale asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <string.h>
#include <cmocka.h>

#include "sparkline.h"

static void test_each_eighth_of_the_scale_draws_its_own_glyph(void **state)
{
    (void)state;
    const int64_t v[] = {0, 142857, 285714, 428571, 571429, 714286, 857143, 1000000};
    char buf[SPARKLINE_BYTES(8)];
    assert_string_equal(sparkline(v, 8, SPARKLINE_UNICODE, buf, sizeof buf), "▁▂▃▄▅▆▇█");
    assert_string_equal(sparkline(v, 8, SPARKLINE_ASCII, buf, sizeof buf), "_.-:=+*#");
}

/* The scale is fixed, not the series' own range: a score that crawls from
 * 0.25 to 0.75 draws low-to-high, never bottom-to-top. */
static void test_a_crafted_series_draws_on_the_fixed_scale(void **state)
{
    (void)state;
    const int64_t v[] = {250000, 500000, 750000};
    char buf[SPARKLINE_BYTES(3)];
    assert_string_equal(sparkline(v, 3, SPARKLINE_UNICODE, buf, sizeof buf), "▃▅▆");
    assert_string_equal(sparkline(v, 3, SPARKLINE_ASCII, buf, sizeof buf), "-=+");
}

/* round(score * 7), half up: 0.5 * 7 = 3.5 is level 4. */
static void test_levels_round_half_up(void **state)
{
    (void)state;
    assert_int_equal(sparkline_level(500000), 4);
    assert_int_equal(sparkline_level(71428), 0);    /* 0.49996 of a level */
    assert_int_equal(sparkline_level(71429), 1);    /* 0.500003 of a level */
}

static void test_overshoot_and_negative_scores_are_clamped(void **state)
{
    (void)state;
    const int64_t v[] = {-5, 2000000, INT64_MIN, INT64_MAX};
    char buf[SPARKLINE_BYTES(4)];
    assert_string_equal(sparkline(v, 4, SPARKLINE_UNICODE, buf, sizeof buf), "▁█▁█");
}

/* What does not fit is left out whole: never half a UTF-8 glyph. */
static void test_a_short_buffer_keeps_whole_glyphs(void **state)
{
    (void)state;
    const int64_t v[] = {0, 1000000, 0};
    char buf[8];
    assert_string_equal(sparkline(v, 3, SPARKLINE_UNICODE, buf, 7), "▁█");
    assert_string_equal(sparkline(v, 3, SPARKLINE_UNICODE, buf, 3), "");
    assert_string_equal(sparkline(v, 3, SPARKLINE_ASCII, buf, 3), "_#");
    buf[0] = 'x';
    sparkline(v, 3, SPARKLINE_ASCII, buf, 0);        /* no room at all: untouched */
    assert_int_equal(buf[0], 'x');
    assert_string_equal(sparkline(v, 0, SPARKLINE_UNICODE, buf, sizeof buf), "");
}

static void test_the_locale_chooses_the_style(void **state)
{
    (void)state;
    if (setlocale(LC_CTYPE, "C.UTF-8") != NULL)
        assert_int_equal(sparkline_style_of_locale(), SPARKLINE_UNICODE);
    assert_non_null(setlocale(LC_CTYPE, "C"));
    assert_int_equal(sparkline_style_of_locale(), SPARKLINE_ASCII);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_eighth_of_the_scale_draws_its_own_glyph),
        cmocka_unit_test(test_a_crafted_series_draws_on_the_fixed_scale),
        cmocka_unit_test(test_levels_round_half_up),
        cmocka_unit_test(test_overshoot_and_negative_scores_are_clamped),
        cmocka_unit_test(test_a_short_buffer_keeps_whole_glyphs),
        cmocka_unit_test(test_the_locale_chooses_the_style),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
