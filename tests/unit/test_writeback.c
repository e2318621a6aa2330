/* test_writeback.c — the write-behind of aggregates and KR records (server/store.c, "write-
 * behind"): changes kept in memory and one redo record per commit, written
 * back to the agg B-tree at checkpoints. Through okrd's real group commit
 * (tests/lib/server_fixture.h). What it must keep:
 *   - a process that dies between a commit and the next checkpoint loses
 *     nothing: the next open replays the redo log to exactly the scores of
 *     a full recomputation (rollup_verify) and the KR records that match
 *     their check-in history, checkpoint or not in between, and a
 *     read-only open beside it (okrd --verify) sees the same;
 *   - every request leaves the same state as when every write goes to its
 *     B-tree at once (write-behind off), checkpoints or not;
 *   - the sweep keeps the log under its limits without a checkpoint, each
 *     pass deleting the records it made redundant, and a crash in the
 *     middle of a pass replays to the same scores;
 *   - a refused request leaves no trace in the tables in memory either,
 *     nor in the cache of the ancestors' edges, which follows every
 *     re-alignment;
 *   - a snapshot cursor's transaction keeps reading the state it began in;
 *   - a check-in rewrites as many pages in a large organisation as in a
 *     small one (LMDB's own count of the pages each commit rewrote). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

#include "requests.h"
#include "rollup.h"

#define Q4 "2026-Q4"
#define DEPTH 4             /* objectives per tree path: 1 + 2 + 4 + 8 = 15 per tree */
#define MAX_TREES 64
#define TREE_OBJECTIVES 15

/* An organisation of whole trees like the bench's (bench/populate.c): each
 * objective has a roll-up KR its children align to and one metric KR; the
 * deepest objectives' metric KRs take the check-ins. */
typedef struct {
    fixture f;
    arena a;
    size_t trees;
    char leaf_kr[MAX_TREES * 8][OKR_ID_BUF];
    size_t n_leaves;
    char obj[MAX_TREES * TREE_OBJECTIVES][OKR_ID_BUF];      /* in creation order */
    char obj_rollup[MAX_TREES * TREE_OBJECTIVES][OKR_ID_BUF];
    char obj_parent[MAX_TREES * TREE_OBJECTIVES][OKR_ID_BUF];   /* "" at a root */
    size_t n_obj;
} org;

static void ok(org *o, Okr__Request *req, char *id_out)
{
    Okr__Response *r;
    Okr__ErrorCode code = fixture_do(&o->f, req, &r);
    if (code != OKR__ERROR_CODE__OK)
        fail_msg("request refused with %d: %s", (int)code,
                 r && r->error && r->error->message ? r->error->message : "?");
    if (id_out)
        snprintf(id_out, OKR_ID_BUF, "%s", r->changed->id);
    arena_reset(&o->a);
}

static void add_rollup_kr(org *o, const char *objective, char *id)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = "children on track";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__ROLLUP;
    ok(o, req_kr_add(&o->a, &kr), id);
}

/* Trees are built one level at a time across all of them, as the bench
 * does, so a node's ancestors are far apart in id order. */
static void build_org_sized(org *o, size_t trees, bool write_behind, size_t map_size)
{
    assert_true(trees <= MAX_TREES);
    memset(o, 0, sizeof *o);
    assert_int_equal(fixture_open(&o->f, map_size), 0);
    /* Each commit is as in okrd but for the fsync: a process that dies
     * (the crash test) loses nothing the kernel has; power loss is not
     * under test here. */
    mdb_env_set_flags(o->f.st.env, MDB_NOSYNC, 1);
    o->f.st.wb.live = write_behind;     /* off: every write goes to its B-tree */
    arena_init(&o->a);
    o->trees = trees;
    ok(o, req_period_add(&o->a, Q4, "2026-10-01", "2026-12-31"), NULL);
    static char rollups[MAX_TREES][TREE_OBJECTIVES][OKR_ID_BUF];
    for (int level = 0, first = 0; level < DEPTH; first += 1 << level, level++)
        for (size_t t = 0; t < trees; t++)
            for (int k = 0; k < 1 << level; k++) {
                char obj[OKR_ID_BUF], metric[OKR_ID_BUF];
                const char *parent[] = {level ? rollups[t][first - (1 << (level - 1)) + k / 2]
                                              : NULL};
                ok(o, req_objective_add(&o->a, "deliver", Q4, level ? 1 : 0, parent, NULL),
                   obj);
                add_rollup_kr(o, obj, rollups[t][first + k]);
                snprintf(o->obj[o->n_obj], OKR_ID_BUF, "%s", obj);
                snprintf(o->obj_rollup[o->n_obj], OKR_ID_BUF, "%s", rollups[t][first + k]);
                snprintf(o->obj_parent[o->n_obj++], OKR_ID_BUF, "%s",
                         parent[0] ? parent[0] : "");
                ok(o, req_kr_add_metric(&o->a, obj, 0, 100, 0), metric);
                if (level == DEPTH - 1)
                    snprintf(o->leaf_kr[o->n_leaves++], OKR_ID_BUF, "%s", metric);
            }
}

static void build_org_with(org *o, size_t trees, bool write_behind)
{
    build_org_sized(o, trees, write_behind, 0);
}

static void build_org(org *o, size_t trees)
{
    build_org_with(o, trees, true);
}

static void close_org(org *o)
{
    fixture_close(&o->f);
    arena_free(&o->a);
}

/* A batch of n check-ins on pseudo-random leaf KRs; returns the pages its
 * commit rewrote. */
static uint64_t checkin_batch(org *o, size_t n, uint64_t *rng)
{
    Okr__Request *reqs[FIXTURE_BATCH_MAX];
    Okr__Response *resps[FIXTURE_BATCH_MAX];
    assert_true(n <= FIXTURE_BATCH_MAX);
    for (size_t i = 0; i < n; i++) {
        *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
        const char *kr = o->leaf_kr[(*rng >> 33) % o->n_leaves];
        reqs[i] = req_checkin(&o->a, kr, (double)((*rng >> 20) % 101));
    }
    fixture_batch(&o->f, (const Okr__Request *const *)reqs, n, resps);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
    arena_reset(&o->a);
    return store_pages_rewritten(&o->f.st);
}

/* ------------------------------------------------------------ the tables */

/* A value of the table test: v, in 4 bytes or in 12 (v three times). */
static uint32_t table_value(int32_t v, bool wide, unsigned char out[12])
{
    for (int i = 0; i < 3; i++)
        memcpy(out + 4 * i, &v, 4);
    return wide ? 12 : 4;
}

/* Random sets, drops, erases and undone nested changes against a plain
 * array: lookups, counts and the sorted order agree throughout (erase
 * shifts runs back; a wrong shift loses keys). Values of 4 and 12 bytes,
 * in a plain map and in a `small` one (4 bytes then live in the slots,
 * which grow and shifts move); at the end every entry is moved to a plain
 * map and still reads the same. */
