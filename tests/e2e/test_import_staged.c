/* test_import_staged.c — `okr import` of a department, too big for one
 * request: the staged Import (docs/protocol.md, "Staged import"). A
 * department-sized Dump is built here (7 teams, 43 objectives, 129 KRs,
 * 1,512 check-ins, about 330 KB packed) and sent in parts, raw and by the
 * CLI; the tests check that it lands whole in one event, that refusals in
 * the last part change nothing, and the staging table's bounds: retries,
 * wrong offsets, expiry, the number of stagings, the byte cap and the
 * owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "okr_limits.h"

#define TEAMS 6
#define OBJ_PER_TEAM 7
#define KR_PER_OBJ 3
#define WEEKS 12
#define N_OBJ (1 + TEAMS * OBJ_PER_TEAM)                    /* + the department's */
#define N_KR (3 + TEAMS * OBJ_PER_TEAM * KR_PER_OBJ)          /* + its 3 roll-up KRs */
#define N_CHECKIN (TEAMS * OBJ_PER_TEAM * KR_PER_OBJ * WEEKS)
#define N_ALIGN (TEAMS * OBJ_PER_TEAM)

/* ------------------------------------------------------------ the department */

/* Everything of one generated Dump lives in static storage (no frees). */
static char pool[1 << 20];
static size_t pool_used;

static char *text(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(pool + pool_used, sizeof pool - pool_used, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof pool - pool_used);
    char *s = pool + pool_used;
    pool_used += (size_t)n + 1;
    return s;
}

static Okr__Period period, *periods[1];
static Okr__Team team[TEAMS + 1], *teams[TEAMS + 1];
static Okr__Objective obj[N_OBJ], *objs[N_OBJ];
static Okr__KeyResult kr[N_KR], *krs[N_KR];
static Okr__Alignment align[N_ALIGN], *aligns[N_ALIGN];
static Okr__CheckIn ci[N_CHECKIN], *cis[N_CHECKIN];
static Okr__Dump dept;

#define JULY_1_2026_US 1782864000000000LL
#define WEEK_US (7LL * 24 * 3600 * 1000000)

static const char *LOREM =
    "Customers tell us the product is slow at month end; this objective is about making "
    "it fast for everyone, measured where they feel it, with weekly check-ins. ";

static void make_objective(size_t i, const char *team_name)
{
    Okr__Objective *o = &obj[i];
    okr__objective__init(o);
    o->id = text("O%zu", i + 1);
    o->title = text("Objective %zu of %s: make the quarter count", i + 1, team_name);
    o->description = text("%s%s%s%s%s%s", LOREM, LOREM, LOREM, LOREM, LOREM, LOREM);
    o->period = "2026-Q3";
    o->team = (char *)team_name;
    o->owner = text("owner%zu", i % 9);
    o->has_created_at = true;
    o->created_at = JULY_1_2026_US;
    objs[i] = o;
}

static Okr__KeyResult *make_kr(size_t k, size_t objective, bool rollup)
{
    Okr__KeyResult *r = &kr[k];
    okr__key_result__init(r);
    r->id = text("K%zu", k + 1);
    r->objective = objs[objective]->id;
    r->title = text("Key result %zu: move the number that matters", k + 1);
    r->has_kind = true;
    r->kind = rollup ? OKR__KR_KIND__ROLLUP : OKR__KR_KIND__METRIC;
    if (!rollup) {
        r->has_start = r->has_target = true;
        r->start = 10;
        r->target = 10 + (double)(k % 7 + 1) * 10;
        r->unit = "%";
    }
    r->has_weight = true;
    r->weight = (uint32_t)(k % 3 + 1);
    krs[k] = r;
    return r;
}

/* The department: one objective with three roll-up KRs, six teams of seven
 * objectives (each aligned to one roll-up KR) with three metric KRs each,
 * twelve weekly check-ins per metric KR. */
