/* coach.c — the command glue of `okr lint` and `okr report` (see coach.h):
 * resolve the period, team and thresholds, fetch what the rules and the
 * page need with ordinary reads (PeriodList, TeamList, TreeGet, one
 * ObjectiveGet per objective of the period for its parents elsewhere,
 * History per KR for the sparklines), then print the findings or write the
 * page. A department has at most a few hundred objectives a period, so one
 * read per objective is fine. Holds every reply until the end and frees
 * them in one place (coach_data_free). */
#include "coach.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "json_out.h"
#include "lint.h"
#include "render.h"
#include "report_html.h"
#include "table.h"
#include "text.h"
#include "util.h"

#define COACH_HISTORY_LIMIT 100          /* check-ins per sparkline: the latest */

/* Every reply the command read, and what was found. */
typedef struct {
    Okr__Response *periods, *teams, *graph, *team_graph;
    Okr__Response **details;             /* ObjectiveGet replies */
    size_t n_details;
    Okr__Alignment **more;               /* parents from the details (borrowed) */
    size_t n_more;
    Okr__Response **histories;           /* History replies */
    size_t n_histories;
    const Okr__Period *period;           /* in periods */
    const char *team;                    /* r's --team, or NULL */
    lint_thresholds thresholds;
    lint_findings findings;
} coach_data;

static void coach_data_free(coach_data *d)
{
    Okr__Response *single[] = {d->periods, d->teams, d->graph, d->team_graph};
    for (size_t i = 0; i < sizeof single / sizeof *single; i++)
        if (single[i])
            okr__response__free_unpacked(single[i], NULL);
    for (size_t i = 0; i < d->n_details; i++)
        okr__response__free_unpacked(d->details[i], NULL);
    for (size_t i = 0; i < d->n_histories; i++)
        okr__response__free_unpacked(d->histories[i], NULL);
    free(d->details);
    free(d->more);
    free(d->histories);
    lint_findings_free(&d->findings);
}

static const char *command_word(const cmd_request *r)
{
    return r->command->id == OKR_CMD_REPORT ? "report" : "lint";
}

/* ------------------------------------------------------------ settings */

/* Defaults, then [lint] in the config file, then the options. */
static int resolve_thresholds(okr_client *c, const cmd_request *r, lint_thresholds *t)
{
    char why[256];
    lint_thresholds_default(t);
    if (!config_read_lint(t, why, sizeof why)) {
        client_error(c, "%s: %s", command_word(r), why);
        return OKR_EXIT_USAGE;
    }
    for (int i = 0; i < LINT__LIMITS; i++)
        if (r->lint_set[i])
            t->limit[i] = r->lint_limit[i];
    if (!lint_thresholds_check(t, why, sizeof why)) {
        client_error(c, "%s: %s", command_word(r), why);
        return OKR_EXIT_USAGE;
    }
    return OKR_EXIT_OK;
}

/* ------------------------------------------------------------ reads */

static int read_simple(okr_client *c, Okr__Request__BodyCase body, Okr__Response **out)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodList periods = OKR__PERIOD_LIST__INIT;
    Okr__TeamList teams = OKR__TEAM_LIST__INIT;
    req.body_case = body;
    if (body == OKR__REQUEST__BODY_PERIOD_LIST)
        req.period_list = &periods;
    else
        req.team_list = &teams;
    return client_call(c, &req, out);
}

/* The open period containing today that started last, then the shortest:
 * the one obj add takes by default. NULL when none does. */
static const Okr__Period *default_period(const Okr__PeriodListReply *list)
{
    int64_t today = (int64_t)(time(NULL) / 86400), best_start = 0, best_end = 0;
    const Okr__Period *best = NULL;
    for (size_t i = 0; i < list->n_periods; i++) {
        const Okr__Period *p = list->periods[i];
        int64_t start, end;
        if (p->closed || !p->start || !p->end || !text_parse_date(p->start, &start) ||
            !text_parse_date(p->end, &end) || start > today || today > end)
            continue;
        if (best == NULL || start > best_start ||
            (start == best_start && end - start < best_end - best_start)) {
            best = p;
            best_start = start;
            best_end = end;
        }
    }
    return best;
}

