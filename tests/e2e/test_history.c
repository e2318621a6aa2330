/* test_history.c — `okr history ID` as a score history (issue 11): an
 * objective's and a roll-up KR's score moves read from the audit log, in
 * order, with their cause and actor, as a sparkline (Unicode, or ASCII when
 * the locale is not UTF-8) and a table; `--json` with a "scores" list; a
 * leaf KR keeps its check-in table and gains the sparkline of its score;
 * --limit keeps the latest moves. Each test runs on a fresh okrd with the
 * real okr; times depend on the clock, everything else is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define MAX_ARGS 32
#define TIME_COLUMN "YYYY-MM-DD HH:MM  "

/* Run `$OKR --server EP words...` with LC_ALL=locale (the child inherits
 * it); asserts it exited `code`; the caller frees the result. */
static void run_in(struct harness_server *s, struct harness_result *r, int code,
                   const char *locale, const char *word, ...)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    va_list ap;
    va_start(ap, word);
    for (const char *w = word; w && n < MAX_ARGS; w = va_arg(ap, const char *))
        args[n++] = w;
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(setenv("LC_ALL", locale, 1), 0);
    assert_int_equal(harness_okr_argv(s->requests, r, NULL, args), 0);
    harness_expect_exit(r, code);
}

#define OK(s, ...)                                                   \
    do {                                                             \
        struct harness_result r_;                                    \
        run_in((s), &r_, 0, "C.UTF-8", __VA_ARGS__, NULL);           \
        harness_result_free(&r_);                                    \
    } while (0)

/* The output with each table row's time column cut off, so that what is
 * left is exact: the time starts with "20" (the year), at the start of the
 * row or after a check-in's id column ("#12  "). malloc'd. */
static char *without_times(const char *out)
{
    char *copy = malloc(strlen(out) + 1), *w = copy;
    for (const char *line = out; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        if (line[0] == '#') {                 /* keep the id column as it is */
            size_t id = strcspn(line, " ");
            id += strspn(line + id, " ");
            memcpy(w, line, id);
            w += id;
            line += id;
            len -= id;
        }
        if (strncmp(line, "20", 2) == 0 && len > strlen(TIME_COLUMN)) {
            line += strlen(TIME_COLUMN);
            len -= strlen(TIME_COLUMN);
        }
        memcpy(w, line, len);
        w += len;
        line += len;
    }
    *w = '\0';
    return copy;
}

/* The length of the array at path; fails the test when there is none. */
static size_t array_length(struct json_object *doc, const char *path)
{
    struct json_object *array = harness_json_find(doc, path);
    if (array == NULL || !json_object_is_type(array, json_type_array))
        fail_msg("no array at \"%s\" in %s", path, json_object_to_json_string(doc));
    return json_object_array_length(array);
}

static void expect_text(const struct harness_result *r, const char *want)
{
    char *got = without_times(r->out);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s printed (times cut):\n%s\nwanted:\n%s\n", r->command, got, want);
        free(got);
        fail();
    }
    free(got);
}

/* A period around today, team eng, O1 (committed) with metric KRs K1 and
 * K2 (0..10, 0..100). ana checks in K1 5, bob K2 50, ana K1 10 "done":
 * O1 moves 0 -> 0.25 -> 0.5 -> 0.75. */
static void build_quarter(struct harness_server *s)
{
    OK(s, "period", "add", "2026-Q4", "--start", "2000-01-01", "--end", "2099-12-31");
    OK(s, "team", "add", "eng");
    OK(s, "obj", "add", "Grow", "--team", "eng", "--period", "2026-Q4", "--committed");
    OK(s, "kr", "add", "O1", "Revenue", "--from", "0", "--to", "10");
    OK(s, "kr", "add", "O1", "Users", "--from", "0", "--to", "100");
    OK(s, "--user", "ana", "checkin", "K1", "5");
    OK(s, "--user", "bob", "checkin", "K2", "50", "--confidence", "0.6");
    OK(s, "--user", "ana", "checkin", "K1", "10", "--note", "done");
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
    harness_server_destroy(*state);
    free(*state);
    return 0;
}

/* ------------------------------------------------------------ objectives */

static void test_objective_history_lists_its_score_moves_in_order(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 0, "C.UTF-8", "history", "O1", NULL);
    expect_text(&r, "O1  Grow\n"
                    "  progress     ▃▅▆  0.000 → 0.750\n"
                    "  score        0.750  on_track\n"
                    "\n"
                    "TIME (UTC)        SCORE  WAS    BY   CHANGE\n"
                    "0.250  0.000  ana  checkin K1 = 5\n"
                    "0.500  0.250  bob  checkin K2 = 50 (confidence 0.60)\n"
                    "0.750  0.500  ana  checkin K1 = 10 \"done\"\n");
    harness_result_free(&r);
}

