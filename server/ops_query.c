/* ops_query.c — reads over the whole graph: the alignment tree and the
 * server status. Read-only. */
#include "ops.h"

#include <string.h>

#include "okr_limits.h"
#include "version.h"


/* The graph being collected: each node once, every edge between them. */
typedef struct {
    request *rq;
    Okr__Graph *g;
    const Okr__TreeGet *filter;
    node_set seen;
    size_t n_nodes;
    size_t cap_objectives, cap_krs, cap_alignments;
} tree_ctx;

static bool room_for_node(tree_ctx *c)
{
    if (c->n_nodes < OKR_MAX_LIST)
        return true;
    c->g->has_truncated = c->g->truncated = true;
    return false;
}

/* Add an objective to the graph; returns its view, or NULL when it is
 * archived, gone, or over the limit. */
static const Okr__Objective *add_objective(tree_ctx *c, okr_node node)
{
    Okr__Objective *o = room_for_node(c) ? store_get_objective(c->rq->txn, node) : NULL;
    if (o == NULL || o->archived)
        return NULL;
    Okr__Objective *view = view_objective(c->rq, node, o);
    ops_append(c->rq->mem, (void ***)&c->g->objectives, &c->g->n_objectives,
               &c->cap_objectives, view);
    c->n_nodes++;
    return view;
}

/* Add a KR (owner: its objective's record, or NULL to look it up). */
static bool add_kr(tree_ctx *c, okr_node node, const Okr__Objective *owner)
{
    Okr__KeyResult *kr = room_for_node(c) ? store_get_kr(c->rq->txn, node) : NULL;
    if (kr == NULL)
        return false;
    ops_append(c->rq->mem, (void ***)&c->g->krs, &c->g->n_krs, &c->cap_krs,
               view_kr(c->rq, node, kr, owner));
    c->n_nodes++;
    return true;
}

static void add_edge(tree_ctx *c, okr_node child, okr_node parent, uint32_t weight)
{
    ops_append(c->rq->mem, (void ***)&c->g->alignments, &c->g->n_alignments,
               &c->cap_alignments, view_alignment(c->rq, child, parent, weight));
}

/* Everything below root: KRs, objectives aligned to it or to its KRs. The
 * walk's stack carries each objective's record, so its KRs' views need not
 * read it again. */
typedef struct {
    okr_node node;
    const Okr__Objective *rec;       /* NULL for a KR */
} tree_step;

static void collect_below(tree_ctx *c, okr_node root)
{
    size_t cap = 64, top = 0;
    tree_step *stack = arena_alloc(c->rq->mem, cap * sizeof *stack);
    if (node_set_has(&c->seen, root))
        return;
    const Okr__Objective *root_rec = NULL;
    if (okr_node_is_kr(root) ? !add_kr(c, root, NULL) : !(root_rec = add_objective(c, root)))
        return;
    node_set_add(&c->seen, c->rq->mem, root);
    stack[top++] = (tree_step){root, root_rec};
    while (top > 0 && request_ok(c->rq)) {
        tree_step step = stack[--top];
        store_link *kids;
        size_t n = store_children(c->rq->txn, step.node, &kids);
        for (size_t i = 0; i < n; i++) {
            okr_node kid = kids[i].node;
            /* A KR's link to its objective is its `objective` field, not an
             * alignment; alignments name objectives as children. */
            bool alignment = !okr_node_is_kr(kid);
            if (node_set_has(&c->seen, kid)) {       /* a second parent: edge only */
                if (alignment)
                    add_edge(c, kid, step.node, kids[i].weight);
                continue;
            }
            const Okr__Objective *rec = NULL;
            if (alignment ? !(rec = add_objective(c, kid)) : !add_kr(c, kid, step.rec))
                continue;                            /* archived, gone, or over the limit */
            node_set_add(&c->seen, c->rq->mem, kid);
            if (alignment)
                add_edge(c, kid, step.node, kids[i].weight);
            if (top == cap) {
                tree_step *grown = arena_alloc(c->rq->mem, cap * 2 * sizeof *grown);
                memcpy(grown, stack, cap * sizeof *stack);
                stack = grown;
                cap *= 2;
            }
            stack[top++] = (tree_step){kid, rec};
        }
    }
}

