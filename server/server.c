/* server.c — sockets, the request loop and group commit.
 *
 * Group commit. When the ROUTER socket is readable, the loop drains every
 * request that is ready (up to BATCH_MAX) and handles them in ONE write
 * transaction: each request runs in its own nested transaction, so a refused
 * request rolls back alone, while the batch pays for one commit (one fsync).
 * Replies and events go out only after that commit: a reply means the change
 * is durable. A batch of reads only uses a read transaction.
 *
 * If LMDB reports MDB_MAP_FULL anywhere, the whole batch is aborted, the map
 * doubled, and the batch run again from the raw frames (which are kept until
 * the replies are sent), so a full map never loses or half-applies a request.
 *
 * This file never interprets a request body: dispatch.c does. */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "commands.h"
#include "dispatch.h"
#include "okr_limits.h"
#include "text.h"
#include "wire.h"

#define BATCH_MAX 256
#define HEARTBEAT_US 1000000
#define ROUTER_HWM 10000

typedef struct {
    zmq_msg_t identity;
    zmq_msg_t payload;
    bool delimiter;           /* REQ-style empty frame between identity and body */
    bool bad_framing;         /* no body frame, or more than one */
    Okr__Response *response;
    const void *event;        /* packed Event to publish once committed */
    size_t event_len;
    const char **nodes;       /* the event's node topics (arena) */
    size_t n_nodes;
} batch_item;

/* ------------------------------------------------------------ set-up */

