/* report_html.h — `okr report PERIOD --html FILE`: one self-contained HTML
 * page of a period for leaders. The alignment tree as nested lists, a bar
 * per node (its score as the bar's width), health colours (grade colours
 * once the period is closed), owners, a check-in sparkline per KR (inline
 * SVG) and the coach's findings. Inline CSS only: no script, no external
 * asset, nothing fetched when it is opened.
 *
 * Every objective's and KR's element carries data attributes for machines:
 * data-id, data-kind (objective|kr), data-score (six decimals, as --json),
 * data-health, data-grade, data-period (objectives), data-objective (KRs).
 * Every string that came from a user is HTML-escaped.
 *
 * Pure: writes to the FILE it is given, reads only its input. */
#ifndef OKR_CLIENT_REPORT_HTML_H
#define OKR_CLIENT_REPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "lint.h"
#include "okr.pb-c.h"

/* The deepest level drawn and the most nodes drawn (a DAG repeats shared
 * subtrees under each parent); past them the page says it was cut. */
#define REPORT_MAX_DEPTH 32
#define REPORT_MAX_NODES 20000

typedef struct {
    const Okr__Period *period;               /* the period: name, dates, closed */
    const char *team;                        /* the team shown, or NULL: all */
    const Okr__Graph *graph;                 /* TreeGet of the period */
    const lint_findings *findings;           /* okr lint's, for the same scope */
    Okr__HistoryReply *const *histories;     /* check-ins of KRs (any order; may be 0) */
    size_t n_histories;
    int64_t generated_us;                    /* when the page was made */
    const char *server;                      /* where the data came from, or NULL */
} report_input;

/* Write the whole page. Returns 0, or -1 when writing failed (ferror). */
int report_html_write(FILE *out, const report_input *in);

#endif
