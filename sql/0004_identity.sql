-- Identity: users, login sessions, machine clients, login throttling, and the per-transaction identity that every
-- row-level-security policy reads.
--
-- Pattern for every table that holds a district's data (this file sets it; later tables follow it):
--   * the row carries its district code (and the unit ids that may see it, where units matter);
--   * ENABLE and FORCE ROW LEVEL SECURITY, so the owner is bound too;
--   * policies name their role (TO hotline_app) and are plain expressions over the row's own columns and the
--     identity settings below: no subquery, no lookup function (so they still hold on Citus);
--   * WITH CHECK on every write; an index on every column a policy filters on;
--   * the owner (hotline_owner: migrations, the `hotline` maintenance commands, the SECURITY DEFINER functions
--     below) gets an explicit `<table>_maintenance` policy where it needs rows, and nothing otherwise.

-- The caller's identity for the current transaction. `SET LOCAL` cannot take bind parameters, so this function
-- builds it with format(%L); called first in every request's transaction as
-- `SELECT hotline.set_identity($1, $2, $3, $4, $5)`. SET LOCAL (not set_config) because Citus forwards it to workers.
-- Policies read the settings as nullif(current_setting('hotline.x', true), ''): unset and '' both mean "none".
CREATE FUNCTION hotline.set_identity(p_kind text, p_id text, p_role text, p_district text, p_unit text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_kind IS NOT NULL AND p_kind NOT IN ('user', 'client') THEN
        RAISE EXCEPTION 'unknown identity kind %', p_kind USING ERRCODE = '22023';
    END IF;
    IF p_role IS NOT NULL AND p_role NOT IN ('city_admin', 'centre_operator', 'centre_supervisor', 'district_admin',
            'street_handler', 'department_handler', 'proactive_planner', 'analyst') THEN
        RAISE EXCEPTION 'unknown role %', p_role USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SET LOCAL hotline.kind = %L', coalesce(p_kind, ''));
    EXECUTE format('SET LOCAL hotline.user_id = %L', coalesce(p_id, ''));
    EXECUTE format('SET LOCAL hotline.role = %L', coalesce(p_role, ''));
    EXECUTE format('SET LOCAL hotline.district = %L', coalesce(p_district, ''));
    EXECUTE format('SET LOCAL hotline.unit = %L', coalesce(p_unit, ''));
END
$$;
GRANT EXECUTE ON FUNCTION hotline.set_identity(text, text, text, text, text) TO hotline_app;

-- 用户: people who log in. Exactly one role; district and unit as the role needs (users_scope_shape).
CREATE TABLE hotline.users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL,
    display_name  text NOT NULL CHECK (display_name <> '' AND length(display_name) <= 100),
    role          text NOT NULL CHECK (role IN ('city_admin', 'centre_operator', 'centre_supervisor',
                      'district_admin', 'street_handler', 'department_handler', 'proactive_planner', 'analyst')),
    district_code text REFERENCES hotline.districts (code),
    unit_id       text REFERENCES hotline.units (id),
    -- bcrypt, never returned by the API; the app role cannot select it (column grants below) and gets one only from
    -- auth_begin_attempt, for the account a recorded login attempt names.
    password_hash text NOT NULL CHECK (password_hash LIKE '$2%'),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_username_shape CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    CONSTRAINT users_scope_shape CHECK (
        CASE role
            WHEN 'district_admin' THEN district_code IS NOT NULL AND unit_id IS NULL
            WHEN 'street_handler' THEN district_code IS NOT NULL AND unit_id ~ '^[0-9]{9}$'
                                       AND left(unit_id, 6) = district_code
            WHEN 'department_handler' THEN district_code IS NULL AND unit_id ~ '^(dept|ent)\.'
            ELSE district_code IS NULL AND unit_id IS NULL
        END
    )
);
CREATE INDEX users_district_code_idx ON hotline.users (district_code);
CREATE INDEX users_unit_id_idx ON hotline.users (unit_id);

ALTER TABLE hotline.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.users FORCE ROW LEVEL SECURITY;

-- No DELETE: accounts are disabled, never removed (their actions stay attributable).
GRANT SELECT (id, username, display_name, role, district_code, unit_id, disabled_at, created_at, updated_at)
    ON hotline.users TO hotline_app;
GRANT INSERT (username, display_name, role, district_code, unit_id, password_hash) ON hotline.users TO hotline_app;
GRANT UPDATE (display_name, role, district_code, unit_id, password_hash, disabled_at, updated_at)
    ON hotline.users TO hotline_app;

