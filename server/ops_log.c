/* ops_log.c — the audit log: LogGet reads the event log (the `events`
 * database, one Event per committed change) in seq order and answers the
 * events that match its filters.
 *
 * It only reads. Its work per request is bounded whatever the log holds and
 * whatever the filters are: it stops at `limit` matches, after reading
 * OKR_LOG_SCAN events, or before the reply's events pass
 * OKR_LOG_REPLY_BYTES, and says in next_seq where to continue. Events that
 * do not match are unpacked into a scratch arena reset after each one, so
 * memory follows the reply, not the scan. */
#include <string.h>

#include "okr_limits.h"
#include "ops.h"

/* The filters of one LogGet, checked. */
typedef struct {
    const char *node;      /* canonical id ("K1"), or NULL */
    const char *user;      /* exact actor, or NULL */
    bool has_since, has_until;
    int64_t since, until;  /* Unix us, inclusive */
} log_filter;

/* Where a scan stopped and what it found. */
typedef struct {
    Okr__Event **events;
    size_t n, cap, bytes;
    uint64_t next_seq;     /* first seq not read; 0: the end of the log */
} log_page;

static bool blank(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static bool need_time(request *rq, const char *field, int64_t value)
{
    if (value < 0)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s %lld is before 1970 (Unix microseconds are >= 0)", field,
                            (long long)value);
    return true;
}

/* Check the filters of in into *f. */
static bool log_filter_init(request *rq, const Okr__LogGet *in, log_filter *f)
{
    memset(f, 0, sizeof *f);
    if (!blank(in->node)) {
        okr_node node;
        if (!need_node_id(rq, "node", in->node, &node))
            return false;
        f->node = request_id(rq, node);   /* "k1" finds the events of K1 */
    }
    if (!blank(in->user)) {
        if (!need_name(rq, "user", in->user, OKR_MAX_NAME, true))
            return false;
        f->user = in->user;
    }
    if ((in->has_since && !need_time(rq, "since", in->since)) ||
        (in->has_until && !need_time(rq, "until", in->until)))
        return false;
    if (in->has_since && in->has_until && in->since > in->until)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "since %lld is after until %lld", (long long)in->since,
                            (long long)in->until);
    f->has_since = in->has_since;
    f->since = in->since;
    f->has_until = in->has_until;
    f->until = in->until;
    return true;
}

/* Period, team and user changes name their subject by name, not id: a
 * period called "O1" is not the objective O1. */
static bool subject_is_a_name(const Okr__Request *change)
{
    switch (change ? change->body_case : OKR__REQUEST__BODY__NOT_SET) {
    case OKR__REQUEST__BODY_PERIOD_ADD:
    case OKR__REQUEST__BODY_PERIOD_CLOSE:
    case OKR__REQUEST__BODY_TEAM_ADD:
    case OKR__REQUEST__BODY_USER_ADD:
    case OKR__REQUEST__BODY_USER_ROLE:
    case OKR__REQUEST__BODY_USER_REMOVE:
        return true;
    default:
        return false;
    }
}

/* The event touched the node (Event.nodes, its subject) or moved its score
 * (Event.scores: a roll-up parent is only there). */
static bool event_concerns(const Okr__Event *ev, const char *node)
{
    for (size_t i = 0; i < ev->n_scores; i++)
        if (ev->scores[i]->node && strcmp(ev->scores[i]->node, node) == 0)
            return true;
    if (subject_is_a_name(ev->change))
        return false;
    if (ev->subject && strcmp(ev->subject, node) == 0)
        return true;
    for (size_t i = 0; i < ev->n_nodes; i++)
        if (ev->nodes[i] && strcmp(ev->nodes[i], node) == 0)
            return true;
    return false;
}

static bool event_matches(const Okr__Event *ev, const log_filter *f)
{
    if (f->user && (ev->actor == NULL || strcmp(ev->actor, f->user) != 0))
        return false;
    if ((f->has_since && ev->time < f->since) || (f->has_until && ev->time > f->until))
        return false;
    return f->node == NULL || event_concerns(ev, f->node);
}

/* The limit asked for: 0 or unset is the default; above the maximum, the
 * maximum (a client asking for more just pages). */
static size_t log_limit(const Okr__LogGet *in)
{
    if (!in->has_limit || in->limit == 0)
        return OKR_DEFAULT_LOG;
    return in->limit > OKR_MAX_LOG ? OKR_MAX_LOG : in->limit;
}

/* Read events from seq `first` on into *page until a bound stops it.
 * False (the request failed) when an event does not parse. */
static bool log_scan(request *rq, uint64_t first, const log_filter *f, size_t limit,
                     log_page *page)
{
    arena scratch;
    arena_init(&scratch);
    uint64_t seq = first, scanned = 0;
    page->next_seq = 0;
    for (; seq <= rq->last_seq; seq++) {
        MDB_val v;
        if (page->n == limit || scanned == OKR_LOG_SCAN) {
            page->next_seq = seq;
            break;
        }
        scanned++;
        if (!store_get_event(rq->txn, seq, &v))
            continue;                       /* cannot happen: the log is contiguous */
        arena_reset(&scratch);
        Okr__Event *ev = (Okr__Event *)protobuf_c_message_unpack(&okr__event__descriptor,
                                                                 &scratch.pb, v.mv_size,
                                                                 v.mv_data);
        if (ev == NULL) {
            arena_free(&scratch);
            return request_fail(rq, OKR__ERROR_CODE__INTERNAL,
                                "event %llu in the log does not parse",
                                (unsigned long long)seq);
        }
        if (!event_matches(ev, f))
            continue;
        /* Always at least one event, so a client paging on always advances. */
        if (page->n > 0 && page->bytes + v.mv_size > OKR_LOG_REPLY_BYTES) {
            page->next_seq = seq;
            break;
        }
        page->bytes += v.mv_size;
        ops_append(rq->mem, (void ***)&page->events, &page->n, &page->cap,
                   store_unpack(rq->txn, &okr__event__descriptor, &v));
    }
    arena_free(&scratch);
    return rq->txn->rc == 0;
}

/* LogGet { node?, user?, since?, until?, after_seq?, limit? } -> LogReply
 * Events with seq > after_seq, oldest first, matching every filter given. */
void op_log(request *rq, const Okr__LogGet *in)
{
    log_filter f;
    if (!log_filter_init(rq, in, &f))
        return;
    if (in->after_seq > rq->last_seq)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "after_seq %llu is ahead of the log (last seq %llu)",
                                  (unsigned long long)in->after_seq,
                                  (unsigned long long)rq->last_seq);
    /* Retention may have pruned the oldest events: start at what is left. */
    uint64_t first = store_first_seq(rq->txn);
    if (first < in->after_seq + 1)
        first = in->after_seq + 1;

    log_page page = {0};
    if (!log_scan(rq, first, &f, log_limit(in), &page))
        return;
    Okr__LogReply *reply = ARENA_NEW(rq->mem, Okr__LogReply, OKR__LOG_REPLY__INIT);
    reply->events = page.events;
    reply->n_events = page.n;
    reply->has_next_seq = true;
    reply->next_seq = page.next_seq;
    rq->response->body_case = OKR__RESPONSE__BODY_LOG;
    rq->response->log = reply;
}
