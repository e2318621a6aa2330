/* wire.c — framing of protobuf messages into single ZeroMQ frames, and the
 * decoding of a request frame as okrd understands it (the raw walk below
 * refuses what protobuf-c would silently change). */
#include "wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int wire_send(void *socket, const ProtobufCMessage *msg, int flags)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    zmq_msg_t frame;
    if (zmq_msg_init_size(&frame, len) != 0)
        return -1;
    protobuf_c_message_pack(msg, zmq_msg_data(&frame));
    if (zmq_msg_send(&frame, socket, flags) < 0) {
        int saved = errno;
        zmq_msg_close(&frame);
        errno = saved;
        return -1;
    }
    return 0;
}

/* Whether a singular message field is set (oneof members by their case). */
static ProtobufCMessage *sub_message(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    char *base = (char *)msg;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
        *(uint32_t *)(base + f->quantifier_offset) != f->id)
        return NULL;
    return *(ProtobufCMessage **)(base + f->offset);
}

void wire_strip_unknown(ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    if (msg->n_unknown_fields) {
        msg->n_unknown_fields = 0;
        msg->unknown_fields = NULL;       /* allocator-owned: freed with the message */
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)msg + f->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***)((char *)msg + f->offset);
            for (size_t k = 0; k < n; k++)
                wire_strip_unknown(items[k]);
        } else {
            ProtobufCMessage *sub = sub_message(msg, f);
            if (sub)
                wire_strip_unknown(sub);
        }
    }
}

/* ------------------------------------------------------------ the raw walk
 *
 * protobuf-c hands string fields over as NUL-terminated char * (a NUL inside
 * silently cuts the text) and stores a varint in a 32-bit field by dropping
 * its high bits (weight 2^32+1 becomes 1). Both facts are lost after unpack,
 * so before it one walk over the raw bytes, led by the message descriptors,
 * looks at every field this build knows, in sub-messages too. Unknown fields
 * are only skipped (wire_strip_unknown drops them), even odd ones protobuf-c
 * takes (a field number 0 in an overlong tag). Framing the walk cannot
 * follow (a tag over 5 bytes, a length past the end, a group) protobuf-c
 * refuses too; the walk refuses it first, so nothing is waved through half
 * checked. */

#define WALK_MAX_DEPTH 16                  /* the schema nests 4 deep */

typedef struct {
    ProtobufCAllocator *alloc;
    char path[256];                        /* "kr_add.kr.weight" */
    size_t path_len;
    char *why;                             /* the first finding */
} walk;

static bool walk_fail(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool walk_fail(walk *w, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof buf ? sizeof buf - 1 : (size_t)n;
    w->why = w->alloc->alloc(w->alloc->allocator_data, len + 1);
    if (w->why) {
        memcpy(w->why, buf, len);
        w->why[len] = '\0';
    }
    return false;
}

static bool walk_malformed(walk *w, const char *what, size_t at)
{
    return walk_fail(w, "malformed request: the frame is not an okr.Request message (%s at "
                        "byte %zu)", what, at + 1);
}

/* A varint at p (len bytes left): its value and size. false when it does not
 * end within 10 bytes or the data; *wide when it has more than 64 bits. */
static bool read_varint(const uint8_t *p, size_t len, uint64_t *value, size_t *size, bool *wide)
{
    uint64_t v = 0;
    *wide = false;
    for (size_t i = 0; i < len && i < 10; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (i == 9 && (p[i] & 0x7e))
            *wide = true;
        if (!(p[i] & 0x80)) {
            *value = v;
            *size = i + 1;
            return true;
        }
    }
    return false;
}

/* Append ".name" (or "name" at the top) to the path; *saved restores it. */
static void path_push(walk *w, const char *name, size_t *saved)
{
    *saved = w->path_len;
    size_t room = sizeof w->path - 1 - w->path_len;
    size_t dot = w->path_len ? 1 : 0, n = strlen(name);
    if (dot + n > room)
        return;                                /* cannot happen: the schema nests 4 deep */
    if (dot)
        w->path[w->path_len] = '.';
    memcpy(w->path + w->path_len + dot, name, n + 1);
    w->path_len += dot + n;
}

static void path_pop(walk *w, size_t saved)
{
    w->path_len = saved;
    w->path[saved] = '\0';
}

static bool is_varint_type(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
           t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_ENUM ||
           t == PROTOBUF_C_TYPE_INT64 || t == PROTOBUF_C_TYPE_SINT64 ||
           t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_BOOL;
}

/* A varint for field f (w->path names it): does it fit the field's type? */
static bool check_varint(walk *w, const ProtobufCFieldDescriptor *f, uint64_t v, bool wide)
{
    if (wide)
        return walk_fail(w, "%s is a number of more than 64 bits", w->path);
    switch (f->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_SINT32:
        if (v > UINT32_MAX)
            return walk_fail(w, "%s is %" PRIu64 ", which does not fit its 32-bit field "
                                "(at most %" PRIu32 ")", w->path, v, UINT32_MAX);
        return true;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_ENUM:
        if ((int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX)
            return walk_fail(w, "%s is %" PRId64 ", which does not fit its 32-bit field "
                                "(%" PRId32 " to %" PRId32 ")", w->path, (int64_t)v, INT32_MIN,
                             INT32_MAX);
        return true;
    default:
        return true;
    }
}

static bool walk_message(walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *data,
                         size_t len, size_t base, unsigned depth);

/* The payload of a length-delimited field f at frame offset `at`. */
static bool check_delimited(walk *w, const ProtobufCFieldDescriptor *f, const uint8_t *p,
                            size_t len, size_t at, unsigned depth)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        const uint8_t *nul = memchr(p, 0, len);
        if (nul)
            return walk_fail(w, "%s holds a NUL byte (byte %zu of the text); text cannot "
                                "contain NUL", w->path, (size_t)(nul - p) + 1);
        return true;
    }
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (depth >= WALK_MAX_DEPTH)
            return walk_malformed(w, "messages nested too deep", at);
        return walk_message(w, f->descriptor, p, len, at, depth + 1);
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED && is_varint_type(f->type)) {
        for (size_t i = 0; i < len;) {            /* packed repeated varints */
            uint64_t v;
            size_t n;
            bool wide;
            if (!read_varint(p + i, len - i, &v, &n, &wide))
                return walk_malformed(w, "a bad packed number", at + i);
            if (!check_varint(w, f, v, wide))
                return false;
            i += n;
        }
    }
    return true;
}

