/* client.c — talking to okrd for set-up: a blocking call and pipelined
 * batches on one DEALER. Measured load goes through driver.c instead. */
#include "bench.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <zmq.h>

#include "okr_limits.h"
#include "wire.h"

#define PIPELINE_TIMEOUT_MS 10000

int client_open(client *c, const char *endpoint)
{
    memset(c, 0, sizeof *c);
    c->zmq = zmq_ctx_new();
    c->dealer = zmq_socket(c->zmq, ZMQ_DEALER);
    int linger = 0, hwm = 100000;
    int64_t maxmsg = OKR_MAX_RESPONSE_FRAME;
    zmq_setsockopt(c->dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->dealer, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(c->dealer, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(c->dealer, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (zmq_connect(c->dealer, endpoint) != 0) {
        bench_note("cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        client_close(c);
        return -1;
    }
    /* A random first id (below 2^62), as okr does: okrd answers a repeated
     * (user, request id) with its first reply, so ids must not repeat
     * across runs. */
    if (getrandom(&c->next_id, sizeof c->next_id, 0) != sizeof c->next_id)
        c->next_id = (uint64_t)clock_mono_ns();
    c->next_id = (c->next_id >> 2) | 1;
    return 0;
}

void client_close(client *c)
{
    if (c->dealer)
        zmq_close(c->dealer);
    if (c->zmq)
        zmq_ctx_term(c->zmq);
    memset(c, 0, sizeof *c);
}

static void fill_envelope(Okr__Request *req, uint64_t id)
{
    req->has_version = true;
    req->version = OKR_PROTOCOL_VERSION;
    req->has_request_id = true;
    req->request_id = id;
    req->user = BENCH_USER;
}

/* Receive one reply frame within timeout_ms; NULL on timeout. */
static Okr__Response *receive(client *c, int timeout_ms, size_t *bytes)
{
    zmq_pollitem_t item = {c->dealer, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, c->dealer, 0) < 0) {
        zmq_msg_close(&m);
        return NULL;
    }
    if (bytes)
        *bytes = zmq_msg_size(&m);
    Okr__Response *r = okr__response__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
    zmq_msg_close(&m);
    return r;
}

Okr__Response *client_call(client *c, Okr__Request *req, int timeout_ms, size_t *bytes)
{
    uint64_t id = c->next_id++;
    fill_envelope(req, id);
    if (wire_send(c->dealer, &req->base, 0) != 0)
        return NULL;
    int64_t deadline = clock_mono_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int left = (int)((deadline - clock_mono_ns()) / 1000000);
        if (left <= 0)
            return NULL;
        Okr__Response *r = receive(c, left, bytes);
        if (r == NULL)
            return NULL;
        if (r->request_id == id)
            return r;
        okr__response__free_unpacked(r, NULL);     /* a stale reply */
    }
}

Okr__ErrorCode client_code(const Okr__Response *r)
{
    return r->error && r->error->has_code ? r->error->code : OKR__ERROR_CODE__OK;
}

int client_status(client *c, Okr__Status *out)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet body = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &body;
    Okr__Response *r = client_call(c, &req, 10000, NULL);
    if (r == NULL || r->body_case != OKR__RESPONSE__BODY_STATUS) {
        if (r)
            okr__response__free_unpacked(r, NULL);
        return -1;
    }
    *out = *r->status;
    out->version = out->actor = out->event_endpoint = NULL;
    out->epoch.data = NULL;
    out->epoch.len = 0;
    okr__response__free_unpacked(r, NULL);
    return 0;
}

/* Request ids of a pipeline are base + i, so a reply names its index. */
int client_pipeline(client *c, size_t n, size_t window, client_make_fn make,
                    client_reply_fn on_reply, void *ctx)
{
    uint64_t base = c->next_id;
    c->next_id += n;
    size_t sent = 0, done = 0;
    while (done < n) {
        while (sent < n && sent - done < window) {
            Okr__Request req = OKR__REQUEST__INIT;
            make(ctx, sent, &req);
            fill_envelope(&req, base + sent);
            if (wire_send(c->dealer, &req.base, 0) != 0) {
                bench_note("send failed: %s", zmq_strerror(errno));
                return -1;
            }
            sent++;
        }
        Okr__Response *r = receive(c, PIPELINE_TIMEOUT_MS, NULL);
        if (r == NULL) {
            bench_note("okrd sent no reply for %d s (%zu of %zu answered)",
                       PIPELINE_TIMEOUT_MS / 1000, done, n);
            return -1;
        }
        if (r->request_id >= base && r->request_id < base + n) {
            on_reply(ctx, (size_t)(r->request_id - base), r);
            done++;
        }
        okr__response__free_unpacked(r, NULL);
    }
    return 0;
}
