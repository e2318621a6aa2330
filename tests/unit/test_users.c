/* test_users.c — secure mode's users (server/ops_user.c) through the real
 * dispatcher: add, list, change a role, remove; the key must be a Z85 CURVE
 * key and belong to one user only; the last admin stays an admin; only an
 * admin changes users. Every refusal leaves the store byte-identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zmq.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

typedef struct {
    fixture f;
    arena a;                    /* requests */
    Okr__Response *last;
    char keys[4][41];           /* public keys made with zmq_curve_keypair */
} ctx;

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL || fixture_open(&c->f, 0) != 0)
        return -1;
    arena_init(&c->a);
    for (int i = 0; i < 4; i++) {
        char secret[41];
        if (zmq_curve_keypair(c->keys[i], secret) != 0)
            return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    arena_free(&c->a);
    fixture_close(&c->f);
    free(c);
    return 0;
}

static Okr__ErrorCode run(ctx *c, Okr__Request *req)
{
    return fixture_do(&c->f, req, &c->last);
}

static const char *message(const ctx *c)
{
    return c->last && c->last->error && c->last->error->message ? c->last->error->message : "";
}

static Okr__Request *user_add(ctx *c, const char *name, int role, const char *key)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_USER_ADD);
    r->user_add = ARENA_NEW(&c->a, Okr__UserAdd, OKR__USER_ADD__INIT);
    Okr__User *u = ARENA_NEW(&c->a, Okr__User, OKR__USER__INIT);
    u->name = (char *)name;
    u->has_role = role >= 0;
    u->role = (Okr__Role)(role >= 0 ? role : 0);
    u->public_key = (char *)key;
    r->user_add->user = u;
    return r;
}

static Okr__Request *user_role(ctx *c, const char *name, Okr__Role role)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_USER_ROLE);
    r->user_role = ARENA_NEW(&c->a, Okr__UserRole, OKR__USER_ROLE__INIT);
    r->user_role->name = (char *)name;
    r->user_role->has_role = true;
    r->user_role->role = role;
    return r;
}

static Okr__Request *user_remove(ctx *c, const char *name)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_USER_REMOVE);
    r->user_remove = ARENA_NEW(&c->a, Okr__UserRemove, OKR__USER_REMOVE__INIT);
    r->user_remove->name = (char *)name;
    return r;
}

static Okr__UserListReply *user_list(ctx *c)
{
    Okr__Request *r = req_new(&c->a, OKR__REQUEST__BODY_USER_LIST);
    r->user_list = ARENA_NEW(&c->a, Okr__UserList, OKR__USER_LIST__INIT);
    assert_int_equal(run(c, r), OKR__ERROR_CODE__OK);
    assert_int_equal(c->last->body_case, OKR__RESPONSE__BODY_USERS);
    return c->last->users;
}

static void ok(ctx *c, Okr__Request *req)
{
    Okr__ErrorCode code = run(c, req);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("refused (%d): %s", (int)code, message(c));
}

/* The request is refused with `expected`, its sentence contains `words`,
 * and every database is exactly as before. */
static void refused(ctx *c, Okr__Request *req, Okr__ErrorCode expected, const char *words)
{
    size_t before_len, after_len;
    unsigned char *before = fixture_snapshot_all(&c->f, &before_len);
    Okr__ErrorCode code = run(c, req);
    unsigned char *after = fixture_snapshot_all(&c->f, &after_len);
    bool unchanged = before_len == after_len && memcmp(before, after, before_len) == 0;
    free(before);
    free(after);
    if (code != expected)
        fail_msg("expected error %d, got %d: %s", (int)expected, (int)code, message(c));
    if (strstr(message(c), words) == NULL)
        fail_msg("the sentence \"%s\" does not say \"%s\"", message(c), words);
    if (!unchanged)
        fail_msg("refused, yet the store changed");
}

/* ------------------------------------------------------------ add, list */

