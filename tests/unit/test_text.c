/* test_text.c — the text rules (UTF-8, controls, invisible formatting,
 * line feeds), calendar dates and time formatting (common/text.c). */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "text.h"

/* Byte strings with their length (they may hold NUL bytes). */
#define VALID(lit) check_utf8(lit, sizeof(lit) - 1, true, #lit)
#define INVALID(lit) check_utf8(lit, sizeof(lit) - 1, false, #lit)

static void check_utf8(const char *s, size_t len, bool want, const char *spelled)
{
    if (text_valid_utf8(s, len) != want)
        fail_msg("text_valid_utf8(%s) should be %s", spelled, want ? "true" : "false");
}

/* ------------------------------------------------------------ UTF-8 */

static void test_ascii_is_valid(void **state)
{
    (void)state;
    VALID("Delight pot buyers");
    VALID("~!@#$%^&*()");
}

/* A tab pads a table cell to the next tab stop: the columns after it move. */
static void test_a_tab_is_invalid(void **state)
{
    (void)state;
    INVALID("a\tb");
    INVALID("\t");
    size_t at = 0;
    unsigned cp = 0;
    assert_int_equal(text_check("ab\tc", 4, true, &at, &cp), TEXT_CONTROL);
    assert_int_equal(at, 2);
    assert_int_equal(cp, '\t');
}

static void test_empty_text_is_valid(void **state)
{
    (void)state;
    assert_true(text_valid_utf8("", 0));
}

static void test_multibyte_sequences_are_valid(void **state)
{
    (void)state;
    VALID("\xc2\xa0");               /* U+00A0, first after the C1 block */
    VALID("caf\xc3\xa9");            /* é */
    VALID("\xdf\xbf");               /* U+07FF, last 2-byte */
    VALID("\xe0\xa0\x80");           /* U+0800, first 3-byte */
    VALID("\xe2\x82\xac 5");         /* € */
    VALID("\xed\x9f\xbf");           /* U+D7FF, just below the surrogates */
    VALID("\xee\x80\x80");           /* U+E000, just above them */
    VALID("\xef\xbf\xbd");           /* U+FFFD */
    VALID("\xf0\x90\x80\x80");       /* U+10000, first 4-byte */
    VALID("\xf0\x9f\x98\x80");       /* 😀 */
    VALID("\xf4\x8f\xbf\xbf");       /* U+10FFFF, the last code point */
    VALID("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e and \xd0\x9a\xd0\xb8\xd0\xb5\xd0\xb2");
}

static void test_overlong_encodings_are_invalid(void **state)
{
    (void)state;
    INVALID("\xc0\x80");             /* NUL in two bytes */
    INVALID("\xc0\xaf");             /* '/' in two bytes */
    INVALID("\xc1\xbf");
    INVALID("\xe0\x80\x80");
    INVALID("\xe0\x9f\xbf");         /* U+07FF in three bytes */
    INVALID("\xf0\x80\x80\x80");
    INVALID("\xf0\x8f\xbf\xbf");     /* U+FFFF in four bytes */
}

static void test_surrogates_are_invalid(void **state)
{
    (void)state;
    INVALID("\xed\xa0\x80");         /* U+D800 */
    INVALID("\xed\xaf\xbf");         /* U+DBFF */
    INVALID("\xed\xb0\x80");         /* U+DC00 */
    INVALID("\xed\xbf\xbf");         /* U+DFFF */
    INVALID("\xed\xa0\xbd\xed\xb8\x80");   /* CESU-8 pair for 😀 */
}

static void test_code_points_above_10ffff_are_invalid(void **state)
{
    (void)state;
    INVALID("\xf4\x90\x80\x80");     /* U+110000 */
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xf7\xbf\xbf\xbf");
    INVALID("\xf8\x88\x80\x80\x80"); /* old 5-byte form */
    INVALID("\xfe");
    INVALID("\xff");
}

static void test_truncated_sequences_are_invalid(void **state)
{
    (void)state;
    INVALID("\xc3");
    INVALID("\xe2\x82");
    INVALID("\xf0\x9f\x98");
    INVALID("abc\xc3");              /* at the very end */
    INVALID("\xe2\x82" "b");         /* cut by an ASCII byte */
    INVALID("\xc3" "\xc3\xa9");      /* cut by another lead byte */
    INVALID("\xf0\x9f" "\xe2\x82\xac");
}

