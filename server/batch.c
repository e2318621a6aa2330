/* batch.c — group commit of one batch of requests.
 *
 * The batch's requests run in ONE write transaction: each in its own nested
 * transaction, so a refused request rolls back alone while the batch pays
 * for one commit. A batch of reads only uses a read transaction.
 *
 * If LMDB reports MDB_MAP_FULL anywhere, the whole batch is aborted, the map
 * doubled, and the batch run again from the raw frames (kept until the
 * replies are sent), so a full map never loses or half-applies a request.
 *
 * Replies are bounded (peer.h): one that would pack over OKR_MAX_REPLY_BYTES
 * becomes RESOURCE_EXHAUSTED (its change rolled back), and a request whose
 * sender already has its budget of reply bytes queued or built is dropped
 * unexecuted, so a client that never reads costs bounded memory and work.
 *
 * Never interprets a request body (dispatch.c does). Replies and events go
 * out (server.c) only after batch_run has committed: a reply means the
 * change is durable. */
#include "batch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "requests.h"
#include "dedup.h"
#include "auth.h"
#include "dispatch.h"
#include "okr_limits.h"
#include "server.h"
#include "text.h"
#include "wire.h"

void batch_init(batch *b)
{
    b->n = 0;
    arena_init(&b->mem);
    peers_init(&b->peers);
}

static void item_close(batch *b, batch_item *it)
{
    zmq_msg_close(&it->identity);
    zmq_msg_close(&it->payload);
    peers_batch_start(&b->peers, it->peer);
    peers_unref(it->peer);
    it->peer = NULL;
}

void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        item_close(b, &b->items[i]);
    b->n = 0;
    if (b->mem.head)
        arena_free(&b->mem);
    peers_free(&b->peers);
}

/* ------------------------------------------------------------ receiving */

static void discard_rest(void *sock)
{
    int more = 1;
    size_t len = sizeof more;
    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_t skip;
        zmq_msg_init(&skip);
        zmq_msg_recv(&skip, sock, 0);
        zmq_msg_close(&skip);
    }
}

/* Secure mode: the user the ZAP handler admitted this message's connection
 * as (its User-Id is the public key). NULL for a key no longer listed: a
 * user removed since they connected. */
static const auth_user *sender_of(const batch *b, batch_item *it)
{
    const char *key = zmq_msg_gets(&it->payload, "User-Id");
    if (key == NULL)                          /* no body frame (bad framing) */
        key = zmq_msg_gets(&it->identity, "User-Id");
    return auth_find(b->auth, key);
}

/* Take one request off the ROUTER: [identity][""]?[body]. Returns false when
 * nothing is ready. */
static bool receive_item(const batch *b, void *router, batch_item *it)
{
    memset(it, 0, sizeof *it);
    zmq_msg_init(&it->identity);
    zmq_msg_init(&it->payload);
    if (zmq_msg_recv(&it->identity, router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&it->identity);
        zmq_msg_close(&it->payload);
        return false;
    }
    /* Frames after the identity are already queued: blocking receives are safe. */
    if (!zmq_msg_more(&it->identity)) {
        it->bad_framing = true;
    } else {
        zmq_msg_recv(&it->payload, router, 0);
        if (zmq_msg_size(&it->payload) == 0 && zmq_msg_more(&it->payload)) {
            it->delimiter = true;
            zmq_msg_recv(&it->payload, router, 0);
        }
        if (zmq_msg_more(&it->payload)) {
            it->bad_framing = true;
            discard_rest(router);
        }
    }
    if (b->auth && (it->user = sender_of(b, it)) == NULL)
        it->dropped = true;                 /* a removed user: no reply, nothing */
    return true;
}

size_t batch_receive(batch *b, void *router)
{
    b->n = 0;
    for (size_t reads = 0; b->n < BATCH_MAX && reads < 4 * BATCH_MAX; reads++) {
        batch_item *it = &b->items[b->n];
        if (!receive_item(b, router, it))
            break;
        if (it->dropped) {
            item_close(b, it);                /* a removed user: no reply, nothing */
            continue;
        }
        it->peer = peers_ref(&b->peers, zmq_msg_data(&it->identity),
                             zmq_msg_size(&it->identity));
        if (peers_admit(&b->peers, it->peer))
            b->n++;
        else
            item_close(b, it);                /* dropped: counted, never run */
    }
    return b->n;
}

/* ------------------------------------------------------------ handling */

/* Local mode: the actor is the login name the client claims, when sane. */
static const char *actor_of(const Okr__Request *req)
{
    const char *u = req ? req->user : NULL;
    if (u == NULL || u[0] == '\0' || strlen(u) > OKR_MAX_NAME || !text_valid_utf8(u, strlen(u)))
        return "local";
    return u;
}

/* The request as this server understands it: fields it does not know are
 * dropped, so the event log records only what was understood and every
 * event unpacks again (wire_strip_unknown says why that matters). */
static Okr__Request *decode(batch *b, batch_item *it)
{
    it->refusal = NULL;
    if (it->bad_framing)
        return NULL;
    return wire_unpack_request(&b->mem.pb, zmq_msg_size(&it->payload),
                               zmq_msg_data(&it->payload), &it->refusal);
}

