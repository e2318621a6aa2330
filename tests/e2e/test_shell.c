/* test_shell.c — end to end: the interactive `okr` shell in a real terminal.
 *
 * Each test starts okrd on a temporary directory and free ports, seeds it
 * through okr's script mode, and runs the okr shell inside a private tmux
 * server (its own socket and config, no status line, a 100x40 pane). Keys go
 * in with send-keys; the screen comes back with capture-pane, exactly as a
 * person sees it. Nothing sleeps a fixed time: every expectation is polled
 * against a deadline.
 *
 * Also here: script mode (stops at the failing line and names it), NO_COLOR
 * and piped output (no escape codes), connection loss, and the pure helpers
 * behind completion and the glyphs.
 *
 * The seed is DESIGN's example: a Pots objective with three metric KRs
 * (refund rate 0.5 % -> 0.2 % now 0.35, repeat buyers 5 -> 15 now 9,
 * awareness 10 -> 25 now 16: 0.5, 0.4, 0.4, so O1 = 0.433), aligned with
 * weight 2 to the roll-up KR K4 of the Company objective O2. The period is
 * the calendar quarter containing today, so the prompt shows it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cache.h"
#include "complete.h"
#include "fmt.h"
#include "harness.h"
#include "version.h"

#define TERM_COLS 100
#define TERM_ROWS 40
#define WAIT_MS 8000               /* for anything to show on screen (ASan is slow) */
#define POLL_NS (20 * 1000 * 1000)

/* A private tmux server running okr in one pane. */
struct term {
    char dir[256];      /* temporary: socket, config, XDG_STATE_HOME */
    char sock[320];     /* a new one for each shell opened */
    char conf[300];
    int opened;         /* shells opened so far */
    char state[300];    /* XDG_STATE_HOME: okr's history goes to state/okr/history */
    bool open;
};

typedef struct {
    struct harness_server server;
    struct term term;
    char period[16];    /* "2026-Q4": the quarter containing today */
    char start[16], end[16];
    char prompt[128];   /* "okr 127.0.0.1:PORT 2026-Q4> " */
} fixture;

/* ------------------------------------------------------------ small helpers */

