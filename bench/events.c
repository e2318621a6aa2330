/* events.c — how long a committed change takes to reach its subscribers.
 *
 * One writer checks in one request at a time (so each group commit holds
 * one check-in); a second thread holds the subscribers: raw SUB sockets on
 * topic "all" in one context, or one client/monitor.c monitor (the lossless
 * clone-pattern library). Every delivery is stamped with CLOCK_REALTIME as
 * soon as it is received (all ready sockets are drained before anything is
 * decoded, so decoding never delays a later socket's stamp).
 *
 * Two latencies per delivery, both on this machine's wall clock:
 *   request -> subscriber   receipt - Event.time; Event.time is okrd's time
 *                           when it began the request, so this includes the
 *                           durable commit (the fsync).
 *   commit -> subscriber    receipt - Event.commit_time; okrd stamps each
 *                           live event with its clock right after the commit
 *                           returned (same host, same clock), so this is the
 *                           delivery delay alone: publishing, the XPUB
 *                           queue, the kernel and the subscriber's wake-up. */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "monitor.h"
#include "wire.h"

#define PENDING_MAX 4096
#define READY_TIMEOUT_NS ((int64_t)10 * 1000000000)

typedef struct {
    uint64_t seq;
    int64_t recv_ns;       /* CLOCK_REALTIME at receipt */
    int64_t event_us;      /* Event.time */
    int64_t commit_us;     /* Event.commit_time (0: the event had none) */
} delivery;

typedef struct {
    const events_spec *spec;
    const char *requests, *events;
    uint64_t from_seq;
    atomic_bool stop;
    atomic_int started;           /* sockets made and connected */
    atomic_int ready;             /* subscribers that have received an event */
    bool *seen;
    delivery *log;
    atomic_size_t n;
    size_t cap;
    char error[256];
} sub_state;

static void record(sub_state *s, const Okr__Event *ev, int64_t recv_ns)
{
    size_t i = atomic_load(&s->n);
    if (i < s->cap) {
        s->log[i] = (delivery){ev->seq, recv_ns, ev->time,
                               ev->has_commit_time ? ev->commit_time : 0};
        atomic_store(&s->n, i + 1);
    }
}

typedef struct {
    zmq_msg_t body;
    int64_t recv_ns;
    int sub;
} pending;

static void run_raw(sub_state *s)
{
    int n = s->spec->subscribers;
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, n + 16);
    void **subs = calloc((size_t)n, sizeof *subs);
    zmq_pollitem_t *items = calloc((size_t)n, sizeof *items);
    pending *pend = calloc(PENDING_MAX, sizeof *pend);
    if (subs == NULL || items == NULL || pend == NULL)
        bench_die("out of memory");
    for (int i = 0; i < n; i++) {
        subs[i] = zmq_socket(ctx, ZMQ_SUB);
        int linger = 0, hwm = 100000;
        zmq_setsockopt(subs[i], ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(subs[i], ZMQ_RCVHWM, &hwm, sizeof hwm);
        zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "all", 3);
        if (zmq_connect(subs[i], s->events) != 0)
            bench_die("connect %s: %s", s->events, zmq_strerror(errno));
        items[i] = (zmq_pollitem_t){subs[i], 0, ZMQ_POLLIN, 0};
    }
    atomic_store(&s->started, 1);
    zmq_msg_t topic;
    zmq_msg_init(&topic);
    while (!atomic_load(&s->stop)) {
        if (zmq_poll(items, n, 20) <= 0)
            continue;
        size_t np = 0;
        for (int i = 0; i < n && np < PENDING_MAX; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (np < PENDING_MAX && zmq_msg_recv(&topic, subs[i], ZMQ_DONTWAIT) >= 0) {
                zmq_msg_init(&pend[np].body);
                if (!zmq_msg_more(&topic) || zmq_msg_recv(&pend[np].body, subs[i], 0) < 0) {
                    zmq_msg_close(&pend[np].body);
                    continue;
                }
                pend[np].recv_ns = clock_real_ns();
                pend[np].sub = i;
                np++;
            }
        }
        for (size_t j = 0; j < np; j++) {
            Okr__Event *ev = okr__event__unpack(NULL, zmq_msg_size(&pend[j].body),
                                                zmq_msg_data(&pend[j].body));
            if (ev) {
                record(s, ev, pend[j].recv_ns);
                if (!s->seen[pend[j].sub]) {
                    s->seen[pend[j].sub] = true;
                    atomic_fetch_add(&s->ready, 1);
                }
                okr__event__free_unpacked(ev, NULL);
            }
            zmq_msg_close(&pend[j].body);
        }
    }
    zmq_msg_close(&topic);
    for (int i = 0; i < n; i++)
        zmq_close(subs[i]);
    zmq_ctx_term(ctx);
    free(pend);
    free(items);
    free(subs);
}

