/* test_snapshot.c — paged snapshots and filtered, bounded replays against a
 * real okrd (docs/protocol.md, "Paged snapshots" and "Replay").
 *
 * A store larger than one page is cloned by client/monitor.c page by page
 * and must equal what was written; writes between pages must not leak into
 * the snapshot (every page is one read transaction's state), and a monitor
 * that applies the events after it must end equal to a fresh snapshot. A
 * replay filtered by node returns only that node's events and says which
 * range it covered; a replay of more than about 1 MiB is split. Stores are
 * filled through the real protocol, requests pipelined so okrd's group
 * commit takes hundreds per transaction. The shell's completion cache
 * (client/cache.c) follows the same events: it reads again only what an
 * event names, and ends equal to a cache read whole. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cache.h"
#include "harness.h"
#include "monitor.h"
#include "okr_limits.h"

#define DEADLINE_MS 60000
#define PIPELINE 200
#define BIG_ORG 3000            /* objectives (and as many KRs) with long titles */
#define ALIGNED 20              /* O2..O21 align to K1, a roll-up KR of O1 */

/* ------------------------------------------------------------ requests */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fill_envelope(struct harness_server *s, Okr__Request *req)
{
    req->has_version = req->has_request_id = true;
    req->version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    req->request_id = ++s->next_request_id;
}

/* Send n requests made by make(ctx, i, req) without waiting, PIPELINE at a
 * time, and assert every reply is a success. */
typedef void (*make_fn)(void *ctx, size_t i, Okr__Request *req);

static void pipeline(struct harness_server *s, size_t n, make_fn make, void *ctx)
{
    for (size_t done = 0; done < n;) {
        size_t batch = n - done < PIPELINE ? n - done : PIPELINE;
        for (size_t i = 0; i < batch; i++) {
            Okr__Request req = OKR__REQUEST__INIT;
            make(ctx, done + i, &req);
            fill_envelope(s, &req);
            uint8_t buf[8192];
            size_t len = okr__request__get_packed_size(&req);
            assert_true(len <= sizeof buf);
            okr__request__pack(&req, buf);
            assert_int_equal(harness_send_raw(s, buf, len, false), 0);
        }
        for (size_t i = 0; i < batch; i++) {
            Okr__Response *r = NULL;
            assert_int_equal(harness_recv_raw(s, 10000, &r), 1);
            assert_non_null(r);
            if (harness_error_code(r) != OKR__ERROR_CODE__OK)
                fail_msg("request refused: %s", r->error->message);
            okr__response__free_unpacked(r, NULL);
        }
        done += batch;
    }
}

static void long_title(char *buf, size_t len, const char *kind, size_t i)
{
    int n = snprintf(buf, len, "%s %zu ", kind, i);
    memset(buf + n, 'x', 190 - (size_t)n);
    buf[190] = '\0';
}

typedef struct {
    char title[256];
    char id[16], parent[16];
    Okr__ObjectiveAdd oadd;
    Okr__Objective obj;
    Okr__KeyResultAdd kadd;
    Okr__KeyResult kr;
    Okr__Align align;
    Okr__Alignment alignment;
    Okr__CheckInAdd checkin;
    const char *note;
} builder;

static void make_objective(void *ctx, size_t i, Okr__Request *req)
{
    builder *b = ctx;
    okr__objective_add__init(&b->oadd);
    okr__objective__init(&b->obj);
    long_title(b->title, sizeof b->title, "Objective", i + 1);
    b->obj.title = b->title;
    b->obj.period = "2026-Q4";
    b->oadd.objective = &b->obj;
    req->body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req->objective_add = &b->oadd;
}

/* K<i+1> on O<i+1>: K1 a roll-up, the others metrics 0 -> 10. */
static void make_kr(void *ctx, size_t i, Okr__Request *req)
{
    builder *b = ctx;
    okr__key_result_add__init(&b->kadd);
    okr__key_result__init(&b->kr);
    long_title(b->title, sizeof b->title, "Result", i + 1);
    snprintf(b->id, sizeof b->id, "O%zu", i + 1);
    b->kr.objective = b->id;
    b->kr.title = b->title;
    b->kr.has_kind = true;
    b->kr.kind = i == 0 ? OKR__KR_KIND__ROLLUP : OKR__KR_KIND__METRIC;
    b->kr.has_start = b->kr.has_target = i != 0;
    b->kr.start = 0;
    b->kr.target = 10;
    b->kadd.kr = &b->kr;
    req->body_case = OKR__REQUEST__BODY_KR_ADD;
    req->kr_add = &b->kadd;
}

