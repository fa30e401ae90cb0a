-- Assessment (考核): exemptions on tickets, scoring parameters per period, the set-based computation of the three
-- rates, and immutable published snapshots. BRIEF "Assessment"; the choices are documented in docs/assessment.md.

-- 考核豁免: a ticket the city takes out of assessment (malicious, abusive, duplicate, out of scope).
ALTER TABLE hotline.tickets ADD COLUMN exempted_at timestamptz;
ALTER TABLE hotline.tickets ADD COLUMN exemption_reason text CHECK (length(exemption_reason) <= 2000);
GRANT UPDATE (exempted_at, exemption_reason) ON hotline.tickets TO hotline_app;
CREATE OR REPLACE VIEW hotline.ticket_view WITH (security_invoker = true) AS
SELECT district_code, id, number, status, type, category_code, tier, title, description,
       CASE WHEN nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor')
            THEN requester_name_enc END AS requester_name_enc,
       CASE WHEN nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor')
            THEN requester_phone_enc END AS requester_phone_enc,
       requester_name_masked, requester_phone_masked,
       street_code, address, lat, lon, urgent, channel, unit_ids, lead_unit_id, supervised, merged_into, answer,
       next_deadline, created_by, created_at, updated_at, closed_at, exempted_at, exemption_reason
FROM hotline.tickets;

-- Scoring parameters per period (a calendar month 'YYYY-MM'): the weights of the three rates and the value of
-- "basically satisfied". Editable by a city admin until the period is published.
CREATE TABLE hotline.assessment_periods (
    period                    text PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    weight_response           numeric(4, 3) NOT NULL DEFAULT 0.2 CHECK (weight_response BETWEEN 0 AND 1),
    weight_resolution         numeric(4, 3) NOT NULL DEFAULT 0.4 CHECK (weight_resolution BETWEEN 0 AND 1),
    weight_satisfaction       numeric(4, 3) NOT NULL DEFAULT 0.4 CHECK (weight_satisfaction BETWEEN 0 AND 1),
    basically_satisfied_value numeric(4, 3) NOT NULL DEFAULT 0.5 CHECK (basically_satisfied_value BETWEEN 0 AND 1),
    published_at              timestamptz,
    published_by              text,
    CONSTRAINT assessment_periods_weights_sum CHECK (weight_response + weight_resolution + weight_satisfaction = 1)
);
ALTER TABLE hotline.assessment_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.assessment_periods FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON hotline.assessment_periods TO hotline_app;
-- Rankings are public inside the government: every signed-in role reads the parameters.
CREATE POLICY assessment_periods_select ON hotline.assessment_periods FOR SELECT TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') IS NOT NULL);
-- Any signed-in caller may record a period's defaults the first time it is read; only a city admin sets other values.
CREATE POLICY assessment_periods_insert ON hotline.assessment_periods FOR INSERT TO hotline_app
WITH CHECK (
    published_at IS NULL AND (
        nullif(current_setting('hotline.role', true), '') = 'city_admin'
        OR (nullif(current_setting('hotline.role', true), '') IS NOT NULL
            AND weight_response = 0.2 AND weight_resolution = 0.4 AND weight_satisfaction = 0.4
            AND basically_satisfied_value = 0.5)
    )
);
-- Until it is published; publishing is the last change.
CREATE POLICY assessment_periods_update ON hotline.assessment_periods FOR UPDATE TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') = 'city_admin' AND published_at IS NULL)
WITH CHECK (nullif(current_setting('hotline.role', true), '') = 'city_admin');
CREATE POLICY assessment_periods_maintenance ON hotline.assessment_periods TO hotline_owner USING (true) WITH CHECK (true);

-- 治理类街乡 rule, as data: streets in the top share of volume whose score is in the bottom share, listed for
-- `months_running` consecutive months, are key-governance streets.
CREATE TABLE hotline.key_street_rules (
    id              int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    volume_quantile numeric(3, 2) NOT NULL DEFAULT 0.75 CHECK (volume_quantile BETWEEN 0 AND 1),
    score_quantile  numeric(3, 2) NOT NULL DEFAULT 0.25 CHECK (score_quantile BETWEEN 0 AND 1),
    months_running  int NOT NULL DEFAULT 3 CHECK (months_running BETWEEN 1 AND 12)
);
INSERT INTO hotline.key_street_rules DEFAULT VALUES;
GRANT SELECT ON hotline.key_street_rules TO hotline_app;

