/* test_cycle.c — the next cycle, end to end: `okr period next` (dates and
 * name from the period before, --name, the refusals) and `okr carry`
 * (ObjectiveCarry): what is copied with and without --with-krs, the starts
 * --from-reached gives each kind, the origin link in `show` and --json, the
 * score the copy starts at, alignments re-made to carried parents, the
 * event, every refusal with its exact sentence and nothing changed, and
 * okrd --verify clean afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define MAX_ARGS 24

static void run_v(struct harness_server *s, struct harness_result *r, const char *a, va_list ap)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    for (const char *x = a; x && n < MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(s->requests, r, NULL, args), 0);
}

/* okr exits 0 and prints exactly `want`. */
static void prints(struct harness_server *s, const char *want, const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, a);
    run_v(s, &r, a, ap);
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

/* okr exits `code`, prints nothing on stdout and exactly `want` on stderr. */
static void refused(struct harness_server *s, int code, const char *want, const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, a);
    run_v(s, &r, a, ap);
    va_end(ap);
    harness_expect_exit(&r, code);
    if (strcmp(r.err, want) != 0 || r.out[0] != '\0') {
        fprintf(stderr, "%s\nstderr:\n%s\nwanted:\n%s\nstdout:\n%s\n", r.command, r.err, want,
                r.out);
        harness_result_free(&r);
        fail();
    }
    harness_result_free(&r);
}

/* The JSON okr --json prints for the words (exit 0). Free with json_object_put. */
static struct json_object *json_of(struct harness_server *s, const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    const char *args[MAX_ARGS + 2];
    int n = 0;
    args[n++] = "--json";
    va_start(ap, a);
    for (const char *x = a; x && n < MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    struct json_object *doc = harness_json_parse(r.out);
    harness_result_free(&r);
    return doc;
}

static void expect_text(struct json_object *doc, const char *path, const char *want)
{
    const char *got = harness_json_text(doc, path);
    if (strcmp(got, want) != 0)
        fail_msg("%s is %s, want %s", path, got, want);
}

static void expect_null(struct json_object *doc, const char *path)
{
    struct json_object *v = harness_json_find(doc, path);
    if (v != NULL)
        fail_msg("%s is %s, want null", path, json_object_to_json_string(v));
}

/* The period named `name` in the array `okr --json period list` prints, or NULL. */
static struct json_object *period_in(struct json_object *list, const char *name)
{
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *p = json_object_array_get_idx(list, i);
        if (strcmp(harness_json_string(p, "name"), name) == 0)
            return p;
    }
    return NULL;
}

/* okrd --verify on the stopped server's data: no difference. */
static void verify_clean(struct harness_server *s)
{
    assert_int_equal(harness_server_stop(s), 0);
    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    if (strstr(r.err, "0 differences") == NULL && strstr(r.out, "0 differences") == NULL)
        fail_msg("okrd --verify said:\n%s%s", r.out, r.err);
    harness_result_free(&r);
}

/* What a refusal must leave alone: the log's end and every objective. */
typedef struct {
    uint64_t seq;
    char *objectives;
} state_mark;

/* "expected" (and the health derived from it) follows the clock, not the
 * data: left out, or a slow run (ASan) sees a refusal "change" it. */
static state_mark mark(struct harness_server *s)
{
    static const char *const clock_keys[] = {"expected", "health", NULL};
    struct harness_result r;
    harness_okr_ok(s, &r, "--json", "obj", "list", "--all", NULL);
    state_mark m = {harness_last_seq(s), harness_json_canonical(r.out, clock_keys)};
    harness_result_free(&r);
    return m;
}

static void expect_unchanged(struct harness_server *s, state_mark *before)
{
    state_mark now = mark(s);
    bool same = strcmp(now.objectives, before->objectives) == 0;
    if (!same)
        fprintf(stderr, "before: %s\nafter:  %s\n", before->objectives, now.objectives);
    free(now.objectives);
    free(before->objectives);
    assert_int_equal(now.seq, before->seq);
    assert_true(same);
}

