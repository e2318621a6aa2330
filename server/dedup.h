/* dedup.h — the reply cache of exactly-once (DESIGN §4).
 *
 * Every mutation that succeeds with a request id leaves a record of its
 * reply, keyed by (actor, request id), written in the SAME nested
 * transaction as the change: the record exists exactly when the change does.
 * A later mutation with the same actor and id is not run again: it gets the
 * original reply (same id, seq and scores) and changes nothing, or CONFLICT
 * when its body differs from the original's. A refused mutation leaves no
 * record, so its retry is evaluated afresh. Requests without an id (or with
 * id 0) are never deduplicated.
 *
 * Layout of the `replies` database (store.h), one key space per prefix:
 *
 *   'r' . actor hash[16] . be64 request id
 *         -> be64 time_us . be64 seq . body hash[32] . packed okr.Response
 *   'o' . be64 seq  ->  be64 time_us . the 'r' key     (oldest first: pruning)
 *
 * The actor is hashed (BLAKE2b) so every key has one small size whatever the
 * name; the body hash (BLAKE2b of the body case and the packed body) tells a
 * retry from another request reusing the id.
 *
 * The window: a record is kept while it is younger than keep_us OR among
 * the newest keep_count; dedup_prune, called once per write batch, deletes
 * at most prune_max of the oldest records beyond both bounds, so pruning
 * never stalls a batch, and since prune_max exceeds BATCH_MAX it outpaces
 * what one batch can add. */
#ifndef OKR_DEDUP_H
#define OKR_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "okr.pb-c.h"
#include "request.h"
#include "store.h"

#define DEDUP_KEEP_US (INT64_C(24) * 3600 * 1000000)   /* 24 hours */
#define DEDUP_KEEP_COUNT 100000
#define DEDUP_PRUNE_MAX 512                            /* > BATCH_MAX (256) */

typedef struct {
    int64_t keep_us;          /* keep every record younger than this */
    uint64_t keep_count;      /* keep the newest this many, whatever their age */
    size_t prune_max;         /* delete at most this many per call */
} dedup_window;

/* The window okrd uses: 24 hours, 100,000 records, 512 deletions a batch. */
extern const dedup_window dedup_default_window;

/* Before dispatch, in the request's nested transaction. When req is a
 * mutation whose (rq->actor, request id) was already answered, fills
 * rq->response with the original reply (or records CONFLICT in rq when the
 * body differs) and returns true: the request must not be run. Returns
 * false otherwise (run it). */
bool dedup_replay(request *rq, const Okr__Request *req);

/* After a successful mutation, in the same nested transaction, before it
 * commits: remember rq->response as the reply to (rq->actor, request id).
 * A no-op for requests without an id. A storage failure lands in
 * rq->txn->rc (the commit then fails like any other). */
void dedup_record(request *rq, const Okr__Request *req);

/* Delete the oldest records outside window w (at most w->prune_max), in
 * write transaction t; now is the current time in Unix us. */
void dedup_prune(store_txn *t, int64_t now, const dedup_window *w);

/* Number of records kept (for tests and status). */
uint64_t dedup_count(store_txn *t);

#endif
