/* main.c — okrd's command line: options, signals, serve or verify.
 * The only global is the stop flag the signal handler sets. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <pwd.h>
#include <unistd.h>

#include "dispatch.h"
#include "keyfile.h"
#include "lock.h"
#include "okr_limits.h"
#include "integrity.h"
#include "rollup.h"
#include "server.h"
#include "text.h"
#include "wire.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: okrd [OPTIONS]\n"
            "\n"
            "The okrd OKR server: keeps objectives, key results and check-ins in LMDB,\n"
            "answers okr clients over ZeroMQ and publishes live progress events.\n"
            "\n"
            "  -d, --data DIR         data directory (default: $XDG_DATA_HOME/okrd,\n"
            "                         else ~/.local/share/okrd)\n"
            "  -l, --listen EP        request endpoint (default %s)\n"
            "  -p, --publish EP       event endpoint (default %s)\n"
            "      --map-size BYTES   initial LMDB map size (default 1 GiB; grows when full)\n"
            "      --on-track R       health: on track when score >= R x expected (0.85)\n"
            "      --at-risk R        health: at risk when score >= R x expected (0.6)\n"
            "      --low-confidence C health: confidence below C caps at at_risk (0.5)\n"
            "      --pub-hwm N        events queued per slow subscriber before they are\n"
            "                         dropped (default 1000; monitors replay the gap)\n"
            "      --pub-sndbuf BYTES kernel send buffer per subscriber (default 65536;\n"
            "                         0: the OS's, which grows to megabytes). A stalled\n"
            "                         subscriber holds about N x 128 bytes + 16 KiB in okrd\n"
            "                         and 2 x BYTES in the kernel: about 270 KiB by default,\n"
            "                         so 100 stalled ones hold 27 MiB (docs/protocol.md)\n"
            "      --retain N         keep only the newest N events (default 0: keep all;\n"
            "                         the event log is the audit log)\n"
            "      --secure           secure mode: CURVE on both sockets, only users' keys\n"
            "                         get in, roles apply (makes DIR/server.key at first)\n"
            "      --insecure         allow binding a non-loopback address without CURVE\n"
            "      --print-key        print the server's public key (Z85) and exit\n"
            "      --add-user NAME --role viewer|editor|admin --key PUBLIC_KEY\n"
            "                         add a user offline (the first admin) and exit\n"
            "      --verify           recompute every score from scratch, read the whole\n"
            "                         event log and check every reference; report each\n"
            "                         difference or problem (exit 1), and exit\n"
            "      --new-epoch        give the data directory a new epoch and exit: do this\n"
            "                         to a copy before starting a server on it (a restore),\n"
            "                         so monitors take a fresh snapshot\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Use tcp://127.0.0.1:* to bind a free port; the ready line on stderr names it.\n",
            OKR_DEFAULT_ENDPOINT, OKR_DEFAULT_PUBLISH);
}

/* $XDG_DATA_HOME/okrd, else ~/.local/share/okrd, into buf. */
static const char *default_data_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0])
        snprintf(buf, len, "%s/okrd", xdg);
    else if (home && home[0])
        snprintf(buf, len, "%s/.local/share/okrd", home);
    else
        snprintf(buf, len, "okrd-data");
    return buf;
}

