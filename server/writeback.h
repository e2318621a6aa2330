/* writeback.h — the in-memory half of the aggregates' write-behind: tables
 * of node-keyed values newer than their B-tree, and the undo log that lets
 * a nested transaction roll its share back.
 *
 * store.c keeps, per writer store, the state after the last commit
 * (`committed`: what the redo log adds to the agg B-tree) and the open
 * write transaction's changes (`pending`), and builds read-only views of
 * the redo log for transactions that must not see the live tables (a
 * snapshot cursor, a read-only open beside a serving okrd). The layout on
 * disk, the redo records and the checkpoint are store.c's (store.h); this
 * file never calls LMDB and knows nothing of what the bytes mean.
 *
 * An entry is a value (bytes) or a drop: the record was deleted in the
 * B-tree in this transaction, so whatever an older layer says is void.
 * In a map made `small`, a value of up to WB_INLINE bytes lives in the slot
 * itself (no allocation): read it through wb_bytes, and copy it before the
 * map changes next (a change may move the slots). */
#ifndef OKR_WRITEBACK_H
#define OKR_WRITEBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WB_INLINE 8

typedef struct {
    uint64_t key;            /* wb_key(kind, node); 0: an empty slot */
    uint32_t len;
    bool drop;               /* deleted: the B-tree (where it is gone) decides */
    bool inline_value;       /* the len bytes are in `in`, not behind `bytes` */
    union {
        unsigned char *bytes;    /* len bytes: owned unless the map borrows */
        unsigned char in[WB_INLINE];
    };
} wb_entry;

typedef struct {
    wb_entry *slots;
    size_t cap;              /* 0 or a power of two */
    size_t n;
    bool borrowed;           /* bytes point into a read transaction's pages */
    bool small;              /* values of up to WB_INLINE bytes are kept in the slot */
} wb_map;

/* One undone write: the key's entry before it (had false: none). */
typedef struct {
    uint64_t key;
    bool had;
    wb_entry before;         /* its bytes are the undo log's until used or cleared */
} wb_undo;

typedef struct {
    wb_undo *items;
    size_t n, cap;
} wb_undo_log;

/* A key of the tables: kind (1..255, the database) and a be32-keyed node. */
static inline uint64_t wb_key(unsigned kind, uint32_t node)
{
    return ((uint64_t)kind << 32) | node;
}
static inline uint32_t wb_key_node(uint64_t key) { return (uint32_t)key; }
static inline unsigned wb_key_kind(uint64_t key) { return (unsigned)(key >> 32); }

/* The entry of key, or NULL. */
wb_entry *wb_find(const wb_map *m, uint64_t key);
/* An entry's len bytes (NULL for a drop or an empty value). */
static inline const unsigned char *wb_bytes(const wb_entry *e)
{
    return e->inline_value ? e->in : e->bytes;
}
/* Set key to a copy of bytes (or, borrowed maps, to bytes themselves), or to
 * a drop; the old bytes are freed. Aborts on out-of-memory (as the arena
 * does: nothing half-written can commit after it). */
void wb_set(wb_map *m, uint64_t key, const void *bytes, uint32_t len, bool drop);
/* Set key to the value of e, an entry of another owning map (never of m:
 * m may grow), moving its bytes (no copy of a large value): e is left with
 * its key and no value (len 0), for its map's clear. */
void wb_move(wb_map *m, wb_entry *e);
/* Remove key (its bytes freed); a no-op when absent. */
void wb_erase(wb_map *m, uint64_t key);
/* Remove everything; keeps the slots for reuse. */
void wb_clear(wb_map *m);
void wb_free(wb_map *m);
/* The entries sorted by key, as a malloc'd array of pointers (free it);
 * NULL when empty. */
wb_entry **wb_sorted(const wb_map *m);
/* Sort n keys ascending: a radix sort (a million keys in milliseconds, where
 * qsort takes tens of them); false without memory for its buffer. */
bool wb_sort_keys(uint64_t *keys, size_t n);

/* Before writing key in m inside a nested transaction: remember its entry. */
void wb_undo_note(wb_undo_log *u, wb_map *m, uint64_t key);
/* Put back every entry noted since mark, newest first. */
void wb_undo_to(wb_undo_log *u, wb_map *m, size_t mark);
/* Forget every noted entry (the transaction they belong to ended). */
void wb_undo_clear(wb_undo_log *u);
void wb_undo_free(wb_undo_log *u);

#endif
