/* node_index.c — sorted rows of node ids and binary search (node_index.h). */
#include "node_index.h"

#include <stdlib.h>

#include "util.h"

void node_index_init(node_index *ix)
{
    ix->rows = NULL;
    ix->n = ix->cap = 0;
}

void node_index_add(node_index *ix, const char *key, const char *sub, size_t index)
{
    okr_node k, s = 0;
    if (key == NULL || !okr_id_parse(key, &k) || (sub != NULL && !okr_id_parse(sub, &s)))
        return;
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? 2 * ix->cap : 16;
        ix->rows = util_xreallocarray(ix->rows, ix->cap, sizeof *ix->rows);
    }
    ix->rows[ix->n++] = (node_row){k, s, index};
}

static int compare_rows(const void *a, const void *b)
{
    const node_row *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void node_index_sort(node_index *ix)
{
    if (ix->n > 1)
        qsort(ix->rows, ix->n, sizeof *ix->rows, compare_rows);
}

const node_row *node_index_range(const node_index *ix, okr_node key, size_t *count)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->rows[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < ix->n && ix->rows[end].key == key)
        end++;
    *count = end - lo;
    return ix->rows ? ix->rows + lo : NULL;
}

bool node_index_has(const node_index *ix, okr_node key)
{
    size_t count;
    node_index_range(ix, key, &count);
    return count > 0;
}

void node_index_free(node_index *ix)
{
    free(ix->rows);
    node_index_init(ix);
}
