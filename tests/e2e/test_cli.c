/* test_cli.c — end to end: a real okrd on a temporary data directory and free
 * ports, driven by the real okr (and, for what okr would never send, by a raw
 * protocol client). Each test gets its own server and data directory.
 *
 * The numbers are DESIGN's example: a Pots objective with three metric KRs —
 * refund rate 0.5 % -> 0.2 % now 0.35 (0.5), repeat buyers 5 -> 15 now 9
 * (0.4), awareness 10 -> 25 now 16 (0.4) — scores (1300000 + 1) / 3 = 433333. */
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "okr_limits.h"
#include "wire.h"

#define PERIOD "2026-Q4"

/* Members whose value depends on the clock, ignored when comparing states. */
static const char *const volatile_keys[] = {"health", "expected", NULL};

/* ------------------------------------------------------------ fixtures */

static int setup_server(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    if (harness_server_start(s, NULL) != 0) {
        harness_server_destroy(s);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown_server(void **state)
{
    struct harness_server *s = *state;
    if (s) {
        harness_server_destroy(s);
        free(s);
    }
    return 0;
}

/* ------------------------------------------------------------ okr helpers */

/* Run okr; assert it exits 0; return its stdout without the trailing newline. */
static char *okr_ok(struct harness_server *s, const char *arg, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(s->requests, &r, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    char *out = harness_chomp(r.out);
    harness_result_free(&r);
    return out;
}

#define OKR_OK(s, ...) free(okr_ok((s), __VA_ARGS__, NULL))

/* Run okr; assert it exits 0 and prints exactly `want` (an add prints the
 * new id, or name, alone on a line). */
static void okr_prints(struct harness_server *s, const char *want, const char *arg, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(s->requests, &r, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    char *got = harness_chomp(r.out);
    bool same = strcmp(got, want) == 0;
    if (!same)
        fprintf(stderr, "`%s` printed \"%s\", expected \"%s\"\n", r.command, got, want);
    free(got);
    harness_result_free(&r);
    assert_true(same);
}

#define OKR_PRINTS(s, want, ...) okr_prints((s), (want), __VA_ARGS__, NULL)

/* Run `okr --json ARGS`; assert exit 0; return the parsed output. */
static struct json_object *okr_json(struct harness_server *s, const char *arg, ...)
{
    const char *args[32];
    int n = 0;
    args[n++] = "--json";
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(s->requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    struct json_object *j = harness_json_parse(r.out);
    harness_result_free(&r);
    return j;
}

#define OKR_JSON(s, ...) okr_json((s), __VA_ARGS__, NULL)

/* Run okr; assert it is refused: exit 1 and `okr: CODE: message` on stderr. */
static void okr_refused(struct harness_server *s, const char *code, const char *arg, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(s->requests, &r, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, 1);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "okr: %s: ", code);
    bool reported = code[0] == '\0' || strstr(r.err, prefix) != NULL;
    if (!reported)
        fprintf(stderr, "`%s`: stderr lacks \"%s\":\n%s\n", r.command, prefix, r.err);
    harness_result_free(&r);
    if (!reported)
        fail_msg("refusal is not reported as %s", code);
}

#define OKR_REFUSED(s, code, ...) okr_refused((s), (code), __VA_ARGS__, NULL)

/* Run okr; assert a usage error: exit 2 with something on stderr. */
static void okr_usage_error(struct harness_server *s, const char *arg, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(s->requests, &r, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, 2);
    if (r.err_len == 0)
        fail_msg("`%s` exited 2 without saying why on stderr", r.command);
    harness_result_free(&r);
}

#define OKR_USAGE_ERROR(s, ...) okr_usage_error((s), __VA_ARGS__, NULL)

/* Assert the score at path is `want` both as text ("0.433333": six decimals)
 * and as a number. */
static void assert_score(struct json_object *j, const char *path, const char *want)
{
    const char *text = harness_json_text(j, path);
    if (strcmp(text, want) != 0)
        fprintf(stderr, "score at \"%s\" is %s, expected %s, in:\n%s\n", path, text, want,
                json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
    assert_string_equal(text, want);
    assert_true(fabs(harness_json_double(j, path) - atof(want)) < 1e-9);
}

/* Assert the objective's (or KR's) score through `okr --json show ID`. */
static void assert_node_score(struct harness_server *s, const char *id, const char *want)
{
    struct json_object *j = OKR_JSON(s, "show", id);
    assert_string_equal(harness_json_string(j, "id"), id);
    assert_score(j, "score", want);
    json_object_put(j);
}

/* Assert that KR `kr` inside objective JSON `obj` has score `want`. */
static void assert_kr_score(struct json_object *obj, const char *kr, const char *want)
{
    struct json_object *k = harness_json_array_find(obj, "krs", "id", kr);
    if (k == NULL) {
        fprintf(stderr, "no KR %s in:\n%s\n", kr,
                json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY));
        fail_msg("KR %s missing from \"krs\"", kr);
    }
    assert_score(k, "score", want);
}

/* Assert a mutation's "scores" list moved `node` from `old` to `new_`. */
static void assert_score_change(struct json_object *changed, const char *node,
                                const char *old, const char *new_)
{
    struct json_object *c = harness_json_array_find(changed, "scores", "node", node);
    if (c == NULL) {
        fprintf(stderr, "no score change for %s in:\n%s\n", node,
                json_object_to_json_string_ext(changed, JSON_C_TO_STRING_PRETTY));
        fail_msg("mutation does not report %s's score change", node);
    }
    assert_score(c, "old", old);
    assert_score(c, "new", new_);
}

/* ------------------------------------------------------------ state snapshots */

struct snapshot {
    char *tree;     /* `okr --json tree`, canonical, clock-dependent fields dropped */
    uint64_t seq;   /* Status.last_seq: any committed change appends an event */
};

static void take_snapshot(struct harness_server *s, struct snapshot *snap)
{
    struct harness_result r;
    harness_okr(s, &r, "--json", "tree", NULL);
    harness_expect_exit(&r, 0);
    snap->tree = harness_json_canonical(r.out, volatile_keys);
    harness_result_free(&r);
    snap->seq = harness_last_seq(s);
}

/* Assert nothing changed since `before` (and free it). */
static void assert_unchanged(struct harness_server *s, struct snapshot *before)
{
    struct snapshot now;
    take_snapshot(s, &now);
    bool same_tree = strcmp(now.tree, before->tree) == 0;
    if (!same_tree)
        fprintf(stderr, "state changed:\nbefore: %s\nafter:  %s\n", before->tree, now.tree);
    if (now.seq != before->seq)
        fprintf(stderr, "last_seq moved from %llu to %llu\n",
                (unsigned long long)before->seq, (unsigned long long)now.seq);
    free(now.tree);
    free(before->tree);
    before->tree = NULL;
    assert_true(same_tree);
    assert_int_equal(now.seq, before->seq);
}

/* ------------------------------------------------------------ scenarios */

/* DESIGN's example: period, team, objective O1 with metric KRs K1..K3 and one
 * check-in each. Checks that every add prints the new id alone. */
static void build_design_example(struct harness_server *s)
{
    OKR_PRINTS(s, PERIOD, "period", "add", PERIOD, "--start", "2026-10-01", "--end",
               "2026-12-31");
    OKR_PRINTS(s, "Pots", "team", "add", "Pots");
    OKR_PRINTS(s, "O1", "obj", "add", "Pot buyers trust us", "--team", "Pots", "--period",
               PERIOD);
    OKR_PRINTS(s, "K1", "kr", "add", "O1", "Refund rate", "--from", "0.5", "--to", "0.2",
               "--unit", "%");
    OKR_PRINTS(s, "K2", "kr", "add", "O1", "Repeat buyers", "--from", "5", "--to", "15");
    OKR_PRINTS(s, "K3", "kr", "add", "O1", "Brand awareness", "--from", "10", "--to", "25",
               "--unit", "%");
    OKR_OK(s, "checkin", "K1", "0.35");
    OKR_OK(s, "checkin", "K2", "9");
    OKR_OK(s, "checkin", "K3", "16");
}

/* The design example plus a company objective O2 whose roll-up KR K4 gathers
 * the product lines, a metric KR K5 on O2 at 0.5, and a second product line
 * O3 (team Pans) at 1.0 aligned to K4 with weight 2:
 *   K4 = (433333 + 2 * 1000000 + 1) / 3 = 811111
 *   O2 = (811111 + 500000 + 1) / 2     = 655556 */
static void build_company_rollup(struct harness_server *s)
{
    build_design_example(s);
    OKR_PRINTS(s, "Company", "team", "add", "Company");
    OKR_PRINTS(s, "O2", "obj", "add", "The most trusted kitchen brand", "--team", "Company",
               "--period", PERIOD, "--committed");
    OKR_PRINTS(s, "K4", "kr", "add", "O2", "Two product lines reach trust targets", "--kind",
               "rollup");
    OKR_OK(s, "obj", "align", "O1", "K4");
    OKR_PRINTS(s, "K5\nO2 0.433333 -> 0.216667", "kr", "add", "O2", "Retail partners signed",
               "--from", "0", "--to", "10");   /* an add prints the scores it moved */
    OKR_OK(s, "checkin", "K5", "5");
    OKR_PRINTS(s, "Pans", "team", "add", "Pans");
    OKR_PRINTS(s, "O3", "obj", "add", "Pan buyers trust us", "--team", "Pans", "--period",
               PERIOD);
    OKR_PRINTS(s, "K6", "kr", "add", "O3", "Five-star reviews", "--from", "0", "--to", "100");
    OKR_OK(s, "checkin", "K6", "100");
    OKR_OK(s, "obj", "align", "O3", "K4", "--weight", "2");
}

/* ------------------------------------------------------------ raw helpers */

static Okr__Response *raw_objective_add(struct harness_server *s, const char *title,
                                        const char *team, const char *period)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveAdd add = OKR__OBJECTIVE_ADD__INIT;
    Okr__Objective obj = OKR__OBJECTIVE__INIT;
    obj.title = (char *)title;
    obj.team = (char *)team;
    obj.period = (char *)period;
    add.objective = &obj;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req.objective_add = &add;
    return harness_request(s, &req);
}

static Okr__Response *raw_checkin(struct harness_server *s, const char *kr, bool has_value,
                                  double value, bool has_confidence, double confidence,
                                  const char *note)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    ci.kr = (char *)kr;
    ci.has_value = has_value;
    ci.value = value;
    ci.has_confidence = has_confidence;
    ci.confidence = confidence;
    ci.note = (char *)note;
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    return harness_request(s, &req);
}

/* Assert the response is the error `code` (and free it). */
static void assert_error(Okr__Response *resp, Okr__ErrorCode code, const char *what)
{
    if (resp == NULL)
        fail_msg("%s: no response", what);
    Okr__ErrorCode got = harness_error_code(resp);
    if (got != code) {
        fprintf(stderr, "%s: got %s (%s), expected %s\n", what, wire_error_name(got),
                resp->error && resp->error->message ? resp->error->message : "",
                wire_error_name(code));
        okr__response__free_unpacked(resp, NULL);
        fail_msg("%s: wrong error code", what);
    }
    if (resp->error == NULL || resp->error->message == NULL || !resp->error->message[0]) {
        okr__response__free_unpacked(resp, NULL);
        fail_msg("%s: error without a message", what);
    }
    okr__response__free_unpacked(resp, NULL);
}

/* After raw frames: send a StatusGet and read replies until its answer. Any
 * other reply (to the raw frames) must be an error, never a success. */
static void assert_only_errors_then_status(struct harness_server *s, const char *what)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    req.has_version = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.has_request_id = true;
    req.request_id = s->next_request_id++;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    uint8_t buf[64];
    size_t len = okr__request__pack(&req, buf);
    assert_int_equal(harness_send_raw(s, buf, len, false), 0);
    for (;;) {
        Okr__Response *resp;
        if (harness_recv_raw(s, 5000, &resp) == 0)
            fail_msg("%s: the server did not answer the next request", what);
        if (resp == NULL)
            fail_msg("%s: the server sent a reply that does not unpack", what);
        bool is_status = resp->has_request_id && resp->request_id == req.request_id;
        Okr__ErrorCode code = harness_error_code(resp);
        Okr__Response__BodyCase body = resp->body_case;
        okr__response__free_unpacked(resp, NULL);
        if (is_status) {
            assert_int_equal(code, OKR__ERROR_CODE__OK);
            assert_int_equal(body, OKR__RESPONSE__BODY_STATUS);
            return;
        }
        if (code == OKR__ERROR_CODE__OK)
            fail_msg("%s: got a success reply", what);
    }
}

/* A TCP port on 127.0.0.1 that nothing listens on. */
static int unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);   /* bound but never listened on; now closed: connections are refused */
    return ntohs(a.sin_port);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ============================================================ scoring */