static int find_period(okr_client *c, const cmd_request *r, coach_data *d)
{
    const char *name = r->body.tree.period;
    const Okr__PeriodListReply *list = d->periods->periods;
    if (name == NULL) {
        if ((d->period = default_period(list)) == NULL) {
            client_error(c, "%s: no open period contains today; give --period P (okr period "
                            "list shows them)", command_word(r));
            return OKR_EXIT_USAGE;
        }
        return OKR_EXIT_OK;
    }
    for (size_t i = 0; i < list->n_periods; i++)
        if (list->periods[i]->name && strcmp(list->periods[i]->name, name) == 0) {
            d->period = list->periods[i];
            return OKR_EXIT_OK;
        }
    client_error(c, "%s: no period named \"%s\" (okr period list shows them)",
                 command_word(r), name);
    return OKR_EXIT_USAGE;
}

static int check_team(okr_client *c, const cmd_request *r, coach_data *d)
{
    const Okr__TeamListReply *list = d->teams->teams;
    if (d->team == NULL)
        return OKR_EXIT_OK;
    for (size_t i = 0; i < list->n_teams; i++)
        if (list->teams[i]->name && strcmp(list->teams[i]->name, d->team) == 0)
            return OKR_EXIT_OK;
    client_error(c, "%s: no team named \"%s\" (okr team list shows them)", command_word(r),
                 d->team);
    return OKR_EXIT_USAGE;
}

static int read_tree(okr_client *c, const char *period, const char *team, Okr__Response **out)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TreeGet get = OKR__TREE_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_TREE;
    req.tree = &get;
    get.period = (char *)period;
    get.team = (char *)team;
    int status = client_call(c, &req, out);
    if (status == OKR_EXIT_OK && (*out)->graph->truncated)
        client_error(c, "warning: the graph of %s is cut at the server's limit; findings "
                        "may be missing", period);
    return status;
}

/* Each objective of the period: its detail, for parents the tree leaves
 * out (an objective of another period it is aligned to). */
static int read_parents(okr_client *c, coach_data *d)
{
    const Okr__Graph *g = d->graph->graph;
    d->details = util_xcalloc(g->n_objectives + 1, sizeof *d->details);
    size_t cap = 16;
    d->more = util_xcalloc(cap, sizeof *d->more);
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        if (o->period == NULL || strcmp(o->period, d->period->name) != 0)
            continue;
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__ObjectiveGet get = OKR__OBJECTIVE_GET__INIT;
        req.body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
        req.objective_get = &get;
        get.id = o->id;
        Okr__Response *reply;
        int status = client_call(c, &req, &reply);
        if (status != OKR_EXIT_OK)
            return status;
        d->details[d->n_details++] = reply;
        const Okr__ObjectiveDetail *detail = reply->objective;
        for (size_t j = 0; j < detail->n_parents; j++) {
            if (d->n_more == cap) {
                cap *= 2;
                d->more = util_xreallocarray(d->more, cap, sizeof *d->more);
            }
            d->more[d->n_more++] = detail->parents[j];
        }
    }
    return OKR_EXIT_OK;
}

/* The check-ins of each KR of the page's graph that has any. */
static int read_histories(okr_client *c, coach_data *d)
{
    const Okr__Graph *g = d->team_graph->graph;
    d->histories = util_xcalloc(g->n_krs + 1, sizeof *d->histories);
    for (size_t i = 0; i < g->n_krs; i++) {
        const Okr__KeyResult *kr = g->krs[i];
        if (kr->kind == OKR__KR_KIND__ROLLUP || kr->checkins == 0)
            continue;
        Okr__Request req = OKR__REQUEST__INIT;
        Okr__History get = OKR__HISTORY__INIT;
        req.body_case = OKR__REQUEST__BODY_HISTORY;
        req.history = &get;
        get.kr = kr->id;
        get.has_limit = true;
        get.limit = COACH_HISTORY_LIMIT;
        Okr__Response *reply;
        int status = client_call(c, &req, &reply);
        if (status != OKR_EXIT_OK)
            return status;
        d->histories[d->n_histories++] = reply;
    }
    return OKR_EXIT_OK;
}

