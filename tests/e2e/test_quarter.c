/* test_quarter.c — what running a whole quarter found (issue 11): the JSON
 * of a change keeps every field of its body (`obj edit --committed` has a
 * "type"), an add that moves other scores says so, the history of a
 * roll-up KR, a script's `use team` checked on its own line, overlapping
 * periods (which one a command used; period edit and delete), and a
 * client that says at once that nothing listens. Each test runs on a fresh
 * okrd with the real okr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define OKR_MAX_ARGS 24

/* Run okr with the NULL-terminated words; input fed on stdin (NULL: none). */
static void okr_run(struct harness_server *s, struct harness_result *r, const char *input,
                    const char *a, va_list ap)
{
    const char *args[OKR_MAX_ARGS + 1];
    int n = 0;
    for (const char *x = a; x && n < OKR_MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(s->requests, r, input, args), 0);
}

/* Run okr, assert it exits `code`, and return the result (caller frees). */
static void okr_expect(struct harness_server *s, struct harness_result *r, int code,
                       const char *a, ...)
{
    va_list ap;
    va_start(ap, a);
    okr_run(s, r, NULL, a, ap);
    va_end(ap);
    harness_expect_exit(r, code);
}

/* Run okr, assert exit 0 and that stdout is exactly `want`. */
static void okr_prints(struct harness_server *s, const char *want, const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, a);
    okr_run(s, &r, NULL, a, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    if (strcmp(r.out, want) != 0) {
        fprintf(stderr, "%s\nprinted:\n%s\nwanted:\n%s\nstderr:\n%s\n", r.command, r.out, want,
                r.err);
        harness_result_free(&r);
        fail();
    }
    harness_result_free(&r);
}

static int setup(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct harness_server *s = *state;
    harness_server_destroy(s);
    free(s);
    return 0;
}

/* A quarter, a team, O1 with a metric KR K1 at 0.5. */
static void build_quarter(struct harness_server *s)
{
    okr_prints(s, "2026-Q4\n", "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
               "2026-12-31", NULL);
    okr_prints(s, "eng\n", "team", "add", "eng", NULL);
    okr_prints(s, "O1\n", "obj", "add", "Ship it", "--team", "eng", "--period", "2026-Q4",
               NULL);
    okr_prints(s, "K1\n", "kr", "add", "O1", "Stores", "--from", "0", "--to", "10", NULL);
    okr_prints(s, "K1 0.000000 -> 0.500000\nO1 0.000000 -> 0.500000\n", "checkin", "K1", "5",
               NULL);
}

/* ------------------------------------------------------------ 1: JSON of a change */

/* The body's name goes under "request", so ObjectiveEdit's own "type" (the
 * committed/aspirational field) survives. */
static void test_json_change_keeps_the_edit_type_field(void **state)
{
    struct harness_server *s = *state;
    build_quarter(s);
    struct harness_result r;
    okr_expect(s, &r, 0, "obj", "edit", "O1", "--committed", NULL);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "--json", "log", "O1", NULL);
    /* The last line is the edit. */
    char *text = harness_chomp(r.out);
    char *last = strrchr(text, '\n');
    struct json_object *ev = harness_json_parse(last ? last + 1 : text);
    assert_string_equal(harness_json_string(ev, "change.request"), "objective_edit");
    assert_string_equal(harness_json_string(ev, "change.type"), "committed");
    assert_string_equal(harness_json_string(ev, "change.id"), "O1");
    char from[32];
    snprintf(from, sizeof from, "%lld", (long long)harness_json_int(ev, "seq") - 1);
    json_object_put(ev);
    free(text);
    harness_result_free(&r);

    /* watch prints the same document for the same event. */
    okr_expect(s, &r, 0, "--json", "watch", "--from", from, "--count", "1", NULL);
    ev = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(ev, "change.request"), "objective_edit");
    assert_string_equal(harness_json_string(ev, "change.type"), "committed");
    json_object_put(ev);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ 2: overlapping periods */

/* today + days as "YYYY-MM-DD" (UTC, as okrd counts days). */
static void date_from_today(int days, char out[16])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* A year and a quarter both containing today: both are accepted, and an
 * obj add without --period says which one it took. */
