/* json_out.c — JSON documents for --json (see json_out.h). Builds json-c
 * objects from protobuf replies; prints only in json_print. */
#include "json_out.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "score.h"
#include "requests.h"
#include "status_metrics.h"

/* ------------------------------------------------------------ small values */

static struct json_object *string_or_empty(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static void put(struct json_object *obj, const char *key, struct json_object *value)
{
    json_object_object_add(obj, key, value);   /* a NULL value is written as null */
}

static void put_string(struct json_object *obj, const char *key, const char *s)
{
    put(obj, key, string_or_empty(s));
}

struct json_object *json_score(int64_t millionths)
{
    char text[FMT_BUF];
    fmt_score(millionths, 6, text, sizeof text);
    return json_object_new_double_s((double)millionths / 1e6, text);
}

struct json_object *json_fraction(double value)
{
    char text[FMT_BUF];
    snprintf(text, sizeof text, "%.6f", value);
    return json_object_new_double_s(value, text);
}

static struct json_object *time_or_null(bool has, int64_t us)
{
    char text[FMT_BUF];
    return has ? json_object_new_string(fmt_iso_time(us, text, sizeof text)) : NULL;
}

struct json_object *json_number(double value)
{
    char text[40];
    for (int digits = 15; digits <= 17; digits++) {   /* shortest that reads back */
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    return json_object_new_double_s(value, text);
}

static struct json_object *number_or_null(bool has, double value)
{
    return has ? json_number(value) : NULL;
}

static uint32_t weight_of(const Okr__Alignment *a)
{
    return a->has_weight ? a->weight : 1;
}

/* ------------------------------------------------------------ the model */

struct json_object *json_changed(const Okr__Changed *changed)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *scores = json_object_new_array();
    put_string(obj, "id", changed->id);
    put(obj, "seq", json_object_new_uint64(changed->seq));
    for (size_t i = 0; i < changed->n_scores; i++) {
        const Okr__ScoreChange *s = changed->scores[i];
        struct json_object *change = json_object_new_object();
        put_string(change, "node", s->node);
        put(change, "old", json_score(s->old_score));
        put(change, "new", json_score(s->new_score));
        json_object_array_add(scores, change);
    }
    put(obj, "scores", scores);
    return obj;
}

struct json_object *json_objective(const Okr__Objective *o)
{
    struct json_object *obj = json_object_new_object();
    put_string(obj, "id", o->id);
    put_string(obj, "title", o->title);
    put_string(obj, "description", o->description);
    put_string(obj, "period", o->period);
    put_string(obj, "team", o->team);
    put_string(obj, "owner", o->owner);
    put_string(obj, "type", fmt_type(o->type));
    put(obj, "archived", json_object_new_boolean(o->archived));
    put(obj, "score", json_score(o->score));
    put(obj, "expected", json_score(o->expected));
    put_string(obj, "health", fmt_health(o->health));
    put(obj, "grade", o->grade != OKR__GRADE__GRADE_NONE
                          ? json_object_new_string(fmt_grade(o->grade)) : NULL);
    put(obj, "confidence", o->has_confidence ? json_fraction(o->confidence) : NULL);
    put_string(obj, "progress", score_source_name((score_source)o->progress));
    put(obj, "origin", o->origin ? json_object_new_string(o->origin) : NULL);
    return obj;
}

struct json_object *json_kr(const Okr__KeyResult *kr)
{
    struct json_object *obj = json_object_new_object();
    put_string(obj, "id", kr->id);
    put_string(obj, "objective", kr->objective);
    put_string(obj, "title", kr->title);
    put_string(obj, "kind", fmt_kind(kr->kind));
    put(obj, "start", number_or_null(kr->has_start, kr->start));
    put(obj, "target", number_or_null(kr->has_target, kr->target));
    put(obj, "current", number_or_null(kr->has_current, kr->current));
    put_string(obj, "unit", kr->unit);
    put(obj, "weight", json_object_new_int64(kr->has_weight ? kr->weight : 1));
    put_string(obj, "owner", kr->owner);
    if (kr->kind == OKR__KR_KIND__THRESHOLD)
        put_string(obj, "direction", fmt_direction(kr->direction));
    put(obj, "confidence", kr->has_confidence ? json_fraction(kr->confidence) : NULL);
    put(obj, "checkins", json_object_new_int64(kr->checkins));
    put(obj, "updated_at", time_or_null(kr->has_updated_at && kr->updated_at > 0,
                                        kr->updated_at));
    put(obj, "score", json_score(kr->score));
    put(obj, "attainment", json_score(kr->attainment));
    put_string(obj, "health", fmt_health(kr->health));
    put(obj, "origin", kr->origin ? json_object_new_string(kr->origin) : NULL);
    return obj;
}

/* [{"id","weight"}]: the far end of each link, `parent` or `child`. */
static struct json_object *links(Okr__Alignment *const *list, size_t n, bool parent_end)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *link = json_object_new_object();
        put_string(link, "id", parent_end ? list[i]->parent : list[i]->child);
        put(link, "weight", json_object_new_int64(weight_of(list[i])));
        if (list[i]->has_counts)
            put(link, "counts", json_object_new_boolean(list[i]->counts));
        json_object_array_add(array, link);
    }
    return array;
}