/* O<i+2> -> K1. */
static void make_align(void *ctx, size_t i, Okr__Request *req)
{
    builder *b = ctx;
    okr__align__init(&b->align);
    okr__alignment__init(&b->alignment);
    snprintf(b->id, sizeof b->id, "O%zu", i + 2);
    b->alignment.child = b->id;
    b->alignment.parent = "K1";
    b->align.alignment = &b->alignment;
    req->body_case = OKR__REQUEST__BODY_ALIGN;
    req->align = &b->align;
}

/* A check-in on K2 (i even) or K3 (i odd), with b->note. */
static void make_checkin(void *ctx, size_t i, Okr__Request *req)
{
    builder *b = ctx;
    okr__check_in_add__init(&b->checkin);
    b->checkin.kr = i % 2 ? "K3" : "K2";
    b->checkin.has_value = true;
    b->checkin.value = (double)(i % 11);
    b->checkin.note = (char *)b->note;
    req->body_case = OKR__REQUEST__BODY_CHECKIN;
    req->checkin = &b->checkin;
}

static void add_period(struct harness_server *s)
{
    struct harness_result r;
    harness_okr_ok(s, &r, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                   "2026-12-31", NULL);
    harness_result_free(&r);
}

/* n objectives, one KR each (K1 a roll-up of O1), O2..O(aligned+1) -> K1. */
static void build_org(struct harness_server *s, size_t n, size_t aligned)
{
    builder b;
    add_period(s);
    pipeline(s, n, make_objective, &b);
    pipeline(s, n, make_kr, &b);
    pipeline(s, aligned, make_align, &b);
}

/* ------------------------------------------------------------ a clone */

/* What a monitor built: nodes with their title and score, edges, pages. */
typedef struct {
    char id[16];
    char owner[16];         /* a KR's objective */
    char *title;
    int64_t score;
    bool present;
} node_rec;

typedef struct {
    node_rec *objectives, *krs;    /* by number: [n] is O<n> / K<n> */
    size_t cap;
    size_t edges;
    size_t pages, max_page_bytes;
    uint64_t seq;
    bool complete;
    struct harness_server *writer;  /* set: write between the first and second page */
    bool wrote;
    monitor *m;
} clone;

static node_rec *slot(clone *c, const char *id)
{
    unsigned long n = strtoul(id + 1, NULL, 10);
    assert_true(n > 0 && n < c->cap);
    return id[0] == 'O' ? &c->objectives[n] : &c->krs[n];
}

static void set_node(clone *c, const char *id, const char *title, int64_t score)
{
    node_rec *r = slot(c, id);
    snprintf(r->id, sizeof r->id, "%s", id);
    r->owner[0] = '\0';
    free(r->title);
    r->title = strdup(title ? title : "");
    r->score = score;
    r->present = true;
}

static void clone_clear(clone *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        free(c->objectives[i].title);
        free(c->krs[i].title);
    }
    memset(c->objectives, 0, c->cap * sizeof *c->objectives);
    memset(c->krs, 0, c->cap * sizeof *c->krs);
    c->edges = 0;
}

static void clone_page(clone *c, const Okr__Snapshot *snap)
{
    if (snap->page == 0)
        clone_clear(c);
    c->seq = snap->seq;
    c->pages++;
    size_t bytes = okr__snapshot__get_packed_size(snap);
    if (bytes > c->max_page_bytes)
        c->max_page_bytes = bytes;
    for (size_t i = 0; i < snap->n_objectives; i++)
        set_node(c, snap->objectives[i]->id, snap->objectives[i]->title,
                 snap->objectives[i]->score);
    for (size_t i = 0; i < snap->n_krs; i++) {
        set_node(c, snap->krs[i]->id, snap->krs[i]->title, snap->krs[i]->score);
        snprintf(slot(c, snap->krs[i]->id)->owner, sizeof c->krs[0].owner, "%s",
                 snap->krs[i]->objective ? snap->krs[i]->objective : "");
    }
    c->edges += snap->n_alignments;
    c->complete = !snap->more;
}