static void make_department(void)
{
    pool_used = 0;
    okr__period__init(&period);
    period.name = "2026-Q3";
    period.start = "2026-07-01";
    period.end = "2026-09-30";
    periods[0] = &period;
    okr__team__init(&team[0]);
    team[0].name = "dept";
    teams[0] = &team[0];
    for (size_t t = 1; t <= TEAMS; t++) {
        okr__team__init(&team[t]);
        team[t].name = text("team-%zu", t);
        team[t].parent = "dept";
        teams[t] = &team[t];
    }
    make_objective(0, "dept");
    for (size_t k = 0; k < 3; k++)
        make_kr(k, 0, true);
    size_t k = 3, c = 0;
    for (size_t i = 1; i < N_OBJ; i++) {
        make_objective(i, team[1 + (i - 1) / OBJ_PER_TEAM].name);
        Okr__Alignment *a = &align[i - 1];
        okr__alignment__init(a);
        a->child = objs[i]->id;
        a->parent = krs[i % 3]->id;
        a->has_weight = true;
        a->weight = (uint32_t)(i % 4 + 1);
        aligns[i - 1] = a;
        for (size_t j = 0; j < KR_PER_OBJ; j++, k++) {
            Okr__KeyResult *r = make_kr(k, i, false);
            for (int w = 0; w < WEEKS; w++, c++) {
                Okr__CheckIn *x = &ci[c];
                okr__check_in__init(x);
                x->kr = r->id;
                x->has_time = x->has_value = x->has_confidence = true;
                x->time = JULY_1_2026_US + (w + 1) * WEEK_US + (int64_t)k;
                x->value = r->start + (r->target - r->start) * (w + 1) / (WEEKS + 3);
                x->confidence = 0.5 + 0.04 * w;
                x->note = text("Week %d: %s measured on the dashboard; blockers were "
                               "reviewed with the team and the plan for next week is set.",
                               w + 1, r->id);
                x->author = w % 2 ? "alice" : "bob";
                cis[c] = x;
            }
        }
    }
    okr__dump__init(&dept);
    dept.has_version = true;
    dept.version = 1;
    dept.n_periods = 1, dept.periods = periods;
    dept.n_teams = TEAMS + 1, dept.teams = teams;
    dept.n_objectives = N_OBJ, dept.objectives = objs;
    dept.n_key_results = N_KR, dept.key_results = krs;
    dept.n_alignments = N_ALIGN, dept.alignments = aligns;
    dept.n_checkins = N_CHECKIN, dept.checkins = cis;
}

/* The department packed (malloc'd), its size in *len. */
static uint8_t *packed_department(size_t *len)
{
    make_department();
    *len = okr__dump__get_packed_size(&dept);
    uint8_t *bytes = malloc(*len);
    assert_non_null(bytes);
    okr__dump__pack(&dept, bytes);
    return bytes;
}

/* ------------------------------------------------------------ raw parts */

/* One part; request_id 0: a fresh one. user: Request.user (local mode's actor). */
static Okr__Response *send_part(struct harness_server *s, uint64_t staging, size_t offset,
                                size_t total, const uint8_t *bytes, size_t len,
                                uint64_t request_id)
{
    Okr__Import in = OKR__IMPORT__INIT;
    in.has_staging = staging != 0;
    in.staging = staging;
    in.has_offset = in.has_total_bytes = in.has_chunk = true;
    in.offset = offset;
    in.total_bytes = total;
    in.chunk.data = (uint8_t *)bytes + offset;
    in.chunk.len = len;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_IMPORT_DATA;
    req.import_data = &in;
    req.has_request_id = request_id != 0;
    req.request_id = request_id;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    return resp;
}

