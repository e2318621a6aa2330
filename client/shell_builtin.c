/* shell_builtin.c — `use`, `live`, `help`, `quit`/`exit`, and the dispatch
 * of one shell line to them or to client_run (see shell_builtin.h). Output
 * on the client's out/err. Talks to the server only when `use` must check a
 * name and there is no loaded cache to check it against (a script). */
#include "shell_builtin.h"

#include <string.h>

#include "args.h"
#include "cmd.h"

const shell_builtin shell_builtins[SHELL_BUILTIN__COUNT] = {
    {SHELL_BUILTIN_USE, "use", "[period P|team T]",
     "Use a period or team for obj add, obj list and tree ('-' clears)"},
    {SHELL_BUILTIN_LIVE, "live", "[on|off]",
     "Show others' changes above the prompt (on by default)"},
    {SHELL_BUILTIN_HELP, "help", "[COMMAND]", "Show this help, or one command's"},
    {SHELL_BUILTIN_QUIT, "quit", "", "Leave the shell (so do exit and Ctrl-D)"},
    {SHELL_BUILTIN_EXIT, "exit", "", "Leave the shell"},
};

const shell_builtin *shell_builtin_find(const char *word)
{
    for (int i = 0; i < SHELL_BUILTIN__COUNT; i++)
        if (strcmp(shell_builtins[i].name, word) == 0)
            return &shell_builtins[i];
    return NULL;
}

/* "usage: use [period P|team T]" and its summary. */
static void builtin_usage(FILE *out, const shell_builtin *b)
{
    fprintf(out, "usage: %s%s%s\n%s.\n", b->name, b->synopsis[0] ? " " : "", b->synopsis,
            b->summary);
}

void shell_print_help(FILE *out)
{
    fprintf(out, "Commands (Tab completes them, their options, ids, teams and periods):\n");
    cmd_print_commands(out);
    fprintf(out, "\nShell commands:\n"
                 "  use period P     Use period P for obj add, obj list and tree ('-' clears)\n"
                 "  use team T       Use team T for obj add, obj list and tree ('-' clears)\n"
                 "  use              Show the period and team in use\n"
                 "  live on|off      Show others' changes above the prompt (on by default)\n"
                 "  quit, exit       Leave the shell (so does Ctrl-D)\n"
                 "\nCtrl-C cancels the line, or a command still waiting for the server.\n"
                 "Up and Down walk the history; Ctrl-R searches it.\n"
                 "'help COMMAND' shows a command's arguments and options.\n");
}

/* ------------------------------------------------------------ use */

/* Print the session's defaults: "period  2026-Q4" / "team    -". */
static void show_defaults(const okr_client *c)
{
    fprintf(c->out, "period  %s\nteam    %s\n", c->default_period[0] ? c->default_period : "-",
            c->default_team[0] ? c->default_team : "-");
}

/* Whether the server has the period (or team) `name`, asked with a period
 * or team list: a script has no cache, and a name it cannot use must fail
 * the `use` line itself, not the next one. Sets *known; returns
 * OKR_EXIT_OK, or client_call's status after it said why. */
static int server_has_name(okr_client *c, bool period, const char *name, bool *known)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodList periods = OKR__PERIOD_LIST__INIT;
    Okr__TeamList teams = OKR__TEAM_LIST__INIT;
    if (period) {
        req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
        req.period_list = &periods;
    } else {
        req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
        req.team_list = &teams;
    }
    Okr__Response *reply = NULL;
    int rc = client_call(c, &req, &reply);
    if (rc != OKR_EXIT_OK)
        return rc;
    *known = false;
    if (period)
        for (size_t i = 0; i < reply->periods->n_periods && !*known; i++)
            *known = reply->periods->periods[i]->name &&
                     strcmp(reply->periods->periods[i]->name, name) == 0;
    else
        for (size_t i = 0; i < reply->teams->n_teams && !*known; i++)
            *known = reply->teams->teams[i]->name &&
                     strcmp(reply->teams->teams[i]->name, name) == 0;
    okr__response__free_unpacked(reply, NULL);
    return OKR_EXIT_OK;
}

/* use period P | use team T | use period - | use team - | use */
static int run_use(shell_session *s, int argc, char **argv)
{
    okr_client *c = s->c;
    args_error e;
    if (argc == 1) {
        show_defaults(c);
        return OKR_EXIT_OK;
    }
    bool period = strcmp(argv[1], "period") == 0, team = strcmp(argv[1], "team") == 0;
    if (argc != 3 || !(period || team)) {
        client_error(c, "use: say 'use period P' or 'use team T' ('-' clears it)");
        builtin_usage(c->err, shell_builtin_find("use"));
        return OKR_EXIT_USAGE;
    }
    char *slot = period ? c->default_period : c->default_team;
    const char *name = argv[2];
    if (strcmp(name, "-") == 0) {
        slot[0] = '\0';
        return OKR_EXIT_OK;
    }
    if (!args_text(argv[1], name, OKR_MAX_NAME, false, &e)) {
        client_error(c, "use: %s", e.msg);
        return OKR_EXIT_USAGE;
    }
    bool known = true;
    if (s->cache != NULL && s->cache->loaded) {
        known = period ? cache_has_period(s->cache, name) : cache_has_team(s->cache, name);
    } else {
        int rc = server_has_name(c, period, name, &known);
        if (rc != OKR_EXIT_OK)
            return rc;
    }
    if (!known) {
        client_error(c, "use: no %s '%s' (see '%s list')", argv[1], name, argv[1]);
        return OKR_EXIT_USAGE;
    }
    strcpy(slot, name);   /* fits: args_text checked the length */
    return OKR_EXIT_OK;
}

/* ------------------------------------------------------------ live, help */

/* live | live on | live off */
static int run_live(shell_session *s, int argc, char **argv)
{
    if (s->live == NULL) {
        client_error(s->c, "live: only in the interactive shell");
        return OKR_EXIT_USAGE;
    }
    if (argc == 1) {
        fprintf(s->c->out, "live is %s\n", *s->live ? "on" : "off");
        return OKR_EXIT_OK;
    }
    if (argc == 2 && (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)) {
        *s->live = strcmp(argv[1], "on") == 0;
        return OKR_EXIT_OK;
    }
    client_error(s->c, "live: say 'live on' or 'live off'");
    return OKR_EXIT_USAGE;
}

/* help | help TOPIC... */
static int run_help(shell_session *s, int argc, char **argv)
{
    args_error e;
    const shell_builtin *b = argc == 2 ? shell_builtin_find(argv[1]) : NULL;
    if (argc == 1)
        shell_print_help(s->c->out);
    else if (b != NULL)
        builtin_usage(s->c->out, b);
    else if (!cmd_print_topic(s->c->out, argc - 1, argv + 1, &e)) {
        client_error(s->c, "help: %s", e.msg);
        return OKR_EXIT_USAGE;
    }
    return OKR_EXIT_OK;
}

int shell_run_words(shell_session *s, int argc, char **argv)
{
    const shell_builtin *b = argc > 0 ? shell_builtin_find(argv[0]) : NULL;
    if (argc == 0)
        return OKR_EXIT_OK;
    if (b == NULL)
        return client_run(s->c, argc, argv);
    switch (b->id) {
    case SHELL_BUILTIN_USE: return run_use(s, argc, argv);
    case SHELL_BUILTIN_LIVE: return run_live(s, argc, argv);
    case SHELL_BUILTIN_HELP: return run_help(s, argc, argv);
    case SHELL_BUILTIN_QUIT:
    case SHELL_BUILTIN_EXIT:
    default:
        s->quit = true;
        return OKR_EXIT_OK;
    }
}