static void test_length_bounds_the_check(void **state)
{
    (void)state;
    assert_false(text_valid_utf8("\xc3\xa9", 1));        /* é cut by len */
    assert_false(text_valid_utf8("\xf0\x9f\x98\x80", 3));
    assert_true(text_valid_utf8("ab\xff", 2));            /* the bad byte is outside */
    assert_true(text_valid_utf8("ok\n", 2));
}

static void test_lone_continuation_bytes_are_invalid(void **state)
{
    (void)state;
    INVALID("\x80");
    INVALID("\xbf");
    INVALID("a\x80" "b");
    INVALID("\xc3\xa9\xa9");         /* one continuation too many */
}

static void test_control_characters_are_invalid(void **state)
{
    (void)state;
    INVALID("line\nbreak");
    INVALID("carriage\rreturn");
    INVALID("\x01");
    INVALID("\x1b[31mred");           /* ANSI escape into someone's terminal */
    INVALID("del\x7f");
    INVALID("nul\0inside");
    INVALID("\xc2\x80");             /* U+0080, C1 control */
    INVALID("\xc2\x9b" "31m");       /* U+009B CSI */
    INVALID("\xc2\x9f");             /* U+009F */
}

/* Bidi controls reorder what follows them on the row ("Trojan Source");
 * the others hide text or make two names look the same. */
static void test_bidi_and_invisible_formatting_characters_are_invalid(void **state)
{
    (void)state;
    INVALID("\xe2\x80\xaa");             /* U+202A LRE */
    INVALID("\xe2\x80\xab");             /* U+202B RLE */
    INVALID("\xe2\x80\xac");             /* U+202C PDF */
    INVALID("\xe2\x80\xad");             /* U+202D LRO */
    INVALID("abc \xe2\x80\xae txet");     /* U+202E RLO */
    INVALID("\xe2\x81\xa6");             /* U+2066 LRI */
    INVALID("\xe2\x81\xa7");             /* U+2067 RLI */
    INVALID("\xe2\x81\xa8");             /* U+2068 FSI */
    INVALID("\xe2\x81\xa9");             /* U+2069 PDI */
    INVALID("\xe2\x80\x8e");             /* U+200E LRM */
    INVALID("\xe2\x80\x8f");             /* U+200F RLM */
    INVALID("\xd8\x9c");                 /* U+061C ARABIC LETTER MARK */
    INVALID("pay\xe2\x80\x8bments");      /* U+200B ZERO WIDTH SPACE */
    INVALID("\xe2\x81\xa0");             /* U+2060 WORD JOINER */
    INVALID("\xe2\x80\xa8");             /* U+2028 LINE SEPARATOR */
    INVALID("\xe2\x80\xa9");             /* U+2029 PARAGRAPH SEPARATOR */
    INVALID("\xef\xbb\xbf" "title");      /* U+FEFF BOM */
    INVALID("\xef\xbf\xb9");             /* U+FFF9 annotation anchor */
    INVALID("\xf3\xa0\x80\x81");         /* U+E0001 LANGUAGE TAG */
    INVALID("\xf3\xa0\x81\xbf");         /* U+E007F CANCEL TAG */
    size_t at = 0;
    unsigned cp = 0;
    assert_int_equal(text_check("ab\xe2\x80\xae" "c", 6, false, &at, &cp), TEXT_INVISIBLE);
    assert_int_equal(at, 2);
    assert_int_equal(cp, 0x202e);
}

static void test_joiners_that_scripts_and_emoji_need_are_valid(void **state)
{
    (void)state;
    VALID("\xd9\x85\xe2\x80\x8c\xd9\x85");   /* ZWNJ (U+200C) in Persian */
    VALID("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb");   /* 👩‍💻: ZWJ (U+200D) */
    VALID("\xe2\x80\x8a");               /* U+200A HAIR SPACE: visible width */
    VALID("\xe2\x80\xaf");               /* U+202F NARROW NO-BREAK SPACE */
    VALID("\xe2\x81\xb0");               /* U+2070 SUPERSCRIPT ZERO */
    VALID("\xf3\xa0\x84\x80");           /* U+E0100, a variation selector */
}

/* Line feeds only where lines are allowed (a description, a note); a
 * carriage return never. */
