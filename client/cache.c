/* cache.c — the shell's copy of ids, titles, teams and periods (see
 * cache.h). A whole read (every snapshot page, the teams, the periods)
 * fills a fresh cache that replaces the old one only when all of it
 * succeeded; between whole reads, events say which node to read again.
 * Never prints. */
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


static void free_node(cache_node *n)
{
    free(n->title);
    free(n->where);
}

/* Append a node (unsorted; the caller sorts) in room the caller made.
 * Takes `where`. */
static cache_node *append_node(okr_cache *c, const char *id, const char *title, char *where)
{
    okr_node node;
    if (!okr_id_parse(str(id), &node)) {
        free(where);
        return NULL;    /* an id the server should never send: leave it out */
    }
    cache_node *n = &c->nodes[c->n_nodes++];
    memset(n, 0, sizeof *n);
    n->node = node;
    okr_id_format(node, n->id);
    n->title = util_xstrdup(str(title));
    n->where = where;
    return n;
}

static char *objective_where(const Okr__Objective *o)
{
    return util_xasprintf("%s, %s", str(o->team), str(o->period));
}

static void add_objective(okr_cache *c, const Okr__Objective *o)
{
    cache_node *n = append_node(c, o->id, o->title, objective_where(o));
    if (n)
        n->archived = o->archived;
}

static void add_kr(okr_cache *c, const Okr__KeyResult *kr)
{
    cache_node *n = append_node(c, kr->id, kr->title, util_xasprintf("%s", str(kr->objective)));
    if (n)
        n->kind = kr->kind;
}

static void add_page(okr_cache *c, const Okr__Snapshot *snap)
{
    c->nodes = util_xreallocarray(c->nodes, c->n_nodes + snap->n_objectives + snap->n_krs + 1,
                                  sizeof *c->nodes);
    for (size_t i = 0; i < snap->n_objectives; i++)
        add_objective(c, snap->objectives[i]);
    for (size_t i = 0; i < snap->n_krs; i++)
        add_kr(c, snap->krs[i]);
}

/* Every node, page by page, into c (sorted at the end). */
static conn_status read_nodes(okr_cache *c, okr_conn *conn, const char *user)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    Okr__Response *reply = NULL;
    uint8_t *next = NULL;
    uint64_t seq = 0;
    conn_status status = CONN_OK;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &get;
    for (;;) {
        if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_SNAPSHOT, &reply)) != CONN_OK)
            break;
        const Okr__Snapshot *snap = reply->snapshot;
        if (get.has_cursor && snap->seq != seq) {
            snprintf(conn->error, sizeof conn->error, "the snapshot's pages disagree");
            status = CONN_FAILED;
            break;
        }
        seq = snap->seq;
        add_page(c, snap);
        bool more = snap->more && snap->has_cursor;
        if (more) {
            free(next);
            next = util_xcalloc(snap->next.len ? snap->next.len : 1, 1);
            memcpy(next, snap->next.data, snap->next.len);
            get.has_cursor = get.has_next = true;
            get.cursor = snap->cursor;
            get.next.data = next;
            get.next.len = snap->next.len;
        }
        okr__response__free_unpacked(reply, NULL);
        reply = NULL;
        if (!more)
            break;
    }
    if (reply)
        okr__response__free_unpacked(reply, NULL);
    free(next);
    qsort(c->nodes, c->n_nodes, sizeof *c->nodes, compare_nodes);
    return status;
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
    Okr__TeamList teams = OKR__TEAM_LIST__INIT;
    Okr__PeriodList periods = OKR__PERIOD_LIST__INIT;
    Okr__Response *team_reply = NULL, *period_reply = NULL;
    okr_cache fresh = {.loaded = true};
    conn_status status;

    if ((status = read_nodes(&fresh, conn, user)) != CONN_OK)
        goto done;
    req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
    req.team_list = &teams;
    if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_TEAMS, &team_reply)) != CONN_OK)
        goto done;
    req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
    req.period_list = &periods;
    if ((status = ask(conn, user, &req, OKR__RESPONSE__BODY_PERIODS, &period_reply)) != CONN_OK)
        goto done;

    fill_teams(&fresh, team_reply->teams);
    fill_periods(&fresh, period_reply->periods);
    cache_free(cache);
    *cache = fresh;
    fresh = (okr_cache){0};
done:
    cache_free(&fresh);
    if (team_reply)
        okr__response__free_unpacked(team_reply, NULL);
    if (period_reply)
        okr__response__free_unpacked(period_reply, NULL);
    return status;
}