/* A quarter with one objective of each KR kind, checked in, and the next
 * quarter open:
 *   O1 "Ship the pots line" committed, team Pots, owner ana, progress both
 *     K1 metric 0 -> 10 stores, weight 1, owner bo, checked in at 4
 *     K2 threshold at most 2 %, from 3, weight 2, checked in at 1.5
 *     K3 milestone, done (confidence 0.2)
 *     K4 roll-up (nothing aligned) */
static int setup(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    harness_okr_quiet(s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                      "2026-12-31", NULL);
    harness_okr_quiet(s, "period", "add", "2027-Q1", "--start", "2027-01-01", "--end",
                      "2027-03-31", NULL);
    harness_okr_quiet(s, "team", "add", "Pots", NULL);
    harness_okr_quiet(s, "obj", "add", "Ship the pots line", "--period", "2026-Q4", "--team",
                      "Pots", "--committed", "--owner", "ana", "--description",
                      "The whole line, in stores", "--progress", "both", NULL);
    harness_okr_quiet(s, "kr", "add", "O1", "Stores stocked", "--from", "0", "--to", "10",
                      "--unit", "stores", "--owner", "bo", NULL);
    harness_okr_quiet(s, "kr", "add", "O1", "Returns", "--at-most", "2", "--from", "3",
                      "--unit", "%", "--weight", "2", NULL);
    harness_okr_quiet(s, "kr", "add", "O1", "Launch in Spain", "--kind", "milestone", NULL);
    harness_okr_quiet(s, "kr", "add", "O1", "Teams deliver", "--kind", "rollup", NULL);
    harness_okr_quiet(s, "checkin", "K1", "4", "--confidence", "0.6", NULL);
    harness_okr_quiet(s, "checkin", "K2", "1.5", NULL);
    harness_okr_quiet(s, "checkin", "K3", "done", "--confidence", "0.2", NULL);
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

/* ------------------------------------------------------------ period next */

static void test_period_next_follows_a_quarter(void **state)
{
    struct harness_server *s = *state;
    prints(s, "2027-Q2 2027-04-01 2027-06-30\n", "period", "next", "2027-Q1", NULL);
    struct json_object *doc = json_of(s, "period", "next", "2027-Q2", NULL);
    assert_string_equal(harness_json_string(doc, "id"), "2027-Q3");
    assert_string_equal(harness_json_string(doc, "start"), "2027-07-01");
    assert_string_equal(harness_json_string(doc, "end"), "2027-09-30");
    json_object_put(doc);
    doc = json_of(s, "period", "list", NULL);
    struct json_object *q3 = period_in(doc, "2027-Q3");
    assert_non_null(q3);
    assert_string_equal(harness_json_string(q3, "start"), "2027-07-01");
    assert_string_equal(harness_json_string(q3, "end"), "2027-09-30");
    json_object_put(doc);
}

static void test_period_next_of_a_year_and_of_a_sprint(void **state)
{
    struct harness_server *s = *state;
    harness_okr_quiet(s, "period", "add", "2028", "--start", "2028-01-01", "--end",
                      "2028-12-31", NULL);
    prints(s, "2029 2029-01-01 2029-12-31\n", "period", "next", "2028", NULL);
    /* 14 days, no pattern in the name: --name, and the same number of days */
    harness_okr_quiet(s, "period", "add", "Sprint A", "--start", "2028-02-21", "--end",
                      "2028-03-05", NULL);
    prints(s, "Sprint B 2028-03-06 2028-03-19\n", "period", "next", "Sprint A", "--name",
           "Sprint B", NULL);
}

static void test_period_next_refusals_change_nothing(void **state)
{
    struct harness_server *s = *state;
    harness_okr_quiet(s, "period", "add", "Autumn push", "--start", "2026-09-01", "--end",
                      "2026-09-30", NULL);
    state_mark before = mark(s);
    refused(s, 2, "okr: period next: the name \"Autumn push\" has no pattern okr can follow "
                  "(like 2026-Q4, 2026-H2, 2026, Q4 2026, FY26-Q4 or 2026-11); give the new "
                  "period's name with --name NAME\n",
            "period", "next", "Autumn push", NULL);
    refused(s, 1, "okr: period next: no period \"2031-Q1\"\n", "period", "next", "2031-Q1",
            NULL);
    /* the next one exists already: the server's own refusal */
    refused(s, 1, "okr: CONFLICT: period \"2027-Q1\" exists already\n", "period", "next",
            "2026-Q4", NULL);
    expect_unchanged(s, &before);
    struct json_object *doc = json_of(s, "period", "list", NULL);
    assert_int_equal(json_object_array_length(doc), 3);
    json_object_put(doc);
}

/* ------------------------------------------------------------ carry */

static void test_carry_without_krs_copies_the_objective_and_links_it(void **state)
{
    struct harness_server *s = *state;
    prints(s, "O2\n", "carry", "O1", "--to", "2027-Q1", NULL);
    struct json_object *doc = json_of(s, "show", "O2", NULL);
    assert_string_equal(harness_json_string(doc, "id"), "O2");
    assert_string_equal(harness_json_string(doc, "title"), "Ship the pots line");
    assert_string_equal(harness_json_string(doc, "description"), "The whole line, in stores");
    assert_string_equal(harness_json_string(doc, "period"), "2027-Q1");
    assert_string_equal(harness_json_string(doc, "team"), "Pots");
    assert_string_equal(harness_json_string(doc, "owner"), "ana");
    assert_string_equal(harness_json_string(doc, "type"), "committed");
    assert_string_equal(harness_json_string(doc, "progress"), "both");
    assert_string_equal(harness_json_string(doc, "origin"), "O1");
    expect_text(doc, "score", "0.000000");
    assert_int_equal(json_object_array_length(harness_json_find(doc, "krs")), 0);
    json_object_put(doc);
    /* the origin has none itself */
    doc = json_of(s, "show", "O1", NULL);
    expect_null(doc, "origin");
    json_object_put(doc);

    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "show", "O2", NULL);
    if (strstr(out, "\n  carried from O1 (2026-Q4)\n") == NULL)
        fail_msg("show O2 does not say where it came from:\n%s", out);
    harness_result_free(&r);
    /* an origin deleted since: the link stays, and says so */
    harness_okr_quiet(s, "obj", "delete", "O1", "--yes", NULL);
    out = harness_okr_ok(s, &r, "show", "O2", NULL);
    if (strstr(out, "\n  carried from O1 (deleted)\n") == NULL)
        fail_msg("show O2 does not say its origin is gone:\n%s", out);
    harness_result_free(&r);
    verify_clean(s);
}

