-- Tickets (工单), dispatches (派单), callbacks (回访) and the append-only timeline, partitioned by district and
-- guarded by row-level security (the pattern of 0004_identity.sql).
--
-- Who sees a row (the same expression on every table here, over the row's own columns):
--   city and centre roles, analysts and planners: every district (analysts and planners read only, and personal data
--   reaches them masked: see ticket_view);
--   a district admin: rows of their district;
--   street and department handlers: rows whose unit_ids hold their unit. unit_ids lists every unit the ticket was
--   ever sent to (lead, assist, whistle; returned ones keep read access), kept on every row of the ticket by the
--   tickets_sync_unit_ids trigger, so no policy needs a lookup.
-- Every key starts with district_code, so the tables can be distributed by district (Citus) unchanged.

CREATE SEQUENCE hotline.ticket_number_seq;
GRANT USAGE ON SEQUENCE hotline.ticket_number_seq TO hotline_app;

CREATE TABLE hotline.tickets (
    district_code          text NOT NULL REFERENCES hotline.districts (code),
    id                     uuid NOT NULL DEFAULT gen_random_uuid(),
    number                 text NOT NULL,
    status                 text NOT NULL CHECK (status IN ('received', 'dispatched', 'in_progress', 'replied', 'closed', 'merged')),
    type                   text NOT NULL CHECK (type IN ('consultation', 'help', 'complaint', 'report', 'suggestion')),
    category_code          text NOT NULL REFERENCES hotline.categories (code),
    -- The tier the order runs under: its class's, or 2h when urgent.
    tier                   text NOT NULL CHECK (tier IN ('2h', '24h', '7d', '15d')),
    title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description            text NOT NULL CHECK (length(description) <= 4000),
    -- Personal data: AES-GCM ciphertext (the key is the server's, not the database's), a keyed hash of the phone
    -- number for finding repeat callers, and masked forms for everyone but the centre.
    requester_name_enc     bytea NOT NULL,
    requester_phone_enc    bytea NOT NULL,
    requester_phone_hash   text NOT NULL CHECK (requester_phone_hash ~ '^[0-9a-f]{64}$'),
    requester_name_masked  text NOT NULL,
    requester_phone_masked text NOT NULL,
    street_code            text REFERENCES hotline.units (id),
    address                text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    lat                    double precision CHECK (lat BETWEEN -90 AND 90),
    lon                    double precision CHECK (lon BETWEEN -180 AND 180),
    urgent                 boolean NOT NULL,
    channel                text NOT NULL CHECK (channel IN ('phone', 'web', 'app', 'wechat', 'open311')),
    unit_ids               text[] NOT NULL DEFAULT '{}',
    lead_unit_id           text REFERENCES hotline.units (id),
    supervised             boolean NOT NULL DEFAULT false,
    merged_into            uuid,
    answer                 text,
    -- The earliest unmet deadline of the live dispatches (HotlineCore.DeadlinePolicy.nextDeadline): overdue is
    -- next_deadline < now.
    next_deadline          timestamptz,
    created_by             text NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    closed_at              timestamptz,
    PRIMARY KEY (district_code, id),
    CONSTRAINT tickets_number_key UNIQUE (district_code, number),
    CONSTRAINT tickets_street_in_district CHECK (street_code IS NULL OR left(street_code, 6) = district_code),
    CONSTRAINT tickets_lat_lon_together CHECK ((lat IS NULL) = (lon IS NULL))
) PARTITION BY LIST (district_code);
CREATE INDEX tickets_id_idx ON hotline.tickets (id);
CREATE INDEX tickets_district_code_created_at_idx ON hotline.tickets (district_code, created_at DESC, id DESC);
CREATE INDEX tickets_created_at_idx ON hotline.tickets (created_at DESC, id DESC);
CREATE INDEX tickets_unit_ids_idx ON hotline.tickets USING gin (unit_ids);
CREATE INDEX tickets_status_idx ON hotline.tickets (district_code, status);
CREATE INDEX tickets_phone_hash_idx ON hotline.tickets (requester_phone_hash);
CREATE INDEX tickets_next_deadline_idx ON hotline.tickets (next_deadline) WHERE next_deadline IS NOT NULL;

CREATE TABLE hotline.dispatches (
    district_code        text NOT NULL,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    ticket_id            uuid NOT NULL,
    unit_id              text NOT NULL REFERENCES hotline.units (id),
    role                 text NOT NULL CHECK (role IN ('lead', 'assist')),
    whistle              boolean NOT NULL DEFAULT false,
    status               text NOT NULL CHECK (status IN ('pending', 'accepted', 'contacted', 'replied',
                             'return_requested', 'returned', 'withdrawn')),
    dispatched_at        timestamptz NOT NULL,
    dispatched_by        text NOT NULL,
    sign_by              timestamptz NOT NULL,
    respond_by           timestamptz NOT NULL,
    handle_by            timestamptz NOT NULL,
    next_deadline        timestamptz,
    accepted_at          timestamptz,
    contacted_at         timestamptz,
    replied_at           timestamptz,
    reply_outcome        text CHECK (reply_outcome IN ('resolved', 'partly_resolved', 'explained', 'unresolvable')),
    reply_text           text,
    return_reason        text,
    extension_state      text CHECK (extension_state IN ('requested', 'approved', 'rejected')),
    extension_until      timestamptz,
    extension_reason     text,
    closed_at            timestamptz,
    unit_ids             text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (district_code, id),
    FOREIGN KEY (district_code, ticket_id) REFERENCES hotline.tickets (district_code, id)
) PARTITION BY LIST (district_code);
CREATE INDEX dispatches_id_idx ON hotline.dispatches (id);
CREATE INDEX dispatches_ticket_idx ON hotline.dispatches (district_code, ticket_id);
CREATE INDEX dispatches_unit_idx ON hotline.dispatches (unit_id, dispatched_at DESC);
CREATE INDEX dispatches_unit_ids_idx ON hotline.dispatches USING gin (unit_ids);
-- One live lead per ticket; a unit holds a ticket at most once at a time.
CREATE UNIQUE INDEX dispatches_one_live_lead_idx ON hotline.dispatches (district_code, ticket_id)
    WHERE role = 'lead' AND status NOT IN ('returned', 'withdrawn');
CREATE UNIQUE INDEX dispatches_one_live_per_unit_idx ON hotline.dispatches (district_code, ticket_id, unit_id)
    WHERE status NOT IN ('returned', 'withdrawn');

CREATE TABLE hotline.callbacks (
    district_code text NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    ticket_id     uuid NOT NULL,
    at            timestamptz NOT NULL,
    reached       boolean NOT NULL,
    resolved      boolean,
    satisfaction  text CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    comment       text,
    by_id         text NOT NULL,
    unit_ids      text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (district_code, id),
    FOREIGN KEY (district_code, ticket_id) REFERENCES hotline.tickets (district_code, id),
    CHECK (reached OR (resolved IS NULL AND satisfaction IS NULL))
) PARTITION BY LIST (district_code);
CREATE INDEX callbacks_ticket_idx ON hotline.callbacks (district_code, ticket_id, at DESC);
CREATE INDEX callbacks_unit_ids_idx ON hotline.callbacks USING gin (unit_ids);

-- The timeline: one row per step, never edited (only its unit_ids grow, by the sync trigger).
CREATE SEQUENCE hotline.ticket_events_id_seq;
GRANT USAGE ON SEQUENCE hotline.ticket_events_id_seq TO hotline_app;
CREATE TABLE hotline.ticket_events (
    district_code text NOT NULL,
    id            bigint NOT NULL DEFAULT nextval('hotline.ticket_events_id_seq'),
    ticket_id     uuid NOT NULL,
    dispatch_id   uuid,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    actor_kind    text NOT NULL,
    actor_id      text NOT NULL,
    actor_name    text NOT NULL,
    actor_role    text NOT NULL,
    actor_unit_id text,
    unit_id       text,
    note          text,
    data          jsonb NOT NULL DEFAULT '{}',
    unit_ids      text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (district_code, id),
    FOREIGN KEY (district_code, ticket_id) REFERENCES hotline.tickets (district_code, id)
) PARTITION BY LIST (district_code);
CREATE INDEX ticket_events_ticket_idx ON hotline.ticket_events (district_code, ticket_id, id);
CREATE INDEX ticket_events_unit_ids_idx ON hotline.ticket_events USING gin (unit_ids);

-- One partition per district for each table; RLS on every partition too (with no policy there, a partition queried
-- directly shows nothing), and no grant on partitions: the app reaches rows only through the parents' policies.
DO $$
DECLARE
    d record;
    t text;
BEGIN
    FOR d IN SELECT code FROM hotline.districts ORDER BY code LOOP
        FOREACH t IN ARRAY ARRAY['tickets', 'dispatches', 'callbacks', 'ticket_events'] LOOP
            EXECUTE format('CREATE TABLE hotline.%I PARTITION OF hotline.%I FOR VALUES IN (%L)',
                           t || '_' || d.code, t, d.code);
            EXECUTE format('ALTER TABLE hotline.%I ENABLE ROW LEVEL SECURITY', t || '_' || d.code);
            EXECUTE format('ALTER TABLE hotline.%I FORCE ROW LEVEL SECURITY', t || '_' || d.code);
        END LOOP;
    END LOOP;
END
$$;

ALTER TABLE hotline.tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.tickets FORCE ROW LEVEL SECURITY;
ALTER TABLE hotline.dispatches ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.dispatches FORCE ROW LEVEL SECURITY;
ALTER TABLE hotline.callbacks ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.callbacks FORCE ROW LEVEL SECURITY;
ALTER TABLE hotline.ticket_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.ticket_events FORCE ROW LEVEL SECURITY;

-- Updates are column by column: who a ticket is about, where it is and who it was sent to are never rewritten.
GRANT SELECT, INSERT ON hotline.tickets, hotline.dispatches, hotline.callbacks, hotline.ticket_events TO hotline_app;
GRANT UPDATE (status, unit_ids, lead_unit_id, supervised, merged_into, answer, next_deadline, updated_at, closed_at)
    ON hotline.tickets TO hotline_app;
GRANT UPDATE (status, sign_by, respond_by, handle_by, next_deadline, accepted_at, contacted_at, replied_at,
              reply_outcome, reply_text, return_reason, extension_state, extension_until, extension_reason, closed_at)
    ON hotline.dispatches TO hotline_app;

-- tickets ------------------------------------------------------------------------------------------------------
CREATE POLICY tickets_select ON hotline.tickets FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN
        ('city_admin', 'centre_operator', 'centre_supervisor', 'analyst', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
-- Intake is the hotline centre's.
CREATE POLICY tickets_insert ON hotline.tickets FOR INSERT TO hotline_app
WITH CHECK (nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor'));
-- Acting on a ticket: whoever sees it, except the read-only roles.
CREATE POLICY tickets_update ON hotline.tickets FOR UPDATE TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
)
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);

-- dispatches ---------------------------------------------------------------------------------------------------
CREATE POLICY dispatches_select ON hotline.dispatches FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN
        ('city_admin', 'centre_operator', 'centre_supervisor', 'analyst', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
-- Sending: the centre anywhere, a district admin within their district, a street (whistle) on its own tickets.
CREATE POLICY dispatches_insert ON hotline.dispatches FOR INSERT TO hotline_app
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') = 'street_handler'
        AND whistle AND role = 'assist' AND status = 'pending'
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
-- Acting on a dispatch: the centre and the district anywhere in scope; a unit on its own dispatches only.
CREATE POLICY dispatches_update ON hotline.dispatches FOR UPDATE TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_id = nullif(current_setting('hotline.unit', true), ''))
)
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_id = nullif(current_setting('hotline.unit', true), ''))
);

