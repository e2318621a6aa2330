/* options.c — the table of okrd's settings and actions, and everything that
 * reads it: getopt_long, the config file (inih), --print-config, --help.
 *
 * A setting's value is always set through options_set from text, whether
 * the text is the table's default, a line of the file or a flag, so a value
 * is checked, and refused with the same sentence, whatever its source. This
 * file never serves, opens a store or logs: it only decides the settings
 * (main.c acts on them). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "okr_limits.h"

#define CFG(field) offsetof(okrd_config, field)

/* To add a setting: a row here, its field in okrd_config (server.h), and
 * its key in docs/man/okrd.conf.5.scd and docs/okrd.conf.example (the
 * install test checks the manual lists every key). */
const okrd_setting okrd_settings[] = {
    {"data", 'd', OPTION_TEXT, "DIR", 0, 0, NULL, "$XDG_DATA_HOME/okrd, else ~/.local/share/okrd",
     CFG(data_dir), "data directory (created on first start)"},
    {"listen", 'l', OPTION_TEXT, "EP", 0, 0, OKR_DEFAULT_ENDPOINT, NULL, CFG(listen),
     "request endpoint"},
    {"publish", 'p', OPTION_TEXT, "EP", 0, 0, OKR_DEFAULT_PUBLISH, NULL, CFG(publish),
     "event endpoint"},
    {"map-size", 0, OPTION_BYTES, "BYTES", 65536, INT64_MAX, "1073741824", "1 GiB",
     CFG(map_size), "initial LMDB map size (doubled whenever it fills)"},
    {"on-track", 0, OPTION_RATIO, "R", 0, 0, "0.85", NULL, CFG(health.on_track),
     "health: on track when score >= R x expected"},
    {"at-risk", 0, OPTION_RATIO, "R", 0, 0, "0.6", NULL, CFG(health.at_risk),
     "health: at risk when score >= R x expected"},
    {"low-confidence", 0, OPTION_RATIO, "C", 0, 0, "0.5", NULL, CFG(health.low_confidence),
     "health: a confidence below C caps at at_risk"},
    {"pub-hwm", 0, OPTION_INT, "N", 1, INT32_MAX, "1000", NULL, CFG(pub_hwm),
     "events queued per slow subscriber before they are\n"
     "dropped (monitors replay the gap)"},
    {"pub-sndbuf", 0, OPTION_INT, "BYTES", 0, INT32_MAX, "65536", NULL, CFG(pub_sndbuf),
     "kernel send buffer per subscriber (0: the OS's, which\n"
     "grows to megabytes). A stalled subscriber holds about\n"
     "N x 128 bytes + 16 KiB in okrd and 2 x BYTES in the\n"
     "kernel: about 270 KiB by default, so 100 stalled ones\n"
     "hold 27 MiB (docs/protocol.md)"},
    {"import-idle", 0, OPTION_INT, "SECONDS", 1, 86400, "60", NULL, CFG(import_idle_s),
     "drop a staged import after SECONDS without a part"},
    {"retain", 0, OPTION_COUNT, "N", 0, INT64_MAX, "0", "0: keep all", CFG(retain_events),
     "keep only the newest N events (the event log is the\n"
     "audit log)"},
    {"secure", 0, OPTION_BOOL, NULL, 0, 0, "false", NULL, CFG(secure),
     "secure mode: CURVE on both sockets, only users' keys\n"
     "get in, roles apply (makes DIR/server.key at first)"},
    {"insecure", 0, OPTION_BOOL, NULL, 0, 0, "false", NULL, CFG(insecure),
     "allow binding a non-loopback address without CURVE"},
    {"slow-ms", 0, OPTION_INT, "MS", -1, INT32_MAX, "100", NULL, CFG(slow_ms),
     "log each batch of requests that takes MS milliseconds\n"
     "or more (-1: never)"},
    {"log-level", 0, OPTION_LEVEL, "LEVEL", 0, 0, "info", NULL, CFG(log_level),
     "log lines of LEVEL and more severe: error, warn, info\n"
     "or debug"},
    {"syslog", 0, OPTION_BOOL, NULL, 0, 0, "false", NULL, CFG(use_syslog),
     "log to syslog (facility daemon) instead of stderr"},
};
const size_t okrd_settings_count = sizeof okrd_settings / sizeof okrd_settings[0];

