/* rollup.c — incremental score propagation and its full-recomputation check.
 *
 * How propagation works. A node's score is a function of its aggregate:
 * an objective averages what its progress source names (its KR set, or
 * without KRs its child set; its child set; or both sets as one), a
 * roll-up KR averages its child set, a leaf KR has its own score. When a
 * node's score moves from old to new, every parent it contributes to gets
 * w * (new - old) added to the matching sum_ws and is re-derived. Parents
 * whose score moved push the same kind of delta further up.
 *
 * One change is settled in one pass, so that each ancestor is visited once
 * however many paths lead to it (a ladder of diamonds has 2^levels paths).
 * The change first puts its deltas on the nodes it touches directly (the
 * seeds). collect() then gathers every node reachable upward from the seeds,
 * reading each one's parents once and counting, for each, its children
 * inside that set. settle() visits the set in topological order (Kahn's
 * algorithm: a node is ready once every child of it in the set has been
 * visited), so when a node is visited every delta meant for it has arrived
 * and been summed. A node whose summed deltas are zero is skipped unread; any
 * other is read once, gets the sums, is re-derived and written once, and only
 * if its score moved does it add w * (new - old) to its parents' pending
 * deltas. Cost: the edges of the changed node's ancestors, and one aggregate
 * read and write for each ancestor that something below it moved.
 *
 * Sums are linear and integer, so summing the deltas before applying them
 * gives the same sums as applying them one by one, and the same sums as a
 * full recomputation; the scores derived from them are therefore exact. A
 * cycle cannot occur: the alignment handler refuses it first. Should stored
 * edges hold one anyway, its nodes never become ready and the change fails
 * with EINVAL (corruption) instead of looping.
 *
 * The pass's bookkeeping is malloc'd and freed before settle() returns; the
 * parent lists live in the transaction's arena like every store_ read.
 * Never touches sockets or requests; the scoring rules are in common/score.c. */
#include "rollup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "logging.h"

/* One node of the affected set: its parents, the deltas summed so far for its
 * KR set and its child set, and its children in the set not yet visited. */
typedef struct {
    okr_node node;
    size_t waiting;
    store_link *parents;    /* from store_parents, in the transaction's arena */
    size_t n_parents;
    int64_t kr_dw, kr_dws;
    int64_t child_dw, child_dws;
} affected;

/* The affected set of one change: nodes in the order found (seeds first),
 * and an open-addressing index node -> position + 1 (0: empty slot). */
typedef struct {
    affected *nodes;
    size_t n, cap;
    size_t *slots;
    size_t n_slots;         /* a power of two, at least 2 * cap */
} propagation;

static _Noreturn void out_of_memory(void)
{
    log_error("out of memory (roll-up)");
    abort();
}

static void *grow_or_die(void *p, size_t n, size_t size)
{
    p = realloc(p, n * size);
    if (p == NULL)
        out_of_memory();
    return p;
}

static size_t slot_of(okr_node node, size_t n_slots)
{
    return (size_t)(node * 2654435761u) & (n_slots - 1);
}

/* Position of node in p->nodes, or p->n when absent; *slot gets its slot. */
static size_t prop_find(const propagation *p, okr_node node, size_t *slot)
{
    if (p->n_slots == 0)
        return p->n;
    size_t i = slot_of(node, p->n_slots);
    while (p->slots[i] != 0 && p->nodes[p->slots[i] - 1].node != node)
        i = (i + 1) & (p->n_slots - 1);
    *slot = i;
    return p->slots[i] ? p->slots[i] - 1 : p->n;
}

static void prop_rehash(propagation *p, size_t n_slots)
{
    free(p->slots);
    p->slots = calloc(n_slots, sizeof *p->slots);
    if (p->slots == NULL)
        out_of_memory();
    p->n_slots = n_slots;
    for (size_t k = 0; k < p->n; k++) {
        size_t i = slot_of(p->nodes[k].node, n_slots);
        while (p->slots[i] != 0)
            i = (i + 1) & (n_slots - 1);
        p->slots[i] = k + 1;
    }
}

