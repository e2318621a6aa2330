/* batch.h — group commit: one batch of requests, from the ROUTER socket to
 * replies and events, in one LMDB write transaction.
 *
 * A batch owns its arena: everything decoded or built for its requests lives
 * there until batch_release. */
#ifndef OKR_BATCH_H
#define OKR_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "arena.h"
#include "okr.pb-c.h"
#include "peer.h"

#define BATCH_MAX 256

typedef struct okrd okrd;
typedef struct auth auth;              /* auth.h */
typedef struct auth_user auth_user;

typedef struct {
    zmq_msg_t identity;
    zmq_msg_t payload;
    bool delimiter;           /* REQ-style empty frame between identity and body */
    bool bad_framing;         /* no body frame, or more than one */
    const char *refusal;      /* why the body is refused (wire_unpack_request), or NULL */
    bool skipped;             /* not executed: its peer is over its reply budget */
    peer *peer;               /* the sender's reply accounting */
    size_t reply_len;         /* packed size of response */
    Okr__Response *response;
    const void *event;        /* packed Event, when this request committed a change */
    size_t event_len;
    const char **nodes;       /* the event's node ids (topics) */
    size_t n_nodes;
    bool users_changed;       /* committed a change to the users (auth must reload) */
    const auth_user *user;    /* secure mode: the authenticated sender */
    bool dropped;             /* secure mode: sender not (or no longer) a user */
} batch_item;

typedef struct {
    batch_item items[BATCH_MAX];
    size_t n;
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

/* Handle every request of the batch in one write transaction (or one read
 * transaction when none mutates), each in its own nested transaction; commit
 * once. MDB_MAP_FULL: abort, grow the map, run again. Any other failure to
 * commit: every request is answered with the storage error. Advances
 * s->last_seq by the changes committed. */
void batch_run(batch *b, okrd *s);

/* Send each reply on the ROUTER socket (accounted to its peer, see peer.h),
 * then drop the batch's messages and reset its arena. Events are the
 * caller's to publish first. */
void batch_release(batch *b, void *router);

/* True when a request of the batch committed a change to the users. */
bool batch_users_changed(const batch *b);

#endif
