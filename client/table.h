/* table.h — aligned text tables for human output.
 *
 * The first row is the header. Columns are as wide as their widest cell,
 * measured in terminal columns (UTF-8 aware); two spaces separate them; the
 * last column is not padded, so long titles go last. A cell may carry a
 * colour (an SGR escape such as "\033[32m") written around its text only
 * when the table is printed with colour. Cells are copied. Running out of
 * memory aborts (after saying so): tables are output, never state. */
#ifndef OKR_CLIENT_TABLE_H
#define OKR_CLIENT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct table table;

/* How table_print writes: aligned text, or one line per row as CSV (RFC
 * 4180 quoting: a field holding a comma, a double quote, CR or LF is put in
 * double quotes, each double quote doubled; lines end with LF) or TSV
 * (fields separated by tabs; backslash, tab, LF and CR in a field written
 * as backslash-backslash, backslash-t, -n, -r). CSV and TSV never colour. */
typedef enum { TABLE_TEXT = 0, TABLE_CSV, TABLE_TSV } table_format;

/* The format of every table printed from now on (okr's --csv / --tsv; the
 * process has one output format, set once by main). Default TABLE_TEXT. */
void table_set_format(table_format format);
table_format table_get_format(void);

/* A table of ncols columns with the given header texts (ncols of them). */
table *table_new(size_t ncols, const char *const *headers);

/* Append a cell to the current row, starting a new row when the last one is
 * full. color may be NULL. */
void table_cell(table *t, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print the table; with `color`, the header in bold and cells in their colour. */
void table_print(const table *t, FILE *out, bool color);

void table_free(table *t);

/* One field as CSV writes it (the quoting above), without separator or line end. */
void table_csv_field(const char *text, FILE *out);

/* Display width of UTF-8 text in terminal columns (wide characters count 2,
 * combining marks 0, anything undecodable 1). */
size_t table_text_width(const char *s);

/* How many bytes of s fit in `columns` terminal columns without cutting a
 * character: the length of the longest such prefix. */
size_t table_text_fit(const char *s, size_t columns);

#endif
