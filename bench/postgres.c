/* postgres.c — the PostgreSQL peers: what a user would pick instead of okrd,
 * measured in the same run (issue 10).
 *
 * Owns a throw-away PostgreSQL cluster (initdb into a temporary directory,
 * the server run as an unprivileged user, TCP on 127.0.0.1 only, fsync and
 * synchronous_commit on), the organisation loaded into it (the shape
 * bench/populate.c gives okrd, written as COPY files), and pgbench runs of
 * the peers' scripts, whose tps and per-transaction latencies (pgbench -l)
 * become bench_runs. The SQL is in bench/postgres/ (schema.sql: tables and
 * PL/pgSQL; top_score.sql: peer A's compute-on-read query); the pgbench scripts
 * are written here around it. Also owns the okrd side of the one read the
 * peers are compared on: ObjectiveGet of a top objective.
 *
 * Never links libpq: psql and pgbench are run as child processes, like
 * redis-benchmark in floors.c. Never touches okrd's data. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ids.h"

#define PG_USER "bench"               /* the cluster's superuser (initdb -U) */
#define PG_SERVER_USER "postgres"     /* the system user the server runs as under root */
#define READY_TIMEOUT_S 30.0
#define KRS_PER_OBJECTIVE 3

/* ------------------------------------------------------------ processes */

/* Run argv with stdout captured into out (NULL: read and dropped), stderr appended
 * to the cluster's log, optionally as the server's user, with one extra
 * environment entry (NULL: none). Killed after timeout_s. Returns the exit
 * code, or -1. */
static int run(const pg_cluster *pg, char *const argv[], bool as_server, const char *env,
               char *out, size_t len, double timeout_s)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int log = open(pg->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(devnull, 0);
        dup2(fds[1], 1);            /* always the pipe: its EOF is the child's exit */
        dup2(log >= 0 ? log : devnull, 2);
        if (as_server && pg->drop &&
            (setgroups(0, NULL) != 0 || setgid(pg->gid) != 0 || setuid(pg->uid) != 0))
            _exit(126);
        if (env)
            putenv((char *)env);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    return proc_collect(pid, fds[0], out, len, timeout_s);
}

/* The last lines of the cluster's log, on stderr. */
static void print_log_tail(const pg_cluster *pg)
{
    FILE *f = fopen(pg->log, "r");
    if (f == NULL)
        return;
    char lines[12][512];
    size_t n = 0;
    while (fgets(lines[n % 12], sizeof lines[0], f))
        n++;
    fclose(f);
    fprintf(stderr, "---- last lines of %s\n", pg->log);
    for (size_t i = n > 12 ? n - 12 : 0; i < n; i++)
        fputs(lines[i % 12], stderr);
}

