/* fuzz_request.c — fuzz okrd's request handling: any bytes, split into
 * request frames, run through the real handlers as one group-committed batch.
 *
 * Input: frames separated by FUZZ_FRAME_SEP (fuzz.h); each frame is what a
 * client would send as the body frame of one request. A frame over
 * OKR_MAX_REQUEST_FRAME never reaches the server (ZMQ_MAXMSGSIZE drops it)
 * and is skipped; one that wire_unpack_request refuses (not an okr.Request,
 * a NUL in a string, a varint too big for its field) is refused with
 * INVALID_ARGUMENT by batch.c before any handler sees it, and changes
 * nothing, so it is left out of the batch here. The rest lose their unknown
 * fields (wire_strip_unknown, as batch_core.c's decode does) and run through
 * fixture_batch (tests/lib/server_fixture.h): okrd's own group commit
 * (server/batch_core.c), the code batch.c runs.
 *
 * One store per process, opened and seeded on first use (three periods, one
 * of them closed; two teams; objectives O1..O6, O6 archived; KRs K1..K6 of
 * every kind; alignments to objectives and to a roll-up KR; check-ins), so
 * that ids like O2 or K4 in a mutated input hit real nodes. Its map starts
 * small, so batches also run into MDB_MAP_FULL and are redone after growing
 * it. Every FUZZ_RESET_EVERY inputs ($OKR_FUZZ_RESET_EVERY) the store is
 * thrown away and seeded again, so it stays small and fast.
 *
 * After EVERY input (a full recomputation costs about as much as the batch
 * on a store this size, so there is no reason to skip any):
 *   - every request has a response echoing its request_id; a refusal carries
 *     a known error code other than INTERNAL and a non-empty UTF-8 sentence,
 *     and no body; an acceptance carries the body the client expects
 *     (cmd_reply_body), a mutation's Changed the next seq (or, for a repeat
 *     of an earlier request id, an earlier seq: its first reply, dedup.c);
 *   - every response packs and unpacks again (what the client will parse);
 *   - the event seq grew by exactly the number of accepted mutations, the
 *     store's last seq agrees, and replaying those seqs gives one event per
 *     accepted mutation, in order, each holding the request that made it;
 *   - when no mutation was accepted, every database is byte for byte what
 *     it was before the input (bad input changes nothing);
 *   - fixture_verify: every stored aggregate equals a full recomputation.
 * A broken invariant prints "fuzz_request: invariant: ..." and aborts, which
 * libFuzzer reports as a crash and saves the input.
 *
 * Never talks to a socket, never writes outside its temporary directory. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

#include "cmd.h"
#include "fuzz.h"
#include "okr_limits.h"
#include "wire.h"

/* Small enough that a few hundred inputs fill it: MDB_MAP_FULL, grow, redo. */
#define FR_MAP_SIZE (256 * 1024)

typedef struct {
    bool open;
    fixture f;
    arena in;                 /* this input's unpacked requests */
    uint64_t reset_every;
    uint64_t since_reset;
    uint64_t inputs, requests, mutations;
    bool verbose;             /* $OKR_FUZZ_VERBOSE: each request's outcome */
} fr_state;

static fr_state fr;

static void fr_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fr_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_request: invariant: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (input %llu since the store was seeded; OKR_FUZZ_RESET_EVERY=1 "
                    "replays an input on the seeded store alone)\n",
            (unsigned long long)fr.since_reset);
    va_end(ap);
    if (fr.open && getenv("OKR_TEST_KEEP"))
        fprintf(stderr, "fuzz_request: the store is kept in %s (okrd --verify --data %s)\n",
                fr.f.dir, fr.f.dir);
    else
        fuzz_request_close();
    abort();
}

/* ------------------------------------------------------------ the seeded store */

/* Run one seed request; it must be accepted, and create `id` when given. */
static void fr_seed_one(const Okr__Request *req, const char *id)
{
    Okr__Response *resp;
    Okr__ErrorCode code = fixture_do(&fr.f, req, &resp);
    if (code != OKR__ERROR_CODE__OK)
        fr_fail("seed request (body %d) refused: %s", (int)req->body_case,
                resp->error && resp->error->message ? resp->error->message : "?");
    if (id && (resp->body_case != OKR__RESPONSE__BODY_CHANGED || resp->changed->id == NULL ||
               strcmp(resp->changed->id, id) != 0))
        fr_fail("seed request (body %d) did not create %s", (int)req->body_case, id);
}

