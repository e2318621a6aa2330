/* repl.c — the interactive shell (shell_run_interactive in shell.h).
 *
 * Readline's callback interface is driven by one zmq_poll over the terminal
 * and the event stream (STYLE.md), so changes made by others show above the
 * prompt while you type, and keep the completion cache fresh. This file owns
 * the loop, the prompt, the history file, Ctrl-C, the live events and the
 * readline side of completion; complete.c finds the candidates, cache.c
 * holds the names, monitor.c orders the events, shell_builtin.c runs lines.
 *
 * Readline calls back without a context pointer, and signal handlers take
 * none either: the one static struct `glue` holds what they need, nothing
 * more. Everything else lives in the `repl` on shell_run_interactive's
 * stack. */
#include "shell.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "cache.h"
#include "complete.h"
#include "json_out.h"
#include "monitor.h"
#include "shell_builtin.h"
#include "table.h"
#include "version.h"
#include "watch.h"

#define REPL_POLL_MS 500                   /* how often silence is checked */
#define REPL_SILENCE_US 3500000            /* heartbeats come every second */
#define REPL_BACKGROUND_TIMEOUT_MS 2000    /* status and cache reads: one try each */
#define REPL_HISTORY_MAX 1000              /* lines kept in the history file */
#define REPL_OWN_SEQS 32                   /* own changes remembered, not echoed */
#define REPL_LIST_MAX 100                  /* lines of one completion list */
#define REPL_RELOAD_GAP_US 1000000         /* a whole re-read of the cache at most once
                                            * a second (single nodes: at once) */
#define REPL_CATCH_UP_MS 300               /* wait for our own change's event this long */

typedef struct {
    okr_client *c;
    shell_session session;
    bool live;                     /* show others' changes above the prompt */
    okr_cache cache;               /* kept in step with the events (cache.h) */
    cache_changes changes;         /* what events said changed, not yet read */
    int64_t reloaded_us;           /* when it was last read whole (monotonic) */
    okr_conn background;           /* status and cache reads, short and single tries */
    monitor *events;               /* NULL until the server told us where it publishes */
    char events_endpoint[CONN_MAX_ENDPOINT];
    bool silent;                   /* heartbeats stopped, and we said so */
    uint64_t own[REPL_OWN_SEQS];   /* seqs of this session's changes (a ring) */
    size_t n_own;
    char history_path[PATH_MAX];   /* "" when there is no place for it */
    char prompt[CONN_MAX_ENDPOINT + 2 * OKR_MAX_NAME + 16];
    bool reading;                  /* the line handler is installed: a prompt is shown */
    char *line;                    /* a line read, waiting to run */
    bool eof;                      /* Ctrl-D */
    complete_list matches;         /* the last completion's candidates, for their notes */
} repl;

static struct {
    repl *r;                                /* for readline's callbacks */
    volatile sig_atomic_t interrupted;      /* SIGINT: cancel the line or the wait */
    volatile sig_atomic_t resized;          /* SIGWINCH, SIGCONT */
    volatile sig_atomic_t terminated;       /* SIGTERM, SIGHUP */
} glue;

static void on_signal(int sig)
{
    if (sig == SIGINT)
        glue.interrupted = 1;
    else if (sig == SIGWINCH || sig == SIGCONT)
        glue.resized = 1;   /* also after Ctrl-Z and fg: measure and redraw */
    else
        glue.terminated = 1;
}

/* ------------------------------------------------------------ output above the prompt */

/* Print something while a prompt may be on screen: clear the prompt's line,
 * print, and draw the prompt and what was typed again below. */
static void above_prompt_begin(const repl *r)
{
    if (r->reading) {
        rl_clear_visible_line();
        fflush(rl_outstream);   /* before anything reaches stderr */
    }
}

static void above_prompt_end(const repl *r)
{
    fflush(r->c->out);
    fflush(r->c->err);
    if (r->reading)
        rl_forced_update_display();
}