/* Position of node, added (no deltas, no parents yet) when absent. */
static size_t prop_intern(propagation *p, okr_node node)
{
    size_t slot = 0, k = prop_find(p, node, &slot);
    if (k < p->n)
        return k;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->nodes = grow_or_die(p->nodes, p->cap, sizeof *p->nodes);
        prop_rehash(p, p->cap * 2);
        prop_find(p, node, &slot);
    }
    p->nodes[p->n] = (affected){.node = node};
    p->slots[slot] = p->n + 1;
    return p->n++;
}

/* Add a delta to node's KR set (kr_input) or child set. */
static void prop_add(propagation *p, okr_node node, bool kr_input, int64_t dw, int64_t dws)
{
    if (dw == 0 && dws == 0)
        return;
    size_t k = prop_intern(p, node);      /* may move p->nodes */
    affected *a = &p->nodes[k];
    if (kr_input) {
        a->kr_dw += dw;
        a->kr_dws += dws;
    } else {
        a->child_dw += dw;
        a->child_dws += dws;
    }
}

static void prop_free(propagation *p)
{
    free(p->nodes);
    free(p->slots);
    *p = (propagation){0};
}

static bool contributes(okr_node node, const store_agg *a)
{
    return okr_node_is_kr(node) || !(a->flags & STORE_AGG_ARCHIVED);
}

/* The score a node's aggregate implies (leaf KRs keep their own). */
static int64_t derive(okr_node node, const store_agg *a)
{
    if (okr_node_is_kr(node)) {
        if (a->flags & STORE_AGG_ROLLUP)
            return score_weighted_mean(a->child_sum_ws, a->child_sum_w);
        return a->score;
    }
    if (a->flags & STORE_AGG_FROM_BOTH)
        return score_weighted_mean(a->kr_sum_ws + a->child_sum_ws,
                                   a->kr_sum_w + a->child_sum_w);
    if (!(a->flags & STORE_AGG_FROM_ALIGNED) && a->kr_sum_w > 0)
        return score_weighted_mean(a->kr_sum_ws, a->kr_sum_w);
    return score_weighted_mean(a->child_sum_ws, a->child_sum_w);
}

uint32_t rollup_source_flags(Okr__ProgressSource source)
{
    switch (source) {
    case OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED: return STORE_AGG_FROM_ALIGNED;
    case OKR__PROGRESS_SOURCE__PROGRESS_BOTH: return STORE_AGG_FROM_BOTH;
    default: return 0;
    }
}

bool rollup_child_counts(const store_agg *parent, bool parent_is_kr)
{
    if (parent_is_kr)
        return (parent->flags & STORE_AGG_ROLLUP) != 0;
    return (parent->flags & STORE_AGG_SOURCE) != 0 || parent->kr_sum_w == 0;
}

/* `current` is only ever set by check-ins. Until the first one, a KR's value
 * is its start (DESIGN §3: "before the first check-in, current = start"); a
 * threshold created without --from has no value yet. */
int64_t rollup_leaf_score_of(const Okr__KeyResult *kr)
{
    score_kr_input in = {
        .kind = (score_kind)kr->kind,
        .direction = (score_direction)kr->direction,
        .start = kr->start,
        .target = kr->target,
        .current = kr->has_current ? kr->current : kr->start,
        .has_current = kr->has_current || kr->has_start,
    };
    return score_leaf_kr(&in);
}

void rollup_begin(rollup *r, store_txn *t)
{
    memset(r, 0, sizeof *r);
    r->txn = t;
}

static void note_change(rollup *r, okr_node node, int64_t old_score, int64_t new_score)
{
    for (size_t i = 0; i < r->n_changes; i++) {
        if (r->changes[i].node == node) {
            r->changes[i].new_score = new_score;
            return;
        }
    }
    if (r->n_changes == r->cap_changes) {
        size_t cap = r->cap_changes ? r->cap_changes * 2 : 16;
        rollup_change *grown = arena_alloc(r->txn->mem, cap * sizeof *grown);
        if (r->n_changes)
            memcpy(grown, r->changes, r->n_changes * sizeof *grown);
        r->changes = grown;
        r->cap_changes = cap;
    }
    r->changes[r->n_changes++] = (rollup_change){node, old_score, new_score};
}

/* Node's score moved from old_score to a->score: record it, and give each
 * parent it counts toward w * (new - old). */