static void test_line_feeds_only_in_multi_line_text(void **state)
{
    (void)state;
    assert_int_equal(text_check("one\ntwo", 7, true, NULL, NULL), TEXT_OK);
    assert_int_equal(text_check("\n\n", 2, true, NULL, NULL), TEXT_OK);
    size_t at = 0;
    unsigned cp = 0;
    assert_int_equal(text_check("one\ntwo", 7, false, &at, &cp), TEXT_CONTROL);
    assert_int_equal(at, 3);
    assert_int_equal(cp, '\n');
    assert_int_equal(text_check("one\r\ntwo", 8, true, &at, &cp), TEXT_CONTROL);
    assert_int_equal(at, 3);
    assert_int_equal(cp, '\r');
    assert_int_equal(text_check("a\tb\nc", 5, true, NULL, NULL), TEXT_CONTROL);
    assert_int_equal(text_check("a\n\xe2\x80\xae", 5, true, NULL, NULL), TEXT_INVISIBLE);
    assert_int_equal(text_check("a\n\xff", 3, true, &at, &cp), TEXT_NOT_UTF8);
    assert_int_equal(at, 2);
    assert_int_equal(cp, 0xff);
}

/* ------------------------------------------------------------ dates */

static int64_t parse_ok(const char *s)
{
    int64_t days = -999999;
    if (!text_parse_date(s, &days))
        fail_msg("\"%s\" should parse as a date", s);
    return days;
}

static void assert_date_rejected(const char *s)
{
    int64_t days = -999999;
    if (text_parse_date(s, &days))
        fail_msg("\"%s\" should be rejected, parsed as day %lld", s ? s : "(null)",
                 (long long)days);
    assert_int_equal(days, -999999);
}

static void test_epoch_is_day_zero(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("1970-01-02"), 1);
    assert_int_equal(parse_ok("1971-01-01"), 365);
}

static void test_known_dates_have_known_day_numbers(void **state)
{
    (void)state;
    /* date -u -d D +%s / 86400 */
    assert_int_equal(parse_ok("2000-03-01"), 11017);
    assert_int_equal(parse_ok("2024-02-29"), 19782);
    assert_int_equal(parse_ok("2026-10-01"), 20727);
    assert_int_equal(parse_ok("2026-12-31"), 20818);
    assert_int_equal(parse_ok("2038-01-19"), 24855);
    assert_int_equal(parse_ok("9999-12-31"), 2932896);
}

static void test_quarter_is_92_days_inclusive(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-12-31") - parse_ok("2026-10-01") + 1, 92);
}

static void test_leap_years_have_february_29(void **state)
{
    (void)state;
    parse_ok("2024-02-29");
    parse_ok("2028-02-29");
    parse_ok("2000-02-29");          /* divisible by 400 */
    assert_int_equal(parse_ok("2024-03-01") - parse_ok("2024-02-28"), 2);
}

static void test_february_29_of_common_year_is_invalid(void **state)
{
    (void)state;
    assert_date_rejected("2026-02-29");
    assert_date_rejected("2100-02-29");  /* divisible by 100, not by 400 */
    assert_date_rejected("2025-02-29");
    assert_int_equal(parse_ok("2026-03-01") - parse_ok("2026-02-28"), 1);
}

static void test_days_past_month_end_are_invalid(void **state)
{
    (void)state;
    assert_date_rejected("2026-04-31");
    assert_date_rejected("2026-06-31");
    assert_date_rejected("2026-09-31");
    assert_date_rejected("2026-11-31");
    assert_date_rejected("2026-01-32");
    assert_date_rejected("2024-02-30");
    parse_ok("2026-01-31");
    parse_ok("2026-12-31");
}

static void test_month_and_day_zero_or_too_big_are_invalid(void **state)
{
    (void)state;
    assert_date_rejected("2026-00-10");
    assert_date_rejected("2026-13-01");
    assert_date_rejected("2026-01-00");
    assert_date_rejected("2026-99-99");
}

static void test_years_outside_1970_to_9999_are_invalid(void **state)
{
    (void)state;
    assert_date_rejected("1969-12-31");
    assert_date_rejected("0000-01-01");
    parse_ok("9999-12-31");
}

static void test_malformed_date_text_is_invalid(void **state)
{
    (void)state;
    assert_date_rejected("2026-1-01");
    assert_date_rejected("2026-01-1");
    assert_date_rejected("26-01-01");
    assert_date_rejected("2026/01/01");
    assert_date_rejected("2026-01-01 ");
    assert_date_rejected(" 2026-01-01");
    assert_date_rejected("2026-01-01T00:00");
    assert_date_rejected("+026-01-01");
    assert_date_rejected("2026-+1-01");
    assert_date_rejected("abcd-ef-gh");
    assert_date_rejected("2026-01");
    assert_date_rejected("");
    assert_date_rejected(NULL);
}

static void test_format_date_gives_iso_text(void **state)
{
    (void)state;
    char buf[11];
    text_format_date(0, buf);
    assert_string_equal(buf, "1970-01-01");
    text_format_date(20727, buf);
    assert_string_equal(buf, "2026-10-01");
    text_format_date(19782, buf);
    assert_string_equal(buf, "2024-02-29");
    text_format_date(2932896, buf);
    assert_string_equal(buf, "9999-12-31");
}

