/* complete.c — the candidates Tab offers (see complete.h): which kind of
 * word belongs at the cursor, read from the command table and the
 * built-ins, and the cached names of that kind that match. Pure. */
#include "complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "commands.h"
#include "shell_builtin.h"
#include "text.h"
#include "util.h"

/* What belongs at the cursor. */
typedef enum {
    WANT_NOTHING,        /* free text (a title, a number): nothing to offer */
    WANT_OBJECTIVE,
    WANT_KR,
    WANT_KR_WITH_VALUES, /* a KR one checks in to: not a roll-up */
    WANT_NODE,           /* an objective or a KR */
    WANT_TEAM,
    WANT_PERIOD,
    WANT_OPEN_PERIOD,    /* period close */
    WANT_CLOSED_PERIOD,  /* period reopen */
    WANT_KR_KIND,
    WANT_CHECKIN_WORD,   /* a check-in value: done / not-done for a milestone */
} want;

/* ------------------------------------------------------------ the list */

static void add(complete_list *l, const char *word, const char *note)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].word, word) == 0)
            return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = util_xreallocarray(l->items, l->cap, sizeof *l->items);
    }
    l->items[l->n++] = (complete_item){util_xstrdup(word), note ? util_xstrdup(note) : NULL};
}

void complete_list_free(complete_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].word);
        free(l->items[i].note);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int compare_words(const void *a, const void *b)
{
    return strcmp(((const complete_item *)a)->word, ((const complete_item *)b)->word);
}

static void sort(complete_list *l)
{
    qsort(l->items, l->n, sizeof *l->items, compare_words);
}

/* Case does not matter: ids are read in any case, and names are found
 * quicker that way. */
static bool begins(const char *word, const char *text)
{
    return strncasecmp(word, text, strlen(text)) == 0;
}

char *complete_quote(const char *word)
{
    bool plain = word[0] != '\0' && word[0] != '#' && strpbrk(word, " \t\n\r'\"\\") == NULL;
    if (plain)
        return util_xstrdup(word);
    char *quoted = util_xcalloc(2 * strlen(word) + 3, 1), *q = quoted;
    *q++ = '"';
    for (const char *p = word; *p; p++) {
        if (strchr("\"\\$`", *p) != NULL)
            *q++ = '\\';
        *q++ = *p;
    }
    *q++ = '"';
    return quoted;
}

/* ------------------------------------------------------------ commands */

/* "add, list, close, reopen": a group's commands, as its note. */
static void group_note(const char *group, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s", "commands: ");
    for (int i = 0; i < OKR_CMD__COUNT && used < len; i++) {
        const okr_command *c = &okr_commands[i];
        if (c->group && strcmp(c->group, group) == 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     used > strlen("commands: ") ? ", " : "", c->name);
    }
}

/* First words: groups, top-level commands and (with builtins) the shell's own. */
static void command_words(complete_list *l, const char *text, bool builtins)
{
    char note[200];
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        const char *word = c->group ? c->group : c->name;
        if (!begins(word, text))
            continue;
        if (c->group)
            group_note(c->group, note, sizeof note);
        add(l, word, c->group ? note : c->summary);
    }
    for (int i = 0; builtins && i < SHELL_BUILTIN__COUNT; i++)
        if (begins(shell_builtins[i].name, text))
            add(l, shell_builtins[i].name, shell_builtins[i].summary);
    sort(l);
}

static void subcommand_words(complete_list *l, const char *group, const char *text)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        if (c->group && strcmp(c->group, group) == 0 && begins(c->name, text))
            add(l, c->name, c->summary);
    }
    sort(l);
}

static void option_words(complete_list *l, const okr_command *cmd, const char *text)
{
    char word[64];
    for (const char *const *name = cmd->options; *name; name++) {
        snprintf(word, sizeof word, "--%s", *name);
        if (begins(word, text))
            add(l, word, NULL);
    }
    if (begins("--help", text))
        add(l, "--help", NULL);
}

/* ------------------------------------------------------------ names */

static bool node_wanted(const cache_node *n, want w)
{
    bool kr = okr_node_is_kr(n->node);
    if (w == WANT_KR_WITH_VALUES)
        return kr && n->kind != OKR__KR_KIND__ROLLUP;
    return w == WANT_NODE || (w == WANT_KR) == kr;
}

/* "Refund rate  (O1)" */
static void node_note(const cache_node *n, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s  (%s)", n->archived ? "[archived] " : "", n->title, n->where);
}

