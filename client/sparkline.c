/* sparkline.c — scores as a row of glyphs (see sparkline.h). Integer
 * arithmetic only, so a series draws the same on every machine. */
#include "sparkline.h"

#include <langinfo.h>
#include <string.h>
#include <strings.h>

#include "score.h"

static const char *const unicode_levels[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char ascii_levels[8] = {'_', '.', '-', ':', '=', '+', '*', '#'};

int sparkline_level(int64_t millionths)
{
    if (millionths <= 0)
        return 0;
    if (millionths >= OKR_SCORE_ONE)
        return 7;
    return (int)((millionths * 7 + OKR_SCORE_ONE / 2) / OKR_SCORE_ONE);
}

const char *sparkline(const int64_t *millionths, size_t n, sparkline_style style, char *buf,
                      size_t len)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int level = sparkline_level(millionths[i]);
        const char *glyph = unicode_levels[level];
        char ascii[2] = {ascii_levels[level], '\0'};
        if (style == SPARKLINE_ASCII)
            glyph = ascii;
        size_t size = strlen(glyph);
        if (used + size >= len)
            break;
        memcpy(buf + used, glyph, size + 1);
        used += size;
    }
    return buf;
}

sparkline_style sparkline_style_of_locale(void)
{
    const char *codeset = nl_langinfo(CODESET);
    if (codeset != NULL &&
        (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0))
        return SPARKLINE_UNICODE;
    return SPARKLINE_ASCII;
}