static void test_carry_with_krs_keeps_their_starts(void **state)
{
    struct harness_server *s = *state;
    prints(s, "O2\n", "carry", "O1", "--to", "2027-Q1", "--with-krs", NULL);
    struct json_object *doc = json_of(s, "show", "O2", NULL);
    assert_int_equal(json_object_array_length(harness_json_find(doc, "krs")), 4);
    /* K5 <- K1: metric 0 -> 10 stores, owner bo, nothing checked in */
    assert_string_equal(harness_json_string(doc, "krs.0.id"), "K5");
    assert_string_equal(harness_json_string(doc, "krs.0.origin"), "K1");
    assert_string_equal(harness_json_string(doc, "krs.0.kind"), "metric");
    expect_text(doc, "krs.0.start", "0");
    expect_text(doc, "krs.0.target", "10");
    assert_string_equal(harness_json_string(doc, "krs.0.unit"), "stores");
    assert_string_equal(harness_json_string(doc, "krs.0.owner"), "bo");
    expect_null(doc, "krs.0.current");
    expect_null(doc, "krs.0.confidence");
    assert_int_equal(harness_json_int(doc, "krs.0.checkins"), 0);
    expect_text(doc, "krs.0.score", "0.000000");
    /* K6 <- K2: threshold at most 2, start 3 (over the bound: 0), weight 2 */
    assert_string_equal(harness_json_string(doc, "krs.1.origin"), "K2");
    assert_string_equal(harness_json_string(doc, "krs.1.kind"), "threshold");
    assert_string_equal(harness_json_string(doc, "krs.1.direction"), "at_most");
    expect_text(doc, "krs.1.start", "3");
    expect_text(doc, "krs.1.target", "2");
    assert_int_equal(harness_json_int(doc, "krs.1.weight"), 2);
    expect_text(doc, "krs.1.score", "0.000000");
    /* K7 <- K3: a milestone starts not done, without its confidence */
    assert_string_equal(harness_json_string(doc, "krs.2.origin"), "K3");
    assert_string_equal(harness_json_string(doc, "krs.2.kind"), "milestone");
    expect_text(doc, "krs.2.score", "0.000000");
    expect_null(doc, "krs.2.confidence");
    /* K8 <- K4: roll-up, nothing aligned */
    assert_string_equal(harness_json_string(doc, "krs.3.origin"), "K4");
    assert_string_equal(harness_json_string(doc, "krs.3.kind"), "rollup");
    expect_text(doc, "score", "0.000000");
    json_object_put(doc);

    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "show", "K6", NULL);
    if (strstr(out, "\n  carried from K2\n") == NULL)
        fail_msg("show K6 does not say where it came from:\n%s", out);
    harness_result_free(&r);
    /* the origin is untouched */
    doc = json_of(s, "show", "O1", NULL);
    expect_text(doc, "score", "0.680000");   /* (0.4 + 2 + 1 + 0) / 5 */
    json_object_put(doc);
    verify_clean(s);
}

