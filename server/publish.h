/* publish.h — the event side of okrd: an XPUB socket, the topics someone
 * subscribes to, events and heartbeats (docs/protocol.md, "Topics").
 *
 * XPUB tells us which topics are subscribed (each first subscription and
 * last unsubscription), so an event goes out on a node topic only when
 * someone may follow it (an unsubscription may be a stray one, so a topic
 * is forgotten only once nobody is connected). The topics okrd keeps are
 * bounded: a topic that can match nothing okrd publishes (too long, an
 * embedded NUL, not a prefix of "all", "hb" or "node/ID/") is refused, and
 * so is any topic past PUBLISH_MAX_TOPICS. What libzmq keeps is bounded
 * too: it drops a connection whose frame exceeds PUBLISH_MAX_FRAME before
 * storing it, and a guard thread shuts one down past
 * PUBLISH_MAX_CONN_BYTES (its subscriptions go with it). Refusing never
 * costs another subscriber an event: "all" and "hb" always go out, and
 * once a node topic was refused for room every node topic does (libzmq
 * still filters per connection). Sends never block: a slow subscriber
 * loses messages at its high-water mark and replays the gap. */
#ifndef OKR_PUBLISH_H
#define OKR_PUBLISH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

/* Longest topic kept: "node/" + an id of 11 characters + "/" is 17. */
#define PUBLISH_MAX_TOPIC 32
/* Distinct topics kept (all subscribers together; see docs/protocol.md,
 * "Limits on subscriptions", for why not per connection). */
#define PUBLISH_MAX_TOPICS 10000
/* ZMQ_MAXMSGSIZE of the XPUB socket: every frame a subscriber sends (its
 * handshake — a CURVE INITIATE is about 300 bytes — and each subscription,
 * 10 bytes + the topic in ZMTP 3.1). A larger frame drops the connection. */
#define PUBLISH_MAX_FRAME 512
/* Bytes one TCP connection may send okrd's XPUB socket (its handshake and
 * every (un)subscription: 2 + 10 + the topic each in ZMTP 3.1, so about
 * 2,200 node topics). libzmq keeps what a connection subscribes to, up to
 * ~32 bytes of trie for each byte of topic, and has no per-connection
 * limit of its own: past this okrd shuts the connection down. */
#define PUBLISH_MAX_CONN_BYTES (64 * 1024)

struct topic_entry;

typedef struct publisher {
    void *socket;                 /* XPUB */
    struct topic_entry *topics;   /* uthash set of the subscribed topics kept */
    uint64_t n_topics;            /* kept and followed (Status.subscriptions) */
    uint64_t n_doubted;           /* kept after an unsubscription (publish.c) */
    bool heard;                   /* a subscription message since the last heartbeat */
    uint64_t refused;             /* subscriptions refused since start */
    bool overflowed;              /* a node topic was refused for room */
    /* The guard thread (publish.c): it alone uses monitor and epoll_fd. */
    void *monitor;                /* PAIR: the XPUB's connection events */
    int port;                     /* the XPUB's TCP port (0: not TCP, no guard) */
    uint64_t generation;          /* sockets this publisher has had (re-binds) */
    int epoll_fd;                 /* the subscribers' connections */
    int stop_fd;                  /* eventfd: tells the guard to exit */
    pthread_t guard;
    bool guard_running;
    _Atomic uint64_t dropped;     /* connections shut for PUBLISH_MAX_CONN_BYTES */
    _Atomic uint64_t connections; /* subscribers' connections now (the guard counts) */
} publisher;

/* Create the XPUB socket on ctx, bind endpoint; the bound endpoint (with the
 * real port) is written to bound. hwm/sndbuf: per-subscriber queue limits
 * (sndbuf 0: the OS default). Returns 0, or -1 after printing why. */
int publish_open(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                 char *bound, size_t len);
/* The same as a CURVE server that asks a's ZAP handler (secure mode; a NULL:
 * plain, as publish_open). */
int publish_open_secure(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                        const auth *a, char *bound, size_t len);
/* Close the socket and bind a new one on the same endpoint (a resolved one:
 * the same port), retrying for up to deadline_ms while the old listener is
 * still going away. Every subscriber is cut off and must reconnect, which
 * passes ZAP again. The counters (refused, dropped) carry over. 0, or -1
 * after printing why (p is then closed). */
int publish_rebind(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                   const auth *a, int deadline_ms);
void publish_close(publisher *p);

/* Read the subscription messages waiting on the socket (call when it polls
 * readable). Each costs O(topic length). */
void publish_read_subscriptions(publisher *p);

/* True when topic (a C string okrd publishes on) may have a subscriber:
 * some kept topic is a prefix of it, or it is "all"/"hb", or a node topic
 * after an overflow. O(strlen(topic)) lookups. */
bool publish_wanted(const publisher *p, const char *topic);

/* Topics kept now, subscriptions refused and connections dropped since
 * start (status). */
uint64_t publish_subscriptions(const publisher *p);
uint64_t publish_refused(const publisher *p);
uint64_t publish_dropped(const publisher *p);
/* Connections to the XPUB socket now, and whether they are counted (only
 * with a TCP endpoint, which has the guard thread). */
bool publish_subscribers(const publisher *p, uint64_t *n);

/* An event (the packed Event as stored): on "all", and on "node/ID/" for
 * each id in nodes, with Event.commit_time set to commit_time (Unix us). */
void publish_event(publisher *p, const void *event, size_t len, int64_t commit_time,
                   const char *const *nodes, size_t n_nodes);

/* A heartbeat on "hb". When the guard counts no connection and no
 * subscription message came since the last heartbeat, the topics kept
 * after an unsubscription are forgotten and an overflow ends. */
void publish_heartbeat(publisher *p, uint64_t seq, const unsigned char *epoch, size_t epoch_len,
                       int64_t started_at, int64_t now);

#endif
