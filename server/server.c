/* server.c — okrd's sockets and the request loop.
 *
 * When the ROUTER socket is readable, every request that is ready becomes
 * one batch (batch.c: one write transaction, one commit, one fsync); then
 * its events are published and its replies sent — so a reply, and an event,
 * means the change is durable. Between batches: heartbeats, the XPUB
 * socket's subscription messages (publish.c), and dropping the reply
 * accounting of clients that are gone (peer.h).
 *
 * Heartbeats are scheduled on CLOCK_MONOTONIC: a wall clock stepped back
 * (NTP, an operator) must not silence them, or every monitor would report a
 * dead server. Their `time` field stays wall-clock. This file never interprets a
 * request (dispatch.c does) nor runs one (batch.c does). */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "endpoint.h"
#include "okr_limits.h"
#include "text.h"

#define HEARTBEAT_US 1000000
#define ROUTER_HWM 10000
/* Requests queued per client before libzmq stops reading its connection:
 * 1000 frames of at most OKR_MAX_REQUEST_FRAME. */
#define ROUTER_RCVHWM 1000

/* ------------------------------------------------------------ set-up */

static void *open_router(okrd *s, const char *endpoint)
{
    void *sock = zmq_socket(s->zmq, ZMQ_ROUTER);
    int linger = 0, hwm = ROUTER_HWM, rcvhwm = ROUTER_RCVHWM;
    int64_t maxmsg = OKR_MAX_REQUEST_FRAME;
    if (sock == NULL)
        return NULL;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    endpoint_set_ipv6(sock, endpoint);
    if (zmq_bind(sock, endpoint) != 0) {
        log_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    size_t len = sizeof s->request_endpoint;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, s->request_endpoint, &len);
    log_info("listening for requests on %s", s->request_endpoint);
    return sock;
}

int server_open(okrd *s, const okrd_config *cfg)
{
    char err[1024];
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    /* Before anything is created or opened: a refused endpoint leaves no trace.
     * Secure mode (CURVE) is not built on this branch: it passes false. */
    const char *eps[] = {cfg->listen, cfg->publish};
    for (size_t i = 0; i < 2; i++) {
        if (endpoint_check_bind(eps[i], false, cfg->insecure, err, sizeof err) != 0) {
            log_error("%s", err);
            return -1;
        }
    }
    int open_rc = store_open(&s->st, cfg->data_dir, cfg->map_size, true, err, sizeof err);
    if (open_rc != 0) {
        log_error("%s", err);
        return store_open_refused_data(open_rc) ? -2 : -1;
    }
    batch_init(&s->batch);
    store_txn t;
    store_txn_begin(&t, &s->st, NULL, false, &s->batch.mem);
    s->last_seq = store_last_seq(&t);
    store_txn_abort(&t);
    if (t.rc) {
        log_error("cannot read the event log: %s", store_strerror(t.rc));
        goto fail;
    }
    s->zmq = zmq_ctx_new();
    s->router = open_router(s, cfg->listen);
    if (s->router == NULL ||
        publish_open(&s->pub, s->zmq, cfg->publish, cfg->pub_hwm, cfg->pub_sndbuf,
                     s->event_endpoint, sizeof s->event_endpoint) != 0)
        goto fail;
    s->started_at = text_now_us();
    log_notice("ready requests=%s events=%s data=%s", s->request_endpoint,
               s->event_endpoint, cfg->data_dir);
    return 0;
fail:
    server_close(s);
    return -1;
}

/* ------------------------------------------------------------ serving */

/* Events first (a monitor may see an event before its writer's reply, never
 * a reply whose event was not sent), then the replies. */
static void answer(okrd *s, batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].event)
            publish_event(&s->pub, b->items[i].event, b->items[i].event_len,
                          b->items[i].nodes, b->items[i].n_nodes);
    batch_release(b, s->router);
}

static void serve_ready(okrd *s)
{
    if (batch_receive(&s->batch, s->router) > 0) {
        batch_run(&s->batch, s);
        answer(s, &s->batch);
    }
    peers_sweep(&s->batch.peers);
}

/* ------------------------------------------------------------ the loop */

static int64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int server_run(okrd *s, volatile sig_atomic_t *stop)
{
    int64_t next_heartbeat = monotonic_us();
    while (!*stop) {
        int64_t now = monotonic_us();
        if (now >= next_heartbeat) {
            publish_heartbeat(&s->pub, s->last_seq, s->st.epoch, STORE_EPOCH_BYTES,
                              s->started_at, text_now_us());
            next_heartbeat = now + HEARTBEAT_US;
            peers_sweep(&s->batch.peers);       /* clients gone while we were idle */
        }
        long wait_ms = (long)((next_heartbeat - now + 999) / 1000);
        zmq_pollitem_t poll[] = {{s->router, 0, ZMQ_POLLIN, 0},
                                 {s->pub.socket, 0, ZMQ_POLLIN, 0}};
        int rc = zmq_poll(poll, 2, wait_ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_error("poll failed: %s", zmq_strerror(errno));
            return -1;
        }
        if (poll[1].revents & ZMQ_POLLIN)
            publish_read_subscriptions(&s->pub);
        if (poll[0].revents & ZMQ_POLLIN)
            serve_ready(s);
    }
    return 0;
}

void server_close(okrd *s)
{
    if (s->router)
        zmq_close(s->router);
    publish_close(&s->pub);
    if (s->zmq)
        zmq_ctx_term(s->zmq);
    s->router = s->zmq = NULL;
    store_close(&s->st);
    batch_free(&s->batch);
}
