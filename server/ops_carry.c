/* ops_carry.c — ObjectiveCarry: an objective (with_krs: and its KRs) copied
 * into another, open period, each copy keeping the id it came from in
 * `origin`. Owns the rules of a carry: what is copied, what a KR's start
 * becomes (from_reached), which alignments follow, what is refused. The
 * records and scores go through store_ and rollup_ as every add does, in
 * the request's one nested transaction: a refusal anywhere changes nothing.
 *
 * Alignments: a parent of the objective that was itself carried into the
 * target period (an objective whose origin is that parent, or a KR of it
 * whose origin is that KR) gets the copy aligned to it, with the same
 * weight; no other alignment is carried (the parents stay in their period,
 * and children are carried after their parents, top-down). */
#include "ops.h"

#include <string.h>

#include "okr_limits.h"

/* The objectives of the target period that were carried there: each copy
 * and the id it came from; and the two that refuse a carry. */
typedef struct {
    okr_node copy, origin;
} carried_pair;

typedef struct {
    request *rq;
    const Okr__Objective *source;
    carried_pair *pairs;
    size_t n, cap;
    const Okr__Objective *earlier;   /* a copy of source there already */
    const Okr__Objective *home;      /* source's own origin, living there */
} period_scan;

static void add_pair(period_scan *s, okr_node copy, okr_node origin)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        carried_pair *grown = arena_alloc(s->rq->mem, cap * sizeof *grown);
        if (s->n)
            memcpy(grown, s->pairs, s->n * sizeof *grown);
        s->pairs = grown;
        s->cap = cap;
    }
    s->pairs[s->n++] = (carried_pair){copy, origin};
}

static bool scan_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
    period_scan *s = ctx;
    Okr__Objective *o = store_unpack(s->rq->txn, &okr__objective__descriptor, val);
    okr_node origin;
    if (o == NULL)
        return false;
    if (s->source->origin && strcmp(o->id, s->source->origin) == 0)
        s->home = o;
    if (o->origin == NULL || !okr_id_parse(o->origin, &origin))
        return true;
    if (s->earlier == NULL && strcmp(o->origin, s->source->id) == 0)
        s->earlier = o;
    add_pair(s, okr_get_be32(key->mv_data), origin);
    return true;
}

/* The copy of `origin` in the scanned period, or 0. */
static okr_node copy_of(const period_scan *s, okr_node origin)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->pairs[i].origin == origin)
            return s->pairs[i].copy;
    return 0;
}

/* The roll-up KR of objective `copy` carried from the KR named `origin`,
 * or 0 (none, or it is no roll-up KR now: only those take objectives). */
static okr_node kr_copy_of(request *rq, okr_node copy, const char *origin)
{
    store_link *kids;
    size_t n = store_children(rq->txn, copy, &kids);
    for (size_t i = 0; i < n; i++) {
        if (!okr_node_is_kr(kids[i].node))
            continue;
        Okr__KeyResult *kr = store_get_kr(rq->txn, kids[i].node);
        if (kr && kr->origin && strcmp(kr->origin, origin) == 0)
            return kr->kind == OKR__KR_KIND__ROLLUP ? kids[i].node : 0;
    }
    return 0;
}

/* The copy in the target period of an alignment parent of the source, when
 * there is one that may take it (an objective, or a roll-up KR); else 0. */
static okr_node parent_copy(request *rq, const period_scan *s, okr_node parent)
{
    okr_node owner;
    if (!okr_node_is_kr(parent))
        return copy_of(s, parent);
    Okr__KeyResult *kr = store_get_kr(rq->txn, parent);
    if (kr == NULL || !okr_id_parse(kr->objective, &owner))
        return 0;
    okr_node owner_copy = copy_of(s, owner);
    return owner_copy ? kr_copy_of(rq, owner_copy, kr->id) : 0;
}

/* A metric at or past its target (attainment >= 1). */
static bool metric_reached(const Okr__KeyResult *kr)
{
    double now = kr->has_current ? kr->current : kr->start;
    return kr->target > kr->start ? now >= kr->target : now <= kr->target;
}

/* from_reached: a metric whose reached value is its target or beyond would
 * start at or past the target, leaving nothing to measure (or measuring
 * backwards): refused, naming the KR. */
static bool need_reached_ok(request *rq, const Okr__KeyResult *kr, bool from_reached)
{
    if (!from_reached || kr->kind != OKR__KR_KIND__METRIC || !kr->has_current ||
        !metric_reached(kr))
        return true;
    return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                        "%s has reached its target (%g, target %g): as the start of its copy "
                        "it would leave nothing to measure; carry without --from-reached, "
                        "or raise its target first", kr->id, kr->current, kr->target);
}

/* The start of a KR's copy, by kind (docs/protocol.md, ObjectiveCarry):
 * metric and threshold: the original start, or with from_reached the value
 * reached (the latest check-in; the start while there is none); a
 * milestone starts not done, a roll-up KR has none. */
static void carried_values(Okr__KeyResult *rec, const Okr__KeyResult *kr, bool from_reached)
{
    bool reached = from_reached && kr->has_current;
    switch (kr->kind) {
    case OKR__KR_KIND__METRIC:
    case OKR__KR_KIND__THRESHOLD:
        rec->has_start = kr->has_start || reached;
        rec->start = reached ? kr->current : kr->start;
        rec->has_target = kr->has_target;
        rec->target = kr->target;
        break;
    case OKR__KR_KIND__MILESTONE:
        rec->has_start = rec->has_target = true;
        rec->start = 0;
        rec->target = 1;
        break;
    default:
        break;
    }
}

