/* staging.c — the bounded table of unfinished staged imports (staging.h):
 * slots, their buffers, ids, owners, the idle limit. Never parses the bytes
 * it holds, never answers a request and never touches LMDB or sockets
 * (ops_export.c does what the parts mean). */
#include "staging.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void staging_init(staging_table *t, size_t max_bytes, int64_t idle_us)
{
    memset(t, 0, sizeof *t);
    t->max_bytes = max_bytes;
    t->idle_us = idle_us;
}

void staging_free(staging_table *t, staging *s)
{
    if (s == NULL || s->id == 0)
        return;
    t->bytes_held -= s->cap;
    free(s->bytes);
    free(s->actor);
    memset(s, 0, sizeof *s);
}

void staging_free_all(staging_table *t)
{
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        staging_free(t, &t->slots[i]);
}

static bool idle(const staging_table *t, const staging *s, int64_t now)
{
    return now - s->used_at >= t->idle_us;
}

size_t staging_count(const staging_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        n += t->slots[i].id != 0;
    return n;
}

size_t staging_expire(staging_table *t, int64_t now, uint64_t last_seq)
{
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++) {
        staging *s = &t->slots[i];
        if (s->id && (idle(t, s, now) || (s->done_seq && s->done_seq <= last_seq)))
            staging_free(t, s);
    }
    return staging_count(t);
}

size_t staging_tick(staging_table *t, int64_t now)
{
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        if (t->slots[i].complete)
            staging_free(t, &t->slots[i]);
    return staging_expire(t, now, 0);
}

/* A random id no slot has, never 0. */
static uint64_t new_id(const staging_table *t)
{
    for (;;) {
        uint64_t id;
        randombytes_buf(&id, sizeof id);
        bool used = id == 0;
        for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
            used |= t->slots[i].id == id;
        if (!used)
            return id;
    }
}

/* A free slot: an empty one, else one whose import is complete (its batch
 * is over unless a redo of the very batch that ran it comes, which then
 * answers NOT_FOUND and changes nothing). */
static staging *free_slot(staging_table *t)
{
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        if (t->slots[i].id == 0)
            return &t->slots[i];
    for (size_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        if (t->slots[i].complete) {
            staging_free(t, &t->slots[i]);
            return &t->slots[i];
        }
    return NULL;
}

staging *staging_begin(staging_table *t, const char *actor, uint64_t request_id, size_t total,
                       int64_t now, staging_status *why)
{
    for (size_t i = 0; request_id && i < OKR_MAX_IMPORT_STAGINGS; i++) {
        staging *s = &t->slots[i];
        if (s->id && s->first_request_id == request_id && s->total == total &&
            strcmp(s->actor, actor) == 0 && !idle(t, s, now))
            return s;
    }
    if (total > t->max_bytes) {
        *why = STAGING_TOO_BIG;
        return NULL;
    }
    staging *s = free_slot(t);
    if (s == NULL) {
        *why = STAGING_BUSY;
        return NULL;
    }
    char *owner = strdup(actor);
    if (owner == NULL) {
        *why = STAGING_BUSY;
        return NULL;
    }
    s->id = new_id(t);
    s->actor = owner;
    s->first_request_id = request_id;
    s->total = total;
    s->used_at = now;
    return s;
}

staging *staging_find(staging_table *t, uint64_t id, const char *actor, int64_t now)
{
    for (size_t i = 0; id && i < OKR_MAX_IMPORT_STAGINGS; i++) {
        staging *s = &t->slots[i];
        if (s->id != id)
            continue;
        if (idle(t, s, now)) {
            staging_free(t, s);
            return NULL;
        }
        return strcmp(s->actor, actor) == 0 ? s : NULL;
    }
    return NULL;
}

/* Room for `need` bytes: doubling, never past the total. */
static bool reserve(staging_table *t, staging *s, size_t need)
{
    if (need <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 64 * 1024;
    while (cap < need)
        cap *= 2;
    if (cap > s->total)
        cap = s->total;
    uint8_t *bytes = realloc(s->bytes, cap);
    if (bytes == NULL)
        return false;
    t->bytes_held += cap - s->cap;
    s->bytes = bytes;
    s->cap = cap;
    return true;
}

staging_status staging_add(staging_table *t, staging *s, size_t offset, const uint8_t *chunk,
                           size_t len, int64_t now)
{
    if (offset > s->total || len > s->total - offset)
        return STAGING_PAST_END;
    size_t end = offset + len;
    if (offset < s->received && end <= s->received) {
        if (memcmp(s->bytes + offset, chunk, len) != 0)
            return STAGING_BAD_OFFSET;
        s->used_at = now;
        return s->complete && end == s->total ? STAGING_COMPLETE : STAGING_REPEAT;
    }
    if (offset != s->received || s->complete)
        return STAGING_BAD_OFFSET;
    if (!reserve(t, s, end))
        return STAGING_BUSY;
    memcpy(s->bytes + offset, chunk, len);
    s->received = end;
    s->used_at = now;
    s->complete = end == s->total;
    return s->complete ? STAGING_COMPLETE : STAGING_ADDED;
}

void staging_done(staging *s, uint64_t seq)
{
    s->done_seq = seq;
}