static Okr__Request *fr_objective(arena *a, const char *title, const char *period,
                                  const char *team, size_t n, const char *const *parents,
                                  const uint32_t *weights)
{
    Okr__Request *r = req_objective_add(a, title, period, n, parents, weights);
    r->objective_add->objective->team = team ? arena_strdup(a, team) : NULL;
    return r;
}

static Okr__Request *fr_team(arena *a, const char *name, const char *parent)
{
    Okr__Request *r = req_team_add(a, name);
    r->team_add->team->parent = parent ? arena_strdup(a, parent) : NULL;
    return r;
}

static Okr__Request *fr_kr(arena *a, const char *objective, const char *title, Okr__KrKind kind,
                           double start, double target, uint32_t weight)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = (char *)objective;
    kr.title = (char *)title;
    kr.has_kind = true;
    kr.kind = kind;
    kr.has_start = kind == OKR__KR_KIND__METRIC;
    kr.start = start;
    kr.has_target = kind == OKR__KR_KIND__METRIC || kind == OKR__KR_KIND__THRESHOLD;
    kr.target = target;
    kr.has_weight = weight != 0;
    kr.weight = weight;
    return req_kr_add(a, &kr);
}

/* The seeded graph (fixture time is 2026-10-15, inside 2026-Q4 and 2026):
 *
 *   2026     O1 "Grow revenue" (eng)  <- K4 rollup
 *   2026-Q4  O2 "Ship v2" (eng) -> O1 (w2)          K1 metric 0..100 (w3), K3 milestone
 *            O3 "Reliable ops" (ops) -> O1          K2 threshold >= 99.9
 *            O4 "Platform" (ops) -> K4 (w2), -> O3  K5 metric 10..0 (decreasing)
 *            O6 "Retired" (archived) -> O2
 *   2026-Q3  O5 "Last quarter" (closed)             K6 metric 0..10
 */
static void fr_seed(void)
{
    arena *a = &fr.in;
    arena_reset(a);
    fr_seed_one(req_period_add(a, "2026-Q4", "2026-10-01", "2026-12-31"), NULL);
    fr_seed_one(req_period_add(a, "2026", "2026-01-01", "2026-12-31"), NULL);
    fr_seed_one(req_period_add(a, "2026-Q3", "2026-07-01", "2026-09-30"), NULL);
    fr_seed_one(fr_team(a, "eng", NULL), NULL);
    fr_seed_one(fr_team(a, "ops", "eng"), NULL);
    fr_seed_one(fr_objective(a, "Grow revenue", "2026", "eng", 0, NULL, NULL), "O1");
    fr_seed_one(fr_objective(a, "Ship v2", "2026-Q4", "eng", 1, (const char *[]){"O1"},
                             (const uint32_t[]){2}), "O2");
    fr_seed_one(fr_objective(a, "Reliable ops", "2026-Q4", "ops", 1, (const char *[]){"O1"},
                             NULL), "O3");
    fr_seed_one(fr_kr(a, "O2", "Revenue from v2", OKR__KR_KIND__METRIC, 0, 100, 3), "K1");
    Okr__Request *threshold = fr_kr(a, "O3", "Uptime", OKR__KR_KIND__THRESHOLD, 0, 99.9, 0);
    threshold->kr_add->kr->unit = "%";
    fr_seed_one(threshold, "K2");
    fr_seed_one(fr_kr(a, "O2", "Launch", OKR__KR_KIND__MILESTONE, 0, 0, 0), "K3");
    fr_seed_one(fr_kr(a, "O1", "Teams on target", OKR__KR_KIND__ROLLUP, 0, 0, 2), "K4");
    fr_seed_one(fr_objective(a, "Platform", "2026-Q4", "ops", 2, (const char *[]){"K4", "O3"},
                             (const uint32_t[]){2, 1}), "O4");
    fr_seed_one(fr_kr(a, "O4", "Open incidents", OKR__KR_KIND__METRIC, 10, 0, 0), "K5");
    fr_seed_one(fr_objective(a, "Last quarter", "2026-Q3", NULL, 0, NULL, NULL), "O5");
    fr_seed_one(fr_kr(a, "O5", "Old metric", OKR__KR_KIND__METRIC, 0, 10, 0), "K6");
    fr_seed_one(req_checkin(a, "K6", 7), NULL);
    fr_seed_one(req_period_close(a, "2026-Q3", false), NULL);
    fr_seed_one(fr_objective(a, "Retired", "2026-Q4", NULL, 1, (const char *[]){"O2"}, NULL),
                "O6");
    fr_seed_one(req_archive(a, "O6", false), NULL);
    fr_seed_one(req_checkin(a, "K1", 40), NULL);
    fr_seed_one(req_checkin(a, "K2", 99.95), NULL);
    fr_seed_one(req_checkin(a, "K3", 1), NULL);
    fr_seed_one(req_checkin(a, "K5", 6), NULL);
    if (fixture_verify(&fr.f) != 0)
        fr_fail("the seeded store fails verification");
}