const okrd_action_row okrd_actions[] = {
    {"verify", 0, NULL, OKRD_VERIFY,
     "recompute every score from scratch, read the whole event\n"
     "log and check every reference; report each difference or\n"
     "problem (exit 1), and exit"},
    {"new-epoch", 0, NULL, OKRD_NEW_EPOCH,
     "give the data directory a new epoch and exit: do this to\n"
     "a copy before starting a server on it (a restore), so\n"
     "monitors take a fresh snapshot"},
    {"print-key", 0, NULL, OKRD_PRINT_KEY,
     "print the server's public key (Z85), made with the key\n"
     "pair when there is none, and exit"},
    {"add-user", 0, "NAME", OKRD_ADD_USER,
     "add a user offline (the first admin), with --role and\n"
     "--key, and exit"},
    {"role", 0, "ROLE", OKRD_PARAMETER, "with --add-user: viewer, editor or admin"},
    {"key", 0, "PUBLIC_KEY", OKRD_PARAMETER,
     "with --add-user: the user's public key (okr keygen)"},
    {"print-config", 0, NULL, OKRD_PRINT_CONFIG,
     "print the settings in effect (file, then flags) as a\n"
     "config file, and exit"},
    {"help", 'h', NULL, OKRD_HELP, "show this help"},
    {"version", 'V', NULL, OKRD_VERSION, "show the version"},
};
const size_t okrd_actions_count = sizeof okrd_actions / sizeof okrd_actions[0];

_Static_assert(sizeof okrd_settings / sizeof okrd_settings[0] <= OKRD_SETTINGS_MAX,
               "raise OKRD_SETTINGS_MAX");
_Static_assert(sizeof okrd_actions / sizeof okrd_actions[0] <= OKRD_ACTIONS_MAX,
               "raise OKRD_ACTIONS_MAX");

/* ------------------------------------------------------------ one setting */

const char *options_key(const okrd_setting *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s->flag);
    for (char *p = buf; *p; p++)
        if (*p == '-')
            *p = '_';
    return buf;
}

const char *options_action_arg(const okrd_options *o, const char *flag)
{
    for (size_t i = 0; i < okrd_actions_count; i++)
        if (strcmp(okrd_actions[i].flag, flag) == 0)
            return o->action_arg[i];
    return NULL;
}

const okrd_setting *options_find_key(const char *key)
{
    char buf[OKRD_KEY_MAX];
    for (size_t i = 0; i < okrd_settings_count; i++)
        if (strcmp(options_key(&okrd_settings[i], buf, sizeof buf), key) == 0)
            return &okrd_settings[i];
    return NULL;
}

static bool parse_whole(const char *text, const okrd_setting *s, int64_t *out, char *why,
                        size_t why_len)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || isspace((unsigned char)text[0]) || text[0] == '+' ||
        v < s->min || v > s->max) {
        const char *unit = s->type == OPTION_BYTES ? " of bytes" : "";
        if (s->max == INT64_MAX)
            snprintf(why, why_len, "must be a whole number%s, at least %lld, not \"%s\"", unit,
                     (long long)s->min, text);
        else
            snprintf(why, why_len, "must be a whole number%s from %lld to %lld, not \"%s\"",
                     unit, (long long)s->min, (long long)s->max, text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_ratio(const char *text, double *out, char *why, size_t why_len)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || isspace((unsigned char)text[0]) || !(v >= 0 && v <= 1)) {
        snprintf(why, why_len, "must be a number from 0 to 1, not \"%s\"", text);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_bool(const char *text, bool *out, char *why, size_t why_len)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                 "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            *out = strcmp(text, yes[i]) == 0;
            return true;
        }
    }
    snprintf(why, why_len, "must be true or false, not \"%s\"", text);
    return false;
}

/* A text value must read back from the file unchanged: one line, no space
 * at either end (inih trims it), no " ;" (inih starts a comment there). */
