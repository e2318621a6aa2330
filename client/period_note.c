/* period_note.c — the "(period NAME ...)" line after an obj add that let
 * the server choose among overlapping periods (see period_note.h). Reads
 * with client_call; prints only that line. */
#include "period_note.h"

#include <string.h>
#include <time.h>

#include "text.h"

/* Open periods whose dates contain today (UTC days, as the server counts). */
static size_t candidates(const Okr__PeriodListReply *list, int64_t today)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n_periods; i++) {
        const Okr__Period *p = list->periods[i];
        int64_t start, end;
        if (!p->closed && p->start && p->end && text_parse_date(p->start, &start) &&
            text_parse_date(p->end, &end) && start <= today && today <= end)
            n++;
    }
    return n;
}

static size_t open_periods_today(okr_client *c)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodList list = OKR__PERIOD_LIST__INIT;
    req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
    req.period_list = &list;
    Okr__Response *reply;
    if (client_call(c, &req, &reply) != OKR_EXIT_OK)
        return 0;
    size_t n = candidates(reply->periods, (int64_t)(time(NULL) / 86400));
    okr__response__free_unpacked(reply, NULL);
    return n;
}

void period_note_default(okr_client *c, const cmd_request *r, const Okr__Response *reply)
{
    if (r->command->id != OKR_CMD_OBJ_ADD || r->objective.period != NULL ||
        reply->body_case != OKR__RESPONSE__BODY_CHANGED || reply->changed->id == NULL)
        return;
    size_t n = open_periods_today(c);
    if (n < 2)
        return;
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveGet get = OKR__OBJECTIVE_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
    req.objective_get = &get;
    get.id = reply->changed->id;
    Okr__Response *detail;
    if (client_call(c, &req, &detail) != OKR_EXIT_OK)
        return;
    const Okr__Objective *o = detail->objective->objective;
    if (o != NULL && o->period != NULL)
        client_error(c, "(period %s: the newest of %zu open periods containing today; "
                        "--period picks another)", o->period, n);
    okr__response__free_unpacked(detail, NULL);
}