-- Read: a city admin everyone; a district admin their district's accounts; every user their own account.
CREATE POLICY users_select ON hotline.users FOR SELECT TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') = 'city_admin'
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), ''))
    OR (nullif(current_setting('hotline.kind', true), '') = 'user'
        AND id::text = nullif(current_setting('hotline.user_id', true), ''))
);

-- Create: a city admin any account; a district admin district admins and street handlers of their own district.
CREATE POLICY users_insert ON hotline.users FOR INSERT TO hotline_app
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') = 'city_admin'
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), '')
        AND role IN ('district_admin', 'street_handler'))
);

-- Change: the same scope, both for the row as it was (USING) and as it becomes (WITH CHECK).
CREATE POLICY users_update ON hotline.users FOR UPDATE TO hotline_app
USING (
    nullif(current_setting('hotline.role', true), '') = 'city_admin'
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), '')
        AND role IN ('district_admin', 'street_handler'))
)
WITH CHECK (
    nullif(current_setting('hotline.role', true), '') = 'city_admin'
    OR (nullif(current_setting('hotline.role', true), '') = 'district_admin'
        AND district_code = nullif(current_setting('hotline.district', true), '')
        AND role IN ('district_admin', 'street_handler'))
);

CREATE POLICY users_maintenance ON hotline.users TO hotline_owner USING (true) WITH CHECK (true);

-- What the API lists: the account without its secret. security_invoker, so the caller's policies apply.
CREATE VIEW hotline.user_directory WITH (security_invoker = true) AS
SELECT id, username, display_name, role, district_code, unit_id, disabled_at, created_at, updated_at
FROM hotline.users;
GRANT SELECT ON hotline.user_directory TO hotline_app;

-- Login sessions: the bearer token is random (256 bits) and stored only as its SHA-256.
CREATE TABLE hotline.sessions (
    token_hash  text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id     uuid NOT NULL REFERENCES hotline.users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    -- Whatever the server asks for, no session outlives 30 days.
    CHECK (expires_at > created_at AND expires_at <= created_at + interval '30 days')
);
CREATE INDEX sessions_user_id_idx ON hotline.sessions (user_id) WHERE revoked_at IS NULL;
ALTER TABLE hotline.sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_maintenance ON hotline.sessions TO hotline_owner USING (true) WITH CHECK (true);
-- The app role has no grant here: it reaches sessions only through the auth_* functions.

-- Machine clients (the hotline centre's systems): an API key shown once, stored as its SHA-256. City-level roles
-- only: a client has no district or unit.
CREATE TABLE hotline.api_clients (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    role        text NOT NULL CHECK (role IN ('city_admin', 'centre_operator', 'centre_supervisor',
                    'proactive_planner', 'analyst')),
    key_hash    text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    key_prefix  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT api_clients_key_hash_key UNIQUE (key_hash)
);
CREATE UNIQUE INDEX api_clients_name_idx ON hotline.api_clients (name) WHERE revoked_at IS NULL;
ALTER TABLE hotline.api_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.api_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY api_clients_maintenance ON hotline.api_clients TO hotline_owner USING (true) WITH CHECK (true);

-- Every login attempt, for throttling and audit. `username` is what was typed (lowercased), existing or not.
-- An attempt is recorded as a failure before the password is checked, and turned into a success afterwards, so that
-- parallel guesses all count.
CREATE TABLE hotline.login_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL,
    attempted_at timestamptz NOT NULL,
    succeeded    boolean NOT NULL,
    user_id      uuid REFERENCES hotline.users (id)
);
CREATE INDEX login_attempts_username_attempted_at_idx ON hotline.login_attempts (username, attempted_at DESC);
ALTER TABLE hotline.login_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.login_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY login_attempts_maintenance ON hotline.login_attempts TO hotline_owner USING (true) WITH CHECK (true);

