/* snapshot.c — snapshot cursors (see snapshot.h): open, find, expire. The
 * cursors are the store's readers (store.h); every reader is one of ours,
 * which release_cursor's pointer confirms before a cast. */
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "okr_limits.h"

static void release_cursor(store_reader *r)
{
    free(r);
}

static snapshot_cursor *cursor_of(store_reader *r)
{
    return r->release == release_cursor ? (snapshot_cursor *)r : NULL;
}

void snapshot_close(store *st, snapshot_cursor *c)
{
    store_reader_end(st, &c->reader);
    free(c);
}

static bool expired(const snapshot_cursor *c, int64_t now)
{
    return c->reader.txn.txn == NULL || now - c->used_at >= OKR_SNAPSHOT_IDLE_US ||
           now - c->opened_at >= OKR_SNAPSHOT_MAX_AGE_US || now < c->opened_at;
}

size_t snapshot_expire(store *st, int64_t now)
{
    size_t open = 0;
    for (store_reader *r = st->readers, *next; r != NULL; r = next) {
        next = r->next;
        snapshot_cursor *c = cursor_of(r);
        if (c && expired(c, now))
            snapshot_close(st, c);
        else
            open++;
    }
    return open;
}

static uint64_t new_id(void)
{
    uint64_t id = 0;
    while (id == 0)
        if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
            id = 0;
    return id;
}

snapshot_cursor *snapshot_open(store *st, int64_t now, arena *mem, int *rc)
{
    *rc = 0;
    if (snapshot_expire(st, now) >= OKR_MAX_SNAPSHOT_CURSORS)
        return NULL;
    snapshot_cursor *c = calloc(1, sizeof *c);
    if (c == NULL) {
        *rc = ENOMEM;
        return NULL;
    }
    store_txn_begin(&c->reader.txn, st, NULL, false, mem);
    c->seq = store_last_seq(&c->reader.txn);
    if (c->reader.txn.rc) {
        *rc = c->reader.txn.rc;
        store_txn_abort(&c->reader.txn);
        free(c);
        return NULL;
    }
    c->reader.release = release_cursor;
    c->id = new_id();
    c->opened_at = c->used_at = now;
    store_reader_link(st, &c->reader);
    return c;
}

snapshot_cursor *snapshot_find(store *st, uint64_t id, int64_t now, arena *mem)
{
    for (store_reader *r = st->readers; r != NULL; r = r->next) {
        snapshot_cursor *c = cursor_of(r);
        if (c == NULL || c->id != id)
            continue;
        if (expired(c, now) || c->reader.txn.rc) {
            snapshot_close(st, c);
            return NULL;
        }
        c->used_at = now;
        c->reader.txn.mem = mem;
        return c;
    }
    return NULL;
}
