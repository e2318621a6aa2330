/* ops_export.c — Export (the store, or one period, as a Dump) and Import (a
 * Dump loaded in one request). Owns the Dump's order and what of a record
 * goes out; never decides a rule of its own about a record: an import runs
 * every record through the very handler a single add would use
 * (op_period_add, op_team_add, op_objective_add, op_kr_add, op_align,
 * op_checkin, op_objective_archive, op_period_close) inside the import's
 * one nested transaction, so a record the handler refuses refuses the whole
 * import (the dispatcher rolls everything back) and the roll-up recomputes
 * every score on the way. A Dump too big for one request arrives staged
 * (its packed bytes in parts, held by staging.c until the last one): the
 * part that completes it runs the very same import; earlier parts answer
 * without a change (no event, no seq). Formats and limits:
 * docs/operations.md, "Export and import"; the parts: docs/protocol.md,
 * "Staged import". */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#include "okr_limits.h"
#include "staging.h"
#include "wire.h"

#define DUMP_VERSION 1

/* ------------------------------------------------------------ export */

typedef struct {
    request *rq;
    Okr__Dump *d;
    const char *period;          /* NULL: everything */
    size_t bytes;                /* packed size of the Dump so far (about) */
    size_t cap_periods, cap_teams, cap_objectives, cap_krs, cap_alignments, cap_checkins;
    const char **teams_used;     /* with a period: the teams to export */
    size_t n_teams_used, cap_teams_used;
} dump_ctx;

/* Count an item against the reply limit; false (and the error) when over. */
static bool dump_fits(dump_ctx *c, const ProtobufCMessage *item)
{
    c->bytes += protobuf_c_message_get_packed_size(item) + 6;   /* tag and length */
    if (c->bytes <= OKR_MAX_REPLY_BYTES - 64)
        return true;
    return request_fail(c->rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                        "the export is over %d bytes, the limit of one reply; export one "
                        "period at a time (okr export --period P)", OKR_MAX_REPLY_BYTES);
}

#define DUMP_ADD(c, list, cap, item)                                                     \
    (dump_fits((c), &(item)->base) &&                                                   \
     (ops_append((c)->rq->mem, (void ***)&(c)->d->list, &(c)->d->n_##list, &(c)->cap, \
                 (item)), true))

static bool dump_period(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    dump_ctx *c = ctx;
    Okr__Period *p = store_unpack(c->rq->txn, &okr__period__descriptor, val);
    if (p == NULL || (c->period && strcmp(p->name, c->period) != 0))
        return p != NULL;
    return DUMP_ADD(c, periods, cap_periods, p);
}

/* A team is exported when everything is, or when an exported objective
 * uses it or one of its sub-teams (so that the import can create it). */
static bool team_wanted(const dump_ctx *c, const char *name)
{
    if (c->period == NULL)
        return true;
    for (size_t i = 0; i < c->n_teams_used; i++)
        if (strcmp(c->teams_used[i], name) == 0)
            return true;
    return false;
}

/* The teams of the exported objectives and their parents, once each. */
static void note_team(dump_ctx *c, const char *team)
{
    for (int depth = 0; team && depth < 64; depth++) {   /* parents never loop; bounded anyway */
        if (team_wanted(c, team))
            return;
        ops_append(c->rq->mem, (void ***)&c->teams_used, &c->n_teams_used, &c->cap_teams_used,
                   (void *)team);
        Okr__Team *t = store_get_team(c->rq->txn, team);
        team = t ? t->parent : NULL;
    }
}

static bool dump_team(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    dump_ctx *c = ctx;
    Okr__Team *t = store_unpack(c->rq->txn, &okr__team__descriptor, val);
    if (t == NULL || !team_wanted(c, t->name))
        return t != NULL;
    return DUMP_ADD(c, teams, cap_teams, t);
}

static bool dump_objective(void *ctx, const MDB_val *key, const MDB_val *val)
{
    dump_ctx *c = ctx;
    Okr__Objective *o = store_unpack(c->rq->txn, &okr__objective__descriptor, val);
    if (o == NULL || (c->period && strcmp(o->period, c->period) != 0))
        return o != NULL;
    (void)key;
    if (c->period)
        note_team(c, o->team);
    return DUMP_ADD(c, objectives, cap_objectives, o);
}

static int compare_nodes(const void *a, const void *b)
{
    okr_node x = *(const okr_node *)a, y = *(const okr_node *)b;
    return x < y ? -1 : x > y;
}

