/* integrity.c — readability, log continuity and referential integrity of a
 * store (see integrity.h). Never writes; never touches scores. */
#include "integrity.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "ids.h"

typedef struct {
    store_txn *t;
    integrity_problem_fn fn;
    void *ctx;
    size_t problems;
    uint64_t prev_seq;          /* events: the last seq seen (0: none yet) */
    uint64_t last_seq;
    uint64_t logged_checkins;   /* check-ins in the log */
    uint64_t listed_checkins;   /* check-ins the KRs' histories list */
    size_t damaged_histories;   /* KRs whose history could not be read */
} checker;

static void problem(checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(checker *c, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->problems++;
    c->fn(c->ctx, text);
}

static const char *id_of(okr_node node, char *buf)
{
    return okr_id_format(node, buf);
}

static bool node_exists(checker *c, okr_node node)
{
    return okr_node_is_kr(node) ? store_get_kr(c->t, node) != NULL
                                : store_get_objective(c->t, node) != NULL;
}

/* ------------------------------------------------------------ the log */

static bool check_event(void *ctx, const MDB_val *key, const MDB_val *val)
{
    checker *c = ctx;
    if (key->mv_size != 8) {
        problem(c, "the event log has a key of %zu bytes (not a seq)", key->mv_size);
        return true;
    }
    uint64_t seq = okr_get_be64(key->mv_data);
    Okr__Event *ev = okr__event__unpack(NULL, val->mv_size, val->mv_data);
    if (ev == NULL)
        problem(c, "event %llu does not unpack: the log is damaged", (unsigned long long)seq);
    else if (!ev->has_seq || ev->seq != seq)
        problem(c, "event %llu carries seq %llu", (unsigned long long)seq,
                (unsigned long long)(ev->has_seq ? ev->seq : 0));
    if (ev)
        okr__event__free_unpacked(ev, NULL);
    if (c->prev_seq && seq != c->prev_seq + 1)
        problem(c, "the event log jumps from seq %llu to %llu", (unsigned long long)c->prev_seq,
                (unsigned long long)seq);
    c->prev_seq = seq;
    return true;
}

/* ------------------------------------------------------------ check-ins */

static bool check_checkin(void *ctx, okr_node kr, uint64_t seq, const MDB_val *val)
{
    checker *c = ctx;
    char id[OKR_ID_BUF];
    Okr__CheckIn *ci = okr__check_in__unpack(NULL, val->mv_size, val->mv_data);
    if (ci == NULL)
        problem(c, "a check-in of %s (seq %llu) does not unpack", id_of(kr, id),
                (unsigned long long)seq);
    if (ci)
        okr__check_in__free_unpacked(ci, NULL);
    if (!okr_node_is_kr(kr) || store_get_kr(c->t, kr) == NULL)
        problem(c, "a check-in (seq %llu) names %s, which is not a key result",
                (unsigned long long)seq, id_of(kr, id));
    if (seq > c->last_seq)
        problem(c, "a check-in of %s has seq %llu, beyond the log's last %llu", id_of(kr, id),
                (unsigned long long)seq, (unsigned long long)c->last_seq);
    c->logged_checkins++;
    arena_reset(c->t->mem);      /* store_get_kr allocated there */
    return true;
}

/* ------------------------------------------------------------ records */

static bool check_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    checker *c = ctx;
    char id[OKR_ID_BUF];
    okr_node node = key->mv_size == 4 ? okr_get_be32(key->mv_data) : 0;
    Okr__Objective *o = okr__objective__unpack(NULL, val->mv_size, val->mv_data);
    if (o == NULL) {
        problem(c, "objective %s does not unpack", id_of(node, id));
        return true;
    }
    if (o->period == NULL || store_get_period(c->t, o->period) == NULL)
        problem(c, "objective %s names period \"%s\", which does not exist", id_of(node, id),
                o->period ? o->period : "");
    if (o->team && o->team[0] && store_get_team(c->t, o->team) == NULL)
        problem(c, "objective %s names team \"%s\", which does not exist", id_of(node, id),
                o->team);
    okr__objective__free_unpacked(o, NULL);
    arena_reset(c->t->mem);
    return true;
}

/* A KR record says what its check-ins say, as of the newest by time
 * (ops_checkin.c): their count, the newest one's value and time, and the
 * newest confidence given. */
