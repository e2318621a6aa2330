/* server_fixture.h — run okrd's real group commit (server/batch_core.c,
 * the very code okrd's batch.c calls) on a store in a temporary directory,
 * without sockets: each request is packed into a frame, as a client sends
 * it, and the batch of frames goes through core_run — nested transactions,
 * dedup, the reply bound, the MDB_MAP_FULL redo and the refuse-all of a
 * failed commit included. Time is the fixture's: request i of a batch runs
 * at f->now + i s (the clock hook of core_ctx).
 *
 * For server-side unit tests only (test_store, test_rollup, test_property,
 * test_faults, ...): it needs libserver.a, which the end-to-end tests do not
 * link, so the code lives in this header and is compiled into exactly one
 * place per test program — the file that defines
 * SERVER_FIXTURE_IMPLEMENTATION before including it. (A .c file in
 * tests/lib would be linked into every e2e binary too, and fail there for
 * want of libserver.a.)
 *
 * Responses and everything they point to live in the fixture's arena and
 * stay valid until the next fixture_do/fixture_batch. */
#ifndef OKR_TEST_SERVER_FIXTURE_H
#define OKR_TEST_SERVER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "batch_core.h"
#include "commands.h"
#include "dedup.h"
#include "okr.pb-c.h"
#include "store.h"

#define FIXTURE_BATCH_MAX 256

typedef struct {
    char dir[256];            /* mkdtemp directory holding the environment */
    store st;
    arena mem;                /* one batch's allocations (like okrd's) */
    arena frames;             /* one batch's packed requests (the raw frames) */
    uint64_t last_seq;        /* last committed event seq */
    int64_t now;              /* request time: advances 1 s per request */
    const char *actor;        /* the caller ("tester"); NULL: local mode, as okrd
                                 without --secure (Request.user, else "local"; admin) */
    okr_role role;            /* the caller's role (admin after fixture_open) */
    unsigned map_grows;       /* times a batch hit MDB_MAP_FULL and was redone */
    int batch_rc;             /* the last batch: 0, or the storage failure that refused it */
    bool quiet;               /* no mismatch lines from fixture_verify */
    const dedup_window *dedup;   /* the reply cache's window; NULL: okrd's */
    bool (*runs_flat)(Okr__Request__BodyCase body);  /* core_ctx's; NULL: okrd's */
    unsigned nested_reruns;   /* batches run again nested (a refused flat request wrote) */
} fixture;

/* Make a temporary directory and open a fresh store there with map_size
 * (0: STORE_DEFAULT_MAP_SIZE). Returns 0, or -1 after printing why. */
int fixture_open(fixture *f, size_t map_size);
/* A fixture with an arena for the requests under construction, made and
 * freed by cmocka: fixture_env_setup / fixture_env_teardown as a test's
 * setup and teardown leave a fixture_env * in *state. */
typedef struct {
    fixture f;
    arena a;
} fixture_env;
int fixture_env_setup(void **state);
int fixture_env_teardown(void **state);
/* Close the store and remove the directory. */
void fixture_close(fixture *f);

/* Run one request as a batch of one. Returns the response's error code (OK
 * on success); *resp (when resp != NULL) is the response. */
Okr__ErrorCode fixture_do(fixture *f, const Okr__Request *req, Okr__Response **resp);
/* Run n requests as one group-committed batch; resps[i] answers reqs[i]. */
void fixture_batch(fixture *f, const Okr__Request *const *reqs, size_t n,
                   Okr__Response **resps);
/* The same with a sender per request (secure mode: actors[i] with
 * roles[i]), as when several users' requests share one group commit. */
void fixture_batch_as(fixture *f, const Okr__Request *const *reqs, const char *const *actors,
                      const okr_role *roles, size_t n, Okr__Response **resps);
/* The error code of a response (OK when it has none). */
Okr__ErrorCode fixture_code(const Okr__Response *resp);

/* Overwrite objective id's record with bytes that do not parse, behind the
 * handlers' back: a request that reads it is refused (INTERNAL), so a test
 * can show what a request does not read. Returns the commit's status. */
