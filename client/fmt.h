/* fmt.h — how values are spelled as text, shared by the human renderer and
 * the JSON output: scores, numbers, times, the names of enum values, and
 * the glyphs of progress bars and sparklines.
 * Pure functions writing into caller buffers; no I/O, no allocation. */
#ifndef OKR_CLIENT_FMT_H
#define OKR_CLIENT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "okr.pb-c.h"

#define FMT_BUF 64   /* enough for any value below but a KR's progress */

/* A score in millionths as a decimal with `decimals` places (1..6), rounded
 * half away from zero, exactly (no floating point): 433333 -> "0.433333"
 * (6) or "0.433" (3). Returns buf. */
const char *fmt_score(int64_t millionths, int decimals, char *buf, size_t len);

/* A value as people write it: no exponent, no trailing zeros ("50", "0.25",
 * "-1.5", "1200000"). Returns buf. */
const char *fmt_number(double value, char *buf, size_t len);

/* Unix microseconds as ISO 8601 UTC, "2026-01-15T10:30:00Z". Returns buf. */
const char *fmt_iso_time(int64_t us, char *buf, size_t len);

/* A KR's progress in one cell: "50 / 100 USD" (metric), "1.8 / ≤2 %"
 * (threshold), "done" / "not done" (milestone), "-" (rollup). Returns buf. */
const char *fmt_progress(const Okr__KeyResult *kr, char *buf, size_t len);

/* A progress bar `cells` columns wide for a fraction in millionths (clamped
 * to 0..1): full blocks, one partial eighth block, light shade for the rest:
 * 0.433 in 10 cells is "████▎░░░░░". buf needs 3 * cells + 1 bytes. Returns buf. */
const char *fmt_bar(int64_t millionths, int cells, char *buf, size_t len);

/* A sparkline: one glyph per value, oldest first, "▁" where a value is at
 * `low` up to "█" at `high` (high may be below low: a decreasing metric draws
 * progress upward), clamped; "▄" for every value when low == high; a blank
 * where present[i] is false (present may be NULL: all are). buf needs
 * 3 * n + 1 bytes; values that do not fit are left out. Returns buf. */
const char *fmt_sparkline(const double *values, const bool *present, size_t n, double low,
                          double high, char *buf, size_t len);

/* Names of enum values, as used in JSON and tables. Unknown values (from a
 * newer server) give "unknown". */
const char *fmt_kind(Okr__KrKind kind);                    /* "metric" ... */
const char *fmt_type(Okr__ObjectiveType type);             /* "aspirational", "committed" */
const char *fmt_direction(Okr__ThresholdDirection dir);    /* "at_least", "at_most" */
const char *fmt_health(Okr__Health health);                /* "on_track" ... "none" */
const char *fmt_grade(Okr__Grade grade);                   /* "red" ... "none" */

#endif
