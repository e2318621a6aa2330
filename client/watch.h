/* watch.h — `okr watch`: follow okrd's event stream, one line per event
 * (one JSON object per line with --json), in seq order, without missing one.
 * The ordering, gap filling and reconnecting are monitor.c's. */
#ifndef OKR_CLIENT_WATCH_H
#define OKR_CLIENT_WATCH_H

#include <stdio.h>

#include "client.h"
#include "cmd.h"

/* Run until Ctrl-C (SIGINT) or SIGTERM, or until r->count events were shown.
 * c must be connected (its conn endpoint resolved). Returns an OKR_EXIT_*
 * status: 0 on a normal stop, 3 when the server cannot be reached at start,
 * 1 when it refuses. */
int watch_run(okr_client *c, const cmd_request *r);

/* Where to subscribe to okrd's events: `published` is the event endpoint its
 * Status names; a wildcard host (tcp://0.0.0.0:7412, or a star for the host) is
 * reached through the host of request_endpoint. Writes into out. */
void watch_events_endpoint(const char *published, const char *request_endpoint, char *out,
                           size_t len);

/* One human line for an event: "#12 2026-11-22 10:04 alice checkin K1 = 0.35
 * | K1 0.000->0.500 O1 0.300->0.433" (render_event_line, shared with `log`). */
void watch_print_event(FILE *out, const Okr__Event *ev, bool color);

/* The JSON line of an event (json_event, shared with `log`). Caller frees
 * with json_object_put. */
struct json_object *watch_event_json(const Okr__Event *ev);

#endif