static void tables_agree_with_a_plain_array(bool small)
{
    enum { KEYS = 700 };
    static int32_t ref[KEYS];             /* -1 absent, -2 drop, else the value */
    static uint32_t ref_len[KEYS];
    wb_map m = {.small = small};
    wb_undo_log u = {0};
    uint64_t rng = 3;
    unsigned char buf[12];
    for (size_t i = 0; i < KEYS; i++)
        ref[i] = -1;
    for (int step = 0; step < 20000; step++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t r = (uint32_t)(rng >> 33), k = r % KEYS;
        uint64_t key = wb_key(1 + k % 2, k * 2654435761u);   /* both kinds, scattered */
        int32_t v = (int32_t)(r >> 12) & 0xffff;
        uint32_t len = table_value(v, (r >> 5) & 1, buf);
        switch ((r >> 28) % 4) {
        case 0:
        case 1: wb_set(&m, key, buf, len, false); ref[k] = v; ref_len[k] = len; break;
        case 2: wb_erase(&m, key); ref[k] = -1; break;
        default: wb_set(&m, key, NULL, 0, true); ref[k] = -2; break;
        }
        if (step % 1000 == 999) {         /* a nested transaction that aborts */
            int32_t saved[KEYS];
            uint32_t saved_len[KEYS];
            memcpy(saved, ref, sizeof saved);
            memcpy(saved_len, ref_len, sizeof saved_len);
            size_t mark = u.n;
            for (int j = 0; j < 50; j++) {
                uint32_t kk = (uint32_t)((rng >> 7) + (uint64_t)j * 97) % KEYS;
                uint64_t key2 = wb_key(1 + kk % 2, kk * 2654435761u);
                wb_undo_note(&u, &m, key2);
                if (j % 3)
                    wb_set(&m, key2, buf, table_value(j, j % 2, buf), false);
                else
                    wb_erase(&m, key2);
            }
            wb_undo_to(&u, &m, mark);
            memcpy(ref, saved, sizeof saved);
            memcpy(ref_len, saved_len, sizeof saved_len);
        }
        size_t present = 0;
        for (uint32_t i = 0; i < KEYS; i++) {
            const wb_entry *e = wb_find(&m, wb_key(1 + i % 2, i * 2654435761u));
            if (ref[i] == -1) {
                assert_null(e);
                continue;
            }
            present++;
            assert_non_null(e);
            assert_int_equal(e->drop, ref[i] == -2);
            if (ref[i] >= 0) {
                assert_int_equal(e->len, ref_len[i]);
                assert_int_equal(e->inline_value, small && e->len <= WB_INLINE);
                table_value(ref[i], ref_len[i] == 12, buf);
                assert_memory_equal(wb_bytes(e), buf, e->len);
            }
        }
        assert_int_equal(m.n, present);
    }
    wb_entry **sorted = wb_sorted(&m);
    for (size_t i = 1; i < m.n; i++)
        assert_true(sorted[i - 1]->key < sorted[i]->key);
    free(sorted);
    wb_map plain = {0};
    for (size_t i = 0; i < m.cap; i++)
        if (m.slots[i].key)
            wb_move(&plain, &m.slots[i]);
    assert_int_equal(plain.n, m.n);
    for (uint32_t i = 0; i < KEYS; i++) {
        const wb_entry *e = wb_find(&plain, wb_key(1 + i % 2, i * 2654435761u));
        assert_int_equal(e == NULL, ref[i] == -1);
        if (e)
            assert_int_equal(e->drop, ref[i] == -2);
        if (e && ref[i] >= 0) {
            assert_int_equal(e->len, ref_len[i]);
            assert_false(e->inline_value);        /* a plain map owns heap bytes */
            table_value(ref[i], ref_len[i] == 12, buf);
            assert_memory_equal(wb_bytes(e), buf, ref_len[i]);
        }
    }
    wb_free(&plain);
    /* An empty value (a node without parents, in the parents cache). */
    uint64_t empty = wb_key(3, 424242);
    wb_set(&m, empty, NULL, 0, false);
    const wb_entry *e = wb_find(&m, empty);
    assert_non_null(e);
    assert_false(e->drop);
    assert_int_equal(e->len, 0);
    assert_int_equal(e->inline_value, small);
    wb_erase(&m, empty);
    assert_null(wb_find(&m, empty));
    wb_undo_free(&u);
    wb_free(&m);
}

/* A table grown past 2 MiB of slots (mapped with huge pages asked for,
 * writeback.c) through several doublings keeps every entry; erasing half,
 * clearing and filling again work on those slots too, small and plain. */
static void grow_to_huge_slots(bool small)
{
    enum { KEYS = 200000 };               /* 2^19 slots of 24 bytes: 12 MiB */
    wb_map m = {.small = small};
    unsigned char buf[12];
    for (int round = 0; round < 2; round++) {
        for (uint32_t i = 0; i < KEYS; i++) {
            uint32_t len = table_value((int32_t)(i + round), i % 2, buf);
            wb_set(&m, wb_key(1 + i % 3, i * 2654435761u), buf, len, false);
        }
        assert_int_equal(m.n, KEYS);
        assert_true(m.cap * sizeof(wb_entry) >= (2u << 20));
        for (uint32_t i = 0; i < KEYS; i += 2)
            wb_erase(&m, wb_key(1 + i % 3, i * 2654435761u));
        assert_int_equal(m.n, KEYS / 2);
        for (uint32_t i = 0; i < KEYS; i++) {
            const wb_entry *e = wb_find(&m, wb_key(1 + i % 3, i * 2654435761u));
            if (i % 2 == 0) {
                assert_null(e);
                continue;
            }
            assert_non_null(e);
            uint32_t len = table_value((int32_t)(i + round), i % 2, buf);
            assert_int_equal(e->len, len);
            assert_memory_equal(wb_bytes(e), buf, len);
        }
        wb_clear(&m);
        assert_int_equal(m.n, 0);
        assert_null(wb_find(&m, wb_key(2, 1 * 2654435761u)));
    }
    wb_free(&m);
    assert_int_equal(m.cap, 0);
}

static void test_a_table_grown_to_huge_slots_keeps_every_entry(void **state)
{
    (void)state;
    grow_to_huge_slots(false);
    grow_to_huge_slots(true);
}

static int by_key_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The sweep's radix sort equals qsort: keys as the tables make them (three
 * kinds, scattered nodes, repeats), any 64-bit keys, and the edge cases. */
