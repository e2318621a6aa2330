/* score.h — the scoring rules of DESIGN §3 as pure integer functions.
 *
 * Scores are int64 millionths (OKR_SCORE_ONE == 1.0). Everything that decides
 * a stored score lives here, so the server's incremental roll-up and its full
 * recomputation (okrd --verify, the tests) call the very same code and agree
 * to the last integer. Nothing here allocates, touches sockets or storage. */
#ifndef OKR_SCORE_H
#define OKR_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#define OKR_SCORE_ONE 1000000

typedef enum {
    SCORE_KIND_METRIC = 0,
    SCORE_KIND_THRESHOLD = 1,
    SCORE_KIND_MILESTONE = 2,
    SCORE_KIND_ROLLUP = 3,
} score_kind;

typedef enum { SCORE_AT_LEAST = 0, SCORE_AT_MOST = 1 } score_direction;

typedef enum {
    SCORE_HEALTH_NONE = 0,
    SCORE_ON_TRACK = 1,
    SCORE_AT_RISK = 2,
    SCORE_OFF_TRACK = 3,
} score_health;

typedef enum {
    SCORE_GRADE_NONE = 0,
    SCORE_RED = 1,
    SCORE_YELLOW = 2,
    SCORE_GREEN = 3,
} score_grade;

/* An objective's progress source (proto ProgressSource, same numbers). */
typedef enum {
    SCORE_FROM_KRS = 0,       /* its KRs; while it has none, its aligned children */
    SCORE_FROM_ALIGNED = 1,   /* its aligned children (edge weights) */
    SCORE_FROM_BOTH = 2,      /* one mean over its KRs and its aligned children */
} score_source;

/* The inputs of a leaf KR (every kind but roll-up). */
typedef struct {
    score_kind kind;
    score_direction direction;  /* threshold only */
    double start, target;
    double current;
    bool has_current;           /* false before the first check-in */
} score_kr_input;

/* Metric: round(clamp((current-start)/(target-start), 0, 1) * 1e6).
 * Before the first check-in current = start. target == start scores 0 (the
 * server refuses to create such a KR). */
int64_t score_metric(double start, double target, double current);

/* Attainment in millionths, for display ("overshoot"): not clamped to 0..1,
 * but capped at +-OKR_ATTAINMENT_CAP (1e6 times the distance to the target)
 * so that absurd values cannot overflow an int64. */
#define OKR_ATTAINMENT_CAP 1000000000000LL
int64_t score_attainment(double start, double target, double current);

/* Score of a leaf KR from its inputs. A threshold KR without a value (no
 * check-in, no start) is not met: it scores 0 whatever its direction;
 * a milestone scores 1.0 when current == 1. Roll-up KRs are not leaves: call
 * score_weighted_mean with their children's sums instead. */
int64_t score_leaf_kr(const score_kr_input *in);

/* Weighted mean of integer scores, round half up: (sum_ws + sum_w/2) / sum_w.
 * Returns 0 when sum_w == 0 (no inputs). Requires sum_w >= 0, sum_ws >= 0. */
int64_t score_weighted_mean(int64_t sum_ws, int64_t sum_w);

/* Health thresholds (server settings, docs/scoring.md). */
typedef struct {
    double on_track;        /* score >= on_track * expected  -> on track (0.85) */
    double at_risk;         /* score >= at_risk * expected   -> at risk  (0.6)  */
    double low_confidence;  /* latest confidence below this caps at at_risk (0.5) */
} score_health_settings;

extern const score_health_settings score_default_health;

/* Expected score now: elapsed fraction of [start_us, end_us) times the goal
 * (0.7 aspirational, 1.0 committed), in millionths. */
int64_t score_expected(int64_t start_us, int64_t end_us, int64_t now_us, bool committed);

/* Health of a score against its expectation; has_confidence/confidence is
 * the latest confidence (for an objective, the lowest over its KRs not yet
 * at their target). A score of 1.0 is never capped by a confidence: a done
 * milestone or a KR at its target has nothing left to be unsure about. */
score_health score_health_of(int64_t score, int64_t expected, bool has_confidence,
                             double confidence, const score_health_settings *s);

/* Grade of a final score against the objective's goal (docs/scoring.md):
 * aspirational (goal 0.7): < 0.4 red, < 0.7 yellow, else green;
 * committed (goal 1.0): < 0.7 red, < 1.0 yellow, 1.0 green. */
score_grade score_grade_of(int64_t score, bool committed);

const char *score_health_name(score_health h);   /* "on_track", ... */
const char *score_grade_name(score_grade g);     /* "red", ... */
const char *score_source_name(score_source s);   /* "krs", "aligned", "both" */

#endif
