/* status_metrics.h — okrd's counters in a Status reply (Status fields
 * 30..36 and the older counters beside them), for people and for --json.
 * render_status (render.c) and json_out.c's status call these; the
 * Prometheus text format is prometheus.h's. Writes to ctx->out only. */
#ifndef OKR_CLIENT_STATUS_METRICS_H
#define OKR_CLIENT_STATUS_METRICS_H

#include <json-c/json.h>

#include "okr.pb-c.h"
#include "render.h"

/* Key/value lines (events, subscribers, map, batches, commits, clients)
 * and a table of requests: one row per request type, one column per result
 * code seen. Prints nothing for a field the server did not send. */
void status_metrics_render(const render_ctx *ctx, const Okr__Status *s);

/* The same as one JSON object (caller owns it). */
struct json_object *status_metrics_json(const Okr__Status *s);

#endif