/* Writes between pages: a check-in on K2 (moves K2, O2, K1, O1), a new
 * objective, and O3 deleted (with K3) — none of it may show in this
 * snapshot, every bit of it must come as events after. */
static void write_between_pages(struct harness_server *s)
{
    struct harness_result r;
    harness_okr_ok(s, &r, "checkin", "K2", "5", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "obj", "add", "Came later", "--period", "2026-Q4", NULL);
    harness_result_free(&r);
    harness_okr_ok(s, &r, "obj", "delete", "O3", "--yes", NULL);
    harness_result_free(&r);
}

static void on_snapshot(void *ctx, const Okr__Snapshot *snap)
{
    clone *c = ctx;
    clone_page(c, snap);
    if (c->writer && !c->wrote && snap->more) {
        c->wrote = true;
        write_between_pages(c->writer);
    }
}

/* Events on top of the snapshot: scores, and nodes added or deleted. */
static void on_event(void *ctx, const Okr__Event *ev)
{
    clone *c = ctx;
    const Okr__Request *q = ev->change;
    if (q->body_case == OKR__REQUEST__BODY_OBJECTIVE_ADD)
        set_node(c, ev->subject, q->objective_add->objective->title, 0);
    if (q->body_case == OKR__REQUEST__BODY_OBJECTIVE_DELETE ||
        q->body_case == OKR__REQUEST__BODY_KR_DELETE)
        slot(c, ev->subject)->present = false;
    if (q->body_case == OKR__REQUEST__BODY_OBJECTIVE_DELETE)   /* its KRs go with it */
        for (size_t i = 1; i < c->cap; i++)
            if (c->krs[i].present && strcmp(c->krs[i].owner, ev->subject) == 0)
                c->krs[i].present = false;
    for (size_t i = 0; i < ev->n_scores; i++) {
        node_rec *r = slot(c, ev->scores[i]->node);
        if (r->present)
            r->score = ev->scores[i]->new_score;
    }
}

static void clone_start(clone *c, struct harness_server *s, size_t cap, uint32_t page_items)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->objectives = calloc(cap, sizeof *c->objectives);
    c->krs = calloc(cap, sizeof *c->krs);
    assert_non_null(c->objectives);
    assert_non_null(c->krs);
    monitor_options opt = {
        .request_endpoint = s->requests,
        .event_endpoint = s->events,
        .want_snapshot = true,
        .request_timeout_ms = 5000,
        .snapshot_page_items = page_items,
    };
    monitor_callbacks cb = {.on_snapshot = on_snapshot, .on_event = on_event};
    c->m = monitor_new(&opt, &cb, c);
    assert_non_null(c->m);
}

static void clone_reach(clone *c, uint64_t seq)
{
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!(c->complete && monitor_seq(c->m) >= seq) && now_ms() < deadline)
        assert_int_equal(monitor_poll(c->m, 20), 0);
    if (!(c->complete && monitor_seq(c->m) >= seq))
        fail_msg("clone stuck at seq %llu (complete %d), wanted %llu",
                 (unsigned long long)monitor_seq(c->m), c->complete, (unsigned long long)seq);
}

static void clone_free(clone *c)
{
    clone_clear(c);
    free(c->objectives);
    free(c->krs);
    monitor_free(c->m);
}

/* A fresh snapshot through the raw client, paged by hand (`limit` items a
 * page), into c (cap slots). Asserts every page has the same seq. */
