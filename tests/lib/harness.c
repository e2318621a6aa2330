/* harness.c — end-to-end test helpers (see harness.h): spawning okrd and okr,
 * a raw DEALER client, JSON access. Test-only code: it favours loud failure
 * and clear diagnostics over generality. Never used by okrd or okr. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

extern char **environ;

#define READY_DEADLINE_MS  10000
#define STOP_DEADLINE_MS   10000
#define RUN_DEADLINE_MS    60000   /* one okr / okrd command, generous for ASan */
#define POLL_INTERVAL_NS   (5 * 1000 * 1000)
#define READY_PREFIX       "okrd: ready "

/* ------------------------------------------------------------ small utilities */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One step of a readiness poll: not a wait for an outcome, just the interval. */
static void poll_pause(void)
{
    struct timespec ts = {0, POLL_INTERVAL_NS};
    nanosleep(&ts, NULL);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "harness: out of memory\n");
        abort();
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static const char *program_path(const char *env, const char *fallback)
{
    const char *p = getenv(env);
    return p && *p ? p : fallback;
}

static const char *okrd_path(void) { return program_path("OKRD", "build/okrd"); }
static const char *okr_path(void) { return program_path("OKR", "build/okr"); }

/* Children still alive and temporary directories not yet removed: a test
 * that fails before its teardown (cmocka longjmps out of it) must leave no
 * okrd running and no directory behind, so both are cleaned at exit. */
#define MAX_LIVE 64
static pid_t live_pids[MAX_LIVE];
static char *live_roots[MAX_LIVE];
static bool atexit_done;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *root)
{
    if (getenv("OKR_TEST_KEEP"))
        fprintf(stderr, "harness: kept %s\n", root);
    else
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void clean_up_at_exit(void)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_pids[i] > 0) {
            kill(live_pids[i], SIGKILL);
            waitpid(live_pids[i], NULL, 0);
            live_pids[i] = 0;
        }
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_roots[i]) {
            remove_tree(live_roots[i]);
            free(live_roots[i]);
            live_roots[i] = NULL;
        }
}

static void register_at_exit(void)
{
    if (!atexit_done) {
        atexit(clean_up_at_exit);
        signal(SIGPIPE, SIG_IGN);   /* writing a child's stdin must not kill us */
        atexit_done = true;
    }
}

static void track_pid(pid_t pid)
{
    register_at_exit();
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_pids[i] == 0) {
            live_pids[i] = pid;
            return;
        }
}

static void track_root(const char *root)
{
    register_at_exit();
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_roots[i] == NULL) {
            live_roots[i] = xstrdup(root);
            return;
        }
}

static void untrack_root(const char *root)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_roots[i] && strcmp(live_roots[i], root) == 0) {
            free(live_roots[i]);
            live_roots[i] = NULL;
        }
}

static void untrack_pid(pid_t pid)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live_pids[i] == pid)
            live_pids[i] = 0;
}

/* Spawn attributes: default dispositions and an empty mask in the child, so
 * whatever the test process ignores or blocks does not leak into okrd/okr. */
static void spawnattr_defaults(posix_spawnattr_t *attr)
{
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_init(attr);
    posix_spawnattr_setsigmask(attr, &none);
    posix_spawnattr_setsigdefault(attr, &defaults);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

static void join_argv(char *buf, size_t size, char *const argv[])
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; argv[i] && used + 1 < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Whole file, malloc'd and NUL-terminated, from offset `from`; "" on error. */
static char *read_file_from(const char *path, off_t from, size_t *len_out)
{
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (lseek(fd, from, SEEK_SET) == from) {
            for (;;) {
                if (cap - len < 4096) {
                    cap *= 2;
                    buf = realloc(buf, cap);
                    if (buf == NULL)
                        abort();
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                len += (size_t)n;
            }
        }
        close(fd);
    }
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static void print_server_log(const struct harness_server *s)
{
    char *log = harness_server_log(s);
    fprintf(stderr, "---- okrd log (%s) ----\n%s%s---- end of okrd log ----\n",
            s->log_path, log, (*log && log[strlen(log) - 1] != '\n') ? "\n" : "");
    free(log);
}

/* ------------------------------------------------------------ the server */

/* Wait for pid to exit until deadline (monotonic ms). Returns the wait status
 * as harness_server_stop reports it, or -2 when still running. */
static int wait_until(pid_t pid, int64_t deadline)
{
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            untrack_pid(pid);
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
            return -1;
        }
        if (r < 0 && errno != EINTR) {
            untrack_pid(pid);
            return -1;
        }
        if (now_ms() >= deadline)
            return -2;
        poll_pause();
    }
}

