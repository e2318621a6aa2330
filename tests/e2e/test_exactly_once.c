/* test_exactly_once.c — end to end, with the real okrd and okr: a mutation
 * sent again with the same request id (a retry) is done once and answered
 * with the first reply, also across a restart of okrd; and okr's Lazy Pirate
 * retry of a check-in against an okrd that stalls (SIGSTOP) during the first
 * try makes exactly one check-in and exits 0 (and when okr gives up, it
 * says it tried three times).
 *
 * Each test gets its own okrd with period 2026-Q4, objective O1 and the
 * metric KR K1 (0 -> 100) without check-ins. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define PERIOD "2026-Q4"
#define REQUEST_ID UINT64_C(0x1234567890abcde)
#define MAX_PORTS 64

static int setup_server(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0) {
        if (s)
            harness_server_destroy(s);
        free(s);
        return -1;
    }
    struct harness_result r;
    harness_okr_ok(s, &r, "period", "add", PERIOD, "--start", "2026-10-01", "--end",
                   "2026-12-31", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "obj", "add", "Ship it", "--period", PERIOD, NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "kr", "add", "O1", "Orders", "--from", "0", "--to", "100", NULL);
    harness_result_free(&r);
    *state = s;
    return 0;
}

static int teardown_server(void **state)
{
    struct harness_server *s = *state;
    if (s) {
        harness_server_destroy(s);
        free(s);
    }
    return 0;
}

/* ------------------------------------------------------------ helpers */

/* The packed frame of one check-in of K1 with a fixed request id. */
static size_t checkin_frame(uint8_t *buf, double value)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = value;
    req.has_version = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.has_request_id = true;
    req.request_id = REQUEST_ID;
    req.user = "tester";
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    return okr__request__pack(&req, buf);
}

typedef struct {
    uint8_t bytes[512];
    size_t len;
} reply_bytes;

/* Receive one reply and keep it packed (what the server sent, re-packed:
 * protobuf-c packs a parsed message to the same bytes). */
static reply_bytes receive_reply(struct harness_server *s)
{
    Okr__Response *resp = NULL;
    if (harness_recv_raw(s, 10000, &resp) != 1 || resp == NULL)
        fail_msg("no reply to the check-in");
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    assert_int_equal(resp->request_id, REQUEST_ID);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_CHANGED);
    reply_bytes r;
    r.len = okr__response__get_packed_size(resp);
    assert_true(r.len <= sizeof r.bytes);
    okr__response__pack(resp, r.bytes);
    okr__response__free_unpacked(resp, NULL);
    return r;
}

static void assert_same_reply(const reply_bytes *a, const reply_bytes *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->bytes, b->bytes, a->len);
}

/* Number of check-ins of K1, from a raw History request. */
static size_t checkins_of_k1(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__History h = OKR__HISTORY__INIT;
    h.kr = "K1";
    req.body_case = OKR__REQUEST__BODY_HISTORY;
    req.history = &h;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    size_t n = resp->history->n_checkins;
    okr__response__free_unpacked(resp, NULL);
    return n;
}

/* ------------------------------------------------------------ raw repeats */

static void test_five_sends_of_one_checkin_make_one_checkin_and_five_equal_replies(void **state)
{
    struct harness_server *s = *state;
    uint64_t seq = harness_last_seq(s);
    uint8_t frame[256];
    size_t len = checkin_frame(frame, 40);

    reply_bytes replies[5];
    assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    replies[0] = receive_reply(s);
    /* four more at once: they may share one batch */
    for (int i = 1; i < 5; i++)
        assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    for (int i = 1; i < 5; i++)
        replies[i] = receive_reply(s);
    assert_int_equal(checkins_of_k1(s), 1);
    assert_int_equal(harness_last_seq(s), seq + 1);
    for (int i = 1; i < 5; i++)
        assert_same_reply(&replies[0], &replies[i]);
}

static void test_a_repeat_after_a_restart_gets_the_first_reply(void **state)
{
    struct harness_server *s = *state;
    uint64_t seq = harness_last_seq(s);
    uint8_t frame[256];
    size_t len = checkin_frame(frame, 60);

    assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    reply_bytes first = receive_reply(s);
    assert_int_equal(harness_server_restart(s), 0);
    assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    reply_bytes again = receive_reply(s);
    assert_int_equal(checkins_of_k1(s), 1);
    assert_int_equal(harness_last_seq(s), seq + 1);
    assert_same_reply(&first, &again);

    /* the same id with another value: refused, nothing changed */
    len = checkin_frame(frame, 61);
    assert_int_equal(harness_send_raw(s, frame, len, false), 0);
    Okr__Response *resp = NULL;
    assert_int_equal(harness_recv_raw(s, 10000, &resp), 1);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__CONFLICT);
    char want[128];
    snprintf(want, sizeof want, "request id %llu was already used for another request",
             (unsigned long long)REQUEST_ID);
    assert_string_equal(resp->error->message, want);
    okr__response__free_unpacked(resp, NULL);
    assert_int_equal(checkins_of_k1(s), 1);
    assert_int_equal(harness_last_seq(s), seq + 1);
}