static void pause_poll(void)
{
    struct timespec ts = {0, POLL_NS};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *tmux_path(void)
{
    static const char *const places[] = {"/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (access(places[i], X_OK) == 0)
            return places[i];
    return "tmux (not found: install it, or run make deps)";
}

/* okr's absolute path: tmux runs it from the pane's own directory. */
static const char *okr_path(char *buf, size_t len)
{
    const char *p = getenv("OKR");
    if (p == NULL || p[0] == '\0')
        p = "build/okr";
    if (realpath(p, buf) == NULL)
        snprintf(buf, len, "%s", p);
    return buf;
}

/* The calendar quarter containing today (UTC): name, first and last day. */
static void current_quarter(fixture *f)
{
    static const char *const last_day[] = {"03-31", "06-30", "09-30", "12-31"};
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    unsigned q = (unsigned)tm.tm_mon / 3 % 4, year = (unsigned)(tm.tm_year + 1900) % 10000;
    snprintf(f->period, sizeof f->period, "%04u-Q%u", year, q + 1);
    snprintf(f->start, sizeof f->start, "%04u-%02u-01", year, 3 * q + 1);
    snprintf(f->end, sizeof f->end, "%04u-%.5s", year, last_day[q]);
}

/* A TCP port nobody listens on right now. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = calloc(1, 65536);
    size_t n = text ? fread(text, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return text;
}

/* ------------------------------------------------------------ okr one-shot */

/* Run okr as a one-shot command (NULL-terminated args); assert exit 0. */
static char *okr_ok(fixture *f, const char *arg, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    harness_okr_v(f->server.requests, &r, NULL, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

#define OKR_OK(f, ...) free(okr_ok((f), __VA_ARGS__, NULL))

/* `okr --json ARGS`, parsed. */
static struct json_object *okr_json(fixture *f, const char *arg, ...)
{
    const char *args[16] = {"--json"};
    int n = 1;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 15; a = va_arg(ap, const char *))
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(f->server.requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    struct json_object *j = harness_json_parse(r.out);
    harness_result_free(&r);
    return j;
}

#define OKR_JSON(f, ...) okr_json((f), __VA_ARGS__, NULL)

static void seed(fixture *f)
{
    char script[2048];
    snprintf(script, sizeof script,
             "# the example of DESIGN.md\n"
             "period add %s --start %s --end %s\n"
             "team add Pots\n"
             "team add Company\n"
             "obj add \"Pots customers love us\" --team Pots --period %s\n"
             "kr add O1 \"Refund rate\" --from 0.5 --to 0.2 --unit %%\n"
             "kr add O1 \"Repeat buyers\" --from 5 --to 15 --unit %%\n"
             "kr add O1 Awareness --from 10 --to 25 --unit %%\n"
             "checkin K1 0.45 --confidence 0.6 --note 'supplier audit'\n"
             "checkin K1 0.4 --confidence 0.65\n"
             "checkin K1 0.35 --confidence 0.7 --note \"new QA step\"\n"
             "checkin K2 9\n"
             "checkin K3 16 --confidence 0.4\n"
             "obj add \"Be the kitchen brand people trust\" --team Company --period %s "
             "--committed\n"
             "kr add O2 \"Teams deliver\" --kind rollup\n"
             "obj align O1 K4 --weight 2\n",
             f->period, f->start, f->end, f->period, f->period);
    struct harness_result r;
    harness_okr_stdin(&f->server, &r, script, "--user", "ana", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ the terminal */

/* Run tmux on the test's server with args (NULL-terminated); returns its
 * stdout (malloc'd). Fails the test when tmux fails. */
static char *tmux_v(struct term *t, const char *const *args)
{
    char *argv[48];
    int n = 0;
    argv[n++] = (char *)tmux_path();
    argv[n++] = "-S";
    argv[n++] = t->sock;
    argv[n++] = "-f";
    argv[n++] = t->conf;
    for (int i = 0; args[i] && n < 47; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    struct harness_result r;
    if (harness_run(&r, NULL, 10000, argv) != 0)
        fail_msg("cannot run %s", argv[0]);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

#define TMUX(t, ...) free(tmux_v((t), (const char *const[]){__VA_ARGS__, NULL}))

/* Type text literally (no key names). */
static void term_type(struct term *t, const char *text)
{
    TMUX(t, "send-keys", "-t", "okr", "-l", text);
}

/* Press keys by name: "Tab", "Enter", "C-c", "Up". */
static void term_key(struct term *t, const char *key)
{
    TMUX(t, "send-keys", "-t", "okr", key);
}

/* The screen and its scrollback as text (wrapped lines joined), or with
 * `escapes` the colours and attributes too. malloc'd. */
static char *term_screen(struct term *t, bool escapes)
{
    const char *args[] = {"capture-pane", "-p", "-J", "-S", "-", "-t", "okr", NULL, NULL};
    if (escapes)
        args[7] = "-e";
    return tmux_v(t, args);
}

/* The last line that is not blank, without trailing blanks (the prompt
 * line while the shell waits for input). */
static char *last_line(const char *screen)
{
    const char *end = screen + strlen(screen);
    while (end > screen && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > screen && start[-1] != '\n')
        start--;
    return strndup(start, (size_t)(end - start));
}

/* The screen has `line` as a whole line. */
static bool has_line(const char *screen, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = strstr(screen, line); p; p = strstr(p + 1, line))
        if ((p == screen || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return true;
    return false;
}

static _Noreturn void fail_with_screen(struct term *t, const char *what)
{
    char *screen = term_screen(t, false);
    fprintf(stderr, "---- screen ----\n%s---- end of screen ----\n", screen);
    free(screen);
    fail_msg("%s", what);
    abort();   /* fail_msg does not return */
}

/* Wait until the screen shows `needle`; returns the screen (malloc'd). */
static char *term_wait(struct term *t, const char *needle)
{
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        char *screen = term_screen(t, false);
        if (strstr(screen, needle) != NULL)
            return screen;
        free(screen);
        if (now_ms() > deadline) {
            char what[512];
            snprintf(what, sizeof what, "the screen never showed \"%s\"", needle);
            fail_with_screen(t, what);
        }
        pause_poll();
    }
}

#define TERM_WAIT(t, needle) free(term_wait((t), (needle)))

/* Wait until the last line (the prompt and what is typed) is exactly `want`. */
static void term_wait_last_line(struct term *t, const char *want)
{
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        char *screen = term_screen(t, false);
        char *last = last_line(screen);
        bool same = strcmp(last, want) == 0;
        free(last);
        free(screen);
        if (same)
            return;
        if (now_ms() > deadline) {
            char what[512];
            snprintf(what, sizeof what, "the last line never became \"%s\"", want);
            fail_with_screen(t, what);
        }
        pause_poll();
    }
}

/* The cursor's column (0-based). */
static int term_cursor_x(struct term *t)
{
    char *out = tmux_v(t, (const char *const[]){"display-message", "-p", "-t", "okr",
                                                "#{cursor_x}", NULL});
    int x = atoi(out);
    free(out);
    return x;
}

/* Start afresh: Ctrl-L redraws the prompt at the top, then the scrollback is
 * dropped, so what is waited for next is new output. */
static void term_clear(struct term *t, const char *prompt_line)
{
    term_key(t, "C-l");
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        char *top = tmux_v(t, (const char *const[]){"capture-pane", "-p", "-t", "okr", NULL});
        bool cleared = strncmp(top, prompt_line, strlen(prompt_line)) == 0 &&
                       top[strlen(prompt_line)] == '\n';
        free(top);
        if (cleared)
            break;
        if (now_ms() > deadline)
            fail_with_screen(t, "Ctrl-L did not clear the screen");
        pause_poll();
    }
    TMUX(t, "clear-history", "-t", "okr");
}

/* Wait for okr to exit; returns its exit status, which the pane's wrapper
 * shell prints (tmux's own #{pane_dead_status} is sometimes never set). */
static int term_wait_exit(struct term *t)
{
    char *screen = term_wait(t, "[okr exited: ");
    int status = -1;
    sscanf(strstr(screen, "[okr exited: ") + strlen("[okr exited: "), "%d", &status);
    free(screen);
    return status;
}

static void term_close(struct term *t)
{
    if (!t->open)
        return;
    char *argv[] = {(char *)tmux_path(), "-S", t->sock, "kill-server", NULL};
    struct harness_result r;
    harness_run(&r, NULL, 10000, argv);
    harness_result_free(&r);
    t->open = false;
}

/* Open the shell: `env [ENV...] okr --server EP [ARGS...]` in a fresh pane,
 * with a UTF-8 locale, no NO_COLOR unless ENV sets it, no inputrc, and
 * XDG_STATE_HOME in the test's directory. Waits for the prompt. */
static void term_open(fixture *f, const char *const *env, const char *const *args)
{
    struct term *t = &f->term;
    char okr[4096];
    snprintf(t->sock, sizeof t->sock, "%s/tmux-%d.sock", t->dir, ++t->opened);
    /* The wrapper shell ignores Ctrl-C (okr sets its own handler) and says
     * how okr exited. */
    const char *argv[48] = {"new-session", "-d", "-s", "okr", "-x", "100", "-y", "40",
                            "-c", t->dir, "--", "sh", "-c",
                            "trap '' INT; \"$@\"; echo \"[okr exited: $?]\"", "sh",
                            "env", "-u", "NO_COLOR", "-u", "OKR_SERVER", "LC_ALL=C.UTF-8",
                            "INPUTRC=/dev/null"};
    int n = 22;
    char state_env[400], home_env[400];
    snprintf(state_env, sizeof state_env, "XDG_STATE_HOME=%s", t->state);
    snprintf(home_env, sizeof home_env, "HOME=%s", t->dir);
    argv[n++] = state_env;
    argv[n++] = home_env;
    for (int i = 0; env && env[i]; i++)
        argv[n++] = env[i];
    argv[n++] = okr_path(okr, sizeof okr);
    argv[n++] = "--server";
    argv[n++] = f->server.requests;
    for (int i = 0; args && args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    free(tmux_v(t, argv));
    t->open = true;
    term_wait_last_line(t, f->prompt);
}

/* ------------------------------------------------------------ fixtures */

static int make_term_dir(struct term *t)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/okr-shell.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(t->dir) == NULL)
        return -1;
    snprintf(t->conf, sizeof t->conf, "%s/tmux.conf", t->dir);
    snprintf(t->state, sizeof t->state, "%s/state", t->dir);
    FILE *conf = fopen(t->conf, "w");
    if (conf == NULL)
        return -1;
    /* The pane keeps its last screen after okr exits; no status line
     * steals a row. */
    fputs("set -g remain-on-exit on\nset -g status off\nset -g history-limit 5000\n", conf);
    fclose(conf);
    return 0;
}

static int start(void **state, bool fixed_ports)
{
    fixture *f = calloc(1, sizeof *f);
    char listen[64], publish[64];
    if (f == NULL || make_term_dir(&f->term) != 0)
        return -1;
    current_quarter(f);
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(publish, sizeof publish, "tcp://127.0.0.1:%d", harness_free_port());
    int rc = fixed_ports ? harness_server_start(&f->server, "--listen", listen, "--publish",
                                                publish, NULL)
                         : harness_server_start(&f->server, NULL);
    if (rc != 0)
        return -1;
    snprintf(f->prompt, sizeof f->prompt, "okr %s %s>",
             f->server.requests + strlen("tcp://"), f->period);
    *state = f;
    seed(f);
    return 0;
}

static int setup(void **state)
{
    return start(state, false);
}

static int setup_fixed_ports(void **state)
{
    return start(state, true);
}

static int remove_entry(const char *path)
{
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL)
        return 0;
    term_close(&f->term);
    if (!getenv("OKR_TEST_KEEP")) {
        char path[400];
        snprintf(path, sizeof path, "%s/okr/history", f->term.state);
        remove_entry(path);
        snprintf(path, sizeof path, "%s/okr", f->term.state);
        remove_entry(path);
        remove_entry(f->term.state);
        for (int i = 1; i <= f->term.opened; i++) {
            snprintf(path, sizeof path, "%s/tmux-%d.sock", f->term.dir, i);
            remove_entry(path);
        }
        remove_entry(f->term.conf);
        remove_entry(f->term.dir);
    }
    harness_server_destroy(&f->server);
    free(f);
    return 0;
}

/* The prompt line with `typed` after it, as the screen shows it. */
static const char *typed(const fixture *f, const char *text, char *buf, size_t len)
{
    snprintf(buf, len, "%s %s", f->prompt, text);
    return buf;
}

/* Display columns before `needle` in `line` (every glyph here is one column). */
static int column_of(const char *line, const char *needle)
{
    const char *p = strstr(line, needle);
    int col = 0;
    if (p == NULL)
        return -1;
    for (const char *q = line; q < p; q++)
        col += ((unsigned char)*q & 0xc0) != 0x80;
    return col;
}

static bool ends_with(const char *text, const char *end)
{
    size_t n = strlen(text), m = strlen(end);
    return n >= m && strcmp(text + n - m, end) == 0;
}

/* The whole line of `screen` that begins with `start`, malloc'd, or NULL. */
static char *line_starting(const char *screen, const char *start)
{
    size_t len = strlen(start);
    for (const char *p = screen; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, start, len) == 0)
            return strndup(p, strcspn(p, "\n"));
    return NULL;
}

/* ------------------------------------------------------------ the prompt, help */

static void test_shell_prompt_names_the_server_and_the_current_period(void **state)
{
    fixture *f = *state;
    char want[256];
    term_open(f, NULL, NULL);
    char *screen = term_screen(&f->term, false);
    snprintf(want, sizeof want, "okr %s, connected to okrd ", OKR_VERSION);
    assert_non_null(strstr(screen, want));
    free(screen);

    term_type(&f->term, "use team Pots\n");
    snprintf(want, sizeof want, "okr %s %s [Pots]>", f->server.requests + 6, f->period);
    term_wait_last_line(&f->term, want);
    term_type(&f->term, "use period 1999-Q1\n");
    TERM_WAIT(&f->term, "okr: use: no period '1999-Q1' (see 'period list')");
    term_type(&f->term, "use team -\n");
    term_wait_last_line(&f->term, f->prompt);
}

static void test_help_lists_commands_and_shell_commands(void **state)
{
    fixture *f = *state;
    term_open(f, NULL, NULL);
    term_type(&f->term, "help\n");
    char *screen = term_wait(&f->term, "Shell commands:");
    assert_true(has_line(screen, "  checkin          Record progress on a key result "
                                 "(milestones: done or 1, 0)"));
    assert_true(has_line(screen, "  use team T       Use team T for obj add, obj list and tree "
                                 "('-' clears)"));
    free(screen);
    term_type(&f->term, "help kr add\n");
    TERM_WAIT(&f->term, "usage: okr kr add OBJ TITLE [--kind metric|threshold|milestone|rollup]");
    term_type(&f->term, "help use\n");
    TERM_WAIT(&f->term, "usage: use [period P|team T]");
}

/* ------------------------------------------------------------ completion */

static void test_tab_completes_commands_subcommands_and_options(void **state)
{
    fixture *f = *state;
    char want[256];
    term_open(f, NULL, NULL);

    term_type(&f->term, "che");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "checkin", want, sizeof want));
    assert_int_equal(term_cursor_x(&f->term), (int)strlen(f->prompt) + strlen(" checkin "));

    term_key(&f->term, "C-u");
    term_type(&f->term, "obj a");
    term_key(&f->term, "Tab");
    char *screen = term_wait(&f->term, "archive  Archive");
    assert_true(has_line(screen, "add      Create an objective"));
    assert_true(has_line(screen, "align    Align an objective to a parent objective or KR "
                                 "(or change the weight)"));
    assert_true(has_line(screen, "archive  Archive an objective: it stops counting toward its "
                                 "parents"));
    free(screen);

    term_key(&f->term, "C-u");
    term_type(&f->term, "obj add X --te");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "obj add X --team", want, sizeof want));
    term_type(&f->term, "P");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "obj add X --team Pots", want, sizeof want));

    term_key(&f->term, "C-u");
    term_type(&f->term, "obj list --period ");
    term_key(&f->term, "Tab");
    snprintf(want, sizeof want, "%s obj list --period %s", f->prompt, f->period);
    term_wait_last_line(&f->term, want);

    term_key(&f->term, "C-u");
    term_type(&f->term, "kr add O1 Churn --kind m");
    term_key(&f->term, "Tab");
    screen = term_wait(&f->term, "metric");
    assert_non_null(strstr(screen, "metric     milestone"));
    free(screen);
}

