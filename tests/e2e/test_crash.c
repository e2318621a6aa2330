/* test_crash.c — okrd keeps every acknowledged change through SIGKILL.
 *
 * A real okrd on a temporary directory; WRITERS threads, each with its own
 * ZeroMQ DEALER socket speaking the raw protocol (proto/okr.proto only),
 * send check-ins on their own KRs, add KRs and align their objective, one
 * request at a time, and record every request they sent: acknowledged (with
 * the seq its reply gave) or unknown (no reply before the kill). Meanwhile
 * the test SIGKILLs okrd at moments drawn from a seeded PRNG and restarts it
 * on the same data directory; the writers reconnect and go on with fresh
 * request ids and fresh values (a mutation is never resent, so the test holds
 * whether or not okrd answers a retried request id with its original reply).
 *
 * After the last kill it checks, through the protocol and okrd --verify:
 *   - the event log's seqs run 1..last_seq without a gap (Replay, in pages);
 *   - every acknowledged request is the event at the seq its reply gave;
 *   - every check-in in the log is one a writer sent, at most once (each
 *     value is unique), and each KR's History is exactly its check-ins in
 *     the log, acknowledged ones at their seq;
 *   - okrd --verify reports 0 differences (scores equal a recomputation).
 *
 * Bounds (environment): OKR_CRASH_KILLS (default 100) kills or
 * OKR_CRASH_SECONDS (default 40) of killing, whichever comes first;
 * OKR_SEED replays a run's kill moments and writer choices (thread
 * scheduling still varies). `make soak` runs it with 200 kills.
 *
 * This file owns the crash test only; it never reaches into okrd's code. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

#define WRITERS            4
#define DEFAULT_KILLS      100
#define DEFAULT_SECONDS    40
#define KILL_DELAY_MS      400      /* a kill comes 0..this after the server answered */
#define KILL_AT_START      8        /* one kill in this many comes right at the ready line */
#define VALUE_BASE         10000000.0   /* check-in value = writer * VALUE_BASE + op index */
#define KR_CHECKINS_MAX    400      /* a writer moves to a new KR before this: History
                                     * (at most 1000) then covers each KR whole */
#define REPLY_DEADLINE_MS  30000    /* no reply without a kill: okrd hangs */
#define PROGRESS_DEADLINE_MS 30000  /* after a restart, some writer must be answered */
#define REPLAY_PAGE        500
#define POLL_SLICE_MS      20
#define ID_MAX             16
#define TITLE_MAX          48

/* ------------------------------------------------------------ small helpers */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* splitmix64: small, seedable, good enough to pick moments and operations. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0) {
        fprintf(stderr, "crash: %s=%s is not a count; using %ld\n", name, v, fallback);
        return fallback;
    }
    return n;
}

/* "K12" -> 12, or 0 when it is not a KR id. */
static unsigned kr_number(const char *id)
{
    if (id == NULL || id[0] != 'K')
        return 0;
    char *end;
    unsigned long n = strtoul(id + 1, &end, 10);
    return *end == '\0' && n > 0 && n < UINT32_MAX ? (unsigned)n : 0;
}

/* ------------------------------------------------------------ what was sent */

typedef enum { OP_CHECKIN, OP_KR_ADD, OP_ALIGN, OP_OTHER } op_kind;

/* One request a writer sent. Its value / title is unique to it. */
typedef struct {
    op_kind kind;
    bool acked;
    int landed;                /* times it appears in the final log */
    uint64_t seq;              /* from the reply, when acked */
    double value;              /* check-in */
    char kr[ID_MAX];           /* check-in: its KR; kr add: the id the reply gave */
    char parent[ID_MAX];       /* align */
    uint32_t weight;
} sent_op;

/* What the killer and the writers share. */
typedef struct {
    pthread_mutex_t lock;
    char endpoint[HARNESS_ENDPOINT_MAX];
    unsigned generation;       /* bumped by each restart */
    bool stop;
    uint64_t acks;             /* acknowledged requests, all writers */
    char failure[512];         /* the first thing that went wrong */
    void *zmq_ctx;
} shared_state;

typedef struct {
    int index;
    shared_state *sh;
    pthread_t thread;
    uint64_t rng;
    char user[TITLE_MAX];
    char objective[ID_MAX];
    char kr[ID_MAX];           /* the KR it checks in on */
    unsigned kr_checkins;      /* check-ins sent on it */
    const char *top_objective, *rollup_kr;
    uint64_t next_request_id;
    sent_op *ops;
    size_t n_ops, cap_ops;
} writer;

