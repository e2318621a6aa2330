/* test_dedup.c — exactly-once (server/dedup.c) through the real handlers:
 * a mutation repeated with the same request id by the same actor gets the
 * first reply, byte for byte, and changes nothing; within one batch too;
 * another actor's id is another request; another body under a used id is
 * CONFLICT; a refused mutation is not remembered; the window keeps what it
 * promises and pruning is bounded; the records survive reopening the store.
 *
 * The fixture (tests/lib/server_fixture.h) runs okrd's own group commit
 * (server/batch_core.c), which calls dedup_replay, dedup_record and
 * dedup_prune. */
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

#include "dedup.h"

#define Q4 "2026-Q4"

typedef struct {
    fixture f;
    arena a;        /* requests: outlive the fixture's per-batch arena */
} ctx;

/* A packed response, malloc'd: it outlives the batch that made it. */
typedef struct {
    uint8_t *bytes;
    size_t len;
} packed;

static packed pack(const Okr__Response *r)
{
    packed p = {.len = okr__response__get_packed_size(r)};
    p.bytes = malloc(p.len + 1);
    assert_non_null(p.bytes);
    okr__response__pack(r, p.bytes);
    return p;
}

static void assert_same_bytes(packed a, packed b)
{
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.bytes, b.bytes, a.len);
}

static Okr__Request *with_id(Okr__Request *req, uint64_t id)
{
    req->has_request_id = true;
    req->request_id = id;
    return req;
}

/* Run req; it must succeed. Returns its reply, packed. */
static packed ok(ctx *c, const Okr__Request *req)
{
    Okr__Response *r = NULL;
    Okr__ErrorCode code = fixture_do(&c->f, req, &r);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("refused (%d): %s", code, r && r->error ? r->error->message : "?");
    return pack(r);
}

static size_t checkins_of(ctx *c, const char *kr)
{
    Okr__Response *r = NULL;
    assert_int_equal(fixture_do(&c->f, req_history(&c->a, kr, 1000), &r), OKR__ERROR_CODE__OK);
    return r->history->n_checkins;
}

static uint64_t records(ctx *c)
{
    store_txn t;
    arena_reset(&c->f.mem);
    store_txn_begin(&t, &c->f.st, NULL, false, &c->f.mem);
    uint64_t n = dedup_count(&t);
    assert_int_equal(t.rc, 0);
    store_txn_abort(&t);
    return n;
}

static uint64_t seq_of(packed p)
{
    Okr__Response *r = okr__response__unpack(NULL, p.len, p.bytes);
    assert_non_null(r);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_CHANGED);
    uint64_t seq = r->changed->seq;
    okr__response__free_unpacked(r, NULL);
    return seq;
}

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL || fixture_open(&c->f, 0) != 0)
        return -1;
    arena_init(&c->a);
    *state = c;
    free(ok(c, req_period_add(&c->a, Q4, "2026-10-01", "2026-12-31")).bytes);
    free(ok(c, req_objective_add(&c->a, "ship it", Q4, 0, NULL, NULL)).bytes);
    free(ok(c, req_kr_add_metric(&c->a, "O1", 0, 100, 0)).bytes);
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    size_t mismatches = fixture_verify(&c->f);
    arena_free(&c->a);
    fixture_close(&c->f);
    free(c);
    return mismatches == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ repeats */

static void test_a_repeat_gets_the_identical_reply_and_changes_nothing(void **state)
{
    ctx *c = *state;
    Okr__Request *req = with_id(req_checkin(&c->a, "K1", 40), 42);
    packed first = ok(c, req);
    uint64_t seq = fixture_last_seq(&c->f);
    assert_int_equal(seq_of(first), seq);
    size_t len;
    unsigned char *before = fixture_snapshot_all(&c->f, &len);

    for (int i = 0; i < 4; i++) {
        packed again = ok(c, req);
        assert_same_bytes(first, again);
        free(again.bytes);
    }
    size_t after_len;
    unsigned char *after = fixture_snapshot_all(&c->f, &after_len);
    assert_int_equal(len, after_len);
    assert_memory_equal(before, after, len);        /* no event, no seq, no check-in */
    assert_int_equal(fixture_last_seq(&c->f), seq);
    assert_int_equal(checkins_of(c, "K1"), 1);
    assert_int_equal(fixture_score(&c->f, "K1"), 400000);
    free(before);
    free(after);
    free(first.bytes);
}

