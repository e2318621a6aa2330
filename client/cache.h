/* cache.h — what the shell knows of the server's contents, for tab
 * completion and the prompt: every objective and KR id with its title, the
 * teams and the periods.
 *
 * It is refreshed whole (SnapshotGet, TeamList, PeriodList: three reads)
 * whenever it may be stale: at start, after a change this session made, and
 * after an event from anyone. A failed refresh keeps what was there. Reads
 * go through the connection it is given; never prints. */
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

/* Ask the server for everything again (one try per request, each bounded by
 * conn's timeout) and replace the cache's contents. `user` is sent as
 * Request.user (may be NULL). Returns CONN_OK, or the failure of the request
 * that failed (a refusal counts as CONN_FAILED, with conn->error set); the
 * cache is then unchanged. */
conn_status cache_refresh(okr_cache *cache, okr_conn *conn, const char *user);

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
