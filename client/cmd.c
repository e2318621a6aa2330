/* cmd.c — the command line of one command, read through the command table:
 * finding the command its words name, collecting its options with
 * getopt_long and its positional arguments as its synopsis lists them,
 * handing them to its builder (cmd_build.c), and every help text derived
 * from the table. Never talks to the server. */
#include "cmd.h"

#include <assert.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "cmd_build.h"

/* Every option any command may take; the table says which one takes which.
 * Values start past the character range so they never clash with 'h'. */
enum {
    OPT_HELP = 'h',
    OPT_START = 256, OPT_END, OPT_PARENT, OPT_TEAM, OPT_PERIOD, OPT_OWNER, OPT_TITLE,
    OPT_DESCRIPTION, OPT_KIND, OPT_FROM, OPT_TO, OPT_AT_LEAST, OPT_AT_MOST, OPT_UNIT,
    OPT_WEIGHT, OPT_CONFIDENCE, OPT_NOTE, OPT_LIMIT, OPT_COMMITTED, OPT_ASPIRATIONAL,
    OPT_ALL, OPT_ALIGN_TO, OPT_COUNT, OPT_USER, OPT_SINCE, OPT_UNTIL, OPT_PROGRESS,
    OPT_ROLE, OPT_KEY, OPT_FORCE, OPT_NAME, OPT_JSON_FILE, OPT_CSV_KIND,
    OPT_WITH_KRS, OPT_FROM_REACHED,
    OPT_ONLY, OPT_DAYS, OPT_AS_OF, OPT_VALUE, OPT_AT, OPT_YES,
    OPT_PROMETHEUS,
    OPT_HTML, OPT_LINT_LIMIT,       /* lint, report: OPT_LINT_LIMIT + a lint_limit */
    OPT_LINT_LIMIT_LAST = OPT_LINT_LIMIT + LINT__LIMITS - 1,
    OPT_VERBOSE = 'v',        /* a short form too (import -v) */
};

static const struct option known_options[] = {
    {"start", required_argument, NULL, OPT_START},
    {"end", required_argument, NULL, OPT_END},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"team", required_argument, NULL, OPT_TEAM},
    {"period", required_argument, NULL, OPT_PERIOD},
    {"owner", required_argument, NULL, OPT_OWNER},
    {"title", required_argument, NULL, OPT_TITLE},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"kind", required_argument, NULL, OPT_KIND},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"at-least", required_argument, NULL, OPT_AT_LEAST},
    {"at-most", required_argument, NULL, OPT_AT_MOST},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"confidence", required_argument, NULL, OPT_CONFIDENCE},
    {"note", required_argument, NULL, OPT_NOTE},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"committed", no_argument, NULL, OPT_COMMITTED},
    {"aspirational", no_argument, NULL, OPT_ASPIRATIONAL},
    {"all", no_argument, NULL, OPT_ALL},
    {"align-to", required_argument, NULL, OPT_ALIGN_TO},
    {"count", required_argument, NULL, OPT_COUNT},
    {"user", required_argument, NULL, OPT_USER},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"role", required_argument, NULL, OPT_ROLE},
    {"key", required_argument, NULL, OPT_KEY},
    {"force", no_argument, NULL, OPT_FORCE},
    {"name", required_argument, NULL, OPT_NAME},
    {"json", required_argument, NULL, OPT_JSON_FILE},     /* export --json FILE */
    {"csv", required_argument, NULL, OPT_CSV_KIND},       /* export --csv checkins */
    {"with-krs", no_argument, NULL, OPT_WITH_KRS},
    {"from-reached", no_argument, NULL, OPT_FROM_REACHED},
    {"only", no_argument, NULL, OPT_ONLY},
    {"days", required_argument, NULL, OPT_DAYS},
    {"as-of", required_argument, NULL, OPT_AS_OF},
    {"value", required_argument, NULL, OPT_VALUE},
    {"at", required_argument, NULL, OPT_AT},
    {"yes", no_argument, NULL, OPT_YES},
    {"prometheus", no_argument, NULL, OPT_PROMETHEUS},
    {"html", required_argument, NULL, OPT_HTML},
    {"max-objectives", required_argument, NULL, OPT_LINT_LIMIT + LINT_MAX_OBJECTIVES},
    {"min-krs", required_argument, NULL, OPT_LINT_LIMIT + LINT_MIN_KRS},
    {"max-krs", required_argument, NULL, OPT_LINT_LIMIT + LINT_MAX_KRS},
    {"stale-days", required_argument, NULL, OPT_LINT_LIMIT + LINT_STALE_DAYS},
    {"verbose", no_argument, NULL, OPT_VERBOSE},          /* import -v */
};

