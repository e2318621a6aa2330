/* test_faults.c — storage faults on purpose, through okrd's real group
 * commit (server/batch_core.c, via tests/lib/server_fixture.h) and the
 * store's fault hook (store.h: store_fault_countdown).
 *
 * One batch of several mutations and a read runs once with a counting hook
 * to number its storage operations (writes, nested commits, the batch's
 * commit); then, on a fresh store each time, the Nth operation fails with
 * ENOSPC, EIO or MDB_MAP_FULL, for every N. Afterwards:
 *   - ENOSPC / EIO in a request's write or nested commit: that request alone
 *     is refused (RESOURCE_EXHAUSTED "the disk is full" / INTERNAL, "nothing
 *     was changed"), the others succeed, and the store is byte for byte the
 *     store of the same batch with that request replaced by an invalid one;
 *   - ENOSPC / EIO in the batch's commit: every reply is that error and the
 *     store is byte for byte what it was before the batch;
 *   - MDB_MAP_FULL anywhere: the map grows once, the batch is redone, every
 *     request succeeds and the store is that of the batch without a fault;
 * and always: seqs are contiguous and match the accepted mutations, the
 * roll-up verifies (0 differences), and the next batch runs normally. */
#include <errno.h>
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

#include "logging.h"

#define Q4 "2026-Q4"
#define N_BATCH 6
#define ALL_OPS ((1u << STORE_FAULT_WRITE) | (1u << STORE_FAULT_COMMIT) | (1u << STORE_FAULT_SYNC))
#define NO_FAULT ((size_t)-1)

static Okr__Request *with_id(Okr__Request *req, uint64_t id)
{
    req->has_request_id = true;
    req->request_id = id;
    return req;
}

/* A fresh store holding period Q4, objective O1 and metric KR K1 (0 -> 100). */
static void open_base(fixture *f, arena *a)
{
    assert_int_equal(fixture_open(f, 0), 0);
    /* Durability is not under test here; the commits are otherwise the same. */
    mdb_env_set_flags(f->st.env, MDB_NOSYNC, 1);
    assert_int_equal(fixture_do(f, req_period_add(a, Q4, "2026-10-01", "2026-12-31"), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(f, req_objective_add(a, "grow", Q4, 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(f, req_kr_add_metric(a, "O1", 0, 100, 0), NULL),
                     OKR__ERROR_CODE__OK);
}

/* The batch under test: five mutations independent of each other (with
 * request ids, so the reply cache writes too) and a read. Request `invalid` (unless NO_FAULT) is
 * replaced by a team with an empty name: refused before any write. */
static size_t make_batch(arena *a, const Okr__Request **reqs, size_t invalid)
{
    const char *parents[] = {"O1"};
    reqs[0] = with_id(req_checkin(a, "K1", 10), 101);
    reqs[1] = with_id(req_objective_add(a, "child", Q4, 1, parents, NULL), 102);
    reqs[2] = with_id(req_kr_add_metric(a, "O1", 0, 10, 2), 103);
    reqs[3] = req_objective_get(a, "O1");
    reqs[4] = with_id(req_checkin(a, "K1", 55), 104);
    reqs[5] = with_id(req_team_add(a, "platform"), 105);
    if (invalid != NO_FAULT)
        reqs[invalid] = req_team_add(a, "");
    return N_BATCH;
}

static bool is_mutation(size_t i) { return i != 3; }

/* Every database but meta (its epoch is random per store): comparable
 * across two stores. */
static unsigned char *snapshot_data(fixture *f, size_t *len)
{
    const MDB_dbi dbis[] = {f->st.periods, f->st.teams, f->st.objectives, f->st.krs,
                            f->st.up, f->st.down, f->st.agg, f->st.checkins, f->st.events,
                            f->st.by_period, f->st.by_team, f->st.by_owner, f->st.users,
                            f->st.replies};
    return fixture_snapshot(f, dbis, sizeof dbis / sizeof dbis[0], len);
}

typedef struct {
    unsigned char *bytes;
    size_t len;
} snap;

static bool snap_equal(snap a, snap b)
{
    return a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0;
}

/* The data after the batch on a fresh base store, request `invalid`
 * replaced (NO_FAULT: the batch as is); every reply must say what it should. */
static snap reference(size_t invalid)
{
    fixture f;
    arena a;
    arena_init(&a);
    open_base(&f, &a);
    const Okr__Request *reqs[N_BATCH];
    Okr__Response *resps[N_BATCH];
    size_t n = make_batch(&a, reqs, invalid);
    fixture_batch(&f, reqs, n, resps);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fixture_code(resps[i]), i == invalid ? OKR__ERROR_CODE__INVALID_ARGUMENT
                                                              : OKR__ERROR_CODE__OK);
    snap s;
    s.bytes = snapshot_data(&f, &s.len);
    fixture_close(&f);
    arena_free(&a);
    return s;
}

typedef struct {
    uint64_t next, count;
    bool contiguous;
} seq_walk;

static bool walk_seq(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)val;
    seq_walk *w = ctx;
    uint64_t seq = okr_get_be64(key->mv_data);
    if (w->count > 0 && seq != w->next)
        w->contiguous = false;
    w->next = seq + 1;
    w->count++;
    return true;
}

/* The event log holds seqs 1..last_seq without a gap, and the store's last
 * seq is the fixture's; the roll-up verifies. */
static void assert_consistent(fixture *f)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f->st, NULL, false, &mem);
    seq_walk w = {.contiguous = true};
    store_foreach(&t, f->st.events, walk_seq, &w);
    assert_int_equal(t.rc, 0);
    store_txn_abort(&t);
    arena_free(&mem);
    assert_true(w.contiguous);
    assert_int_equal(w.count, f->last_seq);
    assert_int_equal(fixture_last_seq(f), f->last_seq);
    assert_int_equal(fixture_verify(f), 0);
}

