/* test_rollup.c — scores and the alignment graph (DESIGN §2–3) through the
 * real request handlers: each request runs the way okrd runs it (a write
 * transaction, a nested one per request, dispatch_request, the child kept
 * only on success). Every test ends with rollup_verify finding no
 * difference between the incremental aggregates and a full recomputation,
 * and every refused request is checked to leave the store byte for byte as
 * it was. */
#include <math.h>
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

#include "score.h"

#define Q4 "2026-Q4"        /* contains the fixture's clock */
#define Q3 "2026-Q3"

typedef struct {
    fixture f;
    arena a;                /* requests under construction */
    Okr__Response *last;    /* response of the latest request */
} ctx;

typedef char node_id[OKR_ID_BUF];

static ctx *C(void **state) { return *state; }

/* ------------------------------------------------------------ running requests */

static Okr__ErrorCode run(ctx *c, Okr__Request *req)
{
    return fixture_do(&c->f, req, &c->last);
}

static const char *error_text(const Okr__Response *r)
{
    return r && r->error && r->error->message ? r->error->message : "(no message)";
}

/* Run a request that must succeed; copy the id it created or changed. */
static void ok(ctx *c, Okr__Request *req, char *id_out)
{
    Okr__ErrorCode code = run(c, req);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("request refused with %d: %s", (int)code, error_text(c->last));
    if (id_out) {
        assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY_CHANGED);
        assert_non_null(c->last->changed->id);
        snprintf(id_out, OKR_ID_BUF, "%s", c->last->changed->id);
    }
    arena_reset(&c->a);
}

/* Run a request that must be refused with `expected`, and check that it left
 * every database exactly as it was. Returns the error sentence (valid until
 * the next request). */
static const char *refused(ctx *c, Okr__Request *req, Okr__ErrorCode expected)
{
    size_t before_len, after_len;
    unsigned char *before = fixture_snapshot_all(&c->f, &before_len);
    uint64_t seq = c->f.last_seq;
    Okr__ErrorCode code = run(c, req);
    unsigned char *after = fixture_snapshot_all(&c->f, &after_len);
    bool unchanged = before_len == after_len && memcmp(before, after, before_len) == 0;
    free(before);
    free(after);
    if (code != expected)
        fail_msg("expected error %d, got %d: %s", (int)expected, (int)code, error_text(c->last));
    if (!unchanged)
        fail_msg("refused (%d: %s), yet the store changed", (int)code, error_text(c->last));
    assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY__NOT_SET);
    assert_non_null(c->last->error->message);
    assert_true(strlen(c->last->error->message) > 0);
    assert_int_equal(c->f.last_seq, seq);
    arena_reset(&c->a);
    return error_text(c->last);
}

static int64_t score(ctx *c, const char *id)
{
    int64_t s = fixture_score(&c->f, id);
    if (s < 0)
        fail_msg("%s has no aggregate", id);
    return s;
}

static void consistent(ctx *c)
{
    assert_int_equal(fixture_verify(&c->f), 0);
}

/* Weighted mean, round half up (DESIGN §3), for expected values. */
static int64_t wmean(int64_t sum_ws, int64_t sum_w) { return (sum_ws + sum_w / 2) / sum_w; }

/* ------------------------------------------------------------ building blocks */

static void add_period(ctx *c, const char *name, const char *start, const char *end)
{
    ok(c, req_period_add(&c->a, name, start, end), NULL);
}

static void objective(ctx *c, const char *period, char *id)
{
    ok(c, req_objective_add(&c->a, "an objective", period, 0, NULL, NULL), id);
}

/* A new objective aligned to parent with weight (0: default). */
static void child_objective(ctx *c, const char *parent, uint32_t weight, char *id)
{
    const char *parents[] = {parent};
    uint32_t weights[] = {weight};
    ok(c, req_objective_add(&c->a, "a child objective", Q4, 1, parents, weights), id);
}

static void metric(ctx *c, const char *objective_id, double start, double target,
                   uint32_t weight, char *id)
{
    ok(c, req_kr_add_metric(&c->a, objective_id, start, target, weight), id);
}

static void rollup_kr(ctx *c, const char *objective_id, uint32_t weight, char *id)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective_id;
    kr.title = "Two product lines reach trust targets";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__ROLLUP;
    kr.has_weight = weight != 0;
    kr.weight = weight;
    ok(c, req_kr_add(&c->a, &kr), id);
}

static void milestone(ctx *c, const char *objective_id, char *id)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective_id;
    kr.title = "Launch in Spain";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__MILESTONE;
    ok(c, req_kr_add(&c->a, &kr), id);
}

static void checkin(ctx *c, const char *kr, double value)
{
    ok(c, req_checkin(&c->a, kr, value), NULL);
}

static void align(ctx *c, const char *child, const char *parent, uint32_t weight)
{
    ok(c, req_align(&c->a, child, parent, weight), NULL);
}

/* An objective whose single metric KR (0 -> 100) has been checked in at
 * `value`, so both score value * 10000. */
static void leaf_objective(ctx *c, const char *parent, uint32_t weight, double value, char *id,
                           char *kr_id)
{
    node_id k;
    if (parent)
        child_objective(c, parent, weight, id);
    else
        objective(c, Q4, id);
    metric(c, id, 0, 100, 0, kr_id ? kr_id : k);
    checkin(c, kr_id ? kr_id : k, value);
}

/* ------------------------------------------------------------ fixture */

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL || fixture_open(&c->f, 0) != 0)
        return -1;
    arena_init(&c->a);
    *state = c;
    add_period(c, Q4, "2026-10-01", "2026-12-31");
    add_period(c, Q3, "2026-07-01", "2026-09-30");
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    size_t mismatches = fixture_verify(&c->f);   /* backstop: every test checks too */
    arena_free(&c->a);
    fixture_close(&c->f);
    free(c);
    return mismatches == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ leaf scores */

static void test_design_example_scores_exact_integers(void **state)
{
    ctx *c = C(state);
    node_id o, refund, repeat, awareness;
    objective(c, Q4, o);
    metric(c, o, 0.5, 0.2, 0, refund);        /* refund rate 0.5 % -> 0.2 % */
    metric(c, o, 5, 15, 0, repeat);           /* repeat purchases 5 -> 15 */
    metric(c, o, 10, 25, 0, awareness);       /* awareness 10 -> 25 */
    assert_int_equal(score(c, o), 0);         /* before any check-in, current = start */
    checkin(c, refund, 0.35);
    checkin(c, repeat, 9);
    checkin(c, awareness, 16);
    assert_int_equal(score(c, refund), 500000);
    assert_int_equal(score(c, repeat), 400000);
    assert_int_equal(score(c, awareness), 400000);
    assert_int_equal(score(c, o), 433333);
    consistent(c);
}

static void test_metric_overshoot_and_undershoot_clamp_for_rollup(void **state)
{
    ctx *c = C(state);
    node_id o, k1, k2;
    objective(c, Q4, o);
    metric(c, o, 10, 20, 0, k1);
    metric(c, o, 0.5, 0.2, 0, k2);
    checkin(c, k1, 35);                       /* 250 %: overshoot */
    checkin(c, k2, 0.9);                      /* moved the wrong way */
    assert_int_equal(score(c, k1), OKR_SCORE_ONE);
    assert_int_equal(score(c, k2), 0);
    assert_int_equal(score(c, o), 500000);

    /* Attainment keeps the overshoot for display. */
    run(c, req_kr_get(&c->a, k1));
    assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY_KR);
    assert_int_equal(c->last->kr->kr->score, OKR_SCORE_ONE);
    assert_int_equal(c->last->kr->kr->attainment, 2500000);
    arena_reset(&c->a);
    checkin(c, k1, -5);                       /* negative values are values too */
    assert_int_equal(score(c, k1), 0);
    assert_int_equal(score(c, o), 0);
    consistent(c);
}

static void test_threshold_kr_scores_one_on_the_right_side_inclusive(void **state)
{
    ctx *c = C(state);
    node_id o, churn, nps;
    objective(c, Q4, o);
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = o;
    kr.title = "Keep churn at or below 2 %";
    kr.has_kind = kr.has_target = kr.has_direction = kr.has_start = true;
    kr.kind = OKR__KR_KIND__THRESHOLD;
    kr.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    kr.target = 2;
    kr.start = 1.5;                           /* the initial value: on target already */
    ok(c, req_kr_add(&c->a, &kr), churn);
    assert_int_equal(score(c, churn), OKR_SCORE_ONE);
    checkin(c, churn, 2.5);
    assert_int_equal(score(c, churn), 0);
    checkin(c, churn, 2);                     /* the bound itself is on target */
    assert_int_equal(score(c, churn), OKR_SCORE_ONE);

    kr.title = "NPS at least 40";
    kr.direction = OKR__THRESHOLD_DIRECTION__AT_LEAST;
    kr.has_start = false;
    kr.target = 40;
    ok(c, req_kr_add(&c->a, &kr), nps);
    assert_int_equal(score(c, nps), 0);       /* no value yet */
    checkin(c, nps, 40);
    assert_int_equal(score(c, nps), OKR_SCORE_ONE);
    checkin(c, nps, 39.999);
    assert_int_equal(score(c, nps), 0);
    assert_int_equal(score(c, o), 500000);
    consistent(c);
}

/* proto: a threshold KR's start is its initial value. Before any check-in
 * that value is its current one, however the start was set: at creation, or
 * by an edit (of the start, or of the kind). */
static void test_threshold_without_checkins_scores_its_start_however_it_was_set(void **state)
{
    ctx *c = C(state);
    node_id o, created, edited_start, edited_kind;
    objective(c, Q4, o);
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = o;
    kr.title = "Keep churn at or below 2 %";
    kr.has_kind = kr.has_target = kr.has_direction = true;
    kr.kind = OKR__KR_KIND__THRESHOLD;
    kr.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    kr.target = 2;
    kr.has_start = true;
    kr.start = 1.5;
    ok(c, req_kr_add(&c->a, &kr), created);
    assert_int_equal(score(c, created), OKR_SCORE_ONE);

    kr.has_start = false;                     /* no initial value yet */
    ok(c, req_kr_add(&c->a, &kr), edited_start);
    assert_int_equal(score(c, edited_start), 0);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = edited_start;
    e.has_start = true;
    e.start = 1.5;
    ok(c, req_kr_edit(&c->a, &e), NULL);

    metric(c, o, 1.5, 0.5, 0, edited_kind);   /* a metric from 1.5, never checked in */
    Okr__KeyResultEdit k = OKR__KEY_RESULT_EDIT__INIT;
    k.id = edited_kind;
    k.has_kind = k.has_target = k.has_direction = true;
    k.kind = OKR__KR_KIND__THRESHOLD;
    k.target = 2;
    k.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    ok(c, req_kr_edit(&c->a, &k), NULL);

    /* The same definition, no check-ins: the same score. */
    char why[600] = "";
    size_t len = 0;
    if (score(c, edited_start) != score(c, created))
        len += (size_t)snprintf(why + len, sizeof why - len,
                                "threshold %s (start 1.5 set by an edit) scores %lld, %s (start "
                                "1.5 given at creation) %lld; ", edited_start,
                                (long long)score(c, edited_start), created,
                                (long long)score(c, created));
    if (score(c, edited_kind) != score(c, created))
        len += (size_t)snprintf(why + len, sizeof why - len,
                                "threshold %s (a metric from 1.5 turned threshold) scores %lld; ",
                                edited_kind, (long long)score(c, edited_kind));

    /* And correcting the initial value of a KR never checked in moves it. */
    e.id = created;
    e.start = 2.5;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    if (score(c, created) != 0)
        len += (size_t)snprintf(why + len, sizeof why - len,
                                "threshold %s (at most 2, never checked in) still scores %lld "
                                "after its start was corrected from 1.5 to 2.5", created,
                                (long long)score(c, created));
    consistent(c);
    if (len)
        fail_msg("%s", why);
}

/* DESIGN §3: "Before the first check-in, current = start" — whatever edits
 * happened before, a metric KR never checked in scores 0. */
static void test_metric_never_checked_in_scores_zero_after_any_edit(void **state)
{
    ctx *c = C(state);
    node_id o, plain, was_threshold;
    objective(c, Q4, o);
    metric(c, o, 5, 10, 0, plain);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = plain;
    e.has_start = true;
    e.start = 0;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, plain), 0);

    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;       /* threshold with initial value 5 */
    kr.objective = o;
    kr.title = "was a threshold";
    kr.has_kind = kr.has_target = kr.has_start = true;
    kr.kind = OKR__KR_KIND__THRESHOLD;
    kr.target = 8;
    kr.start = 5;
    ok(c, req_kr_add(&c->a, &kr), was_threshold);
    e.id = was_threshold;
    e.has_kind = e.has_target = true;                /* now a metric 5 -> 10 */
    e.kind = OKR__KR_KIND__METRIC;
    e.start = 5;
    e.target = 10;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, was_threshold), 0);
    e.has_kind = e.has_target = false;               /* baseline corrected to 0 */
    e.start = 0;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    if (score(c, was_threshold) != 0)
        fail_msg("metric %s (0 -> 10, never checked in; a threshold with initial value 5 "
                 "before) scores %lld: its old initial value 5 is taken as a check-in",
                 was_threshold, (long long)score(c, was_threshold));
    consistent(c);
}

