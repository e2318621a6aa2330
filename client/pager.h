/* pager.h — long output of a one-shot okr command through a pager, the way
 * git and psql do it: $PAGER (default "less -FRX"), only when standard
 * output is a terminal and the output has more lines than the terminal.
 * The output is collected first, then either written straight out or
 * handed to the pager. */
#ifndef OKR_CLIENT_PAGER_H
#define OKR_CLIENT_PAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"

#define PAGER_DEFAULT "less -FRX"

typedef struct {
    char *buf;          /* what the command wrote (open_memstream) */
    size_t len;
    FILE *stream;       /* NULL: not paging, c->out untouched */
    FILE *real_out;     /* c->out before */
    int rows;           /* the terminal's height */
} pager;

/* When `wanted` and c->out is a terminal with a known size, point c->out
 * at a buffer (and c->width at the terminal's width) until pager_end;
 * otherwise leave *c alone. */
void pager_begin(pager *p, okr_client *c, bool wanted);

/* Put c->out back and write what was collected: through $PAGER when it has
 * more lines than the terminal has rows, else straight to the terminal.
 * A pager that cannot start is reported on c->err and the text is written
 * straight out. */
void pager_end(pager *p, okr_client *c);

#endif
