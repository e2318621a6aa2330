/* ops_kr.c — key results: add, edit, show, delete (their check-ins are
 * ops_checkin.c's). A KR hangs under its objective by an edge carrying the
 * KR's weight, so every score change goes through rollup_. */
#include "ops.h"

#include <string.h>

#include "okr_limits.h"

/* The values a KR of its kind needs, normalised in place. */
static bool check_kind_values(request *rq, Okr__KeyResult *kr)
{
    if ((unsigned)kr->kind > OKR__KR_KIND__ROLLUP)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "kind %d is not metric, threshold, milestone or rollup",
                            (int)kr->kind);
    switch (kr->kind) {
    case OKR__KR_KIND__METRIC:
        if (!need_number(rq, "start (--from)", kr->has_start, kr->start) ||
            !need_number(rq, "target (--to)", kr->has_target, kr->target))
            return false;
        if (kr->start == kr->target)
            return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "target equals start (%g): a metric KR needs a change to "
                                "measure", kr->target);
        break;
    case OKR__KR_KIND__THRESHOLD:
        if (!need_number(rq, "target (the threshold bound)", kr->has_target, kr->target))
            return false;
        if (kr->has_direction && (unsigned)kr->direction > OKR__THRESHOLD_DIRECTION__AT_MOST)
            return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "direction %d is neither at_least nor at_most",
                                (int)kr->direction);
        if (kr->has_start && !need_number(rq, "start", true, kr->start))
            return false;
        kr->has_direction = true;
        break;
    case OKR__KR_KIND__MILESTONE:
        kr->start = 0;
        kr->target = 1;
        kr->has_start = kr->has_target = true;
        break;
    case OKR__KR_KIND__ROLLUP:
        kr->has_start = kr->has_target = false;
        break;
    default:
        break;
    }
    return true;
}

static bool check_kr_text(request *rq, const char *title, bool title_required,
                          const char *unit, const char *owner)
{
    return need_text(rq, "title", title, OKR_MAX_TITLE, title_required) &&
           need_name(rq, "unit", unit, OKR_MAX_UNIT, false) &&
           need_name(rq, "owner", owner, OKR_MAX_NAME, false);
}

Okr__Objective *need_live_objective(request *rq, const char *text, okr_node *id)
{
    Okr__Objective *o = need_objective(rq, "objective", text, id);
    if (o == NULL || !need_open(rq, o))
        return NULL;
    if (o->archived) {
        request_fail(rq, OKR__ERROR_CODE__CONFLICT, "objective %s is archived", o->id);
        return NULL;
    }
    return o;
}

/* KeyResultAdd { kr { objective, title, kind, start, target, unit, weight, owner, direction } } */
void op_kr_add(request *rq, const Okr__KeyResultAdd *in)
{
    const Okr__KeyResult *k = in->kr;
    okr_node obj_id;
    uint32_t weight;
    if (k == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "kr is required");
    Okr__Objective *o = need_live_objective(rq, k->objective, &obj_id);
    if (o == NULL || !check_kr_text(rq, k->title, true, k->unit, k->owner) ||
        !need_weight(rq, "weight", k->has_weight, k->weight, &weight))
        return;

    Okr__KeyResult rec = OKR__KEY_RESULT__INIT;
    rec.objective = o->id;
    rec.title = k->title;
    rec.has_kind = true;
    rec.kind = k->has_kind ? k->kind : OKR__KR_KIND__METRIC;
    rec.has_start = k->has_start;
    rec.start = k->start;
    rec.has_target = k->has_target;
    rec.target = k->target;
    rec.has_direction = k->has_direction;
    rec.direction = k->direction;
    rec.unit = k->unit && k->unit[0] ? k->unit : NULL;
    /* No owner: the objective's, derived when read (ops_due.c owner_of_kr). */
    rec.owner = k->owner && k->owner[0] ? k->owner : NULL;
    rec.has_checkins = true;
    if (!check_kind_values(rq, &rec))
        return;

    okr_node id = need_next_id(rq, true);
    rec.id = (char *)request_id(rq, id);
    store_put_kr(rq->txn, id, &rec);
    owner_index_kr(rq, id, rec.owner, o, o->period, true);
    bool is_rollup = rec.kind == OKR__KR_KIND__ROLLUP;
    rollup_add_node(&rq->scores, id, is_rollup ? 0 : rollup_leaf_score_of(&rec),
                    is_rollup ? STORE_AGG_ROLLUP : 0);
    rollup_link(&rq->scores, id, obj_id, weight);
    request_touch(rq, id);
    request_touch(rq, obj_id);
    rq->subject = rec.id;
}

