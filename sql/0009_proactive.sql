-- Proactive governance (主动治理, 未诉先办): monthly themes (每月一题) and proactive task lists with their ledger of
-- occurrences (挂账 / 销账).
--
-- Themes are city-wide (every signed-in role reads them; the city admin and the proactive-governance team write).
-- Tasks and occurrences are district rows, partitioned and guarded like tickets (0005_tickets.sql):
--   city admin, proactive planners and analysts: every district (analysts read only);
--   a district admin: their district's tasks, which they also create and manage;
--   street and department handlers: tasks whose unit_ids hold their unit, and their occurrences, which they close.
-- unit_ids of an occurrence is its task's (kept by triggers), so no policy looks anything up.

CREATE TABLE hotline.themes (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The month the theme runs in, YYYY-MM: one theme per month.
    month        text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary      text NOT NULL DEFAULT '' CHECK (length(summary) <= 4000),
    -- The lead municipal department (牵头部门).
    lead_unit_id text NOT NULL REFERENCES hotline.units (id),
    -- The 2–3 concrete problems and the plan's three lists (policies, tasks, responsibilities), validated by the
    -- server (HotlineCore.ThemePlan); each list item has an id, owner unit, due day and status.
    problems     jsonb NOT NULL CHECK (jsonb_typeof(problems) = 'array'),
    plan         jsonb NOT NULL CHECK (jsonb_typeof(plan) = 'object'),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT themes_month_key UNIQUE (month)
);
ALTER TABLE hotline.themes ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.themes FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON hotline.themes TO hotline_app;
GRANT UPDATE (title, summary, lead_unit_id, problems, plan, updated_at) ON hotline.themes TO hotline_app;
CREATE POLICY themes_select ON hotline.themes FOR SELECT TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') IS NOT NULL);
CREATE POLICY themes_insert ON hotline.themes FOR INSERT TO hotline_app
WITH CHECK (nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner'));
CREATE POLICY themes_update ON hotline.themes FOR UPDATE TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner'))
WITH CHECK (nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner'));
CREATE POLICY themes_maintenance ON hotline.themes TO hotline_owner USING (true) WITH CHECK (true);

CREATE TABLE hotline.proactive_tasks (
    district_code    text NOT NULL REFERENCES hotline.districts (code),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    category_code    text NOT NULL REFERENCES hotline.categories (code),
    -- The area: streets of this district (none: the whole district).
    street_codes     text[] NOT NULL DEFAULT '{}',
    -- Who does it: streets of this district, its government, departments, enterprises.
    unit_ids         text[] NOT NULL DEFAULT '{}',
    mode             text NOT NULL CHECK (mode IN ('campaign', 'area', 'forecast')),
    schedule_kind    text NOT NULL CHECK (schedule_kind IN ('once', 'weekly', 'monthly', 'yearly')),
    schedule_start   date NOT NULL,
    schedule_end     date,
    -- How many occurrences the schedule has (NULL: recurring without an end).
    occurrence_total int CHECK (occurrence_total >= 1),
    -- Stored: planned, in_progress, done, cancelled; overdue is derived (next_due_on before today).
    status           text NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    -- The earliest due day of the open occurrences.
    next_due_on      date,
    theme_id         uuid REFERENCES hotline.themes (id),
    theme_item_id    text,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (district_code, id),
    -- A theme's task becomes one proactive task per district, however often the conversion is asked for.
    CONSTRAINT proactive_tasks_theme_item_key UNIQUE (district_code, theme_id, theme_item_id),
    CONSTRAINT proactive_tasks_end_after_start CHECK (schedule_end IS NULL OR schedule_end >= schedule_start),
    CONSTRAINT proactive_tasks_once_total CHECK (schedule_kind <> 'once' OR occurrence_total = 1),
    CONSTRAINT proactive_tasks_campaign_theme CHECK (mode <> 'campaign' OR theme_id IS NOT NULL),
    CONSTRAINT proactive_tasks_theme_item CHECK (theme_item_id IS NULL OR theme_id IS NOT NULL),
    -- Streets and units of this district only (plain expressions over the row: no lookup).
    CONSTRAINT proactive_tasks_streets_in_district CHECK (
        array_to_string(street_codes, ',') ~ ('^(' || district_code || '[0-9]{3}(,|$))*$')),
    CONSTRAINT proactive_tasks_units_in_district CHECK (
        array_to_string(unit_ids, ',') ~ ('^((' || district_code || '[0-9]{3}|gov\.' || district_code
                                          || '|dept\.[a-z0-9-]+|ent\.[a-z0-9-]+)(,|$))*$'))
) PARTITION BY LIST (district_code);
CREATE INDEX proactive_tasks_id_idx ON hotline.proactive_tasks (id);
CREATE INDEX proactive_tasks_created_idx ON hotline.proactive_tasks (district_code, created_at DESC, id DESC);
CREATE INDEX proactive_tasks_unit_ids_idx ON hotline.proactive_tasks USING gin (unit_ids);
CREATE INDEX proactive_tasks_next_due_idx ON hotline.proactive_tasks (next_due_on) WHERE next_due_on IS NOT NULL;
CREATE INDEX proactive_tasks_theme_idx ON hotline.proactive_tasks (theme_id) WHERE theme_id IS NOT NULL;

-- The ledger: one row per occurrence of a task (挂账), closed out one by one with a report (销账).
CREATE TABLE hotline.proactive_occurrences (
    district_code     text NOT NULL,
    task_id           uuid NOT NULL,
    n                 int NOT NULL CHECK (n >= 1),
    scheduled_on      date NOT NULL,
    due_on            date NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    -- Set once by the scheduler when it finds the entry past due (a reminder was raised).
    overdue_since     timestamptz,
    completed_at      timestamptz,
    completed_by      text,
    completed_by_name text,
    completed_unit_id text,
    report            text CHECK (length(report) BETWEEN 1 AND 4000),
    unit_ids          text[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (district_code, task_id, n),
    FOREIGN KEY (district_code, task_id) REFERENCES hotline.proactive_tasks (district_code, id),
    CONSTRAINT proactive_occurrences_due_after_scheduled CHECK (due_on >= scheduled_on),
    CONSTRAINT proactive_occurrences_done_shape CHECK (
        (status = 'done') = (completed_at IS NOT NULL AND completed_by IS NOT NULL AND report IS NOT NULL))
) PARTITION BY LIST (district_code);
CREATE INDEX proactive_occurrences_unit_ids_idx ON hotline.proactive_occurrences USING gin (unit_ids);
CREATE INDEX proactive_occurrences_open_due_idx ON hotline.proactive_occurrences (due_on) WHERE status = 'open';

DO $$
DECLARE
    d record;
    t text;
BEGIN
    FOR d IN SELECT code FROM hotline.districts ORDER BY code LOOP
        FOREACH t IN ARRAY ARRAY['proactive_tasks', 'proactive_occurrences'] LOOP
            EXECUTE format('CREATE TABLE hotline.%I PARTITION OF hotline.%I FOR VALUES IN (%L)',
                           t || '_' || d.code, t, d.code);
            EXECUTE format('ALTER TABLE hotline.%I ENABLE ROW LEVEL SECURITY', t || '_' || d.code);
            EXECUTE format('ALTER TABLE hotline.%I FORCE ROW LEVEL SECURITY', t || '_' || d.code);
        END LOOP;
    END LOOP;
END
$$;
ALTER TABLE hotline.proactive_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.proactive_tasks FORCE ROW LEVEL SECURITY;
ALTER TABLE hotline.proactive_occurrences ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.proactive_occurrences FORCE ROW LEVEL SECURITY;

GRANT SELECT, INSERT ON hotline.proactive_tasks, hotline.proactive_occurrences TO hotline_app;
GRANT UPDATE (title, description, street_codes, unit_ids, schedule_end, occurrence_total, status, next_due_on, updated_at)
    ON hotline.proactive_tasks TO hotline_app;
GRANT UPDATE (due_on, status, overdue_since, completed_at, completed_by, completed_by_name, completed_unit_id, report)
    ON hotline.proactive_occurrences TO hotline_app;

CREATE POLICY proactive_tasks_select ON hotline.proactive_tasks FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner', 'analyst')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
CREATE POLICY proactive_tasks_insert ON hotline.proactive_tasks FOR INSERT TO hotline_app
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
);
CREATE POLICY proactive_tasks_update ON hotline.proactive_tasks FOR UPDATE TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    -- Closing an occurrence refreshes its task's status: the assigned units may do that much (see the guard).
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
)
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
CREATE POLICY proactive_tasks_maintenance ON hotline.proactive_tasks TO hotline_owner USING (true) WITH CHECK (true);

CREATE POLICY proactive_occurrences_select ON hotline.proactive_occurrences FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner', 'analyst')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
CREATE POLICY proactive_occurrences_insert ON hotline.proactive_occurrences FOR INSERT TO hotline_app
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
);
CREATE POLICY proactive_occurrences_update ON hotline.proactive_occurrences FOR UPDATE TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
)
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') IN ('city_admin', 'proactive_planner')
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.role', true), '') IN ('street_handler', 'department_handler')
        AND unit_ids @> ARRAY[nullif(current_setting('hotline.unit', true), '')])
);
CREATE POLICY proactive_occurrences_maintenance ON hotline.proactive_occurrences TO hotline_owner
    USING (true) WITH CHECK (true);