static void test_tab_completes_ids_and_shows_their_titles(void **state)
{
    fixture *f = *state;
    char want[256], line[256];
    term_open(f, NULL, NULL);

    term_type(&f->term, "checkin K");
    term_key(&f->term, "Tab");
    char *screen = term_wait(&f->term, "K3  Awareness  (O1)");
    assert_true(has_line(screen, "K1  Refund rate  (O1)"));
    assert_true(has_line(screen, "K2  Repeat buyers  (O1)"));
    assert_null(strstr(screen, "Teams deliver"));   /* a roll-up takes no check-ins */
    free(screen);

    term_key(&f->term, "C-u");
    term_clear(&f->term, f->prompt);
    term_type(&f->term, "obj show O");
    term_key(&f->term, "Tab");
    snprintf(line, sizeof line, "O2  Be the kitchen brand people trust  (Company, %s)",
             f->period);
    screen = term_wait(&f->term, line);
    snprintf(line, sizeof line, "O1  Pots customers love us  (Pots, %s)", f->period);
    assert_true(has_line(screen, line));
    assert_null(strstr(screen, "K1  "));   /* obj show takes objectives only */
    free(screen);

    /* The first Tab adds what all have in common, the second lists them. */
    term_key(&f->term, "C-u");
    term_clear(&f->term, f->prompt);
    term_type(&f->term, "kr show ");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "kr show K", want, sizeof want));
    term_key(&f->term, "Tab");
    screen = term_wait(&f->term, "K4  Teams deliver  (O2)");   /* kr show takes a roll-up */
    assert_true(has_line(screen, "K1  Refund rate  (O1)"));
    free(screen);

    /* A word of the title finds the id. */
    term_key(&f->term, "C-u");
    term_type(&f->term, "checkin refund");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "checkin K1", want, sizeof want));
    assert_int_equal(term_cursor_x(&f->term), (int)strlen(f->prompt) + strlen(" checkin K1 "));
}

