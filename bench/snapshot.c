/* snapshot.c — snapshot_*: the clone pattern's first step at scale. One
 * monitor (client/monitor.c, as any C monitor would use it) takes a whole
 * snapshot, every page, and the time from connecting to the last page is
 * the figure. Against a server without paging (one reply) it measures the
 * same thing, so old and new okrd compare directly. Measures nothing else. */
#include "bench.h"

#include <string.h>

#include "monitor.h"

#define SNAPSHOT_DEADLINE_NS (300LL * 1000000000)

typedef struct {
    snapshot_result *out;
    bool complete;
} clone_state;

static void on_page(void *ctx, const Okr__Snapshot *snap)
{
    clone_state *c = ctx;
    if (snap->page == 0) {
        size_t pages = c->out->pages;
        memset(c->out, 0, sizeof *c->out);
        c->out->pages = pages;       /* a restarted snapshot still cost its pages */
    }
    size_t bytes = okr__snapshot__get_packed_size(snap);
    c->out->pages++;
    c->out->nodes += snap->n_objectives + snap->n_krs;
    c->out->edges += snap->n_alignments;
    c->out->bytes += bytes;
    if (bytes > c->out->max_page_bytes)
        c->out->max_page_bytes = bytes;
    c->complete = !snap->more;
}

static void on_notice(void *ctx, const char *message)
{
    (void)ctx;
    bench_note("snapshot monitor: %s", message);
}

int snapshot_clone(const char *requests, const char *events, snapshot_result *out)
{
    memset(out, 0, sizeof *out);
    clone_state c = {.out = out};
    monitor_options opt = {
        .request_endpoint = requests,
        .event_endpoint = events,
        .want_snapshot = true,
        .request_timeout_ms = 60000,
        .user = BENCH_USER,
    };
    monitor_callbacks cb = {.on_snapshot = on_page, .on_notice = on_notice};
    int64_t t0 = clock_mono_ns();
    monitor *m = monitor_new(&opt, &cb, &c);
    if (m == NULL) {
        bench_note("snapshot: cannot connect a monitor");
        return -1;
    }
    int rc = 0;
    while (!c.complete && clock_mono_ns() - t0 < SNAPSHOT_DEADLINE_NS) {
        if (monitor_poll(m, 20) != 0) {
            bench_note("snapshot: %s", monitor_error(m));
            rc = -1;
            break;
        }
    }
    out->ns = (double)(clock_mono_ns() - t0);
    monitor_free(m);
    if (rc == 0 && !c.complete) {
        bench_note("snapshot: not complete after %lld s", SNAPSHOT_DEADLINE_NS / 1000000000);
        rc = -1;
    }
    return rc;
}
