/* publish.h — the event side of okrd: an XPUB socket, the topics someone
 * subscribes to, events and heartbeats (docs/protocol.md, "Topics").
 *
 * XPUB tells us which topics are subscribed (each first subscription and
 * last unsubscription), so an event goes out only on the node topics that
 * have a subscriber — a check-in touching a dozen ancestors costs a dozen
 * sends only when a dozen monitors follow them. Sends never block: a slow
 * subscriber loses messages at its high-water mark and replays the gap. */
#ifndef OKR_PUBLISH_H
#define OKR_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

typedef struct {
    void *socket;             /* XPUB */
    char **topics;            /* subscribed prefixes */
    size_t n_topics, cap_topics;
} publisher;

/* Create the XPUB socket on ctx, bind endpoint; the bound endpoint (with the
 * real port) is written to bound. hwm/sndbuf: per-subscriber queue limits
 * (sndbuf 0: the OS default). Returns 0, or -1 after printing why. */
int publish_open(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                 char *bound, size_t len);
/* The same as a CURVE server that asks a's ZAP handler (secure mode). */
int publish_open_secure(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                        const auth *a, char *bound, size_t len);
/* Close the socket and bind a new one on the same endpoint (a resolved one:
 * the same port), retrying for up to deadline_ms while the old listener is
 * still going away. Every subscriber is cut off and must reconnect, which
 * passes ZAP again. 0, or -1 after printing why (p is then closed). */
int publish_rebind(publisher *p, void *ctx, const char *endpoint, int hwm, int sndbuf,
                   const auth *a, int deadline_ms);
void publish_close(publisher *p);

/* Read the subscription messages waiting on the socket (call when it polls
 * readable). */
void publish_read_subscriptions(publisher *p);

/* True when some subscription is a prefix of topic. */
bool publish_wanted(const publisher *p, const char *topic);

/* An event: on "all", and on "node/ID/" for each id in nodes. */
void publish_event(publisher *p, const void *event, size_t len, const char *const *nodes,
                   size_t n_nodes);

/* A heartbeat on "hb". */
void publish_heartbeat(publisher *p, uint64_t seq, const unsigned char *epoch, size_t epoch_len,
                       int64_t started_at, int64_t now);

#endif
