/* ops_user.c — the users of secure mode: add, list, change a role, remove.
 *
 * A user is a name, a role and a CURVE public key (Z85); auth.c admits the
 * key and makes the name the actor. These handlers run in local mode too
 * (the users are stored; they only matter once okrd runs --secure). Every
 * change sets rq->users_changed, so okrd reloads its table after the
 * batch. There is always an admin left: the last one can be neither
 * removed nor demoted. */
#include "ops.h"

#include <string.h>

#include "keyfile.h"
#include "okr_limits.h"

static bool need_role(request *rq, const char *field, bool has, Okr__Role role)
{
    if (!has)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is required (viewer, editor or admin)", field);
    if ((int)role < OKR_ROLE_VIEWER || (int)role > OKR_ROLE_ADMIN)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s %d is not a role (viewer, editor or admin)", field, (int)role);
    return true;
}

static bool need_public_key(request *rq, const char *field, const char *key)
{
    if (key == NULL || key[0] == '\0')
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s is required", field);
    if (!keyfile_valid_z85(key))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s must be a Z85 CURVE public key: 40 characters that decode "
                            "to 32 bytes (okr keygen prints one)", field);
    return true;
}

/* The existing user called name; NOT_FOUND names it when absent. */
static Okr__User *need_existing_user(request *rq, const char *name)
{
    if (!need_name(rq, "name", name, OKR_MAX_NAME, true))
        return NULL;
    Okr__User *u = store_get_user(rq->txn, name);
    if (u == NULL && request_ok(rq))
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no user \"%s\"", name);
    return u;
}

static size_t count_admins(request *rq)
{
    Okr__User **users;
    size_t n = store_users(rq->txn, &users), admins = 0;
    for (size_t i = 0; i < n; i++)
        admins += users[i]->role == OKR__ROLE__ADMIN;
    return admins;
}

/* The user holding this public key, or NULL. */
static const Okr__User *user_with_key(request *rq, const char *key)
{
    Okr__User **users;
    size_t n = store_users(rq->txn, &users);
    for (size_t i = 0; i < n; i++)
        if (users[i]->public_key && strcmp(users[i]->public_key, key) == 0)
            return users[i];
    return NULL;
}

/* Refuse when u is the only admin and is about to stop being one. */
static bool keep_an_admin(request *rq, const Okr__User *u, const char *doing)
{
    if (u->role != OKR__ROLE__ADMIN || count_admins(rq) > 1)
        return true;
    return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                        "%s is the last admin and cannot be %s; make another user admin "
                        "first", u->name, doing);
}

static void changed(request *rq, const char *name)
{
    rq->subject = name;
    rq->users_changed = true;
}

/* UserAdd { user { name, role, public_key } } */
void op_user_add(request *rq, const Okr__UserAdd *in)
{
    const Okr__User *u = in->user;
    if (u == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "user is required");
    if (!need_name(rq, "user name", u->name, OKR_MAX_NAME, true) ||
        !need_role(rq, "role", u->has_role, u->role) ||
        !need_public_key(rq, "public_key", u->public_key))
        return;
    if (store_get_user(rq->txn, u->name))
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT, "user \"%s\" exists already",
                                  u->name);
    const Okr__User *holder = user_with_key(rq, u->public_key);
    if (holder)
        return (void)request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                                  "public_key is already the key of user \"%s\"; every user "
                                  "has a key of their own", holder->name);
    Okr__User rec = OKR__USER__INIT;
    rec.name = u->name;
    rec.has_role = rec.has_added_at = true;
    rec.role = u->role;
    rec.public_key = u->public_key;
    rec.added_by = (char *)rq->actor;
    rec.added_at = rq->now;
    store_put_user(rq->txn, &rec);
    changed(rq, u->name);
}

/* UserList {} — every user in name order (public keys only, never a secret). */
void op_user_list(request *rq, const Okr__UserList *in)
{
    (void)in;
    Okr__UserListReply *r = ARENA_NEW(rq->mem, Okr__UserListReply, OKR__USER_LIST_REPLY__INIT);
    r->n_users = store_users(rq->txn, &r->users);
    rq->response->body_case = OKR__RESPONSE__BODY_USERS;
    rq->response->users = r;
}

/* UserRole { name, role } */
void op_user_role(request *rq, const Okr__UserRole *in)
{
    Okr__User *u = need_existing_user(rq, in->name);
    if (u == NULL || !need_role(rq, "role", in->has_role, in->role))
        return;
    if (in->role != OKR__ROLE__ADMIN && !keep_an_admin(rq, u, "demoted"))
        return;
    u->has_role = true;
    u->role = in->role;
    store_put_user(rq->txn, u);
    changed(rq, u->name);
}

/* UserRemove { name } */
void op_user_remove(request *rq, const Okr__UserRemove *in)
{
    Okr__User *u = need_existing_user(rq, in->name);
    if (u == NULL || !keep_an_admin(rq, u, "removed"))
        return;
    store_del_user(rq->txn, u->name);
    changed(rq, u->name);
}
