-- A ticket's dispatches, callbacks and timeline find their ticket through the insert trigger instead of foreign keys.
--
-- Why: a foreign key to the partitioned tickets table costs a checking query with a row lock per inserted row;
-- measured here (PostgreSQL 15, EXPLAIN ANALYZE of 50,000 timeline rows, docs/benchmarks.md) it took 6.0 s of the
-- insert's 6.7 s, about 120 µs a row, on every intake and every action as much as on bulk loads. The insert
-- trigger already reads the ticket (for its unit list), so it now also refuses a row whose ticket does not exist,
-- with the foreign key's own error (23503). A ticket is never deleted by the server (no DELETE grant); a delete
-- by the owner is refused while the ticket has rows, so nothing is left behind.

ALTER TABLE hotline.dispatches DROP CONSTRAINT dispatches_district_code_ticket_id_fkey;
ALTER TABLE hotline.callbacks DROP CONSTRAINT callbacks_district_code_ticket_id_fkey;
ALTER TABLE hotline.ticket_events DROP CONSTRAINT ticket_events_district_code_ticket_id_fkey;

CREATE OR REPLACE FUNCTION hotline.ticket_rows_inherit()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
DECLARE
    v_units text[];
    v_role text := nullif(current_setting('hotline.role', true), '');
    v_unit text := nullif(current_setting('hotline.unit', true), '');
BEGIN
    SELECT t.unit_ids INTO v_units FROM hotline.tickets t
    WHERE t.district_code = NEW.district_code AND t.id = NEW.ticket_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no ticket % in district %', NEW.ticket_id, NEW.district_code
            USING ERRCODE = '23503', TABLE = TG_TABLE_NAME;
    END IF;
    -- Bulk loads by the owner bring the ticket's list already.
    IF session_user <> 'hotline_app' AND NEW.unit_ids <> '{}' THEN
        RETURN NEW;
    END IF;
    NEW.unit_ids := coalesce(v_units, '{}');
    IF session_user = 'hotline_app' THEN
        IF v_role IN ('street_handler', 'department_handler') AND NOT (NEW.unit_ids @> ARRAY[v_unit]) THEN
            RAISE EXCEPTION 'not a ticket of unit %', v_unit USING ERRCODE = '42501';
        END IF;
        IF TG_TABLE_NAME LIKE 'ticket_events%' THEN
            NEW.actor_kind := nullif(current_setting('hotline.kind', true), '');
            NEW.actor_id := nullif(current_setting('hotline.user_id', true), '');
            NEW.actor_role := v_role;
        END IF;
    END IF;
    RETURN NEW;
END
$$;

-- What the foreign keys' RESTRICT did for deletes: a ticket goes only once nothing hangs off it.
CREATE FUNCTION hotline.tickets_keep_rows()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM hotline.dispatches WHERE district_code = OLD.district_code AND ticket_id = OLD.id)
       OR EXISTS (SELECT 1 FROM hotline.callbacks WHERE district_code = OLD.district_code AND ticket_id = OLD.id)
       OR EXISTS (SELECT 1 FROM hotline.ticket_events WHERE district_code = OLD.district_code AND ticket_id = OLD.id) THEN
        RAISE EXCEPTION 'ticket % still has dispatches, callbacks or events', OLD.id USING ERRCODE = '23503';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER tickets_keep_rows BEFORE DELETE ON hotline.tickets
    FOR EACH ROW EXECUTE FUNCTION hotline.tickets_keep_rows();
