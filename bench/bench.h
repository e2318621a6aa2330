/* bench.h — okr-bench, the load generator behind `make bench`: every type and
 * prototype of its modules, in one header (beanstalkd style).
 *
 * Modules, one per file, named by prefix:
 *   util.c      clock_*, bench_*: clocks, temporary directories, limits, logging
 *   hist.c      hist_*: log-bucket latency histogram (HdrHistogram-style)
 *   client.c    client_*: requests to okrd (blocking call, pipelined batches)
 *   driver.c    driver_*: N clients x W requests in flight against a DEALER peer
 *   proc.c      proc_*: okrd and redis-server as child processes, RSS
 *   floors.c    floor_*: what the hardware and libraries do at best
 *   populate.c  org_*: the generated organisation (--populate N)
 *   load.c      load_*: okrd check-ins and reads
 *   events.c    events_*: commit-to-subscriber latency
 *   ladder.c    ladder_*: check-ins on a ladder of diamonds and on a chain
 *   snapshot.c  snapshot_*: a whole paged snapshot through client/monitor.c
 *   postgres.c  pg_*: the PostgreSQL peers (a throw-away cluster, pgbench)
 *   report.c    report_*: figures, medians, ratios, targets, the table
 *   main.c      options and the plan of one run
 *
 * Figures are medians of several runs; latencies come from a histogram, never
 * from sorting a handful of samples. Everything talks over loopback only, and
 * every loop is bounded in time. What each figure means and how it is
 * measured: docs/performance.md. */
#ifndef OKR_BENCH_H
#define OKR_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "conn.h"
#include "okr.pb-c.h"

#define BENCH_MAX_RUNS 15
#define BENCH_PATH_MAX 4096
#define BENCH_EP_MAX 256
#define BENCH_USER "bench"

/* ------------------------------------------------------------ util.c */

/* Monotonic and wall-clock time in nanoseconds. */
int64_t clock_mono_ns(void);
int64_t clock_real_ns(void);

/* Print "okr-bench: ..." on stderr and exit 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Progress on stderr (one line), when verbose or always for warnings. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool bench_verbose;

/* A fresh directory under $TMPDIR (or /tmp) named okr-bench-TAG-XXXXXX,
 * written into out. Dies on failure. */
void bench_mkdtemp(const char *tag, char *out, size_t len);
/* rm -rf path (children first; no symlinks followed). */
void bench_rmtree(const char *path);
/* Raise the soft open-files limit to the hard one (1,000 connections need
 * about 2,000 descriptors). Returns the new soft limit. */
long bench_raise_fd_limit(void);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int bench_free_port(void);
/* Median of n values (sorts v). 0 when n == 0. */
double bench_median(double *v, size_t n);

/* ------------------------------------------------------------ hist.c */

/* Values are nanoseconds in [0, 2^41) (about 36 minutes); larger ones are
 * clamped. Buckets: exact below 256 ns, then 128 sub-buckets per power of
 * two, so a reported percentile is within 0.8 % of the true value. */
#define HIST_SUB_BITS 7
#define HIST_MAX_EXP 41
#define HIST_BUCKETS ((2 << HIST_SUB_BITS) + (HIST_MAX_EXP - HIST_SUB_BITS - 1) * (1 << HIST_SUB_BITS))

typedef struct {
    uint64_t counts[HIST_BUCKETS];
    uint64_t n, min, max;
    double sum;
} hist;

void hist_init(hist *h);
void hist_add(hist *h, uint64_t ns);
void hist_merge(hist *into, const hist *from);
/* The value at percentile p (0 < p <= 100): the highest value of the bucket
 * holding the ceil(p/100 * n)-th smallest value, capped at the maximum seen.
 * 0 when empty. */
uint64_t hist_percentile(const hist *h, double p);
double hist_mean(const hist *h);
/* Compare against exact percentiles of random samples; 0 when within 1 %. */
int hist_selftest(void);

/* ------------------------------------------------------------ runs */

/* What one measured run produced. Times in ns, rate in operations/s. */
typedef struct {
    double rate;
    double p50, p99, p999, max;
    uint64_t ops;       /* operations completed inside the measured window */
    uint64_t errors;    /* refused requests (error replies) */
} bench_run;

void run_from_hist(bench_run *r, const hist *h);

/* ------------------------------------------------------------ client.c */

/* A blocking client on one DEALER (own context), for set-up and one-off
 * requests. Replies may be up to OKR_MAX_RESPONSE_FRAME. */
