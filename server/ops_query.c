/* ops_query.c — reads over the whole graph: the alignment tree, the server
 * status, and the clone pattern's paged snapshot and replay. Read-only
 * (snapshot cursors are snapshot.c's). */
#include "ops.h"

#include <string.h>

#include "metrics.h"
#include "okr_limits.h"
#include "peer.h"
#include "publish.h"
#include "snapshot.h"
#include "version.h"


/* The graph being collected: each node once, every edge between them. */
typedef struct {
    request *rq;
    Okr__Graph *g;
    const Okr__TreeGet *filter;
    team_scope teams;               /* the team filter: the team and its sub-teams */
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

/* The root filters: period, team scope, owner (the objective's, or one of
 * its KRs' own). */
static bool matches(tree_ctx *c, okr_node id, const Okr__Objective *o)
{
    const Okr__TreeGet *f = c->filter;
    if (o->archived || (f->period && f->period[0] && strcmp(f->period, o->period) != 0) ||
        (c->teams.n && (!o->team || !team_scope_has(&c->teams, o->team))))
        return false;
    return !f->owner || !f->owner[0] || (o->owner && strcmp(f->owner, o->owner) == 0) ||
           objective_has_kr_of(c->rq, id, f->owner);
}

/* Roots for a whole-graph tree: matching objectives none of whose parents
 * match. Called in ascending id order for every objective, or for those of
 * the team's or period's index (store_foreach_objective): the objectives it
 * skips cannot match, so the roots, and their order, are the same. */
static bool collect_root(void *ctx, const MDB_val *key, const MDB_val *val)
{
    tree_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    okr_node id = okr_get_be32(key->mv_data), pid;
    if (o == NULL || !matches(c, id, o))
        return o != NULL;
    store_link *ups;
    size_t n = store_parents(c->rq->txn, id, &ups);
    for (size_t i = 0; i < n; i++) {
        Okr__Objective *p = graph_owner(c->rq->txn, ups[i].node);
        if (p && okr_id_parse(p->id, &pid) && matches(c, pid, p))
            return true;             /* drawn under its parent instead */
    }
    collect_below(c, id);
    return !c->g->truncated;
}

/* TreeGet { root?, period?, team?, owner?, only_team? } -> Graph
 * With a root: the root and everything aligned below it. Without: every
 * active objective matching period/team (with its sub-teams unless
 * only_team)/owner, starting from those whose parents do not match, with
 * everything below them. A team or period is looked up in its index (each
 * team of the scope's), so the cost follows the team's size, not the
 * organisation's. */
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
    tree_ctx c = {.rq = rq, .filter = in};
    if ((in->period && in->period[0] && need_period(rq, in->period) == NULL) ||
        !team_scope_of(rq, in->team, in->only_team, &c.teams) ||
        (in->owner && !need_name(rq, "owner", in->owner, OKR_MAX_NAME, false)))
        return;
    Okr__Graph *g = c.g = ARENA_NEW(rq->mem, Okr__Graph, OKR__GRAPH__INIT);
    node_set_init(&c.seen, rq->mem);
    if (root)
        collect_below(&c, root);
    else
        team_scope_foreach(rq, &c.teams, in->period, in->owner, collect_root, &c);
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
    if (rq->peers) {
        s->has_peers_throttled = s->has_requests_dropped = true;
        s->has_reply_bytes_queued = s->has_peers = true;
        s->peers_throttled = rq->peers->throttled;
        s->requests_dropped = rq->peers->dropped;
        s->reply_bytes_queued = atomic_load(&rq->peers->in_flight);
        s->peers = rq->peers->n;
    }
    if (rq->pub) {
        s->has_subscriptions = s->has_subscriptions_refused = s->has_subscribers_dropped = true;
        s->subscriptions = publish_subscriptions(rq->pub);
        s->subscriptions_refused = publish_refused(rq->pub);
        s->subscribers_dropped = publish_dropped(rq->pub);
        s->has_subscribers = publish_subscribers(rq->pub, &s->subscribers);
    }
    s->has_map_bytes = true;
    s->map_bytes = st->map_size;
    if (rq->metrics)
        metrics_fill_status(rq->metrics, s, rq->mem);
    s->has_secure = s->has_role = true;
    s->secure = rq->secure;
    s->role = (Okr__Role)rq->role;
    rq->response->body_case = OKR__RESPONSE__BODY_STATUS;
    rq->response->status = s;
}

