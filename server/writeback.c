/* writeback.c — hash tables and the undo log of write-behind (writeback.h).
 * Open addressing with linear probing, at most half full (a lookup of an
 * absent key, the common case, then reads one or two cache lines); erase
 * shifts the following run back so that no tombstones build up. Pure
 * memory: never calls LMDB. */
#include "writeback.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "logging.h"

static _Noreturn void out_of_memory(void)
{
    log_error("out of memory (write-behind tables)");
    abort();
}

static void *alloc_or_die(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        out_of_memory();
    return p;
}

/* Slot arrays of at least 2 MiB are mapped with transparent huge pages
 * asked for: growing a table of a million entries then takes two dozen page
 * faults instead of twelve thousand (the stall a doubling puts on one
 * batch), and a lookup misses the TLB less. Every slot of such a table is
 * touched anyway (keys are hashed all over it, and it is at least a quarter
 * full once grown), so this adds no resident memory. Smaller ones: calloc. */
#define HUGE_SLOTS_BYTES (2u << 20)

static wb_entry *slots_alloc(size_t cap)
{
    size_t bytes = cap * sizeof(wb_entry);
    if (bytes < HUGE_SLOTS_BYTES) {
        wb_entry *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            out_of_memory();
        return slots;
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        out_of_memory();
    madvise(p, bytes, MADV_HUGEPAGE);        /* a hint: without THP, plain pages */
    return p;                                /* zero-filled, as calloc's */
}

static void slots_free(wb_entry *slots, size_t cap)
{
    size_t bytes = cap * sizeof(wb_entry);
    if (bytes < HUGE_SLOTS_BYTES)
        free(slots);
    else if (slots)
        munmap(slots, bytes);
}

static size_t home(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static size_t probe(const wb_map *m, uint64_t key)
{
    size_t i = home(key, m->cap);
    while (m->slots[i].key != 0 && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

wb_entry *wb_find(const wb_map *m, uint64_t key)
{
    if (m->cap == 0)
        return NULL;
    size_t i = probe(m, key);
    return m->slots[i].key ? &m->slots[i] : NULL;
}

static bool full(const wb_map *m)
{
    return m->cap == 0 || (m->n + 1) * 2 > m->cap;
}

static void grow(wb_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    wb_entry *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = slots_alloc(cap);
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key)
            m->slots[probe(m, old[i].key)] = old[i];
    slots_free(old, old_cap);
}

static void release(const wb_map *m, wb_entry *e)
{
    if (!m->borrowed && !e->inline_value)
        free(e->bytes);
    e->bytes = NULL;
    e->inline_value = false;
}

void wb_set(wb_map *m, uint64_t key, const void *bytes, uint32_t len, bool drop)
{
    if (full(m))
        grow(m);
    size_t i = probe(m, key);
    wb_entry *e = &m->slots[i];
    if (e->key == 0)
        m->n++;
    else
        release(m, e);
    e->key = key;
    e->drop = drop;
    e->len = drop ? 0 : len;
    e->inline_value = false;
    if (drop)
        e->bytes = NULL;
    else if (m->borrowed)
        e->bytes = (unsigned char *)bytes;
    else {
        e->inline_value = m->small && len <= WB_INLINE;
        if (!e->inline_value)
            e->bytes = alloc_or_die(len);
        if (len)                    /* bytes may be NULL when len is 0 */
            memcpy(e->inline_value ? e->in : e->bytes, bytes, len);
    }
}

void wb_move(wb_map *m, wb_entry *from)
{
    if (full(m))
        grow(m);
    wb_entry *e = &m->slots[probe(m, from->key)];
    if (e->key == 0)
        m->n++;
    else
        release(m, e);
    *e = *from;
    if (e->inline_value && !m->small) {
        unsigned char *copy = alloc_or_die(e->len);
        memcpy(copy, from->in, e->len);
        e->inline_value = false;
        e->bytes = copy;
    }
    from->bytes = NULL;
    from->inline_value = false;
    from->len = 0;
}

void wb_erase(wb_map *m, uint64_t key)
{
    if (m->cap == 0)
        return;
    size_t i = probe(m, key);
    if (m->slots[i].key == 0)
        return;
    release(m, &m->slots[i]);
    m->slots[i].key = 0;
    m->n--;
    /* Shift back every entry of the run after i that may live at i. */
    for (size_t j = (i + 1) & (m->cap - 1); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
        size_t h = home(m->slots[j].key, m->cap);
        bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
        if (movable) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = 0;
            m->slots[j].bytes = NULL;
            m->slots[j].inline_value = false;
            i = j;
        }
    }
}

void wb_clear(wb_map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key)
            release(m, &m->slots[i]);
        m->slots[i].key = 0;
    }
    m->n = 0;
}

