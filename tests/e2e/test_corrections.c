/* test_corrections.c — correcting mistakes: `checkin edit`, `checkin
 * delete`, backdated `checkin --at`, and `obj delete` asking first.
 *
 * A corrected check-in must leave every score exactly where it would be had
 * the check-in always been right, so the tests build the same organisation
 * on two servers, make the mistake and correct it on one, check in the
 * right value on the other, and compare the two trees (times and health
 * left out: they depend on the clock). Each refusal is checked by its exact
 * sentence and by the state staying as it was (history, tree, last seq).
 * `okrd --verify` (scores and the KR records against their check-ins) must
 * be clean after every correction.
 *
 * The organisation, in period Now (2020-01-01 to 2099-12-31, so today and
 * the backdated days are inside it):
 *   O1 "Pots" with K1 metric 0 -> 10 and K2 metric 0 -> 10 (weight 3),
 *      aligned to the roll-up K3 of O2 "Company"
 *   O2 "Company" with K3 (roll-up) and K4 milestone */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define MAX_ARGS 24

typedef struct {
    struct harness_server a, b;   /* b: the twin that got the right values */
} fixture;

/* Run okr on s with the NULL-terminated arguments; the result is the caller's. */
static void run_v(struct harness_server *s, struct harness_result *r, const char *input,
                  const char *first, va_list ap)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    for (const char *x = first; x && n < MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    args[n] = NULL;
    harness_okr_argv(s->requests, r, input, args);
}

static void run(struct harness_server *s, struct harness_result *r, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    run_v(s, r, NULL, first, ap);
    va_end(ap);
}

/* okr ARGS must succeed; returns its stdout (malloc'd). */
static char *ok(struct harness_server *s, const char *first, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, first);
    run_v(s, &r, NULL, first, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}
#define OK(s, ...) free(ok((s), __VA_ARGS__, NULL))

/* okr ARGS must exit with `code`, print nothing on stdout and exactly
 * `err` on stderr. */
static void refused(struct harness_server *s, int code, const char *err, const char *first, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, first);
    run_v(s, &r, NULL, first, ap);
    va_end(ap);
    harness_expect_exit(&r, code);
    if (strcmp(r.err, err) != 0)
        fprintf(stderr, "%s: stderr\n%s\nwanted\n%s\n", r.command, r.err, err);
    assert_string_equal(r.err, err);
    assert_string_equal(r.out, "");
    harness_result_free(&r);
}

/* The seq of the change the last okr --json command made. */
static uint64_t seq_of(const char *changed_json)
{
    struct json_object *doc = harness_json_parse(changed_json);
    uint64_t seq = (uint64_t)harness_json_int(doc, "seq");
    json_object_put(doc);
    return seq;
}

/* okr --json checkin ARGS: the check-in's id. */
static uint64_t checkin(struct harness_server *s, const char *first, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, first);
    run_v(s, &r, NULL, first, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    uint64_t seq = seq_of(r.out);
    harness_result_free(&r);
    return seq;
}
#define CHECKIN(s, ...) checkin((s), "--json", "checkin", __VA_ARGS__, NULL)

static void build(struct harness_server *s)
{
    OK(s, "period", "add", "Now", "--start", "2020-01-01", "--end", "2099-12-31");
    OK(s, "obj", "add", "Pots", "--period", "Now");
    OK(s, "kr", "add", "O1", "Refunds", "--from", "0", "--to", "10");
    OK(s, "kr", "add", "O1", "Repeat buyers", "--from", "0", "--to", "10", "--weight", "3");
    OK(s, "obj", "add", "Company", "--period", "Now");
    OK(s, "kr", "add", "O2", "Product lines", "--kind", "rollup");
    OK(s, "kr", "add", "O2", "Launch", "--kind", "milestone");
    OK(s, "obj", "align", "O1", "K3");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || harness_server_start(&f->a, NULL) != 0 ||
        harness_server_start(&f->b, NULL) != 0)
        return -1;
    build(&f->a);
    build(&f->b);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    harness_server_destroy(&f->a);
    harness_server_destroy(&f->b);
    free(f);
    return 0;
}