/* One field's value at data[*i] of wire type `type`; advances *i. */
static bool walk_value(walk *w, const ProtobufCFieldDescriptor *f, unsigned type,
                       const uint8_t *data, size_t len, size_t *i, size_t base, unsigned depth)
{
    uint64_t v;
    size_t n;
    bool wide;
    switch (type) {
    case 0:                                        /* varint */
        if (!read_varint(data + *i, len - *i, &v, &n, &wide))
            return walk_malformed(w, "a bad number", base + *i);
        *i += n;
        return f == NULL || !is_varint_type(f->type) || check_varint(w, f, v, wide);
    case 1:                                        /* 64-bit */
    case 5:                                        /* 32-bit */
        n = type == 1 ? 8 : 4;
        if (len - *i < n)
            return walk_malformed(w, "a cut fixed-size field", base + *i);
        *i += n;
        return true;
    case 2:                                        /* length-delimited */
        if (!read_varint(data + *i, len - *i, &v, &n, &wide) || v > len - *i - n)
            return walk_malformed(w, "a bad length", base + *i);
        *i += n;
        size_t at = *i;
        *i += (size_t)v;
        return f == NULL || check_delimited(w, f, data + at, (size_t)v, base + at, depth);
    default:                                       /* groups: protobuf-c has none */
        return walk_malformed(w, "an unsupported wire type", base + *i);
    }
}

/* Every field of one message of type d in data[0..len) (at frame offset base). */
static bool walk_message(walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *data,
                         size_t len, size_t base, unsigned depth)
{
    size_t i = 0;
    while (i < len) {
        uint64_t key;
        size_t n;
        bool wide;
        if (!read_varint(data + i, len - i, &key, &n, &wide) || n > 5)
            return walk_malformed(w, "a bad field tag", base + i);
        i += n;
        uint64_t number = key >> 3;      /* 0 and > 2^29-1 are nobody's: skipped */
        const ProtobufCFieldDescriptor *f =
            number <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)number)
                                 : NULL;
        size_t saved = 0;
        if (f)
            path_push(w, f->name, &saved);
        bool ok = walk_value(w, f, (unsigned)(key & 7), data, len, &i, base, depth);
        if (f)
            path_pop(w, saved);
        if (!ok)
            return false;
    }
    return true;
}

/* A request refused after unpack keeps only what its reply echoes. */
static Okr__Request *bare_request(ProtobufCAllocator *alloc, Okr__Request *full)
{
    Okr__Request *bare = alloc->alloc(alloc->allocator_data, sizeof *bare);
    if (bare) {
        okr__request__init(bare);
        bare->has_version = full->has_version;
        bare->version = full->version;
        bare->has_request_id = full->has_request_id;
        bare->request_id = full->request_id;
    }
    okr__request__free_unpacked(full, alloc);
    return bare;
}

Okr__Request *wire_unpack_request(ProtobufCAllocator *alloc, size_t len, const uint8_t *data,
                                  const char **why)
{
    walk w = {.alloc = alloc};
    bool clean = walk_message(&w, &okr__request__descriptor, data, len, 0, 0);
    Okr__Request *req = okr__request__unpack(alloc, len, data);
    *why = NULL;
    if (!clean) {
        *why = w.why ? w.why : "malformed request: the frame is not an okr.Request message";
        return req ? bare_request(alloc, req) : NULL;
    }
    if (req)
        wire_strip_unknown(&req->base);
    return req;
}

const char *wire_error_name(Okr__ErrorCode code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&okr__error_code__descriptor, (int)code);
    return v ? v->name : "UNKNOWN";
}
