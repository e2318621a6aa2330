/* test_checkin_corrections.c — check-in corrections through the real
 * handlers (server/ops_checkin.c) and store (store.c's corrections
 * section): a random run of check-ins now and backdated, edits (value and
 * time) and deletes keeps the KR record, its score and its ancestors'
 * exactly where a model of the remaining check-ins says, with `--verify`
 * (roll-up and integrity) clean after every step; a check-in whose event
 * retention pruned is still found by its seq; and integrity_check reports a
 * KR record that disagrees with its check-ins. */
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

#include "integrity.h"

#define PERIOD_START_US (INT64_C(1790812800) * 1000000)   /* 2026-10-01 00:00 UTC */
#define STEPS 150
#define MAX_LIVE STEPS

typedef fixture_env env;

/* Run req; it must succeed. Returns its Changed.seq (0 for a read). */
static uint64_t must(env *e, const Okr__Request *req)
{
    Okr__Response *resp;
    Okr__ErrorCode code = fixture_do(&e->f, req, &resp);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("refused (%d): %s", (int)code, resp->error ? resp->error->message : "");
    return resp->body_case == OKR__RESPONSE__BODY_CHANGED ? resp->changed->seq : 0;
}

/* O1 with the metric K1 0 -> 10, aligned to the roll-up K2 of O2. */
static void build(env *e)
{
    arena *a = &e->a;
    must(e, req_period_add(a, "2026-Q4", "2026-10-01", "2026-12-31"));
    must(e, req_objective_add(a, "Pots", "2026-Q4", 0, NULL, NULL));
    must(e, req_kr_add_metric(a, "O1", 0, 10, 0));
    must(e, req_objective_add(a, "Company", "2026-Q4", 0, NULL, NULL));
    Okr__KeyResult roll = OKR__KEY_RESULT__INIT;
    roll.objective = "O2";
    roll.title = "Lines";
    roll.has_kind = true;
    roll.kind = OKR__KR_KIND__ROLLUP;
    must(e, req_kr_add(a, &roll));
    must(e, req_align(a, "O1", "K2", 0));
}

static Okr__Request *checkin_at(arena *a, double value, bool has_at, int64_t at)
{
    Okr__Request *r = req_checkin(a, "K1", value);
    r->checkin->has_at = has_at;
    r->checkin->at = at;
    return r;
}

static Okr__Request *edit(arena *a, uint64_t seq, bool has_value, double value, bool has_at,
                          int64_t at)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_CHECKIN_EDIT);
    r->checkin_edit = ARENA_NEW(a, Okr__CheckInEdit, OKR__CHECK_IN_EDIT__INIT);
    r->checkin_edit->has_seq = true;
    r->checkin_edit->seq = seq;
    r->checkin_edit->has_value = has_value;
    r->checkin_edit->value = value;
    r->checkin_edit->has_at = has_at;
    r->checkin_edit->at = at;
    return r;
}

static Okr__Request *delete_checkin(arena *a, uint64_t seq)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_CHECKIN_DELETE);
    r->checkin_delete = ARENA_NEW(a, Okr__CheckInDelete, OKR__CHECK_IN_DELETE__INIT);
    r->checkin_delete->has_seq = true;
    r->checkin_delete->seq = seq;
    return r;
}

static const Okr__KeyResult *kr_record(env *e)
{
    Okr__Response *resp;
    assert_int_equal(fixture_do(&e->f, req_kr_get(&e->a, "K1"), &resp), OKR__ERROR_CODE__OK);
    return resp->kr->kr;
}

typedef struct {
    char text[8][512];
    size_t n;
} problems;

static void note_problem(void *ctx, const char *problem)
{
    problems *p = ctx;
    if (p->n < 8)
        snprintf(p->text[p->n], sizeof p->text[0], "%s", problem);
    p->n++;
}

static size_t integrity(env *e, problems *p)
{
    int rc = 0;
    memset(p, 0, sizeof *p);
    size_t n = integrity_check(&e->f.st, note_problem, p, &rc);
    assert_int_equal(rc, 0);
    return n;
}

/* ------------------------------------------------------------ the model */

typedef struct {
    uint64_t seq;
    int64_t time;
    int value;            /* 0..10: the score is value * 100000 exactly */
} live_checkin;

typedef struct {
    live_checkin c[MAX_LIVE];
    size_t n;
} model;

/* The newest by (time, seq), or NULL. */
static const live_checkin *newest(const model *m)
{
    const live_checkin *best = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (best == NULL || m->c[i].time > best->time ||
            (m->c[i].time == best->time && m->c[i].seq > best->seq))
            best = &m->c[i];
    return best;
}

