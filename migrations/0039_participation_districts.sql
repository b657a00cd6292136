-- +goose Up
-- Participation by district, and petitions signed with a qualified
-- signature where a city requires it (issue 20; modules/participation,
-- docs/participation.md).
--
-- A signature keeps where the residents' register places the signer, asked
-- at signing: the district within the city (the codifier's category B) or
-- the settlement; '' when the register did not answer in time or does not
-- know the person — a signature is never refused for the register's sake.
-- The petition's row keeps the counts by that place beside its total, in
-- the same UPDATE the signing transaction already makes (so no other row is
-- locked and a page view still reads one row): {"UA…": n, "": n}.
ALTER TABLE petition_signatures ADD COLUMN katottg text NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN district_signatures jsonb NOT NULL DEFAULT '{}';
ALTER TABLE petitions ADD CONSTRAINT petitions_district_signatures_object CHECK (jsonb_typeof(district_signatures) = 'object');

-- A city that requires it has petitions signed with a qualified electronic
-- signature: a detached CMS over the canonical text of the petition and the
-- signer (signed_content), kept with the signature as evidence.
ALTER TABLE participation_settings ADD COLUMN qualified_signature boolean NOT NULL DEFAULT false;
ALTER TABLE petition_signatures ADD COLUMN signed_content bytea;
ALTER TABLE petition_signatures ADD COLUMN signature bytea;
ALTER TABLE petition_signatures ADD CONSTRAINT petition_signatures_cms_whole CHECK ((signed_content IS NULL) = (signature IS NULL));

-- +goose Down
ALTER TABLE petition_signatures DROP CONSTRAINT petition_signatures_cms_whole;
ALTER TABLE petition_signatures DROP COLUMN signature;
ALTER TABLE petition_signatures DROP COLUMN signed_content;
ALTER TABLE participation_settings DROP COLUMN qualified_signature;
ALTER TABLE petitions DROP CONSTRAINT petitions_district_signatures_object;
ALTER TABLE petitions DROP COLUMN district_signatures;
ALTER TABLE petition_signatures DROP COLUMN katottg;
