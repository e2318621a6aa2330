/* commands.c — the command table (see commands.h). Data plus two lookups. */
#include "commands.h"

#include <string.h>

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_OPTS ((const char *const[]){NULL})
#define BODY(x) OKR__REQUEST__BODY_##x
#define NO_BODY OKR__REQUEST__BODY__NOT_SET

const okr_command okr_commands[OKR_CMD__COUNT] = {
    {OKR_CMD_PERIOD_ADD, "period", "add", "NAME --start YYYY-MM-DD --end YYYY-MM-DD",
     "Create a cycle (e.g. 2026-Q4)", OPTS("start", "end"),
     BODY(PERIOD_ADD), NO_BODY},
    {OKR_CMD_PERIOD_LIST, "period", "list", "", "List cycles", NO_OPTS, BODY(PERIOD_LIST), NO_BODY},
    {OKR_CMD_PERIOD_CLOSE, "period", "close", "NAME",
     "Close a cycle: freeze its scores and grade them", NO_OPTS,
     BODY(PERIOD_CLOSE), NO_BODY},
    {OKR_CMD_PERIOD_REOPEN, "period", "reopen", "NAME", "Reopen a closed cycle",
     NO_OPTS, BODY(PERIOD_CLOSE), NO_BODY},
    {OKR_CMD_TEAM_ADD, "team", "add", "NAME [--parent TEAM]", "Create a team",
     OPTS("parent"), BODY(TEAM_ADD), NO_BODY},
    {OKR_CMD_TEAM_LIST, "team", "list", "",
     "List teams as a tree of sub-teams, with their objective counts", NO_OPTS,
     BODY(TEAM_LIST), NO_BODY},
    {OKR_CMD_OBJ_ADD, "obj", "add",
     "TITLE [--team T] [--period P] [--committed|--aspirational] [--owner U] "
     "[--description TEXT] [--align-to ID[:WEIGHT]]... [--progress krs|aligned|both]",
     "Create an objective", OPTS("team", "period", "committed", "aspirational",
     "owner", "description", "align-to", "progress"), BODY(OBJECTIVE_ADD), NO_BODY},
    {OKR_CMD_OBJ_EDIT, "obj", "edit",
     "ID [--title T] [--description TEXT] [--owner U] [--team T] "
     "[--committed|--aspirational] [--progress krs|aligned|both]",
     "Change an objective's fields", OPTS("title", "description", "owner", "team",
     "committed", "aspirational", "progress"), BODY(OBJECTIVE_EDIT), NO_BODY},
    {OKR_CMD_OBJ_SHOW, "obj", "show", "ID", "Show an objective with its KRs",
     NO_OPTS, BODY(OBJECTIVE_GET), NO_BODY},
    {OKR_CMD_OBJ_LIST, "obj", "list", "[--period P] [--team T [--only]] [--owner U] [--all]",
     "List objectives (--team includes its sub-teams, --only the team alone; --all "
     "includes archived)", OPTS("period", "team", "all", "owner", "only"),
     BODY(OBJECTIVE_LIST), NO_BODY},
    {OKR_CMD_OBJ_ALIGN, "obj", "align", "CHILD PARENT [--weight W]",
     "Align an objective to a parent objective or KR (or change the weight)",
     OPTS("weight"), BODY(ALIGN), NO_BODY},
    {OKR_CMD_OBJ_UNALIGN, "obj", "unalign", "CHILD PARENT", "Remove an alignment",
     NO_OPTS, BODY(UNALIGN), NO_BODY},
    {OKR_CMD_OBJ_ARCHIVE, "obj", "archive", "ID",
     "Archive an objective: it stops counting toward its parents", NO_OPTS, BODY(OBJECTIVE_ARCHIVE), NO_BODY},
    {OKR_CMD_OBJ_RESTORE, "obj", "restore", "ID", "Restore an archived objective",
     NO_OPTS, BODY(OBJECTIVE_ARCHIVE), NO_BODY},
    {OKR_CMD_OBJ_DELETE, "obj", "delete", "ID [--yes]",
     "Delete an objective, its KRs and its alignments (asks first; --yes does not)",
     OPTS("yes"), BODY(OBJECTIVE_DELETE), NO_BODY},
    {OKR_CMD_KR_ADD, "kr", "add",
     "OBJ TITLE [--kind metric|threshold|milestone|rollup] [--from V] [--to V] "
     "[--at-least V|--at-most V] [--unit U] [--weight W] [--owner U]",
     "Add a key result to an objective", OPTS("kind", "from", "to", "at-least",
     "at-most", "unit", "weight", "owner"), BODY(KR_ADD), NO_BODY},
    {OKR_CMD_KR_EDIT, "kr", "edit",
     "ID [--title T] [--kind K] [--from V] [--to V] [--at-least V|--at-most V] "
     "[--unit U] [--weight W] [--owner U]",
     "Change a key result's fields", OPTS("title", "kind", "from", "to", "at-least",
     "at-most", "unit", "weight", "owner"), BODY(KR_EDIT), NO_BODY},
    {OKR_CMD_KR_SHOW, "kr", "show", "ID", "Show a key result", NO_OPTS, BODY(KR_GET), NO_BODY},
    {OKR_CMD_KR_DELETE, "kr", "delete", "ID", "Delete a key result", NO_OPTS, BODY(KR_DELETE), NO_BODY},
    {OKR_CMD_CHECKIN, NULL, "checkin", "KR VALUE [--confidence C] [--note TEXT] [--at DATE]",
     "Record progress on a key result (milestones: done or 1, 0)",
     OPTS("confidence", "note", "at"), BODY(CHECKIN), NO_BODY},
    {OKR_CMD_HISTORY, NULL, "history", "ID [--limit N]",
     "Show a node's score over time (a key result's check-ins too)", OPTS("limit"),
     BODY(HISTORY), BODY(LOG)},
    {OKR_CMD_SHOW, NULL, "show", "ID", "Show an objective or key result", NO_OPTS, BODY(OBJECTIVE_GET), NO_BODY},
    {OKR_CMD_TREE, NULL, "tree", "[ID] [--period P] [--team T [--only]] [--owner U]",
     "Draw the alignment tree with scores (--team includes its sub-teams; --owner: "
     "objectives U owns or has a KR of)", OPTS("period", "team", "owner", "only"),
     BODY(TREE), NO_BODY},
    {OKR_CMD_STATUS, NULL, "status", "[--prometheus]",
     "Show the server's state and counters (--prometheus: in Prometheus text format)",
     OPTS("prometheus"), BODY(STATUS), NO_BODY},
    {OKR_CMD_WATCH, NULL, "watch", "[ID...] [--from SEQ] [--count N]",
     "Follow changes live, in order, without missing one (Ctrl-C stops)",
     OPTS("from", "count"), BODY(SNAPSHOT), BODY(REPLAY)},
    {OKR_CMD_USER_ADD, "user", "add", "NAME --role viewer|editor|admin --key PUBLIC_KEY",
     "Let a person in (secure mode): their name, role and public key", OPTS("role", "key"),
     BODY(USER_ADD), NO_BODY},
    {OKR_CMD_USER_LIST, "user", "list", "", "List users: name, role, key, who added them",
     NO_OPTS, BODY(USER_LIST), NO_BODY},
    {OKR_CMD_USER_ROLE, "user", "role", "NAME ROLE", "Change a user's role (viewer, editor, admin)",
     NO_OPTS, BODY(USER_ROLE), NO_BODY},
    {OKR_CMD_USER_REMOVE, "user", "remove", "NAME",
     "Remove a user: their key gets nothing more", NO_OPTS, BODY(USER_REMOVE), NO_BODY},
    {OKR_CMD_KEYGEN, NULL, "keygen", "[--force]",
     "Make your key pair for secure mode and print the public key", OPTS("force"),
     NO_BODY, NO_BODY},
    {OKR_CMD_LOG, NULL, "log", "[ID] [--user U] [--since DATE] [--until DATE] [--limit N]",
     "Show the audit log: who changed what, when (oldest first)",
     OPTS("user", "since", "until", "limit"), BODY(LOG), NO_BODY},
    {OKR_CMD_ADMIN_BACKUP, "admin", "backup", "PATH",
     "Copy the data, hot and compacted, into a new directory PATH on the server's machine "
     "(a new epoch: restore it with docs/operations.md)", NO_OPTS, BODY(BACKUP), NO_BODY},
    {OKR_CMD_PERIOD_EDIT, "period", "edit", "NAME [--start YYYY-MM-DD] [--end YYYY-MM-DD] "
     "[--name NEW]", "Change an open cycle's dates or name (its objectives follow)",
     OPTS("start", "end", "name"), BODY(PERIOD_EDIT), NO_BODY},
    {OKR_CMD_PERIOD_DELETE, "period", "delete", "NAME",
     "Delete a cycle that has no objectives", NO_OPTS, BODY(PERIOD_DELETE), NO_BODY},
    {OKR_CMD_EXPORT, NULL, "export", "[--period P] [--json FILE] [--csv checkins]",
     "Write every period, team, objective, KR, alignment and check-in as JSON (to FILE, "
     "else stdout), or the check-ins as CSV", OPTS("period", "json", "csv"),
     BODY(EXPORT), NO_BODY},
    {OKR_CMD_IMPORT, NULL, "import", "FILE [--period P] [--verbose]",
     "Load an export into an empty server, or one period of it into any server (new ids; "
     "all or nothing; a big file goes in parts, -v shows them)", OPTS("period", "verbose"),
     BODY(IMPORT_DATA), NO_BODY},
    {OKR_CMD_PERIOD_NEXT, "period", "next", "PERIOD [--name NAME]",
     "Create the cycle after PERIOD, as long and named after it (2026-Q4 -> 2027-Q1)",
     OPTS("name"), BODY(PERIOD_ADD), BODY(PERIOD_LIST)},
    {OKR_CMD_CARRY, NULL, "carry", "OBJ --to PERIOD [--with-krs] [--from-reached]",
     "Copy an objective (and its KRs) into another cycle, linked to its origin",
     OPTS("to", "with-krs", "from-reached"),
     BODY(CARRY), NO_BODY},
    {OKR_CMD_TEAM_EDIT, "team", "edit", "NAME [--name NEW] [--parent TEAM|-]",
     "Rename a team (its objectives and sub-teams follow) or move it under another "
     "(- for none)", OPTS("name", "parent"), BODY(TEAM_EDIT), NO_BODY},
    {OKR_CMD_TEAM_DELETE, "team", "delete", "NAME",
     "Delete a team that has no objectives and no sub-teams", NO_OPTS,
     BODY(TEAM_DELETE), NO_BODY},
    {OKR_CMD_DUE, NULL, "due", "[--user U] [--days N] [--as-of YYYY-MM-DD]",
     "List the KRs you (or U) own with no check-in for N days (default 7), most "
     "overdue first", OPTS("user", "days", "as-of"), BODY(DUE), NO_BODY},
    {OKR_CMD_CHECKIN_EDIT, "checkin", "edit",
     "ID [--value V] [--confidence C] [--note TEXT] [--at DATE]",
     "Correct a check-in (ID: its number in okr history); scores follow",
     OPTS("value", "confidence", "note", "at"), BODY(CHECKIN_EDIT), NO_BODY},
    {OKR_CMD_CHECKIN_DELETE, "checkin", "delete", "ID",
     "Delete a check-in (ID: its number in okr history); scores follow", NO_OPTS,
     BODY(CHECKIN_DELETE), NO_BODY},
    {OKR_CMD_RETRO, NULL, "retro", "PERIOD [--team T]",
     "Look back on a cycle per team: grades, check-in gaps, confidence, misses, notes",
     OPTS("team"), BODY(TREE), BODY(HISTORY)},
    {OKR_CMD_LINT, NULL, "lint", "[--period P] [--team T] [--max-objectives N] [--min-krs N] "
     "[--max-krs N] [--stale-days N]",
     "Coach: check a cycle's OKRs against good practice (exit 1 when there are findings)",
     OPTS("period", "team", "max-objectives", "min-krs", "max-krs", "stale-days"),
     BODY(TREE), BODY(OBJECTIVE_GET)},
    {OKR_CMD_REPORT, NULL, "report", "PERIOD --html FILE [--team T] [--max-objectives N] "
     "[--min-krs N] [--max-krs N] [--stale-days N]",
     "Write a cycle as one self-contained HTML page: the tree, scores, check-ins, findings",
     OPTS("html", "team", "max-objectives", "min-krs", "max-krs", "stale-days"),
     BODY(TREE), BODY(HISTORY)},
};

static int same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

const okr_command *commands_find(const char *group, const char *name)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        if (c->group == NULL ? group == NULL && same(c->name, name)
                             : same(c->group, group) && same(c->name, name))
            return c;
    }
    return NULL;
}

int commands_is_group(const char *word)
{
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        if (same(okr_commands[i].group, word))
            return 1;
    return 0;
}

int commands_is_local(const okr_command *cmd)
{
    return cmd->body == NO_BODY;
}

okr_role commands_role(const okr_command *cmd)
{
    okr_role role = requests_role(cmd->body);
    if (cmd->body_also != OKR__REQUEST__BODY__NOT_SET && requests_role(cmd->body_also) > role)
        role = requests_role(cmd->body_also);
    return role;
}
