/* report_html.c — the leaders' page of `okr report` (see report_html.h).
 * Owns the page's markup and style; never talks to the server, never
 * decides a score, a health or a finding (the reply and lint.c did).
 *
 * The graph is indexed once (node_index.h), then walked depth first from
 * the objectives without a parent in it: under an objective its KRs, then
 * the objectives aligned to it; under a KR the objectives aligned to it.
 * A node with two parents is drawn under both (only the first drawing gets
 * the HTML id that the findings link to); a depth limit, a node limit and a
 * check against the current path keep a huge or cyclic graph bounded. */
#include "report_html.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "node_index.h"
#include "render.h"
#include "svg_spark.h"
#include "text.h"
#include "util.h"

#define SPARK_WIDTH 96
#define SPARK_HEIGHT 20

typedef struct {
    FILE *out;
    const report_input *in;
    node_index objectives;      /* key: objective -> graph index */
    node_index krs;             /* key: KR -> graph index */
    node_index kr_of;           /* key: objective, sub: KR -> graph index */
    node_index children;        /* key: parent, sub: child -> alignment index */
    node_index parented;        /* key: objectives with a parent in the graph */
    node_index history;         /* key: KR -> histories index */
    bool *drawn_objective, *drawn_kr;   /* by graph index: has its HTML id */
    okr_node path[REPORT_MAX_DEPTH + 1];
    size_t nodes;
    bool cut;
} page;

