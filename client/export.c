/* export.c — `okr export` and `okr import` (see export.h): the Dump to and
 * from the versioned JSON file, by protobuf-c's descriptors (no field is
 * named here but the period links that --period follows), and the
 * check-in CSV. Owns the file format; the server owns what a Dump holds and
 * every rule of an import (server/ops_export.c). */
#include "export.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt.h"
#include "json_out.h"
#include "table.h"
#include "util.h"

/* ------------------------------------------------------------ protobuf -> JSON */

static void *field_at(const ProtobufCMessage *m, size_t offset)
{
    return (char *)m + offset;
}

/* Bytes of one value of a field in memory (an element of a repeated one). */
static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    default: return 4;      /* int32, sint32, sfixed32, uint32, fixed32, float, enum */
    }
}

/* How many values field f holds in m: 0 or 1, or a repeated field's count. */
static size_t field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(size_t *)field_at(m, f->quantifier_offset);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(uint32_t *)field_at(m, f->quantifier_offset) == f->id;
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void **)field_at(m, f->offset) != NULL;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        return *(protobuf_c_boolean *)field_at(m, f->quantifier_offset) != 0;
    return 1;
}

static struct json_object *value_json(const ProtobufCFieldDescriptor *f, const void *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        return json_object_new_int64(*(const int32_t *)v);
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return json_object_new_int64(*(const uint32_t *)v);
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        return json_object_new_int64(*(const int64_t *)v);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return json_object_new_uint64(*(const uint64_t *)v);
    case PROTOBUF_C_TYPE_FLOAT: return json_number(*(const float *)v);
    case PROTOBUF_C_TYPE_DOUBLE: return json_number(*(const double *)v);
    case PROTOBUF_C_TYPE_BOOL: return json_object_new_boolean(*(const protobuf_c_boolean *)v);
    case PROTOBUF_C_TYPE_ENUM: {
        int value = *(const int *)v;
        const ProtobufCEnumValue *e = protobuf_c_enum_descriptor_get_value(f->descriptor, value);
        return e ? json_object_new_string(e->name) : json_object_new_int(value);
    }
    case PROTOBUF_C_TYPE_STRING: return json_object_new_string(*(char *const *)v);
    case PROTOBUF_C_TYPE_MESSAGE: return export_message_json(*(ProtobufCMessage *const *)v);
    case PROTOBUF_C_TYPE_BYTES:
    default:
        return NULL;      /* no record of a Dump has bytes */
    }
}

struct json_object *export_message_json(const ProtobufCMessage *m)
{
    struct json_object *obj = json_object_new_object();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        size_t n = field_count(m, f);
        if (n == 0)
            continue;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            json_object_object_add(obj, f->name, value_json(f, field_at(m, f->offset)));
            continue;
        }
        struct json_object *list = json_object_new_array();
        const char *items = *(char *const *)field_at(m, f->offset);
        for (size_t j = 0; j < n; j++)
            json_object_array_add(list, value_json(f, items + j * value_size(f)));
        json_object_object_add(obj, f->name, list);
    }
    return obj;
}

/* ------------------------------------------------------------ JSON -> protobuf */

typedef struct {
    char *err;
    size_t errlen;
} json_err;

static bool failed_at(json_err *e, const char *path, const char *what)
{
    snprintf(e->err, e->errlen, "%s %s", path, what);
    return false;
}

static bool whole_in(struct json_object *j, int64_t low, int64_t high, int64_t *out)
{
    if (!json_object_is_type(j, json_type_int))
        return false;
    errno = 0;
    *out = json_object_get_int64(j);
    return errno == 0 && *out >= low && *out <= high;
}