/* A KR as stored, without what its check-ins give it, with its weight. */
static bool dump_kr(dump_ctx *c, okr_node id, uint32_t weight)
{
    Okr__KeyResult *kr = store_get_kr(c->rq->txn, id);
    if (kr == NULL)
        return true;
    kr->has_current = kr->has_confidence = kr->has_updated_at = kr->has_checkins = false;
    kr->has_weight = true;
    kr->weight = weight;
    if (!DUMP_ADD(c, key_results, cap_krs, kr))
        return false;
    Okr__CheckIn **list;
    size_t n = store_checkins(c->rq->txn, id, kr->checkins, &list);
    for (size_t i = 0; i < n; i++) {
        list[i]->has_seq = list[i]->has_n = false;   /* ids are the server's */
        if (!DUMP_ADD(c, checkins, cap_checkins, list[i]))
            return false;
    }
    return true;
}

/* Every KR of the exported objectives, by id, with its check-ins; every
 * alignment of an exported objective, by child then parent. */
static bool dump_links(dump_ctx *c)
{
    size_t n_krs = 0, cap = 64;
    okr_node *krs = ARENA_ARRAY(c->rq->mem, okr_node, cap);
    for (size_t i = 0; i < c->d->n_objectives; i++) {
        okr_node id;
        if (!okr_id_parse(c->d->objectives[i]->id, &id))
            continue;
        store_link *links;
        size_t n = store_children(c->rq->txn, id, &links);
        for (size_t j = 0; j < n; j++) {
            if (!okr_node_is_kr(links[j].node))
                continue;
            if (n_krs == cap) {
                okr_node *k = ARENA_ARRAY(c->rq->mem, okr_node, cap * 2);
                memcpy(k, krs, cap * sizeof *k);
                krs = k;
                cap *= 2;
            }
            krs[n_krs++] = links[j].node;
        }
        n = store_parents(c->rq->txn, id, &links);
        for (size_t j = 0; j < n; j++) {
            Okr__Alignment *a = ARENA_NEW(c->rq->mem, Okr__Alignment, OKR__ALIGNMENT__INIT);
            a->child = c->d->objectives[i]->id;
            a->parent = (char *)request_id(c->rq, links[j].node);
            a->has_weight = true;
            a->weight = links[j].weight;
            if (!DUMP_ADD(c, alignments, cap_alignments, a))
                return false;
        }
    }
    qsort(krs, n_krs, sizeof *krs, compare_nodes);
    for (size_t i = 0; i < n_krs; i++) {
        store_link *up;
        size_t n = store_parents(c->rq->txn, krs[i], &up);
        if (n > 0 && !dump_kr(c, krs[i], up[0].weight))
            return false;
    }
    return true;
}

/* Export { period? } -> Dump */
void op_export(request *rq, const Okr__Export *in)
{
    const char *period = in->period && in->period[0] ? in->period : NULL;
    if (period && need_period(rq, period) == NULL)
        return;
    Okr__Dump *d = ARENA_NEW(rq->mem, Okr__Dump, OKR__DUMP__INIT);
    d->has_version = true;
    d->version = DUMP_VERSION;
    dump_ctx c = {.rq = rq, .d = d, .period = period};
    store_foreach(rq->txn, rq->txn->st->periods, dump_period, &c);
    if (request_ok(rq))
        store_foreach_objective(rq->txn, period, NULL, dump_objective, &c);
    if (request_ok(rq))
        store_foreach(rq->txn, rq->txn->st->teams, dump_team, &c);
    if (!request_ok(rq) || !dump_links(&c))
        return;
    rq->response->body_case = OKR__RESPONSE__BODY_DUMP;
    rq->response->dump = d;
}

/* ------------------------------------------------------------ import */

/* An id of the Dump and the one this server gave it. */
typedef struct {
    okr_node from, to;
    int64_t last_time;       /* KRs: time of the last check-in imported */
} remap;

typedef struct {
    request *rq;
    const Okr__Dump *d;
    remap *ids;
    size_t n_ids;
    Okr__ImportReply *reply;
} import_ctx;

/* Put "where: " before the sentence of a refusal. Returns false. */
static bool refused_at(request *rq, const char *where)
{
    rq->message = arena_printf(rq->mem, "import: %s: %s", where, rq->message);
    return false;
}

/* After a handler ran: true when it accepted, else the sentence is placed. */
static bool accepted(request *rq, const char *where)
{
    return request_ok(rq) || refused_at(rq, where);
}

static remap *find_id(import_ctx *c, okr_node from)
{
    for (size_t i = 0; i < c->n_ids; i++)
        if (c->ids[i].from == from)
            return &c->ids[i];
    return NULL;
}

static remap *find_new(import_ctx *c, okr_node to)
{
    for (size_t i = 0; i < c->n_ids; i++)
        if (c->ids[i].to == to)
            return &c->ids[i];
    return NULL;
}