static void raw_snapshot(struct harness_server *s, clone *c, size_t cap, uint32_t limit)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->objectives = calloc(cap, sizeof *c->objectives);
    c->krs = calloc(cap, sizeof *c->krs);
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    uint8_t next[64];
    get.has_limit = limit > 0;
    get.limit = limit;
    for (;;) {
        Okr__Request req = OKR__REQUEST__INIT;
        req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
        req.snapshot = &get;
        Okr__Response *r = harness_request(s, &req);
        assert_non_null(r);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        uint64_t seq = c->seq;
        clone_page(c, r->snapshot);
        if (r->snapshot->page > 0)
            assert_int_equal(r->snapshot->seq, seq);
        bool more = r->snapshot->more;
        if (more) {
            assert_true(r->snapshot->has_cursor && r->snapshot->next.len <= sizeof next);
            get.has_cursor = get.has_next = true;
            get.cursor = r->snapshot->cursor;
            memcpy(next, r->snapshot->next.data, r->snapshot->next.len);
            get.next.data = next;
            get.next.len = r->snapshot->next.len;
        }
        okr__response__free_unpacked(r, NULL);
        if (!more)
            break;
    }
}

/* Same nodes, titles and scores. */
static void assert_same_nodes(const clone *a, const clone *b)
{
    assert_int_equal(a->cap, b->cap);
    for (size_t i = 0; i < a->cap; i++) {
        const node_rec *x[2] = {&a->objectives[i], &a->krs[i]};
        const node_rec *y[2] = {&b->objectives[i], &b->krs[i]};
        for (int k = 0; k < 2; k++) {
            if (x[k]->present != y[k]->present)
                fail_msg("%c%zu: present %d vs %d", k ? 'K' : 'O', i, x[k]->present,
                         y[k]->present);
            if (!x[k]->present)
                continue;
            assert_string_equal(x[k]->title, y[k]->title);
            if (x[k]->score != y[k]->score)
                fail_msg("%s: score %lld vs %lld", x[k]->id, (long long)x[k]->score,
                         (long long)y[k]->score);
        }
    }
}

/* ------------------------------------------------------------ raw pages */

static Okr__Response *snapshot_get(struct harness_server *s, Okr__SnapshotGet *get)
{
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = get;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    return r;
}

static Okr__Response *replay(struct harness_server *s, uint64_t after, uint32_t limit,
                             const char *node)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__Replay body = OKR__REPLAY__INIT;
    char *nodes[1] = {(char *)node};
    body.has_after_seq = true;
    body.after_seq = after;
    body.has_limit = limit > 0;
    body.limit = limit;
    body.n_nodes = node ? 1 : 0;
    body.nodes = nodes;
    req.body_case = OKR__REQUEST__BODY_REPLAY;
    req.replay = &body;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    return r;
}

