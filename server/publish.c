/* publish.c — the XPUB socket: subscriptions, events and heartbeats.
 *
 * The subscribed topics are a uthash set of byte strings (length-aware: a
 * topic may hold any byte, NUL included), so a subscription, an
 * unsubscription and each prefix lookup cost O(topic length) whatever the
 * number of subscribers. This file never blocks on a subscriber.
 *
 * libzmq keeps every subscription in its own trie, per connection, with no
 * limit but ZMQ_MAXMSGSIZE on each frame. To bound a connection's share,
 * a guard thread watches the XPUB's connections (a socket monitor gives
 * each one's fd) and the kernel's count of bytes received on each
 * (TCP_INFO) whenever one sends: one over PUBLISH_MAX_CONN_BYTES is shut
 * down, and libzmq then drops its subscriptions as for any disconnection.
 * It is a thread because libzmq reads a flood into its trie inside okrd's
 * own calls (one receive can take all of it), before a check between
 * calls could run. */
#include "publish.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "logging.h"
/* A full hash table refuses the topic instead of exiting (uthash's default):
 * add_failed is a local of subscribe(). */
#define HASH_NONFATAL_OOM 1
#define uthash_nonfatal_oom(elt) ((void)(elt), add_failed = true)
#include <uthash.h>

#include "endpoint.h"
#include "ids.h"
#include "okr.pb-c.h"
#include "okr_limits.h"

/* A topic okrd keeps. doubted: its last unsubscription arrived, which may
 * be a stray one (see unsubscribe()): still sent, no longer counted. */
struct topic_entry {
    UT_hash_handle hh;
    size_t len;
    bool doubted;
    unsigned char bytes[PUBLISH_MAX_TOPIC];
};

#define NODE_PREFIX "node/"
#define NODE_PREFIX_LEN 5
#define ID_MAX_DIGITS 10      /* OKR_NODE_MAX_NUM is 2147483647 */
/* Subscription messages libzmq queues from one connection before it stops
 * reading that connection: what it may still apply after a shutdown. */
#define INBOUND_HWM 100
/* SO_RCVBUF of each subscriber connection (Linux doubles it): what libzmq
 * may still read after okrd shut the connection (queued data stays
 * readable after shutdown). Subscriptions are small; this is plenty. */
#define INBOUND_RCVBUF (16 * 1024)

/* ------------------------------------------------------------ the guard */

/* The guard thread owns the monitor PAIR and an epoll set of the
 * subscribers' connections (edge-triggered: it wakes when one sends
 * something, as libzmq's own poller does). It never touches the XPUB. */

static bool is_our_connection(const publisher *p, int fd)
{
    struct sockaddr_storage a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return false;
    if (a.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&a)->sin_port) == p->port;
    if (a.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&a)->sin6_port) == p->port;
    return false;
}

/* Shut fd down once the kernel has received more than the budget on it:
 * libzmq then sees the end of the stream and drops its subscriptions. The
 * port check keeps a descriptor libzmq closed and reused elsewhere safe. */
static void check_connection(publisher *p, int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        info.tcpi_bytes_received <= PUBLISH_MAX_CONN_BYTES || !is_our_connection(p, fd))
        return;
    epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    shutdown(fd, SHUT_RDWR);
    atomic_fetch_add(&p->dropped, 1);
}

/* Apply the monitor's events: {uint16 event, uint32 fd}, then an address. */
static void read_connection_events(publisher *p)
{
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, p->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            return;
        }
        uint16_t event = 0;
        uint32_t fd = 0;
        if (zmq_msg_size(&head) >= 6) {
            memcpy(&event, zmq_msg_data(&head), sizeof event);
            memcpy(&fd, (const char *)zmq_msg_data(&head) + 2, sizeof fd);
        }
        zmq_msg_close(&head);
        zmq_msg_init(&addr);
        zmq_msg_recv(&addr, p->monitor, ZMQ_DONTWAIT);
        zmq_msg_close(&addr);
        if (event == ZMQ_EVENT_ACCEPTED) {
            struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = (int)fd};
            epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, (int)fd, &ev);
            atomic_fetch_add(&p->connections, 1);
            check_connection(p, (int)fd);       /* what came before it was watched */
        } else if (event == ZMQ_EVENT_DISCONNECTED) {
            epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, (int)fd, NULL);
            uint64_t now = atomic_load(&p->connections);   /* this thread alone writes it */
            if (now > 0)
                atomic_store(&p->connections, now - 1);
        }
    }
}

