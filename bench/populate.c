/* populate.c — generated organisations of any size, through the protocol.
 *
 * An organisation grows by whole trees (see `org` in bench.h): every tree
 * has the same shape, so a deepest-level check-in walks the same number of
 * ancestors in a 1,000-node organisation as in a 1,000,000-node one, and the
 * only thing that changes with size is how much data LMDB holds.
 *
 * Requests are pipelined (`window` in flight on one DEALER) so okrd's group
 * commit packs up to 256 of them into each write transaction. Creation goes
 * level by level: a level's objectives need their parents' roll-up KR ids,
 * which the replies of the level above carry. Never measures anything but
 * its own duration. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "wire.h"

#define KRS_PER_OBJECTIVE 3

typedef enum { PHASE_COMPANY, PHASE_TEAMS, PHASE_OBJECTIVES, PHASE_KRS } phase_kind;

typedef struct {
    org *o;
    phase_kind kind;
    size_t first_tree, n_trees;
    int level;
    size_t per_tree;              /* objectives of this level in one tree */
    uint32_t *parent_rollup;      /* level-1 roll-up KR of each parent (by tree, k) */
    uint32_t *obj;                /* this level's objective numbers (by tree, k) */
    uint32_t *rollup;             /* this level's roll-up KR numbers */
    size_t errors;
    char first_error[256];
    /* storage the current request points to */
    char title[160], team[48], parent[24], objective[24];
    Okr__TeamAdd team_add;
    Okr__Team team_rec;
    Okr__ObjectiveAdd obj_add;
    Okr__Objective obj_rec;
    Okr__Alignment align;
    Okr__Alignment *align_list[1];
    Okr__KeyResultAdd kr_add;
    Okr__KeyResult kr_rec;
} phase;

static size_t ipow(size_t b, int e)
{
    size_t r = 1;
    while (e-- > 0)
        r *= b;
    return r;
}

static int team_level(const org *o) { return o->depth / 2; }

void org_init(org *o, int depth, int fanout)
{
    memset(o, 0, sizeof *o);
    o->depth = depth;
    o->fanout = fanout;
    snprintf(o->period, sizeof o->period, "bench");
}

void org_free(org *o)
{
    free(o->objectives);
    free(o->leaf_krs);
    free(o->teams);
    memset(o, 0, sizeof *o);
}

size_t org_tree_nodes(const org *o)
{
    size_t objectives = 0;
    for (int l = 0; l < o->depth; l++)
        objectives += ipow((size_t)o->fanout, l);
    return objectives * (1 + KRS_PER_OBJECTIVE);
}

static void push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *v = realloc(*v, *cap * sizeof **v);
        if (*v == NULL)
            bench_die("out of memory");
    }
    (*v)[(*n)++] = x;
}

static void push_team(org *o, const char *name)
{
    if (o->n_teams == o->cap_teams) {
        o->cap_teams = o->cap_teams ? o->cap_teams * 2 : 1024;
        o->teams = realloc(o->teams, o->cap_teams * sizeof *o->teams);
        if (o->teams == NULL)
            bench_die("out of memory");
    }
    snprintf(o->teams[o->n_teams++], sizeof o->teams[0], "%s", name);
}

/* The team of objective k at `level` of tree g. */
static void team_of(const org *o, size_t g, int level, size_t k, char *out, size_t len)
{
    int tl = team_level(o);
    if (level < tl)
        snprintf(out, len, "bT%zu", g);
    else
        snprintf(out, len, "bT%zu.%zu", g, k / ipow((size_t)o->fanout, level - tl));
}

/* ------------------------------------------------------------ requests */

static void make_team(phase *p, size_t i, Okr__Request *req)
{
    /* Per tree: the upper team, then one per objective of the team level. */
    size_t per_tree = 1 + ipow((size_t)p->o->fanout, team_level(p->o));
    size_t g = p->first_tree + i / per_tree, j = i % per_tree;
    if (j == 0)
        snprintf(p->team, sizeof p->team, "bT%zu", g);
    else
        snprintf(p->team, sizeof p->team, "bT%zu.%zu", g, j - 1);
    p->team_rec = (Okr__Team)OKR__TEAM__INIT;
    p->team_rec.name = p->team;
    p->team_add = (Okr__TeamAdd)OKR__TEAM_ADD__INIT;
    p->team_add.team = &p->team_rec;
    req->body_case = OKR__REQUEST__BODY_TEAM_ADD;
    req->team_add = &p->team_add;
}

