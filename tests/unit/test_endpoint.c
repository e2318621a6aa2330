/* test_endpoint.c — which endpoints okrd binds without secure mode
 * (server/endpoint.c): every spelling libzmq's bind accepts, each verdict and
 * its exact sentence. */
#include <net/if.h>
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
#include <zmq.h>

#include "endpoint.h"

#define SUFFIX "; use --secure, or --insecure to allow it without encryption"

/* Allowed without secure mode and without --insecure. */
static void assert_local(const char *ep)
{
    char msg[1024] = "";
    endpoint_info info;
    endpoint_classify(ep, &info);
    if (info.kind != ENDPOINT_LOCAL)
        fail_msg("%s should be local, got kind %d: %s", ep, info.kind, info.reason);
    if (endpoint_check_bind(ep, false, false, msg, sizeof msg) != 0)
        fail_msg("%s should bind: %s", ep, msg);
}

/* Refused without secure mode with exactly `expected`; allowed by --insecure,
 * and by secure mode when the transport runs CURVE. */
static void assert_refused(const char *ep, const char *expected, bool curve)
{
    char msg[1024] = "";
    endpoint_info info;
    endpoint_classify(ep, &info);
    assert_int_equal(info.kind, ENDPOINT_EXPOSED);
    assert_int_equal(info.curve, curve);
    assert_int_equal(endpoint_check_bind(ep, false, false, msg, sizeof msg), -1);
    assert_string_equal(msg, expected);
    assert_int_equal(endpoint_check_bind(ep, false, true, msg, sizeof msg), 0);
    assert_int_equal(endpoint_check_bind(ep, true, false, msg, sizeof msg), curve ? 0 : -1);
}

/* Malformed: refused whatever the mode, with exactly `expected`. */
static void assert_invalid(const char *ep, const char *expected)
{
    char msg[1024] = "";
    endpoint_info info;
    endpoint_classify(ep, &info);
    assert_int_equal(info.kind, ENDPOINT_INVALID);
    assert_int_equal(endpoint_check_bind(ep, false, false, msg, sizeof msg), -1);
    assert_string_equal(msg, expected);
    assert_int_equal(endpoint_check_bind(ep, true, true, msg, sizeof msg), -1);
    assert_string_equal(msg, expected);
}

/* ------------------------------------------------------------ tcp */

static void test_ipv4_loopback_binds(void **state)
{
    (void)state;
    assert_local("tcp://127.0.0.1:7411");
    assert_local("tcp://127.0.0.1:*");
    assert_local("tcp://127.0.0.1:0");
    assert_local("tcp://127.255.255.254:1");
    assert_local("tcp://127.1:1");              /* getaddrinfo reads it as 127.0.0.1 */
    assert_local("tcp://2130706433:1");         /* so does libzmq's bind */
}

static void test_ipv6_loopback_binds_and_needs_ipv6(void **state)
{
    (void)state;
    endpoint_info info;
    assert_local("tcp://[::1]:1");
    assert_local("tcp://[::1]:*");
    assert_local("tcp://::1:1");                /* libzmq takes the last colon as the port's */
    assert_local("tcp://[::ffff:127.0.0.1]:1"); /* IPv4-mapped loopback */
    endpoint_classify("tcp://[::1]:1", &info);
    assert_true(info.ipv6);
    endpoint_classify("tcp://127.0.0.1:1", &info);
    assert_false(info.ipv6);                    /* else it binds as ::ffff:127.0.0.1 */
}

static void test_next_network_after_loopback_is_refused(void **state)
{
    (void)state;
    assert_refused("tcp://128.0.0.1:1",
                   "refusing to bind tcp://128.0.0.1:1: 128.0.0.1 is not a loopback address"
                   SUFFIX, true);
    assert_refused("tcp://126.255.255.255:1",
                   "refusing to bind tcp://126.255.255.255:1: 126.255.255.255 is not a loopback "
                   "address" SUFFIX, true);
    assert_refused("tcp://[::2]:1",
                   "refusing to bind tcp://[::2]:1: [::2] is not a loopback address" SUFFIX, true);
    assert_refused("tcp://[fe80::1%1]:1",
                   "refusing to bind tcp://[fe80::1%1]:1: [fe80::1%1] is not a loopback address"
                   SUFFIX, true);
}