-- Authentication happens before there is an identity, so it goes through these narrow SECURITY DEFINER functions
-- (run as the owner, which the maintenance policies let through). Each returns only what its step needs.
--
-- A login is: in one transaction, auth_recent_failures (which also serialises attempts on the name) and, unless the
-- throttle says wait, auth_begin_attempt (records the attempt as a failure, returns the account's bcrypt hash);
-- then bcrypt in the server; then, if it matched, auth_complete_login (marks the attempt a success and opens a
-- session bound to that attempt's account).

-- Failed attempts for a name since p_since, newer than its last success, newest first. Takes a transaction-level
-- advisory lock on the name first, so concurrent attempts on one name are counted one after another.
CREATE FUNCTION hotline.auth_recent_failures(p_username text, p_since timestamptz, p_limit int)
RETURNS SETOF timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('hotline.login'), hashtext(p_username));
    RETURN QUERY
    SELECT a.attempted_at FROM hotline.login_attempts a
    WHERE a.username = p_username AND a.attempted_at >= p_since AND NOT a.succeeded
      AND a.attempted_at > coalesce((SELECT max(s.attempted_at) FROM hotline.login_attempts s
                                     WHERE s.username = p_username AND s.succeeded), '-infinity')
    ORDER BY a.attempted_at DESC
    LIMIT p_limit;
END
$$;

-- Records an attempt on a name as a failure and returns its id with the named account's id, bcrypt hash and
-- whether it is disabled (NULLs for an unknown name). The only way the app role ever sees a password hash.
CREATE FUNCTION hotline.auth_begin_attempt(p_username text, p_now timestamptz)
RETURNS TABLE (attempt_id bigint, user_id uuid, password_hash text, disabled boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    WITH account AS (
        SELECT u.id, u.password_hash, u.disabled_at IS NOT NULL AS disabled
        FROM hotline.users u WHERE u.username = p_username
    ), attempt AS (
        INSERT INTO hotline.login_attempts (username, attempted_at, succeeded, user_id)
        VALUES (left(p_username, 200), p_now, false, (SELECT id FROM account))
        RETURNING id
    )
    SELECT attempt.id, account.id, account.password_hash, account.disabled FROM attempt LEFT JOIN account ON true
$$;

-- Turns a begun attempt on an existing, enabled account into a success and opens a session for that account (and
-- no other); returns the account. Raises when the attempt is unknown, already used, or the account is disabled.
CREATE FUNCTION hotline.auth_complete_login(p_attempt_id bigint, p_token_hash text, p_now timestamptz,
                                            p_expires_at timestamptz)
RETURNS TABLE (id uuid, username text, display_name text, role text, district_code text, unit_id text,
               created_at timestamptz, updated_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_user uuid;
BEGIN
    UPDATE hotline.login_attempts a SET succeeded = true
    WHERE a.id = p_attempt_id AND NOT a.succeeded AND a.user_id IS NOT NULL
    RETURNING a.user_id INTO v_user;
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'no open login attempt %', p_attempt_id USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO hotline.sessions (token_hash, user_id, created_at, expires_at)
    SELECT p_token_hash, u.id, p_now, p_expires_at FROM hotline.users u
    WHERE u.id = v_user AND u.disabled_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account % is disabled', v_user USING ERRCODE = 'P0001';
    END IF;
    RETURN QUERY
    SELECT u.id, u.username, u.display_name, u.role, u.district_code, u.unit_id, u.created_at, u.updated_at
    FROM hotline.users u WHERE u.id = v_user;
END
$$;

-- Who a bearer token (session) or API key (client) is, if it is valid at p_now.
CREATE FUNCTION hotline.auth_resolve(p_token_hash text, p_now timestamptz)
RETURNS TABLE (kind text, id text, name text, role text, district_code text, unit_id text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    SELECT 'user', u.id::text, u.username, u.role, u.district_code, u.unit_id, s.expires_at
    FROM hotline.sessions s JOIN hotline.users u ON u.id = s.user_id
    WHERE s.token_hash = p_token_hash AND s.revoked_at IS NULL AND s.expires_at > p_now AND u.disabled_at IS NULL
    UNION ALL
    SELECT 'client', c.id::text, c.name, c.role, NULL, NULL, NULL
    FROM hotline.api_clients c
    WHERE c.key_hash = p_token_hash AND c.revoked_at IS NULL
$$;

CREATE FUNCTION hotline.auth_revoke_session(p_token_hash text, p_now timestamptz)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    WITH revoked AS (
        UPDATE hotline.sessions SET revoked_at = p_now
        WHERE token_hash = p_token_hash AND revoked_at IS NULL
        RETURNING 1
    )
    SELECT count(*) > 0 FROM revoked
$$;

GRANT EXECUTE ON FUNCTION hotline.auth_recent_failures(text, timestamptz, int),
    hotline.auth_begin_attempt(text, timestamptz),
    hotline.auth_complete_login(bigint, text, timestamptz, timestamptz), hotline.auth_resolve(text, timestamptz),
    hotline.auth_revoke_session(text, timestamptz)
    TO hotline_app;

-- Disabling an account revokes its sessions at once (auth_resolve also refuses disabled accounts).
CREATE FUNCTION hotline.users_revoke_sessions_on_disable()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    UPDATE hotline.sessions SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_revoke_sessions_on_disable
    AFTER UPDATE OF disabled_at ON hotline.users
    FOR EACH ROW WHEN (NEW.disabled_at IS NOT NULL AND OLD.disabled_at IS NULL)
    EXECUTE FUNCTION hotline.users_revoke_sessions_on_disable();
