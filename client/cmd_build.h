/* cmd_build.h — private to cmd.c and cmd_build.c: the values collected from
 * one command line, and the handler (builder + output kind) bound to each
 * okr_cmd_id. Not for other modules: they go through cmd.h. */
#ifndef OKR_CLIENT_CMD_BUILD_H
#define OKR_CLIENT_CMD_BUILD_H

#include "cmd.h"

/* Option values as typed (NULL when not given) and the positional
 * arguments. Strings point into argv. */
typedef struct {
    char *name;                        /* period edit --name */
    char *start, *end, *parent, *team, *period, *owner, *title, *description;
    char *kind, *from, *to, *at_least, *at_most, *unit, *weight;
    char *confidence, *note, *limit, *count, *role, *key;
    char *user, *since, *until;
    char *progress;      /* obj add/edit --progress krs|aligned|both */
    char *json_file, *csv;   /* export --json FILE, --csv checkins */
    bool with_krs, from_reached;   /* carry */
    bool only;           /* obj list / tree --only: the team without its sub-teams */
    char *days, *as_of;  /* due --days N --as-of DATE */
    char *value, *at;    /* checkin edit --value, checkin --at */
    bool committed, aspirational, all, force, yes;
    bool prometheus;     /* status --prometheus */
    char *html;                        /* report --html FILE */
    char *lint_limit[LINT__LIMITS];    /* lint, report: --max-objectives N ... */
    bool verbose;        /* import -v/--verbose */
    char *align_to[OKR_MAX_ALIGN_TO];
    size_t n_align_to;
    char **pos;          /* positional arguments, count checked against the synopsis */
    int n_pos;
} cmd_args;

/* Check the values of `a` and fill r->request (body and body_case). On
 * error return false with a message in e. */
typedef bool (*cmd_build_fn)(cmd_request *r, const cmd_args *a, args_error *e);

typedef struct {
    cmd_build_fn build;
    cmd_output output;
} cmd_handler;

/* The handler bound to a command, or NULL if none is (cmd_self_check reports it). */
const cmd_handler *cmd_handler_of(okr_cmd_id id);

#endif