static bool check_text(const char *text, char *why, size_t why_len)
{
    size_t len = strlen(text);
    const char *problem = NULL;
    if (len == 0)
        problem = "must not be empty";
    else if (isspace((unsigned char)text[0]) || isspace((unsigned char)text[len - 1]))
        problem = "must not start or end with a space";
    else if (strstr(text, " ;") || strstr(text, "\t;"))
        problem = "must not hold \" ;\" (the config file reads a comment there)";
    for (size_t i = 0; problem == NULL && i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            problem = "must be one line of printable text";
    if (problem)
        snprintf(why, why_len, "%s", problem);
    return problem == NULL;
}

bool options_set(okrd_options *o, const okrd_setting *s, const char *text, char *why,
                 size_t why_len)
{
    void *field = (char *)&o->cfg + s->offset;
    int64_t whole;
    switch (s->type) {
    case OPTION_TEXT: {
        if (!check_text(text, why, why_len))
            return false;
        char *copy = strdup(text);
        if (copy == NULL) {
            snprintf(why, why_len, "out of memory");
            return false;
        }
        size_t i = (size_t)(s - okrd_settings);
        free(o->owned[i]);
        o->owned[i] = copy;
        *(const char **)field = copy;
        return true;
    }
    case OPTION_BYTES:
        if (!parse_whole(text, s, &whole, why, why_len))
            return false;
        *(size_t *)field = (size_t)whole;
        return true;
    case OPTION_COUNT:
        if (!parse_whole(text, s, &whole, why, why_len))
            return false;
        *(uint64_t *)field = (uint64_t)whole;
        return true;
    case OPTION_INT:
        if (!parse_whole(text, s, &whole, why, why_len))
            return false;
        *(int *)field = (int)whole;
        return true;
    case OPTION_RATIO:
        return parse_ratio(text, (double *)field, why, why_len);
    case OPTION_BOOL:
        return parse_bool(text, (bool *)field, why, why_len);
    case OPTION_LEVEL:
        if (log_level_parse(text, (log_level *)field))
            return true;
        snprintf(why, why_len, "must be error, warn, info or debug, not \"%s\"", text);
        return false;
    }
    return false;
}

/* The shortest decimal that reads back as exactly v. */
static void format_double(double v, char *buf, size_t len)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

const char *options_value(const okrd_options *o, const okrd_setting *s, char *buf, size_t len)
{
    const void *field = (const char *)&o->cfg + s->offset;
    switch (s->type) {
    case OPTION_TEXT: snprintf(buf, len, "%s", *(const char *const *)field); break;
    case OPTION_BYTES: snprintf(buf, len, "%zu", *(const size_t *)field); break;
    case OPTION_COUNT:
        snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)field);
        break;
    case OPTION_INT: snprintf(buf, len, "%d", *(const int *)field); break;
    case OPTION_RATIO: format_double(*(const double *)field, buf, len); break;
    case OPTION_BOOL: snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false"); break;
    case OPTION_LEVEL: snprintf(buf, len, "%s", log_level_name(*(const log_level *)field)); break;
    }
    return buf;
}

/* ------------------------------------------------------------ defaults */

/* $XDG_DATA_HOME/okrd, else ~/.local/share/okrd, into buf. */
static const char *default_data_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0])
        snprintf(buf, len, "%s/okrd", xdg);
    else if (home && home[0])
        snprintf(buf, len, "%s/.local/share/okrd", home);
    else
        snprintf(buf, len, "okrd-data");
    return buf;
}