static struct json_object *objective_array(Okr__Objective *const *list, size_t n)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(array, json_objective(list[i]));
    return array;
}

/* ------------------------------------------------------------ replies */

/* A KR's "owner" as it applies (its own, else its objective's, o may be
 * NULL) and "owner_inherited": whether it came from the objective. */
static struct json_object *kr_with_owner(const Okr__KeyResult *kr, const Okr__Objective *o)
{
    struct json_object *obj = json_kr(kr);
    bool inherited = kr->owner == NULL || kr->owner[0] == '\0';
    put_string(obj, "owner", inherited ? (o ? o->owner : NULL) : kr->owner);
    put(obj, "owner_inherited", json_object_new_boolean(inherited));
    return obj;
}

static struct json_object *krs_of(Okr__KeyResult *const *krs, size_t n, const Okr__Objective *o)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(array, kr_with_owner(krs[i], o));
    return array;
}

static int by_id(const void *a, const void *b)
{
    const Okr__Objective *x = *(Okr__Objective *const *)a, *y = *(Okr__Objective *const *)b;
    okr_node i = 0, j = 0;
    okr_id_parse(x->id, &i);
    okr_id_parse(y->id, &j);
    return i < j ? -1 : i > j;
}

/* The graph's KRs, each with its owner resolved through the objectives of
 * the graph (sorted once, searched per KR). */
static struct json_object *graph_krs(const Okr__Graph *g)
{
    Okr__Objective **sorted = calloc(g->n_objectives ? g->n_objectives : 1, sizeof *sorted);
    struct json_object *array = json_object_new_array();
    if (sorted == NULL)
        return array;
    if (g->n_objectives > 0) {
        memcpy(sorted, g->objectives, g->n_objectives * sizeof *sorted);
        qsort(sorted, g->n_objectives, sizeof *sorted, by_id);
    }
    for (size_t i = 0; i < g->n_krs; i++) {
        Okr__Objective key = OKR__OBJECTIVE__INIT, *keyp = &key, **found;
        key.id = g->krs[i]->objective;
        found = key.id ? bsearch(&keyp, sorted, g->n_objectives, sizeof *sorted, by_id) : NULL;
        json_object_array_add(array, kr_with_owner(g->krs[i], found ? *found : NULL));
    }
    free(sorted);
    return array;
}

