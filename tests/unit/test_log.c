/* test_log.c — the audit log (LogGet, server/ops_log.c) through the real
 * handler: every filter (node, including a node only moved by roll-up;
 * user; since/until), paging with after_seq and next_seq, the limit and its
 * cap, the scan and reply-size bounds, the pruned head of the log, and the
 * refusal of bad arguments with a sentence naming the field. */
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

#define Q4 "2026-Q4"        /* contains the fixture's clock */

typedef fixture_env ctx;

static ctx *C(void **state) { return *state; }

/* ------------------------------------------------------------ requests */

static const char *error_text(const Okr__Response *r)
{
    return r && r->error && r->error->message ? r->error->message : "(no message)";
}

/* Run a change as `actor`; it must succeed. */
static void change(ctx *c, const char *actor, Okr__Request *req)
{
    Okr__Response *resp;
    c->f.actor = actor;
    if (fixture_do(&c->f, req, &resp) != OKR__ERROR_CODE__OK)
        fail_msg("change refused: %s", error_text(resp));
    arena_reset(&c->a);
}

static Okr__Request *req_rollup_kr(arena *a, const char *objective)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = "teams deliver";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__ROLLUP;
    return req_kr_add(a, &kr);
}

static Okr__Request *req_checkin_note(arena *a, const char *kr, double value, const char *note)
{
    Okr__Request *r = req_checkin(a, kr, value);
    r->checkin->note = arena_strdup(a, note);
    return r;
}

/* The filters of one LogGet; zero fields are "not given". */
typedef struct {
    const char *node, *user;
    bool has_since, has_until;
    int64_t since, until;
    uint64_t after;
    uint32_t limit;
} log_args;

static Okr__Request *req_log(arena *a, const log_args *in)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_LOG);
    Okr__LogGet *m = ARENA_NEW(a, Okr__LogGet, OKR__LOG_GET__INIT);
    m->node = in->node ? arena_strdup(a, in->node) : NULL;
    m->user = in->user ? arena_strdup(a, in->user) : NULL;
    m->has_since = in->has_since;
    m->since = in->since;
    m->has_until = in->has_until;
    m->until = in->until;
    m->has_after_seq = in->after != 0;
    m->after_seq = in->after;
    m->has_limit = in->limit != 0;
    m->limit = in->limit;
    r->log = m;
    return r;
}

/* A LogGet that must succeed; the reply lives until the next request. */
static Okr__LogReply *log_get(ctx *c, log_args in)
{
    Okr__Response *resp;
    if (fixture_do(&c->f, req_log(&c->a, &in), &resp) != OKR__ERROR_CODE__OK)
        fail_msg("log refused: %s", error_text(resp));
    arena_reset(&c->a);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_LOG);
    assert_true(resp->log->has_next_seq);
    return resp->log;
}

/* A LogGet that must be refused with INVALID_ARGUMENT naming `field`. */
static void log_refused(ctx *c, log_args in, const char *field)
{
    Okr__Response *resp;
    uint64_t seq = fixture_last_seq(&c->f);
    assert_int_equal(fixture_do(&c->f, req_log(&c->a, &in), &resp),
                     OKR__ERROR_CODE__INVALID_ARGUMENT);
    arena_reset(&c->a);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY__NOT_SET);
    const char *msg = error_text(resp);
    if (strncmp(msg, field, strlen(field)) != 0)
        fail_msg("\"%s\" does not start with the field \"%s\"", msg, field);
    assert_int_equal(fixture_last_seq(&c->f), seq);
}

static void assert_seqs(const Okr__LogReply *r, const uint64_t *want, size_t n)
{
    char got[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < r->n_events && used < sizeof got; i++)
        used += (size_t)snprintf(got + used, sizeof got - used, " %llu",
                                 (unsigned long long)r->events[i]->seq);
    if (r->n_events != n)
        fail_msg("%zu events (%s), wanted %zu", r->n_events, got, n);
    for (size_t i = 0; i < n; i++)
        if (r->events[i]->seq != want[i])
            fail_msg("event %zu is seq %llu, wanted %llu (got%s)", i,
                     (unsigned long long)r->events[i]->seq, (unsigned long long)want[i], got);
}

