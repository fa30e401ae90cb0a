-- Street boundaries (PostGIS): a request that comes with a point but no street is placed in the street whose
-- boundary covers the point, when boundaries have been imported (`hotline import-boundaries FILE.geojson`).
--
-- PostGIS is an untrusted extension: the superuser creates it (scripts/dev-db and docker/init-roles.sh do); this
-- migration only checks that it is there. Its functions live in schema public, which the app role cannot use:
-- the app reaches boundaries only through hotline.street_at().

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis') THEN
        RAISE EXCEPTION 'PostGIS is missing in database %: as a superuser, run CREATE EXTENSION postgis there',
            current_database() USING ERRCODE = '0A000';
    END IF;
END
$$;

-- Reference data like units (public inside the government): no row-level security, no grant to the app role.
CREATE TABLE hotline.street_boundaries (
    street_code   text PRIMARY KEY REFERENCES hotline.units (id),
    district_code text NOT NULL REFERENCES hotline.districts (code),
    geom          public.geometry(MultiPolygon, 4326) NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT street_boundaries_street_in_district CHECK (left(street_code, 6) = district_code),
    CONSTRAINT street_boundaries_valid CHECK (public.ST_IsValid(geom))
);
CREATE INDEX street_boundaries_geom_idx ON hotline.street_boundaries USING gist (geom);
CREATE INDEX street_boundaries_district_code_idx ON hotline.street_boundaries (district_code);

-- The street of district p_district whose boundary covers (p_lat, p_lon), WGS84; NULL when none does.
CREATE FUNCTION hotline.street_at(p_district text, p_lat double precision, p_lon double precision)
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, public, pg_temp
AS $$
    SELECT b.street_code FROM hotline.street_boundaries b
    WHERE b.district_code = p_district
      AND public.ST_Covers(b.geom, public.ST_SetSRID(public.ST_MakePoint(p_lon, p_lat), 4326))
    ORDER BY b.street_code
    LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION hotline.street_at(text, double precision, double precision) TO hotline_app;
