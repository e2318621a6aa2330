/* request.c — error recording and field validators for handlers. Reads the
 * store to resolve ids; never writes it. */
#include "request.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "okr_limits.h"
#include "text.h"

bool request_fail(request *rq, Okr__ErrorCode code, const char *fmt, ...)
{
    if (rq->code != OKR__ERROR_CODE__OK)
        return false;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rq->code = code;
    rq->message = arena_strdup(rq->mem, buf);
    return false;
}

bool request_ok(const request *rq)
{
    return rq->code == OKR__ERROR_CODE__OK && rq->txn->rc == 0;
}

const char *request_id(request *rq, okr_node node)
{
    char buf[OKR_ID_BUF];
    return arena_strdup(rq->mem, okr_id_format(node, buf));
}

void request_touch_name(request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_touched; i++)
        if (strcmp(rq->touched[i], name) == 0)
            return;
    if (rq->n_touched == rq->cap_touched) {
        size_t cap = rq->cap_touched ? rq->cap_touched * 2 : 8;
        const char **grown = arena_alloc(rq->mem, cap * sizeof *grown);
        if (rq->n_touched)
            memcpy(grown, rq->touched, rq->n_touched * sizeof *grown);
        rq->touched = grown;
        rq->cap_touched = cap;
    }
    rq->touched[rq->n_touched++] = name;
}

void request_touch(request *rq, okr_node node)
{
    request_touch_name(rq, request_id(rq, node));
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return false;
    return true;
}

/* The sentence for a text that breaks a rule of text_check. */
static bool refuse_text(request *rq, const char *field, text_problem p, size_t at, unsigned cp,
                        bool lines)
{
    const Okr__ErrorCode bad = OKR__ERROR_CODE__INVALID_ARGUMENT;
    if (p == TEXT_NOT_UTF8)
        return request_fail(rq, bad, "%s is not valid UTF-8 (byte %zu, 0x%02x)", field, at + 1,
                            cp);
    if (p == TEXT_CONTROL && cp == '\t')
        return request_fail(rq, bad, "%s holds a tab (byte %zu); use spaces", field, at + 1);
    if (p == TEXT_CONTROL && (cp == '\n' || cp == '\r'))
        return request_fail(rq, bad, lines ? "%s holds a carriage return (byte %zu); end lines "
                                             "with a line feed alone"
                                           : "%s holds a line break (byte %zu); it must be one "
                                             "line (only a description or a note may have more)",
                            field, at + 1);
    if (p == TEXT_CONTROL)
        return request_fail(rq, bad, "%s holds the control character U+%04X (byte %zu)", field,
                            cp, at + 1);
    return request_fail(rq, bad, "%s holds the invisible formatting character U+%04X "
                                 "(byte %zu), which can hide or reorder text", field, cp, at + 1);
}

static bool check_text(request *rq, const char *field, const char *value, size_t max,
                       bool required, bool lines)
{
    if (value == NULL || value[0] == '\0') {
        if (required)
            return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s is required", field);
        return true;
    }
    size_t len = strlen(value);
    if (len > max)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is %zu bytes long; the limit is %zu", field, len, max);
    size_t at;
    unsigned cp;
    text_problem p = text_check(value, len, lines, &at, &cp);
    if (p != TEXT_OK)
        return refuse_text(rq, field, p, at, cp, lines);
    if (required && blank(value))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s is blank", field);
    return true;
}

bool need_text(request *rq, const char *field, const char *value, size_t max, bool required)
{
    return check_text(rq, field, value, max, required, false);
}

bool need_lines(request *rq, const char *field, const char *value, size_t max)
{
    return check_text(rq, field, value, max, false, true);
}

bool need_name(request *rq, const char *field, const char *value, size_t max, bool required)
{
    if (!need_text(rq, field, value, max, required))
        return false;
    if (value && value[0]) {
        size_t len = strlen(value);
        if (value[0] == ' ' || value[len - 1] == ' ')
            return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                "%s \"%s\" has leading or trailing spaces", field, value);
    }
    return true;
}

bool need_user(request *rq, const char *user)
{
    return need_name(rq, "user", user, OKR_MAX_NAME, false);
}

