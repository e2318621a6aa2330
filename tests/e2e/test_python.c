/* test_python.c — the Python example clients (examples/python/) against a
 * real okrd: proof that proto/okr.proto and docs/protocol.md are enough to
 * write a client in another language.
 *
 * okr_pb2.py is generated in each test's temporary directory with
 * `protoc --python_out` from proto/okr.proto (never committed); the scripts
 * run under Debian's /usr/bin/python3 (python3-zmq, python3-protobuf), or
 * $PYTHON. The monitor must see every seq exactly once, across a restart of
 * okrd, and end with the scores `okr --json tree` reads; checkin.py must
 * land its check-in exactly once, also when a reply or a request is lost on
 * the way (a proxy in this test drops one), keeping its request id. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

extern char **environ;

#define DEADLINE_MS 60000
#define EXAMPLES "examples/python"

/* ------------------------------------------------------------ processes */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *python(void)
{
    const char *p = getenv("PYTHON");
    return p && p[0] ? p : "/usr/bin/python3";
}

/* Generate okr_pb2.py into root/py; the argv prefix that runs a script with
 * it on PYTHONPATH goes into pythonpath (`PYTHONPATH=root/py`). */
static void generate_module(const struct harness_server *s, char *pythonpath, size_t size)
{
    char dir[HARNESS_PATH_MAX], out_arg[HARNESS_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/py", s->root);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(out_arg, sizeof out_arg, "--python_out=%s", dir);
    char *argv[] = {"/usr/bin/env", "protoc", out_arg, "-Iproto", "proto/okr.proto", NULL};
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, 30000, argv), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    snprintf(pythonpath, size, "PYTHONPATH=%s", dir);
}

/* argv for `env PYTHONPATH=... python3 examples/python/SCRIPT ARGS...`
 * (path: room for the script's path, which argv points into). */
static size_t script_argv(const char **argv, size_t max, char *path, size_t path_size,
                          const char *pythonpath, const char *script, const char *const *args)
{
    snprintf(path, path_size, "%s/%s", EXAMPLES, script);
    size_t n = 0;
    argv[n++] = "/usr/bin/env";
    argv[n++] = "PYTHONDONTWRITEBYTECODE=1";   /* no __pycache__ in the source tree */
    argv[n++] = pythonpath;
    argv[n++] = python();
    argv[n++] = path;
    for (; args && *args && n < max - 1; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    return n;
}

/* Run a script to its end; returns like harness_run. */
static void run_script(struct harness_result *r, const char *pythonpath, const char *script,
                       const char *const *args)
{
    const char *argv[32];
    char path[256];
    script_argv(argv, 32, path, sizeof path, pythonpath, script, args);
    assert_int_equal(harness_run(r, NULL, DEADLINE_MS, (char *const *)argv), 0);
}

/* Start a script in the background, stdout and stderr to files. */
static pid_t spawn_script(const char *pythonpath, const char *script, const char *const *args,
                          const char *out_path, const char *err_path)
{
    const char *argv[32];
    char path[256];
    script_argv(argv, 32, path, sizeof path, pythonpath, script, args);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    return pid;
}

/* Exit status of pid, or -1 while it runs. */
static int try_wait(pid_t pid)
{
    int status;
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == 0 || (got < 0 && errno == EINTR))
        return -1;
    assert_int_equal(got, pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return strdup("");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return buf;
}

/* Wait for pid to exit within the deadline (killed and failed past it). */
static int wait_script(pid_t pid, const char *err_path)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    int code;
    while ((code = try_wait(pid)) < 0 && now_ms() < deadline) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (code < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        char *err = read_file(err_path);
        fail_msg("script still running after %d ms; stderr:\n%s", DEADLINE_MS, err);
    }
    return code;
}

