-- The assessment in two stages, without JIT (the performance issue: all four levels within 1.5 × the bare
-- aggregate, the month's dispatches grouped and counted per unit).
--
-- Same rules and results as 0007 (assessment_rows) and 0008 (assessment_rows_all); what changes is the plan:
--   1. One scan of the month's dispatches, aggregated straight away per (district, unit, role) into a few hundred
--      rows of plain counts: how many, responded in time, called back, resolved, satisfied, basically satisfied.
--      No join per dispatch row and no numeric arithmetic per row (the satisfaction points are counts of two kinds,
--      weighed in stage 2). 0008 materialised every dispatch of the month joined to its unit (2.2 million rows at
--      Beijing's volume) and scanned that twice.
--   2. The levels from those few hundred rows: districts from the lead rows, units joined to their kind.
-- `SET jit = off`: the plan's estimated cost crosses jit_above_cost at Beijing's volume, and compiling its
-- expressions took about 200 ms of a 0.6 s query, for a query that runs once per request or publication.
-- PL/pgSQL's RETURN QUERY, not a SQL function: a set-returning SQL function runs its query without parallel workers,
-- and the bare aggregate it is measured against uses them (all four levels at 2 million: 836 ms as SQL, 336–388 ms
-- here, the bare aggregate 226 ms on the same run).
CREATE OR REPLACE FUNCTION hotline.assessment_rows_all(p_from timestamptz, p_to timestamptz, p_basic numeric)
RETURNS TABLE (level text, unit_id text, district_code text, dispatched bigint, responded_in_time bigint,
               called_back bigint, resolved bigint, satisfaction_points numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp SET jit = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH g AS (
        SELECT d.district_code, d.unit_id, d.role,
               count(*) AS n,
               count(*) FILTER (WHERE d.responded_in_time) AS in_time,
               count(d.callback_at) AS called_back,
               count(*) FILTER (WHERE d.callback_resolved) AS resolved,
               count(*) FILTER (WHERE d.callback_at IS NOT NULL AND d.callback_satisfaction = 'satisfied') AS satisfied,
               count(*) FILTER (WHERE d.callback_at IS NOT NULL AND d.callback_satisfaction = 'basically_satisfied') AS basic
        FROM hotline.dispatches d
        WHERE d.dispatched_at >= p_from AND d.dispatched_at < p_to
          AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
        GROUP BY d.district_code, d.unit_id, d.role
    )
    SELECT 'district', g.district_code, g.district_code, sum(g.n)::bigint, sum(g.in_time)::bigint,
           sum(g.called_back)::bigint, sum(g.resolved)::bigint, sum(g.satisfied) + p_basic * sum(g.basic)
    FROM g WHERE g.role = 'lead'
    GROUP BY g.district_code
    UNION ALL
    SELECT u.kind, g.unit_id, min(u.district_code), sum(g.n)::bigint, sum(g.in_time)::bigint,
           sum(g.called_back)::bigint, sum(g.resolved)::bigint, sum(g.satisfied) + p_basic * sum(g.basic)
    FROM g JOIN hotline.units u ON u.id = g.unit_id
    WHERE u.kind IN ('street', 'department', 'enterprise')
    GROUP BY u.kind, g.unit_id;
END
$$;

CREATE OR REPLACE FUNCTION hotline.assessment_rows(p_from timestamptz, p_to timestamptz, p_level text, p_basic numeric)
RETURNS TABLE (unit_id text, district_code text, dispatched bigint, responded_in_time bigint, called_back bigint,
               resolved bigint, satisfaction_points numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp SET jit = off
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH g AS (
        SELECT CASE WHEN p_level = 'district' THEN d.district_code ELSE d.unit_id END AS key,
               count(*) AS n,
               count(*) FILTER (WHERE d.responded_in_time) AS in_time,
               count(d.callback_at) AS called_back,
               count(*) FILTER (WHERE d.callback_resolved) AS resolved,
               count(*) FILTER (WHERE d.callback_at IS NOT NULL AND d.callback_satisfaction = 'satisfied') AS satisfied,
               count(*) FILTER (WHERE d.callback_at IS NOT NULL AND d.callback_satisfaction = 'basically_satisfied') AS basic
        FROM hotline.dispatches d
        WHERE d.dispatched_at >= p_from AND d.dispatched_at < p_to
          AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
          AND (p_level <> 'district' OR d.role = 'lead')
        GROUP BY 1
    )
    SELECT g.key, g.key, g.n, g.in_time, g.called_back, g.resolved, g.satisfied + p_basic * g.basic
    FROM g WHERE p_level = 'district'
    UNION ALL
    SELECT g.key, u.district_code, g.n, g.in_time, g.called_back, g.resolved, g.satisfied + p_basic * g.basic
    FROM g JOIN hotline.units u ON u.id = g.key AND u.kind = p_level
    WHERE p_level <> 'district';
END
$$;
