/* test_publish.c — okrd's event socket under hostile subscribers
 * (server/publish.c, docs/protocol.md "Limits on subscriptions"): raw
 * ZeroMQ SUB and XSUB sockets against a real okrd.
 *
 * Subscriptions are observed through Status.subscriptions (distinct topics
 * okrd keeps) and Status.subscriptions_refused, polled against a deadline;
 * memory through okrd's /proc/PID/status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define DEADLINE_MS 10000
#define MAX_TOPICS 10000        /* PUBLISH_MAX_TOPICS, the documented limit */
#define PER_CONNECTION 2000     /* node topics one connection sends within its 64 KiB */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ okrd's view */

typedef struct {
    uint64_t subscriptions, refused;
} sub_counts;

static sub_counts status_counts(struct harness_server *s)
{
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_STATUS);
    assert_true(resp->status->has_subscriptions);
    assert_true(resp->status->has_subscriptions_refused);
    sub_counts c = {resp->status->subscriptions, resp->status->subscriptions_refused};
    okr__response__free_unpacked(resp, NULL);
    return c;
}

static uint64_t status_dropped(struct harness_server *s)
{
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_true(resp->status->has_subscribers_dropped);
    uint64_t n = resp->status->subscribers_dropped;
    okr__response__free_unpacked(resp, NULL);
    return n;
}

#define ANY UINT64_MAX

/* Poll Status until okrd keeps `subs` topics and has refused `refused`
 * (ANY: whatever number). */
static void expect_counts(struct harness_server *s, uint64_t subs, uint64_t refused)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    sub_counts c = status_counts(s);
    while ((c.subscriptions != subs || (refused != ANY && c.refused != refused)) &&
           now_ms() < deadline) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        c = status_counts(s);
    }
    if (c.subscriptions != subs || (refused != ANY && c.refused != refused))
        fail_msg("okrd keeps %llu topics and refused %llu; expected %llu and %llu",
                 (unsigned long long)c.subscriptions, (unsigned long long)c.refused,
                 (unsigned long long)subs, (unsigned long long)refused);
}

/* A field of okrd's /proc/PID/status in KiB ("VmRSS", "VmHWM"). */
static long proc_kib(const struct harness_server *s, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long kib = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kib = strtol(line + n + 1, NULL, 10);
    fclose(f);
    assert_true(kib >= 0);
    return kib;
}

/* ------------------------------------------------------------ subscribers */

static void *new_sub(void *ctx, const struct harness_server *s, int type, int rcvhwm)
{
    void *sock = zmq_socket(ctx, type);
    int linger = 0, unlimited = 0;
    assert_non_null(sock);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &unlimited, sizeof unlimited);   /* floods arrive whole */
    if (rcvhwm > 0) {
        int rcvbuf = 1024;
        zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
        zmq_setsockopt(sock, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    assert_int_equal(zmq_connect(sock, s->events), 0);
    return sock;
}

static void subscribe(void *sub, const void *topic, size_t len)
{
    assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, topic, len), 0);
}

/* n topics "node/O<first>/", "node/O<first+1>/" … */
static void subscribe_nodes(void *sub, int first, int n)
{
    for (int i = 0; i < n; i++) {
        char topic[32];
        int len = snprintf(topic, sizeof topic, "node/O%d/", first + i);
        subscribe(sub, topic, (size_t)len);
    }
}

/* n node topics from "node/O<first>/" on, PER_CONNECTION on each SUB. */
static void flood_nodes(void *ctx, const struct harness_server *s, void **subs, int first,
                        int n)
{
    for (int i = 0; i * PER_CONNECTION < n; i++) {
        int count = n - i * PER_CONNECTION < PER_CONNECTION ? n - i * PER_CONNECTION
                                                            : PER_CONNECTION;
        subs[i] = new_sub(ctx, s, ZMQ_SUB, 0);
        subscribe_nodes(subs[i], first + i * PER_CONNECTION, count);
    }
}

static void close_all(void **subs, int n)
{
    for (int i = 0; i < n; i++)
        zmq_close(subs[i]);
}

/* Receive one two-frame message within DEADLINE_MS: the topic into topic. */
static void expect_message(void *sub, const char *topic)
{
    zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, DEADLINE_MS) != 1)
        fail_msg("no message on \"%s\" within %d ms", topic, DEADLINE_MS);
    char got[64] = {0};
    int n = zmq_recv(sub, got, sizeof got - 1, 0);
    assert_true(n > 0);
    assert_string_equal(got, topic);
    int more = 0;
    size_t more_len = sizeof more;
    zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &more_len);
    assert_true(more);
    char body[4096];
    assert_true(zmq_recv(sub, body, sizeof body, 0) > 0);
}

