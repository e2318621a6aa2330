/* history.h — `okr history` of a roll-up KR: its score moves from the audit
 * log (a roll-up KR takes no check-ins, so its HistoryReply has none). */
#ifndef OKR_CLIENT_HISTORY_H
#define OKR_CLIENT_HISTORY_H

#include <stdbool.h>

#include "client.h"
#include "render.h"

/* Most events read for one roll-up KR's history (the oldest first). */
#define HISTORY_MAX_EVENTS 10000

/* Whether the human output of `reply` needs the log: a history of a roll-up
 * KR. */
bool history_wants_log(const okr_client *c, const Okr__Response *reply);

/* Read the events that moved the roll-up KR of h (LogGet, page by page)
 * and print them with render_rollup_history on c->out. Returns an
 * OKR_EXIT_* status (client_call's on a failed read, said on c->err). */
int history_show_rollup(okr_client *c, const Okr__HistoryReply *h);

#endif
