/* cache.h — what the shell knows of the server's contents, for tab
 * completion and the prompt: every objective and KR id with its title, the
 * teams and the periods.
 *
 * It is read whole once (a paged SnapshotGet, TeamList, PeriodList), then
 * kept in step with the event stream: each event is noted
 * (cache_note_event: no I/O), and cache_sync reads again only what the
 * noted events name — the objective or KR an add or edit names, the team or
 * period list after a team or period change; a delete needs no read, a
 * check-in or an alignment nothing at all. It is read whole again only when
 * told to (cache_invalidate: a new epoch, a lost stream) or when more than
 * CACHE_MAX_PENDING nodes are noted at once. A failed read keeps what was
 * there and is tried again at the next sync. Reads go through the
 * connection it is given; never prints. */
#ifndef OKR_CLIENT_CACHE_H
#define OKR_CLIENT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "ids.h"
#include "okr.pb-c.h"

typedef struct {
    okr_node node;
    char id[OKR_ID_BUF];    /* "O12" */
    char *title;
    char *where;            /* objective: "Pots, 2026-Q4"; KR: its objective "O1" */
    Okr__KrKind kind;       /* KRs only */
    bool archived;          /* objectives only */
} cache_node;

typedef struct {
    char *name;
    int64_t start, end;     /* days since 1970-01-01, inclusive */
    bool closed;
} cache_period;

typedef struct {
    cache_node *nodes;      /* objectives, then KRs, each by number */
    size_t n_nodes;
    char **teams;           /* by name */
    size_t n_teams;
    cache_period *periods;  /* in the server's order */
    size_t n_periods;
    bool loaded;            /* at least one refresh succeeded */
} okr_cache;

#define CACHE_MAX_PENDING 256   /* nodes noted before a whole read is cheaper */

typedef struct {
    okr_node node;
    bool deleted;           /* its delete was noted: drop it, no read */
} cache_pending_node;

/* What events said has changed since the cache was read: noted by
 * cache_note_event, done (and emptied) by cache_sync. Zero it to start. */
typedef struct {
    cache_pending_node nodes[CACHE_MAX_PENDING];
    size_t n_nodes;
    bool teams, periods;    /* the team / period list changed */
    bool reload;            /* read everything again */
} cache_changes;

/* Ask the server for everything again (one try per request, each bounded by
 * conn's timeout) and replace the cache's contents. `user` is sent as
 * Request.user (may be NULL). Returns CONN_OK, or the failure of the request
 * that failed (a refusal counts as CONN_FAILED, with conn->error set); the
 * cache is then unchanged. */
conn_status cache_refresh(okr_cache *cache, okr_conn *conn, const char *user);

/* Note what a committed change (an event, anyone's) may have changed in
 * the cache. No I/O: cache_sync does the reads. */
void cache_note_event(cache_changes *changes, const Okr__Event *event);

/* True when cache_sync has something to do; cache_needs_reload: a whole
 * read (the cache was never loaded, or changes->reload was set). */
bool cache_pending(const okr_cache *cache, const cache_changes *changes);
bool cache_needs_reload(const okr_cache *cache, const cache_changes *changes);

/* Do what was noted: a whole cache_refresh when needed, else read the
 * nodes, teams or periods noted. Returns like cache_refresh; on failure
 * what was not done stays noted. */
conn_status cache_sync(okr_cache *cache, cache_changes *changes, okr_conn *conn,
                       const char *user);

/* Free the contents; the cache is empty (not loaded) after. */
void cache_free(okr_cache *cache);

/* The node with this id (any case), or NULL. */
const cache_node *cache_find(const okr_cache *cache, const char *id);

bool cache_has_team(const okr_cache *cache, const char *name);
bool cache_has_period(const okr_cache *cache, const char *name);

/* The open period containing `today` (days since 1970-01-01), chosen the way
 * the server picks a default for `obj add`: with several, the one that
 * started last, then the shortest. NULL when none does. */
const char *cache_current_period(const okr_cache *cache, int64_t today);

#endif
