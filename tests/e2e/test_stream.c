/* test_stream.c — the live progress stream end to end (DESIGN §5): a real
 * okrd, writers running as real `okr` script processes, and watchers both
 * in-process (client/monitor.c) and as real `okr watch` processes.
 *
 * Every test checks the stream's promise: each watcher sees every seq exactly
 * once, in order, and ends with the same scores as a fresh snapshot. No test
 * waits a fixed time: watchers are polled until they reach the last seq the
 * server reports, against a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "monitor.h"

extern char **environ;

#define DEADLINE_MS 60000
#define MAX_NODES 64

/* ------------------------------------------------------------ a watcher */

/* Records what a monitor delivers and applies it to a score table. */
typedef struct {
    bool has_snapshot;
    uint64_t base;                    /* the snapshot's seq */
    uint64_t *seqs;
    size_t n_seqs, cap_seqs;
    char ids[MAX_NODES][16];
    int64_t scores[MAX_NODES];
    size_t n_nodes;
    monitor *m;
} watcher;

static void set_score(watcher *w, const char *id, int64_t score)
{
    for (size_t i = 0; i < w->n_nodes; i++) {
        if (strcmp(w->ids[i], id) == 0) {
            w->scores[i] = score;
            return;
        }
    }
    assert_true(w->n_nodes < MAX_NODES);
    snprintf(w->ids[w->n_nodes], sizeof w->ids[0], "%s", id);
    w->scores[w->n_nodes++] = score;
}

static int64_t score_of(const watcher *w, const char *id)
{
    for (size_t i = 0; i < w->n_nodes; i++)
        if (strcmp(w->ids[i], id) == 0)
            return w->scores[i];
    return -1;
}

static void on_snapshot(void *ctx, const Okr__Snapshot *s)
{
    watcher *w = ctx;
    w->has_snapshot = true;
    w->base = s->seq;
    for (size_t i = 0; i < s->n_objectives; i++)
        set_score(w, s->objectives[i]->id, s->objectives[i]->score);
    for (size_t i = 0; i < s->n_krs; i++)
        set_score(w, s->krs[i]->id, s->krs[i]->score);
}

static void on_event(void *ctx, const Okr__Event *ev)
{
    watcher *w = ctx;
    if (w->n_seqs == w->cap_seqs) {
        w->cap_seqs = w->cap_seqs ? w->cap_seqs * 2 : 256;
        w->seqs = realloc(w->seqs, w->cap_seqs * sizeof *w->seqs);
        assert_non_null(w->seqs);
    }
    w->seqs[w->n_seqs++] = ev->seq;
    for (size_t i = 0; i < ev->n_scores; i++)
        set_score(w, ev->scores[i]->node, ev->scores[i]->new_score);
}

/* rcvhwm > 0: a tiny receive side (that many messages, and a 1 KiB kernel
 * buffer), so a watcher that is not read makes the server drop its events. */
static void watcher_start(watcher *w, struct harness_server *s, const char *const *nodes,
                          size_t n_nodes, int rcvhwm)
{
    memset(w, 0, sizeof *w);
    monitor_options opt = {
        .request_endpoint = s->requests,
        .event_endpoint = s->events,
        .nodes = nodes,
        .n_nodes = n_nodes,
        .want_snapshot = true,
        .rcvhwm = rcvhwm,
        .rcvbuf = rcvhwm > 0 ? 1024 : 0,
        .request_timeout_ms = 2000,
    };
    monitor_callbacks cb = {.on_snapshot = on_snapshot, .on_event = on_event};
    w->m = monitor_new(&opt, &cb, w);
    assert_non_null(w->m);
}

static void watcher_free(watcher *w)
{
    monitor_free(w->m);
    free(w->seqs);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll until the watcher has its snapshot and has passed `seq`. */
static void watcher_reach(watcher *w, uint64_t seq)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!(w->has_snapshot && monitor_seq(w->m) >= seq) && now_ms() < deadline)
        assert_int_equal(monitor_poll(w->m, 20), 0);
    if (!(w->has_snapshot && monitor_seq(w->m) >= seq))
        fail_msg("watcher stuck at seq %llu, wanted %llu",
                 (unsigned long long)monitor_seq(w->m), (unsigned long long)seq);
}

/* Every seq after the snapshot exactly once, in order, up to last. */
static void assert_contiguous(const watcher *w, uint64_t last)
{
    assert_int_equal(w->n_seqs, last - w->base);
    for (size_t i = 0; i < w->n_seqs; i++)
        if (w->seqs[i] != w->base + 1 + i)
            fail_msg("seq %zu is %llu, expected %llu", i, (unsigned long long)w->seqs[i],
                     (unsigned long long)(w->base + 1 + i));
}