static void test_milestone_takes_only_done_or_not_done(void **state)
{
    ctx *c = C(state);
    node_id o, m;
    objective(c, Q4, o);
    milestone(c, o, m);
    assert_int_equal(score(c, m), 0);
    refused(c, req_checkin(&c->a, m, 0.5), OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_checkin(&c->a, m, 2), OKR__ERROR_CODE__INVALID_ARGUMENT);
    checkin(c, m, 1);
    assert_int_equal(score(c, m), OKR_SCORE_ONE);
    assert_int_equal(score(c, o), OKR_SCORE_ONE);
    checkin(c, m, 0);
    assert_int_equal(score(c, m), 0);
    consistent(c);
}

static void test_milestone_checkin_carries_its_likelihood(void **state)
{
    ctx *c = C(state);
    node_id o, m;
    objective(c, Q4, o);
    milestone(c, o, m);
    Okr__Request *r = req_checkin(&c->a, m, 0);
    r->checkin->has_confidence = true;
    r->checkin->confidence = 0.8;
    ok(c, r, NULL);
    run(c, req_kr_get(&c->a, m));
    assert_true(c->last->kr->kr->has_confidence && c->last->kr->kr->confidence == 0.8);
    arena_reset(&c->a);
    r = req_checkin(&c->a, m, 0);
    r->checkin->has_confidence = true;
    r->checkin->confidence = 1.5;
    refused(c, r, OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ------------------------------------------------------------ roll-up */

static void test_rollup_kr_scores_the_objective_aligned_to_it(void **state)
{
    ctx *c = C(state);
    node_id company, trust, revenue, o1, o1kr;
    objective(c, Q4, company);
    rollup_kr(c, company, 0, trust);
    metric(c, company, 0, 10, 0, revenue);
    child_objective(c, trust, 0, o1);
    metric(c, o1, 0, 100, 0, o1kr);
    checkin(c, o1kr, 60);
    checkin(c, revenue, 3);
    assert_int_equal(score(c, o1), 600000);
    assert_int_equal(score(c, trust), score(c, o1));
    assert_int_equal(score(c, company), wmean(600000 + 300000, 2));

    /* A check-in far below moves every ancestor. */
    ok(c, req_checkin(&c->a, o1kr, 25), NULL);
    assert_int_equal(score(c, trust), 250000);
    assert_int_equal(score(c, company), wmean(250000 + 300000, 2));
    consistent(c);
}

static void test_rollup_kr_weights_its_children_by_alignment_weight(void **state)
{
    ctx *c = C(state);
    node_id company, trust, a, b, ka, kb;
    objective(c, Q4, company);
    rollup_kr(c, company, 0, trust);
    leaf_objective(c, trust, 1, 90, a, ka);
    leaf_objective(c, trust, 3, 20, b, kb);
    assert_int_equal(score(c, trust), wmean(1 * 900000 + 3 * 200000, 4));   /* 375000 */
    assert_int_equal(score(c, trust), 375000);
    assert_int_equal(score(c, company), 375000);
    checkin(c, kb, 21);                     /* 3 * 10000 more: +7500 exactly */
    assert_int_equal(score(c, trust), 382500);
    checkin(c, ka, 33.3334);
    assert_int_equal(score(c, ka), 333334);
    assert_int_equal(score(c, trust), wmean(333334 + 3 * 210000, 4));
    consistent(c);
}

static void test_objective_without_krs_averages_its_child_objectives(void **state)
{
    ctx *c = C(state);
    node_id top, a, b, ka, kb, k;
    objective(c, Q4, top);
    leaf_objective(c, top, 2, 50, a, ka);
    leaf_objective(c, top, 1, 80, b, kb);
    assert_int_equal(score(c, top), wmean(2 * 500000 + 800000, 3));   /* 600000 */
    /* Its first KR takes over; the children no longer count. */
    metric(c, top, 0, 4, 0, k);
    assert_int_equal(score(c, top), 0);
    checkin(c, k, 1);
    assert_int_equal(score(c, top), 250000);
    checkin(c, ka, 0);
    assert_int_equal(score(c, top), 250000);
    /* Deleting that KR hands the score back to the children. */
    ok(c, req_kr_delete(&c->a, k), NULL);
    assert_int_equal(score(c, top), wmean(0 + 800000, 3));
    consistent(c);
}

static void test_objective_with_nothing_below_scores_zero(void **state)
{
    ctx *c = C(state);
    node_id o, r, k;
    objective(c, Q4, o);
    assert_int_equal(score(c, o), 0);
    rollup_kr(c, o, 0, r);
    assert_int_equal(score(c, r), 0);         /* a roll-up KR with no children */
    assert_int_equal(score(c, o), 0);
    metric(c, o, 0, 1, 0, k);
    checkin(c, k, 1);
    assert_int_equal(score(c, o), 500000);
    consistent(c);
}

static void test_kr_weights_weight_the_objective_mean(void **state)
{
    ctx *c = C(state);
    node_id o, k1, k2;
    objective(c, Q4, o);
    metric(c, o, 0, 3, 1, k1);
    metric(c, o, 0, 3, 2, k2);
    checkin(c, k1, 1);                        /* 333333 */
    checkin(c, k2, 2);                        /* 666667 */
    assert_int_equal(score(c, k1), 333333);
    assert_int_equal(score(c, k2), 666667);
    assert_int_equal(score(c, o), wmean(333333 + 2 * 666667, 3));   /* 555556 */
    assert_int_equal(score(c, o), 555556);
    consistent(c);
}

static void test_diamond_with_a_shared_ancestor_gives_the_from_scratch_value(void **state)
{
    ctx *c = C(state);
    /*        A
     *      /   \      A has no KRs: mean of B (w 1) and C (w 2)
     *     B     C     B: mean of D (w 1) and E (w 2); C: mean of D (w 3) and F (w 1)
     *    / \   / \
     *   E   D     F   D is shared by B and C */
    node_id a, b, cc, d, e, fnode, kd, ke, kf;
    objective(c, Q4, a);
    child_objective(c, a, 1, b);
    child_objective(c, a, 2, cc);
    leaf_objective(c, b, 2, 30, e, ke);
    leaf_objective(c, cc, 1, 70, fnode, kf);
    leaf_objective(c, b, 1, 10, d, kd);
    align(c, d, cc, 3);

    int64_t vd = 100000, ve = 300000, vf = 700000;
    int64_t vb = wmean(vd + 2 * ve, 3), vc = wmean(3 * vd + vf, 4);
    assert_int_equal(score(c, b), vb);
    assert_int_equal(score(c, cc), vc);
    assert_int_equal(score(c, a), wmean(vb + 2 * vc, 3));

    /* One check-in on the shared node reaches A along both paths. */
    checkin(c, kd, 77.7777);
    vd = 777777;
    vb = wmean(vd + 2 * ve, 3);
    vc = wmean(3 * vd + vf, 4);
    assert_int_equal(score(c, d), vd);
    assert_int_equal(score(c, b), vb);
    assert_int_equal(score(c, cc), vc);
    assert_int_equal(score(c, a), wmean(vb + 2 * vc, 3));
    (void)e;
    consistent(c);
}

static void test_changed_reply_lists_every_score_that_moved_with_the_next_seq(void **state)
{
    ctx *c = C(state);
    node_id top, mid, k, other;
    objective(c, Q4, top);
    child_objective(c, top, 0, mid);
    metric(c, mid, 0, 10, 0, k);
    leaf_objective(c, NULL, 0, 0, other, NULL);
    uint64_t seq = c->f.last_seq;
    assert_int_equal(fixture_last_seq(&c->f), seq);
    assert_int_equal(run(c, req_checkin(&c->a, k, 5)), OKR__ERROR_CODE__OK);
    Okr__Changed *ch = c->last->changed;
    assert_string_equal(ch->id, k);
    assert_int_equal(ch->seq, seq + 1);
    assert_int_equal(ch->n_scores, 3);
    const char *expect[] = {k, mid, top};
    for (size_t i = 0; i < 3; i++) {
        bool found = false;
        for (size_t j = 0; j < ch->n_scores; j++) {
            if (strcmp(ch->scores[j]->node, expect[i]) == 0) {
                found = true;
                assert_int_equal(ch->scores[j]->old_score, 0);
                assert_int_equal(ch->scores[j]->new_score, 500000);
            }
        }
        assert_true(found);
    }
    arena_reset(&c->a);
    /* Same value again: a new event, but no score moved. */
    assert_int_equal(run(c, req_checkin(&c->a, k, 5)), OKR__ERROR_CODE__OK);
    assert_int_equal(c->last->changed->seq, seq + 2);
    assert_int_equal(c->last->changed->n_scores, 0);
    assert_int_equal(fixture_last_seq(&c->f), seq + 2);
    arena_reset(&c->a);
    consistent(c);
}

/* ------------------------------------------------------------ alignment rules */

static void test_self_alignment_is_a_cycle_and_refused(void **state)
{
    ctx *c = C(state);
    node_id o;
    leaf_objective(c, NULL, 0, 40, o, NULL);
    const char *msg = refused(c, req_align(&c->a, o, o, 1), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(msg, "cycle"));
    consistent(c);
}

static void test_aligning_to_its_own_kr_is_a_cycle_and_refused(void **state)
{
    ctx *c = C(state);
    node_id o, k, r;
    leaf_objective(c, NULL, 0, 40, o, k);
    rollup_kr(c, o, 0, r);
    /* Its metric KR is refused first for being a leaf (DESIGN §3). */
    refused(c, req_align(&c->a, o, k, 1), OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_align(&c->a, o, r, 1), OKR__ERROR_CODE__CONFLICT);
    consistent(c);
}

static void test_a_longer_cycle_is_refused_and_changes_nothing(void **state)
{
    ctx *c = C(state);
    node_id o1, o2, o3, o4, r3, k1;
    leaf_objective(c, NULL, 0, 10, o1, k1);
    child_objective(c, o1, 2, o2);
    child_objective(c, o2, 3, o3);
    rollup_kr(c, o3, 0, r3);
    child_objective(c, r3, 0, o4);
    /* o1 <- o2 <- o3 <- r3 <- o4: o1 may not go under any of them. */
    refused(c, req_align(&c->a, o1, o3, 1), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_align(&c->a, o1, o2, 1), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_align(&c->a, o1, r3, 5), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_align(&c->a, o1, o4, 1), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_align(&c->a, o2, o4, 1), OKR__ERROR_CODE__CONFLICT);
    /* Across a second path too (a DAG, not a tree). */
    align(c, o4, o1, 1);
    refused(c, req_align(&c->a, o1, o4, 1), OKR__ERROR_CODE__CONFLICT);
    /* Going sideways or further down is fine. */
    node_id side;
    objective(c, Q4, side);
    align(c, o4, side, 1);
    align(c, side, o1, 1);
    consistent(c);
}

static void test_alignment_to_an_unknown_node_is_not_found(void **state)
{
    ctx *c = C(state);
    node_id o;
    objective(c, Q4, o);
    const char *msg = refused(c, req_align(&c->a, o, "O99", 1), OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(msg, "O99"));
    msg = refused(c, req_align(&c->a, o, "K99", 1), OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(msg, "K99"));
    refused(c, req_align(&c->a, "O98", o, 1), OKR__ERROR_CODE__NOT_FOUND);
    refused(c, req_align(&c->a, o, "X1", 1), OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_align(&c->a, "K1", o, 1), OKR__ERROR_CODE__INVALID_ARGUMENT);
    const char *parents[] = {o, "K77"};
    refused(c, req_objective_add(&c->a, "new", Q4, 2, parents, NULL),
            OKR__ERROR_CODE__NOT_FOUND);
    consistent(c);
}

static void test_alignment_weight_must_be_1_to_1000(void **state)
{
    ctx *c = C(state);
    node_id p, o;
    objective(c, Q4, p);
    objective(c, Q4, o);
    Okr__Request *r = req_align(&c->a, o, p, 0);
    r->align->alignment->has_weight = true;     /* an explicit 0 */
    refused(c, r, OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_align(&c->a, o, p, 1001), OKR__ERROR_CODE__INVALID_ARGUMENT);
    align(c, o, p, 1000);
    consistent(c);
}

static void test_aligning_again_changes_the_weight(void **state)
{
    ctx *c = C(state);
    node_id top, a, b;
    objective(c, Q4, top);
    leaf_objective(c, top, 1, 100, a, NULL);
    leaf_objective(c, top, 1, 0, b, NULL);
    assert_int_equal(score(c, top), 500000);
    align(c, b, top, 3);
    uint32_t w = 0;
    assert_true(fixture_edge(&c->f, b, top, &w));
    assert_int_equal(w, 3);
    assert_int_equal(score(c, top), 250000);
    align(c, a, top, 5);
    assert_int_equal(score(c, top), 625000);
    consistent(c);
}

static void test_unalign_withdraws_the_child_and_unknown_link_is_not_found(void **state)
{
    ctx *c = C(state);
    node_id top, a, b;
    objective(c, Q4, top);
    leaf_objective(c, top, 1, 100, a, NULL);
    leaf_objective(c, top, 1, 20, b, NULL);
    assert_int_equal(score(c, top), 600000);
    ok(c, req_unalign(&c->a, b, top), NULL);
    assert_false(fixture_edge(&c->f, b, top, NULL));
    assert_int_equal(score(c, top), OKR_SCORE_ONE);
    refused(c, req_unalign(&c->a, b, top), OKR__ERROR_CODE__NOT_FOUND);
    refused(c, req_unalign(&c->a, top, a), OKR__ERROR_CODE__NOT_FOUND);
    ok(c, req_unalign(&c->a, a, top), NULL);
    assert_int_equal(score(c, top), 0);
    consistent(c);
}

static void test_objective_add_aligns_to_every_parent_given(void **state)
{
    ctx *c = C(state);
    node_id p1, p2, r, o, k;
    leaf_objective(c, NULL, 0, 100, p1, NULL);   /* has a KR: children do not count */
    objective(c, Q4, p2);
    rollup_kr(c, p1, 0, r);
    const char *parents[] = {p2, r};
    uint32_t weights[] = {4, 0};
    ok(c, req_objective_add(&c->a, "two parents", Q4, 2, parents, weights), o);
    uint32_t w = 0;
    assert_true(fixture_edge(&c->f, o, p2, &w));
    assert_int_equal(w, 4);
    assert_true(fixture_edge(&c->f, o, r, &w));
    assert_int_equal(w, 1);
    metric(c, o, 0, 10, 0, k);
    checkin(c, k, 8);
    assert_int_equal(score(c, p2), 800000);
    assert_int_equal(score(c, r), 800000);
    assert_int_equal(score(c, p1), wmean(OKR_SCORE_ONE + 800000, 2));
    const char *twice[] = {p2, p2};
    refused(c, req_objective_add(&c->a, "dup", Q4, 2, twice, NULL),
            OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ------------------------------------------------------------ value validation */

static void test_metric_with_target_equal_to_start_is_invalid(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    refused(c, req_kr_add_metric(&c->a, o, 5, 5, 0), OKR__ERROR_CODE__INVALID_ARGUMENT);
    metric(c, o, 5, 6, 0, k);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_target = true;
    e.target = 5;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

static void test_nan_and_infinite_values_are_invalid(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    checkin(c, k, 4);
    const double bad[] = {NAN, INFINITY, -INFINITY, 1e16, -2e15};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused(c, req_checkin(&c->a, k, bad[i]), OKR__ERROR_CODE__INVALID_ARGUMENT);
        refused(c, req_kr_add_metric(&c->a, o, bad[i], 10, 0), OKR__ERROR_CODE__INVALID_ARGUMENT);
        refused(c, req_kr_add_metric(&c->a, o, 0, bad[i], 0), OKR__ERROR_CODE__INVALID_ARGUMENT);
        Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
        e.id = k;
        e.has_start = true;
        e.start = bad[i];
        refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    }
    Okr__Request *r = req_checkin(&c->a, k, 0);
    r->checkin->has_value = false;
    refused(c, r, OKR__ERROR_CODE__INVALID_ARGUMENT);
    checkin(c, k, 1e15);                      /* the bound itself is allowed */
    assert_int_equal(score(c, k), OKR_SCORE_ONE);
    assert_int_equal(score(c, o), OKR_SCORE_ONE);
    consistent(c);
}

static void test_checkin_on_a_rollup_kr_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o, r;
    objective(c, Q4, o);
    rollup_kr(c, o, 0, r);
    const char *msg = refused(c, req_checkin(&c->a, r, 1), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(msg, r));
    refused(c, req_checkin(&c->a, o, 1), OKR__ERROR_CODE__INVALID_ARGUMENT);   /* not a KR */
    refused(c, req_checkin(&c->a, "K999", 1), OKR__ERROR_CODE__NOT_FOUND);
    consistent(c);
}

static void test_kr_weight_must_be_1_to_1000(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    Okr__Request *r = req_kr_add_metric(&c->a, o, 0, 1, 0);
    r->kr_add->kr->has_weight = true;
    refused(c, r, OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_kr_add_metric(&c->a, o, 0, 1, 1001), OKR__ERROR_CODE__INVALID_ARGUMENT);
    metric(c, o, 0, 1, 1000, k);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_weight = true;
    e.weight = 0;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ------------------------------------------------------------ edits */

static void test_kr_weight_change_reweights_the_objective(void **state)
{
    ctx *c = C(state);
    node_id parent, o, k1, k2;
    objective(c, Q4, parent);
    child_objective(c, parent, 0, o);
    metric(c, o, 0, 10, 0, k1);
    metric(c, o, 0, 10, 0, k2);
    checkin(c, k1, 10);
    assert_int_equal(score(c, o), 500000);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k2;
    e.has_weight = true;
    e.weight = 4;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    uint32_t w = 0;
    assert_true(fixture_edge(&c->f, k2, o, &w));
    assert_int_equal(w, 4);
    assert_int_equal(score(c, o), 200000);
    assert_int_equal(score(c, parent), 200000);
    run(c, req_kr_get(&c->a, k2));
    assert_int_equal(c->last->kr->kr->weight, 4);
    arena_reset(&c->a);
    consistent(c);
}

static void test_editing_metric_values_rescores_from_the_current_value(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    checkin(c, k, 5);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_target = true;
    e.target = 20;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), 250000);
    assert_int_equal(score(c, o), 250000);
    e.has_target = false;
    e.has_start = true;
    e.start = 10;                              /* 5 is now below the baseline */
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), 0);
    consistent(c);
}

