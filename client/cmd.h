/* cmd.h — from the words of a command line to a request ready to send.
 *
 * Everything here is driven by the command table of common/commands.h:
 * which words name a command, which options it takes (getopt_long is built
 * from the table's option names), its positional arguments (the words that
 * begin its synopsis) and the help text. One builder per okr_cmd_id checks
 * the values (args.h) and fills the protobuf request.
 *
 * Parsing does no I/O and no allocation; only the help printers write, to the
 * FILE they are given. Parsing uses getopt_long, so it resets and uses
 * getopt's global state (optind, opterr) and permutes argv. */
#ifndef OKR_CLIENT_CMD_H
#define OKR_CLIENT_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "ids.h"
#include "lint.h"
#include "okr_limits.h"
#include "okr.pb-c.h"

/* How the reply to a command is shown in human (non-JSON) output. */
typedef enum {
    CMD_OUTPUT_ID,      /* an add: the new id (or name) alone on one line */
    CMD_OUTPUT_SCORES,  /* another mutation: one line per score that moved */
    CMD_OUTPUT_CHECKIN, /* checkin, checkin edit/delete: the scores that moved,
                         * or a line saying none did */
    CMD_OUTPUT_DATA,    /* a read: the reply rendered as a table, tree ... */
    CMD_OUTPUT_STREAM,  /* watch: a live stream of events (watch.c) */
    CMD_OUTPUT_PAGES,   /* log: events page by page, following next_seq (log.c) */
    CMD_OUTPUT_LOCAL,   /* keygen: runs on the client, sends nothing */
    CMD_OUTPUT_FILE,    /* export, import: a file in or out (export.c) */
    CMD_OUTPUT_COACH,   /* lint, report: several reads composed (coach.c) */
} cmd_output;

#define CMD_MAX_WATCH 64    /* ids one `watch` can follow */

/* A parsed command: the request to send and the storage it points into.
 * Its strings point into the argv it was parsed from, which must outlive it,
 * and it points into itself, so it must not be copied or moved. It owns no
 * heap memory: nothing to free. */
typedef struct {
    const okr_command *command;
    cmd_output output;
    const char *label;          /* printed for an add whose reply has no id */
    Okr__Request request;       /* version, request_id and user are left to conn */

    union {
        Okr__PeriodAdd period_add;
        Okr__PeriodList period_list;
        Okr__PeriodClose period_close;
        Okr__PeriodEdit period_edit;
        Okr__PeriodDelete period_delete;
        Okr__TeamAdd team_add;
        Okr__TeamList team_list;
        Okr__ObjectiveAdd objective_add;
        Okr__ObjectiveEdit objective_edit;
        Okr__ObjectiveGet objective_get;
        Okr__ObjectiveList objective_list;
        Okr__Align align;
        Okr__Unalign unalign;
        Okr__ObjectiveArchive objective_archive;
        Okr__ObjectiveDelete objective_delete;
        Okr__KeyResultAdd kr_add;
        Okr__KeyResultEdit kr_edit;
        Okr__KeyResultGet kr_get;
        Okr__KeyResultDelete kr_delete;
        Okr__CheckInAdd checkin;
        Okr__CheckInEdit checkin_edit;
        Okr__CheckInDelete checkin_delete;
        Okr__History history;
        Okr__TreeGet tree;
        Okr__StatusGet status;
        Okr__SnapshotGet snapshot;
        Okr__LogGet log;
        Okr__Backup backup;
        Okr__UserAdd user_add;
        Okr__UserList user_list;
        Okr__UserRole user_role;
        Okr__UserRemove user_remove;
        Okr__Export export;
        Okr__Import import_data;
        Okr__ObjectiveCarry carry;
        Okr__TeamEdit team_edit;
        Okr__TeamDelete team_delete;
        Okr__DueGet due;
    } body;
    Okr__User user;
    Okr__Period period;
    Okr__Team team;
    Okr__Objective objective;
    Okr__KeyResult kr;
    Okr__Alignment alignment;
    Okr__Alignment align_to[OKR_MAX_ALIGN_TO];
    Okr__Alignment *align_to_list[OKR_MAX_ALIGN_TO];
    char id[2][OKR_ID_BUF];                      /* canonical ids ("O12") */
    char align_id[OKR_MAX_ALIGN_TO][OKR_ID_BUF];
    /* watch: the nodes to follow (none: everything), where to start, when to stop */
    char watch_ids[CMD_MAX_WATCH][OKR_ID_BUF];
    int n_watch_ids;
    uint64_t from_seq;          /* 0: start from a snapshot */
    uint64_t count;             /* watch, log: stop after this many events; 0: never */
    bool force;                 /* keygen: replace an existing key */
    const char *file;           /* export --json FILE, import FILE */
    const char *csv;            /* export --csv checkins */
    const char *import_period;  /* import --period P */
    const char *next_of;        /* period next: the period to follow (cycle.c) */
    bool yes;                   /* obj delete --yes: do not ask first */
    bool prometheus;            /* status: print Prometheus text, not a view */
    /* lint, report (coach.c): the thresholds given as options, the page to write */
    uint32_t lint_limit[LINT__LIMITS];
    bool lint_set[LINT__LIMITS];
    const char *html_file;
    bool verbose;               /* import --verbose: say each part sent */
} cmd_request;

