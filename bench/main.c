/* main.c — okr-bench: options, and the plan of one benchmark run.
 *
 *   okr-bench [--quick] [options]      the whole suite, one table (make bench)
 *   okr-bench --populate N --data DIR  generate an organisation of N nodes
 *   okr-bench --populate N --server EP   ... into a running okrd
 *   okr-bench --selftest               check the histogram
 *
 * The plan interleaves floors and okrd runs round by round (echo, okrd
 * check-ins, redis, REQ/REP, LMDB, okrd latency; then again), so a slow
 * moment of the machine hits both sides of a ratio. Every figure is the
 * median of its runs. See docs/performance.md for what each figure means. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "keyfile.h"
#include "okr_limits.h"
#include "wire.h"

typedef struct {
    bool quick;
    const char *okrd;
    int clients, window, runs;
    double seconds, warmup;
    size_t small, large, snapshot;
    int depth, fanout;
    int subscribers, idle;
    bool redis;
    const char *markdown;
    const char *only;
    bool keep;
    /* --populate */
    size_t populate;
    const char *data, *server;
} plan;

static int64_t started_ns;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    bench_note("[%5.1f s] %s", (double)(clock_mono_ns() - started_ns) / 1e9, text);
}

static bool section(const plan *p, const char *name)
{
    if (p->only == NULL)
        return true;
    size_t n = strlen(name);
    for (const char *s = p->only; (s = strstr(s, name)) != NULL; s += n)
        if ((s == p->only || s[-1] == ',') && (s[n] == '\0' || s[n] == ','))
            return true;
    return false;
}

static void usage(FILE *out)
{
    fputs("usage: okr-bench [OPTIONS]\n"
          "       okr-bench --populate N (--data DIR | --server EP) [--depth D] [--fanout F]\n"
          "\n"
          "Measures okrd against the floors of this machine (ZeroMQ echo and round trip,\n"
          "a durable LMDB commit, redis-benchmark) in one run and prints every figure,\n"
          "ratio and target. Loopback only; every phase is bounded in time.\n"
          "\n"
          "  --quick            small sizes, 3 runs of 0.5 s: about two minutes\n"
          "  --okrd PATH        the server (default $OKRD, else build/okrd)\n"
          "  --clients N        concurrent clients (default 8)\n"
          "  --window W         requests in flight per client (default 8)\n"
          "  --runs R           runs per figure; the median is reported (default 5)\n"
          "  --seconds S        measured seconds per run (default 2)\n"
          "  --small N          nodes of the small organisation (default 1000)\n"
          "  --large N          nodes of the large one (default 1000000; quick 100000)\n"
          "  --snapshot N       nodes for the snapshot figure (default 100000; quick 10000);\n"
          "                     the large organisation is snapshot too (target 10)\n"
          "  --depth D          alignment depth (default 6)\n"
          "  --fanout F         children per objective (default 2)\n"
          "  --subscribers N    subscribers of the fan-out figure (default 100)\n"
          "  --idle N           idle connections for the RSS figure (default 1000)\n"
          "  --no-redis         skip the Redis comparison\n"
          "  --only LIST        sections: floors,checkin,secure,reads,events,ladder,snapshot,large,\n"
          "                     startup,postgres (the PostgreSQL peers, at --small and --large)\n"
          "  --markdown FILE    also write the tables as GitHub markdown\n"
          "  --keep             keep the temporary directory\n"
          "  --populate N       add an organisation of N nodes (whole trees) and exit\n"
          "  --data DIR         with --populate: start okrd on DIR for it\n"
          "  --server EP        with --populate: use the okrd at EP\n"
          "  --selftest         check the histogram against exact percentiles\n"
          "  -v, --verbose      more progress on stderr\n",
          out);
}

static size_t parse_count(const char *text, const char *name)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || v < 1 || v > 1e9)
        bench_die("%s: not a count: %s", name, text);
    return (size_t)v;
}

static void parse_options(plan *p, int argc, char **argv)
{
    enum { O_QUICK = 256, O_OKRD, O_CLIENTS, O_WINDOW, O_RUNS, O_SECONDS, O_SMALL, O_LARGE,
           O_SNAPSHOT, O_DEPTH, O_FANOUT, O_SUBS, O_IDLE, O_NOREDIS, O_ONLY, O_MARKDOWN,
           O_KEEP, O_POPULATE, O_DATA, O_SERVER, O_SELFTEST };
    static const struct option opts[] = {
        {"quick", no_argument, NULL, O_QUICK},
        {"okrd", required_argument, NULL, O_OKRD},
        {"clients", required_argument, NULL, O_CLIENTS},
        {"window", required_argument, NULL, O_WINDOW},
        {"runs", required_argument, NULL, O_RUNS},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"small", required_argument, NULL, O_SMALL},
        {"large", required_argument, NULL, O_LARGE},
        {"snapshot", required_argument, NULL, O_SNAPSHOT},
        {"depth", required_argument, NULL, O_DEPTH},
        {"fanout", required_argument, NULL, O_FANOUT},
        {"subscribers", required_argument, NULL, O_SUBS},
        {"idle", required_argument, NULL, O_IDLE},
        {"no-redis", no_argument, NULL, O_NOREDIS},
        {"only", required_argument, NULL, O_ONLY},
        {"markdown", required_argument, NULL, O_MARKDOWN},
        {"keep", no_argument, NULL, O_KEEP},
        {"populate", required_argument, NULL, O_POPULATE},
        {"data", required_argument, NULL, O_DATA},
        {"server", required_argument, NULL, O_SERVER},
        {"selftest", no_argument, NULL, O_SELFTEST},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool large_set = false, runs_set = false, seconds_set = false, snap_set = false;
    const char *env = getenv("OKRD");
    *p = (plan){
        .okrd = env && env[0] ? env : "build/okrd",
        .clients = 8, .window = 8, .runs = 5, .seconds = 2, .warmup = 0.5,
        .small = 1000, .large = 1000000, .snapshot = 100000,
        .depth = 6, .fanout = 2, .subscribers = 100, .idle = 1000, .redis = true,
    };
    int c;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case O_QUICK: p->quick = true; break;
        case O_OKRD: p->okrd = optarg; break;
        case O_CLIENTS: p->clients = (int)parse_count(optarg, "--clients"); break;
        case O_WINDOW: p->window = (int)parse_count(optarg, "--window"); break;
        case O_RUNS: p->runs = (int)parse_count(optarg, "--runs"); runs_set = true; break;
        case O_SECONDS:
            p->seconds = strtod(optarg, NULL);
            if (!(p->seconds > 0 && p->seconds <= 60))
                bench_die("--seconds: 0 < S <= 60");
            seconds_set = true;
            break;
        case O_SMALL: p->small = parse_count(optarg, "--small"); break;
        case O_LARGE: p->large = parse_count(optarg, "--large"); large_set = true; break;
        case O_SNAPSHOT: p->snapshot = parse_count(optarg, "--snapshot"); snap_set = true; break;
        case O_DEPTH: p->depth = (int)parse_count(optarg, "--depth"); break;
        case O_FANOUT: p->fanout = (int)parse_count(optarg, "--fanout"); break;
        case O_SUBS: p->subscribers = (int)parse_count(optarg, "--subscribers"); break;
        case O_IDLE: p->idle = (int)parse_count(optarg, "--idle"); break;
        case O_NOREDIS: p->redis = false; break;
        case O_ONLY: p->only = optarg; break;
        case O_MARKDOWN: p->markdown = optarg; break;
        case O_KEEP: p->keep = true; break;
        case O_POPULATE: p->populate = parse_count(optarg, "--populate"); break;
        case O_DATA: p->data = optarg; break;
        case O_SERVER: p->server = optarg; break;
        case O_SELFTEST:
            if (hist_selftest() != 0)
                bench_die("histogram self-test failed");
            printf("histogram self-test passed\n");
            exit(0);
        case 'v': bench_verbose = true; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        usage(stderr);
        exit(2);
    }
    if (p->runs > BENCH_MAX_RUNS)
        bench_die("--runs: at most %d", BENCH_MAX_RUNS);
    if (p->depth > 12 || p->fanout > 16)
        bench_die("--depth at most 12, --fanout at most 16");
    if (p->quick) {
        if (!large_set)
            p->large = 100000;
        if (!runs_set)
            p->runs = 3;
        if (!seconds_set)
            p->seconds = 0.5;
        if (!snap_set)
            p->snapshot = 10000;        /* target 10: 100k vs 10k */
        p->warmup = 0.2;
    }
}

