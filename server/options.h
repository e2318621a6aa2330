/* options.h — okrd's settings and actions: ONE table of settings that the
 * command-line parser (getopt_long), the config file reader (INI, inih),
 * `--print-config` and `--help` all read, so they cannot disagree.
 *
 * A setting is something okrd serves with (an endpoint, a threshold); an
 * action is something okrd does instead of serving, then exits (--verify).
 * Adding a setting is one row of okrd_settings (options.c) plus its field in
 * okrd_config (server.h); adding an action is one row of okrd_actions plus
 * its case in main.c.
 *
 * Every setting has a long flag and a config-file key: the flag's name with
 * '_' for '-' (`--map-size` is `map_size`). Effective value: the default,
 * then the config file, then the flags (the last one given wins). */
#ifndef OKR_OPTIONS_H
#define OKR_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "server.h"

#define OKRD_DEFAULT_CONFIG "/etc/okrd/okrd.conf"
#define OKRD_SETTINGS_MAX 64
#define OKRD_ACTIONS_MAX 32
#define OKRD_KEY_MAX 64

typedef enum {
    OPTION_TEXT,      /* const char *: an endpoint, a path; one line, not empty */
    OPTION_BYTES,     /* size_t, whole bytes in [min, max] */
    OPTION_COUNT,     /* uint64_t in [min, max] */
    OPTION_INT,       /* int in [min, max] */
    OPTION_RATIO,     /* double from 0 to 1 */
    OPTION_BOOL,      /* true/false (yes/no, on/off, 1/0); the bare flag is true */
    OPTION_LEVEL,     /* log_level: error, warn, info, debug */
} option_type;

typedef struct {
    const char *flag;        /* long flag without "--"; the key is derived from it */
    char short_flag;         /* 'd', or 0 */
    option_type type;
    const char *arg;         /* the value's name in --help: "DIR" (NULL for a bool) */
    int64_t min, max;        /* bounds of BYTES, COUNT, INT */
    const char *def;         /* the default as the file spells it; NULL: computed */
    const char *def_help;    /* the default as --help says it, when not `def` */
    size_t offset;           /* offsetof(okrd_config, the field) */
    const char *help;        /* one line for --help */
} okrd_setting;

extern const okrd_setting okrd_settings[];
extern const size_t okrd_settings_count;

typedef enum {
    OKRD_SERVE,             /* no action given */
    OKRD_VERIFY,
    OKRD_NEW_EPOCH,
    OKRD_PRINT_KEY,
    OKRD_ADD_USER,
    OKRD_PRINT_CONFIG,
    OKRD_HELP,              /* --help and --version act at once: nothing after */
    OKRD_VERSION,           /* them is parsed, no file is read */
    OKRD_PARAMETER,         /* not an action: an argument of one (say --role of
                             * --add-user), found in action_arg[its row] */
} okrd_action;

typedef struct {
    const char *flag;
    char short_flag;
    const char *arg;         /* its argument's name, or NULL when it takes none */
    okrd_action action;
    const char *help;        /* for --help; '\n' continues on the next line */
} okrd_action_row;

extern const okrd_action_row okrd_actions[];
extern const size_t okrd_actions_count;

/* The settings in effect and where they came from. The strings cfg points
 * to belong to it: keep it until the server is closed. */
typedef struct {
    okrd_config cfg;
    okrd_action action;
    const char *action_arg[OKRD_ACTIONS_MAX];  /* each action row's argument, if given */
    char config_path[4096];                    /* the file read, "" when none */
    char *owned[OKRD_SETTINGS_MAX];            /* each setting's text value */
} okrd_options;

/* The settings from defaults, the config file (--config FILE, else
 * default_config when that file exists; NULL: none) and argv's flags; the
 * action from argv. Returns 0, or 2 (a usage error: an unknown flag or key,
 * a bad value, an unreadable file) after printing why on stderr; file
 * errors read `FILE:LINE: key "KEY": WHY`. Free with options_free, either
 * way. */
int options_load(okrd_options *o, int argc, char **argv, const char *default_config);

void options_free(okrd_options *o);

/* Set one setting from text (as the file or a flag gives it). Returns true,
 * or false with a sentence in why ("must be a number from 0 to 1, not
 * \"2\""); the setting is then unchanged. */
bool options_set(okrd_options *o, const okrd_setting *s, const char *text, char *why,
                 size_t why_len);

/* The argument given to the action (or parameter) row named flag
 * ("add-user", "role"), or NULL when it was not given. */
const char *options_action_arg(const okrd_options *o, const char *flag);

/* The setting of a config-file key, or NULL. */
const okrd_setting *options_find_key(const char *key);

/* The key of a setting: its flag with '_' for '-'. Returns buf. */
const char *options_key(const okrd_setting *s, char *buf, size_t len);

/* The setting's value in o as the config file would spell it. Returns buf. */
const char *options_value(const okrd_options *o, const okrd_setting *s, char *buf,
                          size_t len);

/* The settings in effect as a config file that reads back to the same
 * settings (no secrets: there are none among the settings). */
void options_print_config(const okrd_options *o, FILE *out);

/* `key=value key=value ...` on one line, for the start-up log. */
void options_summary(const okrd_options *o, char *buf, size_t len);

/* --help: every setting and action, from the tables. */
void options_usage(FILE *out);

#endif
