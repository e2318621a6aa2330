/* shell_builtin.h — the shell's own commands, which never reach the server:
 * `use`, `live`, `help`, `quit` and `exit`.
 *
 * The command table (common/commands.h) is shared with the server and holds
 * requests; these hold none, so they live in this small table beside it.
 * `help` and tab completion list both. Scripts (okr < file) know them too,
 * except `live`, which only means something on a terminal. */
#ifndef OKR_CLIENT_SHELL_BUILTIN_H
#define OKR_CLIENT_SHELL_BUILTIN_H

#include <stdbool.h>
#include <stdio.h>

#include "cache.h"
#include "client.h"

typedef enum {
    SHELL_BUILTIN_USE,
    SHELL_BUILTIN_LIVE,
    SHELL_BUILTIN_HELP,
    SHELL_BUILTIN_QUIT,
    SHELL_BUILTIN_EXIT,
    SHELL_BUILTIN__COUNT
} shell_builtin_id;

typedef struct {
    shell_builtin_id id;
    const char *name;        /* "use" */
    const char *synopsis;    /* "[period P|team T]" */
    const char *summary;     /* one line for help and completion */
} shell_builtin;

extern const shell_builtin shell_builtins[SHELL_BUILTIN__COUNT];

/* The built-in named `word`, or NULL. */
const shell_builtin *shell_builtin_find(const char *word);

/* What the built-ins act on: one per shell or script. */
typedef struct {
    okr_client *c;              /* `use` sets its defaults */
    const okr_cache *cache;     /* names `use` checks when loaded; NULL: no check */
    bool *live;                 /* `live` sets it; NULL outside the interactive shell */
    bool quit;                  /* set by quit and exit */
} shell_session;

/* Run the words of one line: a built-in, or else a command (client_run).
 * argv may be permuted. Returns an OKR_EXIT_* status; sets s->quit for
 * quit/exit. */
int shell_run_words(shell_session *s, int argc, char **argv);

/* The shell's help: the commands, the built-ins, and the keys. */
void shell_print_help(FILE *out);

#endif