static void on_event(void *ctx, const Okr__Event *ev)
{
    sub_state *s = ctx;
    record(s, ev, clock_real_ns());
    if (!s->seen[0]) {
        s->seen[0] = true;
        atomic_fetch_add(&s->ready, 1);
    }
}

static void on_notice(void *ctx, const char *message)
{
    (void)ctx;
    if (bench_verbose)
        bench_note("monitor: %s", message);
}

static void run_monitor(sub_state *s)
{
    monitor_options opt = {
        .request_endpoint = s->requests,
        .event_endpoint = s->events,
        .from_seq = s->from_seq,
        .rcvhwm = 100000,
        .user = BENCH_USER,
    };
    monitor_callbacks cb = {.on_event = on_event, .on_notice = on_notice};
    monitor *m = monitor_new(&opt, &cb, s);
    if (m == NULL)
        bench_die("monitor_new failed");
    atomic_store(&s->started, 1);
    while (!atomic_load(&s->stop))
        if (monitor_poll(m, 20) != 0) {
            snprintf(s->error, sizeof s->error, "%s", monitor_error(m));
            break;
        }
    monitor_free(m);
}

static void *sub_main(void *arg)
{
    sub_state *s = arg;
    if (s->spec->use_monitor)
        run_monitor(s);
    else
        run_raw(s);
    return NULL;
}

/* Sleep until *next_at, then move it interval_us on (no catching up after
 * a slow step: the pace is a ceiling on the rate). */
static void pace(int64_t *next_at, int interval_us)
{
    if (interval_us <= 0)
        return;
    int64_t now = clock_mono_ns();
    if (*next_at > now) {
        struct timespec ts = {0, (long)(*next_at - now)};
        nanosleep(&ts, NULL);
        now = *next_at;
    }
    *next_at = now + (int64_t)interval_us * 1000;
}

/* One check-in, waited for; returns its seq (0 on failure). */
static uint64_t checkin_once(client *c, load_ctx *l)
{
    Okr__Request req = OKR__REQUEST__INIT;
    load_make_checkin(l, &req);
    Okr__Response *r = client_call(c, &req, 10000, NULL);
    uint64_t seq = 0;
    if (r && client_code(r) == OKR__ERROR_CODE__OK && r->body_case == OKR__RESPONSE__BODY_CHANGED)
        seq = r->changed->seq;
    else
        bench_note("events: check-in %s", r ? "refused" : "not answered");
    if (r)
        okr__response__free_unpacked(r, NULL);
    return seq;
}

/* Start the thread that runs `subs` subscribers (sub_main) and wait until
 * they are subscribed. requests/from_seq are for the monitor variant. */
static sub_state *start_subscribers(const events_spec *spec, const char *requests,
                                    const char *events, uint64_t from_seq, int subs,
                                    pthread_t *th)
{
    sub_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        bench_die("out of memory");
    s->spec = spec;
    s->requests = requests;
    s->events = events;
    s->from_seq = from_seq;
    s->cap = (size_t)subs * 40000 + 1024;
    s->log = malloc(s->cap * sizeof *s->log);
    s->seen = calloc((size_t)subs, sizeof *s->seen);
    if (s->log == NULL || s->seen == NULL)
        bench_die("out of memory");
    if (pthread_create(th, NULL, sub_main, s) != 0)
        bench_die("cannot start the subscriber thread");
    while (!atomic_load(&s->started))
        zmq_poll(NULL, 0, 1);
    return s;
}

