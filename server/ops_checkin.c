/* ops_checkin.c — check-ins: add (now, or backdated with `at`), edit and
 * delete (corrections), and a KR's history.
 *
 * A check-in's id is its seq, the event seq that recorded it, and its n
 * (0 but for an import's: one seq, many check-ins). A KR record
 * keeps what its check-ins say (current value, latest confidence, time of
 * the latest, count), always as of its newest check-in by time: a plain
 * check-in is the newest and updates the record directly; a backdated one,
 * an edit or a delete re-reads the KR's check-ins (follow_checkins), so the
 * scores end exactly where they would be had the check-ins always been so.
 * Every score change goes through rollup_set_leaf_score. */
#include "ops.h"

#include "okr_limits.h"
#include "text.h"

/* The values of a check-in on kr: the one set of rules for adds and edits. */
static bool check_checkin_values(request *rq, const Okr__KeyResult *kr, bool has_value,
                                 double value, bool has_confidence, double confidence,
                                 const char *note)
{
    if (!need_number(rq, "value", has_value, value) ||
        !need_confidence(rq, "confidence", has_confidence, confidence) ||
        !need_lines(rq, "note", note, OKR_MAX_NOTE))
        return false;
    if (kr->kind == OKR__KR_KIND__ROLLUP)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is a roll-up KR: its score comes from the objectives "
                            "aligned to it; check in on their KRs", kr->id);
    if (kr->kind == OKR__KR_KIND__MILESTONE && value != 0 && value != 1)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "%s is a milestone: value must be 1 (done) or 0, not %g",
                            kr->id, value);
    return true;
}

/* The time of a check-in: `at` when given (inside the objective's period,
 * not after now), else `otherwise`. */
static bool need_checkin_time(request *rq, const Okr__Objective *o, bool has_at, int64_t at,
                              int64_t otherwise, int64_t *out)
{
    char when[20], now[20], start[11], end[11];
    int64_t first, last;
    *out = has_at ? at : otherwise;
    if (!has_at)
        return true;
    text_format_time(at, when);
    text_format_time(rq->now, now);
    if (at > rq->now)
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "at %s UTC is in the future (it is %s UTC): a check-in says "
                            "what was measured", when, now);
    Okr__Period *p = store_get_period(rq->txn, o->period);
    if (p == NULL || !text_parse_date(p->start, &first) || !text_parse_date(p->end, &last))
        return request_fail(rq, OKR__ERROR_CODE__INTERNAL,
                            "objective %s has no period record with dates", o->id);
    if (at < first * OKR_US_PER_DAY || at >= (last + 1) * OKR_US_PER_DAY) {
        text_format_date(first, start);
        text_format_date(last, end);
        return request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                            "at %s UTC is outside period %s (%s to %s) of objective %s",
                            when, o->period, start, end, o->id);
    }
    return true;
}

/* Make kr's record say what its check-ins say, as of the newest by time
 * (`count` of them now), store it and re-score the KR. */
static void follow_checkins(request *rq, okr_node id, Okr__KeyResult *kr, uint32_t count)
{
    store_checkin_summary s;
    store_summarize_checkins(rq->txn, id, false, &s);
    kr->has_checkins = true;
    kr->checkins = count;
    kr->has_current = kr->has_updated_at = s.newest != NULL;
    kr->current = s.newest ? s.newest->value : 0;
    kr->updated_at = s.newest ? s.newest->time : 0;
    kr->has_confidence = s.confident != NULL;
    kr->confidence = s.confident ? s.confident->confidence : 0;
    store_put_kr(rq->txn, id, kr);
    rollup_set_leaf_score(&rq->scores, id, rollup_leaf_score_of(kr));
    request_touch(rq, id);
}

/* The check-in whose id is (seq, n), and its KR (*kr, *kr_id). A bare seq
 * is (seq, 0), never another check-in of that seq: ids are typed as
 * `okr history` lists them. */
static Okr__CheckIn *need_checkin(request *rq, bool has_seq, uint64_t seq, uint32_t n,
                                  okr_node *kr_id, Okr__KeyResult **kr)
{
    if (!has_seq || seq == 0) {
        request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                     "seq (the check-in's id, as okr history lists it) is required");
        return NULL;
    }
    Okr__CheckIn *c = store_get_checkin(rq->txn, seq, n, kr_id);
    if (c == NULL) {
        char id[OKR_CHECKIN_ID_BUF];
        okr_checkin_id_format(seq, n, id);
        request_fail(rq, OKR__ERROR_CODE__NOT_FOUND,
                     "no check-in #%s (okr history KR lists a key result's check-ins with "
                     "their ids)", id);
        return NULL;
    }
    *kr = store_get_kr(rq->txn, *kr_id);
    if (*kr == NULL) {
        char id[OKR_CHECKIN_ID_BUF];
        request_fail(rq, OKR__ERROR_CODE__INTERNAL, "check-in #%s names %s, which is not a key "
                     "result", okr_checkin_id_format(seq, c->n, id), request_id(rq, *kr_id));
        return NULL;
    }
    return c;
}

