/* floors.c — what the hardware and the libraries can do at best on this
 * machine, measured in the same run as okrd so the ratios cancel the box's
 * speed and noise:
 *
 *   echo    DEALER->ROUTER echo with N x W in flight (the driver okrd gets)
 *   reqrep  REQ->REP round trip, one at a time
 *   lmdb    one put per write transaction, each committed durably
 *   redis   redis-benchmark -t set -c 50 against a private redis-server
 *
 * The echo and REP servers run in a thread with their own ZeroMQ context
 * (so their own I/O thread), like a separate server process. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "okr_limits.h"
#include "wire.h"

#define ECHO_BATCH 256      /* okrd's BATCH_MAX */
#define ECHO_HWM 10000      /* okrd's ROUTER_HWM */

/* ------------------------------------------------------------ servers */

typedef struct {
    int type;                          /* ZMQ_ROUTER or ZMQ_REP */
    char endpoint[BENCH_EP_MAX];
    atomic_bool stop;
    atomic_bool ready;
    pthread_t thread;
} echo_server;

static void set_server_options(void *sock)
{
    int linger = 0, hwm = ECHO_HWM;
    int64_t maxmsg = OKR_MAX_REQUEST_FRAME;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
}

/* ROUTER: drain what is ready (up to 256 requests), then answer them all,
 * as okrd's loop does around its one commit. REP: one at a time. */
static void *echo_main(void *arg)
{
    echo_server *e = arg;
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, e->type);
    set_server_options(sock);
    if (zmq_bind(sock, "tcp://127.0.0.1:*") != 0)
        bench_die("echo bind: %s", zmq_strerror(errno));
    size_t len = sizeof e->endpoint;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, e->endpoint, &len);
    atomic_store(&e->ready, true);
    zmq_msg_t ident[ECHO_BATCH], body[ECHO_BATCH];
    while (!atomic_load(&e->stop)) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 50) <= 0)
            continue;
        if (e->type == ZMQ_REP) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) >= 0)
                zmq_msg_send(&m, sock, 0);
            zmq_msg_close(&m);
            continue;
        }
        size_t n = 0;
        while (n < ECHO_BATCH) {
            zmq_msg_init(&ident[n]);
            zmq_msg_init(&body[n]);
            if (zmq_msg_recv(&ident[n], sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&ident[n]);
                zmq_msg_close(&body[n]);
                break;
            }
            zmq_msg_recv(&body[n], sock, 0);
            n++;
        }
        for (size_t i = 0; i < n; i++) {
            zmq_msg_send(&ident[i], sock, ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_msg_send(&body[i], sock, ZMQ_DONTWAIT);
            zmq_msg_close(&ident[i]);
            zmq_msg_close(&body[i]);
        }
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return NULL;
}

static void echo_start(echo_server *e, int type)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    if (pthread_create(&e->thread, NULL, echo_main, e) != 0)
        bench_die("cannot start the echo thread");
    while (!atomic_load(&e->ready))
        usleep(1000);
}

static void echo_stop(echo_server *e)
{
    atomic_store(&e->stop, true);
    pthread_join(e->thread, NULL);
}

/* The payload of both echo floors: a check-in request as okrd gets it. */
static void make_echo_checkin(void *ctx, Okr__Request *req)
{
    static Okr__CheckInAdd body = OKR__CHECK_IN_ADD__INIT;
    (void)ctx;
    body.kr = "K123456";
    body.has_value = true;
    body.value = 42.5;
    req->body_case = OKR__REQUEST__BODY_CHECKIN;
    req->checkin = &body;
}

int floor_echo(int clients, int window, double warmup_s, double seconds, bench_run *out)
{
    echo_server e;
    echo_start(&e, ZMQ_ROUTER);
    driver_spec spec = {
        .endpoint = e.endpoint,
        .clients = clients,
        .window = window,
        .warmup_s = warmup_s,
        .seconds = seconds,
        .make = make_echo_checkin,
        .parse = driver_parse_echo,
    };
    int rc = driver_run(&spec, out, NULL);
    echo_stop(&e);
    return rc;
}

int floor_reqrep(double warmup_s, double seconds, bench_run *out)
{
    echo_server e;
    echo_start(&e, ZMQ_REP);
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ);
    int linger = 0, timeout = 10000;
    zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_connect(req, e.endpoint) != 0)
        bench_die("connect %s: %s", e.endpoint, zmq_strerror(errno));

    Okr__Request msg = OKR__REQUEST__INIT;
    make_echo_checkin(NULL, &msg);
    msg.has_version = msg.has_request_id = true;
    msg.version = OKR_PROTOCOL_VERSION;
    msg.user = BENCH_USER;

    hist *h = malloc(sizeof *h);
    if (h == NULL)
        bench_die("out of memory");
    hist_init(h);
    int64_t t0 = clock_mono_ns();
    int64_t t_measure = t0 + (int64_t)(warmup_s * 1e9);
    int64_t t_stop = t_measure + (int64_t)(seconds * 1e9);
    uint64_t ops = 0;
    int rc = 0;
    zmq_msg_t m;
    zmq_msg_init(&m);
    for (int64_t t = t0; t < t_stop;) {
        msg.request_id = ops;
        int64_t sent = clock_mono_ns();
        if (wire_send(req, &msg.base, 0) != 0 || zmq_msg_recv(&m, req, 0) < 0) {
            rc = -1;
            break;
        }
        uint64_t id;
        driver_parse_echo(NULL, zmq_msg_data(&m), zmq_msg_size(&m), &id);
        t = clock_mono_ns();
        if (t >= t_measure && t <= t_stop) {
            hist_add(h, (uint64_t)(t - sent));
            ops++;
        }
    }
    zmq_msg_close(&m);
    zmq_close(req);
    zmq_ctx_term(ctx);
    echo_stop(&e);
    memset(out, 0, sizeof *out);
    out->ops = ops;
    out->rate = (double)ops / seconds;
    run_from_hist(out, h);
    free(h);
    return rc;
}