static void test_design_example_objective_scores_0_433333(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);

    struct json_object *o1 = OKR_JSON(s, "show", "O1");
    assert_string_equal(harness_json_string(o1, "id"), "O1");
    assert_string_equal(harness_json_string(o1, "title"), "Pot buyers trust us");
    assert_score(o1, "score", "0.433333");
    assert_int_equal(json_object_array_length(harness_json_find(o1, "krs")), 3);
    assert_kr_score(o1, "K1", "0.500000");   /* refund 0.5 -> 0.2, now 0.35 */
    assert_kr_score(o1, "K2", "0.400000");   /* repeat 5 -> 15, now 9 */
    assert_kr_score(o1, "K3", "0.400000");   /* awareness 10 -> 25, now 16 */
    json_object_put(o1);
}

static void test_kr_scores_follow_the_latest_checkin(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);

    /* K2 5 -> 15 reaches 15: 1.0; O1 = (500000 + 1000000 + 400000 + 1) / 3 */
    struct json_object *c = OKR_JSON(s, "checkin", "K2", "15");
    int64_t seq = harness_json_int(c, "seq");
    assert_true(seq > 0);
    assert_score_change(c, "K2", "0.400000", "1.000000");
    assert_score_change(c, "O1", "0.433333", "0.633333");
    json_object_put(c);

    /* overshoot is clamped for the score; a lower value moves it back */
    c = OKR_JSON(s, "checkin", "K2", "30");
    assert_int_equal(harness_json_int(c, "seq"), seq + 1);
    assert_null(harness_json_array_find(c, "scores", "node", "O1"));   /* 1.0 stays 1.0 */
    json_object_put(c);
    assert_node_score(s, "O1", "0.633333");

    c = OKR_JSON(s, "checkin", "K2", "7");
    assert_int_equal(harness_json_int(c, "seq"), seq + 2);
    assert_score_change(c, "K2", "1.000000", "0.200000");
    assert_score_change(c, "O1", "0.633333", "0.366667");   /* 1100000/3, half up */
    json_object_put(c);
}