/* Parse "okrd: ready requests=EP events=EP data=DIR" into s. */
static bool parse_ready_line(struct harness_server *s, const char *line, size_t len)
{
    bool have_requests = false, have_events = false, have_data = false;
    const char *p = line + strlen(READY_PREFIX), *end = line + len;
    while (p < end) {
        const char *word_end = memchr(p, ' ', (size_t)(end - p));
        if (word_end == NULL)
            word_end = end;
        const char *eq = memchr(p, '=', (size_t)(word_end - p));
        if (eq != NULL) {
            size_t key_len = (size_t)(eq - p), val_len = (size_t)(word_end - eq - 1);
            char *dest = NULL;
            if (key_len == 8 && memcmp(p, "requests", 8) == 0) {
                dest = s->requests;
                have_requests = true;
            } else if (key_len == 6 && memcmp(p, "events", 6) == 0) {
                dest = s->events;
                have_events = true;
            } else if (key_len == 4 && memcmp(p, "data", 4) == 0) {
                have_data = true;
            }
            if (dest != NULL) {
                if (val_len >= HARNESS_ENDPOINT_MAX)
                    return false;
                memcpy(dest, eq + 1, val_len);
                dest[val_len] = '\0';
            }
        }
        p = word_end + 1;
    }
    if (!have_requests || !have_events || !have_data) {
        fprintf(stderr, "harness: ready line lacks requests=, events= or data=: %.*s\n",
                (int)len, line);
        return false;
    }
    /* A wildcard port must have been resolved, or no client can connect. */
    const char *colon = strrchr(s->requests, ':');
    if (colon == NULL || colon[1] < '1' || colon[1] > '9') {
        fprintf(stderr, "harness: ready line has no concrete request port: %s\n",
                s->requests);
        return false;
    }
    return true;
}

/* Look for a complete ready line in the log since this run began. */
static bool find_ready_line(struct harness_server *s, bool *malformed)
{
    char *log = read_file_from(s->log_path, s->log_start, NULL);
    bool found = false;
    for (char *line = log; *line;) {
        char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;                      /* incomplete line: not ready yet */
        if (strncmp(line, READY_PREFIX, strlen(READY_PREFIX)) == 0) {
            found = parse_ready_line(s, line, (size_t)(nl - line));
            *malformed = !found;
            break;
        }
        line = nl + 1;
    }
    free(log);
    return found;
}

static void close_client(struct harness_server *s)
{
    if (s->dealer) {
        zmq_close(s->dealer);
        s->dealer = NULL;
    }
}

