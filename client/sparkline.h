/* sparkline.h — a row of scores as one line of glyphs, for `okr history`,
 * `okr retro` and any report that wants a score's shape at a glance.
 *
 * Scores are millionths (1000000 == 1.0) on a fixed scale: 0 draws the
 * lowest glyph and 1.0 the highest whatever the other values are, so two
 * sparklines compare. Pure functions into caller buffers; the only reading
 * of the environment is sparkline_style_of_locale. */
#ifndef OKR_CLIENT_SPARKLINE_H
#define OKR_CLIENT_SPARKLINE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SPARKLINE_UNICODE,   /* ▁▂▃▄▅▆▇█ (3 bytes of UTF-8 each) */
    SPARKLINE_ASCII,     /* _.-:=+*# (1 byte each) */
} sparkline_style;

/* Bytes a sparkline of n values needs, with its NUL, in either style. */
#define SPARKLINE_BYTES(n) (3 * (size_t)(n) + 1)

/* The glyph level of one score, 0..7: round(score * 7), clamped to 0..1
 * first (an overshoot draws the top glyph, a negative the bottom one). */
int sparkline_level(int64_t millionths);

/* One glyph per score, oldest first, into buf (len bytes; values that do
 * not fit are left out, the string stays whole). Returns buf. */
const char *sparkline(const int64_t *millionths, size_t n, sparkline_style style, char *buf,
                      size_t len);

/* UNICODE when the character set of the current LC_CTYPE locale is UTF-8
 * (okr's main sets it from the environment), else ASCII: `LC_ALL=C okr
 * history O1` draws in ASCII. */
sparkline_style sparkline_style_of_locale(void);

#endif