static const char *kind_name(Okr__KrKind kind)
{
    switch (kind) {
    case OKR__KR_KIND__METRIC: return "metric";
    case OKR__KR_KIND__THRESHOLD: return "threshold";
    case OKR__KR_KIND__MILESTONE: return "milestone";
    case OKR__KR_KIND__ROLLUP: return "roll-up";
    default: return "unknown";
    }
}

/* The rules of a KR edit that values alone cannot tell (docs/scoring.md,
 * "Editing a key result"):
 *  - a kind change is refused once the KR has check-ins (their values were
 *    measured for the old kind), and away from roll-up while objectives are
 *    aligned to it (only roll-up KRs take them);
 *  - a kind change keeps the start (a metric's baseline and a threshold's
 *    value before its first check-in mean the same: the value until
 *    measured) but no target or direction, whose meaning changes: a metric
 *    or threshold needs its target (--to, or the bound) in the same edit; a
 *    milestone's or roll-up's start/target are not values and go;
 *  - a milestone or roll-up KR has no start or target, a metric no
 *    direction: setting one is refused instead of being stored for nothing. */
static bool check_edit_rules(request *rq, const Okr__KeyResult *kr, okr_node id,
                             const Okr__KeyResultEdit *in)
{
    Okr__KrKind kind = in->has_kind ? in->kind : kr->kind;
    bool changes_kind = in->has_kind && in->kind != kr->kind;
    if ((unsigned)kind > OKR__KR_KIND__ROLLUP)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "kind %d is not metric, threshold, milestone or rollup", (int)kind);
    if (changes_kind && kr->checkins > 0)
        return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                            "%s has %u check-ins measured as a %s: its kind cannot change; "
                            "add a new key result of kind %s instead", kr->id, kr->checkins,
                            kind_name(kr->kind), kind_name(kind));
    store_link *kids;
    if (changes_kind && kr->kind == OKR__KR_KIND__ROLLUP &&
        store_children(rq->txn, id, &kids) > 0)
        return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                            "objectives are aligned to %s (%s first): only roll-up key "
                            "results take aligned objectives; unalign them first", kr->id,
                            request_id(rq, kids[0].node));
    if ((kind == OKR__KR_KIND__MILESTONE || kind == OKR__KR_KIND__ROLLUP) &&
        (in->has_start || in->has_target || in->has_direction))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is a %s key result: it has no start, target or bound to "
                            "set%s", kr->id, kind_name(kind),
                            kind == OKR__KR_KIND__MILESTONE ? " (check in 1 when done)" : "");
    if (kind == OKR__KR_KIND__METRIC && in->has_direction)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is a metric key result: --at-least/--at-most are for "
                            "threshold KRs; give --from and --to", kr->id);
    if (changes_kind && kind == OKR__KR_KIND__METRIC && !in->has_target)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "changing %s to a metric needs its target (--to) in the same "
                            "edit", kr->id);
    if (changes_kind && kind == OKR__KR_KIND__THRESHOLD && !in->has_target)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "changing %s to a threshold needs its bound (--at-least or "
                            "--at-most) in the same edit", kr->id);
    return true;
}

