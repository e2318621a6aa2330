-- schema.sql — the PostgreSQL peers of okr-bench (bench/postgres.c): one
-- organisation, the same one okrd's bench generates (bench/populate.c), and
-- the two ways a PostgreSQL-backed OKR tool would score it.
--
--   public.node, public.edge   the organisation (read-only during the runs)
--   a.checkin                  peer A, compute-on-read: a check-in is an INSERT;
--                              scores are computed when read (top_score.sql)
--   b.checkin, b.agg           peer B, incremental: b.checkin_add() stores the
--                              check-in and walks the ancestors, updating
--                              stored sums and scores like server/rollup.c
--
-- Scores are integers in millionths, exactly as common/score.c computes them
-- (docs/scoring.md). Run by psql with -v dir=DIR (where node.tsv and
-- edge.tsv are); bench/postgres.c writes those files.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- kind: 0 objective, 1 roll-up KR, 2 metric KR. start/target: metric only.
CREATE TABLE node (
    id     integer NOT NULL,
    kind   smallint NOT NULL CHECK (kind IN (0, 1, 2)),
    start  double precision,
    target double precision,
    CHECK (kind <> 2 OR (start IS NOT NULL AND target IS NOT NULL AND target <> start))
);
-- child counts toward parent with weight (a KR toward its objective, an
-- objective toward the roll-up KR or the objective it aligns to).
CREATE TABLE edge (
    child  integer NOT NULL,
    parent integer NOT NULL,
    weight integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 1000)
);

-- Load first, index after: COPY into bare tables, then one sort per index.
\set node_file :dir '/node.tsv'
\set edge_file :dir '/edge.tsv'
COPY node FROM :'node_file';
COPY edge FROM :'edge_file';
ALTER TABLE node ADD PRIMARY KEY (id);
ALTER TABLE edge ADD PRIMARY KEY (child, parent) INCLUDE (weight);
CREATE INDEX edge_parent ON edge (parent, child) INCLUDE (weight);
ALTER TABLE edge ADD FOREIGN KEY (child) REFERENCES node (id);
ALTER TABLE edge ADD FOREIGN KEY (parent) REFERENCES node (id);

-- common/score.c score_metric: round(clamp(r, 0, 1) * 1e6), round half up
-- (llround of a non-negative number: trunc, then up when the fraction >= 0.5).
CREATE FUNCTION score_metric(s double precision, t double precision, c double precision)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN t = s THEN 0
        WHEN NOT ((c - s) / (t - s) > 0) THEN 0
        WHEN (c - s) / (t - s) >= 1 THEN 1000000
        ELSE (trunc((c - s) / (t - s) * 1000000)
              + CASE WHEN (c - s) / (t - s) * 1000000 - trunc((c - s) / (t - s) * 1000000) >= 0.5
                     THEN 1 ELSE 0 END)::bigint
    END
$$;

