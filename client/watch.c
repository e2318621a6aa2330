/* watch.c — `okr watch`: prints the events monitor.c delivers, human lines
 * or JSON lines (worded by render_log.c and json_out.c, as `okr log`). Owns the SIGINT/SIGTERM handling while it runs (the only
 * global here is the flag those handlers set). */
#include "watch.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "json_out.h"
#include "monitor.h"
#include "render.h"

#define WATCH_POLL_MS 200
#define WATCH_SILENCE_US 3500000      /* heartbeats come every second */

static volatile sig_atomic_t watch_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

typedef struct {
    okr_client *c;
    uint64_t shown, limit;
} watch_state;

/* ------------------------------------------------------------ formatting */

/* The wording is render_log.c's and json_out.c's, shared with `okr log`. */
void watch_print_event(FILE *out, const Okr__Event *ev, bool color)
{
    render_event_line(out, ev, color);
}

struct json_object *watch_event_json(const Okr__Event *ev)
{
    return json_event(ev);
}

/* ------------------------------------------------------------ callbacks */

static void on_event(void *ctx, const Okr__Event *ev)
{
    watch_state *w = ctx;
    if (w->limit && w->shown >= w->limit)
        return;
    if (w->c->json) {
        struct json_object *doc = watch_event_json(ev);
        json_print(w->c->out, doc);
        json_object_put(doc);
    } else {
        watch_print_event(w->c->out, ev, w->c->color);
    }
    fflush(w->c->out);
    w->shown++;
    w->c->watch_seen_seq = ev->seq;
}

static void on_notice(void *ctx, const char *message)
{
    watch_state *w = ctx;
    client_error(w->c, "watch: %s", message);
}

/* ------------------------------------------------------------ running */

void watch_events_endpoint(const char *published, const char *request_endpoint, char *out,
                           size_t len)
{
    const char *port = strrchr(published, ':');
    const char *req_host_end = strrchr(request_endpoint, ':');
    bool wildcard = strncmp(published, "tcp://0.0.0.0:", 14) == 0 ||
                    strncmp(published, "tcp://*:", 8) == 0;
    if (wildcard && port && req_host_end)
        snprintf(out, len, "%.*s%s", (int)(req_host_end - request_endpoint), request_endpoint,
                 port);
    else
        snprintf(out, len, "%s", published);
}

/* Ask okrd where it publishes. */
static int event_endpoint(okr_client *c, char *out, size_t len)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet status = OKR__STATUS_GET__INIT;
    Okr__Response *reply = NULL;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &status;
    req.user = c->user[0] ? c->user : NULL;
    conn_status cs = conn_call(&c->conn, &req, CLIENT_READ_TRIES, &reply);
    if (cs != CONN_OK) {
        client_error(c, "watch: %s", cs == CONN_TIMEOUT ? "no reply from the server" : c->conn.error);
        return OKR_EXIT_UNREACHABLE;
    }
    int rc = OKR_EXIT_OK;
    if (reply->error && reply->error->code != OKR__ERROR_CODE__OK) {
        client_error(c, "%s", reply->error->message ? reply->error->message : "refused");
        rc = OKR_EXIT_REFUSED;
    } else if (reply->body_case != OKR__RESPONSE__BODY_STATUS || !reply->status->event_endpoint) {
        client_error(c, "watch: the server did not say where it publishes events");
        rc = OKR_EXIT_UNREACHABLE;
    } else {
        watch_events_endpoint(reply->status->event_endpoint, c->conn.endpoint, out, len);
    }
    okr__response__free_unpacked(reply, NULL);
    return rc;
}

int watch_run(okr_client *c, const cmd_request *r)
{
    char events[CONN_MAX_ENDPOINT];
    int rc = event_endpoint(c, events, sizeof events);
    if (rc != OKR_EXIT_OK)
        return rc;
    const char *nodes[CMD_MAX_WATCH];
    for (int i = 0; i < r->n_watch_ids; i++)
        nodes[i] = r->watch_ids[i];
    monitor_options opt = {
        .request_endpoint = c->conn.endpoint,
        .event_endpoint = events,
        .nodes = nodes,
        .n_nodes = (size_t)r->n_watch_ids,
        .from_seq = r->from_seq,
        .request_timeout_ms = c->timeout_ms,
        .user = c->user[0] ? c->user : NULL,
        .curve = conn_curve_of(&c->conn),
    };
    watch_state w = {.c = c, .limit = r->count};
    monitor_callbacks cb = {.on_event = on_event, .on_notice = on_notice};
    monitor *m = monitor_new(&opt, &cb, &w);
    if (m == NULL) {
        client_error(c, "watch: cannot connect to %s", events);
        return OKR_EXIT_UNREACHABLE;
    }
    struct sigaction sa = {.sa_handler = on_stop_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    watch_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    bool silent = false;
    while (!watch_stop && !(w.limit && w.shown >= w.limit)) {
        if (monitor_poll(m, WATCH_POLL_MS) != 0) {
            client_error(c, "watch: %s", monitor_error(m));
            rc = OKR_EXIT_REFUSED;
            break;
        }
        bool quiet = monitor_silence_us(m) > WATCH_SILENCE_US;
        if (quiet && !silent)
            client_error(c, "watch: no heartbeat from the server; waiting for it to come back");
        else if (!quiet && silent)
            client_error(c, "watch: the server is back; resuming from seq %llu",
                         (unsigned long long)monitor_seq(m));
        silent = quiet;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (watch_stop && isatty(fileno(c->err)))
        fputc('\n', c->err);   /* after the terminal's ^C: the next prompt on its own line */
    monitor_free(m);
    return rc;
}