/* Send every part but the last, each accepted; returns the staging. */
static uint64_t send_all_but_last(struct harness_server *s, const uint8_t *bytes, size_t total,
                                  size_t *last_offset)
{
    uint64_t staging = 0;
    size_t offset = 0;
    while (total - offset > OKR_IMPORT_PART_BYTES) {
        Okr__Response *r = send_part(s, staging, offset, total, bytes, OKR_IMPORT_PART_BYTES, 0);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        assert_int_equal(r->body_case, OKR__RESPONSE__BODY_IMPORTED);
        assert_null(r->imported->changed);                 /* no change, no seq */
        assert_true(r->imported->staging != 0);
        assert_true(staging == 0 || r->imported->staging == staging);
        staging = r->imported->staging;
        offset += OKR_IMPORT_PART_BYTES;
        assert_int_equal(r->imported->received, offset);
        okr__response__free_unpacked(r, NULL);
        assert_int_equal(harness_last_seq(s), 0);          /* nothing stored yet */
    }
    *last_offset = offset;
    return staging;
}

static void expect_error(Okr__Response *r, Okr__ErrorCode code, const char *message)
{
    assert_int_equal(harness_error_code(r), code);
    assert_string_equal(r->error->message, message);
    okr__response__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ helpers */

static char *okr_out(struct harness_server *s, ...)
{
    const char *args[24];
    va_list ap;
    va_start(ap, s);
    int n = 0;
    while (n < 23 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

/* "id=score" of every node, one a line, in snapshot order (malloc'd). */
static char *scores(struct harness_server *s)
{
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &get;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    const Okr__Snapshot *snap = resp->snapshot;
    assert_false(snap->more);
    assert_int_equal(snap->n_objectives, N_OBJ);
    assert_int_equal(snap->n_krs, N_KR);
    size_t cap = 64 * (N_OBJ + N_KR), used = 0;
    char *buf = malloc(cap);
    buf[0] = '\0';
    for (size_t i = 0; i < snap->n_objectives; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s=%lld\n", snap->objectives[i]->id,
                                 (long long)snap->objectives[i]->score);
    for (size_t i = 0; i < snap->n_krs; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s=%lld\n", snap->krs[i]->id,
                                 (long long)snap->krs[i]->score);
    okr__response__free_unpacked(resp, NULL);
    return buf;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void path_in(const struct harness_server *s, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", s->root, name);
}

#define IMPORTED_LINE "imported 1 periods, 7 teams, 43 objectives, 129 key results, " \
                      "42 alignments, 1512 check-ins (seq 1)\n"

/* ------------------------------------------------------------ tests */

/* Raw parts into A; A's export by the CLI into B; B's export equals A's,
 * every score too, and each server took exactly one event. */
static void test_a_department_imports_in_parts_and_round_trips(void **state)
{
    (void)state;
    struct harness_server a, b;
    assert_int_equal(harness_server_start(&a, NULL), 0);
    assert_int_equal(harness_server_start(&b, NULL), 0);
    size_t total, offset;
    uint8_t *bytes = packed_department(&total);
    fprintf(stderr, "department: %zu bytes packed\n", total);
    assert_true(total > 250 * 1024);
    uint64_t staging = send_all_but_last(&a, bytes, total, &offset);
    Okr__Response *r = send_part(&a, staging, offset, total, bytes, total - offset, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, 1);
    assert_int_equal(r->imported->objectives, N_OBJ);
    assert_int_equal(r->imported->key_results, N_KR);
    assert_int_equal(r->imported->checkins, N_CHECKIN);
    assert_int_equal(r->imported->received, total);
    okr__response__free_unpacked(r, NULL);
    assert_int_equal(harness_last_seq(&a), 1);

    char first[HARNESS_PATH_MAX], second[HARNESS_PATH_MAX];
    path_in(&a, "a.json", first, sizeof first);
    path_in(&b, "b.json", second, sizeof second);
    free(okr_out(&a, "export", "--json", first, NULL));
    char *said = okr_out(&b, "--user", "importer", "import", first, NULL);
    assert_string_equal(said, IMPORTED_LINE);
    free(said);
    assert_int_equal(harness_last_seq(&b), 1);
    free(okr_out(&b, "export", "--json", second, NULL));
    size_t la, lb;
    char *ja = read_file(first, &la), *jb = read_file(second, &lb);
    assert_true(la > 400 * 1024);
    assert_int_equal(la, lb);
    assert_string_equal(ja, jb);
    char *sa = scores(&a), *sb = scores(&b);
    assert_string_equal(sa, sb);
    char *log = okr_out(&b, "log", NULL);
    assert_non_null(strstr(log, "importer import of "));
    free(log);
    free(sa), free(sb), free(ja), free(jb), free(bytes);
    harness_server_destroy(&a);
    harness_server_destroy(&b);
}

/* The CLI is quiet about parts unless -v; then it names each. */
static void test_verbose_import_names_each_part(void **state)
{
    (void)state;
    struct harness_server a, b;
    assert_int_equal(harness_server_start(&a, NULL), 0);
    assert_int_equal(harness_server_start(&b, NULL), 0);
    size_t total, offset;
    uint8_t *bytes = packed_department(&total);
    uint64_t staging = send_all_but_last(&a, bytes, total, &offset);
    Okr__Response *r = send_part(&a, staging, offset, total, bytes, total - offset, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(r, NULL);
    char path[HARNESS_PATH_MAX];
    path_in(&a, "a.json", path, sizeof path);
    free(okr_out(&a, "export", "--json", path, NULL));
    struct harness_result res;
    harness_okr(&b, &res, "import", path, NULL);
    harness_expect_exit(&res, 0);
    assert_string_equal(res.out, IMPORTED_LINE);
    assert_string_equal(res.err, "");
    harness_result_free(&res);

    struct harness_server c;
    assert_int_equal(harness_server_start(&c, NULL), 0);
    harness_okr(&c, &res, "import", path, "-v", NULL);
    harness_expect_exit(&res, 0);
    assert_string_equal(res.out, IMPORTED_LINE);
    /* Every part a line, the last one holding every byte. */
    size_t n = 0, part, parts, held, sent = 0;
    for (const char *p = res.err; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        assert_int_equal(sscanf(p, "okr: import: part %zu of %zu sent, %zu of %zu bytes held",
                                &part, &parts, &held, &total), 4);
        assert_int_equal(part, ++n);
        assert_true(held > sent);
        sent = held;
    }
    assert_true(n >= 6);
    assert_int_equal(part, parts);
    assert_int_equal(held, total);
    harness_result_free(&res);
    free(bytes);
    harness_server_destroy(&a);
    harness_server_destroy(&b);
    harness_server_destroy(&c);
}

/* A bad record in the last part: refused with its sentence, nothing stored,
 * no event, the staging freed; then the good file imports. */
static void test_a_bad_record_in_the_last_part_changes_nothing(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    make_department();
    cis[N_CHECKIN - 1]->kr = "K9999";          /* the last record packed */
    size_t total = okr__dump__get_packed_size(&dept), offset;
    uint8_t *bytes = malloc(total);
    okr__dump__pack(&dept, bytes);
    uint64_t staging = send_all_but_last(&s, bytes, total, &offset);
    Okr__Response *r = send_part(&s, staging, offset, total, bytes, total - offset, 0);
    char want[256];
    snprintf(want, sizeof want, "import: checkins[%d] (K9999): kr K9999 is not in the file (ids "
                                "of a file refer to its own records; export the period it "
                                "belongs to as well)", N_CHECKIN - 1);
    expect_error(r, OKR__ERROR_CODE__NOT_FOUND, want);
    assert_int_equal(harness_last_seq(&s), 0);
    char *out = okr_out(&s, "period", "list", "--json", NULL);
    assert_null(strstr(out, "2026-Q3"));
    free(out);
    /* The staging is gone: its last part again is told to start over. */
    r = send_part(&s, staging, offset, total, bytes, total - offset, 0);
    snprintf(want, sizeof want, "import: staging %llu is unknown, expired (60 s without a part) "
                                "or finished: start the import again",
             (unsigned long long)staging);
    expect_error(r, OKR__ERROR_CODE__NOT_FOUND, want);
    free(bytes);

    bytes = packed_department(&total);
    staging = send_all_but_last(&s, bytes, total, &offset);
    r = send_part(&s, staging, offset, total, bytes, total - offset, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, 1);
    okr__response__free_unpacked(r, NULL);
    free(bytes);
    harness_server_destroy(&s);
}

/* Exactly once: a part retried under its request id gets the same answer
 * (the first part the same staging), a part out of order is refused, and
 * the last part retried is answered from the reply cache. */
static void test_retried_parts_are_answered_again(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    size_t total;
    uint8_t *bytes = packed_department(&total);
    const size_t P = OKR_IMPORT_PART_BYTES;
    Okr__Response *r = send_part(&s, 0, 0, total, bytes, P, 1001);
    uint64_t staging = r->imported->staging;
    okr__response__free_unpacked(r, NULL);
    r = send_part(&s, 0, 0, total, bytes, P, 1001);              /* the retry */
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->staging, staging);
    assert_int_equal(r->imported->received, P);
    okr__response__free_unpacked(r, NULL);
    r = send_part(&s, staging, P, total, bytes, P, 1002);
    okr__response__free_unpacked(r, NULL);
    r = send_part(&s, staging, P, total, bytes, P, 1002);        /* the retry */
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->received, 2 * P);
    okr__response__free_unpacked(r, NULL);

    char want[256];
    r = send_part(&s, staging, 3 * P, total, bytes, P, 0);       /* skips a part */
    snprintf(want, sizeof want, "import: offset %zu: staging %llu holds %zu bytes; the next part "
                                "starts at offset %zu (parts go in order)", 3 * P,
             (unsigned long long)staging, 2 * P, 2 * P);
    expect_error(r, OKR__ERROR_CODE__INVALID_ARGUMENT, want);
    uint8_t *other = malloc(P);
    memset(other, 'x', P);
    r = send_part(&s, staging, 0, total, other, P, 0);            /* held bytes, other content */
    snprintf(want, sizeof want, "import: offset 0: staging %llu holds %zu bytes; the next part "
                                "starts at offset %zu (parts go in order)",
             (unsigned long long)staging, 2 * P, 2 * P);
    expect_error(r, OKR__ERROR_CODE__INVALID_ARGUMENT, want);
    free(other);
    r = send_part(&s, staging, 2 * P, total + 1, bytes, P, 0);
    snprintf(want, sizeof want, "import: total_bytes %zu differs from the %zu of staging %llu "
                                "(set by its first part)", total + 1, total,
             (unsigned long long)staging);
    expect_error(r, OKR__ERROR_CODE__INVALID_ARGUMENT, want);

    size_t offset = 2 * P;
    uint64_t id = 2000;
    for (; total - offset > P; offset += P) {
        r = send_part(&s, staging, offset, total, bytes, P, ++id);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        okr__response__free_unpacked(r, NULL);
    }
    r = send_part(&s, staging, offset, total, bytes, total - offset, 3000);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, 1);
    okr__response__free_unpacked(r, NULL);
    r = send_part(&s, staging, offset, total, bytes, total - offset, 3000);   /* the retry */
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, 1);
    assert_int_equal(r->imported->checkins, N_CHECKIN);
    okr__response__free_unpacked(r, NULL);
    assert_int_equal(harness_last_seq(&s), 1);
    free(bytes);
    harness_server_destroy(&s);
}

/* A staging idle past --import-idle is dropped: NOT_FOUND, start again.
 * Polled with a part at a wrong offset, which does not count as use. */
static void test_an_idle_staging_expires(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, "--import-idle", "1", NULL), 0);
    size_t total;
    uint8_t *bytes = packed_department(&total);
    const size_t P = OKR_IMPORT_PART_BYTES;
    Okr__Response *r = send_part(&s, 0, 0, total, bytes, P, 0);
    uint64_t staging = r->imported->staging;
    okr__response__free_unpacked(r, NULL);
    struct timespec tick = {0, 50 * 1000000};
    Okr__ErrorCode code = OKR__ERROR_CODE__INVALID_ARGUMENT;
    for (int i = 0; i < 100 && code == OKR__ERROR_CODE__INVALID_ARGUMENT; i++) {
        r = send_part(&s, staging, 3 * P, total, bytes, P, 0);
        code = harness_error_code(r);
        if (code == OKR__ERROR_CODE__INVALID_ARGUMENT) {
            okr__response__free_unpacked(r, NULL);
            nanosleep(&tick, NULL);
        }
    }
    char want[256];
    snprintf(want, sizeof want, "import: staging %llu is unknown, expired (1 s without a part) "
                                "or finished: start the import again",
             (unsigned long long)staging);
    expect_error(r, OKR__ERROR_CODE__NOT_FOUND, want);
    r = send_part(&s, staging, P, total, bytes, P, 0);           /* the right part: too late */
    expect_error(r, OKR__ERROR_CODE__NOT_FOUND, want);
    assert_int_equal(harness_last_seq(&s), 0);
    free(bytes);
    harness_server_destroy(&s);
}