/* --from-reached: a metric starts where it got to (4), a threshold at its
 * last value (1.5, on the right side of 2: it scores 1.0 at once), a
 * milestone not done, a roll-up from nothing. O2 = (0*1 + 1*2 + 0*1 + 0*1) / 5. */
static void test_carry_from_reached_starts_where_the_krs_got_to(void **state)
{
    struct harness_server *s = *state;
    prints(s, "O2\nK6 0.000000 -> 1.000000\nO2 0.000000 -> 0.400000\n", "carry", "O1", "--to",
           "2027-Q1", "--with-krs", "--from-reached", NULL);
    struct json_object *doc = json_of(s, "show", "O2", NULL);
    expect_text(doc, "krs.0.start", "4");
    expect_text(doc, "krs.0.target", "10");
    expect_text(doc, "krs.0.score", "0.000000");
    expect_text(doc, "krs.0.attainment", "0.000000");
    expect_text(doc, "krs.1.start", "1.5");
    expect_text(doc, "krs.1.score", "1.000000");
    expect_text(doc, "krs.2.start", "0");
    expect_text(doc, "krs.2.score", "0.000000");
    expect_text(doc, "krs.3.score", "0.000000");
    expect_text(doc, "score", "0.400000");
    json_object_put(doc);
    /* checking the copy in moves from the new start: 7 of 4 -> 10 is half way */
    prints(s, "K5 0.000000 -> 0.500000\nO2 0.400000 -> 0.500000\n", "checkin", "K5", "7",
           NULL);
    verify_clean(s);
}

/* The event of a carry names the copy, its KRs and the origin, whose log
 * then shows it. */