#define N_KNOWN_OPTIONS (sizeof known_options / sizeof known_options[0])
#define CMD_MAX_OPTIONS 16          /* per command, besides --help */

/* ------------------------------------------------------------ the table */

const char *cmd_name(const okr_command *cmd, char *buf, size_t len)
{
    if (cmd->group)
        snprintf(buf, len, "%s %s", cmd->group, cmd->name);
    else
        snprintf(buf, len, "%s", cmd->name);
    return buf;
}

/* The names of a group's commands, "add, list, close" into buf. */
static void group_members(const char *group, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < OKR_CMD__COUNT && used < len; i++) {
        const okr_command *c = &okr_commands[i];
        if (c->group && strcmp(c->group, group) == 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                                     c->name);
    }
}

const okr_command *cmd_lookup(int argc, char *const *argv, int *words, args_error *e)
{
    char members[160];
    const okr_command *cmd = NULL;
    if (argc < 1) {
        args_fail(e, "no command given");
        return NULL;
    }
    if (!commands_is_group(argv[0]) ||
        (commands_find(NULL, argv[0]) != NULL &&
         (argc < 2 || commands_find(argv[0], argv[1]) == NULL))) {
        *words = 1;    /* a command, or a group that is one too (checkin) */
        cmd = commands_find(NULL, argv[0]);
        if (cmd == NULL)
            args_fail(e, "unknown command '%.40s' (try 'help')", argv[0]);
        return cmd;
    }
    group_members(argv[0], members, sizeof members);
    *words = 2;
    if (argc < 2 || argv[1][0] == '-')
        args_fail(e, "%s: which one? %s", argv[0], members);
    else if ((cmd = commands_find(argv[0], argv[1])) == NULL)
        args_fail(e, "unknown command '%s %.40s' (%s has: %s)", argv[0], argv[1], argv[0],
                  members);
    return cmd;
}

/* ------------------------------------------------------------ positionals */

/* The n-th word of a synopsis that names a positional argument ("TITLE",
 * "[ID]"): the words before the first option. Copies it into buf and returns
 * true, or false when there are fewer positional words. */
static bool synopsis_word(const char *synopsis, int n, char *buf, size_t len)
{
    const char *p = synopsis;
    for (int i = 0;; i++) {
        p += strspn(p, " ");
        size_t word = strcspn(p, " ");
        if (word == 0 || p[0] == '-' || (p[0] == '[' && p[1] == '-'))
            return false;
        if (i == n) {
            snprintf(buf, len, "%.*s", (int)word, p);
            return true;
        }
        p += word;
    }
}

/* How many positional arguments a command takes: [*min, *max]. A word
 * ending in "..." ("[ID...]") takes any number. */
static void positional_range(const okr_command *cmd, int *min, int *max)
{
    char word[64];
    int n = 0;
    *min = *max = 0;
    while (synopsis_word(cmd->synopsis, n, word, sizeof word)) {
        if (word[0] != '[')
            (*min)++;
        n++;
        *max = strstr(word, "...") ? INT_MAX : *max + 1;
    }
}

static bool check_positionals(const okr_command *cmd, const cmd_args *a, args_error *e)
{
    int min, max;
    char word[64];
    positional_range(cmd, &min, &max);
    if (a->n_pos < min) {
        synopsis_word(cmd->synopsis, a->n_pos, word, sizeof word);
        return args_fail(e, "missing %s", word);
    }
    if (a->n_pos > max)
        return args_fail(e, "unexpected argument '%.40s'", a->pos[max]);
    return true;
}

