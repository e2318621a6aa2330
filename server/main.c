/* main.c — okrd's command line: the settings (options.c reads the flags and
 * the config file), signals, then serve or carry out the action (--verify,
 * --new-epoch, --print-config). The only global is the stop flag the
 * signal handler sets.
 *
 * The actions and usage errors talk to the terminal (stdout, stderr) even
 * with --syslog: they are answers to the person who typed the command, not
 * log lines. Serving logs through logging.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "okr_limits.h"
#include "integrity.h"
#include "logging.h"
#include "options.h"
#include "rollup.h"
#include "server.h"

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
    install_stop_handlers();
    raise_fd_limit();
    okrd server;
    int open_rc = server_open(&server, &o->cfg);
    if (open_rc != 0) {
        log_close();
        return open_rc == -2 ? 2 : 1;
    }
    /* After the ready line, not before: a refused start prints only why. */
    options_summary(o, summary, sizeof summary);
    log_info("started okrd %s: config=%s %s", OKR_VERSION,
             o->config_path[0] ? o->config_path : "(none)", summary);
    int rc = server_run(&server, &stop_requested);
    server_close(&server);
    log_info("stopped");
    log_close();
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    okrd_options o;
    int rc = options_load(&o, argc, argv, OKRD_DEFAULT_CONFIG);
    if (rc == 0) {
        switch (o.action) {
        case OKRD_HELP: options_usage(stdout); break;
        case OKRD_VERSION: printf("okrd %s\n", OKR_VERSION); break;
        case OKRD_PRINT_CONFIG: options_print_config(&o, stdout); break;
        case OKRD_VERIFY: rc = verify(&o.cfg); break;
        case OKRD_NEW_EPOCH: rc = new_epoch(&o.cfg); break;
        case OKRD_SERVE: rc = serve(&o); break;
        case OKRD_PARAMETER: break;             /* never o.action */
        }
    }
    options_free(&o);
    return rc;
}
