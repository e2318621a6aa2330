/* table.c — aligned text tables, and their CSV and TSV forms (see table.h). */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util.h"

#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"

static table_format output_format = TABLE_TEXT;

void table_set_format(table_format format)
{
    output_format = format;
}

table_format table_get_format(void)
{
    return output_format;
}

struct cell {
    char *text;
    const char *color;   /* NULL: none */
};

struct table {
    size_t ncols;
    size_t ncells;        /* header included */
    size_t capacity;
    struct cell *cells;   /* row after row */
};

static void add_cell(table *t, const char *color, char *text)
{
    if (t->ncells == t->capacity) {
        size_t capacity = t->capacity ? 2 * t->capacity : 8 * t->ncols;
        t->cells = util_xreallocarray(t->cells, capacity, sizeof *t->cells);
        t->capacity = capacity;
    }
    t->cells[t->ncells++] = (struct cell){text, color};
}

table *table_new(size_t ncols, const char *const *headers)
{
    table *t = util_xcalloc(1, sizeof *t);
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        add_cell(t, SGR_BOLD, util_xstrdup(headers[i]));
    return t;
}

void table_cell(table *t, const char *color, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = util_xvasprintf(fmt, ap);
    va_end(ap);
    add_cell(t, color, text);
}

/* Decode one UTF-8 sequence at s; returns its length (1 for a bad byte). */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (n == 0) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return i;
        }
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    return n;
}

/* Columns of one code point: unknown in this locale counts 1. */
static size_t code_point_width(unsigned cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : (size_t)w;
}

size_t table_text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t width = 0;
    while (*p) {
        unsigned cp;
        p += utf8_decode(p, &cp);
        width += code_point_width(cp);
    }
    return width;
}

size_t table_text_fit(const char *s, size_t columns)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t width = 0;
    while (*p) {
        unsigned cp;
        size_t n = utf8_decode(p, &cp);
        width += code_point_width(cp);
        if (width > columns)
            break;
        p += n;
    }
    return (size_t)(p - (const unsigned char *)s);
}

void table_csv_field(const char *text, FILE *out)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void print_tsv_field(const char *text, FILE *out)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '\\': fputs("\\\\", out); break;
        case '\t': fputs("\\t", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        default: fputc(*p, out);
        }
    }
}

/* Every cell, header first, separated and quoted as CSV or TSV. */
static void print_delimited(const table *t, FILE *out, table_format format)
{
    for (size_t i = 0; i < t->ncells; i++) {
        size_t col = i % t->ncols;
        if (col > 0)
            fputc(format == TABLE_CSV ? ',' : '\t', out);
        if (format == TABLE_CSV)
            table_csv_field(t->cells[i].text, out);
        else
            print_tsv_field(t->cells[i].text, out);
        if (col == t->ncols - 1 || i == t->ncells - 1)
            fputc('\n', out);
    }
}

void table_print(const table *t, FILE *out, bool color)
{
    if (output_format != TABLE_TEXT) {
        print_delimited(t, out, output_format);
        return;
    }
    size_t *width = util_xcalloc(t->ncols, sizeof *width);
    for (size_t i = 0; i < t->ncells; i++) {
        size_t w = table_text_width(t->cells[i].text);
        if (w > width[i % t->ncols])
            width[i % t->ncols] = w;
    }
    /* Padding is written only before a non-empty cell: no trailing blanks. */
    size_t pending = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const struct cell *c = &t->cells[i];
        size_t col = i % t->ncols;
        bool paint = color && c->color != NULL;
        if (c->text[0] != '\0') {
            fprintf(out, "%*s%s%s%s", (int)pending, "", paint ? c->color : "", c->text,
                    paint ? SGR_RESET : "");
            pending = 0;
        }
        if (col == t->ncols - 1 || i == t->ncells - 1) {
            fputc('\n', out);
            pending = 0;
        } else {
            pending += width[col] - table_text_width(c->text) + 2;
        }
    }
    free(width);
}

void table_free(table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t);
}
