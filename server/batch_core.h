/* batch_core.h — group commit without sockets: a batch of raw request
 * frames in, replies and events out, in one LMDB write transaction.
 *
 * okrd (batch.c) feeds it what the ROUTER received and sends what it
 * returns; the unit tests (tests/lib/server_fixture.h) feed it packed
 * requests. Both run this one code path: nested transactions, dedup, the
 * reply bound, the MDB_MAP_FULL redo and the refuse-all of a failed commit.
 *
 * Everything decoded or built lives in the arena given to core_run until
 * the caller resets it; the frames (data) must stay valid until then too:
 * a redo decodes them again. */
#ifndef OKR_BATCH_CORE_H
#define OKR_BATCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "dedup.h"
#include "okr.pb-c.h"
#include "peer.h"
#include "score.h"
#include "store.h"

/* One request of a batch. The caller fills the inputs; core_run the rest. */
typedef struct {
    /* in */
    const void *data;         /* the raw request frame */
    size_t len;
    bool bad_framing;         /* no body frame, or more than one */
    const char *actor;        /* the authenticated sender, or NULL: local mode
                                 (Request.user when sane, else "local"; admin) */
    okr_role role;            /* the sender's role when actor != NULL */
    peer *peer;               /* the sender's reply accounting (ctx.peers), or NULL */
    /* out */
    const char *refusal;      /* why the frame is refused (wire_unpack_request), or NULL */
    Okr__Request__BodyCase body;  /* the request's body; NOT_SET when malformed (metrics) */
    bool skipped;             /* not run: its peer is over its reply budget; no reply */
    size_t reply_len;         /* packed size of response */
    Okr__Response *response;
    const void *event;        /* packed Event, when this request committed a change */
    size_t event_len;
    const char **nodes;       /* the event's node ids (topics) */
    size_t n_nodes;
    bool users_changed;       /* committed a change to the users (auth must reload) */
} core_item;

/* What the core needs of the server. */
typedef struct {
    store *st;
    const score_health_settings *health;
    uint64_t retain_events;          /* keep this many newest events; 0: all */
    uint64_t last_seq;               /* in: last committed seq; out: advanced */
    int64_t started_at;              /* status */
    const char *event_endpoint;      /* status */
    const dedup_window *dedup;       /* the reply cache's window (NULL: okrd's default) */
    bool secure;                     /* status says so */
    peer_table *peers;               /* reply accounting and status; NULL: none */
    const struct publisher *pub;     /* status (subscriptions); may be NULL */
    const struct metrics *metrics;   /* status (okrd's counters); may be NULL */
    struct staging_table *staging;   /* staged imports (staging.h); NULL: refused */
    /* Request time of item i (i == n: the batch's prune time). NULL: now. */
    int64_t (*clock)(void *arg, size_t i);
    void *clock_arg;
    /* Requests that run in the batch's transaction itself, without a nested
     * one (NULL: dispatch_validates_first). A storage failure in one fails
     * the batch; one refused after it wrote makes the batch run again with a
     * nested transaction for every request. */
    bool (*runs_flat)(Okr__Request__BodyCase body);
    unsigned map_grows;              /* out: times MDB_MAP_FULL grew the map */
    unsigned nested_reruns;          /* out: times the batch ran again nested (above) */
    int64_t committed_at;            /* out: Unix us right after the commit returned
                                        (Event.commit_time of the batch's events) */
} core_ctx;

/* Handle items[0..n) in one write transaction (a read transaction when none
 * mutates), each in its own nested transaction (but those ctx->runs_flat
 * names); commit once. MDB_MAP_FULL
 * anywhere: abort, grow the map, run again. Any other failure to commit:
 * every request is answered with the storage error and nothing changes.
 * Returns 0, or the storage failure that refused the batch. */
int core_run(core_ctx *ctx, core_item *items, size_t n, arena *mem);

/* The request of an item decoded again into mem (NULL when malformed), and
 * the actor it runs as: for log lines. */
const Okr__Request *core_decode(const core_item *it, arena *mem);
const char *core_actor(const core_item *it, const Okr__Request *req);

#endif
