/* render.c — human output of replies: score lines, objective and KR views,
 * list and history tables, server status (see render.h). The alignment
 * tree is drawn by render_tree.c. Writes to ctx->out only. */
#include "render.h"

#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "okr_limits.h"
#include "score.h"
#include "requests.h"
#include "status_metrics.h"
#include "table.h"
#include "text.h"

static const char *str(const char *s)
{
    return s ? s : "";
}

static bool present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

const char *render_health_color(Okr__Health health)
{
    switch (health) {
    case OKR__HEALTH__ON_TRACK: return RENDER_GREEN;
    case OKR__HEALTH__AT_RISK: return RENDER_YELLOW;
    case OKR__HEALTH__OFF_TRACK: return RENDER_RED;
    default: return NULL;
    }
}

const char *render_grade_color(Okr__Grade grade)
{
    switch (grade) {
    case OKR__GRADE__GREEN: return RENDER_GREEN;
    case OKR__GRADE__YELLOW: return RENDER_YELLOW;
    case OKR__GRADE__RED: return RENDER_RED;
    default: return NULL;
    }
}

const char *render_judgment(Okr__Health health, Okr__Grade grade, const char **color)
{
    if (grade != OKR__GRADE__GRADE_NONE) {
        *color = render_grade_color(grade);
        return fmt_grade(grade);
    }
    *color = render_health_color(health);
    return fmt_health(health);
}

Okr__Grade render_kr_grade(const Okr__KeyResult *kr, const Okr__Objective *owner)
{
    if (owner == NULL || owner->grade == OKR__GRADE__GRADE_NONE)
        return OKR__GRADE__GRADE_NONE;
    return (Okr__Grade)score_grade_of(kr->score, owner->type == OKR__OBJECTIVE_TYPE__COMMITTED);
}

const char *render_uncounted(const Okr__Alignment *a, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!a->has_counts || a->counts || a->parent == NULL)
        return buf;
    if (a->parent[0] == 'K')
        snprintf(buf, len, " (does not count: %s is not a roll-up KR)", a->parent);
    else
        snprintf(buf, len, " (does not count: %s scores from its KRs)", a->parent);
    return buf;
}

const char *render_source_name(Okr__ProgressSource source)
{
    return score_source_name((score_source)source);
}

void render_paint(const render_ctx *ctx, const char *color, const char *text)
{
    if (ctx->color && color != NULL)
        fprintf(ctx->out, "%s%s%s", color, text, RENDER_RESET);
    else
        fputs(text, ctx->out);
}

/* "O1  Grow revenue": the first line of a detail view. */
static void heading(const render_ctx *ctx, const char *id, const char *title)
{
    render_paint(ctx, RENDER_BOLD, str(id));
    fprintf(ctx->out, "  %s\n", str(title));
}

/* Start a "  key         value" line; the caller writes the value and "\n". */
static void key(const render_ctx *ctx, const char *name)
{
    fprintf(ctx->out, "  %-12s ", name);
}