static void say(const repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "okr: message" on stderr, above the prompt. */
static void say(const repl *r, const char *fmt, ...)
{
    va_list ap;
    above_prompt_begin(r);
    fputs("okr: ", r->c->err);
    va_start(ap, fmt);
    vfprintf(r->c->err, fmt, ap);
    va_end(ap);
    fputc('\n', r->c->err);
    above_prompt_end(r);
}

/* ------------------------------------------------------------ the prompt */

/* "okr 127.0.0.1:7411 2026-Q4 [Pots]> ": the server, the period commands
 * will use (the session's, else the open one containing today), the team. */
static void update_prompt(repl *r)
{
    const okr_client *c = r->c;
    const char *server = c->conn.endpoint;
    if (strncmp(server, "tcp://", 6) == 0)
        server += 6;
    const char *period = c->default_period[0] ? c->default_period
                         : cache_current_period(&r->cache, time(NULL) / 86400);
    char team[OKR_MAX_NAME + 4] = "";
    if (c->default_team[0])
        snprintf(team, sizeof team, " [%s]", c->default_team);
    char prompt[sizeof r->prompt];
    snprintf(prompt, sizeof prompt, "okr %s%s%s%s> ", server, period ? " " : "",
             period ? period : "", team);
    if (strcmp(prompt, r->prompt) == 0)
        return;
    strcpy(r->prompt, prompt);
    if (r->reading) {
        above_prompt_begin(r);
        rl_set_prompt(r->prompt);
        above_prompt_end(r);
    }
}

/* ------------------------------------------------------------ the cache */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Read what the events noted (cache.h): single nodes, or everything when
 * the cache was invalidated. A failure stays noted: the next turn tries
 * again, a whole read at most once a second. The prompt, which may name a
 * new period, follows at the end of the loop's turn (not here: this may run
 * inside readline's completion). */
static void refresh_cache(repl *r)
{
    if (cache_needs_reload(&r->cache, &r->changes))
        r->reloaded_us = now_us();
    cache_sync(&r->cache, &r->changes, &r->background, r->c->user[0] ? r->c->user : NULL);
}

/* Something to refresh now: single nodes at once, a whole read not more
 * often than once a second. */
static bool cache_due(const repl *r)
{
    if (!cache_pending(&r->cache, &r->changes))
        return false;
    return !cache_needs_reload(&r->cache, &r->changes) ||
           now_us() - r->reloaded_us >= REPL_RELOAD_GAP_US;
}

/* ------------------------------------------------------------ live events */

static void remember_own(repl *r, uint64_t seq)
{
    r->own[r->n_own++ % REPL_OWN_SEQS] = seq;
}

static bool is_own(const repl *r, uint64_t seq)
{
    size_t n = r->n_own < REPL_OWN_SEQS ? r->n_own : REPL_OWN_SEQS;
    for (size_t i = 0; i < n; i++)
        if (r->own[i] == seq)
            return true;
    return false;
}

/* Each event: note what it may change in the cache; show it unless it is
 * ours (its reply said so already) or `watch` showed it. */
static void on_event(void *ctx, const Okr__Event *ev)
{
    repl *r = ctx;
    cache_note_event(&r->changes, ev);
    if (!r->live || is_own(r, ev->seq) || ev->seq <= r->c->watch_seen_seq)
        return;
    above_prompt_begin(r);
    if (r->c->json) {
        struct json_object *doc = watch_event_json(ev);
        json_print(r->c->out, doc);
        json_object_put(doc);
    } else {
        watch_print_event(r->c->out, ev, r->c->color);
    }
    above_prompt_end(r);
}

static void on_notice(void *ctx, const char *message)
{
    say(ctx, "events: %s", message);
}

/* A new epoch or a lost log: the events no longer say what changed. */
static void on_reset(void *ctx)
{
    repl *r = ctx;
    r->changes.reload = true;
}

/* The server's Status, read on the background connection; NULL when it
 * did not answer. Free with okr__response__free_unpacked. */
static Okr__Response *ask_status(repl *r)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet get = OKR__STATUS_GET__INIT;
    Okr__Response *reply = NULL;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &get;
    req.user = r->c->user[0] ? r->c->user : NULL;
    if (conn_call(&r->background, &req, 1, &reply) != CONN_OK)
        return NULL;
    if (reply->body_case != OKR__RESPONSE__BODY_STATUS) {
        okr__response__free_unpacked(reply, NULL);
        return NULL;
    }
    return reply;
}