static void fr_open(void)
{
    if (fr.reset_every == 0) {
        const char *v = getenv("OKR_FUZZ_RESET_EVERY");
        fr.reset_every = v && atoll(v) > 0 ? (uint64_t)atoll(v) : FUZZ_RESET_EVERY;
        fr.verbose = getenv("OKR_FUZZ_VERBOSE") != NULL;
        arena_init(&fr.in);
        atexit(fuzz_request_close);       /* libFuzzer exits after -max_total_time */
    }
    if (fixture_open(&fr.f, FR_MAP_SIZE) != 0)
        fr_fail("cannot open a store in a temporary directory");
    /* Durability is not under test, and an fsync per input would be most
     * of the time spent; everything else about the commits is unchanged. */
    mdb_env_set_flags(fr.f.st.env, MDB_NOSYNC, 1);
    fr.open = true;
    fr.since_reset = 0;
    fr_seed();
}

void fuzz_request_close(void)
{
    if (!fr.open)
        return;
    fixture_close(&fr.f);
    fr.open = false;
}

void fuzz_request_counts(uint64_t *inputs, uint64_t *requests, uint64_t *mutations)
{
    *inputs = fr.inputs;
    *requests = fr.requests;
    *mutations = fr.mutations;
}

/* ------------------------------------------------------------ one input */

/* Split the input at FUZZ_FRAME_SEP into at most FUZZ_MAX_FRAMES frames. */
static size_t fr_split(const uint8_t *data, size_t size, const uint8_t **frames, size_t *lens)
{
    size_t n = 0;
    const uint8_t *p = data, *end = data + size;
    while (n < FUZZ_MAX_FRAMES - 1) {
        const uint8_t *sep = memmem(p, (size_t)(end - p), FUZZ_FRAME_SEP, FUZZ_FRAME_SEP_LEN);
        if (sep == NULL)
            break;
        frames[n] = p;
        lens[n++] = (size_t)(sep - p);
        p = sep + FUZZ_FRAME_SEP_LEN;
    }
    frames[n] = p;
    lens[n++] = (size_t)(end - p);
    return n;
}

static bool fr_known_code(Okr__ErrorCode code)
{
    return protobuf_c_enum_descriptor_get_value(&okr__error_code__descriptor, (int)code) != NULL;
}

/* The response as the client will receive it: packed, and unpacked again. */
static void fr_check_wire(size_t i, const Okr__Response *resp)
{
    size_t len = okr__response__get_packed_size(resp);
    uint8_t *buf = arena_alloc(&fr.in, len + 1);
    if (okr__response__pack(resp, buf) != len)
        fr_fail("response %zu: packed size differs from get_packed_size", i);
    Okr__Response *back = okr__response__unpack(NULL, len, buf);
    if (back == NULL)
        fr_fail("response %zu (%zu bytes) does not unpack as an okr.Response", i, len);
    okr__response__free_unpacked(back, NULL);
}

