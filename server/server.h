/* server.h — the okrd process: configuration, sockets, the request loop.
 *
 * The server's whole state is one `okrd` struct passed explicitly; the only
 * global is the stop flag that the signal handler sets (main.c). */
#ifndef OKR_SERVER_H
#define OKR_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "batch.h"
#include "logging.h"
#include "metrics.h"
#include "publish.h"
#include "score.h"
#include "staging.h"
#include "store.h"
#include "version.h"


typedef struct {
    const char *data_dir;
    const char *listen;        /* ROUTER endpoint for requests */
    const char *publish;       /* PUB endpoint for events */
    size_t map_size;           /* initial LMDB map size; grows on MDB_MAP_FULL */
    bool insecure;             /* allow binding non-loopback without CURVE */
    bool secure;               /* CURVE + ZAP on both sockets; users and roles apply */
    uint64_t retain_events;    /* keep this many newest events; 0 keeps all */
    int pub_hwm;               /* messages queued per subscriber before PUB drops */
    int pub_sndbuf;            /* kernel send buffer per subscriber, bytes (0: OS) */
    score_health_settings health;
    int slow_ms;               /* log batches taking at least this long; -1: never */
    log_level log_level;       /* log lines at this level and more severe */
    bool use_syslog;           /* log to syslog(3) instead of stderr */
    int import_idle_s;         /* a staged import is dropped after this long without a part */
} okrd_config;

typedef struct okrd okrd;

struct okrd {
    okrd_config cfg;
    store st;
    void *zmq;
    void *router;
    publisher pub;
    auth auth;                 /* secure mode: key pair, users, ZAP handler */
    batch batch;               /* the requests being served */
    metrics metrics;           /* counters since start (metrics.h) */
    staging_table staging;     /* unfinished staged imports (staging.h) */
    uint64_t last_seq;         /* last committed event seq */
    int64_t started_at;
    char request_endpoint[256];
    char event_endpoint[256];
};

/* Whether both endpoints may be bound in this mode (endpoint.c); prints why
 * not. Call it before anything is created: the data directory, its lock. */
int server_check_endpoints(const okrd_config *cfg);

/* Open the store and bind the sockets; prints the "okrd: ready ..." line on
 * stderr. Returns 0, or after printing why: -2 when the data directory's
 * store was refused (damaged, foreign, another schema), -1 otherwise. */
int server_open(okrd *s, const okrd_config *cfg);

/* Serve until *stop becomes non-zero. Returns 0 on a clean stop. */
int server_run(okrd *s, volatile sig_atomic_t *stop);

void server_close(okrd *s);

#endif