static int spawn_server(struct harness_server *s)
{
    const char *okrd = okrd_path();
    if (access(okrd, X_OK) != 0) {
        fprintf(stderr, "harness: okrd not found or not executable: %s (set $OKRD)\n", okrd);
        return -1;
    }
    int logfd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        fprintf(stderr, "harness: %s: %s\n", s->log_path, strerror(errno));
        return -1;
    }
    struct stat st;
    s->log_start = fstat(logfd, &st) == 0 ? st.st_size : 0;

    char *argv[8 + HARNESS_MAX_EXTRA_ARGS + 1];
    int n = 0;
    argv[n++] = (char *)okrd;
    argv[n++] = "--data";
    argv[n++] = s->data_dir;
    argv[n++] = "--listen";
    argv[n++] = "tcp://127.0.0.1:*";
    argv[n++] = "--publish";
    argv[n++] = "tcp://127.0.0.1:*";
    for (int i = 0; s->extra_args[i]; i++)
        argv[n++] = s->extra_args[i];
    argv[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, logfd, 1);
    posix_spawn_file_actions_adddup2(&fa, logfd, 2);
    posix_spawnattr_t attr;
    spawnattr_defaults(&attr);
    pid_t pid;
    int rc = posix_spawn(&pid, okrd, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(logfd);
    if (rc != 0) {
        fprintf(stderr, "harness: cannot spawn %s: %s\n", okrd, strerror(rc));
        return -1;
    }
    s->pid = pid;
    track_pid(pid);

    int64_t deadline = now_ms() + READY_DEADLINE_MS;
    for (;;) {
        bool malformed = false;
        if (find_ready_line(s, &malformed))
            return 0;
        const char *why = NULL;
        if (malformed)
            why = "printed a malformed ready line";
        else {
            int status = wait_until(pid, 0);   /* just a check */
            if (status != -2) {
                s->pid = 0;
                fprintf(stderr, "harness: okrd exited (status %d) before it was ready\n",
                        status);
                print_server_log(s);
                return -1;
            }
            if (now_ms() >= deadline)
                why = "was not ready within 10 s";
        }
        if (why) {
            fprintf(stderr, "harness: okrd %s\n", why);
            harness_server_kill(s);
            print_server_log(s);
            return -1;
        }
        poll_pause();
    }
}

/* The temporary directory and the extra arguments, without starting okrd. */
static int prepare_v(struct harness_server *s, va_list ap)
{
    memset(s, 0, sizeof *s);
    s->timeout_ms = 5000;
    s->next_request_id = 1000;

    int n = 0;
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        if (n == HARNESS_MAX_EXTRA_ARGS) {
            fprintf(stderr, "harness: too many extra okrd arguments\n");
            harness_server_destroy(s);
            return -1;
        }
        s->extra_args[n++] = xstrdup(a);
    }

    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    snprintf(s->root, sizeof s->root, "%s/okr-test.XXXXXX", tmp);
    if (mkdtemp(s->root) == NULL) {
        fprintf(stderr, "harness: mkdtemp %s: %s\n", s->root, strerror(errno));
        s->root[0] = '\0';
        harness_server_destroy(s);
        return -1;
    }
    track_root(s->root);
    snprintf(s->data_dir, sizeof s->data_dir, "%s/data", s->root);
    snprintf(s->log_path, sizeof s->log_path, "%s/okrd.log", s->root);
    if (mkdir(s->data_dir, 0700) != 0) {
        fprintf(stderr, "harness: mkdir %s: %s\n", s->data_dir, strerror(errno));
        harness_server_destroy(s);
        return -1;
    }
    return 0;
}

int harness_server_prepare(struct harness_server *s, ...)
{
    va_list ap;
    va_start(ap, s);
    int rc = prepare_v(s, ap);
    va_end(ap);
    return rc;
}

int harness_server_launch(struct harness_server *s)
{
    if (spawn_server(s) != 0) {
        harness_server_destroy(s);      /* the log was printed already */
        return -1;
    }
    return 0;
}

int harness_server_start(struct harness_server *s, ...)
{
    va_list ap;
    va_start(ap, s);
    int rc = prepare_v(s, ap);
    va_end(ap);
    return rc == 0 ? harness_server_launch(s) : -1;
}

int harness_server_stop(struct harness_server *s)
{
    if (s->pid <= 0)
        return -1;
    close_client(s);
    kill(s->pid, SIGTERM);
    int status = wait_until(s->pid, now_ms() + STOP_DEADLINE_MS);
    if (status == -2) {
        fprintf(stderr, "harness: okrd ignored SIGTERM for 10 s; killing it\n");
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        untrack_pid(s->pid);
        status = -1;
    }
    s->pid = 0;
    return status;
}

void harness_server_kill(struct harness_server *s)
{
    if (s->pid <= 0)
        return;
    close_client(s);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    untrack_pid(s->pid);
    s->pid = 0;
}

int harness_server_restart(struct harness_server *s)
{
    if (s->pid > 0) {
        int status = harness_server_stop(s);
        if (status != 0)
            fprintf(stderr, "harness: okrd exited with status %d on SIGTERM\n", status);
    }
    close_client(s);
    s->requests[0] = s->events[0] = '\0';
    return spawn_server(s);
}

