/* driver.c — closed-loop load: N DEALER clients x W requests in flight.
 *
 * One thread and one ZeroMQ context drive every client, so the load
 * generator costs one core at most (plus the context's I/O thread) whatever
 * N is; on a 2-core machine that matters, since the server under test needs
 * the other. The same driver measures the bare echo floor and okrd, so the
 * two differ only in what answers.
 *
 * Each request id is (client << 48 | seq); a per-client ring indexed by seq
 * keeps the send time, so a reply's latency is known without a search. seq
 * starts at random (below 2^40) in every run: okrd answers a repeated
 * (user, request id) with its first reply instead of doing it (exactly
 * once), so ids must not repeat across runs. */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "okr_limits.h"
#include "wire.h"

#define ID_SHIFT 48
#define SEQ_MASK (((uint64_t)1 << ID_SHIFT) - 1)
#define STALL_NS ((int64_t)10 * 1000000000)
#define MIN_CYCLES 4
#define MAX_STRETCH 4

typedef struct {
    void *sock;
    int64_t *sent;          /* ring of send times */
    uint64_t mask;
    uint64_t next_seq;
} driver_client;

static char last_error[256];

const char *driver_last_error(void) { return last_error; }

int driver_parse_response(void *ctx, const void *data, size_t len, uint64_t *request_id)
{
    (void)ctx;
    Okr__Response *r = okr__response__unpack(NULL, len, data);
    if (r == NULL)
        return -1;
    *request_id = r->request_id;
    int refused = r->error && r->error->has_code && r->error->code != OKR__ERROR_CODE__OK;
    if (refused && last_error[0] == '\0')
        snprintf(last_error, sizeof last_error, "%s: %s", wire_error_name(r->error->code),
                 r->error->message ? r->error->message : "");
    okr__response__free_unpacked(r, NULL);
    return refused;
}

int driver_parse_echo(void *ctx, const void *data, size_t len, uint64_t *request_id)
{
    (void)ctx;
    Okr__Request *r = okr__request__unpack(NULL, len, data);
    if (r == NULL)
        return -1;
    *request_id = r->request_id;
    okr__request__free_unpacked(r, NULL);
    return 0;
}

static int send_next(const driver_spec *spec, driver_client *c, size_t index)
{
    Okr__Request req = OKR__REQUEST__INIT;
    spec->make(spec->ctx, &req);
    uint64_t seq = c->next_seq++;
    req.has_version = req.has_request_id = true;
    req.version = OKR_PROTOCOL_VERSION;
    req.request_id = ((uint64_t)index << ID_SHIFT) | seq;
    req.user = BENCH_USER;
    c->sent[seq & c->mask] = clock_mono_ns();
    return wire_send(c->sock, &req.base, 0);
}

int driver_run(const driver_spec *spec, bench_run *out, hist *h)
{
    int n = spec->clients;
    uint64_t ring = 1;
    while (ring < (uint64_t)spec->window)
        ring <<= 1;
    void *ctx = zmq_ctx_new();
    driver_client *cl = calloc((size_t)n, sizeof *cl);
    zmq_pollitem_t *items = calloc((size_t)n, sizeof *items);
    int64_t *times = calloc((size_t)n * ring, sizeof *times);
    hist *local = malloc(sizeof *local);
    if (cl == NULL || items == NULL || times == NULL || local == NULL)
        bench_die("out of memory");
    hist_init(local);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        cl[i].sock = zmq_socket(ctx, ZMQ_DEALER);
        cl[i].sent = times + (size_t)i * ring;
        cl[i].mask = ring - 1;
        if (getrandom(&cl[i].next_seq, sizeof cl[i].next_seq, 0) != sizeof cl[i].next_seq)
            cl[i].next_seq = (uint64_t)clock_mono_ns();
        cl[i].next_seq &= ((uint64_t)1 << 40) - 1;
        int linger = 0, hwm = 100000;
        int64_t maxmsg = OKR_MAX_RESPONSE_FRAME;
        zmq_setsockopt(cl[i].sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(cl[i].sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt(cl[i].sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
        zmq_setsockopt(cl[i].sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
        if (conn_curve_apply(spec->curve, cl[i].sock) != 0)
            bench_die("CURVE keys: %s", zmq_strerror(errno));
        if (zmq_connect(cl[i].sock, spec->endpoint) != 0)
            bench_die("connect %s: %s", spec->endpoint, zmq_strerror(errno));
        items[i] = (zmq_pollitem_t){cl[i].sock, 0, ZMQ_POLLIN, 0};
    }

    /* The window is `seconds` long, or longer for slow requests: it ends
     * only once it holds MIN_CYCLES x the requests in flight (at most
     * MAX_STRETCH x `seconds`), so a rate never rests on a handful of
     * replies. */
    int64_t t0 = clock_mono_ns();
    int64_t t_measure = t0 + (int64_t)(spec->warmup_s * 1e9);
    int64_t t_stop = t_measure + (int64_t)(spec->seconds * 1e9);
    int64_t t_limit = t_measure + (int64_t)(MAX_STRETCH * spec->seconds * 1e9);
    uint64_t min_ops = (uint64_t)MIN_CYCLES * (uint64_t)n * (uint64_t)spec->window;
    bool stopped = false;
    int64_t last_reply = t0;
    uint64_t outstanding = 0, ops = 0, errors = 0;
    for (int i = 0; i < n; i++)
        for (int w = 0; w < spec->window; w++, outstanding++)
            if (send_next(spec, &cl[i], (size_t)i) != 0)
                bench_die("send: %s", zmq_strerror(errno));

    zmq_msg_t m;
    zmq_msg_init(&m);
    while (outstanding > 0) {
        int64_t now = clock_mono_ns();
        if (now - last_reply > STALL_NS) {
            bench_note("no reply for %lld s with %llu requests in flight",
                       (long long)(STALL_NS / 1000000000), (unsigned long long)outstanding);
            rc = -1;
            break;
        }
        if (zmq_poll(items, n, 100) < 0 && errno != EINTR)
            bench_die("poll: %s", zmq_strerror(errno));
        for (int i = 0; i < n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (zmq_msg_recv(&m, cl[i].sock, ZMQ_DONTWAIT) >= 0) {
                int64_t t = clock_mono_ns();
                uint64_t id = 0;
                int status = spec->parse(spec->ctx, zmq_msg_data(&m), zmq_msg_size(&m), &id);
                if (status < 0 || (id >> ID_SHIFT) != (uint64_t)i)
                    bench_die("a reply that is not an answer to this client");
                last_reply = t;
                outstanding--;
                if (!stopped && t >= t_stop && (ops >= min_ops || t >= t_limit)) {
                    stopped = true;
                    t_stop = t;
                }
                if (t >= t_measure && !stopped) {
                    ops++;
                    errors += status == 1;
                    hist_add(local, (uint64_t)(t - cl[i].sent[(id & SEQ_MASK) & cl[i].mask]));
                }
                if (!stopped) {
                    if (send_next(spec, &cl[i], (size_t)i) != 0)
                        bench_die("send: %s", zmq_strerror(errno));
                    outstanding++;
                }
            }
        }
    }
    zmq_msg_close(&m);
    for (int i = 0; i < n; i++)
        zmq_close(cl[i].sock);
    zmq_ctx_term(ctx);

    memset(out, 0, sizeof *out);
    out->ops = ops;
    out->errors = errors;
    out->rate = (double)ops / ((double)(t_stop - t_measure) / 1e9);
    run_from_hist(out, local);
    if (h)
        hist_merge(h, local);
    free(local);
    free(times);
    free(items);
    free(cl);
    return rc;
}