static void test_the_sweep_sorts_its_keys_like_qsort(void **state)
{
    (void)state;
    enum { N = 50000 };
    uint64_t *keys = malloc(N * sizeof *keys), *ref = malloc(N * sizeof *ref);
    assert_non_null(keys);
    assert_non_null(ref);
    uint64_t rng = 11;
    for (int shape = 0; shape < 4; shape++) {
        size_t n = shape == 3 ? 3 : N;
        for (size_t i = 0; i < n; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t r = (uint32_t)(rng >> 33);
            keys[i] = shape == 0   ? wb_key(1 + r % 3, (r >> 2) % 20000)
                      : shape == 1 ? rng
                      : shape == 2 ? wb_key(STORE_WB_AGG, 7)      /* all alike */
                                   : wb_key(2, 3 - (uint32_t)i);
        }
        memcpy(ref, keys, n * sizeof *keys);
        qsort(ref, n, sizeof *ref, by_key_value);
        assert_true(wb_sort_keys(keys, n));
        assert_memory_equal(keys, ref, n * sizeof *keys);
    }
    assert_true(wb_sort_keys(keys, 0));
    keys[0] = 5;
    assert_true(wb_sort_keys(keys, 1));
    assert_int_equal(keys[0], 5);
    free(keys);
    free(ref);
}

static void test_the_tables_agree_with_a_plain_array(void **state)
{
    (void)state;
    tables_agree_with_a_plain_array(false);
}

static void test_a_small_table_keeps_short_values_in_its_slots(void **state)
{
    (void)state;
    tables_agree_with_a_plain_array(true);
}

/* ------------------------------------------------------------ crash and replay */

/* Every node's score, and each metric KR's check-in count and current
 * value, "O1=... K3=500000 (2:50) ..." in id order, from the store st. */
static char *scores_of(store *st)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, st, NULL, false, &mem);
    for (uint32_t kind = 0; kind < 2; kind++)
        for (uint32_t n = 1; n < 4096; n++) {
            okr_node node = kind ? okr_node_kr(n) : okr_node_objective(n);
            store_agg a;
            if (!store_get_agg(&t, node, &a))
                continue;
            char id[OKR_ID_BUF];
            if (len + 128 > cap) {
                cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            len += (size_t)snprintf(out + len, cap - len, "%s=%lld ", okr_id_format(node, id),
                                    (long long)a.score);
            Okr__KeyResult *kr = kind ? store_get_kr(&t, node) : NULL;
            Okr__CheckIn **history;
            size_t n_history = kr ? store_checkins(&t, node, 1000, &history) : 0;
            if (kr && kr->kind != OKR__KR_KIND__ROLLUP) {   /* the record matches its history */
                assert_int_equal(kr->checkins, n_history);
                if (n_history)
                    assert_true(kr->current == history[n_history - 1]->value);
                len += (size_t)snprintf(out + len, cap - len, "(%u:%g) ", kr->checkins,
                                        kr->has_current ? kr->current : -1.0);
            }
            arena_reset(&mem);
        }
    assert_int_equal(t.rc, 0);
    store_txn_abort(&t);
    arena_free(&mem);
    return out;
}

static size_t verify_store(store *st)
{
    int rc = 0;
    size_t n = rollup_verify(st, NULL, NULL, &rc);
    assert_int_equal(rc, 0);
    return n;
}

/* A crash child's end: whether its set-up came about, the size of its
 * table, its directory and its scores on fd; then death without a close
 * (no checkpoint at close). */
static _Noreturn void die_reporting(org *o, bool as_planned, int fd, char *dir_out,
                                    size_t dir_len)
{
    char *scores = scores_of(&o->f.st);
    snprintf(dir_out, dir_len, "%s", o->f.dir);
    dprintf(fd, "%d %zu %s\n%s\n", as_planned, o->f.st.wb.committed.n, o->f.dir, scores);
    _exit(0);
}

/* The child: an organisation, a checkpoint forced half-way (a small limit),
 * more check-ins after it, a KR changed and then deleted, its scores on fd,
 * then death without a close
 * (no checkpoint at close): what a SIGKILL between a commit and the next
 * checkpoint leaves. */
static _Noreturn void crash_after_checkins(int fd, char *dir_out, size_t dir_len)
{
    org o;
    build_org(&o, 3);
    uint64_t rng = 7;
    o.f.st.wb.limit_entries = 40;     /* a checkpoint within the first batches */
    for (int b = 0; b < 6; b++)
        checkin_batch(&o, 7, &rng);
    bool checkpointed = o.f.st.wb.checkpoints > 0;
    o.f.st.wb.limit_entries = STORE_WB_LIMIT_ENTRIES;
    for (int b = 0; b < 5; b++)
        checkin_batch(&o, 9, &rng);
    ok(&o, req_checkin(&o.a, o.leaf_kr[0], 33), NULL);   /* in the log, then deleted: */
    ok(&o, req_kr_delete(&o.a, o.leaf_kr[0]), NULL);     /* its drop must void it */
    die_reporting(&o, checkpointed, fd, dir_out, dir_len);
}

/* The child of the sweep's crash: passes of the sweep (a small threshold)
 * that end and delete the records before them, one under way at the end,
 * a KR changed and deleted in between; then death without a close. */
static _Noreturn void crash_while_sweeping(int fd, char *dir_out, size_t dir_len)
{
    org o;
    build_org(&o, 3);
    uint64_t rng = 11;
    store_writeback *w = &o.f.st.wb;
    w->sweep_entries = 70;              /* more than one commit's slice (WB_SWEEP_MIN) */
    for (int b = 0; b < 8; b++)
        checkin_batch(&o, 6, &rng);
    ok(&o, req_checkin(&o.a, o.leaf_kr[1], 44), NULL);   /* swept or not, then deleted */
    ok(&o, req_kr_delete(&o.a, o.leaf_kr[1]), NULL);
    memcpy(o.leaf_kr[1], o.leaf_kr[--o.n_leaves], OKR_ID_BUF);   /* no more check-ins on it */
    /* Small batches until a pass has ended and the next is half-way. */
    for (int b = 0; b < 400 && !(w->sweeps > 0 && w->sweep_keys && w->sweep_at > 0); b++)
        checkin_batch(&o, 2, &rng);
    bool swept = w->sweeps > 0 && w->trimmed_records > 0 && w->checkpoints == 0 &&
                 w->sweep_keys != NULL && w->sweep_at > 0;
    die_reporting(&o, swept, fd, dir_out, dir_len);
}

/* The child of the end of a pass: the commit that begins it also changes a
 * KR nothing had changed before (values in no older record); the pass ends
 * without that KR changing again, and the process dies. The records the
 * pass deletes must stop before the one that holds the KR's value. */