/* ------------------------------------------------------------ following events */

bool cache_needs_reload(const okr_cache *cache, const cache_changes *ch)
{
    return !cache->loaded || ch->reload;
}

bool cache_pending(const okr_cache *cache, const cache_changes *ch)
{
    return cache_needs_reload(cache, ch) || ch->n_nodes > 0 || ch->teams || ch->periods;
}

/* Note a node to read again (or, deleted, to drop). */
static void note_node(cache_changes *ch, const char *id, bool deleted)
{
    okr_node node;
    if (!okr_id_parse(str(id), &node)) {
        ch->reload = true;
        return;
    }
    for (size_t i = 0; i < ch->n_nodes; i++) {
        if (ch->nodes[i].node == node) {
            ch->nodes[i].deleted |= deleted;
            return;
        }
    }
    if (ch->n_nodes == CACHE_MAX_PENDING) {
        ch->reload = true;          /* a burst: one whole read is cheaper */
        return;
    }
    ch->nodes[ch->n_nodes++] = (cache_pending_node){node, deleted};
}

void cache_note_event(cache_changes *ch, const Okr__Event *ev)
{
    const Okr__Request *q = ev->change;
    switch (q ? q->body_case : OKR__REQUEST__BODY__NOT_SET) {
    case OKR__REQUEST__BODY_CHECKIN:
    case OKR__REQUEST__BODY_ALIGN:
    case OKR__REQUEST__BODY_UNALIGN:
        return;                    /* scores and edges: nothing the cache holds */
    case OKR__REQUEST__BODY_TEAM_ADD:
    case OKR__REQUEST__BODY_TEAM_DELETE:   /* (team edit renames objectives' teams: reload) */
        ch->teams = true;
        return;
    case OKR__REQUEST__BODY_PERIOD_ADD:
    case OKR__REQUEST__BODY_PERIOD_CLOSE:
        ch->periods = true;
        return;
    case OKR__REQUEST__BODY_OBJECTIVE_ADD:
    case OKR__REQUEST__BODY_OBJECTIVE_EDIT:
    case OKR__REQUEST__BODY_OBJECTIVE_ARCHIVE:
    case OKR__REQUEST__BODY_KR_ADD:
    case OKR__REQUEST__BODY_KR_EDIT:
        note_node(ch, ev->subject, false);
        return;
    case OKR__REQUEST__BODY_OBJECTIVE_DELETE:
    case OKR__REQUEST__BODY_KR_DELETE:
        note_node(ch, ev->subject, true);
        return;
    case OKR__REQUEST__BODY_CARRY:     /* the copy and its KRs are new: the nodes */
        for (size_t i = 0; i < ev->n_nodes; i++)
            note_node(ch, ev->nodes[i], false);
        return;
    default:
        ch->reload = true;         /* a change this client does not know */
        return;
    }
}

