/* ladder.c — the roll-up's worst shape: a ladder of diamonds, against a chain.
 *
 * A chain of L objectives (each aligned to the one above) and a ladder of
 * diamonds of L levels (two objectives per level, each aligned to BOTH of the
 * level above: 2^L paths from the bottom to the top), each with one metric KR
 * at the bottom. A check-in on the bottom KR moves every ancestor: L of them
 * on the chain, 2L - 1 on the ladder. A roll-up that visits each ancestor
 * once costs the ladder about twice the chain; one that follows paths costs
 * it 2^L visits. Built through the protocol with blocking calls; measured by
 * driver.c (one client, one request in flight). Never measures anything else. */
#include "bench.h"

#include <string.h>
#include <time.h>

#include "wire.h"

#define LADDER_PERIOD "ladder"
#define CALL_TIMEOUT_MS 10000

/* Send req; die unless it succeeds (or, when no id is wanted, conflicts: the
 * period exists already). Copies the id it created into id. */
static void call_ok(client *c, Okr__Request *req, char *id, size_t len, const char *what)
{
    Okr__Response *r = client_call(c, req, CALL_TIMEOUT_MS, NULL);
    if (r == NULL)
        bench_die("ladder: okrd did not answer %s", what);
    Okr__ErrorCode code = client_code(r);
    if (code != OKR__ERROR_CODE__OK && !(code == OKR__ERROR_CODE__CONFLICT && id == NULL))
        bench_die("ladder: %s refused: %s", what,
                  r->error && r->error->message ? r->error->message : wire_error_name(code));
    if (id) {
        if (r->body_case != OKR__RESPONSE__BODY_CHANGED || r->changed->id == NULL)
            bench_die("ladder: %s: no id in the reply", what);
        snprintf(id, len, "%s", r->changed->id);
    }
    okr__response__free_unpacked(r, NULL);
}

static void add_period(client *c)
{
    char start[11], end[11];
    time_t now = time(NULL), from = now - 45 * 86400, to = now + 45 * 86400;
    struct tm tm;
    strftime(start, sizeof start, "%Y-%m-%d", gmtime_r(&from, &tm));
    strftime(end, sizeof end, "%Y-%m-%d", gmtime_r(&to, &tm));
    Okr__Period period = OKR__PERIOD__INIT;
    period.name = LADDER_PERIOD;
    period.start = start;
    period.end = end;
    Okr__PeriodAdd body = OKR__PERIOD_ADD__INIT;
    body.period = &period;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_PERIOD_ADD;
    req.period_add = &body;
    call_ok(c, &req, NULL, 0, "PeriodAdd");
}

/* A new objective aligned to the n parents given; its id into id. */
static void add_objective(client *c, char (*parents)[24], size_t n, char *id)
{
    Okr__Objective rec = OKR__OBJECTIVE__INIT;
    rec.title = "a rung of the ladder";
    rec.period = LADDER_PERIOD;
    rec.owner = BENCH_USER;
    Okr__Alignment align[2], *list[2];
    for (size_t i = 0; i < n; i++) {
        align[i] = (Okr__Alignment)OKR__ALIGNMENT__INIT;
        align[i].parent = parents[i];
        list[i] = &align[i];
    }
    Okr__ObjectiveAdd body = OKR__OBJECTIVE_ADD__INIT;
    body.objective = &rec;
    body.n_align_to = n;
    body.align_to = list;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req.objective_add = &body;
    call_ok(c, &req, id, 24, "ObjectiveAdd");
}

int ladder_build(const char *endpoint, int levels, bool diamonds, char *kr, size_t len)
{
    client c;
    if (levels < 1 || client_open(&c, endpoint) != 0)
        return -1;
    add_period(&c);
    char above[2][24] = {{0}}, here[2][24] = {{0}};
    int width = diamonds ? 2 : 1;
    for (int l = 0; l < levels; l++) {
        for (int j = 0; j < width; j++)
            add_objective(&c, above, l ? (size_t)width : 0, here[j]);
        memcpy(above, here, sizeof above);
    }
    Okr__KeyResult rec = OKR__KEY_RESULT__INIT;
    rec.objective = above[0];
    rec.title = "the bottom rung's measure";
    rec.owner = BENCH_USER;
    rec.has_kind = rec.has_start = rec.has_target = true;
    rec.kind = OKR__KR_KIND__METRIC;
    rec.start = 0;
    rec.target = 100;
    Okr__KeyResultAdd body = OKR__KEY_RESULT_ADD__INIT;
    body.kr = &rec;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_KR_ADD;
    req.kr_add = &body;
    call_ok(&c, &req, kr, len, "KeyResultAdd");
    client_close(&c);
    return 0;
}

/* Alternate 10 % and 70 %: every check-in moves every ancestor's score. */
static void make_checkin(void *ctx, Okr__Request *req)
{
    ladder_load *l = ctx;
    l->checkin = (Okr__CheckInAdd)OKR__CHECK_IN_ADD__INIT;
    l->checkin.kr = l->kr;
    l->checkin.has_value = true;
    l->checkin.value = (l->sent++ % 2) ? 70 : 10;
    req->body_case = OKR__REQUEST__BODY_CHECKIN;
    req->checkin = &l->checkin;
}

/* One check-in, timed from send to reply: for check-ins too slow for the
 * driver's window to count any. */
static int time_one(const char *endpoint, ladder_load *l, bench_run *out, hist *h)
{
    client c;
    if (client_open(&c, endpoint) != 0)
        return -1;
    Okr__Request req = OKR__REQUEST__INIT;
    make_checkin(l, &req);
    int64_t t0 = clock_mono_ns();
    Okr__Response *r = client_call(&c, &req, CALL_TIMEOUT_MS, NULL);
    int64_t ns = clock_mono_ns() - t0;
    client_close(&c);
    if (r == NULL)
        return -1;
    okr__response__free_unpacked(r, NULL);
    memset(out, 0, sizeof *out);
    out->ops = 1;
    out->p50 = out->p99 = out->p999 = out->max = (double)ns;
    out->rate = 1e9 / (double)ns;
    if (h)
        hist_add(h, (uint64_t)ns);
    return 0;
}

int ladder_run(const char *endpoint, ladder_load *l, double warmup_s, double seconds,
               bench_run *out, hist *h)
{
    driver_spec spec = {
        .endpoint = endpoint, .clients = 1, .window = 1,
        .warmup_s = warmup_s, .seconds = seconds,
        .make = make_checkin, .parse = driver_parse_response, .ctx = l,
    };
    if (driver_run(&spec, out, h) != 0)
        return -1;
    return out->ops > 0 ? 0 : time_one(endpoint, l, out, h);
}
