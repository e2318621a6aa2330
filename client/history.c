/* history.c — `okr history ID` (see history.h): sends the read for the
 * node (ObjectiveGet or History), pages through LogGet for its score moves,
 * keeping only the latest --limit of them (never the pages), and prints
 * them. Owns the wording of a score history; the check-in table of a leaf
 * KR stays render_history's. Never writes anything on the server. */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_out.h"
#include "sparkline.h"
#include "table.h"
#include "text.h"

/* ------------------------------------------------------------ the moves */

int history_moves_init(history_moves *m, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->ring = calloc(cap ? cap : 1, sizeof *m->ring);
    if (m->ring == NULL)
        return -1;
    m->cap = cap ? cap : 1;
    return 0;
}

void history_moves_free(history_moves *m)
{
    free(m->ring);
    memset(m, 0, sizeof *m);
}

const history_move *history_moves_at(const history_moves *m, size_t i)
{
    return &m->ring[(m->first + i) % m->cap];
}

void history_moves_add(history_moves *m, const char *node, const Okr__Event *ev)
{
    for (size_t k = 0; k < ev->n_scores; k++) {
        const Okr__ScoreChange *s = ev->scores[k];
        if (s->node == NULL || strcmp(s->node, node) != 0)
            continue;
        history_move *slot;
        if (m->n < m->cap) {
            slot = &m->ring[(m->first + m->n++) % m->cap];
        } else {                                  /* full: the oldest makes room */
            slot = &m->ring[m->first];
            m->first = (m->first + 1) % m->cap;
        }
        slot->time = ev->time;
        slot->seq = ev->seq;
        slot->old_score = s->old_score;
        slot->new_score = s->new_score;
        snprintf(slot->actor, sizeof slot->actor, "%s", ev->actor ? ev->actor : "");
        render_event_words(ev, slot->cause, sizeof slot->cause);
        text_flatten(slot->cause);                /* a note may have lines: one row */
        m->total++;
        return;                                   /* an event moves a node once */
    }
}

int history_read_moves(okr_client *c, const char *node, history_moves *m)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__LogGet get = OKR__LOG_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_LOG;
    req.log = &get;
    get.node = (char *)node;
    get.has_limit = true;
    get.limit = OKR_MAX_LOG;
    for (;;) {
        Okr__Response *reply;
        int status = client_call(c, &req, &reply);
        if (status != OKR_EXIT_OK)
            return status;
        for (size_t i = 0; i < reply->log->n_events; i++)
            history_moves_add(m, node, reply->log->events[i]);
        uint64_t next = reply->log->next_seq;
        okr__response__free_unpacked(reply, NULL);
        if (next == 0)
            return OKR_EXIT_OK;
        if (next <= get.after_seq + 1) {          /* it would answer the same page again */
            client_error(c, "history: the server did not advance (next_seq %llu)",
                         (unsigned long long)next);
            return OKR_EXIT_UNREACHABLE;
        }
        get.has_after_seq = true;
        get.after_seq = next - 1;
    }
}

/* ------------------------------------------------------------ human output */

/* What a history is about, whichever reply told us. */
typedef struct {
    const char *id, *title;
    int64_t score;
    Okr__Health health;
    Okr__Grade grade;
    const char *none;          /* said when nothing moved its score */
} history_node;

static const char *str(const char *s)
{
    return s ? s : "";
}

/* "▁▃▅  0.000 → 0.400": the latest HISTORY_SPARK_MAX moves, from where the
 * first of them started to where the last one ended. buf: 3 * 60 + 64. */
static const char *spark_text(const history_moves *m, sparkline_style style, char *buf,
                              size_t len)
{
    int64_t values[HISTORY_SPARK_MAX];
    char spark[SPARKLINE_BYTES(HISTORY_SPARK_MAX)], from[FMT_BUF], to[FMT_BUF];
    size_t shown = m->n < HISTORY_SPARK_MAX ? m->n : HISTORY_SPARK_MAX;
    size_t skip = m->n - shown;
    for (size_t i = 0; i < shown; i++)
        values[i] = history_moves_at(m, skip + i)->new_score;
    snprintf(buf, len, "%s  %s %s %s", sparkline(values, shown, style, spark, sizeof spark),
             fmt_score(history_moves_at(m, skip)->old_score, 3, from, sizeof from),
             style == SPARKLINE_ASCII ? "->" : "→",
             fmt_score(history_moves_at(m, m->n - 1)->new_score, 3, to, sizeof to));
    return buf;
}

/* The moves as a table: time, the score it moved to, what it was, who, the change. */
static void moves_table(const render_ctx *ctx, const history_moves *m)
{
    static const char *const headers[] = {"TIME (UTC)", "SCORE", "WAS", "BY", "CHANGE"};
    char time[32], now[FMT_BUF], was[FMT_BUF];
    table *t = table_new(5, headers);
    for (size_t i = 0; i < m->n; i++) {
        const history_move *mv = history_moves_at(m, i);
        text_format_time(mv->time, time);
        table_cell(t, NULL, "%s", time);
        table_cell(t, NULL, "%s", fmt_score(mv->new_score, 3, now, sizeof now));
        table_cell(t, NULL, "%s", fmt_score(mv->old_score, 3, was, sizeof was));
        table_cell(t, NULL, "%s", mv->actor);
        table_cell(t, NULL, "%s", mv->cause);
    }
    table_print(t, ctx->out, ctx->color);
    table_free(t);
}