/* Check response i against its request; *seq is the last seq handed out. */
static bool fr_check_response(size_t i, const Okr__Request *req, const Okr__Response *resp,
                              uint64_t *seq)
{
    if (resp == NULL)
        fr_fail("request %zu has no response", i);
    if (resp->has_request_id != req->has_request_id || resp->request_id != req->request_id)
        fr_fail("response %zu does not echo its request_id", i);
    fr_check_wire(i, resp);
    Okr__ErrorCode code = fixture_code(resp);
    if (fr.verbose)
        fprintf(stderr, "fuzz_request: request %zu (body %d): %s%s%s\n", i, (int)req->body_case,
                wire_error_name(code), code ? ": " : "", code ? resp->error->message : "");
    if (code != OKR__ERROR_CODE__OK) {
        const char *msg = resp->error->message;
        if (!fr_known_code(code))
            fr_fail("response %zu: unknown error code %d", i, (int)code);
        if (msg == NULL || msg[0] == '\0' || !text_valid_utf8(msg, strlen(msg)))
            fr_fail("response %zu: error %d without a readable sentence", i, (int)code);
        if (code == OKR__ERROR_CODE__INTERNAL)
            fr_fail("response %zu (body %d): INTERNAL: %s", i, (int)req->body_case, msg);
        if (resp->body_case != OKR__RESPONSE__BODY__NOT_SET)
            fr_fail("response %zu: error %d with a body", i, (int)code);
        return false;
    }
    Okr__Response__BodyCase want = cmd_reply_body(req->body_case);
    if (resp->body_case != want)
        fr_fail("response %zu: request body %d accepted with reply body %d, the client "
                "expects %d", i, (int)req->body_case, (int)resp->body_case, (int)want);
    if (!dispatch_is_mutation(req->body_case))
        return false;
    if (resp->changed && resp->changed->has_seq && resp->changed->seq >= 1 &&
        resp->changed->seq <= *seq && req->has_request_id && req->request_id != 0)
        return false;   /* a repeat of an earlier (actor, id): its first reply, no seq (dedup.c) */
    if (resp->changed == NULL || !resp->changed->has_seq || resp->changed->seq != *seq + 1)
        fr_fail("response %zu: accepted mutation with seq %llu, expected %llu", i,
                resp->changed && resp->changed->has_seq
                    ? (unsigned long long)resp->changed->seq : 0ULL,
                (unsigned long long)*seq + 1);
    *seq += 1;
    return true;
}

/* The log holds one event per accepted mutation after `before`, in order,
 * each carrying the request that made it. */
static void fr_check_events(uint64_t before, const Okr__Request__BodyCase *bodies, size_t n)
{
    Okr__Request *replay = req_new(&fr.in, OKR__REQUEST__BODY_REPLAY);
    replay->replay = ARENA_NEW(&fr.in, Okr__Replay, OKR__REPLAY__INIT);
    replay->replay->has_after_seq = true;
    replay->replay->after_seq = before;
    replay->replay->has_limit = true;
    replay->replay->limit = (uint32_t)n + 1;
    Okr__Response *resp;
    if (fixture_do(&fr.f, replay, &resp) != OKR__ERROR_CODE__OK)
        fr_fail("replay after seq %llu refused: %s", (unsigned long long)before,
                resp->error->message);
    const Okr__EventList *list = resp->events;
    if (list->n_events != n)
        fr_fail("%zu mutations accepted but %zu events logged", n, list->n_events);
    for (size_t j = 0; j < n; j++) {
        const Okr__Event *ev = list->events[j];
        if (ev->seq != before + 1 + j || ev->change == NULL || ev->change->body_case != bodies[j])
            fr_fail("event %zu after seq %llu is not the %zu-th accepted mutation", j,
                    (unsigned long long)before, j + 1);
    }
}