static int set_defaults(okrd_options *o)
{
    char why[512], data[4096];
    for (size_t i = 0; i < okrd_settings_count; i++) {
        const okrd_setting *s = &okrd_settings[i];
        const char *def = s->def ? s->def : default_data_dir(data, sizeof data);
        if (!options_set(o, s, def, why, sizeof why)) {
            fprintf(stderr, "okrd: the default of --%s (\"%s\") %s\n", s->flag, def, why);
            return 2;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the file */

/* inih gives the handler no line number: the reader counts the lines. */
typedef struct {
    FILE *f;
    okrd_options *o;
    int line;                         /* lines read so far */
    int set_on[OKRD_SETTINGS_MAX];    /* the line that set each key, 0 when none */
    int err_line;                     /* the first refused line, 0 when none */
    char err[768];
} file_reader;

static void file_refuse(file_reader *r, const char *key, const char *why)
{
    if (r->err_line)
        return;                       /* report the first problem only */
    r->err_line = r->line;
    snprintf(r->err, sizeof r->err, "key \"%s\": %s", key, why);
}

static char *read_line(char *str, int num, void *stream)
{
    file_reader *r = stream;
    if (fgets(str, num, r->f) == NULL)
        return NULL;
    r->line++;
    size_t len = strlen(str);
    if (len == (size_t)num - 1 && str[len - 1] != '\n') {
        int c;
        while ((c = fgetc(r->f)) != EOF && c != '\n')
            ;                         /* the rest of the over-long line */
        if (!r->err_line) {
            r->err_line = r->line;
            snprintf(r->err, sizeof r->err, "the line is longer than %d bytes", num - 2);
        }
    }
    return str;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    file_reader *r = user;
    char why[600], key[OKRD_KEY_MAX];
    const okrd_setting *s = options_find_key(name);
    if (section[0] != '\0') {
        snprintf(why, sizeof why, "is in section [%s]; okrd.conf has no sections", section);
        file_refuse(r, name, why);
    } else if (s == NULL) {
        const char *dash = strchr(name, '-');
        snprintf(key, sizeof key, "%s", name);
        for (char *p = key; dash && *p; p++)
            if (*p == '-')
                *p = '_';
        if (dash && options_find_key(key))
            snprintf(why, sizeof why, "unknown key; keys use '_': \"%s\"", key);
        else
            snprintf(why, sizeof why, "unknown key (okrd.conf(5) lists them)");
        file_refuse(r, name, why);
    } else if (r->set_on[s - okrd_settings]) {
        snprintf(why, sizeof why, "given twice (also on line %d)", r->set_on[s - okrd_settings]);
        file_refuse(r, name, why);
    } else if (!options_set(r->o, s, value, why, sizeof why)) {
        file_refuse(r, name, why);
    } else {
        r->set_on[s - okrd_settings] = r->line;
        return 1;
    }
    return 0;
}

/* Read path into o. Returns 0, 1 when it does not exist and need not, or 2
 * after printing why. */
static int read_config(okrd_options *o, const char *path, bool must_exist)
{
    file_reader r = {.o = o};
    r.f = fopen(path, "r");
    if (r.f == NULL) {
        if (!must_exist && errno == ENOENT)
            return 1;
        fprintf(stderr, "okrd: cannot read the config file %s: %s\n", path, strerror(errno));
        return 2;
    }
    snprintf(o->config_path, sizeof o->config_path, "%s", path);
    int line = ini_parse_stream(read_line, &r, on_entry, &r);
    int read_error = ferror(r.f) ? errno : 0;
    fclose(r.f);
    if (read_error) {
        fprintf(stderr, "okrd: cannot read the config file %s: %s\n", path,
                strerror(read_error));
        return 2;
    }
    if (line > 0 && (r.err_line == 0 || line < r.err_line))
        fprintf(stderr, "%s:%d: not a \"key = value\" line\n", path, line);
    else if (r.err_line)
        fprintf(stderr, "%s:%d: %s\n", path, r.err_line, r.err);
    else
        return 0;
    return 2;
}

/* ------------------------------------------------------------ argv */

enum { VAL_SETTING = 256, VAL_ACTION = 512, VAL_CONFIG = 1024 };

/* getopt_long's table and short-option string, built from both tables. */
static void build_getopt(struct option *longs, char *shorts)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < okrd_settings_count; i++) {
        const okrd_setting *s = &okrd_settings[i];
        int has = s->type == OPTION_BOOL ? optional_argument : required_argument;
        longs[n++] = (struct option){s->flag, has, NULL, VAL_SETTING + (int)i};
        if (s->short_flag) {
            shorts[k++] = s->short_flag;
            shorts[k++] = ':';
            if (has == optional_argument)
                shorts[k++] = ':';
        }
    }
    for (size_t i = 0; i < okrd_actions_count; i++) {
        const okrd_action_row *a = &okrd_actions[i];
        longs[n++] = (struct option){a->flag, a->arg ? required_argument : no_argument, NULL,
                                     VAL_ACTION + (int)i};
        if (a->short_flag) {
            shorts[k++] = a->short_flag;
            if (a->arg)
                shorts[k++] = ':';
        }
    }
    longs[n++] = (struct option){"config", required_argument, NULL, VAL_CONFIG};
    longs[n] = (struct option){NULL, 0, NULL, 0};
    shorts[k] = '\0';
}

/* getopt_long's answer as a value of longs: short flags map to their row. */
static int row_of(int opt)
{
    for (size_t i = 0; i < okrd_settings_count; i++)
        if (okrd_settings[i].short_flag && okrd_settings[i].short_flag == opt)
            return VAL_SETTING + (int)i;
    for (size_t i = 0; i < okrd_actions_count; i++)
        if (okrd_actions[i].short_flag && okrd_actions[i].short_flag == opt)
            return VAL_ACTION + (int)i;
    return opt;
}

typedef struct {
    const okrd_setting *setting;
    const char *text;
} flag_value;

static int take_action(okrd_options *o, size_t row)
{
    const okrd_action_row *a = &okrd_actions[row];
    o->action_arg[row] = optarg ? optarg : "";
    if (a->action == OKRD_PARAMETER)
        return 0;
    if (o->action != OKRD_SERVE && o->action != a->action) {
        for (size_t i = 0; i < okrd_actions_count; i++)
            if (okrd_actions[i].action == o->action)
                fprintf(stderr, "okrd: --%s and --%s are two actions; give one\n",
                        okrd_actions[i].flag, a->flag);
        return 2;
    }
    o->action = a->action;
    return 0;
}

/* Collect the flags in order (applied after the file); note the action and
 * --config. Returns 0, 1 for --help or --version (stop there), or 2. */
static int scan_argv(okrd_options *o, int argc, char **argv, flag_value *flags, size_t *n,
                     const char **config)
{
    struct option longs[OKRD_SETTINGS_MAX + OKRD_ACTIONS_MAX + 2];
    char shorts[3 * (OKRD_SETTINGS_MAX + OKRD_ACTIONS_MAX) + 1];
    build_getopt(longs, shorts);
    optind = 0;                       /* glibc: start afresh (tests parse twice) */
    int opt;
    while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        int v = row_of(opt);
        if (v >= VAL_CONFIG) {
            *config = optarg;
        } else if (v >= VAL_ACTION) {
            if (take_action(o, (size_t)(v - VAL_ACTION)) != 0)
                return 2;
            if (o->action == OKRD_HELP || o->action == OKRD_VERSION)
                return 1;
        } else if (v >= VAL_SETTING) {
            flags[*n].setting = &okrd_settings[v - VAL_SETTING];
            flags[(*n)++].text = optarg ? optarg : "true";
        } else {
            options_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "okrd: unexpected argument \"%s\"\n", argv[optind]);
        options_usage(stderr);
        return 2;
    }
    return 0;
}