static void test_every_interface_is_refused(void **state)
{
    (void)state;
    assert_refused("tcp://0.0.0.0:7411",
                   "refusing to bind tcp://0.0.0.0:7411: 0.0.0.0 is every interface, not "
                   "loopback" SUFFIX, true);
    assert_refused("tcp://*:1",
                   "refusing to bind tcp://*:1: * is every interface, not loopback" SUFFIX, true);
    assert_refused("tcp://[::]:1",
                   "refusing to bind tcp://[::]:1: [::] is every interface, not loopback" SUFFIX,
                   true);
    assert_refused("tcp://0:1",
                   "refusing to bind tcp://0:1: 0 is every interface, not loopback" SUFFIX, true);
    assert_refused("tcp://[::ffff:0.0.0.0]:1",
                   "refusing to bind tcp://[::ffff:0.0.0.0]:1: [::ffff:0.0.0.0] is every "
                   "interface, not loopback" SUFFIX, true);
}

/* libzmq's bind listens on the part after the last ';' and only resolves the
 * part before it: that part alone decides. */
static void test_source_form_is_judged_by_the_part_that_binds(void **state)
{
    (void)state;
    assert_refused("tcp://127.0.0.1:7411;0.0.0.0:7412",
                   "refusing to bind tcp://127.0.0.1:7411;0.0.0.0:7412: 0.0.0.0 is every "
                   "interface, not loopback (of SRC;ADDR, a bind listens on ADDR)" SUFFIX, true);
    assert_refused("tcp://127.0.0.1:1;*:7412",
                   "refusing to bind tcp://127.0.0.1:1;*:7412: * is every interface, not "
                   "loopback (of SRC;ADDR, a bind listens on ADDR)" SUFFIX, true);
    assert_local("tcp://0.0.0.0:1;127.0.0.1:2");
    assert_invalid("tcp://;*:7412",
                   "refusing to bind tcp://;*:7412: the source address before ';' is empty");
    assert_invalid("tcp://127.0.0.1;127.0.0.1:2",
                   "refusing to bind tcp://127.0.0.1;127.0.0.1:2: 127.0.0.1 has no port "
                   "(tcp://ADDRESS:PORT)");
}

static void test_names_are_refused_with_the_address_to_use(void **state)
{
    (void)state;
    assert_refused("tcp://localhost:7411",
                   "refusing to bind tcp://localhost:7411: localhost is a host name, not an "
                   "address, and okrd resolves no names (bind tcp://127.0.0.1:7411 or "
                   "tcp://[::1]:7411 instead)" SUFFIX, true);
    assert_refused("tcp://okr.example.com:1",
                   "refusing to bind tcp://okr.example.com:1: okr.example.com is a host name, "
                   "not an address, and okrd resolves no names (bind tcp://127.0.0.1:1 or "
                   "tcp://[::1]:1 instead)" SUFFIX, true);
}

/* lo may carry non-loopback addresses too (anycast set-ups do that), and
 * libzmq binds whichever address it lists first: an interface is refused. */
static void test_interface_names_are_refused(void **state)
{
    (void)state;
    assert_refused("tcp://lo:1",
                   "refusing to bind tcp://lo:1: lo is an interface name, and an interface may "
                   "carry addresses that are not loopback (bind tcp://127.0.0.1:1 or "
                   "tcp://[::1]:1 instead)" SUFFIX, true);
    const char *eth0 = if_nametoindex("eth0") != 0
                           ? "refusing to bind tcp://eth0:1: eth0 is an interface name, and an "
                             "interface may carry addresses that are not loopback (bind "
                             "tcp://127.0.0.1:1 or tcp://[::1]:1 instead)" SUFFIX
                           : "refusing to bind tcp://eth0:1: eth0 is a host name, not an "
                             "address, and okrd resolves no names (bind tcp://127.0.0.1:1 or "
                             "tcp://[::1]:1 instead)" SUFFIX;
    assert_refused("tcp://eth0:1", eth0, true);
}

static void test_malformed_tcp_is_invalid(void **state)
{
    (void)state;
    assert_invalid("tcp://127.0.0.1",
                   "refusing to bind tcp://127.0.0.1: 127.0.0.1 has no port (tcp://ADDRESS:PORT)");
    assert_invalid("tcp://127.0.0.1:12abc",
                   "refusing to bind tcp://127.0.0.1:12abc: \"12abc\" is not a port (a number up "
                   "to 65535, or * for a free one)");
    assert_invalid("tcp://127.0.0.1:65536",
                   "refusing to bind tcp://127.0.0.1:65536: \"65536\" is not a port (a number up "
                   "to 65535, or * for a free one)");
    assert_invalid("tcp://127.0.0.1:",
                   "refusing to bind tcp://127.0.0.1:: \"\" is not a port (a number up to "
                   "65535, or * for a free one)");
    assert_invalid("tcp://:1", "refusing to bind tcp://:1: it has no address before the port");
    assert_invalid("tcp://[::1:1",
                   "refusing to bind tcp://[::1:1: the address \"[::1\" has unbalanced brackets");
    assert_invalid("tcp://[::1%]:1",
                   "refusing to bind tcp://[::1%]:1: the address \"::1%\" has an empty zone "
                   "after %");
    assert_invalid("tcp://", "refusing to bind tcp://: it has no address after tcp://");
}