-- callbacks ----------------------------------------------------------------------------------------------------
CREATE POLICY callbacks_select ON hotline.callbacks FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN
        ('city_admin', 'centre_operator', 'centre_supervisor', 'analyst', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
CREATE POLICY callbacks_insert ON hotline.callbacks FOR INSERT TO hotline_app
WITH CHECK (nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor'));

-- events -------------------------------------------------------------------------------------------------------
CREATE POLICY ticket_events_select ON hotline.ticket_events FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN
        ('city_admin', 'centre_operator', 'centre_supervisor', 'analyst', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
-- Recording a step: anyone who may act on the ticket, as themselves.
CREATE POLICY ticket_events_insert ON hotline.ticket_events FOR INSERT TO hotline_app
WITH CHECK (
    actor_id = nullif(current_setting('hotline.user_id', true), '')
    AND (
        nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'centre_operator', 'centre_supervisor')
        OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
            AND district_code = nullif(current_setting('hotline.district', true), ''))
        OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
            AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
    )
);

-- The timeline is append-only, for the owner too: only the visibility list may grow (by the sync below).
CREATE FUNCTION hotline.ticket_events_append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'unit_ids') = (to_jsonb(OLD) - 'unit_ids')
       AND NEW.unit_ids @> OLD.unit_ids THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ticket events are append-only (% refused)', TG_OP USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER ticket_events_append_only
    BEFORE UPDATE OR DELETE ON hotline.ticket_events
    FOR EACH ROW EXECUTE FUNCTION hotline.ticket_events_append_only();