static void test_overlapping_periods_obj_add_says_which_it_used(void **state)
{
    struct harness_server *s = *state;
    char y0[16], y1[16], q0[16], q1[16];
    date_from_today(-100, y0);
    date_from_today(100, y1);
    date_from_today(-10, q0);
    date_from_today(10, q1);
    okr_prints(s, "Y\n", "period", "add", "Y", "--start", y0, "--end", y1, NULL);
    struct harness_result r;
    okr_expect(s, &r, 0, "obj", "add", "Only one", NULL);
    assert_string_equal(r.out, "O1\n");
    assert_string_equal(r.err, "");         /* one candidate: nothing to say */
    harness_result_free(&r);

    okr_prints(s, "Q\n", "period", "add", "Q", "--start", q0, "--end", q1, NULL);
    okr_expect(s, &r, 0, "obj", "add", "Which one", NULL);
    assert_string_equal(r.out, "O2\n");
    assert_string_equal(r.err, "okr: (period Q: the newest of 2 open periods containing "
                               "today; --period picks another)\n");
    harness_result_free(&r);
    okr_expect(s, &r, 0, "obj", "add", "Named", "--period", "Y", NULL);
    assert_string_equal(r.err, "");
    harness_result_free(&r);
    okr_expect(s, &r, 0, "--json", "show", "O2", NULL);
    struct json_object *o = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(o, "period"), "Q");
    json_object_put(o);
    harness_result_free(&r);
}

static void expect_refused(struct harness_server *s, const char *err, const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, a);
    okr_run(s, &r, NULL, a, ap);
    va_end(ap);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, err);
    harness_result_free(&r);
}

/* period edit changes dates and renames (the objectives follow, indexes
 * too: okrd --verify agrees); period delete takes only an empty period;
 * a closed period cannot be edited; a refusal changes nothing. */
static void test_period_edit_and_delete(void **state)
{
    struct harness_server *s = *state;
    build_quarter(s);
    okr_prints(s, "Spare\n", "period", "add", "Spare", "--start", "2027-01-01", "--end",
               "2027-03-31", NULL);
    okr_prints(s, "", "period", "edit", "2026-Q4", "--end", "2026-12-20", "--name", "Q4", NULL);
    const char *periods = "NAME   START       END         STATE\n"
                          "Q4     2026-10-01  2026-12-20  open\n"
                          "Spare  2027-01-01  2027-03-31  open\n";
    okr_prints(s, periods, "period", "list", NULL);
    struct harness_result r;
    okr_expect(s, &r, 0, "--json", "show", "O1", NULL);
    struct json_object *o = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(o, "period"), "Q4");
    json_object_put(o);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "--json", "obj", "list", "--period", "Q4", NULL);
    assert_non_null(strstr(r.out, "\"id\":\"O1\""));
    harness_result_free(&r);

    expect_refused(s, "okr: CONFLICT: period Q4 has 1 objective (archived ones included); "
                      "delete them or move them first\n", "period", "delete", "Q4", NULL);
    expect_refused(s, "okr: INVALID_ARGUMENT: end 2026-09-01 is before start 2026-10-01\n",
                   "period", "edit", "Q4", "--end", "2026-09-01", NULL);
    expect_refused(s, "okr: CONFLICT: period \"Spare\" exists already\n", "period", "edit",
                   "Q4", "--name", "Spare", NULL);
    expect_refused(s, "okr: NOT_FOUND: no period \"2026-Q4\"\n", "period", "edit", "2026-Q4",
                   "--end", "2026-12-31", NULL);
    okr_prints(s, periods, "period", "list", NULL);

    okr_prints(s, "", "period", "delete", "Spare", NULL);
    okr_prints(s, "NAME  START       END         STATE\n"
                  "Q4    2026-10-01  2026-12-20  open\n", "period", "list", NULL);
    okr_expect(s, &r, 0, "period", "close", "Q4", NULL);
    harness_result_free(&r);
    expect_refused(s, "okr: CONFLICT: period Q4 is closed: reopen it to edit it\n", "period",
                   "edit", "Q4", "--start", "2026-10-02", NULL);

    okr_expect(s, &r, 0, "log", NULL);
    assert_non_null(strstr(r.out, " root period edit 2026-Q4 --end 2026-12-20 --name Q4\n"));
    assert_non_null(strstr(r.out, " root period delete Spare\n"));
    harness_result_free(&r);

    assert_int_equal(harness_server_stop(s), 0);
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ 3: adds that move scores */

static void test_adds_print_the_scores_they_move(void **state)
{
    struct harness_server *s = *state;
    build_quarter(s);
    /* A roll-up KR at 0 halves O1. */
    okr_prints(s, "K2\nO1 0.500000 -> 0.250000\n", "kr", "add", "O1", "Roll", "--kind",
               "rollup", NULL);
    /* O2 (no KRs, 0) aligned to K2 moves nothing: K2 is already 0. */
    okr_prints(s, "O2\n", "obj", "add", "Child", "--team", "eng", "--period", "2026-Q4",
               "--align-to", "K2", NULL);
    okr_prints(s, "K3\n", "kr", "add", "O2", "m", "--from", "0", "--to", "10", NULL);
    okr_prints(s, "K3 0.000000 -> 0.800000\nO2 0.000000 -> 0.800000\n"
                  "K2 0.000000 -> 0.800000\nO1 0.250000 -> 0.650000\n",
               "checkin", "K3", "8", NULL);
    /* A second child at 0 pulls K2 to 0.4 and O1 with it. */
    okr_prints(s, "O3\nK2 0.800000 -> 0.400000\nO1 0.650000 -> 0.450000\n", "obj", "add",
               "Second", "--team", "eng", "--period", "2026-Q4", "--align-to", "K2", NULL);
}