/* Poll until the file holds needle (the script is still running). */
static void wait_for_text(const char *path, const char *needle, pid_t pid, const char *err_path)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    for (;;) {
        char *text = read_file(path);
        bool found = strstr(text, needle) != NULL;
        free(text);
        if (found)
            return;
        if (try_wait(pid) >= 0 || now_ms() > deadline) {
            char *err = read_file(err_path);
            fail_msg("no \"%s\" in %s; stderr:\n%s", needle, path, err);
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void okr_ok(struct harness_server *s, const char *arg, ...)
{
    const char *args[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 15; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* `teams` team objectives with a metric KR 0 -> 20 each (K1..Kn), aligned
 * to a roll-up KR of a company objective. */
static void build_org(struct harness_server *s, int teams)
{
    okr_ok(s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31",
           NULL);
    char obj[16], rollup[16];
    for (int i = 1; i <= teams; i++) {
        snprintf(obj, sizeof obj, "O%d", i);
        okr_ok(s, "obj", "add", "Team objective", "--period", "2026-Q4", NULL);
        okr_ok(s, "kr", "add", obj, "progress", "--from", "0", "--to", "20", NULL);
    }
    snprintf(obj, sizeof obj, "O%d", teams + 1);
    snprintf(rollup, sizeof rollup, "K%d", teams + 1);
    okr_ok(s, "obj", "add", "Company", "--period", "2026-Q4", "--committed", NULL);
    okr_ok(s, "kr", "add", obj, "Teams on target", "--kind", "rollup", NULL);
    for (int i = 1; i <= teams; i++) {
        char child[16];
        snprintf(child, sizeof child, "O%d", i);
        okr_ok(s, "obj", "align", child, rollup, NULL);
    }
}

/* `writers` okr scripts at once, each `count` check-ins on its own KR. */
static void run_writers(struct harness_server *s, int writers, int count, int offset)
{
    pid_t pids[8];
    assert_true(writers <= 8);
    for (int w = 0; w < writers; w++) {
        char path[HARNESS_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/writer%d.okr", s->root, w);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (int i = 0; i < count; i++)
            fprintf(f, "checkin K%d %d\n", w + 1, (i + offset + w) % 21);
        fclose(f);
        const char *okr = getenv("OKR") && getenv("OKR")[0] ? getenv("OKR") : "build/okr";
        const char *argv[] = {okr, "--server", s->requests, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, path, O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        assert_int_equal(posix_spawn(&pids[w], okr, &fa, NULL, (char *const *)argv, environ),
                         0);
        posix_spawn_file_actions_destroy(&fa);
    }
    for (int w = 0; w < writers; w++) {
        int status;
        while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR)
            ;
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

/* ------------------------------------------------------------ the monitor */

/* What monitor.py --json printed: its snapshots, the seqs of the events it
 * applied in order, and its final state. */
typedef struct {
    int snapshots;
    bool new_epoch;             /* the last snapshot was taken for a new epoch */
    char epoch[64];             /* the last snapshot's, hex */
    uint64_t base;              /* the last snapshot's seq */
    uint64_t *seqs;             /* events applied since the last snapshot */
    size_t n_seqs;
    struct json_object *final;  /* {"epoch", "seq", "scores": {id: millionths}} */
} monitor_output;

static void parse_monitor(const char *path, monitor_output *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[65536];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        struct json_object *doc = harness_json_parse(line);
        struct json_object *v;
        if ((v = harness_json_find(doc, "snapshot")) != NULL) {
            m->snapshots++;
            m->base = (uint64_t)harness_json_int(doc, "snapshot.seq");
            m->new_epoch = json_object_get_boolean(harness_json_find(doc, "snapshot.new_epoch"));
            snprintf(m->epoch, sizeof m->epoch, "%s", harness_json_string(doc, "snapshot.epoch"));
            m->n_seqs = 0;
        } else if ((v = harness_json_find(doc, "final")) != NULL) {
            m->final = json_object_get(v);
        } else {
            if (m->n_seqs == cap) {
                cap = cap ? cap * 2 : 256;
                m->seqs = realloc(m->seqs, cap * sizeof *m->seqs);
                assert_non_null(m->seqs);
            }
            m->seqs[m->n_seqs++] = (uint64_t)harness_json_int(doc, "seq");
        }
        json_object_put(doc);
    }
    fclose(f);
    assert_non_null(m->final);
}

/* Every node `okr --json tree` shows has the monitor's final score, and the
 * monitor holds no other node. */
static void assert_scores_equal_okr(struct harness_server *s, struct json_object *final)
{
    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "--json", "tree", NULL);
    struct json_object *tree = harness_json_parse(out);
    struct json_object *scores = harness_json_find(final, "scores");
    assert_non_null(scores);
    size_t n_tree = 0;
    const char *lists[] = {"objectives", "krs"};
    for (size_t l = 0; l < 2; l++) {
        struct json_object *arr = harness_json_find(tree, lists[l]);
        for (size_t i = 0; i < json_object_array_length(arr); i++, n_tree++) {
            struct json_object *node = json_object_array_get_idx(arr, i);
            const char *id = harness_json_string(node, "id");
            const char *want = harness_json_text(node, "score");
            struct json_object *got = harness_json_find(scores, id);
            if (got == NULL)
                fail_msg("the monitor has no score for %s", id);
            int64_t v = json_object_get_int64(got);
            char text[32];
            snprintf(text, sizeof text, "%lld.%06lld", (long long)(v / 1000000),
                     (long long)(v % 1000000));
            if (strcmp(text, want) != 0)
                fail_msg("%s: the monitor has %s, okr reads %s", id, text, want);
        }
    }
    assert_int_equal(json_object_object_length(scores), n_tree);
    json_object_put(tree);
    harness_result_free(&r);
}

/* monitor.py follows the whole stream while real okr check-ins happen and
 * okrd stops and starts again on the same ports in the middle; its snapshot
 * is paged (3 items a page). During the first round it is paused (SIGSTOP)
 * behind tiny queues (okrd --pub-hwm 10 --pub-sndbuf 8192, its own receive
 * queue 1 message), so the wire loses events and only Replay can fill the
 * gaps. It ends with every seq after its snapshot exactly once, in order,
 * some of them replayed, and the scores `okr --json tree` reads. */
static void test_python_monitor_sees_every_seq_once_across_a_restart(void **state)
{
    (void)state;
    char listen[64], publish[64], pythonpath[HARNESS_PATH_MAX + 16];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(publish, sizeof publish, "tcp://127.0.0.1:%d", harness_free_port());
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", listen, "--publish", publish,
                                          "--pub-hwm", "10", "--pub-sndbuf", "8192", NULL),
                     0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    build_org(&s, 3);

    const int writers = 3, per_round = 100;
    uint64_t start = harness_last_seq(&s);
    uint64_t last = start + 2 * (uint64_t)(writers * per_round);
    char until[24], out_path[HARNESS_PATH_MAX + 16], err_path[HARNESS_PATH_MAX + 16];
    snprintf(until, sizeof until, "%llu", (unsigned long long)last);
    snprintf(out_path, sizeof out_path, "%s/monitor.jsonl", s.root);
    snprintf(err_path, sizeof err_path, "%s/monitor.err", s.root);
    const char *args[] = {"--server", listen, "--events", publish, "--json", "--page-limit", "3",
                          "--timeout", "500", "--retries", "2", "--rcvhwm", "1", "--until", until,
                          NULL};
    pid_t mon = spawn_script(pythonpath, "monitor.py", args, out_path, err_path);
    wait_for_text(out_path, "\"snapshot\"", mon, err_path);

    assert_int_equal(kill(mon, SIGSTOP), 0);
    run_writers(&s, writers, per_round, 0);
    assert_int_equal(kill(mon, SIGCONT), 0);
    assert_int_equal(harness_server_stop(&s), 0);
    assert_int_equal(harness_server_restart(&s), 0);
    assert_string_equal(s.requests, listen);
    run_writers(&s, writers, per_round, 7);
    assert_int_equal(harness_last_seq(&s), last);
    assert_int_equal(wait_script(mon, err_path), 0);

    monitor_output m;
    parse_monitor(out_path, &m);
    if (m.snapshots != 1 || m.base > start || m.n_seqs != last - m.base) {
        char *err = read_file(err_path);
        fail_msg("%d snapshots (want 1: same epoch), base %llu (want <= %llu), %zu events "
                 "(want %llu); monitor's stderr:\n%s", m.snapshots,
                 (unsigned long long)m.base, (unsigned long long)start, m.n_seqs,
                 (unsigned long long)(last - m.base), err);
    }
    for (size_t i = 0; i < m.n_seqs; i++)
        if (m.seqs[i] != m.base + 1 + i)
            fail_msg("event %zu is seq %llu, expected %llu", i, (unsigned long long)m.seqs[i],
                     (unsigned long long)(m.base + 1 + i));
    assert_int_equal(harness_json_int(m.final, "seq"), last);
    assert_true(harness_json_int(m.final, "replayed") > 0);
    assert_scores_equal_okr(&s, m.final);
    json_object_put(m.final);
    free(m.seqs);
    harness_server_destroy(&s);
}

/* okrd gets a new epoch (okrd --new-epoch) while stopped: the monitor sees
 * the new epoch in a heartbeat, takes a new snapshot, and goes on from it
 * with every seq once and the scores okr reads. */
static void test_python_monitor_snapshots_again_on_a_new_epoch(void **state)
{
    (void)state;
    char listen[64], publish[64], pythonpath[HARNESS_PATH_MAX + 16];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(publish, sizeof publish, "tcp://127.0.0.1:%d", harness_free_port());
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", listen, "--publish", publish, NULL), 0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    build_org(&s, 2);
    uint64_t last = harness_last_seq(&s) + 2 * 30 + 2 * 30;
    char until[24], out_path[HARNESS_PATH_MAX + 16], err_path[HARNESS_PATH_MAX + 16];
    snprintf(until, sizeof until, "%llu", (unsigned long long)last);
    snprintf(out_path, sizeof out_path, "%s/monitor.jsonl", s.root);
    snprintf(err_path, sizeof err_path, "%s/monitor.err", s.root);
    const char *args[] = {"--server", listen, "--events", publish, "--json", "--timeout", "500",
                          "--retries", "2", "--until", until, NULL};
    pid_t mon = spawn_script(pythonpath, "monitor.py", args, out_path, err_path);
    wait_for_text(out_path, "\"snapshot\"", mon, err_path);
    run_writers(&s, 2, 30, 0);
    assert_int_equal(harness_server_stop(&s), 0);
    struct harness_result r;
    assert_int_equal(harness_okrd_cmd(&r, "--new-epoch", "--data", s.data_dir, NULL), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    assert_int_equal(harness_server_restart(&s), 0);
    wait_for_text(out_path, "\"new_epoch\": true", mon, err_path);
    run_writers(&s, 2, 30, 5);
    assert_int_equal(harness_last_seq(&s), last);
    assert_int_equal(wait_script(mon, err_path), 0);

    monitor_output m;
    parse_monitor(out_path, &m);
    assert_int_equal(m.snapshots, 2);
    assert_true(m.new_epoch);
    assert_int_equal(m.n_seqs, last - m.base);
    for (size_t i = 0; i < m.n_seqs; i++)
        assert_int_equal(m.seqs[i], m.base + 1 + i);
    assert_string_equal(harness_json_string(m.final, "epoch"), m.epoch);
    assert_scores_equal_okr(&s, m.final);
    json_object_put(m.final);
    free(m.seqs);
    harness_server_destroy(&s);
}

/* Following one KR (node filter on SUB and Replay), the monitor gets exactly
 * that KR's check-ins among others' and ends with its score. */
static void test_python_monitor_following_a_node_gets_only_its_events(void **state)
{
    (void)state;
    char pythonpath[HARNESS_PATH_MAX + 16];
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    build_org(&s, 2);
    uint64_t start = harness_last_seq(&s);
    /* writer 0 checks in on K1, writer 1 on K2, 40 each: K1's are the ones to see */
    uint64_t last = start + 80;
    char until[24], out_path[HARNESS_PATH_MAX + 16], err_path[HARNESS_PATH_MAX + 16];
    snprintf(until, sizeof until, "%llu", (unsigned long long)last);
    snprintf(out_path, sizeof out_path, "%s/monitor.jsonl", s.root);
    snprintf(err_path, sizeof err_path, "%s/monitor.err", s.root);
    const char *args[] = {"--server", s.requests, "--events", s.events, "--json",
                          "--until", until, "k1", NULL};
    pid_t mon = spawn_script(pythonpath, "monitor.py", args, out_path, err_path);
    wait_for_text(out_path, "\"snapshot\"", mon, err_path);
    run_writers(&s, 2, 40, 4);
    assert_int_equal(wait_script(mon, err_path), 0);

    monitor_output m;
    parse_monitor(out_path, &m);
    assert_int_equal(m.snapshots, 1);
    /* Exactly K1's events: the okr log filtered by K1 has the same seqs. */
    struct harness_result r;
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__Replay rp = OKR__REPLAY__INIT;
    char *nodes[] = {"K1"};
    rp.has_after_seq = true;
    rp.after_seq = m.base;
    rp.n_nodes = 1;
    rp.nodes = nodes;
    req.body_case = OKR__REQUEST__BODY_REPLAY;
    req.replay = &rp;
    Okr__Response *resp = harness_request(&s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_EVENTS);
    assert_int_equal(resp->events->through_seq, last);
    assert_int_equal(m.n_seqs, resp->events->n_events);
    assert_int_equal(m.n_seqs, 40);
    for (size_t i = 0; i < m.n_seqs; i++)
        assert_int_equal(m.seqs[i], resp->events->events[i]->seq);
    okr__response__free_unpacked(resp, NULL);

    const char *out = harness_okr_ok(&s, &r, "--json", "kr", "show", "K1", NULL);
    struct json_object *kr = harness_json_parse(out);
    int64_t v = harness_json_int(m.final, "scores.K1");
    char text[32];
    snprintf(text, sizeof text, "%lld.%06lld", (long long)(v / 1000000),
             (long long)(v % 1000000));
    assert_string_equal(text, harness_json_text(kr, "score"));
    assert_int_equal(json_object_object_length(harness_json_find(m.final, "scores")), 1);
    json_object_put(kr);
    harness_result_free(&r);
    json_object_put(m.final);
    free(m.seqs);
    harness_server_destroy(&s);
}

/* ------------------------------------------------------------ checkin.py */

/* The check-ins K1 holds, from `okr --json history K1`. */
static size_t checkins_of_k1(struct harness_server *s, const char *note)
{
    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "--json", "history", "K1", NULL);
    struct json_object *doc = harness_json_parse(out);
    struct json_object *list = harness_json_find(doc, "checkins");
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *c = json_object_array_get_idx(list, i);
        if (note == NULL || strcmp(harness_json_string(c, "note"), note) == 0)
            n++;
    }
    json_object_put(doc);
    harness_result_free(&r);
    return n;
}

static void small_org(struct harness_server *s)
{
    okr_ok(s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31",
           NULL);
    okr_ok(s, "obj", "add", "Ship it", "--period", "2026-Q4", NULL);
    okr_ok(s, "kr", "add", "O1", "progress", "--from", "0", "--to", "20", NULL);
}

/* Exit codes like okr's: 0 recorded (once, with its note), 1 refused (and
 * nothing changed), 3 nobody answers. */
static void test_python_checkin_lands_once_and_exits_like_okr(void **state)
{
    (void)state;
    char pythonpath[HARNESS_PATH_MAX + 16];
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    small_org(&s);
    uint64_t before = harness_last_seq(&s);

    struct harness_result r;
    const char *ok_args[] = {"--server", s.requests, "K1", "5", "--note", "from python", NULL};
    run_script(&r, pythonpath, "checkin.py", ok_args);
    harness_expect_exit(&r, 0);
    char want[64];
    snprintf(want, sizeof want, "recorded K1 as seq %llu\n", (unsigned long long)before + 1);
    assert_non_null(strstr(r.out, want));
    assert_non_null(strstr(r.out, "  K1 0.000000 -> 0.250000\n"));
    harness_result_free(&r);
    assert_int_equal(harness_last_seq(&s), before + 1);
    assert_int_equal(checkins_of_k1(&s, "from python"), 1);

    const char *refused_args[] = {"--server", s.requests, "K99", "5", NULL};
    run_script(&r, pythonpath, "checkin.py", refused_args);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "checkin.py: NOT_FOUND: no key result K99\n");
    harness_result_free(&r);
    const char *bad_args[] = {"--server", s.requests, "K1", "nan", NULL};
    run_script(&r, pythonpath, "checkin.py", bad_args);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "INVALID_ARGUMENT"));
    harness_result_free(&r);
    assert_int_equal(harness_last_seq(&s), before + 1);
    assert_int_equal(checkins_of_k1(&s, NULL), 1);

    char nobody[64];
    snprintf(nobody, sizeof nobody, "tcp://127.0.0.1:%d", harness_free_port());
    const char *away_args[] = {"--server", nobody, "--timeout", "200", "--retries", "2", "K1",
                               "5", NULL};
    run_script(&r, pythonpath, "checkin.py", away_args);
    harness_expect_exit(&r, 3);
    harness_result_free(&r);
    harness_server_destroy(&s);
}

