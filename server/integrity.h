/* integrity.h — the checks of `okrd --verify` beyond the scores: every
 * stored record can be read, the event log is whole, and every reference
 * points at something that exists.
 *
 * rollup_verify (rollup.c) proves the aggregates equal a recomputation;
 * this module proves the rest of the data is sound: a store whose event
 * log cannot be read is not "0 differences". Reads only. */
#ifndef OKR_INTEGRITY_H
#define OKR_INTEGRITY_H

#include <stddef.h>

#include "store.h"

/* One sentence per problem found ("event 17: does not unpack"). */
typedef void (*integrity_problem_fn)(void *ctx, const char *problem);

/* Check, in one read transaction:
 *  - every event unpacks, carries the seq of its key, and the seqs run
 *    contiguously from the oldest kept to the newest;
 *  - every check-in unpacks, names an existing KR and a seq the log has
 *    reached; every KR's history can be read (its chain is whole) and the
 *    histories list every check-in of the log;
 *  - every KR names an existing objective and is linked to it; every
 *    objective names an existing period, and team when it has one;
 *  - every edge joins two existing nodes and is stored both ways.
 * Calls fn for each problem; returns their number. *rc gets a storage
 * error that stopped the check (0 otherwise). Memory stays bounded
 * whatever the size of the log. */
size_t integrity_check(store *st, integrity_problem_fn fn, void *ctx, int *rc);

#endif
