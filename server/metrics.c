/* metrics.c — okrd's counters (see metrics.h): counting a finished batch,
 * and copying the counters into a Status reply. Counting costs a pass over
 * the batch's items with an increment each; nothing here allocates until a
 * StatusGet asks. */
#include "metrics.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>

#include "requests.h"

/* Commit times in microseconds: fsync on an SSD takes 0.1-2 ms, on a disk
 * or a busy VM 5-50 ms; past a second something is wrong. */
static const uint64_t commit_bounds_us[] = {250,   500,    1000,   2000,   5000,   10000,
                                            25000, 50000, 100000, 250000, 500000, 1000000};
/* Requests per batch: a batch takes at most BATCH_MAX (256). */
static const uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void histogram_init(metrics_histogram *h, const uint64_t *le, size_t n_le)
{
    assert(n_le <= METRICS_MAX_BUCKETS);
    memset(h, 0, sizeof *h);
    h->le = le;
    h->n_le = n_le;
}

void metrics_init(metrics *m)
{
    memset(m, 0, sizeof *m);
    assert(okr_request_type_count + 1 <= METRICS_MAX_TYPES);
    for (int i = 0; i < okr_request_type_count; i++)
        if ((unsigned)okr_request_types[i].body < METRICS_BODY_TABLE)
            m->row_of_body[okr_request_types[i].body] = (uint8_t)(i + 1);
    histogram_init(&m->batch_size, batch_bounds, COUNT_OF(batch_bounds));
    histogram_init(&m->commit_us, commit_bounds_us, COUNT_OF(commit_bounds_us));
}

static void observe(metrics_histogram *h, uint64_t value)
{
    size_t i = 0;
    while (i < h->n_le && value > h->le[i])
        i++;
    h->in_bucket[i]++;
    h->count++;
    h->sum += value;
}

/* Row 0 is "malformed"; row i + 1 is okr_request_types[i]. */
static size_t row_of(const metrics *m, Okr__Request__BodyCase body)
{
    if ((unsigned)body < METRICS_BODY_TABLE)
        return m->row_of_body[body];
    const okr_request_type *t = requests_find(body);
    return t ? (size_t)(t - okr_request_types) + 1 : 0;
}

static const char *row_name(size_t row)
{
    return row == 0 ? "malformed" : okr_request_types[row - 1].name;
}

static Okr__ErrorCode code_of(const Okr__Response *r)
{
    Okr__ErrorCode code = r->error ? r->error->code : OKR__ERROR_CODE__OK;
    return (unsigned)code < METRICS_CODES ? code : OKR__ERROR_CODE__INTERNAL;
}

void metrics_count_batch(metrics *m, const core_item *items, size_t n, int64_t us,
                         unsigned map_grows)
{
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
        const core_item *it = &items[i];
        changed |= it->event != NULL;
        if (!it->skipped && it->response)
            m->requests[row_of(m, it->body)][code_of(it->response)]++;
    }
    observe(&m->batch_size, n);
    if (changed)
        observe(&m->commit_us, us > 0 ? (uint64_t)us : 0);
    m->map_grows += map_grows;
}

/* ------------------------------------------------------------ status */

static Okr__MetricHistogram *histogram_message(const metrics_histogram *h, arena *mem)
{
    Okr__MetricHistogram *out = ARENA_NEW(mem, Okr__MetricHistogram, OKR__METRIC_HISTOGRAM__INIT);
    out->n_le = out->n_at_most = h->n_le;
    out->le = (uint64_t *)h->le;
    out->at_most = ARENA_ARRAY(mem, uint64_t, h->n_le);
    uint64_t below = 0;
    for (size_t i = 0; i < h->n_le; i++)
        out->at_most[i] = below += h->in_bucket[i];
    out->has_count = out->has_sum = true;
    out->count = h->count;
    out->sum = h->sum;
    return out;
}

/* "not_found" for NOT_FOUND, in mem. */
static char *code_name(Okr__ErrorCode code, arena *mem)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&okr__error_code__descriptor, (int)code);
    char *name = arena_strdup(mem, v ? v->name : "unknown");
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return name;
}

static void fill_requests(const metrics *m, Okr__Status *s, arena *mem)
{
    size_t rows = (size_t)okr_request_type_count + 1, n = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < METRICS_CODES; c++)
            n += m->requests[r][c] != 0;
    s->requests = ARENA_ARRAY(mem, Okr__MetricRequests *, n ? n : 1);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < METRICS_CODES; c++) {
            if (m->requests[r][c] == 0)
                continue;
            Okr__MetricRequests *cell =
                ARENA_NEW(mem, Okr__MetricRequests, OKR__METRIC_REQUESTS__INIT);
            cell->type = (char *)row_name(r);
            cell->code = code_name((Okr__ErrorCode)c, mem);
            cell->has_count = true;
            cell->count = m->requests[r][c];
            s->requests[s->n_requests++] = cell;
        }
}

void metrics_fill_status(const metrics *m, Okr__Status *s, arena *mem)
{
    fill_requests(m, s, mem);
    s->batch_size = histogram_message(&m->batch_size, mem);
    s->commit_us = histogram_message(&m->commit_us, mem);
    s->has_events_published = s->has_map_grows = true;
    s->events_published = m->events_published;
    s->map_grows = m->map_grows;
}