/* Everything lint needs, then the findings. */
static int gather(okr_client *c, const cmd_request *r, coach_data *d)
{
    int status = resolve_thresholds(c, r, &d->thresholds);
    d->team = r->body.tree.team;
    if (status == OKR_EXIT_OK)
        status = read_simple(c, OKR__REQUEST__BODY_PERIOD_LIST, &d->periods);
    if (status == OKR_EXIT_OK)
        status = find_period(c, r, d);
    if (status == OKR_EXIT_OK)
        status = read_simple(c, OKR__REQUEST__BODY_TEAM_LIST, &d->teams);
    if (status == OKR_EXIT_OK)
        status = check_team(c, r, d);
    if (status == OKR_EXIT_OK)
        status = read_tree(c, d->period->name, NULL, &d->graph);
    if (status == OKR_EXIT_OK)
        status = read_parents(c, d);
    if (status != OKR_EXIT_OK)
        return status;
    lint_input in = {.period = d->period, .team = d->team, .graph = d->graph->graph,
                     .more = d->more, .n_more = d->n_more, .teams = d->teams->teams->teams,
                     .n_teams = d->teams->teams->n_teams, .now_us = text_now_us()};
    lint_run(&in, &d->thresholds, &d->findings);
    return OKR_EXIT_OK;
}

/* ------------------------------------------------------------ lint */

static struct json_object *json_string_or_null(const char *s)
{
    return s && s[0] ? json_object_new_string(s) : NULL;
}

static void print_json(const okr_client *c, const coach_data *d)
{
    struct json_object *doc = json_object_new_object(), *list = json_object_new_array();
    struct json_object *limits = json_object_new_object();
    json_object_object_add(doc, "period", json_object_new_string(d->period->name));
    json_object_object_add(doc, "team", json_string_or_null(d->team));
    for (int i = 0; i < LINT__LIMITS; i++)
        json_object_object_add(limits, lint_limit_key((lint_limit)i),
                               json_object_new_int64(d->thresholds.limit[i]));
    json_object_object_add(doc, "thresholds", limits);
    for (size_t i = 0; i < d->findings.n; i++) {
        const lint_finding *f = &d->findings.items[i];
        struct json_object *item = json_object_new_object(), *ids = json_object_new_array();
        for (size_t j = 0; j < f->n_ids; j++)
            json_object_array_add(ids, json_object_new_string(f->ids[j]));
        json_object_object_add(item, "rule", json_object_new_string(lint_rule_name(f->rule)));
        json_object_object_add(item, "ids", ids);
        json_object_object_add(item, "team", json_string_or_null(f->team));
        json_object_object_add(item, "message", json_object_new_string(f->message));
        json_object_array_add(list, item);
    }
    json_object_object_add(doc, "findings", list);
    json_print(c->out, doc);
    json_object_put(doc);
}

static void print_table(const okr_client *c, const coach_data *d)
{
    static const char *const headers[] = {"RULE", "IDS", "TEAM", "FINDING"};
    table *t = table_new(4, headers);
    for (size_t i = 0; i < d->findings.n; i++) {
        const lint_finding *f = &d->findings.items[i];
        size_t len = 1;
        for (size_t j = 0; j < f->n_ids; j++)
            len += strlen(f->ids[j]) + 1;
        char *ids = util_xcalloc(len, 1);
        for (size_t j = 0; j < f->n_ids; j++) {
            if (j)
                strcat(ids, ",");
            strcat(ids, f->ids[j]);
        }
        table_cell(t, RENDER_YELLOW, "%s", lint_rule_name(f->rule));
        table_cell(t, NULL, "%s", ids);
        table_cell(t, NULL, "%s", f->team[0] ? f->team : "-");
        table_cell(t, NULL, "%s", f->message);
        free(ids);
    }
    if (d->findings.n > 0)
        table_print(t, c->out, c->color);
    table_free(t);
    if (c->table_format != TABLE_TEXT)
        return;
    if (d->findings.n > 0)
        fprintf(c->out, "%zu finding%s in %s", d->findings.n, d->findings.n == 1 ? "" : "s",
                d->period->name);
    else
        fprintf(c->out, "no findings in %s", d->period->name);
    fprintf(c->out, "%s%s%s\n", d->team ? ", team " : "", d->team ? d->team : "",
            d->findings.n ? "" : ": every rule passes");
}

