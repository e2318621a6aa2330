/* node_index.h — sorted (key, sub) rows over the ids of a reply, searched by
 * binary search: "the KRs of O3", "the alignments whose parent is K7". The
 * coach (lint.c) and the HTML report (report_html.c) index a Graph with it.
 * Rows point into the reply by position; nothing is copied. Allocation
 * failure aborts (util.h): an index is output-side state. */
#ifndef OKR_CLIENT_NODE_INDEX_H
#define OKR_CLIENT_NODE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "ids.h"

typedef struct {
    okr_node key, sub;    /* sorted by key, then sub */
    size_t index;         /* position of the row's item in the reply */
} node_row;

typedef struct {
    node_row *rows;
    size_t n, cap;
} node_index;

/* An empty index (no allocation until the first add). */
void node_index_init(node_index *ix);

/* Add a row; `sub` may be NULL (0). Ids that do not parse are left out: a
 * server never sends them. */
void node_index_add(node_index *ix, const char *key, const char *sub, size_t index);

/* Sort the rows; call once, after the last add, before any search. */
void node_index_sort(node_index *ix);

/* The first row whose key is `key`, and in *count how many rows have it
 * (0: none; the pointer is then not to be read). */
const node_row *node_index_range(const node_index *ix, okr_node key, size_t *count);

/* True when some row has this key. */
bool node_index_has(const node_index *ix, okr_node key);

void node_index_free(node_index *ix);

#endif
