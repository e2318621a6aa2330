/* test_config.c — end to end: okrd's config file, --print-config and its log.
 *
 * A config file decides where the real okrd serves (ipc endpoints in a temp
 * directory, so the ready line can be compared exactly); a flag beats the
 * file; an unknown key or a bad value stops okrd at start with exit 2 and
 * `FILE:LINE: key "KEY": why`, before anything is made on disk;
 * --print-config reads back to itself; --log-level warn keeps warnings (a
 * slow batch) and drops info lines; --slow-ms 0 logs each batch's request
 * types and actors; --syslog serves and writes nothing on stderr; lines
 * to the journal carry their syslog priority. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

extern char **environ;

#define DEADLINE_MS 10000

/* ------------------------------------------------------------ helpers */

typedef struct {
    char root[256];              /* temp dir, mode 0700 (ipc sockets may live there) */
    char conf[300];              /* root/okrd.conf */
    char log[300];               /* root/okrd.log: okrd's stdout and stderr */
    pid_t pid;
} site;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void site_make(site *s)
{
    const char *tmp = getenv("TMPDIR");
    memset(s, 0, sizeof *s);
    snprintf(s->root, sizeof s->root, "%s/okr-config.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(s->root));
    snprintf(s->conf, sizeof s->conf, "%s/okrd.conf", s->root);
    snprintf(s->log, sizeof s->log, "%s/okrd.log", s->root);
}

static void site_remove(site *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    if (!getenv("OKR_TEST_KEEP"))
        nftw(s->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to path. */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The config file, printf-style; "%1$s" is the site's root. */
static void write_conf(site *s, const char *fmt) __attribute__((format(printf, 2, 0)));
static void write_conf(site *s, const char *fmt)
{
    char text[4096];
    snprintf(text, sizeof text, fmt, s->root);
    write_text(s->conf, text);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return calloc(1, 1);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static const char *okrd_path(void)
{
    const char *p = getenv("OKRD");
    return p && p[0] ? p : "build/okrd";
}

static void pause_briefly(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Start okrd with args (NULL-terminated) and nothing else: its stdout and
 * stderr go to the site's log. */
static void start(site *s, const char *arg, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)okrd_path();
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    assert_int_equal(posix_spawn(&s->pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
}

/* Poll okrd's log until it holds needle; fails the test if okrd exits or
 * the deadline passes first. */
static void wait_for_log(site *s, const char *needle)
{
    for (int waited = 0; waited < DEADLINE_MS; waited += 10) {
        char *log = read_text(s->log);
        bool found = strstr(log, needle) != NULL;
        if (!found && waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            fail_msg("okrd exited before logging \"%s\"; its log:\n%s", needle, log);
        }
        free(log);
        if (found)
            return;
        pause_briefly();
    }
    fail_msg("okrd did not log \"%s\" within %d ms", needle, DEADLINE_MS);
}

/* SIGTERM and wait: returns the exit status. */
static int stop(site *s)
{
    int status;
    kill(s->pid, SIGTERM);
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `okr --server EP status` must answer. */
static void expect_served_at(const char *endpoint)
{
    struct harness_result r;
    assert_int_equal(harness_okr_at(endpoint, &r, NULL, "status", NULL), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* Run okrd (a one-shot) and expect exit 2 with exactly `err` on stderr,
 * nothing on stdout. */
static void expect_refused(const char *err, const char *arg, ...)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)okrd_path();
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 15; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, DEADLINE_MS, argv), 0);
    harness_expect_exit(&r, 2);
    assert_string_equal(r.err, err);
    assert_string_equal(r.out, "");
    harness_result_free(&r);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ------------------------------------------------------------ the file */

static const char serve_conf[] = "# where okrd serves\n"
                                 "data = %1$s/data\n"
                                 "listen = ipc://%1$s/requests.sock\n"
                                 "publish = ipc://%1$s/events.sock\n"
                                 "retain = 50   ; inline comments are allowed\n";

static void test_the_config_file_says_where_okrd_serves(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, serve_conf);
    start(&s, "--config", s.conf, NULL);
    char ready[1024], ep[400];
    snprintf(ready, sizeof ready,
             "okrd: ready requests=ipc://%1$s/requests.sock events=ipc://%1$s/events.sock "
             "data=%1$s/data\n", s.root);
    wait_for_log(&s, ready);
    snprintf(ep, sizeof ep, "ipc://%s/requests.sock", s.root);
    expect_served_at(ep);
    char mdb[400];
    snprintf(mdb, sizeof mdb, "%s/data/data.mdb", s.root);
    assert_true(exists(mdb));
    assert_int_equal(stop(&s), 0);
    char *log = read_text(s.log);
    assert_non_null(strstr(log, "okrd: stopped\n"));
    free(log);
    site_remove(&s);
}

static void test_a_flag_overrides_the_file(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, serve_conf);
    char flag_ep[400];
    snprintf(flag_ep, sizeof flag_ep, "ipc://%s/flag.sock", s.root);
    start(&s, "--listen", flag_ep, "--config", s.conf, NULL);
    char ready[1024];
    snprintf(ready, sizeof ready, "okrd: ready requests=%s events=ipc://%s/events.sock ",
             flag_ep, s.root);
    wait_for_log(&s, ready);
    expect_served_at(flag_ep);
    assert_int_equal(stop(&s), 0);

    /* The same with a number, through --print-config. */
    struct harness_result r;
    harness_okrd_cmd(&r, "--config", s.conf, "--retain", "7", "--print-config", NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "\nretain = 7\n"));
    harness_result_free(&r);
    site_remove(&s);
}

static void test_an_unknown_key_is_refused_with_its_line(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, "data = %1$s/data\n"
                   "\n"
                   "listne = tcp://127.0.0.1:7411\n");
    char err[600], data[300];
    snprintf(err, sizeof err, "%s:3: key \"listne\": unknown key (okrd.conf(5) lists them)\n",
             s.conf);
    expect_refused(err, "--config", s.conf, NULL);
    /* A flag's spelling of a key is named with the key's. */
    write_conf(&s, "map-size = 1048576\n");
    snprintf(err, sizeof err, "%s:1: key \"map-size\": unknown key; keys use '_': \"map_size\"\n",
             s.conf);
    expect_refused(err, "--config", s.conf, NULL);
    snprintf(data, sizeof data, "%s/data", s.root);
    assert_false(exists(data));                 /* refused before anything was made */
    site_remove(&s);
}

static void test_a_bad_value_is_refused_with_its_line_and_key(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    char err[600], data[300];
    write_conf(&s, "data = %1$s/data\n"
                   "map_size = 12abc\n");
    snprintf(err, sizeof err, "%s:2: key \"map_size\": must be a whole number of bytes, at "
                              "least 65536, not \"12abc\"\n", s.conf);
    expect_refused(err, "--config", s.conf, NULL);
    write_conf(&s, "# health\n"
                   "on_track = 2\n");
    snprintf(err, sizeof err, "%s:2: key \"on_track\": must be a number from 0 to 1, not \"2\"\n",
             s.conf);
    expect_refused(err, "--config", s.conf, NULL);
    write_conf(&s, "log_level = loud\n");
    snprintf(err, sizeof err, "%s:1: key \"log_level\": must be error, warn, info or debug, "
                              "not \"loud\"\n", s.conf);
    expect_refused(err, "--config", s.conf, NULL);
    /* A flag cannot rescue a broken file: the file is refused as a whole. */
    write_conf(&s, "retain = -1\n");
    snprintf(err, sizeof err, "%s:1: key \"retain\": must be a whole number, at least 0, not "
                              "\"-1\"\n", s.conf);
    expect_refused(err, "--retain", "3", "--config", s.conf, NULL);
    snprintf(data, sizeof data, "%s/data", s.root);
    assert_false(exists(data));
    expect_refused("okrd: cannot read the config file /nonexistent/okrd.conf: No such file or "
                   "directory\n", "--config", "/nonexistent/okrd.conf", NULL);
    site_remove(&s);
}

/* ------------------------------------------------------------ --print-config */

static void test_print_config_reads_back_to_the_same_settings(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, serve_conf);
    struct harness_result first;
    harness_okrd_cmd(&first, "--config", s.conf, "--on-track", "0.9", "--at-risk", "0.1",
                     "--log-level", "debug", "--insecure", "--slow-ms", "-1", "--print-config",
                     NULL);
    harness_expect_exit(&first, 0);
    assert_non_null(strstr(first.out, "\non_track = 0.9\nat_risk = 0.1\n"));
    assert_non_null(strstr(first.out, "\nretain = 50\nsecure = false\ninsecure = true\nslow_ms = -1\n"
                                      "log_level = debug\n"));
    char again[300];
    snprintf(again, sizeof again, "%s/again.conf", s.root);
    write_text(again, first.out);
    struct harness_result second;
    harness_okrd_cmd(&second, "--config", again, "--print-config", NULL);
    harness_expect_exit(&second, 0);
    assert_string_equal(second.out, first.out);
    harness_result_free(&first);
    harness_result_free(&second);
    site_remove(&s);
}

/* ------------------------------------------------------------ the log */

static const char *login_name(void)
{
    const struct passwd *pw = getpwuid(geteuid());
    return pw ? pw->pw_name : getenv("USER");
}

static void test_a_slow_batch_is_logged_with_its_request_types_and_actors(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, "--slow-ms", "0", NULL), 0);
    struct harness_result r;
    harness_okr_ok(&s, &r, "status", NULL);
    harness_result_free(&r);
    char needle[256];
    snprintf(needle, sizeof needle, " ms for 1 request: status by %s\n", login_name());
    /* The log line is written before the reply is sent. */
    if (!harness_server_log_contains(&s, needle))
        fail_msg("no \"%s\" in okrd's log:\n%s", needle, harness_server_log(&s));
    assert_true(harness_server_log_contains(&s, "okrd: slow batch: "));
    /* Info lines are on by default. */
    assert_true(harness_server_log_contains(&s, "okrd: listening for requests on tcp://"));
    assert_true(harness_server_log_contains(&s, "okrd: publishing events on tcp://"));
    assert_true(harness_server_log_contains(&s, " slow_ms=0 log_level=info syslog=false\n"));
    harness_server_destroy(&s);
}