static void test_completion_and_screen_follow_changes_made_elsewhere(void **state)
{
    fixture *f = *state;
    char want[256];
    term_open(f, NULL, NULL);
    term_type(&f->term, "history ");   /* typed, not sent: an event must not disturb it */

    OKR_OK(f, "--user", "maria", "kr", "add", "O1", "Churn", "--at-most", "2", "--unit", "%");
    char *screen = term_wait(&f->term, "maria kr add K5 to O1 \"Churn\" (threshold at most 2 %)");
    assert_non_null(strstr(screen, "#16 "));
    free(screen);
    term_wait_last_line(&f->term, typed(f, "history", want, sizeof want));

    term_type(&f->term, "chu");
    term_key(&f->term, "Tab");
    term_wait_last_line(&f->term, typed(f, "history K5", want, sizeof want));
}

static void test_own_changes_show_their_scores_not_an_event(void **state)
{
    fixture *f = *state;
    term_open(f, NULL, NULL);
    term_type(&f->term, "checkin K2 10 --note 'spring promo'\n");
    char *screen = term_wait(&f->term, "O1 0.433333 -> 0.466667");
    assert_true(has_line(screen, "K2 0.400000 -> 0.500000"));
    free(screen);
    /* Events arrive in order: once #17 (maria's) shows, #16 (ours) was skipped. */
    OKR_OK(f, "--user", "maria", "checkin", "K3", "17");
    screen = term_wait(&f->term, "#17 ");
    assert_null(strstr(screen, "#16 "));
    assert_non_null(strstr(screen, "maria checkin K3 = 17 | K3 0.400->0.467"));
    free(screen);
}

