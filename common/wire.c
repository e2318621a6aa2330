/* wire.c — framing of protobuf messages into single ZeroMQ frames. */
#include "wire.h"

#include <errno.h>

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

Okr__Request *wire_unpack_request(ProtobufCAllocator *alloc, size_t len, const uint8_t *data)
{
    Okr__Request *req = okr__request__unpack(alloc, len, data);
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