static Okr__Response *new_response(batch *b, const Okr__Request *req)
{
    Okr__Response *r = ARENA_NEW(&b->mem, Okr__Response, OKR__RESPONSE__INIT);
    if (req) {
        r->has_request_id = req->has_request_id;
        r->request_id = req->request_id;
    }
    return r;
}

static void init_request(okrd *s, batch *b, request *rq, store_txn *txn, batch_item *it,
                         const Okr__Request *req, uint64_t seq)
{
    memset(rq, 0, sizeof *rq);
    rq->txn = txn;
    rq->mem = &b->mem;
    if (it->user) {                       /* secure mode: whatever Request.user says */
        rq->actor = it->user->name;
        rq->role = it->user->role;
    } else {
        rq->actor = actor_of(req);
        rq->role = OKR_ROLE_ADMIN;        /* local mode: whoever reaches loopback */
    }
    rq->secure = b->auth != NULL;
    rq->now = text_now_us();
    rq->health = &s->cfg.health;
    rq->last_seq = seq;                   /* what this transaction sees */
    rq->started_at = s->started_at;
    rq->event_endpoint = s->event_endpoint;
    rq->peers = &b->peers;
    rq->pub = &s->pub;
    rq->response = new_response(b, req);
    it->response = rq->response;
    it->event = NULL;                     /* set again only if this pass commits it */
    it->event_len = 0;
    it->n_nodes = 0;
    it->users_changed = false;
}

/* Turn the request's outcome into the response's error, if any. */
static void finish(batch *b, request *rq, int storage_rc)
{
    if (rq->code != OKR__ERROR_CODE__OK)
        dispatch_set_error(rq->response, &b->mem, rq->code, rq->message);
    else if (storage_rc)
        dispatch_set_error(rq->response, &b->mem, store_error_code(storage_rc),
                           arena_printf(&b->mem, "storage error: %s; nothing was changed",
                                        store_strerror(storage_rc)));
}

/* The reply is final: count its bytes against its sender for this pass. */
static void account(batch *b, batch_item *it)
{
    it->reply_len = protobuf_c_message_get_packed_size(&it->response->base);
    peers_batch_add(&b->peers, it->peer, it->reply_len);
}

static void refuse_malformed(batch *b, request *rq, const batch_item *it)
{
    request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s",
                 it->bad_framing ? "a request is exactly one frame holding an okr.Request"
                 : it->refusal   ? it->refusal
                                 : "malformed request: the frame is not an okr.Request message");
    finish(b, rq, 0);
}

/* A reply over OKR_MAX_REPLY_BYTES is replaced by RESOURCE_EXHAUSTED before
 * the request's nested transaction commits, so a mutation whose answer
 * could not be sent is not applied either. Returns false when replaced. */
static bool reply_fits(request *rq)
{
    size_t len = protobuf_c_message_get_packed_size(&rq->response->base);
    if (len <= OKR_MAX_REPLY_BYTES)
        return true;
    rq->response->body_case = OKR__RESPONSE__BODY__NOT_SET;
    rq->code = OKR__ERROR_CODE__OK;           /* this error replaces the answer */
    request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                 "the reply would take %zu bytes, more than the limit of %d bytes; "
                 "nothing was changed; ask for less (a smaller limit or one page)",
                 len, OKR_MAX_REPLY_BYTES);
    return false;
}

/* The request is not run: its sender has its budget of replies queued or
 * built in this pass (peer.h). It gets no answer; the client retries. */
static void skip(batch_item *it)
{
    it->skipped = true;
    it->response = NULL;
    it->event = NULL;
    it->n_nodes = 0;
    it->reply_len = 0;
}

/* One pass over the batch. Returns 0, or MDB_MAP_FULL when the batch must be
 * run again after growing the map, or another failure to commit. */
static int run_once(batch *b, okrd *s, uint64_t *seq)
{
    Okr__Request *reqs[BATCH_MAX];
    bool write = false;
    for (size_t i = 0; i < b->n; i++) {
        reqs[i] = decode(b, &b->items[i]);
        write |= reqs[i] && dispatch_is_mutation(reqs[i]->body_case);
    }
    for (size_t i = 0; i < b->n; i++)
        peers_batch_start(&b->peers, b->items[i].peer);
    store_txn top;
    store_txn_begin(&top, &s->st, NULL, write, &b->mem);
    for (size_t i = 0; i < b->n && top.rc == 0; i++) {
        batch_item *it = &b->items[i];
        it->skipped = false;
        if (!peers_admit(&b->peers, it->peer)) {
            skip(it);
            continue;
        }
        request rq;
        store_txn own;
        store_txn *txn = &top;
        if (write) {
            store_txn_begin(&own, &s->st, &top, true, &b->mem);
            txn = &own;
        }
        init_request(s, b, &rq, txn, it, reqs[i], *seq);
        if (reqs[i] == NULL || it->refusal) {
            refuse_malformed(b, &rq, it);
            if (write)
                store_txn_abort(&own);
            account(b, it);
            continue;
        }
        rq.seq = *seq + 1;
        /* Exactly once: a repeat gets the original reply; a change leaves its reply. */
        bool changed = txn->rc == 0 && !dedup_replay(&rq, reqs[i]) &&
                       dispatch_request(&rq, reqs[i]);
        changed &= reply_fits(&rq);
        if (changed)
            dedup_record(&rq, reqs[i]);
        int rc = 0;
        if (write) {
            rc = changed ? store_txn_commit(&own) : (store_txn_abort(&own), own.rc);
            if (rc == MDB_MAP_FULL) {
                store_txn_abort(&top);
                return MDB_MAP_FULL;
            }
        }
        if (changed && rc == 0) {
            *seq += 1;
            it->event = rq.event;
            it->event_len = rq.event_len;
            it->nodes = rq.touched;
            it->n_nodes = rq.n_touched;
            it->users_changed = rq.users_changed;
        }
        finish(b, &rq, rc);
        account(b, it);
    }
    if (write && s->cfg.retain_events && *seq > s->cfg.retain_events)
        store_prune_events(&top, *seq - s->cfg.retain_events);
    if (write)
        dedup_prune(&top, text_now_us(), &dedup_default_window);
    int rc = write ? store_txn_commit(&top) : top.rc;
    if (!write)
        store_txn_abort(&top);
    return rc;
}