int fixture_damage_objective(fixture *f, okr_node id);

/* rollup_verify on the committed state; prints every difference (unless
 * quiet) and returns their number (a storage failure counts as one). */
size_t fixture_verify(fixture *f);

/* Stored score of a node ("O3", "K7"); -1 when it has no aggregate. */
int64_t fixture_score(fixture *f, const char *id);
/* The stored aggregate of a node; false when absent. */
bool fixture_agg(fixture *f, const char *id, store_agg *out);
/* True when the edge child -> parent exists (weight in *weight when not NULL). */
bool fixture_edge(fixture *f, const char *child, const char *parent, uint32_t *weight);
/* store_last_seq of the committed state. */
uint64_t fixture_last_seq(fixture *f);

/* Every key and value of the given databases, in order, as one malloc'd
 * buffer (*len bytes): for byte-for-byte before/after comparisons. */
unsigned char *fixture_snapshot(fixture *f, const MDB_dbi *dbis, size_t n_dbis, size_t *len);
/* The same of any open store (a copy reopened, say). */
unsigned char *fixture_snapshot_store(store *st, const MDB_dbi *dbis, size_t n_dbis, size_t *len);
/* Snapshot of every database of the store. */
unsigned char *fixture_snapshot_all(fixture *f, size_t *len);

/* mkdtemp under $TMPDIR or /tmp into buf (>= 256 bytes); 0 or -1. */
int fixture_mkdtemp(char *buf, size_t len);
/* Remove a directory tree (the store's files). */
void fixture_rmtree(const char *dir);

/* ---- request builders ----
 * Each returns a Request (version set) allocated with its strings in arena a;
 * a weight of 0 means "not given" (the server's default 1). */
Okr__Request *req_new(arena *a, Okr__Request__BodyCase body);
Okr__Request *req_period_add(arena *a, const char *name, const char *start, const char *end);
Okr__Request *req_period_close(arena *a, const char *name, bool reopen);
Okr__Request *req_team_add(arena *a, const char *name);
/* parents/weights: n entries (weights may be NULL). */
Okr__Request *req_objective_add(arena *a, const char *title, const char *period, size_t n,
                                const char *const *parents, const uint32_t *weights);
Okr__Request *req_objective_get(arena *a, const char *id);
Okr__Request *req_align(arena *a, const char *child, const char *parent, uint32_t weight);
Okr__Request *req_unalign(arena *a, const char *child, const char *parent);
Okr__Request *req_archive(arena *a, const char *id, bool restore);
Okr__Request *req_objective_delete(arena *a, const char *id);
/* A copy of kr (its strings too) as the body of a KeyResultAdd. */
Okr__Request *req_kr_add(arena *a, const Okr__KeyResult *kr);
Okr__Request *req_kr_add_metric(arena *a, const char *objective, double start, double target,
                                uint32_t weight);
/* A copy of edit (its strings too) as the body of a KeyResultEdit. */
Okr__Request *req_kr_edit(arena *a, const Okr__KeyResultEdit *edit);
Okr__Request *req_kr_get(arena *a, const char *id);
Okr__Request *req_kr_delete(arena *a, const char *id);
Okr__Request *req_checkin(arena *a, const char *kr, double value);
Okr__Request *req_history(arena *a, const char *kr, uint32_t limit);

#endif

/* ====================================================================== */

#ifdef SERVER_FIXTURE_IMPLEMENTATION
#undef SERVER_FIXTURE_IMPLEMENTATION

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "rollup.h"
#include "score.h"
#include "text.h"

/* 2026-10-15 12:00:00 UTC: inside the periods the tests create. */
#define FIXTURE_START_US (INT64_C(1792065600) * 1000000)

int fixture_mkdtemp(char *buf, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if ((size_t)snprintf(buf, len, "%s/okr-unit.XXXXXX", tmp) >= len)
        return -1;
    if (mkdtemp(buf) == NULL) {
        fprintf(stderr, "fixture: mkdtemp %s: %s\n", buf, strerror(errno));
        return -1;
    }
    return 0;
}

