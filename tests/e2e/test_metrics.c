/* test_metrics.c — end to end, with the real okrd and okr: okrd's counters
 * (Status 30..36) are exact after a known sequence of requests, some of them
 * refused with known codes; a refused request is counted under its code and
 * moves nothing else; the subscriber gauge follows connections; and
 * `okr status --prometheus` is well-formed Prometheus text 0.0.4 (checked
 * by the small parser below; promtool is not used: Debian's prometheus
 * package is 96 MB) whose values agree with the counters.
 *
 * Every request here goes through the raw client one at a time, so each is
 * a batch of its own and the expected figures are exact. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include <cmocka.h>

#include "harness.h"

#define PERIOD "2026-Q4"

static int setup_server(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown_server(void **state)
{
    struct harness_server *s = *state;
    if (s) {
        harness_server_destroy(s);
        free(s);
    }
    return 0;
}

/* ------------------------------------------------------------ requests */

/* Send req on the raw client; assert the reply's code; free it. */
static void send_expect(struct harness_server *s, Okr__Request *req, Okr__ErrorCode code)
{
    Okr__Response *resp = harness_request(s, req);
    assert_non_null(resp);
    if (harness_error_code(resp) != code)
        fail_msg("request %d: code %d (%s), expected %d", (int)req->body_case,
                 (int)harness_error_code(resp),
                 resp->error && resp->error->message ? resp->error->message : "",
                 (int)code);
    okr__response__free_unpacked(resp, NULL);
}

static void period_add(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodAdd body = OKR__PERIOD_ADD__INIT;
    Okr__Period p = OKR__PERIOD__INIT;
    p.name = PERIOD;
    p.start = "2026-10-01";
    p.end = "2026-12-31";
    body.period = &p;
    req.body_case = OKR__REQUEST__BODY_PERIOD_ADD;
    req.period_add = &body;
    send_expect(s, &req, OKR__ERROR_CODE__OK);
}

static void team_add(struct harness_server *s, Okr__ErrorCode code)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TeamAdd body = OKR__TEAM_ADD__INIT;
    Okr__Team t = OKR__TEAM__INIT;
    t.name = "core";
    body.team = &t;
    req.body_case = OKR__REQUEST__BODY_TEAM_ADD;
    req.team_add = &body;
    send_expect(s, &req, code);
}

static void objective_add(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveAdd body = OKR__OBJECTIVE_ADD__INIT;
    Okr__Objective o = OKR__OBJECTIVE__INIT;
    o.title = "Ship it";
    o.period = PERIOD;
    o.team = "core";
    body.objective = &o;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req.objective_add = &body;
    send_expect(s, &req, OKR__ERROR_CODE__OK);
}

static void kr_add(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__KeyResultAdd body = OKR__KEY_RESULT_ADD__INIT;
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = "O1";
    kr.title = "Orders";
    kr.has_kind = kr.has_start = kr.has_target = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.start = 0;
    kr.target = 100;
    body.kr = &kr;
    req.body_case = OKR__REQUEST__BODY_KR_ADD;
    req.kr_add = &body;
    send_expect(s, &req, OKR__ERROR_CODE__OK);
}

/* A check-in of kr; has_value false leaves the value out (refused). */
static void checkin(struct harness_server *s, const char *kr, bool has_value, double value,
                    Okr__ErrorCode code)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd body = OKR__CHECK_IN_ADD__INIT;
    body.kr = (char *)kr;
    body.has_value = has_value;
    body.value = value;
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &body;
    send_expect(s, &req, code);
}

/* A StatusGet in a protocol version okrd does not speak. */
static void status_bad_version(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet body = OKR__STATUS_GET__INIT;
    req.has_version = true;
    req.version = 99;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &body;
    send_expect(s, &req, OKR__ERROR_CODE__UNSUPPORTED_VERSION);
}

/* A frame that is not an okr.Request: answered INVALID_ARGUMENT. */
static void garbage(struct harness_server *s)
{
    static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34, 0x00};
    Okr__Response *resp = NULL;
    assert_int_equal(harness_send_raw(s, junk, sizeof junk, false), 0);
    assert_int_equal(harness_recv_raw(s, 5000, &resp), 1);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
    okr__response__free_unpacked(resp, NULL);
}

