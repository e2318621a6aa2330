/* store.h — okrd's LMDB storage: the only code that calls mdb_*.
 *
 * One environment in the data directory, one named database per record type:
 *
 *   meta        "schema" -> be32 version, "epoch" -> 16 random bytes,
 *               "next_o"/"next_k" -> be32 last id handed out
 *   periods     name -> Okr__Period            teams    name -> Okr__Team
 *   objectives  be32 node -> Okr__Objective
 *   krs         be32 node -> Okr__KeyResult, written behind (like agg)
 *   up          be32 child  -> {be32 parent, be32 weight}   (DUPSORT, DUPFIXED)
 *   down        be32 parent -> {be32 child,  be32 weight}   (DUPSORT, DUPFIXED)
 *   agg         be32 node -> store_agg (fixed layout, native endian), written
 *               behind: newer values are in `redo` until a checkpoint
 *   redo        be64 record number -> the aggregates and KR records one
 *               write transaction changed (write-behind, below; store.c)
 *   checkin_log    be64 seq . be32 n -> prev key . flags . kr . time . packed
 *                  Okr__CheckIn: every check-in once, in log order (appended)
 *   checkin_heads  be32 kr -> the key of its newest chained check-in, written
 *                  behind (like agg; new heads too, so nothing may
 *                  iterate over it)
 *   checkin_late   be32 kr . be64 time . log key -> "" (check-ins out of time
 *                  order: backdated, or moved by an edit)
 *   checkin_gone   log key -> prev key (a deleted check-in's link in its chain)
 *                  (layout and rules: "check-ins" in store.c)
 *   events      be64 seq -> Okr__Event
 *   by_period   period name -> be32 objective  (DUPSORT, DUPFIXED)
 *   by_team     team name   -> be32 objective  (DUPSORT, DUPFIXED)
 *   by_owner    person . NUL . period -> be32 node: the period's objectives by
 *               owner, and its KRs whose own owner is not their objective's
 *               (DUPSORT, DUPFIXED; schema 4)
 *   users       name -> Okr__User (secure mode's people: role, public key)
 *   replies     exactly-once reply cache: layout and rules in dedup.h
 *
 * Write-behind of aggregates and KR records: a check-in changes a dozen
 * aggregates and its KR at random places of B-trees as large as the
 * organisation, so their changes are kept in memory and appended, one redo
 * record per write transaction, to `redo` in the same transaction (durable
 * with the change); a commit past the limits below writes them all back in
 * key order and empties the log (a checkpoint). store_get_agg/store_get_kr
 * and iteration over `agg`/`krs` see the newest values; a writer store's
 * open replays the log (bounded by the limits); readers that outlive
 * commits and read-only stores read the log of their own transaction.
 * Callers see no difference but the cost.
 *
 * A KR's link to its objective is an edge like an alignment: up[K] = (O, kr
 * weight). So the roll-up walks one kind of edge, and a KR's weight has one
 * home. Keys are big-endian so byte order is numeric order.
 *
 * Transactions carry a sticky status (after Knot DNS): the first LMDB failure
 * is kept in txn->rc, every later call is a no-op, and commit aborts. Callers
 * write straight-line code and look at the status once. Reads that find
 * nothing return NULL/false without setting the status. */
#ifndef OKR_STORE_H
#define OKR_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ids.h"
#include "okr.pb-c.h"
#include "writeback.h"

#define STORE_SCHEMA_VERSION 4
#define STORE_SCHEMA_OLDEST 2          /* a writer open converts 2.. in place */
#define STORE_EPOCH_BYTES 16
#define STORE_DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define STORE_DISK_FULL_BYTES ((uint64_t)1 << 20)  /* less free than this: "disk full" */
#define STORE_SCHEMA_MISMATCH (-1)   /* store_open: the data is another schema version */

typedef struct store_reader store_reader;

/* Fault injection (tests; after SQLite's and beanstalkd's fault tests): when
 * store.fault is set it is asked before every write (mdb_put, mdb_del,
 * mdb_cursor_del), every nested commit and every top-level commit (the one
 * that writes and syncs the pages); a non-zero return (ENOSPC, EIO,
 * MDB_MAP_FULL...) is that call's failure and LMDB is not called. Always
 * compiled in: a NULL check per write is nothing beside LMDB's own work, and
 * the tests exercise the very objects okrd links, not a -D variant. okrd
 * never sets it. */