static void test_kr_before_first_checkin_scores_zero(void **state)
{
    struct harness_server *s = *state;
    OKR_OK(s, "period", "add", PERIOD, "--start", "2026-10-01", "--end", "2026-12-31");
    OKR_OK(s, "team", "add", "Pots");
    OKR_PRINTS(s, "O1", "obj", "add", "Fresh", "--team", "Pots", "--period", PERIOD);
    OKR_PRINTS(s, "K1", "kr", "add", "O1", "Refund rate", "--from", "0.5", "--to", "0.2");
    struct json_object *o1 = OKR_JSON(s, "show", "O1");
    assert_score(o1, "score", "0.000000");
    assert_kr_score(o1, "K1", "0.000000");
    json_object_put(o1);
}

static void test_rollup_kr_is_weighted_mean_of_aligned_objectives(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    OKR_OK(s, "team", "add", "Company");
    OKR_PRINTS(s, "O2", "obj", "add", "The most trusted kitchen brand", "--team", "Company",
               "--period", PERIOD, "--committed");
    OKR_PRINTS(s, "K4", "kr", "add", "O2", "Two product lines reach trust targets", "--kind",
               "rollup");
    assert_node_score(s, "O2", "0.000000");          /* nothing aligned yet */

    OKR_OK(s, "obj", "align", "O1", "K4");
    struct json_object *o2 = OKR_JSON(s, "show", "O2");
    assert_kr_score(o2, "K4", "0.433333");           /* = O1 */
    assert_score(o2, "score", "0.433333");           /* = mean of its one KR */
    json_object_put(o2);

    /* a second KR on O2: the objective is the mean of both, half up */
    OKR_PRINTS(s, "K5\nO2 0.433333 -> 0.216667", "kr", "add", "O2", "Retail partners signed",
               "--from", "0", "--to", "10");   /* an add prints the scores it moved */
    assert_node_score(s, "O2", "0.216667");          /* 433333 / 2 = 216666.5 */
    OKR_OK(s, "checkin", "K5", "5");
    assert_node_score(s, "O2", "0.466667");          /* 933333 / 2 */

    /* a second product line at 1.0, aligned with weight 2 */
    OKR_OK(s, "team", "add", "Pans");
    OKR_PRINTS(s, "O3", "obj", "add", "Pan buyers trust us", "--team", "Pans", "--period",
               PERIOD);
    OKR_PRINTS(s, "K6", "kr", "add", "O3", "Five-star reviews", "--from", "0", "--to", "100");
    OKR_OK(s, "checkin", "K6", "100");
    OKR_OK(s, "obj", "align", "O3", "K4", "--weight", "2");
    o2 = OKR_JSON(s, "show", "O2");
    assert_kr_score(o2, "K4", "0.811111");           /* (433333 + 2000000) / 3 */
    assert_score(o2, "score", "0.655556");           /* (811111 + 500000) / 2 */
    const char *children = json_object_to_json_string(harness_json_find(o2, "children"));
    assert_non_null(strstr(children, "\"O1\""));
    assert_non_null(strstr(children, "\"O3\""));
    json_object_put(o2);

    struct json_object *o3 = OKR_JSON(s, "show", "O3");
    struct json_object *parent = harness_json_array_find(o3, "parents", "id", "K4");
    assert_non_null(parent);
    assert_int_equal(harness_json_int(parent, "weight"), 2);
    json_object_put(o3);
}

