/* cache.c — the shell's copy of ids, titles, teams and periods (see
 * cache.h). Three reads fill a fresh cache that replaces the old one only
 * when all three succeeded. Never prints. */
#include "cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

/* One read, one try: a refresh must never keep a person waiting long. */
static conn_status ask(okr_conn *conn, const char *user, Okr__Request *req,
                       Okr__Response__BodyCase want, Okr__Response **reply)
{
    req->user = (char *)user;
    conn_status status = conn_call(conn, req, 1, reply);
    if (status != CONN_OK)
        return status;
    if (((*reply)->error && (*reply)->error->code != OKR__ERROR_CODE__OK) ||
        (*reply)->body_case != want) {
        snprintf(conn->error, sizeof conn->error, "the server refused to list %s",
                 want == OKR__RESPONSE__BODY_SNAPSHOT ? "objectives" : "names");
        okr__response__free_unpacked(*reply, NULL);
        *reply = NULL;
        return CONN_FAILED;
    }
    return CONN_OK;
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static int compare_nodes(const void *a, const void *b)
{
    const cache_node *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}


static bool add_node(okr_cache *c, const char *id, const char *title, char *where)
{
    cache_node *n = &c->nodes[c->n_nodes];
    if (!okr_id_parse(str(id), &n->node)) {
        free(where);
        return false;   /* an id the server should never send: leave it out */
    }
    okr_id_format(n->node, n->id);
    n->title = util_xstrdup(str(title));
    n->where = where;
    c->n_nodes++;
    return true;
}

static void fill_nodes(okr_cache *c, const Okr__Snapshot *snap)
{
    c->nodes = util_xcalloc(snap->n_objectives + snap->n_krs, sizeof *c->nodes);
    for (size_t i = 0; i < snap->n_objectives; i++) {
        const Okr__Objective *o = snap->objectives[i];
        if (add_node(c, o->id, o->title, util_xasprintf("%s, %s", str(o->team), str(o->period))))
            c->nodes[c->n_nodes - 1].archived = o->archived;
    }
    for (size_t i = 0; i < snap->n_krs; i++) {
        const Okr__KeyResult *kr = snap->krs[i];
        if (add_node(c, kr->id, kr->title, util_xasprintf("%s", str(kr->objective))))
            c->nodes[c->n_nodes - 1].kind = kr->kind;
    }
    qsort(c->nodes, c->n_nodes, sizeof *c->nodes, compare_nodes);
}

static void fill_teams(okr_cache *c, const Okr__TeamListReply *list)
{
    c->teams = util_xcalloc(list->n_teams, sizeof *c->teams);
    for (size_t i = 0; i < list->n_teams; i++)
        c->teams[c->n_teams++] = util_xstrdup(str(list->teams[i]->name));
    qsort(c->teams, c->n_teams, sizeof *c->teams, compare_names);
}

static void fill_periods(okr_cache *c, const Okr__PeriodListReply *list)
{
    c->periods = util_xcalloc(list->n_periods, sizeof *c->periods);
    for (size_t i = 0; i < list->n_periods; i++) {
        const Okr__Period *p = list->periods[i];
        cache_period *out = &c->periods[c->n_periods++];
        out->name = util_xstrdup(str(p->name));
        out->closed = p->closed;
        if (!text_parse_date(str(p->start), &out->start) ||
            !text_parse_date(str(p->end), &out->end))
            out->closed = true;   /* no dates: never "the current one" */
    }
}

conn_status cache_refresh(okr_cache *cache, okr_conn *conn, const char *user)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet snapshot = OKR__SNAPSHOT_GET__INIT;
    Okr__TeamList teams = OKR__TEAM_LIST__INIT;
    Okr__PeriodList periods = OKR__PERIOD_LIST__INIT;
    Okr__Response *snap_reply = NULL, *team_reply = NULL, *period_reply = NULL;
    conn_status status;

    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &snapshot;
    if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_SNAPSHOT, &snap_reply)) != CONN_OK)
        goto done;
    req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
    req.team_list = &teams;
    if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_TEAMS, &team_reply)) != CONN_OK)
        goto done;
    req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
    req.period_list = &periods;
    if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_PERIODS, &period_reply)) != CONN_OK)
        goto done;

    okr_cache fresh = {.loaded = true};
    fill_nodes(&fresh, snap_reply->snapshot);
    fill_teams(&fresh, team_reply->teams);
    fill_periods(&fresh, period_reply->periods);
    cache_free(cache);
    *cache = fresh;
done:
    if (snap_reply)
        okr__response__free_unpacked(snap_reply, NULL);
    if (team_reply)
        okr__response__free_unpacked(team_reply, NULL);
    if (period_reply)
        okr__response__free_unpacked(period_reply, NULL);
    return status;
}

void cache_free(okr_cache *cache)
{
    for (size_t i = 0; i < cache->n_nodes; i++) {
        free(cache->nodes[i].title);
        free(cache->nodes[i].where);
    }
    for (size_t i = 0; i < cache->n_teams; i++)
        free(cache->teams[i]);
    for (size_t i = 0; i < cache->n_periods; i++)
        free(cache->periods[i].name);
    free(cache->nodes);
    free(cache->teams);
    free(cache->periods);
    memset(cache, 0, sizeof *cache);
}

const cache_node *cache_find(const okr_cache *cache, const char *id)
{
    cache_node key;
    if (!okr_id_parse(id, &key.node))
        return NULL;
    return bsearch(&key, cache->nodes, cache->n_nodes, sizeof key, compare_nodes);
}

bool cache_has_team(const okr_cache *cache, const char *name)
{
    return bsearch(&name, cache->teams, cache->n_teams, sizeof name, compare_names) != NULL;
}

bool cache_has_period(const okr_cache *cache, const char *name)
{
    for (size_t i = 0; i < cache->n_periods; i++)
        if (strcmp(cache->periods[i].name, name) == 0)
            return true;
    return false;
}

const char *cache_current_period(const okr_cache *cache, int64_t today)
{
    const cache_period *best = NULL;
    for (size_t i = 0; i < cache->n_periods; i++) {
        const cache_period *p = &cache->periods[i];
        if (p->closed || p->start > today || p->end < today)
            continue;
        if (best == NULL || p->start > best->start ||
            (p->start == best->start && p->end < best->end))
            best = p;
    }
    return best ? best->name : NULL;
}