/* The new id of a Dump reference, or 0 after the error. */
static okr_node mapped(import_ctx *c, const char *where, const char *field, const char *text)
{
    okr_node old;
    if (!need_node_id(c->rq, field, text, &old))
        return refused_at(c->rq, where), 0;
    remap *m = find_id(c, old);
    if (m == NULL)
        return request_fail(c->rq, OKR__ERROR_CODE__NOT_FOUND,
                            "import: %s: %s %s is not in the file (ids of a file refer to "
                            "its own records; export the period it belongs to as well)",
                            where, field, text), 0;
    return m->to;
}

/* Record the new id a handler gave the record of Dump id `text`. */
static bool remember(import_ctx *c, const char *where, const char *text, bool kr)
{
    okr_node old, now;
    if (!need_node_id(c->rq, "id", text, &old))
        return refused_at(c->rq, where);
    if (okr_node_is_kr(old) != kr)
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: id %s is not %s id", where, text,
                            kr ? "a key result (K...)" : "an objective (O...)");
    if (find_id(c, old))
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: id %s appears twice in the file", where, text);
    c->ids[c->n_ids].from = old;
    c->ids[c->n_ids].to = 0;
    c->ids[c->n_ids].last_time = INT64_MIN;
    if (!okr_id_parse(c->rq->subject, &now))
        return request_fail(c->rq, OKR__ERROR_CODE__INTERNAL, "import: %s: no new id", where);
    c->ids[c->n_ids++].to = now;
    Okr__DumpRemap *r = ARENA_NEW(c->rq->mem, Okr__DumpRemap, OKR__DUMP_REMAP__INIT);
    r->from = (char *)text;
    r->to = (char *)c->rq->subject;
    c->reply->ids[c->reply->n_ids++] = r;
    return true;
}

/* A time kept from the Dump (absent: the import's): Unix microseconds,
 * after 1970 and not in the future. */
static bool need_past_time(request *rq, const char *where, const char *field, bool has,
                           int64_t us, int64_t *out)
{
    *out = has ? us : rq->now;
    if (*out <= 0 || *out > rq->now)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: %s must be a time in Unix microseconds, after 1970 "
                            "and not in the future", where, field);
    return true;
}

static bool import_periods(import_ctx *c)
{
    for (size_t i = 0; i < c->d->n_periods; i++) {
        const Okr__Period *p = c->d->periods[i];
        if (p->has_closed_at && !p->closed)
            return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "import: periods[%zu]: closed_at given for an open period "
                                "(\"closed\": false)", i);
        Okr__Period open = OKR__PERIOD__INIT;
        open.name = p->name;
        open.start = p->start;
        open.end = p->end;
        Okr__PeriodAdd add = OKR__PERIOD_ADD__INIT;
        add.period = &open;
        op_period_add(c->rq, &add);
        if (!accepted(c->rq, arena_printf(c->rq->mem, "periods[%zu]", i)))
            return false;
    }
    c->reply->periods = (uint32_t)c->d->n_periods;
    return true;
}

/* Teams, each after its parent; a team this server has already is used as
 * it is. */
static bool import_teams(import_ctx *c)
{
    size_t n = c->d->n_teams;
    bool *done = ARENA_ARRAY(c->rq->mem, bool, n);
    size_t left = n;
    for (size_t i = 0; i < n; i++) {
        const Okr__Team *t = c->d->teams[i];
        for (size_t j = 0; j < i; j++)
            if (t->name && c->d->teams[j]->name && strcmp(t->name, c->d->teams[j]->name) == 0)
                return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                    "import: teams[%zu]: team \"%s\" appears twice in the "
                                    "file", i, t->name);
        done[i] = t->name && store_get_team(c->rq->txn, t->name) != NULL;
        left -= done[i];
    }
    for (size_t pass = 0; pass <= n && left > 0; pass++) {
        for (size_t i = 0; i < n; i++) {
            const Okr__Team *t = c->d->teams[i];
            bool parent_ready = !t->parent || !t->parent[0] ||
                                store_get_team(c->rq->txn, t->parent) != NULL;
            if (done[i] || (!parent_ready && pass < n))
                continue;
            Okr__TeamAdd add = OKR__TEAM_ADD__INIT;
            add.team = (Okr__Team *)t;
            op_team_add(c->rq, &add);   /* the last pass: its refusal says why */
            if (!accepted(c->rq, arena_printf(c->rq->mem, "teams[%zu]", i)))
                return false;
            done[i] = true;
            c->reply->teams++;
            left--;
        }
    }
    return true;
}

static bool in_file_period(import_ctx *c, const char *period)
{
    for (size_t i = 0; i < c->d->n_periods; i++)
        if (period && strcmp(c->d->periods[i]->name, period) == 0)
            return true;
    return false;
}

