/* test_ids.c — typed node ids "O12"/"K40" and big-endian keys (common/ids.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ids.h"

#define SENTINEL 0xdeadbeefu

static void assert_parses(const char *text, bool is_kr, uint32_t num)
{
    okr_node n = SENTINEL;
    if (!okr_id_parse(text, &n))
        fail_msg("\"%s\" should parse", text);
    assert_int_equal(okr_node_is_kr(n), is_kr);
    assert_int_equal(okr_node_num(n), num);
}

static void assert_rejected(const char *text)
{
    okr_node n = SENTINEL;
    if (okr_id_parse(text, &n))
        fail_msg("\"%s\" should be rejected, parsed as %#x", text ? text : "(null)", n);
    assert_int_equal(n, SENTINEL);   /* a rejection leaves the output alone */
}

static void test_objective_id_parses(void **state)
{
    (void)state;
    assert_parses("O1", false, 1);
    assert_parses("O12", false, 12);
    okr_node n;
    assert_true(okr_id_parse("O12", &n));
    assert_int_equal(n, okr_node_objective(12));
    assert_int_equal(n, 12u);
}

static void test_kr_id_parses_with_the_kr_bit(void **state)
{
    (void)state;
    assert_parses("K40", true, 40);
    okr_node n;
    assert_true(okr_id_parse("K40", &n));
    assert_int_equal(n, OKR_NODE_KR_BIT | 40u);
    assert_int_equal(n, okr_node_kr(40));
}

static void test_lowercase_letter_is_accepted(void **state)
{
    (void)state;
    assert_parses("o7", false, 7);
    assert_parses("k7", true, 7);
}

static void test_largest_31_bit_number_is_accepted(void **state)
{
    (void)state;
    assert_parses("O2147483647", false, 2147483647u);
    assert_parses("K2147483647", true, 2147483647u);
}

static void test_number_past_31_bits_is_rejected(void **state)
{
    (void)state;
    assert_rejected("O2147483648");
    assert_rejected("K2147483648");
    assert_rejected("K4294967296");
    assert_rejected("O4294967297");      /* would wrap to 1 in 32 bits */
    assert_rejected("O99999999999999999999999");   /* would wrap a uint64 */
}

static void test_zero_is_never_an_id(void **state)
{
    (void)state;
    assert_rejected("O0");
    assert_rejected("K0");
}

static void test_leading_zero_is_rejected(void **state)
{
    (void)state;
    assert_rejected("O01");
    assert_rejected("K007");
    assert_rejected("O00");
}

static void test_unknown_letter_is_rejected(void **state)
{
    (void)state;
    assert_rejected("X1");
    assert_rejected("P1");
    assert_rejected("1");
    assert_rejected("01");
}

static void test_letter_without_number_is_rejected(void **state)
{
    (void)state;
    assert_rejected("K");
    assert_rejected("O");
    assert_rejected("");
    assert_rejected(NULL);
}

static void test_spaces_signs_and_junk_are_rejected(void **state)
{
    (void)state;
    assert_rejected("O1 ");
    assert_rejected(" O1");
    assert_rejected("O 1");
    assert_rejected("O1x");
    assert_rejected("O+1");
    assert_rejected("O-1");
    assert_rejected("O1.0");
    assert_rejected("OO1");
    assert_rejected("OK1");
    assert_rejected("O1\n");
    assert_rejected("O\xd9\xa1");        /* ARABIC-INDIC DIGIT ONE */
}

static void test_format_gives_uppercase_letter_and_number(void **state)
{
    (void)state;
    char buf[OKR_ID_BUF];
    assert_string_equal(okr_id_format(okr_node_objective(1), buf), "O1");
    assert_string_equal(okr_id_format(okr_node_kr(40), buf), "K40");
    okr_node n;
    assert_true(okr_id_parse("k5", &n));
    assert_string_equal(okr_id_format(n, buf), "K5");
}

static void test_format_returns_its_buffer(void **state)
{
    (void)state;
    char buf[OKR_ID_BUF];
    assert_ptr_equal(okr_id_format(okr_node_kr(3), buf), buf);
}

static void test_largest_id_fits_the_buffer(void **state)
{
    (void)state;
    char buf[OKR_ID_BUF];
    okr_id_format(okr_node_kr(OKR_NODE_MAX_NUM), buf);
    assert_string_equal(buf, "K2147483647");
    assert_true(strlen(buf) < OKR_ID_BUF);
}

static void test_format_then_parse_round_trips(void **state)
{
    (void)state;
    const uint32_t nums[] = {1, 2, 9, 10, 11, 99, 100, 40, 65535, 65536, 1000000,
                             2147483646u, 2147483647u};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        for (int kr = 0; kr <= 1; kr++) {
            okr_node node = kr ? okr_node_kr(nums[i]) : okr_node_objective(nums[i]);
            char buf[OKR_ID_BUF];
            okr_node back = SENTINEL;
            assert_true(okr_id_parse(okr_id_format(node, buf), &back));
            assert_int_equal(back, node);
        }
    }
}

