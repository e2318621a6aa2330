/* proc.c — child processes: okrd (ready line, start-up time, stop), any
 * command whose output we parse (redis-benchmark), and memory figures from
 * /proc. Never sends requests. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_NS ((int64_t)30 * 1000000000)
#define STOP_TIMEOUT_NS ((int64_t)10 * 1000000000)
#define MAX_CHILDREN 16

/* Children still running: killed at exit, so a bench that dies half-way
 * leaves no server behind. */
static pid_t children[MAX_CHILDREN];

static void kill_children(void)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
}

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] > 0)
            kill(children[i], SIGKILL);
    _exit(128 + sig);
}

void proc_kill_children_on_signal(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
}

void proc_track(pid_t pid)
{
    static bool registered;
    if (!registered) {
        atexit(kill_children);
        registered = true;
    }
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == 0) {
            children[i] = pid;
            return;
        }
}

void proc_untrack(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

static void print_log(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char line[1024];
    fprintf(stderr, "---- %s\n", path);
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

/* "okrd: ready requests=EP events=EP data=DIR" -> both endpoints. */
static bool parse_ready(const char *line, okrd_proc *p)
{
    const char *r = strstr(line, "okrd: ready requests=");
    if (r == NULL)
        return false;
    if (sscanf(r, "okrd: ready requests=%255s events=%255s", p->requests, p->events) != 2)
        return false;
    return true;
}

static void *drain(void *arg)
{
    okrd_proc *p = arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(p->pipe_fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && write(p->log_fd, buf, (size_t)n) < 0)
            break;
    return NULL;
}

int proc_okrd_start(okrd_proc *p, const char *okrd_bin, const char *data_dir,
                    const char *log_path)
{
    return proc_okrd_start_with(p, okrd_bin, data_dir, log_path, NULL);
}

int proc_okrd_start_with(okrd_proc *p, const char *okrd_bin, const char *data_dir,
                         const char *log_path, const char *extra)
{
    memset(p, 0, sizeof *p);
    snprintf(p->data_dir, sizeof p->data_dir, "%s", data_dir);
    snprintf(p->log_path, sizeof p->log_path, "%s", log_path);
    p->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int fds[2];
    if (p->log_fd < 0 || pipe2(fds, O_CLOEXEC) != 0)
        bench_die("cannot make okrd's log: %s", strerror(errno));
    int64_t t0 = clock_mono_ns();
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(fds[1], 2);
        execl(okrd_bin, okrd_bin, "--data", data_dir, "--listen", "tcp://127.0.0.1:*",
              "--publish", "tcp://127.0.0.1:*", extra, (char *)NULL);
        fprintf(stderr, "okr-bench: cannot run %s: %s\n", okrd_bin, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    proc_track(pid);
    p->pid = pid;
    p->pipe_fd = fds[0];

    /* Read stderr until the ready line, copying it to the log. */
    char line[2048];
    size_t used = 0;
    bool ready = false;
    while (!ready) {
        int64_t left = t0 + READY_TIMEOUT_NS - clock_mono_ns();
        if (left <= 0)
            break;
        struct pollfd pf = {p->pipe_fd, POLLIN, 0};
        if (poll(&pf, 1, (int)(left / 1000000) + 1) <= 0)
            continue;
        ssize_t n = read(p->pipe_fd, line + used, sizeof line - 1 - used);
        if (n <= 0)
            break;                                 /* okrd exited */
        int64_t t = clock_mono_ns();
        if (write(p->log_fd, line + used, (size_t)n) < 0)
            break;
        used += (size_t)n;
        line[used] = '\0';
        char *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            if (parse_ready(line, p)) {
                ready = true;
                p->startup_ns = t - t0;
            }
            memmove(line, nl + 1, used - (size_t)(nl + 1 - line) + 1);
            used -= (size_t)(nl + 1 - line);
        }
        if (used == sizeof line - 1)
            used = 0;                              /* an absurd line: drop it */
    }
    if (!ready) {
        bench_note("okrd did not become ready (%s)", okrd_bin);
        proc_okrd_stop(p);
        print_log(log_path);
        return -1;
    }
    pthread_t *th = malloc(sizeof *th);
    if (th == NULL || pthread_create(th, NULL, drain, p) != 0)
        bench_die("cannot start the log thread");
    p->drain_thread = th;
    return 0;
}

void proc_terminate(pid_t pid, const char *what)
{
    kill(pid, SIGTERM);
    int64_t deadline = clock_mono_ns() + STOP_TIMEOUT_NS;
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (clock_mono_ns() > deadline) {
            bench_note("%s did not stop within 10 s: killing it", what);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(2000);
    }
    proc_untrack(pid);
}

void proc_okrd_stop(okrd_proc *p)
{
    if (p->pid > 0) {
        proc_terminate(p->pid, "okrd");
        p->pid = 0;
    }
    if (p->drain_thread) {
        pthread_join(*(pthread_t *)p->drain_thread, NULL);
        free(p->drain_thread);
        p->drain_thread = NULL;
    }
    if (p->pipe_fd > 0)
        close(p->pipe_fd);
    if (p->log_fd > 0)
        close(p->log_fd);
    p->pipe_fd = p->log_fd = -1;
}

static long status_kib(const char *text, const char *field)
{
    const char *f = strstr(text, field);
    return f ? strtol(f + strlen(field), NULL, 10) : -1;
}

int proc_mem_of(pid_t pid, proc_mem *out)
{
    char path[64], text[8192];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    out->anon_kib = status_kib(text, "\nRssAnon:");
    out->file_kib = status_kib(text, "\nRssFile:");
    out->rss_kib = status_kib(text, "\nVmRSS:");
    out->hwm_kib = status_kib(text, "\nVmHWM:");
    out->threads = status_kib(text, "\nThreads:");
    out->fds = 0;
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            out->fds += e->d_name[0] != '.';
        closedir(d);
    }
    return 0;
}

int proc_collect(pid_t pid, int fd, char *out, size_t len, double timeout_s)
{
    size_t used = 0;
    int64_t deadline = clock_mono_ns() + (int64_t)(timeout_s * 1e9);
    bool killed = false;
    for (;;) {
        int64_t left = deadline - clock_mono_ns();
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, (int)(left / 1000000) + 1) <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        if (out) {
            size_t take = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
            memcpy(out + used, buf, take);
            used += take;
        }
    }
    if (out)
        out[used] = '\0';
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    if (killed || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int proc_capture(char *const argv[], char *out, size_t len, double timeout_s)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(devnull, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    return proc_collect(pid, fds[0], out, len, timeout_s);
}

bool proc_which(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[BENCH_PATH_MAX];
    snprintf(buf, sizeof buf, "%s:/usr/sbin:/usr/bin:/usr/local/bin", path ? path : "");
    for (char *dir = strtok(buf, ":"); dir; dir = strtok(NULL, ":")) {
        if (snprintf(out, len, "%s/%s", dir[0] ? dir : ".", name) >= (int)len)
            continue;
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}