static Okr__Response *status(struct harness_server *s)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet body = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &body;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_STATUS);
    return resp;
}

/* The counter of (type, code) in a Status, 0 when absent. */
static uint64_t requests_of(const Okr__Status *st, const char *type, const char *code)
{
    for (size_t i = 0; i < st->n_requests; i++)
        if (strcmp(st->requests[i]->type, type) == 0 && strcmp(st->requests[i]->code, code) == 0)
            return st->requests[i]->count;
    return 0;
}

static uint64_t requests_sum(const Okr__Status *st)
{
    uint64_t n = 0;
    for (size_t i = 0; i < st->n_requests; i++)
        n += st->requests[i]->count;
    return n;
}

/* The known sequence: 12 requests, 7 changes, 5 refusals of 5 kinds. */
#define KNOWN_REQUESTS 12
#define KNOWN_CHANGES 7
static void known_requests(struct harness_server *s)
{
    period_add(s);
    team_add(s, OKR__ERROR_CODE__OK);
    team_add(s, OKR__ERROR_CODE__CONFLICT);
    objective_add(s);
    kr_add(s);
    checkin(s, "K1", true, 10, OKR__ERROR_CODE__OK);
    checkin(s, "K1", true, 20, OKR__ERROR_CODE__OK);
    checkin(s, "K1", true, 30, OKR__ERROR_CODE__OK);
    checkin(s, "K99", true, 5, OKR__ERROR_CODE__NOT_FOUND);
    checkin(s, "K1", false, 0, OKR__ERROR_CODE__INVALID_ARGUMENT);
    status_bad_version(s);
    garbage(s);
}

/* ------------------------------------------------------------ the counters */

static void test_counters_are_exact_after_known_requests(void **state)
{
    struct harness_server *s = *state;
    known_requests(s);
    Okr__Response *resp = status(s);
    const Okr__Status *st = resp->status;

    /* by type and code: exactly these cells (the status asking is not yet counted) */
    assert_int_equal(requests_of(st, "period_add", "ok"), 1);
    assert_int_equal(requests_of(st, "team_add", "ok"), 1);
    assert_int_equal(requests_of(st, "team_add", "conflict"), 1);
    assert_int_equal(requests_of(st, "objective_add", "ok"), 1);
    assert_int_equal(requests_of(st, "kr_add", "ok"), 1);
    assert_int_equal(requests_of(st, "checkin", "ok"), 3);
    assert_int_equal(requests_of(st, "checkin", "not_found"), 1);
    assert_int_equal(requests_of(st, "checkin", "invalid_argument"), 1);
    assert_int_equal(requests_of(st, "status", "unsupported_version"), 1);
    assert_int_equal(requests_of(st, "malformed", "invalid_argument"), 1);
    assert_int_equal(st->n_requests, 10);
    assert_int_equal(requests_sum(st), KNOWN_REQUESTS);

    /* one request per batch */
    assert_non_null(st->batch_size);
    assert_int_equal(st->batch_size->count, KNOWN_REQUESTS);
    assert_int_equal(st->batch_size->sum, KNOWN_REQUESTS);
    assert_true(st->batch_size->n_le > 0 && st->batch_size->n_at_most == st->batch_size->n_le);
    assert_int_equal(st->batch_size->le[0], 1);
    assert_int_equal(st->batch_size->at_most[0], KNOWN_REQUESTS);

    /* a commit per change; refused requests commit nothing */
    assert_non_null(st->commit_us);
    assert_int_equal(st->commit_us->count, KNOWN_CHANGES);
    assert_int_equal(st->commit_us->at_most[st->commit_us->n_at_most - 1] <= KNOWN_CHANGES, 1);
    for (size_t i = 1; i < st->commit_us->n_at_most; i++)
        assert_true(st->commit_us->at_most[i] >= st->commit_us->at_most[i - 1]);

    /* events: one per change, each published; the seq agrees */
    assert_int_equal(st->last_seq, KNOWN_CHANGES);
    assert_true(st->has_events_published);
    assert_int_equal(st->events_published, st->last_seq);

    /* the map */
    assert_true(st->has_map_bytes && st->map_bytes >= st->data_bytes && st->data_bytes > 0);
    assert_true(st->has_map_grows);
    assert_int_equal(st->map_grows, 0);
    okr__response__free_unpacked(resp, NULL);

    /* and the status that asked is counted by the next one */
    resp = status(s);
    assert_int_equal(requests_of(resp->status, "status", "ok"), 1);
    assert_int_equal(resp->status->batch_size->count, KNOWN_REQUESTS + 1);
    okr__response__free_unpacked(resp, NULL);
}