/* A roll-up KR with objectives aligned to it stays a roll-up until they are
 * unaligned; back to a metric it needs its values, then scores its own
 * check-ins; and once checked in its kind is fixed. */
static void test_kind_change_rollup_to_metric_and_back(void **state)
{
    ctx *c = C(state);
    node_id top, k, child, ck;
    objective(c, Q4, top);
    rollup_kr(c, top, 0, k);
    leaf_objective(c, k, 0, 90, child, ck);
    assert_int_equal(score(c, k), 900000);
    assert_int_equal(score(c, top), 900000);
    refused(c, req_checkin(&c->a, k, 4), OKR__ERROR_CODE__INVALID_ARGUMENT);

    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_kind = e.has_start = e.has_target = true;
    e.kind = OKR__KR_KIND__METRIC;
    e.start = 0;
    e.target = 4;
    char want[200];
    snprintf(want, sizeof want, "objectives are aligned to %s (%s first): only roll-up key "
             "results take aligned objectives; unalign them first", k, child);
    assert_string_equal(refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__CONFLICT), want);
    ok(c, req_unalign(&c->a, child, k), NULL);
    assert_int_equal(score(c, top), 0);

    e.has_target = false;                       /* a metric needs its target */
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    e.has_target = true;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), 0);           /* never checked in: at its start */
    checkin(c, k, 3);
    assert_int_equal(score(c, k), 750000);
    assert_int_equal(score(c, top), 750000);

    Okr__KeyResultEdit back = OKR__KEY_RESULT_EDIT__INIT;
    back.id = k;
    back.has_kind = true;
    back.kind = OKR__KR_KIND__ROLLUP;
    refused(c, req_kr_edit(&c->a, &back), OKR__ERROR_CODE__CONFLICT);
    assert_int_equal(score(c, top), 750000);
    consistent(c);
}

/* Without check-ins a KR may change kind; the start (the value until the
 * first check-in) stays, the target and direction come with the change. */
static void test_kind_change_to_threshold_and_milestone_before_checkins(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 10, 20, 0, k);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_kind = true;
    e.kind = OKR__KR_KIND__THRESHOLD;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);   /* no bound */
    e.has_target = true;
    e.target = 12;                               /* at least 12: the start 10 is below */
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), 0);
    e.has_direction = true;
    e.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), OKR_SCORE_ONE);
    e.has_target = e.has_direction = false;
    e.kind = OKR__KR_KIND__MILESTONE;
    ok(c, req_kr_edit(&c->a, &e), NULL);
    assert_int_equal(score(c, k), 0);
    checkin(c, k, 1);
    assert_int_equal(score(c, o), OKR_SCORE_ONE);
    e.kind = (Okr__KrKind)9;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ------------------------------------------------------------ archive and delete */

static void test_archive_removes_an_objective_from_its_parents_and_restore_returns_it(void **state)
{
    ctx *c = C(state);
    node_id top, r, a, b, ka, kb;
    objective(c, Q4, top);
    rollup_kr(c, top, 0, r);
    leaf_objective(c, r, 1, 100, a, ka);
    leaf_objective(c, r, 1, 0, b, kb);
    align(c, b, top, 2);                 /* b also counts under top's roll-up KR only */
    assert_int_equal(score(c, r), 500000);
    assert_int_equal(score(c, top), 500000);

    ok(c, req_archive(&c->a, b, false), NULL);
    assert_int_equal(score(c, r), OKR_SCORE_ONE);
    assert_int_equal(score(c, top), OKR_SCORE_ONE);
    assert_true(fixture_edge(&c->f, b, r, NULL));    /* links are kept */
    refused(c, req_archive(&c->a, b, false), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_checkin(&c->a, kb, 5), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_align(&c->a, b, a, 1), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_kr_add_metric(&c->a, b, 0, 1, 0), OKR__ERROR_CODE__CONFLICT);
    consistent(c);

    /* Restored, b counts again and its check-ins reach the roll-up. */
    ok(c, req_archive(&c->a, b, true), NULL);
    assert_int_equal(score(c, r), 500000);
    checkin(c, kb, 60);
    assert_int_equal(score(c, r), 800000);
    refused(c, req_archive(&c->a, b, true), OKR__ERROR_CODE__CONFLICT);
    consistent(c);
}

static void test_archived_child_score_change_reaches_parents_on_restore(void **state)
{
    ctx *c = C(state);
    node_id top, mid, leaf, kl;
    objective(c, Q4, top);
    child_objective(c, top, 0, mid);          /* mid has no KRs: mean of its children */
    leaf_objective(c, mid, 0, 40, leaf, kl);
    assert_int_equal(score(c, top), 400000);
    ok(c, req_archive(&c->a, mid, false), NULL);
    assert_int_equal(score(c, top), 0);
    checkin(c, kl, 70);                       /* mid moves while archived ... */
    assert_int_equal(score(c, mid), 700000);
    assert_int_equal(score(c, top), 0);       /* ... without reaching top */
    ok(c, req_archive(&c->a, mid, true), NULL);
    assert_int_equal(score(c, top), 700000);
    consistent(c);
}

static uint64_t count_checkins(ctx *c)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, false, &mem);
    uint64_t n = store_count(&t, c->f.st.checkins);
    store_txn_abort(&t);
    arena_free(&mem);
    return n;
}

static void test_deleting_an_objective_rescores_parents_and_unaligns_children(void **state)
{
    ctx *c = C(state);
    node_id top, r, victim, k1, k2, kr_child, o_child, other, ko, kc, kd;
    objective(c, Q4, top);
    rollup_kr(c, top, 0, r);
    leaf_objective(c, r, 1, 20, other, ko);
    /* The victim: two KRs, aligned under top's roll-up KR and under `other`,
     * with one child on itself and one on one of its KRs. */
    child_objective(c, r, 3, victim);
    align(c, victim, other, 1);               /* other has a KR: no effect on it */
    metric(c, victim, 0, 10, 0, k1);
    rollup_kr(c, victim, 2, k2);
    checkin(c, k1, 9);
    leaf_objective(c, victim, 0, 55, o_child, kc);
    leaf_objective(c, k2, 0, 30, kr_child, kd);
    int64_t v = wmean(900000 + 2 * 300000, 3);
    assert_int_equal(score(c, victim), v);
    assert_int_equal(score(c, r), wmean(200000 + 3 * v, 4));
    uint64_t checkins_before = count_checkins(c);

    ok(c, req_objective_delete(&c->a, victim), NULL);
    assert_int_equal(fixture_score(&c->f, victim), -1);
    assert_int_equal(fixture_score(&c->f, k1), -1);
    assert_int_equal(fixture_score(&c->f, k2), -1);
    assert_int_equal(score(c, r), 200000);
    assert_int_equal(score(c, top), 200000);
    assert_int_equal(score(c, o_child), 550000);     /* children keep their scores */
    assert_int_equal(score(c, kr_child), 300000);
    assert_false(fixture_edge(&c->f, o_child, victim, NULL));
    assert_false(fixture_edge(&c->f, kr_child, k2, NULL));
    assert_int_equal(count_checkins(c), checkins_before - 1);   /* k1's only */
    refused(c, req_objective_get(&c->a, victim), OKR__ERROR_CODE__NOT_FOUND);
    refused(c, req_kr_get(&c->a, k1), OKR__ERROR_CODE__NOT_FOUND);
    refused(c, req_align(&c->a, o_child, victim, 1), OKR__ERROR_CODE__NOT_FOUND);
    /* The orphaned children can go anywhere now, and ids are not reused. */
    align(c, o_child, top, 1);
    node_id fresh;
    objective(c, Q4, fresh);
    assert_string_not_equal(fresh, victim);
    run(c, req_objective_get(&c->a, o_child));
    assert_int_equal(c->last->objective->n_parents, 1);
    arena_reset(&c->a);
    (void)ko;
    consistent(c);
}

static void test_deleting_a_kr_rescores_its_objective_and_unaligns_its_children(void **state)
{
    ctx *c = C(state);
    node_id top, k1, r, child, kc;
    objective(c, Q4, top);
    metric(c, top, 0, 10, 1, k1);
    rollup_kr(c, top, 3, r);
    leaf_objective(c, r, 0, 80, child, kc);
    checkin(c, k1, 2);
    assert_int_equal(score(c, top), wmean(200000 + 3 * 800000, 4));
    ok(c, req_kr_delete(&c->a, r), NULL);
    assert_int_equal(score(c, top), 200000);
    assert_false(fixture_edge(&c->f, child, r, NULL));
    assert_int_equal(score(c, child), 800000);
    refused(c, req_kr_delete(&c->a, r), OKR__ERROR_CODE__NOT_FOUND);
    ok(c, req_kr_delete(&c->a, k1), NULL);
    assert_int_equal(score(c, top), 0);
    assert_int_equal(count_checkins(c), 1);   /* the child's */
    consistent(c);
}