typedef enum {
    STORE_FAULT_WRITE,     /* mdb_put / mdb_del / mdb_cursor_del */
    STORE_FAULT_COMMIT,    /* commit of a nested transaction */
    STORE_FAULT_SYNC,      /* commit of a top-level write transaction (write + fsync) */
} store_fault_op;

typedef int (*store_fault_fn)(void *arg, store_fault_op op);

/* A ready-made hook: counts the calls of the ops in `mask` (1u << op); the
 * one numbered `fail_at` (1-based; 0: never) fails with `rc`, once. */
typedef struct {
    unsigned mask;
    unsigned long fail_at;
    int rc;
    unsigned long calls;     /* ops of the mask seen so far */
    bool fired;
} store_fault_countdown;

int store_fault_countdown_hook(void *arg, store_fault_op op);

/* Write-behind of aggregates and KR records (layout comment above).
 * Limits: a checkpoint comes at the first commit that would keep more than
 * limit_entries values beyond their B-trees, or more than limit_bytes of
 * redo records. Replay at open and the views of readers therefore cost at
 * most those, whatever the organisation's size. */
#define STORE_WB_LIMIT_ENTRIES 1000000
#define STORE_WB_LIMIT_BYTES ((uint64_t)96 << 20)
#define STORE_PARENTS_CACHE 1000000u  /* nodes (store.parents_cache) */
#define STORE_PARENTS_KIND 3u    /* its keys' kind (wb_key); values: store_link arrays */
#define STORE_WB_AGG 1u          /* the aggregates' kind in the tables' keys (wb_key) */
#define STORE_WB_KR 2u           /* the KR records' */
#define STORE_WB_HEAD 4u         /* the check-in chains' heads (checkin_heads) */

typedef struct {
    bool live;                 /* a writer store: committed/pending are kept */
    wb_map committed;          /* the redo log's values (newer than their B-trees) */
    wb_map pending;            /* the open write transaction's */
    wb_undo_log undo;          /* pending's entries before each nested transaction's writes */
    uint64_t next_redo;        /* key of the next redo record */
    uint64_t redo_bytes;       /* bytes of redo records since the last checkpoint */
    size_t limit_entries;      /* STORE_WB_LIMIT_ENTRIES unless a test sets less */
    uint64_t limit_bytes;
    bool checkpoint_next;      /* store_checkpoint: the next commit writes back */
    bool flushing_checkpoint;  /* the commit under way writes back */
    /* counters since open */
    uint64_t checkpoints;      /* commits that wrote the aggregates back */
    uint64_t written_back;     /* values written back to the B-trees by them */
    uint64_t redo_records, redo_entries;
    uint64_t replayed;         /* redo entries applied by store_open */
    uint64_t tree_writes;      /* values put/deleted in the agg and krs B-trees themselves */
    uint64_t checkpoint_size;  /* values the checkpoint under way wrote back */
    /* The sweep: a checkpoint spread over commits (store.c). A pass starts
     * above sweep_entries values behind or sweep_bytes of redo records. */
    size_t sweep_entries;      /* limit_entries / 2 unless a test sets less */
    uint64_t sweep_bytes;      /* limit_bytes / 2 */
    uint64_t *sweep_keys;      /* the pass's keys, ascending: committed's at its start */
    size_t sweep_n, sweep_at;  /* how many; the next one to write back */
    uint64_t sweep_from;       /* the pass's first redo record: older ones go at its end */
    uint64_t *swept;           /* the commit under way: the keys it writes back */
    size_t n_swept, cap_swept;
    size_t swept_to;           /* sweep_at after it */
    bool sweep_ends;           /* it ends the pass: deletes the records before sweep_from */
    uint64_t trimmed_bytes, trimmed_count;   /* of those records */
    uint64_t sweeps;           /* passes ended since open */
    uint64_t swept_values;     /* values written back by the sweep since open */
    uint64_t trimmed_records;  /* redo records deleted by the sweep since open */
} store_writeback;

