/* test_damaged.c — okrd refuses a damaged or foreign data file instead of
 * mapping it blindly, and a full disk is reported as such with nothing lost.
 *
 * Each damaged copy is made from a real store written by a real okrd; both
 * `okrd` (serve) and `okrd --verify` must exit 2 with a sentence, never die
 * of SIGBUS, and leave the file as it was. */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <sys/wait.h>
#include <signal.h>

#include <cmocka.h>

#include "harness.h"
#include "wire.h"

#define CHECKINS 30

typedef struct {
    struct harness_server s;     /* stopped after set-up; its data dir is the original */
    char copy[HARNESS_PATH_MAX];
    char mnt[HARNESS_PATH_MAX - 16];   /* the small disk, when mounted */
} fixture;


static void write_some_data(struct harness_server *s)
{
    harness_okr_quiet(s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31", NULL);
    harness_okr_quiet(s, "obj", "add", "Grow revenue", "--period", "2026-Q4", NULL);
    harness_okr_quiet(s, "kr", "add", "O1", "Revenue", "--from", "0", "--to", "100", NULL);
    for (int i = 1; i <= CHECKINS; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        harness_okr_quiet(s, "checkin", "K1", v, NULL);
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || harness_server_start(&f->s, NULL) != 0)
        return -1;
    write_some_data(&f->s);
    if (harness_server_stop(&f->s) != 0)
        return -1;
    snprintf(f->copy, sizeof f->copy, "%s/copy", f->s.root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->mnt[0])
        umount2(f->mnt, MNT_DETACH);   /* a failed test may leave it mounted, busy */
    harness_server_destroy(&f->s);
    free(f);
    return 0;
}

static void sh(const char *fmt, ...)
{
    char cmd[2 * HARNESS_PATH_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static off_t file_size(const char *dir)
{
    char path[HARNESS_PATH_MAX + 16];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* A fresh copy of the original store with data.mdb cut to `size` bytes. */
static void damaged_copy(fixture *f, off_t size)
{
    sh("rm -rf '%s' && cp -a '%s' '%s'", f->copy, f->s.data_dir, f->copy);
    char path[HARNESS_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/data.mdb", f->copy);
    assert_int_equal(truncate(path, size), 0);
}

/* Both serving and verifying refuse the copy: exit 2 (not a signal), a
 * sentence containing `why`, and the file left exactly as it was. */
static void expect_refused(fixture *f, const char *why)
{
    off_t before = file_size(f->copy);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", f->copy, "--listen", "tcp://127.0.0.1:*", "--publish",
                     "tcp://127.0.0.1:*", NULL);
    harness_expect_exit(&r, 2);
    if (strstr(r.err, why) == NULL)
        fail_msg("okrd said \"%s\", expected it to say \"%s\"", r.err, why);
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--verify", "--data", f->copy, NULL);
    harness_expect_exit(&r, 2);
    if (strstr(r.err, why) == NULL)
        fail_msg("okrd --verify said \"%s\", expected \"%s\"", r.err, why);
    harness_result_free(&r);
    assert_int_equal(file_size(f->copy), before);
}

static void test_the_original_store_verifies_clean(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", f->s.data_dir, NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "0 differences"));
    harness_result_free(&r);
}

static void test_a_store_truncated_to_8k_is_refused(void **state)
{
    fixture *f = *state;
    damaged_copy(f, 8192);
    expect_refused(f, "truncated or damaged");
}

static void test_a_store_truncated_to_12k_is_refused(void **state)
{
    fixture *f = *state;
    damaged_copy(f, 12288);
    expect_refused(f, "truncated or damaged");
}

static void test_a_store_truncated_to_half_is_refused(void **state)
{
    fixture *f = *state;
    damaged_copy(f, file_size(f->s.data_dir) / 2);
    expect_refused(f, "truncated or damaged");
}

static void test_a_store_missing_its_last_page_is_refused(void **state)
{
    fixture *f = *state;
    damaged_copy(f, file_size(f->s.data_dir) - 4096);
    expect_refused(f, "truncated or damaged");
}

static void test_an_empty_data_file_is_refused_not_made_new(void **state)
{
    fixture *f = *state;
    damaged_copy(f, 0);
    expect_refused(f, "is empty");
    assert_int_equal(file_size(f->copy), 0);
}

/* An LMDB environment written by another program: okrd must not add its
 * databases to it. */
static void test_another_programs_lmdb_environment_is_not_taken_over(void **state)
{
    fixture *f = *state;
    sh("rm -rf '%s' && mkdir -p '%s'", f->copy, f->copy);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {3, "foo"}, v = {3, "bar"};
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, f->copy, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    expect_refused(f, "another program");

    /* Still exactly the other program's: one key, no okrd databases. */
    MDB_stat st;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, f->copy, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_env_stat(env, &st), 0);
    assert_int_equal(st.ms_entries, 1);
    mdb_env_close(env);
}

/* --new-epoch gives a copy its own history; the data is untouched. */
static void test_new_epoch_changes_only_the_epoch(void **state)
{
    fixture *f = *state;
    sh("rm -rf '%s' && cp -a '%s' '%s'", f->copy, f->s.data_dir, f->copy);
    struct harness_result r;
    harness_okrd_cmd(&r, "--new-epoch", "--data", f->copy, NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "has a new epoch"));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--verify", "--data", f->copy, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);

    /* Serve the copy and the original side by side: same data, other epoch. */
    struct harness_server copy;
    assert_int_equal(harness_server_restart(&f->s), 0);
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet sg = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &sg;
    Okr__Response *a = harness_request(&f->s, &req);
    assert_non_null(a);
    assert_int_equal(harness_server_start(&copy, NULL), 0);
    harness_server_stop(&copy);
    sh("rm -rf '%s' && cp -a '%s' '%s'", copy.data_dir, f->copy, copy.data_dir);
    assert_int_equal(harness_server_restart(&copy), 0);
    Okr__Response *b = harness_request(&copy, &req);
    assert_non_null(b);
    assert_int_equal(a->status->last_seq, b->status->last_seq);
    assert_int_equal(a->status->epoch.len, b->status->epoch.len);
    assert_memory_not_equal(a->status->epoch.data, b->status->epoch.data, a->status->epoch.len);
    okr__response__free_unpacked(a, NULL);
    okr__response__free_unpacked(b, NULL);
    harness_server_destroy(&copy);
    harness_server_stop(&f->s);
}

/* ------------------------------------------------------------ dead readers */

static int count_reader(const char *msg, void *ctx)
{
    long *want = ctx;                       /* pid to look for; becomes the count */
    long pid = 0;
    if (sscanf(msg, " %ld", &pid) == 1 && pid == want[0])
        want[1]++;
    return 0;
}

/* Reader slots of pid in the environment's lock table. */
static long readers_of(const char *dir, pid_t pid)
{
    MDB_env *env;
    long counter[2] = {pid, 0};
    if (mdb_env_create(&env) != 0)
        return -1;
    mdb_env_set_maxdbs(env, 16);
    if (mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0)
        mdb_reader_list(env, count_reader, counter);
    mdb_env_close(env);
    return counter[1];
}

/* A process that dies holding a read transaction (a --verify killed
 * mid-way) leaves its reader slot; okrd releases it while it serves, within
 * a few heartbeats, so old pages are not pinned and the file does not grow. */
static void test_a_dead_readers_slot_is_released_while_serving(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        MDB_env *env;
        MDB_txn *txn;
        if (mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 16) == 0 &&
            mdb_env_open(env, s.data_dir, MDB_RDONLY, 0600) == 0 &&
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0)
            raise(SIGKILL);                 /* die holding the slot */
        _exit(1);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(readers_of(s.data_dir, child), 1);      /* the slot is left */
    long left = 1;
    for (int i = 0; i < 100 && left > 0; i++) {             /* 10 s at most */
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        left = readers_of(s.data_dir, child);
    }
    assert_int_equal(left, 0);
    assert_true(harness_server_log_contains(&s, "released 1 reader slot"));
    harness_server_destroy(&s);
}

/* ------------------------------------------------------------ a full disk */

static Okr__Response *checkin(struct harness_server *s, double value)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    char note[600];
    memset(note, 'n', sizeof note - 1);          /* fill the disk faster */
    note[sizeof note - 1] = '\0';
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = value;
    ci.note = note;
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    return harness_request(s, &req);
}