static void test_a_repeat_in_the_same_batch_is_done_once(void **state)
{
    ctx *c = *state;
    Okr__Request *req = with_id(req_checkin(&c->a, "K1", 25), 7);
    Okr__Request *other = with_id(req_checkin(&c->a, "K1", 30), 7);
    const Okr__Request *reqs[] = {req, req, other, req};
    Okr__Response *resps[4];
    uint64_t seq = fixture_last_seq(&c->f);
    fixture_batch(&c->f, reqs, 4, resps);
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__OK);
    packed first = pack(resps[0]), second = pack(resps[1]), fourth = pack(resps[3]);
    assert_same_bytes(first, second);
    assert_same_bytes(first, fourth);
    assert_int_equal(fixture_code(resps[2]), OKR__ERROR_CODE__CONFLICT);
    assert_string_equal(resps[2]->error->message,
                        "request id 7 was already used for another request");
    assert_int_equal(fixture_last_seq(&c->f), seq + 1);
    assert_int_equal(seq_of(first), seq + 1);
    assert_int_equal(checkins_of(c, "K1"), 1);
    free(first.bytes);
    free(second.bytes);
    free(fourth.bytes);
}

static void test_another_actor_with_the_same_id_is_another_request(void **state)
{
    ctx *c = *state;
    Okr__Request *req = with_id(req_checkin(&c->a, "K1", 10), 99);
    c->f.actor = "ana";
    packed ana = ok(c, req);
    c->f.actor = "bob";
    packed bob = ok(c, req);
    assert_int_equal(seq_of(bob), seq_of(ana) + 1);
    assert_int_equal(checkins_of(c, "K1"), 2);
    c->f.actor = "ana";
    packed ana_again = ok(c, req);
    assert_same_bytes(ana, ana_again);
    assert_int_equal(checkins_of(c, "K1"), 2);
    free(ana.bytes);
    free(bob.bytes);
    free(ana_again.bytes);
}

static void test_another_body_under_a_used_id_is_a_conflict_and_changes_nothing(void **state)
{
    ctx *c = *state;
    free(ok(c, with_id(req_checkin(&c->a, "K1", 10), 5)).bytes);
    size_t len, after_len;
    unsigned char *before = fixture_snapshot_all(&c->f, &len);
    uint64_t seq = fixture_last_seq(&c->f);

    Okr__Response *r = NULL;
    Okr__Request *edit = with_id(req_checkin(&c->a, "K1", 11), 5);
    assert_int_equal(fixture_do(&c->f, edit, &r), OKR__ERROR_CODE__CONFLICT);
    assert_string_equal(r->error->message, "request id 5 was already used for another request");
    assert_int_equal(r->request_id, 5);
    /* another kind of request under the id: the same */
    Okr__Request *delete = with_id(req_kr_delete(&c->a, "K1"), 5);
    assert_int_equal(fixture_do(&c->f, delete, &r), OKR__ERROR_CODE__CONFLICT);

    unsigned char *after = fixture_snapshot_all(&c->f, &after_len);
    assert_int_equal(len, after_len);
    assert_memory_equal(before, after, len);
    assert_int_equal(fixture_last_seq(&c->f), seq);
    free(before);
    free(after);
}

static void test_a_refused_mutation_is_not_remembered_and_its_retry_is_evaluated(void **state)
{
    ctx *c = *state;
    Okr__Request *req = with_id(req_checkin(&c->a, "K2", 50), 11);
    Okr__Response *r = NULL;
    assert_int_equal(fixture_do(&c->f, req, &r), OKR__ERROR_CODE__NOT_FOUND);
    assert_int_equal(records(c), 0);
    free(ok(c, req_kr_add_metric(&c->a, "O1", 0, 100, 0)).bytes);   /* K2 now exists */
    packed done = ok(c, req);
    assert_int_equal(checkins_of(c, "K2"), 1);
    assert_int_equal(records(c), 1);
    free(done.bytes);
}

static void test_requests_without_an_id_and_reads_are_never_deduplicated(void **state)
{
    ctx *c = *state;
    Okr__Request *bare = req_checkin(&c->a, "K1", 10);
    free(ok(c, bare).bytes);
    free(ok(c, bare).bytes);
    Okr__Request *zero = with_id(req_checkin(&c->a, "K1", 10), 0);
    free(ok(c, zero).bytes);
    free(ok(c, zero).bytes);
    assert_int_equal(checkins_of(c, "K1"), 4);
    /* a read under a mutation's id is answered afresh */
    free(ok(c, with_id(req_checkin(&c->a, "K1", 20), 3)).bytes);
    Okr__Response *r = NULL;
    assert_int_equal(fixture_do(&c->f, with_id(req_kr_get(&c->a, "K1"), 3), &r),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_KR);
    assert_int_equal(records(c), 1);
}

/* ------------------------------------------------------------ the window */