/* The storage operations the batch makes, numbered by the hook. */
static unsigned long count_ops(void)
{
    fixture f;
    arena a;
    arena_init(&a);
    open_base(&f, &a);
    store_fault_countdown c = {.mask = ALL_OPS};
    f.st.fault = store_fault_countdown_hook;
    f.st.fault_arg = &c;
    const Okr__Request *reqs[N_BATCH];
    Okr__Response *resps[N_BATCH];
    fixture_batch(&f, reqs, make_batch(&a, reqs, NO_FAULT), resps);
    f.st.fault = NULL;
    for (size_t i = 0; i < N_BATCH; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
    fixture_close(&f);
    arena_free(&a);
    return c.calls;
}

typedef struct {
    unsigned one_refused, all_refused, redone;
} outcomes;

static void assert_storage_error(const Okr__Response *r, int rc)
{
    char want[256];
    snprintf(want, sizeof want, "storage error: %s; nothing was changed", store_strerror(rc));
    assert_int_equal(fixture_code(r), store_error_code(rc));
    assert_non_null(r->error);
    assert_string_equal(r->error->message, want);
    if (rc == ENOSPC)
        assert_non_null(strstr(r->error->message, "the disk is full"));
}

/* Which request was refused (NO_FAULT: none; N_BATCH: all). Fails the test
 * for any other pattern of replies. */
static size_t refused(Okr__Response **resps, int rc)
{
    size_t bad = 0, which = NO_FAULT;
    for (size_t i = 0; i < N_BATCH; i++)
        if (fixture_code(resps[i]) != OKR__ERROR_CODE__OK) {
            bad++;
            which = i;
        }
    if (bad == 0)
        return NO_FAULT;
    for (size_t i = 0; i < N_BATCH; i++)
        if (bad == N_BATCH || i == which)
            assert_storage_error(resps[i], rc);
    if (bad == N_BATCH)
        return N_BATCH;
    assert_int_equal(bad, 1);
    assert_true(is_mutation(which));
    return which;
}

/* The Nth storage operation of the batch fails with rc; check everything. */
static void run_fault(int rc, unsigned long n, const snap *refs, snap full, outcomes *out)
{
    fixture f;
    arena a;
    arena_init(&a);
    open_base(&f, &a);
    uint64_t seq_before = f.last_seq;
    snap before;
    before.bytes = fixture_snapshot_all(&f, &before.len);
    store_fault_countdown c = {.mask = ALL_OPS, .fail_at = n, .rc = rc};
    f.st.fault = store_fault_countdown_hook;
    f.st.fault_arg = &c;
    const Okr__Request *reqs[N_BATCH];
    Okr__Response *resps[N_BATCH];
    fixture_batch(&f, reqs, make_batch(&a, reqs, NO_FAULT), resps);
    f.st.fault = NULL;
    assert_true(c.fired);

    snap after;
    if (rc == MDB_MAP_FULL) {
        for (size_t i = 0; i < N_BATCH; i++)
            assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
        assert_int_equal(f.map_grows, 1);
        assert_int_equal(f.batch_rc, 0);
        assert_int_equal(f.last_seq, seq_before + 5);
        after.bytes = snapshot_data(&f, &after.len);
        assert_true(snap_equal(after, full));
        out->redone++;
    } else {
        size_t which = refused(resps, rc);
        assert_true(which != NO_FAULT);             /* a fault never goes unnoticed */
        if (which == N_BATCH) {
            assert_int_equal(f.batch_rc, rc);
            assert_int_equal(f.last_seq, seq_before);
            after.bytes = fixture_snapshot_all(&f, &after.len);
            assert_true(snap_equal(after, before));
            out->all_refused++;
        } else {
            assert_int_equal(f.batch_rc, 0);
            assert_int_equal(f.last_seq, seq_before + 4);
            after.bytes = snapshot_data(&f, &after.len);
            if (!snap_equal(after, refs[which]))
                fail_msg("fault %s at op %lu: request %zu refused, but the store is not the "
                         "batch without it", store_strerror(rc), n, which);
            out->one_refused++;
        }
    }
    free(after.bytes);
    free(before.bytes);
    assert_consistent(&f);
    /* The store goes on: the next batch commits with the next seq. */
    uint64_t seq = f.last_seq;
    assert_int_equal(fixture_do(&f, req_checkin(&a, "K1", 42), NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(f.last_seq, seq + 1);
    assert_consistent(&f);
    fixture_close(&f);
    arena_free(&a);
}

static void every_position(int rc)
{
    unsigned long ops = count_ops();
    assert_true(ops >= 2 * 5 + 1);    /* at least a write and a commit per mutation, and the batch's */
    snap refs[N_BATCH], full = reference(NO_FAULT);
    for (size_t k = 0; k < N_BATCH; k++)
        refs[k] = is_mutation(k) ? reference(k) : (snap){NULL, 0};
    outcomes out = {0};
    for (unsigned long n = 1; n <= ops; n++)
        run_fault(rc, n, refs, full, &out);
    print_message("%s: %lu operations; %u refused one request, %u the whole batch, "
                  "%u redone\n", store_strerror(rc), ops, out.one_refused, out.all_refused,
                  out.redone);
    /* Every kind of position was hit: a request's own operations, and the
     * batch's commit (the last one). */
    if (rc == MDB_MAP_FULL) {
        assert_int_equal(out.redone, ops);
    } else {
        assert_int_equal(out.all_refused + out.one_refused, ops);
        assert_true(out.all_refused >= 1);
        assert_true(out.one_refused >= 5);
    }
    for (size_t k = 0; k < N_BATCH; k++)
        free(refs[k].bytes);
    free(full.bytes);
}

static void test_disk_full_at_every_operation_of_a_batch(void **state)
{
    (void)state;
    every_position(ENOSPC);
}

static void test_io_error_at_every_operation_of_a_batch(void **state)
{
    (void)state;
    every_position(EIO);
}

static void test_map_full_at_every_operation_of_a_batch_is_redone(void **state)
{
    (void)state;
    every_position(MDB_MAP_FULL);
}

/* The countdown: numbers only the ops of its mask, fires once. */
static void test_the_countdown_fires_once_at_its_number(void **state)
{
    (void)state;
    store_fault_countdown c = {.mask = 1u << STORE_FAULT_SYNC, .fail_at = 2, .rc = EIO};
    assert_int_equal(store_fault_countdown_hook(&c, STORE_FAULT_WRITE), 0);
    assert_int_equal(store_fault_countdown_hook(&c, STORE_FAULT_SYNC), 0);
    assert_int_equal(store_fault_countdown_hook(&c, STORE_FAULT_COMMIT), 0);
    assert_int_equal(store_fault_countdown_hook(&c, STORE_FAULT_SYNC), EIO);
    assert_true(c.fired);
    assert_int_equal(store_fault_countdown_hook(&c, STORE_FAULT_SYNC), 0);
    assert_int_equal(c.calls, 2);
}

/* A batch of reads runs in a read transaction: no storage operation the
 * hook numbers, so no fault of this kind can touch it. */
static void test_a_batch_of_reads_makes_no_storage_writes(void **state)
{
    (void)state;
    fixture f;
    arena a;
    arena_init(&a);
    open_base(&f, &a);
    store_fault_countdown c = {.mask = ALL_OPS};
    f.st.fault = store_fault_countdown_hook;
    f.st.fault_arg = &c;
    const Okr__Request *reqs[] = {req_objective_get(&a, "O1"), req_kr_get(&a, "K1")};
    Okr__Response *resps[2];
    fixture_batch(&f, reqs, 2, resps);
    f.st.fault = NULL;
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_code(resps[1]), OKR__ERROR_CODE__OK);
    assert_int_equal(c.calls, 0);
    fixture_close(&f);
    arena_free(&a);
}

int main(void)
{
    log_setup(LOG_LEVEL_WARN, false);      /* not a "map full ... grown" line per case */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_countdown_fires_once_at_its_number),
        cmocka_unit_test(test_a_batch_of_reads_makes_no_storage_writes),
        cmocka_unit_test(test_disk_full_at_every_operation_of_a_batch),
        cmocka_unit_test(test_io_error_at_every_operation_of_a_batch),
        cmocka_unit_test(test_map_full_at_every_operation_of_a_batch_is_redone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