static void score_moved(rollup *r, propagation *p, okr_node node, const store_agg *a,
                        int64_t old_score)
{
    note_change(r, node, old_score, a->score);
    if (!contributes(node, a))
        return;
    store_link *parents;
    size_t n = store_parents(r->txn, node, &parents);
    for (size_t i = 0; i < n; i++)
        prop_add(p, parents[i].node, okr_node_is_kr(node), 0,
                 (int64_t)parents[i].weight * (a->score - old_score));
}

static bool load(rollup *r, okr_node node, store_agg *a)
{
    if (store_get_agg(r->txn, node, a))
        return true;
    if (r->txn->rc == 0)
        r->txn->rc = EINVAL;     /* a linked node without aggregate: corruption */
    return false;
}

/* Extend the seeds to everything above them: each node's parents are read
 * once, and each node counts its children inside the set. */
static void collect(rollup *r, propagation *p)
{
    for (size_t k = 0; k < p->n && r->txn->rc == 0; k++) {
        store_link *parents;
        size_t n = store_parents(r->txn, p->nodes[k].node, &parents);
        p->nodes[k].parents = parents;
        p->nodes[k].n_parents = n;
        for (size_t i = 0; i < n; i++) {
            size_t j = prop_intern(p, parents[i].node);   /* may move p->nodes */
            p->nodes[j].waiting++;
        }
    }
}

/* Visit node k, every delta for it summed: apply them once, re-derive, and
 * pass the score's movement on to the parents' pending deltas. */
static void visit(rollup *r, propagation *p, size_t k)
{
    affected d = p->nodes[k];
    if (d.kr_dw == 0 && d.kr_dws == 0 && d.child_dw == 0 && d.child_dws == 0)
        return;                               /* nothing below it moved */
    store_agg a;
    if (!load(r, d.node, &a))
        return;
    a.kr_sum_w += d.kr_dw;
    a.kr_sum_ws += d.kr_dws;
    a.child_sum_w += d.child_dw;
    a.child_sum_ws += d.child_dws;
    int64_t old_score = a.score;
    a.score = derive(d.node, &a);
    store_put_agg(r->txn, d.node, &a);
    if (a.score == old_score)
        return;
    note_change(r, d.node, old_score, a.score);
    if (!contributes(d.node, &a))
        return;
    for (size_t i = 0; i < d.n_parents; i++)
        prop_add(p, d.parents[i].node, okr_node_is_kr(d.node), 0,
                 (int64_t)d.parents[i].weight * (a.score - old_score));
}

/* Apply the seeds' deltas and everything they cause, each affected node
 * visited once, children before parents. Frees p. */
static void settle(rollup *r, propagation *p)
{
    collect(r, p);
    size_t *ready = p->n ? grow_or_die(NULL, p->n, sizeof *ready) : NULL;
    size_t head = 0, tail = 0;
    for (size_t k = 0; k < p->n; k++)
        if (p->nodes[k].waiting == 0)
            ready[tail++] = k;
    while (head < tail && r->txn->rc == 0) {
        size_t k = ready[head++];
        visit(r, p, k);
        for (size_t i = 0; i < p->nodes[k].n_parents; i++) {
            size_t slot, j = prop_find(p, p->nodes[k].parents[i].node, &slot);
            if (--p->nodes[j].waiting == 0)
                ready[tail++] = j;
        }
    }
    if (head < p->n && r->txn->rc == 0)
        r->txn->rc = EINVAL;     /* a node never became ready: a cycle, corruption */
    free(ready);
    prop_free(p);
}

void rollup_add_node(rollup *r, okr_node node, int64_t leaf_score, uint32_t flags)
{
    store_agg a = {.flags = flags};
    if (okr_node_is_kr(node) && !(flags & STORE_AGG_ROLLUP))
        a.score = leaf_score;
    store_put_agg(r->txn, node, &a);
    if (a.score != 0)
        note_change(r, node, 0, a.score);
}

void rollup_link(rollup *r, okr_node child, okr_node parent, uint32_t weight)
{
    store_agg c;
    if (!load(r, child, &c))
        return;
    uint32_t old_weight = 0;
    bool existed = store_get_edge(r->txn, child, parent, &old_weight);
    store_put_edge(r->txn, child, parent, weight);
    if (!contributes(child, &c))
        return;
    int64_t dw = (int64_t)weight - (existed ? old_weight : 0);
    propagation p = {0};
    prop_add(&p, parent, okr_node_is_kr(child), dw, dw * c.score);
    settle(r, &p);
}

