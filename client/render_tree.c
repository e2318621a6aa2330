/* render_tree.c — the alignment graph drawn as an indented tree with
 * box-drawing characters (see render_tree in render.h).
 *
 * The reply is flat: objectives, KRs and alignment edges. It is indexed once
 * into sorted arrays (nodes by id, KRs by objective, edges by parent) so each
 * step of the depth-first walk is a binary search, not a scan. The graph is
 * a DAG, so a shared subtree is drawn under each of its parents; a depth
 * limit, a line limit and a check against the current path keep a huge or
 * (through a server bug) cyclic graph from running away. */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "render.h"
#include "util.h"

/* One index row: `key` sorts first, then `sub`; `index` points into the reply. */
struct entry {
    okr_node key, sub;
    size_t index;
};

struct index {
    struct entry *rows;
    size_t n;
};

typedef struct {
    const render_ctx *ctx;
    const Okr__Graph *g;
    struct index objectives;   /* key: objective id */
    struct index krs;          /* key: KR id */
    struct index kr_of;        /* key: owning objective, sub: KR id */
    struct index children;     /* key: parent, sub: child; index: the alignment */
    struct index parented;     /* key: objectives with a parent shown in the graph */
    okr_node path[RENDER_TREE_MAX_DEPTH + 1];
    size_t lines;
    bool cut;
    char prefix[RENDER_TREE_MAX_DEPTH * sizeof "│   " + 1];
} tree;

/* The branch drawn before a node, and the prefix its own children get. */
#define BRANCH_MID "├── "
#define BRANCH_LAST "└── "
#define INDENT_MID "│   "
#define INDENT_LAST "    "

/* ------------------------------------------------------------ the index */

static int compare_entries(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void index_add(struct index *ix, const char *key, const char *sub, size_t index)
{
    okr_node k, s = 0;
    if (!okr_id_parse(key, &k) || (sub != NULL && !okr_id_parse(sub, &s)))
        return;   /* an id the server should never send: leave it out */
    ix->rows[ix->n++] = (struct entry){k, s, index};
}

static void index_sort(struct index *ix)
{
    qsort(ix->rows, ix->n, sizeof *ix->rows, compare_entries);
}

/* The first row with this key (or the end), and how many rows have it. */
static const struct entry *index_range(const struct index *ix, okr_node key, size_t *count)
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
    return ix->rows + lo;
}

static bool index_has(const struct index *ix, okr_node key)
{
    size_t count;
    index_range(ix, key, &count);
    return count > 0;
}

static bool tree_has(const tree *t, okr_node node)
{
    return index_has(okr_node_is_kr(node) ? &t->krs : &t->objectives, node);
}

static void tree_build(tree *t)
{
    const Okr__Graph *g = t->g;
    t->objectives.rows = util_xcalloc(g->n_objectives, sizeof(struct entry));
    t->krs.rows = util_xcalloc(g->n_krs, sizeof(struct entry));
    t->kr_of.rows = util_xcalloc(g->n_krs, sizeof(struct entry));
    t->children.rows = util_xcalloc(g->n_alignments, sizeof(struct entry));
    for (size_t i = 0; i < g->n_objectives; i++)
        index_add(&t->objectives, g->objectives[i]->id, NULL, i);
    for (size_t i = 0; i < g->n_krs; i++) {
        index_add(&t->krs, g->krs[i]->id, NULL, i);
        index_add(&t->kr_of, g->krs[i]->objective, g->krs[i]->id, i);
    }
    for (size_t i = 0; i < g->n_alignments; i++) {
        const Okr__Alignment *a = g->alignments[i];
        okr_node child;
        /* A KR sits under its own objective (kr->objective); an edge saying
         * so again would draw it twice. */
        if (okr_id_parse(a->child, &child) && !okr_node_is_kr(child))
            index_add(&t->children, a->parent, a->child, i);
    }
    index_sort(&t->objectives);
    index_sort(&t->krs);
    index_sort(&t->kr_of);
    index_sort(&t->children);

    t->parented.rows = util_xcalloc(g->n_alignments, sizeof(struct entry));
    for (size_t i = 0; i < t->children.n; i++)
        if (tree_has(t, t->children.rows[i].key))
            t->parented.rows[t->parented.n++] = (struct entry){t->children.rows[i].sub, 0, 0};
    index_sort(&t->parented);
}

static void tree_free(tree *t)
{
    free(t->objectives.rows);
    free(t->krs.rows);
    free(t->kr_of.rows);
    free(t->children.rows);
    free(t->parented.rows);
}

/* ------------------------------------------------------------ drawing */

/* What a tree line shows of a node. */
struct node_view {
    const char *title;
    int64_t score;
    Okr__Health health;
    bool archived;
};

