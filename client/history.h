/* history.h — `okr history ID`: a node's score over time, read from the
 * audit log (LogGet for the node, page by page; every Event carries the old
 * and new score of each node it moved).
 *
 * An objective or a roll-up KR shows its score moves: a sparkline and a
 * table (time, score, what it was, who, the change that moved it). A leaf KR
 * keeps its check-in table (HistoryReply) and gains the sparkline of its
 * score. `--json` gives each a "scores" list of the moves. */
#ifndef OKR_CLIENT_HISTORY_H
#define OKR_CLIENT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cmd.h"
#include "okr_limits.h"
#include "render.h"

/* Sparklines show at most this many score moves: the latest. */
#define HISTORY_SPARK_MAX 60

/* One move of one node's score, and the event that made it. */
typedef struct {
    int64_t time;                       /* Unix us */
    uint64_t seq;
    int64_t old_score, new_score;       /* millionths */
    char actor[OKR_MAX_NAME + 1];
    char cause[RENDER_EVENT_WORDS];     /* the change in words, on one line */
} history_move;

/* The latest `cap` moves of one node, oldest first, and how many there
 * were in all. */
typedef struct {
    history_move *ring;
    size_t cap, n, first;
    size_t total;
} history_moves;

/* Room for the latest cap (>= 1) moves. 0, or -1 out of memory. */
int history_moves_init(history_moves *m, size_t cap);
void history_moves_free(history_moves *m);

/* Take the moves of `node` ("O1") that ev carries (at most one). */
void history_moves_add(history_moves *m, const char *node, const Okr__Event *ev);

/* The i-th kept move, 0 the oldest; i < m->n. */
const history_move *history_moves_at(const history_moves *m, size_t i);

/* Read every event of the log that concerns node (LogGet, following
 * next_seq to the end) into m. Returns an OKR_EXIT_* status, said on c->err
 * when it is not OK. */
int history_read_moves(okr_client *c, const char *node, history_moves *m);

/* `history ID [--limit N]` as cmd_parse left it: an ObjectiveGet for an
 * objective, a History for a KR; r->count is --limit (0: the default).
 * Sends it, reads the node's moves, prints them (human or JSON). Returns an
 * OKR_EXIT_* status. */
int history_run(okr_client *c, cmd_request *r);

#endif
