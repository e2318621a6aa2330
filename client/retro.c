/* retro.c — `okr retro` (see retro.h): reads the period's tree, its dates
 * and each KR's check-ins, then says per team and objective what the cycle
 * came to. Owns the retro's figures (cadence, confidence trend, overshoots,
 * misses) and its wording; the reads are client_call's, the values' spelling
 * fmt.c's. Never writes anything on the server. */
#include "retro.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_out.h"
#include "render.h"
#include "score.h"
#include "text.h"

/* ------------------------------------------------------------ cadence */

void retro_cadence_of(const int64_t *times, size_t n, int64_t start_us, int64_t stop_us,
                      retro_cadence *out)
{
    memset(out, 0, sizeof *out);
    if (stop_us <= start_us)
        return;
    out->weeks = (int)((stop_us - start_us + RETRO_WEEK_US - 1) / RETRO_WEEK_US);
    int weeks_with = 0;
    int64_t last_week = -1, prev = start_us;
    out->gap_from_us = out->gap_to_us = start_us;
    for (size_t i = 0; i < n; i++) {
        if (times[i] < start_us || times[i] >= stop_us)
            continue;
        int64_t week = (times[i] - start_us) / RETRO_WEEK_US;
        if (week != last_week)
            weeks_with++;                     /* ascending: a new week starts here */
        last_week = week;
        if (times[i] - prev > out->gap_us) {
            out->gap_us = times[i] - prev;
            out->gap_from_us = prev;
            out->gap_to_us = times[i];
        }
        prev = times[i];
        out->checkins++;
    }
    if (stop_us - prev > out->gap_us) {
        out->gap_us = stop_us - prev;
        out->gap_from_us = prev;
        out->gap_to_us = stop_us;
    }
    out->weeks_without = out->weeks - weeks_with;
}

/* ------------------------------------------------------------ the reads */

typedef struct {
    const Okr__KeyResult *kr;
    Okr__Response *history;          /* owned; NULL: no check-ins to read */
} retro_kr;

typedef struct {
    const Okr__Objective *o;
    retro_kr *krs;
    size_t n_krs;
} retro_objective;

typedef struct {
    okr_client *c;
    const char *team;                /* --team, or NULL */
    Okr__Response *tree, *periods;   /* owned */
    const Okr__Period *period;
    bool closed;
    int64_t start_us, end_us, stop_us;
    retro_objective *objs;
    size_t n_objs;
} retro;

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The period's dates from PeriodList: [start, end + 1 day), and where the
 * retro stops looking: the end, or earlier when it was closed before its
 * end (no check-in can come after) or is open and the end is still ahead. */
static int read_period(retro *rt, const char *name)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodList list = OKR__PERIOD_LIST__INIT;
    req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
    req.period_list = &list;
    int status = client_call(rt->c, &req, &rt->periods);
    if (status != OKR_EXIT_OK)
        return status;
    for (size_t i = 0; i < rt->periods->periods->n_periods; i++)
        if (same(rt->periods->periods->periods[i]->name, name))
            rt->period = rt->periods->periods->periods[i];
    int64_t start, end;
    if (rt->period == NULL || !text_parse_date(rt->period->start, &start) ||
        !text_parse_date(rt->period->end, &end)) {
        client_error(rt->c, "retro: period %s is not in the server's list of periods", name);
        return OKR_EXIT_REFUSED;
    }
    rt->closed = rt->period->closed;
    rt->start_us = start * OKR_US_PER_DAY;
    rt->end_us = (end + 1) * OKR_US_PER_DAY;
    int64_t now = text_now_us();
    rt->stop_us = rt->closed || now > rt->end_us ? rt->end_us : now;
    if (rt->closed && rt->period->has_closed_at && rt->period->closed_at < rt->stop_us)
        rt->stop_us = rt->period->closed_at;
    return OKR_EXIT_OK;
}

static okr_node node_of(const char *id)
{
    okr_node node = 0;
    okr_id_parse(id, &node);
    return node;
}