static void shared_fail(shared_state *sh, const char *fmt, ...)
{
    pthread_mutex_lock(&sh->lock);
    if (sh->failure[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sh->failure, sizeof sh->failure, fmt, ap);
        va_end(ap);
    }
    sh->stop = true;
    pthread_mutex_unlock(&sh->lock);
}

/* The current generation; *failed when the run is being abandoned. */
static unsigned shared_generation(shared_state *sh, bool *failed)
{
    pthread_mutex_lock(&sh->lock);
    unsigned g = sh->generation;
    if (failed)
        *failed = sh->failure[0] != '\0';
    pthread_mutex_unlock(&sh->lock);
    return g;
}

static uint64_t shared_acks(shared_state *sh, bool *failed)
{
    pthread_mutex_lock(&sh->lock);
    uint64_t n = sh->acks;
    *failed = sh->failure[0] != '\0';
    pthread_mutex_unlock(&sh->lock);
    return n;
}

/* "writer 0 request 12: check-in K2 = 12", for messages. */
static void describe_op(const writer *w, size_t i, char *buf, size_t size)
{
    const sent_op *op = &w->ops[i];
    int n = snprintf(buf, size, "writer %d request %zu: ", w->index, i);
    if (n < 0 || (size_t)n >= size)
        return;
    if (op->kind == OP_CHECKIN)
        snprintf(buf + n, size - (size_t)n, "check-in %s = %.0f", op->kr, op->value);
    else if (op->kind == OP_KR_ADD)
        snprintf(buf + n, size - (size_t)n, "KR add \"w%d-op%zu\" (%s)", w->index, i, op->kr);
    else
        snprintf(buf + n, size - (size_t)n, "align %s to %s weight %u", w->objective,
                 op->parent, op->weight);
}

/* ------------------------------------------------------------ a writer */

static void writer_connect(writer *w, void **sock, unsigned *gen, bool *stop)
{
    char endpoint[HARNESS_ENDPOINT_MAX];
    pthread_mutex_lock(&w->sh->lock);
    memcpy(endpoint, w->sh->endpoint, sizeof endpoint);
    *gen = w->sh->generation;
    *stop = w->sh->stop;
    pthread_mutex_unlock(&w->sh->lock);
    if (*sock)
        zmq_close(*sock);       /* linger 0: whatever it still queued is dropped */
    *sock = zmq_socket(w->sh->zmq_ctx, ZMQ_DEALER);
    int zero = 0;
    if (*sock == NULL || zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(*sock, endpoint) != 0)
        shared_fail(w->sh, "writer %d: cannot connect to %s: %s", w->index, endpoint,
                    zmq_strerror(zmq_errno()));
}

/* Decide the next request: mostly check-ins, a few KR adds and alignments;
 * a KR add whenever the current KR has had its share of check-ins. */
static void writer_choose(writer *w, sent_op *op, size_t index)
{
    memset(op, 0, sizeof *op);
    unsigned r = (unsigned)(rng_next(&w->rng) % 100);
    if (w->kr_checkins >= KR_CHECKINS_MAX || r < 3) {
        op->kind = OP_KR_ADD;
    } else if (r < 6) {
        op->kind = OP_ALIGN;
        snprintf(op->parent, sizeof op->parent, "%s", r & 1 ? w->top_objective : w->rollup_kr);
        op->weight = 1 + (uint32_t)(rng_next(&w->rng) % 1000);
    } else {
        op->kind = OP_CHECKIN;
        op->value = w->index * VALUE_BASE + (double)index;
        snprintf(op->kr, sizeof op->kr, "%s", w->kr);
    }
}

static int writer_send(writer *w, void *sock, uint64_t request_id, const sent_op *op,
                       size_t index)
{
    Okr__Request req = OKR__REQUEST__INIT;
    req.has_version = true;
    req.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req.has_request_id = true;
    req.request_id = request_id;
    req.user = w->user;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    Okr__KeyResultAdd ka = OKR__KEY_RESULT_ADD__INIT;
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    Okr__Align al = OKR__ALIGN__INIT;
    Okr__Alignment a = OKR__ALIGNMENT__INIT;
    char title[TITLE_MAX];
    switch (op->kind) {
    case OP_CHECKIN:
        ci.kr = (char *)op->kr;
        ci.has_value = true;
        ci.value = op->value;
        req.body_case = OKR__REQUEST__BODY_CHECKIN;
        req.checkin = &ci;
        break;
    case OP_KR_ADD:
        snprintf(title, sizeof title, "w%d-op%zu", w->index, index);
        kr.objective = w->objective;
        kr.title = title;
        kr.has_kind = kr.has_start = kr.has_target = true;
        kr.kind = OKR__KR_KIND__METRIC;
        kr.start = 0;
        kr.target = (w->index + 1) * VALUE_BASE;
        ka.kr = &kr;
        req.body_case = OKR__REQUEST__BODY_KR_ADD;
        req.kr_add = &ka;
        break;
    default:
        a.child = w->objective;
        a.parent = (char *)op->parent;
        a.has_weight = true;
        a.weight = op->weight;
        al.alignment = &a;
        req.body_case = OKR__REQUEST__BODY_ALIGN;
        req.align = &al;
        break;
    }
    uint8_t buf[512];
    size_t len = okr__request__get_packed_size(&req);
    if (len > sizeof buf)
        return -1;
    okr__request__pack(&req, buf);
    return zmq_send(sock, buf, len, ZMQ_DONTWAIT) == (int)len ? 0 : -1;
}