/* ------------------------------------------------------------ --populate */

static int populate_only(const plan *p)
{
    if ((p->data == NULL) == (p->server == NULL))
        bench_die("--populate needs exactly one of --data DIR or --server EP");
    okrd_proc proc = {0};
    const char *endpoint = p->server;
    char log[BENCH_PATH_MAX];
    if (p->data) {
        snprintf(log, sizeof log, "%s.okrd.log", p->data);
        if (proc_okrd_start(&proc, p->okrd, p->data, log) != 0)
            return 1;
        endpoint = proc.requests;
    }
    org o;
    org_init(&o, p->depth, p->fanout);
    int rc = org_grow(&o, endpoint, p->populate, 1024);
    if (p->data)
        proc_okrd_stop(&proc);
    if (rc != 0)
        return 1;
    printf("populated %zu nodes (%zu objectives, %zu KRs) in %zu trees of depth %d, "
           "%zu subtree teams, in %.2f s (%.0f nodes/s)\n",
           o.nodes, o.n_objectives, o.nodes - o.n_objectives, o.trees, o.depth, o.n_teams,
           o.seconds, (double)o.nodes / o.seconds);
    org_free(&o);
    return 0;
}

/* ------------------------------------------------------------ sections */

typedef struct {
    const plan *p;
    char root[BENCH_PATH_MAX - 256];   /* room for the names under it */
    okrd_proc okrd;
    bool okrd_up;
    org o;
    redis_floor redis, redis_aof;   /* in memory (context); appendfsync always (target 1) */
    int round;
    double ladder_ratio;     /* ladder p50 / chain p50: median of rounds; NAN unmeasured */
    pg_cluster pg;           /* the PostgreSQL peers' cluster, once started */
    bool pg_tried;
    size_t pg_nodes[2];      /* organisation size of the peers' small and large rows */
} bench;

static void fail_if(int rc, const char *what)
{
    if (rc != 0)
        bench_die("%s failed; the figures so far are not printed", what);
}

static void grow(bench *b, size_t nodes, const char *what)
{
    size_t before = b->o.nodes;
    double seconds = b->o.seconds;
    progress("populating the %s organisation to %zu nodes", what, nodes);
    fail_if(org_grow(&b->o, b->okrd.requests, nodes, 1024), "populating");
    double took = b->o.seconds - seconds;
    if (b->o.nodes - before >= 50000 && took > 0) {     /* small ones measure the barriers */
        report_figure("populate", "populate: nodes created per second (pipelined, 1024 in flight)",
                      UNIT_RATE);
        report_add("populate", (double)(b->o.nodes - before) / took);
    }
    progress("  %zu nodes (%zu trees) in %.1f s", b->o.nodes, b->o.trees, took);
}

#define REDIS_AOF_LABEL "floor: redis-benchmark -t set -c 50, appendonly yes, appendfsync always"
#define REDIS_MEM_LABEL "context: redis-benchmark -t set -c 50, in memory (no persistence)"