/* "O1  Title", the sparkline, the score (or grade), then the table. */
static void show_node(const render_ctx *ctx, const history_node *node, const history_moves *m)
{
    char line[SPARKLINE_BYTES(HISTORY_SPARK_MAX) + 64], score[FMT_BUF];
    const char *color;
    render_paint(ctx, RENDER_BOLD, str(node->id));
    fprintf(ctx->out, "  %s\n", str(node->title));
    if (m->n == 0) {
        fprintf(ctx->out, "  %s\n", node->none);
        return;
    }
    fprintf(ctx->out, "  %-12s ", "progress");
    render_paint(ctx, render_health_color(node->health),
                 spark_text(m, sparkline_style_of_locale(), line, sizeof line));
    fprintf(ctx->out, "\n  %-12s %s  ", "score", fmt_score(node->score, 3, score, sizeof score));
    const char *judgment = render_judgment(node->health, node->grade, &color);
    render_paint(ctx, color, judgment);
    fputc('\n', ctx->out);
    if (m->n > HISTORY_SPARK_MAX)
        fprintf(ctx->out, "  (the line above shows the latest %d score moves)\n",
                HISTORY_SPARK_MAX);
    if (m->total > m->n)
        fprintf(ctx->out, "  (the table shows the latest %zu of %zu score moves; --limit "
                          "shows up to %d)\n", m->n, m->total, OKR_MAX_HISTORY);
    fputc('\n', ctx->out);
    moves_table(ctx, m);
}

static void show_human(const okr_client *c, const Okr__Response *reply, const history_moves *m)
{
    render_ctx ctx = {.out = c->out, .color = c->color, .server = c->conn.endpoint};
    char line[SPARKLINE_BYTES(HISTORY_SPARK_MAX) + 64];
    if (reply->body_case == OKR__RESPONSE__BODY_OBJECTIVE) {
        const Okr__Objective *o = reply->objective->objective;
        history_node node = {o->id, o->title, o->score, o->health, o->grade,
                             "no score moves yet (an objective moves with its KRs and the "
                             "objectives aligned to it)"};
        show_node(&ctx, &node, m);
        return;
    }
    const Okr__KeyResult *kr = reply->history->kr;
    if (kr->kind == OKR__KR_KIND__ROLLUP) {
        history_node node = {kr->id, kr->title, kr->score, kr->health, OKR__GRADE__GRADE_NONE,
                             "no score moves yet (a roll-up KR moves with the objectives "
                             "aligned to it)"};
        show_node(&ctx, &node, m);
        return;
    }
    render_history(&ctx, reply->history,
                   m->n ? spark_text(m, sparkline_style_of_locale(), line, sizeof line) : NULL);
}

/* ------------------------------------------------------------ JSON */

/* [{"time","seq","score","old","change","actor","cause"}...], oldest first. */
static struct json_object *moves_json(const history_moves *m)
{
    struct json_object *array = json_object_new_array();
    char time[FMT_BUF];
    for (size_t i = 0; i < m->n; i++) {
        const history_move *mv = history_moves_at(m, i);
        struct json_object *obj = json_object_new_object();
        json_object_object_add(obj, "time",
                               json_object_new_string(fmt_iso_time(mv->time, time, sizeof time)));
        json_object_object_add(obj, "seq", json_object_new_uint64(mv->seq));
        json_object_object_add(obj, "score", json_score(mv->new_score));
        json_object_object_add(obj, "old", json_score(mv->old_score));
        json_object_object_add(obj, "change", json_score(mv->new_score - mv->old_score));
        json_object_object_add(obj, "actor", json_object_new_string(mv->actor));
        json_object_object_add(obj, "cause", json_object_new_string(mv->cause));
        json_object_array_add(array, obj);
    }
    return array;
}

/* The reply's document ({"kr","checkins"} or {"objective"}) with "scores"
 * and "score_moves" (how many there were in all) added. */
static int show_json(const okr_client *c, const Okr__Response *reply, const history_moves *m)
{
    struct json_object *doc;
    if (reply->body_case == OKR__RESPONSE__BODY_OBJECTIVE) {
        doc = json_object_new_object();
        json_object_object_add(doc, "objective", json_objective(reply->objective->objective));
    } else {
        doc = json_reply(reply);
    }
    json_object_object_add(doc, "scores", moves_json(m));
    json_object_object_add(doc, "score_moves", json_object_new_uint64(m->total));
    int rc = json_print(c->out, doc);
    json_object_put(doc);
    return rc == 0 ? OKR_EXIT_OK : OKR_EXIT_REFUSED;
}

/* ------------------------------------------------------------ the command */

/* The id the reply is about, or NULL when the server left it out. */
static const char *node_of(const Okr__Response *reply)
{
    if (reply->body_case == OKR__RESPONSE__BODY_OBJECTIVE)
        return reply->objective->objective ? reply->objective->objective->id : NULL;
    return reply->history->kr ? reply->history->kr->id : NULL;
}

int history_run(okr_client *c, cmd_request *r)
{
    Okr__Response *reply;
    history_moves m;
    int status = client_call(c, &r->request, &reply);
    if (status != OKR_EXIT_OK)
        return status;
    const char *node = node_of(reply);
    if (node == NULL) {
        client_error(c, "history: the reply from %s names no node", c->conn.endpoint);
        okr__response__free_unpacked(reply, NULL);
        return OKR_EXIT_UNREACHABLE;
    }
    if (history_moves_init(&m, r->count ? r->count : OKR_DEFAULT_HISTORY) != 0) {
        client_error(c, "history: out of memory");
        okr__response__free_unpacked(reply, NULL);
        return OKR_EXIT_REFUSED;
    }
    status = history_read_moves(c, node, &m);
    if (status == OKR_EXIT_OK && c->json)
        status = show_json(c, reply, &m);
    else if (status == OKR_EXIT_OK)
        show_human(c, reply, &m);
    history_moves_free(&m);
    okr__response__free_unpacked(reply, NULL);
    return status;
}
