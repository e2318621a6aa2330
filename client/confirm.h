/* confirm.h — asking a person before a change that cannot be undone
 * (`obj delete`), the way gh and apt do: on a terminal the question, in a
 * script a refusal that says to add --yes. */
#ifndef OKR_CLIENT_CONFIRM_H
#define OKR_CLIENT_CONFIRM_H

#include "client.h"
#include "cmd.h"

/* Before sending r (obj delete): OKR_EXIT_OK to go on (--yes, or the
 * person said yes), else the status to stop with, after saying why on
 * c->err: OKR_EXIT_USAGE when nobody can be asked (c->can_ask false:
 * a script, okr -c), OKR_EXIT_REFUSED when the answer was no (or Ctrl-C,
 * or end of input), or the status of the read that fetched the
 * objective's title (it does not exist: NOT_FOUND). */
int confirm_delete(okr_client *c, const cmd_request *r);

#endif
