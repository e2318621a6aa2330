/* prometheus.h — okrd's counters (a Status reply) in the Prometheus text
 * exposition format 0.0.4, for node_exporter's textfile collector or any
 * scraper of files (docs/operations.md, "Monitoring").
 *
 * Every family has `# HELP` and `# TYPE`; names start with `okrd_`;
 * counters end in `_total`; histograms have cumulative `_bucket{le="..."}`
 * lines ending with le="+Inf", then `_sum` and `_count`; base units are
 * seconds and bytes. A field the server did not send (an older okrd) is left
 * out. Writes to out only. */
#ifndef OKR_CLIENT_PROMETHEUS_H
#define OKR_CLIENT_PROMETHEUS_H

#include <stdio.h>

#include "okr.pb-c.h"

void prometheus_write(FILE *out, const Okr__Status *s);

#endif