int fuzz_request_input(const uint8_t *data, size_t size)
{
    if (fr.open && fr.since_reset >= fr.reset_every)
        fuzz_request_close();
    if (!fr.open)
        fr_open();
    fr.since_reset++;
    fr.inputs++;
    arena_reset(&fr.in);

    const uint8_t *frames[FUZZ_MAX_FRAMES];
    size_t lens[FUZZ_MAX_FRAMES];
    size_t n_frames = fr_split(data, size, frames, lens);
    const Okr__Request *reqs[FUZZ_MAX_FRAMES];
    size_t n = 0;
    bool mutates = false;
    for (size_t i = 0; i < n_frames; i++) {
        if (lens[i] > OKR_MAX_REQUEST_FRAME)
            continue;
        const char *refusal;
        Okr__Request *req = wire_unpack_request(&fr.in.pb, lens[i], frames[i], &refusal);
        if (req == NULL || refusal)       /* as batch_core.c: refused before any handler */
            continue;
        mutates |= dispatch_is_mutation(req->body_case);
        reqs[n++] = req;
    }
    if (n == 0)
        return 0;
    fr.requests += n;

    size_t before_len = 0;
    unsigned char *before = mutates ? fixture_snapshot_all(&fr.f, &before_len) : NULL;
    uint64_t seq_before = fr.f.last_seq;
    Okr__Response *resps[FUZZ_MAX_FRAMES];
    fr.f.actor = NULL;                    /* local mode: each request's Request.user */
    fixture_batch(&fr.f, reqs, n, resps);

    uint64_t seq = seq_before;
    Okr__Request__BodyCase accepted[FUZZ_MAX_FRAMES];
    size_t n_accepted = 0;
    for (size_t i = 0; i < n; i++)
        if (fr_check_response(i, reqs[i], resps[i], &seq))
            accepted[n_accepted++] = reqs[i]->body_case;
    if (fr.f.last_seq != seq_before + n_accepted)
        fr_fail("seq went from %llu to %llu with %zu mutations accepted",
                (unsigned long long)seq_before, (unsigned long long)fr.f.last_seq, n_accepted);
    if (fixture_last_seq(&fr.f) != fr.f.last_seq)
        fr_fail("the store's last seq %llu is not the batch's %llu",
                (unsigned long long)fixture_last_seq(&fr.f), (unsigned long long)fr.f.last_seq);
    fr.mutations += n_accepted;

    if (mutates && n_accepted == 0) {
        size_t after_len;
        unsigned char *after = fixture_snapshot_all(&fr.f, &after_len);
        bool same = after_len == before_len && memcmp(after, before, after_len) == 0;
        free(after);
        if (!same) {
            free(before);
            fr_fail("every mutation was refused, yet the store changed");
        }
    }
    free(before);
    if (n_accepted > 0)
        fr_check_events(seq_before, accepted, n_accepted);
    if (fixture_verify(&fr.f) != 0)
        fr_fail("stored aggregates differ from a full recomputation (lines above)");
    return 0;
}

#ifndef OKR_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_request_input(data, size);
}
#endif

/* ------------------------------------------------------------ seed corpus */

typedef struct {
    const char *dir;
    arena *a;
    int written;
    bool failed;
} fr_corpus;

/* Pack the n requests as one input (separated by FUZZ_FRAME_SEP), followed
 * by the raw bytes `tail`, which carry their own separator if they need one. */
static void fr_write(fr_corpus *c, const char *name, Okr__Request *const *reqs, size_t n,
                     const void *tail, size_t tail_len)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += okr__request__get_packed_size(reqs[i]) + FUZZ_FRAME_SEP_LEN;
    uint8_t *buf = arena_alloc(c->a, len + tail_len + 1), *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            memcpy(p, FUZZ_FRAME_SEP, FUZZ_FRAME_SEP_LEN);
            p += FUZZ_FRAME_SEP_LEN;
        }
        p += okr__request__pack(reqs[i], p);
    }
    if (tail_len) {
        memcpy(p, tail, tail_len);
        p += tail_len;
    }
    if (fuzz_write_file(c->dir, name, buf, (size_t)(p - buf)) != 0)
        c->failed = true;
    else
        c->written++;
}

#define FR_ONE(c, name, req) fr_write((c), (name), (Okr__Request *[]){(req)}, 1, NULL, 0)
#define FR_MANY(c, name, ...)                                                          \
    fr_write((c), (name), (Okr__Request *[]){__VA_ARGS__},                             \
             sizeof((Okr__Request *[]){__VA_ARGS__}) / sizeof(Okr__Request *), NULL, 0)

