/* commands.h — the one table of okr commands.
 *
 * Each row names a command as users type it ("obj add"), its synopsis and
 * help, its options (for completion) and the request body it sends. The
 * client's parser, `help` and tab completion read this table. A command's
 * role is its request body's, from the request-type table (requests.h) that
 * the server's permission check reads too, so the two can never disagree.
 * The client binds a handler to each okr_cmd_id; nothing here knows how a
 * command is carried out. */
#ifndef OKR_COMMANDS_H
#define OKR_COMMANDS_H

#include "okr.pb-c.h"
#include "requests.h"

typedef enum {
    OKR_CMD_PERIOD_ADD,
    OKR_CMD_PERIOD_LIST,
    OKR_CMD_PERIOD_CLOSE,
    OKR_CMD_PERIOD_REOPEN,
    OKR_CMD_TEAM_ADD,
    OKR_CMD_TEAM_LIST,
    OKR_CMD_OBJ_ADD,
    OKR_CMD_OBJ_EDIT,
    OKR_CMD_OBJ_SHOW,
    OKR_CMD_OBJ_LIST,
    OKR_CMD_OBJ_ALIGN,
    OKR_CMD_OBJ_UNALIGN,
    OKR_CMD_OBJ_ARCHIVE,
    OKR_CMD_OBJ_RESTORE,
    OKR_CMD_OBJ_DELETE,
    OKR_CMD_KR_ADD,
    OKR_CMD_KR_EDIT,
    OKR_CMD_KR_SHOW,
    OKR_CMD_KR_DELETE,
    OKR_CMD_CHECKIN,
    OKR_CMD_HISTORY,
    OKR_CMD_SHOW,
    OKR_CMD_TREE,
    OKR_CMD_STATUS,
    OKR_CMD_WATCH,
    OKR_CMD_USER_ADD,
    OKR_CMD_USER_LIST,
    OKR_CMD_USER_ROLE,
    OKR_CMD_USER_REMOVE,
    OKR_CMD_KEYGEN,
    OKR_CMD_LOG,
    OKR_CMD_ADMIN_BACKUP,
    OKR_CMD_PERIOD_EDIT,
    OKR_CMD_PERIOD_DELETE,
    OKR_CMD_EXPORT,
    OKR_CMD_IMPORT,
    OKR_CMD_PERIOD_NEXT,
    OKR_CMD_CARRY,
    OKR_CMD_TEAM_EDIT,
    OKR_CMD_TEAM_DELETE,
    OKR_CMD_DUE,
    OKR_CMD_CHECKIN_EDIT,
    OKR_CMD_CHECKIN_DELETE,
    OKR_CMD_RETRO,
    OKR_CMD_LINT,           /* coach: client/coach.c */
    OKR_CMD_REPORT,
    OKR_CMD__COUNT
} okr_cmd_id;

typedef struct {
    okr_cmd_id id;
    const char *group;                 /* "obj", or NULL for a top-level command */
    const char *name;                  /* "add" */
    const char *synopsis;              /* arguments, e.g. "KR VALUE [--note TEXT]" */
    const char *summary;               /* one line for `help` */
    const char *const *options;        /* long option names, NULL-terminated */
    Okr__Request__BodyCase body;       /* request it sends (NOT_SET: runs locally) */
    Okr__Request__BodyCase body_also;  /* a second request it may send (watch: replay) */
} okr_command;

extern const okr_command okr_commands[OKR_CMD__COUNT];

/* The row of a command typed as "group name" (or "name" for top-level
 * commands), or NULL. */
const okr_command *commands_find(const char *group, const char *name);

/* True when `word` is a command group ("obj", "kr", "period", "team", "user",
 * "checkin"). A group may also be a command of its own: `checkin KR VALUE`
 * beside `checkin edit ID` (cmd_lookup: a member's name wins). */
int commands_is_group(const char *word);

/* The least role that may run a command: the strictest role of the request
 * bodies it sends (common/requests.c). Meaningless for a local command
 * (body NOT_SET, such as keygen): check commands_is_local first. */
okr_role commands_role(const okr_command *cmd);

/* True for a command that runs on the client alone and sends nothing. */
int commands_is_local(const okr_command *cmd);

#endif