/* A proxy between checkin.py and okrd that loses the first CheckInAdd's
 * reply (drop_reply) or the request itself, and records the request id of
 * every CheckInAdd it sees. Replies go back by request id to the identity
 * that sent the request (checkin.py reconnects after a timeout). */
typedef struct {
    void *front, *back;         /* ROUTER for checkin.py, DEALER to okrd */
    bool drop_reply;
    uint64_t checkin_ids[8];
    size_t n_checkins;
    struct {
        uint64_t id;
        uint8_t identity[256];
        size_t len;
    } routes[64];
    size_t n_routes;
} proxy;

static void proxy_forward_request(proxy *p)
{
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&id, p->front, 0) >= 0);
    assert_true(zmq_msg_more(&id));
    assert_true(zmq_msg_recv(&body, p->front, 0) >= 0);
    Okr__Request *req = okr__request__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
    assert_non_null(req);
    bool drop = false;
    if (req->body_case == OKR__REQUEST__BODY_CHECKIN) {
        assert_true(p->n_checkins < 8);
        p->checkin_ids[p->n_checkins++] = req->request_id;
        drop = !p->drop_reply && p->n_checkins == 1;   /* lose the request itself */
    }
    assert_true(p->n_routes < 64 && zmq_msg_size(&id) <= 256);
    p->routes[p->n_routes].id = req->request_id;
    memcpy(p->routes[p->n_routes].identity, zmq_msg_data(&id), zmq_msg_size(&id));
    p->routes[p->n_routes++].len = zmq_msg_size(&id);
    okr__request__free_unpacked(req, NULL);
    if (!drop)
        assert_true(zmq_msg_send(&body, p->back, 0) >= 0);
    zmq_msg_close(&id);
    zmq_msg_close(&body);
}