void rollup_unlink(rollup *r, okr_node child, okr_node parent)
{
    store_agg c;
    uint32_t weight;
    if (!load(r, child, &c) || !store_get_edge(r->txn, child, parent, &weight))
        return;
    store_del_edge(r->txn, child, parent);
    if (!contributes(child, &c))
        return;
    propagation p = {0};
    prop_add(&p, parent, okr_node_is_kr(child), -(int64_t)weight, -(int64_t)weight * c.score);
    settle(r, &p);
}

void rollup_set_leaf_score(rollup *r, okr_node kr, int64_t score)
{
    store_agg a;
    if (!load(r, kr, &a) || (a.flags & STORE_AGG_ROLLUP) || a.score == score)
        return;
    int64_t old_score = a.score;
    a.score = score;
    store_put_agg(r->txn, kr, &a);
    propagation p = {0};
    score_moved(r, &p, kr, &a, old_score);
    settle(r, &p);
}

void rollup_set_rollup(rollup *r, okr_node kr, bool is_rollup, int64_t leaf_score)
{
    store_agg a;
    if (!load(r, kr, &a))
        return;
    int64_t old_score = a.score;
    if (is_rollup) {
        a.flags |= STORE_AGG_ROLLUP;
    } else {
        a.flags &= ~STORE_AGG_ROLLUP;
        a.score = leaf_score;
    }
    a.score = derive(kr, &a);
    store_put_agg(r->txn, kr, &a);
    if (a.score == old_score)
        return;
    propagation p = {0};
    score_moved(r, &p, kr, &a, old_score);
    settle(r, &p);
}

void rollup_set_source(rollup *r, okr_node objective, Okr__ProgressSource source)
{
    store_agg a;
    if (!load(r, objective, &a))
        return;
    int64_t old_score = a.score;
    a.flags = (a.flags & ~STORE_AGG_SOURCE) | rollup_source_flags(source);
    a.score = derive(objective, &a);
    store_put_agg(r->txn, objective, &a);
    if (a.score == old_score)
        return;
    propagation p = {0};
    score_moved(r, &p, objective, &a, old_score);
    settle(r, &p);
}

/* Give each parent of node sign * (w, w * score). */
static void add_contribution(rollup *r, propagation *p, okr_node node, const store_agg *a,
                             int sign)
{
    store_link *parents;
    size_t n = store_parents(r->txn, node, &parents);
    for (size_t i = 0; i < n; i++) {
        int64_t weight = sign * (int64_t)parents[i].weight;
        prop_add(p, parents[i].node, okr_node_is_kr(node), weight, weight * a->score);
    }
}

void rollup_set_archived(rollup *r, okr_node objective, bool archived)
{
    store_agg a;
    if (!load(r, objective, &a) || !!(a.flags & STORE_AGG_ARCHIVED) == archived)
        return;
    propagation p = {0};
    add_contribution(r, &p, objective, &a, archived ? -1 : 1);
    if (archived)
        a.flags |= STORE_AGG_ARCHIVED;
    else
        a.flags &= ~STORE_AGG_ARCHIVED;
    store_put_agg(r->txn, objective, &a);
    settle(r, &p);
}

void rollup_remove_node(rollup *r, okr_node node)
{
    store_agg a;
    if (!load(r, node, &a))
        return;
    propagation p = {0};
    if (contributes(node, &a))
        add_contribution(r, &p, node, &a, -1);
    settle(r, &p);

    store_link *links;
    size_t n = store_parents(r->txn, node, &links);
    for (size_t i = 0; i < n; i++)
        store_del_edge(r->txn, node, links[i].node);
    n = store_children(r->txn, node, &links);
    for (size_t i = 0; i < n; i++)
        store_del_edge(r->txn, links[i].node, node);
    store_del_agg(r->txn, node);
}

int64_t rollup_score(rollup *r, okr_node node)
{
    store_agg a;
    return store_get_agg(r->txn, node, &a) ? a.score : 0;
}

/* ------------------------------------------------------------ verification
 *
 * The check recomputes everything from the records (KR values and kinds,
 * archived flags) and the edges, in dependency order (children first, by an
 * iterative depth-first walk so a deep graph cannot overflow the stack), then
 * compares each node's sums, flags and score with the stored aggregate. */