static int by_team_then_id(const void *a, const void *b)
{
    const Okr__Objective *x = ((const retro_objective *)a)->o;
    const Okr__Objective *y = ((const retro_objective *)b)->o;
    int team = strcmp(x->team ? x->team : "", y->team ? y->team : "");
    okr_node nx = node_of(x->id), ny = node_of(y->id);
    return team != 0 ? team : (nx > ny) - (nx < ny);
}

static int by_kr_id(const void *a, const void *b)
{
    okr_node nx = node_of(((const retro_kr *)a)->kr->id);
    okr_node ny = node_of(((const retro_kr *)b)->kr->id);
    return (nx > ny) - (nx < ny);
}

/* An objective's place in rt->objs, for finding a KR's owner. */
typedef struct {
    okr_node node;
    size_t at;
} retro_place;

static int by_node(const void *a, const void *b)
{
    okr_node x = ((const retro_place *)a)->node, y = ((const retro_place *)b)->node;
    return (x > y) - (x < y);
}

/* The retro objective a KR belongs to, or NULL (an objective left out). */
static retro_objective *owner_of(retro *rt, const retro_place *places, const Okr__KeyResult *kr)
{
    retro_place key_ = {node_of(kr->objective), 0};
    const retro_place *p = bsearch(&key_, places, rt->n_objs, sizeof *places, by_node);
    return p ? &rt->objs[p->at] : NULL;
}

/* Give each objective its KRs, in id order: count, allocate, fill. */
static int attach_krs(retro *rt, const Okr__Graph *g)
{
    retro_place *places = calloc(rt->n_objs + 1, sizeof *places);
    if (places == NULL)
        return -1;
    for (size_t i = 0; i < rt->n_objs; i++)
        places[i] = (retro_place){node_of(rt->objs[i].o->id), i};
    qsort(places, rt->n_objs, sizeof *places, by_node);
    for (size_t k = 0; k < g->n_krs; k++) {
        retro_objective *ro = owner_of(rt, places, g->krs[k]);
        if (ro)
            ro->n_krs++;
    }
    int rc = 0;
    for (size_t i = 0; i < rt->n_objs && rc == 0; i++) {
        rt->objs[i].krs = calloc(rt->objs[i].n_krs + 1, sizeof *rt->objs[i].krs);
        rt->objs[i].n_krs = 0;
        rc = rt->objs[i].krs ? 0 : -1;
    }
    for (size_t k = 0; k < g->n_krs && rc == 0; k++) {
        retro_objective *ro = owner_of(rt, places, g->krs[k]);
        if (ro)
            ro->krs[ro->n_krs++].kr = g->krs[k];
    }
    for (size_t i = 0; i < rt->n_objs && rc == 0; i++)
        qsort(rt->objs[i].krs, rt->objs[i].n_krs, sizeof *rt->objs[i].krs, by_kr_id);
    free(places);
    return rc;
}

/* The objectives of the graph that are the period's (and the team's): a
 * tree also holds what other periods and teams align below them. */
static int pick_objectives(retro *rt, const char *period)
{
    const Okr__Graph *g = rt->tree->graph;
    rt->objs = calloc(g->n_objectives + 1, sizeof *rt->objs);
    if (rt->objs == NULL)
        return -1;
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        if (o->archived || !same(o->period, period) || (rt->team && !same(o->team, rt->team)))
            continue;
        rt->objs[rt->n_objs++].o = o;
    }
    qsort(rt->objs, rt->n_objs, sizeof *rt->objs, by_team_then_id);
    return attach_krs(rt, g);
}

/* The check-ins of each of the objective's KRs that has some (History, the
 * latest OKR_MAX_HISTORY). Read one objective at a time and dropped after
 * it is shown, so memory follows the largest objective, not the period. */