static bool value_from_json(const ProtobufCFieldDescriptor *f, struct json_object *j,
                            void *out, const char *path, json_err *e)
{
    int64_t whole;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        if (!whole_in(j, INT32_MIN, INT32_MAX, &whole))
            return failed_at(e, path, "must be a whole number (32 bits)");
        *(int32_t *)out = (int32_t)whole;
        return true;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        if (!whole_in(j, 0, UINT32_MAX, &whole))
            return failed_at(e, path, "must be a whole number from 0 to 4294967295");
        *(uint32_t *)out = (uint32_t)whole;
        return true;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        if (!whole_in(j, INT64_MIN, INT64_MAX, &whole))
            return failed_at(e, path, "must be a whole number");
        *(int64_t *)out = whole;
        return true;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        if (!json_object_is_type(j, json_type_int) || json_object_get_int64(j) < 0)
            return failed_at(e, path, "must be a whole number, 0 or more");
        *(uint64_t *)out = json_object_get_uint64(j);
        return true;
    case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_object_is_type(j, json_type_double) && !json_object_is_type(j, json_type_int))
            return failed_at(e, path, "must be a number");
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)out = (float)json_object_get_double(j);
        else
            *(double *)out = json_object_get_double(j);
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_object_is_type(j, json_type_boolean))
            return failed_at(e, path, "must be true or false");
        *(protobuf_c_boolean *)out = json_object_get_boolean(j);
        return true;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *v =
            json_object_is_type(j, json_type_string)
                ? protobuf_c_enum_descriptor_get_value_by_name(f->descriptor,
                                                               json_object_get_string(j))
                : NULL;
        if (v == NULL) {
            char what[200];
            const ProtobufCEnumDescriptor *ed = f->descriptor;
            size_t used = (size_t)snprintf(what, sizeof what, "must be one of");
            for (unsigned i = 0; i < ed->n_values && used < sizeof what; i++)
                used += (size_t)snprintf(what + used, sizeof what - used, "%s %s",
                                         i ? "," : "", ed->values[i].name);
            return failed_at(e, path, what);
        }
        *(int *)out = v->value;
        return true;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (!json_object_is_type(j, json_type_string))
            return failed_at(e, path, "must be a string");
        if (strlen(json_object_get_string(j)) != (size_t)json_object_get_string_len(j))
            return failed_at(e, path, "holds a NUL character");
        *(char **)out = util_xstrdup(json_object_get_string(j));
        return true;
    case PROTOBUF_C_TYPE_MESSAGE:
        if (!json_object_is_type(j, json_type_object))
            return failed_at(e, path, "must be an object");
        *(ProtobufCMessage **)out =
            export_message_from_json(f->descriptor, j, path, NULL, e->err, e->errlen);
        return *(ProtobufCMessage **)out != NULL;
    case PROTOBUF_C_TYPE_BYTES:
    default:
        return failed_at(e, path, "has a type the export file does not carry");
    }
}

static bool repeated_from_json(const ProtobufCFieldDescriptor *f, struct json_object *j,
                               ProtobufCMessage *m, const char *path, json_err *e)
{
    if (!json_object_is_type(j, json_type_array))
        return failed_at(e, path, "must be a list");
    size_t n = json_object_array_length(j), size = value_size(f);
    char *items = util_xcalloc(n ? n : 1, size);
    size_t *count = field_at(m, f->quantifier_offset);
    *(char **)field_at(m, f->offset) = items;
    for (size_t i = 0; i < n; i++) {
        char where[256];
        snprintf(where, sizeof where, "%.200s[%zu]", path, i);
        if (!value_from_json(f, json_object_array_get_idx(j, i), items + i * size, where, e))
            return false;
        *count = i + 1;        /* what free_unpacked frees: the values filled */
    }
    return true;
}

static bool skipped(const char *const *skip, const char *key)
{
    for (; skip && *skip; skip++)
        if (strcmp(*skip, key) == 0)
            return true;
    return false;
}