static int run_lint(okr_client *c, coach_data *d)
{
    if (c->json)
        print_json(c, d);
    else
        print_table(c, d);
    return d->findings.n > 0 ? OKR_EXIT_REFUSED : OKR_EXIT_OK;
}

/* ------------------------------------------------------------ report */

/* Write the page into PATH.tmp-PID beside it, then rename it over PATH, so
 * a page served from PATH is never half written. */
static int write_page(okr_client *c, const char *path, const report_input *in)
{
    char *tmp = util_xasprintf("%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int status = OKR_EXIT_OK;
    if (f == NULL) {
        client_error(c, "report: cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return OKR_EXIT_REFUSED;
    }
    int written = report_html_write(f, in);
    int err = errno;
    if (fclose(f) != 0 || written != 0) {
        client_error(c, "report: cannot write %s: %s", path, strerror(err ? err : errno));
        status = OKR_EXIT_REFUSED;
    } else if (rename(tmp, path) != 0) {
        client_error(c, "report: cannot write %s: %s", path, strerror(errno));
        status = OKR_EXIT_REFUSED;
    }
    if (status != OKR_EXIT_OK)
        unlink(tmp);
    free(tmp);
    return status;
}

static int run_report(okr_client *c, const cmd_request *r, coach_data *d)
{
    int status = read_tree(c, d->period->name, d->team, &d->team_graph);
    if (status == OKR_EXIT_OK)
        status = read_histories(c, d);
    if (status != OKR_EXIT_OK)
        return status;
    report_input in = {.period = d->period, .team = d->team, .graph = d->team_graph->graph,
                       .findings = &d->findings, .n_histories = d->n_histories, .generated_us = text_now_us(),
                       .server = c->conn.endpoint};
    Okr__HistoryReply **h = util_xcalloc(d->n_histories + 1, sizeof *h);
    for (size_t i = 0; i < d->n_histories; i++)
        h[i] = d->histories[i]->history;
    in.histories = h;
    status = write_page(c, r->html_file, &in);
    free(h);
    if (status != OKR_EXIT_OK)
        return status;
    const Okr__Graph *g = d->team_graph->graph;
    if (c->json) {
        struct json_object *doc = json_object_new_object();
        json_object_object_add(doc, "file", json_object_new_string(r->html_file));
        json_object_object_add(doc, "period", json_object_new_string(d->period->name));
        json_object_object_add(doc, "objectives", json_object_new_int64((int64_t)g->n_objectives));
        json_object_object_add(doc, "krs", json_object_new_int64((int64_t)g->n_krs));
        json_object_object_add(doc, "findings", json_object_new_int64((int64_t)d->findings.n));
        json_print(c->out, doc);
        json_object_put(doc);
    } else {
        fprintf(c->out, "%s: %zu objectives, %zu key results, %zu findings\n", r->html_file,
                g->n_objectives, g->n_krs, d->findings.n);
    }
    return OKR_EXIT_OK;
}

int coach_run(okr_client *c, cmd_request *r)
{
    coach_data d = {0};
    int status = gather(c, r, &d);
    if (status == OKR_EXIT_OK)
        status = r->command->id == OKR_CMD_REPORT ? run_report(c, r, &d) : run_lint(c, &d);
    coach_data_free(&d);
    return status;
}