/* ------------------------------------------------------------ okr's retry */

/* Add to out the client ends (local ports) of the TCP connections to port
 * listed in table (/proc/net/tcp or tcp6; fields: sl local rem st ...,
 * addresses as HEXIP:HEXPORT). Returns the new count (at most max). */
static size_t client_ports_in(const char *table, unsigned port, unsigned *out, size_t n,
                              size_t max)
{
    FILE *f = fopen(table, "r");
    char line[512];
    if (f == NULL)
        return n;
    while (fgets(line, sizeof line, f) && n < max) {
        unsigned local_port, rem_port;
        if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x", &local_port,
                   &rem_port) == 2 &&
            rem_port == port)
            out[n++] = local_port;
    }
    fclose(f);
    return n;
}

/* The client ends of the connections to port (okr's sockets allow IPv6, so
 * its connections to 127.0.0.1 may be listed in tcp6, v4-mapped). */
static size_t client_ports(unsigned port, unsigned *out, size_t max)
{
    size_t n = client_ports_in("/proc/net/tcp", port, out, 0, max);
    return client_ports_in("/proc/net/tcp6", port, out, n, max);
}

static bool listed(const unsigned *ports, size_t n, unsigned port)
{
    for (size_t i = 0; i < n; i++)
        if (ports[i] == port)
            return true;
    return false;
}

/* The watcher (a child process): poll until `want` connections to port that
 * were not there before have been seen, then SIGCONT okrd. okr opens a new
 * connection for each try (Lazy Pirate), so a new one while okrd is stopped
 * means okr timed out and tries again. Exits 0 when it saw them, 1 after
 * 20 s without (okrd continued anyway). */
static void watch_for_retry(pid_t okrd, unsigned port, const unsigned *before, size_t n_before,
                            size_t want)
{
    unsigned seen[MAX_PORTS];
    size_t n_seen = 0;
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 4000 && n_seen < want; i++) {
        unsigned now[MAX_PORTS];
        size_t n = client_ports(port, now, MAX_PORTS);
        for (size_t j = 0; j < n && n_seen < MAX_PORTS; j++)
            if (!listed(before, n_before, now[j]) && !listed(seen, n_seen, now[j]))
                seen[n_seen++] = now[j];
        if (n_seen < want)
            nanosleep(&pause, NULL);
    }
    kill(okrd, SIGCONT);
    _exit(n_seen >= want ? 0 : 1);
}