/* Follow the events published at `published` (as Status says it), from
 * where the old stream stopped, or else from `last_seq`. Kept as is when
 * the endpoint did not change: ZeroMQ reconnects by itself. */
static void follow_from(repl *r, const char *published, uint64_t last_seq)
{
    char endpoint[CONN_MAX_ENDPOINT];
    watch_events_endpoint(published, r->c->conn.endpoint, endpoint, sizeof endpoint);
    if (r->events != NULL && strcmp(endpoint, r->events_endpoint) == 0)
        return;
    uint64_t from = r->events ? monitor_seq(r->events) : last_seq;
    monitor_free(r->events);
    strcpy(r->events_endpoint, endpoint);
    monitor_options opt = {
        .request_endpoint = r->c->conn.endpoint,
        .event_endpoint = r->events_endpoint,   /* the monitor keeps the pointers */
        .from_seq = from,
        .request_timeout_ms = REPL_BACKGROUND_TIMEOUT_MS,
        .user = r->c->user[0] ? r->c->user : NULL,
        .curve = conn_curve_of(&r->c->conn),
    };
    monitor_callbacks cb = {.on_event = on_event, .on_notice = on_notice, .on_reset = on_reset};
    r->events = monitor_new(&opt, &cb, r);
}

/* Ask the server how it is and where it publishes, and follow its events.
 * With `greet`, say hello or why not. Returns false when it did not answer. */
static bool connect_events(repl *r, bool greet)
{
    FILE *out = r->c->json ? r->c->err : r->c->out;   /* keep JSON output clean */
    Okr__Response *reply = ask_status(r);
    if (reply == NULL) {
        if (greet)
            fprintf(r->c->err, "okr: cannot reach okrd at %s yet; each command will try "
                               "again (Ctrl-D quits)\n", r->c->conn.endpoint);
        return false;
    }
    const Okr__Status *s = reply->status;
    if (greet)
        fprintf(out, "okr %s, connected to okrd %s at %s (last seq %llu).\n"
                     "Type \"help\" for help; Tab completes commands, ids, teams and periods; "
                     "Ctrl-D quits.\n",
                OKR_VERSION, s->version ? s->version : "?", r->c->conn.endpoint,
                (unsigned long long)s->last_seq);
    if (s->event_endpoint != NULL)
        follow_from(r, s->event_endpoint, s->last_seq);
    okr__response__free_unpacked(reply, NULL);
    r->changes.reload = true;   /* (again) connected: read it whole */
    return true;
}

/* Deliver what the event stream has, and say when the heartbeats stop or
 * come back. */
static void follow_events(repl *r)
{
    if (r->events == NULL)
        return;
    if (monitor_poll(r->events, 0) != 0)
        say(r, "events: %s", monitor_error(r->events));
    bool quiet = monitor_silence_us(r->events) > REPL_SILENCE_US;
    if (quiet && !r->silent)
        say(r, "lost okrd's heartbeat at %s: it may be down; commands will keep trying",
            r->events_endpoint);
    else if (!quiet && r->silent)
        say(r, "okrd is back");
    if (!quiet && r->silent)
        r->changes.reload = true;   /* back after a silence: maybe another history */
    r->silent = quiet;
}

/* After a change of ours: let the event stream bring its event (published
 * before the reply, so it is on its way), so the cache notes what it
 * changed before the next prompt. Without a stream, or if it does not come
 * in time, read the cache whole instead. */
