/* history.c — the history of a roll-up KR (see history.h): pages through
 * LogGet for the KR, keeps the replies until they are printed, and leaves
 * the wording to render_rollup_history. Never prints otherwise. */
#include "history.h"

#include <stdlib.h>

#include "okr_limits.h"

bool history_wants_log(const okr_client *c, const Okr__Response *reply)
{
    return !c->json && reply->body_case == OKR__RESPONSE__BODY_HISTORY &&
           reply->history->kr != NULL && reply->history->kr->id != NULL &&
           reply->history->kr->kind == OKR__KR_KIND__ROLLUP;
}

typedef struct {
    Okr__Response **pages;
    size_t n_pages;
    Okr__Event **events;          /* borrowed from pages */
    size_t n_events;
} log_pages;

static void log_pages_free(log_pages *l)
{
    for (size_t i = 0; i < l->n_pages; i++)
        okr__response__free_unpacked(l->pages[i], NULL);
    free(l->pages);
    free(l->events);
}

/* Keep reply (a LogReply page) and its events; l owns reply from here on,
 * even on failure. 0, or -1 out of memory. */
static int log_pages_add(log_pages *l, Okr__Response *reply)
{
    const Okr__LogReply *page = reply->log;
    Okr__Response **pages = realloc(l->pages, sizeof *pages * (l->n_pages + 1));
    if (pages == NULL) {
        okr__response__free_unpacked(reply, NULL);
        return -1;
    }
    l->pages = pages;
    l->pages[l->n_pages++] = reply;
    Okr__Event **events = realloc(l->events, sizeof *events * (l->n_events + page->n_events + 1));
    if (events == NULL)
        return -1;
    l->events = events;
    for (size_t i = 0; i < page->n_events; i++)
        l->events[l->n_events++] = page->events[i];
    return 0;
}

int history_show_rollup(okr_client *c, const Okr__HistoryReply *h)
{
    render_ctx ctx = {.out = c->out, .color = c->color, .server = c->conn.endpoint};
    log_pages l = {0};
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__LogGet get = OKR__LOG_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_LOG;
    req.log = &get;
    get.node = h->kr->id;
    get.has_limit = true;
    get.limit = OKR_MAX_LOG;
    int status = OKR_EXIT_OK;
    while (l.n_events < HISTORY_MAX_EVENTS) {
        Okr__Response *reply;
        status = client_call(c, &req, &reply);
        if (status != OKR_EXIT_OK)
            goto done;
        uint64_t next = reply->log->next_seq;
        if (log_pages_add(&l, reply) != 0) {
            client_error(c, "history: out of memory");
            status = OKR_EXIT_REFUSED;
            goto done;
        }
        if (next == 0)
            break;
        get.has_after_seq = true;
        get.after_seq = next - 1;
    }
    render_rollup_history(&ctx, h->kr, l.events, l.n_events);
done:
    log_pages_free(&l);
    return status;
}
