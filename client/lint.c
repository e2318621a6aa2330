/* lint.c — the coach's rules over one period's data (see lint.h). Owns the
 * rules, their names and thresholds, and the wording of each finding; never
 * talks to the server, never prints.
 *
 * The data is indexed once (objectives and KRs by id, KRs by objective, the
 * alignment edges by child and by parent, each edge once), then each rule is
 * a loop over the in-scope nodes with a binary search or two per node. */
#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "node_index.h"
#include "text.h"
#include "util.h"

#define US_PER_DAY (86400LL * 1000000)
#define TEAM_DEPTH_MAX 64       /* parent hops followed (a sound team tree is shallow) */

static const char *const rule_names[LINT__RULES] = {
    [LINT_TOO_MANY_OBJECTIVES] = "too-many-objectives",
    [LINT_TOO_FEW_KRS] = "too-few-krs",
    [LINT_TOO_MANY_KRS] = "too-many-krs",
    [LINT_STALE_KR] = "stale-kr",
    [LINT_METRIC_WITHOUT_UNIT] = "metric-without-unit",
    [LINT_MILESTONE_WITHOUT_CONFIDENCE] = "milestone-without-confidence",
    [LINT_ISOLATED_OBJECTIVE] = "isolated-objective",
    [LINT_COMMITTED_OFF_TRACK] = "committed-off-track",
    [LINT_UNCOUNTED_ALIGNMENT] = "uncounted-alignment",
};

static const struct {
    const char *key, *option;
    uint32_t fallback, min, max;
} limits[LINT__LIMITS] = {
    [LINT_MAX_OBJECTIVES] = {"max_objectives", "max-objectives", 5, 1, 1000},
    [LINT_MIN_KRS] = {"min_krs", "min-krs", 2, 0, 1000},
    [LINT_MAX_KRS] = {"max_krs", "max-krs", 5, 1, 1000},
    [LINT_STALE_DAYS] = {"stale_days", "stale-days", 14, 1, 3650},
};

const char *lint_rule_name(lint_rule r)
{
    return (int)r >= 0 && r < LINT__RULES ? rule_names[r] : "unknown";
}

void lint_thresholds_default(lint_thresholds *t)
{
    for (int i = 0; i < LINT__LIMITS; i++)
        t->limit[i] = limits[i].fallback;
}

const char *lint_limit_key(lint_limit l)
{
    return (int)l >= 0 && l < LINT__LIMITS ? limits[l].key : "unknown";
}

const char *lint_limit_option(lint_limit l)
{
    return (int)l >= 0 && l < LINT__LIMITS ? limits[l].option : "unknown";
}

void lint_limit_range(lint_limit l, uint32_t *min, uint32_t *max)
{
    bool known = (int)l >= 0 && l < LINT__LIMITS;
    *min = known ? limits[l].min : 0;
    *max = known ? limits[l].max : 0;
}

bool lint_limit_check(lint_limit l, uint32_t value, char *err, size_t err_len)
{
    if ((int)l < 0 || l >= LINT__LIMITS) {
        snprintf(err, err_len, "unknown lint threshold %d", (int)l);
        return false;
    }
    if (value < limits[l].min || value > limits[l].max) {
        snprintf(err, err_len, "%s must be a whole number from %u to %u, not %u",
                 limits[l].key, limits[l].min, limits[l].max, value);
        return false;
    }
    return true;
}

