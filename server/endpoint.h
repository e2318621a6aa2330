/* endpoint.h — which ZeroMQ endpoints okrd may bind.
 *
 * Without secure mode okrd binds only what certainly reaches nobody but this
 * machine's owner: tcp on 127.0.0.0/8 or [::1], ipc:// in a directory only
 * our user can enter, inproc://. Each endpoint is parsed whole, the way
 * libzmq's bind reads it (`src;addr`: the part after the last ';' is what
 * binds; numeric hosts through getaddrinfo, as libzmq does), so no spelling
 * of a non-local address gets through. */
#ifndef OKR_ENDPOINT_H
#define OKR_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ENDPOINT_LOCAL,    /* reaches only this machine (ipc: only our user) */
    ENDPOINT_EXPOSED,  /* may be reached from another machine or by another user */
    ENDPOINT_INVALID,  /* malformed: there is nothing to bind */
} endpoint_kind;

typedef struct {
    endpoint_kind kind;
    bool curve;        /* the transport runs the ZMTP handshake: CURVE can protect it */
    bool ipv6;         /* tcp on an IPv6 literal: the socket needs ZMQ_IPV6 */
    char reason[512];  /* EXPOSED or INVALID: why, naming the part at fault */
} endpoint_info;

/* Parse `endpoint` and fill *info. Never fails: a malformed endpoint is
 * ENDPOINT_INVALID with the reason. May stat() an ipc socket's directory;
 * resolves no names. */
void endpoint_classify(const char *endpoint, endpoint_info *info);

/* May okrd bind `endpoint`? `secure`: secure mode (CURVE) is on, so anything
 * that runs the ZMTP handshake may bind; `insecure`: --insecure, anything
 * well-formed may bind. Returns 0, or -1 with one sentence in msg ("refusing
 * to bind EP: why; what to do"), without the "okrd: " prefix. */
int endpoint_check_bind(const char *endpoint, bool secure, bool insecure, char *msg,
                        size_t len);

/* Set ZMQ_IPV6 on `socket` when `endpoint` binds an IPv6 literal ([::1]).
 * Only then: with ZMQ_IPV6 an IPv4 address binds as ::ffff:127.0.0.1 and
 * the ready line would name that. Returns zmq_setsockopt's result. */
int endpoint_set_ipv6(void *socket, const char *endpoint);

#endif