void wb_free(wb_map *m)
{
    wb_clear(m);
    slots_free(m->slots, m->cap);
    m->slots = NULL;
    m->cap = 0;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = (*(wb_entry *const *)a)->key, y = (*(wb_entry *const *)b)->key;
    return x < y ? -1 : x > y;
}

wb_entry **wb_sorted(const wb_map *m)
{
    if (m->n == 0)
        return NULL;
    wb_entry **list = alloc_or_die(m->n * sizeof *list);
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            list[k++] = &m->slots[i];
    qsort(list, k, sizeof *list, by_key);
    return list;
}

/* LSD radix sort by bytes, skipping a byte every key has alike (a key's
 * top bytes are 0 and its kind is one of three). */
bool wb_sort_keys(uint64_t *keys, size_t n)
{
    if (n < 2)
        return true;
    uint64_t *buf = malloc(n * sizeof *buf);
    if (buf == NULL)
        return false;
    size_t (*count)[256] = calloc(8, sizeof *count);
    if (count == NULL) {
        free(buf);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < 8; b++)
            count[b][(keys[i] >> (8 * b)) & 0xff]++;
    uint64_t *from = keys, *to = buf;
    for (unsigned b = 0; b < 8; b++) {
        if (count[b][(keys[0] >> (8 * b)) & 0xff] == n)
            continue;                       /* every key has this byte alike */
        size_t at = 0;
        for (unsigned d = 0; d < 256; d++) {
            size_t c = count[b][d];
            count[b][d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[b][(from[i] >> (8 * b)) & 0xff]++] = from[i];
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != keys)
        memcpy(keys, from, n * sizeof *keys);
    free(count);
    free(buf);
    return true;
}

/* ------------------------------------------------------------ undo */

void wb_undo_note(wb_undo_log *u, wb_map *m, uint64_t key)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 64;
        wb_undo *grown = realloc(u->items, u->cap * sizeof *grown);
        if (grown == NULL)
            out_of_memory();
        u->items = grown;
    }
    wb_undo *d = &u->items[u->n++];
    const wb_entry *e = wb_find(m, key);
    d->key = key;
    d->had = e != NULL;
    d->before = e ? *e : (wb_entry){0};
    if (e && !e->drop) {
        d->before.inline_value = false;    /* a copy of its own, whatever e's size */
        d->before.bytes = alloc_or_die(e->len);
        if (e->len)
            memcpy(d->before.bytes, wb_bytes(e), e->len);
    }
}

void wb_undo_to(wb_undo_log *u, wb_map *m, size_t mark)
{
    while (u->n > mark) {
        wb_undo *d = &u->items[--u->n];
        if (!d->had)
            wb_erase(m, d->key);
        else
            wb_set(m, d->key, d->before.bytes, d->before.len, d->before.drop);
        free(d->before.bytes);
    }
}

void wb_undo_clear(wb_undo_log *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->items[i].before.bytes);
    u->n = 0;
}

void wb_undo_free(wb_undo_log *u)
{
    wb_undo_clear(u);
    free(u->items);
    u->items = NULL;
    u->cap = 0;
}