/* ------------------------------------------------------------ rendering */

/* The numbers right of the titles, as the tree draws them. */
static void tree_numbers(struct json_object *graph, const char *kind, const char *id,
                         const char *bar, const char *score, const char *conf, char *buf,
                         size_t len)
{
    struct json_object *node = harness_json_array_find(graph, kind, "id", id);
    assert_non_null(node);
    snprintf(buf, len, "%s  %s  %-9s  %s", bar, score, harness_json_string(node, "health"),
             conf);
}

static void test_tree_draws_lines_bars_scores_health_and_confidence(void **state)
{
    fixture *f = *state;
    static const char *const lefts[] = {
        "O2  Be the kitchen brand people trust",
        "└── K4  Teams deliver",
        "    └── O1  Pots customers love us (weight 2)",
        "        ├── K1  Refund rate",
        "        ├── K2  Repeat buyers",
        "        └── K3  Awareness",
    };
    struct json_object *graph = OKR_JSON(f, "tree");
    char rights[6][128];
    tree_numbers(graph, "objectives", "O2", "████▍░░░░░", "0.433", "-", rights[0], 128);
    tree_numbers(graph, "krs", "K4", "████▍░░░░░", "0.433", "-", rights[1], 128);
    tree_numbers(graph, "objectives", "O1", "████▍░░░░░", "0.433", "0.40", rights[2], 128);
    tree_numbers(graph, "krs", "K1", "█████░░░░░", "0.500", "0.70", rights[3], 128);
    tree_numbers(graph, "krs", "K2", "████░░░░░░", "0.400", "-", rights[4], 128);
    tree_numbers(graph, "krs", "K3", "████░░░░░░", "0.400", "0.40", rights[5], 128);
    json_object_put(graph);

    term_open(f, NULL, NULL);
    term_type(&f->term, "tree\n");
    char *screen = term_wait(&f->term, "└── K3  Awareness");
    char *header = line_starting(screen, "          ");
    assert_non_null(header);
    int column = column_of(header, "PROGRESS    SCORE  HEALTH     CONF");
    assert_true(column > 0);
    for (size_t i = 0; i < 6; i++) {
        char *line = line_starting(screen, lefts[i]);
        if (line == NULL || column_of(line, rights[i]) != column ||
            !ends_with(line, rights[i])) {
            fprintf(stderr, "want \"%s ... %s\" (numbers at column %d), got \"%s\"\n",
                    lefts[i], rights[i], column, line ? line : "(none)");
            fail_with_screen(&f->term, "a tree line is not as drawn");
        }
        free(line);
    }
    free(header);
    free(screen);
}

static void test_history_draws_a_sparkline_and_a_table_with_notes(void **state)
{
    fixture *f = *state;
    struct json_object *kr = OKR_JSON(f, "show", "K1");
    char score[64];
    snprintf(score, sizeof score, "  score        0.500  %s", harness_json_string(kr, "health"));
    json_object_put(kr);

    term_open(f, NULL, NULL);
    term_type(&f->term, "history K1\n");
    char *screen = term_wait(&f->term, "new QA step");
    assert_true(has_line(screen, "K1  Refund rate"));
    assert_true(has_line(screen, "  progress     ▂▃▅  0.45 % → 0.35 %  (target 0.2 %)"));
    assert_true(has_line(screen, "  confidence   ▅▆▆  0.60 → 0.70"));
    assert_true(has_line(screen, score));
    assert_true(has_line(screen, "ID   TIME (UTC)        VALUE   CONF  AUTHOR  NOTE"));
    char *row = line_starting(screen, "#8 ");     /* the id: checkin edit/delete take it */
    assert_non_null(row);
    assert_string_equal(row + strlen("#8   YYYY-MM-DD HH:MM  "),
                        "0.45 %  0.60  ana     supplier audit");
    free(row);
    assert_non_null(strstr(screen, "  0.4 %   0.65  ana\n"));
    assert_non_null(strstr(screen, "  0.35 %  0.70  ana     new QA step\n"));
    free(screen);
}

static void test_status_shows_server_data_counts_and_seq(void **state)
{
    fixture *f = *state;
    char line[300];
    term_open(f, NULL, NULL);
    term_type(&f->term, "status\n");
    char *screen = term_wait(&f->term, "  you are");
    snprintf(line, sizeof line, "  server       %s", f->server.requests);
    assert_true(has_line(screen, line));
    snprintf(line, sizeof line, "  events       %s", f->server.events);
    assert_true(has_line(screen, line));
    assert_true(has_line(screen, "  last seq     15"));
    assert_true(has_line(screen, "  objectives   2"));
    assert_true(has_line(screen, "  key results  4"));
    assert_true(has_line(screen, "  check-ins    5"));
    assert_non_null(strstr(screen, "\n  data         "));
    assert_non_null(strstr(screen, "\n  epoch        "));
    assert_non_null(strstr(screen, "\n  started      "));
    free(screen);
}