/* Ids that begin with text; when none does, ids whose title holds it. */
static void id_words(complete_list *l, const okr_cache *cache, want w, const char *text)
{
    char note[OKR_MAX_TITLE + 2 * OKR_MAX_NAME + 32];
    for (int by_title = 0; by_title < 2 && l->n == 0; by_title++) {
        if (by_title && text[0] == '\0')
            break;
        for (size_t i = 0; i < cache->n_nodes; i++) {
            const cache_node *n = &cache->nodes[i];
            bool match = by_title ? strcasestr(n->title, text) != NULL : begins(n->id, text);
            if (!match || !node_wanted(n, w))
                continue;
            node_note(n, note, sizeof note);
            add(l, n->id, note);
        }
        l->by_title = by_title && l->n > 0;
    }
}

static void period_words(complete_list *l, const okr_cache *cache, want w, const char *text)
{
    char start[11], end[11], note[64];
    for (size_t i = 0; i < cache->n_periods; i++) {
        const cache_period *p = &cache->periods[i];
        if (!begins(p->name, text) || (w == WANT_OPEN_PERIOD && p->closed) ||
            (w == WANT_CLOSED_PERIOD && !p->closed))
            continue;
        text_format_date(p->start, start);
        text_format_date(p->end, end);
        snprintf(note, sizeof note, "%s to %s, %s", start, end, p->closed ? "closed" : "open");
        add(l, p->name, note);
    }
}

static void team_words(complete_list *l, const okr_cache *cache, const char *text)
{
    for (size_t i = 0; i < cache->n_teams; i++)
        if (begins(cache->teams[i], text))
            add(l, cache->teams[i], NULL);
}

static void fixed_words(complete_list *l, const char *const *words, const char *text)
{
    for (; *words; words++)
        if (begins(*words, text))
            add(l, *words, NULL);
}

