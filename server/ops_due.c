/* ops_due.c — who owns what: the KR owner rule (a KR without an owner of
 * its own is owned by its objective's owner, derived when read so it
 * follows a later change of the objective's owner), and `due`: the KRs a
 * person owns that wait for a check-in. Read-only. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#include "okr_limits.h"
#include "text.h"

#define DUE_DEFAULT_DAYS 7
#define DUE_MAX_DAYS 3650          /* days and as_of ahead of now: ten years */

const char *owner_of_kr(const Okr__KeyResult *kr, const Okr__Objective *o)
{
    if (kr->owner && kr->owner[0])
        return kr->owner;
    return o && o->owner ? o->owner : "";
}

void owner_index_kr(request *rq, okr_node kr, const char *kr_owner, const Okr__Objective *o,
                    const char *period, bool add)
{
    if (kr_owner && kr_owner[0] && strcmp(kr_owner, o->owner ? o->owner : "") != 0)
        store_index_owner(rq->txn, kr, kr_owner, period, add);
}

void owner_index_objective(request *rq, okr_node id, const Okr__Objective *o,
                           const char *period, bool add)
{
    store_index_owner(rq->txn, id, o->owner, period, add);
    store_link *kids;
    size_t n = store_children(rq->txn, id, &kids);
    for (size_t i = 0; i < n; i++) {
        Okr__KeyResult *kr =
            okr_node_is_kr(kids[i].node) ? store_get_kr(rq->txn, kids[i].node) : NULL;
        if (kr)
            owner_index_kr(rq, kids[i].node, kr->owner, o, period, add);
    }
}

bool objective_has_kr_of(request *rq, okr_node id, const char *user)
{
    store_link *kids;
    size_t n = store_children(rq->txn, id, &kids);
    for (size_t i = 0; i < n; i++) {
        if (!okr_node_is_kr(kids[i].node))
            continue;
        Okr__KeyResult *kr = store_get_kr(rq->txn, kids[i].node);
        if (kr && kr->owner && strcmp(kr->owner, user) == 0)
            return true;
    }
    return false;
}

/* An open period, by name, with its start (Unix us). */
typedef struct {
    const char *name;
    int64_t start_us;
} open_period;

typedef struct {
    okr_node kr, objective;
    int64_t since;
    bool never;
} due_item;

typedef struct {
    request *rq;
    const char *user;
    int64_t as_of, min_age;
    open_period *periods;
    size_t n_periods, cap_periods;
    due_item *items;
    size_t n_items, cap_items;
} due_ctx;

static bool collect_period(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    due_ctx *c = ctx;
    Okr__Period *p = store_unpack(c->rq->txn, &okr__period__descriptor, val);
    int64_t start;
    if (p == NULL)
        return false;
    if (p->closed || !text_parse_date(p->start, &start) || start * OKR_US_PER_DAY > c->as_of)
        return true;                   /* closed, or not started by as_of */
    if (c->n_periods == c->cap_periods) {
        c->cap_periods = c->cap_periods ? 2 * c->cap_periods : 16;
        open_period *grown = ARENA_ARRAY(c->rq->mem, open_period, c->cap_periods);
        if (c->n_periods)
            memcpy(grown, c->periods, c->n_periods * sizeof *grown);
        c->periods = grown;
    }
    c->periods[c->n_periods++] = (open_period){p->name, start * OKR_US_PER_DAY};
    return true;
}

static const open_period *find_period(const due_ctx *c, const char *name)
{
    for (size_t i = 0; name && i < c->n_periods; i++)
        if (strcmp(c->periods[i].name, name) == 0)
            return &c->periods[i];
    return NULL;
}

static void add_item(due_ctx *c, due_item item)
{
    if (c->n_items == c->cap_items) {
        c->cap_items = c->cap_items ? 2 * c->cap_items : 64;
        due_item *grown = ARENA_ARRAY(c->rq->mem, due_item, c->cap_items);
        if (c->n_items)
            memcpy(grown, c->items, c->n_items * sizeof *grown);
        c->items = grown;
    }
    c->items[c->n_items++] = item;
}

/* Record id of dbi unpacked on the heap, for the caller to free at once: a
 * scan of many records must not grow the batch arena by the department's
 * size. NULL when absent, or when it does not parse (the request fails). */
