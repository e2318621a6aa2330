/* test_retro.c — `okr retro PERIOD [--team T]` (issue 11) on a crafted
 * four-week period that ends today: per team and objective the grade (or
 * "not closed"), expected vs reached, weeks without a check-in and the
 * longest gap (today's check-ins: the first three weeks are silent), the
 * confidence trend of each KR, overshoots, misses and the notes in order;
 * --team; the JSON shape; refusals. Cadence over crafted times is
 * test_cadence's. Each test runs on a fresh okrd with the real okr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define MAX_ARGS 32

typedef struct {
    struct harness_server server;
    char start[16], end[16];          /* the period: 27 days ago .. today (UTC) */
} fixture;

static void run(fixture *f, struct harness_result *r, int code, const char *word, ...)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    va_list ap;
    va_start(ap, word);
    for (const char *w = word; w && n < MAX_ARGS; w = va_arg(ap, const char *))
        args[n++] = w;
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(f->server.requests, r, NULL, args), 0);
    harness_expect_exit(r, code);
}

#define OK(f, ...)                                       \
    do {                                                 \
        struct harness_result r_;                        \
        run((f), &r_, 0, __VA_ARGS__, NULL);             \
        harness_result_free(&r_);                        \
    } while (0)

static void day(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Period Q: four weeks ending today. eng's O1 (committed, ana): K1 Revenue
 * and K2 Users, 0..10; ops's O2 (aspirational, bob): K3 Tickets 0..100.
 * K1 5 (conf 0.4, "halfway"), K1 15 (conf 0.9, "beat it": attainment 1.5),
 * K2 2 ("slow": 0.2, a miss), K3 80 (conf 0.7). O1 = (1.0 + 0.2) / 2 = 0.6,
 * red for a committed objective; O2 = 0.8, green. */
static void build_period(fixture *f)
{
    OK(f, "period", "add", "Q", "--start", f->start, "--end", f->end);
    OK(f, "team", "add", "eng");
    OK(f, "team", "add", "ops");
    OK(f, "obj", "add", "Grow", "--team", "eng", "--period", "Q", "--committed", "--owner", "ana");
    OK(f, "kr", "add", "O1", "Revenue", "--from", "0", "--to", "10");
    OK(f, "kr", "add", "O1", "Users", "--from", "0", "--to", "10");
    OK(f, "obj", "add", "Ship", "--team", "ops", "--period", "Q", "--owner", "bob");
    OK(f, "kr", "add", "O2", "Tickets", "--from", "0", "--to", "100");
    OK(f, "--user", "ana", "checkin", "K1", "5", "--confidence", "0.4", "--note", "halfway");
    OK(f, "--user", "ana", "checkin", "K1", "15", "--confidence", "0.9", "--note", "beat it");
    OK(f, "--user", "bob", "checkin", "K2", "2", "--note", "slow");
    OK(f, "--user", "bob", "checkin", "K3", "80", "--confidence", "0.7");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || harness_server_start(&f->server, NULL) != 0) {
        free(f);
        return -1;
    }
    time_t now = time(NULL);
    day(now - 27 * 86400, f->start, sizeof f->start);
    day(now, f->end, sizeof f->end);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    harness_server_destroy(&f->server);
    free(f);
    return 0;
}