-- The computation, over the whole city whoever asks (rankings are public inside the government; the rows behind
-- them are not, and are read through the caller's own policies). One pass per level, set-based.
--
-- A dispatch belongs to the period in which it was made (Asia/Shanghai): a unit cannot move a bad case out of a
-- month by delaying anything, and a callback that comes later still counts for the month of the dispatch (until the
-- month is published). Counted: every dispatch of the unit (lead, assist, whistle) except returned ones (the
-- centre agreed it was not theirs) and withdrawn ones (a merged duplicate), of tickets not exempted.
-- District rows count the tickets located in the district that were dispatched in the period, judged by their lead.
CREATE FUNCTION hotline.assessment_rows(p_from timestamptz, p_to timestamptz, p_level text, p_basic numeric)
RETURNS TABLE (unit_id text, district_code text, dispatched bigint, responded_in_time bigint, called_back bigint,
               resolved bigint, satisfaction_points numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    WITH counted AS (
        SELECT d.district_code, d.ticket_id, d.unit_id, d.role,
               (d.accepted_at IS NOT NULL AND d.accepted_at <= d.sign_by
                AND d.contacted_at IS NOT NULL AND d.contacted_at <= d.respond_by) AS in_time
        FROM hotline.dispatches d
        JOIN hotline.tickets t ON t.district_code = d.district_code AND t.id = d.ticket_id
        WHERE d.dispatched_at >= p_from AND d.dispatched_at < p_to
          AND d.status NOT IN ('returned', 'withdrawn')
          AND t.exempted_at IS NULL
    ), judged AS (
        -- For districts: one row per ticket, judged by its lead. (unit_district: the unit's own district, NULL for
        -- departments and enterprises; ticket_district: where the ticket is, to find its callback.)
        SELECT c.district_code AS unit_id, c.district_code AS unit_district, c.district_code AS ticket_district,
               c.ticket_id, c.in_time
        FROM counted c WHERE p_level = 'district' AND c.role = 'lead'
        UNION ALL
        SELECT c.unit_id, u.district_code, c.district_code, c.ticket_id, c.in_time
        FROM counted c JOIN hotline.units u ON u.id = c.unit_id
        WHERE p_level <> 'district' AND u.kind = p_level
    ), scored AS (
        SELECT j.unit_id, j.unit_district AS district_code, j.in_time, cb.resolved, cb.satisfaction
        FROM judged j
        LEFT JOIN LATERAL (
            SELECT c.resolved, c.satisfaction FROM hotline.callbacks c
            WHERE c.district_code = j.ticket_district AND c.ticket_id = j.ticket_id AND c.reached
            ORDER BY c.at DESC LIMIT 1
        ) cb ON true
    )
    SELECT s.unit_id, min(s.district_code),
           count(*), count(*) FILTER (WHERE s.in_time),
           count(s.satisfaction), count(*) FILTER (WHERE s.resolved),
           coalesce(sum(CASE s.satisfaction WHEN 'satisfied' THEN 1 WHEN 'basically_satisfied' THEN p_basic ELSE 0 END)
                    FILTER (WHERE s.satisfaction IS NOT NULL), 0)
    FROM scored s
    GROUP BY s.unit_id
$$;
GRANT EXECUTE ON FUNCTION hotline.assessment_rows(timestamptz, timestamptz, text, numeric) TO hotline_app;

-- Published results: one row per unit, level and period, written once by publication and never changed.
CREATE TABLE hotline.assessment_snapshots (
    period              text NOT NULL REFERENCES hotline.assessment_periods (period),
    level               text NOT NULL CHECK (level IN ('district', 'street', 'department', 'enterprise')),
    unit_id             text NOT NULL,
    district_code       text,
    dispatched          bigint NOT NULL,
    responded_in_time   bigint NOT NULL,
    called_back         bigint NOT NULL,
    resolved            bigint NOT NULL,
    satisfaction_points numeric NOT NULL,
    response_rate       numeric,
    resolution_rate     numeric,
    satisfaction_rate   numeric,
    score               numeric,
    rank                int,
    PRIMARY KEY (period, level, unit_id)
);
ALTER TABLE hotline.assessment_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.assessment_snapshots FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON hotline.assessment_snapshots TO hotline_app;
CREATE POLICY assessment_snapshots_select ON hotline.assessment_snapshots FOR SELECT TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') IS NOT NULL);
CREATE POLICY assessment_snapshots_insert ON hotline.assessment_snapshots FOR INSERT TO hotline_app
WITH CHECK (nullif(current_setting('hotline.role', true), '') = 'city_admin');
CREATE POLICY assessment_snapshots_maintenance ON hotline.assessment_snapshots TO hotline_owner USING (true) WITH CHECK (true);

CREATE FUNCTION hotline.assessment_snapshots_immutable()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'published assessments are immutable (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER assessment_snapshots_immutable
    BEFORE UPDATE OR DELETE ON hotline.assessment_snapshots
    FOR EACH ROW EXECUTE FUNCTION hotline.assessment_snapshots_immutable();

-- Indexes the computation uses: dispatches by time, callbacks by ticket (exists), reached callbacks.
CREATE INDEX dispatches_dispatched_at_idx ON hotline.dispatches (dispatched_at);