typedef struct {
    okr_node *nodes;        /* every objective and KR, ascending */
    size_t n, cap;
} node_set;

static bool collect_node(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)val;
    node_set *s = ctx;
    if (key->mv_size != 4)
        return true;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->nodes = realloc(s->nodes, s->cap * sizeof *s->nodes);
        if (s->nodes == NULL)
            abort();
    }
    s->nodes[s->n++] = okr_get_be32(key->mv_data);
    return true;
}

static long find_node(const node_set *s, okr_node node)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->nodes[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->nodes[lo] == node ? (long)lo : -1;
}

typedef struct {
    store_txn *t;
    node_set set;
    store_agg *expect;
    unsigned char *state;   /* 0 new, 1 children pushed, 2 done */
    size_t mismatches;
    rollup_mismatch_fn fn;
    void *ctx;
} verifier;

static void mismatch(verifier *v, okr_node node, const char *what, int64_t stored,
                     int64_t expected)
{
    v->mismatches++;
    if (v->fn)
        v->fn(v->ctx, node, what, stored, expected);
}

/* Compute node i's aggregate from its record and its (already done) children. */
static void compute(verifier *v, size_t i)
{
    okr_node node = v->set.nodes[i];
    store_agg e = {0};
    Okr__KeyResult *kr = NULL;
    if (okr_node_is_kr(node)) {
        kr = store_get_kr(v->t, node);
        if (kr && kr->kind == OKR__KR_KIND__ROLLUP)
            e.flags |= STORE_AGG_ROLLUP;
    } else {
        Okr__Objective *o = store_get_objective(v->t, node);
        if (o && o->archived)
            e.flags |= STORE_AGG_ARCHIVED;
        if (o && o->has_progress)
            e.flags |= rollup_source_flags(o->progress);
    }
    store_link *children;
    size_t n = store_children(v->t, node, &children);
    for (size_t k = 0; k < n; k++) {
        long j = find_node(&v->set, children[k].node);
        if (j < 0) {
            mismatch(v, node, "edge from unknown child", children[k].node, 0);
            continue;
        }
        const store_agg *c = &v->expect[j];
        if (!contributes(children[k].node, c))
            continue;
        int64_t w = children[k].weight;
        if (okr_node_is_kr(children[k].node)) {
            e.kr_sum_w += w;
            e.kr_sum_ws += w * c->score;
        } else {
            e.child_sum_w += w;
            e.child_sum_ws += w * c->score;
        }
    }
    if (kr && !(e.flags & STORE_AGG_ROLLUP))
        e.score = rollup_leaf_score_of(kr);
    e.score = derive(node, &e);
    v->expect[i] = e;
}

static void compare(verifier *v, size_t i)
{
    okr_node node = v->set.nodes[i];
    const store_agg *e = &v->expect[i];
    store_agg s;
    if (!store_get_agg(v->t, node, &s)) {
        mismatch(v, node, "missing aggregate", 0, e->score);
        return;
    }
    if (s.score != e->score) mismatch(v, node, "score", s.score, e->score);
    if (s.kr_sum_w != e->kr_sum_w) mismatch(v, node, "kr_sum_w", s.kr_sum_w, e->kr_sum_w);
    if (s.kr_sum_ws != e->kr_sum_ws) mismatch(v, node, "kr_sum_ws", s.kr_sum_ws, e->kr_sum_ws);
    if (s.child_sum_w != e->child_sum_w)
        mismatch(v, node, "child_sum_w", s.child_sum_w, e->child_sum_w);
    if (s.child_sum_ws != e->child_sum_ws)
        mismatch(v, node, "child_sum_ws", s.child_sum_ws, e->child_sum_ws);
    if (s.flags != e->flags) mismatch(v, node, "flags", s.flags, e->flags);
}

/* Depth-first from node `root`, children before parents. */
static void walk(verifier *v, size_t root, size_t *stack)
{
    size_t top = 0;
    stack[top++] = root;
    while (top > 0 && v->t->rc == 0) {
        size_t i = stack[top - 1];
        if (v->state[i] == 2) {
            top--;
            continue;
        }
        if (v->state[i] == 1) {
            compute(v, i);
            v->state[i] = 2;
            top--;
            arena_reset(v->t->mem);
            continue;
        }
        v->state[i] = 1;
        store_link *children;
        size_t n = store_children(v->t, v->set.nodes[i], &children);
        for (size_t k = 0; k < n; k++) {
            long j = find_node(&v->set, children[k].node);
            if (j < 0)
                continue;                 /* reported by compute */
            if (v->state[j] == 1)
                mismatch(v, children[k].node, "cycle through", v->set.nodes[i], 0);
            else if (v->state[j] == 0)
                stack[top++] = (size_t)j;  /* each node pushed at most once per edge */
        }
    }
}