static void field(const render_ctx *ctx, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void field(const render_ctx *ctx, const char *name, const char *fmt, ...)
{
    va_list ap;
    key(ctx, name);
    va_start(ap, fmt);
    vfprintf(ctx->out, fmt, ap);
    va_end(ap);
    fputc('\n', ctx->out);
}

/* A field whose text may hold several lines (a description): each further
 * line starts under the first, so the view keeps its two columns. */
static void field_lines(const render_ctx *ctx, const char *name, const char *text)
{
    key(ctx, name);
    for (const char *p = text; *p; p++) {
        fputc(*p, ctx->out);
        if (*p == '\n')
            fprintf(ctx->out, "  %-12s ", "");
    }
    fputc('\n', ctx->out);
}

/* "0.433  on_track" (or the grade, once graded) followed by `extra`, on a
 * "score" line. */
static void score_line(const render_ctx *ctx, int64_t score, Okr__Health health,
                       Okr__Grade grade, const char *extra)
{
    char text[FMT_BUF];
    const char *color;
    const char *judgment = render_judgment(health, grade, &color);
    key(ctx, "score");
    fprintf(ctx->out, "%s  ", fmt_score(score, 3, text, sizeof text));
    render_paint(ctx, color, judgment);
    fprintf(ctx->out, "%s\n", extra);
}

/* "O3, K5 (weight 2)": the far ends of alignment links. With `self`, a link
 * whose parent is not self (a child aligned to one of its KRs) says "via K2". */
static void links_line(const render_ctx *ctx, const char *name, Okr__Alignment *const *list,
                       size_t n, bool parent_end, const char *self)
{
    if (n == 0)
        return;
    key(ctx, name);
    char note[96];
    for (size_t i = 0; i < n; i++) {
        const Okr__Alignment *a = list[i];
        fprintf(ctx->out, "%s%s", i ? ", " : "", str(parent_end ? a->parent : a->child));
        if (self && a->parent && strcmp(a->parent, self) != 0)
            fprintf(ctx->out, " via %s", a->parent);
        if (a->has_weight && a->weight != 1)
            fprintf(ctx->out, " (weight %u)", a->weight);
        fputs(render_uncounted(a, note, sizeof note), ctx->out);
    }
    fputc('\n', ctx->out);
}

void render_changed(const render_ctx *ctx, const Okr__Changed *changed)
{
    char old_score[FMT_BUF], new_score[FMT_BUF];
    for (size_t i = 0; i < changed->n_scores; i++) {
        const Okr__ScoreChange *s = changed->scores[i];
        fprintf(ctx->out, "%s %s -> %s\n", str(s->node),
                fmt_score(s->old_score, 6, old_score, sizeof old_score),
                fmt_score(s->new_score, 6, new_score, sizeof new_score));
    }
}

void render_checkin_change(const render_ctx *ctx, const Okr__Request *request,
                           const Okr__Changed *changed)
{
    char id[OKR_CHECKIN_ID_BUF];
    if (changed->n_scores > 0) {
        render_changed(ctx, changed);
    } else if (request->body_case == OKR__REQUEST__BODY_CHECKIN) {
        fprintf(ctx->out, "check-in #%s on %s; no score moved\n",
                okr_checkin_id_format(changed->seq, 0, id), str(changed->id));
    } else if (request->body_case == OKR__REQUEST__BODY_CHECKIN_EDIT) {
        const Okr__CheckInEdit *m = request->checkin_edit;
        fprintf(ctx->out, "check-in #%s edited; no score moved\n",
                okr_checkin_id_format(m->seq, m->n, id));
    } else {
        const Okr__CheckInDelete *m = request->checkin_delete;
        fprintf(ctx->out, "check-in #%s deleted; no score moved\n",
                okr_checkin_id_format(m->seq, m->n, id));
    }
}

void render_added(const render_ctx *ctx, const char *label, const Okr__Changed *changed)
{
    fprintf(ctx->out, "%s\n", label ? label : str(changed->id));
    render_changed(ctx, changed);
}

/* ------------------------------------------------------------ objectives */

/* The KRs of `owner` (NULL: not known, no grades). */
static void kr_table(const render_ctx *ctx, Okr__KeyResult *const *krs, size_t n,
                     const Okr__Objective *owner)
{
    static const char *const headers[] = {"ID", "SCORE", "HEALTH", "CONF", "PROGRESS", "TITLE"};
    char score[FMT_BUF], progress[2 * FMT_BUF + 32];
    table *t = table_new(6, headers);
    for (size_t i = 0; i < n; i++) {
        const Okr__KeyResult *kr = krs[i];
        table_cell(t, RENDER_BOLD, "%s", str(kr->id));
        table_cell(t, NULL, "%s", fmt_score(kr->score, 3, score, sizeof score));
        const char *color;
        const char *judgment = render_judgment(kr->health, render_kr_grade(kr, owner), &color);
        table_cell(t, color, "%s", judgment);
        if (kr->has_confidence)
            table_cell(t, NULL, "%.2f", kr->confidence);
        else
            table_cell(t, NULL, "-");
        table_cell(t, NULL, "%s", fmt_progress(kr, progress, sizeof progress));
        table_cell(t, NULL, "%s", str(kr->title));
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

void render_objective_detail(const render_ctx *ctx, const Okr__ObjectiveDetail *d)
{
    static const Okr__Objective none = OKR__OBJECTIVE__INIT;
    const Okr__Objective *o = d->objective ? d->objective : &none;
    char expected[FMT_BUF + 16], text[FMT_BUF];

    heading(ctx, o->id, o->title);
    if (present(o->description))
        field_lines(ctx, "description", o->description);
    field(ctx, "period", "%s", str(o->period));
    field(ctx, "team", "%s", str(o->team));
    if (present(o->owner))
        field(ctx, "owner", "%s", o->owner);
    field(ctx, "type", "%s%s", fmt_type(o->type), o->archived ? ", archived" : "");
    if (present(o->origin) && present(ctx->origin_period))
        field(ctx, "carried from", "%s (%s)", o->origin, ctx->origin_period);
    else if (present(o->origin))
        field(ctx, "carried from", "%s", o->origin);
    snprintf(expected, sizeof expected, "  (expected %s)",
             fmt_score(o->expected, 3, text, sizeof text));
    score_line(ctx, o->score, o->health, o->grade, o->has_expected ? expected : "");
    if (o->grade != OKR__GRADE__GRADE_NONE) {
        key(ctx, "grade");
        render_paint(ctx, render_grade_color(o->grade), fmt_grade(o->grade));
        fputc('\n', ctx->out);
    }
    if (o->has_confidence)
        field(ctx, "confidence", "%.2f", o->confidence);
    if (o->has_progress && o->progress != OKR__PROGRESS_SOURCE__PROGRESS_KRS)
        field(ctx, "progress", "%s (%s)", render_source_name(o->progress),
              o->progress == OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED
                  ? "the objectives aligned to it"
                  : "its KRs and the objectives aligned to it");
    links_line(ctx, "aligned to", d->parents, d->n_parents, true, NULL);
    links_line(ctx, "aligned here", d->children, d->n_children, false, o->id);
    if (d->n_krs > 0) {
        fputc('\n', ctx->out);
        kr_table(ctx, d->krs, d->n_krs, o);
    }
}

void render_objectives(const render_ctx *ctx, const Okr__ObjectiveListReply *list)
{
    static const char *const headers[] = {"ID",   "SCORE", "HEALTH", "TYPE",
                                          "PERIOD", "TEAM", "OWNER", "TITLE"};
    char score[FMT_BUF];
    if (list->n_objectives == 0)
        return;
    table *t = table_new(8, headers);
    for (size_t i = 0; i < list->n_objectives; i++) {
        const Okr__Objective *o = list->objectives[i];
        table_cell(t, RENDER_BOLD, "%s", str(o->id));
        table_cell(t, NULL, "%s", fmt_score(o->score, 3, score, sizeof score));
        const char *color;
        const char *judgment = render_judgment(o->health, o->grade, &color);
        table_cell(t, color, "%s", judgment);
        table_cell(t, NULL, "%s", fmt_type(o->type));
        table_cell(t, NULL, "%s", str(o->period));
        table_cell(t, NULL, "%s", str(o->team));
        table_cell(t, NULL, "%s", str(o->owner));
        table_cell(t, o->archived ? RENDER_DIM : NULL, "%s%s", str(o->title),
                   o->archived ? " [archived]" : "");
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

/* ------------------------------------------------------------ key results */

void render_kr_detail(const render_ctx *ctx, const Okr__KeyResultDetail *d)
{
    static const Okr__KeyResult none = OKR__KEY_RESULT__INIT;
    const Okr__KeyResult *kr = d->kr ? d->kr : &none;
    char progress[2 * FMT_BUF + 32], text[FMT_BUF], extra[FMT_BUF + 32];

    heading(ctx, kr->id, kr->title);
    if (d->objective)
        field(ctx, "objective", "%s  %s", str(d->objective->id), str(d->objective->title));
    else
        field(ctx, "objective", "%s", str(kr->objective));
    field(ctx, "kind", "%s", fmt_kind(kr->kind));
    field(ctx, "progress", "%s", fmt_progress(kr, progress, sizeof progress));
    if (kr->has_start && (kr->kind == OKR__KR_KIND__METRIC ||
                          kr->kind == OKR__KR_KIND__THRESHOLD))
        field(ctx, "start", "%s", fmt_number(kr->start, text, sizeof text));
    field(ctx, "weight", "%u", kr->has_weight ? kr->weight : 1);
    bool inherited;
    const char *owner = render_kr_owner(kr, d->objective, &inherited);
    if (present(owner))
        field(ctx, "owner", "%s%s", owner, inherited ? " (the objective's)" : "");
    if (present(kr->origin))
        field(ctx, "carried from", "%s", kr->origin);
    snprintf(extra, sizeof extra, "  (attainment %s)",
             fmt_score(kr->attainment, 3, text, sizeof text));
    score_line(ctx, kr->score, kr->health, render_kr_grade(kr, d->objective),
               kr->has_attainment ? extra : "");
    if (kr->has_confidence)
        field(ctx, "confidence", "%.2f", kr->confidence);
    if (kr->has_updated_at && kr->updated_at > 0) {
        text_format_time(kr->updated_at, text);
        field(ctx, "check-ins", "%u, last %s UTC", kr->checkins, text);
    } else {
        field(ctx, "check-ins", "%u", kr->checkins);
    }
    links_line(ctx, "aligned here", d->children, d->n_children, false, NULL);
}

/* The value of a check-in as its KR's kind reads it. */
static const char *checkin_value(const Okr__KeyResult *kr, double value, char *buf, size_t len)
{
    char number[FMT_BUF];
    if (kr->kind == OKR__KR_KIND__MILESTONE)
        snprintf(buf, len, "%s", value == 1.0 ? "done" : "not done");
    else
        snprintf(buf, len, "%s%s%s", fmt_number(value, number, sizeof number),
                 present(kr->unit) ? " " : "", str(kr->unit));
    return buf;
}

/* Sparklines show at most this many check-ins: the latest. */
#define SPARK_MAX 60

/* The values a sparkline of this KR's check-ins runs between: "▁" at *low,
 * "█" at *high, so that up is always good: start to target for a metric,
 * not done to done for a milestone, the values' range (with the bound) for a
 * threshold, turned over when lower is better. */
static void spark_range(const Okr__KeyResult *kr, Okr__CheckIn *const *c, size_t n,
                        double *low, double *high)
{
    if (kr->kind == OKR__KR_KIND__METRIC) {
        *low = kr->start;
        *high = kr->target;
        return;
    }
    if (kr->kind != OKR__KR_KIND__THRESHOLD) {
        *low = 0;
        *high = 1;
        return;
    }
    double min = kr->target, max = kr->target;
    for (size_t i = 0; i < n; i++) {
        min = c[i]->value < min ? c[i]->value : min;
        max = c[i]->value > max ? c[i]->value : max;
    }
    bool lower_is_better = kr->direction == OKR__THRESHOLD_DIRECTION__AT_MOST;
    *low = lower_is_better ? max : min;
    *high = lower_is_better ? min : max;
}

/* "  progress     ▂▃▅  0.45 % → 0.35 %  (target 0.2 %)" */
static void spark_values(const render_ctx *ctx, const Okr__KeyResult *kr,
                         Okr__CheckIn *const *c, size_t n)
{
    double values[SPARK_MAX], low, high;
    char spark[3 * SPARK_MAX + 1], first[FMT_BUF + 32], last[FMT_BUF + 32], target[FMT_BUF];
    for (size_t i = 0; i < n; i++)
        values[i] = c[i]->value;
    spark_range(kr, c, n, &low, &high);
    key(ctx, "progress");
    render_paint(ctx, render_health_color(kr->health),
                 fmt_sparkline(values, NULL, n, low, high, spark, sizeof spark));
    checkin_value(kr, c[n - 1]->value, last, sizeof last);
    if (n > 1)
        fprintf(ctx->out, "  %s → %s", checkin_value(kr, c[0]->value, first, sizeof first), last);
    else
        fprintf(ctx->out, "  %s", last);
    const char *bound = kr->kind != OKR__KR_KIND__THRESHOLD ? ""
                        : kr->direction == OKR__THRESHOLD_DIRECTION__AT_MOST ? "≤" : "≥";
    if (kr->kind == OKR__KR_KIND__METRIC || kr->kind == OKR__KR_KIND__THRESHOLD)
        fprintf(ctx->out, "  (target %s%s)", bound,
                checkin_value(kr, kr->target, target, sizeof target));
    fputc('\n', ctx->out);
}

/* "  confidence   ▅▆▇  0.60 → 0.70", when any check-in carries one. */
static void spark_confidence(const render_ctx *ctx, Okr__CheckIn *const *c, size_t n)
{
    double values[SPARK_MAX];
    bool present[SPARK_MAX], any = false;
    char spark[3 * SPARK_MAX + 1];
    int first = -1, last = -1;
    for (size_t i = 0; i < n; i++) {
        present[i] = c[i]->has_confidence;
        values[i] = c[i]->confidence;
        any |= present[i];
        if (present[i]) {
            first = first < 0 ? (int)i : first;
            last = (int)i;
        }
    }
    if (!any)
        return;
    key(ctx, "confidence");
    fputs(fmt_sparkline(values, present, n, 0, 1, spark, sizeof spark), ctx->out);
    if (first != last)
        fprintf(ctx->out, "  %.2f → %.2f\n", values[first], values[last]);
    else
        fprintf(ctx->out, "  %.2f\n", values[last]);
}

void render_history(const render_ctx *ctx, const Okr__HistoryReply *h, const char *score_moves)
{
    static const Okr__KeyResult none = OKR__KEY_RESULT__INIT;
    static const char *const headers[] = {"ID", "TIME (UTC)", "VALUE", "CONF", "AUTHOR",
                                          "NOTE"};
    const Okr__KeyResult *kr = h->kr ? h->kr : &none;
    char time[32], value[FMT_BUF + 32];

    heading(ctx, kr->id, kr->title);
    if (h->n_checkins == 0) {
        fprintf(ctx->out, "  no check-ins yet\n");
        return;
    }
    size_t shown = h->n_checkins < SPARK_MAX ? h->n_checkins : SPARK_MAX;
    Okr__CheckIn *const *latest = h->checkins + (h->n_checkins - shown);
    spark_values(ctx, kr, latest, shown);
    spark_confidence(ctx, latest, shown);
    if (score_moves != NULL)
        field(ctx, "score moves", "%s", score_moves);
    score_line(ctx, kr->score, kr->health, OKR__GRADE__GRADE_NONE, "");
    if (shown < h->n_checkins)
        fprintf(ctx->out, "  (the lines above show the latest %zu check-ins)\n", shown);
    fputc('\n', ctx->out);

    table *t = table_new(6, headers);
    for (size_t i = 0; i < h->n_checkins; i++) {
        const Okr__CheckIn *c = h->checkins[i];
        char id[OKR_CHECKIN_ID_BUF];
        table_cell(t, NULL, "#%s", okr_checkin_id_format(c->seq, c->n, id));   /* checkin edit/delete take it */
        text_format_time(c->time, time);
        table_cell(t, NULL, "%s", time);
        table_cell(t, NULL, "%s", checkin_value(kr, c->value, value, sizeof value));
        if (c->has_confidence)
            table_cell(t, NULL, "%.2f", c->confidence);
        else
            table_cell(t, NULL, "-");
        table_cell(t, NULL, "%s", str(c->author));
        char note[OKR_MAX_NOTE + OKR_MAX_NAME + 16];   /* a table row is one line */
        if (c->edited_by)                               /* corrected: say who did it */
            snprintf(note, sizeof note, "%s%s(edited by %s)", str(c->note),
                     c->note ? " " : "", c->edited_by);
        else
            snprintf(note, sizeof note, "%s", str(c->note));
        text_flatten(note);
        table_cell(t, NULL, "%s", note);
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

/* ------------------------------------------------------------ periods, teams */

void render_periods(const render_ctx *ctx, const Okr__PeriodListReply *list)
{
    static const char *const headers[] = {"NAME", "START", "END", "STATE"};
    if (list->n_periods == 0)
        return;
    table *t = table_new(4, headers);
    for (size_t i = 0; i < list->n_periods; i++) {
        const Okr__Period *p = list->periods[i];
        table_cell(t, RENDER_BOLD, "%s", str(p->name));
        table_cell(t, NULL, "%s", str(p->start));
        table_cell(t, NULL, "%s", str(p->end));
        table_cell(t, p->closed ? RENDER_DIM : NULL, "%s", p->closed ? "closed" : "open");
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

/* render_teams: render_team.c */

/* ------------------------------------------------------------ users */

void render_users(const render_ctx *ctx, const Okr__UserListReply *list)
{
    static const char *const headers[] = {"NAME", "ROLE", "KEY", "ADDED BY", "ADDED AT"};
    char when[FMT_BUF];
    if (list->n_users == 0)
        return;
    table *t = table_new(5, headers);
    for (size_t i = 0; i < list->n_users; i++) {
        const Okr__User *u = list->users[i];
        table_cell(t, RENDER_BOLD, "%s", str(u->name));
        table_cell(t, NULL, "%s", requests_role_name((okr_role)u->role));
        table_cell(t, NULL, "%s", str(u->public_key));
        table_cell(t, NULL, "%s", str(u->added_by));
        if (u->has_added_at)
            text_format_time(u->added_at, when);
        table_cell(t, NULL, "%s", u->has_added_at ? when : "-");
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

/* ------------------------------------------------------------ status */

static const char *human_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = (double)bytes;
    size_t u = 0;
    while (value >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        value /= 1024;
        u++;
    }
    snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", value, units[u]);
    return buf;
}

void render_status(const render_ctx *ctx, const Okr__Status *s)
{
    char text[FMT_BUF];
    if (present(ctx->server))
        field(ctx, "server", "%s", ctx->server);
    if (present(s->event_endpoint))
        field(ctx, "events", "%s", s->event_endpoint);
    field(ctx, "version", "%s", str(s->version));
    key(ctx, "epoch");
    for (size_t i = 0; i < s->epoch.len; i++)
        fprintf(ctx->out, "%02x", s->epoch.data[i]);
    fputs(s->epoch.len ? "\n" : "-\n", ctx->out);
    field(ctx, "last seq", "%llu", (unsigned long long)s->last_seq);
    field(ctx, "objectives", "%llu", (unsigned long long)s->objectives);
    field(ctx, "key results", "%llu", (unsigned long long)s->krs);
    field(ctx, "check-ins", "%llu", (unsigned long long)s->checkins);
    field(ctx, "data", "%s", human_bytes(s->data_bytes, text, sizeof text));
    if (s->has_started_at) {
        text_format_time(s->started_at, text);
        field(ctx, "started", "%s UTC", text);
    }
    field(ctx, "you are", "%s", str(s->actor));
    if (s->has_secure && s->secure)
        field(ctx, "mode", "secure (CURVE; your role: %s)", requests_role_name((okr_role)s->role));
    else if (s->has_secure)
        field(ctx, "mode", "local (no keys; every caller is admin)");
    status_metrics_render(ctx, s);
}

void render_backup(const render_ctx *ctx, const Okr__BackupReply *b)
{
    char text[FMT_BUF];
    field(ctx, "backup", "%s", str(b->path));
    field(ctx, "last seq", "%llu", (unsigned long long)b->seq);
    field(ctx, "data", "%s", human_bytes(b->bytes, text, sizeof text));
    key(ctx, "new epoch");
    for (size_t i = 0; i < b->epoch.len; i++)
        fprintf(ctx->out, "%02x", b->epoch.data[i]);
    fputs("\n", ctx->out);
}

/* ------------------------------------------------------------ dispatch */

void render_data(const render_ctx *ctx, const Okr__Response *reply, const char *tree_root)
{
    switch (reply->body_case) {
    case OKR__RESPONSE__BODY_CHANGED: render_changed(ctx, reply->changed); break;
    case OKR__RESPONSE__BODY_PERIODS: render_periods(ctx, reply->periods); break;
    case OKR__RESPONSE__BODY_TEAMS: render_teams(ctx, reply->teams); break;
    case OKR__RESPONSE__BODY_OBJECTIVE: render_objective_detail(ctx, reply->objective); break;
    case OKR__RESPONSE__BODY_OBJECTIVES: render_objectives(ctx, reply->objectives); break;
    case OKR__RESPONSE__BODY_KR: render_kr_detail(ctx, reply->kr); break;
    case OKR__RESPONSE__BODY_HISTORY: render_history(ctx, reply->history, NULL); break;
    case OKR__RESPONSE__BODY_GRAPH: render_tree(ctx, reply->graph, tree_root); break;
    case OKR__RESPONSE__BODY_STATUS: render_status(ctx, reply->status); break;
    case OKR__RESPONSE__BODY_BACKUP: render_backup(ctx, reply->backup); break;
    case OKR__RESPONSE__BODY_USERS: render_users(ctx, reply->users); break;
    case OKR__RESPONSE__BODY_DUE: render_due(ctx, reply->due); break;
    default: break;
    }
}
