/* render.h — human output: the id of a new node, score movements, key/value
 * views of one objective or KR, aligned tables for lists, sparklines and a
 * table for history, the server's status, and the alignment tree. Colour (health in green/yellow/red, ids in bold) only
 * when ctx->color is set, which the caller decides (a terminal, no
 * NO_COLOR); never an escape code otherwise. Writes to ctx->out only. */
#ifndef OKR_CLIENT_RENDER_H
#define OKR_CLIENT_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "okr.pb-c.h"

/* SGR escapes, written only when colour is on. */
#define RENDER_RESET "\033[0m"
#define RENDER_BOLD "\033[1m"
#define RENDER_DIM "\033[2m"
#define RENDER_RED "\033[31m"
#define RENDER_GREEN "\033[32m"
#define RENDER_YELLOW "\033[33m"

typedef struct {
    FILE *out;
    bool color;
    int width;            /* terminal columns to fit in; 0: not a terminal, no limit */
    const char *server;   /* the endpoint the reply came from (status shows it), or NULL */
    const char *origin_period;   /* show of a carried objective: its origin's period, or NULL */
} render_ctx;

/* Deepest level the tree descends to; deeper nodes are shown as "…". */
#define RENDER_TREE_MAX_DEPTH 32
/* The tree stops after this many lines (a DAG may repeat shared subtrees). */
#define RENDER_TREE_MAX_LINES 20000

/* One line per score that moved: "K1 0.000000 -> 0.500000". */
void render_changed(const render_ctx *ctx, const Okr__Changed *changed);

/* What an add prints: the new id (or `label` when not NULL, for an add whose
 * reply has no id) on the first line, then the scores it moved, as
 * render_changed (a KR or an alignment added to a scored tree moves its
 * parents). */
void render_added(const render_ctx *ctx, const char *label, const Okr__Changed *changed);

/* What `checkin`, `checkin edit` and `checkin delete` print: the scores
 * that moved, as render_changed, or, when none did (a backdated check-in, a
 * note, an older check-in), one line saying it was done: "check-in #12 on
 * K3; no score moved", "check-in #12 edited; no score moved". */
void render_checkin_change(const render_ctx *ctx, const Okr__Request *request,
                           const Okr__Changed *changed);

/* The data of a read reply (any body but Changed), by its body. tree_root is
 * the id a tree was asked for, or NULL. */
void render_data(const render_ctx *ctx, const Okr__Response *reply, const char *tree_root);

void render_objective_detail(const render_ctx *ctx, const Okr__ObjectiveDetail *d);
void render_kr_detail(const render_ctx *ctx, const Okr__KeyResultDetail *d);
void render_objectives(const render_ctx *ctx, const Okr__ObjectiveListReply *list);
void render_periods(const render_ctx *ctx, const Okr__PeriodListReply *list);
/* render_team.c: `team list` as a tree of sub-teams (CSV/TSV: flat rows
 * name, parent, objectives); `due` as a table, most overdue first. */
void render_teams(const render_ctx *ctx, const Okr__TeamListReply *list);
void render_due(const render_ctx *ctx, const Okr__DueReply *due);
/* A KR's owner: its own, else (*inherited true) its objective's, o may be
 * NULL (then ""). */
const char *render_kr_owner(const Okr__KeyResult *kr, const Okr__Objective *o,
                            bool *inherited);
/* A KR's check-ins: sparklines of their values and confidences, its score
 * (after `score_moves`, the sparkline of its score moves, when not NULL),
 * then one row per check-in. */
void render_history(const render_ctx *ctx, const Okr__HistoryReply *h, const char *score_moves);
/* Bytes of a buffer for render_event_words when its words go in a table cell. */
#define RENDER_EVENT_WORDS 256
void render_status(const render_ctx *ctx, const Okr__Status *s);
/* admin backup: where the copy is, its last seq, size and new epoch. */
void render_backup(const render_ctx *ctx, const Okr__BackupReply *b);
/* `user list`: name, role, public key, added by, added at. */
void render_users(const render_ctx *ctx, const Okr__UserListReply *list);

/* The alignment graph as an indented tree (render_tree.c): rooted at `root`
 * when it is in the graph, else at every objective without a parent in the
 * graph. Under an objective come its KRs, then the objectives aligned to it;
 * under a KR, the objectives aligned to it. A node with two parents appears
 * under both. Each line: branches, id, title (cut to ctx->width when set),
 * then in columns under a header: progress bar, score (3 decimals), health,
 * latest confidence. */
void render_tree(const render_ctx *ctx, const Okr__Graph *g, const char *root);

/* An event in words (render_log.c), the one wording of `log`, `watch` and
 * the shell's live lines. render_event_words: the change as the command
 * that made it is typed, "obj add O4 \"Grow revenue\" (team Sales, 2026-Q4)",
 * "period reopen 2026-Q4", into buf (cut to fit). render_event_line: one
 * line, "#12 2026-11-22 10:06 ana checkin K3 = 16 | K3 0.000->0.160 O1
 * 0.000->0.053": seq, time (UTC), actor, the words, then every score that
 * moved (green up, red down when color is set). */
void render_event_words(const Okr__Event *ev, char *buf, size_t len);
void render_event_line(FILE *out, const Okr__Event *ev, bool color);

/* The colour of a health or grade (NULL for none). */
const char *render_health_color(Okr__Health health);
const char *render_grade_color(Okr__Grade grade);

/* What a node's HEALTH column says: its grade once its period is closed
 * (grade != GRADE_NONE), else its health; *color gets the matching colour. */
const char *render_judgment(Okr__Health health, Okr__Grade grade, const char **color);

/* A KR's grade: graded like its objective (same goal) once the objective's
 * period is closed; GRADE_NONE while open or when owner is NULL. */
Okr__Grade render_kr_grade(const Okr__KeyResult *kr, const Okr__Objective *owner);

/* " (does not count: O1 scores from its KRs)" for an alignment whose parent
 * leaves the child out (Alignment.counts false), else "". Into buf. */
const char *render_uncounted(const Okr__Alignment *a, char *buf, size_t len);

/* "krs", "aligned" or "both". */
const char *render_source_name(Okr__ProgressSource source);

/* Write text in colour when ctx->color is set, plain otherwise. */
void render_paint(const render_ctx *ctx, const char *color, const char *text);

#endif
