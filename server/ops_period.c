/* ops_period.c — cycles (periods): create, list, close/reopen, edit (dates,
 * rename) and delete (an empty period). Teams are ops_team.c's. */
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
 * the period aligns into another, closed period. Only the period's own
 * objectives are read (the period index) and their links. */
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
    store_foreach_objective(rq->txn, p->name, NULL, check_period_objective, &c);
    if (!request_ok(rq))
        return;
    p->has_closed = true;
    p->closed = !in->reopen;
    p->has_closed_at = p->closed;
    p->closed_at = p->closed ? rq->now : 0;
    store_put_period(rq->txn, p);
    rq->subject = p->name;
}

/* The period's objectives follow its rename: each record, the by_period
 * index and the owner index move from `from` to `to`. */
static void move_objectives(request *rq, const char *from, char *to)
{
    okr_node *ids;
    size_t n = store_objectives_of(rq->txn, rq->txn->st->by_period, from, &ids);
    for (size_t i = 0; i < n; i++) {
        Okr__Objective *o = store_get_objective(rq->txn, ids[i]);
        if (o == NULL)
            continue;
        owner_index_objective(rq, ids[i], o, from, false);
        owner_index_objective(rq, ids[i], o, to, true);
        o->period = to;
        store_put_objective(rq->txn, ids[i], o);
        store_index_objective(rq->txn, ids[i], from, NULL, false);
        store_index_objective(rq->txn, ids[i], to, NULL, true);
    }
}

/* PeriodEdit { name, new_name, start, end }
 * A closed period's scores and grades are frozen against its dates, so only
 * an open one may change. */
void op_period_edit(request *rq, const Okr__PeriodEdit *in)
{
    Okr__Period *p = need_period(rq, in->name);
    int64_t start, end;
    if (p == NULL)
        return;
    if (p->closed)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "period %s is closed: reopen it to edit it", p->name);
    bool renamed = in->new_name != NULL && strcmp(in->new_name, p->name) != 0;
    if (in->new_name == NULL && in->start == NULL && in->end == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "nothing to change: give new_name, start or end");
    if ((in->new_name && !need_name(rq, "new_name", in->new_name, OKR_MAX_NAME, true)) ||
        !need_date(rq, "start", in->start ? in->start : p->start, &start) ||
        !need_date(rq, "end", in->end ? in->end : p->end, &end))
        return;
    const char *new_start = in->start ? in->start : p->start;
    const char *new_end = in->end ? in->end : p->end;
    if (end < start)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "end %s is before start %s", new_end, new_start);
    if (renamed && store_get_period(rq->txn, in->new_name))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "period \"%s\" exists already", in->new_name);
    char *old_name = p->name;
    p->start = (char *)new_start;
    p->end = (char *)new_end;
    if (renamed) {
        move_objectives(rq, old_name, in->new_name);
        store_del(rq->txn, rq->txn->st->periods, old_name, strlen(old_name));
        p->name = in->new_name;
    }
    store_put_period(rq->txn, p);
    rq->subject = p->name;
}

/* PeriodDelete { name }: only a period no objective belongs to (archived
 * ones count: they keep their period). */
void op_period_delete(request *rq, const Okr__PeriodDelete *in)
{
    Okr__Period *p = need_period(rq, in->name);
    if (p == NULL)
        return;
    okr_node *ids;
    size_t n = store_objectives_of(rq->txn, rq->txn->st->by_period, p->name, &ids);
    if (n > 0)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "period %s has %zu objective%s (archived ones included); "
                                  "delete them or move them first", p->name, n,
                                  n == 1 ? "" : "s");
    store_del(rq->txn, rq->txn->st->periods, p->name, strlen(p->name));
    rq->subject = p->name;
}
