/* ops_team.c — teams and their hierarchy: add, list (with each team's
 * objective count), edit (rename, re-parent: cycles refused), delete (an
 * empty team), and the team scopes that tree and obj list filter by (a team
 * and every team below it). Owns nothing of the objective records but the
 * team name a rename moves. */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "okr_limits.h"

/* Every team record, in name order, as an arena array. Teams are few (a
 * department's): reading them all is cheaper than any index. */
typedef struct {
    request *rq;
    Okr__Team **teams;
    size_t n, cap;
} team_list_ctx;

static bool collect_team(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    team_list_ctx *l = ctx;
    Okr__Team *t = store_unpack(l->rq->txn, &okr__team__descriptor, val);
    if (t)
        ops_append(l->rq->mem, (void ***)&l->teams, &l->n, &l->cap, t);
    return t != NULL;
}

static size_t all_teams(request *rq, Okr__Team ***out)
{
    team_list_ctx l = {rq, NULL, 0, 0};
    store_foreach(rq->txn, rq->txn->st->teams, collect_team, &l);
    *out = l.teams;
    return l.n;
}

static bool is_parent(const Okr__Team *t, const char *name)
{
    return t->parent && t->parent[0] && strcmp(t->parent, name) == 0;
}

/* The stored sub-team count of team `name` moves by delta. A record that
 * does not keep it (from before it was kept) stays unknown; one that would
 * go below 0 (it cannot, unless damaged) becomes unknown, so the scopes
 * scan instead of trusting it. */
static void adjust_subteams(request *rq, const char *name, int delta)
{
    Okr__Team *t = name && name[0] ? store_get_team(rq->txn, name) : NULL;
    if (t == NULL || !t->has_subteams)
        return;
    if (delta < 0 && t->subteams < (uint32_t)-delta)
        t->has_subteams = false;
    else
        t->subteams = (uint32_t)((int64_t)t->subteams + delta);
    store_put_team(rq->txn, t);
}

/* TeamAdd { team { name, parent } } */
void op_team_add(request *rq, const Okr__TeamAdd *in)
{
    const Okr__Team *t = in->team;
    if (t == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "team is required");
    if (!need_name(rq, "team name", t->name, OKR_MAX_NAME, true))
        return;
    if (t->parent && t->parent[0] && need_team(rq, t->parent) == NULL)
        return;
    if (store_get_team(rq->txn, t->name))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "team \"%s\" exists already",
                                  t->name);
    Okr__Team rec = OKR__TEAM__INIT;
    rec.name = t->name;
    rec.parent = t->parent && t->parent[0] ? t->parent : NULL;
    rec.has_subteams = true;                  /* none yet; kept from now on */
    store_put_team(rq->txn, &rec);
    adjust_subteams(rq, rec.parent, +1);
    rq->subject = t->name;
}

/* TeamList {} -> TeamListReply: name order, each with its own objective
 * count (one index count per team). */
void op_team_list(request *rq, const Okr__TeamList *in)
{
    (void)in;
    Okr__TeamListReply *r = ARENA_NEW(rq->mem, Okr__TeamListReply, OKR__TEAM_LIST_REPLY__INIT);
    r->n_teams = all_teams(rq, &r->teams);
    if (r->n_teams > OKR_MAX_LIST)
        r->n_teams = OKR_MAX_LIST;
    for (size_t i = 0; i < r->n_teams; i++) {
        okr_node *ids;
        r->teams[i]->has_objectives = true;
        r->teams[i]->objectives =
            (uint32_t)store_objectives_of(rq->txn, rq->txn->st->by_team, r->teams[i]->name, &ids);
    }
    rq->response->body_case = OKR__RESPONSE__BODY_TEAMS;
    rq->response->teams = r;
}

/* The team named `name` among teams[0..n), or NULL. */
static Okr__Team *find_team(Okr__Team **teams, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(teams[i]->name, name) == 0)
            return teams[i];
    return NULL;
}

/* Would `team` under `parent` make a cycle? True (request failed) when
 * parent is team or one of its sub-teams; the sentence shows the chain. */
static bool parent_cycle(request *rq, Okr__Team **teams, size_t n, const char *team,
                         const char *parent)
{
    if (strcmp(parent, team) == 0)
        return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                            "team %s cannot be its own parent; the teams stay as they are",
                            team);
    char chain[512];
    int used = snprintf(chain, sizeof chain, "%s", parent);
    const char *at = parent;
    for (size_t steps = 0; at && steps <= n; steps++) {
        if (strcmp(at, team) == 0)
            return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                "team %s cannot have parent %s: %s is below it (%s), so that "
                                "would make a cycle; the teams stay as they are", team, parent,
                                parent, chain);
        const Okr__Team *t = find_team(teams, n, at);
        at = t && t->parent && t->parent[0] ? t->parent : NULL;
        if (at && used >= 0 && (size_t)used < sizeof chain)
            used += snprintf(chain + used, sizeof chain - (size_t)used, " -> %s", at);
    }
    return false;
}