/* One frame from sock if one is waiting (timeout_ms 0: do not wait). */
static Okr__Response *recv_response(void *sock, int timeout_ms)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0 || !(item.revents & ZMQ_POLLIN))
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    Okr__Response *resp = NULL;
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0)
        resp = okr__response__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
    zmq_msg_close(&msg);
    return resp;
}

/* Wait for the reply to request_id. Returns it, or NULL when okrd was
 * restarted meanwhile (*killed) or nothing came within REPLY_DEADLINE_MS. */
static Okr__Response *writer_await(writer *w, void *sock, unsigned gen, uint64_t request_id,
                                   bool *killed)
{
    int64_t deadline = now_ms() + REPLY_DEADLINE_MS;
    *killed = false;
    while (now_ms() < deadline) {
        bool failed;
        bool restarted = shared_generation(w->sh, &failed) != gen;
        if (failed) {                  /* the test is over: do not wait */
            *killed = true;
            return NULL;
        }
        /* After a restart only look at what already arrived: a reply okrd sent
         * before it died still counts as acknowledged. */
        Okr__Response *resp = recv_response(sock, restarted ? 0 : POLL_SLICE_MS);
        if (resp && resp->request_id == request_id)
            return resp;
        if (resp)
            okr__response__free_unpacked(resp, NULL);   /* not ours: cannot happen */
        else if (restarted) {
            *killed = true;
            return NULL;
        }
    }
    return NULL;
}

/* The reply to op: a Changed with a seq (and the new KR's id for a KR add). */
static bool writer_record_reply(writer *w, sent_op *op, const Okr__Response *resp)
{
    Okr__ErrorCode code = harness_error_code(resp);
    if (code != OKR__ERROR_CODE__OK || resp->body_case != OKR__RESPONSE__BODY_CHANGED ||
        !resp->changed->has_seq || resp->changed->seq == 0) {
        char what[96];
        describe_op(w, (size_t)(op - w->ops), what, sizeof what);
        shared_fail(w->sh, "%s: refused with code %d \"%s\"", what, (int)code,
                    resp->error && resp->error->message ? resp->error->message : "");
        return false;
    }
    op->acked = true;
    op->seq = resp->changed->seq;
    if (op->kind == OP_KR_ADD) {
        if (kr_number(resp->changed->id) == 0) {
            shared_fail(w->sh, "writer %d: KR add answered id \"%s\"", w->index,
                        resp->changed->id ? resp->changed->id : "");
            return false;
        }
        snprintf(op->kr, sizeof op->kr, "%s", resp->changed->id);
        snprintf(w->kr, sizeof w->kr, "%s", resp->changed->id);
        w->kr_checkins = 0;
    }
    pthread_mutex_lock(&w->sh->lock);
    w->sh->acks++;
    pthread_mutex_unlock(&w->sh->lock);
    return true;
}

static sent_op *writer_push(writer *w, const sent_op *op)
{
    if (w->n_ops == w->cap_ops) {
        w->cap_ops = w->cap_ops ? 2 * w->cap_ops : 1024;
        sent_op *grown = realloc(w->ops, w->cap_ops * sizeof *grown);
        if (grown == NULL)
            abort();
        w->ops = grown;
    }
    w->ops[w->n_ops] = *op;
    return &w->ops[w->n_ops++];
}

/* One request at a time until told to stop; each request gets a fresh id and
 * a fresh value, and a request that got no reply is never sent again. */
