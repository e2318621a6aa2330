/* main.c — okr's entry point: global options, then one command, or the
 * shell (a terminal) or a script (anything else) when no command is given.
 * Everything else lives in libclient. */
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
#include "shell.h"
#include "wire.h"

static const struct option global_options[] = {
    {"server", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},
    {"timeout", required_argument, NULL, 't'},
    {"user", required_argument, NULL, 'u'},
    {"key", required_argument, NULL, 'k'},
    {"server-key", required_argument, NULL, 'K'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* What the global options asked for besides a command. */
enum action { RUN, SHOW_HELP, SHOW_VERSION };

static bool apply_option(okr_client *c, int opt, const char *value, args_error *e)
{
    uint32_t timeout;
    switch (opt) {
    case 's':
        c->server = value;
        return true;
    case 'j':
        c->json = true;
        return true;
    case 't':
        if (!args_whole("--timeout", value, 1, CLIENT_MAX_TIMEOUT_MS, &timeout, e))
            return false;
        c->timeout_ms = (int)timeout;
        return true;
    case 'k':
        c->key_file = value;
        return true;
    case 'K':
        c->server_key = value;
        return true;
    case 'u':
        if (!args_text("--user", value, OKR_MAX_NAME, false, e))
            return false;
        strcpy(c->user, value);
        return true;
    default:
        return args_fail(e, "option %d has no place to go", opt);   /* cannot happen */
    }
}

/* Parse the options before COMMAND ('+': stop at the first non-option, so
 * the command's own options are left to it). */
static bool parse_global_options(okr_client *c, int argc, char **argv, enum action *action,
                                 args_error *e)
{
    int opt;
    *action = RUN;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:s:jt:u:k:hV", global_options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            *action = SHOW_HELP;
            break;
        case 'V':
            *action = SHOW_VERSION;
            break;
        case '?':
            if (optopt != 0)
                return args_fail(e, "unknown option '-%c'", optopt);
            return args_fail(e, "unknown option '%.40s'", argv[optind - 1]);
        case ':':
            return args_fail(e, "%.40s needs a value", argv[optind - 1]);
        default:
            if (!apply_option(c, opt, optarg, e))
                return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    okr_client client;
    enum action action;
    args_error e;
    int status;

    setlocale(LC_CTYPE, "");   /* UTF-8 widths and line editing; numbers stay in "C" */
    if (!cmd_self_check(&e)) {
        fprintf(stderr, "okr: internal error: %s\n", e.msg);
        abort();
    }
    client_init(&client);
    if (!parse_global_options(&client, argc, argv, &action, &e)) {
        client_error(&client, "%s (try 'okr --help')", e.msg);
        return OKR_EXIT_USAGE;
    }
    if (action == SHOW_HELP) {
        client_print_help(stdout);
        return OKR_EXIT_OK;
    }
    if (action == SHOW_VERSION) {
        printf("okr %s (protocol %d)\n", OKR_VERSION, OKR_PROTOCOL_VERSION);
        return OKR_EXIT_OK;
    }

    if (optind < argc)
        status = client_run(&client, argc - optind, argv + optind);
    else if (isatty(STDIN_FILENO))
        status = shell_run_interactive(&client);
    else
        status = shell_run_script(&client, stdin);
    client_free(&client);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("okr: writing output");
        return status ? status : EXIT_FAILURE;
    }
    return status;
}
