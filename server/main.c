/* main.c — okrd's command line: the settings (options.c reads the flags and
 * the config file), signals, then serve or carry out the action (--verify,
 * --new-epoch, --print-key, --add-user, --print-config). The only global is the stop flag the
 * signal handler sets.
 *
 * The actions and usage errors talk to the terminal (stdout, stderr) even
 * with --syslog: they are answers to the person who typed the command, not
 * log lines. Serving logs through logging.c. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "dispatch.h"
#include "integrity.h"
#include "keyfile.h"
#include "lock.h"
#include "logging.h"
#include "okr_limits.h"
#include "options.h"
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

/* The data directory's lock, or -1 after saying who holds it. */
static int lock_or_say(const char *dir)
{
    char err[512];
    int fd = lock_data_dir(dir, err, sizeof err);
    if (fd < 0)
        fprintf(stderr, "okrd: %s\n", err);
    return fd;
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

static int serve(const okrd_options *o)
{
    char summary[4096];
    log_setup(o->cfg.log_level, o->cfg.use_syslog);
    if (server_check_endpoints(&o->cfg) != 0) {       /* before the lock makes the directory */
        log_close();
        return 1;
    }
    int lock = lock_or_say(o->cfg.data_dir);
    if (lock < 0) {
        log_close();
        return 1;
    }
    install_stop_handlers();
    raise_fd_limit();
    okrd server;
    int open_rc = server_open(&server, &o->cfg);
    if (open_rc != 0) {
        lock_release(lock);
        log_close();
        return open_rc == -2 ? 2 : 1;
    }
    /* After the ready line, not before: a refused start prints only why. */
    options_summary(o, summary, sizeof summary);
    log_info("started okrd %s: config=%s %s", OKR_VERSION,
             o->config_path[0] ? o->config_path : "(none)", summary);
    int rc = server_run(&server, &stop_requested);
    server_close(&server);
    lock_release(lock);
    log_info("stopped");
    log_close();
    return rc == 0 ? 0 : 1;
}

/* --new-epoch writes: one writer per directory, as for serving. */
static int new_epoch_locked(const okrd_config *cfg)
{
    int lock = lock_or_say(cfg->data_dir);
    if (lock < 0)
        return 1;
    int rc = new_epoch(cfg);
    lock_release(lock);
    return rc;
}

int main(int argc, char **argv)
{
    okrd_options o;
    int rc = options_load(&o, argc, argv, OKRD_DEFAULT_CONFIG);
    const char *role = options_action_arg(&o, "role"), *key = options_action_arg(&o, "key");
    if (rc == 0 && (role || key) && o.action != OKRD_ADD_USER) {
        fprintf(stderr, "okrd: --role and --key go with --add-user NAME\n");
        rc = 2;
    }
    if (rc == 0) {
        switch (o.action) {
        case OKRD_HELP: options_usage(stdout); break;
        case OKRD_VERSION: printf("okrd %s\n", OKR_VERSION); break;
        case OKRD_PRINT_CONFIG: options_print_config(&o, stdout); break;
        /* --verify reads in one read-only transaction: it may run beside a
         * server (LMDB readers never block the writer), so it takes no lock. */
        case OKRD_VERIFY: rc = verify(&o.cfg); break;
        case OKRD_NEW_EPOCH: rc = new_epoch_locked(&o.cfg); break;
        case OKRD_PRINT_KEY: rc = print_key(&o.cfg); break;
        case OKRD_ADD_USER:
            rc = add_user_offline(&o.cfg, options_action_arg(&o, "add-user"), role, key);
            break;
        case OKRD_SERVE: rc = serve(&o); break;
        case OKRD_PARAMETER: break;             /* never o.action */
        }
    }
    options_free(&o);
    return rc;
}
