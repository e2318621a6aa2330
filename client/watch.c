/* watch.c — `okr watch`: prints the events monitor.c delivers, human lines
 * or JSON lines. Owns the SIGINT/SIGTERM handling while it runs (the only
 * global here is the flag those handlers set). */
#include "watch.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "json_out.h"
#include "monitor.h"
#include "render.h"
#include "text.h"

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

static const char *body_name(const Okr__Request *req)
{
    const ProtobufCFieldDescriptor *f =
        req ? protobuf_c_message_descriptor_get_field(&okr__request__descriptor,
                                                      (unsigned)req->body_case)
            : NULL;
    return f ? f->name : "change";
}

/* What the change did, in words, into buf. */
static void describe(const Okr__Event *ev, char *buf, size_t len)
{
    const Okr__Request *q = ev->change;
    const char *subject = ev->subject ? ev->subject : "";
    char num[FMT_BUF];
    if (q && q->body_case == OKR__REQUEST__BODY_CHECKIN) {
        const Okr__CheckInAdd *c = q->checkin;
        int n = snprintf(buf, len, "checkin %s = %s", subject, fmt_number(c->value, num, sizeof num));
        if (c->has_confidence && n > 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, " (confidence %.2f)", c->confidence);
        if (c->note && c->note[0] && n > 0 && (size_t)n < len)
            snprintf(buf + n, len - (size_t)n, " \"%s\"", c->note);
    } else if (q && q->body_case == OKR__REQUEST__BODY_ALIGN && q->align->alignment) {
        const Okr__Alignment *a = q->align->alignment;
        snprintf(buf, len, "align %s -> %s (weight %u)", a->child ? a->child : "",
                 a->parent ? a->parent : "", a->has_weight ? a->weight : 1);
    } else if (q && q->body_case == OKR__REQUEST__BODY_UNALIGN) {
        snprintf(buf, len, "unalign %s from %s", q->unalign->child ? q->unalign->child : "",
                 q->unalign->parent ? q->unalign->parent : "");
    } else if (q && q->body_case == OKR__REQUEST__BODY_OBJECTIVE_ADD && q->objective_add->objective) {
        snprintf(buf, len, "objective_add %s \"%s\"", subject,
                 q->objective_add->objective->title ? q->objective_add->objective->title : "");
    } else if (q && q->body_case == OKR__REQUEST__BODY_KR_ADD && q->kr_add->kr) {
        snprintf(buf, len, "kr_add %s to %s \"%s\"", subject,
                 q->kr_add->kr->objective ? q->kr_add->kr->objective : "",
                 q->kr_add->kr->title ? q->kr_add->kr->title : "");
    } else {
        snprintf(buf, len, "%s %s", body_name(q), subject);
    }
}

void watch_print_event(FILE *out, const Okr__Event *ev, bool color)
{
    char when[20], what[512];
    text_format_time(ev->time, when);
    describe(ev, what, sizeof what);
    fprintf(out, "#%llu %s %s %s", (unsigned long long)ev->seq, when,
            ev->actor ? ev->actor : "?", what);
    for (size_t i = 0; i < ev->n_scores; i++) {
        const Okr__ScoreChange *s = ev->scores[i];
        char from[FMT_BUF], to[FMT_BUF];
        const char *tint = !color ? "" : s->new_score > s->old_score ? RENDER_GREEN : RENDER_RED;
        fprintf(out, "%s %s%s %s->%s%s", i == 0 ? " |" : "", tint, s->node,
                fmt_score(s->old_score, 3, from, sizeof from),
                fmt_score(s->new_score, 3, to, sizeof to), color ? RENDER_RESET : "");
    }
    fputc('\n', out);
}

struct json_object *watch_event_json(const Okr__Event *ev)
{
    char when[FMT_BUF];
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "seq", json_object_new_uint64(ev->seq));
    json_object_object_add(o, "time", json_object_new_string(fmt_iso_time(ev->time, when, sizeof when)));
    json_object_object_add(o, "actor", json_object_new_string(ev->actor ? ev->actor : ""));
    json_object_object_add(o, "subject", json_object_new_string(ev->subject ? ev->subject : ""));
    struct json_object *change = NULL;
    if (ev->change && ev->change->body_case != OKR__REQUEST__BODY__NOT_SET) {
        /* The body the change was made with, flattened, plus its type. */
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
            &okr__request__descriptor, (unsigned)ev->change->body_case);
        const ProtobufCMessage *body =
            f ? *(const ProtobufCMessage *const *)((const char *)ev->change + f->offset) : NULL;
        change = body ? json_message(body) : json_object_new_object();
        json_object_object_add(change, "type", json_object_new_string(body_name(ev->change)));
    }
    json_object_object_add(o, "change", change);
    struct json_object *scores = json_object_new_array();
    for (size_t i = 0; i < ev->n_scores; i++) {
        struct json_object *s = json_object_new_object();
        json_object_object_add(s, "node", json_object_new_string(ev->scores[i]->node));
        json_object_object_add(s, "old", json_score(ev->scores[i]->old_score));
        json_object_object_add(s, "new", json_score(ev->scores[i]->new_score));
        json_object_array_add(scores, s);
    }
    json_object_object_add(o, "scores", scores);
    struct json_object *nodes = json_object_new_array();
    for (size_t i = 0; i < ev->n_nodes; i++)
        json_object_array_add(nodes, json_object_new_string(ev->nodes[i]));
    json_object_object_add(o, "nodes", nodes);
    return o;
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
