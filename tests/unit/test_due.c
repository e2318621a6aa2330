/* test_due.c — what `due` reads (server/ops_due.c): what the person owns
 * in the open periods, through the owner index (server/store.c, by_owner),
 * never other people's objectives nor those of closed periods, so its cost
 * follows what one person owns, not the organisation. Shown by objectives
 * whose record no longer parses: a read of one would refuse the request.
 * Also the index kept in step by every change of owner, period or
 * membership, and okrd --verify's check of it. (Due's answers are
 * tests/e2e/test_teams.c's.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

#include "ids.h"

typedef fixture_env env;

/* Run req; it must succeed. Returns the id it made ("" when none). */
static const char *must(env *e, const Okr__Request *req)
{
    Okr__Response *resp;
    Okr__ErrorCode code = fixture_do(&e->f, req, &resp);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("refused (%d): %s", (int)code, resp->error ? resp->error->message : "");
    return resp->body_case == OKR__RESPONSE__BODY_CHANGED && resp->changed->id
               ? resp->changed->id
               : "";
}

/* An objective of period owned by ana, with one metric KR (no owner of
 * its own: it follows the objective's). Returns the objective's number;
 * *kr gets the KR's id. */
static okr_node add_owned(env *e, const char *period, char *kr, size_t len)
{
    Okr__Request *add = req_objective_add(&e->a, "Ship it", period, 0, NULL, NULL);
    add->objective_add->objective->owner = "ana";
    char *id = arena_printf(&e->a, "%s", must(e, add));
    snprintf(kr, len, "%s", must(e, req_kr_add_metric(&e->a, id, 0, 10, 0)));
    okr_node node = 0;
    assert_true(okr_id_parse(id, &node));
    return node;
}

static void damage_objective(env *e, okr_node id)
{
    assert_int_equal(fixture_damage_objective(&e->f, id), 0);
}

static Okr__Response *due_of(env *e, const char *user)
{
    Okr__Request *req = req_new(&e->a, OKR__REQUEST__BODY_DUE);
    Okr__DueGet *get = ARENA_NEW(&e->a, Okr__DueGet, OKR__DUE_GET__INIT);
    get->user = (char *)user;
    get->has_days = true;
    get->days = 0;
    req->due = get;
    Okr__Response *resp;
    fixture_do(&e->f, req, &resp);
    return resp;
}

static void test_due_reads_no_objective_of_a_closed_period(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "2026-Q3", "2026-07-01", "2026-09-30"));
    must(e, req_period_add(&e->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    char closed_kr[32], open_kr[32];
    okr_node closed = add_owned(e, "2026-Q3", closed_kr, sizeof closed_kr);
    must(e, req_period_close(&e->a, "2026-Q3", false));
    okr_node open = add_owned(e, "2026-Q4", open_kr, sizeof open_kr);
    damage_objective(e, closed);

    Okr__Response *resp = due_of(e, "ana");
    assert_int_equal(fixture_code(resp), OKR__ERROR_CODE__OK);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_DUE);
    assert_int_equal(resp->due->n_items, 1);
    assert_string_equal(resp->due->items[0]->kr->id, open_kr);
    assert_true(resp->due->items[0]->never);

    /* The open period's own objectives are still read: damaged, refused. */
    damage_objective(e, open);
    resp = due_of(e, "ana");
    assert_int_equal(fixture_code(resp), OKR__ERROR_CODE__INTERNAL);
    assert_non_null(strstr(resp->error->message, "does not parse"));
}

/* An objective of period owned by owner; its id in an arena string. */
static char *add_objective(env *e, const char *period, const char *owner)
{
    Okr__Request *add = req_objective_add(&e->a, "Grow", period, 0, NULL, NULL);
    add->objective_add->objective->owner = (char *)owner;
    return arena_printf(&e->a, "%s", must(e, add));
}

