/* render_tree.c — the alignment graph drawn as an indented tree with
 * box-drawing characters, a progress bar, score, health and latest
 * confidence per node (see render_tree in render.h).
 *
 * The reply is flat: objectives, KRs and alignment edges. It is indexed once
 * into sorted arrays (nodes by id, KRs by objective, edges by parent) so each
 * step of the depth-first walk is a binary search, not a scan. The graph is
 * a DAG, so a shared subtree is drawn under each of its parents; a depth
 * limit, a line limit and a check against the current path keep a huge or
 * (through a server bug) cyclic graph from running away.
 *
 * The walk first collects the lines, then prints them, so that the numbers
 * line up in columns to the right of the widest tree-and-title column (cut
 * with "…" to fit a terminal's width). */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "render.h"
#include "table.h"
#include "util.h"

/* One line of the drawing: the tree's branches, then the node (or "…" where
 * the depth limit cut a subtree). */
struct line {
    char *branches;       /* "│   ├── ", malloc'd */
    okr_node node;
    uint32_t weight;      /* the alignment's, shown when > 1 */
    bool ellipsis;
    const Okr__Alignment *edge;   /* the alignment drawn, NULL for a KR or a root */
};

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
    struct line *lines;        /* what the walk found, in drawing order */
    size_t n_lines, cap_lines;
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
    for (size_t i = 0; i < t->n_lines; i++)
        free(t->lines[i].branches);
    free(t->lines);
    free(t->objectives.rows);
    free(t->krs.rows);
    free(t->kr_of.rows);
    free(t->children.rows);
    free(t->parented.rows);
}

/* ------------------------------------------------------------ the walk */

static void add_line(tree *t, const char *branch, okr_node node, const Okr__Alignment *edge,
                     bool ellipsis)
{
    uint32_t weight = edge && edge->has_weight ? edge->weight : 0;
    if (t->n_lines == t->cap_lines) {
        t->cap_lines = t->cap_lines ? 2 * t->cap_lines : 64;
        t->lines = util_xreallocarray(t->lines, t->cap_lines, sizeof *t->lines);
    }
    size_t len = strlen(t->prefix) + strlen(branch) + 1;
    char *branches = util_xcalloc(len, 1);
    snprintf(branches, len, "%s%s", t->prefix, branch);
    t->lines[t->n_lines++] = (struct line){branches, node, weight, ellipsis, edge};
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

static void walk(tree *t, okr_node node, const Okr__Alignment *edge, int depth, bool last);

/* Walk the i-th child of `node` (KRs first, then aligned objectives). */
static void walk_child(tree *t, okr_node node, size_t i, size_t count, int depth)
{
    size_t krs = 0, aligned;
    const struct entry *kr = okr_node_is_kr(node) ? NULL : index_range(&t->kr_of, node, &krs);
    const struct entry *edge = index_range(&t->children, node, &aligned);
    bool last = i + 1 == count;
    if (i < krs) {
        walk(t, kr[i].sub, NULL, depth + 1, last);
    } else {
        const Okr__Alignment *a = t->g->alignments[edge[i - krs].index];
        walk(t, edge[i - krs].sub, a, depth + 1, last);
    }
}

static bool on_path(const tree *t, okr_node node, int depth)
{
    for (int i = 0; i < depth; i++)
        if (t->path[i] == node)
            return true;
    return false;
}

/* Collect `node` at `depth` (0 for a root) and, below it, its children. */
static void walk(tree *t, okr_node node, const Okr__Alignment *edge, int depth, bool last)
{
    if (t->n_lines >= RENDER_TREE_MAX_LINES) {
        t->cut = true;
        return;
    }
    size_t prefix_len = strlen(t->prefix);
    add_line(t, depth == 0 ? "" : last ? BRANCH_LAST : BRANCH_MID, node, edge, false);

    size_t count = child_count(t, node);
    if (count == 0 || on_path(t, node, depth))   /* a cycle: never in a sound DAG */
        return;
    if (depth > 0)
        strcat(t->prefix, last ? INDENT_LAST : INDENT_MID);
    if (depth == RENDER_TREE_MAX_DEPTH) {
        add_line(t, BRANCH_LAST, node, NULL, true);
    } else {
        t->path[depth] = node;
        for (size_t i = 0; i < count && !t->cut; i++)
            walk_child(t, node, i, count, depth);
    }
    t->prefix[prefix_len] = '\0';
}

/* Every objective without a parent shown in the graph, in reply order; with
 * !only_roots (when there was none: only a cycle could do that), every
 * objective. Returns how many were walked. */
static size_t walk_roots(tree *t, bool only_roots)
{
    size_t drawn = 0;
    for (size_t i = 0; i < t->g->n_objectives && !t->cut; i++) {
        okr_node node;
        if (!okr_id_parse(t->g->objectives[i]->id, &node) ||
            (only_roots && index_has(&t->parented, node)))
            continue;
        walk(t, node, NULL, 0, true);
        drawn++;
    }
    return drawn;
}

/* ------------------------------------------------------------ drawing */

/* What a tree line shows of a node. */
struct node_view {
    const char *title;
    int64_t score;
    Okr__Health health;
    Okr__Grade grade;     /* once the period is closed */
    bool archived;
    bool has_confidence;
    double confidence;
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
        const Okr__Objective *owner = NULL;
        okr_node owner_id;
        if (kr->objective && okr_id_parse(kr->objective, &owner_id)) {
            const struct entry *o = index_range(&t->objectives, owner_id, &count);
            owner = count ? t->g->objectives[o->index] : NULL;
        }
        *v = (struct node_view){kr->title, kr->score, kr->health, render_kr_grade(kr, owner),
                                false, kr->has_confidence, kr->confidence};
    } else {
        const Okr__Objective *o = t->g->objectives[e->index];
        *v = (struct node_view){o->title, o->score, o->health, o->grade, o->archived,
                                o->has_confidence, o->confidence};
    }
    if (v->title == NULL)
        v->title = "";
    return true;
}