bool server_endpoint_is_local(const char *ep)
{
    static const char *const local[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:",
                                        "ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(ep, local[i], strlen(local[i])) == 0)
            return true;
    return false;
}

static void *open_socket(okrd *s, int type, const char *endpoint, char *bound, size_t len)
{
    void *sock = zmq_socket(s->zmq, type);
    int linger = 0, hwm = type == ZMQ_PUB ? s->cfg.pub_hwm : ROUTER_HWM;
    int64_t maxmsg = OKR_MAX_REQUEST_FRAME;
    if (sock == NULL)
        return NULL;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (type == ZMQ_PUB && s->cfg.pub_sndbuf > 0)
        zmq_setsockopt(sock, ZMQ_SNDBUF, &s->cfg.pub_sndbuf, sizeof s->cfg.pub_sndbuf);
    if (zmq_bind(sock, endpoint) != 0) {
        fprintf(stderr, "okrd: cannot bind %s: %s\n", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    size_t n = len;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, bound, &n);
    return sock;
}

int server_open(okrd *s, const okrd_config *cfg)
{
    char err[512];
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    const char *eps[] = {cfg->listen, cfg->publish};
    for (size_t i = 0; i < 2; i++) {
        if (!cfg->insecure && !server_endpoint_is_local(eps[i])) {
            fprintf(stderr, "okrd: refusing to bind %s: it is not a loopback address and "
                            "secure mode is not available; pass --insecure to allow it\n",
                    eps[i]);
            return -1;
        }
    }
    if (store_open(&s->st, cfg->data_dir, cfg->map_size, true, err, sizeof err) != 0) {
        fprintf(stderr, "okrd: %s\n", err);
        return -1;
    }
    arena_init(&s->mem);
    store_txn t;
    store_txn_begin(&t, &s->st, NULL, false, &s->mem);
    s->last_seq = store_last_seq(&t);
    store_txn_abort(&t);
    if (t.rc) {
        fprintf(stderr, "okrd: cannot read the event log: %s\n", store_strerror(t.rc));
        goto fail;
    }
    s->zmq = zmq_ctx_new();
    s->router = open_socket(s, ZMQ_ROUTER, cfg->listen, s->request_endpoint,
                            sizeof s->request_endpoint);
    if (s->router == NULL)
        goto fail;
    s->pub = open_socket(s, ZMQ_PUB, cfg->publish, s->event_endpoint, sizeof s->event_endpoint);
    if (s->pub == NULL)
        goto fail;
    s->started_at = text_now_us();
    fprintf(stderr, "okrd: ready requests=%s events=%s data=%s\n", s->request_endpoint,
            s->event_endpoint, cfg->data_dir);
    fflush(stderr);
    return 0;
fail:
    server_close(s);
    return -1;
}

void server_close(okrd *s)
{
    if (s->router)
        zmq_close(s->router);
    if (s->pub)
        zmq_close(s->pub);
    if (s->zmq)
        zmq_ctx_term(s->zmq);
    s->router = s->pub = s->zmq = NULL;
    store_close(&s->st);
    if (s->mem.head)
        arena_free(&s->mem);
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

/* Take one request off the ROUTER: [identity][""]?[body]. Returns false when
 * nothing is ready. */
static bool receive_item(okrd *s, batch_item *it)
{
    memset(it, 0, sizeof *it);
    zmq_msg_init(&it->identity);
    zmq_msg_init(&it->payload);
    if (zmq_msg_recv(&it->identity, s->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&it->identity);
        zmq_msg_close(&it->payload);
        return false;
    }
    /* Frames after the identity are already queued: blocking receives are safe. */
    if (!zmq_msg_more(&it->identity)) {
        it->bad_framing = true;
        return true;
    }
    zmq_msg_recv(&it->payload, s->router, 0);
    if (zmq_msg_size(&it->payload) == 0 && zmq_msg_more(&it->payload)) {
        it->delimiter = true;
        zmq_msg_recv(&it->payload, s->router, 0);
    }
    if (zmq_msg_more(&it->payload)) {
        it->bad_framing = true;
        discard_rest(s->router);
    }
    return true;
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

static Okr__Request *decode(okrd *s, batch_item *it)
{
    if (it->bad_framing)
        return NULL;
    return okr__request__unpack(&s->mem.pb, zmq_msg_size(&it->payload),
                                zmq_msg_data(&it->payload));
}

static void init_request(okrd *s, request *rq, store_txn *txn, batch_item *it,
                         const Okr__Request *req, uint64_t seq)
{
    memset(rq, 0, sizeof *rq);
    rq->txn = txn;
    rq->mem = &s->mem;
    rq->actor = actor_of(req);
    rq->role = OKR_ROLE_ADMIN;            /* local mode: whoever reaches loopback */
    rq->now = text_now_us();
    rq->health = &s->cfg.health;
    rq->last_seq = seq;                   /* what this transaction sees */
    rq->started_at = s->started_at;
    rq->event_endpoint = s->event_endpoint;
    rq->response = ARENA_NEW(&s->mem, Okr__Response, OKR__RESPONSE__INIT);
    if (req) {
        rq->response->has_request_id = req->has_request_id;
        rq->response->request_id = req->request_id;
    }
    it->response = rq->response;
    it->event = NULL;             /* set again only if this pass commits it */
    it->event_len = 0;
}

/* Turn the request's outcome into the response's error, if any. */
static void finish(okrd *s, request *rq, int storage_rc)
{
    if (rq->code != OKR__ERROR_CODE__OK)
        dispatch_set_error(rq->response, &s->mem, rq->code, rq->message);
    else if (storage_rc)
        dispatch_set_error(rq->response, &s->mem, store_error_code(storage_rc),
                           arena_printf(&s->mem, "storage error: %s; nothing was changed",
                                        store_strerror(storage_rc)));
}

static void refuse_malformed(okrd *s, request *rq, const batch_item *it)
{
    request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                 it->bad_framing ? "a request is exactly one frame holding an okr.Request"
                                 : "malformed request: the frame is not an okr.Request message");
    finish(s, rq, 0);
}

/* One pass over the batch. Returns 0, or MDB_MAP_FULL when the batch must be
 * run again after growing the map. */
static int run_batch(okrd *s, batch_item *items, size_t n, uint64_t *seq)
{
    Okr__Request *reqs[BATCH_MAX];
    bool write = false;
    for (size_t i = 0; i < n; i++) {
        reqs[i] = decode(s, &items[i]);
        write |= reqs[i] && dispatch_is_mutation(reqs[i]->body_case);
    }
    store_txn top;
    store_txn_begin(&top, &s->st, NULL, write, &s->mem);
    for (size_t i = 0; i < n && top.rc == 0; i++) {
        request rq;
        store_txn own;
        store_txn *txn = &top;
        if (write) {
            store_txn_begin(&own, &s->st, &top, true, &s->mem);
            txn = &own;
        }
        init_request(s, &rq, txn, &items[i], reqs[i], *seq);
        if (reqs[i] == NULL) {
            refuse_malformed(s, &rq, &items[i]);
            if (write)
                store_txn_abort(&own);
            continue;
        }
        rq.seq = *seq + 1;
        bool changed = txn->rc == 0 && dispatch_request(&rq, reqs[i]);
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
            items[i].event = rq.event;
            items[i].event_len = rq.event_len;
            items[i].nodes = rq.touched;
            items[i].n_nodes = rq.n_touched;
        }
        finish(s, &rq, rc);
    }
    if (write && s->cfg.retain_events && *seq > s->cfg.retain_events)
        store_prune_events(&top, *seq - s->cfg.retain_events);
    int rc = write ? store_txn_commit(&top) : top.rc;
    if (!write)
        store_txn_abort(&top);
    return rc;
}

/* The batch could not be committed: answer every request in it with the
 * storage error (reads too: they may have seen the uncommitted changes). */
static void refuse_all(okrd *s, batch_item *items, size_t n, int rc)
{
    arena_reset(&s->mem);
    const char *why = arena_printf(&s->mem, "storage error: %s; nothing was changed",
                                   store_strerror(rc));
    for (size_t i = 0; i < n; i++) {
        Okr__Request *req = decode(s, &items[i]);
        Okr__Response *r = ARENA_NEW(&s->mem, Okr__Response, OKR__RESPONSE__INIT);
        if (req) {
            r->has_request_id = req->has_request_id;
            r->request_id = req->request_id;
        }
        dispatch_set_error(r, &s->mem, store_error_code(rc), why);
        items[i].response = r;
        items[i].event = NULL;
    }
}

static void handle_batch(okrd *s, batch_item *items, size_t n)
{
    for (;;) {
        uint64_t seq = s->last_seq;
        int rc = run_batch(s, items, n, &seq);
        if (rc == MDB_MAP_FULL) {
            size_t before = s->st.map_size;
            rc = store_grow(&s->st);
            if (rc == 0) {
                fprintf(stderr, "okrd: map full at %zu bytes; grown to %zu\n", before,
                        s->st.map_size);
                arena_reset(&s->mem);
                continue;                       /* run the batch again */
            }
        }
        if (rc) {
            fprintf(stderr, "okrd: batch not committed: %s\n", store_strerror(rc));
            refuse_all(s, items, n, rc);
            return;
        }
        s->last_seq = seq;
        return;
    }
}

/* ------------------------------------------------------------ replying */

static void reply(okrd *s, batch_item *it)
{
    if (zmq_msg_send(&it->identity, s->router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;                               /* peer gone: nothing to answer */
    if (it->delimiter)
        zmq_send(s->router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    wire_send(s->router, &it->response->base, ZMQ_DONTWAIT);
}

/* Publish [topic][body] without ever blocking: PUB drops at its high-water
 * mark, and monitors fill the gap by replay (docs/protocol.md). */
static void publish_frames(okrd *s, const char *topic, const void *body, size_t len)
{
    zmq_send(s->pub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(s->pub, body, len, ZMQ_DONTWAIT);
}

/* An event goes out once on "all", and once on "node/ID/" for every node it
 * touched or whose score it moved. */
static void publish_event(okrd *s, const batch_item *it)
{
    if (it->event == NULL)
        return;
    publish_frames(s, "all", it->event, it->event_len);
    for (size_t i = 0; i < it->n_nodes; i++) {
        char topic[OKR_ID_BUF + 8];
        snprintf(topic, sizeof topic, "node/%s/", it->nodes[i]);
        publish_frames(s, topic, it->event, it->event_len);
    }
}

static void publish_heartbeat(okrd *s)
{
    Okr__Heartbeat hb = OKR__HEARTBEAT__INIT;
    hb.has_seq = hb.has_epoch = hb.has_started_at = hb.has_time = true;
    hb.seq = s->last_seq;
    hb.epoch.len = STORE_EPOCH_BYTES;
    hb.epoch.data = s->st.epoch;
    hb.started_at = s->started_at;
    hb.time = text_now_us();
    uint8_t buf[128];
    size_t len = okr__heartbeat__pack(&hb, buf);
    publish_frames(s, "hb", buf, len);
}

static void serve_ready(okrd *s)
{
    batch_item items[BATCH_MAX];
    size_t n = 0;
    while (n < BATCH_MAX && receive_item(s, &items[n]))
        n++;
    if (n == 0)
        return;
    handle_batch(s, items, n);
    for (size_t i = 0; i < n; i++) {
        reply(s, &items[i]);
        publish_event(s, &items[i]);
        zmq_msg_close(&items[i].identity);
        zmq_msg_close(&items[i].payload);
    }
    arena_reset(&s->mem);
}

int server_run(okrd *s, volatile sig_atomic_t *stop)
{
    int64_t next_heartbeat = text_now_us();
    while (!*stop) {
        int64_t now = text_now_us();
        if (now >= next_heartbeat) {
            publish_heartbeat(s);
            next_heartbeat = now + HEARTBEAT_US;
        }
        long wait_ms = (long)((next_heartbeat - now + 999) / 1000);
        zmq_pollitem_t poll[] = {{s->router, 0, ZMQ_POLLIN, 0}};
        int rc = zmq_poll(poll, 1, wait_ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "okrd: poll failed: %s\n", zmq_strerror(errno));
            return -1;
        }
        if (poll[0].revents & ZMQ_POLLIN)
            serve_ready(s);
    }
    return 0;
}
