/* test_endpoint_e2e.c — end to end: which addresses the real okrd binds.
 *
 * Without secure mode okrd binds only what is certainly local, whatever
 * spelling libzmq's bind accepts (`src;addr`, `*`, [::]); a refusal names the
 * endpoint and leaves nothing on disk (the --data directory is never made).
 * [::1] binds and serves the real okr (requests and `okr watch`), and
 * --insecure still binds every interface. No traffic goes to any address but
 * loopback. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define REFUSAL_DEADLINE_MS 5000   /* a refusal exits at once; a bind would serve */

/* ------------------------------------------------------------ helpers */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh temporary directory (mode 0700), malloc'd. */
static char *make_root(void)
{
    const char *tmp = getenv("TMPDIR");
    char *root = malloc(HARNESS_PATH_MAX);
    assert_non_null(root);
    snprintf(root, HARNESS_PATH_MAX, "%s/okr-endpoint.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(root));
    return root;
}

static void remove_root(char *root)
{
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(root);
}

/* Run okrd with `option ep` (the other socket on a free loopback port) and
 * assert it refuses: exit 1, the message names the endpoint, no data dir. */
static void assert_okrd_refuses(const char *root, const char *option, const char *ep)
{
    char data[HARNESS_PATH_MAX + 8], expected[HARNESS_PATH_MAX + 64];
    snprintf(data, sizeof data, "%s/data", root);
    const char *okrd = getenv("OKRD") ? getenv("OKRD") : "build/okrd";
    const char *other = strcmp(option, "--listen") == 0 ? "--publish" : "--listen";
    char *argv[] = {(char *)okrd, "--data", data, (char *)other, "tcp://127.0.0.1:*",
                    (char *)option, (char *)ep, NULL};
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, REFUSAL_DEADLINE_MS, argv), 0);
    snprintf(expected, sizeof expected, "okrd: refusing to bind %s: ", ep);
    if (r.timed_out || r.exit_code != 1 || strstr(r.err, expected) == NULL)
        fail_msg("%s %s: wanted exit 1 and \"%s...\", got exit %d%s, stderr:\n%s", option, ep,
                 expected, r.exit_code, r.timed_out ? " (it kept running)" : "", r.err);
    struct stat st;
    if (stat(data, &st) == 0)
        fail_msg("%s %s was refused but made %s", option, ep, data);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ refusals */

static void test_every_bypass_is_refused_and_creates_nothing(void **state)
{
    (void)state;
    char *root = make_root();
    char open_dir[HARNESS_PATH_MAX + 8], open_ipc[HARNESS_PATH_MAX + 32];
    snprintf(open_dir, sizeof open_dir, "%s/open", root);
    assert_int_equal(mkdir(open_dir, 0755), 0);
    assert_int_equal(chmod(open_dir, 0755), 0);          /* whatever the umask */
    snprintf(open_ipc, sizeof open_ipc, "ipc://%s/okrd.sock", open_dir);
    const char *eps[] = {
        "tcp://127.0.0.1:7411;0.0.0.0:*",   /* libzmq binds the part after ';' */
        "tcp://127.0.0.1:7411;*:*",
        "tcp://[::1]:7411;[::]:*",
        "tcp://*:*",
        "tcp://0.0.0.0:*",
        "tcp://0:*",                        /* getaddrinfo reads 0 as 0.0.0.0 */
        "tcp://[::]:*",
        "tcp://localhost:*",
        "tcp://lo:*",
        "ipc://@okrd-endpoint-test",        /* abstract: any local user connects */
        open_ipc,                           /* a directory others can enter */
    };
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
        assert_okrd_refuses(root, "--listen", eps[i]);
        assert_okrd_refuses(root, "--publish", eps[i]);
    }
    remove_root(root);
}

static void test_refusal_message_says_why_and_what_to_do(void **state)
{
    (void)state;
    char *root = make_root();
    char data[HARNESS_PATH_MAX + 8];
    snprintf(data, sizeof data, "%s/data", root);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", data, "--listen", "tcp://0.0.0.0:7411", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err,
                        "okrd: refusing to bind tcp://0.0.0.0:7411: 0.0.0.0 is every interface, "
                        "not loopback; use --secure, or --insecure to allow it without "
                        "encryption\n");
    harness_result_free(&r);
    remove_root(root);
}

/* ------------------------------------------------------------ what binds */