bool harness_server_alive(struct harness_server *s)
{
    if (s->pid <= 0)
        return false;
    if (wait_until(s->pid, 0) != -2) {
        s->pid = 0;
        return false;
    }
    return true;
}

void harness_server_destroy(struct harness_server *s)
{
    if (s->pid > 0)
        harness_server_stop(s);
    close_client(s);
    if (s->zmq_ctx)
        zmq_ctx_term(s->zmq_ctx);
    for (int i = 0; i < HARNESS_MAX_EXTRA_ARGS && s->extra_args[i]; i++)
        free(s->extra_args[i]);
    if (s->root[0]) {
        remove_tree(s->root);
        untrack_root(s->root);
    }
    memset(s, 0, sizeof *s);
}

char *harness_server_log(const struct harness_server *s)
{
    return read_file_from(s->log_path, 0, NULL);
}

bool harness_server_log_contains(const struct harness_server *s, const char *needle)
{
    char *log = harness_server_log(s);
    bool found = strstr(log, needle) != NULL;
    free(log);
    return found;
}

/* ------------------------------------------------------------ child programs */

struct growbuf {
    char *data;
    size_t len, cap;
};

static void growbuf_read(struct growbuf *b, int *fd)
{
    if (b->cap - b->len < 4096) {
        b->cap = b->cap ? b->cap * 2 : 8192;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    ssize_t n = read(*fd, b->data + b->len, b->cap - b->len - 1);
    if (n > 0) {
        b->len += (size_t)n;
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

static char *growbuf_finish(struct growbuf *b, size_t *len)
{
    if (b->data == NULL)
        b->data = xmalloc(1);
    b->data[b->len] = '\0';
    *len = b->len;
    return b->data;
}

int harness_run(struct harness_result *out, const char *stdin_text, int timeout_ms,
                char *const argv[])
{
    memset(out, 0, sizeof *out);
    join_argv(out->command, sizeof out->command, argv);
    out->exit_code = -1;
    if (timeout_ms <= 0)
        timeout_ms = RUN_DEADLINE_MS;

    int in_pipe[2] = {-1, -1}, out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    if (stdin_text && pipe2(in_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        return -1;
    }

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdin_text)
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawnattr_t attr;
    spawnattr_defaults(&attr);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (stdin_text)
        close(in_pipe[0]);
    if (rc != 0) {
        fprintf(stderr, "harness: cannot spawn %s: %s\n", argv[0], strerror(rc));
        close(out_pipe[0]);
        close(err_pipe[0]);
        if (stdin_text)
            close(in_pipe[1]);
        out->out = xstrdup("");
        out->err = xstrdup("");
        return -1;
    }
    track_pid(pid);

    int in_fd = stdin_text ? in_pipe[1] : -1;
    size_t in_len = stdin_text ? strlen(stdin_text) : 0, in_off = 0;
    if (in_fd >= 0) {
        fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
        if (in_len == 0) {
            close(in_fd);
            in_fd = -1;
        }
    }
    int out_fd = out_pipe[0], err_fd = err_pipe[0];
    struct growbuf ob = {0}, eb = {0};
    int64_t deadline = now_ms() + timeout_ms;

    while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
        struct pollfd pfd[3];
        int n = 0, i_out = -1, i_err = -1, i_in = -1;
        if (out_fd >= 0) { i_out = n; pfd[n++] = (struct pollfd){out_fd, POLLIN, 0}; }
        if (err_fd >= 0) { i_err = n; pfd[n++] = (struct pollfd){err_fd, POLLIN, 0}; }
        if (in_fd >= 0) { i_in = n; pfd[n++] = (struct pollfd){in_fd, POLLOUT, 0}; }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            out->timed_out = true;
            break;
        }
        int r = poll(pfd, (nfds_t)n, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (i_out >= 0 && pfd[i_out].revents)
            growbuf_read(&ob, &out_fd);
        if (i_err >= 0 && pfd[i_err].revents)
            growbuf_read(&eb, &err_fd);
        if (i_in >= 0 && pfd[i_in].revents) {
            ssize_t w = write(in_fd, stdin_text + in_off, in_len - in_off);
            if (w > 0)
                in_off += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len) {
                close(in_fd);               /* EOF tells a script it is over */
                in_fd = -1;
            }
        }
    }
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);
    if (in_fd >= 0)
        close(in_fd);

    int status = 0;
    if (out->timed_out) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else {
        /* Both pipes closed: the child is exiting; give it the same deadline. */
        int64_t left;
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid || (w < 0 && errno != EINTR))
                break;
            left = deadline - now_ms();
            if (left <= 0) {
                out->timed_out = true;
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            poll_pause();
        }
    }
    untrack_pid(pid);
    if (WIFEXITED(status))
        out->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        out->signal = WTERMSIG(status);
    out->out = growbuf_finish(&ob, &out->out_len);
    out->err = growbuf_finish(&eb, &out->err_len);
    return 0;
}