static bool names(const Okr__Event *ev, const char *node)
{
    for (size_t i = 0; i < ev->n_nodes; i++)
        if (strcmp(ev->nodes[i], node) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ the tests */

/* 3,000 objectives and 3,000 KRs with 190-byte titles (about 1.5 MB) do
 * not fit one page: client/monitor.c gets them in pages of at most 1 MiB
 * and ends with exactly what was written; so does the shell's cache. */
static void test_a_store_larger_than_a_page_is_cloned_in_pages_equal_to_the_store(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, BIG_ORG, ALIGNED);
    uint64_t last = harness_last_seq(&s);

    clone c;
    clone_start(&c, &s, BIG_ORG + 2, 0);
    clone_reach(&c, last);
    assert_true(c.pages >= 2);
    assert_true(c.max_page_bytes <= OKR_SNAPSHOT_PAGE_BYTES);
    assert_int_equal(c.seq, last);
    for (size_t i = 1; i <= BIG_ORG; i++) {
        char title[256];
        assert_true(c.objectives[i].present);
        long_title(title, sizeof title, "Objective", i);
        assert_string_equal(c.objectives[i].title, title);
        assert_true(c.krs[i].present);
        long_title(title, sizeof title, "Result", i);
        assert_string_equal(c.krs[i].title, title);
    }
    assert_false(c.objectives[BIG_ORG + 1].present);
    assert_int_equal(c.edges, BIG_ORG + ALIGNED);   /* each KR -> its objective, the aligns */
    clone_free(&c);

    /* The shell's cache reads the same pages. */
    okr_conn conn;
    conn_init(&conn, s.requests, 5000);
    okr_cache cache = {0};
    assert_int_equal(cache_refresh(&cache, &conn, NULL), CONN_OK);
    assert_int_equal(cache.n_nodes, 2 * BIG_ORG);
    assert_non_null(cache_find(&cache, "O3000"));
    assert_non_null(cache_find(&cache, "K3000"));
    cache_free(&cache);
    conn_close(&conn);
    harness_server_destroy(&s);
}

/* A plain SnapshotGet (no paging fields, an old client) gets the first
 * page, saying more follows; pages asked again with the same cursor and
 * next are the same page (a retry is safe); the last page ends the cursor. */
static void test_plain_snapshot_get_is_the_first_page_and_pages_are_repeatable(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 30, 5);

    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    Okr__Response *plain = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(plain), OKR__ERROR_CODE__OK);
    assert_false(plain->snapshot->more);         /* 95 items: one default page */
    assert_int_equal(plain->snapshot->n_objectives, 30);
    okr__response__free_unpacked(plain, NULL);

    get.has_limit = true;
    get.limit = 7;
    Okr__Response *first = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(first), OKR__ERROR_CODE__OK);
    assert_true(first->snapshot->more);
    assert_int_equal(first->snapshot->page, 0);
    assert_int_equal(first->snapshot->n_objectives, 7);
    get.has_cursor = get.has_next = true;
    get.cursor = first->snapshot->cursor;
    get.next = first->snapshot->next;
    Okr__Response *a = snapshot_get(&s, &get);
    Okr__Response *b = snapshot_get(&s, &get);      /* a retry of the same page */
    assert_int_equal(harness_error_code(a), OKR__ERROR_CODE__OK);
    assert_int_equal(harness_error_code(b), OKR__ERROR_CODE__OK);
    assert_int_equal(a->snapshot->page, 1);
    assert_int_equal(b->snapshot->page, 1);
    assert_int_equal(a->snapshot->n_objectives, 7);
    assert_string_equal(a->snapshot->objectives[0]->id, "O8");
    assert_string_equal(b->snapshot->objectives[0]->id, "O8");
    assert_int_equal(a->snapshot->seq, first->snapshot->seq);
    okr__response__free_unpacked(b, NULL);

    /* A position that is not one the server handed out. */
    uint8_t junk[3] = {9, 9, 9};
    get.next.data = junk;
    get.next.len = sizeof junk;
    Okr__Response *bad = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(bad), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(bad->error->message, "next"));
    okr__response__free_unpacked(bad, NULL);

    /* close ends the cursor: then it is unknown. */
    get.next = a->snapshot->next;
    get.has_close = get.close = true;
    Okr__Response *closed = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(closed), OKR__ERROR_CODE__OK);
    assert_false(closed->snapshot->more);
    okr__response__free_unpacked(closed, NULL);
    get.has_close = get.close = false;
    Okr__Response *gone = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(gone), OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(gone->error->message, "cursor"));
    okr__response__free_unpacked(gone, NULL);
    okr__response__free_unpacked(a, NULL);
    okr__response__free_unpacked(first, NULL);
    harness_server_destroy(&s);
}

/* At most OKR_MAX_SNAPSHOT_CURSORS snapshots are paged at once: the next
 * one is refused with RESOURCE_EXHAUSTED until one ends. */
static void test_open_snapshot_cursors_are_bounded(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 4, 0);
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    get.has_limit = true;
    get.limit = 1;
    uint64_t cursors[OKR_MAX_SNAPSHOT_CURSORS];
    Okr__Response *keep[OKR_MAX_SNAPSHOT_CURSORS];
    for (int i = 0; i < OKR_MAX_SNAPSHOT_CURSORS; i++) {
        keep[i] = snapshot_get(&s, &get);
        assert_int_equal(harness_error_code(keep[i]), OKR__ERROR_CODE__OK);
        assert_true(keep[i]->snapshot->more);
        cursors[i] = keep[i]->snapshot->cursor;
    }
    Okr__Response *r = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__RESOURCE_EXHAUSTED);
    okr__response__free_unpacked(r, NULL);

    Okr__SnapshotGet close = OKR__SNAPSHOT_GET__INIT;
    close.has_cursor = close.has_close = close.close = true;
    close.cursor = cursors[0];
    r = snapshot_get(&s, &close);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(r, NULL);
    r = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_true(r->snapshot->more);
    okr__response__free_unpacked(r, NULL);
    for (int i = 0; i < OKR_MAX_SNAPSHOT_CURSORS; i++)
        okr__response__free_unpacked(keep[i], NULL);
    harness_server_destroy(&s);
}