/* Fill *v from the reply; false when the node is not in it. */
static bool node_view_of(const tree *t, okr_node node, struct node_view *v)
{
    size_t count;
    bool is_kr = okr_node_is_kr(node);
    const struct entry *e = index_range(is_kr ? &t->krs : &t->objectives, node, &count);
    if (count == 0)
        return false;
    if (is_kr) {
        const Okr__KeyResult *kr = t->g->krs[e->index];
        *v = (struct node_view){kr->title, kr->score, kr->health, false};
    } else {
        const Okr__Objective *o = t->g->objectives[e->index];
        *v = (struct node_view){o->title, o->score, o->health, o->archived};
    }
    return true;
}

/* "O1  0.433  on_track   Grow revenue": one node, after the branch. */
static void draw_label(const tree *t, okr_node node, uint32_t weight)
{
    const render_ctx *ctx = t->ctx;
    char id[OKR_ID_BUF], score[FMT_BUF];
    struct node_view v;

    render_paint(ctx, RENDER_BOLD, okr_id_format(node, id));
    if (node_view_of(t, node, &v)) {
        const char *health = fmt_health(v.health);
        fprintf(ctx->out, "  %s  ", fmt_score(v.score, 3, score, sizeof score));
        render_paint(ctx, render_health_color(v.health), health);
        fprintf(ctx->out, "%*s%s", (int)(11 - strlen(health)), "", v.title ? v.title : "");
        if (v.archived)
            render_paint(ctx, RENDER_DIM, " [archived]");
    }
    if (weight > 1)
        fprintf(ctx->out, " (weight %u)", weight);
    fputc('\n', ctx->out);
}

/* How many children a node has: an objective's KRs and the objectives
 * aligned to it; a KR's aligned objectives. */
static size_t child_count(const tree *t, okr_node node)
{
    size_t krs = 0, aligned;
    if (!okr_node_is_kr(node))
        index_range(&t->kr_of, node, &krs);
    index_range(&t->children, node, &aligned);
    return krs + aligned;
}

static void walk(tree *t, okr_node node, uint32_t weight, int depth, bool last);

/* Draw the i-th child of `node` (KRs first, then aligned objectives). */
static void walk_child(tree *t, okr_node node, size_t i, size_t count, int depth)
{
    size_t krs = 0, aligned;
    const struct entry *kr = okr_node_is_kr(node) ? NULL : index_range(&t->kr_of, node, &krs);
    const struct entry *edge = index_range(&t->children, node, &aligned);
    bool last = i + 1 == count;
    if (i < krs) {
        walk(t, kr[i].sub, 0, depth + 1, last);
    } else {
        const Okr__Alignment *a = t->g->alignments[edge[i - krs].index];
        walk(t, edge[i - krs].sub, a->has_weight ? a->weight : 1, depth + 1, last);
    }
}

static bool on_path(const tree *t, okr_node node, int depth)
{
    for (int i = 0; i < depth; i++)
        if (t->path[i] == node)
            return true;
    return false;
}

/* Draw `node` at `depth` (0 for a root) and, below it, its children. */
static void walk(tree *t, okr_node node, uint32_t weight, int depth, bool last)
{
    if (t->lines >= RENDER_TREE_MAX_LINES) {
        t->cut = true;
        return;
    }
    size_t prefix_len = strlen(t->prefix);
    fputs(t->prefix, t->ctx->out);
    if (depth > 0)
        fputs(last ? BRANCH_LAST : BRANCH_MID, t->ctx->out);
    draw_label(t, node, weight);
    t->lines++;

    size_t count = child_count(t, node);
    if (count == 0 || on_path(t, node, depth))   /* a cycle: never in a sound DAG */
        return;
    if (depth > 0)
        strcat(t->prefix, last ? INDENT_LAST : INDENT_MID);
    if (depth == RENDER_TREE_MAX_DEPTH) {
        fprintf(t->ctx->out, "%s" BRANCH_LAST "…\n", t->prefix);
        t->lines++;
    } else {
        t->path[depth] = node;
        for (size_t i = 0; i < count && !t->cut; i++)
            walk_child(t, node, i, count, depth);
    }
    t->prefix[prefix_len] = '\0';
}

/* Every objective without a parent shown in the graph, in reply order; with
 * !only_roots (when there was none: only a cycle could do that), every
 * objective. Returns how many were drawn. */
static size_t walk_roots(tree *t, bool only_roots)
{
    size_t drawn = 0;
    for (size_t i = 0; i < t->g->n_objectives && !t->cut; i++) {
        okr_node node;
        if (!okr_id_parse(t->g->objectives[i]->id, &node) ||
            (only_roots && index_has(&t->parented, node)))
            continue;
        walk(t, node, 0, 0, true);
        drawn++;
    }
    return drawn;
}

void render_tree(const render_ctx *ctx, const Okr__Graph *g, const char *root)
{
    tree t = {.ctx = ctx, .g = g};
    okr_node node;
    tree_build(&t);
    if (root != NULL && okr_id_parse(root, &node) && tree_has(&t, node))
        walk(&t, node, 0, 0, true);
    else if (walk_roots(&t, true) == 0)
        walk_roots(&t, false);
    if (t.cut)
        fprintf(ctx->out, "… (cut at %d lines)\n", RENDER_TREE_MAX_LINES);
    tree_free(&t);
}