bool lint_thresholds_check(const lint_thresholds *t, char *err, size_t err_len)
{
    for (int i = 0; i < LINT__LIMITS; i++)
        if (!lint_limit_check((lint_limit)i, t->limit[i], err, err_len))
            return false;
    if (t->limit[LINT_MIN_KRS] > t->limit[LINT_MAX_KRS]) {
        snprintf(err, err_len, "min_krs (%u) is above max_krs (%u)", t->limit[LINT_MIN_KRS],
                 t->limit[LINT_MAX_KRS]);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ the data */

typedef struct {
    const lint_input *in;
    const lint_thresholds *t;
    lint_findings *out;
    size_t found;
    node_index objectives;         /* key: objective id -> graph index */
    node_index krs;                /* key: KR id -> graph index */
    node_index kr_of;              /* key: objective, sub: KR -> graph index */
    const Okr__Alignment **edges;  /* objective -> parent, each (child, parent) once */
    size_t n_edges;
    node_index by_child;           /* key: child, sub: parent -> edges index */
    node_index by_parent;          /* key: parent, sub: child -> edges index */
} lint_ctx;

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static const Okr__Team *find_team(const lint_input *in, const char *name)
{
    for (size_t i = 0; i < in->n_teams; i++)
        if (same(in->teams[i]->name, name))
            return in->teams[i];
    return NULL;
}

/* The team filter takes sub-teams too: `team` itself or any team below it. */
static bool team_within(const lint_input *in, const char *team)
{
    if (in->team == NULL || in->team[0] == '\0')
        return true;
    for (int depth = 0; team && team[0] && depth < TEAM_DEPTH_MAX; depth++) {
        if (strcmp(team, in->team) == 0)
            return true;
        const Okr__Team *t = find_team(in, team);
        team = t ? t->parent : NULL;
    }
    return false;
}

static bool in_scope(const lint_ctx *c, const Okr__Objective *o)
{
    return o && !o->archived && same(o->period, c->in->period->name) &&
           team_within(c->in, o->team);
}

static const Okr__Objective *objective_of(const lint_ctx *c, okr_node id)
{
    size_t n;
    const node_row *r = node_index_range(&c->objectives, id, &n);
    return n ? c->in->graph->objectives[r->index] : NULL;
}

static const Okr__KeyResult *kr_of_id(const lint_ctx *c, okr_node id)
{
    size_t n;
    const node_row *r = node_index_range(&c->krs, id, &n);
    return n ? c->in->graph->krs[r->index] : NULL;
}

/* The objective a parent node stands for: itself, or a KR's owner. */
static const Okr__Objective *owner_of(const lint_ctx *c, okr_node parent)
{
    if (!okr_node_is_kr(parent))
        return objective_of(c, parent);
    const Okr__KeyResult *kr = kr_of_id(c, parent);
    okr_node o;
    return kr && kr->objective && okr_id_parse(kr->objective, &o) ? objective_of(c, o) : NULL;
}

static int compare_edges(const void *a, const void *b)
{
    const Okr__Alignment *x = *(const Okr__Alignment *const *)a;
    const Okr__Alignment *y = *(const Okr__Alignment *const *)b;
    okr_node xc = 0, yc = 0, xp = 0, yp = 0;
    okr_id_parse(x->child, &xc);
    okr_id_parse(y->child, &yc);
    okr_id_parse(x->parent, &xp);
    okr_id_parse(y->parent, &yp);
    if (xc != yc)
        return xc < yc ? -1 : 1;
    return xp < yp ? -1 : xp > yp;
}

/* An objective's alignment (a Snapshot's KR -> objective links are not). */
static bool is_alignment(const Okr__Alignment *a)
{
    okr_node child, parent;
    return a && a->child && a->parent && okr_id_parse(a->child, &child) &&
           okr_id_parse(a->parent, &parent) && !okr_node_is_kr(child);
}

static void collect_edges(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    size_t cap = g->n_alignments + c->in->n_more, n = 0;
    const Okr__Alignment **all = util_xcalloc(cap ? cap : 1, sizeof *all);
    for (size_t i = 0; i < g->n_alignments; i++)
        if (is_alignment(g->alignments[i]))
            all[n++] = g->alignments[i];
    for (size_t i = 0; i < c->in->n_more; i++)
        if (is_alignment(c->in->more[i]))
            all[n++] = c->in->more[i];
    qsort(all, n, sizeof *all, compare_edges);
    c->edges = all;
    c->n_edges = 0;
    for (size_t i = 0; i < n; i++)
        if (c->n_edges == 0 || compare_edges(&all[i], &all[c->n_edges - 1]) != 0)
            all[c->n_edges++] = all[i];
    for (size_t i = 0; i < c->n_edges; i++) {
        node_index_add(&c->by_child, all[i]->child, all[i]->parent, i);
        node_index_add(&c->by_parent, all[i]->parent, all[i]->child, i);
    }
}

static void ctx_build(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    node_index_init(&c->objectives);
    node_index_init(&c->krs);
    node_index_init(&c->kr_of);
    node_index_init(&c->by_child);
    node_index_init(&c->by_parent);
    for (size_t i = 0; i < g->n_objectives; i++)
        node_index_add(&c->objectives, g->objectives[i]->id, NULL, i);
    for (size_t i = 0; i < g->n_krs; i++) {
        node_index_add(&c->krs, g->krs[i]->id, NULL, i);
        node_index_add(&c->kr_of, g->krs[i]->objective, g->krs[i]->id, i);
    }
    collect_edges(c);
    node_index_sort(&c->objectives);
    node_index_sort(&c->krs);
    node_index_sort(&c->kr_of);
    node_index_sort(&c->by_child);
    node_index_sort(&c->by_parent);
}

static void ctx_free(lint_ctx *c)
{
    node_index_free(&c->objectives);
    node_index_free(&c->krs);
    node_index_free(&c->kr_of);
    node_index_free(&c->by_child);
    node_index_free(&c->by_parent);
    free(c->edges);
}

/* ------------------------------------------------------------ findings */

/* Append a finding naming ids[0..n) (copied) with a formatted message. */
__attribute__((format(printf, 6, 7)))
static void report(lint_ctx *c, lint_rule rule, const char *team, const char *const *ids,
                   size_t n, const char *fmt, ...)
{
    lint_findings *f = c->out;
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->items = util_xreallocarray(f->items, f->cap, sizeof *f->items);
    }
    lint_finding *x = &f->items[f->n++];
    x->rule = rule;
    x->team = util_xstrdup(team ? team : "");
    x->ids = util_xcalloc(n ? n : 1, sizeof *x->ids);
    x->n_ids = n;
    for (size_t i = 0; i < n; i++)
        x->ids[i] = util_xstrdup(ids[i] ? ids[i] : "");
    va_list ap;
    va_start(ap, fmt);
    x->message = util_xvasprintf(fmt, ap);
    va_end(ap);
    c->found++;
}

static size_t kr_count(const lint_ctx *c, const Okr__Objective *o)
{
    okr_node id;
    size_t n = 0;
    if (okr_id_parse(o->id, &id))
        node_index_range(&c->kr_of, id, &n);
    return n;
}

/* too-many-objectives: more active objectives in a team than the limit.
 * Objectives without a team count together, as "no team". */
static void rule_team_size(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    uint32_t max = c->t->limit[LINT_MAX_OBJECTIVES];
    const char **ids = util_xcalloc(g->n_objectives + 1, sizeof *ids);
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        bool first = true;
        if (!in_scope(c, o))
            continue;
        for (size_t j = 0; j < i && first; j++)      /* the team's first objective leads */
            first = !(in_scope(c, g->objectives[j]) && same(g->objectives[j]->team, o->team));
        if (!first)
            continue;
        size_t n = 0;
        for (size_t j = i; j < g->n_objectives; j++)
            if (in_scope(c, g->objectives[j]) && same(g->objectives[j]->team, o->team))
                ids[n++] = g->objectives[j]->id;
        if (n <= max)
            continue;
        if (o->team && o->team[0])
            report(c, LINT_TOO_MANY_OBJECTIVES, o->team, ids, n,
                   "team %s has %zu active objectives in %s (at most %u): focus on the "
                   "few that matter, archive or carry the rest", o->team, n,
                   c->in->period->name, max);
        else
            report(c, LINT_TOO_MANY_OBJECTIVES, "", ids, n,
                   "%zu active objectives in %s have no team (at most %u): give them teams, "
                   "or focus on fewer", n, c->in->period->name, max);
    }
    free(ids);
}