static void *writer_main(void *arg)
{
    writer *w = arg;
    void *sock = NULL;
    unsigned gen = 0;
    bool stop = false;
    writer_connect(w, &sock, &gen, &stop);
    while (!stop && sock) {
        sent_op next;
        size_t index = w->n_ops;
        writer_choose(w, &next, index);
        uint64_t request_id = w->next_request_id++;
        if (writer_send(w, sock, request_id, &next, index) != 0) {
            writer_connect(w, &sock, &gen, &stop);      /* not sent: nothing to record */
            continue;
        }
        sent_op *op = writer_push(w, &next);
        if (op->kind == OP_CHECKIN)
            w->kr_checkins++;
        bool killed;
        Okr__Response *resp = writer_await(w, sock, gen, request_id, &killed);
        if (resp) {
            bool ok = writer_record_reply(w, op, resp);
            okr__response__free_unpacked(resp, NULL);
            if (!ok)
                break;
        } else if (!killed) {
            shared_fail(w->sh, "writer %d: no reply to request %zu within %d ms, and okrd "
                        "was not killed", w->index, index, REPLY_DEADLINE_MS);
            break;
        }
        if (killed || shared_generation(w->sh, NULL) != gen)
            writer_connect(w, &sock, &gen, &stop);
        else {
            pthread_mutex_lock(&w->sh->lock);
            stop = w->sh->stop;
            pthread_mutex_unlock(&w->sh->lock);
        }
    }
    if (sock)
        zmq_close(sock);
    return NULL;
}

/* ------------------------------------------------------------ set-up */

static Okr__Response *request_ok(struct harness_server *s, Okr__Request *req, const char *what)
{
    Okr__Response *resp = harness_request(s, req);
    if (resp == NULL)
        fail_msg("%s: no reply", what);
    if (harness_error_code(resp) != OKR__ERROR_CODE__OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", resp->error->message ? resp->error->message : "");
        okr__response__free_unpacked(resp, NULL);
        fail_msg("%s refused: %s", what, msg);
    }
    return resp;
}

/* Send a mutation and copy the id it created into id. */
static void mutate_ok(struct harness_server *s, Okr__Request *req, const char *what,
                      char id[ID_MAX])
{
    Okr__Response *resp = request_ok(s, req, what);
    if (id) {
        assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_CHANGED);
        snprintf(id, ID_MAX, "%s", resp->changed->id ? resp->changed->id : "");
    }
    okr__response__free_unpacked(resp, NULL);
}

static void add_objective(struct harness_server *s, const char *title, char id[ID_MAX])
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveAdd add = OKR__OBJECTIVE_ADD__INIT;
    Okr__Objective o = OKR__OBJECTIVE__INIT;
    o.title = (char *)title;
    o.period = "crash";
    o.team = "crash";
    add.objective = &o;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req.objective_add = &add;
    mutate_ok(s, &req, "ObjectiveAdd", id);
}

static void add_kr(struct harness_server *s, const char *objective, Okr__KrKind kind,
                   double target, char id[ID_MAX])
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__KeyResultAdd add = OKR__KEY_RESULT_ADD__INIT;
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = "first";
    kr.has_kind = true;
    kr.kind = kind;
    if (kind == OKR__KR_KIND__METRIC) {
        kr.has_start = kr.has_target = true;
        kr.target = target;
    }
    add.kr = &kr;
    req.body_case = OKR__REQUEST__BODY_KR_ADD;
    req.kr_add = &add;
    mutate_ok(s, &req, "KeyResultAdd", id);
}

/* A period and a team; a top objective with a roll-up KR; per writer an
 * objective with a first metric KR. */
static void set_up_store(struct harness_server *s, writer *ws, char top[ID_MAX],
                         char rollup[ID_MAX])
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodAdd pa = OKR__PERIOD_ADD__INIT;
    Okr__Period p = OKR__PERIOD__INIT;
    p.name = "crash";
    p.start = "2026-01-01";
    p.end = "2027-12-31";
    pa.period = &p;
    req.body_case = OKR__REQUEST__BODY_PERIOD_ADD;
    req.period_add = &pa;
    mutate_ok(s, &req, "PeriodAdd", NULL);

    Okr__Request treq = OKR__REQUEST__INIT;
    Okr__TeamAdd ta = OKR__TEAM_ADD__INIT;
    Okr__Team t = OKR__TEAM__INIT;
    t.name = "crash";
    ta.team = &t;
    treq.body_case = OKR__REQUEST__BODY_TEAM_ADD;
    treq.team_add = &ta;
    mutate_ok(s, &treq, "TeamAdd", NULL);

    add_objective(s, "Survive SIGKILL", top);
    add_kr(s, top, OKR__KR_KIND__ROLLUP, 0, rollup);
    for (int i = 0; i < WRITERS; i++) {
        char title[TITLE_MAX];
        snprintf(title, sizeof title, "writer %d", i);
        add_objective(s, title, ws[i].objective);
        add_kr(s, ws[i].objective, OKR__KR_KIND__METRIC, (i + 1) * VALUE_BASE, ws[i].kr);
    }
}

