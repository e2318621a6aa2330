/* okr_limits.h — every size limit of the protocol, in one place.
 *
 * Both sides read these: the server refuses anything larger with
 * INVALID_ARGUMENT (or drops a frame over OKR_MAX_REQUEST_FRAME), the client
 * checks before sending so users get the error without a round trip. */
#ifndef OKR_OKR_LIMITS_H
#define OKR_OKR_LIMITS_H

#define OKR_MAX_REQUEST_FRAME   (64 * 1024)          /* ZMQ_MAXMSGSIZE, server in */
#define OKR_MAX_RESPONSE_FRAME  (64 * 1024 * 1024)   /* ZMQ_MAXMSGSIZE, client in */

#define OKR_MAX_TITLE        200    /* bytes of UTF-8 */
#define OKR_MAX_DESCRIPTION  4000
#define OKR_MAX_NOTE         1000
#define OKR_MAX_NAME         64     /* team, period, owner, actor */
#define OKR_MAX_UNIT         16
#define OKR_MAX_PATH         1024   /* a server-side path (backup) */
#define OKR_MAX_WEIGHT       1000   /* weights are whole numbers 1..1000 */
#define OKR_MAX_ALIGN_TO     16     /* parents given in one objective add */
#define OKR_MAX_LIST         10000  /* items in one list/graph reply */
#define OKR_MAX_HISTORY      1000   /* check-ins in one history reply */
#define OKR_DEFAULT_HISTORY  100
#define OKR_MAX_REPLAY       10000  /* events in one replay reply */
#define OKR_DEFAULT_REPLAY   1000
#define OKR_MAX_LOG          1000   /* matching events in one log reply (more: capped) */
#define OKR_DEFAULT_LOG      100
#define OKR_LOG_SCAN         5000   /* events one log request reads at most (about 8 ms) */
#define OKR_LOG_REPLY_BYTES  (1024 * 1024)   /* stored bytes of the events one log reply holds */

/* Replies (server side). A reply that would pack larger than
 * OKR_MAX_REPLY_BYTES is answered RESOURCE_EXHAUSTED instead (a mutation is
 * then not applied). Reply bytes okrd holds until the client takes them are
 * bounded per peer and in total; a request from a peer over its budget is
 * dropped unexecuted (counted in Status.requests_dropped): clients retry. */
#define OKR_MAX_REPLY_BYTES         (4 * 1024 * 1024)
#define OKR_MAX_PEER_REPLY_BYTES    (8 * 1024 * 1024)    /* queued, one peer */
#define OKR_MAX_QUEUED_REPLY_BYTES  (64 * 1024 * 1024)   /* queued, all peers */
#define OKR_QUEUED_REPLY_RESERVE    (16 * 1024 * 1024)   /* above it, for idle peers */
#define OKR_MAX_PEERS               4096                 /* peer table entries */

#define OKR_MAX_REPLAY_BYTES (1024 * 1024)   /* packed events in one replay reply */
#define OKR_MAX_REPLAY_SCAN  20000  /* events one filtered replay looks at */
#define OKR_MAX_REPLAY_NODES 64     /* ids in one replay's node filter */

/* Paged snapshots (docs/protocol.md): a page holds at most this many items
 * (nodes + edges) and about this many bytes; at most this many snapshots are
 * paged at once, each kept at most this long idle, and this long in all. */
#define OKR_SNAPSHOT_PAGE_ITEMS  10000
#define OKR_SNAPSHOT_PAGE_BYTES  (1024 * 1024)
#define OKR_MAX_SNAPSHOT_CURSORS 8
#define OKR_SNAPSHOT_IDLE_US     (30 * 1000000LL)
#define OKR_SNAPSHOT_MAX_AGE_US  (600 * 1000000LL)

/* Staged imports (docs/protocol.md, "Staged import"): a Dump too big for
 * one request frame is sent in parts of at most OKR_IMPORT_PART_BYTES; okrd
 * holds at most OKR_MAX_IMPORT_STAGINGS unfinished ones, each of at most
 * OKR_MAX_IMPORT_BYTES, each dropped after the `import-idle` setting
 * (default OKR_IMPORT_IDLE_S seconds) without a part: at most 64 MiB in
 * all, whatever clients send. One import adds at most OKR_MAX_IMPORT_NODES
 * objectives and key results (its event and reply name each one). */
#define OKR_IMPORT_PART_BYTES    (48 * 1024)
#define OKR_MAX_IMPORT_STAGINGS  4
#define OKR_MAX_IMPORT_BYTES     (4 * 1024 * 1024)   /* = one export reply */
#define OKR_IMPORT_IDLE_S        60
#define OKR_MAX_IMPORT_NODES     10000

/* Metric values are doubles; this bound keeps (current - start) and
 * (target - start) finite and well away from overflow. */
#define OKR_MAX_ABS_VALUE    1e15

#define OKR_DEFAULT_ENDPOINT  "tcp://127.0.0.1:7411"
#define OKR_DEFAULT_PUBLISH   "tcp://127.0.0.1:7412"

#endif