static void test_okr_retries_a_checkin_against_a_stalled_okrd_and_it_is_done_once(void **state)
{
    struct harness_server *s = *state;
    uint64_t seq = harness_last_seq(s);
    const char *colon = strrchr(s->requests, ':');
    assert_non_null(colon);
    unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
    unsigned before[MAX_PORTS];
    size_t n_before = client_ports(port, before, MAX_PORTS);

    assert_int_equal(kill(s->pid, SIGSTOP), 0);
    pid_t watcher = fork();
    assert_true(watcher >= 0);
    if (watcher == 0)
        watch_for_retry(s->pid, port, before, n_before, 2);

    struct harness_result r;
    int ran = harness_okr(s, &r, "--timeout", "1000", "checkin", "K1", "30", NULL);
    if (ran != 0 || r.exit_code != 0)
        kill(watcher, SIGTERM);              /* okr gave up: stop watching */
    int wstatus = 0;
    waitpid(watcher, &wstatus, 0);
    kill(s->pid, SIGCONT);                   /* whatever happened to the watcher */
    assert_int_equal(ran, 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    /* the watcher saw okr reconnect while okrd was stopped: a real retry */
    assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

    assert_int_equal(checkins_of_k1(s), 1);
    assert_int_equal(harness_last_seq(s), seq + 1);
}

/* A change that never gets an answer is tried 3 times, like a read, and the
 * message says what a retry under the same id means. */
static void test_okr_giving_up_on_a_change_says_it_tried_three_times(void **state)
{
    struct harness_server *s = *state;
    assert_int_equal(kill(s->pid, SIGSTOP), 0);
    struct harness_result r;
    int ran = harness_okr(s, &r, "--timeout", "200", "checkin", "K1", "30", NULL);
    kill(s->pid, SIGCONT);
    assert_int_equal(ran, 0);
    harness_expect_exit(&r, 3);
    char want[512];
    snprintf(want, sizeof want,
             "okr: no reply from %s within 200 ms (3 tries); is okrd running? If it got the "
             "change it made it once: look before running it again\n",
             s->requests);
    assert_string_equal(r.err, want);
    harness_result_free(&r);
}

/* okr reading commands from a pipe (script mode), its output in a file: a
 * connection that stays open between commands. */
typedef struct {
    pid_t pid;
    int in;                   /* write end of okr's stdin */
    char out_path[HARNESS_PATH_MAX + 16];
} okr_script;

static void script_start(struct harness_server *s, okr_script *o)
{
    const char *okr = getenv("OKR") && getenv("OKR")[0] ? getenv("OKR") : "build/okr";
    int fds[2];
    snprintf(o->out_path, sizeof o->out_path, "%s/okr.out", s->root);
    assert_int_equal(pipe(fds), 0);
    o->pid = fork();
    assert_true(o->pid >= 0);
    if (o->pid == 0) {
        FILE *out = fopen(o->out_path, "w");
        if (out == NULL || dup2(fds[0], 0) < 0 || dup2(fileno(out), 1) < 0 ||
            dup2(fileno(out), 2) < 0)
            _exit(127);
        close(fds[0]);
        close(fds[1]);
        execl(okr, okr, "--server", s->requests, "--timeout", "1000", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    o->in = fds[1];
}

static void script_say(okr_script *o, const char *line)
{
    size_t len = strlen(line);
    assert_int_equal(write(o->in, line, len), (ssize_t)len);
}

/* Read okr's output (malloc'd, NUL-terminated). */
static char *script_output(const okr_script *o)
{
    char *buf = calloc(1, 8192);
    FILE *f = fopen(o->out_path, "r");
    assert_non_null(buf);
    if (f) {
        buf[fread(buf, 1, 8191, f)] = '\0';
        fclose(f);
    }
    return buf;
}

/* Poll okr's output until it holds needle (10 s at most). */
static void script_wait_for(okr_script *o, const char *needle)
{
    struct timespec pause = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 2000; i++) {
        char *out = script_output(o);
        bool found = strstr(out, needle) != NULL;
        free(out);
        if (found)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("okr never printed \"%s\"", needle);
}

/* End of input: okr exits; returns its exit code (-1: killed after 20 s). */
static int script_end(okr_script *o)
{
    struct timespec pause = {0, 5 * 1000 * 1000};
    int status;
    close(o->in);
    for (int i = 0; i < 4000; i++) {
        if (waitpid(o->pid, &status, WNOHANG) == o->pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        nanosleep(&pause, NULL);
    }
    kill(o->pid, SIGKILL);
    waitpid(o->pid, &status, 0);
    return -1;
}

/* Here okr's connection is open when okrd stops, so its first try reaches
 * okrd (and is done once okrd continues); only the answer comes too late.
 * The retry must get that first answer, not make a second check-in. */
static void test_a_first_try_that_reached_a_stalled_okrd_is_not_done_twice(void **state)
{
    struct harness_server *s = *state;
    uint64_t seq = harness_last_seq(s);
    const char *colon = strrchr(s->requests, ':');
    assert_non_null(colon);
    unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);

    okr_script o;
    script_start(s, &o);
    script_say(&o, "status\n");
    script_wait_for(&o, "last seq");          /* connected: the next try goes out at once */
    unsigned before[MAX_PORTS];
    size_t n_before = client_ports(port, before, MAX_PORTS);

    assert_int_equal(kill(s->pid, SIGSTOP), 0);
    pid_t watcher = fork();
    assert_true(watcher >= 0);
    if (watcher == 0)
        watch_for_retry(s->pid, port, before, n_before, 1);
    script_say(&o, "checkin K1 30\n");
    script_say(&o, "history K1\n");
    int code = script_end(&o);
    if (code != 0)
        kill(watcher, SIGTERM);
    int wstatus = 0;
    waitpid(watcher, &wstatus, 0);
    kill(s->pid, SIGCONT);
    if (code != 0) {
        char *out = script_output(&o);
        fprintf(stderr, "okr's output:\n%s", out);
        free(out);
        fail_msg("okr exited %d", code);
    }
    assert_true(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);

    assert_int_equal(checkins_of_k1(s), 1);
    assert_int_equal(harness_last_seq(s), seq + 1);
}

#define SERVER_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_server, teardown_server)

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        SERVER_TEST(test_five_sends_of_one_checkin_make_one_checkin_and_five_equal_replies),
        SERVER_TEST(test_a_repeat_after_a_restart_gets_the_first_reply),
        SERVER_TEST(test_okr_retries_a_checkin_against_a_stalled_okrd_and_it_is_done_once),
        SERVER_TEST(test_a_first_try_that_reached_a_stalled_okrd_is_not_done_twice),
        SERVER_TEST(test_okr_giving_up_on_a_change_says_it_tried_three_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