CREATE TRIGGER ticket_events_no_truncate
    BEFORE TRUNCATE ON hotline.ticket_events
    FOR EACH STATEMENT EXECUTE FUNCTION hotline.ticket_events_append_only();

-- Keeps unit_ids of a ticket's dispatches, callbacks and events equal to the ticket's (a set that only grows).
CREATE FUNCTION hotline.tickets_sync_unit_ids()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    UPDATE hotline.dispatches SET unit_ids = NEW.unit_ids
    WHERE district_code = NEW.district_code AND ticket_id = NEW.id AND unit_ids IS DISTINCT FROM NEW.unit_ids;
    UPDATE hotline.callbacks SET unit_ids = NEW.unit_ids
    WHERE district_code = NEW.district_code AND ticket_id = NEW.id AND unit_ids IS DISTINCT FROM NEW.unit_ids;
    UPDATE hotline.ticket_events SET unit_ids = NEW.unit_ids
    WHERE district_code = NEW.district_code AND ticket_id = NEW.id AND unit_ids IS DISTINCT FROM NEW.unit_ids;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_sync_unit_ids
    AFTER UPDATE OF unit_ids ON hotline.tickets
    FOR EACH ROW WHEN (NEW.unit_ids IS DISTINCT FROM OLD.unit_ids)
    EXECUTE FUNCTION hotline.tickets_sync_unit_ids();
