/* lint.h — the coach: one period's OKRs checked against the habits OKR
 * guides agree on (3-5 objectives a team, 2-5 KRs an objective, weekly
 * check-ins, measurable KRs, alignment, committed means committed).
 *
 * Pure: lint_run takes the data (a Graph as TreeGet answers it, the edges
 * the graph lacks, the teams, the period, the time) and the thresholds, and
 * returns findings. No I/O, no server: the command glue (coach.c) fetches,
 * the tests craft the data by hand. Allocation failure aborts (util.h). */
#ifndef OKR_CLIENT_LINT_H
#define OKR_CLIENT_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "okr.pb-c.h"

/* The rules. Their names (lint_rule_name) are stable: scripts match them. */
typedef enum {
    LINT_TOO_MANY_OBJECTIVES,          /* "too-many-objectives" */
    LINT_TOO_FEW_KRS,                  /* "too-few-krs" */
    LINT_TOO_MANY_KRS,                 /* "too-many-krs" */
    LINT_STALE_KR,                     /* "stale-kr" */
    LINT_METRIC_WITHOUT_UNIT,          /* "metric-without-unit" */
    LINT_MILESTONE_WITHOUT_CONFIDENCE, /* "milestone-without-confidence" */
    LINT_ISOLATED_OBJECTIVE,           /* "isolated-objective" */
    LINT_COMMITTED_OFF_TRACK,          /* "committed-off-track" */
    LINT_UNCOUNTED_ALIGNMENT,          /* "uncounted-alignment" */
    LINT__RULES
} lint_rule;

/* The thresholds, settings of the client: `[lint] KEY = N` in okr's config
 * file and `--KEY N` options (dashes for underscores). */
typedef enum {
    LINT_MAX_OBJECTIVES,   /* max_objectives: a team's active objectives (default 5) */
    LINT_MIN_KRS,          /* min_krs: KRs an objective has at least (default 2) */
    LINT_MAX_KRS,          /* max_krs: KRs an objective has at most (default 5) */
    LINT_STALE_DAYS,       /* stale_days: days without a check-in (default 14) */
    LINT__LIMITS
} lint_limit;

typedef struct {
    uint32_t limit[LINT__LIMITS];
} lint_thresholds;

/* The defaults: 5, 2, 5, 14. */
void lint_thresholds_default(lint_thresholds *t);

/* "max_objectives" (the config key) and "max-objectives" (the option). */
const char *lint_limit_key(lint_limit l);
const char *lint_limit_option(lint_limit l);

/* The values a threshold may take: [*min, *max]. */
void lint_limit_range(lint_limit l, uint32_t *min, uint32_t *max);

/* Check one threshold's value: false with a sentence naming it in err when
 * it is out of its range (max_objectives, max_krs 1..1000; min_krs
 * 0..1000; stale_days 1..3650). */
bool lint_limit_check(lint_limit l, uint32_t value, char *err, size_t err_len);

/* Check the thresholds together (min_krs not above max_krs). */
bool lint_thresholds_check(const lint_thresholds *t, char *err, size_t err_len);

/* "too-many-objectives" ...; "unknown" for anything else. */
const char *lint_rule_name(lint_rule r);

/* One finding: the rule, the ids it names (objective and KR ids; first the
 * one at fault), the team concerned ("" when none) and a sentence that
 * says what is wrong and what to do. All strings are malloc'd. */
typedef struct {
    lint_rule rule;
    char **ids;
    size_t n_ids;
    char *team;
    char *message;
} lint_finding;

typedef struct {
    lint_finding *items;
    size_t n, cap;
} lint_findings;

/* What lint_run looks at. Objectives of `period` (and of `team` when set)
 * are "in scope"; the graph may hold others (objectives of other periods
 * aligned below these), which only serve to tell what is aligned to what.
 * `more` holds alignments the graph lacks (an in-scope objective's parents
 * in another period or team, from ObjectiveGet); an edge in both counts once.
 * Borrowed: lint_run copies what it keeps. */
typedef struct {
    const Okr__Period *period;            /* name, start, end, closed */
    const char *team;                     /* NULL or "": every team */
    const Okr__Graph *graph;
    Okr__Alignment *const *more;
    size_t n_more;
    Okr__Team *const *teams;              /* every team (parents make it multi-level) */
    size_t n_teams;
    int64_t now_us;                       /* the time the check is made at */
} lint_input;

/* Run every rule, in the order of lint_rule; within a rule, in-scope nodes
 * in the graph's order (ascending ids as okrd sends them). Appends to *out
 * (initialised with {0}). Returns the number of findings appended. */
size_t lint_run(const lint_input *in, const lint_thresholds *t, lint_findings *out);

/* Release the findings' strings and array; *f is empty afterwards. */
void lint_findings_free(lint_findings *f);

#endif