static int read_checkins(okr_client *c, retro_objective *ro)
{
    for (size_t k = 0; k < ro->n_krs; k++) {
        retro_kr *rk = &ro->krs[k];
        if (rk->kr->kind == OKR__KR_KIND__ROLLUP || rk->kr->checkins == 0)
            continue;
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__History h = OKR__HISTORY__INIT;
        req.body_case = OKR__REQUEST__BODY_HISTORY;
        req.history = &h;
        h.kr = rk->kr->id;
        h.has_limit = true;
        h.limit = OKR_MAX_HISTORY;
        int status = client_call(c, &req, &rk->history);
        if (status != OKR_EXIT_OK)
            return status;
    }
    return OKR_EXIT_OK;
}

static void drop_checkins(retro_objective *ro)
{
    for (size_t k = 0; ro->krs && k < ro->n_krs; k++) {
        if (ro->krs[k].history)
            okr__response__free_unpacked(ro->krs[k].history, NULL);
        ro->krs[k].history = NULL;
    }
}

static void retro_free(retro *rt)
{
    for (size_t i = 0; i < rt->n_objs; i++) {
        drop_checkins(&rt->objs[i]);
        free(rt->objs[i].krs);
    }
    free(rt->objs);
    if (rt->tree)
        okr__response__free_unpacked(rt->tree, NULL);
    if (rt->periods)
        okr__response__free_unpacked(rt->periods, NULL);
}

/* ------------------------------------------------------------ the figures */

/* One check-in and the KR it is of. */
typedef struct {
    const Okr__CheckIn *checkin;
    const Okr__KeyResult *kr;
} retro_note;

static int by_time(const void *a, const void *b)
{
    const Okr__CheckIn *x = ((const retro_note *)a)->checkin;
    const Okr__CheckIn *y = ((const retro_note *)b)->checkin;
    if (x->time != y->time)
        return (x->time > y->time) - (x->time < y->time);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Every check-in of the objective's KRs, oldest first (malloc'd; *n). */
static retro_note *checkins_of(const retro_objective *ro, size_t *n)
{
    size_t total = 0;
    for (size_t k = 0; k < ro->n_krs; k++)
        total += ro->krs[k].history ? ro->krs[k].history->history->n_checkins : 0;
    retro_note *all = calloc(total + 1, sizeof *all);
    *n = 0;
    if (all == NULL)
        return NULL;
    for (size_t k = 0; k < ro->n_krs; k++) {
        const Okr__HistoryReply *h = ro->krs[k].history ? ro->krs[k].history->history : NULL;
        for (size_t j = 0; h && j < h->n_checkins; j++)
            all[(*n)++] = (retro_note){h->checkins[j], ro->krs[k].kr};
    }
    qsort(all, *n, sizeof *all, by_time);
    return all;
}

static void cadence_of(const retro *rt, const retro_note *all, size_t n, retro_cadence *out)
{
    int64_t *times = calloc(n + 1, sizeof *times);
    if (times == NULL) {
        retro_cadence_of(NULL, 0, rt->start_us, rt->stop_us, out);
        return;
    }
    for (size_t i = 0; i < n; i++)
        times[i] = all[i].checkin->time;
    retro_cadence_of(times, n, rt->start_us, rt->stop_us, out);
    free(times);
}

/* The first and the last confidence given in a KR's check-ins; false when none. */
static bool confidence_trend(const retro_kr *rk, double *first, double *last)
{
    const Okr__HistoryReply *h = rk->history ? rk->history->history : NULL;
    bool any = false;
    for (size_t j = 0; h && j < h->n_checkins; j++) {
        if (!h->checkins[j]->has_confidence)
            continue;
        if (!any)
            *first = h->checkins[j]->confidence;
        *last = h->checkins[j]->confidence;
        any = true;
    }
    return any;
}

static bool overshoots(const Okr__KeyResult *kr)
{
    return kr->attainment > OKR_SCORE_ONE;
}

static bool missed(const Okr__KeyResult *kr)
{
    return kr->score < RETRO_MISS_BELOW;
}

/* What the objective was expected to reach: its goal once closed, else
 * where it should be by now. */