-- Statement-level triggers are not cloned to partitions: refuse TRUNCATE on each one too.
DO $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT code FROM hotline.districts ORDER BY code LOOP
        EXECUTE format('CREATE TRIGGER ticket_events_no_truncate BEFORE TRUNCATE ON hotline.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hotline.ticket_events_append_only()', 'ticket_events_' || d.code);
    END LOOP;
END
$$;

-- Rows that hang off a ticket take their unit_ids from the ticket, never from the writer: a handler cannot attach
-- a dispatch or an event to a ticket that is not theirs by naming their unit on the new row (the foreign key to
-- the ticket does not look at row-level security). The writer's identity is stamped on events the same way.
-- (Triggers, not policies: a policy must not look anything up, so it still holds on Citus.)
CREATE FUNCTION hotline.ticket_rows_inherit()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
DECLARE
    v_units text[];
    v_role text := nullif(current_setting('hotline.role', true), '');
    v_unit text := nullif(current_setting('hotline.unit', true), '');
BEGIN
    -- Bulk loads by the owner (demo history) bring the ticket's list already.
    IF session_user <> 'hotline_app' AND NEW.unit_ids <> '{}' THEN
        RETURN NEW;
    END IF;
    SELECT t.unit_ids INTO v_units FROM hotline.tickets t
    WHERE t.district_code = NEW.district_code AND t.id = NEW.ticket_id;
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
CREATE TRIGGER dispatches_inherit BEFORE INSERT ON hotline.dispatches
    FOR EACH ROW EXECUTE FUNCTION hotline.ticket_rows_inherit();
