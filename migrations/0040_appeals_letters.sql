-- +goose Up
-- Appeals (issue 18), the rest: a complaint about an answer, and the
-- official's letters as signed PDFs (modules/appeals, docs/appeals.md).
--
-- A complaint about an answer names the appeal it complains about
-- (about_appeal_id); like a complaint about an application's result it
-- carries the answer's provider and official in about_provider_id and
-- about_official_id, so appeals_not_to_subject (art. 7) keeps it from them.
ALTER TABLE appeals ADD COLUMN about_appeal_id uuid;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_appeal_fkey FOREIGN KEY (tenant_id, about_appeal_id) REFERENCES appeals (tenant_id, id);
ALTER TABLE appeals DROP CONSTRAINT appeals_about_only_complaints;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_only_complaints
    CHECK (kind = 'complaint' OR (about_provider_id IS NULL AND about_official_id IS NULL AND about_appeal_id IS NULL));
ALTER TABLE appeals ADD CONSTRAINT appeals_about_appeal_not_self CHECK (about_appeal_id IS DISTINCT FROM id);
CREATE INDEX appeals_about_appeal_idx ON appeals (tenant_id, about_appeal_id) WHERE about_appeal_id IS NOT NULL;

-- The official's question to the resident is a letter signed like the
-- answer: its PDF and detached signature are files of the appeal, and the
-- thread's message points at the PDF.
ALTER TABLE appeal_files DROP CONSTRAINT appeal_files_kind_known;
ALTER TABLE appeal_files ADD CONSTRAINT appeal_files_kind_known
    CHECK (kind IN ('attachment', 'answer', 'answer_signature', 'letter', 'letter_signature'));
ALTER TABLE appeal_messages ADD COLUMN file_id uuid;
ALTER TABLE appeal_messages ADD CONSTRAINT appeal_messages_file_fkey FOREIGN KEY (tenant_id, file_id) REFERENCES appeal_files (tenant_id, id);

-- The appeals' indicators by category and district beside provider, with
-- the time to answer and the residents' ratings (modules/monitoring,
-- docs/monitoring.md): per local day, provider (provider_key as in
-- monitoring_appeal_days), category and district ('' none), the appeals
-- received, the answers given and those late, the days each answer took
-- (from the local day received to the local day answered, a list whose
-- median a period takes) and the ratings of the day's answers.
CREATE TABLE monitoring_appeal_facet_days (
    tenant_id      uuid      NOT NULL,
    day            date      NOT NULL,
    provider_id    uuid,
    provider_key   uuid      NOT NULL GENERATED ALWAYS AS (coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid)) STORED,
    category_id    uuid      NOT NULL,
    district       text      NOT NULL DEFAULT '',
    received       integer   NOT NULL DEFAULT 0,
    answered       integer   NOT NULL DEFAULT 0,
    answered_late  integer   NOT NULL DEFAULT 0,
    answer_days    integer[] NOT NULL DEFAULT '{}',
    rated_1        integer   NOT NULL DEFAULT 0,
    rated_2        integer   NOT NULL DEFAULT 0,
    rated_3        integer   NOT NULL DEFAULT 0,
    rated_4        integer   NOT NULL DEFAULT 0,
    rated_5        integer   NOT NULL DEFAULT 0,
    CONSTRAINT monitoring_appeal_facet_days_pkey PRIMARY KEY (tenant_id, day, provider_key, category_id, district),
    CONSTRAINT monitoring_appeal_facet_days_provider_fkey FOREIGN KEY (tenant_id, provider_id) REFERENCES providers (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT monitoring_appeal_facet_days_category_fkey FOREIGN KEY (tenant_id, category_id) REFERENCES appeal_categories (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE monitoring_appeal_facet_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitoring_appeal_facet_days FORCE ROW LEVEL SECURITY;
CREATE POLICY monitoring_appeal_facet_days_tenant ON monitoring_appeal_facet_days USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON monitoring_appeal_facet_days TO hromada_app;
-- (A city's first rollup after this migration fills it from its first
-- appeal: monitoring's rollup starts from the beginning while the table is
-- empty and the city has appeals.)

-- +goose Down
DROP TABLE monitoring_appeal_facet_days;
ALTER TABLE appeal_messages DROP CONSTRAINT appeal_messages_file_fkey;
ALTER TABLE appeal_messages DROP COLUMN file_id;
ALTER TABLE appeal_files DROP CONSTRAINT appeal_files_kind_known;
ALTER TABLE appeal_files ADD CONSTRAINT appeal_files_kind_known CHECK (kind IN ('attachment', 'answer', 'answer_signature'));
DROP INDEX appeals_about_appeal_idx;
ALTER TABLE appeals DROP CONSTRAINT appeals_about_appeal_not_self;
ALTER TABLE appeals DROP CONSTRAINT appeals_about_only_complaints;
ALTER TABLE appeals ADD CONSTRAINT appeals_about_only_complaints CHECK (kind = 'complaint' OR (about_provider_id IS NULL AND about_official_id IS NULL));
ALTER TABLE appeals DROP COLUMN about_appeal_id;