typedef struct {
    void *zmq, *dealer;
    uint64_t next_id;
} client;

int client_open(client *c, const char *endpoint);
void client_close(client *c);
/* Fill version/request_id/user, send req, wait up to timeout_ms for the
 * reply with the same id. Returns the unpacked response (free with
 * okr__response__free_unpacked) or NULL on timeout. *bytes gets the reply
 * size when not NULL. */
Okr__Response *client_call(client *c, Okr__Request *req, int timeout_ms, size_t *bytes);
/* The response's error code (OK when none). */
Okr__ErrorCode client_code(const Okr__Response *r);
/* The okrd's status (last_seq, counts), or -1. */
int client_status(client *c, Okr__Status *out);

/* Pipelined requests: n requests, up to `window` in flight on the client's
 * DEALER. make(ctx, i, req) fills the body of request i (storage it points
 * to must stay valid until make is called again); on_reply(ctx, i, resp) sees
 * each reply. Returns 0, or -1 on a timeout (10 s without a reply). */
typedef void (*client_make_fn)(void *ctx, size_t i, Okr__Request *req);
typedef void (*client_reply_fn)(void *ctx, size_t i, const Okr__Response *resp);
int client_pipeline(client *c, size_t n, size_t window, client_make_fn make,
                    client_reply_fn on_reply, void *ctx);

/* ------------------------------------------------------------ driver.c */

/* Closed-loop load: `clients` DEALER sockets (one thread, one context), each
 * keeping `window` requests in flight; every reply is followed by the next
 * request. Replies in the first `warmup_s` are not counted; then replies are
 * counted and their latency (send to reply) recorded for `seconds` — or
 * longer for slow requests, until the window holds 4 x clients x window
 * replies (at most 4 x `seconds`). rate = replies / window length. */
typedef struct {
    const char *endpoint;
    int clients, window;
    double warmup_s, seconds;
    /* Fill req's body (version, request_id and user are the driver's). */
    void (*make)(void *ctx, Okr__Request *req);
    /* Decode a reply: set *request_id; return 0 (ok), 1 (refused), -1 (garbage). */
    int (*parse)(void *ctx, const void *data, size_t len, uint64_t *request_id);
    void *ctx;
    const conn_curve *curve;  /* secure mode: CURVE keys for every client (NULL: plain) */
} driver_spec;

/* Returns 0, or -1 when the peer stopped answering. h (may be NULL) gets
 * every latency of the window. */
int driver_run(const driver_spec *spec, bench_run *out, hist *h);

/* parse callbacks: okrd's Response, and an echoed Request (for the floor). */
int driver_parse_response(void *ctx, const void *data, size_t len, uint64_t *request_id);
int driver_parse_echo(void *ctx, const void *data, size_t len, uint64_t *request_id);
/* The first refusal message seen by driver_parse_response (for the report). */
const char *driver_last_error(void);

/* ------------------------------------------------------------ proc.c */

typedef struct {
    pid_t pid;
    char data_dir[BENCH_PATH_MAX];
    char log_path[BENCH_PATH_MAX];
    char requests[BENCH_EP_MAX];
    char events[BENCH_EP_MAX];
    int64_t startup_ns;        /* exec to ready line */
    int log_fd;                /* okrd's stderr after the ready line goes here */
    int pipe_fd;
    void *drain_thread;        /* pthread_t *, copies the pipe into the log */
} okrd_proc;

/* Start `okrd --data DIR --listen tcp://127.0.0.1:* --publish tcp://127.0.0.1:*`
 * with its stderr on a pipe; wait (at most 30 s) for the ready line; record
 * both endpoints and the time from fork to the ready line. Returns 0 or -1
 * (the log is printed). */
int proc_okrd_start(okrd_proc *p, const char *okrd_bin, const char *data_dir,
                    const char *log_path);
/* SIGTERM, wait up to 10 s, then SIGKILL. */
/* The same with one more okrd option (e.g. "--secure"; NULL: none). */
int proc_okrd_start_with(okrd_proc *p, const char *okrd_bin, const char *data_dir,
                         const char *log_path, const char *extra);
void proc_okrd_stop(okrd_proc *p);
/* Remember a child to SIGKILL at exit (a bench that dies leaves nothing
 * running); forget it once it has been reaped. */