static int fixture_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

void fixture_rmtree(const char *dir)
{
    if (dir && dir[0] && !getenv("OKR_TEST_KEEP"))
        nftw(dir, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fixture_open(fixture *f, size_t map_size)
{
    char err[512];
    memset(f, 0, sizeof *f);
    if (fixture_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -1;
    if (store_open(&f->st, f->dir, map_size ? map_size : STORE_DEFAULT_MAP_SIZE, true, err,
                   sizeof err) != 0) {
        fprintf(stderr, "fixture: %s\n", err);
        fixture_rmtree(f->dir);
        return -1;
    }
    arena_init(&f->mem);
    arena_init(&f->frames);
    f->now = FIXTURE_START_US;
    f->actor = "tester";
    f->role = OKR_ROLE_ADMIN;
    return 0;
}

int fixture_env_setup(void **state)
{
    fixture_env *e = calloc(1, sizeof *e);
    if (e == NULL || fixture_open(&e->f, 0) != 0) {
        free(e);
        return -1;
    }
    arena_init(&e->a);
    *state = e;
    return 0;
}

int fixture_env_teardown(void **state)
{
    fixture_env *e = *state;
    fixture_close(&e->f);
    arena_free(&e->a);
    free(e);
    return 0;
}

void fixture_close(fixture *f)
{
    store_close(&f->st);
    if (f->mem.head)
        arena_free(&f->mem);
    if (f->frames.head)
        arena_free(&f->frames);
    fixture_rmtree(f->dir);
    f->dir[0] = '\0';
}

Okr__ErrorCode fixture_code(const Okr__Response *resp)
{
    if (resp == NULL)
        return OKR__ERROR_CODE__INTERNAL;
    return resp->error && resp->error->has_code ? resp->error->code : OKR__ERROR_CODE__OK;
}

/* core_ctx's clock: request i of the batch at the batch's start + i s. */
static int64_t fixture_clock(void *arg, size_t i)
{
    const int64_t *start = arg;
    return *start + (int64_t)i * 1000000;
}

/* Each request packed into a frame in f->frames, as a client sends it. */
static core_item *fixture_frames(fixture *f, const Okr__Request *const *reqs, size_t n)
{
    core_item *items = ARENA_ARRAY(&f->frames, core_item, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        memset(&items[i], 0, sizeof items[i]);
        size_t len = protobuf_c_message_get_packed_size(&reqs[i]->base);
        void *buf = arena_alloc(&f->frames, len ? len : 1);
        protobuf_c_message_pack(&reqs[i]->base, buf);
        items[i].data = buf;
        items[i].len = len;
        items[i].actor = f->actor;
        items[i].role = f->role;
    }
    return items;
}

void fixture_batch(fixture *f, const Okr__Request *const *reqs, size_t n,
                   Okr__Response **resps)
{
    fixture_batch_as(f, reqs, NULL, NULL, n, resps);
}

void fixture_batch_as(fixture *f, const Okr__Request *const *reqs, const char *const *actors,
                      const okr_role *roles, size_t n, Okr__Response **resps)
{
    int64_t now = f->now;
    f->now += (int64_t)n * 1000000;
    arena_reset(&f->frames);
    core_item *items = fixture_frames(f, reqs, n);   /* reqs may live in f->mem */
    for (size_t i = 0; actors && i < n; i++) {
        items[i].actor = actors[i];
        items[i].role = roles[i];
    }
    arena_reset(&f->mem);
    core_ctx ctx = {
        .st = &f->st,
        .health = &score_default_health,
        .last_seq = f->last_seq,
        .started_at = FIXTURE_START_US,
        .dedup = f->dedup,
        .runs_flat = f->runs_flat,
        .clock = fixture_clock,
        .clock_arg = &now,
    };
    f->batch_rc = core_run(&ctx, items, n, &f->mem);
    f->map_grows += ctx.map_grows;
    f->nested_reruns += ctx.nested_reruns;
    f->last_seq = ctx.last_seq;
    for (size_t i = 0; i < n; i++)
        resps[i] = items[i].response;
}

Okr__ErrorCode fixture_do(fixture *f, const Okr__Request *req, Okr__Response **resp)
{
    Okr__Response *r = NULL;
    fixture_batch(f, &req, 1, &r);
    if (resp)
        *resp = r;
    return fixture_code(r);
}

int fixture_damage_objective(fixture *f, okr_node id)
{
    static const unsigned char bad[] = {0x0a, 0xff};   /* field 1, 255 bytes: cut short */
    unsigned char key[4];
    okr_put_be32(key, id);
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f->st, NULL, true, &mem);
    store_put(&t, f->st.objectives, key, sizeof key, bad, sizeof bad);
    int rc = store_txn_commit(&t);
    arena_free(&mem);
    return rc;
}

static void fixture_print_mismatch(void *ctx, okr_node node, const char *what,
                                   int64_t stored, int64_t expected)
{
    fixture *f = ctx;
    char id[OKR_ID_BUF];
    if (!f->quiet)
        fprintf(stderr, "verify: %s %s: stored %lld, recomputed %lld\n",
                okr_id_format(node, id), what, (long long)stored, (long long)expected);
}

size_t fixture_verify(fixture *f)
{
    int rc = 0;
    size_t n = rollup_verify(&f->st, fixture_print_mismatch, f, &rc);
    if (rc) {
        fprintf(stderr, "verify: storage error %s\n", store_strerror(rc));
        n++;
    }
    return n;
}

bool fixture_agg(fixture *f, const char *id, store_agg *out)
{
    okr_node node;
    if (!okr_id_parse(id, &node))
        return false;
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f->st, NULL, false, &mem);
    bool found = store_get_agg(&t, node, out);
    store_txn_abort(&t);
    arena_free(&mem);
    return found;
}

int64_t fixture_score(fixture *f, const char *id)
{
    store_agg a;
    return fixture_agg(f, id, &a) ? a.score : -1;
}

bool fixture_edge(fixture *f, const char *child, const char *parent, uint32_t *weight)
{
    okr_node c, p;
    if (!okr_id_parse(child, &c) || !okr_id_parse(parent, &p))
        return false;
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f->st, NULL, false, &mem);
    bool found = store_get_edge(&t, c, p, weight);
    store_txn_abort(&t);
    arena_free(&mem);
    return found;
}

