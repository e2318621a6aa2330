/* test_topics.c — the topics server/publish.c keeps, against real libzmq
 * SUB and XSUB sockets on a loopback port: an unsubscription only makes a
 * topic doubted (still sent, no longer counted), doubted topics and an
 * overflow are forgotten at a heartbeat once nobody is connected (not at
 * the first one after a subscription message), and the doubted topics are
 * bounded. What okrd sends is read through
 * publish_wanted(), the same test publish_event() makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "publish.h"

#define DEADLINE_MS 10000
#define PER_CONNECTION 2000     /* node topics one connection sends within its 64 KiB */

#define MAX_SOCKETS 16

/* Every socket a test opens is noted, so that a failed test still closes
 * them and zmq_ctx_term() returns. */
typedef struct {
    void *ctx;
    publisher pub;
    char endpoint[256];
    void *socks[MAX_SOCKETS];
} topics_fixture;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
    static topics_fixture f;
    memset(&f, 0, sizeof f);
    f.ctx = zmq_ctx_new();
    assert_int_equal(publish_open(&f.pub, f.ctx, "tcp://127.0.0.1:*", 1000, 0, f.endpoint,
                                  sizeof f.endpoint),
                     0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    topics_fixture *f = *state;
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (f->socks[i])
            zmq_close(f->socks[i]);
    publish_close(&f->pub);
    zmq_ctx_term(f->ctx);
    return 0;
}

typedef bool (*condition)(const publisher *p, const void *arg);

/* Read subscriptions as okrd's loop does until cond holds (or fail). */
static void pump_until(publisher *p, condition cond, const void *arg, const char *what)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!cond(p, arg)) {
        if (now_ms() > deadline)
            fail_msg("not within %d ms: %s", DEADLINE_MS, what);
        zmq_pollitem_t item = {p->socket, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 5) == 1)
            publish_read_subscriptions(p);
    }
}

static bool counted(const publisher *p, const void *arg)
{
    return publish_subscriptions(p) == *(const uint64_t *)arg;
}

static bool wanted(const publisher *p, const void *arg)
{
    return publish_wanted(p, arg);
}

static bool refused(const publisher *p, const void *arg)
{
    return publish_refused(p) == *(const uint64_t *)arg;
}

static bool nobody_connected(const publisher *p, const void *arg)
{
    (void)arg;
    uint64_t n = 1;
    return publish_subscribers(p, &n) && n == 0;
}

static bool connected_at_least(const publisher *p, const void *arg)
{
    uint64_t n = 0;
    return publish_subscribers(p, &n) && n >= *(const uint64_t *)arg;
}

/* Wait until the guard counts n connections or more. */
static void expect_connected(publisher *p, uint64_t n)
{
    pump_until(p, connected_at_least, &n, "the guard to count the connections");
}

static void expect_counted(publisher *p, uint64_t n)
{
    pump_until(p, counted, &n, "the count of topics");
}

static void *note_socket(topics_fixture *f, void *sock)
{
    assert_non_null(sock);
    int i = 0;
    while (i < MAX_SOCKETS && f->socks[i])
        i++;
    assert_true(i < MAX_SOCKETS);
    f->socks[i] = sock;
    return sock;
}

static void *connect_sub(topics_fixture *f, int type)
{
    void *sock = note_socket(f, zmq_socket(f->ctx, type));
    int linger = 0, unlimited = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
    assert_int_equal(zmq_connect(sock, f->endpoint), 0);
    return sock;
}

static void close_sub(topics_fixture *f, void *sock)
{
    for (int i = 0; i < MAX_SOCKETS; i++)
        if (f->socks[i] == sock)
            f->socks[i] = NULL;
    zmq_close(sock);
}

static void subscribe_node(void *sub, int id)
{
    char topic[32];
    int len = snprintf(topic, sizeof topic, "node/O%d/", id);
    assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, (size_t)len), 0);
}

/* n SUB sockets' worth of node topics O<first>.. (PER_CONNECTION each). */
static int flood(topics_fixture *f, void **subs, int first, int n)
{
    int k = 0;
    for (int done = 0; done < n; k++) {
        subs[k] = connect_sub(f, ZMQ_SUB);
        for (int i = 0; i < PER_CONNECTION && done < n; i++, done++)
            subscribe_node(subs[k], first + done);
    }
    return k;
}

/* n node topics from O1 on, until okrd keeps as many as it may. */
static int fill_table(topics_fixture *f, void **subs, int n)
{
    int k = flood(f, subs, 1, n);
    uint64_t kept = n < PUBLISH_MAX_TOPICS ? (uint64_t)n : PUBLISH_MAX_TOPICS;
    pump_until(&f->pub, counted, &kept, "the table to fill");
    return k;
}

static void close_all(topics_fixture *f, void **subs, int n)
{
    for (int i = 0; i < n; i++)
        close_sub(f, subs[i]);
}

static void heartbeat(publisher *p)
{
    unsigned char epoch[16] = {0};
    publish_heartbeat(p, 0, epoch, sizeof epoch, 0, 0);
}

/* ------------------------------------------------------------ the tests */