static void assert_same_histogram(const Okr__MetricHistogram *a, const Okr__MetricHistogram *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->sum, b->sum);
    assert_int_equal(a->n_at_most, b->n_at_most);
    for (size_t i = 0; i < a->n_at_most; i++)
        assert_int_equal(a->at_most[i], b->at_most[i]);
}

static void test_refused_request_counts_under_its_code_and_changes_nothing_else(void **state)
{
    struct harness_server *s = *state;
    known_requests(s);
    Okr__Response *before = status(s);
    checkin(s, "K99", true, 5, OKR__ERROR_CODE__NOT_FOUND);
    Okr__Response *after = status(s);
    const Okr__Status *a = before->status, *b = after->status;

    /* the refusal, and the status that asked before it: nothing else */
    assert_int_equal(requests_of(b, "checkin", "not_found"),
                     requests_of(a, "checkin", "not_found") + 1);
    assert_int_equal(requests_of(b, "status", "ok"), requests_of(a, "status", "ok") + 1);
    assert_int_equal(requests_sum(b), requests_sum(a) + 2);
    for (size_t i = 0; i < a->n_requests; i++) {
        const char *type = a->requests[i]->type, *code = a->requests[i]->code;
        if (strcmp(type, "status") == 0 || strcmp(type, "checkin") == 0)
            continue;
        assert_int_equal(requests_of(b, type, code), a->requests[i]->count);
    }
    assert_int_equal(requests_of(b, "checkin", "ok"), requests_of(a, "checkin", "ok"));
    assert_int_equal(b->batch_size->count, a->batch_size->count + 2);
    assert_same_histogram(a->commit_us, b->commit_us);
    assert_int_equal(b->last_seq, a->last_seq);
    assert_int_equal(b->events_published, a->events_published);
    assert_int_equal(b->objectives, a->objectives);
    assert_int_equal(b->krs, a->krs);
    assert_int_equal(b->checkins, a->checkins);
    assert_int_equal(b->data_bytes, a->data_bytes);
    assert_int_equal(b->map_bytes, a->map_bytes);
    assert_int_equal(b->map_grows, a->map_grows);
    okr__response__free_unpacked(before, NULL);
    okr__response__free_unpacked(after, NULL);
}