static struct json_object *due(const Okr__DueReply *d)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *items = json_object_new_array();
    put_string(obj, "user", d->user);
    put(obj, "days", json_object_new_int64(d->days));
    put(obj, "as_of", time_or_null(d->has_as_of, d->as_of));
    for (size_t i = 0; i < d->n_items; i++) {
        const Okr__DueItem *it = d->items[i];
        struct json_object *item = json_object_new_object();
        const Okr__KeyResult *kr = it->kr;
        put_string(item, "id", kr ? kr->id : NULL);
        put_string(item, "title", kr ? kr->title : NULL);
        put_string(item, "objective", kr ? kr->objective : NULL);
        put_string(item, "objective_title", it->objective_title);
        put(item, "owner_inherited",
            json_object_new_boolean(kr == NULL || kr->owner == NULL || kr->owner[0] == '\0'));
        put(item, "last_checkin", it->never ? NULL : time_or_null(true, it->since));
        put(item, "since", time_or_null(it->has_since, it->since));
        put(item, "days", json_object_new_int64(it->days));
        put(item, "never", json_object_new_boolean(it->never));
        json_object_array_add(items, item);
    }
    put(obj, "krs", items);
    put(obj, "truncated", json_object_new_boolean(d->truncated));
    return obj;
}

static struct json_object *objective_detail(const Okr__ObjectiveDetail *d)
{
    static const Okr__Objective none = OKR__OBJECTIVE__INIT;
    struct json_object *obj = json_objective(d->objective ? d->objective : &none);
    put(obj, "krs", krs_of(d->krs, d->n_krs, d->objective));
    put(obj, "parents", links(d->parents, d->n_parents, true));
    put(obj, "children", links(d->children, d->n_children, false));
    return obj;
}

static struct json_object *kr_detail(const Okr__KeyResultDetail *d)
{
    static const Okr__KeyResult none = OKR__KEY_RESULT__INIT;
    struct json_object *obj = kr_with_owner(d->kr ? d->kr : &none, d->objective);
    put(obj, "children", links(d->children, d->n_children, false));
    return obj;
}

static struct json_object *periods(const Okr__PeriodListReply *list)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < list->n_periods; i++) {
        const Okr__Period *p = list->periods[i];
        struct json_object *obj = json_object_new_object();
        put_string(obj, "name", p->name);
        put_string(obj, "start", p->start);
        put_string(obj, "end", p->end);
        put(obj, "closed", json_object_new_boolean(p->closed));
        put(obj, "closed_at", time_or_null(p->closed && p->has_closed_at, p->closed_at));
        json_object_array_add(array, obj);
    }
    return array;
}

static struct json_object *teams(const Okr__TeamListReply *list)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < list->n_teams; i++) {
        struct json_object *obj = json_object_new_object();
        put_string(obj, "name", list->teams[i]->name);
        put_string(obj, "parent", list->teams[i]->parent);
        put(obj, "objectives", json_object_new_int64(list->teams[i]->objectives));
        json_object_array_add(array, obj);
    }
    return array;
}

static struct json_object *history(const Okr__HistoryReply *h)
{
    static const Okr__KeyResult none = OKR__KEY_RESULT__INIT;
    struct json_object *obj = json_object_new_object();
    struct json_object *checkins = json_object_new_array();
    put(obj, "kr", json_kr(h->kr ? h->kr : &none));
    for (size_t i = 0; i < h->n_checkins; i++) {
        const Okr__CheckIn *c = h->checkins[i];
        struct json_object *entry = json_object_new_object();
        put(entry, "time", time_or_null(c->has_time, c->time));
        put(entry, "value", json_number(c->value));
        put(entry, "confidence", c->has_confidence ? json_fraction(c->confidence) : NULL);
        put_string(entry, "note", c->note);
        put_string(entry, "author", c->author);
        char id[OKR_CHECKIN_ID_BUF];
        put_string(entry, "id", okr_checkin_id_format(c->seq, c->n, id));   /* checkin edit/delete take it */
        put(entry, "seq", json_object_new_uint64(c->seq));
        put(entry, "edited_at", time_or_null(c->has_edited_at, c->edited_at));
        put_string(entry, "edited_by", c->edited_by);
        json_object_array_add(checkins, entry);
    }
    put(obj, "checkins", checkins);
    return obj;
}