static int apply_flags(okrd_options *o, const flag_value *flags, size_t n)
{
    char why[600];
    for (size_t i = 0; i < n; i++) {
        if (!options_set(o, flags[i].setting, flags[i].text, why, sizeof why)) {
            fprintf(stderr, "okrd: --%s: %s\n", flags[i].setting->flag, why);
            return 2;
        }
    }
    return 0;
}

/* Checks across settings, once every source is applied. */
static int check_together(const okrd_options *o)
{
    const score_health_settings *h = &o->cfg.health;
    if (h->at_risk > h->on_track) {
        fprintf(stderr, "okrd: at_risk (--at-risk) %g is above on_track (--on-track) %g; "
                        "it must not be\n", h->at_risk, h->on_track);
        return 2;
    }
    return 0;
}

int options_load(okrd_options *o, int argc, char **argv, const char *default_config)
{
    memset(o, 0, sizeof *o);
    o->action = OKRD_SERVE;
    flag_value *flags = calloc((size_t)argc + 1, sizeof *flags);
    size_t n = 0;
    const char *config = NULL;
    int rc = flags ? set_defaults(o) : 2;
    if (rc == 0)
        rc = scan_argv(o, argc, argv, flags, &n, &config);
    if (rc == 1) {                    /* --help, --version: nothing else matters */
        free(flags);
        return 0;
    }
    if (rc == 0 && (config || default_config)) {
        rc = read_config(o, config ? config : default_config, config != NULL);
        if (rc == 1)
            rc = 0;                   /* no default file: the defaults stand */
    }
    if (rc == 0)
        rc = apply_flags(o, flags, n);
    if (rc == 0)
        rc = check_together(o);
    free(flags);
    return rc;
}