static bool check_mirror(void *ctx, const MDB_val *key, const MDB_val *val)
{
    verifier *v = ctx;
    if (key->mv_size != 4 || val->mv_size != 8)
        return true;
    okr_node parent = okr_get_be32(key->mv_data);
    okr_node child = okr_get_be32(val->mv_data);
    uint32_t w = okr_get_be32((const unsigned char *)val->mv_data + 4), up_w;
    if (!store_get_edge(v->t, child, parent, &up_w) || up_w != w)
        mismatch(v, child, "down edge without matching up edge to", parent, 0);
    return true;
}

static bool check_agg_owner(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)val;
    verifier *v = ctx;
    if (key->mv_size == 4 && find_node(&v->set, okr_get_be32(key->mv_data)) < 0)
        mismatch(v, okr_get_be32(key->mv_data), "aggregate without record", 0, 0);
    return true;
}

/* ------------------------------------------------------------ index check
 *
 * by_period and by_team must list every objective under exactly its period
 * and (when it has one) its team, and nothing else; by_owner every
 * objective and every KR whose own owner is not its objective's under
 * (owner, period). Two passes: each record
 * is looked up in both indexes, then each index entry is checked against
 * its record. A mismatch's stored/expected are 1/0 for "listed / should be". */

/* True when a record's period or team is the index key `name`. */
static bool field_is(const char *field, const MDB_val *name)
{
    return field && strlen(field) == name->mv_size &&
           memcmp(field, name->mv_data, name->mv_size) == 0;
}

static bool check_record_indexed(void *ctx, const MDB_val *key, const MDB_val *val)
{
    verifier *v = ctx;
    if (key->mv_size != 4)
        return true;
    okr_node id = okr_get_be32(key->mv_data);
    Okr__Objective *o = store_unpack(v->t, &okr__objective__descriptor, val);
    if (o == NULL)
        return false;
    if (o->period == NULL || o->period[0] == '\0')
        mismatch(v, id, "objective without a period", 0, 1);
    else if (!store_index_has(v->t, v->t->st->by_period, o->period, id))
        mismatch(v, id, "not in the period index", 0, 1);
    if (o->team && o->team[0] && !store_index_has(v->t, v->t->st->by_team, o->team, id))
        mismatch(v, id, "not in the team index", 0, 1);
    if (o->owner && o->owner[0] && o->period && !store_owner_has(v->t, o->owner, o->period, id))
        mismatch(v, id, "not in the owner index", 0, 1);
    arena_reset(v->t->mem);
    return true;
}

/* The period a KR's owner entry is filed under (its objective's), or NULL
 * when it has none: no owner of its own, or its objective's (ops_due.c,
 * owner_index_kr). */
static const char *kr_owner_period(store_txn *t, const Okr__KeyResult *kr)
{
    okr_node obj;
    if (kr->owner == NULL || kr->owner[0] == '\0' || !okr_id_parse(kr->objective, &obj))
        return NULL;
    Okr__Objective *o = store_get_objective(t, obj);
    return o && strcmp(kr->owner, o->owner ? o->owner : "") != 0 ? o->period : NULL;
}

static bool check_kr_indexed(void *ctx, const MDB_val *key, const MDB_val *val)
{
    verifier *v = ctx;
    if (key->mv_size != 4)
        return true;
    okr_node id = okr_get_be32(key->mv_data);
    Okr__KeyResult *kr = store_unpack(v->t, &okr__key_result__descriptor, val);
    if (kr == NULL)
        return false;
    const char *period = kr_owner_period(v->t, kr);
    if (period && !store_owner_has(v->t, kr->owner, period, id))
        mismatch(v, id, "not in the owner index", 0, 1);
    arena_reset(v->t->mem);
    return true;
}