static void test_a_stray_unsubscription_leaves_the_topic_sent(void **state)
{
    topics_fixture *f = *state;
    publisher *p = &f->pub;
    void *mon = connect_sub(f, ZMQ_SUB);
    subscribe_node(mon, 1);
    expect_counted(p, 1);
    expect_connected(p, 1);

    void *liar = note_socket(f, harness_liar_connect(f->ctx, f->endpoint));
    harness_send_stray_unsubscription(liar, "node/O1/");
    assert_int_equal(zmq_send(liar, "\1node/O2/", 9, 0), 9);    /* read after it */
    pump_until(p, wanted, "node/O2/", "the marker topic");
    assert_int_equal(publish_subscriptions(p), 1);              /* O2; O1 is doubted */
    assert_true(publish_wanted(p, "node/O1/"));
    assert_false(publish_wanted(p, "node/O3/"));
    heartbeat(p);
    heartbeat(p);                            /* mon is counted: nothing forgotten */
    assert_true(publish_wanted(p, "node/O1/"));
    assert_int_equal(p->n_doubted, 1);

    close_sub(f, liar);
    expect_counted(p, 0);                    /* O2's real last unsubscription */
    assert_int_equal(p->n_doubted, 2);
    close_sub(f, mon);
    pump_until(p, nobody_connected, NULL, "the subscribers to leave");
    assert_true(publish_wanted(p, "node/O1/"));
    p->heard = true;                         /* as if a subscription had just come */
    heartbeat(p);
    assert_true(publish_wanted(p, "node/O1/"));   /* its sender may not be counted yet */
    heartbeat(p);
    assert_false(publish_wanted(p, "node/O1/"));
    assert_false(publish_wanted(p, "node/O2/"));
    assert_int_equal(p->n_doubted, 0);
}

static void test_a_doubted_topic_followed_again_is_counted_again(void **state)
{
    topics_fixture *f = *state;
    publisher *p = &f->pub;
    void *stay = connect_sub(f, ZMQ_SUB);     /* keeps a connection: no forgetting */
    expect_connected(p, 1);
    void *a = connect_sub(f, ZMQ_SUB);
    subscribe_node(a, 7);
    expect_counted(p, 1);
    close_sub(f, a);
    expect_counted(p, 0);
    assert_int_equal(p->n_doubted, 1);
    heartbeat(p);
    heartbeat(p);
    assert_true(publish_wanted(p, "node/O7/"));
    void *b = connect_sub(f, ZMQ_SUB);
    subscribe_node(b, 7);
    expect_counted(p, 1);
    assert_int_equal(p->n_doubted, 0);        /* the same entry, counted again */
    assert_int_equal(publish_refused(p), 0);
    close_sub(f, b);
    close_sub(f, stay);
}

static void test_an_overflow_ends_once_nobody_is_connected(void **state)
{
    topics_fixture *f = *state;
    publisher *p = &f->pub;
    void *subs[8];
    int n = fill_table(f, subs, PUBLISH_MAX_TOPICS + 100);
    uint64_t over = 100;
    pump_until(p, refused, &over, "the refusals");
    assert_true(publish_wanted(p, "node/O99999/"));          /* every node topic goes */

    close_all(f, subs, n);
    expect_counted(p, 0);
    pump_until(p, nobody_connected, NULL, "the flooders to leave");
    assert_true(publish_wanted(p, "node/O99999/"));
    p->heard = true;                         /* as if a subscription had just come */
    heartbeat(p);
    assert_true(publish_wanted(p, "node/O99999/"));
    heartbeat(p);
    assert_false(publish_wanted(p, "node/O99999/"));
    assert_false(publish_wanted(p, "node/O1/"));

    void *sub = connect_sub(f, ZMQ_SUB);
    subscribe_node(sub, 5);
    expect_counted(p, 1);
    assert_int_equal(publish_refused(p), 100);
    close_sub(f, sub);
}

/* Doubted topics are bounded too: one past PUBLISH_MAX_TOPICS is forgotten
 * and every node topic is sent instead. */
static void test_doubted_topics_are_bounded(void **state)
{
    topics_fixture *f = *state;
    publisher *p = &f->pub;
    void *subs[8];
    int n = fill_table(f, subs, PUBLISH_MAX_TOPICS);
    close_all(f, subs, n);
    expect_counted(p, 0);
    assert_int_equal(p->n_doubted, PUBLISH_MAX_TOPICS);
    assert_false(publish_wanted(p, "node/O99999/"));

    void *one = connect_sub(f, ZMQ_SUB);
    subscribe_node(one, 99999);
    expect_counted(p, 1);
    close_sub(f, one);
    expect_counted(p, 0);
    assert_int_equal(p->n_doubted, PUBLISH_MAX_TOPICS);
    assert_true(publish_wanted(p, "node/O123456/"));         /* every node topic goes */
    assert_int_equal(publish_refused(p), 0);
}

/* A doubted topic followed again while PUBLISH_MAX_TOPICS others are
 * counted is refused (not counted) but stays doubted, so still sent; no
 * overflow. */
static void test_a_doubted_topic_followed_again_past_the_limit_stays_sent(void **state)
{
    topics_fixture *f = *state;
    publisher *p = &f->pub;
    void *old[8], *now[8];
    int n = fill_table(f, old, PUBLISH_MAX_TOPICS);
    close_all(f, old, n);
    expect_counted(p, 0);
    int k = flood(f, now, PUBLISH_MAX_TOPICS + 1, PUBLISH_MAX_TOPICS);
    expect_counted(p, PUBLISH_MAX_TOPICS);
    void *again = connect_sub(f, ZMQ_SUB);
    subscribe_node(again, 5);
    uint64_t one = 1;
    pump_until(p, refused, &one, "the refusal");
    assert_int_equal(publish_subscriptions(p), PUBLISH_MAX_TOPICS);
    assert_true(publish_wanted(p, "node/O5/"));
    assert_false(publish_wanted(p, "node/O123456/"));        /* no overflow */
    close_all(f, now, k);
    close_sub(f, again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_stray_unsubscription_leaves_the_topic_sent,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_doubted_topic_followed_again_is_counted_again,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_overflow_ends_once_nobody_is_connected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_doubted_topics_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_doubted_topic_followed_again_past_the_limit_stays_sent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