static bool import_objectives(import_ctx *c)
{
    int64_t now = c->rq->now;
    for (size_t i = 0; i < c->d->n_objectives; i++) {
        const Okr__Objective *o = c->d->objectives[i];
        const char *where = arena_printf(c->rq->mem, "objectives[%zu] (%s)", i,
                                         o->id ? o->id : "no id");
        if (!in_file_period(c, o->period))
            return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "import: %s: its period \"%s\" is not in the file's periods",
                                where, o->period ? o->period : "");
        int64_t created;
        if (!need_past_time(c->rq, where, "created_at", o->has_created_at, o->created_at,
                            &created))
            return false;
        Okr__Objective rec = *o;
        rec.id = NULL;
        rec.has_archived = false;
        Okr__ObjectiveAdd add = OKR__OBJECTIVE_ADD__INIT;
        add.objective = &rec;
        c->rq->now = created;                /* the add keeps it as created_at */
        op_objective_add(c->rq, &add);
        c->rq->now = now;
        if (!accepted(c->rq, where) || !remember(c, where, o->id, false))
            return false;
    }
    c->reply->objectives = (uint32_t)c->d->n_objectives;
    return true;
}

static bool import_krs(import_ctx *c)
{
    for (size_t i = 0; i < c->d->n_key_results; i++) {
        const Okr__KeyResult *k = c->d->key_results[i];
        const char *where = arena_printf(c->rq->mem, "key_results[%zu] (%s)", i,
                                         k->id ? k->id : "no id");
        okr_node objective = mapped(c, where, "objective", k->objective);
        if (objective == 0)
            return false;
        Okr__KeyResult rec = *k;
        rec.id = NULL;
        rec.objective = (char *)request_id(c->rq, objective);
        Okr__KeyResultAdd add = OKR__KEY_RESULT_ADD__INIT;
        add.kr = &rec;
        op_kr_add(c->rq, &add);
        if (!accepted(c->rq, where) || !remember(c, where, k->id, true))
            return false;
    }
    c->reply->key_results = (uint32_t)c->d->n_key_results;
    return true;
}

/* The new id of Dump id `text` when the file holds it, else 0 (no error). */
static okr_node mapped_if_in_file(import_ctx *c, const char *text)
{
    okr_node old;
    remap *m = text && okr_id_parse(text, &old) ? find_id(c, old) : NULL;
    return m ? m->to : 0;
}

/* "Carried from" links (Objective/KeyResult.origin) follow the new ids. An
 * origin the file does not hold (a period imported alone, carried from the
 * one before it) is dropped: the copy stands on its own there. */
static bool import_origins(import_ctx *c)
{
    char id[OKR_ID_BUF];
    for (size_t i = 0; i < c->d->n_objectives; i++) {
        const Okr__Objective *o = c->d->objectives[i];
        okr_node to = mapped_if_in_file(c, o->origin), self = mapped_if_in_file(c, o->id);
        Okr__Objective *rec = to && self ? store_get_objective(c->rq->txn, self) : NULL;
        if (rec == NULL)
            continue;
        rec->origin = arena_printf(c->rq->mem, "%s", okr_id_format(to, id));
        store_put_objective(c->rq->txn, self, rec);
    }
    for (size_t i = 0; i < c->d->n_key_results; i++) {
        const Okr__KeyResult *k = c->d->key_results[i];
        okr_node to = mapped_if_in_file(c, k->origin), self = mapped_if_in_file(c, k->id);
        Okr__KeyResult *rec = to && self ? store_get_kr(c->rq->txn, self) : NULL;
        if (rec == NULL)
            continue;
        rec->origin = arena_printf(c->rq->mem, "%s", okr_id_format(to, id));
        store_put_kr(c->rq->txn, self, rec);
    }
    return c->rq->txn->rc == 0;
}

static bool import_alignments(import_ctx *c)
{
    for (size_t i = 0; i < c->d->n_alignments; i++) {
        const Okr__Alignment *a = c->d->alignments[i];
        const char *where = arena_printf(c->rq->mem, "alignments[%zu] (%s -> %s)", i,
                                         a->child ? a->child : "?", a->parent ? a->parent : "?");
        okr_node child = mapped(c, where, "child", a->child);
        okr_node parent = child ? mapped(c, where, "parent", a->parent) : 0;
        if (parent == 0)
            return false;
        Okr__Alignment link = OKR__ALIGNMENT__INIT;
        link.child = (char *)request_id(c->rq, child);
        link.parent = (char *)request_id(c->rq, parent);
        link.has_weight = a->has_weight;
        link.weight = a->weight;
        Okr__Align align = OKR__ALIGN__INIT;
        align.alignment = &link;
        op_align(c->rq, &align);
        if (!accepted(c->rq, where))
            return false;
    }
    c->reply->alignments = (uint32_t)c->d->n_alignments;
    return true;
}

