-- Assessment (考核): exemptions on tickets, scoring parameters per period, the set-based computation of the three
-- rates, and immutable published snapshots. BRIEF "Assessment"; the choices are documented in docs/assessment.md.

-- 考核豁免: a ticket the city takes out of assessment (malicious, abusive, duplicate, out of scope).
ALTER TABLE hotline.tickets ADD COLUMN exempted_at timestamptz;
ALTER TABLE hotline.tickets ADD COLUMN exemption_reason text CHECK (length(exemption_reason) <= 2000);
GRANT UPDATE (exempted_at, exemption_reason) ON hotline.tickets TO hotline_app;
-- Exemption is the centre supervisor's or the city admin's (the API checks it; so does the database).
CREATE FUNCTION hotline.tickets_exemption_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF session_user = 'hotline_app'
       AND nullif(current_setting('hotline.role', true), '') NOT IN ('centre_supervisor', 'city_admin') THEN
        RAISE EXCEPTION 'only a centre supervisor or a city admin exempts a ticket' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_exemption_guard BEFORE UPDATE OF exempted_at, exemption_reason ON hotline.tickets
    FOR EACH ROW WHEN (NEW.exempted_at IS DISTINCT FROM OLD.exempted_at OR NEW.exemption_reason IS DISTINCT FROM OLD.exemption_reason)
    EXECUTE FUNCTION hotline.tickets_exemption_guard();
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

-- What assessment needs from a ticket, kept on each of its dispatches so that a month's figures are one scan of the
-- month's dispatches (no per-ticket lookups at 2 million tickets a month): whether the ticket is exempted, and its
-- latest callback that reached the requester. Kept by the triggers below; the app cannot write these columns.
ALTER TABLE hotline.dispatches ADD COLUMN exempt boolean NOT NULL DEFAULT false;
-- Signed for and first contact within their limits, judged once at the first contact (a reopen does not rewrite it);
-- written by the app with the contact.
ALTER TABLE hotline.dispatches ADD COLUMN responded_in_time boolean;
GRANT UPDATE (responded_in_time) ON hotline.dispatches TO hotline_app;
ALTER TABLE hotline.dispatches ADD COLUMN callback_at timestamptz;
ALTER TABLE hotline.dispatches ADD COLUMN callback_resolved boolean;
ALTER TABLE hotline.dispatches ADD COLUMN callback_satisfaction text;

CREATE FUNCTION hotline.dispatches_follow_callbacks()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    UPDATE hotline.dispatches d
    SET callback_at = NEW.at, callback_resolved = NEW.resolved, callback_satisfaction = NEW.satisfaction
    WHERE d.district_code = NEW.district_code AND d.ticket_id = NEW.ticket_id
      AND d.dispatched_at <= NEW.at
      AND (d.callback_at IS NULL OR d.callback_at <= NEW.at);
    RETURN NULL;
END
$$;
CREATE TRIGGER callbacks_reach_dispatches AFTER INSERT ON hotline.callbacks
    FOR EACH ROW WHEN (NEW.reached) EXECUTE FUNCTION hotline.dispatches_follow_callbacks();

CREATE FUNCTION hotline.dispatches_follow_exemption()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    UPDATE hotline.dispatches d SET exempt = (NEW.exempted_at IS NOT NULL)
    WHERE d.district_code = NEW.district_code AND d.ticket_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_exemption_reaches_dispatches AFTER UPDATE OF exempted_at ON hotline.tickets
    FOR EACH ROW WHEN (NEW.exempted_at IS DISTINCT FROM OLD.exempted_at)
    EXECUTE FUNCTION hotline.dispatches_follow_exemption();

-- A dispatch made later (an assist after a reopen) starts with its ticket's exemption; callbacks made before it do
-- not count for it (only those that come after, through the trigger above).
CREATE FUNCTION hotline.dispatches_start_from_ticket()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF session_user <> 'hotline_app' THEN
        RETURN NEW;  -- bulk loads by the owner bring their own values
    END IF;
    SELECT t.exempted_at IS NOT NULL INTO NEW.exempt FROM hotline.tickets t
    WHERE t.district_code = NEW.district_code AND t.id = NEW.ticket_id;
    NEW.exempt := coalesce(NEW.exempt, false);
    NEW.callback_at := NULL;
    NEW.callback_resolved := NULL;
    NEW.callback_satisfaction := NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER dispatches_start_from_ticket BEFORE INSERT ON hotline.dispatches
    FOR EACH ROW EXECUTE FUNCTION hotline.dispatches_start_from_ticket();

-- What was there before this migration gets the same columns.
UPDATE hotline.dispatches SET responded_in_time = (accepted_at <= sign_by AND contacted_at <= respond_by)
WHERE contacted_at IS NOT NULL;
UPDATE hotline.dispatches d SET callback_at = c.at, callback_resolved = c.resolved, callback_satisfaction = c.satisfaction
FROM (SELECT DISTINCT ON (district_code, ticket_id) district_code, ticket_id, at, resolved, satisfaction
      FROM hotline.callbacks WHERE reached ORDER BY district_code, ticket_id, at DESC) c
WHERE d.district_code = c.district_code AND d.ticket_id = c.ticket_id AND d.dispatched_at <= c.at;
UPDATE hotline.dispatches d SET exempt = true
FROM hotline.tickets t WHERE t.district_code = d.district_code AND t.id = d.ticket_id AND t.exempted_at IS NOT NULL;

-- The computation, over the whole city whoever asks (rankings are public inside the government; the rows behind
-- them are not, and are read through the caller's own policies): one scan of the month's dispatches per level.
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
    SELECT CASE WHEN p_level = 'district' THEN d.district_code ELSE d.unit_id END,
           min(CASE WHEN p_level = 'district' THEN d.district_code ELSE u.district_code END),
           count(*),
           count(*) FILTER (WHERE d.responded_in_time),
           count(d.callback_at),
           count(*) FILTER (WHERE d.callback_resolved),
           coalesce(sum(CASE d.callback_satisfaction WHEN 'satisfied' THEN 1 WHEN 'basically_satisfied' THEN p_basic
                                                     ELSE 0 END) FILTER (WHERE d.callback_at IS NOT NULL), 0)
    FROM hotline.dispatches d
    JOIN hotline.units u ON u.id = d.unit_id
    WHERE d.dispatched_at >= p_from AND d.dispatched_at < p_to
      AND d.status NOT IN ('returned', 'withdrawn') AND NOT d.exempt
      AND CASE WHEN p_level = 'district' THEN d.role = 'lead' ELSE u.kind = p_level END
    GROUP BY 1
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

-- Rows go into a snapshot only while its period is unpublished (publication stores them, then marks the period).
CREATE FUNCTION hotline.assessment_snapshots_open_period()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM hotline.assessment_periods p WHERE p.period = NEW.period AND p.published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'period % is published', NEW.period USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assessment_snapshots_open_period
    BEFORE INSERT ON hotline.assessment_snapshots
    FOR EACH ROW EXECUTE FUNCTION hotline.assessment_snapshots_open_period();

-- Indexes the computation uses: dispatches by time, callbacks by ticket (exists), reached callbacks.
CREATE INDEX dispatches_dispatched_at_idx ON hotline.dispatches (dispatched_at);
