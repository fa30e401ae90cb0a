-- 督办: the list of supervised tickets (GET /api/v1/tickets?supervised=true). Supervised tickets are few, so a
-- partial index in list order lets a page of them be read without walking the district's other tickets.
CREATE INDEX tickets_district_code_created_at_id_supervised_idx ON hotline.tickets (district_code, created_at DESC, id DESC)
WHERE supervised;
