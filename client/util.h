/* util.h — allocation for output-side buffers (tables, the tree index) that
 * cannot fail: on exhaustion it says so on stderr and aborts. Never used for
 * anything whose loss would need cleaning up. */
#ifndef OKR_CLIENT_UTIL_H
#define OKR_CLIENT_UTIL_H

#include <stddef.h>

void *util_xcalloc(size_t n, size_t size);
void *util_xreallocarray(void *p, size_t n, size_t size);
char *util_xstrdup(const char *s);

/* Report exhaustion and abort. */
_Noreturn void util_out_of_memory(void);

#endif
