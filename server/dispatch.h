/* dispatch.h — from a decoded Request to a filled Response.
 *
 * Checks what every request shares (protocol version, a body, the caller's
 * role), calls the handler for the body, and for a successful mutation
 * appends its Event to the log in the same transaction and answers Changed
 * {id, seq, scores}. Knows nothing of sockets or batching (server.c). */
#ifndef OKR_DISPATCH_H
#define OKR_DISPATCH_H

#include "request.h"

/* True when requests with this body change state (and so need a write
 * transaction, an event and a seq). */
bool dispatch_is_mutation(Okr__Request__BodyCase body);

/* True when this server has a handler for the body (tests check that every
 * row of the request-type table has one). */
bool dispatch_has_handler(Okr__Request__BodyCase body);
/* Whether body's handler refuses only before its first write, so it may run
 * in the batch's transaction without a nested one of its own (batch_core.c). */
bool dispatch_validates_first(Okr__Request__BodyCase body);

/* Handle req within rq->txn. rq must have txn, mem, actor, role, now, health,
 * response set; rq->seq must be the next event seq when req mutates. Returns
 * true when req was a mutation that succeeded (the caller then commits its
 * transaction and advances the seq). On failure rq->code/message are set, or
 * rq->txn->rc holds a storage error. */
bool dispatch_request(request *rq, const Okr__Request *req);

/* Fill response->error from rq's error or the transaction's storage error. */
void dispatch_set_error(Okr__Response *response, arena *mem, Okr__ErrorCode code,
                        const char *message);

#endif