/* ------------------------------------------------------------ LMDB */

int floor_lmdb(const char *dir, double warmup_s, double seconds, bench_run *out)
{
    bench_rmtree(dir);                      /* a fresh environment for every run */
    if (mkdir(dir, 0700) != 0) {
        bench_note("mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc = mdb_env_create(&env);
    if (!rc) rc = mdb_env_set_mapsize(env, (size_t)256 << 20);
    if (!rc) rc = mdb_env_set_maxdbs(env, 4);
    if (!rc) rc = mdb_env_open(env, dir, MDB_NOTLS, 0600);       /* okrd's flags */
    if (!rc) rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (!rc) rc = mdb_dbi_open(txn, "floor", MDB_CREATE, &dbi);
    if (!rc) rc = mdb_txn_commit(txn);
    if (rc) {
        bench_note("lmdb floor in %s: %s", dir, mdb_strerror(rc));
        return -1;
    }
    unsigned char key[8], value[128];
    memset(value, 0x5a, sizeof value);
    hist *h = malloc(sizeof *h);
    if (h == NULL)
        bench_die("out of memory");
    hist_init(h);
    int64_t t0 = clock_mono_ns();
    int64_t t_measure = t0 + (int64_t)(warmup_s * 1e9);
    int64_t t_stop = t_measure + (int64_t)(seconds * 1e9);
    uint64_t ops = 0, seq = 0;
    for (int64_t t = t0; t < t_stop && rc == 0;) {
        int64_t start = clock_mono_ns();
        seq++;
        for (int i = 0; i < 8; i++)
            key[i] = (unsigned char)(seq >> (56 - 8 * i));
        MDB_val k = {sizeof key, key}, v = {sizeof value, value};
        rc = mdb_txn_begin(env, NULL, 0, &txn);
        if (!rc) rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND);
        if (!rc) rc = mdb_txn_commit(txn);
        else mdb_txn_abort(txn);
        t = clock_mono_ns();
        if (t >= t_measure && t <= t_stop) {
            hist_add(h, (uint64_t)(t - start));
            ops++;
        }
    }
    mdb_env_close(env);
    memset(out, 0, sizeof *out);
    out->ops = ops;
    out->rate = (double)ops / seconds;
    run_from_hist(out, h);
    free(h);
    if (rc)
        bench_note("lmdb floor: %s", mdb_strerror(rc));
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ Redis */

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

int floor_redis_start(redis_floor *r, const char *dir, bool durable)
{
    memset(r, 0, sizeof *r);
    if (!proc_which("redis-server", r->server, sizeof r->server) ||
        !proc_which("redis-benchmark", r->tool, sizeof r->tool)) {
        snprintf(r->why, sizeof r->why,
                 "redis-server/redis-benchmark not installed (apt-get install redis-server "
                 "redis-tools)");
        return -1;
    }
    r->port = bench_free_port();
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(r->server, r->server, "--port", port, "--bind", "127.0.0.1", "--dir", dir,
              "--save", "", "--appendonly", durable ? "yes" : "no", "--appendfsync",
              durable ? "always" : "everysec", "--daemonize", "no", "--logfile", "",
              (char *)NULL);
        _exit(127);
    }
    r->pid = pid;
    proc_track(pid);
    int64_t deadline = clock_mono_ns() + (int64_t)10 * 1000000000;
    while (!port_open(r->port)) {
        int status;
        if (clock_mono_ns() > deadline || waitpid(pid, &status, WNOHANG) == pid) {
            snprintf(r->why, sizeof r->why, "redis-server did not start on port %d", r->port);
            floor_redis_stop(r);
            return -1;
        }
        usleep(2000);
    }
    r->available = true;
    return 0;
}

int floor_redis_set(redis_floor *r, int clients, long requests, bench_run *out)
{
    char port[16], c[16], n[32], text[4096];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(c, sizeof c, "%d", clients);
    snprintf(n, sizeof n, "%ld", requests);
    char *argv[] = {r->tool, "-h", "127.0.0.1", "-p", port, "-t", "set", "-c", c, "-n", n,
                    "--csv", NULL};
    if (proc_capture(argv, text, sizeof text, 120) != 0) {
        bench_note("redis-benchmark failed");
        return -1;
    }
    /* "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95..","p99..","max.." */
    const char *line = strstr(text, "\"SET\"");
    double rps, avg, min, p50, p95, p99, max;
    if (line == NULL || sscanf(line, "\"SET\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\",\"%lf\"",
                               &rps, &avg, &min, &p50, &p95, &p99, &max) != 7) {
        bench_note("cannot read redis-benchmark's output: %.200s", text);
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->rate = rps;
    out->ops = (uint64_t)requests;
    out->p50 = p50 * 1e6;
    out->p99 = p99 * 1e6;
    out->max = max * 1e6;
    return 0;
}

void floor_redis_stop(redis_floor *r)
{
    if (r->pid > 0)
        proc_terminate(r->pid, "redis-server");
    r->pid = 0;
}