static _Noreturn void crash_after_a_pass(int fd, char *dir_out, size_t dir_len)
{
    org o;
    build_org(&o, 3);
    uint64_t rng = 13;
    store_writeback *w = &o.f.st.wb;
    const char *fresh = o.leaf_kr[--o.n_leaves];        /* kept out of the random batches */
    for (int b = 0; b < 6; b++)
        checkin_batch(&o, 6, &rng);
    w->sweep_entries = 1;                               /* the next commit begins a pass */
    ok(&o, req_checkin(&o.a, fresh, 61), NULL);
    bool began = w->sweep_keys != NULL || w->sweeps == 1;
    while (w->sweeps == 0)
        checkin_batch(&o, 2, &rng);
    bool swept = began && w->sweeps == 1 && w->trimmed_records > 0 && w->checkpoints == 0;
    die_reporting(&o, swept, fd, dir_out, dir_len);
}

/* Runs child in a fork; then the data it left is opened read-only and as a
 * writer (a replay) and twice more: each must show the child's scores. */
typedef void crash_child(int fd, char *dir_out, size_t dir_len);   /* never returns */

static void crash_and_replay(crash_child *child)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char dir[256];
        close(pipefd[0]);
        child(pipefd[1], dir, sizeof dir);
    }
    close(pipefd[1]);
    FILE *in = fdopen(pipefd[0], "r");
    int checkpointed = 0;
    size_t behind = 0;
    char dir[256], *live = NULL;
    size_t cap = 0;
    assert_int_equal(fscanf(in, "%d %zu %255s\n", &checkpointed, &behind, dir), 3);
    assert_true(getline(&live, &cap, in) > 0);
    fclose(in);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(checkpointed);            /* the log began after a checkpoint (or a pass) */
    assert_true(behind > 0);              /* and aggregates were behind the B-tree */
    live[strcspn(live, "\n")] = '\0';

    char err[512];
    store ro;                             /* okrd --verify's open, beside nothing */
    assert_int_equal(store_open(&ro, dir, STORE_DEFAULT_MAP_SIZE, false, err, sizeof err), 0);
    char *seen = scores_of(&ro);
    assert_string_equal(seen, live);
    assert_int_equal(verify_store(&ro), 0);
    free(seen);
    store_close(&ro);

    store st;                             /* the restart */
    assert_int_equal(store_open(&st, dir, STORE_DEFAULT_MAP_SIZE, true, err, sizeof err), 0);
    assert_true(st.wb.replayed >= behind);
    assert_int_equal(st.wb.committed.n, behind);
    char *replayed = scores_of(&st);
    assert_string_equal(replayed, live);
    assert_int_equal(verify_store(&st), 0);
    free(replayed);
    store_close(&st);                     /* checkpoints: nothing left to replay */

    assert_int_equal(store_open(&st, dir, STORE_DEFAULT_MAP_SIZE, true, err, sizeof err), 0);
    assert_int_equal(st.wb.replayed, 0);
    assert_int_equal(st.wb.committed.n, 0);
    replayed = scores_of(&st);
    assert_string_equal(replayed, live);
    assert_int_equal(verify_store(&st), 0);
    free(replayed);
    store_close(&st);
    free(live);
    fixture_rmtree(dir);
}

static void test_a_crash_before_the_checkpoint_replays_to_the_recomputed_scores(void **state)
{
    (void)state;
    crash_and_replay(crash_after_checkins);
}

static void test_a_crash_while_sweeping_replays_to_the_recomputed_scores(void **state)
{
    (void)state;
    crash_and_replay(crash_while_sweeping);
    crash_and_replay(crash_after_a_pass);
}

/* ------------------------------------------------------------ same state */

/* Every database a client's requests change, but meta (its epoch is random). */
static unsigned char *store_state(store *st, size_t *len)
{
    const MDB_dbi dbis[] = {st->periods, st->teams, st->objectives, st->krs, st->up, st->down,
                            st->agg, st->checkins, st->checkin_late, st->checkin_gone,
                            st->events, st->by_period, st->by_team, st->by_owner};
    return fixture_snapshot_store(st, dbis, sizeof dbis / sizeof dbis[0], len);
}

static unsigned char *state_of(org *o, size_t *len)
{
    return store_state(&o->f.st, len);
}

/* Request i of a mixed workload: check-ins, refusals, KR edits, archive and
 * restore, re-alignment, deletions. */
static Okr__Request *mixed_request(org *o, uint64_t *rng)
{
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t r = *rng >> 33;
    const char *leaf = o->leaf_kr[r % o->n_leaves];
    size_t k = 1 + (r >> 8) % (o->n_obj - 1);                 /* not the first root */
    switch ((r >> 16) % 9) {
    case 0: return req_checkin(&o->a, o->obj_rollup[k], 5);   /* refused: a roll-up KR */
    case 1: {
        Okr__KeyResultEdit e = OKR__KEY_RESULT_EDIT__INIT;
        e.id = (char *)leaf;
        e.has_target = true;
        e.target = (double)(50 + (r >> 24) % 100);
        return req_kr_edit(&o->a, &e);
    }
    case 2: return req_archive(&o->a, o->obj[k], (r >> 24) % 2);
    case 3:
        if (o->obj_parent[k][0] == '\0')
            return req_checkin(&o->a, leaf, 1);
        return req_unalign(&o->a, o->obj[k], o->obj_parent[k]);
    case 4:
        if (o->obj_parent[k][0] == '\0')
            return req_checkin(&o->a, leaf, 2);
        return req_align(&o->a, o->obj[k], o->obj_parent[k], 1 + (uint32_t)((r >> 24) % 3));
    case 5: return (r >> 24) % 8 ? req_checkin(&o->a, leaf, 3) : req_kr_delete(&o->a, leaf);
    default: return req_checkin(&o->a, leaf, (double)((r >> 24) % 101));
    }
}

/* n mixed requests as one batch on wb and the same ones on plain: the same
 * codes, and with same_state every database equal afterwards. */
static void twin_batch(org *wb, org *plain, size_t n, uint64_t *rng_a, uint64_t *rng_b,
                       bool same_state)
{
    Okr__Request *ra[8], *rb[8];
    Okr__Response *pa[8], *pb[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        ra[i] = mixed_request(wb, rng_a);
        rb[i] = mixed_request(plain, rng_b);
    }
    fixture_batch(&wb->f, (const Okr__Request *const *)ra, n, pa);
    fixture_batch(&plain->f, (const Okr__Request *const *)rb, n, pb);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fixture_code(pa[i]), fixture_code(pb[i]));
    if (same_state) {
        size_t la, lb;
        unsigned char *a = state_of(wb, &la), *b = state_of(plain, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
    }
    arena_reset(&wb->a);
    arena_reset(&plain->a);
}

static void test_write_behind_leaves_the_state_of_writing_through(void **state)
{
    (void)state;
    org wb, plain;
    build_org_with(&wb, 2, true);
    build_org_with(&plain, 2, false);
    wb.f.st.wb.limit_entries = 16;      /* checkpoints between commits that only log */
    uint64_t rng_a = 99, rng_b = 99;
    for (int batch = 0; batch < 40; batch++) {
        size_t n = 1 + (size_t)batch % 7;
        twin_batch(&wb, &plain, n, &rng_a, &rng_b, true);
    }
    assert_true(wb.f.st.wb.checkpoints > 0);
    assert_true(wb.f.st.wb.redo_records > 0);
    assert_int_equal(plain.f.st.wb.redo_records, 0);
    assert_int_equal(fixture_verify(&wb.f), 0);
    close_org(&wb);
    close_org(&plain);
}

