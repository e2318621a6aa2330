/* peer.c — reply bytes in flight per ROUTER peer and in total (see peer.h).
 *
 * Owns the peer table and the reply buffers' lifetime: a reply buffer is
 * [reply_head][packed reply], freed by reply_done when libzmq lets go of it.
 * Never reads a request nor decides what a reply says. */
#include "peer.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    peer *owner;
    size_t len;
} reply_head;

void peers_init(peer_table *t)
{
    memset(t, 0, sizeof *t);
    atomic_init(&t->in_flight, 0);
    t->trimmed = true;
}

void peers_free(peer_table *t)
{
    peer *p, *next;
    HASH_ITER(hh, t->by_id, p, next) {
        HASH_DEL(t->by_id, p);
        free(p);
    }
    t->n = 0;
}

peer *peers_ref(peer_table *t, const void *id, size_t len)
{
    if (len == 0 || len > sizeof ((peer *)0)->id)
        return NULL;
    peer *p = NULL;
    HASH_FIND(hh, t->by_id, id, len, p);
    if (p == NULL) {
        if (t->n >= OKR_MAX_PEERS || (p = calloc(1, sizeof *p)) == NULL)
            return NULL;
        p->table = t;
        atomic_init(&p->in_flight, 0);
        p->id_len = (uint8_t)len;
        memcpy(p->id, id, len);
        HASH_ADD(hh, t->by_id, id, p->id_len, p);
        t->n++;
    }
    p->refs++;
    return p;
}

void peers_unref(peer *p)
{
    if (p && p->refs)
        p->refs--;
}

bool peers_admit(peer_table *t, peer *p)
{
    if (p) {
        size_t mine = atomic_load(&p->in_flight) + p->batch_bytes;
        size_t all = atomic_load(&t->in_flight) + t->batch_bytes;
        size_t total_cap = OKR_MAX_QUEUED_REPLY_BYTES + (mine == 0 ? OKR_QUEUED_REPLY_RESERVE : 0);
        if (mine < OKR_MAX_PEER_REPLY_BYTES && all < total_cap) {
            p->throttled = false;
            return true;
        }
        if (!p->throttled)
            t->throttled++;
        p->throttled = true;
    }
    t->dropped++;
    return false;
}

void peers_batch_start(peer_table *t, peer *p)
{
    t->batch_bytes = 0;
    if (p)
        p->batch_bytes = 0;
}

void peers_batch_add(peer_table *t, peer *p, size_t len)
{
    t->batch_bytes += len;
    if (p)
        p->batch_bytes += len;
}

/* libzmq's I/O thread (or the loop's, when a send fails): the bytes have
 * left. The peer's counter is the last thing touched: once it reads zero the
 * loop may free the entry. */
static void reply_done(void *data, void *hint)
{
    (void)data;
    reply_head *h = hint;
    peer *p = h->owner;
    size_t len = h->len;
    free(h);
    atomic_fetch_sub(&p->table->in_flight, len);
    atomic_fetch_sub(&p->in_flight, len);
}

int peers_reply_frame(peer_table *t, peer *p, const ProtobufCMessage *msg, size_t len,
                      zmq_msg_t *out)
{
    reply_head *h = p ? malloc(sizeof *h + len) : NULL;
    if (h == NULL)
        return -1;
    uint8_t *buf = (uint8_t *)(h + 1);
    protobuf_c_message_pack(msg, buf);
    h->owner = p;
    h->len = len;
    /* Trim after a storm only: malloc_trim walks the heap, not for every reply. */
    if (atomic_fetch_add(&t->in_flight, len) + len > OKR_MAX_PEER_REPLY_BYTES)
        t->trimmed = false;
    atomic_fetch_add(&p->in_flight, len);
    if (zmq_msg_init_data(out, buf, len, reply_done, h) != 0) {
        reply_done(buf, h);
        return -1;
    }
    return 0;
}

void peers_sweep(peer_table *t)
{
    peer *p, *next;
    HASH_ITER(hh, t->by_id, p, next) {
        if (p->refs == 0 && atomic_load(&p->in_flight) == 0) {
            HASH_DEL(t->by_id, p);
            free(p);
            t->n--;
        }
    }
    if (!t->trimmed && atomic_load(&t->in_flight) == 0) {
        malloc_trim(0);
        t->trimmed = true;
    }
}