/* Poll the subscriber gauge until it reads want (5 s at most). */
static void wait_subscribers(struct harness_server *s, uint64_t want)
{
    struct timespec pause = {0, 20 * 1000 * 1000};
    uint64_t seen = 0;
    for (int i = 0; i < 250; i++) {
        Okr__Response *resp = status(s);
        assert_true(resp->status->has_subscribers);
        seen = resp->status->subscribers;
        okr__response__free_unpacked(resp, NULL);
        if (seen == want)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("subscribers: %llu, expected %llu", (unsigned long long)seen,
             (unsigned long long)want);
}

static void test_subscribers_follow_connections(void **state)
{
    struct harness_server *s = *state;
    wait_subscribers(s, 0);
    void *ctx = zmq_ctx_new();
    void *one = zmq_socket(ctx, ZMQ_SUB), *two = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(one, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(two, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(one, ZMQ_SUBSCRIBE, "all", 3);
    assert_int_equal(zmq_connect(one, s->events), 0);
    assert_int_equal(zmq_connect(two, s->events), 0);
    wait_subscribers(s, 2);
    zmq_close(one);
    wait_subscribers(s, 1);
    zmq_close(two);
    wait_subscribers(s, 0);
    zmq_ctx_term(ctx);
}

/* ------------------------------------------------------------ Prometheus */

/* A small parser of the text exposition format 0.0.4, strict where okrd's
 * output must be: every line is a HELP, a TYPE or a sample; each family has
 * one HELP and one TYPE before its samples, which are contiguous; names and
 * labels are well-formed; values parse whole. It records each sample as
 * "name{labels}" -> value and each family's type. */
#define MAX_SAMPLES 512
#define MAX_FAMILIES 64

typedef struct {
    char key[256];              /* name{labels} as written */
    char name[128];
    char le[32];                /* a histogram bucket's le, else "" */
    double value;
} sample;

typedef struct {
    char name[128];
    char type[16];
    bool help;
} family;

typedef struct {
    sample samples[MAX_SAMPLES];
    size_t n_samples;
    family families[MAX_FAMILIES];
    size_t n_families;
} exposition;

static bool name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* A metric name at *p into buf; advances *p. */
static void parse_name(const char **p, char *buf, size_t len, const char *line)
{
    size_t n = 0;
    if (!name_start(**p))
        fail_msg("not a metric name: %s", line);
    while (name_char(**p) && n + 1 < len)
        buf[n++] = *(*p)++;
    buf[n] = '\0';
}

static family *family_of(exposition *e, const char *name)
{
    for (size_t i = 0; i < e->n_families; i++)
        if (strcmp(e->families[i].name, name) == 0)
            return &e->families[i];
    return NULL;
}

static family *new_family(exposition *e, const char *name)
{
    family *f = family_of(e, name);
    if (f)
        return f;
    assert_true(e->n_families < MAX_FAMILIES);
    f = &e->families[e->n_families++];
    snprintf(f->name, sizeof f->name, "%s", name);
    return f;
}

static void parse_comment(exposition *e, const char *line)
{
    char name[128];
    const char *p;
    bool help = strncmp(line, "# HELP ", 7) == 0;
    if (!help && strncmp(line, "# TYPE ", 7) != 0)
        fail_msg("a comment that is neither HELP nor TYPE: %s", line);
    p = line + 7;
    parse_name(&p, name, sizeof name, line);
    if (*p != ' ' || p[1] == '\0')
        fail_msg("HELP or TYPE without its text: %s", line);
    family *f = new_family(e, name);
    if (help) {
        if (f->help)
            fail_msg("a second HELP for %s", name);
        f->help = true;
        return;
    }
    if (f->type[0])
        fail_msg("a second TYPE for %s", name);
    p++;
    if (strcmp(p, "counter") && strcmp(p, "gauge") && strcmp(p, "histogram") &&
        strcmp(p, "summary") && strcmp(p, "untyped"))
        fail_msg("unknown type: %s", line);
    snprintf(f->type, sizeof f->type, "%s", p);
}

/* {name="value",...} at *p: checks names and escapes; keeps le. */
static void parse_labels(const char **p, char *le, size_t le_len, const char *line)
{
    (*p)++;
    while (**p != '}') {
        char lname[64], value[256];
        size_t n = 0;
        parse_name(p, lname, sizeof lname, line);
        if (strchr(lname, ':') || *(*p)++ != '=' || *(*p)++ != '"')
            fail_msg("bad label: %s", line);
        while (**p != '"') {
            char c = *(*p)++;
            if (c == '\0' || c == '\n')
                fail_msg("unterminated label value: %s", line);
            if (c == '\\') {
                c = *(*p)++;
                if (c != '\\' && c != '"' && c != 'n')
                    fail_msg("bad escape in a label value: %s", line);
            }
            if (n + 1 < sizeof value)
                value[n++] = c;
        }
        value[n] = '\0';
        (*p)++;
        if (strcmp(lname, "le") == 0)
            snprintf(le, le_len, "%.31s", value);
        if (**p == ',')
            (*p)++;
        else if (**p != '}')
            fail_msg("labels not separated by commas: %s", line);
    }
    (*p)++;
}

static double parse_value(const char *text, const char *line)
{
    char *end;
    if (strcmp(text, "+Inf") == 0)
        return INFINITY;
    if (strcmp(text, "-Inf") == 0)
        return -INFINITY;
    if (strcmp(text, "NaN") == 0)
        return NAN;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        fail_msg("not a value: %s", line);
    return v;
}

/* The family a sample belongs to: its name, or for a histogram's series the
 * name without _bucket, _sum or _count. */
static family *sample_family(exposition *e, const char *name)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    family *f = family_of(e, name);
    if (f)
        return f;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), k = strlen(suffixes[i]);
        char base[128];
        if (n > k && strcmp(name + n - k, suffixes[i]) == 0 && n - k < sizeof base) {
            memcpy(base, name, n - k);
            base[n - k] = '\0';
            f = family_of(e, base);
            if (f && strcmp(f->type, "histogram") == 0)
                return f;
        }
    }
    return NULL;
}