static struct json_object *graph(const Okr__Graph *g)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *alignments = json_object_new_array();
    put(obj, "objectives", objective_array(g->objectives, g->n_objectives));
    put(obj, "krs", graph_krs(g));
    for (size_t i = 0; i < g->n_alignments; i++) {
        const Okr__Alignment *a = g->alignments[i];
        struct json_object *edge = json_object_new_object();
        put_string(edge, "child", a->child);
        put_string(edge, "parent", a->parent);
        put(edge, "weight", json_object_new_int64(weight_of(a)));
        if (a->has_counts)
            put(edge, "counts", json_object_new_boolean(a->counts));
        json_object_array_add(alignments, edge);
    }
    put(obj, "alignments", alignments);
    put(obj, "truncated", json_object_new_boolean(g->truncated));
    return obj;
}

static struct json_object *users(const Okr__UserListReply *list)
{
    struct json_object *array = json_object_new_array();
    for (size_t i = 0; i < list->n_users; i++) {
        const Okr__User *u = list->users[i];
        struct json_object *obj = json_object_new_object();
        put_string(obj, "name", u->name);
        put_string(obj, "role", requests_role_name((okr_role)u->role));
        put_string(obj, "public_key", u->public_key);
        put_string(obj, "added_by", u->added_by);
        put(obj, "added_at", time_or_null(u->has_added_at, u->added_at));
        json_object_array_add(array, obj);
    }
    return array;
}

static struct json_object *status(const Okr__Status *s)
{
    struct json_object *obj = json_object_new_object();
    char epoch[2 * 64 + 1] = "";
    for (size_t i = 0; i < s->epoch.len && i < 64; i++)
        snprintf(epoch + 2 * i, 3, "%02x", s->epoch.data[i]);
    put_string(obj, "version", s->version);
    put_string(obj, "epoch", epoch);
    put(obj, "last_seq", json_object_new_uint64(s->last_seq));
    put(obj, "objectives", json_object_new_uint64(s->objectives));
    put(obj, "krs", json_object_new_uint64(s->krs));
    put(obj, "checkins", json_object_new_uint64(s->checkins));
    put(obj, "data_bytes", json_object_new_uint64(s->data_bytes));
    put(obj, "started_at", time_or_null(s->has_started_at, s->started_at));
    put_string(obj, "actor", s->actor);
    put(obj, "secure", json_object_new_boolean(s->has_secure && s->secure));
    put_string(obj, "role", requests_role_name((okr_role)s->role));
    put(obj, "metrics", status_metrics_json(s));
    return obj;
}

static struct json_object *backup(const Okr__BackupReply *b)
{
    struct json_object *obj = json_object_new_object();
    char epoch[2 * 64 + 1] = "";
    for (size_t i = 0; i < b->epoch.len && i < 64; i++)
        snprintf(epoch + 2 * i, 3, "%02x", b->epoch.data[i]);
    put_string(obj, "path", b->path);
    put(obj, "seq", json_object_new_uint64(b->seq));
    put(obj, "bytes", json_object_new_uint64(b->bytes));
    put_string(obj, "epoch", epoch);
    return obj;
}

struct json_object *json_reply(const Okr__Response *r)
{
    switch (r->body_case) {
    case OKR__RESPONSE__BODY_CHANGED: return json_changed(r->changed);
    case OKR__RESPONSE__BODY_PERIODS: return periods(r->periods);
    case OKR__RESPONSE__BODY_TEAMS: return teams(r->teams);
    case OKR__RESPONSE__BODY_OBJECTIVE: return objective_detail(r->objective);
    case OKR__RESPONSE__BODY_OBJECTIVES:
        return objective_array(r->objectives->objectives, r->objectives->n_objectives);
    case OKR__RESPONSE__BODY_KR: return kr_detail(r->kr);
    case OKR__RESPONSE__BODY_HISTORY: return history(r->history);
    case OKR__RESPONSE__BODY_GRAPH: return graph(r->graph);
    case OKR__RESPONSE__BODY_STATUS: return status(r->status);
    case OKR__RESPONSE__BODY_BACKUP: return backup(r->backup);
    case OKR__RESPONSE__BODY_USERS: return users(r->users);
    case OKR__RESPONSE__BODY_DUE: return due(r->due);
    default: return NULL;
    }
}

