/* shell.c — okr without a command: the line tokenizer, the script runner
 * and the minimal interactive readline loop (see shell.h). Each line goes
 * through client_run, exactly like a one-shot command. */
#include "shell.h"

#include <errno.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* ------------------------------------------------------------ tokenizer */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Copy one word from *pp to *wp, undoing its quoting. */
static shell_split_result split_word(const char **pp, char **wp)
{
    const char *p = *pp;
    char *w = *wp;
    while (*p != '\0' && !is_blank(*p)) {
        if (*p == '\'') {
            for (p++; *p != '\0' && *p != '\''; )
                *w++ = *p++;
            if (*p++ == '\0')
                return SHELL_SPLIT_OPEN_QUOTE;
        } else if (*p == '"') {
            for (p++; *p != '\0' && *p != '"'; ) {
                if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1]) != NULL)
                    p++;
                *w++ = *p++;
            }
            if (*p++ == '\0')
                return SHELL_SPLIT_OPEN_QUOTE;
        } else if (*p == '\\') {
            if (p[1] == '\0')
                return SHELL_SPLIT_TRAILING_ESCAPE;
            p++;
            *w++ = *p++;
        } else {
            *w++ = *p++;
        }
    }
    *w++ = '\0';
    *pp = p;
    *wp = w;
    return SHELL_SPLIT_OK;
}

shell_split_result shell_split(const char *line, shell_words *out)
{
    /* Words are at least one character and blank-separated, and unquoting
     * only shrinks them: len/2 + 1 words and len + 1 bytes of text (each
     * word's NUL takes the place of the blank after it) always suffice. */
    size_t len = strlen(line);
    size_t max_words = len / 2 + 1;
    char **argv = malloc((max_words + 1) * sizeof *argv + len + 1);
    const char *p = line;
    int argc = 0;

    out->argc = 0;
    out->argv = NULL;
    if (argv == NULL)
        return SHELL_SPLIT_NO_MEMORY;
    char *w = (char *)(argv + max_words + 1);
    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0' || *p == '#')
            break;
        argv[argc++] = w;
        shell_split_result result = split_word(&p, &w);
        if (result != SHELL_SPLIT_OK) {
            free(argv);
            return result;
        }
    }
    argv[argc] = NULL;
    out->argc = argc;
    out->argv = argv;
    return SHELL_SPLIT_OK;
}

void shell_words_free(shell_words *words)
{
    free(words->argv);
    words->argv = NULL;
    words->argc = 0;
}

const char *shell_split_error(shell_split_result result)
{
    switch (result) {
    case SHELL_SPLIT_OK: return "no error";
    case SHELL_SPLIT_OPEN_QUOTE: return "unterminated quote";
    case SHELL_SPLIT_TRAILING_ESCAPE: return "backslash at the end of the line";
    case SHELL_SPLIT_NO_MEMORY: return "out of memory";
    }
    return "cannot split the line";
}

static bool is_quit(const char *word)
{
    return strcmp(word, "quit") == 0 || strcmp(word, "exit") == 0;
}

/* ------------------------------------------------------------ scripts */

int shell_run_script(okr_client *c, FILE *in)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    int status = OKR_EXIT_OK;

    for (c->line = 1; (len = getline(&line, &capacity, in)) >= 0; c->line++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        shell_words words;
        shell_split_result split = shell_split(line, &words);
        if (split != SHELL_SPLIT_OK) {
            client_error(c, "%s", shell_split_error(split));
            status = OKR_EXIT_USAGE;
            break;
        }
        bool quit = words.argc > 0 && is_quit(words.argv[0]);
        if (words.argc > 0 && !quit)
            status = client_run(c, words.argc, words.argv);
        shell_words_free(&words);
        fflush(c->out);   /* keep output and error messages in order */
        if (quit || status != OKR_EXIT_OK)
            break;
    }
    if (ferror(in)) {
        client_error(c, "cannot read commands: %s", strerror(errno));
        status = OKR_EXIT_USAGE;
    }
    c->line = 0;
    free(line);
    return status;
}

