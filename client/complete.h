/* complete.h — what Tab offers in the shell: the candidates for the word
 * under the cursor, given the words before it.
 *
 * Commands and their subcommands come from the command table and the
 * shell's built-ins; option names from the command's row; ids, teams and
 * periods from the cache, chosen by what the command expects at that place
 * (its synopsis says "KR", "OBJ", "[ID]", "NAME", or the option is --team,
 * --period ...). An id may also be found by a word of its title: `checkin
 * refund<Tab>` offers K1 "Refund rate".
 *
 * Pure: no readline and no I/O, so tests call it directly; repl.c turns the
 * result into readline matches and lists them with their notes. */
#ifndef OKR_CLIENT_COMPLETE_H
#define OKR_CLIENT_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "cache.h"

typedef struct {
    char *word;     /* the completed word, as typed (unquoted) */
    char *note;     /* shown beside it in a list: a title or a summary; NULL: none */
} complete_item;

typedef struct {
    complete_item *items;   /* in the order to show them */
    size_t n, cap;
    bool by_title;          /* the items matched a title, not the text's start */
} complete_list;

/* Fill *out (which it initialises) with the candidates for `text`, the word
 * being completed, after the words argv[0..argc) of the line. cache may be
 * NULL (nothing loaded): then only commands and options are offered. Free
 * with complete_list_free. */
void complete_find(const okr_cache *cache, int argc, char *const *argv, const char *text,
                   complete_list *out);

void complete_list_free(complete_list *list);

/* The word quoted so that the shell's splitter reads it back unchanged:
 * as is when it needs no quoting, else in double quotes with \ before
 * " \ $ and `. malloc'd. */
char *complete_quote(const char *word);

#endif
