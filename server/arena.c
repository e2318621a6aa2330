/* arena.c — chunked bump allocator, see arena.h. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"

#define ARENA_ALIGN 16
#define ARENA_FIRST_CHUNK (64 * 1024)

struct arena_chunk {
    arena_chunk *next;
    size_t size, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

static void *pb_alloc(void *data, size_t size) { return arena_alloc(data, size); }
static void pb_free(void *data, void *p) { (void)data; (void)p; }

static arena_chunk *chunk_new(size_t size)
{
    arena_chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL) {
        log_error("out of memory (arena chunk of %zu bytes)", size);
        abort();
    }
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void arena_init(arena *a)
{
    a->chunk_size = ARENA_FIRST_CHUNK;
    a->head = chunk_new(a->chunk_size);
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
}

void arena_reset(arena *a)
{
    arena_chunk *c = a->head;
    while (c->next) {            /* keep the oldest (first) chunk only */
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
}

void arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

void *arena_alloc(arena *a, size_t size)
{
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    arena_chunk *c = a->head;
    if (c->size - c->used < size) {
        size_t want = size > a->chunk_size ? size : a->chunk_size;
        arena_chunk *fresh = chunk_new(want);
        /* The first chunk must stay last in the list (arena_reset keeps it). */
        fresh->next = c;
        a->head = fresh;
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void *arena_array(arena *a, size_t size, size_t n)
{
    return arena_alloc(a, size * (n ? n : 1));
}

void *arena_dup(arena *a, const void *src, size_t size)
{
    void *p = arena_alloc(a, size);
    memcpy(p, src, size);
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    memcpy(p, s, n);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