static void test_checkin_propagates_through_every_ancestor(void **state)
{
    struct harness_server *s = *state;
    build_company_rollup(s);
    assert_node_score(s, "O2", "0.655556");

    /* K1 reaches its target: K1 1.0, O1 0.6, K4 (600000+2000000)/3, O2 */
    struct json_object *c = OKR_JSON(s, "checkin", "K1", "0.2");
    assert_score_change(c, "K1", "0.500000", "1.000000");
    assert_score_change(c, "O1", "0.433333", "0.600000");
    assert_score_change(c, "K4", "0.811111", "0.866667");
    assert_score_change(c, "O2", "0.655556", "0.683334");   /* 1366667 / 2, half up */
    assert_null(harness_json_array_find(c, "scores", "node", "O3"));   /* not an ancestor */
    json_object_put(c);
    assert_node_score(s, "O2", "0.683334");
}

static void test_unaligning_and_archiving_remove_a_child_from_rollups(void **state)
{
    struct harness_server *s = *state;
    build_company_rollup(s);

    OKR_OK(s, "obj", "unalign", "O3", "K4");
    struct json_object *o2 = OKR_JSON(s, "show", "O2");
    assert_kr_score(o2, "K4", "0.433333");           /* O1 alone */
    assert_score(o2, "score", "0.466667");           /* (433333 + 500000) / 2 */
    json_object_put(o2);

    OKR_OK(s, "obj", "archive", "O1");               /* stops counting toward parents */
    o2 = OKR_JSON(s, "show", "O2");
    assert_kr_score(o2, "K4", "0.000000");
    assert_score(o2, "score", "0.250000");           /* (0 + 500000) / 2 */
    json_object_put(o2);
}

static void test_objective_without_krs_scores_mean_of_aligned_children(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    OKR_OK(s, "team", "add", "Company");
    OKR_PRINTS(s, "O2", "obj", "add", "Grow", "--team", "Company", "--period", PERIOD);
    OKR_PRINTS(s, "O3", "obj", "add", "Second line", "--team", "Company", "--period", PERIOD,
               "--align-to", "O2:3");
    assert_node_score(s, "O2", "0.000000");          /* O3 has no KRs: 0 */
    OKR_OK(s, "obj", "align", "O1", "O2");
    assert_node_score(s, "O2", "0.108333");          /* (433333 + 3 * 0) / 4 = 108333.25 */
}

/* ============================================================ durability */