/* ------------------------------------------------------------ the killer */

typedef struct {
    long max_kills, max_seconds;
    uint64_t seed;
    int kills;
    int64_t elapsed_ms;
} crash_run;

static void publish_endpoint(shared_state *sh, const struct harness_server *s)
{
    pthread_mutex_lock(&sh->lock);
    snprintf(sh->endpoint, sizeof sh->endpoint, "%s", s->requests);
    sh->generation++;
    pthread_mutex_unlock(&sh->lock);
}

/* Poll until the writers have more than `since` acknowledgements. */
static bool await_progress(shared_state *sh, uint64_t since)
{
    int64_t deadline = now_ms() + PROGRESS_DEADLINE_MS;
    while (now_ms() < deadline) {
        bool failed;
        if (shared_acks(sh, &failed) > since)
            return true;
        if (failed)
            return false;
        sleep_ms(2);                  /* a poll interval, not a wait for an outcome */
    }
    shared_fail(sh, "no writer was answered within %d ms of okrd's restart",
                PROGRESS_DEADLINE_MS);
    return false;
}

/* Kill and restart okrd until a bound is reached. Returns false (with
 * sh->failure set) when something went wrong; the writers are then told to stop. */
static bool kill_loop(struct harness_server *s, shared_state *sh, crash_run *run)
{
    uint64_t rng = run->seed;
    int64_t start = now_ms();
    while (run->kills < run->max_kills && now_ms() - start < run->max_seconds * 1000) {
        bool failed;
        uint64_t acks = shared_acks(sh, &failed);
        if (failed)
            return false;
        /* Most kills come while the writers are being answered; some right
         * after the ready line, while okrd has just opened the store. */
        if (rng_next(&rng) % KILL_AT_START != 0) {
            if (!await_progress(sh, acks))
                return false;
            sleep_ms((int)(rng_next(&rng) % KILL_DELAY_MS));
        }
        harness_server_kill(s);
        run->kills++;
        if (harness_server_restart(s) != 0) {
            shared_fail(sh, "okrd did not restart after kill %d", run->kills);
            return false;
        }
        publish_endpoint(sh, s);
    }
    run->elapsed_ms = now_ms() - start;
    bool failed;
    return await_progress(sh, shared_acks(sh, &failed));   /* it serves again */
}

static void stop_writers(shared_state *sh, writer *ws)
{
    pthread_mutex_lock(&sh->lock);
    sh->stop = true;
    pthread_mutex_unlock(&sh->lock);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(ws[i].thread, NULL);
}

/* ------------------------------------------------------------ the final log */

/* One event of the log, as much as the checks need. */
typedef struct {
    op_kind kind;
    char subject[ID_MAX];
    double value;              /* check-in */
    char kr[ID_MAX];           /* check-in */
    char title[TITLE_MAX];     /* kr add */
    char child[ID_MAX], parent[ID_MAX];
    uint32_t weight;           /* align */
    bool in_history;
} log_entry;

static void copy_id(char dst[ID_MAX], const char *src)
{
    snprintf(dst, ID_MAX, "%s", src ? src : "");
}

static void entry_from_event(log_entry *e, const Okr__Event *ev)
{
    memset(e, 0, sizeof *e);
    copy_id(e->subject, ev->subject);
    const Okr__Request *r = ev->change;
    e->kind = OP_OTHER;
    if (r == NULL)
        return;
    if (r->body_case == OKR__REQUEST__BODY_CHECKIN && r->checkin) {
        e->kind = OP_CHECKIN;
        copy_id(e->kr, r->checkin->kr);
        e->value = r->checkin->value;
    } else if (r->body_case == OKR__REQUEST__BODY_KR_ADD && r->kr_add && r->kr_add->kr) {
        e->kind = OP_KR_ADD;
        snprintf(e->title, sizeof e->title, "%s",
                 r->kr_add->kr->title ? r->kr_add->kr->title : "");
    } else if (r->body_case == OKR__REQUEST__BODY_ALIGN && r->align && r->align->alignment) {
        e->kind = OP_ALIGN;
        copy_id(e->child, r->align->alignment->child);
        copy_id(e->parent, r->align->alignment->parent);
        e->weight = r->align->alignment->weight;
    }
}

/* The whole event log through Replay pages: log[seq - 1]. Asserts that the
 * seqs run from 1 to last_seq without a gap or a repeat. */