static bool parse_ratio(const char *text, const char *name, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= 0 && v <= 1)) {
        fprintf(stderr, "okrd: %s must be a number from 0 to 1, not \"%s\"\n", name, text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_size(const char *text, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || v < 65536) {
        fprintf(stderr, "okrd: --map-size must be a whole number of bytes >= 65536, not "
                        "\"%s\"\n", text);
        return false;
    }
    *out = (size_t)v;
    return true;
}

static bool parse_count(const char *text, const char *name, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        fprintf(stderr, "okrd: %s must be a whole number, not \"%s\"\n", name, text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_int(const char *text, const char *name, int min, int *out)
{
    uint64_t v;
    if (!parse_count(text, name, &v))
        return false;
    if (v < (uint64_t)min || v > INT32_MAX) {
        fprintf(stderr, "okrd: %s must be from %d to %d\n", name, min, INT32_MAX);
        return false;
    }
    *out = (int)v;
    return true;
}

/* SIGTERM stops okrd cleanly, and so does SIGINT unless okrd was started
 * with it ignored: a shell starts a background job (`okrd &`, as `make run`
 * does) with SIGINT ignored so that Ctrl-C at the terminal reaches only the
 * foreground program. Taking SIGINT over then would let a Ctrl-C meant for
 * the okr shell kill the server. */
static void install_stop_handlers(void)
{
    struct sigaction sa = {.sa_handler = on_signal}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    if (sigaction(SIGINT, NULL, &old) != 0 || old.sa_handler != SIG_IGN)
        sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Each client connection is a file descriptor: take the hard limit, not the
 * usual soft 1024, so a department's worth of shells and monitors fits. */
static void raise_fd_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

static void print_mismatch(void *ctx, okr_node node, const char *what, int64_t stored,
                           int64_t expected)
{
    (void)ctx;
    char id[OKR_ID_BUF];
    printf("%s %s: stored %lld, recomputed %lld\n", okr_id_format(node, id), what,
           (long long)stored, (long long)expected);
}

/* A copy of a data directory made for a restore (mdb_copy, a file copy)
 * becomes a history of its own: monitors that knew the original see a new
 * epoch and take a fresh snapshot instead of splicing two histories. */
static int new_epoch(const okrd_config *cfg)
{
    store st;
    char err[512], path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data.mdb", cfg->data_dir);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "okrd: %s holds no okrd data (no data.mdb)\n", cfg->data_dir);
        return 2;
    }
    int rc = store_open(&st, cfg->data_dir, cfg->map_size, true, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "okrd: %s\n", err);
        return 2;
    }
    rc = store_new_epoch(&st);
    if (rc == 0) {
        printf("okrd: %s has a new epoch ", cfg->data_dir);
        for (size_t i = 0; i < STORE_EPOCH_BYTES; i++)
            printf("%02x", st.epoch[i]);
        printf("\n");
    } else {
        fprintf(stderr, "okrd: cannot write a new epoch: %s\n", store_strerror(rc));
    }
    store_close(&st);
    return rc == 0 ? 0 : 1;
}

static void print_problem(void *ctx, const char *problem)
{
    (void)ctx;
    printf("%s\n", problem);
}

/* The data directory's lock, or -1 after saying who holds it. */
static int lock_or_say(const char *dir)
{
    char err[512];
    int fd = lock_data_dir(dir, err, sizeof err);
    if (fd < 0)
        fprintf(stderr, "okrd: %s\n", err);
    return fd;
}

static int verify(const okrd_config *cfg)
{
    store st;
    char err[512];
    if (store_open(&st, cfg->data_dir, cfg->map_size, false, err, sizeof err) != 0) {
        fprintf(stderr, "okrd: %s\n", err);
        return 2;
    }
    int rc = 0;
    size_t diffs = rollup_verify(&st, print_mismatch, NULL, &rc);
    if (rc == 0)
        diffs += integrity_check(&st, print_problem, NULL, &rc);
    store_close(&st);
    if (rc) {
        fprintf(stderr, "okrd: verify could not read the data: %s\n", store_strerror(rc));
        return 2;
    }
    printf("okrd: verify: %zu difference%s\n", diffs, diffs == 1 ? "" : "s");
    return diffs ? 1 : 0;
}

/* --print-key: the public key, made with the pair when there is none yet. */
static int print_key(const okrd_config *cfg)
{
    char key[KEY_Z85_BUF], err[512];
    if (auth_read_public_key(cfg->data_dir, key, err, sizeof err) != 0) {
        int lock = lock_or_say(cfg->data_dir);
        if (lock < 0)
            return 1;
        auth a = {0};
        int rc = auth_load_server_key(&a, cfg->data_dir, true, err, sizeof err);
        lock_release(lock);
        if (rc != 0) {
            fprintf(stderr, "okrd: %s\n", err);
            return 1;
        }
        memcpy(key, a.public_key, sizeof key);
        auth_close(&a);
    }
    printf("%s\n", key);
    return 0;
}

/* The person running an offline command, for added_by. */
static const char *login_name(void)
{
    const struct passwd *pw = getpwuid(geteuid());
    const char *name = pw ? pw->pw_name : getenv("USER");
    return name && name[0] && strlen(name) <= OKR_MAX_NAME ? name : "okrd";
}

/* --add-user NAME --role R --key K: the UserAdd handler itself (the same
 * checks and the same event as `okr user add`), run in one transaction on
 * the locked directory. */
static int add_user_offline(const okrd_config *cfg, const char *name, const char *role_name,
                            const char *key)
{
    okr_role role;
    if (role_name == NULL || !requests_role_parse(role_name, &role)) {
        fprintf(stderr, "okrd: --add-user needs --role viewer, editor or admin\n");
        return 2;
    }
    if (key == NULL) {
        fprintf(stderr, "okrd: --add-user needs --key PUBLIC_KEY (the user's okr keygen "
                        "prints it)\n");
        return 2;
    }
    int lock = lock_or_say(cfg->data_dir);
    if (lock < 0)
        return 1;
    store st;
    char err[512];
    int status = 1;
    if (store_open(&st, cfg->data_dir, cfg->map_size, true, err, sizeof err) != 0) {
        fprintf(stderr, "okrd: %s\n", err);
        lock_release(lock);
        return 1;
    }
    arena mem;
    arena_init(&mem);
    Okr__User user = OKR__USER__INIT;
    user.name = (char *)name;
    user.has_role = true;
    user.role = (Okr__Role)role;
    user.public_key = (char *)key;
    Okr__UserAdd add = OKR__USER_ADD__INIT;
    add.user = &user;
    Okr__Request req = OKR__REQUEST__INIT;
    req.has_version = true;
    req.version = OKR_PROTOCOL_VERSION;
    req.body_case = OKR__REQUEST__BODY_USER_ADD;
    req.user_add = &add;

    store_txn t;
    store_txn_begin(&t, &st, NULL, true, &mem);
    request rq = {.txn = &t, .mem = &mem, .actor = login_name(), .role = OKR_ROLE_ADMIN,
                  .now = text_now_us(), .health = &cfg->health};
    rq.last_seq = store_last_seq(&t);
    rq.seq = rq.last_seq + 1;
    rq.response = ARENA_NEW(&mem, Okr__Response, OKR__RESPONSE__INIT);
    bool changed = dispatch_request(&rq, &req);
    int rc = changed ? store_txn_commit(&t) : (store_txn_abort(&t), t.rc);
    if (!changed && rq.code != OKR__ERROR_CODE__OK)
        fprintf(stderr, "okrd: %s\n", rq.message);
    else if (rc)
        fprintf(stderr, "okrd: cannot add the user: %s\n", store_strerror(rc));
    else {
        printf("okrd: added %s (%s) to %s\n", name, role_name, cfg->data_dir);
        status = 0;
    }
    arena_free(&mem);
    store_close(&st);
    lock_release(lock);
    return status;
}

int main(int argc, char **argv)
{
    enum { OPT_MAP = 256, OPT_ON_TRACK, OPT_AT_RISK, OPT_LOW_CONF, OPT_INSECURE, OPT_VERIFY,
           OPT_NEW_EPOCH, OPT_RETAIN, OPT_PUB_HWM, OPT_PUB_SNDBUF, OPT_SECURE, OPT_PRINT_KEY,
           OPT_ADD_USER, OPT_ROLE, OPT_KEY };
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"publish", required_argument, NULL, 'p'},
        {"map-size", required_argument, NULL, OPT_MAP},
        {"on-track", required_argument, NULL, OPT_ON_TRACK},
        {"at-risk", required_argument, NULL, OPT_AT_RISK},
        {"low-confidence", required_argument, NULL, OPT_LOW_CONF},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"retain", required_argument, NULL, OPT_RETAIN},
        {"pub-hwm", required_argument, NULL, OPT_PUB_HWM},
        {"pub-sndbuf", required_argument, NULL, OPT_PUB_SNDBUF},
        {"verify", no_argument, NULL, OPT_VERIFY},
        {"new-epoch", no_argument, NULL, OPT_NEW_EPOCH},
        {"secure", no_argument, NULL, OPT_SECURE},
        {"print-key", no_argument, NULL, OPT_PRINT_KEY},
        {"add-user", required_argument, NULL, OPT_ADD_USER},
        {"role", required_argument, NULL, OPT_ROLE},
        {"key", required_argument, NULL, OPT_KEY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    okrd_config cfg = {
        .data_dir = NULL,
        .listen = OKR_DEFAULT_ENDPOINT,
        .publish = OKR_DEFAULT_PUBLISH,
        .map_size = STORE_DEFAULT_MAP_SIZE,
        .health = score_default_health,
        .pub_hwm = 1000,                  /* bounds: docs/protocol.md, "Slow subscribers" */
        .pub_sndbuf = 65536,
    };
    bool do_verify = false, do_new_epoch = false, do_print_key = false;
    const char *add_user = NULL, *role = NULL, *key = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "d:l:p:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'd': cfg.data_dir = optarg; break;
        case 'l': cfg.listen = optarg; break;
        case 'p': cfg.publish = optarg; break;
        case OPT_MAP: if (!parse_size(optarg, &cfg.map_size)) return 2; break;
        case OPT_ON_TRACK: if (!parse_ratio(optarg, "--on-track", &cfg.health.on_track)) return 2; break;
        case OPT_AT_RISK: if (!parse_ratio(optarg, "--at-risk", &cfg.health.at_risk)) return 2; break;
        case OPT_LOW_CONF:
            if (!parse_ratio(optarg, "--low-confidence", &cfg.health.low_confidence)) return 2;
            break;
        case OPT_INSECURE: cfg.insecure = true; break;
        case OPT_RETAIN: if (!parse_count(optarg, "--retain", &cfg.retain_events)) return 2; break;
        case OPT_PUB_HWM:
            if (!parse_int(optarg, "--pub-hwm", 1, &cfg.pub_hwm))
                return 2;
            break;
        case OPT_PUB_SNDBUF:
            if (!parse_int(optarg, "--pub-sndbuf", 0, &cfg.pub_sndbuf))
                return 2;
            break;
        case OPT_VERIFY: do_verify = true; break;
        case OPT_NEW_EPOCH: do_new_epoch = true; break;
        case OPT_SECURE: cfg.secure = true; break;
        case OPT_PRINT_KEY: do_print_key = true; break;
        case OPT_ADD_USER: add_user = optarg; break;
        case OPT_ROLE: role = optarg; break;
        case OPT_KEY: key = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("okrd %s\n", OKR_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "okrd: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    char data_dir[4096];
    if (cfg.data_dir == NULL)
        cfg.data_dir = default_data_dir(data_dir, sizeof data_dir);
    if (cfg.health.at_risk > cfg.health.on_track) {
        fprintf(stderr, "okrd: --at-risk must not be above --on-track\n");
        return 2;
    }
    if ((role || key) && !add_user) {
        fprintf(stderr, "okrd: --role and --key go with --add-user NAME\n");
        return 2;
    }
    if (do_print_key)
        return print_key(&cfg);
    if (add_user)
        return add_user_offline(&cfg, add_user, role, key);
    /* --verify reads in one read-only transaction: it may run beside a
     * server (LMDB readers never block the writer), so it takes no lock. */
    if (do_verify)
        return verify(&cfg);
    if (!do_new_epoch && server_check_endpoints(&cfg) != 0)
        return 1;                              /* before the lock makes the directory */
    int lock = lock_or_say(cfg.data_dir);
    if (lock < 0)
        return 1;
    if (do_new_epoch) {
        int status = new_epoch(&cfg);
        lock_release(lock);
        return status;
    }

    install_stop_handlers();

    raise_fd_limit();
    okrd server;
    int open_rc = server_open(&server, &cfg);
    if (open_rc != 0) {
        lock_release(lock);
        return open_rc == -2 ? 2 : 1;
    }
    int rc = server_run(&server, &stop_requested);
    server_close(&server);
    lock_release(lock);
    fprintf(stderr, "okrd: stopped\n");
    return rc == 0 ? 0 : 1;
}