/* The sweep: with a hard limit that check-ins would pass within a few
 * batches, passes of the sweep keep the log under it, so no commit writes
 * everything back at once (the 0.5-1 s stall at 1,000,000 nodes); each
 * state on the way equals writing through, and the records the passes
 * ended are gone from the log. */
static void test_the_sweep_keeps_the_log_under_the_limits_without_a_checkpoint(void **state)
{
    (void)state;
    org wb, plain;
    build_org_with(&wb, 3, true);
    build_org_with(&plain, 3, false);
    wb.f.st.wb.limit_entries = 96;      /* a batch's own changes stay below it */
    wb.f.st.wb.sweep_entries = 16;
    uint64_t rng_a = 5, rng_b = 5;
    size_t most_behind = 0;
    for (int batch = 0; batch < 60; batch++) {
        size_t n = 1 + (size_t)batch % 5;
        twin_batch(&wb, &plain, n, &rng_a, &rng_b, true);
        if (wb.f.st.wb.committed.n > most_behind)
            most_behind = wb.f.st.wb.committed.n;
    }
    store_writeback *w = &wb.f.st.wb;
    assert_int_equal(w->checkpoints, 0);
    assert_true(w->sweeps >= 3);
    assert_true(w->swept_values > 0);
    assert_true(w->trimmed_records > 0);
    assert_true(most_behind <= w->limit_entries);
    /* What is left in the log: the records since the pass under way began. */
    store_txn t;
    arena mem;
    arena_init(&mem);
    store_txn_begin(&t, &wb.f.st, NULL, false, &mem);
    assert_int_equal(store_count(&t, wb.f.st.redo), w->redo_records - w->trimmed_records);
    store_txn_abort(&t);
    arena_free(&mem);
    assert_int_equal(fixture_verify(&wb.f), 0);
    close_org(&wb);
    close_org(&plain);
}

/* ------------------------------------------------------------ a crash after any commit */

/* The redo log's size in bytes, as LMDB holds it. */
static uint64_t redo_log_bytes(store *st)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, st, NULL, false, &mem);
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t bytes = 0;
    assert_int_equal(mdb_cursor_open(t.txn, st->redo, &cur), 0);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        bytes += v.mv_size;
    mdb_cursor_close(cur);
    store_txn_abort(&t);
    arena_free(&mem);
    return bytes;
}

/* A crash right now: a copy of the data, opened read-only (okrd --verify)
 * and as a writer (the replay of a restart), must show every database as
 * the live store has it, the replay must rebuild exactly its tables in
 * memory, and its byte count of the log must be the log's. */
static void assert_a_crash_now_replays_to_this(org *o, int batch)
{
    char dir[256], err[512];
    store *live = &o->f.st;
    assert_int_equal(fixture_mkdtemp(dir, sizeof dir), 0);
    assert_int_equal(mdb_env_copy2(live->env, dir, 0), 0);
    size_t n_live, n_view, n_replay;
    unsigned char *want = store_state(live, &n_live);
    store ro, st;
    assert_int_equal(store_open(&ro, dir, STORE_DEFAULT_MAP_SIZE, false, err, sizeof err), 0);
    unsigned char *view = store_state(&ro, &n_view);
    store_close(&ro);
    assert_int_equal(store_open(&st, dir, STORE_DEFAULT_MAP_SIZE, true, err, sizeof err), 0);
    unsigned char *replay = store_state(&st, &n_replay);
    if (n_view != n_live || memcmp(view, want, n_live) != 0 || n_replay != n_live ||
        memcmp(replay, want, n_live) != 0)
        fail_msg("after batch %d a crash would not replay to the live state", batch);
    uint64_t log_bytes = redo_log_bytes(live);
    assert_int_equal(live->wb.redo_bytes, log_bytes);
    assert_int_equal(st.wb.redo_bytes, log_bytes);
    assert_int_equal(st.wb.committed.n, live->wb.committed.n);
    for (size_t i = 0; i < st.wb.committed.cap; i++) {
        const wb_entry *e = &st.wb.committed.slots[i];
        if (e->key == 0)
            continue;
        const wb_entry *l = wb_find(&live->wb.committed, e->key);
        assert_non_null(l);
        assert_int_equal(l->len, e->len);
        assert_memory_equal(wb_bytes(l), wb_bytes(e), e->len);
    }
    assert_int_equal(verify_store(&st), 0);
    store_close(&st);
    free(want);
    free(view);
    free(replay);
    fixture_rmtree(dir);
}

/* Fails one storage operation in `one_in`, pseudo-randomly. */
typedef struct {
    uint64_t rng;
    unsigned one_in, fired;
} random_faults;

static int fail_at_random(void *arg, store_fault_op op)
{
    (void)op;
    random_faults *h = arg;
    h->rng = h->rng * 6364136223846793005ull + 1442695040888963407ull;
    if ((h->rng >> 33) % h->one_in)
        return 0;
    h->fired++;
    return EIO;
}

/* After every commit of mixed batches, and then of batches with failing
 * storage operations, a crash replays to the live state: with the sweep
 * (two thresholds), with checkpoints at a hard limit in between, and with a
 * map so small that batches hit MDB_MAP_FULL and run again. */
static void test_a_crash_after_any_commit_replays_to_the_live_state(void **state)
{
    (void)state;
    static const struct {
        size_t map_size, limit_entries, sweep_entries;
    } variants[] = {{0, 96, 16}, {0, 96, 4}, {0, 40, 16}, {64 * 1024, 96, 16}};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        org wb, plain;
        build_org_sized(&wb, 3, true, variants[v].map_size);
        build_org_with(&plain, 3, false);
        wb.f.st.wb.limit_entries = variants[v].limit_entries;
        wb.f.st.wb.sweep_entries = variants[v].sweep_entries;
        uint64_t rng_a = 5 + v, rng_b = 5 + v;
        for (int batch = 0; batch < 120; batch++) {
            twin_batch(&wb, &plain, 1 + (size_t)batch % 6, &rng_a, &rng_b, false);
            assert_a_crash_now_replays_to_this(&wb, batch);
        }
        assert_true(wb.f.st.wb.sweeps > 0);
        if (variants[v].limit_entries < 96)
            assert_true(wb.f.st.wb.checkpoints > 0);
        if (variants[v].map_size)
            assert_true(wb.f.map_grows > 0);
        random_faults h = {77 + v, 60, 0};
        wb.f.quiet = true;
        for (int batch = 0; batch < 200; batch++) {
            size_t n = 1 + (size_t)batch % 6;
            Okr__Request *ra[8];
            Okr__Response *pa[8];
            for (size_t i = 0; i < n; i++)
                ra[i] = mixed_request(&wb, &rng_a);
            wb.f.st.fault = fail_at_random;
            wb.f.st.fault_arg = &h;
            fixture_batch(&wb.f, (const Okr__Request *const *)ra, n, pa);
            wb.f.st.fault = NULL;
            arena_reset(&wb.a);
            assert_int_equal(fixture_verify(&wb.f), 0);
            assert_a_crash_now_replays_to_this(&wb, 1000 + batch);
        }
        assert_true(h.fired > 0);
        close_org(&wb);
        close_org(&plain);
    }
}