/* The watcher's scores equal a fresh snapshot's, node for node. */
static void assert_scores_match(struct harness_server *s, const watcher *w)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &get;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_SNAPSHOT);
    for (size_t i = 0; i < r->snapshot->n_objectives; i++)
        assert_int_equal(score_of(w, r->snapshot->objectives[i]->id),
                         r->snapshot->objectives[i]->score);
    for (size_t i = 0; i < r->snapshot->n_krs; i++)
        assert_int_equal(score_of(w, r->snapshot->krs[i]->id), r->snapshot->krs[i]->score);
    okr__response__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ processes */

static const char *okr_path(void)
{
    const char *p = getenv("OKR");
    return p && p[0] ? p : "build/okr";
}

/* Start `okr --server EP ARGS...` in the background with stdin from
 * stdin_path (or /dev/null) and stdout to stdout_path (or /dev/null). */
static pid_t spawn_okr(const char *endpoint, const char *stdin_path, const char *stdout_path,
                       const char *const *args)
{
    const char *argv[32] = {okr_path(), "--server", endpoint};
    size_t n = 3;
    for (; args && *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, stdout_path ? stdout_path : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A script of `count` check-ins on kr with values cycling through 0..19. */
static void write_checkin_script(const char *path, const char *kr, int count, int offset)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < count; i++)
        fprintf(f, "checkin %s %d\n", kr, (i + offset) % 20);
    fclose(f);
}

/* Run `writers` okr scripts at once, each making `per_writer` check-ins on
 * its own KR (K1..Kn); asserts all succeed. */
static void run_writers(struct harness_server *s, int writers, int per_writer, int offset)
{
    pid_t pids[16];
    char paths[16][HARNESS_PATH_MAX + 32];
    assert_true(writers <= 16);
    for (int i = 0; i < writers; i++) {
        char kr[16];
        snprintf(kr, sizeof kr, "K%d", i + 1);
        snprintf(paths[i], sizeof paths[i], "%s/writer%d.okr", s->root, i);
        write_checkin_script(paths[i], kr, per_writer, offset + i);
        pids[i] = spawn_okr(s->requests, paths[i], NULL, NULL);
    }
    for (int i = 0; i < writers; i++)
        assert_int_equal(wait_exit(pids[i]), 0);
}

/* A company objective with a roll-up KR and `teams` team objectives aligned
 * to it, each with one metric KR 0 -> 20: K1..Kn are the teams' KRs. */
static void build_org(struct harness_server *s, int teams)
{
    struct harness_result r;
    harness_okr_ok(s, &r, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                   "2026-12-31", NULL);
    harness_result_free(&r);
    for (int i = 0; i < teams; i++) {
        char title[32];
        snprintf(title, sizeof title, "Team %d objective", i + 1);
        harness_okr_ok(s, &r, "obj", "add", title, "--period", "2026-Q4", NULL);
        harness_result_free(&r);
        char obj[16];
        snprintf(obj, sizeof obj, "O%d", i + 1);
        harness_okr_ok(s, &r, "kr", "add", obj, "progress", "--from", "0", "--to", "20", NULL);
        harness_result_free(&r);
    }
    char company_obj[16], rollup_kr[16];
    snprintf(company_obj, sizeof company_obj, "O%d", teams + 1);
    snprintf(rollup_kr, sizeof rollup_kr, "K%d", teams + 1);
    harness_okr_ok(s, &r, "obj", "add", "Company", "--period", "2026-Q4", "--committed", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "kr", "add", company_obj, "Teams on target", "--kind", "rollup", NULL);
    harness_result_free(&r);
    for (int i = 0; i < teams; i++) {
        char obj[16];
        snprintf(obj, sizeof obj, "O%d", i + 1);
        harness_okr_ok(s, &r, "obj", "align", obj, rollup_kr, NULL);
        harness_result_free(&r);
    }
}

/* A free loopback TCP port (bound and released: the server binds it next). */
/* ------------------------------------------------------------ the tests */

/* N writers, several watchers at once: every watcher sees every seq once, in
 * order, and ends with a fresh snapshot's scores. One watcher is the real
 * `okr --json watch`, whose lines are checked the same way. */
