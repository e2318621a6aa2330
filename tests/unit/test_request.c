/* test_request.c — the field validators every handler uses
 * (server/request.c): on failure each records INVALID_ARGUMENT (or
 * NOT_FOUND / PERIOD_CLOSED for records) with a sentence naming the field,
 * and the first error of a request wins. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

#include "okr_limits.h"
#include "request.h"

typedef struct {
    arena mem;
    store_txn txn;        /* no store: validators that read nothing */
    request rq;
} ctx;

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    arena_init(&c->mem);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    arena_free(&c->mem);
    free(c);
    return 0;
}

/* A fresh request with no error yet. */
static request *fresh(void **state)
{
    ctx *c = *state;
    memset(&c->rq, 0, sizeof c->rq);
    memset(&c->txn, 0, sizeof c->txn);
    c->txn.mem = &c->mem;
    c->rq.txn = &c->txn;
    c->rq.mem = &c->mem;
    c->rq.actor = "tester";
    return &c->rq;
}

/* The validator's verdict was false with INVALID_ARGUMENT and a message that
 * names `field`. */
static void refused_naming(request *rq, bool verdict, const char *field)
{
    assert_false(verdict);
    assert_int_equal(rq->code, OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(rq->message);
    if (strstr(rq->message, field) == NULL)
        fail_msg("message \"%s\" does not name the field \"%s\"", rq->message, field);
    assert_false(request_ok(rq));
}

static void accepted(request *rq, bool verdict)
{
    if (!verdict)
        fail_msg("refused: %s", rq->message ? rq->message : "(no message)");
    assert_int_equal(rq->code, OKR__ERROR_CODE__OK);
    assert_true(request_ok(rq));
}

/* ------------------------------------------------------------ text */

static void test_text_accepts_utf8_up_to_its_byte_limit(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_text(rq, "title", "Kundenzufriedenheit ↑ 😀", OKR_MAX_TITLE, true));
    char exact[OKR_MAX_TITLE + 1];
    memset(exact, 'a', OKR_MAX_TITLE);
    exact[OKR_MAX_TITLE] = '\0';
    accepted(rq, need_text(rq, "title", exact, OKR_MAX_TITLE, true));
    accepted(rq, need_text(rq, "title", "tab\tinside", OKR_MAX_TITLE, true));
}

static void test_text_over_its_byte_limit_is_invalid(void **state)
{
    request *rq = fresh(state);
    char longer[OKR_MAX_TITLE + 2];
    memset(longer, 'a', OKR_MAX_TITLE + 1);
    longer[OKR_MAX_TITLE + 1] = '\0';
    refused_naming(rq, need_text(rq, "title", longer, OKR_MAX_TITLE, true), "title");
    assert_non_null(strstr(rq->message, "201"));
    /* The limit is in bytes: 67 three-byte characters are 201 bytes. */
    rq = fresh(state);
    char wide[3 * 67 + 1] = "";
    for (int i = 0; i < 67; i++)
        strcat(wide, "€");
    refused_naming(rq, need_text(rq, "title", wide, OKR_MAX_TITLE, true), "title");
}

static void test_text_that_is_not_utf8_or_holds_controls_is_invalid(void **state)
{
    static const char *const bad[] = {
        "\xff",                 /* never valid */
        "caf\xc3",              /* truncated sequence */
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, three bytes */
        "\xed\xa0\x80",         /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\x80 lone continuation",
        "line\nbreak",          /* control characters */
        "bell\x07",
        "del\x7f",
        "c1 \xc2\x85 control",
        "esc \x1b[31m red",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        request *rq = fresh(state);
        refused_naming(rq, need_text(rq, "note", bad[i], OKR_MAX_NOTE, false), "note");
    }
}

static void test_required_text_refuses_missing_empty_and_blank(void **state)
{
    static const char *const missing[] = {NULL, "", " ", "\t", "  \t  "};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        request *rq = fresh(state);
        refused_naming(rq, need_text(rq, "title", missing[i], OKR_MAX_TITLE, true), "title");
    }
    /* Optional text may be absent or empty. */
    request *rq = fresh(state);
    accepted(rq, need_text(rq, "description", NULL, OKR_MAX_DESCRIPTION, false));
    accepted(rq, need_text(rq, "description", "", OKR_MAX_DESCRIPTION, false));
}

