/* fmt.c — spelling of scores, numbers, times and enum names (see fmt.h).
 * Health and grade names come from common/score.h so the client says
 * exactly what the server's documentation says. */
#include "fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "score.h"

/* The proto enums and score.h's enums share their numbers. */
_Static_assert((int)OKR__HEALTH__ON_TRACK == (int)SCORE_ON_TRACK &&
               (int)OKR__HEALTH__AT_RISK == (int)SCORE_AT_RISK &&
               (int)OKR__HEALTH__OFF_TRACK == (int)SCORE_OFF_TRACK &&
               (int)OKR__HEALTH__HEALTH_NONE == (int)SCORE_HEALTH_NONE,
               "Health and score_health differ");
_Static_assert((int)OKR__GRADE__RED == (int)SCORE_RED &&
               (int)OKR__GRADE__YELLOW == (int)SCORE_YELLOW &&
               (int)OKR__GRADE__GREEN == (int)SCORE_GREEN &&
               (int)OKR__GRADE__GRADE_NONE == (int)SCORE_GRADE_NONE,
               "Grade and score_grade differ");

const char *fmt_score(int64_t millionths, int decimals, char *buf, size_t len)
{
    static const int64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 1)
        decimals = 1;
    if (decimals > 6)
        decimals = 6;
    /* |INT64_MIN| does not fit: work on the magnitude as unsigned. */
    uint64_t magnitude = millionths < 0 ? 0 - (uint64_t)millionths : (uint64_t)millionths;
    uint64_t step = (uint64_t)scale[6 - decimals];
    uint64_t units = (magnitude + step / 2) / step;         /* in 10^-decimals */
    uint64_t one = (uint64_t)scale[decimals];
    snprintf(buf, len, "%s%" PRIu64 ".%0*" PRIu64, millionths < 0 && units ? "-" : "",
             units / one, decimals, units % one);
    return buf;
}

const char *fmt_number(double value, char *buf, size_t len)
{
    if (value == 0.0)
        value = 0.0;                    /* no "-0" */
    snprintf(buf, len, "%.15g", value);
    if (strchr(buf, 'e') == NULL || fabs(value) < 1.0)
        return buf;   /* tiny values keep their exponent rather than read as 0 */
    /* Too large for %g without exponent: fixed point, trimmed. */
    snprintf(buf, len, "%.6f", value);
    char *end = buf + strlen(buf);
    while (end > buf && end[-1] == '0')
        *--end = '\0';
    if (end > buf && end[-1] == '.')
        *--end = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, len, "0");
    return buf;
}

const char *fmt_iso_time(int64_t us, char *buf, size_t len)
{
    int64_t seconds = us / 1000000 - (us % 1000000 < 0);   /* floor */
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "?");
    return buf;
}

const char *fmt_progress(const Okr__KeyResult *kr, char *buf, size_t len)
{
    char current[FMT_BUF], target[FMT_BUF];
    const char *unit = kr->unit && kr->unit[0] ? kr->unit : NULL;
    double now = kr->has_current ? kr->current : kr->start;

    switch (kr->kind) {
    case OKR__KR_KIND__METRIC:
        snprintf(buf, len, "%s / %s%s%s", fmt_number(now, current, sizeof current),
                 fmt_number(kr->target, target, sizeof target), unit ? " " : "",
                 unit ? unit : "");
        break;
    case OKR__KR_KIND__THRESHOLD:
        snprintf(buf, len, "%s / %s%s%s%s",
                 kr->has_current || kr->has_start ? fmt_number(now, current, sizeof current)
                                                  : "-",
                 kr->direction == OKR__THRESHOLD_DIRECTION__AT_MOST ? "≤" : "≥",
                 fmt_number(kr->target, target, sizeof target), unit ? " " : "",
                 unit ? unit : "");
        break;
    case OKR__KR_KIND__MILESTONE:
        snprintf(buf, len, "%s", kr->has_current && kr->current == 1.0 ? "done" : "not done");
        break;
    default:
        snprintf(buf, len, "-");
        break;
    }
    return buf;
}

/* Append a UTF-8 glyph if it fits with the terminating NUL. */
static void append(char *buf, size_t len, size_t *used, const char *glyph)
{
    size_t n = strlen(glyph);
    if (*used + n < len) {
        memcpy(buf + *used, glyph, n + 1);
        *used += n;
    }
}

const char *fmt_bar(int64_t millionths, int cells, char *buf, size_t len)
{
    static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    int64_t clamped = millionths < 0 ? 0 : millionths > 1000000 ? 1000000 : millionths;
    int64_t total = (clamped * cells * 8 + 500000) / 1000000;   /* in eighths, rounded */
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < cells; i++) {
        int64_t left = total - (int64_t)i * 8;
        if (left >= 8)
            append(buf, len, &used, "█");
        else if (left > 0)
            append(buf, len, &used, eighths[left]);
        else
            append(buf, len, &used, "░");
    }
    return buf;
}

const char *fmt_sparkline(const double *values, const bool *present, size_t n, double low,
                          double high, char *buf, size_t len)
{
    static const char *const levels[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (present != NULL && !present[i]) {
            append(buf, len, &used, " ");
            continue;
        }
        long level = high == low ? 3 : lround((values[i] - low) / (high - low) * 7);
        append(buf, len, &used, levels[level < 0 ? 0 : level > 7 ? 7 : level]);
    }
    return buf;
}

const char *fmt_kind(Okr__KrKind kind)
{
    switch (kind) {
    case OKR__KR_KIND__METRIC: return "metric";
    case OKR__KR_KIND__THRESHOLD: return "threshold";
    case OKR__KR_KIND__MILESTONE: return "milestone";
    case OKR__KR_KIND__ROLLUP: return "rollup";
    default: return "unknown";
    }
}

const char *fmt_type(Okr__ObjectiveType type)
{
    switch (type) {
    case OKR__OBJECTIVE_TYPE__ASPIRATIONAL: return "aspirational";
    case OKR__OBJECTIVE_TYPE__COMMITTED: return "committed";
    default: return "unknown";
    }
}

const char *fmt_direction(Okr__ThresholdDirection dir)
{
    switch (dir) {
    case OKR__THRESHOLD_DIRECTION__AT_LEAST: return "at_least";
    case OKR__THRESHOLD_DIRECTION__AT_MOST: return "at_most";
    default: return "unknown";
    }
}

const char *fmt_health(Okr__Health health)
{
    return score_health_name((score_health)health);
}

const char *fmt_grade(Okr__Grade grade)
{
    return score_grade_name((score_grade)grade);
}