uint64_t fixture_last_seq(fixture *f)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f->st, NULL, false, &mem);
    uint64_t seq = store_last_seq(&t);
    store_txn_abort(&t);
    arena_free(&mem);
    return seq;
}

typedef struct {
    unsigned char *buf;
    size_t len, cap;
} fixture_bytes;

static void fixture_bytes_add(fixture_bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->buf = realloc(b->buf, cap);
        if (b->buf == NULL)
            abort();
        b->cap = cap;
    }
    if (n)
        memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static bool fixture_snapshot_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
    fixture_bytes *b = ctx;
    uint64_t kl = key->mv_size, vl = val->mv_size;
    fixture_bytes_add(b, &kl, sizeof kl);
    fixture_bytes_add(b, key->mv_data, key->mv_size);
    fixture_bytes_add(b, &vl, sizeof vl);
    fixture_bytes_add(b, val->mv_data, val->mv_size);
    return true;
}

unsigned char *fixture_snapshot(fixture *f, const MDB_dbi *dbis, size_t n_dbis, size_t *len)
{
    return fixture_snapshot_store(&f->st, dbis, n_dbis, len);
}

unsigned char *fixture_snapshot_store(store *st, const MDB_dbi *dbis, size_t n_dbis, size_t *len)
{
    fixture_bytes b = {0};
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, st, NULL, false, &mem);
    for (size_t i = 0; i < n_dbis; i++) {
        uint64_t marker = UINT64_MAX - i;       /* keeps databases apart */
        fixture_bytes_add(&b, &marker, sizeof marker);
        store_foreach(&t, dbis[i], fixture_snapshot_one, &b);
    }
    if (t.rc)
        fprintf(stderr, "fixture: snapshot failed: %s\n", store_strerror(t.rc));
    store_txn_abort(&t);
    arena_free(&mem);
    fixture_bytes_add(&b, "", 0);
    *len = b.len;
    return b.buf ? b.buf : calloc(1, 1);
}