static void floors_and_checkins(bench *b)
{
    const plan *p = b->p;
    char label[96];
    bool floors = section(p, "floors"), checkin = section(p, "checkin");
    snprintf(label, sizeof label, "floor: ZeroMQ DEALER->ROUTER echo, %d x %d in flight",
             p->clients, p->window);
    report_figure("floor.echo", label, UNIT_RATE);
    report_figure("floor.rtt", "floor: ZeroMQ REQ->REP round trip, p50", UNIT_NS);
    report_figure("floor.rtt99", "floor: ZeroMQ REQ->REP round trip, p99", UNIT_NS);
    report_figure("floor.lmdb", "floor: LMDB durable commit (1 put/txn), p50", UNIT_NS);
    report_figure("floor.lmdb.rate", "floor: LMDB durable commits per second", UNIT_RATE);
    if (p->redis && floors) {
        char dir[BENCH_PATH_MAX];
        snprintf(dir, sizeof dir, "%s/redis", b->root);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            bench_die("mkdir %s: %s", dir, strerror(errno));
        /* Target 1's floor: Redis made as durable as okrd (fsync before the
         * reply); the in-memory one beside it for context. */
        if (floor_redis_start(&b->redis_aof, dir, true) != 0)
            report_skip("floor.redis.aof", REDIS_AOF_LABEL, UNIT_RATE, b->redis_aof.why);
        snprintf(dir, sizeof dir, "%s/redis-mem", b->root);
        mkdir(dir, 0700);
        if (!b->redis_aof.available)
            report_skip("floor.redis", REDIS_MEM_LABEL, UNIT_RATE, b->redis_aof.why);
        else if (floor_redis_start(&b->redis, dir, false) != 0)
            report_skip("floor.redis", REDIS_MEM_LABEL, UNIT_RATE, b->redis.why);
    } else if (!p->redis) {
        report_skip("floor.redis.aof", REDIS_AOF_LABEL, UNIT_RATE, "--no-redis");
        report_skip("floor.redis", REDIS_MEM_LABEL, UNIT_RATE, "--no-redis");
    }
    if (b->redis_aof.available)
        report_figure("floor.redis.aof", REDIS_AOF_LABEL, UNIT_RATE);
    if (b->redis.available)
        report_figure("floor.redis", REDIS_MEM_LABEL, UNIT_RATE);
    snprintf(label, sizeof label, "okrd: durable check-ins, %d clients x %d in flight, %zu nodes",
             p->clients, p->window, b->o.nodes);
    report_figure("checkin", label, UNIT_RATE);
    report_figure("checkin.p50", "okrd: check-in latency, 1 client, p50", UNIT_NS);
    report_figure("checkin.p99", "okrd: check-in latency, 1 client, p99", UNIT_NS);

    char lmdb_dir[BENCH_PATH_MAX];
    snprintf(lmdb_dir, sizeof lmdb_dir, "%s/lmdb-floor", b->root);
    long redis_requests = p->quick ? 30000 : 100000;
    for (int r = 0; r < p->runs; r++) {
        bench_run run;
        progress("round %d/%d: floors and check-ins", r + 1, p->runs);
        if (floors) {
            fail_if(floor_echo(p->clients, p->window, p->warmup, p->seconds, &run), "echo floor");
            report_add("floor.echo", run.rate);
        }
        if (checkin) {
            fail_if(load_run(b->okrd.requests, &b->o, load_make_checkin, p->clients, p->window,
                             p->warmup, p->seconds, &run),
                    "check-in throughput");
            report_add("checkin", run.rate);
        }
        if (floors && b->redis_aof.available) {
            fail_if(floor_redis_set(&b->redis_aof, 50, redis_requests / 4, &run),
                    "redis-benchmark (appendfsync always)");
            report_add("floor.redis.aof", run.rate);
        }
        if (floors && b->redis.available) {
            fail_if(floor_redis_set(&b->redis, 50, redis_requests, &run), "redis-benchmark");
            report_add("floor.redis", run.rate);
        }
        if (floors) {
            fail_if(floor_reqrep(p->warmup, p->seconds, &run), "REQ/REP floor");
            report_add("floor.rtt", run.p50);
            report_add("floor.rtt99", run.p99);
            fail_if(floor_lmdb(lmdb_dir, p->warmup, p->seconds, &run), "LMDB floor");
            report_add("floor.lmdb", run.p50);
            report_add("floor.lmdb.rate", run.rate);
        }
        if (checkin) {
            fail_if(load_run(b->okrd.requests, &b->o, load_make_checkin, 1, 1, p->warmup,
                             p->seconds, &run),
                    "check-in latency");
            report_add("checkin.p50", run.p50);
            report_add("checkin.p99", run.p99);
        }
    }
    if (b->redis.available)
        floor_redis_stop(&b->redis);
    if (b->redis_aof.available)
        floor_redis_stop(&b->redis_aof);
}

/* show and tree: latency with one client; throughput with N x W unless
 * latency_only (the large organisation: its slow trees would take long). */
static void reads(bench *b, const char *suffix, const char *what, bool latency_only)
{
    const plan *p = b->p;
    char key[4][32], label[4][96];
    snprintf(key[0], sizeof key[0], "show.p50%s", suffix);
    snprintf(key[1], sizeof key[1], "show.rate%s", suffix);
    snprintf(key[2], sizeof key[2], "tree.p50%s", suffix);
    snprintf(key[3], sizeof key[3], "tree.rate%s", suffix);
    snprintf(label[0], sizeof label[0], "okrd: show (ObjectiveGet) latency, 1 client, p50%s", what);
    snprintf(label[1], sizeof label[1], "okrd: show, %d x %d in flight%s", p->clients, p->window,
             what);
    snprintf(label[2], sizeof label[2], "okrd: tree of a team (TreeGet) latency, p50%s", what);
    snprintf(label[3], sizeof label[3], "okrd: tree of a team, %d x %d in flight%s", p->clients,
             p->window, what);
    report_figure(key[0], label[0], UNIT_NS);
    if (!latency_only)
        report_figure(key[1], label[1], UNIT_RATE);
    report_figure(key[2], label[2], UNIT_NS);
    if (!latency_only)
        report_figure(key[3], label[3], UNIT_RATE);
    for (int r = 0; r < p->runs; r++) {
        bench_run run;
        progress("round %d/%d: reads%s", r + 1, p->runs, what);
        fail_if(load_run(b->okrd.requests, &b->o, load_make_show, 1, 1, p->warmup, p->seconds, &run),
                "show latency");
        report_add(key[0], run.p50);
        if (!latency_only) {
            fail_if(load_run(b->okrd.requests, &b->o, load_make_show, p->clients, p->window,
                             p->warmup, p->seconds, &run),
                    "show throughput");
            report_add(key[1], run.rate);
        }
        fail_if(load_run(b->okrd.requests, &b->o, load_make_tree, 1, 1, p->warmup, p->seconds, &run),
                "tree latency");
        report_add(key[2], run.p50);
        if (!latency_only) {
            fail_if(load_run(b->okrd.requests, &b->o, load_make_tree, p->clients, p->window,
                             p->warmup, p->seconds, &run),
                    "tree throughput");
            report_add(key[3], run.rate);
        }
    }
    double rtt = report_value("floor.rtt");
    if (!isnan(rtt)) {
        report_note(key[0], "%.2f x the REQ/REP round trip", report_value(key[0]) / rtt);
        report_note(key[2], "%.2f x the REQ/REP round trip", report_value(key[2]) / rtt);
    }
}

/* With N subscribers, one event every 5 ms: 100 subscribers then mean
 * 20,000 deliveries/s, which one receiving thread on a 2-core machine takes
 * without queueing (back to back it cannot: the figure would measure the
 * bench's own receive queue). */
#define FANOUT_INTERVAL_US 5000