static void catch_up(repl *r, uint64_t seq)
{
    int64_t deadline = now_us() + REPL_CATCH_UP_MS * 1000;
    while (r->events != NULL && !r->silent && monitor_seq(r->events) < seq &&
           now_us() < deadline)
        if (monitor_poll(r->events, 10) != 0)
            break;
    if (r->events == NULL || monitor_seq(r->events) < seq)
        r->changes.reload = true;
}

/* ------------------------------------------------------------ history */

/* mkdir -p, with mode for what it makes. */
static void make_dirs(const char *path, mode_t mode)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(dir, mode);
        *p = '/';
    }
    mkdir(dir, mode);
}

/* $XDG_STATE_HOME/okr/history, else ~/.local/state/okr/history: read what
 * is there, and make sure the file exists so lines can be appended. */
static void history_open(repl *r)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX - 16];
    using_history();
    stifle_history(REPL_HISTORY_MAX);
    if (state && state[0] == '/')
        snprintf(dir, sizeof dir, "%s/okr", state);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof dir, "%s/.local/state/okr", home);
    else
        return;   /* nowhere to keep it: history lasts the session */
    make_dirs(dir, 0700);
    snprintf(r->history_path, sizeof r->history_path, "%s/history", dir);
    int fd = open(r->history_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(r->c->err, "okr: cannot keep history in %s: %s\n", r->history_path,
                strerror(errno));
        r->history_path[0] = '\0';
        return;
    }
    close(fd);
    read_history(r->history_path);
}

/* Add a line to the history, in memory and at the end of the file (so
 * that a second shell, or a crash, loses nothing). A repeat of the line
 * before is not added again. */
static void history_remember(const repl *r, const char *line)
{
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1)
                                          : NULL;
    if (line[strspn(line, " \t")] == '\0' || (last && strcmp(last->line, line) == 0))
        return;
    add_history(line);
    if (r->history_path[0])
        append_history(1, r->history_path);
}

static void history_close(const repl *r)
{
    if (r->history_path[0])
        history_truncate_file(r->history_path, REPL_HISTORY_MAX);
}

/* ------------------------------------------------------------ completion */

/* The longest common beginning of the words, letters compared without case
 * (the first word's spelling is kept). malloc'd. */
static char *common_beginning(char *const *words, size_t n)
{
    size_t len = strlen(words[0]);
    for (size_t i = 1; i < n; i++) {
        size_t j = 0;
        while (j < len && words[i][j] && tolower((unsigned char)words[i][j]) ==
                                             tolower((unsigned char)words[0][j]))
            j++;
        len = j;
    }
    return strndup(words[0], len);
}

/* readline's rl_attempted_completion_function: the candidates of
 * complete.c, quoted for the splitter unless the word is in quotes already.
 * matches[0] is what replaces the text: the single match, the common
 * beginning, or the text itself when ids were found by their titles. */
static char **attempt_completion(const char *text, int start, int end)
{
    repl *r = glue.r;
    shell_words words;
    (void)end;
    rl_attempted_completion_over = 1;   /* never fall back to file names */
    if (cache_pending(&r->cache, &r->changes))
        refresh_cache(r);   /* an event a moment ago: complete what it made too */
    if (rl_completion_quote_character && start > 0 &&
        rl_line_buffer[start - 1] == rl_completion_quote_character)
        start--;
    char *before = strndup(rl_line_buffer, (size_t)start);
    if (before == NULL || shell_split(before, &words) != SHELL_SPLIT_OK) {
        free(before);
        return NULL;
    }
    complete_list_free(&r->matches);
    complete_find(r->cache.loaded ? &r->cache : NULL, words.argc, words.argv, text, &r->matches);
    shell_words_free(&words);
    free(before);

    size_t n = r->matches.n;
    if (n == 0)
        return NULL;
    char **matches = calloc(n + 2, sizeof *matches);
    for (size_t i = 0; matches && i < n; i++)
        matches[i + 1] = rl_completion_quote_character ? strdup(r->matches.items[i].word)
                                                       : complete_quote(r->matches.items[i].word);
    if (matches == NULL)
        return NULL;
    if (n == 1) {
        matches[0] = matches[1];
        matches[1] = NULL;
    } else {
        matches[0] = r->matches.by_title ? strdup(text) : common_beginning(matches + 1, n);
    }
    return matches;
}

