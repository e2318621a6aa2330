/* test_backup.c — the hot backup through the server: a compacted,
 * consistent copy made while okrd serves, mode 0600 in a 0700 directory,
 * with a new epoch; okrd --verify runs clean on it and a server started on
 * it holds exactly the data up to the seq the reply named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "harness.h"


static Okr__Response *backup(struct harness_server *s, const char *path)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__Backup b = OKR__BACKUP__INIT;
    b.path = (char *)path;
    req.body_case = OKR__REQUEST__BODY_BACKUP;
    req.backup = &b;
    return harness_request(s, &req);
}

static Okr__Response *status(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet sg = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &sg;
    return harness_request(s, &req);
}

static void test_a_hot_backup_is_a_verified_copy_with_a_new_epoch(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    harness_okr_quiet(&s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31", NULL);
    harness_okr_quiet(&s, "obj", "add", "Grow revenue", "--period", "2026-Q4", NULL);
    harness_okr_quiet(&s, "kr", "add", "O1", "Revenue", "--from", "0", "--to", "100", NULL);
    harness_okr_quiet(&s, "checkin", "K1", "40", NULL);

    char path[HARNESS_PATH_MAX];
    snprintf(path, sizeof path, "%s/backup", s.root);
    Okr__Response *r = backup(&s, path);
    assert_non_null(r);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_BACKUP);
    assert_string_equal(r->backup->path, path);
    uint64_t seq = r->backup->seq;
    assert_int_equal(seq, 4);
    Okr__Response *st = status(&s);
    assert_int_equal(st->status->last_seq, 4);                 /* nothing changed */
    assert_int_equal(r->backup->epoch.len, st->status->epoch.len);
    assert_memory_not_equal(r->backup->epoch.data, st->status->epoch.data, st->status->epoch.len);
    okr__response__free_unpacked(st, NULL);

    /* The server goes on; the copy stays as it was. */
    harness_okr_quiet(&s, "checkin", "K1", "70", NULL);

    struct stat sb;
    char file[HARNESS_PATH_MAX + 16];
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    snprintf(file, sizeof file, "%s/data.mdb", path);
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal((uint64_t)sb.st_size, r->backup->bytes);

    struct harness_result v;
    harness_okrd_cmd(&v, "--verify", "--data", path, NULL);
    harness_expect_exit(&v, 0);
    assert_non_null(strstr(v.out, "0 differences"));
    harness_result_free(&v);

    /* Restore: a server on the copy has the data up to seq, under the new epoch. */
    struct harness_server restored;
    assert_int_equal(harness_server_start(&restored, NULL), 0);
    harness_server_stop(&restored);
    char cmd[3 * HARNESS_PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", restored.data_dir, path,
             restored.data_dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(harness_server_restart(&restored), 0);
    Okr__Response *rs = status(&restored);
    assert_int_equal(rs->status->last_seq, seq);
    assert_memory_equal(rs->status->epoch.data, r->backup->epoch.data, r->backup->epoch.len);
    okr__response__free_unpacked(rs, NULL);
    struct harness_result k;
    harness_okr(&restored, &k, "--json", "kr", "show", "K1", NULL);
    harness_expect_exit(&k, 0);
    struct json_object *j = harness_json_parse(k.out);
    assert_string_equal(harness_json_text(j, "current"), "40");
    json_object_put(j);
    harness_result_free(&k);
    harness_server_destroy(&restored);
    okr__response__free_unpacked(r, NULL);
    harness_server_destroy(&s);
}

static void test_a_backup_to_a_relative_or_existing_path_is_refused(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    harness_okr_quiet(&s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31", NULL);
    Okr__Response *r = backup(&s, "backup");
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(r->error->message, "must be absolute"));
    okr__response__free_unpacked(r, NULL);
    r = backup(&s, s.root);                                    /* exists */
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(r->error->message, "exists already"));
    okr__response__free_unpacked(r, NULL);
    char missing[HARNESS_PATH_MAX];
    snprintf(missing, sizeof missing, "%s/no/such/dir", s.root);
    r = backup(&s, missing);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__NOT_FOUND);
    okr__response__free_unpacked(r, NULL);
    r = backup(&s, NULL);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__INVALID_ARGUMENT);
    okr__response__free_unpacked(r, NULL);
    assert_int_equal(harness_last_seq(&s), 1);
    harness_server_destroy(&s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_hot_backup_is_a_verified_copy_with_a_new_epoch),
        cmocka_unit_test(test_a_backup_to_a_relative_or_existing_path_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