static void test_log_level_warn_keeps_warnings_and_drops_info(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, "--log-level", "warn", "--slow-ms", "0", NULL), 0);
    struct harness_result r;
    harness_okr_ok(&s, &r, "status", NULL);
    harness_result_free(&r);
    assert_true(harness_server_log_contains(&s, "okrd: slow batch: "));     /* a warning */
    assert_int_equal(harness_server_stop(&s), 0);
    char *log = harness_server_log(&s);
    /* The ready line is for scripts: every level prints it. */
    assert_non_null(strstr(log, "okrd: ready requests="));
    assert_null(strstr(log, "okrd: started"));
    assert_null(strstr(log, "okrd: listening"));
    assert_null(strstr(log, "okrd: stopped"));
    free(log);
    harness_server_destroy(&s);
}

/* With --syslog okrd serves as usual and writes nothing on stderr (what
 * syslog received is not checked: the test machine may run no syslogd). */
static void test_syslog_serves_and_leaves_stderr_empty(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, serve_conf);
    start(&s, "--config", s.conf, "--syslog", "--slow-ms", "0", NULL);
    char events[400], ep[400];
    snprintf(events, sizeof events, "%s/events.sock", s.root);
    /* No ready line to wait for: the event socket is bound last. */
    for (int waited = 0; !exists(events); waited += 10) {
        if (waited >= DEADLINE_MS || waitpid(s.pid, NULL, WNOHANG) == s.pid)
            fail_msg("okrd --syslog did not bind %s", events);
        pause_briefly();
    }
    snprintf(ep, sizeof ep, "ipc://%s/requests.sock", s.root);
    expect_served_at(ep);
    assert_int_equal(stop(&s), 0);
    char *log = read_text(s.log);
    assert_string_equal(log, "");
    free(log);
    site_remove(&s);
}

