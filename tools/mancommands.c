/* mancommands.c — prints the COMMANDS section of okr(1), in scdoc, from the
 * command table (common/commands.c): the same synopsis, summary and role
 * that `okr help COMMAND` prints, so the manual cannot drift from the
 * program. A build-time tool: `make man` pipes its output into
 * docs/man/okr.1.scd where the line @COMMANDS@ stands. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* scdoc gives * and _ meaning, and \ escapes; everything else is text. */
static void put_escaped(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '*' || *p == '_' || *p == '\\')
            putchar('\\');
        putchar(*p);
    }
}

static void put_command(const okr_command *c)
{
    printf("*okr ");
    if (c->group)
        printf("%s ", c->group);
    printf("%s*", c->name);
    if (c->synopsis[0]) {
        putchar(' ');
        put_escaped(c->synopsis);
    }
    printf("\n\t");
    put_escaped(c->summary);
    printf(". Needs the %s role (in secure mode; in local mode the caller is admin).\n\n",
           requests_role_name(commands_role(c)));
}

int main(void)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        put_command(&okr_commands[i]);
    return 0;
}
