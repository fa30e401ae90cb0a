-- Open311 GeoReport v2 (docs/open311.md): the public, read-only view of service requests, and placing a point in a
-- district. Reads through Open311 have no caller: they go through these SECURITY DEFINER functions, which return
-- only the columns the public may see (never the requester's name, phone or their hash, never internal notes or the
-- timeline). The app role gets no new grant on any table.
--
-- The channel check of hotline.tickets already allows 'open311' (0005), so intake needs no change here.

-- Open311 tokens are ticket numbers (工单号); tokens/{token} looks a ticket up by its number alone.
CREATE INDEX tickets_number_idx ON hotline.tickets (number);

-- Public rows of service requests, newest first. With p_ids, exactly those tickets (the other filters are ignored,
-- as GeoReport v2 says); otherwise those created in [p_from, p_to), of the classes p_codes (NULL: all), 'open'
-- (neither closed nor merged) or 'closed' (closed or merged) per p_status (NULL: both), at most p_limit of them.
-- reply_text is the live lead's reply (反馈) while it stands (a reopen takes it back); handle_by its handling deadline.
CREATE FUNCTION hotline.open311_requests(
    p_ids uuid[], p_codes text[], p_from timestamptz, p_to timestamptz, p_status text, p_limit int)
RETURNS TABLE (id uuid, number text, status text, category_code text, description text, address text,
               lat double precision, lon double precision, lead_unit_id text, answer text, merged_into uuid,
               created_at timestamptz, updated_at timestamptz, closed_at timestamptz, reply_text text,
               handle_by timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    SELECT t.id, t.number, t.status, t.category_code, t.description, t.address, t.lat, t.lon, t.lead_unit_id,
           t.answer, t.merged_into, t.created_at, t.updated_at, t.closed_at, lead.reply_text, lead.handle_by
    FROM hotline.tickets t
    LEFT JOIN LATERAL (
        SELECT CASE WHEN d.replied_at IS NOT NULL THEN d.reply_text END AS reply_text, d.handle_by
        FROM hotline.dispatches d
        WHERE d.district_code = t.district_code AND d.ticket_id = t.id AND d.role = 'lead'
          AND d.status NOT IN ('returned', 'withdrawn')
        ORDER BY d.dispatched_at DESC
        LIMIT 1
    ) lead ON true
    WHERE CASE
        WHEN p_ids IS NOT NULL THEN t.id = ANY (p_ids)
        ELSE t.created_at >= p_from AND t.created_at < p_to
             AND (p_codes IS NULL OR t.category_code = ANY (p_codes))
             AND (p_status IS NULL
                  OR (p_status = 'open' AND t.status NOT IN ('closed', 'merged'))
                  OR (p_status = 'closed' AND t.status IN ('closed', 'merged')))
    END
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT greatest(least(p_limit, 1000), 0)
$$;
GRANT EXECUTE ON FUNCTION hotline.open311_requests(uuid[], text[], timestamptz, timestamptz, text, int) TO hotline_app;

-- The ticket a token (its number) stands for.
CREATE FUNCTION hotline.open311_token(p_token text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
    SELECT t.id FROM hotline.tickets t WHERE t.number = p_token LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION hotline.open311_token(text) TO hotline_app;

-- The district and street whose imported boundary covers (p_lat, p_lon), WGS84, in any district; no row when none
-- does (the API then falls back to the district named in the address, or the nearest district seat).
CREATE FUNCTION hotline.open311_locate(p_lat double precision, p_lon double precision)
RETURNS TABLE (district_code text, street_code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = hotline, public, pg_temp
AS $$
    SELECT b.district_code, b.street_code FROM hotline.street_boundaries b
    WHERE public.ST_Covers(b.geom, public.ST_SetSRID(public.ST_MakePoint(p_lon, p_lat), 4326))
    ORDER BY b.street_code
    LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION hotline.open311_locate(double precision, double precision) TO hotline_app;
