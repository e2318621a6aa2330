/* period_next.c — the dates and the name of the period after another (see
 * period_next.h). Dates go through text.c's calendar; names through a small
 * parser of the patterns listed in the header. Pure: no I/O. */
#include "period_next.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* ------------------------------------------------------------ dates */

typedef struct {
    int y, m, d;
} civil;

static civil civil_of(int64_t days)
{
    char text[11];
    civil c = {0, 0, 0};
    text_format_date(days, text);
    sscanf(text, "%4d-%2d-%2d", &c.y, &c.m, &c.d);
    return c;
}

/* Days of the first of month `months` (counted from year 0, January = 0). */
static bool first_of_month(int64_t months, int64_t *days)
{
    char text[16];
    if (months < 0 || months / 12 > 9999)
        return false;
    snprintf(text, sizeof text, "%04d-%02d-01", (int)(months / 12), (int)(months % 12) + 1);
    return text_parse_date(text, days);
}

bool period_next_dates(int64_t start, int64_t end, int64_t *next_start, int64_t *next_end)
{
    if (end < start)
        return false;
    civil first = civil_of(start), after = civil_of(end + 1);
    int64_t from = end + 1;
    if (first.d == 1 && after.d == 1) {   /* whole months: as many again */
        int64_t m0 = (int64_t)first.y * 12 + first.m - 1;
        int64_t m1 = (int64_t)after.y * 12 + after.m - 1;
        int64_t stop;
        if (!first_of_month(m1 + (m1 - m0), &stop))
            return false;
        *next_start = from;
        *next_end = stop - 1;
        return true;
    }
    int64_t last = from + (end - start);
    char text[11];
    text_format_date(last, text);
    int64_t check;
    if (!text_parse_date(text, &check) || check != last)   /* past 9999-12-31 */
        return false;
    *next_start = from;
    *next_end = last;
    return true;
}

bool period_next_dates_text(const char *start, const char *end, char *next_start,
                            char *next_end)
{
    int64_t s, e, ns, ne;
    if (!text_parse_date(start, &s) || !text_parse_date(end, &e) ||
        !period_next_dates(s, e, &ns, &ne))
        return false;
    text_format_date(ns, next_start);
    text_format_date(ne, next_end);
    return true;
}

/* ------------------------------------------------------------ names */

/* A recognised name: [unit SEP] [FY] year [SEP unit], or year-MM. */
typedef struct {
    char fy[3];              /* "FY", "fy", "Fy" as written, or "" */
    int year, year_digits;   /* 2 (after FY only) or 4 */
    char unit;               /* 'Q', 'h' ... as written; 'M' for a month; 0: none */
    int number, per_year;    /* the unit's number, units in a year */
    char sep[2];             /* between year and unit ("" allowed year-first) */
    bool unit_first;
} period_name;

static int digits_at(const char *p)
{
    int n = 0;
    while (isdigit((unsigned char)p[n]))
        n++;
    return n;
}

static int number_of(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* [FY]YYYY or FYYY at *p; advances *p. */
static bool parse_year(const char **p, period_name *n)
{
    const char *s = *p;
    if ((s[0] == 'F' || s[0] == 'f') && (s[1] == 'Y' || s[1] == 'y')) {
        memcpy(n->fy, s, 2);
        n->fy[2] = '\0';
        s += 2;
    }
    int d = digits_at(s);
    if (!(d == 4 || (d == 2 && n->fy[0])))
        return false;
    n->year = number_of(s, d);
    n->year_digits = d;
    *p = s + d;
    return true;
}

/* Q1..Q4, H1..H2, T1..T3 at *p (one digit, no more); advances *p. */
static bool parse_unit(const char **p, period_name *n)
{
    const char *s = *p;
    int per_year = 0;
    switch (toupper((unsigned char)s[0])) {
    case 'Q': per_year = 4; break;
    case 'H': per_year = 2; break;
    case 'T': per_year = 3; break;
    default: return false;
    }
    if (digits_at(s + 1) != 1 || s[1] < '1' || s[1] - '0' > per_year)
        return false;
    n->unit = s[0];
    n->number = s[1] - '0';
    n->per_year = per_year;
    *p = s + 2;
    return true;
}

static bool is_sep(char c)
{
    return c == '-' || c == ' ' || c == '/' || c == '_';
}

static bool parse_year_first(const char *s, period_name *n)
{
    if (!parse_year(&s, n))
        return false;
    if (*s == '\0')
        return true;
    if (is_sep(*s)) {
        n->sep[0] = *s++;
        n->sep[1] = '\0';
    }
    if (n->sep[0] == '-' && !n->fy[0] && digits_at(s) == 2 && s[2] == '\0') {
        n->unit = 'M';
        n->number = number_of(s, 2);
        n->per_year = 12;
        return n->number >= 1 && n->number <= 12;
    }
    return parse_unit(&s, n) && *s == '\0';
}

static bool parse_unit_first(const char *s, period_name *n)
{
    if (!parse_unit(&s, n) || !is_sep(*s))
        return false;
    n->sep[0] = *s++;
    n->sep[1] = '\0';
    n->unit_first = true;
    return parse_year(&s, n) && *s == '\0';
}

static bool parse_name(const char *s, period_name *n)
{
    memset(n, 0, sizeof *n);
    if (parse_year_first(s, n))
        return true;
    memset(n, 0, sizeof *n);
    return parse_unit_first(s, n);
}

/* One unit on (or one year when there is no unit). */
static bool advance(period_name *n)
{
    if (n->unit && n->number < n->per_year) {
        n->number++;
        return true;
    }
    n->number = 1;
    n->year++;
    if (n->year_digits == 2)
        n->year %= 100;
    return n->year <= 9999;
}

static int format_name(const period_name *n, char *buf, size_t len)
{
    char year[8], unit[8] = "";
    snprintf(year, sizeof year, "%0*d", n->year_digits, n->year);
    if (n->unit == 'M')
        snprintf(unit, sizeof unit, "%02d", n->number);
    else if (n->unit)
        snprintf(unit, sizeof unit, "%c%d", n->unit, n->number);
    if (!n->unit)
        return snprintf(buf, len, "%s%s", n->fy, year);
    if (n->unit_first)
        return snprintf(buf, len, "%s%s%s%s", unit, n->sep, n->fy, year);
    return snprintf(buf, len, "%s%s%s%s", n->fy, year, n->sep, unit);
}

bool period_next_name(const char *name, char *buf, size_t len)
{
    period_name n;
    if (name == NULL || !parse_name(name, &n) || !advance(&n))
        return false;
    int w = format_name(&n, buf, len);
    return w > 0 && (size_t)w < len;
}
