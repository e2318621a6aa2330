/* period_note.h — saying which period `obj add` used when okr chose none:
 * the server takes the open period containing today, and when several do
 * (a year and its quarters) the newest; a line on stderr names it. */
#ifndef OKR_CLIENT_PERIOD_NOTE_H
#define OKR_CLIENT_PERIOD_NOTE_H

#include "client.h"
#include "cmd.h"

/* After a successful r (reply: its answer): when r is an obj add that named
 * no period and more than one open period contains today, print
 * "okr: (period NAME: the newest of N open periods containing today; --period
 * picks another)" on c->err. Reads the period list and the new objective;
 * a failed read prints nothing more than client_call did. */
void period_note_default(okr_client *c, const cmd_request *r, const Okr__Response *reply);

#endif
