/* completion.c — the bash and zsh completion scripts (see completion.h).
 * Both complete, from the words typed so far: a command or group name, a
 * group's members, then the command's own options and the global ones when
 * the word begins with '-'. Option values and ids are left to the shell
 * (files). */
#include "completion.h"

#include <getopt.h>
#include <string.h>

#include "client.h"
#include "commands.h"

/* The top-level words: commands, groups (each once), help, completion. */
static void print_top_words(FILE *out)
{
    fputs("help completion", out);
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        bool seen = false;
        for (int j = 0; j < i && c->group; j++)
            seen = seen || (okr_commands[j].group && strcmp(okr_commands[j].group, c->group) == 0);
        if (!seen)
            fprintf(out, " %s", c->group ? c->group : c->name);
    }
}

static void print_global_options(FILE *out)
{
    for (const struct option *o = client_global_options; o->name; o++)
        fprintf(out, "%s--%s", o == client_global_options ? "" : " ", o->name);
}

/* The global options that take a value, as a case pattern: --server|-s|... */
static void print_valued_options(FILE *out)
{
    bool first = true;
    for (const struct option *o = client_global_options; o->name; o++) {
        if (o->has_arg != required_argument)
            continue;
        fprintf(out, "%s--%s", first ? "" : "|", o->name);
        if (o->val < 256)
            fprintf(out, "|-%c", o->val);
        first = false;
    }
}

static bool has_option(const okr_command *c, const char *name)
{
    for (const char *const *o = c->options; *o; o++)
        if (strcmp(*o, name) == 0)
            return true;
    return false;
}

/* The command's options, then the global ones it does not have itself. */
static void print_options_of(FILE *out, const okr_command *c)
{
    for (const char *const *o = c->options; *o; o++)
        fprintf(out, "--%s ", *o);
    fputs("--help", out);
    for (const struct option *g = client_global_options; g->name; g++)
        if (!has_option(c, g->name) && strcmp(g->name, "help") != 0)
            fprintf(out, " --%s", g->name);
}

/* One `case` branch per group ("obj) cands=...") with its members, or per
 * command ("'obj add') cands=...") with its options. */
static void print_cases(FILE *out, bool members)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        if (!members) {
            fprintf(out, "    '%s%s%s') cands=\"", c->group ? c->group : "",
                    c->group ? " " : "", c->name);
            print_options_of(out, c);
            fputs("\" ;;\n", out);
            continue;
        }
        if (c->group == NULL || (i > 0 && okr_commands[i - 1].group &&
                                 strcmp(okr_commands[i - 1].group, c->group) == 0))
            continue;
        fprintf(out, "    %s) cands=\"", c->group);
        for (int j = i; j < OKR_CMD__COUNT; j++)
            if (okr_commands[j].group && strcmp(okr_commands[j].group, c->group) == 0)
                fprintf(out, "%s%s", j == i ? "" : " ", okr_commands[j].name);
        fputs("\" ;;\n", out);
    }
}

/* The group names as a case pattern: obj|kr|... */
static void print_group_pattern(FILE *out)
{
    bool first = true;
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        if (c->group == NULL || (i > 0 && okr_commands[i - 1].group &&
                                 strcmp(okr_commands[i - 1].group, c->group) == 0))
            continue;
        fprintf(out, "%s%s", first ? "" : "|", c->group);
        first = false;
    }
}

/* The body of _okr_candidates, the same for both shells (zsh runs it with
 * ksharrays, so arrays count from 0): from the words "$@" before the
 * current one (okr excluded) and the current word $cur, set `cands`. */
static void print_body(FILE *out)
{
    fputs("    local w key skip=0\n"
          "    local -a pos\n"
          "    pos=()\n"
          "    for w in \"$@\"; do\n"
          "        if ((skip)); then skip=0; continue; fi\n"
          "        case \"$w\" in\n"
          "        ", out);
    print_valued_options(out);
    fputs(") skip=1 ;;\n"
          "        -*) ;;\n"
          "        *) pos+=(\"$w\") ;;\n"
          "        esac\n"
          "    done\n"
          "    cands=''\n"
          "    if [[ \"$cur\" == -* ]]; then\n"
          "        cands=\"", out);
    print_global_options(out);
    fputs("\"\n"
          "        ((${#pos[@]} == 0)) && return\n"
          "        case \"${pos[0]}\" in\n"
          "        ", out);
    print_group_pattern(out);
    fputs(") key=\"${pos[0]} ${pos[1]}\" ;;\n"
          "        *) key=\"${pos[0]}\" ;;\n"
          "        esac\n"
          "        case \"$key\" in\n", out);
    print_cases(out, false);
    fputs("        esac\n"
          "    elif ((${#pos[@]} == 0)); then\n"
          "        cands=\"", out);
    print_top_words(out);
    fputs("\"\n"
          "    elif ((${#pos[@]} == 1)); then\n"
          "        case \"${pos[0]}\" in\n", out);
    print_cases(out, true);
    fputs("        esac\n"
          "    fi\n", out);
}

static void print_bash(FILE *out)
{
    fputs("# bash completion for okr (generated by okr completion bash)\n"
          "_okr_candidates() {\n", out);
    print_body(out);
    fputs("}\n"
          "_okr() {\n"
          "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" cands\n"
          "    _okr_candidates \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"\n"
          "    if [ -z \"$cands\" ]; then\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -W \"$cands\" -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -F _okr okr\n", out);
}

static void print_zsh(FILE *out)
{
    fputs("#compdef okr\n"
          "# zsh completion for okr (generated by okr completion zsh)\n"
          "_okr_candidates() {\n"
          "    setopt localoptions ksharrays\n", out);
    print_body(out);
    fputs("}\n"
          "_okr() {\n"
          "    local cur=\"${words[CURRENT]}\" cands\n"
          "    _okr_candidates \"${(@)words[2,CURRENT-1]}\"\n"
          "    if [[ -z \"$cands\" ]]; then\n"
          "        _files\n"
          "    else\n"
          "        compadd -- ${=cands}\n"
          "    fi\n"
          "}\n"
          "_okr \"$@\"\n", out);
}

bool completion_print(FILE *out, const char *shell)
{
    if (strcmp(shell, "bash") == 0)
        print_bash(out);
    else if (strcmp(shell, "zsh") == 0)
        print_zsh(out);
    else
        return false;
    return true;
}