/* Not UTF-8: the same history in ASCII. */
static void test_objective_history_draws_ascii_outside_utf8(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 0, "C", "history", "O1", NULL);
    assert_non_null(strstr(r.out, "\n  progress     -=+  0.000 -> 0.750\n"));
    harness_result_free(&r);
}

static void test_objective_history_json_has_the_scores(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "O1", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "objective.id"), "O1");
    assert_string_equal(harness_json_text(doc, "objective.score"), "0.750000");
    assert_int_equal(array_length(doc, "scores"), 3);
    const char *want[3][5] = {
        {"0.250000", "0.000000", "0.250000", "ana", "checkin K1 = 5"},
        {"0.500000", "0.250000", "0.250000", "bob", "checkin K2 = 50 (confidence 0.60)"},
        {"0.750000", "0.500000", "0.250000", "ana", "checkin K1 = 10 \"done\""},
    };
    int64_t last_seq = 0;
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "scores.%d.score", i);
        assert_string_equal(harness_json_text(doc, path), want[i][0]);
        snprintf(path, sizeof path, "scores.%d.old", i);
        assert_string_equal(harness_json_text(doc, path), want[i][1]);
        snprintf(path, sizeof path, "scores.%d.change", i);
        assert_string_equal(harness_json_text(doc, path), want[i][2]);
        snprintf(path, sizeof path, "scores.%d.actor", i);
        assert_string_equal(harness_json_string(doc, path), want[i][3]);
        snprintf(path, sizeof path, "scores.%d.cause", i);
        assert_string_equal(harness_json_string(doc, path), want[i][4]);
        snprintf(path, sizeof path, "scores.%d.seq", i);
        assert_true(harness_json_int(doc, path) > last_seq);   /* oldest first */
        last_seq = harness_json_int(doc, path);
        snprintf(path, sizeof path, "scores.%d.time", i);
        assert_int_equal(strlen(harness_json_string(doc, path)), strlen("2026-12-01T10:00:00Z"));
    }
    assert_int_equal(harness_json_int(doc, "score_moves"), 3);
    json_object_put(doc);
    harness_result_free(&r);
}

/* A move down is a negative change; an edit that moves no score is not a move. */
static void test_a_move_down_and_an_edit_without_a_move(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    OK(s, "obj", "edit", "O1", "--title", "Grow more");
    OK(s, "--user", "ana", "checkin", "K1", "0", "--note", "refunds");
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "O1", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_int_equal(array_length(doc, "scores"), 4);
    assert_string_equal(harness_json_text(doc, "scores.3.score"), "0.250000");
    assert_string_equal(harness_json_text(doc, "scores.3.change"), "-0.500000");
    assert_string_equal(harness_json_string(doc, "scores.3.cause"), "checkin K1 = 0 \"refunds\"");
    json_object_put(doc);
    harness_result_free(&r);
}

/* --limit N: the latest N moves, and a line that says so. */
static void test_limit_keeps_the_latest_moves(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 0, "C.UTF-8", "history", "O1", "--limit", "2", NULL);
    expect_text(&r, "O1  Grow\n"
                    "  progress     ▅▆  0.250 → 0.750\n"
                    "  score        0.750  on_track\n"
                    "  (the table shows the latest 2 of 3 score moves; --limit shows up to 1000)\n"
                    "\n"
                    "TIME (UTC)        SCORE  WAS    BY   CHANGE\n"
                    "0.500  0.250  bob  checkin K2 = 50 (confidence 0.60)\n"
                    "0.750  0.500  ana  checkin K1 = 10 \"done\"\n");
    harness_result_free(&r);
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "O1", "--limit", "1", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_int_equal(array_length(doc, "scores"), 1);
    assert_string_equal(harness_json_text(doc, "scores.0.score"), "0.750000");
    assert_int_equal(harness_json_int(doc, "score_moves"), 3);
    json_object_put(doc);
    harness_result_free(&r);
}

static void test_a_new_objective_has_no_moves_yet(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    OK(s, "obj", "add", "Quiet", "--team", "eng", "--period", "2026-Q4");
    run_in(s, &r, 0, "C.UTF-8", "history", "O2", NULL);
    assert_string_equal(r.out, "O2  Quiet\n  no score moves yet (an objective moves with its KRs "
                               "and the objectives aligned to it)\n");
    harness_result_free(&r);
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "O2", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_int_equal(array_length(doc, "scores"), 0);
    json_object_put(doc);
    harness_result_free(&r);
}