static void test_pruning_keeps_the_young_and_the_newest_and_is_bounded(void **state)
{
    ctx *c = *state;
    const dedup_window w = {.keep_us = INT64_C(10) * 1000000, .keep_count = 3, .prune_max = 2};
    c->f.dedup = &w;
    packed first[9];
    for (uint64_t id = 1; id <= 8; id++)     /* one second apart: all young */
        first[id] = ok(c, with_id(req_checkin(&c->a, "K1", (double)id), id));
    assert_int_equal(records(c), 8);

    c->f.now += INT64_C(60) * 1000000;       /* now all are old: only the count keeps them */
    free(ok(c, req_checkin(&c->a, "K1", 50)).bytes);   /* no id: a batch that prunes */
    assert_int_equal(records(c), 6);                    /* at most prune_max a batch */
    free(ok(c, req_checkin(&c->a, "K1", 51)).bytes);
    free(ok(c, req_checkin(&c->a, "K1", 52)).bytes);
    assert_int_equal(records(c), 3);                    /* never below keep_count */
    free(ok(c, req_checkin(&c->a, "K1", 53)).bytes);
    assert_int_equal(records(c), 3);

    /* The newest three still answer with their first reply ... */
    for (uint64_t id = 6; id <= 8; id++) {
        packed again = ok(c, with_id(req_checkin(&c->a, "K1", (double)id), id));
        assert_same_bytes(first[id], again);
        free(again.bytes);
    }
    /* ... the pruned ones are new requests again. */
    uint64_t seq = fixture_last_seq(&c->f);
    packed redone = ok(c, with_id(req_checkin(&c->a, "K1", 1), 1));
    assert_int_equal(seq_of(redone), seq + 1);
    free(redone.bytes);
    for (int i = 1; i <= 8; i++)
        free(first[i].bytes);
}

static void test_okrds_window_keeps_a_day_old_record_among_the_newest(void **state)
{
    ctx *c = *state;
    assert_null(c->f.dedup);
    assert_int_equal(dedup_default_window.keep_us, INT64_C(24) * 3600 * 1000000);
    assert_int_equal(dedup_default_window.keep_count, 100000);
    Okr__Request *req = with_id(req_checkin(&c->a, "K1", 10), 1234);
    packed first = ok(c, req);
    c->f.now += INT64_C(48) * 3600 * 1000000;   /* two days later, few records */
    free(ok(c, req_checkin(&c->a, "K1", 20)).bytes);
    packed again = ok(c, req);
    assert_same_bytes(first, again);
    assert_int_equal(records(c), 1);
    free(first.bytes);
    free(again.bytes);
}

static void test_young_records_are_kept_beyond_the_count(void **state)
{
    ctx *c = *state;
    const dedup_window w = {.keep_us = INT64_C(3600) * 1000000, .keep_count = 2,
                            .prune_max = 100};
    c->f.dedup = &w;
    for (uint64_t id = 1; id <= 6; id++)
        free(ok(c, with_id(req_checkin(&c->a, "K1", (double)id), id)).bytes);
    assert_int_equal(records(c), 6);
}

/* ------------------------------------------------------------ durability */

static void test_the_records_survive_closing_and_reopening_the_store(void **state)
{
    ctx *c = *state;
    Okr__Request *req = with_id(req_checkin(&c->a, "K1", 70), 777);
    packed first = ok(c, req);
    uint64_t seq = fixture_last_seq(&c->f);

    char err[512];
    store_close(&c->f.st);
    assert_int_equal(store_open(&c->f.st, c->f.dir, STORE_DEFAULT_MAP_SIZE, true, err,
                                sizeof err), 0);
    packed again = ok(c, req);
    assert_same_bytes(first, again);
    assert_int_equal(fixture_last_seq(&c->f), seq);
    assert_int_equal(checkins_of(c, "K1"), 1);
    free(first.bytes);
    free(again.bytes);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_a_repeat_gets_the_identical_reply_and_changes_nothing),
        T(test_a_repeat_in_the_same_batch_is_done_once),
        T(test_another_actor_with_the_same_id_is_another_request),
        T(test_another_body_under_a_used_id_is_a_conflict_and_changes_nothing),
        T(test_a_refused_mutation_is_not_remembered_and_its_retry_is_evaluated),
        T(test_requests_without_an_id_and_reads_are_never_deduplicated),
        T(test_pruning_keeps_the_young_and_the_newest_and_is_bounded),
        T(test_okrds_window_keeps_a_day_old_record_among_the_newest),
        T(test_young_records_are_kept_beyond_the_count),
        T(test_the_records_survive_closing_and_reopening_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
