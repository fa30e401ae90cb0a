-- All four levels of a month's assessment from one scan of its dispatches (publication computes every level; one
-- pass instead of four). Same rules as hotline.assessment_rows (0007), which serves a single level.
CREATE FUNCTION hotline.assessment_rows_all(p_from timestamptz, p_to timestamptz, p_basic numeric)
RETURNS TABLE (level text, unit_id text, district_code text, dispatched bigint, responded_in_time bigint,
               called_back bigint, resolved bigint, satisfaction_points numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    WITH m AS MATERIALIZED (
        SELECT d.district_code, d.unit_id, d.role, u.kind, u.district_code AS unit_district, d.responded_in_time,
               d.callback_at, d.callback_resolved,
               CASE d.callback_satisfaction WHEN 'satisfied' THEN 1 WHEN 'basically_satisfied' THEN p_basic ELSE 0 END AS points
        FROM hotline.dispatches d
        JOIN hotline.units u ON u.id = d.unit_id
        WHERE d.dispatched_at >= p_from AND d.dispatched_at < p_to
          AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
    )
    SELECT 'district', m.district_code, m.district_code, count(*), count(*) FILTER (WHERE m.responded_in_time),
           count(m.callback_at), count(*) FILTER (WHERE m.callback_resolved),
           coalesce(sum(m.points) FILTER (WHERE m.callback_at IS NOT NULL), 0)
    FROM m WHERE m.role = 'lead'
    GROUP BY m.district_code
    UNION ALL
    SELECT m.kind, m.unit_id, min(m.unit_district), count(*), count(*) FILTER (WHERE m.responded_in_time),
           count(m.callback_at), count(*) FILTER (WHERE m.callback_resolved),
           coalesce(sum(m.points) FILTER (WHERE m.callback_at IS NOT NULL), 0)
    FROM m WHERE m.kind IN ('street', 'department', 'enterprise')
    GROUP BY m.kind, m.unit_id
$$;
GRANT EXECUTE ON FUNCTION hotline.assessment_rows_all(timestamptz, timestamptz, numeric) TO hotline_app;
