/* peer.h — reply bytes in flight, per ROUTER peer and in total.
 *
 * Every reply okrd sends is one malloc'd buffer handed to libzmq with
 * zmq_msg_init_data; libzmq calls the free callback (from its I/O thread)
 * once the bytes have left (written to the kernel, or dropped with the
 * peer's pipe). The callback takes the reply's length off its peer's and the
 * total counter, so both counts are exact: bytes okrd holds for replies that
 * have not been taken.
 *
 * The table is keyed by the ROUTER identity and bounded (OKR_MAX_PEERS). An
 * entry lives while the current batch refers to it or its bytes are in
 * flight; peers_sweep drops the others. Only the loop's thread touches the
 * table; the I/O thread touches only the two atomic counters. */
#ifndef OKR_PEER_H
#define OKR_PEER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>
#include <uthash.h>
#include <zmq.h>

#include "okr_limits.h"

typedef struct peer_table peer_table;

typedef struct {
    peer_table *table;
    atomic_size_t in_flight;      /* reply bytes libzmq has not let go of */
    size_t batch_bytes;           /* replies built in the current batch pass */
    unsigned refs;                /* batch items pointing here */
    bool throttled;               /* counted once per episode over budget */
    uint8_t id_len;
    unsigned char id[255];        /* the ROUTER identity */
    UT_hash_handle hh;
} peer;

struct peer_table {
    peer *by_id;                  /* uthash head */
    size_t n;
    atomic_size_t in_flight;      /* all peers' reply bytes in flight */
    size_t batch_bytes;           /* all replies built in the current batch pass */
    uint64_t throttled;           /* times a peer went over its budget */
    uint64_t dropped;             /* requests not executed (or replies not sent) */
    bool trimmed;                 /* memory handed back since in_flight hit 0 */
};

void peers_init(peer_table *t);
/* Free every entry. Only after the ZeroMQ context is terminated (no reply
 * can still be in flight). */
void peers_free(peer_table *t);

/* The entry of this identity, made when new, with one more reference.
 * NULL when the identity is not a ROUTER identity (empty, over 255 bytes)
 * or the table is full. */
peer *peers_ref(peer_table *t, const void *id, size_t len);
void peers_unref(peer *p);

/* Whether a request from p may be executed now: its replies queued and built
 * so far stay under OKR_MAX_PEER_REPLY_BYTES, and the total under
 * OKR_MAX_QUEUED_REPLY_BYTES (a peer with nothing queued may use a reserve of
 * OKR_QUEUED_REPLY_RESERVE above it, so small requests of idle clients are
 * served during a storm). False: the caller drops the request; this counts
 * it and marks the peer throttled. */
bool peers_admit(peer_table *t, peer *p);

/* Start a batch pass: forget what the previous pass built. */
void peers_batch_start(peer_table *t, peer *p);
/* A reply of len bytes was built for p in this pass. */
void peers_batch_add(peer_table *t, peer *p, size_t len);

/* Pack msg (len bytes: its packed size) into a buffer accounted to p, as
 * the ZeroMQ frame *out, ready to send. Its bytes count as in flight until
 * libzmq lets go of the frame (sent, dropped, or zmq_msg_close). Returns 0,
 * or -1 when out of memory (nothing is counted). */
int peers_reply_frame(peer_table *t, peer *p, const ProtobufCMessage *msg, size_t len,
                      zmq_msg_t *out);

/* Drop the entries no batch refers to and with nothing in flight; when the
 * total in flight has fallen to zero, hand freed heap back to the system
 * (malloc_trim), once per storm. Call between batches. */
void peers_sweep(peer_table *t);

#endif
