/* requests.c — the request-type table (see requests.h). Data plus lookups. */
#include "requests.h"

#include <string.h>

#define R(CASE, field, role, mutates, REPLY)                                        \
    {OKR__REQUEST__BODY_##CASE, #field, OKR_ROLE_##role, mutates, OKR__RESPONSE__BODY_##REPLY},

/*  body               field              role    mutates reply */
const okr_request_type okr_request_types[] = {
    R(PERIOD_ADD,        period_add,        ADMIN,  true,  CHANGED)
    R(PERIOD_LIST,       period_list,       VIEWER, false, PERIODS)
    R(PERIOD_CLOSE,      period_close,      ADMIN,  true,  CHANGED)
    R(TEAM_ADD,          team_add,          ADMIN,  true,  CHANGED)
    R(TEAM_LIST,         team_list,         VIEWER, false, TEAMS)
    R(PERIOD_EDIT,       period_edit,       ADMIN,  true,  CHANGED)
    R(PERIOD_DELETE,     period_delete,     ADMIN,  true,  CHANGED)
    R(OBJECTIVE_ADD,     objective_add,     EDITOR, true,  CHANGED)
    R(OBJECTIVE_EDIT,    objective_edit,    EDITOR, true,  CHANGED)
    R(OBJECTIVE_GET,     objective_get,     VIEWER, false, OBJECTIVE)
    R(OBJECTIVE_LIST,    objective_list,    VIEWER, false, OBJECTIVES)
    R(ALIGN,             align,             EDITOR, true,  CHANGED)
    R(UNALIGN,           unalign,           EDITOR, true,  CHANGED)
    R(OBJECTIVE_ARCHIVE, objective_archive, EDITOR, true,  CHANGED)
    R(OBJECTIVE_DELETE,  objective_delete,  EDITOR, true,  CHANGED)
    R(KR_ADD,            kr_add,            EDITOR, true,  CHANGED)
    R(KR_EDIT,           kr_edit,           EDITOR, true,  CHANGED)
    R(KR_GET,            kr_get,            VIEWER, false, KR)
    R(KR_DELETE,         kr_delete,         EDITOR, true,  CHANGED)
    R(CHECKIN,           checkin,           EDITOR, true,  CHANGED)
    R(HISTORY,           history,           VIEWER, false, HISTORY)
    R(CHECKIN_EDIT,      checkin_edit,      EDITOR, true,  CHANGED)
    R(CHECKIN_DELETE,    checkin_delete,    EDITOR, true,  CHANGED)
    R(TREE,              tree,              VIEWER, false, GRAPH)
    R(STATUS,            status,            VIEWER, false, STATUS)
    R(SNAPSHOT,          snapshot,          VIEWER, false, SNAPSHOT)
    R(REPLAY,            replay,            VIEWER, false, EVENTS)
    R(USER_ADD,          user_add,          ADMIN,  true,  CHANGED)
    R(USER_LIST,         user_list,         VIEWER, false, USERS)
    R(USER_ROLE,         user_role,         ADMIN,  true,  CHANGED)
    R(USER_REMOVE,       user_remove,       ADMIN,  true,  CHANGED)
    R(LOG,               log,               VIEWER, false, LOG)
    R(BACKUP,            backup,            ADMIN,  false, BACKUP)
    R(EXPORT,            export,            VIEWER, false, DUMP)
    R(IMPORT_DATA,       import_data,       ADMIN,  true,  IMPORTED)
    R(CARRY,             carry,             EDITOR, true,  CHANGED)
    R(TEAM_EDIT,         team_edit,         ADMIN,  true,  CHANGED)
    R(TEAM_DELETE,       team_delete,       ADMIN,  true,  CHANGED)
    R(DUE,               due,               VIEWER, false, DUE)
};

const int okr_request_type_count = (int)(sizeof okr_request_types / sizeof okr_request_types[0]);

const okr_request_type *requests_find(Okr__Request__BodyCase body)
{
    for (int i = 0; i < okr_request_type_count; i++)
        if (okr_request_types[i].body == body)
            return &okr_request_types[i];
    return NULL;
}

okr_role requests_role(Okr__Request__BodyCase body)
{
    const okr_request_type *t = requests_find(body);
    return t ? t->role : OKR_ROLE_ADMIN;
}

bool requests_mutates(Okr__Request__BodyCase body)
{
    const okr_request_type *t = requests_find(body);
    return t && t->mutates;
}

Okr__Response__BodyCase requests_reply(Okr__Request__BodyCase body)
{
    const okr_request_type *t = requests_find(body);
    return t ? t->reply : OKR__RESPONSE__BODY__NOT_SET;
}

static const char *const role_names[] = {"viewer", "editor", "admin"};

const char *requests_role_name(okr_role role)
{
    if ((int)role >= 0 && (size_t)role < sizeof role_names / sizeof role_names[0])
        return role_names[role];
    return "?";
}

bool requests_role_parse(const char *text, okr_role *out)
{
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
        if (text && strcmp(text, role_names[i]) == 0) {
            *out = (okr_role)i;
            return true;
        }
    }
    return false;
}
