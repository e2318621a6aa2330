/* coach.h — `okr lint` and `okr report`: the reads they compose (periods,
 * teams, the period's tree, each objective's detail, KR histories), the
 * thresholds from flag, config file and default, and what they print or
 * write. The rules are lint.c's, the page report_html.c's. */
#ifndef OKR_CLIENT_COACH_H
#define OKR_CLIENT_COACH_H

#include "client.h"
#include "cmd.h"

/* Run r, a parsed `lint` or `report`. lint prints its findings (a table,
 * --csv/--tsv, or one JSON document) and returns OKR_EXIT_REFUSED (1) when
 * there is any, OKR_EXIT_OK when none; report writes r->html_file (whole,
 * or not at all) and returns OKR_EXIT_OK. An unknown period or team, bad
 * thresholds, or no period to default to: OKR_EXIT_USAGE; a failed read:
 * client_call's status; a file that cannot be written: OKR_EXIT_REFUSED
 * (as keygen's).
 * Everything wrong is said on c->err. */
int coach_run(okr_client *c, cmd_request *r);

#endif
