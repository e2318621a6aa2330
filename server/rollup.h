/* rollup.h — incremental roll-up of scores through the alignment DAG.
 *
 * Every change to the graph or to a leaf score goes through these calls, and
 * only these calls write aggregates (store_agg). Each node keeps the integer
 * sums sum_w and sum_ws of its inputs; a change adds w * (new - old) to each
 * parent's sum_ws and goes on upward only while scores change. Each call
 * visits every affected ancestor once, in topological order, with the summed
 * deltas of all its children (see rollup.c). Cost: the changed node's
 * ancestors, each once, never the whole graph nor once per path. Because the
 * sums are integers, the result equals a full recomputation exactly
 * (rollup_verify).
 *
 * All calls record failures in the transaction's sticky status; the caller
 * checks it once. The rules of a single score are in common/score.c. */
#ifndef OKR_ROLLUP_H
#define OKR_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    okr_node node;
    int64_t old_score;
    int64_t new_score;
} rollup_change;

typedef struct {
    store_txn *txn;
    rollup_change *changes;   /* net movement per node, in first-seen order */
    size_t n_changes, cap_changes;
} rollup;

void rollup_begin(rollup *r, store_txn *t);

/* A new node with no inputs yet: a leaf KR with its leaf score, a roll-up KR
 * or an objective with score 0. Does not link it anywhere. */
void rollup_add_node(rollup *r, okr_node node, int64_t leaf_score, uint32_t flags);

/* Link child -> parent with weight (or change the weight of an existing
 * link). The caller has checked that both exist and no cycle results. */
void rollup_link(rollup *r, okr_node child, okr_node parent, uint32_t weight);
void rollup_unlink(rollup *r, okr_node child, okr_node parent);

/* Set a leaf KR's score (after a check-in or an edit of its values). */
void rollup_set_leaf_score(rollup *r, okr_node kr, int64_t score);

/* Turn a KR into a roll-up KR (its score becomes its children's mean) or back
 * into a leaf with leaf_score. */
void rollup_set_rollup(rollup *r, okr_node kr, bool is_rollup, int64_t leaf_score);

/* Set an objective's progress source (krs, aligned, both): its score is
 * re-derived from the sums it keeps and the movement goes up as usual. */
void rollup_set_source(rollup *r, okr_node objective, Okr__ProgressSource source);

/* The aggregate flags of a progress source (0 for krs). */
uint32_t rollup_source_flags(Okr__ProgressSource source);

/* Whether the parent's rule takes an aligned (not archived) child's score,
 * from the parent's aggregate: a KR only when it is a roll-up KR; an
 * objective when its source is aligned or both, or krs while it has no KRs. */
bool rollup_child_counts(const store_agg *parent, bool parent_is_kr);

/* Archive (stop contributing to parents) or restore an objective. */
void rollup_set_archived(rollup *r, okr_node objective, bool archived);

/* Remove a node from the graph: withdraw it from its parents, drop the links
 * of its children to it (their own scores do not change), delete its
 * aggregate. Delete an objective's KRs after the objective itself. */
void rollup_remove_node(rollup *r, okr_node node);

/* The score a leaf KR's stored values give (common/score.c rules). */
int64_t rollup_leaf_score_of(const Okr__KeyResult *kr);

/* Current score of a node (0 when absent). */
int64_t rollup_score(rollup *r, okr_node node);

/* ---- full recomputation ---- */

typedef void (*rollup_mismatch_fn)(void *ctx, okr_node node, const char *what,
                                   int64_t stored, int64_t expected);

/* Recompute every aggregate from the records and edges alone, compare with the
 * stored ones, call fn for each difference (and for aggregates without a
 * record, records without an aggregate, cycles, and period/team index
 * entries that do not match the objective records). Returns the number of
 * differences; 0 means the incremental state is exact. Reads only. */
size_t rollup_verify(store *st, rollup_mismatch_fn fn, void *ctx, int *rc);

#endif