static Okr__Request *fr_simple(arena *a, Okr__Request__BodyCase body)
{
    Okr__Request *r = req_new(a, body);
    switch (body) {
    case OKR__REQUEST__BODY_PERIOD_LIST:
        r->period_list = ARENA_NEW(a, Okr__PeriodList, OKR__PERIOD_LIST__INIT);
        break;
    case OKR__REQUEST__BODY_TEAM_LIST:
        r->team_list = ARENA_NEW(a, Okr__TeamList, OKR__TEAM_LIST__INIT);
        break;
    case OKR__REQUEST__BODY_STATUS:
        r->status = ARENA_NEW(a, Okr__StatusGet, OKR__STATUS_GET__INIT);
        break;
    case OKR__REQUEST__BODY_SNAPSHOT:
        r->snapshot = ARENA_NEW(a, Okr__SnapshotGet, OKR__SNAPSHOT_GET__INIT);
        break;
    default:
        break;
    }
    return r;
}

static Okr__Request *fr_tree(arena *a, const char *root, const char *period, const char *team)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_TREE);
    r->tree = ARENA_NEW(a, Okr__TreeGet, OKR__TREE_GET__INIT);
    r->tree->root = root ? arena_strdup(a, root) : NULL;
    r->tree->period = period ? arena_strdup(a, period) : NULL;
    r->tree->team = team ? arena_strdup(a, team) : NULL;
    return r;
}

static Okr__Request *fr_list(arena *a, const char *period, const char *team, bool archived)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_LIST);
    r->objective_list = ARENA_NEW(a, Okr__ObjectiveList, OKR__OBJECTIVE_LIST__INIT);
    r->objective_list->period = period ? arena_strdup(a, period) : NULL;
    r->objective_list->team = team ? arena_strdup(a, team) : NULL;
    r->objective_list->has_include_archived = archived;
    r->objective_list->include_archived = archived;
    return r;
}

static Okr__Request *fr_replay(arena *a, uint64_t after, uint32_t limit)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_REPLAY);
    r->replay = ARENA_NEW(a, Okr__Replay, OKR__REPLAY__INIT);
    r->replay->has_after_seq = true;
    r->replay->after_seq = after;
    r->replay->has_limit = limit != 0;
    r->replay->limit = limit;
    return r;
}

static Okr__Request *fr_edit(arena *a, const char *id)
{
    Okr__Request *r = req_new(a, OKR__REQUEST__BODY_OBJECTIVE_EDIT);
    r->objective_edit = ARENA_NEW(a, Okr__ObjectiveEdit, OKR__OBJECTIVE_EDIT__INIT);
    r->objective_edit->id = arena_strdup(a, id);
    return r;
}

static Okr__Request *fr_checkin_full(arena *a, const char *kr, double value, double confidence,
                                     const char *note)
{
    Okr__Request *r = req_checkin(a, kr, value);
    r->checkin->has_confidence = true;
    r->checkin->confidence = confidence;
    r->checkin->note = arena_strdup(a, note);
    return r;
}