/* The team's objectives and sub-teams follow its rename: each objective
 * record and its by_team entry, and each sub-team's parent. */
static void rename_team(request *rq, Okr__Team **teams, size_t n, const char *from, char *to)
{
    okr_node *ids;
    size_t count = store_objectives_of(rq->txn, rq->txn->st->by_team, from, &ids);
    for (size_t i = 0; i < count; i++) {
        Okr__Objective *o = store_get_objective(rq->txn, ids[i]);
        if (o == NULL)
            continue;
        o->team = to;
        store_put_objective(rq->txn, ids[i], o);
        store_index_objective(rq->txn, ids[i], NULL, from, false);
        store_index_objective(rq->txn, ids[i], NULL, to, true);
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_parent(teams[i], from))
            continue;
        teams[i]->parent = to;
        store_put_team(rq->txn, teams[i]);
    }
    store_del(rq->txn, rq->txn->st->teams, from, strlen(from));
}

/* TeamEdit { name, new_name?, parent? } */
void op_team_edit(request *rq, const Okr__TeamEdit *in)
{
    Okr__Team *t = need_team(rq, in->name);
    if (t == NULL)
        return;
    if (in->new_name == NULL && in->parent == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "nothing to change: give new_name or parent");
    if (in->new_name && !need_name(rq, "new_name", in->new_name, OKR_MAX_NAME, true))
        return;
    bool renamed = in->new_name && strcmp(in->new_name, t->name) != 0;
    if (renamed && store_get_team(rq->txn, in->new_name))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "team \"%s\" exists already",
                                  in->new_name);
    Okr__Team **teams;
    size_t n = all_teams(rq, &teams);
    if (in->parent && in->parent[0] &&
        (need_team(rq, in->parent) == NULL || parent_cycle(rq, teams, n, t->name, in->parent)))
        return;
    char *old_name = t->name;
    const char *old_parent = t->parent && t->parent[0] ? t->parent : NULL;
    if (in->parent)
        t->parent = in->parent[0] ? in->parent : NULL;
    if (in->parent && !(old_parent && t->parent && strcmp(old_parent, t->parent) == 0) &&
        (old_parent || t->parent)) {
        adjust_subteams(rq, old_parent, -1);
        adjust_subteams(rq, t->parent, +1);
    }
    if (renamed) {
        rename_team(rq, teams, n, old_name, in->new_name);
        t->name = in->new_name;
    }
    store_put_team(rq->txn, t);
    rq->subject = t->name;
}

/* TeamDelete { name }: only a team with no objectives (archived ones count:
 * they keep their team) and no sub-teams. */
void op_team_delete(request *rq, const Okr__TeamDelete *in)
{
    Okr__Team *t = need_team(rq, in->name);
    if (t == NULL)
        return;
    okr_node *ids;
    size_t n_obj = store_objectives_of(rq->txn, rq->txn->st->by_team, t->name, &ids);
    Okr__Team **teams;
    size_t n = all_teams(rq, &teams), n_sub = 0;
    const char *first_sub = NULL;
    for (size_t i = 0; i < n; i++)
        if (is_parent(teams[i], t->name) && n_sub++ == 0)
            first_sub = teams[i]->name;
    if (n_obj == 0 && n_sub == 0) {
        store_del(rq->txn, rq->txn->st->teams, t->name, strlen(t->name));
        adjust_subteams(rq, t->parent, -1);
        rq->subject = t->name;
        return;
    }
    char objs[96] = "", subs[96] = "";
    if (n_obj)
        snprintf(objs, sizeof objs, "%zu objective%s (%s%s, archived ones included)", n_obj,
                 n_obj == 1 ? "" : "s", request_id(rq, ids[0]), n_obj > 1 ? " ..." : "");
    if (n_sub)
        snprintf(subs, sizeof subs, "%zu sub-team%s (%s%s)", n_sub, n_sub == 1 ? "" : "s",
                 first_sub, n_sub > 1 ? " ..." : "");
    request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                 "team %s still has %s%s%s; move or delete %s first", t->name, objs,
                 n_obj && n_sub ? " and " : "", subs, n_obj + n_sub == 1 ? "it" : "them");
}

/* ---- team scopes: a team and every team below it ---- */

