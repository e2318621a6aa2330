/* svg_spark.c — inline SVG sparklines and the HTML escaping they share with
 * the report (see svg_spark.h). Numbers are written with printf in the "C"
 * locale okr keeps for LC_NUMERIC, so a decimal point is always a point. */
#include "svg_spark.h"

#include <math.h>

#define PAD 2.0            /* pixels kept clear around the line */

int svg_spark_escape(FILE *out, const char *s)
{
    if (s == NULL)
        return 0;
    for (; *s; s++) {
        int rc;
        switch (*s) {
        case '&': rc = fputs("&amp;", out); break;
        case '<': rc = fputs("&lt;", out); break;
        case '>': rc = fputs("&gt;", out); break;
        case '"': rc = fputs("&quot;", out); break;
        case '\'': rc = fputs("&#39;", out); break;
        default: rc = fputc((unsigned char)*s, out); break;
        }
        if (rc == EOF)
            return -1;
    }
    return 0;
}

/* The range of the finite values; false when there is none. */
static int value_range(const double *values, size_t n, double *low, double *high)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            continue;
        if (!any || values[i] < *low)
            *low = values[i];
        if (!any || values[i] > *high)
            *high = values[i];
        any = 1;
    }
    return any;
}

int svg_spark_write(FILE *out, const double *values, size_t n, int width, int height,
                    const char *stroke, const char *label)
{
    double low = 0, high = 0;
    if (n == 0 || !value_range(values, n, &low, &high))
        return 0;
    width = width < 8 ? 8 : width;
    height = height < 4 ? 4 : height;
    double w = width - 2 * PAD, h = height - 2 * PAD, x = PAD, y = height / 2.0;
    fprintf(out, "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            width, height, width, height);
    svg_spark_escape(out, label);
    fputs("\"><title>", out);
    svg_spark_escape(out, label);
    fprintf(out, "</title><polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                 "stroke-linejoin=\"round\" points=\"", stroke);
    size_t drawn = 0, finite = 0;
    for (size_t i = 0; i < n; i++)
        finite += isfinite(values[i]) != 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            continue;
        x = finite > 1 ? PAD + w * (double)drawn / (double)(finite - 1) : width / 2.0;
        y = high > low ? PAD + h * (high - values[i]) / (high - low) : height / 2.0;
        fprintf(out, "%s%.1f,%.1f", drawn ? " " : "", x, y);
        drawn++;
    }
    fprintf(out, "\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/></svg>", x, y,
            stroke);
    return ferror(out) ? -1 : 0;
}