CREATE TRIGGER callbacks_inherit BEFORE INSERT ON hotline.callbacks
    FOR EACH ROW EXECUTE FUNCTION hotline.ticket_rows_inherit();
CREATE TRIGGER ticket_events_inherit BEFORE INSERT ON hotline.ticket_events
    FOR EACH ROW EXECUTE FUNCTION hotline.ticket_rows_inherit();

-- A ticket's unit list only grows, and only by units that hold a dispatch of it.
CREATE FUNCTION hotline.tickets_unit_ids_guard()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF NOT (NEW.unit_ids @> OLD.unit_ids) THEN
        RAISE EXCEPTION 'a ticket''s unit list only grows' USING ERRCODE = '42501';
    END IF;
    IF EXISTS (
        SELECT 1 FROM unnest(NEW.unit_ids) u(unit_id)
        WHERE NOT u.unit_id = ANY (OLD.unit_ids)
          AND NOT EXISTS (SELECT 1 FROM hotline.dispatches d
                          WHERE d.district_code = NEW.district_code AND d.ticket_id = NEW.id AND d.unit_id = u.unit_id)
    ) THEN
        RAISE EXCEPTION 'a unit joins a ticket only with a dispatch' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tickets_unit_ids_guard BEFORE UPDATE OF unit_ids ON hotline.tickets
    FOR EACH ROW WHEN (NEW.unit_ids IS DISTINCT FROM OLD.unit_ids)
    EXECUTE FUNCTION hotline.tickets_unit_ids_guard();

CREATE POLICY dispatches_maintenance ON hotline.dispatches TO hotline_owner USING (true) WITH CHECK (true);
CREATE POLICY callbacks_maintenance ON hotline.callbacks TO hotline_owner USING (true) WITH CHECK (true);
CREATE POLICY ticket_events_maintenance ON hotline.ticket_events TO hotline_owner USING (true) WITH CHECK (true);
CREATE POLICY tickets_maintenance ON hotline.tickets TO hotline_owner USING (true) WITH CHECK (true);

-- What the API reads: tickets with personal data decryptable only by the centre. For every other role the
-- ciphertext columns read as NULL here, so only the masked forms can reach them.
CREATE VIEW hotline.ticket_view WITH (security_invoker = true) AS
SELECT district_code, id, number, status, type, category_code, tier, title, description,
       CASE WHEN nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor')
            THEN requester_name_enc END AS requester_name_enc,
       CASE WHEN nullif(current_setting('hotline.role', true), '') IN ('centre_operator', 'centre_supervisor')
            THEN requester_phone_enc END AS requester_phone_enc,
       requester_name_masked, requester_phone_masked,
       street_code, address, lat, lon, urgent, channel, unit_ids, lead_unit_id, supervised, merged_into, answer,
       next_deadline, created_by, created_at, updated_at, closed_at
FROM hotline.tickets;
GRANT SELECT ON hotline.ticket_view TO hotline_app;

-- Idempotency of intake: one row per (caller, Idempotency-Key), with a hash of the request body. Not partitioned:
-- a key names one request whatever district it turns out to be for.
CREATE TABLE hotline.idempotency_keys (
    caller        text NOT NULL,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  text NOT NULL,
    district_code text NOT NULL,
    ticket_id     uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (caller, key)
);
ALTER TABLE hotline.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.idempotency_keys FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON hotline.idempotency_keys TO hotline_app;
CREATE POLICY idempotency_keys_own ON hotline.idempotency_keys TO hotline_app
USING (caller = nullif(current_setting('hotline.kind', true), '') || ':' || nullif(current_setting('hotline.user_id', true), ''))
WITH CHECK (caller = nullif(current_setting('hotline.kind', true), '') || ':' || nullif(current_setting('hotline.user_id', true), ''));