/* Bounds: four stagings at once, OKR_MAX_IMPORT_BYTES (4 MiB) in one, nothing past total_bytes. */
static void test_the_staging_table_is_bounded(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    size_t total;
    uint8_t *bytes = packed_department(&total);
    const size_t P = OKR_IMPORT_PART_BYTES;
    for (int i = 0; i < OKR_MAX_IMPORT_STAGINGS; i++) {
        Okr__Response *r = send_part(&s, 0, 0, total, bytes, P, 0);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        okr__response__free_unpacked(r, NULL);
    }
    expect_error(send_part(&s, 0, 0, total, bytes, P, 0), OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                 "import: 4 staged imports are in progress, the most okrd holds at once; try "
                 "again when one finishes (an idle one is dropped after 60 s)");
    expect_error(send_part(&s, 0, 0, OKR_MAX_IMPORT_BYTES + 1, bytes, P, 0),
                 OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                 "import: total_bytes 4194305 is more than the 4194304 bytes a staged import "
                 "may hold; import one period at a time (okr import FILE --period P)");
    expect_error(send_part(&s, 0, 0, P - 1, bytes, P, 0), OKR__ERROR_CODE__INVALID_ARGUMENT,
                 "import: offset 0 and 49152 bytes of chunk go past total_bytes 49151");
    expect_error(send_part(&s, 0, P, total, bytes, P, 0), OKR__ERROR_CODE__INVALID_ARGUMENT,
                 "import: offset 49152 without a staging: the first part starts at offset 0");
    assert_int_equal(harness_last_seq(&s), 0);
    free(bytes);
    harness_server_destroy(&s);
}