static void make_objective(phase *p, size_t i, Okr__Request *req)
{
    size_t t = i / p->per_tree, k = i % p->per_tree, g = p->first_tree + t;
    snprintf(p->title, sizeof p->title,
             "Objective %zu.%d.%zu: delight the customers of unit %zu with faster delivery",
             g, p->level, k, k);
    team_of(p->o, g, p->level, k, p->team, sizeof p->team);
    p->obj_rec = (Okr__Objective)OKR__OBJECTIVE__INIT;
    p->obj_rec.title = p->title;
    p->obj_rec.period = p->o->period;
    p->obj_rec.team = p->team;
    p->obj_rec.owner = BENCH_USER;
    p->obj_add = (Okr__ObjectiveAdd)OKR__OBJECTIVE_ADD__INIT;
    p->obj_add.objective = &p->obj_rec;
    if (p->level > 0 || p->o->company) {
        if (p->level == 0) {
            okr_id_format(okr_node_objective(p->o->company), p->parent);
        } else {
            size_t parent = t * (p->per_tree / (size_t)p->o->fanout) + k / (size_t)p->o->fanout;
            okr_id_format(okr_node_kr(p->parent_rollup[parent]), p->parent);
        }
        p->align = (Okr__Alignment)OKR__ALIGNMENT__INIT;
        p->align.parent = p->parent;
        p->align_list[0] = &p->align;
        p->obj_add.n_align_to = 1;
        p->obj_add.align_to = p->align_list;
    }
    req->body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req->objective_add = &p->obj_add;
}

static bool deepest(const phase *p) { return p->level == p->o->depth - 1; }

static void make_kr(phase *p, size_t i, Okr__Request *req)
{
    size_t obj = i / KRS_PER_OBJECTIVE;
    int m = (int)(i % KRS_PER_OBJECTIVE);
    okr_id_format(okr_node_objective(p->obj[obj]), p->objective);
    p->kr_rec = (Okr__KeyResult)OKR__KEY_RESULT__INIT;
    p->kr_rec.objective = p->objective;
    p->kr_rec.owner = BENCH_USER;
    p->kr_rec.has_kind = true;
    if (m == 0 && !deepest(p)) {
        snprintf(p->title, sizeof p->title,
                 "KR %d of %s: the aligned teams reach their objectives", m + 1, p->objective);
        p->kr_rec.kind = OKR__KR_KIND__ROLLUP;
    } else {
        snprintf(p->title, sizeof p->title,
                 "KR %d of %s: raise the weekly measured rate from baseline to target", m + 1,
                 p->objective);
        p->kr_rec.kind = OKR__KR_KIND__METRIC;
        p->kr_rec.has_start = p->kr_rec.has_target = true;
        p->kr_rec.start = 0;
        p->kr_rec.target = 100;
        p->kr_rec.unit = "%";
    }
    p->kr_rec.title = p->title;
    p->kr_add = (Okr__KeyResultAdd)OKR__KEY_RESULT_ADD__INIT;
    p->kr_add.kr = &p->kr_rec;
    req->body_case = OKR__REQUEST__BODY_KR_ADD;
    req->kr_add = &p->kr_add;
}

/* The company objective: no team, no KRs, every tree's top aligned to it. */
static void make_company(phase *p, Okr__Request *req)
{
    snprintf(p->title, sizeof p->title, "Company: every customer delighted, every team aligned");
    p->obj_rec = (Okr__Objective)OKR__OBJECTIVE__INIT;
    p->obj_rec.title = p->title;
    p->obj_rec.period = p->o->period;
    p->obj_rec.owner = BENCH_USER;
    p->obj_add = (Okr__ObjectiveAdd)OKR__OBJECTIVE_ADD__INIT;
    p->obj_add.objective = &p->obj_rec;
    req->body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
    req->objective_add = &p->obj_add;
}

static void make(void *ctx, size_t i, Okr__Request *req)
{
    phase *p = ctx;
    switch (p->kind) {
    case PHASE_COMPANY: make_company(p, req); break;
    case PHASE_TEAMS: make_team(p, i, req); break;
    case PHASE_OBJECTIVES: make_objective(p, i, req); break;
    case PHASE_KRS: make_kr(p, i, req); break;
    }
}

static bool created_number(const Okr__Response *r, uint32_t *num)
{
    okr_node node;
    if (r->body_case != OKR__RESPONSE__BODY_CHANGED || r->changed->id == NULL ||
        !okr_id_parse(r->changed->id, &node))
        return false;
    *num = okr_node_num(node);
    return true;
}

static void on_reply(void *ctx, size_t i, const Okr__Response *r)
{
    phase *p = ctx;
    Okr__ErrorCode code = client_code(r);
    if (p->kind == PHASE_TEAMS && code == OKR__ERROR_CODE__CONFLICT)
        return;                                    /* exists from an earlier run */
    uint32_t num = 0;
    if (code != OKR__ERROR_CODE__OK || (p->kind != PHASE_TEAMS && !created_number(r, &num))) {
        if (p->errors++ == 0)
            snprintf(p->first_error, sizeof p->first_error, "%s",
                     r->error && r->error->message ? r->error->message : "no id in the reply");
        return;
    }
    if (p->kind == PHASE_COMPANY) {
        p->o->company = num;
    } else if (p->kind == PHASE_OBJECTIVES) {
        p->obj[i] = num;
    } else if (p->kind == PHASE_KRS) {
        size_t obj = i / KRS_PER_OBJECTIVE;
        if (i % KRS_PER_OBJECTIVE == 0 && !deepest(p))
            p->rollup[obj] = num;
        else if (deepest(p))
            push_u32(&p->o->leaf_krs, &p->o->n_leaf_krs, &p->o->cap_leaf_krs, num);
    }
}