static void test_deleting_an_archived_objective_leaves_its_parents_alone(void **state)
{
    ctx *c = C(state);
    node_id top, a, b;
    objective(c, Q4, top);
    leaf_objective(c, top, 1, 100, a, NULL);
    leaf_objective(c, top, 1, 40, b, NULL);
    ok(c, req_archive(&c->a, b, false), NULL);
    assert_int_equal(score(c, top), OKR_SCORE_ONE);
    ok(c, req_objective_delete(&c->a, b), NULL);
    assert_int_equal(score(c, top), OKR_SCORE_ONE);
    consistent(c);
}

/* ------------------------------------------------------------ periods */

static void test_closed_period_refuses_checkins_and_edits(void **state)
{
    ctx *c = C(state);
    node_id old, k, r, now_o, now_k;
    objective(c, Q3, old);
    metric(c, old, 0, 10, 0, k);
    rollup_kr(c, old, 0, r);
    checkin(c, k, 6);
    leaf_objective(c, NULL, 0, 10, now_o, now_k);
    ok(c, req_period_close(&c->a, Q3, false), NULL);
    assert_int_equal(score(c, old), 300000);

    Okr__ErrorCode closed = OKR__ERROR_CODE__PERIOD_CLOSED;
    const char *msg = refused(c, req_checkin(&c->a, k, 9), closed);
    assert_non_null(strstr(msg, Q3));
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_target = true;
    e.target = 7;
    refused(c, req_kr_edit(&c->a, &e), closed);
    refused(c, req_kr_add_metric(&c->a, old, 0, 1, 0), closed);
    refused(c, req_kr_delete(&c->a, k), closed);
    refused(c, req_align(&c->a, now_o, old, 1), closed);      /* into the closed period */
    refused(c, req_align(&c->a, now_o, r, 1), closed);
    refused(c, req_align(&c->a, old, now_o, 1), closed);      /* out of it */
    refused(c, req_archive(&c->a, old, false), closed);
    refused(c, req_objective_delete(&c->a, old), closed);
    refused(c, req_objective_add(&c->a, "late", Q3, 0, NULL, NULL), closed);
    const char *parents[] = {old};
    refused(c, req_objective_add(&c->a, "late child", Q4, 1, parents, NULL), closed);
    Okr__Request *edit = req_new(&c->a, OKR__REQUEST__BODY_OBJECTIVE_EDIT);
    edit->objective_edit = ARENA_NEW(&c->a, Okr__ObjectiveEdit, OKR__OBJECTIVE_EDIT__INIT);
    edit->objective_edit->id = old;
    edit->objective_edit->title = "renamed";
    refused(c, edit, closed);
    refused(c, req_period_close(&c->a, Q3, false), OKR__ERROR_CODE__CONFLICT);
    /* Reopening lets changes through again. */
    ok(c, req_period_close(&c->a, Q3, true), NULL);
    checkin(c, k, 9);
    assert_int_equal(score(c, old), 450000);
    consistent(c);
}

static void test_closing_is_refused_while_another_open_period_aligns_into_it(void **state)
{
    ctx *c = C(state);
    node_id old, r, now1, now2;
    objective(c, Q3, old);
    rollup_kr(c, old, 0, r);
    leaf_objective(c, NULL, 0, 50, now1, NULL);
    leaf_objective(c, NULL, 0, 50, now2, NULL);
    align(c, now1, old, 1);
    align(c, now2, r, 1);
    const char *msg = refused(c, req_period_close(&c->a, Q3, false), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(msg, now1));
    ok(c, req_unalign(&c->a, now1, old), NULL);
    msg = refused(c, req_period_close(&c->a, Q3, false), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(msg, now2));        /* through the roll-up KR too */
    ok(c, req_unalign(&c->a, now2, r), NULL);
    ok(c, req_period_close(&c->a, Q3, false), NULL);
    /* Aligning out of a closed period into an open one is fine before closing. */
    consistent(c);
}

/* DESIGN §3: "closed periods freeze their scores". Closing Q3 is allowed when
 * the objective aligned into it belongs to a period that is closed too; but
 * reopening that other period must not let its check-ins move Q3's frozen
 * score (reopen refused, or the check-in refused: either keeps the freeze). */
static void test_reopening_another_period_does_not_unfreeze_a_closed_score(void **state)
{
    ctx *c = C(state);
    node_id old, late, klate;
    add_period(c, "2026-Q4b", "2026-10-01", "2026-12-31");
    objective(c, Q3, old);                     /* no KRs: the mean of its children */
    ok(c, req_objective_add(&c->a, "child", "2026-Q4b", 0, NULL, NULL), late);
    metric(c, late, 0, 10, 0, klate);
    checkin(c, klate, 4);
    align(c, late, old, 1);
    ok(c, req_period_close(&c->a, "2026-Q4b", false), NULL);
    ok(c, req_period_close(&c->a, Q3, false), NULL);   /* allowed: the child's period is closed */
    int64_t frozen = score(c, old);
    assert_int_equal(frozen, 400000);

    Okr__ErrorCode code = run(c, req_period_close(&c->a, "2026-Q4b", true));
    arena_reset(&c->a);
    if (code == OKR__ERROR_CODE__OK) {
        run(c, req_checkin(&c->a, klate, 9));
        arena_reset(&c->a);
    }
    if (score(c, old) != frozen)
        fail_msg("%s of closed period %s moved from %lld to %lld: reopening %s let a check-in "
                 "on %s reach it", old, Q3, (long long)frozen, (long long)score(c, old),
                 "2026-Q4b", klate);
    if (code != OKR__ERROR_CODE__OK) {
        /* Refused reopening: it says why, and works once the parent's period is open. */
        assert_int_equal(code, OKR__ERROR_CODE__CONFLICT);
        refused(c, req_period_close(&c->a, "2026-Q4b", true), OKR__ERROR_CODE__CONFLICT);
        ok(c, req_period_close(&c->a, Q3, true), NULL);
        ok(c, req_period_close(&c->a, "2026-Q4b", true), NULL);
        checkin(c, klate, 9);
        assert_int_equal(score(c, old), 900000);
    }
    consistent(c);
}

/* ------------------------------------------------------------ batches */

static void test_a_refused_request_in_a_batch_rolls_back_alone(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    uint64_t seq = c->f.last_seq;
    const Okr__Request *reqs[] = {
        req_checkin(&c->a, k, 3),
        req_align(&c->a, o, o, 1),             /* a cycle: refused */
        req_checkin(&c->a, k, 6),
        req_checkin(&c->a, "K404", 1),          /* unknown: refused */
        req_kr_add_metric(&c->a, o, 0, 10, 0),
    };
    Okr__Response *resps[5];
    fixture_batch(&c->f, reqs, 5, resps);
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_code(resps[1]), OKR__ERROR_CODE__CONFLICT);
    assert_int_equal(fixture_code(resps[2]), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_code(resps[3]), OKR__ERROR_CODE__NOT_FOUND);
    assert_int_equal(fixture_code(resps[4]), OKR__ERROR_CODE__OK);
    assert_int_equal(resps[0]->changed->seq, seq + 1);
    assert_int_equal(resps[2]->changed->seq, seq + 2);      /* no hole for the refusal */
    assert_int_equal(resps[4]->changed->seq, seq + 3);
    assert_int_equal(fixture_last_seq(&c->f), seq + 3);
    arena_reset(&c->a);
    assert_int_equal(score(c, k), 600000);
    assert_int_equal(score(c, o), 300000);
    consistent(c);
}

static void test_history_lists_checkins_oldest_first_with_their_seq(void **state)
{
    ctx *c = C(state);
    node_id o, k, k2;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    metric(c, o, 0, 10, 0, k2);
    for (int i = 1; i <= 5; i++) {
        checkin(c, k, i);
        checkin(c, k2, 10 * i);
    }
    run(c, req_history(&c->a, k, 3));
    Okr__HistoryReply *h = c->last->history;
    assert_non_null(h);
    assert_int_equal(h->n_checkins, 3);
    assert_true(h->checkins[0]->value == 3 && h->checkins[2]->value == 5);
    assert_true(h->checkins[0]->seq < h->checkins[1]->seq);
    assert_true(h->checkins[0]->time < h->checkins[1]->time);
    assert_string_equal(h->checkins[2]->author, "tester");
    assert_int_equal(h->kr->checkins, 5);
    arena_reset(&c->a);
    consistent(c);
}

static void test_requests_of_another_protocol_version_are_refused(void **state)
{
    ctx *c = C(state);
    node_id o;
    objective(c, Q4, o);
    Okr__Request *r = req_align(&c->a, o, o, 1);
    r->version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_UNSPECIFIED;
    refused(c, r, OKR__ERROR_CODE__UNSUPPORTED_VERSION);
    r = req_objective_add(&c->a, "x", Q4, 0, NULL, NULL);
    r->has_version = false;
    refused(c, r, OKR__ERROR_CODE__UNSUPPORTED_VERSION);
    r = req_new(&c->a, OKR__REQUEST__BODY__NOT_SET);
    refused(c, r, OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ------------------------------------------------------------ periods, teams, roles */

static void test_objective_without_period_goes_to_the_open_period_containing_today(void **state)
{
    ctx *c = C(state);
    node_id o;
    ok(c, req_objective_add(&c->a, "no period given", NULL, 0, NULL, NULL), o);
    run(c, req_objective_get(&c->a, o));
    assert_string_equal(c->last->objective->objective->period, Q4);   /* today: 2026-10-15 */
    arena_reset(&c->a);
    ok(c, req_period_close(&c->a, Q4, false), NULL);
    const char *msg = refused(c, req_objective_add(&c->a, "nowhere", NULL, 0, NULL, NULL),
                              OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(msg, "2026-10-15"));
    refused(c, req_objective_add(&c->a, "x", "2031-Q1", 0, NULL, NULL),
            OKR__ERROR_CODE__NOT_FOUND);
    consistent(c);
}

static void test_period_dates_must_be_ordered_and_names_unique(void **state)
{
    ctx *c = C(state);
    refused(c, req_period_add(&c->a, "2027-Q1", "2027-03-31", "2027-01-01"),
            OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_period_add(&c->a, "2027-Q1", "2027-01-01", "2027-02-30"),
            OKR__ERROR_CODE__INVALID_ARGUMENT);
    refused(c, req_period_add(&c->a, Q4, "2026-10-01", "2026-12-31"), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_period_add(&c->a, " 2027-Q1", "2027-01-01", "2027-03-31"),
            OKR__ERROR_CODE__INVALID_ARGUMENT);
    add_period(c, "2027-Q1", "2027-01-01", "2027-01-01");     /* one day is a period */
    refused(c, req_period_close(&c->a, "2027-Q1", true), OKR__ERROR_CODE__CONFLICT);
    refused(c, req_period_close(&c->a, "2099-Q1", false), OKR__ERROR_CODE__NOT_FOUND);
    consistent(c);
}

static void test_team_must_exist_before_objectives_use_it(void **state)
{
    ctx *c = C(state);
    Okr__Request *r = req_objective_add(&c->a, "team goal", Q4, 0, NULL, NULL);
    r->objective_add->objective->team = "payments";
    refused(c, r, OKR__ERROR_CODE__NOT_FOUND);
    ok(c, req_team_add(&c->a, "payments"), NULL);
    refused(c, req_team_add(&c->a, "payments"), OKR__ERROR_CODE__CONFLICT);
    r = req_objective_add(&c->a, "team goal", Q4, 0, NULL, NULL);
    r->objective_add->objective->team = "payments";
    node_id o;
    ok(c, r, o);
    run(c, req_objective_get(&c->a, o));
    assert_string_equal(c->last->objective->objective->team, "payments");
    arena_reset(&c->a);
    consistent(c);
}

/* ObjectiveGet{brief}: the same objective and KRs, with their scores, as the
 * full read, but no parents and no children (a dashboard polling a score). */
static void test_a_brief_objective_read_leaves_out_parents_and_children(void **state)
{
    ctx *c = C(state);
    node_id top, mid, k, ck;
    objective(c, Q4, top);
    metric(c, top, 0, 10, 0, k);
    child_objective(c, top, 1, mid);
    metric(c, mid, 0, 4, 0, ck);
    checkin(c, k, 5);
    checkin(c, ck, 1);
    run(c, req_objective_get(&c->a, mid));
    assert_int_equal(c->last->objective->n_parents, 1);
    int64_t full_score = c->last->objective->objective->score;
    arena_reset(&c->a);
    Okr__Request *r = req_objective_get(&c->a, top);
    run(c, r);
    const Okr__ObjectiveDetail *full = c->last->objective;
    assert_int_equal(full->n_children, 1);
    int64_t top_score = full->objective->score;
    assert_int_equal(top_score, 500000);        /* its own KR: 5 of 10 */
    arena_reset(&c->a);
    r = req_objective_get(&c->a, top);
    r->objective_get->has_brief = r->objective_get->brief = true;
    assert_int_equal(run(c, r), OKR__ERROR_CODE__OK);
    const Okr__ObjectiveDetail *brief = c->last->objective;
    assert_string_equal(brief->objective->id, top);
    assert_int_equal(brief->objective->score, top_score);
    assert_int_equal(brief->n_krs, 1);
    assert_string_equal(brief->krs[0]->id, k);
    assert_int_equal(brief->krs[0]->score, 500000);
    assert_int_equal(brief->n_children, 0);
    assert_int_equal(brief->n_parents, 0);
    arena_reset(&c->a);
    r = req_objective_get(&c->a, mid);
    r->objective_get->has_brief = r->objective_get->brief = true;
    run(c, r);
    assert_int_equal(c->last->objective->n_parents, 0);
    assert_int_equal(c->last->objective->objective->score, full_score);
    assert_int_equal(full_score, 250000);       /* 1 of 4 */
    arena_reset(&c->a);
    consistent(c);
}

static void test_viewers_read_and_editors_change_okrs_but_not_periods(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    c->f.role = OKR_ROLE_VIEWER;
    assert_int_equal(run(c, req_objective_get(&c->a, o)), OKR__ERROR_CODE__OK);
    arena_reset(&c->a);
    const char *msg = refused(c, req_checkin(&c->a, k, 5), OKR__ERROR_CODE__PERMISSION_DENIED);
    assert_non_null(strstr(msg, "editor"));
    refused(c, req_objective_add(&c->a, "x", Q4, 0, NULL, NULL),
            OKR__ERROR_CODE__PERMISSION_DENIED);
    c->f.role = OKR_ROLE_EDITOR;
    checkin(c, k, 5);
    refused(c, req_period_close(&c->a, Q4, false), OKR__ERROR_CODE__PERMISSION_DENIED);
    refused(c, req_period_add(&c->a, "2027-Q1", "2027-01-01", "2027-03-31"),
            OKR__ERROR_CODE__PERMISSION_DENIED);
    c->f.role = OKR_ROLE_ADMIN;
    assert_int_equal(score(c, o), 500000);
    consistent(c);
}

/* ------------------------------------------------------------ the event log */

static Okr__Event *event_at(ctx *c, uint64_t seq)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, false, &mem);
    MDB_val v;
    Okr__Event *ev = NULL;
    if (store_get_event(&t, seq, &v))
        ev = okr__event__unpack(NULL, v.mv_size, v.mv_data);
    store_txn_abort(&t);
    arena_free(&mem);
    return ev;
}