static void events(bench *b)
{
    const plan *p = b->p;
    char label[96];
    snprintf(label, sizeof label, "floor: ZeroMQ PUB -> %d SUB, p50", p->subscribers);
    report_figure("floor.pubN.p50", label, UNIT_NS);
    snprintf(label, sizeof label, "floor: ZeroMQ PUB -> %d SUB, p99", p->subscribers);
    report_figure("floor.pubN.p99", label, UNIT_NS);
    report_figure("ev1.p50", "events: commit -> 1 subscriber, p50", UNIT_NS);
    report_figure("ev1.p99", "events: commit -> 1 subscriber, p99", UNIT_NS);
    snprintf(label, sizeof label, "events: commit -> %d subscribers, p50", p->subscribers);
    report_figure("evN.p50", label, UNIT_NS);
    snprintf(label, sizeof label, "events: commit -> %d subscribers, p99", p->subscribers);
    report_figure("evN.p99", label, UNIT_NS);
    snprintf(label, sizeof label, "events: request start -> %d subscribers, p99 (incl. fsync)",
             p->subscribers);
    report_figure("evN.req99", label, UNIT_NS);
    report_figure("evM.p99", "events: commit -> 1 monitor (client/monitor.c), p99", UNIT_NS);
    uint64_t missing = 0;
    for (int r = 0; r < p->runs; r++) {
        events_spec spec = {.subscribers = 1, .warmup_s = p->warmup, .seconds = p->seconds};
        events_result res;
        progress("round %d/%d: events", r + 1, p->runs);
        spec.subscribers = p->subscribers;
        spec.interval_us = FANOUT_INTERVAL_US;
        fail_if(events_floor(&spec, &res), "PUB/SUB floor");
        report_add("floor.pubN.p50", res.commit.p50);
        report_add("floor.pubN.p99", res.commit.p99);
        spec.subscribers = 1;
        spec.interval_us = 0;
        fail_if(events_run(b->okrd.requests, b->okrd.events, &b->o, &spec, &res), "events (1)");
        report_add("ev1.p50", res.commit.p50);
        report_add("ev1.p99", res.commit.p99);
        missing += res.missing;
        spec.subscribers = p->subscribers;
        spec.interval_us = FANOUT_INTERVAL_US;
        fail_if(events_run(b->okrd.requests, b->okrd.events, &b->o, &spec, &res), "events (N)");
        report_add("evN.p50", res.commit.p50);
        report_add("evN.p99", res.commit.p99);
        report_add("evN.req99", res.request.p99);
        missing += res.missing;
        if (bench_verbose)
            bench_note("  %llu events, %llu deliveries, %llu missing",
                       (unsigned long long)res.events, (unsigned long long)res.deliveries,
                       (unsigned long long)res.missing);
        spec.subscribers = 1;
        spec.interval_us = 0;
        spec.use_monitor = true;
        fail_if(events_run(b->okrd.requests, b->okrd.events, &b->o, &spec, &res), "events (monitor)");
        report_add("evM.p99", res.commit.p99);
        missing += res.missing;
    }
    report_note("ev1.p50", "receipt - Event.commit_time (okrd's clock); back to back");
    report_note("floor.pubN.p50", "one event per %d ms, one receiving thread", FANOUT_INTERVAL_US / 1000);
    report_note("evN.p50", "one check-in per %d ms", FANOUT_INTERVAL_US / 1000);
    report_note("evN.p99", "%.2f x the PUB -> SUB floor's p99",
                report_value("evN.p99") / report_value("floor.pubN.p99"));
    if (missing)
        report_note("evN.p99", "%llu deliveries missing (PUB high-water mark)",
                    (unsigned long long)missing);
}

/* Check-in latency on a ladder of diamonds against a chain of as many levels,
 * in an okrd of their own (the organisation of the other figures stays as it
 * is). The machine is shared and noisy, so each round alternates short
 * slices of the two (a slow moment hits both sides), each side's p50 comes
 * from the round's merged histogram, and the target is the median of the
 * rounds' ratios. An okrd whose roll-up follows paths (2^40 on the ladder)
 * stops answering: the ladder's figure is then the 10 s the driver waited. */
#define LADDER_LEVELS 40
#define LADDER_SLICES 4

/* One round: returns the ladder's p50 over the chain's; *answered false
 * when okrd stopped answering on the ladder (the ratio is then a lower bound). */
static double ladder_round(const plan *p, const char *endpoint, ladder_load *chain,
                           ladder_load *diamonds, bool *answered)
{
    hist *hc = malloc(sizeof *hc), *hl = malloc(sizeof *hl);
    if (hc == NULL || hl == NULL)
        bench_die("out of memory");
    hist_init(hc);
    hist_init(hl);
    double slice = p->seconds / LADDER_SLICES, warmup = p->warmup / LADDER_SLICES;
    *answered = true;
    for (int s = 0; s < LADDER_SLICES && *answered; s++) {
        bench_run run;
        fail_if(ladder_run(endpoint, chain, warmup, slice, &run, hc), "check-ins on the chain");
        *answered = ladder_run(endpoint, diamonds, warmup, slice, &run, hl) == 0;
    }
    bench_run c, l;
    run_from_hist(&c, hc);
    run_from_hist(&l, hl);
    if (!*answered) {
        l.p50 = 10e9;      /* driver.c gave up after 10 s without a reply: a lower bound */
        report_note("ladder.p50", "no reply within 10 s: at least that");
    }
    report_add("chain.p50", c.p50);
    report_add("ladder.p50", l.p50);
    free(hc);
    free(hl);
    return l.p50 / c.p50;
}

static void ladder(bench *b)
{
    const plan *p = b->p;
    char data[BENCH_PATH_MAX], log[BENCH_PATH_MAX], label[96];
    snprintf(data, sizeof data, "%s/ladder", b->root);
    snprintf(log, sizeof log, "%s/ladder.log", b->root);
    okrd_proc proc = {0};
    fail_if(proc_okrd_start(&proc, p->okrd, data, log), "starting okrd for the ladder");
    ladder_load chain = {0}, diamonds = {0};
    progress("building a %d-level chain and a %d-level ladder of diamonds", LADDER_LEVELS,
             LADDER_LEVELS);
    fail_if(ladder_build(proc.requests, LADDER_LEVELS, false, chain.kr, sizeof chain.kr),
            "building the chain");
    fail_if(ladder_build(proc.requests, LADDER_LEVELS, true, diamonds.kr, sizeof diamonds.kr),
            "building the ladder");
    snprintf(label, sizeof label, "okrd: check-in latency, %d-level chain (%d ancestors), p50",
             LADDER_LEVELS, LADDER_LEVELS);
    report_figure("chain.p50", label, UNIT_NS);
    snprintf(label, sizeof label,
             "okrd: check-in latency, %d-level diamond ladder (%d ancestors), p50",
             LADDER_LEVELS, 2 * LADDER_LEVELS - 1);
    report_figure("ladder.p50", label, UNIT_NS);
    double ratios[BENCH_MAX_RUNS];
    size_t n = 0;
    bool answered = true;
    for (int r = 0; r < p->runs && answered; r++) {
        progress("round %d/%d: check-ins on the chain and the ladder", r + 1, p->runs);
        ratios[n++] = ladder_round(p, proc.requests, &chain, &diamonds, &answered);
    }
    /* A round okrd did not finish decides: its ratio is a lower bound. */
    b->ladder_ratio = answered ? bench_median(ratios, n) : ratios[n - 1];
    if (answered)
        report_note("ladder.p50", "median of the rounds' ratios to the chain: %.2f",
                    b->ladder_ratio);
    proc_okrd_stop(&proc);
}

/* Stop okrd and start it again on the same data. */
static void restart_okrd(bench *b)
{
    char data[BENCH_PATH_MAX], log[BENCH_PATH_MAX];
    snprintf(data, sizeof data, "%s/data", b->root);
    snprintf(log, sizeof log, "%s/okrd.log", b->root);
    proc_okrd_stop(&b->okrd);
    b->okrd_up = false;
    fail_if(proc_okrd_start(&b->okrd, b->p->okrd, data, log), "okrd restart");
    b->okrd_up = true;
}

