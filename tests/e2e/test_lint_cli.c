/* test_lint_cli.c — `okr lint` end to end, as cron would run it: exit 0 and a
 * one-line all-clear on a clean quarter, exit 1 with the findings (table or
 * --json: rule names and ids, exactly) when something is wrong, thresholds
 * from the options and from the config file's [lint] section, usage errors
 * (exit 2) for an unknown period or team or a bad setting, exit 3 with no
 * server, and the stale-check-in rule seen from 20 days later (okr under
 * libfaketime; the server keeps the real clock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "text.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
#define Q "Q-now"

typedef struct {
    struct harness_server s;
    char config_home[HARNESS_PATH_MAX];
} ctx;

static void okr_ok(ctx *c, const char *a, ...)
{
    const char *args[24];
    int n = 0;
    va_list ap;
    va_start(ap, a);
    for (const char *x = a; x && n < 23; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(c->s.requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* A clean quarter around today, one team, one level:
 *   O1 Keep the lights on (Ops): K1 metric 0 -> 10 incidents at 10, K2 at most
 *   5 % at 3, both checked in today with a confidence. */
static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    char start[16], end[16];
    int64_t today = (int64_t)(time(NULL) / 86400);
    if (c == NULL || harness_server_start(&c->s, NULL) != 0)
        return -1;
    snprintf(c->config_home, sizeof c->config_home, "%s/config", c->s.root);
    mkdir(c->config_home, 0700);
    setenv("XDG_CONFIG_HOME", c->config_home, 1);   /* no [lint] unless a test writes one */
    text_format_date(today - 30, start);
    text_format_date(today + 60, end);
    okr_ok(c, "period", "add", Q, "--start", start, "--end", end, NULL);
    okr_ok(c, "team", "add", "Ops", NULL);
    okr_ok(c, "obj", "add", "Keep the lights on", "--team", "Ops", "--period", Q, NULL);
    okr_ok(c, "kr", "add", "O1", "Incidents fixed", "--from", "0", "--to", "10", "--unit",
           "incidents", NULL);
    okr_ok(c, "kr", "add", "O1", "Error rate", "--kind", "threshold", "--at-most", "5",
           "--unit", "%", NULL);
    okr_ok(c, "checkin", "K1", "10", "--confidence", "0.9", NULL);
    okr_ok(c, "checkin", "K2", "3", "--confidence", "0.9", NULL);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    unsetenv("XDG_CONFIG_HOME");
    harness_server_destroy(&c->s);
    free(c);
    return 0;
}

/* O2 Ship (Ops, committed) with one milestone, K3, never checked in: too
 * few KRs, a milestone without a confidence, a commitment off track. */
static void add_a_weak_objective(ctx *c)
{
    okr_ok(c, "obj", "add", "Ship", "--team", "Ops", "--period", Q, "--committed", NULL);
    okr_ok(c, "kr", "add", "O2", "Launched", "--kind", "milestone", NULL);
}

