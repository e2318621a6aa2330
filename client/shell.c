/* shell.c — okr without a command, the parts shared by scripts and the
 * interactive shell: the line tokenizer and the script runner (see
 * shell.h). Each line goes through shell_run_words: a built-in, or a command
 * run by client_run exactly like a one-shot command. The interactive loop
 * is repl.c's. */
#include "shell.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shell_builtin.h"

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

/* ------------------------------------------------------------ scripts */

/* Run one line of a script: split it, echo it, run it. */
static int run_script_line(shell_session *session, char *line, const shell_script_opts *opts)
{
    okr_client *c = session->c;
    shell_words words;
    shell_split_result split = shell_split(line, &words);
    if (split != SHELL_SPLIT_OK) {
        client_error(c, "%s", shell_split_error(split));
        return OKR_EXIT_USAGE;
    }
    if (opts->echo && words.argc > 0) {
        fprintf(c->out, "%s\n", line);
        fflush(c->out);
    }
    int status = shell_run_words(session, words.argc, words.argv);
    shell_words_free(&words);
    fflush(c->out);   /* keep output and error messages in order */
    return status;
}

int shell_run_script_with(okr_client *c, FILE *in, const shell_script_opts *opts)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    int status = OKR_EXIT_OK;
    shell_session session = {.c = c};

    for (c->line = 1; (len = getline(&line, &capacity, in)) >= 0; c->line++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        int line_status = run_script_line(&session, line, opts);
        if (line_status != OKR_EXIT_OK && status == OKR_EXIT_OK)
            status = line_status;
        if (session.quit || (line_status != OKR_EXIT_OK && !opts->keep_going))
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

int shell_run_script(okr_client *c, FILE *in)
{
    const shell_script_opts opts = {false, false};
    return shell_run_script_with(c, in, &opts);
}

int shell_run_line(okr_client *c, const char *line)
{
    shell_session session = {.c = c};
    shell_words words;
    shell_split_result split = shell_split(line, &words);
    if (split != SHELL_SPLIT_OK) {
        client_error(c, "-c: %s", shell_split_error(split));
        return OKR_EXIT_USAGE;
    }
    if (words.argc == 0) {
        shell_words_free(&words);
        client_error(c, "-c: no command given");
        return OKR_EXIT_USAGE;
    }
    int status = shell_run_words(&session, words.argc, words.argv);
    shell_words_free(&words);
    return status;
}