/* Snapshot time and okrd's memory for it: okrd is restarted first, so its
 * peak RSS (VmHWM) afterwards is the snapshots', not the population's. */
static void snapshot_at(bench *b, const char *key, int runs)
{
    char label[112], rss_key[48];
    restart_okrd(b);
    snprintf(label, sizeof label, "okrd: snapshot of %zu nodes, every page (client/monitor.c)",
             b->o.nodes);
    report_figure(key, label, UNIT_NS);
    snapshot_result res = {0};
    for (int r = 0; r < runs; r++) {
        progress("round %d/%d: snapshot of %zu nodes", r + 1, runs, b->o.nodes);
        fail_if(snapshot_clone(b->okrd.requests, b->okrd.events, &res), "snapshot");
        report_add(key, res.ns);
    }
    report_note(key, "%.1f MB in %zu pages (largest %.2f MB), %zu nodes",
                (double)res.bytes / 1e6, res.pages, (double)res.max_page_bytes / 1e6, res.nodes);
    proc_mem m;
    if (proc_mem_of(b->okrd.pid, &m) == 0) {
        snprintf(rss_key, sizeof rss_key, "%s.hwm", key);
        snprintf(label, sizeof label, "okrd: peak RSS (VmHWM, incl. mapped data pages) through "
                 "the snapshots, %zu nodes", b->o.nodes);
        report_figure(rss_key, label, UNIT_MIB);
        report_add(rss_key, (double)m.hwm_kib / 1024.0);
        report_note(rss_key, "anonymous RSS after them %.1f MiB", (double)m.anon_kib / 1024.0);
    }
}

static void snapshot(bench *b)
{
    grow(b, b->p->snapshot, "snapshot");
    snapshot_at(b, "snapshot", b->p->runs);
}

static void large(bench *b)
{
    const plan *p = b->p;
    grow(b, p->large, "large");
    char label[96];
    snprintf(label, sizeof label, "okrd: durable check-ins, %d x %d in flight, %zu nodes%s",
             p->clients, p->window, b->o.nodes, p->quick ? " (QUICK)" : "");
    report_figure("checkin.large", label, UNIT_RATE);
    /* The tail under that load: a commit that writes the aggregates back
     * all at once makes every request in flight wait for it. */
    char tail[96];
    snprintf(tail, sizeof tail, "okrd: check-in latency under that load, p99.9, %zu nodes",
             b->o.nodes);
    report_figure("checkin.large.p999", tail, UNIT_NS);
    snprintf(tail, sizeof tail, "okrd: check-in latency under that load, max, %zu nodes",
             b->o.nodes);
    report_figure("checkin.large.max", tail, UNIT_NS);
    for (int r = 0; r < p->runs; r++) {
        bench_run run;
        progress("round %d/%d: check-ins on %zu nodes", r + 1, p->runs, b->o.nodes);
        fail_if(load_run(b->okrd.requests, &b->o, load_make_checkin, p->clients, p->window,
                         p->warmup, p->seconds, &run),
                "check-in throughput (large)");
        report_add("checkin.large", run.rate);
        report_add("checkin.large.p999", run.p999);
        report_add("checkin.large.max", run.max);
    }
    char what[48];
    snprintf(what, sizeof what, ", %zu nodes", b->o.nodes);
    reads(b, ".large", what, true);
    double small = report_value("checkin");
    if (!isnan(small))
        report_note("checkin.large", "%.2f x the small organisation's", report_value("checkin.large") / small);
}

/* Check-ins against the same data with `okrd --secure` (CURVE on every
 * message, the user looked up per request), as ratios to the plain figures
 * of this run: a user is added offline, okrd restarted secure, measured,
 * and restarted plain for the sections after this one. */
static void secure_checkins(bench *b)
{
    const plan *p = b->p;
    char label[96], pub[KEY_Z85_BUF], secret[KEY_Z85_BUF], out[512], err[256], path[BENCH_PATH_MAX + 16];
    char data[BENCH_PATH_MAX], log[BENCH_PATH_MAX];
    snprintf(data, sizeof data, "%s/data", b->root);
    snprintf(log, sizeof log, "%s/okrd.log", b->root);
    snprintf(label, sizeof label, "okrd --secure: durable check-ins, %d clients x %d in flight",
             p->clients, p->window);
    report_figure("checkin.secure", label, UNIT_RATE);
    report_figure("checkin.secure.p50", "okrd --secure: check-in latency, 1 client, p50", UNIT_NS);
    if (zmq_curve_keypair(pub, secret) != 0)
        bench_die("zmq_curve_keypair: %s", zmq_strerror(errno));
    proc_okrd_stop(&b->okrd);
    b->okrd_up = false;
    char *add[] = {(char *)p->okrd, "--data", data, "--add-user", "okr-bench", "--role", "editor",
                   "--key", pub, NULL};
    fail_if(proc_capture(add, out, sizeof out, 30) != 0, "okrd --add-user");
    fail_if(proc_okrd_start_with(&b->okrd, p->okrd, data, log, "--secure"), "okrd --secure");
    conn_curve keys;
    snprintf(path, sizeof path, "%s/server.pub", data);
    if (keyfile_read_public(path, keys.server_key, err, sizeof err) != 0)
        bench_die("%s", err);
    memcpy(keys.public_key, pub, sizeof pub);
    memcpy(keys.secret_key, secret, sizeof secret);
    for (int r = 0; r < p->runs; r++) {
        bench_run run;
        progress("round %d/%d: check-ins with --secure", r + 1, p->runs);
        fail_if(load_run_curve(b->okrd.requests, &b->o, load_make_checkin, p->clients, p->window,
                               p->warmup, p->seconds, &keys, &run),
                "secure check-in throughput");
        report_add("checkin.secure", run.rate);
        fail_if(load_run_curve(b->okrd.requests, &b->o, load_make_checkin, 1, 1, p->warmup,
                               p->seconds, &keys, &run),
                "secure check-in latency");
        report_add("checkin.secure.p50", run.p50);
    }
    proc_okrd_stop(&b->okrd);
    fail_if(proc_okrd_start(&b->okrd, p->okrd, data, log), "okrd restart (plain)");
    b->okrd_up = true;
}

/* The PostgreSQL peers (bench/postgres.c, docs/performance.md) on the
 * organisation okrd holds now (the small one, then the large one): okrd's
 * durable check-ins with as many clients as pgbench's (N x W in flight, the
 * targets' figure, and N x 1, pgbench's one statement at a time) and its
 * ObjectiveGet of a top objective, interleaved round by round with peer A
 * (compute-on-read) and peer B (incremental PL/pgSQL); then B's stored
 * scores against a recomputation. `size` names the figures ("1k", "1M").
 * The cluster starts on first use; main stops it after the large size. */
