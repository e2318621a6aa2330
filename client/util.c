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

char *util_xvasprintf(const char *fmt, va_list ap)
{
    char *text;
    if (vasprintf(&text, fmt, ap) < 0)
        util_out_of_memory();
    return text;
}

char *util_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = util_xvasprintf(fmt, ap);
    va_end(ap);
    return text;
}