static void test_carry_event_lists_the_new_nodes(void **state)
{
    struct harness_server *s = *state;
    uint64_t before = harness_last_seq(s);
    harness_okr_quiet(s, "carry", "O1", "--to", "2027-Q1", "--with-krs", NULL);
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__Replay replay = OKR__REPLAY__INIT;
    req.body_case = OKR__REQUEST__BODY_REPLAY;
    req.replay = &replay;
    replay.has_after_seq = true;
    replay.after_seq = before;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->events->n_events, 1);
    const Okr__Event *ev = resp->events->events[0];
    assert_string_equal(ev->subject, "O2");
    assert_int_equal(ev->change->body_case, OKR__REQUEST__BODY_CARRY);
    const char *want[] = {"O2", "K5", "K6", "K7", "K8", "O1"};
    assert_int_equal(ev->n_nodes, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(ev->nodes[i], want[i]);
    okr__response__free_unpacked(resp, NULL);
    /* so the origin's log names its copies */
    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "log", "O1", NULL);
    if (strstr(out, " carry O1 -> 2027-Q1 as O2 with KRs\n") == NULL)
        fail_msg("log O1 does not show the carry:\n%s", out);
    harness_result_free(&r);
}

static void test_carry_refusals_change_nothing(void **state)
{
    struct harness_server *s = *state;
    harness_okr_quiet(s, "period", "add", "2026-Q3", "--start", "2026-07-01", "--end",
                      "2026-09-30", NULL);
    harness_okr_quiet(s, "period", "close", "2026-Q3", NULL);
    harness_okr_quiet(s, "carry", "O1", "--to", "2027-Q1", NULL);     /* O2 */
    state_mark before = mark(s);
    refused(s, 1, "okr: NOT_FOUND: no objective O99\n", "carry", "O99", "--to", "2027-Q1",
            NULL);
    refused(s, 1, "okr: NOT_FOUND: no period \"2099-Q1\"\n", "carry", "O1", "--to", "2099-Q1",
            NULL);
    refused(s, 1, "okr: PERIOD_CLOSED: period 2026-Q3 is closed\n", "carry", "O1", "--to",
            "2026-Q3", NULL);
    refused(s, 1, "okr: INVALID_ARGUMENT: O1 is in 2026-Q4 already: carry it into another "
                  "period\n", "carry", "O1", "--to", "2026-Q4", NULL);
    refused(s, 1, "okr: CONFLICT: O1 was carried into 2027-Q1 already, as O2\n", "carry", "O1",
            "--to", "2027-Q1", "--with-krs", NULL);
    refused(s, 1, "okr: CONFLICT: O2 was carried from O1, which is in 2026-Q4: it would be a "
                  "second copy there\n", "carry", "O2", "--to", "2026-Q4", NULL);
    refused(s, 2, "okr: carry: --from-reached is about the KRs: it needs --with-krs\n"
                  "usage: okr carry OBJ --to PERIOD [--with-krs] [--from-reached]\n",
            "carry", "O1", "--to", "2027-Q2", "--from-reached", NULL);
    refused(s, 2, "okr: carry: --to PERIOD is required\n"
                  "usage: okr carry OBJ --to PERIOD [--with-krs] [--from-reached]\n",
            "carry", "O1", NULL);
    expect_unchanged(s, &before);
    /* a metric at its target cannot start there: the whole carry is refused */
    harness_okr_quiet(s, "period", "next", "2027-Q1", NULL);        /* 2027-Q2 */
    harness_okr_quiet(s, "checkin", "K1", "10", NULL);
    state_mark at_target = mark(s);
    refused(s, 1, "okr: CONFLICT: K1 has reached its target (10, target 10): as the start of "
                  "its copy it would leave nothing to measure; carry without --from-reached, "
                  "or raise its target first\n",
            "carry", "O1", "--to", "2027-Q2", "--with-krs", "--from-reached", NULL);
    /* the server says the same to a client that skips okr's checks */
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveCarry carry = OKR__OBJECTIVE_CARRY__INIT;
    req.body_case = OKR__REQUEST__BODY_CARRY;
    req.carry = &carry;
    carry.id = "O1";
    carry.period = "2027-Q2";
    carry.has_from_reached = carry.from_reached = true;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_string_equal(resp->error->message, "from_reached is about the KRs: it needs with_krs");
    okr__response__free_unpacked(resp, NULL);
    carry.has_from_reached = carry.from_reached = false;
    carry.period = NULL;
    resp = harness_request(s, &req);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_string_equal(resp->error->message, "period is required: the period to carry O1 into");
    okr__response__free_unpacked(resp, NULL);
    expect_unchanged(s, &at_target);
    /* the ids a refused carry took are given back: the next copy is O3, its KRs K5.. */
    prints(s, "O3\n", "carry", "O1", "--to", "2027-Q2", "--with-krs", NULL);
    struct json_object *doc = json_of(s, "show", "O3", NULL);
    assert_string_equal(harness_json_string(doc, "krs.0.id"), "K5");
    json_object_put(doc);
    verify_clean(s);
}