static void carry_kr(request *rq, const Okr__KeyResult *kr, uint32_t weight,
                     const Okr__Objective *copy, okr_node copy_id, bool from_reached)
{
    Okr__KeyResult rec = OKR__KEY_RESULT__INIT;
    rec.objective = copy->id;
    rec.title = kr->title;
    rec.has_kind = true;
    rec.kind = kr->kind;
    carried_values(&rec, kr, from_reached);
    rec.has_direction = kr->has_direction;
    rec.direction = kr->direction;
    rec.unit = kr->unit;
    rec.owner = kr->owner;
    rec.has_checkins = true;
    rec.origin = kr->id;

    okr_node id = need_next_id(rq, true);
    rec.id = (char *)request_id(rq, id);
    store_put_kr(rq->txn, id, &rec);
    owner_index_kr(rq, id, rec.owner, copy, copy->period, true);
    bool is_rollup = rec.kind == OKR__KR_KIND__ROLLUP;
    rollup_add_node(&rq->scores, id, is_rollup ? 0 : rollup_leaf_score_of(&rec),
                    is_rollup ? STORE_AGG_ROLLUP : 0);
    rollup_link(&rq->scores, id, copy_id, weight);
    request_touch(rq, id);
}

/* The objective record of the copy (stored by the caller). */
static Okr__Objective copy_record(request *rq, const Okr__Objective *o, okr_node id,
                                  const Okr__Period *target)
{
    Okr__Objective rec = OKR__OBJECTIVE__INIT;
    rec.id = (char *)request_id(rq, id);
    rec.title = o->title;
    rec.description = o->description;
    rec.period = target->name;
    rec.team = o->team;
    rec.owner = o->owner;
    rec.has_type = true;
    rec.type = o->type;
    rec.has_progress = true;
    rec.progress = o->has_progress ? o->progress : OKR__PROGRESS_SOURCE__PROGRESS_KRS;
    rec.has_archived = true;
    rec.has_created_at = true;
    rec.created_at = rq->now;
    rec.origin = o->id;
    return rec;
}

/* The target period: named, existing, open, not the objective's own. */
static Okr__Period *need_target(request *rq, const Okr__Objective *o, const char *name)
{
    if (name == NULL || name[0] == '\0') {
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "period is required: the period to carry %s into", o->id);
        return NULL;
    }
    Okr__Period *p = need_period(rq, name);
    if (p && p->closed) {
        request_fail(rq, OKR__ERROR_CODE__PERIOD_CLOSED, "period %s is closed", p->name);
        return NULL;
    }
    if (p && strcmp(p->name, o->period) == 0) {
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "%s is in %s already: carry it into another period", o->id, o->period);
        return NULL;
    }
    return p;
}

/* Refuse a second copy into one period, and a copy back into the period of
 * the objective's own origin. */
static bool need_first_copy(request *rq, const period_scan *s, const Okr__Period *target)
{
    if (s->earlier)
        return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                            "%s was carried into %s already, as %s", s->source->id,
                            target->name, s->earlier->id);
    if (s->home)
        return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                            "%s was carried from %s, which is in %s: it would be a second "
                            "copy there", s->source->id, s->home->id, target->name);
    return true;
}

/* ObjectiveCarry { id, period, with_krs?, from_reached? } */
void op_carry(request *rq, const Okr__ObjectiveCarry *in)
{
    okr_node src_id;
    Okr__Objective *o = need_objective(rq, "id", in->id, &src_id);
    if (o == NULL)
        return;
    if (in->from_reached && !in->with_krs)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "from_reached is about the KRs: it needs with_krs");
    Okr__Period *target = need_target(rq, o, in->period);
    if (target == NULL || (o->team && need_team(rq, o->team) == NULL))
        return;
    period_scan scan = {.rq = rq, .source = o};
    store_foreach_objective(rq->txn, target->name, NULL, scan_one, &scan);
    if (!need_first_copy(rq, &scan, target))
        return;
    store_link *kids = NULL;
    size_t n_kids = in->with_krs ? store_children(rq->txn, src_id, &kids) : 0;
    Okr__KeyResult **krs = ARENA_ARRAY(rq->mem, Okr__KeyResult *, n_kids ? n_kids : 1);
    for (size_t i = 0; i < n_kids; i++) {
        krs[i] = okr_node_is_kr(kids[i].node) ? store_get_kr(rq->txn, kids[i].node) : NULL;
        if (krs[i] && !need_reached_ok(rq, krs[i], in->from_reached))
            return;
    }

    okr_node id = need_next_id(rq, false);
    Okr__Objective rec = copy_record(rq, o, id, target);
    store_put_objective(rq->txn, id, &rec);
    store_index_objective(rq->txn, id, rec.period, rec.team, true);
    store_index_owner(rq->txn, id, rec.owner, rec.period, true);
    rollup_add_node(&rq->scores, id, 0, rollup_source_flags(rec.progress));
    request_touch(rq, id);
    for (size_t i = 0; i < n_kids; i++)
        if (krs[i])
            carry_kr(rq, krs[i], kids[i].weight, &rec, id, in->from_reached);
    store_link *ups;
    size_t n_ups = store_parents(rq->txn, src_id, &ups);
    for (size_t i = 0; i < n_ups; i++) {
        okr_node parent = parent_copy(rq, &scan, ups[i].node);
        if (parent == 0)
            continue;
        rollup_link(&rq->scores, id, parent, ups[i].weight);
        request_touch(rq, parent);
    }
    request_touch(rq, src_id);
    rq->subject = rec.id;
}