/* The batch could not be committed: answer every request in it with the
 * storage error (reads too: they may have seen the uncommitted changes). */
static void refuse_all(batch *b, int rc)
{
    arena_reset(&b->mem);
    const char *why = arena_printf(&b->mem, "storage error: %s; nothing was changed",
                                   store_strerror(rc));
    for (size_t i = 0; i < b->n; i++) {
        batch_item *it = &b->items[i];
        if (it->skipped)
            continue;
        it->response = new_response(b, decode(b, it));
        dispatch_set_error(it->response, &b->mem, store_error_code(rc), why);
        it->event = NULL;
        it->n_nodes = 0;
        it->users_changed = false;
        it->reply_len = protobuf_c_message_get_packed_size(&it->response->base);
    }
}

static int64_t elapsed_us(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - since->tv_sec) * 1000000 + (now.tv_nsec - since->tv_nsec) / 1000;
}

/* A batch that took slow_ms or more: one warning naming its time and each
 * request's type and actor (the first few; a batch holds up to 256). The
 * requests are decoded again, into the batch arena: it costs only when slow. */
static void log_slow(batch *b, int64_t us)
{
    char list[512];
    size_t used = 0, shown = 0;
    list[0] = '\0';
    for (size_t i = 0; i < b->n && shown < 8 && used < sizeof list; i++) {
        const Okr__Request *req = decode(b, &b->items[i]);
        const okr_request_type *t = req ? requests_find(req->body_case) : NULL;
        int n = snprintf(list + used, sizeof list - used, "%s%s by %s", shown ? ", " : "",
                         t ? t->name : "malformed", actor_of(req));
        used += n > 0 ? (size_t)n : 0;
        shown++;
    }
    log_warn("slow batch: %lld.%03lld ms for %zu request%s: %s%s", (long long)(us / 1000),
             (long long)(us % 1000), b->n, b->n == 1 ? "" : "s", list,
             b->n > shown ? ", ..." : "");
}

static void run_until_committed(batch *b, okrd *s)
{
    for (;;) {
        uint64_t seq = s->last_seq;
        int rc = run_once(b, s, &seq);
        if (rc == MDB_MAP_FULL) {
            size_t before = s->st.map_size;
            rc = store_grow(&s->st);
            if (rc == 0) {
                log_info("map full at %zu bytes; grown to %zu", before, s->st.map_size);
                arena_reset(&b->mem);
                continue;                       /* run the batch again */
            }
        }
        if (rc) {
            log_error("batch not committed: %s", store_strerror(rc));
            refuse_all(b, rc);
            return;
        }
        s->last_seq = seq;
        return;
    }
}

void batch_run(batch *b, okrd *s)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    run_until_committed(b, s);
    int64_t us = elapsed_us(&started);
    if (s->cfg.slow_ms >= 0 && us >= (int64_t)s->cfg.slow_ms * 1000 && log_enabled(LOG_LEVEL_WARN))
        log_slow(b, us);
}

/* ------------------------------------------------------------ replying */

static void reply(batch *b, void *router, batch_item *it)
{
    zmq_msg_t body;
    if (it->skipped || it->response == NULL ||
        peers_reply_frame(&b->peers, it->peer, &it->response->base, it->reply_len, &body) != 0)
        return;
    if (zmq_msg_send(&it->identity, router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);                 /* peer gone: nothing to answer */
        return;
    }
    if (it->delimiter)
        zmq_send(router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (zmq_msg_send(&body, router, ZMQ_DONTWAIT) < 0)
        zmq_msg_close(&body);
}

bool batch_users_changed(const batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].users_changed)
            return true;
    return false;
}

void batch_release(batch *b, void *router)
{
    for (size_t i = 0; i < b->n; i++) {
        reply(b, router, &b->items[i]);
        item_close(b, &b->items[i]);
    }
    b->n = 0;
    arena_reset(&b->mem);
}
