/* endpoint.c — parses a bind endpoint whole and says whether it is local.
 *
 * It owns the rule "without secure mode, bind only what certainly reaches
 * nobody but this machine's owner" (docs/operations.md, "Which addresses okrd
 * binds"). It reads endpoints the way libzmq 4.3's bind does:
 *   - tcp://[SRC;]HOST:PORT: with a ';' the part after the last one is what
 *     binds (the source part is only resolved); HOST is `*`, an interface
 *     name, or a numeric address as getaddrinfo(AI_NUMERICHOST) reads it
 *     (so 127.1, 0 and 2130706433 are addresses too), in [] when IPv6, with
 *     an optional %zone;
 *   - ipc://PATH: a Unix socket; `@NAME` is Linux's abstract namespace and
 *     `*` a directory libzmq makes;
 *   - inproc://NAME: inside this process.
 * Names are never resolved: a name (an interface's or a host's) is not
 * certainly loopback, so it is refused without secure mode, and the message
 * says which address to write instead. This file never binds or opens a
 * socket (endpoint_set_ipv6 only sets an option). */
#include "endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zmq.h>

#define PART_MAX 1024

/* libzmq's transports; `curve`: it runs the ZMTP handshake, so CURVE applies
 * (pgm, epgm, norm and udp send bare frames: nothing can protect them). */
static const struct {
    const char *name;
    bool curve;
} transports[] = {
    {"tcp", true},   {"ipc", true},   {"inproc", true}, {"tipc", true},
    {"vmci", true},  {"ws", true},    {"wss", true},    {"pgm", false},
    {"epgm", false}, {"norm", false}, {"udp", false},
};

