/* ops_objective.c — objectives and the alignment graph: add, edit, show,
 * list, align/unalign (cycles refused), archive/restore, delete. */
#include "ops.h"

#include <string.h>

#include "okr_limits.h"
#include "text.h"

static bool valid_type(request *rq, Okr__ObjectiveType type)
{
    if (type == OKR__OBJECTIVE_TYPE__ASPIRATIONAL || type == OKR__OBJECTIVE_TYPE__COMMITTED)
        return true;
    return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                        "type %d is neither aspirational nor committed", (int)type);
}

static bool valid_source(request *rq, Okr__ProgressSource source)
{
    if ((unsigned)source <= OKR__PROGRESS_SOURCE__PROGRESS_BOTH)
        return true;
    return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                        "progress %d is not krs, aligned or both", (int)source);
}

static const char *kind_words(Okr__KrKind kind)
{
    switch (kind) {
    case OKR__KR_KIND__METRIC: return "a metric";
    case OKR__KR_KIND__THRESHOLD: return "a threshold";
    case OKR__KR_KIND__MILESTONE: return "a milestone";
    default: return "a";
    }
}

/* DESIGN §3: only roll-up KRs take aligned objectives; a leaf KR's score
 * comes from its check-ins, so an objective aligned to it would count for
 * nothing. */
static bool need_rollup_parent(request *rq, okr_node parent)
{
    if (!okr_node_is_kr(parent))
        return true;
    Okr__KeyResult *kr = store_get_kr(rq->txn, parent);
    if (kr == NULL || kr->kind == OKR__KR_KIND__ROLLUP)
        return true;
    return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                        "%s is %s key result: only roll-up key results take aligned "
                        "objectives; align to the objective %s, or to a roll-up KR",
                        kr->id, kind_words(kr->kind), kr->objective);
}

/* The open period containing today; with several (a year and its quarter),
 * the one that started last, then the shortest. */
typedef struct {
    request *rq;
    int64_t today;
    Okr__Period *best;
    int64_t best_start, best_end;
} today_ctx;

static bool consider_period(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    today_ctx *c = ctx;
    Okr__Period *p = store_unpack(c->rq->txn, &okr__period__descriptor, val);
    int64_t start, end;
    if (p == NULL)
        return false;
    if (p->closed || !text_parse_date(p->start, &start) || !text_parse_date(p->end, &end) ||
        start > c->today || end < c->today)
        return true;
    if (c->best == NULL || start > c->best_start ||
        (start == c->best_start && end < c->best_end)) {
        c->best = p;
        c->best_start = start;
        c->best_end = end;
    }
    return true;
}

static Okr__Period *period_for(request *rq, const char *name)
{
    if (name && name[0]) {
        Okr__Period *p = need_period(rq, name);
        if (p && p->closed)
            request_fail(rq, OKR__ERROR_CODE__PERIOD_CLOSED, "period %s is closed", name);
        return p && !p->closed ? p : NULL;
    }
    today_ctx c = {rq, rq->now / OKR_US_PER_DAY, NULL, 0, 0};
    store_foreach(rq->txn, rq->txn->st->periods, consider_period, &c);
    if (c.best == NULL) {
        char today[11];
        text_format_date(c.today, today);
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "period is required: no open period contains today (%s)", today);
    }
    return c.best;
}

/* An existing node that may receive a new child (its period open). */
static bool need_parent(request *rq, const char *field, const char *text, okr_node *out)
{
    if (!need_node_id(rq, field, text, out))
        return false;
    if (okr_node_is_kr(*out) ? need_kr(rq, field, text, out) == NULL
                             : need_objective(rq, field, text, out) == NULL)
        return false;
    Okr__Objective *o = graph_owner(rq->txn, *out);
    if (o == NULL)
        return request_fail(rq, OKR__ERROR_CODE__INTERNAL, "%s has no objective record", text);
    return need_open(rq, o);
}