/* readline's display hook: each candidate with its note ("K1  Refund rate
 * (O1)"), cut to the screen's width; plain columns when none has a note. */
static void show_matches(char **matches, int num, int max_length)
{
    const complete_list *l = &glue.r->matches;
    bool notes = false;
    for (size_t i = 0; i < l->n; i++)
        notes |= l->items[i].note != NULL;
    if (!notes || (size_t)num != l->n) {   /* no notes, or not our list after all */
        rl_display_match_list(matches, num, max_length);
        rl_forced_update_display();
        return;
    }
    int rows, cols;
    rl_get_screen_size(&rows, &cols);
    rl_crlf();
    for (int i = 1; i <= num && i <= REPL_LIST_MAX; i++) {
        const char *note = l->items[i - 1].note ? l->items[i - 1].note : "";
        int room = cols - max_length - 3;
        size_t fit = room > 0 ? table_text_fit(note, (size_t)room) : 0;
        fprintf(rl_outstream, "%s%*s  %.*s", matches[i],
                (int)(max_length - (int)table_text_width(matches[i])), "", (int)fit, note);
        rl_crlf();
    }
    if (num > REPL_LIST_MAX) {
        fprintf(rl_outstream, "… and %d more: type more of the id, or a word of its title",
                num - REPL_LIST_MAX);
        rl_crlf();
    }
    rl_forced_update_display();
}

/* ------------------------------------------------------------ lines */

static void on_line(char *line);

static void start_reading(repl *r)
{
    update_prompt(r);
    rl_callback_handler_install(r->prompt, on_line);
    r->reading = true;
}

/* The line handler: stop reading, and leave the line for the loop to run,
 * so that the command's output comes before the next prompt. */
static void on_line(char *line)
{
    repl *r = glue.r;
    rl_callback_handler_remove();
    r->reading = false;
    if (line == NULL) {
        r->eof = true;
        fputc('\n', rl_outstream);   /* Ctrl-D: leave the prompt's line */
        return;
    }
    r->line = line;
}

/* Ctrl-C while typing: keep what was typed on screen with ^C after it, and
 * start a fresh line, as bash and psql do. */
static void cancel_line(repl *r)
{
    glue.interrupted = 0;
    if (!r->reading)
        return;
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_point = rl_end;
    rl_redisplay();
    fputs("^C", rl_outstream);
    rl_callback_handler_remove();
    fputc('\n', rl_outstream);
    r->reading = false;
    start_reading(r);
}

/* Run the line the handler left: a built-in or a command. */
static void run_line(repl *r)
{
    okr_client *c = r->c;
    char *line = r->line;
    shell_words words;
    uint64_t changes = c->changes, replies = c->replies;

    r->line = NULL;
    history_remember(r, line);
    shell_split_result split = shell_split(line, &words);
    if (split != SHELL_SPLIT_OK) {
        client_error(c, "%s", shell_split_error(split));
    } else {
        glue.interrupted = 0;
        shell_run_words(&r->session, words.argc, words.argv);
        glue.interrupted = 0;
    }
    shell_words_free(&words);
    free(line);
    fflush(c->out);
    fflush(c->err);
    if (c->changes != changes) {
        remember_own(r, c->last_change_seq);
        catch_up(r, c->last_change_seq);
    }
    if (c->replies != replies && (r->events == NULL || r->silent))
        connect_events(r, false);   /* the server answers again: maybe on new ports */
}

/* ------------------------------------------------------------ setup */

static void setup_readline(void)
{
    rl_readline_name = "okr";
    rl_catch_signals = 0;      /* Ctrl-C, Ctrl-Z ... are ours (see on_signal) */
    rl_catch_sigwinch = 0;
    rl_attempted_completion_function = attempt_completion;
    rl_completion_display_matches_hook = show_matches;
    rl_completer_word_break_characters = " \t\n";
    rl_completer_quote_characters = "\"'";
    rl_sort_completion_matches = 0;   /* complete.c orders them: ids by number */
    /* A second Tab lists the candidates when the first could add nothing
     * (~/.inputrc, read later, may say otherwise). */
    rl_variable_bind("show-all-if-unmodified", "on");
}