/* The columns right of the titles: "  ████▎░░░░░  0.433  on_track   0.70". */
#define BAR_CELLS 10
#define HEALTH_WIDTH 9                                  /* "off_track" */
#define RIGHT_WIDTH (2 + BAR_CELLS + 2 + 5 + 2 + HEALTH_WIDTH + 2 + 4)
#define MIN_LEFT_WIDTH 24

/* The " [archived]", " (weight 2)" and " (does not count: ...)" that
 * follow a title. */
#define NOTES_BUF 160
static void title_notes(const struct line *l, const struct node_view *v, char *buf, size_t len)
{
    char uncounted[96] = "";
    if (l->edge && !v->archived)
        render_uncounted(l->edge, uncounted, sizeof uncounted);
    int n = snprintf(buf, len, "%s", v->archived ? " [archived]" : "");
    if (l->weight > 1 && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " (weight %u)", l->weight);
    if (n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "%s", uncounted);
}

/* Columns the left part of a line takes: branches, id, title and notes. */
static size_t left_width(const tree *t, const struct line *l)
{
    char id[OKR_ID_BUF], notes[NOTES_BUF];
    struct node_view v;
    size_t width = table_text_width(l->branches);
    if (l->ellipsis)
        return width + 1;
    width += strlen(okr_id_format(l->node, id));
    if (node_view_of(t, l->node, &v)) {
        title_notes(l, &v, notes, sizeof notes);
        width += 2 + table_text_width(v.title) + strlen(notes);
    }
    return width;
}

/* The width every left part is padded (or cut) to. */
static size_t left_column(const tree *t)
{
    size_t widest = 0;
    for (size_t i = 0; i < t->n_lines; i++) {
        size_t w = left_width(t, &t->lines[i]);
        if (w > widest)
            widest = w;
    }
    if (t->ctx->width > 0) {
        size_t room = (size_t)t->ctx->width > RIGHT_WIDTH + MIN_LEFT_WIDTH + 1
                          ? (size_t)t->ctx->width - RIGHT_WIDTH - 1
                          : MIN_LEFT_WIDTH;
        if (widest > room)
            widest = room;
    }
    return widest;
}

