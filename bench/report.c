/* report.c — the figures of one run, their medians, the ratios and the
 * targets, printed as a plain table or as GitHub markdown (for the README).
 * Knows nothing of how a figure was measured. */
#include "bench.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define MAX_FIGURES 96
#define MAX_TARGETS 24

typedef struct {
    char name[16];
    char what[120];
    char ratio_text[120];
    double ratio, limit;
    bool higher;
    char why_missing[200];
} target;

static figure figures[MAX_FIGURES];
static size_t n_figures;
static target targets[MAX_TARGETS];
static size_t n_targets;

static figure *find(const char *key)
{
    for (size_t i = 0; i < n_figures; i++)
        if (strcmp(figures[i].key, key) == 0)
            return &figures[i];
    return NULL;
}

figure *report_figure(const char *key, const char *label, report_unit unit)
{
    figure *f = find(key);
    if (f)
        return f;
    if (n_figures == MAX_FIGURES)
        bench_die("too many figures");
    f = &figures[n_figures++];
    memset(f, 0, sizeof *f);
    snprintf(f->key, sizeof f->key, "%s", key);
    snprintf(f->label, sizeof f->label, "%s", label);
    f->unit = unit;
    return f;
}

void report_add(const char *key, double value)
{
    figure *f = find(key);
    if (f == NULL)
        bench_die("report_add: unknown figure %s", key);
    if (f->n < BENCH_MAX_RUNS)
        f->runs[f->n++] = value;
}

void report_skip(const char *key, const char *label, report_unit unit, const char *why)
{
    figure *f = report_figure(key, label, unit);
    f->skipped = true;
    snprintf(f->note, sizeof f->note, "%s", why);
}

void report_note(const char *key, const char *fmt, ...)
{
    figure *f = find(key);
    if (f == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->note, sizeof f->note, fmt, ap);
    va_end(ap);
}

const char *report_skip_note(const char *key)
{
    figure *f = find(key);
    return f && f->skipped ? f->note : NULL;
}

double report_value(const char *key)
{
    figure *f = find(key);
    if (f == NULL || f->skipped || f->n == 0)
        return NAN;
    double v[BENCH_MAX_RUNS];
    memcpy(v, f->runs, f->n * sizeof *v);
    return bench_median(v, f->n);
}

void report_target(const char *name, const char *what, double ratio, double limit, bool higher,
                   const char *ratio_text, const char *why_missing)
{
    if (n_targets == MAX_TARGETS)
        bench_die("too many targets");
    target *t = &targets[n_targets++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->what, sizeof t->what, "%s", what);
    snprintf(t->ratio_text, sizeof t->ratio_text, "%s", ratio_text ? ratio_text : "");
    snprintf(t->why_missing, sizeof t->why_missing, "%s", why_missing ? why_missing : "");
    t->ratio = ratio;
    t->limit = limit;
    t->higher = higher;
}

static bool target_met(const target *t)
{
    return t->higher ? t->ratio >= t->limit : t->ratio <= t->limit;
}

int report_missed(void)
{
    int missed = 0;
    for (size_t i = 0; i < n_targets; i++)
        missed += !isnan(targets[i].ratio) && !target_met(&targets[i]);
    return missed;
}

/* ------------------------------------------------------------ formatting */

/* 1234567 -> "1,234,567" */
static void grouped(double v, char *out, size_t len)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < len; i++) {
        out[o++] = digits[i];
        size_t left = n - i - 1;
        if (left > 0 && left % 3 == 0 && digits[i] != '-')
            out[o++] = ',';
    }
    out[o] = '\0';
}

void report_format(report_unit unit, double v, char *out, size_t len)
{
    char g[40];
    if (isnan(v)) {
        snprintf(out, len, "-");
        return;
    }
    switch (unit) {
    case UNIT_RATE:
        grouped(v, g, sizeof g);
        snprintf(out, len, "%s /s", g);
        break;
    case UNIT_NS:
        if (v < 1e6)
            snprintf(out, len, "%.1f µs", v / 1e3);
        else if (v < 1e9)
            snprintf(out, len, "%.2f ms", v / 1e6);
        else
            snprintf(out, len, "%.2f s", v / 1e9);
        break;
    case UNIT_MIB:
        snprintf(out, len, "%.1f MiB", v);
        break;
    case UNIT_COUNT:
        grouped(v, g, sizeof g);
        snprintf(out, len, "%s", g);
        break;
    case UNIT_SECONDS:
        snprintf(out, len, "%.2f s", v);
        break;
    }
}

/* Display width of UTF-8 text (µ, ×, ≥, ≤, – count as one column). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void cell(FILE *out, const char *text, size_t w, bool right)
{
    size_t pad = w > width(text) ? w - width(text) : 0;
    if (right)
        fprintf(out, "%*s%s", (int)pad, "", text);
    else
        fprintf(out, "%s%*s", text, (int)pad, "");
}

typedef struct {
    char c[5][240];
} row;

/* Copy text into a cell, cut to fit. */
static void set_cell(char *cell_text, const char *text)
{
    size_t n = strlen(text);
    if (n > 239)
        n = 239;
    memcpy(cell_text, text, n);
    cell_text[n] = '\0';
}

