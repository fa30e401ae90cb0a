-- Publication history of the monthly assessment (考核更正): a published month is never edited, but a mistake found
-- after publication (a wrong weight, tickets exempted late) is corrected by publishing the month again, with a
-- reason. Each publication is a revision with its own parameters and its own snapshot rows; the earlier revisions
-- stay readable as history. docs/assessment.md ("Publication and corrections").

-- One row per publication of a period: revision 1 is the first publication, later ones are corrections.
CREATE TABLE hotline.assessment_publications (
    period                    text NOT NULL REFERENCES hotline.assessment_periods (period),
    revision                  int NOT NULL CHECK (revision >= 1),
    published_at              timestamptz NOT NULL,
    published_by              text NOT NULL,
    -- Why the month was published again; the first publication has none.
    reason                    text CHECK ((revision = 1) = (reason IS NULL) AND length(reason) BETWEEN 1 AND 2000),
    weight_response           numeric(4, 3) NOT NULL CHECK (weight_response BETWEEN 0 AND 1),
    weight_resolution         numeric(4, 3) NOT NULL CHECK (weight_resolution BETWEEN 0 AND 1),
    weight_satisfaction       numeric(4, 3) NOT NULL CHECK (weight_satisfaction BETWEEN 0 AND 1),
    basically_satisfied_value numeric(4, 3) NOT NULL CHECK (basically_satisfied_value BETWEEN 0 AND 1),
    CONSTRAINT assessment_publications_pkey PRIMARY KEY (period, revision),
    CONSTRAINT assessment_publications_weights_check
        CHECK (weight_response + weight_resolution + weight_satisfaction = 1)
);
ALTER TABLE hotline.assessment_publications ENABLE ROW LEVEL SECURITY;
ALTER TABLE hotline.assessment_publications FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON hotline.assessment_publications TO hotline_app;
CREATE POLICY assessment_publications_select ON hotline.assessment_publications FOR SELECT TO hotline_app
USING (nullif(current_setting('hotline.role', true), '') IS NOT NULL);
CREATE POLICY assessment_publications_insert ON hotline.assessment_publications FOR INSERT TO hotline_app
WITH CHECK (nullif(current_setting('hotline.role', true), '') = 'city_admin'
            AND published_by = nullif(current_setting('hotline.user_id', true), ''));
CREATE POLICY assessment_publications_maintenance ON hotline.assessment_publications TO hotline_owner
USING (true) WITH CHECK (true);

-- Publications are history, like the snapshot rows: the same guard refuses UPDATE and DELETE (0007).
CREATE TRIGGER assessment_publications_immutable
    BEFORE UPDATE OR DELETE ON hotline.assessment_publications
    FOR EACH ROW EXECUTE FUNCTION hotline.assessment_snapshots_immutable();

-- Revisions are numbered without gaps: 1 first, then each correction the next number.
CREATE FUNCTION hotline.assessment_publications_next_revision()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF NEW.revision <> coalesce((SELECT max(p.revision) FROM hotline.assessment_publications p
                                 WHERE p.period = NEW.period), 0) + 1 THEN
        RAISE EXCEPTION 'revision % of % is out of order', NEW.revision, NEW.period USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assessment_publications_next_revision
    BEFORE INSERT ON hotline.assessment_publications
    FOR EACH ROW EXECUTE FUNCTION hotline.assessment_publications_next_revision();

-- Publications made before this migration become revision 1, with the parameters they were computed with.
INSERT INTO hotline.assessment_publications (period, revision, published_at, published_by, reason, weight_response,
    weight_resolution, weight_satisfaction, basically_satisfied_value)
SELECT period, 1, published_at, coalesce(published_by, 'unknown'), NULL, weight_response, weight_resolution,
       weight_satisfaction, basically_satisfied_value
FROM hotline.assessment_periods
WHERE published_at IS NOT NULL;

-- Snapshot rows belong to one revision. Existing rows are revision 1.
ALTER TABLE hotline.assessment_snapshots ADD COLUMN revision int NOT NULL DEFAULT 1 CHECK (revision >= 1);
ALTER TABLE hotline.assessment_snapshots DROP CONSTRAINT assessment_snapshots_pkey;
ALTER TABLE hotline.assessment_snapshots
    ADD CONSTRAINT assessment_snapshots_pkey PRIMARY KEY (period, revision, level, unit_id);

-- Rows go only into the next revision, before its publication row exists: publication stores the rows, then records
-- the revision, in one transaction; afterwards the revision is sealed. The first revision's rows also need the period
-- unpublished, as 0007's rule (which this replaces) said for the whole period.
DROP TRIGGER assessment_snapshots_open_period ON hotline.assessment_snapshots;
DROP FUNCTION hotline.assessment_snapshots_open_period();
CREATE FUNCTION hotline.assessment_snapshots_open_revision()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = hotline, pg_temp
AS $$
BEGIN
    IF NEW.revision <> coalesce((SELECT max(p.revision) FROM hotline.assessment_publications p
                                 WHERE p.period = NEW.period), 0) + 1
       OR (NEW.revision = 1 AND EXISTS (SELECT 1 FROM hotline.assessment_periods ap
                                        WHERE ap.period = NEW.period AND ap.published_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'revision % of % is published or out of order', NEW.revision, NEW.period USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER assessment_snapshots_open_revision
    BEFORE INSERT ON hotline.assessment_snapshots
    FOR EACH ROW EXECUTE FUNCTION hotline.assessment_snapshots_open_revision();