/* A metric KR of objective, owned by owner (NULL: the objective's). */
static char *add_kr(env *e, const char *objective, const char *owner)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = "Reach it";
    kr.has_kind = kr.has_start = kr.has_target = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.target = 10;
    kr.owner = (char *)owner;
    return arena_printf(&e->a, "%s", must(e, req_kr_add(&e->a, &kr)));
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The KR ids due for user, sorted, space-separated ("" for none). */
static const char *due_ids(env *e, const char *user)
{
    Okr__Response *resp = due_of(e, user);
    if (fixture_code(resp) != OKR__ERROR_CODE__OK)
        fail_msg("due %s refused: %s", user, resp->error ? resp->error->message : "");
    size_t n = resp->due->n_items;
    char **ids = ARENA_ARRAY(&e->a, char *, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        ids[i] = resp->due->items[i]->kr->id;
    qsort(ids, n, sizeof *ids, by_text);
    char *out = arena_printf(&e->a, "%s", "");
    for (size_t i = 0; i < n; i++)
        out = arena_printf(&e->a, "%s%s%s", out, i ? " " : "", ids[i]);
    return out;
}

/* The n ids given, sorted and space-separated, as due_ids gives them. */
static const char *ids_of(env *e, size_t n, ...)
{
    const char *v[8];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v[i] = va_arg(ap, const char *);
    va_end(ap);
    qsort(v, n, sizeof *v, by_text);
    char *out = arena_printf(&e->a, "%s", "");
    for (size_t i = 0; i < n; i++)
        out = arena_printf(&e->a, "%s%s%s", out, i ? " " : "", v[i]);
    return out;
}

static void test_due_reads_no_objective_of_another_owner(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    char *mine = add_objective(e, "2026-Q4", "ana");
    char *kr_mine = add_kr(e, mine, NULL);
    char *theirs = add_objective(e, "2026-Q4", "bob");
    char *kr_for_ana = add_kr(e, theirs, "ana");       /* ana's, in bob's objective */
    add_kr(e, theirs, NULL);                             /* bob's */
    for (int i = 0; i < 20; i++) {                       /* bob's, none readable */
        okr_node id;
        assert_true(okr_id_parse(add_objective(e, "2026-Q4", "bob"), &id));
        damage_objective(e, id);
    }
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 2, kr_mine, kr_for_ana));
    Okr__Response *resp = due_of(e, "bob");              /* bob's do get read */
    assert_int_equal(fixture_code(resp), OKR__ERROR_CODE__INTERNAL);
    assert_non_null(strstr(resp->error->message, "does not parse"));
}

static Okr__Request *req_objective_owner(env *e, const char *id, const char *owner)
{
    Okr__Request *r = req_new(&e->a, OKR__REQUEST__BODY_OBJECTIVE_EDIT);
    r->objective_edit = ARENA_NEW(&e->a, Okr__ObjectiveEdit, OKR__OBJECTIVE_EDIT__INIT);
    r->objective_edit->id = (char *)id;
    r->objective_edit->owner = (char *)owner;
    return r;
}

static Okr__Request *req_kr_owner(env *e, const char *id, const char *owner)
{
    Okr__KeyResultEdit edit = OKR__KEY_RESULT_EDIT__INIT;
    edit.id = (char *)id;
    edit.owner = (char *)owner;
    return req_kr_edit(&e->a, &edit);
}

static Okr__Request *req_period_rename(env *e, const char *from, const char *to)
{
    Okr__Request *r = req_new(&e->a, OKR__REQUEST__BODY_PERIOD_EDIT);
    r->period_edit = ARENA_NEW(&e->a, Okr__PeriodEdit, OKR__PERIOD_EDIT__INIT);
    r->period_edit->name = (char *)from;
    r->period_edit->new_name = (char *)to;
    return r;
}

/* Every change of an owner, a period's name or what an objective holds
 * moves the index with it: due answers follow, and verify finds nothing.
 * A KR that names its objective's owner is found through the objective
 * until the objective changes hands (a3). */
static void test_the_owner_index_follows_every_change(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    char *a = add_objective(e, "2026-Q4", "ana");
    char *a1 = add_kr(e, a, NULL), *a2 = add_kr(e, a, "cy"), *a3 = add_kr(e, a, "ana");
    char *b = add_objective(e, "2026-Q4", "bob");
    char *b1 = add_kr(e, b, NULL), *b2 = add_kr(e, b, "ana");
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 3, a1, a3, b2));
    assert_string_equal(due_ids(e, "cy"), a2);
    assert_int_equal(fixture_verify(&e->f), 0);

    must(e, req_objective_owner(e, a, "bob"));
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 2, a3, b2));
    assert_string_equal(due_ids(e, "bob"), ids_of(e, 2, a1, b1));
    assert_string_equal(due_ids(e, "cy"), a2);
    assert_int_equal(fixture_verify(&e->f), 0);

    must(e, req_kr_owner(e, b2, ""));                    /* back to the objective's */
    must(e, req_kr_owner(e, a1, "ana"));
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 2, a1, a3));
    assert_string_equal(due_ids(e, "bob"), ids_of(e, 2, b1, b2));
    assert_int_equal(fixture_verify(&e->f), 0);

    must(e, req_objective_owner(e, a, "ana"));
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 2, a1, a3));
    assert_string_equal(due_ids(e, "cy"), a2);
    assert_int_equal(fixture_verify(&e->f), 0);

    must(e, req_period_rename(e, "2026-Q4", "Q4"));
    assert_string_equal(due_ids(e, "ana"), ids_of(e, 2, a1, a3));
    assert_string_equal(due_ids(e, "cy"), a2);
    assert_int_equal(fixture_verify(&e->f), 0);

    must(e, req_kr_delete(&e->a, a1));
    assert_string_equal(due_ids(e, "ana"), a3);
    must(e, req_objective_delete(&e->a, a));
    assert_string_equal(due_ids(e, "ana"), "");
    assert_string_equal(due_ids(e, "cy"), "");
    assert_string_equal(due_ids(e, "bob"), ids_of(e, 2, b1, b2));
    assert_int_equal(fixture_verify(&e->f), 0);
}