int events_run(const char *requests, const char *events, const org *o,
               const events_spec *spec, events_result *out)
{
    memset(out, 0, sizeof *out);
    int subs = spec->use_monitor ? 1 : spec->subscribers;
    client c;
    if (client_open(&c, requests) != 0)
        return -1;
    Okr__Status st;
    if (client_status(&c, &st) != 0) {
        client_close(&c);
        return -1;
    }
    pthread_t th;
    sub_state *s = start_subscribers(spec, requests, events, st.last_seq, subs, &th);

    load_ctx l;
    load_init(&l, o, 0x5eed0000u + (uint64_t)subs);
    int rc = 0;
    /* Until every subscriber has its subscription in place (it has seen an
     * event), then the warm-up, then the measured window. */
    int64_t deadline = clock_mono_ns() + READY_TIMEOUT_NS;
    while (atomic_load(&s->ready) < subs) {
        if (clock_mono_ns() > deadline || checkin_once(&c, &l) == 0) {
            bench_note("events: only %d of %d subscribers received anything",
                       atomic_load(&s->ready), subs);
            rc = -1;
            break;
        }
        zmq_poll(NULL, 0, 1);
    }
    int64_t t_measure = clock_mono_ns() + (int64_t)(spec->warmup_s * 1e9);
    int64_t t_stop = t_measure + (int64_t)(spec->seconds * 1e9);
    uint64_t n_acks = 0, first = 0, last = 0;
    int64_t next_at = clock_mono_ns();
    while (rc == 0 && clock_mono_ns() < t_stop) {
        pace(&next_at, spec->interval_us);
        uint64_t seq = checkin_once(&c, &l);
        if (seq == 0) {
            rc = -1;
            break;
        }
        if (clock_mono_ns() < t_measure)
            continue;
        if (first == 0)
            first = seq;
        if (seq != first + n_acks) {
            bench_note("events: seq %llu is not contiguous (another writer?)",
                       (unsigned long long)seq);
            rc = -1;
            break;
        }
        n_acks++;
        last = seq;
    }
    /* Let the last event reach everyone (bounded), then stop. */
    deadline = clock_mono_ns() + (int64_t)2 * 1000000000;
    for (;;) {
        size_t got = 0, n = atomic_load(&s->n);
        for (size_t i = n > (size_t)subs * 4 ? n - (size_t)subs * 4 : 0; i < n; i++)
            got += s->log[i].seq == last;
        if (got >= (size_t)subs || clock_mono_ns() > deadline)
            break;
        zmq_poll(NULL, 0, 2);
    }
    atomic_store(&s->stop, true);
    pthread_join(th, NULL);
    client_close(&c);
    if (s->error[0])
        bench_note("events: %s", s->error);

    hist *hc = malloc(sizeof *hc), *hr = malloc(sizeof *hr);
    if (hc == NULL || hr == NULL)
        bench_die("out of memory");
    hist_init(hc);
    hist_init(hr);
    size_t n = atomic_load(&s->n);
    uint64_t found = 0, unstamped = 0, negative = 0;
    for (size_t i = 0; i < n && first; i++) {
        delivery *d = &s->log[i];
        if (d->seq < first || d->seq > last)
            continue;
        found++;
        double request = (double)d->recv_ns - (double)d->event_us * 1000.0;
        hist_add(hr, request < 0 ? 0 : (uint64_t)request);
        if (d->commit_us == 0) {
            unstamped++;
            continue;
        }
        /* commit_time is in whole microseconds: at most 1 us early, so a
         * delivery can read up to 1 us late, never early by more. */
        double commit = (double)d->recv_ns - (double)d->commit_us * 1000.0;
        negative += commit < 0;
        hist_add(hc, commit < 0 ? 0 : (uint64_t)commit);
    }
    out->events = n_acks;
    out->deliveries = found;
    out->missing = n_acks * (uint64_t)subs - found;
    run_from_hist(&out->commit, hc);
    run_from_hist(&out->request, hr);
    out->commit.ops = out->request.ops = found;
    out->commit.rate = out->request.rate = (double)n_acks / spec->seconds;
    if (unstamped)
        bench_note("events: %llu deliveries without Event.commit_time (left out of commit ->)",
                   (unsigned long long)unstamped);
    if (negative)
        bench_note("events: %llu deliveries stamped before their commit_time (clock step?)",
                   (unsigned long long)negative);
    free(hc);
    free(hr);
    free(s->log);
    free(s->seen);
    free(s);
    return rc;
}

/* ------------------------------------------------------------ the floor */

/* Bare PUB -> N SUB: the same subscriber thread, fed by a PUB socket in
 * this thread (own context, okrd's socket options) publishing an Event of
 * okrd's size about once a millisecond. Latency: receipt - publish, exact. */