/* ------------------------------------------------------------ keys, history, defaults */

static void test_history_persists_across_sessions(void **state)
{
    fixture *f = *state;
    char want[256], path[400];
    term_open(f, NULL, NULL);
    term_type(&f->term, "team list\n");
    TERM_WAIT(&f->term, "Company");
    term_type(&f->term, "status\n");
    TERM_WAIT(&f->term, "  you are");
    term_key(&f->term, "C-d");
    assert_int_equal(term_wait_exit(&f->term), 0);

    snprintf(path, sizeof path, "%s/okr/history", f->term.state);
    char *saved = read_file(path);
    assert_non_null(saved);
    assert_string_equal(saved, "team list\nstatus\n");
    free(saved);

    term_close(&f->term);
    term_open(f, NULL, NULL);
    term_key(&f->term, "Up");
    term_wait_last_line(&f->term, typed(f, "status", want, sizeof want));
    term_key(&f->term, "Up");
    term_wait_last_line(&f->term, typed(f, "team list", want, sizeof want));
}

static void test_ctrl_c_cancels_the_line_and_ctrl_d_quits(void **state)
{
    fixture *f = *state;
    char want[256];
    term_open(f, NULL, NULL);
    term_type(&f->term, "obj delete O1");
    /* The line shown first: else the old prompt could pass for the new one. */
    term_wait_last_line(&f->term, typed(f, "obj delete O1", want, sizeof want));
    term_key(&f->term, "C-c");
    term_wait_last_line(&f->term, f->prompt);
    char *screen = term_screen(&f->term, false);
    assert_true(has_line(screen, typed(f, "obj delete O1^C", want, sizeof want)));
    free(screen);
    OKR_OK(f, "show", "O1");   /* nothing was sent */

    term_type(&f->term, "team list\n");
    TERM_WAIT(&f->term, "Company");
    term_key(&f->term, "C-d");
    assert_int_equal(term_wait_exit(&f->term), 0);
}

/* obj delete asks first: "n" (or Enter) keeps the objective, Ctrl-C at the
 * question too, "y" deletes it. */
static void test_obj_delete_asks_before_deleting(void **state)
{
    fixture *f = *state;
    const char *question = "Delete O1 'Pots customers love us' and its 3 key results? [y/N]";
    char want[256];
    term_open(f, NULL, NULL);
    term_type(&f->term, "obj delete O1\n");
    term_wait_last_line(&f->term, question);
    term_type(&f->term, "n\n");
    TERM_WAIT(&f->term, "okr: O1 not deleted");
    term_wait_last_line(&f->term, f->prompt);
    OKR_OK(f, "show", "O1");

    term_clear(&f->term, f->prompt);
    term_type(&f->term, "obj delete O1\n");
    term_wait_last_line(&f->term, question);
    term_key(&f->term, "C-c");
    TERM_WAIT(&f->term, "okr: O1 not deleted");
    term_wait_last_line(&f->term, f->prompt);
    OKR_OK(f, "show", "O1");

    term_clear(&f->term, f->prompt);
    term_type(&f->term, "obj delete O1\n");
    term_wait_last_line(&f->term, question);
    term_type(&f->term, "y\n");
    TERM_WAIT(&f->term, "K4 0.433333 -> 0.000000");
    term_wait_last_line(&f->term, f->prompt);
    struct harness_result r;
    harness_okr(&f->server, &r, "show", "O1", NULL);
    harness_expect_exit(&r, 1);
    harness_result_free(&r);
    term_type(&f->term, "obj delete O2 --yes\n");        /* --yes: no question */
    TERM_WAIT(&f->term, typed(f, "obj delete O2 --yes", want, sizeof want));
    term_wait_last_line(&f->term, f->prompt);
    harness_okr(&f->server, &r, "show", "O2", NULL);
    harness_expect_exit(&r, 1);
    harness_result_free(&r);
}

static void test_use_sets_defaults_and_quoting_works_like_a_shell(void **state)
{
    fixture *f = *state;
    term_open(f, NULL, NULL);
    term_type(&f->term, "use team Pots\n");
    term_type(&f->term, "obj add \"Become a trusted provider\"\n");
    TERM_WAIT(&f->term, "\nO3\n");
    term_type(&f->term, "obj add 'Say \"hi\"' --team Company\n");
    TERM_WAIT(&f->term, "\nO4\n");
    term_type(&f->term, "use\n");
    TERM_WAIT(&f->term, "team    Pots");

    struct json_object *o = OKR_JSON(f, "show", "O3");
    assert_string_equal(harness_json_string(o, "title"), "Become a trusted provider");
    assert_string_equal(harness_json_string(o, "team"), "Pots");
    assert_string_equal(harness_json_string(o, "period"), f->period);
    json_object_put(o);
    o = OKR_JSON(f, "show", "O4");
    assert_string_equal(harness_json_string(o, "title"), "Say \"hi\"");
    assert_string_equal(harness_json_string(o, "team"), "Company");
    json_object_put(o);

    /* obj list takes the team too: O2 and O4 (Company) stay out. */
    term_type(&f->term, "obj list\n");
    char *screen = term_wait(&f->term, "Become a trusted provider\n");
    assert_non_null(strstr(screen, "Pots customers love us"));
    assert_null(strstr(screen, "  Say \"hi\""));
    assert_null(strstr(screen, "kitchen brand"));
    free(screen);
}

/* ------------------------------------------------------------ colour */