/* ObjectiveList{owner, period?}: the ids listed, space-separated. */
static const char *list_of(env *e, const char *owner, const char *period)
{
    Okr__Request *r = req_new(&e->a, OKR__REQUEST__BODY_OBJECTIVE_LIST);
    r->objective_list = ARENA_NEW(&e->a, Okr__ObjectiveList, OKR__OBJECTIVE_LIST__INIT);
    r->objective_list->owner = (char *)owner;
    r->objective_list->period = (char *)period;
    Okr__Response *resp;
    if (fixture_do(&e->f, r, &resp) != OKR__ERROR_CODE__OK)
        fail_msg("list refused: %s", resp->error ? resp->error->message : "");
    char *out = arena_printf(&e->a, "%s", "");
    for (size_t i = 0; i < resp->objectives->n_objectives; i++)
        out = arena_printf(&e->a, "%s%s%s", out, i ? " " : "",
                           resp->objectives->objectives[i]->id);
    return out;
}

/* TreeGet{owner, period?}: its objectives' and KRs' ids, in reply order. */
static const char *tree_of(env *e, const char *owner, const char *period)
{
    Okr__Request *r = req_new(&e->a, OKR__REQUEST__BODY_TREE);
    r->tree = ARENA_NEW(&e->a, Okr__TreeGet, OKR__TREE_GET__INIT);
    r->tree->owner = (char *)owner;
    r->tree->period = (char *)period;
    Okr__Response *resp;
    if (fixture_do(&e->f, r, &resp) != OKR__ERROR_CODE__OK)
        fail_msg("tree refused: %s", resp->error ? resp->error->message : "");
    const Okr__Graph *g = resp->graph;
    char *out = arena_printf(&e->a, "%s", "");
    for (size_t i = 0; i < g->n_objectives; i++)
        out = arena_printf(&e->a, "%s%s%s", out, i ? " " : "", g->objectives[i]->id);
    for (size_t i = 0; i < g->n_krs; i++)
        out = arena_printf(&e->a, "%s %s", out, g->krs[i]->id);
    return out;
}

/* A list or tree of one owner's objectives reads them through the owner
 * index too: other people's objectives are never read (damaged here), and
 * the tree still finds an objective through a KR that names the owner. */
static void test_a_list_or_tree_of_an_owner_reads_only_what_it_owns(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "2026-Q3", "2026-07-01", "2026-09-30"));
    must(e, req_period_add(&e->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    char *early = add_objective(e, "2026-Q3", "ana");
    for (int i = 0; i < 20; i++) {
        okr_node id;
        assert_true(okr_id_parse(add_objective(e, "2026-Q4", "bob"), &id));
        damage_objective(e, id);
    }
    char *mine = add_objective(e, "2026-Q4", "ana");
    char *kr_mine = add_kr(e, mine, NULL);
    char *theirs = add_objective(e, "2026-Q4", "bob");
    char *kr_for_ana = add_kr(e, theirs, "ana");
    add_objective(e, "2026-Q4", "bob");

    assert_string_equal(list_of(e, "ana", "2026-Q4"), mine);
    assert_string_equal(list_of(e, "ana", NULL), arena_printf(&e->a, "%s %s", early, mine));
    assert_string_equal(tree_of(e, "ana", "2026-Q4"),
                        arena_printf(&e->a, "%s %s %s %s", mine, theirs, kr_mine, kr_for_ana));
    assert_string_equal(list_of(e, "cy", NULL), "");
}

/* Put (or delete) an owner index entry behind the handlers' back. */
static void tamper_owner_index(env *e, const char *owner, const char *period, const char *id,
                               bool add)
{
    okr_node node;
    assert_true(okr_id_parse(id, &node));
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &e->f.st, NULL, true, &mem);
    store_index_owner(&t, node, owner, period, add);
    assert_int_equal(store_txn_commit(&t), 0);
    arena_free(&mem);
}

static void test_verify_names_an_owner_index_out_of_step(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "2026-Q4", "2026-10-01", "2026-12-31"));
    char *a = add_objective(e, "2026-Q4", "ana");
    char *k = add_kr(e, a, "cy");
    assert_int_equal(fixture_verify(&e->f), 0);
    e->f.quiet = true;
    tamper_owner_index(e, "ana", "2026-Q4", a, false);   /* missing */
    assert_int_equal(fixture_verify(&e->f), 1);
    tamper_owner_index(e, "ana", "2026-Q4", a, true);
    tamper_owner_index(e, "bob", "2026-Q4", k, true);    /* under the wrong owner */
    assert_int_equal(fixture_verify(&e->f), 1);
    tamper_owner_index(e, "bob", "2026-Q4", k, false);
    tamper_owner_index(e, "cy", "2026-Q4", k, false);    /* a KR's, missing */
    assert_int_equal(fixture_verify(&e->f), 1);
    tamper_owner_index(e, "cy", "2026-Q4", k, true);
    assert_int_equal(fixture_verify(&e->f), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_env_setup, fixture_env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_due_reads_no_objective_of_a_closed_period),
        T(test_due_reads_no_objective_of_another_owner),
        T(test_the_owner_index_follows_every_change),
        T(test_verify_names_an_owner_index_out_of_step),
        T(test_a_list_or_tree_of_an_owner_reads_only_what_it_owns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