static const char *const clock_keys[] = {"created_at", "updated_at", "time", "health",
                                         "expected", "seq", "edited_at", "edited_by",
                                         /* history's score moves: each server's own log */
                                         "scores", "score_moves", NULL};

/* okr --json ARGS on s, with the clock's fields left out. */
static char *canonical(struct harness_server *s, const char *a, const char *b)
{
    char *out = ok(s, "--json", a, b, NULL);
    char *canon = harness_json_canonical(out, clock_keys);
    free(out);
    return canon;
}

/* Both servers' trees and KRs say the same scores, values and counts. */
static void assert_twins(fixture *f)
{
    static const char *const krs[] = {"K1", "K2", "K3", "K4"};
    char *ta = canonical(&f->a, "tree", NULL), *tb = canonical(&f->b, "tree", NULL);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    for (size_t i = 0; i < 4; i++) {
        char *ka = canonical(&f->a, "show", krs[i]), *kb = canonical(&f->b, "show", krs[i]);
        assert_string_equal(ka, kb);
        free(ka);
        free(kb);
    }
}

static void assert_verify_clean(struct harness_server *s)
{
    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "okrd: verify: 0 differences\n");
    harness_result_free(&r);
}

static int64_t kr_int(struct harness_server *s, const char *kr, const char *path)
{
    char *out = ok(s, "--json", "show", kr, NULL);
    struct json_object *doc = harness_json_parse(out);
    int64_t v = harness_json_int(doc, path);
    json_object_put(doc);
    free(out);
    return v;
}

/* A KR's score as --json spells it ("0.250000"); valid until the next call. */
static char score_text[32];
static const char *kr_score(struct harness_server *s, const char *kr)
{
    char *out = ok(s, "--json", "show", kr, NULL);
    struct json_object *doc = harness_json_parse(out);
    snprintf(score_text, sizeof score_text, "%s", harness_json_text(doc, "score"));
    json_object_put(doc);
    free(out);
    return score_text;
}

static bool kr_is_null(struct harness_server *s, const char *kr, const char *path)
{
    char *out = ok(s, "--json", "show", kr, NULL);
    struct json_object *doc = harness_json_parse(out);
    struct json_object *v = harness_json_find(doc, path);
    bool null = v == NULL || json_object_get_type(v) == json_type_null;
    json_object_put(doc);
    free(out);
    return null;
}

static char id_text[32];
static const char *id_of(uint64_t seq)
{
    snprintf(id_text, sizeof id_text, "%llu", (unsigned long long)seq);
    return id_text;
}

/* ------------------------------------------------------------ edit */