static void test_bad_and_missing_ids_are_refused(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 1, "C.UTF-8", "history", "O9", NULL);
    assert_string_equal(r.err, "okr: NOT_FOUND: no objective O9\n");
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    run_in(s, &r, 2, "C.UTF-8", "history", "X1", NULL);
    assert_non_null(strstr(r.err, "okr: history: ID: 'X1' is not "));
    harness_result_free(&r);
    run_in(s, &r, 2, "C.UTF-8", "history", "O1", "--limit", "0", NULL);
    assert_non_null(strstr(r.err, "--limit"));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ KRs */

/* A roll-up KR's JSON history is its score moves (it takes no check-ins). */
static void test_rollup_kr_json_history_has_its_score_moves(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    OK(s, "kr", "add", "O1", "Roll", "--kind", "rollup");
    OK(s, "obj", "add", "Child", "--team", "eng", "--period", "2026-Q4", "--align-to", "K3");
    OK(s, "kr", "add", "O2", "Tickets", "--from", "0", "--to", "10");
    OK(s, "--user", "ana", "checkin", "K4", "4");
    OK(s, "--user", "bob", "checkin", "K4", "9", "--note", "nearly");
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "K3", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "kr.kind"), "rollup");
    assert_int_equal(array_length(doc, "checkins"), 0);
    assert_int_equal(array_length(doc, "scores"), 2);
    assert_string_equal(harness_json_text(doc, "scores.0.old"), "0.000000");
    assert_string_equal(harness_json_text(doc, "scores.0.score"), "0.400000");
    assert_string_equal(harness_json_string(doc, "scores.0.actor"), "ana");
    assert_string_equal(harness_json_string(doc, "scores.0.cause"), "checkin K4 = 4");
    assert_string_equal(harness_json_text(doc, "scores.1.score"), "0.900000");
    assert_string_equal(harness_json_text(doc, "scores.1.change"), "0.500000");
    assert_string_equal(harness_json_string(doc, "scores.1.cause"), "checkin K4 = 9 \"nearly\"");
    json_object_put(doc);
    harness_result_free(&r);

    run_in(s, &r, 0, "C.UTF-8", "history", "K3", NULL);
    expect_text(&r, "K3  Roll\n"
                    "  progress     ▄▇  0.000 → 0.900\n"
                    "  score        0.900  on_track\n"
                    "\n"
                    "TIME (UTC)        SCORE  WAS    BY   CHANGE\n"
                    "0.400  0.000  ana  checkin K4 = 4\n"
                    "0.900  0.400  bob  checkin K4 = 9 \"nearly\"\n");
    harness_result_free(&r);
}

/* A leaf KR keeps its check-in table and gains its score's sparkline. */
static void test_leaf_kr_history_keeps_checkins_and_adds_its_score(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    build_quarter(s);
    run_in(s, &r, 0, "C.UTF-8", "history", "K1", NULL);
    expect_text(&r, "K1  Revenue\n"
                    "  progress     ▅█  5 → 10  (target 10)\n"
                    "  score moves  ▅█  0.000 → 1.000\n"
                    "  score        1.000  on_track\n"
                    "\n"
                    "ID  TIME (UTC)        VALUE  CONF  AUTHOR  NOTE\n"
                    "#6  5      -     ana\n"
                    "#8  10     -     ana     done\n");
    harness_result_free(&r);
    run_in(s, &r, 0, "C.UTF-8", "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_int_equal(array_length(doc, "checkins"), 2);
    assert_int_equal(array_length(doc, "scores"), 2);
    assert_string_equal(harness_json_text(doc, "scores.0.score"), "0.500000");
    assert_string_equal(harness_json_text(doc, "scores.1.score"), "1.000000");
    assert_int_equal(harness_json_int(doc, "scores.1.seq"), harness_json_int(doc, "checkins.1.seq"));
    json_object_put(doc);
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_objective_history_lists_its_score_moves_in_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_objective_history_draws_ascii_outside_utf8, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_objective_history_json_has_the_scores, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_move_down_and_an_edit_without_a_move, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_limit_keeps_the_latest_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_new_objective_has_no_moves_yet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_and_missing_ids_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollup_kr_json_history_has_its_score_moves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_leaf_kr_history_keeps_checkins_and_adds_its_score,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