void proc_track(pid_t pid);
void proc_untrack(pid_t pid);
/* SIGTERM, wait up to 10 s, then SIGKILL; reap it and stop tracking it.
 * `what` names the process in the note printed when it must be killed. */
void proc_terminate(pid_t pid, const char *what);
/* SIGINT/SIGTERM/SIGHUP: SIGKILL the tracked children, then exit. */
void proc_kill_children_on_signal(void);

typedef struct {
    long anon_kib, file_kib, rss_kib, hwm_kib;
    long threads, fds;
} proc_mem;
int proc_mem_of(pid_t pid, proc_mem *out);

/* Run argv (no shell), stdout captured into out (NUL-terminated, truncated
 * at len), stderr to /dev/null, killed after timeout_s. Returns the exit
 * code, or -1. */
int proc_capture(char *const argv[], char *out, size_t len, double timeout_s);
/* The parent's half of proc_capture, for a child the caller forked itself:
 * read fd (its stdout) into out (NULL: read and dropped) until EOF or
 * timeout_s (then SIGKILL), close fd, reap pid. Returns the exit code or -1. */
int proc_collect(pid_t pid, int fd, char *out, size_t len, double timeout_s);
/* Path of an executable found in $PATH (into out), or false. */
bool proc_which(const char *name, char *out, size_t len);

/* ------------------------------------------------------------ floors.c */

/* Bare DEALER->ROUTER echo: the same driver as the okrd load, against a
 * ROUTER thread (own context) that drains up to 256 ready frames and sends
 * them back, like okrd's loop without the work. Payload: a packed check-in
 * request. */
int floor_echo(int clients, int window, double warmup_s, double seconds, bench_run *out);
/* Bare REQ->REP round trip, one at a time; latency histogram. */
int floor_reqrep(double warmup_s, double seconds, bench_run *out);
/* Bare LMDB: one put per write transaction, each committed durably (no
 * NOSYNC flags, as okrd), in a fresh environment in dir. */
int floor_lmdb(const char *dir, double warmup_s, double seconds, bench_run *out);

typedef struct {
    bool available;
    char why[160];          /* when not available */
    char server[BENCH_PATH_MAX], tool[BENCH_PATH_MAX];
    pid_t pid;
    int port;
    char dir[BENCH_PATH_MAX];
} redis_floor;
/* Start redis-server on a free loopback port in dir (no persistence when
 * !durable; appendfsync always when durable). */
int floor_redis_start(redis_floor *r, const char *dir, bool durable);
/* redis-benchmark -t set -c 50 -n requests: SET requests per second. */
int floor_redis_set(redis_floor *r, int clients, long requests, bench_run *out);
void floor_redis_stop(redis_floor *r);

/* ------------------------------------------------------------ populate.c */

/* A generated organisation: one company objective (no KRs: its score is
 * the mean of the objectives aligned to it) and whole trees below it: each
 * tree is `depth` levels of objectives with `fanout` children each, its top
 * objective aligned to the company objective. Every tree objective has 3
 * KRs: one roll-up KR and two metric KRs above the deepest level, three
 * metric KRs at the deepest level. Level l objectives align to the roll-up
 * KR of their parent, so a check-in on a deepest-level KR moves 2*depth + 1
 * nodes (objective, roll-up KR, ... the tree's top objective, the company
 * objective), whatever the size; the company objective's score depends on
 * every node.
 * Teams: each tree's levels above depth/2 belong to team "bT<tree>"; each
 * objective at level depth/2 starts team "bT<tree>.<k>" that its subtree
 * shares. */
typedef struct {
    int depth, fanout;
    char period[16];
    uint32_t company;             /* the company objective's number (O<n>), 0 before */
    size_t trees;                 /* trees so far */
    size_t nodes;                 /* objectives + KRs created */
    size_t teams_made;
    uint32_t *objectives;         /* every objective number (O<n>) */
    size_t n_objectives, cap_objectives;
    uint32_t *leaf_krs;           /* KR numbers of deepest-level metric KRs */
    size_t n_leaf_krs, cap_leaf_krs;
    char (*teams)[48];            /* team names of level depth/2 (subtree teams) */
    size_t n_teams, cap_teams;
    double seconds;               /* spent populating so far */
    uint64_t requests;            /* requests sent so far */
} org;

void org_init(org *o, int depth, int fanout);
void org_free(org *o);
/* Nodes one tree adds. */
size_t org_tree_nodes(const org *o);
/* Grow o to at least `nodes` nodes (whole trees) through okrd at endpoint,
 * pipelining `window` requests. Returns 0, or -1 after printing why. */