static void test_names_refuse_leading_or_trailing_space_and_tabs(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_name(rq, "team", "payments team", OKR_MAX_NAME, true));
    static const char *const bad[] = {" payments", "payments ", "pay\tments"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_name(rq, "team", bad[i], OKR_MAX_NAME, true), "team");
    }
    rq = fresh(state);
    char longer[OKR_MAX_NAME + 2];
    memset(longer, 'n', OKR_MAX_NAME + 1);
    longer[OKR_MAX_NAME + 1] = '\0';
    refused_naming(rq, need_name(rq, "owner", longer, OKR_MAX_NAME, false), "owner");
}

/* ------------------------------------------------------------ numbers */

static void test_number_must_be_given_finite_and_within_bounds(void **state)
{
    request *rq = fresh(state);
    refused_naming(rq, need_number(rq, "value", false, 1), "value");
    const double good[] = {0, -0.0, 1e15, -1e15, 0.35, -273.15, 5e-324};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        rq = fresh(state);
        accepted(rq, need_number(rq, "value", true, good[i]));
    }
    const double bad[] = {NAN, -NAN, INFINITY, -INFINITY, nextafter(1e15, 1e16), -2e15, 1e300,
                          -1.7976931348623157e308};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_number(rq, "start (--from)", true, bad[i]), "start (--from)");
    }
}

static void test_confidence_is_optional_and_between_0_and_1(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_confidence(rq, "confidence", false, 7));   /* absent: ignored */
    accepted(rq, need_confidence(rq, "confidence", true, 0));
    accepted(rq, need_confidence(rq, "confidence", true, 1));
    accepted(rq, need_confidence(rq, "confidence", true, 0.5));
    const double bad[] = {-0.01, 1.01, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_confidence(rq, "confidence", true, bad[i]), "confidence");
    }
}

static void test_weight_defaults_to_1_and_must_be_1_to_1000(void **state)
{
    request *rq = fresh(state);
    uint32_t w = 77;
    accepted(rq, need_weight(rq, "weight", false, 0, &w));
    assert_int_equal(w, 1);
    accepted(rq, need_weight(rq, "weight", true, 1, &w));
    assert_int_equal(w, 1);
    accepted(rq, need_weight(rq, "weight", true, OKR_MAX_WEIGHT, &w));
    assert_int_equal(w, 1000);
    const uint32_t bad[] = {0, OKR_MAX_WEIGHT + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        w = 5;
        refused_naming(rq, need_weight(rq, "weight", true, bad[i], &w), "weight");
        assert_int_equal(w, 5);                    /* untouched on refusal */
    }
}

/* ------------------------------------------------------------ dates and ids */

static void test_date_must_be_a_real_calendar_day(void **state)
{
    request *rq = fresh(state);
    int64_t days = -1;
    accepted(rq, need_date(rq, "start", "1970-01-01", &days));
    assert_int_equal(days, 0);
    accepted(rq, need_date(rq, "start", "2026-10-01", &days));
    assert_int_equal(days, 20727);
    accepted(rq, need_date(rq, "start", "2028-02-29", &days));   /* leap year */
    static const char *const bad[] = {
        NULL, "", "2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
        "2026-1-01", "2026-10-1", "26-10-01", "2026/10/01", "2026-10-01x", " 2026-10-01",
        "1969-12-31", "２０２６-10-01", "2026-10-01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_date(rq, "end", bad[i], &days), "end");
    }
}

static void test_node_ids_are_typed_and_without_leading_zeros(void **state)
{
    request *rq = fresh(state);
    okr_node n = 0;
    accepted(rq, need_node_id(rq, "parent", "O12", &n));
    assert_int_equal(n, okr_node_objective(12));
    accepted(rq, need_node_id(rq, "parent", "k40", &n));
    assert_int_equal(n, okr_node_kr(40));
    accepted(rq, need_node_id(rq, "parent", "O2147483647", &n));
    static const char *const bad[] = {NULL, "", "O", "O0", "O012", "X1", "O-1", "O+1", "O 1",
                                      "O1 ", "O2147483648", "K99999999999", "12", "OK1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_node_id(rq, "parent", bad[i], &n), "parent");
    }
}

