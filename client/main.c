/* main.c — okr's entry point: global options (before the command, or after
 * it when the command has no option of that name), the config file's
 * settings under them, then one command (-c LINE or words), a script (-f
 * FILE, or standard input when it is not a terminal), or the shell.
 * Everything else lives in libclient. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "version.h"
#include "args.h"
#include "client.h"
#include "cmd.h"
#include "config.h"
#include "pager.h"
#include "shell.h"
#include "table.h"
#include "wire.h"

/* What the options asked for besides the session's settings. */
enum action { RUN, SHOW_HELP, SHOW_VERSION };

typedef struct {
    enum action action;
    const char *line;            /* -c LINE */
    const char *script;          /* -f FILE */
    shell_script_opts script_opts;
    bool no_pager;
    bool user_set, timeout_set;
} invocation;

static bool apply_option(okr_client *c, invocation *inv, int opt, const char *value,
                         args_error *e)
{
    uint32_t timeout;
    switch (opt) {
    case 'h': inv->action = SHOW_HELP; return true;
    case 'V': inv->action = SHOW_VERSION; return true;
    case 's': c->server = value; return true;
    case 'j': c->json = true; return true;
    case CLIENT_OPT_CSV: c->table_format = TABLE_CSV; return true;
    case CLIENT_OPT_TSV: c->table_format = TABLE_TSV; return true;
    case 'k': c->key_file = value; return true;
    case CLIENT_OPT_SERVER_KEY: c->server_key = value; return true;
    case CLIENT_OPT_NO_PAGER: inv->no_pager = true; return true;
    case 'c': inv->line = value; return true;
    case 'f': inv->script = value; return true;
    case CLIENT_OPT_ECHO: inv->script_opts.echo = true; return true;
    case CLIENT_OPT_KEEP_GOING: inv->script_opts.keep_going = true; return true;
    case 't':
        if (!args_whole("--timeout", value, 1, CLIENT_MAX_TIMEOUT_MS, &timeout, e))
            return false;
        c->timeout_ms = (int)timeout;
        inv->timeout_set = true;
        return true;
    case 'u':
        if (!args_text("--user", value, OKR_MAX_NAME, false, e))
            return false;
        strcpy(c->user, value);
        inv->user_set = true;
        return true;
    default:
        return args_fail(e, "option %d has no place to go", opt);   /* cannot happen */
    }
}

/* Parse the options before COMMAND ('+': stop at the first non-option, so
 * the command's own options are left to it). */
static bool parse_global_options(okr_client *c, invocation *inv, int argc, char **argv,
                                 args_error *e)
{
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:s:jt:u:k:c:f:hV", client_global_options, NULL)) != -1) {
        switch (opt) {
        case '?':
            if (optopt != 0)
                return args_fail(e, "unknown option '-%c'", optopt);
            return args_fail(e, "unknown option '%.40s'", argv[optind - 1]);
        case ':':
            return args_fail(e, "%.40s needs a value", argv[optind - 1]);
        default:
            if (!apply_option(c, inv, opt, optarg, e))
                return false;
        }
    }
    return true;
}

/* The command's own long options (NULL for help, completion or an unknown
 * command) and how many words name it. */
static const char *const *command_options(int argc, char **argv, int *words)
{
    const okr_command *cmd;
    *words = 1;
    if (commands_is_group(argv[0])) {
        cmd = argc >= 2 ? commands_find(argv[0], argv[1]) : NULL;
        *words = cmd != NULL ? 2 : 1;
        if (cmd == NULL)
            cmd = commands_find(NULL, argv[0]);   /* checkin: a group and a command */
    } else {
        cmd = commands_find(NULL, argv[0]);
    }
    return cmd != NULL ? cmd->options : NULL;
}

/* The global option `--NAME[=VALUE]` names (exactly; never an abbreviation
 * here), unless the command has an option of that name: it wins. --help and
 * --version stay with the command. */
static const struct option *global_after_command(const char *word, const char *const *own)
{
    if (strncmp(word, "--", 2) != 0)
        return NULL;
    size_t len = strcspn(word + 2, "=");
    for (const char *const *o = own; o != NULL && *o; o++)
        if (strlen(*o) == len && strncmp(*o, word + 2, len) == 0)
            return NULL;
    for (const struct option *g = client_global_options; g->name; g++)
        if (strlen(g->name) == len && strncmp(g->name, word + 2, len) == 0)
            return g->val == 'h' || g->val == 'V' ? NULL : g;
    return NULL;
}

/* Take the global options out of a command's words (up to a "--") and
 * apply them; *argc shrinks to what is left for the command. */
static bool hoist_global_options(okr_client *c, invocation *inv, int *argc, char **argv,
                                 args_error *e)
{
    int words, kept;
    const char *const *own = command_options(*argc, argv, &words);
    int i = kept = words;
    while (i < *argc && strcmp(argv[i], "--") != 0) {
        const struct option *g = global_after_command(argv[i], own);
        if (g == NULL) {
            argv[kept++] = argv[i++];
            continue;
        }
        const char *eq = strchr(argv[i], '=');
        const char *value = NULL;
        if (g->has_arg == required_argument) {
            if (eq == NULL && i + 1 >= *argc)
                return args_fail(e, "--%s needs a value", g->name);
            value = eq != NULL ? eq + 1 : argv[++i];
        } else if (eq != NULL) {
            return args_fail(e, "--%s takes no value", g->name);
        }
        i++;
        if (!apply_option(c, inv, g->val, value, e))
            return false;
    }
    while (i < *argc)
        argv[kept++] = argv[i++];
    argv[kept] = NULL;
    *argc = kept;
    return true;
}