#define SEQS(...) ((const uint64_t[]){__VA_ARGS__})
#define NSEQS(...) (sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))
#define ASSERT_SEQS(r, ...) assert_seqs((r), SEQS(__VA_ARGS__), NSEQS(__VA_ARGS__))

static bool has_score(const Okr__Event *ev, const char *node)
{
    for (size_t i = 0; i < ev->n_scores; i++)
        if (strcmp(ev->scores[i]->node, node) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ the story */

/* Eight changes by three people:
 *   1 tester  period add 2026-Q4
 *   2 ana     obj add O1 "Company"
 *   3 ana     kr add K1 to O1 (roll-up)
 *   4 ana     obj add O2 "Team", aligned to K1
 *   5 bob     kr add K2 to O2 (metric 0 -> 100)
 *   6 bob     checkin K2 50   (moves K2, O2 and, by roll-up, K1 and O1)
 *   7 ana     checkin K2 80
 *   8 bob     obj add O3 "Other" */
static void story(ctx *c)
{
    const char *k1[] = {"K1"};
    change(c, "tester", req_period_add(&c->a, Q4, "2026-10-01", "2026-12-31"));
    change(c, "ana", req_objective_add(&c->a, "Company", Q4, 0, NULL, NULL));
    change(c, "ana", req_rollup_kr(&c->a, "O1"));
    change(c, "ana", req_objective_add(&c->a, "Team", Q4, 1, k1, NULL));
    change(c, "bob", req_kr_add_metric(&c->a, "O2", 0, 100, 0));
    change(c, "bob", req_checkin(&c->a, "K2", 50));
    change(c, "ana", req_checkin(&c->a, "K2", 80));
    change(c, "bob", req_objective_add(&c->a, "Other", Q4, 0, NULL, NULL));
    assert_int_equal(fixture_last_seq(&c->f), 8);
}

/* ------------------------------------------------------------ filters */

static void test_without_filters_every_event_comes_oldest_first(void **state)
{
    ctx *c = C(state);
    story(c);
    Okr__LogReply *r = log_get(c, (log_args){0});
    ASSERT_SEQS(r, 1, 2, 3, 4, 5, 6, 7, 8);
    assert_int_equal(r->next_seq, 0);                 /* the end of the log */
    assert_string_equal(r->events[5]->actor, "bob");
    assert_int_equal(r->events[5]->change->body_case, OKR__REQUEST__BODY_CHECKIN);
    assert_string_equal(r->events[5]->subject, "K2");
}

static void test_node_filter_finds_what_touched_the_node(void **state)
{
    ctx *c = C(state);
    story(c);
    ASSERT_SEQS(log_get(c, (log_args){.node = "K2"}), 5, 6, 7);
    ASSERT_SEQS(log_get(c, (log_args){.node = "O2"}), 4, 5, 6, 7);
    ASSERT_SEQS(log_get(c, (log_args){.node = "O3"}), 8);
    ASSERT_SEQS(log_get(c, (log_args){.node = "k2"}), 5, 6, 7);   /* any case */
    Okr__LogReply *none = log_get(c, (log_args){.node = "K99"});  /* never existed */
    assert_int_equal(none->n_events, 0);
    assert_int_equal(none->next_seq, 0);
}

/* The checkins on K2 name K2 as their subject; K1 and O1 are in them only
 * because the roll-up moved their scores. */
static void test_node_filter_finds_a_node_moved_only_by_rollup(void **state)
{
    ctx *c = C(state);
    story(c);
    Okr__LogReply *r = log_get(c, (log_args){.node = "K1"});
    ASSERT_SEQS(r, 3, 4, 6, 7);
    assert_string_equal(r->events[2]->subject, "K2");
    assert_true(has_score(r->events[2], "K1"));
    r = log_get(c, (log_args){.node = "O1"});
    ASSERT_SEQS(r, 2, 3, 6, 7);
    assert_string_equal(r->events[2]->subject, "K2");
    assert_true(has_score(r->events[2], "O1"));
}

/* A period's subject is its name: a period called O1 is not objective O1. */
static void test_a_name_that_looks_like_an_id_is_not_the_node(void **state)
{
    ctx *c = C(state);
    story(c);
    change(c, "tester", req_period_add(&c->a, "O3", "2027-01-01", "2027-03-31"));
    ASSERT_SEQS(log_get(c, (log_args){.node = "O3"}), 8);
}

static void test_user_filter_is_the_exact_actor(void **state)
{
    ctx *c = C(state);
    story(c);
    ASSERT_SEQS(log_get(c, (log_args){.user = "bob"}), 5, 6, 8);
    ASSERT_SEQS(log_get(c, (log_args){.user = "ana"}), 2, 3, 4, 7);
    assert_int_equal(log_get(c, (log_args){.user = "an"})->n_events, 0);
    assert_int_equal(log_get(c, (log_args){.user = "Bob"})->n_events, 0);
    ASSERT_SEQS(log_get(c, (log_args){.user = "bob", .node = "K2"}), 5, 6);
}

static void test_since_and_until_are_inclusive(void **state)
{
    ctx *c = C(state);
    story(c);
    Okr__LogReply *all = log_get(c, (log_args){0});
    int64_t t3 = all->events[2]->time, t6 = all->events[5]->time;
    assert_true(t3 < t6);
    ASSERT_SEQS(log_get(c, (log_args){.has_since = true, .since = t3, .has_until = true,
                                      .until = t6}), 3, 4, 5, 6);
    ASSERT_SEQS(log_get(c, (log_args){.has_since = true, .since = t3 + 1, .has_until = true,
                                      .until = t6 - 1}), 4, 5);
    ASSERT_SEQS(log_get(c, (log_args){.has_since = true, .since = t6}), 6, 7, 8);
    ASSERT_SEQS(log_get(c, (log_args){.has_until = true, .until = t3}), 1, 2, 3);
    ASSERT_SEQS(log_get(c, (log_args){.has_since = true, .since = t3, .has_until = true,
                                      .until = t3}), 3);
    ASSERT_SEQS(log_get(c, (log_args){.user = "ana", .has_since = true, .since = t3}),
                3, 4, 7);
}

/* ------------------------------------------------------------ paging */

static void test_limit_and_next_seq_page_through_the_log(void **state)
{
    ctx *c = C(state);
    story(c);
    Okr__LogReply *r = log_get(c, (log_args){.limit = 3});
    ASSERT_SEQS(r, 1, 2, 3);
    assert_int_equal(r->next_seq, 4);
    r = log_get(c, (log_args){.limit = 3, .after = 3});
    ASSERT_SEQS(r, 4, 5, 6);
    assert_int_equal(r->next_seq, 7);
    r = log_get(c, (log_args){.limit = 3, .after = 6});
    ASSERT_SEQS(r, 7, 8);
    assert_int_equal(r->next_seq, 0);
    /* Exactly the last event filling the limit is the end too. */
    r = log_get(c, (log_args){.limit = 2, .after = 6});
    ASSERT_SEQS(r, 7, 8);
    assert_int_equal(r->next_seq, 0);
    /* After the last event: nothing, and the end. */
    r = log_get(c, (log_args){.after = 8});
    assert_int_equal(r->n_events, 0);
    assert_int_equal(r->next_seq, 0);
}

/* With a filter, next_seq is the seq after the last match when the limit
 * stops the scan: the events skipped on the way are not read again. */
static void test_filtered_pages_continue_after_the_last_match(void **state)
{
    ctx *c = C(state);
    story(c);
    Okr__LogReply *r = log_get(c, (log_args){.node = "K1", .limit = 2});
    ASSERT_SEQS(r, 3, 4);
    assert_int_equal(r->next_seq, 5);
    r = log_get(c, (log_args){.node = "K1", .limit = 2, .after = r->next_seq - 1});
    ASSERT_SEQS(r, 6, 7);
    assert_int_equal(r->next_seq, 8);
    r = log_get(c, (log_args){.node = "K1", .limit = 2, .after = r->next_seq - 1});
    assert_int_equal(r->n_events, 0);
    assert_int_equal(r->next_seq, 0);
}

/* n more events in the log, by "bot": check-ins on K2 as okrd would log
 * them (one a second), written straight into the store in one transaction,
 * which keeps the tests fast (under a sanitizer too). The handler reads
 * the log, not how it got there. */
static void many_checkins(ctx *c, size_t n, const char *note)
{
    store_txn t;
    uint64_t seq = fixture_last_seq(&c->f);
    store_txn_begin(&t, &c->f.st, NULL, true, &c->f.mem);
    for (size_t i = 0; i < n; i++) {
        Okr__CheckInAdd in = OKR__CHECK_IN_ADD__INIT;
        Okr__Request change = OKR__REQUEST__INIT;
        Okr__Event ev = OKR__EVENT__INIT;
        char *nodes[] = {"K2"};
        /* a move deep in a graph: K2 and eleven ancestors */
        Okr__ScoreChange moves[12], *move_list[12];
        static char *const moved[12] = {"K2", "O2", "K1", "O1", "K90", "O90",
                                        "K91", "O91", "K92", "O92", "K93", "O93"};
        for (int k = 0; k < 12; k++) {
            okr__score_change__init(&moves[k]);
            moves[k].node = moved[k];
            moves[k].has_old_score = moves[k].has_new_score = true;
            moves[k].old_score = 400000;
            moves[k].new_score = 433333;
            move_list[k] = &moves[k];
        }
        uint8_t bytes[OKR_MAX_NOTE + 512];
        in.kr = "K2";
        in.has_value = true;
        in.value = (double)(i % 100);
        in.note = (char *)note;
        change.body_case = OKR__REQUEST__BODY_CHECKIN;
        change.checkin = &in;
        ev.has_seq = ev.has_time = true;
        ev.seq = ++seq;
        ev.time = c->f.now;
        c->f.now += 1000000;
        ev.actor = "bot";
        ev.subject = "K2";
        ev.change = &change;
        ev.n_nodes = 1;
        ev.nodes = nodes;
        ev.n_scores = note ? 12 : 0;
        ev.scores = move_list;
        assert_true(okr__event__get_packed_size(&ev) <= sizeof bytes);
        store_put_event(&t, seq, bytes, okr__event__pack(&ev, bytes));
    }
    assert_int_equal(store_txn_commit(&t), 0);
    arena_reset(&c->f.mem);
    c->f.last_seq = seq;
}

static void test_limit_defaults_to_100_and_is_capped_at_1000(void **state)
{
    ctx *c = C(state);
    story(c);
    many_checkins(c, 1200, NULL);                     /* seqs 9 .. 1208 */
    Okr__LogReply *r = log_get(c, (log_args){0});
    assert_int_equal(r->n_events, OKR_DEFAULT_LOG);
    assert_int_equal(r->next_seq, OKR_DEFAULT_LOG + 1);
    r = log_get(c, (log_args){.limit = 5000});
    assert_int_equal(r->n_events, OKR_MAX_LOG);
    assert_int_equal(r->events[OKR_MAX_LOG - 1]->seq, OKR_MAX_LOG);
    assert_int_equal(r->next_seq, OKR_MAX_LOG + 1);
    r = log_get(c, (log_args){.limit = UINT32_MAX, .after = 1000});
    assert_int_equal(r->n_events, 208);
    assert_int_equal(r->next_seq, 0);
}

/* A filter that matches nothing reads OKR_LOG_SCAN events, no more, and
 * says where to go on; the next page reaches the match beyond. */
static void test_scan_stops_after_a_bounded_number_of_events(void **state)
{
    ctx *c = C(state);
    story(c);
    many_checkins(c, OKR_LOG_SCAN + 100, NULL);
    change(c, "carol", req_checkin(&c->a, "K2", 1));
    uint64_t last = fixture_last_seq(&c->f);
    assert_int_equal(last, 8 + OKR_LOG_SCAN + 100 + 1);

    Okr__LogReply *r = log_get(c, (log_args){.user = "carol"});
    assert_int_equal(r->n_events, 0);
    assert_int_equal(r->next_seq, OKR_LOG_SCAN + 1);
    r = log_get(c, (log_args){.user = "carol", .after = r->next_seq - 1});
    ASSERT_SEQS(r, last);
    assert_int_equal(r->next_seq, 0);
}

static size_t packed_size(const Okr__Event *ev)
{
    return okr__event__get_packed_size(ev);
}

/* Events of about 1.2 KB each: a reply stops before its events pass
 * OKR_LOG_REPLY_BYTES, short of the limit, and the next page goes on
 * exactly where it stopped. */
static void test_reply_stops_at_its_byte_bound(void **state)
{
    ctx *c = C(state);
    char note[OKR_MAX_NOTE + 1];
    memset(note, 'n', OKR_MAX_NOTE);
    note[OKR_MAX_NOTE] = '\0';
    story(c);
    many_checkins(c, 1500, note);

    Okr__LogReply *r = log_get(c, (log_args){.user = "bot", .limit = OKR_MAX_LOG});
    size_t bytes = 0;
    for (size_t i = 0; i < r->n_events; i++)
        bytes += packed_size(r->events[i]);
    assert_true(r->n_events > 0 && r->n_events < OKR_MAX_LOG);
    assert_true(bytes <= OKR_LOG_REPLY_BYTES);
    uint64_t next = r->next_seq;
    assert_int_equal(next, r->events[r->n_events - 1]->seq + 1);
    r = log_get(c, (log_args){.user = "bot", .limit = 1, .after = next - 1});
    ASSERT_SEQS(r, next);
    assert_true(bytes + packed_size(r->events[0]) > OKR_LOG_REPLY_BYTES);
}

/* Retention pruned the head: the scan starts at the oldest event left. */
static void test_a_pruned_head_is_skipped(void **state)
{
    ctx *c = C(state);
    story(c);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, true, &c->f.mem);
    store_prune_events(&t, 5);
    assert_int_equal(store_txn_commit(&t), 0);
    Okr__LogReply *r = log_get(c, (log_args){.limit = 2});
    ASSERT_SEQS(r, 6, 7);
    assert_int_equal(r->next_seq, 8);
    ASSERT_SEQS(log_get(c, (log_args){.after = 2, .node = "K2"}), 6, 7);
}

/* ------------------------------------------------------------ refusals */

static void test_bad_arguments_are_refused_naming_the_field(void **state)
{
    ctx *c = C(state);
    story(c);
    log_refused(c, (log_args){.node = "X9"}, "node");
    log_refused(c, (log_args){.node = "O"}, "node");
    log_refused(c, (log_args){.node = "team Sales"}, "node");
    log_refused(c, (log_args){.user = " bob"}, "user");
    log_refused(c, (log_args){.user = "b\x01ob"}, "user");
    log_refused(c, (log_args){.has_since = true, .since = -1}, "since");
    log_refused(c, (log_args){.has_until = true, .until = -5}, "until");
    log_refused(c, (log_args){.has_since = true, .since = 20, .has_until = true, .until = 10},
                "since");
    log_refused(c, (log_args){.after = 9}, "after_seq");
}

static void test_a_viewer_may_read_the_log(void **state)
{
    ctx *c = C(state);
    story(c);
    c->f.role = OKR_ROLE_VIEWER;
    ASSERT_SEQS(log_get(c, (log_args){.user = "bob"}), 5, 6, 8);
}

/* The event carries what a line in words needs: the request as sent. */
static void test_events_carry_the_change_as_requested(void **state)
{
    ctx *c = C(state);
    story(c);
    change(c, "ana", req_checkin_note(&c->a, "K2", 90, "big deal"));
    Okr__LogReply *r = log_get(c, (log_args){.after = 8});
    ASSERT_SEQS(r, 9);
    const Okr__Event *ev = r->events[0];
    assert_string_equal(ev->actor, "ana");
    assert_string_equal(ev->subject, "K2");
    assert_int_equal(ev->change->body_case, OKR__REQUEST__BODY_CHECKIN);
    assert_true(ev->change->checkin->value == 90);
    assert_string_equal(ev->change->checkin->note, "big deal");
    assert_true(has_score(ev, "K2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_env_setup, fixture_env_teardown)
        T(test_without_filters_every_event_comes_oldest_first),
        T(test_node_filter_finds_what_touched_the_node),
        T(test_node_filter_finds_a_node_moved_only_by_rollup),
        T(test_a_name_that_looks_like_an_id_is_not_the_node),
        T(test_user_filter_is_the_exact_actor),
        T(test_since_and_until_are_inclusive),
        T(test_limit_and_next_seq_page_through_the_log),
        T(test_filtered_pages_continue_after_the_last_match),
        T(test_limit_defaults_to_100_and_is_capped_at_1000),
        T(test_scan_stops_after_a_bounded_number_of_events),
        T(test_reply_stops_at_its_byte_bound),
        T(test_a_pruned_head_is_skipped),
        T(test_bad_arguments_are_refused_naming_the_field),
        T(test_a_viewer_may_read_the_log),
        T(test_events_carry_the_change_as_requested),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
