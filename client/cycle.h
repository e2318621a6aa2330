/* cycle.h — the client side of the next cycle: `okr period next` (composed
 * of PeriodList, common/period_next.c and PeriodAdd) and the period of a
 * carried objective's origin, which `show` prints ("carried from O12
 * (2026-Q4)"). The carry itself is one request (ObjectiveCarry), sent like
 * any other command. */
#ifndef OKR_CLIENT_CYCLE_H
#define OKR_CLIENT_CYCLE_H

#include <stddef.h>

#include "client.h"
#include "cmd.h"

/* period next: read the periods, find r->next_of, add the period after it
 * (r->period.name, else the name its pattern gives) and print
 * "NAME START END" (--json: the Changed reply with start and end). An
 * unknown period exits 1, a name without a pattern to follow exits 2 (give
 * --name); every sentence goes to c->err. Returns an OKR_EXIT_* status. */
int cycle_period_next(okr_client *c, cmd_request *r);

/* When reply is an ObjectiveDetail of a carried objective, the period of its
 * origin into buf ("2026-Q4", or "deleted" when the origin is gone); else
 * "". Asks the server quietly: a failed read leaves buf "". */
void cycle_origin_period(okr_client *c, const Okr__Response *reply, char *buf, size_t len);

#endif
