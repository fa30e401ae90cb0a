-- Roles and privileges: the schema `hotline` belongs to the owner role; the server's login role owns nothing.
--
-- The two cluster roles are created outside migrations (by scripts/dev-db locally, by the DBA in production; see
-- docs/operations.md), because creating roles needs a privilege the owner must not have:
--   hotline_owner  LOGIN NOSUPERUSER NOBYPASSRLS: owns the database and every object, runs these migrations.
--   hotline_app    LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE: what `hotline serve` connects as.
-- The migrator has already created the schema `hotline` and its bookkeeping table hotline.schema_migrations.

-- Nobody but the owner uses or creates in `public`; the app may not create temporary tables either.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA hotline FROM PUBLIC;
GRANT USAGE ON SCHEMA hotline TO hotline_app;

DO $$
BEGIN
    -- The database's name differs between environments (demo, tests), so the grant is built here.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO hotline_app', current_database());
END
$$;

-- Functions are executable by PUBLIC by default; this project grants EXECUTE function by function. (A per-schema
-- `ALTER DEFAULT PRIVILEGES IN SCHEMA` cannot remove that built-in default; the role-wide form can.)
ALTER DEFAULT PRIVILEGES FOR ROLE hotline_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- /ready compares the applied migrations with the files the server ships.
GRANT SELECT ON hotline.schema_migrations TO hotline_app;