/* ObjectiveAdd { objective { title, description, period, team, owner, type }, align_to[] } */
void op_objective_add(request *rq, const Okr__ObjectiveAdd *in)
{
    const Okr__Objective *o = in->objective;
    if (o == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "objective is required");
    if (!need_text(rq, "title", o->title, OKR_MAX_TITLE, true) ||
        !need_lines(rq, "description", o->description, OKR_MAX_DESCRIPTION) ||
        !need_name(rq, "owner", o->owner, OKR_MAX_NAME, false) ||
        (o->has_type && !valid_type(rq, o->type)) ||
        (o->has_progress && !valid_source(rq, o->progress)))
        return;
    if (o->team && o->team[0] && need_team(rq, o->team) == NULL)
        return;
    Okr__Period *period = period_for(rq, o->period);
    if (period == NULL)
        return;
    if (in->n_align_to > OKR_MAX_ALIGN_TO)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "align_to has %zu parents; the limit is %d", in->n_align_to,
                                  OKR_MAX_ALIGN_TO);
    okr_node parents[OKR_MAX_ALIGN_TO];
    uint32_t weights[OKR_MAX_ALIGN_TO];
    for (size_t i = 0; i < in->n_align_to; i++) {
        const Okr__Alignment *a = in->align_to[i];
        if (!need_parent(rq, "align_to parent", a->parent, &parents[i]) ||
            !need_rollup_parent(rq, parents[i]) ||
            !need_weight(rq, "align_to weight", a->has_weight, a->weight, &weights[i]))
            return;
        for (size_t j = 0; j < i; j++)
            if (parents[j] == parents[i])
                return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                          "align_to names %s twice", a->parent);
    }

    okr_node id = need_next_id(rq, false);
    Okr__Objective rec = OKR__OBJECTIVE__INIT;
    rec.id = (char *)request_id(rq, id);
    rec.title = o->title;
    rec.description = o->description && o->description[0] ? o->description : NULL;
    rec.period = period->name;
    rec.team = o->team && o->team[0] ? o->team : NULL;
    rec.owner = o->owner && o->owner[0] ? o->owner : (char *)rq->actor;
    rec.has_type = true;
    rec.type = o->has_type ? o->type : OKR__OBJECTIVE_TYPE__ASPIRATIONAL;
    rec.has_progress = true;
    rec.progress = o->has_progress ? o->progress : OKR__PROGRESS_SOURCE__PROGRESS_KRS;
    rec.has_archived = true;
    rec.has_created_at = true;
    rec.created_at = rq->now;
    store_put_objective(rq->txn, id, &rec);
    store_index_objective(rq->txn, id, rec.period, rec.team, true);
    store_index_owner(rq->txn, id, rec.owner, rec.period, true);
    rollup_add_node(&rq->scores, id, 0, rollup_source_flags(rec.progress));
    request_touch(rq, id);
    for (size_t i = 0; i < in->n_align_to; i++) {
        rollup_link(&rq->scores, id, parents[i], weights[i]);
        request_touch(rq, parents[i]);
    }
    rq->subject = rec.id;
}

/* Team names as records keep them: NULL (or "") for none. */
static bool same_team(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ObjectiveEdit { id, title?, description?, owner?, type?, team?, progress? } */
void op_objective_edit(request *rq, const Okr__ObjectiveEdit *in)
{
    okr_node id;
    Okr__Objective *o = need_objective(rq, "id", in->id, &id);
    if (o == NULL || !need_open(rq, o))
        return;
    if (!in->title && !in->description && !in->owner && !in->has_type && !in->team &&
        !in->has_progress)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "nothing to change: give a field to edit");
    if ((in->title && !need_text(rq, "title", in->title, OKR_MAX_TITLE, true)) ||
        (in->description &&
         !need_lines(rq, "description", in->description, OKR_MAX_DESCRIPTION)) ||
        (in->owner && !need_name(rq, "owner", in->owner, OKR_MAX_NAME, true)) ||
        (in->has_type && !valid_type(rq, in->type)) ||
        (in->has_progress && !valid_source(rq, in->progress)) ||
        (in->team && in->team[0] && need_team(rq, in->team) == NULL))
        return;
    if (in->title)
        o->title = in->title;
    if (in->description)
        o->description = in->description[0] ? in->description : NULL;
    if (in->owner && strcmp(in->owner, o->owner ? o->owner : "") != 0) {
        owner_index_objective(rq, id, o, o->period, false);
        o->owner = in->owner;
        owner_index_objective(rq, id, o, o->period, true);
    }
    if (in->has_type)
        o->type = in->type;
    if (in->team) {
        char *team = in->team[0] ? in->team : NULL;
        if (!same_team(o->team, team)) {
            store_index_objective(rq->txn, id, NULL, o->team, false);
            store_index_objective(rq->txn, id, NULL, team, true);
        }
        o->team = team;
    }
    if (in->has_progress) {
        o->has_progress = true;
        o->progress = in->progress;
        rollup_set_source(&rq->scores, id, in->progress);
    }
    store_put_objective(rq->txn, id, o);
    request_touch(rq, id);
    rq->subject = o->id;
}

