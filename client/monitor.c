/* monitor.c — the clone pattern over okrd's event stream (see monitor.h).
 *
 * State: `next` is the seq of the next event this monitor must deliver;
 * everything below it has been delivered or, following single nodes, checked
 * and found unrelated. `known_last` is the newest seq the server has told us
 * exists (heartbeats, live events, replies). Whenever known_last >= next and
 * no request is out, we ask for a replay from next; live events arriving in
 * order are delivered directly. Requests are reads, so a request that times
 * out is simply sent again on a fresh socket (Lazy Pirate).
 *
 * Following single nodes, live events arrive only for those nodes, so seqs
 * skip by design; the skipped range is checked through a replay filtered by
 * node (Replay.nodes): its through_seq says how far the server looked, so
 * the seqs it did not return are known not to concern us.
 *
 * A snapshot comes in pages (Snapshot.more): each page is handed to
 * on_snapshot as it arrives, then the next is asked for with the cursor and
 * position the page gave; `next` is fixed only by the last page. A cursor
 * the server no longer knows (NOT_FOUND), or a page that does not follow
 * (another seq or page number), starts the snapshot again from page 0.
 * When the caller does not want the snapshot, a StatusGet gives the seq to
 * start from instead: nothing is paged for nothing. */
#include "monitor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zmq.h>

#include "okr_limits.h"
#include "wire.h"

#define EPOCH_BYTES 16
#define DEFAULT_TIMEOUT_MS 3000
#define REPLAY_BATCH 5000
#define BUSY_BACKOFF_US 1000000      /* the server pages too many snapshots: wait */

typedef enum { WANT_NOTHING, WANT_SNAPSHOT, WANT_STATUS, WANT_REPLAY } request_kind;

