/* load.c — the okrd workloads: check-ins on random deepest-level KRs (each
 * walks the whole depth of its tree), `show` of a random objective, `tree`
 * of a random team, and the clone-pattern snapshot. The requests are built
 * here; driver.c keeps them in flight and times them. */
#include "bench.h"

#include <string.h>

#include "ids.h"

static uint64_t next_random(load_ctx *l)
{
    /* xorshift64*: fast, and good enough to spread keys. */
    l->rng ^= l->rng >> 12;
    l->rng ^= l->rng << 25;
    l->rng ^= l->rng >> 27;
    return l->rng * 2685821657736338717ull;
}

void load_init(load_ctx *l, const org *o, uint64_t seed)
{
    memset(l, 0, sizeof *l);
    l->o = o;
    l->rng = seed ? seed : 1;
}

void load_make_checkin(void *ctx, Okr__Request *req)
{
    load_ctx *l = ctx;
    uint32_t kr = l->o->leaf_krs[next_random(l) % l->o->n_leaf_krs];
    okr_id_format(okr_node_kr(kr), l->id);
    l->checkin = (Okr__CheckInAdd)OKR__CHECK_IN_ADD__INIT;
    l->checkin.kr = l->id;
    l->checkin.has_value = true;
    l->checkin.value = (double)(next_random(l) % 1001) / 10.0;   /* 0.0 .. 100.0 % */
    req->body_case = OKR__REQUEST__BODY_CHECKIN;
    req->checkin = &l->checkin;
}

void load_make_show(void *ctx, Okr__Request *req)
{
    load_ctx *l = ctx;
    uint32_t o = l->o->objectives[next_random(l) % l->o->n_objectives];
    okr_id_format(okr_node_objective(o), l->id);
    l->get = (Okr__ObjectiveGet)OKR__OBJECTIVE_GET__INIT;
    l->get.id = l->id;
    req->body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
    req->objective_get = &l->get;
}

void load_make_tree(void *ctx, Okr__Request *req)
{
    load_ctx *l = ctx;
    snprintf(l->team, sizeof l->team, "%s", l->o->teams[next_random(l) % l->o->n_teams]);
    l->tree = (Okr__TreeGet)OKR__TREE_GET__INIT;
    l->tree.team = l->team;
    req->body_case = OKR__REQUEST__BODY_TREE;
    req->tree = &l->tree;
}

int load_run(const char *endpoint, const org *o, void (*make)(void *, Okr__Request *),
             int clients, int window, double warmup_s, double seconds, bench_run *out)
{
    return load_run_curve(endpoint, o, make, clients, window, warmup_s, seconds, NULL, out);
}

int load_run_curve(const char *endpoint, const org *o, void (*make)(void *, Okr__Request *),
                   int clients, int window, double warmup_s, double seconds,
                   const conn_curve *curve, bench_run *out)
{
    static uint64_t seed = 0x9e3779b97f4a7c15ull;
    load_ctx l;
    load_init(&l, o, seed++);
    driver_spec spec = {
        .endpoint = endpoint,
        .clients = clients,
        .window = window,
        .warmup_s = warmup_s,
        .seconds = seconds,
        .make = make,
        .parse = driver_parse_response,
        .ctx = &l,
        .curve = curve,
    };
    int rc = driver_run(&spec, out, NULL);
    if (out->errors)
        bench_note("%llu requests refused; first: %s", (unsigned long long)out->errors,
                   driver_last_error());
    return rc == 0 && out->errors == 0 ? 0 : -1;
}

int load_snapshot(const char *endpoint, double *ns, size_t *bytes, size_t *nodes)
{
    client c;
    if (client_open(&c, endpoint) != 0)
        return -1;
    Okr__SnapshotGet body = OKR__SNAPSHOT_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &body;
    int64_t t0 = clock_mono_ns();
    Okr__Response *r = client_call(&c, &req, 60000, bytes);
    int64_t t1 = clock_mono_ns();
    client_close(&c);
    if (r == NULL || r->body_case != OKR__RESPONSE__BODY_SNAPSHOT) {
        bench_note("snapshot: %s", r ? "refused" : "no reply within 60 s");
        if (r)
            okr__response__free_unpacked(r, NULL);
        return -1;
    }
    *ns = (double)(t1 - t0);
    *nodes = r->snapshot->n_objectives + r->snapshot->n_krs;
    okr__response__free_unpacked(r, NULL);
    return 0;
}