/* A period, O1 and its metric KR K1 (0 -> 100). */
static void build_kr(struct harness_server *s)
{
    struct harness_result r;
    harness_okr_ok(s, &r, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                   "2026-12-31", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "obj", "add", "Ship it", "--period", "2026-Q4", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "kr", "add", "O1", "Progress", "--from", "0", "--to", "100", NULL);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ the tests */

/* A topic longer than 32 bytes, or one that can match nothing okrd
 * publishes, is refused and never kept; valid ones around it are kept. */
static void test_topics_over_the_length_limit_or_unpublishable_are_refused(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    void *ctx = zmq_ctx_new();
    expect_counts(&s, 0, 0);

    void *sub = new_sub(ctx, &s, ZMQ_SUB, 0);
    subscribe(sub, "all", 3);
    subscribe(sub, "node/O1/xxxxxxxxxxxxxxxxxxxxxxxxxxxx", 36);   /* 36 bytes */
    subscribe(sub, "node/O12345678901/", 18);   /* no such id: 11 digits */
    subscribe(sub, "node/o1/", 8);              /* okrd spells ids with a capital */
    subscribe(sub, "node/", 5);                 /* a prefix of every node topic: kept */
    subscribe(sub, "node/K40/", 9);
    expect_counts(&s, 3, 3);

    zmq_close(sub);                             /* refused topics need no cleanup */
    expect_counts(&s, 0, 3);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

/* Past 10000 distinct topics okrd keeps no more; when the flooder leaves,
 * every topic it held is gone and there is room again. */
static void test_topics_over_the_count_limit_are_refused_and_released(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    void *ctx = zmq_ctx_new();

    void *flood[6];
    flood_nodes(ctx, &s, flood, 1, MAX_TOPICS + 100);
    expect_counts(&s, MAX_TOPICS, 100);

    close_all(flood, 6);
    expect_counts(&s, 0, 100);
    void *sub = new_sub(ctx, &s, ZMQ_SUB, 0);
    subscribe(sub, "all", 3);
    expect_counts(&s, 1, 100);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

/* A topic holding a NUL byte is refused whole (it can match nothing okrd
 * publishes), and nothing of it stays after its subscriber leaves. */
static void test_topics_with_an_embedded_nul_are_refused_and_leave_nothing(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    void *ctx = zmq_ctx_new();

    void *sub = new_sub(ctx, &s, ZMQ_SUB, 0);
    subscribe(sub, "all\0x", 5);
    subscribe(sub, "node/O1/\0", 9);
    subscribe(sub, "\0", 1);
    subscribe(sub, "hb", 2);
    expect_counts(&s, 1, 3);
    zmq_close(sub);
    expect_counts(&s, 0, 3);

    /* The same through an XSUB, which sends the raw messages itself. */
    void *xsub = new_sub(ctx, &s, ZMQ_XSUB, 0);
    assert_int_equal(zmq_send(xsub, "\1all\0x", 6, 0), 6);
    assert_int_equal(zmq_send(xsub, "\1hb", 3, 0), 3);
    expect_counts(&s, 1, 4);
    assert_int_equal(zmq_send(xsub, "\0all\0x", 6, 0), 6);
    zmq_close(xsub);
    expect_counts(&s, 0, 4);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

/* A monitor that follows topic (the only topic okrd keeps), then a liar
 * connection that sends a stray unsubscription of it and subscribes to
 * "hb" as a marker okrd reads after it: okrd then counts 1 (the monitor's
 * topic no longer, "hb"). Returns the monitor; *liar gets the liar. */
static void *follow_then_lie(void *ctx, struct harness_server *s, const char *topic,
                             void **liar)
{
    void *mon = new_sub(ctx, s, ZMQ_SUB, 0);
    subscribe(mon, topic, strlen(topic));
    expect_counts(s, 1, 0);
    *liar = harness_liar_connect(ctx, s->events);
    assert_non_null(*liar);
    harness_send_stray_unsubscription(*liar, topic);
    assert_int_equal(zmq_send(*liar, "\1hb", 3, 0), 3);
    expect_counts(s, 1, 0);
    return mon;
}

/* A monitor keeps its events while others misbehave: a stray
 * unsubscription of "all" from another connection does not switch "all"
 * off, and its node topic refused for room (a flooder holds the 10000
 * topics) still brings the node's events. */
static void test_a_monitor_gets_its_events_while_a_flooder_is_connected(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_kr(&s);
    void *ctx = zmq_ctx_new();

    void *liar;
    void *mon = follow_then_lie(ctx, &s, "all", &liar);   /* "all" forgotten, "hb" kept */

    void *flood[5];
    flood_nodes(ctx, &s, flood, 2, MAX_TOPICS);
    expect_counts(&s, MAX_TOPICS, 1);
    subscribe(mon, "node/O1/", 8);
    expect_counts(&s, MAX_TOPICS, 2);

    struct harness_result r;
    harness_okr_ok(&s, &r, "checkin", "K1", "50", NULL);
    harness_result_free(&r);
    expect_message(mon, "all");
    expect_message(mon, "node/O1/");

    zmq_close(liar);
    zmq_close(mon);
    close_all(flood, 5);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

/* A stray unsubscription of a node topic (from a connection that never
 * subscribed to it: libzmq reports it like a last one) must not silence the
 * topic for the monitor that follows it: its next event still goes out
 * live (tests/unit/test_topics.c: how doubted topics are counted, and when
 * they are forgotten). */
static void test_a_stray_unsubscription_does_not_silence_a_node_topic(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_kr(&s);
    void *ctx = zmq_ctx_new();

    void *liar;
    void *mon = follow_then_lie(ctx, &s, "node/O1/", &liar);   /* doubted, not counted */

    struct harness_result r;
    harness_okr_ok(&s, &r, "checkin", "K1", "50", NULL);
    harness_result_free(&r);
    expect_message(mon, "node/O1/");

    zmq_close(liar);
    zmq_close(mon);
    expect_counts(&s, 0, 0);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

/* Waits for `count` disconnections of a socket (its zmq monitor on pair). */
static bool wait_disconnects(void *pair, int count, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (count > 0 && now_ms() < deadline) {
        zmq_pollitem_t item = {pair, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 50) != 1)
            continue;
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        zmq_msg_recv(&frame, pair, 0);
        uint16_t event = 0;
        if (zmq_msg_size(&frame) >= 2)
            memcpy(&event, zmq_msg_data(&frame), sizeof event);
        zmq_msg_close(&frame);
        zmq_msg_init(&frame);
        zmq_msg_recv(&frame, pair, 0);               /* the address */
        zmq_msg_close(&frame);
        if (event == ZMQ_EVENT_DISCONNECTED)
            count--;
    }
    return count == 0;
}

/* A SUB that sends n subscriptions of len bytes when it connects; returns
 * once okrd has dropped its connection (or after DEADLINE_MS), with
 * okrd's peak RSS in *peak_kib. */
static bool flood_until_dropped(struct harness_server *s, int n, size_t len, long *peak_kib)
{
    void *ctx = zmq_ctx_new();
    void *flood = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0, unlimited = 0;
    zmq_setsockopt(flood, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(flood, ZMQ_SNDHWM, &unlimited, sizeof unlimited);
    assert_int_equal(zmq_socket_monitor(flood, "inproc://flood", ZMQ_EVENT_DISCONNECTED), 0);
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    assert_int_equal(zmq_connect(pair, "inproc://flood"), 0);

    char *topic = malloc(len);
    assert_non_null(topic);
    memset(topic, 'x', len);
    for (int i = 0; i < n; i++) {
        char head[32];
        int n_head = snprintf(head, sizeof head, "node/O%d/", i + 1);
        memcpy(topic, head, (size_t)n_head);      /* then 'x' up to len */
        subscribe(flood, topic, len);
    }
    free(topic);
    assert_int_equal(zmq_connect(flood, s->events), 0);
    bool dropped = wait_disconnects(pair, 1, DEADLINE_MS);
    *peak_kib = proc_kib(s, "VmHWM");
    zmq_close(pair);
    zmq_close(flood);
    zmq_ctx_term(ctx);
    return dropped;
}

/* 400 subscriptions of 60 KB (libzmq stored about 2 MB for each): okrd
 * drops the connection at the first frame over 512 bytes, before libzmq
 * keeps anything; its peak RSS stays small. */
static void test_memory_stays_bounded_under_a_flood_of_long_subscriptions(void **state)
{
    (void)state;
    const long bound_kib = 64 * 1024;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    long peak;
    /* A baseline okrd keeps the connection and grows past the bound. */
    bool dropped = flood_until_dropped(&s, 400, 60 * 1024, &peak);
    print_message("okrd peak RSS %ld KiB under 400 x 60 KB (bound %ld KiB)\n", peak, bound_kib);
    assert_true(peak < bound_kib);
    assert_true(dropped);
    expect_counts(&s, 0, 0);
    harness_server_destroy(&s);
}

/* 40,000 subscriptions of 490 bytes (each under the frame limit; libzmq
 * would keep 600 MB of them): okrd shuts the connection once it has sent
 * 64 KiB, libzmq frees what it held, and the count returns to zero. */
static void test_a_connection_past_its_subscription_bytes_is_dropped(void **state)
{
    (void)state;
    const long bound_kib = 64 * 1024;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    long peak;
    bool dropped = flood_until_dropped(&s, 40000, 490, &peak);
    print_message("okrd peak RSS %ld KiB under 40,000 x 490 bytes (bound %ld KiB)\n", peak,
                  bound_kib);
    assert_true(peak < bound_kib);
    assert_true(dropped);
    expect_counts(&s, 0, ANY);            /* refused: those read before the shutdown */
    assert_true(status_dropped(&s) >= 1);
    harness_server_destroy(&s);
}

/* Bytes the kernel holds queued on okrd's side of its event connections
 * (the tx_queue of each /proc/net/tcp line whose local port is okrd's). */
static long event_tx_queued(const struct harness_server *s)
{
    const char *colon = strrchr(s->events, ':');
    assert_non_null(colon);
    unsigned port = (unsigned)atoi(colon + 1);
    FILE *f = fopen("/proc/net/tcp", "r");
    assert_non_null(f);
    char line[512];
    long total = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned local_port, tx, rx;
        if (sscanf(line, " %*d: %*x:%x %*x:%*x %*x %x:%x", &local_port, &tx, &rx) == 3 &&
            local_port == port)
            total += tx;
    }
    fclose(f);
    return total;
}

/* 100 subscribers that never read (1 message, 1 KiB of kernel buffer on
 * their side) under 1500 events of about 1.1 KB: with the default
 * --pub-hwm and --pub-sndbuf okrd and its kernel hold about 270 KiB for
 * each (docs/protocol.md, "Slow subscribers"), plus the shared bodies. */
static void test_stalled_subscribers_hold_bounded_memory(void **state)
{
    (void)state;
    enum { STALLED = 100, EVENTS = 1500 };
    const long per_subscriber = 272 * 1024, shared = 8 * 1024 * 1024;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_kr(&s);
    void *ctx = zmq_ctx_new();
    void *subs[STALLED];
    for (int i = 0; i < STALLED; i++) {
        subs[i] = new_sub(ctx, &s, ZMQ_SUB, 1);
        subscribe(subs[i], "all", 3);
    }
    expect_counts(&s, 1, 0);
    uint64_t first = harness_last_seq(&s);
    long anon_before = proc_kib(&s, "RssAnon") * 1024;

    char note[1001];
    memset(note, 'n', sizeof note - 1);
    note[sizeof note - 1] = 0;
    size_t cap = (size_t)EVENTS * (sizeof note + 32);
    char *script = malloc(cap);
    assert_non_null(script);
    size_t used = 0;
    for (int i = 0; i < EVENTS; i++)
        used += (size_t)snprintf(script + used, cap - used, "checkin K1 %d --note %s\n",
                                 i % 100, note);
    struct harness_result r;
    assert_int_equal(harness_okr_stdin(&s, &r, script, NULL), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    free(script);
    assert_int_equal(harness_last_seq(&s), first + EVENTS);

    long grown = proc_kib(&s, "RssAnon") * 1024 - anon_before;
    long queued = event_tx_queued(&s);
    long bound = STALLED * per_subscriber + shared;
    print_message("%d stalled subscribers: okrd grew %ld KiB, its kernel queues %ld KiB "
                  "(bound %ld KiB)\n", STALLED, grown / 1024, queued / 1024, bound / 1024);
    assert_true(grown + queued < bound);
    for (int i = 0; i < STALLED; i++)
        zmq_close(subs[i]);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

int main(void)
{
#if defined(__SANITIZE_ADDRESS__)
    /* make test SANITIZE=1: ASan's quarantine keeps freed blocks resident
     * (256 MB), and the bounds here are about live memory. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topics_over_the_length_limit_or_unpublishable_are_refused),
        cmocka_unit_test(test_topics_over_the_count_limit_are_refused_and_released),
        cmocka_unit_test(test_topics_with_an_embedded_nul_are_refused_and_leave_nothing),
        cmocka_unit_test(test_a_monitor_gets_its_events_while_a_flooder_is_connected),
        cmocka_unit_test(test_a_stray_unsubscription_does_not_silence_a_node_topic),
        cmocka_unit_test(test_memory_stays_bounded_under_a_flood_of_long_subscriptions),
        cmocka_unit_test(test_a_connection_past_its_subscription_bytes_is_dropped),
        cmocka_unit_test(test_stalled_subscribers_hold_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
