/* snapshot.h — snapshot cursors: the read transactions a paged snapshot is
 * read from, one per snapshot being paged (docs/protocol.md, "Paged
 * snapshots").
 *
 * Every page of one snapshot comes from the same LMDB read transaction, so
 * the pages together are exactly the state at the cursor's seq, whatever
 * is written meanwhile. A read transaction pins the pages it sees (LMDB
 * cannot reuse them), so cursors are bounded: at most
 * OKR_MAX_SNAPSHOT_CURSORS at once, each ended after OKR_SNAPSHOT_IDLE_US
 * without a page or OKR_SNAPSHOT_MAX_AGE_US in all; and store_grow ends
 * them all (the map moves). A client holding an ended cursor is told
 * NOT_FOUND and starts again. This file never builds a page (ops_query.c
 * does) and never calls mdb_* (store.c does). */
#ifndef OKR_SNAPSHOT_H
#define OKR_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    store_reader reader;   /* first member: the store's reader list holds &reader */
    uint64_t id;           /* the client's token: random, never 0 */
    uint64_t seq;          /* the last committed seq its transaction sees */
    int64_t opened_at, used_at;   /* Unix us */
} snapshot_cursor;

/* Open a cursor on the last committed state, at `now` (Unix us). Ends
 * expired cursors first. NULL when OKR_MAX_SNAPSHOT_CURSORS are open (*rc
 * 0) or the transaction could not begin (*rc the LMDB code). Reads through
 * it allocate in mem until the next snapshot_find sets another arena. */
snapshot_cursor *snapshot_open(store *st, int64_t now, arena *mem, int *rc);

/* The open cursor with this id, marked used at now, its reads allocating in
 * mem; NULL when there is none (never opened, closed, expired, or ended by
 * store_grow — such a cursor is ended here). */
snapshot_cursor *snapshot_find(store *st, uint64_t id, int64_t now, arena *mem);

/* End a cursor's transaction and free it. */
void snapshot_close(store *st, snapshot_cursor *c);

/* End every cursor idle for OKR_SNAPSHOT_IDLE_US or open for
 * OKR_SNAPSHOT_MAX_AGE_US at now, and those store_grow ended. server.c calls
 * it every second. Returns how many are still open. */
size_t snapshot_expire(store *st, int64_t now);

#endif