/* The map grows (okrd starts with a 256 KiB map) while a snapshot is being
 * paged: growing moves the map, so okrd ends the cursor first; its next
 * page is NOT_FOUND (start again), and a new snapshot pages fine. */
static void test_a_map_growth_ends_open_snapshot_cursors(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, "--map-size", "262144", NULL), 0);
    build_org(&s, 10, 0);
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    get.has_limit = true;
    get.limit = 2;
    Okr__Response *first = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(first), OKR__ERROR_CODE__OK);
    assert_true(first->snapshot->more);
    builder b;
    for (size_t i = 0; i < 20 && !harness_server_log_contains(&s, "grown to"); i++)
        pipeline(&s, 200, make_objective, &b);
    assert_true(harness_server_log_contains(&s, "grown to"));
    get.has_cursor = get.has_next = true;
    get.cursor = first->snapshot->cursor;
    get.next = first->snapshot->next;
    Okr__Response *r = snapshot_get(&s, &get);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__NOT_FOUND);
    okr__response__free_unpacked(r, NULL);
    okr__response__free_unpacked(first, NULL);
    clone again;
    raw_snapshot(&s, &again, 4096, 50);
    assert_int_equal(again.seq, harness_last_seq(&s));
    assert_true(again.pages >= 2);
    clone_free(&again);
    harness_server_destroy(&s);
}

/* Writes between pages (a check-in moving four scores, an objective added,
 * one deleted) do not show in the snapshot: every page has the first
 * page's seq, and the pages equal a fresh snapshot taken before the writes.
 * The monitor then applies the writes' events and ends equal to a fresh
 * snapshot taken after them. */
static void test_writes_between_pages_leave_the_snapshot_consistent(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 40, 10);
    uint64_t before_writes = harness_last_seq(&s);
    clone before;
    raw_snapshot(&s, &before, 64, 0);
    assert_int_equal(before.seq, before_writes);

    clone c;
    clone_start(&c, &s, 64, 9);                  /* 130 items: 15 pages */
    c.writer = &s;
    int64_t deadline = now_ms() + DEADLINE_MS;
    while (!c.complete && now_ms() < deadline)
        assert_int_equal(monitor_poll(c.m, 20), 0);
    assert_true(c.complete);
    assert_true(c.wrote);
    assert_true(c.pages >= 10);
    assert_int_equal(c.seq, before_writes);      /* the first page's seq, to the end */
    assert_true(c.objectives[3].present);        /* deleted after page 0: still here */
    assert_false(c.objectives[41].present);      /* added after page 0: not yet */
    assert_same_nodes(&c, &before);
    assert_int_equal(c.edges, before.edges);

    uint64_t last = harness_last_seq(&s);
    assert_int_equal(last, before_writes + 3);
    clone_reach(&c, last);
    clone after;
    raw_snapshot(&s, &after, 64, 5);
    assert_false(after.objectives[3].present);
    assert_true(after.objectives[41].present);
    assert_same_nodes(&c, &after);
    clone_free(&after);
    clone_free(&before);
    clone_free(&c);
    harness_server_destroy(&s);
}

/* Replay{nodes = [K2]} returns only events naming K2, and through_seq says
 * it looked at the whole range: every event it left out does not name K2
 * (checked against the unfiltered log). A malformed id is refused naming
 * the field. */