static void test_every_watcher_sees_every_event_once_in_order(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 4);

    watcher w[3];
    for (int i = 0; i < 3; i++) {
        watcher_start(&w[i], &s, NULL, 0, 0);
        watcher_reach(&w[i], 0);                     /* subscribed, snapshot taken */
    }
    uint64_t start = harness_last_seq(&s);
    const int writers = 4, per_writer = 300;
    char count[16], out_path[HARNESS_PATH_MAX + 16];
    snprintf(count, sizeof count, "%d", writers * per_writer);
    snprintf(out_path, sizeof out_path, "%s/watch.jsonl", s.root);
    char from[24];
    snprintf(from, sizeof from, "%llu", (unsigned long long)start);
    const char *watch_args[] = {"--json", "watch", "--from", from, "--count", count, NULL};
    pid_t cli = spawn_okr(s.requests, NULL, out_path, watch_args);

    run_writers(&s, writers, per_writer, 0);
    uint64_t last = harness_last_seq(&s);
    assert_int_equal(last, start + (uint64_t)(writers * per_writer));
    for (int i = 0; i < 3; i++) {
        watcher_reach(&w[i], last);
        assert_contiguous(&w[i], last);
        assert_scores_match(&s, &w[i]);
        watcher_free(&w[i]);
    }

    assert_int_equal(wait_exit(cli), 0);
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    char line[8192];
    uint64_t expect = start + 1;
    while (fgets(line, sizeof line, f)) {
        struct json_object *doc = harness_json_parse(line);
        assert_int_equal(harness_json_int(doc, "seq"), expect);
        assert_string_equal(harness_json_string(doc, "change.request"), "checkin");
        json_object_put(doc);
        expect++;
    }
    fclose(f);
    assert_int_equal(expect, last + 1);
    harness_server_destroy(&s);
}

/* A watcher with a receive high-water mark of 1, not read while thousands of
 * events are published through a server that queues only 10 messages and
 * 8 KiB of kernel buffer per subscriber, loses events on the wire — and still
 * ends with every one, through replay. */
static void test_paused_watcher_with_tiny_hwm_recovers_every_event_by_replay(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--pub-hwm", "10", "--pub-sndbuf", "8192", NULL), 0);
    build_org(&s, 2);
    watcher w;
    watcher_start(&w, &s, NULL, 0, 1);
    watcher_reach(&w, harness_last_seq(&s));

    run_writers(&s, 2, 1000, 3);                     /* the watcher is paused meanwhile */
    uint64_t last = harness_last_seq(&s);
    watcher_reach(&w, last);
    assert_contiguous(&w, last);
    assert_scores_match(&s, &w);
    /* The wire really dropped events: some arrived only through replay. */
    assert_true(monitor_replayed(w.m) > 0);
    watcher_free(&w);
    harness_server_destroy(&s);
}

/* okrd stops (SIGTERM) and starts again on the same ports in the middle of
 * the stream: watchers resume without loss or duplicates. */
static void test_watchers_resume_across_a_server_restart(void **state)
{
    (void)state;
    char listen[64], publish[64];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(publish, sizeof publish, "tcp://127.0.0.1:%d", harness_free_port());
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", listen, "--publish", publish, NULL), 0);
    build_org(&s, 2);
    watcher w[2];
    for (int i = 0; i < 2; i++) {
        watcher_start(&w[i], &s, NULL, 0, 0);
        watcher_reach(&w[i], harness_last_seq(&s));
    }
    uint64_t start = harness_last_seq(&s);
    char out_path[HARNESS_PATH_MAX + 16], from[24];
    snprintf(out_path, sizeof out_path, "%s/watch.txt", s.root);
    snprintf(from, sizeof from, "%llu", (unsigned long long)start);
    const char *watch_args[] = {"--timeout", "500", "watch", "--from", from, "--count", "400", NULL};
    pid_t cli = spawn_okr(s.requests, NULL, out_path, watch_args);

    run_writers(&s, 2, 100, 0);
    watcher_reach(&w[0], start + 100);                /* one watcher mid-stream, one not polled */
    assert_int_equal(harness_server_stop(&s), 0);
    assert_int_equal(harness_server_restart(&s), 0);
    assert_string_equal(s.requests, listen);          /* same ports: the watchers reconnect */
    run_writers(&s, 2, 100, 5);
    uint64_t last = harness_last_seq(&s);
    assert_int_equal(last, start + 400);
    for (int i = 0; i < 2; i++) {
        watcher_reach(&w[i], last);
        assert_contiguous(&w[i], last);
        assert_scores_match(&s, &w[i]);
        watcher_free(&w[i]);
    }

    assert_int_equal(wait_exit(cli), 0);
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    char line[8192];
    uint64_t expect = start + 1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long seq;
        assert_int_equal(sscanf(line, "#%llu ", &seq), 1);
        assert_int_equal(seq, expect);
        expect++;
    }
    fclose(f);
    assert_int_equal(expect, last + 1);
    harness_server_destroy(&s);
}