typedef struct {
    MDB_env *env;
    MDB_dbi meta, periods, teams, objectives, krs, up, down, agg, checkins, events;
    MDB_dbi checkin_heads, checkin_late, checkin_gone;   /* with checkins (checkin_log) */
    bool has_checkin_dbs;          /* false: a read-only open of a schema 2 store */
    bool checkin_dbs_created;      /* this open found no checkin_log */
    unsigned upgraded_from;        /* store_open converted this schema version (0: none) */
    MDB_dbi by_period, by_team;    /* indexes: name -> be32 objective (DUPSORT) */
    MDB_dbi by_owner;              /* (person, period) -> be32 objective or KR (DUPSORT) */
    bool has_owner_index;          /* by_owner was there before this open */
    MDB_dbi users;
    bool has_users;                /* false: a read-only open of a store from before users */
    MDB_dbi replies;               /* dedup.c's (actor, request id) -> reply */
    bool has_replies;              /* false: a read-only open of a store from before it */
    MDB_dbi redo;                  /* the aggregates' redo log (write-behind) */
    bool has_redo;                 /* false: a read-only open of a store from before it */
    store_writeback wb;
    /* Each node's parents (its `up` edges) as the last commit left them,
     * filled on use by write transactions (store_parents): the roll-up
     * walks a dozen ancestors per check-in, and at 1M nodes each walk down
     * the `up` B-tree misses the CPU's caches. At most
     * STORE_PARENTS_CACHE nodes (then emptied); a node's one parent is kept
     * in its slot (a `small` map). An edge written in a transaction drops
     * its child and stops filling until its end. */
    wb_map parents_cache;
    bool edges_changed;            /* the open write transaction wrote an edge */
    uint64_t parents_hits;          /* lookups it answered (tests) */
    size_t map_size;
    unsigned char epoch[STORE_EPOCH_BYTES];
    uint64_t agg_reads, agg_writes;   /* store_get_agg/store_put_agg calls since open (the roll-up's cost) */
    uint64_t writes;           /* writes begun in transactions since open (puts, deletes,
                                  values written behind): batch_core checks with it that a
                                  request run without a nested transaction wrote nothing
                                  when it was refused */
    store_reader *readers;     /* long-lived read transactions (below), or NULL */
    store_fault_fn fault;      /* fault injection (above); NULL in okrd */
    void *fault_arg;
} store;

typedef struct {
    store *st;
    MDB_txn *txn;
    arena *mem;     /* unpacked records and lists are allocated here */
    int rc;         /* sticky: 0, or the first LMDB/errno failure */
    bool parent;    /* nested in another write transaction */
    bool write;
    size_t undo_mark;   /* nested: st->wb.undo's length when it began */
    wb_map *view;   /* the redo log as this transaction's pages hold it (a
                       reader's, a read-only store's), or NULL: the live tables */
} store_txn;

/* Per-node roll-up state (DESIGN §3). For an objective, the KR set and the
 * child-objective set are kept apart; its progress source (flags) decides:
 * krs (no flag) the KR mean when it has KRs (kr_sum_w > 0, weights are
 * >= 1), else the child mean; aligned the child mean; both one mean over
 * the two sets together. A roll-up KR
 * uses the child set; a leaf KR only its score. */
typedef struct {
    int64_t score;
    int64_t kr_sum_w, kr_sum_ws;
    int64_t child_sum_w, child_sum_ws;
    uint32_t flags;
    uint32_t reserved;
} store_agg;

#define STORE_AGG_ARCHIVED 1u   /* objective: contributes nothing to parents */
#define STORE_AGG_ROLLUP   2u   /* KR: score is the child mean */
#define STORE_AGG_FROM_ALIGNED 4u   /* objective: progress source `aligned` */
#define STORE_AGG_FROM_BOTH    8u   /* objective: progress source `both` */
#define STORE_AGG_SOURCE (STORE_AGG_FROM_ALIGNED | STORE_AGG_FROM_BOTH)

typedef struct {
    okr_node node;
    uint32_t weight;
} store_link;

