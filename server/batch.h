/* batch.h — one batch of requests from the ROUTER socket, through the
 * socket-free group commit (batch_core.h), to replies on the socket.
 *
 * A batch owns its arena: everything decoded or built for its requests lives
 * there until batch_release. */
#ifndef OKR_BATCH_H
#define OKR_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "arena.h"
#include "batch_core.h"
#include "okr.pb-c.h"
#include "peer.h"

#define BATCH_MAX 256

typedef struct okrd okrd;
typedef struct auth auth;              /* auth.h */

/* The frames of one request as the ROUTER delivered them. */
typedef struct {
    zmq_msg_t identity;
    zmq_msg_t payload;
    bool delimiter;           /* REQ-style empty frame between identity and body */
} batch_frames;

typedef struct {
    core_item items[BATCH_MAX];   /* what batch_core runs; replies and events */
    batch_frames frames[BATCH_MAX];
    size_t n;
    int64_t committed_at;     /* Unix us when the last batch_run's commit returned */
    arena mem;
    peer_table peers;         /* reply bytes in flight, per sender and in total */
    const auth *auth;       /* secure mode: who may send (NULL: local mode) */
} batch;

void batch_init(batch *b);
void batch_free(batch *b);

/* Take every request that is ready off the ROUTER socket (up to BATCH_MAX).
 * A request whose sender is over its reply budget (peer.h) is read and
 * dropped unexecuted; at most 4 * BATCH_MAX are read per call. Returns the
 * number taken; 0 when none was ready or all were dropped. */
size_t batch_receive(batch *b, void *router);

/* Run the batch through batch_core (core_run says how) with okrd's
 * settings; advances s->last_seq by the changes committed. */
void batch_run(batch *b, okrd *s);

/* Send each reply on the ROUTER socket (accounted to its peer, see peer.h),
 * then drop the batch's messages and reset its arena. Events are the
 * caller's to publish first. */
void batch_release(batch *b, void *router);

/* True when a request of the batch committed a change to the users. */
bool batch_users_changed(const batch *b);

#endif