static bool has_node(const Okr__Event *ev, const char *id)
{
    for (size_t i = 0; i < ev->n_nodes; i++)
        if (strcmp(ev->nodes[i], id) == 0)
            return true;
    return false;
}

static void test_each_accepted_change_is_logged_with_the_scores_it_moved(void **state)
{
    ctx *c = C(state);
    node_id top, mid, k;
    objective(c, Q4, top);
    child_objective(c, top, 0, mid);
    metric(c, mid, 0, 4, 0, k);
    uint64_t seq = c->f.last_seq;
    assert_int_equal(run(c, req_checkin(&c->a, k, 1)), OKR__ERROR_CODE__OK);
    assert_int_equal(c->last->changed->seq, seq + 1);
    arena_reset(&c->a);
    refused(c, req_checkin(&c->a, k, NAN), OKR__ERROR_CODE__INVALID_ARGUMENT);

    Okr__Event *ev = event_at(c, seq + 1);
    assert_non_null(ev);
    assert_int_equal(ev->seq, seq + 1);
    assert_string_equal(ev->actor, "tester");
    assert_string_equal(ev->subject, k);
    assert_true(ev->time > 0);
    assert_non_null(ev->change);
    assert_int_equal(ev->change->body_case, OKR__REQUEST__BODY_CHECKIN);
    assert_true(ev->change->checkin->value == 1);
    assert_int_equal(ev->n_scores, 3);
    for (size_t i = 0; i < ev->n_scores; i++) {
        assert_int_equal(ev->scores[i]->old_score, 0);
        assert_int_equal(ev->scores[i]->new_score, 250000);
    }
    assert_true(has_node(ev, k) && has_node(ev, mid) && has_node(ev, top));
    okr__event__free_unpacked(ev, NULL);
    assert_null(event_at(c, seq + 2));           /* the refusal logged nothing */
    assert_int_equal(fixture_last_seq(&c->f), seq + 1);

    /* Every event from 1 to the last is there: no holes. */
    for (uint64_t s = 1; s <= seq + 1; s++) {
        ev = event_at(c, s);
        assert_non_null(ev);
        assert_int_equal(ev->seq, s);
        okr__event__free_unpacked(ev, NULL);
    }
    consistent(c);
}

/* ------------------------------------------------------------ period and team indexes
 *
 * TreeGet and ObjectiveList with a period or team read the objectives of
 * that team (else period) from its index instead of every objective. The
 * answers must be what the full scan gave: the same objectives, in the same
 * order (ascending id). */

#define PAYMENTS "payments"
#define GROWTH "growth"

/* A new objective of period and team (NULL: none), aligned to parent (NULL: none). */
static void team_objective(ctx *c, const char *period, const char *team, const char *parent,
                           char *id)
{
    const char *parents[] = {parent};
    Okr__Request *r = req_objective_add(&c->a, "a team objective", period, parent ? 1 : 0,
                                        parents, NULL);
    r->objective_add->objective->team = team ? arena_strdup(&c->a, team) : NULL;
    ok(c, r, id);
}

static Okr__Request *req_edit_team(ctx *c, const char *id, const char *team)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_OBJECTIVE_EDIT);
    r->objective_edit = ARENA_NEW(&c->a, Okr__ObjectiveEdit, OKR__OBJECTIVE_EDIT__INIT);
    r->objective_edit->id = arena_strdup(&c->a, id);
    r->objective_edit->team = arena_strdup(&c->a, team);      /* "": no team */
    return r;
}

static void append(char *buf, size_t len, const char *word)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? " " : "", word);
}

/* The ids the index lists under name, e.g. "O2 O6" ("" when none). */
static const char *indexed(ctx *c, bool team, const char *name)
{
    static char buf[512];
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, false, &mem);
    okr_node *ids;
    size_t n = store_objectives_of(&t, team ? c->f.st.by_team : c->f.st.by_period, name, &ids);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char id[OKR_ID_BUF];
        append(buf, sizeof buf, okr_id_format(ids[i], id));
    }
    assert_int_equal(t.rc, 0);
    store_txn_abort(&t);
    arena_free(&mem);
    return buf;
}

static Okr__ObjectiveListReply *list_reply(ctx *c, const char *period, const char *team,
                                           bool archived)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_OBJECTIVE_LIST);
    r->objective_list = ARENA_NEW(&c->a, Okr__ObjectiveList, OKR__OBJECTIVE_LIST__INIT);
    r->objective_list->period = period ? arena_strdup(&c->a, period) : NULL;
    r->objective_list->team = team ? arena_strdup(&c->a, team) : NULL;
    r->objective_list->has_include_archived = archived;
    r->objective_list->include_archived = archived;
    if (run(c, r) != OKR__ERROR_CODE__OK)
        fail_msg("list refused: %s", error_text(c->last));
    arena_reset(&c->a);
    assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY_OBJECTIVES);
    return c->last->objectives;
}

static bool same_name(const char *filter, const char *field)
{
    return !filter || !filter[0] || (field && strcmp(filter, field) == 0);
}

/* ObjectiveList's ids (period/team NULL: any; archived: include them).
 * Checked against the unfiltered list, which reads every objective, filtered
 * here: the index must give exactly that. */
static const char *listed(ctx *c, const char *period, const char *team, bool archived)
{
    static char buf[512], scan[512];
    Okr__ObjectiveListReply *all = list_reply(c, NULL, NULL, true);
    scan[0] = '\0';
    for (size_t i = 0; i < all->n_objectives; i++) {
        const Okr__Objective *o = all->objectives[i];
        if ((archived || !o->archived) && same_name(period, o->period) &&
            same_name(team, o->team))
            append(scan, sizeof scan, o->id);
    }
    Okr__ObjectiveListReply *got = list_reply(c, period, team, archived);
    buf[0] = '\0';
    for (size_t i = 0; i < got->n_objectives; i++)
        append(buf, sizeof buf, got->objectives[i]->id);
    if (strcmp(buf, scan) != 0)
        fail_msg("list period %s team %s%s gave \"%s\"; the full list filtered: \"%s\"",
                 period ? period : "-", team ? team : "-", archived ? " --all" : "", buf, scan);
    return buf;
}

/* TreeGet without a root: "objectives | KRs | child>parent ..." in reply order. */
static const char *tree_of(ctx *c, const char *period, const char *team)
{
    static char buf[1024];
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_TREE);
    r->tree = ARENA_NEW(&c->a, Okr__TreeGet, OKR__TREE_GET__INIT);
    r->tree->period = period ? arena_strdup(&c->a, period) : NULL;
    r->tree->team = team ? arena_strdup(&c->a, team) : NULL;
    if (run(c, r) != OKR__ERROR_CODE__OK)
        fail_msg("tree refused: %s", error_text(c->last));
    arena_reset(&c->a);
    assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY_GRAPH);
    const Okr__Graph *g = c->last->graph;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n_objectives; i++)
        append(buf, sizeof buf, g->objectives[i]->id);
    append(buf, sizeof buf, "|");
    for (size_t i = 0; i < g->n_krs; i++)
        append(buf, sizeof buf, g->krs[i]->id);
    append(buf, sizeof buf, "|");
    for (size_t i = 0; i < g->n_alignments; i++) {
        char edge[2 * OKR_ID_BUF + 1];
        snprintf(edge, sizeof edge, "%s>%s", g->alignments[i]->child, g->alignments[i]->parent);
        append(buf, sizeof buf, edge);
    }
    return buf;
}

/* The organisation of the index tests:
 *
 *   O1 company (Q4, no team)
 *    +- O2 payments --- K1 (a KR of O2)
 *    |   +- O3 payments
 *    |   +- O8 growth
 *    +- O5 growth
 *   O4 payments (Q4)     O6 payments (Q3)     O7 payments (Q4, archived) */
static void team_organisation(ctx *c)
{
    node_id o[9], k;
    ok(c, req_team_add(&c->a, PAYMENTS), NULL);
    ok(c, req_team_add(&c->a, GROWTH), NULL);
    team_objective(c, Q4, NULL, NULL, o[1]);
    team_objective(c, Q4, PAYMENTS, o[1], o[2]);
    team_objective(c, Q4, PAYMENTS, o[2], o[3]);
    team_objective(c, Q4, PAYMENTS, NULL, o[4]);
    team_objective(c, Q4, GROWTH, o[1], o[5]);
    team_objective(c, Q3, PAYMENTS, NULL, o[6]);
    team_objective(c, Q4, PAYMENTS, NULL, o[7]);
    team_objective(c, Q4, GROWTH, o[2], o[8]);
    metric(c, o[2], 0, 10, 0, k);
    ok(c, req_archive(&c->a, o[7], false), NULL);
    assert_string_equal(o[8], "O8");
    assert_string_equal(k, "K1");
}

static void test_indexes_follow_objective_add_team_edit_and_delete(void **state)
{
    ctx *c = C(state);
    team_organisation(c);
    assert_string_equal(indexed(c, true, PAYMENTS), "O2 O3 O4 O6 O7");  /* archived too */
    assert_string_equal(indexed(c, true, GROWTH), "O5 O8");
    assert_string_equal(indexed(c, false, Q4), "O1 O2 O3 O4 O5 O7 O8");
    assert_string_equal(indexed(c, false, Q3), "O6");
    consistent(c);

    ok(c, req_edit_team(c, "O4", GROWTH), NULL);             /* moves between teams */
    assert_string_equal(indexed(c, true, PAYMENTS), "O2 O3 O6 O7");
    assert_string_equal(indexed(c, true, GROWTH), "O4 O5 O8");
    ok(c, req_edit_team(c, "O4", GROWTH), NULL);             /* the same team again */
    assert_string_equal(indexed(c, true, GROWTH), "O4 O5 O8");
    ok(c, req_edit_team(c, "O1", PAYMENTS), NULL);           /* from no team */
    assert_string_equal(indexed(c, true, PAYMENTS), "O1 O2 O3 O6 O7");
    ok(c, req_edit_team(c, "O1", ""), NULL);                 /* back to none */
    assert_string_equal(indexed(c, true, PAYMENTS), "O2 O3 O6 O7");
    ok(c, req_edit_team(c, "O7", GROWTH), NULL);             /* archived ones too */
    assert_string_equal(indexed(c, true, GROWTH), "O4 O5 O7 O8");
    assert_string_equal(indexed(c, false, Q4), "O1 O2 O3 O4 O5 O7 O8");   /* untouched */
    consistent(c);

    refused(c, req_edit_team(c, "O4", "nobody"), OKR__ERROR_CODE__NOT_FOUND);
    assert_string_equal(indexed(c, true, GROWTH), "O4 O5 O7 O8");

    ok(c, req_objective_delete(&c->a, "O2"), NULL);          /* deletes K1 too */
    ok(c, req_objective_delete(&c->a, "O7"), NULL);
    assert_string_equal(indexed(c, true, PAYMENTS), "O3 O6");
    assert_string_equal(indexed(c, true, GROWTH), "O4 O5 O8");
    assert_string_equal(indexed(c, false, Q4), "O1 O3 O4 O5 O8");
    ok(c, req_objective_delete(&c->a, "O6"), NULL);
    assert_string_equal(indexed(c, false, Q3), "");
    consistent(c);
}

