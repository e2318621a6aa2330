/* staging.h — the parts of unfinished staged imports, held in memory
 * (docs/protocol.md, "Staged import").
 *
 * A Dump too big for one request frame arrives as parts, in order. Each
 * staging holds the bytes received so far for one importing actor. The
 * table is bounded: at most OKR_MAX_IMPORT_STAGINGS stagings, each at most
 * max_bytes (its declared total, refused up front when larger), each
 * dropped after idle_us without a new part. Its buffer grows with what
 * arrives, so memory follows the bytes actually sent.
 *
 * Exactly once without the reply cache: a part's answer is a function of
 * the staging and the part (how many bytes the staging holds after it), so
 * a repeated part (the client's retry, or the batch redone after
 * MDB_MAP_FULL) whose bytes equal the held ones is answered again, and a
 * repeated first part finds its staging by (actor, request id).
 *
 * The table belongs to the server struct (server.c); requests reach it
 * through request.staging. Owns no protocol message and never touches LMDB
 * or sockets: ops_export.c decides the replies and runs the import. Times
 * are Unix microseconds (the requests' clock). */
#ifndef OKR_STAGING_H
#define OKR_STAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "okr_limits.h"

typedef struct {
    uint64_t id;                  /* the client's handle: random, never 0; 0: slot free */
    char *actor;                  /* who began it (heap); only they may add to it */
    uint64_t first_request_id;    /* of the first part: its retry finds this staging */
    uint8_t *bytes;               /* heap, room for cap bytes */
    size_t received, total, cap;
    int64_t used_at;              /* the last part (Unix us) */
    bool complete;                /* every byte held: the import ran (again on a redo) */
    uint64_t done_seq;            /* the import succeeded at this seq (0: not yet) */
} staging;

typedef struct staging_table {
    staging slots[OKR_MAX_IMPORT_STAGINGS];
    size_t max_bytes;             /* total_bytes allowed in one staging */
    int64_t idle_us;              /* dropped after this long without a part */
    size_t bytes_held;            /* sum of the buffers' sizes (status, tests) */
} staging_table;

typedef enum {
    STAGING_ADDED,        /* the part was appended; more are due */
    STAGING_REPEAT,       /* the part was held already (same bytes): answer it again */
    STAGING_COMPLETE,     /* the staging now holds total bytes: run the import */
    STAGING_PAST_END,     /* offset + size > total */
    STAGING_BAD_OFFSET,   /* not the next byte, nor a repeat of held bytes */
    STAGING_TOO_BIG,      /* the declared total is over max_bytes */
    STAGING_BUSY,         /* every slot is taken */
} staging_status;

/* An empty table: stagings of at most max_bytes, dropped after idle_us. */
void staging_init(staging_table *t, size_t max_bytes, int64_t idle_us);

/* Free every staging (server close). */
void staging_free_all(staging_table *t);

/* Begin a staging for actor's first part (request id request_id, 0: none)
 * of a Dump of total bytes, at now. A staging this actor began with the
 * same non-zero request id and total is returned again (the first part's
 * retry). NULL with *why STAGING_TOO_BIG or STAGING_BUSY. */
staging *staging_begin(staging_table *t, const char *actor, uint64_t request_id, size_t total,
                       int64_t now, staging_status *why);

/* The staging `id` of actor, or NULL: unknown, freed, another actor's,
 * or idle past the limit at now (then freed). */
staging *staging_find(staging_table *t, uint64_t id, const char *actor, int64_t now);

/* Add the part [offset, offset + len) at now: STAGING_ADDED or
 * STAGING_COMPLETE (appended; marks the staging complete), STAGING_REPEAT
 * or STAGING_COMPLETE again (the bytes were held and equal; COMPLETE when
 * the part ends the Dump), or STAGING_PAST_END / STAGING_BAD_OFFSET
 * (nothing changes, not even the idle clock). */
staging_status staging_add(staging_table *t, staging *s, size_t offset, const uint8_t *chunk,
                           size_t len, int64_t now);

/* The import of complete staging s succeeded in a transaction whose event
 * is seq: staging_expire frees s once last_seq reaches seq. */
void staging_done(staging *s, uint64_t seq);

/* Free one staging (its import was refused, or it is over). */
void staging_free(staging_table *t, staging *s);

/* On each staged-import request: free the stagings idle past the limit at
 * now, and the complete ones whose import committed (done_seq <= last_seq).
 * Returns how many remain. */
size_t staging_expire(staging_table *t, int64_t now, uint64_t last_seq);

/* On the server's heartbeat, between batches: staging_expire, and free every
 * complete staging (no batch can redo its import any more). Returns how
 * many remain. */
size_t staging_tick(staging_table *t, int64_t now);

/* Stagings in use. */
size_t staging_count(const staging_table *t);

#endif
