/* render_team.c — human output of `team list` (the hierarchy drawn as a
 * tree with the box-drawing branches of `tree`, each team with its own
 * objective count; CSV/TSV stay flat: name, parent, count) and of `due`
 * (the overdue KRs, most overdue first). Writes to ctx->out only. */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "render.h"
#include "table.h"
#include "text.h"
#include "util.h"

#define TEAM_MAX_DEPTH 32

static const char *str(const char *s)
{
    return s ? s : "";
}

static bool has_parent(const Okr__Team *t)
{
    return t->parent != NULL && t->parent[0] != '\0';
}

/* Index of the team named `name` in the list, or -1. */
static long team_index(const Okr__TeamListReply *list, const char *name)
{
    for (size_t i = 0; name && i < list->n_teams; i++)
        if (strcmp(str(list->teams[i]->name), name) == 0)
            return (long)i;
    return -1;
}

typedef struct {
    const Okr__TeamListReply *list;
    table *t;
    bool *drawn;
    char prefix[TEAM_MAX_DEPTH * sizeof "│   " + 1];
} team_tree;

/* The row of team i at `depth`, then its sub-teams (name order, as listed). */
static void draw_team(team_tree *tt, size_t i, int depth, bool last)
{
    const Okr__Team *team = tt->list->teams[i];
    size_t prefix_len = strlen(tt->prefix);
    tt->drawn[i] = true;
    table_cell(tt->t, NULL, "%s%s%s", tt->prefix,
               depth == 0 ? "" : last ? "└── " : "├── ", str(team->name));
    table_cell(tt->t, NULL, "%u", team->objectives);
    if (depth >= TEAM_MAX_DEPTH)
        return;
    if (depth > 0)
        strcat(tt->prefix, last ? "    " : "│   ");
    size_t count = 0, seen = 0;
    for (size_t j = 0; j < tt->list->n_teams; j++)
        count += !tt->drawn[j] && has_parent(tt->list->teams[j]) &&
                 strcmp(tt->list->teams[j]->parent, str(team->name)) == 0;
    for (size_t j = 0; j < tt->list->n_teams; j++) {
        const Okr__Team *sub = tt->list->teams[j];
        if (tt->drawn[j] || !has_parent(sub) || strcmp(sub->parent, str(team->name)) != 0)
            continue;
        seen++;
        draw_team(tt, j, depth + 1, seen == count);
    }
    tt->prefix[prefix_len] = '\0';
}

static void render_teams_flat(const render_ctx *ctx, const Okr__TeamListReply *list)
{
    static const char *const headers[] = {"NAME", "PARENT", "OBJECTIVES"};
    table *t = table_new(3, headers);
    for (size_t i = 0; i < list->n_teams; i++) {
        table_cell(t, NULL, "%s", str(list->teams[i]->name));
        table_cell(t, NULL, "%s", str(list->teams[i]->parent));
        table_cell(t, NULL, "%u", list->teams[i]->objectives);
    }
    table_print(t, ctx->out, false);
    table_free(t);
}

void render_teams(const render_ctx *ctx, const Okr__TeamListReply *list)
{
    static const char *const headers[] = {"NAME", "OBJECTIVES"};
    if (list->n_teams == 0)
        return;
    if (table_get_format() != TABLE_TEXT)
        return render_teams_flat(ctx, list);
    team_tree tt = {.list = list, .t = table_new(2, headers),
                    .drawn = util_xcalloc(list->n_teams, sizeof(bool))};
    /* Roots: teams without a parent, or whose parent is not listed. */
    for (size_t i = 0; i < list->n_teams; i++)
        if (!has_parent(list->teams[i]) || team_index(list, list->teams[i]->parent) < 0)
            draw_team(&tt, i, 0, true);
    for (size_t i = 0; i < list->n_teams; i++)   /* a loop of parents: never made by okrd */
        if (!tt.drawn[i])
            draw_team(&tt, i, 0, true);
    table_print(tt.t, ctx->out, ctx->color);
    table_free(tt.t);
    free(tt.drawn);
}

const char *render_kr_owner(const Okr__KeyResult *kr, const Okr__Objective *o, bool *inherited)
{
    *inherited = kr->owner == NULL || kr->owner[0] == '\0';
    if (!*inherited)
        return kr->owner;
    return o && o->owner ? o->owner : "";
}

void render_due(const render_ctx *ctx, const Okr__DueReply *due)
{
    static const char *const headers[] = {"KR", "DAYS", "LAST CHECK-IN", "OBJECTIVE", "TITLE"};
    char when[FMT_BUF];
    if (due->n_items == 0) {
        if (due->days == 0)
            fprintf(ctx->out, "nothing due for %s: they own no KR that takes check-ins in an "
                              "open period\n", str(due->user));
        else
            fprintf(ctx->out, "nothing due for %s: every KR they own has a check-in within %u "
                              "day%s\n", str(due->user), due->days, due->days == 1 ? "" : "s");
        return;
    }
    table *t = table_new(5, headers);
    for (size_t i = 0; i < due->n_items; i++) {
        const Okr__DueItem *d = due->items[i];
        const Okr__KeyResult *kr = d->kr;
        table_cell(t, RENDER_BOLD, "%s", kr ? str(kr->id) : "");
        table_cell(t, d->days >= 14 ? RENDER_RED : RENDER_YELLOW, "%u", d->days);
        if (d->never) {
            text_format_date(d->since / OKR_US_PER_DAY, when);
            table_cell(t, RENDER_DIM, "never (since %s)", when);
        } else {
            text_format_date(d->since / OKR_US_PER_DAY, when);
            table_cell(t, NULL, "%s", when);
        }
        table_cell(t, NULL, "%s  %s", kr ? str(kr->objective) : "", str(d->objective_title));
        table_cell(t, NULL, "%s", kr ? str(kr->title) : "");
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}