/* The config file's settings and $OKR_USER, $NO_COLOR, under the flags:
 * flag > environment > file > default. A broken file is ignored here: the
 * commands that reach the server read it again and stop with its error, so
 * help, completion and keygen always work. */
static bool apply_settings(okr_client *c, invocation *inv, args_error *e)
{
    config_settings s;
    char why[sizeof e->msg];
    (void)config_read_settings(&s, why, sizeof why);   /* broken: s sets nothing */
    const char *env_user = getenv("OKR_USER");
    if (!inv->user_set && env_user != NULL && env_user[0] != '\0') {
        if (!args_text("OKR_USER", env_user, OKR_MAX_NAME, false, e))
            return false;
        strcpy(c->user, env_user);
    } else if (!inv->user_set && s.user[0] != '\0') {
        strcpy(c->user, s.user);
    }
    if (s.pager == 0)
        inv->no_pager = true;
    if (!inv->timeout_set && s.timeout_ms > 0)
        c->timeout_ms = s.timeout_ms;
    if (getenv("NO_COLOR") == NULL && s.color == CONFIG_COLOR_ALWAYS)
        c->color = true;
    if (s.color == CONFIG_COLOR_NEVER)
        c->color = false;
    if (c->table_format != TABLE_TEXT)
        c->color = false;
    return true;
}

/* A command that prints as things happen (watch) is never paged. */
static bool streams(int argc, char **argv)
{
    return argc > 0 && strcmp(argv[0], "watch") == 0;
}

static int run_words(okr_client *c, bool page, int argc, char **argv)
{
    pager p;
    pager_begin(&p, c, page && !streams(argc, argv));
    int status = client_run(c, argc, argv);
    pager_end(&p, c);
    return status;
}

/* okr -c LINE, paged like a one-shot command. */
static int run_line(okr_client *c, bool page, const char *line)
{
    shell_words words;
    bool stream = shell_split(line, &words) == SHELL_SPLIT_OK && streams(words.argc, words.argv);
    shell_words_free(&words);
    pager p;
    pager_begin(&p, c, page && !stream);
    int status = shell_run_line(c, line);
    pager_end(&p, c);
    return status;
}

static int run_file(okr_client *c, const invocation *inv)
{
    FILE *in = strcmp(inv->script, "-") == 0 ? stdin : fopen(inv->script, "r");
    if (in == NULL) {
        client_error(c, "cannot open %s: %s", inv->script, strerror(errno));
        return OKR_EXIT_USAGE;
    }
    int status = shell_run_script_with(c, in, &inv->script_opts);
    if (in != stdin)
        fclose(in);
    return status;
}

static int run(okr_client *c, const invocation *inv, int argc, char **argv)
{
    bool page = !inv->no_pager;
    if ((inv->line != NULL) + (inv->script != NULL) + (argc > 0) > 1) {
        client_error(c, "give one of -c LINE, -f FILE or a command (try 'okr --help')");
        return OKR_EXIT_USAGE;
    }
    if (inv->line != NULL)
        return run_line(c, page, inv->line);
    if (inv->script != NULL)
        return run_file(c, inv);
    if (argc > 0) {
        c->can_ask = isatty(STDIN_FILENO);   /* typed at a terminal: obj delete asks */
        return run_words(c, page, argc, argv);
    }
    if (isatty(STDIN_FILENO) && !inv->script_opts.echo && !inv->script_opts.keep_going)
        return shell_run_interactive(c);
    return shell_run_script_with(c, stdin, &inv->script_opts);
}

int main(int argc, char **argv)
{
    okr_client client;
    invocation inv = {.action = RUN};
    args_error e;

    setlocale(LC_CTYPE, "");   /* UTF-8 widths and line editing; numbers stay in "C" */
    if (!cmd_self_check(&e)) {
        fprintf(stderr, "okr: internal error: %s\n", e.msg);
        abort();
    }
    client_init(&client);
    int words = 0;
    bool ok = parse_global_options(&client, &inv, argc, argv, &e);
    if (ok && optind < argc) {
        words = argc - optind;
        ok = hoist_global_options(&client, &inv, &words, argv + optind, &e);
    }
    if (!ok) {
        client_error(&client, "%s (try 'okr --help')", e.msg);
        return OKR_EXIT_USAGE;
    }
    if (inv.action == SHOW_HELP) {
        client_print_help(stdout);
        return OKR_EXIT_OK;
    }
    if (inv.action == SHOW_VERSION) {
        printf("okr %s (protocol %d)\n", OKR_VERSION, OKR_PROTOCOL_VERSION);
        return OKR_EXIT_OK;
    }
    if (!apply_settings(&client, &inv, &e)) {
        client_error(&client, "%s", e.msg);
        return OKR_EXIT_USAGE;
    }
    table_set_format((table_format)client.table_format);

    int status = run(&client, &inv, words, argv + optind);
    client_free(&client);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("okr: writing output");
        return status ? status : EXIT_FAILURE;
    }
    return status;
}