/* Company O5 (roll-up K9), team O6 aligned to K9 (weight 3), team O7 aligned
 * to O5 (weight 2) and to O1, which is not carried. Carried top-down, the
 * team copies align to the company's copies; the link to O1 stays behind. */
static void test_carry_realigns_to_parents_carried_before(void **state)
{
    struct harness_server *s = *state;
    harness_okr_quiet(s, "obj", "add", "Company", "--period", "2026-Q4", "--progress", "both",
                      NULL);                                                   /* O2 */
    harness_okr_quiet(s, "kr", "add", "O2", "Teams deliver", "--kind", "rollup", NULL);  /* K5 */
    harness_okr_quiet(s, "obj", "add", "Team A", "--period", "2026-Q4", "--align-to", "K5:3",
                      NULL);                                                   /* O3 */
    harness_okr_quiet(s, "kr", "add", "O3", "A ships", "--from", "0", "--to", "4", NULL); /* K6 */
    harness_okr_quiet(s, "checkin", "K6", "2", NULL);
    harness_okr_quiet(s, "obj", "add", "Team B", "--period", "2026-Q4", "--align-to", "O2:2",
                      "--align-to", "O1", NULL);                               /* O4 */
    prints(s, "O5\n", "carry", "O2", "--to", "2027-Q1", "--with-krs", NULL);    /* K7 <- K5 */
    prints(s, "O6\n", "carry", "O3", "--to", "2027-Q1", "--with-krs", "--from-reached", NULL);
    prints(s, "O7\n", "carry", "O4", "--to", "2027-Q1", NULL);
    struct json_object *doc = json_of(s, "show", "O6", NULL);
    assert_int_equal(json_object_array_length(harness_json_find(doc, "parents")), 1);
    assert_string_equal(harness_json_string(doc, "parents.0.id"), "K7");
    assert_int_equal(harness_json_int(doc, "parents.0.weight"), 3);
    json_object_put(doc);
    doc = json_of(s, "show", "O7", NULL);
    assert_int_equal(json_object_array_length(harness_json_find(doc, "parents")), 1);
    assert_string_equal(harness_json_string(doc, "parents.0.id"), "O5");
    assert_int_equal(harness_json_int(doc, "parents.0.weight"), 2);
    json_object_put(doc);
    /* the originals keep their own links */
    doc = json_of(s, "show", "O4", NULL);
    assert_int_equal(json_object_array_length(harness_json_find(doc, "parents")), 2);
    json_object_put(doc);
    verify_clean(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_period_next_follows_a_quarter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_period_next_of_a_year_and_of_a_sprint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_period_next_refusals_change_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_carry_without_krs_copies_the_objective_and_links_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry_with_krs_keeps_their_starts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry_from_reached_starts_where_the_krs_got_to,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry_event_lists_the_new_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carry_realigns_to_parents_carried_before, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