static void test_state_survives_a_restart(void **state)
{
    struct harness_server *s = *state;
    build_company_rollup(s);
    struct snapshot before;
    take_snapshot(s, &before);

    assert_int_equal(harness_server_stop(s), 0);     /* SIGTERM: clean exit 0 */
    assert_int_equal(harness_server_restart(s), 0);

    assert_node_score(s, "O1", "0.433333");
    assert_node_score(s, "O2", "0.655556");
    assert_unchanged(s, &before);

    /* ids and seq continue where they were */
    uint64_t seq = harness_last_seq(s);
    OKR_PRINTS(s, "O4", "obj", "add", "After restart", "--team", "Pots", "--period", PERIOD);
    assert_int_equal(harness_last_seq(s), seq + 1);
}

static void test_acknowledged_checkin_survives_kill_9(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    OKR_OK(s, "checkin", "K2", "15");                /* the reply means it is durable */
    harness_server_kill(s);
    assert_int_equal(harness_server_restart(s), 0);
    assert_node_score(s, "O1", "0.633333");
    assert_int_equal(harness_server_stop(s), 0);

    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

static void test_verify_finds_no_difference_after_a_run(void **state)
{
    struct harness_server *s = *state;
    build_company_rollup(s);
    OKR_OK(s, "checkin", "K1", "0.2");
    OKR_OK(s, "obj", "unalign", "O3", "K4");
    OKR_OK(s, "obj", "align", "O3", "K4", "--weight", "5");
    OKR_OK(s, "kr", "delete", "K3");
    OKR_OK(s, "obj", "archive", "O3");
    assert_int_equal(harness_server_stop(s), 0);

    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* ============================================================ refusals */

static void test_unknown_id_is_refused_with_not_found(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    OKR_REFUSED(s, "NOT_FOUND", "show", "O99");
    OKR_REFUSED(s, "NOT_FOUND", "show", "K99");
    OKR_REFUSED(s, "NOT_FOUND", "checkin", "K99", "5");
    OKR_REFUSED(s, "NOT_FOUND", "kr", "add", "O99", "Orphan", "--from", "0", "--to", "1");
    OKR_REFUSED(s, "NOT_FOUND", "obj", "align", "O1", "O99");
    OKR_REFUSED(s, "NOT_FOUND", "obj", "align", "O99", "O1");
    OKR_REFUSED(s, "NOT_FOUND", "obj", "add", "No such team", "--team", "Nobody", "--period",
                PERIOD);
    OKR_REFUSED(s, "NOT_FOUND", "obj", "add", "No such period", "--team", "Pots", "--period",
                "1999-Q1");
    assert_unchanged(s, &before);
}

static void test_refusal_message_names_the_id(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct harness_result r;
    harness_okr(s, &r, "checkin", "K77", "5", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "K77"));
    harness_result_free(&r);
}

static void test_json_refusal_prints_an_error_object(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    harness_okr(s, &r, "--json", "show", "O42", NULL);
    harness_expect_exit(&r, 1);
    struct json_object *j = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(j, "error.code"), "NOT_FOUND");
    assert_true(strlen(harness_json_string(j, "error.message")) > 0);
    json_object_put(j);
    harness_result_free(&r);
}

static void test_alignment_cycle_is_refused_with_conflict(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    OKR_PRINTS(s, "O2", "obj", "add", "Parent", "--team", "Pots", "--period", PERIOD);
    OKR_PRINTS(s, "K4", "kr", "add", "O2", "Parent KR", "--kind", "rollup");
    OKR_PRINTS(s, "O3", "obj", "add", "Grandparent", "--team", "Pots", "--period", PERIOD);
    OKR_OK(s, "obj", "align", "O2", "O1");           /* O2 -> O1 */
    OKR_OK(s, "obj", "align", "O3", "O2");           /* O3 -> O2 -> O1 */
    struct snapshot before;
    take_snapshot(s, &before);

    OKR_REFUSED(s, "CONFLICT", "obj", "align", "O1", "O2");   /* two-node cycle */
    OKR_REFUSED(s, "CONFLICT", "obj", "align", "O1", "O3");   /* three-node cycle */
    OKR_REFUSED(s, "CONFLICT", "obj", "align", "O1", "K4");   /* through O2's KR */
    OKR_REFUSED(s, "", "obj", "align", "O1", "O1");           /* to itself */
    OKR_REFUSED(s, "", "obj", "align", "O1", "K1");           /* to its own KR */
    assert_unchanged(s, &before);
}

static void test_server_refuses_metric_kr_with_target_equal_to_start(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    Okr__Request req = OKR__REQUEST__INIT;
    Okr__KeyResultAdd add = OKR__KEY_RESULT_ADD__INIT;
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = "O1";
    kr.title = "Flat";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.has_start = kr.has_target = true;
    kr.start = kr.target = 5;
    add.kr = &kr;
    req.body_case = OKR__REQUEST__BODY_KR_ADD;
    req.kr_add = &add;
    assert_error(harness_request(s, &req), OKR__ERROR_CODE__INVALID_ARGUMENT,
                 "metric KR add with target == start");

    Okr__Request ereq = OKR__REQUEST__INIT;
    Okr__KeyResultEdit edit = OKR__KEY_RESULT_EDIT__INIT;
    edit.id = "K1";                       /* K1 runs 0.5 -> 0.2 */
    edit.has_target = true;
    edit.target = 0.5;
    ereq.body_case = OKR__REQUEST__BODY_KR_EDIT;
    ereq.kr_edit = &edit;
    assert_error(harness_request(s, &ereq), OKR__ERROR_CODE__INVALID_ARGUMENT,
                 "metric KR edit making target == start");
    assert_unchanged(s, &before);
}

