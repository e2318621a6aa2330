/* util.c — allocation that aborts on exhaustion (see util.h). */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void util_out_of_memory(void)
{
    fputs("okr: out of memory\n", stderr);
    abort();
}

void *util_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        util_out_of_memory();
    return p;
}

void *util_xreallocarray(void *p, size_t n, size_t size)
{
    void *q = reallocarray(p, n ? n : 1, size ? size : 1);
    if (q == NULL)
        util_out_of_memory();
    return q;
}

char *util_xstrdup(const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL)
        util_out_of_memory();
    return copy;
}
