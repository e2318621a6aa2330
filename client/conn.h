/* conn.h — the client's connection to okrd: one ZeroMQ DEALER socket, one
 * request frame out, the matching response frame back.
 *
 * Requests carry a fresh request_id; replies with another id (stale answers
 * to an earlier, timed-out request) are dropped. Every wait is bounded by a
 * timeout. A caller may ask for several tries: after a timeout the socket
 * is closed, reopened and the request sent again with the SAME request_id
 * (the Lazy Pirate pattern of the ZeroMQ guide), which okrd answers once for
 * a mutation too (its reply cache, server/dedup.h). */
#ifndef OKR_CLIENT_CONN_H
#define OKR_CLIENT_CONN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "keyfile.h"
#include "okr.pb-c.h"

#define CONN_MAX_ENDPOINT 256

/* Secure mode: the keys of a CURVE client (Z85). The secret key never
 * appears in a message. */
typedef struct {
    char server_key[KEY_Z85_BUF];       /* okrd's public key */
    char public_key[KEY_Z85_BUF];       /* ours (what an admin adds with user add) */
    char secret_key[KEY_Z85_BUF];
} conn_curve;

/* Make sock a CURVE client with keys (NULL: leave it plain). 0 or -1. */
int conn_curve_apply(const conn_curve *keys, void *sock);

typedef enum {
    CONN_OK,        /* *reply holds the matching response */
    CONN_TIMEOUT,   /* no matching reply within the timeout, on every try */
    CONN_FAILED,    /* the socket could not be set up, or the reply was unreadable:
                     * conn->error says why */
    CONN_CANCELLED, /* a signal arrived while waiting and *conn->cancel was set */
} conn_status;

typedef struct {
    char endpoint[CONN_MAX_ENDPOINT];   /* "tcp://127.0.0.1:7411" */
    int timeout_ms;                     /* wait for each try */
    void *zctx;                         /* created on first use */
    void *socket;                       /* NULL while closed */
    uint64_t next_request_id;
    char error[256];                    /* why the last call failed */
    /* Set by the caller, or NULL: a flag a signal handler raises (the
     * shell's Ctrl-C). A wait interrupted by a signal gives up when it is
     * non-zero, so a person never has to sit out the timeout. */
    volatile sig_atomic_t *cancel;
    bool secure;                        /* CURVE with `curve` (conn_set_curve) */
    conn_curve curve;
    void *events;                       /* PAIR on the socket monitor: handshake failures */
    unsigned monitors;                  /* makes each monitor endpoint unique */
    bool reached;                       /* some socket of this connection got through */
} okr_conn;

/* Prepare a connection to `endpoint` (copied; must be a ZeroMQ endpoint such
 * as "tcp://host:port"). Nothing is opened until the first call. */
void conn_init(okr_conn *conn, const char *endpoint, int timeout_ms);

/* Use CURVE with these keys (copied) from the next socket on; NULL: plain.
 * A failed handshake then ends a call at once with CONN_FAILED and a
 * sentence saying why: the key refused, the server key wrong, or the
 * server (not) in secure mode. */
void conn_set_curve(okr_conn *conn, const conn_curve *keys);

/* The keys in use, or NULL in plain mode. */
const conn_curve *conn_curve_of(const okr_conn *conn);

/* Send req (its version and request_id are filled in here) and wait for the
 * reply, trying up to `tries` times, every try with the same request_id.
 * CONN_CANCELLED: see `cancel` above (the socket is closed, as after a
 * timeout). On CONN_OK the caller owns *reply and frees it with
 * okr__response__free_unpacked(*reply, NULL). */
conn_status conn_call(okr_conn *conn, Okr__Request *req, int tries, Okr__Response **reply);

/* Close the socket and the ZeroMQ context. The connection may be used again. */
void conn_close(okr_conn *conn);

#endif