static bool matches(const Okr__TreeGet *f, const Okr__Objective *o)
{
    return !o->archived && (!f->period || !f->period[0] || strcmp(f->period, o->period) == 0) &&
           (!f->team || !f->team[0] || (o->team && strcmp(f->team, o->team) == 0));
}

/* Roots for a whole-graph tree: matching objectives none of whose parents
 * match. Called in ascending id order for every objective, or for those of
 * the team's or period's index (store_foreach_objective): the objectives it
 * skips cannot match, so the roots, and their order, are the same. */
static bool collect_root(void *ctx, const MDB_val *key, const MDB_val *val)
{
    tree_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    if (o == NULL || !matches(c->filter, o))
        return o != NULL;
    okr_node id = okr_get_be32(key->mv_data);
    store_link *ups;
    size_t n = store_parents(c->rq->txn, id, &ups);
    for (size_t i = 0; i < n; i++) {
        Okr__Objective *p = graph_owner(c->rq->txn, ups[i].node);
        if (p && matches(c->filter, p))
            return true;             /* drawn under its parent instead */
    }
    collect_below(c, id);
    return !c->g->truncated;
}

/* TreeGet { root?, period?, team? } -> Graph
 * With a root: the root and everything aligned below it. Without: every
 * active objective matching period/team, starting from those whose parents
 * do not match, with everything below them. A team or period is looked up
 * in its index, so the cost follows the team's size, not the organisation's. */
void op_tree(request *rq, const Okr__TreeGet *in)
{
    okr_node root = 0;
    if (in->root && in->root[0]) {
        if (!need_node_id(rq, "root", in->root, &root))
            return;
        if ((okr_node_is_kr(root) ? (void *)need_kr(rq, "root", in->root, &root)
                                  : (void *)need_objective(rq, "root", in->root, &root)) == NULL)
            return;
    }
    if ((in->period && in->period[0] && need_period(rq, in->period) == NULL) ||
        (in->team && in->team[0] && need_team(rq, in->team) == NULL))
        return;
    Okr__Graph *g = ARENA_NEW(rq->mem, Okr__Graph, OKR__GRAPH__INIT);
    tree_ctx c = {.rq = rq, .g = g, .filter = in};
    node_set_init(&c.seen, rq->mem);
    if (root)
        collect_below(&c, root);
    else
        store_foreach_objective(rq->txn, in->period, in->team, collect_root, &c);
    rq->response->body_case = OKR__RESPONSE__BODY_GRAPH;
    rq->response->graph = g;
}

/* StatusGet {} -> Status */
void op_status(request *rq, const Okr__StatusGet *in)
{
    (void)in;
    store *st = rq->txn->st;
    Okr__Status *s = ARENA_NEW(rq->mem, Okr__Status, OKR__STATUS__INIT);
    s->version = OKR_VERSION;
    s->has_epoch = true;
    s->epoch.len = STORE_EPOCH_BYTES;
    s->epoch.data = st->epoch;
    s->has_last_seq = s->has_objectives = s->has_krs = s->has_checkins = true;
    s->has_data_bytes = s->has_started_at = true;
    s->last_seq = rq->last_seq;
    s->objectives = store_count(rq->txn, st->objectives);
    s->krs = store_count(rq->txn, st->krs);
    s->checkins = store_count(rq->txn, st->checkins);
    s->data_bytes = store_data_bytes(st);
    s->started_at = rq->started_at;
    s->actor = (char *)rq->actor;
    s->event_endpoint = (char *)rq->event_endpoint;
    s->has_secure = s->has_role = true;
    s->secure = rq->secure;
    s->role = (Okr__Role)rq->role;
    rq->response->body_case = OKR__RESPONSE__BODY_STATUS;
    rq->response->status = s;
}

/* ---- the clone pattern: snapshot and replay ---- */

typedef struct {
    request *rq;
    Okr__Snapshot *snap;
    size_t cap_objectives, cap_krs, cap_alignments;
} snapshot_ctx;

static bool snapshot_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    snapshot_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    if (o == NULL)
        return false;
    o->has_score = true;
    o->score = rollup_score(&c->rq->scores, okr_get_be32(key->mv_data));
    ops_append(c->rq->mem, (void ***)&c->snap->objectives, &c->snap->n_objectives,
               &c->cap_objectives, o);
    return true;
}