static void postgres_peers(bench *b, const char *size)
{
    const plan *p = b->p;
    enum { N_FIGURES = 10 };
    char key[N_FIGURES][32], label[N_FIGURES][96];
    static const char *const keys[N_FIGURES] = {"ci.okrd", "ci.a", "ci.b", "top.okrd", "top.a",
                                                "top.b", "diff.b", "load", "ci1.okrd",
                                                "top.okrd.brief"};
    for (int i = 0; i < N_FIGURES; i++)
        snprintf(key[i], sizeof key[i], "pg.%s.%s", keys[i], size);
    size_t nodes = b->o.nodes;
    b->pg_nodes[strcmp(size, "1k") != 0] = nodes;
    const char *q = p->quick && strcmp(size, "1M") == 0 ? " (QUICK)" : "";
    snprintf(label[0], sizeof label[0], "okrd: durable check-ins, %d clients x %d in flight, %zu nodes%s",
             p->clients, p->window, nodes, q);
    snprintf(label[8], sizeof label[8], "okrd: durable check-ins, %d clients x 1 in flight, %zu nodes%s",
             p->clients, nodes, q);
    snprintf(label[1], sizeof label[1], "peer A (PostgreSQL, compute-on-read): check-ins, pgbench -c %d",
             p->clients);
    snprintf(label[2], sizeof label[2], "peer B (PostgreSQL, incremental PL/pgSQL): check-ins, pgbench -c %d",
             p->clients);
    snprintf(label[3], sizeof label[3], "okrd: show of a top objective, 1 client, p50, %zu nodes%s", nodes, q);
    snprintf(label[9], sizeof label[9], "okrd: top objective and its KRs (ObjectiveGet brief), p50, %zu nodes%s",
             nodes, q);
    snprintf(label[4], sizeof label[4], "peer A: top objective's score (computed on read, level by level), 1 client, p50");
    snprintf(label[5], sizeof label[5], "peer B: top objective's stored score, 1 client, p50");
    snprintf(label[6], sizeof label[6], "peer B: stored scores != full recomputation, %zu nodes", nodes);
    snprintf(label[7], sizeof label[7], "PostgreSQL: load %zu nodes (generate, COPY, index)", nodes);
    if (!b->pg_tried) {
        b->pg_tried = true;
        progress("starting a PostgreSQL cluster for the peers");
        if (pg_start(&b->pg) != 0)
            bench_note("PostgreSQL peers skipped: %s", b->pg.why);
    }
    if (!b->pg.available) {
        for (int i = 0; i < N_FIGURES; i++)
            report_skip(key[i], label[i], i == 6 ? UNIT_COUNT : i == 7 ? UNIT_SECONDS
                                          : i < 3 || i == 8 ? UNIT_RATE : UNIT_NS, b->pg.why);
        return;
    }
    pg_org po;
    char db[32];
    snprintf(db, sizeof db, "org_%s", strcmp(size, "1k") == 0 ? "small" : "large");
    progress("loading %zu trees (%zu nodes) into PostgreSQL", b->o.trees, nodes);
    fail_if(pg_load(&b->pg, &po, db, b->o.trees, b->o.depth, b->o.fanout), "loading PostgreSQL");
    if (po.nodes != nodes)
        bench_die("PostgreSQL got %zu nodes, okrd %zu", po.nodes, nodes);
    report_figure(key[7], label[7], UNIT_SECONDS);
    report_add(key[7], po.load_s);
    report_figure(key[0], label[0], UNIT_RATE);
    report_figure(key[8], label[8], UNIT_RATE);
    report_figure(key[1], label[1], UNIT_RATE);
    report_figure(key[2], label[2], UNIT_RATE);
    report_figure(key[3], label[3], UNIT_NS);
    report_figure(key[9], label[9], UNIT_NS);
    report_figure(key[4], label[4], UNIT_NS);
    report_figure(key[5], label[5], UNIT_NS);
    int seconds = p->seconds < 1.5 ? 1 : (int)(p->seconds + 0.5);     /* pgbench -T: whole seconds */
    for (int r = 0; r < p->runs; r++) {
        bench_run run;
        progress("round %d/%d: okrd and the PostgreSQL peers, %zu nodes", r + 1, p->runs, nodes);
        fail_if(load_run(b->okrd.requests, &b->o, load_make_checkin, p->clients, p->window,
                         p->warmup, seconds, &run), "okrd check-ins (peers)");
        report_add(key[0], run.rate);
        fail_if(load_run(b->okrd.requests, &b->o, load_make_checkin, p->clients, 1, p->warmup,
                         seconds, &run), "okrd check-ins, 1 in flight (peers)");
        report_add(key[8], run.rate);
        fail_if(pg_bench(&b->pg, &po, PG_CHECKIN_A, p->clients, seconds, &run), "peer A check-ins");
        report_add(key[1], run.rate);
        fail_if(pg_bench(&b->pg, &po, PG_CHECKIN_B, p->clients, seconds, &run), "peer B check-ins");
        report_add(key[2], run.rate);
        fail_if(pg_okrd_show_top(b->okrd.requests, &b->o.company, 1, false, p->warmup, p->seconds,
                                 &run), "okrd top objective");
        report_add(key[3], run.p50);
        fail_if(pg_okrd_show_top(b->okrd.requests, &b->o.company, 1, true, p->warmup, p->seconds,
                                 &run), "okrd top objective, brief");
        report_add(key[9], run.p50);
        fail_if(pg_bench(&b->pg, &po, PG_TOP_A, 1, seconds, &run), "peer A read");
        report_add(key[4], run.p50);
        fail_if(pg_bench(&b->pg, &po, PG_TOP_B, 1, seconds, &run), "peer B read");
        report_add(key[5], run.p50);
    }
    report_note(key[8], "%.2f x peer A's, %.2f x peer B's", report_value(key[8]) / report_value(key[1]),
                report_value(key[8]) / report_value(key[2]));
    report_note(key[3], "with its parents and aligned children (context)");
    report_note(key[4], "%.0f x okrd's brief read", report_value(key[4]) / report_value(key[9]));
    report_note(key[5], "%.2f x okrd's brief read", report_value(key[5]) / report_value(key[9]));
    progress("checking peer B's stored scores against a recomputation (%zu nodes)", nodes);
    pg_check check;
    fail_if(pg_verify(&b->pg, &po, &check), "checking peer B");
    report_figure(key[6], label[6], UNIT_COUNT);
    report_add(key[6], (double)check.differences);
    report_note(key[6], "of %ld; A's query = B's score for %ld of %ld top objectives", check.nodes,
                check.tops - check.top_differences, check.tops);
    if (check.differences || check.top_differences || check.nodes != (long)nodes)
        bench_note("peer B is WRONG: %ld of %ld nodes differ from the recomputation, A's query "
                   "disagrees on %ld of %ld top objectives",
                   check.differences, check.nodes, check.top_differences, check.tops);
}