static void proxy_forward_reply(proxy *p)
{
    zmq_msg_t body;
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&body, p->back, 0) >= 0);
    Okr__Response *resp = okr__response__unpack(NULL, zmq_msg_size(&body),
                                                zmq_msg_data(&body));
    assert_non_null(resp);
    bool drop = p->drop_reply && resp->body_case == OKR__RESPONSE__BODY_CHANGED &&
                p->n_checkins == 1 && resp->request_id == p->checkin_ids[0];
    for (size_t i = p->n_routes; !drop && i-- > 0;) {
        if (p->routes[i].id != resp->request_id)
            continue;
        zmq_send(p->front, p->routes[i].identity, p->routes[i].len, ZMQ_SNDMORE);
        zmq_msg_send(&body, p->front, 0);   /* a closed identity: dropped by ROUTER */
        break;
    }
    okr__response__free_unpacked(resp, NULL);
    zmq_msg_close(&body);
}

/* Run checkin.py through the proxy; returns its result. */
static void checkin_through_proxy(struct harness_server *s, const char *pythonpath, proxy *p,
                                  int *exit_code, char **out)
{
    void *ctx = zmq_ctx_new();
    int zero = 0;
    p->front = zmq_socket(ctx, ZMQ_ROUTER);
    p->back = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(p->front, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(p->back, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(zmq_bind(p->front, "tcp://127.0.0.1:*"), 0);
    assert_int_equal(zmq_connect(p->back, s->requests), 0);
    char front[128];
    size_t len = sizeof front;
    assert_int_equal(zmq_getsockopt(p->front, ZMQ_LAST_ENDPOINT, front, &len), 0);

    char out_path[HARNESS_PATH_MAX + 16], err_path[HARNESS_PATH_MAX + 16];
    snprintf(out_path, sizeof out_path, "%s/checkin.out", s->root);
    snprintf(err_path, sizeof err_path, "%s/checkin.err", s->root);
    const char *args[] = {"--server", front, "--timeout", "300", "--retries", "6", "K1", "7",
                          NULL};
    pid_t pid = spawn_script(pythonpath, "checkin.py", args, out_path, err_path);
    int64_t deadline = now_ms() + DEADLINE_MS;
    int code;
    while ((code = try_wait(pid)) < 0 && now_ms() < deadline) {
        zmq_pollitem_t items[] = {{p->front, 0, ZMQ_POLLIN, 0}, {p->back, 0, ZMQ_POLLIN, 0}};
        assert_true(zmq_poll(items, 2, 20) >= 0);
        if (items[0].revents & ZMQ_POLLIN)
            proxy_forward_request(p);
        if (items[1].revents & ZMQ_POLLIN)
            proxy_forward_reply(p);
    }
    if (code < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    zmq_close(p->front);
    zmq_close(p->back);
    zmq_ctx_term(ctx);
    *exit_code = code;
    *out = read_file(out_path);
    if (code != 0) {
        char *err = read_file(err_path);
        fail_msg("checkin.py exited %d; stdout:\n%s\nstderr:\n%s", code, *out, err);
    }
}

/* The first reply is lost: checkin.py sends the check-in again with the same
 * request id, okrd answers it from its reply cache (exactly once), and it is
 * recorded once. */
static void test_python_checkin_with_a_lost_reply_is_resent_and_recorded_once(void **state)
{
    (void)state;
    char pythonpath[HARNESS_PATH_MAX + 16];
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    small_org(&s);
    uint64_t before = harness_last_seq(&s);
    proxy p = {.drop_reply = true};
    int code;
    char *out;
    checkin_through_proxy(&s, pythonpath, &p, &code, &out);
    assert_int_equal(code, 0);
    assert_int_equal(p.n_checkins, 2);                 /* resent, with the same id */
    assert_int_equal(p.checkin_ids[1], p.checkin_ids[0]);
    char want[64];
    snprintf(want, sizeof want, "recorded K1 as seq %llu\n", (unsigned long long)before + 1);
    assert_non_null(strstr(out, want));                /* the original reply, from the cache */
    free(out);
    assert_int_equal(harness_last_seq(&s), before + 1);
    assert_int_equal(checkins_of_k1(&s, NULL), 1);
    harness_server_destroy(&s);
}

/* The first request is lost: checkin.py times out and sends
 * it again with the SAME request id. It is recorded once. */
static void test_python_checkin_with_a_lost_request_resends_the_same_id(void **state)
{
    (void)state;
    char pythonpath[HARNESS_PATH_MAX + 16];
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    generate_module(&s, pythonpath, sizeof pythonpath);
    small_org(&s);
    uint64_t before = harness_last_seq(&s);
    proxy p = {.drop_reply = false};
    int code;
    char *out;
    checkin_through_proxy(&s, pythonpath, &p, &code, &out);
    assert_int_equal(p.n_checkins, 2);
    assert_true(p.checkin_ids[0] != 0);
    assert_int_equal(p.checkin_ids[1], p.checkin_ids[0]);
    char want[64];
    snprintf(want, sizeof want, "recorded K1 as seq %llu\n", (unsigned long long)before + 1);
    assert_non_null(strstr(out, want));
    free(out);
    assert_int_equal(harness_last_seq(&s), before + 1);
    assert_int_equal(checkins_of_k1(&s, NULL), 1);
    harness_server_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_python_monitor_sees_every_seq_once_across_a_restart),
        cmocka_unit_test(test_python_monitor_snapshots_again_on_a_new_epoch),
        cmocka_unit_test(test_python_monitor_following_a_node_gets_only_its_events),
        cmocka_unit_test(test_python_checkin_lands_once_and_exits_like_okr),
        cmocka_unit_test(test_python_checkin_with_a_lost_reply_is_resent_and_recorded_once),
        cmocka_unit_test(test_python_checkin_with_a_lost_request_resends_the_same_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
