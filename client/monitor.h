/* monitor.h — a lossless, ordered okrd event stream for C monitors.
 *
 * The clone pattern of the ZeroMQ guide over okrd's PUB socket: subscribe
 * first, then take a snapshot (paged: any organisation size), or start at a
 * given seq, then apply events in seq order. Any gap — PUB dropping at its high-water mark, a reconnect, a
 * server restart — is filled by asking the server to replay from its event
 * log, so every event is delivered exactly once, in order. A new epoch (the
 * data directory was restored from a backup) delivers a fresh snapshot.
 *
 * Use: monitor_new, then call monitor_poll in your loop (or put
 * monitor_sockets into your own zmq_poll and call monitor_poll(m, 0) when one
 * is readable). Callbacks run inside monitor_poll. Nothing is global; one
 * monitor per thread. */
#ifndef OKR_MONITOR_H
#define OKR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "okr.pb-c.h"

typedef struct monitor monitor;

typedef struct {
    const char *request_endpoint;   /* okrd's ROUTER, e.g. tcp://127.0.0.1:7411 */
    const char *event_endpoint;     /* okrd's PUB, e.g. tcp://127.0.0.1:7412 */
    const char *const *nodes;       /* ids to follow; none: the whole stream */
    size_t n_nodes;
    uint64_t from_seq;              /* > 0: deliver events after this seq, no snapshot */
    bool want_snapshot;             /* with from_seq == 0: deliver the snapshot first
                                     * (else start after Status.last_seq) */
    int rcvhwm;                     /* SUB receive high-water mark (0: libzmq default) */
    int rcvbuf;                     /* SUB kernel receive buffer, bytes (0: OS default) */
    int request_timeout_ms;         /* per snapshot/replay request (0: 3000) */
    uint32_t snapshot_page_items;   /* most nodes + edges per snapshot page (0: the server's) */
    const char *user;               /* sent as Request.user */
    const conn_curve *curve;        /* secure mode: CURVE keys for both sockets (NULL: plain) */
} monitor_options;

typedef struct {
    /* The state every later event applies to, one page at a time, in order
     * (want_snapshot only). page 0 (snapshot->page) begins a snapshot:
     * forget what earlier pages and events built (a snapshot can start
     * again: an expired cursor, a new epoch). snapshot->more is false on
     * the last page; events follow only after it. All pages of one
     * snapshot are the same state (snapshot->seq). */
    void (*on_snapshot)(void *ctx, const Okr__Snapshot *snapshot);
    /* The next event for this monitor, in seq order, exactly once. */
    void (*on_event)(void *ctx, const Okr__Event *event);
    /* The monitor lost its place in the history (a new epoch, or a replay
     * refused: pruned or beyond the log). It starts again from a fresh
     * snapshot (want_snapshot) or from the server's last seq: whatever was
     * built from earlier events may be stale. Optional. */
    void (*on_reset)(void *ctx);
    /* Something a person may want to know: "server restarted", "replaying 12 events". */
    void (*on_notice)(void *ctx, const char *message);
} monitor_callbacks;

/* Connect (nothing is sent until the first monitor_poll). NULL on failure. */
monitor *monitor_new(const monitor_options *opt, const monitor_callbacks *cb, void *ctx);
void monitor_free(monitor *m);

/* Wait up to timeout_ms (0: do not wait) for events and replies, deliver
 * what is ready. Returns 0, or -1 with a message in monitor_error. */
int monitor_poll(monitor *m, int timeout_ms);

/* The two sockets to watch for ZMQ_POLLIN in your own zmq_poll. */
void monitor_sockets(monitor *m, void **sub, void **dealer);

/* The seq of the last event delivered (or of the snapshot). */
uint64_t monitor_seq(const monitor *m);

/* Events delivered so far, and how many of them came through a replay
 * (a gap was filled) rather than live. */
uint64_t monitor_delivered(const monitor *m);
uint64_t monitor_replayed(const monitor *m);

/* Snapshot pages received so far (every snapshot, every try). */
uint64_t monitor_snapshot_pages(const monitor *m);

/* Microseconds since the last heartbeat or event (a dead server grows it). */
int64_t monitor_silence_us(const monitor *m);

const char *monitor_error(const monitor *m);

#endif
