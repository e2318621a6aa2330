/* test_grades.c — what a closed quarter looks like in the human output:
 * `tree` and `obj list` show each objective's and KR's grade where the
 * health was (committed graded against 1.0, aspirational against 0.7), in
 * colour only when asked for (a terminal without NO_COLOR), and an aligned
 * objective that its parent's progress source leaves out says so on its
 * line. Grades do not depend on the clock, so the lines are exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "render.h"

static void okr_ok(struct harness_server *s, const char *a, ...)
{
    const char *args[20];
    int n = 0;
    va_list ap;
    va_start(ap, a);
    for (const char *x = a; x && n < 19; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(s->requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* A quarter of a department, closed:
 *   O1 committed, K1 at 0.8           -> yellow (committed: green only at 1.0)
 *   O2 aspirational, K2 at 1.0        -> green, aligned to O1 (O1 scores
 *                                        from its KRs: O2 does not count)
 *   O3 committed, K3 milestone done   -> green
 *   O4 aspirational, K4 at 0.3        -> red */
static int setup(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0)
        return -1;
    okr_ok(s, "period", "add", "2026-Q1", "--start", "2026-01-01", "--end", "2026-03-31",
           NULL);
    okr_ok(s, "obj", "add", "Ship the pots line", "--period", "2026-Q1", "--committed",
           "--owner", "ana", NULL);
    okr_ok(s, "kr", "add", "O1", "Stores stocked", "--from", "0", "--to", "10", NULL);
    okr_ok(s, "checkin", "K1", "8", NULL);
    okr_ok(s, "obj", "add", "Delight home cooks", "--period", "2026-Q1", "--owner", "ana",
           "--align-to", "O1", NULL);
    okr_ok(s, "kr", "add", "O2", "Repeat buyers", "--from", "0", "--to", "10", NULL);
    okr_ok(s, "checkin", "K2", "10", NULL);
    okr_ok(s, "obj", "add", "Open Spain", "--period", "2026-Q1", "--committed", "--owner",
           "ana", NULL);
    okr_ok(s, "kr", "add", "O3", "Launch in Spain", "--kind", "milestone", NULL);
    okr_ok(s, "checkin", "K3", "done", "--confidence", "0.2", NULL);
    okr_ok(s, "obj", "add", "Win awards", "--period", "2026-Q1", "--owner", "ana", NULL);
    okr_ok(s, "kr", "add", "O4", "Awards", "--from", "0", "--to", "10", NULL);
    okr_ok(s, "checkin", "K4", "3", NULL);
    okr_ok(s, "period", "close", "2026-Q1", NULL);
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

static void expect_output(struct harness_server *s, const char *want, const char *a, ...)
{
    const char *args[10];
    int n = 0;
    va_list ap;
    va_start(ap, a);
    for (const char *x = a; x && n < 9; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(s->requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    if (strcmp(r.out, want) != 0)
        fprintf(stderr, "%s: got\n%s\nwanted\n%s\n", r.command, r.out, want);
    assert_string_equal(r.out, want);
    harness_result_free(&r);
}

static void test_tree_shows_grades_where_the_health_was(void **state)
{
    expect_output(*state,
        "                                                                     PROGRESS    SCORE  HEALTH     CONF\n"
        "O1  Ship the pots line                                               ████████░░  0.800  yellow     -\n"
        "├── K1  Stores stocked                                               ████████░░  0.800  yellow     -\n"
        "└── O2  Delight home cooks (does not count: O1 scores from its KRs)  ██████████  1.000  green      -\n"
        "    └── K2  Repeat buyers                                            ██████████  1.000  green      -\n"
        "O3  Open Spain                                                       ██████████  1.000  green      0.20\n"
        "└── K3  Launch in Spain                                              ██████████  1.000  green      0.20\n"
        "O4  Win awards                                                       ███░░░░░░░  0.300  red        -\n"
        "└── K4  Awards                                                       ███░░░░░░░  0.300  red        -\n",
        "tree", NULL);
}

static void test_obj_list_shows_grades_where_the_health_was(void **state)
{
    expect_output(*state,
        "ID  SCORE  HEALTH  TYPE          PERIOD   TEAM  OWNER  TITLE\n"
        "O1  0.800  yellow  committed     2026-Q1        ana    Ship the pots line\n"
        "O2  1.000  green   aspirational  2026-Q1        ana    Delight home cooks\n"
        "O3  1.000  green   committed     2026-Q1        ana    Open Spain\n"
        "O4  0.300  red     aspirational  2026-Q1        ana    Win awards\n",
        "obj", "list", NULL);
}

/* Switching O1 to count its aligned objectives is refused once closed;
 * reopened, it is accepted, the note goes, and O1 moves to the mean of K1
 * and O2 (0.9: still yellow, committed). */
static void test_progress_source_decides_what_counts(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    harness_okr(s, &r, "obj", "edit", "O1", "--progress", "both", NULL);
    harness_expect_exit(&r, 1);
    harness_result_free(&r);
    okr_ok(s, "period", "reopen", "2026-Q1", NULL);
    okr_ok(s, "obj", "edit", "O1", "--progress", "both", NULL);
    okr_ok(s, "period", "close", "2026-Q1", NULL);
    expect_output(s,
        "                            PROGRESS    SCORE  HEALTH     CONF\n"
        "O1  Ship the pots line      █████████░  0.900  yellow     -\n"
        "├── K1  Stores stocked      ████████░░  0.800  yellow     -\n"
        "└── O2  Delight home cooks  ██████████  1.000  green      -\n"
        "    └── K2  Repeat buyers   ██████████  1.000  green      -\n",
        "tree", "O1", NULL);
}

/* Colour: the grade in its colour when colour is on (a terminal without
 * NO_COLOR decides that in client.c), no escape code otherwise. */
static void test_grade_colours_only_when_colour_is_on(void **state)
{
    struct harness_server *s = *state;
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TreeGet tg = OKR__TREE_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_TREE;
    req.tree = &tg;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_GRAPH);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    render_tree(&(render_ctx){.out = out, .color = true}, resp->graph, NULL);
    fclose(out);
    assert_non_null(strstr(text, RENDER_YELLOW "yellow" RENDER_RESET));
    assert_non_null(strstr(text, RENDER_GREEN "green" RENDER_RESET));
    assert_non_null(strstr(text, RENDER_RED "red" RENDER_RESET));
    free(text);
    out = open_memstream(&text, &len);
    render_tree(&(render_ctx){.out = out, .color = false}, resp->graph, NULL);
    fclose(out);
    assert_null(strchr(text, '\033'));
    free(text);
    okr__response__free_unpacked(resp, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tree_shows_grades_where_the_health_was, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_obj_list_shows_grades_where_the_health_was, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_progress_source_decides_what_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_grade_colours_only_when_colour_is_on, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