/* A corrected check-in's edited_at and edited_by, checked before the
 * import writes it: both or neither. */
static bool need_edit_mark(import_ctx *c, const char *where, const Okr__CheckIn *ci,
                           int64_t at)
{
    int64_t edited;
    if (!ci->has_edited_at && ci->edited_by == NULL)
        return true;
    if (!ci->has_edited_at || ci->edited_by == NULL)
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: edited_at and edited_by go together", where);
    if (!need_past_time(c->rq, where, "edited_at", true, ci->edited_at, &edited))
        return false;
    if (edited < at)
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: edited_at is before the check-in's time", where);
    return need_name(c->rq, "edited_by", ci->edited_by, OKR_MAX_NAME, true) ||
           refused_at(c->rq, where);
}

/* Mark the check-in the import just made (the n-th of its seq, on kr) as
 * corrected, as the file says. */
static bool keep_edit_mark(import_ctx *c, const char *where, const Okr__CheckIn *ci,
                           okr_node kr, uint32_t n)
{
    okr_node owner = 0;
    Okr__CheckIn *made = store_get_checkin(c->rq->txn, c->rq->seq, n, &owner);
    if (made == NULL || owner != kr)
        return request_fail(c->rq, OKR__ERROR_CODE__INTERNAL,
                            "import: %s: the check-in just made is not where it should be",
                            where);
    Okr__CheckIn now = *made;
    now.has_edited_at = true;
    now.edited_at = ci->edited_at;
    now.edited_by = ci->edited_by;
    store_replace_checkin(c->rq->txn, kr, made, &now);
    return true;
}

/* Check-ins keep their author and time: the check-in handler takes both from
 * the request context, so the import lends them to it for one call; a
 * corrected one keeps who corrected it and when. All of them get the
 * import's seq, told apart by their n (0, 1, 2 ... in the file's order:
 * ids "seq", "seq.1", "seq.2"); those of one KR must each be no earlier
 * than the one before (at the same time, the later n is the newer, as the
 * history orders them). */
static bool import_checkins(import_ctx *c)
{
    int64_t now = c->rq->now;
    const char *actor = c->rq->actor;
    for (size_t i = 0; i < c->d->n_checkins; i++) {
        const Okr__CheckIn *ci = c->d->checkins[i];
        const char *where = arena_printf(c->rq->mem, "checkins[%zu] (%s)", i,
                                         ci->kr ? ci->kr : "no kr");
        okr_node kr = mapped(c, where, "kr", ci->kr);
        int64_t at;
        if (kr == 0 || !need_past_time(c->rq, where, "time", ci->has_time, ci->time, &at))
            return false;
        if (!need_name(c->rq, "author", ci->author, OKR_MAX_NAME, true))
            return refused_at(c->rq, where);
        if (!need_edit_mark(c, where, ci, at))
            return false;
        remap *m = find_new(c, kr);
        if (m && at < m->last_time)
            return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "import: %s: check-ins of a key result must be in time order, "
                                "none earlier than the one before", where);
        Okr__CheckInAdd add = OKR__CHECK_IN_ADD__INIT;
        add.kr = (char *)request_id(c->rq, kr);
        add.has_value = ci->has_value;
        add.value = ci->value;
        add.has_confidence = ci->has_confidence;
        add.confidence = ci->confidence;
        add.note = ci->note;
        c->rq->now = at;
        c->rq->actor = ci->author;
        op_checkin(c->rq, &add);
        c->rq->now = now;
        c->rq->actor = actor;
        if (!accepted(c->rq, where) ||
            (ci->has_edited_at && !keep_edit_mark(c, where, ci, kr, (uint32_t)i)))
            return false;
        if (m)
            m->last_time = at;
    }
    c->reply->checkins = (uint32_t)c->d->n_checkins;
    return true;
}

static bool import_archived(import_ctx *c)
{
    for (size_t i = 0; i < c->d->n_objectives; i++) {
        const Okr__Objective *o = c->d->objectives[i];
        if (!o->archived)
            continue;
        Okr__ObjectiveArchive archive = OKR__OBJECTIVE_ARCHIVE__INIT;
        archive.id = (char *)request_id(c->rq, c->ids[i].to);
        op_objective_archive(c->rq, &archive);
        if (!accepted(c->rq, arena_printf(c->rq->mem, "objectives[%zu] (%s)", i, o->id)))
            return false;
    }
    return true;
}

