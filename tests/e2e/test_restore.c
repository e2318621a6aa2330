/* test_restore.c — a monitor never splices two histories.
 *
 * A monitor follows a server to seq 23. The server is then replaced by a
 * copy taken at seq 13, which goes on to seq 33 with other changes. Had the
 * copy kept the original's epoch, the monitor would take seqs 24..33 of the
 * copy as the continuation of what it saw and end with a mix of both
 * histories. A copy made for a restore has a new epoch (okr admin backup,
 * or okrd --new-epoch on a copy made otherwise): the monitor takes a fresh
 * snapshot and ends with exactly the restored server's scores. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "monitor.h"


#define MAX_NODES 8

/* What the monitor built: the score of each KR/objective it heard of. */
typedef struct {
    char id[MAX_NODES][16];
    int64_t score[MAX_NODES];
    int n;
    int snapshots, resets;
} view;

static void set_score(view *v, const char *id, int64_t score)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->id[i], id) == 0) {
            v->score[i] = score;
            return;
        }
    if (v->n < MAX_NODES) {
        snprintf(v->id[v->n], sizeof v->id[0], "%s", id);
        v->score[v->n++] = score;
    }
}

static int64_t score_of(const view *v, const char *id)
{
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->id[i], id) == 0)
            return v->score[i];
    return -1;
}

static void on_snapshot(void *ctx, const Okr__Snapshot *snap)
{
    view *v = ctx;
    if (snap->page == 0) {
        v->n = 0;
        v->snapshots++;
    }
    for (size_t i = 0; i < snap->n_objectives; i++)
        set_score(v, snap->objectives[i]->id, snap->objectives[i]->score);
    for (size_t i = 0; i < snap->n_krs; i++)
        set_score(v, snap->krs[i]->id, snap->krs[i]->score);
}

static void on_event(void *ctx, const Okr__Event *ev)
{
    view *v = ctx;
    for (size_t i = 0; i < ev->n_scores; i++)
        set_score(v, ev->scores[i]->node, ev->scores[i]->new_score);
}

static void on_reset(void *ctx)
{
    ((view *)ctx)->resets++;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the monitor until it has delivered seq with at least `snapshots`
 * snapshots behind it (20 s at most). */
static void reach(monitor *m, const view *v, uint64_t seq, int snapshots)
{
    int64_t deadline = now_ms() + 20000;
    while ((monitor_seq(m) != seq || v->snapshots < snapshots) && now_ms() < deadline)
        assert_int_equal(monitor_poll(m, 50), 0);
    if (monitor_seq(m) != seq || v->snapshots < snapshots)
        fail_msg("monitor at seq %llu after %d snapshots, expected seq %llu after %d",
                 (unsigned long long)monitor_seq(m), v->snapshots, (unsigned long long)seq,
                 snapshots);
}

static void checkins(struct harness_server *s, const char *kr, int n, int base)
{
    for (int i = 0; i < n; i++) {
        char value[16];
        snprintf(value, sizeof value, "%d", base + i);
        harness_okr_quiet(s, "checkin", kr, value, NULL);
    }
}

/* The restored server's own scores, from a fresh snapshot. */
static void expect_same_scores(struct harness_server *s, const view *v)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet sg = OKR__SNAPSHOT_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &sg;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_SNAPSHOT);
    assert_false(r->snapshot->more);
    for (size_t i = 0; i < r->snapshot->n_krs; i++) {
        const Okr__KeyResult *k = r->snapshot->krs[i];
        if (score_of(v, k->id) != k->score)
            fail_msg("%s: the monitor has %lld, the restored server %lld", k->id,
                     (long long)score_of(v, k->id), (long long)k->score);
    }
    for (size_t i = 0; i < r->snapshot->n_objectives; i++) {
        const Okr__Objective *o = r->snapshot->objectives[i];
        assert_int_equal(score_of(v, o->id), o->score);
    }
    okr__response__free_unpacked(r, NULL);
}

