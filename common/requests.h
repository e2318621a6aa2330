/* requests.h — the one table of request types: the facts about each body of
 * okr.Request that both sides rely on.
 *
 * For every request body: its name (for logs and messages), the least role
 * that may send it, whether it mutates (runs in a write transaction, takes an
 * event seq, is answered by Changed and must never be resent blindly) and
 * the response body it is answered with. The server's permission check and
 * batch planning (server/dispatch.c, server/batch.c) and the client's reply
 * check and retry policy (client/cmd.c, client/client.c) all read this
 * table; the command table (commands.h) takes each command's role from it.
 * Nothing here knows how a request is carried out. */
#ifndef OKR_REQUESTS_H
#define OKR_REQUESTS_H

#include <stdbool.h>

#include "okr.pb-c.h"

/* Roles in increasing power; the values are okr.Role's. */
typedef enum {
    OKR_ROLE_VIEWER = OKR__ROLE__VIEWER,
    OKR_ROLE_EDITOR = OKR__ROLE__EDITOR,
    OKR_ROLE_ADMIN = OKR__ROLE__ADMIN,
} okr_role;

typedef struct {
    Okr__Request__BodyCase body;
    const char *name;                  /* "checkin": the body's field name */
    okr_role role;                     /* least role allowed to send it */
    bool mutates;
    Okr__Response__BodyCase reply;     /* the body of a successful answer */
} okr_request_type;

extern const okr_request_type okr_request_types[];
extern const int okr_request_type_count;

/* The row of a request body, or NULL for a body this protocol does not have. */
const okr_request_type *requests_find(Okr__Request__BodyCase body);

/* Shorthands over requests_find: an unknown body needs admin, does not
 * mutate and has no reply body. */
okr_role requests_role(Okr__Request__BodyCase body);
bool requests_mutates(Okr__Request__BodyCase body);
Okr__Response__BodyCase requests_reply(Okr__Request__BodyCase body);

/* "viewer", "editor", "admin". */
const char *requests_role_name(okr_role role);
/* The role named by text; false when text names none. */
bool requests_role_parse(const char *text, okr_role *out);

#endif
