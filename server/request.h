/* request.h — the context of one request while it is handled, and the
 * validators every handler uses.
 *
 * A handler gets a `request`, reads its body, and either fills rq->response
 * or calls request_fail. Validators check a field and, on failure, set the
 * error (code + a sentence naming the field or id) and return false/NULL, so
 * handlers read as a straight list of checks followed by the change:
 *
 *     Okr__KeyResult *kr = need_kr(rq, "kr", in->kr, &id);
 *     if (!kr || !need_number(rq, "value", in->has_value, in->value))
 *         return;
 *
 * Everything allocated for a request lives in rq->mem (the batch arena). */
#ifndef OKR_REQUEST_H
#define OKR_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "requests.h"
#include "rollup.h"
#include "score.h"
#include "store.h"

typedef struct {
    store_txn *txn;
    arena *mem;
    const char *actor;                      /* who is asking */
    okr_role role;
    bool secure;                            /* secure mode (status says so) */
    int64_t now;                            /* request time, Unix us */
    uint64_t seq;                           /* mutations: the event seq it will get */
    uint64_t last_seq;                      /* last committed seq (status) */
    int64_t started_at;                     /* server start (status) */
    const char *event_endpoint;             /* the PUB socket's endpoint (status) */
    const struct peer_table *peers;         /* reply accounting, peer.h (status) */
    const struct publisher *pub;            /* subscription counts (status) */
    const struct metrics *metrics;          /* okrd's counters, metrics.h (status) */
    struct staging_table *staging;          /* staged imports (staging.h), or NULL */
    const score_health_settings *health;
    Okr__Response *response;                /* handlers set its body */
    Okr__ErrorCode code;                    /* OK until request_fail */
    const char *message;
    /* Mutations only: what the event will say. */
    rollup scores;
    const char *subject;                    /* id created or changed */
    const char **touched;                   /* every node id the change touched */
    size_t n_touched, cap_touched;
    bool users_changed;                     /* a user was added, changed or removed */
    bool no_change;                         /* a mutation's handler answered without a
                                               change (a staged import's part): no event */
    const void *event;                      /* packed Event, once appended */
    size_t event_len;
    /* view.c: the last period a view looked up (views of one objective and
     * its KRs all ask for the same one). */
    const char *span_period;
    bool span_found, span_closed;
    int64_t span_start_us, span_end_us;
} request;

/* Record an error (the first one wins). Always returns false. */
bool request_fail(request *rq, Okr__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool request_ok(const request *rq);

/* Note a node as touched by this change (for node subscriptions). */
void request_touch(request *rq, okr_node node);
void request_touch_name(request *rq, const char *name);
/* The id string of a node, in the arena. */
const char *request_id(request *rq, okr_node node);

/* Text: one line of valid UTF-8 without control characters (tab included)
 * or invisible formatting (text_check), at most max bytes; when required,
 * present and not blank. The sentence names the field and the byte. */
bool need_text(request *rq, const char *field, const char *value, size_t max, bool required);
/* Optional text that may hold several lines (a description, a note): like
 * need_text, and line feeds are allowed. */
bool need_lines(request *rq, const char *field, const char *value, size_t max);
/* A name (team, period, unit, owner): like need_text, and no leading or
 * trailing space. */
bool need_name(request *rq, const char *field, const char *value, size_t max, bool required);
/* Request.user (local mode's actor): absent, or a name of at most
 * OKR_MAX_NAME bytes. It is kept in the event log with the request, so a
 * bad one refuses the request rather than being replaced. */
bool need_user(request *rq, const char *user);
/* A finite number within +-OKR_MAX_ABS_VALUE. */
bool need_number(request *rq, const char *field, bool has, double value);
/* A confidence: absent, or 0..1. */
bool need_confidence(request *rq, const char *field, bool has, double value);
/* A weight: absent (-> 1) or 1..OKR_MAX_WEIGHT. */
bool need_weight(request *rq, const char *field, bool has, uint32_t value, uint32_t *out);
/* A date "YYYY-MM-DD"; *days is days since 1970-01-01. */
bool need_date(request *rq, const char *field, const char *value, int64_t *days);
/* A well-formed node id. */
bool need_node_id(request *rq, const char *field, const char *text, okr_node *out);

/* Existing records; NOT_FOUND names the id when absent. */
Okr__Objective *need_objective(request *rq, const char *field, const char *text, okr_node *out);
Okr__KeyResult *need_kr(request *rq, const char *field, const char *text, okr_node *out);
Okr__Team *need_team(request *rq, const char *name);
Okr__Period *need_period(request *rq, const char *name);
/* store_next_id for an add; when the kind's ids are used up, fails with
 * RESOURCE_EXHAUSTED and a sentence (and returns 0: the transaction's
 * sticky status makes the rest of the handler a no-op). */
okr_node need_next_id(request *rq, bool kr);
/* The objective's period must be open (PERIOD_CLOSED otherwise). */
bool need_open(request *rq, const Okr__Objective *o);

#endif