/* Open (creating when `create`) the environment in dir. On failure returns an
 * LMDB/errno code and writes a sentence to err (errlen bytes). Before any
 * data page is touched the file is checked: an empty data.mdb, one shorter
 * than its meta pages say (truncated: mapping it would SIGBUS), another
 * program's LMDB environment, or an unreadable one are refused, never
 * mapped blindly or taken over; store_open_refused_data is then true of the
 * code. A read-only open (create false) of a directory without data.mdb is
 * refused with ENOENT. Opening for writing clears stale reader slots. */
int store_open(store *st, const char *dir, size_t map_size, bool create, char *err,
               size_t errlen);
/* store_open with a fault hook (above) already set, so a test can fail the
 * writes an open itself makes (a conversion's). */
int store_open_with_fault(store *st, const char *dir, size_t map_size, bool create,
                          store_fault_fn fault, void *fault_arg, char *err, size_t errlen);
/* True when store_open's code means the data itself was refused (damaged,
 * foreign, another schema) rather than the system failing. */
bool store_open_refused_data(int rc);
/* Release reader slots left by processes that died holding a read
 * transaction (they pin old pages and make the file grow). *cleared (may be
 * NULL) gets how many. Returns 0 or an LMDB code. */
int store_reader_check(store *st, int *cleared);
/* Give the store a new random epoch (a copy made for a restore is a new
 * history for monitors). Only with no transaction open. */
int store_new_epoch(store *st);
void store_close(store *st);
/* Double the map size, up to STORE_MAX_MAP_SIZE (beyond it: MDB_MAP_FULL).
 * Only with no transaction open. Returns 0 or an LMDB code; the map stays
 * usable at its old size when growing fails. */
#define STORE_MAX_MAP_SIZE ((size_t)1 << 40)      /* 1 TiB of address space */
int store_grow(store *st);
/* Write every aggregate of the redo log back into the agg B-tree and empty
 * the log, in one write transaction (store_close does it; the next open then
 * replays nothing). Only with no transaction open. Returns 0 or the
 * storage failure (the log is then kept: nothing is lost). */
int store_checkpoint(store *st);
/* Pages the last committed write transaction rewrote: LMDB's free-page
 * list of that transaction, the old copies of every existing page it
 * changed (copy-on-write). What the commit wrote, less the pages that
 * were new. 0 when unknown. For tests and measurements. */
uint64_t store_pages_rewritten(store *st);
/* Bytes used by the data file. */
uint64_t store_data_bytes(store *st);
/* What a backup made. */
typedef struct {
    uint64_t seq;                          /* last event seq in the copy */
    uint64_t bytes;                        /* size of its data.mdb */
    unsigned char epoch[STORE_EPOCH_BYTES];  /* its new epoch */
} store_backup_info;

/* Hot backup: create dir (mode 0700; it must not exist), copy the committed
 * data into it compacted (mdb_env_copy2, MDB_CP_COMPACT: consistent, while
 * others keep reading and writing), make data.mdb 0600 and give the copy a
 * new epoch. Returns 0, or an errno/LMDB code with a sentence in err. */
int store_backup(store *st, const char *dir, store_backup_info *out, char *err, size_t errlen);

/* Begin a transaction (nested under parent when parent != NULL). A failed
 * begin is recorded in t->rc like any other failure. */
void store_txn_begin(store_txn *t, store *st, store_txn *parent, bool write, arena *mem);
/* Commit, or abort when t->rc is set. Returns the final status. */
int store_txn_commit(store_txn *t);
void store_txn_abort(store_txn *t);

/* Map an LMDB/errno status to a protocol error code. */
Okr__ErrorCode store_error_code(int rc);
const char *store_strerror(int rc);

/* Long-lived read transactions, kept open across requests (every page of a
 * snapshot is read from one; server/snapshot.c). The store lists them so
 * that store_grow and store_close end them first: growing moves the map,
 * and LMDB wants no transaction open then. Begin one with store_txn_begin
 * (write = false, MDB_NOTLS allows several in one thread), then link it. */
struct store_reader {
    store_txn txn;          /* txn.txn NULL once ended (by its owner or store_grow) */
    store_reader *next;
    void (*release)(store_reader *r);   /* store_close calls it after ending txn */
};
/* List r (its txn begun) so that store_grow ends its transaction (r stays
 * listed, txn.txn NULL, txn.rc MDB_MAP_RESIZED) and store_close ends it and
 * calls r->release. */