static void test_colour_on_a_terminal_and_never_with_no_color(void **state)
{
    fixture *f = *state;
    term_open(f, NULL, NULL);
    term_type(&f->term, "tree\n");
    TERM_WAIT(&f->term, "└── K3");
    char *screen = term_screen(&f->term, true);
    assert_non_null(strstr(screen, "\033["));
    free(screen);
    term_close(&f->term);

    term_open(f, (const char *const[]){"NO_COLOR=1", NULL}, NULL);
    term_type(&f->term, "tree\n");
    TERM_WAIT(&f->term, "└── K3");
    term_type(&f->term, "history K1\n");
    TERM_WAIT(&f->term, "new QA step");
    term_type(&f->term, "obj show O1\n");
    TERM_WAIT(&f->term, "  aligned to   K4 (weight 2)");
    screen = term_screen(&f->term, true);
    if (strchr(screen, '\033') != NULL)
        fail_with_screen(&f->term, "NO_COLOR, yet the screen has escape codes");
    free(screen);
}

static void test_piped_output_has_no_escape_codes(void **state)
{
    fixture *f = *state;
    static const char *const commands[][4] = {
        {"tree", NULL}, {"history", "K1", NULL}, {"status", NULL}, {"obj", "list", NULL},
        {"show", "O1", NULL}, {"period", "list", NULL},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        struct harness_result r;
        harness_okr_argv(f->server.requests, &r, NULL, commands[i]);
        harness_expect_exit(&r, 0);
        assert_true(r.out_len > 0);
        assert_null(strchr(r.out, '\033'));
        harness_result_free(&r);
    }
    struct harness_result r;
    harness_okr_stdin(&f->server, &r, "tree\nhistory K1\n", NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "└── K3  Awareness"));
    assert_null(strchr(r.out, '\033'));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ scripts */

static void test_script_stops_at_the_first_failing_line_and_names_it(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okr_stdin(&f->server, &r,
                      "# weekly check-ins\n"
                      "checkin K2 10\n"
                      "checkin K9 1\n"
                      "checkin K3 20\n",
                      NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "okr: line 3: NOT_FOUND: "));
    assert_non_null(strstr(r.out, "K2 0.400000 -> 0.500000"));
    harness_result_free(&r);
    struct json_object *k3 = OKR_JSON(f, "show", "K3");
    assert_true(harness_json_double(k3, "current") == 16);   /* line 4 never ran */
    json_object_put(k3);

    harness_okr_stdin(&f->server, &r, "status\ncheckin K2 ten\n", NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "okr: line 2: checkin: VALUE: 'ten' is not a number"));
    harness_result_free(&r);
}

static void test_script_use_applies_to_the_lines_after_it(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okr_stdin(&f->server, &r, "use team Company\nobj add \"Grow abroad\"\nquit\nbogus\n",
                      NULL);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "O3\n");
    harness_result_free(&r);
    struct json_object *o = OKR_JSON(f, "show", "O3");
    assert_string_equal(harness_json_string(o, "team"), "Company");
    json_object_put(o);
}

/* ------------------------------------------------------------ connection loss */

static void test_connection_loss_is_reported_and_the_next_command_reconnects(void **state)
{
    fixture *f = *state;
    char want[400];
    term_open(f, NULL, (const char *const[]){"--timeout", "300", NULL});
    harness_server_kill(&f->server);

    /* A one-shot okr that never got through says so at once; the shell,
     * which did, keeps trying (okrd may be restarting). */
    struct harness_result r;
    harness_okr(&f->server, &r, "--timeout", "300", "status", NULL);
    harness_expect_exit(&r, 3);
    snprintf(want, sizeof want, "okr: cannot reach okrd at %s: connection refused",
             f->server.requests);
    assert_non_null(strstr(r.err, want));
    harness_result_free(&r);
    snprintf(want, sizeof want, "okr: no reply from %s within 300 ms (3 tries); is okrd running?",
             f->server.requests);

    term_type(&f->term, "status\n");
    TERM_WAIT(&f->term, want);
    TERM_WAIT(&f->term, "okr: lost okrd's heartbeat at ");

    assert_int_equal(harness_server_restart(&f->server), 0);
    TERM_WAIT(&f->term, "okr: okrd is back");
    term_clear(&f->term, f->prompt);
    term_type(&f->term, "status\n");
    TERM_WAIT(&f->term, "  last seq     15");
}

/* ------------------------------------------------------------ pure helpers */

static void assert_words(const complete_list *l, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        if (n >= l->n || strcmp(l->items[n].word, want[n]) != 0)
            fail_msg("candidate %zu is \"%s\", expected \"%s\"", n,
                     n < l->n ? l->items[n].word : "(none)", want[n]);
    }
    assert_int_equal(l->n, n);
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ARGV(...) ((char *const[]){__VA_ARGS__})

static void expect(const okr_cache *cache, int argc, char *const *argv, const char *text,
                   const char *const *want, bool by_title)
{
    complete_list l;
    complete_find(cache, argc, argv, text, &l);
    assert_words(&l, want);
    assert_int_equal(l.by_title, by_title);
    complete_list_free(&l);
}