int harness_okr_argv(const char *endpoint, struct harness_result *out, const char *input,
                     const char *const args[])
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)okr_path();
    argv[n++] = "--server";
    argv[n++] = (char *)endpoint;
    for (int i = 0; args[i] != NULL; i++) {
        if (n == 63) {
            fprintf(stderr, "harness: too many okr arguments\n");
            memset(out, 0, sizeof *out);
            out->out = xstrdup("");
            out->err = xstrdup("");
            out->exit_code = -1;
            return -1;
        }
        argv[n++] = (char *)args[i];
    }
    argv[n] = NULL;
    if (access(argv[0], X_OK) != 0)
        fprintf(stderr, "harness: okr not found or not executable: %s (set $OKR)\n",
                argv[0]);
    return harness_run(out, input, RUN_DEADLINE_MS, argv);
}

int harness_okr_v(const char *endpoint, struct harness_result *out, const char *input,
                  const char *arg, va_list ap)
{
    const char *args[64];
    int n = 0;
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        args[n++] = a;
    args[n] = NULL;
    return harness_okr_argv(endpoint, out, input, args);
}

int harness_okr(const struct harness_server *s, struct harness_result *out,
                const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = harness_okr_v(s->requests, out, NULL, arg, ap);
    va_end(ap);
    return rc;
}

int harness_okr_stdin(const struct harness_server *s, struct harness_result *out,
                      const char *input, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = harness_okr_v(s->requests, out, input, arg, ap);
    va_end(ap);
    return rc;
}

int harness_okr_at(const char *endpoint, struct harness_result *out, const char *input,
                   const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = harness_okr_v(endpoint, out, input, arg, ap);
    va_end(ap);
    return rc;
}

int harness_okrd_cmd(struct harness_result *out, const char *arg, ...)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)okrd_path();
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    return harness_run(out, NULL, RUN_DEADLINE_MS, argv);
}