/* ------------------------------------------------------------ ipc, inproc */

static void test_ipc_in_world_enterable_tmp_is_refused(void **state)
{
    (void)state;
    assert_refused("ipc:///tmp/x",
                   "refusing to bind ipc:///tmp/x: the directory /tmp can be entered by its "
                   "group or others (mode 1777; it must be 0700)" SUFFIX, true);
}

/* A fresh directory of the given mode under /tmp, owned by us. */
static char *make_dir(mode_t mode)
{
    char *dir = strdup("/tmp/test_endpoint.XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, mode), 0);
    return dir;
}

static void test_ipc_in_owner_only_directory_binds(void **state)
{
    (void)state;
    char *dir = make_dir(0700);
    char ep[256];
    snprintf(ep, sizeof ep, "ipc://%s/okrd.sock", dir);
    assert_local(ep);
    /* and it really binds there */
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_ROUTER);
    assert_int_equal(zmq_bind(sock, ep), 0);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    char path[256];
    snprintf(path, sizeof path, "%s/okrd.sock", dir);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void test_ipc_in_group_enterable_directory_is_refused(void **state)
{
    (void)state;
    char *dir = make_dir(0710);
    char ep[256], expected[512];
    snprintf(ep, sizeof ep, "ipc://%s/okrd.sock", dir);
    snprintf(expected, sizeof expected,
             "refusing to bind %s: the directory %s can be entered by its group or others "
             "(mode 0710; it must be 0700)" SUFFIX,
             ep, dir);
    assert_refused(ep, expected, true);
    rmdir(dir);
    free(dir);
}

/* A directory someone else owns: its owner can open it to anyone later. */
static void test_ipc_in_another_users_directory_is_refused(void **state)
{
    (void)state;
    char *dir = make_dir(0700);
    const char *tested = dir;
    uid_t owner = 65534;
    if (geteuid() == 0)
        assert_int_equal(chown(dir, owner, (gid_t)-1), 0);
    else {
        tested = "/";                                  /* root's, 0755 */
        owner = 0;
    }
    char ep[256], expected[512];
    snprintf(ep, sizeof ep, "ipc://%s%sokrd.sock", tested, strcmp(tested, "/") ? "/" : "");
    snprintf(expected, sizeof expected,
             "refusing to bind %s: the directory %s belongs to uid %u, not to okrd's uid %u"
             SUFFIX,
             ep, tested, (unsigned)owner, (unsigned)geteuid());
    assert_refused(ep, expected, true);
    rmdir(dir);
    free(dir);
}

static void test_ipc_special_forms(void **state)
{
    (void)state;
    assert_refused("ipc://@okrd",
                   "refusing to bind ipc://@okrd: @okrd is an abstract socket, which every local "
                   "user can connect to" SUFFIX, true);
    assert_refused("ipc://*",
                   "refusing to bind ipc://*: * makes a directory okrd cannot check before "
                   "binding (name a socket in a directory only you can enter, mode 0700)" SUFFIX,
                   true);
    assert_invalid("ipc:///nonexistent-okrd-dir/s",
                   "refusing to bind ipc:///nonexistent-okrd-dir/s: cannot use the directory "
                   "/nonexistent-okrd-dir: No such file or directory");
    assert_invalid("ipc:///etc/passwd/s",
                   "refusing to bind ipc:///etc/passwd/s: /etc/passwd is not a directory");
    assert_invalid("ipc:///tmp/",
                   "refusing to bind ipc:///tmp/: the path /tmp/ has no file name");
    assert_invalid("ipc://", "refusing to bind ipc://: it has no address after ipc://");
}

static void test_inproc_binds(void **state)
{
    (void)state;
    assert_local("inproc://okrd");
}

/* ------------------------------------------------------------ other transports */

static void test_network_transports_need_secure_mode(void **state)
{
    (void)state;
    assert_refused("ws://127.0.0.1:1",
                   "refusing to bind ws://127.0.0.1:1: ws is not one of the local transports "
                   "(tcp on loopback, ipc, inproc)" SUFFIX, true);
    assert_refused("wss://127.0.0.1:1",
                   "refusing to bind wss://127.0.0.1:1: wss is not one of the local transports "
                   "(tcp on loopback, ipc, inproc)" SUFFIX, true);
    assert_refused("tipc://{5560,0,0}",
                   "refusing to bind tipc://{5560,0,0}: tipc is not one of the local "
                   "transports (tcp on loopback, ipc, inproc)" SUFFIX, true);
    assert_refused("vmci://1:5555",
                   "refusing to bind vmci://1:5555: vmci is not one of the local transports "
                   "(tcp on loopback, ipc, inproc)" SUFFIX, true);
}

/* Multicast and udp carry no ZMTP handshake: CURVE cannot protect them. */
static void test_transports_without_curve_need_insecure_even_in_secure_mode(void **state)
{
    (void)state;
    const char *eps[] = {"pgm://eth0;239.192.1.1:5555", "epgm://127.0.0.1;239.192.1.1:5555",
                         "norm://239.192.1.1:5555", "udp://127.0.0.1:5555"};
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
        char expected[512], msg[1024];
        char transport[8];
        snprintf(transport, sizeof transport, "%.*s", (int)strcspn(eps[i], ":"), eps[i]);
        snprintf(expected, sizeof expected,
                 "refusing to bind %s: %s is not one of the local transports (tcp on loopback, "
                 "ipc, inproc); it has no CURVE handshake, so only --insecure allows it "
                 "(without encryption)",
                 eps[i], transport);
        assert_refused(eps[i], expected, false);
        snprintf(expected, sizeof expected,
                 "refusing to bind %s: it has no CURVE handshake, so --secure cannot protect "
                 "it; use --insecure to allow it without encryption",
                 eps[i]);
        assert_int_equal(endpoint_check_bind(eps[i], true, false, msg, sizeof msg), -1);
        assert_string_equal(msg, expected);
    }
}