/* too-few-krs / too-many-krs. An objective scored from its aligned
 * objectives alone (--progress aligned) needs no KRs of its own. */
static void rule_kr_count(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    uint32_t min = c->t->limit[LINT_MIN_KRS], max = c->t->limit[LINT_MAX_KRS];
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        if (!in_scope(c, o))
            continue;
        size_t n = kr_count(c, o);
        const char *ids[] = {o->id};
        if (n < min && o->progress != OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED)
            report(c, LINT_TOO_FEW_KRS, o->team, ids, 1,
                   "%s has %zu KR%s (at least %u): say how success is measured, or score "
                   "it from its aligned objectives (obj edit %s --progress aligned)",
                   o->id, n, n == 1 ? "" : "s", min, o->id);
        else if (n > max)
            report(c, LINT_TOO_MANY_KRS, o->team, ids, 1,
                   "%s has %zu KRs (at most %u): keep the ones that measure the outcome",
                   o->id, n, max);
    }
}

/* When a KR was last checked in, or, never checked in, since when it could
 * have been: the later of the period's start and its objective's creation
 * (a KR carries no creation time; KRs are added with their objective). */
static int64_t last_checkin(const lint_ctx *c, const Okr__KeyResult *kr,
                            const Okr__Objective *o, bool *never)
{
    int64_t start_days = 0;
    *never = kr->checkins == 0 || !kr->has_updated_at;
    if (!*never)
        return kr->updated_at;
    int64_t since = 0;
    if (c->in->period->start && text_parse_date(c->in->period->start, &start_days))
        since = start_days * US_PER_DAY;
    if (o->has_created_at && o->created_at > since)
        since = o->created_at;
    return since;
}