void harness_result_free(struct harness_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void harness_expect_exit_at(const struct harness_result *r, int code, const char *file,
                            int line)
{
    if (!r->timed_out && r->signal == 0 && r->exit_code == code)
        return;
    fprintf(stderr, "harness: `%s`\n", r->command);
    if (r->timed_out)
        fprintf(stderr, "  timed out and was killed\n");
    else if (r->signal)
        fprintf(stderr, "  killed by signal %d\n", r->signal);
    fprintf(stderr, "  exit code %d, expected %d\n", r->exit_code, code);
    fprintf(stderr, "  stdout: %s%s", r->out ? r->out : "",
            r->out && r->out_len && r->out[r->out_len - 1] == '\n' ? "" : "\n");
    fprintf(stderr, "  stderr: %s%s", r->err ? r->err : "",
            r->err && r->err_len && r->err[r->err_len - 1] == '\n' ? "" : "\n");
    /* The test ends here (longjmp): free the output so a sanitizer run
     * reports the failure, not a leak. */
    struct harness_result *owned = (struct harness_result *)r;
    harness_result_free(owned);
    _fail(file, line);
}

const char *harness_okr_ok(const struct harness_server *s, struct harness_result *out,
                           const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(s->requests, out, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(out, 0);
    return out->out;
}

int harness_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("cannot find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

char *harness_chomp(const char *s)
{
    char *c = xstrdup(s);
    size_t n = strlen(c);
    while (n > 0 && (c[n - 1] == '\n' || c[n - 1] == '\r' || c[n - 1] == ' ' ||
                     c[n - 1] == '\t'))
        c[--n] = '\0';
    return c;
}

/* ------------------------------------------------------------ raw client */

static int ensure_client(struct harness_server *s)
{
    if (s->dealer)
        return 0;
    if (s->requests[0] == '\0') {
        fprintf(stderr, "harness: no server endpoint (okrd not started?)\n");
        return -1;
    }
    if (s->zmq_ctx == NULL)
        s->zmq_ctx = zmq_ctx_new();
    s->dealer = zmq_socket(s->zmq_ctx, ZMQ_DEALER);
    int linger = 0;
    int64_t maxmsg = 64 * 1024 * 1024;
    zmq_setsockopt(s->dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s->dealer, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (s->curve_on) {
        zmq_setsockopt(s->dealer, ZMQ_CURVE_SERVERKEY, s->curve_server, 40);
        zmq_setsockopt(s->dealer, ZMQ_CURVE_PUBLICKEY, s->curve_public, 40);
        zmq_setsockopt(s->dealer, ZMQ_CURVE_SECRETKEY, s->curve_secret, 40);
    }
    if (zmq_connect(s->dealer, s->requests) != 0) {
        fprintf(stderr, "harness: connect %s: %s\n", s->requests, zmq_strerror(errno));
        close_client(s);
        return -1;
    }
    return 0;
}

void harness_client_curve(struct harness_server *s, const char *server_key,
                          const char *public_key, const char *secret_key)
{
    s->curve_on = server_key != NULL;
    if (s->curve_on) {
        snprintf(s->curve_server, sizeof s->curve_server, "%s", server_key);
        snprintf(s->curve_public, sizeof s->curve_public, "%s", public_key);
        snprintf(s->curve_secret, sizeof s->curve_secret, "%s", secret_key);
    }
    close_client(s);
}

void harness_client_reset(struct harness_server *s)
{
    close_client(s);
    ensure_client(s);
}

int harness_send_raw(struct harness_server *s, const void *bytes, size_t len, bool more)
{
    if (ensure_client(s) != 0)
        return -1;
    int flags = more ? ZMQ_SNDMORE : 0;
    int64_t deadline = now_ms() + s->timeout_ms;
    for (;;) {
        if (zmq_send(s->dealer, bytes, len, flags | ZMQ_DONTWAIT) >= 0)
            return 0;
        if (errno != EAGAIN || now_ms() >= deadline) {
            fprintf(stderr, "harness: send: %s\n", zmq_strerror(errno));
            return -1;
        }
        poll_pause();
    }
}

int harness_recv_raw(struct harness_server *s, int timeout_ms, Okr__Response **resp)
{
    *resp = NULL;
    if (ensure_client(s) != 0)
        return 0;
    zmq_pollitem_t item = {s->dealer, 0, ZMQ_POLLIN, 0};
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        int r = zmq_poll(&item, 1, (long)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, s->dealer, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return 0;
        }
        int more = zmq_msg_more(&msg);
        *resp = okr__response__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        if (*resp == NULL)
            fprintf(stderr, "harness: a reply frame of %zu bytes does not unpack\n",
                    zmq_msg_size(&msg));
        if (more)
            fprintf(stderr, "harness: a reply has more than one frame\n");
        zmq_msg_close(&msg);
        return 1;
    }
}

static int send_request(struct harness_server *s, Okr__Request *req)
{
    size_t len = okr__request__get_packed_size(req);
    uint8_t *buf = xmalloc(len);
    okr__request__pack(req, buf);
    int rc = harness_send_raw(s, buf, len, false);
    free(buf);
    return rc;
}

/* Wait for the response to request `id`, dropping others. */
static Okr__Response *await_response(struct harness_server *s, uint64_t id, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return NULL;
        Okr__Response *resp;
        if (harness_recv_raw(s, (int)left, &resp) == 0)
            return NULL;
        if (resp == NULL)
            continue;
        if (resp->has_request_id && resp->request_id == id)
            return resp;
        okr__response__free_unpacked(resp, NULL);
    }
}

Okr__Response *harness_request(struct harness_server *s, Okr__Request *req)
{
    if (!req->has_version) {
        req->has_version = true;
        req->version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    }
    if (!req->has_request_id) {
        req->has_request_id = true;
        req->request_id = s->next_request_id++;
    }
    if (send_request(s, req) != 0)
        return NULL;
    Okr__Response *resp = await_response(s, req->request_id, s->timeout_ms);
    if (resp == NULL)
        fprintf(stderr, "harness: no response to request %llu within %d ms\n",
                (unsigned long long)req->request_id, s->timeout_ms);
    return resp;
}

Okr__Response *harness_request_until_answered(struct harness_server *s, Okr__Request *req,
                                              int try_ms, int deadline_ms)
{
    int64_t deadline = now_ms() + deadline_ms;
    req->has_version = true;
    req->version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    while (now_ms() < deadline) {
        req->has_request_id = true;
        req->request_id = s->next_request_id++;
        if (send_request(s, req) == 0) {
            Okr__Response *resp = await_response(s, req->request_id, try_ms);
            if (resp)
                return resp;
        } else {
            poll_pause();
        }
    }
    fprintf(stderr, "harness: no response within %d ms of retries\n", deadline_ms);
    return NULL;
}

Okr__ErrorCode harness_error_code(const Okr__Response *resp)
{
    if (resp == NULL || resp->error == NULL || !resp->error->has_code)
        return OKR__ERROR_CODE__OK;
    return resp->error->code;
}

uint64_t harness_last_seq(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    Okr__Response *resp = harness_request(s, &req);
    if (resp == NULL)
        fail_msg("StatusGet got no response");
    if (harness_error_code(resp) != OKR__ERROR_CODE__OK ||
        resp->body_case != OKR__RESPONSE__BODY_STATUS) {
        okr__response__free_unpacked(resp, NULL);
        fail_msg("StatusGet did not answer a Status");
    }
    uint64_t seq = resp->status->last_seq;
    okr__response__free_unpacked(resp, NULL);
    return seq;
}

/* ------------------------------------------------------------ JSON */

struct json_object *harness_json_parse(const char *text)
{
    struct json_tokener *tok = json_tokener_new();
    size_t len = strlen(text);
    struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    bool trailing = false;
    for (size_t i = used; obj && i < len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
            trailing = true;
    if (obj == NULL || err != json_tokener_success || trailing) {
        if (obj)
            json_object_put(obj);
        fprintf(stderr, "harness: not one JSON value (%s):\n%s\n",
                trailing ? "trailing text" : json_tokener_error_desc(err), text);
        fail_msg("output is not one JSON value");
    }
    return obj;
}

struct json_object *harness_json_find(struct json_object *root, const char *path)
{
    struct json_object *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        if (json_object_is_type(cur, json_type_array)) {
            char *end;
            errno = 0;
            unsigned long idx = strtoul(key, &end, 10);
            if (n == 0 || *end != '\0' || errno ||
                idx >= json_object_array_length(cur))
                return NULL;
            cur = json_object_array_get_idx(cur, idx);
        } else if (json_object_is_type(cur, json_type_object)) {
            struct json_object *next;
            if (!json_object_object_get_ex(cur, key, &next))
                return NULL;
            cur = next;
        } else {
            return NULL;
        }
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

static struct json_object *find_typed(struct json_object *root, const char *path,
                                      json_type want, const char *what)
{
    struct json_object *v = harness_json_find(root, path);
    bool ok = v != NULL && (json_object_is_type(v, want) ||
                            (want == json_type_double && json_object_is_type(v, json_type_int)));
    if (!ok) {
        fprintf(stderr, "harness: JSON path \"%s\" is %s, expected %s, in:\n%s\n", path,
                v ? json_type_to_name(json_object_get_type(v)) : "absent", what,
                json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
        fail_msg("JSON path \"%s\" is not %s", path, what);
    }
    return v;
}

double harness_json_double(struct json_object *root, const char *path)
{
    return json_object_get_double(find_typed(root, path, json_type_double, "a number"));
}

int64_t harness_json_int(struct json_object *root, const char *path)
{
    return json_object_get_int64(find_typed(root, path, json_type_int, "an integer"));
}

const char *harness_json_string(struct json_object *root, const char *path)
{
    return json_object_get_string(find_typed(root, path, json_type_string, "a string"));
}

const char *harness_json_text(struct json_object *root, const char *path)
{
    struct json_object *v = harness_json_find(root, path);
    if (v == NULL) {
        fprintf(stderr, "harness: JSON path \"%s\" is absent in:\n%s\n", path,
                json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
        fail_msg("JSON path \"%s\" is absent", path);
    }
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

struct json_object *harness_json_array_find(struct json_object *root, const char *path,
                                            const char *key, const char *value)
{
    struct json_object *arr = harness_json_find(root, path);
    if (arr == NULL || !json_object_is_type(arr, json_type_array))
        return NULL;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        struct json_object *el = json_object_array_get_idx(arr, i), *k;
        if (json_object_is_type(el, json_type_object) &&
            json_object_object_get_ex(el, key, &k) &&
            json_object_is_type(k, json_type_string) &&
            strcmp(json_object_get_string(k), value) == 0)
            return el;
    }
    return NULL;
}

static bool key_dropped(const char *key, const char *const *drop)
{
    for (int i = 0; drop && drop[i]; i++)
        if (strcmp(key, drop[i]) == 0)
            return true;
    return false;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A new tree with dropped members removed and object keys sorted; scalars are
 * shared (reference-counted), so number text survives. */
static struct json_object *canonical_copy(struct json_object *v, const char *const *drop)
{
    if (json_object_is_type(v, json_type_object)) {
        size_t n = (size_t)json_object_object_length(v), k = 0;
        const char **keys = xmalloc(n * sizeof *keys);
        json_object_object_foreach(v, key, val) {
            (void)val;
            keys[k++] = key;
        }
        qsort(keys, k, sizeof *keys, compare_keys);
        struct json_object *obj = json_object_new_object();
        for (size_t i = 0; i < k; i++) {
            if (key_dropped(keys[i], drop))
                continue;
            struct json_object *child;
            json_object_object_get_ex(v, keys[i], &child);
            json_object_object_add(obj, keys[i], canonical_copy(child, drop));
        }
        free(keys);
        return obj;
    }
    if (json_object_is_type(v, json_type_array)) {
        struct json_object *arr = json_object_new_array();
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, canonical_copy(json_object_array_get_idx(v, i), drop));
        return arr;
    }
    return json_object_get(v);   /* NULL stays NULL (JSON null) */
}

char *harness_json_canonical(const char *text, const char *const *drop_keys)
{
    struct json_object *root = harness_json_parse(text);
    struct json_object *copy = canonical_copy(root, drop_keys);
    char *out = xstrdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
    json_object_put(copy);
    json_object_put(root);
    return out;
}

/* ------------------------------------------------------------ hostile subscribers */

#define ONLY_FIRST_SUBSCRIBE 108      /* ZMQ_ONLY_FIRST_SUBSCRIBE, a draft option */

void *harness_liar_connect(void *ctx, const char *endpoint)
{
    void *liar = zmq_socket(ctx, ZMQ_XSUB);
    int one = 1, linger = 0;
    if (liar == NULL)
        return NULL;
    zmq_setsockopt(liar, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_setsockopt(liar, ONLY_FIRST_SUBSCRIBE, &one, sizeof one) != 0 ||
        zmq_connect(liar, endpoint) != 0) {
        zmq_close(liar);
        return NULL;
    }
    return liar;
}

void harness_send_stray_unsubscription(void *liar, const char *topic)
{
    char frame[64];
    size_t len = strlen(topic);
    assert_true(len < sizeof frame);
    frame[0] = 0;
    memcpy(frame + 1, topic, len);
    assert_int_equal(zmq_send(liar, "x", 1, ZMQ_SNDMORE), 1);
    assert_int_equal(zmq_send(liar, frame, len + 1, 0), (int)len + 1);
}
