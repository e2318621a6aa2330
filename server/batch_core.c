/* batch_core.c — group commit of one batch of requests, without sockets.
 *
 * The batch's requests run in ONE write transaction: each in its own nested
 * transaction, so a refused request rolls back alone while the batch pays
 * for one commit. A batch of reads only uses a read transaction. A request
 * whose handler checks everything before it writes (a check-in:
 * dispatch_validates_first) runs in the batch's transaction itself: a
 * nested one costs LMDB a copy of every page it touches and its dirty
 * lists. A storage failure inside such a request fails the whole batch
 * (as a failed commit does: every request gets the storage error, nothing
 * changes). Should it be refused after it wrote (a bug), the batch is run
 * again with a nested transaction for every request, so a refused request
 * still changes nothing and the others commit.
 *
 * If LMDB reports MDB_MAP_FULL anywhere, the whole batch is aborted, the map
 * doubled, and the batch run again from the raw frames, so a full map never
 * loses or half-applies a request. Any other failure of the batch's commit
 * answers every request with the storage error.
 *
 * Replies are bounded (peer.h): one that would pack over OKR_MAX_REPLY_BYTES
 * becomes RESOURCE_EXHAUSTED (its change rolled back), and with a peer table
 * a request whose sender already has its budget of reply bytes queued or
 * built is skipped unexecuted.
 *
 * Never interprets a request body (dispatch.c does); never touches a
 * socket (batch.c and server.c do). */
#include "batch_core.h"

#include <string.h>

#include "dispatch.h"
#include "logging.h"
#include "okr_limits.h"
#include "request.h"
#include "requests.h"
#include "text.h"
#include "wire.h"

/* Local mode: the actor is the login name the client claims, when sane. */
const char *core_actor(const core_item *it, const Okr__Request *req)
{
    if (it->actor)
        return it->actor;
    const char *u = req ? req->user : NULL;
    if (u == NULL || u[0] == '\0' || strlen(u) > OKR_MAX_NAME || !text_valid_utf8(u, strlen(u)))
        return "local";
    return u;
}

static int64_t request_time(const core_ctx *ctx, size_t i)
{
    return ctx->clock ? ctx->clock(ctx->clock_arg, i) : text_now_us();
}

/* The request as this server understands it: fields it does not know are
 * dropped, so the event log records only what was understood and every
 * event unpacks again (wire_strip_unknown says why that matters). */
static Okr__Request *decode(core_item *it, arena *mem)
{
    it->refusal = NULL;
    it->body = OKR__REQUEST__BODY__NOT_SET;
    if (it->bad_framing)
        return NULL;
    Okr__Request *req = wire_unpack_request(&mem->pb, it->len, it->data, &it->refusal);
    if (req)
        it->body = req->body_case;      /* a refused frame's bare request has none */
    return req;
}

const Okr__Request *core_decode(const core_item *it, arena *mem)
{
    core_item copy = *it;
    return decode(&copy, mem);
}

static Okr__Response *new_response(arena *mem, const Okr__Request *req)
{
    Okr__Response *r = ARENA_NEW(mem, Okr__Response, OKR__RESPONSE__INIT);
    if (req) {
        r->has_request_id = req->has_request_id;
        r->request_id = req->request_id;
    }
    return r;
}

static void init_request(const core_ctx *ctx, arena *mem, request *rq, store_txn *txn,
                         core_item *it, const Okr__Request *req, uint64_t seq, int64_t now)
{
    memset(rq, 0, sizeof *rq);
    rq->txn = txn;
    rq->mem = mem;
    rq->actor = core_actor(it, req);
    rq->role = it->actor ? it->role : OKR_ROLE_ADMIN;   /* local: whoever reaches loopback */
    rq->secure = ctx->secure;
    rq->now = now;
    rq->health = ctx->health;
    rq->last_seq = seq;                   /* what this transaction sees */
    rq->started_at = ctx->started_at;
    rq->event_endpoint = ctx->event_endpoint;
    rq->peers = ctx->peers;
    rq->pub = ctx->pub;
    rq->metrics = ctx->metrics;
    rq->staging = ctx->staging;
    rq->response = new_response(mem, req);
    it->response = rq->response;
    it->event = NULL;                     /* set again only if this pass commits it */
    it->event_len = 0;
    it->n_nodes = 0;
    it->users_changed = false;
}

static const char *storage_message(arena *mem, int rc)
{
    return arena_printf(mem, "storage error: %s; nothing was changed", store_strerror(rc));
}

