-- top_score.sql — peer A's read: the score of objective :top computed from
-- the raw data in one recursive query (compute-on-read). `checkin` is the
-- search_path's (a.checkin for peer A; b.checkin when the bench checks this
-- query against peer B's stored scores).
--
-- walk: every edge below :top, top-down, with the child's depth. sub: each
-- node once, at its longest depth (so every child is deeper than its
-- parents), with a metric KR's score from its latest check-in. up: the
-- levels, deepest first; each step scores one level, set-based, from the
-- scores of the levels below (carried as two arrays, ids and scores), with
-- the rules of common/score.c: a roll-up KR is the weighted mean of its
-- children, an objective of its KRs (or, without KRs, of its children).
WITH RECURSIVE
walk(id, parent, weight, depth) AS (
    SELECT (:top)::integer, NULL::integer, NULL::integer, 0
  UNION ALL
    SELECT e.child, e.parent, e.weight, w.depth + 1 FROM walk w JOIN edge e ON e.parent = w.id
),
sub AS MATERIALIZED (
    SELECT w.id, max(w.depth) AS depth, n.kind,
           CASE WHEN n.kind = 2 THEN score_metric(n.start, n.target, coalesce(
               (SELECT c.value FROM checkin c WHERE c.kr = w.id ORDER BY c.seq DESC LIMIT 1),
               n.start)) END AS own
    FROM walk w JOIN node n ON n.id = w.id
    GROUP BY w.id, n.kind, n.start, n.target
),
link AS MATERIALIZED (
    SELECT DISTINCT w.id AS child, c.kind AS child_kind, w.parent, w.weight
    FROM walk w JOIN sub c ON c.id = w.id
    WHERE w.parent IS NOT NULL
),
up(depth, ids, scores) AS (
    SELECT max(sub.depth) + 1, '{}'::integer[], '{}'::bigint[] FROM sub
  UNION ALL
    SELECT u.depth - 1, u.ids || l.ids, u.scores || l.scores
    FROM up u CROSS JOIN LATERAL (
        SELECT array_agg(x.id) AS ids, array_agg(x.score) AS scores
        FROM (
            SELECT s.id,
                   CASE WHEN s.kind = 2 THEN s.own
                        ELSE derive(s.kind,
                            coalesce(sum(k.weight) FILTER (WHERE k.child_kind <> 0), 0)::bigint,
                            coalesce(sum(k.weight * d.score) FILTER (WHERE k.child_kind <> 0), 0)::bigint,
                            coalesce(sum(k.weight) FILTER (WHERE k.child_kind = 0), 0)::bigint,
                            coalesce(sum(k.weight * d.score) FILTER (WHERE k.child_kind = 0), 0)::bigint)
                   END AS score
            FROM sub s
            LEFT JOIN link k ON k.parent = s.id
            LEFT JOIN unnest(u.ids, u.scores) AS d(id, score) ON d.id = k.child
            WHERE s.depth = u.depth - 1
            GROUP BY s.id, s.kind, s.own
        ) x
    ) l
    WHERE u.depth > 0
)
SELECT u.scores[array_position(u.ids, (:top)::integer)] AS score FROM up u WHERE u.depth = 0;
