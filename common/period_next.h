/* period_next.h — the period that follows another (okr period next): its
 * dates and its name, from the period's own. Pure functions: no I/O, no
 * allocation; the client composes them with PeriodList and PeriodAdd.
 *
 * Dates: the next period starts the day after the period ends. When the
 * period is a whole number of calendar months (it starts on a 1st and ends
 * on the last day of a month: a month, a quarter, a half, a year), the next
 * one has the same number of months (2026-10-01..2026-12-31 is followed by
 * 2027-01-01..2027-03-31, and February is as long as it is that year);
 * otherwise it has the same number of days.
 *
 * Names: the pattern of the name is followed, keeping its separators and
 * the case of its letters:
 *   2026        -> 2027          FY26 -> FY27, FY2026 -> FY2027
 *   2026-Q4     -> 2027-Q1       (also 2026Q4, 2026 Q4, 2026/Q4, 2026_Q4)
 *   2026-H2     -> 2027-H1       halves;  2026-T3 -> 2027-T1: tertials
 *   Q4 2026     -> Q1 2027       (the unit first: a separator is needed)
 *   FY26-Q4     -> FY27-Q1       Q4 FY26 -> Q1 FY27
 *   2026-11     -> 2026-12       months: 2026-12 -> 2027-01
 * A two-digit fiscal year wraps (FY99 -> FY00). Anything else is not
 * recognised: the caller asks for a name. */
#ifndef OKR_PERIOD_NEXT_H
#define OKR_PERIOD_NEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The next period's first and last day (days since 1970-01-01, inclusive)
 * after the period [start, end]. False when end < start or when the next
 * period would end after 9999-12-31. */
bool period_next_dates(int64_t start, int64_t end, int64_t *next_start, int64_t *next_end);

/* The same on "YYYY-MM-DD" text: next_start and next_end get 11 bytes
 * each. False when a date is not one, or as period_next_dates. */
bool period_next_dates_text(const char *start, const char *end, char *next_start,
                            char *next_end);

/* The name that follows `name` by its pattern, into buf (len bytes). False
 * when the pattern is not recognised, the year would pass 9999, or buf is
 * too small. */
bool period_next_name(const char *name, char *buf, size_t len);

#endif