static void test_okr_reports_target_equal_to_start_as_refused(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    /* the contract: exit 1 with INVALID_ARGUMENT, whether okr checks it
     * itself or leaves it to the server */
    OKR_REFUSED(s, "INVALID_ARGUMENT", "kr", "add", "O1", "Flat", "--from", "5", "--to", "5");
    OKR_REFUSED(s, "INVALID_ARGUMENT", "kr", "edit", "K1", "--to", "0.5");   /* == from */
    assert_unchanged(s, &before);
}

static void test_closed_period_refuses_checkins(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    OKR_OK(s, "period", "close", PERIOD);
    struct snapshot before;
    take_snapshot(s, &before);

    OKR_REFUSED(s, "PERIOD_CLOSED", "checkin", "K1", "0.3");
    assert_error(raw_checkin(s, "K1", true, 0.3, false, 0, NULL),
                 OKR__ERROR_CODE__PERIOD_CLOSED, "check-in in a closed period");
    OKR_REFUSED(s, "PERIOD_CLOSED", "kr", "add", "O1", "Late KR", "--from", "0", "--to", "1");
    assert_unchanged(s, &before);
    assert_node_score(s, "O1", "0.433333");          /* frozen */
}

/* ============================================================ usage and reachability */

static void test_bad_number_is_a_usage_error(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    OKR_USAGE_ERROR(s, "checkin", "K1", "nan");
    OKR_USAGE_ERROR(s, "checkin", "K1", "NaN");
    OKR_USAGE_ERROR(s, "checkin", "K1", "12abc");
    OKR_USAGE_ERROR(s, "checkin", "K1", "");
    OKR_USAGE_ERROR(s, "checkin", "K1", "0.3", "--confidence", "lots");
    OKR_USAGE_ERROR(s, "kr", "add", "O1", "Bad", "--from", "nan", "--to", "5");
    OKR_USAGE_ERROR(s, "obj", "align", "O1", "O1", "--weight", "heavy");
    assert_unchanged(s, &before);
}

static void test_missing_or_unknown_arguments_are_usage_errors(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    OKR_USAGE_ERROR(s, "checkin", "K1");
    OKR_USAGE_ERROR(s, "checkin");
    OKR_USAGE_ERROR(s, "obj", "add");
    OKR_USAGE_ERROR(s, "obj", "align", "O1");
    OKR_USAGE_ERROR(s, "show");
    OKR_USAGE_ERROR(s, "obj");
    OKR_USAGE_ERROR(s, "frobnicate");
    OKR_USAGE_ERROR(s, "checkin", "K1", "0.3", "--bogus");
    assert_unchanged(s, &before);
}

static void test_no_server_listening_exits_3_quickly(void **state)
{
    (void)state;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", unused_port());

    struct harness_result r;
    int64_t t0 = monotonic_ms();
    harness_okr_at(endpoint, &r, NULL, "--timeout", "300", "status", NULL);
    int64_t took = monotonic_ms() - t0;
    harness_expect_exit(&r, 3);
    assert_true(r.err_len > 0);
    harness_result_free(&r);
    if (took > 5000)
        fail_msg("okr took %lld ms to give up with --timeout 300", (long long)took);

    harness_okr_at(endpoint, &r, NULL, "--timeout", "300", "team", "add", "Pots", NULL);
    harness_expect_exit(&r, 3);
    harness_result_free(&r);
}

/* ============================================================ raw protocol */

static void test_malformed_frames_never_change_state(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    static const unsigned char garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34, 0x00,
                                            0x99, 0x88, 0x01};
    assert_int_equal(harness_send_raw(s, garbage, sizeof garbage, false), 0);
    assert_only_errors_then_status(s, "garbage frame");

    assert_int_equal(harness_send_raw(s, "", 0, false), 0);
    assert_only_errors_then_status(s, "empty frame");

    /* a length-delimited field that claims more bytes than the frame holds */
    static const unsigned char overrun[] = {0x08, 0x01, 0x10, 0x07, 0xa2, 0x02, 0x7f, 0x0a};
    assert_int_equal(harness_send_raw(s, overrun, sizeof overrun, false), 0);
    assert_only_errors_then_status(s, "truncated field");

    /* a well-formed check-in cut short by one byte */
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = 0.2;
    req.has_version = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.has_request_id = true;
    req.request_id = 77;
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    uint8_t buf[128];
    size_t len = okr__request__pack(&req, buf);
    assert_int_equal(harness_send_raw(s, buf, len - 1, false), 0);
    assert_only_errors_then_status(s, "truncated request");

    /* the same check-in as two frames of one message */
    assert_int_equal(harness_send_raw(s, buf, len, true), 0);
    assert_int_equal(harness_send_raw(s, buf, len, false), 0);
    assert_only_errors_then_status(s, "multi-part message");

    /* a request without a body */
    Okr__Request empty = OKR__REQUEST__INIT;
    empty.has_version = true;
    empty.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    empty.has_request_id = true;
    empty.request_id = 78;
    len = okr__request__pack(&empty, buf);
    assert_int_equal(harness_send_raw(s, buf, len, false), 0);
    assert_only_errors_then_status(s, "request without a body");

    assert_true(harness_server_alive(s));
    assert_unchanged(s, &before);
    assert_node_score(s, "O1", "0.433333");
}