/* Turn the request's outcome into the response's error, if any. */
static void finish(arena *mem, request *rq, int storage_rc)
{
    if (rq->code != OKR__ERROR_CODE__OK)
        dispatch_set_error(rq->response, mem, rq->code, rq->message);
    else if (storage_rc)
        dispatch_set_error(rq->response, mem, store_error_code(storage_rc),
                           storage_message(mem, storage_rc));
}

/* The reply is final: count its bytes against its sender for this pass. */
static void account(const core_ctx *ctx, core_item *it)
{
    it->reply_len = protobuf_c_message_get_packed_size(&it->response->base);
    if (ctx->peers)
        peers_batch_add(ctx->peers, it->peer, it->reply_len);
}

static void refuse_malformed(arena *mem, request *rq, const core_item *it)
{
    request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s",
                 it->bad_framing ? "a request is exactly one frame holding an okr.Request"
                 : it->refusal   ? it->refusal
                                 : "malformed request: the frame is not an okr.Request message");
    finish(mem, rq, 0);
}

/* A reply over OKR_MAX_REPLY_BYTES is replaced by RESOURCE_EXHAUSTED before
 * the request's nested transaction commits, so a mutation whose answer
 * could not be sent is not applied either. Returns false when replaced. */
static bool reply_fits(request *rq)
{
    size_t len = protobuf_c_message_get_packed_size(&rq->response->base);
    if (len <= OKR_MAX_REPLY_BYTES)
        return true;
    rq->response->body_case = OKR__RESPONSE__BODY__NOT_SET;
    rq->code = OKR__ERROR_CODE__OK;           /* this error replaces the answer */
    request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                 "the reply would take %zu bytes, more than the limit of %d bytes; "
                 "nothing was changed; ask for less (a smaller limit or one page)",
                 len, OKR_MAX_REPLY_BYTES);
    return false;
}

/* The request is not run: its sender has its budget of replies queued or
 * built in this pass (peer.h). It gets no answer; the client retries. */
static void skip(core_item *it)
{
    it->skipped = true;
    it->response = NULL;
    it->event = NULL;
    it->n_nodes = 0;
    it->reply_len = 0;
}

static void keep_change(core_item *it, const request *rq)
{
    it->event = rq->event;
    it->event_len = rq->event_len;
    it->nodes = rq->touched;
    it->n_nodes = rq->n_touched;
    it->users_changed = rq->users_changed;
}

/* run_one's "a refused flat request wrote": run the batch again, nested. */
#define RUN_AGAIN_NESTED (-1)        /* neither an errno nor an LMDB code */

static bool runs_flat(const core_ctx *ctx, const Okr__Request *req)
{
    return ctx->runs_flat ? ctx->runs_flat(req->body_case)
                          : dispatch_validates_first(req->body_case);
}

/* Run one request in its own nested transaction (when write and not flat).
 * Returns 0, MDB_MAP_FULL when the batch must be redone, or
 * RUN_AGAIN_NESTED. */
static int run_one(core_ctx *ctx, arena *mem, store_txn *top, bool write, bool nest_all,
                   core_item *it, const Okr__Request *req, uint64_t *seq, int64_t now)
{
    request rq;
    store_txn own;
    store_txn *txn = top;
    bool flat = write && !nest_all && req && !it->refusal && runs_flat(ctx, req);
    uint64_t writes_before = ctx->st->writes;
    if (write && !flat) {
        store_txn_begin(&own, ctx->st, top, true, mem);
        txn = &own;
    }
    init_request(ctx, mem, &rq, txn, it, req, *seq, now);
    if (req == NULL || it->refusal) {
        refuse_malformed(mem, &rq, it);
        if (write)                  /* (never flat) */
            store_txn_abort(&own);
        account(ctx, it);
        return 0;
    }
    rq.seq = *seq + 1;
    /* Exactly once: a repeat gets the original reply; a change leaves its reply. */
    bool changed = txn->rc == 0 && !dedup_replay(&rq, req) && dispatch_request(&rq, req);
    changed &= reply_fits(&rq);
    if (changed)
        dedup_record(&rq, req);
    int rc = 0;
    if (flat) {
        rc = top->rc;          /* a storage failure fails the batch (refuse_all) */
        if (rc == 0 && !changed && ctx->st->writes != writes_before) {
            const okr_request_type *type = requests_find(req->body_case);
            log_error("a %s request was refused after it had written; running the batch "
                      "again with a nested transaction per request", type ? type->name : "?");
            return RUN_AGAIN_NESTED;
        }
    } else if (write) {
        rc = changed ? store_txn_commit(&own) : (store_txn_abort(&own), own.rc);
    }
    if (rc == MDB_MAP_FULL)
        return MDB_MAP_FULL;
    if (changed && rc == 0) {
        *seq += 1;
        keep_change(it, &rq);
    }
    finish(mem, &rq, rc);
    account(ctx, it);
    return 0;
}