/* ------------------------------------------------------------ completion */

/* Readline's completion API calls back without a context pointer, so the
 * candidates of the word being completed live here, and only here. */
#define MAX_CANDIDATES (OKR_CMD__COUNT + 8)

static struct {
    const char *words[MAX_CANDIDATES];
    char options[MAX_CANDIDATES][40];   /* "--team" spelled out */
    size_t n;
} completion;

static void candidate(const char *word)
{
    for (size_t i = 0; i < completion.n; i++)
        if (strcmp(completion.words[i], word) == 0)
            return;
    if (completion.n < MAX_CANDIDATES)
        completion.words[completion.n++] = word;
}

/* Command words: groups and top-level commands, or a group's commands. */
static void command_candidates(const char *group)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *cmd = &okr_commands[i];
        if (group == NULL)
            candidate(cmd->group ? cmd->group : cmd->name);
        else if (cmd->group && strcmp(cmd->group, group) == 0)
            candidate(cmd->name);
    }
}

static void option_candidates(const okr_command *cmd)
{
    for (const char *const *name = cmd->options; *name; name++) {
        if (completion.n == MAX_CANDIDATES)
            return;
        snprintf(completion.options[completion.n], sizeof completion.options[0], "--%s", *name);
        completion.words[completion.n] = completion.options[completion.n];
        completion.n++;
    }
}

/* Fill the candidates for the word that follows `before`. */
static void find_candidates(const shell_words *before, bool option)
{
    int argc = before->argc;
    char **argv = before->argv;
    bool help = argc > 0 && strcmp(argv[0], "help") == 0;

    completion.n = 0;
    if (help) {
        argc--;
        argv++;
    }
    if (argc == 0) {
        command_candidates(NULL);
        if (!help) {
            candidate("help");
            candidate("quit");
        }
    } else if (argc == 1 && commands_is_group(argv[0])) {
        command_candidates(argv[0]);
    } else if (option && !help) {
        const okr_command *cmd = commands_is_group(argv[0]) ? commands_find(argv[0], argv[1])
                                                            : commands_find(NULL, argv[0]);
        if (cmd != NULL)
            option_candidates(cmd);
    }
}

static char *next_candidate(const char *text, int state)
{
    static size_t next;
    if (state == 0)
        next = 0;
    while (next < completion.n) {
        const char *word = completion.words[next++];
        if (strncmp(word, text, strlen(text)) == 0)
            return strdup(word);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;   /* never fall back to file names */
    char *before = strndup(rl_line_buffer, (size_t)start);
    shell_words words;
    if (before == NULL || shell_split(before, &words) != SHELL_SPLIT_OK) {
        free(before);
        return NULL;
    }
    find_candidates(&words, text[0] == '-');
    shell_words_free(&words);
    free(before);
    return rl_completion_matches(text, next_candidate);
}

/* ------------------------------------------------------------ interactive */

int shell_run_interactive(okr_client *c)
{
    char *line;
    rl_readline_name = "okr";
    rl_attempted_completion_function = complete;

    while ((line = readline("okr> ")) != NULL) {
        shell_words words;
        shell_split_result split = shell_split(line, &words);
        bool quit = false;
        if (split != SHELL_SPLIT_OK) {
            client_error(c, "%s", shell_split_error(split));
        } else if (words.argc > 0) {
            add_history(line);
            quit = is_quit(words.argv[0]);
            if (!quit)
                client_run(c, words.argc, words.argv);
        }
        shell_words_free(&words);
        free(line);
        fflush(c->out);
        if (quit)
            return OKR_EXIT_OK;
    }
    fputc('\n', c->out);   /* Ctrl-D: end the prompt's line */
    return OKR_EXIT_OK;
}