/* ------------------------------------------------------------ the parents cache */

/* A check-in on every leaf KR, in one batch. */
static void checkin_every_leaf(org *o, double value)
{
    Okr__Request *reqs[FIXTURE_BATCH_MAX];
    Okr__Response *resps[FIXTURE_BATCH_MAX];
    assert_true(o->n_leaves <= FIXTURE_BATCH_MAX);
    for (size_t i = 0; i < o->n_leaves; i++)
        reqs[i] = req_checkin(&o->a, o->leaf_kr[i], value);
    fixture_batch(&o->f, (const Okr__Request *const *)reqs, o->n_leaves, resps);
    for (size_t i = 0; i < o->n_leaves; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
    arena_reset(&o->a);
}

/* Fails op (the nested commit of the first request that wrote an edge, or
 * the commit of the batch it is in), once. */
typedef struct {
    const store *st;
    store_fault_op op;
    bool fired;
} edge_writer_fault;

static int fail_the_edge_writer(void *arg, store_fault_op op)
{
    edge_writer_fault *h = arg;
    if (op != h->op || !h->st->edges_changed || h->fired)
        return 0;
    h->fired = true;
    return EIO;
}

/* The roll-up reads each ancestor's parents from a cache of the last
 * commit's edges. A re-alignment must reach the check-ins of the same
 * batch and of the next ones, and a refused one (its edge written, then
 * its nested transaction failing at the end, after its roll-up read the
 * new edge) must leave no trace in the cache: every score stays equal to a
 * recomputation from the B-trees. */
static void test_the_parents_cache_follows_edges_and_forgets_a_refused_one(void **state)
{
    (void)state;
    org o;
    build_org(&o, 2);
    checkin_every_leaf(&o, 10);
    checkin_every_leaf(&o, 20);
    assert_true(o.f.st.parents_hits > 0);       /* the second batch read the cache */
    assert_int_equal(fixture_verify(&o.f), 0);

    /* Move a second-level objective of tree 0 under tree 1's top roll-up KR
     * (objectives are made level by level across the trees), and check in
     * on every leaf in the same batch. */
    size_t k = 2, other = 1;
    assert_true(o.obj_parent[k][0] != '\0' && o.obj_parent[other][0] == '\0');
    Okr__Request *reqs[FIXTURE_BATCH_MAX];
    Okr__Response *resps[FIXTURE_BATCH_MAX];
    size_t n = 0;
    reqs[n++] = req_unalign(&o.a, o.obj[k], o.obj_parent[k]);
    reqs[n++] = req_align(&o.a, o.obj[k], o.obj_rollup[other], 2);
    for (size_t i = 0; i < o.n_leaves; i++)
        reqs[n++] = req_checkin(&o.a, o.leaf_kr[i], 30);
    fixture_batch(&o.f, (const Okr__Request *const *)reqs, n, resps);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
    arena_reset(&o.a);
    assert_false(o.f.st.edges_changed);         /* over with the transaction */
    assert_int_equal(fixture_verify(&o.f), 0);
    checkin_every_leaf(&o, 40);                 /* the cache refilled after the commit */
    assert_int_equal(fixture_verify(&o.f), 0);

    /* A re-alignment refused at its very end, check-ins beside it and after. */
    edge_writer_fault hook = {&o.f.st, STORE_FAULT_COMMIT, false};
    o.f.st.fault = fail_the_edge_writer;
    o.f.st.fault_arg = &hook;
    n = 0;
    reqs[n++] = req_align(&o.a, o.obj[k], o.obj_rollup[0], 3);
    for (size_t i = 0; i < o.n_leaves; i++)
        reqs[n++] = req_checkin(&o.a, o.leaf_kr[i], 50);
    fixture_batch(&o.f, (const Okr__Request *const *)reqs, n, resps);
    o.f.st.fault = NULL;
    assert_true(hook.fired);
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__INTERNAL);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__OK);
    arena_reset(&o.a);
    assert_int_equal(fixture_verify(&o.f), 0);
    uint64_t hits = o.f.st.parents_hits;
    checkin_every_leaf(&o, 60);
    assert_true(o.f.st.parents_hits > hits);
    assert_int_equal(fixture_verify(&o.f), 0);

    /* A batch whose commit fails after a re-alignment and check-ins that
     * read the new edge: nothing of it may stay in the cache. */
    hook = (edge_writer_fault){&o.f.st, STORE_FAULT_SYNC, false};
    o.f.st.fault = fail_the_edge_writer;
    o.f.st.fault_arg = &hook;
    n = 0;
    reqs[n++] = req_align(&o.a, o.obj[k], o.obj_rollup[0], 3);
    for (size_t i = 0; i < o.n_leaves; i++)
        reqs[n++] = req_checkin(&o.a, o.leaf_kr[i], 70);
    fixture_batch(&o.f, (const Okr__Request *const *)reqs, n, resps);
    o.f.st.fault = NULL;
    assert_true(hook.fired);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(fixture_code(resps[i]), OKR__ERROR_CODE__INTERNAL);
    arena_reset(&o.a);
    checkin_every_leaf(&o, 80);
    assert_int_equal(fixture_verify(&o.f), 0);
    close_org(&o);
}

/* ------------------------------------------------------------ refusals */

static bool every_mutation(Okr__Request__BodyCase body) { return requests_mutates(body); }
static bool no_request(Okr__Request__BodyCase body) { (void)body; return false; }

/* Fails the first write after the store's aggregate writes pass `after`. */
typedef struct {
    const store *st;
    uint64_t after;
    bool fired;
} fail_after_aggs;

static int fail_after_agg_writes(void *arg, store_fault_op op)
{
    fail_after_aggs *h = arg;
    if (op != STORE_FAULT_WRITE || h->fired || h->st->agg_writes <= h->after)
        return 0;
    h->fired = true;
    return EIO;
}