/* A Dump that fits one part runs at once, with no staging. */
static void test_a_single_part_imports_at_once(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    Okr__Period p = OKR__PERIOD__INIT;
    p.name = "2026";
    p.start = "2026-01-01";
    p.end = "2026-12-31";
    Okr__Period *ps[] = {&p};
    Okr__Dump d = OKR__DUMP__INIT;
    d.has_version = true;
    d.version = 1;
    d.n_periods = 1, d.periods = ps;
    uint8_t buf[128];
    size_t len = okr__dump__pack(&d, buf);
    Okr__Response *r = send_part(&s, 0, 0, len, buf, len, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->periods, 1);
    assert_int_equal(r->imported->changed->seq, 1);
    okr__response__free_unpacked(r, NULL);
    uint8_t junk[] = {0xff, 0xff, 0xff};
    r = send_part(&s, 0, 0, sizeof junk, junk, sizeof junk, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(r->error->message, "import: the 3 bytes of the parts are not a "
                                              "packed okr.Dump"));
    okr__response__free_unpacked(r, NULL);
    assert_int_equal(harness_last_seq(&s), 1);
    harness_server_destroy(&s);
}

/* The last part runs the import in a batch that fills the map: okrd grows
 * it and runs the batch again, the staging still there, and the import
 * lands once. */