/* ObjectiveGet { id, brief } -> ObjectiveDetail (brief: without parents and
 * children, what a dashboard polling one score needs) */
void op_objective_get(request *rq, const Okr__ObjectiveGet *in)
{
    okr_node id;
    Okr__Objective *o = need_objective(rq, "id", in->id, &id);
    if (o == NULL)
        return;
    Okr__ObjectiveDetail *d = ARENA_NEW(rq->mem, Okr__ObjectiveDetail,
                                        OKR__OBJECTIVE_DETAIL__INIT);
    d->objective = view_objective(rq, id, o);

    store_link *kids, *ups;
    size_t n_kids = store_children(rq->txn, id, &kids);
    d->krs = ARENA_ARRAY(rq->mem, Okr__KeyResult *, n_kids);
    d->children = ARENA_ARRAY(rq->mem, Okr__Alignment *, n_kids);
    for (size_t i = 0; i < n_kids; i++) {
        if (!okr_node_is_kr(kids[i].node)) {
            if (!in->brief)
                d->children[d->n_children++] =
                    view_alignment(rq, kids[i].node, id, kids[i].weight);
            continue;
        }
        Okr__KeyResult *kr = store_get_kr(rq->txn, kids[i].node);
        if (kr == NULL)
            continue;
        d->krs[d->n_krs++] = view_kr(rq, kids[i].node, kr, o);
        /* Objectives aligned to this KR count as children of the objective too. */
        store_link *grand;
        size_t n_grand = in->brief ? 0 : store_children(rq->txn, kids[i].node, &grand);
        if (n_grand) {
            Okr__Alignment **grown = ARENA_ARRAY(rq->mem, Okr__Alignment *,
                                                 d->n_children + n_kids + n_grand);
            memcpy(grown, d->children, d->n_children * sizeof *grown);
            d->children = grown;
            for (size_t j = 0; j < n_grand; j++)
                d->children[d->n_children++] =
                    view_alignment(rq, grand[j].node, kids[i].node, grand[j].weight);
        }
    }
    size_t n_ups = in->brief ? 0 : store_parents(rq->txn, id, &ups);
    d->parents = ARENA_ARRAY(rq->mem, Okr__Alignment *, n_ups);
    for (size_t i = 0; i < n_ups; i++)
        d->parents[d->n_parents++] = view_alignment(rq, id, ups[i].node, ups[i].weight);
    rq->response->body_case = OKR__RESPONSE__BODY_OBJECTIVE;
    rq->response->objective = d;
}

typedef struct {
    request *rq;
    const Okr__ObjectiveList *filter;
    team_scope teams;               /* the team and its sub-teams (ops_team.c) */
    Okr__ObjectiveListReply *reply;
} list_ctx;

static bool list_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
    list_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    if (o == NULL)
        return false;
    const Okr__ObjectiveList *f = c->filter;
    if ((o->archived && !f->include_archived) ||
        (f->period && f->period[0] && strcmp(f->period, o->period) != 0) ||
        (c->teams.n && (!o->team || !team_scope_has(&c->teams, o->team))) ||
        (f->owner && f->owner[0] && (!o->owner || strcmp(f->owner, o->owner) != 0)))
        return true;
    if (c->reply->n_objectives == OKR_MAX_LIST) {
        c->reply->has_truncated = c->reply->truncated = true;
        return false;
    }
    c->reply->objectives[c->reply->n_objectives++] =
        view_objective(c->rq, okr_get_be32(key->mv_data), o);
    return true;
}

/* ObjectiveList { period?, team?, include_archived, owner?, only_team? }
 * -> ObjectiveListReply
 * Ascending id; a team (with its sub-teams unless only_team) or period is
 * looked up in its index (list_one still applies every filter), only a list
 * without either reads every objective. */
void op_objective_list(request *rq, const Okr__ObjectiveList *in)
{
    list_ctx c = {rq, in, {0}, NULL};
    if ((in->period && in->period[0] && need_period(rq, in->period) == NULL) ||
        !team_scope_of(rq, in->team, in->only_team, &c.teams) ||
        (in->owner && !need_name(rq, "owner", in->owner, OKR_MAX_NAME, false)))
        return;
    uint64_t total = store_count(rq->txn, rq->txn->st->objectives);
    Okr__ObjectiveListReply *r = ARENA_NEW(rq->mem, Okr__ObjectiveListReply,
                                           OKR__OBJECTIVE_LIST_REPLY__INIT);
    r->objectives = ARENA_ARRAY(rq->mem, Okr__Objective *,
                                total < OKR_MAX_LIST ? total : OKR_MAX_LIST);
    c.reply = r;
    team_scope_foreach(rq, &c.teams, in->period, in->owner, list_one, &c);
    rq->response->body_case = OKR__RESPONSE__BODY_OBJECTIVES;
    rq->response->objectives = r;
}

