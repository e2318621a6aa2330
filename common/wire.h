/* wire.h — one protobuf message per ZeroMQ frame, on both sides.
 *
 * Owns the framing rules of docs/protocol.md: a frame holds exactly one
 * serialized message, packed straight into the zmq_msg buffer (no extra
 * copy). Decodes request frames strictly (wire_unpack_request). Also maps
 * error codes to their names. Never interprets bodies beyond their types. */
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

/* Decode one request frame as the server understands it. First a walk
 * over the raw bytes, led by the descriptors, refuses what unpack would
 * silently change: a NUL byte inside any string field (protobuf-c's char *
 * would cut the text there), a varint that does not fit its 32-bit field
 * (uint32, int32, enum, sint32: protobuf-c keeps the low bits) or has more
 * than 64 bits. Fields this build does not know are skipped. Then unpack
 * with alloc (not NULL), then wire_strip_unknown.
 *
 * *why is NULL when the request may run. Otherwise it is a sentence for
 * the INVALID_ARGUMENT reply (naming the field, e.g. "kr_add.kr.weight is
 * 4294967297, which does not fit its 32-bit field ..."; allocated with
 * alloc), and the result is NULL, or, when the bytes did unpack, a bare
 * Request holding only version and request_id, so the refusal can echo the
 * id: it must not be run. NULL with *why NULL: the bytes are not a Request.
 * okrd's batch.c and the fuzz harness both decode through this. */
Okr__Request *wire_unpack_request(ProtobufCAllocator *alloc, size_t len, const uint8_t *data,
                                  const char **why);

/* The enum name of an error code ("NOT_FOUND"), or "UNKNOWN". */
const char *wire_error_name(Okr__ErrorCode code);

#endif
