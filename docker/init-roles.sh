#!/usr/bin/env bash
# docker/init-roles.sh — first-start setup of the `db` service in docker-compose.yml; the container counterpart of
# `scripts/dev-db start` (setup_roles).
#
# Mounted into /docker-entrypoint-initdb.d/, so the postgres image runs it once, when the data volume is empty, as the
# superuser against the temporary server that listens on the unix socket only. It creates
#   hotline_owner  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS, owns the database, runs the migrations
#   hotline_app    LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT NOREPLICATION, what `serve` uses
#   database $HOTLINE_DB_NAME (default hotline) owned by hotline_owner; PUBLIC loses every right on it, hotline_app
#   gets CONNECT only (the migrations grant the rest).
# The role names are fixed: sql/0001_roles.sql grants to hotline_app by name.
#
# Environment (set on the db service): HOTLINE_DB_OWNER_PASSWORD, HOTLINE_DB_PASSWORD (both required),
# HOTLINE_DB_NAME. The passwords reach psql through \getenv, never through a command line.
#
# Runs again only on an empty volume: to change a password later, ALTER ROLE … PASSWORD as the superuser
#   docker compose exec db psql -U postgres -c "\password hotline_app"
# and update .env to match.
#
# PostGIS: the extension is untrusted, so the superuser creates it here in the hotline database (migration
# 0006_street_boundaries.sql needs it and says so when it is missing).
#
# The entrypoint sources this file when it is not executable and runs it otherwise; it works either way (no `exit`,
# no `set -u` leaking into the entrypoint's shell).
set -eo pipefail

: "${HOTLINE_DB_OWNER_PASSWORD:?init-roles: HOTLINE_DB_OWNER_PASSWORD must be set on the db service}"
: "${HOTLINE_DB_PASSWORD:?init-roles: HOTLINE_DB_PASSWORD must be set on the db service}"
export HOTLINE_DB_NAME="${HOTLINE_DB_NAME:-hotline}"
export HOTLINE_DB_OWNER_PASSWORD HOTLINE_DB_PASSWORD

echo "init-roles: creating roles hotline_owner, hotline_app and database ${HOTLINE_DB_NAME}"
psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
\getenv owner_pw HOTLINE_DB_OWNER_PASSWORD
\getenv app_pw HOTLINE_DB_PASSWORD
\getenv db_name HOTLINE_DB_NAME
SELECT 'CREATE ROLE hotline_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_owner') \gexec
SELECT 'CREATE ROLE hotline_app' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_app') \gexec
ALTER ROLE hotline_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE hotline_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT NOREPLICATION PASSWORD :'app_pw';
SELECT format('CREATE DATABASE %I OWNER hotline_owner', :'db_name')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db_name') \gexec
REVOKE ALL ON DATABASE :"db_name" FROM PUBLIC;
REVOKE ALL ON DATABASE :"db_name" FROM hotline_app;
GRANT CONNECT ON DATABASE :"db_name" TO hotline_app;
\c :"db_name"
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