/* ---- the clone pattern: paged snapshots and replay ----
 *
 * A snapshot is objectives (by id), then KRs, then edges (child, then
 * parent), cut into pages of at most `limit` items and about
 * OKR_SNAPSHOT_PAGE_BYTES. A page that is not the last names where the next
 * one starts: `next`, opaque to clients, is
 *   [phase 1][page be32][key be32][value 8]
 * (the first item of the next page: its key, and for an edge its dup
 * value). A first page that fits alone needs no cursor and is read from the
 * request's own transaction; otherwise every page is read from the
 * cursor's (snapshot.c), so all pages are one state. */

enum { PHASE_OBJECTIVES = 1, PHASE_KRS = 2, PHASE_EDGES = 3 };
#define POS_BYTES 17
#define ITEM_OVERHEAD 16   /* field tag, length, and the score added to a record */
#define EDGE_BYTES 48      /* an Alignment: two ids and a weight, framed */

typedef struct {
    unsigned phase;
    uint32_t page;
    unsigned char key[4], val[8];
    bool has_key;
} page_pos;

typedef struct {
    request *rq;
    Okr__Snapshot *snap;
    rollup scores;                  /* read through the page's transaction */
    size_t cap_objectives, cap_krs, cap_alignments;
    size_t items, limit, bytes;
    bool full;                      /* stopped: stop holds the first item left out */
    page_pos stop;
} page_ctx;

/* Room for one more item of `size` bytes? If not, remember where to go on. */
static bool page_room(page_ctx *c, unsigned phase, const MDB_val *key, const MDB_val *val,
                      size_t size)
{
    if (c->items > 0 && (c->items >= c->limit || c->bytes + size > OKR_SNAPSHOT_PAGE_BYTES)) {
        c->full = true;
        c->stop.phase = phase;
        c->stop.has_key = key->mv_size == 4;
        if (c->stop.has_key)
            memcpy(c->stop.key, key->mv_data, 4);
        if (val && val->mv_size == 8)
            memcpy(c->stop.val, val->mv_data, 8);
        return false;
    }
    c->items++;
    c->bytes += size;
    return true;
}

static bool snapshot_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    page_ctx *c = ctx;
    if (key->mv_size != 4)
        return true;                 /* not a record key: --verify reports it */
    if (!page_room(c, PHASE_OBJECTIVES, key, NULL, val->mv_size + ITEM_OVERHEAD))
        return false;
    Okr__Objective *o = store_unpack(c->scores.txn, &okr__objective__descriptor, val);
    if (o == NULL)
        return false;
    o->has_score = true;
    o->score = rollup_score(&c->scores, okr_get_be32(key->mv_data));
    ops_append(c->rq->mem, (void ***)&c->snap->objectives, &c->snap->n_objectives,
               &c->cap_objectives, o);
    return true;
}

static bool snapshot_kr(void *ctx, const MDB_val *key, const MDB_val *val)
{
    page_ctx *c = ctx;
    if (key->mv_size != 4)
        return true;                 /* not a record key: --verify reports it */
    if (!page_room(c, PHASE_KRS, key, NULL, val->mv_size + ITEM_OVERHEAD))
        return false;
    Okr__KeyResult *kr = store_unpack(c->scores.txn, &okr__key_result__descriptor, val);
    if (kr == NULL)
        return false;
    kr->has_score = true;
    kr->score = rollup_score(&c->scores, okr_get_be32(key->mv_data));
    ops_append(c->rq->mem, (void ***)&c->snap->krs, &c->snap->n_krs, &c->cap_krs, kr);
    return true;
}

static bool snapshot_edge(void *ctx, const MDB_val *key, const MDB_val *val)
{
    page_ctx *c = ctx;
    if (key->mv_size != 4 || val->mv_size != 8)
        return true;
    if (!page_room(c, PHASE_EDGES, key, val, EDGE_BYTES))
        return false;
    okr_node child = okr_get_be32(key->mv_data);
    okr_node parent = okr_get_be32(val->mv_data);
    uint32_t weight = okr_get_be32((const unsigned char *)val->mv_data + 4);
    ops_append(c->rq->mem, (void ***)&c->snap->alignments, &c->snap->n_alignments,
               &c->cap_alignments, view_alignment(c->rq, child, parent, weight));
    return true;
}

/* Read one page from txn, starting at pos, into a fresh Snapshot. */
static Okr__Snapshot *read_page(request *rq, store_txn *txn, const page_pos *pos, size_t limit,
                                page_ctx *c)
{
    store *st = txn->st;
    memset(c, 0, sizeof *c);
    c->rq = rq;
    c->limit = limit;
    c->snap = ARENA_NEW(rq->mem, Okr__Snapshot, OKR__SNAPSHOT__INIT);
    rollup_begin(&c->scores, txn);
    const MDB_dbi dbis[] = {st->objectives, st->krs, st->up};
    const store_each_fn fns[] = {snapshot_objective, snapshot_kr, snapshot_edge};
    for (unsigned phase = PHASE_OBJECTIVES; phase <= PHASE_EDGES; phase++) {
        if (phase < pos->phase || c->full || txn->rc)
            continue;
        bool here = phase == pos->phase && pos->has_key;
        MDB_val k = {4, (void *)pos->key}, v = {8, (void *)pos->val};
        store_foreach_from(txn, dbis[phase - 1], here ? &k : NULL,
                           here && phase == PHASE_EDGES ? &v : NULL, fns[phase - 1], c);
    }
    return c->snap;
}