/* True when an objective of period `from` aligns to one of period `to`. */
static bool aligns_into(import_ctx *c, const char *from, const char *to)
{
    for (size_t i = 0; i < c->d->n_alignments; i++) {
        const Okr__Alignment *a = c->d->alignments[i];
        const char *child = NULL, *parent = NULL;
        for (size_t j = 0; j < c->d->n_objectives; j++) {
            const Okr__Objective *o = c->d->objectives[j];
            if (strcmp(o->id, a->child) == 0)
                child = o->period;
            if (strcmp(o->id, a->parent) == 0)
                parent = o->period;
        }
        for (size_t j = 0; !parent && j < c->d->n_key_results; j++)
            if (strcmp(c->d->key_results[j]->id, a->parent) == 0)
                for (size_t k = 0; k < c->d->n_objectives; k++)
                    if (strcmp(c->d->objectives[k]->id, c->d->key_results[j]->objective) == 0)
                        parent = c->d->objectives[k]->period;
        if (child && parent && strcmp(child, from) == 0 && strcmp(parent, to) == 0)
            return true;
    }
    return false;
}

/* The time of the newest check-in on a KR of period `name` (0: none). */
static int64_t newest_checkin_in(request *rq, const char *name)
{
    okr_node *objectives;
    int64_t newest = 0;
    size_t n = store_objectives_of(rq->txn, rq->txn->st->by_period, name, &objectives);
    for (size_t i = 0; i < n; i++) {
        store_link *kids;
        size_t k = store_children(rq->txn, objectives[i], &kids);
        for (size_t j = 0; j < k; j++) {
            Okr__KeyResult *kr =
                okr_node_is_kr(kids[j].node) ? store_get_kr(rq->txn, kids[j].node) : NULL;
            if (kr && kr->has_updated_at && kr->updated_at > newest)
                newest = kr->updated_at;
        }
    }
    return newest;
}

/* The first check-in of the file on a KR of period `name` corrected after
 * `at`, or -1. */
static long corrected_after(import_ctx *c, const char *name, int64_t at)
{
    for (size_t i = 0; i < c->d->n_checkins; i++) {
        const Okr__CheckIn *ci = c->d->checkins[i];
        if (!ci->has_edited_at || ci->edited_at <= at)
            continue;                           /* the common case: nothing read */
        okr_node obj_id, kr_id = mapped_if_in_file(c, ci->kr);
        Okr__KeyResult *kr = kr_id ? store_get_kr(c->rq->txn, kr_id) : NULL;
        Okr__Objective *o = kr && okr_id_parse(kr->objective, &obj_id)
                                ? store_get_objective(c->rq->txn, obj_id) : NULL;
        if (o && strcmp(o->period, name) == 0)
            return (long)i;
    }
    return -1;
}

/* A closed period keeps the file's closed_at: not in the future, nor
 * before its newest check-in or a correction of one (none can come after a
 * close). It may be before the period's start: a period can be closed
 * before it begins. A period closed before okrd kept it has none, and
 * keeps none. */
static bool keep_closed_at(import_ctx *c, const char *where, const Okr__Period *from)
{
    int64_t at = 0;
    Okr__Period *p = store_get_period(c->rq->txn, from->name);
    if (p == NULL)
        return request_fail(c->rq, OKR__ERROR_CODE__INTERNAL,
                            "import: %s: the period just closed is gone", where);
    if (from->has_closed_at &&
        !need_past_time(c->rq, where, "closed_at", true, from->closed_at, &at))
        return false;
    if (from->has_closed_at && at < newest_checkin_in(c->rq, p->name))
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: closed_at is before the period's newest check-in "
                            "(nothing is checked in after a close)", where);
    long edited = from->has_closed_at ? corrected_after(c, p->name, at) : -1;
    if (edited >= 0)
        return request_fail(c->rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: %s: closed_at is before checkins[%ld]'s edited_at (a "
                            "closed period's check-ins are not corrected)", where, edited);
    p->has_closed_at = from->has_closed_at;
    p->closed_at = at;
    store_put_period(c->rq->txn, p);
    return true;
}

/* Close the periods the file has closed, last: a period is closed after
 * every closed period whose objectives align into it (closing refuses an
 * open period feeding a closed one). */
static bool import_closed(import_ctx *c)
{
    size_t n = c->d->n_periods;
    bool *done = ARENA_ARRAY(c->rq->mem, bool, n);
    for (size_t i = 0; i < n; i++)
        done[i] = !c->d->periods[i]->closed;
    for (size_t pass = 0; pass <= n; pass++) {
        for (size_t i = 0; i < n; i++) {
            bool blocked = false;
            for (size_t j = 0; j < n && !blocked && pass < n; j++)
                blocked = j != i && !done[j] &&
                          aligns_into(c, c->d->periods[j]->name, c->d->periods[i]->name);
            if (done[i] || blocked)
                continue;
            Okr__PeriodClose close = OKR__PERIOD_CLOSE__INIT;
            close.name = c->d->periods[i]->name;
            op_period_close(c->rq, &close);
            const char *where = arena_printf(c->rq->mem, "periods[%zu]", i);
            if (!accepted(c->rq, where) || !keep_closed_at(c, where, c->d->periods[i]))
                return false;
            done[i] = true;
        }
    }
    return true;
}