/* An owner index entry: key owner NUL period, value the node filed there. */
static bool check_owner_entry(void *ctx, const MDB_val *key, const MDB_val *val)
{
    verifier *v = ctx;
    const char *k = key->mv_data, *nul = memchr(k, '\0', key->mv_size);
    if (val->mv_size != 4 || nul == NULL) {
        mismatch(v, 0, "malformed owner index entry", 1, 0);
        return true;
    }
    MDB_val owner = {(size_t)(nul - k), (void *)k};
    MDB_val period = {key->mv_size - owner.mv_size - 1, (void *)(nul + 1)};
    okr_node id = okr_get_be32(val->mv_data);
    const char *has_owner = NULL, *has_period = NULL;
    bool found;
    if (okr_node_is_kr(id)) {
        Okr__KeyResult *kr = store_get_kr(v->t, id);
        found = kr != NULL;
        has_owner = kr ? kr->owner : NULL;
        has_period = kr ? kr_owner_period(v->t, kr) : NULL;
    } else {
        Okr__Objective *o = store_get_objective(v->t, id);
        found = o != NULL;
        has_owner = o ? o->owner : NULL;
        has_period = o ? o->period : NULL;
    }
    if (!found && v->t->rc == 0)
        mismatch(v, id, "in the owner index without a record", 1, 0);
    else if (found && (!field_is(has_owner, &owner) || !field_is(has_period, &period)))
        mismatch(v, id, "indexed under the wrong owner or period", 1, 0);
    arena_reset(v->t->mem);
    return true;
}

typedef struct {
    verifier *v;
    bool team;              /* checking by_team, else by_period */
} index_check;

static bool check_index_entry(void *ctx, const MDB_val *key, const MDB_val *val)
{
    index_check *ic = ctx;
    verifier *v = ic->v;
    if (val->mv_size != 4) {
        mismatch(v, 0, ic->team ? "malformed team index entry" : "malformed period index entry",
                 1, 0);
        return true;
    }
    okr_node id = okr_get_be32(val->mv_data);
    Okr__Objective *o = store_get_objective(v->t, id);
    if (o == NULL && v->t->rc == 0)
        mismatch(v, id, ic->team ? "in the team index without a record"
                                 : "in the period index without a record", 1, 0);
    else if (o && !field_is(ic->team ? o->team : o->period, key))
        mismatch(v, id, ic->team ? "indexed under the wrong team"
                                 : "indexed under the wrong period", 1, 0);
    arena_reset(v->t->mem);
    return true;
}

static void verify_indexes(verifier *v)
{
    store *st = v->t->st;
    store_foreach(v->t, st->objectives, check_record_indexed, v);
    index_check by_period = {v, false}, by_team = {v, true};
    store_foreach(v->t, st->by_period, check_index_entry, &by_period);
    store_foreach(v->t, st->by_team, check_index_entry, &by_team);
    store_foreach(v->t, st->krs, check_kr_indexed, v);
    store_foreach(v->t, st->by_owner, check_owner_entry, v);
}

size_t rollup_verify(store *st, rollup_mismatch_fn fn, void *ctx, int *rc)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, st, NULL, false, &mem);
    verifier v = {.t = &t, .fn = fn, .ctx = ctx};
    store_foreach(&t, st->objectives, collect_node, &v.set);
    store_foreach(&t, st->krs, collect_node, &v.set);   /* KR ids sort after objectives */
    v.expect = calloc(v.set.n ? v.set.n : 1, sizeof *v.expect);
    v.state = calloc(v.set.n ? v.set.n : 1, 1);
    /* A node is pushed once per incoming edge at most, plus once as a root. */
    size_t stack_cap = v.set.n + store_count(&t, st->down) + 1;
    size_t *stack = malloc(stack_cap * sizeof *stack);
    if (!v.expect || !v.state || !stack)
        abort();
    for (size_t i = 0; i < v.set.n && t.rc == 0; i++)
        if (v.state[i] == 0)
            walk(&v, i, stack);
    for (size_t i = 0; i < v.set.n && t.rc == 0; i++)
        compare(&v, i);
    store_foreach(&t, st->down, check_mirror, &v);
    store_foreach(&t, st->agg, check_agg_owner, &v);
    verify_indexes(&v);
    *rc = t.rc;
    store_txn_abort(&t);
    free(stack);
    free(v.state);
    free(v.expect);
    free(v.set.nodes);
    arena_free(&mem);
    return v.mismatches;
}