static void test_an_added_user_is_listed_with_who_added_them_and_when(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    assert_string_equal(c->last->changed->id, "alice");
    int64_t when = c->f.now;
    c->f.actor = "alice";
    ok(c, user_add(c, "bob", OKR__ROLE__VIEWER, c->keys[1]));
    Okr__UserListReply *list = user_list(c);
    assert_int_equal(list->n_users, 2);
    assert_string_equal(list->users[0]->name, "alice");
    assert_int_equal(list->users[0]->role, OKR__ROLE__ADMIN);
    assert_string_equal(list->users[0]->added_by, "tester");
    assert_string_equal(list->users[1]->name, "bob");
    assert_int_equal(list->users[1]->role, OKR__ROLE__VIEWER);
    assert_string_equal(list->users[1]->public_key, c->keys[1]);
    assert_string_equal(list->users[1]->added_by, "alice");
    assert_true(list->users[1]->has_added_at);
    assert_true(list->users[1]->added_at >= when);
}

static void test_a_key_that_is_not_z85_is_refused(void **state)
{
    ctx *c = *state;
    char tilde[41];
    memset(tilde, '~', 40);                       /* 40 characters, none of them Z85 */
    tilde[40] = '\0';
    char short_key[41];
    snprintf(short_key, sizeof short_key, "%.39s", c->keys[0]);
    char long_key[64];
    snprintf(long_key, sizeof long_key, "%sA", c->keys[0]);
    refused(c, user_add(c, "alice", OKR__ROLE__ADMIN, tilde), OKR__ERROR_CODE__INVALID_ARGUMENT,
            "public_key must be a Z85 CURVE public key");
    refused(c, user_add(c, "alice", OKR__ROLE__ADMIN, short_key),
            OKR__ERROR_CODE__INVALID_ARGUMENT, "40 characters");
    refused(c, user_add(c, "alice", OKR__ROLE__ADMIN, long_key),
            OKR__ERROR_CODE__INVALID_ARGUMENT, "40 characters");
    refused(c, user_add(c, "alice", OKR__ROLE__ADMIN, NULL), OKR__ERROR_CODE__INVALID_ARGUMENT,
            "public_key is required");
}

static void test_a_user_needs_a_name_and_a_role(void **state)
{
    ctx *c = *state;
    refused(c, user_add(c, "alice", -1, c->keys[0]), OKR__ERROR_CODE__INVALID_ARGUMENT,
            "role is required");
    refused(c, user_add(c, "alice", 7, c->keys[0]), OKR__ERROR_CODE__INVALID_ARGUMENT,
            "role 7 is not a role");
    refused(c, user_add(c, "", OKR__ROLE__ADMIN, c->keys[0]), OKR__ERROR_CODE__INVALID_ARGUMENT,
            "user name");
}

static void test_a_key_already_used_by_another_user_is_a_conflict(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    refused(c, user_add(c, "mallory", OKR__ROLE__VIEWER, c->keys[0]), OKR__ERROR_CODE__CONFLICT,
            "already the key of user \"alice\"");
}

static void test_a_name_already_taken_is_a_conflict(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    refused(c, user_add(c, "alice", OKR__ROLE__VIEWER, c->keys[1]), OKR__ERROR_CODE__CONFLICT,
            "user \"alice\" exists already");
}

/* ------------------------------------------------------------ the last admin */

static void test_the_last_admin_cannot_be_removed_or_demoted(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    ok(c, user_add(c, "bob", OKR__ROLE__EDITOR, c->keys[1]));
    refused(c, user_remove(c, "alice"), OKR__ERROR_CODE__CONFLICT,
            "alice is the last admin and cannot be removed");
    refused(c, user_role(c, "alice", OKR__ROLE__EDITOR), OKR__ERROR_CODE__CONFLICT,
            "alice is the last admin and cannot be demoted");
    ok(c, user_role(c, "alice", OKR__ROLE__ADMIN));     /* staying admin is fine */
}

static void test_with_a_second_admin_the_first_may_go(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    ok(c, user_add(c, "bob", OKR__ROLE__EDITOR, c->keys[1]));
    ok(c, user_role(c, "bob", OKR__ROLE__ADMIN));
    ok(c, user_role(c, "alice", OKR__ROLE__VIEWER));
    refused(c, user_remove(c, "bob"), OKR__ERROR_CODE__CONFLICT, "bob is the last admin");
    ok(c, user_remove(c, "alice"));
    Okr__UserListReply *list = user_list(c);
    assert_int_equal(list->n_users, 1);
    assert_string_equal(list->users[0]->name, "bob");
    assert_int_equal(list->users[0]->role, OKR__ROLE__ADMIN);
}

