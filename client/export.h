/* export.h — `okr export` and `okr import`: the export file (JSON, through
 * json-c) and the check-in CSV, converted from and to the protocol's Dump.
 *
 * The file is {"format": "okr-export", "version": 1, ...} followed by the
 * fields of okr.Dump under their .proto names (periods, teams, objectives,
 * key_results, alignments, checkins), each record's fields under their
 * .proto names too, enums by value name ("COMMITTED"), times as Unix
 * microseconds. The converter walks protobuf-c's descriptors, so a field
 * added to a record in the .proto is exported and imported with no code
 * here. docs/operations.md, "Export and import", is the reference. */
#ifndef OKR_CLIENT_EXPORT_H
#define OKR_CLIENT_EXPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "cmd.h"

#define EXPORT_FORMAT "okr-export"
#define EXPORT_VERSION 1
#define EXPORT_MAX_FILE OKR_MAX_RESPONSE_FRAME   /* bytes of a file import reads */

/* Ask for the Dump (r->body.export: the period or none) and write it to
 * r->file (NULL: c->out) as the JSON document, or as CSV when r->csv is
 * "checkins". Returns an OKR_EXIT_* status, after saying what failed. */
int export_run(okr_client *c, cmd_request *r);

/* Read the file r->file, keep only period r->period when given, send it as
 * one Import and print what was added and the ids it got. */
int import_run(okr_client *c, cmd_request *r);

/* A message as a JSON object: every field that is set, in field-number
 * order. The caller puts the object. */
struct json_object *export_message_json(const ProtobufCMessage *m);

/* A message of type d from a JSON object (heap-allocated: free it with
 * protobuf_c_message_free_unpacked(m, NULL)). NULL with a sentence in err
 * naming the place ("objectives[2].title") for an unknown field or a value
 * of the wrong type. Keys listed in `skip` (NULL-terminated, may be NULL)
 * are left out. */
ProtobufCMessage *export_message_from_json(const ProtobufCMessageDescriptor *d,
                                           struct json_object *obj, const char *path,
                                           const char *const *skip, char *err, size_t errlen);

/* Keep only what belongs to period `name` in d: the period, its objectives,
 * their KRs, their alignments and check-ins, and the teams they use with
 * those teams' parents. False, with a sentence in err, when d has no such
 * period. */
bool export_keep_period(Okr__Dump *d, const char *name, char *err, size_t errlen);

#endif