static void run_okr_ok(const char *endpoint, const char *const *args)
{
    struct harness_result r;
    assert_int_equal(harness_okr_argv(endpoint, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* The real okr over [::1]: status, a check-in, and `okr watch` (its SUB
 * socket too) reads the events after the first back. */
static void test_ipv6_loopback_binds_and_serves(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", "tcp://[::1]:*", "--publish",
                                          "tcp://[::1]:*", NULL), 0);
    assert_true(strncmp(s.requests, "tcp://[::1]:", 12) == 0);
    assert_true(strncmp(s.events, "tcp://[::1]:", 12) == 0);
    const char *status[] = {"status", NULL};
    const char *period[] = {"period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                            "2026-12-31", NULL};
    const char *team[] = {"team", "add", "Pots", NULL};
    const char *obj[] = {"obj", "add", "Pot buyers trust us", "--team", "Pots", "--period",
                         "2026-Q4", NULL};
    const char *kr[] = {"kr", "add", "O1", "Repeat buyers", "--from", "5", "--to", "15", NULL};
    const char *checkin[] = {"checkin", "K1", "9", NULL};
    run_okr_ok(s.requests, status);
    run_okr_ok(s.requests, period);
    run_okr_ok(s.requests, team);
    run_okr_ok(s.requests, obj);
    run_okr_ok(s.requests, kr);
    run_okr_ok(s.requests, checkin);

    struct harness_result r;
    const char *watch[] = {"--json", "watch", "--from", "1", "--count", "4", NULL};
    assert_int_equal(harness_okr_argv(s.requests, &r, NULL, watch), 0);
    harness_expect_exit(&r, 0);
    int64_t seq = 1;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        struct json_object *doc = harness_json_parse(line);
        assert_int_equal(harness_json_int(doc, "seq"), ++seq);
        if (seq == 5)
            assert_string_equal(harness_json_string(doc, "change.request"), "checkin");
        json_object_put(doc);
    }
    assert_int_equal(seq, 5);
    harness_result_free(&r);
    harness_server_destroy(&s);
}

/* Of SRC;ADDR only ADDR binds: a local ADDR is allowed, and it is what okrd
 * listens on. */
static void test_source_form_binds_the_address_after_the_semicolon(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", "tcp://0.0.0.0:7411;127.0.0.1:*",
                                          NULL), 0);
    assert_true(strncmp(s.requests, "tcp://127.0.0.1:", 16) == 0);
    const char *status[] = {"status", NULL};
    run_okr_ok(s.requests, status);
    harness_server_destroy(&s);
}

/* Events on an ipc socket in a directory only we can enter: `okr watch`
 * subscribes there (the harness needs a tcp port for requests). */
static void test_ipc_in_owner_only_directory_binds_and_serves(void **state)
{
    (void)state;
    char *root = make_root();                                  /* mkdtemp: 0700 */
    char ep[HARNESS_PATH_MAX + 32];
    snprintf(ep, sizeof ep, "ipc://%s/events.sock", root);
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--publish", ep, NULL), 0);
    assert_string_equal(s.events, ep);
    const char *team[] = {"team", "add", "Pots", NULL};
    const char *team2[] = {"team", "add", "Pans", NULL};
    run_okr_ok(s.requests, team);
    run_okr_ok(s.requests, team2);
    struct harness_result r;
    const char *watch[] = {"--json", "watch", "--from", "1", "--count", "1", NULL};
    assert_int_equal(harness_okr_argv(s.requests, &r, NULL, watch), 0);
    harness_expect_exit(&r, 0);
    struct json_object *doc = harness_json_parse(r.out);
    assert_int_equal(harness_json_int(doc, "seq"), 2);
    json_object_put(doc);
    harness_result_free(&r);
    harness_server_destroy(&s);
    remove_root(root);
}

/* --insecure still binds every interface; the traffic stays on loopback. */
static void test_insecure_binds_every_interface(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--insecure", "--listen", "tcp://0.0.0.0:*",
                                          NULL), 0);
    assert_true(strncmp(s.requests, "tcp://0.0.0.0:", 14) == 0);
    char loopback[1024];
    snprintf(loopback, sizeof loopback, "tcp://127.0.0.1:%s", s.requests + 14);
    const char *status[] = {"status", NULL};
    run_okr_ok(loopback, status);
    harness_server_destroy(&s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_bypass_is_refused_and_creates_nothing),
        cmocka_unit_test(test_refusal_message_says_why_and_what_to_do),
        cmocka_unit_test(test_ipv6_loopback_binds_and_serves),
        cmocka_unit_test(test_source_form_binds_the_address_after_the_semicolon),
        cmocka_unit_test(test_ipc_in_owner_only_directory_binds_and_serves),
        cmocka_unit_test(test_insecure_binds_every_interface),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