static void test_unsupported_version_is_refused(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    uint64_t seq = harness_last_seq(s);

    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = 0.2;
    req.has_version = true;
    req.version = (Okr__ProtocolVersion)99;
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    assert_error(harness_request(s, &req), OKR__ERROR_CODE__UNSUPPORTED_VERSION,
                 "version 99");
    assert_int_equal(harness_last_seq(s), seq);
}

static void test_oversized_frame_is_dropped_and_server_keeps_serving(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    /* a well-formed ObjectiveAdd whose title makes the frame > 64 KiB */
    size_t n = OKR_MAX_REQUEST_FRAME + 1024;
    char *title = malloc(n + 1);
    assert_non_null(title);
    memset(title, 'x', n);
    title[n] = '\0';
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveAdd add = OKR__OBJECTIVE_ADD__INIT;
    Okr__Objective obj = OKR__OBJECTIVE__INIT;
    obj.title = title;
    obj.team = "Pots";
    obj.period = PERIOD;
    add.objective = &obj;
    req.has_version = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.has_request_id = true;
    req.request_id = 4242;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req.objective_add = &add;
    size_t len = okr__request__get_packed_size(&req);
    assert_true(len > OKR_MAX_REQUEST_FRAME);
    uint8_t *frame = malloc(len);
    assert_non_null(frame);
    okr__request__pack(&req, frame);
    assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    /* and raw bytes just over the limit */
    memset(frame, 0xab, OKR_MAX_REQUEST_FRAME + 1);
    assert_int_equal(harness_send_raw(s, frame, OKR_MAX_REQUEST_FRAME + 1, false), 0);
    free(frame);
    free(title);

    /* ZMQ_MAXMSGSIZE makes libzmq drop the connection; the DEALER reconnects,
     * so ask (idempotently) until the server answers again. */
    Okr__Request status = OKR__REQUEST__INIT;
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    status.body_case = OKR__REQUEST__BODY_STATUS;
    status.status = &get;
    Okr__Response *resp = harness_request_until_answered(s, &status, 300, 10000);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);

    assert_true(harness_server_alive(s));
    assert_unchanged(s, &before);
}

static void test_title_longer_than_limit_is_invalid(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    char title[OKR_MAX_TITLE + 2];
    memset(title, 't', sizeof title - 1);
    title[sizeof title - 1] = '\0';                 /* OKR_MAX_TITLE + 1 bytes */
    uint64_t seq = harness_last_seq(s);
    assert_error(raw_objective_add(s, title, "Pots", PERIOD),
                 OKR__ERROR_CODE__INVALID_ARGUMENT, "title of 201 bytes");
    assert_int_equal(harness_last_seq(s), seq);

    title[OKR_MAX_TITLE] = '\0';                    /* exactly the limit is fine */
    Okr__Response *resp = raw_objective_add(s, title, "Pots", PERIOD);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);
}

static void test_nan_and_out_of_range_checkins_are_invalid(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    const Okr__ErrorCode bad = OKR__ERROR_CODE__INVALID_ARGUMENT;
    assert_error(raw_checkin(s, "K1", true, NAN, false, 0, NULL), bad, "value NaN");
    assert_error(raw_checkin(s, "K1", true, -NAN, false, 0, NULL), bad, "value -NaN");
    assert_error(raw_checkin(s, "K1", true, INFINITY, false, 0, NULL), bad, "value +Inf");
    assert_error(raw_checkin(s, "K1", true, -INFINITY, false, 0, NULL), bad, "value -Inf");
    assert_error(raw_checkin(s, "K1", true, 1e16, false, 0, NULL), bad,
                 "value beyond OKR_MAX_ABS_VALUE");
    assert_error(raw_checkin(s, "K1", false, 0, false, 0, NULL), bad, "no value");
    assert_error(raw_checkin(s, "K1", true, 0.3, true, NAN, NULL), bad, "confidence NaN");
    assert_error(raw_checkin(s, "K1", true, 0.3, true, 1.5, NULL), bad, "confidence 1.5");
    assert_error(raw_checkin(s, "K1", true, 0.3, true, -0.1, NULL), bad, "confidence -0.1");
    assert_error(raw_checkin(s, "K1x", true, 0.3, false, 0, NULL), bad, "malformed KR id");

    assert_unchanged(s, &before);
    assert_node_score(s, "O1", "0.433333");
}

static void test_invalid_utf8_text_is_invalid(void **state)
{
    struct harness_server *s = *state;
    build_design_example(s);
    struct snapshot before;
    take_snapshot(s, &before);

    const Okr__ErrorCode bad = OKR__ERROR_CODE__INVALID_ARGUMENT;
    assert_error(raw_objective_add(s, "bad \xc3\x28 title", "Pots", PERIOD), bad,
                 "title with a broken sequence");
    assert_error(raw_objective_add(s, "overlong \xc0\xaf slash", "Pots", PERIOD), bad,
                 "title with an overlong");
    assert_error(raw_objective_add(s, "surrogate \xed\xa0\x80", "Pots", PERIOD), bad,
                 "title with a surrogate");
    assert_error(raw_objective_add(s, "cut \xe2\x82", "Pots", PERIOD), bad,
                 "title with a truncated sequence");
    assert_error(raw_checkin(s, "K1", true, 0.3, false, 0, "note \xff"), bad,
                 "note with a stray byte");
    assert_unchanged(s, &before);

    /* valid multi-byte text is fine */
    Okr__Response *resp = raw_objective_add(s, "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\xb3",
                                            "Pots", PERIOD);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);
}