/* The server may already hold data only when the file holds one period. */
static bool need_room(request *rq, const Okr__Dump *d)
{
    store *st = rq->txn->st;
    uint64_t held = store_count(rq->txn, st->periods) + store_count(rq->txn, st->teams) +
                    store_count(rq->txn, st->objectives);
    if (held == 0 || d->n_periods == 1)
        return true;
    return request_fail(rq, OKR__ERROR_CODE__CONFLICT,
                        "import: this server is not empty (it has periods, teams or "
                        "objectives) and the file holds %zu periods: import one period at "
                        "a time (okr import FILE --period P)", d->n_periods);
}

/* Load Dump d in the request's transaction: every record through its
 * handler, the reply with the id map. */
static void import_dump(request *rq, const Okr__Dump *d)
{
    if (d == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "dump is required");
    if (!d->has_version || d->version != DUMP_VERSION)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "dump version %u is not one this server reads (%d)",
                                  d->has_version ? d->version : 0, DUMP_VERSION);
    size_t nodes = d->n_objectives + d->n_key_results;
    if (nodes > OKR_MAX_IMPORT_NODES)
        return (void)request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                                  "import: the file holds %zu objectives and key results, more "
                                  "than the %d one import may add; import one period at a time "
                                  "(okr import FILE --period P)", nodes, OKR_MAX_IMPORT_NODES);
    if (!need_room(rq, d))
        return;
    Okr__ImportReply *reply = ARENA_NEW(rq->mem, Okr__ImportReply, OKR__IMPORT_REPLY__INIT);
    reply->ids = ARENA_ARRAY(rq->mem, Okr__DumpRemap *, nodes);
    reply->has_periods = reply->has_teams = reply->has_objectives = true;
    reply->has_key_results = reply->has_alignments = reply->has_checkins = true;
    import_ctx c = {rq, d, ARENA_ARRAY(rq->mem, remap, nodes), 0, reply};
    if (!import_periods(&c) || !import_teams(&c) || !import_objectives(&c) ||
        !import_krs(&c) || !import_origins(&c) || !import_alignments(&c) ||
        !import_checkins(&c) ||
        !import_archived(&c) || !import_closed(&c))
        return;
    rq->subject = NULL;
    rq->response->body_case = OKR__RESPONSE__BODY_IMPORTED;
    rq->response->imported = reply;
}

/* ------------------------------------------------------------ staged import */

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* The Dump of the assembled bytes, decoded exactly like a one-request
 * import: they are framed as Request { import_data { dump } } and go
 * through wire_unpack_request (its raw walk, unknown fields dropped). NULL
 * after the refusal. */
static const Okr__Dump *unpack_staged(request *rq, const uint8_t *bytes, size_t len)
{
    uint8_t head[32];
    size_t inner = 1 + put_varint(head, len) + len;         /* Import { 1: dump } */
    size_t n = put_varint(head, (72u << 3) | 2);             /* Request.import_data */
    n += put_varint(head + n, inner);
    head[n++] = (1u << 3) | 2;                               /* Import.dump */
    n += put_varint(head + n, len);
    uint8_t *frame = arena_alloc(rq->mem, n + len);
    memcpy(frame, head, n);
    memcpy(frame + n, bytes, len);
    const char *why = NULL;
    Okr__Request *req = wire_unpack_request(&rq->mem->pb, n + len, frame, &why);
    if (why || req == NULL || req->body_case != OKR__REQUEST__BODY_IMPORT_DATA ||
        req->import_data->dump == NULL)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: the %zu bytes of the parts are not a packed okr.Dump%s%s",
                            len, why ? ": " : "", why ? why : ""), NULL;
    return req->import_data->dump;
}

static Okr__ImportReply *part_reply(request *rq, uint64_t staging_id, size_t received)
{
    Okr__ImportReply *reply = ARENA_NEW(rq->mem, Okr__ImportReply, OKR__IMPORT_REPLY__INIT);
    reply->has_staging = reply->has_received = true;
    reply->staging = staging_id;
    reply->received = received;
    rq->response->body_case = OKR__RESPONSE__BODY_IMPORTED;
    rq->response->imported = reply;
    rq->no_change = true;                 /* an earlier part: no event, no seq */
    return reply;
}

/* The staging of this part: begun by the first part, else found. NULL after
 * the refusal. */
