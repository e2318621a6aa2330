/* score.c — the scoring rules of DESIGN §3. Pure functions on integers and
 * doubles; never touches storage, sockets or the clock. */
#include "score.h"

#include <math.h>

const score_health_settings score_default_health = {
    .on_track = 0.85,
    .at_risk = 0.6,
    .low_confidence = 0.5,
};

static int64_t ratio_to_millionths(double r)
{
    return (int64_t)llround(r * OKR_SCORE_ONE);
}

int64_t score_metric(double start, double target, double current)
{
    if (target == start)
        return 0;
    double r = (current - start) / (target - start);
    if (!(r > 0))                 /* also catches NaN */
        return 0;
    if (r >= 1)
        return OKR_SCORE_ONE;
    return ratio_to_millionths(r);
}

int64_t score_attainment(double start, double target, double current)
{
    if (target == start)
        return 0;
    double r = (current - start) / (target - start);
    if (isnan(r))
        return 0;
    if (r > 1e6)
        return OKR_ATTAINMENT_CAP;
    if (r < -1e6)
        return -OKR_ATTAINMENT_CAP;
    return ratio_to_millionths(r);
}

int64_t score_leaf_kr(const score_kr_input *in)
{
    switch (in->kind) {
    case SCORE_KIND_METRIC:
        return score_metric(in->start, in->target,
                            in->has_current ? in->current : in->start);
    case SCORE_KIND_THRESHOLD:
        if (!in->has_current)
            return 0;
        if (in->direction == SCORE_AT_MOST)
            return in->current <= in->target ? OKR_SCORE_ONE : 0;
        return in->current >= in->target ? OKR_SCORE_ONE : 0;
    case SCORE_KIND_MILESTONE:
        return in->has_current && in->current == 1 ? OKR_SCORE_ONE : 0;
    case SCORE_KIND_ROLLUP:
        break;
    }
    return 0;
}

int64_t score_weighted_mean(int64_t sum_ws, int64_t sum_w)
{
    if (sum_w <= 0)
        return 0;
    return (sum_ws + sum_w / 2) / sum_w;
}

int64_t score_expected(int64_t start_us, int64_t end_us, int64_t now_us, bool committed)
{
    double goal = committed ? 1.0 : 0.7;
    double frac;
    if (end_us <= start_us || now_us >= end_us)
        frac = 1;
    else if (now_us <= start_us)
        frac = 0;
    else
        frac = (double)(now_us - start_us) / (double)(end_us - start_us);
    return ratio_to_millionths(frac * goal);
}

score_health score_health_of(int64_t score, int64_t expected, bool has_confidence,
                             double confidence, const score_health_settings *s)
{
    score_health h;
    if ((double)score >= s->on_track * (double)expected)
        h = SCORE_ON_TRACK;
    else if ((double)score >= s->at_risk * (double)expected)
        h = SCORE_AT_RISK;
    else
        h = SCORE_OFF_TRACK;
    if (h == SCORE_ON_TRACK && score < OKR_SCORE_ONE && has_confidence &&
        confidence < s->low_confidence)
        h = SCORE_AT_RISK;
    return h;
}

score_grade score_grade_of(int64_t score, bool committed)
{
    int64_t yellow = committed ? 700000 : 400000;
    int64_t green = committed ? OKR_SCORE_ONE : 700000;
    if (score < yellow)
        return SCORE_RED;
    if (score < green)
        return SCORE_YELLOW;
    return SCORE_GREEN;
}

const char *score_health_name(score_health h)
{
    switch (h) {
    case SCORE_ON_TRACK: return "on_track";
    case SCORE_AT_RISK: return "at_risk";
    case SCORE_OFF_TRACK: return "off_track";
    case SCORE_HEALTH_NONE: break;
    }
    return "none";
}

const char *score_grade_name(score_grade g)
{
    switch (g) {
    case SCORE_RED: return "red";
    case SCORE_YELLOW: return "yellow";
    case SCORE_GREEN: return "green";
    case SCORE_GRADE_NONE: break;
    }
    return "none";
}

const char *score_source_name(score_source s)
{
    switch (s) {
    case SCORE_FROM_ALIGNED: return "aligned";
    case SCORE_FROM_BOTH: return "both";
    case SCORE_FROM_KRS: break;
    }
    return "krs";
}
