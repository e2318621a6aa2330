/* prometheus.c — a Status reply as Prometheus text (see prometheus.h).
 * Knows the format and the names; never talks to the server. */
#include "prometheus.h"

#include <stdbool.h>
#include <stdint.h>


/* A label value with \, " and line feeds escaped, as the format asks. */
static void label_value(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void integer(FILE *out, bool has, const char *name, const char *type, const char *help,
                    uint64_t value)
{
    if (!has)
        return;
    family(out, name, type, help);
    fprintf(out, "%s %llu\n", name, (unsigned long long)value);
}

static void info(FILE *out, const Okr__Status *s)
{
    family(out, "okrd_info", "gauge", "okrd's version, data epoch and mode; always 1.");
    fputs("okrd_info{version=", out);
    label_value(out, s->version);
    fputs(",epoch=\"", out);
    for (size_t i = 0; i < s->epoch.len; i++)
        fprintf(out, "%02x", s->epoch.data[i]);
    fprintf(out, "\",mode=\"%s\"} 1\n", s->has_secure && s->secure ? "secure" : "local");
    if (s->has_started_at) {
        family(out, "okrd_start_time_seconds", "gauge", "When okrd started, Unix time.");
        fprintf(out, "okrd_start_time_seconds %lld.%06lld\n",
                (long long)(s->started_at / 1000000), (long long)(s->started_at % 1000000));
    }
}

static void requests(FILE *out, const Okr__Status *s)
{
    family(out, "okrd_requests_total", "counter",
           "Requests answered, by request type and result code (lower-case ErrorCode).");
    for (size_t i = 0; i < s->n_requests; i++) {
        const Okr__MetricRequests *r = s->requests[i];
        fputs("okrd_requests_total{type=", out);
        label_value(out, r->type);
        fputs(",code=", out);
        label_value(out, r->code);
        fprintf(out, "} %llu\n", (unsigned long long)r->count);
    }
}

/* A value of the histogram's unit in the base unit: microseconds as
 * seconds (scale 1e6), or a count as itself (scale 1). */
static void scaled(FILE *out, uint64_t value, uint64_t scale)
{
    if (scale == 1)
        fprintf(out, "%llu", (unsigned long long)value);
    else
        fprintf(out, "%.9g", (double)value / (double)scale);
}

static void histogram(FILE *out, const Okr__MetricHistogram *h, const char *name,
                      const char *help, uint64_t scale)
{
    if (h == NULL)
        return;
    family(out, name, "histogram", help);
    for (size_t i = 0; i < h->n_le && i < h->n_at_most; i++) {
        fprintf(out, "%s_bucket{le=\"", name);
        scaled(out, h->le[i], scale);
        fprintf(out, "\"} %llu\n", (unsigned long long)h->at_most[i]);
    }
    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
    fprintf(out, "%s_sum ", name);
    if (scale == 1)
        fprintf(out, "%llu", (unsigned long long)h->sum);
    else
        fprintf(out, "%llu.%06llu", (unsigned long long)(h->sum / scale),
                (unsigned long long)(h->sum % scale));
    fprintf(out, "\n%s_count %llu\n", name, (unsigned long long)h->count);
}

static void batches(FILE *out, const Okr__Status *s)
{
    histogram(out, s->batch_size, "okrd_batch_requests",
              "Requests per batch (each batch is one transaction).", 1);
    histogram(out, s->commit_us, "okrd_commit_duration_seconds",
              "Time of each batch that committed a change: its requests, the commit "
              "and its fsync.", 1000000);
}

static void events(FILE *out, const Okr__Status *s)
{
    integer(out, s->has_last_seq, "okrd_last_seq", "gauge",
            "Seq of the last committed event, in this epoch.",
            s->last_seq);
    integer(out, s->has_events_published, "okrd_events_published_total", "counter",
            "Events sent on the PUB socket since okrd started.", s->events_published);
    integer(out, s->has_subscribers, "okrd_subscribers", "gauge",
            "Connections to the PUB socket now.", s->subscribers);
    integer(out, s->has_subscriptions, "okrd_subscriptions", "gauge",
            "Distinct topics subscribed now.", s->subscriptions);
    integer(out, s->has_subscriptions_refused, "okrd_subscriptions_refused_total", "counter",
            "Subscriptions refused (a topic okrd never publishes, or no room).",
            s->subscriptions_refused);
    integer(out, s->has_subscribers_dropped, "okrd_subscribers_dropped_total", "counter",
            "Subscriber connections shut for sending too many subscriptions.",
            s->subscribers_dropped);
}

static void clients(FILE *out, const Okr__Status *s)
{
    integer(out, s->has_peers, "okrd_peers", "gauge",
            "Clients whose replies okrd tracks now.", s->peers);
    integer(out, s->has_reply_bytes_queued, "okrd_reply_queued_bytes", "gauge",
            "Reply bytes queued for clients that have not taken them.", s->reply_bytes_queued);
    integer(out, s->has_peers_throttled, "okrd_peers_throttled_total", "counter",
            "Times a client went over its budget of queued reply bytes.", s->peers_throttled);
    integer(out, s->has_requests_dropped, "okrd_requests_dropped_total", "counter",
            "Requests dropped unexecuted because their client was over its budget.",
            s->requests_dropped);
}

static void storage(FILE *out, const Okr__Status *s)
{
    integer(out, s->has_map_bytes, "okrd_map_size_bytes", "gauge",
            "Size of the LMDB map now (it doubles when full).", s->map_bytes);
    integer(out, s->has_data_bytes, "okrd_map_used_bytes", "gauge",
            "Bytes of the map in use (up to its last page).", s->data_bytes);
    integer(out, s->has_map_grows, "okrd_map_grows_total", "counter",
            "Times a full map was doubled.", s->map_grows);
    integer(out, s->has_objectives, "okrd_objectives", "gauge",
            "Objectives stored, archived ones included.", s->objectives);
    integer(out, s->has_krs, "okrd_key_results", "gauge", "Key results stored.", s->krs);
    integer(out, s->has_checkins, "okrd_checkins", "gauge", "Check-ins stored.", s->checkins);
}

void prometheus_write(FILE *out, const Okr__Status *s)
{
    info(out, s);
    requests(out, s);
    batches(out, s);
    events(out, s);
    clients(out, s);
    storage(out, s);
}