/* ------------------------------------------------------------ 6: use team in a script */

static void test_script_use_of_an_unknown_team_fails_its_own_line(void **state)
{
    struct harness_server *s = *state;
    build_quarter(s);
    struct harness_result r;
    assert_int_equal(harness_okr_stdin(s, &r, "use team nope\nobj list\n", NULL), 0);
    harness_expect_exit(&r, 2);
    assert_string_equal(r.err, "okr: line 1: use: no team 'nope' (see 'team list')\n");
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    assert_int_equal(harness_okr_stdin(s, &r, "use period 2027-Q1\n", NULL), 0);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "line 1: use: no period '2027-Q1'"));
    harness_result_free(&r);
    /* A known one is taken and used. */
    assert_int_equal(harness_okr_stdin(s, &r, "use team eng\nuse\n", NULL), 0);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "period  -\nteam    eng\n");
    harness_result_free(&r);
}

/* ------------------------------------------------------------ 4: roll-up history */

/* A roll-up KR takes no check-ins; its history is its score moves, from the
 * events that moved it. The time column depends on the clock: the rest of
 * each line is exact. */
static void test_history_of_a_rollup_kr_shows_its_score_moves(void **state)
{
    struct harness_server *s = *state;
    build_quarter(s);
    struct harness_result r;
    okr_expect(s, &r, 0, "kr", "add", "O1", "Roll", "--kind", "rollup", NULL);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "history", "K2", NULL);
    assert_string_equal(r.out, "K2  Roll\n  no score moves yet (a roll-up KR moves with the "
                               "objectives aligned to it)\n");
    harness_result_free(&r);

    okr_expect(s, &r, 0, "obj", "add", "Child", "--team", "eng", "--period", "2026-Q4",
               "--align-to", "K2", NULL);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "kr", "add", "O2", "m", "--from", "0", "--to", "10", NULL);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "checkin", "K3", "8", NULL);
    harness_result_free(&r);
    okr_expect(s, &r, 0, "obj", "add", "Second", "--team", "eng", "--period", "2026-Q4",
               "--align-to", "K2", NULL);
    harness_result_free(&r);

    okr_expect(s, &r, 0, "history", "K2", NULL);
    const char *want[] = {
        "K2  Roll\n  progress     ", "  0.000 → 0.400\n  score        0.400  ",
        "\n\nTIME (UTC)        SCORE  WAS    BY    CHANGE\n",
        "  0.800  0.000  root  checkin K3 = 8\n",
        "  0.400  0.800  root  obj add O3 \"Second\" (team eng, 2026-Q4, aligned to K2)\n",
    };
    const char *at = r.out;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *found = strstr(at, want[i]);
        if (found == NULL) {
            fprintf(stderr, "history K2 printed:\n%s\nwithout (in order): %s\n", r.out,
                    want[i]);
            harness_result_free(&r);
            fail();
        }
        at = found + strlen(want[i]);
    }
    assert_string_equal(at, "");
    assert_null(strstr(r.out, "no check-ins"));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ 5: nothing listens */

/* okr never got through, so a refused connect is final: it says so at once
 * instead of waiting out three tries (with --timeout 30000 those would
 * outlast the harness's deadline, and the run would be killed). Nothing was
 * delivered, so a change says the same. */
static void test_nothing_listening_is_said_at_once(void **state)
{
    struct harness_server *s = *state;
    char endpoint[HARNESS_ENDPOINT_MAX], want[HARNESS_ENDPOINT_MAX + 64];
    snprintf(endpoint, sizeof endpoint, "%s", s->requests);
    assert_int_equal(harness_server_stop(s), 0);
    snprintf(want, sizeof want, "okr: cannot reach okrd at %s: connection refused\n", endpoint);

    struct harness_result r;
    harness_okr_at(endpoint, &r, NULL, "--timeout", "30000", "status", NULL);
    harness_expect_exit(&r, 3);
    assert_false(r.timed_out);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    harness_okr_at(endpoint, &r, NULL, "--timeout", "30000", "team", "add", "eng", NULL);
    harness_expect_exit(&r, 3);
    assert_string_equal(r.err, want);
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_change_keeps_the_edit_type_field, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_periods_obj_add_says_which_it_used,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_period_edit_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adds_print_the_scores_they_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_use_of_an_unknown_team_fails_its_own_line,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_of_a_rollup_kr_shows_its_score_moves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nothing_listening_is_said_at_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