void options_free(okrd_options *o)
{
    for (size_t i = 0; i < okrd_settings_count; i++) {
        free(o->owned[i]);
        o->owned[i] = NULL;
    }
}

/* ------------------------------------------------------------ output */

void options_print_config(const okrd_options *o, FILE *out)
{
    char key[OKRD_KEY_MAX], value[4200];
    fprintf(out, "# okrd settings in effect (okrd --print-config); see okrd.conf(5).\n");
    for (size_t i = 0; i < okrd_settings_count; i++) {
        const okrd_setting *s = &okrd_settings[i];
        fprintf(out, "%s = %s\n", options_key(s, key, sizeof key),
                options_value(o, s, value, sizeof value));
    }
}

void options_summary(const okrd_options *o, char *buf, size_t len)
{
    char key[OKRD_KEY_MAX], value[4200];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < okrd_settings_count && used < len; i++) {
        const okrd_setting *s = &okrd_settings[i];
        int n = snprintf(buf + used, len - used, "%s%s=%s", i ? " " : "",
                         options_key(s, key, sizeof key), options_value(o, s, value, sizeof value));
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

#define HELP_COLUMN 25

/* "  -d, --data DIR" padded to the help column (a line of its own if longer),
 * then the help text, each '\n' continuing under the column. */
static void usage_row(FILE *out, char short_flag, const char *flag, const char *arg,
                      const char *help, const char *def)
{
    char head[128];
    int n = snprintf(head, sizeof head, "  %c%c%s--%s%s%s", short_flag ? '-' : ' ',
                     short_flag ? short_flag : ' ', short_flag ? ", " : "  ", flag,
                     arg ? " " : "", arg ? arg : "");
    fprintf(out, "%s", head);
    if (n >= HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(out, "%*s", HELP_COLUMN - n, "");
    size_t col = HELP_COLUMN;
    for (const char *p = help; *p; p++) {
        fputc(*p, out);
        col++;
        if (*p == '\n') {
            fprintf(out, "%*s", HELP_COLUMN, "");
            col = HELP_COLUMN;
        }
    }
    if (def && col + strlen(def) + 11 > 80)
        fprintf(out, "\n%*s(default %s)", HELP_COLUMN, "", def);
    else if (def)
        fprintf(out, " (default %s)", def);
    fputc('\n', out);
}

void options_usage(FILE *out)
{
    fprintf(out,
            "usage: okrd [--config FILE] [SETTINGS] [ACTION]\n"
            "\n"
            "The okrd OKR server: keeps objectives, key results and check-ins in LMDB,\n"
            "answers okr clients over ZeroMQ and publishes live progress events.\n"
            "\n"
            "Settings (each is also a key of the config file, the flag's name with '_'\n"
            "for '-'; see okrd.conf(5); flags override the file):\n");
    for (size_t i = 0; i < okrd_settings_count; i++) {
        const okrd_setting *s = &okrd_settings[i];
        const char *def = s->def_help ? s->def_help : s->type == OPTION_BOOL ? NULL : s->def;
        usage_row(out, s->short_flag, s->flag, s->arg, s->help, def);
    }
    usage_row(out, 0, "config", "FILE", "read settings from FILE", OKRD_DEFAULT_CONFIG
              " when it exists");
    fprintf(out, "\nActions (instead of serving):\n");
    for (size_t i = 0; i < okrd_actions_count; i++) {
        const okrd_action_row *a = &okrd_actions[i];
        usage_row(out, a->short_flag, a->flag, a->arg, a->help, NULL);
    }
    fprintf(out, "\nUse tcp://127.0.0.1:* to bind a free port; the ready line on stderr "
                 "names it.\n");
}
