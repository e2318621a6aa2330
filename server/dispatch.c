/* dispatch.c — request routing, permission checks, events for mutations. */
#include "dispatch.h"

#include "requests.h"
#include "ops.h"
#include "wire.h"

/* The handler of every request body this server implements: its oneof
 * case, its field and its function. Role, "mutates" and the reply body are
 * facts of the protocol and live in common/requests.c. */
#define OKR_OPS(X)                                        \
    X(PERIOD_ADD, period_add, op_period_add)              \
    X(PERIOD_LIST, period_list, op_period_list)           \
    X(PERIOD_CLOSE, period_close, op_period_close)        \
    X(TEAM_ADD, team_add, op_team_add)                    \
    X(TEAM_LIST, team_list, op_team_list)                 \
    X(PERIOD_EDIT, period_edit, op_period_edit)           \
    X(PERIOD_DELETE, period_delete, op_period_delete)     \
    X(OBJECTIVE_ADD, objective_add, op_objective_add)     \
    X(OBJECTIVE_EDIT, objective_edit, op_objective_edit)  \
    X(OBJECTIVE_GET, objective_get, op_objective_get)     \
    X(OBJECTIVE_LIST, objective_list, op_objective_list)  \
    X(ALIGN, align, op_align)                             \
    X(UNALIGN, unalign, op_unalign)                       \
    X(OBJECTIVE_ARCHIVE, objective_archive, op_objective_archive) \
    X(OBJECTIVE_DELETE, objective_delete, op_objective_delete) \
    X(KR_ADD, kr_add, op_kr_add)                          \
    X(KR_EDIT, kr_edit, op_kr_edit)                       \
    X(KR_GET, kr_get, op_kr_get)                          \
    X(KR_DELETE, kr_delete, op_kr_delete)                 \
    X(CHECKIN, checkin, op_checkin)                       \
    X(HISTORY, history, op_history)                       \
    X(CHECKIN_EDIT, checkin_edit, op_checkin_edit)        \
    X(CHECKIN_DELETE, checkin_delete, op_checkin_delete)  \
    X(TREE, tree, op_tree)                                \
    X(STATUS, status, op_status)                          \
    X(SNAPSHOT, snapshot, op_snapshot)                    \
    X(REPLAY, replay, op_replay)                          \
    X(USER_ADD, user_add, op_user_add)                    \
    X(USER_LIST, user_list, op_user_list)                 \
    X(USER_ROLE, user_role, op_user_role)                 \
    X(USER_REMOVE, user_remove, op_user_remove) \
    X(LOG, log, op_log)                                   \
    X(BACKUP, backup, op_backup)                          \
    X(EXPORT, export, op_export)                          \
    X(IMPORT_DATA, import_data, op_import)                \
    X(CARRY, carry, op_carry)                             \
    X(TEAM_EDIT, team_edit, op_team_edit)                 \
    X(TEAM_DELETE, team_delete, op_team_delete)           \
    X(DUE, due, op_due)                                   \
    /* (every row ends with a backslash) */

/* A typed adapter per handler, so no function is called through a cast. */
#define ADAPTER(CASE, field, fn) \
    static void call_##fn(request *rq, const Okr__Request *req) { fn(rq, req->field); }
OKR_OPS(ADAPTER)

typedef struct {
    Okr__Request__BodyCase body;
    void (*call)(request *rq, const Okr__Request *req);
} op_row;

#define ROW(CASE, field, fn) {OKR__REQUEST__BODY_##CASE, call_##fn},
static const op_row op_table[] = {OKR_OPS(ROW)};

static const op_row *find_op(Okr__Request__BodyCase body)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (op_table[i].body == body)
            return &op_table[i];
    return NULL;
}

bool dispatch_is_mutation(Okr__Request__BodyCase body)
{
    return find_op(body) != NULL && requests_mutates(body);
}

bool dispatch_has_handler(Okr__Request__BodyCase body)
{
    return find_op(body) != NULL;
}

/* Handlers that check everything before their first write, so that a
 * refusal never follows a write: a check-in (op_checkin: the KR, its live
 * objective, the values and the time; then the writes, the event and the
 * reply cache's entry, none of which refuses). The hot path of okrd; any
 * other handler may refuse after writing and keeps its nested transaction. */