/* A check-in on a KR three levels below the top objective reaches a watcher
 * of that objective; a check-in elsewhere does not. */
static void test_node_watcher_gets_deep_changes_and_nothing_unrelated(void **state)
{
    (void)state;
    struct harness_server s = {0};
    struct harness_result r;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    const char *setup[][12] = {
        {"period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31"},
        {"obj", "add", "Top", "--period", "2026-Q4"},                        /* O1 */
        {"kr", "add", "O1", "Divisions", "--kind", "rollup"},                 /* K1 */
        {"obj", "add", "Division", "--period", "2026-Q4", "--align-to", "K1"}, /* O2 */
        {"kr", "add", "O2", "Teams", "--kind", "rollup"},                     /* K2 */
        {"obj", "add", "Team", "--period", "2026-Q4", "--align-to", "K2"},     /* O3 */
        {"kr", "add", "O3", "Shipped", "--from", "0", "--to", "10"},          /* K3 */
        {"obj", "add", "Elsewhere", "--period", "2026-Q4"},                  /* O4 */
        {"kr", "add", "O4", "Other", "--from", "0", "--to", "10"},            /* K4 */
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
        assert_int_equal(harness_okr_argv(s.requests, &r, NULL, setup[i]), 0);
        harness_expect_exit(&r, 0);
        harness_result_free(&r);
    }
    const char *top[] = {"O1"};
    watcher w;
    watcher_start(&w, &s, top, 1, 0);
    watcher_reach(&w, harness_last_seq(&s));

    harness_okr_ok(&s, &r, "checkin", "K4", "5", NULL);          /* unrelated */
    harness_result_free(&r);
    harness_okr_ok(&s, &r, "checkin", "K3", "5", NULL);          /* three levels below O1 */
    harness_result_free(&r);
    uint64_t last = harness_last_seq(&s);
    watcher_reach(&w, last);
    assert_int_equal(w.n_seqs, 1);                               /* only the deep check-in */
    assert_int_equal(w.seqs[0], last);
    assert_int_equal(score_of(&w, "O1"), 500000);
    assert_int_equal(score_of(&w, "K4"), 0);                     /* never told about K4's move */
    watcher_free(&w);
    harness_server_destroy(&s);
}

static Okr__Response *replay(struct harness_server *s, uint64_t after)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__Replay body = OKR__REPLAY__INIT;
    body.has_after_seq = true;
    body.after_seq = after;
    req.body_case = OKR__REQUEST__BODY_REPLAY;
    req.replay = &body;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    return r;
}

/* With --retain 5 the log keeps the newest five events: a replay from before
 * them is refused with NOT_FOUND naming the pruned range; one inside them
 * works; a watcher resuming from a pruned seq falls back to a snapshot and
 * still ends with every later event. */
static void test_replay_of_a_pruned_range_is_refused_and_watchers_resnapshot(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--retain", "5", NULL), 0);
    build_org(&s, 1);                         /* 6 events: period, obj, kr, obj, kr, align */
    run_writers(&s, 1, 10, 0);
    uint64_t last = harness_last_seq(&s);
    assert_int_equal(last, 16);

    Okr__Response *r = replay(&s, 3);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(r->error->message, "pruned"));
    okr__response__free_unpacked(r, NULL);
    r = replay(&s, last - 5);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->events->n_events, 5);
    assert_int_equal(r->events->first_seq, last - 4);
    assert_int_equal(r->events->events[0]->seq, last - 4);
    okr__response__free_unpacked(r, NULL);
    r = replay(&s, last + 10);                /* beyond the log: a restore? */
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__INVALID_ARGUMENT);
    okr__response__free_unpacked(r, NULL);

    /* A watcher resuming at seq 2 (pruned) takes a snapshot and goes on. */
    watcher w;
    memset(&w, 0, sizeof w);
    monitor_options opt = {.request_endpoint = s.requests, .event_endpoint = s.events,
                           .from_seq = 2, .want_snapshot = true, .request_timeout_ms = 2000};
    monitor_callbacks cb = {.on_snapshot = on_snapshot, .on_event = on_event};
    w.m = monitor_new(&opt, &cb, &w);
    assert_non_null(w.m);
    watcher_reach(&w, last);
    assert_int_equal(w.base, last);
    run_writers(&s, 1, 3, 7);
    watcher_reach(&w, last + 3);
    assert_contiguous(&w, last + 3);
    assert_scores_match(&s, &w);
    watcher_free(&w);
    harness_server_destroy(&s);
}