-- An occurrence takes its task's units; when the task's units change, its occurrences follow.
CREATE FUNCTION hotline.proactive_occurrences_inherit()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    SELECT t.unit_ids INTO NEW.unit_ids FROM hotline.proactive_tasks t
    WHERE t.district_code = NEW.district_code AND t.id = NEW.task_id;
    NEW.unit_ids := coalesce(NEW.unit_ids, '{}');
    RETURN NEW;
END
$$;
CREATE TRIGGER proactive_occurrences_inherit BEFORE INSERT ON hotline.proactive_occurrences
    FOR EACH ROW EXECUTE FUNCTION hotline.proactive_occurrences_inherit();

CREATE FUNCTION hotline.proactive_tasks_sync_unit_ids()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    UPDATE hotline.proactive_occurrences SET unit_ids = NEW.unit_ids
    WHERE district_code = NEW.district_code AND task_id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER proactive_tasks_sync_unit_ids
    AFTER UPDATE OF unit_ids ON hotline.proactive_tasks
    FOR EACH ROW WHEN (NEW.unit_ids IS DISTINCT FROM OLD.unit_ids)
    EXECUTE FUNCTION hotline.proactive_tasks_sync_unit_ids();

-- The ledger's rules, for every writer: a closed entry (done or cancelled) never changes again; an assigned unit
-- only closes entries out (never cancels or reschedules them); and a unit changes nothing of its task but the derived status.
CREATE FUNCTION hotline.proactive_occurrences_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_role text := nullif(current_setting('hotline.role', true), '');
BEGIN
    IF OLD.status <> 'open' AND (to_jsonb(NEW) - 'unit_ids') IS DISTINCT FROM (to_jsonb(OLD) - 'unit_ids') THEN
        RAISE EXCEPTION 'occurrence % of task % is closed', OLD.n, OLD.task_id USING ERRCODE = '42501';
    END IF;
    IF session_user = 'hotline_app' AND v_role IN ('street_handler', 'department_handler')
       AND (NEW.status NOT IN ('open', 'done') OR NEW.due_on IS DISTINCT FROM OLD.due_on) THEN
        RAISE EXCEPTION 'a unit closes its occurrences out; it neither cancels nor reschedules them' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER proactive_occurrences_guard BEFORE UPDATE ON hotline.proactive_occurrences
    FOR EACH ROW EXECUTE FUNCTION hotline.proactive_occurrences_guard();