bool need_number(request *rq, const char *field, bool has, double value)
{
    if (!has)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s is required", field);
    if (!isfinite(value))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s must be a finite number, not %g", field, value);
    if (fabs(value) > OKR_MAX_ABS_VALUE)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s %g is out of range (at most %g in size)", field, value,
                            OKR_MAX_ABS_VALUE);
    return true;
}

bool need_confidence(request *rq, const char *field, bool has, double value)
{
    if (!has)
        return true;
    if (!isfinite(value) || value < 0 || value > 1)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s must be between 0 and 1, not %g", field, value);
    return true;
}

bool need_weight(request *rq, const char *field, bool has, uint32_t value, uint32_t *out)
{
    if (!has) {
        *out = 1;
        return true;
    }
    if (value < 1 || value > OKR_MAX_WEIGHT)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s must be a whole number from 1 to %d, not %u", field,
                            OKR_MAX_WEIGHT, value);
    *out = value;
    return true;
}

bool need_date(request *rq, const char *field, const char *value, int64_t *days)
{
    if (value == NULL || value[0] == '\0')
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is required (YYYY-MM-DD)", field);
    if (!need_text(rq, field, value, 32, true))
        return false;
    if (!text_parse_date(value, days))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s \"%s\" is not a date (YYYY-MM-DD)", field, value);
    return true;
}

bool need_node_id(request *rq, const char *field, const char *text, okr_node *out)
{
    if (text == NULL || text[0] == '\0')
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT, "%s is required", field);
    if (!need_text(rq, field, text, OKR_ID_BUF, true))
        return false;
    if (!okr_id_parse(text, out))
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s \"%s\" is not an id like O12 or K40", field, text);
    return true;
}

Okr__Objective *need_objective(request *rq, const char *field, const char *text, okr_node *out)
{
    if (!need_node_id(rq, field, text, out))
        return NULL;
    if (okr_node_is_kr(*out)) {
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "%s %s is a key result; an objective (O...) is needed here", field, text);
        return NULL;
    }
    Okr__Objective *o = store_get_objective(rq->txn, *out);
    if (o == NULL)
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no objective %s", request_id(rq, *out));
    return o;
}

Okr__KeyResult *need_kr(request *rq, const char *field, const char *text, okr_node *out)
{
    if (!need_node_id(rq, field, text, out))
        return NULL;
    if (!okr_node_is_kr(*out)) {
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "%s %s is an objective; a key result (K...) is needed here", field, text);
        return NULL;
    }
    Okr__KeyResult *kr = store_get_kr(rq->txn, *out);
    if (kr == NULL)
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no key result %s", request_id(rq, *out));
    return kr;
}

Okr__Team *need_team(request *rq, const char *name)
{
    if (!need_name(rq, "team", name, OKR_MAX_NAME, true))
        return NULL;
    Okr__Team *t = store_get_team(rq->txn, name);
    if (t == NULL)
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND,
                     "no team \"%s\" (create it with: okr team add %s)", name, name);
    return t;
}

Okr__Period *need_period(request *rq, const char *name)
{
    if (!need_name(rq, "period", name, OKR_MAX_NAME, true))
        return NULL;
    Okr__Period *p = store_get_period(rq->txn, name);
    if (p == NULL)
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no period \"%s\"", name);
    return p;
}

bool need_open(request *rq, const Okr__Objective *o)
{
    Okr__Period *p = store_get_period(rq->txn, o->period);
    if (p == NULL)
        return request_fail(rq, OKR__ERROR_CODE__INTERNAL, "objective %s has no period record",
                            o->id);
    if (p->closed)
        return request_fail(rq, OKR__ERROR_CODE__PERIOD_CLOSED,
                            "period %s of objective %s is closed", o->period, o->id);
    return true;
}

okr_node need_next_id(request *rq, bool kr)
{
    okr_node id = store_next_id(rq->txn, kr);
    if (id == 0 && rq->txn->rc == EOVERFLOW)
        request_fail(rq, OKR__ERROR_CODE__RESOURCE_EXHAUSTED,
                     "no more %s ids: all %u (%c1 to %c%u) have been handed out",
                     kr ? "key result" : "objective", OKR_NODE_MAX_NUM, kr ? 'K' : 'O',
                     kr ? 'K' : 'O', OKR_NODE_MAX_NUM);
    return id;
}