bool cmd_positional(const okr_command *cmd, int n, char *buf, size_t len)
{
    char word[64];
    for (int i = 0; i <= n && synopsis_word(cmd->synopsis, i, word, sizeof word); i++) {
        if (i == n || strstr(word, "...") != NULL) {   /* "[ID...]" repeats */
            snprintf(buf, len, "%s", word);
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------ options */

static const struct option *known_option(const char *name)
{
    for (size_t i = 0; i < N_KNOWN_OPTIONS; i++)
        if (strcmp(known_options[i].name, name) == 0)
            return &known_options[i];
    return NULL;
}

bool cmd_option_takes_value(const char *name)
{
    const struct option *o = known_option(name);
    return o != NULL && o->has_arg == required_argument;
}

/* The getopt_long table of a command: its options from the command table,
 * then --help, then the terminating zero entry. out has room for
 * CMD_MAX_OPTIONS + 2 entries. */
static bool command_options(const okr_command *cmd, struct option *out, args_error *e)
{
    size_t n = 0;
    for (const char *const *name = cmd->options; *name; name++) {
        const struct option *o = known_option(*name);
        if (o == NULL)
            return args_fail(e, "option --%s of '%s' is unknown to the parser", *name,
                             cmd->name);
        if (n == CMD_MAX_OPTIONS)
            return args_fail(e, "'%s' has more than %d options", cmd->name, CMD_MAX_OPTIONS);
        out[n++] = *o;
    }
    out[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    out[n] = (struct option){NULL, 0, NULL, 0};
    return true;
}

static bool store_option(cmd_args *a, int opt, char *value, args_error *e)
{
    switch (opt) {
    case OPT_START: a->start = value; break;
    case OPT_END: a->end = value; break;
    case OPT_PARENT: a->parent = value; break;
    case OPT_TEAM: a->team = value; break;
    case OPT_PERIOD: a->period = value; break;
    case OPT_OWNER: a->owner = value; break;
    case OPT_TITLE: a->title = value; break;
    case OPT_DESCRIPTION: a->description = value; break;
    case OPT_KIND: a->kind = value; break;
    case OPT_FROM: a->from = value; break;
    case OPT_TO: a->to = value; break;
    case OPT_AT_LEAST: a->at_least = value; break;
    case OPT_AT_MOST: a->at_most = value; break;
    case OPT_UNIT: a->unit = value; break;
    case OPT_WEIGHT: a->weight = value; break;
    case OPT_CONFIDENCE: a->confidence = value; break;
    case OPT_NOTE: a->note = value; break;
    case OPT_LIMIT: a->limit = value; break;
    case OPT_COUNT: a->count = value; break;
    case OPT_USER: a->user = value; break;
    case OPT_SINCE: a->since = value; break;
    case OPT_UNTIL: a->until = value; break;
    case OPT_PROGRESS: a->progress = value; break;
    case OPT_ROLE: a->role = value; break;
    case OPT_KEY: a->key = value; break;
    case OPT_FORCE: a->force = true; break;
    case OPT_NAME: a->name = value; break;
    case OPT_JSON_FILE: a->json_file = value; break;
    case OPT_CSV_KIND: a->csv = value; break;
    case OPT_ONLY: a->only = true; break;
    case OPT_DAYS: a->days = value; break;
    case OPT_AS_OF: a->as_of = value; break;
    case OPT_VALUE: a->value = value; break;
    case OPT_AT: a->at = value; break;
    case OPT_YES: a->yes = true; break;
    case OPT_COMMITTED: a->committed = true; break;
    case OPT_ASPIRATIONAL: a->aspirational = true; break;
    case OPT_ALL: a->all = true; break;
    case OPT_WITH_KRS: a->with_krs = true; break;
    case OPT_FROM_REACHED: a->from_reached = true; break;
    case OPT_PROMETHEUS: a->prometheus = true; break;
    case OPT_HTML: a->html = value; break;
    case OPT_LINT_LIMIT + LINT_MAX_OBJECTIVES:
    case OPT_LINT_LIMIT + LINT_MIN_KRS:
    case OPT_LINT_LIMIT + LINT_MAX_KRS:
    case OPT_LINT_LIMIT + LINT_STALE_DAYS:
        a->lint_limit[opt - OPT_LINT_LIMIT] = value;
        break;
    case OPT_VERBOSE: a->verbose = true; break;
    case OPT_ALIGN_TO:
        if (a->n_align_to == OKR_MAX_ALIGN_TO)
            return args_fail(e, "--align-to: at most %d parents", OKR_MAX_ALIGN_TO);
        a->align_to[a->n_align_to++] = value;
        break;
    default:
        return args_fail(e, "option %d has no place to go", opt);   /* cannot happen */
    }
    return true;
}

/* How many of the options begin with the `len` bytes of `prefix`. */
static int options_matching(const struct option *options, const char *prefix, size_t len)
{
    int n = 0;
    for (const struct option *o = options; o->name; o++)
        n += strncmp(o->name, prefix, len) == 0;
    return n;
}

/* The message for getopt's '?': `arg` is the argument it stopped at. */
static bool unknown_option(const struct option *options, const char *arg, args_error *e)
{
    if (optopt >= '0' && optopt <= '9')
        return args_fail(e, "unknown option '-%c' (a negative number goes after --, "
                            "as in: checkin K1 -- -5)", optopt);
    if (optopt != 0)
        return args_fail(e, "unknown option '-%c'", optopt);
    if (strncmp(arg, "--", 2) == 0) {
        size_t len = strcspn(arg + 2, "=");
        if (options_matching(options, arg + 2, len) > 1)
            return args_fail(e, "ambiguous option '%.*s'", (int)len + 2, arg);
    }
    return args_fail(e, "unknown option '%.40s'", arg);
}

/* Collect the options and positional arguments of argv into *a. */
static cmd_parse_result collect(const okr_command *cmd, int argc, char **argv, cmd_args *a,
                                args_error *e)
{
    struct option options[CMD_MAX_OPTIONS + 2];
    int opt;

    memset(a, 0, sizeof *a);
    if (!command_options(cmd, options, e))
        return CMD_PARSE_USAGE;
    optind = 0;   /* glibc: start afresh, forgetting any earlier argv */
    opterr = 0;   /* the messages are ours */
    /* -v only where the command has --verbose */
    bool has_v = false;
    for (const struct option *o = options; o->name; o++)
        has_v |= o->val == OPT_VERBOSE;
    while ((opt = getopt_long(argc, argv, has_v ? ":hv" : ":h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_HELP:
            return CMD_PARSE_HELP;
        case '?':
            unknown_option(options, argv[optind - 1], e);
            return CMD_PARSE_USAGE;
        case ':':
            args_fail(e, "%.40s needs a value", argv[optind - 1]);
            return CMD_PARSE_USAGE;
        default:
            if (!store_option(a, opt, optarg, e))
                return CMD_PARSE_USAGE;
        }
    }
    a->pos = argv + optind;
    a->n_pos = argc - optind;
    return check_positionals(cmd, a, e) ? CMD_PARSE_OK : CMD_PARSE_USAGE;
}

cmd_parse_result cmd_parse(const okr_command *cmd, int argc, char **argv, cmd_request *out,
                           args_error *e)
{
    cmd_args a;
    cmd_parse_result result = collect(cmd, argc, argv, &a, e);
    if (result != CMD_PARSE_OK)
        return result;

    const cmd_handler *h = cmd_handler_of(cmd->id);
    assert(h != NULL);   /* cmd_self_check proved it at start */
    memset(out, 0, sizeof *out);
    out->command = cmd;
    out->output = h->output;
    okr__request__init(&out->request);
    if (!h->build(out, &a, e))
        return CMD_PARSE_USAGE;
    /* The table says which body a command sends; `show` and `history` pick by id. */
    assert(out->request.body_case == cmd->body || cmd->id == OKR_CMD_SHOW ||
           cmd->id == OKR_CMD_HISTORY);
    return CMD_PARSE_OK;
}

/* ------------------------------------------------------------ requests */

Okr__Response__BodyCase cmd_reply_body(Okr__Request__BodyCase body)
{
    return requests_reply(body);
}

bool cmd_is_read(Okr__Request__BodyCase body)
{
    return requests_find(body) != NULL && !requests_mutates(body);
}

/* ------------------------------------------------------------ help */

/* The line about who may run a command. Local mode enforces no role, so
 * help must not pretend it does. */
static void print_role(FILE *out, const okr_command *cmd, cmd_mode mode)
{
    const char *role = requests_role_name(commands_role(cmd));
    if (commands_is_local(cmd))
        fprintf(out, "Runs on this machine; sends nothing to the server.\n");
    else if (mode == CMD_MODE_LOCAL)
        fprintf(out, "Local mode (no server key is set): every caller is admin; a "
                     "secure-mode server needs the %s role.\n", role);
    else if (mode == CMD_MODE_SECURE)
        fprintf(out, "Needs the %s role.\n", role);
    else
        fprintf(out, "Needs the %s role in secure mode.\n", role);
}

void cmd_print_usage_in(FILE *out, const okr_command *cmd, bool details, cmd_mode mode)
{
    char name[64];
    cmd_name(cmd, name, sizeof name);
    fprintf(out, "usage: okr %s%s%s\n", name, cmd->synopsis[0] ? " " : "", cmd->synopsis);
    if (details) {
        fprintf(out, "%s.\n", cmd->summary);
        print_role(out, cmd, mode);
    }
}

void cmd_print_usage(FILE *out, const okr_command *cmd, bool details)
{
    cmd_print_usage_in(out, cmd, details, CMD_MODE_UNKNOWN);
}

static void print_command_line(FILE *out, const okr_command *cmd)
{
    char name[64];
    fprintf(out, "  %-16s %s\n", cmd_name(cmd, name, sizeof name), cmd->summary);
}

void cmd_print_commands(FILE *out)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        print_command_line(out, &okr_commands[i]);
    fprintf(out, "  %-16s %s\n", "help [COMMAND]", "Show this help, or one command's");
}

bool cmd_print_topic(FILE *out, int argc, char *const *argv, args_error *e)
{
    return cmd_print_topic_in(out, argc, argv, CMD_MODE_UNKNOWN, e);
}

bool cmd_print_topic_in(FILE *out, int argc, char *const *argv, cmd_mode mode, args_error *e)
{
    if (argc == 1 && commands_is_group(argv[0])) {
        const okr_command *itself = commands_find(NULL, argv[0]);
        if (itself != NULL)
            cmd_print_usage_in(out, itself, true, mode);
        for (int i = 0; i < OKR_CMD__COUNT; i++) {
            const okr_command *c = &okr_commands[i];
            if (c->group && strcmp(c->group, argv[0]) == 0)
                print_command_line(out, c);
        }
        return true;
    }
    int words;
    const okr_command *cmd = cmd_lookup(argc, argv, &words, e);
    if (cmd == NULL)
        return false;
    if (words != argc)
        return args_fail(e, "help takes one command, not '%.40s'", argv[words]);
    cmd_print_usage_in(out, cmd, true, mode);
    return true;
}

/* ------------------------------------------------------------ self check */

bool cmd_self_check(args_error *e)
{
    struct option options[CMD_MAX_OPTIONS + 2];
    char name[64];
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *cmd = &okr_commands[i];
        if ((int)cmd->id != i)
            return args_fail(e, "command table row %d has id %d", i, (int)cmd->id);
        if (cmd_handler_of(cmd->id) == NULL)
            return args_fail(e, "no handler for '%s'", cmd_name(cmd, name, sizeof name));
        if (!command_options(cmd, options, e))
            return false;
    }
    return true;
}