static void test_replay_with_a_node_filter_returns_only_that_nodes_events(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 3, 0);
    builder b = {.note = NULL};
    pipeline(&s, 40, make_checkin, &b);          /* K2, K3, K2, K3 ... */
    uint64_t last = harness_last_seq(&s);

    Okr__Response *all = replay(&s, 0, 0, NULL);
    assert_int_equal(harness_error_code(all), OKR__ERROR_CODE__OK);
    assert_int_equal(all->events->n_events, last);
    Okr__Response *k2 = replay(&s, 0, 0, "k2");   /* ids in any case */
    assert_int_equal(harness_error_code(k2), OKR__ERROR_CODE__OK);
    assert_int_equal(k2->events->through_seq, last);
    size_t expect = 0;
    for (size_t i = 0; i < all->events->n_events; i++)
        expect += names(all->events->events[i], "K2");
    assert_int_equal(k2->events->n_events, expect);
    assert_true(expect >= 20 && expect < last);
    for (size_t i = 0; i < k2->events->n_events; i++) {
        const Okr__Event *ev = k2->events->events[i];
        assert_true(names(ev, "K2"));
        assert_true(names(all->events->events[ev->seq - 1], "K2"));
        if (i > 0)
            assert_true(ev->seq > k2->events->events[i - 1]->seq);
    }
    okr__response__free_unpacked(k2, NULL);
    okr__response__free_unpacked(all, NULL);

    /* A limit stops early; through_seq is the last event returned. */
    Okr__Response *two = replay(&s, 0, 2, "K3");
    assert_int_equal(two->events->n_events, 2);
    assert_int_equal(two->events->through_seq, two->events->events[1]->seq);
    okr__response__free_unpacked(two, NULL);

    Okr__Response *bad = replay(&s, 0, 0, "X7");
    assert_int_equal(harness_error_code(bad), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(bad->error->message, "nodes"));
    okr__response__free_unpacked(bad, NULL);
    harness_server_destroy(&s);
}

/* 1,500 check-ins with 1,000-byte notes (about 1.6 MB of events): one
 * replay returns at most about 1 MiB and says where it stopped; asking on
 * from there gets the rest, every seq once. A limit over 10,000 is capped,
 * not refused. */
static void test_replay_over_the_byte_bound_is_split(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 3, 0);
    char note[OKR_MAX_NOTE + 1];
    memset(note, 'n', OKR_MAX_NOTE);
    note[OKR_MAX_NOTE] = '\0';
    builder b = {.note = note};
    pipeline(&s, 1500, make_checkin, &b);
    uint64_t last = harness_last_seq(&s);

    uint64_t after = 0;
    size_t replies = 0;
    while (after < last) {
        Okr__Response *r = replay(&s, after, 20000, NULL);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        const Okr__EventList *l = r->events;
        assert_true(l->n_events > 0);
        size_t bytes = 0;
        for (size_t i = 0; i < l->n_events; i++) {
            assert_int_equal(l->events[i]->seq, after + 1 + i);
            bytes += okr__event__get_packed_size(l->events[i]);
        }
        assert_true(bytes <= OKR_MAX_REPLAY_BYTES);
        assert_int_equal(l->through_seq, after + l->n_events);
        after = l->through_seq;
        replies++;
        okr__response__free_unpacked(r, NULL);
    }
    assert_int_equal(after, last);
    assert_true(replies >= 2);
    harness_server_destroy(&s);
}