static void encode_pos(request *rq, const page_pos *p, ProtobufCBinaryData *out)
{
    unsigned char *b = arena_alloc(rq->mem, POS_BYTES);
    memset(b, 0, POS_BYTES);
    b[0] = (unsigned char)p->phase;
    okr_put_be32(b + 1, p->page);
    memcpy(b + 5, p->key, 4);
    memcpy(b + 9, p->val, 8);
    out->len = POS_BYTES;
    out->data = b;
}

static bool decode_pos(request *rq, const Okr__SnapshotGet *in, page_pos *p)
{
    const unsigned char *b = in->next.data;
    if (!in->has_next || in->next.len != POS_BYTES || b[0] < PHASE_OBJECTIVES ||
        b[0] > PHASE_EDGES)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "next is not a position this server handed out: send "
                            "Snapshot.next back as received, with its cursor");
    p->phase = b[0];
    p->page = okr_get_be32(b + 1);
    memcpy(p->key, b + 5, 4);
    memcpy(p->val, b + 9, 8);
    p->has_key = true;
    return true;
}

static void answer_page(request *rq, Okr__Snapshot *snap, uint64_t seq, uint32_t page)
{
    store *st = rq->txn->st;
    snap->has_epoch = snap->has_seq = snap->has_page = snap->has_more = true;
    snap->epoch.len = STORE_EPOCH_BYTES;
    snap->epoch.data = st->epoch;
    snap->seq = seq;
    snap->page = page;
    rq->response->body_case = OKR__RESPONSE__BODY_SNAPSHOT;
    rq->response->snapshot = snap;
}

/* A page that is not the last: where the next starts, and the cursor. */
static void mark_more(request *rq, Okr__Snapshot *snap, const snapshot_cursor *cur,
                      page_ctx *c, uint32_t page)
{
    snap->more = true;
    snap->has_cursor = snap->has_next = true;
    snap->cursor = cur->id;
    c->stop.page = page + 1;
    encode_pos(rq, &c->stop, &snap->next);
}

/* The first page of a new snapshot. */
static void first_page(request *rq, size_t limit)
{
    store *st = rq->txn->st;
    page_pos start = {.phase = PHASE_OBJECTIVES};
    page_ctx c;
    Okr__Snapshot *snap = read_page(rq, rq->txn, &start, limit, &c);
    if (!c.full)
        return answer_page(rq, snap, rq->last_seq, 0);
    int rc;
    snapshot_cursor *cur = snapshot_open(st, rq->now, rq->mem, &rc);
    if (cur == NULL && rc == 0)
        return (void)request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                                  "%d snapshots are being paged already; try again in a few "
                                  "seconds (an idle one ends after %lld s)",
                                  OKR_MAX_SNAPSHOT_CURSORS,
                                  (long long)(OKR_SNAPSHOT_IDLE_US / 1000000));
    if (cur == NULL)
        return (void)request_fail(rq, store_error_code(rc), "cannot open a snapshot: %s",
                                  store_strerror(rc));
    /* In a batch with writes, this request's transaction sees changes not
     * yet committed; the cursor sees the last commit. Read page 0 again
     * from the cursor then, so every page is the same state. */
    if (cur->seq != rq->last_seq)
        snap = read_page(rq, &cur->reader.txn, &start, limit, &c);
    if (!c.full) {
        snapshot_close(st, cur);
        return answer_page(rq, snap, cur->seq, 0);
    }
    mark_more(rq, snap, cur, &c, 0);
    answer_page(rq, snap, cur->seq, 0);
}

/* SnapshotGet { cursor?, next?, limit?, close? } -> Snapshot (one page)
 * Without a cursor: the first page of a new snapshot. With one: the page at
 * `next` of that snapshot (the same page again for the same `next`); the
 * cursor ends with the last page, or with close. */
