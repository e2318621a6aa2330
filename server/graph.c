/* graph.c — node sets and reachability over the alignment DAG (cycle refusal).
 *
 * Aligning child C under parent P creates a cycle exactly when C is already
 * P itself or an ancestor of P. The walk goes up from P with a visited set,
 * so shared ancestors are expanded once: cost is P's ancestor count. */
#include "ops.h"

#include <string.h>

static size_t slot_of(okr_node n, size_t cap)
{
    return (size_t)(n * 2654435761u) & (cap - 1);
}

void node_set_init(node_set *s, arena *mem)
{
    s->cap = 64;
    s->n = 0;
    s->slots = arena_alloc(mem, s->cap * sizeof *s->slots);
}

bool node_set_has(const node_set *s, okr_node node)
{
    for (size_t i = slot_of(node, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
        if (s->slots[i] == node)
            return true;
    return false;
}

/* Open addressing; 0 is never a valid node, so it marks an empty slot. */
bool node_set_add(node_set *s, arena *mem, okr_node node)
{
    if ((s->n + 1) * 2 > s->cap) {
        node_set grown = {arena_alloc(mem, s->cap * 2 * sizeof(okr_node)), s->cap * 2, 0};
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                node_set_add(&grown, mem, s->slots[i]);
        *s = grown;
    }
    size_t i = slot_of(node, s->cap);
    while (s->slots[i]) {
        if (s->slots[i] == node)
            return false;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = node;
    s->n++;
    return true;
}

Okr__Objective *graph_owner(store_txn *t, okr_node node)
{
    if (okr_node_is_kr(node)) {
        Okr__KeyResult *kr = store_get_kr(t, node);
        if (kr == NULL || !okr_id_parse(kr->objective, &node))
            return NULL;
    }
    return store_get_objective(t, node);
}

bool graph_reaches_up(store_txn *t, okr_node from, okr_node target)
{
    if (from == target)
        return true;
    node_set seen;
    node_set_init(&seen, t->mem);
    size_t cap = 64, top = 0;
    okr_node *stack = arena_alloc(t->mem, cap * sizeof *stack);
    stack[top++] = from;
    node_set_add(&seen, t->mem, from);
    while (top > 0 && t->rc == 0) {
        store_link *parents;
        size_t n = store_parents(t, stack[--top], &parents);
        for (size_t i = 0; i < n; i++) {
            if (parents[i].node == target)
                return true;
            if (!node_set_add(&seen, t->mem, parents[i].node))
                continue;
            if (top == cap) {
                okr_node *grown = arena_alloc(t->mem, cap * 2 * sizeof *grown);
                memcpy(grown, stack, cap * sizeof *stack);
                stack = grown;
                cap *= 2;
            }
            stack[top++] = parents[i].node;
        }
    }
    return false;
}

void ops_append(arena *mem, void ***items, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 16;
        void **grown = arena_alloc(mem, grown_cap * sizeof *grown);
        if (*n)
            memcpy(grown, *items, *n * sizeof *grown);
        *items = grown;
        *cap = grown_cap;
    }
    (*items)[(*n)++] = item;
}