typedef enum {
    CMD_PARSE_OK,     /* *out holds a request */
    CMD_PARSE_HELP,   /* --help or -h was given: show the command's usage */
    CMD_PARSE_USAGE,  /* bad arguments: e->msg says why */
} cmd_parse_result;

/* The command named by the first words of argv: "obj add ..." or
 * "checkin ...". Sets *words to the number of words the name used (1 or 2).
 * Returns NULL with a message in e when no command matches. */
const okr_command *cmd_lookup(int argc, char *const *argv, int *words, args_error *e);

/* Parse a command's options and arguments. argv[0] is the command's last
 * name word ("add" of "obj add"); options may come before, between and after
 * the positional arguments, and "--" ends the options (for a negative value:
 * `checkin K1 -- -5`). Fills *out on CMD_PARSE_OK. */
cmd_parse_result cmd_parse(const okr_command *cmd, int argc, char **argv, cmd_request *out,
                           args_error *e);

/* The command's full name ("obj add", "checkin") into buf. Returns buf. */
const char *cmd_name(const okr_command *cmd, char *buf, size_t len);

/* The n-th positional argument of a command as its synopsis names it
 * ("TITLE", "[ID]", "[ID...]") into buf. False when the command takes fewer;
 * a word ending in "..." stands for every later position too. Completion
 * reads this to know what kind of value belongs where. */
bool cmd_positional(const okr_command *cmd, int n, char *buf, size_t len);

/* True when the long option `name` (without "--") takes a value. */
bool cmd_option_takes_value(const char *name);

/* The response body a request is answered with (NOT_SET for an unknown body). */
Okr__Response__BodyCase cmd_reply_body(Okr__Request__BodyCase body);

/* True for reads: requests that change nothing and so may be resent after a
 * timeout. Mutations (answered by Changed) must never be resent blindly. */
bool cmd_is_read(Okr__Request__BodyCase body);

/* What `help` can say about roles: the client knows it talks to a
 * secure-mode server when it has a server key, and otherwise to a local-mode
 * one, where every caller is admin. */
typedef enum {
    CMD_MODE_UNKNOWN,   /* say the role, as a rule of secure mode */
    CMD_MODE_LOCAL,     /* say the caller is admin here */
    CMD_MODE_SECURE,    /* say the role that is needed */
} cmd_mode;

/* "usage: okr obj add TITLE ..." and, with details, the summary and role. */
void cmd_print_usage(FILE *out, const okr_command *cmd, bool details);
void cmd_print_usage_in(FILE *out, const okr_command *cmd, bool details, cmd_mode mode);

/* Every command, one line each: name and summary. */
void cmd_print_commands(FILE *out);

/* `help TOPIC...`: a group ("obj") lists its commands, a command ("obj add",
 * "checkin") prints its usage with details. Returns false, with a message in
 * e, for an unknown topic. */
bool cmd_print_topic(FILE *out, int argc, char *const *argv, args_error *e);
bool cmd_print_topic_in(FILE *out, int argc, char *const *argv, cmd_mode mode, args_error *e);

/* Check that every command of the table has a handler and that every option
 * the table names is known to the parser. Run once at start: a false return
 * is a programming error (e says which). */
bool cmd_self_check(args_error *e);

#endif