static void test_a_full_map_runs_the_last_part_again(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, "--map-size", "65536", NULL), 0);
    size_t total, offset;
    uint8_t *bytes = packed_department(&total);
    uint64_t staging = send_all_but_last(&s, bytes, total, &offset);
    Okr__Response *r = send_part(&s, staging, offset, total, bytes, total - offset, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, 1);
    assert_int_equal(r->imported->checkins, N_CHECKIN);
    okr__response__free_unpacked(r, NULL);
    assert_true(harness_server_log_contains(&s, "map full at "));
    assert_int_equal(harness_last_seq(&s), 1);
    char *sc = scores(&s);
    free(sc);
    free(bytes);
    harness_server_destroy(&s);
}

/* Secure mode: a staging is its admin's; another admin is told NOT_FOUND
 * and cannot add a part to it, its owner can. */
static void test_another_actor_cannot_add_to_a_staging(void **state)
{
    (void)state;
    struct harness_server s;
    struct harness_result res;
    char ada_pub[41], ada_sec[41], bea_pub[41], bea_sec[41];
    assert_int_equal(zmq_curve_keypair(ada_pub, ada_sec), 0);
    assert_int_equal(zmq_curve_keypair(bea_pub, bea_sec), 0);
    assert_int_equal(harness_server_prepare(&s, "--secure", NULL), 0);
    harness_okrd_cmd(&res, "--data", s.data_dir, "--print-key", NULL);
    harness_expect_exit(&res, 0);
    char *server_key = harness_chomp(res.out);
    harness_result_free(&res);
    harness_okrd_cmd(&res, "--data", s.data_dir, "--add-user", "ada", "--role", "admin", "--key",
                     ada_pub, NULL);
    harness_expect_exit(&res, 0);
    harness_result_free(&res);
    harness_okrd_cmd(&res, "--data", s.data_dir, "--add-user", "bea", "--role", "admin", "--key",
                     bea_pub, NULL);
    harness_expect_exit(&res, 0);
    harness_result_free(&res);
    assert_int_equal(harness_server_launch(&s), 0);

    size_t total;
    uint8_t *bytes = packed_department(&total);
    const size_t P = OKR_IMPORT_PART_BYTES;
    harness_client_curve(&s, server_key, ada_pub, ada_sec);
    uint64_t seq = harness_last_seq(&s);           /* the offline user adds are events */
    Okr__Response *r = send_part(&s, 0, 0, total, bytes, P, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    uint64_t staging = r->imported->staging;
    okr__response__free_unpacked(r, NULL);

    harness_client_curve(&s, server_key, bea_pub, bea_sec);
    char want[256];
    snprintf(want, sizeof want, "import: staging %llu is unknown, expired (60 s without a part) "
                                "or finished: start the import again",
             (unsigned long long)staging);
    expect_error(send_part(&s, staging, P, total, bytes, P, 0), OKR__ERROR_CODE__NOT_FOUND,
                 want);

    harness_client_curve(&s, server_key, ada_pub, ada_sec);
    size_t offset = P;
    for (; total - offset > P; offset += P) {
        r = send_part(&s, staging, offset, total, bytes, P, 0);
        assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
        assert_int_equal(r->imported->received, offset + P);      /* bea added nothing */
        okr__response__free_unpacked(r, NULL);
    }
    r = send_part(&s, staging, offset, total, bytes, total - offset, 0);
    assert_int_equal(harness_error_code(r), OKR__ERROR_CODE__OK);
    assert_int_equal(r->imported->changed->seq, seq + 1);
    okr__response__free_unpacked(r, NULL);
    free(bytes);
    free(server_key);
    harness_server_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_department_imports_in_parts_and_round_trips),
        cmocka_unit_test(test_verbose_import_names_each_part),
        cmocka_unit_test(test_a_bad_record_in_the_last_part_changes_nothing),
        cmocka_unit_test(test_retried_parts_are_answered_again),
        cmocka_unit_test(test_an_idle_staging_expires),
        cmocka_unit_test(test_the_staging_table_is_bounded),
        cmocka_unit_test(test_a_single_part_imports_at_once),
        cmocka_unit_test(test_a_full_map_runs_the_last_part_again),
        cmocka_unit_test(test_another_actor_cannot_add_to_a_staging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
