/* completion.h — okr completion bash|zsh: a tab-completion script for the
 * user's shell, generated from the command table (common/commands.h) and
 * okr's global options, so it always matches this okr. */
#ifndef OKR_CLIENT_COMPLETION_H
#define OKR_CLIENT_COMPLETION_H

#include <stdbool.h>
#include <stdio.h>

/* Print the script for `shell` ("bash" or "zsh") on out. Returns false,
 * printing nothing, for any other shell. */
bool completion_print(FILE *out, const char *shell);

#endif