int org_grow(org *o, const char *endpoint, size_t nodes, size_t window);

/* ------------------------------------------------------------ load.c */

typedef struct {
    const org *o;
    uint64_t rng;
    char id[24], team[48];
    Okr__CheckInAdd checkin;
    Okr__ObjectiveGet get;
    Okr__TreeGet tree;
} load_ctx;

void load_init(load_ctx *l, const org *o, uint64_t seed);
/* make callbacks: a check-in on a random deepest-level KR with a random value;
 * show a random objective; the tree of a random subtree team. */
void load_make_checkin(void *ctx, Okr__Request *req);
void load_make_show(void *ctx, Okr__Request *req);
void load_make_tree(void *ctx, Okr__Request *req);
/* Run one closed-loop run of make against okrd. */
int load_run(const char *endpoint, const org *o, void (*make)(void *, Okr__Request *),
             int clients, int window, double warmup_s, double seconds, bench_run *out);
/* The same over CURVE with these keys (a secure-mode okrd). */
int load_run_curve(const char *endpoint, const org *o, void (*make)(void *, Okr__Request *),
                   int clients, int window, double warmup_s, double seconds,
                   const conn_curve *curve, bench_run *out);
/* SnapshotGet: time from send to reply received and unpacked. */
int load_snapshot(const char *endpoint, double *ns, size_t *bytes, size_t *nodes);

/* ------------------------------------------------------------ events.c */

typedef struct {
    int subscribers;          /* SUB sockets on topic "all", in one thread */
    bool use_monitor;         /* one client/monitor.c monitor instead */
    double warmup_s, seconds;
    int interval_us;          /* at most one event per interval (0: back to back) */
} events_spec;

typedef struct {
    bench_run commit;         /* Event.commit_time to subscriber (floor: publish to SUB) */
    bench_run request;        /* Event.time (request start) to subscriber */
    uint64_t events, deliveries, missing;
} events_result;

/* One writer checks in, one at a time; subscribers time each event. */
int events_run(const char *requests, const char *events, const org *o,
               const events_spec *spec, events_result *out);
/* The floor: a bare PUB (own context, okrd's options) publishing a
 * check-in-sized Event about every millisecond to the same subscriber
 * thread; latency = receipt - publish (result in out->commit). */
int events_floor(const events_spec *spec, events_result *out);

/* ------------------------------------------------------------ ladder.c */

/* Build, through okrd at endpoint, `levels` levels of objectives: one per
 * level aligned to the one above (a chain), or with diamonds two per level,
 * each aligned to both of the level above; then one metric KR (0 -> 100) on
 * the bottom objective, whose id goes into kr. Returns 0 or -1; dies on a
 * refusal. */
int ladder_build(const char *endpoint, int levels, bool diamonds, char *kr, size_t len);

typedef struct {
    char kr[24];            /* the bottom KR */
    uint64_t sent;
    Okr__CheckInAdd checkin;
} ladder_load;

/* Check-ins on l->kr, one at a time, alternating two values so every
 * ancestor's score moves each time. When none completes inside the window
 * (each takes longer), one is timed alone. h (may be NULL) gets every
 * latency. Returns 0, or -1 when okrd stopped answering (10 s without a
 * reply). */
int ladder_run(const char *endpoint, ladder_load *l, double warmup_s, double seconds,
               bench_run *out, hist *h);

/* ------------------------------------------------------------ snapshot.c */

typedef struct {
    double ns;                /* monitor_new to the last page delivered */
    size_t pages, nodes, edges;
    size_t bytes, max_page_bytes;   /* packed Snapshot bytes: all pages, the largest */
} snapshot_result;

/* Clone the whole organisation at requests/events with client/monitor.c
 * (want_snapshot, the server's page size), timed. 0, or -1 after a note. */
int snapshot_clone(const char *requests, const char *events, snapshot_result *out);

/* ------------------------------------------------------------ postgres.c */

/* A throw-away PostgreSQL cluster: initdb into a fresh temporary directory,
 * the server as user postgres when we are root, TCP on 127.0.0.1:port only,
 * fsync and synchronous_commit on. psql and pgbench run as children. */
