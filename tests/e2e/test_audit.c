/* test_audit.c — end to end: `okr log`, the audit log, against a real okrd,
 * with changes made by two people (local mode: `okr --user ana ...`).
 * Lines are compared exactly, but for the time, which is checked for its
 * form ("YYYY-MM-DD HH:MM") and then left out. Also `okr watch`, which
 * shares the wording: a reopened period reads "period reopen". */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

/* ------------------------------------------------------------ fixtures */

static int setup_server(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    if (harness_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown_server(void **state)
{
    struct harness_server *s = *state;
    harness_server_destroy(s);
    free(s);
    return 0;
}

/* Run okr; it must exit with `code`; returns its stdout (malloc'd). */
static char *okr_run(struct harness_server *s, int code, const char *const *args)
{
    struct harness_result r;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, code);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

#define OKR(s, code, ...) okr_run((s), (code), (const char *const[]){__VA_ARGS__, NULL})

/* Eight changes by admin, ana and bob. */
static void story(struct harness_server *s)
{
    free(OKR(s, 0, "--user", "admin", "period", "add", "2026-Q4", "--start", "2026-10-01",
             "--end", "2026-12-31"));
    free(OKR(s, 0, "--user", "admin", "team", "add", "Sales"));
    free(OKR(s, 0, "--user", "ana", "obj", "add", "Grow revenue", "--team", "Sales",
             "--period", "2026-Q4", "--committed"));
    free(OKR(s, 0, "--user", "ana", "kr", "add", "O1", "Revenue", "--from", "0", "--to", "40",
             "--unit", "kEUR"));
    free(OKR(s, 0, "--user", "bob", "checkin", "K1", "16", "--note", "first deal"));
    free(OKR(s, 0, "--user", "bob", "obj", "add", "Win Spain", "--period", "2026-Q4",
             "--align-to", "O1"));
    free(OKR(s, 0, "--user", "admin", "period", "close", "2026-Q4"));
    free(OKR(s, 0, "--user", "admin", "period", "reopen", "2026-Q4"));
}

static const char *const all_lines[] = {
    "#1 admin period add 2026-Q4 (2026-10-01 to 2026-12-31)",
    "#2 admin team add Sales",
    "#3 ana obj add O1 \"Grow revenue\" (team Sales, 2026-Q4, committed)",
    "#4 ana kr add K1 to O1 \"Revenue\" (metric 0 -> 40 kEUR)",
    "#5 bob checkin K1 = 16 \"first deal\" | K1 0.000->0.400 O1 0.000->0.400",
    "#6 bob obj add O2 \"Win Spain\" (2026-Q4, aligned to O1)",
    "#7 admin period close 2026-Q4",
    "#8 admin period reopen 2026-Q4",
};

/* "#5 2026-11-22 10:06 bob ..." -> "#5 bob ...", after checking the time's
 * form. The result is malloc'd. */
static char *without_times(const char *out)
{
    size_t len = strlen(out);
    char *result = calloc(1, len + 1), *w = result;
    assert_non_null(result);
    for (const char *line = out; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *space = memchr(line, ' ', n);
        if (line[0] != '#' || space == NULL)
            fail_msg("not an event line: %.*s", (int)n, line);
        const char *t = space + 1;
        /* YYYY-MM-DD HH:MM and a space */
        static const char form[] = "dddd-dd-dd dd:dd ";
        for (size_t i = 0; i < sizeof form - 1; i++) {
            bool ok = form[i] == 'd' ? t[i] >= '0' && t[i] <= '9' : t[i] == form[i];
            if (!ok)
                fail_msg("no time in: %.*s", (int)n, line);
        }
        size_t head = (size_t)(t - line);
        memcpy(w, line, head);
        w += head;
        size_t rest = n - head - (sizeof form - 1);
        memcpy(w, t + sizeof form - 1, rest);
        w += rest;
        *w++ = '\n';
        line += n + (end ? 1 : 0);
    }
    return result;
}

/* The output, times left out, must be exactly these lines (1-based
 * indexes into all_lines, 0-terminated). */
static void assert_lines(const char *out, const int *which)
{
    char want[4096] = "";
    for (const int *i = which; *i; i++) {
        strcat(want, all_lines[*i - 1]);
        strcat(want, "\n");
    }
    char *got = without_times(out);
    if (strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", got, want);
    free(got);
}

#define LINES(...) ((const int[]){__VA_ARGS__, 0})

/* ------------------------------------------------------------ tests */

static void test_log_says_every_change_in_words(void **state)
{
    struct harness_server *s = *state;
    story(s);
    char *out = OKR(s, 0, "log");
    assert_lines(out, LINES(1, 2, 3, 4, 5, 6, 7, 8));
    free(out);
}

static void test_log_of_a_node_and_of_a_user(void **state)
{
    struct harness_server *s = *state;
    story(s);
    char *out = OKR(s, 0, "log", "K1");
    assert_lines(out, LINES(4, 5));
    free(out);
    out = OKR(s, 0, "log", "o1");                   /* any case */
    assert_lines(out, LINES(3, 4, 5, 6));
    free(out);
    out = OKR(s, 0, "log", "--user", "bob");
    assert_lines(out, LINES(5, 6));
    free(out);
    out = OKR(s, 0, "log", "O1", "--user", "ana", "--limit", "1");
    assert_lines(out, LINES(3));
    free(out);
    out = OKR(s, 0, "log", "--user", "carol");      /* nobody: no lines, no error */
    assert_string_equal(out, "");
    free(out);
}

static void test_since_and_until_take_whole_utc_days(void **state)
{
    struct harness_server *s = *state;
    story(s);
    /* The day of the changes, from the log itself (its time is UTC). */
    char *first = OKR(s, 0, "log", "--limit", "1");
    char day[11];
    assert_true(strlen(first) > 14);
    snprintf(day, sizeof day, "%.10s", strchr(first, ' ') + 1);
    free(first);
    char *last = OKR(s, 0, "log", "--since", day);
    if (strstr(last, "#8 ") == NULL)
        skip();                                     /* the story crossed midnight */
    free(last);

    char *out = OKR(s, 0, "log", "--since", day, "--until", day);
    assert_lines(out, LINES(1, 2, 3, 4, 5, 6, 7, 8));
    free(out);
    out = OKR(s, 0, "log", "--until", "2026-01-01");
    assert_string_equal(out, "");
    free(out);
    out = OKR(s, 0, "log", "--since", "9999-12-31");
    assert_string_equal(out, "");
    free(out);
    out = OKR(s, 0, "log", "--since", day, "--user", "bob");
    assert_lines(out, LINES(5, 6));
    free(out);
}

static void test_json_log_is_one_event_per_line(void **state)
{
    struct harness_server *s = *state;
    story(s);
    char *out = OKR(s, 0, "--json", "log", "--user", "ana");
    char *second = strchr(out, '\n');
    assert_non_null(second);
    *second++ = '\0';
    assert_non_null(strchr(second, '\n'));
    assert_null(strchr(strchr(second, '\n') + 1, '\n'));   /* exactly two lines */

    struct json_object *o = harness_json_parse(out);
    assert_int_equal(harness_json_int(o, "seq"), 3);
    assert_string_equal(harness_json_string(o, "actor"), "ana");
    assert_string_equal(harness_json_string(o, "subject"), "O1");
    assert_string_equal(harness_json_string(o, "change.request"), "objective_add");
    assert_string_equal(harness_json_string(o, "change.objective.title"), "Grow revenue");
    assert_string_equal(harness_json_string(o, "change.objective.type"), "committed");
    assert_int_equal(strlen(harness_json_string(o, "time")), strlen("2026-11-22T10:00:10Z"));
    json_object_put(o);

    o = harness_json_parse(second);
    assert_int_equal(harness_json_int(o, "seq"), 4);
    assert_string_equal(harness_json_string(o, "change.kr.kind"), "metric");
    assert_string_equal(harness_json_string(o, "nodes.0"), "K1");
    json_object_put(o);
    free(out);

    out = OKR(s, 0, "--json", "log", "K1", "--user", "bob");
    o = harness_json_parse(out);
    assert_int_equal(harness_json_int(o, "seq"), 5);
    assert_string_equal(harness_json_string(o, "change.request"), "checkin");
    assert_string_equal(harness_json_text(o, "change.value"), "16");
    assert_string_equal(harness_json_string(o, "scores.0.node"), "K1");
    assert_string_equal(harness_json_text(o, "scores.0.new"), "0.400000");
    json_object_put(o);
    free(out);
}

/* More events than one page holds (the server answers at most 1000 a
 * page): the client follows next_seq and shows every one, in order. */
static void test_log_follows_next_seq_across_pages(void **state)
{
    struct harness_server *s = *state;
    enum { N = 1100 };
    story(s);
    /* Sent without waiting, so okrd commits them in a few batches. */
    for (int i = 0; i < N; i++) {
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__CheckInAdd in = OKR__CHECK_IN_ADD__INIT;
        uint8_t frame[128];
        req.has_version = req.has_request_id = true;
        req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
        req.request_id = 1000000 + (uint64_t)i;
        req.user = "bot";
        req.body_case = OKR__REQUEST__BODY_CHECKIN;
        req.checkin = &in;
        in.kr = "K1";
        in.has_value = true;
        in.value = i % 40;
        size_t len = okr__request__pack(&req, frame);
        assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    }
    for (int i = 0; i < N; i++) {
        Okr__Response *resp = NULL;
        assert_int_equal(harness_recv_raw(s, 10000, &resp), 1);
        assert_non_null(resp);
        assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
        okr__response__free_unpacked(resp, NULL);
    }
    assert_int_equal(harness_last_seq(s), 8 + N);

    char *out = OKR(s, 0, "log", "--user", "bot");
    size_t lines = 0;
    unsigned long long want = 9;
    for (const char *p = out; *p; p = strchr(p, '\n') + 1, lines++) {
        if (strtoull(p + 1, NULL, 10) != want++)
            fail_msg("line %zu is not seq %llu: %.40s", lines, want - 1, p);
    }
    assert_int_equal(lines, N);
    free(out);
    out = OKR(s, 0, "log", "--user", "bot", "--limit", "1050");
    size_t n = 0;
    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    assert_int_equal(n, 1050);
    free(out);
}

static void test_bad_arguments_are_usage_errors(void **state)
{
    struct harness_server *s = *state;
    story(s);
    struct harness_result r;
    const char *const cases[][4] = {
        {"log", "X1", NULL},
        {"log", "--since", "2026-13-01", NULL},
        {"log", "--until", "yesterday", NULL},
        {"log", "--since", "2026-12-02", "--until"},
        {"log", "--limit", "0", NULL},
        {"log", "--user", "", NULL},
        {"log", "O1", "K1", NULL},
    };
    const char *const why[] = {"ID", "--since", "--until", "--since", "--limit", "--user",
                               "unexpected"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[6] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL,
                               NULL};
        if (i == 3)
            args[4] = "2026-12-01";
        assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
        harness_expect_exit(&r, 2);
        assert_string_equal(r.out, "");
        if (strstr(r.err, why[i]) == NULL)
            fail_msg("case %zu: '%s' not in: %s", i, why[i], r.err);
        harness_result_free(&r);
    }
}

/* watch and log share the wording: a reopened period is "period reopen"
 * in watch lines too (it used to read period_close). */
static void test_watch_says_reopen_like_log(void **state)
{
    struct harness_server *s = *state;
    story(s);
    char *out = OKR(s, 0, "watch", "--from", "6", "--count", "2");
    assert_lines(out, LINES(7, 8));
    free(out);
    out = OKR(s, 0, "log", "--user", "admin", "--since", "2026-01-01", "--limit", "4");
    char *got = without_times(out);
    assert_non_null(strstr(got, "#8 admin period reopen 2026-Q4\n"));
    free(got);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_server, teardown_server)
        T(test_log_says_every_change_in_words),
        T(test_log_of_a_node_and_of_a_user),
        T(test_since_and_until_take_whole_utc_days),
        T(test_json_log_is_one_event_per_line),
        T(test_log_follows_next_seq_across_pages),
        T(test_bad_arguments_are_usage_errors),
        T(test_watch_says_reopen_like_log),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