static void expect_model(env *e, const model *m)
{
    problems p;
    const live_checkin *top = newest(m);
    const Okr__KeyResult *kr = kr_record(e);
    assert_int_equal(kr->checkins, m->n);
    assert_int_equal(kr->has_current, top != NULL);
    if (top) {
        assert_true(kr->current == top->value);
        assert_int_equal(kr->updated_at, top->time);
    }
    int64_t score = top ? top->value * 100000 : 0;
    assert_int_equal(fixture_score(&e->f, "K1"), score);
    assert_int_equal(fixture_score(&e->f, "O1"), score);
    assert_int_equal(fixture_score(&e->f, "K2"), score);
    assert_int_equal(fixture_score(&e->f, "O2"), score);
    assert_int_equal(fixture_verify(&e->f), 0);
    assert_int_equal(integrity(e, &p), 0);
}

/* A time in the period, not after the fixture's clock. */
static int64_t some_past(unsigned *rng)
{
    return PERIOD_START_US + (int64_t)(rand_r(rng) % 336) * 3600 * 1000000;   /* before 10-15 */
}

static void test_random_corrections_match_the_remaining_checkins(void **state)
{
    env *e = *state;
    model m = {0};
    unsigned rng = 20261201;
    build(e);
    for (int step = 0; step < STEPS; step++) {
        arena_reset(&e->a);
        int op = m.n == 0 ? 0 : rand_r(&rng) % 5;
        int value = rand_r(&rng) % 11;
        live_checkin *pick = m.n ? &m.c[rand_r(&rng) % m.n] : NULL;
        if (op <= 1) {                               /* add: now, or backdated */
            bool back = op == 1;
            int64_t at = back ? some_past(&rng) : 0;
            int64_t now = e->f.now;
            uint64_t seq = must(e, checkin_at(&e->a, value, back, at));
            m.c[m.n++] = (live_checkin){seq, back ? at : now, value};
        } else if (op == 2) {                        /* edit the value */
            must(e, edit(&e->a, pick->seq, true, value, false, 0));
            pick->value = value;
        } else if (op == 3) {                        /* move it in time */
            int64_t at = some_past(&rng);
            must(e, edit(&e->a, pick->seq, false, 0, true, at));
            pick->time = at;
        } else {                                     /* delete it */
            must(e, delete_checkin(&e->a, pick->seq));
            *pick = m.c[--m.n];
        }
        expect_model(e, &m);
    }
}

static void test_a_checkin_whose_event_was_pruned_is_still_found(void **state)
{
    env *e = *state;
    build(e);
    uint64_t seq = must(e, checkin_at(&e->a, 3, false, 0));
    must(e, checkin_at(&e->a, 4, true, PERIOD_START_US));
    store_txn t;
    store_txn_begin(&t, &e->f.st, NULL, true, &e->f.mem);
    store_prune_events(&t, fixture_last_seq(&e->f));
    assert_int_equal(store_txn_commit(&t), 0);

    must(e, edit(&e->a, seq, true, 7, false, 0));
    assert_int_equal(fixture_score(&e->f, "K1"), 700000);
    must(e, delete_checkin(&e->a, seq));
    assert_int_equal(fixture_score(&e->f, "K1"), 400000);   /* the backdated one is left */
    Okr__Response *resp;
    assert_int_equal(fixture_do(&e->f, delete_checkin(&e->a, seq), &resp),
                     OKR__ERROR_CODE__NOT_FOUND);
}

static void test_verify_reports_a_kr_that_disagrees_with_its_checkins(void **state)
{
    env *e = *state;
    problems p;
    build(e);
    must(e, checkin_at(&e->a, 3, false, 0));
    uint64_t last = must(e, checkin_at(&e->a, 5, false, 0));
    assert_int_equal(integrity(e, &p), 0);

    /* A check-in lost without the record following. */
    store_txn t;
    arena_reset(&e->f.mem);
    store_txn_begin(&t, &e->f.st, NULL, true, &e->f.mem);
    okr_node k1;
    assert_true(okr_id_parse("K1", &k1));
    okr_node owner = 0;
    Okr__CheckIn *c = store_get_checkin(&t, last, 0, &owner);
    assert_non_null(c);
    assert_true(c->value == 5);
    assert_int_equal(owner, k1);
    assert_null(store_get_checkin(&t, 1, 0, &owner));       /* the period add */
    store_del_checkin(&t, k1, c);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(integrity(e, &p), 1);
    assert_string_equal(p.text[0], "key result K1 says 2 check-ins; 1 are stored");

    /* The count put right but the value not. */
    arena_reset(&e->f.mem);
    store_txn_begin(&t, &e->f.st, NULL, true, &e->f.mem);
    Okr__KeyResult *kr = store_get_kr(&t, k1);
    kr->checkins = 1;
    store_put_kr(&t, k1, kr);
    assert_int_equal(store_txn_commit(&t), 0);
    assert_int_equal(integrity(e, &p), 1);
    char want[128];
    snprintf(want, sizeof want, "key result K1's current value is not its newest check-in's "
             "(seq %llu)", (unsigned long long)(last - 1));
    assert_string_equal(p.text[0], want);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_env_setup, fixture_env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_random_corrections_match_the_remaining_checkins),
        T(test_a_checkin_whose_event_was_pruned_is_still_found),
        T(test_verify_reports_a_kr_that_disagrees_with_its_checkins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