static void *heap_record(due_ctx *c, MDB_dbi dbi, const ProtobufCMessageDescriptor *d,
                         okr_node id)
{
    unsigned char kb[4];
    MDB_val v;
    okr_put_be32(kb, id);
    if (!store_get(c->rq->txn, dbi, kb, sizeof kb, &v))
        return NULL;
    void *m = protobuf_c_message_unpack(d, NULL, v.mv_size, v.mv_data);
    if (m == NULL)
        request_fail(c->rq, OKR__ERROR_CODE__INTERNAL,
                     "the record of %s does not parse: run okrd --verify",
                     request_id(c->rq, id));
    return m;
}

/* KR node of objective obj (record o), a live objective of an open period
 * that began at period_start: the user's, waiting for a check-in? */
static void judge_kr(due_ctx *c, okr_node node, const Okr__KeyResult *kr, okr_node obj,
                     const Okr__Objective *o, int64_t period_start)
{
    bool done = kr->kind == OKR__KR_KIND__MILESTONE &&
                rollup_score(&c->rq->scores, node) >= OKR_SCORE_ONE;
    if (kr->kind == OKR__KR_KIND__ROLLUP || done || strcmp(owner_of_kr(kr, o), c->user) != 0)
        return;
    bool never = kr->checkins == 0 || !kr->has_updated_at;
    int64_t since = never ? (o->created_at > period_start ? o->created_at : period_start)
                          : kr->updated_at;
    if (c->as_of - since >= c->min_age)
        add_item(c, (due_item){node, obj, since, never});
}

static void consider_kr(due_ctx *c, okr_node node, okr_node obj, const Okr__Objective *o,
                        int64_t period_start)
{
    Okr__KeyResult *kr = heap_record(c, c->rq->txn->st->krs, &okr__key_result__descriptor, node);
    if (kr)
        judge_kr(c, node, kr, obj, o, period_start);
    okr__key_result__free_unpacked(kr, NULL);
}

static bool scan_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    due_ctx *c = ctx;
    if (key->mv_size != 4)
        return true;
    Okr__Objective *o = okr__objective__unpack(NULL, val->mv_size, val->mv_data);
    if (o == NULL)
        return request_fail(c->rq, OKR__ERROR_CODE__INTERNAL,
                            "an objective record does not parse: run okrd --verify");
    const open_period *p = o->archived ? NULL : find_period(c, o->period);
    if (p != NULL) {
        okr_node id = okr_get_be32(key->mv_data);
        store_link *kids;
        size_t n = store_children(c->rq->txn, id, &kids);
        for (size_t i = 0; i < n && request_ok(c->rq); i++)
            if (okr_node_is_kr(kids[i].node))
                consider_kr(c, kids[i].node, id, o, p->start_us);
    }
    okr__objective__free_unpacked(o, NULL);
    return request_ok(c->rq) && c->rq->txn->rc == 0;
}

/* A KR that names the user as its owner, in someone else's objective. */
static void consider_own_kr(due_ctx *c, okr_node node)
{
    store *st = c->rq->txn->st;
    Okr__KeyResult *kr = heap_record(c, st->krs, &okr__key_result__descriptor, node);
    okr_node obj = 0;
    Okr__Objective *o = kr && okr_id_parse(kr->objective, &obj)
                            ? heap_record(c, st->objectives, &okr__objective__descriptor, obj)
                            : NULL;
    const open_period *p = o && !o->archived ? find_period(c, o->period) : NULL;
    if (p)
        judge_kr(c, node, kr, obj, o, p->start_us);
    okr__objective__free_unpacked(o, NULL);
    okr__key_result__free_unpacked(kr, NULL);
}

/* What the user owns in an open period: through the owner index, so the
 * cost follows the user's objectives and KRs, not the period's size. Each
 * of the user's objectives is scanned whole (its KRs without an owner of
 * their own, and those that name the user); a KR entry is one that names
 * the user in someone else's objective. */
static void scan_owned(due_ctx *c, const open_period *p)
{
    okr_node *ids;
    size_t n = store_owned_in(c->rq->txn, c->user, p->name, &ids);
    for (size_t i = 0; i < n && request_ok(c->rq) && c->rq->txn->rc == 0; i++) {
        unsigned char kb[4];
        MDB_val k = {sizeof kb, kb}, v;
        okr_put_be32(kb, ids[i]);
        if (okr_node_is_kr(ids[i]))
            consider_own_kr(c, ids[i]);
        else if (store_get(c->rq->txn, c->rq->txn->st->objectives, kb, sizeof kb, &v))
            scan_objective(c, &k, &v);
    }
}

