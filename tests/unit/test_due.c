/* test_due.c — what `due` reads (server/ops_due.c): the objectives of the
 * open periods, through the period index, never those of closed periods,
 * so its cost follows the open quarter, not every quarter kept. Shown by
 * a closed period's objective whose record no longer parses: a read of it
 * would refuse the request. (Its answers are tests/e2e/test_teams.c's.) */
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

/* Overwrite objective id's record with bytes that do not parse. */
static void damage_objective(env *e, okr_node id)
{
    static const unsigned char bad[] = {0x0a, 0xff};   /* field 1, 255 bytes: cut short */
    unsigned char key[4];
    okr_put_be32(key, id);
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &e->f.st, NULL, true, &mem);
    store_put(&t, e->f.st.objectives, key, sizeof key, bad, sizeof bad);
    assert_int_equal(store_txn_commit(&t), 0);
    arena_free(&mem);
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

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_env_setup, fixture_env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_due_reads_no_objective_of_a_closed_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