/* ============================================================ script mode */

static bool names_line(const char *err, int line)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "line %d", line);
    snprintf(b, sizeof b, ":%d:", line);
    for (const char *p = strcasestr(err, a); p; p = strcasestr(p + 1, a))
        if (p[strlen(a)] < '0' || p[strlen(a)] > '9')
            return true;
    return strstr(err, b) != NULL;
}

static bool team_exists(struct harness_server *s, const char *name)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TeamList list = OKR__TEAM_LIST__INIT;
    req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
    req.team_list = &list;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_TEAMS);
    bool found = false;
    for (size_t i = 0; i < resp->teams->n_teams; i++)
        if (resp->teams->teams[i]->name && strcmp(resp->teams->teams[i]->name, name) == 0)
            found = true;
    okr__response__free_unpacked(resp, NULL);
    return found;
}

static void test_script_runs_every_line(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    harness_okr_stdin(s, &r,
                      "period add 2026-Q4 --start 2026-10-01 --end 2026-12-31\n"
                      "team add Pots\n"
                      "obj add Trust --team Pots --period 2026-Q4\n"
                      "kr add O1 Repeat --from 5 --to 15\n"
                      "checkin K1 9\n",
                      NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "O1\n"));
    assert_non_null(strstr(r.out, "K1\n"));
    harness_result_free(&r);
    assert_node_score(s, "O1", "0.400000");
}

static void test_script_stops_at_first_refused_line_and_names_it(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    harness_okr_stdin(s, &r,
                      "period add 2026-Q4 --start 2026-10-01 --end 2026-12-31\n"
                      "team add Pots\n"
                      "obj add Orphan --team Nobody --period 2026-Q4\n"
                      "team add Later\n",
                      NULL);
    harness_expect_exit(&r, 1);
    if (!names_line(r.err, 3))
        fail_msg("stderr does not name line 3:\n%s", r.err);
    harness_result_free(&r);
    assert_true(team_exists(s, "Pots"));             /* lines before it ran */
    assert_false(team_exists(s, "Later"));           /* lines after it did not */
}

static void test_script_usage_error_stops_and_names_its_line(void **state)
{
    struct harness_server *s = *state;
    struct harness_result r;
    harness_okr_stdin(s, &r,
                      "team add Pots\n"
                      "checkin K1 nan\n"
                      "team add Later\n",
                      NULL);
    harness_expect_exit(&r, 2);
    if (!names_line(r.err, 2))
        fail_msg("stderr does not name line 2:\n%s", r.err);
    harness_result_free(&r);
    assert_true(team_exists(s, "Pots"));
    assert_false(team_exists(s, "Later"));
}

/* ============================================================ main */

#define SERVER_TEST(f) cmocka_unit_test_setup_teardown(f, setup_server, teardown_server)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        SERVER_TEST(test_design_example_objective_scores_0_433333),
        SERVER_TEST(test_kr_scores_follow_the_latest_checkin),
        SERVER_TEST(test_kr_before_first_checkin_scores_zero),
        SERVER_TEST(test_rollup_kr_is_weighted_mean_of_aligned_objectives),
        SERVER_TEST(test_checkin_propagates_through_every_ancestor),
        SERVER_TEST(test_unaligning_and_archiving_remove_a_child_from_rollups),
        SERVER_TEST(test_objective_without_krs_scores_mean_of_aligned_children),
        SERVER_TEST(test_state_survives_a_restart),
        SERVER_TEST(test_acknowledged_checkin_survives_kill_9),
        SERVER_TEST(test_verify_finds_no_difference_after_a_run),
        SERVER_TEST(test_unknown_id_is_refused_with_not_found),
        SERVER_TEST(test_refusal_message_names_the_id),
        SERVER_TEST(test_json_refusal_prints_an_error_object),
        SERVER_TEST(test_alignment_cycle_is_refused_with_conflict),
        SERVER_TEST(test_server_refuses_metric_kr_with_target_equal_to_start),
        SERVER_TEST(test_okr_reports_target_equal_to_start_as_refused),
        SERVER_TEST(test_closed_period_refuses_checkins),
        SERVER_TEST(test_bad_number_is_a_usage_error),
        SERVER_TEST(test_missing_or_unknown_arguments_are_usage_errors),
        cmocka_unit_test(test_no_server_listening_exits_3_quickly),
        SERVER_TEST(test_malformed_frames_never_change_state),
        SERVER_TEST(test_unsupported_version_is_refused),
        SERVER_TEST(test_oversized_frame_is_dropped_and_server_keeps_serving),
        SERVER_TEST(test_title_longer_than_limit_is_invalid),
        SERVER_TEST(test_nan_and_out_of_range_checkins_are_invalid),
        SERVER_TEST(test_invalid_utf8_text_is_invalid),
        SERVER_TEST(test_script_runs_every_line),
        SERVER_TEST(test_script_stops_at_first_refused_line_and_names_it),
        SERVER_TEST(test_script_usage_error_stops_and_names_its_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