static void test_completion_offers_what_fits_the_place(void **state)
{
    (void)state;
    cache_node nodes[] = {
        {.id = "O1", .title = "Pots customers love us", .where = "Pots, 2026-Q4"},
        {.id = "K1", .title = "Refund rate", .where = "O1", .kind = OKR__KR_KIND__METRIC},
        {.id = "K2", .title = "Launch in Spain", .where = "O1", .kind = OKR__KR_KIND__MILESTONE},
        {.id = "K3", .title = "Teams deliver", .where = "O1", .kind = OKR__KR_KIND__ROLLUP},
    };
    for (size_t i = 0; i < 4; i++)
        assert_true(okr_id_parse(nodes[i].id, &nodes[i].node));
    char *teams[] = {"Pots", "Pots and Pans"};
    cache_period periods[] = {{.name = "2026-Q3", .closed = true}, {.name = "2026-Q4"}};
    okr_cache cache = {nodes, 4, teams, 2, periods, 2, true};

    expect(&cache, 0, NULL, "ob", WORDS("obj"), false);
    expect(&cache, 1, ARGV("obj"), "",
           WORDS("add", "align", "archive", "delete", "edit", "list", "restore", "show",
                 "unalign"), false);
    expect(&cache, 1, ARGV("checkin"), "k", WORDS("K1", "K2"), false);
    expect(&cache, 1, ARGV("checkin"), "", WORDS("K1", "K2", "edit", "delete"), false);
    expect(&cache, 2, ARGV("checkin", "edit"), "", WORDS(NULL), false);   /* a number */
    expect(&cache, 3, ARGV("checkin", "edit", "12"), "--v", WORDS("--value"), false);
    expect(&cache, 1, ARGV("show"), "", WORDS("O1", "K1", "K2", "K3"), false);
    expect(&cache, 1, ARGV("history"), "spain", WORDS("K2"), true);
    expect(&cache, 2, ARGV("checkin", "K2"), "", WORDS("done", "not-done"), false);
    expect(&cache, 2, ARGV("checkin", "K1"), "", WORDS(NULL), false);
    expect(&cache, 4, ARGV("obj", "add", "Title", "--team"), "P", WORDS("Pots", "Pots and Pans"),
           false);
    expect(&cache, 2, ARGV("kr", "add"), "--u", WORDS("--unit"), false);
    expect(&cache, 2, ARGV("period", "close"), "", WORDS("2026-Q4"), false);
    expect(&cache, 2, ARGV("period", "reopen"), "", WORDS("2026-Q3"), false);
    expect(&cache, 3, ARGV("obj", "align", "O1"), "K", WORDS("K1", "K2", "K3"), false);
    expect(&cache, 1, ARGV("use"), "", WORDS("period", "team"), false);
    expect(&cache, 2, ARGV("use", "team"), "", WORDS("Pots", "Pots and Pans", "-"), false);
    expect(&cache, 1, ARGV("help"), "w", WORDS("watch"), false);
    expect(NULL, 1, ARGV("checkin"), "K", WORDS(NULL), false);   /* nothing cached yet */

    char *quoted = complete_quote("Pots and Pans");
    assert_string_equal(quoted, "\"Pots and Pans\"");
    free(quoted);
    quoted = complete_quote("Pots");
    assert_string_equal(quoted, "Pots");
    free(quoted);
}

static void test_bars_and_sparklines(void **state)
{
    (void)state;
    char buf[256];
    assert_string_equal(fmt_bar(433333, 10, buf, sizeof buf), "████▍░░░░░");
    assert_string_equal(fmt_bar(0, 10, buf, sizeof buf), "░░░░░░░░░░");
    assert_string_equal(fmt_bar(1200000, 4, buf, sizeof buf), "████");
    double v[] = {0, 0.5, 1, 2};
    bool present[] = {true, false, true, true};
    assert_string_equal(fmt_sparkline(v, NULL, 3, 0, 1, buf, sizeof buf), "▁▅█");
    assert_string_equal(fmt_sparkline(v, present, 4, 0, 1, buf, sizeof buf), "▁ ██");
    assert_string_equal(fmt_sparkline(v, NULL, 3, 1, 0, buf, sizeof buf), "█▅▁");
    assert_string_equal(fmt_sparkline(v, NULL, 2, 3, 3, buf, sizeof buf), "▄▄");
}

#define TERM_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_offers_what_fits_the_place),
        cmocka_unit_test(test_bars_and_sparklines),
        TERM_TEST(test_shell_prompt_names_the_server_and_the_current_period),
        TERM_TEST(test_help_lists_commands_and_shell_commands),
        TERM_TEST(test_tab_completes_commands_subcommands_and_options),
        TERM_TEST(test_tab_completes_ids_and_shows_their_titles),
        TERM_TEST(test_completion_and_screen_follow_changes_made_elsewhere),
        TERM_TEST(test_own_changes_show_their_scores_not_an_event),
        TERM_TEST(test_tree_draws_lines_bars_scores_health_and_confidence),
        TERM_TEST(test_history_draws_a_sparkline_and_a_table_with_notes),
        TERM_TEST(test_status_shows_server_data_counts_and_seq),
        TERM_TEST(test_history_persists_across_sessions),
        TERM_TEST(test_ctrl_c_cancels_the_line_and_ctrl_d_quits),
        TERM_TEST(test_obj_delete_asks_before_deleting),
        TERM_TEST(test_use_sets_defaults_and_quoting_works_like_a_shell),
        TERM_TEST(test_colour_on_a_terminal_and_never_with_no_color),
        TERM_TEST(test_piped_output_has_no_escape_codes),
        TERM_TEST(test_script_stops_at_the_first_failing_line_and_names_it),
        TERM_TEST(test_script_use_applies_to_the_lines_after_it),
        cmocka_unit_test_setup_teardown(
            test_connection_loss_is_reported_and_the_next_command_reconnects,
            setup_fixed_ports, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
