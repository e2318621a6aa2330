/* view.c — turns stored records into what clients see: the stored fields
 * plus the score (from the aggregate) and health/grade, computed at read time
 * because time passes (DESIGN §3). Read-only. */
#include "ops.h"

#include <string.h>

#include "text.h"

/* The period's span, read once per request and period. */
static bool period_span_of(request *rq, const char *name)
{
    if (name == NULL)
        return false;
    if (rq->span_period && strcmp(rq->span_period, name) == 0)
        return rq->span_found;
    Okr__Period *p = store_get_period(rq->txn, name);
    int64_t start, end;
    rq->span_period = name;
    rq->span_found = p && text_parse_date(p->start, &start) && text_parse_date(p->end, &end);
    if (rq->span_found) {
        rq->span_closed = p->closed;
        rq->span_start_us = start * OKR_US_PER_DAY;
        rq->span_end_us = (end + 1) * OKR_US_PER_DAY;   /* the end date is inclusive */
    }
    return rq->span_found;
}

/* Fill expected/health (open period) or grade (closed period). */
static void judge(request *rq, const char *period, bool committed, int64_t score,
                  bool has_conf, double conf, Okr__Health *health, Okr__Grade *grade,
                  int64_t *expected)
{
    *health = OKR__HEALTH__HEALTH_NONE;
    *grade = OKR__GRADE__GRADE_NONE;
    *expected = 0;
    if (!period_span_of(rq, period))
        return;
    if (rq->span_closed) {
        *grade = (Okr__Grade)score_grade_of(score, committed);
        return;
    }
    *expected = score_expected(rq->span_start_us, rq->span_end_us, rq->now, committed);
    *health = (Okr__Health)score_health_of(score, *expected, has_conf, conf, rq->health);
}

/* Lowest latest confidence over an objective's KRs (*shown, what the reply
 * carries) and over those not yet at their target (*open, what may cap its
 * health: DESIGN §3, a KR at its target is not capped by a stale
 * confidence, and neither is the objective because of it). */
typedef struct {
    bool has_shown, has_open;
    double shown, open;
} confidences;

static void lowest_confidence(request *rq, okr_node id, confidences *c)
{
    store_link *links;
    size_t n = store_children(rq->txn, id, &links);
    *c = (confidences){0};
    for (size_t i = 0; i < n; i++) {
        if (!okr_node_is_kr(links[i].node))
            continue;
        Okr__KeyResult *kr = store_get_kr(rq->txn, links[i].node);
        if (kr == NULL || !kr->has_confidence)
            continue;
        if (!c->has_shown || kr->confidence < c->shown) {
            c->shown = kr->confidence;
            c->has_shown = true;
        }
        if (rollup_score(&rq->scores, links[i].node) < OKR_SCORE_ONE &&
            (!c->has_open || kr->confidence < c->open)) {
            c->open = kr->confidence;
            c->has_open = true;
        }
    }
}

Okr__Objective *view_objective(request *rq, okr_node id, const Okr__Objective *rec)
{
    Okr__Objective *o = arena_dup(rq->mem, rec, sizeof *rec);
    o->has_score = true;
    o->score = rollup_score(&rq->scores, id);
    confidences c;
    lowest_confidence(rq, id, &c);
    o->has_confidence = c.has_shown;
    o->confidence = c.shown;
    judge(rq, o->period, o->type == OKR__OBJECTIVE_TYPE__COMMITTED, o->score, c.has_open,
          c.open, &o->health, &o->grade, &o->expected);
    o->has_health = o->has_grade = o->has_expected = true;
    o->has_progress = true;
    return o;
}

Okr__KeyResult *view_kr(request *rq, okr_node id, const Okr__KeyResult *rec,
                        const Okr__Objective *owner)
{
    Okr__KeyResult *kr = arena_dup(rq->mem, rec, sizeof *rec);
    okr_node obj_id;
    kr->has_score = true;
    kr->score = rollup_score(&rq->scores, id);
    kr->has_attainment = true;
    kr->attainment = kr->kind == OKR__KR_KIND__METRIC
        ? score_attainment(kr->start, kr->target, kr->has_current ? kr->current : kr->start)
        : kr->score;
    kr->has_weight = true;
    kr->weight = 1;
    const Okr__Objective *o = owner;
    if (okr_id_parse(kr->objective, &obj_id)) {
        store_get_edge(rq->txn, id, obj_id, &kr->weight);
        if (o == NULL)
            o = store_get_objective(rq->txn, obj_id);
    }
    Okr__Grade unused_grade;
    int64_t unused_expected;
    if (o)
        judge(rq, o->period, o->type == OKR__OBJECTIVE_TYPE__COMMITTED, kr->score,
              kr->has_confidence, kr->confidence, &kr->health, &unused_grade, &unused_expected);
    kr->has_health = true;
    return kr;
}

Okr__Alignment *view_alignment(request *rq, okr_node child, okr_node parent, uint32_t weight)
{
    Okr__Alignment *a = ARENA_NEW(rq->mem, Okr__Alignment, OKR__ALIGNMENT__INIT);
    a->child = (char *)request_id(rq, child);
    a->parent = (char *)request_id(rq, parent);
    a->has_weight = true;
    a->weight = weight;
    store_agg p;
    if (!okr_node_is_kr(child) && store_get_agg(rq->txn, parent, &p)) {
        a->has_counts = true;
        a->counts = rollup_child_counts(&p, okr_node_is_kr(parent));
    }
    return a;
}