static log_entry *read_log(struct harness_server *s, uint64_t last_seq)
{
    log_entry *log = calloc(last_seq ? last_seq : 1, sizeof *log);
    assert_non_null(log);
    uint64_t after = 0;
    while (after < last_seq) {
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__Replay rp = OKR__REPLAY__INIT;
        rp.has_after_seq = rp.has_limit = true;
        rp.after_seq = after;
        rp.limit = REPLAY_PAGE;
        req.body_case = OKR__REQUEST__BODY_REPLAY;
        req.replay = &rp;
        Okr__Response *resp = request_ok(s, &req, "Replay");
        assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_EVENTS);
        const Okr__EventList *list = resp->events;
        if (list->first_seq != 1 || list->last_seq != last_seq || list->n_events == 0)
            fail_msg("Replay after %" PRIu64 ": first_seq %" PRIu64 ", last_seq %" PRIu64
                     ", %zu events; expected first 1, last %" PRIu64 ", some events",
                     after, list->first_seq, list->last_seq, list->n_events, last_seq);
        for (size_t i = 0; i < list->n_events; i++) {
            if (list->events[i]->seq != after + 1)
                fail_msg("the event log jumps from seq %" PRIu64 " to %" PRIu64, after,
                         list->events[i]->seq);
            entry_from_event(&log[after], list->events[i]);
            after++;
        }
        okr__response__free_unpacked(resp, NULL);
    }
    return log;
}

/* ------------------------------------------------------------ the checks */

typedef struct {
    size_t acked[3], unknown[3], unknown_landed[3];
    size_t lost;
    size_t log_checkins;
} tally;

/* Every acknowledged request is the event at the seq its reply gave. */
static void check_acknowledged(const writer *w, const log_entry *log, uint64_t last_seq,
                               tally *t)
{
    for (size_t i = 0; i < w->n_ops; i++) {
        const sent_op *op = &w->ops[i];
        if (!op->acked) {
            t->unknown[op->kind]++;
            continue;
        }
        t->acked[op->kind]++;
        const log_entry *e = op->seq <= last_seq ? &log[op->seq - 1] : NULL;
        char title[TITLE_MAX];
        snprintf(title, sizeof title, "w%d-op%zu", w->index, i);
        bool found = e && e->kind == op->kind;
        if (found && op->kind == OP_CHECKIN)
            found = strcmp(e->kr, op->kr) == 0 && e->value == op->value &&
                    strcmp(e->subject, op->kr) == 0;
        else if (found && op->kind == OP_KR_ADD)
            found = strcmp(e->subject, op->kr) == 0 && strcmp(e->title, title) == 0;
        else if (found)
            found = strcmp(e->child, w->objective) == 0 && strcmp(e->parent, op->parent) == 0 &&
                    e->weight == op->weight;
        if (!found && ++t->lost <= 20) {
            char what[96];
            describe_op(w, i, what, sizeof what);
            fprintf(stderr, "crash: LOST %s, acknowledged at seq %" PRIu64 "\n", what, op->seq);
        }
    }
}

/* The request of writers[w] that made entry e, found by its unique value or
 * title, or NULL when no writer sent it. */
static sent_op *sender_of(writer *ws, const log_entry *e)
{
    long wi = -1;
    size_t index = 0;
    if (e->kind == OP_CHECKIN) {
        if (!(e->value >= 0 && e->value < WRITERS * VALUE_BASE))
            return NULL;
        wi = (long)(e->value / VALUE_BASE);
        index = (size_t)(e->value - (double)wi * VALUE_BASE);
    } else if (e->kind == OP_KR_ADD) {
        int wn;
        size_t n;
        char end;
        if (sscanf(e->title, "w%d-op%zu%c", &wn, &n, &end) == 2) {
            wi = wn;
            index = n;
        }
    }
    if (wi < 0 || wi >= WRITERS || index >= ws[wi].n_ops)
        return NULL;
    sent_op *op = &ws[wi].ops[index];
    if (op->kind != e->kind ||
        (e->kind == OP_CHECKIN && (strcmp(op->kr, e->kr) != 0 || op->value != e->value)))
        return NULL;
    return op;
}