struct json_object *json_error(const char *code, const char *message)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *error = json_object_new_object();
    put_string(error, "code", code);
    put_string(error, "message", message);
    put(doc, "error", error);
    return doc;
}

int json_print(FILE *out, struct json_object *doc)
{
    if (doc == NULL)
        return -1;
    const char *text =
        json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (text == NULL || fputs(text, out) == EOF || fputc('\n', out) == EOF)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ any message */

/* An enum value's name as every other document spells it: "committed". */
static struct json_object *lower_case_name(const char *name)
{
    char text[64];
    size_t i = 0;
    for (; name[i] && i < sizeof text - 1; i++)
        text[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    text[i] = '\0';
    return json_object_new_string(text);
}

static struct json_object *json_field_value(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: return json_object_new_int(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_object_new_int64(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return json_object_new_int64(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return json_object_new_uint64(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT: return json_number(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_number(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_object_new_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v =
            protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return v ? lower_case_name(v->name) : json_object_new_int(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: return string_or_empty(*(char *const *)p);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        char *hex = malloc(b->len * 2 + 1);
        if (hex == NULL)
            return NULL;
        for (size_t i = 0; i < b->len; i++)
            snprintf(hex + 2 * i, 3, "%02x", b->data[i]);
        hex[b->len * 2] = '\0';
        struct json_object *s = json_object_new_string(hex);
        free(hex);
        return s;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
        return sub ? json_message(sub) : NULL;
    }
    }
    return NULL;
}

/* Whether an optional or oneof field holds a value. */
static bool json_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)m;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(const void *const *)(base + f->offset) != NULL;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
    return true;
}

static size_t json_field_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 4;
    }
}

struct json_object *json_message(const ProtobufCMessage *m)
{
    struct json_object *obj = json_object_new_object();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *items = *(const char *const *)(base + f->offset);
            if (n == 0)
                continue;
            struct json_object *arr = json_object_new_array();
            for (size_t k = 0; k < n; k++)
                json_object_array_add(arr, json_field_value(f, items + k * json_field_size(f)));
            put(obj, f->name, arr);
        } else if (json_field_present(m, f)) {
            put(obj, f->name, json_field_value(f, base + f->offset));
        }
    }
    return obj;
}

/* ------------------------------------------------------------ events */

struct json_object *json_event(const Okr__Event *ev)
{
    char when[FMT_BUF];
    struct json_object *o = json_object_new_object();
    put(o, "seq", json_object_new_uint64(ev->seq));
    put(o, "time", json_object_new_string(fmt_iso_time(ev->time, when, sizeof when)));
    put_string(o, "actor", ev->actor);
    put_string(o, "subject", ev->subject);
    struct json_object *change = NULL;
    if (ev->change && ev->change->body_case != OKR__REQUEST__BODY__NOT_SET) {
        /* The body the change was made with, flattened, plus its name under
         * "request": no body has a field of that name, so it cannot
         * overwrite one (ObjectiveEdit has a "type"). */
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &okr__request__descriptor, (unsigned)ev->change->body_case);
        const ProtobufCMessage *body =
            f ? *(const ProtobufCMessage *const *)((const char *)ev->change + f->offset) : NULL;
        change = body ? json_message(body) : json_object_new_object();
        put_string(change, "request", f ? f->name : "change");
    }
    put(o, "change", change);
    struct json_object *scores = json_object_new_array();
    for (size_t i = 0; i < ev->n_scores; i++) {
        struct json_object *s = json_object_new_object();
        put_string(s, "node", ev->scores[i]->node);
        put(s, "old", json_score(ev->scores[i]->old_score));
        put(s, "new", json_score(ev->scores[i]->new_score));
        json_object_array_add(scores, s);
    }
    put(o, "scores", scores);
    struct json_object *nodes = json_object_new_array();
    for (size_t i = 0; i < ev->n_nodes; i++)
        json_object_array_add(nodes, string_or_empty(ev->nodes[i]));
    put(o, "nodes", nodes);
    return o;
}
