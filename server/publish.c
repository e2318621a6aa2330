/* publish.c — the XPUB socket: subscriptions, events and heartbeats. */
#include "publish.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "logging.h"
#include "endpoint.h"
#include "ids.h"
#include "okr.pb-c.h"
#include "okr_limits.h"

int publish_open(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                 char *bound, size_t len)
{
    memset(p, 0, sizeof *p);
    p->socket = zmq_socket(ctx, ZMQ_XPUB);
    if (p->socket == NULL)
        return -1;
    int linger = 0;
    int64_t maxmsg = OKR_MAX_REQUEST_FRAME;       /* subscription messages are small */
    zmq_setsockopt(p->socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(p->socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->socket, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (sndbuf > 0)
        zmq_setsockopt(p->socket, ZMQ_SNDBUF, &sndbuf, sizeof sndbuf);
    endpoint_set_ipv6(p->socket, endpoint);
    if (zmq_bind(p->socket, endpoint) != 0) {
        log_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        publish_close(p);
        return -1;
    }
    zmq_getsockopt(p->socket, ZMQ_LAST_ENDPOINT, bound, &len);
    log_info("publishing events on %s", bound);
    return 0;
}

void publish_close(publisher *p)
{
    if (p->socket)
        zmq_close(p->socket);
    for (size_t i = 0; i < p->n_topics; i++)
        free(p->topics[i]);
    free(p->topics);
    memset(p, 0, sizeof *p);
}

static void subscribe(publisher *p, const char *topic, size_t len)
{
    if (p->n_topics == p->cap_topics) {
        size_t cap = p->cap_topics ? p->cap_topics * 2 : 16;
        char **grown = realloc(p->topics, cap * sizeof *grown);
        if (grown == NULL)
            return;                       /* the event is then not sent: a gap to replay */
        p->topics = grown;
        p->cap_topics = cap;
    }
    char *copy = strndup(topic, len);
    if (copy)
        p->topics[p->n_topics++] = copy;
}

static void unsubscribe(publisher *p, const char *topic, size_t len)
{
    for (size_t i = 0; i < p->n_topics; i++) {
        if (strlen(p->topics[i]) == len && memcmp(p->topics[i], topic, len) == 0) {
            free(p->topics[i]);
            p->topics[i] = p->topics[--p->n_topics];
            return;
        }
    }
}

/* XPUB hands us one message per change: byte 1 = subscribe, 0 = unsubscribe,
 * then the topic. Without ZMQ_XPUB_VERBOSE only the first subscription and
 * the last unsubscription of a topic arrive, so a plain set is enough. */
void publish_read_subscriptions(publisher *p)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, p->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        const char *data = zmq_msg_data(&msg);
        size_t size = zmq_msg_size(&msg);
        if (size >= 1 && data[0] == 1)
            subscribe(p, data + 1, size - 1);
        else if (size >= 1 && data[0] == 0)
            unsubscribe(p, data + 1, size - 1);
        zmq_msg_close(&msg);
    }
}

bool publish_wanted(const publisher *p, const char *topic)
{
    for (size_t i = 0; i < p->n_topics; i++)
        if (strncmp(topic, p->topics[i], strlen(p->topics[i])) == 0)
            return true;
    return false;
}

static void send_frames(publisher *p, const char *topic, const void *body, size_t len)
{
    zmq_send(p->socket, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(p->socket, body, len, ZMQ_DONTWAIT);
}

void publish_event(publisher *p, const void *event, size_t len, const char *const *nodes,
                   size_t n_nodes)
{
    if (publish_wanted(p, "all"))
        send_frames(p, "all", event, len);
    for (size_t i = 0; i < n_nodes; i++) {
        char topic[OKR_MAX_NAME + 8];
        snprintf(topic, sizeof topic, "node/%s/", nodes[i]);
        if (publish_wanted(p, topic))
            send_frames(p, topic, event, len);
    }
}

void publish_heartbeat(publisher *p, uint64_t seq, const unsigned char *epoch, size_t epoch_len,
                       int64_t started_at, int64_t now)
{
    Okr__Heartbeat hb = OKR__HEARTBEAT__INIT;
    hb.has_seq = hb.has_epoch = hb.has_started_at = hb.has_time = true;
    hb.seq = seq;
    hb.epoch.len = epoch_len;
    hb.epoch.data = (uint8_t *)epoch;
    hb.started_at = started_at;
    hb.time = now;
    uint8_t buf[128];
    if (okr__heartbeat__get_packed_size(&hb) > sizeof buf)
        return;
    size_t len = okr__heartbeat__pack(&hb, buf);
    if (publish_wanted(p, "hb"))
        send_frames(p, "hb", buf, len);
}