static int most_overdue_first(const void *a, const void *b)
{
    const due_item *x = a, *y = b;
    if (x->since != y->since)
        return x->since < y->since ? -1 : 1;
    return x->kr < y->kr ? -1 : x->kr > y->kr;
}

static Okr__DueItem *item_view(request *rq, const due_item *it, int64_t as_of)
{
    Okr__DueItem *d = ARENA_NEW(rq->mem, Okr__DueItem, OKR__DUE_ITEM__INIT);
    Okr__Objective *o = store_get_objective(rq->txn, it->objective);
    Okr__KeyResult *kr = store_get_kr(rq->txn, it->kr);
    if (o == NULL || kr == NULL)
        return NULL;
    d->kr = view_kr(rq, it->kr, kr, o);
    d->objective_title = o->title;
    d->has_since = d->has_days = d->has_never = true;
    d->since = it->since;
    d->days = (uint32_t)((as_of - it->since) / OKR_US_PER_DAY);
    d->never = it->never;
    return d;
}

static bool due_arguments(request *rq, const Okr__DueGet *in, const char **user,
                          uint32_t *days, int64_t *as_of)
{
    *user = in->user && in->user[0] ? in->user : rq->actor;
    *days = in->has_days ? in->days : DUE_DEFAULT_DAYS;
    *as_of = in->has_as_of ? in->as_of : rq->now;
    if (in->user && in->user[0] && !need_name(rq, "user", in->user, OKR_MAX_NAME, true))
        return false;
    if (*user == NULL || (*user)[0] == '\0')
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "user is required: the request names no actor");
    if (*days > DUE_MAX_DAYS)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "days %u is more than %d", *days, DUE_MAX_DAYS);
    if (*as_of < rq->now)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "as_of is in the past: due looks from now on (a check-in made "
                            "since then would not be seen as missing)");
    if (*as_of - rq->now > (int64_t)DUE_MAX_DAYS * OKR_US_PER_DAY)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "as_of is more than %d days ahead", DUE_MAX_DAYS);
    return true;
}

/* DueGet { user?, days?, as_of? } -> DueReply
 * For each open period started by as_of, what the user owns there (the
 * owner index: other people's objectives and closed periods' are never
 * read); for each active objective, its KR records (heap-unpacked, freed
 * at once). The matches are sorted, most overdue
 * first, and cut at OKR_MAX_LIST (truncated). */
void op_due(request *rq, const Okr__DueGet *in)
{
    const char *user;
    uint32_t days;
    int64_t as_of;
    if (!due_arguments(rq, in, &user, &days, &as_of))
        return;
    due_ctx c = {.rq = rq, .user = user, .as_of = as_of,
                 .min_age = (int64_t)days * OKR_US_PER_DAY};
    store_foreach(rq->txn, rq->txn->st->periods, collect_period, &c);
    for (size_t i = 0; i < c.n_periods && request_ok(rq) && rq->txn->rc == 0; i++)
        scan_owned(&c, &c.periods[i]);
    if (!request_ok(rq))
        return;
    if (c.n_items > 1)
        qsort(c.items, c.n_items, sizeof *c.items, most_overdue_first);
    Okr__DueReply *r = ARENA_NEW(rq->mem, Okr__DueReply, OKR__DUE_REPLY__INIT);
    size_t n = c.n_items < OKR_MAX_LIST ? c.n_items : OKR_MAX_LIST;
    r->items = ARENA_ARRAY(rq->mem, Okr__DueItem *, n);
    for (size_t i = 0; i < n; i++) {
        Okr__DueItem *d = item_view(rq, &c.items[i], as_of);
        if (d)
            r->items[r->n_items++] = d;
    }
    r->has_truncated = r->truncated = c.n_items > n;
    r->user = (char *)user;
    r->has_days = r->has_as_of = true;
    r->days = days;
    r->as_of = as_of;
    rq->response->body_case = OKR__RESPONSE__BODY_DUE;
    rq->response->due = r;
}