CREATE FUNCTION hotline.proactive_tasks_guard()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_role text := nullif(current_setting('hotline.role', true), '');
BEGIN
    IF session_user = 'hotline_app' AND v_role IN ('street_handler', 'department_handler')
       AND ((to_jsonb(NEW) - 'status' - 'next_due_on' - 'updated_at') IS DISTINCT FROM
            (to_jsonb(OLD) - 'status' - 'next_due_on' - 'updated_at')
            OR NEW.status = 'cancelled' OR OLD.status = 'cancelled') THEN
        RAISE EXCEPTION 'a unit does not change its tasks' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER proactive_tasks_guard BEFORE UPDATE ON hotline.proactive_tasks
    FOR EACH ROW EXECUTE FUNCTION hotline.proactive_tasks_guard();

-- Counts of tickets per class, place and month, with how their lead's callbacks went: what theme suggestions,
-- forecasts and effects read. Aggregates only (no row, no personal data), so they run as the owner over every
-- district, except that a district admin counts only their own district.
CREATE FUNCTION hotline.ticket_class_counts(
    p_from timestamptz, p_to timestamptz, p_district text, p_category text, p_streets text[], p_by_street boolean)
RETURNS TABLE (category_code text, district_code text, street_code text, year int, month int,
               tickets bigint, called_back bigint, resolved bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    SELECT t.category_code, t.district_code, CASE WHEN p_by_street THEN t.street_code END,
           extract(year FROM t.created_at AT TIME ZONE 'Asia/Shanghai')::int,
           extract(month FROM t.created_at AT TIME ZONE 'Asia/Shanghai')::int,
           count(*), count(d.callback_at), count(*) FILTER (WHERE d.callback_resolved)
    FROM hotline.tickets t
    LEFT JOIN hotline.dispatches d
           ON d.district_code = t.district_code AND d.ticket_id = t.id
          AND d.role = 'lead' AND d.status NOT IN ('returned', 'withdrawn')
    WHERE t.created_at >= p_from AND t.created_at < p_to AND t.status <> 'merged'
      AND (p_district IS NULL OR t.district_code = p_district)
      AND (p_category IS NULL OR t.category_code = p_category)
      AND (p_streets IS NULL OR t.street_code = ANY (p_streets))
      AND (nullif(current_setting('hotline.role', true), '') IS DISTINCT FROM 'district_admin'
           OR t.district_code = nullif(current_setting('hotline.district', true), ''))
      AND nullif(current_setting('hotline.role', true), '') IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
$$;
GRANT EXECUTE ON FUNCTION hotline.ticket_class_counts(timestamptz, timestamptz, text, text, text[], boolean) TO hotline_app;
