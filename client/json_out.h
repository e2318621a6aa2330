/* json_out.h — the --json documents, built with json-c from the replies.
 *
 * One JSON value per command (docs/cli.md lists the shapes). Scores and
 * fractions are numbers written with exactly six decimals ("0.433333");
 * KR values are plain JSON numbers; times are ISO 8601 UTC strings; strings
 * the server left unset are "". Builders return a new object that the caller
 * releases with json_object_put(); only json_print writes. */
#ifndef OKR_CLIENT_JSON_OUT_H
#define OKR_CLIENT_JSON_OUT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "okr.pb-c.h"

/* A score in millionths as a number with six decimals: 433333 -> 0.433333. */
struct json_object *json_score(int64_t millionths);

/* A plain number written in the fewest digits that read back exactly
 * (0.2, not 0.20000000000000001). */
struct json_object *json_number(double value);

/* Any protobuf message as a JSON object: each field that is set, by its
 * .proto name; enums by lower-case name ("committed"), bytes as hex, nested
 * messages as objects. */
struct json_object *json_message(const ProtobufCMessage *m);

/* A fraction (confidence) as a number with six decimals. */
struct json_object *json_fraction(double value);

/* {"id","seq","scores":[{"node","old","new"}]} */
struct json_object *json_changed(const Okr__Changed *changed);

/* {"id","title","description","period","team","owner","type","archived",
 *  "score","expected","health","grade"|null,"confidence"|null} */
struct json_object *json_objective(const Okr__Objective *o);

/* {"id","objective","title","kind","start","target","current","unit",
 *  "weight","owner","direction" (threshold only),"confidence"|null,
 *  "checkins","updated_at"|null,"score","attainment","health"} */
struct json_object *json_kr(const Okr__KeyResult *kr);

/* One event, the line of `okr --json watch` and `okr --json log`:
 * {"seq","time","actor","subject","change":{"type":"checkin",...the request
 * body's fields},"scores":[{"node","old","new"}],"nodes":[...]}; "change"
 * is null when the event carries none. */
struct json_object *json_event(const Okr__Event *ev);

/* The document for a successful reply, by its body; NULL when the reply
 * has no body. */
struct json_object *json_reply(const Okr__Response *reply);

/* {"error":{"code":"NOT_FOUND","message":"..."}} */
struct json_object *json_error(const char *code, const char *message);

/* Write doc compactly on one line, then a newline. Returns 0, or -1 when
 * doc is NULL or the write failed. */
int json_print(FILE *out, struct json_object *doc);

#endif
