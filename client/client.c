/* client.c — one command from its words to its exit status: look it up,
 * parse it (cmd.c), send it (conn.c), and show the reply as tables
 * (render.c) or JSON (json_out.c), or the error it got. Owns the session's
 * settings and the wording of every error about the server. */
#include "client.h"
#include "export.h"
#include "coach.h"
#include "log.h"
#include "watch.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "completion.h"
#include "table.h"
#include "config.h"
#include "cycle.h"
#include "confirm.h"
#include "history.h"
#include "retro.h"
#include "json_out.h"
#include "period_note.h"
#include "prometheus.h"
#include "keyfile.h"
#include "render.h"
#include "wire.h"

const struct option client_global_options[] = {
    {"server", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},
    {"csv", no_argument, NULL, CLIENT_OPT_CSV},
    {"tsv", no_argument, NULL, CLIENT_OPT_TSV},
    {"timeout", required_argument, NULL, 't'},
    {"user", required_argument, NULL, 'u'},
    {"key", required_argument, NULL, 'k'},
    {"server-key", required_argument, NULL, CLIENT_OPT_SERVER_KEY},
    {"no-pager", no_argument, NULL, CLIENT_OPT_NO_PAGER},
    {"command", required_argument, NULL, 'c'},
    {"file", required_argument, NULL, 'f'},
    {"echo", no_argument, NULL, CLIENT_OPT_ECHO},
    {"keep-going", no_argument, NULL, CLIENT_OPT_KEEP_GOING},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void client_init(okr_client *c)
{
    memset(c, 0, sizeof *c);
    c->timeout_ms = CLIENT_DEFAULT_TIMEOUT_MS;
    c->out = stdout;
    c->err = stderr;
    c->color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;

    const struct passwd *pw = getpwuid(geteuid());
    const char *login = pw != NULL ? pw->pw_name : getenv("USER");
    if (login != NULL && strlen(login) < sizeof c->user)
        strcpy(c->user, login);
}

void client_free(okr_client *c)
{
    if (c->connected) {
        conn_close(&c->conn);
        conn_set_curve(&c->conn, NULL);          /* wipes the secret key */
    }
    c->connected = false;
}

void client_error(const okr_client *c, const char *fmt, ...)
{
    va_list ap;
    fputs("okr: ", c->err);
    if (c->line > 0)
        fprintf(c->err, "line %ld: ", c->line);
    va_start(ap, fmt);
    vfprintf(c->err, fmt, ap);
    va_end(ap);
    fputc('\n', c->err);
}

void client_print_help(FILE *out)
{
    fprintf(out,
            "usage: okr [OPTIONS] COMMAND [ARGS...]\n"
            "       okr [OPTIONS] -c LINE\n"
            "       okr [OPTIONS] -f FILE [--echo] [--keep-going]\n"
            "       okr [OPTIONS]       (a shell on a terminal, else a script on stdin)\n"
            "\n"
            "Options, before COMMAND or after it (the command's own option of the same\n"
            "name wins: log --user filters):\n"
            "  -s, --server ADDR   okrd's address, host:port or a ZeroMQ endpoint;\n"
            "                      default: $OKR_SERVER, then `server` in\n"
            "                      ~/.config/okr/config, then %s\n"
            "  -j, --json          print one JSON document instead of tables\n"
            "      --csv, --tsv    print tables as CSV (RFC 4180) or TSV\n"
            "  -t, --timeout MS    wait MS milliseconds for each reply (default: `timeout`\n"
            "                      in the config, then %d); every request is tried %d times\n"
            "  -u, --user NAME     act as NAME (local mode; default: $OKR_USER, `user` in\n"
            "                      the config, then your login name)\n"
            "  -k, --key FILE      your secret key, for a secure-mode server (default:\n"
            "                      $OKR_KEY, `key` in the config, then okr keygen's)\n"
            "      --server-key KEY  the server's public key (okrd --print-key); default:\n"
            "                      $OKR_SERVER_KEY, then `server_key` in the config.\n"
            "                      Without one, okr talks to a local-mode server\n"
            "  -c, --command LINE  run one shell-quoted line\n"
            "  -f, --file FILE     run a script (- for stdin); it stops at the first\n"
            "                      failing line unless --keep-going\n"
            "      --echo          print each script line before running it\n"
            "      --keep-going    run every line; exit with the first failure's status\n"
            "      --no-pager      never page (default: $PAGER, else less -FRX, when\n"
            "                      output to a terminal is longer than it; `pager` in the config)\n"
            "  -h, --help          show this help\n"
            "  -V, --version       show the version\n"
            "\n"
            "Commands:\n",
            OKR_DEFAULT_ENDPOINT, CLIENT_DEFAULT_TIMEOUT_MS, CLIENT_READ_TRIES);
    cmd_print_commands(out);
    fprintf(out, "\n"
                 "'okr help COMMAND' shows a command's arguments and options;\n"
                 "'okr completion bash|zsh' prints a tab-completion script.\n"
                 "Settings: a flag, then the environment, then the config file, then the default.\n"
                 "Exit status: 0 done, 1 refused by the server, 2 usage error,\n"
                 "3 server unreachable or no reply in time.\n");
}

/* ------------------------------------------------------------ did you mean */

#define SUGGEST_MAX_DISTANCE 2

/* Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours) between a and b; anything over 32 bytes counts as far. */
static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    int d[33][33];
    if (n > 32 || m > 32)
        return 99;
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            if (i == 0 || j == 0) {
                d[i][j] = (int)(i + j);
                continue;
            }
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

/* Keep `candidate` in *best when it is nearer to `typed` than the best so far. */
static void consider(const char *typed, const char *candidate, const char **best, int *distance)
{
    int d = edit_distance(typed, candidate);
    if (d <= SUGGEST_MAX_DISTANCE && d < *distance) {
        *best = candidate;
        *distance = d;
    }
}

const char *client_suggest_command(int argc, char *const *argv, char *buf, size_t len)
{
    const char *best = NULL;
    int distance = SUGGEST_MAX_DISTANCE + 1;
    if (argc < 1)
        return NULL;
    if (commands_is_group(argv[0])) {
        for (int i = 0; argc >= 2 && i < OKR_CMD__COUNT; i++)
            if (okr_commands[i].group && strcmp(okr_commands[i].group, argv[0]) == 0)
                consider(argv[1], okr_commands[i].name, &best, &distance);
        if (best == NULL)
            return NULL;
        snprintf(buf, len, "%s %s", argv[0], best);
        return buf;
    }
    consider(argv[0], "help", &best, &distance);
    consider(argv[0], "completion", &best, &distance);
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        consider(argv[0], okr_commands[i].group ? okr_commands[i].group : okr_commands[i].name,
                 &best, &distance);
    if (best == NULL)
        return NULL;
    snprintf(buf, len, "%s", best);
    return buf;
}

/* The command could not be found: say so, with a guess when one is near. */
static void say_unknown_command(const okr_client *c, int argc, char **argv, const char *why)
{
    char guess[80];
    if (client_suggest_command(argc, argv, guess, sizeof guess) == NULL) {
        client_error(c, "%s", why);
        return;
    }
    if (commands_is_group(argv[0]))
        client_error(c, "unknown command \"%.40s %.40s\"; did you mean \"%s\"?", argv[0],
                     argv[1], guess);
    else
        client_error(c, "unknown command \"%.40s\"; did you mean \"%s\"?", argv[0], guess);
}

/* An unknown --option of cmd near one of its own (or --help): that one, or NULL. */
static const char *suggest_option(const okr_command *cmd, const char *why, char *typed,
                                  size_t len)
{
    const char *prefix = "unknown option '--";
    const char *best = NULL;
    int distance = SUGGEST_MAX_DISTANCE + 1;
    if (strncmp(why, prefix, strlen(prefix)) != 0)
        return NULL;
    snprintf(typed, len, "%.60s", why + strlen(prefix));
    typed[strcspn(typed, "'=")] = '\0';
    consider(typed, "help", &best, &distance);
    for (const char *const *o = cmd->options; *o; o++)
        consider(typed, *o, &best, &distance);
    return best;
}

static void say_usage_error(const okr_client *c, const okr_command *cmd, const char *why)
{
    char name[64], typed[64];
    const char *guess = suggest_option(cmd, why, typed, sizeof typed);
    if (guess != NULL)
        client_error(c, "%s: unknown option \"--%s\"; did you mean \"--%s\"?",
                     cmd_name(cmd, name, sizeof name), typed, guess);
    else
        client_error(c, "%s: %s", cmd_name(cmd, name, sizeof name), why);
    cmd_print_usage(c->err, cmd, false);
}

/* ------------------------------------------------------------ replies */

static int show_refusal(const okr_client *c, const Okr__Error *error)
{
    const char *name = wire_error_name(error->code);
    const char *message = error->message ? error->message : "";
    client_error(c, "%s: %s", name, message);
    if (c->json) {
        struct json_object *doc = json_error(name, message);
        json_print(c->out, doc);
        json_object_put(doc);
    }
    return OKR_EXIT_REFUSED;
}

/* A list cut short by the server's limit: say so, on stderr. */
static void warn_truncated(const okr_client *c, const Okr__Response *reply)
{
    if (reply->body_case == OKR__RESPONSE__BODY_OBJECTIVES && reply->objectives->truncated)
        client_error(c, "warning: only the first %zu objectives are listed; "
                        "narrow the list with --period or --team",
                     reply->objectives->n_objectives);
    if (reply->body_case == OKR__RESPONSE__BODY_DUE && reply->due->truncated)
        client_error(c, "warning: truncated: only the %zu most overdue KRs are listed",
                     reply->due->n_items);
    if (reply->body_case == OKR__RESPONSE__BODY_GRAPH && reply->graph->truncated)
        client_error(c, "warning: the graph is cut at the server's limit; "
                        "ask for a subtree (tree ID) or use --period or --team");
}

/* The width of the terminal c->out writes to; 0 when it is not one. */
static int output_width(const okr_client *c)
{
    struct winsize ws;
    if (c->width > 0)
        return c->width;
    if (!isatty(fileno(c->out)) || ioctl(fileno(c->out), TIOCGWINSZ, &ws) != 0)
        return 0;
    return ws.ws_col;
}

static void show_human(const okr_client *c, const cmd_request *r, const Okr__Response *reply,
                       const char *origin_period)
{
    render_ctx ctx = {.out = c->out, .color = c->color, .width = output_width(c),
                      .server = c->conn.endpoint, .origin_period = origin_period};
    switch (r->output) {
    case CMD_OUTPUT_ID:
        render_added(&ctx, r->label, reply->changed);
        break;
    case CMD_OUTPUT_SCORES:
        render_changed(&ctx, reply->changed);
        break;
    case CMD_OUTPUT_CHECKIN:
        render_checkin_change(&ctx, &r->request, reply->changed);
        break;
    case CMD_OUTPUT_DATA:
        render_data(&ctx, reply,
                    r->request.body_case == OKR__REQUEST__BODY_TREE ? r->body.tree.root : NULL);
        break;
    case CMD_OUTPUT_STREAM:          /* watch prints as events come (watch.c) */
    case CMD_OUTPUT_PAGES:           /* log prints page by page (log.c) */
    case CMD_OUTPUT_LOCAL:           /* sends nothing */
    case CMD_OUTPUT_FILE:            /* export, import (export.c) */
    case CMD_OUTPUT_COACH:           /* lint, report compose reads (coach.c) */
        break;
    }
}

/* A refusal, or a body other than the request's, said on c->err. */
static int check_reply(const okr_client *c, Okr__Request__BodyCase body,
                       const Okr__Response *reply)
{
    if (reply->error != NULL && reply->error->code != OKR__ERROR_CODE__OK)
        return show_refusal(c, reply->error);
    if (reply->body_case != cmd_reply_body(body)) {
        client_error(c, "unexpected reply from %s (body %d where %d was due)",
                     c->conn.endpoint, (int)reply->body_case, (int)cmd_reply_body(body));
        return OKR_EXIT_UNREACHABLE;
    }
    return OKR_EXIT_OK;
}

static int show_reply(const okr_client *c, const cmd_request *r, const Okr__Response *reply,
                      const char *origin_period)
{
    warn_truncated(c, reply);
    if (r->prometheus && reply->body_case == OKR__RESPONSE__BODY_STATUS) {
        prometheus_write(c->out, reply->status);   /* its own format, --json or not */
        return OKR_EXIT_OK;
    }
    if (c->json) {
        struct json_object *doc = json_reply(reply);
        json_print(c->out, doc);
        json_object_put(doc);
    } else {
        show_human(c, r, reply, origin_period);
    }
    return OKR_EXIT_OK;
}

/* ------------------------------------------------------------ sending */

int client_connect(okr_client *c)
{
    char endpoint[CONN_MAX_ENDPOINT], why[256];
    if (c->connected)
        return OKR_EXIT_OK;
    if (!config_resolve_server(c->server, endpoint, sizeof endpoint, why, sizeof why)) {
        client_error(c, "%s", why);
        return OKR_EXIT_USAGE;
    }
    conn_curve keys;
    bool secure;
    if (!config_resolve_keys(c->key_file, c->server_key, &keys, &secure, why, sizeof why)) {
        client_error(c, "%s", why);
        return OKR_EXIT_USAGE;
    }
    conn_init(&c->conn, endpoint, c->timeout_ms);
    conn_set_curve(&c->conn, secure ? &keys : NULL);
    keyfile_wipe((char *)&keys, sizeof keys);
    c->conn.cancel = c->cancel;
    c->connected = true;
    return OKR_EXIT_OK;
}

/* Count what the server said, for the shell (see okr_client). */
static void note_reply(okr_client *c, const Okr__Response *reply)
{
    c->replies++;
    if ((reply->error == NULL || reply->error->code == OKR__ERROR_CODE__OK) &&
        reply->body_case == OKR__RESPONSE__BODY_CHANGED) {
        c->changes++;
        c->last_change_seq = reply->changed->seq;
    }
}

/* The session's `use` defaults, where the command line left them out. The
 * strings stay in *c, which outlives the request. */
static void apply_defaults(okr_client *c, cmd_request *r)
{
    char *period = c->default_period[0] ? c->default_period : NULL;
    char *team = c->default_team[0] ? c->default_team : NULL;
    char **want_period = NULL, **want_team = NULL;

    switch (r->command->id) {
    case OKR_CMD_OBJ_ADD:
        want_period = &r->objective.period;
        want_team = &r->objective.team;
        break;
    case OKR_CMD_OBJ_LIST:
        want_period = &r->body.objective_list.period;
        want_team = &r->body.objective_list.team;
        break;
    case OKR_CMD_LINT:
        want_period = &r->body.tree.period;
        want_team = &r->body.tree.team;
        break;
    case OKR_CMD_TREE:
        if (r->body.tree.root != NULL)
            return;   /* an explicit root says what to draw: all of it */
        want_period = &r->body.tree.period;
        want_team = &r->body.tree.team;
        break;
    default:
        return;
    }
    if (*want_period == NULL)
        *want_period = period;
    if (*want_team == NULL)
        *want_team = team;
}

int client_call(okr_client *c, Okr__Request *req, Okr__Response **out)
{
    Okr__Response *reply = NULL;
    bool read = cmd_is_read(req->body_case);
    int status = client_connect(c);
    *out = NULL;
    if (status != OKR_EXIT_OK)
        return status;

    req->user = c->user[0] ? c->user : NULL;
    /* Changes are resent too: every try carries the same request id, and okrd
     * answers a repeat with the first reply without doing it again. */
    switch (conn_call(&c->conn, req, CLIENT_READ_TRIES, &reply)) {
    case CONN_OK:
        note_reply(c, reply);
        status = check_reply(c, req->body_case, reply);
        if (status == OKR_EXIT_OK)
            *out = reply;
        else
            okr__response__free_unpacked(reply, NULL);
        return status;
    case CONN_CANCELLED:
        client_error(c, read ? "interrupted" : "interrupted before okrd answered; look "
                                               "before running the change again");
        return OKR_EXIT_UNREACHABLE;
    case CONN_TIMEOUT:
        client_error(c, "no reply from %s within %d ms (%d tries); is okrd running?%s",
                     c->conn.endpoint, c->timeout_ms, CLIENT_READ_TRIES,
                     read ? "" : " If it got the change it made it once: look before "
                                 "running it again");
        return OKR_EXIT_UNREACHABLE;
    case CONN_FAILED:
    default:
        client_error(c, "%s", c->conn.error);
        return OKR_EXIT_UNREACHABLE;
    }
}

static int send_and_show(okr_client *c, cmd_request *r)
{
    Okr__Response *reply;
    char origin_period[OKR_MAX_NAME + 1];
    int status = client_call(c, &r->request, &reply);
    if (status != OKR_EXIT_OK)
        return status;
    cycle_origin_period(c, reply, origin_period, sizeof origin_period);  /* "carried from" */
    status = show_reply(c, r, reply, origin_period);
    period_note_default(c, r, reply);   /* overlapping periods: which one obj add used */
    okr__response__free_unpacked(reply, NULL);
    return status;
}

/* ------------------------------------------------------------ commands */

/* Secure mode is the client's choice as much as the server's: without a
 * server key, okr can only talk to a local-mode server, where everyone is
 * admin. (Status.secure says the same from the server's side.) */
static cmd_mode help_mode(const okr_client *c)
{
    conn_curve keys;
    bool secure;
    char why[256];
    if (c->connected)
        return c->conn.secure ? CMD_MODE_SECURE : CMD_MODE_LOCAL;
    if (!config_resolve_keys(c->key_file, c->server_key, &keys, &secure, why, sizeof why))
        return CMD_MODE_UNKNOWN;
    keyfile_wipe((char *)&keys, sizeof keys);
    return secure ? CMD_MODE_SECURE : CMD_MODE_LOCAL;
}

/* keygen [--force]: the user's key pair under $XDG_CONFIG_HOME/okr (0700),
 * the secret key 0600; prints the public key. */
static int run_keygen(const okr_client *c, const cmd_request *r)
{
    char dir[4096], secret[4200], public_[4200], key[KEY_Z85_BUF], why[512];
    struct stat st;
    if (!config_key_dir(dir, sizeof dir)) {
        client_error(c, "keygen: set HOME or XDG_CONFIG_HOME: there is nowhere to keep the key");
        return OKR_EXIT_USAGE;
    }
    snprintf(secret, sizeof secret, "%s/key", dir);
    snprintf(public_, sizeof public_, "%s/key.pub", dir);
    int rc = keyfile_make_dirs(dir);
    if (rc != 0 || stat(dir, &st) != 0) {
        client_error(c, "keygen: cannot create %s: %s", dir, strerror(rc ? rc : errno));
        return OKR_EXIT_REFUSED;
    }
    if ((st.st_mode & 077) && chmod(dir, 0700) == 0)
        client_error(c, "keygen: %s was open to others; it is now mode 0700", dir);
    if (keyfile_generate(secret, public_, r->force, key, why, sizeof why) != 0) {
        client_error(c, "keygen: %s%s", why, r->force ? "" : " (--force replaces it)");
        return OKR_EXIT_REFUSED;
    }
    if (c->json) {
        struct json_object *doc = json_object_new_object();
        json_object_object_add(doc, "public_key", json_object_new_string(key));
        json_object_object_add(doc, "key_file", json_object_new_string(secret));
        json_print(c->out, doc);
        json_object_put(doc);
    } else {
        fprintf(c->out, "%s\n", key);
    }
    client_error(c, "your secret key is in %s (keep it to yourself); give the public key "
                    "above to an admin: okr user add NAME --role ROLE --key %s", secret, key);
    return OKR_EXIT_OK;
}

static int run_help(const okr_client *c, int argc, char **argv)
{
    args_error e;
    if (argc == 0) {
        client_print_help(c->out);
        return OKR_EXIT_OK;
    }
    if (!cmd_print_topic_in(c->out, argc, argv, help_mode(c), &e)) {
        client_error(c, "help: %s", e.msg);
        return OKR_EXIT_USAGE;
    }
    return OKR_EXIT_OK;
}

/* completion bash|zsh: the script on c->out (completion.c). */
static int run_completion(const okr_client *c, int argc, char **argv)
{
    if (argc != 1 || !completion_print(c->out, argv[0])) {
        client_error(c, "completion: give the shell, bash or zsh (okr completion bash)");
        return OKR_EXIT_USAGE;
    }
    return OKR_EXIT_OK;
}

int client_run(okr_client *c, int argc, char **argv)
{
    args_error e;
    int words;
    cmd_request request;

    if (argc > 0 && strcmp(argv[0], "help") == 0)
        return run_help(c, argc - 1, argv + 1);
    if (argc > 0 && strcmp(argv[0], "completion") == 0)
        return run_completion(c, argc - 1, argv + 1);
    const okr_command *cmd = cmd_lookup(argc, argv, &words, &e);
    if (cmd == NULL) {
        say_unknown_command(c, argc, argv, e.msg);
        return OKR_EXIT_USAGE;
    }
    /* The parser sees the command's last name word as its argv[0]. */
    switch (cmd_parse(cmd, argc - words + 1, argv + words - 1, &request, &e)) {
    case CMD_PARSE_HELP:
        cmd_print_usage_in(c->out, cmd, true, help_mode(c));
        return OKR_EXIT_OK;
    case CMD_PARSE_USAGE:
        say_usage_error(c, cmd, e.msg);
        return OKR_EXIT_USAGE;
    case CMD_PARSE_OK:
    default:
        apply_defaults(c, &request);
        table_set_format((table_format)c->table_format);
        if (request.output == CMD_OUTPUT_LOCAL)
            return run_keygen(c, &request);
        if (request.output == CMD_OUTPUT_STREAM) {
            int status = client_connect(c);
            return status == OKR_EXIT_OK ? watch_run(c, &request) : status;
        }
        if (request.output == CMD_OUTPUT_PAGES)
            return log_run(c, &request);
        if (request.output == CMD_OUTPUT_FILE)
            return request.command->id == OKR_CMD_EXPORT ? export_run(c, &request)
                                                         : import_run(c, &request);
        if (cmd->id == OKR_CMD_PERIOD_NEXT)
            return cycle_period_next(c, &request);
        if (cmd->id == OKR_CMD_OBJ_DELETE) {
            int status = confirm_delete(c, &request);
            if (status != OKR_EXIT_OK)
                return status;
        }
        if (request.command->id == OKR_CMD_HISTORY)
            return history_run(c, &request);            /* the reply, then the log */
        if (request.command->id == OKR_CMD_RETRO)
            return retro_run(c, &request);              /* several reads, composed */
        if (request.output == CMD_OUTPUT_COACH)
            return coach_run(c, &request);
        return send_and_show(c, &request);
    }
}