static void test_edited_value_scores_exactly_as_if_it_had_been_right(void **state)
{
    fixture *f = *state;
    uint64_t wrong = CHECKIN(&f->a, "K1", "3", "--confidence", "0.4");
    CHECKIN(&f->a, "K2", "5");
    CHECKIN(&f->b, "K1", "6", "--confidence", "0.4");
    CHECKIN(&f->b, "K2", "5");

    char *out = ok(&f->a, "checkin", "edit", id_of(wrong), "--value", "6", NULL);
    /* K1 0.3 -> 0.6; O1 (0.3 + 3 * 0.5) / 4 = 0.45 -> (0.6 + 1.5) / 4 = 0.525; K3 and O2
     * follow (O2: K3 and the milestone K4 at 0). */
    assert_string_equal(out, "K1 0.300000 -> 0.600000\n"
                             "O1 0.450000 -> 0.525000\n"
                             "K3 0.450000 -> 0.525000\n"
                             "O2 0.225000 -> 0.262500\n");
    free(out);
    assert_twins(f);
    assert_verify_clean(&f->a);

    /* The history keeps its place and says who corrected it; the log says what. */
    out = ok(&f->a, "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(out);
    assert_int_equal(harness_json_int(doc, "checkins.0.seq"), (int64_t)wrong);
    assert_string_equal(harness_json_text(doc, "checkins.0.value"), "6");
    assert_string_equal(harness_json_string(doc, "checkins.0.edited_by"),
                        harness_json_string(doc, "checkins.0.author"));
    json_object_put(doc);
    free(out);
    out = ok(&f->a, "log", "K1", NULL);
    char want[64];
    snprintf(want, sizeof want, "checkin edit #%llu of K1 (value 6) | K1 0.300->0.600",
             (unsigned long long)wrong);
    assert_non_null(strstr(out, want));
    free(out);
}

static void test_edited_confidence_and_note_follow_to_the_kr(void **state)
{
    fixture *f = *state;
    uint64_t c = CHECKIN(&f->a, "K1", "4", "--confidence", "0.3", "--note", "typo");
    CHECKIN(&f->b, "K1", "4", "--confidence", "0.8", "--note", "right");
    OK(&f->a, "checkin", "edit", id_of(c), "--confidence", "0.8", "--note", "right");
    assert_twins(f);
    char *a = canonical(&f->a, "history", "K1"), *b = canonical(&f->b, "history", "K1");
    assert_string_equal(a, b);
    free(a);
    free(b);
    assert_verify_clean(&f->a);
}

/* A correction that moves no score (a note, an older check-in) still says
 * it was made, and says nothing moved. */
static void test_a_correction_that_moves_no_score_says_so(void **state)
{
    fixture *f = *state;
    uint64_t older = CHECKIN(&f->a, "K1", "3", "--at", "2020-02-01");
    CHECKIN(&f->a, "K1", "5");
    char want[64];

    char *out = ok(&f->a, "checkin", "edit", id_of(older), "--note", "fixed", NULL);
    snprintf(want, sizeof want, "check-in #%llu edited; no score moved\n",
             (unsigned long long)older);
    assert_string_equal(out, want);
    free(out);
    out = ok(&f->a, "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(out);
    assert_int_equal(harness_json_int(doc, "checkins.0.seq"), (int64_t)older);
    assert_string_equal(harness_json_string(doc, "checkins.0.note"), "fixed");
    json_object_put(doc);
    free(out);

    out = ok(&f->a, "checkin", "delete", id_of(older), NULL);
    snprintf(want, sizeof want, "check-in #%llu deleted; no score moved\n",
             (unsigned long long)older);
    assert_string_equal(out, want);
    free(out);
    assert_int_equal(kr_int(&f->a, "K1", "checkins"), 1);
    assert_string_equal(kr_score(&f->a, "K1"), "0.500000");
    assert_verify_clean(&f->a);
}

/* ------------------------------------------------------------ delete */

static void test_deleting_the_newest_makes_the_previous_current(void **state)
{
    fixture *f = *state;
    CHECKIN(&f->a, "K1", "3", "--confidence", "0.9");
    uint64_t newest = CHECKIN(&f->a, "K1", "8");
    CHECKIN(&f->b, "K1", "3", "--confidence", "0.9");

    char *out = ok(&f->a, "checkin", "delete", id_of(newest), NULL);
    assert_string_equal(out, "K1 0.800000 -> 0.300000\n"
                             "O1 0.200000 -> 0.075000\n"
                             "K3 0.200000 -> 0.075000\n"
                             "O2 0.100000 -> 0.037500\n");
    free(out);
    assert_int_equal(kr_int(&f->a, "K1", "checkins"), 1);
    assert_twins(f);
    assert_verify_clean(&f->a);
}

static void test_deleting_the_only_checkin_returns_to_the_no_checkin_score(void **state)
{
    fixture *f = *state;
    uint64_t only = CHECKIN(&f->a, "K4", "done", "--confidence", "0.2");
    uint64_t k1 = CHECKIN(&f->a, "K1", "5");
    OK(&f->a, "checkin", "delete", id_of(only));
    OK(&f->a, "checkin", "delete", id_of(k1));
    assert_int_equal(kr_int(&f->a, "K4", "checkins"), 0);
    assert_true(kr_is_null(&f->a, "K4", "confidence"));
    assert_true(kr_is_null(&f->a, "K4", "updated_at"));
    assert_int_equal(kr_int(&f->a, "K1", "checkins"), 0);
    assert_twins(f);                         /* b never had a check-in */
    assert_verify_clean(&f->a);
}

/* ------------------------------------------------------------ backdated */

static void test_an_older_backdated_checkin_joins_the_history_in_time_order(void **state)
{
    fixture *f = *state;
    uint64_t now = CHECKIN(&f->a, "K1", "5");
    char *out = ok(&f->a, "checkin", "K1", "8", "--at", "2021-03-01", "--note", "late", NULL);
    char want[64];                           /* the newest (5) stays current: no score moves */
    snprintf(want, sizeof want, "check-in #%llu on K1; no score moved\n",
             (unsigned long long)(now + 1));
    assert_string_equal(out, want);
    free(out);
    uint64_t older = CHECKIN(&f->a, "K1", "2", "--at", "2020-02-01T09:30:00+01:00");
    CHECKIN(&f->b, "K1", "5");
    assert_int_equal(kr_int(&f->a, "K1", "checkins"), 3);

    out = ok(&f->a, "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(out);
    assert_int_equal(harness_json_int(doc, "checkins.0.seq"), (int64_t)older);
    assert_string_equal(harness_json_string(doc, "checkins.0.time"), "2020-02-01T08:30:00Z");
    assert_string_equal(harness_json_string(doc, "checkins.1.time"), "2021-03-01T00:00:00Z");
    assert_int_equal(harness_json_int(doc, "checkins.2.seq"), (int64_t)now);
    json_object_put(doc);
    free(out);
    /* Scores, value and confidence as if only the newest counted (b). */
    static const char *const but_count[] = {"created_at", "updated_at", "health", "expected",
                                            "checkins", NULL};
    char *a = ok(&f->a, "--json", "tree", NULL), *b = ok(&f->b, "--json", "tree", NULL);
    char *ta = harness_json_canonical(a, but_count), *tb = harness_json_canonical(b, but_count);
    assert_string_equal(ta, tb);
    free(a);
    free(b);
    free(ta);
    free(tb);
    assert_verify_clean(&f->a);
}

static void test_a_backdated_checkin_newer_than_all_others_is_current(void **state)
{
    fixture *f = *state;
    CHECKIN(&f->a, "K1", "2", "--at", "2021-01-01");
    char *out = ok(&f->a, "checkin", "K1", "4", "--at", "2022-01-01", NULL);
    assert_string_equal(out, "K1 0.200000 -> 0.400000\n"
                             "O1 0.050000 -> 0.100000\n"
                             "K3 0.050000 -> 0.100000\n"
                             "O2 0.025000 -> 0.050000\n");
    free(out);
    /* Moving the newest back in time behind the other makes that one current. */
    out = ok(&f->a, "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(out);
    uint64_t newest = (uint64_t)harness_json_int(doc, "checkins.1.seq");
    json_object_put(doc);
    free(out);
    OK(&f->a, "checkin", "edit", id_of(newest), "--at", "2020-06-01");
    assert_string_equal(kr_score(&f->a, "K1"), "0.200000");
    assert_verify_clean(&f->a);
}

/* ------------------------------------------------------------ refusals */

/* What must not move when a request is refused. */
typedef struct {
    char *history, *tree;
    uint64_t seq;
} snapshot;

static snapshot take(struct harness_server *s)
{
    /* Everything but "expected" and the health derived from it, which move
     * with the clock, not the data (a slow run saw them "change"). */
    static const char *const moving[] = {"expected", "health", NULL};
    char *h = ok(s, "--json", "history", "K1", NULL), *t = ok(s, "--json", "tree", NULL);
    snapshot snap = {harness_json_canonical(h, moving), harness_json_canonical(t, moving),
                     harness_last_seq(s)};
    free(h);
    free(t);
    return snap;
}

static void assert_unchanged(struct harness_server *s, snapshot *before)
{
    snapshot now = take(s);
    assert_string_equal(now.history, before->history);
    assert_string_equal(now.tree, before->tree);
    assert_int_equal(now.seq, before->seq);
    free(now.history);
    free(now.tree);
}

static void test_refusals_say_why_and_change_nothing(void **state)
{
    fixture *f = *state;
    struct harness_server *s = &f->a;
    uint64_t c = CHECKIN(s, "K1", "5");
    uint64_t m = CHECKIN(s, "K4", "0", "--confidence", "0.5");
    snapshot before = take(s);

    refused(s, 1, "okr: NOT_FOUND: no check-in #999 (okr history KR lists a key result's "
                  "check-ins with their ids)\n", "checkin", "edit", "999", "--value", "1", NULL);
    refused(s, 1, "okr: NOT_FOUND: no check-in #1 (okr history KR lists a key result's "
                  "check-ins with their ids)\n", "checkin", "delete", "1", NULL);   /* period add */
    refused(s, 1, "okr: INVALID_ARGUMENT: at 2019-12-31 00:00 UTC is outside period Now "
                  "(2020-01-01 to 2099-12-31) of objective O1\n",
            "checkin", "K1", "1", "--at", "2019-12-31", NULL);
    refused(s, 1, "okr: INVALID_ARGUMENT: at 2019-12-31 23:59 UTC is outside period Now "
                  "(2020-01-01 to 2099-12-31) of objective O1\n",
            "checkin", "edit", id_of(c), "--at", "2020-01-01T00:59:59+01:00", NULL);
    refused(s, 1, "okr: INVALID_ARGUMENT: K4 is a milestone: value must be 1 (done) or 0, "
                  "not 0.5\n", "checkin", "edit", id_of(m), "--value", "0.5", NULL);
    refused(s, 2, "okr: checkin edit: ID 'K1' is not a check-in's number (okr history KR "
                  "lists them: #12)\nusage: okr checkin edit ID [--value V] [--confidence C] "
                  "[--note TEXT] [--at DATE]\n", "checkin", "edit", "K1", "--value", "1", NULL);
    refused(s, 2, "okr: checkin edit: nothing to change: give --value, --confidence, --note or "
                  "--at\nusage: okr checkin edit ID [--value V] [--confidence C] [--note TEXT] "
                  "[--at DATE]\n", "checkin", "edit", id_of(c), NULL);
    refused(s, 2, "okr: checkin: --at '2026-13-01' is not a date (YYYY-MM-DD) or a time "
                  "(YYYY-MM-DDTHH:MM[:SS], UTC unless it ends in Z or +HH:MM)\nusage: okr "
                  "checkin KR VALUE [--confidence C] [--note TEXT] [--at DATE]\n",
            "checkin", "K1", "1", "--at", "2026-13-01", NULL);

    /* In the future, though inside the period: the sentence names now. */
    struct harness_result r;
    run(s, &r, "checkin", "edit", id_of(c), "--at", "2099-06-01", NULL);
    harness_expect_exit(&r, 1);
    const char *head = "okr: INVALID_ARGUMENT: at 2099-06-01 00:00 UTC is in the future (it is ";
    const char *tail = " UTC): a check-in says what was measured\n";
    assert_int_equal(strncmp(r.err, head, strlen(head)), 0);
    assert_true(strlen(r.err) > strlen(tail) &&
                strcmp(r.err + strlen(r.err) - strlen(tail), tail) == 0);
    harness_result_free(&r);

    assert_unchanged(s, &before);
    free(before.history);
    free(before.tree);
}

static void test_checkins_of_a_closed_period_cannot_be_corrected(void **state)
{
    fixture *f = *state;
    struct harness_server *s = &f->a;
    OK(s, "period", "add", "Old", "--start", "2010-01-01", "--end", "2010-12-31");
    OK(s, "obj", "add", "Back then", "--period", "Old");
    OK(s, "kr", "add", "O3", "Then", "--from", "0", "--to", "4");
    uint64_t c = CHECKIN(s, "K5", "1", "--at", "2010-06-01");
    OK(s, "period", "close", "Old");
    uint64_t seq = harness_last_seq(s);
    refused(s, 1, "okr: PERIOD_CLOSED: period Old of objective O3 is closed\n",
            "checkin", "edit", id_of(c), "--value", "2", NULL);
    refused(s, 1, "okr: PERIOD_CLOSED: period Old of objective O3 is closed\n",
            "checkin", "delete", id_of(c), NULL);
    refused(s, 1, "okr: PERIOD_CLOSED: period Old of objective O3 is closed\n",
            "checkin", "K5", "3", "--at", "2010-07-01", NULL);
    assert_int_equal(harness_last_seq(s), seq);
    assert_string_equal(kr_score(s, "K5"), "0.250000");
    assert_verify_clean(s);
}

/* ------------------------------------------------------------ obj delete */

static void test_obj_delete_in_a_script_needs_yes(void **state)
{
    fixture *f = *state;
    struct harness_server *s = &f->a;
    const char *why = "okr: obj delete O1: this deletes it, its key results and their "
                      "check-ins for good; add --yes to do it without being asked (a script, "
                      "or okr -c, has no one to ask)\n";
    uint64_t seq = harness_last_seq(s);
    refused(s, 2, why, "obj", "delete", "O1", NULL);        /* stdin is not a terminal */
    refused(s, 2, why, "-c", "obj delete O1", NULL);
    struct harness_result r;
    harness_okr_stdin(s, &r, "obj delete O1\n", NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "add --yes to do it without being asked"));
    harness_result_free(&r);
    assert_int_equal(harness_last_seq(s), seq);
    OK(s, "show", "O1");

    char *out = ok(s, "obj", "delete", "O1", "--yes", NULL);
    assert_string_equal(out, "");            /* nothing had scored yet: nothing moves */
    free(out);
    run(s, &r, "show", "O1", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "okr: NOT_FOUND: no objective O1\n");
    harness_result_free(&r);
    assert_verify_clean(s);
}

/* `okr obj delete O1` typed at a terminal (util-linux script(1) gives okr a
 * pty for its standard input): the question, then "n" keeps it, "y"
 * deletes it. (The shell's side: test_shell.c.) */
static int at_a_terminal(struct harness_server *s, const char *answer,
                         struct harness_result *r)
{
    const char *okr = getenv("OKR") ? getenv("OKR") : "build/okr";
    char line[HARNESS_PATH_MAX + HARNESS_ENDPOINT_MAX + 64];
    snprintf(line, sizeof line, "%s --server %s obj delete O1", okr, s->requests);
    char *argv[] = {"/usr/bin/script", "-qec", line, "/dev/null", NULL};   /* bsdutils */
    return harness_run(r, answer, 20000, argv);
}

static void test_obj_delete_typed_at_a_terminal_asks_first(void **state)
{
    fixture *f = *state;
    struct harness_server *s = &f->a;
    struct harness_result r;
    const char *question = "Delete O1 'Pots' and its 2 key results? [y/N] ";
    if (access("/usr/bin/script", X_OK) != 0)
        skip();                              /* no script(1) here */
    assert_int_equal(at_a_terminal(s, "n\n", &r), 0);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.out, question));
    assert_non_null(strstr(r.out, "okr: O1 not deleted"));
    harness_result_free(&r);
    OK(s, "show", "O1");

    assert_int_equal(at_a_terminal(s, "y\n", &r), 0);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, question));
    harness_result_free(&r);
    run(s, &r, "show", "O1", NULL);
    harness_expect_exit(&r, 1);
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_edited_value_scores_exactly_as_if_it_had_been_right,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_confidence_and_note_follow_to_the_kr, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_correction_that_moves_no_score_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deleting_the_newest_makes_the_previous_current,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_deleting_the_only_checkin_returns_to_the_no_checkin_score, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_older_backdated_checkin_joins_the_history_in_time_order, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_backdated_checkin_newer_than_all_others_is_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_say_why_and_change_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkins_of_a_closed_period_cannot_be_corrected,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_obj_delete_in_a_script_needs_yes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obj_delete_typed_at_a_terminal_asks_first, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