static void test_removing_or_changing_an_unknown_user_is_not_found(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    refused(c, user_remove(c, "carol"), OKR__ERROR_CODE__NOT_FOUND, "no user \"carol\"");
    refused(c, user_role(c, "carol", OKR__ROLE__ADMIN), OKR__ERROR_CODE__NOT_FOUND,
            "no user \"carol\"");
}

/* ------------------------------------------------------------ roles */

static void test_only_an_admin_changes_users_and_a_viewer_may_list_them(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    c->f.actor = "erin";
    c->f.role = OKR_ROLE_EDITOR;
    refused(c, user_add(c, "bob", OKR__ROLE__VIEWER, c->keys[1]),
            OKR__ERROR_CODE__PERMISSION_DENIED, "user_add needs the admin role; erin is editor");
    refused(c, user_role(c, "alice", OKR__ROLE__VIEWER), OKR__ERROR_CODE__PERMISSION_DENIED,
            "needs the admin role");
    refused(c, user_remove(c, "alice"), OKR__ERROR_CODE__PERMISSION_DENIED,
            "needs the admin role");
    c->f.role = OKR_ROLE_VIEWER;
    assert_int_equal(user_list(c)->n_users, 1);
}

static void test_a_user_change_is_an_event_naming_the_actor(void **state)
{
    ctx *c = *state;
    uint64_t before = c->f.last_seq;
    c->f.actor = "root";
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    assert_int_equal(c->last->changed->seq, before + 1);
    assert_int_equal(fixture_last_seq(&c->f), before + 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* A change to the users applies to the requests after it in the same group
 * commit: bob, removed by the first request, gets nothing done (his request
 * is dropped unanswered, as okrd drops a removed key's requests from then
 * on), and carol, demoted to viewer by the third, may no longer add. */
static void test_a_user_change_applies_to_later_requests_of_the_same_batch(void **state)
{
    ctx *c = *state;
    ok(c, user_add(c, "alice", OKR__ROLE__ADMIN, c->keys[0]));
    ok(c, user_add(c, "bob", OKR__ROLE__EDITOR, c->keys[1]));
    ok(c, user_add(c, "carol", OKR__ROLE__EDITOR, c->keys[2]));
    ok(c, req_period_add(&c->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    const Okr__Request *reqs[] = {
        user_remove(c, "bob"),
        req_objective_add(&c->a, "bob's", "2026-Q4", 0, NULL, NULL),
        user_role(c, "carol", OKR__ROLE__VIEWER),
        req_objective_add(&c->a, "carol's", "2026-Q4", 0, NULL, NULL),
    };
    const char *actors[] = {"alice", "bob", "alice", "carol"};
    const okr_role roles[] = {OKR_ROLE_ADMIN, OKR_ROLE_EDITOR, OKR_ROLE_ADMIN, OKR_ROLE_EDITOR};
    Okr__Response *resps[4];
    fixture_batch_as(&c->f, reqs, actors, roles, 4, resps);
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__OK);
    assert_null(resps[1]);                              /* dropped, unanswered */
    assert_int_equal(fixture_code(resps[2]), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_code(resps[3]), OKR__ERROR_CODE__PERMISSION_DENIED);
    assert_string_equal(resps[3]->error->message,
                        "objective_add needs the editor role; carol is viewer");
    assert_int_equal(c->f.last_seq, 6);                 /* 3 adds, period, remove, role */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_an_added_user_is_listed_with_who_added_them_and_when),
        T(test_a_key_that_is_not_z85_is_refused),
        T(test_a_user_needs_a_name_and_a_role),
        T(test_a_key_already_used_by_another_user_is_a_conflict),
        T(test_a_name_already_taken_is_a_conflict),
        T(test_a_user_change_applies_to_later_requests_of_the_same_batch),
        T(test_the_last_admin_cannot_be_removed_or_demoted),
        T(test_with_a_second_admin_the_first_may_go),
        T(test_removing_or_changing_an_unknown_user_is_not_found),
        T(test_only_an_admin_changes_users_and_a_viewer_may_list_them),
        T(test_a_user_change_is_an_event_naming_the_actor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
