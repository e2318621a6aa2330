/* conn.c — the DEALER socket to okrd: request/reply matching by request_id,
 * bounded waits and Lazy Pirate retries (see conn.h). Knows nothing of
 * commands or of output, and never prints. */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "okr_limits.h"
#include "wire.h"

/* Queue bounds: a command line client has one request in flight, so these
 * only matter against a misbehaving server flooding us. */
#define CONN_SNDHWM 100
#define CONN_RCVHWM 1000

static conn_status fail(okr_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static conn_status fail(okr_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    return CONN_FAILED;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random first id, so that ids never repeat across runs talking to the
 * same server (its logs stay unambiguous); 0 is never used. */
static uint64_t first_request_id(void)
{
    uint64_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) != (ssize_t)sizeof id)
        id = ((uint64_t)time(NULL) << 22) ^ (uint64_t)getpid();
    return (id >> 1) | 1;   /* leaves room to count up, never 0 */
}

void conn_init(okr_conn *c, const char *endpoint, int timeout_ms)
{
    memset(c, 0, sizeof *c);
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    c->timeout_ms = timeout_ms;
    c->next_request_id = first_request_id();
}

static void close_socket(okr_conn *c)
{
    if (c->events != NULL) {
        zmq_close(c->events);
        c->events = NULL;
    }
    if (c->socket != NULL) {
        zmq_socket_monitor(c->socket, NULL, 0);
        zmq_close(c->socket);
        c->socket = NULL;
    }
}

void conn_set_curve(okr_conn *c, const conn_curve *keys)
{
    c->secure = keys != NULL;
    if (keys)
        c->curve = *keys;
    else
        keyfile_wipe((char *)&c->curve, sizeof c->curve);
}

const conn_curve *conn_curve_of(const okr_conn *c)
{
    return c->secure ? &c->curve : NULL;
}

int conn_curve_apply(const conn_curve *k, void *sock)
{
    if (k == NULL)
        return 0;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server_key, KEY_Z85_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->public_key, KEY_Z85_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret_key, KEY_Z85_LEN) != 0)
        return -1;
    return 0;
}

#define HANDSHAKE_FAILURES \
    (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
/* libzmq connects in the background: CONNECT_RETRIED is its word for a
 * connect that failed (refused: nothing listens there) and will be tried
 * again; CONNECTED, for one that got through. */
#define CONNECT_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED)

/* Watch the socket's connects and handshakes (libzmq's socket monitor, over
 * inproc). */
static int watch_handshakes(okr_conn *c)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://okr-conn-%p-%u", (void *)c, c->monitors++);
    if (zmq_socket_monitor(c->socket, endpoint, HANDSHAKE_FAILURES | CONNECT_EVENTS) != 0)
        return -1;
    c->events = zmq_socket(c->zctx, ZMQ_PAIR);
    return c->events != NULL && zmq_connect(c->events, endpoint) == 0 ? 0 : -1;
}

/* The sentence for a failed handshake; CONN_OK when it is not one (a plain
 * connection's NO_DETAIL: a peer that went away mid-greeting). */
static conn_status handshake_failed(okr_conn *c, uint16_t event, uint32_t value)
{
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return fail(c, "%s refused your key %s (status %u): it is not the key of a user "
                    "there; an admin adds it with: okr user add NAME --role ROLE --key %s",
                    c->endpoint, c->curve.public_key, (unsigned)value, c->curve.public_key);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && c->secure)
        return fail(c, "%s does not take a CURVE handshake: it is not in secure mode (give "
                    "no --server-key for a local-mode server)", c->endpoint);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        return fail(c, "%s is in secure mode: give your key and the server's public key "
                    "(--key FILE --server-key KEY, or key = and server_key = in the config; "
                    "okr keygen makes a key)", c->endpoint);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && c->secure)
        return fail(c, "the secure handshake with %s failed: the server's key %s is wrong "
                    "(okrd --print-key shows the right one)", c->endpoint, c->curve.server_key);
    return CONN_OK;
}

/* A refused connect ends the call at once, with no tries left to wait out,
 * when this connection has never got through: nothing listens at a tcp://
 * endpoint, so nothing was delivered either. Once a socket of it has
 * connected, a refusal is a server restarting, and the tries go on (a
 * mutation's resend with the same request_id included). CONN_OK otherwise. */
static conn_status connect_event(okr_conn *c, uint16_t event)
{
    if (event == ZMQ_EVENT_CONNECTED)
        c->reached = true;
    if (event == ZMQ_EVENT_CONNECT_RETRIED && !c->reached &&
        strncmp(c->endpoint, "tcp://", 6) == 0)
        return fail(c, "cannot reach okrd at %s: connection refused", c->endpoint);
    return CONN_OK;
}

/* Read the socket monitor's events; CONN_FAILED on a failed handshake or a
 * connect refused before any got through (connect_event). */
static conn_status read_events(okr_conn *c)
{
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&head, c->events, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            zmq_msg_close(&addr);
            return CONN_OK;
        }
        if (zmq_msg_more(&head))
            zmq_msg_recv(&addr, c->events, 0);
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&head) >= 6) {
            memcpy(&event, zmq_msg_data(&head), 2);
            memcpy(&value, (const char *)zmq_msg_data(&head) + 2, 4);
        }
        zmq_msg_close(&head);
        zmq_msg_close(&addr);
        if (handshake_failed(c, event, value) != CONN_OK || connect_event(c, event) != CONN_OK)
            return CONN_FAILED;
    }
}