/* Found by fuzzing: protobuf-c keeps a field-0 tag written in overlong form
 * (80 00) as an unknown field, and would re-pack it as a one-byte tag that
 * its own unpack refuses. okrd drops unknown fields when it decodes, so the
 * event it records still unpacks and the log stays replayable. */
static void test_request_with_an_odd_unknown_field_leaves_a_replayable_log(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodAdd add = OKR__PERIOD_ADD__INIT;
    Okr__Period period = OKR__PERIOD__INIT;
    period.name = "2026";
    period.start = "2026-01-01";
    period.end = "2026-12-31";
    add.period = &period;
    req.has_version = req.has_request_id = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.request_id = 4242;
    req.body_case = OKR__REQUEST__BODY_PERIOD_ADD;
    req.period_add = &add;
    size_t len = okr__request__get_packed_size(&req);
    uint8_t frame[256];
    assert_true(len + 3 <= sizeof frame);
    okr__request__pack(&req, frame);
    memcpy(frame + len, "\x80\x00\x01", 3);          /* field 0, overlong tag, varint 1 */
    assert_int_equal(harness_send_raw(&s, frame, len + 3, false), 0);
    Okr__Response *r = NULL;
    assert_int_equal(harness_recv_raw(&s, 5000, &r), 1);
    assert_non_null(r);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_CHANGED);
    okr__response__free_unpacked(r, NULL);

    r = replay(&s, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->events->n_events, 1);
    assert_int_equal(r->events->events[0]->change->body_case, OKR__REQUEST__BODY_PERIOD_ADD);
    assert_string_equal(r->events->events[0]->change->period_add->period->name, "2026");
    okr__response__free_unpacked(r, NULL);
    harness_server_destroy(&s);
}


/* Live events carry Event.commit_time, okrd's clock right after the commit
 * became durable: after the request began (Event.time), before this
 * subscriber got it (same host, same clock). The log keeps the event as
 * committed, so a replay of the same seq has no commit_time. */
static void test_live_events_carry_the_commit_instant_and_the_log_does_not(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    assert_int_equal(zmq_connect(sub, s.events), 0);
    assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0), 0);
    int timeout = DEADLINE_MS;
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    char topic[64];
    uint8_t body[4096];
    do {                                      /* a heartbeat: the subscription is in */
        assert_true(zmq_recv(sub, topic, sizeof topic, 0) >= 0);
        assert_true(zmq_recv(sub, body, sizeof body, 0) >= 0);
    } while (memcmp(topic, "hb", 2) != 0);

    harness_okr_quiet(&s, "period", "add", "2026", "--start", "2026-01-01", "--end",
                      "2026-12-31", NULL);
    Okr__Event *ev = NULL;
    while (ev == NULL) {
        int tn = zmq_recv(sub, topic, sizeof topic, 0);
        int bn = zmq_recv(sub, body, sizeof body, 0);
        assert_true(tn >= 0 && bn >= 0 && (size_t)bn <= sizeof body);
        if (tn == 3 && memcmp(topic, "all", 3) == 0)
            ev = okr__event__unpack(NULL, (size_t)bn, body);
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t received = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    assert_int_equal(ev->seq, 1);
    assert_true(ev->has_commit_time);
    assert_true(ev->time <= ev->commit_time);
    assert_true(ev->commit_time <= received);
    okr__event__free_unpacked(ev, NULL);

    Okr__Response *rep = replay(&s, 0);
    assert_int_equal(rep->events->n_events, 1);
    assert_false(rep->events->events[0]->has_commit_time);
    okr__response__free_unpacked(rep, NULL);
    zmq_close(sub);
    zmq_ctx_term(ctx);
    harness_server_destroy(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_watcher_sees_every_event_once_in_order),
        cmocka_unit_test(test_paused_watcher_with_tiny_hwm_recovers_every_event_by_replay),
        cmocka_unit_test(test_watchers_resume_across_a_server_restart),
        cmocka_unit_test(test_node_watcher_gets_deep_changes_and_nothing_unrelated),
        cmocka_unit_test(test_replay_of_a_pruned_range_is_refused_and_watchers_resnapshot),
        cmocka_unit_test(test_request_with_an_odd_unknown_field_leaves_a_replayable_log),
        cmocka_unit_test(test_live_events_carry_the_commit_instant_and_the_log_does_not),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