bool dispatch_validates_first(Okr__Request__BodyCase body)
{
    return body == OKR__REQUEST__BODY_CHECKIN;
}

void dispatch_set_error(Okr__Response *response, arena *mem, Okr__ErrorCode code,
                        const char *message)
{
    Okr__Error *e = ARENA_NEW(mem, Okr__Error, OKR__ERROR__INIT);
    e->has_code = true;
    e->code = code;
    e->message = (char *)message;
    response->error = e;
    response->body_case = OKR__RESPONSE__BODY__NOT_SET;
}

/* The net score moves of this change (a node that moved and came back is left out). */
static size_t score_changes(request *rq, Okr__ScoreChange ***out)
{
    rollup *r = &rq->scores;
    Okr__ScoreChange **list = ARENA_ARRAY(rq->mem, Okr__ScoreChange *, r->n_changes);
    size_t n = 0;
    for (size_t i = 0; i < r->n_changes; i++) {
        if (r->changes[i].old_score == r->changes[i].new_score)
            continue;
        Okr__ScoreChange *c = ARENA_NEW(rq->mem, Okr__ScoreChange, OKR__SCORE_CHANGE__INIT);
        c->node = (char *)request_id(rq, r->changes[i].node);
        c->has_old_score = c->has_new_score = true;
        c->old_score = r->changes[i].old_score;
        c->new_score = r->changes[i].new_score;
        list[n++] = c;
        request_touch_name(rq, c->node);
    }
    *out = list;
    return n;
}

/* Append the Event for a successful mutation and answer Changed. */
static void record_change(request *rq, const Okr__Request *req)
{
    Okr__Event ev = OKR__EVENT__INIT;
    ev.has_seq = ev.has_time = true;
    ev.seq = rq->seq;
    ev.time = rq->now;
    ev.actor = (char *)rq->actor;
    ev.subject = (char *)rq->subject;
    ev.change = (Okr__Request *)req;
    ev.n_scores = score_changes(rq, &ev.scores);
    if (rq->subject)
        request_touch_name(rq, rq->subject);
    ev.n_nodes = rq->n_touched;
    ev.nodes = (char **)rq->touched;

    size_t len = okr__event__get_packed_size(&ev);
    uint8_t *bytes = arena_alloc(rq->mem, len);
    okr__event__pack(&ev, bytes);
    store_put_event(rq->txn, rq->seq, bytes, len);
    rq->event = bytes;
    rq->event_len = len;

    Okr__Changed *c = ARENA_NEW(rq->mem, Okr__Changed, OKR__CHANGED__INIT);
    c->id = (char *)rq->subject;
    c->has_seq = true;
    c->seq = rq->seq;
    c->n_scores = ev.n_scores;
    c->scores = ev.scores;
    if (rq->response->body_case == OKR__RESPONSE__BODY_IMPORTED) {
        rq->response->imported->changed = c;     /* an import's reply holds its Changed */
        return;
    }
    rq->response->body_case = OKR__RESPONSE__BODY_CHANGED;
    rq->response->changed = c;
}

bool dispatch_request(request *rq, const Okr__Request *req)
{
    rollup_begin(&rq->scores, rq->txn);
    if (!req->has_version || req->version != OKR_PROTOCOL_VERSION)
        return request_fail(rq, OKR__ERROR_CODE__UNSUPPORTED_VERSION,
                            "protocol version %d is not supported (this server speaks %d)",
                            req->has_version ? (int)req->version : 0, OKR_PROTOCOL_VERSION);
    if (!need_user(rq, req->user))      /* the event keeps it, whatever the actor is */
        return false;
    const op_row *op = find_op(req->body_case);
    const okr_request_type *type = requests_find(req->body_case);
    if (op == NULL || type == NULL)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "the request has no body this server knows (field %d)",
                            (int)req->body_case);
    if (rq->role < type->role)
        return request_fail(rq, OKR__ERROR_CODE__PERMISSION_DENIED,
                            "%s needs the %s role; %s is %s", type->name,
                            requests_role_name(type->role), rq->actor,
                            requests_role_name(rq->role));
    op->call(rq, req);
    if (!type->mutates || !request_ok(rq) || rq->no_change)
        return false;
    record_change(rq, req);
    return rq->txn->rc == 0;
}