/* okrd on a small tmpfs: check in until the disk is full. Every refusal is
 * RESOURCE_EXHAUSTED "the disk is full"; after the disk grows, okrd goes on,
 * and every acknowledged check-in is there, with verify clean. */
static void test_a_full_disk_is_reported_as_full_and_loses_nothing(void **state)
{
    fixture *f = *state;
    char *mnt = f->mnt;
    snprintf(f->mnt, sizeof f->mnt, "%s/small", f->s.root);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=640k") != 0) {
        rmdir(mnt);
        f->mnt[0] = '\0';
        skip();                                  /* needs root to mount a small disk */
    }
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    harness_server_stop(&s);
    sh("rm -rf '%s' && cp -a '%s' '%s/data'", s.data_dir, f->s.data_dir, mnt);
    snprintf(s.data_dir, sizeof s.data_dir, "%s/data", mnt);
    assert_int_equal(harness_server_restart(&s), 0);

    int acked = 0, full = 0;
    for (int i = 0; i < 5000 && full < 20; i++) {
        Okr__Response *r = checkin(&s, i % 100);
        assert_non_null(r);
        Okr__ErrorCode code = harness_error_code(r);
        if (code == OKR__ERROR_CODE__OK) {
            acked++;
        } else {
            if (code != OKR__ERROR_CODE__RESOURCE_EXHAUSTED ||
                strstr(r->error->message, "the disk is full") == NULL)
                fail_msg("refusal %d was %s \"%s\", not RESOURCE_EXHAUSTED \"the disk is "
                         "full\"", full + 1, wire_error_name(code),
                         r->error && r->error->message ? r->error->message : "");
            full++;
        }
        okr__response__free_unpacked(r, NULL);
    }
    assert_int_equal(full, 20);                  /* the disk did fill up */
    assert_true(acked > 0);

    /* More room: okrd goes on where it stopped. */
    assert_int_equal(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=8m"), 0);
    Okr__Response *r = checkin(&s, 1);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(r, NULL);
    acked++;
    assert_int_equal(harness_server_stop(&s), 0);

    struct harness_result v;
    harness_okrd_cmd(&v, "--verify", "--data", s.data_dir, NULL);
    harness_expect_exit(&v, 0);
    harness_result_free(&v);
    assert_int_equal(harness_server_restart(&s), 0);
    struct harness_result h;
    harness_okr(&s, &h, "--json", "kr", "show", "K1", NULL);
    harness_expect_exit(&h, 0);
    struct json_object *j = harness_json_parse(h.out);
    assert_int_equal(harness_json_int(j, "checkins"), CHECKINS + acked);
    json_object_put(j);
    harness_result_free(&h);
    harness_server_stop(&s);
    snprintf(s.data_dir, sizeof s.data_dir, "%s/data", s.root);
    harness_server_destroy(&s);
    assert_int_equal(umount(mnt), 0);
    f->mnt[0] = '\0';
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_original_store_verifies_clean),
        cmocka_unit_test(test_a_store_truncated_to_8k_is_refused),
        cmocka_unit_test(test_a_store_truncated_to_12k_is_refused),
        cmocka_unit_test(test_a_store_truncated_to_half_is_refused),
        cmocka_unit_test(test_a_store_missing_its_last_page_is_refused),
        cmocka_unit_test(test_an_empty_data_file_is_refused_not_made_new),
        cmocka_unit_test(test_another_programs_lmdb_environment_is_not_taken_over),
        cmocka_unit_test(test_new_epoch_changes_only_the_epoch),
        cmocka_unit_test(test_a_dead_readers_slot_is_released_while_serving),
        cmocka_unit_test(test_a_full_disk_is_reported_as_full_and_loses_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