/* A change to the users earlier in the batch applies to the requests after
 * it: a sender no longer listed is dropped unanswered (auth drops its
 * requests from the next batch on; this closes the rest of this one), a
 * sender whose role changed runs with the new role. Secure mode only
 * (local mode has no senders). False when the request must not run. */
static bool sender_still_allowed(store_txn *top, core_item *it)
{
    if (it->actor == NULL)
        return true;
    Okr__User *u = store_get_user(top, it->actor);
    if (u == NULL)
        return false;
    it->role = (okr_role)u->role;
    return true;
}

/* One pass over the batch. Returns 0, MDB_MAP_FULL when the batch must be
 * run again after growing the map, RUN_AGAIN_NESTED, or another failure to
 * commit. */
static int run_once(core_ctx *ctx, core_item *items, size_t n, arena *mem, uint64_t *seq,
                    bool nest_all)
{
    Okr__Request **reqs = ARENA_ARRAY(mem, Okr__Request *, n ? n : 1);
    bool write = false;
    for (size_t i = 0; i < n; i++) {
        reqs[i] = decode(&items[i], mem);
        write |= reqs[i] && dispatch_is_mutation(reqs[i]->body_case);
    }
    if (ctx->peers)
        for (size_t i = 0; i < n; i++)
            peers_batch_start(ctx->peers, items[i].peer);
    store_txn top;
    store_txn_begin(&top, ctx->st, NULL, write, mem);
    bool users_changed = false;         /* by a request earlier in this pass */
    for (size_t i = 0; i < n && top.rc == 0; i++) {
        core_item *it = &items[i];
        it->skipped = false;
        if ((ctx->peers && !peers_admit(ctx->peers, it->peer)) ||
            (users_changed && !sender_still_allowed(&top, it))) {
            skip(it);
            continue;
        }
        int again = run_one(ctx, mem, &top, write, nest_all, it, reqs[i], seq,
                            request_time(ctx, i));
        if (again != 0) {
            store_txn_abort(&top);
            return again;
        }
        users_changed |= it->users_changed;
    }
    if (write && ctx->retain_events && *seq > ctx->retain_events)
        store_prune_events(&top, *seq - ctx->retain_events);
    if (write)
        dedup_prune(&top, request_time(ctx, n), ctx->dedup ? ctx->dedup : &dedup_default_window);
    int rc = write ? store_txn_commit(&top) : top.rc;
    if (!write)
        store_txn_abort(&top);
    return rc;
}

/* The batch could not be committed: answer every request in it with the
 * storage error (reads too: they may have seen the uncommitted changes). */
static void refuse_all(core_item *items, size_t n, arena *mem, int rc)
{
    arena_reset(mem);
    const char *why = storage_message(mem, rc);
    for (size_t i = 0; i < n; i++) {
        core_item *it = &items[i];
        if (it->skipped)
            continue;
        it->response = new_response(mem, decode(it, mem));
        dispatch_set_error(it->response, mem, store_error_code(rc), why);
        it->event = NULL;
        it->n_nodes = 0;
        it->users_changed = false;
        it->reply_len = protobuf_c_message_get_packed_size(&it->response->base);
    }
}

int core_run(core_ctx *ctx, core_item *items, size_t n, arena *mem)
{
    bool nest_all = false;
    for (;;) {
        uint64_t seq = ctx->last_seq;
        int rc = run_once(ctx, items, n, mem, &seq, nest_all);
        if (rc == RUN_AGAIN_NESTED) {
            ctx->nested_reruns++;
            nest_all = true;
            arena_reset(mem);
            continue;
        }
        if (rc == MDB_MAP_FULL) {
            size_t before = ctx->st->map_size;
            rc = store_grow(ctx->st);
            if (rc == 0) {
                ctx->map_grows++;
                log_info("map full at %zu bytes; grown to %zu", before, ctx->st->map_size);
                arena_reset(mem);
                continue;                       /* run the batch again */
            }
        }
        if (rc) {
            log_error("batch not committed: %s", store_strerror(rc));
            refuse_all(items, n, mem, rc);
            return rc;
        }
        ctx->committed_at = text_now_us();
        ctx->last_seq = seq;
        return 0;
    }
}