static bool snapshot_kr(void *ctx, const MDB_val *key, const MDB_val *val)
{
    snapshot_ctx *c = ctx;
    Okr__KeyResult *kr = store_unpack(c->rq->txn, &okr__key_result__descriptor, val);
    if (kr == NULL)
        return false;
    kr->has_score = true;
    kr->score = rollup_score(&c->rq->scores, okr_get_be32(key->mv_data));
    ops_append(c->rq->mem, (void ***)&c->snap->krs, &c->snap->n_krs, &c->cap_krs, kr);
    return true;
}

static bool snapshot_edge(void *ctx, const MDB_val *key, const MDB_val *val)
{
    snapshot_ctx *c = ctx;
    if (key->mv_size != 4 || val->mv_size != 8)
        return true;
    okr_node child = okr_get_be32(key->mv_data);
    okr_node parent = okr_get_be32(val->mv_data);
    uint32_t weight = okr_get_be32((const unsigned char *)val->mv_data + 4);
    ops_append(c->rq->mem, (void ***)&c->snap->alignments, &c->snap->n_alignments,
               &c->cap_alignments, view_alignment(c->rq, child, parent, weight));
    return true;
}

/* SnapshotGet {} -> Snapshot: every node with its score, every edge, and the
 * seq they are consistent with — all read in this one transaction. */
void op_snapshot(request *rq, const Okr__SnapshotGet *in)
{
    (void)in;
    store *st = rq->txn->st;
    Okr__Snapshot *snap = ARENA_NEW(rq->mem, Okr__Snapshot, OKR__SNAPSHOT__INIT);
    snap->has_epoch = snap->has_seq = true;
    snap->epoch.len = STORE_EPOCH_BYTES;
    snap->epoch.data = st->epoch;
    snap->seq = rq->last_seq;
    snapshot_ctx c = {.rq = rq, .snap = snap};
    store_foreach(rq->txn, st->objectives, snapshot_objective, &c);
    store_foreach(rq->txn, st->krs, snapshot_kr, &c);
    store_foreach(rq->txn, st->up, snapshot_edge, &c);
    rq->response->body_case = OKR__RESPONSE__BODY_SNAPSHOT;
    rq->response->snapshot = snap;
}

/* Replay { after_seq, limit? } -> EventList */
void op_replay(request *rq, const Okr__Replay *in)
{
    store *st = rq->txn->st;
    uint64_t first = store_first_seq(rq->txn);
    size_t limit = in->has_limit && in->limit > 0 ? in->limit : OKR_DEFAULT_REPLAY;
    if (limit > OKR_MAX_REPLAY)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "limit %zu is over the maximum of %d", limit, OKR_MAX_REPLAY);
    if (in->after_seq > rq->last_seq)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "after_seq %llu is ahead of the log (last seq %llu); a new "
                                  "epoch or a restore? take a snapshot",
                                  (unsigned long long)in->after_seq,
                                  (unsigned long long)rq->last_seq);
    if (in->after_seq < rq->last_seq && first > in->after_seq + 1)
        return (void)request_fail(rq, OKR__ERROR_CODE__NOT_FOUND,
                                  "events up to seq %llu have been pruned; take a snapshot",
                                  (unsigned long long)first - 1);
    Okr__EventList *list = ARENA_NEW(rq->mem, Okr__EventList, OKR__EVENT_LIST__INIT);
    list->has_epoch = list->has_first_seq = list->has_last_seq = true;
    list->epoch.len = STORE_EPOCH_BYTES;
    list->epoch.data = st->epoch;
    list->first_seq = first;
    list->last_seq = rq->last_seq;
    size_t cap = 0;
    for (uint64_t seq = in->after_seq + 1; seq <= rq->last_seq && list->n_events < limit; seq++) {
        MDB_val v;
        if (!store_get_event(rq->txn, seq, &v))
            break;
        Okr__Event *ev = store_unpack(rq->txn, &okr__event__descriptor, &v);
        if (ev == NULL)
            break;
        ops_append(rq->mem, (void ***)&list->events, &list->n_events, &cap, ev);
    }
    rq->response->body_case = OKR__RESPONSE__BODY_EVENTS;
    rq->response->events = list;
}
