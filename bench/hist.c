/* hist.c — a log-bucket latency histogram in the manner of HdrHistogram.
 *
 * Layout. Values below 2^(SUB_BITS+1) = 256 ns have a bucket each. Above,
 * every power of two [2^e, 2^(e+1)) is split into 2^SUB_BITS = 128 equal
 * sub-buckets, so a bucket is never wider than 1/128 of its values: any
 * percentile read back is within 0.8 % of the exact one, whatever the
 * number of samples, in constant memory (HIST_BUCKETS counters) and O(1)
 * per sample. Percentiles are read from the cumulative counts, never by
 * sorting samples. Never does I/O. */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB_COUNT (1u << HIST_SUB_BITS)
#define LINEAR_LIMIT (2u * SUB_COUNT)      /* below this, one bucket per value */
#define VALUE_LIMIT (((uint64_t)1 << HIST_MAX_EXP) - 1)

static size_t bucket_of(uint64_t v)
{
    if (v < LINEAR_LIMIT)
        return (size_t)v;
    if (v > VALUE_LIMIT)
        v = VALUE_LIMIT;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);      /* e >= SUB_BITS + 1 */
    unsigned shift = e - HIST_SUB_BITS;                    /* >= 1 */
    uint64_t top = v >> shift;                             /* in [SUB_COUNT, 2*SUB_COUNT) */
    return LINEAR_LIMIT + (size_t)(shift - 1) * SUB_COUNT + (size_t)(top - SUB_COUNT);
}

/* The highest value that falls into bucket b. */
static uint64_t bucket_high(size_t b)
{
    if (b < LINEAR_LIMIT)
        return b;
    size_t k = b - LINEAR_LIMIT;
    unsigned shift = (unsigned)(k / SUB_COUNT) + 1;
    uint64_t top = SUB_COUNT + k % SUB_COUNT;
    return ((top + 1) << shift) - 1;
}

void hist_init(hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

void hist_add(hist *h, uint64_t ns)
{
    h->counts[bucket_of(ns)]++;
    h->n++;
    h->sum += (double)ns;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
}

void hist_merge(hist *into, const hist *from)
{
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        into->counts[i] += from->counts[i];
    into->n += from->n;
    into->sum += from->sum;
    if (from->min < into->min)
        into->min = from->min;
    if (from->max > into->max)
        into->max = from->max;
}

uint64_t hist_percentile(const hist *h, double p)
{
    if (h->n == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->n);
    if (rank < 1)
        rank = 1;
    if (rank > h->n)
        rank = h->n;
    uint64_t seen = 0;
    for (size_t b = 0; b < HIST_BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= rank) {
            uint64_t v = bucket_high(b);
            return v > h->max ? h->max : v < h->min ? h->min : v;
        }
    }
    return h->max;
}

double hist_mean(const hist *h)
{
    return h->n ? h->sum / (double)h->n : 0;
}

void run_from_hist(bench_run *r, const hist *h)
{
    r->p50 = (double)hist_percentile(h, 50);
    r->p99 = (double)hist_percentile(h, 99);
    r->p999 = (double)hist_percentile(h, 99.9);
    r->max = (double)h->max;
}

/* ------------------------------------------------------------ self-test */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Log-normal-ish samples from 50 ns to seconds; every percentile from the
 * histogram must be within 1 % of the exact order statistic (and bucket
 * edges must round-trip). */
int hist_selftest(void)
{
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    hist *h = malloc(sizeof *h);
    if (v == NULL || h == NULL)
        return -1;
    hist_init(h);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;
        v[i] = (uint64_t)(50.0 * pow(1e7, u));
        hist_add(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    int bad = 0;
    const double ps[] = {1, 10, 50, 90, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        size_t rank = (size_t)ceil(ps[i] / 100.0 * N);
        double exact = (double)v[rank - 1], got = (double)hist_percentile(h, ps[i]);
        if (fabs(got - exact) > 0.01 * exact) {
            fprintf(stderr, "hist: p%g exact %.0f got %.0f\n", ps[i], exact, got);
            bad++;
        }
    }
    for (size_t b = 0; b + 1 < HIST_BUCKETS; b++) {
        if (bucket_of(bucket_high(b)) != b || bucket_of(bucket_high(b) + 1) != b + 1) {
            fprintf(stderr, "hist: bucket %zu edges do not round-trip\n", b);
            bad++;
            break;
        }
    }
    free(v);
    free(h);
    return bad ? -1 : 0;
}