static struct json_object *retro_json(fixture *f, const char *team)
{
    struct harness_result r;
    if (team)
        run(f, &r, 0, "--json", "retro", "Q", "--team", team, NULL);
    else
        run(f, &r, 0, "--json", "retro", "Q", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    harness_result_free(&r);
    return doc;
}

static size_t array_length(struct json_object *doc, const char *path)
{
    struct json_object *array = harness_json_find(doc, path);
    if (array == NULL || !json_object_is_type(array, json_type_array))
        fail_msg("no array at \"%s\" in %s", path, json_object_to_json_string(doc));
    return json_object_array_length(array);
}

static void expect_in(const char *out, const char *want)
{
    if (strstr(out, want) == NULL)
        fail_msg("the retro printed:\n%s\nwithout:\n%s", out, want);
}

/* ------------------------------------------------------------ closed */

static void test_closed_period_json_has_grades_cadence_krs_and_notes(void **state)
{
    fixture *f = *state;
    char from[40];
    build_period(f);
    OK(f, "period", "close", "Q");
    struct json_object *doc = retro_json(f, NULL);
    assert_string_equal(harness_json_string(doc, "period.name"), "Q");
    assert_string_equal(harness_json_string(doc, "period.start"), f->start);
    assert_true(json_object_get_boolean(harness_json_find(doc, "period.closed")));
    assert_true(json_object_is_type(harness_json_find(doc, "team"), json_type_null));
    assert_int_equal(array_length(doc, "teams"), 2);
    assert_string_equal(harness_json_string(doc, "teams.0.team"), "eng");
    assert_string_equal(harness_json_string(doc, "teams.1.team"), "ops");

    /* eng: O1, red, 0.6 of 1.0; three check-ins all today */
    assert_int_equal(array_length(doc, "teams.0.objectives"), 1);
    struct json_object *o1 = harness_json_find(doc, "teams.0.objectives.0");
    assert_string_equal(harness_json_string(o1, "id"), "O1");
    assert_string_equal(harness_json_string(o1, "type"), "committed");
    assert_string_equal(harness_json_string(o1, "owner"), "ana");
    assert_string_equal(harness_json_string(o1, "grade"), "red");
    assert_string_equal(harness_json_text(o1, "reached"), "0.600000");
    assert_string_equal(harness_json_text(o1, "expected"), "1.000000");
    assert_int_equal(harness_json_int(o1, "cadence.weeks"), 4);
    assert_int_equal(harness_json_int(o1, "cadence.weeks_without_checkin"), 3);
    assert_int_equal(harness_json_int(o1, "cadence.checkins"), 3);
    assert_int_equal(harness_json_int(o1, "cadence.longest_gap_days"), 27);
    snprintf(from, sizeof from, "%sT00:00:00Z", f->start);
    assert_string_equal(harness_json_string(o1, "cadence.longest_gap_from"), from);
    assert_int_equal(array_length(o1, "confidence"), 1);
    assert_string_equal(harness_json_string(o1, "confidence.0.kr"), "K1");
    assert_string_equal(harness_json_text(o1, "confidence.0.first"), "0.400000");
    assert_string_equal(harness_json_text(o1, "confidence.0.last"), "0.900000");
    assert_int_equal(array_length(o1, "overshoots"), 1);
    assert_string_equal(harness_json_string(o1, "overshoots.0.kr"), "K1");
    assert_string_equal(harness_json_string(o1, "overshoots.0.title"), "Revenue");
    assert_string_equal(harness_json_text(o1, "overshoots.0.attainment"), "1.500000");
    assert_int_equal(array_length(o1, "misses"), 1);
    assert_string_equal(harness_json_string(o1, "misses.0.kr"), "K2");
    assert_string_equal(harness_json_text(o1, "misses.0.score"), "0.200000");
    assert_int_equal(array_length(o1, "notes"), 3);
    const char *notes[3][3] = {{"K1", "ana", "halfway"}, {"K1", "ana", "beat it"},
                               {"K2", "bob", "slow"}};
    for (int i = 0; i < 3; i++) {
        char path[40];
        snprintf(path, sizeof path, "notes.%d.kr", i);
        assert_string_equal(harness_json_string(o1, path), notes[i][0]);
        snprintf(path, sizeof path, "notes.%d.author", i);
        assert_string_equal(harness_json_string(o1, path), notes[i][1]);
        snprintf(path, sizeof path, "notes.%d.note", i);
        assert_string_equal(harness_json_string(o1, path), notes[i][2]);
        snprintf(path, sizeof path, "notes.%d.time", i);
        assert_int_equal(strncmp(harness_json_string(o1, path), f->end, strlen(f->end)), 0);
    }

    /* ops: O2, green, 0.8 of 0.7; no overshoot, no miss, no note */
    struct json_object *o2 = harness_json_find(doc, "teams.1.objectives.0");
    assert_string_equal(harness_json_string(o2, "id"), "O2");
    assert_string_equal(harness_json_string(o2, "grade"), "green");
    assert_string_equal(harness_json_text(o2, "reached"), "0.800000");
    assert_string_equal(harness_json_text(o2, "expected"), "0.700000");
    assert_int_equal(harness_json_int(o2, "cadence.checkins"), 1);
    assert_int_equal(harness_json_int(o2, "cadence.weeks_without_checkin"), 3);
    assert_string_equal(harness_json_text(o2, "confidence.0.first"), "0.700000");
    assert_string_equal(harness_json_text(o2, "confidence.0.last"), "0.700000");
    assert_int_equal(array_length(o2, "overshoots"), 0);
    assert_int_equal(array_length(o2, "misses"), 0);
    assert_int_equal(array_length(o2, "notes"), 0);
    json_object_put(doc);
}

/* A period closed weeks before its end: no check-in can come after the
 * close, so the retro counts the weeks up to it, not to the end. */
static void test_a_period_closed_before_its_end_counts_weeks_to_the_close(void **state)
{
    fixture *f = *state;
    char end[16];
    day(time(NULL) + 29 * 86400, end, sizeof end);
    OK(f, "period", "add", "Q", "--start", f->start, "--end", end);
    OK(f, "obj", "add", "Grow", "--period", "Q");
    OK(f, "kr", "add", "O1", "Revenue", "--from", "0", "--to", "10");
    OK(f, "checkin", "K1", "5");
    OK(f, "period", "close", "Q");
    struct json_object *doc = retro_json(f, NULL);
    struct json_object *o1 = harness_json_find(doc, "teams.0.objectives.0");
    assert_non_null(o1);
    assert_int_equal(harness_json_int(o1, "cadence.weeks"), 4);
    assert_int_equal(harness_json_int(o1, "cadence.weeks_without_checkin"), 3);
    assert_int_equal(harness_json_int(o1, "cadence.longest_gap_days"), 27);
    json_object_put(doc);

    /* period list says when it was closed: today. */
    struct harness_result r;
    run(f, &r, 0, "--json", "period", "list", NULL);
    doc = harness_json_parse(r.out);
    harness_result_free(&r);
    const char *closed_at = harness_json_string(doc, "0.closed_at");
    assert_int_equal(strncmp(closed_at, f->end, strlen(f->end)), 0);
    json_object_put(doc);
}

static void test_closed_period_reads_per_team_in_the_terminal(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    char line[400];
    build_period(f);
    OK(f, "period", "close", "Q");
    run(f, &r, 0, "retro", "Q", NULL);
    snprintf(line, sizeof line, "Retro Q  %s .. %s  closed\n\nTeam eng\n  O1  Grow  (committed, ana)\n"
             "    grade        red  reached 0.600 of 1.000 expected\n"
             "    check-ins    3 check-ins; 3 of 4 weeks without one\n"
             "    longest gap  27 days (%s 00:00 to ",
             f->start, f->end, f->start);
    assert_int_equal(strncmp(r.out, line, strlen(line)), 0);
    expect_in(r.out, "    confidence   K1 0.40 → 0.90\n"
                     "    overshoot    K1 Revenue: attainment 1.500; was the target too low?\n"
                     "    missed       K2 Users: 0.200 at close\n"
                     "    notes        ");
    expect_in(r.out, "  ana  K1  halfway\n                 ");
    expect_in(r.out, "  ana  K1  beat it\n                 ");
    expect_in(r.out, "  bob  K2  slow\n\nTeam ops\n  O2  Ship  (aspirational, bob)\n"
                     "    grade        green  reached 0.800 of 0.700 expected\n"
                     "    check-ins    1 check-in; 3 of 4 weeks without one\n"
                     "    longest gap  27 days (");
    assert_true(strstr(r.out, "halfway") < strstr(r.out, "beat it"));   /* newest last */
    assert_true(strstr(r.out, "beat it") < strstr(r.out, "slow"));
    size_t len = strlen(r.out);
    assert_string_equal(r.out + len - strlen("    confidence   K3 0.70 → 0.70\n"),
                        "    confidence   K3 0.70 → 0.70\n");
    harness_result_free(&r);
}

static void test_team_narrows_the_retro(void **state)
{
    fixture *f = *state;
    build_period(f);
    struct json_object *doc = retro_json(f, "ops");
    assert_string_equal(harness_json_string(doc, "team"), "ops");
    assert_int_equal(array_length(doc, "teams"), 1);
    assert_string_equal(harness_json_string(doc, "teams.0.team"), "ops");
    assert_int_equal(array_length(doc, "teams.0.objectives"), 1);
    assert_string_equal(harness_json_string(doc, "teams.0.objectives.0.id"), "O2");
    json_object_put(doc);
}

/* ------------------------------------------------------------ open */

/* Before the close: no grade yet, the score so far, and misses so far;
 * an objective of another period aligned below O1 is not this retro's. */
static void test_open_period_says_not_closed_and_keeps_to_its_objectives(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    build_period(f);
    OK(f, "period", "add", "Year", "--start", "2000-01-01", "--end", "2099-12-31");
    OK(f, "obj", "add", "Elsewhere", "--team", "eng", "--period", "Year", "--align-to", "O1");
    OK(f, "obj", "add", "Quiet", "--team", "ops", "--period", "Q", "--owner", "cy");
    OK(f, "kr", "add", "O4", "Silence", "--from", "0", "--to", "10");
    run(f, &r, 0, "retro", "Q", NULL);
    expect_in(r.out, "  O4  Quiet  (aspirational, cy)\n"
                     "    grade        not closed  reached 0.000 of ");
    expect_in(r.out, "    check-ins    none in 4 weeks\n"
                     "    confidence   none given\n"
                     "    missed       K4 Silence: 0.000 so far\n");
    expect_in(r.out, "  open (not closed yet: scores may still move)\n");
    expect_in(r.out, "    grade        not closed  reached 0.600 of ");
    expect_in(r.out, " expected by now\n");
    expect_in(r.out, "    missed       K2 Users: 0.200 so far\n");
    assert_null(strstr(r.out, "O3"));
    harness_result_free(&r);
    struct json_object *doc = retro_json(f, NULL);
    assert_false(json_object_get_boolean(harness_json_find(doc, "period.closed")));
    assert_true(json_object_is_type(harness_json_find(doc, "teams.0.objectives.0.grade"),
                                    json_type_null));
    assert_string_equal(harness_json_text(doc, "teams.0.objectives.0.reached"), "0.600000");
    assert_int_equal(array_length(doc, "teams.0.objectives"), 1);
    assert_int_equal(array_length(doc, "teams.1.objectives"), 2);
    assert_int_equal(harness_json_int(doc, "teams.1.objectives.1.cadence.weeks_without_checkin"), 4);
    assert_int_equal(harness_json_int(doc, "teams.1.objectives.1.cadence.longest_gap_days"), 27);
    json_object_put(doc);
}

static void test_a_period_without_objectives_says_so(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    OK(f, "period", "add", "Q", "--start", f->start, "--end", f->end);
    run(f, &r, 0, "retro", "Q", NULL);
    char want[300];
    snprintf(want, sizeof want, "Retro Q  %s .. %s  open (not closed yet: scores may still move)\n"
             "\n  no objectives\n", f->start, f->end);
    assert_string_equal(r.out, want);
    harness_result_free(&r);
    struct json_object *doc = retro_json(f, NULL);
    assert_int_equal(array_length(doc, "teams"), 0);
    json_object_put(doc);
}

static void test_unknown_period_or_team_is_refused(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    build_period(f);
    run(f, &r, 1, "retro", "nope", NULL);
    assert_string_equal(r.err, "okr: NOT_FOUND: no period \"nope\"\n");
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    run(f, &r, 1, "retro", "Q", "--team", "nope", NULL);
    assert_non_null(strstr(r.err, "okr: NOT_FOUND: no team \"nope\""));
    harness_result_free(&r);
    run(f, &r, 2, "retro", NULL);
    assert_non_null(strstr(r.err, "missing PERIOD"));
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_closed_period_json_has_grades_cadence_krs_and_notes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_period_closed_before_its_end_counts_weeks_to_the_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_period_reads_per_team_in_the_terminal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_team_narrows_the_retro, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_open_period_says_not_closed_and_keeps_to_its_objectives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_period_without_objectives_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_period_or_team_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