struct monitor {
    monitor_options opt;
    monitor_callbacks cb;
    void *ctx;
    void *zmq, *sub, *dealer;
    bool have_base;               /* a snapshot or from_seq fixed `next` */
    uint64_t next;
    uint64_t known_last;
    unsigned char epoch[EPOCH_BYTES];
    bool have_epoch;
    request_kind pending;
    uint64_t pending_id;
    int64_t pending_since;
    uint64_t last_request_id;
    int64_t last_heard;
    uint64_t delivered, replayed;
    bool in_replay;               /* delivering from a replay reply */
    /* A paged snapshot under way: the cursor, where the next page starts,
     * its number, and the seq every page must have. cursor 0: none. */
    uint64_t snap_cursor;
    unsigned char *snap_next;
    size_t snap_next_len;
    uint32_t snap_page;
    uint64_t snap_seq;
    uint64_t pages;               /* snapshot pages received, all told */
    int64_t not_before;           /* no request before this time (a busy server) */
    char error[256];
    conn_curve curve;             /* opt.curve points here in secure mode */
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void notice(monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(monitor *m, const char *fmt, ...)
{
    if (m->cb.on_notice == NULL)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    m->cb.on_notice(m->ctx, buf);
}

/* ------------------------------------------------------------ sockets */

/* A client socket: no linger on close, replies up to the response limit. */
static void *new_socket(monitor *m, int type)
{
    int linger = 0, ipv6 = 1;
    int64_t maxmsg = OKR_MAX_RESPONSE_FRAME;
    void *sock = zmq_socket(m->zmq, type);
    if (sock) {
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(sock, ZMQ_IPV6, &ipv6, sizeof ipv6);     /* tcp://[::1]:P */
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
        conn_curve_apply(m->opt.curve, sock);   /* secure mode: CURVE client */
    }
    return sock;
}

static int open_dealer(monitor *m)
{
    m->dealer = new_socket(m, ZMQ_DEALER);
    return m->dealer ? zmq_connect(m->dealer, m->opt.request_endpoint) : -1;
}

static int open_sub(monitor *m)
{
    m->sub = new_socket(m, ZMQ_SUB);
    if (m->sub == NULL)
        return -1;
    if (m->opt.rcvhwm > 0)
        zmq_setsockopt(m->sub, ZMQ_RCVHWM, &m->opt.rcvhwm, sizeof m->opt.rcvhwm);
    if (m->opt.rcvbuf > 0)
        zmq_setsockopt(m->sub, ZMQ_RCVBUF, &m->opt.rcvbuf, sizeof m->opt.rcvbuf);
    zmq_setsockopt(m->sub, ZMQ_SUBSCRIBE, "hb", 2);
    if (m->opt.n_nodes == 0)
        zmq_setsockopt(m->sub, ZMQ_SUBSCRIBE, "all", 3);
    for (size_t i = 0; i < m->opt.n_nodes; i++) {
        char topic[64];
        int n = snprintf(topic, sizeof topic, "node/%s/", m->opt.nodes[i]);
        zmq_setsockopt(m->sub, ZMQ_SUBSCRIBE, topic, (size_t)n);
    }
    return zmq_connect(m->sub, m->opt.event_endpoint);
}

monitor *monitor_new(const monitor_options *opt, const monitor_callbacks *cb, void *ctx)
{
    monitor *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    m->opt = *opt;
    if (opt->curve) {                   /* keep our own copy: the caller's may go */
        m->curve = *opt->curve;
        m->opt.curve = &m->curve;
    }
    if (m->opt.request_timeout_ms <= 0)
        m->opt.request_timeout_ms = DEFAULT_TIMEOUT_MS;
    m->cb = *cb;
    m->ctx = ctx;
    m->last_heard = now_us();
    if (opt->from_seq > 0) {
        m->have_base = true;
        m->next = opt->from_seq + 1;
    }
    m->zmq = zmq_ctx_new();
    if (m->zmq == NULL || open_sub(m) != 0 || open_dealer(m) != 0) {
        monitor_free(m);
        return NULL;
    }
    return m;
}

static void snapshot_reset(monitor *m)
{
    free(m->snap_next);
    m->snap_next = NULL;
    m->snap_next_len = 0;
    m->snap_cursor = 0;
    m->snap_page = 0;
}

void monitor_free(monitor *m)
{
    if (m == NULL)
        return;
    snapshot_reset(m);
    if (m->sub)
        zmq_close(m->sub);
    if (m->dealer)
        zmq_close(m->dealer);
    if (m->zmq)
        zmq_ctx_term(m->zmq);
    keyfile_wipe((char *)&m->curve, sizeof m->curve);
    free(m);
}

void monitor_sockets(monitor *m, void **sub, void **dealer)
{
    *sub = m->sub;
    *dealer = m->dealer;
}

uint64_t monitor_seq(const monitor *m)
{
    return m->next ? m->next - 1 : 0;
}

uint64_t monitor_delivered(const monitor *m)
{
    return m->delivered;
}

uint64_t monitor_replayed(const monitor *m)
{
    return m->replayed;
}

uint64_t monitor_snapshot_pages(const monitor *m)
{
    return m->pages;
}

int64_t monitor_silence_us(const monitor *m)
{
    return now_us() - m->last_heard;
}

const char *monitor_error(const monitor *m)
{
    return m->error;
}

/* ------------------------------------------------------------ requests */

static int send_request(monitor *m, request_kind kind)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet snap = OKR__SNAPSHOT_GET__INIT;
    Okr__StatusGet status = OKR__STATUS_GET__INIT;
    Okr__Replay replay = OKR__REPLAY__INIT;
    req.has_version = req.has_request_id = true;
    req.version = OKR_PROTOCOL_VERSION;
    req.request_id = ++m->last_request_id;
    req.user = (char *)m->opt.user;
    if (kind == WANT_SNAPSHOT) {
        req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
        req.snapshot = &snap;
        snap.has_limit = m->opt.snapshot_page_items > 0;
        snap.limit = m->opt.snapshot_page_items;
        if (m->snap_cursor) {     /* the next page; the same again on a retry */
            snap.has_cursor = snap.has_next = true;
            snap.cursor = m->snap_cursor;
            snap.next.data = m->snap_next;
            snap.next.len = m->snap_next_len;
        }
    } else if (kind == WANT_STATUS) {
        req.body_case = OKR__REQUEST__BODY_STATUS;
        req.status = &status;
    } else {
        req.body_case = OKR__REQUEST__BODY_REPLAY;
        req.replay = &replay;
        replay.has_after_seq = replay.has_limit = true;
        replay.after_seq = m->next - 1;
        replay.limit = REPLAY_BATCH;
        if (m->opt.n_nodes <= OKR_MAX_REPLAY_NODES) {   /* more: filtered here only */
            replay.n_nodes = m->opt.n_nodes;
            replay.nodes = (char **)m->opt.nodes;
        }
    }
    if (wire_send(m->dealer, &req.base, ZMQ_DONTWAIT) != 0) {
        snprintf(m->error, sizeof m->error, "cannot send to %s: %s", m->opt.request_endpoint,
                 zmq_strerror(zmq_errno()));
        return -1;
    }
    m->pending = kind;
    m->pending_id = req.request_id;
    m->pending_since = now_us();
    return 0;
}

/* Ask for what is missing, if anything and nothing is asked already. */
static int request_if_needed(monitor *m)
{
    if (m->pending != WANT_NOTHING || now_us() < m->not_before)
        return 0;
    if (!m->have_base)
        return send_request(m, m->opt.want_snapshot ? WANT_SNAPSHOT : WANT_STATUS);
    if (m->known_last >= m->next)
        return send_request(m, WANT_REPLAY);
    return 0;
}

/* A request went unanswered: a fresh socket, the same question again. */
static int retry_if_stale(monitor *m)
{
    if (m->pending == WANT_NOTHING ||
        now_us() - m->pending_since < (int64_t)m->opt.request_timeout_ms * 1000)
        return 0;
    notice(m, "no reply from %s; retrying", m->opt.request_endpoint);
    zmq_close(m->dealer);
    m->dealer = NULL;
    request_kind kind = m->pending;
    m->pending = WANT_NOTHING;
    if (open_dealer(m) != 0) {
        snprintf(m->error, sizeof m->error, "cannot reconnect to %s", m->opt.request_endpoint);
        return -1;
    }
    return send_request(m, kind);
}

/* ------------------------------------------------------------ delivery */

static bool wanted(const monitor *m, const Okr__Event *ev)
{
    if (m->opt.n_nodes == 0)
        return true;
    for (size_t i = 0; i < ev->n_nodes; i++)
        for (size_t j = 0; j < m->opt.n_nodes; j++)
            if (strcasecmp(ev->nodes[i], m->opt.nodes[j]) == 0)
                return true;
    return false;
}

/* Deliver ev if it is the next one; returns false when it is ahead (a gap). */
static bool deliver_in_order(monitor *m, const Okr__Event *ev)
{
    if (ev->seq < m->next)
        return true;                     /* seen already */
    if (ev->seq > m->next)
        return false;
    if (wanted(m, ev)) {
        m->delivered++;
        m->replayed += m->in_replay;
        if (m->cb.on_event)
            m->cb.on_event(m->ctx, ev);
    }
    m->next = ev->seq + 1;
    return true;
}

/* The server's epoch changed: everything we hold is from another history. */
static void check_epoch(monitor *m, const ProtobufCBinaryData *epoch)
{
    if (epoch->len != EPOCH_BYTES)
        return;
    if (m->have_epoch && memcmp(m->epoch, epoch->data, EPOCH_BYTES) != 0) {
        notice(m, "the server's history changed (new epoch): taking a fresh snapshot");
        m->have_base = false;
        snapshot_reset(m);
        m->known_last = 0;
        if (m->cb.on_reset)
            m->cb.on_reset(m->ctx);
        m->pending = WANT_NOTHING;       /* drop whatever reply is still coming */
    }
    memcpy(m->epoch, epoch->data, EPOCH_BYTES);
    m->have_epoch = true;
}

static void on_live_event(monitor *m, const uint8_t *data, size_t len)
{
    Okr__Event *ev = okr__event__unpack(NULL, len, data);
    if (ev == NULL)
        return;
    if (ev->seq > m->known_last)
        m->known_last = ev->seq;
    /* While a replay is out, it will bring this event too (it asks up to the end). */
    if (m->have_base && m->pending == WANT_NOTHING && m->opt.n_nodes == 0)
        deliver_in_order(m, ev);
    else if (m->have_base && m->pending == WANT_NOTHING && ev->seq == m->next)
        deliver_in_order(m, ev);         /* single nodes: in order only when nothing skipped */
    okr__event__free_unpacked(ev, NULL);
}

static void on_heartbeat(monitor *m, const uint8_t *data, size_t len)
{
    Okr__Heartbeat *hb = okr__heartbeat__unpack(NULL, len, data);
    if (hb == NULL)
        return;
    check_epoch(m, &hb->epoch);
    if (hb->seq > m->known_last)
        m->known_last = hb->seq;
    okr__heartbeat__free_unpacked(hb, NULL);
}

static void drain_sub(monitor *m)
{
    for (;;) {
        char topic[64];
        int n = zmq_recv(m->sub, topic, sizeof topic - 1, ZMQ_DONTWAIT);
        if (n < 0)
            return;
        zmq_msg_t body;
        zmq_msg_init(&body);
        int more = 0;
        size_t more_len = sizeof more;
        zmq_getsockopt(m->sub, ZMQ_RCVMORE, &more, &more_len);
        if (!more || zmq_msg_recv(&body, m->sub, 0) < 0) {
            zmq_msg_close(&body);
            continue;
        }
        m->last_heard = now_us();
        topic[n < (int)sizeof topic - 1 ? n : (int)sizeof topic - 1] = '\0';
        if (strcmp(topic, "hb") == 0)
            on_heartbeat(m, zmq_msg_data(&body), zmq_msg_size(&body));
        else
            on_live_event(m, zmq_msg_data(&body), zmq_msg_size(&body));
        zmq_msg_close(&body);
    }
}

/* Start the snapshot again from its first page. */
static void snapshot_restart(monitor *m, const char *why)
{
    notice(m, "snapshot: %s; starting it again", why);
    snapshot_reset(m);
    m->have_base = false;
}

static void on_snapshot(monitor *m, const Okr__Snapshot *snap)
{
    check_epoch(m, &snap->epoch);
    if (m->have_base)
        return;                          /* a page the epoch check made stale */
    uint32_t page = snap->has_page ? snap->page : 0;
    if (!m->snap_cursor && page != 0)
        return snapshot_restart(m, "a page of an abandoned snapshot");
    if (m->snap_cursor && (page != m->snap_page || snap->seq != m->snap_seq ||
                           (snap->more && snap->cursor != m->snap_cursor)))
        return snapshot_restart(m, "a page out of step");
    if (page == 0)
        m->snap_seq = snap->seq;
    m->pages++;
    if (m->cb.on_snapshot)
        m->cb.on_snapshot(m->ctx, snap);
    if (snap->more && snap->has_cursor && snap->cursor != 0) {
        free(m->snap_next);
        m->snap_next = malloc(snap->next.len ? snap->next.len : 1);
        if (m->snap_next == NULL) {
            snprintf(m->error, sizeof m->error, "out of memory");
            return;
        }
        memcpy(m->snap_next, snap->next.data, snap->next.len);
        m->snap_next_len = snap->next.len;
        m->snap_cursor = snap->cursor;
        m->snap_page = page + 1;
        return;                          /* request_if_needed asks for the next page */
    }
    snapshot_reset(m);
    m->have_base = true;
    m->next = snap->seq + 1;
    if (snap->seq > m->known_last)
        m->known_last = snap->seq;
}

/* Without want_snapshot: the seq to start from is all we need. */
static void on_status(monitor *m, const Okr__Status *st)
{
    check_epoch(m, &st->epoch);
    m->have_base = true;
    m->next = st->last_seq + 1;
    if (st->last_seq > m->known_last)
        m->known_last = st->last_seq;
}

static void on_events(monitor *m, const Okr__EventList *list)
{
    check_epoch(m, &list->epoch);
    if (!m->have_base)
        return;
    m->in_replay = true;
    for (size_t i = 0; i < list->n_events; i++) {
        const Okr__Event *ev = list->events[i];
        /* A filtered reply skips seqs by design: through_seq vouches for them. */
        if (list->has_through_seq && ev->seq > m->next && ev->seq <= list->through_seq)
            m->next = ev->seq;
        deliver_in_order(m, ev);
    }
    m->in_replay = false;
    if (list->has_through_seq && list->through_seq >= m->next)
        m->next = list->through_seq + 1;
    if (list->last_seq > m->known_last)
        m->known_last = list->last_seq;
}

static void on_reply(monitor *m, const Okr__Response *r)
{
    if (r->request_id != m->pending_id || m->pending == WANT_NOTHING)
        return;                          /* stale: an earlier try's answer */
    request_kind kind = m->pending;
    m->pending = WANT_NOTHING;
    if (r->error && r->error->code != OKR__ERROR_CODE__OK) {
        const char *why = r->error->message ? r->error->message : "";
        Okr__ErrorCode code = r->error->code;
        if (kind == WANT_SNAPSHOT && m->snap_cursor && code == OKR__ERROR_CODE__NOT_FOUND) {
            snapshot_restart(m, why);    /* the cursor expired or the server restarted */
        } else if (kind == WANT_SNAPSHOT && code == OKR__ERROR_CODE__RESOURCE_EXHAUSTED) {
            notice(m, "snapshot: %s", why);
            m->not_before = now_us() + BUSY_BACKOFF_US;
        } else if (kind == WANT_REPLAY) {
            /* Pruned, or the log is behind us (a restore): start over. */
            notice(m, "replay refused (%s); taking a fresh snapshot", r->error->message);
            m->have_base = false;
            m->known_last = 0;
            if (m->cb.on_reset)
                m->cb.on_reset(m->ctx);
        } else {
            snprintf(m->error, sizeof m->error, "%s: %s", wire_error_name(r->error->code),
                     r->error->message ? r->error->message : "");
        }
        return;
    }
    if (r->body_case == OKR__RESPONSE__BODY_SNAPSHOT)
        on_snapshot(m, r->snapshot);
    else if (r->body_case == OKR__RESPONSE__BODY_STATUS)
        on_status(m, r->status);
    else if (r->body_case == OKR__RESPONSE__BODY_EVENTS)
        on_events(m, r->events);
}

static void drain_dealer(monitor *m)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, m->dealer, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        m->last_heard = now_us();
        Okr__Response *r = okr__response__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        zmq_msg_close(&msg);
        if (r) {
            on_reply(m, r);
            okr__response__free_unpacked(r, NULL);
        }
    }
}

int monitor_poll(monitor *m, int timeout_ms)
{
    m->error[0] = '\0';
    if (request_if_needed(m) != 0)
        return -1;
    zmq_pollitem_t items[] = {{m->sub, 0, ZMQ_POLLIN, 0}, {m->dealer, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, timeout_ms) < 0) {
        if (zmq_errno() == EINTR)
            return 0;
        snprintf(m->error, sizeof m->error, "poll: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    drain_sub(m);
    drain_dealer(m);
    if (m->error[0])
        return -1;
    if (retry_if_stale(m) != 0 || request_if_needed(m) != 0)
        return -1;
    return 0;
}