/* The signals the shell handles itself (see on_signal). */
static const int repl_signals[] = {SIGINT, SIGWINCH, SIGCONT, SIGTERM, SIGHUP};
#define REPL_N_SIGNALS (sizeof repl_signals / sizeof repl_signals[0])

static void set_signals(struct sigaction *old)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < REPL_N_SIGNALS; i++)
        sigaction(repl_signals[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction *old)
{
    for (size_t i = 0; i < REPL_N_SIGNALS; i++)
        sigaction(repl_signals[i], &old[i], NULL);
}

/* Wait for the terminal or the event stream, then handle what is ready. */
static void loop_once(repl *r)
{
    zmq_pollitem_t items[3] = {{NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    int n = 1;
    if (r->events) {
        monitor_sockets(r->events, &items[1].socket, &items[2].socket);
        items[1].events = items[2].events = ZMQ_POLLIN;
        n = 3;
    }
    int ready = zmq_poll(items, n, REPL_POLL_MS);
    if (ready < 0 && zmq_errno() != EINTR) {
        say(r, "cannot wait for input: %s", zmq_strerror(zmq_errno()));
        r->eof = true;
        return;
    }
    if (glue.interrupted)
        cancel_line(r);
    if (glue.resized) {
        glue.resized = 0;
        rl_resize_terminal();
    }
    if (ready > 0 && items[0].revents != 0 && r->reading)
        rl_callback_read_char();
    if (r->line != NULL) {
        run_line(r);
        if (cache_pending(&r->cache, &r->changes) && !r->session.quit)
            refresh_cache(r);   /* before the prompt, which may name a new period */
        if (!r->session.quit)
            start_reading(r);
    }
    follow_events(r);
    if (cache_due(r) && !r->session.quit)
        refresh_cache(r);   /* others' changes: the nodes they name */
    if (r->reading)
        update_prompt(r);
}

int shell_run_interactive(okr_client *c)
{
    repl r = {.c = c, .live = true};
    struct sigaction old[REPL_N_SIGNALS];
    int status = client_connect(c);
    if (status != OKR_EXIT_OK)
        return status;

    r.session = (shell_session){.c = c, .cache = &r.cache, .live = &r.live};
    glue.r = &r;
    glue.interrupted = glue.resized = glue.terminated = 0;
    c->cancel = &glue.interrupted;
    c->conn.cancel = &glue.interrupted;
    c->can_ask = true;                 /* obj delete asks (confirm.h) */
    conn_init(&r.background, c->conn.endpoint,
              c->timeout_ms < REPL_BACKGROUND_TIMEOUT_MS ? c->timeout_ms
                                                         : REPL_BACKGROUND_TIMEOUT_MS);
    r.background.cancel = &glue.interrupted;
    conn_set_curve(&r.background, conn_curve_of(&c->conn));
    set_signals(old);
    setup_readline();
    history_open(&r);
    if (connect_events(&r, true))
        refresh_cache(&r);
    /* The shell got through: a later refusal is okrd restarting, and its
     * commands keep trying (conn.c refuses at once only if never reached). */
    c->conn.reached = c->conn.reached || r.background.reached;
    start_reading(&r);

    while (!r.session.quit && !r.eof && !glue.terminated)
        loop_once(&r);

    if (r.reading)
        rl_callback_handler_remove();
    history_close(&r);
    restore_signals(old);
    monitor_free(r.events);
    conn_close(&r.background);
    conn_set_curve(&r.background, NULL);
    cache_free(&r.cache);
    complete_list_free(&r.matches);
    c->cancel = NULL;
    c->conn.cancel = NULL;
    c->can_ask = false;
    glue.r = NULL;
    return OKR_EXIT_OK;
}