void store_reader_link(store *st, store_reader *r);
/* End r's transaction (if still open) and unlist it; r is the caller's again. */
void store_reader_end(store *st, store_reader *r);

/* Records. get returns NULL when absent (or on error, with t->rc set). */
Okr__Objective *store_get_objective(store_txn *t, okr_node id);
void store_put_objective(store_txn *t, okr_node id, const Okr__Objective *o);
void store_del_objective(store_txn *t, okr_node id);
Okr__KeyResult *store_get_kr(store_txn *t, okr_node id);
void store_put_kr(store_txn *t, okr_node id, const Okr__KeyResult *kr);
void store_del_kr(store_txn *t, okr_node id);
Okr__Period *store_get_period(store_txn *t, const char *name);
void store_put_period(store_txn *t, const Okr__Period *p);
Okr__Team *store_get_team(store_txn *t, const char *name);
void store_put_team(store_txn *t, const Okr__Team *team);

/* Users (secure mode), keyed by name. store_users lists them all in name
 * order as an arena array (a department's people: small). */
Okr__User *store_get_user(store_txn *t, const char *name);
void store_put_user(store_txn *t, const Okr__User *u);
void store_del_user(store_txn *t, const char *name);
size_t store_users(store_txn *t, Okr__User ***out);

/* Next id of a kind (1, 2, 3 ...); ids are never reused, even after delete.
 * When all OKR_NODE_MAX_NUM are used: 0, with EOVERFLOW in t->rc. */
okr_node store_next_id(store_txn *t, bool kr);

/* Aggregates. get returns false when the node does not exist. */
bool store_get_agg(store_txn *t, okr_node node, store_agg *out);
void store_put_agg(store_txn *t, okr_node node, const store_agg *a);
void store_del_agg(store_txn *t, okr_node node);

/* Edges child -> parent with a weight, stored both ways. put replaces the
 * weight of an existing edge. */
void store_put_edge(store_txn *t, okr_node child, okr_node parent, uint32_t weight);
void store_del_edge(store_txn *t, okr_node child, okr_node parent);
bool store_get_edge(store_txn *t, okr_node child, okr_node parent, uint32_t *weight);
/* All parents / children of a node, as an arena array; returns the count. */
size_t store_parents(store_txn *t, okr_node child, store_link **out);
size_t store_children(store_txn *t, okr_node parent, store_link **out);

/* Check-ins of one KR, read in (time, seq) order. c->seq must be the seq
 * of the request adding it (the newest); in_order says c is not older than
 * the KR's newest check-in (ops_checkin.c knows from the KR record). */
void store_add_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *c, bool in_order);
/* The newest `limit` check-ins, oldest first, as an arena array. */
size_t store_checkins(store_txn *t, okr_node kr, size_t limit, Okr__CheckIn ***out);
void store_del_checkins(store_txn *t, okr_node kr);

/* Check-in corrections (ops_checkin.c). A check-in's id is its seq and its
 * n, its place among the check-ins of that seq (0 but for an import's).
 * The check-in with this id (c->n filled in) and its KR in *kr (when kr is
 * not NULL); NULL when there is none. */
Okr__CheckIn *store_get_checkin(store_txn *t, uint64_t seq, uint32_t n, okr_node *kr);
/* Replace check-in `old` of kr (as store_get_checkin gave it) by `now`
 * (same seq; its time may differ). */
void store_replace_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *old,
                           const Okr__CheckIn *now);
/* Remove one check-in of kr (c as store_get_checkin gave it). */
void store_del_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *c);
/* What a KR record keeps of its check-ins: how many (counted only when
 * asked: it reads every one), the newest by (time, seq), and the newest
 * that carries a confidence (NULL when none). */
typedef struct {
    uint32_t count;
    const Okr__CheckIn *newest;
    const Okr__CheckIn *confident;
} store_checkin_summary;
void store_summarize_checkins(store_txn *t, okr_node kr, bool count,
                              store_checkin_summary *out);
/* Every check-in in log order: fn gets its KR, seq and packed record
 * (okrd --verify). */