unsigned char *fixture_snapshot_all(fixture *f, size_t *len)
{
    const MDB_dbi all[] = {f->st.meta, f->st.periods, f->st.teams, f->st.objectives,
                           f->st.krs, f->st.up, f->st.down, f->st.agg, f->st.checkins,
                           f->st.events, f->st.by_period, f->st.by_team, f->st.by_owner,
                           f->st.replies};
    return fixture_snapshot(f, all, sizeof all / sizeof all[0], len);
}

/* ------------------------------------------------------------ builders */

static char *fixture_str(arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

Okr__Request *req_new(arena *a, Okr__Request__BodyCase body)
{
    Okr__Request *r = ARENA_NEW(a, Okr__Request, OKR__REQUEST__INIT);
    r->has_version = true;
    r->version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    r->body_case = body;
    return r;
}

Okr__Request *req_period_add(arena *a, const char *name, const char *start, const char *end)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_PERIOD_ADD);
    r->period_add = ARENA_NEW(a, Okr__PeriodAdd, OKR__PERIOD_ADD__INIT);
    r->period_add->period = ARENA_NEW(a, Okr__Period, OKR__PERIOD__INIT);
    r->period_add->period->name = fixture_str(a, name);
    r->period_add->period->start = fixture_str(a, start);
    r->period_add->period->end = fixture_str(a, end);
    return r;
}

Okr__Request *req_period_close(arena *a, const char *name, bool reopen)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_PERIOD_CLOSE);
    r->period_close = ARENA_NEW(a, Okr__PeriodClose, OKR__PERIOD_CLOSE__INIT);
    r->period_close->name = fixture_str(a, name);
    r->period_close->has_reopen = reopen;
    r->period_close->reopen = reopen;
    return r;
}

Okr__Request *req_team_add(arena *a, const char *name)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_TEAM_ADD);
    r->team_add = ARENA_NEW(a, Okr__TeamAdd, OKR__TEAM_ADD__INIT);
    r->team_add->team = ARENA_NEW(a, Okr__Team, OKR__TEAM__INIT);
    r->team_add->team->name = fixture_str(a, name);
    return r;
}

Okr__Request *req_objective_add(arena *a, const char *title, const char *period, size_t n,
                                const char *const *parents, const uint32_t *weights)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_ADD);
    Okr__ObjectiveAdd *add = ARENA_NEW(a, Okr__ObjectiveAdd, OKR__OBJECTIVE_ADD__INIT);
    add->objective = ARENA_NEW(a, Okr__Objective, OKR__OBJECTIVE__INIT);
    add->objective->title = fixture_str(a, title);
    add->objective->period = fixture_str(a, period);
    add->n_align_to = n;
    add->align_to = ARENA_ARRAY(a, Okr__Alignment *, n);
    for (size_t i = 0; i < n; i++) {
        Okr__Alignment *al = ARENA_NEW(a, Okr__Alignment, OKR__ALIGNMENT__INIT);
        al->parent = fixture_str(a, parents[i]);
        if (weights && weights[i]) {
            al->has_weight = true;
            al->weight = weights[i];
        }
        add->align_to[i] = al;
    }
    r->objective_add = add;
    return r;
}

Okr__Request *req_objective_get(arena *a, const char *id)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_GET);
    r->objective_get = ARENA_NEW(a, Okr__ObjectiveGet, OKR__OBJECTIVE_GET__INIT);
    r->objective_get->id = fixture_str(a, id);
    return r;
}

Okr__Request *req_align(arena *a, const char *child, const char *parent, uint32_t weight)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_ALIGN);
    r->align = ARENA_NEW(a, Okr__Align, OKR__ALIGN__INIT);
    Okr__Alignment *al = ARENA_NEW(a, Okr__Alignment, OKR__ALIGNMENT__INIT);
    al->child = fixture_str(a, child);
    al->parent = fixture_str(a, parent);
    if (weight) {
        al->has_weight = true;
        al->weight = weight;
    }
    r->align->alignment = al;
    return r;
}