int events_floor(const events_spec *spec, events_result *out)
{
    memset(out, 0, sizeof *out);
    int subs = spec->subscribers;
    void *ctx = zmq_ctx_new();
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    int linger = 0, hwm = 100000;               /* okrd's default --pub-hwm */
    zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    char endpoint[BENCH_EP_MAX];
    size_t len = sizeof endpoint;
    if (zmq_bind(pub, "tcp://127.0.0.1:*") != 0)
        bench_die("bind: %s", zmq_strerror(errno));
    zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, endpoint, &len);

    pthread_t th;
    sub_state *s = start_subscribers(spec, NULL, endpoint, 0, subs, &th);

    /* An event shaped like a check-in's: 12 score changes, 13 nodes. */
    Okr__Event ev = OKR__EVENT__INIT;
    Okr__ScoreChange changes[12], *change_list[12];
    char *nodes[13];
    char names[13][16];
    for (int i = 0; i < 13; i++) {
        snprintf(names[i], sizeof names[i], "%c%d", i % 2 ? 'O' : 'K', 100000 + i);
        nodes[i] = names[i];
        if (i < 12) {
            changes[i] = (Okr__ScoreChange)OKR__SCORE_CHANGE__INIT;
            changes[i].node = names[i];
            changes[i].has_old_score = changes[i].has_new_score = true;
            changes[i].old_score = 412345;
            changes[i].new_score = 423456;
            change_list[i] = &changes[i];
        }
    }
    ev.has_seq = ev.has_time = true;
    ev.actor = BENCH_USER;
    ev.subject = names[0];
    ev.n_scores = 12;
    ev.scores = change_list;
    ev.n_nodes = 13;
    ev.nodes = nodes;
    uint8_t buf[1024];

    size_t cap_pub = 1 << 16;
    int64_t *pub_ns = malloc(cap_pub * sizeof *pub_ns);
    if (pub_ns == NULL)
        bench_die("out of memory");
    uint64_t seq = 0, first = 0;
    int64_t next_at = clock_mono_ns();
    int64_t deadline = clock_mono_ns() + READY_TIMEOUT_NS;
    int64_t t_measure = 0, t_stop = 0;
    int rc = 0;
    for (;;) {
        int64_t now = clock_mono_ns();
        if (t_measure == 0 && atomic_load(&s->ready) >= subs) {
            t_measure = now + (int64_t)(spec->warmup_s * 1e9);
            t_stop = t_measure + (int64_t)(spec->seconds * 1e9);
        }
        if (t_measure == 0 && now > deadline) {
            bench_note("events floor: only %d of %d subscribers received anything",
                       atomic_load(&s->ready), subs);
            rc = -1;
            break;
        }
        if (t_stop && now >= t_stop)
            break;
        ev.seq = ++seq;
        int64_t t = clock_real_ns();
        ev.time = t / 1000;
        size_t n = okr__event__pack(&ev, buf);
        zmq_send(pub, "all", 3, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send(pub, buf, n, ZMQ_DONTWAIT);
        if (t_measure && now >= t_measure) {
            if (first == 0)
                first = seq;
            if (seq - first == cap_pub) {
                cap_pub *= 2;
                pub_ns = realloc(pub_ns, cap_pub * sizeof *pub_ns);
                if (pub_ns == NULL)
                    bench_die("out of memory");
            }
            pub_ns[seq - first] = t;
        }
        pace(&next_at, spec->interval_us ? spec->interval_us : 1000);
    }
    uint64_t last = seq;
    deadline = clock_mono_ns() + (int64_t)2 * 1000000000;
    while (clock_mono_ns() < deadline) {
        size_t got = 0, n = atomic_load(&s->n);
        for (size_t i = n > (size_t)subs * 4 ? n - (size_t)subs * 4 : 0; i < n; i++)
            got += s->log[i].seq == last;
        if (got >= (size_t)subs)
            break;
        zmq_poll(NULL, 0, 2);
    }
    atomic_store(&s->stop, true);
    pthread_join(th, NULL);
    zmq_close(pub);
    zmq_ctx_term(ctx);

    hist *h = malloc(sizeof *h);
    if (h == NULL)
        bench_die("out of memory");
    hist_init(h);
    size_t n = atomic_load(&s->n);
    uint64_t found = 0;
    for (size_t i = 0; i < n && first; i++) {
        delivery *d = &s->log[i];
        if (d->seq < first || d->seq > last)
            continue;
        found++;
        int64_t lat = d->recv_ns - pub_ns[d->seq - first];
        hist_add(h, lat < 0 ? 0 : (uint64_t)lat);
    }
    out->events = first ? last - first + 1 : 0;
    out->deliveries = found;
    out->missing = out->events * (uint64_t)subs - found;
    run_from_hist(&out->commit, h);
    out->commit.ops = found;
    out->commit.rate = (double)out->events / spec->seconds;
    free(h);
    free(pub_ns);
    free(s->log);
    free(s->seen);
    free(s);
    return rc;
}