static void print_rows(FILE *out, bool markdown, const char *const head[], int cols,
                       const row *rows, size_t n, const bool *right)
{
    size_t w[5] = {0};
    for (int j = 0; j < cols; j++) {
        w[j] = width(head[j]);
        for (size_t i = 0; i < n; i++)
            if (width(rows[i].c[j]) > w[j])
                w[j] = width(rows[i].c[j]);
    }
    if (markdown) {
        fputs("|", out);
        for (int j = 0; j < cols; j++)
            fprintf(out, " %s |", head[j]);
        fputs("\n|", out);
        for (int j = 0; j < cols; j++)
            fprintf(out, "%s|", right[j] ? "---:" : "---");
        fputc('\n', out);
        for (size_t i = 0; i < n; i++) {
            fputs("|", out);
            for (int j = 0; j < cols; j++)
                fprintf(out, " %s |", rows[i].c[j]);
            fputc('\n', out);
        }
        return;
    }
    for (int j = 0; j < cols; j++) {
        cell(out, head[j], w[j], right[j]);
        fputs(j + 1 < cols ? "  " : "\n", out);
    }
    for (int j = 0; j < cols; j++) {
        for (size_t k = 0; k < w[j]; k++)
            fputc('-', out);
        fputs(j + 1 < cols ? "  " : "\n", out);
    }
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < cols; j++) {
            cell(out, rows[i].c[j], w[j], right[j]);
            fputs(j + 1 < cols ? "  " : "\n", out);
        }
}

void report_print(FILE *out, bool markdown, const char *title)
{
    static row rows[MAX_FIGURES];
    if (title)
        fprintf(out, markdown ? "%s\n\n" : "\n%s\n\n", title);
    for (size_t i = 0; i < n_figures; i++) {
        figure *f = &figures[i];
        row *r = &rows[i];
        memset(r, 0, sizeof *r);
        set_cell(r->c[0], f->label);
        if (f->skipped) {
            snprintf(r->c[1], sizeof r->c[1], "skipped");
            snprintf(r->c[2], sizeof r->c[2], "-");
        } else {
            report_format(f->unit, report_value(f->key), r->c[1], sizeof r->c[1]);
            if (f->n > 1) {
                double lo = f->runs[0], hi = f->runs[0];
                for (size_t k = 1; k < f->n; k++) {
                    lo = f->runs[k] < lo ? f->runs[k] : lo;
                    hi = f->runs[k] > hi ? f->runs[k] : hi;
                }
                char a[64], b[64];
                report_format(f->unit, lo, a, sizeof a);
                report_format(f->unit, hi, b, sizeof b);
                snprintf(r->c[2], sizeof r->c[2], "%zu: %s – %s", f->n, a, b);
            } else {
                snprintf(r->c[2], sizeof r->c[2], "%zu", f->n);
            }
        }
        set_cell(r->c[3], f->note);
    }
    const char *fhead[] = {"figure", "median", "runs: min – max", "how / note"};
    const bool fright[] = {false, true, false, false};
    print_rows(out, markdown, fhead, 4, rows, n_figures, fright);

    fputc('\n', out);
    for (size_t i = 0; i < n_targets; i++) {
        target *t = &targets[i];
        row *r = &rows[i];
        memset(r, 0, sizeof *r);
        set_cell(r->c[0], t->name);
        set_cell(r->c[1], t->what);
        if (isnan(t->ratio)) {
            snprintf(r->c[2], sizeof r->c[2], "-");
            snprintf(r->c[3], sizeof r->c[3], "%s %.2f", t->higher ? "≥" : "≤", t->limit);
            snprintf(r->c[4], sizeof r->c[4], "skipped: %s", t->why_missing);
            continue;
        }
        snprintf(r->c[2], sizeof r->c[2], "%.2f (%s)", t->ratio, t->ratio_text);
        snprintf(r->c[3], sizeof r->c[3], "%s %.2f", t->higher ? "≥" : "≤", t->limit);
        if (target_met(t))
            snprintf(r->c[4], sizeof r->c[4], "met");
        else if (t->higher)
            snprintf(r->c[4], sizeof r->c[4], "MISSED: %.0f %% short", 100.0 * (1 - t->ratio / t->limit));
        else
            snprintf(r->c[4], sizeof r->c[4], "MISSED: %.0f %% over", 100.0 * (t->ratio / t->limit - 1));
    }
    const char *thead[] = {"target", "what", "measured", "limit", "verdict"};
    const bool tright[] = {false, false, true, false, false};
    print_rows(out, markdown, thead, 5, rows, n_targets, tright);
}
