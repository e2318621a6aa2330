/* ops.h — one handler per request body (DESIGN §2–3 rules live in them).
 *
 * Each handler validates its request, then changes the store through the
 * store_ and rollup_ calls, and fills rq->response (reads) or rq->subject
 * (mutations: the dispatcher turns those into the Changed reply and the
 * event). On any failure it calls request_fail and returns; the dispatcher
 * then rolls back the request's nested transaction, so a refused request
 * changes nothing. Handlers never touch sockets. */
#ifndef OKR_OPS_H
#define OKR_OPS_H

#include "request.h"

/* ops_period.c — cycles and teams */
void op_period_add(request *rq, const Okr__PeriodAdd *in);
void op_period_list(request *rq, const Okr__PeriodList *in);
void op_period_close(request *rq, const Okr__PeriodClose *in);
void op_period_edit(request *rq, const Okr__PeriodEdit *in);
void op_period_delete(request *rq, const Okr__PeriodDelete *in);

/* ops_team.c — teams, their hierarchy, and team scopes */
void op_team_add(request *rq, const Okr__TeamAdd *in);
void op_team_list(request *rq, const Okr__TeamList *in);
void op_team_edit(request *rq, const Okr__TeamEdit *in);
void op_team_delete(request *rq, const Okr__TeamDelete *in);
/* A team and (unless `only`) every team below it, all depths; n == 0: no
 * team filter (every objective is in scope, teamless ones too). */
typedef struct {
    const char **names;
    size_t n;
} team_scope;
/* The scope of `team` (NULL or "": no filter). False, with the request
 * failed (NOT_FOUND), when the team does not exist. */
bool team_scope_of(request *rq, const char *team, bool only, team_scope *out);
bool team_scope_has(const team_scope *s, const char *team);
/* store_foreach_objective over the scope: each objective that may be of one
 * of its teams (and of period, and match owner: its own or one of its KRs'),
 * once, in ascending id order, read through the by_team index; with no
 * team, through the owner index when owner is given (every period's when
 * period is unset), else the period index, else the whole table. It
 * narrows, fn still filters. */
void team_scope_foreach(request *rq, const team_scope *s, const char *period,
                        const char *owner, store_each_fn fn, void *ctx);

/* ops_due.c — owners (a KR's owner defaults to its objective's) and `due` */
/* The KR's owner: its own, else its objective's (o may be NULL). */
const char *owner_of_kr(const Okr__KeyResult *kr, const Okr__Objective *o);
/* The owner index (store_index_owner) as the owner rule files it: under
 * (owner, period), an objective and those of its KRs whose own owner
 * differs from its owner (the others are found through the objective).
 * owner_index_kr files one KR of o with owner kr_owner; owner_index_objective
 * files o and every KR of it, as o stands now: call it to remove before a
 * change of o's owner or period and to add after. */
void owner_index_kr(request *rq, okr_node kr, const char *kr_owner, const Okr__Objective *o,
                    const char *period, bool add);
void owner_index_objective(request *rq, okr_node id, const Okr__Objective *o,
                           const char *period, bool add);
/* True when a KR of objective `id` names `user` as its own owner. */
bool objective_has_kr_of(request *rq, okr_node id, const char *user);
void op_due(request *rq, const Okr__DueGet *in);

/* ops_objective.c — objectives and alignment */
void op_objective_add(request *rq, const Okr__ObjectiveAdd *in);
void op_objective_edit(request *rq, const Okr__ObjectiveEdit *in);
void op_objective_get(request *rq, const Okr__ObjectiveGet *in);
void op_objective_list(request *rq, const Okr__ObjectiveList *in);
void op_align(request *rq, const Okr__Align *in);
void op_unalign(request *rq, const Okr__Unalign *in);
void op_objective_archive(request *rq, const Okr__ObjectiveArchive *in);
void op_objective_delete(request *rq, const Okr__ObjectiveDelete *in);

/* ops_kr.c — key results */
void op_kr_add(request *rq, const Okr__KeyResultAdd *in);
void op_kr_edit(request *rq, const Okr__KeyResultEdit *in);
void op_kr_get(request *rq, const Okr__KeyResultGet *in);
void op_kr_delete(request *rq, const Okr__KeyResultDelete *in);
/* The objective (by id text) whose KRs and check-ins may change: it exists,
 * its period is open (PERIOD_CLOSED) and it is not archived (CONFLICT). */
Okr__Objective *need_live_objective(request *rq, const char *text, okr_node *id);

/* ops_checkin.c — check-ins: add (now or backdated), edit, delete, history */
void op_checkin(request *rq, const Okr__CheckInAdd *in);
void op_checkin_edit(request *rq, const Okr__CheckInEdit *in);
void op_checkin_delete(request *rq, const Okr__CheckInDelete *in);
void op_history(request *rq, const Okr__History *in);

/* ops_query.c — whole-graph reads, snapshot and replay (the clone pattern) */
void op_tree(request *rq, const Okr__TreeGet *in);
void op_status(request *rq, const Okr__StatusGet *in);
void op_snapshot(request *rq, const Okr__SnapshotGet *in);
void op_replay(request *rq, const Okr__Replay *in);

/* ops_log.c — the audit log: filtered, bounded reads of the event log */
void op_log(request *rq, const Okr__LogGet *in);

/* ops_admin.c — the hot backup */
void op_backup(request *rq, const Okr__Backup *in);
/* ops_user.c — secure mode's users (stored in local mode too) */
void op_user_add(request *rq, const Okr__UserAdd *in);
void op_user_list(request *rq, const Okr__UserList *in);
void op_user_role(request *rq, const Okr__UserRole *in);
void op_user_remove(request *rq, const Okr__UserRemove *in);

/* ops_export.c — the whole store (or one period) out as a Dump, and a Dump in */
void op_export(request *rq, const Okr__Export *in);
void op_import(request *rq, const Okr__Import *in);
/* ops_carry.c — an objective (and its KRs) carried into another period */
void op_carry(request *rq, const Okr__ObjectiveCarry *in);

/* view.c — records as clients see them: with score, health, grade. */
Okr__Objective *view_objective(request *rq, okr_node id, const Okr__Objective *rec);
/* owner: the KR's objective when the caller has it loaded, else NULL. */
Okr__KeyResult *view_kr(request *rq, okr_node id, const Okr__KeyResult *rec,
                        const Okr__Objective *owner);
Okr__Alignment *view_alignment(request *rq, okr_node child, okr_node parent, uint32_t weight);

/* graph.c — node sets and reachability in the alignment DAG. */
typedef struct {
    okr_node *slots;
    size_t cap, n;
} node_set;
void node_set_init(node_set *s, arena *mem);
bool node_set_has(const node_set *s, okr_node node);
/* Add node; true when it was not in the set yet. */
bool node_set_add(node_set *s, arena *mem, okr_node node);
/* Append to an arena array of pointers, doubling its capacity when full. */
void ops_append(arena *mem, void ***items, size_t *n, size_t *cap, void *item);

/* The objective a node belongs to: the node itself, or a KR's objective.
 * NULL when either record is missing. */
Okr__Objective *graph_owner(store_txn *t, okr_node node);
/* True when `target` is `from` or one of its ancestors (following up edges). */
bool graph_reaches_up(store_txn *t, okr_node from, okr_node target);

#endif
