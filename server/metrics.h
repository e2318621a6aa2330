/* metrics.h — okrd's counters since it started: requests by type and result
 * code, batch sizes and commit times (fixed-bucket histograms), events
 * published, map growths (docs/operations.md, "Monitoring").
 *
 * The server owns one `metrics` (okrd.metrics). Only the loop's thread
 * touches it: batch.c counts a batch once it is done, server.c each event
 * it publishes, op_status reads it (in the same thread, while a later batch
 * runs). So counting is plain integer increments: no locks, no atomics.
 * Gauges that are read when asked (map size, subscribers) live where they
 * are kept, not here. Never touches a socket or the store. */
#ifndef OKR_METRICS_H
#define OKR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "batch_core.h"
#include "okr.pb-c.h"

/* Rows of the request counters: one per row of the request table
 * (common/requests.c), after row 0, "malformed". */
#define METRICS_MAX_TYPES 64
#define METRICS_CODES (OKR__ERROR_CODE__INTERNAL + 1)
#define METRICS_MAX_BUCKETS 16
/* Request body field numbers looked up in a table (higher ones: a search). */
#define METRICS_BODY_TABLE 128

typedef struct {
    const uint64_t *le;             /* upper bounds, ascending (a static table) */
    size_t n_le;
    uint64_t in_bucket[METRICS_MAX_BUCKETS + 1];  /* per bucket, not cumulative;
                                                     [n_le]: above the last bound */
    uint64_t count, sum;
} metrics_histogram;

typedef struct metrics {
    uint64_t requests[METRICS_MAX_TYPES][METRICS_CODES];   /* [row][ErrorCode] */
    uint8_t row_of_body[METRICS_BODY_TABLE];   /* body field number -> row */
    metrics_histogram batch_size;   /* requests per batch */
    metrics_histogram commit_us;    /* batches that committed a change: microseconds */
    uint64_t events_published;
    uint64_t map_grows;
} metrics;

/* Zero every counter and set the histograms' buckets. */
void metrics_init(metrics *m);

/* One batch is done (core_run returned, replies not yet sent): count each
 * answered item (a skipped one is counted by peer.c as dropped) under its
 * request type and its reply's code; the batch's size; and, when it
 * committed a change, its time (us: from before core_run to after it, the
 * commit and its fsync included). map_grows: core_ctx.map_grows. */
void metrics_count_batch(metrics *m, const core_item *items, size_t n, int64_t us,
                         unsigned map_grows);

/* An event went out on the PUB socket. */
static inline void metrics_count_event(metrics *m)
{
    m->events_published++;
}

/* Set Status fields 30..36 that this module keeps (requests, batch_size,
 * commit_us, events_published, map_grows), allocated in mem. */
void metrics_fill_status(const metrics *m, Okr__Status *s, arena *mem);

#endif