static void test_list_by_team_or_period_gives_the_full_scan_filtered_in_id_order(void **state)
{
    ctx *c = C(state);
    team_organisation(c);
    assert_string_equal(listed(c, NULL, NULL, false), "O1 O2 O3 O4 O5 O6 O8");
    assert_string_equal(listed(c, NULL, PAYMENTS, false), "O2 O3 O4 O6");
    assert_string_equal(listed(c, NULL, PAYMENTS, true), "O2 O3 O4 O6 O7");   /* --all */
    assert_string_equal(listed(c, NULL, GROWTH, false), "O5 O8");
    assert_string_equal(listed(c, Q4, NULL, false), "O1 O2 O3 O4 O5 O8");
    assert_string_equal(listed(c, Q4, NULL, true), "O1 O2 O3 O4 O5 O7 O8");
    assert_string_equal(listed(c, Q3, NULL, false), "O6");
    assert_string_equal(listed(c, Q4, PAYMENTS, false), "O2 O3 O4");
    assert_string_equal(listed(c, Q3, PAYMENTS, true), "O6");
    assert_string_equal(listed(c, Q3, GROWTH, true), "");

    ok(c, req_edit_team(c, "O4", GROWTH), NULL);
    ok(c, req_archive(&c->a, "O5", false), NULL);
    ok(c, req_archive(&c->a, "O7", true), NULL);              /* restored */
    assert_string_equal(listed(c, NULL, PAYMENTS, false), "O2 O3 O6 O7");
    assert_string_equal(listed(c, NULL, GROWTH, false), "O4 O8");
    assert_string_equal(listed(c, NULL, GROWTH, true), "O4 O5 O8");
    assert_string_equal(listed(c, Q4, GROWTH, false), "O4 O8");
    ok(c, req_objective_delete(&c->a, "O3"), NULL);
    assert_string_equal(listed(c, Q4, PAYMENTS, true), "O2 O7");

    /* An unknown filter is refused, as before. */
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_OBJECTIVE_LIST);
    r->objective_list = ARENA_NEW(&c->a, Okr__ObjectiveList, OKR__OBJECTIVE_LIST__INIT);
    r->objective_list->team = "nobody";
    refused(c, r, OKR__ERROR_CODE__NOT_FOUND);
    consistent(c);
}

static void test_tree_of_a_team_or_period_starts_where_the_parents_do_not_match(void **state)
{
    ctx *c = C(state);
    team_organisation(c);
    /* O2's parent O1 has no team: O2 is a root, O3 is drawn under it, and so
     * is everything below it whatever its team (O8, K1). O7 is archived. */
    assert_string_equal(tree_of(c, NULL, PAYMENTS), "O2 O3 O8 O4 O6 | K1 | O3>O2 O8>O2");
    assert_string_equal(tree_of(c, Q4, PAYMENTS), "O2 O3 O8 O4 | K1 | O3>O2 O8>O2");
    assert_string_equal(tree_of(c, Q3, PAYMENTS), "O6 | |");
    /* O8's parent O2 is of payments: a root of growth's tree. */
    assert_string_equal(tree_of(c, NULL, GROWTH), "O5 O8 | |");
    assert_string_equal(tree_of(c, Q4, NULL),
                        "O1 O2 O5 O3 O8 O4 | K1 | O2>O1 O5>O1 O3>O2 O8>O2");
    assert_string_equal(tree_of(c, Q3, NULL), "O6 | |");
    assert_string_equal(tree_of(c, Q3, GROWTH), "| |");
    assert_string_equal(tree_of(c, NULL, NULL),              /* no filter: the full scan */
                        "O1 O2 O5 O3 O8 O4 O6 | K1 | O2>O1 O5>O1 O3>O2 O8>O2");

    /* O2 joins growth: its child O3 becomes a root of payments, and O8 is
     * drawn under O2 in growth's tree. */
    ok(c, req_edit_team(c, "O2", GROWTH), NULL);
    assert_string_equal(tree_of(c, NULL, PAYMENTS), "O3 O4 O6 | |");
    assert_string_equal(tree_of(c, NULL, GROWTH), "O2 O3 O8 O5 | K1 | O3>O2 O8>O2");
    ok(c, req_archive(&c->a, "O7", true), NULL);
    assert_string_equal(tree_of(c, Q4, PAYMENTS), "O3 O4 O7 | |");
    consistent(c);
}

/* okrd --verify checks the indexes against the records, both ways. */
typedef struct {
    char whats[1024];
} verify_log;

static void log_mismatch(void *arg, okr_node node, const char *what, int64_t stored,
                         int64_t expected)
{
    verify_log *log = arg;
    char id[OKR_ID_BUF], line[128];
    (void)stored;
    (void)expected;
    snprintf(line, sizeof line, "%s %s;", okr_id_format(node, id), what);
    append(log->whats, sizeof log->whats, line);
}

static const char *verify_whats(ctx *c)
{
    static verify_log log;
    int rc = 0;
    log.whats[0] = '\0';
    rollup_verify(&c->f.st, log_mismatch, &log, &rc);
    assert_int_equal(rc, 0);
    return log.whats;
}

/* Change an index behind the handlers' back. */
static void tamper(ctx *c, okr_node id, const char *period, const char *team, bool add)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, true, &mem);
    store_index_objective(&t, id, period, team, add);
    assert_int_equal(store_txn_commit(&t), 0);
    arena_free(&mem);
}

static void test_verify_reports_missing_wrong_and_orphan_index_entries(void **state)
{
    ctx *c = C(state);
    team_organisation(c);
    assert_string_equal(verify_whats(c), "");
    tamper(c, 4, NULL, PAYMENTS, false);
    assert_string_equal(verify_whats(c), "O4 not in the team index;");
    tamper(c, 4, NULL, GROWTH, true);
    assert_string_equal(verify_whats(c),
                        "O4 not in the team index; O4 indexed under the wrong team;");
    tamper(c, 4, NULL, GROWTH, false);
    tamper(c, 4, NULL, PAYMENTS, true);
    tamper(c, 1, NULL, GROWTH, true);                        /* O1 has no team */
    assert_string_equal(verify_whats(c), "O1 indexed under the wrong team;");
    tamper(c, 1, NULL, GROWTH, false);
    tamper(c, 6, Q3, NULL, false);
    tamper(c, 6, Q4, NULL, true);
    assert_string_equal(verify_whats(c),
                        "O6 not in the period index; O6 indexed under the wrong period;");
    tamper(c, 6, Q4, NULL, false);
    tamper(c, 6, Q3, NULL, true);
    tamper(c, 99, Q4, PAYMENTS, true);                       /* no such objective */
    assert_string_equal(verify_whats(c), "O99 in the period index without a record; "
                                         "O99 in the team index without a record;");
    c->f.quiet = true;
    assert_int_equal(fixture_verify(&c->f), 2);
    c->f.quiet = false;
    /* Reads skip an id without a record, as the full scan would. */
    assert_string_equal(listed(c, Q4, PAYMENTS, true), "O2 O3 O4 O7");
    assert_string_equal(tree_of(c, NULL, PAYMENTS), "O2 O3 O8 O4 O6 | K1 | O3>O2 O8>O2");
    tamper(c, 99, Q4, PAYMENTS, false);
    consistent(c);
}

/* ------------------------------------------------------------ cost of a change
 *
 * The store counts every aggregate read and write. A change visits each
 * affected ancestor once, whatever the number of paths to it, so a check-in
 * reads and writes its KR and each ancestor exactly once. The ladder of
 * diamonds is the worst case for a walk that follows paths: both objectives
 * of a level align to both objectives of the level above, so the bottom has
 * 2^levels paths to the top (a walk per path did about 2^12 = 4096 visits
 * for 12 levels, and never finished 40). */

typedef struct {
    uint64_t reads, writes;
} agg_cost;

static agg_cost agg_counters(const ctx *c)
{
    return (agg_cost){c->f.st.agg_reads, c->f.st.agg_writes};
}

static agg_cost cost_since(const ctx *c, agg_cost before)
{
    agg_cost now = agg_counters(c);
    return (agg_cost){now.reads - before.reads, now.writes - before.writes};
}

/* Aggregate reads and writes of one request that must succeed. */
static agg_cost cost_of(ctx *c, Okr__Request *req)
{
    agg_cost before = agg_counters(c);
    ok(c, req, NULL);
    return cost_since(c, before);
}

#define LADDER_MAX 40

/* rung[0] is the top level; rung[i][0..1] both align to rung[i - 1][0..1].
 * One metric KR (0 -> 100) sits on rung[levels - 1][0]; its sibling
 * rung[levels - 1][1] has nothing below it and scores 0. */
typedef struct {
    int levels;
    node_id rung[LADDER_MAX][2];
    node_id kr;
} ladder;

static void build_ladder(ctx *c, ladder *l, int levels)
{
    assert_true(levels >= 2 && levels <= LADDER_MAX);
    l->levels = levels;
    for (int i = 0; i < levels; i++)
        for (int j = 0; j < 2; j++) {
            const char *parents[2] = {i ? l->rung[i - 1][0] : NULL, i ? l->rung[i - 1][1] : NULL};
            ok(c, req_objective_add(&c->a, "a rung of the ladder", Q4, i ? 2 : 0, parents, NULL),
               l->rung[i][j]);
        }
    metric(c, l->rung[levels - 1][0], 0, 100, 0, l->kr);
}

/* Every objective of the ladder scores what a KR score `s` at the bottom
 * gives: the bottom pair s and 0, every level above their mean. */
static void assert_ladder_scores(ctx *c, const ladder *l, int64_t s)
{
    assert_int_equal(score(c, l->kr), s);
    assert_int_equal(score(c, l->rung[l->levels - 1][0]), s);
    assert_int_equal(score(c, l->rung[l->levels - 1][1]), 0);
    for (int i = 0; i < l->levels - 1; i++)
        for (int j = 0; j < 2; j++)
            assert_int_equal(score(c, l->rung[i][j]), wmean(s, 2));
}

/* Check-ins on the ladder's KR: each reads and writes the KR and each of its
 * 2 * levels - 1 ancestors (its objective, both objectives of every level
 * above) exactly once, and leaves the scores a full recomputation gives. */
static void check_in_on_the_ladder(ctx *c, const ladder *l)
{
    const uint64_t ancestors = 2 * (uint64_t)l->levels - 1;
    const double values[] = {40, 75.5, 3};
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        agg_cost cost = cost_of(c, req_checkin(&c->a, l->kr, values[v]));
        assert_int_equal(cost.reads, 1 + ancestors);
        assert_int_equal(cost.writes, 1 + ancestors);
        assert_ladder_scores(c, l, (int64_t)(values[v] * 10000));
        consistent(c);
    }
}

static void test_a_checkin_on_a_12_level_ladder_of_diamonds_visits_each_ancestor_once(void **state)
{
    ctx *c = C(state);
    ladder l;
    build_ladder(c, &l, 12);
    check_in_on_the_ladder(c, &l);
}

static void test_a_checkin_on_a_40_level_ladder_of_diamonds_visits_each_ancestor_once(void **state)
{
    ctx *c = C(state);
    ladder l;
    build_ladder(c, &l, 40);
    check_in_on_the_ladder(c, &l);
}

static void test_a_checkin_on_a_40_level_chain_visits_each_ancestor_once(void **state)
{
    ctx *c = C(state);
    node_id chain[40], k;
    objective(c, Q4, chain[0]);
    for (int i = 1; i < 40; i++)
        child_objective(c, chain[i - 1], 0, chain[i]);
    metric(c, chain[39], 0, 100, 0, k);
    agg_cost cost = cost_of(c, req_checkin(&c->a, k, 62.5));
    assert_int_equal(cost.reads, 1 + 40);          /* the KR and its 40 ancestors */
    assert_int_equal(cost.writes, 1 + 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(score(c, chain[i]), 625000);
    consistent(c);
}

static void test_structural_changes_on_the_ladder_visit_each_ancestor_once(void **state)
{
    ctx *c = C(state);
    ladder l;
    build_ladder(c, &l, 40);
    checkin(c, l.kr, 40);
    const char *bottom = l.rung[39][0];
    /* Archive the bottom objective: it and its 2 * 39 ancestors, once each. */
    agg_cost cost = cost_of(c, req_archive(&c->a, bottom, false));
    assert_int_equal(cost.reads, 1 + 2 * 39);
    assert_int_equal(cost.writes, 1 + 2 * 39);
    for (int i = 0; i < 39; i++)
        assert_int_equal(score(c, l.rung[i][0]), 0);
    consistent(c);
    cost = cost_of(c, req_archive(&c->a, bottom, true));
    assert_int_equal(cost.reads, 1 + 2 * 39);
    assert_int_equal(cost.writes, 1 + 2 * 39);
    assert_ladder_scores(c, &l, 400000);
    consistent(c);
    /* Unalign the bottom pair's sibling from one parent, and align it back:
     * the child is read, the parent and its 2 * 38 ancestors move, once each. */
    cost = cost_of(c, req_unalign(&c->a, l.rung[39][1], l.rung[38][0]));
    assert_int_equal(cost.reads, 1 + 1 + 2 * 38);
    assert_int_equal(cost.writes, 1 + 2 * 38);
    assert_int_equal(score(c, l.rung[38][0]), 400000);
    assert_int_equal(score(c, l.rung[0][0]), wmean(400000 + wmean(400000, 2), 2));
    consistent(c);
    cost = cost_of(c, req_align(&c->a, l.rung[39][1], l.rung[38][0], 0));
    assert_int_equal(cost.reads, 1 + 1 + 2 * 38);
    assert_int_equal(cost.writes, 1 + 2 * 38);
    assert_ladder_scores(c, &l, 400000);
    consistent(c);
    /* A new weight for the only KR moves its objective's sums, not its
     * score: the edit reads the KR (for its leaf score, unchanged, then for
     * its link) and its objective, writes the objective, and stops there. */
    Okr__KeyResultEdit edit = OKR__KEY_RESULT_EDIT__INIT;
    edit.id = l.kr;
    edit.has_weight = true;
    edit.weight = 5;
    cost = cost_of(c, req_kr_edit(&c->a, &edit));
    assert_int_equal(cost.reads, 3);
    assert_int_equal(cost.writes, 1);
    assert_ladder_scores(c, &l, 400000);
    consistent(c);
}

/* Edges the alignment handler would refuse, written behind its back. */
static void tamper_edge(ctx *c, const char *child, const char *parent, bool add)
{
    okr_node from, to;
    assert_true(okr_id_parse(child, &from) && okr_id_parse(parent, &to));
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &c->f.st, NULL, true, &mem);
    if (add)
        store_put_edge(&t, from, to, 1);
    else
        store_del_edge(&t, from, to);
    assert_int_equal(store_txn_commit(&t), 0);
    arena_free(&mem);
}