static void test_a_refused_request_leaves_no_trace_in_the_tables(void **state)
{
    (void)state;
    org o;
    build_org(&o, 2);
    o.f.runs_flat = no_request;      /* each request in its nested transaction */
    const char *mine = o.leaf_kr[0], *other = o.leaf_kr[o.n_leaves - 1];   /* two trees */
    ok(&o, req_checkin(&o.a, other, 10), NULL);    /* something in committed already */
    okr_node mine_node;
    assert_true(okr_id_parse(mine, &mine_node));
    const MDB_dbi aggs[] = {o.f.st.agg};
    size_t before_len, after_len;
    unsigned char *before = fixture_snapshot(&o.f, aggs, 1, &before_len);
    size_t committed_before = o.f.st.wb.committed.n;

    /* The first request changes two aggregates, then its next write fails:
     * refused; the second, on the other tree, commits in the same batch. */
    fail_after_aggs hook = {&o.f.st, o.f.st.agg_writes + 2, false};
    o.f.st.fault = fail_after_agg_writes;
    o.f.st.fault_arg = &hook;
    Okr__Request *reqs[2] = {req_checkin(&o.a, mine, 90), req_checkin(&o.a, other, 20)};
    Okr__Response *resps[2];
    fixture_batch(&o.f, (const Okr__Request *const *)reqs, 2, resps);
    o.f.st.fault = NULL;
    assert_true(hook.fired);
    assert_int_equal(fixture_code(resps[0]), OKR__ERROR_CODE__INTERNAL);
    assert_int_equal(fixture_code(resps[1]), OKR__ERROR_CODE__OK);
    assert_int_equal(o.f.st.wb.pending.n, 0);
    assert_null(wb_find(&o.f.st.wb.committed, wb_key(STORE_WB_AGG, mine_node)));
    assert_int_equal(o.f.st.wb.committed.n, committed_before);   /* the same nodes moved */
    assert_int_equal(fixture_verify(&o.f), 0);

    /* Take the accepted one back: every aggregate is what it was, in the
     * tables and, after a checkpoint, in the B-tree alone. */
    ok(&o, req_checkin(&o.a, other, 10), NULL);
    unsigned char *after = fixture_snapshot(&o.f, aggs, 1, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(after);
    assert_int_equal(store_checkpoint(&o.f.st), 0);
    assert_int_equal(o.f.st.wb.committed.n, 0);
    after = fixture_snapshot(&o.f, aggs, 1, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    assert_int_equal(fixture_verify(&o.f), 0);
    free(before);
    free(after);
    close_org(&o);
}

/* ------------------------------------------------------------ long readers */

/* An import of one period whose second check-in is older than its first:
 * refused (INVALID_ARGUMENT) after it wrote the period, the objective, the
 * KR and the first check-in. */
static Okr__Request *req_import_out_of_order(arena *a)
{
    Okr__Dump *d = ARENA_NEW(a, Okr__Dump, OKR__DUMP__INIT);
    d->has_version = true;
    d->version = 1;
    Okr__Period *p = ARENA_NEW(a, Okr__Period, OKR__PERIOD__INIT);
    p->name = "2026-Q3";
    p->start = "2026-07-01";
    p->end = "2026-09-30";
    Okr__Objective *o = ARENA_NEW(a, Okr__Objective, OKR__OBJECTIVE__INIT);
    o->id = "O900";
    o->title = "imported";
    o->period = "2026-Q3";
    Okr__KeyResult *k = ARENA_NEW(a, Okr__KeyResult, OKR__KEY_RESULT__INIT);
    k->id = "K900";
    k->objective = "O900";
    k->title = "imported metric";
    k->has_start = k->has_target = true;
    k->target = 100;
    Okr__CheckIn **c = ARENA_ARRAY(a, Okr__CheckIn *, 2);
    for (int i = 0; i < 2; i++) {
        c[i] = ARENA_NEW(a, Okr__CheckIn, OKR__CHECK_IN__INIT);
        c[i]->kr = "K900";
        c[i]->has_time = c[i]->has_value = true;
        c[i]->time = (INT64_C(1786000000) - i * 86400) * 1000000;   /* August, then earlier */
        c[i]->value = 10 + i;
        c[i]->author = "tester";
    }
    d->n_periods = d->n_objectives = d->n_key_results = 1;
    d->periods = ARENA_ARRAY(a, Okr__Period *, 1);
    d->periods[0] = p;
    d->objectives = ARENA_ARRAY(a, Okr__Objective *, 1);
    d->objectives[0] = o;
    d->key_results = ARENA_ARRAY(a, Okr__KeyResult *, 1);
    d->key_results[0] = k;
    d->n_checkins = 2;
    d->checkins = c;
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_IMPORT_DATA);
    r->import_data = ARENA_NEW(a, Okr__Import, OKR__IMPORT__INIT);
    r->import_data->dump = d;
    return r;
}

/* A check-in runs in the batch's transaction, without a nested one
 * (dispatch_validates_first). Over the mixed workload — refused check-ins,
 * edits, archives, re-alignments, deletions — every batch leaves the codes
 * and the state of running each request nested, and no batch had to run
 * again (a refused check-in that had written would make it); the same with
 * every mutation run flat. Then, every mutation flat, an import refused
 * after it wrote sends its batch round again nested: refused alone, the
 * check-in beside it commits, the state is the nested one's. A write that
 * fails inside a flat check-in fails the batch, like a failed commit. */
static void test_a_checkin_without_a_nested_transaction_leaves_the_same_state(void **state)
{
    (void)state;
    for (int all = 0; all < 2; all++) {
        org flat, nested;
        build_org(&flat, 2);
        build_org(&nested, 2);
        flat.f.runs_flat = all ? every_mutation : NULL;
        nested.f.runs_flat = no_request;
        uint64_t rng_a = 7, rng_b = 7;
        for (int batch = 0; batch < 60; batch++)
            twin_batch(&flat, &nested, 1 + (size_t)batch % 8, &rng_a, &rng_b, true);
        assert_int_equal(flat.f.nested_reruns, 0);
        if (all) {
            Okr__Response *pa[2], *pb[2];
            Okr__Request *ra[2] = {req_import_out_of_order(&flat.a),
                                   req_checkin(&flat.a, flat.leaf_kr[0], 33)};
            Okr__Request *rb[2] = {req_import_out_of_order(&nested.a),
                                   req_checkin(&nested.a, nested.leaf_kr[0], 33)};
            fixture_batch(&flat.f, (const Okr__Request *const *)ra, 2, pa);
            fixture_batch(&nested.f, (const Okr__Request *const *)rb, 2, pb);
            assert_int_equal(flat.f.nested_reruns, 1);
            for (int i = 0; i < 2; i++)
                assert_int_equal(fixture_code(pa[i]), fixture_code(pb[i]));
            assert_int_equal(fixture_code(pa[0]), OKR__ERROR_CODE__INVALID_ARGUMENT);
            assert_int_equal(fixture_code(pa[1]), OKR__ERROR_CODE__OK);
            size_t la, lb;
            unsigned char *a = state_of(&flat, &la), *b = state_of(&nested, &lb);
            assert_int_equal(la, lb);
            assert_memory_equal(a, b, la);
            free(a);
            free(b);
        }
        assert_int_equal(nested.f.nested_reruns, 0);
        assert_int_equal(fixture_verify(&flat.f), 0);
        close_org(&flat);
        close_org(&nested);
    }

    org o;
    build_org(&o, 2);
    uint64_t seq = o.f.last_seq;
    size_t before_len, after_len;
    unsigned char *before = state_of(&o, &before_len);
    fail_after_aggs hook = {&o.f.st, o.f.st.agg_writes + 2, false};
    o.f.st.fault = fail_after_agg_writes;
    o.f.st.fault_arg = &hook;
    Okr__Request *reqs[2] = {req_checkin(&o.a, o.leaf_kr[0], 90),
                             req_checkin(&o.a, o.leaf_kr[o.n_leaves - 1], 20)};
    Okr__Response *resps[2];
    fixture_batch(&o.f, (const Okr__Request *const *)reqs, 2, resps);
    o.f.st.fault = NULL;
    assert_true(hook.fired);
    assert_int_equal(o.f.batch_rc, EIO);
    assert_int_equal(fixture_code(resps[0]), store_error_code(EIO));
    assert_int_equal(fixture_code(resps[1]), store_error_code(EIO));
    assert_int_equal(o.f.nested_reruns, 0);
    assert_int_equal(o.f.last_seq, seq);
    unsigned char *after = state_of(&o, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    assert_int_equal(fixture_verify(&o.f), 0);
    close_org(&o);
}

static void test_a_reader_keeps_the_state_it_began_in(void **state)
{
    (void)state;
    org o;
    build_org(&o, 1);
    ok(&o, req_checkin(&o.a, o.leaf_kr[0], 50), NULL);
    okr_node kr;
    assert_true(okr_id_parse(o.leaf_kr[0], &kr));
    arena mem;
    arena_init(&mem);
    store_reader r = {0};
    store_txn_begin(&r.txn, &o.f.st, NULL, false, &mem);
    store_reader_link(&o.f.st, &r);
    int64_t seen = 0;
    for (int i = 0; i < 3; i++) {
        ok(&o, req_checkin(&o.a, o.leaf_kr[0], 10 * i), NULL);
        if (i == 1)
            assert_int_equal(store_checkpoint(&o.f.st), 0);
        store_agg a;
        assert_true(store_get_agg(&r.txn, kr, &a));
        if (i == 0)
            seen = a.score;
        assert_int_equal(a.score, 500000);     /* 50 of 0 -> 100, as when it began */
        assert_int_equal(a.score, seen);
    }
    store_reader_end(&o.f.st, &r);
    arena_free(&mem);
    assert_int_equal(fixture_score(&o.f, o.leaf_kr[0]), 200000);
    close_org(&o);
}

/* The raw API (store_get, which handlers like `due` use to read records
 * without unpacking them into the batch's arena) sees what is written
 * behind, as store_get_kr does: the KR record after a check-in, before any
 * checkpoint. Found when `okr due` read every KR as never checked in. */
static void test_a_raw_read_sees_the_record_written_behind(void **state)
{
    (void)state;
    org o;
    build_org(&o, 1);
    ok(&o, req_checkin(&o.a, o.leaf_kr[0], 50), NULL);
    okr_node kr;
    assert_true(okr_id_parse(o.leaf_kr[0], &kr));
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &o.f.st, NULL, false, &mem);
    unsigned char key[4];
    okr_put_be32(key, kr);
    MDB_val v;
    assert_true(store_get(&t, o.f.st.krs, key, sizeof key, &v));
    Okr__KeyResult *rec = okr__key_result__unpack(NULL, v.mv_size, v.mv_data);
    assert_non_null(rec);
    assert_true(rec->has_current);
    assert_true(rec->current == 50.0);
    assert_int_equal(rec->checkins, 1);
    okr__key_result__free_unpacked(rec, NULL);
    store_txn_abort(&t);
    arena_free(&mem);
    close_org(&o);
}

/* ------------------------------------------------------------ flat cost */

/* Pages rewritten per check-in, over `batches` batches of 32 on o. */
static double pages_per_checkin(org *o, int batches)
{
    uint64_t rng = 12345, pages = 0;
    checkin_batch(o, 32, &rng);               /* warm: first check-ins create history */
    for (int b = 0; b < batches; b++)
        pages += checkin_batch(o, 32, &rng);
    return (double)pages / (batches * 32.0);
}

static void test_a_checkin_rewrites_as_many_pages_in_a_large_organisation(void **state)
{
    (void)state;
    org small, large;
    build_org(&small, 2);       /* 2 x 15 objectives x 3 nodes */
    build_org(&large, 64);      /* 32 times as many nodes */
    double s = pages_per_checkin(&small, 8), l = pages_per_checkin(&large, 8);
    print_message("pages rewritten per check-in: %.2f at %zu nodes, %.2f at %zu nodes "
                  "(checkpoints %llu)\n", s, small.trees * TREE_OBJECTIVES * 3, l,
                  large.trees * TREE_OBJECTIVES * 3,
                  (unsigned long long)large.f.st.wb.checkpoints);
    assert_int_equal(large.f.st.wb.checkpoints, 0);
    assert_true(l <= 1.25 * s + 0.1);
    assert_int_equal(fixture_verify(&large.f), 0);
    close_org(&small);
    close_org(&large);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_tables_agree_with_a_plain_array),
        cmocka_unit_test(test_a_small_table_keeps_short_values_in_its_slots),
        cmocka_unit_test(test_a_table_grown_to_huge_slots_keeps_every_entry),
        cmocka_unit_test(test_the_sweep_sorts_its_keys_like_qsort),
        cmocka_unit_test(test_a_checkin_without_a_nested_transaction_leaves_the_same_state),
        cmocka_unit_test(test_a_crash_before_the_checkpoint_replays_to_the_recomputed_scores),
        cmocka_unit_test(test_a_crash_while_sweeping_replays_to_the_recomputed_scores),
        cmocka_unit_test(test_write_behind_leaves_the_state_of_writing_through),
        cmocka_unit_test(test_the_sweep_keeps_the_log_under_the_limits_without_a_checkpoint),
        cmocka_unit_test(test_a_crash_after_any_commit_replays_to_the_live_state),
        cmocka_unit_test(test_the_parents_cache_follows_edges_and_forgets_a_refused_one),
        cmocka_unit_test(test_a_refused_request_leaves_no_trace_in_the_tables),
        cmocka_unit_test(test_a_reader_keeps_the_state_it_began_in),
        cmocka_unit_test(test_a_raw_read_sees_the_record_written_behind),
        cmocka_unit_test(test_a_checkin_rewrites_as_many_pages_in_a_large_organisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
