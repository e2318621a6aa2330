/* log.h — `okr log`: the audit log, one line (or JSON object) per event,
 * oldest first, fetched page by page with LogGet. */
#ifndef OKR_CLIENT_LOG_H
#define OKR_CLIENT_LOG_H

#include "client.h"
#include "cmd.h"

/* Send r's LogGet, print the events of its reply, and follow next_seq
 * until r->count events were shown (0: every match) or the server says the
 * end of the log is reached. Each page is printed as it arrives, so memory
 * stays one page whatever the log holds. Returns an OKR_EXIT_* status; a
 * failure after some pages leaves what was printed. r->body.log is changed
 * (after_seq, limit). */
int log_run(okr_client *c, cmd_request *r);

#endif