static void verdict(endpoint_info *info, endpoint_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict(endpoint_info *info, endpoint_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    info->kind = kind;
    vsnprintf(info->reason, sizeof info->reason, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ tcp */

/* "*", "0" (a free port) or a decimal number up to 65535. */
static bool valid_port(const char *port)
{
    size_t n = strlen(port);
    if (strcmp(port, "*") == 0)
        return true;
    if (n == 0 || n > 5 || strspn(port, "0123456789") != n)
        return false;
    return atoi(port) <= 65535;
}

/* Split "HOST:PORT" (last colon: IPv6 has colons) into host and port, then
 * strip IPv6 brackets and a %zone from host, as libzmq does. Returns false
 * after an INVALID verdict. */
static bool split_host_port(const char *part, char *host, const char **port,
                            endpoint_info *info)
{
    const char *colon = strrchr(part, ':');
    if (colon == NULL) {
        verdict(info, ENDPOINT_INVALID, "%s has no port (tcp://ADDRESS:PORT)", part);
        return false;
    }
    *port = colon + 1;
    if (!valid_port(*port)) {
        verdict(info, ENDPOINT_INVALID,
                "\"%s\" is not a port (a number up to 65535, or * for a free one)", *port);
        return false;
    }
    size_t n = (size_t)(colon - part);
    if (n >= 2 && part[0] == '[' && part[n - 1] == ']') {
        part++;
        n -= 2;
    }
    memcpy(host, part, n);
    host[n] = '\0';
    if (n == 0) {
        verdict(info, ENDPOINT_INVALID, "it has no address before the port");
        return false;
    }
    if (strpbrk(host, "[]")) {
        verdict(info, ENDPOINT_INVALID, "the address \"%s\" has unbalanced brackets", host);
        return false;
    }
    char *zone = strrchr(host, '%');
    if (zone && zone[1] == '\0') {
        verdict(info, ENDPOINT_INVALID, "the address \"%s\" has an empty zone after %%", host);
        return false;
    }
    if (zone)
        *zone = '\0';
    return true;
}

static bool ipv4_is_loopback(const struct in_addr *a)
{
    return (ntohl(a->s_addr) >> 24) == 127;
}

/* Classify a numeric address; `written` is the host as the user wrote it. */
static void classify_address(const struct sockaddr *sa, const char *written,
                             endpoint_info *info)
{
    bool any = false, loopback = false;
    if (sa->sa_family == AF_INET) {
        const struct in_addr *a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        any = a->s_addr == htonl(INADDR_ANY);
        loopback = ipv4_is_loopback(a);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        struct in_addr mapped;
        memcpy(&mapped, &a->s6_addr[12], sizeof mapped);
        any = IN6_IS_ADDR_UNSPECIFIED(a) ||
              (IN6_IS_ADDR_V4MAPPED(a) && mapped.s_addr == htonl(INADDR_ANY));
        loopback = IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && ipv4_is_loopback(&mapped));
    }
    if (loopback)
        verdict(info, ENDPOINT_LOCAL, "%s is loopback", written);
    else if (any)
        verdict(info, ENDPOINT_EXPOSED, "%s is every interface, not loopback", written);
    else
        verdict(info, ENDPOINT_EXPOSED, "%s is not a loopback address", written);
}

/* The host part of the bound address: `*`, a name, or a numeric address. */
static void classify_host(const char *host, const char *written, const char *port,
                          endpoint_info *info)
{
    if (strcmp(host, "*") == 0) {
        verdict(info, ENDPOINT_EXPOSED, "* is every interface, not loopback");
        return;
    }
    /* libzmq's bind tries an interface name first: an interface may be named
     * like an address (only root can do it, but then "127.0.0.1" is not). */
    if (if_nametoindex(host) != 0) {
        verdict(info, ENDPOINT_EXPOSED,
                "%s is an interface name, and an interface may carry addresses that are "
                "not loopback (bind tcp://127.0.0.1:%s or tcp://[::1]:%s instead)",
                written, port, port);
        return;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_PASSIVE,
                             .ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
        verdict(info, ENDPOINT_EXPOSED,
                "%s is a host name, not an address, and okrd resolves no names (bind "
                "tcp://127.0.0.1:%s or tcp://[::1]:%s instead)",
                written, port, port);
        return;
    }
    classify_address(res->ai_addr, written, info);
    freeaddrinfo(res);
}

static void classify_tcp(const char *address, endpoint_info *info)
{
    char host[PART_MAX];
    const char *port;
    const char *bound = address;
    const char *semicolon = strrchr(address, ';');
    if (strlen(address) >= PART_MAX) {
        verdict(info, ENDPOINT_INVALID, "it is longer than %d bytes", PART_MAX - 1);
        return;
    }
    if (semicolon) {
        /* SRC;ADDR: libzmq resolves SRC (so it must be well-formed) and binds ADDR. */
        char source[PART_MAX];
        memcpy(source, address, (size_t)(semicolon - address));
        source[semicolon - address] = '\0';
        if (source[0] == '\0') {
            verdict(info, ENDPOINT_INVALID, "the source address before ';' is empty");
            return;
        }
        if (!split_host_port(source, host, &port, info))
            return;
        bound = semicolon + 1;
    }
    if (!split_host_port(bound, host, &port, info))
        return;
    info->ipv6 = strchr(host, ':') != NULL;
    char written[PART_MAX];
    snprintf(written, sizeof written, "%.*s", (int)(strrchr(bound, ':') - bound), bound);
    classify_host(host, written, port, info);
    if (semicolon && info->kind == ENDPOINT_EXPOSED) {
        size_t n = strlen(info->reason);
        snprintf(info->reason + n, sizeof info->reason - n,
                 " (of SRC;ADDR, a bind listens on ADDR)");
    }
}

/* ------------------------------------------------------------ ipc */

/* The directory that holds the socket must be ours and closed to group and
 * others: then no other user can reach the socket, whatever its own mode. */
static void classify_ipc(const char *path, endpoint_info *info)
{
    if (strcmp(path, "*") == 0) {
        verdict(info, ENDPOINT_EXPOSED,
                "* makes a directory okrd cannot check before binding (name a socket in a "
                "directory only you can enter, mode 0700)");
        return;
    }
    if (path[0] == '@') {
        verdict(info, ENDPOINT_EXPOSED,
                "%s is an abstract socket, which every local user can connect to", path);
        return;
    }
    char dir[PART_MAX];
    const char *slash = strrchr(path, '/');
    if (strlen(path) >= PART_MAX) {
        verdict(info, ENDPOINT_INVALID, "the path is longer than %d bytes", PART_MAX - 1);
        return;
    }
    if (slash && slash[1] == '\0') {
        verdict(info, ENDPOINT_INVALID, "the path %s has no file name", path);
        return;
    }
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat st;
    if (stat(dir, &st) != 0) {
        verdict(info, ENDPOINT_INVALID, "cannot use the directory %s: %s", dir, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        verdict(info, ENDPOINT_INVALID, "%s is not a directory", dir);
        return;
    }
    if (st.st_uid != geteuid()) {
        verdict(info, ENDPOINT_EXPOSED, "the directory %s belongs to uid %u, not to okrd's uid %u",
                dir, (unsigned)st.st_uid, (unsigned)geteuid());
        return;
    }
    if (st.st_mode & (S_IXGRP | S_IXOTH)) {
        verdict(info, ENDPOINT_EXPOSED,
                "the directory %s can be entered by its group or others (mode %04o; it must "
                "be 0700)",
                dir, (unsigned)(st.st_mode & 07777));
        return;
    }
    verdict(info, ENDPOINT_LOCAL, "the directory %s is the owner's alone", dir);
}

/* ------------------------------------------------------------ the verdict */

void endpoint_classify(const char *endpoint, endpoint_info *info)
{
    memset(info, 0, sizeof *info);
    const char *sep = strstr(endpoint, "://");
    if (sep == NULL) {
        verdict(info, ENDPOINT_INVALID, "it has no transport (tcp://, ipc:// or inproc://)");
        return;
    }
    size_t n = (size_t)(sep - endpoint);
    size_t t = 0;
    while (t < sizeof transports / sizeof transports[0] &&
           !(strlen(transports[t].name) == n && memcmp(transports[t].name, endpoint, n) == 0))
        t++;
    if (t == sizeof transports / sizeof transports[0]) {
        verdict(info, ENDPOINT_INVALID, "\"%.*s\" is not a ZeroMQ transport", (int)n, endpoint);
        return;
    }
    const char *address = sep + 3;
    info->curve = transports[t].curve;
    if (address[0] == '\0')
        verdict(info, ENDPOINT_INVALID, "it has no address after %s://", transports[t].name);
    else if (strcmp(transports[t].name, "tcp") == 0)
        classify_tcp(address, info);
    else if (strcmp(transports[t].name, "ipc") == 0)
        classify_ipc(address, info);
    else if (strcmp(transports[t].name, "inproc") == 0)
        verdict(info, ENDPOINT_LOCAL, "inproc stays inside okrd");
    else
        verdict(info, ENDPOINT_EXPOSED,
                "%s is not one of the local transports (tcp on loopback, ipc, inproc)",
                transports[t].name);
}

int endpoint_check_bind(const char *endpoint, bool secure, bool insecure, char *msg,
                        size_t len)
{
    endpoint_info info;
    endpoint_classify(endpoint, &info);
    if (info.kind == ENDPOINT_INVALID) {
        snprintf(msg, len, "refusing to bind %s: %s", endpoint, info.reason);
        return -1;
    }
    if (info.kind == ENDPOINT_LOCAL || insecure || (secure && info.curve))
        return 0;
    if (secure)
        snprintf(msg, len,
                 "refusing to bind %s: it has no CURVE handshake, so --secure cannot protect "
                 "it; use --insecure to allow it without encryption",
                 endpoint);
    else if (!info.curve)
        snprintf(msg, len,
                 "refusing to bind %s: %s; it has no CURVE handshake, so only --insecure "
                 "allows it (without encryption)",
                 endpoint, info.reason);
    else
        snprintf(msg, len,
                 "refusing to bind %s: %s; use --secure, or --insecure to allow it without "
                 "encryption",
                 endpoint, info.reason);
    return -1;
}

int endpoint_set_ipv6(void *socket, const char *endpoint)
{
    endpoint_info info;
    endpoint_classify(endpoint, &info);
    int ipv6 = info.ipv6;
    return zmq_setsockopt(socket, ZMQ_IPV6, &ipv6, sizeof ipv6);
}