/* ------------------------------------------------------------ errors */

static void test_the_first_error_of_a_request_wins(void **state)
{
    request *rq = fresh(state);
    assert_false(request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no objective %s", "O9"));
    assert_false(request_fail(rq, OKR__ERROR_CODE__CONFLICT, "later"));
    uint32_t w;
    assert_false(need_weight(rq, "weight", true, 0, &w));
    assert_int_equal(rq->code, OKR__ERROR_CODE__NOT_FOUND);
    assert_string_equal(rq->message, "no objective O9");
}

static void test_a_storage_failure_makes_the_request_not_ok(void **state)
{
    request *rq = fresh(state);
    assert_true(request_ok(rq));
    rq->txn->rc = MDB_MAP_FULL;
    assert_false(request_ok(rq));
    assert_int_equal(rq->code, OKR__ERROR_CODE__OK);   /* not a user error */
}

/* ------------------------------------------------------------ records */

static void test_record_lookups_resolve_ids_and_name_the_missing_one(void **state)
{
    (void)state;
    fixture f;
    arena a;
    assert_int_equal(fixture_open(&f, 0), 0);
    arena_init(&a);
    assert_int_equal(fixture_do(&f, req_period_add(&a, "2026-Q4", "2026-10-01", "2026-12-31"),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_period_add(&a, "2026-Q3", "2026-07-01", "2026-09-30"),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_objective_add(&a, "o", "2026-Q4", 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_objective_add(&a, "old", "2026-Q3", 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_kr_add_metric(&a, "O1", 0, 1, 0), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_period_close(&a, "2026-Q3", false), NULL),
                     OKR__ERROR_CODE__OK);

    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f.st, NULL, false, &mem);
    request rq;
    okr_node id;
#define FRESH() (memset(&rq, 0, sizeof rq), rq.txn = &t, rq.mem = &mem, &rq)

    Okr__Objective *o = need_objective(FRESH(), "child", "O1", &id);
    assert_non_null(o);
    assert_string_equal(o->id, "O1");
    assert_true(need_open(&rq, o));

    assert_null(need_objective(FRESH(), "child", "O9", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "O9"));

    assert_null(need_objective(FRESH(), "child", "K1", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(rq.message, "child"));

    assert_non_null(need_kr(FRESH(), "kr", "K1", &id));
    assert_int_equal(id, okr_node_kr(1));
    assert_null(need_kr(FRESH(), "kr", "K2", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "K2"));
    assert_null(need_kr(FRESH(), "kr", "O1", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__INVALID_ARGUMENT);

    assert_non_null(need_period(FRESH(), "2026-Q4"));
    assert_null(need_period(FRESH(), "2027-Q1"));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "2027-Q1"));
    assert_null(need_team(FRESH(), "nobody"));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);

    o = need_objective(FRESH(), "id", "O2", &id);
    assert_non_null(o);
    assert_false(need_open(&rq, o));
    assert_int_equal(rq.code, OKR__ERROR_CODE__PERIOD_CLOSED);
    assert_non_null(strstr(rq.message, "2026-Q3"));
#undef FRESH
    store_txn_abort(&t);
    arena_free(&mem);
    arena_free(&a);
    fixture_close(&f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_text_accepts_utf8_up_to_its_byte_limit),
        T(test_text_over_its_byte_limit_is_invalid),
        T(test_text_that_is_not_utf8_or_holds_controls_is_invalid),
        T(test_required_text_refuses_missing_empty_and_blank),
        T(test_names_refuse_leading_or_trailing_space_and_tabs),
        T(test_number_must_be_given_finite_and_within_bounds),
        T(test_confidence_is_optional_and_between_0_and_1),
        T(test_weight_defaults_to_1_and_must_be_1_to_1000),
        T(test_date_must_be_a_real_calendar_day),
        T(test_node_ids_are_typed_and_without_leading_zeros),
        T(test_the_first_error_of_a_request_wins),
        T(test_a_storage_failure_makes_the_request_not_ok),
        T(test_record_lookups_resolve_ids_and_name_the_missing_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