static void test_every_day_round_trips_through_text(void **state)
{
    (void)state;
    int64_t last = parse_ok("2200-12-31");
    for (int64_t d = 0; d <= last; d++) {
        char buf[11];
        text_format_date(d, buf);
        int64_t back = -1;
        if (!text_parse_date(buf, &back) || back != d)
            fail_msg("day %lld formats as \"%s\" which parses as %lld", (long long)d, buf,
                     (long long)back);
    }
}

static void test_date_text_round_trips(void **state)
{
    (void)state;
    const char *dates[] = {"1970-01-01", "1999-12-31", "2000-02-29", "2026-02-28",
                           "2026-03-01", "2026-10-01", "2026-12-31", "9999-12-31"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char buf[11];
        text_format_date(parse_ok(dates[i]), buf);
        assert_string_equal(buf, dates[i]);
    }
}

/* ------------------------------------------------------------ times */

static void test_format_time_gives_utc_minutes(void **state)
{
    (void)state;
    char buf[17];
    text_format_time(0, buf);
    assert_string_equal(buf, "1970-01-01 00:00");
    text_format_time(OKR_US_PER_DAY + 3600000000LL + 60000000LL + 59999999LL, buf);
    assert_string_equal(buf, "1970-01-02 01:01");      /* seconds are cut, not rounded */
    text_format_time(20727 * OKR_US_PER_DAY + (23 * 3600 + 59 * 60) * 1000000LL, buf);
    assert_string_equal(buf, "2026-10-01 23:59");
}

static void test_time_before_epoch_rounds_down_to_the_previous_minute(void **state)
{
    (void)state;
    char buf[17];
    text_format_time(-60000000LL, buf);                   /* exactly one minute before */
    assert_string_equal(buf, "1969-12-31 23:59");
    text_format_time(-1000000LL, buf);                    /* one second before */
    assert_string_equal(buf, "1969-12-31 23:59");
    text_format_time(-1, buf);                            /* one microsecond before */
    assert_string_equal(buf, "1969-12-31 23:59");
}

static void test_now_is_after_2024(void **state)
{
    (void)state;
    int64_t now = text_now_us();
    assert_true(now > parse_ok("2024-01-01") * OKR_US_PER_DAY);
    assert_true(now < parse_ok("9999-12-31") * OKR_US_PER_DAY);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_is_valid),
        cmocka_unit_test(test_a_tab_is_invalid),
        cmocka_unit_test(test_bidi_and_invisible_formatting_characters_are_invalid),
        cmocka_unit_test(test_joiners_that_scripts_and_emoji_need_are_valid),
        cmocka_unit_test(test_line_feeds_only_in_multi_line_text),
        cmocka_unit_test(test_empty_text_is_valid),
        cmocka_unit_test(test_multibyte_sequences_are_valid),
        cmocka_unit_test(test_overlong_encodings_are_invalid),
        cmocka_unit_test(test_surrogates_are_invalid),
        cmocka_unit_test(test_code_points_above_10ffff_are_invalid),
        cmocka_unit_test(test_truncated_sequences_are_invalid),
        cmocka_unit_test(test_length_bounds_the_check),
        cmocka_unit_test(test_lone_continuation_bytes_are_invalid),
        cmocka_unit_test(test_control_characters_are_invalid),
        cmocka_unit_test(test_epoch_is_day_zero),
        cmocka_unit_test(test_known_dates_have_known_day_numbers),
        cmocka_unit_test(test_quarter_is_92_days_inclusive),
        cmocka_unit_test(test_leap_years_have_february_29),
        cmocka_unit_test(test_february_29_of_common_year_is_invalid),
        cmocka_unit_test(test_days_past_month_end_are_invalid),
        cmocka_unit_test(test_month_and_day_zero_or_too_big_are_invalid),
        cmocka_unit_test(test_years_outside_1970_to_9999_are_invalid),
        cmocka_unit_test(test_malformed_date_text_is_invalid),
        cmocka_unit_test(test_format_date_gives_iso_text),
        cmocka_unit_test(test_every_day_round_trips_through_text),
        cmocka_unit_test(test_date_text_round_trips),
        cmocka_unit_test(test_format_time_gives_utc_minutes),
        cmocka_unit_test(test_time_before_epoch_rounds_down_to_the_previous_minute),
        cmocka_unit_test(test_now_is_after_2024),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