static void test_a_stored_cycle_fails_the_change_instead_of_looping(void **state)
{
    ctx *c = C(state);
    ladder l;
    build_ladder(c, &l, 3);
    tamper_edge(c, l.rung[0][0], l.rung[2][0], true);     /* top -> bottom: a cycle */
    refused(c, req_checkin(&c->a, l.kr, 50), OKR__ERROR_CODE__INTERNAL);
    tamper_edge(c, l.rung[0][0], l.rung[2][0], false);
    checkin(c, l.kr, 50);
    assert_ladder_scores(c, &l, 500000);
    consistent(c);
}

/* ------------------------------------------------------------ alignment to leaf KRs */

static void test_aligning_to_a_leaf_kr_is_refused_with_what_to_do(void **state)
{
    ctx *c = C(state);
    node_id top, k, t, m, child;
    objective(c, Q4, top);
    metric(c, top, 0, 10, 0, k);
    milestone(c, top, m);
    Okr__KeyResult th = OKR__KEY_RESULT__INIT;
    th.objective = top;
    th.title = "Keep churn at or below 2 %";
    th.has_kind = th.has_target = th.has_direction = true;
    th.kind = OKR__KR_KIND__THRESHOLD;
    th.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    th.target = 2;
    ok(c, req_kr_add(&c->a, &th), t);
    leaf_objective(c, NULL, 0, 80, child, NULL);
    char want[200];
    snprintf(want, sizeof want, "%s is a metric key result: only roll-up key results take "
             "aligned objectives; align to the objective %s, or to a roll-up KR", k, top);
    assert_string_equal(refused(c, req_align(&c->a, child, k, 1),
                                OKR__ERROR_CODE__INVALID_ARGUMENT), want);
    snprintf(want, sizeof want, "%s is a threshold key result: only roll-up key results take "
             "aligned objectives; align to the objective %s, or to a roll-up KR", t, top);
    assert_string_equal(refused(c, req_align(&c->a, child, t, 1),
                                OKR__ERROR_CODE__INVALID_ARGUMENT), want);
    snprintf(want, sizeof want, "%s is a milestone key result: only roll-up key results take "
             "aligned objectives; align to the objective %s, or to a roll-up KR", m, top);
    assert_string_equal(refused(c, req_align(&c->a, child, m, 1),
                                OKR__ERROR_CODE__INVALID_ARGUMENT), want);
    align(c, child, top, 1);              /* what the sentence says to do works */
    consistent(c);
}

static void test_objective_add_refuses_align_to_a_leaf_kr(void **state)
{
    ctx *c = C(state);
    node_id top, k, r;
    objective(c, Q4, top);
    metric(c, top, 0, 10, 0, k);
    rollup_kr(c, top, 0, r);
    const char *parents[] = {r, k};
    const char *msg = refused(c, req_objective_add(&c->a, "child", Q4, 2, parents, NULL),
                              OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(msg, "only roll-up key results take aligned objectives"));
    consistent(c);
}

/* ------------------------------------------------------------ progress source */

static Okr__Request *req_source(ctx *c, const char *id, Okr__ProgressSource source)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_OBJECTIVE_EDIT);
    r->objective_edit = ARENA_NEW(&c->a, Okr__ObjectiveEdit, OKR__OBJECTIVE_EDIT__INIT);
    r->objective_edit->id = arena_strdup(&c->a, id);
    r->objective_edit->has_progress = true;
    r->objective_edit->progress = source;
    return r;
}

/* An objective with one metric KR at 0.2 (weight 1) and two children aligned
 * directly at 0.8 (weight 1) and 0.5 (weight 2). */
static void mixed_objective(ctx *c, char *top, char *kr, char *c1, char *c2)
{
    objective(c, Q4, top);
    metric(c, top, 0, 100, 0, kr);
    checkin(c, kr, 20);
    leaf_objective(c, top, 1, 80, c1, NULL);
    leaf_objective(c, top, 2, 50, c2, NULL);
}

static void test_progress_source_aligned_scores_from_the_children_only(void **state)
{
    ctx *c = C(state);
    node_id top, k, c1, c2;
    mixed_objective(c, top, k, c1, c2);
    assert_int_equal(score(c, top), 200000);            /* krs: its KR only */
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED), NULL);
    assert_int_equal(score(c, top), wmean(800000 + 2 * 500000, 3));   /* 600000 */
    checkin(c, k, 90);                                  /* its KR no longer counts */
    assert_int_equal(score(c, top), 600000);
    consistent(c);
}

static void test_progress_source_both_is_one_mean_over_krs_and_children(void **state)
{
    ctx *c = C(state);
    node_id top, k, c1, c2;
    mixed_objective(c, top, k, c1, c2);
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_BOTH), NULL);
    assert_int_equal(score(c, top), wmean(200000 + 800000 + 2 * 500000, 4));   /* 500000 */
    checkin(c, k, 60);
    assert_int_equal(score(c, top), wmean(600000 + 800000 + 2 * 500000, 4));
    consistent(c);
}

/* The source change goes up like any score change, and back again. */
static void test_changing_the_progress_source_moves_the_ancestors(void **state)
{
    ctx *c = C(state);
    node_id company, r, top, k, c1, c2;
    objective(c, Q4, company);
    rollup_kr(c, company, 0, r);
    mixed_objective(c, top, k, c1, c2);
    align(c, top, r, 1);
    assert_int_equal(score(c, company), 200000);
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED), NULL);
    assert_int_equal(score(c, company), 600000);
    consistent(c);
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_KRS), NULL);
    assert_int_equal(score(c, company), 200000);
    /* The choice is kept in the record and reported. */
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_BOTH), NULL);
    run(c, req_objective_get(&c->a, top));
    assert_true(c->last->objective->objective->has_progress);
    assert_int_equal(c->last->objective->objective->progress,
                     OKR__PROGRESS_SOURCE__PROGRESS_BOTH);
    arena_reset(&c->a);
    consistent(c);
}

static void test_an_invalid_progress_source_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o;
    objective(c, Q4, o);
    assert_string_equal(refused(c, req_source(c, o, (Okr__ProgressSource)3),
                                OKR__ERROR_CODE__INVALID_ARGUMENT),
                        "progress 3 is not krs, aligned or both");
    Okr__Request *add = req_objective_add(&c->a, "x", Q4, 0, NULL, NULL);
    add->objective_add->objective->has_progress = true;
    add->objective_add->objective->progress = (Okr__ProgressSource)7;
    refused(c, add, OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* ObjectiveGet marks a child its parent's source leaves out (counts false). */
static void test_show_says_which_aligned_children_do_not_count(void **state)
{
    ctx *c = C(state);
    node_id top, k, c1, c2;
    mixed_objective(c, top, k, c1, c2);
    run(c, req_objective_get(&c->a, top));
    Okr__ObjectiveDetail *d = c->last->objective;
    assert_int_equal(d->n_children, 2);
    for (size_t i = 0; i < d->n_children; i++) {
        assert_true(d->children[i]->has_counts);
        assert_false(d->children[i]->counts);
    }
    arena_reset(&c->a);
    ok(c, req_source(c, top, OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED), NULL);
    run(c, req_objective_get(&c->a, c1));
    d = c->last->objective;
    assert_int_equal(d->n_parents, 1);
    assert_true(d->parents[0]->has_counts && d->parents[0]->counts);
    arena_reset(&c->a);
    consistent(c);
}

/* ------------------------------------------------------------ health and grades */

static Okr__Request *req_checkin_conf(ctx *c, const char *kr, double value, double conf)
{
    Okr__Request *r = req_checkin(&c->a, kr, value);
    r->checkin->has_confidence = true;
    r->checkin->confidence = conf;
    return r;
}

static Okr__Health kr_health(ctx *c, const char *kr)
{
    run(c, req_kr_get(&c->a, kr));
    Okr__Health h = c->last->kr->kr->health;
    arena_reset(&c->a);
    return h;
}

static Okr__Objective objective_view(ctx *c, const char *id)
{
    run(c, req_objective_get(&c->a, id));
    Okr__Objective o = *c->last->objective->objective;
    arena_reset(&c->a);
    return o;            /* the scalar fields; its strings are gone */
}

/* DESIGN §3: a done milestone is not capped by a stale confidence (the
 * `done` check-in gave none, the one before said 0.2). */
static void test_done_milestone_is_not_capped_by_an_older_low_confidence(void **state)
{
    ctx *c = C(state);
    node_id o, m;
    objective(c, Q4, o);
    milestone(c, o, m);
    ok(c, req_checkin_conf(c, m, 0, 0.2), NULL);
    checkin(c, m, 1);
    assert_int_equal(score(c, m), OKR_SCORE_ONE);
    assert_int_equal(kr_health(c, m), OKR__HEALTH__ON_TRACK);
    Okr__Objective v = objective_view(c, o);
    assert_int_equal(v.health, OKR__HEALTH__ON_TRACK);
    assert_true(v.has_confidence && v.confidence == 0.2);   /* still shown */
    consistent(c);
}

/* A metric at its target with a stale 0.1 does not cap its objective; a
 * KR still under way with a low confidence does. */
static void test_kr_at_target_does_not_cap_its_objective_by_a_stale_confidence(void **state)
{
    ctx *c = C(state);
    node_id o, done, open;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, done);
    metric(c, o, 0, 10, 0, open);
    ok(c, req_checkin_conf(c, done, 10, 0.1), NULL);
    ok(c, req_checkin_conf(c, open, 5, 0.9), NULL);
    assert_int_equal(kr_health(c, done), OKR__HEALTH__ON_TRACK);
    assert_int_equal(objective_view(c, o).health, OKR__HEALTH__ON_TRACK);
    ok(c, req_checkin_conf(c, open, 5, 0.3), NULL);
    assert_int_equal(objective_view(c, o).health, OKR__HEALTH__AT_RISK);
    consistent(c);
}

static void objective_of_type(ctx *c, bool committed, double value, char *id)
{
    node_id k;
    Okr__Request *r = req_objective_add(&c->a, "graded", Q3, 0, NULL, NULL);
    r->objective_add->objective->has_type = true;
    r->objective_add->objective->type = committed ? OKR__OBJECTIVE_TYPE__COMMITTED
                                                  : OKR__OBJECTIVE_TYPE__ASPIRATIONAL;
    ok(c, r, id);
    metric(c, id, 0, 100, 0, k);
    checkin(c, k, value);
}

/* docs/scoring.md: aspirational < 0.4 red, < 0.7 yellow, else green;
 * committed < 0.7 red, < 1.0 yellow, 1.0 green. */
static void test_committed_objectives_are_graded_against_one(void **state)
{
    ctx *c = C(state);
    node_id a80, c80, c60, c100;
    objective_of_type(c, false, 80, a80);
    objective_of_type(c, true, 80, c80);
    objective_of_type(c, true, 60, c60);
    objective_of_type(c, true, 100, c100);
    ok(c, req_period_close(&c->a, Q3, false), NULL);
    Okr__Objective v = objective_view(c, a80);
    assert_int_equal(v.grade, OKR__GRADE__GREEN);
    assert_int_equal(v.health, OKR__HEALTH__HEALTH_NONE);
    assert_int_equal(objective_view(c, c80).grade, OKR__GRADE__YELLOW);
    assert_int_equal(objective_view(c, c60).grade, OKR__GRADE__RED);
    assert_int_equal(objective_view(c, c100).grade, OKR__GRADE__GREEN);
    consistent(c);
}

/* ------------------------------------------------------------ the edge-case table
 * docs/scoring.md "Edge cases": one test per row, through the handlers. The
 * fixture's clock is 2026-10-14 in Q4, so something is expected already:
 * a score of 0 is off_track, 1.0 on_track. */

static Okr__KeyResult kr_view(ctx *c, const char *kr)
{
    run(c, req_kr_get(&c->a, kr));
    Okr__KeyResult v = *c->last->kr->kr;
    arena_reset(&c->a);
    return v;
}

