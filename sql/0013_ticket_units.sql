-- 单位工单: which tickets each unit holds, newest first, for the lists of street and department handlers (and any
-- list filtered by a unit).
--
-- A handler sees the tickets whose unit list holds their unit (`unit_ids @> ARRAY[unit]`, the tickets' policy). That
-- expression names no partition and no order, so a handler's first page either walked every district's newest
-- tickets filtering them by the policy, or read all of the unit's tickets through the GIN index and sorted them:
-- 160–450 ms a page at 200,000 tickets, growing with the volume (docs/benchmarks.md). This table holds one row per
-- (ticket, unit in its list), kept by a trigger on tickets, with an index in list order; a unit's page is then an
-- index range joined to its tickets, which still pass through the tickets' own policy.
CREATE TABLE hotline.ticket_units (
    district_code text NOT NULL,
    unit_id       text NOT NULL,
    ticket_id     uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (district_code, unit_id, ticket_id)
) PARTITION BY LIST (district_code);

DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT code FROM hotline.districts ORDER BY code LOOP
        EXECUTE format('CREATE TABLE hotline.%I PARTITION OF hotline.ticket_units FOR VALUES IN (%L)',
                       'ticket_units_' || d.code, d.code);
        EXECUTE format('ALTER TABLE hotline.%I ENABLE ROW LEVEL SECURITY', 'ticket_units_' || d.code);
        EXECUTE format('ALTER TABLE hotline.%I FORCE ROW LEVEL SECURITY', 'ticket_units_' || d.code);
    END LOOP;
END
$$;
CREATE INDEX ticket_units_newest_idx ON hotline.ticket_units (unit_id, created_at DESC, ticket_id DESC);
ALTER TABLE hotline.ticket_units ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.ticket_units FORCE ROW LEVEL SECURITY;

-- Read as the tickets are; a handler reads their own unit's rows. Only the trigger writes.
GRANT SELECT ON hotline.ticket_units TO hotline_app;
CREATE POLICY ticket_units_select ON hotline.ticket_units FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN
        ('city_admin', 'centre_operator', 'centre_supervisor', 'analyst', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_id = nullif(current_setting('hotline.unit', true), ''))
);
CREATE POLICY ticket_units_maintenance ON hotline.ticket_units TO hotline_owner USING (true) WITH CHECK (true);

-- Kept in step with each ticket's unit list: on insert, on a change of the list, and on delete.
CREATE FUNCTION hotline.tickets_index_units()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM hotline.ticket_units
        WHERE district_code = OLD.district_code AND ticket_id = OLD.id
          AND unit_id = ANY (CASE WHEN TG_OP = 'DELETE' THEN OLD.unit_ids
                                  ELSE ARRAY(SELECT unnest(OLD.unit_ids) EXCEPT SELECT unnest(NEW.unit_ids)) END);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO hotline.ticket_units (district_code, unit_id, ticket_id, created_at)
        SELECT NEW.district_code, u, NEW.id, NEW.created_at FROM unnest(NEW.unit_ids) AS u
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_index_units AFTER INSERT OR DELETE OR UPDATE OF unit_ids ON hotline.tickets
    FOR EACH ROW EXECUTE FUNCTION hotline.tickets_index_units();

-- The tickets already there.
INSERT INTO hotline.ticket_units (district_code, unit_id, ticket_id, created_at)
SELECT t.district_code, u, t.id, t.created_at FROM hotline.tickets t, unnest(t.unit_ids) AS u
ON CONFLICT DO NOTHING;
-- Statistics now: without them the planner cannot tell a unit's few rows from a district's many, and a prepared
-- list planned before autovacuum's first look sorted the unit's every ticket (100–200 ms a page at 10 million).
ANALYZE hotline.ticket_units;
