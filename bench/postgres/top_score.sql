-- top_score.sql — peer A's read: the score of objective :top computed from
-- the raw data when it is read (compute-on-read), by schema.sql's
-- recompute() restricted to the nodes below :top: one recursive walk down
-- from it, the latest check-in of each KR, then one set-based INSERT per
-- level, deepest first, with the rules of common/score.c. `checkin` is the
-- search_path's (a.checkin for peer A; b.checkin when the bench checks this
-- query against peer B's stored scores). An earlier version did it in one
-- recursive query that carried the scores up as arrays: 33 s on 1,000,189
-- nodes against this one's (docs/performance.md).
SELECT r.score FROM recompute(:top) r WHERE r.id = :top;
