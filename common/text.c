/* text.c — the text rules (well-formed UTF-8, no controls, no invisible
 * formatting) and civil-date arithmetic (days from civil, after
 * Howard Hinnant's public-domain algorithm). */
#define _POSIX_C_SOURCE 200809L
#include "text.h"

#include <stdio.h>
#include <time.h>

/* Decode the code point at s[*i] (len bytes in all), advancing *i. False
 * when it is not well-formed UTF-8: a stray or missing continuation byte,
 * an overlong form, a surrogate, anything above U+10FFFF. */
static bool decode(const unsigned char *s, size_t len, size_t *i, unsigned *out)
{
    unsigned c = s[*i];
    size_t n;
    unsigned cp;
    if (c < 0x80) { n = 0; cp = c; }
    else if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return false;
    if (len - *i <= n)
        return false;
    for (size_t k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xc0) != 0x80)
            return false;
        cp = (cp << 6) | (s[*i + k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return false;
    *i += n + 1;
    *out = cp;
    return true;
}

/* C0 and C1 controls and DEL (tab and line feed included). */
static bool is_control(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* Characters that show nothing yet change what is shown around them: the
 * bidi embeddings, overrides, isolates and marks (U+202A..U+202E reorder
 * the rest of a table row: "Trojan Source"), zero-width spaces and joiners
 * that make two names look alike, line and paragraph separators, the BOM,
 * interlinear annotations and the tag characters. ZWNJ and ZWJ (U+200C,
 * U+200D) stay allowed: scripts and emoji sequences need them. */
static bool is_invisible_format(unsigned cp)
{
    return cp == 0x061c || cp == 0x180e || cp == 0x200b || cp == 0x200e || cp == 0x200f ||
           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
           cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
           (cp >= 0xe0000 && cp <= 0xe007f);
}

text_problem text_check(const char *str, size_t len, bool lines, size_t *at, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        unsigned c = 0;
        text_problem p = TEXT_OK;
        if (!decode(s, len, &i, &c))
            p = TEXT_NOT_UTF8;
        else if (is_control(c) && !(lines && c == '\n'))
            p = TEXT_CONTROL;
        else if (is_invisible_format(c))
            p = TEXT_INVISIBLE;
        if (p != TEXT_OK) {
            if (at)
                *at = start;
            if (cp)
                *cp = p == TEXT_NOT_UTF8 ? s[start] : c;
            return p;
        }
    }
    return TEXT_OK;
}

bool text_valid_utf8(const char *s, size_t len)
{
    return text_check(s, len, false, NULL, NULL) == TEXT_OK;
}

void text_flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n')
            *s = ' ';
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static bool is_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool text_parse_date(const char *s, int64_t *days)
{
    if (s == NULL || !is_digits(s, 4) || s[4] != '-' || !is_digits(s + 5, 2) ||
        s[7] != '-' || !is_digits(s + 8, 2) || s[10] != '\0')
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    unsigned max = mdays[m - 1] + (m == 2 && leap);
    if (d > max)
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

void text_format_date(int64_t days, char *buf)
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}

void text_format_time(int64_t us, char *buf)
{
    int64_t secs = us / 1000000 - (us % 1000000 < 0);    /* floor, also before 1970 */
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    char date[11];
    text_format_date(days, date);
    snprintf(buf, 17, "%s %02d:%02d", date, (int)(rem / 3600) % 100,
             (int)(rem % 3600 / 60) % 100);
}

int64_t text_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