ProtobufCMessage *export_message_from_json(const ProtobufCMessageDescriptor *d,
                                           struct json_object *obj, const char *path,
                                           const char *const *skip, char *err, size_t errlen)
{
    json_err e = {err, errlen};
    ProtobufCMessage *m = util_xcalloc(1, d->sizeof_message);
    d->message_init(m);
    json_object_object_foreach(obj, key, value) {
        char where[256];
        snprintf(where, sizeof where, "%.200s%s%.40s", path, path[0] ? "." : "", key);
        if (skipped(skip, key))
            continue;
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        bool ok;
        if (f == NULL)
            ok = failed_at(&e, where, "is not a field of the export format");
        else if (f->label == PROTOBUF_C_LABEL_REPEATED)
            ok = repeated_from_json(f, value, m, where, &e);
        else if (json_object_is_type(value, json_type_null))
            ok = true;
        else if (field_count(m, f) != 0)
            ok = failed_at(&e, where, "is given twice");
        else if ((ok = value_from_json(f, value, field_at(m, f->offset), where, &e)) &&
                 f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
                 f->type != PROTOBUF_C_TYPE_MESSAGE)
            *(protobuf_c_boolean *)field_at(m, f->quantifier_offset) = 1;
        if (!ok) {
            protobuf_c_message_free_unpacked(m, NULL);
            return NULL;
        }
    }
    return m;
}

/* ------------------------------------------------------------ one period */

static bool names_has(char **names, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Keep the items of a repeated field for which keep() says so; free the rest. */
#define KEEP_ONLY(d, list, keep_expr)                                              \
    do {                                                                           \
        size_t kept_ = 0;                                                          \
        for (size_t i_ = 0; i_ < (d)->n_##list; i_++) {                            \
            __typeof__((d)->list[0]) it = (d)->list[i_];                           \
            if (keep_expr)                                                         \
                (d)->list[kept_++] = it;                                           \
            else                                                                   \
                protobuf_c_message_free_unpacked(&it->base, NULL);                 \
        }                                                                          \
        (d)->n_##list = kept_;                                                     \
    } while (0)

bool export_keep_period(Okr__Dump *d, const char *name, char *err, size_t errlen)
{
    bool found = false;
    for (size_t i = 0; i < d->n_periods; i++)
        found |= d->periods[i]->name && strcmp(d->periods[i]->name, name) == 0;
    if (!found) {
        snprintf(err, errlen, "the file has no period \"%s\"", name);
        return false;
    }
    KEEP_ONLY(d, periods, it->name && strcmp(it->name, name) == 0);
    KEEP_ONLY(d, objectives, it->period && strcmp(it->period, name) == 0);
    size_t n = d->n_objectives + d->n_key_results, n_ids = 0, n_teams = 0;
    char **ids = util_xcalloc(n ? n : 1, sizeof *ids);
    char **teams = util_xcalloc(d->n_teams + 1, sizeof *teams);
    for (size_t i = 0; i < d->n_objectives; i++)
        ids[n_ids++] = d->objectives[i]->id;
    KEEP_ONLY(d, key_results, names_has(ids, d->n_objectives, it->objective));
    for (size_t i = 0; i < d->n_key_results; i++)
        ids[n_ids++] = d->key_results[i]->id;
    KEEP_ONLY(d, alignments, names_has(ids, d->n_objectives, it->child));
    KEEP_ONLY(d, checkins, names_has(ids, n_ids, it->kr));
    /* The teams used, then their parents, until nothing is added. */
    for (size_t i = 0; i < d->n_objectives; i++)
        if (d->objectives[i]->team && !names_has(teams, n_teams, d->objectives[i]->team) &&
            n_teams < d->n_teams)
            teams[n_teams++] = d->objectives[i]->team;
    for (size_t grown = 1; grown;) {
        grown = 0;
        for (size_t i = 0; i < d->n_teams; i++) {
            const Okr__Team *t = d->teams[i];
            if (names_has(teams, n_teams, t->name) && t->parent &&
                !names_has(teams, n_teams, t->parent) && n_teams < d->n_teams) {
                teams[n_teams++] = t->parent;
                grown = 1;
            }
        }
    }
    KEEP_ONLY(d, teams, names_has(teams, n_teams, it->name));
    free(ids);
    free(teams);
    return true;
}

/* ------------------------------------------------------------ export */

static struct json_object *dump_json(const Okr__Dump *d)
{
    struct json_object *doc = json_object_new_object();
    json_object_object_add(doc, "format", json_object_new_string(EXPORT_FORMAT));
    struct json_object *body = export_message_json(&d->base);
    json_object_object_foreach(body, key, value)
        json_object_object_add(doc, key, json_object_get(value));
    json_object_put(body);
    return doc;
}

/* The objective of KR `kr` in d, or NULL. */
static const Okr__Objective *kr_objective(const Okr__Dump *d, const char *kr)
{
    const char *objective = NULL;
    for (size_t i = 0; i < d->n_key_results && !objective; i++)
        if (d->key_results[i]->id && kr && strcmp(d->key_results[i]->id, kr) == 0)
            objective = d->key_results[i]->objective;
    for (size_t i = 0; objective && i < d->n_objectives; i++)
        if (d->objectives[i]->id && strcmp(d->objectives[i]->id, objective) == 0)
            return d->objectives[i];
    return NULL;
}

/* RFC 4180: a header row, fields quoted when they must be, CRLF line ends.
 * Times are UTC (ISO 8601, to the second), values as --json writes them. */
static void write_checkins_csv(FILE *out, const Okr__Dump *d)
{
    fputs("time,kr,objective,period,team,value,confidence,note,author\r\n", out);
    for (size_t i = 0; i < d->n_checkins; i++) {
        const Okr__CheckIn *c = d->checkins[i];
        const Okr__Objective *o = kr_objective(d, c->kr);
        char when[FMT_BUF], value[FMT_BUF], confidence[FMT_BUF] = "";
        struct json_object *v = json_number(c->value);
        snprintf(value, sizeof value, "%s", json_object_to_json_string(v));
        json_object_put(v);
        if (c->has_confidence)
            snprintf(confidence, sizeof confidence, "%.2f", c->confidence);
        const char *fields[] = {fmt_iso_time(c->time, when, sizeof when), c->kr,
                                o ? o->id : NULL, o ? o->period : NULL, o ? o->team : NULL,
                                value, confidence, c->note, c->author};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            if (f)
                fputc(',', out);
            table_csv_field(fields[f] ? fields[f] : "", out);
        }
        fputs("\r\n", out);
    }
}