static int run_phase(client *c, phase *p, size_t n, size_t window, const char *what)
{
    p->errors = 0;
    p->first_error[0] = '\0';
    if (client_pipeline(c, n, window, make, on_reply, p) != 0)
        return -1;
    p->o->requests += n;
    if (p->errors) {
        bench_note("populate: %zu of %zu %s refused, first: %s", p->errors, n, what,
                   p->first_error);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ growth */

static int add_period(client *c, const org *o)
{
    char start[11], end[11];
    time_t now = time(NULL);
    time_t from = now - 45 * 86400, to = now + 45 * 86400;
    struct tm tm;
    strftime(start, sizeof start, "%Y-%m-%d", gmtime_r(&from, &tm));
    strftime(end, sizeof end, "%Y-%m-%d", gmtime_r(&to, &tm));
    Okr__Period period = OKR__PERIOD__INIT;
    period.name = (char *)o->period;
    period.start = start;
    period.end = end;
    Okr__PeriodAdd body = OKR__PERIOD_ADD__INIT;
    body.period = &period;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_PERIOD_ADD;
    req.period_add = &body;
    Okr__Response *r = client_call(c, &req, 10000, NULL);
    if (r == NULL) {
        bench_note("populate: okrd did not answer PeriodAdd");
        return -1;
    }
    Okr__ErrorCode code = client_code(r);
    okr__response__free_unpacked(r, NULL);
    if (code != OKR__ERROR_CODE__OK && code != OKR__ERROR_CODE__CONFLICT) {
        bench_note("populate: PeriodAdd refused: %s", wire_error_name(code));
        return -1;
    }
    return 0;
}

int org_grow(org *o, const char *endpoint, size_t nodes, size_t window)
{
    if (o->nodes >= nodes)
        return 0;
    size_t per_tree_nodes = org_tree_nodes(o);
    size_t want_trees = (nodes + per_tree_nodes - 1) / per_tree_nodes;
    size_t new_trees = want_trees - o->trees;
    client c;
    if (client_open(&c, endpoint) != 0)
        return -1;
    int64_t t0 = clock_mono_ns();
    int rc = 0;
    if (o->trees == 0)
        rc = add_period(&c, o);

    phase p = {.o = o, .first_tree = o->trees, .n_trees = new_trees};
    if (rc == 0 && o->company == 0) {
        p.kind = PHASE_COMPANY;
        rc = run_phase(&c, &p, 1, 1, "company objective");
        if (rc == 0)
            o->nodes += 1;                 /* not in o->objectives: those are the trees' */
    }
    size_t tl_count = ipow((size_t)o->fanout, team_level(o));
    if (rc == 0) {
        p.kind = PHASE_TEAMS;
        rc = run_phase(&c, &p, new_trees * (1 + tl_count), window, "teams");
        for (size_t t = 0; rc == 0 && t < new_trees; t++)
            for (size_t k = 0; k < tl_count; k++) {
                char name[48];
                snprintf(name, sizeof name, "bT%zu.%zu", o->trees + t, k);
                push_team(o, name);
            }
    }
    uint32_t *parent_rollup = NULL;
    for (int level = 0; rc == 0 && level < o->depth; level++) {
        p.level = level;
        p.per_tree = ipow((size_t)o->fanout, level);
        size_t count = new_trees * p.per_tree;
        p.parent_rollup = parent_rollup;
        p.obj = calloc(count, sizeof *p.obj);
        p.rollup = calloc(count, sizeof *p.rollup);
        if (p.obj == NULL || p.rollup == NULL)
            bench_die("out of memory");
        p.kind = PHASE_OBJECTIVES;
        rc = run_phase(&c, &p, count, window, "objectives");
        if (rc == 0) {
            p.kind = PHASE_KRS;
            rc = run_phase(&c, &p, count * KRS_PER_OBJECTIVE, window, "key results");
        }
        for (size_t i = 0; rc == 0 && i < count; i++)
            push_u32(&o->objectives, &o->n_objectives, &o->cap_objectives, p.obj[i]);
        free(parent_rollup);
        free(p.obj);
        parent_rollup = p.rollup;
        if (rc == 0)
            o->nodes += count * (1 + KRS_PER_OBJECTIVE);
    }
    free(parent_rollup);
    client_close(&c);
    if (rc == 0)
        o->trees = want_trees;
    o->seconds += (double)(clock_mono_ns() - t0) / 1e9;
    return rc;
}