-- common/score.c score_weighted_mean: (sum_ws + sum_w / 2) / sum_w, 0 without inputs.
CREATE FUNCTION wmean(ws bigint, w bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN w > 0 THEN (ws + w / 2) / w ELSE 0 END
$$;

-- A node's score from its sums (server/rollup.c): an objective averages its
-- KRs, or without KRs its aligned children; a roll-up KR its children.
CREATE FUNCTION derive(kind smallint, kr_w bigint, kr_ws bigint, ch_w bigint, ch_ws bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN kind = 0 AND kr_w > 0 THEN wmean(kr_ws, kr_w) ELSE wmean(ch_ws, ch_w) END
$$;

-- ------------------------------------------------------------ peer A
CREATE SCHEMA a;
CREATE TABLE a.checkin (
    seq   bigserial,
    kr    integer NOT NULL REFERENCES node (id),
    at    timestamptz NOT NULL DEFAULT now(),
    value double precision NOT NULL,
    PRIMARY KEY (kr, seq)
);

-- ------------------------------------------------------------ peer B
CREATE SCHEMA b;
CREATE TABLE b.checkin (
    seq   bigserial,
    kr    integer NOT NULL REFERENCES node (id),
    at    timestamptz NOT NULL DEFAULT now(),
    value double precision NOT NULL,
    PRIMARY KEY (kr, seq)
);
-- Stored state of every node: cur is a metric KR's latest value (NULL: no
-- check-in yet). Updated in place on every check-in: leave room for HOT updates.
CREATE TABLE b.agg (
    id    integer NOT NULL,
    kind  smallint NOT NULL,
    cur   double precision,
    kr_w  bigint NOT NULL,
    kr_ws bigint NOT NULL,
    ch_w  bigint NOT NULL,
    ch_ws bigint NOT NULL,
    score bigint NOT NULL
) WITH (fillfactor = 70);

-- ------------------------------------------------------------ recomputation
-- Every node's sums and score from scratch: the definitions, the edges and
-- the latest check-in of each KR in `checkin` (the search_path decides whose:
-- a.checkin or b.checkin). Depth = the longest path from a root, so every
-- child is deeper than all its parents; levels are scored deepest first,
-- each from the scores of the levels below it (set-based: one INSERT per
-- level, over temporary tables indexed by depth, so a level costs its size).
-- With p_top: only the nodes below p_top (and p_top), depth counted from it:
-- peer A's read of one objective's score (top_score.sql).
CREATE FUNCTION recompute(p_top integer DEFAULT NULL)
RETURNS TABLE (id integer, kind smallint, cur double precision, kr_w bigint, kr_ws bigint,
               ch_w bigint, ch_ws bigint, score bigint)
LANGUAGE plpgsql
SET work_mem = '256MB' SET plan_cache_mode = 'force_custom_plan' AS $$
DECLARE
    lvl integer;
BEGIN
    DROP TABLE IF EXISTS rc_depth, rc_latest, rc_node, rc_edge, rc_score;
    CREATE TEMP TABLE rc_depth AS
        WITH RECURSIVE walk(id, depth) AS (
            SELECT n.id, 0 FROM node n
            WHERE (p_top IS NULL AND NOT EXISTS (SELECT 1 FROM edge e WHERE e.child = n.id))
               OR n.id = p_top
          UNION ALL
            SELECT e.child, w.depth + 1 FROM walk w JOIN edge e ON e.parent = w.id
        )
        SELECT walk.id, max(walk.depth) AS depth FROM walk GROUP BY walk.id;
    CREATE TEMP TABLE rc_latest AS
        SELECT DISTINCT ON (c.kr) c.kr, c.value FROM checkin c ORDER BY c.kr, c.seq DESC;
    ANALYZE rc_depth, rc_latest;
    CREATE TEMP TABLE rc_node AS
        SELECT n.id, n.kind, d.depth, l.value AS cur,
               CASE WHEN n.kind = 2
                    THEN score_metric(n.start, n.target, coalesce(l.value, n.start)) END AS own
        FROM node n JOIN rc_depth d ON d.id = n.id LEFT JOIN rc_latest l ON l.kr = n.id;
    ALTER TABLE rc_node ADD PRIMARY KEY (id);
    CREATE INDEX ON rc_node (depth);
    CREATE TEMP TABLE rc_edge AS
        SELECT e.child, e.weight, c.kind AS child_kind, e.parent, p.depth AS parent_depth
        FROM edge e JOIN rc_node c ON c.id = e.child JOIN rc_node p ON p.id = e.parent;
    CREATE INDEX ON rc_edge (parent_depth);
    CREATE TEMP TABLE rc_score (LIKE b.agg);
    ALTER TABLE rc_score ADD PRIMARY KEY (id);
    ANALYZE rc_node, rc_edge;
    FOR lvl IN SELECT DISTINCT n.depth FROM rc_node n ORDER BY n.depth DESC LOOP
        INSERT INTO rc_score
        SELECT n.id, n.kind, n.cur,
               coalesce(s.kr_w, 0), coalesce(s.kr_ws, 0), coalesce(s.ch_w, 0), coalesce(s.ch_ws, 0),
               CASE WHEN n.kind = 2 THEN n.own
                    ELSE derive(n.kind, coalesce(s.kr_w, 0), coalesce(s.kr_ws, 0),
                                coalesce(s.ch_w, 0), coalesce(s.ch_ws, 0)) END
        FROM rc_node n
        LEFT JOIN (
            SELECT e.parent,
                   (sum(e.weight) FILTER (WHERE e.child_kind <> 0))::bigint AS kr_w,
                   (sum(e.weight * c.score) FILTER (WHERE e.child_kind <> 0))::bigint AS kr_ws,
                   (sum(e.weight) FILTER (WHERE e.child_kind = 0))::bigint AS ch_w,
                   (sum(e.weight * c.score) FILTER (WHERE e.child_kind = 0))::bigint AS ch_ws
            FROM rc_edge e JOIN rc_score c ON c.id = e.child
            WHERE e.parent_depth = lvl
            GROUP BY e.parent
        ) s ON s.parent = n.id
        WHERE n.depth = lvl;
    END LOOP;
    RETURN QUERY SELECT * FROM rc_score;
END
$$;

-- ------------------------------------------------------------ peer B: the check-in
-- A check-in on a metric KR: store it, re-score the KR, and push the change
-- up (server/rollup.c): each parent gets weight * (new - old) added to its
-- KR set (the child is a KR) or its child set (the child is an objective),
-- is re-derived, and passes its own change on only when its score moved.
-- The old score of a parent is derive() of its sums before the delta, so
-- each ancestor costs one UPDATE. Parents are followed edge by edge (per
-- path: exact, since deltas add up, but a DAG with many paths to one
-- ancestor would visit it once per path; the bench organisation is a forest).
CREATE FUNCTION b.propagate(p_child integer, p_child_kind smallint, p_delta bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e record;
    r record;
    dk bigint;
    dc bigint;
BEGIN
    FOR e IN SELECT edge.parent, edge.weight FROM edge WHERE edge.child = p_child LOOP
        dk := CASE WHEN p_child_kind <> 0 THEN e.weight * p_delta ELSE 0 END;
        dc := CASE WHEN p_child_kind = 0 THEN e.weight * p_delta ELSE 0 END;
        UPDATE b.agg g
        SET kr_ws = g.kr_ws + dk, ch_ws = g.ch_ws + dc,
            score = derive(g.kind, g.kr_w, g.kr_ws + dk, g.ch_w, g.ch_ws + dc)
        WHERE g.id = e.parent
        RETURNING g.kind, g.score,
                  derive(g.kind, g.kr_w, g.kr_ws - dk, g.ch_w, g.ch_ws - dc) AS old
        INTO r;
        IF r.score <> r.old THEN
            PERFORM b.propagate(e.parent, r.kind, r.score - r.old);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION b.checkin_add(p_kr integer, p_value double precision)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    k record;
    old_score bigint;
    new_score bigint;
BEGIN
    SELECT n.kind, n.start, n.target INTO k FROM node n WHERE n.id = p_kr;
    IF NOT FOUND OR k.kind <> 2 THEN
        RAISE EXCEPTION 'kr: % is not a metric key result', p_kr;
    END IF;
    -- Lock the KR before the insert takes its seq: two check-ins on one KR
    -- then get their seqs in the order they apply, so the newest by seq is
    -- the value stored (recompute() takes the newest by seq; inserted
    -- first, a later seq could apply first and the stored value be stale).
    SELECT g.score INTO old_score FROM b.agg g WHERE g.id = p_kr FOR UPDATE;
    INSERT INTO b.checkin (kr, value) VALUES (p_kr, p_value);
    new_score := score_metric(k.start, k.target, p_value);
    UPDATE b.agg SET cur = p_value, score = new_score WHERE id = p_kr;
    IF new_score <> old_score THEN
        PERFORM b.propagate(p_kr, k.kind, new_score - old_score);
    END IF;
    RETURN new_score;
END
$$;

-- B's stored state before any check-in: every score is 0 (a metric KR is at
-- its start, so everything above it is 0 too) and the sums of weights count
-- each node's KRs and aligned children. The bench checks the stored state
-- against recompute() after the runs.
INSERT INTO b.agg (id, kind, cur, kr_w, kr_ws, ch_w, ch_ws, score)
SELECT n.id, n.kind, NULL, coalesce(s.kr_w, 0), 0, coalesce(s.ch_w, 0), 0, 0
FROM node n LEFT JOIN (
    SELECT e.parent,
           (sum(e.weight) FILTER (WHERE c.kind <> 0))::bigint AS kr_w,
           (sum(e.weight) FILTER (WHERE c.kind = 0))::bigint AS ch_w
    FROM edge e JOIN node c ON c.id = e.child
    GROUP BY e.parent
) s ON s.parent = n.id;
ALTER TABLE b.agg ADD PRIMARY KEY (id);
ALTER TABLE b.agg ADD FOREIGN KEY (id) REFERENCES node (id);
ANALYZE;
