/* log.c — `okr log`: pages through the server's audit log (LogGet), each
 * page asking for at most what is still wanted, and prints every event
 * with the shared event wording (render_log.c, json_out.c). Owns only the
 * paging; how an event reads is not decided here. */
#include "log.h"

#include "json_out.h"
#include "render.h"

static void print_page(const okr_client *c, const Okr__LogReply *page, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c->json) {
            struct json_object *doc = json_event(page->events[i]);
            json_print(c->out, doc);
            json_object_put(doc);
        } else {
            render_event_line(c->out, page->events[i], c->color);
        }
    }
}

int log_run(okr_client *c, cmd_request *r)
{
    Okr__LogGet *m = &r->body.log;
    uint64_t shown = 0;
    for (;;) {
        uint64_t want = r->count ? r->count - shown : OKR_MAX_LOG;
        m->has_limit = true;
        m->limit = want < OKR_MAX_LOG ? (uint32_t)want : OKR_MAX_LOG;

        Okr__Response *reply;
        int status = client_call(c, &r->request, &reply);
        if (status != OKR_EXIT_OK)
            return status;
        const Okr__LogReply *page = reply->log;
        /* A server may answer more than asked; show no more than wanted. */
        size_t n = page->n_events < m->limit ? page->n_events : m->limit;
        print_page(c, page, n);
        shown += n;
        uint64_t next = page->next_seq;
        okr__response__free_unpacked(reply, NULL);
        if (next == 0 || (r->count && shown >= r->count))
            return OKR_EXIT_OK;
        if (next <= m->after_seq + 1) {     /* it would ask for the same page again */
            client_error(c, "log: the server did not advance (next_seq %llu)",
                         (unsigned long long)next);
            return OKR_EXIT_UNREACHABLE;
        }
        m->has_after_seq = true;
        m->after_seq = next - 1;
        fflush(c->out);
    }
}
