/* cycle.c — `okr period next` and the origin line of `show` (see cycle.h).
 * Reads and writes through client_call (conn_call for the quiet read);
 * prints only the new period and the sentences of its refusals. */
#include "cycle.h"

#include <string.h>

#include "json_out.h"
#include "period_next.h"

/* The period list's record named `name`, or NULL. */
static const Okr__Period *find_period(const Okr__PeriodListReply *list, const char *name)
{
    for (size_t i = 0; i < list->n_periods; i++)
        if (list->periods[i]->name && strcmp(list->periods[i]->name, name) == 0)
            return list->periods[i];
    return NULL;
}

/* Fill r's period with the one after `p`: dates, and the name unless given. */
static int next_period(const okr_client *c, const Okr__Period *p, char *name, size_t len,
                       char *start, char *end, cmd_request *r)
{
    if (!period_next_dates_text(p->start, p->end, start, end)) {
        client_error(c, "period next: %s (%s to %s) has no next period of the same length "
                        "before the year 10000", p->name, p->start, p->end);
        return OKR_EXIT_REFUSED;
    }
    if (r->period.name == NULL) {
        if (!period_next_name(p->name, name, len)) {
            client_error(c, "period next: the name \"%s\" has no pattern okr can follow "
                            "(like 2026-Q4, 2026-H2, 2026, Q4 2026, FY26-Q4 or 2026-11); give "
                            "the new period's name with --name NAME", p->name);
            return OKR_EXIT_USAGE;
        }
        r->period.name = name;
    }
    r->period.start = start;
    r->period.end = end;
    return OKR_EXIT_OK;
}

static void print_added(const okr_client *c, const Okr__Response *reply, const Okr__Period *p)
{
    if (!c->json) {
        fprintf(c->out, "%s %s %s\n", p->name, p->start, p->end);
        return;
    }
    struct json_object *doc = json_changed(reply->changed);
    json_object_object_add(doc, "start", json_object_new_string(p->start));
    json_object_object_add(doc, "end", json_object_new_string(p->end));
    json_print(c->out, doc);
    json_object_put(doc);
}

int cycle_period_next(okr_client *c, cmd_request *r)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__PeriodList list = OKR__PERIOD_LIST__INIT;
    Okr__Response *periods, *added;
    char name[OKR_MAX_NAME + 1], start[11], end[11];
    req.body_case = OKR__REQUEST__BODY_PERIOD_LIST;
    req.period_list = &list;
    int status = client_call(c, &req, &periods);
    if (status != OKR_EXIT_OK)
        return status;
    const Okr__Period *p = find_period(periods->periods, r->next_of);
    if (p == NULL) {
        client_error(c, "period next: no period \"%s\"", r->next_of);
        status = OKR_EXIT_REFUSED;
    } else {
        status = next_period(c, p, name, sizeof name, start, end, r);
    }
    okr__response__free_unpacked(periods, NULL);
    if (status != OKR_EXIT_OK)
        return status;
    status = client_call(c, &r->request, &added);
    if (status != OKR_EXIT_OK)
        return status;
    print_added(c, added, &r->period);
    okr__response__free_unpacked(added, NULL);
    return OKR_EXIT_OK;
}

void cycle_origin_period(okr_client *c, const Okr__Response *reply, char *buf, size_t len)
{
    buf[0] = '\0';
    if (c->json || reply->body_case != OKR__RESPONSE__BODY_OBJECTIVE ||
        reply->objective->objective == NULL || reply->objective->objective->origin == NULL)
        return;
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveGet get = OKR__OBJECTIVE_GET__INIT;
    Okr__Response *origin;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
    req.objective_get = &get;
    req.user = c->user[0] ? c->user : NULL;
    get.id = reply->objective->objective->origin;
    if (conn_call(&c->conn, &req, CLIENT_READ_TRIES, &origin) != CONN_OK)
        return;
    if (origin->error && origin->error->code == OKR__ERROR_CODE__NOT_FOUND)
        snprintf(buf, len, "deleted");
    else if (origin->body_case == OKR__RESPONSE__BODY_OBJECTIVE && origin->objective->objective &&
             origin->objective->objective->period)
        snprintf(buf, len, "%s", origin->objective->objective->period);
    okr__response__free_unpacked(origin, NULL);
}