/* Every check-in and KR add in the log is one a writer sent, at most once. */
static void check_log_against_senders(writer *ws, const log_entry *log, uint64_t last_seq,
                                      tally *t)
{
    for (uint64_t seq = 1; seq <= last_seq; seq++) {
        const log_entry *e = &log[seq - 1];
        if (e->kind == OP_CHECKIN)
            t->log_checkins++;
        if (e->kind != OP_CHECKIN && e->kind != OP_KR_ADD)
            continue;
        if (e->kind == OP_KR_ADD && strncmp(e->title, "w", 1) != 0)
            continue;                                  /* set-up: "first" */
        sent_op *op = sender_of(ws, e);
        if (op == NULL)
            fail_msg("event %" PRIu64 " (%s, value %.0f, title \"%s\") was sent by no writer",
                     seq, e->subject, e->value, e->title);
        if (++op->landed > 1)
            fail_msg("event %" PRIu64 " repeats a request already in the log (%s, value "
                     "%.0f, title \"%s\")", seq, e->subject, e->value, e->title);
        if (!op->acked)
            t->unknown_landed[op->kind]++;
    }
}

/* Each KR's History (all of it: a writer never gives a KR more than
 * KR_CHECKINS_MAX) is exactly its check-ins in the log. */
static void check_histories(struct harness_server *s, log_entry *log, uint64_t last_seq)
{
    unsigned max_kr = 0;
    for (uint64_t seq = 1; seq <= last_seq; seq++)
        if (log[seq - 1].kind == OP_KR_ADD && kr_number(log[seq - 1].subject) > max_kr)
            max_kr = kr_number(log[seq - 1].subject);
    size_t *count = calloc(max_kr + 1, sizeof *count);
    assert_non_null(count);
    for (uint64_t seq = 1; seq <= last_seq; seq++)
        if (log[seq - 1].kind == OP_CHECKIN) {
            unsigned k = kr_number(log[seq - 1].kr);
            assert_true(k > 0 && k <= max_kr);
            count[k]++;
        }
    for (unsigned k = 1; k <= max_kr; k++) {
        char id[ID_MAX];
        snprintf(id, sizeof id, "K%u", k);
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__History h = OKR__HISTORY__INIT;
        h.kr = id;
        h.has_limit = true;
        h.limit = 1000;
        req.body_case = OKR__REQUEST__BODY_HISTORY;
        req.history = &h;
        Okr__Response *resp = request_ok(s, &req, "History");
        assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_HISTORY);
        const Okr__HistoryReply *hr = resp->history;
        if (hr->n_checkins != count[k] || hr->kr == NULL || hr->kr->checkins != count[k])
            fail_msg("%s: History lists %zu check-ins (KR says %u), the log %zu", id,
                     hr->n_checkins, hr->kr ? hr->kr->checkins : 0, count[k]);
        for (size_t i = 0; i < hr->n_checkins; i++) {
            const Okr__CheckIn *c = hr->checkins[i];
            log_entry *e = c->seq >= 1 && c->seq <= last_seq ? &log[c->seq - 1] : NULL;
            if (e == NULL || e->kind != OP_CHECKIN || strcmp(e->kr, id) != 0 ||
                e->value != c->value || e->in_history)
                fail_msg("%s: History check-in at seq %" PRIu64 " (value %.0f) is not the "
                         "log's check-in at that seq", id, c->seq, c->value);
            e->in_history = true;
        }
        okr__response__free_unpacked(resp, NULL);
    }
    free(count);
}

static uint64_t status_checkins(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    Okr__Response *resp = request_ok(s, &req, "StatusGet");
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_STATUS);
    uint64_t n = resp->status->checkins;
    okr__response__free_unpacked(resp, NULL);
    return n;
}

static void check_verify(struct harness_server *s)
{
    assert_int_equal(harness_server_stop(s), 0);
    struct harness_result v;
    harness_okrd_cmd(&v, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&v, 0);
    if (strstr(v.out, "verify: 0 differences") == NULL)
        fail_msg("okrd --verify said: %s", v.out);
    harness_result_free(&v);
}

/* Print every acknowledged request the log lacks (after a writer failed). */
static void report_lost(struct harness_server *s, writer *ws)
{
    uint64_t last_seq = harness_last_seq(s);
    log_entry *log = read_log(s, last_seq);
    tally t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < WRITERS; i++)
        check_acknowledged(&ws[i], log, last_seq, &t);
    fprintf(stderr, "crash: %zu acknowledged requests lost\n", t.lost);
    free(log);
}

/* ------------------------------------------------------------ the test */

static void init_writers(writer *ws, shared_state *sh, uint64_t seed, const char *top,
                         const char *rollup)
{
    for (int i = 0; i < WRITERS; i++) {
        writer *w = &ws[i];
        w->index = i;
        w->sh = sh;
        w->rng = seed ^ (0x51ED2701ULL * (uint64_t)(i + 1));
        snprintf(w->user, sizeof w->user, "crash-w%d", i);
        w->top_objective = top;
        w->rollup_kr = rollup;
        w->next_request_id = ((uint64_t)(i + 1) << 40) + 1;
    }
}