static void okr_ok(struct harness_server *s, const char *const *args)
{
    struct harness_result r;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

static void assert_same_cache(const okr_cache *a, const okr_cache *b)
{
    assert_int_equal(a->n_nodes, b->n_nodes);
    for (size_t i = 0; i < a->n_nodes; i++) {
        assert_string_equal(a->nodes[i].id, b->nodes[i].id);
        assert_string_equal(a->nodes[i].title, b->nodes[i].title);
        assert_string_equal(a->nodes[i].where, b->nodes[i].where);
        assert_int_equal(a->nodes[i].kind, b->nodes[i].kind);
        assert_int_equal(a->nodes[i].archived, b->nodes[i].archived);
    }
    assert_int_equal(a->n_teams, b->n_teams);
    for (size_t i = 0; i < a->n_teams; i++)
        assert_string_equal(a->teams[i], b->teams[i]);
    assert_int_equal(a->n_periods, b->n_periods);
    for (size_t i = 0; i < a->n_periods; i++) {
        assert_string_equal(a->periods[i].name, b->periods[i].name);
        assert_int_equal(a->periods[i].closed, b->periods[i].closed);
    }
}

/* The shell's cache, read whole once, then given the events of others'
 * changes (adds, edits, an archive, deletes, a team, a period): it reads
 * only the nodes they name — never everything again — and ends equal to a
 * cache read whole. A check-in or an alignment notes nothing to read. */
static void test_shell_cache_follows_events_without_reading_everything_again(void **state)
{
    (void)state;
    struct harness_server s = {0};
    assert_int_equal(harness_server_start(&s, NULL), 0);
    build_org(&s, 6, 2);
    okr_conn conn;
    conn_init(&conn, s.requests, 5000);
    okr_cache cache = {0};
    cache_changes changes = {0};
    assert_int_equal(cache_refresh(&cache, &conn, NULL), CONN_OK);
    uint64_t seq0 = harness_last_seq(&s);

    const char *writes[][10] = {
        {"team", "add", "Pots"},
        {"obj", "add", "Came later", "--period", "2026-Q4", "--team", "Pots"},   /* O7 */
        {"kr", "add", "O7", "Later result", "--from", "0", "--to", "5"},          /* K7 */
        {"obj", "edit", "O2", "--title", "Renamed"},
        {"kr", "edit", "K5", "--title", "Retitled"},
        {"obj", "archive", "O6"},
        {"obj", "delete", "O4", "--yes"},                                      /* and K4 */
        {"kr", "delete", "K3"},
        {"period", "add", "2027", "--start", "2027-01-01", "--end", "2027-12-31"},
        {"period", "close", "2027"},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        okr_ok(&s, writes[i]);
    Okr__Response *r = replay(&s, seq0, 0, NULL);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->events->n_events, sizeof writes / sizeof writes[0]);
    for (size_t i = 0; i < r->events->n_events; i++)
        cache_note_event(&changes, r->events->events[i]);
    okr__response__free_unpacked(r, NULL);
    assert_false(cache_needs_reload(&cache, &changes));
    assert_int_equal(changes.n_nodes, 7);         /* O7 K7 O2 K5 O6 O4 K3 */
    assert_int_equal(cache_sync(&cache, &changes, &conn, NULL), CONN_OK);
    assert_false(cache_pending(&cache, &changes));
    assert_null(cache_find(&cache, "K4"));        /* went with O4 */
    assert_string_equal(cache_find(&cache, "O2")->title, "Renamed");
    assert_string_equal(cache_find(&cache, "O7")->where, "Pots, 2026-Q4");

    okr_cache whole = {0};
    assert_int_equal(cache_refresh(&whole, &conn, NULL), CONN_OK);
    assert_same_cache(&cache, &whole);

    uint64_t seq1 = harness_last_seq(&s);
    okr_ok(&s, (const char *const[]){"checkin", "K2", "4", NULL});
    okr_ok(&s, (const char *const[]){"obj", "align", "O5", "K1", NULL});
    r = replay(&s, seq1, 0, NULL);
    assert_int_equal(r->events->n_events, 2);
    for (size_t i = 0; i < r->events->n_events; i++)
        cache_note_event(&changes, r->events->events[i]);
    okr__response__free_unpacked(r, NULL);
    assert_false(cache_pending(&cache, &changes));

    cache_free(&whole);
    cache_free(&cache);
    conn_close(&conn);
    harness_server_destroy(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_store_larger_than_a_page_is_cloned_in_pages_equal_to_the_store),
        cmocka_unit_test(test_plain_snapshot_get_is_the_first_page_and_pages_are_repeatable),
        cmocka_unit_test(test_open_snapshot_cursors_are_bounded),
        cmocka_unit_test(test_a_map_growth_ends_open_snapshot_cursors),
        cmocka_unit_test(test_writes_between_pages_leave_the_snapshot_consistent),
        cmocka_unit_test(test_replay_with_a_node_filter_returns_only_that_nodes_events),
        cmocka_unit_test(test_replay_over_the_byte_bound_is_split),
        cmocka_unit_test(test_shell_cache_follows_events_without_reading_everything_again),
    };
    return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