static int64_t expected_of(const retro *rt, const Okr__Objective *o)
{
    bool committed = o->type == OKR__OBJECTIVE_TYPE__COMMITTED;
    return rt->closed ? score_expected(rt->start_us, rt->end_us, rt->end_us, committed)
                      : o->expected;
}

static const char *team_name(const char *team)
{
    return team && team[0] ? team : "(no team)";
}

/* ------------------------------------------------------------ human output */

static void key(FILE *out, const char *name)
{
    fprintf(out, "    %-12s ", name);
}

static void say_grade(const okr_client *c, const retro *rt, const Okr__Objective *o)
{
    char score[FMT_BUF], expected[FMT_BUF];
    render_ctx ctx = {.out = c->out, .color = c->color};
    key(c->out, "grade");
    if (rt->closed && o->grade != OKR__GRADE__GRADE_NONE)
        render_paint(&ctx, render_grade_color(o->grade), fmt_grade(o->grade));
    else
        fputs("not closed", c->out);
    fprintf(c->out, "  reached %s of %s expected%s\n", fmt_score(o->score, 3, score, sizeof score),
            fmt_score(expected_of(rt, o), 3, expected, sizeof expected),
            rt->closed ? "" : " by now");
}

/* "3 check-ins; 3 of 4 weeks without one", then the longest gap on its own
 * line (with no check-in at all, the gap is the whole span: not said). */
static void say_cadence(FILE *out, const retro_cadence *cad)
{
    char from[20], to[20];
    const char *weeks = cad->weeks == 1 ? "week" : "weeks";
    key(out, "check-ins");
    if (cad->weeks == 0) {
        fputs("the period has not started\n", out);
        return;
    }
    if (cad->checkins == 0) {
        fprintf(out, "none in %d %s\n", cad->weeks, weeks);
        return;
    }
    fprintf(out, "%zu check-in%s; %d of %d %s without one\n", cad->checkins,
            cad->checkins == 1 ? "" : "s", cad->weeks_without, cad->weeks, weeks);
    text_format_time(cad->gap_from_us, from);
    text_format_time(cad->gap_to_us, to);
    key(out, "longest gap");
    fprintf(out, "%lld days (%s to %s)\n", (long long)(cad->gap_us / OKR_US_PER_DAY), from, to);
}

static void say_confidence(FILE *out, const retro_objective *ro)
{
    int said = 0;
    key(out, "confidence");
    for (size_t k = 0; k < ro->n_krs; k++) {
        double first, last;
        if (!confidence_trend(&ro->krs[k], &first, &last))
            continue;
        fprintf(out, "%s%s %.2f → %.2f", said++ ? ", " : "", ro->krs[k].kr->id, first, last);
    }
    fputs(said ? "\n" : "none given\n", out);
}

static void say_krs(FILE *out, const retro *rt, const retro_objective *ro)
{
    char v[FMT_BUF];
    for (size_t k = 0; k < ro->n_krs; k++) {
        const Okr__KeyResult *kr = ro->krs[k].kr;
        if (overshoots(kr)) {
            key(out, "overshoot");
            fprintf(out, "%s %s: attainment %s; was the target too low?\n", kr->id,
                    kr->title ? kr->title : "", fmt_score(kr->attainment, 3, v, sizeof v));
        }
        if (missed(kr)) {
            key(out, "missed");
            fprintf(out, "%s %s: %s %s\n", kr->id, kr->title ? kr->title : "",
                    fmt_score(kr->score, 3, v, sizeof v), rt->closed ? "at close" : "so far");
        }
    }
}

static void say_notes(FILE *out, const retro_note *all, size_t n)
{
    char time[20], note[OKR_MAX_NOTE + 1];
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const Okr__CheckIn *ci = all[i].checkin;
        if (ci->note == NULL || ci->note[0] == '\0')
            continue;
        key(out, first ? "notes" : "");
        first = false;
        snprintf(note, sizeof note, "%s", ci->note);
        text_flatten(note);
        text_format_time(ci->time, time);
        fprintf(out, "%s  %s  %s  %s\n", time, ci->author ? ci->author : "", all[i].kr->id, note);
    }
}

