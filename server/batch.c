/* batch.c — okrd's side of group commit: take a batch of requests off the
 * ROUTER socket (per-peer reply budgets, secure mode's sender), run it
 * through batch_core.c (the one group commit, shared with the unit tests),
 * and send the replies.
 *
 * Replies and events go out (server.c) only after the batch has committed:
 * a reply means the change is durable. */
#include "batch.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "requests.h"
#include "server.h"

void batch_init(batch *b)
{
    b->n = 0;
    arena_init(&b->mem);
    peers_init(&b->peers);
}

static void item_close(batch *b, size_t i)
{
    zmq_msg_close(&b->frames[i].identity);
    zmq_msg_close(&b->frames[i].payload);
    peers_batch_start(&b->peers, b->items[i].peer);
    peers_unref(b->items[i].peer);
    b->items[i].peer = NULL;
}

void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        item_close(b, i);
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
static const auth_user *sender_of(const batch *b, batch_frames *fr)
{
    const char *key = zmq_msg_gets(&fr->payload, "User-Id");
    if (key == NULL)                          /* no body frame (bad framing) */
        key = zmq_msg_gets(&fr->identity, "User-Id");
    return auth_find(b->auth, key);
}

/* Take one request off the ROUTER: [identity][""]?[body]. Returns false when
 * nothing is ready; *dropped when its sender is no longer a user. */
static bool receive_item(const batch *b, void *router, batch_frames *fr, core_item *it,
                         bool *dropped)
{
    memset(it, 0, sizeof *it);
    memset(fr, 0, sizeof *fr);
    *dropped = false;
    zmq_msg_init(&fr->identity);
    zmq_msg_init(&fr->payload);
    if (zmq_msg_recv(&fr->identity, router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&fr->identity);
        zmq_msg_close(&fr->payload);
        return false;
    }
    /* Frames after the identity are already queued: blocking receives are safe. */
    if (!zmq_msg_more(&fr->identity)) {
        it->bad_framing = true;
    } else {
        zmq_msg_recv(&fr->payload, router, 0);
        if (zmq_msg_size(&fr->payload) == 0 && zmq_msg_more(&fr->payload)) {
            fr->delimiter = true;
            zmq_msg_recv(&fr->payload, router, 0);
        }
        if (zmq_msg_more(&fr->payload)) {
            it->bad_framing = true;
            discard_rest(router);
        }
    }
    it->data = zmq_msg_data(&fr->payload);
    it->len = zmq_msg_size(&fr->payload);
    if (b->auth) {
        const auth_user *u = sender_of(b, fr);
        if (u == NULL)
            *dropped = true;                  /* a removed user: no reply, nothing */
        else {
            it->actor = u->name;              /* whatever Request.user says */
            it->role = u->role;
        }
    }
    return true;
}

size_t batch_receive(batch *b, void *router)
{
    b->n = 0;
    for (size_t reads = 0; b->n < BATCH_MAX && reads < 4 * BATCH_MAX; reads++) {
        core_item *it = &b->items[b->n];
        batch_frames *fr = &b->frames[b->n];
        bool dropped;
        if (!receive_item(b, router, fr, it, &dropped))
            break;
        if (dropped) {
            item_close(b, b->n);              /* a removed user: no reply, nothing */
            continue;
        }
        it->peer = peers_ref(&b->peers, zmq_msg_data(&fr->identity),
                             zmq_msg_size(&fr->identity));
        if (peers_admit(&b->peers, it->peer))
            b->n++;
        else
            item_close(b, b->n);              /* dropped: counted, never run */
    }
    return b->n;
}

/* ------------------------------------------------------------ handling */

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
        const Okr__Request *req = core_decode(&b->items[i], &b->mem);
        const okr_request_type *t = req ? requests_find(req->body_case) : NULL;
        int n = snprintf(list + used, sizeof list - used, "%s%s by %s", shown ? ", " : "",
                         t ? t->name : "malformed", core_actor(&b->items[i], req));
        used += n > 0 ? (size_t)n : 0;
        shown++;
    }
    log_warn("slow batch: %lld.%03lld ms for %zu request%s: %s%s", (long long)(us / 1000),
             (long long)(us % 1000), b->n, b->n == 1 ? "" : "s", list,
             b->n > shown ? ", ..." : "");
}

void batch_run(batch *b, okrd *s)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    core_ctx ctx = {
        .st = &s->st,
        .health = &s->cfg.health,
        .retain_events = s->cfg.retain_events,
        .last_seq = s->last_seq,
        .started_at = s->started_at,
        .event_endpoint = s->event_endpoint,
        .dedup = &dedup_default_window,
        .secure = b->auth != NULL,
        .peers = &b->peers,
        .pub = &s->pub,
        .metrics = &s->metrics,
        .staging = &s->staging,
    };
    core_run(&ctx, b->items, b->n, &b->mem);
    s->last_seq = ctx.last_seq;
    b->committed_at = ctx.committed_at;
    int64_t us = elapsed_us(&started);
    metrics_count_batch(&s->metrics, b->items, b->n, us, ctx.map_grows);
    if (s->cfg.slow_ms >= 0 && us >= (int64_t)s->cfg.slow_ms * 1000 && log_enabled(LOG_LEVEL_WARN))
        log_slow(b, us);
}

/* ------------------------------------------------------------ replying */

static void reply(batch *b, void *router, size_t i)
{
    core_item *it = &b->items[i];
    batch_frames *fr = &b->frames[i];
    zmq_msg_t body;
    if (it->skipped || it->response == NULL ||
        peers_reply_frame(&b->peers, it->peer, &it->response->base, it->reply_len, &body) != 0)
        return;
    if (zmq_msg_send(&fr->identity, router, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);                 /* peer gone: nothing to answer */
        return;
    }
    if (fr->delimiter)
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
        reply(b, router, i);
        item_close(b, i);
    }
    b->n = 0;
    arena_reset(&b->mem);
}
