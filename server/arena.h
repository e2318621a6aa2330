/* arena.h — a bump allocator that lives for one batch of requests.
 *
 * Every protobuf message the server unpacks or builds while handling a batch
 * is allocated here (through arena_protobuf_allocator), and all of it is
 * released in one place with arena_reset once the replies are sent. Handlers
 * therefore never free anything, and an error path cannot leak. */
#ifndef OKR_ARENA_H
#define OKR_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct arena_chunk arena_chunk;

typedef struct {
    arena_chunk *head;          /* newest chunk first */
    size_t chunk_size;
    ProtobufCAllocator pb;      /* protobuf-c view of this arena */
} arena;

void arena_init(arena *a);
/* Release everything but the first chunk; pointers from before are invalid. */
void arena_reset(arena *a);
void arena_free(arena *a);

/* Zeroed memory, aligned for any type. Aborts on out-of-memory: the server
 * cannot answer sensibly without memory, and LMDB state is never half-written
 * because nothing commits after the abort. */
void *arena_alloc(arena *a, size_t size);
char *arena_strdup(arena *a, const char *s);
void *arena_dup(arena *a, const void *src, size_t size);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Allocate and initialise a protobuf-c message: ARENA_NEW(a, Okr__Period, OKR__PERIOD__INIT). */
#define ARENA_NEW(a, type, init) ((type *)arena_dup((a), &(type)init, sizeof(type)))

/* Allocate an array of n pointers (for repeated fields). */
#define ARENA_ARRAY(a, type, n) ((type *)arena_array((a), sizeof(type), (n)))
/* Zeroed room for n items of size bytes (at least one item). */
void *arena_array(arena *a, size_t size, size_t n);

#endif