static void check_kr_follows_checkins(checker *c, okr_node node, const Okr__KeyResult *kr)
{
    char id[OKR_ID_BUF];
    store_checkin_summary s;
    store_summarize_checkins(c->t, node, true, &s);
    if (c->t->rc == MDB_CORRUPTED) {          /* its chain: the others are read on */
        c->t->rc = 0;
        problem(c, "key result %s's check-in history is damaged (a link of its chain "
                "leads nowhere, or back)", id_of(node, id));
        c->damaged_histories++;
        return;
    }
    c->listed_checkins += s.count;
    bool current_ok = s.newest ? kr->has_current && kr->current == s.newest->value &&
                                     kr->has_updated_at && kr->updated_at == s.newest->time
                               : !kr->has_current;
    bool confidence_ok = s.confident ? kr->has_confidence &&
                                           kr->confidence == s.confident->confidence
                                     : !kr->has_confidence;
    if (kr->checkins != s.count)
        problem(c, "key result %s says %u check-ins; %u are stored", id_of(node, id),
                kr->checkins, s.count);
    else if (!current_ok)
        problem(c, "key result %s's current value is not its newest check-in's (seq %llu)",
                id_of(node, id), (unsigned long long)(s.newest ? s.newest->seq : 0));
    else if (!confidence_ok)
        problem(c, "key result %s's confidence is not the newest one its check-ins give",
                id_of(node, id));
}

static bool check_kr(void *ctx, const MDB_val *key, const MDB_val *val)
{
    checker *c = ctx;
    char id[OKR_ID_BUF], oid[OKR_ID_BUF];
    okr_node node = key->mv_size == 4 ? okr_get_be32(key->mv_data) : 0;
    Okr__KeyResult *kr = okr__key_result__unpack(NULL, val->mv_size, val->mv_data);
    okr_node owner;
    if (kr == NULL) {
        problem(c, "key result %s does not unpack", id_of(node, id));
        return true;
    }
    uint32_t weight;
    if (kr->objective == NULL || !okr_id_parse(kr->objective, &owner) ||
        okr_node_is_kr(owner) || store_get_objective(c->t, owner) == NULL)
        problem(c, "key result %s names objective \"%s\", which does not exist",
                id_of(node, id), kr->objective ? kr->objective : "");
    else if (!store_get_edge(c->t, node, owner, &weight))
        problem(c, "key result %s is not linked to its objective %s", id_of(node, id),
                id_of(owner, oid));
    check_kr_follows_checkins(c, node, kr);
    okr__key_result__free_unpacked(kr, NULL);
    arena_reset(c->t->mem);
    return true;
}

/* up[child] = {parent, weight}; its mirror is down[parent] = {child, weight}. */
static bool check_up_edge(void *ctx, const MDB_val *key, const MDB_val *val)
{
    checker *c = ctx;
    char a[OKR_ID_BUF], b[OKR_ID_BUF];
    if (key->mv_size != 4 || val->mv_size != 8) {
        problem(c, "an edge record has the wrong size");
        return true;
    }
    okr_node child = okr_get_be32(key->mv_data);
    okr_node parent = okr_get_be32(val->mv_data);
    uint32_t weight = okr_get_be32((const unsigned char *)val->mv_data + 4), mirror = 0;
    if (!node_exists(c, child) || !node_exists(c, parent))
        problem(c, "the edge %s -> %s joins a node that does not exist", id_of(child, a),
                id_of(parent, b));
    store_link *children;
    size_t n = store_children(c->t, parent, &children);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        if (children[i].node == child) {
            found = true;
            mirror = children[i].weight;
        }
    if (!found || mirror != weight)
        problem(c, "the edge %s -> %s is not stored both ways", id_of(child, a),
                id_of(parent, b));
    arena_reset(c->t->mem);
    return true;
}

static bool check_down_edge(void *ctx, const MDB_val *key, const MDB_val *val)
{
    checker *c = ctx;
    char a[OKR_ID_BUF], b[OKR_ID_BUF];
    uint32_t weight;
    if (key->mv_size != 4 || val->mv_size != 8)
        return true;                    /* reported by check_up_edge's size check */
    okr_node parent = okr_get_be32(key->mv_data);
    okr_node child = okr_get_be32(val->mv_data);
    if (!store_get_edge(c->t, child, parent, &weight))
        problem(c, "the edge %s -> %s is stored only downward", id_of(child, a),
                id_of(parent, b));
    return true;
}

size_t integrity_check(store *st, integrity_problem_fn fn, void *ctx, int *rc)
{
    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, st, NULL, false, &mem);
    checker c = {.t = &t, .fn = fn, .ctx = ctx};
    c.last_seq = store_last_seq(&t);
    store_foreach(&t, st->events, check_event, &c);
    store_foreach_checkin(&t, check_checkin, &c);
    store_foreach(&t, st->objectives, check_objective, &c);
    store_foreach(&t, st->krs, check_kr, &c);
    if (t.rc == 0 && c.damaged_histories == 0 && c.listed_checkins != c.logged_checkins)
        problem(&c, "the log holds %llu check-ins; the key results' histories list %llu",
                (unsigned long long)c.logged_checkins, (unsigned long long)c.listed_checkins);
    store_foreach(&t, st->up, check_up_edge, &c);
    store_foreach(&t, st->down, check_down_edge, &c);
    *rc = t.rc;
    store_txn_abort(&t);
    arena_free(&mem);
    return c.problems;
}