static int write_dump(okr_client *c, const cmd_request *r, const Okr__Dump *d)
{
    FILE *out = r->file ? fopen(r->file, "w") : c->out;
    if (out == NULL) {
        client_error(c, "export: cannot write %s: %s", r->file, strerror(errno));
        return OKR_EXIT_USAGE;
    }
    if (r->csv) {
        write_checkins_csv(out, d);
    } else {
        struct json_object *doc = dump_json(d);
        fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE), out);
        fputc('\n', out);
        json_object_put(doc);
    }
    bool bad = ferror(out) != 0;
    if (r->file)
        bad |= fclose(out) != 0;
    if (bad) {
        client_error(c, "export: writing %s failed: %s", r->file ? r->file : "the output",
                     strerror(errno));
        return OKR_EXIT_REFUSED;
    }
    return OKR_EXIT_OK;
}

int export_run(okr_client *c, cmd_request *r)
{
    Okr__Response *reply;
    int status = client_call(c, &r->request, &reply);
    if (status != OKR_EXIT_OK)
        return status;
    status = write_dump(c, r, reply->dump);
    okr__response__free_unpacked(reply, NULL);
    return status;
}

/* ------------------------------------------------------------ import */

/* The file's text, NUL-terminated (free it), or NULL after saying why. */
static char *read_file(okr_client *c, const char *path)
{
    FILE *in = fopen(path, "r");
    struct stat st;
    if (in == NULL || fstat(fileno(in), &st) != 0) {
        client_error(c, "import: cannot read %s: %s", path, strerror(errno));
        if (in)
            fclose(in);
        return NULL;
    }
    if (st.st_size > EXPORT_MAX_FILE) {
        client_error(c, "import: %s has %lld bytes, more than the %d an import reads",
                     path, (long long)st.st_size, EXPORT_MAX_FILE);
        fclose(in);
        return NULL;
    }
    char *text = util_xcalloc((size_t)st.st_size + 1, 1);
    size_t n = fread(text, 1, (size_t)st.st_size, in);
    bool bad = ferror(in) != 0;
    fclose(in);
    if (bad) {
        client_error(c, "import: cannot read %s", path);
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

/* The file's text as one JSON object, or NULL after saying why, with the
 * place. json-c parses strictly (RFC 8259: no comments, single quotes or
 * leading zeros, nothing but white space after the object: a second
 * document glued on is refused, not ignored). */
static struct json_object *parse_object(okr_client *c, const char *path, const char *text)
{
    struct json_tokener *tok = json_tokener_new();
    if (tok == NULL) {
        client_error(c, "import: out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    size_t len = strlen(text) + 1;                  /* the NUL ends the input */
    struct json_object *doc = len <= INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    enum json_tokener_error jerr = len <= INT32_MAX ? json_tokener_get_error(tok)
                                                    : json_tokener_error_size;
    size_t end = json_tokener_get_parse_end(tok), line = 1, column = 1;
    json_tokener_free(tok);
    if (jerr == json_tokener_success && json_object_is_type(doc, json_type_object))
        return doc;
    for (size_t i = 0; i < end && text[i]; i++, column++)
        if (text[i] == '\n')
            line++, column = 0;
    if (jerr == json_tokener_success)
        client_error(c, "import: %s is not a JSON object (its top level is a JSON %s)", path,
                     json_type_to_name(json_object_get_type(doc)));
    else
        client_error(c, "import: %s is not a JSON object: %s at line %zu, column %zu", path,
                     json_tokener_error_desc(jerr), line, column);
    json_object_put(doc);
    return NULL;
}

/* The Dump of an export file, or NULL after saying why. */
static Okr__Dump *load_dump(okr_client *c, const char *path)
{
    char *text = read_file(c, path);
    if (text == NULL)
        return NULL;
    struct json_object *doc = parse_object(c, path, text);
    free(text);
    if (doc == NULL)
        return NULL;
    struct json_object *format = NULL, *version = NULL;
    json_object_object_get_ex(doc, "format", &format);
    json_object_object_get_ex(doc, "version", &version);
    if (format == NULL || strcmp(json_object_get_string(format), EXPORT_FORMAT) != 0 ||
        version == NULL || !json_object_is_type(version, json_type_int) ||
        json_object_get_int64(version) != EXPORT_VERSION) {
        client_error(c, "import: %s is not an okr export of version %d (\"format\": \"%s\", "
                        "\"version\": %d)", path, EXPORT_VERSION, EXPORT_FORMAT, EXPORT_VERSION);
        json_object_put(doc);
        return NULL;
    }
    char err[512];
    static const char *const skip[] = {"format", NULL};
    ProtobufCMessage *m = export_message_from_json(&okr__dump__descriptor, doc, "", skip, err,
                                                   sizeof err);
    json_object_put(doc);
    if (m == NULL)
        client_error(c, "import: %s: %s", path, err);
    return (Okr__Dump *)m;
}

static void show_imported(const okr_client *c, const Okr__ImportReply *r)
{
    if (c->json) {
        struct json_object *doc = export_message_json(&r->base);
        json_print(c->out, doc);
        json_object_put(doc);
        return;
    }
    fprintf(c->out, "imported %u periods, %u teams, %u objectives, %u key results, "
                    "%u alignments, %u check-ins (seq %llu)\n",
            r->periods, r->teams, r->objectives, r->key_results, r->alignments, r->checkins,
            r->changed ? (unsigned long long)r->changed->seq : 0ULL);
    for (size_t i = 0; i < r->n_ids; i++)
        if (strcmp(r->ids[i]->from, r->ids[i]->to) != 0)
            fprintf(c->out, "%s -> %s\n", r->ids[i]->from, r->ids[i]->to);
}

/* A Dump too big for one request, as a staged import: its packed bytes in
 * parts of OKR_IMPORT_PART_BYTES, in order, each answered before the next
 * (a lost answer is retried under the same request id, which okrd answers
 * again); the part that completes it is answered like a one-request import.
 * On OKR_EXIT_OK *out is that last answer. */
static int send_staged(okr_client *c, cmd_request *r, const Okr__Dump *d, Okr__Response **out)
{
    size_t total = okr__dump__get_packed_size(d);
    uint8_t *bytes = util_xcalloc(total ? total : 1, 1);
    okr__dump__pack(d, bytes);
    Okr__Import *in = &r->body.import_data;
    in->dump = NULL;
    in->has_total_bytes = in->has_offset = in->has_chunk = true;
    in->total_bytes = total;
    size_t parts = (total + OKR_IMPORT_PART_BYTES - 1) / OKR_IMPORT_PART_BYTES;
    int status = OKR_EXIT_OK;
    *out = NULL;
    for (size_t i = 0, offset = 0; i < parts && status == OKR_EXIT_OK; i++) {
        size_t len = total - offset < OKR_IMPORT_PART_BYTES ? total - offset
                                                            : OKR_IMPORT_PART_BYTES;
        in->offset = offset;
        in->chunk.data = bytes + offset;
        in->chunk.len = len;
        Okr__Response *reply;
        status = client_call(c, &r->request, &reply);
        if (status != OKR_EXIT_OK)
            break;
        offset += len;
        if (r->verbose)
            fprintf(c->err, "okr: import: part %zu of %zu sent, %zu of %zu bytes held\n",
                    i + 1, parts, offset, total);
        if (offset == total) {
            *out = reply;
            break;
        }
        in->has_staging = true;
        in->staging = reply->imported->staging;
        okr__response__free_unpacked(reply, NULL);
    }
    free(bytes);
    return status;
}

int import_run(okr_client *c, cmd_request *r)
{
    char err[256];
    Okr__Dump *d = load_dump(c, r->file);
    if (d == NULL)
        return OKR_EXIT_USAGE;
    if (r->import_period && !export_keep_period(d, r->import_period, err, sizeof err)) {
        client_error(c, "import: %s: %s", r->file, err);
        okr__dump__free_unpacked(d, NULL);
        return OKR_EXIT_USAGE;
    }
    r->body.import_data.dump = d;
    r->request.user = c->user[0] ? c->user : NULL;
    size_t size = protobuf_c_message_get_packed_size(&r->request.base) + 16;   /* + version, id */
    size_t packed = okr__dump__get_packed_size(d);
    if (size > OKR_MAX_REQUEST_FRAME && packed > OKR_MAX_IMPORT_BYTES) {
        client_error(c, "import: %s packs to %zu bytes, more than the %d bytes okrd holds for "
                        "one import: nothing was sent; import one period at a time (--period "
                        "P), or see docs/operations.md", r->file, packed, OKR_MAX_IMPORT_BYTES);
        okr__dump__free_unpacked(d, NULL);
        return OKR_EXIT_USAGE;
    }
    Okr__Response *reply;
    int status = size <= OKR_MAX_REQUEST_FRAME ? client_call(c, &r->request, &reply)
                                               : send_staged(c, r, d, &reply);
    r->body.import_data.dump = NULL;
    okr__dump__free_unpacked(d, NULL);
    if (status != OKR_EXIT_OK)
        return status;
    show_imported(c, reply->imported);
    okr__response__free_unpacked(reply, NULL);
    return OKR_EXIT_OK;
}
