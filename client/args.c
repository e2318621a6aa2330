/* args.c — checks of user-typed values (see args.h). Never does I/O. */
#include "args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "okr_limits.h"
#include "text.h"

/* How much of a bad value is echoed back in a message. */
#define ECHO "%.40s"

bool args_fail(args_error *e, const char *fmt, ...)
{
    if (e != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool args_number(const char *what, const char *text, double *out, args_error *e)
{
    if (text[0] == '\0' || is_blank(text[0]))
        return args_fail(e, "%s: '" ECHO "' is not a number", what, text);
    char *end;
    double v = strtod(text, &end);   /* overflow gives HUGE_VAL: caught below */
    if (*end != '\0' || isnan(v))
        return args_fail(e, "%s: '" ECHO "' is not a number", what, text);
    if (!isfinite(v) || fabs(v) > OKR_MAX_ABS_VALUE)
        return args_fail(e, "%s: '" ECHO "' is out of range (at most %g in size)", what,
                         text, OKR_MAX_ABS_VALUE);
    *out = v;
    return true;
}

bool args_whole(const char *what, const char *text, uint32_t min, uint32_t max,
                uint32_t *out, args_error *e)
{
    uint64_t v = 0;
    const char *p = text;
    if (*p == '\0')
        return args_fail(e, "%s: a whole number is required", what);
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return args_fail(e, "%s: '" ECHO "' is not a whole number", what, text);
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            break;
    }
    if (v < min || v > max)
        return args_fail(e, "%s: '" ECHO "' is out of range (%u..%u)", what, text,
                         (unsigned)min, (unsigned)max);
    *out = (uint32_t)v;
    return true;
}

bool args_weight(const char *what, const char *text, uint32_t *out, args_error *e)
{
    return args_whole(what, text, 1, OKR_MAX_WEIGHT, out, e);
}

bool args_confidence(const char *text, double *out, args_error *e)
{
    double v;
    if (!args_number("--confidence", text, &v, e))
        return false;
    if (v < 0.0 || v > 1.0)
        return args_fail(e, "--confidence: '" ECHO "' is not between 0 and 1", text);
    *out = v;
    return true;
}

bool args_checkin_value(const char *text, double *out, args_error *e)
{
    static const struct {
        const char *word;
        double value;
    } words[] = {{"done", 1}, {"yes", 1}, {"not-done", 0}, {"no", 0}};

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcasecmp(text, words[i].word) == 0) {
            *out = words[i].value;
            return true;
        }
    }
    return args_number("VALUE", text, out, e);
}

bool args_date(const char *what, const char *text, int64_t *days, args_error *e)
{
    if (!text_parse_date(text, days))
        return args_fail(e, "%s: '" ECHO "' is not a date (YYYY-MM-DD)", what, text);
    return true;
}

bool args_text(const char *what, const char *text, size_t max, bool may_be_empty,
               args_error *e)
{
    size_t len = strlen(text);
    if (len == 0 && !may_be_empty)
        return args_fail(e, "%s must not be empty", what);
    if (len > max)
        return args_fail(e, "%s is too long (%zu bytes, at most %zu)", what, len, max);
    if (!text_valid_utf8(text, len))
        return args_fail(e, "%s must be UTF-8 text without control characters", what);
    return true;
}

static const char *kinds_name(unsigned kinds)
{
    switch (kinds) {
    case ARGS_OBJECTIVE: return "an objective id (O12)";
    case ARGS_KR: return "a key result id (K40)";
    default: return "an objective or key result id (O12, K40)";
    }
}

bool args_id(const char *what, const char *text, unsigned kinds, char *buf, args_error *e)
{
    okr_node node;
    if (!okr_id_parse(text, &node))
        return args_fail(e, "%s: '" ECHO "' is not %s", what, text, kinds_name(kinds));
    unsigned kind = okr_node_is_kr(node) ? ARGS_KR : ARGS_OBJECTIVE;
    if ((kinds & kind) == 0)
        return args_fail(e, "%s: '" ECHO "' is not %s", what, text, kinds_name(kinds));
    okr_id_format(node, buf);
    return true;
}

bool args_align_target(const char *text, char *id_buf, bool *has_weight, uint32_t *weight,
                       args_error *e)
{
    const char *colon = strchr(text, ':');
    size_t id_len = colon ? (size_t)(colon - text) : strlen(text);
    char id[OKR_ID_BUF];
    if (id_len >= sizeof id)
        return args_fail(e, "--align-to: '" ECHO "' is not ID or ID:WEIGHT", text);
    memcpy(id, text, id_len);
    id[id_len] = '\0';
    if (!args_id("--align-to", id, ARGS_OBJECTIVE | ARGS_KR, id_buf, e))
        return false;
    *has_weight = colon != NULL;
    if (colon != NULL && !args_weight("--align-to weight", colon + 1, weight, e))
        return false;
    return true;
}

bool args_kr_kind(const char *text, Okr__KrKind *out, args_error *e)
{
    static const struct {
        const char *name;
        Okr__KrKind kind;
    } kinds[] = {
        {"metric", OKR__KR_KIND__METRIC},       {"threshold", OKR__KR_KIND__THRESHOLD},
        {"milestone", OKR__KR_KIND__MILESTONE}, {"rollup", OKR__KR_KIND__ROLLUP},
        {"roll-up", OKR__KR_KIND__ROLLUP},
    };

    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcasecmp(text, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return true;
        }
    }
    return args_fail(e, "--kind: '" ECHO "' is not metric, threshold, milestone or rollup",
                     text);
}