static void write_config(ctx *c, const char *text)
{
    char dir[HARNESS_PATH_MAX + 8], path[HARNESS_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/okr", c->config_home);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/config", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The rule and ids of each finding of `okr --json lint ARGS`, "rule:ID,ID"
 * joined by spaces; asserts the exit status. */
static char *json_findings(ctx *c, int want_exit, const char *a, ...)
{
    const char *args[16] = {"--json", "lint"};
    int n = 2;
    va_list ap;
    va_start(ap, a);
    for (const char *x = a; x && n < 15; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(c->s.requests, &r, NULL, args);
    harness_expect_exit(&r, want_exit);
    struct json_object *doc = harness_json_parse(r.out);
    struct json_object *list = harness_json_find(doc, "findings");
    assert_non_null(list);
    char *out = calloc(1, 1024);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        char path[64];
        snprintf(path, sizeof path, "findings.%zu.rule", i);
        size_t len = strlen(out);
        snprintf(out + len, 1024 - len, "%s%s:", i ? " " : "", harness_json_string(doc, path));
        snprintf(path, sizeof path, "findings.%zu.ids", i);
        struct json_object *ids = harness_json_find(doc, path);
        for (size_t j = 0; j < json_object_array_length(ids); j++) {
            len = strlen(out);
            snprintf(out + len, 1024 - len, "%s%s", j ? "," : "",
                     json_object_get_string(json_object_array_get_idx(ids, j)));
        }
    }
    json_object_put(doc);
    harness_result_free(&r);
    return out;
}

static void expect_findings(char *got, const char *want)
{
    assert_string_equal(got, want);
    free(got);
}

static void test_a_clean_quarter_exits_zero(void **state)
{
    ctx *c = *state;
    struct harness_result r;
    harness_okr(&c->s, &r, "lint", "--period", Q, NULL);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "no findings in " Q ": every rule passes\n");
    harness_result_free(&r);
    expect_findings(json_findings(c, 0, NULL), "");   /* today's period is the default */

    const char *out = harness_okr_ok(&c->s, &r, "--json", "lint", NULL);
    struct json_object *doc = harness_json_parse(out);
    assert_string_equal(harness_json_string(doc, "period"), Q);
    assert_int_equal(harness_json_int(doc, "thresholds.max_objectives"), 5);
    assert_int_equal(harness_json_int(doc, "thresholds.min_krs"), 2);
    assert_int_equal(harness_json_int(doc, "thresholds.max_krs"), 5);
    assert_int_equal(harness_json_int(doc, "thresholds.stale_days"), 14);
    json_object_put(doc);
    harness_result_free(&r);
}

static void test_findings_exit_one_with_rules_and_ids(void **state)
{
    ctx *c = *state;
    add_a_weak_objective(c);
    expect_findings(json_findings(c, 1, "--period", Q, NULL),
                    "too-few-krs:O2 milestone-without-confidence:K3,O2 committed-off-track:O2");
    struct harness_result r;
    harness_okr(&c->s, &r, "lint", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.out, "RULE  "));
    assert_non_null(strstr(r.out, "\ntoo-few-krs  "));
    assert_non_null(strstr(r.out, "O2 has 1 KR (at least 2)"));
    assert_non_null(strstr(r.out, "\n3 findings in " Q "\n"));
    assert_string_equal(r.err, "");
    harness_result_free(&r);
    /* --csv: the table alone, for a script */
    harness_okr(&c->s, &r, "--csv", "lint", NULL);
    harness_expect_exit(&r, 1);
    assert_true(strncmp(r.out, "RULE,IDS,TEAM,FINDING\ntoo-few-krs,O2,Ops,", 39) == 0);
    assert_null(strstr(r.out, "findings in"));
    harness_result_free(&r);
}

static void test_thresholds_come_from_options_then_the_config(void **state)
{
    ctx *c = *state;
    add_a_weak_objective(c);
    expect_findings(json_findings(c, 1, "--min-krs", "1", NULL),
                    "milestone-without-confidence:K3,O2 committed-off-track:O2");
    write_config(c, "[okr]\ntimeout = 4000\n[lint]\nmin_krs = 1\nmax_objectives = 1\n");
    expect_findings(json_findings(c, 1, NULL),
                    "too-many-objectives:O1,O2 milestone-without-confidence:K3,O2 "
                    "committed-off-track:O2");
    /* an option wins over the file */
    expect_findings(json_findings(c, 1, "--max-objectives", "2", "--min-krs", "2", NULL),
                    "too-few-krs:O2 milestone-without-confidence:K3,O2 committed-off-track:O2");
}

static void test_bad_settings_are_usage_errors(void **state)
{
    ctx *c = *state;
    struct harness_result r;
    char want[HARNESS_PATH_MAX + 128];
    write_config(c, "[lint]\nmin_kr = 1\n");
    harness_okr(&c->s, &r, "lint", NULL);
    harness_expect_exit(&r, 2);
    snprintf(want, sizeof want, "okr: lint: %s/okr/config:2: unknown key \"min_kr\" in [lint] "
             "(max_objectives, min_krs, max_krs, stale_days)\n", c->config_home);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    write_config(c, "[lint]\nstale_days = 0\n");
    harness_okr(&c->s, &r, "lint", NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "config:2: stale_days must be a whole number from 1 to 3650"));
    harness_result_free(&r);
    write_config(c, "");
    harness_okr(&c->s, &r, "lint", "--stale-days", "x", NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "--stale-days: 'x' is not a whole number"));
    harness_result_free(&r);
    harness_okr(&c->s, &r, "lint", "--min-krs", "6", NULL);
    harness_expect_exit(&r, 2);
    assert_string_equal(r.err, "okr: lint: min_krs (6) is above max_krs (5)\n");
    harness_result_free(&r);
}

