/* test_peer.c — the reply accounting of server/peer.c: budgets per client
 * and in total, bytes counted until libzmq lets go of a reply, the bounded
 * table and its sweep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "okr.pb-c.h"
#include "peer.h"

static peer *ref_id(peer_table *t, unsigned n)
{
    unsigned char id[5] = {0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n};
    return peers_ref(t, id, sizeof id);
}

static void test_a_peer_is_dropped_once_its_budget_is_used(void **state)
{
    (void)state;
    peer_table t;
    peers_init(&t);
    peer *p = ref_id(&t, 1);
    assert_non_null(p);
    assert_true(peers_admit(&t, p));
    peers_batch_add(&t, p, OKR_MAX_PEER_REPLY_BYTES - 1);
    assert_true(peers_admit(&t, p));
    peers_batch_add(&t, p, 1);
    assert_false(peers_admit(&t, p));
    assert_false(peers_admit(&t, p));
    assert_int_equal(t.dropped, 2);
    assert_int_equal(t.throttled, 1);          /* one episode */
    peers_batch_start(&t, p);
    assert_true(peers_admit(&t, p));
    peers_unref(p);
    peers_free(&t);
}

static void test_the_total_budget_keeps_a_reserve_for_idle_peers(void **state)
{
    (void)state;
    peer_table t;
    peers_init(&t);
    size_t per = OKR_MAX_PEER_REPLY_BYTES / 2;
    unsigned n = OKR_MAX_QUEUED_REPLY_BYTES / per;
    for (unsigned i = 0; i < n; i++) {
        peer *p = ref_id(&t, i);
        assert_true(peers_admit(&t, p));
        peers_batch_add(&t, p, per);
    }
    peer *busy = ref_id(&t, 0);                /* has bytes, under its own budget */
    assert_false(peers_admit(&t, busy));
    peer *idle = ref_id(&t, 1000);             /* nothing queued: the reserve */
    assert_true(peers_admit(&t, idle));
    peers_batch_add(&t, idle, OKR_QUEUED_REPLY_RESERVE);
    peer *late = ref_id(&t, 1001);
    assert_false(peers_admit(&t, late));       /* the reserve is used up too */
    assert_int_equal(t.dropped, 2);
    peers_free(&t);
}

/* Over inproc, libzmq hands the receiver the sender's buffer: the bytes are
 * in flight until the receiver closes its message. */
static void test_reply_bytes_count_until_libzmq_lets_go(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
    assert_int_equal(zmq_bind(a, "inproc://peer-test"), 0);
    assert_int_equal(zmq_connect(b, "inproc://peer-test"), 0);
    peer_table t;
    peers_init(&t);
    peer *p = ref_id(&t, 7);
    Okr__Status st = OKR__STATUS__INIT;
    st.version = "a version string long enough not to be a very small message";
    size_t len = okr__status__get_packed_size(&st);
    zmq_msg_t frame;
    assert_int_equal(peers_reply_frame(&t, p, &st.base, len, &frame), 0);
    assert_int_equal(atomic_load(&p->in_flight), len);
    assert_int_equal(atomic_load(&t.in_flight), len);
    assert_int_equal(zmq_msg_send(&frame, a, 0), (int)len);
    zmq_msg_t got;
    zmq_msg_init(&got);
    assert_int_equal(zmq_msg_recv(&got, b, 0), (int)len);
    Okr__Status *back = okr__status__unpack(NULL, zmq_msg_size(&got), zmq_msg_data(&got));
    assert_non_null(back);
    assert_string_equal(back->version, st.version);
    okr__status__free_unpacked(back, NULL);
    assert_int_equal(atomic_load(&t.in_flight), len);
    zmq_msg_close(&got);
    assert_int_equal(atomic_load(&p->in_flight), 0);
    assert_int_equal(atomic_load(&t.in_flight), 0);
    peers_unref(p);
    zmq_close(a);
    zmq_close(b);
    zmq_ctx_term(ctx);
    peers_free(&t);
}

static void test_sweep_keeps_referenced_and_busy_peers_only(void **state)
{
    (void)state;
    peer_table t;
    peers_init(&t);
    peer *held = ref_id(&t, 1), *gone = ref_id(&t, 2), *busy = ref_id(&t, 3);
    (void)gone;
    Okr__Status st = OKR__STATUS__INIT;
    st.version = "1";
    zmq_msg_t frame;
    assert_int_equal(
        peers_reply_frame(&t, busy, &st.base, okr__status__get_packed_size(&st), &frame), 0);
    peers_unref(ref_id(&t, 2));               /* the second reference */
    peers_unref(gone);
    peers_unref(busy);
    peers_sweep(&t);
    assert_int_equal(t.n, 2);                 /* held and busy */
    zmq_msg_close(&frame);
    peers_sweep(&t);
    assert_int_equal(t.n, 1);
    assert_ptr_equal(ref_id(&t, 1), held);    /* the same entry */
    peers_free(&t);
}

static void test_a_full_table_refuses_new_peers(void **state)
{
    (void)state;
    peer_table t;
    peers_init(&t);
    for (unsigned i = 0; i < OKR_MAX_PEERS; i++)
        assert_non_null(ref_id(&t, i));
    assert_null(ref_id(&t, OKR_MAX_PEERS));
    assert_non_null(ref_id(&t, 0));           /* known ones are still found */
    assert_false(peers_admit(&t, NULL));
    assert_int_equal(t.dropped, 1);
    assert_null(peers_ref(&t, "", 0));        /* not a ROUTER identity */
    peers_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_peer_is_dropped_once_its_budget_is_used),
        cmocka_unit_test(test_the_total_budget_keeps_a_reserve_for_idle_peers),
        cmocka_unit_test(test_reply_bytes_count_until_libzmq_lets_go),
        cmocka_unit_test(test_sweep_keeps_referenced_and_busy_peers_only),
        cmocka_unit_test(test_a_full_table_refuses_new_peers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