/* The title, cut with "…" to `room` columns; returns the columns written. */
static size_t draw_title(const tree *t, const char *title, size_t room)
{
    size_t width = table_text_width(title);
    if (width <= room) {
        fputs(title, t->ctx->out);
        return width;
    }
    if (room == 0)
        return 0;
    size_t bytes = table_text_fit(title, room - 1);
    fprintf(t->ctx->out, "%.*s…", (int)bytes, title);
    return table_text_width(title) - table_text_width(title + bytes) + 1;
}

/* "  ████▎░░░░░  0.433  on_track   0.70" */
static void draw_numbers(const tree *t, const struct node_view *v)
{
    const render_ctx *ctx = t->ctx;
    const char *color;
    const char *health = render_judgment(v->health, v->grade, &color);
    char bar[3 * BAR_CELLS + 1], score[FMT_BUF];

    fputs("  ", ctx->out);
    render_paint(ctx, color, fmt_bar(v->score, BAR_CELLS, bar, sizeof bar));
    fprintf(ctx->out, "  %s  ", fmt_score(v->score, 3, score, sizeof score));
    render_paint(ctx, color, health);
    if (v->has_confidence)
        fprintf(ctx->out, "%*s%.2f", (int)(HEALTH_WIDTH + 2 - strlen(health)), "",
                v->confidence);
    else
        fprintf(ctx->out, "%*s-", (int)(HEALTH_WIDTH + 2 - strlen(health)), "");
}

static void draw_line(const tree *t, const struct line *l, size_t column)
{
    const render_ctx *ctx = t->ctx;
    char id[OKR_ID_BUF], notes[NOTES_BUF];
    struct node_view v;
    size_t used = table_text_width(l->branches);

    fputs(l->branches, ctx->out);
    if (l->ellipsis) {
        fputs("…\n", ctx->out);
        return;
    }
    render_paint(ctx, RENDER_BOLD, okr_id_format(l->node, id));
    used += strlen(id);
    if (!node_view_of(t, l->node, &v)) {
        fputc('\n', ctx->out);
        return;
    }
    title_notes(l, &v, notes, sizeof notes);
    size_t notes_width = strlen(notes);
    size_t room = column > used + 2 + notes_width ? column - used - 2 - notes_width : 0;
    fputs("  ", ctx->out);
    used += 2 + draw_title(t, v.title, room);
    render_paint(ctx, RENDER_DIM, notes);
    used += notes_width;
    fprintf(ctx->out, "%*s", (int)(column > used ? column - used : 0), "");
    draw_numbers(t, &v);
    fputc('\n', ctx->out);
}

/* A header naming the numbers, aligned over them. */
static void draw_header(const tree *t, size_t column)
{
    static const char header[] = "PROGRESS    SCORE  HEALTH     CONF";
    fprintf(t->ctx->out, "%*s", (int)column + 2, "");
    render_paint(t->ctx, RENDER_BOLD, header);
    fputc('\n', t->ctx->out);
}

void render_tree(const render_ctx *ctx, const Okr__Graph *g, const char *root)
{
    tree t = {.ctx = ctx, .g = g};
    okr_node node;
    tree_build(&t);
    if (root != NULL && okr_id_parse(root, &node) && tree_has(&t, node))
        walk(&t, node, NULL, 0, true);
    else if (walk_roots(&t, true) == 0)
        walk_roots(&t, false);
    if (t.n_lines > 0) {
        size_t column = left_column(&t);
        draw_header(&t, column);
        for (size_t i = 0; i < t.n_lines; i++)
            draw_line(&t, &t.lines[i], column);
    }
    if (t.cut)
        fprintf(ctx->out, "… (cut at %d lines)\n", RENDER_TREE_MAX_LINES);
    tree_free(&t);
}