static void test_unknown_period_team_or_server(void **state)
{
    ctx *c = *state;
    struct harness_result r;
    harness_okr(&c->s, &r, "lint", "--period", "1999-Q1", NULL);
    harness_expect_exit(&r, 2);
    assert_string_equal(r.err, "okr: lint: no period named \"1999-Q1\" (okr period list "
                               "shows them)\n");
    harness_result_free(&r);
    harness_okr(&c->s, &r, "lint", "--team", "Nobody", NULL);
    harness_expect_exit(&r, 2);
    assert_string_equal(r.err, "okr: lint: no team named \"Nobody\" (okr team list shows "
                               "them)\n");
    harness_result_free(&r);
    char nobody[64];
    snprintf(nobody, sizeof nobody, "tcp://127.0.0.1:%d", harness_free_port());
    harness_okr_at(nobody, &r, NULL, "lint", NULL);
    harness_expect_exit(&r, 3);
    harness_result_free(&r);
}

/* --team: that team's objectives (and its sub-teams'); teams with parents
 * make the organisation multi-level, so an objective aligned to nothing is
 * a finding. */
static void test_the_team_filter_and_isolated_objectives(void **state)
{
    ctx *c = *state;
    okr_ok(c, "team", "add", "Web", "--parent", "Ops", NULL);
    okr_ok(c, "team", "add", "Front", "--parent", "Web", NULL);
    okr_ok(c, "obj", "add", "Faster pages", "--team", "Front", "--period", Q, NULL);
    okr_ok(c, "kr", "add", "O2", "Load time", "--from", "3", "--to", "1", NULL);
    okr_ok(c, "checkin", "K3", "2", "--confidence", "0.8", NULL);
    expect_findings(json_findings(c, 1, "--team", "Web", NULL),
                    "too-few-krs:O2 metric-without-unit:K3,O2 isolated-objective:O2");
    expect_findings(json_findings(c, 1, NULL),
                    "too-few-krs:O2 metric-without-unit:K3,O2 isolated-objective:O1 "
                    "isolated-objective:O2");
    okr_ok(c, "kr", "add", "O1", "Teams served", "--kind", "rollup", NULL);
    okr_ok(c, "obj", "align", "O2", "K4", NULL);
    expect_findings(json_findings(c, 1, NULL), "too-few-krs:O2 metric-without-unit:K3,O2");
    expect_findings(json_findings(c, 1, "--max-krs", "3", "--min-krs", "1", "--team", "Front",
                                  NULL), "metric-without-unit:K3,O2");
}

/* Seen from 20 days later (okr's clock only), every check-in is stale. */
static void test_a_kr_without_a_check_in_for_two_weeks_is_stale(void **state)
{
    ctx *c = *state;
    if (access(FAKETIME_LIB, R_OK) != 0)
        fail_msg("%s is missing: install the Debian package faketime (make deps)",
                 FAKETIME_LIB);
    const char *asan = getenv("ASAN_OPTIONS");
    char *saved = asan ? strdup(asan) : NULL;
    char options[512];
    snprintf(options, sizeof options, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && asan[0] ? ":" : "");
    setenv("ASAN_OPTIONS", options, 1);        /* libfaketime comes first in LD_PRELOAD */
    setenv("LD_PRELOAD", FAKETIME_LIB, 1);
    setenv("FAKETIME", "+20d", 1);
    setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    char *got = json_findings(c, 1, "--period", Q, NULL);
    char *quiet = json_findings(c, 0, "--period", Q, "--stale-days", "21", NULL);
    unsetenv("LD_PRELOAD");
    unsetenv("FAKETIME");
    unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
    if (saved)
        setenv("ASAN_OPTIONS", saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
    free(saved);
    expect_findings(got, "stale-kr:K1,O1 stale-kr:K2,O1");
    expect_findings(quiet, "");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_clean_quarter_exits_zero),
        T(test_findings_exit_one_with_rules_and_ids),
        T(test_thresholds_come_from_options_then_the_config),
        T(test_bad_settings_are_usage_errors),
        T(test_unknown_period_team_or_server),
        T(test_the_team_filter_and_isolated_objectives),
        T(test_a_kr_without_a_check_in_for_two_weeks_is_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