/* Align { alignment { child, parent, weight } } — creates the link, or sets
 * the weight of an existing one. */
void op_align(request *rq, const Okr__Align *in)
{
    const Okr__Alignment *a = in->alignment;
    okr_node child, parent;
    uint32_t weight;
    if (a == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "alignment is required");
    Okr__Objective *c = need_objective(rq, "child", a->child, &child);
    if (c == NULL || !need_open(rq, c) || !need_parent(rq, "parent", a->parent, &parent) ||
        !need_rollup_parent(rq, parent) ||
        !need_weight(rq, "weight", a->has_weight, a->weight, &weight))
        return;
    if (c->archived)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "objective %s is archived; restore it first", c->id);
    if (graph_reaches_up(rq->txn, parent, child))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "aligning %s to %s would create a cycle: %s already rolls "
                                  "up into %s", c->id, request_id(rq, parent),
                                  request_id(rq, parent), c->id);
    rollup_link(&rq->scores, child, parent, weight);
    request_touch(rq, child);
    request_touch(rq, parent);
    rq->subject = c->id;
}

/* Unalign { child, parent } */
void op_unalign(request *rq, const Okr__Unalign *in)
{
    okr_node child, parent;
    Okr__Objective *c = need_objective(rq, "child", in->child, &child);
    if (c == NULL || !need_open(rq, c) || !need_parent(rq, "parent", in->parent, &parent))
        return;
    if (!store_get_edge(rq->txn, child, parent, NULL))
        return (void)request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "%s is not aligned to %s",
                                  c->id, request_id(rq, parent));
    rollup_unlink(&rq->scores, child, parent);
    request_touch(rq, child);
    request_touch(rq, parent);
    rq->subject = c->id;
}

/* Every parent of a node must sit in an open period before the node stops
 * counting toward it; the parents are touched by the change. */
static bool parents_open(request *rq, okr_node id)
{
    store_link *ups;
    size_t n = store_parents(rq->txn, id, &ups);
    for (size_t i = 0; i < n; i++) {
        okr_node p;
        if (!need_parent(rq, "parent", request_id(rq, ups[i].node), &p))
            return false;
        request_touch(rq, p);
    }
    return true;
}

/* ObjectiveArchive { id, restore } */
void op_objective_archive(request *rq, const Okr__ObjectiveArchive *in)
{
    okr_node id;
    Okr__Objective *o = need_objective(rq, "id", in->id, &id);
    if (o == NULL || !need_open(rq, o) || !parents_open(rq, id))
        return;
    bool archive = !in->restore;
    if (o->archived == archive)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "objective %s is %s already",
                                  o->id, archive ? "archived" : "active");
    o->has_archived = true;
    o->archived = archive;
    store_put_objective(rq->txn, id, o);
    rollup_set_archived(&rq->scores, id, archive);
    request_touch(rq, id);
    rq->subject = o->id;
}

/* ObjectiveDelete { id } — removes the objective, its KRs with their
 * check-ins, and every alignment to or from them. Objectives that were
 * aligned to it stay, unaligned from it; its parents' scores are updated. */
void op_objective_delete(request *rq, const Okr__ObjectiveDelete *in)
{
    okr_node id;
    Okr__Objective *o = need_objective(rq, "id", in->id, &id);
    if (o == NULL || !need_open(rq, o) || !parents_open(rq, id))
        return;
    store_link *kids;
    size_t n_kids = store_children(rq->txn, id, &kids);   /* taken before the links go */
    owner_index_objective(rq, id, o, o->period, false);
    request_touch(rq, id);
    rollup_remove_node(&rq->scores, id);
    for (size_t i = 0; i < n_kids; i++) {
        request_touch(rq, kids[i].node);
        if (!okr_node_is_kr(kids[i].node))
            continue;
        rollup_remove_node(&rq->scores, kids[i].node);
        store_del_checkins(rq->txn, kids[i].node);
        store_del_kr(rq->txn, kids[i].node);
    }
    store_index_objective(rq->txn, id, o->period, o->team, false);
    store_del_objective(rq->txn, id);
    rq->subject = o->id;
}