/* ------------------------------------------------------------ style */

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px 32px;"
    "color:#1d2330;background:#fff}"
    "h1{font-size:24px;margin:0 0 2px}h2{font-size:17px;margin:28px 0 8px;"
    "border-bottom:1px solid #e3e6eb;padding-bottom:4px}"
    ".meta{color:#5b6272;margin:0 0 14px}"
    ".summary{display:flex;gap:28px;margin:8px 0 4px}.summary b{font-size:20px;display:block}"
    ".legend span{margin-right:14px}"
    "ul.tree,ul.tree ul{list-style:none;margin:0;padding:0}"
    "ul.tree ul{margin-left:14px;padding-left:12px;border-left:2px solid #e3e6eb}"
    "li.node{margin:3px 0}"
    ".row{display:flex;align-items:center;gap:10px;padding:3px 8px;border-radius:5px}"
    ".objective>.row{background:#f4f6f9;font-weight:600}"
    ".name{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    ".id{font:12px ui-monospace,Menlo,Consolas,monospace;color:#5b6272;margin-right:6px}"
    ".note{color:#8a6d00;font-weight:400;font-size:12px;margin-left:6px}"
    ".other{color:#5b6272;font-weight:400;font-size:12px;margin-left:6px}"
    ".owner{width:90px;color:#5b6272;font-weight:400;font-size:12px;overflow:hidden;"
    "text-overflow:ellipsis;white-space:nowrap}"
    ".progress{width:120px;color:#5b6272;font-weight:400;font-size:12px;text-align:right;"
    "white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    ".bar{width:160px;height:10px;background:#e6e9ef;border-radius:5px;overflow:hidden;"
    "flex:none}.bar>span{display:block;height:100%;border-radius:5px}"
    ".score{width:44px;text-align:right;font-variant-numeric:tabular-nums}"
    ".tag{width:76px;text-align:center;font-size:11px;font-weight:600;border-radius:9px;"
    "padding:1px 0;color:#fff}"
    ".sparkcell{width:96px;height:20px}"
    ".green .bar>span,.green .tag,.legend .green{background:#2e9d4d}"
    ".amber .bar>span,.amber .tag,.legend .amber{background:#d39b00}"
    ".red .bar>span,.red .tag,.legend .red{background:#d64541}"
    ".grey .bar>span,.grey .tag,.legend .grey{background:#9aa1ad}"
    ".legend span{color:#fff;border-radius:9px;padding:1px 8px;font-size:12px}"
    "table.findings{border-collapse:collapse;width:100%}"
    ".findings th,.findings td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e6eb;"
    "vertical-align:top}.findings th{font-size:12px;color:#5b6272}"
    ".findings .rule{font:12px ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}"
    ".findings a{color:#1f5fbf;text-decoration:none;margin-right:4px}"
    ".clean{color:#2e9d4d;font-weight:600}.cut{color:#d64541}"
    "footer{margin-top:28px;color:#8a909c;font-size:12px}";

/* ------------------------------------------------------------ text */

static void esc(page *p, const char *s)
{
    svg_spark_escape(p->out, s);
}

/* The colour class of a judgment: the grade once graded, else the health. */
static const char *tone(Okr__Health health, Okr__Grade grade)
{
    switch (grade != OKR__GRADE__GRADE_NONE ? (int)grade + 10 : (int)health) {
    case OKR__GRADE__GREEN + 10:
    case OKR__HEALTH__ON_TRACK: return "green";
    case OKR__GRADE__YELLOW + 10:
    case OKR__HEALTH__AT_RISK: return "amber";
    case OKR__GRADE__RED + 10:
    case OKR__HEALTH__OFF_TRACK: return "red";
    default: return "grey";
    }
}

/* What the tag of a row says: "on track" ... once graded, "green" ... */
static const char *judgment_word(Okr__Health health, Okr__Grade grade)
{
    if (grade != OKR__GRADE__GRADE_NONE)
        return fmt_grade(grade);
    switch (health) {
    case OKR__HEALTH__ON_TRACK: return "on track";
    case OKR__HEALTH__AT_RISK: return "at risk";
    case OKR__HEALTH__OFF_TRACK: return "off track";
    default: return "no health";
    }
}

/* "42.0": a score in millionths as a width in percent, clamped to 0..100. */
static double percent(int64_t score)
{
    return score < 0 ? 0 : score > 1000000 ? 100 : (double)score / 10000.0;
}

/* ------------------------------------------------------------ the index */

static void page_build(page *p)
{
    const Okr__Graph *g = p->in->graph;
    node_index *all[] = {&p->objectives, &p->krs, &p->kr_of, &p->children, &p->parented,
                         &p->history};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        node_index_init(all[i]);
    for (size_t i = 0; i < g->n_objectives; i++)
        node_index_add(&p->objectives, g->objectives[i]->id, NULL, i);
    for (size_t i = 0; i < g->n_krs; i++) {
        node_index_add(&p->krs, g->krs[i]->id, NULL, i);
        node_index_add(&p->kr_of, g->krs[i]->objective, g->krs[i]->id, i);
    }
    for (size_t i = 0; i < p->in->n_histories; i++) {
        const Okr__HistoryReply *h = p->in->histories[i];
        if (h && h->kr)
            node_index_add(&p->history, h->kr->id, NULL, i);
    }
    node_index_sort(&p->objectives);
    node_index_sort(&p->krs);
    node_index_sort(&p->kr_of);
    node_index_sort(&p->history);
    for (size_t i = 0; i < g->n_alignments; i++) {
        const Okr__Alignment *a = g->alignments[i];
        okr_node child, parent;
        /* Alignments name objectives as children; a KR sits under its objective. */
        if (!a->child || !a->parent || !okr_id_parse(a->child, &child) ||
            !okr_id_parse(a->parent, &parent) || okr_node_is_kr(child) ||
            !node_index_has(&p->objectives, child))
            continue;
        bool known = node_index_has(okr_node_is_kr(parent) ? &p->krs : &p->objectives, parent);
        if (!known)
            continue;
        node_index_add(&p->children, a->parent, a->child, i);
        node_index_add(&p->parented, a->child, NULL, i);
    }
    node_index_sort(&p->children);
    node_index_sort(&p->parented);
    p->drawn_objective = util_xcalloc(g->n_objectives + 1, sizeof(bool));
    p->drawn_kr = util_xcalloc(g->n_krs + 1, sizeof(bool));
}

static void page_free(page *p)
{
    node_index *all[] = {&p->objectives, &p->krs, &p->kr_of, &p->children, &p->parented,
                         &p->history};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        node_index_free(all[i]);
    free(p->drawn_objective);
    free(p->drawn_kr);
}

static const Okr__Objective *objective_at(const page *p, okr_node id, size_t *index)
{
    size_t n;
    const node_row *r = node_index_range(&p->objectives, id, &n);
    if (n == 0)
        return NULL;
    *index = r->index;
    return p->in->graph->objectives[r->index];
}

static const Okr__KeyResult *kr_at(const page *p, okr_node id, size_t *index)
{
    size_t n;
    const node_row *r = node_index_range(&p->krs, id, &n);
    if (n == 0)
        return NULL;
    *index = r->index;
    return p->in->graph->krs[r->index];
}

/* ------------------------------------------------------------ one node */

/* <li class="node KIND TONE" id=... data-...>: the id only on the first drawing. */
static void open_item(page *p, const char *kind, const char *id, bool *drawn, int64_t score,
                      Okr__Health health, Okr__Grade grade)
{
    char text[FMT_BUF];
    fprintf(p->out, "<li class=\"node %s %s\"", kind, tone(health, grade));
    if (!*drawn) {
        fputs(" id=\"", p->out);
        esc(p, id);
        fputc('"', p->out);
        *drawn = true;
    }
    fputs(" data-id=\"", p->out);
    esc(p, id);
    fprintf(p->out, "\" data-kind=\"%s\" data-score=\"%s\" data-health=\"%s\" data-grade=\"%s\"",
            kind[0] == 'o' ? "objective" : "kr", fmt_score(score, 6, text, sizeof text),
            fmt_health(health), fmt_grade(grade));
}

/* The bar, the score and the judgment of a row. */
static void numbers(page *p, int64_t score, Okr__Health health, Okr__Grade grade)
{
    char text[FMT_BUF];
    fprintf(p->out, "<span class=\"bar\" title=\"%s\"><span style=\"width:%.1f%%\"></span></span>",
            fmt_score(score, 3, text, sizeof text), percent(score));
    fprintf(p->out, "<span class=\"score\">%s</span><span class=\"tag\">%s</span>", text,
            judgment_word(health, grade));
}

static void owner_cell(page *p, const char *owner)
{
    fputs("<span class=\"owner\" title=\"owner\">", p->out);
    esc(p, owner && owner[0] ? owner : "");
    fputs("</span>", p->out);
}

/* What a sparkline draws of a check-in: progress upward (a decreasing
 * metric's values negated); a milestone's confidence, which is what moves. */
static bool spark_value(const Okr__KeyResult *kr, const Okr__CheckIn *ci, double *v)
{
    switch (kr->kind) {
    case OKR__KR_KIND__MILESTONE:
        if (!ci->has_confidence)
            return false;
        *v = ci->confidence;
        return true;
    case OKR__KR_KIND__METRIC:
        *v = kr->target < kr->start ? -ci->value : ci->value;
        return true;
    case OKR__KR_KIND__THRESHOLD:
        *v = kr->direction == OKR__THRESHOLD_DIRECTION__AT_MOST ? -ci->value : ci->value;
        return true;
    default:
        return false;
    }
}

static void sparkline(page *p, const Okr__KeyResult *kr)
{
    okr_node id;
    size_t n = 0;
    const node_row *r = okr_id_parse(kr->id, &id) ? node_index_range(&p->history, id, &n) : NULL;
    fputs("<span class=\"sparkcell\">", p->out);
    if (n > 0) {
        const Okr__HistoryReply *h = p->in->histories[r->index];
        double *values = util_xcalloc(h->n_checkins + 1, sizeof *values);
        size_t m = 0;
        for (size_t i = 0; i < h->n_checkins; i++)
            m += spark_value(kr, h->checkins[i], &values[m]);
        char label[64];
        snprintf(label, sizeof label, "%zu check-in%s of %s", h->n_checkins,
                 h->n_checkins == 1 ? "" : "s", kr->id);
        svg_spark_write(p->out, values, m, SPARK_WIDTH, SPARK_HEIGHT, "#3a6fd8", label);
        free(values);
    }
    fputs("</span>", p->out);
}

/* " (weight 2)", " does not count: ..." after a title, for the edge drawn. */
static void edge_notes(page *p, const Okr__Alignment *edge)
{
    char note[128];
    if (edge == NULL)
        return;
    if (edge->has_weight && edge->weight > 1)
        fprintf(p->out, "<span class=\"other\">weight %u</span>", edge->weight);
    render_uncounted(edge, note, sizeof note);
    if (note[0]) {
        fputs("<span class=\"note\">", p->out);
        esc(p, note + 2);                   /* without " (" ... */
        fputs("</span>", p->out);
    }
}

static void walk(page *p, okr_node node, const Okr__Alignment *edge, int depth);

/* The objectives aligned to `node`, as a nested list (none: nothing). */
static void aligned_below(page *p, okr_node node, int depth)
{
    size_t n;
    const node_row *kids = node_index_range(&p->children, node, &n);
    for (size_t i = 0; i < n && !p->cut; i++)
        walk(p, kids[i].sub, p->in->graph->alignments[kids[i].index], depth + 1);
}

static void draw_kr(page *p, okr_node node, const Okr__KeyResult *kr, size_t index, int depth,
                    const Okr__Objective *owner)
{
    char progress[2 * FMT_BUF + 16];
    Okr__Grade grade = render_kr_grade(kr, owner);
    p->path[depth] = node;
    open_item(p, "kr", kr->id, &p->drawn_kr[index], kr->score, kr->health, grade);
    fputs(" data-objective=\"", p->out);
    esc(p, kr->objective);
    fputs("\"><div class=\"row\"><span class=\"name\"><span class=\"id\">", p->out);
    esc(p, kr->id);
    fputs("</span>", p->out);
    esc(p, kr->title);
    fputs("</span>", p->out);
    bool inherited;                    /* no owner of its own: the objective's */
    owner_cell(p, render_kr_owner(kr, owner, &inherited));
    fputs("<span class=\"progress\">", p->out);
    esc(p, fmt_progress(kr, progress, sizeof progress));
    fputs("</span>", p->out);
    sparkline(p, kr);
    numbers(p, kr->score, kr->health, grade);
    fputs("</div>", p->out);
    if (node_index_has(&p->children, node) && depth < REPORT_MAX_DEPTH) {
        fputs("<ul>", p->out);
        aligned_below(p, node, depth);
        fputs("</ul>", p->out);
    }
    fputs("</li>", p->out);
}

static void draw_objective(page *p, okr_node node, const Okr__Objective *o, size_t index,
                           const Okr__Alignment *edge, int depth)
{
    open_item(p, "objective", o->id, &p->drawn_objective[index], o->score, o->health, o->grade);
    fputs(" data-period=\"", p->out);
    esc(p, o->period);
    fputs("\"><div class=\"row\"><span class=\"name\"><span class=\"id\">", p->out);
    esc(p, o->id);
    fputs("</span>", p->out);
    esc(p, o->title);
    if (o->type == OKR__OBJECTIVE_TYPE__COMMITTED)
        fputs("<span class=\"other\">committed</span>", p->out);
    if (o->team && o->team[0]) {
        fputs("<span class=\"other\">", p->out);
        esc(p, o->team);
        fputs("</span>", p->out);
    }
    if (o->period && strcmp(o->period, p->in->period->name) != 0) {
        fputs("<span class=\"other\">", p->out);
        esc(p, o->period);
        fputs("</span>", p->out);
    }
    edge_notes(p, edge);
    fputs("</span>", p->out);
    owner_cell(p, o->owner);
    fputs("<span class=\"progress\"></span><span class=\"sparkcell\"></span>", p->out);
    numbers(p, o->score, o->health, o->grade);
    fputs("</div>", p->out);

    size_t n_krs;
    const node_row *krs = node_index_range(&p->kr_of, node, &n_krs);
    bool below = n_krs > 0 || node_index_has(&p->children, node);
    if (below && depth < REPORT_MAX_DEPTH) {
        p->path[depth] = node;
        fputs("<ul>", p->out);
        for (size_t i = 0; i < n_krs && !p->cut; i++) {
            size_t k;
            const Okr__KeyResult *kr = kr_at(p, krs[i].sub, &k);
            if (kr != NULL && ++p->nodes <= REPORT_MAX_NODES)
                draw_kr(p, krs[i].sub, kr, k, depth + 1, o);
        }
        aligned_below(p, node, depth);
        fputs("</ul>", p->out);
    } else if (below) {
        fputs("<ul><li class=\"cut\">… (deeper levels not drawn)</li></ul>", p->out);
    }
    fputs("</li>", p->out);
}

static bool on_path(const page *p, okr_node node, int depth)
{
    for (int i = 0; i < depth && i <= REPORT_MAX_DEPTH; i++)
        if (p->path[i] == node)
            return true;
    return false;
}

static void walk(page *p, okr_node node, const Okr__Alignment *edge, int depth)
{
    size_t index;
    const Okr__Objective *o = objective_at(p, node, &index);
    if (o == NULL || on_path(p, node, depth))      /* a cycle: never in a sound DAG */
        return;
    if (++p->nodes > REPORT_MAX_NODES) {
        p->cut = true;
        return;
    }
    draw_objective(p, node, o, index, edge, depth);
}

/* ------------------------------------------------------------ sections */

static void header(page *p)
{
    const Okr__Period *period = p->in->period;
    char when[24];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>OKR report ", p->out);
    esc(p, period->name);
    if (p->in->team && p->in->team[0]) {
        fputs(" — ", p->out);
        esc(p, p->in->team);
    }
    fprintf(p->out, "</title><style>%s</style></head>\n<body>\n<header><h1>", style);
    esc(p, period->name);
    if (p->in->team && p->in->team[0]) {
        fputs(" · team ", p->out);
        esc(p, p->in->team);
    }
    fputs("</h1><p class=\"meta\">", p->out);
    esc(p, period->start);
    fputs(" to ", p->out);
    esc(p, period->end);
    text_format_time(p->in->generated_us, when);
    fprintf(p->out, " · %s · as of %s UTC", period->closed ? "closed: colours are grades"
                                                          : "open: colours are health", when);
    fputs("</p></header>\n", p->out);
}

/* Objectives of the period (and team) in the graph, their mean score. */
static void summary(page *p)
{
    const Okr__Graph *g = p->in->graph;
    size_t n = 0;
    int64_t sum = 0;
    char mean[FMT_BUF];
    for (size_t i = 0; i < g->n_objectives; i++) {
        const Okr__Objective *o = g->objectives[i];
        if (o->period && strcmp(o->period, p->in->period->name) == 0) {
            n++;
            sum += o->score;
        }
    }
    fmt_score(n ? (sum + (int64_t)n / 2) / (int64_t)n : 0, 2, mean, sizeof mean);
    fprintf(p->out, "<section class=\"summary\"><div><b>%zu</b>objectives</div>"
                    "<div><b>%zu</b>key results</div><div><b>%s</b>mean objective score</div>"
                    "<div><b>%zu</b>findings</div></section>\n",
            n, g->n_krs, mean, p->in->findings ? p->in->findings->n : 0);
    fprintf(p->out, "<p class=\"legend\">%s<span class=\"green\">%s</span>"
                    "<span class=\"amber\">%s</span><span class=\"red\">%s</span>"
                    "<span class=\"grey\">%s</span></p>\n",
            p->in->period->closed ? "Grades: " : "Health: ",
            p->in->period->closed ? "green" : "on track",
            p->in->period->closed ? "yellow" : "at risk",
            p->in->period->closed ? "red" : "off track", "none");
}

static void tree(page *p)
{
    const Okr__Graph *g = p->in->graph;
    size_t roots = 0;
    fputs("<h2>Alignment tree</h2>\n<ul class=\"tree\">\n", p->out);
    for (int pass = 0; pass < 2 && roots == 0; pass++) {
        /* pass 1 draws every objective: only a cycle leaves no root */
        for (size_t i = 0; i < g->n_objectives && !p->cut; i++) {
            okr_node node;
            if (!okr_id_parse(g->objectives[i]->id, &node) ||
                (pass == 0 && node_index_has(&p->parented, node)))
                continue;
            walk(p, node, NULL, 0);
            fputc('\n', p->out);
            roots++;
        }
    }
    fputs("</ul>\n", p->out);
    if (roots == 0)
        fputs("<p>No objectives in this period yet.</p>\n", p->out);
    if (p->cut || g->truncated)
        fprintf(p->out, "<p class=\"cut\">The tree is cut at %d nodes or at the server's "
                        "limit: ask for a team (okr report PERIOD --team T).</p>\n",
                REPORT_MAX_NODES);
}

static void findings(page *p)
{
    const lint_findings *f = p->in->findings;
    fputs("<h2>Coach's findings (okr lint)</h2>\n", p->out);
    if (f == NULL || f->n == 0) {
        fputs("<p class=\"clean\">No findings: every rule of okr lint passes.</p>\n", p->out);
        return;
    }
    fputs("<table class=\"findings\"><thead><tr><th>Rule</th><th>Ids</th><th>Team</th>"
          "<th>Finding</th></tr></thead><tbody>\n", p->out);
    for (size_t i = 0; i < f->n; i++) {
        const lint_finding *x = &f->items[i];
        fprintf(p->out, "<tr data-rule=\"%s\"><td class=\"rule\">%s</td><td>",
                lint_rule_name(x->rule), lint_rule_name(x->rule));
        for (size_t j = 0; j < x->n_ids; j++) {
            fputs("<a href=\"#", p->out);
            esc(p, x->ids[j]);
            fputs("\">", p->out);
            esc(p, x->ids[j]);
            fputs("</a>", p->out);
        }
        fputs("</td><td>", p->out);
        esc(p, x->team);
        fputs("</td><td>", p->out);
        esc(p, x->message);
        fputs("</td></tr>\n", p->out);
    }
    fputs("</tbody></table>\n", p->out);
}

static void footer(page *p)
{
    fputs("<footer>Made by okr report", p->out);
    if (p->in->server) {
        fputs(" from ", p->out);
        esc(p, p->in->server);
    }
    fputs(". Scores are okrd's, exact to six decimals in each element's data-score."
          "</footer>\n</body></html>\n", p->out);
}

int report_html_write(FILE *out, const report_input *in)
{
    page p = {.out = out, .in = in};
    page_build(&p);
    header(&p);
    summary(&p);
    tree(&p);
    findings(&p);
    footer(&p);
    page_free(&p);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