static bool milestone_done(const Okr__KeyResult *kr)
{
    return kr->kind == OKR__KR_KIND__MILESTONE && kr->score >= 1000000;
}

/* The KRs of in-scope objectives, in the graph's order, with their owner. */
typedef void (*kr_rule)(lint_ctx *c, const Okr__KeyResult *kr, const Okr__Objective *o);

static void each_kr(lint_ctx *c, kr_rule rule)
{
    const Okr__Graph *g = c->in->graph;
    for (size_t i = 0; i < g->n_krs; i++) {
        okr_node owner;
        const Okr__KeyResult *kr = g->krs[i];
        const Okr__Objective *o = kr->objective && okr_id_parse(kr->objective, &owner)
                                      ? objective_of(c, owner) : NULL;
        if (in_scope(c, o))
            rule(c, kr, o);
    }
}

/* stale-kr: no check-in for stale_days, in an open period that has begun.
 * Roll-up KRs take no check-ins; a done milestone needs none. */
static void stale_kr(lint_ctx *c, const Okr__KeyResult *kr, const Okr__Objective *o)
{
    bool never;
    char day[16];
    if (c->in->period->closed || kr->kind == OKR__KR_KIND__ROLLUP || milestone_done(kr))
        return;
    int64_t last = last_checkin(c, kr, o, &never);
    int64_t quiet = c->in->now_us - last;
    if (quiet < (int64_t)c->t->limit[LINT_STALE_DAYS] * US_PER_DAY)
        return;
    text_format_date(last / US_PER_DAY, day);
    const char *ids[] = {kr->id, o->id};
    if (never)
        report(c, LINT_STALE_KR, o->team, ids, 2,
               "%s of %s has never been checked in (%lld days since %s; at most %u): check "
               "in weekly, with a confidence", kr->id, o->id,
               (long long)(quiet / US_PER_DAY), day, c->t->limit[LINT_STALE_DAYS]);
    else
        report(c, LINT_STALE_KR, o->team, ids, 2,
               "%s of %s has had no check-in for %lld days (last %s; at most %u): check in "
               "weekly, with a confidence", kr->id, o->id,
               (long long)(quiet / US_PER_DAY), day, c->t->limit[LINT_STALE_DAYS]);
}

/* metric-without-unit: "50" of what? */
static void metric_unit(lint_ctx *c, const Okr__KeyResult *kr, const Okr__Objective *o)
{
    const char *ids[] = {kr->id, o->id};
    if (kr->kind == OKR__KR_KIND__METRIC && (kr->unit == NULL || kr->unit[0] == '\0'))
        report(c, LINT_METRIC_WITHOUT_UNIT, o->team, ids, 2,
               "metric %s of %s has no unit: say what is counted (kr edit %s --unit U)",
               kr->id, o->id, kr->id);
}

/* milestone-without-confidence: a milestone not done whose latest check-in
 * (or none) says nothing of how likely it is. */
static void milestone_confidence(lint_ctx *c, const Okr__KeyResult *kr,
                                 const Okr__Objective *o)
{
    const char *ids[] = {kr->id, o->id};
    if (kr->kind == OKR__KR_KIND__MILESTONE && !kr->has_confidence && !milestone_done(kr))
        report(c, LINT_MILESTONE_WITHOUT_CONFIDENCE, o->team, ids, 2,
               "milestone %s of %s has no confidence: a milestone scores 0 until done, so "
               "its check-ins must say how likely it is (checkin %s 0 --confidence C)",
               kr->id, o->id, kr->id);
}

/* Multi-level: teams have parents, or some objective is aligned to another. */
static bool multi_level(const lint_ctx *c)
{
    for (size_t i = 0; i < c->in->n_teams; i++)
        if (c->in->teams[i]->parent && c->in->teams[i]->parent[0])
            return true;
    return c->n_edges > 0;
}

/* Something is aligned to o: to o itself, or to one of its KRs. */
static bool has_children(const lint_ctx *c, okr_node o)
{
    size_t n;
    if (node_index_has(&c->by_parent, o))
        return true;
    const node_row *kr = node_index_range(&c->kr_of, o, &n);
    for (size_t i = 0; i < n; i++)
        if (node_index_has(&c->by_parent, kr[i].sub))
            return true;
    return false;
}