/* Offer the words of kind w. `kr` is the KR a check-in value is for. */
static void offer(complete_list *l, const okr_cache *cache, want w, const char *text,
                  const char *kr)
{
    static const char *const kinds[] = {"metric", "threshold", "milestone", "rollup", NULL};
    static const char *const done[] = {"done", "not-done", NULL};
    const cache_node *n;
    if (w == WANT_KR_KIND)
        fixed_words(l, kinds, text);
    if (cache == NULL)
        return;
    switch (w) {
    case WANT_OBJECTIVE:
    case WANT_KR:
    case WANT_KR_WITH_VALUES:
    case WANT_NODE:
        id_words(l, cache, w, text);
        break;
    case WANT_TEAM:
        team_words(l, cache, text);
        break;
    case WANT_PERIOD:
    case WANT_OPEN_PERIOD:
    case WANT_CLOSED_PERIOD:
        period_words(l, cache, w, text);
        break;
    case WANT_CHECKIN_WORD:
        n = kr ? cache_find(cache, kr) : NULL;
        if (n && okr_node_is_kr(n->node) && n->kind == OKR__KR_KIND__MILESTONE)
            fixed_words(l, done, text);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ arguments */

static want want_for_option(const char *name)
{
    if (strcmp(name, "team") == 0 || strcmp(name, "parent") == 0)
        return WANT_TEAM;
    if (strcmp(name, "period") == 0)
        return WANT_PERIOD;
    if (strcmp(name, "kind") == 0)
        return WANT_KR_KIND;
    if (strcmp(name, "align-to") == 0)
        return WANT_NODE;
    return WANT_NOTHING;
}

/* What the n-th positional argument is, from the synopsis word naming it. */
static want want_for_positional(const okr_command *cmd, int n)
{
    char word[64];
    if (!cmd_positional(cmd, n, word, sizeof word))
        return WANT_NOTHING;
    word[strcspn(word, ".]")] = '\0';
    const char *name = word + (word[0] == '[');
    if (strcmp(name, "KR") == 0)
        return cmd->id == OKR_CMD_CHECKIN ? WANT_KR_WITH_VALUES : WANT_KR;
    if (strcmp(name, "OBJ") == 0 || strcmp(name, "CHILD") == 0)
        return WANT_OBJECTIVE;
    if (strcmp(name, "PARENT") == 0)
        return WANT_NODE;
    if (strcmp(name, "VALUE") == 0)
        return WANT_CHECKIN_WORD;
    if (strcmp(name, "PERIOD") == 0)
        return WANT_PERIOD;
    if (strcmp(name, "ID") == 0)
        return !cmd->group ? WANT_NODE
               : strcmp(cmd->group, "obj") == 0 ? WANT_OBJECTIVE
               : strcmp(cmd->group, "kr") == 0 ? WANT_KR
               : strcmp(cmd->group, "checkin") == 0 ? WANT_NOTHING   /* a check-in's number */
               : WANT_NODE;
    if (strcmp(name, "NAME") == 0 && cmd->id == OKR_CMD_PERIOD_CLOSE)
        return WANT_OPEN_PERIOD;
    if (strcmp(name, "NAME") == 0 && cmd->id == OKR_CMD_PERIOD_REOPEN)
        return WANT_CLOSED_PERIOD;
    if (strcmp(name, "NAME") == 0 &&
        (cmd->id == OKR_CMD_TEAM_EDIT || cmd->id == OKR_CMD_TEAM_DELETE))
        return WANT_TEAM;
    return WANT_NOTHING;
}

/* The words after a command's name: options (and their values) and
 * positional arguments in any order, as getopt_long reads them. */
static void argument_words(complete_list *l, const okr_cache *cache, const okr_command *cmd,
                           int argc, char *const *argv, const char *text)
{
    const char *value_of = NULL, *first = NULL;
    bool options_done = false;
    int n_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (value_of != NULL) {
            value_of = NULL;
        } else if (!options_done && strcmp(w, "--") == 0) {
            options_done = true;
        } else if (!options_done && w[0] == '-' && w[1] != '\0') {
            if (w[1] == '-' && strchr(w, '=') == NULL && cmd_option_takes_value(w + 2))
                value_of = w + 2;
        } else {
            first = n_pos == 0 ? w : first;
            n_pos++;
        }
    }
    if (value_of != NULL)
        offer(l, cache, want_for_option(value_of), text, NULL);
    else if (!options_done && text[0] == '-')
        option_words(l, cmd, text);
    else
        offer(l, cache, want_for_positional(cmd, n_pos), text, first);
}

/* use period|team NAME, live on|off */
static void builtin_words(complete_list *l, const okr_cache *cache, const shell_builtin *b,
                          int argc, char *const *argv, const char *text)
{
    static const char *const on_off[] = {"on", "off", NULL};
    if (b->id == SHELL_BUILTIN_LIVE && argc == 1)
        fixed_words(l, on_off, text);
    if (b->id != SHELL_BUILTIN_USE)
        return;
    if (argc == 1) {
        if (begins("period", text))
            add(l, "period", "the period for obj add, obj list and tree");
        if (begins("team", text))
            add(l, "team", "the team for obj add, obj list and tree");
    } else if (argc == 2 && (strcmp(argv[1], "period") == 0 || strcmp(argv[1], "team") == 0)) {
        offer(l, cache, argv[1][0] == 'p' ? WANT_PERIOD : WANT_TEAM, text, NULL);
        if (begins("-", text))
            add(l, "-", "no default");
    }
}

void complete_find(const okr_cache *cache, int argc, char *const *argv, const char *text,
                   complete_list *out)
{
    const okr_command *cmd;
    const shell_builtin *b;
    int words = 1;

    memset(out, 0, sizeof *out);
    if (argc == 0) {
        command_words(out, text, true);
    } else if (strcmp(argv[0], "help") == 0) {
        if (argc == 1)
            command_words(out, text, true);
        else if (argc == 2 && commands_is_group(argv[1]))
            subcommand_words(out, argv[1], text);
    } else if ((b = shell_builtin_find(argv[0])) != NULL) {
        builtin_words(out, cache, b, argc, argv, text);
    } else if (commands_is_group(argv[0]) && argc == 1 &&
               (cmd = commands_find(NULL, argv[0])) != NULL) {
        argument_words(out, cache, cmd, 0, argv + 1, text);   /* checkin: KRs, then */
        for (int i = 0; i < OKR_CMD__COUNT; i++)              /* edit and delete */
            if (okr_commands[i].group && strcmp(okr_commands[i].group, argv[0]) == 0 &&
                begins(okr_commands[i].name, text))
                add(out, okr_commands[i].name, okr_commands[i].summary);
    } else if (commands_is_group(argv[0]) && argc == 1) {
        subcommand_words(out, argv[0], text);
    } else {
        words = commands_is_group(argv[0]) && commands_find(argv[0], argv[1]) ? 2 : 1;
        cmd = commands_find(words == 2 ? argv[0] : NULL, argv[words - 1]);
        if (cmd != NULL)
            argument_words(out, cache, cmd, argc - words, argv + words, text);
    }
}
