/* util.h — allocation for output-side buffers (tables, the tree index) that
 * cannot fail: on exhaustion it says so on stderr and aborts. Never used for
 * anything whose loss would need cleaning up. */
#ifndef OKR_CLIENT_UTIL_H
#define OKR_CLIENT_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *util_xcalloc(size_t n, size_t size);
void *util_xreallocarray(void *p, size_t n, size_t size);
char *util_xstrdup(const char *s);
/* printf into a fresh malloc'd string. */
char *util_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *util_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Report exhaustion and abort. */
_Noreturn void util_out_of_memory(void);

#endif
