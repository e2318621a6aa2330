/* test_signals.c — how okrd answers the signals a terminal and a service
 * manager send it.
 *
 * `make run` starts okrd as a shell background job and the okr shell in the
 * foreground of the same terminal. A shell without job control starts
 * background jobs with SIGINT ignored, so that Ctrl-C reaches only the
 * foreground program; okrd must keep it ignored then (it used to install
 * its own handler and die on every Ctrl-C typed into the okr shell). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static const char *okrd_program(void)
{
    const char *p = getenv("OKRD");
    return p && p[0] ? p : "build/okrd";
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The request endpoint from okrd's ready line in log, polled for 10 s. */
static bool wait_ready(const char *log, char *endpoint, size_t len)
{
    for (int64_t deadline = now_ms() + 10000; now_ms() < deadline;) {
        FILE *f = fopen(log, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
            char ep[256];
            if (sscanf(line, "okrd: ready requests=%255s", ep) == 1) {
                snprintf(endpoint, len, "%s", ep);
                fclose(f);
                return true;
            }
        }
        if (f)
            fclose(f);
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return false;
}

static bool log_contains(const char *log, const char *needle)
{
    FILE *f = fopen(log, "r");
    char line[1024];
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Exit status of our (adopted) child pid within timeout_ms, or -2. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    for (int64_t deadline = now_ms() + timeout_ms; now_ms() < deadline;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return -2;
}

static void expect_status_answers(const char *endpoint)
{
    struct harness_result r;
    harness_okr_at(endpoint, &r, NULL, "--timeout", "2000", "status", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* `okrd ... &` from a script, as `make run` does; Ctrl-C's SIGINT then leaves
 * it serving, and SIGTERM still stops it cleanly. */
static void test_background_okrd_ignores_sigint_and_stops_on_sigterm(void **state)
{
    (void)state;
    /* The shell exits at once; its background okrd is re-parented to us. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char dir[] = "/tmp/okr-signals.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char log[256], script[1024], endpoint[256];
    snprintf(log, sizeof log, "%s/okrd.log", dir);
    snprintf(script, sizeof script,
             "'%s' --data '%s/data' --listen 'tcp://127.0.0.1:*' --publish 'tcp://127.0.0.1:*'"
             " >'%s' 2>&1 & echo $!", okrd_program(), dir, log);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, 10000, argv), 0);
    harness_expect_exit(&r, 0);
    pid_t pid = (pid_t)atoi(r.out);
    harness_result_free(&r);
    assert_true(pid > 0);
    assert_true(wait_ready(log, endpoint, sizeof endpoint));

    assert_int_equal(kill(pid, SIGINT), 0);       /* what Ctrl-C sends the terminal's group */
    expect_status_answers(endpoint);
    expect_status_answers(endpoint);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);   /* still running */
    assert_false(log_contains(log, "okrd: stopped"));

    assert_int_equal(kill(pid, SIGTERM), 0);
    assert_int_equal(wait_exit(pid, 10000), 0);
    assert_true(log_contains(log, "okrd: stopped"));

    char rm[512];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
}

/* Started in the foreground (SIGINT not ignored), Ctrl-C stops it cleanly. */
static void test_foreground_okrd_stops_cleanly_on_sigint(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    pid_t pid = s.pid;
    assert_int_equal(kill(pid, SIGINT), 0);
    int64_t deadline = now_ms() + 10000;
    while (harness_server_alive(&s) && now_ms() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_false(harness_server_alive(&s));
    assert_true(harness_server_log_contains(&s, "okrd: stopped"));
    harness_server_destroy(&s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_background_okrd_ignores_sigint_and_stops_on_sigterm),
        cmocka_unit_test(test_foreground_okrd_stops_cleanly_on_sigint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