static void show_objective(const okr_client *c, const retro *rt, const retro_objective *ro)
{
    const Okr__Objective *o = ro->o;
    render_ctx ctx = {.out = c->out, .color = c->color};
    size_t n;
    retro_note *all = checkins_of(ro, &n);
    retro_cadence cad;
    cadence_of(rt, all, n, &cad);
    fputs("  ", c->out);
    render_paint(&ctx, RENDER_BOLD, o->id ? o->id : "");
    fprintf(c->out, "  %s  (%s%s%s)\n", o->title ? o->title : "", fmt_type(o->type),
            o->owner && o->owner[0] ? ", " : "", o->owner ? o->owner : "");
    say_grade(c, rt, o);
    say_cadence(c->out, &cad);
    say_confidence(c->out, ro);
    say_krs(c->out, rt, ro);
    say_notes(c->out, all, n);
    free(all);
}

static int show_human(okr_client *c, retro *rt)
{
    const Okr__Period *p = rt->period;
    fprintf(c->out, "Retro %s  %s .. %s  %s\n", p->name, p->start, p->end,
            rt->closed ? "closed" : "open (not closed yet: scores may still move)");
    if (rt->n_objs == 0)
        fprintf(c->out, "\n  no objectives%s%s\n", rt->team ? " for team " : "",
                rt->team ? rt->team : "");
    for (size_t i = 0; i < rt->n_objs; i++) {
        const char *team = rt->objs[i].o->team;
        if (i == 0 || !same(team, rt->objs[i - 1].o->team))
            fprintf(c->out, "\nTeam %s\n", team_name(team));
        int status = read_checkins(c, &rt->objs[i]);
        if (status != OKR_EXIT_OK)
            return status;
        show_objective(c, rt, &rt->objs[i]);
        drop_checkins(&rt->objs[i]);
    }
    return OKR_EXIT_OK;
}

/* ------------------------------------------------------------ JSON */

static void put(struct json_object *obj, const char *key_, struct json_object *value)
{
    json_object_object_add(obj, key_, value);
}

static struct json_object *string_of(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static struct json_object *time_of(int64_t us)
{
    char text[FMT_BUF];
    return json_object_new_string(fmt_iso_time(us, text, sizeof text));
}

static struct json_object *cadence_json(const retro_cadence *cad)
{
    struct json_object *obj = json_object_new_object();
    put(obj, "weeks", json_object_new_int(cad->weeks));
    put(obj, "weeks_without_checkin", json_object_new_int(cad->weeks_without));
    put(obj, "checkins", json_object_new_uint64(cad->checkins));
    put(obj, "longest_gap_days", json_object_new_int64(cad->gap_us / OKR_US_PER_DAY));
    put(obj, "longest_gap_from", cad->weeks ? time_of(cad->gap_from_us) : NULL);
    put(obj, "longest_gap_to", cad->weeks ? time_of(cad->gap_to_us) : NULL);
    return obj;
}

/* "confidence", "overshoots" and "misses" of the objective's KRs. */
static void krs_json(struct json_object *obj, const retro_objective *ro)
{
    struct json_object *conf = json_object_new_array(), *over = json_object_new_array();
    struct json_object *miss = json_object_new_array();
    for (size_t k = 0; k < ro->n_krs; k++) {
        const Okr__KeyResult *kr = ro->krs[k].kr;
        double first, last;
        if (confidence_trend(&ro->krs[k], &first, &last)) {
            struct json_object *e = json_object_new_object();
            put(e, "kr", string_of(kr->id));
            put(e, "first", json_fraction(first));
            put(e, "last", json_fraction(last));
            json_object_array_add(conf, e);
        }
        if (overshoots(kr) || missed(kr)) {
            struct json_object *e = json_object_new_object();
            put(e, "kr", string_of(kr->id));
            put(e, "title", string_of(kr->title));
            put(e, overshoots(kr) ? "attainment" : "score",
                json_score(overshoots(kr) ? kr->attainment : kr->score));
            json_object_array_add(overshoots(kr) ? over : miss, e);
        }
    }
    put(obj, "confidence", conf);
    put(obj, "overshoots", over);
    put(obj, "misses", miss);
}

static struct json_object *notes_json(const retro_note *all, size_t n)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const Okr__CheckIn *ci = all[i].checkin;
        if (ci->note == NULL || ci->note[0] == '\0')
            continue;
        struct json_object *e = json_object_new_object();
        put(e, "time", time_of(ci->time));
        put(e, "kr", string_of(all[i].kr->id));
        put(e, "author", string_of(ci->author));
        put(e, "note", string_of(ci->note));
        json_object_array_add(array, e);
    }
    return array;
}

