/* ops_period.c — cycles (periods) and teams: create, list, close/reopen. */
#include "ops.h"

#include <string.h>

#include "okr_limits.h"

/* PeriodAdd { period { name, start, end } } */
void op_period_add(request *rq, const Okr__PeriodAdd *in)
{
    const Okr__Period *p = in->period;
    int64_t start, end;
    if (p == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "period is required");
    if (!need_name(rq, "period name", p->name, OKR_MAX_NAME, true) ||
        !need_date(rq, "start", p->start, &start) || !need_date(rq, "end", p->end, &end))
        return;
    if (end < start)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "end %s is before start %s", p->end, p->start);
    if (store_get_period(rq->txn, p->name))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "period \"%s\" exists already",
                                  p->name);
    Okr__Period rec = OKR__PERIOD__INIT;
    rec.name = p->name;
    rec.start = p->start;
    rec.end = p->end;
    rec.has_closed = true;
    rec.closed = false;
    store_put_period(rq->txn, &rec);
    rq->subject = p->name;
}

typedef struct {
    request *rq;
    void **items;
    size_t n;
    const ProtobufCMessageDescriptor *desc;
} list_ctx;

static bool collect(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    list_ctx *l = ctx;
    if (l->n == OKR_MAX_LIST)
        return false;
    void *m = store_unpack(l->rq->txn, l->desc, val);
    if (m)
        l->items[l->n++] = m;
    return m != NULL;
}

/* Every record of a small database (periods, teams), in key order. */
static size_t list_all(request *rq, MDB_dbi dbi, const ProtobufCMessageDescriptor *d,
                       void ***out)
{
    uint64_t count = store_count(rq->txn, dbi);
    list_ctx l = {rq, ARENA_ARRAY(rq->mem, void *, count < OKR_MAX_LIST ? count : OKR_MAX_LIST),
                  0, d};
    store_foreach(rq->txn, dbi, collect, &l);
    *out = l.items;
    return l.n;
}

/* PeriodList {} */
void op_period_list(request *rq, const Okr__PeriodList *in)
{
    (void)in;
    Okr__PeriodListReply *r = ARENA_NEW(rq->mem, Okr__PeriodListReply,
                                        OKR__PERIOD_LIST_REPLY__INIT);
    r->n_periods = list_all(rq, rq->txn->st->periods, &okr__period__descriptor,
                            (void ***)&r->periods);
    rq->response->body_case = OKR__RESPONSE__BODY_PERIODS;
    rq->response->periods = r;
}

typedef struct {
    request *rq;
    const char *period;
    bool reopening;
} close_ctx;

/* A child objective of another, open period aligned under node? */
static bool blocks_close(close_ctx *c, okr_node node)
{
    store_link *kids;
    size_t n = store_children(c->rq->txn, node, &kids);
    for (size_t i = 0; i < n; i++) {
        if (okr_node_is_kr(kids[i].node))
            continue;
        Okr__Objective *child = store_get_objective(c->rq->txn, kids[i].node);
        if (child == NULL || strcmp(child->period, c->period) == 0)
            continue;
        Okr__Period *cp = store_get_period(c->rq->txn, child->period);
        if (cp && !cp->closed) {
            request_fail(c->rq, OKR__ERROR_CODE__CONFLICT,
                         "objective %s of open period %s aligns to %s in %s; unalign it or "
                         "close %s first", child->id, child->period,
                         request_id(c->rq, node), c->period, child->period);
            return true;
        }
    }
    return false;
}

/* Reopening: does this objective of the period align into a closed period?
 * Its check-ins would then move a frozen score. */
static bool blocks_reopen(close_ctx *c, const Okr__Objective *o, okr_node id)
{
    store_link *ups;
    size_t n = store_parents(c->rq->txn, id, &ups);
    for (size_t i = 0; i < n; i++) {
        Okr__Objective *parent = graph_owner(c->rq->txn, ups[i].node);
        if (parent == NULL || strcmp(parent->period, c->period) == 0)
            continue;
        Okr__Period *pp = store_get_period(c->rq->txn, parent->period);
        if (pp && pp->closed) {
            request_fail(c->rq, OKR__ERROR_CODE__CONFLICT,
                         "objective %s of %s aligns to %s in closed period %s; reopening %s "
                         "would let it move a frozen score: reopen %s first", o->id, c->period,
                         request_id(c->rq, ups[i].node), parent->period, c->period,
                         parent->period);
            return true;
        }
    }
    return false;
}

static bool check_period_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    close_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    okr_node id;
    if (o == NULL || strcmp(o->period, c->period) != 0 || !okr_id_parse(o->id, &id))
        return o != NULL;
    if (c->reopening)
        return !blocks_reopen(c, o, id);
    if (blocks_close(c, id))
        return false;
    store_link *kids;
    size_t n = store_children(c->rq->txn, id, &kids);
    for (size_t i = 0; i < n; i++)
        if (okr_node_is_kr(kids[i].node) && blocks_close(c, kids[i].node))
            return false;
    return true;
}

/* PeriodClose { name, reopen }
 * Closing freezes every score in the period, so no open objective may feed
 * into a closed one. Closing is refused while an objective of another, open
 * period aligns into the period; reopening is refused while an objective of
 * the period aligns into another, closed period. */
void op_period_close(request *rq, const Okr__PeriodClose *in)
{
    Okr__Period *p = need_period(rq, in->name);
    if (p == NULL)
        return;
    if (in->reopen && !p->closed)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "period %s is open", p->name);
    if (!in->reopen && p->closed)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "period %s is closed already",
                                  p->name);
    close_ctx c = {rq, p->name, in->reopen};
    store_foreach(rq->txn, rq->txn->st->objectives, check_period_objective, &c);
    if (!request_ok(rq))
        return;
    p->has_closed = true;
    p->closed = !in->reopen;
    store_put_period(rq->txn, p);
    rq->subject = p->name;
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
    store_put_team(rq->txn, &rec);
    rq->subject = t->name;
}

/* TeamList {} */
void op_team_list(request *rq, const Okr__TeamList *in)
{
    (void)in;
    Okr__TeamListReply *r = ARENA_NEW(rq->mem, Okr__TeamListReply, OKR__TEAM_LIST_REPLY__INIT);
    r->n_teams = list_all(rq, rq->txn->st->teams, &okr__team__descriptor, (void ***)&r->teams);
    rq->response->body_case = OKR__RESPONSE__BODY_TEAMS;
    rq->response->teams = r;
}
