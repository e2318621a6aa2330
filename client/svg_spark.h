/* svg_spark.h — a sparkline as inline SVG, for the HTML report: a polyline
 * through the values, oldest first, scaled between their lowest and highest,
 * with a dot on the latest. Text out only; no allocation. (The terminal's
 * sparklines are fmt_sparkline's Unicode blocks.) */
#ifndef OKR_CLIENT_SVG_SPARK_H
#define OKR_CLIENT_SVG_SPARK_H

#include <stddef.h>
#include <stdio.h>

/* Write one <svg class="spark"> element `width` x `height` pixels (at least
 * 8 x 4) drawing values[0..n) in `stroke` (a CSS colour written as given:
 * the caller passes a constant). `label` (plain text, HTML-escaped here)
 * becomes its <title> and aria-label. n == 0 writes nothing; n == 1 a dot;
 * equal values a flat line through the middle. Values that are not finite
 * are skipped. Returns 0, or -1 when writing failed. */
int svg_spark_write(FILE *out, const double *values, size_t n, int width, int height,
                    const char *stroke, const char *label);

/* Write s with &, <, >, " and ' as character references: safe inside an
 * element and inside a double- or single-quoted attribute. NULL writes
 * nothing. Returns 0, or -1 when writing failed. */
int svg_spark_escape(FILE *out, const char *s);

#endif
