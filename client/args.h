/* args.h — validation of the values users type, before anything is sent.
 *
 * Each validator checks one value and, when it is wrong, writes a sentence
 * naming the value into an args_error and returns false, so command builders
 * read as a straight chain of checks. The server checks everything again;
 * these only give an early, friendly error (exit 2, nothing sent).
 * Pure functions: no I/O, no allocation. */
#ifndef OKR_CLIENT_ARGS_H
#define OKR_CLIENT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "okr.pb-c.h"

/* The sentence explaining why a value (or a command line) was refused. */
typedef struct {
    char msg[256];
} args_error;

/* Which node kinds args_id accepts. */
enum { ARGS_OBJECTIVE = 1, ARGS_KR = 2 };

/* Format a message into e (printf-style). Always returns false, so callers
 * can write `return args_fail(e, ...)`. e may be NULL. */
bool args_fail(args_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A decimal number: strtod must consume the whole text (no leading blanks),
 * the result must be finite and within +-OKR_MAX_ABS_VALUE. Rejects "",
 * "12abc", "nan", "inf", "1e999". `what` names the value in the message
 * ("--from", "VALUE"). */
bool args_number(const char *what, const char *text, double *out, args_error *e);

/* A whole number written with digits only (no sign, no blanks) in min..max. */
bool args_whole(const char *what, const char *text, uint32_t min, uint32_t max,
                uint32_t *out, args_error *e);

/* An alignment or KR weight: a whole number 1..OKR_MAX_WEIGHT. */
bool args_weight(const char *what, const char *text, uint32_t *out, args_error *e);

/* A confidence: a number 0..1 inclusive. */
bool args_confidence(const char *text, double *out, args_error *e);

/* A check-in value: `done`, `yes` (1), `not-done`, `no` (0), case-insensitive,
 * or any number accepted by args_number. */
bool args_checkin_value(const char *text, double *out, args_error *e);

/* A calendar date "YYYY-MM-DD" (see text_parse_date); *days gets days since
 * 1970-01-01. */
bool args_date(const char *what, const char *text, int64_t *days, args_error *e);

/* Free text: valid UTF-8 without control characters, at most max bytes, and
 * not empty unless may_be_empty. */
bool args_text(const char *what, const char *text, size_t max, bool may_be_empty,
               args_error *e);

/* A node id ("O12", "k40") of one of the `kinds` (ARGS_OBJECTIVE | ARGS_KR).
 * Writes its canonical form ("K40") into buf, which holds OKR_ID_BUF bytes. */
bool args_id(const char *what, const char *text, unsigned kinds, char *buf, args_error *e);

/* An "ID[:WEIGHT]" alignment target as given to --align-to: the id (objective
 * or KR) goes canonical into id_buf (OKR_ID_BUF bytes); *has_weight says
 * whether a weight was given and *weight holds it. */
bool args_align_target(const char *text, char *id_buf, bool *has_weight, uint32_t *weight,
                       args_error *e);

/* A KR kind: metric, threshold, milestone or rollup (also "roll-up"). */
bool args_kr_kind(const char *text, Okr__KrKind *out, args_error *e);

#endif