bool team_scope_of(request *rq, const char *team, bool only, team_scope *out)
{
    *out = (team_scope){0};
    if (team == NULL || team[0] == '\0')
        return true;                          /* no filter */
    const Okr__Team *root = need_team(rq, team);
    if (root == NULL)
        return false;
    if (only || (root->has_subteams && root->subteams == 0)) {
        out->names = ARENA_ARRAY(rq->mem, const char *, 1);
        out->names[out->n++] = team;          /* no sub-teams: no scan of every team */
        return true;
    }
    Okr__Team **teams;
    size_t n = all_teams(rq, &teams);
    out->names = ARENA_ARRAY(rq->mem, const char *, n + 1);
    out->names[out->n++] = team;
    /* Breadth first: each name in the list once; a parent loop (never made
     * by TeamEdit) cannot run away, as a team already listed is skipped. */
    for (size_t next = 0; !only && next < out->n; next++)
        for (size_t i = 0; i < n && out->n <= n; i++)
            if (is_parent(teams[i], out->names[next]) && !team_scope_has(out, teams[i]->name))
                out->names[out->n++] = teams[i]->name;
    return true;
}

bool team_scope_has(const team_scope *s, const char *team)
{
    if (s->n == 0)
        return true;
    for (size_t i = 0; team && i < s->n; i++)
        if (strcmp(s->names[i], team) == 0)
            return true;
    return false;
}

static int compare_nodes(const void *a, const void *b)
{
    okr_node x = *(const okr_node *)a, y = *(const okr_node *)b;
    return x < y ? -1 : x > y;
}

/* Call fn for the objectives ids[0..n) (ascending, no repeats) as
 * store_foreach over st->objectives would, skipping ids without a record. */
static void foreach_listed(request *rq, const okr_node *ids, size_t n, store_each_fn fn,
                           void *ctx)
{
    for (size_t i = 0; i < n && request_ok(rq) && rq->txn->rc == 0; i++) {
        unsigned char kb[4];
        MDB_val v;
        okr_put_be32(kb, ids[i]);
        if (!store_get(rq->txn, rq->txn->st->objectives, kb, sizeof kb, &v))
            continue;
        MDB_val k = {sizeof kb, kb};
        if (!fn(ctx, &k, &v))
            break;
    }
}

/* Sort ids ascending and drop repeats; returns the new count. */
static size_t sort_unique(okr_node *ids, size_t n)
{
    if (n < 2)
        return n;                      /* ids may be NULL */
    qsort(ids, n, sizeof *ids, compare_nodes);
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (out == 0 || ids[out - 1] != ids[i])
            ids[out++] = ids[i];
    return out;
}

typedef struct {
    request *rq;
    const char *owner;
    okr_node *ids;
    size_t n, cap;
} owned_ctx;

/* The owner index of one period: the owner's objectives, and the objective
 * of each KR there that names the owner. */
static void add_owned(owned_ctx *c, const char *period)
{
    okr_node *found;
    size_t n = store_owned_in(c->rq->txn, c->owner, period, &found);
    if (c->n + n > c->cap) {
        c->cap = 2 * (c->n + n);
        okr_node *grown = ARENA_ARRAY(c->rq->mem, okr_node, c->cap);
        if (c->n)
            memcpy(grown, c->ids, c->n * sizeof *grown);
        c->ids = grown;
    }
    for (size_t i = 0; i < n; i++) {
        store_link *up;
        if (!okr_node_is_kr(found[i]))
            c->ids[c->n++] = found[i];
        else if (store_parents(c->rq->txn, found[i], &up) == 1)
            c->ids[c->n++] = up[0].node;        /* a KR hangs under its objective */
    }
}

static bool add_owned_in_period(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)val;
    owned_ctx *c = ctx;
    char *name = arena_alloc(c->rq->mem, key->mv_size + 1);
    memcpy(name, key->mv_data, key->mv_size);
    name[key->mv_size] = '\0';
    add_owned(c, name);
    return c->rq->txn->rc == 0;
}

void team_scope_foreach(request *rq, const team_scope *s, const char *period,
                        const char *owner, store_each_fn fn, void *ctx)
{
    if (s->n == 0 && owner && owner[0]) {
        owned_ctx c = {.rq = rq, .owner = owner};
        if (period && period[0])
            add_owned(&c, period);
        else
            store_foreach(rq->txn, rq->txn->st->periods, add_owned_in_period, &c);
        return foreach_listed(rq, c.ids, sort_unique(c.ids, c.n), fn, ctx);
    }
    if (s->n <= 1)
        return store_foreach_objective(rq->txn, period, s->n ? s->names[0] : NULL, fn, ctx);
    okr_node **lists = ARENA_ARRAY(rq->mem, okr_node *, s->n);
    size_t *counts = ARENA_ARRAY(rq->mem, size_t, s->n), total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += counts[i] = store_objectives_of(rq->txn, rq->txn->st->by_team, s->names[i],
                                                 &lists[i]);
    okr_node *ids = ARENA_ARRAY(rq->mem, okr_node, total ? total : 1);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < counts[i]; j++)
            ids[n++] = lists[i][j];
    foreach_listed(rq, ids, sort_unique(ids, n), fn, ctx);   /* ascending, as the full scan */
}