int fuzz_request_make_corpus(const char *dir)
{
    arena mem;
    arena_init(&mem);
    arena *a = &mem;
    fr_corpus c = {dir, a, 0, false};

    /* one request of every body type, on the seeded ids */
    FR_ONE(&c, "period_add", req_period_add(a, "2027-Q1", "2027-01-01", "2027-03-31"));
    FR_ONE(&c, "period_list", fr_simple(a, OKR__REQUEST__BODY_PERIOD_LIST));
    FR_ONE(&c, "period_reopen", req_period_close(a, "2026-Q3", true));
    FR_ONE(&c, "period_close_refused", req_period_close(a, "2026", false));
    FR_ONE(&c, "team_add", fr_team(a, "design", "eng"));
    FR_ONE(&c, "team_list", fr_simple(a, OKR__REQUEST__BODY_TEAM_LIST));
    Okr__Request *add = fr_objective(a, "Cut costs", "2026-Q4", "ops", 2,
                                     (const char *[]){"O1", "K4"}, (const uint32_t[]){3, 0});
    add->objective_add->objective->owner = "carol";
    add->objective_add->objective->description = "Spend less on hosting";
    add->objective_add->objective->has_type = true;
    add->objective_add->objective->type = OKR__OBJECTIVE_TYPE__COMMITTED;
    FR_ONE(&c, "objective_add", add);
    FR_ONE(&c, "objective_add_default_period",
           fr_objective(a, "This quarter", NULL, NULL, 0, NULL, NULL));
    Okr__Request *edit = fr_edit(a, "O2");
    edit->objective_edit->title = "Ship v2.1";
    edit->objective_edit->description = "";
    edit->objective_edit->owner = "dave";
    edit->objective_edit->has_type = true;
    edit->objective_edit->type = OKR__OBJECTIVE_TYPE__COMMITTED;
    edit->objective_edit->team = "ops";
    FR_ONE(&c, "objective_edit", edit);
    FR_ONE(&c, "objective_get", req_objective_get(a, "O1"));
    FR_ONE(&c, "objective_list", fr_list(a, "2026-Q4", "eng", true));
    FR_ONE(&c, "objective_list_all", fr_list(a, NULL, NULL, false));
    FR_ONE(&c, "align_to_kr", req_align(a, "O3", "K4", 5));
    FR_ONE(&c, "align_reweight", req_align(a, "O2", "O1", 7));
    FR_ONE(&c, "unalign", req_unalign(a, "O4", "O3"));
    FR_ONE(&c, "objective_archive", req_archive(a, "O3", false));
    FR_ONE(&c, "objective_restore", req_archive(a, "O6", true));
    FR_ONE(&c, "objective_delete", req_objective_delete(a, "O4"));
    FR_ONE(&c, "kr_add_metric", fr_kr(a, "O3", "Latency p99", OKR__KR_KIND__METRIC, 300, 100, 2));
    Okr__Request *at_most = fr_kr(a, "O4", "Error rate", OKR__KR_KIND__THRESHOLD, 0, 0.5, 0);
    at_most->kr_add->kr->has_direction = true;
    at_most->kr_add->kr->direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    at_most->kr_add->kr->unit = "%";
    at_most->kr_add->kr->owner = "erin";
    FR_ONE(&c, "kr_add_threshold", at_most);
    FR_ONE(&c, "kr_add_milestone", fr_kr(a, "O2", "Docs", OKR__KR_KIND__MILESTONE, 0, 0, 0));
    FR_ONE(&c, "kr_add_rollup", fr_kr(a, "O2", "Squads", OKR__KR_KIND__ROLLUP, 0, 0, 4));
    Okr__KeyResultEdit kedit = OKR__KEY_RESULT_EDIT__INIT;
    kedit.id = "K1";
    kedit.title = "Revenue";
    kedit.has_kind = kedit.has_target = kedit.has_direction = kedit.has_weight = true;
    kedit.kind = OKR__KR_KIND__THRESHOLD;
    kedit.target = 50;
    kedit.direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
    kedit.weight = 7;
    kedit.unit = "EUR";
    kedit.owner = "frank";
    FR_ONE(&c, "kr_edit", req_kr_edit(a, &kedit));
    Okr__KeyResultEdit kstart = OKR__KEY_RESULT_EDIT__INIT;
    kstart.id = "K5";
    kstart.has_start = kstart.has_target = true;
    kstart.start = 20;
    kstart.target = 2;
    FR_ONE(&c, "kr_edit_metric", req_kr_edit(a, &kstart));
    FR_ONE(&c, "kr_get", req_kr_get(a, "K4"));
    FR_ONE(&c, "kr_delete", req_kr_delete(a, "K3"));
    FR_ONE(&c, "checkin", fr_checkin_full(a, "K1", 70, 0.8, "good week"));
    FR_ONE(&c, "checkin_milestone", req_checkin(a, "K3", 0));
    FR_ONE(&c, "history", req_history(a, "K1", 10));
    FR_ONE(&c, "tree", fr_tree(a, "O1", "2026-Q4", "eng"));
    FR_ONE(&c, "tree_all", fr_tree(a, NULL, NULL, NULL));
    FR_ONE(&c, "status", fr_simple(a, OKR__REQUEST__BODY_STATUS));
    FR_ONE(&c, "snapshot", fr_simple(a, OKR__REQUEST__BODY_SNAPSHOT));
    FR_ONE(&c, "replay", fr_replay(a, 0, 5));

    /* batches: a new objective with a KR and a check-in; a close and reopen
     * around a refused check-in; a cycle refused between two reads */
    Okr__Request *o7 = fr_objective(a, "New bet", "2026-Q4", "eng", 1, (const char *[]){"O2"},
                                    NULL);
    o7->user = "alice";
    FR_MANY(&c, "batch_add_kr_checkin", o7,
            fr_kr(a, "O7", "Signups", OKR__KR_KIND__METRIC, 0, 1000, 0),
            req_checkin(a, "K7", 250), req_align(a, "O7", "K4", 2));
    FR_MANY(&c, "batch_close_reopen", req_period_close(a, "2026-Q4", false),
            req_checkin(a, "K1", 90), req_period_close(a, "2026-Q4", true),
            req_checkin(a, "K5", 1));
    FR_MANY(&c, "batch_cycle_refused", req_objective_get(a, "O1"), req_align(a, "O1", "O4", 1),
            req_align(a, "O1", "K1", 1), fr_tree(a, "O1", NULL, NULL));
    FR_MANY(&c, "batch_closed_period", req_checkin(a, "K6", 9), req_history(a, "K6", 0),
            req_align(a, "O5", "O1", 1), req_kr_get(a, "K6"));
    FR_MANY(&c, "batch_delete_then_use", req_kr_delete(a, "K4"), req_checkin(a, "K4", 1),
            req_objective_delete(a, "O2"), req_objective_get(a, "O6"), fr_replay(a, 20, 0));

    /* refusals: envelope, ids, values */
    Okr__Request *no_version = req_objective_get(a, "O1");
    no_version->has_version = false;
    FR_ONE(&c, "no_version", no_version);
    Okr__Request *v2 = fr_simple(a, OKR__REQUEST__BODY_STATUS);
    v2->version = 2;
    FR_ONE(&c, "version_2", v2);
    FR_ONE(&c, "no_body", req_new(a, OKR__REQUEST__BODY__NOT_SET));
    Okr__Request *with_id = req_kr_get(a, "K0");
    with_id->has_request_id = true;
    with_id->request_id = 0xfeedfacecafeULL;
    FR_ONE(&c, "bad_id", with_id);
    char long_title[OKR_MAX_TITLE + 2];
    memset(long_title, 'x', sizeof long_title - 1);
    long_title[sizeof long_title - 1] = '\0';
    FR_ONE(&c, "title_too_long", fr_objective(a, long_title, "2026-Q4", NULL, 0, NULL, NULL));
    FR_MANY(&c, "bad_values", req_checkin(a, "K1", NAN), req_checkin(a, "K1", 1e300),
            fr_checkin_full(a, "K2", 1, 1.5, "too sure"), req_align(a, "O2", "O1", 1001),
            req_period_add(a, "bad", "2026-12-31", "2026-01-01"),
            fr_kr(a, "O2", "flat", OKR__KR_KIND__METRIC, 5, 5, 0));
    Okr__Request *utf8 = fr_team(a, "t", NULL);
    utf8->team_add->team->name = "\xc3\x28";
    FR_ONE(&c, "bad_utf8", utf8);

    /* frames that are not requests */
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f, 0x12, 0x80};
    fr_write(&c, "garbage", NULL, 0, garbage, sizeof garbage);
    fr_write(&c, "empty", NULL, 0, NULL, 0);
    Okr__Request *whole = req_kr_get(a, "K2");
    size_t whole_len = okr__request__get_packed_size(whole);
    uint8_t *cut = arena_alloc(a, whole_len);
    okr__request__pack(whole, cut);
    uint8_t *truncated = arena_alloc(a, FUZZ_FRAME_SEP_LEN + whole_len);
    memcpy(truncated, FUZZ_FRAME_SEP, FUZZ_FRAME_SEP_LEN);
    memcpy(truncated + FUZZ_FRAME_SEP_LEN, cut, whole_len - 2);
    fr_write(&c, "truncated_frame", (Okr__Request *[]){req_objective_get(a, "O2")}, 1, truncated,
             FUZZ_FRAME_SEP_LEN + whole_len - 2);

    arena_free(&mem);
    return c.failed ? -1 : c.written;
}