/* KeyResultEdit { id, title?, kind?, start?, target?, unit?, weight?, owner?, direction? } */
void op_kr_edit(request *rq, const Okr__KeyResultEdit *in)
{
    okr_node id, obj_id;
    uint32_t weight = 0;
    Okr__KeyResult *kr = need_kr(rq, "id", in->id, &id);
    Okr__Objective *o = kr ? need_live_objective(rq, kr->objective, &obj_id) : NULL;
    if (o == NULL)
        return;
    if (!in->title && !in->has_kind && !in->has_start && !in->has_target && !in->unit &&
        !in->has_weight && !in->owner && !in->has_direction)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "nothing to change: give a field to edit");
    if (!check_kr_text(rq, in->title, in->title != NULL, in->unit, in->owner) ||
        (in->has_weight && !need_weight(rq, "weight", true, in->weight, &weight)) ||
        !check_edit_rules(rq, kr, id, in))
        return;
    bool was_rollup = kr->kind == OKR__KR_KIND__ROLLUP;
    const char *old_owner = kr->owner;
    if (in->title) kr->title = in->title;
    if (in->unit) kr->unit = in->unit[0] ? in->unit : NULL;
    if (in->owner) kr->owner = in->owner[0] ? in->owner : NULL;   /* "": the objective's */
    if (in->has_kind && in->kind != kr->kind) {
        if (kr->kind == OKR__KR_KIND__MILESTONE || kr->kind == OKR__KR_KIND__ROLLUP)
            kr->has_start = false;
        kr->kind = in->kind;
        kr->has_target = kr->has_direction = false;
        kr->direction = OKR__THRESHOLD_DIRECTION__AT_LEAST;
    }
    if (in->has_start) { kr->has_start = true; kr->start = in->start; }
    if (in->has_target) { kr->has_target = true; kr->target = in->target; }
    if (in->has_direction) { kr->has_direction = true; kr->direction = in->direction; }
    if (!check_kind_values(rq, kr))
        return;
    store_put_kr(rq->txn, id, kr);
    if (strcmp(old_owner ? old_owner : "", kr->owner ? kr->owner : "") != 0) {
        owner_index_kr(rq, id, old_owner, o, o->period, false);
        owner_index_kr(rq, id, kr->owner, o, o->period, true);
    }

    bool is_rollup = kr->kind == OKR__KR_KIND__ROLLUP;
    if (is_rollup != was_rollup)
        rollup_set_rollup(&rq->scores, id, is_rollup, is_rollup ? 0 : rollup_leaf_score_of(kr));
    else if (!is_rollup)
        rollup_set_leaf_score(&rq->scores, id, rollup_leaf_score_of(kr));
    if (in->has_weight)
        rollup_link(&rq->scores, id, obj_id, weight);
    request_touch(rq, id);
    rq->subject = kr->id;
}

/* KeyResultGet { id } -> KeyResultDetail */
void op_kr_get(request *rq, const Okr__KeyResultGet *in)
{
    okr_node id, obj_id;
    Okr__KeyResult *kr = need_kr(rq, "id", in->id, &id);
    if (kr == NULL)
        return;
    Okr__KeyResultDetail *d = ARENA_NEW(rq->mem, Okr__KeyResultDetail,
                                        OKR__KEY_RESULT_DETAIL__INIT);
    d->kr = view_kr(rq, id, kr, NULL);
    Okr__Objective *o = okr_id_parse(kr->objective, &obj_id)
                            ? store_get_objective(rq->txn, obj_id) : NULL;
    if (o)
        d->objective = view_objective(rq, obj_id, o);
    store_link *kids;
    size_t n = store_children(rq->txn, id, &kids);
    d->children = ARENA_ARRAY(rq->mem, Okr__Alignment *, n);
    for (size_t i = 0; i < n; i++)
        d->children[d->n_children++] = view_alignment(rq, kids[i].node, id, kids[i].weight);
    rq->response->body_case = OKR__RESPONSE__BODY_KR;
    rq->response->kr = d;
}

/* KeyResultDelete { id } — objectives aligned to it stay, unaligned. */
void op_kr_delete(request *rq, const Okr__KeyResultDelete *in)
{
    okr_node id, obj_id;
    Okr__KeyResult *kr = need_kr(rq, "id", in->id, &id);
    Okr__Objective *o = kr ? need_live_objective(rq, kr->objective, &obj_id) : NULL;
    if (o == NULL)
        return;
    store_link *kids;
    size_t n = store_children(rq->txn, id, &kids);
    for (size_t i = 0; i < n; i++)
        request_touch(rq, kids[i].node);
    request_touch(rq, id);
    request_touch(rq, obj_id);
    rollup_remove_node(&rq->scores, id);
    store_del_checkins(rq->txn, id);
    owner_index_kr(rq, id, kr->owner, o, o->period, false);
    store_del_kr(rq->txn, id);
    rq->subject = kr->id;
}