typedef enum { COPY_BY_BACKUP, COPY_BY_CP_AND_NEW_EPOCH } copy_kind;

static void restore_under_a_monitor(copy_kind kind)
{
    char listen[64], publish[64];
    snprintf(listen, sizeof listen, "tcp://127.0.0.1:%d", harness_free_port());
    snprintf(publish, sizeof publish, "tcp://127.0.0.1:%d", harness_free_port());
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--listen", listen, "--publish", publish, NULL), 0);
    harness_okr_quiet(&s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31", NULL);
    harness_okr_quiet(&s, "obj", "add", "Grow", "--period", "2026-Q4", NULL);
    harness_okr_quiet(&s, "kr", "add", "O1", "Deals", "--from", "0", "--to", "100", NULL);
    harness_okr_quiet(&s, "kr", "add", "O1", "Calls", "--from", "0", "--to", "100", NULL);
    checkins(&s, "K1", 9, 1);                        /* seq 13 */
    assert_int_equal(harness_last_seq(&s), 13);

    char copy[HARNESS_PATH_MAX];
    snprintf(copy, sizeof copy, "%s/copy", s.root);
    if (kind == COPY_BY_BACKUP) {
        harness_okr_quiet(&s, "admin", "backup", copy, NULL);
    } else {
        char cmd[2 * HARNESS_PATH_MAX + 32];
        assert_int_equal(harness_server_stop(&s), 0);     /* a cold copy of the files */
        snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", s.data_dir, copy);
        assert_int_equal(system(cmd), 0);
        struct harness_result r;
        harness_okrd_cmd(&r, "--new-epoch", "--data", copy, NULL);
        harness_expect_exit(&r, 0);
        harness_result_free(&r);
        assert_int_equal(harness_server_restart(&s), 0);
    }

    /* The original goes on: K2 moves to 0.9 there only. */
    view v = {0};
    monitor_options opt = {.request_endpoint = s.requests, .event_endpoint = s.events,
                           .want_snapshot = true, .request_timeout_ms = 1000};
    monitor_callbacks cb = {.on_snapshot = on_snapshot, .on_event = on_event,
                            .on_reset = on_reset};
    monitor *m = monitor_new(&opt, &cb, &v);
    assert_non_null(m);
    checkins(&s, "K2", 10, 81);                      /* seq 23, K2 = 90 */
    reach(m, &v, 23, 1);
    assert_int_equal(score_of(&v, "K2"), 900000);

    /* Restore the copy on the same ports; it goes on to seq 33 with K1 only. */
    assert_int_equal(harness_server_stop(&s), 0);
    char cmd[3 * HARNESS_PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", s.data_dir, copy, s.data_dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(harness_server_restart(&s), 0);
    assert_string_equal(s.requests, listen);
    checkins(&s, "K1", 20, 21);                      /* seq 33 */
    assert_int_equal(harness_last_seq(&s), 33);

    reach(m, &v, 33, 2);                             /* a fresh snapshot, not a splice */
    assert_true(v.resets >= 1);
    assert_int_equal(score_of(&v, "K2"), 0);         /* the copy never had K2 at 0.9 */
    expect_same_scores(&s, &v);
    monitor_free(m);
    harness_server_destroy(&s);
}

static void test_a_monitor_resnapshots_after_a_restore_from_okr_admin_backup(void **state)
{
    (void)state;
    restore_under_a_monitor(COPY_BY_BACKUP);
}

static void test_a_monitor_resnapshots_after_a_restore_of_a_copy_given_a_new_epoch(void **state)
{
    (void)state;
    restore_under_a_monitor(COPY_BY_CP_AND_NEW_EPOCH);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_monitor_resnapshots_after_a_restore_from_okr_admin_backup),
        cmocka_unit_test(test_a_monitor_resnapshots_after_a_restore_of_a_copy_given_a_new_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