static struct json_object *objective_json(const retro *rt, const retro_objective *ro)
{
    const Okr__Objective *o = ro->o;
    struct json_object *obj = json_object_new_object();
    size_t n;
    retro_note *all = checkins_of(ro, &n);
    retro_cadence cad;
    cadence_of(rt, all, n, &cad);
    put(obj, "id", string_of(o->id));
    put(obj, "title", string_of(o->title));
    put(obj, "type", json_object_new_string(fmt_type(o->type)));
    put(obj, "owner", string_of(o->owner));
    put(obj, "grade", rt->closed && o->grade != OKR__GRADE__GRADE_NONE
                          ? json_object_new_string(fmt_grade(o->grade)) : NULL);
    put(obj, "reached", json_score(o->score));
    put(obj, "expected", json_score(expected_of(rt, o)));
    put(obj, "cadence", cadence_json(&cad));
    krs_json(obj, ro);
    put(obj, "notes", notes_json(all, n));
    free(all);
    return obj;
}

static int show_json(okr_client *c, retro *rt)
{
    struct json_object *doc = json_object_new_object(), *period = json_object_new_object();
    struct json_object *teams = json_object_new_array(), *objectives = NULL;
    put(period, "name", string_of(rt->period->name));
    put(period, "start", string_of(rt->period->start));
    put(period, "end", string_of(rt->period->end));
    put(period, "closed", json_object_new_boolean(rt->closed));
    put(doc, "period", period);
    put(doc, "team", rt->team ? json_object_new_string(rt->team) : NULL);
    put(doc, "teams", teams);
    for (size_t i = 0; i < rt->n_objs; i++) {
        const char *team = rt->objs[i].o->team;
        if (i == 0 || !same(team, rt->objs[i - 1].o->team)) {
            struct json_object *entry = json_object_new_object();
            objectives = json_object_new_array();
            put(entry, "team", string_of(team));
            put(entry, "objectives", objectives);
            json_object_array_add(teams, entry);
        }
        int status = read_checkins(c, &rt->objs[i]);
        if (status != OKR_EXIT_OK) {
            json_object_put(doc);
            return status;
        }
        json_object_array_add(objectives, objective_json(rt, &rt->objs[i]));
        drop_checkins(&rt->objs[i]);
    }
    int rc = json_print(c->out, doc);
    json_object_put(doc);
    return rc == 0 ? OKR_EXIT_OK : OKR_EXIT_REFUSED;
}

/* ------------------------------------------------------------ the command */

int retro_run(okr_client *c, cmd_request *r)
{
    retro rt = {.c = c, .team = r->body.tree.team};
    const char *period = r->body.tree.period;
    int status = client_call(c, &r->request, &rt.tree);   /* checks the period and team exist */
    if (status == OKR_EXIT_OK)
        status = read_period(&rt, period);
    if (status == OKR_EXIT_OK && pick_objectives(&rt, period) != 0) {
        client_error(c, "retro: out of memory");
        status = OKR_EXIT_REFUSED;
    }
    if (status == OKR_EXIT_OK && rt.tree->graph->truncated)
        client_error(c, "warning: the period's tree is cut at the server's limit; "
                        "narrow the retro with --team");
    if (status == OKR_EXIT_OK)
        status = c->json ? show_json(c, &rt) : show_human(c, &rt);
    retro_free(&rt);
    return status;
}
