/* dedup.c — the reply cache of exactly-once: (actor, request id) -> the
 * reply of the mutation that id made, kept in the `replies` database in the
 * same nested transaction as the change (layout and window in dedup.h).
 *
 * Owns the record layout and the pruning. Never decides what a request
 * does: it only answers a repeat with what the first attempt was answered,
 * and never touches sockets. */
#include "dedup.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "dispatch.h"
#include "ids.h"

#define ACTOR_HASH_BYTES 16
#define BODY_HASH_BYTES 32
#define REPLY_KEY_BYTES (1 + ACTOR_HASH_BYTES + 8)
#define ORDER_KEY_BYTES (1 + 8)
#define ORDER_VAL_BYTES (8 + REPLY_KEY_BYTES)
#define RECORD_HEAD_BYTES (8 + 8 + BODY_HASH_BYTES)   /* time, seq, body hash */
#define REPLY_PREFIX 'r'
#define ORDER_PREFIX 'o'                              /* sorts before 'r': scanned first */

const dedup_window dedup_default_window = {
    .keep_us = DEDUP_KEEP_US,
    .keep_count = DEDUP_KEEP_COUNT,
    .prune_max = DEDUP_PRUNE_MAX,
};

/* Only mutations with an id (0 is what a client that sets none may send). */
static bool deduplicated(const request *rq, const Okr__Request *req)
{
    return req->has_request_id && req->request_id != 0 && rq->txn->st->has_replies &&
           dispatch_is_mutation(req->body_case);
}

/* sodium_init (idempotent) only picks the fastest BLAKE2b; the portable one
 * it starts with gives the same hashes, so a failure changes nothing. */
static void hashing_ready(void)
{
    if (sodium_init() < 0)
        return;
}

static void reply_key(const char *actor, uint64_t request_id, unsigned char *key)
{
    hashing_ready();
    key[0] = REPLY_PREFIX;
    crypto_generichash(key + 1, ACTOR_HASH_BYTES, (const unsigned char *)actor, strlen(actor),
                       NULL, 0);
    okr_put_be64(key + 1 + ACTOR_HASH_BYTES, request_id);
}

/* BLAKE2b of the body's case and its packed bytes: equal for a retry of the
 * same request (the server strips unknown fields before this), different
 * for another request under the same id. */
static void body_hash(arena *mem, const Okr__Request *req, unsigned char *out)
{
    unsigned char which[4];
    okr_put_be32(which, (uint32_t)req->body_case);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, BODY_HASH_BYTES);
    crypto_generichash_update(&h, which, sizeof which);
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&okr__request__descriptor, (unsigned)req->body_case);
    if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessage *body =
            *(ProtobufCMessage *const *)((const char *)req + f->offset);
        if (body != NULL) {
            size_t n = protobuf_c_message_get_packed_size(body);
            uint8_t *bytes = arena_alloc(mem, n + 1);
            protobuf_c_message_pack(body, bytes);
            crypto_generichash_update(&h, bytes, n);
        }
    }
    crypto_generichash_final(&h, out, BODY_HASH_BYTES);
}

static void corrupt(store_txn *t)
{
    if (t->rc == 0)
        t->rc = EINVAL;
}

bool dedup_replay(request *rq, const Okr__Request *req)
{
    if (!deduplicated(rq, req))
        return false;
    store_txn *t = rq->txn;
    unsigned char key[REPLY_KEY_BYTES];
    reply_key(rq->actor, req->request_id, key);
    MDB_val v;
    if (!store_get(t, t->st->replies, key, sizeof key, &v))
        return t->rc != 0;                /* absent: run it; a storage failure: don't */
    if (v.mv_size < RECORD_HEAD_BYTES) {
        corrupt(t);
        return true;
    }
    unsigned char hash[BODY_HASH_BYTES];
    body_hash(rq->mem, req, hash);
    if (memcmp(hash, (const unsigned char *)v.mv_data + 16, BODY_HASH_BYTES) != 0) {
        request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                     "request id %llu was already used for another request",
                     (unsigned long long)req->request_id);
        return true;
    }
    MDB_val packed = {v.mv_size - RECORD_HEAD_BYTES,
                      (unsigned char *)v.mv_data + RECORD_HEAD_BYTES};
    Okr__Response *original = store_unpack(t, &okr__response__descriptor, &packed);
    if (original != NULL)
        *rq->response = *original;        /* the same reply, field for field */
    return true;
}

void dedup_record(request *rq, const Okr__Request *req)
{
    store_txn *t = rq->txn;
    if (!deduplicated(rq, req) || t->rc != 0)
        return;
    unsigned char key[REPLY_KEY_BYTES];
    reply_key(rq->actor, req->request_id, key);

    size_t n = okr__response__get_packed_size(rq->response);
    unsigned char *record = arena_alloc(rq->mem, RECORD_HEAD_BYTES + n);
    okr_put_be64(record, (uint64_t)rq->now);
    okr_put_be64(record + 8, rq->seq);
    body_hash(rq->mem, req, record + 16);
    okr__response__pack(rq->response, record + RECORD_HEAD_BYTES);
    store_put(t, t->st->replies, key, sizeof key, record, RECORD_HEAD_BYTES + n);

    unsigned char order[ORDER_KEY_BYTES], where[ORDER_VAL_BYTES];
    order[0] = ORDER_PREFIX;
    okr_put_be64(order + 1, rq->seq);
    okr_put_be64(where, (uint64_t)rq->now);
    memcpy(where + 8, key, sizeof key);
    store_put(t, t->st->replies, order, sizeof order, where, sizeof where);
}

uint64_t dedup_count(store_txn *t)
{
    return t->st->has_replies ? store_count(t, t->st->replies) / 2 : 0;
}

/* The oldest order entries older than the cutoff, at most max of them. */
typedef struct {
    int64_t cutoff;
    size_t max, n;
    unsigned char (*found)[ORDER_KEY_BYTES + ORDER_VAL_BYTES];
} prune_scan;

static bool collect_expired(void *ctx, const MDB_val *k, const MDB_val *v)
{
    prune_scan *p = ctx;
    const unsigned char *key = k->mv_data;
    if (p->n >= p->max || k->mv_size != ORDER_KEY_BYTES || key[0] != ORDER_PREFIX ||
        v->mv_size != ORDER_VAL_BYTES)
        return false;                     /* done, or past the order entries */
    if ((int64_t)okr_get_be64(v->mv_data) >= p->cutoff)
        return false;                     /* seq order is time order: the rest are younger */
    memcpy(p->found[p->n], key, ORDER_KEY_BYTES);
    memcpy(p->found[p->n] + ORDER_KEY_BYTES, v->mv_data, ORDER_VAL_BYTES);
    p->n++;
    return true;
}

void dedup_prune(store_txn *t, int64_t now, const dedup_window *w)
{
    uint64_t kept = dedup_count(t);
    if (t->rc != 0 || kept <= w->keep_count || w->prune_max == 0)
        return;
    prune_scan p = {.cutoff = now - w->keep_us, .max = w->prune_max};
    if (kept - w->keep_count < p.max)
        p.max = (size_t)(kept - w->keep_count);
    p.found = arena_array(t->mem, sizeof *p.found, p.max);
    store_foreach(t, t->st->replies, collect_expired, &p);
    for (size_t i = 0; i < p.n; i++) {
        store_del(t, t->st->replies, p.found[i], ORDER_KEY_BYTES);
        store_del(t, t->st->replies, p.found[i] + ORDER_KEY_BYTES + 8, REPLY_KEY_BYTES);
    }
}