/* Restart okrd on the data it has, `runs` times, timing each start (exec
 * to its ready line) as figure `key`; okrd is left running. */
static void time_startups(bench *b, const char *key, int runs)
{
    const plan *p = b->p;
    char label[96];
    proc_okrd_stop(&b->okrd);
    b->okrd_up = false;
    snprintf(label, sizeof label, "okrd: start-up (exec to ready), %zu nodes%s", b->o.nodes,
             p->quick && b->o.nodes > p->small ? " (QUICK)" : "");
    report_figure(key, label, UNIT_NS);
    char data[BENCH_PATH_MAX], log[BENCH_PATH_MAX];
    snprintf(data, sizeof data, "%s/data", b->root);
    snprintf(log, sizeof log, "%s/okrd.log", b->root);
    for (int r = 0; r < runs; r++) {
        progress("round %d/%d: start-up, %zu nodes", r + 1, runs, b->o.nodes);
        fail_if(proc_okrd_start(&b->okrd, p->okrd, data, log), "okrd restart");
        report_add(key, (double)b->okrd.startup_ns);
        if (r + 1 < runs)
            proc_okrd_stop(&b->okrd);
    }
    b->okrd_up = true;
}

/* Time start-ups on the large organisation; then hold `idle` connections
 * and read okrd's memory. */
static void startup(bench *b)
{
    const plan *p = b->p;
    char label[96];
    time_startups(b, "startup", p->runs);
    proc_mem m0, m1;
    proc_mem_of(b->okrd.pid, &m0);
    snprintf(label, sizeof label, "okrd: anonymous RSS at start, %zu nodes", b->o.nodes);
    report_figure("rss.start", label, UNIT_MIB);
    report_add("rss.start", (double)m0.anon_kib / 1024.0);
    report_note("rss.start", "file-backed (LMDB map) %.1f MiB", (double)m0.file_kib / 1024.0);

    progress("opening %d idle connections", p->idle);
    void *ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, p->idle + 16);
    void **socks = calloc((size_t)p->idle, sizeof *socks);
    if (socks == NULL)
        bench_die("out of memory");
    int answered = 0;
    Okr__StatusGet body = OKR__STATUS_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.has_version = req.has_request_id = true;
    req.version = OKR_PROTOCOL_VERSION;
    req.user = BENCH_USER;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &body;
    for (int i = 0; i < p->idle; i++) {
        socks[i] = zmq_socket(ctx, ZMQ_DEALER);
        if (socks[i] == NULL)
            bench_die("socket %d: %s", i, zmq_strerror(errno));
        int linger = 0;
        zmq_setsockopt(socks[i], ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(socks[i], b->okrd.requests) != 0)
            bench_die("connect: %s", zmq_strerror(errno));
        req.request_id = (uint64_t)i;
        wire_send(socks[i], &req.base, 0);
    }
    /* Every connection answered once: all of them are established. */
    int64_t deadline = clock_mono_ns() + (int64_t)30 * 1000000000;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int i = 0; i < p->idle && clock_mono_ns() < deadline; i++) {
        zmq_pollitem_t item = {socks[i], 0, ZMQ_POLLIN, 0};
        int left = (int)((deadline - clock_mono_ns()) / 1000000);
        if (zmq_poll(&item, 1, left > 0 ? left : 0) > 0 && zmq_msg_recv(&msg, socks[i], 0) >= 0)
            answered++;
    }
    zmq_msg_close(&msg);
    proc_mem_of(b->okrd.pid, &m1);
    snprintf(label, sizeof label, "okrd: anonymous RSS with %d idle connections, %zu nodes",
             p->idle, b->o.nodes);
    report_figure("rss.idle", label, UNIT_MIB);
    report_add("rss.idle", (double)m1.anon_kib / 1024.0);
    report_note("rss.idle", "%d of %d answered; okrd holds %ld fds, %ld threads", answered,
                p->idle, m1.fds, m1.threads);
    for (int i = 0; i < p->idle; i++)
        zmq_close(socks[i]);
    free(socks);
    zmq_ctx_term(ctx);
}

/* ------------------------------------------------------------ targets */

/* Issue 10's table, in its numbering; s1/s2 (secure mode) are ours. */
static void target_rate(const char *name, const char *what, const char *num, const char *den,
                        double limit, const char *extra)
{
    char text[200], a[48], c[48];
    double x = report_value(num), y = report_value(den);
    report_format(UNIT_RATE, x, a, sizeof a);
    report_format(UNIT_RATE, y, c, sizeof c);
    snprintf(text, sizeof text, "%s / %s%s", a, c, extra ? extra : "");
    const char *why = report_skip_note(den);
    if (why == NULL)
        why = report_skip_note(num);
    report_target(name, what, x / y, limit, true, text, why ? why : "not measured");
}

/* A ratio of two times (or sizes) that must stay at or under limit. */
static void target_time(const char *name, const char *what, const char *num, const char *den,
                        report_unit unit, double limit, const char *extra)
{
    char text[200], a[48], c[48];
    double x = report_value(num), y = report_value(den);
    report_format(unit, x, a, sizeof a);
    report_format(unit, y, c, sizeof c);
    snprintf(text, sizeof text, "%s / %s%s", a, c, extra ? extra : "");
    const char *why = report_skip_note(num);
    if (why == NULL)
        why = report_skip_note(den);
    report_target(name, what, x / y, limit, false, text, why ? why : "not measured");
}

