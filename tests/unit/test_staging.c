/* test_staging.c — server/staging.c: the bounded table of unfinished staged
 * imports: parts in order, repeats answered, owners, the idle limit, the
 * number of stagings and the byte cap, freeing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "staging.h"

#define SEC 1000000LL

static uint8_t data[1000];

static void fill(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3);
}

static void test_parts_in_order_complete_the_staging(void **state)
{
    (void)state;
    fill();
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 1, 1000, 0, &why);
    assert_non_null(s);
    assert_true(s->id != 0);
    assert_int_equal(staging_add(&t, s, 0, data, 400, 1), STAGING_ADDED);
    assert_int_equal(staging_add(&t, s, 400, data + 400, 400, 2), STAGING_ADDED);
    assert_int_equal(s->received, 800);
    assert_false(s->complete);
    assert_int_equal(staging_add(&t, s, 800, data + 800, 200, 3), STAGING_COMPLETE);
    assert_true(s->complete);
    assert_memory_equal(s->bytes, data, 1000);
    assert_int_equal(t.bytes_held, 1000);           /* never past the total */
    staging_free(&t, s);
    assert_int_equal(staging_count(&t), 0);
    assert_int_equal(t.bytes_held, 0);
}

static void test_a_repeated_part_is_a_repeat_and_a_gap_is_refused(void **state)
{
    (void)state;
    fill();
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 1, 1000, 0, &why);
    assert_int_equal(staging_add(&t, s, 0, data, 400, 1), STAGING_ADDED);
    assert_int_equal(staging_add(&t, s, 0, data, 400, 2), STAGING_REPEAT);
    assert_int_equal(s->received, 400);
    uint8_t other[400];
    memset(other, 0, sizeof other);
    assert_int_equal(staging_add(&t, s, 0, other, 400, 3), STAGING_BAD_OFFSET);
    assert_int_equal(staging_add(&t, s, 600, data + 600, 100, 4), STAGING_BAD_OFFSET);
    assert_int_equal(staging_add(&t, s, 300, data + 300, 200, 4), STAGING_BAD_OFFSET);
    assert_int_equal(staging_add(&t, s, 400, data, 700, 4), STAGING_PAST_END);
    assert_int_equal(s->used_at, 2);                /* refusals are not use */
    assert_int_equal(staging_add(&t, s, 400, data + 400, 600, 5), STAGING_COMPLETE);
    /* The completing part again (a retry, or the batch redone): complete again. */
    assert_int_equal(staging_add(&t, s, 400, data + 400, 600, 6), STAGING_COMPLETE);
    assert_int_equal(staging_add(&t, s, 0, data, 400, 7), STAGING_REPEAT);
    staging_free_all(&t);
}

static void test_the_first_part_again_finds_its_staging(void **state)
{
    (void)state;
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 77, 1000, 0, &why);
    assert_ptr_equal(staging_begin(&t, "ada", 77, 1000, 1, &why), s);
    assert_ptr_not_equal(staging_begin(&t, "bea", 77, 1000, 1, &why), s);   /* another actor */
    assert_ptr_not_equal(staging_begin(&t, "ada", 78, 1000, 1, &why), s);   /* another request */
    assert_int_equal(staging_count(&t), 3);
    staging *none = staging_begin(&t, "ada", 0, 1000, 1, &why);            /* no id: never found */
    assert_ptr_not_equal(staging_begin(&t, "ada", 0, 1000, 1, &why), none);
    staging_free_all(&t);
}

static void test_only_its_actor_finds_a_staging(void **state)
{
    (void)state;
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 1, 1000, 0, &why);
    assert_ptr_equal(staging_find(&t, s->id, "ada", 1), s);
    assert_null(staging_find(&t, s->id, "bea", 1));
    assert_null(staging_find(&t, s->id + 1, "ada", 1));
    assert_null(staging_find(&t, 0, "ada", 1));
    assert_int_equal(staging_count(&t), 1);
    staging_free_all(&t);
}

static void test_an_idle_staging_is_dropped(void **state)
{
    (void)state;
    fill();
    staging_table t;
    staging_init(&t, 4096, 10 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 1, 1000, 0, &why);
    uint64_t id = s->id;
    staging_add(&t, s, 0, data, 100, 5 * SEC);
    assert_int_equal(staging_expire(&t, 14 * SEC, 0), 1);     /* 9 s after its last part */
    assert_ptr_equal(staging_find(&t, id, "ada", 14 * SEC), s);
    assert_null(staging_find(&t, id, "ada", 15 * SEC));       /* 10 s: dropped on sight */
    assert_int_equal(staging_count(&t), 0);
    s = staging_begin(&t, "ada", 2, 1000, 0, &why);
    assert_int_equal(staging_tick(&t, 10 * SEC), 0);          /* the heartbeat drops it too */
    assert_int_equal(t.bytes_held, 0);
}

static void test_the_table_and_each_staging_are_bounded(void **state)
{
    (void)state;
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why = STAGING_ADDED;
    assert_null(staging_begin(&t, "ada", 1, 4097, 0, &why));
    assert_int_equal(why, STAGING_TOO_BIG);
    for (uint64_t i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++)
        assert_non_null(staging_begin(&t, "ada", 10 + i, 4096, 0, &why));
    assert_null(staging_begin(&t, "ada", 99, 100, 0, &why));
    assert_int_equal(why, STAGING_BUSY);
    /* A complete staging's slot is taken back for a new one. */
    staging *s = &t.slots[2];
    static uint8_t big[4096];
    assert_int_equal(staging_add(&t, s, 0, big, sizeof big, 1), STAGING_COMPLETE);
    staging *n = staging_begin(&t, "bea", 99, 100, 2, &why);
    assert_ptr_equal(n, s);
    assert_false(n->complete);
    assert_int_equal(n->received, 0);
    assert_int_equal(t.bytes_held, 0);
    staging_free_all(&t);
    assert_int_equal(staging_count(&t), 0);
}

static void test_a_committed_import_frees_its_staging(void **state)
{
    (void)state;
    fill();
    staging_table t;
    staging_init(&t, 4096, 60 * SEC);
    staging_status why;
    staging *s = staging_begin(&t, "ada", 1, 100, 0, &why);
    assert_int_equal(staging_add(&t, s, 0, data, 100, 1), STAGING_COMPLETE);
    staging_done(s, 8);
    assert_int_equal(staging_expire(&t, 2, 7), 1);    /* seq 8 not committed yet: a redo may come */
    assert_int_equal(staging_expire(&t, 2, 8), 0);
    s = staging_begin(&t, "ada", 2, 100, 0, &why);
    assert_int_equal(staging_add(&t, s, 0, data, 100, 1), STAGING_COMPLETE);
    assert_int_equal(staging_tick(&t, 2), 0);         /* between batches: every complete one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_in_order_complete_the_staging),
        cmocka_unit_test(test_a_repeated_part_is_a_repeat_and_a_gap_is_refused),
        cmocka_unit_test(test_the_first_part_again_finds_its_staging),
        cmocka_unit_test(test_only_its_actor_finds_a_staging),
        cmocka_unit_test(test_an_idle_staging_is_dropped),
        cmocka_unit_test(test_the_table_and_each_staging_are_bounded),
        cmocka_unit_test(test_a_committed_import_frees_its_staging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
