/* retro.h — `okr retro PERIOD [--team T]`: a look back on one cycle, per
 * team and objective: the grade (or "not closed" and the score so far),
 * expected vs reached, the check-in cadence, the confidence trend of each
 * KR, overshoots, misses and the notes written along the way.
 *
 * Composed on the client from existing reads: one TreeGet of the period
 * (and team), one PeriodList for its dates, and one History per KR that
 * has check-ins. Nothing is written. */
#ifndef OKR_CLIENT_RETRO_H
#define OKR_CLIENT_RETRO_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmd.h"

#define RETRO_WEEK_US (7 * 86400000000LL)
#define RETRO_MISS_BELOW 300000          /* a KR under 0.3 is a miss */

/* How regularly an objective was checked in on, over [start, stop): the
 * period from its first day to its end, or to now while that is earlier. */
typedef struct {
    int weeks;              /* 7-day weeks from start (the last one may be short) */
    int weeks_without;      /* of them, those without a check-in */
    size_t checkins;        /* check-ins inside the span */
    int64_t gap_us;         /* longest stretch without one, the span's edges included */
    int64_t gap_from_us, gap_to_us;
} retro_cadence;

/* The cadence of check-ins at `times` (Unix us, ascending; those outside
 * [start_us, stop_us) do not count) over [start_us, stop_us). With no
 * check-in the gap is the whole span; an empty span (stop <= start) has no
 * weeks and no gap. Pure. */
void retro_cadence_of(const int64_t *times, size_t n, int64_t start_us, int64_t stop_us,
                      retro_cadence *out);

/* Run `retro` as cmd_parse left it (r->body.tree holds the period and
 * team): read, compose, print (human or JSON). Returns an OKR_EXIT_*
 * status; a refused read is said on c->err. */
int retro_run(okr_client *c, cmd_request *r);

#endif
