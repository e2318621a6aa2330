/* shell.h — okr without a command: an interactive readline shell on a
 * terminal (repl.c), or a script read from a file (standard input). Both
 * split each line into words with shell_split and run it with
 * shell_run_words (shell_builtin.h): a built-in, or client_run. */
#ifndef OKR_CLIENT_SHELL_H
#define OKR_CLIENT_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "client.h"

/* The words of one line. argv[argc] is NULL. One allocation holds the array
 * and the text: free it with shell_words_free. */
typedef struct {
    int argc;
    char **argv;
} shell_words;

typedef enum {
    SHELL_SPLIT_OK = 0,
    SHELL_SPLIT_OPEN_QUOTE,       /* a ' or " is never closed */
    SHELL_SPLIT_TRAILING_ESCAPE,  /* the line ends with a lone backslash */
    SHELL_SPLIT_NO_MEMORY,
} shell_split_result;

/* Split a line into words the way sh quotes them, without any expansion
 * (no $, no globs, no ~): blanks (space, tab, newline, CR) separate words;
 * '...' keeps its content literally; "..." keeps its content but a
 * backslash before " \ $ or ` stands for that character; outside quotes a
 * backslash makes the next character literal; '' and "" give an empty word;
 * a # that begins a word starts a comment to the end of the line.
 * On SHELL_SPLIT_OK *out holds the words (maybe none); otherwise *out is
 * empty (argc 0, argv NULL). Pure: no I/O. */
shell_split_result shell_split(const char *line, shell_words *out);

/* Free the words of shell_split (argv may be NULL). */
void shell_words_free(shell_words *words);

/* A sentence for a split error: "unterminated quote". */
const char *shell_split_error(shell_split_result result);

/* Run the commands of `in`, one per line, skipping blank and comment lines;
 * stop at the first that fails, after "okr: line N: ..." on c->err.
 * `use` sets defaults for the lines after it; `quit` or `exit` ends the
 * script early. Returns the failed command's exit status (OKR_EXIT_USAGE for
 * a line that cannot be split), or 0. */
int shell_run_script(okr_client *c, FILE *in);

/* How a script runs (okr -f FILE --echo --keep-going). */
typedef struct {
    bool echo;         /* print each command line on c->out before running it */
    bool keep_going;   /* run every line; return the first failure's status */
} shell_script_opts;

/* shell_run_script with options: with keep_going a failing line is
 * reported and the next one runs; the status is the first failure's. */
int shell_run_script_with(okr_client *c, FILE *in, const shell_script_opts *opts);

/* okr -c LINE: split one line like a script's and run it (built-ins too).
 * An empty line or a split error is a usage error. Returns its status. */
int shell_run_line(okr_client *c, const char *line);

/* The interactive shell (repl.c): a prompt naming the server and the
 * current period, line editing and history kept in
 * $XDG_STATE_HOME/okr/history, tab completion of commands, options, ids,
 * teams and periods, changes made by others shown above the prompt as they
 * happen. Errors are reported and the loop goes on; `quit`, `exit` or
 * Ctrl-D end it, Ctrl-C cancels the line. Returns 0. */
int shell_run_interactive(okr_client *c);

#endif