static void expect_kr(ctx *c, const char *kr, int64_t want_score, int64_t want_attainment,
                      Okr__Health want_health)
{
    Okr__KeyResult v = kr_view(c, kr);
    assert_int_equal(v.score, want_score);
    assert_int_equal(v.attainment, want_attainment);
    assert_int_equal(v.health, want_health);
}

static void threshold(ctx *c, const char *o, Okr__ThresholdDirection dir, double bound,
                      bool has_start, double start, char *id)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)o;
    kr.title = "a threshold";
    kr.has_kind = kr.has_target = kr.has_direction = true;
    kr.kind = OKR__KR_KIND__THRESHOLD;
    kr.direction = dir;
    kr.target = bound;
    kr.has_start = has_start;
    kr.start = start;
    ok(c, req_kr_add(&c->a, &kr), id);
}

static void test_table_metric_before_any_checkin_scores_zero(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 5, 15, 0, k);
    expect_kr(c, k, 0, 0, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

static void test_table_metric_decimals_and_decreasing_target(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0.5, 0.2, 0, k);            /* refund rate 0.5 % -> 0.2 % */
    checkin(c, k, 0.35);
    expect_kr(c, k, 500000, 500000, OKR__HEALTH__ON_TRACK);
    checkin(c, k, 0.4999999);
    assert_int_equal(score(c, k), 0);        /* 0.00000033: rounds to 0 millionths */
    consistent(c);
}

static void test_table_metric_below_baseline_scores_zero_attainment_negative(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 10, 20, 0, k);
    checkin(c, k, 5);
    expect_kr(c, k, 0, -500000, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

static void test_table_metric_overshoot_scores_one_attainment_above(void **state)
{
    ctx *c = C(state);
    node_id o, k, d;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    checkin(c, k, 15);
    expect_kr(c, k, OKR_SCORE_ONE, 1500000, OKR__HEALTH__ON_TRACK);
    metric(c, o, 0.5, 0.2, 0, d);            /* decreasing, past its target */
    checkin(c, d, 0.05);
    expect_kr(c, d, OKR_SCORE_ONE, 1500000, OKR__HEALTH__ON_TRACK);
    assert_int_equal(score(c, o), OKR_SCORE_ONE);   /* overshoot never rolls up */
    consistent(c);
}

static void test_table_metric_negative_values(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, -10, -5, 0, k);             /* e.g. a margin from -10 % to -5 % */
    checkin(c, k, -7.5);
    expect_kr(c, k, 500000, 500000, OKR__HEALTH__ON_TRACK);
    checkin(c, k, -20);
    expect_kr(c, k, 0, -2000000, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

static void test_table_metric_start_equal_target_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o;
    objective(c, Q4, o);
    assert_string_equal(refused(c, req_kr_add_metric(&c->a, o, 5, 5, 0),
                                OKR__ERROR_CODE__INVALID_ARGUMENT),
                        "target equals start (5): a metric KR needs a change to measure");
    consistent(c);
}

static void test_table_metric_attainment_is_capped(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 1e-9, 0, k);
    checkin(c, k, 1e15);
    expect_kr(c, k, OKR_SCORE_ONE, OKR_ATTAINMENT_CAP, OKR__HEALTH__ON_TRACK);
    checkin(c, k, -1e15);
    expect_kr(c, k, 0, -OKR_ATTAINMENT_CAP, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

/* No check-in and no start: no value yet, so not met — even "at most 2",
 * which a value of 0 would meet. */
static void test_table_threshold_without_value_is_not_met(void **state)
{
    ctx *c = C(state);
    node_id o, most, least;
    objective(c, Q4, o);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_MOST, 2, false, 0, most);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_LEAST, -1, false, 0, least);
    expect_kr(c, most, 0, 0, OKR__HEALTH__OFF_TRACK);
    expect_kr(c, least, 0, 0, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

static void test_table_threshold_with_start_scores_it_before_checkins(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_MOST, 2, true, 1.5, k);
    expect_kr(c, k, OKR_SCORE_ONE, OKR_SCORE_ONE, OKR__HEALTH__ON_TRACK);
    checkin(c, k, 2.5);
    expect_kr(c, k, 0, 0, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

static void test_table_threshold_exactly_at_the_bound_is_met(void **state)
{
    ctx *c = C(state);
    node_id o, most, least;
    objective(c, Q4, o);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_MOST, 2, false, 0, most);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_LEAST, 95, false, 0, least);
    checkin(c, most, 2);
    checkin(c, least, 95);
    assert_int_equal(score(c, most), OKR_SCORE_ONE);
    assert_int_equal(score(c, least), OKR_SCORE_ONE);
    checkin(c, most, 2.000001);
    checkin(c, least, 94.999999);
    assert_int_equal(score(c, most), 0);
    assert_int_equal(score(c, least), 0);
    consistent(c);
}

static void test_table_threshold_negative_bound(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    threshold(c, o, OKR__THRESHOLD_DIRECTION__AT_LEAST, -5, false, 0, k);
    checkin(c, k, -5);
    assert_int_equal(score(c, k), OKR_SCORE_ONE);
    checkin(c, k, -5.5);
    assert_int_equal(score(c, k), 0);
    consistent(c);
}

static void test_table_milestone_not_done_and_done(void **state)
{
    ctx *c = C(state);
    node_id o, m;
    objective(c, Q4, o);
    milestone(c, o, m);
    expect_kr(c, m, 0, 0, OKR__HEALTH__OFF_TRACK);
    ok(c, req_checkin_conf(c, m, 0, 0.8), NULL);
    expect_kr(c, m, 0, 0, OKR__HEALTH__OFF_TRACK);
    checkin(c, m, 1);
    expect_kr(c, m, OKR_SCORE_ONE, OKR_SCORE_ONE, OKR__HEALTH__ON_TRACK);
    consistent(c);
}

/* A milestone has neither start nor target: an edit of one is refused
 * instead of being logged and storing nothing. */
static void test_table_milestone_start_or_target_edit_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o, m, r;
    objective(c, Q4, o);
    milestone(c, o, m);
    rollup_kr(c, o, 0, r);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = m;
    e.has_target = true;
    e.target = 5;
    char want[160];
    snprintf(want, sizeof want, "%s is a milestone key result: it has no start, target or "
             "bound to set (check in 1 when done)", m);
    assert_string_equal(refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT),
                        want);
    e.has_target = false;
    e.has_start = true;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    e.id = r;
    snprintf(want, sizeof want, "%s is a roll-up key result: it has no start, target or "
             "bound to set", r);
    assert_string_equal(refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT),
                        want);
    consistent(c);
}

static void test_table_metric_direction_edit_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_target = e.has_direction = true;
    e.target = 3;
    e.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__INVALID_ARGUMENT);
    consistent(c);
}

/* A metric checked in at 5 turned milestone used to keep 5 and score 0:
 * its check-ins were measured as a metric, so the kind change is refused. */
static void test_table_kind_change_after_checkins_is_refused(void **state)
{
    ctx *c = C(state);
    node_id o, k;
    objective(c, Q4, o);
    metric(c, o, 0, 10, 0, k);
    checkin(c, k, 5);
    Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
    e.id = k;
    e.has_kind = true;
    e.kind = OKR__KR_KIND__MILESTONE;
    char want[200];
    snprintf(want, sizeof want, "%s has 1 check-ins measured as a metric: its kind cannot "
             "change; add a new key result of kind milestone instead", k);
    assert_string_equal(refused(c, req_kr_edit(&c->a, &e), OKR__ERROR_CODE__CONFLICT), want);
    assert_int_equal(score(c, k), 500000);
    consistent(c);
}

static void test_table_rollup_without_children_scores_zero(void **state)
{
    ctx *c = C(state);
    node_id o, r;
    objective(c, Q4, o);
    rollup_kr(c, o, 0, r);
    expect_kr(c, r, 0, 0, OKR__HEALTH__OFF_TRACK);
    consistent(c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_design_example_scores_exact_integers),
        T(test_metric_overshoot_and_undershoot_clamp_for_rollup),
        T(test_threshold_kr_scores_one_on_the_right_side_inclusive),
        T(test_threshold_without_checkins_scores_its_start_however_it_was_set),
        T(test_metric_never_checked_in_scores_zero_after_any_edit),
        T(test_milestone_takes_only_done_or_not_done),
        T(test_milestone_checkin_carries_its_likelihood),
        T(test_rollup_kr_scores_the_objective_aligned_to_it),
        T(test_rollup_kr_weights_its_children_by_alignment_weight),
        T(test_objective_without_krs_averages_its_child_objectives),
        T(test_objective_with_nothing_below_scores_zero),
        T(test_kr_weights_weight_the_objective_mean),
        T(test_diamond_with_a_shared_ancestor_gives_the_from_scratch_value),
        T(test_changed_reply_lists_every_score_that_moved_with_the_next_seq),
        T(test_self_alignment_is_a_cycle_and_refused),
        T(test_aligning_to_its_own_kr_is_a_cycle_and_refused),
        T(test_a_longer_cycle_is_refused_and_changes_nothing),
        T(test_alignment_to_an_unknown_node_is_not_found),
        T(test_alignment_weight_must_be_1_to_1000),
        T(test_aligning_again_changes_the_weight),
        T(test_unalign_withdraws_the_child_and_unknown_link_is_not_found),
        T(test_objective_add_aligns_to_every_parent_given),
        T(test_metric_with_target_equal_to_start_is_invalid),
        T(test_nan_and_infinite_values_are_invalid),
        T(test_checkin_on_a_rollup_kr_is_refused),
        T(test_kr_weight_must_be_1_to_1000),
        T(test_kr_weight_change_reweights_the_objective),
        T(test_editing_metric_values_rescores_from_the_current_value),
        T(test_kind_change_rollup_to_metric_and_back),
        T(test_kind_change_to_threshold_and_milestone_before_checkins),
        T(test_aligning_to_a_leaf_kr_is_refused_with_what_to_do),
        T(test_objective_add_refuses_align_to_a_leaf_kr),
        T(test_progress_source_aligned_scores_from_the_children_only),
        T(test_progress_source_both_is_one_mean_over_krs_and_children),
        T(test_changing_the_progress_source_moves_the_ancestors),
        T(test_an_invalid_progress_source_is_refused),
        T(test_show_says_which_aligned_children_do_not_count),
        T(test_done_milestone_is_not_capped_by_an_older_low_confidence),
        T(test_kr_at_target_does_not_cap_its_objective_by_a_stale_confidence),
        T(test_committed_objectives_are_graded_against_one),
        T(test_table_metric_before_any_checkin_scores_zero),
        T(test_table_metric_decimals_and_decreasing_target),
        T(test_table_metric_below_baseline_scores_zero_attainment_negative),
        T(test_table_metric_overshoot_scores_one_attainment_above),
        T(test_table_metric_negative_values),
        T(test_table_metric_start_equal_target_is_refused),
        T(test_table_metric_attainment_is_capped),
        T(test_table_threshold_without_value_is_not_met),
        T(test_table_threshold_with_start_scores_it_before_checkins),
        T(test_table_threshold_exactly_at_the_bound_is_met),
        T(test_table_threshold_negative_bound),
        T(test_table_milestone_not_done_and_done),
        T(test_table_milestone_start_or_target_edit_is_refused),
        T(test_table_metric_direction_edit_is_refused),
        T(test_table_kind_change_after_checkins_is_refused),
        T(test_table_rollup_without_children_scores_zero),
        T(test_archive_removes_an_objective_from_its_parents_and_restore_returns_it),
        T(test_archived_child_score_change_reaches_parents_on_restore),
        T(test_deleting_an_objective_rescores_parents_and_unaligns_children),
        T(test_deleting_a_kr_rescores_its_objective_and_unaligns_its_children),
        T(test_deleting_an_archived_objective_leaves_its_parents_alone),
        T(test_closed_period_refuses_checkins_and_edits),
        T(test_closing_is_refused_while_another_open_period_aligns_into_it),
        T(test_reopening_another_period_does_not_unfreeze_a_closed_score),
        T(test_a_refused_request_in_a_batch_rolls_back_alone),
        T(test_history_lists_checkins_oldest_first_with_their_seq),
        T(test_requests_of_another_protocol_version_are_refused),
        T(test_objective_without_period_goes_to_the_open_period_containing_today),
        T(test_period_dates_must_be_ordered_and_names_unique),
        T(test_team_must_exist_before_objectives_use_it),
        T(test_a_brief_objective_read_leaves_out_parents_and_children),
        T(test_viewers_read_and_editors_change_okrs_but_not_periods),
        T(test_each_accepted_change_is_logged_with_the_scores_it_moved),
        T(test_indexes_follow_objective_add_team_edit_and_delete),
        T(test_list_by_team_or_period_gives_the_full_scan_filtered_in_id_order),
        T(test_tree_of_a_team_or_period_starts_where_the_parents_do_not_match),
        T(test_verify_reports_missing_wrong_and_orphan_index_entries),
        T(test_a_checkin_on_a_12_level_ladder_of_diamonds_visits_each_ancestor_once),
        T(test_a_checkin_on_a_40_level_chain_visits_each_ancestor_once),
        T(test_a_checkin_on_a_40_level_ladder_of_diamonds_visits_each_ancestor_once),
        T(test_structural_changes_on_the_ladder_visit_each_ancestor_once),
        T(test_a_stored_cycle_fails_the_change_instead_of_looping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
