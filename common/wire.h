/* wire.h — one protobuf message per ZeroMQ frame, on both sides.
 *
 * Owns the framing rules of docs/protocol.md: a frame holds exactly one
 * serialized message, packed straight into the zmq_msg buffer (no extra
 * copy). Also maps error codes to their names. Never interprets bodies. */
#ifndef OKR_WIRE_H
#define OKR_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "okr.pb-c.h"

#define OKR_PROTOCOL_VERSION OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1

/* Pack msg into one frame and send it with flags (ZMQ_SNDMORE, ZMQ_DONTWAIT).
 * Returns 0, or -1 with errno from zmq_msg_send. */
int wire_send(void *socket, const ProtobufCMessage *msg, int flags);

/* Drop the fields this build does not know from msg and every message in
 * it. What the server records (the event log) is then exactly what it
 * understood; and protobuf-c can re-pack some unknown fields into bytes its
 * own unpack refuses (a field 0 tag in overlong form: found by fuzzing). */
void wire_strip_unknown(ProtobufCMessage *msg);

/* Decode one request frame as the server understands it: unpack with the
 * allocator, then wire_strip_unknown. NULL when the bytes are not a Request.
 * okrd's batch.c and the fuzz harness both decode through this. */
Okr__Request *wire_unpack_request(ProtobufCAllocator *alloc, size_t len, const uint8_t *data);

/* The enum name of an error code ("NOT_FOUND"), or "UNKNOWN". */
const char *wire_error_name(Okr__ErrorCode code);

#endif