Okr__Request *req_unalign(arena *a, const char *child, const char *parent)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_UNALIGN);
    r->unalign = ARENA_NEW(a, Okr__Unalign, OKR__UNALIGN__INIT);
    r->unalign->child = fixture_str(a, child);
    r->unalign->parent = fixture_str(a, parent);
    return r;
}

Okr__Request *req_archive(arena *a, const char *id, bool restore)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_ARCHIVE);
    r->objective_archive = ARENA_NEW(a, Okr__ObjectiveArchive, OKR__OBJECTIVE_ARCHIVE__INIT);
    r->objective_archive->id = fixture_str(a, id);
    r->objective_archive->has_restore = restore;
    r->objective_archive->restore = restore;
    return r;
}

Okr__Request *req_objective_delete(arena *a, const char *id)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_DELETE);
    r->objective_delete = ARENA_NEW(a, Okr__ObjectiveDelete, OKR__OBJECTIVE_DELETE__INIT);
    r->objective_delete->id = fixture_str(a, id);
    return r;
}

Okr__Request *req_kr_add(arena *a, const Okr__KeyResult *kr)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_KR_ADD);
    r->kr_add = ARENA_NEW(a, Okr__KeyResultAdd, OKR__KEY_RESULT_ADD__INIT);
    Okr__KeyResult *k = arena_dup(a, kr, sizeof *kr);
    k->id = fixture_str(a, kr->id);
    k->objective = fixture_str(a, kr->objective);
    k->title = fixture_str(a, kr->title);
    k->unit = fixture_str(a, kr->unit);
    k->owner = fixture_str(a, kr->owner);
    r->kr_add->kr = k;
    return r;
}

Okr__Request *req_kr_add_metric(arena *a, const char *objective, double start, double target,
                                uint32_t weight)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = "a metric key result";
    kr.has_kind = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.has_start = kr.has_target = true;
    kr.start = start;
    kr.target = target;
    kr.has_weight = weight != 0;
    kr.weight = weight;
    return req_kr_add(a, &kr);
}

Okr__Request *req_kr_edit(arena *a, const Okr__KeyResultEdit *edit)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_KR_EDIT);
    Okr__KeyResultEdit *e = arena_dup(a, edit, sizeof *edit);
    e->id = fixture_str(a, edit->id);
    e->title = fixture_str(a, edit->title);
    e->unit = fixture_str(a, edit->unit);
    e->owner = fixture_str(a, edit->owner);
    r->kr_edit = e;
    return r;
}

Okr__Request *req_kr_get(arena *a, const char *id)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_KR_GET);
    r->kr_get = ARENA_NEW(a, Okr__KeyResultGet, OKR__KEY_RESULT_GET__INIT);
    r->kr_get->id = fixture_str(a, id);
    return r;
}

Okr__Request *req_kr_delete(arena *a, const char *id)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_KR_DELETE);
    r->kr_delete = ARENA_NEW(a, Okr__KeyResultDelete, OKR__KEY_RESULT_DELETE__INIT);
    r->kr_delete->id = fixture_str(a, id);
    return r;
}

Okr__Request *req_checkin(arena *a, const char *kr, double value)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_CHECKIN);
    r->checkin = ARENA_NEW(a, Okr__CheckInAdd, OKR__CHECK_IN_ADD__INIT);
    r->checkin->kr = fixture_str(a, kr);
    r->checkin->has_value = true;
    r->checkin->value = value;
    return r;
}

Okr__Request *req_history(arena *a, const char *kr, uint32_t limit)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_HISTORY);
    r->history = ARENA_NEW(a, Okr__History, OKR__HISTORY__INIT);
    r->history->kr = fixture_str(a, kr);
    r->history->has_limit = limit != 0;
    r->history->limit = limit;
    return r;
}

#endif /* SERVER_FIXTURE_IMPLEMENTATION */
