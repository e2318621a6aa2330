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
#include "snapshot.h"
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
    if ((s->auth.secure && auth_secure_socket(&s->auth, sock) != 0) ||
        zmq_bind(sock, endpoint) != 0) {
        log_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(sock);
        return NULL;
    }
    size_t len = sizeof s->request_endpoint;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, s->request_endpoint, &len);
    log_info("listening for requests on %s", s->request_endpoint);
    return sock;
}

/* Secure mode: the key pair, the users, and the ZAP handler, bound before
 * either socket binds so that no handshake can happen without it. */
static int start_auth(okrd *s)
{
    char err[512];
    s->auth.secure = true;
    s->batch.auth = &s->auth;
    if (auth_load_server_key(&s->auth, s->cfg.data_dir, true, err, sizeof err) != 0 ||
        auth_open(&s->auth, s->zmq, err, sizeof err) != 0) {
        log_error("%s", err);
        return -1;
    }
    int rc = auth_load_users(&s->auth, &s->st, NULL);
    if (rc) {
        log_error("cannot read the users: %s", store_strerror(rc));
        return -1;
    }
    if (s->auth.n_users == 0)
        log_warn("secure mode and no users yet: nobody can connect; add the first admin "
                 "with okrd --data %s --add-user NAME --role admin --key PUBLIC_KEY",
                 s->cfg.data_dir);
    return 0;
}

int server_check_endpoints(const okrd_config *cfg)
{
    char err[1024];
    const char *eps[] = {cfg->listen, cfg->publish};
    for (size_t i = 0; i < 2; i++) {
        if (endpoint_check_bind(eps[i], cfg->secure, cfg->insecure, err, sizeof err) != 0) {
            log_error("%s", err);
            return -1;
        }
    }
    return 0;
}

int server_open(okrd *s, const okrd_config *cfg)
{
    char err[1024];
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    metrics_init(&s->metrics);
    if (server_check_endpoints(cfg) != 0)
        return -1;
    int open_rc = store_open(&s->st, cfg->data_dir, cfg->map_size, true, err, sizeof err);
    if (open_rc != 0) {
        log_error("%s", err);
        return store_open_refused_data(open_rc) ? -2 : -1;
    }
    if (s->st.wb.replayed > 0)
        log_info("replayed %llu values of the redo log (the last stop was not clean)",
                 (unsigned long long)s->st.wb.replayed);
    batch_init(&s->batch);
    staging_init(&s->staging, OKR_MAX_IMPORT_BYTES, (int64_t)cfg->import_idle_s * 1000000);
    store_txn t;
    store_txn_begin(&t, &s->st, NULL, false, &s->batch.mem);
    s->last_seq = store_last_seq(&t);
    store_txn_abort(&t);
    if (t.rc) {
        log_error("cannot read the event log: %s", store_strerror(t.rc));
        goto fail;
    }
    s->zmq = zmq_ctx_new();
    if (cfg->secure && start_auth(s) != 0)
        goto fail;
    s->router = open_router(s, cfg->listen);
    if (s->router == NULL ||
        publish_open_secure(&s->pub, s->zmq, cfg->publish, cfg->pub_hwm, cfg->pub_sndbuf,
                            cfg->secure ? &s->auth : NULL, s->event_endpoint,
                            sizeof s->event_endpoint) != 0)
        goto fail;
    s->started_at = text_now_us();
    if (cfg->secure)
        log_info("secure mode: CURVE on both sockets, %zu user%s, server key %s",
                 s->auth.n_users, s->auth.n_users == 1 ? "" : "s", s->auth.public_key);
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
        if (b->items[i].event) {
            publish_event(&s->pub, b->items[i].event, b->items[i].event_len,
                          b->committed_at, b->items[i].nodes, b->items[i].n_nodes);
            metrics_count_event(&s->metrics);
        }
    batch_release(b, s->router);
}

/* After a batch that changed users: reload the table (the next request of
 * a removed user is dropped) and, when someone lost access, re-bind the
 * XPUB socket so that every subscriber reconnects through ZAP again: the
 * removed key gets nothing more, the others fill the gap by replay. */
static void users_changed(okrd *s)
{
    bool lost = false;
    if (!s->auth.secure)
        return;
    int rc = auth_load_users(&s->auth, &s->st, &lost);
    if (rc) {
        log_error("cannot reload the users: %s", store_strerror(rc));
        return;
    }
    if (lost && publish_rebind(&s->pub, s->zmq, s->event_endpoint, s->cfg.pub_hwm,
                               s->cfg.pub_sndbuf, &s->auth, 2000) != 0)
        log_error("events are not published until a restart");
}

static void serve_ready(okrd *s)
{
    if (batch_receive(&s->batch, s->router) > 0) {
        batch_run(&s->batch, s);
        bool users = batch_users_changed(&s->batch);
        answer(s, &s->batch);
        if (users)
            users_changed(s);
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

/* A process that died holding a read transaction on the data (an
 * `okrd --verify` killed mid-way, any LMDB reader) leaves its reader slot
 * taken, and every page it could see stays pinned: the file only grows.
 * LMDB can tell such slots by their dead pid; okrd asks every heartbeat. */
static void release_dead_readers(okrd *s)
{
    int cleared = 0;
    if (store_reader_check(&s->st, &cleared) == 0 && cleared > 0)
        log_info("released %d reader slot%s left by dead processes", cleared,
                 cleared == 1 ? "" : "s");
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
            snapshot_expire(&s->st, text_now_us());   /* abandoned cursors (wall clock, as requests stamp them) */
            release_dead_readers(s);
            staging_tick(&s->staging, text_now_us());   /* idle and finished imports */
        }
        long wait_ms = (long)((next_heartbeat - now + 999) / 1000);
        zmq_pollitem_t poll[] = {{s->router, 0, ZMQ_POLLIN, 0},
                                 {s->pub.socket, 0, ZMQ_POLLIN, 0},
                                 {s->auth.zap, 0, ZMQ_POLLIN, 0}};
        if (s->pub.socket == NULL)                /* a failed re-bind: not fd 0 */
            poll[1] = poll[0];
        int rc = zmq_poll(poll, s->auth.zap ? 3 : 2, wait_ms);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_error("poll failed: %s", zmq_strerror(errno));
            return -1;
        }
        if (s->auth.zap && (poll[2].revents & ZMQ_POLLIN))
            auth_serve_zap(&s->auth);
        if (s->pub.socket && (poll[1].revents & ZMQ_POLLIN))
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
    auth_close(&s->auth);
    if (s->zmq)
        zmq_ctx_term(s->zmq);
    s->router = s->zmq = NULL;
    store_close(&s->st);
    batch_free(&s->batch);
    staging_free_all(&s->staging);
}