static void targets(const plan *p, double ladder_ratio)
{
    char text[200], a[48], b1[48], b2[48], c[120];
    const char *quick = p->quick ? "; QUICK: reduced size" : "";
    char in_memory[96] = "";
    if (!isnan(report_value("floor.redis"))) {
        report_format(UNIT_RATE, report_value("floor.redis"), a, sizeof a);
        snprintf(in_memory, sizeof in_memory, " (in-memory Redis: %s)", a);
    }
    target_rate("1", "durable check-ins/s vs redis-benchmark SET -c 50, appendfsync always",
                "checkin", "floor.redis.aof", 1.0, in_memory);
    target_rate("2", "durable check-ins/s vs bare DEALER->ROUTER echo", "checkin", "floor.echo",
                0.25, NULL);

    double lat = report_value("checkin.p50"), rtt = report_value("floor.rtt"),
           lmdb = report_value("floor.lmdb");
    report_format(UNIT_NS, lat, a, sizeof a);
    report_format(UNIT_NS, rtt, b1, sizeof b1);
    report_format(UNIT_NS, lmdb, b2, sizeof b2);
    snprintf(text, sizeof text, "%s / (%s + %s)", a, b1, b2);
    report_target("3a", "check-in p50 vs REQ/REP round trip + LMDB durable commit",
                  lat / (rtt + lmdb), 1.25, false, text, "not measured");
    target_time("3b", "read (show) p50 vs REQ/REP round trip", "show.p50", "floor.rtt", UNIT_NS,
                1.25, NULL);
    target_time("3c", "read (tree of a team) p50 vs REQ/REP round trip", "tree.p50", "floor.rtt",
                UNIT_NS, 1.25, NULL);
    target_rate("4", "check-ins/s, large vs small organisation", "checkin.large", "checkin", 0.8,
                quick);
    snprintf(c, sizeof c, "commit -> %d subscribers p99 vs bare PUB -> %d SUB p99",
             p->subscribers, p->subscribers);
    target_time("5", c, "evN.p99", "floor.pubN.p99", UNIT_NS, 1.0, NULL);
    target_time("6a", "start-up, large vs small organisation", "startup", "startup.small", UNIT_NS,
                2.0, quick);
    double rss = report_value("rss.idle");
    snprintf(text, sizeof text, "%.1f MiB / 64 MiB", rss);
    snprintf(c, sizeof c, "anonymous RSS with %d idle connections", p->idle);
    report_target("6b", c, rss / 64.0, 1.0, false, text, "not measured");

    target_time("10", "snapshot time, large vs snapshot-size organisation (client/monitor.c)",
                "snapshot.large", "snapshot", UNIT_NS, 12.0,
                p->quick ? "; QUICK: 100k vs 10k" : "");
    report_format(UNIT_NS, report_value("ladder.p50"), a, sizeof a);
    report_format(UNIT_NS, report_value("chain.p50"), b1, sizeof b1);
    snprintf(text, sizeof text, "%s / %s; median of the rounds' ratios", a, b1);
    snprintf(c, sizeof c, "check-in p50, %d-level diamond ladder vs chain", LADDER_LEVELS);
    report_target("11", c, ladder_ratio, 2.0, false, text, "not measured");

    target_rate("s1", "check-ins/s, --secure vs plain (same run)", "checkin.secure", "checkin",
                0.5, NULL);
    target_time("s2", "check-in p50, --secure vs plain (same run)", "checkin.secure.p50",
                "checkin.p50", UNIT_NS, 2.0, NULL);
}

/* Targets 7-9: okrd against the PostgreSQL peers (postgres_peers), at the
 * sizes they ran on (nodes[0] small, nodes[1] large; QUICK's large is
 * 100,044). */
static void postgres_targets(const size_t nodes[2])
{
    char what[120];
    const char *sizes[2] = {"1k", "1M"};
    for (int i = 0; i < 2; i++) {
        char ko[32], kb[32];
        snprintf(ko, sizeof ko, "pg.ci.okrd.%s", sizes[i]);
        snprintf(kb, sizeof kb, "pg.ci.b.%s", sizes[i]);
        snprintf(what, sizeof what, "check-ins/s vs PostgreSQL peer B (incremental), %zu nodes",
                 nodes[i]);
        target_rate(i ? "7b" : "7a", what, ko, kb, 10.0, NULL);
    }
    snprintf(what, sizeof what, "check-ins/s vs PostgreSQL peer A (compute-on-read), %zu nodes",
             nodes[1]);
    target_rate("8", what, "pg.ci.okrd.1M", "pg.ci.a.1M", 2.0, NULL);
    snprintf(what, sizeof what, "top-objective read p50: peer A computing it vs okrd reading it, %zu nodes",
             nodes[1]);
    /* Higher is better here: the peer's latency over okrd's. */
    char text[200], a[48], c[48];
    double cte = report_value("pg.top.a.1M"), show = report_value("pg.top.okrd.brief.1M");
    report_format(UNIT_NS, cte, a, sizeof a);
    report_format(UNIT_NS, show, c, sizeof c);
    snprintf(text, sizeof text, "%s / %s", a, c);
    const char *why = report_skip_note("pg.top.a.1M");
    report_target("9", what, cte / show, 1000.0, true, text, why ? why : "not measured");
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    plan p;
    started_ns = clock_mono_ns();
    parse_options(&p, argc, argv);
    bench_raise_fd_limit();
    proc_kill_children_on_signal();
    if (p.populate)
        return populate_only(&p);
    if (access(p.okrd, X_OK) != 0)
        bench_die("%s: %s (build it with make, or give --okrd)", p.okrd, strerror(errno));

    bench b = {.p = &p, .ladder_ratio = NAN};
    bench_mkdtemp("run", b.root, sizeof b.root);
    org_init(&b.o, p.depth, p.fanout);
    char data[BENCH_PATH_MAX], log[BENCH_PATH_MAX];
    snprintf(data, sizeof data, "%s/data", b.root);
    snprintf(log, sizeof log, "%s/okrd.log", b.root);
    progress("%s run in %s: %d runs of %.1f s per figure", p.quick ? "QUICK" : "full", b.root,
             p.runs, p.seconds);
    fail_if(proc_okrd_start(&b.okrd, p.okrd, data, log), "starting okrd");
    b.okrd_up = true;
    grow(&b, p.small, "small");
    if (section(&p, "startup"))
        time_startups(&b, "startup.small", p.runs);

    if (section(&p, "floors") || section(&p, "checkin"))
        floors_and_checkins(&b);
    if (section(&p, "checkin") && section(&p, "secure"))
        secure_checkins(&b);
    if (section(&p, "reads"))
        reads(&b, "", "", false);
    if (section(&p, "events"))
        events(&b);
    if (section(&p, "ladder"))
        ladder(&b);
    if (section(&p, "postgres"))
        postgres_peers(&b, "1k");
    if (section(&p, "snapshot"))
        snapshot(&b);
    if (section(&p, "large"))
        large(&b);
    if (section(&p, "snapshot") && b.o.nodes > p.snapshot)
        snapshot_at(&b, "snapshot.large", p.runs < 3 ? p.runs : 3);
    if (section(&p, "postgres")) {
        if (b.pg.available)
            grow(&b, p.large, "large");
        postgres_peers(&b, "1M");
        if (b.pg.dir[0])
            pg_stop(&b.pg, p.keep);
    }
    if (section(&p, "startup"))
        startup(&b);
    if (b.okrd_up)
        proc_okrd_stop(&b.okrd);

    targets(&p, b.ladder_ratio);
    postgres_targets(b.pg_nodes);
    char title[256];
    snprintf(title, sizeof title,
             "okr-bench %s: %d runs of %.1f s per figure (median; min – max of the runs), %ld "
             "cores",
             p.quick ? "QUICK" : "full", p.runs, p.seconds, sysconf(_SC_NPROCESSORS_ONLN));
    report_print(stdout, false, title);
    if (p.markdown) {
        FILE *f = fopen(p.markdown, "w");
        if (f == NULL)
            bench_die("%s: %s", p.markdown, strerror(errno));
        report_print(f, true, NULL);
        fclose(f);
    }
    progress("done; %d target(s) missed", report_missed());
    if (!p.keep)
        bench_rmtree(b.root);
    else
        bench_note("kept %s", b.root);
    org_free(&b.o);
    return 0;
}