static staging *part_staging(request *rq, const Okr__Import *in, size_t total)
{
    staging_table *t = rq->staging;
    if (in->has_staging && in->staging != 0) {
        staging *s = staging_find(t, in->staging, rq->actor, rq->now);
        if (s == NULL)
            return request_fail(rq, OKR__ERROR_CODE__NOT_FOUND,
                                "import: staging %llu is unknown, expired (%lld s without a "
                                "part) or finished: start the import again",
                                (unsigned long long)in->staging,
                                (long long)(t->idle_us / 1000000)), NULL;
        if (s->total != total)
            return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "import: total_bytes %zu differs from the %zu of staging %llu "
                                "(set by its first part)", total, s->total,
                                (unsigned long long)s->id), NULL;
        return s;
    }
    if (in->offset != 0)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "import: offset %llu without a staging: the first part starts at "
                            "offset 0", (unsigned long long)in->offset), NULL;
    staging_status why;
    uint64_t id = rq->response->has_request_id ? rq->response->request_id : 0;
    staging *s = staging_begin(t, rq->actor, id, total, rq->now, &why);
    if (s == NULL && why == STAGING_TOO_BIG)
        return request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                            "import: total_bytes %zu is more than the %zu bytes a staged import "
                            "may hold; import one period at a time (okr import FILE --period P)",
                            total, t->max_bytes), NULL;
    if (s == NULL)
        return request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                            "import: %d staged imports are in progress, the most okrd holds at "
                            "once; try again when one finishes (an idle one is dropped after "
                            "%lld s)", OKR_MAX_IMPORT_STAGINGS,
                            (long long)(t->idle_us / 1000000)), NULL;
    return s;
}

/* The part that completes the Dump: the import, as one request would run
 * it. A refusal frees the staging; a success, or a storage failure
 * (MDB_MAP_FULL: the batch is redone after the map grows, and runs this
 * part again), keeps it until its batch is over. */
static void import_staged(request *rq, staging *s)
{
    staging_table *t = rq->staging;
    const Okr__Dump *d = unpack_staged(rq, s->bytes, s->total);
    if (d)
        import_dump(rq, d);
    if (rq->txn->rc != 0)
        return;                           /* staging_tick frees it if no redo comes */
    if (!request_ok(rq)) {
        staging_free(t, s);
        return;
    }
    rq->response->imported->has_staging = rq->response->imported->has_received = true;
    rq->response->imported->staging = s->id;
    rq->response->imported->received = s->total;
    staging_done(s, rq->seq);
}

/* Import { staging?, offset, total_bytes, chunk } -> ImportReply { staging, received } */
static void import_part(request *rq, const Okr__Import *in)
{
    if (in->dump)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "import: dump and chunk: a staged part holds chunk only");
    if (rq->staging == NULL)
        return (void)request_fail(rq, OKR__ERROR_CODE__INTERNAL,
                                  "import: this server holds no staged imports; send the Dump "
                                  "in one request");
    if (!in->has_total_bytes || in->total_bytes == 0 || in->total_bytes > SIZE_MAX / 2)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "import: total_bytes (the packed Dump's size) is required in "
                                  "every part of a staged import");
    if (!in->has_chunk || in->chunk.len == 0)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "import: chunk is required in every part of a staged import");
    staging_expire(rq->staging, rq->now, rq->last_seq);
    size_t total = (size_t)in->total_bytes, len = in->chunk.len;
    if (in->offset > total || len > total - in->offset)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "import: offset %llu and %zu bytes of chunk go past "
                                  "total_bytes %zu", (unsigned long long)in->offset, len, total);
    if (!(in->has_staging && in->staging) && len == total) {   /* one part: no staging */
        const Okr__Dump *d = unpack_staged(rq, in->chunk.data, len);
        if (d)
            import_dump(rq, d);
        return;
    }
    staging *s = part_staging(rq, in, total);
    if (s == NULL)
        return;
    size_t offset = (size_t)in->offset;
    switch (staging_add(rq->staging, s, offset, in->chunk.data, len, rq->now)) {
    case STAGING_ADDED:
    case STAGING_REPEAT:
        part_reply(rq, s->id, offset + len);
        return;
    case STAGING_COMPLETE:
        import_staged(rq, s);
        return;
    case STAGING_BUSY:
        return (void)request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                                  "import: okrd has no memory for staging %llu; start the import "
                                  "again later", (unsigned long long)s->id);
    default:
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "import: offset %zu: staging %llu holds %zu bytes; the next "
                                  "part starts at offset %zu (parts go in order)", offset,
                                  (unsigned long long)s->id, s->received, s->received);
    }
}

/* Import { dump } -> ImportReply (its Changed filled by the dispatcher), or
 * one part of a staged import. */
void op_import(request *rq, const Okr__Import *in)
{
    if (in->has_staging || in->has_offset || in->has_total_bytes || in->has_chunk)
        import_part(rq, in);
    else
        import_dump(rq, in->dump);
}