static void parse_sample(exposition *e, const char *line, const family **current)
{
    assert_true(e->n_samples < MAX_SAMPLES);
    sample *sm = &e->samples[e->n_samples++];
    const char *p = line;
    memset(sm, 0, sizeof *sm);
    parse_name(&p, sm->name, sizeof sm->name, line);
    if (*p == '{')
        parse_labels(&p, sm->le, sizeof sm->le, line);
    if (*p != ' ')
        fail_msg("no space before the value: %s", line);
    snprintf(sm->key, sizeof sm->key, "%.*s", (int)(p - line), line);
    sm->value = parse_value(p + 1, line);
    const family *f = sample_family(e, sm->name);
    if (f == NULL || !f->type[0] || !f->help)
        fail_msg("a sample before its family's HELP and TYPE: %s", line);
    if (*current && f != *current) {
        for (size_t i = 0; i + 1 < e->n_samples; i++)
            if (sample_family(e, e->samples[i].name) == f)
                fail_msg("the samples of %s are not together: %s", f->name, line);
    }
    *current = f;
    for (size_t i = 0; i + 1 < e->n_samples; i++)
        if (strcmp(e->samples[i].key, sm->key) == 0)
            fail_msg("a sample twice: %s", line);
}

static void parse_exposition(exposition *e, const char *text)
{
    const family *current = NULL;
    memset(e, 0, sizeof *e);
    size_t len = strlen(text);
    assert_true(len > 0 && text[len - 1] == '\n');
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        char line[1024];
        assert_true((size_t)(nl - p) < sizeof line);
        snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
        if (line[0] == '#')
            parse_comment(e, line);
        else if (line[0] != '\0')
            parse_sample(e, line, &current);
        else
            fail_msg("an empty line in the output");
        p = nl + 1;
    }
}

static double value_of(const exposition *e, const char *key)
{
    for (size_t i = 0; i < e->n_samples; i++)
        if (strcmp(e->samples[i].key, key) == 0)
            return e->samples[i].value;
    fail_msg("no sample %s", key);
    return 0;
}

/* okrd's conventions on top of the format: okrd_ names, counters end in
 * _total, histograms with ascending le, cumulative buckets, +Inf last and
 * equal to _count, and a _sum. */
static void check_conventions(const exposition *e)
{
    for (size_t i = 0; i < e->n_families; i++) {
        const family *f = &e->families[i];
        char key[160];
        assert_true(strncmp(f->name, "okrd_", 5) == 0);
        assert_true(f->help && f->type[0]);
        size_t n = strlen(f->name);
        if (strcmp(f->type, "counter") == 0)
            assert_true(n > 6 && strcmp(f->name + n - 6, "_total") == 0);
        if (strcmp(f->type, "histogram") != 0)
            continue;
        double last_le = -INFINITY, last_count = 0;
        bool inf = false;
        char bucket[160];
        snprintf(bucket, sizeof bucket, "%s_bucket", f->name);
        for (size_t k = 0; k < e->n_samples; k++) {
            const sample *sm = &e->samples[k];
            if (strcmp(sm->name, bucket) != 0)
                continue;
            assert_false(inf);                  /* +Inf is the last bucket */
            double le = parse_value(sm->le, sm->key);
            assert_true(le > last_le);
            assert_true(sm->value >= last_count);
            last_le = le;
            last_count = sm->value;
            inf = isinf(le);
        }
        assert_true(inf);
        snprintf(key, sizeof key, "%s_count", f->name);
        assert_true(value_of(e, key) == last_count);
        snprintf(key, sizeof key, "%s_sum", f->name);
        assert_true(value_of(e, key) >= 0);
    }
}