/* psql on db: -f file (with -v dir=DIR), or -c sql; stdout into out. */
static int psql(const pg_cluster *pg, const char *db, const char *file, const char *sql,
                char *out, size_t len, double timeout_s)
{
    char port[16], var[BENCH_PATH_MAX + 8];
    snprintf(port, sizeof port, "%d", pg->port);
    snprintf(var, sizeof var, "dir=%s", pg->dir);
    char *argv[] = {(char *)pg->psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", var,
                    "-h", "127.0.0.1", "-p", port, "-U", PG_USER, "-d", (char *)db,
                    file ? "-f" : "-c", (char *)(file ? file : sql), NULL};
    char scratch[256];
    int rc = run(pg, argv, false, NULL, out ? out : scratch, out ? len : sizeof scratch,
                 timeout_s);
    if (rc != 0) {
        bench_note("postgres: psql %s failed on %s", file ? file : sql, db);
        print_log_tail(pg);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the cluster */

/* The newest /usr/lib/postgresql/N/bin holding every program we need, else $PATH. */
static bool find_programs(pg_cluster *pg)
{
    static const char *const need[] = {"initdb", "postgres", "psql", "pgbench"};
    for (int v = 30; v >= 10; v--) {
        char dir[64];
        snprintf(dir, sizeof dir, "/usr/lib/postgresql/%d/bin", v);
        bool all = true;
        for (size_t i = 0; i < sizeof need / sizeof need[0] && all; i++) {
            char path[BENCH_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, need[i]);
            all = access(path, X_OK) == 0;
        }
        if (all) {
            snprintf(pg->initdb, sizeof pg->initdb, "%s/initdb", dir);
            snprintf(pg->postgres, sizeof pg->postgres, "%s/postgres", dir);
            snprintf(pg->psql, sizeof pg->psql, "%s/psql", dir);
            snprintf(pg->pgbench, sizeof pg->pgbench, "%s/pgbench", dir);
            return true;
        }
    }
    return proc_which("initdb", pg->initdb, sizeof pg->initdb) &&
           proc_which("postgres", pg->postgres, sizeof pg->postgres) &&
           proc_which("psql", pg->psql, sizeof pg->psql) &&
           proc_which("pgbench", pg->pgbench, sizeof pg->pgbench);
}

/* bench/postgres next to the executable's source tree: EXE/../../bench/postgres
 * (build/okr-bench), else ./bench/postgres. */
static bool find_sql(pg_cluster *pg)
{
    char exe[BENCH_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char probe[BENCH_PATH_MAX + 16];
            if (snprintf(pg->sql_dir, sizeof pg->sql_dir, "%s/../bench/postgres", exe) <
                    (int)sizeof pg->sql_dir &&
                snprintf(probe, sizeof probe, "%s/schema.sql", pg->sql_dir) < (int)sizeof probe &&
                access(probe, R_OK) == 0)
                return true;
        }
    }
    snprintf(pg->sql_dir, sizeof pg->sql_dir, "bench/postgres");
    return access("bench/postgres/schema.sql", R_OK) == 0;
}

static bool server_answers(const pg_cluster *pg)
{
    char out[64];
    char port[16];
    snprintf(port, sizeof port, "%d", pg->port);
    char *argv[] = {(char *)pg->psql, "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", port,
                    "-U", PG_USER, "-d", "postgres", "-c", "SELECT 1", NULL};
    return run(pg, argv, false, NULL, out, sizeof out, 5) == 0 && out[0] == '1';
}

static int start_server(pg_cluster *pg)
{
    char data[BENCH_PATH_MAX + 8], port[32], sockets[BENCH_PATH_MAX + 32];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    snprintf(port, sizeof port, "port=%d", pg->port);
    snprintf(sockets, sizeof sockets, "unix_socket_directories=%s", pg->dir);
    /* Durable like okrd: fsync and synchronous_commit on (the defaults, said
     * aloud). Sized so the 1M-node organisation stays in shared buffers and
     * no checkpoint is forced by WAL volume inside a run. */
    char *argv[] = {pg->postgres, "-D", data,
                    "-c", "listen_addresses=127.0.0.1", "-c", port, "-c", sockets,
                    "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
                    "-c", "shared_buffers=1GB", "-c", "max_wal_size=4GB",
                    "-c", "maintenance_work_mem=512MB", "-c", "max_connections=40",
                    "-c", "logging_collector=off", "-c", "log_min_messages=warning", NULL};
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int log = open(pg->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(devnull, 0);
        dup2(log >= 0 ? log : devnull, 1);
        dup2(log >= 0 ? log : devnull, 2);
        if (pg->drop && (setgroups(0, NULL) != 0 || setgid(pg->gid) != 0 || setuid(pg->uid) != 0))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    pg->pid = pid;
    proc_track(pid);
    int64_t deadline = clock_mono_ns() + (int64_t)(READY_TIMEOUT_S * 1e9);
    while (!server_answers(pg)) {
        int status;
        if (clock_mono_ns() > deadline || waitpid(pid, &status, WNOHANG) == pid) {
            snprintf(pg->why, sizeof pg->why, "the PostgreSQL server did not start (log: %.120s)",
                     pg->log);
            print_log_tail(pg);
            return -1;
        }
        usleep(50000);
    }
    return 0;
}

int pg_start(pg_cluster *pg)
{
    memset(pg, 0, sizeof *pg);
    if (!find_programs(pg)) {
        snprintf(pg->why, sizeof pg->why,
                 "PostgreSQL not installed (apt-get install postgresql postgresql-contrib)");
        return -1;
    }
    if (!find_sql(pg)) {
        snprintf(pg->why, sizeof pg->why, "bench/postgres/schema.sql not found");
        return -1;
    }
    if (geteuid() == 0) {             /* postgres refuses to run as root */
        struct passwd *pw = getpwnam(PG_SERVER_USER);
        if (pw == NULL) {
            snprintf(pg->why, sizeof pg->why, "running as root and there is no user %s",
                     PG_SERVER_USER);
            return -1;
        }
        pg->drop = true;
        pg->uid = pw->pw_uid;
        pg->gid = pw->pw_gid;
    }
    bench_mkdtemp("pg", pg->dir, sizeof pg->dir);
    if (pg->drop && chown(pg->dir, pg->uid, pg->gid) != 0) {
        snprintf(pg->why, sizeof pg->why, "chown %.120s: %s", pg->dir, strerror(errno));
        bench_rmtree(pg->dir);
        return -1;
    }
    snprintf(pg->log, sizeof pg->log, "%s/postgres.log", pg->dir);
    char data[BENCH_PATH_MAX + 8];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    char *argv[] = {pg->initdb, "-D", data, "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                    "--locale=C", "--no-sync", "--no-instructions", NULL};
    if (run(pg, argv, true, NULL, NULL, 0, 120) != 0) {
        snprintf(pg->why, sizeof pg->why, "initdb failed (log: %.150s)", pg->log);
        print_log_tail(pg);
        return -1;
    }
    pg->port = bench_free_port();
    if (start_server(pg) != 0)
        return -1;
    pg->available = true;
    return 0;
}

void pg_stop(pg_cluster *pg, bool keep)
{
    if (pg->pid > 0)
        proc_terminate(pg->pid, "postgres");    /* SIGTERM: smart shutdown, no clients left */
    pg->pid = 0;
    pg->available = false;
    if (pg->dir[0] && !keep)
        bench_rmtree(pg->dir);
    else if (pg->dir[0])
        bench_note("kept %s", pg->dir);
}

/* ------------------------------------------------------------ the organisation */

static size_t ipow(size_t b, int e)
{
    size_t r = 1;
    while (e-- > 0)
        r *= b;
    return r;
}

/* node.tsv and edge.tsv in dir: populate.c's shape, ids in its creation
 * order (the company objective, then level by level across all trees, a
 * level's objectives, then their KRs), one id space for objectives and KRs. */
static int write_org(const char *dir, pg_org *po)
{
    char path[BENCH_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/node.tsv", dir);
    FILE *nodes = fopen(path, "w");
    snprintf(path, sizeof path, "%s/edge.tsv", dir);
    FILE *edges = fopen(path, "w");
    if (nodes == NULL || edges == NULL) {
        bench_note("postgres: cannot write the organisation in %s: %s", dir, strerror(errno));
        if (nodes)
            fclose(nodes);
        if (edges)
            fclose(edges);
        return -1;
    }
    uint32_t company = 1, next = 2, *prev_rollup = NULL;
    size_t f = (size_t)po->fanout;
    fprintf(nodes, "%u\t0\t\\N\t\\N\n", company);
    for (int level = 0; level < po->depth; level++) {
        size_t per_tree = ipow(f, level), count = po->trees * per_tree;
        uint32_t first = next;
        for (size_t i = 0; i < count; i++) {
            uint32_t id = next++;
            fprintf(nodes, "%u\t0\t\\N\t\\N\n", id);
            if (level > 0) {
                size_t t = i / per_tree, k = i % per_tree;
                fprintf(edges, "%u\t%u\t1\n", id, prev_rollup[t * (per_tree / f) + k / f]);
            } else {
                fprintf(edges, "%u\t%u\t1\n", id, company);
            }
        }
        uint32_t *rollup = calloc(count, sizeof *rollup);
        if (rollup == NULL)
            bench_die("out of memory");
        bool deepest = level == po->depth - 1;
        if (deepest) {
            po->leaf_first = next;
            po->n_leaf = count * KRS_PER_OBJECTIVE;
        }
        for (size_t i = 0; i < count; i++)
            for (int m = 0; m < KRS_PER_OBJECTIVE; m++) {
                uint32_t id = next++;
                if (m == 0 && !deepest) {
                    fprintf(nodes, "%u\t1\t\\N\t\\N\n", id);
                    rollup[i] = id;
                } else {
                    fprintf(nodes, "%u\t2\t0\t100\n", id);
                }
                fprintf(edges, "%u\t%u\t1\n", id, first + (uint32_t)i);
            }
        free(prev_rollup);
        prev_rollup = rollup;
    }
    free(prev_rollup);
    po->nodes = next - 1;
    po->top_first = company;            /* "the top objective": the company's */
    po->n_top = 1;
    int bad = ferror(nodes) | ferror(edges);
    bad |= fclose(nodes) | fclose(edges);
    if (bad) {
        bench_note("postgres: writing the organisation in %s failed", dir);
        return -1;
    }
    /* The server reads them (COPY FROM a file), as its own user: whatever our umask. */
    snprintf(path, sizeof path, "%s/node.tsv", dir);
    chmod(path, 0644);
    snprintf(path, sizeof path, "%s/edge.tsv", dir);
    chmod(path, 0644);
    return 0;
}

int pg_load(pg_cluster *pg, pg_org *po, const char *db, size_t trees, int depth, int fanout)
{
    memset(po, 0, sizeof *po);
    snprintf(po->db, sizeof po->db, "%s", db);
    po->trees = trees;
    po->depth = depth;
    po->fanout = fanout;
    int64_t t0 = clock_mono_ns();
    if (write_org(pg->dir, po) != 0)
        return -1;
    char sql[128], schema[BENCH_PATH_MAX + 16];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    snprintf(schema, sizeof schema, "%s/schema.sql", pg->sql_dir);
    if (psql(pg, "postgres", NULL, sql, NULL, 0, 60) != 0 ||
        psql(pg, db, schema, NULL, NULL, 0, 1800) != 0)
        return -1;
    po->load_s = (double)(clock_mono_ns() - t0) / 1e9;
    char path[BENCH_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/node.tsv", pg->dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/edge.tsv", pg->dir);
    unlink(path);
    return 0;
}

/* ------------------------------------------------------------ pgbench */

static const char *script_name(pg_script s)
{
    switch (s) {
    case PG_CHECKIN_A: return "checkin_a";
    case PG_CHECKIN_B: return "checkin_b";
    case PG_TOP_A: return "top_a";
    case PG_TOP_B: return "top_b";
    }
    return "?";
}

/* Write the pgbench script for s into path. Random choices like okrd's
 * load.c: a deepest-level KR and a value k/10 (0.0 .. 100.0), or a top
 * objective. */
static int write_script(const pg_cluster *pg, const pg_org *po, pg_script s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    if (s == PG_CHECKIN_A || s == PG_CHECKIN_B) {
        fprintf(f, "\\set kr %u + random(0, %zu)\n\\set v random(0, 1000)\n", po->leaf_first,
                po->n_leaf - 1);
        if (s == PG_CHECKIN_A)
            fputs("INSERT INTO checkin (kr, value) VALUES (:kr, (:v)::float8 / 10);\n", f);
        else
            fputs("SELECT b.checkin_add(:kr, (:v)::float8 / 10);\n", f);
    } else {
        fprintf(f, "\\set top %u + random(0, %zu)\n", po->top_first, po->n_top - 1);
        if (s == PG_TOP_B) {
            fputs("SELECT score FROM b.agg WHERE id = :top;\n", f);
        } else {
            char src[BENCH_PATH_MAX + 16], buf[4096];
            snprintf(src, sizeof src, "%s/top_score.sql", pg->sql_dir);
            FILE *in = fopen(src, "r");
            if (in == NULL) {
                fclose(f);
                return -1;
            }
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, in)) > 0)
                fwrite(buf, 1, n, f);
            fclose(in);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Add every latency of pgbench's per-transaction logs (prefix.PID[.N]:
 * "client tx time_us script epoch epoch_us") to h and delete them. */
static uint64_t read_logs(const char *dir, const char *prefix, hist *h)
{
    uint64_t n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    size_t plen = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0 || e->d_name[plen] != '.')
            continue;
        char path[BENCH_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            long who, tx, us;
            char line[256];
            while (fgets(line, sizeof line, f))
                if (sscanf(line, "%ld %ld %ld", &who, &tx, &us) == 3) {
                    hist_add(h, (uint64_t)us * 1000);
                    n++;
                }
            fclose(f);
        }
        unlink(path);
    }
    closedir(d);
    return n;
}

int pg_bench(pg_cluster *pg, const pg_org *po, pg_script s, int clients, int seconds,
             bench_run *out)
{
    char script[BENCH_PATH_MAX + 64], prefix[64], logpref[BENCH_PATH_MAX + 80];
    snprintf(prefix, sizeof prefix, "log-%s-%s", po->db, script_name(s));
    snprintf(script, sizeof script, "%s/%s-%s.pgbench", pg->dir, po->db, script_name(s));
    snprintf(logpref, sizeof logpref, "--log-prefix=%s/%s", pg->dir, prefix);
    if (write_script(pg, po, s, script) != 0) {
        bench_note("postgres: cannot write %s", script);
        return -1;
    }
    char port[16], c[16], j[16], t[16];
    snprintf(port, sizeof port, "%d", pg->port);
    snprintf(c, sizeof c, "%d", clients);
    snprintf(j, sizeof j, "%d", clients >= 2 ? 2 : 1);
    snprintf(t, sizeof t, "%d", seconds);
    char *argv[] = {pg->pgbench, "-n", "-M", "prepared", "-c", c, "-j", j, "-T", t, "-l", logpref,
                    "-f", script, "-h", "127.0.0.1", "-p", port, "-U", PG_USER, (char *)po->db, NULL};
    /* Peer A reads and writes a.checkin, peer B b.checkin; node and edge are shared. */
    const char *env = s == PG_CHECKIN_A || s == PG_TOP_A
                          ? "PGOPTIONS=-c search_path=a,public"
                          : "PGOPTIONS=-c search_path=b,public";
    char text[8192];
    int rc = run(pg, argv, false, env, text, sizeof text, seconds * 4.0 + 60);
    hist *h = malloc(sizeof *h);
    if (h == NULL)
        bench_die("out of memory");
    hist_init(h);
    uint64_t n = read_logs(pg->dir, prefix, h);
    const char *tps = strstr(text, "tps = ");
    const char *failed = strstr(text, "number of failed transactions: ");
    memset(out, 0, sizeof *out);
    if (rc != 0 || tps == NULL || n == 0 ||
        (failed && strtol(failed + strlen("number of failed transactions: "), NULL, 10) != 0)) {
        bench_note("postgres: pgbench %s on %s failed (exit %d): %.300s", script_name(s), po->db,
                   rc, text);
        print_log_tail(pg);
        free(h);
        return -1;
    }
    out->rate = strtod(tps + strlen("tps = "), NULL);   /* without initial connection time */
    run_from_hist(out, h);
    out->ops = n;
    free(h);
    return 0;
}

/* ------------------------------------------------------------ verification */

#define VERIFY_TOPS 32

int pg_verify(pg_cluster *pg, const pg_org *po, pg_check *out)
{
    memset(out, 0, sizeof *out);
    char path[BENCH_PATH_MAX + 64], top_sql[BENCH_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s-verify.sql", pg->dir, po->db);
    snprintf(top_sql, sizeof top_sql, "%s/top_score.sql", pg->sql_dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    /* 1: nodes whose stored state differs from the recomputation; 2: nodes. */
    fputs("SET client_min_messages = warning;\nSET search_path = b, public;\n"
          "SELECT count(*) FROM recompute() r FULL JOIN b.agg g USING (id)\n"
          " WHERE (r.kind, r.cur, r.kr_w, r.kr_ws, r.ch_w, r.ch_ws, r.score)\n"
          "       IS DISTINCT FROM (g.kind, g.cur, g.kr_w, g.kr_ws, g.ch_w, g.ch_ws, g.score);\n"
          "SELECT count(*) FROM b.agg;\n",
          f);
    /* Then peer A's query on B's check-ins against B's stored score, for
     * top objectives spread over the organisation: pairs of lines. */
    size_t tops = po->n_top < VERIFY_TOPS ? po->n_top : VERIFY_TOPS;
    for (size_t i = 0; i < tops; i++) {
        uint32_t top = po->top_first + (uint32_t)(i * po->n_top / tops);
        fprintf(f, "\\set top %u\n\\i %s\nSELECT score FROM b.agg WHERE id = :top;\n", top,
                top_sql);
    }
    if (fclose(f) != 0)
        return -1;
    size_t cap = 64 * (tops + 4);
    char *text = malloc(cap);
    if (text == NULL)
        bench_die("out of memory");
    int rc = psql(pg, po->db, path, NULL, text, cap, 3600);
    char *line = text, *end;
    long v[2 + 2 * VERIFY_TOPS];
    size_t n = 0;
    while (rc == 0 && n < 2 + 2 * tops && *line) {
        long x = strtol(line, &end, 10);
        if (end == line)
            break;
        v[n++] = x;
        line = end + strspn(end, "\n");
    }
    free(text);
    if (rc != 0 || n != 2 + 2 * tops) {
        bench_note("postgres: cannot read the verification of %s", po->db);
        return -1;
    }
    out->differences = v[0];
    out->nodes = v[1];
    out->tops = (long)tops;
    for (size_t i = 0; i < tops; i++)
        out->top_differences += v[2 + 2 * i] != v[3 + 2 * i];
    return 0;
}

/* ------------------------------------------------------------ okrd's side */

typedef struct {
    const uint32_t *tops;
    size_t n;
    uint64_t rng;
    char id[24];
    bool brief;
    Okr__ObjectiveGet get;
} top_ctx;

static void make_show_top(void *ctx, Okr__Request *req)
{
    top_ctx *t = ctx;
    t->rng ^= t->rng >> 12;             /* xorshift64*, as load.c */
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    uint32_t o = t->tops[(t->rng * 2685821657736338717ull) % t->n];
    okr_id_format(okr_node_objective(o), t->id);
    t->get = (Okr__ObjectiveGet)OKR__OBJECTIVE_GET__INIT;
    t->get.id = t->id;
    t->get.has_brief = t->brief;
    t->get.brief = t->brief;
    req->body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
    req->objective_get = &t->get;
}

int pg_okrd_show_top(const char *endpoint, const uint32_t *tops, size_t n, bool brief,
                     double warmup_s, double seconds, bench_run *out)
{
    static uint64_t seed = 0x2545f4914f6cdd1dull;
    top_ctx t = {.tops = tops, .n = n, .rng = seed++, .brief = brief};
    driver_spec spec = {
        .endpoint = endpoint,
        .clients = 1,
        .window = 1,
        .warmup_s = warmup_s,
        .seconds = seconds,
        .make = make_show_top,
        .parse = driver_parse_response,
        .ctx = &t,
    };
    int rc = driver_run(&spec, out, NULL);
    if (out->errors)
        bench_note("%llu ObjectiveGet refused; first: %s", (unsigned long long)out->errors,
                   driver_last_error());
    return rc == 0 && out->errors == 0 ? 0 : -1;
}
