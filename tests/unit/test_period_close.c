/* test_period_close.c — what closing or reopening a period reads
 * (server/ops_period.c, op_period_close): the period's own objectives,
 * through the period index, and their links; never the objectives of other
 * periods, so its cost follows the quarter, not every quarter kept. Shown
 * by another period's objective whose record no longer parses: a read of
 * it would refuse the request (or, before the index, end the scan early
 * and miss the alignment that must block the close). */
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

/* Run req; it must succeed. Returns the id it made, in the arena. */
static char *must(env *e, const Okr__Request *req)
{
    Okr__Response *resp;
    Okr__ErrorCode code = fixture_do(&e->f, req, &resp);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("refused (%d): %s", (int)code, resp->error ? resp->error->message : "");
    return arena_printf(&e->a, "%s", resp->body_case == OKR__RESPONSE__BODY_CHANGED &&
                                             resp->changed->id ? resp->changed->id : "");
}

static okr_node node_of(const char *id)
{
    okr_node n = 0;
    assert_true(okr_id_parse(id, &n));
    return n;
}

static Okr__Response *close_period(env *e, const char *name, bool reopen)
{
    Okr__Response *resp;
    fixture_do(&e->f, req_period_close(&e->a, name, reopen), &resp);
    return resp;
}

/* Q3's damaged objective has the lowest id, so a scan of every objective
 * meets it first. Closing Q4 must still find Q1's objective aligned into
 * Q4's, and reopening Q4 its objective aligned into closed Q2. */
static void test_closing_a_period_reads_no_objective_of_another(void **state)
{
    env *e = *state;
    must(e, req_period_add(&e->a, "Q1", "2026-01-01", "2026-03-31"));
    must(e, req_period_add(&e->a, "Q2", "2026-04-01", "2026-06-30"));
    must(e, req_period_add(&e->a, "Q3", "2026-07-01", "2026-09-30"));
    must(e, req_period_add(&e->a, "Q4", "2026-10-01", "2026-12-31"));
    char *other = must(e, req_objective_add(&e->a, "Elsewhere", "Q3", 0, NULL, NULL));
    char *top = must(e, req_objective_add(&e->a, "Top", "Q4", 0, NULL, NULL));
    char *early = must(e, req_objective_add(&e->a, "Early", "Q1", 0, NULL, NULL));
    must(e, req_align(&e->a, early, top, 1));
    assert_int_equal(fixture_damage_objective(&e->f, node_of(other)), 0);

    Okr__Response *resp = close_period(e, "Q4", false);
    assert_int_equal(fixture_code(resp), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(resp->error->message, "of open period Q1"));

    must(e, req_unalign(&e->a, early, top));
    char *q2 = must(e, req_objective_add(&e->a, "Earlier", "Q2", 0, NULL, NULL));
    must(e, req_align(&e->a, top, q2, 1));
    must(e, req_period_close(&e->a, "Q4", false));
    must(e, req_period_close(&e->a, "Q2", false));
    resp = close_period(e, "Q4", true);
    assert_int_equal(fixture_code(resp), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(resp->error->message, "in closed period Q2"));
    must(e, req_period_close(&e->a, "Q2", true));
    must(e, req_period_close(&e->a, "Q4", true));
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_env_setup, fixture_env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_closing_a_period_reads_no_objective_of_another),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