static void test_prometheus_output_is_well_formed_and_agrees(void **state)
{
    struct harness_server *s = *state;
    static exposition e;
    known_requests(s);
    struct harness_result r;
    const char *out = harness_okr_ok(s, &r, "status", "--prometheus", NULL);
    parse_exposition(&e, out);
    check_conventions(&e);

    assert_true(value_of(&e, "okrd_requests_total{type=\"checkin\",code=\"ok\"}") == 3);
    assert_true(value_of(&e, "okrd_requests_total{type=\"checkin\",code=\"not_found\"}") == 1);
    assert_true(value_of(&e, "okrd_requests_total{type=\"team_add\",code=\"conflict\"}") == 1);
    assert_true(value_of(&e, "okrd_requests_total{type=\"malformed\",code=\"invalid_argument\"}") ==
                1);
    assert_true(value_of(&e, "okrd_batch_requests_count") == KNOWN_REQUESTS);
    assert_true(value_of(&e, "okrd_batch_requests_bucket{le=\"1\"}") == KNOWN_REQUESTS);
    assert_true(value_of(&e, "okrd_commit_duration_seconds_count") == KNOWN_CHANGES);
    assert_true(value_of(&e, "okrd_events_published_total") == KNOWN_CHANGES);
    assert_true(value_of(&e, "okrd_last_seq") == KNOWN_CHANGES);
    assert_true(value_of(&e, "okrd_subscribers") == 0);
    assert_true(value_of(&e, "okrd_map_used_bytes") > 0);
    assert_true(value_of(&e, "okrd_map_size_bytes") >= value_of(&e, "okrd_map_used_bytes"));
    assert_true(value_of(&e, "okrd_key_results") == 1);
    assert_true(value_of(&e, "okrd_checkins") == 3);
    assert_non_null(strstr(out, "okrd_commit_duration_seconds_bucket{le=\"0.00025\"} "));
    harness_result_free(&r);
}

static void test_json_status_has_the_counters(void **state)
{
    struct harness_server *s = *state;
    known_requests(s);
    struct harness_result r;
    struct json_object *doc = harness_json_parse(harness_okr_ok(s, &r, "--json", "status", NULL));
    assert_int_equal(harness_json_int(doc, "metrics.events_published"), KNOWN_CHANGES);
    assert_int_equal(harness_json_int(doc, "metrics.batch_size.count"), KNOWN_REQUESTS);
    assert_int_equal(harness_json_int(doc, "metrics.commit_us.count"), KNOWN_CHANGES);
    struct json_object *cell = harness_json_array_find(doc, "metrics.requests", "code", "conflict");
    assert_non_null(cell);
    assert_string_equal(harness_json_string(cell, "type"), "team_add");
    assert_int_equal(harness_json_int(cell, "count"), 1);
    json_object_put(doc);
    harness_result_free(&r);

    /* and people see the table */
    const char *text = harness_okr_ok(s, &r, "status", NULL);
    assert_non_null(strstr(text, "commits      7 ("));
    assert_non_null(strstr(text, "events sent  7"));
    assert_non_null(strstr(text, "\nrequest "));
    assert_non_null(strstr(text, "not_found"));
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counters_are_exact_after_known_requests,
                                        setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(
            test_refused_request_counts_under_its_code_and_changes_nothing_else, setup_server,
            teardown_server),
        cmocka_unit_test_setup_teardown(test_subscribers_follow_connections, setup_server,
                                        teardown_server),
        cmocka_unit_test_setup_teardown(test_prometheus_output_is_well_formed_and_agrees,
                                        setup_server, teardown_server),
        cmocka_unit_test_setup_teardown(test_json_status_has_the_counters, setup_server,
                                        teardown_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
