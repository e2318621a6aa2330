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

const char *wire_error_name(Okr__ErrorCode code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&okr__error_code__descriptor, (int)code);
    return v ? v->name : "UNKNOWN";
}