/* Index of node in the sorted array, or where it would go (*found false). */
static size_t node_index(const okr_cache *c, okr_node node, bool *found)
{
    size_t lo = 0, hi = c->n_nodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->nodes[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < c->n_nodes && c->nodes[lo].node == node;
    return lo;
}

static void drop_at(okr_cache *c, size_t i)
{
    free_node(&c->nodes[i]);
    memmove(&c->nodes[i], &c->nodes[i + 1], (c->n_nodes - i - 1) * sizeof *c->nodes);
    c->n_nodes--;
}

/* Drop a node; an objective takes its KRs with it. */
static void drop_node(okr_cache *c, okr_node node)
{
    bool found;
    size_t i = node_index(c, node, &found);
    if (found)
        drop_at(c, i);
    if (okr_node_is_kr(node))
        return;
    char id[OKR_ID_BUF];
    okr_id_format(node, id);
    for (size_t k = c->n_nodes; k-- > 0;)
        if (okr_node_is_kr(c->nodes[k].node) && strcmp(c->nodes[k].where, id) == 0)
            drop_at(c, k);
}

/* Room for one more node. */
static void make_room(okr_cache *c)
{
    c->nodes = util_xreallocarray(c->nodes, c->n_nodes + 1, sizeof *c->nodes);
}

/* Put the last appended node in its sorted place, replacing an old copy. */
static void settle_last(okr_cache *c)
{
    cache_node n = c->nodes[--c->n_nodes];
    bool found;
    size_t i = node_index(c, n.node, &found);
    if (found) {
        free_node(&c->nodes[i]);
    } else {
        memmove(&c->nodes[i + 1], &c->nodes[i], (c->n_nodes - i) * sizeof *c->nodes);
        c->n_nodes++;
    }
    c->nodes[i] = n;
}

/* Read one node again: its current record, or gone. */
static conn_status read_node(okr_cache *c, okr_conn *conn, const char *user, okr_node node)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveGet oget = OKR__OBJECTIVE_GET__INIT;
    Okr__KeyResultGet kget = OKR__KEY_RESULT_GET__INIT;
    Okr__Response *reply = NULL;
    char id[OKR_ID_BUF];
    okr_id_format(node, id);
    bool kr = okr_node_is_kr(node);
    if (kr) {
        kget.id = id;
        req.body_case = OKR__REQUEST__BODY_KR_GET;
        req.kr_get = &kget;
    } else {
        oget.id = id;
        req.body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
        req.objective_get = &oget;
    }
    req.user = (char *)user;
    conn_status status = conn_call(conn, &req, 1, &reply);
    if (status != CONN_OK)
        return status;
    Okr__ErrorCode code = reply->error ? reply->error->code : OKR__ERROR_CODE__OK;
    if (code == OKR__ERROR_CODE__NOT_FOUND) {
        drop_node(c, node);
    } else if (code == OKR__ERROR_CODE__OK && kr && reply->body_case == OKR__RESPONSE__BODY_KR &&
               reply->kr->kr) {
        make_room(c);
        add_kr(c, reply->kr->kr);
        settle_last(c);
    } else if (code == OKR__ERROR_CODE__OK && !kr &&
               reply->body_case == OKR__RESPONSE__BODY_OBJECTIVE && reply->objective->objective) {
        make_room(c);
        add_objective(c, reply->objective->objective);
        settle_last(c);
    } else {
        snprintf(conn->error, sizeof conn->error, "the server refused to show %s", id);
        status = CONN_FAILED;
    }
    okr__response__free_unpacked(reply, NULL);
    return status;
}

static conn_status read_names(okr_cache *c, okr_conn *conn, const char *user, bool teams)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TeamList tl = OKR__TEAM_LIST__INIT;
    Okr__PeriodList pl = OKR__PERIOD_LIST__INIT;
    Okr__Response *reply = NULL;
    if (teams) {
        req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
        req.team_list = &tl;
    } else {
        req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
        req.period_list = &pl;
    }
    conn_status status = ask(conn, user, &req,
                             teams ? OKR__RESPONSE__BODY_TEAMS : OKR__RESPONSE__BODY_PERIODS,
                             &reply);
    if (status != CONN_OK)
        return status;
    okr_cache fresh = {0};
    if (teams) {
        fill_teams(&fresh, reply->teams);
        for (size_t i = 0; i < c->n_teams; i++)
            free(c->teams[i]);
        free(c->teams);
        c->teams = fresh.teams;
        c->n_teams = fresh.n_teams;

    } else {
        fill_periods(&fresh, reply->periods);
        for (size_t i = 0; i < c->n_periods; i++)
            free(c->periods[i].name);
        free(c->periods);
        c->periods = fresh.periods;
        c->n_periods = fresh.n_periods;

    }
    okr__response__free_unpacked(reply, NULL);
    return CONN_OK;
}

conn_status cache_sync(okr_cache *cache, cache_changes *ch, okr_conn *conn, const char *user)
{
    if (cache_needs_reload(cache, ch)) {
        conn_status status = cache_refresh(cache, conn, user);
        if (status == CONN_OK)
            memset(ch, 0, sizeof *ch);   /* the whole read saw all of it */
        return status;
    }
    conn_status status = CONN_OK;
    size_t done = 0;
    for (; done < ch->n_nodes; done++) {
        if (ch->nodes[done].deleted)
            drop_node(cache, ch->nodes[done].node);
        else if ((status = read_node(cache, conn, user, ch->nodes[done].node)) != CONN_OK)
            break;
    }
    memmove(ch->nodes, ch->nodes + done, (ch->n_nodes - done) * sizeof *ch->nodes);
    ch->n_nodes -= done;
    if (status == CONN_OK && ch->teams && (status = read_names(cache, conn, user, true)) == CONN_OK)
        ch->teams = false;
    if (status == CONN_OK && ch->periods &&
        (status = read_names(cache, conn, user, false)) == CONN_OK)
        ch->periods = false;
    return status;
}

void cache_free(okr_cache *cache)
{
    for (size_t i = 0; i < cache->n_nodes; i++)
        free_node(&cache->nodes[i]);
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