/* systemd names the journal stream it gave as stderr in $JOURNAL_STREAM
 * ("DEV:INODE"); okrd then starts each line with its syslog priority for
 * journald to record. Here the "journal" is the log file itself. */
static void test_lines_to_the_journal_carry_their_priority(void **state)
{
    (void)state;
    site s;
    site_make(&s);
    write_conf(&s, serve_conf);
    write_text(s.log, "");
    struct stat st;
    assert_int_equal(stat(s.log, &st), 0);
    char stream[64];
    snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    const char *saved = getenv("JOURNAL_STREAM");
    char *restore = saved ? strdup(saved) : NULL;
    setenv("JOURNAL_STREAM", stream, 1);
    start(&s, "--config", s.conf, NULL);
    if (restore)
        setenv("JOURNAL_STREAM", restore, 1);
    else
        unsetenv("JOURNAL_STREAM");
    free(restore);
    wait_for_log(&s, "\n<5>okrd: ready requests=ipc://");
    assert_int_equal(stop(&s), 0);
    char *log = read_text(s.log);
    assert_int_equal(strncmp(log, "<6>okrd: listening for requests on ipc://", 41), 0);
    assert_non_null(strstr(log, "\n<6>okrd: started okrd "));
    assert_non_null(strstr(log, "\n<6>okrd: stopped\n"));
    free(log);
    site_remove(&s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_config_file_says_where_okrd_serves),
        cmocka_unit_test(test_a_flag_overrides_the_file),
        cmocka_unit_test(test_an_unknown_key_is_refused_with_its_line),
        cmocka_unit_test(test_a_bad_value_is_refused_with_its_line_and_key),
        cmocka_unit_test(test_print_config_reads_back_to_the_same_settings),
        cmocka_unit_test(test_a_slow_batch_is_logged_with_its_request_types_and_actors),
        cmocka_unit_test(test_log_level_warn_keeps_warnings_and_drops_info),
        cmocka_unit_test(test_syslog_serves_and_leaves_stderr_empty),
        cmocka_unit_test(test_lines_to_the_journal_carry_their_priority),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