static void test_parse_then_format_round_trips(void **state)
{
    (void)state;
    const char *ids[] = {"O1", "K1", "O10", "K40", "O123456789", "K2147483647"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        okr_node n;
        char buf[OKR_ID_BUF];
        assert_true(okr_id_parse(ids[i], &n));
        assert_string_equal(okr_id_format(n, buf), ids[i]);
    }
}

static void test_be32_is_big_endian(void **state)
{
    (void)state;
    unsigned char b[4];
    okr_put_be32(b, 0x01020304u);
    assert_memory_equal(b, "\x01\x02\x03\x04", 4);
    assert_int_equal(okr_get_be32(b), 0x01020304u);
    okr_put_be32(b, 0xffffffffu);
    assert_int_equal(okr_get_be32(b), 0xffffffffu);
}

static void test_be64_is_big_endian(void **state)
{
    (void)state;
    unsigned char b[8];
    okr_put_be64(b, 0x0102030405060708ull);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_true(okr_get_be64(b) == 0x0102030405060708ull);
    okr_put_be64(b, UINT64_MAX);
    assert_true(okr_get_be64(b) == UINT64_MAX);
    okr_put_be64(b, 0);
    assert_true(okr_get_be64(b) == 0);
}

static void test_key_byte_order_is_numeric_order(void **state)
{
    (void)state;
    unsigned char a[4], b[4];
    okr_put_be32(a, okr_node_objective(2));
    okr_put_be32(b, okr_node_objective(10));
    assert_true(memcmp(a, b, 4) < 0);
    okr_put_be32(a, okr_node_objective(OKR_NODE_MAX_NUM));   /* every objective ... */
    okr_put_be32(b, okr_node_kr(1));                         /* ... before every KR */
    assert_true(memcmp(a, b, 4) < 0);

    unsigned char c[8], d[8];
    okr_put_be64(c, 255);
    okr_put_be64(d, 256);
    assert_true(memcmp(c, d, 8) < 0);
}

/* Check-in ids: "12", "#12", "12.3"; the longest fits its buffer. */
static void test_checkin_ids_parse_and_format(void **state)
{
    (void)state;
    uint64_t seq;
    uint32_t n;
    char buf[OKR_CHECKIN_ID_BUF];
    assert_true(okr_checkin_id_parse("12", &seq, &n));
    assert_true(seq == 12 && n == 0);
    assert_true(okr_checkin_id_parse("#12.3", &seq, &n));
    assert_true(seq == 12 && n == 3);
    assert_true(okr_checkin_id_parse("18446744073709551615.4294967295", &seq, &n));
    assert_true(seq == UINT64_MAX && n == UINT32_MAX);
    assert_string_equal(okr_checkin_id_format(seq, n, buf), "18446744073709551615.4294967295");
    assert_string_equal(okr_checkin_id_format(12, 0, buf), "12");
    assert_string_equal(okr_checkin_id_format(12, 3, buf), "12.3");
    const char *bad[] = {"", "#", "0", "0.1", "12.", ".3", "12.3.4", "-1", "+1", " 1", "1 ",
                         "12.x", "K1", "18446744073709551616", "1.4294967296", "##1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (okr_checkin_id_parse(bad[i], &seq, &n))
            fail_msg("'%s' parsed as a check-in id", bad[i]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objective_id_parses),
        cmocka_unit_test(test_kr_id_parses_with_the_kr_bit),
        cmocka_unit_test(test_lowercase_letter_is_accepted),
        cmocka_unit_test(test_largest_31_bit_number_is_accepted),
        cmocka_unit_test(test_number_past_31_bits_is_rejected),
        cmocka_unit_test(test_zero_is_never_an_id),
        cmocka_unit_test(test_leading_zero_is_rejected),
        cmocka_unit_test(test_unknown_letter_is_rejected),
        cmocka_unit_test(test_letter_without_number_is_rejected),
        cmocka_unit_test(test_spaces_signs_and_junk_are_rejected),
        cmocka_unit_test(test_format_gives_uppercase_letter_and_number),
        cmocka_unit_test(test_format_returns_its_buffer),
        cmocka_unit_test(test_largest_id_fits_the_buffer),
        cmocka_unit_test(test_format_then_parse_round_trips),
        cmocka_unit_test(test_parse_then_format_round_trips),
        cmocka_unit_test(test_be32_is_big_endian),
        cmocka_unit_test(test_be64_is_big_endian),
        cmocka_unit_test(test_key_byte_order_is_numeric_order),
        cmocka_unit_test(test_checkin_ids_parse_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