static void test_garbage_is_invalid(void **state)
{
    (void)state;
    assert_invalid("garbage",
                   "refusing to bind garbage: it has no transport (tcp://, ipc:// or inproc://)");
    assert_invalid("", "refusing to bind : it has no transport (tcp://, ipc:// or inproc://)");
    assert_invalid("http://127.0.0.1:1",
                   "refusing to bind http://127.0.0.1:1: \"http\" is not a ZeroMQ transport");
    assert_invalid("TCP://127.0.0.1:1",
                   "refusing to bind TCP://127.0.0.1:1: \"TCP\" is not a ZeroMQ transport");
    assert_invalid("://127.0.0.1:1",
                   "refusing to bind ://127.0.0.1:1: \"\" is not a ZeroMQ transport");
    char long_ep[2100] = "tcp://";
    memset(long_ep + 6, 'a', 2000);
    long_ep[2006] = '\0';
    endpoint_info info;
    endpoint_classify(long_ep, &info);
    assert_int_equal(info.kind, ENDPOINT_INVALID);
    assert_string_equal(info.reason, "it is longer than 1023 bytes");
}

/* A secure server binds every well-formed endpoint that CURVE protects. */
static void test_secure_mode_binds_any_curve_endpoint(void **state)
{
    (void)state;
    char msg[1024];
    const char *eps[] = {"tcp://0.0.0.0:7411", "tcp://*:1", "tcp://[::]:1",
                         "tcp://127.0.0.1:1;0.0.0.0:2", "tcp://eth0:1", "ipc:///tmp/x",
                         "ws://0.0.0.0:1"};
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++)
        if (endpoint_check_bind(eps[i], true, false, msg, sizeof msg) != 0)
            fail_msg("secure mode should bind %s: %s", eps[i], msg);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_loopback_binds),
        cmocka_unit_test(test_ipv6_loopback_binds_and_needs_ipv6),
        cmocka_unit_test(test_next_network_after_loopback_is_refused),
        cmocka_unit_test(test_every_interface_is_refused),
        cmocka_unit_test(test_source_form_is_judged_by_the_part_that_binds),
        cmocka_unit_test(test_names_are_refused_with_the_address_to_use),
        cmocka_unit_test(test_interface_names_are_refused),
        cmocka_unit_test(test_malformed_tcp_is_invalid),
        cmocka_unit_test(test_ipc_in_world_enterable_tmp_is_refused),
        cmocka_unit_test(test_ipc_in_owner_only_directory_binds),
        cmocka_unit_test(test_ipc_in_group_enterable_directory_is_refused),
        cmocka_unit_test(test_ipc_in_another_users_directory_is_refused),
        cmocka_unit_test(test_ipc_special_forms),
        cmocka_unit_test(test_inproc_binds),
        cmocka_unit_test(test_network_transports_need_secure_mode),
        cmocka_unit_test(test_transports_without_curve_need_insecure_even_in_secure_mode),
        cmocka_unit_test(test_garbage_is_invalid),
        cmocka_unit_test(test_secure_mode_binds_any_curve_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
