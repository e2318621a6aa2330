/* status_metrics.c — okrd's counters for people (a few lines and a table
 * of requests by type and code) and for --json (see status_metrics.h). */
#include "status_metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "table.h"

#define MAX_ROWS 64
#define MAX_CODES 16

static void line(const render_ctx *ctx, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void line(const render_ctx *ctx, const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(ctx->out, "  %-12s ", name);
    va_start(ap, fmt);
    vfprintf(ctx->out, fmt, ap);
    va_end(ap);
    fputc('\n', ctx->out);
}

static const char *bytes_text(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = (double)bytes;
    size_t u = 0;
    while (value >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        value /= 1024;
        u++;
    }
    snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", value, units[u]);
    return buf;
}

/* The bound of the bucket that holds quantile q (0..1) of h: "<= 2 ms",
 * or "> 1000 ms" past the last bound. scale: units per shown unit. */
static const char *quantile_text(const Okr__MetricHistogram *h, double q, double scale,
                                 const char *unit, char *buf, size_t len)
{
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank == 0)
        rank = 1;
    for (size_t i = 0; i < h->n_le && i < h->n_at_most; i++)
        if (h->at_most[i] >= rank) {
            snprintf(buf, len, "<= %g%s", (double)h->le[i] / scale, unit);
            return buf;
        }
    snprintf(buf, len, "> %g%s", h->n_le ? (double)h->le[h->n_le - 1] / scale : 0.0, unit);
    return buf;
}

static void histograms(const render_ctx *ctx, const Okr__Status *s)
{
    char p50[32], p99[32];
    const Okr__MetricHistogram *b = s->batch_size, *c = s->commit_us;
    if (b && b->count)
        line(ctx, "batches", "%llu (requests per batch: median %s, 99th percentile %s, "
             "mean %.2f)", (unsigned long long)b->count,
             quantile_text(b, 0.5, 1, "", p50, sizeof p50),
             quantile_text(b, 0.99, 1, "", p99, sizeof p99), (double)b->sum / (double)b->count);
    else if (b)
        line(ctx, "batches", "0");
    if (c && c->count)
        line(ctx, "commits", "%llu (time: median %s, 99th percentile %s, mean %.3f ms)",
             (unsigned long long)c->count, quantile_text(c, 0.5, 1000, " ms", p50, sizeof p50),
             quantile_text(c, 0.99, 1000, " ms", p99, sizeof p99),
             (double)c->sum / (double)c->count / 1000);
    else if (c)
        line(ctx, "commits", "0");
}

static void gauges(const render_ctx *ctx, const Okr__Status *s)
{
    char used[32], size[32], queued[32];
    if (s->has_events_published)
        line(ctx, "events sent", "%llu", (unsigned long long)s->events_published);
    if (s->has_subscriptions) {
        char who[32] = "";
        if (s->has_subscribers)
            snprintf(who, sizeof who, "%llu connected, ", (unsigned long long)s->subscribers);
        line(ctx, "subscribers", "%s%llu topics; %llu refused, %llu connections dropped", who,
             (unsigned long long)s->subscriptions, (unsigned long long)s->subscriptions_refused,
             (unsigned long long)s->subscribers_dropped);
    }
    if (s->has_map_bytes && s->map_bytes)
        line(ctx, "map", "%s used of %s (%.1f %%), grown %llu times",
             bytes_text(s->data_bytes, used, sizeof used),
             bytes_text(s->map_bytes, size, sizeof size),
             100.0 * (double)s->data_bytes / (double)s->map_bytes,
             (unsigned long long)s->map_grows);
    if (s->has_peers)
        line(ctx, "clients", "%llu now, %s of replies queued; %llu times throttled, "
             "%llu requests dropped", (unsigned long long)s->peers,
             bytes_text(s->reply_bytes_queued, queued, sizeof queued),
             (unsigned long long)s->peers_throttled, (unsigned long long)s->requests_dropped);
}

/* ------------------------------------------------------------ the table */

/* Result codes in ErrorCode order, as the server names them. */
static const char *const known_codes[] = {
    "ok", "invalid_argument", "not_found", "conflict", "permission_denied",
    "unauthenticated", "period_closed", "unsupported_version", "resource_exhausted",
    "internal",
};

static size_t index_of(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

/* The codes that occur, in ErrorCode order, then unknown ones (a newer
 * server's) as they come. Returns how many. */
static size_t codes_seen(const Okr__Status *s, const char **codes)
{
    size_t n = 0;
    size_t n_known = sizeof known_codes / sizeof known_codes[0];
    for (size_t k = 0; k < n_known; k++)
        for (size_t i = 0; i < s->n_requests; i++)
            if (s->requests[i]->code && strcmp(s->requests[i]->code, known_codes[k]) == 0) {
                codes[n++] = known_codes[k];
                break;
            }
    for (size_t i = 0; i < s->n_requests && n < MAX_CODES; i++) {
        const char *c = s->requests[i]->code ? s->requests[i]->code : "?";
        if (index_of(known_codes, n_known, c) == n_known && index_of(codes, n, c) == n)
            codes[n++] = c;
    }
    return n;
}

static size_t types_seen(const Okr__Status *s, const char **types)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_requests && n < MAX_ROWS; i++) {
        const char *t = s->requests[i]->type ? s->requests[i]->type : "?";
        if (index_of(types, n, t) == n)
            types[n++] = t;
    }
    return n;
}