typedef bool (*store_checkin_fn)(void *ctx, okr_node kr, uint64_t seq, const MDB_val *packed);
void store_foreach_checkin(store_txn *t, store_checkin_fn fn, void *ctx);

/* Event log. */
void store_put_event(store_txn *t, uint64_t seq, const void *bytes, size_t len);
uint64_t store_last_seq(store_txn *t);
/* Oldest seq still in the log (0 when empty). */
uint64_t store_first_seq(store_txn *t);
/* Delete every event with seq <= upto (retention). */
void store_prune_events(store_txn *t, uint64_t upto);
/* Event bytes at seq; false when absent. The bytes live in the map until the
 * transaction ends. */
bool store_get_event(store_txn *t, uint64_t seq, MDB_val *out);

/* Raw values, for modules that keep their own layout (dedup.c). get returns
 * false when absent; the bytes live in the map until the transaction ends.
 * put replaces; del of an absent key is a no-op. */
bool store_get(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, MDB_val *out);
void store_put(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, const void *val,
               size_t vlen);
void store_del(store_txn *t, MDB_dbi dbi, const void *key, size_t klen);

/* Iterate a whole database in key order; fn returns false to stop. */
typedef bool (*store_each_fn)(void *ctx, const MDB_val *key, const MDB_val *val);
void store_foreach(store_txn *t, MDB_dbi dbi, store_each_fn fn, void *ctx);
/* The same from the first entry >= from_key (and, in a DUPSORT database
 * with from_val, the first entry >= (from_key, from_val)); from_key NULL:
 * from the start. */
void store_foreach_from(store_txn *t, MDB_dbi dbi, const MDB_val *from_key,
                        const MDB_val *from_val, store_each_fn fn, void *ctx);
/* Number of entries in a database. */
uint64_t store_count(store_txn *t, MDB_dbi dbi);

/* Objective indexes (by_period, by_team): every objective, archived ones too,
 * is listed under its period and, when it has one, its team. Handlers keep
 * them in step with the records; okrd --verify checks them. A NULL or empty
 * name stands for "none" in all of these. */
/* Add (or, add = false, remove) objective id under period and team; either
 * may be NULL to leave that index alone. Adding twice or removing what is
 * not there is a no-op. */
void store_index_objective(store_txn *t, okr_node id, const char *period, const char *team,
                           bool add);
/* The owner index (by_owner): under (owner, period), the period's
 * objectives that owner owns and its KRs whose own owner is that one and
 * not their objective's; the other KRs are found through their objective
 * (the rule is ops_due.c's, owner_index_kr). Add (or remove) node id; an
 * empty owner or period is a no-op. */
#define STORE_OWNER_KEY_MAX 256
void store_index_owner(store_txn *t, okr_node id, const char *owner, const char *period,
                       bool add);
/* The ids under (owner, period), ascending, as an arena array. */
size_t store_owned_in(store_txn *t, const char *owner, const char *period, okr_node **out);
bool store_owner_has(store_txn *t, const char *owner, const char *period, okr_node id);
/* The ids listed under name in index (st->by_period or st->by_team),
 * ascending, as an arena array; returns the count (*out NULL when 0). */
size_t store_objectives_of(store_txn *t, MDB_dbi index, const char *name, okr_node **out);
/* True when id is listed under name in index. */
bool store_index_has(store_txn *t, MDB_dbi index, const char *name, okr_node id);
/* Call fn, as store_foreach over st->objectives would (key: be32 id, val:
 * the record), for the objectives that may be of period and team, in
 * ascending id order: those of the team index when team is given, else of
 * the period index, else every objective. It narrows, it does not filter:
 * fn still checks what it needs (a team's objectives span periods). Ids
 * without a record are skipped, as the full scan would not see them. */
void store_foreach_objective(store_txn *t, const char *period, const char *team,
                             store_each_fn fn, void *ctx);

/* Unpack a record into the transaction's arena; NULL (and t->rc = EINVAL)
 * when the stored bytes do not parse, which means corruption. */
void *store_unpack(store_txn *t, const ProtobufCMessageDescriptor *d, const MDB_val *v);

#endif