/* Every acknowledged check-in is in its KR's History, at its seq. */
static void check_acknowledged_in_history(const writer *w, const log_entry *log)
{
    for (size_t i = 0; i < w->n_ops; i++) {
        const sent_op *op = &w->ops[i];
        if (op->kind == OP_CHECKIN && op->acked && !log[op->seq - 1].in_history) {
            char what[96];
            describe_op(w, i, what, sizeof what);
            fail_msg("%s (seq %" PRIu64 ") is not in its KR's History", what, op->seq);
        }
    }
}

/* The checks of the final state (see the top of the file); fills *t. */
static uint64_t check_final_state(struct harness_server *s, writer *ws, tally *t)
{
    uint64_t last_seq = harness_last_seq(s);
    log_entry *log = read_log(s, last_seq);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < WRITERS; i++)
        check_acknowledged(&ws[i], log, last_seq, t);
    if (t->lost)
        fail_msg("%zu acknowledged requests are not in the log at their seq (listed above)",
                 t->lost);
    check_log_against_senders(ws, log, last_seq, t);
    check_histories(s, log, last_seq);
    for (int i = 0; i < WRITERS; i++)
        check_acknowledged_in_history(&ws[i], log);
    assert_int_equal(status_checkins(s), t->log_checkins);
    free(log);
    check_verify(s);
    return last_seq;
}

static uint64_t seed_from_env(void)
{
    const char *text = getenv("OKR_SEED");
    if (text && *text)
        return strtoull(text, NULL, 10);
    return (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
}

/* Writers against okrd while it is killed and restarted; then the checks. */
static void test_every_acknowledged_change_survives_sigkill(void **state)
{
    (void)state;
    crash_run run = {
        .max_kills = env_long("OKR_CRASH_KILLS", DEFAULT_KILLS),
        .max_seconds = env_long("OKR_CRASH_SECONDS", DEFAULT_SECONDS),
        .seed = seed_from_env(),
    };
    printf("crash: seed %" PRIu64 ", %d writers, up to %ld kills or %ld s "
           "(replay with OKR_SEED=%" PRIu64 ")\n", run.seed, WRITERS, run.max_kills,
           run.max_seconds, run.seed);
    int64_t t0 = now_ms();

    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    s.timeout_ms = 30000;
    writer ws[WRITERS];
    memset(ws, 0, sizeof ws);
    char top[ID_MAX], rollup[ID_MAX];
    set_up_store(&s, ws, top, rollup);

    shared_state sh;
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.lock, NULL);
    sh.zmq_ctx = zmq_ctx_new();
    assert_non_null(sh.zmq_ctx);
    publish_endpoint(&sh, &s);
    init_writers(ws, &sh, run.seed, top, rollup);
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&ws[i].thread, NULL, writer_main, &ws[i]), 0);
    kill_loop(&s, &sh, &run);
    stop_writers(&sh, ws);
    zmq_ctx_term(sh.zmq_ctx);
    pthread_mutex_destroy(&sh.lock);
    if (sh.failure[0]) {
        /* A writer refused on a KR it was told exists is an earlier loss:
         * name what the log lacks before failing. */
        fprintf(stderr, "crash: after %d kills (seed %" PRIu64 "): %s\n", run.kills, run.seed,
                sh.failure);
        if (harness_server_alive(&s))
            report_lost(&s, ws);
        fail_msg("after %d kills (seed %" PRIu64 "): %s", run.kills, run.seed, sh.failure);
    }
    assert_true(run.kills > 0);

    tally t;
    uint64_t last_seq = check_final_state(&s, ws, &t);
    printf("crash: %d kills survived in %.1f s (%.1f s in all); acknowledged: %zu check-ins, "
           "%zu KR adds, %zu alignments; lost: %zu\n", run.kills, run.elapsed_ms / 1000.0,
           (now_ms() - t0) / 1000.0, t.acked[OP_CHECKIN], t.acked[OP_KR_ADD],
           t.acked[OP_ALIGN], t.lost);
    printf("crash: unknown (no reply before a kill): %zu check-ins (%zu of them in the log), "
           "%zu KR adds (%zu), %zu alignments; last seq %" PRIu64 ", contiguous; "
           "okrd --verify: 0 differences\n",
           t.unknown[OP_CHECKIN], t.unknown_landed[OP_CHECKIN], t.unknown[OP_KR_ADD],
           t.unknown_landed[OP_KR_ADD], t.unknown[OP_ALIGN], last_seq);
    for (int i = 0; i < WRITERS; i++)
        free(ws[i].ops);
    harness_server_destroy(&s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_acknowledged_change_survives_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