/* CheckInAdd { kr, value, confidence?, note?, at? } */
void op_checkin(request *rq, const Okr__CheckInAdd *in)
{
    okr_node id, obj_id;
    int64_t time;
    Okr__KeyResult *kr = need_kr(rq, "kr", in->kr, &id);
    Okr__Objective *o = kr ? need_live_objective(rq, kr->objective, &obj_id) : NULL;
    if (o == NULL ||
        !check_checkin_values(rq, kr, in->has_value, in->value, in->has_confidence,
                              in->confidence, in->note) ||
        !need_checkin_time(rq, o, in->has_at, in->at, rq->now, &time))
        return;

    Okr__CheckIn c = OKR__CHECK_IN__INIT;
    c.kr = kr->id;
    c.has_time = c.has_value = c.has_seq = true;
    c.time = time;
    c.value = in->value;
    c.has_confidence = in->has_confidence;
    c.confidence = in->confidence;
    c.note = in->note && in->note[0] ? in->note : NULL;
    c.author = (char *)rq->actor;
    c.seq = rq->seq;
    bool backdated = kr->checkins > 0 && kr->has_updated_at && time < kr->updated_at;
    store_add_checkin(rq->txn, id, &c, !backdated);
    rq->subject = kr->id;
    if (backdated) {
        follow_checkins(rq, id, kr, kr->checkins + 1);   /* older than the newest: it */
        return;                                /* may change only the count, or a confidence */
    }

    kr->has_current = true;
    kr->current = in->value;
    if (in->has_confidence) {          /* "latest confidence": the newest one given */
        kr->has_confidence = true;
        kr->confidence = in->confidence;
    }
    kr->has_updated_at = kr->has_checkins = true;
    kr->updated_at = time;
    kr->checkins++;
    store_put_kr(rq->txn, id, kr);
    rollup_set_leaf_score(&rq->scores, id, rollup_leaf_score_of(kr));
    request_touch(rq, id);
}

/* CheckInEdit { seq, value?, confidence?, note?, at? } */
void op_checkin_edit(request *rq, const Okr__CheckInEdit *in)
{
    okr_node id, obj_id;
    int64_t time;
    Okr__KeyResult *kr;
    Okr__CheckIn *c = need_checkin(rq, in->has_seq, in->seq, in->n, &id, &kr);
    Okr__Objective *o = c ? need_live_objective(rq, kr->objective, &obj_id) : NULL;
    if (o == NULL)
        return;
    if (!in->has_value && !in->has_confidence && !in->note && !in->has_at)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "nothing to change: give a value, confidence, note or time");
    double value = in->has_value ? in->value : c->value;
    if (!check_checkin_values(rq, kr, true, value, in->has_confidence, in->confidence,
                              in->note) ||
        !need_checkin_time(rq, o, in->has_at, in->at, c->time, &time))
        return;

    Okr__CheckIn now = *c;
    now.value = value;
    if (in->has_confidence) {
        now.has_confidence = true;
        now.confidence = in->confidence;
    }
    if (in->note)
        now.note = in->note[0] ? in->note : NULL;
    now.time = time;
    now.has_edited_at = true;
    now.edited_at = rq->now;
    now.edited_by = (char *)rq->actor;
    store_replace_checkin(rq->txn, id, c, &now);
    follow_checkins(rq, id, kr, kr->checkins);
    rq->subject = kr->id;
}

/* CheckInDelete { seq } */
void op_checkin_delete(request *rq, const Okr__CheckInDelete *in)
{
    okr_node id, obj_id;
    Okr__KeyResult *kr;
    Okr__CheckIn *c = need_checkin(rq, in->has_seq, in->seq, in->n, &id, &kr);
    if (c == NULL || need_live_objective(rq, kr->objective, &obj_id) == NULL)
        return;
    store_del_checkin(rq->txn, id, c);
    follow_checkins(rq, id, kr, kr->checkins > 0 ? kr->checkins - 1 : 0);
    rq->subject = kr->id;
}

/* History { kr, limit? } -> HistoryReply (oldest first) */
void op_history(request *rq, const Okr__History *in)
{
    okr_node id;
    Okr__KeyResult *kr = need_kr(rq, "kr", in->kr, &id);
    if (kr == NULL)
        return;
    size_t limit = in->has_limit && in->limit > 0 ? in->limit : OKR_DEFAULT_HISTORY;
    if (limit > OKR_MAX_HISTORY)
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "limit %zu is over the maximum of %d", limit,
                                  OKR_MAX_HISTORY);
    Okr__HistoryReply *h = ARENA_NEW(rq->mem, Okr__HistoryReply, OKR__HISTORY_REPLY__INIT);
    h->kr = view_kr(rq, id, kr, NULL);
    h->n_checkins = store_checkins(rq->txn, id, limit, &h->checkins);
    rq->response->body_case = OKR__RESPONSE__BODY_HISTORY;
    rq->response->history = h;
}