/* isolated-objective: in a multi-level organisation, aligned to nothing and
 * nothing aligned to it. */
static void rule_isolated(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    if (!multi_level(c))
        return;
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        okr_node id;
        if (!in_scope(c, o) || !okr_id_parse(o->id, &id))
            continue;
        if (node_index_has(&c->by_child, id) || has_children(c, id))
            continue;
        const char *ids[] = {o->id};
        report(c, LINT_ISOLATED_OBJECTIVE, o->team, ids, 1,
               "%s is aligned to nothing and nothing is aligned to it: align it to the "
               "objective or roll-up KR it serves (obj align %s PARENT)", o->id, o->id);
    }
}

/* committed-off-track: a committed objective at_risk or off_track (open
 * period), or graded below green (closed: committed means 1.0). */
static void rule_committed(lint_ctx *c)
{
    const Okr__Graph *g = c->in->graph;
    char score[FMT_BUF], expected[FMT_BUF];
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        if (!in_scope(c, o) || o->type != OKR__OBJECTIVE_TYPE__COMMITTED)
            continue;
        const char *ids[] = {o->id};
        fmt_score(o->score, 3, score, sizeof score);
        if (o->grade == OKR__GRADE__RED || o->grade == OKR__GRADE__YELLOW)
            report(c, LINT_COMMITTED_OFF_TRACK, o->team, ids, 1,
                   "committed %s closed at %s, graded %s (committed is graded against 1.0): "
                   "say why in the retro", o->id, score, fmt_grade(o->grade));
        else if (o->grade == OKR__GRADE__GRADE_NONE &&
                 (o->health == OKR__HEALTH__AT_RISK || o->health == OKR__HEALTH__OFF_TRACK))
            report(c, LINT_COMMITTED_OFF_TRACK, o->team, ids, 1,
                   "committed %s is %s (score %s, expected %s by now): commit help, or "
                   "renegotiate the commitment", o->id, fmt_health(o->health), score,
                   fmt_score(o->expected, 3, expected, sizeof expected));
    }
}

/* uncounted-alignment: an aligned child whose parent's rule leaves it out
 * (Alignment.counts false, as okrd fills it), either end in scope. */
static void rule_uncounted(lint_ctx *c)
{
    for (size_t i = 0; i < c->n_edges; i++) {
        const Okr__Alignment *a = c->edges[i];
        okr_node child, parent;
        if (!a->has_counts || a->counts || !okr_id_parse(a->child, &child) ||
            !okr_id_parse(a->parent, &parent))
            continue;
        const Okr__Objective *kid = objective_of(c, child), *up = owner_of(c, parent);
        if (!in_scope(c, kid) && !in_scope(c, up))
            continue;
        const char *ids[] = {a->child, a->parent};
        const char *team = in_scope(c, kid) ? kid->team : up->team;
        if (okr_node_is_kr(parent))
            report(c, LINT_UNCOUNTED_ALIGNMENT, team, ids, 2,
                   "%s is aligned to %s but counts for nothing: %s is not a roll-up KR "
                   "(align %s to a roll-up KR instead)", a->child, a->parent, a->parent,
                   a->child);
        else
            report(c, LINT_UNCOUNTED_ALIGNMENT, team, ids, 2,
                   "%s is aligned to %s but counts for nothing: %s scores from its KRs "
                   "(obj edit %s --progress both, or align %s to a roll-up KR)", a->child,
                   a->parent, a->parent, a->parent, a->child);
    }
}

size_t lint_run(const lint_input *in, const lint_thresholds *t, lint_findings *out)
{
    lint_ctx c = {.in = in, .t = t, .out = out};
    ctx_build(&c);
    rule_team_size(&c);
    rule_kr_count(&c);
    each_kr(&c, stale_kr);
    each_kr(&c, metric_unit);
    each_kr(&c, milestone_confidence);
    rule_isolated(&c);
    rule_committed(&c);
    rule_uncounted(&c);
    ctx_free(&c);
    return c.found;
}

void lint_findings_free(lint_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        lint_finding *x = &f->items[i];
        for (size_t j = 0; j < x->n_ids; j++)
            free(x->ids[j]);
        free(x->ids);
        free(x->team);
        free(x->message);
    }
    free(f->items);
    f->items = NULL;
    f->n = f->cap = 0;
}