typedef struct {
    bool available;
    char why[200];                 /* when not available */
    char initdb[BENCH_PATH_MAX], postgres[BENCH_PATH_MAX];
    char psql[BENCH_PATH_MAX], pgbench[BENCH_PATH_MAX];
    char sql_dir[BENCH_PATH_MAX];  /* bench/postgres: schema.sql, top_score.sql */
    char dir[BENCH_PATH_MAX - 64]; /* the cluster, scripts, logs (room for names) */
    char log[BENCH_PATH_MAX];      /* server, initdb and psql stderr */
    int port;
    pid_t pid;
    bool drop;                     /* run the server as uid/gid (we are root) */
    uid_t uid;
    gid_t gid;
} pg_cluster;

/* One organisation in its own database: populate.c's shape (trees of
 * `depth` levels, `fanout` children, 3 KRs per objective). Ids: one space;
 * the top objectives are top_first .. +n_top, the deepest-level KRs (the
 * ones check-ins go to) leaf_first .. +n_leaf. */
typedef struct {
    char db[32];
    size_t trees, nodes;
    int depth, fanout;
    uint32_t top_first, leaf_first;
    size_t n_top, n_leaf;
    double load_s;                 /* generate, COPY, index, B's initial state */
} pg_org;

typedef enum {
    PG_CHECKIN_A,   /* INSERT INTO a.checkin */
    PG_CHECKIN_B,   /* SELECT b.checkin_add(kr, value): store and propagate */
    PG_TOP_A,       /* top_score.sql: the recursive query over a.checkin */
    PG_TOP_B,       /* the stored score of a top objective */
} pg_script;

typedef struct {
    long differences, nodes;       /* b.agg vs recompute() */
    long top_differences, tops;    /* top_score.sql on B's check-ins vs b.agg */
} pg_check;

/* Start a cluster. Returns 0, or -1 with pg->why set (not installed, no
 * postgres user, initdb or start failed). */
int pg_start(pg_cluster *pg);
/* Stop the server and remove its directory (unless keep). */
void pg_stop(pg_cluster *pg, bool keep);
/* Create database db and load `trees` trees into it (COPY, then indexes). */
int pg_load(pg_cluster *pg, pg_org *po, const char *db, size_t trees, int depth, int fanout);
/* pgbench -M prepared -c clients -j 2 -T seconds of script s: rate = its tps
 * (without connection time); latencies from its per-transaction log. */
int pg_bench(pg_cluster *pg, const pg_org *po, pg_script s, int clients, int seconds,
             bench_run *out);
/* Compare peer B's stored state with a recomputation from scratch, and peer
 * A's query (on B's check-ins) with B's stored score for up to 32 top
 * objectives. */
int pg_verify(pg_cluster *pg, const pg_org *po, pg_check *out);
/* okrd: ObjectiveGet of a random one of tops (objective numbers), one at a
 * time; brief: the objective and its KRs only (ObjectiveGet.brief), the
 * same information as a peer's score query. */
int pg_okrd_show_top(const char *endpoint, const uint32_t *tops, size_t n, bool brief,
                     double warmup_s, double seconds, bench_run *out);

/* ------------------------------------------------------------ report.c */

typedef enum { UNIT_RATE, UNIT_NS, UNIT_MIB, UNIT_COUNT, UNIT_SECONDS } report_unit;

typedef struct {
    char key[32];
    char label[96];
    report_unit unit;
    double runs[BENCH_MAX_RUNS];
    size_t n;
    char note[200];           /* skipped: why; else a remark */
    bool skipped;
} figure;

/* Add (or find) a figure and record one run's value. */
figure *report_figure(const char *key, const char *label, report_unit unit);
void report_add(const char *key, double value);
void report_skip(const char *key, const char *label, report_unit unit, const char *why);
void report_note(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Why a figure was skipped, or NULL when it was not. */
const char *report_skip_note(const char *key);
/* Median of a figure's runs; NAN when missing or skipped. */
double report_value(const char *key);
/* A ratio line: numerator figure / denominator expression, compared to a
 * limit. `higher` says whether the ratio must be >= limit (else <=). */
void report_target(const char *name, const char *what, double ratio, double limit, bool higher,
                   const char *ratio_text, const char *why_missing);
/* Print the figure table and the target table (plain text) on out; with
 * markdown, GitHub tables instead. */
void report_print(FILE *out, bool markdown, const char *title);
int report_missed(void);
/* A value in a unit, for humans: "12,345 /s", "87.3 µs", "1.20 ms", "41.5 MiB". */
void report_format(report_unit unit, double v, char *out, size_t len);

#endif