static int set_socket_options(void *s, int timeout_ms)
{
    int linger = 0, sndhwm = CONN_SNDHWM, rcvhwm = CONN_RCVHWM, ipv6 = 1;
    int64_t max_frame = OKR_MAX_RESPONSE_FRAME;

    if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_frame, sizeof max_frame) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) != 0 ||
        zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0 ||
        zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms) != 0 ||
        zmq_setsockopt(s, ZMQ_IPV6, &ipv6, sizeof ipv6) != 0)
        return -1;
    return 0;
}

static conn_status open_socket(okr_conn *c)
{
    if (c->zctx == NULL && (c->zctx = zmq_ctx_new()) == NULL)
        return fail(c, "cannot start ZeroMQ: %s", zmq_strerror(errno));
    c->socket = zmq_socket(c->zctx, ZMQ_DEALER);
    if (c->socket == NULL)
        return fail(c, "cannot create a socket: %s", zmq_strerror(errno));
    if (set_socket_options(c->socket, c->timeout_ms) != 0 ||
        conn_curve_apply(conn_curve_of(c), c->socket) != 0 || watch_handshakes(c) != 0 ||
        zmq_connect(c->socket, c->endpoint) != 0) {
        fail(c, "cannot connect to %s: %s", c->endpoint, zmq_strerror(errno));
        close_socket(c);
        return CONN_FAILED;
    }
    return CONN_OK;
}

static conn_status send_request(okr_conn *c, const Okr__Request *req)
{
    size_t size = protobuf_c_message_get_packed_size(&req->base);
    if (size > OKR_MAX_REQUEST_FRAME)
        return fail(c, "request of %zu bytes is over the %d byte limit", size,
                    OKR_MAX_REQUEST_FRAME);
    if (wire_send(c->socket, &req->base, 0) == 0)
        return CONN_OK;
    if (errno == EAGAIN)
        return CONN_TIMEOUT;   /* not even queued within the timeout */
    return fail(c, "cannot send to %s: %s", c->endpoint, zmq_strerror(errno));
}

/* Read one waiting message. *out is NULL when there was nothing after all. */
static conn_status receive(okr_conn *c, Okr__Response **out)
{
    zmq_msg_t frame;
    bool more;
    conn_status status = CONN_OK;

    *out = NULL;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, c->socket, ZMQ_DONTWAIT) < 0) {
        if (errno != EAGAIN && errno != EINTR)
            status = fail(c, "cannot receive from %s: %s", c->endpoint, zmq_strerror(errno));
        goto done;
    }
    more = zmq_msg_more(&frame);
    *out = okr__response__unpack(NULL, zmq_msg_size(&frame), zmq_msg_data(&frame));
    if (*out == NULL || more) {
        status = fail(c, "unreadable reply from %s (%s)", c->endpoint,
                      more ? "several frames" : "not a Response");
        while (more && zmq_msg_recv(&frame, c->socket, ZMQ_DONTWAIT) >= 0)
            more = zmq_msg_more(&frame);
        if (*out != NULL)
            okr__response__free_unpacked(*out, NULL);
        *out = NULL;
    }
done:
    zmq_msg_close(&frame);
    return status;
}

/* Wait for the reply carrying request id `id`, dropping stale ones. */
static conn_status await_reply(okr_conn *c, uint64_t id, Okr__Response **reply)
{
    int64_t deadline = now_ms() + c->timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return CONN_TIMEOUT;
        zmq_pollitem_t items[] = {{.socket = c->socket, .events = ZMQ_POLLIN},
                                  {.socket = c->events, .events = ZMQ_POLLIN}};
        int ready = zmq_poll(items, 2, (long)left);
        if (ready < 0 && errno == EINTR && c->cancel != NULL && *c->cancel)
            return CONN_CANCELLED;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return fail(c, "waiting for %s: %s", c->endpoint, zmq_strerror(errno));
        if (ready == 0)
            return CONN_TIMEOUT;
        if ((items[1].revents & ZMQ_POLLIN) && read_events(c) != CONN_OK)
            return CONN_FAILED;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;

        Okr__Response *r;
        conn_status status = receive(c, &r);
        if (status != CONN_OK)
            return status;
        if (r != NULL && r->has_request_id && r->request_id == id) {
            c->reached = true;   /* whether or not CONNECTED was read yet */
            *reply = r;
            return CONN_OK;
        }
        if (r != NULL)
            okr__response__free_unpacked(r, NULL);   /* answer to an earlier request */
    }
}

conn_status conn_call(okr_conn *c, Okr__Request *req, int tries, Okr__Response **reply)
{
    *reply = NULL;
    req->has_version = true;
    req->version = OKR_PROTOCOL_VERSION;
    req->has_request_id = true;
    req->request_id = c->next_request_id++;
    if (c->next_request_id == 0)
        c->next_request_id = 1;

    for (int attempt = 0; attempt < tries; attempt++) {
        if (c->socket == NULL && open_socket(c) != CONN_OK)
            return CONN_FAILED;
        conn_status status = send_request(c, req);
        if (status == CONN_OK)
            status = await_reply(c, req->request_id, reply);
        if (status != CONN_TIMEOUT && status != CONN_CANCELLED)
            return status;
        /* Lazy Pirate: the old socket may hold a half-done exchange with a
         * dead peer; a fresh one reconnects cleanly. */
        close_socket(c);
        if (status == CONN_CANCELLED)
            return status;
    }
    return CONN_TIMEOUT;
}

void conn_close(okr_conn *c)
{
    close_socket(c);
    if (c->zctx != NULL) {
        while (zmq_ctx_term(c->zctx) != 0 && errno == EINTR)
            ;
        c->zctx = NULL;
    }
}