void op_snapshot(request *rq, const Okr__SnapshotGet *in)
{
    store *st = rq->txn->st;
    size_t limit = in->has_limit && in->limit > 0 && in->limit < OKR_SNAPSHOT_PAGE_ITEMS
                       ? in->limit
                       : OKR_SNAPSHOT_PAGE_ITEMS;
    if (!in->has_cursor || in->cursor == 0) {
        if ((in->has_next && in->next.len > 0) || in->close)
            return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                      "%s needs the cursor of the snapshot it belongs to",
                                      in->close ? "close" : "next");
        return first_page(rq, limit);
    }
    snapshot_cursor *cur = snapshot_find(st, in->cursor, rq->now, rq->mem);
    if (cur == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__NOT_FOUND,
                                  "snapshot cursor %llu is unknown or has ended (the last page "
                                  "was sent, it was idle %lld s, or okrd restarted); take a new "
                                  "snapshot without a cursor",
                                  (unsigned long long)in->cursor,
                                  (long long)(OKR_SNAPSHOT_IDLE_US / 1000000));
    if (in->close) {
        uint64_t seq = cur->seq;
        snapshot_close(st, cur);
        Okr__Snapshot *empty = ARENA_NEW(rq->mem, Okr__Snapshot, OKR__SNAPSHOT__INIT);
        return answer_page(rq, empty, seq, 0);
    }
    page_pos pos;
    if (!decode_pos(rq, in, &pos))
        return;
    page_ctx c;
    Okr__Snapshot *snap = read_page(rq, &cur->reader.txn, &pos, limit, &c);
    uint64_t seq = cur->seq;
    if (cur->reader.txn.rc) {
        int rc = cur->reader.txn.rc;
        snapshot_close(st, cur);
        return (void)request_fail(rq, store_error_code(rc), "snapshot read failed: %s",
                                  store_strerror(rc));
    }
    if (c.full)
        mark_more(rq, snap, cur, &c, pos.page);
    else
        snapshot_close(st, cur);     /* the last page: a retry of it gets NOT_FOUND */
    answer_page(rq, snap, seq, pos.page);
}

/* The node filter of a replay, as canonical ids; false (request failed) on
 * a malformed one. */
static bool replay_filter(request *rq, const Okr__Replay *in, const char ***ids)
{
    if (in->n_nodes > OKR_MAX_REPLAY_NODES)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "nodes lists %zu ids; at most %d", in->n_nodes,
                            OKR_MAX_REPLAY_NODES);
    *ids = in->n_nodes ? ARENA_ARRAY(rq->mem, const char *, in->n_nodes) : NULL;
    for (size_t i = 0; i < in->n_nodes; i++) {
        okr_node node;
        if (!need_node_id(rq, "nodes", in->nodes[i], &node))
            return false;
        (*ids)[i] = request_id(rq, node);
    }
    return true;
}

static bool event_matches(const Okr__Event *ev, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < ev->n_nodes; i++)
        for (size_t j = 0; j < n; j++)
            if (strcmp(ev->nodes[i], ids[j]) == 0)
                return true;
    return false;
}

/* Replay { after_seq, limit?, nodes[]? } -> EventList
 * Events after after_seq (those naming one of `nodes` when given), at most
 * limit (capped at OKR_MAX_REPLAY) and about OKR_MAX_REPLAY_BYTES; at least
 * one when there is one. through_seq: the last seq looked at. */
void op_replay(request *rq, const Okr__Replay *in)
{
    store *st = rq->txn->st;
    uint64_t first = store_first_seq(rq->txn);
    size_t limit = in->has_limit && in->limit > 0 ? in->limit : OKR_DEFAULT_REPLAY;
    if (limit > OKR_MAX_REPLAY)
        limit = OKR_MAX_REPLAY;
    const char **ids = NULL;
    if (!replay_filter(rq, in, &ids))
        return;
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
    list->has_epoch = list->has_first_seq = list->has_last_seq = list->has_through_seq = true;
    list->epoch.len = STORE_EPOCH_BYTES;
    list->epoch.data = st->epoch;
    list->first_seq = first;
    list->last_seq = rq->last_seq;
    list->through_seq = in->after_seq;
    size_t cap = 0, bytes = 0, looked = 0;
    for (uint64_t seq = in->after_seq + 1; seq <= rq->last_seq; seq++) {
        MDB_val v;
        if (list->n_events >= limit || (ids && ++looked > OKR_MAX_REPLAY_SCAN) ||
            !store_get_event(rq->txn, seq, &v) ||
            (list->n_events > 0 && bytes + v.mv_size > OKR_MAX_REPLAY_BYTES))
            break;
        Okr__Event *ev = store_unpack(rq->txn, &okr__event__descriptor, &v);
        if (ev == NULL)
            break;
        list->through_seq = seq;
        if (ids && !event_matches(ev, ids, in->n_nodes))
            continue;
        ops_append(rq->mem, (void ***)&list->events, &list->n_events, &cap, ev);
        bytes += v.mv_size;
    }
    rq->response->body_case = OKR__RESPONSE__BODY_EVENTS;
    rq->response->events = list;
}