static void request_table(const render_ctx *ctx, const Okr__Status *s)
{
    const char *codes[MAX_CODES], *types[MAX_ROWS], *headers[MAX_CODES + 1];
    uint64_t counts[MAX_ROWS][MAX_CODES];
    size_t n_codes = codes_seen(s, codes), n_types = types_seen(s, types);
    if (n_types == 0)
        return;
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < s->n_requests; i++) {
        const Okr__MetricRequests *r = s->requests[i];
        size_t t = index_of(types, n_types, r->type ? r->type : "?");
        size_t c = index_of(codes, n_codes, r->code ? r->code : "?");
        if (t < n_types && c < n_codes)
            counts[t][c] += r->count;
    }
    headers[0] = "request";
    memcpy(headers + 1, codes, n_codes * sizeof codes[0]);
    fputc('\n', ctx->out);
    table *tb = table_new(n_codes + 1, headers);
    for (size_t t = 0; t < n_types; t++) {
        table_cell(tb, NULL, "%s", types[t]);
        for (size_t c = 0; c < n_codes; c++)
            if (counts[t][c])
                table_cell(tb, NULL, "%llu", (unsigned long long)counts[t][c]);
            else
                table_cell(tb, NULL, "-");
    }
    table_print(tb, ctx->out, ctx->color);
    table_free(tb);
}

void status_metrics_render(const render_ctx *ctx, const Okr__Status *s)
{
    gauges(ctx, s);
    histograms(ctx, s);
    request_table(ctx, s);
}

/* ------------------------------------------------------------ JSON */

static void put_u64(struct json_object *obj, const char *key, bool has, uint64_t value)
{
    if (has)
        json_object_object_add(obj, key, json_object_new_uint64(value));
}

static struct json_object *histogram_json(const Okr__MetricHistogram *h)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *le = json_object_new_array(), *at_most = json_object_new_array();
    for (size_t i = 0; i < h->n_le; i++)
        json_object_array_add(le, json_object_new_uint64(h->le[i]));
    for (size_t i = 0; i < h->n_at_most; i++)
        json_object_array_add(at_most, json_object_new_uint64(h->at_most[i]));
    json_object_object_add(obj, "le", le);
    json_object_object_add(obj, "at_most", at_most);
    put_u64(obj, "count", true, h->count);
    put_u64(obj, "sum", true, h->sum);
    return obj;
}

struct json_object *status_metrics_json(const Okr__Status *s)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *requests = json_object_new_array();
    for (size_t i = 0; i < s->n_requests; i++) {
        struct json_object *r = json_object_new_object();
        json_object_object_add(r, "type", json_object_new_string(s->requests[i]->type ? s->requests[i]->type : ""));
        json_object_object_add(r, "code", json_object_new_string(s->requests[i]->code ? s->requests[i]->code : ""));
        put_u64(r, "count", true, s->requests[i]->count);
        json_object_array_add(requests, r);
    }
    json_object_object_add(obj, "requests", requests);
    if (s->batch_size)
        json_object_object_add(obj, "batch_size", histogram_json(s->batch_size));
    if (s->commit_us)
        json_object_object_add(obj, "commit_us", histogram_json(s->commit_us));
    put_u64(obj, "events_published", s->has_events_published, s->events_published);
    put_u64(obj, "subscribers", s->has_subscribers, s->subscribers);
    put_u64(obj, "subscriptions", s->has_subscriptions, s->subscriptions);
    put_u64(obj, "subscriptions_refused", s->has_subscriptions_refused, s->subscriptions_refused);
    put_u64(obj, "subscribers_dropped", s->has_subscribers_dropped, s->subscribers_dropped);
    put_u64(obj, "peers", s->has_peers, s->peers);
    put_u64(obj, "reply_bytes_queued", s->has_reply_bytes_queued, s->reply_bytes_queued);
    put_u64(obj, "peers_throttled", s->has_peers_throttled, s->peers_throttled);
    put_u64(obj, "requests_dropped", s->has_requests_dropped, s->requests_dropped);
    put_u64(obj, "map_bytes", s->has_map_bytes, s->map_bytes);
    put_u64(obj, "map_used_bytes", s->has_data_bytes, s->data_bytes);
    put_u64(obj, "map_grows", s->has_map_grows, s->map_grows);
    return obj;
}