static void *guard_main(void *arg)
{
    publisher *p = arg;
    for (;;) {
        zmq_pollitem_t items[] = {{p->monitor, 0, ZMQ_POLLIN, 0},
                                  {NULL, p->epoll_fd, ZMQ_POLLIN, 0},
                                  {NULL, p->stop_fd, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (items[2].revents & ZMQ_POLLIN)
            return NULL;
        if (items[0].revents & ZMQ_POLLIN)
            read_connection_events(p);
        struct epoll_event ready[64];
        int n = epoll_wait(p->epoll_fd, ready, 64, 0);
        for (int i = 0; i < n; i++)
            check_connection(p, ready[i].data.fd);
    }
}

/* The monitor PAIR, attached before the socket binds, so that no
 * connection can be accepted unseen (the guard's count must never be too
 * low: a heartbeat forgets topics when it reads 0). Only TCP endpoints:
 * ipc has no byte count. */
static int attach_monitor(publisher *p, void *ctx, const char *endpoint)
{
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return 0;
    char ep[96];
    /* A new name for every socket: a re-bound XPUB's monitor must not meet
     * the old one's endpoint, which libzmq releases only later. */
    snprintf(ep, sizeof ep, "inproc://okrd-publish-monitor-%p-%llu", (void *)p,
             (unsigned long long)p->generation);
    if (zmq_socket_monitor(p->socket, ep, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0)
        return -1;
    p->monitor = zmq_socket(ctx, ZMQ_PAIR);
    if (p->monitor == NULL || zmq_connect(p->monitor, ep) != 0)
        return -1;
    return 0;
}

/* The epoll set and the thread (signals blocked in it: they are the main
 * loop's), once the socket is bound on its port. */
static int start_guard(publisher *p, const char *bound)
{
    const char *colon = strrchr(bound, ':');
    if (p->monitor == NULL)
        return 0;
    if (strncmp(bound, "tcp://", 6) != 0 || colon == NULL) {
        zmq_socket_monitor(p->socket, NULL, 0);   /* unread events must not pile up */
        return 0;
    }
    p->port = atoi(colon + 1);
    p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    p->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (p->epoll_fd < 0 || p->stop_fd < 0)
        return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&p->guard, NULL, guard_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    p->guard_running = true;
    return 0;
}

static void stop_guard(publisher *p)
{
    if (p->guard_running) {
        uint64_t one = 1;
        if (write(p->stop_fd, &one, sizeof one) == sizeof one)
            pthread_join(p->guard, NULL);
        p->guard_running = false;
    }
    if (p->monitor)
        zmq_close(p->monitor);
    if (p->epoll_fd > 0)                  /* 0: a zeroed publisher, never opened */
        close(p->epoll_fd);
    if (p->stop_fd > 0)
        close(p->stop_fd);
}

/* The XPUB socket on endpoint; a (when not NULL) makes it a CURVE server.
 * report: print why a bind failed. */
static int open_xpub(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                     const auth *a, bool report, uint64_t generation, char *bound, size_t len)
{
    memset(p, 0, sizeof *p);
    p->generation = generation;
    p->epoll_fd = p->stop_fd = -1;
    p->socket = zmq_socket(ctx, ZMQ_XPUB);
    if (p->socket == NULL)
        return -1;
    int linger = 0;
    int64_t maxmsg = PUBLISH_MAX_FRAME;
    zmq_setsockopt(p->socket, ZMQ_LINGER, &linger, sizeof linger);
    int inbound = INBOUND_HWM, rcvbuf = INBOUND_RCVBUF;
    zmq_setsockopt(p->socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p->socket, ZMQ_RCVHWM, &inbound, sizeof inbound);
    zmq_setsockopt(p->socket, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(p->socket, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (sndbuf > 0)
        zmq_setsockopt(p->socket, ZMQ_SNDBUF, &sndbuf, sizeof sndbuf);
    endpoint_set_ipv6(p->socket, endpoint);
    if (attach_monitor(p, ctx, endpoint) != 0) {
        log_error("cannot watch %s: %s", endpoint, zmq_strerror(errno));
        publish_close(p);
        return -1;
    }
    if ((a && auth_secure_socket(a, p->socket) != 0) || zmq_bind(p->socket, endpoint) != 0) {
        if (report)
            log_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        publish_close(p);
        return -1;
    }
    zmq_getsockopt(p->socket, ZMQ_LAST_ENDPOINT, bound, &len);
    if (report)
        log_info("publishing events on %s", bound);
    if (start_guard(p, bound) != 0) {
        log_error("cannot watch %s: %s", bound, zmq_strerror(errno));
        publish_close(p);
        return -1;
    }
    return 0;
}

int publish_open(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                 char *bound, size_t len)
{
    return open_xpub(p, ctx, endpoint, hwm, sndbuf, NULL, true, 0, bound, len);
}

int publish_open_secure(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                        const auth *a, char *bound, size_t len)
{
    return open_xpub(p, ctx, endpoint, hwm, sndbuf, a, true, 0, bound, len);
}

/* libzmq closes the old listener in its I/O thread, so the port may still be
 * taken for a moment: try again every 10 ms until the deadline. */
int publish_rebind(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                   const auth *a, int deadline_ms)
{
    char bound[256];
    uint64_t refused = p->refused, dropped = p->dropped, generation = p->generation;
    publish_close(p);
    for (int waited = 0;; waited += 10) {
        bool last = waited >= deadline_ms;
        if (open_xpub(p, ctx, endpoint, hwm, sndbuf, a, last, ++generation, bound,
                      sizeof bound) == 0) {
            p->refused = refused;
            p->dropped = dropped;
            return 0;
        }
        if (last)
            return -1;
        nanosleep(&(struct timespec){0, 10 * 1000000}, NULL);
    }
}

static void forget(publisher *p, struct topic_entry *e)
{
    HASH_DEL(p->topics, e);
    free(e);
}

void publish_close(publisher *p)
{
    stop_guard(p);
    if (p->socket)
        zmq_close(p->socket);
    struct topic_entry *e, *next;
    HASH_ITER(hh, p->topics, e, next) {
        forget(p, e);
    }
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------ topics */

static bool is_prefix_of(const unsigned char *t, size_t len, const char *word)
{
    return len <= strlen(word) && memcmp(t, word, len) == 0;
}

/* The rest of a node topic after "node/": a prefix of "O12/" or "K40/"
 * (the id as okrd spells it: capital letter, no leading zero). */
static bool is_node_rest(const unsigned char *t, size_t len)
{
    if (len == 0)
        return true;
    if (t[0] != 'O' && t[0] != 'K')
        return false;
    size_t digits = 0;
    while (1 + digits < len && t[1 + digits] >= '0' && t[1 + digits] <= '9')
        digits++;
    if (digits > ID_MAX_DIGITS || (digits > 0 && t[1] == '0'))
        return false;
    size_t rest = len - 1 - digits;
    return rest == 0 || (rest == 1 && digits > 0 && t[len - 1] == '/');
}

/* True when a subscription to t can match a topic okrd publishes. */
static bool topic_is_useful(const unsigned char *t, size_t len)
{
    if (len > PUBLISH_MAX_TOPIC)
        return false;
    if (is_prefix_of(t, len, "all") || is_prefix_of(t, len, "hb") ||
        is_prefix_of(t, len, NODE_PREFIX))
        return true;
    return memcmp(t, NODE_PREFIX, NODE_PREFIX_LEN) == 0 &&
           is_node_rest(t + NODE_PREFIX_LEN, len - NODE_PREFIX_LEN);
}

static struct topic_entry *find_topic(const publisher *p, const void *t, size_t len)
{
    struct topic_entry *e = NULL;
    HASH_FIND(hh, p->topics, t, len, e);
    return e;
}

static void subscribe(publisher *p, const unsigned char *t, size_t len)
{
    if (!topic_is_useful(t, len)) {
        p->refused++;
        return;
    }
    struct topic_entry *e = find_topic(p, t, len);
    if (e && !e->doubted)                 /* a repeat (an XSUB may send one) */
        return;
    if (e && p->n_topics >= PUBLISH_MAX_TOPICS) {
        p->refused++;                     /* no room to count it: still sent, doubted */
        return;
    }
    if (e) {                              /* followed again: counted again */
        e->doubted = false;
        p->n_doubted--;
        p->n_topics++;
        return;
    }
    if (p->n_topics < PUBLISH_MAX_TOPICS)
        e = malloc(sizeof *e);
    bool add_failed = e == NULL;
    if (e) {
        e->len = len;
        e->doubted = false;
        memcpy(e->bytes, t, len);
        HASH_ADD_KEYPTR(hh, p->topics, e->bytes, e->len, e);
    }
    if (add_failed) {
        free(e);
        /* Not kept: from now on every node topic is sent, so whoever
         * subscribed to this one still gets its events. */
        p->refused++;
        p->overflowed = true;
        return;
    }
    p->n_topics++;
}

/* libzmq reports a topic's last unsubscription, but also one from a
 * connection that never subscribed to it (its trie finds nothing to remove
 * and passes the message on), and the message names no connection. So an
 * unsubscription only makes a topic doubted: still sent (libzmq filters),
 * no longer counted, forgotten when nobody is connected (publish_heartbeat).
 * Doubted topics are bounded like kept ones; past that every node topic is
 * sent instead. */
static void unsubscribe(publisher *p, const unsigned char *t, size_t len)
{
    struct topic_entry *e = len <= PUBLISH_MAX_TOPIC ? find_topic(p, t, len) : NULL;
    if (e == NULL || e->doubted)
        return;                           /* refused, never subscribed, or a repeat */
    p->n_topics--;
    if (p->n_doubted < PUBLISH_MAX_TOPICS) {
        e->doubted = true;
        p->n_doubted++;
        return;
    }
    forget(p, e);
    p->overflowed = true;
}

/* Nobody is connected, so libzmq holds no subscription: the doubted topics
 * and an overflow can go. Only where the guard counts connections (TCP),
 * and not at the first heartbeat after a subscription message: the guard
 * learns of a connection a moment after libzmq accepted it, so a count of 0
 * just after a subscription arrived may be a connection not yet counted. */
static void forget_doubted(publisher *p)
{
    uint64_t connections = 0;
    bool heard = p->heard;
    p->heard = false;
    if (heard || !publish_subscribers(p, &connections) || connections > 0 ||
        (p->n_doubted == 0 && !p->overflowed))
        return;
    struct topic_entry *e, *next;
    HASH_ITER(hh, p->topics, e, next) {
        if (e->doubted)
            forget(p, e);
    }
    p->n_doubted = 0;
    p->overflowed = false;
}

/* ------------------------------------------------------------ subscriptions */

/* XPUB hands us one message per change: byte 1 = subscribe, 0 = unsubscribe,
 * then the topic (any bytes). Without ZMQ_XPUB_VERBOSE only the first
 * subscription and the last unsubscription of a topic arrive, so a set is
 * enough. ZMQ_XPUB_MANUAL would not help: libzmq 4.3.4 still stores every
 * subscription of a manual XPUB (to unsubscribe on disconnect), and may
 * apply ZMQ_SUBSCRIBE to a pipe already freed (fixed in 4.3.5). */
void publish_read_subscriptions(publisher *p)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, p->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        const unsigned char *data = zmq_msg_data(&msg);
        size_t size = zmq_msg_size(&msg);
        p->heard = true;
        if (size >= 1 && data[0] == 1)
            subscribe(p, data + 1, size - 1);
        else if (size >= 1 && data[0] == 0)
            unsubscribe(p, data + 1, size - 1);
        zmq_msg_close(&msg);
    }
}

/* True when some kept topic is a prefix of topic of length >= from. */
static bool prefix_kept(const publisher *p, const char *topic, size_t from)
{
    size_t len = strlen(topic);
    for (size_t n = from; n <= len && n <= PUBLISH_MAX_TOPIC; n++)
        if (find_topic(p, topic, n))
            return true;
    return false;
}

/* True when "node/" or one of its prefixes is kept (or topics overflowed):
 * then every node topic is wanted. */
static bool every_node_wanted(const publisher *p)
{
    return p->overflowed || prefix_kept(p, "node/", 0);
}

bool publish_wanted(const publisher *p, const char *topic)
{
    if (strcmp(topic, "all") == 0 || strcmp(topic, "hb") == 0)
        return true;
    if (strncmp(topic, NODE_PREFIX, NODE_PREFIX_LEN) == 0 && every_node_wanted(p))
        return true;
    return prefix_kept(p, topic, 0);
}

uint64_t publish_subscriptions(const publisher *p) { return p->n_topics; }
uint64_t publish_refused(const publisher *p) { return p->refused; }
uint64_t publish_dropped(const publisher *p) { return atomic_load(&p->dropped); }

bool publish_subscribers(const publisher *p, uint64_t *n)
{
    *n = atomic_load(&p->connections);
    return p->guard_running;
}

/* ------------------------------------------------------------ sending */

static void send_frames(publisher *p, const char *topic, const void *body, size_t len)
{
    zmq_send(p->socket, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(p->socket, body, len, ZMQ_DONTWAIT);
}

/* The stored event with Event.commit_time appended: protobuf merges a
 * repeated scalar field as "last one wins", so appending the field's bytes
 * to the packed message is the same as packing it with the field set, and
 * the stored bytes need not be packed again. Returns the length written. */
static size_t with_commit_time(uint8_t *out, const void *event, size_t len, int64_t commit_time)
{
    memcpy(out, event, len);
    size_t n = len;
    out[n++] = (uint8_t)((8u << 3) | 0u);      /* field 8, varint */
    uint64_t v = (uint64_t)commit_time;
    do {
        out[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n++] |= v ? 0x80 : 0;
    } while (v);
    return n;
}

#define COMMIT_TIME_BYTES 11   /* tag + a 10-byte varint at most */
#define EVENT_STACK_BYTES 4096

/* "all" always goes out (one send; libzmq drops it when nobody matches):
 * an unsubscription names no connection, so one that never subscribed
 * could otherwise switch "all" off for everyone. */
void publish_event(publisher *p, const void *event, size_t len, int64_t commit_time,
                   const char *const *nodes, size_t n_nodes)
{
    uint8_t stack[EVENT_STACK_BYTES];
    uint8_t *buf = len + COMMIT_TIME_BYTES <= sizeof stack ? stack
                                                           : malloc(len + COMMIT_TIME_BYTES);
    if (buf != NULL)
        len = with_commit_time(buf, event, len, commit_time);
    const void *body = buf ? buf : event;     /* out of memory: without the stamp */
    send_frames(p, "all", body, len);
    bool every_node = every_node_wanted(p);
    for (size_t i = 0; i < n_nodes; i++) {
        char topic[OKR_MAX_NAME + 8];
        snprintf(topic, sizeof topic, NODE_PREFIX "%s/", nodes[i]);
        if (every_node || prefix_kept(p, topic, NODE_PREFIX_LEN + 1))
            send_frames(p, topic, body, len);
    }
    if (buf != stack)
        free(buf);
}

void publish_heartbeat(publisher *p, uint64_t seq, const unsigned char *epoch, size_t epoch_len,
                       int64_t started_at, int64_t now)
{
    forget_doubted(p);
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
    send_frames(p, "hb", buf, len);
}
